"""Stage 3 RL fine-tuning tasks: ``InterPrior-Inbetween-v0`` (reach a snapshot from a random start) and
``InterPrior-GetUp-v0`` (reach a standing snapshot from the ground), and each on the Unitree G1
(``InterPrior-Inbetween-G1-v0``, ``InterPrior-GetUp-G1-v0``)."""

from ..registration import register_embodiment_variants
from . import agents

for task in ("Inbetween", "GetUp"):
    register_embodiment_variants(
        task,
        env_cfg_entry_point=f"{__name__}.inbetween_env_cfg:{task}EnvCfg",
        finetune_cfg_entry_point=f"{agents.__name__}.finetune_cfg:{task}FinetuneCfg",
    )
