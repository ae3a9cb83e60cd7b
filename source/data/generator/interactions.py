"""The scripted interactions: lift, carry, put down and sit, each randomised by a numpy generator.

Every script returns a :class:`~interprior.data.generator.plan.Plan` in the world frame. While the object is held its
pose is defined first and the palm targets are fixed points of the object's frame, so the object moves rigidly with
the hands; otherwise it rests on the ground at its half height.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.objects import ObjectSpec
from .ik import body_frames
from .motions import (
    FPS, STANCE_WIDTH, STAND_HEIGHT, TORSO_PITCH, double_support_phases, feet_poses, keyframes, pelvis_pose, slerp_keyframes,
    smoothstep, standing_joints, standing_root, stance_feet, step, walk,
)  # fmt: skip
from .plan import PALM_POINT, Plan

GRASP_ROTATION = {
    "L": Rotation.from_matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),  # palm on the box's +y face, fingers forward
    "R": Rotation.from_matrix([[0, -1, 0], [0, 0, -1], [1, 0, 0]]),  # palm on the -y face, fingers forward
}
"""Wrist orientations in the box frame for a two-handed side grasp."""

INTERACTIONS = ("lift", "carry", "put_down", "sit")


def _yaw_quat(yaw: float) -> np.ndarray:
    return Rotation.from_rotvec([0.0, 0.0, yaw]).as_quat()


def _last(plan: Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return plan.root_pos[-1], plan.root_quat[-1], plan.joint_pos[-1]


def _palm_world(box_pos: np.ndarray, box_quat: np.ndarray, local: np.ndarray) -> np.ndarray:
    """(T, 2, 7) world palm targets from box poses (T, 3), (T, 4) and palm poses in the box frame (T, 2, 7)."""
    box = Rotation.from_quat(np.repeat(box_quat, 2, axis=0))
    flat = local.reshape(-1, 7)
    out = np.empty_like(flat)
    out[:, :3] = np.repeat(box_pos, 2, axis=0) + box.apply(flat[:, :3])
    out[:, 3:] = (box * Rotation.from_quat(flat[:, 3:])).as_quat()
    return out.reshape(local.shape)


def _grasp_local(spec: ObjectSpec, gap: float = 0.0) -> np.ndarray:
    """(2, 7) left and right palm poses on the box's side faces in its frame, ``gap`` (m) off the surface."""
    half_width = 0.5 * spec.size[1] + gap
    out = np.zeros((2, 7))
    for i, (side, sign) in enumerate((("L", 1.0), ("R", -1.0))):
        out[i, :3] = [-0.02, sign * half_width, 0.25 * spec.size[2]]
        out[i, 3:] = GRASP_ROTATION[side].as_quat()
    return out


def _palms_in_box(state: tuple[np.ndarray, np.ndarray, np.ndarray], box_pos: np.ndarray, box_quat: np.ndarray) -> np.ndarray:
    """(2, 7) the current palm poses of pose ``state`` in the frame of a box at ``box_pos``, ``box_quat``."""
    pos, rot = body_frames(*state)
    box = Rotation.from_quat(box_quat)
    out = np.zeros((2, 7))
    for i, (side, body) in enumerate((("L", 17), ("R", 22))):
        wrist = Rotation.from_matrix(rot[body])
        out[i, :3] = box.inv().apply(pos[body] + wrist.apply(PALM_POINT[side]) - box_pos)
        out[i, 3:] = (box.inv() * wrist).as_quat()
    return out


def _blend_poses(times: list[float], poses: list[np.ndarray], num_frames: int) -> np.ndarray:
    """(T, 2, 7) palm poses keyframed at ``times`` (s): positions by minimum jerk, orientations by slerp."""
    stacked = np.stack(poses)
    out = np.zeros((num_frames, 2, 7))
    out[..., :3] = keyframes(times, stacked[..., :3], num_frames)
    for i in range(2):
        out[:, i, 3:] = slerp_keyframes(times, Rotation.from_quat(stacked[:, i, 3:]), num_frames).as_quat()
    return out


def _approach(rng: np.random.Generator, seconds: tuple[float, float], turn: float, **bend) -> tuple[Plan, np.ndarray]:
    """A mocap walk with a random start heading, length and gentle turn; returns the plan and its headings (T,)."""
    num_frames = int(rng.uniform(*seconds) * FPS)
    yaw0 = rng.uniform(-np.pi, np.pi)
    yaw = yaw0 + rng.uniform(-turn, turn) * smoothstep(np.arange(num_frames) / (num_frames - 1))
    plan, _ = walk(np.zeros(2), yaw, rng.uniform(), rng.choice(double_support_phases()),
                   **{k: v(num_frames) for k, v in bend.items()})  # fmt: skip
    return plan, yaw


def _stop(walked: Plan, yaw: float, duration: float = 0.6) -> tuple[Plan, np.ndarray]:
    """A closing step from the double support that ends a walk: the rear foot lands beside the front one.

    Returns the step's plan and the standing feet (2, 7).
    """
    state = _last(walked)
    feet = feet_poses(*state)
    heading = np.array([np.cos(yaw), np.sin(yaw)])
    front = int(np.argmax(feet[:, :2] @ heading))
    lateral = np.array([-heading[1], heading[0]]) * 0.5 * STANCE_WIDTH * (1 if front == 0 else -1)
    center = feet[front, :2] - lateral
    end_feet = stance_feet(center, yaw)
    end_root = (standing_root(end_feet, yaw), _yaw_quat(yaw))
    return step(state, feet, end_feet, end_root, standing_joints(), duration), end_feet


def _rest(plan: Plan, pos: np.ndarray, quat: np.ndarray) -> Plan:
    plan.object_pos[:] = pos
    plan.object_quat[:] = quat
    return plan


def _hold_feet(plan_frames: int, feet: np.ndarray) -> np.ndarray:
    return np.repeat(feet[None], plan_frames, axis=0)


def _crouch(
    feet: np.ndarray, yaw: float, times: list[float], offsets: list[tuple[float, float, float, float]],
    bends: list[float], palms: np.ndarray, box_pos: np.ndarray, box_quat: np.ndarray, arms: np.ndarray | None = None,
) -> Plan:
    """Feet planted while the pelvis moves through keyframes and the palms follow ``palms`` (T, 2, 7) or are free.

    Args:
        feet: (2, 7) planted ankle poses.
        yaw: Heading (rad).
        times: Keyframe times (s).
        offsets: Per keyframe (forward, left, height, pitch) of the pelvis from the feet centre (m, rad).
        bends: Per keyframe total forward spine bend (rad).
        palms: (T, 2, 7) palm targets (NaN for free hands).
        box_pos, box_quat: (T, 3), (T, 4) object pose.
        arms: (T, 69) reference angles for free arms, or ``None`` for the standing arms.
    """
    num_frames = len(palms)
    center = feet[:, :2].mean(0)
    values = keyframes(times, np.array(offsets), num_frames)
    root = [pelvis_pose(center, yaw, v[:3], v[3]) for v in values]
    joints = np.repeat(standing_joints()[None], num_frames, axis=0) if arms is None else arms.copy()
    spine = keyframes(times, np.array(bends), num_frames)
    joints[:, TORSO_PITCH] = spine[:, None] / 3.0
    return Plan(np.array([r[0] for r in root]), np.array([r[1] for r in root]), joints,
                _hold_feet(num_frames, feet), palms, box_pos, box_quat)  # fmt: skip


def _squat_height(spec: ObjectSpec) -> float:
    """Pelvis height (m) for reaching the sides of a box resting on the ground."""
    return 0.45 + 0.6 * spec.half_height


def _ground_box(rng: np.random.Generator, feet: np.ndarray, yaw: float, spec: ObjectSpec) -> tuple[np.ndarray, np.ndarray]:
    """A box on the ground in front of ``feet`` at a random gap and small yaw: position (3,), quaternion (4,)."""
    heading = Rotation.from_rotvec([0.0, 0.0, yaw])
    ahead = 0.18 + 0.5 * spec.size[0] + rng.uniform(0.0, 0.04)
    pos = np.array([*feet[:, :2].mean(0), 0.0]) + heading.apply([ahead, rng.uniform(-0.03, 0.03), 0.0])
    pos[2] = spec.half_height
    return pos, _yaw_quat(yaw + rng.uniform(-0.15, 0.15))


def _chest_box(root_pos: np.ndarray, yaw: np.ndarray, spec: ObjectSpec) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3), (T, 4) pose of a box carried in front of the chest by a pelvis at ``root_pos`` (T, 3) facing ``yaw``."""
    heading = Rotation.from_rotvec(np.outer(yaw, [0.0, 0.0, 1.0]))
    pos = root_pos + heading.apply([0.5 * spec.size[0] + 0.18, 0.0, 0.0])
    pos[:, 2] = root_pos[:, 2] + 0.12
    return pos, heading.as_quat()


def _pick_up(rng: np.random.Generator, before: Plan, feet: np.ndarray, yaw: float, spec: ObjectSpec,
             box: tuple[np.ndarray, np.ndarray]) -> Plan:  # fmt: skip
    """Squat, place both palms on the sides of the box resting at ``box``, and lift it to the chest."""
    times = [0.0, 1.0, 1.4, 1.7, 2.9, 3.4]
    num_frames = int(times[-1] * FPS)
    low, pitch = _squat_height(spec), rng.uniform(0.7, 0.85)
    offsets = [(0.005, 0, STAND_HEIGHT, 0), (-0.03, 0, low, pitch), (-0.03, 0, low, pitch), (-0.03, 0, low, pitch),
               (0.005, 0, STAND_HEIGHT, 0.05), (0.005, 0, STAND_HEIGHT, 0.05)]  # fmt: skip
    bends = [0.0, 1.1, 1.1, 1.1, 0.05, 0.05]
    end_root = pelvis_pose(feet[:, :2].mean(0), yaw, offsets[-1][:3], 0.0)[0]
    chest_pos, chest_quat = _chest_box(end_root[None], np.array([yaw]), spec)
    box_pos = keyframes(times, [box[0]] * 4 + [chest_pos[0]] * 2, num_frames)
    box_quat = slerp_keyframes(times, Rotation.from_quat([box[1]] * 4 + [chest_quat[0]] * 2), num_frames).as_quat()
    grasp = _grasp_local(spec)
    local = _blend_poses(times, [_palms_in_box(_last(before), *box), _grasp_local(spec, 0.08)] + [grasp] * 4,
                         num_frames)  # fmt: skip
    return _crouch(feet, yaw, times, offsets, bends, _palm_world(box_pos, box_quat, local), box_pos, box_quat)


def _set_down(rng: np.random.Generator, before: Plan, feet: np.ndarray, yaw: float, spec: ObjectSpec) -> Plan:
    """Lower the held box to the ground in front of the feet, release it and stand up."""
    times = [0.0, 1.3, 1.6, 2.0, 3.0]
    num_frames = int(times[-1] * FPS)
    low, pitch = _squat_height(spec), rng.uniform(0.7, 0.85)
    offsets = [(0.005, 0, STAND_HEIGHT, 0.0), (-0.03, 0, low, pitch), (-0.03, 0, low, pitch),
               (-0.06, 0, low + 0.05, pitch), (0.005, 0, STAND_HEIGHT, 0)]  # fmt: skip
    bends = [0.05, 1.1, 1.1, 1.0, 0.0]
    ground = _ground_box(rng, feet, yaw, spec)
    box_pos = keyframes(times, [before.object_pos[-1], ground[0], ground[0], ground[0], ground[0]], num_frames)
    box_quat = slerp_keyframes(times, Rotation.from_quat([before.object_quat[-1]] + [ground[1]] * 4),
                               num_frames).as_quat()  # fmt: skip
    grasp = _grasp_local(spec)
    local = _blend_poses(times[:4], [grasp, grasp, grasp, _grasp_local(spec, 0.10)], num_frames)
    held = _palm_world(box_pos, box_quat, local)
    plan = _crouch(feet, yaw, times, offsets, bends, held, box_pos, box_quat)
    # after the release the palms return to where the standing arms hold them
    standing = _palms_in_box((plan.root_pos[-1], plan.root_quat[-1], plan.joint_pos[-1]), np.zeros(3), _yaw_quat(0.0))
    released = _blend_poses([times[3], times[4]], [held[int(times[3] * FPS) - 1], standing], num_frames)
    after = np.arange(1, num_frames + 1) / FPS > times[3]
    plan.palms[after] = released[after]
    return plan


def lift(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk to a box on the ground, squat, grasp it by its sides and lift it to the chest."""
    walked, yaw = _approach(rng, (1.6, 2.4), 0.5)
    stop, feet = _stop(walked, yaw[-1])
    box = _ground_box(rng, feet, yaw[-1], spec)
    for part in (walked, stop):
        _rest(part, *box)
    return Plan.concat([walked, stop, _pick_up(rng, stop, feet, yaw[-1], spec, box)])


def _carried(walked: Plan, yaw: np.ndarray, spec: ObjectSpec) -> Plan:
    walked.object_pos[:], walked.object_quat[:] = _chest_box(walked.root_pos, yaw, spec)
    walked.palms[:] = _palm_world(walked.object_pos, walked.object_quat, np.repeat(_grasp_local(spec)[None], len(yaw), 0))
    return walked


def carry(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk a few metres with the box held in front of the chest, then stop."""
    walked, yaw = _approach(rng, (3.0, 4.0), 1.2)
    stop, feet = _stop(walked, yaw[-1])
    parts = [_carried(walked, yaw, spec), _carried(stop, np.full(stop.num_frames, yaw[-1]), spec)]
    return Plan.concat(parts)


def put_down(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk carrying the box, stop, put it down on the ground, release it and step back."""
    walked, yaw = _approach(rng, (1.2, 1.8), 0.6)
    stop, feet = _stop(walked, yaw[-1])
    carried = [_carried(walked, yaw, spec), _carried(stop, np.full(stop.num_frames, yaw[-1]), spec)]
    down = _set_down(rng, carried[-1], feet, yaw[-1], spec)
    back = _step_back(down, feet, yaw[-1], rng.uniform(0.2, 0.3))
    for part in back:
        _rest(part, down.object_pos[-1], down.object_quat[-1])
    return Plan.concat(carried + [down] + back)


def _step_back(before: Plan, feet: np.ndarray, yaw: float, distance: float) -> list[Plan]:
    """Two steps backwards by ``distance`` (m): left foot, then right."""
    heading = Rotation.from_rotvec([0.0, 0.0, yaw]).apply([1.0, 0.0, 0.0])[:2]
    mid = feet.copy()
    mid[0, :2] -= distance * heading
    end = mid.copy()
    end[1, :2] -= distance * heading
    first = step(_last(before), feet, mid, (standing_root(mid, yaw, STAND_HEIGHT - 0.01), _yaw_quat(yaw)), standing_joints(), 0.6, 0.04)
    second = step(_last(first), mid, end, (standing_root(end, yaw), _yaw_quat(yaw)), standing_joints(), 0.6, 0.04)
    return [first, second]


def _turn_around(before: Plan, feet: np.ndarray, yaw: float, duration: float = 0.5) -> tuple[list[Plan], float]:
    """Turn 180 degrees to the left in place with four steps (feet 60 degrees apart at most); returns the new yaw."""
    center = feet[:, :2].mean(0)
    plans, state, current = [], _last(before), feet
    for foot, left_yaw, right_yaw in ((0, 60, 0), (1, 60, 120), (0, 180, 120), (1, 180, 180)):
        target = current.copy()
        foot_yaw = yaw + np.deg2rad((left_yaw, right_yaw)[foot])
        target[foot] = stance_feet(center, foot_yaw)[foot]
        pelvis_yaw = yaw + np.deg2rad(0.5 * (left_yaw + right_yaw))
        end_root = (standing_root(stance_feet(center, pelvis_yaw), pelvis_yaw), _yaw_quat(pelvis_yaw))
        plans.append(step(state, current, target, end_root, standing_joints(), duration, 0.04))
        state, current = _last(plans[-1]), target
    return plans, yaw + np.pi


def sit(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk to the stool, turn around in front of it, sit down on it and stand up again."""
    walked, yaw = _approach(rng, (1.6, 2.4), 0.6)
    stop, feet = _stop(walked, yaw[-1])
    heading = Rotation.from_rotvec([0.0, 0.0, yaw[-1]])
    stool_pos = np.array([*feet[:, :2].mean(0), 0.0]) + heading.apply([0.40 + rng.uniform(0.0, 0.03), 0.0, 0.0])
    stool_pos[2] = spec.half_height
    stool_quat = _yaw_quat(yaw[-1] + rng.uniform(-0.3, 0.3))
    turns, facing = _turn_around(stop, feet, yaw[-1])
    end_feet = stance_feet(feet[:, :2].mean(0), facing)
    seat = spec.size[2] + 0.14  # pelvis height with the thighs resting on the seat
    back = -0.35  # from the feet centre to above the front half of the seat
    times = [0.0, 0.7, 1.4, 2.6, 3.3, 4.0, 4.4]
    lean = rng.uniform(0.4, 0.6)
    offsets = [(0.005, 0, STAND_HEIGHT, 0), (-0.12, 0, 0.72, lean), (back, 0, seat, 0.15), (back, 0, seat, 0.15),
               (-0.12, 0, 0.72, lean), (0.005, 0, STAND_HEIGHT, 0), (0.005, 0, STAND_HEIGHT, 0)]  # fmt: skip
    bends = [0.0, 0.5, 0.1, 0.1, 0.5, 0.0, 0.0]
    num_frames = int(times[-1] * FPS)
    sitting = _crouch(end_feet, facing, times, offsets, bends, Plan.free(num_frames), np.zeros((num_frames, 3)),
                      np.zeros((num_frames, 4)))  # fmt: skip
    parts = [walked, stop, *turns, sitting]
    for part in parts:
        _rest(part, stool_pos, stool_quat)
    return Plan.concat(parts)
