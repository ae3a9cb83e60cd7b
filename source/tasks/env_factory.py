"""Opening a registered InterPrior task outside Isaac Lab's CLI: for scripts, tests and notebooks."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence

import gymnasium as gym

from isaaclab.app import launch_simulation
from isaaclab.envs import ManagerBasedRLEnv, ManagerBasedRLEnvCfg

from isaaclab_tasks.utils import parse_env_cfg, resolve_task_config

from .registration import EMBODIMENT_VARIANTS

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


def has_learner_config(task: str, entry_point: str) -> bool:
    """Whether the registered ``task`` names a learner config at ``entry_point`` (``ValueError`` for an unknown task)."""
    check_task_id(task)
    return entry_point in gym.spec(task).kwargs


def check_embodiment(task: str, env_cfg: ManagerBasedRLEnvCfg) -> None:
    """Raise ``ValueError`` when the scene's humanoid is not the character ``env_cfg.embodiment`` names.

    The config builds its humanoid from its embodiment when it is made, so an override such as ``env.embodiment=g1``
    would leave the other character in the scene while every term reads the new one's bodies.
    """
    from interprior.assets.embodiment import get_embodiment

    humanoid_usd = env_cfg.scene.humanoid.spawn.usd_path
    if humanoid_usd != str(get_embodiment(env_cfg.embodiment).usd()):
        variants = [known for known in interprior_task_ids() if _character_free_id(known) == _character_free_id(task)]
        raise ValueError(
            f"{task}'s humanoid ({humanoid_usd}) is not the embodiment {env_cfg.embodiment!r}: the embodiment is a"
            f" property of the task and cannot be overridden; pick the task's variant instead (one of {variants})"
        )


def _character_free_id(task: str) -> str:
    """``task`` without its embodiment suffix: the id its variants for the other characters share."""
    task = task.removesuffix("-v0")
    for variant in filter(None, EMBODIMENT_VARIANTS):
        task = task.removesuffix(f"-{variant}")
    return task


def load_env_cfg(
    task: str, num_envs: int | None = None, device: str = "cpu", overrides: Sequence[str] = ()
) -> ManagerBasedRLEnvCfg:
    """The task's env config with presets resolved (``overrides`` such as ``["physics=physx"]``)."""
    check_task_id(task)
    env_cfg = parse_env_cfg(task, device=device, num_envs=num_envs, overrides=list(overrides))
    check_embodiment(task, env_cfg)
    return env_cfg


def load_task_and_agent_cfgs(task: str, entry_point: str, overrides: Sequence[str] = (), play: bool = False):
    """The env config of ``task`` and its learner config registered under ``entry_point``, with Hydra-style
    ``overrides`` (``env.*``, ``agent.*``, presets) applied and the env's ``play_mode()`` when ``play``.

    Raises:
        ValueError: Unknown task, a task without a config at ``entry_point``, an override that does not resolve, or
            one that changes the embodiment.
    """
    if not has_learner_config(task, entry_point):
        raise ValueError(f"task {task} has no learner config of this kind ({entry_point})")
    env_cfg, agent_cfg = resolve_task_config(task, entry_point, play_mode=play, overrides=list(overrides))
    check_embodiment(task, env_cfg)
    return env_cfg, agent_cfg


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
