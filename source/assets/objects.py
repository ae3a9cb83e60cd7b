"""The library of rigid objects the humanoid interacts with.

Each object is described by an :class:`ObjectSpec`: a name, a primitive shape with its nominal size, a mass and a
friction coefficient. Motion clips name their object by :attr:`ObjectSpec.name`; tasks build the simulator assets
from the same specs (see :mod:`interprior.assets.object_cfg`).

Sizes are full extents in metres, in the object's own frame, whose origin is the centre of its bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BoxPart:
    """One box of a compound object: full extents (m) and centre offset (m) in the object frame."""

    size: tuple[float, float, float]
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class ObjectSpec:
    """A rigid object: its shape, nominal size (m), mass (kg) and Coulomb friction."""

    name: str
    shape: str
    """One of ``"box"``, ``"cylinder"``, ``"compound"`` (boxes listed in :attr:`parts`)."""
    size: tuple[float, float, float]
    """Bounding-box full extents (m). For a cylinder: (diameter, diameter, height)."""
    mass: float
    friction: float = 0.8
    parts: tuple[BoxPart, ...] = field(default=())

    @property
    def half_height(self) -> float:
        """Height of the object's centre above the ground when it rests upright (m)."""
        return 0.5 * self.size[2]


def _stool_parts(seat: float = 0.40, height: float = 0.45, leg: float = 0.04, top: float = 0.04) -> tuple[BoxPart, ...]:
    """A stool: a square seat on four square legs, centred on its bounding box."""
    leg_h = height - top
    corner = 0.5 * seat - 0.5 * leg
    z_leg = -0.5 * height + 0.5 * leg_h
    legs = tuple(
        BoxPart((leg, leg, leg_h), (sx * corner, sy * corner, z_leg)) for sx in (-1, 1) for sy in (-1, 1)
    )
    return (BoxPart((seat, seat, top), (0.0, 0.0, 0.5 * height - 0.5 * top)),) + legs


OBJECTS: dict[str, ObjectSpec] = {
    spec.name: spec
    for spec in (
        ObjectSpec("box_small", "box", (0.25, 0.25, 0.25), mass=2.0),
        ObjectSpec("box_medium", "box", (0.35, 0.35, 0.30), mass=4.0),
        ObjectSpec("box_large", "box", (0.47, 0.46, 0.41), mass=6.0),
        ObjectSpec("bottle", "cylinder", (0.08, 0.08, 0.28), mass=0.8),
        ObjectSpec("plate", "box", (0.40, 0.30, 0.02), mass=1.5),
        ObjectSpec("rod", "cylinder", (0.03, 0.03, 0.90), mass=1.0),
        ObjectSpec("stool", "compound", (0.40, 0.40, 0.45), mass=4.0, parts=_stool_parts()),
    )
}
"""Every object by name."""

OBJECT_NAMES: tuple[str, ...] = tuple(OBJECTS)


def get_object(name: str) -> ObjectSpec:
    """The spec of object ``name``; raises ``KeyError`` naming the known objects otherwise."""
    try:
        return OBJECTS[name]
    except KeyError:
        raise KeyError(f"unknown object {name!r}; the library has {', '.join(OBJECT_NAMES)}") from None
