"""Step a batch of InterPrior scenes and report what the humanoids and objects do.

With --checkpoint the trained policy acts: an rsl_rl policy, or on a goal or in-betweening task the distilled (or
fine-tuned) InterPrior policy acting deterministically from its prior (the decoder of the prior mean). Without one
the PD drives hold the default pose (zero actions), which shows the scene, the physics backend and the assets
working together:

    python scripts/play.py --task InterPrior-Scene-v0 --num-envs 16 --seconds 10
    python scripts/play.py --checkpoint logs/rsl_rl/interprior_scene/2026-11-24_10-00-00/model_99.pt
    python scripts/play.py --task InterPrior-Snapshot-v0 --checkpoint logs/rsl_rl/interprior_snapshot/<run>
    python scripts/play.py --task InterPrior-Inbetween-v0 --checkpoint logs/rsl_rl/interprior_inbetween/<run>
    python scripts/play.py --task InterPrior-Track-v0 --seconds 4 --video rollout.gif   # env 0 as a GIF
    python scripts/play.py --task InterPrior-Snapshot-v0 --checkpoint <run> --goal docs/goals/lift_small_box.yaml --video lift.gif

--video renders environment --video-env offscreen (MuJoCo's renderer on Mesa's software EGL: no display or GPU
needed) with the reference frame, or on goal tasks the snapshot goal, as a translucent ghost and the goal's given
body positions as green markers; one picture per control step, played at the control rate. --goal replaces a goal
task's sampled goals by one written by hand (see interprior.tasks.goals.manual for the file format).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")  # offscreen rendering without a display; read when mujoco is imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="InterPrior-Scene-v0")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated time (s)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None, help="checkpoint file or run directory to act with")
    parser.add_argument("--video", type=Path, default=None, help="write an animated GIF of one environment here")
    parser.add_argument("--goal", type=Path, default=None, help="goal tasks: pursue the goal of this YAML file")
    parser.add_argument("--video-env", type=int, default=0, help="the environment --video shows")
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
    from interprior.render import RolloutRecorder, save_gif
    from interprior.tasks.env_factory import open_env
    from interprior.tasks.goals.manual import apply_goal_file

    try:
        if args.video is not None and args.video.suffix.lower() != ".gif":
            raise ValueError(f"--video {args.video}: only animated GIF (.gif) is written")
        if args.video is not None and not 0 <= args.video_env < args.num_envs:
            raise ValueError(f"--video-env {args.video_env} is not one of the {args.num_envs} environments")
        fine_tuned = is_finetune_task(args.task)
        distilled = fine_tuned or is_distillation_task(args.task)
        if fine_tuned:
            load_configs = load_finetune_configs
        else:
            load_configs = load_distillation_configs if distilled else load_task_configs
        env_cfg, agent_cfg = load_configs(args.task, args.overrides, play=True)
        checkpoint = None if args.checkpoint is None else resolve_checkpoint(args.checkpoint)
        if args.goal is not None:
            apply_goal_file(env_cfg, args.goal)
    except (ValueError, OSError) as error:
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
        recorder = None if args.video is None else RolloutRecorder(env, args.video_env)
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
                if recorder is not None:
                    recorder.capture()
                if step % int(round(1.0 / env.step_dt)) == 0 or step == steps:
                    pelvis = humanoid.data.root_pos_w.torch[:, 2]
                    object_height = obj.data.root_pos_w.torch[:, 2]
                    print(
                        f"t={step * env.step_dt:5.1f} s  pelvis height {pelvis.mean():.3f} m (min {pelvis.min():.3f})  "
                        f"object height {object_height.mean():.3f} m  episodes ended {int(resets.sum())}"
                    )
        elapsed = time.perf_counter() - start
        if recorder is not None:
            recorder.close()
            print(f"[INFO] video of env {args.video_env}: {save_gif(recorder.frames, args.video, 1.0 / env.step_dt)}")
    print(f"{args.num_envs} envs x {steps} steps in {elapsed:.1f} s: {args.num_envs * steps / elapsed:.0f} env-steps/s")


if __name__ == "__main__":
    main()
