"""Isaac Lab configurations of the library objects (rigid bodies spawned from their converted USD)."""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.assets import RigidObjectCfg

from .build import object_usd
from .objects import get_object


def object_cfg(name: str, pos: tuple[float, float] = (0.6, 0.0), prim_path: str = "{ENV_REGEX_NS}/Object") -> RigidObjectCfg:
    """A rigid object ``name`` from the library, resting upright on the ground at ``pos`` (x, y in m)."""
    spec = get_object(name)
    return RigidObjectCfg(
        prim_path=prim_path,
        spawn=sim_utils.UsdFileCfg(usd_path=str(object_usd(name))),
        init_state=RigidObjectCfg.InitialStateCfg(pos=(pos[0], pos[1], spec.half_height)),
    )
