"""The Stage 2 online DAgger runner: the InterPrior policy learns the expert's actions on a mixture of the expert's
and its own rollouts.

Every iteration collects ``num_steps_per_env`` steps from all envs. At each step the student acts on its training
path (prior + encoder with the privileged goal frames, z drawn with the env's per-episode eps), the expert gives its
action mean on the ``expert`` observation, and each env executes the expert's action with probability beta (drawn
per env and per step, as InterMimic's student) and the student's otherwise. Envs whose episode ends get new eps.
The learner then runs ``num_learning_epochs`` x ``num_mini_batches`` Adam steps of the distillation loss on disjoint
pairs of consecutive steps (each stored step in one), and adds the rollout's observations to the policy's normalizer.

Logging (rsl_rl's logger: TensorBoard and the console) covers every loss part (``Loss/<part>``), beta
(``Distillation/expert_share``) and the share of actions the expert actually executed, episode rewards and lengths,
the latent's statistics (``Latent/...``, :class:`~interprior.agents.latent.LatentStatistics`) and the env's episode
metrics such as ``Metrics/goal/goal_error``. ``Policy/mean_std`` is the mean posterior
standard deviation sigma_q of the latent.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

import torch
from tensordict import TensorDict
from torch import nn

from isaaclab.envs import ManagerBasedRLEnv

from interprior.agents.checkpoints import OPTIMIZER_KEY
from interprior.agents.finite import FiniteVecEnvWrapper
from interprior.agents.latent import LatentPolicy, LatentStatistics, distillation_loss
from interprior.agents.progress import ProgressLogger

from .checkpoint import check_policy_fits, read_distillation_checkpoint
from .config import DistillationRunnerCfg
from .expert import load_expert
from .inputs import PolicyInputReader, fit_policy_to_env
from .schedule import expert_share
from .storage import DistillationStorage, mini_batches

EXPERT_SHARE_KEY = "Distillation/expert_share"
"""TensorBoard scalar: beta of the iteration."""

EXPERT_ACTIONS_KEY = "Distillation/expert_action_fraction"
"""TensorBoard scalar: the fraction of the iteration's executed actions that were the expert's."""


class DistillationRunner:
    """Online DAgger distillation of a frozen expert into a :class:`LatentPolicy`, with rsl_rl's logging and
    checkpoint conventions (``model_<it>.pt`` every ``save_interval`` iterations and at the end; a resumed run
    continues after the checkpoint's iteration).

    Args:
        env: The goal task behind the finite-value guard.
        cfg: Runner config; ``cfg.policy`` must already fit the env (:func:`fit_policy_to_env`).
        expert: Maps the env's observation TensorDict to the expert's action means (N, A).
        log_dir: Run directory; None writes neither logs nor checkpoints.
    """

    def __init__(
        self, env: FiniteVecEnvWrapper, cfg: DistillationRunnerCfg, expert: nn.Module, log_dir: Path | None = None
    ) -> None:
        self.env = env
        self.cfg = cfg
        self.device = cfg.device
        self.expert = expert
        self.policy = LatentPolicy(cfg.policy, env.num_envs, self.device)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=cfg.algorithm.learning_rate)
        self.reader = PolicyInputReader(cfg.policy, env.num_envs, self.device)
        self.storage = DistillationStorage(cfg.num_steps_per_env)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.latent_statistics = LatentStatistics()
        self.logger = ProgressLogger(
            log_dir=None if log_dir is None else str(log_dir),
            cfg=cfg.to_dict(),
            env_cfg=env.cfg,
            num_envs=env.num_envs,
            is_distributed=False,
            gpu_world_size=1,
            gpu_global_rank=0,
            device=self.device,
            description="DAgger iterations",
        )
        self.current_learning_iteration = 0

    def learn(self, num_learning_iterations: int) -> None:
        """Run ``num_learning_iterations`` iterations after the current one (rollout, update, log, save)."""
        obs = self.env.get_observations().to(self.device)
        self.policy.train()
        self.logger.init_logging_writer()
        start_it = self.current_learning_iteration
        total_it = start_it + num_learning_iterations
        for it in range(start_it, total_it):
            start = time.time()
            beta = expert_share(it, self.cfg.algorithm)
            obs, expert_fraction, latent_std = self._collect(obs, beta)
            collect_time = time.time() - start
            start = time.time()
            losses = self._update()
            learn_time = time.time() - start
            self.current_learning_iteration = it
            self.logger.ep_extras.append(
                {EXPERT_SHARE_KEY: beta, EXPERT_ACTIONS_KEY: expert_fraction, **self.latent_statistics.pop()}
            )
            self.logger.log(
                it=it,
                start_it=start_it,
                total_it=total_it,
                collect_time=collect_time,
                learn_time=learn_time,
                loss_dict=losses,
                learning_rate=self.cfg.algorithm.learning_rate,
                action_std=latent_std,
                rnd_weight=None,
            )
            if self.logger.writer is not None and it % self.cfg.save_interval == 0:
                self.save(os.path.join(self.logger.log_dir, f"model_{it}.pt"))
        if self.logger.writer is not None:
            self.save(os.path.join(self.logger.log_dir, f"model_{self.current_learning_iteration}.pt"))
            self.logger.stop_logging_writer()

    def _collect(self, obs: TensorDict, beta: float) -> tuple[TensorDict, float, torch.Tensor]:
        """One rollout from ``obs``; returns the last observation, the fraction of expert actions executed and the
        mean posterior sigma (a scalar tensor)."""
        num_envs = self.env.num_envs
        expert_steps = 0
        latent_std = torch.zeros((), device=self.device)
        with torch.inference_mode():
            for _ in range(self.cfg.num_steps_per_env):
                inputs = self.reader.read(obs)
                eps = self.policy.eps.clone()
                student = self.policy(
                    inputs.history,
                    inputs.history_valid,
                    inputs.goals,
                    inputs.goal_present,
                    privileged=inputs.privileged,
                )
                self.latent_statistics.add(student)
                expert_action = self.expert(obs)
                use_expert = (torch.rand(num_envs, generator=self.generator) < beta).to(self.device)
                actions = torch.where(use_expert.unsqueeze(-1), expert_action, student.action)
                obs, rewards, dones, extras = self.env.step(actions.to(self.env.device))
                obs, rewards, dones = obs.to(self.device), rewards.to(self.device), dones.to(self.device)
                self.storage.add(inputs, eps, expert_action, dones)
                self.reader.step(dones)
                if ended := dones.nonzero().flatten().tolist():
                    self.policy.reset(ended)
                self.logger.process_env_step(rewards, dones, extras)
                expert_steps += int(use_expert.sum())
                latent_std += student.posterior_log_sigma.exp().mean() / self.cfg.num_steps_per_env
        return obs, expert_steps / (num_envs * self.cfg.num_steps_per_env), latent_std

    def _update(self) -> dict[str, float]:
        """Adam steps on the stored rollout, then the normalizer update; returns the mean of every loss part."""
        algorithm = self.cfg.algorithm
        batch = self.storage.pairs()
        sums: dict[str, float] = defaultdict(float)
        num_updates = algorithm.num_learning_epochs * algorithm.num_mini_batches
        for _ in range(algorithm.num_learning_epochs):
            for mini_batch in mini_batches(batch, algorithm.num_mini_batches, self.generator):
                parts = distillation_loss(self.policy, mini_batch, self.cfg.policy.loss)
                self.optimizer.zero_grad()
                parts["total"].backward()
                nn.utils.clip_grad_norm_(self.policy.parameters(), algorithm.max_grad_norm)
                self.optimizer.step()
                for name, value in parts.items():
                    sums[name] += value.item() / num_updates
        # each stored observation once: the newest step of every history
        current = self.storage.stacked("history")[:, :, -1:].flatten(0, 1)
        current_valid = self.storage.stacked("history_valid")[:, :, -1:].flatten(0, 1)
        self.policy.update_normalization(current, current_valid)
        self.storage.clear()
        return dict(sums)

    def add_git_repo_to_log(self, repo_file_path: str) -> None:
        """Store the git state of the repository holding ``repo_file_path`` with the run, as rsl_rl's runner does."""
        self.logger.git_status_repos.append(repo_file_path)

    def save(self, path: str) -> None:
        """Write the policy (with normalizer and config), the Adam state and the current iteration to ``path``."""
        checkpoint = {
            "policy_state_dict": self.policy.state_dict(),
            OPTIMIZER_KEY: self.optimizer.state_dict(),
            "iter": self.current_learning_iteration,
            "policy_cfg": self.cfg.policy.to_dict(),
        }
        torch.save(checkpoint, path)
        self.logger.save_model(path, self.current_learning_iteration)

    def load(self, path: str | Path) -> None:
        """Restore policy, normalizer and Adam state from ``path``; learning continues after its iteration. A released
        checkpoint (no optimizer state) leaves Adam fresh.

        Raises:
            CheckpointError: The file is unreadable, not a distillation checkpoint, or of other policy sizes.
        """
        checkpoint = read_distillation_checkpoint(Path(path))
        check_policy_fits(Path(path), checkpoint, self.policy)
        self.policy.load_state_dict(checkpoint["policy_state_dict"])
        if OPTIMIZER_KEY in checkpoint:
            self.optimizer.load_state_dict(checkpoint[OPTIMIZER_KEY])
        # a checkpoint is saved after its iteration finished, so learning continues with the next one
        self.current_learning_iteration = checkpoint["iter"] + 1


def make_distillation_runner(
    env: ManagerBasedRLEnv, cfg: DistillationRunnerCfg, expert_path: str | Path, log_dir: Path | None = None
) -> DistillationRunner:
    """A runner on the goal task ``env`` behind the finite-value guard, distilling the expert at ``expert_path``.

    Sets the env-determined sizes of ``cfg.policy``.

    Raises:
        ValueError: The env is not a goal task.
        CheckpointError: The expert cannot be loaded or does not fit the env's ``expert`` observation.
    """
    guarded_env = FiniteVecEnvWrapper(env)
    obs = guarded_env.get_observations().to(cfg.device)
    fit_policy_to_env(cfg.policy, env.cfg, obs, guarded_env.num_actions)
    expert = load_expert(expert_path, obs, guarded_env.num_actions, env.cfg, cfg.device)
    return DistillationRunner(guarded_env, cfg, expert, log_dir)
