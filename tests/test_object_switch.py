"""Switching each world's box at reset on Newton: each world rests, weighs and bears load as its own library box.

One ``InterPrior-Scene-v0`` instance with the :class:`ObjectSwitch` event term serves the module per physics backend
(MuJoCo Warp, and MuJoCo C stepping each world with its own model); each test sets its worlds' objects itself.
"""

from __future__ import annotations

import pytest
import torch
import trimesh

from isaaclab.managers import EventTermCfg, SceneEntityCfg

from interprior.assets.humanoid_mjcf import HIP_HEIGHT
from interprior.assets.object_sdf import BoxSdf, ObjectSdf
from interprior.assets.objects import get_object
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.hoi.mdp.object_switch import ObjectSwitch, box_half_extents, object_switch_term, solid_box_inertia

GRAVITY = 9.81
BOXES = ("box_small", "box_medium", "box_large", "plate")


@pytest.fixture(scope="module", params=["newton_mjwarp", "newton_mjc_cpu"])
def env(request):
    cfg = load_env_cfg("InterPrior-Scene-v0", num_envs=len(BOXES), overrides=[f"physics={request.param}"])
    cfg.terminations.fall = None  # watch the physics; no resets behind the test's back
    cfg.events.object_switch = EventTermCfg(
        func=ObjectSwitch, mode="reset", params={"asset_cfg": SceneEntityCfg("object"), "names": BOXES}
    )
    with open_env("InterPrior-Scene-v0", seed=7, env_cfg=cfg) as env:
        yield env


def _step(env, seconds: float) -> None:
    action = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
    for _ in range(round(seconds / env.step_dt)):
        env.step(action)


def _place_object(env, height_above_rest: float) -> None:
    """Put every world's object upright at the env origin + (0.6, 0), its bottom ``height_above_rest`` above ground."""
    switch, obj = object_switch_term(env), env.scene["object"]
    pose = torch.zeros(env.num_envs, 7)
    pose[:, :3] = env.scene.env_origins + torch.tensor([0.6, 0.0, 0.0])
    pose[:, 2] = switch.half_extents[:, 2] + height_above_rest
    pose[:, 6] = 1.0
    ids = torch.arange(env.num_envs)
    obj.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
    obj.write_root_velocity_to_sim_index(root_velocity=torch.zeros(env.num_envs, 6), env_ids=ids)


def _assert_rests_and_weighs(env, names: list[str]) -> None:
    specs = [get_object(name) for name in names]
    height = env.scene["object"].data.root_pos_w.torch[:, 2]
    torch.testing.assert_close(height, torch.tensor([s.half_height for s in specs]), atol=0.005, rtol=0)
    weight = env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2]
    torch.testing.assert_close(weight, torch.tensor([s.mass * GRAVITY for s in specs]), rtol=0.05, atol=0)


def test_each_world_rests_at_its_own_height_and_weighs_its_own_mass(env):
    env.reset(seed=7)
    switch = object_switch_term(env)
    switch.set_objects(torch.arange(env.num_envs), list(BOXES))
    assert switch.object_names == list(BOXES)
    _place_object(env, height_above_rest=0.3)
    _step(env, 1.5)
    _assert_rests_and_weighs(env, list(BOXES))
    masses = env.scene["object"].data.body_mass.torch[:, 0]
    torch.testing.assert_close(masses, torch.tensor([get_object(name).mass for name in BOXES]))


def test_a_reset_switches_the_objects_again(env):
    switch = object_switch_term(env)
    drawn = []
    for _ in range(2):
        env.reset()
        drawn.append(switch.object_names)
        _step(env, 1.0)
        _assert_rests_and_weighs(env, drawn[-1])
    assert drawn[0] != drawn[1], f"two resets drew the same objects {drawn[0]}"


def test_a_drawn_size_scales_the_box_its_rest_height_its_mass_and_its_sdf(env):
    env.reset(seed=7)
    switch = object_switch_term(env)
    try:
        for env_ids, size_scale_range in (([0, 1], (1.15, 1.25)), ([2, 3], (0.8, 0.85))):
            switch.size_scale_range = size_scale_range
            switch.set_objects(torch.tensor(env_ids), [BOXES[i] for i in env_ids])
    finally:
        switch.size_scale_range = (1.0, 1.0)
    scale = switch.size_scales.clone()
    assert (scale[:2] >= 1.15).all() and (scale[:2] <= 1.25).all() and (scale[2:] >= 0.8).all() and (scale[2:] <= 0.85).all()
    library = box_half_extents(BOXES)
    torch.testing.assert_close(switch.half_extents, library * scale.unsqueeze(-1))
    torch.testing.assert_close(switch.rise(torch.arange(env.num_envs)), (scale - 1.0) * library[:, 2])
    _place_object(env, height_above_rest=0.3)
    _step(env, 1.5)
    specs = [get_object(name) for name in BOXES]
    # each box rests on its drawn half height and weighs its library mass times the size factor cubed (same density)
    height = env.scene["object"].data.root_pos_w.torch[:, 2]
    torch.testing.assert_close(height, scale * torch.tensor([s.half_height for s in specs]), atol=0.005, rtol=0)
    mass = torch.tensor([s.mass for s in specs]) * scale**3
    torch.testing.assert_close(env.scene["object"].data.body_mass.torch[:, 0], mass)
    weight = env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2]
    torch.testing.assert_close(weight, mass * GRAVITY, rtol=0.05, atol=0)
    # the distance field is the drawn box's: the centres of its faces are on the surface
    faces = torch.diag_embed(switch.half_extents)  # (N, 3 faces, 3)
    distance, _ = switch.sdf.nearest(faces)
    torch.testing.assert_close(distance, torch.zeros_like(distance), atol=1e-6, rtol=0)


def test_humanoid_standing_on_a_box_stops_at_its_top(env):
    env.reset(seed=7)
    names = ["box_large", "box_medium", "box_large", "box_medium"]
    switch = object_switch_term(env)
    switch.set_objects(torch.arange(env.num_envs), names)
    humanoid, obj = env.scene["humanoid"], env.scene["object"]
    top = 2.0 * switch.half_extents[:, 2]
    feet = [humanoid.body_names.index(name) for name in ("L_Ankle", "R_Ankle", "L_Toe", "R_Toe")]
    root = humanoid.data.root_pose_w.torch.clone()
    under_feet = humanoid.data.body_pos_w.torch[:, feet, :2].mean(dim=1)
    root[:, 2] += top + 0.01
    ids = torch.arange(env.num_envs)
    humanoid.write_root_pose_to_sim_index(root_pose=root, env_ids=ids)
    humanoid.write_root_velocity_to_sim_index(root_velocity=torch.zeros(env.num_envs, 6), env_ids=ids)
    pose = torch.cat([under_feet, switch.half_extents[:, 2:], torch.tensor([[0.0, 0.0, 0.0, 1.0]]).expand(4, 4)], -1)
    obj.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
    obj.write_root_velocity_to_sim_index(root_velocity=torch.zeros(env.num_envs, 6), env_ids=ids)
    _step(env, 1.0)
    standing = humanoid.data.root_pos_w.torch[:, 2] - top
    torch.testing.assert_close(standing, torch.full_like(standing, HIP_HEIGHT), atol=0.015, rtol=0)


def test_switched_sdf_is_each_worlds_box(env):
    switch = object_switch_term(env)
    names = ["plate", "box_large", "box_small", "box_medium"]
    switch.set_objects(torch.arange(env.num_envs), names)
    points = (torch.rand(env.num_envs, 50, 3, generator=torch.Generator().manual_seed(0)) - 0.5) * 1.2
    distance, nearest = switch.sdf.nearest(points)
    for env_id, name in enumerate(names):
        expected, expected_nearest = ObjectSdf(name).nearest(points[env_id])
        torch.testing.assert_close(distance[env_id], expected)
        torch.testing.assert_close(nearest[env_id], expected_nearest)


def test_box_sdf_matches_trimesh_outside_each_box():
    half = box_half_extents(BOXES)
    points = (torch.rand(len(BOXES), 200, 3, generator=torch.Generator().manual_seed(1)) - 0.5) * 1.5
    distance = BoxSdf(half).distance(points)
    for i in range(len(BOXES)):
        outside = distance[i] > 0.01  # trimesh's closest point is exact outside
        closest, _, _ = trimesh.proximity.closest_point(trimesh.creation.box(extents=(2 * half[i]).numpy()), points[i, outside].numpy())
        expected = torch.linalg.norm(points[i, outside] - torch.as_tensor(closest, dtype=torch.float32), dim=-1)
        torch.testing.assert_close(distance[i, outside], expected, atol=1e-4, rtol=0)


def test_solid_box_inertia_matches_trimesh():
    half = box_half_extents(BOXES)
    mass = torch.tensor([get_object(name).mass for name in BOXES])
    for i in range(len(BOXES)):
        box = trimesh.creation.box(extents=(2 * half[i]).numpy())
        expected = torch.as_tensor(box.moment_inertia * (mass[i].item() / box.volume), dtype=torch.float32).flatten()
        torch.testing.assert_close(solid_box_inertia(mass[i : i + 1], half[i : i + 1])[0], expected, atol=1e-6, rtol=1e-5)


def test_non_box_objects_are_refused(env):
    with pytest.raises(ValueError, match="'stool' is a compound, not a single box"):
        box_half_extents(["box_small", "stool"])
    with pytest.raises(ValueError, match="'bottle' not among its boxes"):
        object_switch_term(env).set_objects(torch.tensor([0]), ["bottle"])
