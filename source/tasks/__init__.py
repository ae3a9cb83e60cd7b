"""InterPrior's Isaac Lab tasks. Importing this package registers every ``InterPrior-*-v0`` gym id."""

from . import hoi  # noqa: F401
