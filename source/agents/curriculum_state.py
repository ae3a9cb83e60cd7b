"""The state of an env's curriculum terms, saved with a checkpoint so that a resumed run continues the schedule.

A curriculum term keeps state (for example the in-betweening success threshold xi) when it is a class with
``state_dict()`` and ``load_state_dict(state)``; function terms and classes without them have none.
"""

from __future__ import annotations

import logging

from isaaclab.envs import ManagerBasedRLEnv

logger = logging.getLogger(__name__)


def _stateful_terms(env: ManagerBasedRLEnv) -> dict[str, object]:
    """The curriculum terms of ``env`` that keep state, by term name."""
    manager = env.curriculum_manager
    terms = {name: getattr(manager.cfg, name).func for name in manager.active_terms}
    return {name: term for name, term in terms.items() if hasattr(term, "state_dict")}


def curriculum_state(env: ManagerBasedRLEnv) -> dict[str, dict]:
    """Every stateful curriculum term's ``state_dict()``, by term name (empty when none keeps state)."""
    return {name: term.state_dict() for name, term in _stateful_terms(env).items()}


def load_curriculum_state(env: ManagerBasedRLEnv, state: dict[str, dict] | None, source: str) -> None:
    """Restore the curriculum terms of ``env`` from ``state`` (:func:`curriculum_state` of the run that wrote the
    checkpoint ``source``). A term without saved state starts afresh, and saved state of a term the env lacks is left
    unused; both are logged as warnings."""
    terms = _stateful_terms(env)
    state = state or {}
    for name, term in terms.items():
        if name in state:
            term.load_state_dict(state[name])
        else:
            logger.warning(f"{source} holds no state of the curriculum term {name!r}; it starts afresh")
    for name in state.keys() - terms.keys():
        logger.warning(f"{source} holds state of the curriculum term {name!r}, which this task does not have")
