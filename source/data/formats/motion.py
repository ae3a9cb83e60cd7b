"""The last step every converter shares: source-rate local rotations and poses -> a grounded 30 Hz clip."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.skeleton import BODY_NAMES
from ..clip import Clip
from ..kinematics import make_clip
from .ground import ground_clip
from .resample import TRAINING_FPS, resample_linear, resample_quat, target_times

NUM_LOCAL = len(BODY_NAMES) - 1
"""Non-root bodies, each with a local rotation."""


def hinge_angles(local_quat: np.ndarray) -> np.ndarray:
    """(T, 69) hinge angles (rad) of local body rotations (T, 23, 4, xyzw) in ``BODY_NAMES[1:]`` order.

    Each local rotation is decomposed as intrinsic x-y-z Euler angles (R = Rx Ry Rz), the order our three hinges
    apply in; angles are unwrapped over time so a rotation crossing +-pi does not jump by 2 pi between frames.
    """
    num_frames = len(local_quat)
    euler = Rotation.from_quat(np.asarray(local_quat).reshape(-1, 4)).as_euler("XYZ")
    return np.unwrap(euler.reshape(num_frames, NUM_LOCAL * 3), axis=0)


def build_clip(
    source_times: np.ndarray,
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    local_quat: np.ndarray,
    object_name: str,
    object_pos: np.ndarray,
    object_quat: np.ndarray,
    source: str,
    contact_object: np.ndarray | None = None,
    move_object: bool = False,
) -> Clip:
    """A grounded clip at :data:`TRAINING_FPS` from a source recording on our skeleton.

    Args:
        source_times: (T,) strictly increasing sample times (s).
        root_pos, root_quat: (T, 3) pelvis position (m) and (T, 4, xyzw) orientation, Z up.
        local_quat: (T, 23, 4, xyzw) rotation of each non-root body relative to its parent, ``BODY_NAMES[1:]``.
        object_name: Library object.
        object_pos, object_quat: (T, 3) and (T, 4, xyzw) object pose, Z up.
        source: Provenance, ``<format>:<sequence>``; also the output file name's stem.
        contact_object: (T, 24) labels 1 / 0 / -1, resampled by nearest frame; ``None`` means unknown.
        move_object: Shift the object with the human when grounding (sources without a known floor).
    """
    times = target_times(source_times)
    nearest = np.abs(times[:, None] - source_times[None, :]).argmin(axis=1)
    clip = make_clip(
        fps=TRAINING_FPS,
        root_pos=resample_linear(source_times, root_pos, times),
        root_quat=resample_quat(source_times, root_quat, times),
        joint_pos=hinge_angles(resample_quat(source_times, local_quat, times)),
        object_name=object_name,
        object_pos=resample_linear(source_times, object_pos, times),
        object_quat=resample_quat(source_times, object_quat, times),
        contact_object=None if contact_object is None else np.asarray(contact_object)[nearest],
        source=source,
    )
    return ground_clip(clip, move_object)
