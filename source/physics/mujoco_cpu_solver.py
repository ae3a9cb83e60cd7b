"""Newton's ``SolverMuJoCo`` with every world stepped by the MuJoCo C library on a pool of threads.

Newton converts one template world to an ``MjModel`` and all worlds to a MuJoCo Warp model and data. This solver keeps
both, but never steps MuJoCo Warp: its per-world data arrays (``qpos``, ``qvel``, ``ctrl``, ``qfrc_applied``,
``xfrc_applied``, shape ``(num_worlds, n)``) are only the exchange buffers that Newton's own conversion kernels read
and write. One physics step is:

1. Newton kernels write the Newton state and control (PD targets, joint and body forces) into those buffers;
2. the buffers are packed into MuJoCo state and control vectors (numpy, all worlds at once);
3. ``mujoco.rollout`` steps every world once with ``mj_step`` on its persistent thread pool (GIL released);
4. the new ``qpos``/``qvel`` go back into the buffers and Newton kernels write them, and forward kinematics, to the
   Newton state.

Limits of this prototype: contacts are not reported back (``update_contacts`` clears the contact buffer), the solver
is cold-started every step (``rollout`` does not return ``qacc_warmstart``), and per-world model properties must be
equal across worlds (all worlds share one ``MjModel``).
"""

from __future__ import annotations

import logging
import os

import mujoco
import numpy as np
from mujoco import rollout
from newton import Contacts, Control, Model, ModelFlags, State
from newton.solvers import SolverMuJoCo

from .state_layout import state_slice

logger = logging.getLogger(__name__)

INITIAL_STATE_SPEC = int(mujoco.mjtState.mjSTATE_FULLPHYSICS)
"""State components ``rollout`` restores before stepping (its fixed initial-state spec)."""

CONTROL_SPEC = int(
    mujoco.mjtState.mjSTATE_CTRL | mujoco.mjtState.mjSTATE_QFRC_APPLIED | mujoco.mjtState.mjSTATE_XFRC_APPLIED
)
"""Inputs handed to ``rollout`` per step: actuator controls, joint forces and body wrenches."""

PER_WORLD_FIELDS = frozenset({"qpos0", "qpos_spring"})
"""MuJoCo Warp model fields that differ between worlds by design (they hold each env's origin) and are not mirrored."""

WORLD_TOLERANCE = 1e-4
"""Relative difference below which a mirrored field counts as equal across worlds (float32 noise in derived constants,
e.g. ``actuator_acc0`` evaluated at each world's own origin)."""

NEWTON_SYNCED_FIELDS = frozenset({"body_inertia", "body_iquat"})
"""Fields mirrored by Newton's own inertia sync, which also invalidates MuJoCo's cached inertial-frame metadata."""


class SolverMuJoCoCpuWorlds(SolverMuJoCo):
    """Newton ``SolverMuJoCo`` stepping each world with MuJoCo C (``mj_step``) in parallel threads.

    Args:
        model: The Newton model (any number of identical worlds).
        num_threads: Threads of the stepping pool; ``None`` uses every core.
        **kwargs: Passed to :class:`SolverMuJoCo`, which builds one MuJoCo Warp world per Newton world.
    """

    def __init__(self, model: Model, *, num_threads: int | None = None, **kwargs):
        if kwargs.pop("use_mujoco_cpu", False):
            raise ValueError("SolverMuJoCoCpuWorlds: use_mujoco_cpu must be False; this solver steps MuJoCo C itself")
        self._mirrored_fields: tuple[str, ...] = ()
        super().__init__(model, separate_worlds=True, use_mujoco_cpu=False, **kwargs)
        self._mirrored_fields = self._batched_model_fields()
        self._mirror_world_model()

        num_worlds = self.mjw_data.nworld
        num_threads = num_threads or os.cpu_count() or 1
        self._pool = rollout.Rollout(nthread=num_threads)
        self._thread_data = [mujoco.MjData(self.mj_model) for _ in range(num_threads)]
        self._world_models = [self.mj_model] * num_worlds  # rollout takes one model per world; all share the template

        template_state = np.empty(mujoco.mj_stateSize(self.mj_model, INITIAL_STATE_SPEC))
        mujoco.mj_getState(self.mj_model, self.mj_data, template_state, INITIAL_STATE_SPEC)
        self._initial_state = np.tile(template_state, (num_worlds, 1))
        self._controls = np.zeros((num_worlds, 1, mujoco.mj_stateSize(self.mj_model, CONTROL_SPEC)))
        self._final_state = np.empty((num_worlds, 1, template_state.size))
        self._final_sensordata = np.empty((num_worlds, 1, self.mj_model.nsensordata))
        self._qpos = state_slice(self.mj_model, INITIAL_STATE_SPEC, mujoco.mjtState.mjSTATE_QPOS)
        self._qvel = state_slice(self.mj_model, INITIAL_STATE_SPEC, mujoco.mjtState.mjSTATE_QVEL)
        self._ctrl = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_CTRL)
        self._qfrc = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_QFRC_APPLIED)
        self._xfrc = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_XFRC_APPLIED)
        self._warned_contacts = False

    def _batched_model_fields(self) -> tuple[str, ...]:
        """Names of MuJoCo Warp model arrays of shape ``(num_worlds or 1, *shape in MjModel)`` to mirror."""
        names = []
        for name in dir(self.mj_model):
            if name.startswith("_") or name in PER_WORLD_FIELDS or name in NEWTON_SYNCED_FIELDS:
                continue
            template = getattr(self.mj_model, name, None)
            batched = getattr(self.mjw_model, name, None)
            if not isinstance(template, np.ndarray) or template.size == 0 or not hasattr(batched, "numpy"):
                continue
            if batched.ndim >= 1 and tuple(batched.numpy().shape[1:]) == template.shape:
                names.append(name)
        return tuple(names)

    def _mirror_world_model(self) -> None:
        """Copy the (world-uniform) MuJoCo Warp model properties Newton maintains into the shared ``MjModel``.

        Raises:
            NotImplementedError: a property differs between worlds, which one shared ``MjModel`` cannot represent.
        """
        for name in self._mirrored_fields:
            per_world = getattr(self.mjw_model, name).numpy()
            if not np.isclose(per_world, per_world[:1], rtol=WORLD_TOLERANCE, atol=0.0, equal_nan=True).all():
                raise NotImplementedError(
                    f"SolverMuJoCoCpuWorlds: model field {name!r} differs between worlds; "
                    "per-world model properties are not supported by the MuJoCo C backend yet"
                )
            getattr(self.mj_model, name)[...] = per_world[0]
        self._sync_mjw_inertias_to_mjc_cpu()

    def notify_model_changed(self, flags: ModelFlags | int) -> None:
        """Let Newton update the MuJoCo Warp model, then mirror it into the ``MjModel`` the threads step."""
        super().notify_model_changed(flags)
        if self._mirrored_fields:
            self._mirror_world_model()

    def step(self, state_in: State, state_out: State, control: Control, contacts: Contacts, dt: float) -> None:
        """Advance every world by ``dt`` seconds with one ``mj_step`` each, reading and writing Newton state."""
        self._apply_mjc_control(self.model, state_in, control, self.mjw_data)
        self._update_mjc_data(self.mjw_data, self.model, state_in)
        self.mj_model.opt.timestep = dt
        self._step_worlds()
        self._update_newton_state(self.model, state_out, self.mjw_data, state_prev=state_in)
        self._step += 1

    def _step_worlds(self) -> None:
        """Pack the exchange buffers, step all worlds once on the thread pool, unpack ``qpos`` and ``qvel``."""
        data = self.mjw_data
        num_worlds = data.nworld
        self._initial_state[:, self._qpos] = data.qpos.numpy()
        self._initial_state[:, self._qvel] = data.qvel.numpy()
        controls = self._controls[:, 0]
        controls[:, self._ctrl] = data.ctrl.numpy()
        controls[:, self._qfrc] = data.qfrc_applied.numpy()
        controls[:, self._xfrc] = data.xfrc_applied.numpy().reshape(num_worlds, -1)
        self._pool.rollout(
            self._world_models,
            self._thread_data,
            self._initial_state,
            self._controls,
            control_spec=CONTROL_SPEC,
            nstep=1,
            state=self._final_state,
            sensordata=self._final_sensordata,
            skip_checks=True,
        )
        data.qpos.numpy()[:] = self._final_state[:, 0, self._qpos]
        data.qvel.numpy()[:] = self._final_state[:, 0, self._qvel]

    def update_contacts(self, contacts: Contacts, state: State | None = None) -> None:
        """Report no contacts: this prototype does not read contacts back from the MuJoCo C worlds yet."""
        if not self._warned_contacts:
            logger.warning("SolverMuJoCoCpuWorlds does not report contacts yet: contact sensors read zero")
            self._warned_contacts = True
        contacts.rigid_contact_count.zero_()
        if contacts.force is not None:
            contacts.force.zero_()

    def close(self) -> None:
        """Stop the stepping threads."""
        self._pool.close()
