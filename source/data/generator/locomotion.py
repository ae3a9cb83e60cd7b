"""Walking for the generator: Isaac Lab's AMP walk mocap retargeted to our humanoid and steered along a heading.

The mocap (``isaaclab_tasks/contrib/humanoid_amp/motions/humanoid_walk.npz``, 60 fps, a 15-body humanoid whose body
frames are world-aligned at zero angles, quaternions ``(w, x, y, z)``) is retargeted by copying the world orientation
of each mocap body onto the corresponding body of ours. The legs and the spine share the rest pose; the arms hang down
in the mocap rest pose but stretch sideways in ours, so each arm frame carries a constant 90 degree offset. One gait
cycle is cut out of the clip and replayed; the root translation is recomputed on our skeleton by keeping the stance
foot where it landed, so feet do not slide even though our legs are shorter and the heading turns, and the root
height by keeping the feet's lowest box corner on the ground.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

import isaaclab_tasks

from ...assets.skeleton import BODY_NAMES, JOINT_NAMES
from ..kinematics import forward_kinematics, lowest_foot_point
from .posture import clip_to_limits

WALK_MOCAP = Path(isaaclab_tasks.__file__).parent / "contrib" / "humanoid_amp" / "motions" / "humanoid_walk.npz"
"""The AMP walk clip shipped with Isaac Lab (BSD-3)."""

_ARM_OFFSET = {"L": Rotation.from_euler("x", -90, degrees=True), "R": Rotation.from_euler("x", 90, degrees=True)}
"""Rotation from our T-pose arm frame to the mocap's hanging-arm frame (our +-y bone axis onto the mocap's -z)."""

SOLE_DEPTH = 0.065
"""Height of the ankle origin above the ground when the foot is flat (m): box centre 0.04 + half height 0.025."""

FOOT_POINT_HEIGHT = np.array([SOLE_DEPTH, 0.025, SOLE_DEPTH, 0.025])
"""Height above the sole of the L_Ankle, L_Toe, R_Ankle, R_Toe origins (m); a point touches the ground at it."""


def _local(parent: Rotation, child: Rotation) -> Rotation:
    return parent.inv() * child


def _hinge_angles(local: Rotation) -> np.ndarray:
    """(T, 3) intrinsic x-y-z angles (rad) of local rotations, our hinge order."""
    return local.as_euler("XYZ")


def retarget_walk(path: Path = WALK_MOCAP) -> tuple[np.ndarray, np.ndarray, float]:
    """The mocap walk on our skeleton.

    Returns:
        ``(root_quat, joint_pos, fps)``: (T, 4) pelvis orientation (x, y, z, w), (T, 69) hinge angles (rad) clipped to
        the MJCF limits, and the mocap frame rate (Hz).
    """
    with np.load(path) as data:
        names = [str(name) for name in data["body_names"]]
        wxyz = data["body_rotations"].astype(np.float64)
        fps = float(data["fps"])
    world = {name: Rotation.from_quat(np.roll(wxyz[:, i], -1, axis=-1)) for i, name in enumerate(names)}
    num_frames = len(wxyz)
    local: dict[str, Rotation] = {}
    for side, word in (("L", "left"), ("R", "right")):
        local[f"{side}_Hip"] = _local(world["pelvis"], world[f"{word}_thigh"])
        local[f"{side}_Knee"] = _local(world[f"{word}_thigh"], world[f"{word}_shin"])
        local[f"{side}_Ankle"] = _local(world[f"{word}_shin"], world[f"{word}_foot"])
        offset = _ARM_OFFSET[side]
        local[f"{side}_Shoulder"] = _local(world["torso"], world[f"{word}_upper_arm"]) * offset
        local[f"{side}_Elbow"] = offset.inv() * _local(world[f"{word}_upper_arm"], world[f"{word}_lower_arm"]) * offset
        local[f"{side}_Wrist"] = offset.inv() * _local(world[f"{word}_lower_arm"], world[f"{word}_hand"]) * offset
    abdomen = _local(world["pelvis"], world["torso"]).as_rotvec()
    neck = _local(world["torso"], world["head"]).as_rotvec()
    for body in ("Torso", "Spine", "Chest"):
        local[body] = Rotation.from_rotvec(abdomen / 3.0)
    for body in ("Neck", "Head"):
        local[body] = Rotation.from_rotvec(neck / 2.0)
    joint_pos = np.zeros((num_frames, len(JOINT_NAMES)))
    for b, body in enumerate(BODY_NAMES[1:]):
        if body in local:
            joint_pos[:, 3 * b : 3 * b + 3] = _hinge_angles(local[body])
    return world["pelvis"].as_quat(), clip_to_limits(joint_pos), fps


def yaw_rotation(yaw: np.ndarray) -> Rotation:
    """Rotations about the world z axis by angles ``yaw`` (T,) (rad)."""
    return Rotation.from_rotvec(np.outer(yaw, [0.0, 0.0, 1.0]))


def _heading(quat: np.ndarray) -> np.ndarray:
    """(T,) yaw (rad) of the body x axis projected on the ground, for (T, 4) quaternions (x, y, z, w)."""
    forward = Rotation.from_quat(quat).apply([1.0, 0.0, 0.0])
    return np.arctan2(forward[:, 1], forward[:, 0])


@dataclass(frozen=True)
class GaitCycle:
    """One periodic walking cycle on our skeleton, sampled uniformly in phase over [0, 1)."""

    pelvis_tilt: np.ndarray
    """(N, 4) pelvis orientation with the heading removed (x, y, z, w)."""
    joint_pos: np.ndarray
    """(N, 69) hinge angles (rad)."""
    duration: float
    """Period of the mocap cycle (s)."""

    def sample(self, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pelvis tilt (T, 4) and hinge angles (T, 69) at phases ``phase`` (T,) (cycles; wraps), linearly blended."""
        n = len(self.joint_pos)
        x = (np.asarray(phase) % 1.0) * n
        i0 = np.floor(x).astype(int) % n
        i1 = (i0 + 1) % n
        w = (x - np.floor(x))[:, None]
        joints = (1 - w) * self.joint_pos[i0] + w * self.joint_pos[i1]
        q0, q1 = self.pelvis_tilt[i0], self.pelvis_tilt[i1]
        q1 = np.where((q0 * q1).sum(-1, keepdims=True) < 0, -q1, q1)
        return Rotation.from_quat((1 - w) * q0 + w * q1).as_quat(), joints


@lru_cache(maxsize=1)
def gait_cycle() -> GaitCycle:
    """The best-closing gait cycle of the retargeted walk (one left and one right step), made exactly periodic."""
    root_quat, joint_pos, fps = retarget_walk()
    heading = np.unwrap(_heading(root_quat))
    # the cycle length: the lag (0.8 s to 1.6 s) whose poses repeat best
    lags = np.arange(int(0.8 * fps), int(1.6 * fps))
    errors = [np.abs(joint_pos[lag:] - joint_pos[:-lag]).mean() for lag in lags]
    period = int(lags[int(np.argmin(errors))])
    starts = np.arange(0, len(joint_pos) - period)
    start = int(starts[np.argmin([np.abs(joint_pos[s + period] - joint_pos[s]).sum() for s in starts])])
    frames = np.arange(start, start + period + 1)
    # spread the small closing error linearly over the cycle so that frame `period` equals frame 0
    ramp = np.linspace(0.0, 1.0, period + 1)[:, None]
    joints = joint_pos[frames] - ramp * (joint_pos[frames[-1]] - joint_pos[frames[0]])
    # "forward" is the heading drift line plus the mean sway around it
    line = np.linspace(heading[frames[0]], heading[frames[-1]], period + 1)
    forward = line + (heading[frames] - line).mean()
    tilt = yaw_rotation(-forward) * Rotation.from_quat(root_quat[frames])
    return GaitCycle(pelvis_tilt=tilt.as_quat()[:-1], joint_pos=clip_to_limits(joints[:-1]), duration=period / fps)


def foot_points(root_quat: np.ndarray, joint_pos: np.ndarray) -> np.ndarray:
    """(T, 4, 3) ankle and toe origins of both feet (L_Ankle, L_Toe, R_Ankle, R_Toe) relative to the pelvis (m)."""
    zeros = np.zeros((len(root_quat), 3))
    body_pos, _ = forward_kinematics(zeros, root_quat, joint_pos)
    index = [BODY_NAMES.index(name) for name in ("L_Ankle", "L_Toe", "R_Ankle", "R_Toe")]
    return body_pos[:, index].astype(np.float64)


def plant_root(root_quat: np.ndarray, joint_pos: np.ndarray, start_xy: np.ndarray) -> np.ndarray:
    """Root positions (T, 3) that keep the stance foot fixed on the ground.

    Horizontally, each frame the foot origin lowest above its sole (:data:`FOOT_POINT_HEIGHT`) is the stance point,
    and the root moves so that this point does not move since the previous frame. Vertically, the lowest corner of
    the feet's collision boxes touches the ground, so a heel strike or a toe-off rolls the foot over its edge
    instead of sinking it in.

    Args:
        root_quat: (T, 4) pelvis orientations (x, y, z, w), heading included.
        joint_pos: (T, 69) hinge angles (rad).
        start_xy: (2,) root position on the ground at the first frame (m).
    """
    points = foot_points(root_quat, joint_pos)
    stance = np.argmin(points[..., 2] - FOOT_POINT_HEIGHT, axis=1)
    root = np.zeros((len(points), 3))
    root[0, :2] = start_xy
    for t in range(1, len(points)):
        s = stance[t]
        root[t, :2] = root[t - 1, :2] + points[t - 1, s, :2] - points[t, s, :2]
    root[:, 2] = -lowest_foot_point(np.zeros((len(points), 3)), root_quat, joint_pos)
    return root
