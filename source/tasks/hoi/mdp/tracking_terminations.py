"""Termination terms for reference tracking: the clip has ended, or the state drifted too far from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .observations import reference_term

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def reference_clip_ended(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N,) bool: the reference clip has no frame left to track (a time-out, not a failure)."""
    return reference_term(env, command_name).clip_ended()


def body_drift(env: ManagerBasedRLEnv, threshold: float, command_name: str = "reference") -> torch.Tensor:
    """(N,) bool: mean body position error to the reference exceeds ``threshold`` (m)."""
    reference = reference_term(env, command_name)
    error = torch.linalg.norm(reference.body_state()["body_pos"] - reference.target.body_pos, dim=-1).mean(-1)
    return error > threshold


def object_drift(env: ManagerBasedRLEnv, threshold: float, command_name: str = "reference") -> torch.Tensor:
    """(N,) bool: object position error to the reference exceeds ``threshold`` (m)."""
    reference = reference_term(env, command_name)
    object_pos, _ = reference.object_pose()
    return torch.linalg.norm(object_pos - reference.target.object_pos, dim=-1) > threshold
