"""The expert share beta: the probability that an env executes the expert's action at a rollout step."""

from __future__ import annotations

from .config import DistillationAlgorithmCfg


def expert_share(iteration: int, cfg: DistillationAlgorithmCfg) -> float:
    """beta at learning ``iteration``: ``expert_share_start`` until ``expert_share_decay_start``, then linear to
    ``expert_share_end`` over ``expert_share_decay_iterations`` iterations, then constant."""
    elapsed = iteration - cfg.expert_share_decay_start
    if cfg.expert_share_decay_iterations <= 0:
        progress = float(elapsed >= 0)
    else:
        progress = min(max(elapsed / cfg.expert_share_decay_iterations, 0.0), 1.0)
    return cfg.expert_share_start + (cfg.expert_share_end - cfg.expert_share_start) * progress
