"""Sizes and loss weights of the Stage 2 InterPrior policy (prior, encoder, decoder) and its distillation loss.

The paper gives the MLP sizes (1024, 1024, 512) and a 4-layer Transformer prior; it does not publish the latent
size, history length D, preview length H or the loss weights. Our choices for those are marked "ours" below
(latent size 64 follows MaskedMimic).
"""

from __future__ import annotations

from dataclasses import MISSING

from isaaclab.utils import configclass


@configclass
class DistillationLossCfg:
    """Weights of L_total = imitation + w_rec * reconstruction + w_kl * KL + lambda_scale * L_scale + lambda_tc * L_tc.

    All weights are ours. The runner may schedule ``kl_weight`` (MaskedMimic raises it from 1e-4 to 1e-2).
    """

    reconstruction_weight: float = 0.1
    """w_rec, on the mean squared error of the goal entries hidden by the mask."""

    kl_weight: float = 0.01
    """w_kl, on KL(q_residual || p) summed over latent dimensions and averaged over samples."""

    scale_weight: float = 0.1
    """lambda_scale, on (|mu_p| - 1)^2."""

    temporal_consistency_weight: float = 0.1
    """lambda_tc, on the mean squared difference of the prior means of adjacent steps."""


@configclass
class LatentPolicyCfg:
    """Sizes of :class:`~interprior.agents.latent.policy.LatentPolicy`.

    ``obs_dim`` and ``action_dim`` come from the environment and must be set before building the policy.
    """

    obs_dim: int = MISSING
    """Size of one observation x_t (humanoid + object + distances + contacts)."""

    action_dim: int = MISSING
    """Size of one action (joint position targets)."""

    goal_feature_dim: int = 174
    """F: per-frame goal features: body positions 24*3, body rotation vectors 24*3, object position and rotation
    3 + 3, body-object contact labels 24. A goal token is [masked residual (F), mask (F), time-to-goal (1)]."""

    history_length: int = 5
    """D: observations x_{t-D+1..t} seen by the prior and decoder (ours)."""

    preview_length: int = 5
    """H: short-horizon preview frames; the goal tokens are H previews + 1 snapshot (ours)."""

    privileged_dim: int | None = None
    """P: size of the encoder's privileged input; None means (H + 1) * F, the unmasked residuals of every goal frame."""

    latent_dim: int = 64
    """d_z (ours, as MaskedMimic)."""

    num_task_tokens: int = 0
    """Learnable task tokens the prior can attend to (e.g. 1 for get-up); 0 disables them."""

    token_dim: int = 256
    """Width of the prior's Transformer tokens (ours)."""

    num_heads: int = 4
    """Attention heads per Transformer layer (ours, as MaskedMimic)."""

    num_layers: int = 4
    """Transformer layers of the prior (paper)."""

    feedforward_dim: int = 1024
    """Hidden width of each Transformer layer's feed-forward block (ours, as MaskedMimic)."""

    encoder_hidden_dims: list[int] = [1024, 1024, 512]
    """Hidden layers of the encoder MLP q (paper)."""

    decoder_hidden_dims: list[int] = [1024, 1024, 512]
    """Hidden layers of the decoder MLP f (paper)."""

    goal_head_hidden_dims: list[int] = [512, 512]
    """Hidden layers of the goal reconstruction head (ours)."""

    log_sigma_range: tuple[float, float] = (-5.0, 2.0)
    """Clamp of every predicted log standard deviation, for numerical safety."""

    obs_clip: float = 5.0
    """Normalised observations are clipped to +-obs_clip (the paper's bounded observations)."""

    seed: int = 0
    """Seed of the generator drawing the per-episode latent noise eps."""

    loss: DistillationLossCfg = DistillationLossCfg()
    """Loss weights."""

    @property
    def num_goal_tokens(self) -> int:
        """G = H preview tokens + 1 snapshot token."""
        return self.preview_length + 1

    @property
    def goal_token_dim(self) -> int:
        """Size of one goal token: [masked residual (F), mask (F), time-to-goal (1)]."""
        return 2 * self.goal_feature_dim + 1

    @property
    def resolved_privileged_dim(self) -> int:
        """P, with None resolved to (H + 1) * F."""
        return self.num_goal_tokens * self.goal_feature_dim if self.privileged_dim is None else self.privileged_dim
