"""One DAgger rollout: what the learner needs from every step, turned into pairs of consecutive steps.

Every step (t, t + 1) of the same env forms a pair, so each transition of the rollout is seen by the temporal
consistency term and every step but an env's first and last appears in two pairs.
"""

from __future__ import annotations

import torch

from interprior.agents.latent import DistillationBatch

from .inputs import PolicyInputs

INPUT_FIELDS = ("history", "history_valid", "goals", "goal_present", "privileged")
"""The policy inputs stored per step, named as the fields of :class:`PolicyInputs` and :class:`DistillationBatch`."""

STEP_FIELDS = (*INPUT_FIELDS, "eps", "expert_action")
"""Every per-step tensor stored, named as the fields of :class:`DistillationBatch`."""


class DistillationStorage:
    """Steps of T = ``num_steps`` rollout steps of N envs, stored time-major (T, N, ...)."""

    def __init__(self, num_steps: int) -> None:
        if num_steps < 2:
            raise ValueError(f"num_steps_per_env is {num_steps}; distillation needs at least 2 steps to form pairs")
        self.num_steps = num_steps
        self.steps: list[dict[str, torch.Tensor]] = []

    def add(self, inputs: PolicyInputs, eps: torch.Tensor, expert_action: torch.Tensor, dones: torch.Tensor) -> None:
        """Store one step: its policy inputs, the latent noise eps (N, d_z) it was taken with, the expert's action
        means (N, A), and ``dones`` (N,), whether the env's episode ended with this step."""
        if len(self.steps) == self.num_steps:
            raise RuntimeError(f"the rollout storage already holds {self.num_steps} steps; clear it first")
        step = {name: getattr(inputs, name) for name in INPUT_FIELDS}
        self.steps.append({**step, "eps": eps, "expert_action": expert_action, "dones": dones.bool()})

    def clear(self) -> None:
        self.steps = []

    def stacked(self, name: str) -> torch.Tensor:
        """Field ``name`` of all stored steps, (T, N, ...)."""
        return torch.stack([step[name] for step in self.steps])

    def pairs(self) -> DistillationBatch:
        """All B = (T - 1) * N pairs of consecutive steps; a pair spanning an episode end is not valid."""
        def paired(name: str) -> torch.Tensor:
            values = self.stacked(name)
            return torch.stack([values[:-1], values[1:]], dim=2).flatten(0, 1)

        fields = {name: paired(name) for name in STEP_FIELDS}
        return DistillationBatch(**fields, pair_valid=~self.stacked("dones")[:-1].flatten())


def mini_batches(batch: DistillationBatch, num_mini_batches: int, generator: torch.Generator):
    """Split the pairs of ``batch`` into ``num_mini_batches`` random, disjoint :class:`DistillationBatch` es."""
    num_pairs = batch.pair_valid.shape[0]
    if num_pairs < num_mini_batches:
        raise ValueError(f"{num_pairs} step pairs cannot fill {num_mini_batches} mini-batches")
    order = torch.randperm(num_pairs, generator=generator).to(batch.pair_valid.device)
    for rows in order.chunk(num_mini_batches):
        yield DistillationBatch(**{name: getattr(batch, name)[rows] for name in (*STEP_FIELDS, "pair_valid")})
