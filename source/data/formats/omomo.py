"""OMOMO's raw sequence files (``train_/test_diffusion_manip_seq_joints24.p``): a joblib pickle of records.

The file maps an index to a record with ``seq_name`` (``sub<N>_<object>_<take>``), ``trans`` (T, 3),
``root_orient`` (T, 3), ``pose_body`` (T, 63) SMPL-X axis-angle, ``trans2joint`` (3,) (minus the subject's pelvis
rest offset), ``obj_trans`` (T, 3, 1), ``obj_rot`` (T, 3, 3), ``obj_com_pos`` (T, 3), ``obj_scale`` (T,), ...
Z up, metres, 30 fps. The pelvis is ``trans - trans2joint``; the object is placed at ``obj_com_pos`` (its centre,
like our library objects' origin) when present, else at ``obj_trans``. OMOMO has no finger poses, so our hand bodies
stay straight.

The file is read with ``joblib`` when it is installed, else with a restricted :mod:`pickle` that accepts only plain
containers and numpy arrays (enough for files re-saved with ``pickle``; a joblib file holding arrays needs joblib).
Only open files you trust: joblib loads arbitrary pickles.
"""

from __future__ import annotations

import collections
import importlib
import importlib.util
import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..clip import Clip
from .errors import SourceFormatError
from .motion import build_clip
from .object_map import library_object
from .resample import uniform_times
from .smpl import SMPL_PELVIS_REST, smpl_joint_rotvecs, smpl_to_skeleton
from .source_arrays import require_array, require_text

HAVE_JOBLIB = importlib.util.find_spec("joblib") is not None
"""Whether OMOMO files are read with joblib (else with the restricted pickle reader)."""


class _ArrayUnpickler(pickle.Unpickler):
    """A pickle reader that builds only numpy arrays, numpy scalars and plain containers."""

    def __init__(self, file, source: Path):
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module.split(".")[0] == "numpy" and name in {"_reconstruct", "ndarray", "dtype", "scalar"}:
            return getattr(importlib.import_module(module), name)
        hint = " (a joblib file: install joblib to read it)" if module.startswith("joblib") else ""
        raise SourceFormatError(self._source, "<pickle>", f"holds {module}.{name}, which is not read{hint}")


def load_records(path: str | os.PathLike) -> dict:
    """The ``index -> record`` dictionary of an OMOMO ``.p`` file (joblib if installed, else restricted pickle)."""
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(path, "<file>", "no such file")
    try:
        if HAVE_JOBLIB:
            import joblib

            records = joblib.load(path)
        else:
            with open(path, "rb") as file:
                records = _ArrayUnpickler(file, path).load()
    except SourceFormatError:
        raise
    except Exception as error:  # joblib and pickle raise many types on a corrupt file
        problem = f"not a readable OMOMO pickle: {type(error).__name__}: {error}"
        raise SourceFormatError(path, "<file>", problem) from None
    if not isinstance(records, Mapping) or not all(isinstance(r, Mapping) for r in records.values()):
        raise SourceFormatError(path, "<file>", "expected a dictionary of sequence records")
    return dict(records)


def _convert_record(record: Mapping, path: Path, key, object_map: Mapping[str, str] | None, fps: float) -> Clip:
    where = f"{path} record {key!r}"
    seq_name = require_text(record, "seq_name", where)
    parts = seq_name.split("_")
    if len(parts) < 3:
        raise SourceFormatError(where, "seq_name", f"{seq_name!r} is not sub<N>_<object>_<take>")
    object_name = library_object(parts[1], object_map, where, "seq_name")
    trans = require_array(record, "trans", where, (3,))
    num_frames = len(trans)
    root_orient = require_array(record, "root_orient", where, (3,), num_frames)
    pose_body = require_array(record, "pose_body", where, (63,), num_frames)
    object_rot = require_array(record, "obj_rot", where, (3, 3), num_frames)
    if "obj_com_pos" in record:
        object_pos = require_array(record, "obj_com_pos", where, (3,), num_frames)
    else:
        object_pos = require_array(record, "obj_trans", where, (3, 1), num_frames)[:, :, 0]
    if "trans2joint" in record:
        pelvis_offset = -np.asarray(record["trans2joint"], dtype=np.float64).reshape(-1)
        if pelvis_offset.shape != (3,) or not np.isfinite(pelvis_offset).all():
            raise SourceFormatError(where, "trans2joint", f"expected 3 finite numbers, got {record['trans2joint']!r}")
    else:
        pelvis_offset = SMPL_PELVIS_REST
    root_quat, local_quat = smpl_to_skeleton(root_orient, smpl_joint_rotvecs(pose_body, None), Rotation.identity())
    try:
        object_quat = Rotation.from_matrix(object_rot).as_quat()
    except ValueError as error:
        raise SourceFormatError(where, "obj_rot", f"not rotation matrices: {error}") from None
    return build_clip(
        source_times=uniform_times(num_frames, fps),
        root_pos=trans + pelvis_offset,
        root_quat=root_quat,
        local_quat=local_quat,
        object_name=object_name,
        object_pos=object_pos,
        object_quat=object_quat,
        source=f"omomo:{seq_name}",
    )


def convert_omomo(
    path: str | os.PathLike, object_map: Mapping[str, str] | None = None, source_fps: float = 30.0
) -> list[Clip]:
    """One clip per record of an OMOMO ``.p`` file, resampled to 30 Hz and grounded.

    Raises:
        SourceFormatError: the file is unreadable, or a record is malformed or its object has no library object
            (naming the record).
    """
    path = Path(path)
    return [_convert_record(record, path, key, object_map, source_fps) for key, record in load_records(path).items()]
