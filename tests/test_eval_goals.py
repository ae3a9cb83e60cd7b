"""Sparse-goal evaluation: goal metrics on hand-made episodes, chain canonicalization on a hand-made pose, the
MaskedMimic-style baseline's goal-only reference, and real evaluations of a tiny distilled policy and a tiny Track
expert on the goal tasks and stress tests (deterministic for a seed, CSV/JSON/PNG written), plus clear errors.

Real rollouts cost ~15-30 s per env opened on this machine; the policies are untrained, so they miss their goals.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from isaaclab.utils.math import quat_error_magnitude, yaw_quat
from rsl_rl.models import MLPModel

from interprior.agents.checkpoints import CheckpointError
from interprior.agents.distillation import fit_policy_to_env
from interprior.agents.finite import FiniteVecEnvWrapper
from interprior.agents.latent import LatentPolicy, LatentPolicyCfg
from interprior.agents.runner import load_task_configs
from interprior.assets.skeleton import body_index
from interprior.data.clip import save_clip
from interprior.data.motion_library import MotionFrame
from interprior.eval.baseline import nearest_given_goals
from interprior.eval.canonicalization import compose, heading_alignment
from interprior.eval.clip_set import clips_of_objects, make_episodes
from interprior.eval.episodes import run_episodes
from interprior.eval.goal_metrics import GoalEpisode, score_get_up, score_goals
from interprior.eval.metrics import summarize
from interprior.eval.report import CheckpointResult, group_summaries, group_table
from interprior.eval.tasks import EVAL_TASKS, GOAL_TASKS, eval_task, eval_tasks
from interprior.eval.thresholds import THRESHOLDS
from interprior.tasks.env_factory import load_env_cfg, open_env

from .clips import walking_clip
from .scripts import run_script

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import evaluate  # noqa: E402

NUM_ENVS = 2
PELVIS = body_index("Pelvis")


def _goal_episode(steps: int = 10, goal_at: int = 5, family: str = "snapshot", **changes) -> GoalEpisode:
    """A perfect episode of one goal at step ``goal_at`` of the walking clip's first ``steps`` frames."""
    clip = walking_clip(steps, object_name="box_medium")
    dt = 1.0 / 30.0
    fields = {
        "clip": "walk",
        "repeat": 0,
        "families": ("snapshot", "partial", "trajectory", "contact"),
        "goal_count": 1,
        "body_pos": clip.body_pos.copy(),
        "goal_body_pos": clip.body_pos.copy(),
        "object_pos": clip.object_pos.copy(),
        "goal_object_pos": clip.object_pos.copy(),
        "goal_distance": np.full(steps, np.nan) if family == "contact" else np.zeros(steps),
        "path_distance": np.zeros(steps),
        "contact_agreement": np.ones(steps),
        "goal_index": np.zeros(steps, dtype=int),
        "family": np.full(steps, ("snapshot", "partial", "trajectory", "contact").index(family)),
        "time_to_goal": (goal_at - np.arange(steps)) * dt,
        "upright": np.ones(steps),
        "end_causes": ("goals_passed",),
    }
    return GoalEpisode(**(fields | changes))


# Goal metrics on hand-made episodes.


def test_a_perfect_goal_rollout_succeeds_with_zero_errors():
    for family in ("snapshot", "partial", "trajectory", "contact"):
        score = score_goals(_goal_episode(family=family))
        assert (score.success, score.failed, score.goals_reached, score.cause) == (True, False, 1.0, "success")
        assert score.body_error == score.pelvis_error == score.object_error == 0.0
    summary = summarize([score_goals(_goal_episode()), score_goals(_goal_episode(clip="other"))])
    assert (summary.success_rate, summary.failure_rate, summary.goal_rate) == (100.0, 0.0, 100.0)


def test_a_fall_is_a_failure_even_with_the_goal_reached():
    episode = _goal_episode()
    episode.body_pos[7:, :, 2] -= 0.8  # the pelvis sinks below the fall height after the goal
    score = score_goals(episode)
    assert (score.success, score.failed, score.goals_reached, score.cause) == (False, True, 1.0, "fall")


def test_each_family_misses_its_goal_by_its_own_test():
    far = np.full(10, 0.5)
    # the snapshot distance is under xi only outside the +-0.2 s (6 step) window around step 5
    late = np.where(np.arange(10) == 9, 0.0, 0.5)
    assert score_goals(_goal_episode(goal_at=2, goal_distance=late)).goals_reached == 0.0
    assert score_goals(_goal_episode(goal_at=5, goal_distance=late)).goals_reached == 1.0
    # a trajectory must hold at every step: one step off the path misses it
    off_once = np.where(np.arange(10) == 1, 0.3, 0.0)
    assert score_goals(_goal_episode(family="trajectory", path_distance=off_once)).cause == "reached 0/1 goals"
    assert score_goals(_goal_episode(family="trajectory", goal_distance=far)).success, "the snapshot is not checked"
    no_pose = np.full(10, np.nan)
    for family in ("contact", "partial"):  # no pose component given: the contacts decide
        half_agree = np.full(10, 0.5)
        assert not score_goals(_goal_episode(family=family, goal_distance=no_pose, contact_agreement=half_agree)).success
        assert score_goals(_goal_episode(family=family, goal_distance=no_pose)).success
    assert not score_goals(_goal_episode(family="partial", goal_distance=far)).success, "pose given: it decides"
    # an episode that ended before its goal's window has no E_h
    short = score_goals(_goal_episode(steps=3, goal_at=9))
    assert short.goals_reached == 0.0 and math.isnan(short.body_error)


def test_an_episode_reports_how_near_it_came_to_its_snapshot_goals_within_their_windows():
    closing_in = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.05])
    # the +-6-step window of a goal at step 2 ends at step 8 (0.2 m): missed; at step 5 it holds step 9: reached
    early, late = (score_goals(_goal_episode(goal_at=at, goal_distance=closing_in)) for at in (2, 5))
    assert (early.goal_distance, early.goals_reached) == (pytest.approx(0.2), 0.0)
    assert (late.goal_distance, late.goals_reached) == (pytest.approx(0.05), 1.0)
    # a chain averages its goals' closest distances; contact and trajectory goals give none
    chain = _goal_episode(
        20, goal_count=2, goal_index=np.repeat([0, 1], 10), time_to_goal=np.tile(np.arange(5, -5, -1), 2) / 30.0,
        goal_distance=np.concatenate([np.full(10, 0.3), closing_in]),
    )
    assert score_goals(chain).goal_distance == pytest.approx((0.3 + 0.05) / 2)
    assert math.isnan(score_goals(_goal_episode(family="contact")).goal_distance)
    assert math.isnan(score_goals(_goal_episode(family="trajectory")).goal_distance)
    assert math.isnan(score_goals(_goal_episode(steps=3, goal_at=9)).goal_distance), "ended before the window"


def test_a_chain_reports_the_share_of_goals_reached_and_errors_at_the_goal_times():
    steps = 30
    goal_index = np.repeat([0, 1, 2], 10)
    time_to_goal = (np.tile(np.arange(5, -5, -1), 3)) / 30.0  # each goal at the 6th step of its ten
    distance = np.zeros(steps)
    distance[10:20] = 0.4  # the second goal is missed
    episode = _goal_episode(
        steps, goal_count=3, goal_index=goal_index, time_to_goal=time_to_goal, goal_distance=distance
    )
    episode.body_pos[15, :, 0] += 0.3  # 0.3 m off at the second goal's time only
    score = score_goals(episode)
    assert (score.success, score.goals_reached, score.cause) == (False, pytest.approx(2 / 3), "reached 2/3 goals")
    assert score.body_error == pytest.approx(0.1) and score.pelvis_error == pytest.approx(0.1)


def test_get_up_succeeds_standing_upright_at_the_end_and_fails_still_lying():
    lying = _goal_episode()
    lying.body_pos[:, :, 2] -= lying.body_pos[0, PELVIS, 2] - 0.15  # the pelvis at 0.15 m throughout
    assert (score_get_up(lying).success, score_get_up(lying).failed) == (False, True)
    got_up = _goal_episode()
    got_up.body_pos[:4, :, 2] -= 0.7  # down for the first steps, then standing
    score = score_get_up(got_up)
    assert (score.success, score.failed) == (True, False)
    bent = score_get_up(dataclasses.replace(got_up, upright=np.full(10, 0.5)))
    assert (bent.success, bent.failed) == (False, False)


# Chain canonicalization and the baseline's goal-only reference.


def _quat_z(angle: float) -> torch.Tensor:
    return torch.tensor([[0.0, 0.0, math.sin(angle / 2), math.cos(angle / 2)]])


def test_episodes_split_by_how_they_started_and_by_the_time_to_their_first_goal():
    missed = np.full(10, 0.5)
    cases = [  # start, goal horizon (s), reached
        ("moved", 0.5, True), ("moved", 29 / 30, False), ("displaced", 1.0, False),
        ("displaced", 44 / 30, False), ("displaced", 1.5, True), ("moved", 2.0, True),
    ]  # fmt: skip
    scores = []
    for index, (start, horizon, reached) in enumerate(cases):
        distance = {} if reached else {"goal_distance": missed}
        episode = _goal_episode(clip=f"clip{index % 2}", start=start, goal_horizon=horizon, **distance)
        scores.append(score_goals(episode))
    assert [(score.start, score.goal_horizon) for score in scores] == [case[:2] for case in cases]
    result = CheckpointResult("policy", Path("model_0.pt"), scores)

    def split(by: str) -> list[tuple[str, int, float]]:
        return [(label, count, summary.episode_success_rate) for label, count, summary in group_summaries(result, by)]

    assert split("start") == [("moved", 3, pytest.approx(200 / 3)), ("displaced", 3, pytest.approx(100 / 3))]
    assert split("horizon") == [("< 1.0 s", 2, 50.0), ("1.0-1.5 s", 2, 0.0), (">= 1.5 s", 2, 100.0)]
    table = group_table(result, "start").splitlines()
    assert table[0].split()[:3] == ["start", "episodes", "SR"]
    assert [line.split()[0] for line in table[2:]] == ["moved", "displaced"]


def test_chain_canonicalization_moves_the_goal_frames_onto_the_humanoid():
    # the reference pelvis stands at (1, 0) facing +x, the humanoid at (2, 1) facing +y, slightly lower
    turn, shift = heading_alignment(
        torch.tensor([[2.0, 1.0, 0.8]]), _quat_z(math.pi / 2), torch.tensor([[1.0, 0.0, 0.9]]), _quat_z(0.0)
    )
    torch.testing.assert_close(shift, torch.tensor([[2.0, 0.0, 0.0]]))
    clip = walking_clip(3, object_name="box_medium")
    frame = MotionFrame(**{
        field.name: torch.as_tensor(np.asarray(getattr(clip, field.name))[:1], dtype=torch.float32).unsqueeze(0)
        for field in dataclasses.fields(MotionFrame)
    })  # fmt: skip
    frame = dataclasses.replace(
        frame,
        root_pos=torch.tensor([[[1.0, 0.0, 0.9]]]),
        root_quat=_quat_z(0.0).unsqueeze(0),
        body_pos=torch.tensor([[[[1.0, 0.0, 0.9], [2.0, 0.0, 0.5]]]]),
        object_pos=torch.tensor([[[1.5, -1.0, 0.2]]]),
    )
    moved = frame.moved(turn, shift)
    # a point 1 m ahead of the reference pelvis lands 1 m ahead of the humanoid; heights stay
    torch.testing.assert_close(moved.body_pos, torch.tensor([[[[2.0, 1.0, 0.9], [2.0, 2.0, 0.5]]]]))
    torch.testing.assert_close(moved.object_pos, torch.tensor([[[3.0, 1.5, 0.2]]]))
    torch.testing.assert_close(moved.root_quat, _quat_z(math.pi / 2).unsqueeze(0))
    assert torch.equal(moved.contact_object, frame.contact_object) and torch.equal(moved.joint_pos, frame.joint_pos)
    # composing with the identity changes nothing; a second alignment composes after the first
    identity = (_quat_z(0.0), torch.zeros(1, 3))
    torch.testing.assert_close(compose((turn, shift), identity)[1], shift)
    back_turn, back_shift = compose(heading_alignment(
        torch.tensor([[1.0, 0.0, 0.0]]), _quat_z(0.0), torch.tensor([[2.0, 1.0, 0.0]]), _quat_z(math.pi / 2)
    ), (turn, shift))  # fmt: skip
    torch.testing.assert_close(back_turn, _quat_z(0.0), atol=1e-6, rtol=0)
    torch.testing.assert_close(back_shift, torch.zeros(1, 3), atol=1e-6, rtol=0)


def test_the_baseline_takes_the_nearest_given_goal_at_or_after_each_frame():
    goal_times = torch.tensor([[0.0, 0.1, 0.2, 1.0], [0.0, 0.1, 0.2, 0.5]])
    present = torch.tensor([[True, False, True, True], [True, True, False, False]])
    residuals = torch.arange(4.0).view(1, 4, 1).expand(2, 4, 2)
    frame_times = torch.tensor([[0.0, 0.1, 0.5, 2.0], [0.0, 0.05, 0.3, 0.6]])
    chosen = nearest_given_goals(frame_times, goal_times, present, residuals)
    assert chosen[..., 0].tolist() == [[0.0, 2.0, 3.0, 3.0], [0.0, 1.0, 1.0, 1.0]]


def test_every_goal_task_has_an_evaluation_and_unknown_tasks_are_a_clear_error():
    names = ["Track", "Snapshot", "Trajectory", "Contact", "Goals", "Chain", "RandInit", "GetUp"]
    assert list(EVAL_TASKS) == names + [f"{name}-G1" for name in names]
    assert eval_task("GetUp-G1").task_id == "InterPrior-GetUp-G1-v0" and eval_task("Chain-G1").configure_env.keywords
    assert eval_task("InterPrior-Snapshot-v0").name == "Snapshot" and eval_task("InterPrior-GetUp-v0").name == "GetUp"
    assert eval_tasks(["all", "Snapshot"]) == list(GOAL_TASKS)
    with pytest.raises(ValueError, match="task 'Jump' has no evaluation; evaluable tasks: Track, Snapshot, "):
        eval_task("Jump")


def test_goal_evaluation_configs_use_the_thresholds(tmp_path):
    for name in ("Chain", "GetUp", "RandInit"):
        task = eval_task(name)
        env_cfg = load_env_cfg(task.task_id)
        trains_with_curriculum = env_cfg.curriculum is not None
        task.configure_env(env_cfg, [tmp_path / "a.npz"], THRESHOLDS)
        goal = env_cfg.commands.goal
        assert (goal.success_threshold, goal.window) == (THRESHOLDS.goal_distance, THRESHOLDS.goal_window)
        assert trains_with_curriculum == (name != "Chain") and env_cfg.curriculum is None, "no curriculum moves xi"
        if name == "RandInit":
            continue
        kept = [name for name, term in vars(env_cfg.terminations).items() if term is not None]
        events = [name for name, event in vars(env_cfg.events).items() if event is not None]
        assert events == [env_cfg.commands.reference.object_switch_term]
        if name == "Chain":
            assert goal.goal_spacing == 30 and kept == ["fall", "physics_diverged", "goals_passed"]
            assert env_cfg.terminations.fall.params["minimum_height"] == THRESHOLDS.fall_height
        else:
            assert goal.goal_spacing is None and kept == ["physics_diverged", "goals_passed"]
            assert env_cfg.commands.reference.fallen_prob == 1.0 and goal.families == ("snapshot",)


# Real rollouts.

SNAPSHOT = "InterPrior-Snapshot-v0"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A 70-frame and a 40-frame walking clip of a Track box, a tiny distilled policy and a tiny Track expert."""
    workdir = tmp_path_factory.mktemp("eval_goals")
    clips = workdir / "clips"
    clips.mkdir()
    save_clip(walking_clip(70, object_name="box_medium"), clips / "walk_long.npz")
    save_clip(walking_clip(40, object_name="box_medium"), clips / "walk_short.npz")
    _, agent_cfg = load_task_configs("InterPrior-Track-v0")
    actor_cfg = agent_cfg.to_dict()["actor"]
    actor_cfg.pop("class_name")
    torch.manual_seed(0)
    with open_env(SNAPSHOT, NUM_ENVS, seed=1, env_cfg=load_env_cfg(SNAPSHOT)) as env:
        vec_env = FiniteVecEnvWrapper(env)
        obs = vec_env.get_observations()
        policy_cfg = LatentPolicyCfg(
            obs_dim=0, action_dim=0, privileged_dim=0, token_dim=32, feedforward_dim=64, num_layers=1,
            encoder_hidden_dims=[64, 64], decoder_hidden_dims=[64, 64], goal_head_hidden_dims=[64],
        )  # fmt: skip
        fit_policy_to_env(policy_cfg, env.cfg, obs, vec_env.num_actions)
        policy = LatentPolicy(policy_cfg, NUM_ENVS, "cpu")
        distilled = {"policy_state_dict": policy.state_dict(), "policy_cfg": policy_cfg.to_dict(), "iter": 0}
        expert = MLPModel(obs, {"actor": ["expert"]}, "actor", vec_env.num_actions, **actor_cfg)
        ppo = {"actor_state_dict": expert.state_dict(), "critic_state_dict": {}}
    for name, saved in (("distilled", distilled), ("expert", ppo)):
        (workdir / name).mkdir()
        torch.save(saved | {"optimizer_state_dict": {}}, workdir / name / "model_0.pt")
    return workdir


def test_snapshot_chain_and_rand_init_evaluations_are_deterministic_and_write_reports(workdir):
    out = workdir / "out"
    result = run_script(
        "evaluate.py", "--task", "Snapshot", "--task", "Chain", "--task", "RandInit", "--checkpoint",
        str(workdir / "distilled"), "--clips", str(workdir / "clips"), "--num-envs", str(NUM_ENVS),
        "--episodes-per-clip", "2", "--seed", "3", "--by", "start", "--by", "horizon", "--out", str(out), cwd=workdir,
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    start_tables = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(("start ", "horizon "))]
    assert start_tables == ["start", "horizon"] * 3, "each task prints its episodes split by start and by horizon"
    header = next(line for line in result.stdout.splitlines() if line.startswith("Chain "))
    assert header.split()[-3:] == ["steps", "Goals", "%"]
    assert "InterPrior prior mean" in result.stdout
    written = {path.name for path in out.iterdir()}
    assert written == {
        f"eval_{name}_clips.{ext}" for name in ("Snapshot", "Chain", "RandInit") for ext in ("csv", "json")
    } | {f"eval_{name}_clips_success.png" for name in ("Snapshot", "Chain", "RandInit", "tasks")}

    chain = json.loads((out / "eval_Chain_clips.json").read_text())
    assert chain["thresholds"] == THRESHOLDS.as_dict() and chain["checkpoints"][0]["policy"] == "prior"
    for episode in chain["checkpoints"][0]["episodes"]:
        assert 0.0 <= episode["goals_reached"] <= 1.0
        # 70 frames: two goals 1 s apart, so the episode lasts to the second goal's window unless it fell
        if not episode["failed"]:
            assert episode["steps"] >= 60 if episode["clip"] == "walk_long" else 30 <= episode["steps"] <= 40

    task = eval_task("Snapshot")
    clip_files = clips_of_objects(workdir / "clips", task.clip_objects(load_env_cfg(task.task_id)))
    episodes = make_episodes(clip_files, workdir / "clips", 2)
    recorded = run_episodes(task, workdir / "distilled" / "model_0.pt", clip_files, episodes, NUM_ENVS, seed=3)
    scores = [task.score(episode, THRESHOLDS) for episode in recorded]
    from_cli = json.loads((out / "eval_Snapshot_clips.json").read_text())["checkpoints"][0]["episodes"]
    as_json = [{key: None if value != value else value for key, value in score.__dict__.items()} for score in scores]
    assert as_json == from_cli, "the same seed gives the same numbers"
    for episode in recorded:
        assert episode.goal_count == 1 and set(episode.goal_index) == {0} and episode.start == "reference"
        # the first record follows the first step, whose reference time is the episode's start
        assert episode.goal_horizon == pytest.approx(episode.time_to_goal[0], abs=1e-5)
        # the goal is 15-60 steps ahead; the episode ends 0.2 s after it unless it fell
        if "goals_passed" in episode.end_causes:
            assert episode.time_to_goal[-1] < -THRESHOLDS.goal_window < episode.time_to_goal[-2] + 1e-6
        assert np.isfinite(episode.goal_distance).all() and (episode.goal_distance > 0).all()


def test_rand_init_episodes_record_how_they_started_and_their_goal_horizon(workdir):
    task = eval_task("RandInit")
    clip_files = clips_of_objects(workdir / "clips", task.clip_objects(load_env_cfg(task.task_id)))
    episodes = make_episodes(clip_files, workdir / "clips", 4)
    recorded = run_episodes(task, workdir / "distilled" / "model_0.pt", clip_files, episodes, NUM_ENVS, seed=5)
    starts = [episode.start for episode in recorded]
    assert set(starts) == {"moved", "displaced"}, f"no fallen starts in RandInit, both others in 8 episodes: {starts}"
    clearance = load_env_cfg(task.task_id).commands.reference.object_clearance
    for episode in recorded:
        apart = np.linalg.norm(episode.object_pos[0, :2] - episode.body_pos[0, PELVIS, :2])
        if episode.start == "displaced":  # one step after the start: the object rests where it was put
            assert apart >= clearance - 0.05, f"a displaced object starts {apart:.2f} m from the pelvis"
        assert episode.goal_horizon == pytest.approx(episode.time_to_goal[0], abs=1e-5)
        steps = episode.goal_horizon * 30  # L = 15-60 steps, cut at the 40-frame clip's end (38 steps)
        assert 15 <= round(steps) <= 60 and steps == pytest.approx(round(steps), abs=1e-3)


def test_a_sampled_prior_latent_repeats_with_the_seed_and_differs_from_the_mean(workdir):
    """``sample_latent`` draws one latent per episode from the prior (the paper's inference), its noise from the
    episode's seed: the same run twice gives the same motion, and not the motion of the prior mean."""
    task = eval_task("Snapshot")
    clip_files = clips_of_objects(workdir / "clips", task.clip_objects(load_env_cfg(task.task_id)))
    episodes = make_episodes(clip_files, workdir / "clips", 1)[:1]
    checkpoint = workdir / "distilled" / "model_0.pt"
    (sampled,), (again,), (mean,) = (
        run_episodes(task, checkpoint, clip_files, episodes, 1, seed=3, sample_latent=sample)
        for sample in (True, True, False)
    )
    np.testing.assert_array_equal(sampled.body_pos, again.body_pos)
    assert sampled.body_pos.shape != mean.body_pos.shape or not np.allclose(sampled.body_pos, mean.body_pos, atol=1e-4)


def test_an_episode_draws_its_start_goal_and_latent_from_its_own_seed(workdir):
    """Which env plays an episode, and when, changes none of its draws: one env playing four RandInit episodes in
    turn and two envs playing them two at a time give each episode the same start, goal and (sampling the prior)
    latent noise, so checkpoints evaluated with the same seed face the same episodes. Another seed draws others."""
    task = eval_task("RandInit")
    clip_files = clips_of_objects(workdir / "clips", task.clip_objects(load_env_cfg(task.task_id)))
    episodes = make_episodes(clip_files, workdir / "clips", 2)
    checkpoint = workdir / "distilled" / "model_0.pt"

    def run(num_envs: int, seed: int) -> list[GoalEpisode]:
        return run_episodes(task, checkpoint, clip_files, episodes, num_envs, seed=seed, sample_latent=True)

    together, in_turn, other_seed = run(NUM_ENVS, 5), run(1, 5), run(NUM_ENVS, 6)
    for a, b in zip(together, in_turn, strict=True):
        assert (a.clip, a.repeat, a.start, a.goal_horizon) == (b.clip, b.repeat, b.start, b.goal_horizon)
        np.testing.assert_array_equal(a.goal_body_pos[0], b.goal_body_pos[0])
        # the first steps from the same start under the same latent noise (a different noise moves the limbs apart)
        np.testing.assert_allclose(a.body_pos[:5], b.body_pos[:5], atol=1e-4)
        np.testing.assert_allclose(a.object_pos[:5], b.object_pos[:5], atol=1e-4)
    assert not any(np.allclose(a.body_pos[0], c.body_pos[0], atol=1e-2) for a, c in zip(together, other_seed))


def test_a_chain_canonicalizes_the_clip_onto_the_humanoid_when_its_next_goal_starts(workdir):
    task = eval_task("Chain")
    clip_files = [workdir / "clips" / "walk_long.npz"]
    env_cfg = load_env_cfg(task.task_id)
    task.configure_env(env_cfg, clip_files, THRESHOLDS)
    env_cfg.commands.goal.goal_spacing = 10  # a goal every 1/3 s
    with open_env(task.task_id, 1, seed=0, env_cfg=env_cfg) as env:
        schedule, goal = env.command_manager.get_term("reference"), env.command_manager.get_term("goal")
        schedule.start(make_episodes(clip_files, workdir / "clips", 1))
        env.reset()
        # 70 frames at 30 Hz from the first step: 6 goals 10 steps apart fit
        assert goal.goal_count.tolist() == [6] and goal.snapshot_time.tolist() == pytest.approx([11 / 30])
        actions = torch.zeros(1, env.action_manager.total_action_dim)
        with torch.inference_mode():
            for _ in range(20):
                env.step(actions)  # the PD drives hold the default pose while the clip walks away
                if goal.goal_index[0] == 1:
                    break
            assert goal.goal_index.tolist() == [1] and goal.snapshot_time.tolist() == pytest.approx([21 / 30])
            # the clip's pelvis of the moment, moved, is where the humanoid stands, facing its way
            now = schedule.library.frame_at(schedule.clip_ids, schedule.times)
            placed = now.moved(goal.turn, goal.shift)
            pelvis_pos, pelvis_quat = schedule.body_state()["body_pos"][:, 0], schedule.body_state()["body_quat"][:, 0]
            torch.testing.assert_close(placed.root_pos[:, :2], pelvis_pos[:, :2], atol=1e-4, rtol=0)
            assert float(quat_error_magnitude(yaw_quat(placed.root_quat), yaw_quat(pelvis_quat))) < 1e-4
            assert float(torch.linalg.norm(goal.shift)) > 0.1, "the humanoid stayed behind the walking clip"
            # the next goal is the clip's frame at its time, moved the same way
            unmoved = schedule.library.frame_at(schedule.clip_ids, goal.snapshot_time)
            expected = unmoved.moved(goal.turn, goal.shift).body_pos
            torch.testing.assert_close(goal.goal_frames().body_pos[:, -1], expected)


def test_the_track_expert_is_the_maskedmimic_baseline_on_goal_tasks(workdir):
    task = eval_task("Contact")
    clip_files = [workdir / "clips" / "walk_short.npz"]
    episodes = make_episodes(clip_files, workdir / "clips", 1)
    (recorded,) = run_episodes(task, workdir / "expert" / "model_0.pt", clip_files, episodes, num_envs=1, seed=0)
    assert recorded.families == ("contact",) and recorded.end_causes
    assert np.isnan(recorded.goal_distance).all(), "a contact goal gives no pose component"
    assert ((recorded.contact_agreement >= 0) & (recorded.contact_agreement <= 1)).all()


def test_a_checkpoint_for_another_observation_space_is_refused(workdir):
    saved = torch.load(workdir / "distilled" / "model_0.pt", weights_only=False)
    state = saved["policy_state_dict"]
    name = next(key for key, value in state.items() if value.dim() == 2)
    state[name] = state[name][:, :-3]  # as if trained on 3 fewer inputs
    other = workdir / "other" / "model_0.pt"
    other.parent.mkdir()
    torch.save(saved, other)
    clip_files = [workdir / "clips" / "walk_short.npz"]
    with pytest.raises(CheckpointError, match="was trained for other sizes"):
        run_episodes(eval_task("Snapshot"), other, clip_files, make_episodes(clip_files, workdir / "clips", 1), 1)


def _exit_message(*argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(list(argv))
    assert exit_info.value.code not in (0, None)
    return str(exit_info.value.code)


def test_command_line_errors_are_one_clear_line(workdir):
    common = ("--clips", str(workdir / "clips"), "--out", str(workdir / "errors"))
    distilled = str(workdir / "distilled")
    message = _exit_message("--task", "Snapshot", "--task", "Jump", "--checkpoint", distilled, *common)
    assert message.startswith("evaluate.py: error: task 'Jump' has no evaluation; evaluable tasks: Track, Snapshot")
    message = _exit_message("--task", "Snapshot", "--by", "clip", "--checkpoint", distilled, *common)
    assert message == "evaluate.py: error: --by 'clip': episodes can be split by start, horizon"
    message = _exit_message("--task", "all", "--checkpoint", str(workdir / "missing.pt"), *common)
    assert message == f"evaluate.py: error: checkpoint {workdir / 'missing.pt'} does not exist"
    message = _exit_message("--checkpoint", distilled, *common)
    assert message == (
        f"evaluate.py: error: checkpoint {workdir / 'distilled' / 'model_0.pt'} is a distilled InterPrior policy; "
        "it runs on the goal tasks, not on Track"
    )
    assert not (workdir / "errors").exists()
