"""InterPrior's Isaac Lab tasks. Importing this package registers every ``InterPrior-*-v0`` gym id."""

from . import goals, hoi, track  # noqa: F401
from . import inbetween  # noqa: F401
