"""Goal files: a goal written by hand in YAML, and the goal task's config changed to pursue it.

A goal file names a clip and a time in it, and which components of that frame the policy is given::

    clip: test/lift_box_small_00     # a bundled clip of the task's embodiment (train/<name>, test/<name>) or a path
    time: 2.0                        # s: the snapshot's frame in the clip
    body_positions: [Pelvis, L_Wrist, R_Wrist]
    body_rotations: []
    object_position: true
    object_pos: [0.8, 0.2, 0.6]      # optional: the object's goal position instead of the clip's (m, env frame)
    object_yaw: 0.5                  # optional: the object's goal heading instead of the clip's (rad)
    contact_bodies: [L_Wrist]        # contact labels from the clip
    contacts: {R_Wrist: 1}           # contact labels set by hand

Body names are the task's embodiment's (these are our humanoid's). Every key but ``clip`` and ``time`` is optional; at least one component must be given. The episode starts on the
clip's first frame and lasts until :data:`HOLD_TIME` after the goal's time; it does not end on drifting from the clip.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from isaaclab.envs import ManagerBasedRLEnvCfg

from interprior.assets.embodiment import SMPL, get_embodiment
from interprior.data import BUNDLED_DATASETS
from interprior.tasks.hoi.mdp.manual_goal import ManualGoalCfg

HOLD_TIME = 2.0
"""Episode time after the goal's time (s)."""
GOAL_KEYS = ("clip", "time", "body_positions", "body_rotations", "object_position", "object_rotation",
             "contact_bodies", "object_pos", "object_yaw", "contacts")
"""The keys a goal file may hold."""


def resolve_clip(clip: str, embodiment: str = SMPL.name) -> Path:
    """The clip file behind a goal file's ``clip``: a path, or ``<set>/<name>`` of ``embodiment``'s bundled dataset.

    Raises:
        FileNotFoundError: Neither exists.
    """
    bundled = BUNDLED_DATASETS[embodiment] / f"{clip}.npz"
    for candidate in (Path(clip), bundled):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"goal clip {clip!r}: no file {clip} and no bundled clip {bundled}")


def load_goal_file(path: Path, embodiment: str = SMPL.name) -> tuple[Path, ManualGoalCfg]:
    """The clip file and the goal term config written in the goal file ``path``, for a task on ``embodiment``.

    Raises:
        ValueError: The file is not a mapping, lacks ``clip`` or ``time``, has unknown keys, names bodies that
            ``embodiment`` does not have, or gives no component.
        FileNotFoundError: The file or its clip does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"goal file {path} does not exist")
    try:
        spec = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"goal file {path} is not valid YAML: {error}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"goal file {path} must be a mapping of {', '.join(GOAL_KEYS)}")
    unknown = set(spec) - set(GOAL_KEYS)
    missing = {"clip", "time"} - set(spec)
    if unknown or missing:
        problems = [f"unknown keys {sorted(unknown)}"] * bool(unknown) + [f"missing {sorted(missing)}"] * bool(missing)
        raise ValueError(f"goal file {path}: {'; '.join(problems)} (keys: {', '.join(GOAL_KEYS)})")
    clip = resolve_clip(str(spec.pop("clip")), embodiment)
    if spec.get("object_pos") is not None:
        spec["object_pos"] = tuple(float(value) for value in spec["object_pos"])
    try:
        goal = ManualGoalCfg(**spec)
    except (TypeError, ValueError) as error:
        raise ValueError(f"goal file {path}: {error}") from None
    bodies = get_embodiment(embodiment).body_names
    named = (goal.body_positions, goal.body_rotations, goal.contact_bodies, goal.contacts)
    unknown = {name for group in named for name in group} - set(bodies)
    if unknown:
        raise ValueError(f"goal file {path}: unknown bodies {sorted(unknown)}; {embodiment}'s bodies: {', '.join(bodies)}")
    if not any([goal.body_positions, goal.body_rotations, goal.object_position, goal.object_rotation,
                goal.contact_bodies, goal.contacts, goal.object_pos is not None, goal.object_yaw is not None]):
        raise ValueError(f"goal file {path} gives no component: name bodies, the object pose or contacts")
    return clip, goal


def apply_goal_file(env_cfg: ManagerBasedRLEnvCfg, path: Path) -> None:
    """Make the goal task ``env_cfg`` pursue the goal of the file ``path`` from its clip's first frame, in place.

    Raises:
        ValueError: The task has no goal command, or the file is invalid (see :func:`load_goal_file`).
        FileNotFoundError: The file or its clip does not exist.
    """
    if getattr(env_cfg.commands, "goal", None) is None:
        raise ValueError("a goal file needs a goal task (Snapshot, Trajectory, Contact, Goals, Inbetween, GetUp)")
    clip, goal = load_goal_file(path, env_cfg.embodiment)
    reference = env_cfg.commands.reference
    reference.motion_paths = [str(clip)]
    reference.start_at_beginning_prob = 1.0
    env_cfg.commands.goal = goal
    for name in ("clip_end", "body_drift", "object_drift", "goal_time"):
        if getattr(env_cfg.terminations, name, None) is not None:
            setattr(env_cfg.terminations, name, None)
    env_cfg.episode_length_s = goal.time + HOLD_TIME
