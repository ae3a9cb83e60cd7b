"""The bundled HOI dataset generator: mocap walking retargeted to our humanoid, scripted object interactions,
inverse kinematics for the limbs and contact labels from MuJoCo geometry distances."""

from .dataset import generate_clip, generate_dataset
from .interactions import INTERACTIONS

__all__ = ["INTERACTIONS", "generate_clip", "generate_dataset"]
