"""Stage 2 online DAgger distillation of the Stage 1 expert into the InterPrior policy: the runner
(:mod:`.runner`), its config (:mod:`.config`), the expert-share schedule, the frozen expert, the rollout storage
and the checkpoints."""

from .checkpoint import load_distilled_policy
from .config import (
    DISTILLATION_CFG_ENTRY_POINT,
    DistillationAlgorithmCfg,
    DistillationRunnerCfg,
    is_distillation_task,
    load_distillation_configs,
)
from .expert import load_expert
from .inference import PriorActor
from .inputs import PolicyInputReader, PolicyInputs, fit_policy_to_env
from .runner import DistillationRunner, make_distillation_runner
from .schedule import expert_share

__all__ = [
    "DISTILLATION_CFG_ENTRY_POINT",
    "DistillationAlgorithmCfg",
    "DistillationRunner",
    "DistillationRunnerCfg",
    "PolicyInputReader",
    "PriorActor",
    "PolicyInputs",
    "expert_share",
    "fit_policy_to_env",
    "is_distillation_task",
    "load_distillation_configs",
    "load_distilled_policy",
    "load_expert",
    "make_distillation_runner",
]
