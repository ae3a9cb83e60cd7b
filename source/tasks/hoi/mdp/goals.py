"""The goal interface of the sparse-goal tasks: goal frames as masked residuals to the current state.

A goal frame y shares the state space of the observation: body positions and rotations, the object's position and
rotation, and body-object contacts. The policy sees ``y~ = m * (y (-) x_t)``: differences for positions, rotation
vectors of the relative rotation (log map) for orientations, the label itself for contacts, all in the humanoid's
heading frame, with every masked-out entry exactly zero. Per frame the features are (F = 174):

====================  ======  ===========================================================
body positions        24 x 3  reference minus simulated position (m)
body rotations        24 x 3  rotation vector of ``q_sim^-1 q_ref`` in the body frame (rad)
object position       3       reference minus simulated position (m)
object rotation       3       rotation vector of ``q_sim^-1 q_ref`` (rad)
body-object contacts  24      reference label: 1 touching, 0 not, -1 unknown
====================  ======  ===========================================================

Masks are built per *component* (a body's position, a body's rotation, the object's position or rotation, a body's
contact label) and expanded to features, so a goal gives or hides each component whole.
"""

from __future__ import annotations

import torch

from isaaclab.utils import math as math_utils

from interprior.assets.skeleton import BODY_NAMES, body_index
from interprior.data.motion_library import MotionFrame

NUM_BODIES = len(BODY_NAMES)
COMPONENT_SIZES: tuple[int, ...] = (3,) * NUM_BODIES + (3,) * NUM_BODIES + (3, 3) + (1,) * NUM_BODIES
"""Size of each goal component, in feature order: body positions, body rotations, object position and rotation,
body contacts."""
NUM_COMPONENTS = len(COMPONENT_SIZES)
GOAL_FEATURES = sum(COMPONENT_SIZES)
"""F, features per goal frame."""

BODY_POS = slice(0, NUM_BODIES)
BODY_ROT = slice(NUM_BODIES, 2 * NUM_BODIES)
OBJECT_POS = 2 * NUM_BODIES
OBJECT_ROT = 2 * NUM_BODIES + 1
CONTACT = slice(2 * NUM_BODIES + 2, NUM_COMPONENTS)
"""Component indices of each group."""

_COMPONENT_OF_FEATURE = torch.repeat_interleave(torch.arange(NUM_COMPONENTS), torch.tensor(COMPONENT_SIZES))


def _rotate(quat: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    expanded = quat.view(quat.shape[0], *([1] * (vectors.dim() - 2)), 4).expand(*vectors.shape[:-1], 4)
    return math_utils.quat_apply(expanded, vectors)


def _relative_rotation(current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Rotation vectors (..., 3) of ``current^-1 target`` with ``current`` broadcast to ``target`` (..., 4)."""
    current = current.expand_as(target)
    return math_utils.axis_angle_from_quat(math_utils.quat_mul(math_utils.quat_conjugate(current), target))


def goal_residuals(
    frames: MotionFrame,
    body_pos: torch.Tensor,
    body_quat: torch.Tensor,
    object_pos: torch.Tensor,
    object_quat: torch.Tensor,
) -> torch.Tensor:
    """Unmasked residuals ``y (-) x_t`` of goal frames (N, K) to the current state: (N, K, F).

    Args:
        frames: Goal frames with leading shape (N, K).
        body_pos, body_quat: (N, 24, 3) and (N, 24, 4) simulated bodies, body 0 the pelvis.
        object_pos, object_quat: (N, 3) and (N, 4) simulated object.
    """
    num_envs, num_frames = frames.root_pos.shape[:2]
    heading = math_utils.quat_conjugate(math_utils.yaw_quat(body_quat[:, 0]))
    parts = (
        _rotate(heading, frames.body_pos - body_pos.unsqueeze(1)),
        _relative_rotation(body_quat.unsqueeze(1), frames.body_quat),
        _rotate(heading, frames.object_pos - object_pos.unsqueeze(1)),
        _relative_rotation(object_quat.view(num_envs, 1, 4), frames.object_quat),
        frames.contact_object,
    )
    return torch.cat([part.reshape(num_envs, num_frames, -1) for part in parts], dim=-1)


def expand_mask(component_mask: torch.Tensor) -> torch.Tensor:
    """Feature mask (..., F) from a component mask (..., C), both float 0/1."""
    return component_mask[..., _COMPONENT_OF_FEATURE.to(component_mask.device)]


def masked_goal_tokens(residuals: torch.Tensor, component_mask: torch.Tensor, time_to_goal: torch.Tensor) -> torch.Tensor:
    """Goal tokens ``[m * residual, m, time_to_goal]`` (N, K, 2F + 1) from residuals (N, K, F), component masks
    (N, K, C) and the time until each goal frame (N, K, s). Masked-out residual entries are exactly zero."""
    mask = expand_mask(component_mask)
    return torch.cat([torch.where(mask > 0, residuals, torch.zeros_like(residuals)), mask, time_to_goal.unsqueeze(-1)], -1)


def components(*, bodies: tuple[str, ...] = (), rotations: tuple[str, ...] = (), object_pos: bool = False,
               object_rot: bool = False, contacts: tuple[str, ...] = ()) -> torch.Tensor:  # fmt: skip
    """A (C,) component mask giving the named bodies' positions / rotations, the object and contact labels."""
    mask = torch.zeros(NUM_COMPONENTS)
    mask[[BODY_POS.start + body_index(name) for name in bodies]] = 1.0
    mask[[BODY_ROT.start + body_index(name) for name in rotations]] = 1.0
    mask[OBJECT_POS], mask[OBJECT_ROT] = float(object_pos), float(object_rot)
    mask[[CONTACT.start + body_index(name) for name in contacts]] = 1.0
    return mask


FULL_SNAPSHOT = torch.ones(NUM_COMPONENTS)
"""Everything: the whole body and object state and the contacts."""
TRAJECTORY = components(bodies=("Pelvis", "L_Hand", "R_Hand"), object_pos=True)
"""A path: pelvis, hands and object positions."""
CONTACT_ONLY = components(contacts=BODY_NAMES)
"""Which bodies touch the object, nothing else."""


def sample_partial_masks(count: int, keep_prob: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """(count, C) random partial snapshots: each component kept with ``keep_prob``, at least one kept per row."""
    mask = (torch.rand(count, NUM_COMPONENTS, generator=generator) < keep_prob).float()
    empty = mask.sum(-1) == 0
    mask[empty, torch.randint(NUM_COMPONENTS, (int(empty.sum()),), generator=generator)] = 1.0
    return mask
