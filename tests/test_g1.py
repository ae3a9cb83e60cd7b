"""The Unitree G1 as a second embodiment: Menagerie's model shipped offline, converted to USD, standing under PD, and
the tasks on it."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
import torch

from interprior.assets.g1 import G1_MJCF, g1_mjcf, hinge_names, menagerie_model, standing_pose
from interprior.data import BUNDLED_DATASETS
from interprior.tasks.env_factory import load_env_cfg, open_env

TASK = "InterPrior-Scene-G1-v0"
NUM_ENVS = 2
SECONDS = 3.0


def test_the_converted_mjcf_keeps_the_bodies_and_hinges_and_drops_the_actuators():
    converted = mujoco.MjModel.from_xml_string(g1_mjcf())
    menagerie = menagerie_model()
    assert (G1_MJCF.parent / "LICENSE").is_file(), "the BSD-3 licence ships with the model"
    assert converted.nu == 0 and menagerie.nu == 29
    assert hinge_names(converted) == hinge_names(menagerie) and len(hinge_names(converted)) == 29
    assert converted.nbody == menagerie.nbody == 31
    np.testing.assert_allclose(converted.body_subtreemass[1], 33.34, atol=0.01)


def test_the_g1_stands_under_pd_in_its_standing_pose():
    height, angles = standing_pose(menagerie_model())
    with open_env(TASK, num_envs=NUM_ENVS, seed=0) as env:
        env.reset(seed=0)
        g1 = env.scene["humanoid"]
        assert list(g1.joint_names) == hinge_names(menagerie_model())
        hold = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
        pelvis = []
        for _ in range(round(SECONDS / env.step_dt)):
            env.step(hold)
            pelvis.append(g1.data.root_pos_w.torch[:, 2].clone())
        pelvis = torch.stack(pelvis)
        joints = g1.data.joint_pos.torch
        target = torch.tensor([angles[name] for name in g1.joint_names])
        weight = g1.data.default_mass.torch.sum(-1) * 9.81
        support = env.scene["humanoid_contacts"].data.net_forces_w.torch[..., 2].sum(-1)
    assert (pelvis - height).abs().max() < 0.05, f"pelvis height {pelvis[::30, 0].tolist()} m, keyframe {height} m"
    assert (joints - target).abs().max() < 0.05, "the hinges hold the keyframe's angles"
    torch.testing.assert_close(support, weight, rtol=0.05, atol=0.0, msg="the feet carry the G1's weight")


def test_track_runs_on_the_g1_with_its_retargeted_clips():
    """InterPrior-Track-G1-v0: the reference is the G1's, the observations are sized by the G1's bodies, and a zero
    action (PD at the reference's hinge angles) starts on the reference and follows it for the first steps."""
    num_envs = 4
    with open_env("InterPrior-Track-G1-v0", num_envs=num_envs, seed=0) as env:
        obs, _ = env.reset(seed=0)
        reference = env.command_manager.get_term("reference")
        assert reference.embodiment.name == "g1" and reference.library.embodiment == "g1"
        assert len(reference.body_ids) == 30 and len(reference.joint_ids) == 29
        assert env.action_manager.total_action_dim == 29
        errors = []
        for _ in range(5):
            obs, *_ = env.step(torch.zeros(num_envs, 29))
            state = reference.body_state()
            errors.append(torch.linalg.norm(state["body_pos"] - reference.target.body_pos, dim=-1).mean(-1))
        assert torch.isfinite(obs["policy"]).all()
    assert torch.stack(errors).max() < 0.15, f"mean body error over 5 steps {torch.stack(errors).max(0).values} m"


def test_every_goal_task_has_a_g1_variant_on_the_g1_clips():
    for task in ("Snapshot", "Trajectory", "Contact", "Goals", "Inbetween", "GetUp"):
        cfg = load_env_cfg(f"InterPrior-{task}-G1-v0", num_envs=2)
        smpl = load_env_cfg(f"InterPrior-{task}-v0", num_envs=2)
        assert cfg.embodiment == "g1" and cfg.commands.reference.motion_paths == [str(BUNDLED_DATASETS["g1"] / "train")]
        assert cfg.commands.goal.families == smpl.commands.goal.families, task


@pytest.mark.parametrize("task", ["InterPrior-Goals-G1-v0", "InterPrior-GetUp-G1-v0"])
def test_goal_tasks_step_on_the_g1_with_goals_sized_by_its_bodies(task):
    """Every goal family on the G1's 30 bodies (F = 216 features per goal frame); GetUp starts lying down."""
    num_envs = 4
    with open_env(task, num_envs=num_envs, seed=0) as env:
        obs, _ = env.reset(seed=0)
        goal = env.command_manager.get_term("goal")
        reference = env.command_manager.get_term("reference")
        features, tokens = goal.layout.num_features, goal.cfg.preview_frames + 1
        assert features == 216 and goal.component_mask.shape == (num_envs, tokens, 3 * 30 + 2)
        assert obs["goals"].shape == (num_envs, tokens * (2 * features + 1) + tokens)
        assert obs["privileged"].shape == (num_envs, tokens * features)
        start = reference.body_state()["body_pos"]
        for _ in range(30):
            obs, *_ = env.step(torch.zeros(num_envs, 29))
        assert all(torch.isfinite(group).all() for group in obs.values())
        settled = reference.body_state()["body_pos"]
    if task == "InterPrior-GetUp-G1-v0":
        assert reference.fallen.all()
        assert (start[:, 0, 2] < 0.35).all(), f"lying starts, pelvis at {start[:, 0, 2].tolist()} m"
        assert (start[..., 2].min(-1).values > -0.02).all(), "no body starts below the ground"
        assert (settled[:, 0, 2] < 0.45).all(), "a lying G1 does not jump up"
