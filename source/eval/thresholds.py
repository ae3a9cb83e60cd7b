"""Every threshold that decides an evaluation episode's outcome, in one place.

The evaluation writes these into the task's termination terms, so an episode stops exactly where it fails, and
scores the recorded episode with the same numbers (:mod:`interprior.eval.metrics`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class EvalThresholds:
    """Outcome thresholds of full-reference tracking (InterMimic's early terminations)."""

    fall_height: float = 0.3
    """The humanoid has fallen when its pelvis is lower than this (m): a failure."""
    body_drift: float = 0.5
    """The episode ends early when the mean body position error exceeds this (m)."""
    object_drift: float = 0.5
    """The episode ends early when the object position error exceeds this (m)."""

    def as_dict(self) -> dict[str, float]:
        """The thresholds by name (m), for reports."""
        return asdict(self)


THRESHOLDS = EvalThresholds()
"""The thresholds every evaluation uses."""
