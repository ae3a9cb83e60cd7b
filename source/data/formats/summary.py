"""Dataset statistics over canonical clips: counts, duration, objects, frame rates and contact-label fractions."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..clip import Clip


def clip_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The given files, and every ``.npz`` under the given directories (recursively), in order."""
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(sorted(path.rglob("*.npz")) if path.is_dir() else [path])
    return found


@dataclass
class DatasetStats:
    """Totals over a set of clips."""

    clips: int = 0
    frames: int = 0
    seconds: float = 0.0
    clips_per_object: Counter = field(default_factory=Counter)
    clips_per_fps: Counter = field(default_factory=Counter)
    label_counts: dict[str, Counter] = field(default_factory=lambda: {"object": Counter(), "ground": Counter()})
    """Per label kind, how many (frame, body) labels are 1, 0 and -1."""

    def add(self, clip: Clip) -> None:
        self.clips += 1
        self.frames += clip.num_frames
        self.seconds += clip.num_frames / clip.fps
        self.clips_per_object[clip.object_name] += 1
        self.clips_per_fps[clip.fps] += 1
        for kind, labels in (("object", clip.contact_object), ("ground", clip.contact_ground)):
            values, counts = np.unique(labels, return_counts=True)
            self.label_counts[kind].update(dict(zip(values.tolist(), counts.tolist())))

    def contact_fractions(self, kind: str) -> tuple[float, float, float]:
        """Fractions of ``kind`` labels that are contact (1), no contact (0) and unknown (-1)."""
        counts = self.label_counts[kind]
        total = max(1, sum(counts.values()))
        return counts[1] / total, counts[0] / total, counts[-1] / total

    def lines(self) -> list[str]:
        """A human-readable summary."""
        lines = [
            f"clips: {self.clips}",
            f"frames: {self.frames}",
            f"hours: {self.seconds / 3600.0:.4f} ({self.seconds:.1f} s)",
            "per object: " + ", ".join(f"{name} {n}" for name, n in sorted(self.clips_per_object.items())),
            "fps: " + ", ".join(f"{fps:g} Hz ({n} clips)" for fps, n in sorted(self.clips_per_fps.items())),
        ]
        for kind in ("object", "ground"):
            contact, free, unknown = self.contact_fractions(kind)
            lines.append(f"{kind} contact labels: {contact:.1%} contact, {free:.1%} none, {unknown:.1%} unknown")
        return lines
