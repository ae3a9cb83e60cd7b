"""Random initial configurations of the in-betweening and get-up tasks (Stage 3).

:class:`RandomStart` is a :class:`~.reference.ReferenceMotion` whose resets leave the reference clip behind: the
clip frame drawn at reset is moved before it is written into the simulation. Every start is shifted horizontally
and turned about the pelvis' vertical axis (a carried object moves with the humanoid), with larger hinge noise than
tracking; a share of starts puts the object elsewhere on the ground with a random yaw; a share starts *fallen*: the
humanoid lies on its back, front or side in a relaxed pose, resting just above the ground. The reference clock keeps
running, so the goal term still finds its snapshot in the clip, L steps after the drawn frame.

The first ``round(distillation_share * N)`` environments are *distillation environments*
(:attr:`RandomStart.distillation_envs`): the Stage 3 runner keeps optimizing the Stage 2 distillation loss on them,
so they start like tracking does, from the plain perturbed reference state (tracking's hinge noise, no offset, no
displaced object, never fallen), and the goal and termination terms treat them as the Stage 2 goal tasks do.

For get-up goals the start times can be restricted to frames after which the clip's humanoid keeps standing for
:attr:`RandomStartCfg.standing_window`, so that every snapshot drawn in that window is a standing pose.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from isaaclab.utils import configclass
from isaaclab.utils import math as math_utils

from interprior.assets.objects import get_object
from interprior.data.kinematics import lowest_point
from interprior.data.motion_library import MotionFrame

from .goals import rotate
from .observations import reference_term
from .reference import ReferenceMotion, ReferenceMotionCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

LYING_POSES = {
    "back": ((0.0, -0.5 * math.pi, 0.0), 0.0),
    "front": ((0.0, 0.5 * math.pi, 0.0), 0.0),
    "left_side": ((-0.5 * math.pi, 0.0, 0.0), 0.5 * math.pi),
    "right_side": ((0.5 * math.pi, 0.0, 0.0), 0.5 * math.pi),
}
"""Per lying pose: roll, pitch, yaw (rad) taking the standing humanoid (facing +x, up +z) to it, and how far both arms
swing forward from the default pose (rad, :attr:`~interprior.assets.embodiment.Embodiment.arm_swing`), so that on a
side the lower arm does not prop the body up."""
_MAX_STANDING_REDRAWS = 100

START_KINDS = ("reference", "moved", "displaced", "fallen")
"""How an episode starts (:meth:`RandomStart.start_kinds` indexes this): the perturbed reference frame (distillation
environments, and every start of the other tasks), offset and turned (``moved``), moved with the object put elsewhere
on the ground (``displaced``), or lying on the ground, the object elsewhere (``fallen``)."""


class RandomStart(ReferenceMotion):
    """Reference motion whose resets write offset, displaced or fallen versions of the drawn clip frame."""

    cfg: RandomStartCfg

    def __init__(self, cfg: RandomStartCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.fallen = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        """(N,) bool: the episode started from a fallen humanoid."""
        self.displaced = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        """(N,) bool: the episode started with the object put elsewhere on the ground (every fallen start is)."""
        if not 0.0 <= cfg.distillation_share <= 1.0:
            raise ValueError(f"RandomStartCfg.distillation_share is {cfg.distillation_share}; it must lie in [0, 1]")
        num_distillation = round(cfg.distillation_share * self.num_envs)
        self.distillation_envs = torch.arange(self.num_envs, device=self.device) < num_distillation
        """(N,) bool: the env is a distillation environment (the first round(distillation_share * N))."""
        self._rest_height = torch.tensor(
            [get_object(name).half_height for name in self.library.object_names], device=self.device
        ) * self.library.object_scales
        """(C,) height of each clip's object centre when it rests upright on the ground (m)."""
        self._stands_ahead = None if cfg.standing_window is None else self._standing_frames(cfg.standing_window)
        """(total frames,) bool: the clip's humanoid stands from this frame on for the standing window."""

    def __str__(self) -> str:
        return f"RandomStart (fallen share {self.cfg.fallen_prob}) on {super().__str__()}"

    def start_kinds(self) -> torch.Tensor:
        """(N,) long: index into :data:`START_KINDS` of how each env's episode started."""
        kinds = torch.where(self.distillation_envs, 0, 1)
        kinds = torch.where(self.displaced, 2, kinds)
        return torch.where(self.fallen, 3, kinds)

    def _standing_frames(self, window: float) -> torch.Tensor:
        library = self.library
        clip_of = torch.repeat_interleave(torch.arange(library.num_clips, device=self.device), library.num_frames)
        index = torch.arange(len(clip_of), device=self.device)
        local = index - library.frame_starts[clip_of]
        heights = library.frame_at(clip_of, local / library.fps[clip_of]).root_pos[:, 2]
        not_standing = (heights < self.cfg.standing_fraction * self.embodiment.standing_height).long()
        last = library.frame_starts[clip_of] + library.num_frames[clip_of] - 1
        end = torch.minimum(index + torch.ceil(window * library.fps[clip_of]).long() + 1, last)
        count = torch.cumsum(not_standing, 0)
        stands = count[end] - count[index] + not_standing == 0
        if not stands.any():
            raise ValueError(
                f"RandomStartCfg.standing_window: no frame of {list(self.cfg.motion_paths)} has the pelvis above "
                f"standing_fraction={self.cfg.standing_fraction} of {self.embodiment.standing_height} m for {window} s"
            )
        return stands

    def _resample_command(self, env_ids: Sequence[int] | slice):
        env_ids = torch.arange(self.num_envs, device=self.device)[env_ids]
        super()._resample_command(env_ids)
        if self._stands_ahead is None:
            return
        for _ in range(_MAX_STANDING_REDRAWS):
            clips = self.clip_ids[env_ids]
            local = torch.minimum((self.times[env_ids] * self.library.fps[clips]).long(), self.library.num_frames[clips] - 1)
            frame = self.library.frame_starts[clips] + local
            env_ids = env_ids[~self._stands_ahead[frame]]
            if len(env_ids) == 0:
                return
            super()._resample_command(env_ids)
        raise RuntimeError(f"RandomStart: found no standing window for {len(env_ids)} envs in {_MAX_STANDING_REDRAWS} draws")

    def _write_reference_state(self, env_ids: torch.Tensor, frame: MotionFrame):
        count, cfg = len(env_ids), self.cfg
        clip_ids = self.clip_ids[env_ids]
        random = ~self.distillation_envs[env_ids]
        fallen = (self._uniform(count) < cfg.fallen_prob) & random
        displaced = fallen | ((self._uniform(count) < cfg.object_displace_prob) & random)
        self.fallen[env_ids], self.displaced[env_ids] = fallen, displaced

        yaw = cfg.yaw_offset * self._symmetric(count) * random
        shift = cfg.root_offset * self._symmetric(count, 2) * random.unsqueeze(-1)
        frame = _moved(frame, self._yaw_quat(yaw), shift)
        if fallen.any():
            frame = _where(fallen, self._fallen_frame(env_ids[fallen], frame, fallen), frame)
        if displaced.any():
            clearance = torch.where(fallen, cfg.fallen_object_clearance, cfg.object_clearance)[displaced]
            frame = _where(displaced, self._displaced_object(frame, clip_ids, displaced, clearance), frame)
        super()._write_reference_state(env_ids, frame)

    def _joint_pos_noise(self, env_ids: torch.Tensor) -> torch.Tensor:
        """(E,) tracking's hinge noise for distillation envs, none for fallen starts (their pose has its own, and its
        height above the ground is computed for it), the random starts' otherwise (rad)."""
        distillation = self.distillation_envs[env_ids]
        noise = torch.where(distillation, self.cfg.distillation_joint_pos_noise, self.cfg.joint_pos_noise)
        return torch.where(self.fallen[env_ids], 0.0, noise)

    def _root_rot_noise(self, env_ids: torch.Tensor) -> torch.Tensor:
        """(E,) the configured pelvis rotation noise, none for fallen starts (their orientation has its own) (rad)."""
        return torch.where(self.fallen[env_ids], 0.0, self.cfg.root_rot_noise)

    def _fallen_frame(self, env_ids: torch.Tensor, frame: MotionFrame, rows: torch.Tensor) -> MotionFrame:
        """Lying humanoids for ``env_ids`` at the pelvis positions of ``frame[rows]``, all at rest."""
        count, cfg = len(env_ids), self.cfg
        choice = torch.randint(len(LYING_POSES), (count,), device=self.device, generator=self._generator)
        rotation = torch.tensor([rpy for rpy, _ in LYING_POSES.values()], device=self.device)[choice]
        swing = torch.tensor([swing for _, swing in LYING_POSES.values()], device=self.device)[choice]
        lying = math_utils.quat_from_euler_xyz(*(rotation + cfg.fallen_tilt_noise * self._symmetric(count, 3)).unbind(-1))
        root_quat = math_utils.quat_mul(self._yaw_quat(math.pi * self._symmetric(count)), lying)

        default = self.humanoid.data.default_joint_pos.torch[env_ids][:, self.joint_ids]
        for hinge, sign in self.embodiment.arm_swing.items():
            default[:, self.embodiment.joint_names.index(hinge)] += sign * swing
        limits = self.humanoid.data.joint_pos_limits.torch[env_ids][:, self.joint_ids]
        joint_pos = default + cfg.fallen_joint_noise * self._symmetric(count, default.shape[1])
        joint_pos = torch.clamp(joint_pos, limits[..., 0], limits[..., 1])

        root_pos = frame.root_pos[rows].clone()
        root_pos[:, 2] = self._height_above_ground(root_quat, joint_pos) + cfg.fallen_clearance
        return dataclasses.replace(
            _select(frame, rows),
            root_pos=root_pos,
            root_quat=root_quat,
            joint_pos=joint_pos,
            joint_vel=torch.zeros_like(joint_pos),
            body_lin_vel=torch.zeros_like(frame.body_lin_vel[rows]),
            body_ang_vel=torch.zeros_like(frame.body_ang_vel[rows]),
        )

    def _height_above_ground(self, root_quat: torch.Tensor, joint_pos: torch.Tensor) -> torch.Tensor:
        """(E,) pelvis height (m) at which the lowest collision geom of the pose touches the ground."""
        origin = np.zeros((len(root_quat), 3))
        lowest = lowest_point(origin, root_quat.cpu().numpy(), joint_pos.cpu().numpy(), self.embodiment)
        return torch.as_tensor(-lowest, dtype=torch.float32, device=self.device)

    def _displaced_object(
        self, frame: MotionFrame, clip_ids: torch.Tensor, rows: torch.Tensor, clearance: torch.Tensor
    ) -> MotionFrame:
        """``frame[rows]`` with the object upright on the ground: within the displacement radius of its frame position,
        at least ``clearance`` (rows.sum(),) (m) from the pelvis horizontally, random yaw, at rest."""
        count, cfg = int(rows.sum()), self.cfg
        angle, radius = math.pi * self._symmetric(count), cfg.object_displace_radius * self._uniform(count).sqrt()
        position = frame.object_pos[rows].clone()
        position[:, :2] += radius.unsqueeze(-1) * torch.stack([angle.cos(), angle.sin()], -1)
        away = position[:, :2] - frame.root_pos[rows, :2]
        distance = torch.linalg.norm(away, dim=-1, keepdim=True).clamp(min=1e-6)
        position[:, :2] = frame.root_pos[rows, :2] + away * torch.clamp(clearance.unsqueeze(-1) / distance, min=1.0)
        position[:, 2] = self._rest_height[clip_ids[rows]]
        zeros = torch.zeros_like(position)
        return dataclasses.replace(
            _select(frame, rows),
            object_pos=position,
            object_quat=self._yaw_quat(math.pi * self._symmetric(count)),
            object_lin_vel=zeros,
            object_ang_vel=zeros,
        )

    def _uniform(self, *shape: int) -> torch.Tensor:
        return torch.rand(*shape, device=self.device, generator=self._generator)

    def _symmetric(self, *shape: int) -> torch.Tensor:
        """Uniform in [-1, 1)."""
        return 2.0 * self._uniform(*shape) - 1.0

    def _yaw_quat(self, yaw: torch.Tensor) -> torch.Tensor:
        """(E, 4) rotations by ``yaw`` (E,) (rad) about the world's vertical axis."""
        return math_utils.quat_from_angle_axis(yaw, torch.tensor([0.0, 0.0, 1.0], device=self.device).expand(len(yaw), 3))


def _select(frame: MotionFrame, rows: torch.Tensor) -> MotionFrame:
    return MotionFrame(**{field.name: getattr(frame, field.name)[rows] for field in dataclasses.fields(MotionFrame)})


def _where(rows: torch.Tensor, replaced: MotionFrame, frame: MotionFrame) -> MotionFrame:
    """``frame`` with its ``rows`` (bool (N,)) taken from ``replaced`` (leading shape (rows.sum(),))."""
    values = {}
    for field in dataclasses.fields(MotionFrame):
        value = getattr(frame, field.name).clone()
        value[rows] = getattr(replaced, field.name)
        values[field.name] = value
    return MotionFrame(**values)


def _moved(frame: MotionFrame, yaw: torch.Tensor, shift: torch.Tensor) -> MotionFrame:
    """``frame`` (leading shape (N,)) turned by ``yaw`` (N, 4) about the pelvis' vertical axis and shifted by ``shift``
    (N, 2, m) on the ground, the object with it. Hinge angles are unchanged."""
    pivot = frame.root_pos * torch.tensor([1.0, 1.0, 0.0], device=shift.device)
    offset = torch.cat([shift, torch.zeros_like(shift[:, :1])], -1)
    return frame.moved(yaw, pivot + offset - rotate(yaw, pivot))


def fell_from_standing_start(env: ManagerBasedRLEnv, minimum_height: float, command_name: str = "reference") -> torch.Tensor:
    """(N,) bool: the pelvis is below ``minimum_height`` (m) in an episode that did not start fallen."""
    reference: RandomStart = reference_term(env, command_name)
    return (reference.body_state()["body_pos"][:, 0, 2] < minimum_height) & ~reference.fallen


@configclass
class RandomStartCfg(ReferenceMotionCfg):
    """Offsets, object displacement and fallen starts on top of reference state initialization.

    The inherited ``root_pos_noise``, ``root_rot_noise``, ``joint_pos_noise`` and ``object_pos_noise`` still apply
    after the moves below; the hinge noise defaults to three times tracking's. Fallen starts take no inherited
    rotation or hinge noise: their pose has its own (``fallen_tilt_noise``, ``fallen_joint_noise``) and is placed with
    its lowest collision geom ``fallen_clearance`` above the ground.
    """

    class_type: type = RandomStart
    joint_pos_noise: float = 0.15
    root_offset: float = 0.3
    """Horizontal shift of the humanoid (and a carried object), uniform in +-this per axis (m)."""
    yaw_offset: float = 0.6
    """Turn about the pelvis' vertical axis, uniform in +-this (rad)."""
    object_displace_prob: float = 0.3
    """Share of standing starts whose object is put elsewhere on the ground (fallen starts always are)."""
    object_displace_radius: float = 1.0
    """A displaced object lands uniformly in a disc of this radius about its frame position (m) ..."""
    object_clearance: float = 0.5
    """... but at least this far from the pelvis, horizontally (m) ..."""
    fallen_object_clearance: float = 1.2
    """... or this far when the humanoid lies on the ground (it reaches about 1 m from the pelvis)."""
    fallen_prob: float = 0.1
    """Share of starts lying on the ground (back, front or side, equally likely)."""
    fallen_tilt_noise: float = 0.2
    """Roll, pitch, yaw noise on the lying orientation, uniform in +-this (rad); the heading is uniform."""
    fallen_joint_noise: float = 0.3
    """Relaxed pose of a fallen start: the default pose plus hinge noise uniform in +-this (rad), within limits."""
    fallen_clearance: float = 0.02
    """Gap between the lowest collision geom of a fallen start and the ground (m); physics drops it."""
    distillation_share: float = 0.0
    """Share of the envs that are distillation environments (the first ``round(share * N)``), in [0, 1]."""
    distillation_joint_pos_noise: float = 0.05
    """Hinge noise of the distillation environments' starts, uniform in +-this (rad): tracking's."""
    standing_window: float | None = None
    """If set, start times are redrawn until the clip's pelvis stays above :attr:`standing_fraction` of the standing
    height for this long (s)."""
    standing_fraction: float = 0.89
    """A clip frame counts as standing when its pelvis is above this share of the embodiment's standing pose's pelvis
    height (:attr:`~interprior.assets.embodiment.Embodiment.standing_height`; 0.8 m for our humanoid)."""
