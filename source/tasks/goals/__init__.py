"""Stage 2 sparse-goal tasks: ``InterPrior-Snapshot-v0``, ``-Trajectory-v0``, ``-Contact-v0``, ``-Goals-v0`` (all)."""

import gymnasium as gym

from . import agents

for task, cfg in (
    ("Snapshot", "SnapshotEnvCfg"),
    ("Trajectory", "TrajectoryEnvCfg"),
    ("Contact", "ContactEnvCfg"),
    ("Goals", "MixedGoalsEnvCfg"),
):
    gym.register(
        id=f"InterPrior-{task}-v0",
        entry_point="isaaclab.envs:ManagerBasedRLEnv",
        disable_env_checker=True,
        kwargs={
            "env_cfg_entry_point": f"{__name__}.goals_env_cfg:{cfg}",
            "distillation_cfg_entry_point": f"{agents.__name__}.distillation_cfg:{task}DistillationCfg",
        },
    )
