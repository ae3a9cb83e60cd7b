"""The bundled dataset generator: reproducibility from the seed, physical plausibility, and the committed data."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from interprior.assets.objects import get_object
from interprior.assets.skeleton import BODY_NAMES, JOINT_NAMES
from interprior.data.clip import load_clip
from interprior.data.generator import INTERACTIONS, generate_clip, interactions
from interprior.data.generator.contacts import body_gaps
from interprior.data.generator.dataset import BOXES, OBJECTS_FOR
from interprior.data.generator.plan import PALM_POINT
from interprior.data.generator.posture import humanoid_model
from interprior.data.kinematics import lowest_foot_point

BUNDLED = Path(__file__).resolve().parents[1] / "source" / "data" / "bundled"
CASES = [(interaction, OBJECTS_FOR[interaction][-1]) for interaction in INTERACTIONS]
FEET = [BODY_NAMES.index(name) for name in ("L_Ankle", "L_Toe", "R_Ankle", "R_Toe")]
PALMS = [BODY_NAMES.index("L_Wrist"), BODY_NAMES.index("R_Wrist")]
HANDS = [BODY_NAMES.index(name) for name in ("L_Wrist", "L_Hand", "R_Wrist", "R_Hand")]
SOLE = np.array([0.065, 0.025, 0.065, 0.025])  # ankle and toe origins above the sole (m)


@lru_cache(maxsize=None)
def clip_of(interaction: str, object_name: str, seed: int):
    return generate_clip(interaction, object_name, seed)


@pytest.mark.parametrize("interaction, object_name", CASES)
def test_same_seed_same_plan_other_seed_differs(interaction, object_name):
    # the plan carries all the randomness; test_committed_clip_is_reproduced_from_its_seed covers the solved clip
    def plan(seed):
        return getattr(interactions, interaction)(np.random.default_rng(seed), get_object(object_name))

    first, again, other = plan(11), plan(11), plan(12)
    for name in ("root_pos", "joint_pos", "palms", "object_pos"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert first.num_frames != other.num_frames or not np.allclose(first.root_pos, other.root_pos)
    assert clip_of(interaction, object_name, 11).source == f"generator:{interaction}:{object_name}:seed=11"


@pytest.mark.parametrize("interaction, object_name", CASES)
def test_clip_is_physically_plausible(interaction, object_name):
    clip = clip_of(interaction, object_name, 11)
    spec = get_object(object_name)
    # a foot always on the ground and none in it: the feet's lowest box corner within 1 cm below and 2 mm above it
    lowest = lowest_foot_point(clip.root_pos, clip.root_quat, clip.joint_pos)
    assert lowest.min() > -0.01 and lowest.max() < 0.002
    # planted feet (origin at sole height) barely slide
    planted = clip.body_pos[:, FEET, 2] - SOLE < 0.005
    slide = np.linalg.norm(clip.body_lin_vel[:, FEET, :2], axis=-1)[planted]
    assert np.median(slide) < 0.1
    # no body inside the object by more than 1.5 cm in any frame (a reset into an overlap pops the object away)
    to_object, _ = body_gaps(object_name, clip.root_pos, clip.root_quat, clip.joint_pos, clip.object_pos, clip.object_quat)
    assert to_object.min() > -0.015
    # joints within the MJCF limits and smooth
    ranges = humanoid_model().jnt_range[1:]
    assert (clip.joint_pos >= ranges[:, 0] - 1e-4).all() and (clip.joint_pos <= ranges[:, 1] + 1e-4).all()
    assert np.abs(clip.joint_vel).max() < 20.0
    # the object rests on the ground unless a palm holds it; while held the palms touch it
    held = clip.contact_object[:, PALMS].all(axis=1)
    resting = ~held
    assert np.allclose(clip.object_pos[resting, 2], spec.half_height, atol=1e-4)
    if interaction == "sit":
        assert clip.contact_object[:, BODY_NAMES.index("L_Hip")].any()
    else:
        assert held.any()
        lifted = clip.object_pos[:, 2] > spec.half_height + 1e-3
        assert held[lifted].all()
        # steady arms while holding: the fastest arm hinge's median speed stays under 1 rad/s
        arms = [i for i, name in enumerate(JOINT_NAMES) if name.split("_")[1] in ("Shoulder", "Elbow", "Wrist")]
        assert np.median(np.abs(clip.joint_vel[held][:, arms]).max(axis=1)) < 1.0


def test_push_slides_the_box_on_the_ground_under_both_palms():
    clip = clip_of("push", "box_large", 11)
    spec = get_object("box_large")
    # the box stays on the ground, barely turns, and travels 1-2 m
    assert np.allclose(clip.object_pos[:, 2], spec.half_height, atol=1e-4)
    box = Rotation.from_quat(clip.object_quat)
    assert (box[0].inv() * box).magnitude().max() < 0.05
    assert 1.0 <= np.linalg.norm(clip.object_pos[-1, :2] - clip.object_pos[0, :2]) <= 2.0
    # while it slides, slower than a walk, both palms press its near (-x) face within 2 cm
    speed = np.linalg.norm(clip.object_lin_vel[:, :2], axis=1)
    sliding = speed > 0.05
    assert sliding.sum() > clip.fps and speed.max() < 1.0
    assert clip.contact_object[sliding][:, PALMS].all()
    for side, body in (("L", PALMS[0]), ("R", PALMS[1])):
        palm = clip.body_pos[:, body] + Rotation.from_quat(clip.body_quat[:, body]).apply(PALM_POINT[side])
        depth = box.inv().apply(palm - clip.object_pos)[:, 0] + 0.5 * spec.size[0]
        assert np.abs(depth[sliding]).max() < 0.02
    # only the hands touch it, and they let go before the end
    others = np.setdiff1d(np.arange(len(BODY_NAMES)), HANDS)
    assert not clip.contact_object[:, others].any()
    assert not clip.contact_object[-10:].any()


def test_bundled_dataset_covers_every_interaction_and_box():
    for split in ("train", "test"):
        files = sorted((BUNDLED / split).glob("*.npz"))
        assert files, f"no clips in {BUNDLED / split}"
        clips = [load_clip(path) for path in files]
        interactions = {clip.source.split(":")[1] for clip in clips}
        objects = {clip.object_name for clip in clips}
        assert interactions == set(INTERACTIONS)
        assert set(BOXES) <= objects
        assert all(clip.fps == 30.0 for clip in clips)


@pytest.mark.parametrize("interaction", ["sit", "push"])
def test_committed_clip_is_reproduced_from_its_seed(interaction):
    path = sorted((BUNDLED / "test").glob(f"{interaction}_*.npz"))[0]
    stored = load_clip(path)
    _, interaction, object_name, seed = stored.source.split(":")
    fresh = generate_clip(interaction, object_name, int(seed.removeprefix("seed=")))
    for name in ("root_pos", "root_quat", "joint_pos", "object_pos", "contact_object", "contact_ground"):
        np.testing.assert_allclose(getattr(fresh, name), getattr(stored, name), atol=1e-5)
