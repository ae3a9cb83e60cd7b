"""The PPO pieces of the fine-tuning update, as rsl_rl's :class:`~rsl_rl.algorithms.PPO` computes them.

rsl_rl's PPO class drives an actor model that reads one observation TensorDict; the InterPrior policy reads a step
history, goal tokens, task ids and the episode's latent noise, so the runner keeps rsl_rl's rollout storage and
writes the three formulas of ``PPO.compute_returns`` and ``PPO.update`` here:

- GAE: delta_t = r_t + gamma (1 - d_t) V_{t+1} - V_t, A_t = delta_t + gamma lambda (1 - d_t) A_{t+1},
  R_t = A_t + V_t; the advantages are then normalized over the rollout.
- Loss: max(-A r, -A clip(r, 1 - eps, 1 + eps)) with r = pi / pi_old, plus c_v times the (clipped) value error,
  minus c_e times the entropy.
- Adaptive step size: divided by 1.5 when the policy KL exceeds 2 desired_kl, multiplied by 1.5 under half of it,
  within [min_learning_rate, max_learning_rate] (rsl_rl: [1e-5, 1e-2]).
"""

from __future__ import annotations

import torch

from rsl_rl.storage import RolloutStorage

from .config import FinetuneAlgorithmCfg


def compute_returns(storage: RolloutStorage, last_values: torch.Tensor, gamma: float, lam: float) -> None:
    """Fill ``storage.returns`` and the normalized ``storage.advantages`` (T, N, 1) by GAE; ``last_values`` (N, 1)
    are the values of the observation after the rollout."""
    advantage = torch.zeros_like(last_values)
    for step in reversed(range(storage.num_transitions_per_env)):
        next_values = last_values if step == storage.num_transitions_per_env - 1 else storage.values[step + 1]
        not_terminal = 1.0 - storage.dones[step].float()
        delta = storage.rewards[step] + not_terminal * gamma * next_values - storage.values[step]
        advantage = delta + not_terminal * gamma * lam * advantage
        storage.returns[step] = advantage + storage.values[step]
    advantages = storage.returns - storage.values
    storage.advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)


def ppo_loss(
    log_prob: torch.Tensor,
    entropy: torch.Tensor,
    values: torch.Tensor,
    batch: RolloutStorage.Batch,
    cfg: FinetuneAlgorithmCfg,
) -> dict[str, torch.Tensor]:
    """The PPO loss of one mini-batch of B transitions.

    Args:
        log_prob: (B,) log-probability of the stored actions under the current policy.
        entropy: (B,) entropy of the current action distribution.
        values: (B, 1) current value estimates.
        batch: The mini-batch from :meth:`RolloutStorage.mini_batch_generator`.
        cfg: Clip, coefficients.

    Returns:
        Scalars "ppo" (the weighted sum), "surrogate", "value" and "entropy".
    """
    advantages = batch.advantages.squeeze(-1)
    ratio = torch.exp(log_prob - batch.old_actions_log_prob.squeeze(-1))
    clipped_ratio = ratio.clamp(1.0 - cfg.clip_param, 1.0 + cfg.clip_param)
    surrogate = torch.max(-advantages * ratio, -advantages * clipped_ratio).mean()
    value_error = (values - batch.returns).square()
    if cfg.use_clipped_value_loss:
        clipped_values = batch.values + (values - batch.values).clamp(-cfg.clip_param, cfg.clip_param)
        value_error = torch.max(value_error, (clipped_values - batch.returns).square())
    value = value_error.mean()
    total = surrogate + cfg.value_loss_coef * value - cfg.entropy_coef * entropy.mean()
    return {"ppo": total, "surrogate": surrogate, "value": value, "entropy": entropy.mean()}


def adapted_learning_rate(learning_rate: float, kl: float, cfg: FinetuneAlgorithmCfg) -> float:
    """The step size after a mini-batch whose mean policy KL(old || new) is ``kl`` (unchanged for a fixed schedule)."""
    if cfg.schedule != "adaptive":
        return learning_rate
    if kl > 2.0 * cfg.desired_kl:
        return max(cfg.min_learning_rate, learning_rate / 1.5)
    if 0.0 < kl < 0.5 * cfg.desired_kl:
        return min(cfg.max_learning_rate, learning_rate * 1.5)
    return learning_rate
