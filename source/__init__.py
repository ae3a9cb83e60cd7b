"""InterPrior for Isaac Lab: a physics-based generative controller for full-body human-object interaction."""
