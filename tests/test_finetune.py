"""Stage 3 fine-tuning: the env split into distillation and RL envs, the runner's PPO, distillation and combined
updates, scripts/train.py --init/--expert, play.py on the fine-tuned checkpoint, and two processes (gloo) whose
parameters stay identical.

A tiny Track expert and a tiny Stage 2 policy are trained first in subprocesses, as in test_distillation.py; the
scripts run with a pytest tmp dir as working directory, so their logs/ never touch the repository.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from interprior.agents.checkpoints import checkpoints_in
from interprior.agents.distillation import load_distilled_policy
from interprior.agents.finetune import apply_distillation_share, load_finetune_configs, make_finetune_runner
from interprior.agents.finetune.config import FinetuneAlgorithmCfg
from interprior.agents.finetune.ppo import adapted_learning_rate
from interprior.agents.finite import FiniteVecEnvWrapper
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.inbetween.inbetween_env_cfg import TASK_INDEX

from .scripts import REPO, error_line, run_dirs, run_script

TASK = "InterPrior-Inbetween-v0"
EXPERIMENT = "interprior_inbetween"
SMALL_POLICY = [
    "agent.policy.decoder_hidden_dims=[64,64]",
    "agent.policy.encoder_hidden_dims=[64,64]",
    "agent.policy.goal_head_hidden_dims=[64]",
    "agent.policy.token_dim=32",
    "agent.policy.feedforward_dim=64",
    "agent.policy.num_layers=1",
]
SMALL_FINETUNE = [
    "agent.num_steps_per_env=4", "agent.save_interval=1", "agent.algorithm.num_learning_epochs=2",
    "agent.algorithm.num_mini_batches=2", "agent.critic_hidden_dims=[32]", "agent.distillation_env_share=0.5",
    "agent.algorithm.critic_warmup_iterations=1",
]  # fmt: skip
DIGEST = re.compile(r"\[INFO\] rank (\d) parameter digest ([0-9a-f]{64})")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working directory with a tiny Track expert (1 PPO iteration) and a tiny Stage 2 policy (1 DAgger iteration)."""
    workdir = tmp_path_factory.mktemp("finetune")
    expert = run_script(
        "train.py", "--task", "InterPrior-Track-v0", "--num-envs", "2", "--max-iterations", "1",
        "agent.num_steps_per_env=4", "--log-dir", "expert", cwd=workdir,
    )  # fmt: skip
    assert expert.returncode == 0, expert.stderr[-3000:]
    stage2 = run_script(
        "train.py", "--task", "InterPrior-Snapshot-v0", "--expert", "expert", "--num-envs", "2", "--max-iterations",
        "1", "agent.num_steps_per_env=4", "agent.algorithm.num_learning_epochs=1", "agent.algorithm.num_mini_batches=2",
        *SMALL_POLICY, "--log-dir", "stage2", cwd=workdir,
    )  # fmt: skip
    assert stage2.returncode == 0, stage2.stderr[-3000:]
    return workdir


# ---------------------------------------------------------------- the env split (no training)


def test_the_env_split_follows_the_share_and_distillation_envs_start_at_reference_states():
    cfg = load_env_cfg(TASK, num_envs=4)
    cfg.events.push_humanoid = cfg.events.push_object = None
    cfg.commands.reference.distillation_share = 0.5
    cfg.commands.reference.fallen_prob = 1.0  # every RL env starts on the ground
    cfg.commands.goal.snapshot_frames = (2, 3)
    with open_env(TASK, seed=5, env_cfg=cfg) as env:
        observations, _ = env.reset(seed=5)
        reference = env.command_manager.get_term("reference")
        goal = env.command_manager.get_term("goal")
        assert reference.distillation_envs.tolist() == [True, True, False, False]
        assert reference.fallen.tolist() == [False, False, True, True]
        assert observations["task"].flatten().tolist() == [-1.0, -1.0, TASK_INDEX["inbetween"], TASK_INDEX["inbetween"]]
        # distillation envs start at the (slightly perturbed) reference state, the fallen ones far from it
        error = torch.linalg.norm(reference.body_state()["body_pos"] - reference.target.body_pos, dim=-1).mean(-1)
        assert (error[:2] < 0.15).all() and (error[2:] > 0.3).all(), error
        actions = torch.zeros(4, env.action_manager.total_action_dim)
        for _ in range(5):
            env.step(actions)
        # distillation envs get a new goal when the last one's time is reached; the RL envs hold theirs
        assert (goal.snapshot_time[:2] >= reference.times[:2]).all()
        assert (goal.snapshot_time[2:] < reference.times[2:]).all()
    with pytest.raises(ValueError, match=r"distillation_env_share is 1.5; it must lie in \[0, 1\]"):
        _, agent_cfg = load_finetune_configs(TASK, ["agent.distillation_env_share=1.5"])
        apply_distillation_share(cfg, agent_cfg)


# ---------------------------------------------------------------- the runner's updates (in process)


def _policy_parameters(runner) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in runner.policy.named_parameters()}


def test_the_adaptive_step_size_follows_the_kl_within_its_configured_bounds():
    cfg = FinetuneAlgorithmCfg(desired_kl=0.01, min_learning_rate=1e-7, max_learning_rate=1e-3)
    assert adapted_learning_rate(1e-5, 0.05, cfg) == pytest.approx(1e-5 / 1.5), "below rsl_rl's 1e-5 floor"
    assert adapted_learning_rate(1.2e-7, 0.05, cfg) == 1e-7
    assert adapted_learning_rate(1e-5, 0.001, cfg) == pytest.approx(1.5e-5)
    assert adapted_learning_rate(9e-4, 0.001, cfg) == 1e-3
    assert adapted_learning_rate(1e-5, 0.01, cfg) == 1e-5, "near the target"
    assert adapted_learning_rate(1e-5, 0.05, cfg.replace(schedule="fixed")) == 1e-5


@pytest.mark.parametrize(
    ("share", "parts"),
    [
        (0.0, {"surrogate", "value", "entropy", "policy_kl"}),
        (1.0, {"distillation_imitation", "distillation_kl", "distillation_temporal_consistency"}),
        (0.5, {"surrogate", "value", "policy_kl", "distillation_imitation", "distillation_reconstruction"}),
    ],
    ids=["ppo-only", "distillation-only", "combined"],
)
def test_an_update_gives_finite_losses_and_changes_the_policy(workdir, share, parts):
    env_cfg, cfg = load_finetune_configs(TASK, [*SMALL_FINETUNE, f"agent.distillation_env_share={share}"])
    apply_distillation_share(env_cfg, cfg)
    with open_env(TASK, num_envs=2, seed=1, env_cfg=env_cfg) as env:
        if share > 0.0:
            with pytest.raises(ValueError, match="envs distill the expert, but no expert was given"):
                make_finetune_runner(env, cfg, workdir / "stage2", None)
        expert = workdir / "expert" if share > 0.0 else None  # nothing distills: RL alone needs no expert
        runner = make_finetune_runner(env, cfg, workdir / "stage2", expert)
        assert runner.num_distillation_envs == round(2 * share)
        assert runner.policy.cfg.num_task_tokens == len(TASK_INDEX)  # grown from the Stage 2 policy's 0
        before = _policy_parameters(runner)
        runner.current_learning_iteration = cfg.algorithm.critic_warmup_iterations  # past the critic's warm-up
        obs = runner._collect(runner.env.get_observations())
        losses = runner._update()
        assert obs["history"].shape[0] == 2
    assert parts <= losses.keys(), losses.keys()
    assert ("surrogate" in losses) == (share < 1.0) and ("distillation_total" in losses) == (share > 0.0)
    assert all(torch.isfinite(torch.tensor(value)) for value in losses.values()), losses
    after = _policy_parameters(runner)
    assert not torch.equal(before["decoder.0.weight"], after["decoder.0.weight"])
    # only the distillation loss runs the encoder
    assert torch.equal(before["encoder.0.weight"], after["encoder.0.weight"]) == (share == 0.0)


def test_the_critic_warms_up_alone_then_steps_at_its_own_fixed_step_size(workdir):
    overrides = ["agent.distillation_env_share=0", "agent.algorithm.critic_learning_rate=3e-4"]
    env_cfg, cfg = load_finetune_configs(TASK, [*SMALL_FINETUNE, *overrides])
    apply_distillation_share(env_cfg, cfg)
    with open_env(TASK, num_envs=2, seed=1, env_cfg=env_cfg) as env:
        runner = make_finetune_runner(env, cfg, workdir / "stage2", None)
        policy_before, critic_before = _policy_parameters(runner), runner.critic.mlp[0].weight.detach().clone()
        std_before = runner.action_std()
        obs = runner._collect(runner.env.get_observations())
        runner._update()  # iteration 0: warm-up, the value loss alone
        assert _policy_parameters(runner).keys() == policy_before.keys()
        assert all(torch.equal(value, policy_before[name]) for name, value in _policy_parameters(runner).items())
        assert torch.equal(runner.action_std(), std_before)
        assert not torch.equal(runner.critic.mlp[0].weight, critic_before)
        runner.current_learning_iteration = 1
        runner._collect(obs)
        runner._update()  # iteration 1: PPO moves the policy too
    assert not torch.equal(runner.policy.decoder[0].weight, policy_before["decoder.0.weight"])
    actor_group, critic_group = runner.optimizer.param_groups
    assert actor_group["lr"] == runner.learning_rate != 3e-4, "the adaptive schedule sets the policy's step size"
    assert critic_group["lr"] == 3e-4
    assert {id(parameter) for parameter in critic_group["params"]} == {id(p) for p in runner.critic.parameters()}


def _success_threshold_curriculum(runner):
    return runner.env.unwrapped.curriculum_manager.cfg.success_threshold.func


def test_a_resumed_run_continues_the_success_threshold_curriculum(workdir, caplog):
    def runner_in(env):
        return make_finetune_runner(env, cfg, workdir / "stage2", None)

    env_cfg, cfg = load_finetune_configs(TASK, [*SMALL_FINETUNE, "agent.distillation_env_share=0"])
    apply_distillation_share(env_cfg, cfg)
    with open_env(TASK, num_envs=2, seed=1, env_cfg=env_cfg) as env:
        runner = runner_in(env)
        curriculum = _success_threshold_curriculum(runner)
        assert curriculum.state_dict() == {"success_threshold": 0.5, "successes": 0, "episodes": 0}
        # as after the schedule tightened xi twice and counted 10 episodes, 3 of them reaching their goal
        curriculum.goal.cfg.success_threshold, curriculum.successes, curriculum.episodes = 0.405, 3, 10
        runner.save(str(workdir / "curriculum.pt"))
        checkpoint = torch.load(workdir / "curriculum.pt", weights_only=False)
        del checkpoint["curriculum_state"]  # as written before the curriculum state was saved
        torch.save(checkpoint, workdir / "no_curriculum.pt")
    with open_env(TASK, num_envs=2, seed=2, env_cfg=load_finetune_configs(TASK, SMALL_FINETUNE)[0]) as env:
        runner = runner_in(env)
        curriculum = _success_threshold_curriculum(runner)
        runner.load(workdir / "curriculum.pt")
        assert curriculum.state_dict() == {"success_threshold": 0.405, "successes": 3, "episodes": 10}
        assert curriculum.goal.cfg.success_threshold == 0.405, "the goal term pays its reward under the restored xi"
        assert runner.current_learning_iteration == 1
    with open_env(TASK, num_envs=2, seed=2, env_cfg=load_finetune_configs(TASK, SMALL_FINETUNE)[0]) as env:
        runner = runner_in(env)
        runner.load(workdir / "no_curriculum.pt")
        assert _success_threshold_curriculum(runner).state_dict()["success_threshold"] == 0.5
    assert "no_curriculum.pt holds no state of the curriculum term 'success_threshold'; it starts afresh" in caplog.text


# ---------------------------------------------------------------- scripts end to end (subprocesses)


@pytest.fixture(scope="module")
def finetuned(workdir) -> subprocess.CompletedProcess:
    """A 2-iteration fine-tuning run on one process."""
    result = run_script(
        "train.py", "--task", TASK, "--init", "stage2", "--expert", "expert", "--num-envs", "2", "--max-iterations",
        "2", *SMALL_FINETUNE, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_finetuning_writes_distillation_format_checkpoints_and_logs_both_losses(workdir, finetuned):
    assert "[INFO] fine-tuning stage2/model_0.pt with the expert expert/model_0.pt" in finetuned.stdout
    (run_dir,) = run_dirs(workdir, EXPERIMENT)
    assert [path.name for path in checkpoints_in(run_dir)] == ["model_0.pt", "model_1.pt"]
    checkpoint = torch.load(run_dir / "model_1.pt", weights_only=False)
    assert checkpoint["iter"] == 1 and checkpoint["policy_cfg"]["num_task_tokens"] == len(TASK_INDEX)
    assert {"critic_state_dict", "action_std_state_dict", "learning_rate"} <= checkpoint.keys()
    events = EventAccumulator(str(run_dir))
    events.Reload()
    for part in ("surrogate", "value", "policy_kl", "distillation_total", "total"):
        values = [event.value for event in events.Scalars(f"Loss/{part}")]
        assert len(values) == 2 and all(torch.isfinite(torch.tensor(values)))
    for key in ("prior_mean_norm", "prior_sigma", "posterior_sigma"):  # prior path (RL) and posterior (distillation)
        values = [event.value for event in events.Scalars(f"Latent/{key}")]
        assert len(values) == 2 and all(value > 0 for value in values), key


def test_play_and_the_goal_tasks_load_the_finetuned_policy(workdir, finetuned):
    run_dir = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "play.py", "--task", TASK, "--num-envs", "2", "--seconds", "0.2", "--checkpoint", str(run_dir), cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"acting with the policy of {run_dir / 'model_1.pt'}" in result.stdout
    assert "2 envs x 6 steps" in result.stdout
    # the Stage 2 loader takes it unchanged, on a goal task without task tokens in its observations
    cfg = load_env_cfg("InterPrior-Snapshot-v0", num_envs=2)
    with open_env("InterPrior-Snapshot-v0", env_cfg=cfg) as env:
        vec_env = FiniteVecEnvWrapper(env)
        policy = load_distilled_policy(run_dir, env.cfg, vec_env.get_observations(), vec_env.num_actions)
    saved = torch.load(run_dir / "model_1.pt", weights_only=False)["policy_state_dict"]
    torch.testing.assert_close(policy.state_dict()["prior.task_tokens.weight"], saved["prior.task_tokens.weight"])


def test_resume_continues_the_iteration_count(workdir, finetuned):
    first_run = run_dirs(workdir, EXPERIMENT)[0]
    result = run_script(
        "train.py", "--task", TASK, "--expert", "expert", "--checkpoint", str(first_run), "--num-envs", "2",
        "--max-iterations", "1", *SMALL_FINETUNE, "--log-dir", "resumed", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resuming from {first_run / 'model_1.pt'} at iteration 2" in result.stdout
    assert [path.name for path in checkpoints_in(workdir / "resumed")] == ["model_2.pt"]
    # a checkpoint of the runner before the critic had its own step size: one Adam parameter group
    checkpoint = torch.load(first_run / "model_1.pt", weights_only=False)
    optimizer = checkpoint["optimizer_state_dict"]
    actor_group, critic_group = optimizer["param_groups"]
    optimizer["param_groups"] = [{**actor_group, "params": actor_group["params"] + critic_group["params"]}]
    (workdir / "one_group").mkdir()
    torch.save(checkpoint, workdir / "one_group" / "model_1.pt")
    result = run_script(
        "train.py", "--task", TASK, "--expert", "expert", "--checkpoint", "one_group", "--num-envs", "2",
        "--max-iterations", "1", *SMALL_FINETUNE, "--log-dir", "one_group_resumed", cwd=workdir,
    )  # fmt: skip
    assert error_line(result).startswith(
        "train.py: error: one_group/model_1.pt: its optimizer state does not fit this runner's"
    ), result.stderr[-3000:]
    assert not (workdir / "one_group_resumed").exists()


def test_two_processes_keep_identical_parameters(workdir, finetuned):
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
        str(REPO / "scripts" / "train.py"), "--task", TASK, "--init", "stage2", "--expert", "expert", "--num-envs",
        "2", "--max-iterations", "2", *SMALL_FINETUNE, "--log-dir", "distributed", "--distributed",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    digests = dict(DIGEST.findall(result.stdout))
    assert digests.keys() == {"0", "1"}, result.stdout[-3000:]
    assert digests["0"] == digests["1"], "the ranks' gradients were not averaged"
    # control: rank 0 on its own (the single-process run, same seed and settings) ends elsewhere
    (single,) = DIGEST.findall(finetuned.stdout)
    assert single[1] != digests["0"]
    # only rank 0 saves
    assert [path.name for path in checkpoints_in(workdir / "distributed")] == ["model_0.pt", "model_1.pt"]


def test_rl_alone_needs_no_expert(workdir):
    result = run_script(
        "train.py", "--task", TASK, "--init", "stage2", "--num-envs", "2", "--max-iterations", "1", *SMALL_FINETUNE,
        "agent.distillation_env_share=0", "--log-dir", "rl_alone", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[INFO] fine-tuning stage2/model_0.pt by RL alone" in result.stdout
    assert [path.name for path in checkpoints_in(workdir / "rl_alone")] == ["model_0.pt"]


def test_missing_or_wrong_checkpoints_are_refused(workdir):
    error = error_line(run_script("train.py", "--task", TASK, "--init", "stage2", cwd=workdir))
    assert error == (
        f"train.py: error: {TASK} fine-tunes with the Stage 1 expert's labels in 25% of the envs: "
        "pass --expert <checkpoint or run directory> (or agent.distillation_env_share=0)"
    )
    error = error_line(run_script("train.py", "--task", TASK, "--expert", "expert", cwd=workdir))
    assert error == (
        f"train.py: error: {TASK} fine-tunes a Stage 2 policy: pass --init <distillation checkpoint or run directory>"
    )
    error = error_line(run_script("train.py", "--task", TASK, "--init", "expert", "--expert", "expert", cwd=workdir))
    assert error == (
        "train.py: error: checkpoint expert/model_0.pt is not a distillation checkpoint "
        "(no policy_state_dict, policy_cfg)"
    )
    error = error_line(run_script("train.py", "--task", TASK, "--init", "stage2", "--expert", "stage2", cwd=workdir))
    assert error.startswith("train.py: error: checkpoint stage2/model_0.pt is not an rsl_rl PPO checkpoint (no actor")
    error = error_line(run_script("train.py", "--task", "InterPrior-Snapshot-v0", "--distributed", cwd=workdir))
    assert error == (
        "train.py: error: --distributed is for the in-betweening tasks; InterPrior-Snapshot-v0 is not fine-tuned"
    )
