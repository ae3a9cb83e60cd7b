"""Paired comparison of two checkpoints evaluated on the same episodes.

With the same clips, repetitions and seed, an episode draws its start, its goals and its latent noise from its own
seed (:func:`.clip_set.episode_seed`), so both checkpoints face the same episode and their outcomes can be compared
episode by episode: the per-episode differences keep what the checkpoints do differently and drop most of what makes
one episode harder than another, so their mean has a far smaller standard error than the difference of two rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .metrics import EpisodeScore, clip_clustered_se


@dataclass(frozen=True)
class PairedDifference:
    """A checkpoint's outcomes minus a reference checkpoint's, over the episodes both played."""

    episodes: int
    """Episodes both checkpoints played (matched by clip and repetition)."""
    success: float
    """Mean per-episode success difference: the difference of the success rates over episodes (percentage points)."""
    success_se: float
    """Its standard error (percentage points), sd / sqrt(n) of the per-episode differences (episodes taken as
    independent); NaN for one episode."""
    success_clip_se: float
    """Its standard error with each clip's episodes as one cluster (as ``SE/clip``; percentage points); NaN for one
    clip."""
    only_this: int
    """Episodes this checkpoint succeeded on and the reference did not."""
    only_reference: int
    """Episodes the reference succeeded on and this checkpoint did not."""
    body_error: float
    """Mean E_h difference over the episodes where both are finite (m); negative: this checkpoint is closer."""
    body_error_se: float
    """Its standard error (m), sd / sqrt(n); NaN for fewer than two such episodes."""


def _mean_and_se(values: np.ndarray) -> tuple[float, float]:
    if len(values) == 0:
        return math.nan, math.nan
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.nan
    return float(values.mean()), se


def paired_difference(scores: Sequence[EpisodeScore], reference: Sequence[EpisodeScore]) -> PairedDifference:
    """``scores`` minus ``reference``, episode by episode (matched by clip and repetition).

    Raises:
        ValueError: The two share no episode.
    """
    by_episode = {(score.clip, score.repeat): score for score in reference}
    pairs = [(score, by_episode[key]) for score in scores if (key := (score.clip, score.repeat)) in by_episode]
    if not pairs:
        raise ValueError("the two evaluations share no episode (clip and repetition)")
    success = np.array([float(this.success) - float(other.success) for this, other in pairs])
    body = np.array([this.body_error - other.body_error for this, other in pairs])
    success_mean, success_se = _mean_and_se(success)
    body_mean, body_se = _mean_and_se(body[np.isfinite(body)])
    return PairedDifference(
        episodes=len(pairs),
        success=100.0 * success_mean,
        success_se=100.0 * success_se,
        success_clip_se=100.0 * clip_clustered_se([this.clip for this, _ in pairs], success),
        only_this=int((success > 0).sum()),
        only_reference=int((success < 0).sum()),
        body_error=body_mean,
        body_error_se=body_se,
    )
