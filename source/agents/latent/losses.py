"""The Stage 2 distillation objective: L_total = L_ELBO + lambda_scale * L_scale + lambda_tc * L_tc.

L_ELBO = action imitation + w_rec * goal reconstruction + w_kl * KL(q_residual || p). The learner feeds pairs of
consecutive steps of the same env (a :class:`DistillationBatch`, every field shaped (B, 2, ...)), so the temporal
consistency term can compare the priors of adjacent steps; every other term uses all 2B steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import DistillationLossCfg
from .policy import LatentPolicy


def action_imitation_loss(action: torch.Tensor, expert_action: torch.Tensor) -> torch.Tensor:
    """Mean squared error between the policy's action means and the expert's, both (N, A)."""
    return (action - expert_action).square().mean()


def goal_reconstruction_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    given: torch.Tensor,
    target_valid: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean squared error over the goal entries the mask hid; entries given to the policy do not count.

    Args:
        prediction: (N, G, F) predicted goal features.
        target: (N, G, F) the unmasked goal features.
        given: (N, G, F) the goal mask, 1 where the entry was given to the policy.
        target_valid: (N, G) bool, False where the target frame is unusable (e.g. past the clip end).

    Returns:
        Scalar; 0 when nothing was hidden.
    """
    hidden = given < 0.5
    if target_valid is not None:
        hidden = hidden & target_valid.unsqueeze(-1)
    error = (prediction - target).square() * hidden
    return error.sum() / hidden.sum().clamp(min=1)


def diagonal_gaussian_kl(
    mu_q: torch.Tensor, log_sigma_q: torch.Tensor, mu_p: torch.Tensor, log_sigma_p: torch.Tensor
) -> torch.Tensor:
    """KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2)) of diagonal Gaussians (..., d_z), summed over d_z: (...)."""
    variance_ratio = (2.0 * (log_sigma_q - log_sigma_p)).exp()
    mean_term = (mu_q - mu_p).square() / (2.0 * log_sigma_p).exp()
    return 0.5 * (variance_ratio + mean_term - 1.0).sum(-1) + (log_sigma_p - log_sigma_q).sum(-1)


def scale_loss(prior_mu: torch.Tensor) -> torch.Tensor:
    """L_scale = mean over envs of (|mu_p| - 1)^2 for prior means (N, d_z)."""
    return (torch.linalg.vector_norm(prior_mu, dim=-1) - 1.0).square().mean()


def temporal_consistency_loss(prior_mu_pairs: torch.Tensor, pair_valid: torch.Tensor) -> torch.Tensor:
    """L_tc = mean squared difference of the prior means of adjacent steps.

    Args:
        prior_mu_pairs: (B, 2, d_z) prior means at steps t and t + 1 of the same env.
        pair_valid: (B,) bool, False where an episode reset lies between the two steps.

    Returns:
        Scalar; 0 when no pair is valid.
    """
    per_pair = (prior_mu_pairs[:, 1] - prior_mu_pairs[:, 0]).square().mean(-1)
    return (per_pair * pair_valid).sum() / pair_valid.sum().clamp(min=1)


@dataclass(frozen=True)
class DistillationBatch:
    """Pairs of consecutive steps (t, t + 1) of B envs, as stored by the learner; inputs as in :mod:`.policy`."""

    history: torch.Tensor
    """(B, 2, D, obs_dim)"""
    history_valid: torch.Tensor
    """(B, 2, D) bool"""
    goals: torch.Tensor
    """(B, 2, G, 2F + 1)"""
    goal_present: torch.Tensor
    """(B, 2, G) bool"""
    privileged: torch.Tensor
    """(B, 2, P); its first G*F entries are the unmasked goal features, the reconstruction target."""
    eps: torch.Tensor
    """(B, 2, d_z) the latent noise each step was taken with."""
    expert_action: torch.Tensor
    """(B, 2, A) the expert's action means."""
    pair_valid: torch.Tensor
    """(B,) bool, False where the episode was reset between the two steps."""
    task_ids: torch.Tensor | None = None
    """(B, 2) long, -1 for no task token."""
    target_valid: torch.Tensor | None = None
    """(B, 2, G) bool, False where a goal frame cannot serve as a reconstruction target."""


def distillation_loss(
    policy: LatentPolicy, batch: DistillationBatch, weights: DistillationLossCfg
) -> dict[str, torch.Tensor]:
    """Run ``policy`` on the posterior path over all 2B steps and return L_total and its parts.

    Returns:
        Scalars keyed "total", "imitation", "reconstruction", "kl", "scale", "temporal_consistency" (the
        unweighted parts and their weighted sum).
    """
    num_pairs = batch.pair_valid.shape[0]

    def steps(tensor: torch.Tensor | None) -> torch.Tensor | None:
        return None if tensor is None else tensor.flatten(0, 1)

    out = policy(
        steps(batch.history),
        steps(batch.history_valid),
        steps(batch.goals),
        steps(batch.goal_present),
        privileged=steps(batch.privileged),
        task_ids=steps(batch.task_ids),
        eps=steps(batch.eps),
    )
    features = policy.goal_feature_dim
    tokens = policy.num_goal_tokens
    goals = steps(batch.goals)
    target = steps(batch.privileged)[:, : tokens * features].view(-1, tokens, features)
    parts = {
        "imitation": action_imitation_loss(out.action, steps(batch.expert_action)),
        "reconstruction": goal_reconstruction_loss(
            out.goal_prediction, target, goals[..., features : 2 * features], steps(batch.target_valid)
        ),
        "kl": diagonal_gaussian_kl(out.posterior_mu, out.posterior_log_sigma, out.prior_mu, out.prior_log_sigma).mean(),
        "scale": scale_loss(out.prior_mu),
        "temporal_consistency": temporal_consistency_loss(out.prior_mu.view(num_pairs, 2, -1), batch.pair_valid),
    }
    parts["total"] = (
        parts["imitation"]
        + weights.reconstruction_weight * parts["reconstruction"]
        + weights.kl_weight * parts["kl"]
        + weights.scale_weight * parts["scale"]
        + weights.temporal_consistency_weight * parts["temporal_consistency"]
    )
    return parts
