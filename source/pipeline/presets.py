"""Budgets of the pipeline: environments and learning iterations per stage, and what the evaluation runs.

``quick`` fits a 2-core CPU (the whole recipe on the bundled data took 13 min 18 s, most of it physics); ``full``
is sized for a GPU (the scale of InterMimic's and the paper's runs, in iterations of 4096 environments).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

EXPERT = "expert"
DISTILLED = "distilled"
FINETUNED = "finetuned"
STAGES = (EXPERT, DISTILLED, FINETUNED)
"""The training stages, in order; an evaluation names the stages whose checkpoints it compares."""


@dataclass(frozen=True)
class EvalRun:
    """One ``scripts/evaluate.py`` call: a task, and the stages whose final checkpoints it compares."""

    task: str
    """Evaluation name of the task (``scripts/evaluate.py --task``: Track, Snapshot, Chain, RandInit, ...)."""
    stages: tuple[str, ...]
    """Subset of :data:`STAGES`, compared side by side (the paper's ablation rows); the expert on a goal task is the
    MaskedMimic-style baseline."""


@dataclass(frozen=True)
class PipelinePreset:
    """How much every stage trains and what is evaluated at the end."""

    device: str = "cpu"
    expert_task: str = "InterPrior-Track-v0"
    expert_envs: int = 32
    expert_iterations: int = 24
    distill_task: str = "InterPrior-Goals-v0"
    distill_envs: int = 16
    distill_iterations: int = 20
    finetune_task: str = "InterPrior-Inbetween-v0"
    finetune_envs: int = 16
    finetune_iterations: int = 10
    eval_runs: tuple[EvalRun, ...] = field(default_factory=tuple)
    eval_episodes_per_clip: int = 1
    eval_envs: int = 8


QUICK = PipelinePreset(
    eval_runs=(
        EvalRun("Track", (EXPERT,)),
        EvalRun("Snapshot", (EXPERT, DISTILLED, FINETUNED)),
        EvalRun("RandInit", (DISTILLED, FINETUNED)),
    ),
)
"""A 2-core CPU run on the bundled data: every stage learns a little, the evaluation runs on the test clips."""

FULL = PipelinePreset(
    device="cuda:0",
    expert_envs=4096,
    expert_iterations=10000,
    distill_envs=4096,
    distill_iterations=5000,
    finetune_envs=4096,
    finetune_iterations=3000,
    eval_runs=(
        EvalRun("Track", (EXPERT,)),
        *(EvalRun(task, (EXPERT, DISTILLED, FINETUNED)) for task in ("Snapshot", "Trajectory", "Contact", "Goals")),
        *(EvalRun(task, (DISTILLED, FINETUNED)) for task in ("Chain", "RandInit", "GetUp")),
    ),
    eval_episodes_per_clip=4,
    eval_envs=64,
)
"""A GPU run: InterMimic-scale PPO, long distillation and fine-tuning, every task with repeated episodes."""

PRESETS = {"quick": QUICK, "full": FULL}
"""The presets by name."""


TASK_VARIANTS = {"smpl": "", "g1": "G1"}
"""Embodiment -> the variant suffix of its tasks (``InterPrior-Track-G1-v0``) and evaluations (``Track-G1``)."""


def on_embodiment(preset: PipelinePreset, embodiment: str) -> PipelinePreset:
    """``preset`` with every training task and evaluation replaced by its variant on ``embodiment``.

    Raises:
        ValueError: ``embodiment`` has no task variants (the message lists those that have).
    """
    if embodiment not in TASK_VARIANTS:
        raise ValueError(f"no tasks for embodiment {embodiment!r}; embodiments with tasks: {', '.join(TASK_VARIANTS)}")
    variant = TASK_VARIANTS[embodiment]
    if not variant:
        return preset
    task_id = lambda task: task.replace("-v0", f"-{variant}-v0")  # noqa: E731
    return replace(
        preset,
        expert_task=task_id(preset.expert_task),
        distill_task=task_id(preset.distill_task),
        finetune_task=task_id(preset.finetune_task),
        eval_runs=tuple(replace(run, task=f"{run.task}-{variant}") for run in preset.eval_runs),
    )
