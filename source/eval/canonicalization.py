"""Chain canonicalization: a clip's later goal frames re-expressed relative to where the humanoid actually is.

Between two goals of a chain the humanoid rarely stands exactly where the clip did. The remaining goal frames are
moved rigidly on the ground, by a turn about the vertical axis and a horizontal shift, so that the reference pelvis
lands on the simulated pelvis with the simulated heading: ``p -> R p + s``, with ``R`` a yaw rotation (N, 4) and
``s`` a horizontal shift (N, 3, m). Heights, hinge angles and contact labels are unchanged.
"""

from __future__ import annotations

import torch

from isaaclab.utils import math as math_utils

HORIZONTAL = (1.0, 1.0, 0.0)


def heading_alignment(
    current_pos: torch.Tensor, current_quat: torch.Tensor, reference_pos: torch.Tensor, reference_quat: torch.Tensor
) -> Move:
    """The planar move ``(R, s)`` taking the reference pelvis onto the current one.

    Args:
        current_pos, current_quat: (N, 3) and (N, 4) the simulated pelvis.
        reference_pos, reference_quat: (N, 3) and (N, 4) the reference pelvis (as currently placed).

    Returns:
        ``R`` (N, 4), the yaw from the reference heading to the current heading, and ``s`` (N, 3) with a zero
        height, such that ``R reference_pos + s`` is ``current_pos`` horizontally.
    """
    reference_heading = math_utils.quat_conjugate(math_utils.yaw_quat(reference_quat))
    turn = math_utils.quat_mul(math_utils.yaw_quat(current_quat), reference_heading)
    horizontal = torch.tensor(HORIZONTAL, device=current_pos.device)
    shift = (current_pos - math_utils.quat_apply(turn, reference_pos)) * horizontal
    return turn, shift


Move = tuple[torch.Tensor, torch.Tensor]
"""``(R (N, 4), s (N, 3))``: ``p -> R p + s``."""


def compose(outer: Move, inner: Move) -> Move:
    """The move ``outer`` after ``inner``, both ``(R (N, 4), s (N, 3))``."""
    (outer_turn, outer_shift), (inner_turn, inner_shift) = outer, inner
    return math_utils.quat_mul(outer_turn, inner_turn), math_utils.quat_apply(outer_turn, inner_shift) + outer_shift
