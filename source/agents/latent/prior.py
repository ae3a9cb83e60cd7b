"""The InterPrior prior p(z | x_{t-D+1..t}, G_t): a Transformer over history, goal and task tokens.

Tokens, in order: one learnable readout token, D history tokens (oldest first), G goal tokens, and optionally one
task token. Each history and goal token is embedded by a small MLP plus a learnable per-slot embedding. Invalid
history steps, absent goal tokens and envs without a task are excluded with the Transformer's key padding mask,
so their contents cannot change the result. The readout token's output gives the Gaussian (mu_p, log sigma_p).
"""

from __future__ import annotations

import torch
from torch import nn

from rsl_rl.modules import MLP


class TransformerPrior(nn.Module):
    """Diagonal Gaussian over the latent z from recent observations and goal tokens.

    Args:
        obs_dim: Size of one (normalised) observation.
        goal_token_dim: Size of one goal token.
        history_length: D, history tokens per env.
        num_goal_tokens: G, goal tokens per env.
        latent_dim: d_z.
        num_task_tokens: Learnable task tokens to choose from per env; 0 for none.
        token_dim: Transformer width.
        num_heads: Attention heads.
        num_layers: Transformer layers.
        feedforward_dim: Feed-forward width inside each layer.
        log_sigma_range: Clamp (min, max) of the predicted log standard deviation.
    """

    def __init__(
        self,
        obs_dim: int,
        goal_token_dim: int,
        history_length: int,
        num_goal_tokens: int,
        latent_dim: int,
        num_task_tokens: int,
        token_dim: int,
        num_heads: int,
        num_layers: int,
        feedforward_dim: int,
        log_sigma_range: tuple[float, float],
    ) -> None:
        super().__init__()
        self.num_task_tokens = num_task_tokens
        self.log_sigma_range = log_sigma_range
        self.history_embedding = MLP(obs_dim, token_dim, [token_dim], activation="relu")
        self.goal_embedding = MLP(goal_token_dim, token_dim, [token_dim], activation="relu")
        self.history_slots = nn.Parameter(torch.zeros(history_length, token_dim))
        self.goal_slots = nn.Parameter(torch.zeros(num_goal_tokens, token_dim))
        self.readout_token = nn.Parameter(torch.zeros(token_dim))
        self.task_tokens = nn.Embedding(num_task_tokens, token_dim) if num_task_tokens > 0 else None
        for parameter in (self.history_slots, self.goal_slots, self.readout_token):
            nn.init.normal_(parameter, std=0.02)
        layer = nn.TransformerEncoderLayer(
            token_dim, num_heads, feedforward_dim, dropout=0.0, batch_first=True, norm_first=True
        )
        self.transformer = nn.TransformerEncoder(
            layer, num_layers, norm=nn.LayerNorm(token_dim), enable_nested_tensor=False
        )
        self.head = MLP(token_dim, 2 * latent_dim, [token_dim], activation="relu")

    def forward(
        self,
        history: torch.Tensor,
        history_valid: torch.Tensor,
        goals: torch.Tensor,
        goal_present: torch.Tensor,
        task_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu_p, log_sigma_p), each (N, d_z).

        Args:
            history: (N, D, obs_dim) normalised observations, oldest first.
            history_valid: (N, D) bool, False for steps before the episode start.
            goals: (N, G, goal_token_dim) goal tokens.
            goal_present: (N, G) bool, False for absent tokens.
            task_ids: (N,) long index of each env's task token, -1 for none; None means no env has one. Ignored when
                the prior has no task tokens (the policy rejects such ids).
        """
        num_envs = history.shape[0]
        readout = self.readout_token.expand(num_envs, 1, -1)
        tokens = [
            readout,
            self.history_embedding(history) + self.history_slots,
            self.goal_embedding(goals) + self.goal_slots,
        ]
        ignored = [
            torch.zeros(num_envs, 1, dtype=torch.bool, device=history.device),
            ~history_valid,
            ~goal_present,
        ]
        if self.task_tokens is not None:
            ids = torch.full((num_envs,), -1, dtype=torch.long, device=history.device) if task_ids is None else task_ids
            tokens.append(self.task_tokens(ids.clamp(min=0)).unsqueeze(1))
            ignored.append((ids < 0).unsqueeze(1))
        encoded = self.transformer(torch.cat(tokens, dim=1), src_key_padding_mask=torch.cat(ignored, dim=1))
        mu, log_sigma = self.head(encoded[:, 0]).chunk(2, dim=-1)
        return mu, log_sigma.clamp(*self.log_sigma_range)
