"""Physics backends for the HOI tasks, selected with Isaac Lab's ``physics=<name>`` preset.

``default`` is Newton with the MuJoCo Warp solver, which runs kit-less on the CPU. ``physx`` is PhysX through Isaac
Sim, for users with an RTX GPU and Isaac Sim installed.
"""

from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg
from isaaclab_physx.physics import PhysxCfg

from isaaclab.utils import configclass

from isaaclab_tasks.utils import PresetCfg


@configclass
class HoiPhysicsCfg(PresetCfg):
    """Physics presets for a humanoid with one object on the ground."""

    newton_mjwarp: NewtonCfg = NewtonCfg(
        solver_cfg=MJWarpSolverCfg(
            njmax=400,
            nconmax=120,
            integrator="implicitfast",
            cone="pyramidal",
            impratio=1.0,
        ),
        num_substeps=1,
        debug_mode=False,
        use_cuda_graph=True,
    )
    physx: PhysxCfg = PhysxCfg()
    default: NewtonCfg = newton_mjwarp
