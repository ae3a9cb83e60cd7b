"""BEHAVE 30 fps parameters (``behave-30fps-params-v1``): one directory per sequence.

``smpl_fit_all.npz``: ``poses`` (T, 156) SMPL-H axis-angle, ``betas`` (T, 10), ``trans`` (T, 3), ``frame_times``
(T,); ``object_fit_all.npz``: ``angles`` (T, 3) rotation vectors, ``trans`` (T, 3), ``frame_times``; ``info.json``:
``gender``, ``cat`` (the object). Poses are in the Kinect camera frame (x right, y down, z forward): as InterAct's
``process/process_behave.py`` does, we rotate by pi about x to Y up, then +90 deg about x to Z up. The camera frame
has no floor, so grounding (:mod:`.ground`) moves the object together with the human. ``frame_times`` (seconds, as
numbers or as BEHAVE's ``t0012.345`` frame names) give the source rate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..clip import Clip
from .errors import SourceFormatError
from .motion import build_clip
from .object_map import library_object
from .smpl import SMPL_PELVIS_REST, Y_UP_TO_Z_UP, smpl_joint_rotvecs, smpl_to_skeleton
from .source_arrays import read_npz, require_array

CAMERA_TO_Z_UP = Y_UP_TO_Z_UP * Rotation.from_euler("x", np.pi)
"""Kinect camera frame -> Y up (pi about x) -> Z up (+90 deg about x)."""


def frame_times(data: Mapping[str, np.ndarray], source: Path, num_frames: int) -> np.ndarray:
    """(T,) strictly increasing times (s) from a ``frame_times`` field of numbers or ``t<seconds>`` names."""
    if "frame_times" not in data:
        raise SourceFormatError(source, "frame_times", "missing")
    raw = np.asarray(data["frame_times"]).reshape(-1)
    try:
        times = np.array([float(str(t).lstrip("t")) for t in raw]) if raw.dtype.kind in "USO" else raw.astype(float)
    except ValueError:
        raise SourceFormatError(source, "frame_times", f"not times in seconds or t<seconds> names: {raw[:3]}") from None
    if len(times) != num_frames:
        raise SourceFormatError(source, "frame_times", f"{len(times)} times for {num_frames} frames")
    if not np.isfinite(times).all() or (np.diff(times) <= 0).any():
        raise SourceFormatError(source, "frame_times", "times must be finite and strictly increasing")
    return times


def convert_behave(path: str | os.PathLike, object_map: Mapping[str, str] | None = None) -> list[Clip]:
    """The clip of one BEHAVE sequence directory, resampled to 30 Hz and grounded.

    Raises:
        SourceFormatError: a file or field is missing or malformed, human and object disagree on frame times, or the
            object has no library object.
    """
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    human_path, object_path = folder / "smpl_fit_all.npz", folder / "object_fit_all.npz"
    info_path = folder / "info.json"
    human, obj = read_npz(human_path), read_npz(object_path)
    poses = require_array(human, "poses", human_path, (156,))
    num_frames = len(poses)
    trans = require_array(human, "trans", human_path, (3,), num_frames)
    times = frame_times(human, human_path, num_frames)
    object_angles = require_array(obj, "angles", object_path, (3,), num_frames)
    object_trans = require_array(obj, "trans", object_path, (3,), num_frames)
    if not np.allclose(frame_times(obj, object_path, num_frames), times, atol=1e-3):  # names have ms precision
        raise SourceFormatError(object_path, "frame_times", f"differ from those of {human_path.name}")
    try:
        info = json.loads(info_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SourceFormatError(info_path, "<file>", f"not a readable JSON file: {error}") from None
    if not isinstance(info, dict) or not isinstance(info.get("cat"), str):
        raise SourceFormatError(info_path, "cat", "missing: the object category")
    object_name = library_object(info["cat"], object_map, info_path, "cat")
    root_quat, local_quat = smpl_to_skeleton(
        poses[:, :3], smpl_joint_rotvecs(poses[:, 3:66], poses[:, 66:156]), CAMERA_TO_Z_UP
    )
    return [
        build_clip(
            source_times=times,
            root_pos=CAMERA_TO_Z_UP.apply(trans + SMPL_PELVIS_REST),
            root_quat=root_quat,
            local_quat=local_quat,
            object_name=object_name,
            object_pos=CAMERA_TO_Z_UP.apply(object_trans),
            object_quat=(CAMERA_TO_Z_UP * Rotation.from_rotvec(object_angles)).as_quat(),
            source=f"behave:{folder.name}",
            move_object=True,
        )
    ]
