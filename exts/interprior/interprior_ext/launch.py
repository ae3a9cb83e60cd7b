"""Playing a checkpoint from the panel: the ``scripts/play.py`` command line and its process. Kit-free."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .catalog import DEFAULT_REPO_ROOT


@dataclass(frozen=True)
class PlayRequest:
    """One press of Play: what ``scripts/play.py`` should run.

    Attributes:
        task: A registered ``InterPrior-*`` gym id.
        checkpoint: An rsl_rl checkpoint file or run directory; ``None`` acts with zero actions.
        num_envs: Parallel environments.
        device: Torch and physics device, ``"cpu"`` or ``"cuda:N"``.
        physics: Physics preset (``"physx"``, ``"newton_mjwarp"``, ...); ``""`` keeps the task's default.
        python: Interpreter that runs the script; ``""`` is this process's own.
    """

    task: str
    checkpoint: Path | None = None
    num_envs: int = 16
    device: str = "cpu"
    physics: str = ""
    python: str = ""


def play_command(request: PlayRequest, repo_root: Path = DEFAULT_REPO_ROOT) -> list[str]:
    """The argv that plays ``request`` with the repository's ``scripts/play.py``.

    Raises:
        FileNotFoundError: ``repo_root`` holds no ``scripts/play.py``.
    """
    script = Path(repo_root) / "scripts" / "play.py"
    if not script.is_file():
        raise FileNotFoundError(f"no play script at {script}; set the extension's repo_root setting")
    argv = [request.python or sys.executable, str(script), "--task", request.task]
    argv += ["--num-envs", str(request.num_envs), "--device", request.device]
    if request.checkpoint is not None:
        argv += ["--checkpoint", str(request.checkpoint)]
    if request.physics:
        argv.append(f"physics={request.physics}")
    return argv


class PlayProcess:
    """``scripts/play.py`` running beside the app, its output going to the app's terminal."""

    def __init__(self, request: PlayRequest, repo_root: Path = DEFAULT_REPO_ROOT):
        self.command = play_command(request, repo_root)
        self._process = subprocess.Popen(self.command, cwd=repo_root)

    @property
    def pid(self) -> int:
        return self._process.pid

    def exit_code(self) -> int | None:
        """The exit status, or ``None`` while it runs."""
        return self._process.poll()

    def stop(self, timeout: float = 10.0) -> int:
        """Terminate this process (killed after ``timeout`` seconds) and return its exit status."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
        return self._process.wait()
