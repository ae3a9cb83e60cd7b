"""The goal interface: masked residual encoding of goal frames and the mask families."""

from __future__ import annotations

import math

import pytest
import torch
from scipy.spatial.transform import Rotation

from interprior.assets.embodiment import SMPL, get_embodiment
from interprior.data.motion_library import MotionFrame
from interprior.tasks.hoi.mdp import goals

N, K, B = 3, 2, 24
LAYOUT = goals.goal_layout(SMPL)
body_index = SMPL.body_index


def _state(generator: torch.Generator):
    body_pos = torch.randn(N, B, 3, generator=generator)
    body_quat = torch.as_tensor(Rotation.random(N * B, random_state=1).as_quat(), dtype=torch.float32).view(N, B, 4)
    yaw = torch.tensor([0.0, math.pi / 2, -1.0])
    body_quat[:, 0] = torch.stack([torch.zeros(N), torch.zeros(N), torch.sin(yaw / 2), torch.cos(yaw / 2)], -1)
    object_pos = torch.randn(N, 3, generator=generator)
    object_quat = torch.as_tensor(Rotation.random(N, random_state=2).as_quat(), dtype=torch.float32)
    return body_pos, body_quat, object_pos, object_quat, yaw


def _frames(generator: torch.Generator) -> MotionFrame:
    quat = lambda count, seed: torch.as_tensor(Rotation.random(count, random_state=seed).as_quat(), dtype=torch.float32)  # noqa: E731
    zeros = lambda *shape: torch.zeros(N, K, *shape)  # noqa: E731
    return MotionFrame(
        root_pos=zeros(3), root_quat=quat(N * K, 3).view(N, K, 4), joint_pos=zeros(69), joint_vel=zeros(69),
        body_pos=torch.randn(N, K, B, 3, generator=generator), body_quat=quat(N * K * B, 4).view(N, K, B, 4),
        body_lin_vel=zeros(B, 3), body_ang_vel=zeros(B, 3), object_pos=torch.randn(N, K, 3, generator=generator),
        object_quat=quat(N * K, 5).view(N, K, 4), object_lin_vel=zeros(3), object_ang_vel=zeros(3),
        contact_object=torch.randint(-1, 2, (N, K, B), generator=generator).float(), contact_ground=zeros(B),
    )  # fmt: skip


def test_residuals_are_heading_frame_differences_and_log_maps():
    generator = torch.Generator().manual_seed(0)
    body_pos, body_quat, object_pos, object_quat, yaw = _state(generator)
    frames = _frames(generator)
    residuals = goals.goal_residuals(frames, body_pos, body_quat, object_pos, object_quat)
    assert residuals.shape == (N, K, LAYOUT.num_features) and LAYOUT.num_features == 174
    for n in range(N):
        unyaw = Rotation.from_euler("z", -float(yaw[n]))
        for k in range(K):
            delta = unyaw.apply((frames.body_pos[n, k] - body_pos[n]).numpy())
            torch.testing.assert_close(residuals[n, k, :72], torch.as_tensor(delta, dtype=torch.float32).flatten(), atol=1e-5, rtol=0)
            b = body_index("L_Wrist")
            log = (Rotation.from_quat(body_quat[n, b].numpy()).inv() * Rotation.from_quat(frames.body_quat[n, k, b].numpy())).as_rotvec()
            torch.testing.assert_close(residuals[n, k, 72 + 3 * b : 75 + 3 * b], torch.as_tensor(log, dtype=torch.float32), atol=1e-4, rtol=0)
            object_delta = unyaw.apply((frames.object_pos[n, k] - object_pos[n]).numpy())
            torch.testing.assert_close(residuals[n, k, 144:147], torch.as_tensor(object_delta, dtype=torch.float32), atol=1e-5, rtol=0)
            torch.testing.assert_close(residuals[n, k, 150:], frames.contact_object[n, k])


def test_masked_entries_are_exactly_zero_and_the_rest_untouched():
    generator = torch.Generator().manual_seed(1)
    residuals = torch.randn(N, K, LAYOUT.num_features, generator=generator)
    component_mask = LAYOUT.sample_partial_masks(N * K, keep_prob=0.3, generator=generator).view(N, K, -1)
    tokens = LAYOUT.masked_goal_tokens(residuals, component_mask, torch.full((N, K), 0.5))
    feature_mask = LAYOUT.expand_mask(component_mask)
    given, mask, time = tokens[..., :174], tokens[..., 174:348], tokens[..., 348]
    assert torch.equal(mask, feature_mask) and (time == 0.5).all()
    assert (given[feature_mask == 0] == 0).all()
    assert torch.equal(given[feature_mask == 1], residuals[feature_mask == 1])


def test_mask_families_give_whole_components():
    trajectory = LAYOUT.expand_mask(LAYOUT.trajectory)
    pelvis, hand = body_index("Pelvis"), body_index("L_Hand")
    assert trajectory[3 * pelvis : 3 * pelvis + 3].eq(1).all() and trajectory[3 * hand : 3 * hand + 3].eq(1).all()
    assert trajectory[144:147].eq(1).all() and trajectory[147:150].eq(0).all() and trajectory[150:].eq(0).all()
    assert int(trajectory.sum()) == 12
    contact = LAYOUT.expand_mask(LAYOUT.contact_only)
    assert contact[150:].eq(1).all() and contact[:150].eq(0).all()
    assert LAYOUT.expand_mask(LAYOUT.full_snapshot).eq(1).all()
    masks = LAYOUT.sample_partial_masks(500, keep_prob=0.01, generator=torch.Generator().manual_seed(2))
    assert (masks.sum(-1) >= 1).all(), "a partial snapshot always gives something"


def test_the_g1_layout_has_its_bodies_in_the_same_groups():
    g1 = get_embodiment("g1")
    layout = goals.goal_layout(g1)
    bodies = len(g1.body_names)
    assert layout.num_features == 7 * bodies + 6 == 216 and layout.num_components == 3 * bodies + 2
    assert goals.goal_layout(g1) is layout, "one layout per embodiment"
    trajectory = layout.expand_mask(layout.trajectory)
    for name in g1.path_bodies:
        index = g1.body_index(name)
        assert trajectory[3 * index : 3 * index + 3].eq(1).all()
    assert trajectory[6 * bodies : 6 * bodies + 3].eq(1).all() and int(trajectory.sum()) == 3 * len(g1.path_bodies) + 3
    contact = layout.expand_mask(layout.contact_only)
    assert contact[6 * bodies + 6 :].eq(1).all() and contact[: 6 * bodies + 6].eq(0).all()
    pose = layout.expand_mask(layout.pose)
    assert pose[: 6 * bodies + 6].eq(1).all() and pose[6 * bodies + 6 :].eq(0).all()
    with pytest.raises(KeyError, match="left_wrist_yaw_link"):
        layout.components(bodies=("L_Hand",))
