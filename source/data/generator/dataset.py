"""The bundled dataset: which clips to generate from a seed, and writing them as canonical clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...assets.objects import get_object
from ..clip import Clip, save_clip
from ..kinematics import make_clip
from . import interactions
from .contacts import contact_labels
from .motions import FPS
from .plan import realise

BOXES = ("box_small", "box_medium", "box_large")
OBJECTS_FOR = {
    "lift": BOXES,
    "carry": BOXES,
    "put_down": BOXES,
    "push": ("box_large",),
    "sit": ("stool",),
}
"""Which library objects each interaction uses. Only the large box is pushed: reaching the lower boxes' near faces
takes a crouch deeper than the walking legs can keep flat on the ground within the joint limits."""

CLIPS_PER_SPLIT = {"train": 4, "test": 2}
"""Clips per interaction in each split."""


def generate_clip(interaction: str, object_name: str, seed: int) -> Clip:
    """One clip of ``interaction`` with ``object_name``, fully determined by ``seed``.

    Raises:
        ValueError: unknown interaction, or an object the interaction does not use.
    """
    if interaction not in OBJECTS_FOR:
        raise ValueError(f"unknown interaction {interaction!r}; known: {', '.join(OBJECTS_FOR)}")
    if object_name not in OBJECTS_FOR[interaction]:
        raise ValueError(f"interaction {interaction!r} uses {', '.join(OBJECTS_FOR[interaction])}, not {object_name!r}")
    plan = getattr(interactions, interaction)(np.random.default_rng(seed), get_object(object_name))
    joints = realise(plan)
    contact_object, contact_ground = contact_labels(
        object_name, plan.root_pos, plan.root_quat, joints, plan.object_pos, plan.object_quat
    )
    return make_clip(
        FPS, plan.root_pos, plan.root_quat, joints, object_name, plan.object_pos, plan.object_quat,
        contact_object, contact_ground, source=f"generator:{interaction}:{object_name}:seed={seed}",
    )  # fmt: skip


def dataset_entries(seed: int) -> dict[str, list[tuple[str, str, int]]]:
    """Per split, the (interaction, object, clip seed) of every clip; clip seeds derive from ``seed``."""
    rng = np.random.default_rng(seed)
    entries: dict[str, list[tuple[str, str, int]]] = {split: [] for split in CLIPS_PER_SPLIT}
    for split, count in CLIPS_PER_SPLIT.items():
        for shift, (interaction, objects) in enumerate(OBJECTS_FOR.items()):
            # shifting the object cycle per interaction lets even a small split hold every box
            for k in range(count):
                entries[split].append((interaction, objects[(k + shift) % len(objects)], int(rng.integers(2**31))))
    return entries


def generate_dataset(out_dir: Path, seed: int = 0) -> list[Path]:
    """Write the bundled dataset to ``out_dir/{train,test}/*.npz``; returns the written paths.

    Each file is written atomically, so an interrupted run leaves earlier clips intact.
    """
    out_dir = Path(out_dir)
    paths = []
    for split, entries in dataset_entries(seed).items():
        for index, (interaction, object_name, clip_seed) in enumerate(entries):
            clip = generate_clip(interaction, object_name, clip_seed)
            paths.append(save_clip(clip, out_dir / split / f"{interaction}_{object_name}_{index:02d}.npz"))
    return paths
