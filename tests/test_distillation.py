"""Stage 2 online DAgger distillation: the expert-share schedule, the rollout pairs, the frozen expert, and
scripts/train.py --expert / scripts/play.py end to end on a tiny Track expert.

The scripts run in subprocesses whose working directory is a pytest tmp dir, so their logs/ never touch the
repository. Each subprocess costs ~30-60 s of imports and env setup on this (busy, 2-core) machine, so the end-to-end
runs use 2 envs, 4 steps per iteration and small networks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from rsl_rl.models import MLPModel
from tensordict import TensorDict
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from interprior.agents.checkpoints import OPTIMIZER_KEY, CheckpointError, checkpoints_in
from interprior.agents.distillation import DistillationAlgorithmCfg, PolicyInputReader, expert_share, load_expert
from interprior.agents.distillation.inputs import PolicyInputs
from interprior.agents.distillation.runner import EXPERT_ACTIONS_KEY, EXPERT_SHARE_KEY
from interprior.agents.distillation.storage import DistillationStorage, mini_batches
from interprior.agents.latent import LatentPolicyCfg
from interprior.agents.runner import load_task_configs
from interprior.tasks.env_factory import load_env_cfg

from .scripts import error_line, run_dirs, run_script

TASK = "InterPrior-Snapshot-v0"
EXPERIMENT = "interprior_snapshot"
SMALL_POLICY = [
    "agent.policy.decoder_hidden_dims=[64,64]",
    "agent.policy.encoder_hidden_dims=[64,64]",
    "agent.policy.goal_head_hidden_dims=[64]",
    "agent.policy.token_dim=32",
    "agent.policy.feedforward_dim=64",
    "agent.policy.num_layers=1",
]
# beta: 1 at iteration 0, 0.5 at 1, 0 from 2 on
SCHEDULE = [
    "agent.algorithm.expert_share_start=1.0",
    "agent.algorithm.expert_share_end=0.0",
    "agent.algorithm.expert_share_decay_start=0",
    "agent.algorithm.expert_share_decay_iterations=2",
]
SMALL_RUN = [
    "--num-envs", "2", "agent.num_steps_per_env=4", "agent.save_interval=1",
    "agent.algorithm.num_learning_epochs=2", "agent.algorithm.num_mini_batches=2", *SMALL_POLICY, *SCHEDULE,
]  # fmt: skip


def _scalars(run_dir: Path, tag: str) -> dict[int, float]:
    events = EventAccumulator(str(run_dir))
    events.Reload()
    return {event.step: event.value for event in events.Scalars(tag)}


def _adam_steps(checkpoint: Path) -> float:
    """Optimizer steps taken so far, from the Adam state of the checkpoint's first parameter."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)["optimizer_state_dict"]["state"]
    return float(state[0]["step"])


# ---------------------------------------------------------------- unit tests (no simulation)


def test_expert_share_holds_then_decays_linearly_then_stays():
    cfg = DistillationAlgorithmCfg(
        expert_share_start=1.0, expert_share_end=0.2, expert_share_decay_start=10, expert_share_decay_iterations=40
    )
    shares = [expert_share(it, cfg) for it in (0, 10, 20, 30, 50, 1000)]
    assert shares == pytest.approx([1.0, 1.0, 0.8, 0.6, 0.2, 0.2])
    # InterMimic's student: clip(1 - (epoch - 500) / 5000, 0, 1)
    intermimic = DistillationAlgorithmCfg(expert_share_decay_start=500, expert_share_decay_iterations=5000)
    for epoch in (0, 499, 500, 2500, 5499, 5500, 9000):
        assert expert_share(epoch, intermimic) == pytest.approx(min(max(1 - (epoch - 500) / 5000, 0), 1))
    switch = DistillationAlgorithmCfg(expert_share_decay_start=3, expert_share_decay_iterations=0)
    assert [expert_share(it, switch) for it in range(5)] == [1.0, 1.0, 1.0, 0.0, 0.0]


def _inputs(step: int, num_envs: int, cfg: LatentPolicyCfg) -> PolicyInputs:
    """Synthetic inputs whose every float entry is ``step``, so the steps of a pair can be told apart."""

    def full(*shape: int) -> torch.Tensor:
        return torch.full((num_envs, *shape), float(step))

    return PolicyInputs(
        history=full(cfg.history_length, cfg.obs_dim),
        history_valid=torch.ones(num_envs, cfg.history_length, dtype=torch.bool),
        goals=full(cfg.num_goal_tokens, cfg.goal_token_dim),
        goal_present=torch.ones(num_envs, cfg.num_goal_tokens, dtype=torch.bool),
        privileged=full(cfg.resolved_privileged_dim),
    )


def _filled_storage(num_steps: int, dones: list[list[int]], cfg: LatentPolicyCfg) -> DistillationStorage:
    """A rollout of ``num_steps`` steps ending episodes at ``dones`` (T, N); step t has history entries t, expert
    actions -t and eps env + 10 t."""
    num_envs = len(dones[0])
    storage = DistillationStorage(num_steps)
    for step in range(num_steps):
        eps = torch.arange(num_envs).float().unsqueeze(1) + 10 * step
        expert = torch.full((num_envs, cfg.action_dim), -float(step))
        storage.add(_inputs(step, num_envs, cfg), eps.expand(-1, 8), expert, torch.tensor(dones[step]))
    return storage


def test_rollout_pairs_are_disjoint_consecutive_steps_of_one_env_and_invalid_across_resets():
    cfg = LatentPolicyCfg(obs_dim=4, action_dim=3, goal_feature_dim=2, history_length=2, preview_length=1)
    num_steps, num_envs = 4, 3
    dones = [[0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 1]]
    storage = _filled_storage(num_steps, dones, cfg)
    with pytest.raises(RuntimeError, match="already holds 4 steps"):
        storage.add(_inputs(0, num_envs, cfg), torch.zeros(num_envs, 8), torch.zeros(num_envs, 3), torch.zeros(3))

    batch = storage.pairs()
    assert batch.history.shape == (2 * num_envs, 2, cfg.history_length, cfg.obs_dim)
    assert batch.goals.shape == (2 * num_envs, 2, cfg.num_goal_tokens, cfg.goal_token_dim)
    # pair row = k * num_envs + env holds steps (2k, 2k + 1) of that env: every step once
    for k, t in enumerate((0, 2)):
        for env in range(num_envs):
            row = k * num_envs + env
            assert batch.history[row, :, 0, 0].tolist() == [t, t + 1]
            assert batch.expert_action[row, :, 0].tolist() == [-t, -(t + 1)]
            assert batch.eps[row, :, 0].tolist() == [env + 10 * t, env + 10 * (t + 1)]
            assert bool(batch.pair_valid[row]) == (dones[t][env] == 0)

    generator = torch.Generator().manual_seed(0)
    parts = list(mini_batches(batch, 4, generator))
    assert [part.pair_valid.shape[0] for part in parts] == [2, 2, 1, 1]
    seen = sorted(tuple(row) for part in parts for row in part.eps[:, :, 0].tolist())
    assert seen == sorted(tuple(row) for row in batch.eps[:, :, 0].tolist())
    with pytest.raises(ValueError, match="6 step pairs cannot fill 10 mini-batches"):
        next(mini_batches(batch, 10, generator))

    # an odd rollout: its last step pairs with the one before, which is then in two pairs
    odd = _filled_storage(5, [*dones, [0, 0, 0]], cfg).pairs()
    assert [odd.history[k * num_envs, :, 0, 0].tolist() for k in range(3)] == [[0, 1], [2, 3], [3, 4]]
    assert odd.pair_valid[2 * num_envs :].tolist() == [not done for done in dones[3]]
    with pytest.raises(ValueError, match="at least 2 steps"):
        DistillationStorage(1)


def test_history_validity_counts_the_steps_of_the_current_episode():
    cfg = LatentPolicyCfg(obs_dim=2, action_dim=1, goal_feature_dim=1, history_length=3, preview_length=0)
    reader = PolicyInputReader(cfg, num_envs=2, device="cpu")
    obs = {
        "history": torch.arange(12.0).view(2, 6),
        "goals": torch.tensor([[5.0, 6.0, 7.0, 1.0], [5.0, 6.0, 7.0, 0.0]]),
        "privileged": torch.zeros(2, 1),
    }
    valid = []
    for dones in ([0, 0], [0, 1], [0, 0], [1, 0]):
        valid.append(reader.read(obs).history_valid.tolist())
        reader.step(torch.tensor(dones))
    valid.append(reader.read(obs).history_valid.tolist())
    newest_only, two, three = [False, False, True], [False, True, True], [True, True, True]
    assert valid == [
        [newest_only, newest_only],
        [two, two],
        [three, newest_only],
        [three, two],
        [newest_only, three],
    ]
    inputs = reader.read(obs)
    assert inputs.history[1].tolist() == [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]  # time-major, oldest first
    assert inputs.goals.tolist() == [[[5.0, 6.0, 7.0]], [[5.0, 6.0, 7.0]]]
    assert inputs.goal_present.tolist() == [[True], [False]]


def _save_expert(path: Path, obs_dim: int, num_actions: int) -> torch.nn.Module:
    """A Track-architecture actor for ``obs_dim`` observations saved as an rsl_rl PPO checkpoint."""
    _, agent_cfg = load_task_configs("InterPrior-Track-v0")
    actor_cfg = agent_cfg.to_dict()["actor"]
    actor_cfg.pop("class_name")
    obs = {"policy": torch.zeros(1, obs_dim)}
    actor = MLPModel(obs, {"actor": ["policy"]}, "actor", num_actions, **actor_cfg)
    actor.obs_normalizer.update(torch.randn(16, obs_dim) * 3 + 1)
    torch.save({"actor_state_dict": actor.state_dict(), "critic_state_dict": {}, "optimizer_state_dict": {}}, path)
    return actor.eval()


def test_the_expert_acts_with_its_mean_in_the_goal_tasks_actions_and_an_expert_of_other_sizes_is_refused(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "model_5.pt"
    saved_actor = _save_expert(path, obs_dim=12, num_actions=4)
    env_cfg = load_env_cfg("InterPrior-Snapshot-v0")
    env_cfg.actions.joint_pos.scale = 0.25  # Track's residuals are 0.5 rad per unit: twice the goal task's unit
    obs = TensorDict({"expert": torch.randn(3, 12), "expert_reference": torch.randn(3, 4)}, batch_size=[3])
    expert = load_expert(tmp_path, obs, num_actions=4, env_cfg=env_cfg)
    assert not expert.training and not any(parameter.requires_grad for parameter in expert.parameters())
    with torch.no_grad():
        expected = obs["expert_reference"] + 2.0 * saved_actor({"policy": obs["expert"]})
        torch.testing.assert_close(expert(obs), expected)

    wrong_obs = TensorDict({"expert": torch.zeros(3, 10)}, batch_size=[3])
    with pytest.raises(CheckpointError) as error:
        load_expert(path, wrong_obs, num_actions=4, env_cfg=env_cfg)
    assert str(error.value) == (
        f"expert {path} observes 12 values and outputs 4 actions, but this task's 'expert' observation group has "
        "10 values and it takes 4 actions"
    )
    with pytest.raises(CheckpointError, match="outputs 4 actions, but .* it takes 5 actions"):
        load_expert(path, obs, num_actions=5, env_cfg=env_cfg)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_expert(tmp_path / "missing.pt", wrong_obs, num_actions=4, env_cfg=env_cfg)


# ---------------------------------------------------------------- end to end (subprocesses)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working directory with a tiny Track expert (1 PPO iteration) and a 2-iteration distillation run from it."""
    workdir = tmp_path_factory.mktemp("distill")
    expert = run_script(
        "train.py", "--task", "InterPrior-Track-v0", "--num-envs", "2", "--max-iterations", "1",
        "agent.num_steps_per_env=4", "--log-dir", "expert", cwd=workdir,
    )  # fmt: skip
    assert expert.returncode == 0, expert.stderr[-3000:]
    result = run_script("train.py", "--task", TASK, "--expert", "expert", "--max-iterations", "2", *SMALL_RUN, cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[INFO] distilling the expert expert/model_0.pt" in result.stdout
    return workdir


def test_distillation_writes_checkpoints_and_logs_every_loss_part_and_the_expert_share(workdir):
    (run_dir,) = run_dirs(workdir, EXPERIMENT)
    assert [path.name for path in checkpoints_in(run_dir)] == ["model_0.pt", "model_1.pt"]
    checkpoint = torch.load(run_dir / "model_1.pt", weights_only=False)
    assert checkpoint["iter"] == 1 and checkpoint["policy_cfg"]["decoder_hidden_dims"] == [64, 64]
    for part in ("total", "imitation", "reconstruction", "kl", "scale", "temporal_consistency"):
        losses = _scalars(run_dir, f"Loss/{part}")
        assert sorted(losses) == [0, 1] and all(torch.isfinite(torch.tensor(list(losses.values()))))
    assert _scalars(run_dir, EXPERT_SHARE_KEY) == {0: 1.0, 1: 0.5}
    assert _scalars(run_dir, EXPERT_ACTIONS_KEY)[0] == 1.0  # beta 1: every executed action is the expert's
    for key in ("prior_mean_norm", "prior_sigma", "posterior_shift", "posterior_sigma"):
        values = _scalars(run_dir, f"Latent/{key}")
        assert sorted(values) == [0, 1] and all(value > 0 for value in values.values()), key
    assert (run_dir / "params" / "agent.yaml").is_file()


def test_resume_continues_the_iteration_count_the_schedule_and_the_optimizer(workdir):
    first_run = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "train.py", "--task", TASK, "--expert", "expert/model_0.pt", "--max-iterations", "2",
        "--checkpoint", str(first_run), *SMALL_RUN, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resuming from {first_run / 'model_1.pt'} at iteration 2" in result.stdout
    resumed_run = run_dirs(workdir, EXPERIMENT)[1]
    assert [path.name for path in checkpoints_in(resumed_run)] == ["model_2.pt", "model_3.pt"]
    assert _scalars(resumed_run, EXPERT_SHARE_KEY) == {2: 0.0, 3: 0.0}
    assert _scalars(resumed_run, EXPERT_ACTIONS_KEY) == {2: 0.0, 3: 0.0}  # beta 0: the student acts alone
    # 2 epochs x 2 mini-batches per iteration; the resumed Adam kept counting from the first run's state
    assert _adam_steps(first_run / "model_1.pt") == 8
    assert _adam_steps(resumed_run / "model_3.pt") == 16


def test_a_released_half_precision_checkpoint_resumes_with_a_fresh_optimizer(workdir):
    trained = checkpoints_in(run_dirs(workdir, EXPERIMENT)[0])[-1]
    released = workdir / "released" / "student.pt"
    result = run_script("release.py", "--checkpoint", str(trained), "--out", str(released), "--half", cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"released {trained} (iteration 1) as {released}" in result.stdout
    saved, original = (torch.load(path, weights_only=False) for path in (released, trained))
    assert OPTIMIZER_KEY not in saved and saved["iter"] == 1 and saved["policy_cfg"] == original["policy_cfg"]
    weights, statistics = saved["policy_state_dict"], original["policy_state_dict"]
    matrices = [name for name, tensor in statistics.items() if tensor.dim() == 2 and min(tensor.shape) > 1]
    assert matrices and all(weights[name].dtype == torch.float16 for name in matrices)
    assert all(torch.allclose(weights[name].float(), statistics[name], rtol=1e-3, atol=1e-4) for name in matrices)
    # the observation normalizer's statistics (rows of shape (1, D)) and its sample count keep their precision
    kept = [name for name in statistics if name.startswith("obs_normalizer.")]
    assert kept and all(torch.equal(weights[name], statistics[name]) for name in kept)
    assert released.stat().st_size < 0.25 * trained.stat().st_size

    resumed_dir = workdir / "from_released"
    result = run_script(
        "train.py", "--task", TASK, "--expert", "expert", "--max-iterations", "1", "--checkpoint", str(released),
        "--log-dir", str(resumed_dir), *SMALL_RUN, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resuming from {released} at iteration 2" in result.stdout
    (checkpoint,) = checkpoints_in(resumed_dir)
    assert checkpoint.name == "model_2.pt"
    assert _scalars(resumed_dir, EXPERT_SHARE_KEY) == {2: 0.0}  # the schedule went on from the released iteration
    assert _adam_steps(checkpoint) == 4  # a fresh Adam: one iteration of 2 epochs x 2 mini-batches
    parameters = torch.load(checkpoint, weights_only=False)["policy_state_dict"]
    assert all(parameters[name].dtype == torch.float32 for name in matrices)  # training went on in float32


def test_play_acts_with_the_distilled_policy(workdir):
    run_dir = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "play.py", "--task", TASK, "--num-envs", "2", "--seconds", "0.2", "--checkpoint", str(run_dir), cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"acting with the policy of {run_dir / 'model_1.pt'}" in result.stdout
    assert "2 envs x 6 steps" in result.stdout


def test_a_goal_task_without_expert_and_a_ppo_task_with_one_are_refused(tmp_path):
    error = error_line(run_script("train.py", "--task", TASK, cwd=tmp_path))
    assert error == f"train.py: error: {TASK} distills the Stage 1 expert: pass --expert <checkpoint or run directory>"
    error = error_line(run_script("train.py", "--task", TASK, "--expert", "nowhere", cwd=tmp_path))
    assert error == "train.py: error: checkpoint nowhere does not exist"
    error = error_line(run_script("train.py", "--task", "InterPrior-Track-v0", "--expert", "nowhere", cwd=tmp_path))
    assert error == "train.py: error: --expert is for the goal tasks; InterPrior-Track-v0 is trained with PPO"
    assert not (tmp_path / "logs").exists()
