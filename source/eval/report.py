"""Evaluation results as text tables, CSV and JSON.

One :class:`CheckpointResult` per evaluated checkpoint. The summary table puts checkpoints in rows and the task's
metrics in columns (the layout of the paper's ablation table); with several checkpoints the paired table compares
each with the first, episode by episode (:mod:`.paired`); the CSV has one row per checkpoint and clip (its kept
episode) plus an ``ALL`` row per checkpoint; the JSON also holds every episode, the paired differences, the settings
and the thresholds. A group table splits a checkpoint's episodes by how they started or by the time to their first
goal (:data:`GROUPINGS`). Files are replaced atomically, so a failed write leaves the previous file intact.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from interprior.tasks.hoi.mdp.random_start import START_KINDS

from .metrics import EpisodeScore, Summary, keep_best, summarize
from .paired import PairedDifference, paired_difference

SUMMARY_ROW = "ALL"
"""The ``clip`` of a checkpoint's summary row in the CSV."""

COLUMNS = (
    ("SR %", "success_rate", ".1f"),
    ("SR/ep %", "episode_success_rate", ".1f"),
    ("SE %", "episode_success_se", ".1f"),
    ("SE/clip %", "episode_success_clip_se", ".1f"),
    ("E_h m", "body_error", ".4f"),
    ("pelvis m", "pelvis_error", ".4f"),
    ("E_o m", "object_error", ".4f"),
    ("Fail %", "failure_rate", ".1f"),
    ("steps", "mean_steps", ".1f"),
)
"""Metric columns: header, :class:`Summary` field, format."""

GOAL_COLUMN = ("Goals %", "goal_rate", ".1f")
"""The share of goals reached, a column of the goal tasks only."""

ACROSS_CLIPS_FIELDS = frozenset({"episode_success_clip_se"})
"""Metrics of a spread between clips: NaN for one clip, so left out of the per-clip table (the CSV keeps them)."""

HORIZON_EDGES = (1.0, 1.5)
"""Bounds of the goal-horizon groups (s): a snapshot 15-60 steps ahead falls in thirds of 15, 15 and 16 steps."""


def _start_group(score: EpisodeScore) -> tuple[float, str]:
    return START_KINDS.index(score.start), score.start


def _horizon_group(score: EpisodeScore) -> tuple[float, str]:
    if not math.isfinite(score.goal_horizon):
        return math.inf, "none"
    above = sum(score.goal_horizon >= edge - 1e-6 for edge in HORIZON_EDGES)
    if above == 0:
        return 0, f"< {HORIZON_EDGES[0]:.1f} s"
    if above == len(HORIZON_EDGES):
        return above, f">= {HORIZON_EDGES[-1]:.1f} s"
    return above, f"{HORIZON_EDGES[above - 1]:.1f}-{HORIZON_EDGES[above]:.1f} s"


GROUPINGS = {"start": _start_group, "horizon": _horizon_group}
"""Ways to split a checkpoint's episodes (``evaluate.py --by``): name -> the (order, label) of an episode's group,
by how it started (:data:`START_KINDS`) or by the time to its first goal (:data:`HORIZON_EDGES`)."""


@dataclass
class CheckpointResult:
    """The scored episodes of one checkpoint."""

    label: str
    checkpoint: Path
    scores: list[EpisodeScore]
    policy: str = "rsl_rl"
    """How the checkpoint acted (:data:`~interprior.eval.policies.POLICY_KINDS`)."""

    @property
    def summary(self) -> Summary:
        return summarize(self.scores)


def clip_summaries(result: CheckpointResult) -> list[tuple[str, int, Summary, EpisodeScore]]:
    """Per clip (in order of first appearance): its name, its number of episodes, their summary and the episode kept
    for it (:func:`~.metrics.keep_best`)."""
    by_clip: dict[str, list[EpisodeScore]] = {}
    for score in result.scores:
        by_clip.setdefault(score.clip, []).append(score)
    return [(clip, len(scores), summarize(scores), keep_best(scores)[0]) for clip, scores in by_clip.items()]


def group_summaries(result: CheckpointResult, by: str) -> list[tuple[str, int, Summary]]:
    """Per group of :data:`GROUPINGS` ``[by]`` (in the grouping's order): its label, its number of episodes and their
    summary (the kept episode of each clip within the group)."""
    group_of = GROUPINGS[by]
    groups: dict[tuple[float, str], list[EpisodeScore]] = {}
    for score in result.scores:
        groups.setdefault(group_of(score), []).append(score)
    return [(label, len(scores), summarize(scores)) for (_, label), scores in sorted(groups.items())]


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with a header rule; the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join([f"{first:<{widths[0]}}"] + [f"{cell:>{width}}" for cell, width in zip(rest, widths[1:])])

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *(line(row) for row in rows)])


def columns(results: list[CheckpointResult]) -> tuple[tuple[str, str, str], ...]:
    """:data:`COLUMNS`, plus :data:`GOAL_COLUMN` when the episodes pursued goals."""
    goals = any(math.isfinite(score.goals_reached) for result in results for score in result.scores)
    return COLUMNS + (GOAL_COLUMN,) if goals else COLUMNS


def _metric_cells(summary: Summary, shown: tuple[tuple[str, str, str], ...]) -> list[str]:
    return [format(getattr(summary, field), spec) for _, field, spec in shown]


def summary_table(task_name: str, results: list[CheckpointResult]) -> str:
    """Checkpoints in rows, the task's metrics in columns."""
    shown = columns(results)
    headers = [task_name, "clips", *(header for header, _, _ in shown)]
    rows = [[result.label, str(result.summary.clips), *_metric_cells(result.summary, shown)] for result in results]
    return format_table(headers, rows)


def clip_table(result: CheckpointResult) -> str:
    """One row per clip (its kept episode) and how it ended."""
    shown = tuple(column for column in columns([result]) if column[1] not in ACROSS_CLIPS_FIELDS)
    headers = ["clip", "episodes", *(header for header, _, _ in shown), "end"]
    rows = [
        [name, str(count), *_metric_cells(summary, shown), kept.cause]
        for name, count, summary, kept in clip_summaries(result)
    ]
    return format_table(headers, rows)


def group_table(result: CheckpointResult, by: str) -> str:
    """One row per group of the episodes split by ``by`` (a key of :data:`GROUPINGS`)."""
    shown = columns([result])
    headers = [by, "episodes", *(header for header, _, _ in shown)]
    rows = [
        [label, str(count), *_metric_cells(summary, shown)] for label, count, summary in group_summaries(result, by)
    ]
    return format_table(headers, rows)


PAIRED_COLUMNS = (
    ("d SR/ep %", "success", "+.1f"),
    ("SE %", "success_se", ".1f"),
    ("SE/clip %", "success_clip_se", ".1f"),
    ("only this", "only_this", "d"),
    ("only first", "only_reference", "d"),
    ("d E_h m", "body_error", "+.4f"),
    ("SE m", "body_error_se", ".4f"),
)
"""Columns of the paired table: header, :class:`PairedDifference` field, format."""


def paired_differences(results: list[CheckpointResult]) -> list[PairedDifference]:
    """Each checkpoint after the first minus the first, episode by episode."""
    return [paired_difference(result.scores, results[0].scores) for result in results[1:]]


def paired_table(task_name: str, results: list[CheckpointResult]) -> str:
    """One row per checkpoint after the first: its outcomes minus the first's over the episodes both played."""
    headers = [f"{task_name} vs {results[0].label}", "episodes", *(header for header, _, _ in PAIRED_COLUMNS)]
    rows = [
        [result.label, str(difference.episodes)]
        + [format(getattr(difference, field), spec) for _, field, spec in PAIRED_COLUMNS]
        for result, difference in zip(results[1:], paired_differences(results))
    ]
    return format_table(headers, rows)


def csv_text(results: list[CheckpointResult]) -> str:
    """The CSV: per checkpoint one row per clip, then its :data:`SUMMARY_ROW`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    shown = columns(results)
    writer.writerow(["checkpoint", "path", "clip", "episodes", *(field for _, field, _ in shown), "end"])
    for result in results:
        for name, count, summary, kept in clip_summaries(result):
            cells = _csv_metrics(summary, shown)
            writer.writerow([result.label, result.checkpoint, name, count, *cells, kept.cause])
        cells = _csv_metrics(result.summary, shown)
        writer.writerow([result.label, result.checkpoint, SUMMARY_ROW, len(result.scores), *cells, ""])
    return buffer.getvalue()


def _csv_metrics(summary: Summary, shown: tuple[tuple[str, str, str], ...]) -> list[str]:
    return [repr(float(getattr(summary, field))) for _, field, _ in shown]


def json_document(task_id: str, settings: dict, thresholds: dict, results: list[CheckpointResult]) -> dict:
    """Everything: the settings, the thresholds, and per checkpoint its summary, kept episode per clip, all episodes and
    (after the first) its paired difference from the first."""

    def finite_or_none(record: dict) -> dict:
        return {
            key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in record.items()
        }

    paired = [None, *(finite_or_none(asdict(difference)) for difference in paired_differences(results))]
    return {
        "task": task_id,
        "settings": settings,
        "thresholds": thresholds,
        "checkpoints": [
            {
                "label": result.label,
                "path": str(result.checkpoint),
                "policy": result.policy,
                "summary": finite_or_none(asdict(result.summary)),
                "paired_with_first": difference,
                "clips": [
                    {"episodes": counts[score.clip], **finite_or_none(asdict(score))}
                    for score in keep_best(result.scores)
                ],
                "episodes": [finite_or_none(asdict(score)) for score in result.scores],
            }
            for result, difference in zip(results, paired)
            for counts in [Counter(score.clip for score in result.scores)]
        ],
    }


def write_atomically(path: Path, write) -> Path:
    """Call ``write(temporary_path)`` and move the result onto ``path``; on failure ``path`` is left untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def write_report(
    out_dir: Path, stem: str, task_id: str, settings: dict, thresholds: dict, results: list[CheckpointResult]
) -> list[Path]:
    """Write ``<stem>.csv`` and ``<stem>.json`` into ``out_dir``; returns their paths."""
    document = json.dumps(json_document(task_id, settings, thresholds, results), indent=2)
    table = csv_text(results)
    return [
        write_atomically(out_dir / f"{stem}.csv", lambda path: path.write_text(table)),
        write_atomically(out_dir / f"{stem}.json", lambda path: path.write_text(document + "\n")),
    ]
