"""The paper's tracking metrics on recorded episodes: success, failure, E_h, pelvis error, E_o, episode length.

Pure functions on numpy arrays, following InterMimic's evaluation:

* ``E_h``: per step, the mean L2 distance of the embodiment's key bodies (``key_bodies``: for our humanoid
  :data:`~interprior.assets.skeleton.KEY_BODIES`) to their reference positions; averaged over the steps of the
  episode (m). The pelvis error is the same for body 0.
* ``E_o``: per step, the distance of the object's origin to its reference; averaged over the steps (m).
* Success: the episode reached the clip's last frame without an early termination.
* Failure: the humanoid fell (its pelvis went below :attr:`EvalThresholds.fall_height`, or its state stopped being
  finite), whether or not the episode went on.
* Per clip the best of its repeated episodes is kept: a successful one before any other, then the one with the most
  steps (InterMimic's rule; for tracking a success is the longest episode), ties going to the lowest ``E_h + E_o``;
  the summary averages the kept episodes over clips. With several episodes per clip it also gives the success rate
  over all of them (how often one attempt succeeds, where the kept rate is how often one of N does).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interprior.assets.embodiment import SMPL, get_embodiment

from .thresholds import THRESHOLDS, EvalThresholds

PELVIS_ID = 0
"""Index of the pelvis, the root body of every embodiment."""


@dataclass
class TrackedEpisode:
    """One tracking episode as recorded, step by step until it ended (T steps; positions in m, env frame)."""

    clip: str
    """Name of the reference clip."""
    repeat: int
    """Which of the clip's repeated episodes this is (0 starts exactly on the reference)."""
    body_pos: np.ndarray
    """(T, B, 3) simulated body positions after each step (the embodiment's B bodies)."""
    ref_body_pos: np.ndarray
    """(T, B, 3) reference body positions those states were to match."""
    object_pos: np.ndarray
    """(T, 3) simulated object positions."""
    ref_object_pos: np.ndarray
    """(T, 3) reference object positions."""
    reached_end: bool
    """The clip's end stopped the episode, and no failure termination fired with it."""
    end_causes: tuple[str, ...] = ()
    """Names of the termination terms that ended the episode."""
    embodiment: str = SMPL.name
    """The character that ran the episode (its key bodies are scored)."""


@dataclass
class EpisodeScore:
    """The metrics of one episode (errors in m, NaN when no step had a finite state)."""

    clip: str
    repeat: int
    success: bool
    failed: bool
    steps: int
    body_error: float
    """E_h: key-body position error."""
    pelvis_error: float
    object_error: float
    """E_o: object position error."""
    cause: str
    """How it ended: ``success``, ``fall``, the goals reached, or the termination terms that stopped it."""
    goals_reached: float = math.nan
    """Share of the episode's goals reached (0 to 1); NaN for full-reference tracking."""
    start: str = "reference"
    """How a goal episode started (:data:`~interprior.tasks.hoi.mdp.random_start.START_KINDS`); tracking starts on
    the reference."""
    goal_horizon: float = math.nan
    """Time from a goal episode's start to its first goal (s); NaN for full-reference tracking."""
    goal_distance: float = math.nan
    """How near a goal episode came to its snapshot goals: per goal with pose components whose window it saw, the
    smallest masked L1 distance (m and rad) within the window, averaged over those goals; NaN when there are none
    (contact and trajectory goals) and for full-reference tracking. Success needs it under xi for every such goal."""


@dataclass
class Summary:
    """Metrics over clips: rates in %, errors in m, length in steps."""

    clips: int
    success_rate: float
    failure_rate: float
    body_error: float
    pelvis_error: float
    object_error: float
    mean_steps: float
    episode_success_rate: float
    """Success rate over every episode, not only the kept one of each clip (%)."""
    episode_success_se: float
    """Standard error of :attr:`episode_success_rate` (%): sqrt(p (1 - p) / n) over the n episodes taken as
    independent (the repetitions of one clip are not, so it understates the spread over clips)."""
    episode_success_clip_se: float
    """Standard error of :attr:`episode_success_rate` (%) with each clip's episodes as one cluster (the cluster-robust
    sqrt(C / (C - 1) sum_c (s_c - p n_c)^2) / n over C clips with s_c of n_c episodes successful): it counts the
    spread between clips, which repetitions of the same clips do not shrink; NaN for one clip."""
    goal_rate: float = math.nan
    """Mean share of goals reached (%); NaN for full-reference tracking."""


def position_error(positions: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Mean L2 distance between ``positions`` and ``reference`` over the second-to-last axis.

    Args:
        positions, reference: (T, B, 3) body positions, or (T, 3) for a single point.

    Returns:
        (T,) error per step (m).
    """
    distances = np.linalg.norm(np.asarray(positions, dtype=np.float64) - reference, axis=-1)
    return distances.mean(axis=-1) if distances.ndim == 2 else distances


def finite_mean(values: np.ndarray) -> float:
    """Mean of the finite entries of ``values``; NaN when there are none."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else math.nan


def fell(body_pos: np.ndarray, thresholds: EvalThresholds = THRESHOLDS) -> bool:
    """Whether the pelvis of ``body_pos`` (T, B, 3) is ever below the fall height or not finite."""
    pelvis_height = body_pos[:, PELVIS_ID, 2]
    return bool((~(pelvis_height >= thresholds.fall_height)).any())


def score_tracking(episode: TrackedEpisode, thresholds: EvalThresholds = THRESHOLDS) -> EpisodeScore:
    """The metrics of one full-reference tracking episode."""
    failed = fell(episode.body_pos, thresholds)
    success = episode.reached_end and not failed
    if success:
        cause = "success"
    elif failed:
        cause = "fall"
    else:
        cause = "+".join(episode.end_causes) or "unfinished"
    embodiment = get_embodiment(episode.embodiment)
    key_body_ids = embodiment.body_ids(embodiment.key_bodies)
    return EpisodeScore(
        clip=episode.clip,
        repeat=episode.repeat,
        success=success,
        failed=failed,
        steps=len(episode.body_pos),
        body_error=finite_mean(
            position_error(episode.body_pos[:, key_body_ids], episode.ref_body_pos[:, key_body_ids])
        ),
        pelvis_error=finite_mean(position_error(episode.body_pos[:, PELVIS_ID], episode.ref_body_pos[:, PELVIS_ID])),
        object_error=finite_mean(position_error(episode.object_pos, episode.ref_object_pos)),
        cause=cause,
    )


def keep_best(scores: Sequence[EpisodeScore]) -> list[EpisodeScore]:
    """Per clip (in order of first appearance) a successful episode first, then the one with the most steps, then the
    lowest ``E_h + E_o``. Goal episodes all run to their last goal's window unless they fall, so success must come
    first there: the lowest error at the goal's time is not the goal reached."""

    def rank(score: EpisodeScore) -> tuple[bool, int, float]:
        error = score.body_error + score.object_error
        return score.success, score.steps, -error if math.isfinite(error) else -math.inf

    best: dict[str, EpisodeScore] = {}
    for score in scores:
        if score.clip not in best or rank(score) > rank(best[score.clip]):
            best[score.clip] = score
    return list(best.values())


def clip_clustered_se(clips: Sequence[str], values: Sequence[float]) -> float:
    """Cluster-robust standard error of the mean of per-episode ``values`` whose clusters are their ``clips``:
    sqrt(C / (C - 1) sum_c (s_c - p n_c)^2) / n, C clips, n episodes, s_c the sum of a clip's n_c values, p the mean.
    For success flags it is the standard error of the success rate (a fraction). NaN for fewer than two clips."""
    names, cluster = np.unique(np.asarray(clips), return_inverse=True)
    if len(names) < 2:
        return math.nan
    values = np.asarray(values, dtype=np.float64)
    mean = values.mean()
    residuals = np.bincount(cluster, weights=values - mean)  # s_c - p n_c per clip
    return float(math.sqrt(len(names) / (len(names) - 1) * np.sum(residuals**2)) / len(values))


def summarize(scores: Sequence[EpisodeScore]) -> Summary:
    """Rates and mean errors over the best episode of each clip in ``scores``, and the success rate over all of them.

    Raises:
        ValueError: ``scores`` is empty.
    """
    if not scores:
        raise ValueError("no episodes to summarize")
    kept = keep_best(scores)
    successes = [score.success for score in scores]
    episode_success = float(np.mean(successes))
    return Summary(
        clips=len(kept),
        success_rate=100.0 * float(np.mean([score.success for score in kept])),
        failure_rate=100.0 * float(np.mean([score.failed for score in kept])),
        body_error=finite_mean([score.body_error for score in kept]),
        pelvis_error=finite_mean([score.pelvis_error for score in kept]),
        object_error=finite_mean([score.object_error for score in kept]),
        mean_steps=float(np.mean([score.steps for score in kept])),
        episode_success_rate=100.0 * episode_success,
        episode_success_se=100.0 * math.sqrt(episode_success * (1.0 - episode_success) / len(scores)),
        episode_success_clip_se=100.0 * clip_clustered_se([score.clip for score in scores], successes),
        goal_rate=100.0 * finite_mean([score.goals_reached for score in kept]),
    )
