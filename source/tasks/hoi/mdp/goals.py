"""The goal interface of the sparse-goal tasks: goal frames as masked residuals to the current state.

A goal frame y shares the state space of the observation: body positions and rotations, the object's position and
rotation, and body-object contacts. The policy sees ``y~ = m * (y (-) x_t)``: differences for positions, rotation
vectors of the relative rotation (log map) for orientations, the label itself for contacts, all in the humanoid's
heading frame, with every masked-out entry exactly zero. Per frame the features are, for an embodiment of B bodies
(:class:`GoalLayout`; F = 7B + 6, 174 for our humanoid's 24 bodies, 216 for the G1's 30):

====================  ======  ===========================================================
body positions        B x 3   reference minus simulated position (m)
body rotations        B x 3   rotation vector of ``q_sim^-1 q_ref`` in the body frame (rad)
object position       3       reference minus simulated position (m)
object rotation       3       rotation vector of ``q_sim^-1 q_ref`` (rad)
body-object contacts  B       reference label: 1 touching, 0 not, -1 unknown
====================  ======  ===========================================================

Masks are built per *component* (a body's position, a body's rotation, the object's position or rotation, a body's
contact label) and expanded to features, so a goal gives or hides each component whole.
"""

from __future__ import annotations

import functools

import torch

from isaaclab.utils import math as math_utils

from interprior.assets.embodiment import Embodiment
from interprior.data.motion_library import MotionFrame


class GoalLayout:
    """Where each component of an embodiment's goal frame sits, and the component masks of the goal families.

    Component groups, in feature order: :attr:`body_pos` and :attr:`body_rot` (slices of B components),
    :attr:`object_pos` and :attr:`object_rot` (one index each), :attr:`contact` (a slice of B). Get one per embodiment
    with :func:`goal_layout`.
    """

    def __init__(self, embodiment: Embodiment):
        self.embodiment = embodiment
        bodies = len(embodiment.body_names)
        self.component_sizes: tuple[int, ...] = (3,) * bodies + (3,) * bodies + (3, 3) + (1,) * bodies
        """Size of each component, in feature order."""
        self.num_components = len(self.component_sizes)
        """C, components per goal frame."""
        self.num_features = sum(self.component_sizes)
        """F, features per goal frame."""
        self.body_pos = slice(0, bodies)
        self.body_rot = slice(bodies, 2 * bodies)
        self.object_pos = 2 * bodies
        self.object_rot = 2 * bodies + 1
        self.contact = slice(2 * bodies + 2, self.num_components)
        self._component_of_feature = torch.repeat_interleave(
            torch.arange(self.num_components), torch.tensor(self.component_sizes)
        )

    def expand_mask(self, component_mask: torch.Tensor) -> torch.Tensor:
        """Feature mask (..., F) from a component mask (..., C), both float 0/1."""
        return component_mask[..., self._component_of_feature.to(component_mask.device)]

    def masked_goal_tokens(
        self, residuals: torch.Tensor, component_mask: torch.Tensor, time_to_goal: torch.Tensor
    ) -> torch.Tensor:
        """Goal tokens ``[m * residual, m, time_to_goal]`` (N, K, 2F + 1) from residuals (N, K, F), component masks
        (N, K, C) and the time until each goal frame (N, K, s). Masked-out residual entries are exactly zero."""
        mask = self.expand_mask(component_mask)
        zeros = torch.zeros_like(residuals)
        return torch.cat([torch.where(mask > 0, residuals, zeros), mask, time_to_goal.unsqueeze(-1)], -1)

    def components(self, *, bodies: tuple[str, ...] = (), rotations: tuple[str, ...] = (), object_pos: bool = False,
                   object_rot: bool = False, contacts: tuple[str, ...] = ()) -> torch.Tensor:  # fmt: skip
        """A (C,) component mask giving the named bodies' positions / rotations, the object and contact labels.

        Raises:
            KeyError: a name is not one of the embodiment's bodies (the message lists them).
        """
        body_ids = self.embodiment.body_ids
        mask = torch.zeros(self.num_components)
        mask[[self.body_pos.start + index for index in body_ids(bodies)]] = 1.0
        mask[[self.body_rot.start + index for index in body_ids(rotations)]] = 1.0
        mask[self.object_pos], mask[self.object_rot] = float(object_pos), float(object_rot)
        mask[[self.contact.start + index for index in body_ids(contacts)]] = 1.0
        return mask

    @functools.cached_property
    def full_snapshot(self) -> torch.Tensor:
        """(C,) everything: the whole body and object state and the contacts."""
        return torch.ones(self.num_components)

    @functools.cached_property
    def trajectory(self) -> torch.Tensor:
        """(C,) a path: the positions of the embodiment's path bodies (root and hands) and of the object."""
        return self.components(bodies=self.embodiment.path_bodies, object_pos=True)

    @functools.cached_property
    def contact_only(self) -> torch.Tensor:
        """(C,) which bodies touch the object, nothing else."""
        return self.components(contacts=self.embodiment.body_names)

    @functools.cached_property
    def pose(self) -> torch.Tensor:
        """(C,) the body and object positions and rotations: every component but the contact labels."""
        mask = torch.ones(self.num_components)
        mask[self.contact] = 0.0
        return mask

    def sample_partial_masks(self, count: int, keep_prob: float, generator: torch.Generator | None = None) -> torch.Tensor:
        """(count, C) random partial snapshots: each component kept with ``keep_prob``, at least one kept per row."""
        mask = (torch.rand(count, self.num_components, generator=generator) < keep_prob).float()
        empty = mask.sum(-1) == 0
        mask[empty, torch.randint(self.num_components, (int(empty.sum()),), generator=generator)] = 1.0
        return mask


@functools.cache
def goal_layout(embodiment: Embodiment) -> GoalLayout:
    """The goal layout of ``embodiment`` (one per embodiment)."""
    return GoalLayout(embodiment)


def rotate(quat: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """Rotate ``vectors`` (N, ..., 3) by one quaternion per environment ``quat`` (N, 4)."""
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
        body_pos, body_quat: (N, B, 3) and (N, B, 4) simulated bodies, body 0 the root.
        object_pos, object_quat: (N, 3) and (N, 4) simulated object.
    """
    num_envs, num_frames = frames.root_pos.shape[:2]
    heading = math_utils.quat_conjugate(math_utils.yaw_quat(body_quat[:, 0]))
    # the bodies and the object side by side (B + 1), each rotated and compared in one call
    goal_pos = torch.cat([frames.body_pos, frames.object_pos.unsqueeze(2)], dim=2)  # (N, K, B + 1, 3)
    goal_quat = torch.cat([frames.body_quat, frames.object_quat.unsqueeze(2)], dim=2)
    current_pos = torch.cat([body_pos, object_pos.unsqueeze(1)], dim=1).unsqueeze(1)  # (N, 1, B + 1, 3)
    current_quat = torch.cat([body_quat, object_quat.unsqueeze(1)], dim=1).unsqueeze(1)
    offsets = rotate(heading, goal_pos - current_pos)
    rotations = _relative_rotation(current_quat, goal_quat)
    parts = (offsets[:, :, :-1], rotations[:, :, :-1], offsets[:, :, -1], rotations[:, :, -1], frames.contact_object)
    return torch.cat([part.reshape(num_envs, num_frames, -1) for part in parts], dim=-1)
