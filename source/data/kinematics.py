"""Forward kinematics of an embodiment and the finite differences that complete a clip from its joint angles.

Generators and converters produce root poses and hinge angles; :func:`make_clip` turns those into a full
:class:`~interprior.data.clip.Clip` (body poses from MuJoCo's forward kinematics of the embodiment's MJCF, our
humanoid's by default; velocities by central differences).
"""

from __future__ import annotations

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from ..assets.embodiment import SMPL, Embodiment, get_embodiment
from .clip import Clip, validate_clip


def kinematic_model(embodiment: Embodiment) -> mujoco.MjModel:
    """The embodiment's MuJoCo model, checked to list its bodies and hinges in the embodiment's order.

    Raises:
        RuntimeError: the model's bodies or hinges differ from the embodiment's (a stale build).
    """
    model = embodiment.mujoco_model()
    bodies = tuple(model.body(i).name for i in range(1, model.nbody))
    hinges = tuple(model.joint(i).name for i in range(1, model.njnt))
    if bodies != embodiment.body_names or hinges != embodiment.joint_names:
        raise RuntimeError(f"the MJCF of {embodiment.name} does not list its bodies and hinges in order; rebuild it")
    return model


def forward_kinematics(
    root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray, embodiment: Embodiment = SMPL
) -> tuple[np.ndarray, np.ndarray]:
    """Body poses of ``embodiment`` (B bodies, J hinges; 24 and 69 for our humanoid).

    Args:
        root_pos: (T, 3) pelvis position (m).
        root_quat: (T, 4) pelvis orientation (x, y, z, w).
        joint_pos: (T, J) hinge angles (rad).
        embodiment: Whose kinematic tree.

    Returns:
        ``(body_pos, body_quat)``: (T, B, 3) positions (m) and (T, B, 4) orientations (x, y, z, w).
    """
    model = kinematic_model(embodiment)
    data = mujoco.MjData(model)
    num_frames, num_bodies = len(root_pos), len(embodiment.body_names)
    body_pos = np.empty((num_frames, num_bodies, 3))
    body_quat = np.empty((num_frames, num_bodies, 4))
    for t in range(num_frames):
        data.qpos[:3] = root_pos[t]
        data.qpos[3:7] = np.roll(root_quat[t], 1)  # MuJoCo stores (w, x, y, z)
        data.qpos[7:] = joint_pos[t]
        mujoco.mj_kinematics(model, data)
        body_pos[t] = data.xpos[1:]
        body_quat[t] = np.roll(data.xquat[1:], -1, axis=-1)
    return body_pos.astype(np.float32), body_quat.astype(np.float32)


def box_depth(up: np.ndarray, half_extents: np.ndarray) -> np.ndarray:
    """(...) how far a box's lowest corner lies below its centre (m): ``up`` (..., 3) is the world's vertical in the
    box frame, ``half_extents`` (..., 3) the box's (m)."""
    return np.abs(up * half_extents).sum(-1)


def lowest_point(
    root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray, embodiment: Embodiment = SMPL,
    bodies: tuple[str, ...] | None = None,
) -> np.ndarray:
    """(T,) height of the lowest point of the bodies' collision geoms in each frame (m).

    Args:
        root_pos: (T, 3) pelvis position (m).
        root_quat: (T, 4) pelvis orientation (x, y, z, w).
        joint_pos: (T, J) hinge angles (rad).
        embodiment: Whose kinematic tree and geoms.
        bodies: Bodies whose geoms count; every body by default.

    Boxes, spheres, capsules and meshes are exact; other geoms are bounded by their bounding spheres.
    """
    model = kinematic_model(embodiment)
    data = mujoco.MjData(model)
    names = embodiment.body_names if bodies is None else bodies
    colliding = (model.geom_contype | model.geom_conaffinity) != 0
    geoms = np.flatnonzero(np.isin(model.geom_bodyid, [embodiment.body_index(name) + 1 for name in names]) & colliding)
    lowest = np.empty(len(root_pos))
    for t in range(len(root_pos)):
        data.qpos[:3], data.qpos[3:7], data.qpos[7:] = root_pos[t], np.roll(root_quat[t], 1), joint_pos[t]
        mujoco.mj_kinematics(model, data)
        heights = []
        for geom in geoms:
            centre, size, kind = data.geom_xpos[geom], model.geom_size[geom], model.geom_type[geom]
            up = data.geom_xmat[geom].reshape(3, 3)[2]  # world z in the geom frame
            if kind == mujoco.mjtGeom.mjGEOM_BOX:
                heights.append(centre[2] - box_depth(up, size))
            elif kind == mujoco.mjtGeom.mjGEOM_SPHERE:
                heights.append(centre[2] - size[0])
            elif kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
                heights.append(centre[2] - abs(up[2]) * size[1] - size[0])
            elif kind == mujoco.mjtGeom.mjGEOM_MESH:
                mesh = model.geom_dataid[geom]
                start, count = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
                heights.append(centre[2] + (model.mesh_vert[start : start + count] @ up).min())
            else:
                heights.append(centre[2] - model.geom_rbound[geom])
        lowest[t] = min(heights)
    return lowest


def lowest_foot_point(
    root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray, embodiment: Embodiment = SMPL,
    feet: tuple[str, ...] | None = None,
) -> np.ndarray:
    """(T,) :func:`lowest_point` of the feet (the embodiment's ``foot_bodies`` unless ``feet`` names others) (m)."""
    return lowest_point(root_pos, root_quat, joint_pos, embodiment, embodiment.foot_bodies if feet is None else feet)


def linear_velocity(pos: np.ndarray, fps: float) -> np.ndarray:
    """(T, ..., 3) velocities (m/s) of positions ``pos`` (T, ..., 3) sampled at ``fps``, by central differences."""
    return np.gradient(np.asarray(pos, dtype=np.float64), 1.0 / fps, axis=0).astype(np.float32)


def angular_velocity(quat: np.ndarray, fps: float) -> np.ndarray:
    """(T, ..., 3) world-frame angular velocities (rad/s) of orientations ``quat`` (T, ..., 4, xyzw) at ``fps``."""
    quat = np.asarray(quat, dtype=np.float64)
    shape = quat.shape[:-1]
    rotations = Rotation.from_quat(quat.reshape(-1, 4))
    flat = rotations.as_quat().reshape(*shape, 4)
    if len(flat) < 2:
        return np.zeros((*shape, 3), dtype=np.float32)
    lead, lag = np.concatenate([flat[1:], flat[-1:]]), np.concatenate([flat[:1], flat[:-1]])
    steps = np.full(len(flat), 2.0)
    steps[0] = steps[-1] = 1.0
    delta = Rotation.from_quat(lead.reshape(-1, 4)) * Rotation.from_quat(lag.reshape(-1, 4)).inv()
    omega = delta.as_rotvec().reshape(*shape, 3) * fps / steps.reshape(-1, *([1] * (len(shape))))
    return omega.astype(np.float32)


def make_clip(
    fps: float,
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    joint_pos: np.ndarray,
    object_name: str,
    object_pos: np.ndarray,
    object_quat: np.ndarray,
    contact_object: np.ndarray | None = None,
    contact_ground: np.ndarray | None = None,
    object_scale: float = 1.0,
    source: str = "",
    embodiment: str = SMPL.name,
) -> Clip:
    """A validated clip from root poses, hinge angles and object poses; missing contact labels are unknown (-1).

    Args:
        fps: Frame rate (Hz).
        root_pos, root_quat: (T, 3) and (T, 4, xyzw) pelvis pose.
        joint_pos: (T, J) hinge angles (rad) of the embodiment's hinges.
        object_name: Library object.
        object_pos, object_quat: (T, 3) and (T, 4, xyzw) object pose.
        contact_object, contact_ground: (T, B) labels (1, 0 or -1), or ``None`` for unknown.
        object_scale: Uniform scale of the object.
        source: Provenance string stored in the clip.
        embodiment: Name of the embodiment the clip is for.
    """
    root_quat = Rotation.from_quat(np.asarray(root_quat, dtype=np.float64)).as_quat()  # normalised
    object_quat = Rotation.from_quat(np.asarray(object_quat, dtype=np.float64)).as_quat()
    body_pos, body_quat = forward_kinematics(root_pos, root_quat, joint_pos, get_embodiment(embodiment))
    unknown = np.full(body_pos.shape[:2], -1, dtype=np.int8)
    clip = Clip(
        fps=fps,
        root_pos=np.asarray(root_pos),
        root_quat=root_quat,
        joint_pos=np.asarray(joint_pos),
        joint_vel=linear_velocity(joint_pos, fps),
        body_pos=body_pos,
        body_quat=body_quat,
        body_lin_vel=linear_velocity(body_pos, fps),
        body_ang_vel=angular_velocity(body_quat, fps),
        object_name=object_name,
        object_scale=object_scale,
        object_pos=np.asarray(object_pos),
        object_quat=object_quat,
        object_lin_vel=linear_velocity(object_pos, fps),
        object_ang_vel=angular_velocity(object_quat, fps),
        contact_object=unknown if contact_object is None else np.asarray(contact_object),
        contact_ground=unknown.copy() if contact_ground is None else np.asarray(contact_ground),
        source=source,
        embodiment=embodiment,
    )
    return validate_clip(clip, source or "<generated clip>")
