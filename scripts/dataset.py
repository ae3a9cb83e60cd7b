"""Dataset tools: convert public HOI datasets, fetch the real sample clips, retarget, validate, summarise, preview,
generate.

Run ``python scripts/dataset.py <command> --help``. The logic lives in :mod:`interprior.data.formats`; this script
parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The repository root: data/ below it holds fetched samples (git-ignored)."""


def _convert(args: argparse.Namespace) -> int:
    from interprior.data.formats import convert_path, parse_object_map

    try:
        object_map = parse_object_map(args.object_map)
        report = convert_path(args.format, args.src, args.dst, object_map)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in report.written:
        print(f"wrote {path}")
    for path, reason in report.failed:
        print(f"FAILED {path}: {reason}", file=sys.stderr)
    print(f"{len(report.written)} clips written, {len(report.failed)} sources failed")
    return 1 if report.failed else 0


def _fetch_samples(args: argparse.Namespace) -> int:
    from interprior.data.formats.samples import SAMPLE_LICENSE, fetch_samples

    print(SAMPLE_LICENSE)
    try:
        paths = fetch_samples(args.dest)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"sample {path}")
    return 0


def _retarget(args: argparse.Namespace) -> int:
    from interprior.data.retarget import retarget_directory

    try:
        report = retarget_directory(args.src, args.dst, args.embodiment)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path, reason in report.failed:
        print(f"FAILED {path}: {reason}", file=sys.stderr)
    print(f"{len(report.written)} clips retargeted to {args.embodiment} in {args.dst}, {len(report.failed)} failed")
    return 1 if report.failed else 0


def _validate(args: argparse.Namespace) -> int:
    from interprior.data.clip import ClipFormatError, load_clip
    from interprior.data.formats.summary import clip_paths

    bad = 0
    for path in clip_paths(args.paths):
        try:
            load_clip(path)
            print(f"OK {path}")
        except ClipFormatError as error:
            bad += 1
            print(f"BAD {error}")
    return 1 if bad else 0


def _stats(args: argparse.Namespace) -> int:
    from interprior.data.clip import ClipFormatError, load_clip
    from interprior.data.formats.summary import DatasetStats, clip_paths

    stats, bad = DatasetStats(), 0
    for path in clip_paths(args.paths):
        try:
            stats.add(load_clip(path))
        except ClipFormatError as error:
            bad += 1
            print(f"skipped: {error}", file=sys.stderr)
    print("\n".join(stats.lines()))
    return 1 if bad else 0


def _preview(args: argparse.Namespace) -> int:
    from interprior.data.clip import load_clip
    from interprior.data.preview import render_clip

    render_clip(load_clip(args.clip), args.out)
    print(f"wrote {args.out}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from interprior.data.generator import generate_dataset

    generate_dataset(args.out, args.seed)
    print(f"generated the dataset in {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from interprior.data import BUNDLED_DATASET
    from interprior.data.formats import FORMATS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    convert = commands.add_parser("convert", help="convert a dataset file or directory into canonical clips")
    convert.add_argument("--format", required=True, choices=sorted(FORMATS))
    convert.add_argument("src", type=Path, help="a source file / sequence directory, or a directory of them")
    convert.add_argument("dst", type=Path, help="output directory, one <sequence>.npz per sequence")
    convert.add_argument(
        "--object-map", action="append", default=[], metavar="NAME=LIBRARY_NAME",
        help="map a dataset object to a library object (repeatable; overrides the default table)",
    )  # fmt: skip
    convert.set_defaults(run=_convert)

    fetch = commands.add_parser(
        "fetch-samples", help="download and convert the real OMOMO sample clips (our humanoid and the G1)"
    )
    fetch.add_argument("--dest", type=Path, default=REPO / "data" / "samples")
    fetch.set_defaults(run=_fetch_samples)

    retarget = commands.add_parser("retarget", help="retarget our humanoid's clips to another embodiment (the G1)")
    retarget.add_argument("src", type=Path, help="directory of clips of our humanoid (searched recursively)")
    retarget.add_argument("dst", type=Path, help="output directory; clips keep their relative paths")
    retarget.add_argument("--embodiment", default="g1")
    retarget.set_defaults(run=_retarget)

    validate = commands.add_parser("validate", help="check clips (files or directories); non-zero exit if any is bad")
    validate.add_argument("paths", nargs="+", type=Path)
    validate.set_defaults(run=_validate)

    stats = commands.add_parser("stats", help="clips, frames, hours, objects, fps and contact-label fractions")
    stats.add_argument("paths", nargs="+", type=Path)
    stats.set_defaults(run=_stats)

    preview = commands.add_parser("preview", help="render a clip to a .png or .gif")
    preview.add_argument("clip", type=Path)
    preview.add_argument("out", type=Path)
    preview.set_defaults(run=_preview)

    generate = commands.add_parser("generate", help="generate the bundled procedural dataset")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--out", type=Path, default=BUNDLED_DATASET)
    generate.set_defaults(run=_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
