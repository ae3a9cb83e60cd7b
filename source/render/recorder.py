"""Recording one environment of a running Isaac Lab HOI env as pictures, and writing them as an animated GIF.

Each :meth:`RolloutRecorder.capture` poses the render scene from the env's simulated state (in the env's own frame)
and, when the env has them, shows the reference frame the state should match (command ``reference``) as a ghost, or
on goal tasks (command ``goal``) the snapshot goal as the ghost and its given body positions as markers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from interprior.assets.humanoid import canonical_joint_name
from interprior.assets.embodiment import get_embodiment
from interprior.tasks.hoi.mdp.object_switch import OBJECT_SWITCH_TERM, ObjectSwitch, object_switch_term

from .scene import RenderScene

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

CAMERA_SMOOTHING = 0.1
"""Fraction of the way the camera's aim moves to the pelvis per frame, so the view follows without shaking."""


def active_object_switch(env: ManagerBasedRLEnv) -> ObjectSwitch | None:
    """The env's object switch term, or ``None`` when the scene's object is always the one it spawned."""
    event_terms = [name for names in env.event_manager.active_terms.values() for name in names]
    return object_switch_term(env) if OBJECT_SWITCH_TERM in event_terms else None


class RolloutRecorder:
    """Pictures of environment ``env_id`` of ``env``, one per :meth:`capture`, ``width`` x ``height`` pixels."""

    def __init__(self, env: ManagerBasedRLEnv, env_id: int = 0, width: int = 480, height: int = 360) -> None:
        self.env, self.env_id, self.size = env, env_id, (width, height)
        self.humanoid, self.object = env.scene["humanoid"], env.scene["object"]
        self.embodiment = get_embodiment(env.cfg.embodiment)
        sim_joints = [canonical_joint_name(name) for name in self.humanoid.joint_names]
        self.joint_ids = [sim_joints.index(name) for name in self.embodiment.joint_names]
        """Simulator joint index of each of the embodiment's hinges."""
        terms = env.command_manager.active_terms
        self.reference = env.command_manager.get_term("reference") if "reference" in terms else None
        self.goal = env.command_manager.get_term("goal") if "goal" in terms else None
        self.switch = active_object_switch(env)
        self.spawned_object_name = Path(env.cfg.scene.object.spawn.usd_path).stem
        """Library name of the object the scene spawned (its USD file is named after it)."""
        self.frames: list[np.ndarray] = []
        self.scene: RenderScene | None = None
        self.look_at: np.ndarray | None = None

    def capture(self) -> np.ndarray:
        """Render the environment's current state and keep the picture; returns it (height, width, 3) uint8."""
        i = self.env_id
        switched_name = self.switch.object_names[i] if self.switch is not None else None
        object_name = self.spawned_object_name if switched_name is None else switched_name
        if self.scene is None or self.scene.object_name != object_name:
            if self.scene is not None:
                self.scene.close()
            self.scene = RenderScene(object_name, *self.size, embodiment=self.embodiment)
        if switched_name is not None:  # the drawn size, not the library box's
            self.scene.set_object_size(self.switch.half_extents[i].cpu().numpy())
        origin = self.env.scene.env_origins[i].cpu().numpy()
        data = self.humanoid.data
        root_pos = data.root_pos_w.torch[i].cpu().numpy() - origin
        joint_pos = data.joint_pos.torch[i, self.joint_ids].cpu().numpy()
        self.scene.set_humanoid(root_pos, data.root_quat_w.torch[i].cpu().numpy(), joint_pos)
        object_data = self.object.data
        self.scene.set_object(object_data.root_pos_w.torch[i].cpu().numpy() - origin, object_data.root_quat_w.torch[i].cpu().numpy())
        self._show_target()
        self.look_at = root_pos if self.look_at is None else self.look_at + CAMERA_SMOOTHING * (root_pos - self.look_at)
        frame = self.scene.render(self.look_at)
        self.frames.append(frame)
        return frame

    def _show_target(self) -> None:
        """Ghost and markers: the goal snapshot and its given body positions, else the reference's next frame."""
        i, scene = self.env_id, self.scene
        if self.goal is not None:
            frame = self.goal.goal_frames()
            snapshot = {name: getattr(frame, name)[i, -1].cpu().numpy() for name in ("root_pos", "root_quat", "joint_pos", "object_pos", "object_quat", "body_pos")}
            given = self.goal.component_mask[i, -1, self.goal.layout.body_pos].cpu().numpy() > 0
            scene.set_markers(snapshot["body_pos"][given])
        elif self.reference is not None:
            target = self.reference.target
            snapshot = {name: getattr(target, name)[i].cpu().numpy() for name in ("root_pos", "root_quat", "joint_pos", "object_pos", "object_quat")}
            scene.set_markers(np.zeros((0, 3)))
        else:
            scene.show_ghost(False)
            return
        scene.set_humanoid(snapshot["root_pos"], snapshot["root_quat"], snapshot["joint_pos"], ghost=True)
        scene.set_object(snapshot["object_pos"], snapshot["object_quat"], ghost=True)

    def close(self) -> None:
        if self.scene is not None:
            self.scene.close()
            self.scene = None


def save_gif(frames: list[np.ndarray], path: Path, fps: float) -> Path:
    """Write ``frames`` (each (H, W, 3) uint8) as an animated GIF at ``fps`` frames per second.

    Raises:
        ValueError: No frames, or ``path`` does not end in ``.gif``.
    """
    path = Path(path)
    if not frames:
        raise ValueError("no frames to write")
    if path.suffix.lower() != ".gif":
        raise ValueError(f"video {path}: only animated GIF (.gif) is written (no ffmpeg on these machines)")
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000.0 / fps), loop=0)
    return path
