"""The canonical clip format round-trips and refuses every kind of bad file, naming the file and the field."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from interprior.assets.skeleton import BODY_NAMES, FOOT_BODIES, HAND_BODIES, JOINT_NAMES, body_index
from interprior.data.clip import Clip, ClipFormatError, load_clip, save_clip
from interprior.data.kinematics import make_clip

from .clips import walking_clip


@pytest.fixture(scope="module")
def clip() -> Clip:
    return walking_clip()


def _rewrite(path, **changes):
    """Rewrite the clip file at ``path`` with some stored entries replaced (value ``None`` deletes the entry)."""
    with np.load(path) as data:
        stored = {key: data[key] for key in data.files}
    for key, value in changes.items():
        if value is None:
            del stored[key]
        else:
            stored[key] = value
    np.savez(path, **stored)


def _assert_refused(path, field):
    with pytest.raises(ClipFormatError) as error:
        load_clip(path)
    assert error.value.field == field
    assert error.value.source == str(path)
    assert str(path) in str(error.value) and repr(field) in str(error.value)


def test_save_then_load_returns_the_same_clip(clip, tmp_path):
    loaded = load_clip(save_clip(clip, tmp_path / "walk.npz"))
    for name in ("fps", "object_name", "object_scale", "source"):
        assert getattr(loaded, name) == getattr(clip, name)
    for name in ("root_pos", "root_quat", "joint_pos", "body_pos", "body_quat", "body_ang_vel", "contact_object"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(clip, name))
    assert loaded.contact_ground.dtype == np.int8 and loaded.root_pos.dtype == np.float32


def test_truncated_file_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _assert_refused(path, "<file>")


def test_missing_file_is_refused(tmp_path):
    _assert_refused(tmp_path / "absent.npz", "<file>")


def test_nan_in_a_field_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    body_pos = clip.body_pos.copy()
    body_pos[7, 3, 2] = np.nan
    _rewrite(path, body_pos=body_pos)
    _assert_refused(path, "body_pos")


def test_wrong_shape_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, joint_pos=clip.joint_pos[:, :-1])
    _assert_refused(path, "joint_pos")


def test_fewer_frames_in_one_field_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, object_quat=clip.object_quat[:-1])
    _assert_refused(path, "object_quat")


def test_unknown_object_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, object_name=np.str_("grand_piano"))
    _assert_refused(path, "object_name")


def test_missing_field_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, object_quat=None)
    _assert_refused(path, "object_quat")


def test_unknown_format_version_is_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, format_version=np.int32(99))
    _assert_refused(path, "format_version")


def test_wrong_body_names_are_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    names = list(BODY_NAMES)
    names[1], names[5] = names[5], names[1]
    _rewrite(path, body_names=np.array(names))
    _assert_refused(path, "body_names")


def test_non_unit_quaternions_are_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    _rewrite(path, root_quat=2.0 * clip.root_quat)
    _assert_refused(path, "root_quat")


def test_out_of_range_contact_labels_are_refused(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    labels = clip.contact_ground.copy()
    labels[0, 0] = 2
    _rewrite(path, contact_ground=labels)
    _assert_refused(path, "contact_ground")


def test_saving_an_invalid_clip_leaves_the_existing_file_intact(clip, tmp_path):
    path = save_clip(clip, tmp_path / "walk.npz")
    good_bytes = path.read_bytes()
    broken = walking_clip()
    broken.object_pos[3, 0] = np.inf
    with pytest.raises(ClipFormatError) as error:
        save_clip(broken, path)
    assert error.value.field == "object_pos" and str(path) in str(error.value)
    assert path.read_bytes() == good_bytes
    assert sorted(tmp_path.iterdir()) == [path]  # no temporary file left behind
    np.testing.assert_array_equal(load_clip(path).object_pos, clip.object_pos)
