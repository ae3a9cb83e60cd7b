"""Write a trained PPO checkpoint for sharing: the models, iteration and infos, without the optimizer state.

A released checkpoint is a third of the size of a training one (the optimizer holds two moments per parameter).
play.py, evaluate.py and --expert load it as they load any checkpoint; training resumed from it starts a fresh
optimizer. The shipped Track expert was written this way:

    python scripts/release.py --checkpoint logs/rsl_rl/interprior_track/<run>/model_1200.pt \\
        --out source/agents/pretrained/track_expert.pt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="PPO checkpoint file or run directory (its newest)")
    parser.add_argument("--out", type=Path, required=True, help="the released checkpoint to write")
    args = parser.parse_args()

    from interprior.agents.checkpoints import release_checkpoint, resolve_checkpoint

    try:
        checkpoint = resolve_checkpoint(args.checkpoint)
        released = release_checkpoint(checkpoint, args.out)
    except ValueError as error:
        sys.exit(f"release.py: error: {error}")
    megabytes = args.out.stat().st_size / 1e6
    print(f"released {checkpoint} (iteration {released['iter']}) as {args.out}: {megabytes:.1f} MB")


if __name__ == "__main__":
    main()
