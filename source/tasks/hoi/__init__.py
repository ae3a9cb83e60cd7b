"""The base human-object-interaction scene and its smoke tasks ``InterPrior-Scene-v0`` and ``InterPrior-Scene-G1-v0``."""

import gymnasium as gym

from . import agents

gym.register(
    id="InterPrior-Scene-v0",
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.hoi_env_cfg:HoiEnvCfg",
        "rsl_rl_cfg_entry_point": f"{agents.__name__}.rsl_rl_ppo_cfg:HoiScenePPORunnerCfg",
    },
)

gym.register(
    id="InterPrior-Scene-G1-v0",
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.g1_env_cfg:HoiG1EnvCfg",
        "rsl_rl_cfg_entry_point": f"{agents.__name__}.rsl_rl_ppo_cfg:HoiScenePPORunnerCfg",
    },
)
