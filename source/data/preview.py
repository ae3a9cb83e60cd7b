"""Pictures of a clip a person can check at a glance: a filmstrip (``.png``) or a short animation (``.gif``).

The humanoid is drawn as a stick figure from the clip's body positions, bodies touching the object in red, the
object as its library geometry (scaled and posed as in the clip), over a 0.5 m ground grid, with equal axis scales.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import trimesh
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection
from scipy.spatial.transform import Rotation

from ..assets.objects import BoxPart, get_object
from ..assets.skeleton import BODY_NAMES, PARENTS
from .clip import Clip

BONE_COLOR = "#1f4e79"
CONTACT_COLOR = "#d62728"
OBJECT_COLOR = "#e8a33d"
GRID_COLOR = "#c8c8c8"
GRID_SPACING = 0.5
"""Ground grid spacing (m)."""
DPI = 100

_BONES = np.array([(BODY_NAMES.index(PARENTS[name]), child) for child, name in enumerate(BODY_NAMES) if PARENTS[name]])
"""(23, 2) parent and child index of every bone of the stick figure."""


def object_mesh(name: str, scale: float = 1.0) -> trimesh.Trimesh:
    """The library object ``name`` as a triangle mesh in its own frame (m), scaled uniformly by ``scale``."""
    spec = get_object(name)
    if spec.shape == "cylinder":
        mesh = trimesh.creation.cylinder(radius=0.5 * spec.size[0], height=spec.size[2], sections=16)
    else:
        parts = spec.parts if spec.shape == "compound" else (BoxPart(spec.size),)
        mesh = trimesh.util.concatenate(
            [trimesh.creation.box(extents=part.size, transform=trimesh.transformations.translation_matrix(part.offset))
             for part in parts]
        )  # fmt: skip
    mesh.apply_scale(scale)
    return mesh


def render_clip(
    clip: Clip, path: str | os.PathLike, num_frames: int = 6, panel_pixels: int = 300, gif_fps: float = 10.0
) -> Path:
    """Draw ``clip`` into ``path``; the file appears complete or not at all.

    Args:
        clip: The clip to draw.
        path: ``.png`` for a filmstrip of ``num_frames`` evenly spaced frames side by side
            (``num_frames * panel_pixels`` by ``panel_pixels`` pixels), ``.gif`` for an animation of the whole clip
            sampled at ``gif_fps`` frames per second of clip time (``panel_pixels`` square).
        num_frames: Panels of the filmstrip.
        panel_pixels: Side of one panel (pixels).
        gif_fps: Animation frame rate (Hz), real time.

    Returns:
        ``path``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".gif"):
        raise ValueError(f"{path}: preview must be a .png (filmstrip) or .gif (animation), not {path.suffix!r}")
    mesh = object_mesh(clip.object_name, clip.object_scale)
    label = f"{clip.source or 'clip'} ({clip.object_name})"
    half_extent = _half_extent(clip, mesh)
    tmp = path.with_name(f".{path.stem}.tmp{suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".png":
            figure = _figure(num_frames, panel_pixels)
            frames = np.linspace(0, clip.num_frames - 1, num_frames).round().astype(int)
            for panel, frame in enumerate(frames):
                axes = figure.add_subplot(1, num_frames, panel + 1, projection="3d")
                _draw_frame(axes, clip, mesh, frame, half_extent)
            figure.suptitle(label, y=0.995, va="top", fontsize=9)
            figure.savefig(tmp, format="png", dpi=DPI)
        else:
            figure = _figure(1, panel_pixels)
            axes = figure.add_subplot(1, 1, 1, projection="3d")
            frames = np.arange(0.0, clip.duration + 1e-9, 1.0 / gif_fps) * clip.fps

            def draw(frame: float) -> None:
                axes.cla()
                _draw_frame(axes, clip, mesh, int(round(frame)), half_extent, title=label)

            FuncAnimation(figure, draw, frames=frames).save(tmp, writer=PillowWriter(fps=gif_fps), dpi=DPI)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _figure(num_panels: int, panel_pixels: int) -> Figure:
    """A figure of ``num_panels`` square panels side by side, drawn off-screen (no pyplot state)."""
    size = panel_pixels / DPI
    figure = Figure(figsize=(num_panels * size, size), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.0, right=1.0, bottom=0.0, top=0.85, wspace=0.0)
    return figure


def _half_extent(clip: Clip, mesh: trimesh.Trimesh) -> float:
    """Half side (m) of a cube that holds the humanoid and the object of any one frame, so every panel has one scale."""
    object_radius = float(np.linalg.norm(mesh.vertices, axis=-1).max())
    lowest = np.minimum(clip.body_pos.min(axis=1), clip.object_pos - object_radius)
    highest = np.maximum(clip.body_pos.max(axis=1), clip.object_pos + object_radius)
    return max(0.5 * float((highest - lowest).max()), 1.0)


def _draw_frame(
    axes, clip: Clip, mesh: trimesh.Trimesh, frame: int, half_extent: float, title: str | None = None
) -> None:
    """Draw frame ``frame`` of ``clip`` in 3D ``axes``, a cube of half side ``half_extent`` (m) around it."""
    bodies = clip.body_pos[frame]
    rotation = Rotation.from_quat(clip.object_quat[frame])
    vertices = rotation.apply(mesh.vertices) + clip.object_pos[frame]
    points = np.concatenate([bodies, vertices])
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    centre[2] = max(centre[2], half_extent)  # keep the ground at the bottom
    low, high = centre - half_extent, centre + half_extent

    lines_x = np.arange(np.ceil(low[0] / GRID_SPACING), np.floor(high[0] / GRID_SPACING) + 1) * GRID_SPACING
    lines_y = np.arange(np.ceil(low[1] / GRID_SPACING), np.floor(high[1] / GRID_SPACING) + 1) * GRID_SPACING
    grid = [[(x, low[1], 0.0), (x, high[1], 0.0)] for x in lines_x]
    grid += [[(low[0], y, 0.0), (high[0], y, 0.0)] for y in lines_y]
    axes.add_collection3d(Line3DCollection(grid, colors=GRID_COLOR, linewidths=0.6))
    faces = vertices[mesh.faces]
    axes.add_collection3d(
        Poly3DCollection(faces, facecolors=OBJECT_COLOR, edgecolors=OBJECT_COLOR, linewidths=0.3, shade=True)
    )
    axes.add_collection3d(Line3DCollection(bodies[_BONES], colors=BONE_COLOR, linewidths=2.0))
    touching = clip.contact_object[frame] == 1
    axes.scatter(*bodies[~touching].T, color=BONE_COLOR, s=6, depthshade=False)
    axes.scatter(*bodies[touching].T, color=CONTACT_COLOR, s=40, depthshade=False)

    axes.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), zlim=(low[2], high[2]))
    axes.set_box_aspect((1.0, 1.0, 1.0), zoom=1.4)
    axes.view_init(elev=15.0, azim=-60.0)
    axes.set_axis_off()
    time = f"t = {frame / clip.fps:.2f} s"
    axes.set_title(time if title is None else f"{title}\n{time}", fontsize=8, pad=0)
