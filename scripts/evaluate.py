"""Evaluate trained InterPrior policies on fixed, seeded episodes and print the paper's metrics.

    python scripts/evaluate.py --checkpoint logs/rsl_rl/interprior_track/2026-11-25_12-49-23/model_199.pt
    python scripts/evaluate.py --checkpoint RUN_A --label expert --checkpoint RUN_B --label finetuned --clips train
    python scripts/evaluate.py --task all --checkpoint logs/rsl_rl/interprior_goals/<run> --label InterPrior \
        --checkpoint logs/rsl_rl/interprior_track/<run> --label MaskedMimic
    python scripts/evaluate.py --curves logs/rsl_rl/interprior_track/2026-11-25_12-49-23

Tasks (--task, repeatable; default Track): Track (full-reference tracking), Track-G1 (the same on the Unitree G1),
the sparse-goal tasks Snapshot, Trajectory, Contact and Goals (all families), the stress tests Chain (a clip's goals
in order, canonicalized to the humanoid between goals) and RandInit (random starts), and GetUp (from the ground);
"all" is every task but Track and Track-G1. A task may also be given by its gym id (InterPrior-Snapshot-v0).

Every clip of the task's objects in the clip set (test, train, or a file or directory of clips; test and train are
the task's embodiment's bundled clips) is played from its
first frame (moved as the task's random start for RandInit and GetUp), no pushes, nominal object dynamics, the
environments seeded with --seed. Repetitions after the first of a clip start with the task's reset perturbation;
per clip the best repetition is kept (InterMimic's rule). Track ends an episode at the clip's end, a fall, a drift or
diverged physics; the goal tasks after the last goal's window, a fall or diverged physics. Success, E_h, E_o and
Fail are defined in interprior.eval.metrics (Track) and interprior.eval.goal_metrics (goal tasks), with the
thresholds of interprior.eval.thresholds.

Policies act deterministically: an rsl_rl PPO checkpoint with its mean action; a distillation checkpoint (Stage 2,
or Stage 3 fine-tuned) on a goal task with the decoder of its prior mean, or with --sample-latent of a latent
sampled from its prior as the paper's inference does (one noise per episode from the policy's seeded generator, so
a run repeats). An rsl_rl checkpoint of the Track expert
on a goal task is the MaskedMimic-style baseline: it needs no training, the expert's future reference frames are
replaced by the nearest given goal frame at or after them, components the goal does not give as a zero residual
(interprior.eval.baseline).

--by start or --by horizon (repeatable) also prints each checkpoint's episodes split by how they started (the
clip's first frame; for RandInit moved, displaced object, or fallen) or by the time from the start to the first goal.
Every episode's start and goal horizon are in the JSON.

Several --checkpoint run on the same episodes and are printed side by side. Per task the table is written as CSV and
JSON with a success bar chart (PNG), next to the (first) checkpoint or into --out; with several tasks also a success
bar chart of all of them (eval_tasks_<clips>_success.png).

--curves draws the learning curves of a run's TensorBoard logs into <run>/learning_curves.png (or --out).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_TASK = "Track"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--checkpoint", action="append", help="checkpoint file or run directory (repeat to compare)")
    what.add_argument("--curves", metavar="RUN_DIR", help="draw the learning curves of this training run")
    parser.add_argument("--label", action="append", help="name of each --checkpoint in the tables, in order")
    parser.add_argument("--task", action="append", help=f"task name, gym id or 'all' (repeat; default {DEFAULT_TASK})")
    parser.add_argument("--clips", default="test", help="test, train, or a clip file or directory (default: test)")
    parser.add_argument("--num-envs", type=int, default=None, help="parallel worlds (default: one per episode, <= 16)")
    parser.add_argument("--episodes-per-clip", type=int, default=1, help="repetitions of every clip (default: 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sample-latent", action="store_true", help="distilled policies sample their prior instead of its mean"
    )
    parser.add_argument(
        "--by", action="append", default=[], metavar="GROUPING",
        help="also split each checkpoint's episodes by 'start' (how they began) or 'horizon' (time to the first goal)",
    )  # fmt: skip
    parser.add_argument("--device", default="cpu", help="torch and physics device, cpu or cuda:N")
    parser.add_argument("--tags", nargs="+", help="with --curves: the TensorBoard scalars to draw")
    parser.add_argument("--out", default=None, help="directory for the output files")
    return parser.parse_args(argv)


def fail(message: object) -> None:
    sys.exit(f"evaluate.py: error: {message}")


def draw_curves(args: argparse.Namespace) -> None:
    from interprior.eval.plots import plot_learning_curves

    run_dir = Path(args.curves)
    path = Path(args.out or run_dir) / "learning_curves.png"
    try:
        tags = plot_learning_curves(run_dir, path, args.tags)
    except (OSError, ValueError) as error:
        fail(error)
    print(f"[INFO] {len(tags)} learning curves written to {path}")


def default_labels(checkpoints: list[Path]) -> list[str]:
    """The checkpoint's file stem alone, or ``<run>/<stem>`` when several are compared."""
    if len(checkpoints) == 1:
        return [checkpoints[0].stem]
    return [f"{path.parent.name}/{path.stem}" for path in checkpoints]


def evaluate(args: argparse.Namespace) -> None:
    from interprior.agents.checkpoints import CheckpointError, resolve_checkpoint
    from interprior.eval.clip_set import NAMED_CLIP_SETS, clip_set_root
    from interprior.eval.plots import plot_success
    from interprior.eval.policies import policy_kind
    from interprior.eval.report import GROUPINGS
    from interprior.eval.tasks import eval_tasks
    from interprior.tasks.env_factory import load_env_cfg

    try:
        tasks = eval_tasks(args.task or [DEFAULT_TASK])
        for grouping in args.by:
            if grouping not in GROUPINGS:
                raise ValueError(f"--by {grouping!r}: episodes can be split by {', '.join(GROUPINGS)}")
        if args.label is not None and len(args.label) != len(args.checkpoint):
            raise ValueError(
                f"{len(args.label)} --label for {len(args.checkpoint)} --checkpoint; give one per checkpoint"
            )
        checkpoints = [resolve_checkpoint(path) for path in args.checkpoint]
        for task in tasks:  # a checkpoint no task can run fails before any evaluation
            for checkpoint in checkpoints:
                policy_kind(checkpoint, task.goal_task)
        roots = {task.name: clip_set_root(args.clips, load_env_cfg(task.task_id).embodiment) for task in tasks}
    except (OSError, ValueError) as error:
        fail(error)
    labels = args.label or default_labels(checkpoints)
    clip_set = args.clips if args.clips in NAMED_CLIP_SETS else Path(args.clips).stem
    out_dir = Path(args.out) if args.out else checkpoints[0].parent
    success = {}
    for task in tasks:
        try:
            success[task.name] = evaluate_task(args, task, checkpoints, labels, roots[task.name], clip_set, out_dir)
        except (CheckpointError, OSError, ValueError) as error:
            fail(error)
    if len(tasks) > 1:
        path = plot_success(success, out_dir / f"eval_tasks_{clip_set}_success.png")
        print(f"[INFO] success of every task: {path}")


def evaluate_task(args, task, checkpoints: list[Path], labels: list[str], root: Path, clip_set: str, out_dir: Path):
    """Evaluate every checkpoint on ``task``, print and write its tables; returns ``{label: success rate (%)}``."""
    from interprior.eval.clip_set import clips_of_objects, make_episodes
    from interprior.eval.episodes import run_episodes
    from interprior.eval.plots import plot_success
    from interprior.eval.policies import POLICY_KINDS, policy_kind
    from interprior.eval.report import (
        CheckpointResult,
        clip_table,
        group_table,
        paired_table,
        summary_table,
        write_report,
    )
    from interprior.eval.thresholds import THRESHOLDS
    from interprior.tasks.env_factory import load_env_cfg

    clip_files = clips_of_objects(root, task.clip_objects(load_env_cfg(task.task_id)))
    episodes = make_episodes(clip_files, root, args.episodes_per_clip)
    print(f"[INFO] {task.name}: {len(episodes)} episodes of {len(clip_files)} clips from {root}, seed {args.seed}")
    results = []
    for label, checkpoint in zip(labels, checkpoints):
        kind = policy_kind(checkpoint, task.goal_task, args.sample_latent)
        recorded = run_episodes(
            task, checkpoint, clip_files, episodes, args.num_envs, args.seed, args.device, THRESHOLDS,
            sample_latent=args.sample_latent,
        )
        scores = [task.score(episode, THRESHOLDS) for episode in recorded]
        results.append(CheckpointResult(label, checkpoint, scores, kind))
        print(f"\n{label} ({checkpoint}, {POLICY_KINDS[kind]}):\n{clip_table(results[-1])}")
        for grouping in args.by:
            print(f"\n{group_table(results[-1], grouping)}")
    print(f"\n{summary_table(task.name, results)}\n")
    if len(results) > 1:
        print(f"{paired_table(task.name, results)}\n")

    stem = f"{'compare' if len(results) > 1 else 'eval'}_{task.name}_{clip_set}"
    settings = {
        "evaluation": task.name,
        "clips": str(root),
        "episodes_per_clip": args.episodes_per_clip,
        "seed": args.seed,
        "sample_latent": args.sample_latent,
        "num_envs": args.num_envs,
        "device": args.device,
    }
    written = write_report(out_dir, stem, task.task_id, settings, THRESHOLDS.as_dict(), results)
    rates = {result.label: result.summary.success_rate for result in results}
    written.append(plot_success({task.name: rates}, out_dir / f"{stem}_success.png"))
    print("[INFO] written: " + ", ".join(str(path) for path in written))
    return rates


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.curves is not None:
        draw_curves(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
