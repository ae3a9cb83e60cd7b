"""Observation terms of the HOI tasks: the paper's x_t (humanoid, object, signed distances, contacts) and goals.

Everything is expressed in the humanoid's heading frame: the pelvis position with the pelvis yaw removed, so the
policy sees the same numbers wherever and whichever way the humanoid stands. Rotations are encoded as the first
two columns of their matrix ("tan-norm", 6 numbers), rotation residuals as rotation vectors (log map).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

from isaaclab.managers import SceneEntityCfg
from isaaclab.utils import math as math_utils

from interprior.assets.embodiment import get_embodiment

from .goals import goal_residuals, rotate
from .reference import ReferenceMotion

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

def reference_term(env: ManagerBasedRLEnv, command_name: str) -> ReferenceMotion:
    return env.command_manager.get_term(command_name)


def tan_norm(quat: torch.Tensor) -> torch.Tensor:
    """(..., 6) first two columns of the rotation matrices of ``quat`` (..., 4)."""
    return math_utils.matrix_from_quat(quat)[..., :, :2].transpose(-1, -2).reshape(*quat.shape[:-1], 6)


def rotate_quat(quat: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """``quat * rotations`` with one ``quat`` (N, 4) per environment and ``rotations`` (N, ..., 4)."""
    expanded = quat.view(quat.shape[0], *([1] * (rotations.dim() - 2)), 4).expand_as(rotations)
    return math_utils.quat_mul(expanded, rotations)


def humanoid_state(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N, 1 + (B-1)*3 + B*6 + B*6) pelvis height, body positions, orientations and velocities in the heading frame
    (B bodies of the embodiment, 24 for our humanoid)."""
    state = reference_term(env, command_name).body_state()
    root_pos, heading = state["body_pos"][:, 0], state["heading"]
    num_bodies = state["body_pos"].shape[1]
    vectors = torch.cat([state["body_pos"][:, 1:] - root_pos.unsqueeze(1), state["body_lin_vel"], state["body_ang_vel"]], 1)
    local_pos, lin_vel, ang_vel = rotate(heading, vectors).split([num_bodies - 1, num_bodies, num_bodies], dim=1)
    local_rot = tan_norm(rotate_quat(heading, state["body_quat"]))
    parts = (root_pos[:, 2:3], local_pos, local_rot, lin_vel, ang_vel)
    return torch.cat([part.reshape(env.num_envs, -1) for part in parts], dim=-1)


def object_state(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N, 3 + 6 + 3 + 3) object position, orientation and velocities relative to the pelvis, heading frame."""
    reference = reference_term(env, command_name)
    state = reference.body_state()
    root_pos, heading = state["body_pos"][:, 0], state["heading"]
    object_pos, object_quat = reference.object_pose()
    data = reference.object.data
    vectors = rotate(heading, torch.stack([object_pos - root_pos, data.root_lin_vel_w.torch, data.root_ang_vel_w.torch], 1))
    local_pos, lin_vel, ang_vel = vectors.unbind(1)
    return torch.cat([local_pos, tan_norm(math_utils.quat_mul(heading, object_quat)), lin_vel, ang_vel], dim=-1)


def body_object_distances(env: ManagerBasedRLEnv, command_name: str = "reference") -> tuple[torch.Tensor, torch.Tensor]:
    """Distance (N, D) from the collision surface of each of the embodiment's distance bodies to the object's
    surface (m, negative when overlapping) and the vector (N, D, 3, world) from the body's collision centre to the
    nearest object point (:meth:`ReferenceMotion.body_object_distances`)."""
    return reference_term(env, command_name).body_object_distances()


def object_distances(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N, D * 4) the paper's D_t: signed distance and heading-frame vector from the embodiment's distance bodies to
    the object surface."""
    distance, vector = body_object_distances(env, command_name)
    heading = reference_term(env, command_name).body_state()["heading"]
    return torch.cat([distance, rotate(heading, vector).reshape(env.num_envs, -1)], dim=-1)


def body_contacts(env: ManagerBasedRLEnv, sensor_cfg: SceneEntityCfg, threshold: float = 1.0) -> torch.Tensor:
    """(N, B) the paper's C_t: 1 where a body's net contact force exceeds ``threshold`` (N), in the embodiment's body
    order."""
    sensor = env.scene.sensors[sensor_cfg.name]
    ids = _sensor_order(tuple(sensor.sensor_names), env.cfg.embodiment, env.device)
    return (torch.linalg.norm(sensor.data.net_forces_w.torch[:, ids], dim=-1) > threshold).float()


@functools.cache
def _sensor_order(sensor_names: tuple[str, ...], embodiment: str, device: str) -> torch.Tensor:
    """(B,) long index into ``sensor_names`` of each of the embodiment's bodies, in its body order."""
    order = [sensor_names.index(name) for name in get_embodiment(embodiment).body_names]
    return torch.tensor(order, dtype=torch.long, device=device)


def reference_residuals(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N, K * (F + 1)) the future reference frames as unmasked goal residuals (:mod:`.goals`, F = 7B + 6: 174 for our humanoid) to the
    current state, each followed by whether the frame lies inside the clip (1)."""
    reference = reference_term(env, command_name)
    frames, valid = reference.future()  # (N, K)
    state = reference.body_state()
    object_pos, object_quat = reference.object_pose()
    residuals = goal_residuals(frames, state["body_pos"], state["body_quat"], object_pos, object_quat)
    return torch.cat([residuals, valid.float().unsqueeze(-1)], dim=-1).reshape(env.num_envs, -1)


def reference_joint_action(
    env: ManagerBasedRLEnv, action_name: str = "joint_pos", command_name: str = "reference"
) -> torch.Tensor:
    """(N, A) the action of the joint position term ``action_name`` whose PD targets are the reference's joint
    angles: (q_ref - offset) / scale. A Track expert acting in another task adds its scaled residual to it."""
    term = env.action_manager.get_term(action_name)  # a JointPositionAction: target = scale * action + offset
    joint_pos = reference_term(env, command_name).target_joint_pos()[:, term._joint_ids]
    return (joint_pos - term._offset) / term._scale


def goal_tokens(env: ManagerBasedRLEnv, command_name: str = "goal") -> torch.Tensor:
    """(N, G * (2F + 1) + G) the masked goal tokens, flattened, then whether each token is given (1) or absent (0)."""
    goal = env.command_manager.get_term(command_name)
    return torch.cat([goal.tokens().flatten(1), goal.present().float()], dim=-1)


def goal_privileged(env: ManagerBasedRLEnv, command_name: str = "goal") -> torch.Tensor:
    """(N, G * F) the goal frames' unmasked residuals, for the training-only encoder."""
    return env.command_manager.get_term(command_name).residuals().flatten(1)
