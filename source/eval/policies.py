"""Which policy a checkpoint gives on an evaluation task.

* an rsl_rl PPO checkpoint on Track: its actor's mean action;
* a distillation checkpoint (Stage 2, or Stage 3 fine-tuned: same format) on a goal task: the InterPrior policy
  decoding its prior mean (:class:`~interprior.agents.distillation.PriorActor`), or, asked to sample, a latent drawn
  from its prior as the paper's inference does (one noise per episode, from the episode's seed);
* an rsl_rl PPO checkpoint of the Track expert on a goal task: the MaskedMimic-style baseline, the expert's mean
  action on the goal-only reference input of :mod:`.baseline`.

Every policy is called as ``policy(obs)`` and told ``policy.reset(dones)`` after each step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from tensordict import TensorDict

from isaaclab.envs import ManagerBasedRLEnv

from interprior.agents.checkpoints import MODEL_KEYS, CheckpointError, read_checkpoint
from interprior.agents.distillation import PriorActor, load_distilled_policy, load_expert
from interprior.agents.distillation.checkpoint import CHECKPOINT_KEYS
from interprior.agents.finite import FiniteVecEnvWrapper
from interprior.agents.runner import load_task_configs, make_runner

POLICY_KINDS = {
    "rsl_rl": "rsl_rl PPO actor",
    "prior": "InterPrior prior mean",
    "prior_sample": "InterPrior prior sample",
    "masked_expert": "MaskedMimic-style Track expert",
}
"""How a checkpoint acts, by name, with a description."""


def policy_kind(checkpoint: Path, goal_task: bool, sample_latent: bool = False) -> str:
    """The :data:`POLICY_KINDS` name of ``checkpoint`` on a goal task or on Track; ``sample_latent`` makes a
    distillation checkpoint sample its prior (other kinds act with their mean either way).

    Raises:
        CheckpointError: The file is unreadable, neither a PPO nor a distillation checkpoint, or a distillation
            checkpoint for Track.
    """
    saved = read_checkpoint(checkpoint, keys=(), kind="a")
    if isinstance(saved, dict) and all(key in saved for key in CHECKPOINT_KEYS):
        if not goal_task:
            raise CheckpointError(
                f"checkpoint {checkpoint} is a distilled InterPrior policy; it runs on the goal tasks, not on Track"
            )
        return "prior_sample" if sample_latent else "prior"
    if isinstance(saved, dict) and all(key in saved for key in MODEL_KEYS):
        return "masked_expert" if goal_task else "rsl_rl"
    raise CheckpointError(
        f"checkpoint {checkpoint} is neither an rsl_rl PPO checkpoint ({', '.join(MODEL_KEYS)}) nor a distillation "
        f"checkpoint ({', '.join(CHECKPOINT_KEYS)})"
    )


class ExpertActor:
    """The frozen Track expert acting with its mean on the ``expert`` observation group."""

    def __init__(self, expert: torch.nn.Module) -> None:
        self.expert = expert

    def __call__(self, obs: TensorDict) -> torch.Tensor:
        return self.expert(obs)

    def reset(self, dones: torch.Tensor) -> None:
        """The expert has no memory."""


def make_policy(
    kind: str,
    env: ManagerBasedRLEnv,
    checkpoint: Path,
    task_id: str,
    device: str,
    noise_seeds: Callable[[list[int]], list[int]] | None = None,
):
    """The wrapped env and the policy of ``checkpoint`` acting as ``kind``; a policy sampling its prior draws each
    episode's latent noise from the seed ``noise_seeds`` gives for the envs whose episodes begin (default: from its
    own generator).

    Returns:
        ``(vec_env, policy)``: an rsl_rl vec env, and a callable with ``reset(dones)``.

    Raises:
        CheckpointError: The checkpoint was trained for other observation or action sizes.
    """
    if kind == "rsl_rl":
        _, agent_cfg = load_task_configs(task_id)
        agent_cfg.device = device
        runner = make_runner(env, agent_cfg)
        runner.load(str(checkpoint), map_location=device)
        return runner.env, runner.get_inference_policy(device=device)
    vec_env = FiniteVecEnvWrapper(env)
    obs = vec_env.get_observations()
    if kind in ("prior", "prior_sample"):
        policy = load_distilled_policy(checkpoint, env.cfg, obs, vec_env.num_actions, device)
        return vec_env, PriorActor(policy, deterministic=kind == "prior", noise_seeds=noise_seeds)
    return vec_env, ExpertActor(load_expert(checkpoint, obs, vec_env.num_actions, env.cfg, device))
