"""Registering a task once per embodiment: ``InterPrior-<Task>-v0`` on our humanoid, ``InterPrior-<Task>-G1-v0`` on the
Unitree G1, each with its own env and runner cfg classes."""

from __future__ import annotations

import re

import gymnasium as gym

EMBODIMENT_VARIANTS = ("", "G1")
"""The variant name of each embodiment's tasks and cfg classes: none for our humanoid, ``G1`` for the Unitree G1."""

_CFG_SUFFIX = re.compile(r"(EnvCfg|DistillationCfg|FinetuneCfg)$")
"""The kind of a cfg class, after which a variant's name goes (``SnapshotEnvCfg`` -> ``SnapshotG1EnvCfg``)."""


def register_embodiment_variants(task: str, **entry_points: str) -> None:
    """Register ``task`` and its variant on every embodiment of :data:`EMBODIMENT_VARIANTS` as manager-based RL envs.

    Args:
        task: The task's name in the gym id (``Snapshot`` for ``InterPrior-Snapshot-v0``).
        **entry_points: Gym kwargs ``module:Class`` of our humanoid's cfg classes (``env_cfg_entry_point``, a runner
            cfg); each variant uses the class named with the variant before its kind (``SnapshotG1EnvCfg``).
    """
    for variant in EMBODIMENT_VARIANTS:
        gym.register(
            id=f"InterPrior-{'-'.join(filter(None, (task, variant)))}-v0",
            entry_point="isaaclab.envs:ManagerBasedRLEnv",
            disable_env_checker=True,
            kwargs={key: _CFG_SUFFIX.sub(rf"{variant}\1", point) for key, point in entry_points.items()},
        )
