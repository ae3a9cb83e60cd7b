"""Action terms of the HOI tasks that Isaac Lab does not ship: PD targets relative to the reference motion."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.envs.mdp.actions import JointPositionAction, JointPositionActionCfg
from isaaclab.utils import configclass

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .reference import ReferenceMotion


class ReferenceJointPositionAction(JointPositionAction):
    """PD position targets as offsets from the reference: target = q_ref + scale * action (rad).

    q_ref are the hinge angles of the reference frame the step's physics should reach (the reference command's
    :attr:`~.reference.ReferenceMotion.target`), so a zero action replays the reference's joint angles under PD and
    the policy learns the corrections that keep the humanoid on it.
    """

    cfg: ReferenceJointPositionActionCfg

    def __init__(self, cfg: ReferenceJointPositionActionCfg, env: ManagerBasedRLEnv):
        if cfg.use_default_offset or cfg.offset != 0.0:
            raise ValueError(
                "ReferenceJointPositionActionCfg: the reference's joint angles are the offset; "
                "leave offset and use_default_offset unset"
            )
        super().__init__(cfg, env)

    def process_actions(self, actions: torch.Tensor):
        super().process_actions(actions)
        reference: ReferenceMotion = self._env.command_manager.get_term(self.cfg.command_name)
        self._processed_actions += reference.target_joint_pos()[:, self._joint_ids]


@configclass
class ReferenceJointPositionActionCfg(JointPositionActionCfg):
    """PD targets relative to the joint angles of a :class:`~.reference.ReferenceMotion` command."""

    class_type: type = ReferenceJointPositionAction
    use_default_offset: bool = False
    """Must stay False: the reference's joint angles are the offset."""
    command_name: str = "reference"
    """The reference command whose target frame gives the offsets."""
