"""``python -m interprior.data.generator [--seed N] [--out DIR]``: write the bundled dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import BUNDLED_DATASET
from . import generate_dataset

DEFAULT_OUT = BUNDLED_DATASET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args()
    paths = generate_dataset(args.out, args.seed)
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"wrote {len(paths)} clips ({size:.1f} MB) to {args.out}")


if __name__ == "__main__":
    main()
