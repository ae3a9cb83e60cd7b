"""How each task is evaluated: a registry of episode definitions and success tests, keyed by gym task id.

An :class:`EvalTask` turns the task's training config into its evaluation config (deterministic episodes from a
clip list, no pushes, no object randomization, the thresholds of :mod:`interprior.eval.thresholds`) and scores
a recorded episode. Full-reference tracking (Track) is implemented; the paper's sparse-goal tasks (Snapshot,
Trajectory, Contact, Chain, Rand Init, Get-Up) plug in here with their own episode command and success test once
their environments exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from isaaclab.envs import ManagerBasedRLEnvCfg

from .metrics import EpisodeScore, TrackedEpisode, score_tracking
from .scheduled_reference import ScheduledReferenceCfg
from .thresholds import EvalThresholds

PLANNED_TASKS = ("Snapshot", "Trajectory", "Contact", "Chain", "Rand Init", "Get-Up")
"""The paper's sparse-goal tasks and stress tests, evaluable once their environments exist."""


@dataclass(frozen=True)
class EvalTask:
    """The evaluation of one registered task."""

    task_id: str
    """The gym id."""
    name: str
    """Short name for tables and file names."""
    command_name: str
    """The command term that plays the episodes (has ``start(episodes)``, ``done`` and ``finished``)."""
    clip_objects: Callable[[ManagerBasedRLEnvCfg], tuple[str, ...]]
    """The library objects whose clips the task's episodes use."""
    configure_env: Callable[[ManagerBasedRLEnvCfg, list[Path], EvalThresholds], None]
    """Turn the task's config into its evaluation config, in place, for these clip files."""
    score: Callable[[TrackedEpisode, EvalThresholds], EpisodeScore]
    """The metrics and success test of one recorded episode."""


def _track_clip_objects(env_cfg: ManagerBasedRLEnvCfg) -> tuple[str, ...]:
    reference = env_cfg.commands.reference
    if reference.library_object is not None:
        return (reference.library_object,)
    return tuple(getattr(env_cfg.events, reference.object_switch_term).params["names"])


def _configure_track(env_cfg: ManagerBasedRLEnvCfg, clip_files: list[Path], thresholds: EvalThresholds) -> None:
    """Track from every clip's first frame, with nominal dynamics and episodes that end only at the clip's end or
    on a fall, a drift or diverged physics (at ``thresholds``)."""
    reference = env_cfg.commands.reference
    env_cfg.commands.reference = ScheduledReferenceCfg(
        humanoid_name=reference.humanoid_name,
        object_name=reference.object_name,
        library_object=reference.library_object,
        object_switch_term=reference.object_switch_term,
        motion_paths=[str(path) for path in clip_files],
        future_frames=reference.future_frames,
        repeat_root_pos_noise=reference.root_pos_noise,
        repeat_root_rot_noise=reference.root_rot_noise,
        repeat_joint_pos_noise=reference.joint_pos_noise,
        repeat_object_pos_noise=reference.object_pos_noise,
    )
    for name in vars(env_cfg.events):  # Track's events are all perturbations: pushes and object randomization
        if name != reference.object_switch_term:
            setattr(env_cfg.events, name, None)
    if reference.object_switch_term is not None:  # keep switching to each clip's box, at its nominal dynamics
        getattr(env_cfg.events, reference.object_switch_term).params.update(mass_scale_range=(1.0, 1.0), inertia_scale_range=(1.0, 1.0))
    terminations = env_cfg.terminations
    terminations.time_out = None  # the clip's end is the only time limit
    terminations.fall.params["minimum_height"] = thresholds.fall_height
    terminations.body_drift.params["threshold"] = thresholds.body_drift
    terminations.object_drift.params["threshold"] = thresholds.object_drift


TRACK = EvalTask(
    task_id="InterPrior-Track-v0",
    name="Track",
    command_name="reference",
    clip_objects=_track_clip_objects,
    configure_env=_configure_track,
    score=score_tracking,
)

EVAL_TASKS: dict[str, EvalTask] = {task.task_id: task for task in (TRACK,)}
"""Every evaluable task by gym id."""


def eval_task(task_id: str) -> EvalTask:
    """The evaluation of ``task_id``.

    Raises:
        ValueError: The task has no evaluation; the message lists the ones that do.
    """
    if task_id not in EVAL_TASKS:
        raise ValueError(
            f"task {task_id!r} has no evaluation; evaluable tasks: {', '.join(EVAL_TASKS)} "
            f"(planned once their environments exist: {', '.join(PLANNED_TASKS)})"
        )
    return EVAL_TASKS[task_id]
