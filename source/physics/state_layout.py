"""Where each component (qpos, qvel, ctrl, ...) sits in a MuJoCo state vector of a given ``mjtState`` spec."""

from __future__ import annotations

import mujoco


def state_slice(model: mujoco.MjModel, spec: int, component: mujoco.mjtState) -> slice:
    """Slice of ``component`` inside a state vector of ``spec`` (``mj_getState`` order: components by bit value).

    Raises:
        ValueError: ``component`` is not a single component or is not part of ``spec``.
    """
    bit = int(component)
    if bit & (bit - 1) or not bit & spec:
        raise ValueError(f"state component {component!r} is not a single component of spec {spec}")
    offset = sum(mujoco.mj_stateSize(model, 1 << lower) for lower in range(bit.bit_length() - 1) if spec & (1 << lower))
    return slice(offset, offset + mujoco.mj_stateSize(model, bit))
