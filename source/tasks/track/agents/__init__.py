"""Learning configurations of the tracking task."""
