"""The whole recipe in one command: Stage 1 expert, Stage 2 distillation, Stage 3 fine-tuning, then evaluation.

:mod:`.presets` says how much each stage trains; :mod:`.stages` runs the stages as the command-line scripts, each
in its own process, and resumes whatever an earlier launch left unfinished.
"""

from .presets import PRESETS, TASK_VARIANTS, EvalRun, PipelinePreset, on_embodiment
from .stages import Pipeline, StageStatus

__all__ = ["PRESETS", "TASK_VARIANTS", "EvalRun", "Pipeline", "PipelinePreset", "StageStatus", "on_embodiment"]
