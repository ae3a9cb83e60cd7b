"""Training and playing on rsl_rl: scripts/train.py and scripts/play.py end to end, resume, clear errors, and the
guards that keep a diverged world from stopping training (the ``physics_diverged`` termination and the
finite-value wrapper).

The scripts run in subprocesses whose working directory is a pytest tmp dir, so their logs/ never touch the
repository. Each subprocess costs ~10 s of imports plus ~8 s to open the env on this machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from isaaclab.envs import mdp
from isaaclab.managers import RewardTermCfg, SceneEntityCfg

from interprior.agents.checkpoints import (
    MODEL_KEYS,
    OPTIMIZER_KEY,
    CheckpointError,
    checkpoints_in,
    latest_checkpoint,
    release_checkpoint,
    resolve_checkpoint,
)
from interprior.agents.finite import NONFINITE_OBSERVATIONS_KEY, NONFINITE_REWARDS_KEY, FiniteVecEnvWrapper
from interprior.tasks.env_factory import load_env_cfg, open_env

from .scripts import error_line, run_dirs, run_script

TASK = "InterPrior-Scene-v0"
EXPERIMENT = "interprior_scene"
NUM_ENVS = 4


def _scalar_steps(run_dir: Path, tag: str) -> list[int]:
    events = EventAccumulator(str(run_dir))
    events.Reload()
    return [event.step for event in events.Scalars(tag)]


def _adam_steps(checkpoint: Path) -> float:
    """Optimizer steps taken so far, from the Adam state of the checkpoint's first parameter."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)["optimizer_state_dict"]["state"]
    return float(state[0]["step"])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working directory in which train.py has run 2 PPO iterations (the first run of the experiment)."""
    workdir = tmp_path_factory.mktemp("train")
    result = run_script(
        "train.py", "--task", TASK, "--max-iterations", "2", "--seed", "3",
        f"env.scene.num_envs={NUM_ENVS}", "agent.save_interval=1", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_train_writes_checkpoints_tensorboard_events_and_configs(workdir):
    (run_dir,) = run_dirs(workdir, EXPERIMENT)
    assert [path.name for path in checkpoints_in(run_dir)] == ["model_0.pt", "model_1.pt"]
    assert list(run_dir.glob("events.out.tfevents.*"))
    assert _scalar_steps(run_dir, "Loss/learning_rate") == [0, 1]
    assert _scalar_steps(run_dir, NONFINITE_OBSERVATIONS_KEY) == [0, 1]
    agent = yaml.unsafe_load((run_dir / "params" / "agent.yaml").read_text())
    env = yaml.unsafe_load((run_dir / "params" / "env.yaml").read_text())
    assert (agent["max_iterations"], agent["save_interval"], agent["seed"]) == (2, 1, 3)
    assert env["scene"]["num_envs"] == NUM_ENVS
    assert torch.load(run_dir / "model_1.pt", weights_only=False)["iter"] == 1


def test_resume_continues_the_iteration_count_and_the_optimizer_state(workdir, monkeypatch):
    first_run = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "train.py", "--task", TASK, "--num-envs", str(NUM_ENVS), "--max-iterations", "2", "--resume", cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first_checkpoint = Path("logs/rsl_rl") / EXPERIMENT / first_run.name / "model_1.pt"
    assert f"resuming from {first_checkpoint} at iteration 2" in result.stdout
    assert "PPO iterations: 100%" in result.stderr and "4/4" in result.stderr

    resumed_run = run_dirs(workdir, EXPERIMENT)[1]
    checkpoint = checkpoints_in(resumed_run)[-1]
    assert checkpoint.name == "model_3.pt"
    assert torch.load(checkpoint, weights_only=False)["iter"] == 3
    assert _scalar_steps(resumed_run, "Loss/learning_rate") == [2, 3]
    # Adam counts its steps: the resumed optimizer kept counting from the first run's state
    first_steps = _adam_steps(workdir / first_checkpoint)
    assert first_steps > 0
    assert _adam_steps(checkpoint) == pytest.approx(2 * first_steps)
    monkeypatch.chdir(workdir)
    assert latest_checkpoint(EXPERIMENT).resolve() == checkpoint.resolve()


def test_play_acts_with_the_trained_checkpoint(workdir):
    run_dir = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "play.py", "--task", TASK, "--num-envs", "2", "--seconds", "1", "--checkpoint", str(run_dir), cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"acting with the policy of {run_dir / 'model_1.pt'}" in result.stdout
    assert "t=  1.0 s  pelvis height" in result.stdout
    assert "2 envs x 30 steps" in result.stdout


def test_a_released_checkpoint_plays_and_resumes_with_a_fresh_optimizer(workdir):
    run_dir = run_dirs(workdir, EXPERIMENT)[0]
    trained = checkpoints_in(run_dir)[-1]
    released = workdir / "released" / "scene.pt"
    result = run_script("release.py", "--checkpoint", str(run_dir), "--out", str(released), cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"released {trained} (iteration 1) as {released}" in result.stdout
    saved, original = (torch.load(path, weights_only=False) for path in (released, trained))
    assert OPTIMIZER_KEY not in saved and saved["iter"] == original["iter"] == 1
    for key in MODEL_KEYS:
        assert saved[key].keys() == original[key].keys()
        assert all(torch.equal(saved[key][name], original[key][name]) for name in saved[key])
    assert released.stat().st_size < 0.5 * trained.stat().st_size

    result = run_script(
        "play.py", "--task", TASK, "--num-envs", "2", "--seconds", "1", "--checkpoint", str(released), cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"acting with the policy of {released}" in result.stdout

    resumed_dir = workdir / "from_released"
    result = run_script(
        "train.py", "--task", TASK, "--num-envs", str(NUM_ENVS), "--max-iterations", "1", "--checkpoint",
        str(released), "--log-dir", str(resumed_dir), cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resuming from {released} at iteration 2" in result.stdout
    (checkpoint,) = checkpoints_in(resumed_dir)
    assert checkpoint.name == "model_2.pt"
    # a fresh Adam has taken one iteration's steps, half of what the first run's two iterations took
    assert _adam_steps(checkpoint) == pytest.approx(_adam_steps(trained) / 2)


def test_releasing_refuses_to_overwrite_its_checkpoint_or_read_a_missing_or_foreign_one(workdir, tmp_path):
    trained = checkpoints_in(run_dirs(workdir, EXPERIMENT)[0])[-1]
    with pytest.raises(CheckpointError, match="write it to another file"):
        release_checkpoint(trained, trained)
    missing = tmp_path / "model_3.pt"
    error = error_line(run_script("release.py", "--checkpoint", str(missing), "--out", str(tmp_path / "out.pt"), cwd=tmp_path))
    assert error == f"release.py: error: checkpoint {missing} does not exist"
    foreign = tmp_path / "weights.pt"
    torch.save({"actor_state_dict": {}}, foreign)
    error = error_line(run_script("release.py", "--checkpoint", str(foreign), "--out", str(tmp_path / "out.pt"), cwd=tmp_path))
    assert error == f"release.py: error: checkpoint {foreign} is not a training checkpoint (no iter)"
    assert not (tmp_path / "out.pt").exists()


def test_a_checkpoint_for_another_observation_size_is_refused(workdir):
    checkpoint = checkpoints_in(run_dirs(workdir, EXPERIMENT)[0])[-1]
    # without the object position the policy observes 3 values fewer than it was trained on
    result = run_script(
        "play.py", "--task", TASK, "--num-envs", "1", "--seconds", "1", "--checkpoint", str(checkpoint),
        "env.observations.policy.object_pos=None", cwd=workdir,
    )  # fmt: skip
    error = error_line(result)
    assert error.startswith(f"play.py: error: checkpoint {checkpoint} was trained for other observation or action")
    assert "t=" not in result.stdout


def test_an_unknown_task_is_refused(tmp_path):
    error = error_line(run_script("train.py", "--task", "InterPrior-Nope-v0", cwd=tmp_path))
    assert error.startswith("train.py: error: unknown task 'InterPrior-Nope-v0'; InterPrior tasks are:")
    assert TASK in error
    assert not (tmp_path / "logs").exists()


def test_an_embodiment_override_is_refused_naming_the_task_variants(tmp_path):
    error = error_line(run_script("train.py", "--task", "InterPrior-Track-v0", "env.embodiment=g1", cwd=tmp_path))
    assert error.startswith("train.py: error: InterPrior-Track-v0's humanoid")
    assert "is not the embodiment 'g1'" in error and "InterPrior-Track-G1-v0" in error
    assert not (tmp_path / "logs").exists()


def test_a_missing_checkpoint_is_refused(tmp_path):
    missing = tmp_path / "model_7.pt"
    error = error_line(run_script("play.py", "--task", TASK, "--checkpoint", str(missing), cwd=tmp_path))
    assert error == f"play.py: error: checkpoint {missing} does not exist"


def test_checkpoint_lookup_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint to resume: no run under .*interprior_scene"):
        latest_checkpoint(EXPERIMENT)
    empty_run = tmp_path / "logs" / "rsl_rl" / EXPERIMENT / "2026-01-01_00-00-00"
    empty_run.mkdir(parents=True)
    with pytest.raises(CheckpointError, match="holds no model_<iteration>.pt"):
        resolve_checkpoint(empty_run)
    older_run = empty_run.with_name("2025-12-31_23-59-59")
    older_run.mkdir()
    for iteration in (9, 10, 2):
        (older_run / f"model_{iteration}.pt").write_bytes(b"")
    # the newest run has no checkpoint yet (killed before its first save): resume from the run before it
    assert latest_checkpoint(EXPERIMENT) == Path("logs/rsl_rl") / EXPERIMENT / older_run.name / "model_10.pt"


def _inject_divergence(env) -> None:
    """World 1: the humanoid's root velocity becomes NaN; world 2: the object is thrown at 200 m/s."""
    humanoid, obj = env.scene["humanoid"], env.scene["object"]
    humanoid.write_root_com_velocity_to_sim_index(
        root_velocity=torch.full((1, 6), float("nan")), env_ids=torch.tensor([1], dtype=torch.int32)
    )
    obj.write_root_com_velocity_to_sim_index(
        root_velocity=torch.tensor([[200.0, 0.0, 0.0, 0.0, 0.0, 0.0]]), env_ids=torch.tensor([2], dtype=torch.int32)
    )


def _rollout(env, guard: FiniteVecEnvWrapper, steps: int, inject_at: int | None = None) -> list[dict]:
    """Step zero actions from a fresh reset; record the guarded outputs and the worlds' states per step."""
    guard.reset()
    humanoid, obj = env.scene["humanoid"], env.scene["object"]
    zeros = torch.zeros(env.num_envs, guard.num_actions)
    records = []
    for step in range(steps):
        if step == inject_at:
            _inject_divergence(env)
        obs, rewards, dones, _ = guard.step(zeros)
        records.append(
            {
                "obs": obs["policy"].clone(),
                "rewards": rewards.clone(),
                "dones": dones.clone(),
                "diverged": env.termination_manager.get_term("physics_diverged").clone(),
                "episode_length": env.episode_length_buf.clone(),
                "state": torch.cat(
                    [humanoid.data.root_pos_w.torch, humanoid.data.joint_pos.torch, obj.data.root_pos_w.torch], dim=-1
                ).clone(),
            }
        )
    return records


def test_a_diverged_world_is_reset_while_the_others_continue_unchanged():
    steps, inject_at = 8, 3
    with open_env(TASK, NUM_ENVS, seed=5) as env:
        guard = FiniteVecEnvWrapper(env)
        reference = _rollout(env, guard, steps)
        diverged = _rollout(env, guard, steps, inject_at=inject_at)

    hit, calm = [1, 2], [0, 3]
    at_injection = diverged[inject_at]
    assert at_injection["diverged"].tolist() == [False, True, True, False]
    assert at_injection["dones"].tolist() == [0, 1, 1, 0]
    for step, (expected, actual) in enumerate(zip(reference, diverged)):
        assert torch.isfinite(actual["obs"]).all() and torch.isfinite(actual["rewards"]).all()
        torch.testing.assert_close(actual["state"][calm], expected["state"][calm], atol=1e-5, rtol=0)
        torch.testing.assert_close(actual["obs"][calm], expected["obs"][calm], atol=1e-5, rtol=0)
        assert actual["episode_length"][calm].tolist() == [step + 1] * 2
        if step > inject_at:
            # the reset worlds started a fresh episode and replay the reference from its start
            assert actual["episode_length"][hit].tolist() == [step - inject_at] * 2
            fresh = reference[step - inject_at - 1]
            torch.testing.assert_close(actual["state"][hit], fresh["state"][hit], atol=1e-3, rtol=0)
    assert guard.nonfinite_observations == 0  # the termination reset the world before observations were taken


def test_the_guard_zeroes_non_finite_observations_and_rewards_of_an_unterminated_world():
    cfg = load_env_cfg(TASK, num_envs=NUM_ENVS)
    cfg.terminations.physics_diverged = None  # let the NaN state reach observations and rewards
    cfg.rewards.joint_speed = RewardTermCfg(
        func=mdp.joint_vel_l2, weight=-1e-3, params={"asset_cfg": SceneEntityCfg("humanoid")}
    )
    with open_env(TASK, seed=5, env_cfg=cfg) as env:
        guard = FiniteVecEnvWrapper(env)
        zeros = torch.zeros(env.num_envs, guard.num_actions)
        guard.step(zeros)
        env.scene["humanoid"].write_joint_velocity_to_sim_index(
            velocity=torch.full((1, guard.num_actions), float("nan")), env_ids=torch.tensor([1], dtype=torch.int32)
        )
        obs, rewards, _, extras = guard.step(zeros)
        raw_obs = env.obs_buf["policy"].clone()
        raw_rewards = env.reward_buf.clone()

    raw_bad = ~torch.isfinite(raw_obs)
    assert raw_bad[1].any() and not raw_bad[[0, 2, 3]].any()
    assert not torch.isfinite(raw_rewards[1]) and torch.isfinite(raw_rewards[[0, 2, 3]]).all()
    assert torch.isfinite(obs["policy"]).all() and torch.isfinite(rewards).all()
    assert (obs["policy"][raw_bad] == 0).all()
    torch.testing.assert_close(obs["policy"][~raw_bad], raw_obs[~raw_bad])
    assert rewards[1] == 0 and torch.equal(rewards[[0, 2, 3]], raw_rewards[[0, 2, 3]])
    assert guard.nonfinite_observations == int(raw_bad.sum()) and guard.nonfinite_rewards == 1
    assert extras["log"][NONFINITE_OBSERVATIONS_KEY] == int(raw_bad.sum())
    assert extras["log"][NONFINITE_REWARDS_KEY] == 1
