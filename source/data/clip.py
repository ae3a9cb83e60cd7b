"""The canonical clip format: one human-object interaction on our humanoid, stored as a ``.npz`` file.

Every dataset (the bundled one, converted InterMimic/InterAct/OMOMO/BEHAVE clips) ends up in this format, and the
motion library reads nothing else. Conventions follow :mod:`interprior.assets.skeleton`: Z up, metres, seconds,
quaternions ``(x, y, z, w)`` as in Isaac Lab 3.0, positions and velocities in the world frame, angular velocities
in rad/s in the world frame. ``T`` is the number of frames, sampled uniformly at ``fps``.

Contact labels are ``int8`` per frame and body: ``1`` touching, ``0`` not touching, ``-1`` unknown (the source had
no label for that body).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..assets.embodiment import SMPL, Embodiment, embodiment_names, get_embodiment
from ..assets.objects import OBJECT_NAMES

CLIP_FORMAT_VERSION = 1
"""Written into every clip; a reader refuses versions it does not know."""

NUM_BODIES = len(SMPL.body_names)
NUM_JOINTS = len(SMPL.joint_names)


class ClipFormatError(ValueError):
    """A clip file or array that is not a valid canonical clip; the message names the file and the field."""

    def __init__(self, source: str | os.PathLike, field: str, problem: str):
        self.source, self.field = str(source), field
        super().__init__(f"{source}: field {field!r}: {problem}")


@dataclass
class Clip:
    """One HOI clip on one embodiment (arrays are ``float32`` unless stated; B bodies and J hinges of the
    embodiment, 24 and 69 for our humanoid)."""

    fps: float
    """Frame rate (Hz)."""
    root_pos: np.ndarray
    """(T, 3) pelvis position (m)."""
    root_quat: np.ndarray
    """(T, 4) pelvis orientation, (x, y, z, w)."""
    joint_pos: np.ndarray
    """(T, J) hinge angles (rad) in the embodiment's ``joint_names`` order."""
    joint_vel: np.ndarray
    """(T, J) hinge velocities (rad/s)."""
    body_pos: np.ndarray
    """(T, B, 3) body origins from forward kinematics (m), the embodiment's ``body_names`` order; body 0 is the
    root."""
    body_quat: np.ndarray
    """(T, B, 4) body orientations, (x, y, z, w)."""
    body_lin_vel: np.ndarray
    """(T, B, 3) body linear velocities (m/s)."""
    body_ang_vel: np.ndarray
    """(T, B, 3) body angular velocities (rad/s)."""
    object_name: str
    """Name of the library object (:data:`interprior.assets.objects.OBJECT_NAMES`)."""
    object_scale: float
    """Uniform scale of the object's geometry relative to the library object."""
    object_pos: np.ndarray
    """(T, 3) object origin (m)."""
    object_quat: np.ndarray
    """(T, 4) object orientation, (x, y, z, w)."""
    object_lin_vel: np.ndarray
    """(T, 3) object linear velocity (m/s)."""
    object_ang_vel: np.ndarray
    """(T, 3) object angular velocity (rad/s)."""
    contact_object: np.ndarray
    """(T, B) ``int8``: body touches the object (1), does not (0), unknown (-1)."""
    contact_ground: np.ndarray
    """(T, B) ``int8``: body touches the ground (1), does not (0), unknown (-1)."""
    source: str = ""
    """Where the clip came from (dataset and sequence, or generator and seed)."""
    embodiment: str = SMPL.name
    """Name of the embodiment the clip is for (:func:`interprior.assets.embodiment.get_embodiment`)."""

    @property
    def num_frames(self) -> int:
        return int(self.root_pos.shape[0])

    @property
    def duration(self) -> float:
        """Time of the last frame (s)."""
        return (self.num_frames - 1) / self.fps


def _array_shapes(embodiment: Embodiment) -> dict[str, tuple[int, ...]]:
    """Per-frame shape of every array field of a clip for ``embodiment`` (the leading axis is time)."""
    bodies, joints = len(embodiment.body_names), len(embodiment.joint_names)
    return {
        "root_pos": (3,),
        "root_quat": (4,),
        "joint_pos": (joints,),
        "joint_vel": (joints,),
        "body_pos": (bodies, 3),
        "body_quat": (bodies, 4),
        "body_lin_vel": (bodies, 3),
        "body_ang_vel": (bodies, 3),
        "object_pos": (3,),
        "object_quat": (4,),
        "object_lin_vel": (3,),
        "object_ang_vel": (3,),
        "contact_object": (bodies,),
        "contact_ground": (bodies,),
    }


_ARRAY_SHAPES = _array_shapes(SMPL)
"""Per-frame shape of every array field of a clip for our humanoid."""

_LABEL_FIELDS = ("contact_object", "contact_ground")
_QUAT_FIELDS = ("root_quat", "body_quat", "object_quat")


def validate_clip(clip: Clip, source: str | os.PathLike = "<clip>") -> Clip:
    """Check the embodiment, shapes, finiteness, quaternion norms, labels and the object name; return ``clip`` with
    canonical dtypes.

    Raises:
        ClipFormatError: naming ``source`` and the first offending field.
    """
    if clip.embodiment not in embodiment_names():
        raise ClipFormatError(
            source, "embodiment", f"unknown embodiment {clip.embodiment!r}; known: {', '.join(embodiment_names())}"
        )
    if not np.isfinite(clip.fps) or clip.fps <= 0:
        raise ClipFormatError(source, "fps", f"must be a positive frame rate, got {clip.fps}")
    if clip.object_name not in OBJECT_NAMES:
        raise ClipFormatError(
            source, "object_name", f"unknown object {clip.object_name!r}; known objects: {', '.join(OBJECT_NAMES)}"
        )
    if not np.isfinite(clip.object_scale) or clip.object_scale <= 0:
        raise ClipFormatError(source, "object_scale", f"must be positive, got {clip.object_scale}")
    num_frames = np.shape(clip.root_pos)[0] if np.ndim(clip.root_pos) > 0 else 0
    if num_frames < 2:
        raise ClipFormatError(source, "root_pos", f"a clip needs at least 2 frames, got {num_frames}")
    for name, frame_shape in _array_shapes(get_embodiment(clip.embodiment)).items():
        value = np.asarray(getattr(clip, name))
        expected = (num_frames, *frame_shape)
        if value.shape != expected:
            raise ClipFormatError(source, name, f"shape {value.shape}, expected {expected} (T={num_frames} frames)")
        if name in _LABEL_FIELDS:
            value = value.astype(np.int8)
            if not np.isin(value, (-1, 0, 1)).all():
                raise ClipFormatError(source, name, "contact labels must be -1 (unknown), 0 or 1")
        else:
            value = value.astype(np.float32)
            if not np.isfinite(value).all():
                first = int(np.argwhere(~np.isfinite(value))[0][0])
                raise ClipFormatError(source, name, f"non-finite value (NaN or inf) at frame {first}")
            if name in _QUAT_FIELDS and np.abs(np.linalg.norm(value, axis=-1) - 1.0).max() > 1e-3:
                raise ClipFormatError(source, name, "quaternions must have unit norm")
        setattr(clip, name, value)
    clip.fps, clip.object_scale = float(clip.fps), float(clip.object_scale)
    return clip


def save_clip(clip: Clip, path: str | os.PathLike) -> Path:
    """Validate ``clip`` and write it to ``path`` (``.npz``) atomically: a failed write leaves no partial file."""
    path = Path(path)
    validate_clip(clip, path)
    embodiment = get_embodiment(clip.embodiment)
    arrays = {name: getattr(clip, name) for name in _ARRAY_SHAPES}
    meta = {
        "format_version": np.int32(CLIP_FORMAT_VERSION),
        "fps": np.float32(clip.fps),
        "object_name": np.str_(clip.object_name),
        "object_scale": np.float32(clip.object_scale),
        "source": np.str_(clip.source),
        "embodiment": np.str_(embodiment.name),
        "body_names": np.array(embodiment.body_names),
        "joint_names": np.array(embodiment.joint_names),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz.tmp", delete=False) as tmp:
        try:
            np.savez_compressed(tmp, **meta, **arrays)
            tmp.close()
            os.chmod(tmp.name, 0o644)  # temporary files are private; a dataset is not
            os.replace(tmp.name, path)
        except BaseException:
            os.unlink(tmp.name)
            raise
    return path


def load_clip(path: str | os.PathLike) -> Clip:
    """Read and validate the clip at ``path``.

    Raises:
        ClipFormatError: the file is missing, truncated or not a clip, or a field is missing or invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise ClipFormatError(path, "<file>", "no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            stored = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ClipFormatError(path, "<file>", f"not a readable .npz clip (truncated or corrupt?): {error}") from None
    for name in ("format_version", "fps", "object_name", "object_scale", "body_names", "joint_names", *_ARRAY_SHAPES):
        if name not in stored:
            raise ClipFormatError(path, name, "missing")
    if int(stored["format_version"]) != CLIP_FORMAT_VERSION:
        raise ClipFormatError(
            path, "format_version", f"version {int(stored['format_version'])}; this reader knows {CLIP_FORMAT_VERSION}"
        )
    name = str(stored.get("embodiment", SMPL.name))  # clips written before embodiments existed are our humanoid's
    if name not in embodiment_names():
        known = ", ".join(embodiment_names())
        raise ClipFormatError(path, "embodiment", f"unknown embodiment {name!r}; known: {known}")
    embodiment = get_embodiment(name)
    for field_name, expected, kind in [
        ("body_names", embodiment.body_names, "bodies"),
        ("joint_names", embodiment.joint_names, "hinges"),
    ]:
        if tuple(stored[field_name]) != expected:
            raise ClipFormatError(path, field_name, f"does not match the {len(expected)} {kind} of {name} in order")
    values = {field.name: stored[field.name] for field in fields(Clip) if field.name in stored}
    values["fps"], values["object_scale"] = float(values["fps"]), float(values["object_scale"])
    values["object_name"], values["source"] = str(values["object_name"]), str(stored.get("source", ""))
    values["embodiment"] = name
    return validate_clip(Clip(**values), path)
