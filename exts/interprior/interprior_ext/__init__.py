"""InterPrior's Omniverse Kit extension: a panel that plays a registered task with a trained checkpoint.

The task list, the checkpoint finder and the ``scripts/play.py`` launcher are plain Python and import anywhere;
the Kit extension class (:class:`InterPriorExtension`) is defined only inside a Kit app, where ``omni.ext`` and
``omni.ui`` exist.
"""

from importlib.util import find_spec

from .catalog import DEFAULT_REPO_ROOT, EXTENSION_ROOT, run_checkpoints, task_ids
from .launch import PlayProcess, PlayRequest, play_command

__all__ = [
    "DEFAULT_REPO_ROOT", "EXTENSION_ROOT", "KIT_AVAILABLE", "PlayProcess", "PlayRequest", "play_command",
    "run_checkpoints", "task_ids",
]


def _importable(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package (``omni``) is missing
        return False


KIT_AVAILABLE = all(_importable(module) for module in ("carb", "omni.ext", "omni.ui"))
"""Whether this process runs inside Kit; Kit starts the ``omni.ext.IExt`` subclass this package then exposes."""

if KIT_AVAILABLE:
    from .extension import InterPriorExtension

    __all__.append("InterPriorExtension")
