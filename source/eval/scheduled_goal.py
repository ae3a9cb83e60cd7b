"""Goal episodes for evaluation: a fixed goal sequence per episode, chain canonicalization, and its recording.

:class:`ScheduledGoal` replaces a goal task's sparse-goal command during evaluation. At each reset it takes the goals
of the new episode from the reference clip: one snapshot L steps ahead or, for a chain
(:attr:`ScheduledGoalCfg.goal_spacing`), a goal every ``goal_spacing`` steps until the clip ends, each goal's family
and mask (and a snapshot's L) drawn as in training, from the seed of its episode and goal
(:func:`~.clip_set.episode_seed`). Each goal is held until ``window`` after its time, then the next one follows; in
a chain the remaining goals are first canonicalized (:mod:`.canonicalization`): moved so that the reference pelvis of
the moment lands on the simulated pelvis with its heading. Contact-only goals stay contact-only (the training command
adds a pelvis target to them).

:class:`ScheduledGoalReference` plays the episode list like :class:`~.scheduled_reference.ScheduledReference` and
records, after every step, what :mod:`.goal_metrics` scores; :class:`ScheduledRandomStart` does so from the
in-betweening task's random starts. :func:`goals_passed` ends an episode after the last goal's window.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from isaaclab.utils import configclass

from interprior.data.motion_library import MotionFrame
from interprior.tasks.hoi.mdp.goal_rewards import HeldSnapshotGoal, HeldSnapshotGoalCfg, upright
from interprior.tasks.hoi.mdp.observations import body_object_distances
from interprior.tasks.hoi.mdp.random_start import START_KINDS, RandomStart, RandomStartCfg
from interprior.tasks.hoi.mdp.sparse_goal import SparseGoal

from .canonicalization import compose, heading_alignment
from .clip_set import GOAL_DRAWS, Episode
from .goal_metrics import GoalEpisode
from .scheduled_reference import ScheduledReference, ScheduledReferenceCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

class ScheduledGoal(HeldSnapshotGoal):
    """The goals of each evaluation episode, in order; see the module docstring."""

    cfg: ScheduledGoalCfg

    def __init__(self, cfg: ScheduledGoalCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.goal_count = torch.ones(self.num_envs, dtype=torch.long, device=self.device)
        """(N,) K, the goals of each env's episode."""
        self.goal_index = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        """(N,) which goal is current."""
        self.turn = torch.zeros(self.num_envs, 4, device=self.device)
        self.turn[:, 3] = 1.0
        self.shift = torch.zeros(self.num_envs, 3, device=self.device)
        """(N, 4), (N, 3): the canonicalization move applied to the clip's goal frames."""
        self._start_time = torch.zeros(self.num_envs, device=self.device)
        self.first_goal_horizon = torch.zeros(self.num_envs, device=self.device)
        """(N,) time from the episode's start to its first goal's time (s): L steps for a snapshot drawn L steps
        ahead, the spacing for a chain (either cut at the clip's end)."""
        embodiment = self.layout.embodiment
        self._distance_body_ids = embodiment.body_ids(embodiment.distance_bodies)
        """Body indices whose distance to the object is measured (the columns of ``body_object_distances``)."""

    def __str__(self) -> str:
        spacing = "one goal" if self.cfg.goal_spacing is None else f"a goal every {self.cfg.goal_spacing} steps"
        return f"ScheduledGoal: {spacing}, families {tuple(self.cfg.families)}, window {self.cfg.window} s"

    def goal_frames(self) -> MotionFrame:
        """The reference frames at :meth:`goal_times`, moved by the chain's canonicalization, leading shape (N, G)."""
        return super().goal_frames().moved(self.turn, self.shift)

    def pose_distance(self) -> torch.Tensor:
        """(N,) :meth:`distance` to the snapshot (m and rad); NaN where the snapshot gives no pose component."""
        has_pose = self.given_pose().sum(-1) > 0
        return torch.where(has_pose, self.distance(), torch.nan)

    def path_distance(self) -> torch.Tensor:
        """(N,) masked mean absolute residual of the current path frame (the first token) over its given pose
        components (m and rad); NaN where it gives none."""
        mask = self.layout.expand_mask(self.component_mask[:, 0] * self.layout.pose.to(self.device))
        return (self.residuals()[:, 0].abs() * mask).sum(-1) / mask.sum(-1)

    def contact_agreement(self) -> torch.Tensor:
        """(N,) share of the snapshot's labelled bodies (given contact components of the bodies whose distance to
        the object is measured, label 0 or 1) whose touching the object agrees with the label; 1 where none is."""
        distance, _ = body_object_distances(self._env, self.cfg.reference_name)
        touching = (distance < self.cfg.contact_distance).float()
        labels = self.goal_frames().contact_object[:, -1, self._distance_body_ids].float()
        given = self.component_mask[:, -1, self.layout.contact][:, self._distance_body_ids] * (labels >= 0).float()
        agree = (1.0 - (touching - labels).abs()) * given
        labelled = given.sum(-1)
        return torch.where(labelled > 0, agree.sum(-1) / labelled.clamp(min=1.0), torch.ones_like(labelled))

    def all_passed(self) -> torch.Tensor:
        """(N,) bool: the last goal's window is over."""
        last = self.goal_index + 1 >= self.goal_count
        return last & (self.reference.times > self.snapshot_time + self.cfg.window + 1e-6)

    # Command term interface.

    def _resample_command(self, env_ids):
        env_ids = torch.arange(self.num_envs, device=self.device)[env_ids]
        self.goal_index[env_ids] = 0
        self.turn[env_ids] = torch.tensor([0.0, 0.0, 0.0, 1.0], device=self.device)
        self.shift[env_ids] = 0.0
        self._start_time[env_ids] = self.reference.times[env_ids]
        if self.cfg.goal_spacing is None:
            self.goal_count[env_ids] = 1
        else:
            remaining = self.reference.library.durations[self.reference.clip_ids[env_ids]] - self._start_time[env_ids]
            spacing = self.cfg.goal_spacing * self._env.step_dt
            count = torch.floor(remaining / spacing + 1e-6).long()
            self.goal_count[env_ids] = count.clamp(1, self.cfg.max_goals)
        self._draw(env_ids)
        self.first_goal_horizon[env_ids] = self.snapshot_time[env_ids] - self._start_time[env_ids]
        self._take_start_kinds(env_ids)

    def _update_command(self):
        passed = self.reference.times > self.snapshot_time + self.cfg.window + 1e-6
        due = passed & (self.goal_index + 1 < self.goal_count)
        if due.any():
            self._advance(due.nonzero().flatten())

    def _advance(self, env_ids: torch.Tensor):
        """Make the next goal current for ``env_ids``, canonicalizing the clip to the humanoid's pelvis first."""
        if self.cfg.canonicalize:
            reference = self.reference
            now = reference.library.frame_at(reference.clip_ids[env_ids], reference.times[env_ids])
            turn, shift = self.turn[env_ids], self.shift[env_ids]
            placed = now.moved(turn, shift)
            pelvis = reference.body_state()
            alignment = heading_alignment(
                pelvis["body_pos"][env_ids, 0], pelvis["body_quat"][env_ids, 0], placed.root_pos, placed.root_quat
            )
            self.turn[env_ids], self.shift[env_ids] = compose(alignment, (turn, shift))
        self.goal_index[env_ids] += 1
        self._draw(env_ids)

    def _draw(self, env_ids: torch.Tensor):
        """The family and mask of the current goal (:class:`SparseGoal`'s draw, contact-only goals kept as they
        are), and its time: L steps ahead, or the chain's next goal time. Each env draws from the seed of its episode
        and goal index."""
        for env_id in env_ids.tolist():
            seed = self.reference.episode_seeds([env_id], GOAL_DRAWS, int(self.goal_index[env_id]))[0]
            self._generator.manual_seed(seed)
            SparseGoal._draw(self, env_ids.new_tensor([env_id]))
        if self.cfg.goal_spacing is not None:
            spacing = self.cfg.goal_spacing * self._env.step_dt
            goal_time = self._start_time[env_ids] + spacing * (self.goal_index[env_ids] + 1).float()
            end = self.reference.library.durations[self.reference.clip_ids[env_ids]]
            self.snapshot_time[env_ids] = torch.minimum(goal_time, end)


@configclass
class ScheduledGoalCfg(HeldSnapshotGoalCfg):
    """One snapshot L steps ahead, or a chain of goals, held within a window of their times."""

    class_type: type = ScheduledGoal
    goal_spacing: int | None = None
    """Steps between a chain's goals; ``None`` for a single snapshot drawn L steps ahead."""
    max_goals: int = 8
    """Most goals of a chain."""
    window: float = 0.2
    """A goal stays current until this long after its time (s)."""
    canonicalize: bool = True
    """Move a chain's later goals to the humanoid's pelvis when the next goal becomes current."""
    contact_distance: float = 0.02
    """A body touches the object when their surfaces are closer than this (m)."""


def goals_passed(env: ManagerBasedRLEnv, command_name: str = "goal") -> torch.Tensor:
    """(N,) bool: the window of the episode's last goal is over."""
    return env.command_manager.get_term(command_name).all_passed()


class ScheduledGoalReference(ScheduledReference):
    """A :class:`ScheduledReference` that records the goal quantities of :class:`ScheduledGoal`."""

    cfg: ScheduledGoalReferenceCfg

    @property
    def goal(self) -> ScheduledGoal:
        return self._env.command_manager.get_term(self.cfg.goal_name)

    def _max_steps(self) -> int:
        """The last goal's window may outlast the clip."""
        return super()._max_steps() + math.ceil(self.goal.cfg.window / self._env.step_dt) + 1

    def _record_shapes(self) -> dict[str, tuple[int, ...]]:
        bodies = len(self.embodiment.body_names)
        scalars = (
            "goal_distance", "path_distance", "contact_agreement", "goal_index", "family", "time_to_goal", "upright"
        )  # fmt: skip
        vectors = {"body_pos": (bodies, 3), "goal_body_pos": (bodies, 3), "object_pos": (3,), "goal_object_pos": (3,)}
        return vectors | {name: () for name in scalars}

    def _step_values(self) -> dict[str, torch.Tensor]:
        goal = self.goal
        snapshot = goal.goal_frames()
        object_pos, _ = self.object_pose()
        return {
            "body_pos": self.body_state()["body_pos"],
            "goal_body_pos": snapshot.body_pos[:, -1],
            "object_pos": object_pos,
            "goal_object_pos": snapshot.object_pos[:, -1],
            "goal_distance": goal.pose_distance(),
            "path_distance": goal.path_distance(),
            "contact_agreement": goal.contact_agreement(),
            "goal_index": goal.goal_index.float(),
            "family": goal.family.float(),
            "time_to_goal": goal.snapshot_time - self.times,
            "upright": upright(self._env, command_name=goal.cfg.reference_name),
        }

    def _episode_record(
        self, env_id: int, episode: Episode, reached_end: bool, end_causes: tuple[str, ...], record: dict
    ) -> GoalEpisode:
        for name in ("goal_index", "family"):
            record[name] = record[name].astype(int)
        goal = self.goal  # the goal command resets after this one: it still holds the ended episode's goals
        return GoalEpisode(
            clip=episode.name,
            repeat=episode.repeat,
            families=tuple(goal.cfg.families),
            goal_count=int(goal.goal_count[env_id]),
            embodiment=self.embodiment.name,
            end_causes=end_causes,
            start=START_KINDS[int(goal.start_kinds[env_id])],
            goal_horizon=float(goal.first_goal_horizon[env_id]),
            **record,
        )


@configclass
class ScheduledGoalReferenceCfg(ScheduledReferenceCfg):
    """A :class:`ScheduledReferenceCfg` recording the goal command ``goal_name``."""

    class_type: type = ScheduledGoalReference
    goal_name: str = "goal"
    """The :class:`ScheduledGoal` command term whose goals are recorded."""


class ScheduledRandomStart(ScheduledGoalReference, RandomStart):
    """A :class:`ScheduledGoalReference` whose episodes start from the clip's first frame moved, displaced or fallen
    as :class:`RandomStart` does (drawn from each episode's seed)."""

    cfg: ScheduledRandomStartCfg


@configclass
class ScheduledRandomStartCfg(ScheduledGoalReferenceCfg, RandomStartCfg):
    class_type: type = ScheduledRandomStart
