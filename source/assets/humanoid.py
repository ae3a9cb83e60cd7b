"""Isaac Lab configuration of the InterPrior humanoid: its USD, PD actuators and default standing pose."""

from __future__ import annotations

import re
from collections import defaultdict

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg

from .build import humanoid_usd
from .humanoid_mjcf import ARMATURE, DEFAULT_JOINT_POS, HIP_HEIGHT, SEGMENTS
from .skeleton import BODY_NAMES, HINGE_AXES, JOINT_NAMES


_MERGED_DOF = re.compile(r"^(?P<body>.+)_x:(?P<dof>[0-2])$")


def canonical_joint_name(sim_name: str) -> str:
    """Our name (``<Body>_<axis>``) of a joint as the simulator reports it.

    Newton merges the three hinges between a body and its parent into one joint named after the first hinge, whose
    degrees of freedom it reports as ``<Body>_x:0``, ``<Body>_x:1``, ``<Body>_x:2`` (the x, y, z hinges). PhysX keeps
    the hinges' own names.
    """
    match = _MERGED_DOF.match(sim_name)
    return f"{match['body']}_{HINGE_AXES[int(match['dof'])]}" if match else sim_name


def sim_joint_regex(name: str) -> str:
    """A regular expression matching hinge ``name`` under any backend's naming (see :func:`canonical_joint_name`)."""
    body, axis = name.rsplit("_", 1)
    return f"{body}_({axis}|x:{HINGE_AXES.index(axis)})"


def _actuators() -> dict[str, ImplicitActuatorCfg]:
    """One implicit PD actuator group per gain pair, named after the bodies it drives."""
    groups: dict[tuple[float, float], list[str]] = defaultdict(list)
    for body in BODY_NAMES[1:]:
        groups[SEGMENTS[body].gains].append(body)
    return {
        f"kp{int(kp)}": ImplicitActuatorCfg(
            joint_names_expr=[f"{body}_[xyz](:[0-2])?" for body in bodies], stiffness=kp, damping=kd, armature=ARMATURE
        )
        for (kp, kd), bodies in groups.items()
    }


DEFAULT_STANDING_JOINT_POS: dict[str, float] = {
    sim_joint_regex(name): DEFAULT_JOINT_POS.get(name, 0.0) for name in JOINT_NAMES
}
"""Hinge angles (rad) of the default standing pose for every joint, keyed by :func:`sim_joint_regex`."""

HUMANOID_CFG = ArticulationCfg(
    prim_path="{ENV_REGEX_NS}/Humanoid",
    spawn=sim_utils.UsdFileCfg(usd_path=str(humanoid_usd())),
    init_state=ArticulationCfg.InitialStateCfg(
        pos=(0.0, 0.0, HIP_HEIGHT + 0.005), joint_pos=DEFAULT_STANDING_JOINT_POS
    ),
    actuators=_actuators(),
)
"""The humanoid with PD position drives (stiffness N m/rad, damping N m s/rad), standing at the env origin."""
