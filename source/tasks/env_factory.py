"""Opening a registered InterPrior task outside Isaac Lab's CLI: for scripts, tests and notebooks."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence

import gymnasium as gym

from isaaclab.app import launch_simulation
from isaaclab.envs import ManagerBasedRLEnv, ManagerBasedRLEnvCfg

from isaaclab_tasks.utils import parse_env_cfg

TASK_PREFIX = "InterPrior-"


def interprior_task_ids() -> list[str]:
    """Every registered ``InterPrior-*`` gym id, sorted."""
    import interprior.tasks  # noqa: F401  (registers the tasks)

    return sorted(task for task in gym.registry if task.startswith(TASK_PREFIX))


def check_task_id(task: str) -> None:
    """Raise ``ValueError`` naming the known tasks when ``task`` is not a registered InterPrior task."""
    known = interprior_task_ids()
    if task not in known:
        raise ValueError(f"unknown task {task!r}; InterPrior tasks are: {', '.join(known)}")


def load_env_cfg(
    task: str, num_envs: int | None = None, device: str = "cpu", overrides: Sequence[str] = ()
) -> ManagerBasedRLEnvCfg:
    """The task's env config with presets resolved (``overrides`` such as ``["physics=physx"]``)."""
    check_task_id(task)
    return parse_env_cfg(task, device=device, num_envs=num_envs, overrides=list(overrides))


@contextlib.contextmanager
def open_env(
    task: str,
    num_envs: int | None = None,
    device: str = "cpu",
    seed: int | None = 0,
    overrides: Sequence[str] = (),
    env_cfg: ManagerBasedRLEnvCfg | None = None,
) -> Iterator[ManagerBasedRLEnv]:
    """Launch the simulation for ``task`` (kit-less unless the physics preset needs Isaac Sim) and yield its env.

    Args:
        task: A registered ``InterPrior-*`` id.
        num_envs: Parallel environments; ``None`` keeps the task's default.
        device: Torch and physics device, ``"cpu"`` or ``"cuda:N"``.
        seed: Environment seed; ``None`` leaves it unseeded.
        overrides: Hydra-style ``key=value`` overrides, for example ``["physics=physx"]``.
        env_cfg: A config to use instead of the registered one (``num_envs``/``device``/``seed`` still apply).
    """
    cfg = env_cfg if env_cfg is not None else load_env_cfg(task, num_envs, device, overrides)
    check_task_id(task)
    if num_envs is not None:
        cfg.scene.num_envs = num_envs
    cfg.sim.device = device
    cfg.seed = seed
    with launch_simulation(cfg, argparse.Namespace(device=device, headless=True)):
        env = gym.make(task, cfg=cfg).unwrapped
        try:
            yield env
        finally:
            env.close()
