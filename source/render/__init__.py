"""Offscreen pictures of rollouts: the simulated humanoid and object with the reference or goal as a ghost.

Rendering uses MuJoCo's offscreen renderer on a render-only model of our humanoid and the scene's object
(:mod:`.scene`), posed from the Isaac Lab state of one environment (:mod:`.recorder`); it needs an OpenGL context,
which Mesa's software EGL gives on a machine with no display or GPU (``MUJOCO_GL=egl``).
"""

from .recorder import RolloutRecorder, save_gif
from .scene import RenderScene

__all__ = ["RenderScene", "RolloutRecorder", "save_gif"]
