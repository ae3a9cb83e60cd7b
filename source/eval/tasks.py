"""How each task is evaluated: a registry of episode definitions and success tests, keyed by short name.

An :class:`EvalTask` turns a registered task's training config into its evaluation config (deterministic episodes
from a clip list, no pushes, no object randomization, the thresholds of :mod:`interprior.eval.thresholds`) and
scores a recorded episode. Track is full-reference tracking (:mod:`.metrics`); the sparse-goal tasks and stress
tests (:mod:`.goal_metrics`) are:

* Snapshot, Trajectory, Contact, Goals: their goal task's families, one goal L = 15-60 steps ahead of the clip's
  first frame;
* Chain: Snapshot's goals taken in order from the clip every :data:`CHAIN_SPACING` steps (at most
  :data:`CHAIN_MAX_GOALS`), canonicalized to the humanoid's pelvis between goals;
* RandInit: InterPrior-Inbetween-v0's random starts (offset, turned, displaced object; no fallen starts) with one
  snapshot goal;
* GetUp: InterPrior-GetUp-v0's fallen starts with a standing snapshot goal 45-90 steps ahead.

Each also runs on the Unitree G1 as ``<name>-G1`` (Track-G1, Snapshot-G1, ..., GetUp-G1), on the G1 variant of its
task and the G1's bundled clips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path

from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm

from .goal_metrics import GoalEpisode, score_get_up, score_goals
from .metrics import EpisodeScore, TrackedEpisode, score_tracking
from .scheduled_goal import ScheduledGoalCfg, ScheduledGoalReferenceCfg, ScheduledRandomStartCfg, goals_passed
from .scheduled_reference import ScheduledReferenceCfg
from .thresholds import EvalThresholds

CHAIN_SPACING = 30
"""Steps between a chain's goals (1 s)."""
CHAIN_MAX_GOALS = 8
"""Most goals of a chain."""
ALL_GOAL_TASKS = "all"
"""``--task`` value for every sparse-goal task and stress test."""


@dataclass(frozen=True)
class EvalTask:
    """The evaluation of one registered task."""

    task_id: str
    """The gym id of the environment."""
    name: str
    """Short name for tables, file names and ``--task``."""
    command_name: str
    """The command term that plays the episodes (has ``start(episodes)``, ``done`` and ``finished``)."""
    clip_objects: Callable[[ManagerBasedRLEnvCfg], tuple[str, ...]]
    """The library objects whose clips the task's episodes use."""
    configure_env: Callable[[ManagerBasedRLEnvCfg, list[Path], EvalThresholds], None]
    """Turn the task's config into its evaluation config, in place, for these clip files."""
    score: Callable[[TrackedEpisode | GoalEpisode, EvalThresholds], EpisodeScore]
    """The metrics and success test of one recorded episode."""
    goal_task: bool = False
    """The policy gets sparse goals (a distilled policy, or the expert as the MaskedMimic-style baseline)."""


def _track_clip_objects(env_cfg: ManagerBasedRLEnvCfg) -> tuple[str, ...]:
    reference = env_cfg.commands.reference
    if reference.library_object is not None:
        return (reference.library_object,)
    return tuple(getattr(env_cfg.events, reference.object_switch_term).params["names"])


def _nominal_conditions(env_cfg: ManagerBasedRLEnvCfg, switch_term: str | None) -> None:
    """Remove every event but the box switch (the tasks' events are all perturbations: pushes and object
    randomization), the switch keeping each clip's box at its nominal dynamics, and every curriculum (a training
    curriculum would move the thresholds)."""
    env_cfg.curriculum = None
    for name in vars(env_cfg.events):
        if name != switch_term:
            setattr(env_cfg.events, name, None)
    if switch_term is not None:
        nominal = (1.0, 1.0)
        getattr(env_cfg.events, switch_term).params.update(
            size_scale_range=nominal, mass_scale_range=nominal, inertia_scale_range=nominal
        )


def _schedule_fields(reference, clip_files: list[Path]) -> dict:
    """The scheduled reference's settings from the task's reference command: the same scene terms and future
    frames, the evaluation clips, and the task's reset noise for repetitions after the first."""
    return dict(
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


def _configure_track(env_cfg: ManagerBasedRLEnvCfg, clip_files: list[Path], thresholds: EvalThresholds) -> None:
    """Track from every clip's first frame, with nominal dynamics and episodes that end only at the clip's end or
    on a fall, a drift or diverged physics (at ``thresholds``)."""
    reference = env_cfg.commands.reference
    env_cfg.commands.reference = ScheduledReferenceCfg(**_schedule_fields(reference, clip_files))
    _nominal_conditions(env_cfg, reference.object_switch_term)
    terminations = env_cfg.terminations
    terminations.time_out = None  # the clip's end is the only time limit
    terminations.fall.params["minimum_height"] = thresholds.fall_height
    terminations.body_drift.params["threshold"] = thresholds.body_drift
    terminations.object_drift.params["threshold"] = thresholds.object_drift


def _configure_goals(
    env_cfg: ManagerBasedRLEnvCfg,
    clip_files: list[Path],
    thresholds: EvalThresholds,
    goal_spacing: int | None = None,
    random_start: bool = False,
    fallen_prob: float = 0.0,
) -> None:
    """Pursue the goals of :class:`~.scheduled_goal.ScheduledGoal` from every clip's first frame (moved as the
    task's random starts if ``random_start``, a ``fallen_prob`` share of them lying), nominal dynamics; episodes end
    after the last goal's window, on a fall (if the task has that termination) or on diverged physics."""
    reference = env_cfg.commands.reference
    schedule = _schedule_fields(reference, clip_files)
    if random_start:
        kept = [field.name for field in fields(reference) if field.name not in schedule and field.name != "class_type"]
        moves = {name: getattr(reference, name) for name in kept}
        env_cfg.commands.reference = ScheduledRandomStartCfg(**schedule, **moves)
        env_cfg.commands.reference.fallen_prob = fallen_prob
    else:
        env_cfg.commands.reference = ScheduledGoalReferenceCfg(**schedule)
    goal = env_cfg.commands.goal
    env_cfg.commands.goal = ScheduledGoalCfg(
        families=goal.families,
        preview_frames=goal.preview_frames,
        snapshot_frames=goal.snapshot_frames,
        partial_keep_prob=goal.partial_keep_prob,
        success_threshold=thresholds.goal_distance,
        goal_spacing=goal_spacing,
        max_goals=CHAIN_MAX_GOALS,
        window=thresholds.goal_window,
        contact_distance=thresholds.contact_distance,
    )
    _nominal_conditions(env_cfg, reference.object_switch_term)
    terminations = env_cfg.terminations
    for name in vars(terminations):
        if name not in ("fall", "physics_diverged"):
            setattr(terminations, name, None)
    if terminations.fall is not None:
        terminations.fall.params["minimum_height"] = thresholds.fall_height
    terminations.goals_passed = DoneTerm(func=goals_passed, time_out=True)


TRACK = EvalTask(
    task_id="InterPrior-Track-v0",
    name="Track",
    command_name="reference",
    clip_objects=_track_clip_objects,
    configure_env=_configure_track,
    score=score_tracking,
)


def _goal_task(task_id: str, name: str, score=score_goals, **configure) -> EvalTask:
    return EvalTask(
        task_id=task_id,
        name=name,
        command_name="reference",
        clip_objects=_track_clip_objects,
        configure_env=partial(_configure_goals, **configure),
        score=score,
        goal_task=True,
    )


GOAL_TASKS = (
    _goal_task("InterPrior-Snapshot-v0", "Snapshot"),
    _goal_task("InterPrior-Trajectory-v0", "Trajectory"),
    _goal_task("InterPrior-Contact-v0", "Contact"),
    _goal_task("InterPrior-Goals-v0", "Goals"),
    _goal_task("InterPrior-Snapshot-v0", "Chain", goal_spacing=CHAIN_SPACING),
    _goal_task("InterPrior-Inbetween-v0", "RandInit", random_start=True),
    _goal_task("InterPrior-GetUp-v0", "GetUp", score=score_get_up, random_start=True, fallen_prob=1.0),
)
"""The sparse-goal tasks and stress tests (``--task all``)."""


def _on_g1(task: EvalTask) -> EvalTask:
    """``task`` on the Unitree G1: its ``-G1`` gym variant, named ``<name>-G1``."""
    return replace(task, task_id=task.task_id.replace("-v0", "-G1-v0"), name=f"{task.name}-G1")


G1_TASKS = tuple(_on_g1(task) for task in (TRACK, *GOAL_TASKS))
"""Every evaluation on the Unitree G1 (Track-G1, Snapshot-G1, ..., GetUp-G1)."""

EVAL_TASKS: dict[str, EvalTask] = {task.name: task for task in (TRACK, *GOAL_TASKS, *G1_TASKS)}
"""Every evaluable task by short name."""


def eval_task(name: str) -> EvalTask:
    """The evaluation called ``name``, or the first one of the gym id ``name`` (Snapshot for
    ``InterPrior-Snapshot-v0``, RandInit for ``InterPrior-Inbetween-v0``).

    Raises:
        ValueError: No evaluation has that name or gym id; the message lists the names.
    """
    if name in EVAL_TASKS:
        return EVAL_TASKS[name]
    for task in EVAL_TASKS.values():
        if task.task_id == name:
            return task
    raise ValueError(f"task {name!r} has no evaluation; evaluable tasks: {', '.join(EVAL_TASKS)} (or their gym ids)")


def eval_tasks(names: list[str]) -> list[EvalTask]:
    """The evaluations of ``names`` in order, :data:`ALL_GOAL_TASKS` standing for every goal task, without repeats.

    Raises:
        ValueError: A name has no evaluation.
    """
    tasks = [task for name in names for task in (GOAL_TASKS if name == ALL_GOAL_TASKS else (eval_task(name),))]
    return list(dict.fromkeys(tasks))
