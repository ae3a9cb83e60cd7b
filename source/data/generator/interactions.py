"""The scripted interactions: lift, carry, put down, push and sit, each randomised by a numpy generator.

Every script returns a :class:`~interprior.data.generator.plan.Plan` in the world frame. While the object is held its
pose is defined first and the palm targets are fixed points of the object's frame, so the object moves rigidly with
the hands; a pushed box slides along the ground under the palms; otherwise it rests on the ground at its half height.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from ...assets.objects import ObjectSpec
from ...assets.skeleton import BODY_NAMES
from .ik import body_frames
from .locomotion import gait_cycle
from .motions import (
    FPS, STANCE_WIDTH, STAND_HEIGHT, TORSO_PITCH, crouch, double_support_phases, feet_poses, keyframes, pelvis_pose,
    slerp_keyframes, smoothstep, standing_joints, standing_root, stance_feet, step, walk,
)  # fmt: skip
from .plan import PALM_POINT, Plan

GRASP_ROTATION = {
    "L": Rotation.from_matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),  # palm on the box's +y face, fingers forward
    "R": Rotation.from_matrix([[0, -1, 0], [0, 0, -1], [1, 0, 0]]),  # palm on the -y face, fingers forward
}
"""Wrist orientations in the box frame for a two-handed side grasp."""

PUSH_ROTATION = {
    "L": Rotation.from_matrix([[0, 0, -1], [1, 0, 0], [0, -1, 0]]),  # palm on the box's -x face, fingers down
    "R": Rotation.from_matrix([[0, 0, -1], [-1, 0, 0], [0, 1, 0]]),
}
"""Wrist orientations in the box frame for pushing the box's -x face."""

PUSH_CADENCE, PUSH_STRIDE = 0.55, 0.8
"""Steps per second and step length of the pushing gait relative to the mocap walk's (about 0.6 m/s)."""

PUSH_STEPS = 2
"""Steps of the pushing gait between its first and last double support (1-1.7 m)."""

PUSH_DROP = 0.46
"""Height of the shoulders above the palms while pushing (m): the arms reach down and a little forward."""

PUSH_REACH = 0.50
"""Distance from the shoulders to the palms while pushing (m)."""

BOX_AHEAD = 0.28
"""Distance from the feet's centre to the near face of a box to be lifted from the ground (m)."""

SQUAT_BACK = -0.12
"""Forward offset of the pelvis from the feet's centre in the squat that reaches a box on the ground (m)."""

INTERACTIONS = ("lift", "carry", "put_down", "push", "sit")


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
    """(2, 7) left and right palm poses on the box's side faces in its frame, ``gap`` (m) off the surface.

    The palms sit near the faces' rear edges (closest to the body), so the forearms run behind the box, not along it.
    """
    half_width = 0.5 * spec.size[1] + gap
    out = np.zeros((2, 7))
    for i, (side, sign) in enumerate((("L", 1.0), ("R", -1.0))):
        out[i, :3] = [0.07 - 0.5 * spec.size[0], sign * half_width, 0.25 * spec.size[2]]
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


def _last_feet(plan: Plan) -> np.ndarray:
    """(2, 7) ankle poses at the plan's last frame: its foot targets, or else those of its reference angles."""
    return feet_poses(*_last(plan)) if np.isnan(plan.feet[-1]).any() else plan.feet[-1]


def _stop(
    walked: Plan, yaw: float, duration: float = 0.6, height: float = STAND_HEIGHT, pitch: float = 0.0,
    joints: np.ndarray | None = None,
) -> tuple[Plan, np.ndarray]:
    """A closing step from the double support that ends a walk: the rear foot lands beside the front one.

    The pelvis ends ``height`` (m) above the feet, pitched forward by ``pitch`` (rad), with reference angles
    ``joints`` (69,) (default: standing upright).

    Returns the step's plan and the standing feet (2, 7).
    """
    feet = _last_feet(walked)
    heading = np.array([np.cos(yaw), np.sin(yaw)])
    front = int(np.argmax(feet[:, :2] @ heading))
    lateral = np.array([-heading[1], heading[0]]) * 0.5 * STANCE_WIDTH * (1 if front == 0 else -1)
    center = feet[front, :2] - lateral
    end_feet = stance_feet(center, yaw)
    end_root = pelvis_pose(center, yaw, np.array([0.005, 0.0, height]), pitch)
    end_joints = standing_joints() if joints is None else joints
    return step(_last(walked), feet, end_feet, end_root, end_joints, duration), end_feet


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
    ahead = BOX_AHEAD + 0.5 * spec.size[0] + rng.uniform(0.0, 0.04)
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
    squat = (SQUAT_BACK, 0, low, pitch)
    offsets = [(0.005, 0, STAND_HEIGHT, 0), squat, squat, squat, (0.005, 0, STAND_HEIGHT, 0.05),
               (0.005, 0, STAND_HEIGHT, 0.05)]  # fmt: skip
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
    offsets = [(0.005, 0, STAND_HEIGHT, 0.0), (SQUAT_BACK, 0, low, pitch), (SQUAT_BACK, 0, low, pitch),
               (SQUAT_BACK - 0.03, 0, low + 0.05, pitch), (0.005, 0, STAND_HEIGHT, 0)]  # fmt: skip
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
    walked, yaw = _approach(rng, (0.8, 1.3), 0.5)
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
    walked, yaw = _approach(rng, (1.8, 2.6), 1.2)
    stop, feet = _stop(walked, yaw[-1])
    parts = [_carried(walked, yaw, spec), _carried(stop, np.full(stop.num_frames, yaw[-1]), spec)]
    return Plan.concat(parts)


def put_down(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk carrying the box, stop, put it down on the ground, release it and step back."""
    walked, yaw = _approach(rng, (0.8, 1.2), 0.6)
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


def _push_local(spec: ObjectSpec, gap: float = 0.0) -> np.ndarray:
    """(2, 7) left and right palm poses on the box's -x face, near its top, in its frame, ``gap`` (m) off the face."""
    out = np.zeros((2, 7))
    for i, (side, sign) in enumerate((("L", 1.0), ("R", -1.0))):
        out[i, :3] = [-0.5 * spec.size[0] - gap, sign * 0.3 * spec.size[1], 0.5 * spec.size[2] - 0.05]
        out[i, 3:] = PUSH_ROTATION[side].as_quat()
    return out


def _bent_joints(bend: float) -> np.ndarray:
    """(69,) the standing angles with the spine bent forward by ``bend`` (rad)."""
    joints = standing_joints().copy()
    joints[TORSO_PITCH] = bend / 3.0
    return joints


def _push_gait(
    rng: np.random.Generator, feet: np.ndarray, yaw: float, pitch: float, bend: float, spec: ObjectSpec,
) -> Plan:
    """The slow, bent-over, crouched walk of :data:`PUSH_STEPS` steps that pushes the box, from double support.

    The walk is placed so that its rear foot starts on the standing foot of that side (``feet`` (2, 7)), and lowered
    so that the shoulders are on average :data:`PUSH_DROP` above the palms on the box's near face.
    """
    phases = double_support_phases()
    first_phase = rng.choice(phases)
    later = np.sort(np.concatenate([phases + k for k in range(3)]))
    last_phase = later[later > first_phase][PUSH_STEPS - 1]
    num_frames = int(round((last_phase - first_phase) * gait_cycle().duration / PUSH_CADENCE * FPS)) + 1
    gait, _ = walk(np.zeros(2), np.full(num_frames, yaw), first_phase, last_phase % 1.0,
                   np.full(num_frames, pitch), np.full(num_frames, bend), PUSH_CADENCE, PUSH_STRIDE)  # fmt: skip
    first = feet_poses(*_last(gait.frames(slice(0, 1))))
    rear = int(np.argmin(first[:, :2] @ [np.cos(yaw), np.sin(yaw)]))
    gait.root_pos[:, :2] += feet[rear, :2] - first[rear, :2]
    shoulders = [_shoulders(frame)[2] for frame in zip(gait.root_pos, gait.root_quat, gait.joint_pos)]
    return crouch(gait, np.mean(shoulders) - _push_local(spec)[0, 2] - spec.half_height - PUSH_DROP)


def _shoulders(state: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """(3,) midpoint of the shoulder joints (m) of pose ``state`` (root position, root quaternion, hinge angles)."""
    pos, _ = body_frames(*state)
    return pos[[BODY_NAMES.index("L_Shoulder"), BODY_NAMES.index("R_Shoulder")]].mean(0)


def _box_at_reach(state: tuple[np.ndarray, np.ndarray, np.ndarray], yaw: float, spec: ObjectSpec) -> np.ndarray:
    """(3,) position of a box on the ground whose near face the palms of pose ``state`` reach, bent over it."""
    forward = np.sqrt(max(PUSH_REACH**2 - PUSH_DROP**2, 0.0)) + 0.5 * spec.size[0]
    box = _shoulders(state) + Rotation.from_rotvec([0.0, 0.0, yaw]).apply([forward, 0.0, 0.0])
    box[2] = spec.half_height
    return box


def _slide(root_pos: np.ndarray, box_start: np.ndarray, sigma: float) -> np.ndarray:
    """(T, 3) positions of a box at ``box_start`` (3,) at the first frame that slides on the ground along the pelvis
    path ``root_pos`` (T, 3), smoothed over ``sigma`` frames so that the gait's sway averages out."""
    velocity = np.diff(root_pos[:, :2], axis=0, prepend=root_pos[:1, :2])
    path = np.cumsum(gaussian_filter1d(velocity, sigma, axis=0, mode="constant"), axis=0)
    out = np.repeat(box_start[None], len(root_pos), axis=0)
    out[:, :2] += path - path[0]
    return out


def push(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk to a box on the ground, bend over, put both palms on its near face, push it 1-2 m along the ground at a
    slow walk, release it and stand up."""
    walked, yaw = _approach(rng, (0.7, 1.1), 0.5)
    stop, feet = _stop(walked, yaw[-1])
    heading = yaw[-1]
    pitch, bend = rng.uniform(0.6, 0.7), rng.uniform(1.35, 1.45)
    gait = _push_gait(rng, feet, heading, pitch, bend, spec)
    box_quat = _yaw_quat(heading + rng.uniform(-0.1, 0.1))
    low = gait.root_pos[0, 2]
    # bend over the standing feet, the palms reaching the box's near face
    times = [0.0, 0.9, 1.1]
    num_frames = int(times[-1] * FPS)
    offsets = [(0.005, 0, STAND_HEIGHT, 0), (-0.05, 0, low, pitch), (-0.05, 0, low, pitch)]
    bent = _crouch(feet, heading, times, offsets, [0.0, bend, bend], Plan.free(num_frames),
                   np.zeros((num_frames, 3)), np.zeros((num_frames, 4)))  # fmt: skip
    box_start = _box_at_reach(_last(bent), heading, spec)
    _rest(bent, box_start, box_quat)
    face = _push_local(spec)
    reach = _blend_poses(times, [_palms_in_box(_last(stop), box_start, box_quat), _push_local(spec, 0.08), face],
                         num_frames)  # fmt: skip
    bent.palms[:] = _palm_world(bent.object_pos, bent.object_quat, reach)
    # step into the gait, walk pushing, and close the feet, still bent over
    start = step(_last(bent), feet, gait.feet[0], (gait.root_pos[0], gait.root_quat[0]), gait.joint_pos[0], 0.6)
    halt, end_feet = _stop(gait, heading, 0.7, gait.root_pos[:, 2].mean(), pitch, _bent_joints(bend))
    pushing = Plan.concat([start, gait.frames(slice(1, None)), halt])
    sigma = 0.15 * FPS * gait_cycle().duration / PUSH_CADENCE
    pushing.object_pos[:] = _slide(np.concatenate([bent.root_pos[-1:], pushing.root_pos]), box_start, sigma)[1:]
    pushing.object_quat[:] = box_quat
    pressed = np.repeat(face[None], pushing.num_frames, axis=0)
    pushing.palms[:] = _palm_world(pushing.object_pos, pushing.object_quat, pressed)
    # release the box and stand up
    box_end = pushing.object_pos[-1]
    times = [0.0, 0.4, 1.2, 1.4]
    num_frames = int(times[-1] * FPS)
    offsets = [(0.005, 0, halt.root_pos[-1, 2], pitch), (-0.03, 0, halt.root_pos[-1, 2] + 0.03, pitch),
               (0.005, 0, STAND_HEIGHT, 0), (0.005, 0, STAND_HEIGHT, 0)]  # fmt: skip
    rise = _crouch(end_feet, heading, times, offsets, [bend, bend, 0.0, 0.0], Plan.free(num_frames),
                   np.repeat(box_end[None], num_frames, 0), np.repeat(box_quat[None], num_frames, 0))  # fmt: skip
    off = _palm_world(rise.object_pos, rise.object_quat,
                      _blend_poses(times[:2], [face, _push_local(spec, 0.10)], num_frames))  # fmt: skip
    standing = _palms_in_box(_last(rise), np.zeros(3), _yaw_quat(0.0))
    rise.palms[:] = _blend_poses([times[1], times[2]], [off[int(times[1] * FPS) - 1], standing], num_frames)
    early = np.arange(1, num_frames + 1) / FPS <= times[1]
    rise.palms[early] = off[early]
    for part in (walked, stop):
        _rest(part, box_start, box_quat)
    return Plan.concat([walked, stop, bent, pushing, rise])


def sit(rng: np.random.Generator, spec: ObjectSpec) -> Plan:
    """Walk to the stool, turn around in front of it, sit down on it and stand up again."""
    walked, yaw = _approach(rng, (0.8, 1.3), 0.6)
    stop, feet = _stop(walked, yaw[-1])
    heading = Rotation.from_rotvec([0.0, 0.0, yaw[-1]])
    stool_pos = np.array([*feet[:, :2].mean(0), 0.0]) + heading.apply([0.43 + rng.uniform(0.0, 0.03), 0.0, 0.0])
    stool_pos[2] = spec.half_height
    stool_quat = _yaw_quat(yaw[-1] + rng.uniform(-0.3, 0.3))
    turns, facing = _turn_around(stop, feet, yaw[-1])
    end_feet = stance_feet(feet[:, :2].mean(0), facing)
    seat = spec.size[2] + 0.24  # pelvis height with the thighs resting on the seat
    back = -0.38  # from the feet centre to above the front half of the seat
    times = [0.0, 0.7, 1.4, 2.2, 2.9, 3.6, 4.0]
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
