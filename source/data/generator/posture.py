"""The committed humanoid model for the generator and its joint limits."""

from __future__ import annotations

from functools import lru_cache

import mujoco
import numpy as np

from ...assets.build import HUMANOID_MJCF


@lru_cache(maxsize=1)
def humanoid_model() -> mujoco.MjModel:
    """The committed humanoid MJCF, compiled once."""
    return mujoco.MjModel.from_xml_path(str(HUMANOID_MJCF))


LIMIT_MARGIN = np.deg2rad(1.0)
"""Generated angles stay this far inside every MJCF range (rad), so float32 storage never crosses a limit."""


@lru_cache(maxsize=1)
def joint_limits() -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)``: (69,) hinge ranges (rad) of the committed MJCF, shrunk by :data:`LIMIT_MARGIN`."""
    ranges = humanoid_model().jnt_range[1:]
    return ranges[:, 0] + LIMIT_MARGIN, ranges[:, 1] - LIMIT_MARGIN


def clip_to_limits(joint_pos: np.ndarray) -> np.ndarray:
    """``joint_pos`` (..., 69) (rad) clipped into the MJCF ranges."""
    lower, upper = joint_limits()
    return np.clip(joint_pos, lower, upper)
