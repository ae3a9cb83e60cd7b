"""Embodiments on the data side: clips that know their character, G1 clips from holosoma, retargeting to the G1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from interprior.assets.embodiment import SMPL, embodiment_names, get_embodiment
from interprior.data import BUNDLED_DATASET
from interprior.data.clip import ClipFormatError, load_clip, save_clip
from interprior.data.formats import SourceFormatError, convert_holosoma, convert_path
from interprior.data.generator.posture import joint_limits
from interprior.data.kinematics import forward_kinematics, lowest_foot_point
from interprior.data.retarget import BODY_MAPS, retarget_clip

REPO = Path(__file__).resolve().parents[1]
G1_SAMPLE = REPO / "data" / "samples" / "g1" / "sub3_largebox_003.npz"
G1 = get_embodiment("g1")
FOOT_TOLERANCE = 0.04
"""A retargeted G1 foot whose human foot is on the ground is at most this high (m), and no foot goes below it."""
HAND_TOLERANCE = 0.07
"""Mean distance of a retargeted G1 hand to the scaled human hand, relative to the pelvis (m): the G1's arms are
shorter than the human's scaled by leg length, so a stretched arm falls a few centimetres short (4.9 cm here)."""


def wxyz(quat: np.ndarray) -> np.ndarray:
    return np.roll(quat, 1, axis=-1)


def holosoma_file(path: Path, num_frames: int = 51, fps: float = 50.0, **drop) -> Path:
    """A G1 clip in holosoma's layout: the G1 in its standing keyframe walking +x at 0.5 m/s while turning about z
    at 0.5 rad/s, its left knee bending at 1 rad/s, a box resting at (1, 0.2, 0.2); keys in ``drop`` are left out."""
    times = np.arange(num_frames) / fps
    stand = G1.mujoco_model().key("stand").qpos
    qpos = np.tile(stand, (num_frames, 1))
    qpos[:, 0] = 0.5 * times
    qpos[:, 3:7] = wxyz(Rotation.from_rotvec(np.outer(0.5 * times, [0, 0, 1])).as_quat())
    knee = 7 + G1.joint_names.index("left_knee_joint")
    qpos[:, knee] = stand[knee] + 1.0 * times
    arrays = {
        "fps": np.array([int(fps)]),
        "joint_pos": qpos,
        "joint_vel": np.zeros((num_frames, 35)),
        "joint_names": np.array(G1.joint_names),
        "object_pos_w": np.tile([1.0, 0.2, 0.2], (num_frames, 1)),
        "object_quat_w": np.tile([1.0, 0.0, 0.0, 0.0], (num_frames, 1)),
    }
    for key in drop:
        arrays.pop(key)
    np.savez(path, **arrays)
    return path


def test_registered_embodiments_name_their_bodies_and_hinges_as_their_mjcf_does():
    assert set(embodiment_names()) == {"smpl", "g1"}
    assert (len(SMPL.body_names), len(SMPL.joint_names)) == (24, 69)
    assert (len(G1.body_names), len(G1.joint_names)) == (30, 29)
    for embodiment in (SMPL, G1):
        model = embodiment.mujoco_model()
        assert tuple(model.body(i).name for i in range(1, model.nbody)) == embodiment.body_names
        for names in (embodiment.key_bodies, embodiment.hand_bodies, embodiment.foot_bodies):
            embodiment.body_ids(names)  # every role names a real body
    with pytest.raises(KeyError, match="registered: smpl, g1"):
        get_embodiment("h1")
    with pytest.raises(KeyError, match="g1 has no body 'L_Wrist'"):
        G1.body_index("L_Wrist")


def test_holosoma_g1_clip_converts_to_a_30_hz_g1_clip(tmp_path):
    [clip] = convert_holosoma(holosoma_file(tmp_path / "sub1_largebox_000_mj_w_obj.npz"))
    assert clip.embodiment == "g1" and clip.fps == 30.0 and clip.num_frames == 31  # 1 s at 30 Hz
    assert clip.object_name == "box_large" and clip.source == "holosoma:sub1_largebox_000"
    times = np.arange(31) / 30.0
    np.testing.assert_allclose(clip.root_pos[:, 0], 0.5 * times, atol=1e-5)
    yaw = Rotation.from_quat(clip.root_quat).as_rotvec()[:, 2]
    np.testing.assert_allclose(yaw, 0.5 * times, atol=1e-5)
    knee = G1.joint_names.index("left_knee_joint")
    np.testing.assert_allclose(clip.joint_vel[1:-1, knee], 1.0, atol=1e-4)
    np.testing.assert_allclose(clip.object_pos[0], [1.0, 0.2, 0.2], atol=1e-6)
    body_pos, _ = forward_kinematics(clip.root_pos, clip.root_quat, clip.joint_pos, G1)
    np.testing.assert_allclose(clip.body_pos, body_pos, atol=1e-5)
    assert (clip.contact_object == -1).all(), "holosoma files carry no contact labels"

    saved = save_clip(clip, tmp_path / "clip.npz")
    loaded = load_clip(saved)
    assert loaded.embodiment == "g1" and loaded.body_pos.shape == (31, 30, 3)
    report = convert_path("holosoma", tmp_path, tmp_path / "out")
    assert [path.name for path in report.written] == ["sub1_largebox_000.npz"] and not report.failed


def test_holosoma_files_without_an_object_or_with_other_hinges_are_refused(tmp_path):
    with pytest.raises(SourceFormatError, match="object_pos_w.*missing"):
        convert_holosoma(holosoma_file(tmp_path / "sub1_largebox_000_mj.npz", object_pos_w=None))
    path = holosoma_file(tmp_path / "sub1_largebox_001_mj_w_obj.npz")
    arrays = dict(np.load(path))
    arrays["joint_names"] = arrays["joint_names"][::-1]
    np.savez(path, **arrays)
    with pytest.raises(SourceFormatError, match="joint_names.*Menagerie G1"):
        convert_holosoma(path)


def test_a_clip_is_read_only_as_the_embodiment_it_was_written_for(tmp_path):
    clip = load_clip(BUNDLED_DATASET / "train" / "carry_box_large_05.npz")
    assert clip.embodiment == "smpl", "clips written before embodiments existed are our humanoid's"
    clip.embodiment = "g1"
    with pytest.raises(ClipFormatError, match="joint_pos.*shape"):
        save_clip(clip, tmp_path / "wrong.npz")
    assert not (tmp_path / "wrong.npz").exists()
    clip.embodiment = "h1"
    with pytest.raises(ClipFormatError, match="unknown embodiment 'h1'"):
        save_clip(clip, tmp_path / "unknown.npz")
    clip.embodiment = "smpl"
    path = save_clip(clip, tmp_path / "smpl.npz")
    arrays = dict(np.load(path))
    arrays["embodiment"] = np.str_("g1")
    np.savez(path, **arrays)
    with pytest.raises(ClipFormatError, match="body_names.*30 bodies of g1"):
        load_clip(path)


@pytest.fixture(scope="module")
def retargeted():
    human = load_clip(BUNDLED_DATASET / "train" / "carry_box_large_05.npz")
    return human, retarget_clip(human, "g1")


def test_a_retargeted_clip_keeps_the_g1_within_its_joint_limits(retargeted):
    _, clip = retargeted
    assert clip.embodiment == "g1" and clip.joint_pos.shape[1] == 29
    ranges = G1.mujoco_model().jnt_range[1:]
    assert (clip.joint_pos >= ranges[:, 0] - 1e-6).all() and (clip.joint_pos <= ranges[:, 1] + 1e-6).all()
    lower, upper = joint_limits(G1)
    assert (clip.joint_pos > lower - 1e-4).all() and (clip.joint_pos < upper + 1e-4).all()


def test_a_retargeted_clip_keeps_the_g1_feet_on_the_ground_where_the_human_feet_are(retargeted):
    human, clip = retargeted
    for human_foot, foot in zip(("L_Ankle", "R_Ankle"), BODY_MAPS["g1"].feet):
        height = lowest_foot_point(clip.root_pos, clip.root_quat, clip.joint_pos, G1, (foot,))
        on_ground = human.contact_ground[:, SMPL.body_index(human_foot)] == 1
        assert on_ground.sum() > 20, "the human walks: each foot is on the ground for a while"
        assert height.min() > -FOOT_TOLERANCE, f"{foot} goes {-height.min():.3f} m into the ground"
        assert height[on_ground].max() < FOOT_TOLERANCE, f"{foot} floats {height[on_ground].max():.3f} m up"


def test_a_retargeted_clip_follows_the_scaled_human_hands_and_path(retargeted):
    human, clip = retargeted
    scale = clip.root_pos[-1, :2] - clip.root_pos[0, :2]
    travelled = human.root_pos[-1, :2] - human.root_pos[0, :2]
    ratio = np.linalg.norm(scale) / np.linalg.norm(travelled)
    assert 0.6 < ratio < 0.95, f"the G1's path is the human's scaled by its shorter legs, got {ratio:.2f}"
    for human_hand, hand in (("L_Wrist", "left_wrist_yaw_link"), ("R_Wrist", "right_wrist_yaw_link")):
        relative_g1 = clip.body_pos[:, G1.body_index(hand)] - clip.root_pos
        relative_human = (human.body_pos[:, SMPL.body_index(human_hand)] - human.root_pos) * ratio
        error = np.linalg.norm(relative_g1 - relative_human, axis=-1)
        assert error.mean() < HAND_TOLERANCE, f"{hand} is {error.mean():.3f} m from the scaled human hand on average"


@pytest.mark.skipif(not G1_SAMPLE.is_file(), reason="fetched at set-up by scripts/dataset.py fetch-samples")
def test_the_real_holosoma_clip_poses_the_menagerie_g1_as_holosoma_posed_its_g1():
    clip = load_clip(G1_SAMPLE)
    assert clip.embodiment == "g1" and clip.object_name == "box_large" and clip.num_frames == 195  # 6.5 s at 30 Hz
    lower, upper = G1.mujoco_model().jnt_range[1:].T
    assert ((clip.joint_pos >= lower - 1e-3) & (clip.joint_pos <= upper + 1e-3)).all()
    height = lowest_foot_point(clip.root_pos, clip.root_quat, clip.joint_pos, G1, BODY_MAPS["g1"].feet)
    assert np.abs(height).max() < FOOT_TOLERANCE, "holosoma's clip keeps a foot on the ground throughout"


def test_a_motion_library_holds_the_clips_of_one_embodiment():
    from interprior.data import BUNDLED_DATASETS
    from interprior.data.motion_library import MotionLibrary

    smpl_clip = BUNDLED_DATASETS["smpl"] / "train" / "carry_box_large_05.npz"
    g1_clip = BUNDLED_DATASETS["g1"] / "train" / "carry_box_large_05.npz"
    assert MotionLibrary.from_paths(g1_clip, progress=False, embodiment="g1").embodiment == "g1"
    with pytest.raises(ValueError, match="clips of one embodiment"):
        MotionLibrary.from_paths([smpl_clip, g1_clip], progress=False)
    with pytest.raises(ValueError, match="a clip of smpl, but these clips must be of g1"):
        MotionLibrary.from_paths(smpl_clip, progress=False, embodiment="g1")


def test_the_bundled_g1_dataset_is_the_bundled_dataset_retargeted():
    from interprior.data import BUNDLED_DATASETS

    human = sorted(path.relative_to(BUNDLED_DATASETS["smpl"]) for path in BUNDLED_DATASETS["smpl"].rglob("*.npz"))
    g1 = sorted(path.relative_to(BUNDLED_DATASETS["g1"]) for path in BUNDLED_DATASETS["g1"].rglob("*.npz"))
    assert human == g1
    clip = load_clip(BUNDLED_DATASETS["g1"] / human[0])
    assert clip.embodiment == "g1" and clip.source.endswith(">retarget:g1")


def test_tracking_scores_the_key_bodies_of_the_episode_embodiment():
    from interprior.eval.metrics import TrackedEpisode, score_tracking

    steps, bodies = 5, len(G1.body_names)
    reference = np.zeros((steps, bodies, 3))
    reference[:, :, 2] = 0.8
    moved = reference.copy()
    moved[:, G1.body_index("waist_yaw_link"), 0] += 0.3  # not a key body of the G1
    episode = dict(clip="c", repeat=0, ref_body_pos=reference, object_pos=np.zeros((steps, 3)),
                   ref_object_pos=np.zeros((steps, 3)), reached_end=True, embodiment="g1")  # fmt: skip
    assert score_tracking(TrackedEpisode(body_pos=moved, **episode)).body_error == 0.0
    moved[:, G1.body_index("left_wrist_yaw_link"), 0] += 0.3
    score = score_tracking(TrackedEpisode(body_pos=moved, **episode))
    assert score.body_error == pytest.approx(0.3 / len(G1.key_bodies)) and score.success
