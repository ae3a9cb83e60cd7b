"""Analytic signed distance to a library object's surface, batched in torch.

Every library object is a box, an upright cylinder or a union of boxes (:mod:`interprior.assets.objects`), so the
distance is exact and cheap; observations and rewards evaluate it for a few bodies in every environment each step.
:class:`ObjectSdf` is one object shared by all environments; :class:`BoxSdf` is a box of its own in each environment
(the scene's object switched per environment, :mod:`interprior.tasks.hoi.mdp.object_switch`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from .objects import get_object

_GRADIENT_STEP = 1e-4
"""Finite-difference step (m) for the surface normal."""


def _box_distance(points: torch.Tensor, centre: torch.Tensor, half: torch.Tensor) -> torch.Tensor:
    q = (points - centre).abs() - half
    outside = torch.linalg.norm(q.clamp(min=0.0), dim=-1)
    inside = q.max(dim=-1).values.clamp(max=0.0)
    return outside + inside


def _cylinder_distance(points: torch.Tensor, radius: float, half_height: float) -> torch.Tensor:
    q = torch.stack([torch.linalg.norm(points[..., :2], dim=-1) - radius, points[..., 2].abs() - half_height], dim=-1)
    return torch.linalg.norm(q.clamp(min=0.0), dim=-1) + q.max(dim=-1).values.clamp(max=0.0)


class SignedDistance(ABC):
    """A signed distance field (m, negative inside) with its nearest surface points; subclasses give :meth:`distance`."""

    @abstractmethod
    def distance(self, points: torch.Tensor) -> torch.Tensor:
        """Signed distance (m) of ``points`` (..., 3) in the object frame."""

    def parameters(self) -> tuple[torch.Tensor, ...]:
        """The tensors that change the field when their values change (none: the field is fixed)."""
        return ()

    def nearest(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Signed distance (...) and the nearest surface point (..., 3) of ``points`` (..., 3), object frame."""
        steps = _GRADIENT_STEP * torch.eye(3, device=points.device, dtype=points.dtype)
        offsets = torch.cat([torch.zeros_like(steps[:1]), steps, -steps])  # (7, 3): the point, then +-each axis
        shifted = points.unsqueeze(-2) + offsets  # (..., 7, 3)
        probes = self.distance(shifted)  # (..., 7)
        distance, gradient = probes[..., 0], probes[..., 1:4] - probes[..., 4:7]
        normal = gradient / torch.linalg.norm(gradient, dim=-1, keepdim=True).clamp(min=1e-9)
        return distance, points - distance.unsqueeze(-1) * normal


class ObjectSdf(SignedDistance):
    """Signed distance field of library object ``name`` scaled by ``scale``, in the object's frame (m).

    Negative inside, positive outside. Points have shape (..., 3) and results (...) or (..., 3).
    """

    def __init__(self, name: str, scale: float = 1.0, device: str | torch.device = "cpu"):
        spec = get_object(name)
        self.name, self.scale = name, scale
        if spec.shape == "cylinder":
            self._radius, self._half_height = 0.5 * spec.size[0] * scale, 0.5 * spec.size[2] * scale
            self._boxes = None
        else:
            parts = spec.parts if spec.shape == "compound" else None
            centres = [part.offset for part in parts] if parts else [(0.0, 0.0, 0.0)]
            sizes = [part.size for part in parts] if parts else [spec.size]
            self._boxes = (
                torch.tensor(centres, dtype=torch.float32, device=device) * scale,
                0.5 * torch.tensor(sizes, dtype=torch.float32, device=device) * scale,
            )

    def distance(self, points: torch.Tensor) -> torch.Tensor:
        """(...) signed distance (m) of ``points`` (..., 3) given in the object frame."""
        if self._boxes is None:
            return _cylinder_distance(points, self._radius, self._half_height)
        centres, halves = self._boxes
        per_part = _box_distance(points.unsqueeze(-2), centres, halves)  # (..., parts)
        return per_part.min(dim=-1).values


class BoxSdf(SignedDistance):
    """Signed distance field of a box centred in its object frame, one box per environment (m).

    ``half_extents`` (N, 3) is kept by reference, so in-place updates change the boxes. Points have shape
    (N, ..., 3), environment first, and results (N, ...) or (N, ..., 3).
    """

    def __init__(self, half_extents: torch.Tensor):
        self.half_extents = half_extents

    def parameters(self) -> tuple[torch.Tensor, ...]:
        """The boxes' half extents (N, 3), which change in place."""
        return (self.half_extents,)

    def distance(self, points: torch.Tensor) -> torch.Tensor:
        """(N, ...) signed distance (m) of ``points`` (N, ..., 3) to each environment's box, in its object frame."""
        half = self.half_extents.view(-1, *([1] * (points.dim() - 2)), 3)
        return _box_distance(points, torch.zeros_like(half), half)
