"""A goal given by hand: a snapshot of the reference clip at a chosen time, with chosen components, the object
optionally moved to a chosen pose and contact labels optionally set.

:class:`ManualGoal` replaces a goal task's :class:`~.sparse_goal.SparseGoal` when a person, not the task's sampler,
says what the policy should reach (``scripts/play.py --goal``). The snapshot is held for the whole episode; the
preview tokens stay absent, so the policy's token count is unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch

from isaaclab.utils import configclass
from isaaclab.utils import math as math_utils

from interprior.data.motion_library import MotionFrame

from .sparse_goal import SparseGoal, SparseGoalCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class ManualGoal(SparseGoal):
    """The snapshot and components of :class:`ManualGoalCfg`, in every environment, for the whole episode."""

    cfg: ManualGoalCfg

    def __init__(self, cfg: ManualGoalCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        mask = self.layout.components(
            bodies=tuple(cfg.body_positions),
            rotations=tuple(cfg.body_rotations),
            object_pos=cfg.object_position or cfg.object_pos is not None,
            object_rot=cfg.object_rotation or cfg.object_yaw is not None,
            contacts=(*cfg.contact_bodies, *cfg.contacts),
        )
        if not mask.any():
            raise ValueError("ManualGoalCfg gives no component: name bodies, the object pose or contacts")
        self._snapshot_mask = mask.to(self.device)

    def __str__(self) -> str:
        return f"ManualGoal: clip time {self.cfg.time} s, {int(self._snapshot_mask.sum())} components"

    def goal_frames(self) -> MotionFrame:
        """The parent's frames with the snapshot's object pose and contact labels replaced as configured."""
        frames = super().goal_frames()
        cfg = self.cfg
        changes = {}
        if cfg.object_pos is not None:
            object_pos = frames.object_pos.clone()
            object_pos[:, -1] = torch.tensor(cfg.object_pos, device=self.device)
            changes["object_pos"] = object_pos
        if cfg.object_yaw is not None:
            object_quat = frames.object_quat.clone()
            yaw = torch.full((self.num_envs,), cfg.object_yaw, device=self.device)
            object_quat[:, -1] = math_utils.quat_from_euler_xyz(torch.zeros_like(yaw), torch.zeros_like(yaw), yaw)
            changes["object_quat"] = object_quat
        if cfg.contacts:
            labels = frames.contact_object.clone()
            for name, label in cfg.contacts.items():
                labels[:, -1, self.layout.embodiment.body_index(name)] = float(label)
            changes["contact_object"] = labels
        return dataclasses.replace(frames, **changes) if changes else frames

    def _draw(self, env_ids: torch.Tensor):
        """The snapshot at the configured clip time (at most the clip's end), given components only."""
        end = self.reference.library.durations[self.reference.clip_ids[env_ids]]
        self.snapshot_time[env_ids] = torch.clamp(torch.full_like(end, self.cfg.time), max=end)
        self.component_mask[env_ids] = 0.0
        self.component_mask[env_ids, -1] = self._snapshot_mask
        self.family[env_ids] = 0

    def _update_command(self):
        """The goal is held until the episode ends."""


@configclass
class ManualGoalCfg(SparseGoalCfg):
    """What the snapshot gives: the clip time, the bodies whose positions, rotations and contacts are given, and
    optional replacements of the object's pose and of contact labels. Body names are the task's embodiment's
    (:attr:`~interprior.assets.embodiment.Embodiment.body_names`)."""

    class_type: type = ManualGoal
    families: tuple[str, ...] = ("snapshot",)
    """Unused: the components are given below."""
    time: float = MISSING
    """Clip time of the snapshot (s)."""
    body_positions: Sequence[str] = ()
    body_rotations: Sequence[str] = ()
    object_position: bool = False
    """Give the object's position (implied by :attr:`object_pos`)."""
    object_rotation: bool = False
    """Give the object's rotation (implied by :attr:`object_yaw`)."""
    contact_bodies: Sequence[str] = ()
    """Bodies whose contact label (from the clip) is given."""
    object_pos: tuple[float, float, float] | None = None
    """The object's goal position instead of the clip's, in the environment frame (m)."""
    object_yaw: float | None = None
    """The object's goal heading instead of the clip's rotation: upright, turned by this about z (rad)."""
    contacts: dict[str, float] = {}
    """Contact labels replacing the clip's (1 touching, 0 not), by body; these bodies' contacts are given."""
