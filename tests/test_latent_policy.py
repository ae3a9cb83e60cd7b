"""The Stage 2 latent policy and its distillation loss, on small sizes and synthetic inputs (CPU, no simulation)."""

from __future__ import annotations

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from interprior.agents.latent import DistillationBatch, LatentPolicy, LatentPolicyCfg, distillation_loss
from interprior.agents.latent.losses import (
    diagonal_gaussian_kl,
    goal_reconstruction_loss,
    scale_loss,
    temporal_consistency_loss,
)

NUM_ENVS = 6


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    """These networks are tiny: one thread is several times faster than two on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small_cfg(**overrides) -> LatentPolicyCfg:
    sizes = dict(
        obs_dim=12,
        action_dim=5,
        goal_feature_dim=7,
        history_length=3,
        preview_length=2,
        latent_dim=8,
        token_dim=32,
        num_heads=2,
        feedforward_dim=64,
        encoder_hidden_dims=[64, 64, 32],
        decoder_hidden_dims=[64, 64, 32],
        goal_head_hidden_dims=[32],
    )
    sizes.update(overrides)
    return LatentPolicyCfg(**sizes)


def make_inputs(cfg: LatentPolicyCfg, num: int = NUM_ENVS, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random policy inputs with some steps before the episode start and some absent goal tokens."""
    gen = torch.Generator().manual_seed(seed)
    tokens, features = cfg.num_goal_tokens, cfg.goal_feature_dim
    full = torch.randn(num, tokens, features, generator=gen)
    mask = (torch.rand(num, tokens, features, generator=gen) < 0.5).float()
    time_to_goal = torch.rand(num, tokens, 1, generator=gen)
    history_valid = torch.ones(num, cfg.history_length, dtype=torch.bool)
    history_valid[0, :-1] = False  # env 0 just started
    goal_present = torch.ones(num, tokens, dtype=torch.bool)
    goal_present[1, :-1] = False  # env 1 has only its snapshot
    return {
        "history": torch.randn(num, cfg.history_length, cfg.obs_dim, generator=gen),
        "history_valid": history_valid,
        "goals": torch.cat([mask * full, mask, time_to_goal], dim=-1),
        "goal_present": goal_present,
        "privileged": full.flatten(1),
    }


@pytest.fixture(scope="module")
def policy() -> LatentPolicy:
    torch.manual_seed(0)
    return LatentPolicy(small_cfg(), num_envs=NUM_ENVS).eval()


def test_latent_has_unit_norm_on_both_paths(policy):
    inputs = make_inputs(policy.cfg)
    with torch.no_grad():
        for privileged in (inputs["privileged"], None):
            out = policy(**{**inputs, "privileged": privileged})
            torch.testing.assert_close(out.z.norm(dim=-1), torch.ones(NUM_ENVS))


def test_eps_is_constant_within_an_episode_and_redrawn_only_for_reset_envs(policy):
    inputs = make_inputs(policy.cfg)
    with torch.no_grad():
        first = policy(**inputs).z
        eps_before = policy.eps.clone()
        second = policy(**inputs).z
    torch.testing.assert_close(first, second, rtol=0, atol=0)
    torch.testing.assert_close(policy.eps, eps_before, rtol=0, atol=0)

    policy.reset([1, 4])
    changed = (policy.eps != eps_before).all(dim=-1)
    assert changed.tolist() == [False, True, False, False, True, False]
    with torch.no_grad():
        third = policy(**inputs).z
    assert not torch.allclose(third[[1, 4]], first[[1, 4]])
    torch.testing.assert_close(third[[0, 2, 3, 5]], first[[0, 2, 3, 5]], rtol=0, atol=0)


def test_eps_is_seeded_and_not_part_of_the_checkpoint():
    first, second = LatentPolicy(small_cfg(seed=3), NUM_ENVS), LatentPolicy(small_cfg(seed=3), NUM_ENVS)
    torch.testing.assert_close(first.eps, second.eps, rtol=0, atol=0)
    assert "eps" not in first.state_dict()
    LatentPolicy(small_cfg(), num_envs=2).load_state_dict(first.state_dict())  # any env count loads it


def test_latent_noise_drawn_from_seeds_depends_on_each_envs_seed_alone():
    cfg = small_cfg()
    policy = LatentPolicy(cfg, num_envs=3)
    before = policy.eps.clone()
    policy.reset([2, 0], seeds=[11, 7])
    expected = [torch.randn(cfg.latent_dim, generator=torch.Generator().manual_seed(seed)) for seed in (7, 11)]
    torch.testing.assert_close(policy.eps[0], expected[0])
    torch.testing.assert_close(policy.eps[2], expected[1])
    torch.testing.assert_close(policy.eps[1], before[1])
    with pytest.raises(ValueError, match="1 seeds for the latent noise of 2 envs"):
        policy.reset([0, 1], seeds=[3])


def test_inference_uses_the_prior_only(policy):
    inputs = make_inputs(policy.cfg)
    encoder_calls = []
    hook = policy.encoder.register_forward_hook(lambda *args: encoder_calls.append(1))
    try:
        with torch.no_grad():
            sampled = policy(**{**inputs, "privileged": None})
            mean = policy(**{**inputs, "privileged": None}, deterministic=True)
        assert encoder_calls == []
        assert sampled.posterior_mu is None and sampled.goal_prediction is None
        expected = sampled.prior_mu + sampled.prior_log_sigma.exp() * policy.eps
        torch.testing.assert_close(sampled.z, torch.nn.functional.normalize(expected, dim=-1))
        torch.testing.assert_close(mean.z, torch.nn.functional.normalize(mean.prior_mu, dim=-1))

        with torch.no_grad():
            trained = policy(**inputs)
        assert encoder_calls == [1]
    finally:
        hook.remove()
    posterior = trained.posterior_mu + trained.posterior_log_sigma.exp() * policy.eps
    torch.testing.assert_close(trained.z, torch.nn.functional.normalize(posterior, dim=-1))
    torch.testing.assert_close(trained.prior_mu, sampled.prior_mu)


def test_padded_tokens_do_not_change_the_prior(policy):
    inputs = make_inputs(policy.cfg)
    with torch.no_grad():
        reference = policy(**inputs).prior_mu
        scrambled = {key: value.clone() for key, value in inputs.items()}
        scrambled["history"][0, :-1] = 1e3 * torch.randn_like(scrambled["history"][0, :-1])
        scrambled["goals"][1, :-1] = 1e3 * torch.randn_like(scrambled["goals"][1, :-1])
        torch.testing.assert_close(policy(**scrambled).prior_mu, reference)

        visible = {key: value.clone() for key, value in inputs.items()}
        visible["history"][2, 0] += 1.0
        visible["goals"][3, 0] += 1.0
        changed = (policy(**visible).prior_mu - reference).abs().amax(dim=-1) > 1e-5
    assert changed.tolist() == [False, False, True, True, False, False]


def test_task_tokens_are_chosen_per_env():
    torch.manual_seed(0)
    policy = LatentPolicy(small_cfg(num_task_tokens=2), NUM_ENVS).eval()
    inputs = make_inputs(policy.cfg)
    with torch.no_grad():
        none = policy(**inputs).prior_mu
        ids = torch.tensor([-1, 0, 1, -1, 0, 1])
        chosen = policy(**inputs, task_ids=ids).prior_mu
    torch.testing.assert_close(chosen[ids < 0], none[ids < 0])
    assert not torch.allclose(chosen[1], none[1]) and not torch.allclose(chosen[1], chosen[2])
    with pytest.raises(ValueError, match="task_ids"):
        policy(**inputs, task_ids=torch.full((NUM_ENVS,), 2))


def test_bad_inputs_are_named(policy):
    inputs = make_inputs(policy.cfg)
    with pytest.raises(ValueError, match="goals has shape"):
        policy(**{**inputs, "goals": inputs["goals"][:, :, :-1]})
    with pytest.raises(ValueError, match="history_valid must be a bool"):
        policy(**{**inputs, "history_valid": inputs["history_valid"].float()})
    with pytest.raises(ValueError, match="eps has shape"):
        policy(**make_inputs(policy.cfg, num=NUM_ENVS + 1))
    with pytest.raises(TypeError, match="obs_dim"):
        LatentPolicy(LatentPolicyCfg(action_dim=3), NUM_ENVS)


def test_normalization_learns_from_valid_steps_only(policy):
    fresh = LatentPolicy(small_cfg(), NUM_ENVS).train()
    history = torch.full((4, 3, 12), 2.0)
    valid = torch.ones(4, 3, dtype=torch.bool)
    history[:, 0], valid[:, 0] = 1e6, False
    fresh.update_normalization(history, valid)
    torch.testing.assert_close(fresh.obs_normalizer.mean, torch.full((12,), 2.0))


def test_temporal_consistency_is_zero_for_identical_priors():
    mu = torch.randn(5, 1, 8).expand(5, 2, 8)
    valid = torch.ones(5, dtype=torch.bool)
    assert temporal_consistency_loss(mu, valid).item() == 0.0
    moved = mu.clone()
    moved[:, 1] += 0.5
    torch.testing.assert_close(temporal_consistency_loss(moved, valid), torch.tensor(0.25))
    across_reset = mu.clone()
    across_reset[2, 1] += 100.0
    valid[2] = False
    assert temporal_consistency_loss(across_reset, valid).item() == 0.0


def test_scale_is_zero_for_unit_norm_means():
    unit = torch.nn.functional.normalize(torch.randn(7, 8), dim=-1)
    assert scale_loss(unit).item() < 1e-12
    torch.testing.assert_close(scale_loss(3.0 * unit), torch.tensor(4.0))


def test_kl_matches_torch_distributions():
    gen = torch.Generator().manual_seed(1)
    mu_q, mu_p, log_q, log_p = (torch.randn(4, 8, generator=gen) for _ in range(4))
    assert diagonal_gaussian_kl(mu_p, log_p, mu_p, log_p).abs().max().item() < 1e-6
    ours = diagonal_gaussian_kl(mu_q, log_q, mu_p, log_p)
    reference = kl_divergence(Normal(mu_q, log_q.exp()), Normal(mu_p, log_p.exp())).sum(-1)
    torch.testing.assert_close(ours, reference)
    assert (ours > 0).all()


def test_reconstruction_counts_only_hidden_entries():
    target = torch.zeros(2, 3, 4)
    given = torch.zeros(2, 3, 4)
    given[:, :, :2] = 1.0
    prediction = torch.zeros(2, 3, 4)
    prediction[:, :, :2] = 10.0  # wrong only where the goal was given
    assert goal_reconstruction_loss(prediction, target, given).item() == 0.0
    prediction[0, 0, 3] = 2.0  # one hidden entry off by 2, out of 12 hidden entries
    torch.testing.assert_close(goal_reconstruction_loss(prediction, target, given), torch.tensor(4.0 / 12))
    target_valid = torch.ones(2, 3, dtype=torch.bool)
    target_valid[0, 0] = False
    assert goal_reconstruction_loss(prediction, target, given, target_valid).item() == 0.0
    assert goal_reconstruction_loss(prediction, target, torch.ones_like(given)).item() == 0.0


def make_batch(policy: LatentPolicy, num_pairs: int) -> DistillationBatch:
    """Pairs of steps whose expert action is a fixed random linear map of the current observation."""
    steps = make_inputs(policy.cfg, num=2 * num_pairs, seed=1)
    expert_map = torch.randn(policy.cfg.obs_dim, policy.cfg.action_dim, generator=torch.Generator().manual_seed(2))
    expert_action = 0.3 * steps["history"][:, -1] @ expert_map
    eps = torch.randn(num_pairs, 1, policy.cfg.latent_dim).expand(num_pairs, 2, -1)
    pair_valid = torch.ones(num_pairs, dtype=torch.bool)
    pair_valid[::4] = False

    def pairs(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.view(num_pairs, 2, *tensor.shape[1:])

    return DistillationBatch(
        **{key: pairs(value) for key, value in steps.items()},
        eps=eps,
        expert_action=pairs(expert_action),
        pair_valid=pair_valid,
    )


def test_loss_parts_sum_to_the_total(policy):
    batch = make_batch(policy, num_pairs=8)
    with torch.no_grad():
        parts = distillation_loss(policy, batch, policy.cfg.loss)
    assert set(parts) == {"total", "imitation", "reconstruction", "kl", "scale", "temporal_consistency"}
    weights = policy.cfg.loss
    expected = (
        parts["imitation"]
        + weights.reconstruction_weight * parts["reconstruction"]
        + weights.kl_weight * parts["kl"]
        + weights.scale_weight * parts["scale"]
        + weights.temporal_consistency_weight * parts["temporal_consistency"]
    )
    torch.testing.assert_close(parts["total"], expected)
    assert all(torch.isfinite(value) and value >= 0 for value in parts.values())


def test_a_few_optimizer_steps_reduce_the_total_loss():
    torch.manual_seed(0)
    policy = LatentPolicy(small_cfg(), NUM_ENVS).train()
    batch = make_batch(policy, num_pairs=32)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
    history = []
    for _ in range(60):
        parts = distillation_loss(policy, batch, policy.cfg.loss)
        optimizer.zero_grad()
        parts["total"].backward()
        optimizer.step()
        history.append({key: value.item() for key, value in parts.items()})
    assert history[-1]["total"] < 0.3 * history[0]["total"]
    assert history[-1]["imitation"] < 0.3 * history[0]["imitation"]
    assert history[-1]["reconstruction"] < history[0]["reconstruction"]
