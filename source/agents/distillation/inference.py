"""The distilled policy acting on a goal task from its prior, as rsl_rl inference policies are called by scripts."""

from __future__ import annotations

from collections.abc import Callable

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
        noise_seeds: Gives, for a list of env ids whose episodes begin, the seed of each one's latent noise; None
            draws the noise from the policy's generator.
    """

    def __init__(
        self,
        policy: LatentPolicy,
        deterministic: bool = True,
        noise_seeds: Callable[[list[int]], list[int]] | None = None,
    ) -> None:
        self.policy = policy
        self.deterministic = deterministic
        self.noise_seeds = noise_seeds
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
            self.policy.reset(ended, seeds=None if self.noise_seeds is None else self.noise_seeds(ended))
