"""scripts/pipeline.py: every stage and the evaluation run on the CPU with a tiny budget, and a rerun resumes
instead of starting over (real training steps, real files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from interprior.agents.checkpoints import checkpoints_in
from interprior.data import BUNDLED_DATASETS
from interprior.eval.tasks import eval_task
from interprior.pipeline import PRESETS, Pipeline

from .scripts import error_line, run_script

TINY = [
    "--set", "expert_envs=2", "--set", "expert_iterations=1",
    "--set", "distill_envs=2", "--set", "distill_iterations=1",
    "--set", "finetune_envs=4", "--set", "finetune_iterations=1",
    "--set", "eval_envs=2",
]


def _small_box_clips(root: Path, embodiment: str) -> Path:
    """One training and one test clip of the small box, from ``embodiment``'s bundled dataset."""
    for part, clip in (("train", "lift_box_small_03"), ("test", "lift_box_small_00")):
        (root / part).mkdir(parents=True)
        shutil.copy(BUNDLED_DATASETS[embodiment] / part / f"{clip}.npz", root / part)
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return _small_box_clips(tmp_path_factory.mktemp("data"), "smpl")


def test_pipeline_runs_every_stage_then_resumes(tmp_path, dataset):
    out = tmp_path / "run"
    args = ["--data", str(dataset), "--out", str(out), *TINY]
    first = run_script("pipeline.py", *args, cwd=tmp_path, timeout=1500)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for stage in ("expert", "distilled", "finetuned"):
        assert [path.name for path in checkpoints_in(out / stage / "launch_1")] == ["model_0.pt"], stage
    for task, labels in (("Track", ["expert"]), ("Snapshot", ["expert", "distilled", "finetuned"]), ("RandInit", ["distilled", "finetuned"])):
        reports = list((out / "eval" / task).glob("*.json"))
        assert len(reports) == 1, task
        document = json.loads(reports[0].read_text())
        assert [result["label"] for result in document["checkpoints"]] == labels
        assert list((out / "eval" / task).glob("*.csv")) and list((out / "eval" / task).glob("*.png"))

    # a larger expert budget: only the expert continues, from its checkpoint, in a new launch directory
    second = run_script("pipeline.py", *args, "--set", "expert_iterations=2", cwd=tmp_path, timeout=900)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "expert: resuming after 1 of 2 iterations" in second.stdout
    assert [path.name for path in checkpoints_in(out / "expert" / "launch_2")] == ["model_1.pt"]
    for stage in ("distilled", "finetuned"):
        assert sorted(path.name for path in (out / stage).iterdir()) == ["launch_1"]
        assert f"{stage}: done" in second.stdout
    for task in ("Track", "Snapshot", "RandInit"):
        assert f"eval {task}: done" in second.stdout


def test_the_same_command_runs_every_stage_and_evaluation_on_the_g1(tmp_path):
    out = tmp_path / "run"
    data = _small_box_clips(tmp_path / "data", "g1")
    result = run_script("pipeline.py", "--embodiment", "g1", "--data", str(data), "--out", str(out), *TINY, cwd=tmp_path, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for stage, task in (("expert", "Track-G1"), ("distilled", "Goals-G1"), ("finetuned", "Inbetween-G1")):
        assert f"{stage}: training 1 iterations of InterPrior-{task}-v0" in result.stdout
        assert [path.name for path in checkpoints_in(out / stage / "launch_1")] == ["model_0.pt"], stage
    for task in ("Track-G1", "Snapshot-G1", "RandInit-G1"):
        (report,) = (out / "eval" / task).glob("*.json")
        document = json.loads(report.read_text())
        assert document["task"] == eval_task(task).task_id and document["checkpoints"], task


def test_pipeline_status_counts_completed_iterations(tmp_path):
    pipeline = Pipeline(tmp_path, PRESETS["quick"])
    assert pipeline.status("expert").checkpoint is None
    launch = tmp_path / "expert" / "launch_1"
    launch.mkdir(parents=True)
    for iteration in (0, 5, 23):
        (launch / f"model_{iteration}.pt").touch()
    (tmp_path / "expert" / "launch_2").mkdir()  # an interrupted launch that saved nothing
    status = pipeline.status("expert")
    assert (status.completed_iterations, status.total_iterations, status.done) == (24, 24, True)
    assert status.checkpoint == launch / "model_23.pt"
    assert not pipeline.status("distilled").done


def test_pipeline_errors(tmp_path):
    assert "expected FIELD=INT" in error_line(run_script("pipeline.py", "--set", "expert_iterations=many", cwd=tmp_path))
    assert "has no train or test" in error_line(run_script("pipeline.py", "--data", str(tmp_path), cwd=tmp_path))
    assert "no tasks for embodiment 'h1'" in error_line(run_script("pipeline.py", "--embodiment", "h1", cwd=tmp_path))
