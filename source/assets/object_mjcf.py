"""MJCF for the objects of the library, so they convert to USD the same way as the humanoid."""

from __future__ import annotations

from .objects import BoxPart, ObjectSpec, get_object


def _geoms(spec: ObjectSpec) -> list[str]:
    """The collision geoms of ``spec`` in its own frame, with the object's mass spread over their volumes."""
    if spec.shape == "box":
        parts = (BoxPart(spec.size),)
    elif spec.shape == "compound":
        parts = spec.parts
    elif spec.shape == "cylinder":
        radius, height = 0.5 * spec.size[0], spec.size[2]
        return [f'<geom name="{spec.name}" type="cylinder" size="{radius:g} {0.5 * height:g}" mass="{spec.mass:g}"/>']
    else:
        raise ValueError(f"object {spec.name!r} has unknown shape {spec.shape!r}")
    volumes = [p.size[0] * p.size[1] * p.size[2] for p in parts]
    total = sum(volumes)
    geoms = []
    for i, (part, volume) in enumerate(zip(parts, volumes)):
        half = " ".join(f"{0.5 * s:g}" for s in part.size)
        pos = " ".join(f"{p:g}" for p in part.offset)
        mass = spec.mass * volume / total
        geoms.append(f'<geom name="{spec.name}_{i}" type="box" size="{half}" pos="{pos}" mass="{mass:g}"/>')
    return geoms


def object_body_mjcf(name: str, pos: tuple[float, float, float] | None = None) -> str:
    """A free-floating ``<body>`` for object ``name``, resting on the ground at ``pos`` by default (m)."""
    spec = get_object(name)
    x, y, z = pos if pos is not None else (0.0, 0.0, spec.half_height)
    # Every object's body is called "object", so one prim path pattern finds it whichever object a scene holds.
    lines = [f'<body name="object" pos="{x:g} {y:g} {z:g}">', '  <freejoint name="object_root"/>']
    lines += [f"  {geom}" for geom in _geoms(spec)]
    lines.append("</body>")
    return "\n".join(lines)


def object_mjcf(name: str) -> str:
    """A stand-alone MJCF document holding only object ``name`` (the source of its USD)."""
    spec = get_object(name)
    body = "\n    ".join(object_body_mjcf(name).splitlines())
    return (
        f'<mujoco model="{spec.name}">\n'
        f'  <default><geom condim="3" friction="{spec.friction:g} 0.005 0.0001" rgba="0.3 0.5 0.8 1"/></default>\n'
        f"  <worldbody>\n    {body}\n  </worldbody>\n</mujoco>\n"
    )
