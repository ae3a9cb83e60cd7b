"""Evaluation of trained InterPrior policies: fixed seeded episodes, the paper's metrics, tables and plots.

``thresholds`` holds every success threshold, ``metrics`` scores recorded episodes, ``scheduled_reference`` plays a
fixed list of clip episodes and records them, ``tasks`` says how each task is evaluated, ``episodes`` runs a
checkpoint on them, ``report`` writes tables, CSV and JSON, and ``plots`` draws success bars and learning curves.
"""
