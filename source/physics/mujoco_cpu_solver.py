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

Contacts: ``rollout`` keeps no per-world contact data, so :meth:`SolverMuJoCoCpuWorlds.update_contacts` (called once
per env step when the scene has contact sensors) re-evaluates each world's last step with ``mj_forward`` on the state
and inputs it started from and reports its contacts in Newton's format, as Newton's own MuJoCo Warp conversion does.

Limits of this prototype: the solver is cold-started every step (``rollout`` does not return ``qacc_warmstart``), and
per-world model properties must be equal across worlds (all worlds share one ``MjModel``).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

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
        self._contact_pool = ThreadPoolExecutor(max_workers=num_threads)
        self._geom_shapes = self.mjc_geom_to_newton_shape.numpy()
        """(num_worlds, ngeom) Newton shape id of each MuJoCo geom per world (-1: none)."""
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
        """Write every world's contacts of its last physics step into ``contacts`` (what contact sensors read):
        the pair of Newton shapes, the normal, the contact points in the bodies' frames and the force on shape 0."""
        found = self._last_step_contacts()
        count = len(found["shape0"])
        if count > contacts.rigid_contact_max:
            if not self._warned_contacts:
                logger.warning(f"{count} contacts exceed the buffer of {contacts.rigid_contact_max}; extra ones dropped")
                self._warned_contacts = True
            count = contacts.rigid_contact_max
        contacts.rigid_contact_count.assign(np.array([count], dtype=np.int32))
        if count == 0:
            return
        outputs = {
            "rigid_contact_shape0": found["shape0"],
            "rigid_contact_shape1": found["shape1"],
            "rigid_contact_normal": found["normal"],
            "rigid_contact_point0": found["point0"],
            "rigid_contact_point1": found["point1"],
            "force": found["force"],
        }
        for name, values in outputs.items():
            if getattr(contacts, name, None) is not None:
                getattr(contacts, name)[:count].assign(values[:count])

    def _last_step_contacts(self) -> dict[str, np.ndarray]:
        """The contacts of every world's last step, concatenated over worlds (n contacts).

        The worlds are split into one chunk per stepping thread and re-evaluated in parallel (``mj_forward`` releases
        the GIL). Returns ``shape0``, ``shape1`` (n,) int32 Newton shape ids; ``normal`` (n, 3) from shape 0 to shape
        1; ``point0``, ``point1`` (n, 3) on each surface in its body's frame (m); ``force`` (n, 6) force (N) and
        torque (N m) on shape 0 in the world frame; all float32.
        """
        chunks = np.array_split(np.arange(self.mjw_data.nworld), len(self._thread_data))
        per_world = [found for chunk in self._contact_pool.map(self._world_contacts, chunks, self._thread_data) for found in chunk]
        if not per_world:
            return {"shape0": np.zeros(0, np.int32)}
        efc_offsets = np.cumsum([0] + [len(found["efc_force"]) for found in per_world[:-1]])
        for found, offset in zip(per_world, efc_offsets):
            found["efc_address"] = np.where(found["efc_address"] >= 0, found["efc_address"] + offset, -1)
        merged = {name: np.concatenate([found[name] for found in per_world]) for name in per_world[0]}
        keep = (merged["efc_address"] >= 0) & (merged["shapes"] >= 0).all(axis=-1)
        merged = {name: values if name == "efc_force" else values[keep] for name, values in merged.items()}
        frame = merged["frame"]
        local = contact_frame_forces(
            int(self.mj_model.opt.cone), merged["dim"], merged["efc_address"], merged["friction"], merged["efc_force"]
        )
        # the constraint force acts on geom 2 along the normal from geom 1; Newton stores the force on shape 0 (geom 1)
        force = -np.concatenate(
            [np.einsum("ni,nij->nj", local[:, :3], frame), np.einsum("ni,nij->nj", local[:, 3:], frame)], -1
        )
        normal = frame[:, 0]
        half_gap = 0.5 * merged["dist"][:, None] * normal
        points = np.stack([merged["pos"] - half_gap, merged["pos"] + half_gap], axis=1)
        in_body = np.einsum("nkji,nkj->nki", merged["body_rot"], points - merged["body_pos"])  # R^T (p - x)
        return {
            "shape0": merged["shapes"][:, 0].astype(np.int32),
            "shape1": merged["shapes"][:, 1].astype(np.int32),
            "normal": normal.astype(np.float32),
            "point0": in_body[:, 0].astype(np.float32),
            "point1": in_body[:, 1].astype(np.float32),
            "force": force.astype(np.float32),
        }

    def _world_contacts(self, worlds: np.ndarray, data: mujoco.MjData) -> list[dict[str, np.ndarray]]:
        """Per world of ``worlds`` that has contacts: its contacts' geometry, constraint rows and forces, after
        ``mj_forward`` in ``data`` on the state and inputs its last step started from (zero warmstart, as ``rollout``
        steps: the same contacts and forces, exactly for the Euler and implicit-fast integrators)."""
        model, found = self.mj_model, []
        for world in worlds:
            mujoco.mj_setState(model, data, self._initial_state[world], INITIAL_STATE_SPEC)
            mujoco.mj_setState(model, data, self._controls[world, 0], CONTROL_SPEC)
            data.qacc_warmstart[:] = 0.0
            mujoco.mj_forward(model, data)
            if data.ncon == 0:
                continue
            contact = data.contact
            bodies = model.geom_bodyid[contact.geom]
            found.append(
                {
                    "shapes": self._geom_shapes[world][contact.geom],
                    "frame": contact.frame.reshape(-1, 3, 3).copy(),
                    "pos": contact.pos.copy(),
                    "dist": contact.dist.copy(),
                    "dim": contact.dim.copy(),
                    "friction": contact.friction.copy(),
                    "efc_address": contact.efc_address.copy(),
                    "body_pos": data.xpos[bodies],
                    "body_rot": data.xmat[bodies].reshape(-1, 2, 3, 3),
                    "efc_force": data.efc_force.copy(),
                }
            )
        return found

    def close(self) -> None:
        """Stop the stepping and contact threads."""
        self._pool.close()
        self._contact_pool.shutdown()


def contact_frame_forces(
    cone: int, dim: np.ndarray, efc_address: np.ndarray, friction: np.ndarray, efc_force: np.ndarray
) -> np.ndarray:
    """The force and torque (n, 6) of each contact in its contact frame (normal, two tangents), from the constraint
    forces ``efc_force`` at rows ``efc_address`` (n,), as ``mj_contactForce`` computes them.

    Args:
        cone: ``mjtCone`` of the model: pyramidal cones are decoded from their 2 (dim - 1) edge forces.
        dim: (n,) contact dimensionality (1, 3, 4 or 6).
        efc_address: (n,) first constraint row of each contact (>= 0).
        friction: (n, 5) friction coefficients.
        efc_force: all constraint forces the addresses point into.
    """
    count = len(dim)
    force = np.zeros((count, 6))
    last = len(efc_force) - 1
    if cone == mujoco.mjtCone.mjCONE_PYRAMIDAL:
        pairs = np.arange(5)
        edge = pairs[None, :] < (dim[:, None] - 1)
        first = np.where(edge, efc_force[np.minimum(efc_address[:, None] + 2 * pairs, last)], 0.0)
        second = np.where(edge, efc_force[np.minimum(efc_address[:, None] + 2 * pairs + 1, last)], 0.0)
        force[:, 0] = np.where(dim == 1, efc_force[efc_address], (first + second).sum(-1))
        force[:, 1:] = (first - second) * friction
    else:
        rows = np.arange(6)
        force[:] = np.where(rows < dim[:, None], efc_force[np.minimum(efc_address[:, None] + rows, last)], 0.0)
    return force
