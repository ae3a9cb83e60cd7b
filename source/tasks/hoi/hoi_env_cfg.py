"""The base HOI environment: the humanoid, one object and the ground, on Newton physics.

Tasks (tracking, sparse goals, in-betweening, get-up) extend :class:`HoiEnvCfg` and replace its MDP blocks. The base
itself is a valid task: the humanoid holds its standing pose under PD control next to an object resting on the
ground, which is what ``InterPrior-Scene-v0`` runs.
"""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.assets import ArticulationCfg, AssetBaseCfg, RigidObjectCfg
from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.scene import InteractiveSceneCfg
from isaaclab.sensors import ContactSensorCfg
from isaaclab.utils import configclass

from interprior.assets.embodiment import SMPL, get_embodiment
from interprior.assets.humanoid import HUMANOID_CFG
from interprior.assets.object_cfg import object_cfg

from . import mdp
from .physics import PHYSICS_STEPS_PER_CONTROL_STEP, HoiPhysicsCfg

GROUND_THICKNESS = 0.2
"""Thickness of the static ground slab whose top face is the plane z = 0 (m)."""


@configclass
class HoiSceneCfg(InteractiveSceneCfg):
    """Humanoid, one object and a static ground slab; contact sensors on the humanoid's bodies and the object."""

    ground = AssetBaseCfg(
        prim_path="/World/ground",
        spawn=sim_utils.CuboidCfg(
            size=(200.0, 200.0, GROUND_THICKNESS),
            collision_props=sim_utils.CollisionPropertiesCfg(),
            physics_material=sim_utils.RigidBodyMaterialCfg(static_friction=1.0, dynamic_friction=1.0),
            visual_material=sim_utils.PreviewSurfaceCfg(diffuse_color=(0.45, 0.45, 0.45)),
        ),
        init_state=AssetBaseCfg.InitialStateCfg(pos=(0.0, 0.0, -0.5 * GROUND_THICKNESS)),
    )
    humanoid: ArticulationCfg = HUMANOID_CFG
    object: RigidObjectCfg = object_cfg("box_medium", pos=(0.6, 0.0))
    humanoid_contacts = ContactSensorCfg(prim_path="{ENV_REGEX_NS}/Humanoid/.*", history_length=0)
    object_contacts = ContactSensorCfg(prim_path="{ENV_REGEX_NS}/Object/.*", history_length=0)
    light = AssetBaseCfg(
        prim_path="/World/light", spawn=sim_utils.DomeLightCfg(intensity=2000.0, color=(0.9, 0.9, 0.9))
    )


@configclass
class ActionsCfg:
    """PD position targets for every hinge, as offsets from the default pose (rad)."""

    joint_pos = mdp.JointPositionActionCfg(asset_name="humanoid", joint_names=[".*"], scale=0.5, use_default_offset=True)


@configclass
class ObservationsCfg:
    """Proprioception of the humanoid and the object's pose; tasks replace this with their own groups."""

    @configclass
    class PolicyCfg(ObsGroup):
        root_height = ObsTerm(func=mdp.base_pos_z, params={"asset_cfg": SceneEntityCfg("humanoid")})
        joint_pos = ObsTerm(func=mdp.joint_pos_rel, params={"asset_cfg": SceneEntityCfg("humanoid")})
        joint_vel = ObsTerm(func=mdp.joint_vel_rel, params={"asset_cfg": SceneEntityCfg("humanoid")})
        object_pos = ObsTerm(func=mdp.root_pos_w, params={"asset_cfg": SceneEntityCfg("object")})

        def __post_init__(self):
            self.concatenate_terms = True

    policy: PolicyCfg = PolicyCfg()


@configclass
class EventsCfg:
    """Reset the whole scene to its default state."""

    reset_scene = EventTerm(func=mdp.reset_scene_to_default, mode="reset")


@configclass
class RewardsCfg:
    """Stay alive: the base scene has no task of its own."""

    alive = RewTerm(func=mdp.is_alive, weight=1.0)


@configclass
class TerminationsCfg:
    """Episode time-out, falling, and worlds whose physics diverged (NaN or exploding speeds)."""

    time_out = DoneTerm(func=mdp.time_out, time_out=True)
    fall = DoneTerm(func=mdp.root_height_below_minimum, params={"minimum_height": 0.3, "asset_cfg": SceneEntityCfg("humanoid")})
    physics_diverged = DoneTerm(
        func=mdp.physics_diverged,
        params={"asset_cfg": SceneEntityCfg("humanoid"), "object_cfg": SceneEntityCfg("object"), "max_speed": 50.0},
    )


@configclass
class HoiEnvCfg(ManagerBasedRLEnvCfg):
    """Humanoid + object + ground at 30 Hz control over 120 Hz physics, on the CPU with Newton by default."""

    scene: HoiSceneCfg = HoiSceneCfg(num_envs=16, env_spacing=4.0, replicate_physics=True)
    observations: ObservationsCfg = ObservationsCfg()
    actions: ActionsCfg = ActionsCfg()
    events: EventsCfg = EventsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()
    embodiment: str = SMPL.name
    """The character the scene's humanoid is (:func:`~interprior.assets.embodiment.get_embodiment`); every term
    reads its bodies and hinges from it. A variant sets it as a class default: ``__post_init__`` builds the humanoid."""

    def __post_init__(self):
        self.scene.humanoid = get_embodiment(self.embodiment).articulation()
        self.decimation = PHYSICS_STEPS_PER_CONTROL_STEP
        self.episode_length_s = 10.0
        self.sim.dt = 1.0 / 120.0
        self.sim.render_interval = self.decimation
        self.sim.device = "cpu"
        self.sim.physics = HoiPhysicsCfg()
