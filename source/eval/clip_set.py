"""Which clips an evaluation runs, and its episodes: every clip of the task's object, each repeated R times."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interprior.data import BUNDLED_DATASETS
from interprior.data.clip import load_clip

NAMED_CLIP_SETS = ("test", "train")
"""Clip sets addressed by name: the folders of the embodiment's bundled dataset; anything else is a clip file or a
directory searched recursively."""


@dataclass(frozen=True)
class Episode:
    """One evaluation episode: a clip played from its first frame."""

    index: int
    """Position in the evaluation's episode list."""
    clip: int
    """Index of the clip in the evaluation's clip list (and in the reference command's library)."""
    name: str
    """The clip's name: its path relative to the clip set, without ``.npz``."""
    repeat: int
    """Which repetition of the clip this is; repetition 0 starts exactly on the reference."""


START_DRAWS, GOAL_DRAWS, LATENT_NOISE = range(3)
"""The kinds of an evaluation episode's random draws (:func:`episode_seed`): its start (the repetition perturbation and
a random start's moves), its goals (each goal's horizon, family and mask) and the policy's latent noise."""


def episode_seed(env_seed: int | None, episode: int, *draw: int) -> int:
    """The seed of one kind of random draw of evaluation episode ``episode`` (its :attr:`Episode.index`; -1 for an
    idle environment) in an environment seeded with ``env_seed``.

    ``draw`` names the kind (a stream number, then any indices, e.g. which goal of a chain). The seed depends on
    nothing else, in particular not on which environment plays the episode or when: so every checkpoint evaluated
    with the same seed gets the same starts, goals and latent noise in the same episode, and comparisons are paired.
    """
    entropy = [(env_seed or 0) & 0xFFFFFFFFFFFFFFFF, episode + 1, *draw]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0])


def clip_set_root(clips: str, embodiment: str = "smpl") -> Path:
    """The directory or file behind a ``--clips`` value: ``test`` or ``train`` of ``embodiment``'s bundled dataset,
    or a path.

    Raises:
        FileNotFoundError: The path does not exist.
    """
    root = BUNDLED_DATASETS[embodiment] / clips if clips in NAMED_CLIP_SETS else Path(clips)
    if not root.exists():
        raise FileNotFoundError(f"clip set {clips}: no such file or directory {root}")
    return root


def clips_of_objects(root: Path, object_names: tuple[str, ...]) -> list[Path]:
    """The clip files under ``root`` (a ``.npz`` file or a directory) whose object is one of ``object_names``, sorted.

    Raises:
        ClipFormatError: A file is not a valid clip (names the file and the field).
        ValueError: No clip of those objects is there.
    """
    files = [root] if root.is_file() else sorted(root.rglob("*.npz"))
    found = [path for path in files if load_clip(path).object_name in object_names]
    if not found:
        raise ValueError(
            f"clip set {root} holds no clip of the task's objects {', '.join(object_names)} "
            f"({len(files)} clip files in all)"
        )
    return found


def clip_name(path: Path, root: Path) -> str:
    """``path`` relative to the clip set ``root``, without ``.npz``."""
    return path.stem if root.is_file() else path.relative_to(root).with_suffix("").as_posix()


def make_episodes(clip_files: list[Path], root: Path, repeats: int) -> list[Episode]:
    """``repeats`` episodes of every clip, clip by clip.

    Raises:
        ValueError: ``repeats`` is below 1.
    """
    if repeats < 1:
        raise ValueError(f"episodes per clip must be at least 1, got {repeats}")
    pairs = [(clip, repeat) for clip in range(len(clip_files)) for repeat in range(repeats)]
    return [
        Episode(index=index, clip=clip, name=clip_name(clip_files[clip], root), repeat=repeat)
        for index, (clip, repeat) in enumerate(pairs)
    ]
