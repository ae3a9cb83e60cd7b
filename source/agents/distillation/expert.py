"""The Stage 1 expert as a frozen inference policy: the Track task's rsl_rl actor acting with its mean.

The expert is an rsl_rl PPO checkpoint of ``InterPrior-Track-v0`` (``model_<it>.pt``, or the run directory holding
it). Its actor is rebuilt from the Track task's registered agent config and reads the goal task's ``expert``
observation group, which is the Track task's ``policy`` group. Track's actions are PD targets relative to the
reference's joint angles; the goal tasks' are relative to the standing pose, so the expert's action in a goal task is
the ``expert_reference`` group (the action targeting the reference's joint angles) plus its residual, rescaled.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tensordict import TensorDict
from torch import nn

from isaaclab.envs import ManagerBasedRLEnvCfg

from rsl_rl.models import MLPModel
from rsl_rl.utils import resolve_class

from interprior.agents.checkpoints import CheckpointError, read_checkpoint, resolve_checkpoint
from interprior.agents.runner import load_task_configs

EXPERT_TASK = "InterPrior-Track-v0"
"""The task the expert was trained on."""

EXPERT_GROUP = "expert"
"""The goal tasks' observation group holding the expert's observation."""

EXPERT_REFERENCE_GROUP = "expert_reference"
"""The goal tasks' observation group holding the action whose PD targets are the reference's joint angles."""


class ExpertPolicy(nn.Module):
    """The Track actor's action means expressed in a goal task's joint position actions.

    Args:
        actor: The Track actor; ``actor(obs)`` reads ``obs[EXPERT_GROUP]`` and gives residuals (N, A).
        residual_gain: Track's action scale over the goal task's (both rad per action unit).
    """

    def __init__(self, actor: MLPModel, residual_gain: float) -> None:
        super().__init__()
        self.actor = actor
        self.residual_gain = residual_gain

    def forward(self, obs: TensorDict) -> torch.Tensor:
        """(N, A) goal-task actions whose PD targets are Track's targets for the expert's action means."""
        return obs[EXPERT_REFERENCE_GROUP] + self.residual_gain * self.actor(obs)


def load_expert(
    path: str | Path, obs: TensorDict, num_actions: int, env_cfg: ManagerBasedRLEnvCfg, device: str = "cpu"
) -> ExpertPolicy:
    """The expert of the checkpoint at ``path`` acting in a goal task, in eval mode and without gradients.

    Args:
        path: A Track checkpoint file or a run directory (its newest checkpoint is used).
        obs: One observation of the goal task; only the size of its ``expert`` group (N, obs_dim) is used.
        num_actions: The task's action size.
        env_cfg: The goal task's config; its ``actions.joint_pos`` scale converts Track's actions.
        device: Where the expert runs.

    Returns:
        A model whose call ``expert(obs)`` gives the goal task's actions (N, num_actions) for the expert's action
        means on ``obs[EXPERT_GROUP]``.

    Raises:
        CheckpointError: Nothing is at ``path``, the file is not a PPO checkpoint, or its actor has another
            architecture, observation size or action size than this task gives.
    """
    checkpoint_path = resolve_checkpoint(path)
    saved = read_checkpoint(checkpoint_path)["actor_state_dict"]
    track_cfg, agent_cfg = load_task_configs(EXPERT_TASK)
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
    policy = ExpertPolicy(expert, track_cfg.actions.joint_pos.scale / env_cfg.actions.joint_pos.scale)
    return policy.eval().requires_grad_(False).to(device)


def _input_output_sizes(actor_state: dict[str, torch.Tensor]) -> tuple[int, int]:
    """(observation size, output size) of an rsl_rl MLP actor, from its first and last linear layers."""
    weights = [tensor for name, tensor in actor_state.items() if name.startswith("mlp.") and tensor.dim() == 2]
    return weights[0].shape[1], weights[-1].shape[0]
