"""One DAgger rollout: what the learner needs from every step, turned into disjoint pairs of consecutive steps.

The steps of each env are paired (0, 1), (2, 3), ..., so the learner runs the policy once per stored step and pass;
with an odd number of steps the last pair is (T - 2, T - 1), and step T - 2 is in two pairs. The temporal consistency
term sees the transitions within the pairs: about half of the rollout's.
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
        """The B = ceil(T / 2) * N disjoint pairs of consecutive steps (see the module docstring): row k * N + env
        holds steps (t_k, t_k + 1) of that env; a pair spanning an episode end is not valid."""
        num_steps = len(self.steps)
        firsts = torch.arange(0, num_steps - 1, 2)
        if num_steps % 2:
            firsts = torch.cat([firsts, torch.tensor([num_steps - 2])])

        def paired(name: str) -> torch.Tensor:
            values = self.stacked(name)
            return torch.stack([values[firsts], values[firsts + 1]], dim=2).flatten(0, 1)

        fields = {name: paired(name) for name in STEP_FIELDS}
        return DistillationBatch(**fields, pair_valid=~self.stacked("dones")[firsts].flatten())


def mini_batches(batch: DistillationBatch, num_mini_batches: int, generator: torch.Generator):
    """Split the pairs of ``batch`` into exactly ``num_mini_batches`` random, disjoint :class:`DistillationBatch` es,
    whose sizes differ by at most one pair."""
    num_pairs = batch.pair_valid.shape[0]
    if num_pairs < num_mini_batches:
        raise ValueError(f"{num_pairs} step pairs cannot fill {num_mini_batches} mini-batches")
    order = torch.randperm(num_pairs, generator=generator).to(batch.pair_valid.device)
    for rows in order.tensor_split(num_mini_batches):
        yield DistillationBatch(**{name: getattr(batch, name)[rows] for name in (*STEP_FIELDS, "pair_valid")})
