"""The base HOI scene on Newton (CPU): the humanoid stands under PD, objects settle, sensors weigh, runs repeat.

One environment instance serves the module (creating one costs seconds); each test drives its own worlds.
"""

from __future__ import annotations

import pytest
import torch

from interprior.assets.humanoid_mjcf import HIP_HEIGHT
from interprior.assets.objects import get_object
from interprior.tasks.env_factory import load_env_cfg, open_env

GRAVITY = 9.81
NUM_ENVS = 4


@pytest.fixture(scope="module")
def env():
    cfg = load_env_cfg("InterPrior-Scene-v0", num_envs=NUM_ENVS)
    cfg.terminations.fall = None  # watch the physics; no resets behind the test's back
    with open_env("InterPrior-Scene-v0", seed=7, env_cfg=cfg) as env:
        yield env


def _rollout(env, steps: int, actions: torch.Tensor | None = None) -> list[dict[str, torch.Tensor]]:
    """Step ``steps`` control steps with the given (or zero) actions and record root, body and object states."""
    humanoid, obj = env.scene["humanoid"], env.scene["object"]
    states = []
    for i in range(steps):
        action = torch.zeros(env.num_envs, env.action_manager.total_action_dim) if actions is None else actions[i]
        env.step(action)
        states.append(
            {
                "root_pos": humanoid.data.root_pos_w.torch.clone() - env.scene.env_origins,
                "body_pos": humanoid.data.body_pos_w.torch.clone() - env.scene.env_origins[:, None],
                "joint_pos": humanoid.data.joint_pos.torch.clone(),
                "object_pos": obj.data.root_pos_w.torch.clone() - env.scene.env_origins,
            }
        )
    return states


def _reset(env) -> None:
    env.reset(seed=7)


def test_pd_holds_the_standing_pose_for_five_seconds(env):
    _reset(env)
    states = _rollout(env, steps=int(5.0 / env.step_dt))
    heights = torch.stack([s["root_pos"][:, 2] for s in states])
    assert torch.isfinite(heights).all()
    assert heights.min() > HIP_HEIGHT - 0.05, f"pelvis sagged to {heights.min():.3f} m"
    drift = states[-1]["root_pos"][:, :2].norm(dim=-1)
    assert drift.max() < 0.05, f"pelvis drifted {drift.max():.3f} m while standing"


def test_dropped_object_settles_at_half_height_and_sensors_weigh_it(env):
    _reset(env)
    obj = env.scene["object"]
    spec = get_object("box_medium")
    pose = obj.data.root_pose_w.torch.clone()
    pose[:, 2] = spec.half_height + 0.5
    obj.write_root_pose_to_sim(pose)
    obj.write_root_velocity_to_sim(torch.zeros(env.num_envs, 6))
    states = _rollout(env, steps=int(2.0 / env.step_dt))
    heights = torch.stack([s["object_pos"][:, 2] for s in states])
    assert heights[0].min() > spec.half_height + 0.3, "the object should start in the air"
    assert torch.allclose(heights[-1], torch.full_like(heights[-1], spec.half_height), atol=0.01)

    object_force = env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2]
    assert torch.allclose(object_force, torch.full_like(object_force, spec.mass * GRAVITY), rtol=0.05)

    humanoid_mass = env.scene["humanoid"].data.default_mass.torch.sum(dim=-1)
    contacts = env.scene["humanoid_contacts"]
    foot_ids = [contacts.sensor_names.index(name) for name in ("L_Ankle", "L_Toe", "R_Ankle", "R_Toe")]
    foot_force = contacts.data.net_forces_w.torch[:, foot_ids, 2].sum(dim=-1)
    assert torch.allclose(foot_force, humanoid_mass.to(foot_force) * GRAVITY, rtol=0.05)


def test_same_seed_and_actions_give_the_same_states(env):
    generator = torch.Generator().manual_seed(3)
    actions = 0.2 * torch.randn(30, env.num_envs, env.action_manager.total_action_dim, generator=generator)
    runs = []
    for _ in range(2):
        _reset(env)
        runs.append(_rollout(env, steps=30, actions=actions))
    for first, second in zip(*runs):
        for key in first:
            assert torch.equal(first[key], second[key]), f"{key} differs between two identical runs"
