"""Clip previews are real images: the right size and frame count, with the figure, the object and contacts drawn."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from interprior.assets.objects import OBJECT_NAMES, get_object
from interprior.data import preview
from interprior.data.preview import object_mesh, render_clip

from .clips import walking_clip


@pytest.fixture(scope="module")
def clip():
    return walking_clip(num_frames=31, fps=30.0, object_name="stool")  # hands touch the stool in frames 7 to 22


def _pixels_near(image: np.ndarray, color: str, tolerance: float = 30.0) -> int:
    """How many pixels of the (H, W, 3) uint8 ``image`` are within ``tolerance`` (RGB units) of ``color``."""
    target = 255.0 * np.array(to_rgb(color))
    return int((np.linalg.norm(image.astype(float) - target, axis=-1) < tolerance).sum())


def _orange_pixels(image: np.ndarray) -> int:
    """Pixels with the object's orange hue, whatever their shading."""
    red, green, blue = (image[..., channel].astype(int) for channel in range(3))
    return int(((red - blue > 80) & (green > 60) & (green < red - 20)).sum())


def test_png_is_a_filmstrip_with_contacts_highlighted_only_where_labelled(clip, tmp_path):
    path = render_clip(clip, tmp_path / "previews" / "walk.png", num_frames=3, panel_pixels=200)
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape == (200, 600, 3)
    panels = np.split(image, 3, axis=1)  # frames 0, 15 and 30: only the middle one has hand contacts
    assert [_pixels_near(panel, preview.CONTACT_COLOR) > 20 for panel in panels] == [False, True, False]
    for panel in panels:
        assert _pixels_near(panel, preview.BONE_COLOR) > 200
        assert _orange_pixels(panel) > 200
        assert _pixels_near(panel, preview.GRID_COLOR) > 50


def test_gif_animates_the_whole_clip(clip, tmp_path):
    path = render_clip(clip, tmp_path / "walk.gif", panel_pixels=160, gif_fps=10.0)
    with Image.open(path) as animation:
        assert animation.size == (160, 160)
        assert animation.n_frames == 11  # 0.0, 0.1, ..., 1.0 s of a 1 s clip
        frames = []
        for index in (0, animation.n_frames - 1):
            animation.seek(index)
            frames.append(np.asarray(animation.convert("RGB")))
    for frame in frames:
        assert _pixels_near(frame, preview.BONE_COLOR) > 100 and _orange_pixels(frame) > 100
    assert (frames[0] != frames[1]).any(), "the first and last frames of a walking clip should differ"


@pytest.mark.parametrize("name", OBJECT_NAMES)
def test_object_meshes_span_the_library_size_times_the_scale(name):
    mesh = object_mesh(name, scale=1.5)
    np.testing.assert_allclose(mesh.extents, 1.5 * np.array(get_object(name).size), atol=1e-9)
    np.testing.assert_allclose(mesh.bounds.mean(axis=0), 0.0, atol=1e-9)


def test_a_render_failing_midway_leaves_the_previous_preview_intact(clip, tmp_path):
    path = render_clip(clip, tmp_path / "walk.gif", panel_pixels=100, gif_fps=5.0)
    previous = path.read_bytes()
    broken = walking_clip(num_frames=31, object_name="stool")
    broken.object_quat[-1] = 0.0  # the last frame cannot be drawn
    with pytest.raises(ValueError):
        render_clip(broken, path, panel_pixels=100, gif_fps=5.0)
    assert path.read_bytes() == previous and sorted(tmp_path.iterdir()) == [path]


def test_bad_requests_are_refused_naming_the_problem(clip, tmp_path):
    with pytest.raises(ValueError, match=r"walk\.jpg"):
        render_clip(clip, tmp_path / "walk.jpg")
    unknown = walking_clip(num_frames=31)
    unknown.object_name = "grand_piano"
    with pytest.raises(KeyError, match="grand_piano"):
        render_clip(unknown, tmp_path / "walk.png")
    assert list(tmp_path.iterdir()) == []
