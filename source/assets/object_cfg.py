"""Isaac Lab configuration of the scene's object, a rigid body spawned from a library object's converted USD.

A scene holds one library object, the same in every environment: Newton's MuJoCo solver needs every world to share
its shape types and layout (measured with Newton 1.6: mixing a stool and a box across worlds put the stool's parts
at the box's shape positions), so tasks pick their object by name and train on that object's clips.
"""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.assets import RigidObjectCfg

from .build import object_usd
from .objects import get_object

OBJECT_PRIM_PATH = "{ENV_REGEX_NS}/Object"


def object_cfg(name: str, pos: tuple[float, float] = (0.6, 0.0)) -> RigidObjectCfg:
    """Library object ``name`` resting upright on the ground at ``pos`` ((x, y) in m, env frame)."""
    spec = get_object(name)
    return RigidObjectCfg(
        prim_path=OBJECT_PRIM_PATH,
        spawn=sim_utils.UsdFileCfg(usd_path=str(object_usd(name))),
        init_state=RigidObjectCfg.InitialStateCfg(pos=(pos[0], pos[1], spec.half_height)),
    )
