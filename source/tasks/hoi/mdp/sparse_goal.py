"""Sparse goals taken from the reference clip: a masked snapshot L steps ahead and a masked H-frame preview.

:class:`SparseGoal` is a command term that sits on top of the :class:`~.reference.ReferenceMotion` term: the
reference clip supplies the goal frames, this term decides which frames are goals and which components of them the
policy is given (:mod:`.goals`). A new snapshot is drawn at reset and whenever the current one's time is reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch

from isaaclab.managers import CommandTerm, CommandTermCfg
from isaaclab.utils import configclass

from interprior.assets.embodiment import get_embodiment
from interprior.data.motion_library import MotionFrame

from . import goals
from .reference import ReferenceMotion

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

GOAL_FAMILIES = ("snapshot", "partial", "trajectory", "contact")
"""Which goals a task presents: a full snapshot, a random partial snapshot, a path of the root, hands and object over
the preview frames, or the body-object contacts at the snapshot frame."""


class SparseGoal(CommandTerm):
    """Per-environment goal frames (H preview frames, then the snapshot) and their component masks."""

    cfg: SparseGoalCfg

    def __init__(self, cfg: SparseGoalCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        unknown = set(cfg.families) - set(GOAL_FAMILIES)
        if unknown:
            raise ValueError(f"unknown goal families {sorted(unknown)}; known: {', '.join(GOAL_FAMILIES)}")
        count = cfg.preview_frames + 1
        self.layout = goals.goal_layout(get_embodiment(env.cfg.embodiment))
        """Where the components of the embodiment's goal frames sit."""
        self.snapshot_time = torch.zeros(self.num_envs, device=self.device)
        """(N,) clip time of the snapshot goal (s)."""
        self.family = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        """(N,) index into :attr:`SparseGoalCfg.families` of each env's current goal."""
        self.component_mask = torch.zeros(self.num_envs, count, self.layout.num_components, device=self.device)
        """(N, G, C) components given per goal token; an all-zero row is an absent token."""
        self._generator = torch.Generator(device=self.device)
        self._generator.manual_seed((env.cfg.seed or 0) + 1)
        self.metrics["goal_error"] = torch.zeros(self.num_envs, device=self.device)

    def __str__(self) -> str:
        return f"SparseGoal: families {tuple(self.cfg.families)}, preview {self.cfg.preview_frames} frames"

    @property
    def reference(self) -> ReferenceMotion:
        """The reference motion term the goals come from (looked up lazily: terms are built in order)."""
        return self._env.command_manager.get_term(self.cfg.reference_name)

    @property
    def command(self) -> torch.Tensor:
        """(N, G * (2F + 1)) the goal tokens, flattened."""
        return self.tokens().flatten(1)

    def goal_times(self) -> torch.Tensor:
        """(N, G) clip times of the goal tokens: the next H frames, then the snapshot."""
        preview = self.reference.times.unsqueeze(-1) + self._env.step_dt * torch.arange(self.cfg.preview_frames, device=self.device)
        return torch.cat([preview, self.snapshot_time.unsqueeze(-1)], dim=-1)

    def goal_frames(self) -> MotionFrame:
        """The reference frames at :meth:`goal_times`, leading shape (N, G)."""
        times = self.goal_times()
        return self.reference.library.frame_at(self.reference.clip_ids.unsqueeze(-1).expand_as(times), times)

    def residuals(self) -> torch.Tensor:
        """(N, G, F) unmasked residuals of the goal frames to the current state (the encoder's privileged input)."""
        state = self.reference.body_state()
        object_pos, object_quat = self.reference.object_pose()
        return goals.goal_residuals(self.goal_frames(), state["body_pos"], state["body_quat"], object_pos, object_quat)

    def present(self) -> torch.Tensor:
        """(N, G) bool: the goal token is given."""
        return self.component_mask.sum(-1) > 0

    def tokens(self) -> torch.Tensor:
        """(N, G, 2F + 1) masked goal tokens with the time until each goal (s)."""
        time_to_goal = self.goal_times() - self.reference.times.unsqueeze(-1)
        return self.layout.masked_goal_tokens(self.residuals(), self.component_mask, time_to_goal)

    def snapshot_error(self) -> torch.Tensor:
        """(N,) mean absolute residual over the snapshot's given features (m, rad or label)."""
        residual = self.residuals()[:, -1]
        mask = self.layout.expand_mask(self.component_mask[:, -1])
        return (residual.abs() * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)

    # Command term interface.

    def _resample_command(self, env_ids: Sequence[int] | slice):
        env_ids = torch.arange(self.num_envs, device=self.device)[env_ids]
        self._draw(env_ids)

    def _update_command(self):
        reached = self.reference.times >= self.snapshot_time
        if reached.any():
            self._draw(reached.nonzero().flatten())

    def _update_metrics(self):
        self.metrics["goal_error"] = self.snapshot_error()

    def _draw(self, env_ids: torch.Tensor, families: Sequence[str] | None = None):
        """New snapshot time, family and masks for ``env_ids``, the family drawn from ``families`` (default
        :attr:`SparseGoalCfg.families`; :attr:`family` indexes the sequence drawn from)."""
        count, cfg = len(env_ids), self.cfg
        families = cfg.families if families is None else families
        low, high = cfg.snapshot_frames
        steps = torch.randint(low, high + 1, (count,), device=self.device, generator=self._generator)
        end = self.reference.library.durations[self.reference.clip_ids[env_ids]]
        self.snapshot_time[env_ids] = torch.minimum(self.reference.times[env_ids] + steps * self._env.step_dt, end)
        family = torch.randint(len(families), (count,), device=self.device, generator=self._generator)
        self.family[env_ids] = family
        layout = self.layout
        mask = torch.zeros(count, cfg.preview_frames + 1, layout.num_components, device=self.device)
        for index, name in enumerate(families):
            rows = family == index
            if not rows.any():
                continue
            if name == "snapshot":
                mask[rows, -1] = layout.full_snapshot.to(self.device)
            elif name == "partial":
                mask[rows, -1] = layout.sample_partial_masks(int(rows.sum()), cfg.partial_keep_prob, self._generator).to(self.device)
            elif name == "trajectory":
                mask[rows] = layout.trajectory.to(self.device)
            elif name == "contact":
                mask[rows, -1] = layout.contact_only.to(self.device)
        self.component_mask[env_ids] = mask


@configclass
class SparseGoalCfg(CommandTermCfg):
    """Goal families, the preview length and the snapshot horizon."""

    class_type: type = SparseGoal
    resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)
    """Goals are redrawn at reset and when reached, not on a timer."""
    reference_name: str = "reference"
    families: tuple[str, ...] = MISSING
    """Goal families drawn uniformly per goal (:data:`GOAL_FAMILIES`)."""
    preview_frames: int = 5
    """H, preview frames after the current state (control steps)."""
    snapshot_frames: tuple[int, int] = (15, 60)
    """Range of L, the snapshot's distance ahead (control steps), drawn uniformly."""
    partial_keep_prob: float = 0.5
    """Probability that a partial snapshot gives each component."""
