"""The Stage 1 expert as a frozen inference policy: the Track task's rsl_rl actor acting with its mean.

The expert is an rsl_rl PPO checkpoint of ``InterPrior-Track-v0`` (``model_<it>.pt``, or the run directory holding
it). Its actor is rebuilt from the Track task's registered agent config and reads the goal task's ``expert``
observation group, which is the Track task's ``policy`` group.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tensordict import TensorDict

from rsl_rl.models import MLPModel
from rsl_rl.utils import resolve_class

from interprior.agents.checkpoints import CheckpointError, read_checkpoint, resolve_checkpoint
from interprior.agents.runner import load_task_configs

EXPERT_TASK = "InterPrior-Track-v0"
"""The task the expert was trained on."""

EXPERT_GROUP = "expert"
"""The goal tasks' observation group holding the expert's observation."""


def load_expert(path: str | Path, obs: TensorDict, num_actions: int, device: str = "cpu") -> MLPModel:
    """The expert actor of the checkpoint at ``path``, in eval mode and without gradients.

    Args:
        path: A Track checkpoint file or a run directory (its newest checkpoint is used).
        obs: One observation of the goal task; only the size of its ``expert`` group (N, obs_dim) is used.
        num_actions: The task's action size.
        device: Where the expert runs.

    Returns:
        A model whose call ``expert(obs)`` gives the action means (N, num_actions) from ``obs[EXPERT_GROUP]``.

    Raises:
        CheckpointError: Nothing is at ``path``, the file is not a PPO checkpoint, or its actor has another
            architecture, observation size or action size than this task gives.
    """
    checkpoint_path = resolve_checkpoint(path)
    saved = read_checkpoint(checkpoint_path)["actor_state_dict"]
    _, agent_cfg = load_task_configs(EXPERT_TASK)
    actor_class, actor_cfg = resolve_class(agent_cfg.to_dict()["actor"])
    expert = actor_class(obs, {"actor": [EXPERT_GROUP]}, "actor", num_actions, **actor_cfg)
    wanted = expert.state_dict()
    if saved.keys() != wanted.keys():
        differing = ", ".join(sorted(saved.keys() ^ wanted.keys()))
        raise CheckpointError(f"expert {checkpoint_path} is not a {EXPERT_TASK} actor (parameters differ: {differing})")
    observed, acted = _input_output_sizes(saved)
    if observed != expert.obs_dim or acted != _input_output_sizes(wanted)[1]:
        raise CheckpointError(
            f"expert {checkpoint_path} observes {observed} values and outputs {acted} actions, but this task's "
            f"'{EXPERT_GROUP}' observation group has {expert.obs_dim} values and it takes {num_actions} actions"
        )
    for name, tensor in wanted.items():
        if saved[name].shape != tensor.shape:
            raise CheckpointError(
                f"expert {checkpoint_path} has another actor size than {EXPERT_TASK}'s agent config: '{name}' is "
                f"{tuple(saved[name].shape)} in the checkpoint but {tuple(tensor.shape)} in the config"
            )
    expert.load_state_dict(saved)
    expert.eval().requires_grad_(False)
    return expert.to(device)


def _input_output_sizes(actor_state: dict[str, torch.Tensor]) -> tuple[int, int]:
    """(observation size, output size) of an rsl_rl MLP actor, from its first and last linear layers."""
    weights = [tensor for name, tensor in actor_state.items() if name.startswith("mlp.") and tensor.dim() == 2]
    return weights[0].shape[1], weights[-1].shape[0]
