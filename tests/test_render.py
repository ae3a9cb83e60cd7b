"""Offscreen pictures of rollouts: the render scene poses what it is given, and play.py --video writes a GIF with one
picture per control step."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from interprior.assets.skeleton import JOINT_NAMES
from interprior.render import RenderScene, save_gif

from .scripts import error_line, run_script

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])


@pytest.fixture(scope="module")
def scene():
    scene = RenderScene("box_small", width=160, height=120)
    yield scene
    scene.close()


def _standing(scene: RenderScene, x: float = 0.0) -> None:
    scene.set_humanoid(np.array([x, 0.0, 0.95]), IDENTITY, np.zeros(len(JOINT_NAMES)))
    scene.set_object(np.array([0.6, 0.0, 0.1]), IDENTITY)
    scene.show_ghost(False)
    scene.set_markers(np.zeros((0, 3)))


def test_scene_shows_what_it_is_posed_with(scene):
    _standing(scene)
    look_at = np.array([0.0, 0.0, 0.9])
    standing = scene.render(look_at).copy()
    assert standing.shape == (120, 160, 3) and standing.dtype == np.uint8
    assert np.array_equal(scene.render(look_at), standing)  # rendering is a pure function of the poses

    scene.set_humanoid(np.array([0.0, 0.0, 0.95]), IDENTITY, np.full(len(JOINT_NAMES), 0.3))
    assert np.abs(scene.render(look_at).astype(int) - standing).sum() > 0  # bent hinges show

    _standing(scene)
    scene.set_humanoid(np.array([0.4, 0.4, 0.95]), IDENTITY, np.zeros(len(JOINT_NAMES)), ghost=True)
    with_ghost = scene.render(look_at)
    changed = np.abs(with_ghost.astype(int) - standing).sum(-1) > 0
    assert changed.mean() > 0.01
    # the ghost is translucent and bluish: where it appears, blue dominates red more than in the plain picture
    assert (with_ghost[changed, 2].astype(int) - with_ghost[changed, 0]).mean() > (
        standing[changed, 2].astype(int) - standing[changed, 0]
    ).mean()

    _standing(scene)
    scene.set_markers(np.array([[0.3, -0.3, 1.2]]))
    marked = scene.render(look_at)
    changed = np.abs(marked.astype(int) - standing).sum(-1) > 0
    assert 0 < changed.sum() < 0.05 * changed.size  # a small green sphere
    assert (marked[changed, 1] > marked[changed, 0]).mean() > 0.5


def test_the_object_is_drawn_at_the_size_it_is_given(scene):
    _standing(scene)
    look_at = np.array([0.0, 0.0, 0.9])
    nominal = scene.render(look_at).copy()
    half_extents = scene.model.geom_size[scene.model.body("object").geomadr[0]].copy()
    changed = []
    for scale in (1.2, 1.5):
        scene.set_object_size(scale * half_extents)
        changed.append((np.abs(scene.render(look_at).astype(int) - nominal).sum(-1) > 0).sum())
    assert 20 < changed[0] < changed[1]  # a larger box covers more of the picture
    scene.set_object_size(half_extents)
    assert np.array_equal(scene.render(look_at), nominal)


def test_only_a_single_box_can_be_resized():
    stool = RenderScene("stool", width=32, height=24)
    try:
        with pytest.raises(ValueError, match="not a single box"):
            stool.set_object_size(np.full(3, 0.2))
    finally:
        stool.close()


def test_save_gif_rejects_other_formats(tmp_path):
    with pytest.raises(ValueError, match="GIF"):
        save_gif([np.zeros((4, 4, 3), np.uint8)], tmp_path / "clip.mp4", fps=30)
    with pytest.raises(ValueError, match="no frames"):
        save_gif([], tmp_path / "clip.gif", fps=30)


def test_play_writes_a_gif_with_one_picture_per_step(tmp_path):
    video = tmp_path / "rollout.gif"
    result = run_script(
        "play.py", "--task", "InterPrior-Track-v0", "--num-envs", "2", "--seconds", "0.5", "--video", str(video),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with Image.open(video) as gif:
        assert gif.n_frames == 15  # 0.5 s at 30 Hz
        assert abs(gif.info["duration"] - 1000 / 30) <= 10  # GIF stores hundredths of a second
        frames = []
        for index in (0, 14):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB"), dtype=int))
    assert frames[0].std() > 10  # a picture, not a blank
    assert np.abs(frames[0] - frames[1]).sum() > 0  # the humanoid moved


def test_play_video_errors(tmp_path):
    result = run_script("play.py", "--video", str(tmp_path / "rollout.mp4"), cwd=tmp_path)
    assert "only animated GIF" in error_line(result)
    result = run_script("play.py", "--num-envs", "2", "--video-env", "5", "--video", str(tmp_path / "a.gif"), cwd=tmp_path)
    assert "--video-env 5" in error_line(result)
    assert not (tmp_path / "a.gif").exists()
