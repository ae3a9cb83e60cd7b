"""The motion library loads clip files, samples clips and times, and interpolates reference frames in batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation, Slerp

from interprior.data.clip import ClipFormatError, save_clip
from interprior.data.motion_library import MotionFrame, MotionLibrary, slerp

from .clips import walking_clip

LINEAR_FIELDS = (
    "root_pos", "joint_pos", "joint_vel", "body_pos", "body_lin_vel", "body_ang_vel",
    "object_pos", "object_lin_vel", "object_ang_vel",
)  # fmt: skip
QUAT_FIELDS = ("root_quat", "body_quat", "object_quat")
LABEL_FIELDS = ("contact_object", "contact_ground")

# Three clips of different lengths, frame rates and objects: durations 2.0 s, 1.0 s and 4.0 s.
CLIP_SHAPES = {
    "walk_box": (61, 30.0, "box_small"),
    "walk_bottle": (21, 20.0, "bottle"),
    "walk_long": (241, 60.0, "box_small"),
}


@pytest.fixture(scope="module")
def clips():
    return {
        source: walking_clip(num_frames, fps, object_name, source=source)
        for source, (num_frames, fps, object_name) in CLIP_SHAPES.items()
    }


@pytest.fixture(scope="module")
def clip_dir(clips, tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    for source, clip in clips.items():
        save_clip(clip, root / ("nested" if source == "walk_long" else "") / f"{source}.npz")
    return root


@pytest.fixture(scope="module")
def library(clip_dir):
    return MotionLibrary.from_paths(clip_dir, progress=False)


def _clip_id(library, source):
    return library.sources.index(source)


def _rotation_error(a, b):
    """Largest angle (rad) between the rotations of quaternions ``a`` and ``b`` (..., 4); q and -q are the same."""
    a, b = (Rotation.from_quat(np.asarray(q, np.float64).reshape(-1, 4)) for q in (a, b))
    return (a.inv() * b).magnitude().max()


def _expected_frames(clip, times):
    """The clip's state at ``times`` (s) computed independently: np.interp, scipy Slerp and rounding."""
    frame_times = np.arange(clip.num_frames) / clip.fps
    expected = {}
    for name in LINEAR_FIELDS:
        values = getattr(clip, name).reshape(clip.num_frames, -1)
        columns = [np.interp(times, frame_times, values[:, column]) for column in range(values.shape[1])]
        expected[name] = np.stack(columns, axis=-1).reshape(len(times), *getattr(clip, name).shape[1:])
    for name in QUAT_FIELDS:
        values = getattr(clip, name).reshape(clip.num_frames, -1, 4)
        per_body = [Slerp(frame_times, Rotation.from_quat(track))(times).as_quat() for track in values.swapaxes(0, 1)]
        expected[name] = np.stack(per_body, axis=1).reshape(len(times), *getattr(clip, name).shape[1:])
    nearest = np.round(times * clip.fps).astype(int)
    for name in LABEL_FIELDS:
        expected[name] = getattr(clip, name)[nearest].astype(np.float32)
    return expected


def _assert_frames_match(frame: MotionFrame, expected: dict, atol: float = 1e-4):
    for name in LINEAR_FIELDS + LABEL_FIELDS:
        np.testing.assert_allclose(getattr(frame, name).numpy(), expected[name], atol=atol, err_msg=name)
    for name in QUAT_FIELDS:
        assert _rotation_error(getattr(frame, name).numpy(), expected[name]) < 1e-5, name


def test_slerp_follows_the_shorter_arc_between_distant_rotations():
    rng = np.random.default_rng(3)
    start, end = Rotation.random(200, random_state=rng), Rotation.random(200, random_state=rng)
    q0, q1 = start.as_quat(), end.as_quat()
    q1[::2] *= -1.0  # half the pairs given with opposite signs: the same rotations, the same arc
    fraction = rng.uniform(0.0, 1.0, 200)
    q0, q1, tau = (torch.tensor(value, dtype=torch.float32) for value in (q0, q1, fraction[:, None]))
    result = slerp(q0, q1, tau)
    expected = [Slerp([0.0, 1.0], Rotation.concatenate([start[i], end[i]]))(fraction[i]).as_quat() for i in range(200)]
    assert _rotation_error(result.numpy(), np.array(expected)) < 1e-5
    torch.testing.assert_close(torch.linalg.norm(result, dim=-1), torch.ones(200))


def test_library_holds_every_clip_with_its_timing(library, clips):
    assert library.num_clips == 3
    for source, clip in clips.items():
        index = _clip_id(library, source)
        assert library.object_names[index] == clip.object_name
        assert library.num_frames[index] == clip.num_frames
        assert library.fps[index] == pytest.approx(clip.fps)
        assert library.durations[index].item() == pytest.approx(clip.duration, abs=1e-6)
    assert library.durations.dtype == torch.float32 and library.durations.shape == (3,)
    assert library.frame_starts.tolist() == [0, *np.cumsum(library.num_frames.tolist())[:-1]]


@pytest.mark.parametrize("source", list(CLIP_SHAPES))
def test_frames_at_frame_times_equal_the_source_clip(library, clips, source):
    clip = clips[source]
    times = torch.arange(clip.num_frames, dtype=torch.float32) / clip.fps
    frame = library.frame_at(torch.full((clip.num_frames,), _clip_id(library, source)), times)
    for name in LINEAR_FIELDS + LABEL_FIELDS:
        np.testing.assert_allclose(getattr(frame, name).numpy(), getattr(clip, name), atol=1e-5, err_msg=name)
    for name in QUAT_FIELDS:
        assert _rotation_error(getattr(frame, name).numpy(), getattr(clip, name)) < 1e-5, name
    assert frame.root_pos.dtype == torch.float32 and frame.contact_object.dtype == torch.float32


@pytest.mark.parametrize("source", list(CLIP_SHAPES))
def test_frames_between_frame_times_interpolate_linearly_and_by_slerp(library, clips, source):
    clip = clips[source]
    times = torch.from_numpy(np.random.default_rng(0).uniform(0.0, clip.duration, 40).astype(np.float32))
    frame = library.frame_at(torch.full((40,), _clip_id(library, source)), times)
    _assert_frames_match(frame, _expected_frames(clip, times.double().numpy()))


def test_times_outside_a_clip_clamp_to_its_ends(library, clips):
    clip = clips["walk_bottle"]
    ids = torch.full((2,), _clip_id(library, "walk_bottle"))
    frame = library.frame_at(ids, torch.tensor([-0.7, clip.duration + 3.0], dtype=torch.float64))
    np.testing.assert_allclose(frame.body_pos.numpy(), clip.body_pos[[0, -1]], atol=1e-5)
    np.testing.assert_allclose(frame.contact_ground.numpy(), clip.contact_ground[[0, -1]])


def test_clips_are_sampled_in_proportion_to_their_duration(library):
    generator = torch.Generator().manual_seed(0)
    ids = library.sample_clips(30000, generator=generator)
    assert ids.shape == (30000,) and ids.dtype == torch.long
    frequency = torch.bincount(ids, minlength=3).float() / 30000
    share = library.durations / library.durations.sum()  # 2/7, 1/7, 4/7
    assert torch.allclose(frequency, share, atol=0.01), (frequency, share)


def test_sampled_times_are_uniform_inside_the_truncated_clip(library):
    generator = torch.Generator().manual_seed(1)
    ids = torch.arange(3).repeat_interleave(4000)
    times = library.sample_times(ids, truncate_time=0.5, generator=generator)
    assert times.shape == ids.shape
    for clip_id in range(3):
        chosen = times[ids == clip_id]
        latest = library.durations[clip_id] - 0.5
        assert chosen.min() >= 0.0 and chosen.max() <= latest
        assert chosen.min() < 0.01 * latest and chosen.max() > 0.99 * latest
        assert chosen.mean().item() == pytest.approx(0.5 * latest.item(), rel=0.05)
    too_long = library.sample_times(torch.tensor([_clip_id(library, "walk_bottle")] * 5), truncate_time=2.0)
    assert (too_long == 0.0).all()


def test_window_marks_frames_past_the_clip_end_invalid_and_repeats_the_last_frame(library, clips):
    ids = torch.tensor([_clip_id(library, source) for source in CLIP_SHAPES])  # durations 2, 1, 4 s
    times = torch.tensor([1.5, 0.0, 3.9])  # the first two reach their clip's last frame exactly
    offsets = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    frames, valid = library.window(ids, times, offsets)
    assert frames.body_quat.shape == (3, 5, 24, 4) and frames.joint_pos.shape == (3, 5, 69)
    assert frames.contact_object.shape == (3, 5, 24) and valid.shape == (3, 5) and valid.dtype == torch.bool
    assert valid.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]]
    for row, source in enumerate(CLIP_SHAPES):
        clip = clips[source]
        query = (times[row] + offsets).double().numpy()
        _assert_frames_match(
            MotionFrame(**{name: getattr(frames, name)[row] for name in LINEAR_FIELDS + QUAT_FIELDS + LABEL_FIELDS}),
            _expected_frames(clip, np.minimum(query, clip.duration)),
        )
        past_end = ~valid[row]
        np.testing.assert_allclose(frames.body_pos[row, past_end].numpy() - clip.body_pos[-1], 0.0, atol=1e-5)


def test_future_frames_preview_and_snapshot_look_ahead_by_whole_steps(library):
    dt = 1.0 / 30.0
    ids = torch.tensor([0, 1, 2, 1])
    times = torch.tensor([0.3, 0.9, 1.0, 0.0])
    future, future_valid = library.future_frames(ids, times, num_frames=4, dt=dt)
    preview, preview_valid = library.preview(ids, times, horizon=6, dt=dt)
    snapshot, snapshot_valid = library.snapshot(ids, times, frames_ahead=5, dt=dt)
    assert future.body_pos.shape == (4, 4, 24, 3) and future_valid.shape == (4, 4)
    assert preview.object_quat.shape == (4, 6, 4) and preview_valid.shape == (4, 6)
    assert snapshot.root_pos.shape == (4, 3) and snapshot_valid.shape == (4,)
    for step in range(4):
        direct = library.frame_at(ids, times + (step + 1) * dt)
        torch.testing.assert_close(future.body_pos[:, step], direct.body_pos)
    torch.testing.assert_close(preview.joint_pos[:, 0], library.frame_at(ids, times).joint_pos)
    torch.testing.assert_close(preview.object_pos[:, 1:5], future.object_pos)
    torch.testing.assert_close(snapshot.body_pos, preview.body_pos[:, 5])
    assert snapshot_valid.tolist() == preview_valid[:, 5].tolist()
    # Only the 1 s clip queried at 0.9 s runs out: frames beyond 1.0 s (3 steps ahead) are invalid.
    durations = library.durations[ids]
    assert future_valid.tolist() == (times[:, None] + dt * torch.arange(1, 5) <= durations[:, None] + 1e-4).tolist()
    assert not future_valid[1].all() and future_valid[[0, 2, 3]].all()


def test_an_object_name_keeps_only_that_objects_clips(clip_dir):
    bottles = MotionLibrary.from_paths(clip_dir, object_name="bottle", progress=False)
    assert bottles.num_clips == 1 and bottles.object_names == ["bottle"] and bottles.sources == ["walk_bottle"]
    paths = [clip_dir / "walk_box.npz", clip_dir / "nested"]
    boxes = MotionLibrary.from_paths(paths, object_name="box_small", progress=False)
    assert sorted(boxes.sources) == ["walk_box", "walk_long"]


def test_a_directory_without_clips_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no clips here")
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        MotionLibrary.from_paths(tmp_path, progress=False)
    with pytest.raises(FileNotFoundError, match="missing"):
        MotionLibrary.from_paths(tmp_path / "missing", progress=False)


def test_no_clip_of_the_requested_object_is_a_clear_error(clip_dir):
    with pytest.raises(ValueError, match=rf"{clip_dir}.*'stool'|'stool'.*{clip_dir}"):
        MotionLibrary.from_paths(clip_dir, object_name="stool", progress=False)
    with pytest.raises(KeyError, match="grand_piano"):
        MotionLibrary.from_paths(clip_dir, object_name="grand_piano", progress=False)


def test_one_bad_file_in_a_directory_is_refused_naming_that_file(clips, tmp_path):
    save_clip(clips["walk_box"], tmp_path / "good.npz")
    bad = tmp_path / "deeper" / "bad.npz"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip archive")
    with pytest.raises(ClipFormatError) as error:
        MotionLibrary.from_paths(tmp_path, progress=False)
    assert error.value.source == str(bad) and str(bad) in str(error.value)


def test_a_library_needs_clips():
    with pytest.raises(ValueError, match="at least one clip"):
        MotionLibrary([])
