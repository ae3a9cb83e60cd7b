"""Evaluate trained InterPrior policies on fixed, seeded episodes and print the paper's metrics.

    python scripts/evaluate.py --checkpoint logs/rsl_rl/interprior_track/2026-11-25_12-49-23/model_199.pt
    python scripts/evaluate.py --checkpoint RUN_A --label expert --checkpoint RUN_B --label finetuned --clips train
    python scripts/evaluate.py --curves logs/rsl_rl/interprior_track/2026-11-25_12-49-23

Every clip of the task's object in the clip set (test, train, or a file or directory of clips) is played from its
first frame with the policy's mean action, no pushes, nominal object dynamics and the environments seeded with
--seed, until the clip ends or the episode terminates early (fall, drift, diverged physics). Repetitions after the
first of a clip start with the task's reset perturbation; per clip the best repetition is kept (InterMimic's
rule). Several --checkpoint run on the same episodes and are printed side by side. The table is also written as
CSV and JSON, with a success bar chart (PNG), next to the (first) checkpoint or into --out.

--curves draws the learning curves of a run's TensorBoard logs into <run>/learning_curves.png (or --out).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_TASK = "InterPrior-Track-v0"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--checkpoint", action="append", help="checkpoint file or run directory (repeat to compare)")
    what.add_argument("--curves", metavar="RUN_DIR", help="draw the learning curves of this training run")
    parser.add_argument("--label", action="append", help="name of each --checkpoint in the tables, in order")
    parser.add_argument("--task", default=DEFAULT_TASK)
    parser.add_argument("--clips", default="test", help="test, train, or a clip file or directory (default: test)")
    parser.add_argument("--num-envs", type=int, default=None, help="parallel worlds (default: one per episode, <= 16)")
    parser.add_argument("--episodes-per-clip", type=int, default=1, help="repetitions of every clip (default: 1)")
    parser.add_argument("--seed", type=int, default=0)
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
    from interprior.agents.runner import load_task_configs
    from interprior.eval.clip_set import NAMED_CLIP_SETS, clip_set_root, clips_of_objects, make_episodes
    from interprior.eval.episodes import run_episodes
    from interprior.eval.plots import plot_success
    from interprior.eval.report import CheckpointResult, clip_table, summary_table, write_report
    from interprior.eval.tasks import eval_task
    from interprior.eval.thresholds import THRESHOLDS

    try:
        task = eval_task(args.task)
        if args.label is not None and len(args.label) != len(args.checkpoint):
            raise ValueError(
                f"{len(args.label)} --label for {len(args.checkpoint)} --checkpoint; give one per checkpoint"
            )
        checkpoints = [resolve_checkpoint(path) for path in args.checkpoint]
        labels = args.label or default_labels(checkpoints)
        env_cfg, _ = load_task_configs(task.task_id)
        root = clip_set_root(args.clips)
        clip_files = clips_of_objects(root, task.clip_objects(env_cfg))
        episodes = make_episodes(clip_files, root, args.episodes_per_clip)
    except (OSError, ValueError) as error:
        fail(error)
    print(f"[INFO] {task.name}: {len(episodes)} episodes of {len(clip_files)} clips from {root}, seed {args.seed}")

    results = []
    for label, checkpoint in zip(labels, checkpoints):
        try:
            recorded = run_episodes(
                task, checkpoint, clip_files, episodes, args.num_envs, args.seed, args.device, THRESHOLDS
            )
        except CheckpointError as error:
            fail(error)
        scores = [task.score(episode, THRESHOLDS) for episode in recorded]
        results.append(CheckpointResult(label, checkpoint, scores))
        print(f"\n{label} ({checkpoint}):\n{clip_table(results[-1])}")
    print(f"\n{summary_table(task.name, results)}\n")

    clip_set = args.clips if args.clips in NAMED_CLIP_SETS else Path(args.clips).stem
    stem = f"{'compare' if len(results) > 1 else 'eval'}_{task.name}_{clip_set}"
    out_dir = Path(args.out) if args.out else checkpoints[0].parent
    settings = {
        "clips": str(root),
        "episodes_per_clip": args.episodes_per_clip,
        "seed": args.seed,
        "num_envs": args.num_envs,
        "device": args.device,
    }
    written = write_report(out_dir, stem, task.task_id, settings, THRESHOLDS.as_dict(), results)
    success = {task.name: {result.label: result.summary.success_rate for result in results}}
    written.append(plot_success(success, out_dir / f"{stem}_success.png"))
    print("[INFO] written: " + ", ".join(str(path) for path in written))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.curves is not None:
        draw_curves(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
