"""Convert a source file or a directory of them into canonical clips, one ``.npz`` per sequence.

A directory conversion converts every source it finds, keeps going past bad ones, and reports each bad one with its
reason. Nothing is written for a bad source, and a source's clips are all converted before any is saved (each save
is atomic), so an error never leaves partial files or touches output already written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..clip import Clip, ClipFormatError, save_clip
from .behave import convert_behave
from .holosoma import convert_holosoma
from .interact import convert_interact
from .intermimic import convert_intermimic
from .omomo import convert_omomo


@dataclass(frozen=True)
class SourceFormat:
    """How to find and convert the sources of one dataset format."""

    convert: Callable[..., list[Clip]]
    """``convert(path, object_map) -> clips``."""
    find: Callable[[Path], list[Path]]
    """The sources under a directory."""
    is_source: Callable[[Path], bool]
    """Whether a path given directly is one source."""


def _files(suffix: str) -> Callable[[Path], list[Path]]:
    return lambda root: sorted(root.rglob(f"*{suffix}"))


def _dirs_with(marker: str) -> Callable[[Path], list[Path]]:
    return lambda root: sorted(found.parent for found in root.rglob(marker))


def _file_or_dir_with(marker: str) -> Callable[[Path], bool]:
    return lambda path: path.is_file() or (path / marker).is_file()


FORMATS: dict[str, SourceFormat] = {
    "intermimic": SourceFormat(convert_intermimic, _files(".pt"), Path.is_file),
    "interact": SourceFormat(convert_interact, _dirs_with("human.npz"), _file_or_dir_with("human.npz")),
    "omomo": SourceFormat(convert_omomo, _files(".p"), Path.is_file),
    "behave": SourceFormat(convert_behave, _dirs_with("smpl_fit_all.npz"), _file_or_dir_with("smpl_fit_all.npz")),
    "holosoma": SourceFormat(convert_holosoma, _files("_w_obj.npz"), Path.is_file),
}
"""Every supported source format by its ``--format`` name."""


@dataclass
class ConversionReport:
    """What a conversion wrote and which sources it refused."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    """(source, reason) of every source that could not be converted."""


def clip_file_name(clip: Clip) -> str:
    """``<sequence>.npz`` for a clip whose ``source`` is ``<format>:<sequence>``."""
    return clip.source.split(":", 1)[-1] + ".npz"


def convert_path(
    format_name: str,
    source: str | os.PathLike,
    dest: str | os.PathLike,
    object_map: Mapping[str, str] | None = None,
) -> ConversionReport:
    """Convert ``source`` (one source, or a directory searched recursively) into clips under ``dest``.

    Raises:
        KeyError: unknown ``format_name``.
        FileNotFoundError: ``source`` does not exist or a directory holds no source of that format.
    """
    spec = FORMATS[format_name]
    source, dest = Path(source), Path(dest)
    if not source.exists():
        raise FileNotFoundError(f"{source}: no such file or directory")
    sources = [source] if spec.is_source(source) else spec.find(source)
    if not sources:
        raise FileNotFoundError(f"{source}: no {format_name} sources found")
    report, names = ConversionReport(), set()
    for path in sources:
        try:
            clips = spec.convert(path, object_map)
            duplicate = next((clip_file_name(c) for c in clips if clip_file_name(c) in names), None)
            if duplicate is not None:
                raise ClipFormatError(path, "<sequence name>", f"{duplicate} was already written by another source")
            for clip in clips:
                names.add(clip_file_name(clip))
                report.written.append(save_clip(clip, dest / clip_file_name(clip)))
        except (ClipFormatError, OSError) as error:
            report.failed.append((path, str(error)))
    return report
