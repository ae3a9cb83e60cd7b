"""The paper's sparse-goal metrics on recorded episodes: Succ, E_h, E_o, Fail, and the share of goals reached.

An episode pursues K goals in order (one for Snapshot, Trajectory, Contact, Goals, Rand Init and Get-Up; up to
:data:`~interprior.eval.tasks.CHAIN_MAX_GOALS` for Chain), each taken from the clip at its goal time. Per goal,
with the thresholds of :mod:`interprior.eval.thresholds`:

* snapshot goals (full or partial) are reached when, at a step within ``goal_window`` of the goal's time, the
  masked L1 distance over the given pose components (HeldSnapshotGoal's distance: the mean absolute residual, m and
  rad) is under xi (``goal_distance``);
* contact goals, and partial snapshots giving contacts only, are reached when, at a step within the window, every
  labelled body (of the bodies whose distance to the object is measured) touches the object (surfaces closer than
  ``contact_distance``) exactly when its label says so;
* trajectory goals are reached when the masked L1 distance of the path components (pelvis, hands, object positions)
  to the current path frame stays under ``trajectory_distance`` at every step up to the end of the goal's window.

Success: every goal reached and no fall. Failure: a fall (the pelvis below ``fall_height``, or a non-finite state).
Get-Up starts on the ground, so there success is standing at the episode's end (pelvis above ``standing_fraction``
of the embodiment's standing height, torso upright above ``upright``) and failure is still lying there (pelvis below
``fall_height``).
E_h, pelvis error and E_o are the key-body, pelvis and object position errors (m) to the goal frame at the goal's
time (the step closest to it), averaged over the goals whose window the episode lived to see (NaN if none).
The closest goal distance is the smallest masked L1 distance within each snapshot goal's window, averaged the same
way over the goals that give pose components: how near an episode came to passing xi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from interprior.assets.embodiment import SMPL, get_embodiment

from .metrics import PELVIS_ID, EpisodeScore, fell, finite_mean, position_error
from .thresholds import THRESHOLDS, EvalThresholds


@dataclass
class GoalEpisode:
    """One goal episode as recorded, step by step until it ended (T steps; positions in m, env frame)."""

    clip: str
    repeat: int
    families: tuple[str, ...]
    """The goal families the ``family`` indices refer to."""
    goal_count: int
    """K, the goals the episode was to reach."""
    body_pos: np.ndarray
    """(T, B, 3) simulated body positions after each step (the embodiment's B bodies)."""
    goal_body_pos: np.ndarray
    """(T, B, 3) body positions of the current goal frame (canonicalized in a chain)."""
    object_pos: np.ndarray
    """(T, 3) simulated object positions."""
    goal_object_pos: np.ndarray
    """(T, 3) object positions of the current goal frame."""
    goal_distance: np.ndarray
    """(T,) masked L1 distance over the current snapshot's given pose components (NaN when it gives none)."""
    path_distance: np.ndarray
    """(T,) masked L1 distance of the current path frame's given pose components (NaN when none is given)."""
    contact_agreement: np.ndarray
    """(T,) share of the goal's labelled bodies whose touching agrees with the label (1 when none is labelled)."""
    goal_index: np.ndarray
    """(T,) which of the K goals is current."""
    family: np.ndarray
    """(T,) index into ``families`` of the current goal."""
    time_to_goal: np.ndarray
    """(T,) the current goal's time minus the step's reference time (s)."""
    upright: np.ndarray
    """(T,) mean world-vertical component of the torso bodies' up axes (pelvis and chest)."""
    embodiment: str = SMPL.name
    """The character that ran the episode (:func:`~interprior.assets.embodiment.get_embodiment`)."""
    end_causes: tuple[str, ...] = ()
    """Names of the termination terms that ended the episode."""
    start: str = "reference"
    """How the episode started (:data:`~interprior.tasks.hoi.mdp.random_start.START_KINDS`): the clip's first frame
    (repetitions with the task's reset noise), or RandInit's and GetUp's random starts."""
    goal_horizon: float = math.nan
    """Time from the start to the first goal's time (s): L steps of the step time for a snapshot."""


def goals_reached(episode: GoalEpisode, thresholds: EvalThresholds = THRESHOLDS) -> np.ndarray:
    """(K,) bool: which goals of ``episode`` were reached (see the module docstring)."""
    reached = np.zeros(episode.goal_count, dtype=bool)
    in_window = np.abs(episode.time_to_goal) <= thresholds.goal_window + 1e-6
    for goal in range(episode.goal_count):
        steps = episode.goal_index == goal
        window = steps & in_window
        if not window.any():
            continue
        family = episode.families[int(episode.family[steps][0])]
        if family == "trajectory":
            span = steps & (episode.time_to_goal >= -thresholds.goal_window - 1e-6)
            reached[goal] = bool((episode.path_distance[span] < thresholds.trajectory_distance).all())
        elif np.isnan(episode.goal_distance[window]).all():  # no pose component given: a contact goal
            reached[goal] = bool((episode.contact_agreement[window] >= 1.0).any())
        else:
            reached[goal] = bool((episode.goal_distance[window] < thresholds.goal_distance).any())
    return reached


def closest_goal_distance(episode: GoalEpisode, thresholds: EvalThresholds = THRESHOLDS) -> float:
    """The smallest masked L1 distance (m and rad) within each snapshot goal's window, averaged over the goals that
    give pose components and whose window the episode saw (NaN if none)."""
    in_window = np.abs(episode.time_to_goal) <= thresholds.goal_window + 1e-6
    closest = []
    for goal in range(episode.goal_count):
        steps = episode.goal_index == goal
        window = steps & in_window & np.isfinite(episode.goal_distance)
        if window.any() and episode.families[int(episode.family[steps][0])] != "trajectory":
            closest.append(float(episode.goal_distance[window].min()))
    return float(np.mean(closest)) if closest else math.nan


def goal_steps(episode: GoalEpisode, thresholds: EvalThresholds = THRESHOLDS) -> list[int]:
    """Per goal whose window the episode lived to see, the step closest to its time."""
    steps = []
    for goal in range(episode.goal_count):
        (indices,) = np.nonzero(episode.goal_index == goal)
        offsets = np.abs(episode.time_to_goal[indices])
        if len(indices) and offsets.min() <= thresholds.goal_window + 1e-6:
            steps.append(int(indices[np.argmin(offsets)]))
    return steps


def _score(
    episode: GoalEpisode, success: bool, failed: bool, reached: np.ndarray, thresholds: EvalThresholds
) -> EpisodeScore:
    at_goals = goal_steps(episode, thresholds)
    body, goal_body = episode.body_pos[at_goals], episode.goal_body_pos[at_goals]
    embodiment = get_embodiment(episode.embodiment)
    key_bodies = embodiment.body_ids(embodiment.key_bodies)
    if success:
        cause = "success"
    elif failed:
        cause = "fall"
    elif not reached.all():
        cause = f"reached {int(reached.sum())}/{len(reached)} goals"
    else:
        cause = "+".join(episode.end_causes) or "unfinished"
    return EpisodeScore(
        clip=episode.clip,
        repeat=episode.repeat,
        success=success,
        failed=failed,
        steps=len(episode.body_pos),
        body_error=finite_mean(position_error(body[:, key_bodies], goal_body[:, key_bodies])) if at_goals else math.nan,
        pelvis_error=finite_mean(position_error(body[:, PELVIS_ID], goal_body[:, PELVIS_ID])) if at_goals else math.nan,
        object_error=(
            finite_mean(position_error(episode.object_pos[at_goals], episode.goal_object_pos[at_goals]))
            if at_goals
            else math.nan
        ),
        cause=cause,
        goals_reached=float(reached.mean()),
        start=episode.start,
        goal_horizon=episode.goal_horizon,
        goal_distance=closest_goal_distance(episode, thresholds),
    )


def score_goals(episode: GoalEpisode, thresholds: EvalThresholds = THRESHOLDS) -> EpisodeScore:
    """The metrics of one goal episode: success when every goal is reached without a fall."""
    reached = goals_reached(episode, thresholds)
    failed = fell(episode.body_pos, thresholds)
    return _score(episode, bool(reached.all()) and not failed, failed, reached, thresholds)


def score_get_up(episode: GoalEpisode, thresholds: EvalThresholds = THRESHOLDS) -> EpisodeScore:
    """The metrics of one get-up episode: success when standing upright at its end, failure when still down."""
    reached = goals_reached(episode, thresholds)
    pelvis_height = float(episode.body_pos[-1, PELVIS_ID, 2])
    standing_height = thresholds.standing_fraction * get_embodiment(episode.embodiment).standing_height
    standing = pelvis_height > standing_height and float(episode.upright[-1]) > thresholds.upright
    failed = not pelvis_height >= thresholds.fall_height  # also when not finite
    return _score(episode, standing and not failed, failed, reached, thresholds)
