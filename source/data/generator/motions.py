"""Building blocks of generated motions: mocap walking, procedural steps and keyframed whole-body moves.

Each block returns a :class:`~interprior.data.generator.plan.Plan` whose object pose is left for the interaction
script to fill in (NaN), and starts where the previous block ended.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from ...assets.skeleton import BODY_NAMES, JOINT_NAMES
from ..kinematics import box_depth
from .ik import body_frames, joint_indices
from .locomotion import FOOT_POINT_HEIGHT, SOLE_DEPTH, foot_points, gait_cycle, plant_root, yaw_rotation
from .plan import Plan
from .posture import humanoid_model

FPS = 30.0
"""Frame rate of generated clips (Hz)."""

STANCE_WIDTH = 0.17
"""Lateral distance between the ankles when standing (m)."""

STAND_HEIGHT = 0.89
"""Pelvis height when standing with slightly bent knees (m)."""

TORSO_PITCH = joint_indices(("Torso", "Spine", "Chest"))[1::3]
"""Indices of the forward-bending hinges of the spine (``*_y``)."""

HIP_INDEX = {"L": joint_indices(("L_Hip",)), "R": joint_indices(("R_Hip",))}

TOE_INDEX = (joint_indices(("L_Toe",)), joint_indices(("R_Toe",)))
"""Indices of the left and right toe hinges (x, y, z)."""


def smoothstep(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk blend 0 -> 1 of ``s`` clipped to [0, 1]."""
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10 - 15 * s + 6 * s**2)


def keyframes(times: list[float], values: np.ndarray, num_frames: int) -> np.ndarray:
    """(num_frames, ...) minimum-jerk interpolation of ``values`` (K, ...) held at ``times`` (K,) (s) from frame 1."""
    t = np.arange(1, num_frames + 1) / FPS
    values = np.asarray(values, dtype=np.float64)
    out = np.repeat(values[:1], num_frames, axis=0)
    for k in range(1, len(times)):
        w = smoothstep((t - times[k - 1]) / (times[k] - times[k - 1])).reshape(-1, *([1] * (values.ndim - 1)))
        out = np.where(t.reshape(w.shape) > times[k - 1], (1 - w) * values[k - 1] + w * values[k], out)
    return out


def slerp_keyframes(times: list[float], rotations: Rotation, num_frames: int) -> Rotation:
    """Minimum-jerk slerp through ``rotations`` (K) held at ``times`` (K,) (s), sampled from frame 1."""
    t = np.arange(1, num_frames + 1) / FPS
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    local = smoothstep((t - np.asarray(times)[k]) / (np.diff(times)[k]))
    return Slerp(np.arange(len(times)), rotations)(k + local)


@lru_cache(maxsize=1)
def standing_joints() -> np.ndarray:
    """(69,) hinge angles of a relaxed stand: straight legs and spine, the gait's mean arm pose."""
    joints = np.zeros(len(JOINT_NAMES))
    arms = joint_indices(("L_Shoulder", "L_Elbow", "R_Shoulder", "R_Elbow"))
    joints[arms] = gait_cycle().joint_pos[:, arms].mean(axis=0)
    return joints


@lru_cache(maxsize=1)
def double_support_phases() -> np.ndarray:
    """(2,) gait phases (cycles) in the middle of the two double-support intervals."""
    cycle = gait_cycle()
    points = foot_points(cycle.pelvis_tilt, cycle.joint_pos)[..., 2] - FOOT_POINT_HEIGHT
    left, right = points[:, :2].min(1), points[:, 2:].min(1)
    low = np.minimum(left, right)
    both = (left < low + 0.01) & (right < low + 0.01)
    phases = []
    for start in np.flatnonzero(both & ~np.roll(both, 1)):
        length = np.argmin(np.roll(both, -start)) or len(both)
        phases.append(((start + 0.5 * (length - 1)) / len(both)) % 1.0)
    return np.array(sorted(phases)[:2])


def _bend_walk(root_quat: Rotation, joints: np.ndarray, pitch: np.ndarray, bend: np.ndarray) -> tuple[Rotation, np.ndarray]:
    """Tilt the pelvis forward by ``pitch`` (T,) (rad) without moving the legs, and bend the spine by ``bend`` (T,)."""
    tilt = Rotation.from_rotvec(np.outer(pitch, [0.0, 1.0, 0.0]))
    joints = joints.copy()
    for side in ("L", "R"):
        hip = HIP_INDEX[side]
        joints[:, hip] = (tilt.inv() * Rotation.from_euler("XYZ", joints[:, hip])).as_euler("XYZ")
    joints[:, TORSO_PITCH] += bend[:, None] / 3.0
    return root_quat * tilt, joints


def walk(
    start_xy: np.ndarray, yaw: np.ndarray, phase0: float, end_phase: float, pitch: np.ndarray | None = None,
    bend: np.ndarray | None = None, cadence: float = 1.0, stride: float = 1.0,
) -> tuple[Plan, float]:
    """Mocap walking along headings ``yaw`` (T,) (rad), ending at a double-support phase.

    Args:
        start_xy: (2,) pelvis ground position at the first frame (m).
        yaw: (T,) heading per frame (rad).
        phase0: Gait phase at the first frame (cycles).
        end_phase: Phase (cycles, mod 1) to reach at the last frame; the gait rate is adjusted to land on it.
        pitch, bend: (T,) extra forward pelvis tilt and spine bend (rad), or ``None`` for upright.
        cadence: Gait rate relative to the mocap's (steps per second).
        stride: Swing of every hinge about the cycle's mean pose relative to the mocap's; below 1 the steps shorten.

    Returns:
        The plan and the phase of its last frame.
    """
    num_frames = len(yaw)
    cycle = gait_cycle()
    nominal = phase0 + cadence * (num_frames - 1) / FPS / cycle.duration
    last = np.floor(nominal) + end_phase
    last += np.round(nominal - last)
    phase = np.linspace(phase0, last, num_frames)
    tilt, joints = cycle.sample(phase)
    mean = cycle.joint_pos.mean(axis=0)
    joints = mean + stride * (joints - mean)
    root_quat = yaw_rotation(yaw) * Rotation.from_quat(tilt)
    zero = np.zeros(num_frames)
    root_quat, joints = _bend_walk(root_quat, joints, zero if pitch is None else pitch, zero if bend is None else bend)
    root_quat = root_quat.as_quat()
    root_pos = plant_root(root_quat, joints, start_xy)
    plan = Plan(root_pos, root_quat, joints, Plan.free(num_frames), Plan.free(num_frames),
                np.full((num_frames, 3), np.nan), np.full((num_frames, 4), np.nan))  # fmt: skip
    return plan, float(last)


def crouch(plan: Plan, depth: float) -> Plan:
    """``plan`` with the pelvis lowered by ``depth`` (m) and the ankles kept where they were: the legs bend."""
    feet = np.array([feet_poses(*frame) for frame in zip(plan.root_pos, plan.root_quat, plan.joint_pos)])
    root_pos = plan.root_pos - np.array([0.0, 0.0, depth])
    return Plan(root_pos, plan.root_quat, plan.joint_pos, feet, plan.palms, plan.object_pos, plan.object_quat)


def feet_poses(root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """(2, 7) world poses of the left and right ankles: position (m) and orientation (x, y, z, w)."""
    pos, rot = body_frames(root_pos, root_quat, joints)
    out = np.zeros((2, 7))
    for i, name in enumerate(("L_Ankle", "R_Ankle")):
        index = BODY_NAMES.index(name)
        out[i, :3], out[i, 3:] = pos[index], Rotation.from_matrix(rot[index]).as_quat()
    return out


@lru_cache(maxsize=1)
def _foot_geometry() -> tuple[np.ndarray, ...]:
    """The left foot's collision boxes (the right one mirrors them; they are symmetric in y), in metres:
    ``(heel_centre, heel_half, toe_origin, toe_centre, toe_half)``, each (3,), the heel box in the ankle frame and the
    toe box in the toe frame, whose origin sits at ``toe_origin`` in the ankle frame."""
    model = humanoid_model()
    ankle, toe = BODY_NAMES.index("L_Ankle") + 1, BODY_NAMES.index("L_Toe") + 1
    heel_geom = int(np.flatnonzero(model.geom_bodyid == ankle)[0])
    toe_geom = int(np.flatnonzero(model.geom_bodyid == toe)[0])
    return (model.geom_pos[heel_geom].copy(), model.geom_size[heel_geom].copy(), model.body_pos[toe].copy(),
            model.geom_pos[toe_geom].copy(), model.geom_size[toe_geom].copy())  # fmt: skip


def ankle_clearance(foot_quat: np.ndarray, toe_angles: np.ndarray) -> np.ndarray:
    """(N,) height of the ankle origin above the lowest corner of the foot's boxes (m); :data:`SOLE_DEPTH` for a flat
    foot with straight toes.

    Args:
        foot_quat: (N, 4) ankle orientations (x, y, z, w).
        toe_angles: (N, 3) toe hinge angles (rad).
    """
    heel_centre, heel_half, toe_origin, toe_centre, toe_half = _foot_geometry()
    ankle = Rotation.from_quat(foot_quat)
    toe = ankle * Rotation.from_euler("XYZ", toe_angles)
    up_heel, up_toe = ankle.as_matrix()[:, 2], toe.as_matrix()[:, 2]  # rows: world z in each frame
    heel_low = up_heel @ heel_centre - box_depth(up_heel, heel_half)
    toe_low = up_heel @ toe_origin + up_toe @ toe_centre - box_depth(up_toe, toe_half)
    return -np.minimum(heel_low, toe_low)


def stance_feet(center: np.ndarray, yaw: float) -> np.ndarray:
    """(2, 7) flat left and right ankle poses of a stand centred at ``center`` (2,) facing ``yaw`` (rad)."""
    rot = Rotation.from_rotvec([0.0, 0.0, yaw])
    out = np.zeros((2, 7))
    for i, side in enumerate((1.0, -1.0)):
        out[i, :2] = center + rot.apply([0.0, side * 0.5 * STANCE_WIDTH, 0.0])[:2]
        out[i, 2], out[i, 3:] = SOLE_DEPTH, rot.as_quat()
    return out


def standing_root(feet: np.ndarray, yaw: float, height: float = STAND_HEIGHT) -> np.ndarray:
    """(3,) pelvis position of a stand on ``feet`` (2, 7): above the ankles' midpoint."""
    return np.array([*(feet[:, :2].mean(0) + Rotation.from_rotvec([0, 0, yaw]).apply([0.005, 0, 0])[:2]), height])


def step(
    start: tuple[np.ndarray, np.ndarray, np.ndarray], feet_start: np.ndarray, feet_end: np.ndarray,
    end_root: tuple[np.ndarray, np.ndarray], end_joints: np.ndarray, duration: float, lift: float = 0.06,
) -> Plan:
    """One procedural step: the feet that move between ``feet_start`` and ``feet_end`` swing over an arc.

    Args:
        start: (root_pos (3,), root_quat (4,), joints (69,)) of the frame before the step.
        feet_start, feet_end: (2, 7) ankle poses before and after; a foot that moves is lifted by ``lift`` (m).
        end_root: (root_pos (3,), root_quat (4,)) after the step; the pelvis blends there with minimum jerk.
        end_joints: (69,) reference angles after the step (legs are solved to the foot targets).
        duration: Step time (s).
    """
    num_frames = int(round(duration * FPS))
    s = np.arange(1, num_frames + 1) / num_frames
    w = smoothstep(s)[:, None]
    root_pos = (1 - w) * start[0] + w * end_root[0]
    root_quat = Slerp([0, 1], Rotation.from_quat([start[1], end_root[1]]))(w[:, 0]).as_quat()
    joints = (1 - w) * start[2] + w * end_joints
    feet = np.zeros((num_frames, 2, 7))
    gaps = np.zeros((num_frames, 2))
    for i in range(2):
        feet[:, i, 3:] = Slerp([0, 1], Rotation.from_quat(feet_start[i:i + 1, 3:].tolist() + [feet_end[i, 3:]]))(
            w[:, 0]
        ).as_quat()
        feet[:, i, :2] = (1 - w) * feet_start[i, :2] + w * feet_end[i, :2]
        # the foot's lowest corner, not its ankle, blends in height: a foot that turns flat rolls on the ground
        toe = TOE_INDEX[i]
        start_gap = feet_start[i, 2] - ankle_clearance(feet_start[None, i, 3:], start[2][None, toe])[0]
        end_gap = feet_end[i, 2] - ankle_clearance(feet_end[None, i, 3:], end_joints[None, toe])[0]
        moved = np.linalg.norm(feet_end[i, :2] - feet_start[i, :2]) > 0.02
        gaps[:, i] = (1 - w[:, 0]) * start_gap + w[:, 0] * end_gap + lift * np.sin(np.pi * s) * moved
    # no flight: the whole body lowers until the lower foot touches the ground
    grounded = gaps.min(axis=1)
    root_pos[:, 2] -= grounded
    for i in range(2):
        feet[:, i, 2] = gaps[:, i] - grounded + ankle_clearance(feet[:, i, 3:], joints[:, TOE_INDEX[i]])
    return Plan(root_pos, root_quat, joints, feet, Plan.free(num_frames),
                np.full((num_frames, 3), np.nan), np.full((num_frames, 4), np.nan))  # fmt: skip


def pelvis_pose(center: np.ndarray, yaw: float, offset: np.ndarray, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """Pelvis position (3,) at ``offset`` (forward, left, height) (m) from ground point ``center`` (2,) in the
    heading ``yaw`` (rad), and orientation (4,) pitched forward by ``pitch`` (rad)."""
    heading = Rotation.from_rotvec([0.0, 0.0, yaw])
    pos = np.array([*center, 0.0]) + heading.apply([offset[0], offset[1], 0.0])
    pos[2] = offset[2]
    return pos, (heading * Rotation.from_rotvec([0.0, pitch, 0.0])).as_quat()
