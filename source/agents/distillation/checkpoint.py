"""Checkpoints of the distillation runner: ``model_<iteration>.pt`` in the run directory, as rsl_rl's runner names
them, holding the policy (with its observation normalizer) and its config, the last completed iteration and, unless
released (``scripts/release.py``), the Adam state; and loading one as a deterministic inference policy."""

from __future__ import annotations

from pathlib import Path

from tensordict import TensorDict

from isaaclab.envs import ManagerBasedRLEnvCfg

from interprior.agents.checkpoints import CheckpointError, read_checkpoint, resolve_checkpoint
from interprior.agents.latent import LatentPolicy, LatentPolicyCfg

from .inputs import fit_policy_to_env

CHECKPOINT_KEYS = ("policy_state_dict", "policy_cfg", "iter")
"""Entries every distillation checkpoint holds, released or not (a training one also holds the optimizer state)."""


def read_distillation_checkpoint(path: Path) -> dict:
    """The saved dict of a distillation checkpoint, on the CPU.

    Raises:
        CheckpointError: The file cannot be read or is not a distillation checkpoint (for example an expert's).
    """
    return read_checkpoint(path, CHECKPOINT_KEYS, kind="a distillation")


def check_policy_fits(path: Path, checkpoint: dict, policy: LatentPolicy) -> None:
    """Compare the parameter names and shapes of the checkpoint's policy with ``policy``.

    Raises:
        CheckpointError: The checkpoint holds another architecture or was trained for other sizes.
    """
    saved, wanted = checkpoint["policy_state_dict"], policy.state_dict()
    if saved.keys() != wanted.keys():
        differing = ", ".join(sorted(saved.keys() ^ wanted.keys()))
        raise CheckpointError(f"checkpoint {path} has another policy architecture (parameters differ: {differing})")
    for name, tensor in wanted.items():
        if saved[name].shape != tensor.shape:
            raise CheckpointError(
                f"checkpoint {path} was trained for other sizes: policy '{name}' is {tuple(saved[name].shape)} in "
                f"the checkpoint but {tuple(tensor.shape)} for this task"
            )


def load_distilled_policy(
    path: str | Path, env_cfg: ManagerBasedRLEnvCfg, obs: TensorDict, num_actions: int, device: str = "cpu"
) -> LatentPolicy:
    """The policy of a distillation checkpoint (file or run directory), in eval mode.

    The policy is built from the config saved with it, with the env-determined sizes taken from the goal task
    (``env_cfg`` and one observation ``obs``), so a checkpoint of another task's sizes is refused.

    Raises:
        CheckpointError: Nothing is at ``path``, or the checkpoint is not a distillation checkpoint for this task.
    """
    checkpoint_path = resolve_checkpoint(path)
    checkpoint = read_distillation_checkpoint(checkpoint_path)
    # placeholders of the saved types (from_dict keeps each field's type); the env's sizes replace them below
    policy_cfg = LatentPolicyCfg(obs_dim=0, action_dim=0, privileged_dim=0)
    policy_cfg.from_dict(checkpoint["policy_cfg"])
    fit_policy_to_env(policy_cfg, env_cfg, obs, num_actions)
    policy = LatentPolicy(policy_cfg, obs.batch_size[0], device)
    check_policy_fits(checkpoint_path, checkpoint, policy)
    policy.load_state_dict(checkpoint["policy_state_dict"])
    return policy.eval()
