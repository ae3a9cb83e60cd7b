"""Stage 2 sparse-goal tasks: ``InterPrior-Snapshot-v0``, ``-Trajectory-v0``, ``-Contact-v0``, ``-Goals-v0`` (all), and
each on the Unitree G1 (``InterPrior-Snapshot-G1-v0``, ...)."""

from ..registration import register_embodiment_variants
from . import agents

for task, cfg in (
    ("Snapshot", "SnapshotEnvCfg"),
    ("Trajectory", "TrajectoryEnvCfg"),
    ("Contact", "ContactEnvCfg"),
    ("Goals", "MixedGoalsEnvCfg"),
):
    register_embodiment_variants(
        task,
        env_cfg_entry_point=f"{__name__}.goals_env_cfg:{cfg}",
        distillation_cfg_entry_point=f"{agents.__name__}.distillation_cfg:{task}DistillationCfg",
    )
