"""InterPrior-Track-v0: reference state initialization, and observation, reward and termination terms on hand-made
states (real Newton physics on the CPU, the bundled clips)."""

from __future__ import annotations

import pytest
import torch

from isaaclab.managers import SceneEntityCfg

from interprior.assets.humanoid import canonical_joint_name
from interprior.assets.objects import get_object
from interprior.assets.skeleton import JOINT_NAMES, body_index
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.hoi import mdp

from .boxes import nominal_box_sizes

TASK = "InterPrior-Track-v0"
NUM_ENVS = 2


@pytest.fixture(scope="module")
def env():
    cfg = load_env_cfg(TASK, num_envs=NUM_ENVS)
    reference = cfg.commands.reference
    reference.root_pos_noise = reference.root_rot_noise = reference.joint_pos_noise = reference.object_pos_noise = 0.0
    cfg.events.push_humanoid = cfg.events.push_object = None
    with open_env(TASK, seed=3, env_cfg=cfg) as env:
        env.reset(seed=3)
        yield env


def _put_on_reference(env, clip_ids: torch.Tensor | None = None, times: torch.Tensor | None = None):
    """Set the reference target (optionally to chosen clips and times) and write exactly that state into the sim,
    each box at its clip's size."""
    reference = env.command_manager.get_term("reference")
    if clip_ids is not None:
        reference.clip_ids[:], reference.times[:] = clip_ids, times
    with nominal_box_sizes(reference.object_switch):
        reference._write_reference_state(torch.arange(env.num_envs), reference.target)
    env.sim.forward()
    env.scene.update(0.0)
    return reference


def test_reset_starts_every_world_on_its_reference(env):
    env.reset(seed=5)
    reference = env.command_manager.get_term("reference")
    start = reference.library.frame_at(reference.clip_ids, reference.times - env.step_dt)
    state = reference.body_state()
    torch.testing.assert_close(state["body_pos"], start.body_pos, atol=2e-3, rtol=0)
    object_pos, _ = reference.object_pose()
    # each box is drawn within 5 % of its clip's size and keeps the clip's bottom face
    rise = reference.object_switch.rise(torch.arange(env.num_envs))
    assert rise.abs().max() <= 0.05 * reference.object_switch.half_extents[:, 2].max()
    torch.testing.assert_close(object_pos, start.object_pos + rise.unsqueeze(-1) * torch.tensor([0.0, 0.0, 1.0]), atol=1e-4, rtol=0)


def test_a_perfectly_tracked_state_scores_the_maximum(env):
    _put_on_reference(env)
    for term, params in (
        (mdp.track_body_pos, {"std": 0.15}),
        (mdp.track_body_rot, {"std": 0.6}),
        (mdp.track_object_pos, {"std": 0.15}),
        (mdp.track_object_rot, {"std": 0.6}),
    ):
        value = term(env, **params)
        torch.testing.assert_close(value, torch.ones(NUM_ENVS), atol=2e-3, rtol=0, msg=term.__name__)
    assert (mdp.track_body_vel(env, std=1.0) > 0.95).all(), "joint velocities written from the clip give its body velocities"
    assert not mdp.body_drift(env, threshold=0.5).any() and not mdp.object_drift(env, threshold=0.5).any()


def test_tracking_rewards_fall_with_the_error(env):
    _put_on_reference(env)
    humanoid = env.scene["humanoid"]
    pose = humanoid.data.root_pose_w.torch.clone()
    pose[:, 0] += 0.3  # the whole humanoid 0.3 m off its reference
    humanoid.write_root_pose_to_sim_index(root_pose=pose)
    env.sim.forward()
    env.scene.update(0.0)
    expected = torch.exp(torch.tensor(-(0.3**2) / 0.15**2))
    torch.testing.assert_close(mdp.track_body_pos(env, std=0.15), expected.expand(NUM_ENVS), atol=2e-3, rtol=0)
    assert mdp.body_drift(env, threshold=0.25).all() and not mdp.body_drift(env, threshold=0.35).any()


def test_observations_see_the_reference_as_residuals(env):
    reference = _put_on_reference(env)
    observation = mdp.reference_residuals(env)
    per_frame = observation.view(NUM_ENVS, len(reference.cfg.future_frames), -1)
    next_frame = per_frame[:, 0]
    body_pos_delta, body_rot_delta = next_frame[:, :72], next_frame[:, 72:144]
    assert body_pos_delta.abs().max() < 2e-3 and body_rot_delta.abs().max() < 2e-3, "the next frame is the state itself"
    assert (next_frame[:, -1] == 1.0).all(), "the next frame lies inside the clip"
    humanoid = mdp.humanoid_state(env)
    torch.testing.assert_close(humanoid[:, 0], reference.target.root_pos[:, 2], atol=1e-3, rtol=0)
    assert torch.isfinite(env.observation_manager.compute()["policy"]).all()


def test_actions_are_pd_targets_relative_to_the_reference_joint_angles(env):
    reference = _put_on_reference(env)
    humanoid = env.scene["humanoid"]
    actions = torch.randn(NUM_ENVS, env.action_manager.total_action_dim, generator=torch.Generator().manual_seed(0))
    env.action_manager.process_action(actions)
    env.action_manager.apply_action()
    hinge_order = [JOINT_NAMES.index(canonical_joint_name(name)) for name in humanoid.joint_names]
    expected = reference.target.joint_pos[:, hinge_order] + 0.5 * actions
    torch.testing.assert_close(humanoid.data.joint_pos_target.torch, expected, atol=1e-5, rtol=0)


def test_reference_actions_refuse_a_second_offset():
    cfg = mdp.ReferenceJointPositionActionCfg(asset_name="humanoid", joint_names=[".*"], use_default_offset=True)
    with pytest.raises(ValueError, match="the reference's joint angles are the offset"):
        mdp.ReferenceJointPositionAction(cfg, env=None)


def test_fallen_humanoid_terminates(env):
    reference = env.command_manager.get_term("reference")
    _put_on_reference(env, reference.clip_ids.clone(), torch.zeros(NUM_ENVS))  # the clips' first, standing frames
    humanoid = env.scene["humanoid"]
    pose = humanoid.data.root_pose_w.torch.clone()
    pose[:, 2] = 0.15
    humanoid.write_root_pose_to_sim_index(root_pose=pose)
    env.sim.forward()
    env.scene.update(0.0)
    assert mdp.root_height_below_minimum(env, minimum_height=0.3, asset_cfg=SceneEntityCfg("humanoid")).all()
    assert mdp.body_drift(env, threshold=0.5).all()


def test_grasp_term_pulls_palms_to_the_held_object(env):
    reference = env.command_manager.get_term("reference")
    library = reference.library
    palms = [body_index("L_Wrist"), body_index("R_Wrist")]
    # Find a reference frame where both palms hold the box.
    frame_rate = 30.0
    for clip in range(library.num_clips):
        times = torch.arange(0.0, float(library.durations[clip]), 1.0 / frame_rate)
        frames = library.frame_at(torch.full_like(times, clip, dtype=torch.long), times)
        holding = (frames.contact_object[:, palms] > 0.5).all(-1)
        if holding.any():
            held_time = times[holding.nonzero()[len(holding.nonzero()) // 2, 0]]
            break
    else:
        pytest.fail("no bundled clip of the task's object has both palms on it")
    _put_on_reference(env, torch.full((NUM_ENVS,), clip, dtype=torch.long), held_time.expand(NUM_ENVS))
    on_box = mdp.grasp_penalty(env)
    box = env.scene["object"]
    pose = box.data.root_pose_w.torch.clone()
    pose[:, 1] += 1.0
    box.write_root_pose_to_sim_index(root_pose=pose)
    env.sim.forward()
    env.scene.update(0.0)
    away = mdp.grasp_penalty(env)
    assert (on_box < 0.5).all(), f"palms on the box, facing it: small penalty, got {on_box}"
    assert (away > on_box + 1.0).all(), f"box 1 m away: penalty grows by the gap, got {away}"


def test_body_object_distances_follow_the_box_size_and_the_bodies(env):
    """The distances are computed once per state and given again to every term that asks; a box grown in place (as
    an object switch does) or a moved humanoid gives new ones, and the first ones again once put back."""
    reference = env.command_manager.get_term("reference")
    distance, _ = mdp.body_object_distances(env)
    distance = distance.clone()
    half_extents = reference.object_switch.half_extents
    original = half_extents.clone()
    try:
        half_extents.mul_(1.5)
        grown, _ = mdp.body_object_distances(env)
        assert (grown < distance - 1e-3).all(), "every body is nearer the surface of a larger box"
    finally:
        half_extents.copy_(original)
    torch.testing.assert_close(mdp.body_object_distances(env)[0], distance)
    humanoid = env.scene["humanoid"]
    start = humanoid.data.root_pose_w.torch.clone()

    def with_humanoid_moved(shift: float) -> torch.Tensor:
        pose = start.clone()
        pose[:, 0] += shift
        humanoid.write_root_pose_to_sim_index(root_pose=pose)
        env.sim.forward()
        env.scene.update(0.0)
        return mdp.body_object_distances(env)[0].clone()

    assert (with_humanoid_moved(10.0) > distance + 5.0).all(), "10 m further away"
    torch.testing.assert_close(with_humanoid_moved(0.0), distance, atol=1e-4, rtol=0)


def test_each_world_tracks_its_clips_box_with_size_mass_and_centre_of_mass_drawn_anew_at_every_reset(env):
    reference = env.command_manager.get_term("reference")
    box = env.scene["object"]
    draws = []
    for seed in (11, 12):
        env.reset(seed=seed)
        clip_objects = [reference.library.object_names[int(i)] for i in reference.clip_ids]
        assert [reference.object_switch.names[int(i)] for i in reference.object_switch.object_ids] == clip_objects
        scale = reference.object_switch.size_scales.clone()
        assert ((scale >= 0.95) & (scale <= 1.05)).all()
        size = torch.tensor([get_object(name).size for name in clip_objects]) * scale.unsqueeze(-1)
        torch.testing.assert_close(2.0 * reference.object_switch.half_extents, size)
        nominal = torch.tensor([get_object(name).mass for name in clip_objects]) * scale**3  # the clip box's density
        mass = box.data.body_mass.torch.flatten().clone()
        assert ((mass >= 0.7 * nominal - 1e-4) & (mass <= 1.3 * nominal + 1e-4)).all()
        draws.append((scale, mass, box.data.body_com_pose_b.torch[:, 0, :3].clone()))
    (scale_a, mass_a, com_a), (scale_b, mass_b, com_b) = draws
    assert not torch.allclose(scale_a, scale_b)
    assert not torch.allclose(mass_a, mass_b) and not torch.allclose(com_a, com_b)
    assert (com_a.abs() <= 0.02 + 1e-5).all()


def test_a_failed_episode_draws_starts_to_where_it_began_and_a_finished_one_away(env):
    reference = env.command_manager.get_term("reference")
    starts = reference.starts
    for seed in range(20, 40):  # two episodes that started in different bins of start times
        env.reset(seed=seed)
        bins = reference.start_bins.clone()
        if bins[0] != bins[1]:
            break
    rate, recorded = starts.failure_rate.clone(), starts.recorded.clone()
    # world 0 lies on the ground; world 1 is on its reference with its clip's end passed at the next step
    clip_ids = reference.clip_ids.clone()
    _put_on_reference(env, clip_ids, reference.library.durations[clip_ids] + 0.5 * env.step_dt)
    humanoid = env.scene["humanoid"]
    pose = humanoid.data.root_pose_w.torch[:1].clone()
    pose[:, 2] = 0.15
    humanoid.write_root_pose_to_sim_index(root_pose=pose, env_ids=torch.tensor([0]))
    _, _, terminated, truncated, extras = env.step(torch.zeros(NUM_ENVS, env.action_manager.total_action_dim))
    assert terminated.tolist() == [True, False] and bool(truncated[1])
    assert (starts.recorded - recorded)[bins].tolist() == [1, 1] and int((starts.recorded - recorded).sum()) == 2
    smoothing = starts.cfg.smoothing
    expected = [(1 - smoothing) * rate[bins[0]] + smoothing, (1 - smoothing) * rate[bins[1]]]
    torch.testing.assert_close(starts.failure_rate[bins], torch.stack(expected))
    assert "Metrics/reference/start_failure_rate" in extras["log"]


def test_an_env_reset_inside_a_step_is_one_step_behind_its_reference_as_after_env_reset(env):
    env.reset(seed=6)
    reference = env.command_manager.get_term("reference")
    env.episode_length_buf[0] = env.max_episode_length  # world 0 times out in the next step; world 1 runs on
    running_time = reference.times[1].clone()
    env.step(torch.zeros(env.num_envs, env.action_manager.total_action_dim))
    assert env.episode_length_buf[0] == 0 and env.episode_length_buf[1] == 1
    torch.testing.assert_close(reference.times[1], running_time + env.step_dt)
    start = reference.library.frame_at(reference.clip_ids, reference.times - env.step_dt)
    torch.testing.assert_close(reference.body_state()["body_pos"][0], start.body_pos[0], atol=2e-3, rtol=0)


def test_reference_frames_follow_a_reset_of_some_envs_as_a_full_evaluation(env):
    """The future frames and the target are evaluated again only for the envs whose clip or time changed; after a
    reset of world 0 alone and after a step, they must equal the library's frames of every env."""
    env.reset(seed=7)
    reference = env.command_manager.get_term("reference")
    actions = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
    env.step(actions)
    before = reference.future()[0].body_pos.clone()
    env.episode_length_buf[0] = env.max_episode_length  # world 0 times out in the next step; world 1 runs on
    env.step(actions)
    for _ in range(2):
        future, valid = reference.future()
        library = reference.library
        expected, expected_valid = library.window(reference.clip_ids, reference.times, reference.future_offsets)
        for name in ("body_pos", "body_quat", "object_pos", "joint_pos", "contact_object"):
            torch.testing.assert_close(getattr(future, name), getattr(expected, name), rtol=0, atol=0, msg=name)
        assert torch.equal(valid, expected_valid)
        target = library.frame_at(reference.clip_ids, reference.times)
        torch.testing.assert_close(reference.target.body_pos, target.body_pos, rtol=0, atol=1e-6)
        reference.times[0] += 0.5  # one env's time moves: its rows alone are evaluated again
    assert not torch.equal(future.body_pos[0], before[0]) and not torch.equal(future.body_pos[1], before[1])
