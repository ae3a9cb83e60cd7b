"""The Stage 2 InterPrior policy: a Transformer prior, a residual MLP encoder and an MLP decoder over a unit-sphere
latent, and the variational distillation loss. See :mod:`.policy` for the inputs and :mod:`.losses` for the loss.
"""

from .config import DistillationLossCfg, LatentPolicyCfg
from .losses import DistillationBatch, distillation_loss
from .policy import LatentPolicy, LatentPolicyOutput
from .statistics import LatentStatistics

__all__ = [
    "DistillationBatch",
    "DistillationLossCfg",
    "LatentPolicy",
    "LatentPolicyCfg",
    "LatentPolicyOutput",
    "LatentStatistics",
    "distillation_loss",
]
