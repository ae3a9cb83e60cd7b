"""Motion data: the canonical clip format, the motion library, the bundled dataset generator and converters."""

from pathlib import Path

BUNDLED_DATASET = Path(__file__).resolve().parent / "bundled"
"""The dataset shipped with the project (made by :mod:`interprior.data.generator`): ``train/`` and ``test/`` clips."""

BUNDLED_DATASETS: dict[str, Path] = {"smpl": BUNDLED_DATASET, "g1": BUNDLED_DATASET.parent / "bundled_g1"}
"""The shipped dataset of each embodiment: the G1's is ours retargeted (``scripts/dataset.py retarget``)."""
