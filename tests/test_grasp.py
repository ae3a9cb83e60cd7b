"""The humanoid's hands press a box between the palms and hold it up against gravity (Newton, CPU)."""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from interprior.assets.humanoid import canonical_joint_name, sim_joint_regex
from interprior.assets.humanoid_mjcf import DEFAULT_JOINT_POS, HIP_HEIGHT
from interprior.assets.object_cfg import object_cfg
from interprior.assets.objects import get_object
from interprior.assets.skeleton import JOINT_NAMES, body_index
from interprior.data.kinematics import forward_kinematics
from interprior.tasks.env_factory import load_env_cfg, open_env

TASK = "InterPrior-Scene-v0"
BOX = "box_small"
PALM_CENTRE = np.array([0.0, 0.045, 0.0])
"""Centre of the left palm box in the ``L_Wrist`` frame (m); the right palm mirrors it."""


def _carry_pose(inward_deg: float) -> dict[str, float]:
    """Hinge angles (rad) by name: upper arms down, forearms forward, palms facing; both hands turned ``inward_deg``."""
    inward = math.radians(inward_deg)
    pose = {name: DEFAULT_JOINT_POS.get(name, 0.0) for name in JOINT_NAMES}
    pose.update(
        {
            "L_Shoulder_x": -math.pi / 2, "L_Shoulder_y": inward, "L_Elbow_z": -math.pi / 2, "L_Wrist_x": inward,
            "R_Shoulder_x": math.pi / 2, "R_Shoulder_y": inward, "R_Elbow_z": math.pi / 2, "R_Wrist_x": -inward,
        }
    )  # fmt: skip
    return pose


def _palm_centres(pose: dict[str, float], root_height: float) -> np.ndarray:
    """(2, 3) world positions of the left and right palm centres for ``pose`` with the pelvis at ``root_height``."""
    joint_pos = np.array([[pose[name] for name in JOINT_NAMES]])
    body_pos, body_quat = forward_kinematics(np.array([[0.0, 0.0, root_height]]), np.array([[0.0, 0.0, 0.0, 1.0]]), joint_pos)
    centres = []
    for side, sign in (("L", 1.0), ("R", -1.0)):
        index = body_index(f"{side}_Wrist")
        offset = PALM_CENTRE * np.array([1.0, sign, 1.0])
        centres.append(body_pos[0, index] + Rotation.from_quat(body_quat[0, index]).apply(offset))
    return np.stack(centres)


def test_hands_press_and_hold_a_box():
    spec = get_object(BOX)
    contact_deg = 10.0  # palms just touch the 0.25 m box's sides at this inward turn
    pose = _carry_pose(contact_deg)
    root_height = HIP_HEIGHT + 0.005
    palms = _palm_centres(pose, root_height)
    assert abs(palms[0, 1] - palms[1, 1]) - 2 * 0.02 < spec.size[1] + 0.01, "palms should start at the box's sides"
    box_centre = palms.mean(axis=0) + np.array([0.02, 0.0, 0.0])

    cfg = load_env_cfg(TASK, num_envs=2)
    cfg.terminations.fall = None
    cfg.scene.humanoid.init_state.joint_pos = {sim_joint_regex(name): angle for name, angle in pose.items()}
    cfg.scene.object = object_cfg(BOX)
    cfg.scene.object.init_state.pos = tuple(float(v) for v in box_centre)
    with open_env(TASK, seed=0, env_cfg=cfg) as env:
        env.reset(seed=0)
        humanoid, box = env.scene["humanoid"], env.scene["object"]
        # Squeeze: aim the hands 10 deg further inwards than the box allows; the PD torque presses the palms on it.
        squeeze = _carry_pose(contact_deg + 10.0)
        # The action term drives every joint in the articulation's order: target = default + scale * action.
        default = humanoid.data.default_joint_pos.torch[0]
        targets = torch.tensor([squeeze[canonical_joint_name(name)] for name in humanoid.joint_names])
        actions = ((targets - default) / cfg.actions.joint_pos.scale).expand(env.num_envs, -1)

        start = box.data.root_pos_w.torch[:, 2].clone()
        heights = []
        for _ in range(int(3.0 / env.step_dt)):
            env.step(actions)
            heights.append(box.data.root_pos_w.torch[:, 2].clone())
        heights = torch.stack(heights)
        pelvis = humanoid.data.root_pos_w.torch[:, 2]
        contacts = env.scene["humanoid_contacts"]
        palm_ids = [contacts.sensor_names.index(name) for name in ("L_Wrist", "R_Wrist")]
        palm_force = contacts.data.net_forces_w.torch[:, palm_ids].norm(dim=-1)

    assert (pelvis > HIP_HEIGHT - 0.05).all(), "the humanoid should keep standing while holding the box"
    assert (heights[-1] > start - 0.15).all(), f"the box dropped from {start.tolist()} to {heights[-1].tolist()} m"
    last_second = heights[-int(1.0 / env.step_dt) :]
    assert (last_second[0] - last_second[-1]).abs().max() < 0.02, "the box should be held still, not sliding out"
    assert (palm_force > spec.mass * 9.81 / 2).all(), f"both palms should press on the box, forces {palm_force}"
