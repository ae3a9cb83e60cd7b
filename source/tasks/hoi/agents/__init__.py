"""Learner configurations for the base scene."""
