"""MDP terms of the HOI tasks: Isaac Lab's stock terms plus our own."""

from isaaclab.envs.mdp import *  # noqa: F401, F403
