"""Session set-up shared by every test module."""

import os

# MuJoCo picks its OpenGL backend when it is first imported: offscreen EGL, as on a machine with no display.
os.environ.setdefault("MUJOCO_GL", "egl")
