"""Put a converted clip's feet on the ground (z = 0).

Converters pose *our* skeleton with the source's joint rotations and root position; our leg lengths differ from the
recorded subject's, so the feet float or sink by a few centimetres. :func:`ground_clip` measures, in every frame, the
lowest corner of the four foot boxes (``L_Ankle``, ``L_Toe``, ``R_Ankle``, ``R_Toe``) and shifts the human
vertically so that the mean of that height over the lowest quarter of the frames (the frames where the feet are
lowest, i.e. standing) is zero. Averaging over many frames ignores a single noisy frame, and using only the lowest
frames ignores jumps and steps.

The object is shifted with the human only when the source has no known floor (BEHAVE's camera frame); datasets whose
floor is already z = 0 keep the object where it was recorded, resting on the ground.
"""

from __future__ import annotations

import dataclasses
import itertools
from functools import lru_cache

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.build import HUMANOID_MJCF
from ...assets.skeleton import FOOT_BODIES, body_index
from ..clip import Clip, validate_clip

GROUND_FRAME_FRACTION = 0.25
"""Fraction of frames, those with the lowest feet, over which the foot height is averaged."""


@lru_cache(maxsize=1)
def _foot_corners() -> tuple[np.ndarray, np.ndarray]:
    """``(body_indices (8B,), corners (8B, 3))``: the 8 corners of each foot box in its body's frame (m)."""
    model = mujoco.MjModel.from_xml_path(str(HUMANOID_MJCF))
    indices, corners = [], []
    for name in FOOT_BODIES:
        body_id = model.body(name).id
        for geom in np.flatnonzero((model.geom_bodyid == body_id) & (model.geom_type == mujoco.mjtGeom.mjGEOM_BOX)):
            rotation = Rotation.from_quat(np.roll(model.geom_quat[geom], -1))
            for signs in itertools.product((-1.0, 1.0), repeat=3):
                corners.append(model.geom_pos[geom] + rotation.apply(np.array(signs) * model.geom_size[geom]))
                indices.append(body_index(name))
    return np.array(indices), np.array(corners)


def lowest_foot_height(body_pos: np.ndarray, body_quat: np.ndarray) -> np.ndarray:
    """(T,) height (m) of the lowest foot-box corner per frame, from body poses (T, 24, 3) and (T, 24, 4, xyzw)."""
    indices, corners = _foot_corners()
    rotations = Rotation.from_quat(body_quat[:, indices].reshape(-1, 4))
    offsets = rotations.apply(np.tile(corners, (len(body_pos), 1))).reshape(len(body_pos), len(indices), 3)
    return (body_pos[:, indices, 2] + offsets[..., 2]).min(axis=1)


def ground_offset(clip: Clip) -> float:
    """Height (m) of the feet above the ground when lowest (mean over the lowest quarter of frames)."""
    heights = np.sort(lowest_foot_height(clip.body_pos, clip.body_quat))
    count = max(1, int(round(GROUND_FRAME_FRACTION * len(heights))))
    return float(heights[:count].mean())


def ground_clip(clip: Clip, move_object: bool) -> Clip:
    """``clip`` shifted down by :func:`ground_offset` (the object too when ``move_object``); velocities unchanged."""
    lift = np.array([0.0, 0.0, ground_offset(clip)], dtype=np.float32)
    shifted = dataclasses.replace(
        clip,
        root_pos=clip.root_pos - lift,
        body_pos=clip.body_pos - lift,
        object_pos=clip.object_pos - lift if move_object else clip.object_pos,
    )
    return validate_clip(shifted, clip.source or "<converted clip>")
