"""Data-parallel training over processes started by ``torch.distributed.run`` (Isaac Lab's ``--distributed``).

Every process steps its own envs and holds a full copy of the models; the parameters start equal (broadcast from
rank 0) and stay equal because every optimizer step applies the gradients averaged over all ranks (rsl_rl's bucketed
all-reduce). Backend gloo on the CPU, nccl on CUDA. Observation normalizers synchronize themselves
(rsl_rl's :class:`~rsl_rl.modules.EmpiricalNormalization` all-reduces its batch statistics).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from rsl_rl.utils import reduce_gradients_in_buckets

GRADIENT_BUCKET_MB = 25.0
"""Size of one packed all-reduce buffer (rsl_rl's default)."""


@dataclass(frozen=True)
class ProcessGroup:
    """This process' place in the run: ``rank`` of ``world_size`` (1 for a single process)."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that logs and saves."""
        return self.rank == 0


def init_process_group(device: str) -> ProcessGroup:
    """Join the process group that ``torch.distributed.run`` set up (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the
    rendezvous variables): gloo for ``device`` ``"cpu"``, nccl for CUDA, whose local rank must own ``device``.

    Raises:
        ValueError: The variables are missing (the script was not started by ``torch.distributed.run``), or a CUDA
            ``device`` is not ``cuda:<LOCAL_RANK>``.
    """
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise ValueError(
            "--distributed needs the process variables of torch.distributed.run: start with "
            "python -m torch.distributed.run --nnodes=1 --nproc_per_node=<processes> scripts/train.py ... --distributed"
        )
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if device == "cpu":
        backend = "gloo"
    else:
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if device != f"cuda:{local_rank}":
            raise ValueError(f"process of local rank {local_rank} must use device cuda:{local_rank}, not {device}")
        torch.cuda.set_device(local_rank)
        backend = "nccl"
    torch.distributed.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return ProcessGroup(rank, world_size)


def broadcast_parameters(modules: Iterable[nn.Module]) -> None:
    """Copy rank 0's parameters and buffers into every other rank's ``modules``."""
    for module in modules:
        for tensor in module.state_dict().values():
            torch.distributed.broadcast(tensor, src=0)


def average_gradients(parameters: Iterable[nn.Parameter], world_size: int) -> None:
    """Replace every gradient by its mean over the ranks; a parameter without a gradient on this step takes part
    with zeros, so all ranks reduce the same tensors in the same order."""
    parameters = [parameter for parameter in parameters if parameter.requires_grad]
    for parameter in parameters:
        if parameter.grad is None:
            parameter.grad = torch.zeros_like(parameter)
    reduce_gradients_in_buckets(parameters, world_size, GRADIENT_BUCKET_MB)


def average_scalar(value: float, group: ProcessGroup, device: str) -> float:
    """Mean of ``value`` over the ranks (``value`` itself for a single process); ``device`` is the backend's."""
    if not group.is_distributed:
        return value
    tensor = torch.tensor(float(value), dtype=torch.float64, device=device)
    torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
    return float(tensor) / group.world_size
