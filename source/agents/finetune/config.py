"""Settings of the Stage 3 fine-tuning runner, and loading them for a registered in-betweening task.

An in-betweening task names its runner config under the gym registration key :data:`FINETUNE_CFG_ENTRY_POINT`; Isaac
Lab resolves it with ``env.``/``agent.`` overrides like any agent config. The PPO settings are named as rsl_rl's
``RslRlPpoAlgorithmCfg``; the values are rsl_rl's defaults unless noted. The paper gives no Stage 3 hyperparameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING

from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.utils import configclass

from interprior.tasks.env_factory import has_learner_config, load_task_and_agent_cfgs

FINETUNE_CFG_ENTRY_POINT = "finetune_cfg_entry_point"
"""The gym registration key of an in-betweening task's :class:`FinetuneRunnerCfg`."""


@configclass
class FinetuneAlgorithmCfg:
    """PPO on the reinforcement-learning envs plus the distillation loss on the distillation envs, in one update:
    every mini-batch step minimizes ppo_loss + ``distillation_loss_weight`` * distillation_loss, the policy at the
    adaptive step size and the critic at its own."""

    num_learning_epochs: int = 5
    """Passes over each rollout."""

    num_mini_batches: int = 4
    """Mini-batches per pass (of the RL transitions and of the distillation step pairs alike)."""

    clip_param: float = 0.2
    """PPO's ratio clip epsilon (also the value clip)."""

    gamma: float = 0.99
    """Discount factor."""

    lam: float = 0.95
    """GAE lambda."""

    value_loss_coef: float = 1.0
    """Weight of the value loss."""

    entropy_coef: float = 0.0
    """Weight of the entropy bonus (ours: 0, the small action noise should not grow for its own sake)."""

    use_clipped_value_loss: bool = True
    """Clip the value change as rsl_rl does."""

    learning_rate: float = 1.0e-5
    """Adam step size of the policy and the action std (ours: small, fine-tuning a distilled policy)."""

    critic_learning_rate: float = 1.0e-3
    """Adam step size of the critic, fixed (rsl_rl's PPO default; ours: the critic starts untrained, and at the
    policy's adapted 1e-6 to 2e-6 its value loss did not fall in 150 iterations)."""

    critic_warmup_iterations: int = 10
    """Iterations at the start of a run whose updates leave the PPO surrogate out, so the critic fits the returns
    before its advantages move the policy (ours); the distillation loss applies from the first iteration."""

    schedule: str = "adaptive"
    """``"adaptive"`` (adjust the step size to keep the policy KL near ``desired_kl``) or ``"fixed"``."""

    desired_kl: float = 0.01
    """Target KL of the adaptive schedule."""

    min_learning_rate: float = 1.0e-7
    """Lower bound of the adaptive step size (rsl_rl's is 1e-5; ours lower: starting at 1e-5, the first iteration's
    mini-batch KL of the distilled policy, with its 0.05 rad action noise, averaged 0.37; held at 0.01, the step size
    settles near 1.4e-6)."""

    max_learning_rate: float = 1.0e-2
    """Upper bound of the adaptive step size (rsl_rl's)."""

    max_grad_norm: float = 1.0
    """Gradient norm clip, applied to the policy's (with the action std) and to the critic's gradients apart."""

    init_action_std: float = 0.05
    """Initial standard deviation of the Gaussian around the decoder's action (rad; ours); learned per action."""

    distillation_loss_weight: float = 1.0
    """w, weight of the distillation loss of the distillation envs in the combined loss."""

    expert_share: float = 0.0
    """beta: probability that a distillation env executes the expert's action at a step, else the student's."""

    new_task_token_std: float = 0.02
    """Standard deviation of the task tokens added when the Stage 2 policy has fewer than the task needs."""


@configclass
class FinetuneRunnerCfg:
    """The fine-tuning runner: rollouts, logging and checkpoints as rsl_rl's runner config, plus the env split, the
    critic and the learner. The policy's sizes come from the Stage 2 checkpoint it starts from."""

    seed: int = 42
    """Seed of torch, the env (plus the rank in distributed runs) and the expert-share draws."""

    device: str = "cpu"
    """Torch device of the policy, critic, expert and storage."""

    num_steps_per_env: int = 24
    """Steps collected from every env per iteration (at least 2, for the distillation step pairs)."""

    max_iterations: int = 300
    """Learning iterations of one launch."""

    save_interval: int = 25
    """Iterations between checkpoints; the last iteration is always saved."""

    experiment_name: str = MISSING
    """Directory under logs/rsl_rl holding the runs."""

    run_name: str = ""
    """Suffix of the run directory."""

    logger: str = "tensorboard"
    """rsl_rl log writer."""

    distillation_env_share: float = 0.25
    """Share of each process' envs that keeps optimizing the distillation loss (ours; the paper gives none)."""

    num_task_tokens: int = 0
    """Task tokens the task's ``task`` observation group indexes; a Stage 2 policy with fewer grows them."""

    critic_hidden_dims: list[int] = [512, 256, 128]
    """Hidden layers of the critic MLP (ours)."""

    algorithm: FinetuneAlgorithmCfg = FinetuneAlgorithmCfg()
    """The learner."""


def is_finetune_task(task: str) -> bool:
    """Whether the registered ``task`` is trained by the fine-tuning runner (it names a fine-tuning config)."""
    return has_learner_config(task, FINETUNE_CFG_ENTRY_POINT)


def load_finetune_configs(
    task: str, overrides: Sequence[str] = (), play: bool = False
) -> tuple[ManagerBasedRLEnvCfg, FinetuneRunnerCfg]:
    """The env and fine-tuning runner configs of an in-betweening ``task`` with Hydra-style ``overrides`` applied.

    Raises:
        ValueError: Unknown task, a task without a fine-tuning config, or an override that does not resolve.
    """
    return load_task_and_agent_cfgs(task, FINETUNE_CFG_ENTRY_POINT, overrides, play)


def apply_distillation_share(env_cfg: ManagerBasedRLEnvCfg, cfg: FinetuneRunnerCfg) -> None:
    """Write the runner's ``distillation_env_share`` into the env config (before the env is made).

    Raises:
        ValueError: The share is outside [0, 1].
    """
    if not 0.0 <= cfg.distillation_env_share <= 1.0:
        raise ValueError(f"distillation_env_share is {cfg.distillation_env_share}; it must lie in [0, 1]")
    env_cfg.commands.reference.distillation_share = cfg.distillation_env_share
