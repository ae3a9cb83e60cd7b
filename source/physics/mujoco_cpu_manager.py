"""Isaac Lab plumbing for :class:`SolverMuJoCoCpuWorlds`: its solver cfg and the Newton manager that builds it.

Isaac Lab picks the physics manager from ``NewtonCfg.solver_cfg.class_type``, so selecting this backend is
``NewtonCfg(solver_cfg=MujocoCpuSolverCfg(...))``. The manager is Newton's MuJoCo Warp manager with the solver swapped
on a CPU device; on a CUDA device it keeps Newton's MuJoCo Warp solver (and CUDA graphs), which is faster there, so one
preset serves both devices.
"""

from __future__ import annotations

from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg, NewtonMJWarpManager
from newton import Model
from newton.solvers import SolverMuJoCo

from isaaclab.utils import configclass

from .mujoco_cpu_solver import SolverMuJoCoCpuWorlds


class NewtonMujocoCpuManager(NewtonMJWarpManager):
    """Newton physics manager whose solver steps every world with the MuJoCo C library on a thread pool (CPU devices;
    MuJoCo Warp on CUDA devices)."""

    @classmethod
    def _create_solver(cls, model: Model, solver_cfg: MujocoCpuSolverCfg) -> SolverMuJoCo:
        """On a CPU device, the MuJoCo C solver from the cfg fields :class:`SolverMuJoCo` accepts, plus the thread
        count and contact interval; on a CUDA device, Newton's MuJoCo Warp solver."""
        if model.device.is_cuda:
            return super()._create_solver(model, solver_cfg)
        kwargs = cls._filter_solver_kwargs(SolverMuJoCo, solver_cfg)
        kwargs.pop("ls_parallel", None)
        return SolverMuJoCoCpuWorlds(
            model, num_threads=solver_cfg.num_threads, contact_interval=solver_cfg.contact_interval, **kwargs
        )

    @classmethod
    def _update_sensors(cls, contacts) -> None:
        """Newton's sensor update, with contact sensors updated only after physics steps that report contacts
        (in between, their contacts and so their readings are the last report's)."""
        solver = cls._solver
        if not isinstance(solver, SolverMuJoCoCpuWorlds) or solver.reported_contacts:
            super()._update_sensors(contacts)
            return
        for sensor in (*cls._newton_frame_transform_sensors, *cls._newton_imu_sensors):
            sensor.update(cls.backend.state_0)

    @classmethod
    def _supports_cuda_graph_capture(cls) -> bool:
        """MuJoCo C steps on the host: nothing to capture; MuJoCo Warp on a CUDA device as Newton captures it."""
        return not isinstance(cls._solver, SolverMuJoCoCpuWorlds) and super()._supports_cuda_graph_capture()

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

    contact_interval: int = 1
    """Report contacts to the contact sensors after every this many physics steps: the env's decimation when its
    contact sensors keep no history (they are read once per control step); 1 reports after every step."""


def mujoco_cpu_physics(mjwarp: NewtonCfg, num_threads: int | None = None, contact_interval: int = 1) -> NewtonCfg:
    """``mjwarp``'s Newton settings and MuJoCo options, with every world stepped by MuJoCo C on ``num_threads`` and
    contacts reported every ``contact_interval`` physics steps."""
    options = mjwarp.solver_cfg.to_dict()
    for metadata in ("class_type", "solver_type"):
        options.pop(metadata)
    return mjwarp.replace(
        solver_cfg=MujocoCpuSolverCfg(**options, num_threads=num_threads, contact_interval=contact_interval),
        class_type=None,
    )
