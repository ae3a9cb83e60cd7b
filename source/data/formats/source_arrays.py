"""Checked access to the named arrays of a source file: every problem names the file and the field."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .errors import SourceFormatError


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` file at ``path`` (pickled object arrays allowed: InterAct stores strings so).

    Raises:
        SourceFormatError: the file is missing or not a readable ``.npz``.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(path, "<file>", "no such file")
    try:
        with np.load(path, allow_pickle=True) as data:
            return {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise SourceFormatError(path, "<file>", f"not a readable .npz file: {error}") from None


def require_array(
    data: Mapping[str, object],
    name: str,
    source: str | os.PathLike,
    frame_shape: tuple[int, ...],
    num_frames: int | None = None,
) -> np.ndarray:
    """``data[name]`` as a finite float64 array of shape (T, *frame_shape).

    Args:
        num_frames: Required T, or ``None`` to accept any T >= 2.

    Raises:
        SourceFormatError: the field is missing, has the wrong shape or frame count, or holds NaN/inf.
    """
    if name not in data:
        raise SourceFormatError(source, name, "missing")
    try:
        value = np.asarray(data[name], dtype=np.float64)
    except (TypeError, ValueError):
        raise SourceFormatError(source, name, "is not a numeric array") from None
    if value.ndim != 1 + len(frame_shape) or value.shape[1:] != frame_shape:
        raise SourceFormatError(source, name, f"shape {value.shape}, expected (T, {', '.join(map(str, frame_shape))})")
    if num_frames is not None and len(value) != num_frames:
        raise SourceFormatError(source, name, f"{len(value)} frames, expected {num_frames} like the other fields")
    if len(value) < 2:
        raise SourceFormatError(source, name, f"needs at least 2 frames, got {len(value)}")
    if not np.isfinite(value).all():
        first = int(np.argwhere(~np.isfinite(value))[0][0])
        raise SourceFormatError(source, name, f"non-finite value (NaN or inf) at frame {first}")
    return value


def require_text(data: Mapping[str, object], name: str, source: str | os.PathLike) -> str:
    """``data[name]`` as a non-empty string (a str, a 0-d string array, or a 1-element array of one)."""
    if name not in data:
        raise SourceFormatError(source, name, "missing")
    value = np.asarray(data[name])
    if value.size != 1 or not isinstance(value.reshape(-1)[0], (str, np.str_)) or not str(value.reshape(-1)[0]):
        raise SourceFormatError(source, name, f"expected a non-empty string, got {data[name]!r}")
    return str(value.reshape(-1)[0])
