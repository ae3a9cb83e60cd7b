"""Handing the cores back from torch's OpenMP worker threads before the MuJoCo threads step.

After each parallel torch operation (a policy's matrix products, large element-wise ops), the worker threads of torch's
OpenMP runtime (GNU libgomp) spin-wait for the next one, by default for up to milliseconds, on the cores the solver's
stepping threads need. Ending them first gives the stepping threads every core; the next parallel torch operation
starts them again (about 0.2 ms measured here, once per env-step).
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import torch

OMP_PAUSE_SOFT = 1
"""``omp_pause_soft`` of OpenMP 5.0's ``omp_pause_resource_kind``: release the threads, keep the runtime's settings."""


@functools.cache
def _pause_all():
    """``omp_pause_resource_all`` of the libgomp that torch ships and loads, or ``None`` where torch has none (builds with
    another OpenMP runtime, or none)."""
    library = Path(torch.__file__).parent / "lib" / "libgomp.so.1"
    if not library.is_file():
        return None
    pause_all = ctypes.CDLL(str(library)).omp_pause_resource_all  # the copy torch loaded: dlopen returns it
    pause_all.argtypes, pause_all.restype = [ctypes.c_int], ctypes.c_int
    return pause_all


def release_openmp_threads() -> bool:
    """End the idle OpenMP worker threads of torch's runtime (OpenMP 5.0 ``omp_pause_resource_all``).

    Call it from outside any parallel region. Returns whether the threads were released (``False`` where torch brings no
    libgomp, or the runtime refused).
    """
    pause_all = _pause_all()
    return pause_all is not None and pause_all(OMP_PAUSE_SOFT) == 0
