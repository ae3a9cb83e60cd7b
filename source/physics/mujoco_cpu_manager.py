"""Isaac Lab plumbing for :class:`SolverMuJoCoCpuWorlds`: its solver cfg and the Newton manager that builds it.

Isaac Lab picks the physics manager from ``NewtonCfg.solver_cfg.class_type``, so selecting this backend is
``NewtonCfg(solver_cfg=MujocoCpuSolverCfg(...))``. The manager is Newton's MuJoCo Warp manager with the solver swapped.
"""

from __future__ import annotations

from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg, NewtonMJWarpManager
from newton import Model
from newton.solvers import SolverMuJoCo

from isaaclab.utils import configclass

from .mujoco_cpu_solver import SolverMuJoCoCpuWorlds


class NewtonMujocoCpuManager(NewtonMJWarpManager):
    """Newton physics manager whose solver steps every world with the MuJoCo C library on a thread pool."""

    @classmethod
    def _create_solver(cls, model: Model, solver_cfg: MujocoCpuSolverCfg) -> SolverMuJoCoCpuWorlds:
        """Build the solver from the cfg fields :class:`SolverMuJoCo` accepts, plus the thread count."""
        kwargs = cls._filter_solver_kwargs(SolverMuJoCo, solver_cfg)
        kwargs.pop("ls_parallel", None)
        return SolverMuJoCoCpuWorlds(model, num_threads=solver_cfg.num_threads, **kwargs)

    @classmethod
    def _supports_cuda_graph_capture(cls) -> bool:
        """MuJoCo C steps on the host: nothing to capture."""
        return False

    @classmethod
    def _solver_specific_clear(cls) -> None:
        """Stop the solver's stepping threads."""
        if isinstance(cls._solver, SolverMuJoCoCpuWorlds):
            cls._solver.close()


@configclass
class MujocoCpuSolverCfg(MJWarpSolverCfg):
    """MuJoCo solver options (as for MuJoCo Warp) for stepping each world with MuJoCo C on ``num_threads`` threads."""

    class_type: type = NewtonMujocoCpuManager
    """Manager class for this solver."""

    solver_type: str = "mujoco_cpu_worlds"
    """Solver type name."""

    num_threads: int | None = None
    """Threads that step the worlds; ``None`` uses every core."""


def mujoco_cpu_physics(mjwarp: NewtonCfg, num_threads: int | None = None) -> NewtonCfg:
    """``mjwarp``'s Newton settings and MuJoCo options, with every world stepped by MuJoCo C on ``num_threads``."""
    options = mjwarp.solver_cfg.to_dict()
    for metadata in ("class_type", "solver_type"):
        options.pop(metadata)
    return mjwarp.replace(
        solver_cfg=MujocoCpuSolverCfg(**options, num_threads=num_threads), use_cuda_graph=False, class_type=None
    )
