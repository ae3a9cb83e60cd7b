"""The Stage 3 tasks InterPrior-Inbetween-v0 and InterPrior-GetUp-v0: random starts, the held snapshot goal and its
sparse success reward, on hand-made states (real Newton physics on the CPU, the bundled clips)."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

from isaaclab.utils import math as math_utils

from interprior.assets.objects import get_object
from interprior.assets.skeleton import BODY_NAMES, JOINT_NAMES, body_index
from interprior.data.kinematics import lowest_point
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.hoi import mdp
from interprior.tasks.hoi.mdp.reference import ReferenceMotion
from interprior.tasks.inbetween.inbetween_env_cfg import TASK_INDEX

from .boxes import nominal_box_sizes

NUM_ENVS = 4
GOAL_MARGIN = 0.1


def _open(task: str, seed: int):
    cfg = load_env_cfg(task, num_envs=NUM_ENVS)
    cfg.events.push_humanoid = cfg.events.push_object = None
    cfg.commands.goal.snapshot_frames = (3, 5)
    cfg.terminations.goal_time.params["margin"] = GOAL_MARGIN
    return open_env(task, seed=seed, env_cfg=cfg)


@pytest.fixture(scope="class")
def inbetween():
    with _open("InterPrior-Inbetween-v0", seed=2) as env:
        yield env


@pytest.fixture(scope="class")
def get_up():
    with _open("InterPrior-GetUp-v0", seed=3) as env:
        yield env


@pytest.fixture
def start_cfg(inbetween):
    """The in-betweening random start config, restored after the test."""
    cfg = inbetween.command_manager.get_term("reference").cfg
    saved = cfg.to_dict()
    yield cfg
    cfg.from_dict(saved)


def _refresh(env):
    env.sim.forward()
    env.scene.update(0.0)


def _up_z(quat: torch.Tensor) -> torch.Tensor:
    return math_utils.quat_apply(quat, torch.tensor([0.0, 0.0, 1.0]).expand(*quat.shape[:-1], 3))[..., 2]


def _check_steps_with_finite_observations(env, index: int):
    observations, _ = env.reset(seed=7)
    actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
    for _ in range(4):
        observations, reward, *_ = env.step(actions)
        assert torch.isfinite(reward).all()
    assert set(observations) == {"expert", "expert_reference", "history", "goals", "privileged", "task"}
    for name, values in observations.items():
        assert torch.isfinite(values).all(), name
    assert (observations["task"] == index).all()


def _check_lying_start(env, reference):
    """Every env starts lying: its lowest collision geom ``fallen_clearance`` above the ground, its pelvis within 30
    degrees of horizontal."""
    _refresh(env)
    state = reference.body_state()
    joint_pos = env.scene["humanoid"].data.joint_pos.torch[:, reference.joint_ids]
    lowest = lowest_point(state["body_pos"][:, 0].numpy(), state["body_quat"][:, 0].numpy(), joint_pos.numpy())
    clearance = reference.cfg.fallen_clearance
    assert (abs(lowest - clearance) < 1e-3).all(), f"the lowest geom starts {clearance} m above the ground: {lowest}"
    assert (_up_z(state["body_quat"][:, 0]).abs() < 0.5).all(), "the pelvis lies within 30 degrees of horizontal"


class TestInbetween:
    """One simulation at a time: each class opens its task and closes it when its tests are done."""

    def test_registers_and_steps_with_finite_observations(self, inbetween):
        assert "InterPrior-Inbetween-v0" in gym.registry
        _check_steps_with_finite_observations(inbetween, TASK_INDEX["inbetween"])

    def test_success_fires_exactly_under_xi_and_ignores_masked_out_components(self, inbetween, start_cfg):
        env = inbetween
        env.reset(seed=11)
        reference, goal = env.command_manager.get_term("reference"), env.command_manager.get_term("goal")
        xi = goal.cfg.success_threshold
        given = goal.layout.components(bodies=("Pelvis",), object_pos=True, contacts=BODY_NAMES)  # 6 pose features + labels
        goal.component_mask.zero_()
        goal.component_mask[:, -1] = given
        everything = torch.arange(NUM_ENVS)
        for name in ("root_pos_noise", "root_rot_noise", "joint_pos_noise", "object_pos_noise"):
            setattr(start_cfg, name, 0.0)
        with nominal_box_sizes(reference.object_switch):
            frame = reference.library.frame_at(reference.clip_ids, goal.snapshot_time)
            ReferenceMotion._write_reference_state(reference, everything, frame)
        _refresh(env)
        assert (goal.distance() < 0.01).all(), "the goal frame's own state is at distance ~0 (contact labels not counted)"
        assert (mdp.goal_success(env) == 1.0).all()
        assert env.reward_manager.get_term_cfg("success").weight > 0.0

        humanoid, box = env.scene["humanoid"], env.scene["object"]
        bent = humanoid.data.joint_pos.torch.clone()
        bent[:, reference.joint_ids[[JOINT_NAMES.index("R_Knee_y"), JOINT_NAMES.index("Head_z")]]] += 0.8
        humanoid.write_joint_position_to_sim_index(position=bent)
        pose = box.data.root_pose_w.torch.clone()
        pose[:, 3:] = math_utils.quat_mul(math_utils.quat_from_euler_xyz(*torch.tensor([0.0, 0.0, 1.0]).expand(NUM_ENVS, 3).unbind(-1)), pose[:, 3:])
        box.write_root_pose_to_sim_index(root_pose=pose)
        _refresh(env)
        assert (mdp.goal_success(env) == 1.0).all(), "a bent knee, turned head and turned object are not in the goal"
        held = goal.snapshot_time.clone()
        for shift, fires in ((0.19, True), (-0.19, True), (0.21, False), (-0.3, False)):  # window: 0.2 s
            goal.snapshot_time[:] = reference.times + shift
            assert (mdp.goal_success(env) == float(fires)).all(), f"the goal's time {shift} s from now"
        goal.snapshot_time[:] = held

        base_distance = goal.distance()
        for lift, fires in ((5.4 * xi, True), (6.6 * xi, False)):  # object height residual / 6 given features
            lifted = pose.clone()
            lifted[:, 2] += lift
            box.write_root_pose_to_sim_index(root_pose=lifted)
            _refresh(env)
            torch.testing.assert_close(goal.distance(), base_distance + lift / 6.0, atol=2e-3, rtol=0)
            assert (mdp.goal_success(env) == float(fires)).all(), f"object lifted {lift:.2f} m"


    def test_the_success_rate_counts_the_rl_episodes_alone(self, inbetween):
        goal, reference = inbetween.command_manager.get_term("goal"), inbetween.command_manager.get_term("reference")
        saved = reference.distillation_envs.clone()
        try:
            reference.distillation_envs = torch.tensor([True, False, False, False])
            goal.metrics["success"][:] = torch.tensor([1.0, 1.0, 0.0, 1.0])
            goal.start_kinds[:] = torch.tensor([0, 1, 2, 3])  # env 1 started moved, env 2 displaced, env 3 fallen
            logged = goal.reset(env_ids=torch.tensor([0, 1, 2]))
            assert torch.equal(logged["success"], torch.tensor([1.0, 0.0])), "env 0 distills: its episode is left out"
            by_kind = {key: value.tolist() for key, value in logged.items() if key.startswith("success_")}
            assert by_kind == {"success_moved": [1.0], "success_displaced": [0.0]}, "and per start kind"
            assert torch.equal(goal.metrics["success"], torch.tensor([0.0, 0.0, 0.0, 1.0]))
            # the reset took the kinds of the new episodes from the reference term
            assert torch.equal(goal.start_kinds[:3], reference.start_kinds()[:3]) and goal.start_kinds[3] == 3
            assert "success" not in goal.reset(env_ids=torch.tensor([0])), "no RL episode ended: nothing to average"
            assert "goal_error" in goal.reset(env_ids=torch.tensor([0]))
        finally:
            reference.distillation_envs = saved

    def test_the_success_threshold_follows_the_rl_episodes_success_rate(self, inbetween):
        env = inbetween
        goal, reference = env.command_manager.get_term("goal"), env.command_manager.get_term("reference")
        term_cfg = env.curriculum_manager.cfg.success_threshold
        term, initial = term_cfg.func, term_cfg.params["initial"]
        assert term.final == 0.1 and initial == 0.5 > term.final, "from 0.5 down to the task's xi"
        saved_envs, saved_params = reference.distillation_envs.clone(), dict(term_cfg.params)
        term_cfg.params.update(episodes=3, tighten_above=0.5, loosen_below=0.2, step=0.8)
        goal.cfg.success_threshold, term.successes, term.episodes = initial, 0, 0
        everything = torch.arange(NUM_ENVS)
        try:
            reference.distillation_envs = torch.tensor([True, False, False, False])
            env.episode_length_buf[:] = 5

            def end_episodes(success: list[float], env_ids=everything) -> float:
                """The logged xi after these envs' episodes ended with these goal successes; the goal's xi is it."""
                goal.metrics["success"][:] = torch.tensor(success)
                env.curriculum_manager.compute(env_ids=env_ids)
                logged = env.curriculum_manager.reset(env_ids)["Curriculum/success_threshold"]
                assert logged == goal.cfg.success_threshold
                return logged

            # env 0 distills: its success is not counted; 2 of the 3 RL episodes reached their goals
            assert end_episodes([0.0, 1.0, 1.0, 0.0]) == pytest.approx(0.4)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.32)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.256)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.2048)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.16384)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.131072)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == pytest.approx(0.1048576)
            assert end_episodes([0.0, 1.0, 1.0, 1.0]) == 0.1, "never tighter than the task's xi"
            assert end_episodes([1.0, 1.0, 0.0, 0.0]) == 0.1, "1 of 3: kept between the bounds"
            assert end_episodes([1.0, 0.0, 1.0, 1.0], everything[:2]) == 0.1, "1 episode counted, 3 needed"
            env.episode_length_buf[1] = 0  # a first reset: no episode ended
            assert end_episodes([1.0, 1.0, 0.0, 0.0], everything[:3]) == 0.1, "1 more episode: 2 counted"
            env.episode_length_buf[1] = 5
            assert end_episodes([1.0, 1.0, 0.0, 0.0], everything[2:3]) == pytest.approx(0.125), "none of 3 reached"
            assert end_episodes([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.15625)
            assert end_episodes([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.1953125)
            for _ in range(3):
                end_episodes([1.0, 0.0, 0.0, 0.0])
            assert end_episodes([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.476837158203125)
            assert end_episodes([1.0, 0.0, 0.0, 0.0]) == initial, "never looser than the initial xi"
        finally:
            reference.distillation_envs = saved_envs
            term_cfg.params.clear()
            term_cfg.params.update(saved_params)
            goal.cfg.success_threshold, term.successes, term.episodes = initial, 0, 0

    def test_the_goal_is_held_and_the_episode_times_out_after_it(self, inbetween):
        env = inbetween
        env.reset(seed=12)
        reference, goal = env.command_manager.get_term("reference"), env.command_manager.get_term("goal")
        held = goal.snapshot_time.clone()
        actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
        for _ in range(5 + 1):  # the reference clock passes every snapshot
            env.step(actions)
        assert torch.equal(goal.snapshot_time, held), "a reached snapshot is not redrawn"
        timed_out = torch.zeros(NUM_ENVS, dtype=torch.bool)
        for _ in range(int(GOAL_MARGIN / env.step_dt) + 2):
            _, _, terminated, truncated, _ = env.step(actions)
            timed_out |= truncated
        assert timed_out.all(), "every episode ends shortly after its goal's time"


    def test_random_starts_differ_from_the_clip_frame_by_the_configured_offsets(self, inbetween, start_cfg):
        env = inbetween
        start_cfg.root_pos_noise = start_cfg.root_rot_noise = start_cfg.object_pos_noise = 0.0
        start_cfg.fallen_prob, start_cfg.object_displace_prob = 0.0, 0.0
        shifts, turns, joint_offsets = [], [], []
        for seed in range(3):
            env.reset(seed=20 + seed)
            reference = env.command_manager.get_term("reference")
            assert not (reference.displaced | reference.fallen).any()
            clip = reference.library.frame_at(reference.clip_ids, reference.times - env.step_dt)
            state = reference.body_state()
            shifts.append(state["body_pos"][:, 0, :2] - clip.root_pos[:, :2])
            turn = math_utils.quat_mul(state["body_quat"][:, 0], math_utils.quat_conjugate(clip.root_quat))
            turns.append(math_utils.axis_angle_from_quat(turn))
            joint_offsets.append(env.scene["humanoid"].data.joint_pos.torch[:, reference.joint_ids] - clip.joint_pos)
            # a carried object moves with the humanoid: its pose relative to the pelvis is the clip's, raised by
            # the difference of its drawn size's half height
            object_pos, _ = reference.object_pose()
            object_pos[:, 2] -= reference.object_switch.rise(torch.arange(env.num_envs))
            relative = math_utils.quat_apply_inverse(state["body_quat"][:, 0], object_pos - state["body_pos"][:, 0])
            expected = math_utils.quat_apply_inverse(clip.root_quat, clip.object_pos - clip.root_pos)
            torch.testing.assert_close(relative, expected, atol=2e-3, rtol=0)
        shifts, turns, joint_offsets = torch.cat(shifts), torch.cat(turns), torch.cat(joint_offsets)
        assert (shifts.abs() <= start_cfg.root_offset + 1e-3).all() and shifts.abs().max() > 0.5 * start_cfg.root_offset
        torch.testing.assert_close(turns[:, :2], torch.zeros_like(turns[:, :2]), atol=1e-3, rtol=0)  # yaw only
        assert (turns[:, 2].abs() <= start_cfg.yaw_offset + 1e-3).all() and turns[:, 2].abs().max() > 0.5 * start_cfg.yaw_offset
        assert (joint_offsets.abs() <= start_cfg.joint_pos_noise + 1e-4).all()
        assert joint_offsets.abs().max() > 0.1, "hinge noise is larger than tracking's 0.05 rad"


    def test_a_displaced_object_rests_on_the_ground_away_from_the_humanoid(self, inbetween, start_cfg):
        env = inbetween
        start_cfg.object_pos_noise, start_cfg.fallen_prob, start_cfg.object_displace_prob = 0.0, 0.0, 1.0
        env.reset(seed=30)
        reference = env.command_manager.get_term("reference")
        assert reference.displaced.all() and not reference.fallen.any()
        goal = env.command_manager.get_term("goal")  # reset after the reference: it has the new episodes' starts
        assert [mdp.START_KINDS[kind] for kind in goal.start_kinds] == ["displaced"] * NUM_ENVS
        object_pos, object_quat = reference.object_pose()
        # at its drawn size's half height: the clip box's, scaled
        rest = torch.tensor([get_object(name).half_height for name in reference.library.object_names])[reference.clip_ids]
        torch.testing.assert_close(object_pos[:, 2], rest * reference.object_switch.size_scales, atol=1e-4, rtol=0)
        torch.testing.assert_close(_up_z(object_quat), torch.ones(NUM_ENVS), atol=1e-4, rtol=0)
        pelvis = reference.body_state()["body_pos"][:, 0]
        assert (torch.linalg.norm(object_pos[:, :2] - pelvis[:, :2], dim=-1) >= start_cfg.object_clearance - 1e-3).all()


    def test_random_initialization_produces_fallen_starts(self, inbetween, start_cfg):
        env = inbetween
        start_cfg.fallen_prob = 1.0
        env.reset(seed=40)
        reference = env.command_manager.get_term("reference")
        assert reference.fallen.all() and reference.displaced.all(), "a fallen start's object is always elsewhere"
        goal = env.command_manager.get_term("goal")
        assert [mdp.START_KINDS[kind] for kind in goal.start_kinds] == ["fallen"] * NUM_ENVS
        _check_lying_start(env, reference)
        actions = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
        for _ in range(15):  # half a second: a humanoid propped on an arm topples
            _, _, terminated, _, _ = env.step(actions)
            assert not terminated.any(), "a fallen start does not end by falling"
        state = reference.body_state()
        lying = 0.5 * reference.embodiment.standing_height  # on its side on a bent arm the pelvis is 0.3-0.4 m up
        assert (state["body_pos"][:, 0, 2] < lying).all(), "after settling the humanoid lies on the ground"
        chest = _up_z(state["body_quat"][:, body_index("Chest")]).abs()
        assert (chest < 0.6).all(), f"the torso lies near horizontal: up-axis z {chest.tolist()}"
        start_cfg.fallen_prob = 0.0
        env.reset(seed=41)
        assert not reference.fallen.any()
        assert (mdp.fell_from_standing_start(env, minimum_height=2.0) == ~reference.fallen).all()


class TestGetUp:
    def test_registers_and_steps_with_finite_observations(self, get_up):
        assert "InterPrior-GetUp-v0" in gym.registry
        _check_steps_with_finite_observations(get_up, TASK_INDEX["get_up"])

    def test_get_up_always_starts_fallen_and_aims_at_a_standing_snapshot(self, get_up):
        env = get_up
        reference, goal = env.command_manager.get_term("reference"), env.command_manager.get_term("goal")
        for seed in range(3):
            env.reset(seed=50 + seed)
            assert reference.fallen.all()
            _check_lying_start(env, reference)
            snapshot = reference.library.frame_at(reference.clip_ids, goal.snapshot_time)
            assert (snapshot.root_pos[:, 2] >= reference.cfg.standing_fraction * reference.embodiment.standing_height).all(), "the goal is a standing pose"
            assert (goal.component_mask[:, -1] == 1.0).all() and (goal.component_mask[:, :-1] == 0.0).all()
        assert (mdp.upright(env) < 0.5).all() and (mdp.pelvis_raised(env, lying=0.17, standing=0.94) < 0.5).all()
        assert env.termination_manager.get_term_cfg("goal_time").time_out
        assert "fall" not in env.termination_manager.active_terms
