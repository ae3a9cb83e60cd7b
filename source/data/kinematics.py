"""Forward kinematics of our humanoid and the finite differences that complete a clip from its joint angles.

Generators and converters produce root poses and hinge angles; :func:`make_clip` turns those into a full
:class:`~interprior.data.clip.Clip` (body poses from MuJoCo's forward kinematics of the committed MJCF, velocities
by central differences).
"""

from __future__ import annotations

from functools import lru_cache

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from ..assets.build import HUMANOID_MJCF
from ..assets.skeleton import BODY_NAMES, JOINT_NAMES
from .clip import NUM_BODIES, Clip, validate_clip


@lru_cache(maxsize=1)
def _model() -> mujoco.MjModel:
    model = mujoco.MjModel.from_xml_path(str(HUMANOID_MJCF))
    names = tuple(model.body(i).name for i in range(1, model.nbody))
    hinges = tuple(model.joint(i).name for i in range(1, model.njnt))
    if names != BODY_NAMES or hinges != JOINT_NAMES:
        raise RuntimeError(f"{HUMANOID_MJCF} does not match interprior.assets.skeleton; rebuild it")
    return model


def forward_kinematics(root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Body poses of the humanoid.

    Args:
        root_pos: (T, 3) pelvis position (m).
        root_quat: (T, 4) pelvis orientation (x, y, z, w).
        joint_pos: (T, 69) hinge angles (rad).

    Returns:
        ``(body_pos, body_quat)``: (T, 24, 3) positions (m) and (T, 24, 4) orientations (x, y, z, w).
    """
    model = _model()
    data = mujoco.MjData(model)
    num_frames = len(root_pos)
    body_pos = np.empty((num_frames, NUM_BODIES, 3))
    body_quat = np.empty((num_frames, NUM_BODIES, 4))
    for t in range(num_frames):
        data.qpos[:3] = root_pos[t]
        data.qpos[3:7] = np.roll(root_quat[t], 1)  # MuJoCo stores (w, x, y, z)
        data.qpos[7:] = joint_pos[t]
        mujoco.mj_kinematics(model, data)
        body_pos[t] = data.xpos[1:]
        body_quat[t] = np.roll(data.xquat[1:], -1, axis=-1)
    return body_pos.astype(np.float32), body_quat.astype(np.float32)


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
) -> Clip:
    """A validated clip from root poses, hinge angles and object poses; missing contact labels are unknown (-1).

    Args:
        fps: Frame rate (Hz).
        root_pos, root_quat: (T, 3) and (T, 4, xyzw) pelvis pose.
        joint_pos: (T, 69) hinge angles (rad).
        object_name: Library object.
        object_pos, object_quat: (T, 3) and (T, 4, xyzw) object pose.
        contact_object, contact_ground: (T, 24) labels (1, 0 or -1), or ``None`` for unknown.
        object_scale: Uniform scale of the object.
        source: Provenance string stored in the clip.
    """
    root_quat = Rotation.from_quat(np.asarray(root_quat, dtype=np.float64)).as_quat()  # normalised
    object_quat = Rotation.from_quat(np.asarray(object_quat, dtype=np.float64)).as_quat()
    body_pos, body_quat = forward_kinematics(root_pos, root_quat, joint_pos)
    num_frames = len(root_pos)
    unknown = np.full((num_frames, NUM_BODIES), -1, dtype=np.int8)
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
    )
    return validate_clip(clip, source or "<generated clip>")
