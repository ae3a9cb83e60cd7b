"""Retargeting clips of our humanoid to another embodiment: scaled body positions, then inverse kinematics.

Per frame, every human position is scaled by the ratio of the two characters' leg lengths (``s``, about the world
origin, so a path shrinks with the legs that walk it). The target's root takes the scaled pelvis position and the
human pelvis orientation; damped least squares (:func:`~interprior.data.generator.ik.solve`) then moves every hinge,
within the joint limits, so that the mapped bodies (:data:`BODY_MAPS`) reach their scaled positions and the feet and
torso take the human's orientations (with the two rest poses' difference). Each frame starts from the previous
solution. Finally the clip is grounded: shifted vertically so that its lowest foot point over the clip is at z = 0.

The object keeps its orientation and height (its size is the library object's) while its horizontal position is
scaled; contacts are not re-solved, so hands reach the object only as closely as the scaled hands do. Contact labels
carry over to the mapped bodies; the others are unknown (-1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..assets.embodiment import SMPL, Embodiment, get_embodiment
from .clip import Clip, ClipFormatError, load_clip, save_clip
from .formats.convert import ConversionReport
from .generator.ik import BodyTarget, solve
from .kinematics import forward_kinematics, kinematic_model, lowest_foot_point, make_clip


@dataclass(frozen=True)
class BodyMap:
    """Which bodies of the target embodiment follow which human bodies."""

    positions: dict[str, str]
    """Human body -> target body whose origin follows the human body's scaled origin."""
    orientations: dict[str, str]
    """Human body -> target body whose world orientation follows the human body's."""
    feet: tuple[str, ...]
    """Target bodies whose collision geoms touch the ground."""
    posture: str | None = None
    """Keyframe of the target's MJCF the hinges are pulled towards (its standing pose)."""


BODY_MAPS: dict[str, BodyMap] = {
    "g1": BodyMap(
        positions={
            f"{side[0].upper()}_{human}": f"{side}_{link}_link"
            for side in ("left", "right")
            for human, link in (("Knee", "knee"), ("Ankle", "ankle_roll"), ("Shoulder", "shoulder_roll"),
                                ("Elbow", "elbow"), ("Wrist", "wrist_yaw"))
        },  # fmt: skip
        orientations={"L_Ankle": "left_ankle_roll_link", "R_Ankle": "right_ankle_roll_link", "Chest": "torso_link"},
        feet=("left_ankle_roll_link", "right_ankle_roll_link"),
        posture="stand",
    )
}
"""How our humanoid maps onto each embodiment it can be retargeted to."""

ORIENTATION_WEIGHT = 0.3
"""Weight of one radian of orientation error relative to one metre of position error."""


def _rest_frames(embodiment: Embodiment) -> tuple[np.ndarray, Rotation]:
    """Body positions (B, 3) (m) and world orientations (B rotations) at zero hinge angles, root at the origin."""
    joints = np.zeros((1, len(embodiment.joint_names)))
    body_pos, body_quat = forward_kinematics(np.zeros((1, 3)), np.array([[0.0, 0.0, 0.0, 1.0]]), joints, embodiment)
    return body_pos[0].astype(np.float64), Rotation.from_quat(body_quat[0])


def body_map(embodiment: str) -> BodyMap:
    """How our humanoid maps onto ``embodiment``.

    Raises:
        ValueError: there is no body map to ``embodiment``.
    """
    if embodiment not in BODY_MAPS:
        raise ValueError(f"no body map from {SMPL.name} to {embodiment!r}; known: {', '.join(BODY_MAPS)}")
    return BODY_MAPS[embodiment]


def leg_length(embodiment: Embodiment, foot: str) -> float:
    """Height of the root above body ``foot`` at zero hinge angles (m)."""
    positions, _ = _rest_frames(embodiment)
    return float(positions[0, 2] - positions[embodiment.body_index(foot), 2])


def retarget_clip(clip: Clip, embodiment: str, iterations: int = 10) -> Clip:
    """``clip`` (our humanoid's) on ``embodiment``: scaled positions, IK within joint limits, grounded feet.

    Args:
        clip: A clip of our humanoid.
        embodiment: Name of a target embodiment with an entry in :data:`BODY_MAPS`.
        iterations: Gauss-Newton steps per frame (the first frame gets four times as many).

    Raises:
        ValueError: ``clip`` is not our humanoid's, or there is no body map to ``embodiment``.
    """
    if clip.embodiment != SMPL.name:
        raise ValueError(f"retargeting starts from clips of {SMPL.name}, got a clip of {clip.embodiment}")
    mapping = body_map(embodiment)
    target = get_embodiment(embodiment)
    scale = leg_length(target, mapping.feet[0]) / leg_length(SMPL, "L_Ankle")
    _, human_rest = _rest_frames(SMPL)
    _, target_rest = _rest_frames(target)
    model = kinematic_model(target)
    posture = model.key(mapping.posture).qpos[7:].copy() if mapping.posture else np.zeros(model.nq - 7)
    active = np.arange(len(target.joint_names))

    root_pos = clip.root_pos.astype(np.float64) * scale
    joint_pos = np.empty((clip.num_frames, len(target.joint_names)))
    q = posture.copy()
    for t in range(clip.num_frames):
        targets = [
            BodyTarget(target_body, clip.body_pos[t, SMPL.body_index(human)] * scale)
            for human, target_body in mapping.positions.items()
        ]
        for human, target_body in mapping.orientations.items():
            human_id, target_id = SMPL.body_index(human), target.body_index(target_body)
            human_world = Rotation.from_quat(clip.body_quat[t, human_id])
            world = human_world * human_rest[human_id].inv() * target_rest[target_id]
            targets.append(BodyTarget(target_body, None, rotation=world, rotation_weight=ORIENTATION_WEIGHT))
        q = solve(
            root_pos[t], clip.root_quat[t], q, targets, active,
            posture=posture, iterations=iterations * (4 if t == 0 else 1), embodiment=target,
        )  # fmt: skip
        joint_pos[t] = q
    root_pos[:, 2] -= lowest_foot_point(root_pos, clip.root_quat, joint_pos, target, mapping.feet).min()
    object_pos = clip.object_pos * np.array([scale, scale, 1.0])
    return make_clip(
        fps=clip.fps,
        root_pos=root_pos,
        root_quat=clip.root_quat,
        joint_pos=joint_pos,
        object_name=clip.object_name,
        object_pos=object_pos,
        object_quat=clip.object_quat,
        contact_object=_mapped_labels(clip.contact_object, target, mapping),
        contact_ground=_mapped_labels(clip.contact_ground, target, mapping),
        object_scale=clip.object_scale,
        source=f"{clip.source}>retarget:{embodiment}",
        embodiment=embodiment,
    )


def _mapped_labels(labels: np.ndarray, target: Embodiment, mapping: BodyMap) -> np.ndarray:
    """(T, B_target) contact labels: each mapped target body takes its human body's labels, the others -1."""
    mapped = np.full((len(labels), len(target.body_names)), -1, dtype=np.int8)
    pairs = {**mapping.positions, **mapping.orientations, SMPL.root_body: target.root_body}
    for human, target_body in pairs.items():
        mapped[:, target.body_index(target_body)] = labels[:, SMPL.body_index(human)]
    return mapped


def retarget_directory(src: str | os.PathLike, dst: str | os.PathLike, embodiment: str) -> ConversionReport:
    """Retarget every clip under ``src`` (recursively) to ``embodiment``, written at the same relative path under
    ``dst``. A clip that cannot be read or retargeted is reported and skipped; each write is atomic.

    Raises:
        FileNotFoundError: ``src`` holds no clip.
        ValueError: there is no body map to ``embodiment``.
    """
    body_map(embodiment)  # an unknown embodiment fails before any clip is read
    src, dst = Path(src), Path(dst)
    paths = sorted(src.rglob("*.npz"))
    if not paths:
        raise FileNotFoundError(f"{src}: no clips (*.npz) found")
    report = ConversionReport()
    for path in paths:
        try:
            report.written.append(save_clip(retarget_clip(load_clip(path), embodiment), dst / path.relative_to(src)))
        except (ClipFormatError, ValueError, OSError) as error:
            report.failed.append((path, str(error)))
    return report
