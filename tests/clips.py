"""Synthetic clips for the tests: simple, fully known motion built with :func:`make_clip`."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from interprior.assets.skeleton import BODY_NAMES, FOOT_BODIES, HAND_BODIES, JOINT_NAMES, body_index
from interprior.data.clip import Clip
from interprior.data.kinematics import make_clip


def walking_clip(
    num_frames: int = 60, fps: float = 30.0, object_name: str = "box_small", source: str = "synthetic/walk"
) -> Clip:
    """A humanoid walking along +x while turning left, swinging its legs, arms lowered, pushing a sliding box.

    The object slides ahead of the pelvis, yawing and tilting; the hands touch it during the middle half of the
    clip and the feet touch the ground alternately.
    """
    time = np.arange(num_frames) / fps
    root_pos = np.stack([0.8 * time, 0.1 * np.sin(time), 0.92 + 0.02 * np.sin(4 * np.pi * time)], axis=-1)
    root_quat = Rotation.from_euler("xyz", np.stack([0.05 * np.sin(time), 0 * time, 0.4 * time], -1)).as_quat()
    joint_pos = np.zeros((num_frames, len(JOINT_NAMES)))
    swing = 0.4 * np.sin(2 * np.pi * time)
    for name, angle in (
        ("L_Hip_y", swing), ("R_Hip_y", -swing), ("L_Knee_y", 0.3 + 0.3 * np.cos(2 * np.pi * time)),
        ("R_Knee_y", 0.3 - 0.3 * np.cos(2 * np.pi * time)), ("L_Shoulder_x", -1.2 + 0 * time),
        ("R_Shoulder_x", 1.2 + 0 * time), ("L_Elbow_z", 0.5 + 0.2 * swing), ("R_Elbow_z", -0.5 + 0.2 * swing),
    ):  # fmt: skip
        joint_pos[:, JOINT_NAMES.index(name)] = angle
    object_pos = root_pos * (1.0, 1.0, 0.0) + (0.5, 0.0, 0.125)
    object_quat = Rotation.from_euler("xyz", np.stack([0.3 * np.sin(time), 0 * time, 1.5 * time], -1)).as_quat()
    contact_object = np.zeros((num_frames, len(BODY_NAMES)), dtype=np.int8)
    middle = slice(num_frames // 4, 3 * num_frames // 4)
    contact_object[middle, [body_index(name) for name in HAND_BODIES]] = 1
    contact_ground = np.zeros_like(contact_object)
    left_down = np.sin(2 * np.pi * time) >= 0
    contact_ground[np.ix_(left_down, [body_index(name) for name in FOOT_BODIES[:2]])] = 1
    contact_ground[np.ix_(~left_down, [body_index(name) for name in FOOT_BODIES[2:]])] = 1
    return make_clip(
        fps, root_pos, root_quat, joint_pos, object_name, object_pos, object_quat,
        contact_object=contact_object, contact_ground=contact_ground, source=source,
    )  # fmt: skip
