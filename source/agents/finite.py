"""A guard between the environment and rsl_rl: non-finite observations and rewards never reach the update.

A world whose physics diverges is reset by the ``physics_diverged`` termination, but the values computed on the
step it diverged (its reward, and its observations when no termination catches the cause) may still be NaN or
infinite. :class:`FiniteVecEnvWrapper` replaces those entries with 0 and counts them for the training log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from tensordict import TensorDict

from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

NONFINITE_OBSERVATIONS_KEY = "Guard/nonfinite_observation_entries"
"""TensorBoard scalar: non-finite observation entries replaced per step (averaged over an iteration)."""

NONFINITE_REWARDS_KEY = "Guard/nonfinite_rewards"
"""TensorBoard scalar: non-finite rewards replaced per step (averaged over an iteration)."""


def _count_nonfinite(values: torch.Tensor) -> int:
    """How many entries of ``values`` are NaN or infinite."""
    return int((~torch.isfinite(values)).sum())


def _zero_nonfinite(values: torch.Tensor) -> torch.Tensor:
    """``values`` with NaN and infinite entries replaced by 0 (same shape)."""
    return torch.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


class FiniteVecEnvWrapper(RslRlVecEnvWrapper):
    """Isaac Lab's rsl_rl wrapper whose observations and rewards are always finite.

    Attributes:
        nonfinite_observations: Non-finite observation entries replaced since construction.
        nonfinite_rewards: Non-finite rewards replaced since construction.
    """

    def __init__(self, env: ManagerBasedRLEnv, clip_actions: float | None = None):
        self.nonfinite_observations = 0
        self.nonfinite_rewards = 0
        super().__init__(env, clip_actions)

    def reset(self) -> tuple[TensorDict, dict]:
        obs, extras = super().reset()
        return self._finite_observations(obs)[0], extras

    def get_observations(self) -> TensorDict:
        return self._finite_observations(super().get_observations())[0]

    def step(self, actions: torch.Tensor) -> tuple[TensorDict, torch.Tensor, torch.Tensor, dict]:
        """Step the env; observation groups (num_envs, dim) and rewards (num_envs,) come back finite."""
        obs, rewards, dones, extras = super().step(actions)
        obs, bad_observations = self._finite_observations(obs)
        bad_rewards = _count_nonfinite(rewards)
        if bad_rewards:
            rewards = _zero_nonfinite(rewards)
            self.nonfinite_rewards += bad_rewards
        guard_log = {NONFINITE_OBSERVATIONS_KEY: float(bad_observations), NONFINITE_REWARDS_KEY: float(bad_rewards)}
        extras = {**extras, "log": {**extras.get("log", {}), **guard_log}}
        return obs, rewards, dones, extras

    def _finite_observations(self, obs: TensorDict) -> tuple[TensorDict, int]:
        """``obs`` with non-finite entries set to 0, and how many there were."""
        bad = sum(_count_nonfinite(values) for values in obs.values(include_nested=True, leaves_only=True))
        if bad:
            obs = obs.apply(_zero_nonfinite)
            self.nonfinite_observations += bad
        return obs, bad
