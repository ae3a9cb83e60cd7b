"""Step a batch of InterPrior scenes and report what the humanoids and objects do.

With --checkpoint the trained policy acts: an rsl_rl policy, or on a goal or in-betweening task the distilled (or
fine-tuned) InterPrior policy acting deterministically from its prior (the decoder of the prior mean). Without one
the PD drives hold the default pose (zero actions), which shows the scene, the physics backend and the assets
working together:

    python scripts/play.py --task InterPrior-Scene-v0 --num-envs 16 --seconds 10
    python scripts/play.py --checkpoint logs/rsl_rl/interprior_scene/2026-11-24_10-00-00/model_99.pt
    python scripts/play.py --task InterPrior-Snapshot-v0 --checkpoint logs/rsl_rl/interprior_snapshot/<run>
    python scripts/play.py --task InterPrior-Inbetween-v0 --checkpoint logs/rsl_rl/interprior_inbetween/<run>
"""

from __future__ import annotations

import argparse
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="InterPrior-Scene-v0")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated time (s)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None, help="checkpoint file or run directory to act with")
    parser.add_argument("overrides", nargs="*", help="config overrides such as physics=physx")
    args = parser.parse_args()

    import torch

    from interprior.agents.checkpoints import resolve_checkpoint
    from interprior.agents.distillation import (
        PriorActor,
        is_distillation_task,
        load_distillation_configs,
        load_distilled_policy,
    )
    from interprior.agents.finetune import is_finetune_task, load_finetune_configs
    from interprior.agents.finite import FiniteVecEnvWrapper
    from interprior.agents.runner import load_task_configs, make_runner
    from interprior.tasks.env_factory import open_env

    try:
        fine_tuned = is_finetune_task(args.task)
        distilled = fine_tuned or is_distillation_task(args.task)
        if fine_tuned:
            load_configs = load_finetune_configs
        else:
            load_configs = load_distillation_configs if distilled else load_task_configs
        env_cfg, agent_cfg = load_configs(args.task, args.overrides, play=True)
        checkpoint = None if args.checkpoint is None else resolve_checkpoint(args.checkpoint)
    except ValueError as error:
        sys.exit(f"play.py: error: {error}")
    agent_cfg.device = args.device

    with open_env(args.task, args.num_envs, args.device, args.seed, env_cfg=env_cfg) as env:
        try:
            if distilled:
                vec_env = FiniteVecEnvWrapper(env)
                if checkpoint is not None:
                    obs = vec_env.get_observations()
                    latent_policy = load_distilled_policy(checkpoint, env.cfg, obs, vec_env.num_actions, args.device)
                    policy = PriorActor(latent_policy)
            else:
                runner = make_runner(env, agent_cfg)
                vec_env = runner.env
                if checkpoint is not None:
                    runner.load(str(checkpoint), map_location=args.device)
                    policy = runner.get_inference_policy(device=args.device)
        except ValueError as error:
            sys.exit(f"play.py: error: {error}")
        if checkpoint is None:
            zero_actions = torch.zeros(vec_env.num_envs, vec_env.num_actions, device=args.device)
            policy = None
            print("[INFO] no checkpoint: acting with zero actions (PD holds the default pose)")
        else:
            print(f"[INFO] acting with the policy of {checkpoint}")
        humanoid, obj = env.scene["humanoid"], env.scene["object"]
        steps = int(round(args.seconds / env.step_dt))
        resets = torch.zeros(env.num_envs, dtype=torch.long, device=args.device)
        obs = vec_env.get_observations()
        start = time.perf_counter()
        with torch.inference_mode():
            for step in range(1, steps + 1):
                obs, _, dones, _ = vec_env.step(zero_actions if policy is None else policy(obs))
                if policy is not None:
                    policy.reset(dones)
                resets += dones
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
