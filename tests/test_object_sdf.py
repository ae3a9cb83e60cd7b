"""Analytic signed distances to the library objects match hand-computed values and trimesh."""

from __future__ import annotations

import pytest
import torch
import trimesh

from interprior.assets.object_sdf import ObjectSdf
from interprior.assets.objects import OBJECT_NAMES, get_object


def test_box_distances_and_nearest_points():
    sdf = ObjectSdf("box_small")  # 0.25 m cube centred at the origin
    points = torch.tensor([[0.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.2, 0.2, 0.0], [0.0, 0.1, 0.0]])
    distance, nearest = sdf.nearest(points)
    expected = torch.tensor([0.375, -0.125, (2 * 0.075**2) ** 0.5, -0.025])
    torch.testing.assert_close(distance, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(nearest[0], torch.tensor([0.125, 0.0, 0.0]), atol=1e-4, rtol=0)
    torch.testing.assert_close(nearest[2], torch.tensor([0.125, 0.125, 0.0]), atol=1e-4, rtol=0)
    torch.testing.assert_close(nearest[3], torch.tensor([0.0, 0.125, 0.0]), atol=1e-4, rtol=0)


def test_cylinder_and_scale():
    sdf = ObjectSdf("bottle", scale=2.0)  # diameter 0.16 m, height 0.56 m after scaling
    distance = sdf.distance(torch.tensor([[0.5, 0.0, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]))
    torch.testing.assert_close(distance, torch.tensor([0.42, 0.22, -0.08]), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", OBJECT_NAMES)
def test_distances_agree_with_trimesh_outside_the_object(name):
    spec = get_object(name)
    sdf = ObjectSdf(name)
    if spec.shape == "cylinder":
        mesh = trimesh.creation.cylinder(radius=spec.size[0] / 2, height=spec.size[2], sections=256)
    else:
        parts = spec.parts or ()
        boxes = [trimesh.creation.box(extents=p.size, transform=trimesh.transformations.translation_matrix(p.offset)) for p in parts]
        mesh = trimesh.util.concatenate(boxes) if boxes else trimesh.creation.box(extents=spec.size)
    generator = torch.Generator().manual_seed(0)
    points = (torch.rand(200, 3, generator=generator) - 0.5) * 2.0
    points = points[sdf.distance(points) > 0.01]  # outside: trimesh's closest point is exact there
    closest, _, _ = trimesh.proximity.closest_point(mesh, points.numpy())
    expected = torch.linalg.norm(points - torch.as_tensor(closest, dtype=torch.float32), dim=-1)
    torch.testing.assert_close(sdf.distance(points), expected, atol=2e-3, rtol=0)
