"""Isaac Lab plumbing for :class:`SolverMuJoCoCpuWorlds`: its solver cfg and the Newton manager that builds it.

Isaac Lab picks the physics manager from ``NewtonCfg.solver_cfg.class_type``, so selecting this backend is
``NewtonCfg(solver_cfg=MujocoCpuSolverCfg(...))``. The manager is Newton's MuJoCo Warp manager with the solver swapped
on a CPU device; on a CUDA device it keeps Newton's MuJoCo Warp solver (and CUDA graphs), which is faster there, so one
preset serves both devices.

With the MuJoCo C solver and only implicit actuators (MuJoCo's own PD drives: nothing to compute between physics
steps), the manager takes over the env's decimation loop, as Newton does when it captures that loop in a CUDA graph:
one ``sim.step()`` per control step, whose ``decimation x num_substeps`` physics steps the solver runs back to back.
Isaac Lab's per-physics-step work (writing targets, Newton's state conversions, sensors, articulation data) then
happens once per control step.
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
        return SolverMuJoCoCpuWorlds(model, num_threads=solver_cfg.num_threads, **kwargs)

    @classmethod
    def _steps_control_steps(cls) -> bool:
        """Whether :meth:`step` advances a whole control step in one solver call: the MuJoCo C solver, and no
        actuator adapter (every actuator implicit)."""
        return isinstance(cls._solver, SolverMuJoCoCpuWorlds) and cls._adapter is None

    @classmethod
    def _is_all_graphable(cls) -> bool:
        """Newton's test for running the decimation loop inside :meth:`step`, also true when
        :meth:`_steps_control_steps`."""
        return cls._steps_control_steps() or super()._is_all_graphable()

    @classmethod
    def set_decimation(cls, decimation: int) -> None:
        """Newton's decimation setting; the MuJoCo C solver then runs ``decimation x num_substeps`` substeps per step
        when the manager steps whole control steps, else ``num_substeps`` steps of one substep each."""
        super().set_decimation(decimation)
        if isinstance(cls._solver, SolverMuJoCoCpuWorlds):
            cls._solver.substeps = cls._decimation * cls._num_substeps if cls._steps_control_steps() else 1

    @classmethod
    def _simulate_full(cls) -> None:
        """A whole control step in one solver call when :meth:`_steps_control_steps` (the body forces, state-force and
        post-actuator callbacks once, as they are constant over it), then sensors; Newton's loop otherwise."""
        if not cls._steps_control_steps():
            super()._simulate_full()
            return
        state = cls.backend.state_0  # MuJoCo managers step a single state in place
        contacts = cls._contacts if cls._needs_collision_pipeline else None
        cls._stage_body_forces()
        cls._apply_staged_body_forces(state)
        for callback in cls._state_force_callbacks:
            callback(state)
        for callback in cls._post_actuator_callbacks:
            callback()
        cls._step_solver(state, state, cls.backend.control, contacts, cls._solver_dt * cls._num_substeps * cls._decimation)
        state.clear_forces()
        for callback in cls._post_step_callbacks:
            callback()
        cls._update_sensors(contacts)

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


def mujoco_cpu_physics(mjwarp: NewtonCfg, num_threads: int | None = None) -> NewtonCfg:
    """``mjwarp``'s Newton settings and MuJoCo options, with every world stepped by MuJoCo C on ``num_threads``."""
    options = mjwarp.solver_cfg.to_dict()
    for metadata in ("class_type", "solver_type"):
        options.pop(metadata)
    return mjwarp.replace(solver_cfg=MujocoCpuSolverCfg(**options, num_threads=num_threads), class_type=None)
