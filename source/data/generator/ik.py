"""Inverse kinematics on an embodiment's MJCF (our humanoid's by default): damped least squares on MuJoCo body
Jacobians.

The root pose is given; the solver moves only the hinges it is told to, pulls the others towards a reference
posture, and keeps every angle inside the MJCF limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.embodiment import SMPL, Embodiment
from ...assets.skeleton import JOINT_NAMES
from ..kinematics import kinematic_model
from .posture import clip_to_limits, humanoid_model, joint_limits


@dataclass(frozen=True)
class BodyTarget:
    """Where a point fixed on a body should be (m, world) and, optionally, how the body should be oriented."""

    body: str
    position: np.ndarray | None
    """(3,) world position of :attr:`point` (m), or ``None`` to leave it free."""
    point: np.ndarray = field(default_factory=lambda: np.zeros(3))
    """(3,) the point in the body frame (m)."""
    rotation: Rotation | None = None
    """World orientation of the body frame, or ``None`` to leave it free."""
    rotation_weight: float = 0.3
    """Weight of one radian of orientation error relative to one metre of position error."""


def joint_indices(bodies: tuple[str, ...]) -> np.ndarray:
    """Indices into the 69 hinges of the three hinges of each body in ``bodies``."""
    return np.array([JOINT_NAMES.index(f"{body}_{axis}") for body in bodies for axis in "xyz"])


def solve(
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    joint_pos: np.ndarray,
    targets: list[BodyTarget],
    active: np.ndarray,
    posture: np.ndarray | None = None,
    posture_weight: float = 0.02,
    iterations: int = 25,
    damping: float = 1e-3,
    embodiment: Embodiment = SMPL,
) -> np.ndarray:
    """Hinge angles that bring the targets' points to their positions and orientations.

    Args:
        root_pos, root_quat: (3,) pelvis position (m) and (4,) orientation (x, y, z, w), held fixed.
        joint_pos: (J,) starting hinge angles (rad); hinges outside ``active`` keep these values.
        targets: What to reach.
        active: Indices of the hinges the solver may move.
        posture: (J,) angles the active hinges are pulled towards (defaults to ``joint_pos``).
        posture_weight: Weight of that pull per radian.
        iterations: Gauss-Newton steps.
        damping: Levenberg-Marquardt damping of each step.
        embodiment: Whose bodies and hinges (J of them: 69 for our humanoid).

    Returns:
        (J,) hinge angles (rad) within the MJCF limits.
    """
    model = kinematic_model(embodiment)
    data = mujoco.MjData(model)
    data.qpos[:3] = root_pos
    data.qpos[3:7] = np.roll(root_quat, 1)
    q = clip_to_limits(np.array(joint_pos, dtype=np.float64), embodiment)
    posture = q.copy() if posture is None else np.asarray(posture, dtype=np.float64)
    jacp, jacr = np.zeros((3, model.nv)), np.zeros((3, model.nv))
    columns = 6 + active
    lower, upper = joint_limits(embodiment)
    for _ in range(iterations):
        data.qpos[7:] = q
        mujoco.mj_kinematics(model, data)
        mujoco.mj_comPos(model, data)
        rows, errors = [], []
        for target in targets:
            body = embodiment.body_index(target.body) + 1
            rotation = data.xmat[body].reshape(3, 3)
            point = data.xpos[body] + rotation @ target.point
            mujoco.mj_jac(model, data, jacp, jacr, point, body)
            if target.position is not None:
                rows.append(jacp[:, columns])
                errors.append(target.position - point)
            if target.rotation is not None:
                error = (target.rotation * Rotation.from_matrix(rotation).inv()).as_rotvec()
                rows.append(target.rotation_weight * jacr[:, columns])
                errors.append(target.rotation_weight * error)
        jacobian, error = np.concatenate(rows), np.concatenate(errors)
        free = np.ones(len(active), dtype=bool)
        for _ in range(2):  # hinges a step would push past their limit are held there and the step is redone
            cols = jacobian[:, free]
            lhs = cols.T @ cols + (posture_weight**2 + damping) * np.eye(int(free.sum()))
            rhs = cols.T @ error + posture_weight**2 * (posture[active[free]] - q[active[free]])
            delta = np.zeros(len(active))
            delta[free] = np.linalg.solve(lhs, rhs)
            blocked = (q[active] + delta < lower[active]) | (q[active] + delta > upper[active])
            if not blocked[free].any():
                break
            free &= ~blocked
        q[active] = np.clip(q[active] + delta, lower[active], upper[active])
    return q


def body_frames(root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World positions (24, 3) (m) and rotation matrices (24, 3, 3) of all bodies for one pose."""
    model = humanoid_model()
    data = mujoco.MjData(model)
    data.qpos[:3] = root_pos
    data.qpos[3:7] = np.roll(root_quat, 1)
    data.qpos[7:] = joint_pos
    mujoco.mj_kinematics(model, data)
    return data.xpos[1:].copy(), data.xmat[1:].reshape(-1, 3, 3).copy()
