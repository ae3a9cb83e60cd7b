"""Curriculum terms of the HOI tasks: the in-betweening success threshold xi, adapted to the RL episodes' success.

The sparse success reward of in-betweening pays only when the masked distance to the goal is under xi. A distilled
policy reaches the task's xi from random starts in a few percent of its episodes, too rarely for PPO to learn from;
:class:`SuccessThresholdCurriculum` starts with a looser xi and tightens it towards the task's own as the policy
succeeds, so the reward stays sparse (a constant on success, nothing else) but is earned often enough to learn from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from isaaclab.managers import CurriculumTermCfg, ManagerTermBase

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .goal_rewards import HeldSnapshotGoal


class SuccessThresholdCurriculum(ManagerTermBase):
    """Adapts the held-snapshot goal's xi (``success_threshold`` of the command ``command_name``) to its success rate.

    Its final (tightest) value is the goal config's xi when the term is made; it starts at ``initial`` (m and rad),
    the loosest. It counts the RL episodes that end (distillation environments and the first reset left out) and
    whether each reached its goal; after every ``episodes`` of them, xi is multiplied by ``step`` if their success
    rate was at least ``tighten_above``, divided by ``step`` if under ``loosen_below``, and kept within [final,
    ``initial``]. The term returns xi, which the curriculum manager logs as ``Curriculum/<term name>``.
    """

    def __init__(self, cfg: CurriculumTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.goal: HeldSnapshotGoal = env.command_manager.get_term(cfg.params.get("command_name", "goal"))
        self.final = self.goal.cfg.success_threshold
        """The task's own xi (m and rad): the tightest the curriculum goes."""
        if not cfg.params["initial"] >= self.final:
            raise ValueError(f"the curriculum's initial xi {cfg.params['initial']} is tighter than the task's {self.final}")
        self.goal.cfg.success_threshold = cfg.params["initial"]
        self.successes = 0
        """Goals reached by the episodes counted since xi last changed."""
        self.episodes = 0
        """RL episodes ended since xi last changed."""

    def __call__(
        self,
        env: ManagerBasedRLEnv,
        env_ids: Sequence[int] | slice,
        initial: float,
        episodes: int = 64,
        tighten_above: float = 0.3,
        loosen_below: float = 0.1,
        step: float = 0.9,
        command_name: str = "goal",
    ) -> float:
        """Count the episodes of the resetting ``env_ids`` (called before the goal's reset clears its success flags),
        adapt xi when ``episodes`` have ended, and return xi (m and rad)."""
        ending = self.goal.rl_envs_among(env_ids) & (env.episode_length_buf > 0)
        self.successes += int(self.goal.metrics["success"][ending].sum().item())
        self.episodes += int(ending.sum().item())
        if self.episodes >= episodes:
            rate = self.successes / self.episodes
            xi = self.goal.cfg.success_threshold
            if rate >= tighten_above:
                xi *= step
            elif rate < loosen_below:
                xi /= step
            self.goal.cfg.success_threshold = min(max(xi, self.final), initial)
            self.successes = self.episodes = 0
        return self.goal.cfg.success_threshold

    def state_dict(self) -> dict[str, float | int]:
        """What a resumed run needs to continue the schedule: xi (m and rad) and the RL episodes (and their goals
        reached) counted since xi last changed."""
        xi = self.goal.cfg.success_threshold
        return {"success_threshold": xi, "successes": self.successes, "episodes": self.episodes}

    def load_state_dict(self, state: dict[str, float | int]) -> None:
        """Continue the schedule from a :meth:`state_dict`."""
        self.goal.cfg.success_threshold = float(state["success_threshold"])
        self.successes, self.episodes = int(state["successes"]), int(state["episodes"])
