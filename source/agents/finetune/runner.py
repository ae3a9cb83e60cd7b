"""The Stage 3 fine-tuning runner: PPO on the distilled policy in the in-betweening envs, anchored by the Stage 2
distillation loss in the distillation envs, optionally over several processes.

The env splits its envs (:attr:`~interprior.tasks.hoi.mdp.random_start.RandomStart.distillation_envs`):

- reinforcement-learning envs act with the policy on its prior path (z = mu_p + sigma_p * eps with the episode's eps)
  and a Gaussian of learnable per-action standard deviation around the decoder's action; their transitions (with
  the eps of each step) fill rsl_rl's :class:`~rsl_rl.storage.RolloutStorage` for PPO with a critic MLP;
- distillation envs pursue the Stage 2 goals and act exactly as in the DAgger runner: the student on its training
  path, or with probability beta the expert, whose action means are stored as labels for
  :func:`~interprior.agents.latent.distillation_loss`.

Every iteration collects ``num_steps_per_env`` steps from all envs, then runs ``num_learning_epochs`` x
``num_mini_batches`` Adam steps, each on ppo_loss (one mini-batch of RL transitions) + w * distillation_loss (one
mini-batch of distillation step pairs); with several processes the gradients are averaged over the ranks before
every step (:mod:`.distributed`). The policy (with the action std) steps at the adaptive step size, the critic at its
own fixed one, each with its own gradient norm clip; for the first ``critic_warmup_iterations`` of a run the RL envs
contribute only the value loss. Only rank 0 logs and saves.

Logging (rsl_rl's logger) covers every PPO and distillation loss part, the step size, the action std, the latent's
statistics (``Latent/...``), the rewards and lengths of the RL envs' episodes and the env's episode metrics
(averaged over all envs that reset).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import time
from collections import defaultdict
from pathlib import Path

import torch
from tensordict import TensorDict
from torch import nn

from isaaclab.envs import ManagerBasedRLEnv

from rsl_rl.modules.distribution import GaussianDistribution
from rsl_rl.storage import RolloutStorage

from interprior.agents.checkpoints import OPTIMIZER_KEY, CheckpointError, resolve_checkpoint
from interprior.agents.curriculum_state import curriculum_state, load_curriculum_state
from interprior.agents.distillation.checkpoint import check_policy_fits
from interprior.agents.distillation.expert import load_expert
from interprior.agents.distillation.inputs import PolicyInputReader, PolicyInputs
from interprior.agents.distillation.storage import DistillationStorage, mini_batches
from interprior.agents.finite import FiniteVecEnvWrapper
from interprior.agents.latent import LatentPolicy, LatentPolicyOutput, LatentStatistics, distillation_loss
from interprior.agents.progress import ProgressLogger

from .checkpoint import read_finetune_checkpoint
from .config import FinetuneRunnerCfg
from .critic import Critic
from .distributed import ProcessGroup, average_gradients, average_scalar, broadcast_parameters
from .ppo import adapted_learning_rate, compute_returns, ppo_loss
from .stage2 import load_stage2_policy

REFERENCE_COMMAND = "reference"
"""The command term that splits the envs (its ``distillation_envs``)."""

ACTOR_GROUP = 0
"""Index of the optimizer's parameter group of the policy and the action std (the critic's is the other)."""

CURRICULUM_KEY = "curriculum_state"
"""The checkpoint entry holding the env's curriculum state (:mod:`interprior.agents.curriculum_state`); checkpoints
written before it existed lack it."""

DISTILLATION_ENVS_KEY = "Finetune/distillation_envs"
"""TensorBoard scalar: the number of distillation envs of a process."""

ROLLOUT_FIELDS = ("history", "history_valid", "goals", "goal_present", "task_ids", "eps")
"""The per-step policy inputs an RL transition stores, replayed by the update."""


def _rows(inputs: PolicyInputs, rows: torch.Tensor) -> PolicyInputs:
    """``inputs`` of the envs ``rows`` (N,) bool."""
    return PolicyInputs(**{field.name: getattr(inputs, field.name)[rows] for field in dataclasses.fields(PolicyInputs)})


class FinetuneRunner:
    """PPO plus parallel distillation on a :class:`LatentPolicy`, with rsl_rl's logging and checkpoint conventions
    (``model_<it>.pt`` every ``save_interval`` iterations and at the end; a resumed run continues after the
    checkpoint's iteration).

    Args:
        env: The in-betweening task behind the finite-value guard; its reference term splits the envs.
        cfg: Runner config.
        policy: The Stage 2 policy to fine-tune (one eps row per env, task tokens for the task's ids).
        expert: Maps the env's observation TensorDict to the expert's action means (E, A); None when no env distills.
        log_dir: Run directory; None writes neither logs nor checkpoints (as on every rank but 0).
        group: This process' rank and the number of processes.
    """

    def __init__(
        self,
        env: FiniteVecEnvWrapper,
        cfg: FinetuneRunnerCfg,
        policy: LatentPolicy,
        expert: nn.Module | None,
        log_dir: Path | None = None,
        group: ProcessGroup = ProcessGroup(),
    ) -> None:
        if cfg.algorithm.schedule not in ("adaptive", "fixed"):
            raise ValueError(f"algorithm.schedule is {cfg.algorithm.schedule!r}; use 'adaptive' or 'fixed'")
        self.env = env
        self.cfg = cfg
        self.device = cfg.device
        self.group = group
        self.policy = policy
        self.expert = expert
        algorithm = cfg.algorithm
        reference = env.unwrapped.command_manager.get_term(REFERENCE_COMMAND)
        self.distillation_envs = reference.distillation_envs.to(self.device)
        self.rl_envs = ~self.distillation_envs
        self.num_rl_envs = int(self.rl_envs.sum())
        self.num_distillation_envs = env.num_envs - self.num_rl_envs
        if expert is None and self.num_distillation_envs:
            raise ValueError(f"{self.num_distillation_envs} envs distill the expert, but no expert was given")
        self.critic = Critic(policy.cfg, cfg.critic_hidden_dims).to(self.device)
        self.action_distribution = GaussianDistribution(
            policy.cfg.action_dim, init_std=algorithm.init_action_std, std_type="log"
        ).to(self.device)
        self.learning_rate = algorithm.learning_rate
        actor_parameters = [*policy.parameters(), *self.action_distribution.parameters()]
        self.optimizer = torch.optim.Adam(
            [
                {"params": actor_parameters, "lr": self.learning_rate},
                {"params": list(self.critic.parameters()), "lr": algorithm.critic_learning_rate},
            ]
        )
        self.reader = PolicyInputReader(policy.cfg, env.num_envs, self.device)
        self.rl_storage: RolloutStorage | None = None
        self.distillation_storage = DistillationStorage(cfg.num_steps_per_env)
        self.generator = torch.Generator().manual_seed(cfg.seed + group.rank)
        self.latent_statistics = LatentStatistics()
        self.logger = ProgressLogger(
            log_dir=None if log_dir is None else str(log_dir),
            cfg=cfg.to_dict(),
            env_cfg=env.cfg,
            num_envs=self.num_rl_envs,
            is_distributed=group.is_distributed,
            gpu_world_size=group.world_size,
            gpu_global_rank=group.rank,
            device=self.device,
            description="fine-tuning iterations",
        )
        self.current_learning_iteration = 0

    def modules(self) -> list[nn.Module]:
        """Everything the optimizer trains: the policy, the critic and the action standard deviation."""
        return [self.policy, self.critic, self.action_distribution]

    def learn(self, num_learning_iterations: int) -> None:
        """Run ``num_learning_iterations`` iterations after the current one (rollout, update, log, save)."""
        obs = self.env.get_observations().to(self.device)
        for module in self.modules():
            module.train()
        if self.group.is_distributed:
            broadcast_parameters(self.modules())
        self.logger.init_logging_writer()
        start_it = self.current_learning_iteration
        total_it = start_it + num_learning_iterations
        for it in range(start_it, total_it):
            self.current_learning_iteration = it
            start = time.time()
            obs = self._collect(obs)
            collect_time = time.time() - start
            start = time.time()
            losses = self._update()
            learn_time = time.time() - start
            self.logger.ep_extras.append(
                {DISTILLATION_ENVS_KEY: float(self.num_distillation_envs), **self.latent_statistics.pop()}
            )
            self.logger.log(
                it=it,
                start_it=start_it,
                total_it=total_it,
                collect_time=collect_time,
                learn_time=learn_time,
                loss_dict=losses,
                learning_rate=self.learning_rate,
                action_std=self.action_std(),
                rnd_weight=None,
            )
            if self.logger.writer is not None and it % self.cfg.save_interval == 0:
                self.save(os.path.join(self.logger.log_dir, f"model_{it}.pt"))
        if self.logger.writer is not None:
            self.save(os.path.join(self.logger.log_dir, f"model_{self.current_learning_iteration}.pt"))
            self.logger.stop_logging_writer()

    def action_std(self) -> torch.Tensor:
        """(A,) the standard deviation of the RL envs' actions around the decoder's action (rad)."""
        distribution = self.action_distribution
        return distribution.log_std_param.clamp(*distribution.log_std_range).exp().detach()

    def _policy_inputs(self, inputs: PolicyInputs) -> PolicyInputs:
        """``inputs`` with task ids -1 (no token) when the task gives none."""
        if inputs.task_ids is not None:
            return inputs
        no_task = torch.full((inputs.history.shape[0],), -1, dtype=torch.long, device=inputs.history.device)
        return dataclasses.replace(inputs, task_ids=no_task)

    def _current_obs(self, history: torch.Tensor) -> torch.Tensor:
        """(E, obs_dim) the newest step of ``history`` (E, D, obs_dim), normalized and clipped as the policy sees it."""
        clip = self.policy.cfg.obs_clip
        return self.policy.obs_normalizer(history[:, -1]).clamp(-clip, clip)

    def _act(self, rollout: TensorDict) -> tuple[LatentPolicyOutput, torch.Tensor]:
        """The policy's prior path on the stored ``rollout`` inputs (action means (E, A)) and the values (E, 1);
        updates :attr:`action_distribution` around the means."""
        output = self.policy(
            rollout["history"],
            rollout["history_valid"],
            rollout["goals"],
            rollout["goal_present"],
            task_ids=rollout["task_ids"],
            eps=rollout["eps"],
        )
        self.action_distribution.update(output.action)
        values = self.critic(
            self._current_obs(rollout["history"]), rollout["goals"], rollout["goal_present"], rollout["task_ids"]
        )
        return output, values

    def _rollout_inputs(self, inputs: PolicyInputs, eps: torch.Tensor) -> TensorDict:
        """The RL envs' policy inputs and eps of one step, as stored in the rollout."""
        rows = _rows(inputs, self.rl_envs)
        values = {name: getattr(rows, name) for name in ROLLOUT_FIELDS if name != "eps"}
        return TensorDict({**values, "eps": eps[self.rl_envs]}, batch_size=[self.num_rl_envs], device=self.device)

    def _collect(self, obs: TensorDict) -> TensorDict:
        """One rollout from ``obs``; returns the last observation."""
        gamma = self.cfg.algorithm.gamma
        distillation, rl = self.distillation_envs, self.rl_envs
        with torch.inference_mode():
            for _ in range(self.cfg.num_steps_per_env):
                inputs = self._policy_inputs(self.reader.read(obs))
                eps = self.policy.eps.clone()
                actions = torch.zeros(self.env.num_envs, self.policy.cfg.action_dim, device=self.device)
                if self.num_rl_envs:
                    transition = RolloutStorage.Transition()
                    transition.observations = self._rollout_inputs(inputs, eps)
                    output, transition.values = self._act(transition.observations)
                    self.latent_statistics.add(output)
                    transition.actions = self.action_distribution.sample()
                    transition.actions_log_prob = self.action_distribution.log_prob(transition.actions)
                    transition.distribution_params = self.action_distribution.params
                    actions[rl] = transition.actions
                if self.num_distillation_envs:
                    student_inputs = _rows(inputs, distillation)
                    student = self.policy(
                        student_inputs.history,
                        student_inputs.history_valid,
                        student_inputs.goals,
                        student_inputs.goal_present,
                        privileged=student_inputs.privileged,
                        task_ids=student_inputs.task_ids,
                        eps=eps[distillation],
                    )
                    self.latent_statistics.add(student)
                    expert_action = self.expert(obs[distillation])
                    draws = torch.rand(self.num_distillation_envs, generator=self.generator).to(self.device)
                    use_expert = draws < self.cfg.algorithm.expert_share
                    actions[distillation] = torch.where(use_expert.unsqueeze(-1), expert_action, student.action)
                obs, rewards, dones, extras = self.env.step(actions.to(self.env.device))
                obs, rewards, dones = obs.to(self.device), rewards.to(self.device), dones.to(self.device)
                if self.num_rl_envs:
                    time_outs = extras["time_outs"].to(self.device)[rl].float()
                    # bootstrap time-outs with the value of the state they cut off, as rsl_rl's PPO does
                    transition.rewards = rewards[rl] + gamma * transition.values.squeeze(-1) * time_outs
                    transition.dones = dones[rl]
                    self._rl_storage(transition.observations).add_transition(transition)
                if self.num_distillation_envs:
                    self.distillation_storage.add(student_inputs, eps[distillation], expert_action, dones[distillation])
                self.reader.step(dones)
                if ended := dones.nonzero().flatten().tolist():
                    self.policy.reset(ended)
                self.logger.process_env_step(rewards[rl], dones[rl], extras)
            if self.num_rl_envs:
                last_inputs = self._policy_inputs(self.reader.read(obs))
                _, last_values = self._act(self._rollout_inputs(last_inputs, self.policy.eps))
                compute_returns(self.rl_storage, last_values, gamma, self.cfg.algorithm.lam)
        return obs

    def _rl_storage(self, example: TensorDict) -> RolloutStorage:
        """rsl_rl's rollout storage of the RL envs, made on the first transition (its layout follows ``example``)."""
        if self.rl_storage is None:
            self.rl_storage = RolloutStorage(
                "rl", self.num_rl_envs, self.cfg.num_steps_per_env, example, [self.policy.cfg.action_dim], self.device
            )
        return self.rl_storage

    def _mini_batches(self):
        """Pairs (RL mini-batch or None, distillation mini-batch or None), one per optimizer step."""
        algorithm = self.cfg.algorithm
        num_updates = algorithm.num_learning_epochs * algorithm.num_mini_batches
        rl_batches = itertools.repeat(None)
        if self.num_rl_envs:
            rl_batches = self.rl_storage.mini_batch_generator(algorithm.num_mini_batches, algorithm.num_learning_epochs)
        distillation_batches = itertools.repeat(None)
        if self.num_distillation_envs:
            pairs = self.distillation_storage.pairs()
            distillation_batches = itertools.chain.from_iterable(
                mini_batches(pairs, algorithm.num_mini_batches, self.generator)
                for _ in range(algorithm.num_learning_epochs)
            )
        return itertools.islice(zip(rl_batches, distillation_batches), num_updates)

    def _update(self) -> dict[str, float]:
        """Adam steps on the stored rollouts, then the normalizer update; returns the mean of every loss part.
        During the critic's warm-up the RL envs contribute only the value loss."""
        algorithm = self.cfg.algorithm
        warming_up = self.current_learning_iteration < algorithm.critic_warmup_iterations
        sums: dict[str, float] = defaultdict(float)
        num_updates = algorithm.num_learning_epochs * algorithm.num_mini_batches
        parameters = [parameter for module in self.modules() for parameter in module.parameters()]
        for rl_batch, distillation_batch in self._mini_batches():
            parts: dict[str, torch.Tensor] = {}
            loss = torch.zeros((), device=self.device)
            if rl_batch is not None:
                _, values = self._act(rl_batch.observations)
                log_prob = self.action_distribution.log_prob(rl_batch.actions)
                parts.update(ppo_loss(log_prob, self.action_distribution.entropy, values, rl_batch, algorithm))
                parts["policy_kl"] = self._policy_kl(rl_batch)
                self._adapt_learning_rate(parts["policy_kl"])
                loss = loss + (algorithm.value_loss_coef * parts["value"] if warming_up else parts["ppo"])
            if distillation_batch is not None:
                distillation = distillation_loss(self.policy, distillation_batch, self.policy.cfg.loss)
                parts.update({f"distillation_{name}": value for name, value in distillation.items()})
                loss = loss + algorithm.distillation_loss_weight * distillation["total"]
            self.optimizer.zero_grad()
            loss.backward()
            if self.group.is_distributed:
                average_gradients(parameters, self.group.world_size)
            for param_group in self.optimizer.param_groups:
                nn.utils.clip_grad_norm_(param_group["params"], algorithm.max_grad_norm)
            self.optimizer.step()
            parts["total"] = loss
            for name, value in parts.items():
                sums[name] += float(value.detach() if isinstance(value, torch.Tensor) else value) / num_updates
        self.policy.update_normalization(*self._current_observations())
        if self.rl_storage is not None:
            self.rl_storage.clear()
        self.distillation_storage.clear()
        return dict(sums)

    def _policy_kl(self, batch: RolloutStorage.Batch) -> float:
        """Mean KL(rollout policy || current policy) over the mini-batch's actions, averaged over the ranks."""
        with torch.no_grad():
            kl = self.action_distribution.kl_divergence(batch.old_distribution_params, self.action_distribution.params)
        return average_scalar(kl.mean().item(), self.group, self.device)

    def _adapt_learning_rate(self, kl: float) -> None:
        """rsl_rl's adaptive schedule from a mini-batch's policy KL, for the policy's step size (the critic's is fixed)."""
        if self.cfg.algorithm.schedule != "adaptive":
            return
        self.learning_rate = adapted_learning_rate(self.learning_rate, kl, self.cfg.algorithm)
        self.optimizer.param_groups[ACTOR_GROUP]["lr"] = self.learning_rate

    def _current_observations(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every stored observation once, the newest step of each stored history: (B, 1, obs_dim) and (B, 1) valid."""
        history, valid = [], []
        if self.rl_storage is not None:
            history.append(self.rl_storage.observations["history"][:, :, -1:].flatten(0, 1))
            valid.append(self.rl_storage.observations["history_valid"][:, :, -1:].flatten(0, 1))
        if self.num_distillation_envs:
            history.append(self.distillation_storage.stacked("history")[:, :, -1:].flatten(0, 1))
            valid.append(self.distillation_storage.stacked("history_valid")[:, :, -1:].flatten(0, 1))
        return torch.cat(history), torch.cat(valid)

    def parameter_digest(self) -> str:
        """SHA-256 of every trained parameter's bytes, in :meth:`modules` order: equal on all ranks of a run."""
        digest = hashlib.sha256()
        for module in self.modules():
            for parameter in module.parameters():
                digest.update(parameter.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()

    def add_git_repo_to_log(self, repo_file_path: str) -> None:
        """Store the git state of the repository holding ``repo_file_path`` with the run, as rsl_rl's runner does."""
        self.logger.git_status_repos.append(repo_file_path)

    def save(self, path: str) -> None:
        """Write a distillation checkpoint of the policy plus the critic, the action std, the step size and the
        env's curriculum state."""
        checkpoint = {
            "policy_state_dict": self.policy.state_dict(),
            "policy_cfg": self.policy.cfg.to_dict(),
            OPTIMIZER_KEY: self.optimizer.state_dict(),
            "iter": self.current_learning_iteration,
            "critic_state_dict": self.critic.state_dict(),
            "action_std_state_dict": self.action_distribution.state_dict(),
            "learning_rate": self.learning_rate,
            CURRICULUM_KEY: curriculum_state(self.env.unwrapped),
        }
        torch.save(checkpoint, path)
        self.logger.save_model(path, self.current_learning_iteration)

    def load(self, path: str | Path) -> None:
        """Restore everything :meth:`save` wrote (a checkpoint without curriculum state leaves the curriculum as it
        is); learning continues after the checkpoint's iteration.

        Raises:
            CheckpointError: The file is unreadable, not a fine-tuning checkpoint, or of other policy sizes.
        """
        checkpoint = read_finetune_checkpoint(Path(path))
        check_policy_fits(Path(path), checkpoint, self.policy)
        self.policy.load_state_dict(checkpoint["policy_state_dict"])
        self.critic.load_state_dict(checkpoint["critic_state_dict"])
        self.action_distribution.load_state_dict(checkpoint["action_std_state_dict"])
        try:
            if OPTIMIZER_KEY in checkpoint:  # a released checkpoint leaves Adam fresh
                self.optimizer.load_state_dict(checkpoint[OPTIMIZER_KEY])
        except ValueError as error:  # torch's message for a different parameter grouping
            raise CheckpointError(
                f"{path}: its optimizer state does not fit this runner's (policy and critic step apart since the"
                f" critic got its own step size); start a new run from it with --init instead ({error})"
            ) from error
        self.learning_rate = checkpoint["learning_rate"]
        load_curriculum_state(self.env.unwrapped, checkpoint.get(CURRICULUM_KEY), str(path))
        # a checkpoint is saved after its iteration finished, so learning continues with the next one
        self.current_learning_iteration = checkpoint["iter"] + 1


def make_finetune_runner(
    env: ManagerBasedRLEnv,
    cfg: FinetuneRunnerCfg,
    init_path: str | Path,
    expert_path: str | Path | None,
    log_dir: Path | None = None,
    group: ProcessGroup = ProcessGroup(),
) -> FinetuneRunner:
    """A runner on the in-betweening task ``env`` behind the finite-value guard, fine-tuning the policy of the
    distillation checkpoint at ``init_path`` with the expert at ``expert_path`` (None when no env distills); each rank
    draws its own latent noise.

    Raises:
        ValueError: The env is not a goal task, or some envs distill but ``expert_path`` is None.
        CheckpointError: A checkpoint is missing, of the wrong kind, or does not fit the env.
    """
    guarded_env = FiniteVecEnvWrapper(env)
    obs = guarded_env.get_observations().to(cfg.device)
    policy = load_stage2_policy(
        resolve_checkpoint(init_path),
        env.cfg,
        obs,
        guarded_env.num_actions,
        cfg.num_task_tokens,
        cfg.algorithm.new_task_token_std,
        cfg.device,
    )
    policy.generator.manual_seed(policy.cfg.seed + group.rank)
    policy.reset()
    expert = None if expert_path is None else load_expert(expert_path, obs, guarded_env.num_actions, env.cfg, cfg.device)
    return FinetuneRunner(guarded_env, cfg, policy, expert, log_dir, group)
