"""The MaskedMimic-style baseline: the Stage 1 Track expert on the sparse-goal tasks, given the goal frames it can use.

No training is involved. The expert observes its usual input, the state and the future reference frames as goal
residuals (``reference_residuals``: F = 174 features and a validity flag per frame), but each future frame is
replaced by the nearest *given* goal frame at or after its time (the latest given one when none lies ahead), as
the masked goal residual the distilled policy sees: components the goal does not give are a zero residual ("keep
what you have"), contact labels the goal does not give are 0. Every frame is flagged valid.
:func:`use_goal_only_reference` makes a goal task's ``expert`` observation group this input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import ObservationTermCfg as ObsTerm


if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv, ManagerBasedRLEnvCfg


def nearest_given_goals(
    frame_times: torch.Tensor, goal_times: torch.Tensor, present: torch.Tensor, masked_residuals: torch.Tensor
) -> torch.Tensor:
    """For every wanted frame, the masked residual of the nearest given goal at or after its time.

    Args:
        frame_times: (N, K) times of the frames the expert wants (s).
        goal_times: (N, G) times of the goal tokens (s).
        present: (N, G) bool, the token is given; at least one per env.
        masked_residuals: (N, G, F) the tokens' masked residuals.

    Returns:
        (N, K, F); frames after every given goal take the latest given goal.
    """
    ahead = present.unsqueeze(1) & (goal_times.unsqueeze(1) >= frame_times.unsqueeze(-1) - 1e-6)  # (N, K, G)
    nearest = torch.where(ahead, goal_times.unsqueeze(1), torch.inf).argmin(-1)
    latest = torch.where(present, goal_times, -torch.inf).argmax(-1, keepdim=True).expand_as(nearest)
    choice = torch.where(ahead.any(-1), nearest, latest)
    return torch.gather(masked_residuals, 1, choice.unsqueeze(-1).expand(*choice.shape, masked_residuals.shape[-1]))


def goal_only_reference(
    env: ManagerBasedRLEnv, reference_name: str = "reference", goal_name: str = "goal"
) -> torch.Tensor:
    """(N, K * (F + 1)) the expert's future reference input built from the given goals only (module docstring)."""
    reference = env.command_manager.get_term(reference_name)
    goal = env.command_manager.get_term(goal_name)
    frame_times = reference.times.unsqueeze(-1) + reference.future_offsets
    masked = goal.residuals() * goal.layout.expand_mask(goal.component_mask)
    chosen = nearest_given_goals(frame_times, goal.goal_times(), goal.present(), masked)
    valid = torch.ones(*chosen.shape[:-1], 1, device=chosen.device)
    return torch.cat([chosen, valid], dim=-1).reshape(env.num_envs, -1)


def use_goal_only_reference(env_cfg: ManagerBasedRLEnvCfg) -> None:
    """Make the goal task's ``expert`` observation group read :func:`goal_only_reference`, in place."""
    env_cfg.observations.expert.reference = ObsTerm(func=goal_only_reference)
