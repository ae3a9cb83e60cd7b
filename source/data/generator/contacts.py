"""Contact labels of generated clips, from geometry distances in the MuJoCo scene (ground, humanoid, object)."""

from __future__ import annotations

from functools import lru_cache

import mujoco
import numpy as np

from ...assets.build import scene_mjcf
from ...assets.skeleton import BODY_NAMES

CONTACT_DISTANCE = 0.02
"""A body touches the object or the ground when its collision geometry is this close (m)."""


@lru_cache(maxsize=None)
def _scene(object_name: str) -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_string(scene_mjcf(object_name))


def body_gaps(
    object_name: str, root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray, object_pos: np.ndarray,
    object_quat: np.ndarray, reach: float = CONTACT_DISTANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame signed distance from each body's collision geometry to the object and to the ground.

    Args:
        object_name: Library object in the scene.
        root_pos, root_quat: (T, 3) pelvis position (m) and (T, 4) orientation (x, y, z, w).
        joint_pos: (T, 69) hinge angles (rad).
        object_pos, object_quat: (T, 3) object position (m) and (T, 4) orientation (x, y, z, w).
        reach: Distances beyond this are reported as ``reach`` (m).

    Returns:
        ``(to_object, to_ground)``: (T, 24) distances (m), negative where the geometries overlap by that much.
    """
    model = _scene(object_name)
    data = mujoco.MjData(model)
    humanoid = model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "root")]
    obj = model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "object_root")]
    ground = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, "ground")
    object_body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "object")
    object_geoms = np.flatnonzero(model.geom_bodyid == object_body)
    body_geoms = [np.flatnonzero(model.geom_bodyid == mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name))
                  for name in BODY_NAMES]  # fmt: skip
    num_frames = len(root_pos)
    to_object = np.full((num_frames, len(BODY_NAMES)), reach)
    to_ground = np.full_like(to_object, reach)
    for t in range(num_frames):
        data.qpos[humanoid : humanoid + 3] = root_pos[t]
        data.qpos[humanoid + 3 : humanoid + 7] = np.roll(root_quat[t], 1)
        data.qpos[humanoid + 7 : humanoid + 7 + joint_pos.shape[1]] = joint_pos[t]
        data.qpos[obj : obj + 3] = object_pos[t]
        data.qpos[obj + 3 : obj + 7] = np.roll(object_quat[t], 1)
        mujoco.mj_kinematics(model, data)
        for b, geoms in enumerate(body_geoms):
            to_object[t, b] = _distance(model, data, geoms, object_geoms, reach)
            to_ground[t, b] = _distance(model, data, geoms, [ground], reach)
    return to_object, to_ground


def contact_labels(
    object_name: str, root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray, object_pos: np.ndarray,
    object_quat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame contact of each body with the object and with the ground (arguments as :func:`body_gaps`).

    Returns:
        ``(contact_object, contact_ground)``: (T, 24) ``int8`` labels, 1 within :data:`CONTACT_DISTANCE`, else 0.
    """
    to_object, to_ground = body_gaps(object_name, root_pos, root_quat, joint_pos, object_pos, object_quat)
    return (to_object < CONTACT_DISTANCE).astype(np.int8), (to_ground < CONTACT_DISTANCE).astype(np.int8)


def _distance(
    model: mujoco.MjModel, data: mujoco.MjData, geoms: np.ndarray, others: np.ndarray | list[int], reach: float
) -> float:
    """Smallest signed distance between any geom of ``geoms`` and any of ``others``, capped at ``reach`` (m)."""
    return min(
        (mujoco.mj_geomDistance(model, data, a, b, reach, None) for a in geoms for b in others), default=reach
    )
