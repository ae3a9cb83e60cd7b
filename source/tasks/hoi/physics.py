"""Physics backends for the HOI tasks, selected with Isaac Lab's ``physics=<name>`` preset.

``default`` is Newton with the MuJoCo Warp solver, which runs kit-less on the CPU. ``newton_mjc_cpu`` keeps Newton's
model, state and sensors but steps every world with the MuJoCo C library on all cores (:mod:`interprior.physics`:
several times faster on a CPU; each world steps its own copy of the MuJoCo model, so per-world properties such as
Track's box switch and object randomization carry over).
``physx`` is PhysX through Isaac Sim, for users with an RTX GPU and Isaac Sim installed.
"""

from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg
from isaaclab_physx.physics import PhysxCfg

from isaaclab.utils import configclass

from isaaclab_tasks.utils import PresetCfg

from interprior.physics import mujoco_cpu_physics


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
    newton_mjc_cpu: NewtonCfg = mujoco_cpu_physics(newton_mjwarp)
    physx: PhysxCfg = PhysxCfg()
    default: NewtonCfg = newton_mjwarp
