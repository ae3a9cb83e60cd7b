"""What the InterPrior panel offers to play: the registered tasks and the trained checkpoints. Kit-free."""

from __future__ import annotations

from pathlib import Path

from interprior.agents.checkpoints import LOG_ROOT, checkpoints_in

EXTENSION_ROOT = Path(__file__).resolve().parents[1]
"""This extension's folder, ``<repository>/exts/interprior``."""

DEFAULT_REPO_ROOT = EXTENSION_ROOT.parents[1]
"""The repository the extension ships in: holds ``scripts/play.py`` and the ``logs/`` of training runs."""


def task_ids() -> list[str]:
    """Every registered ``InterPrior-*`` gym id, sorted; importing the tasks registers them."""
    from interprior.tasks.env_factory import interprior_task_ids

    return interprior_task_ids()


def run_checkpoints(repo_root: Path = DEFAULT_REPO_ROOT) -> list[Path]:
    """The newest checkpoint of every training run under ``<repo_root>/logs/rsl_rl``, most recently written first.

    Runs are ``logs/rsl_rl/<experiment>/<run>/``; runs without a ``model_<iteration>.pt`` are left out.
    """
    latest = [found[-1] for run in sorted((Path(repo_root) / LOG_ROOT).glob("*/*")) if (found := checkpoints_in(run))]
    return sorted(latest, key=lambda path: path.stat().st_mtime, reverse=True)
