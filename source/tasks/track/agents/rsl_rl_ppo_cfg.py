"""PPO for the Stage 1 expert: the paper's MLP (1024, 1024, 512) actor and critic.

InterMimic trains with a fixed learning rate of 2e-5 on 4096 GPU envs for days; on a CPU budget we use an adaptive
rate starting at 1e-4 (KL target 0.01). The action noise is small, as InterMimic's fixed one: at most 0.1 in action
units (0.05 rad). With the 0.23 a longer run had learned, its iteration-1200 policy's training-like episodes were 53
control steps long against 65 at 0.1, and more of them dropped the box; capping it took the expert from 0 to 2 of the
16 training clips tracked to the end in 200 iterations.
"""

from isaaclab.utils import configclass

from isaaclab_rl.rsl_rl import RslRlMLPModelCfg, RslRlOnPolicyRunnerCfg, RslRlPpoAlgorithmCfg


@configclass
class TrackPPORunnerCfg(RslRlOnPolicyRunnerCfg):
    num_steps_per_env = 32
    max_iterations = 200
    save_interval = 25
    experiment_name = "interprior_track"
    obs_groups = {"actor": ["policy"], "critic": ["policy"]}
    actor = RslRlMLPModelCfg(
        hidden_dims=[1024, 1024, 512],
        activation="relu",
        obs_normalization=True,
        distribution_cfg=RslRlMLPModelCfg.GaussianDistributionCfg(init_std=0.1, std_range=(1.0e-3, 0.1)),
    )
    critic = RslRlMLPModelCfg(hidden_dims=[1024, 1024, 512], activation="relu", obs_normalization=True)
    algorithm = RslRlPpoAlgorithmCfg(
        value_loss_coef=1.0,
        use_clipped_value_loss=True,
        clip_param=0.2,
        entropy_coef=0.0,
        num_learning_epochs=5,
        num_mini_batches=4,
        learning_rate=1.0e-4,
        schedule="adaptive",
        gamma=0.99,
        lam=0.95,
        desired_kl=0.01,
        max_grad_norm=1.0,
    )


@configclass
class TrackG1PPORunnerCfg(TrackPPORunnerCfg):
    experiment_name = "interprior_track_g1"
