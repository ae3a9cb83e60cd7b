"""A render-only MuJoCo model: ground, light, the humanoid, a translucent ghost humanoid and object, goal markers.

The model is never stepped: :class:`RenderScene` writes poses into ``qpos`` and mocap positions, runs forward
kinematics and renders. The ghost shows the reference frame (tracking) or the goal snapshot (goal tasks); markers
show the goal's given body positions.
"""

from __future__ import annotations

import mujoco
import numpy as np

from interprior.assets.object_mjcf import object_body_mjcf
from interprior.assets.embodiment import SMPL, Embodiment

GHOST_PREFIX = "ghost_"
GHOST_RGBA = (0.35, 0.65, 1.0, 0.35)
MARKER_RGBA = (0.2, 0.9, 0.3, 0.9)
MARKER_RADIUS = 0.04
"""Goal markers are spheres of this radius (m)."""
HIDDEN = np.array([0.0, 0.0, -10.0])
"""Where unused markers wait, under the ground (m)."""

_GROUND = """
<mujoco>
  <visual><headlight ambient="0.35 0.35 0.35" diffuse="0.5 0.5 0.5"/><global offwidth="1280" offheight="960"/></visual>
  <asset>
    <texture type="skybox" builtin="gradient" rgb1="0.65 0.75 0.85" rgb2="0.25 0.3 0.4" width="256" height="256"/>
    <texture name="grid" type="2d" builtin="checker" rgb1="0.55 0.55 0.55" rgb2="0.45 0.45 0.45" width="512" height="512"/>
    <material name="grid" texture="grid" texrepeat="40 40"/>
  </asset>
  <worldbody>
    <light pos="0 0 6" dir="0 0 -1" directional="true"/>
    <geom name="ground" type="plane" size="20 20 0.1" material="grid"/>
  </worldbody>
</mujoco>
"""


def _spec(xml: str) -> mujoco.MjSpec:
    return mujoco.MjSpec.from_string(xml)


class RenderScene:
    """The render model of the embodiment's character with ``object_name``, and a renderer of ``width`` x ``height``
    pixels."""

    def __init__(self, object_name: str, width: int = 480, height: int = 360, embodiment: Embodiment = SMPL) -> None:
        self.object_name, self.embodiment = object_name, embodiment
        spec = _spec(_GROUND)
        for prefix, rgba in (("", None), (GHOST_PREFIX, GHOST_RGBA)):
            humanoid = _spec(embodiment.mjcf())
            thing = _spec(f"<mujoco><worldbody>{object_body_mjcf(object_name)}</worldbody></mujoco>")
            for part in (humanoid, thing):
                part.option.timestep, part.option.integrator = spec.option.timestep, spec.option.integrator  # never stepped
                for geom in part.geoms:
                    geom.contype = geom.conaffinity = 0
                    if rgba is not None:
                        geom.rgba = rgba
                for body in part.worldbody.bodies:
                    spec.worldbody.add_frame().attach_body(body, prefix, "")
        for index in range(len(embodiment.body_names)):
            marker = spec.worldbody.add_body(name=f"marker_{index}", mocap=True, pos=HIDDEN)
            marker.add_geom(type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[MARKER_RADIUS, 0, 0], rgba=MARKER_RGBA,
                            contype=0, conaffinity=0)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        self._humanoid_qpos = {prefix: self._qpos_ids(prefix) for prefix in ("", GHOST_PREFIX)}
        self._object_qpos = {
            prefix: self.model.joint(f"{prefix}object_root").qposadr[0] for prefix in ("", GHOST_PREFIX)
        }
        self.renderer = mujoco.Renderer(self.model, height, width)
        self.camera = mujoco.MjvCamera()
        self.camera.distance, self.camera.elevation, self.camera.azimuth = 3.5, -20.0, 135.0
        self.show_ghost(False)

    def _qpos_ids(self, prefix: str) -> np.ndarray:
        """qpos addresses: 7 of the root free joint, then one per hinge in the embodiment's joint order."""
        root = self.model.jnt_qposadr[self.model.body(f"{prefix}{self.embodiment.root_body}").jntadr[0]]
        hinges = [self.model.joint(f"{prefix}{name}").qposadr[0] for name in self.embodiment.joint_names]
        return np.concatenate([np.arange(root, root + 7), hinges])

    def set_humanoid(self, root_pos, root_quat_xyzw, joint_pos, ghost: bool = False) -> None:
        """Pose the humanoid (or its ghost): root position (3,) in m, orientation (4,) xyzw, hinges (J,) in rad."""
        qpos = np.concatenate([root_pos, np.roll(root_quat_xyzw, 1), joint_pos])
        self.data.qpos[self._humanoid_qpos[GHOST_PREFIX if ghost else ""]] = qpos

    def set_object(self, pos, quat_xyzw, ghost: bool = False) -> None:
        """Place the object (or its ghost): position (3,) in m, orientation (4,) xyzw."""
        start = self._object_qpos[GHOST_PREFIX if ghost else ""]
        self.data.qpos[start : start + 7] = np.concatenate([pos, np.roll(quat_xyzw, 1)])

    def set_object_size(self, half_extents: np.ndarray) -> None:
        """Resize the object (not its ghost), a single box, to ``half_extents`` (3,) (m): the size an object switch
        drew for the simulated box, while the ghost keeps the clip's box.

        Raises:
            ValueError: The object is not a single box.
        """
        body = self.model.body("object")
        geom = body.geomadr[0]
        if body.geomnum[0] != 1 or self.model.geom_type[geom] != mujoco.mjtGeom.mjGEOM_BOX:
            raise ValueError(f"{self.object_name} is not a single box: it cannot be resized")
        self.model.geom_size[geom] = half_extents

    def show_ghost(self, visible: bool) -> None:
        """Show or hide the ghost humanoid and object (hidden ones are moved under the ground)."""
        if not visible:
            rest = np.zeros(len(self.embodiment.joint_names))
            self.set_humanoid(HIDDEN, np.array([0.0, 0.0, 0.0, 1.0]), rest, ghost=True)
            self.set_object(HIDDEN, np.array([0.0, 0.0, 0.0, 1.0]), ghost=True)

    def set_markers(self, points: np.ndarray) -> None:
        """Show a marker at each of ``points`` (K, 3), K <= the number of bodies (m); the others are hidden."""
        self.data.mocap_pos[:] = HIDDEN
        self.data.mocap_pos[: len(points)] = points

    def render(self, look_at: np.ndarray) -> np.ndarray:
        """An RGB image (height, width, 3) uint8 of the current poses, the camera aimed at ``look_at`` (3,) (m)."""
        mujoco.mj_kinematics(self.model, self.data)
        self.camera.lookat[:] = look_at
        self.renderer.update_scene(self.data, self.camera)
        return self.renderer.render()

    def close(self) -> None:
        """Release the OpenGL context (rather than at interpreter exit, where EGL may already be gone)."""
        self.renderer.close()
