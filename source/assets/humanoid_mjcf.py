"""Our SMPL-topology humanoid, written as MJCF from our own anthropometric numbers.

No SMPL model file is used: bone lengths are fractions of a 1.70 m adult taken from public anthropometric tables
(Winter, *Biomechanics and Motor Control of Human Movement*), rounded, and masses are Winter's segment fractions of
a 70 kg body. Every body frame is aligned with the world at zero joint angles (a T-pose facing +x, left +y, palms
down), so a local joint rotation means the same thing here as in the upright SMPL convention of the datasets.

:func:`humanoid_mjcf` returns the MJCF text; ``python -m interprior.assets.build`` writes it to
``assets/data/humanoid.xml`` and converts it to the USD that Isaac Lab loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .skeleton import BODY_NAMES, HINGE_AXES, PARENTS

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Segment:
    """One body of the humanoid.

    Attributes:
        offset: Position of the body's joint in its parent's frame (m).
        mass: Segment mass (kg).
        geom: MJCF geom attributes (shape, size, placement) in the body frame.
        limits: Hinge ranges (deg) for the x, y, z axes.
        gains: PD stiffness (N m/rad) and damping (N m s/rad) of the body's three hinges.
    """

    offset: Vec3
    mass: float
    geom: dict[str, str]
    limits: tuple[tuple[float, float], ...] = ()
    gains: tuple[float, float] = (0.0, 0.0)


def _capsule(start: Vec3, end: Vec3, radius: float) -> dict[str, str]:
    return {"type": "capsule", "fromto": " ".join(f"{v:.4f}" for v in (*start, *end)), "size": f"{radius:.4f}"}


def _box(center: Vec3, half: Vec3) -> dict[str, str]:
    return {"type": "box", "pos": " ".join(f"{v:.4f}" for v in center), "size": " ".join(f"{v:.4f}" for v in half)}


def _sphere(center: Vec3, radius: float) -> dict[str, str]:
    return {"type": "sphere", "pos": " ".join(f"{v:.4f}" for v in center), "size": f"{radius:.4f}"}


def _mirror(limits: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    """Limits of the right-side twin of a left body: mirroring in the x-z plane flips the x and z hinges."""
    (xl, xh), y, (zl, zh) = limits
    return ((-xh, -xl), y, (-zh, -zl))


# Stiffness / damping per joint group, as InterMimic tunes its SMPL-X humanoid.
_LEG, _TOE, _SPINE, _UPPER, _WRIST, _FINGER = (800.0, 80.0), (500.0, 50.0), (1000.0, 100.0), (500.0, 50.0), (300.0, 30.0), (100.0, 10.0)  # fmt: skip

HIP_HEIGHT = 0.90
"""Height of the pelvis body origin above the ground in the default standing pose (m)."""

FOOT_HALF_HEIGHT = 0.025
"""Half thickness of the foot and toe boxes (m)."""


def _left_side() -> dict[str, Segment]:
    """The left leg and arm; the right side mirrors them in the x-z plane."""
    return {
        "L_Hip": Segment((-0.005, 0.085, -0.08), 10.0 * 0.7, _capsule((0, 0, -0.06), (0, 0, -0.35), 0.065),
                         ((-30, 60), (-125, 30), (-45, 45)), _LEG),
        "L_Knee": Segment((0.0, 0.0, -0.41), 3.25, _capsule((0, 0, -0.05), (0, 0, -0.35), 0.05),
                          ((-10, 10), (0, 150), (-10, 10)), _LEG),
        # The ankle joint sits 0.065 m above the ground; the foot box spans heel (-0.06) to toe joint (0.13).
        "L_Ankle": Segment((0.0, 0.0, -0.345), 0.85, _box((0.035, 0.0, -0.065 + FOOT_HALF_HEIGHT), (0.095, 0.045, FOOT_HALF_HEIGHT)),
                           ((-30, 30), (-50, 35), (-30, 30)), _LEG),
        "L_Toe": Segment((0.13, 0.0, -0.04), 0.18, _box((0.035, 0.0, -0.025 + FOOT_HALF_HEIGHT), (0.035, 0.045, FOOT_HALF_HEIGHT)),
                         ((-10, 10), (-45, 45), (-10, 10)), _TOE),
        "L_Thorax": Segment((-0.01, 0.07, 0.11), 1.0, _capsule((0, 0.02, 0), (0, 0.10, 0), 0.045),
                            ((-15, 20), (-15, 15), (-25, 25)), _UPPER),
        "L_Shoulder": Segment((0.0, 0.12, 0.02), 2.0, _capsule((0, 0.05, 0), (0, 0.22, 0), 0.045),
                              ((-100, 95), (-90, 90), (-130, 45)), _UPPER),
        # Forearm: stops short of the wrist so that the palm, not the forearm, meets a box held between the hands.
        "L_Elbow": Segment((0.0, 0.27, 0.0), 1.12, _capsule((0, 0.04, 0), (0, 0.17, 0), 0.035),
                           ((-10, 10), (-90, 90), (-150, 5)), _UPPER),
        # Palm: a box from the wrist joint to the knuckles; fingers: a thinner box beyond them.
        "L_Wrist": Segment((0.0, 0.25, 0.0), 0.40, _box((0.0, 0.045, 0.0), (0.045, 0.045, 0.02)),
                           ((-70, 70), (-30, 30), (-30, 30)), _WRIST),
        "L_Hand": Segment((0.0, 0.09, 0.0), 0.10, _box((0.0, 0.04, 0.0), (0.042, 0.04, 0.01)),
                          ((-60, 20), (-10, 10), (-15, 15)), _FINGER),
    }


def _segments() -> dict[str, Segment]:
    """Every body, keyed by name, with the root (pelvis) first."""
    segments = {
        "Pelvis": Segment((0.0, 0.0, HIP_HEIGHT), 10.0, _capsule((0, -0.07, -0.02), (0, 0.07, -0.02), 0.09)),
        "Torso": Segment((-0.01, 0.0, 0.11), 5.0, _capsule((0, -0.06, 0.05), (0, 0.06, 0.05), 0.085),
                         ((-20, 20), (-20, 30), (-25, 25)), _SPINE),
        "Spine": Segment((0.0, 0.0, 0.13), 5.0, _capsule((0, -0.07, 0.03), (0, 0.07, 0.03), 0.09),
                         ((-20, 20), (-20, 30), (-25, 25)), _SPINE),
        "Chest": Segment((0.0, 0.0, 0.06), 13.0, _capsule((-0.01, -0.055, 0.10), (-0.01, 0.055, 0.10), 0.10),
                         ((-20, 20), (-20, 30), (-25, 25)), _SPINE),
        "Neck": Segment((-0.01, 0.0, 0.21), 1.0, _capsule((0, 0, 0.02), (0, 0, 0.08), 0.05),
                        ((-30, 30), (-40, 50), (-60, 60)), _UPPER),
        "Head": Segment((0.0, 0.0, 0.09), 4.7, _sphere((0.02, 0.0, 0.08), 0.10),
                        ((-20, 20), (-30, 30), (-30, 30)), _UPPER),
    }
    for name, left in _left_side().items():
        segments[name] = left
        offset = (left.offset[0], -left.offset[1], left.offset[2])
        geom = dict(left.geom)
        for key in ("fromto", "pos"):
            if key in geom:
                values = [float(v) for v in geom[key].split()]
                for i in range(1, len(values), 3):
                    values[i] = -values[i]
                geom[key] = " ".join(f"{v:.4f}" for v in values)
        segments["R" + name[1:]] = Segment(offset, left.mass, geom, _mirror(left.limits), left.gains)
    return segments


SEGMENTS: dict[str, Segment] = _segments()
"""Every body of the humanoid by name."""

ARMATURE = 0.02
"""Rotor inertia added to every hinge (kg m^2), as InterMimic uses; it steadies stiff PD drives."""

DEFAULT_JOINT_POS: dict[str, float] = {
    "L_Shoulder_x": math.radians(-72.0),
    "R_Shoulder_x": math.radians(72.0),
    "L_Elbow_z": math.radians(-15.0),
    "R_Elbow_z": math.radians(15.0),
}
"""Non-zero hinge angles (rad) of the default standing pose: arms lowered along the body, elbows soft."""


def _attrs(attributes: dict[str, str]) -> str:
    return " ".join(f'{key}="{value}"' for key, value in attributes.items())


def _body_xml(name: str, depth: int) -> list[str]:
    seg = SEGMENTS[name]
    pad = "  " * depth
    lines = [f'{pad}<body name="{name}" pos="{seg.offset[0]:.4f} {seg.offset[1]:.4f} {seg.offset[2]:.4f}">']
    if PARENTS[name] is None:
        lines.append(f'{pad}  <freejoint name="root"/>')
    else:
        for axis, (low, high) in zip(HINGE_AXES, seg.limits):
            vec = {"x": "1 0 0", "y": "0 1 0", "z": "0 0 1"}[axis]
            lines.append(f'{pad}  <joint name="{name}_{axis}" axis="{vec}" range="{low:g} {high:g}"/>')
    lines.append(f'{pad}  <geom name="{name}" {_attrs(seg.geom)} mass="{seg.mass:g}"/>')
    for child in (c for c in BODY_NAMES if PARENTS[c] == name):
        lines.extend(_body_xml(child, depth + 1))
    lines.append(f"{pad}</body>")
    return lines


def humanoid_mjcf(with_actuators: bool = True) -> str:
    """The humanoid as an MJCF document.

    Args:
        with_actuators: Add one PD position actuator per hinge (MuJoCo's ``position`` with ``kp``/``kv``). The USD
            for Isaac Lab is converted without them: Isaac Lab drives the joints through its own actuator models.
    """
    lines = [
        '<mujoco model="interprior_humanoid">',
        '  <compiler angle="degree" autolimits="true"/>',
        '  <option timestep="0.008333" integrator="implicitfast"/>',
        "  <default>",
        f'    <joint type="hinge" armature="{ARMATURE}" damping="0" limited="true"/>',
        '    <geom contype="1" conaffinity="1" condim="3" friction="1.0 0.005 0.0001" rgba="0.8 0.6 0.4 1"/>',
        "  </default>",
        "  <worldbody>",
        *_body_xml("Pelvis", 2),
        "  </worldbody>",
    ]
    if with_actuators:
        lines.append("  <actuator>")
        for name in BODY_NAMES[1:]:
            kp, kv = SEGMENTS[name].gains
            for axis in HINGE_AXES:
                joint = f"{name}_{axis}"
                lines.append(f'    <position name="{joint}" joint="{joint}" kp="{kp:g}" kv="{kv:g}"/>')
        lines.append("  </actuator>")
    lines.append("</mujoco>")
    return "\n".join(lines) + "\n"


def contact_sphere(body: str) -> tuple[Vec3, float]:
    """Centre (body frame, m) and thickness (m) of ``body``'s collision geom, as a sphere for distance queries.

    The centre is the geom's centre; the thickness is the capsule's or sphere's radius, or a box's smallest half
    size. A body is on a surface when the surface is ``thickness`` from the centre.
    """
    geom = SEGMENTS[body].geom
    if geom["type"] == "capsule":
        values = [float(v) for v in geom["fromto"].split()]
        centre = tuple(0.5 * (a + b) for a, b in zip(values[:3], values[3:]))
        return centre, float(geom["size"])
    centre = tuple(float(v) for v in geom["pos"].split())
    return centre, min(float(v) for v in geom["size"].split())
