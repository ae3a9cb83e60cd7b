"""The in-betweening goal and its rewards (Stage 3): one held snapshot, a sparse success reward, get-up auxiliaries.

:class:`HeldSnapshotGoal` is a :class:`~.sparse_goal.SparseGoal` whose snapshot, drawn at reset L steps ahead in the
reference clip, stays the goal for the whole episode (no preview frames are given). The goal counts as reached when
the masked L1 distance between the state and the snapshot, the mean absolute residual over the given pose features,
is under xi (:attr:`HeldSnapshotGoalCfg.success_threshold`) within a window of the snapshot's time
(:attr:`HeldSnapshotGoalCfg.success_window`); :func:`goal_success` pays r_succ (its weight) then and nothing
otherwise. Contact components stay in the policy's goal but not in the distance: their token is the label
itself, not a difference to the state. The success rate is logged over the episodes of the RL environments, and per
start kind of the reference term's random starts (:data:`~.random_start.START_KINDS`).

The distillation environments of the reference term (:attr:`~.random_start.RandomStart.distillation_envs`) get the
Stage 2 goals instead: families :attr:`HeldSnapshotGoalCfg.distillation_families` with their preview tokens, redrawn
when reached, as :class:`~.sparse_goal.SparseGoal` does; their episodes do not count towards the success metric.

The get-up terms reward an upright torso (the bodies' up axes along the world's) and a raised pelvis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from isaaclab.utils import configclass
from isaaclab.utils import math as math_utils

from .observations import reference_term
from .random_start import START_KINDS
from .sparse_goal import GOAL_FAMILIES, SparseGoal, SparseGoalCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

class HeldSnapshotGoal(SparseGoal):
    """A single snapshot per episode with a random component mask; see the module docstring."""

    cfg: HeldSnapshotGoalCfg

    def __init__(self, cfg: HeldSnapshotGoalCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.metrics["success"] = torch.zeros(self.num_envs, device=self.device)
        """1 once the goal has been reached in the episode (logged at reset: the success rate)."""
        self.start_kinds = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        """(N,) how each env's episode started, an index into :data:`~.random_start.START_KINDS` (taken from the
        reference term when the goal is drawn at reset; 0, the reference frame, if it has no random starts)."""

    def __str__(self) -> str:
        return f"HeldSnapshotGoal: families {tuple(self.cfg.families)}, xi {self.cfg.success_threshold}"

    def given_pose(self) -> torch.Tensor:
        """(N, C) the snapshot's given components that the distance measures: body and object positions and
        rotations."""
        return self.component_mask[:, -1] * self.layout.pose.to(self.device)

    def distance(self) -> torch.Tensor:
        """(N,) mean absolute residual over the snapshot's given pose features (m and rad)."""
        mask = self.layout.expand_mask(self.given_pose())
        return (self.residuals()[:, -1].abs() * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)

    def reached(self) -> torch.Tensor:
        """(N,) bool: :meth:`distance` is under the success threshold within the success window of the snapshot's
        time (never for a goal without pose components, which only distillation environments have)."""
        has_pose = self.given_pose().sum(-1) > 0
        in_window = (self.reference.times - self.snapshot_time).abs() <= self.cfg.success_window + 1e-6
        return (self.distance() < self.cfg.success_threshold) & has_pose & in_window

    @property
    def distillation_envs(self) -> torch.Tensor:
        """(N,) bool: the reference term's distillation environments (none if it has no such split)."""
        no_split = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        return getattr(self.reference, "distillation_envs", no_split)

    def _update_command(self):
        """The snapshot is held until the episode ends; a distillation env's is redrawn when its time is reached."""
        reached = (self.reference.times >= self.snapshot_time) & self.distillation_envs
        if reached.any():
            self._draw(reached.nonzero().flatten())

    def _update_metrics(self):
        super()._update_metrics()
        success = self.reached() & ~self.distillation_envs
        self.metrics["success"] = torch.maximum(self.metrics["success"], success.float())

    def rl_envs_among(self, env_ids: Sequence[int] | slice | None) -> torch.Tensor:
        """(N,) bool: the ``env_ids`` (all if None) that are not distillation environments."""
        chosen = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        chosen[slice(None) if env_ids is None else env_ids] = True
        return chosen & ~self.distillation_envs

    def reset(self, env_ids: Sequence[int] | slice | None = None) -> dict[str, torch.Tensor]:
        """Isaac Lab's reset, but ``success`` is the (K,) per-episode values of the K ending RL environments (absent
        when none ends): the logger's mean is then the success rate over the RL episodes alone; ``success_<kind>``
        is the same for the episodes that started so (:data:`~.random_start.START_KINDS`), when any did."""
        ending = self.rl_envs_among(env_ids)
        success, kinds = self.metrics["success"][ending], self.start_kinds[ending]
        extras = super().reset(env_ids)
        del extras["success"]
        if len(success):
            extras["success"] = success
        for index, kind in enumerate(START_KINDS):
            if (kinds == index).any():
                extras[f"success_{kind}"] = success[kinds == index]
        return extras

    def _resample_command(self, env_ids: Sequence[int] | slice):
        super()._resample_command(env_ids)
        self._take_start_kinds(env_ids)

    def _take_start_kinds(self, env_ids: Sequence[int] | slice | torch.Tensor):
        """Keep how the new episodes of ``env_ids`` started: the reference term, reset before this one, drew them."""
        if hasattr(self.reference, "start_kinds"):
            self.start_kinds[env_ids] = self.reference.start_kinds()[env_ids]

    def _draw(self, env_ids: torch.Tensor):
        """Distillation envs draw from :attr:`HeldSnapshotGoalCfg.distillation_families`; the others draw from the
        families, then every mask is given at least one pose component (the pelvis position if none)."""
        distillation = self.distillation_envs[env_ids]
        if distillation.any():
            super()._draw(env_ids[distillation], self.cfg.distillation_families)
        env_ids = env_ids[~distillation]
        if len(env_ids) == 0:
            return
        super()._draw(env_ids)
        snapshot = self.component_mask[env_ids, -1]
        no_pose = (snapshot * self.layout.pose.to(self.device)).sum(-1) == 0
        snapshot[no_pose, self.layout.body_pos.start] = 1.0  # the root's position
        self.component_mask[env_ids, -1] = snapshot


@configclass
class HeldSnapshotGoalCfg(SparseGoalCfg):
    """One snapshot goal per episode and the distance under which it counts as reached."""

    class_type: type = HeldSnapshotGoal
    families: tuple[str, ...] = ("snapshot", "partial")
    """Snapshot families only (``"snapshot"``, ``"partial"``): the preview tokens stay absent."""
    distillation_families: tuple[str, ...] = GOAL_FAMILIES
    """Families of the distillation environments' goals: the Stage 2 mixture, with preview tokens."""
    success_threshold: float = 0.1
    """xi: the goal is reached when the masked mean absolute residual is under this (m and rad) ..."""
    success_window: float = 0.2
    """... within +-this of the snapshot's time (s), as the evaluation counts it
    (:attr:`~interprior.eval.thresholds.EvalThresholds.goal_window`): the state must be there at the goal's time."""


def _goal(env: ManagerBasedRLEnv, command_name: str) -> HeldSnapshotGoal:
    return env.command_manager.get_term(command_name)


def goal_success(env: ManagerBasedRLEnv, command_name: str = "goal") -> torch.Tensor:
    """(N,) r_goal before its weight r_succ: 1 where the held snapshot is reached, else 0."""
    return _goal(env, command_name).reached().float()


def goal_time_passed(env: ManagerBasedRLEnv, margin: float, command_name: str = "goal") -> torch.Tensor:
    """(N,) bool: the reference clock is more than ``margin`` (s) past the snapshot's time (the episode's time-out)."""
    goal = _goal(env, command_name)
    return goal.reference.times > goal.snapshot_time + margin


def upright(env: ManagerBasedRLEnv, command_name: str = "reference") -> torch.Tensor:
    """(N,) mean over the embodiment's torso bodies (root and chest) of the world-vertical component of each body's up
    axis, clipped at 0: 1 when upright, 0 when lying or upside down (the negated projected gravity's z)."""
    reference = reference_term(env, command_name)
    quat = reference.body_state()["body_quat"][:, reference.embodiment.body_ids(reference.embodiment.torso_bodies)]
    up = math_utils.quat_apply(quat, torch.tensor([0.0, 0.0, 1.0], device=env.device).expand(*quat.shape[:-1], 3))
    return up[..., 2].clamp(min=0.0).mean(-1)


def pelvis_raised(env: ManagerBasedRLEnv, lying: float, standing: float, command_name: str = "reference") -> torch.Tensor:
    """(N,) the pelvis height's rise above ``lying`` as a fraction of the rise to ``standing``, both given as shares of
    the embodiment's standing pose's pelvis height (:attr:`~interprior.assets.embodiment.Embodiment.standing_height`),
    clipped to [0, 1]."""
    reference = reference_term(env, command_name)
    height = reference.body_state()["body_pos"][:, 0, 2] / reference.embodiment.standing_height
    return ((height - lying) / (standing - lying)).clamp(0.0, 1.0)
