"""Fine-tuning runners of the Stage 3 tasks: one experiment directory per task, the defaults of
:class:`~interprior.agents.finetune.FinetuneRunnerCfg` otherwise (sized for a 2-core CPU: the task's 16 envs,
24 steps)."""

from isaaclab.utils import configclass

from interprior.agents.finetune.config import FinetuneRunnerCfg

from ..inbetween_env_cfg import TASK_INDEX


@configclass
class InbetweenFinetuneCfg(FinetuneRunnerCfg):
    experiment_name = "interprior_inbetween"
    num_task_tokens = len(TASK_INDEX)


@configclass
class GetUpFinetuneCfg(FinetuneRunnerCfg):
    experiment_name = "interprior_get_up"
    num_task_tokens = len(TASK_INDEX)


@configclass
class InbetweenG1FinetuneCfg(InbetweenFinetuneCfg):
    experiment_name = "interprior_inbetween_g1"


@configclass
class GetUpG1FinetuneCfg(GetUpFinetuneCfg):
    experiment_name = "interprior_get_up_g1"
