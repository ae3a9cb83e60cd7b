"""``InterPrior-Scene-G1-v0``: the base HOI scene with the Unitree G1 in place of our humanoid.

The G1 holds Menagerie's standing pose under PD next to the box, as ``InterPrior-Scene-v0`` does with our humanoid;
the scene's observations, reward and terminations read nothing embodiment-specific.
"""

from __future__ import annotations

from isaaclab.utils import configclass

from .hoi_env_cfg import HoiEnvCfg


@configclass
class HoiG1EnvCfg(HoiEnvCfg):
    """:class:`HoiEnvCfg` with the G1 as the scene's humanoid."""

    embodiment: str = "g1"
