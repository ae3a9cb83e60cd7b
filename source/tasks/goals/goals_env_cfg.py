"""The sparse-goal tasks of Stage 2: the tracking scene, with goals instead of the full reference for the policy.

Observation groups (what the distillation runner consumes):

* ``expert``: the Stage 1 expert's observation (full reference), so the expert can act and label actions;
* ``expert_reference``: the action that targets the reference's joint angles, to which the expert's residual is
  added (the Track task acts relative to the reference; these tasks act relative to the standing pose);
* ``history``: the paper's x_t (humanoid, object, distances, contacts) over the last ``HISTORY_LENGTH`` steps,
  oldest first, flattened time-major: reshape to (N, D, obs_dim);
* ``goals``: the masked goal tokens (N, G * (2F + 1)) followed by their presence flags (N, G);
* ``privileged``: the goal frames' unmasked residuals (N, G * F), for the training-only encoder.

Each task draws its goals from its own families (:data:`~interprior.tasks.hoi.mdp.sparse_goal.GOAL_FAMILIES`).
"""

from __future__ import annotations

from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.utils import configclass

from interprior.tasks.hoi import mdp
from interprior.tasks.hoi.hoi_env_cfg import ActionsCfg
from interprior.tasks.track.track_env_cfg import CommandsCfg as TrackCommandsCfg
from interprior.tasks.track.track_env_cfg import ObservationsCfg as TrackObservationsCfg
from interprior.tasks.track.track_env_cfg import StateObsCfg, TrackEnvCfg

HISTORY_LENGTH = 5
"""D, observation steps the prior and decoder see."""


@configclass
class CommandsCfg(TrackCommandsCfg):
    goal = mdp.SparseGoalCfg(families=("snapshot", "partial"))


@configclass
class ObservationsCfg:
    expert: TrackObservationsCfg.PolicyCfg = TrackObservationsCfg.PolicyCfg()

    @configclass
    class ExpertReferenceCfg(ObsGroup):
        joint_action = ObsTerm(func=mdp.reference_joint_action)

    expert_reference: ExpertReferenceCfg = ExpertReferenceCfg()

    @configclass
    class HistoryCfg(StateObsCfg):
        def __post_init__(self):
            self.history_length = HISTORY_LENGTH
            self.history_order = "time"

    @configclass
    class GoalsCfg(ObsGroup):
        tokens = ObsTerm(func=mdp.goal_tokens)

    @configclass
    class PrivilegedCfg(ObsGroup):
        residuals = ObsTerm(func=mdp.goal_privileged)

    history: HistoryCfg = HistoryCfg()
    goals: GoalsCfg = GoalsCfg()
    privileged: PrivilegedCfg = PrivilegedCfg()


@configclass
class SnapshotEnvCfg(TrackEnvCfg):
    """Full or partial snapshots of the body and object L steps ahead."""

    commands: CommandsCfg = CommandsCfg()
    actions: ActionsCfg = ActionsCfg()
    observations: ObservationsCfg = ObservationsCfg()


@configclass
class TrajectoryEnvCfg(SnapshotEnvCfg):
    """Pelvis, hands and object paths over the preview frames."""

    def __post_init__(self):
        super().__post_init__()
        self.commands.goal.families = ("trajectory",)


@configclass
class ContactEnvCfg(SnapshotEnvCfg):
    """Which bodies touch the object at the snapshot frame."""

    def __post_init__(self):
        super().__post_init__()
        self.commands.goal.families = ("contact",)


@configclass
class MixedGoalsEnvCfg(SnapshotEnvCfg):
    """Every family: the combination the distilled policy trains on."""

    def __post_init__(self):
        super().__post_init__()
        self.commands.goal.families = ("snapshot", "partial", "trajectory", "contact")


@configclass
class SnapshotG1EnvCfg(SnapshotEnvCfg):
    """Snapshot goals on the Unitree G1."""

    embodiment: str = "g1"


@configclass
class TrajectoryG1EnvCfg(TrajectoryEnvCfg):
    """Trajectory goals on the Unitree G1."""

    embodiment: str = "g1"


@configclass
class ContactG1EnvCfg(ContactEnvCfg):
    """Contact goals on the Unitree G1."""

    embodiment: str = "g1"


@configclass
class MixedGoalsG1EnvCfg(MixedGoalsEnvCfg):
    """Every goal family on the Unitree G1."""

    embodiment: str = "g1"
