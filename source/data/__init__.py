"""Motion data: the canonical clip format, the motion library, the bundled dataset generator and converters."""

from pathlib import Path

BUNDLED_DATASET = Path(__file__).resolve().parent / "bundled"
"""The dataset shipped with the project (made by :mod:`interprior.data.generator`): ``train/`` and ``test/`` clips."""
