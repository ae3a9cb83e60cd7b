"""The fine-tuning critic: V(s) of the reinforcement-learning envs, an rsl_rl MLP."""

from __future__ import annotations

import torch
from torch import nn

from rsl_rl.modules import MLP

from interprior.agents.latent import LatentPolicyCfg


class Critic(nn.Module):
    """Value of a state from the policy's normalized current observation x_t, the goal tokens (absent ones zeroed)
    with their presence flags, and the task index.

    Args:
        policy_cfg: The policy's sizes (obs_dim, G goal tokens of size 2F + 1).
        hidden_dims: Hidden layers of the MLP.
    """

    def __init__(self, policy_cfg: LatentPolicyCfg, hidden_dims: list[int]) -> None:
        super().__init__()
        input_dim = policy_cfg.obs_dim + policy_cfg.num_goal_tokens * (policy_cfg.goal_token_dim + 1) + 1
        self.mlp = MLP(input_dim, 1, hidden_dims, activation="elu")

    def forward(
        self, current_obs: torch.Tensor, goals: torch.Tensor, goal_present: torch.Tensor, task_ids: torch.Tensor
    ) -> torch.Tensor:
        """(N, 1) values from ``current_obs`` (N, obs_dim) normalized, ``goals`` (N, G, 2F + 1), ``goal_present``
        (N, G) bool and ``task_ids`` (N,) long (-1 for none)."""
        present = goal_present.unsqueeze(-1)
        features = [current_obs, (goals * present).flatten(1), goal_present.float(), task_ids.float().unsqueeze(-1)]
        return self.mlp(torch.cat(features, dim=-1))
