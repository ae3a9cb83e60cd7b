"""``scripts/dataset.py`` run as a user runs it: convert, validate and stats, including bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "dataset.py"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=REPO)


def write_intermimic(path: Path, num_frames: int = 5) -> None:
    """A minimal InterMimic (T, 591) clip: identity root at 0.9 m, box at rest, contact labels unknown."""
    data = np.zeros((num_frames, 591), dtype=np.float32)
    data[:, 2], data[:, 6], data[:, 320], data[:, 324] = 0.9, 1.0, 0.205, 1.0
    torch.save(torch.from_numpy(data), path)


def test_convert_a_directory_with_a_bad_file_then_validate_and_stats(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "clips"
    src.mkdir()
    write_intermimic(src / "sub1_largebox_001.pt")
    write_intermimic(src / "sub2_smallbox_001.pt")
    (src / "sub3_largebox_001.pt").write_text("garbage")
    result = run("convert", "--format", "intermimic", src, dst)
    assert result.returncode == 1
    assert "sub3_largebox_001.pt" in result.stderr and "not a zip" in result.stderr
    assert "2 clips written, 1 sources failed" in result.stdout
    assert sorted(p.name for p in dst.iterdir()) == ["sub1_largebox_001.npz", "sub2_smallbox_001.npz"]

    result = run("validate", dst)
    assert result.returncode == 0 and result.stdout.count("OK ") == 2

    result = run("stats", dst)
    assert result.returncode == 0
    assert "clips: 2" in result.stdout and "frames: 10" in result.stdout
    assert "box_large 1" in result.stdout and "box_small 1" in result.stdout and "30 Hz (2 clips)" in result.stdout

    (dst / "broken.npz").write_bytes(b"PK\x03\x04 truncated")
    result = run("validate", dst)
    assert result.returncode == 1 and "BAD" in result.stdout and "broken.npz" in result.stdout


def test_convert_reports_unmapped_objects_and_bad_object_maps(tmp_path):
    write_intermimic(tmp_path / "sub1_teapot_001.pt")
    result = run("convert", "--format", "intermimic", tmp_path / "sub1_teapot_001.pt", tmp_path / "out")
    assert result.returncode == 1 and "--object-map teapot=" in result.stderr
    assert not (tmp_path / "out").exists()

    result = run("convert", "--format", "intermimic", "--object-map", "teapot=kettle", tmp_path, tmp_path / "out")
    assert result.returncode == 2 and "'kettle' is not a library object" in result.stderr

    result = run("convert", "--format", "intermimic", "--object-map", "teapot=bottle", tmp_path, tmp_path / "out")
    assert result.returncode == 0 and (tmp_path / "out" / "sub1_teapot_001.npz").is_file()
