"""Reward terms of the HOI tasks: reference tracking (r_track), the reference-free grasp term (r_h).

Tracking terms are Gaussian kernels ``exp(-error / std^2)`` in [0, 1], 1 for a perfectly tracked state; the grasp
term is a penalty (>= 0, 0 for hands on the object and facing it) given a negative weight. Energy and termination
penalties use Isaac Lab's stock terms (``joint_acc_l2``, ``action_rate_l2``, ``is_terminated``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.utils import math as math_utils

from .observations import body_object_distances, reference_term

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

CONTACT_DISTANCE = 0.02
"""A body within this distance of the object surface counts as touching it (m), as in the data's labels."""


def track_body_pos(env: ManagerBasedRLEnv, std: float, command_name: str = "reference") -> torch.Tensor:
    """exp(-mean squared body position error / std^2) over the embodiment's bodies (m)."""
    reference = reference_term(env, command_name)
    error = (reference.body_state()["body_pos"] - reference.target.body_pos).square().sum(-1).mean(-1)
    return torch.exp(-error / std**2)


def track_body_rot(env: ManagerBasedRLEnv, std: float, command_name: str = "reference") -> torch.Tensor:
    """exp(-mean squared body rotation error (rad) / std^2) over the embodiment's bodies."""
    reference = reference_term(env, command_name)
    angle = math_utils.quat_error_magnitude(reference.body_state()["body_quat"], reference.target.body_quat)
    return torch.exp(-angle.square().mean(-1) / std**2)


def track_body_vel(env: ManagerBasedRLEnv, std: float, command_name: str = "reference") -> torch.Tensor:
    """exp(-mean squared body linear velocity error (m/s) / std^2) over the embodiment's bodies."""
    reference = reference_term(env, command_name)
    error = (reference.body_state()["body_lin_vel"] - reference.target.body_lin_vel).square().sum(-1).mean(-1)
    return torch.exp(-error / std**2)


def track_object_pos(env: ManagerBasedRLEnv, std: float, command_name: str = "reference") -> torch.Tensor:
    """exp(-squared object position error (m) / std^2)."""
    reference = reference_term(env, command_name)
    object_pos, _ = reference.object_pose()
    return torch.exp(-(object_pos - reference.target.object_pos).square().sum(-1) / std**2)


def track_object_rot(env: ManagerBasedRLEnv, std: float, command_name: str = "reference") -> torch.Tensor:
    """exp(-squared object rotation error (rad) / std^2)."""
    reference = reference_term(env, command_name)
    _, object_quat = reference.object_pose()
    return torch.exp(-math_utils.quat_error_magnitude(object_quat, reference.target.object_quat).square() / std**2)


def track_contact(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """Fraction of labelled key bodies whose touching the object (surfaces < 2 cm apart) agrees with the reference.

    Bodies with an unknown label (-1) do not count; with no labelled body the term is 1.
    """
    reference = reference_term(env, command_name)
    distance, _ = body_object_distances(env, command_name)
    touching = (distance < CONTACT_DISTANCE).float()
    labels = reference.target.contact_object[:, reference.embodiment.body_ids(reference.embodiment.distance_bodies)]
    known = (labels >= 0).float()
    agree = (1.0 - (touching - labels).abs()) * known
    return torch.where(known.sum(-1) > 0, agree.sum(-1) / known.sum(-1).clamp(min=1.0), torch.ones_like(agree[:, 0]))


def grasp_penalty(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """The reference-free grasp term r_h, from the simulated state only: per palm that should hold the object,
    the gap between palm and object surfaces (m) plus its misalignment ``1 - cos`` between the palm normal and the
    direction to the nearest surface point. Summed over palms; 0 when no palm should hold the object.
    """
    reference = reference_term(env, command_name)
    embodiment = reference.embodiment
    distance, vector = body_object_distances(env, command_name)
    palm_slots = [embodiment.distance_bodies.index(name) for name in embodiment.palms]
    palm_ids = embodiment.body_ids(list(embodiment.palms))
    holding = (reference.target.contact_object[:, palm_ids] > 0.5).float()
    palm_quat = reference.body_state()["body_quat"][:, palm_ids]
    palm_normals = torch.tensor(list(embodiment.palms.values()), device=env.device)
    normal = math_utils.quat_apply(palm_quat, palm_normals.expand_as(palm_quat[..., :3]))
    towards = vector[:, palm_slots] / torch.linalg.norm(vector[:, palm_slots], dim=-1, keepdim=True).clamp(min=1e-6)
    misalignment = 1.0 - (normal * towards).sum(-1)
    gap = distance[:, palm_slots].clamp(min=0.0)
    return ((gap + misalignment) * holding).sum(-1)
