"""Running the pipeline's stages as the command-line scripts, and resuming them.

Layout under the pipeline's output directory::

    <out>/expert/launch_<k>/model_<it>.pt      Stage 1 (scripts/train.py on the expert task)
    <out>/distilled/launch_<k>/model_<it>.pt   Stage 2 (--expert: the expert's last checkpoint)
    <out>/finetuned/launch_<k>/model_<it>.pt   Stage 3 (--init: the distilled checkpoint, --expert as above)
    <out>/eval/<task>/*.csv|json|png           scripts/evaluate.py comparing the stages' final checkpoints

Every launch of a stage writes a new ``launch_<k>`` directory; a stage whose newest checkpoint has completed the
preset's iterations is done, an unfinished one continues from that checkpoint for the iterations it still lacks, and
an evaluation whose report exists is not run again. So rerunning the same command after an interruption resumes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from interprior.agents.checkpoints import CHECKPOINT_PATTERN, checkpoints_in

from .presets import DISTILLED, EXPERT, FINETUNED, STAGES, EvalRun, PipelinePreset

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
"""The command-line scripts the stages run."""
LAUNCH_PATTERN = re.compile(r"launch_(\d+)")


class PipelineError(RuntimeError):
    """A stage's script failed; what it wrote so far stays, and rerunning the pipeline resumes from there."""


@dataclass(frozen=True)
class StageStatus:
    """How far a training stage has got."""

    stage: str
    completed_iterations: int
    """Learning iterations of the newest checkpoint (its iteration + 1); 0 without one."""
    total_iterations: int
    """Iterations the preset asks for."""
    checkpoint: Path | None
    """The newest checkpoint over all launches, or None."""

    @property
    def done(self) -> bool:
        return self.completed_iterations >= self.total_iterations


class Pipeline:
    """The three training stages and the evaluation of one preset, in ``out_dir``.

    Args:
        out_dir: Where every stage writes (see the module docstring).
        preset: Budgets and evaluations.
        seed: Seed of every stage and of the evaluation episodes.
        data: A dataset directory with ``train/`` and ``test/`` clips; None uses the bundled dataset.
    """

    def __init__(self, out_dir: Path, preset: PipelinePreset, seed: int = 0, data: Path | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.preset = preset
        self.seed = seed
        self.data = None if data is None else Path(data)
        if self.data is not None:
            missing = [part for part in ("train", "test") if not (self.data / part).is_dir()]
            if missing:
                raise FileNotFoundError(f"dataset {self.data} has no {' or '.join(missing)} directory of clips")

    def stage_dir(self, stage: str) -> Path:
        return self.out_dir / stage

    def status(self, stage: str) -> StageStatus:
        """The newest checkpoint of ``stage`` over its launches and how many iterations it has completed."""
        total = {EXPERT: self.preset.expert_iterations, DISTILLED: self.preset.distill_iterations,
                 FINETUNED: self.preset.finetune_iterations}[stage]
        found = [path for launch in self._launches(stage) for path in checkpoints_in(launch)]
        if not found:
            return StageStatus(stage, 0, total, None)
        newest = max(found, key=lambda path: int(CHECKPOINT_PATTERN.fullmatch(path.name).group(1)))
        completed = int(CHECKPOINT_PATTERN.fullmatch(newest.name).group(1)) + 1
        return StageStatus(stage, completed, total, newest)

    def run(self) -> None:
        """Train every stage that is not done, then run every evaluation that has no report yet.

        Raises:
            PipelineError: A script failed.
        """
        for stage in STAGES:
            self.train(stage)
        for evaluation in self.preset.eval_runs:
            self.evaluate(evaluation)

    def train(self, stage: str) -> None:
        """Launch ``stage`` for the iterations it still lacks (nothing if it is done)."""
        status = self.status(stage)
        if status.done:
            print(f"[pipeline] {stage}: done ({status.completed_iterations} iterations, {status.checkpoint})", flush=True)
            return
        preset = self.preset
        task, num_envs = {
            EXPERT: (preset.expert_task, preset.expert_envs),
            DISTILLED: (preset.distill_task, preset.distill_envs),
            FINETUNED: (preset.finetune_task, preset.finetune_envs),
        }[stage]
        args = ["--task", task, "--num-envs", str(num_envs), "--device", preset.device, "--seed", str(self.seed)]
        args += ["--max-iterations", str(status.total_iterations - status.completed_iterations)]
        args += ["--log-dir", str(self._new_launch(stage))]
        if stage in (DISTILLED, FINETUNED):
            args += ["--expert", str(self._final_checkpoint(EXPERT))]
        if stage == FINETUNED:
            args += ["--init", str(self._final_checkpoint(DISTILLED))]
        if status.checkpoint is not None:
            args += ["--checkpoint", str(status.checkpoint)]
            print(f"[pipeline] {stage}: resuming after {status.completed_iterations} of {status.total_iterations} iterations", flush=True)
        else:
            print(f"[pipeline] {stage}: training {status.total_iterations} iterations of {task}", flush=True)
        if self.data is not None:
            args.append(f'env.commands.reference.motion_paths=["{(self.data / "train").resolve()}"]')
        self._run_script(stage, "train.py", args)

    def evaluate(self, evaluation: EvalRun) -> Path:
        """Run ``evaluation`` unless its report exists; returns its output directory."""
        out = self.out_dir / "eval" / evaluation.task
        if any(out.glob("*.json")):
            print(f"[pipeline] eval {evaluation.task}: done ({out})", flush=True)
            return out
        clips = "test" if self.data is None else str((self.data / "test").resolve())
        args = ["--task", evaluation.task, "--clips", clips, "--seed", str(self.seed), "--device", self.preset.device]
        args += ["--num-envs", str(self.preset.eval_envs), "--episodes-per-clip", str(self.preset.eval_episodes_per_clip)]
        for stage in evaluation.stages:
            args += ["--checkpoint", str(self._final_checkpoint(stage)), "--label", stage]
        args += ["--out", str(out)]
        self._run_script(f"eval {evaluation.task}", "evaluate.py", args)
        return out

    def _final_checkpoint(self, stage: str) -> Path:
        status = self.status(stage)
        if not status.done:
            raise PipelineError(f"stage {stage} has not finished ({status.completed_iterations} of {status.total_iterations} iterations)")
        return status.checkpoint

    def _launches(self, stage: str) -> list[Path]:
        root = self.stage_dir(stage)
        if not root.is_dir():
            return []
        launches = [path for path in root.iterdir() if path.is_dir() and LAUNCH_PATTERN.fullmatch(path.name)]
        return sorted(launches, key=lambda path: int(LAUNCH_PATTERN.fullmatch(path.name).group(1)))

    def _new_launch(self, stage: str) -> Path:
        launches = self._launches(stage)
        number = 1 + (int(LAUNCH_PATTERN.fullmatch(launches[-1].name).group(1)) if launches else 0)
        return self.stage_dir(stage) / f"launch_{number}"

    def _run_script(self, what: str, script: str, args: list[str]) -> None:
        command = [sys.executable, str(SCRIPTS / script), *args]
        print(f"[pipeline] {what}: {' '.join(command)}", flush=True)
        result = subprocess.run(command)
        if result.returncode != 0:
            raise PipelineError(
                f"{what} failed (exit code {result.returncode}); what it wrote is kept, rerun the same command to resume"
            )
