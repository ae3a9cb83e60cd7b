"""The evaluation harness: metrics on hand-made trajectories, reports and plots on known results, and real
rollouts of a freshly initialized Track policy (deterministic for a seed, recorded where the terminations fire),
plus the command line's errors.

Real rollouts cost ~15 s to open an env on this machine; the policy is untrained, so its episodes drift off the
reference within a second and stay short.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.tensorboard import SummaryWriter

from interprior.agents.checkpoints import CheckpointError
from interprior.agents.runner import load_task_configs, make_runner
from interprior.data.clip import save_clip
from interprior.eval.clip_set import Episode, clips_of_objects, make_episodes
from interprior.eval.episodes import run_episodes
from interprior.eval.metrics import TrackedEpisode, position_error, score_tracking, summarize
from interprior.eval.plots import plot_learning_curves, plot_success
from interprior.eval.paired import paired_difference
from interprior.eval.report import CheckpointResult, paired_table, write_atomically, write_report
from interprior.eval.scheduled_reference import ScheduledReferenceCfg
from interprior.eval.tasks import EVAL_TASKS, TRACK, eval_task
from interprior.eval.thresholds import THRESHOLDS
from interprior.tasks.env_factory import open_env

from .clips import walking_clip

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import evaluate  # noqa: E402

NUM_ENVS = 2


def _episode(steps: int = 10, **changes) -> TrackedEpisode:
    """A perfectly tracked episode of the walking clip's first ``steps`` frames; ``changes`` replace fields."""
    clip = walking_clip(steps, object_name="box_medium")
    fields = {
        "clip": "walk",
        "repeat": 0,
        "body_pos": clip.body_pos.copy(),
        "ref_body_pos": clip.body_pos.copy(),
        "object_pos": clip.object_pos.copy(),
        "ref_object_pos": clip.object_pos.copy(),
        "reached_end": True,
        "end_causes": ("clip_end",),
    }
    return TrackedEpisode(**(fields | changes))


# Metrics on hand-made trajectories.


def test_a_perfect_rollout_succeeds_with_zero_errors():
    score = score_tracking(_episode())
    assert (score.success, score.failed, score.steps, score.cause) == (True, False, 10, "success")
    assert score.body_error == score.pelvis_error == score.object_error == 0.0
    summary = summarize([score, score_tracking(_episode(clip="other"))])
    assert (summary.clips, summary.success_rate, summary.failure_rate, summary.mean_steps) == (2, 100.0, 0.0, 10.0)


def test_a_fall_is_a_failure():
    perfect = _episode()
    body_pos = perfect.body_pos.copy()
    body_pos[7:, :, 2] -= 0.8  # the pelvis (0.92 m) sinks below the fall height at step 7
    score = score_tracking(_episode(body_pos=body_pos, reached_end=False, end_causes=("fall", "body_drift")))
    assert (score.success, score.failed, score.cause) == (False, True, "fall")
    summary = summarize([score])
    assert (summary.success_rate, summary.failure_rate) == (0.0, 100.0)


def test_a_non_finite_state_is_a_failure_and_its_errors_average_the_finite_steps():
    perfect = _episode()
    body_pos = perfect.body_pos.copy()
    body_pos[-1] = np.nan
    score = score_tracking(_episode(body_pos=body_pos, reached_end=False, end_causes=("physics_diverged",)))
    assert score.failed and not score.success
    assert score.body_error == 0.0


def test_a_partial_drift_gives_the_known_errors():
    perfect = _episode()
    body_pos, object_pos = perfect.body_pos.copy(), perfect.object_pos.copy()
    body_pos[5:, :, 0] += 0.2  # the whole humanoid 0.2 m off for the last 5 of 10 steps
    object_pos[:, 1] -= 0.3  # the object 0.3 m off throughout
    score = score_tracking(
        _episode(body_pos=body_pos, object_pos=object_pos, reached_end=False, end_causes=("body_drift",))
    )
    assert (score.success, score.failed, score.cause) == (False, False, "body_drift")
    assert score.body_error == pytest.approx(0.1) and score.pelvis_error == pytest.approx(0.1)
    assert score.object_error == pytest.approx(0.3)
    np.testing.assert_allclose(position_error(body_pos, perfect.ref_body_pos), [0.0] * 5 + [0.2] * 5, atol=1e-6)


def test_per_clip_the_longest_then_most_accurate_repetition_is_kept():
    body_pos = _episode().body_pos.copy()
    body_pos[:, :, 0] += 0.1
    long_and_off = score_tracking(_episode(repeat=0, body_pos=body_pos))
    short = score_tracking(_episode(5, repeat=1, reached_end=False))
    long_and_exact = score_tracking(_episode(repeat=2))
    summary = summarize([long_and_off, short])
    assert (summary.clips, summary.mean_steps, summary.body_error) == (1, 10.0, pytest.approx(0.1))
    assert summarize([long_and_off, short, long_and_exact]).body_error == 0.0


def test_per_clip_a_successful_repetition_is_kept_before_a_closer_failed_one():
    reached = replace(score_tracking(_episode(repeat=0)), success=True, body_error=0.3, object_error=0.3)
    closer = replace(reached, repeat=1, success=False, body_error=0.1, object_error=0.1)
    assert summarize([closer, reached]).success_rate == 100.0
    assert summarize([closer, replace(reached, success=False)]).body_error == pytest.approx(0.1)


def test_the_episode_success_rate_counts_every_repetition_where_the_kept_rate_counts_clips(tmp_path):
    reached = score_tracking(_episode(repeat=0))
    missed = [score_tracking(_episode(5, repeat=repeat, reached_end=False)) for repeat in (1, 2, 3)]
    other = score_tracking(_episode(5, clip="other", reached_end=False))
    summary = summarize([*missed, reached, other])
    assert (summary.success_rate, summary.episode_success_rate) == (50.0, 20.0)
    assert summary.episode_success_se == pytest.approx(100.0 * math.sqrt(0.2 * 0.8 / 5))  # 17.9: 1 of 5 episodes
    assert summarize([reached]).episode_success_se == 0.0
    result = CheckpointResult("a", Path("a.pt"), [*missed, reached, other])
    csv_path, _ = write_report(tmp_path, "eval", TRACK.task_id, {}, {}, [result])
    rows = {row["clip"]: row for row in csv.DictReader(csv_path.open())}
    walk = rows["walk"]
    assert (walk["episodes"], float(walk["success_rate"]), float(walk["episode_success_rate"])) == ("4", 100.0, 25.0)
    assert float(rows["ALL"]["episode_success_rate"]) == 20.0
    assert float(walk["episode_success_se"]) == pytest.approx(100.0 * math.sqrt(0.25 * 0.75 / 4))


def test_the_clip_clustered_standard_error_counts_the_spread_between_clips(tmp_path):
    episode = score_tracking(_episode(repeat=0))
    always, never = replace(episode, clip="always", success=True), replace(episode, clip="never", success=False)
    split = summarize([always] * 4 + [never] * 4)  # 4 of 8 episodes: every success on one clip
    assert split.episode_success_se == pytest.approx(100.0 * math.sqrt(0.5 * 0.5 / 8))  # 17.7 as if independent
    assert split.episode_success_clip_se == pytest.approx(50.0)  # the spread of two clip rates, 1 and 0
    halves = [replace(clip, success=repeat < 2) for clip in (always, never) for repeat in range(4)]
    assert summarize(halves).episode_success_clip_se == 0.0  # 4 of 8 again, every clip at the same rate
    unequal = [always] * 3 + [never] * 1  # s_c - p n_c: 3 - 0.75 * 3 and 0 - 0.75 * 1
    assert summarize(unequal).episode_success_clip_se == pytest.approx(100.0 * math.sqrt(2 * 2 * 0.75**2) / 4)
    assert math.isnan(summarize([always] * 4).episode_success_clip_se)  # one clip: no spread between clips to count
    csv_path, _ = write_report(tmp_path, "eval", TRACK.task_id, {}, {}, [CheckpointResult("a", Path("a.pt"), halves)])
    rows = {row["clip"]: row for row in csv.DictReader(csv_path.open())}
    assert float(rows["ALL"]["episode_success_clip_se"]) == 0.0
    assert math.isnan(float(rows["always"]["episode_success_clip_se"]))


def test_paired_differences_compare_the_same_episodes_of_two_checkpoints(tmp_path):
    base = score_tracking(_episode(repeat=0))

    def scores(successes: str, errors: list[float]) -> list:
        """Episodes of clips a and b, two repetitions each: success flags ("1"/"0") and E_h."""
        keys = [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
        return [
            replace(base, clip=clip, repeat=repeat, success=flag == "1", body_error=error)
            for (clip, repeat), flag, error in zip(keys, successes, errors)
        ]

    first = scores("0100", [0.5, 0.4, 0.6, math.nan])
    second = scores("1101", [0.4, 0.2, 0.6, 0.3])
    difference = paired_difference(second, first)
    assert (difference.episodes, difference.only_this, difference.only_reference) == (4, 2, 0)
    assert difference.success == pytest.approx(50.0)  # 3 of 4 against 1 of 4 episodes
    assert difference.success_se == pytest.approx(100.0 * np.std([1, 0, 0, 1], ddof=1) / 2)
    assert difference.success_clip_se == pytest.approx(0.0)  # each clip gains one success in two
    assert difference.body_error == pytest.approx(-0.1)  # -0.1, -0.2, 0: the NaN episode is left out
    assert difference.body_error_se == pytest.approx(np.std([-0.1, -0.2, 0.0], ddof=1) / math.sqrt(3))
    reordered = paired_difference(second[::-1] + [replace(base, clip="c")], first)  # matched by clip and repetition
    assert reordered.episodes == 4 and reordered.success == difference.success
    with pytest.raises(ValueError, match="share no episode"):
        paired_difference([replace(base, clip="c")], first)

    results = [CheckpointResult("student", Path("s.pt"), first), CheckpointResult("tuned", Path("t.pt"), second)]
    table = paired_table("Snapshot", results).splitlines()
    assert table[0].split()[:4] == ["Snapshot", "vs", "student", "episodes"]
    assert table[2].split() == ["tuned", "4", "+50.0", "28.9", "0.0", "2", "0", "-0.1000", "0.0577"]
    _, json_path = write_report(tmp_path, "compare", TRACK.task_id, {}, {}, results)
    entries = json.loads(json_path.read_text())["checkpoints"]
    assert entries[0]["paired_with_first"] is None
    assert entries[1]["paired_with_first"]["success"] == pytest.approx(50.0)


# The Track evaluation's configuration, reports and plots.


def test_track_evaluation_config_uses_the_thresholds_and_removes_randomness(tmp_path):
    env_cfg, _ = load_task_configs(TRACK.task_id)
    TRACK.configure_env(env_cfg, [tmp_path / "a.npz"], THRESHOLDS)
    terminations = env_cfg.terminations
    assert terminations.fall.params["minimum_height"] == THRESHOLDS.fall_height
    assert terminations.body_drift.params["threshold"] == THRESHOLDS.body_drift
    assert terminations.object_drift.params["threshold"] == THRESHOLDS.object_drift
    assert terminations.time_out is None and terminations.clip_end is not None
    reference = env_cfg.commands.reference
    kept = {name: event for name, event in vars(env_cfg.events).items() if event is not None}
    assert list(kept) == [reference.object_switch_term], "only the box switch stays, at nominal dynamics"
    switch = kept[reference.object_switch_term].params
    assert switch["size_scale_range"] == switch["mass_scale_range"] == switch["inertia_scale_range"] == (1.0, 1.0)
    assert isinstance(reference, ScheduledReferenceCfg) and reference.motion_paths == [str(tmp_path / "a.npz")]
    assert reference.root_pos_noise == reference.joint_pos_noise == reference.object_pos_noise == 0.0
    assert reference.repeat_joint_pos_noise > 0.0


def test_unknown_tasks_are_a_clear_error():
    with pytest.raises(ValueError, match="task 'InterPrior-Jump-v0' has no evaluation; evaluable tasks: Track, "):
        eval_task("InterPrior-Jump-v0")
    assert eval_task("InterPrior-Track-v0") is EVAL_TASKS["Track"] is TRACK


def test_report_tables_csv_and_json_agree(tmp_path):
    success, drift = score_tracking(_episode()), score_tracking(_episode(clip="b", reached_end=False))
    results = [
        CheckpointResult("expert", Path("a/model_9.pt"), [success, drift]),
        CheckpointResult("finetuned", Path("b/model_9.pt"), [success]),
    ]
    csv_path, json_path = write_report(tmp_path, "compare", TRACK.task_id, {"seed": 0}, THRESHOLDS.as_dict(), results)
    rows = list(csv.DictReader(csv_path.open()))
    assert [(row["checkpoint"], row["clip"], float(row["success_rate"])) for row in rows] == [
        ("expert", "walk", 100.0), ("expert", "b", 0.0), ("expert", "ALL", 50.0),
        ("finetuned", "walk", 100.0), ("finetuned", "ALL", 100.0),
    ]  # fmt: skip
    document = json.loads(json_path.read_text())
    assert document["thresholds"] == THRESHOLDS.as_dict()
    assert {key: document["thresholds"][key] for key in ("fall_height", "body_drift", "object_drift")} == {
        "fall_height": 0.3, "body_drift": 0.5, "object_drift": 0.5,
    }  # fmt: skip
    assert "goal_rate" not in rows[0], "tracking has no goals column"
    assert [entry["summary"]["success_rate"] for entry in document["checkpoints"]] == [50.0, 100.0]
    assert len(document["checkpoints"][0]["episodes"]) == 2


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text("earlier results\n")

    def broken(temporary: Path) -> None:
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, broken)
    assert path.read_text() == "earlier results\n" and list(tmp_path.iterdir()) == [path]


def test_plots_write_success_bars_and_learning_curves(tmp_path):
    bars = plot_success({"Track": {"expert": 80.0, "finetuned": 90.0}}, tmp_path / "success.png")
    assert bars.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run_dir = tmp_path / "run"
    writer = SummaryWriter(str(run_dir))
    for iteration in range(5):
        writer.add_scalar("Train/mean_reward", iteration * 0.5, iteration)
        writer.add_scalar("Train/mean_reward/time", iteration * 0.5, 10 * iteration)
        writer.add_scalar("Loss/value", 1.0, iteration)
    writer.close()
    assert plot_learning_curves(run_dir, tmp_path / "curves.png") == ["Train/mean_reward"]
    assert (tmp_path / "curves.png").stat().st_size > 5000
    with pytest.raises(FileNotFoundError, match="no TensorBoard event file"):
        plot_learning_curves(tmp_path, tmp_path / "none.png")


# Real rollouts.


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Two walking clips of the Track object, one of another object, and a freshly initialized Track policy."""
    workdir = tmp_path_factory.mktemp("eval")
    clips = workdir / "clips"
    clips.mkdir()
    save_clip(walking_clip(40, object_name="box_medium"), clips / "walk_long.npz")
    save_clip(walking_clip(30, object_name="box_medium"), clips / "walk_short.npz")
    save_clip(walking_clip(30, object_name="stool"), clips / "walk_stool.npz")
    env_cfg, agent_cfg = load_task_configs(TRACK.task_id)
    agent_cfg.device = "cpu"
    with open_env(TRACK.task_id, NUM_ENVS, seed=1, env_cfg=env_cfg) as env:
        make_runner(env, agent_cfg).save(str(workdir / "model_0.pt"))
    return workdir


def test_evaluation_is_deterministic_and_records_where_the_episode_ended(workdir):
    out = workdir / "out"
    command = [
        sys.executable, str(REPO / "scripts" / "evaluate.py"), "--checkpoint", str(workdir / "model_0.pt"),
        "--clips", str(workdir / "clips"), "--num-envs", str(NUM_ENVS), "--episodes-per-clip", "2", "--seed", "4",
        "--out", str(out),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    header = next(line for line in result.stdout.splitlines() if line.startswith("Track "))
    assert header.split() == [
        "Track", "clips", "SR", "%", "SR/ep", "%", "SE", "%", "SE/clip", "%", "E_h", "m", "pelvis", "m", "E_o", "m",
        "Fail", "%", "steps",
    ]  # fmt: skip
    clip_header = next(line for line in result.stdout.splitlines() if line.startswith("clip ")).split()
    assert "SE" in clip_header and "SE/clip" not in clip_header, "one clip has no spread between clips"
    assert any(line.startswith("model_0 ") for line in result.stdout.splitlines())
    written = {path.name for path in out.iterdir()}
    assert written == {"eval_Track_clips.csv", "eval_Track_clips.json", "eval_Track_clips_success.png"}

    clip_files = clips_of_objects(workdir / "clips", TRACK.clip_objects(load_task_configs(TRACK.task_id)[0]))
    assert [path.name for path in clip_files] == ["walk_long.npz", "walk_short.npz"]
    episodes = make_episodes(clip_files, workdir / "clips", 2)
    recorded = run_episodes(TRACK, workdir / "model_0.pt", clip_files, episodes, NUM_ENVS, seed=4)
    scores = [TRACK.score(episode, THRESHOLDS) for episode in recorded]
    from_cli = json.loads((out / "eval_Track_clips.json").read_text())["checkpoints"][0]["episodes"]
    as_json = [{key: None if value != value else value for key, value in score.__dict__.items()} for score in scores]
    assert as_json == from_cli, "the same seed gives the same numbers (NaN is null in JSON)"
    assert scores[0].body_error != scores[1].body_error, "the second repetition starts perturbed"

    for episode in recorded:
        clip_frames = 40 if episode.clip == "walk_long" else 30
        assert 0 < len(episode.body_pos) <= clip_frames and not episode.reached_end
        # the first step starts on the reference, the last is the one a termination fired on
        all_body_error = position_error(episode.body_pos, episode.ref_body_pos)
        assert all_body_error[0] < 0.1
        object_error = position_error(episode.object_pos, episode.ref_object_pos)
        over = (all_body_error > THRESHOLDS.body_drift) | (object_error > THRESHOLDS.object_drift)
        assert over[-1] and not over[:-1].any(), episode.end_causes
        assert set(episode.end_causes) <= {"body_drift", "object_drift", "fall"}


def test_a_checkpoint_for_another_observation_space_is_refused(workdir):
    checkpoint = torch.load(workdir / "model_0.pt", weights_only=False)
    for model in ("actor_state_dict", "critic_state_dict"):  # as if trained on 10 fewer observation entries
        state = checkpoint[model]
        for name in ("obs_normalizer._mean", "obs_normalizer._var", "obs_normalizer._std", "mlp.0.weight"):
            state[name] = state[name][:, :-10]
    other = workdir / "other_obs" / "model_0.pt"
    other.parent.mkdir()
    torch.save(checkpoint, other)
    clip_files = [workdir / "clips" / "walk_short.npz"]
    episodes = [Episode(index=0, clip=0, name="walk_short", repeat=0)]
    with pytest.raises(CheckpointError, match="trained for other observation or action sizes"):
        run_episodes(TRACK, other, clip_files, episodes, num_envs=1)


def _exit_message(*argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(list(argv))
    assert exit_info.value.code not in (0, None)
    return str(exit_info.value.code)


def test_command_line_errors_are_one_clear_line_and_keep_earlier_output(workdir):
    out = workdir / "errors"
    out.mkdir()
    earlier = out / "eval_Track_clips.csv"
    earlier.write_text("earlier results\n")
    checkpoint = str(workdir / "model_0.pt")
    common = ("--clips", str(workdir / "clips"), "--out", str(out))
    message = _exit_message("--task", "InterPrior-Jump-v0", "--checkpoint", checkpoint, *common)
    assert message.startswith("evaluate.py: error: task 'InterPrior-Jump-v0' has no evaluation")
    message = _exit_message("--checkpoint", str(workdir / "missing.pt"), *common)
    assert message == f"evaluate.py: error: checkpoint {workdir / 'missing.pt'} does not exist"
    stool_only = workdir / "clips" / "walk_stool.npz"
    message = _exit_message("--checkpoint", checkpoint, "--clips", str(stool_only), "--out", str(out))
    assert "holds no clip of the task's objects box_small, box_medium, box_large, plate" in message
    message = _exit_message("--checkpoint", checkpoint, "--label", "a", "--label", "b", *common)
    assert "2 --label for 1 --checkpoint" in message
    assert "\n" not in message
    assert earlier.read_text() == "earlier results\n" and [path.name for path in out.iterdir()] == [earlier.name]
