"""Running a checkpoint on a fixed, seeded list of evaluation episodes.

The policy (:mod:`.policies`) acts with its mean, or with a prior latent, in a freshly opened environment seeded with
``seed``. Every random draw of an episode (its start, its goals, the latent noise) comes from the episode's own seed
(:func:`.clip_set.episode_seed`), so a checkpoint gives the same numbers every time it is evaluated with the same
clips and seed, alone or next to other checkpoints, and checkpoints evaluated with the same seed face the same
episodes: their comparison is paired.
"""

from __future__ import annotations

from pathlib import Path

import torch

from interprior.tasks.env_factory import load_env_cfg, open_env

from .baseline import use_goal_only_reference
from .clip_set import LATENT_NOISE, Episode
from .goal_metrics import GoalEpisode
from .metrics import TrackedEpisode
from .policies import make_policy, policy_kind
from .tasks import EvalTask
from .thresholds import THRESHOLDS, EvalThresholds

DEFAULT_MAX_ENVS = 16
"""Parallel environments when none are asked for: one per episode, at most this many."""


def run_episodes(
    task: EvalTask,
    checkpoint: Path,
    clip_files: list[Path],
    episodes: list[Episode],
    num_envs: int | None = None,
    seed: int = 0,
    device: str = "cpu",
    thresholds: EvalThresholds = THRESHOLDS,
    sample_latent: bool = False,
) -> list[TrackedEpisode | GoalEpisode]:
    """Play ``episodes`` of ``clip_files`` with the policy of ``checkpoint`` and record each one.

    Args:
        task: The task's evaluation.
        checkpoint: An rsl_rl checkpoint (Track, or the Track expert on a goal task: the MaskedMimic-style
            baseline) or a distillation checkpoint (goal tasks).
        clip_files: The clips the episodes refer to by index.
        episodes: What to play, in order.
        num_envs: Parallel environments (default: one per episode, at most :data:`DEFAULT_MAX_ENVS`).
        seed: Environment seed.
        device: Torch and physics device.
        thresholds: Outcome thresholds, written into the task's termination terms and goal command.
        sample_latent: A distillation checkpoint samples its prior latent instead of decoding the prior mean.

    Returns:
        One record per episode, in the order of ``episodes`` (score them with ``task.score``).

    Raises:
        CheckpointError: The checkpoint is unreadable, of a kind the task cannot run, or was trained for other
            observation or action sizes.
    """
    kind = policy_kind(checkpoint, task.goal_task, sample_latent)
    env_cfg = load_env_cfg(task.task_id, device=device)
    task.configure_env(env_cfg, clip_files, thresholds)
    if kind == "masked_expert":
        use_goal_only_reference(env_cfg)
    num_envs = num_envs or min(len(episodes), DEFAULT_MAX_ENVS)
    with open_env(task.task_id, num_envs, device, seed, env_cfg=env_cfg) as env:
        schedule = env.command_manager.get_term(task.command_name)

        def noise_seeds(env_ids: list[int]) -> list[int]:
            return schedule.episode_seeds(env_ids, LATENT_NOISE)

        vec_env, policy = make_policy(kind, env, checkpoint, task.task_id, device, noise_seeds)
        schedule.start(episodes)
        observations, _ = vec_env.reset()
        policy.reset(torch.ones(vec_env.num_envs, dtype=torch.bool, device=vec_env.device))  # every env begins one
        with torch.inference_mode():
            while not schedule.done:
                observations, _, dones, _ = vec_env.step(policy(observations))
                policy.reset(dones)
        recorded = {(episode.clip, episode.repeat): episode for episode in schedule.finished}
    return [recorded[(episode.name, episode.repeat)] for episode in episodes]
