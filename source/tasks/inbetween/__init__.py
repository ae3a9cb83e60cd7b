"""Stage 3 RL fine-tuning tasks: ``InterPrior-Inbetween-v0`` (reach a snapshot from a random start) and
``InterPrior-GetUp-v0`` (reach a standing snapshot from the ground), and each on the Unitree G1
(``InterPrior-Inbetween-G1-v0``, ``InterPrior-GetUp-G1-v0``)."""

import gymnasium as gym

from . import agents

for task, cfg in (("Inbetween", "InbetweenEnvCfg"), ("GetUp", "GetUpEnvCfg")):
    for variant in ("", "G1"):  # our humanoid, the Unitree G1
        gym.register(
            id=f"InterPrior-{'-'.join(filter(None, (task, variant)))}-v0",
            entry_point="isaaclab.envs:ManagerBasedRLEnv",
            disable_env_checker=True,
            kwargs={
                "env_cfg_entry_point": f"{__name__}.inbetween_env_cfg:{cfg.removesuffix('EnvCfg')}{variant}EnvCfg",
                "finetune_cfg_entry_point": f"{agents.__name__}.finetune_cfg:{task}{variant}FinetuneCfg",
            },
        )
