"""Every threshold that decides an evaluation episode's outcome, in one place.

The evaluation writes these into the task's termination terms and goal command, so an episode stops exactly where
it fails, and scores the recorded episode with the same numbers (:mod:`interprior.eval.metrics`,
:mod:`interprior.eval.goal_metrics`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class EvalThresholds:
    """Outcome thresholds of full-reference tracking (InterMimic's early terminations) and of the sparse-goal tasks."""

    fall_height: float = 0.3
    """The humanoid has fallen when its pelvis is lower than this (m): a failure."""
    body_drift: float = 0.5
    """Tracking: the episode ends early when the mean body position error exceeds this (m)."""
    object_drift: float = 0.5
    """Tracking: the episode ends early when the object position error exceeds this (m)."""
    goal_distance: float = 0.1
    """xi: a snapshot goal is reached when the masked mean absolute residual over its given pose components (m and
    rad; :meth:`~interprior.tasks.hoi.mdp.goal_rewards.HeldSnapshotGoal.distance`) is under this."""
    goal_window: float = 0.2
    """A goal counts as reached only within +-this of its time (s)."""
    trajectory_distance: float = 0.2
    """A trajectory goal holds while the masked mean absolute residual of the path components (pelvis, hands and
    object positions, m) to the current path frame stays under this at every step."""
    contact_distance: float = 0.02
    """A body touches the object when their surfaces are closer than this (m), as in the contact reward."""
    standing_fraction: float = 0.89
    """Get-Up: the humanoid stands when its pelvis is above this share of its standing pose's pelvis height
    (:attr:`~interprior.assets.embodiment.Embodiment.standing_height`: 0.8 m for our humanoid, 0.71 m for the G1) ..."""
    upright: float = 0.9
    """... and its torso is upright: the mean world-vertical component of the torso bodies' up axes (pelvis and
    chest) is above this (1 upright, 0 lying)."""

    def as_dict(self) -> dict[str, float]:
        """The thresholds by name (m, rad, s, shares), for reports."""
        return asdict(self)


THRESHOLDS = EvalThresholds()
"""The thresholds every evaluation uses."""
