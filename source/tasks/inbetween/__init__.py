"""Stage 3 RL fine-tuning tasks: ``InterPrior-Inbetween-v0`` (reach a snapshot from a random start) and
``InterPrior-GetUp-v0`` (reach a standing snapshot from the ground)."""

import gymnasium as gym

from . import agents

for task, cfg in (("Inbetween", "InbetweenEnvCfg"), ("GetUp", "GetUpEnvCfg")):
    gym.register(
        id=f"InterPrior-{task}-v0",
        entry_point="isaaclab.envs:ManagerBasedRLEnv",
        disable_env_checker=True,
        kwargs={
            "env_cfg_entry_point": f"{__name__}.inbetween_env_cfg:{cfg}",
            "finetune_cfg_entry_point": f"{agents.__name__}.finetune_cfg:{task}FinetuneCfg",
        },
    )
