"""The latent's statistics over a rollout, for the training logs (TensorBoard scalars ``Latent/...``)."""

from __future__ import annotations

from collections import defaultdict

from .policy import LatentPolicyOutput


class LatentStatistics:
    """Means over the policy steps of a rollout, per env and latent dimension:

    * ``Latent/prior_mean_norm``: |mu_p| (L_scale pulls it to 1);
    * ``Latent/prior_sigma``: the prior's standard deviation;
    * ``Latent/posterior_shift``: |mu_q|, how far the encoder moves the posterior from the prior (training path);
    * ``Latent/posterior_sigma``: sigma_q (training path).
    """

    def __init__(self) -> None:
        self._sums: dict[str, float] = defaultdict(float)
        self._counts: dict[str, int] = defaultdict(int)

    def add(self, output: LatentPolicyOutput) -> None:
        """Add one policy step's output."""
        values = {
            "Latent/prior_mean_norm": output.prior_mu.norm(dim=-1).mean(),
            "Latent/prior_sigma": output.prior_log_sigma.exp().mean(),
        }
        if output.posterior_mu is not None:
            values["Latent/posterior_shift"] = (output.posterior_mu - output.prior_mu).norm(dim=-1).mean()
            values["Latent/posterior_sigma"] = output.posterior_log_sigma.exp().mean()
        for key, value in values.items():
            self._sums[key] += float(value)
            self._counts[key] += 1

    def pop(self) -> dict[str, float]:
        """The means since the last call, then start over."""
        means = {key: total / self._counts[key] for key, total in self._sums.items()}
        self._sums.clear()
        self._counts.clear()
        return means
