"""Run the whole InterPrior recipe: Stage 1 expert -> Stage 2 distillation -> Stage 3 fine-tuning -> evaluation.

Each stage runs the matching script (train.py, evaluate.py) in its own process and writes under --out; rerunning the
same command resumes: finished stages and evaluations are skipped, an interrupted stage continues from its newest
checkpoint. The quick preset fits a 2-core CPU on the bundled data; the full preset is for a GPU.

    python scripts/pipeline.py                                   # quick preset, bundled data, logs/pipeline/quick
    python scripts/pipeline.py --preset full --data /data/omomo   # <data>/train and <data>/test clips
    python scripts/pipeline.py --set expert_iterations=100 --set finetune_envs=32
    python scripts/pipeline.py --embodiment g1                    # on the Unitree G1, logs/pipeline/quick-g1
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from interprior.pipeline import PRESETS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument(
        "--embodiment", default="smpl", help="character of every task: smpl (our humanoid, default) or g1 (Unitree G1)"
    )
    parser.add_argument(
        "--out", default=None, help="output directory (default: logs/pipeline/<preset>, <preset>-<embodiment> for g1)"
    )
    parser.add_argument(
        "--data", default=None, help="dataset directory with train/ and test/ clips of the embodiment (default: bundled)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="override the preset's device (cpu or cuda:N)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="FIELD=INT", help="override an integer budget of the preset"
    )
    return parser.parse_args(argv)


def preset_with(name: str, device: str | None, settings: list[str]):
    """The preset ``name`` with the device and ``FIELD=INT`` budget overrides applied.

    Raises:
        ValueError: A setting is malformed or names no integer field of the preset.
    """
    from interprior.pipeline import PRESETS

    preset = PRESETS[name]
    integer_fields = [field.name for field in dataclasses.fields(preset) if isinstance(getattr(preset, field.name), int)]
    changes = {} if device is None else {"device": device}
    for setting in settings:
        key, _, value = setting.partition("=")
        if key not in integer_fields or not value.lstrip("-").isdigit():
            raise ValueError(f"--set {setting!r}: expected FIELD=INT with FIELD one of {', '.join(integer_fields)}")
        changes[key] = int(value)
    return dataclasses.replace(preset, **changes)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from interprior.pipeline import Pipeline, on_embodiment
    from interprior.pipeline.stages import PipelineError

    try:
        preset = on_embodiment(preset_with(args.preset, args.device, args.set), args.embodiment)
        name = args.preset if args.embodiment == "smpl" else f"{args.preset}-{args.embodiment}"
        out = Path(args.out or Path("logs") / "pipeline" / name)
        pipeline = Pipeline(out, preset, seed=args.seed, data=None if args.data is None else Path(args.data))
    except (ValueError, OSError) as error:
        sys.exit(f"pipeline.py: error: {error}")
    start = time.time()
    try:
        pipeline.run()
    except PipelineError as error:
        sys.exit(f"pipeline.py: error: {error}")
    print(f"[pipeline] finished in {time.time() - start:.0f} s; results in {out.resolve()}")


if __name__ == "__main__":
    main()
