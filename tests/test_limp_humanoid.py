"""Without PD gains the humanoid collapses and comes to rest lying on the ground, never through it."""

from __future__ import annotations

import torch

from interprior.tasks.env_factory import load_env_cfg, open_env


def test_without_gains_the_humanoid_falls_and_rests_on_the_ground():
    cfg = load_env_cfg("InterPrior-Scene-v0", num_envs=2)
    cfg.terminations.fall = None
    for actuator in cfg.scene.humanoid.actuators.values():
        actuator.stiffness = 0.0
        actuator.damping = 0.0
    with open_env("InterPrior-Scene-v0", seed=1, env_cfg=cfg) as env:
        env.reset(seed=1)
        humanoid = env.scene["humanoid"]
        origins = env.scene.env_origins
        zero_action = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
        root_heights, lowest = [], []
        for _ in range(int(4.0 / env.step_dt)):
            env.step(zero_action)
            root_heights.append((humanoid.data.root_pos_w.torch - origins)[:, 2].clone())
            lowest.append(humanoid.data.body_pos_w.torch[..., 2].min().item())
    heights = torch.stack(root_heights)
    assert torch.isfinite(heights).all()
    assert heights[-1].max() < 0.3, f"a limp humanoid should lie on the ground, pelvis at {heights[-1].max():.3f} m"
    # Body origins of a humanoid lying on the ground sit a few cm above it; none goes below it.
    assert min(lowest) > -0.01
    # At rest: over the last half second the pelvis height changes by less than a centimetre.
    assert (heights[-1] - heights[-16]).abs().max() < 0.01
