"""Stage 2 sparse-goal tasks: ``InterPrior-Snapshot-v0``, ``-Trajectory-v0``, ``-Contact-v0``, ``-Goals-v0`` (all), and
each on the Unitree G1 (``InterPrior-Snapshot-G1-v0``, ...)."""

import gymnasium as gym

from . import agents

for task, cfg in (
    ("Snapshot", "SnapshotEnvCfg"),
    ("Trajectory", "TrajectoryEnvCfg"),
    ("Contact", "ContactEnvCfg"),
    ("Goals", "MixedGoalsEnvCfg"),
):
    for variant in ("", "G1"):  # our humanoid, the Unitree G1
        gym.register(
            id=f"InterPrior-{'-'.join(filter(None, (task, variant)))}-v0",
            entry_point="isaaclab.envs:ManagerBasedRLEnv",
            disable_env_checker=True,
            kwargs={
                "env_cfg_entry_point": f"{__name__}.goals_env_cfg:{cfg.removesuffix('EnvCfg')}{variant}EnvCfg",
                "distillation_cfg_entry_point": f"{agents.__name__}.distillation_cfg:{task}{variant}DistillationCfg",
            },
        )
