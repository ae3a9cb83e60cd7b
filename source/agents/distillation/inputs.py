"""The goal tasks' observation groups as :class:`~interprior.agents.latent.LatentPolicy` inputs.

The env gives ``history`` (N, D * obs_dim) time-major, ``goals`` (N, G * (2F + 1) + G) as tokens then presence
flags, and ``privileged`` (N, G * F); the Stage 3 tasks add ``task`` (N, 1), the task token index. Isaac Lab
fills a fresh episode's history with copies of its first observation, so :class:`PolicyInputReader` counts the
steps since each env's reset to mark which history steps belong to the current episode.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tensordict import TensorDict

from isaaclab.envs import ManagerBasedRLEnvCfg

from interprior.agents.latent import LatentPolicyCfg

GOAL_COMMAND = "goal"
"""Name of the sparse-goal command term in the goal tasks."""

TASK_GROUP = "task"
"""Observation group of the Stage 3 tasks holding each env's task token index (N, 1), as a float."""


@dataclass(frozen=True)
class PolicyInputs:
    """One step of policy inputs for N envs (shapes as in :mod:`interprior.agents.latent.policy`)."""

    history: torch.Tensor
    """(N, D, obs_dim)"""
    history_valid: torch.Tensor
    """(N, D) bool"""
    goals: torch.Tensor
    """(N, G, 2F + 1)"""
    goal_present: torch.Tensor
    """(N, G) bool"""
    privileged: torch.Tensor
    """(N, G * F)"""
    task_ids: torch.Tensor | None = None
    """(N,) long task token index, -1 for none; None when the task has no ``task`` observation group."""


def fit_policy_to_env(policy_cfg: LatentPolicyCfg, env_cfg: ManagerBasedRLEnvCfg, obs: TensorDict, num_actions: int):
    """Set the sizes of ``policy_cfg`` that the env determines, from its config and one observation ``obs``.

    Raises:
        ValueError: An observation group is missing or its size does not match the goal command's frame count.
    """
    missing = [group for group in ("history", "goals", "privileged", "expert") if group not in obs.keys()]
    if missing:
        raise ValueError(f"the task has no observation group {', '.join(missing)}; distillation needs a goal task")
    history_length = env_cfg.observations.history.history_length
    num_tokens = getattr(env_cfg.commands, GOAL_COMMAND).preview_frames + 1
    privileged_dim = obs["privileged"].shape[-1]
    feature_dim = privileged_dim // num_tokens
    goals_dim = obs["goals"].shape[-1]
    if feature_dim * num_tokens != privileged_dim or goals_dim != num_tokens * (2 * feature_dim + 2):
        raise ValueError(
            f"observation groups 'goals' ({goals_dim}) and 'privileged' ({privileged_dim}) do not hold "
            f"{num_tokens} goal frames (preview_frames + 1) of equal feature size"
        )
    policy_cfg.obs_dim = obs["history"].shape[-1] // history_length
    policy_cfg.action_dim = num_actions
    policy_cfg.history_length = history_length
    policy_cfg.preview_length = num_tokens - 1
    policy_cfg.goal_feature_dim = feature_dim
    policy_cfg.privileged_dim = privileged_dim


class PolicyInputReader:
    """Splits goal-task observations into :class:`PolicyInputs` and tracks each env's steps since its reset.

    Args:
        policy_cfg: Sizes, as set by :func:`fit_policy_to_env`.
        num_envs: N.
        device: Where the step counters live.
    """

    def __init__(self, policy_cfg: LatentPolicyCfg, num_envs: int, device: str | torch.device) -> None:
        self.cfg = policy_cfg
        self.steps_since_reset = torch.zeros(num_envs, dtype=torch.long, device=device)

    def read(self, obs: TensorDict) -> PolicyInputs:
        """The policy inputs of the observation ``obs`` taken after the last :meth:`step`."""
        cfg = self.cfg
        num_envs, tokens = obs["goals"].shape[0], cfg.num_goal_tokens
        goals = obs["goals"]
        age = torch.arange(cfg.history_length - 1, -1, -1, device=self.steps_since_reset.device)
        return PolicyInputs(
            history=obs["history"].view(num_envs, cfg.history_length, cfg.obs_dim),
            history_valid=age.unsqueeze(0) <= self.steps_since_reset.unsqueeze(1),
            goals=goals[:, : tokens * cfg.goal_token_dim].view(num_envs, tokens, cfg.goal_token_dim),
            goal_present=goals[:, tokens * cfg.goal_token_dim :] > 0.5,
            privileged=obs["privileged"],
            task_ids=obs["task"][:, 0].round().long() if TASK_GROUP in obs.keys() else None,
        )

    def step(self, dones: torch.Tensor) -> None:
        """Count one env step; envs with ``dones`` (N,) set start a new episode."""
        self.steps_since_reset = torch.where(dones.bool(), 0, self.steps_since_reset + 1)
