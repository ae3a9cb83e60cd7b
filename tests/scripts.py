"""Running the command-line scripts in a subprocess, as a user would, for the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_script(script: str, *args: str, cwd: Path, timeout: float = 400) -> subprocess.CompletedProcess:
    """Run ``scripts/<script>`` with ``args`` in ``cwd``; fails the test on a timeout."""
    command = [sys.executable, str(REPO / "scripts" / script), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The last stderr line of a failed run, after checking it failed without a traceback."""
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr.strip().splitlines()[-1]


def run_dirs(workdir: Path, experiment: str) -> list[Path]:
    """The run directories of ``experiment`` under ``workdir/logs/rsl_rl``, oldest first."""
    return sorted(path for path in (workdir / "logs" / "rsl_rl" / experiment).iterdir() if path.is_dir())
