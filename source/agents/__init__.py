"""Training plumbing for the InterPrior tasks on rsl_rl: the runner, its checkpoints and the finite-value guard."""
