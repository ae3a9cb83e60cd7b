"""The Stage 3 fine-tuning tasks: reach one masked snapshot from a random start (in-betweening) or from the ground
(get-up).

Both extend the Stage 2 snapshot task and keep its observation groups (``expert``, ``history``, ``goals``,
``privileged``), so the distilled policy runs on them unchanged, and add a ``task`` group: the sub-task index (0
in-betweening, 1 get-up, as a float) for the policy's learnable task token. Episodes start from
:class:`~interprior.tasks.hoi.mdp.random_start.RandomStart` configurations and pursue one
:class:`~interprior.tasks.hoi.mdp.goal_rewards.HeldSnapshotGoal`; the clip between start and goal is not tracked.

Reward r = (r_energy - r_h) + r_goal + r_ter: joint acceleration and action rate penalties, the grasp penalty, the
sparse success reward (weight r_succ, threshold xi in ``commands.goal.success_threshold``, loosened at first by
``curriculum.success_threshold``) and a termination penalty; get-up adds an upright torso and a raised pelvis.
Episodes end ``GOAL_MARGIN`` after the goal's time, on a fall from a standing start, or when physics diverges. The
success rate over the RL episodes (distillation environments left out) is logged as ``Metrics/goal/success``.

For the fine-tuning runner, ``commands.reference.distillation_share`` makes the first envs *distillation
environments* (``reference.distillation_envs``): they start at reference states, pursue the Stage 2 goals (task index
-1: no task token) and end on a fall, a drift or the clip's end, as the Stage 2 goal tasks do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import CurriculumTermCfg as CurrTerm
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.utils import configclass

from interprior.tasks.goals.goals_env_cfg import ObservationsCfg as GoalsObservationsCfg
from interprior.tasks.goals.goals_env_cfg import SnapshotEnvCfg
from interprior.tasks.hoi import mdp
from interprior.tasks.hoi.hoi_env_cfg import TerminationsCfg as HoiTerminationsCfg
from interprior.tasks.hoi.mdp.object_switch import OBJECT_SWITCH_TERM

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

TASK_INDEX = {"inbetween": 0, "get_up": 1}
"""Index of each sub-task in the policy's task tokens."""
GOAL_MARGIN = 1.0
"""Time after the goal's time at which an episode ends (s)."""


def task_index(env: ManagerBasedRLEnv, index: int, command_name: str = "reference") -> torch.Tensor:
    """(N, 1) the sub-task's index as a float; -1 (no task token) for the distillation environments, which pursue
    the Stage 2 goals."""
    distillation = mdp.reference_term(env, command_name).distillation_envs.unsqueeze(-1)
    return torch.where(distillation, -1.0, float(index)).to(env.device)


@configclass
class CommandsCfg:
    reference = mdp.RandomStartCfg(object_switch_term=OBJECT_SWITCH_TERM)
    """Its motion paths are set by the env cfg: the embodiment's bundled training clips."""
    goal = mdp.HeldSnapshotGoalCfg()


@configclass
class ObservationsCfg(GoalsObservationsCfg):
    @configclass
    class TaskCfg(ObsGroup):
        index = ObsTerm(func=task_index, params={"index": TASK_INDEX["inbetween"]})

    task: TaskCfg = TaskCfg()


@configclass
class RewardsCfg:
    """r_energy, r_h, r_goal (weight: r_succ) and r_ter."""

    energy = RewTerm(func=mdp.joint_acc_l2, weight=-2.0e-7, params={"asset_cfg": SceneEntityCfg("humanoid")})
    action_rate = RewTerm(func=mdp.action_rate_l2, weight=-0.005)
    grasp = RewTerm(func=mdp.grasp_penalty, weight=-0.1)
    success = RewTerm(func=mdp.goal_success, weight=1.0)
    termination = RewTerm(func=mdp.is_terminated, weight=-2.0)


@configclass
class TerminationsCfg(HoiTerminationsCfg):
    """The base's time-out and diverged physics, the goal's time-out, and falls of standing starts only; distillation
    environments also end on a fall, drift or the clip's end, as Track."""

    goal_time = DoneTerm(func=mdp.goal_time_passed, params={"margin": GOAL_MARGIN}, time_out=True)
    fall = DoneTerm(func=mdp.fell_from_standing_start, params={"minimum_height": 0.3})
    distillation_failed = DoneTerm(
        func=mdp.distillation_env_failed, params={"minimum_height": 0.3, "body_threshold": 0.5, "object_threshold": 0.5}
    )
    distillation_clip_end = DoneTerm(func=mdp.distillation_clip_ended, time_out=True)


@configclass
class CurriculumCfg:
    """xi starts at 0.5 and tightens to the goal's own (0.1) as the RL episodes reach their goals: within 0.2 s of the
    goal's time, the 630-iteration student came within 0.1 of its goal in 0.3 % of in-betweening episodes, within 0.2
    in 10 %, 0.3 in 28 % and 0.5 in 64 %."""

    success_threshold = CurrTerm(func=mdp.SuccessThresholdCurriculum, params={"initial": 0.5})


@configclass
class InbetweenEnvCfg(SnapshotEnvCfg):
    """Reach a full or partial snapshot 15-60 steps ahead from an offset, displaced or (10 %) fallen start."""

    commands: CommandsCfg = CommandsCfg()
    observations: ObservationsCfg = ObservationsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()
    curriculum: CurriculumCfg = CurriculumCfg()


@configclass
class GetUpRewardsCfg(RewardsCfg):
    """In-betweening's reward plus an upright torso and a raised pelvis."""

    upright = RewTerm(func=mdp.upright, weight=0.2)
    pelvis_raised = RewTerm(func=mdp.pelvis_raised, weight=0.2, params={"lying": 0.17, "standing": 0.94})


@configclass
class GetUpEnvCfg(InbetweenEnvCfg):
    """Reach a full standing snapshot 45-90 steps ahead from lying on the back, front or side."""

    rewards: GetUpRewardsCfg = GetUpRewardsCfg()

    def __post_init__(self):
        super().__post_init__()
        self.observations.task.index.params["index"] = TASK_INDEX["get_up"]
        self.commands.goal.families = ("snapshot",)
        self.commands.goal.snapshot_frames = (45, 90)
        self.commands.reference.fallen_prob = 1.0
        self.commands.reference.standing_window = self.commands.goal.snapshot_frames[1] * self.sim.dt * self.decimation
        self.terminations.fall = None


@configclass
class InbetweenG1EnvCfg(InbetweenEnvCfg):
    """In-betweening on the Unitree G1."""

    embodiment: str = "g1"


@configclass
class GetUpG1EnvCfg(GetUpEnvCfg):
    """Get-up on the Unitree G1."""

    embodiment: str = "g1"
