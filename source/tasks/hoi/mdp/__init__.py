"""MDP terms of the HOI tasks: Isaac Lab's stock terms plus our own."""

from isaaclab.envs.mdp import *  # noqa: F401, F403

from .observations import *  # noqa: F401, F403
from .reference import ReferenceMotion, ReferenceMotionCfg  # noqa: F401
from .rewards import *  # noqa: F401, F403
from .sparse_goal import SparseGoal, SparseGoalCfg  # noqa: F401
from .terminations import *  # noqa: F401, F403
