"""SMPL / SMPL-H / SMPL-X body poses on our skeleton, without the (licensed) body model files.

SMPL poses are axis-angle rotations of 24 joints (SMPL-H / SMPL-X: the first 22 are the same body joints, then
fingers). Each is a rotation in SMPL's rest frame, which is Y up, facing +z, left +x, with every joint frame aligned
to it at the rest pose; ours is Z up, facing +x, left +y, also world-aligned at rest. So a joint rotation R in SMPL's
frame is ``P R P^T`` in ours, with ``P`` the axis permutation x->y, y->z, z->x (:data:`SMPL_TO_OURS`), and the root
orientation ``G`` of the SMPL body in a world frame becomes ``W G P^T`` for our pelvis, ``W`` turning that world
frame into our Z-up one.

SMPL rotates the body about its pelvis joint, whose rest position ``J0`` depends on the body shape (``betas``); the
pelvis is at ``trans + J0`` in the source's world frame. Without the model files we use the neutral SMPL template's
pelvis (:data:`SMPL_PELVIS_REST`) unless the dataset stores its own (OMOMO's ``trans2joint = -J0``). The vertical
part of the error is removed by grounding (:mod:`.ground`); the horizontal part is a constant offset of ~2 cm.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.skeleton import BODY_NAMES

SMPL_JOINT_BODIES: tuple[str, ...] = (
    "Pelvis", "L_Hip", "R_Hip", "Torso", "L_Knee", "R_Knee", "Spine", "L_Ankle", "R_Ankle", "Chest",
    "L_Toe", "R_Toe", "Neck", "L_Thorax", "R_Thorax", "Head", "L_Shoulder", "R_Shoulder",
    "L_Elbow", "R_Elbow", "L_Wrist", "R_Wrist", "L_Hand", "R_Hand",
)  # fmt: skip
"""Our body for each SMPL joint, in SMPL order (pelvis, left_hip, right_hip, spine1, ..., left_hand, right_hand)."""

NUM_SMPL_BODY_JOINTS = 22
"""Joints 0-21 (pelvis to wrists) are shared by SMPL, SMPL-H and SMPL-X; the hands differ."""

SMPLH_MIDDLE1 = (3, 18)
"""Index of the left and right middle-finger base among SMPL-H's 30 finger joints (each hand: index, middle,
pinky, ring, thumb, 3 joints each); it stands in for our ``L_Hand`` / ``R_Hand``, as in InterMimic's mapping."""

SMPL_TO_OURS = Rotation.from_matrix([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
"""``P``: SMPL rest-frame vectors to ours (SMPL z forward -> our x, x left -> y, y up -> z)."""

Y_UP_TO_Z_UP = Rotation.from_euler("x", 90.0, degrees=True)
"""World rotation taking a Y-up frame to Z-up (+90 deg about x)."""

SMPL_PELVIS_REST = np.array([-0.001795, -0.223333, 0.028219])
"""Pelvis joint of the neutral SMPL template at rest (m, SMPL frame), the widely published regressed value. Used
when a dataset does not give its subject's own (see the module docstring for the size of the error)."""

_BODY_ORDER = np.array([SMPL_JOINT_BODIES.index(name) for name in BODY_NAMES])
"""For each of our bodies, its SMPL joint index."""


def smpl_to_skeleton(
    root_orient: np.ndarray, joint_rotvec: np.ndarray, world_to_z_up: Rotation
) -> tuple[np.ndarray, np.ndarray]:
    """Our root orientation and local body rotations from SMPL joint rotations.

    Args:
        root_orient: (T, 3) axis-angle orientation of the SMPL body in the source world frame.
        joint_rotvec: (T, 23, 3) axis-angle rotations of SMPL joints 1-23 (left_hip ... right_hand); pass zeros for
            hands the source does not have.
        world_to_z_up: Rotation from the source world frame to ours (Z up).

    Returns:
        ``(root_quat, local_quat)``: (T, 4) pelvis orientation and (T, 23, 4) local rotations in ``BODY_NAMES[1:]``
        order, all (x, y, z, w).
    """
    num_frames = len(root_orient)
    root = world_to_z_up * Rotation.from_rotvec(root_orient) * SMPL_TO_OURS.inv()
    joints = Rotation.from_rotvec(np.asarray(joint_rotvec, dtype=np.float64).reshape(-1, 3))
    local = (SMPL_TO_OURS * joints * SMPL_TO_OURS.inv()).as_quat().reshape(num_frames, 23, 4)
    local_by_smpl_joint = np.concatenate([np.zeros((num_frames, 1, 4)), local], axis=1)
    return root.as_quat(), local_by_smpl_joint[:, _BODY_ORDER[1:]]


def smpl_joint_rotvecs(body_pose: np.ndarray, hand_pose: np.ndarray | None) -> np.ndarray:
    """(T, 23, 3) rotations of SMPL joints 1-23 from ``body_pose`` (T, 63, joints 1-21) and SMPL-H ``hand_pose``
    (T, 90, the 30 finger joints) or ``None`` (hands at rest)."""
    num_frames = len(body_pose)
    hands = np.zeros((num_frames, 2, 3))
    if hand_pose is not None:
        fingers = np.asarray(hand_pose).reshape(num_frames, 30, 3)
        hands = fingers[:, list(SMPLH_MIDDLE1)]
    return np.concatenate([np.asarray(body_pose).reshape(num_frames, 21, 3), hands], axis=1)
