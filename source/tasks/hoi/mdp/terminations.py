"""Termination terms of the HOI tasks that Isaac Lab does not ship: diverged physics, the reference clip's end,
and drifting from the reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.assets import BaseArticulation, BaseRigidObject
from isaaclab.managers import SceneEntityCfg

from .observations import reference_term

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def physics_diverged(
    env: ManagerBasedRLEnv,
    asset_cfg: SceneEntityCfg = SceneEntityCfg("humanoid"),
    max_speed: float = 50.0,
    object_cfg: SceneEntityCfg = SceneEntityCfg("object"),
) -> torch.Tensor:
    """Worlds whose physics blew up: a non-finite state or a body moving faster than ``max_speed``.

    Checks the root pose and velocity of the humanoid (``asset_cfg``) and the object (``object_cfg``), the
    humanoid's joint positions and velocities, and the linear speed of every body of both (m/s).

    Returns:
        Shape (num_envs,), bool: True where the world must be reset.
    """
    return _diverged(env.scene[asset_cfg.name], max_speed) | _diverged(env.scene[object_cfg.name], max_speed)


def _diverged(asset: BaseArticulation | BaseRigidObject, max_speed: float) -> torch.Tensor:
    """Shape (num_envs,), bool: the asset's state is non-finite or one of its bodies exceeds ``max_speed`` (m/s)."""
    data = asset.data
    state = [data.root_link_pose_w.torch, data.root_com_vel_w.torch]
    if isinstance(asset, BaseArticulation):
        state += [data.joint_pos.torch, data.joint_vel.torch]
    non_finite = torch.stack([~torch.isfinite(values).all(dim=-1) for values in state], dim=-1).any(dim=-1)
    # a NaN speed compares False, so non-finite states are caught above rather than here
    too_fast = (torch.linalg.vector_norm(data.body_com_lin_vel_w.torch, dim=-1) > max_speed).any(dim=-1)
    return non_finite | too_fast


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
