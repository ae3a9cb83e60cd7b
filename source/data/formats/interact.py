"""InterAct canonical sequences: ``<sequence>/human.npz`` + ``<sequence>/object.npz``.

``human.npz``: ``poses`` (T, 156) SMPL-H axis-angle (root 3, body 63, hands 90), ``trans`` (T, 3), ``betas``,
``gender``; ``object.npz``: ``angles`` (T, 3) rotation vectors, ``trans`` (T, 3), ``name``. Y up with the floor at
y = 0, metres, 30 fps (InterAct ``process/process_*.py``). We rotate +90 deg about x to Z up and pose our skeleton
with the body rotations (:mod:`.smpl`); the pelvis is ``trans`` plus the template pelvis offset, as the body-model
files that would give the subject's own are licensed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from scipy.spatial.transform import Rotation

from ..clip import Clip
from .errors import SourceFormatError
from .motion import build_clip
from .object_map import library_object
from .resample import uniform_times
from .smpl import SMPL_PELVIS_REST, Y_UP_TO_Z_UP, smpl_joint_rotvecs, smpl_to_skeleton
from .source_arrays import read_npz, require_array, require_text


def sequence_dir(path: str | os.PathLike) -> Path:
    """The sequence directory of ``path`` (the directory itself, or the directory of its ``human.npz``)."""
    path = Path(path)
    return path.parent if path.is_file() else path


def convert_interact(
    path: str | os.PathLike, object_map: Mapping[str, str] | None = None, source_fps: float = 30.0
) -> list[Clip]:
    """The clip of one InterAct sequence directory (or its ``human.npz``), resampled to 30 Hz and grounded.

    Raises:
        SourceFormatError: a file or field is missing or malformed, or the object has no library object.
    """
    folder = sequence_dir(path)
    if not (folder / "human.npz").is_file():
        raise SourceFormatError(folder, "human.npz", "missing: an InterAct sequence has human.npz and object.npz")
    human_path, object_path = folder / "human.npz", folder / "object.npz"
    human, obj = read_npz(human_path), read_npz(object_path)
    poses = require_array(human, "poses", human_path, (156,))
    num_frames = len(poses)
    trans = require_array(human, "trans", human_path, (3,), num_frames)
    object_angles = require_array(obj, "angles", object_path, (3,), num_frames)
    object_trans = require_array(obj, "trans", object_path, (3,), num_frames)
    object_name = library_object(require_text(obj, "name", object_path), object_map, object_path, "name")
    root_quat, local_quat = smpl_to_skeleton(
        poses[:, :3], smpl_joint_rotvecs(poses[:, 3:66], poses[:, 66:156]), Y_UP_TO_Z_UP
    )
    object_quat = (Y_UP_TO_Z_UP * Rotation.from_rotvec(object_angles)).as_quat()
    return [
        build_clip(
            source_times=uniform_times(num_frames, source_fps),
            root_pos=Y_UP_TO_Z_UP.apply(trans + SMPL_PELVIS_REST),
            root_quat=root_quat,
            local_quat=local_quat,
            object_name=object_name,
            object_pos=Y_UP_TO_Z_UP.apply(object_trans),
            object_quat=object_quat,
            source=f"interact:{folder.name}",
        )
    ]
