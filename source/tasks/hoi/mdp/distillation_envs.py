"""Terminations of the Stage 3 distillation environments
(:attr:`~.random_start.RandomStart.distillation_envs`): they end as the Stage 2 goal tasks' episodes do, on a fall,
on drifting from the reference (as Track) and at the clip's end; the other envs are unaffected."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .observations import reference_term
from .terminations import body_drift, object_drift, reference_clip_ended

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def distillation_env_failed(
    env: ManagerBasedRLEnv,
    minimum_height: float,
    body_threshold: float,
    object_threshold: float,
    command_name: str = "reference",
) -> torch.Tensor:
    """(N,) bool: a distillation env's pelvis is below ``minimum_height`` (m), or its mean body or object position
    error to the reference exceeds ``body_threshold`` or ``object_threshold`` (m)."""
    reference = reference_term(env, command_name)
    fell = reference.body_state()["body_pos"][:, 0, 2] < minimum_height
    drifted = body_drift(env, body_threshold, command_name) | object_drift(env, object_threshold, command_name)
    return reference.distillation_envs & (fell | drifted)


def distillation_clip_ended(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N,) bool: a distillation env's reference clip has ended (a time-out)."""
    return reference_term(env, command_name).distillation_envs & reference_clip_ended(env, command_name)
