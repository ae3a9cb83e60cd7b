"""A reference command that plays a fixed list of evaluation episodes and records how each one went.

:class:`ScheduledReference` replaces the tracking task's :class:`ReferenceMotion` during evaluation. Each
environment reset takes the next episode of the list (:meth:`ScheduledReference.start`), puts the humanoid and
the object on the first frame of its clip (repetitions after the first with the task's reset perturbation) and from
then on stores, after every step, the simulated body and object positions next to the reference positions they were
to match: the same comparison the drift terminations make. When the episode ends, its record becomes a
:class:`~interprior.eval.metrics.TrackedEpisode`; environments with no episode left idle on the first clip and are
not recorded. Every random draw of an episode's start comes from the episode's own seed
(:func:`~interprior.eval.clip_set.episode_seed`), whichever environment plays it and whenever.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from isaaclab.utils import configclass
from isaaclab.utils import math as math_utils

from interprior.data.motion_library import MotionFrame
from interprior.tasks.hoi.mdp import ReferenceMotion, ReferenceMotionCfg

from .clip_set import START_DRAWS, Episode, episode_seed
from .metrics import TrackedEpisode

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

IDLE = -1
"""Episode index of an environment with no episode to play."""


class ScheduledReference(ReferenceMotion):
    """Reference motion playing :attr:`episodes` in order from their clips' first frames, recording each."""

    cfg: ScheduledReferenceCfg

    def __init__(self, cfg: ScheduledReferenceCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.episodes: list[Episode] = []
        self.finished: list[TrackedEpisode] = []
        """Recorded episodes, in the order they ended."""
        self.episode_ids = torch.full((self.num_envs,), IDLE, dtype=torch.long, device=self.device)
        """(N,) index into :attr:`episodes` of the episode each environment plays, or :data:`IDLE`."""
        self._queue: deque[int] = deque()
        self._steps = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self._records: dict[str, torch.Tensor] = {}

    @property
    def done(self) -> bool:
        """Every episode given to :meth:`start` has ended."""
        return not self._queue and bool((self.episode_ids == IDLE).all())

    def start(self, episodes: Sequence[Episode]) -> None:
        """Queue ``episodes``; the next environment resets take them in order. Forgets earlier records."""
        if any(not 0 <= episode.clip < self.library.num_clips for episode in episodes):
            raise ValueError(f"episodes refer to clips beyond the {self.library.num_clips} of the reference library")
        self.episodes, self.finished = list(episodes), []
        self._queue = deque(range(len(self.episodes)))
        self.episode_ids[:] = IDLE
        max_steps = self._max_steps()
        self._records = {
            name: torch.zeros(self.num_envs, max_steps, *shape, device=self.device)
            for name, shape in self._record_shapes().items()
        }

    def _max_steps(self) -> int:
        """Steps of the longest episode: the clip's end terminates one step after its last frame."""
        return math.ceil(float(self.library.durations.max()) / self._env.step_dt) + 2

    def _record_shapes(self) -> dict[str, tuple[int, ...]]:
        """The per-step shape of every recorded quantity."""
        bodies = len(self.embodiment.body_names)
        return {"body_pos": (bodies, 3), "ref_body_pos": (bodies, 3), "object_pos": (3,), "ref_object_pos": (3,)}

    def _step_values(self) -> dict[str, torch.Tensor]:
        """The recorded quantities of every env now, (N, *shape) each: the state next to the reference it was to
        match (:attr:`target`)."""
        object_pos, _ = self.object_pose()
        return {
            "body_pos": self.body_state()["body_pos"],
            "ref_body_pos": self.target.body_pos,
            "object_pos": object_pos,
            "ref_object_pos": self.target.object_pos,
        }

    def _episode_record(
        self, env_id: int, episode: Episode, reached_end: bool, end_causes: tuple[str, ...], record: dict
    ) -> TrackedEpisode:
        """The record of ``env_id``'s ended ``episode`` from its recorded quantities ``record`` (T, *shape) each."""
        return TrackedEpisode(
            clip=episode.name,
            repeat=episode.repeat,
            reached_end=reached_end,
            end_causes=end_causes,
            embodiment=self.embodiment.name,
            **record,
        )

    def _record_step(self, env_ids: torch.Tensor) -> None:
        """Store the recorded quantities of ``env_ids`` at their current step."""
        step = self._steps[env_ids]
        for name, values in self._step_values().items():
            self._records[name][env_ids, step] = values[env_ids]
        self._steps[env_ids] += 1

    def _finish(self, env_ids: torch.Tensor) -> None:
        """Record the last step of the episodes of ``env_ids``, which the termination manager has just ended."""
        self._record_step(env_ids)
        terminations = self._env.termination_manager
        fired = {name: terminations.get_term(name)[env_ids] for name in terminations.active_terms}
        reached_end = self.clip_ended()[env_ids] & ~terminations.terminated[env_ids]
        for row, env_id in enumerate(env_ids.tolist()):
            episode = self.episodes[int(self.episode_ids[env_id])]
            steps = int(self._steps[env_id])
            # copies: the buffers are reused by the environment's next episode
            record = {name: values[env_id, :steps].cpu().numpy().copy() for name, values in self._records.items()}
            causes = tuple(name for name, values in fired.items() if values[row])
            self.finished.append(self._episode_record(env_id, episode, bool(reached_end[row]), causes, record))

    def episode_seeds(self, env_ids: Sequence[int], *draw: int) -> list[int]:
        """Per env of ``env_ids``, the :func:`~interprior.eval.clip_set.episode_seed` of the ``draw`` of the episode
        it plays (idle environments get the seed of episode -1)."""
        return [episode_seed(self._env.cfg.seed, int(self.episode_ids[env_id]), *draw) for env_id in env_ids]

    def _perturb(self, frame: MotionFrame) -> None:
        """Offset ``frame`` (one row) in place by the repetition perturbation, drawn from the reference's generator."""

        def noise(scale: float, size: int) -> torch.Tensor:
            return scale * (2.0 * torch.rand(size, device=self.device, generator=self._generator) - 1.0)

        horizontal = torch.tensor([1.0, 1.0, 0.0], device=self.device)
        rotation = math_utils.quat_from_euler_xyz(*noise(self.cfg.repeat_root_rot_noise, 3))
        frame.root_pos[0] += noise(self.cfg.repeat_root_pos_noise, 3) * horizontal
        frame.root_quat[0] = math_utils.quat_mul(rotation, frame.root_quat[0])
        frame.joint_pos[0] += noise(self.cfg.repeat_joint_pos_noise, frame.joint_pos.shape[-1])
        frame.object_pos[0] += noise(self.cfg.repeat_object_pos_noise, 3) * horizontal

    # Command term interface.

    def _resample_command(self, env_ids: Sequence[int] | slice):
        env_ids = torch.arange(self.num_envs, device=self.device)[env_ids]
        ending = env_ids[(self.episode_ids[env_ids] != IDLE) & (self._steps[env_ids] > 0)]
        if len(ending):
            self._finish(ending)
        for env_id in env_ids.tolist():
            self.episode_ids[env_id] = self._queue.popleft() if self._queue else IDLE
        episodes = [self.episodes[int(index)] if index != IDLE else None for index in self.episode_ids[env_ids]]
        clip_ids = [episode.clip if episode else 0 for episode in episodes]
        self.clip_ids[env_ids] = torch.tensor(clip_ids, dtype=torch.long, device=self.device)
        start = self.library.frame_at(self.clip_ids[env_ids], torch.zeros(len(env_ids), device=self.device))
        # one env at a time, each drawing from its episode's seed
        for row, (episode, seed) in enumerate(zip(episodes, self.episode_seeds(env_ids.tolist(), START_DRAWS))):
            self._generator.manual_seed(seed)
            frame = start[row : row + 1]
            if episode is not None and episode.repeat > 0:
                self._perturb(frame)
            self._write_reference_state(env_ids[row : row + 1], frame)
        self._steps[env_ids] = 0
        self.times[env_ids] = self._env.step_dt

    def _update_metrics(self):
        super()._update_metrics()
        # environments reset in this step start afresh: their state is the clip's first frame, not a tracked step
        stepping = (self.episode_ids != IDLE) & (self._env.episode_length_buf > 0)
        if stepping.any():
            self._record_step(stepping.nonzero().squeeze(-1))


@configclass
class ScheduledReferenceCfg(ReferenceMotionCfg):
    """A :class:`ReferenceMotionCfg` whose resets follow an episode list; the first repetition is unperturbed."""

    class_type: type = ScheduledReference
    root_pos_noise: float = 0.0
    root_rot_noise: float = 0.0
    joint_pos_noise: float = 0.0
    object_pos_noise: float = 0.0
    repeat_root_pos_noise: float = 0.0
    """Horizontal pelvis offset of repetitions after the first, uniform in +-this (m)."""
    repeat_root_rot_noise: float = 0.0
    """Pelvis roll, pitch, yaw offset of repetitions after the first, uniform in +-this (rad)."""
    repeat_joint_pos_noise: float = 0.0
    """Hinge angle offset of repetitions after the first, uniform in +-this (rad)."""
    repeat_object_pos_noise: float = 0.0
    """Horizontal object offset of repetitions after the first, uniform in +-this (m)."""
