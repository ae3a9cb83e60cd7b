"""The scene's box at its clip's size, for tests that write a reference state and expect to match it exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from interprior.tasks.hoi.mdp.object_switch import ObjectSwitch


@contextmanager
def nominal_box_sizes(switch: ObjectSwitch) -> Iterator[None]:
    """Within the block, ``switch`` draws every box at its library size (the tasks draw it within a few percent)."""
    drawn, switch.size_scale_range = switch.size_scale_range, (1.0, 1.0)
    try:
        yield
    finally:
        switch.size_scale_range = drawn
