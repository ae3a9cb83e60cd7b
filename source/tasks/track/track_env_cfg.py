"""``InterPrior-Track-v0``: the Stage 1 expert's task, full-reference tracking of the humanoid and the object.

The policy sees the simulated state (the paper's x_t: humanoid and object kinematics, signed distances to the
object, body contacts) and the next reference frames as residuals to it, and outputs PD joint targets at 30 Hz. The
reward is the paper's InterMimic+ reward r = (r_track - r_energy - r_h) + r_ter with every part a separate term;
episodes start from perturbed reference states (more often where episodes failed), get velocity kicks, and end on
a fall, a drift or the clip's end.
"""

from __future__ import annotations

from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.utils import configclass

from interprior.assets.object_cfg import object_cfg
from interprior.data import BUNDLED_DATASETS
from interprior.tasks.hoi import mdp
from interprior.tasks.hoi.hoi_env_cfg import HoiEnvCfg, TerminationsCfg as HoiTerminationsCfg
from interprior.tasks.hoi.mdp.object_switch import OBJECT_SWITCH_TERM, ObjectSwitch

TRACK_BOXES = ("box_small", "box_medium", "box_large", "plate")
"""The boxes the scene's object can be; every reset makes it the sampled clip's object, from the clips of these."""


@configclass
class CommandsCfg:
    reference = mdp.ReferenceMotionCfg(
        object_switch_term=OBJECT_SWITCH_TERM, failure_weighted_starts=mdp.FailureWeightedStartsCfg()
    )
    """Its motion paths are set by the env cfg: the embodiment's bundled training clips. Episodes start more often
    in the seconds of the clips from which episodes failed."""


@configclass
class ActionsCfg:
    """PD position targets for every hinge, as offsets from the reference frame's hinge angles (rad).

    The paper's expert outputs PD targets; expressing them relative to the reference lets a zero action replay the
    clip's joint angles, which keeps the humanoid up about twice as long as the standing pose on the bundled clips
    and so gives PPO on a CPU budget a far better start.
    """

    joint_pos = mdp.ReferenceJointPositionActionCfg(asset_name="humanoid", joint_names=[".*"], scale=0.5)


@configclass
class StateObsCfg(ObsGroup):
    """The paper's x_t: humanoid and object kinematics, distances to the object surface, body contacts."""

    humanoid = ObsTerm(func=mdp.humanoid_state)
    object = ObsTerm(func=mdp.object_state)
    distances = ObsTerm(func=mdp.object_distances)
    contacts = ObsTerm(func=mdp.body_contacts, params={"sensor_cfg": SceneEntityCfg("humanoid_contacts")})


@configclass
class ObservationsCfg:
    @configclass
    class PolicyCfg(StateObsCfg):
        """x_t and the full future reference."""

        reference = ObsTerm(func=mdp.reference_residuals)

    policy: PolicyCfg = PolicyCfg()


@configclass
class EventsCfg:
    """Reference state initialization happens in the reference command; here: sparse velocity kicks on the pelvis and
    the object, and the object's size, density, inertia, centre of mass and friction drawn anew at every reset. The
    object's box is the one of the episode's clip (within 5 % of its size, so the palms of the clip's grasp stay
    within about a centimetre of its faces): the reference command switches it through ``object_switch``."""

    push_humanoid = EventTerm(
        func=mdp.push_by_setting_velocity,
        mode="interval",
        interval_range_s=(2.0, 4.0),
        params={"velocity_range": {"x": (-0.5, 0.5), "y": (-0.5, 0.5)}, "asset_cfg": SceneEntityCfg("humanoid")},
    )
    push_object = EventTerm(
        func=mdp.push_by_setting_velocity,
        mode="interval",
        interval_range_s=(2.0, 4.0),
        params={"velocity_range": {"x": (-0.3, 0.3), "y": (-0.3, 0.3), "z": (-0.2, 0.2)}, "asset_cfg": SceneEntityCfg("object")},
    )
    object_switch = EventTerm(
        func=ObjectSwitch,
        mode="startup",  # the reference command switches each world to its clip's box at every reset
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "names": TRACK_BOXES,
            "size_scale_range": (0.95, 1.05),
            "mass_scale_range": (0.7, 1.3),
            "inertia_scale_range": (0.8, 1.2),
        },
    )
    object_com = EventTerm(
        func=mdp.randomize_rigid_body_com,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("object"), "com_range": {"x": (-0.02, 0.02), "y": (-0.02, 0.02), "z": (-0.02, 0.02)}},
    )
    object_friction = EventTerm(
        func=mdp.randomize_rigid_body_material,
        mode="reset",
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "static_friction_range": (0.6, 1.0),
            "dynamic_friction_range": (0.6, 1.0),
            "restitution_range": (0.0, 0.05),
            "num_buckets": 16,
        },
    )


@configclass
class RewardsCfg:
    """r_track (positive kernels), r_energy and r_h (penalties), r_ter (termination penalty)."""

    body_pos = RewTerm(func=mdp.track_body_pos, weight=0.3, params={"std": 0.15})
    body_rot = RewTerm(func=mdp.track_body_rot, weight=0.2, params={"std": 0.6})
    body_vel = RewTerm(func=mdp.track_body_vel, weight=0.1, params={"std": 1.0})
    object_pos = RewTerm(func=mdp.track_object_pos, weight=0.2, params={"std": 0.15})
    object_rot = RewTerm(func=mdp.track_object_rot, weight=0.1, params={"std": 0.6})
    contact = RewTerm(func=mdp.track_contact, weight=0.1)
    energy = RewTerm(func=mdp.joint_acc_l2, weight=-2.0e-7, params={"asset_cfg": SceneEntityCfg("humanoid")})
    action_rate = RewTerm(func=mdp.action_rate_l2, weight=-0.005)
    grasp = RewTerm(func=mdp.grasp_penalty, weight=-0.1)
    termination = RewTerm(func=mdp.is_terminated, weight=-2.0)


@configclass
class TerminationsCfg(HoiTerminationsCfg):
    """The base's time-out and fall, plus the clip's end and drifting from the reference."""

    clip_end = DoneTerm(func=mdp.reference_clip_ended, time_out=True)
    body_drift = DoneTerm(func=mdp.body_drift, params={"threshold": 0.5})
    object_drift = DoneTerm(func=mdp.object_drift, params={"threshold": 0.5})


@configclass
class TrackEnvCfg(HoiEnvCfg):
    """Full-reference HOI tracking on the bundled dataset's clips of the :data:`TRACK_BOXES`."""

    commands: CommandsCfg = CommandsCfg()
    actions: ActionsCfg = ActionsCfg()
    observations: ObservationsCfg = ObservationsCfg()
    events: EventsCfg = EventsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()

    def __post_init__(self):
        super().__post_init__()
        self.scene.object = object_cfg(TRACK_BOXES[1])  # any box: the switch sets each world's size
        self.scene.object_contacts = None  # no term reads the object's contact forces; each step would compute them
        self.episode_length_s = 10.0
        self.commands.reference.motion_paths = [str(BUNDLED_DATASETS[self.embodiment] / "train")]


@configclass
class TrackG1EnvCfg(TrackEnvCfg):
    """Full-reference tracking on the Unitree G1, on the bundled clips retargeted to it."""

    embodiment: str = "g1"
