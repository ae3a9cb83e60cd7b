"""Resample motion tracks to the training frame rate: linear for positions, slerp for rotations."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import interp1d
from scipy.spatial.transform import Rotation, Slerp

TRAINING_FPS = 30.0
"""Frame rate of every converted clip (Hz)."""


def uniform_times(num_frames: int, fps: float) -> np.ndarray:
    """(num_frames,) sample times (s) of a track recorded at ``fps`` from t = 0."""
    return np.arange(num_frames) / float(fps)


def target_times(source_times: np.ndarray, fps: float = TRAINING_FPS) -> np.ndarray:
    """(T',) times (s) at ``fps`` spanning ``source_times`` (T,): from its first sample, never past its last."""
    start, end = float(source_times[0]), float(source_times[-1])
    count = int(np.floor((end - start) * fps + 1e-6)) + 1
    return start + np.arange(count) / fps


def resample_linear(source_times: np.ndarray, values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(T', ...) linear interpolation of ``values`` (T, ...) sampled at ``source_times`` (T,) onto ``times`` (T',)."""
    return interp1d(source_times, np.asarray(values, dtype=np.float64), axis=0, assume_sorted=True)(times)


def resample_quat(source_times: np.ndarray, quat: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(T', ..., 4) slerp of orientations ``quat`` (T, ..., 4, xyzw) sampled at ``source_times`` onto ``times``."""
    quat = np.asarray(quat, dtype=np.float64)
    tracks = quat.reshape(len(quat), -1, 4)
    out = np.empty((len(times), tracks.shape[1], 4))
    for k in range(tracks.shape[1]):
        out[:, k] = Slerp(source_times, Rotation.from_quat(tracks[:, k]))(times).as_quat()
    return out.reshape(len(times), *quat.shape[1:])
