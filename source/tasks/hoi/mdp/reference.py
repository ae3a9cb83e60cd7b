"""The reference motion of every environment: which clip, which time, and the reference frames around it.

:class:`ReferenceMotion` is a command term. On reset it draws a clip and a start time for each environment
(reference state initialization), writes the reference humanoid and object state into the simulation with random
perturbations, and from then on advances the clip time by one control step per step.

Time convention: :attr:`ReferenceMotion.times` is the clip time the *next* simulated state should match, so during
``env.step`` the rewards and terminations compare the state after physics with :attr:`ReferenceMotion.target`, and
the observations that follow see the frames after it in :meth:`ReferenceMotion.future`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch

from isaaclab.assets import Articulation, RigidObject
from isaaclab.managers import CommandTerm, CommandTermCfg
from isaaclab.utils import configclass
from isaaclab.utils import math as math_utils

from interprior.assets.humanoid import canonical_joint_name
from interprior.assets.object_sdf import ObjectSdf
from interprior.assets.embodiment import get_embodiment
from interprior.data.motion_library import MotionFrame, MotionLibrary

from .goals import rotate
from .object_switch import object_switch_term
from .start_sampler import FailureWeightedStarts, FailureWeightedStartsCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def _equal(tensors: Sequence[torch.Tensor], kept: Sequence[torch.Tensor]) -> bool:
    """Whether each of ``tensors`` has the shape and values of its copy in ``kept`` (the inputs of a kept result)."""
    return all(map(torch.equal, tensors, kept))


class ReferenceMotion(CommandTerm):
    """Per-environment reference clip and time, backed by a :class:`MotionLibrary` of one object's clips, or of the
    clips of every box an :class:`~.object_switch.ObjectSwitch` term can make the scene's object."""

    cfg: ReferenceMotionCfg

    def __init__(self, cfg: ReferenceMotionCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.humanoid: Articulation = env.scene[cfg.humanoid_name]
        self.object: RigidObject = env.scene[cfg.object_name]
        if (cfg.library_object is None) == (cfg.object_switch_term is None):
            raise ValueError("ReferenceMotionCfg: set exactly one of library_object and object_switch_term")
        self.object_switch = None if cfg.object_switch_term is None else object_switch_term(env, cfg.object_switch_term)
        """The term switching each environment's object to its clip's object, or ``None`` for one fixed object."""
        objects = cfg.library_object if self.object_switch is None else self.object_switch.names
        self.embodiment = get_embodiment(env.cfg.embodiment)
        """The character the clips and the scene's humanoid are."""
        self.library = MotionLibrary.from_paths(
            list(cfg.motion_paths), device=self.device, object_name=objects, progress=False, embodiment=self.embodiment.name
        )
        self.object_sdf = ObjectSdf(cfg.library_object, device=self.device) if self.object_switch is None else self.object_switch.sdf
        """Distance field of each environment's object, in the object frame."""
        distance_bodies = self.embodiment.distance_bodies
        spheres = [self.embodiment.contact_sphere(name) for name in distance_bodies]
        self._sphere_centres = torch.tensor([centre for centre, _ in spheres], device=self.device)
        """(D, 3) centre of each distance body's collision sphere in its body frame (m)."""
        self._sphere_radii = torch.tensor([radius for _, radius in spheres], device=self.device)
        """(D,) thickness of each distance body's collision surface (m)."""
        self._body_state: tuple[tuple[torch.Tensor, torch.Tensor], dict[str, torch.Tensor]] | None = None
        """The last :meth:`body_state` and the simulator's body poses and velocities it was computed from."""
        self._distances: tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, torch.Tensor]] | None = None
        """The last :meth:`body_object_distances` and the poses and field parameters it was computed from."""
        body_names = self.embodiment.body_names
        self.body_ids = torch.tensor([self.humanoid.body_names.index(name) for name in body_names], device=self.device)
        """(B,) simulator body index of each of the embodiment's bodies (B = 24 for our humanoid)."""
        self._distance_body_ids = self.body_ids[self.embodiment.body_ids(distance_bodies)]
        """(D,) simulator body index of each of the embodiment's distance bodies."""
        sim_joints = [canonical_joint_name(name) for name in self.humanoid.joint_names]
        joint_ids = [sim_joints.index(name) for name in self.embodiment.joint_names]
        self.joint_ids = torch.tensor(joint_ids, device=self.device)
        """(J,) simulator joint index of each of the embodiment's hinges (J = 69 for our humanoid)."""
        if self.object_switch is not None:
            self._clip_objects = torch.tensor(
                [self.object_switch.names.index(name) for name in self.library.object_names], device=self.device
            )
            """(C,) long index into the switch's boxes of each clip's object."""
        self.clip_ids = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self.times = torch.zeros(self.num_envs, device=self.device)
        self.starts = (
            None
            if cfg.failure_weighted_starts is None
            else FailureWeightedStarts(cfg.failure_weighted_starts, self.library.durations, cfg.min_remaining_time)
        )
        """Start sampling weighted by where episodes failed, or ``None`` for uniform starts."""
        self.start_bins = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        """(N,) the :attr:`starts` bin each environment's episode started in."""
        self.future_offsets = env.step_dt * (torch.tensor(cfg.future_frames, device=self.device).float() - 1.0)
        self._frames: tuple[MotionFrame, torch.Tensor, MotionFrame] | None = None
        """The last :meth:`future` and :attr:`target`, and (below) the clips and times they are for."""
        self._frames_key = (self.clip_ids.clone(), self.times.clone())
        self._target_slot = list(cfg.future_frames).index(1) if 1 in cfg.future_frames else None
        """Index of the next step's frame (:attr:`target`) among the future frames, if observed."""
        self._generator = torch.Generator(device=self.device)
        self._generator.manual_seed(env.cfg.seed if env.cfg.seed is not None else 0)
        self.metrics["error_body_pos"] = torch.zeros(self.num_envs, device=self.device)
        self.metrics["error_object_pos"] = torch.zeros(self.num_envs, device=self.device)
        if self.starts is not None:
            self.metrics["start_failure_rate"] = torch.zeros(self.num_envs, device=self.device)

    def __str__(self) -> str:
        return (
            f"ReferenceMotion: {self.library.num_clips} clips of {self.cfg.library_object or set(self.library.object_names)}, "
            f"future frames {tuple(self.cfg.future_frames)}"
        )

    @property
    def command(self) -> torch.Tensor:
        """(N, 2) clip id and clip time (s) of the next state's reference."""
        return torch.stack([self.clip_ids.float(), self.times], dim=-1)

    def future(self) -> tuple[MotionFrame, torch.Tensor]:
        """Reference frames at :attr:`~ReferenceMotionCfg.future_frames` steps ahead: (N, K) frames, (N, K) valid."""
        future, valid, _ = self._frames_at_times()
        return future, valid

    @property
    def target(self) -> MotionFrame:
        """(N,) the reference frames at :attr:`times`: what the next simulated state should match."""
        return self._frames_at_times()[2]

    def _frames_at_times(self) -> tuple[MotionFrame, torch.Tensor, MotionFrame]:
        """:meth:`future` and :attr:`target` (taken from the future frames when they hold it), evaluated when first
        asked for after the clips or times changed, however many terms ask, and only for the envs whose clip or time
        changed (a reset changes a few) into copies of the kept frames."""
        kept_clip_ids, kept_times = self._frames_key
        changed = (self.clip_ids != kept_clip_ids) | (self.times != kept_times)
        if self._frames is not None and not changed.any():
            return self._frames
        rows = None if self._frames is None or changed.all() else changed.nonzero().squeeze(-1)
        clip_ids, times = (self.clip_ids, self.times) if rows is None else (self.clip_ids[rows], self.times[rows])
        future, valid = self.library.window(clip_ids, times, self.future_offsets)
        if rows is not None:
            kept_future, kept_valid, kept_target = self._frames
            future, valid = kept_future.with_rows(rows, future), kept_valid.index_put((rows,), valid)
        if self._target_slot is not None:
            target = future[:, self._target_slot]
        else:
            target = self.library.frame_at(clip_ids, times)
            if rows is not None:
                target = kept_target.with_rows(rows, target)
        self._frames = (future, valid, target)
        self._frames_key = (self.clip_ids.clone(), self.times.clone())
        return self._frames

    def clip_ended(self) -> torch.Tensor:
        """(N,) bool: the reference time has passed the end of the clip."""
        return self.times > self.library.durations[self.clip_ids] + 1e-4

    def target_joint_pos(self) -> torch.Tensor:
        """(N, J) the hinge angles of :attr:`target` (rad) in the simulator's joint order."""
        joint_pos = torch.zeros(self.num_envs, self.humanoid.num_joints, device=self.device)
        joint_pos[:, self.joint_ids] = self.target.joint_pos
        return joint_pos

    def body_state(self) -> dict[str, torch.Tensor]:
        """The humanoid's simulated state in our body order, positions relative to the env origin.

        Returns ``body_pos`` (N, B, 3), ``body_quat`` (N, B, 4), ``body_lin_vel``, ``body_ang_vel`` (N, B, 3), and
        ``heading`` (N, 4): the rotation from the world into the heading frame (the pelvis yaw undone). Computed once
        per simulated state however many terms ask (kept with the poses and velocities it came from): read the
        tensors, do not modify them.
        """
        data = self.humanoid.data
        raw = (data.body_pose_w.torch, data.body_vel_w.torch)  # (N, bodies, 7) position, orientation; (N, bodies, 6)
        if self._body_state is None or not _equal(raw, self._body_state[0]):
            pose, velocity = raw[0][:, self.body_ids], raw[1][:, self.body_ids]
            state = {
                "body_pos": pose[..., :3] - self._env.scene.env_origins.unsqueeze(1),
                "body_quat": pose[..., 3:],
                "body_lin_vel": velocity[..., :3],
                "body_ang_vel": velocity[..., 3:],
                "heading": math_utils.quat_conjugate(math_utils.yaw_quat(pose[:, 0, 3:])),
            }
            self._body_state = (tuple(values.clone() for values in raw), state)
        return dict(self._body_state[1])

    def body_object_distances(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Distance (N, D) from the collision surface of each of the embodiment's distance bodies (``distance_bodies``)
        to the object's surface (m, negative when overlapping), and the vector (N, D, 3, world frame) from the body's
        collision centre to the nearest object point.

        Computed once per simulated state however many terms ask: the result is kept with the body and object poses
        and the distance field's parameters it came from, and given again while they are unchanged.
        """
        body_pose = self.humanoid.data.body_pose_w.torch[:, self._distance_body_ids]  # (N, D, 7)
        object_pose = self.object.data.root_pose_w.torch  # (N, 7)
        inputs = (body_pose, object_pose, *self.object_sdf.parameters())
        if self._distances is None or not _equal(inputs, self._distances[0]):
            body_quat, object_quat = body_pose[..., 3:], object_pose[:, 3:]
            offsets = math_utils.quat_apply(body_quat, self._sphere_centres.expand_as(body_pose[..., :3]))
            centres = body_pose[..., :3] + offsets
            local = rotate(math_utils.quat_conjugate(object_quat), centres - object_pose[:, :3].unsqueeze(1))
            distance, nearest = self.object_sdf.nearest(local)
            vector = rotate(object_quat, nearest - local)
            self._distances = (tuple(values.clone() for values in inputs), (distance - self._sphere_radii, vector))
        return self._distances[1]

    def object_pose(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The object's simulated position (N, 3, relative to the env origin) and orientation (N, 4)."""
        data = self.object.data
        return data.root_pos_w.torch - self._env.scene.env_origins, data.root_quat_w.torch

    # Command term interface.

    def _resample_command(self, env_ids: Sequence[int] | slice):
        env_ids = torch.arange(self.num_envs, device=self.device)[env_ids]
        count = len(env_ids)
        if self.starts is None:
            clip_ids = self.library.sample_clips(count, generator=self._generator)
            times = self.library.sample_times(clip_ids, truncate_time=self.cfg.min_remaining_time, generator=self._generator)
        else:
            self._record_outcomes(env_ids)
            clip_ids, times = self.starts.sample(count, generator=self._generator)
        from_start = torch.rand(count, device=self.device, generator=self._generator) < self.cfg.start_at_beginning_prob
        times = torch.where(from_start, torch.zeros_like(times), times)
        if self.starts is not None:
            self.start_bins[env_ids] = self.starts.bin_of(clip_ids, times)
        self.clip_ids[env_ids] = clip_ids
        self.times[env_ids] = times + self._env.step_dt
        self._write_reference_state(env_ids, self.library.frame_at(clip_ids, times))

    def _record_outcomes(self, env_ids: torch.Tensor) -> None:
        """Give :attr:`starts` the outcome of the episodes of ``env_ids`` that ran: a termination (not a time-out
        such as the clip's end) is a failure. Resets happen before the termination manager clears its signals."""
        ended = env_ids[self._env.episode_length_buf[env_ids] > 0]
        if len(ended):
            self.starts.record(self.start_bins[ended], self._env.termination_manager.terminated[ended])

    def _update_command(self):
        """Advance the clock one step, except for the environments reset in this step: their reset set it to the
        reference of the state after their first step, as ``env.reset()`` leaves it."""
        self.times += self._env.step_dt * (self._env.episode_length_buf > 0)

    def _update_metrics(self):
        state = self.body_state()
        self.metrics["error_body_pos"] = torch.linalg.norm(state["body_pos"] - self.target.body_pos, dim=-1).mean(-1)
        object_pos, _ = self.object_pose()
        self.metrics["error_object_pos"] = torch.linalg.norm(object_pos - self.target.object_pos, dim=-1)
        if self.starts is not None:
            self.metrics["start_failure_rate"] = self.starts.failure_rate[self.start_bins]

    def _write_reference_state(self, env_ids: torch.Tensor, frame: MotionFrame):
        """Put the humanoid and the object of ``env_ids`` in the reference ``frame``, perturbed by the noise config;
        with an object switch, the object first becomes the object of the env's clip (:attr:`clip_ids`), at a drawn
        size whose bottom face is where the clip's box has it."""
        count, cfg = len(env_ids), self.cfg
        if self.object_switch is not None:
            self.object_switch.set_objects(env_ids, self._clip_objects[self.clip_ids[env_ids]])
        origins = self._env.scene.env_origins[env_ids]

        def noise(scale: float, *shape: int) -> torch.Tensor:
            return scale * (2.0 * torch.rand(count, *shape, device=self.device, generator=self._generator) - 1.0)

        root_pos = frame.root_pos + origins + noise(cfg.root_pos_noise, 3) * torch.tensor([1.0, 1.0, 0.0], device=self.device)
        tilt = noise(1.0, 3) * self._root_rot_noise(env_ids).unsqueeze(-1)
        root_quat = math_utils.quat_mul(math_utils.quat_from_euler_xyz(*tilt.unbind(-1)), frame.root_quat)
        root_vel = torch.cat([frame.body_lin_vel[:, 0], frame.body_ang_vel[:, 0]], dim=-1)
        joint_pos = frame.joint_pos + noise(1.0, len(self.embodiment.joint_names)) * self._joint_pos_noise(env_ids).unsqueeze(-1)
        # the joint state write invalidates the humanoid's cached poses and velocities for all three writes
        root_pose = torch.cat([root_pos, root_quat], -1)
        self.humanoid.write_root_pose_to_sim_index(root_pose=root_pose, env_ids=env_ids, skip_forward=True)
        self.humanoid.write_root_velocity_to_sim_index(root_velocity=root_vel, env_ids=env_ids, skip_forward=True)
        self.humanoid.write_joint_state_to_sim_index(
            position=joint_pos, velocity=frame.joint_vel, joint_ids=self.joint_ids, env_ids=env_ids
        )

        object_pos = frame.object_pos + origins + noise(cfg.object_pos_noise, 3) * torch.tensor([1.0, 1.0, 0.0], device=self.device)
        if self.object_switch is not None:  # a box drawn larger or smaller than the clip's keeps its bottom face
            object_pos[:, 2] += self.object_switch.rise(env_ids)
        object_vel = torch.cat([frame.object_lin_vel, frame.object_ang_vel], dim=-1)
        self.object.write_root_pose_to_sim_index(root_pose=torch.cat([object_pos, frame.object_quat], -1), env_ids=env_ids)
        self.object.write_root_velocity_to_sim_index(root_velocity=object_vel, env_ids=env_ids)

    def _joint_pos_noise(self, env_ids: torch.Tensor) -> torch.Tensor:
        """(E,) hinge noise bound of each reset env (rad)."""
        return torch.full((len(env_ids),), self.cfg.joint_pos_noise, device=self.device)

    def _root_rot_noise(self, env_ids: torch.Tensor) -> torch.Tensor:
        """(E,) pelvis roll, pitch and yaw noise bound of each reset env (rad)."""
        return torch.full((len(env_ids),), self.cfg.root_rot_noise, device=self.device)


@configclass
class ReferenceMotionCfg(CommandTermCfg):
    """Reference clips, future frames and the perturbations of reference state initialization."""

    class_type: type = ReferenceMotion
    resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)
    """Never resample mid-episode: a new clip is drawn only at reset."""
    humanoid_name: str = "humanoid"
    object_name: str = "object"
    library_object: str | None = None
    """Library object whose clips are used; must be the scene's object. Unset when :attr:`object_switch_term` is."""
    object_switch_term: str | None = None
    """Event term (:class:`~.object_switch.ObjectSwitch`) through which each reset makes the environment's object its
    clip's object; the clips used are those of the term's boxes. Unset when :attr:`library_object` is."""
    motion_paths: list[str] = MISSING
    """Clip files or directories."""
    future_frames: tuple[int, ...] = (1, 16)
    """Reference frames observed, in control steps after the current state (1 = the next step's target)."""
    min_remaining_time: float = 1.0
    """Start times leave at least this much of the clip (s)."""
    failure_weighted_starts: FailureWeightedStartsCfg | None = None
    """Draw start times weighted towards where episodes failed (InterMimic's start sampling); ``None``: clips in
    proportion to their duration and times uniform."""
    start_at_beginning_prob: float = 0.1
    """Fraction of resets that start at the clip's first frame."""
    root_pos_noise: float = 0.02
    """Horizontal pelvis offset at reset, uniform in +-this (m); the object gets its own."""
    root_rot_noise: float = 0.05
    """Pelvis roll, pitch, yaw offset at reset, uniform in +-this (rad)."""
    joint_pos_noise: float = 0.05
    """Hinge angle offset at reset, uniform in +-this (rad)."""
    object_pos_noise: float = 0.01
    """Horizontal object offset at reset, uniform in +-this (m)."""
