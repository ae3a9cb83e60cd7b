"""MDP terms of the HOI tasks: Isaac Lab's stock terms plus our own."""

from isaaclab.envs.mdp import *  # noqa: F401, F403

from .actions import ReferenceJointPositionAction, ReferenceJointPositionActionCfg  # noqa: F401
from .observations import *  # noqa: F401, F403
from .reference import ReferenceMotion, ReferenceMotionCfg  # noqa: F401
from .start_sampler import FailureWeightedStarts, FailureWeightedStartsCfg  # noqa: F401
from .rewards import *  # noqa: F401, F403
from .sparse_goal import SparseGoal, SparseGoalCfg  # noqa: F401
from .terminations import *  # noqa: F401, F403
from .random_start import START_KINDS, RandomStart, RandomStartCfg, fell_from_standing_start  # noqa: F401
from .goal_rewards import HeldSnapshotGoal, HeldSnapshotGoalCfg, goal_success, goal_time_passed, pelvis_raised, upright  # noqa: F401
from .curriculums import SuccessThresholdCurriculum  # noqa: F401
from .distillation_envs import distillation_clip_ended, distillation_env_failed  # noqa: F401
