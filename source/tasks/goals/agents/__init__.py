"""Learning configurations of the sparse-goal tasks."""
