"""The Stage 2 sparse-goal tasks present masked goals from the reference clip (real physics, bundled clips)."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.goals.goals_env_cfg import HISTORY_LENGTH
from interprior.tasks.hoi import mdp

TASK = "InterPrior-Goals-v0"
NUM_ENVS = 8


@pytest.fixture(scope="module")
def env():
    cfg = load_env_cfg(TASK, num_envs=NUM_ENVS)
    cfg.events.push_humanoid = cfg.events.push_object = None
    with open_env(TASK, seed=1, env_cfg=cfg) as env:
        yield env


def test_every_goal_task_is_registered():
    import interprior.tasks  # noqa: F401

    for task in ("Snapshot", "Trajectory", "Contact", "Goals"):
        assert f"InterPrior-{task}-v0" in gym.registry


def test_goal_observations_are_masked_residuals_of_the_reference(env):
    observations, _ = env.reset(seed=2)
    goal = env.command_manager.get_term("goal")
    num_tokens = goal.cfg.preview_frames + 1
    features = goal.layout.num_features
    token_size = 2 * features + 1
    tokens = observations["goals"][:, : num_tokens * token_size].view(NUM_ENVS, num_tokens, token_size)
    present = observations["goals"][:, num_tokens * token_size :]
    privileged = observations["privileged"].view(NUM_ENVS, num_tokens, features)
    given, mask = tokens[..., :features], tokens[..., features : 2 * features]
    assert (given[mask == 0] == 0).all(), "masked-out entries are exactly zero"
    torch.testing.assert_close(given[mask == 1], privileged[mask == 1])
    assert torch.equal(present.bool(), mask.sum(-1) > 0)
    families = [goal.cfg.families[int(i)] for i in goal.family]
    for row, family in enumerate(families):
        expected = [True] * num_tokens if family == "trajectory" else [False] * (num_tokens - 1) + [True]
        assert present[row].bool().tolist() == expected, family
    assert len(set(families)) > 1, "8 envs draw several families"


def test_snapshot_lies_ahead_within_its_horizon_and_is_redrawn_when_reached(env):
    env.reset(seed=3)
    goal = env.command_manager.get_term("goal")
    reference = env.command_manager.get_term("reference")
    low, high = goal.cfg.snapshot_frames
    ahead = (goal.snapshot_time - reference.times) / env.step_dt
    end = reference.library.durations[reference.clip_ids]
    assert ((ahead >= low - 1e-3) & (ahead <= high + 1e-3) | torch.isclose(goal.snapshot_time, end)).all()
    actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
    for _ in range(high + 2):  # every first snapshot has been reached by now
        env.step(actions)
    end = reference.library.durations[reference.clip_ids]
    still_ahead = goal.snapshot_time >= reference.times - 1e-5
    assert (still_ahead | torch.isclose(goal.snapshot_time, end)).all(), "a reached snapshot is replaced by a new one"


def test_the_expert_reference_action_targets_the_reference_joint_angles(env):
    observations, _ = env.reset(seed=5)
    reference = env.command_manager.get_term("reference")
    env.action_manager.process_action(observations["expert_reference"])
    env.action_manager.apply_action()
    targets = env.scene["humanoid"].data.joint_pos_target.torch
    torch.testing.assert_close(targets, reference.target_joint_pos(), atol=1e-5, rtol=0)
    assert targets.std(0).max() > 0.01, "the envs follow different clips, so their targets differ"


def test_history_holds_the_last_steps_time_major(env):
    env.reset(seed=4)
    actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
    for _ in range(HISTORY_LENGTH + 1):
        observations, *_ = env.step(actions)
    history = observations["history"].view(NUM_ENVS, HISTORY_LENGTH, -1)
    current = torch.cat(
        [mdp.humanoid_state(env), mdp.object_state(env), mdp.object_distances(env)], dim=-1
    )
    torch.testing.assert_close(history[:, -1, : current.shape[1]], current, atol=1e-5, rtol=0)
    assert not torch.allclose(history[:, 0], history[:, -1]), "older steps differ from the current one"
