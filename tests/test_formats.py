"""Dataset converters: fixtures written in each dataset's real layout convert to the clips we expect."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from interprior.assets.skeleton import JOINT_NAMES, body_index
from interprior.data.clip import load_clip, save_clip
from interprior.data.formats import (
    SourceFormatError,
    convert_behave,
    convert_interact,
    convert_intermimic,
    convert_omomo,
    convert_path,
    parse_object_map,
)
from interprior.data.formats.ground import ground_offset
from interprior.data.formats.resample import resample_linear, resample_quat, target_times
from interprior.data.formats.torch_pickle import load_torch_file

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "data" / "samples" / "omomo").glob("*.npz"))


def joint(name: str) -> int:
    return JOINT_NAMES.index(name)


def assert_only_joint(clip, name: str, value: float) -> None:
    """Every hinge is zero except ``name``, which is ``value``, in every frame."""
    expected = np.zeros(len(JOINT_NAMES))
    expected[joint(name)] = value
    np.testing.assert_allclose(clip.joint_pos, np.broadcast_to(expected, clip.joint_pos.shape), atol=1e-5)


# ---------------------------------------------------------------- fixtures, each in the dataset's own layout


def write_intermimic(path: Path, num_frames: int = 61, elbow: float = 0.0, knee=(0.0, 0.0, 0.0)) -> np.ndarray:
    """A (T, 591) InterMimic tensor: standing root at 0.95 m, left elbow rotvec (0, 0, elbow), left knee rotvec
    ``knee``, box at rest."""
    data = np.zeros((num_frames, 591), dtype=np.float32)
    data[:, 0:3] = [0.2, -0.1, 0.95]
    data[:, 6] = 1.0  # root quaternion w
    data[:, 9 + 3 * 15 + 2] = elbow  # body 16 (L_Elbow) is the 15th local rotation, z component
    data[:, 9 + 3 * 1 : 9 + 3 * 2] = knee  # body 2 (L_Knee)
    data[:, 318:321] = [0.8, 0.0, 0.205]
    data[:, 324] = 1.0
    data[:, 331:383] = 0.0  # unknown
    data[:, 331 + 0] = 1.0  # pelvis touches
    data[:, 331 + 1] = -1.0  # L_Hip definitely does not
    data[:, 331 + 20] = 1.0  # one left finger touches -> L_Hand contact
    data[:, 331 + 37 : 331 + 52] = -1.0  # no right finger touches -> R_Hand no contact
    data[:, 386:591:4] = 1.0  # body quaternions w (not read by the converter)
    torch.save(torch.from_numpy(data), path)
    return data


def write_interact(folder: Path, poses: np.ndarray, trans: np.ndarray, name: str = "largebox") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    num_frames = len(poses)
    np.savez(folder / "human.npz", poses=poses, trans=trans, betas=np.zeros(16), gender="male")
    object_trans = np.tile([1.0, 0.2, 0.5], (num_frames, 1))
    np.savez(folder / "object.npz", angles=np.zeros((num_frames, 3)), trans=object_trans, name=name)


def smpl_poses(num_frames: int, left_elbow=(0.0, 0.0, 0.0)) -> np.ndarray:
    poses = np.zeros((num_frames, 156))
    poses[:, 3 + 3 * 17 : 3 + 3 * 18] = left_elbow  # SMPL joint 18 = left_elbow
    return poses


# ---------------------------------------------------------------- torch-free reader


def test_torch_reader_matches_torch_load_without_importing_torch(tmp_path):
    tensor = torch.arange(24, dtype=torch.float64).reshape(4, 6)[:, 1:5].t()  # strided, offset view
    torch.save({"view": tensor, "ints": torch.tensor([1, 2, 3]), "name": "x"}, tmp_path / "mixed.pt")
    loaded = load_torch_file(tmp_path / "mixed.pt")
    np.testing.assert_array_equal(loaded["view"], tensor.numpy())
    assert loaded["view"].dtype == np.float64 and loaded["ints"].tolist() == [1, 2, 3] and loaded["name"] == "x"
    write_intermimic(tmp_path / "sub1_largebox_001.pt")
    code = (
        "import sys; from interprior.data.formats import convert_intermimic;"
        f"convert_intermimic({str(tmp_path / 'sub1_largebox_001.pt')!r}); print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_torch_reader_refuses_other_objects_and_non_torch_files(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")
    with pytest.raises(SourceFormatError, match="module.pt.*only tensors"):
        load_torch_file(tmp_path / "module.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    with pytest.raises(SourceFormatError, match="junk.pt.*not a zip"):
        load_torch_file(tmp_path / "junk.pt")


# ---------------------------------------------------------------- resampling


def test_resampling_interpolates_positions_linearly_and_rotations_by_slerp():
    source = np.array([0.0, 0.1, 0.2])
    times = target_times(source, fps=20.0)
    np.testing.assert_allclose(times, [0.0, 0.05, 0.1, 0.15, 0.2])
    np.testing.assert_allclose(resample_linear(source, [[0.0], [1.0], [4.0]], times)[:, 0], [0, 0.5, 1, 2.5, 4])
    quats = Rotation.from_euler("z", [[0.0], [90.0], [90.0]], degrees=True).as_quat()
    halfway = Rotation.from_quat(resample_quat(source, quats, times)[1])
    assert np.isclose(halfway.as_euler("xyz", degrees=True)[2], 45.0)


# ---------------------------------------------------------------- InterMimic


def test_intermimic_rotvec_columns_become_our_hinges_at_30_hz(tmp_path):
    write_intermimic(tmp_path / "sub1_largebox_001.pt", num_frames=61, elbow=-np.pi / 2)
    [clip] = convert_intermimic(tmp_path / "sub1_largebox_001.pt", source_fps=60.0)
    assert clip.fps == 30.0 and clip.num_frames == 31  # 1 s at 60 Hz -> 1 s at 30 Hz
    assert clip.object_name == "box_large" and clip.source == "intermimic:sub1_largebox_001"
    assert_only_joint(clip, "L_Elbow_z", -np.pi / 2)
    forearm = clip.body_pos[0, body_index("L_Wrist")] - clip.body_pos[0, body_index("L_Elbow")]
    np.testing.assert_allclose(forearm / np.linalg.norm(forearm), [1, 0, 0], atol=1e-5)  # bent forward (+x)
    assert abs(ground_offset(clip)) < 1e-5  # feet on the ground
    np.testing.assert_allclose(clip.root_pos[:, :2], np.tile([0.2, -0.1], (31, 1)), atol=1e-6)
    np.testing.assert_allclose(clip.object_pos[:, 2], 0.205, atol=1e-6)  # the object keeps its floor


def test_intermimic_columns_are_rotation_vectors_not_euler_angles(tmp_path):
    knee = np.array([0.5, 0.6, 0.0])  # two axes: exp(rotvec) differs from x-y hinge angles (0.5, 0.6)
    write_intermimic(tmp_path / "sub1_largebox_001.pt", num_frames=4, knee=knee)
    [clip] = convert_intermimic(tmp_path / "sub1_largebox_001.pt")
    hip, shank = (Rotation.from_quat(clip.body_quat[0, body_index(n)]) for n in ("L_Hip", "L_Knee"))
    assert ((hip.inv() * shank) * Rotation.from_rotvec(knee).inv()).magnitude() < 1e-5
    assert not np.allclose(clip.joint_pos[0, joint("L_Knee_x") : joint("L_Knee_z") + 1], knee, atol=1e-2)


def test_intermimic_contact_labels_are_remapped(tmp_path):
    write_intermimic(tmp_path / "sub1_largebox_001.pt", num_frames=4)
    [clip] = convert_intermimic(tmp_path / "sub1_largebox_001.pt")
    labels = clip.contact_object[0]
    assert labels[body_index("Pelvis")] == 1 and labels[body_index("L_Hip")] == 0 and labels[body_index("Head")] == -1
    assert labels[body_index("L_Hand")] == 1 and labels[body_index("R_Hand")] == 0
    assert (clip.contact_ground == -1).all()


def test_intermimic_bad_files_are_refused_clearly(tmp_path):
    torch.save(torch.zeros(5, 590), tmp_path / "sub1_largebox_001.pt")
    with pytest.raises(SourceFormatError, match=r"sub1_largebox_001.pt.*\(T, 591\)"):
        convert_intermimic(tmp_path / "sub1_largebox_001.pt")
    data = write_intermimic(tmp_path / "sub1_largebox_002.pt", num_frames=4)
    data[2, 100] = np.nan
    torch.save(torch.from_numpy(data), tmp_path / "sub1_largebox_002.pt")
    with pytest.raises(SourceFormatError, match="column 100.*frame 2"):
        convert_intermimic(tmp_path / "sub1_largebox_002.pt")
    write_intermimic(tmp_path / "sub1_teapot_003.pt", num_frames=4)
    with pytest.raises(SourceFormatError, match="'teapot'.*--object-map teapot="):
        convert_intermimic(tmp_path / "sub1_teapot_003.pt")
    [clip] = convert_intermimic(tmp_path / "sub1_teapot_003.pt", parse_object_map(["teapot=bottle"]))
    assert clip.object_name == "bottle"


# ---------------------------------------------------------------- InterAct (SMPL-H, Y up)


def test_interact_zero_pose_is_our_t_pose_turned_to_z_up(tmp_path):
    write_interact(tmp_path / "seq", smpl_poses(10), np.tile([0.3, 0.9, -0.4], (10, 1)))
    [clip] = convert_interact(tmp_path / "seq")
    assert clip.num_frames == 10 and clip.object_name == "box_large" and clip.source == "interact:seq"
    assert_only_joint(clip, "L_Elbow_z", 0.0)
    root = Rotation.from_quat(clip.root_quat[0])
    np.testing.assert_allclose(root.apply([0, 0, 1]), [0, 0, 1], atol=1e-6)  # upright
    np.testing.assert_allclose(root.apply([1, 0, 0]), [0, -1, 0], atol=1e-6)  # SMPL faces +z(Y up) = -y(Z up)
    # Y up -> Z up: the pelvis's horizontal position is (x, -z) of trans + the template pelvis offset.
    np.testing.assert_allclose(clip.root_pos[0, :2], [0.3 - 0.001795, 0.4 - 0.028219], atol=1e-5)
    np.testing.assert_allclose(clip.object_pos[0], [1.0, -0.5, 0.2], atol=1e-6)
    assert abs(ground_offset(clip)) < 1e-5


def test_interact_elbow_bend_maps_to_our_elbow_hinge(tmp_path):
    write_interact(tmp_path / "seq", smpl_poses(4, left_elbow=(0.0, -np.pi / 2, 0.0)), np.zeros((4, 3)))
    [clip] = convert_interact(tmp_path / "seq" / "human.npz")
    assert_only_joint(clip, "L_Elbow_z", -np.pi / 2)


def test_interact_bad_files_are_refused_clearly(tmp_path):
    write_interact(tmp_path / "short", np.zeros((4, 150)), np.zeros((4, 3)))
    with pytest.raises(SourceFormatError, match=r"human.npz: field 'poses': shape \(4, 150\)"):
        convert_interact(tmp_path / "short")
    write_interact(tmp_path / "mismatch", smpl_poses(4), np.zeros((5, 3)))
    with pytest.raises(SourceFormatError, match="'trans': 5 frames, expected 4"):
        convert_interact(tmp_path / "mismatch")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceFormatError, match="human.npz"):
        convert_interact(tmp_path / "empty")


# ---------------------------------------------------------------- OMOMO (SMPL-X, Z up, pickled records)


def omomo_record(num_frames: int, seq_name: str = "sub2_smallbox_007") -> dict:
    stand_up = Rotation.from_euler("x", 90, degrees=True).as_rotvec()  # SMPL's Y up -> the file's Z up
    return {
        "seq_name": seq_name,
        "trans": np.tile([1.0, 2.0, 0.7], (num_frames, 1)),
        "root_orient": np.tile(stand_up, (num_frames, 1)),
        "pose_body": np.zeros((num_frames, 63)),
        "trans2joint": np.array([-0.01, 0.02, 0.3]),
        "obj_trans": np.tile([[0.5], [2.0], [0.0]], (num_frames, 1, 1)),
        "obj_rot": np.tile(np.eye(3), (num_frames, 1, 1)),
        "obj_com_pos": np.tile([0.5, 2.0, 0.125], (num_frames, 1)),
        "obj_scale": np.ones(num_frames),
    }


def test_omomo_records_convert_with_their_pelvis_offset(tmp_path):
    with open(tmp_path / "test.p", "wb") as file:
        pickle.dump({0: omomo_record(6), 1: omomo_record(8, "sub2_largebox_010")}, file)
    clips = convert_omomo(tmp_path / "test.p")
    assert [c.source for c in clips] == ["omomo:sub2_smallbox_007", "omomo:sub2_largebox_010"]
    assert [c.object_name for c in clips] == ["box_small", "box_large"] and clips[1].num_frames == 8
    clip = clips[0]
    assert_only_joint(clip, "L_Elbow_z", 0.0)
    np.testing.assert_allclose(Rotation.from_quat(clip.root_quat[0]).apply([0, 0, 1]), [0, 0, 1], atol=1e-6)
    np.testing.assert_allclose(clip.root_pos[0, :2], [1.01, 1.98], atol=1e-6)  # trans - trans2joint
    np.testing.assert_allclose(clip.object_pos[0], [0.5, 2.0, 0.125], atol=1e-6)  # the object's centre
    assert abs(ground_offset(clip)) < 1e-5


def test_omomo_bad_records_and_files_are_refused_clearly(tmp_path):
    record = omomo_record(4)
    del record["pose_body"]
    with open(tmp_path / "bad.p", "wb") as file:
        pickle.dump({7: record}, file)
    with pytest.raises(SourceFormatError, match="bad.p record 7: field 'pose_body': missing"):
        convert_omomo(tmp_path / "bad.p")
    with open(tmp_path / "code.p", "wb") as file:
        pickle.dump({0: Path("x")}, file)
    with pytest.raises(SourceFormatError, match="code.p.*pathlib"):
        convert_omomo(tmp_path / "code.p")


# ---------------------------------------------------------------- BEHAVE (SMPL-H, Kinect camera frame)


def write_behave(folder: Path, times: np.ndarray, object_times: np.ndarray | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    num_frames = len(times)
    poses = smpl_poses(num_frames)
    poses[:, :3] = Rotation.from_euler("x", np.pi).as_rotvec()  # upright in a y-down camera frame
    names = np.array([f"t{t:09.3f}" for t in times])
    np.savez(folder / "smpl_fit_all.npz", poses=poses, betas=np.zeros((num_frames, 10)),
             trans=np.tile([0.0, 0.3, 2.5], (num_frames, 1)), frame_times=names)  # fmt: skip
    np.savez(folder / "object_fit_all.npz", angles=np.zeros((num_frames, 3)),
             trans=np.tile([0.4, 0.9, 2.0], (num_frames, 1)),
             frame_times=times if object_times is None else object_times)  # fmt: skip
    (folder / "info.json").write_text(json.dumps({"gender": "female", "cat": "boxmedium"}))


def test_behave_camera_frame_and_frame_times_give_an_upright_30_hz_clip(tmp_path):
    write_behave(tmp_path / "Date01_Sub01_boxmedium", 3.0 + np.arange(41) / 60.0)
    [clip] = convert_behave(tmp_path / "Date01_Sub01_boxmedium")
    assert clip.num_frames == 21 and clip.object_name == "box_medium"
    np.testing.assert_allclose(Rotation.from_quat(clip.root_quat[0]).apply([0, 0, 1]), [0, 0, 1], atol=1e-6)
    assert abs(ground_offset(clip)) < 1e-5
    # Camera (x, y, z) -> Z up (x, z, -y); no floor in the camera frame, so the object moves with the human.
    human_shift = (-(0.3 - 0.223333)) - clip.root_pos[0, 2]
    object_shift = -0.9 - clip.object_pos[0, 2]
    assert np.isclose(human_shift, object_shift, atol=1e-5)
    np.testing.assert_allclose(clip.object_pos[0, :2], [0.4, 2.0], atol=1e-6)


def test_behave_mismatched_frame_times_are_refused(tmp_path):
    write_behave(tmp_path / "seq", np.arange(5) / 30.0, object_times=np.arange(5) / 25.0)
    with pytest.raises(SourceFormatError, match="object_fit_all.npz: field 'frame_times': differ"):
        convert_behave(tmp_path / "seq")


# ---------------------------------------------------------------- directory conversion


def test_directory_conversion_skips_a_bad_file_and_keeps_good_output(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    write_intermimic(src / "sub1_largebox_001.pt", num_frames=4)
    write_intermimic(src / "sub1_smallbox_002.pt", num_frames=4)
    (src / "sub1_largebox_003.pt").write_bytes(b"\x00" * 64)
    [earlier] = convert_intermimic(src / "sub1_largebox_001.pt")
    save_clip(earlier, dst / "sub1_largebox_003.npz")  # output of an earlier, good conversion
    before = (dst / "sub1_largebox_003.npz").read_bytes()
    report = convert_path("intermimic", src, dst)
    assert sorted(p.name for p in report.written) == ["sub1_largebox_001.npz", "sub1_smallbox_002.npz"]
    assert [(p.name, "not a zip" in reason) for p, reason in report.failed] == [("sub1_largebox_003.pt", True)]
    assert (dst / "sub1_largebox_003.npz").read_bytes() == before
    assert load_clip(dst / "sub1_smallbox_002.npz").object_name == "box_small"


# ---------------------------------------------------------------- the real OMOMO sample clips


@pytest.mark.skipif(not SAMPLES, reason="no sample clips: run `python scripts/dataset.py fetch-samples`")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_real_sample_clips_are_plausible(path):
    clip = load_clip(path)
    assert clip.fps == 30.0 and clip.object_name == "box_large" and clip.num_frames > 150
    assert abs(ground_offset(clip)) < 1e-3
    standing = np.median(clip.root_pos[:, 2])
    assert 0.7 < standing < 1.1, f"pelvis at {standing:.2f} m while standing"
    lifted = clip.object_pos[:, 2] > 0.5  # the box (0.41 m tall) is off the ground
    assert lifted.sum() > 30
    hands = clip.body_pos[:, [body_index("L_Hand"), body_index("R_Hand")]]
    reach = np.linalg.norm(hands[lifted] - clip.object_pos[lifted, None], axis=-1)
    assert reach.max() < 0.40, f"a hand is {reach.max():.2f} m from the lifted box's centre"
    labels = clip.contact_object[lifted][:, [body_index("L_Hand"), body_index("R_Hand")]]
    assert (labels == 1).mean() > 0.5  # the data labels the hands in contact while lifting
