"""An rsl_rl ``OnPolicyRunner`` for a registered InterPrior task.

Isaac Lab resolves the task's env and agent configs (presets and ``env.``/``agent.`` overrides), rsl_rl runs PPO,
logs and saves; this module adds what the InterPrior scripts need on top: a finite-value guard between env and
runner, a progress bar, checkpoints checked against the policy before loading, and an iteration count that
continues after a resume instead of repeating the checkpoint's last iteration.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rsl_rl.env import VecEnv
from rsl_rl.runners import OnPolicyRunner

from isaaclab.envs import ManagerBasedRLEnv, ManagerBasedRLEnvCfg

from isaaclab_rl.rsl_rl import RslRlOnPolicyRunnerCfg, check_rsl_rl_version, handle_deprecated_rsl_rl_cfg

from interprior.tasks.env_factory import load_task_and_agent_cfgs

from .checkpoints import OPTIMIZER_KEY, check_checkpoint_fits
from .finite import FiniteVecEnvWrapper
from .progress import ProgressLogger

AGENT_CFG_ENTRY_POINT = "rsl_rl_cfg_entry_point"
"""The gym registration key of a task's rsl_rl runner config."""


def load_task_configs(
    task: str, overrides: Sequence[str] = (), play: bool = False
) -> tuple[ManagerBasedRLEnvCfg, RslRlOnPolicyRunnerCfg]:
    """The env and rsl_rl runner configs of ``task`` with Hydra-style ``overrides`` applied.

    Args:
        task: A registered ``InterPrior-*`` id.
        overrides: For example ``["physics=physx", "env.scene.num_envs=8", "agent.max_iterations=3"]``.
        play: Apply the env config's ``play_mode()`` if it has one.

    Raises:
        ValueError: Unknown task, or an override that does not resolve.
    """
    env_cfg, agent_cfg = load_task_and_agent_cfgs(task, AGENT_CFG_ENTRY_POINT, overrides, play)
    if agent_cfg.class_name != "OnPolicyRunner":
        raise ValueError(f"task {task} asks for an rsl_rl {agent_cfg.class_name}; only OnPolicyRunner is supported")
    return env_cfg, handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())


class InterPriorRunner(OnPolicyRunner):
    """rsl_rl's PPO runner with a progress bar, shape-checked checkpoint loading and continuing iterations."""

    def __init__(self, env: VecEnv, train_cfg: dict, log_dir: str | None = None, device: str = "cpu") -> None:
        super().__init__(env, train_cfg, log_dir=log_dir, device=device)
        self.logger = ProgressLogger(
            log_dir=log_dir,
            cfg=self.cfg,
            env_cfg=env.cfg,
            num_envs=env.num_envs,
            is_distributed=self.is_distributed,
            gpu_world_size=self.gpu_world_size,
            gpu_global_rank=self.gpu_global_rank,
            device=device,
        )

    def load(
        self, path: str, load_cfg: dict | None = None, strict: bool = True, map_location: str | None = None
    ) -> dict:
        """Load a checkpoint after checking it fits this policy; training then resumes after its iteration. A released
        checkpoint (no optimizer state, :func:`~.checkpoints.release_checkpoint`) leaves the optimizer fresh.

        Raises:
            CheckpointError: The checkpoint is unreadable or was trained for other observation or action sizes.
        """
        saved = check_checkpoint_fits(Path(path), self.alg.save())
        if load_cfg is None and OPTIMIZER_KEY not in saved:
            load_cfg = {"actor": True, "critic": True, "iteration": True}
        infos = super().load(path, load_cfg=load_cfg, strict=strict, map_location=map_location)
        if load_cfg is None or load_cfg.get("iteration"):
            # a checkpoint is saved after its iteration finished, so learning continues with the next one
            self.current_learning_iteration += 1
        return infos


def make_runner(
    env: ManagerBasedRLEnv, agent_cfg: RslRlOnPolicyRunnerCfg, log_dir: Path | None = None
) -> InterPriorRunner:
    """A runner on ``env`` behind the finite-value guard; ``log_dir=None`` writes no logs (for playing)."""
    guarded_env = FiniteVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    return InterPriorRunner(
        guarded_env, agent_cfg.to_dict(), log_dir=None if log_dir is None else str(log_dir), device=agent_cfg.device
    )
