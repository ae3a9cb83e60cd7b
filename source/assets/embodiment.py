"""Embodiments: which simulated character a task drives, and what its motion data and terms need to know about it.

An :class:`Embodiment` names the character's bodies and hinges in the order its motion data stores them, the bodies
that play a role in the tasks (tracked key bodies, hands and palms, feet, the bodies whose distance to the object is
observed, the root), their collision surfaces as spheres, and builds its Isaac Lab articulation.
Motion clips record the embodiment they were made for (:attr:`interprior.data.clip.Clip.embodiment`), so a clip of
one character is never replayed on another.

Two are registered: ``smpl``, our SMPL-topology humanoid (:mod:`.skeleton`, 24 bodies on 69 hinges), and ``g1``, the
Unitree G1 from MuJoCo Menagerie (:mod:`.g1`, 30 bodies on 29 hinges).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from . import skeleton
from .humanoid_mjcf import contact_sphere as smpl_contact_sphere
from .humanoid_mjcf import HIP_HEIGHT, humanoid_mjcf

if TYPE_CHECKING:  # the data tools read embodiments without importing the simulator
    from isaaclab.assets import ArticulationCfg


@dataclass(frozen=True, eq=False)
class Embodiment:
    """A simulated character: its bodies, hinges and the bodies with a role in the tasks (one instance per registered
    name, compared and hashed by identity)."""

    name: str
    """Registry key, written into the clips made for this character."""
    body_names: tuple[str, ...]
    """Every body, depth-first with the root first: the body order of motion data (B bodies)."""
    joint_names: tuple[str, ...]
    """Every hinge in model order: the joint order of motion data and of the joint actions (J hinges)."""
    key_bodies: tuple[str, ...]
    """Bodies whose positions are tracked and scored (E_h)."""
    hand_bodies: tuple[str, ...]
    """Bodies that grasp: palms and fingers."""
    foot_bodies: tuple[str, ...]
    """Bodies that carry the feet's collision geometry."""
    distance_bodies: tuple[str, ...]
    """Bodies whose signed distance to the object surface is observed and whose contact labels are rewarded (the
    paper's D_t): the root, the hands and the feet."""
    palms: dict[str, tuple[float, float, float]]
    """Body carrying each palm -> the palm's outward normal in that body's frame (the grasp reward's alignment)."""
    path_bodies: tuple[str, ...]
    """Bodies whose paths a trajectory goal gives: the root and the hands."""
    torso_bodies: tuple[str, ...]
    """Bodies whose up axes point up in a standing pose (the get-up task's upright reward): the root and the chest."""
    standing_height: float
    """Root height of the standing pose (m); height thresholds of standing are shares of it."""
    arm_swing: dict[str, float]
    """Hinge -> sign: adding ``sign * angle`` to these hinges swings both arms forward from the standing pose by
    ``angle`` (rad), as the fallen starts of the in-betweening tasks do."""
    contact_sphere: Callable[[str], tuple[tuple[float, float, float], float]]
    """Body -> centre (body frame, m) and thickness (m) of its collision surface as a sphere, for distance queries;
    ``ValueError`` for a body without collision geometry."""
    articulation: Callable[[], ArticulationCfg]
    """Builds a new articulation cfg of the character (USD, PD drives, standing pose) at the humanoid's prim path."""
    usd: Callable[[], Path]
    """The character's USD file, which :attr:`articulation` spawns (converted from :attr:`mjcf` once, then cached)."""
    mujoco_model: Callable[[], mujoco.MjModel]
    """The character's compiled MJCF (a free root, then :attr:`joint_names`), for forward kinematics of its clips."""
    mjcf: Callable[[], str]
    """The character's MJCF text without actuators, as converted to USD and as rendered."""

    @property
    def root_body(self) -> str:
        """The floating root (the pelvis)."""
        return self.body_names[0]

    def body_index(self, name: str) -> int:
        """Index of body ``name`` in :attr:`body_names`; ``KeyError`` naming the known bodies otherwise."""
        try:
            return self.body_names.index(name)
        except ValueError:
            raise KeyError(f"{self.name} has no body {name!r}; its bodies are {', '.join(self.body_names)}") from None

    def body_ids(self, names: Sequence[str]) -> list[int]:
        """Indices of ``names`` in :attr:`body_names`."""
        return [self.body_index(name) for name in names]


@functools.cache
def _smpl_mujoco_model() -> mujoco.MjModel:
    from .build import HUMANOID_MJCF

    return mujoco.MjModel.from_xml_path(str(HUMANOID_MJCF))


def collision_sphere(model: mujoco.MjModel, body: str) -> tuple[tuple[float, float, float], float]:
    """Centre (body frame, m) and thickness (m) of ``body``'s collision geoms as one sphere: the centre of the box
    bounding them all, and its smallest half extent (a sole's half thickness, a limb's radius).

    Raises:
        ValueError: the body has no collision geom.
    """
    body_id = model.body(body).id
    colliding = (model.geom_contype | model.geom_conaffinity) != 0
    geoms = np.flatnonzero((model.geom_bodyid == body_id) & colliding)
    if geoms.size == 0:
        raise ValueError(f"body {body!r} has no collision geom")
    lower, upper = np.full(3, np.inf), np.full(3, -np.inf)
    for geom in geoms:
        rotation = np.empty(9)
        mujoco.mju_quat2Mat(rotation, model.geom_quat[geom])
        rotation = rotation.reshape(3, 3)
        centre = model.geom_pos[geom] + rotation @ model.geom_aabb[geom, :3]
        half = np.abs(rotation) @ model.geom_aabb[geom, 3:]
        lower, upper = np.minimum(lower, centre - half), np.maximum(upper, centre + half)
    return tuple(float(v) for v in 0.5 * (lower + upper)), float(0.5 * (upper - lower).min())


def _smpl_articulation() -> ArticulationCfg:
    from .humanoid import HUMANOID_CFG

    return copy.deepcopy(HUMANOID_CFG)  # each env cfg owns its articulation cfg


def _smpl_usd() -> Path:
    from .build import humanoid_usd

    return humanoid_usd()


def _g1_usd() -> Path:
    from .g1 import g1_usd

    return g1_usd()


def _g1_articulation() -> ArticulationCfg:
    from .g1 import g1_cfg

    return g1_cfg()


@functools.cache
def _g1() -> Embodiment:
    from .g1 import (
        G1_BODY_NAMES,
        G1_DISTANCE_BODIES,
        G1_FOOT_BODIES,
        G1_HAND_BODIES,
        G1_JOINT_NAMES,
        G1_KEY_BODIES,
        G1_PALMS,
        g1_mjcf,
        menagerie_model,
        standing_pose,
    )

    return Embodiment(
        name="g1",
        body_names=G1_BODY_NAMES,
        joint_names=G1_JOINT_NAMES,
        key_bodies=G1_KEY_BODIES,
        hand_bodies=G1_HAND_BODIES,
        foot_bodies=G1_FOOT_BODIES,
        distance_bodies=G1_DISTANCE_BODIES,
        palms=G1_PALMS,
        path_bodies=("pelvis", *G1_HAND_BODIES),
        torso_bodies=("pelvis", "torso_link"),
        standing_height=standing_pose(menagerie_model())[0],
        arm_swing={"left_shoulder_pitch_joint": -1.0, "right_shoulder_pitch_joint": -1.0},
        contact_sphere=functools.partial(collision_sphere, menagerie_model()),
        mjcf=g1_mjcf,
        articulation=_g1_articulation,
        usd=_g1_usd,
        mujoco_model=menagerie_model,
    )


SMPL = Embodiment(
    name="smpl",
    body_names=skeleton.BODY_NAMES,
    joint_names=skeleton.JOINT_NAMES,
    key_bodies=skeleton.KEY_BODIES,
    hand_bodies=skeleton.HAND_BODIES,
    foot_bodies=skeleton.FOOT_BODIES,
    distance_bodies=("Pelvis", "L_Wrist", "L_Hand", "R_Wrist", "R_Hand", "L_Ankle", "R_Ankle"),
    palms={"L_Wrist": (0.0, 0.0, -1.0), "R_Wrist": (0.0, 0.0, -1.0)},  # palms down in the zero pose
    path_bodies=("Pelvis", "L_Hand", "R_Hand"),
    torso_bodies=("Pelvis", "Chest"),
    standing_height=HIP_HEIGHT,
    arm_swing={"L_Shoulder_z": -1.0, "R_Shoulder_z": 1.0},
    contact_sphere=smpl_contact_sphere,
    mjcf=functools.partial(humanoid_mjcf, with_actuators=False),
    articulation=_smpl_articulation,
    usd=_smpl_usd,
    mujoco_model=_smpl_mujoco_model,
)
"""Our SMPL-topology humanoid, the default."""

_REGISTRY: dict[str, Callable[[], Embodiment]] = {"smpl": lambda: SMPL, "g1": _g1}


def embodiment_names() -> tuple[str, ...]:
    """Names of the registered embodiments."""
    return tuple(_REGISTRY)


def get_embodiment(name: str) -> Embodiment:
    """The registered embodiment ``name``; ``KeyError`` listing the registered names otherwise."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown embodiment {name!r}; registered: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]()
