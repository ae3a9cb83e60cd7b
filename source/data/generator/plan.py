"""A motion plan: per-frame root pose, reference hinge angles, foot and palm targets and object pose.

Interaction scripts write plans; :func:`realise` turns a plan into hinge angles by solving the leg and arm inverse
kinematics frame by frame, warm-started from the previous frame so the result is smooth.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.skeleton import JOINT_NAMES
from .ik import BodyTarget, joint_indices, solve

PALM_POINT = {"L": np.array([0.0, 0.045, -0.02]), "R": np.array([0.0, -0.045, -0.02])}
"""Centre of each palm surface in its ``*_Wrist`` frame (m): the palm box's face that is down in the T-pose."""

WRIST_EXTENSION = {"L": 0.5, "R": -0.5}
"""``*_Wrist_x`` angle (rad) the arm IK prefers while a palm is placed: the back of the hand bends towards the forearm,
which keeps the forearm off the surface the palm rests on."""

IK_SMOOTHING = 0.95
"""Share of the previous frame's solution in the angles the arm IK is pulled towards (the rest: the plan's reference
angles). Many arm and spine angles place a palm equally well; this picks the one closest to the last frame's."""

ANKLE_POINT = np.zeros(3)
"""Foot targets place the ankle origin."""

LEG_BODIES = {"L": ("L_Hip", "L_Knee", "L_Ankle"), "R": ("R_Hip", "R_Knee", "R_Ankle")}
ARM_BODIES = ("Torso", "Spine", "Chest", "L_Thorax", "L_Shoulder", "L_Elbow", "L_Wrist",
              "R_Thorax", "R_Shoulder", "R_Elbow", "R_Wrist")  # fmt: skip


@dataclass
class Plan:
    """Per-frame targets of a motion; NaN foot or palm targets leave that limb to the reference angles."""

    root_pos: np.ndarray
    """(T, 3) pelvis position (m)."""
    root_quat: np.ndarray
    """(T, 4) pelvis orientation (x, y, z, w)."""
    joint_pos: np.ndarray
    """(T, 69) reference hinge angles (rad)."""
    feet: np.ndarray
    """(T, 2, 7) left and right ankle targets: position (m) and orientation (x, y, z, w), or NaN."""
    palms: np.ndarray
    """(T, 2, 7) left and right palm-centre targets: position (m) and wrist orientation (x, y, z, w), or NaN."""
    object_pos: np.ndarray
    """(T, 3) object position (m)."""
    object_quat: np.ndarray
    """(T, 4) object orientation (x, y, z, w)."""

    @property
    def num_frames(self) -> int:
        return len(self.root_pos)

    def frames(self, index: slice) -> Plan:
        """The plan restricted to the frames ``index``."""
        return Plan(**{f.name: getattr(self, f.name)[index] for f in fields(Plan)})

    @staticmethod
    def concat(plans: list[Plan]) -> Plan:
        """The plans one after the other."""
        return Plan(**{f.name: np.concatenate([getattr(p, f.name) for p in plans]) for f in fields(Plan)})

    @staticmethod
    def free(num_frames: int) -> np.ndarray:
        """(T, 2, 7) targets that constrain nothing."""
        return np.full((num_frames, 2, 7), np.nan)


def _targets(frame: np.ndarray, bodies: tuple[str, str], points: tuple[np.ndarray, np.ndarray], weight: float) -> list:
    out = []
    for pose, body, point in zip(frame, bodies, points):
        if not np.isnan(pose[0]):
            out.append(BodyTarget(body, pose[:3], point, Rotation.from_quat(pose[3:]), weight))
    return out


def realise(plan: Plan) -> np.ndarray:
    """(T, 69) hinge angles (rad) meeting the plan's foot and palm targets, reference angles elsewhere."""
    joints = np.array(plan.joint_pos, dtype=np.float64)
    previous = None
    for t in range(plan.num_frames):
        start = joints[t] if previous is None else previous
        feet = _targets(plan.feet[t], ("L_Ankle", "R_Ankle"), (ANKLE_POINT, ANKLE_POINT), 0.5)
        palms = _targets(plan.palms[t], ("L_Wrist", "R_Wrist"), (PALM_POINT["L"], PALM_POINT["R"]), 0.05)
        q = joints[t].copy()
        if feet:
            legs = joint_indices(LEG_BODIES["L"] + LEG_BODIES["R"])
            q[legs] = start[legs]
            q = solve(plan.root_pos[t], plan.root_quat[t], q, feet, legs, posture=joints[t], posture_weight=0.01)
        if palms:
            arms = joint_indices(ARM_BODIES)
            q[arms] = start[arms]
            posture = joints[t].copy()
            if previous is not None:
                posture[arms] = IK_SMOOTHING * previous[arms] + (1.0 - IK_SMOOTHING) * posture[arms]
            for side, pose in zip("LR", plan.palms[t]):
                if not np.isnan(pose[0]):
                    posture[JOINT_NAMES.index(f"{side}_Wrist_x")] = WRIST_EXTENSION[side]
            q = solve(plan.root_pos[t], plan.root_quat[t], q, palms, arms, posture=posture, posture_weight=0.01)
        joints[t] = previous = q
    return joints
