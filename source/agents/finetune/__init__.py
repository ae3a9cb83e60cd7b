"""Stage 3 RL fine-tuning of the distilled InterPrior policy: PPO on the in-betweening envs plus the distillation loss
on a share of distillation envs, in one update, on one or several processes (:mod:`.runner`, :mod:`.config`)."""

from .config import (
    FINETUNE_CFG_ENTRY_POINT,
    FinetuneAlgorithmCfg,
    FinetuneRunnerCfg,
    apply_distillation_share,
    is_finetune_task,
    load_finetune_configs,
)
from .distributed import ProcessGroup, init_process_group
from .runner import FinetuneRunner, make_finetune_runner

__all__ = [
    "FINETUNE_CFG_ENTRY_POINT",
    "FinetuneAlgorithmCfg",
    "FinetuneRunner",
    "FinetuneRunnerCfg",
    "ProcessGroup",
    "apply_distillation_share",
    "init_process_group",
    "is_finetune_task",
    "load_finetune_configs",
    "make_finetune_runner",
]
