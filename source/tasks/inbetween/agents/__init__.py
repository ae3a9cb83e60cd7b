"""Learning configurations of the Stage 3 tasks."""
