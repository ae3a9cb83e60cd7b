"""Figures of an evaluation and a training run: success rate bars and learning curves (PNG, matplotlib Agg)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator  # noqa: E402

from .report import write_atomically  # noqa: E402

CURVE_PREFIXES = ("Train/", "Metrics/", "Episode_Termination/")
"""TensorBoard scalars drawn by default: returns and episode lengths, tracking errors, termination causes."""


def plot_success(success: Mapping[str, Mapping[str, float]], path: Path) -> Path:
    """Bar chart of success rates, one group per task and one bar per checkpoint.

    Args:
        success: ``{task: {checkpoint label: success rate (%)}}``.
        path: The PNG to write.
    """
    tasks = list(success)
    labels = list(dict.fromkeys(label for rates in success.values() for label in rates))
    width = 0.8 / len(labels)
    figure, axes = plt.subplots(figsize=(max(4.0, 1.2 + 1.5 * len(tasks) * len(labels) ** 0.5), 3.6))
    for index, label in enumerate(labels):
        positions = [task + (index - (len(labels) - 1) / 2) * width for task in range(len(tasks))]
        rates = [success[task].get(label, math.nan) for task in tasks]
        bars = axes.bar(positions, rates, width, label=label)
        axes.bar_label(bars, fmt="%.1f", fontsize=8)
    axes.set_xticks(range(len(tasks)), tasks)
    axes.set_ylim(0, 105)
    axes.set_ylabel("success rate (%)")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=120, format="png"))
    plt.close(figure)
    return path


def read_scalars(run_dir: Path) -> dict[str, tuple[list[int], list[float]]]:
    """Every scalar of the TensorBoard events in ``run_dir``: ``{tag: (steps, values)}``.

    Raises:
        FileNotFoundError: ``run_dir`` holds no TensorBoard event file.
    """
    if not any(Path(run_dir).glob("events.out.tfevents.*")):
        raise FileNotFoundError(f"{run_dir}: no TensorBoard event file (events.out.tfevents.*)")
    events = EventAccumulator(str(run_dir), size_guidance={SCALARS: 0})  # 0 keeps every point
    events.Reload()
    return {
        tag: ([event.step for event in events.Scalars(tag)], [event.value for event in events.Scalars(tag)])
        for tag in events.Tags()[SCALARS]
    }


def plot_learning_curves(run_dir: Path, path: Path, tags: Sequence[str] | None = None) -> list[str]:
    """One panel per scalar of a training run against the learning iteration.

    Args:
        run_dir: A run directory with TensorBoard events.
        path: The PNG to write.
        tags: Scalars to draw (default: those starting with one of :data:`CURVE_PREFIXES`).

    Returns:
        The tags drawn.

    Raises:
        FileNotFoundError: No event file in ``run_dir``.
        ValueError: None of the requested scalars was logged; the message lists the logged ones.
    """
    scalars = read_scalars(run_dir)
    if tags is None:
        # "<tag>/time" copies of a scalar are logged against wall-clock seconds, not iterations
        tags = [
            tag for prefix in CURVE_PREFIXES for tag in scalars if tag.startswith(prefix) and not tag.endswith("/time")
        ]
    wanted = list(tags)
    drawn = [tag for tag in wanted if tag in scalars]
    if not drawn:
        raise ValueError(f"{run_dir}: none of the scalars {wanted} was logged; logged: {', '.join(sorted(scalars))}")
    columns = min(3, len(drawn))
    rows = math.ceil(len(drawn) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False)
    for panel, tag in zip(axes.flat, drawn):
        steps, values = scalars[tag]
        panel.plot(steps, values, marker="." if len(steps) < 20 else None)
        panel.set_title(tag, fontsize=9)
        panel.set_xlabel("iteration", fontsize=8)
        panel.tick_params(labelsize=7)
    for panel in list(axes.flat)[len(drawn) :]:
        panel.set_visible(False)
    figure.suptitle(str(run_dir), fontsize=9)
    figure.tight_layout()
    write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))
    plt.close(figure)
    return drawn
