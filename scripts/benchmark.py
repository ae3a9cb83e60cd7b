"""Throughput of the HOI scene in Isaac Lab (Newton, CPU) next to raw MuJoCo stepping the same MJCF.

An env-step is one control step: ``decimation`` physics steps of 1/120 s. The Isaac Lab figure includes the managers
(observations, rewards, resets); the MuJoCo figure is the C library alone (``mujoco.rollout`` on every core), the
ceiling for this model on this machine. Both are measured in the same run and printed with their ratio.

    python scripts/benchmark.py --num-envs 1 16 64 --steps 100
    python scripts/benchmark.py --task InterPrior-Track-v0 --num-envs 64 256 1024 --steps 50

``--physics`` names physics presets of the task (``physics=NAME``), by default ``newton_mjwarp`` (MuJoCo Warp) and
``newton_mjc_cpu`` (the MuJoCo C thread-pool backend of :mod:`interprior.physics`); one table is printed per name.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def isaaclab_env_steps_per_second(
    task: str, num_envs: int, steps: int, device: str, physics: str
) -> tuple[float, int]:
    """Env-steps/s of ``task`` on ``physics`` with ``num_envs`` envs under small random actions, and its decimation."""
    import torch

    from interprior.tasks.env_factory import load_env_cfg, open_env

    cfg = load_env_cfg(task, num_envs=num_envs, device=device, overrides=[f"physics={physics}"])
    with open_env(task, num_envs=num_envs, device=device, env_cfg=cfg) as env:
        generator = torch.Generator().manual_seed(0)
        action_dim = env.action_manager.total_action_dim
        env.reset(seed=0)
        for _ in range(5):  # warm up: first steps compile and allocate
            env.step(torch.zeros(num_envs, action_dim, device=device))
        start = time.perf_counter()
        for _ in range(steps):
            env.step(0.1 * torch.randn(num_envs, action_dim, generator=generator).to(device))
        elapsed = time.perf_counter() - start
        return num_envs * steps / elapsed, env.cfg.decimation


def mujoco_env_steps_per_second(object_name: str, num_envs: int, steps: int, decimation: int) -> float:
    """Env-steps/s of raw MuJoCo rolling out ``num_envs`` copies of the scene MJCF on all cores."""
    import mujoco
    from mujoco import rollout

    from interprior.assets.build import scene_mjcf

    model = mujoco.MjModel.from_xml_string(scene_mjcf(object_name))
    data = mujoco.MjData(model)
    mujoco.mj_resetData(model, data)
    state = np.empty(mujoco.mj_stateSize(model, mujoco.mjtState.mjSTATE_FULLPHYSICS))
    mujoco.mj_getState(model, data, state, mujoco.mjtState.mjSTATE_FULLPHYSICS)
    initial = np.tile(state, (num_envs, 1))
    rng = np.random.default_rng(0)
    physics_steps = steps * decimation
    control = 0.05 * rng.standard_normal((num_envs, physics_steps, model.nu))
    threads = [mujoco.MjData(model) for _ in range(os.cpu_count() or 1)]
    rollout.rollout(model, threads, initial, control[:, :10], persistent_pool=True)  # warm up the pool
    start = time.perf_counter()
    rollout.rollout(model, threads, initial, control, persistent_pool=True)
    elapsed = time.perf_counter() - start
    rollout.shutdown_persistent_pool()
    return num_envs * steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="InterPrior-Scene-v0")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--steps", type=int, default=100, help="timed env-steps per measurement")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--object", default="box_medium", help="library object in the raw MuJoCo scene")
    parser.add_argument(
        "--physics",
        nargs="+",
        default=["newton_mjwarp", "newton_mjc_cpu"],
        help="physics presets of the task (physics=NAME)",
    )
    args = parser.parse_args()

    rows = {physics: [] for physics in args.physics}
    for num_envs in args.num_envs:
        raw = None
        for physics in args.physics:
            isaac, decimation = isaaclab_env_steps_per_second(args.task, num_envs, args.steps, args.device, physics)
            if raw is None:
                raw = mujoco_env_steps_per_second(args.object, num_envs, args.steps, decimation)
            rows[physics].append((num_envs, isaac, raw))
            print(f"measured {num_envs} envs on {physics}", flush=True)

    for physics, measured in rows.items():
        print(
            f"\n{args.task} on {args.device} with physics={physics}, {os.cpu_count()} cores, "
            f"{args.steps} env-steps per measurement"
        )
        print(f"{'envs':>6} {'Isaac Lab env-steps/s':>22} {'raw MuJoCo env-steps/s':>23} {'ratio':>7}")
        for num_envs, isaac, raw in measured:
            print(f"{num_envs:>6} {isaac:>22.1f} {raw:>23.1f} {isaac / raw:>7.3f}")


if __name__ == "__main__":
    main()
