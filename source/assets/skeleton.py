"""The kinematic tree of the InterPrior humanoid: 24 SMPL-topology bodies, each non-root body on three hinges.

Conventions (shared by the MJCF, the motion data and every task):

* Z up, metres. At zero joint angles the humanoid stands in a T-pose facing +x with its left side towards +y,
  palms down, and every body frame is aligned with the world frame.
* Each non-root body has three hinges about its parent-aligned x, y, z axes, applied in that order
  (intrinsic x-y-z Euler angles). Joint names are ``<Body>_x``, ``<Body>_y``, ``<Body>_z``.
* Bodies are listed depth-first, parents before children, the order of the MJCF.
"""

from __future__ import annotations

BODY_NAMES: tuple[str, ...] = (
    "Pelvis",
    "L_Hip", "L_Knee", "L_Ankle", "L_Toe",
    "R_Hip", "R_Knee", "R_Ankle", "R_Toe",
    "Torso", "Spine", "Chest", "Neck", "Head",
    "L_Thorax", "L_Shoulder", "L_Elbow", "L_Wrist", "L_Hand",
    "R_Thorax", "R_Shoulder", "R_Elbow", "R_Wrist", "R_Hand",
)  # fmt: skip
"""The 24 bodies, depth-first."""

PARENTS: dict[str, str | None] = {
    "Pelvis": None,
    "L_Hip": "Pelvis", "L_Knee": "L_Hip", "L_Ankle": "L_Knee", "L_Toe": "L_Ankle",
    "R_Hip": "Pelvis", "R_Knee": "R_Hip", "R_Ankle": "R_Knee", "R_Toe": "R_Ankle",
    "Torso": "Pelvis", "Spine": "Torso", "Chest": "Spine", "Neck": "Chest", "Head": "Neck",
    "L_Thorax": "Chest", "L_Shoulder": "L_Thorax", "L_Elbow": "L_Shoulder", "L_Wrist": "L_Elbow", "L_Hand": "L_Wrist",
    "R_Thorax": "Chest", "R_Shoulder": "R_Thorax", "R_Elbow": "R_Shoulder", "R_Wrist": "R_Elbow", "R_Hand": "R_Wrist",
}  # fmt: skip
"""Parent of each body; the pelvis is the floating root."""

HINGE_AXES: tuple[str, ...] = ("x", "y", "z")
"""The three hinges of every non-root body, applied in this order."""

JOINT_NAMES: tuple[str, ...] = tuple(f"{body}_{axis}" for body in BODY_NAMES[1:] for axis in HINGE_AXES)
"""The 69 hinge joints in MJCF order."""

KEY_BODIES: tuple[str, ...] = (
    "Pelvis", "L_Hip", "L_Knee", "L_Ankle", "L_Toe", "R_Hip", "R_Knee", "R_Ankle", "R_Toe",
    "Torso", "Spine", "Chest", "Neck", "Head", "L_Thorax", "L_Shoulder", "L_Elbow", "L_Wrist",
    "R_Thorax", "R_Shoulder", "R_Elbow", "R_Wrist",
)  # fmt: skip
"""Bodies whose positions are tracked and scored (InterMimic's key bodies plus the pelvis)."""

HAND_BODIES: tuple[str, ...] = ("L_Wrist", "L_Hand", "R_Wrist", "R_Hand")
"""Palm (``*_Wrist``) and finger (``*_Hand``) bodies, the ones that grasp."""

FOOT_BODIES: tuple[str, ...] = ("L_Ankle", "L_Toe", "R_Ankle", "R_Toe")
"""Bodies that carry the feet's collision boxes."""

CONTACT_BODIES: tuple[str, ...] = BODY_NAMES
"""Bodies with a contact label in the motion data (all of them)."""


def body_index(name: str) -> int:
    """Index of ``name`` in :data:`BODY_NAMES`; raises ``KeyError`` with the known names otherwise."""
    try:
        return BODY_NAMES.index(name)
    except ValueError:
        raise KeyError(f"unknown body {name!r}; the humanoid has {', '.join(BODY_NAMES)}") from None
