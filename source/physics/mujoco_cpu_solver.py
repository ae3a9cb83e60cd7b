"""Newton's ``SolverMuJoCo`` with every world stepped by the MuJoCo C library on a pool of threads.

Newton converts one template world to an ``MjModel`` and all worlds to a MuJoCo Warp model and data. This solver keeps
both, but never steps MuJoCo Warp: its per-world data arrays (``qpos``, ``qvel``, ``ctrl``, ``qfrc_applied``,
``xfrc_applied``, shape ``(num_worlds, n)``) are only the exchange buffers that Newton's own conversion kernels read
and write. One :meth:`~SolverMuJoCoCpuWorlds.step` is:

1. Newton kernels write the Newton state and control (PD targets, joint and body forces) into those buffers;
2. the buffers are packed into MuJoCo state and control vectors (numpy, all worlds at once);
3. the solver's threads step every world :attr:`~SolverMuJoCoCpuWorlds.substeps` times with ``mj_step`` (the GIL is
   released), its inputs held, and read the world's contacts right after its last substep (torch's idle OpenMP
   threads are ended first, so that they do not spin-wait on the cores the stepping threads need: :mod:`.openmp`);
4. the new ``qpos``/``qvel`` go back into the buffers and Newton kernels write them, and forward kinematics, to the
   Newton state.

Its manager (:mod:`.mujoco_cpu_manager`) hands the solver a whole control step at once (the env's decimation times
Newton's substeps), so the exchange with Newton and Isaac Lab happens once per control step, not once per physics
step. :meth:`SolverMuJoCoCpuWorlds.update_contacts` reports the contacts in Newton's format, as Newton's own MuJoCo
Warp conversion does.

Model properties: every world steps its own copy of the template ``MjModel``. Whenever Newton updates the MuJoCo Warp
model (``notify_model_changed``: object switches, mass, inertia and friction randomization), the rows that changed are
copied into the worlds' copies before the next step (once, however many changes were notified; only the fields that
Newton's update for the notified flags can rewrite are compared), the bounds the
broadphase reads (``geom_aabb``, the body's ``bvh_aabb``) follow resized primitive geoms and moved geom and inertial
frames, and the derived constants (``mj_setConst``) are recomputed by MuJoCo C for the worlds that changed (by the
thread that steps the world, just before it steps), in place of MuJoCo Warp's ``set_const_0`` (a kernel launch per
dof: 0.3 s per reset on a CPU).

Limits: each step starts cold (zero ``qacc_warmstart``; its substeps warm-start from each other); a resized mesh geom
keeps its compiled bounds (primitive geoms and moved frames are refreshed); global options (``opt``: gravity, wind)
are the template's and are not mirrored.
"""

from __future__ import annotations

import copy
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor

import mujoco
import numpy as np
import warp as wp
from newton import Contacts, Control, Model, ModelFlags, State
from newton.solvers import SolverMuJoCo

from .openmp import release_openmp_threads
from .state_layout import state_slice

logger = logging.getLogger(__name__)

_reported_warnings: set[str] = set()
"""MuJoCo warnings already logged, without their numbers (DOF index, time)."""


def log_mujoco_warning(text: str) -> None:
    """MuJoCo's warning handler: each kind of warning once to this module's logger (later ones at debug level),
    instead of MuJoCo's default, which prints every one and appends it to MUJOCO_LOG.TXT in the working directory."""
    kind = re.sub(r"[-+.\d]+", "#", text)
    level = logging.DEBUG if kind in _reported_warnings else logging.WARNING
    _reported_warnings.add(kind)
    logger.log(level, "MuJoCo: %s", text.strip())

INITIAL_STATE_SPEC = int(mujoco.mjtState.mjSTATE_FULLPHYSICS)
"""State components set before stepping (``mujoco.rollout``'s fixed initial-state spec, so a rollout can replay it)."""

CONTROL_SPEC = int(
    mujoco.mjtState.mjSTATE_CTRL | mujoco.mjtState.mjSTATE_QFRC_APPLIED | mujoco.mjtState.mjSTATE_XFRC_APPLIED
)
"""Inputs held over a step's substeps: actuator controls, joint forces and body wrenches."""

ORIGIN_FIELDS = frozenset({"qpos0", "qpos_spring"})
"""MuJoCo Warp model fields that hold each env's origin (free joints' reference poses); not mirrored, since MuJoCo C
steps every world in the template's frame."""

INERTIAL_FRAME_FIELDS = ("body_ipos", "body_inertia", "body_iquat")
"""Fields whose change invalidates MuJoCo's cached inertial-frame shortcuts (``body_sameframe``, ``body_simple``)."""

JOINT_LIMIT_SCALING = ("jnt_solref", "jnt_solimp", "dof_invweight0")
"""Fields Newton rescales (``_update_solref_from_invweight0``) after any update that changes the derived constants."""

NOTIFIED_FIELD_PREFIXES = {
    ModelFlags.JOINT_PROPERTIES: ("body_", "jnt_", "dof_"),
    ModelFlags.JOINT_DOF_PROPERTIES: ("dof_", "jnt_", "actuator_"),
    ModelFlags.BODY_PROPERTIES: ("body_", "dof_", *JOINT_LIMIT_SCALING),
    ModelFlags.BODY_INERTIAL_PROPERTIES: ("body_", *JOINT_LIMIT_SCALING),
    ModelFlags.SHAPE_PROPERTIES: ("geom_", "site_", "pair_", "mesh_"),
    ModelFlags.CONSTRAINT_PROPERTIES: ("eq_",),
    ModelFlags.TENDON_PROPERTIES: ("tendon_", *JOINT_LIMIT_SCALING),
    ModelFlags.ACTUATOR_PROPERTIES: ("actuator_", *JOINT_LIMIT_SCALING),
}
"""Per Newton model flag, the prefixes (or names) of the MuJoCo Warp model fields that Newton's update for it may
rewrite: the flag's properties and what Newton refreshes after them. Any other flag may change any field; derived
constants that Newton would recompute (``set_const``) are recomputed by MuJoCo C in the changed worlds instead."""

GEOM_FRAME_FIELDS = ("geom_size", "geom_pos", "geom_quat")
"""Geom fields whose change moves the geom's bounding boxes."""

PRIMITIVE_HALF_EXTENT = {
    int(mujoco.mjtGeom.mjGEOM_SPHERE): lambda size: size[[0, 0, 0]],
    int(mujoco.mjtGeom.mjGEOM_CAPSULE): lambda size: size[[0, 0, 0]] + np.array([0.0, 0.0, size[1]]),
    int(mujoco.mjtGeom.mjGEOM_ELLIPSOID): lambda size: size[:3],
    int(mujoco.mjtGeom.mjGEOM_CYLINDER): lambda size: size[[0, 0, 1]],
    int(mujoco.mjtGeom.mjGEOM_BOX): lambda size: size[:3],
}
"""Half extents (3,) of a primitive geom's box in its own frame, from its ``geom_size`` (3,)."""


class _MujocoWarpWithoutFixedConstants:
    """The ``mujoco_warp`` module as :class:`SolverMuJoCoCpuWorlds`' Newton code calls it, except ``set_const_fixed``
    (``body_subtreemass`` of every world, 9 kernel launches per mass change), which does nothing: MuJoCo C's
    ``mj_setConst`` recomputes it, with the other constants, in the worlds that changed."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    @staticmethod
    def set_const_fixed(model, data) -> None:
        """Nothing: see the class."""


class SolverMuJoCoCpuWorlds(SolverMuJoCo):
    """Newton ``SolverMuJoCo`` stepping each world with MuJoCo C (``mj_step``) in parallel threads.

    Args:
        model: The Newton model (any number of identical worlds).
        num_threads: Threads that step the worlds; ``None`` uses every core.
        **kwargs: Passed to :class:`SolverMuJoCo`, which builds one MuJoCo Warp world per Newton world.
    """

    def __init__(self, model: Model, *, num_threads: int | None = None, **kwargs):
        if kwargs.pop("use_mujoco_cpu", False):
            raise ValueError("SolverMuJoCoCpuWorlds: use_mujoco_cpu must be False; this solver steps MuJoCo C itself")
        self.substeps = 1
        """MuJoCo steps per :meth:`step`, each of ``dt / substeps``, with the step's inputs held (the manager sets it)."""
        self._world_models: list[mujoco.MjModel] = []
        self._notified_flags = 0
        """The :class:`ModelFlags` Newton notified since the last mirror (0: none)."""
        super().__init__(model, separate_worlds=True, use_mujoco_cpu=False, **kwargs)
        num_worlds = self.mjw_data.nworld
        # a diverged world keeps its NaN, as on MuJoCo Warp, for the task's termination to catch; MuJoCo C would
        # otherwise silently reset it to the template's initial state
        self.mj_model.opt.disableflags |= int(mujoco.mjtDisableBit.mjDSBL_AUTORESET)
        mujoco.set_mju_user_warning(log_mujoco_warning)
        self._world_models = [copy.deepcopy(self.mj_model) for _ in range(num_worlds)]
        """The ``MjModel`` each world steps: the template with that world's properties."""
        self._mirrored = {
            name: np.repeat(getattr(self.mj_model, name)[None], num_worlds, axis=0) for name in self._batched_model_fields()
        }
        """Per mirrored field, (num_worlds, *shape) the values last copied into the worlds' models."""
        self._geom_body = np.eye(self.mj_model.nbody, dtype=bool)[self.mj_model.geom_bodyid]
        """(ngeom, nbody) whether a geom belongs to a body."""
        self._timestep = self.mj_model.opt.timestep
        self._constants_stale = False
        """Whether Newton asked for the qpos0-dependent constants since the last mirror (see
        :meth:`_set_const_0_with_physical_meaninertia`)."""
        self._constants_pending = np.zeros(num_worlds, dtype=bool)
        """(num_worlds,) whether a world's constants wait for ``mj_setConst`` (by its stepping thread, before it
        steps)."""
        self._notified_flags = 0
        self._mirror_world_models(tuple(self._mirrored))
        self._mujoco_warp = _MujocoWarpWithoutFixedConstants(self._mujoco_warp)
        self._seen_inertial_properties = self._inertial_properties()
        """What :meth:`_update_model_inertial_properties` last converted (see :meth:`_inertial_properties`)."""
        self._body_to_newton = self.mjc_body_to_newton.numpy()
        """(num_worlds, nbody) Newton body of each world's MuJoCo body (-1: none)."""

        num_threads = num_threads or os.cpu_count() or 1
        self._thread_data = [mujoco.MjData(self.mj_model) for _ in range(num_threads)]

        template_state = np.empty(mujoco.mj_stateSize(self.mj_model, INITIAL_STATE_SPEC))
        mujoco.mj_getState(self.mj_model, self.mj_data, template_state, INITIAL_STATE_SPEC)
        self._initial_state = np.tile(template_state, (num_worlds, 1))
        self._controls = np.zeros((num_worlds, mujoco.mj_stateSize(self.mj_model, CONTROL_SPEC)))
        self._final_state = np.empty((num_worlds, template_state.size))
        self._qpos = state_slice(self.mj_model, INITIAL_STATE_SPEC, mujoco.mjtState.mjSTATE_QPOS)
        self._qvel = state_slice(self.mj_model, INITIAL_STATE_SPEC, mujoco.mjtState.mjSTATE_QVEL)
        self._ctrl = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_CTRL)
        self._qfrc = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_QFRC_APPLIED)
        self._xfrc = state_slice(self.mj_model, CONTROL_SPEC, mujoco.mjtState.mjSTATE_XFRC_APPLIED)
        self._threads = ThreadPoolExecutor(max_workers=num_threads)
        self._geom_shapes = self.mjc_geom_to_newton_shape.numpy()
        """(num_worlds, ngeom) Newton shape id of each MuJoCo geom per world (-1: none)."""
        self._warned_contacts = False
        self._stepped_contacts: list[dict[str, np.ndarray]] = []
        """Per world with contacts, the contacts of its last substep (:meth:`_step_world_chunk`)."""

    @property
    def world_models(self) -> tuple[mujoco.MjModel, ...]:
        """The ``MjModel`` each world steps, with Newton's changes so far (read them; Newton's model is where properties
        are changed)."""
        self._apply_model_changes()
        self._set_world_constants(np.flatnonzero(self._constants_pending))
        return tuple(self._world_models)

    @property
    def step_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """What the last :meth:`step` handed MuJoCo, for replaying it: (num_worlds, n_state) every world's state
        (:data:`INITIAL_STATE_SPEC`) and (num_worlds, n_control) its inputs (:data:`CONTROL_SPEC`), held for
        :attr:`substeps` steps, as read-only views that the next step overwrites."""
        state, controls = self._initial_state.view(), self._controls.view()
        state.flags.writeable = controls.flags.writeable = False
        return state, controls

    def _batched_model_fields(self) -> tuple[str, ...]:
        """Names of MuJoCo Warp model arrays of shape ``(num_worlds or 1, *shape in MjModel)`` to mirror."""
        names = []
        for name in dir(self.mj_model):
            if name.startswith("_") or name in ORIGIN_FIELDS:
                continue
            template = getattr(self.mj_model, name, None)
            batched = getattr(self.mjw_model, name, None)
            if not isinstance(template, np.ndarray) or template.size == 0 or not hasattr(batched, "numpy"):
                continue
            if batched.ndim >= 1 and tuple(batched.numpy().shape[1:]) == template.shape:
                names.append(name)
        return tuple(names)

    def _fields_changed_by(self, flags: int) -> tuple[str, ...]:
        """The mirrored fields that Newton's update for ``flags`` (:class:`ModelFlags`) may have changed."""
        prefixes = []
        for flag in ModelFlags:
            if flags & flag and flag != ModelFlags.ALL:
                if flag not in NOTIFIED_FIELD_PREFIXES:
                    return tuple(self._mirrored)
                prefixes.extend(NOTIFIED_FIELD_PREFIXES[flag])
        return tuple(name for name in self._mirrored if name.startswith(tuple(prefixes)))

    def _mirror_world_models(self, fields: tuple[str, ...]) -> np.ndarray:
        """Copy every world's MuJoCo Warp model ``fields`` (names of mirrored fields) that changed since they were last
        mirrored into that world's ``MjModel``, then refresh what depends on them (inertial-frame shortcuts of changed
        bodies, bounds of bodies whose geoms or inertial frame changed). Returns the indices of the worlds that changed."""
        num_worlds = len(self._world_models)
        changed: dict[str, np.ndarray] = {}  # per field with changes, (num_worlds, rows): which rows of which worlds
        for name in fields:
            mirrored = self._mirrored[name]
            values = getattr(self.mjw_model, name).numpy()  # (1 or num_worlds, *shape): shared or per world
            if (values == mirrored).all():  # the usual case, in one pass
                continue
            values = np.broadcast_to(values, (num_worlds, *values.shape[1:]))
            rows = (values != mirrored).reshape(num_worlds, values.shape[1], -1).any(-1)
            for world in np.flatnonzero(rows.any(-1)):
                getattr(self._world_models[world], name)[...] = values[world]
            mirrored[...] = values
            changed[name] = rows
        no_bodies = np.zeros((num_worlds, self.mj_model.nbody), dtype=bool)
        moved_frames = np.logical_or.reduce([changed.get(name, no_bodies) for name in INERTIAL_FRAME_FIELDS])
        for world in np.flatnonzero(moved_frames.any(-1)):
            invalidate_inertial_frames(self._world_models[world], np.flatnonzero(moved_frames[world]))
        no_geoms = np.zeros((num_worlds, self.mj_model.ngeom), dtype=bool)
        moved_geoms = np.logical_or.reduce([changed.get(name, no_geoms) for name in GEOM_FRAME_FIELDS])
        moved_bounds = moved_frames | (moved_geoms @ self._geom_body)
        for world in np.flatnonzero(moved_bounds.any(-1)):
            refresh_bounds(self._world_models[world], np.flatnonzero(moved_bounds[world]))
        changed_worlds = np.zeros(num_worlds, dtype=bool)
        for rows in changed.values():
            changed_worlds |= rows.any(-1)
        return np.flatnonzero(changed_worlds)

    def _inertial_properties(self) -> list[np.ndarray]:
        """Copies of the Newton body arrays Newton's inertial update reads (mass, centre of mass, inertia and, if
        the model has it, MuJoCo's gravity compensation), each (body_count, values per body)."""
        arrays = [self.model.body_mass, self.model.body_com, self.model.body_inertia]
        gravcomp = getattr(getattr(self.model, "mujoco", None), "gravcomp", None)
        if gravcomp is not None:
            arrays.append(gravcomp)
        return [array.numpy().reshape(self.model.body_count, -1).copy() for array in arrays]

    def _update_model_inertial_properties(self) -> None:
        """Newton's update of the MuJoCo bodies' mass, centre of mass and principal inertia, for the bodies whose
        Newton properties changed since the last update only.

        Newton's kernels diagonalize the inertia of every body of every world, about 0.5 ms per call at 64 worlds on a
        CPU, and a reset changes one body (the object) per world. They run here on a body map in which the unchanged
        bodies are -1, which the kernels skip: those keep the values already converted. During construction Newton's
        own update runs.
        """
        if not self._world_models:
            super()._update_model_inertial_properties()
            return
        properties = self._inertial_properties()
        changed = np.zeros(self.model.body_count, dtype=bool)
        for now, seen in zip(properties, self._seen_inertial_properties):
            changed |= (now != seen).any(-1)
        self._seen_inertial_properties = properties
        if not changed.any():
            return
        body_map = self._body_to_newton
        changed_map = np.where((body_map >= 0) & changed[body_map], body_map, -1)
        full_map = self.mjc_body_to_newton
        self.mjc_body_to_newton = wp.array(changed_map, dtype=wp.int32, device=full_map.device)
        try:
            super()._update_model_inertial_properties()
        finally:
            self.mjc_body_to_newton = full_map

    def _set_const_0_with_physical_meaninertia(self) -> None:
        """Defer the qpos0-dependent constants (``dof_invweight0``, ``body_invweight0``, ``actuator_acc0``, ...) to
        MuJoCo C's ``mj_setConst`` on the worlds that changed, run after the mirror (:meth:`_apply_model_changes`).

        Newton computes them with MuJoCo Warp's ``set_const_0`` for all worlds, which launches a kernel per dof: about
        0.3 s per call on a CPU, at every reset that randomizes a mass. MuJoCo Warp's copies of these constants are left
        as they are (nothing steps them). During construction Newton's own computation runs.
        """
        if not self._world_models:
            super()._set_const_0_with_physical_meaninertia()
            return
        self._constants_stale = True

    def _set_world_constants(self, worlds: np.ndarray) -> None:
        """The pending constants of ``worlds`` (indices), split over the stepping threads."""

        def set_constants(chunk: np.ndarray, data: mujoco.MjData) -> None:
            for world in chunk:
                self._set_pending_constants(world, data)

        self._map_world_chunks(set_constants, worlds)

    def _set_pending_constants(self, world: int, data: mujoco.MjData) -> None:
        """``mj_setConst`` on the model of ``world`` if its constants are pending (:attr:`_constants_pending`), with
        ``data`` as scratch, which clears the flag."""
        if self._constants_pending[world]:
            mujoco.mj_setConst(self._world_models[world], data)
            self._constants_pending[world] = False

    def notify_model_changed(self, flags: ModelFlags | int) -> None:
        """Let Newton update the MuJoCo Warp model; the worlds' ``MjModel`` follow before the next step."""
        super().notify_model_changed(flags)
        self._notified_flags |= int(flags)

    def _apply_model_changes(self) -> None:
        """Mirror Newton's model changes into the worlds' ``MjModel`` and, if Newton asked for the constants, mark the
        changed worlds' as pending (:attr:`_constants_pending`): each is recomputed by the thread that steps its world
        next, so the threads share that work with the stepping and need one hand-off per step."""
        if not (self._notified_flags and self._world_models):
            return
        changed = self._mirror_world_models(self._fields_changed_by(self._notified_flags))
        if self._constants_stale:
            self._constants_pending[changed] = True
            self._constants_stale = False
        self._notified_flags = 0

    def step(self, state_in: State, state_out: State, control: Control, contacts: Contacts, dt: float) -> None:
        """Advance every world by ``dt`` seconds with :attr:`substeps` ``mj_step`` calls each, reading and writing
        Newton state."""
        self._apply_model_changes()
        self._apply_mjc_control(self.model, state_in, control, self.mjw_data)
        self._update_mjc_data(self.mjw_data, self.model, state_in)
        timestep = dt / self.substeps
        if timestep != self._timestep:
            for world_model in self._world_models:
                world_model.opt.timestep = timestep
            self._timestep = timestep
        self._pack_inputs()
        if len(self._thread_data) > 1:
            release_openmp_threads()  # torch's idle OpenMP workers would spin on the cores the stepping threads need
        self._stepped_contacts = [found for chunk in self._map_world_chunks(self._step_world_chunk) for found in chunk]
        self.mjw_data.qpos.numpy()[:] = self._final_state[:, self._qpos]
        self.mjw_data.qvel.numpy()[:] = self._final_state[:, self._qvel]
        self._update_newton_state(self.model, state_out, self.mjw_data, state_prev=state_in)
        self._step += 1

    def _pack_inputs(self) -> None:
        """Copy every world's state and inputs from the exchange buffers into the MuJoCo state and control vectors."""
        data = self.mjw_data
        self._initial_state[:, self._qpos] = data.qpos.numpy()
        self._initial_state[:, self._qvel] = data.qvel.numpy()
        controls = self._controls
        controls[:, self._ctrl] = data.ctrl.numpy()
        controls[:, self._qfrc] = data.qfrc_applied.numpy()
        controls[:, self._xfrc] = data.xfrc_applied.numpy().reshape(data.nworld, -1)

    def _map_world_chunks(self, work, worlds: np.ndarray | None = None) -> list:
        """``work(chunk, data)`` on one chunk of ``worlds`` (indices; all by default) per stepping thread, each with
        that thread's ``MjData``, in parallel (MuJoCo releases the GIL); returns the results in chunk order."""
        worlds = np.arange(len(self._world_models)) if worlds is None else worlds
        chunks = np.array_split(worlds, len(self._thread_data))
        return list(self._threads.map(work, chunks, self._thread_data))

    def update_contacts(self, contacts: Contacts, state: State | None = None) -> None:
        """Write every world's contacts of its last substep into ``contacts`` (what contact sensors read): the pair of
        Newton shapes, the normal, the contact points in the bodies' frames and the force on shape 0."""
        found = self._merge_contacts(self._stepped_contacts)
        count = len(found["shape0"])
        if count > contacts.rigid_contact_max:
            if not self._warned_contacts:
                logger.warning(f"{count} contacts exceed the buffer of {contacts.rigid_contact_max}; extra ones dropped")
                self._warned_contacts = True
            count = contacts.rigid_contact_max
        contacts.rigid_contact_count.numpy()[0] = count
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
                getattr(contacts, name).numpy()[:count] = values[:count]  # a view: the solver runs on the CPU

    def _merge_contacts(self, per_world: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The contacts of the worlds in ``per_world`` (as :meth:`_step_world_chunk` reads them), concatenated over
        worlds (n contacts).

        Returns ``shape0``, ``shape1`` (n,) int32 Newton shape ids; ``normal`` (n, 3) from shape 0 to shape 1;
        ``point0``, ``point1`` (n, 3) on each surface in its body's frame (m); ``force`` (n, 6) force (N) and torque
        (N m) on shape 0 in the world frame; all float32.
        """
        if not per_world:
            return {"shape0": np.zeros(0, np.int32)}
        merged = {name: np.concatenate([found[name] for found in per_world]) for name in per_world[0]}
        # each world's constraint rows follow the previous worlds' in the merged efc_force
        efc_offsets = np.cumsum([0] + [len(found["efc_force"]) for found in per_world[:-1]])
        efc_offsets = np.repeat(efc_offsets, [len(found["efc_address"]) for found in per_world])
        merged["efc_address"] = np.where(merged["efc_address"] >= 0, merged["efc_address"] + efc_offsets, -1)
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

    def _step_world_chunk(self, worlds: np.ndarray, data: mujoco.MjData) -> list[dict[str, np.ndarray]]:
        """Step each world of ``worlds`` :attr:`substeps` times in ``data``, as ``mujoco.rollout`` would (same inputs
        held, zero warmstart at the start), after recomputing its constants if they are pending, writing its final
        state, and read, per world that has contacts, their geometry, constraint rows and forces (MuJoCo computes
        contacts and bodies' poses at the state the last substep starts from)."""
        found = []
        for world in worlds:
            model = self._world_models[world]
            self._set_pending_constants(world, data)
            mujoco.mj_setState(model, data, self._initial_state[world], INITIAL_STATE_SPEC)
            mujoco.mj_setState(model, data, self._controls[world], CONTROL_SPEC)
            data.qacc_warmstart[:] = 0.0
            mujoco.mj_step(model, data, self.substeps)
            mujoco.mj_getState(model, data, self._final_state[world], INITIAL_STATE_SPEC)
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
        """Stop the stepping threads."""
        self._threads.shutdown()


def invalidate_inertial_frames(model: mujoco.MjModel, bodies: np.ndarray) -> None:
    """Make MuJoCo compute the inertial frames of ``bodies`` (indices) in full instead of trusting compile-time
    shortcuts, which no longer hold once their ``body_ipos``, ``body_inertia`` or ``body_iquat`` were rewritten (Newton
    does the same for its own CPU model)."""
    model.body_sameframe[bodies] = int(mujoco.mjtSameFrame.mjSAMEFRAME_NONE)
    model.body_simple[bodies] = 0
    model.dof_simplenum[:] = 0


def refresh_bounds(model: mujoco.MjModel, bodies: np.ndarray) -> None:
    """Recompute the bounding boxes the broadphase reads, for each of ``bodies`` (indices), from its geoms' frames
    (``geom_pos``, ``geom_quat``), the primitive geoms' ``geom_size`` and the body's inertial frame (``body_ipos``,
    ``body_iquat``), as MuJoCo's compiler does: the primitive geoms' ``geom_aabb`` (geom frame; other geoms keep
    their compiled box) and every node of the body's bounding volume hierarchy ``bvh_aabb`` (inertial frame), leaves
    from their geom's box and inner nodes as the union of their children."""
    for body in bodies:
        first_geom = model.body_geomadr[body]
        for geom in range(first_geom, first_geom + model.body_geomnum[body]):
            half_extent = PRIMITIVE_HALF_EXTENT.get(int(model.geom_type[geom]))
            if half_extent is not None:
                model.geom_aabb[geom] = np.concatenate([np.zeros(3), half_extent(model.geom_size[geom])])
        first_node, num_nodes = model.body_bvhadr[body], model.body_bvhnum[body]
        if num_nodes == 0:
            continue
        inertial = _rotation_matrix(model.body_iquat[body])
        low, high = np.empty((num_nodes, 3)), np.empty((num_nodes, 3))
        for node in reversed(range(num_nodes)):  # children come after their parent
            geom = model.bvh_nodeid[first_node + node]
            if geom >= 0:
                turn = inertial.T @ _rotation_matrix(model.geom_quat[geom])
                centre = inertial.T @ (model.geom_pos[geom] - model.body_ipos[body]) + turn @ model.geom_aabb[geom, :3]
                half = np.abs(turn) @ model.geom_aabb[geom, 3:]
                low[node], high[node] = centre - half, centre + half
            else:
                children = [child for child in model.bvh_child[first_node + node] if child >= 0]
                low[node], high[node] = low[children].min(0), high[children].max(0)
        model.bvh_aabb[first_node : first_node + num_nodes] = np.concatenate([(low + high) / 2, (high - low) / 2], 1)


def _rotation_matrix(quat: np.ndarray) -> np.ndarray:
    """(3, 3) rotation matrix of a MuJoCo quaternion (w, x, y, z)."""
    matrix = np.empty(9)
    mujoco.mju_quat2Mat(matrix, quat)
    return matrix.reshape(3, 3)


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
