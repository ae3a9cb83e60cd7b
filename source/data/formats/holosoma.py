"""Holosoma's Unitree G1 tracking clips: a human-object clip retargeted to the G1, one ``.npz`` per sequence.

holosoma 0.0.3 ships ``sub3_largebox_003_mj_w_obj.npz`` (the OMOMO large-box clip on the G1, 50 fps, 325 frames).
Z up, metres, quaternions ``(w, x, y, z)``. Keys:

=======================================  =====================================================================
``fps``                                  (1,) frame rate (Hz)
``joint_pos``, ``joint_vel``             (T, 36) root position, root quaternion, 29 hinges; (T, 35) their rates
``joint_names``                          (29,) hinge names, MuJoCo Menagerie's G1 order
``body_pos_w``, ``body_quat_w``, ...     (T, 52, ...) every link of holosoma's G1 (collision links included)
``object_pos_w``, ``object_quat_w``      (T, 3), (T, 4) object pose (the ``_mj.npz`` variant has no object)
=======================================  =====================================================================

The reader keeps the root pose, the hinge angles and the object pose, resamples them to 30 Hz and recomputes the
bodies by forward kinematics of the Menagerie G1 (:data:`~interprior.assets.embodiment` ``g1``), so the clip's bodies
are exactly the simulated G1's. The object's name is the second ``_`` field of the file name (``sub3_largebox_003``
-> ``largebox``), as in OMOMO. Contact labels are unknown (-1): the file has none. The data is grounded already
(the lowest foot touches z = 0).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ...assets.embodiment import get_embodiment
from ..clip import Clip
from ..kinematics import make_clip
from .errors import SourceFormatError
from .object_map import library_object
from .resample import TRAINING_FPS, resample_linear, resample_quat, target_times, uniform_times
from .source_arrays import read_npz, require_array

EMBODIMENT = "g1"
REQUIRED_KEYS = ("fps", "joint_pos", "joint_names", "object_pos_w", "object_quat_w")


def _wxyz_to_xyzw(quat: np.ndarray) -> np.ndarray:
    return np.roll(quat, -1, axis=-1)


def convert_holosoma(path: str | os.PathLike, object_map: Mapping[str, str] | None = None) -> list[Clip]:
    """The one G1 clip of a holosoma ``*_w_obj.npz`` file, resampled to 30 Hz.

    Raises:
        SourceFormatError: the file is unreadable, lacks a key (``_mj.npz`` files carry no object), holds NaN, lists
            other hinges than the Menagerie G1's, or its object has no library object.
    """
    path = Path(path)
    stored = read_npz(path)
    for key in REQUIRED_KEYS:
        if key not in stored:
            raise SourceFormatError(path, key, "missing (a G1 clip with its object, *_mj_w_obj.npz, is needed)")
    joint_names = get_embodiment(EMBODIMENT).joint_names
    if tuple(stored["joint_names"]) != joint_names:
        expected = f"expected the {len(joint_names)} hinges of the Menagerie G1 in order"
        raise SourceFormatError(path, "joint_names", expected)
    qpos = require_array(stored, "joint_pos", path, (7 + len(joint_names),))
    object_pos = require_array(stored, "object_pos_w", path, (3,), len(qpos))
    object_quat = require_array(stored, "object_quat_w", path, (4,), len(qpos))
    fps = float(np.ravel(stored["fps"])[0])
    if not fps > 0:
        raise SourceFormatError(path, "fps", f"must be positive, got {fps}")
    sequence = path.stem.removesuffix("_w_obj").removesuffix("_mj")
    fields = sequence.split("_")
    if len(fields) < 3:
        raise SourceFormatError(path, "<file name>", "expected <subject>_<object>_<index>[_mj_w_obj].npz")
    object_name = library_object(fields[1], object_map, path, "<file name>")

    source_times = uniform_times(len(qpos), fps)
    times = target_times(source_times, TRAINING_FPS)
    return [
        make_clip(
            fps=TRAINING_FPS,
            root_pos=resample_linear(source_times, qpos[:, :3], times),
            root_quat=resample_quat(source_times, _wxyz_to_xyzw(qpos[:, 3:7]), times),
            joint_pos=resample_linear(source_times, qpos[:, 7:], times),
            object_name=object_name,
            object_pos=resample_linear(source_times, object_pos, times),
            object_quat=resample_quat(source_times, _wxyz_to_xyzw(object_quat), times),
            source=f"holosoma:{sequence}",
            embodiment=EMBODIMENT,
        )
    ]
