"""Checkpoints of the fine-tuning runner: a distillation checkpoint (policy with normalizer and config, iteration,
Adam state unless released), so that every loader of distilled policies takes it unchanged, plus the critic, the
action standard deviation and the adapted step size for resuming."""

from __future__ import annotations

from pathlib import Path

from interprior.agents.checkpoints import read_checkpoint
from interprior.agents.distillation.checkpoint import CHECKPOINT_KEYS as DISTILLATION_KEYS

CHECKPOINT_KEYS = (*DISTILLATION_KEYS, "critic_state_dict", "action_std_state_dict", "learning_rate")
"""Entries every fine-tuning checkpoint holds."""


def read_finetune_checkpoint(path: Path) -> dict:
    """The saved dict of a fine-tuning checkpoint, on the CPU.

    Raises:
        CheckpointError: The file cannot be read or is not a fine-tuning checkpoint (for example a distillation one).
    """
    return read_checkpoint(path, CHECKPOINT_KEYS, kind="a fine-tuning")
