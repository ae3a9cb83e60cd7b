"""Step a batch of InterPrior scenes and report what the humanoids and objects do.

Without a policy the PD drives hold the default pose (zero actions), which shows the scene, the physics backend and
the assets working together:

    python scripts/play.py --task InterPrior-Scene-v0 --num-envs 16 --seconds 10
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="InterPrior-Scene-v0")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated time (s)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*", help="config overrides such as physics=physx")
    args = parser.parse_args()

    import torch

    from interprior.tasks.env_factory import check_task_id, open_env

    try:
        check_task_id(args.task)
    except ValueError as error:
        parser.error(str(error))
    with open_env(args.task, args.num_envs, args.device, args.seed, args.overrides) as env:
        env.reset(seed=args.seed)
        humanoid, obj = env.scene["humanoid"], env.scene["object"]
        actions = torch.zeros(env.num_envs, env.action_manager.total_action_dim, device=args.device)
        steps = int(round(args.seconds / env.step_dt))
        resets = torch.zeros(env.num_envs, dtype=torch.long, device=args.device)
        start = time.perf_counter()
        for step in range(1, steps + 1):
            _, _, terminated, truncated, _ = env.step(actions)
            resets += (terminated | truncated).long()
            if step % int(round(1.0 / env.step_dt)) == 0 or step == steps:
                pelvis = humanoid.data.root_pos_w.torch[:, 2]
                object_height = obj.data.root_pos_w.torch[:, 2]
                print(
                    f"t={step * env.step_dt:5.1f} s  pelvis height {pelvis.mean():.3f} m (min {pelvis.min():.3f})  "
                    f"object height {object_height.mean():.3f} m  episodes ended {int(resets.sum())}"
                )
        elapsed = time.perf_counter() - start
    print(f"{args.num_envs} envs x {steps} steps in {elapsed:.1f} s: {args.num_envs * steps / elapsed:.0f} env-steps/s")


if __name__ == "__main__":
    main()
