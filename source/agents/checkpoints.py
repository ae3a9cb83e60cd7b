"""Where training runs and their rsl_rl checkpoints live on disk, and whether a checkpoint fits a policy.

Layout (Isaac Lab's): ``logs/rsl_rl/<experiment_name>/<timestamp>[_<run_name>]/model_<iteration>.pt``, where
``<iteration>`` is the last learning iteration the checkpoint has completed (0-based).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import torch

LOG_ROOT = Path("logs") / "rsl_rl"
"""Root of all experiments, relative to the working directory."""

CHECKPOINT_PATTERN = re.compile(r"model_(\d+)\.pt")
"""File name of an rsl_rl checkpoint; the group is its iteration."""

MODEL_KEYS = ("actor_state_dict", "critic_state_dict")
"""Entries every rsl_rl PPO checkpoint holds."""

OPTIMIZER_KEY = "optimizer_state_dict"
"""The optimizer state of a checkpoint: written by training, absent from a released one (:func:`release_checkpoint`)."""

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
"""The released checkpoints shipped with the package."""

PRETRAINED_TRACK_EXPERT = PRETRAINED_DIR / "track_expert.pt"
"""The Stage 1 expert of ``InterPrior-Track-v0`` trained on the bundled clips (README's "The shipped expert")."""

PRETRAINED_GOALS_STUDENT = PRETRAINED_DIR / "goals_student.pt"
"""The Stage 2 policy distilled from :data:`PRETRAINED_TRACK_EXPERT` on ``InterPrior-Goals-v0`` (README's "The shipped
student"), released with float16 weights."""


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, or does not fit the policy it should be loaded into."""


def experiment_dir(experiment_name: str) -> Path:
    """The directory holding every run of an experiment."""
    return LOG_ROOT / experiment_name


def new_run_dir(experiment_name: str, run_name: str = "") -> Path:
    """A fresh run directory ``<experiment>/<timestamp>[_<run_name>]`` (not created)."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return experiment_dir(experiment_name) / (f"{stamp}_{run_name}" if run_name else stamp)


def checkpoints_in(run_dir: Path) -> list[Path]:
    """The checkpoints of a run, oldest iteration first."""
    found = [path for path in Path(run_dir).glob("model_*.pt") if CHECKPOINT_PATTERN.fullmatch(path.name)]
    return sorted(found, key=lambda path: int(CHECKPOINT_PATTERN.fullmatch(path.name).group(1)))


def latest_checkpoint(experiment_name: str) -> Path:
    """The newest checkpoint of the newest run of ``experiment_name`` that has one (runs sort by timestamp).

    Raises:
        CheckpointError: No run of the experiment holds a checkpoint.
    """
    root = experiment_dir(experiment_name)
    runs = sorted((path for path in root.glob("*") if path.is_dir()), reverse=True)
    for run in runs:
        if checkpoints := checkpoints_in(run):
            return checkpoints[-1]
    raise CheckpointError(f"no checkpoint to resume: no run under {root.resolve()} holds a model_<iteration>.pt")


def resolve_checkpoint(path: str | Path) -> Path:
    """``path`` itself if it is a checkpoint file, or the newest checkpoint of the run directory ``path``.

    Raises:
        CheckpointError: Nothing is at ``path``, or the directory holds no checkpoint.
    """
    path = Path(path)
    if path.is_file():
        return path
    if path.is_dir():
        if checkpoints := checkpoints_in(path):
            return checkpoints[-1]
        raise CheckpointError(f"checkpoint directory {path} holds no model_<iteration>.pt")
    raise CheckpointError(f"checkpoint {path} does not exist")


def read_checkpoint(path: Path, keys: tuple[str, ...] = MODEL_KEYS, kind: str = "an rsl_rl PPO") -> dict:
    """The saved dict of a checkpoint holding ``keys`` (an rsl_rl PPO checkpoint by default), on the CPU.

    Raises:
        CheckpointError: The file cannot be read or is not ``kind`` checkpoint (one of ``keys`` is missing).
    """
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise CheckpointError(f"checkpoint {path} cannot be read: {error}") from error
    missing = [key for key in keys if not isinstance(checkpoint, dict) or key not in checkpoint]
    if missing:
        raise CheckpointError(f"checkpoint {path} is not {kind} checkpoint (no {', '.join(missing)})")
    return checkpoint


def half_precision_matrices(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state_dict`` with its floating-point matrices (two or more dimensions, none of size 1: the weights, nearly
    all of a model's bytes) in float16; vectors and rows, such as biases and an observation normalizer's mean and
    variance (shape (1, D)), and integer tensors keep their dtype. Loading casts the matrices back to the model's."""
    return {
        name: tensor.half() if tensor.is_floating_point() and tensor.dim() >= 2 and min(tensor.shape) > 1 else tensor
        for name, tensor in state_dict.items()
    }


def release_checkpoint(path: Path, out: Path, half: bool = False) -> dict:
    """Write the checkpoint ``path`` of any stage (rsl_rl PPO, distillation, fine-tuning) to ``out`` without its
    optimizer state: the models, iteration, infos and configs that playing, evaluating, distilling and fine-tuning
    need, in a third of the size. Resuming from it starts a fresh optimizer. ``half`` also stores the models' matrices
    in float16 (:func:`half_precision_matrices`), halving the file again.

    Returns:
        The written dict.

    Raises:
        CheckpointError: ``path`` is not a training checkpoint (no iteration), or ``out`` is ``path`` itself.
    """
    if Path(out).resolve() == Path(path).resolve():
        raise CheckpointError(f"release {path}: write it to another file than the checkpoint itself")
    saved = read_checkpoint(path, keys=("iter",), kind="a training")
    released = {key: value for key, value in saved.items() if key != OPTIMIZER_KEY}
    if half:
        for key, value in released.items():
            if key.endswith("_state_dict"):
                released[key] = half_precision_matrices(value)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(released, out)
    return released


def check_checkpoint_fits(path: Path, models: dict[str, dict[str, torch.Tensor]]) -> dict:
    """Compare the parameter names and shapes of a checkpoint with the models it will be loaded into.

    Args:
        path: The checkpoint file.
        models: ``{"actor_state_dict": ..., "critic_state_dict": ...}`` of the policy, as ``PPO.save()`` gives.

    Returns:
        The checkpoint's saved dict.

    Raises:
        CheckpointError: The checkpoint is unreadable or was trained for other observation or action sizes.
    """
    checkpoint = read_checkpoint(path)
    for key in MODEL_KEYS:
        model = key.removesuffix("_state_dict")
        saved, wanted = checkpoint[key], models[key]
        if saved.keys() != wanted.keys():
            differing = sorted(saved.keys() ^ wanted.keys())
            raise CheckpointError(
                f"checkpoint {path} has another {model} architecture (parameters differ: {', '.join(differing)})"
            )
        for name, tensor in wanted.items():
            if saved[name].shape != tensor.shape:
                raise CheckpointError(
                    f"checkpoint {path} was trained for other observation or action sizes: {model} '{name}' is "
                    f"{tuple(saved[name].shape)} in the checkpoint but {tuple(tensor.shape)} for this task"
                )
    return checkpoint
