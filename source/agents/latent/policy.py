"""The Stage 2 InterPrior policy: prior, residual encoder, decoder and the per-episode latent noise.

Interface (per env, per step; N envs, D history steps, G = H + 1 goal tokens, F goal features, P privileged size):

- ``history`` (N, D, obs_dim): observations x_{t-D+1..t}, oldest first; ``history_valid`` (N, D) bool, False
  for steps before the episode start. The last step is x_t.
- ``goals`` (N, G, 2F + 1): tokens [masked residual (F), mask (F), time-to-goal in s (1)], H previews then the
  snapshot; ``goal_present`` (N, G) bool, False for an absent token.
- ``privileged`` (N, P): the unmasked residuals of the G goal frames, flattened (G, F) -> G*F by default; training
  only. Passing it selects the training path, passing None the inference path (the encoder is not run).
- ``task_ids`` (N,) long: each env's task token (0 .. num_task_tokens - 1), -1 for none; optional.
- ``eps`` (N, d_z): the latent noise; None uses the policy's per-env buffer, which :meth:`LatentPolicy.reset` redraws
  for the envs whose episode restarts. A learner replaying stored steps passes the eps stored with them.

Training: z = (mu_p + mu_q) + sigma_q * eps (the residual posterior N(mu_p + mu_q, Sigma_q)). Inference:
z = mu_p + sigma_p * eps, or mu_p when deterministic. The decoder sees z / |z|; the returned Gaussians are the ones
before that projection, for the KL. Observations are normalised with running statistics (updated only by
:meth:`LatentPolicy.update_normalization`) and clipped; goals and privileged inputs are residuals and are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional

from rsl_rl.modules import MLP, EmpiricalNormalization

from .config import LatentPolicyCfg
from .prior import TransformerPrior


@dataclass(frozen=True)
class LatentPolicyOutput:
    """What one policy step computes; the posterior fields and ``goal_prediction`` are None at inference."""

    action: torch.Tensor
    """(N, action_dim) action mean."""
    z: torch.Tensor
    """(N, d_z) unit-norm latent given to the decoder."""
    prior_mu: torch.Tensor
    """(N, d_z) mu_p."""
    prior_log_sigma: torch.Tensor
    """(N, d_z) log standard deviation of the prior."""
    posterior_mu: torch.Tensor | None
    """(N, d_z) mu_p + mu_q, the residual posterior's mean."""
    posterior_log_sigma: torch.Tensor | None
    """(N, d_z) log sigma_q."""
    goal_prediction: torch.Tensor | None
    """(N, G, F) the goal features of every token, predicted from z and x_t."""


class LatentPolicy(nn.Module):
    """Goal-conditioned variational policy (prior, encoder, decoder, goal reconstruction head).

    Args:
        cfg: Sizes; ``obs_dim`` and ``action_dim`` must be set.
        num_envs: Rows of the per-episode noise buffer ``eps``.
        device: Where parameters and buffers live.
    """

    def __init__(self, cfg: LatentPolicyCfg, num_envs: int, device: str | torch.device = "cpu") -> None:
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.num_goal_tokens = cfg.num_goal_tokens
        self.goal_feature_dim = cfg.goal_feature_dim
        self.privileged_dim = cfg.resolved_privileged_dim
        self.obs_normalizer = EmpiricalNormalization(cfg.obs_dim)
        self.prior = TransformerPrior(
            obs_dim=cfg.obs_dim,
            goal_token_dim=cfg.goal_token_dim,
            history_length=cfg.history_length,
            num_goal_tokens=cfg.num_goal_tokens,
            latent_dim=cfg.latent_dim,
            num_task_tokens=cfg.num_task_tokens,
            token_dim=cfg.token_dim,
            num_heads=cfg.num_heads,
            num_layers=cfg.num_layers,
            feedforward_dim=cfg.feedforward_dim,
            log_sigma_range=cfg.log_sigma_range,
        )
        encoder_input = cfg.obs_dim + cfg.num_goal_tokens * (cfg.goal_token_dim + 1) + self.privileged_dim
        self.encoder = MLP(encoder_input, 2 * cfg.latent_dim, cfg.encoder_hidden_dims, activation="relu")
        decoder_input = cfg.history_length * (cfg.obs_dim + 1) + cfg.latent_dim
        self.decoder = MLP(decoder_input, cfg.action_dim, cfg.decoder_hidden_dims, activation="relu")
        self.goal_head = MLP(
            cfg.latent_dim + cfg.obs_dim,
            (cfg.num_goal_tokens, cfg.goal_feature_dim),
            cfg.goal_head_hidden_dims,
            activation="relu",
        )
        self.register_buffer("eps", torch.zeros(num_envs, cfg.latent_dim), persistent=False)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.to(device)
        self.reset()

    @property
    def num_envs(self) -> int:
        """Rows of the per-episode noise buffer."""
        return self.eps.shape[0]

    def reset(self, env_ids: Sequence[int] | torch.Tensor | None = None, seeds: Sequence[int] | None = None) -> None:
        """Redraw the latent noise eps ~ N(0, I) of ``env_ids`` (all envs if None); others keep theirs. Drawn from the
        policy's generator, or with ``seeds`` (one per env of ``env_ids``) each env's from a generator of its seed."""
        rows = torch.arange(self.num_envs) if env_ids is None else torch.as_tensor(env_ids, dtype=torch.long).cpu()
        if seeds is None:
            noise = torch.randn(len(rows), self.cfg.latent_dim, generator=self.generator)
        else:
            if len(seeds) != len(rows):
                raise ValueError(f"{len(seeds)} seeds for the latent noise of {len(rows)} envs")
            generators = [torch.Generator().manual_seed(seed) for seed in seeds]
            noise = torch.stack([torch.randn(self.cfg.latent_dim, generator=generator) for generator in generators])
        self.eps[rows.to(self.eps.device)] = noise.to(self.eps.device)

    def update_normalization(self, history: torch.Tensor, history_valid: torch.Tensor) -> None:
        """Add the valid steps of ``history`` (N, D, obs_dim) to the running observation statistics (training mode)."""
        self.obs_normalizer.update(history[history_valid])

    def forward(
        self,
        history: torch.Tensor,
        history_valid: torch.Tensor,
        goals: torch.Tensor,
        goal_present: torch.Tensor,
        privileged: torch.Tensor | None = None,
        task_ids: torch.Tensor | None = None,
        eps: torch.Tensor | None = None,
        deterministic: bool = False,
    ) -> LatentPolicyOutput:
        """One policy step: the posterior path when ``privileged`` is given, else the prior path (see module doc).

        Raises:
            ValueError: An input has the wrong shape or dtype (the message names it).
        """
        self._check_inputs(history, history_valid, goals, goal_present, privileged, task_ids, eps)
        obs = self.obs_normalizer(history).clamp(-self.cfg.obs_clip, self.cfg.obs_clip)
        obs = obs * history_valid.unsqueeze(-1)
        prior_mu, prior_log_sigma = self.prior(obs, history_valid, goals, goal_present, task_ids)
        noise = self.eps if eps is None else eps
        current = obs[:, -1]
        posterior_mu = posterior_log_sigma = goal_prediction = None
        if privileged is None:
            z = prior_mu if deterministic else prior_mu + prior_log_sigma.exp() * noise
        else:
            present = goal_present.unsqueeze(-1)
            encoder_input = torch.cat(
                [current, (goals * present).flatten(1), goal_present.float(), privileged], dim=-1
            )
            encoder_mu, encoder_log_sigma = self.encoder(encoder_input).chunk(2, dim=-1)
            posterior_mu = prior_mu + encoder_mu
            posterior_log_sigma = encoder_log_sigma.clamp(*self.cfg.log_sigma_range)
            z = posterior_mu if deterministic else posterior_mu + posterior_log_sigma.exp() * noise
        z_unit = functional.normalize(z, dim=-1, eps=1e-6)
        action = self.decoder(torch.cat([obs.flatten(1), history_valid.float(), z_unit], dim=-1))
        if privileged is not None:
            goal_prediction = self.goal_head(torch.cat([z_unit, current], dim=-1))
        return LatentPolicyOutput(
            action, z_unit, prior_mu, prior_log_sigma, posterior_mu, posterior_log_sigma, goal_prediction
        )

    def _check_inputs(
        self,
        history: torch.Tensor,
        history_valid: torch.Tensor,
        goals: torch.Tensor,
        goal_present: torch.Tensor,
        privileged: torch.Tensor | None,
        task_ids: torch.Tensor | None,
        eps: torch.Tensor | None,
    ) -> None:
        cfg = self.cfg
        n = history.shape[0]
        expected = {
            "history": (history, (n, cfg.history_length, cfg.obs_dim)),
            "history_valid": (history_valid, (n, cfg.history_length)),
            "goals": (goals, (n, cfg.num_goal_tokens, cfg.goal_token_dim)),
            "goal_present": (goal_present, (n, cfg.num_goal_tokens)),
            "privileged": (privileged, (n, self.privileged_dim)),
            "task_ids": (task_ids, (n,)),
            "eps": (eps if eps is not None else self.eps, (n, cfg.latent_dim)),
        }
        for name, (tensor, shape) in expected.items():
            if tensor is not None and tuple(tensor.shape) != shape:
                hint = " (the eps buffer has one row per env; pass eps for other sizes)" if name == "eps" else ""
                got = tuple(tensor.shape)
                raise ValueError(f"LatentPolicy.forward: {name} has shape {got}, expected {shape}{hint}")
        for name, tensor in (("history_valid", history_valid), ("goal_present", goal_present)):
            if tensor.dtype != torch.bool:
                raise ValueError(f"LatentPolicy.forward: {name} must be a bool mask, got {tensor.dtype}")
        if task_ids is not None and bool((task_ids >= cfg.num_task_tokens).any()):
            raise ValueError(
                f"LatentPolicy.forward: task_ids must be -1 or below num_task_tokens = {cfg.num_task_tokens}"
            )
