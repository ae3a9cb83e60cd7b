"""Physics backends for the HOI tasks, selected with Isaac Lab's ``physics=<name>`` preset.

``newton_mjc_cpu`` (the ``default``) keeps Newton's model, state and sensors; on a CPU device it steps every world
with the MuJoCo C library on all cores (:mod:`interprior.physics`: several times faster there; each world steps its
own copy of the MuJoCo model, so per-world properties such as Track's box switch and object randomization carry
over), and on a CUDA device it is Newton's MuJoCo Warp. ``newton_mjwarp`` is Newton with MuJoCo Warp on any device.
``physx`` is PhysX through Isaac Sim, for users with an RTX GPU and Isaac Sim installed.
"""

from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg
from isaaclab_physx.physics import PhysxCfg

from isaaclab.utils import configclass

from isaaclab_tasks.utils import PresetCfg

from interprior.physics import mujoco_cpu_physics

PHYSICS_STEPS_PER_CONTROL_STEP = 4
"""The HOI tasks' decimation: 120 Hz physics under 30 Hz control (the MuJoCo C backend runs the 4 physics steps of a
control step in one solver call)."""


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
    default: NewtonCfg = newton_mjc_cpu
