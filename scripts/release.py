"""Write a trained checkpoint for sharing: the models, iteration, infos and configs, without the optimizer state.

Takes a Stage 1 (rsl_rl PPO) checkpoint or a Stage 2 / Stage 3 (distillation, fine-tuning) one. A released checkpoint
is a third of the size of a training one (Adam holds two moments per parameter); ``--half`` stores the weight
matrices in float16, halving it again. play.py, evaluate.py, --expert and --init load it as they load any checkpoint;
training resumed from it starts a fresh optimizer. The shipped checkpoints were written this way:

    python scripts/release.py --checkpoint logs/rsl_rl/interprior_track/<run>/model_1200.pt \\
        --out source/agents/pretrained/track_expert.pt
    python scripts/release.py --checkpoint logs/rsl_rl/interprior_goals/<run>/model_<iteration>.pt --half \\
        --out source/agents/pretrained/goals_student.pt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="checkpoint file or run directory (its newest)")
    parser.add_argument("--out", type=Path, required=True, help="the released checkpoint to write")
    parser.add_argument("--half", action="store_true", help="store the weight matrices in float16")
    args = parser.parse_args()

    from interprior.agents.checkpoints import release_checkpoint, resolve_checkpoint

    try:
        checkpoint = resolve_checkpoint(args.checkpoint)
        released = release_checkpoint(checkpoint, args.out, half=args.half)
    except ValueError as error:
        sys.exit(f"release.py: error: {error}")
    megabytes = args.out.stat().st_size / 1e6
    print(f"released {checkpoint} (iteration {released['iter']}) as {args.out}: {megabytes:.1f} MB")


if __name__ == "__main__":
    main()
