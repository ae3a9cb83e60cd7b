"""Train a policy for an InterPrior task: the Stage 1 expert with rsl_rl's PPO; for the goal tasks, the Stage 2
InterPrior policy by online DAgger distillation of that expert (--expert is required there); for the in-betweening
tasks, the Stage 3 RL fine-tuning of a Stage 2 policy (--init) anchored by distillation of the expert (--expert,
needed unless agent.distillation_env_share=0), on one process or, with --distributed, on every process torch.distributed.run starts (gradients averaged).

    python scripts/train.py --num-envs 16 --max-iterations 100
    python scripts/train.py --task InterPrior-Snapshot-v0 --expert logs/rsl_rl/interprior_track/2026-11-24_10-00-00
    python scripts/train.py --task InterPrior-Inbetween-v0 --init logs/rsl_rl/interprior_goals/<run> \
        --expert logs/rsl_rl/interprior_track/<run>
    python -m torch.distributed.run --nnodes=1 --nproc_per_node=2 scripts/train.py --task InterPrior-Inbetween-v0 \
        --init <run> --expert <run> --distributed
    python scripts/train.py --resume                      # continue the newest run of the task's experiment
    python scripts/train.py --checkpoint logs/rsl_rl/interprior_scene/2026-11-24_10-00-00/model_40.pt
    python scripts/train.py physics=physx env.scene.num_envs=8 agent.max_iterations=3

A run writes TensorBoard events, a checkpoint model_<iteration>.pt every save_interval iterations and at the end,
and its configs as params/env.yaml and params/agent.yaml, to --log-dir (default
logs/rsl_rl/<experiment_name>/<timestamp>[_<run_name>]). A resumed run gets a new directory and continues the
iteration count and optimizer state of its checkpoint; --max-iterations counts the iterations of this launch.
In a distributed run every rank seeds its envs with seed + rank and only rank 0 logs and saves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_TASK = "InterPrior-Track-v0"
"""The task trained without --task: the Stage 1 expert."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default=DEFAULT_TASK)
    parser.add_argument("--num-envs", type=int, default=None, help="parallel worlds (default: the task's)")
    parser.add_argument("--device", default="cpu", help="torch and physics device, cpu or cuda:N")
    parser.add_argument("--seed", type=int, default=None, help="default: the agent config's seed")
    parser.add_argument("--max-iterations", type=int, default=None, help="learning iterations to run in this launch")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint of the experiment")
    parser.add_argument("--checkpoint", default=None, help="continue from this checkpoint file or run directory")
    parser.add_argument(
        "--expert", default=None, help="goal and in-betweening tasks: the Stage 1 expert's checkpoint or run directory"
    )
    parser.add_argument("--init", default=None, help="in-betweening tasks: the Stage 2 checkpoint or run directory")
    parser.add_argument(
        "--distributed", action="store_true", help="in-betweening tasks: one rank of a torch.distributed.run launch"
    )
    parser.add_argument("--log-dir", default=None, help="run directory to write (must hold no checkpoint yet)")
    parser.add_argument("overrides", nargs="*", help="Hydra-style overrides: physics=physx env.scene.num_envs=8 ...")
    return parser.parse_args()


def main() -> None:
    args = parse_args()

    import torch

    from isaaclab.utils.io import dump_yaml

    from interprior.agents.checkpoints import (
        CheckpointError,
        checkpoints_in,
        latest_checkpoint,
        new_run_dir,
        read_checkpoint,
        resolve_checkpoint,
    )
    from interprior.agents.distillation import is_distillation_task, load_distillation_configs, make_distillation_runner
    from interprior.agents.distillation.checkpoint import read_distillation_checkpoint
    from interprior.agents.finetune import (
        ProcessGroup,
        apply_distillation_share,
        init_process_group,
        is_finetune_task,
        load_finetune_configs,
        make_finetune_runner,
    )
    from interprior.agents.runner import load_task_configs, make_runner
    from interprior.tasks.env_factory import open_env

    try:
        finetune = is_finetune_task(args.task)
        distill = not finetune and is_distillation_task(args.task)
        if not finetune:
            for option, value in (("--init", args.init), ("--distributed", args.distributed)):
                if value:
                    raise ValueError(f"{option} is for the in-betweening tasks; {args.task} is not fine-tuned")
        if finetune:
            env_cfg, agent_cfg = load_finetune_configs(args.task, args.overrides)
            apply_distillation_share(env_cfg, agent_cfg)
            if args.expert is None and agent_cfg.distillation_env_share > 0:
                raise ValueError(
                    f"{args.task} fine-tunes with the Stage 1 expert's labels in {agent_cfg.distillation_env_share:.0%} "
                    "of the envs: pass --expert <checkpoint or run directory> (or agent.distillation_env_share=0)"
                )
            if args.init is None and args.checkpoint is None and not args.resume:
                raise ValueError(
                    f"{args.task} fine-tunes a Stage 2 policy: pass --init <distillation checkpoint or run directory>"
                )
            expert = None if args.expert is None else resolve_checkpoint(args.expert)
            if expert is not None:
                read_checkpoint(expert)
            init = None if args.init is None else resolve_checkpoint(args.init)
            if init is not None:
                read_distillation_checkpoint(init)
        elif distill:
            if args.expert is None:
                raise ValueError(
                    f"{args.task} distills the Stage 1 expert: pass --expert <checkpoint or run directory>"
                )
            expert = resolve_checkpoint(args.expert)
            env_cfg, agent_cfg = load_distillation_configs(args.task, args.overrides)
        else:
            if args.expert is not None:
                raise ValueError(f"--expert is for the goal tasks; {args.task} is trained with PPO")
            env_cfg, agent_cfg = load_task_configs(args.task, args.overrides)
        if args.checkpoint is not None:
            resume_from = resolve_checkpoint(args.checkpoint)
        elif args.resume:
            resume_from = latest_checkpoint(agent_cfg.experiment_name)
        else:
            resume_from = None
        group = init_process_group(args.device) if args.distributed else ProcessGroup()
        log_dir = Path(args.log_dir) if args.log_dir else new_run_dir(agent_cfg.experiment_name, agent_cfg.run_name)
        if group.is_main and checkpoints_in(log_dir):
            raise CheckpointError(f"log directory {log_dir} already holds checkpoints; choose another --log-dir")
    except ValueError as error:
        sys.exit(f"train.py: error: {error}")
    if args.max_iterations is not None:
        agent_cfg.max_iterations = args.max_iterations
    if args.seed is not None:
        agent_cfg.seed = args.seed
    agent_cfg.device = args.device
    env_cfg.log_dir = str(log_dir.resolve())
    run_dir = log_dir if group.is_main else None

    with open_env(args.task, args.num_envs, args.device, agent_cfg.seed + group.rank, env_cfg=env_cfg) as env:
        try:
            if finetune:
                runner = make_finetune_runner(env, agent_cfg, resume_from or init, expert, run_dir, group)
                print(f"[INFO] fine-tuning {resume_from or init} " + (f"with the expert {expert}" if expert else "by RL alone"))
                if group.is_distributed:
                    print(f"[INFO] rank {group.rank} of {group.world_size}")
                if resume_from is not None:
                    runner.load(resume_from)
            elif distill:
                runner = make_distillation_runner(env, agent_cfg, expert, log_dir)
                print(f"[INFO] distilling the expert {expert}")
                if resume_from is not None:
                    runner.load(resume_from)
            else:
                runner = make_runner(env, agent_cfg, log_dir)
                if resume_from is not None:
                    runner.load(str(resume_from), map_location=args.device)
        except ValueError as error:
            sys.exit(f"train.py: error: {error}")
        runner.add_git_repo_to_log(__file__)
        if resume_from is not None:
            print(f"[INFO] resuming from {resume_from} at iteration {runner.current_learning_iteration}")
        if group.is_main:
            print(f"[INFO] logging to {log_dir.resolve()}")
            dump_yaml(str(log_dir / "params" / "env.yaml"), env_cfg)
            dump_yaml(str(log_dir / "params" / "agent.yaml"), agent_cfg)
        if distill or finetune:
            runner.learn(agent_cfg.max_iterations)
        else:
            runner.learn(agent_cfg.max_iterations, init_at_random_ep_len=agent_cfg.init_at_random_ep_len)
        guard = runner.env
        print(
            f"[INFO] finished iteration {runner.current_learning_iteration}; replaced non-finite values: "
            f"{guard.nonfinite_observations} observation entries, {guard.nonfinite_rewards} rewards"
        )
        if finetune:
            print(f"[INFO] rank {group.rank} parameter digest {runner.parameter_digest()}")
    if group.is_distributed:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
