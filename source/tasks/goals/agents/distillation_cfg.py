"""Distillation runners of the sparse-goal tasks: one experiment directory per task, the defaults of
:class:`~interprior.agents.distillation.DistillationRunnerCfg` otherwise."""

from isaaclab.utils import configclass

from interprior.agents.distillation import DistillationRunnerCfg


@configclass
class SnapshotDistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_snapshot"


@configclass
class TrajectoryDistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_trajectory"


@configclass
class ContactDistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_contact"


@configclass
class GoalsDistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_goals"


@configclass
class SnapshotG1DistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_snapshot_g1"


@configclass
class TrajectoryG1DistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_trajectory_g1"


@configclass
class ContactG1DistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_contact_g1"


@configclass
class GoalsG1DistillationCfg(DistillationRunnerCfg):
    experiment_name = "interprior_goals_g1"
