"""The motion library: every reference clip in contiguous tensors, sampled and interpolated in batches.

Tasks draw reference motion from here: which clip (:meth:`MotionLibrary.sample_clips`), when in it
(:meth:`MotionLibrary.sample_times`) and the reference state at any time (:meth:`MotionLibrary.frame_at`) or at a
window of times ahead (:meth:`MotionLibrary.window` and its wrappers). Positions, velocities and angles interpolate
linearly between the two neighbouring frames, orientations by slerp, contact labels come from the nearest frame.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import torch
from isaaclab.utils import math as math_utils
from tqdm import tqdm

from ..assets.objects import get_object
from .clip import Clip, load_clip

_VALID_TIME_TOLERANCE = 1e-4
"""Query times up to this far past a clip's end (s) still count as inside it (float32 rounding)."""


@dataclass
class MotionFrame:
    """The reference state at a batch of query times; every tensor has the queries' leading shape ``(*B,)``.

    Frames are in the world frame of the clips: metres, seconds, radians, quaternions (x, y, z, w).
    """

    root_pos: torch.Tensor
    """(*B, 3) pelvis position (m)."""
    root_quat: torch.Tensor
    """(*B, 4) pelvis orientation."""
    joint_pos: torch.Tensor
    """(*B, J) hinge angles (rad); J hinges and 24 bodies below are our humanoid's counts, other embodiments have
    their own."""
    joint_vel: torch.Tensor
    """(*B, 69) hinge velocities (rad/s)."""
    body_pos: torch.Tensor
    """(*B, 24, 3) body positions (m)."""
    body_quat: torch.Tensor
    """(*B, 24, 4) body orientations."""
    body_lin_vel: torch.Tensor
    """(*B, 24, 3) body linear velocities (m/s)."""
    body_ang_vel: torch.Tensor
    """(*B, 24, 3) body angular velocities (rad/s)."""
    object_pos: torch.Tensor
    """(*B, 3) object position (m)."""
    object_quat: torch.Tensor
    """(*B, 4) object orientation."""
    object_lin_vel: torch.Tensor
    """(*B, 3) object linear velocity (m/s)."""
    object_ang_vel: torch.Tensor
    """(*B, 3) object angular velocity (rad/s)."""
    contact_object: torch.Tensor
    """(*B, 24) body-object contact label of the nearest frame: 1.0 touching, 0.0 not, -1.0 unknown."""
    contact_ground: torch.Tensor
    """(*B, 24) body-ground contact label of the nearest frame: 1.0 touching, 0.0 not, -1.0 unknown."""

    def __getitem__(self, index) -> MotionFrame:
        """The frames at ``index`` of the batch axes, for example ``frames[:, 0]`` (every field indexed alike)."""
        return MotionFrame(**{field.name: getattr(self, field.name)[index] for field in fields(self)})

    def with_rows(self, rows: torch.Tensor, frames: MotionFrame) -> MotionFrame:
        """A copy whose rows ``rows`` (R,) long of the first batch axis are ``frames`` (leading shape (R, ...))."""
        names = [field.name for field in fields(self)]
        return MotionFrame(**{name: getattr(self, name).index_put((rows,), getattr(frames, name)) for name in names})

    def moved(self, turn: torch.Tensor, shift: torch.Tensor) -> MotionFrame:
        """The frame moved rigidly, humanoid and object together, by ``p -> turn p + shift`` per row of the first
        batch axis: ``turn`` (N, 4) rotations (x, y, z, w), ``shift`` (N, 3) in m. Hinge angles and labels are kept."""

        def per_row(value: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
            width = value.shape[-1]
            return value.view(value.shape[0], *([1] * (like.dim() - 2)), width).expand(*like.shape[:-1], width)

        def rotate(vectors: torch.Tensor) -> torch.Tensor:
            return math_utils.quat_apply(per_row(turn, vectors), vectors)

        def place(points: torch.Tensor) -> torch.Tensor:
            return rotate(points) + per_row(shift, points)

        def turned(quats: torch.Tensor) -> torch.Tensor:
            return math_utils.quat_mul(per_row(turn, quats), quats)

        return dataclasses.replace(
            self,
            root_pos=place(self.root_pos),
            root_quat=turned(self.root_quat),
            body_pos=place(self.body_pos),
            body_quat=turned(self.body_quat),
            body_lin_vel=rotate(self.body_lin_vel),
            body_ang_vel=rotate(self.body_ang_vel),
            object_pos=place(self.object_pos),
            object_quat=turned(self.object_quat),
            object_lin_vel=rotate(self.object_lin_vel),
            object_ang_vel=rotate(self.object_ang_vel),
        )


_QUAT_FIELDS = ("root_quat", "body_quat", "object_quat")
_LABEL_FIELDS = ("contact_object", "contact_ground")
_FRAME_FIELDS = tuple(field.name for field in fields(MotionFrame))


def slerp(q0: torch.Tensor, q1: torch.Tensor, tau: torch.Tensor) -> torch.Tensor:
    """Batched shortest-path spherical interpolation from ``q0`` (tau = 0) to ``q1`` (tau = 1).

    Args:
        q0, q1: (..., 4) unit quaternions (x, y, z, w).
        tau: Interpolation fractions broadcastable to (..., 1).

    Returns:
        (..., 4) unit quaternions.
    """
    cos_angle = (q0 * q1).sum(-1, keepdim=True)
    q1 = torch.where(cos_angle < 0.0, -q1, q1)  # the shorter arc
    angle = torch.acos(cos_angle.abs().clamp(max=1.0))
    sin_angle = torch.sin(angle)
    tiny = sin_angle < 1e-6  # (nearly) equal rotations: linear weights
    safe_sin = torch.where(tiny, torch.ones_like(sin_angle), sin_angle)
    w0 = torch.where(tiny, 1.0 - tau, torch.sin((1.0 - tau) * angle) / safe_sin)
    w1 = torch.where(tiny, tau, torch.sin(tau * angle) / safe_sin)
    return w0 * q0 + w1 * q1


class MotionLibrary:
    """All clips concatenated frame after frame into float32 tensors on one device.

    Attributes:
        embodiment: Name of the embodiment every clip is for.
        num_clips: Number of clips C.
        object_names: Library object of each clip.
        object_scales: (C,) object scale of each clip.
        sources: Provenance string of each clip.
        fps: (C,) frame rate of each clip (Hz).
        durations: (C,) time of each clip's last frame (s).
        num_frames: (C,) long, frames per clip.
        frame_starts: (C,) long, index of each clip's first frame in the concatenated tensors.
    """

    def __init__(self, clips: Sequence[Clip], device: str | torch.device = "cpu"):
        """Store ``clips`` (validated :class:`Clip` objects of one embodiment, frame rates may differ) on ``device``.

        Raises:
            ValueError: no clips, or clips of different embodiments.
        """
        if len(clips) == 0:
            raise ValueError("MotionLibrary needs at least one clip, got none")
        embodiments = {clip.embodiment: clip.source for clip in clips}
        if len(embodiments) > 1:
            found = ", ".join(f"{name} ({source})" for name, source in embodiments.items())
            raise ValueError(f"MotionLibrary needs clips of one embodiment, got clips of {found}")
        self.embodiment = clips[0].embodiment
        self.device = torch.device(device)
        self.num_clips = len(clips)
        self.object_names = [clip.object_name for clip in clips]
        self.sources = [clip.source for clip in clips]
        self.object_scales = self._tensor([clip.object_scale for clip in clips])
        self.fps = self._tensor([clip.fps for clip in clips])
        self.num_frames = torch.tensor([clip.num_frames for clip in clips], dtype=torch.long, device=self.device)
        self.frame_starts = torch.cumsum(self.num_frames, dim=0) - self.num_frames
        self.durations = (self.num_frames - 1).float() / self.fps
        order = sorted(_FRAME_FIELDS, key=lambda name: name not in _QUAT_FIELDS)
        frames = {name: torch.cat([torch.as_tensor(getattr(clip, name)) for clip in clips]) for name in order}
        self._shapes = {name: tuple(values.shape[1:]) for name, values in frames.items()}
        """Per-frame shape of every :class:`MotionFrame` field, the orientations first."""
        self._table = torch.cat([values.reshape(len(values), -1) for values in frames.values()], dim=1)
        self._table = self._table.to(self.device, torch.float32)
        """(total frames, D) every field of every frame, flattened side by side in :attr:`_shapes` order."""
        self._quat_width = sum(math.prod(self._shapes[name]) for name in _QUAT_FIELDS)
        """Columns of :attr:`_table` holding the orientations (the first ones), 4 per quaternion."""

    @classmethod
    def from_paths(
        cls,
        paths: str | os.PathLike | Sequence[str | os.PathLike],
        device: str | torch.device = "cpu",
        object_name: str | Sequence[str] | None = None,
        progress: bool = True,
        embodiment: str | None = None,
    ) -> MotionLibrary:
        """Load every clip in ``paths`` (``.npz`` files, or directories searched recursively for ``*.npz``).

        Args:
            paths: Clip files and/or directories.
            device: Where the tensors live.
            object_name: Keep only clips of this library object (or of these objects); ``None`` keeps all.
            progress: Show a progress bar (only on a terminal).
            embodiment: The embodiment every clip must be for; ``None`` accepts any single one.

        Raises:
            FileNotFoundError: a path does not exist, or no ``*.npz`` file was found.
            KeyError: an ``object_name`` is not a library object.
            ValueError: no clip of ``object_name`` was found, or a clip is for another embodiment.
            ClipFormatError: a file is not a valid clip (names the file and the field).
        """
        wanted = None if object_name is None else {object_name} if isinstance(object_name, str) else set(object_name)
        for name in wanted or ():
            get_object(name)
        roots = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(path) for path in paths]
        files = []
        for root in roots:
            if root.is_dir():
                files.extend(sorted(root.rglob("*.npz")))
            elif root.exists():
                files.append(root)
            else:
                raise FileNotFoundError(f"{root}: no such clip file or directory")
        where = ", ".join(str(root) for root in roots)
        if not files:
            raise FileNotFoundError(f"no clip files (*.npz) found in {where}")
        bar = tqdm(files, desc="Loading clips", unit="clip", disable=None if progress else True)  # None: only on a tty
        clips = [load_clip(file) for file in bar]
        for file, clip in zip(files, clips):
            if embodiment is not None and clip.embodiment != embodiment:
                raise ValueError(f"{file}: a clip of {clip.embodiment}, but these clips must be of {embodiment}")
        if wanted is not None:
            clips = [clip for clip in clips if clip.object_name in wanted]
            if not clips:
                raise ValueError(f"none of the {len(files)} clips in {where} is of object {object_name!r}")
        return cls(clips, device)

    def sample_clips(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n,) long clip ids drawn with probability proportional to clip duration."""
        return torch.multinomial(self.durations, n, replacement=True, generator=generator)

    def sample_times(
        self, clip_ids: torch.Tensor, truncate_time: float = 0.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """(N,) times (s) uniform in ``[0, duration - truncate_time]`` of each clip in ``clip_ids`` (N,), at least 0."""
        latest = torch.clamp(self.durations[clip_ids] - truncate_time, min=0.0)
        return torch.rand(clip_ids.shape, generator=generator, device=self.device) * latest

    def frame_at(self, clip_ids: torch.Tensor, times: torch.Tensor) -> MotionFrame:
        """Reference state of clips ``clip_ids`` at ``times`` (s), both of shape (*B,); times clamp to the clip.

        Positions, velocities and angles are interpolated linearly, orientations by slerp, and contact labels are
        those of the nearest frame.
        """
        times = torch.minimum(torch.clamp(times.to(self.durations), min=0.0), self.durations[clip_ids])
        position = times * self.fps[clip_ids]  # in frames
        last_start = self.num_frames[clip_ids] - 2
        before = torch.minimum(position.floor().long(), last_start)
        fraction = torch.clamp(position - before, 0.0, 1.0).unsqueeze(-1)
        first = self.frame_starts[clip_ids] + before
        start, end = self._table[first], self._table[first + 1]
        mixed = torch.lerp(start, end, fraction)
        nearest = torch.where(fraction >= 0.5, end, start)
        quat_shape = (*fraction.shape[:-1], self._quat_width // 4, 4)
        rotations = slerp(
            start[..., : self._quat_width].reshape(quat_shape),
            end[..., : self._quat_width].reshape(quat_shape),
            fraction.unsqueeze(-1),
        ).flatten(-2)
        values, column = {}, 0
        for name, shape in self._shapes.items():
            width = math.prod(shape)
            columns = slice(column, column + width)
            column += width
            if name in _QUAT_FIELDS:
                value = rotations[..., columns]
            else:
                value = (nearest if name in _LABEL_FIELDS else mixed)[..., columns]
            values[name] = value.reshape(*fraction.shape[:-1], *shape)
        return MotionFrame(**values)

    def window(
        self, clip_ids: torch.Tensor, times: torch.Tensor, offsets: torch.Tensor
    ) -> tuple[MotionFrame, torch.Tensor]:
        """Reference states at ``times + offsets`` for each query.

        Args:
            clip_ids: (N,) clip ids.
            times: (N,) current times (s).
            offsets: (K,) time offsets (s).

        Returns:
            ``(frames, valid)``: a :class:`MotionFrame` of leading shape (N, K) and a (N, K) bool mask that is
            ``False`` where the time falls past the clip's end (those frames repeat the last frame).
        """
        query = times.unsqueeze(-1) + offsets.to(times).unsqueeze(0)
        ids = clip_ids.unsqueeze(-1).expand_as(query)
        valid = query <= self.durations[ids] + _VALID_TIME_TOLERANCE
        return self.frame_at(ids, query), valid

    def future_frames(
        self, clip_ids: torch.Tensor, times: torch.Tensor, num_frames: int, dt: float
    ) -> tuple[MotionFrame, torch.Tensor]:
        """The next ``num_frames`` reference frames, ``dt``, ``2 dt``, ... after ``times``: (N, K) frames and mask."""
        return self.window(clip_ids, times, dt * torch.arange(1, num_frames + 1, device=self.device))

    def preview(
        self, clip_ids: torch.Tensor, times: torch.Tensor, horizon: int, dt: float
    ) -> tuple[MotionFrame, torch.Tensor]:
        """``horizon`` reference frames starting at ``times``, at ``0``, ``dt``, ... ahead: (N, H) frames and mask."""
        return self.window(clip_ids, times, dt * torch.arange(horizon, device=self.device))

    def snapshot(
        self, clip_ids: torch.Tensor, times: torch.Tensor, frames_ahead: int, dt: float
    ) -> tuple[MotionFrame, torch.Tensor]:
        """The reference frame ``frames_ahead * dt`` after ``times``: (N,) frames and (N,) validity mask."""
        query = times + frames_ahead * dt
        valid = query <= self.durations[clip_ids] + _VALID_TIME_TOLERANCE
        return self.frame_at(clip_ids, query), valid

    def _tensor(self, values: Sequence[float]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.float32, device=self.device)
