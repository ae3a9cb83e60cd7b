"""Throughput of an HOI task in Isaac Lab (Newton, CPU) next to raw MuJoCo stepping the same model.

An env-step is one control step: ``decimation`` physics steps of 1/120 s. The Isaac Lab figure includes the managers
(observations, rewards, resets), with the env stepped under ``torch.inference_mode()`` as rsl_rl's and this project's
runners step it while collecting rollouts; the MuJoCo figures are the C library alone (``mujoco.rollout`` on every core), the
ceiling on this machine. Two raw figures are printed, both measured in the same run:

* the standing scene: the scene MJCF with the humanoid in its standing keyframe under small random controls;
* the task's states: with the MuJoCo C backend (``newton_mjc_cpu``), the solver calls of ``--steps`` further env-steps
  of the task are recorded (every world's model, state and controls as the backend hands them to MuJoCo) and their
  physics steps stepped again by ``mujoco.rollout`` alone, as many per rollout call as the backend takes per call. This is the same model, states and contacts, so its ratio is the
  backend's overhead; humanoids that walk, fall and touch the object cost MuJoCo more than one standing still.

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
) -> tuple[float, int, float | None]:
    """Env-steps/s of ``task`` on ``physics`` with ``num_envs`` envs under small random actions, its decimation, and,
    on the MuJoCo C backend, the env-steps/s of raw MuJoCo replaying the physics steps of ``steps`` further env-steps
    (``None`` on other backends)."""
    import torch
    from isaaclab_newton.physics import NewtonManager

    from interprior.physics import SolverMuJoCoCpuWorlds
    from interprior.tasks.env_factory import load_env_cfg, open_env

    cfg = load_env_cfg(task, num_envs=num_envs, device=device, overrides=[f"physics={physics}"])
    with open_env(task, num_envs=num_envs, device=device, env_cfg=cfg) as env, torch.inference_mode():
        generator = torch.Generator().manual_seed(0)
        action_dim = env.action_manager.total_action_dim

        def step() -> None:
            env.step(0.1 * torch.randn(num_envs, action_dim, generator=generator).to(device))

        env.reset(seed=0)
        for _ in range(5):  # warm up: first steps compile and allocate
            env.step(torch.zeros(num_envs, action_dim, device=device))
        start = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - start
        solver = NewtonManager._solver
        replayed = None
        if isinstance(solver, SolverMuJoCoCpuWorlds):
            replayed = replayed_env_steps_per_second(solver, step, steps, env.cfg.decimation)
        return num_envs * steps / elapsed, env.cfg.decimation, replayed


def replayed_env_steps_per_second(solver, step, steps: int, decimation: int) -> float:
    """Env-steps/s of raw MuJoCo stepping again, world by world, the physics steps that ``steps`` calls of ``step``
    make ``solver`` (a :class:`~interprior.physics.SolverMuJoCoCpuWorlds`) take: same models, states and controls,
    held over each solver call's substeps."""
    import mujoco
    from mujoco import rollout

    from interprior.physics.mujoco_cpu_solver import CONTROL_SPEC

    recorded = []
    solver_step = solver.step

    def recording_step(*args, **kwargs) -> None:
        solver_step(*args, **kwargs)
        recorded.append(tuple(array.copy() for array in solver.step_inputs))

    solver.step = recording_step
    try:
        for _ in range(steps):
            step()
    finally:
        del solver.step  # the instance attribute hid the class's method
    substeps = solver.substeps
    physics_steps = len(recorded) * substeps
    assert physics_steps == steps * decimation, f"recorded {physics_steps} physics steps, expected {steps * decimation}"

    models = list(solver.world_models)
    num_threads = os.cpu_count() or 1
    threads = [mujoco.MjData(models[0]) for _ in range(num_threads)]
    final_state = np.empty((len(models), substeps, recorded[0][0].shape[-1]))
    sensordata = np.empty((len(models), substeps, models[0].nsensordata))
    held = [(state, np.repeat(controls[:, None], substeps, axis=1)) for state, controls in recorded]
    with rollout.Rollout(nthread=num_threads) as pool:
        start = time.perf_counter()
        for state, controls in held:
            pool.rollout(
                models, threads, state, controls, control_spec=CONTROL_SPEC, nstep=substeps,
                state=final_state, sensordata=sensordata, skip_checks=True,
            )
        elapsed = time.perf_counter() - start
    return len(models) * steps / elapsed


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
        standing = None
        for physics in args.physics:
            isaac, decimation, replayed = isaaclab_env_steps_per_second(
                args.task, num_envs, args.steps, args.device, physics
            )
            if standing is None:
                standing = mujoco_env_steps_per_second(args.object, num_envs, args.steps, decimation)
            rows[physics].append((num_envs, isaac, standing, replayed))
            print(f"measured {num_envs} envs on {physics}", flush=True)

    for physics, measured in rows.items():
        print(
            f"\n{args.task} on {args.device} with physics={physics}, {os.cpu_count()} cores, "
            f"{args.steps} env-steps per measurement; env-steps/s"
        )
        print(f"{'envs':>6} {'Isaac Lab':>10} {'raw, standing':>14} {'ratio':>6} {'raw, task states':>17} {'ratio':>6}")
        for num_envs, isaac, standing, replayed in measured:
            replay = f"{replayed:>17.1f} {isaac / replayed:>6.3f}" if replayed else f"{'-':>17} {'-':>6}"
            print(f"{num_envs:>6} {isaac:>10.1f} {standing:>14.1f} {isaac / standing:>6.3f} {replay}")


if __name__ == "__main__":
    main()
