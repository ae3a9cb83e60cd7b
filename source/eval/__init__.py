"""Evaluation of trained InterPrior policies: fixed seeded episodes, the paper's metrics, tables and plots.

``thresholds`` holds every success threshold; ``metrics`` scores tracking episodes and ``goal_metrics`` goal
episodes; ``scheduled_reference`` plays a fixed list of clip episodes and records them, ``scheduled_goal`` gives
them their goals (single snapshots, chains with ``canonicalization``, random starts) and records those; ``tasks``
says how each task is evaluated, ``policies`` how a checkpoint acts (``baseline``: the Track expert on goals only),
``episodes`` runs a checkpoint on the episodes, ``report`` writes tables, CSV and JSON, and ``plots`` draws success
bars and learning curves.
"""
