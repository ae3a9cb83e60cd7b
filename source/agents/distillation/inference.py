"""The distilled policy acting on a goal task from its prior, as rsl_rl inference policies are called by scripts."""

from __future__ import annotations

import torch
from tensordict import TensorDict

from interprior.agents.latent import LatentPolicy

from .inputs import PolicyInputReader


class PriorActor:
    """``actor(obs)`` gives the action (N, A) of ``policy`` on the prior path for a goal-task observation;
    ``actor.reset(dones)`` must follow every env step (it counts the episode steps and redraws eps of ended episodes).
    On a task with a ``task`` observation group a policy with task tokens is given each env's token.

    Args:
        policy: The trained policy, one eps row per env.
        deterministic: Decode the prior mean mu_p instead of a sample mu_p + sigma_p * eps.
    """

    def __init__(self, policy: LatentPolicy, deterministic: bool = True) -> None:
        self.policy = policy
        self.deterministic = deterministic
        self.reader = PolicyInputReader(policy.cfg, policy.num_envs, policy.eps.device)

    def __call__(self, obs: TensorDict) -> torch.Tensor:
        inputs = self.reader.read(obs)
        output = self.policy(
            inputs.history,
            inputs.history_valid,
            inputs.goals,
            inputs.goal_present,
            task_ids=inputs.task_ids if self.policy.cfg.num_task_tokens > 0 else None,
            deterministic=self.deterministic,
        )
        return output.action

    def reset(self, dones: torch.Tensor) -> None:
        """After a step: ``dones`` (N,) marks the envs whose episode ended with it."""
        self.reader.step(dones)
        if ended := dones.nonzero().flatten().tolist():
            self.policy.reset(ended)
