"""Physics backends of our own for the Isaac Lab tasks.

``MujocoCpuSolverCfg`` keeps Isaac Lab's Newton model, state and sensors and steps every env's world with the MuJoCo C
library on all cores (see :mod:`interprior.physics.mujoco_cpu_solver`); :mod:`interprior.physics.openmp` keeps torch's
idle OpenMP threads off those cores while it steps.
"""

from .mujoco_cpu_manager import MujocoCpuSolverCfg, NewtonMujocoCpuManager, mujoco_cpu_physics
from .mujoco_cpu_solver import SolverMuJoCoCpuWorlds

__all__ = ["MujocoCpuSolverCfg", "NewtonMujocoCpuManager", "SolverMuJoCoCpuWorlds", "mujoco_cpu_physics"]
