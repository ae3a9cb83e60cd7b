"""The fine-tuning runner's starting point: the Stage 2 policy of a distillation checkpoint, with task tokens grown to
the number the Stage 3 tasks need."""

from __future__ import annotations

from pathlib import Path

import torch
from tensordict import TensorDict

from isaaclab.envs import ManagerBasedRLEnvCfg

from interprior.agents.checkpoints import resolve_checkpoint
from interprior.agents.distillation.checkpoint import check_policy_fits, read_distillation_checkpoint
from interprior.agents.distillation.inputs import fit_policy_to_env
from interprior.agents.latent import LatentPolicy, LatentPolicyCfg

TASK_TOKENS_KEY = "prior.task_tokens.weight"
"""The policy parameter holding the learnable task tokens (num_task_tokens, token_dim)."""


def load_stage2_policy(
    path: str | Path,
    env_cfg: ManagerBasedRLEnvCfg,
    obs: TensorDict,
    num_actions: int,
    num_task_tokens: int,
    new_token_std: float,
    device: str = "cpu",
) -> LatentPolicy:
    """The policy of the distillation (or fine-tuning) checkpoint at ``path`` (file or run directory), one eps row per
    env of ``obs``, in train mode, with at least ``num_task_tokens`` task tokens: the saved ones are kept and the
    missing ones drawn from N(0, ``new_token_std``^2), small next to the trained tokens.

    Raises:
        CheckpointError: Nothing is at ``path``, it is not a distillation checkpoint, or its sizes do not fit the task.
    """
    checkpoint_path = resolve_checkpoint(path)
    checkpoint = read_distillation_checkpoint(checkpoint_path)
    # placeholders of the saved types (from_dict keeps each field's type); the env's sizes replace them below
    cfg = LatentPolicyCfg(obs_dim=0, action_dim=0, privileged_dim=0)
    cfg.from_dict(checkpoint["policy_cfg"])
    fit_policy_to_env(cfg, env_cfg, obs, num_actions)
    saved_tokens = cfg.num_task_tokens
    cfg.num_task_tokens = max(saved_tokens, num_task_tokens)
    policy = LatentPolicy(cfg, obs.batch_size[0], device)
    state = dict(checkpoint["policy_state_dict"])
    if cfg.num_task_tokens > saved_tokens:
        shape = policy.state_dict()[TASK_TOKENS_KEY].shape
        tokens = new_token_std * torch.randn(shape, generator=torch.Generator().manual_seed(cfg.seed))
        if saved_tokens > 0:
            tokens[:saved_tokens] = state[TASK_TOKENS_KEY]
        state[TASK_TOKENS_KEY] = tokens
    check_policy_fits(checkpoint_path, {"policy_state_dict": state}, policy)
    policy.load_state_dict(state)
    return policy.train()
