"""Settings of the Stage 2 online DAgger distillation, and loading them for a registered goal task.

A goal task names its runner config under the gym registration key :data:`DISTILLATION_CFG_ENTRY_POINT`; Isaac Lab
resolves it with ``env.``/``agent.`` overrides like any agent config. The expert-share schedule and the optimiser
settings are ours unless noted: the paper only says the expert's control share decays over training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING

from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.utils import configclass

from interprior.agents.latent import LatentPolicyCfg
from interprior.tasks.env_factory import has_learner_config, load_task_and_agent_cfgs

DISTILLATION_CFG_ENTRY_POINT = "distillation_cfg_entry_point"
"""The gym registration key of a goal task's :class:`DistillationRunnerCfg`."""


@configclass
class DistillationAlgorithmCfg:
    """The learner: Adam on the distillation loss, and the expert share beta of the executed actions.

    beta(it) = start + (end - start) * clip((it - decay_start) / decay_iterations, 0, 1). InterMimic's student uses
    start 1, end 0, decay_start 500, decay_iterations 5000 (epochs of 4096 GPU envs); our defaults fit a CPU budget.
    """

    learning_rate: float = 1.0e-4
    """Adam step size (MaskedMimic: 2e-5 on GPUs)."""

    num_learning_epochs: int = 5
    """Passes over each rollout."""

    num_mini_batches: int = 4
    """Mini-batches of step pairs per pass."""

    max_grad_norm: float = 1.0
    """Gradient norm clip."""

    expert_share_start: float = 1.0
    """beta before the decay starts: the probability that an env executes the expert's action at a step."""

    expert_share_end: float = 0.0
    """beta after the decay."""

    expert_share_decay_start: int = 20
    """Learning iteration at which beta starts to decay."""

    expert_share_decay_iterations: int = 200
    """Iterations over which beta goes linearly from start to end; 0 switches at ``expert_share_decay_start``."""


@configclass
class DistillationRunnerCfg:
    """The DAgger runner: rollouts, logging and checkpoints as rsl_rl's runner config, plus the policy and learner.

    The policy's sizes that the environment determines (``obs_dim``, ``action_dim``, ``history_length``,
    ``preview_length``, ``goal_feature_dim``, ``privileged_dim``) are filled in from the env when the runner is built.
    """

    seed: int = 42
    """Seed of torch, the env and the expert-share draws."""

    device: str = "cpu"
    """Torch device of the policy, the expert and the rollout storage."""

    num_steps_per_env: int = 24
    """Steps collected from every env per iteration (at least 2, for step pairs)."""

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

    policy: LatentPolicyCfg = LatentPolicyCfg(obs_dim=0, action_dim=0)
    """The InterPrior policy (the sizes of 0 are replaced by the env's)."""

    algorithm: DistillationAlgorithmCfg = DistillationAlgorithmCfg()
    """The learner and the expert-share schedule."""


def is_distillation_task(task: str) -> bool:
    """Whether the registered ``task`` is trained by distillation (it names a distillation runner config)."""
    return has_learner_config(task, DISTILLATION_CFG_ENTRY_POINT)


def load_distillation_configs(
    task: str, overrides: Sequence[str] = (), play: bool = False
) -> tuple[ManagerBasedRLEnvCfg, DistillationRunnerCfg]:
    """The env and distillation runner configs of a goal ``task`` with Hydra-style ``overrides`` applied.

    Raises:
        ValueError: Unknown task, a task without a distillation config, or an override that does not resolve.
    """
    return load_task_and_agent_cfgs(task, DISTILLATION_CFG_ENTRY_POINT, overrides, play)
