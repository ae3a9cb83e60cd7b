"""The committed humanoid model for the generator, and the joint limits of any embodiment."""

from __future__ import annotations

from functools import lru_cache

import mujoco
import numpy as np

from ...assets.embodiment import SMPL, Embodiment


def humanoid_model() -> mujoco.MjModel:
    """The committed humanoid MJCF, compiled once."""
    return SMPL.mujoco_model()


LIMIT_MARGIN = np.deg2rad(1.0)
"""Generated angles stay this far inside every MJCF range (rad), so float32 storage never crosses a limit."""


@lru_cache
def joint_limits(embodiment: Embodiment = SMPL) -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)``: (J,) hinge ranges (rad) of the embodiment's MJCF, shrunk by :data:`LIMIT_MARGIN`."""
    ranges = embodiment.mujoco_model().jnt_range[1:]
    return ranges[:, 0] + LIMIT_MARGIN, ranges[:, 1] - LIMIT_MARGIN


def clip_to_limits(joint_pos: np.ndarray, embodiment: Embodiment = SMPL) -> np.ndarray:
    """``joint_pos`` (..., J) (rad) clipped into the embodiment's MJCF ranges."""
    lower, upper = joint_limits(embodiment)
    return np.clip(joint_pos, lower, upper)
