"""Which library object stands in for each dataset's object.

Datasets name their objects (OMOMO ``largebox``, BEHAVE ``boxlarge``, ...); clips name a library object
(:data:`interprior.assets.objects.OBJECT_NAMES`). :data:`DEFAULT_OBJECT_MAP` lists the pairs that match in shape and
size; ``--object-map name=library_name`` adds or overrides pairs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ...assets.objects import OBJECT_NAMES
from .errors import SourceFormatError

DEFAULT_OBJECT_MAP: dict[str, str] = {
    "largebox": "box_large",  # OMOMO, 0.47 x 0.46 x 0.41 m, the same as box_large
    "smallbox": "box_small",  # OMOMO
    "plasticbox": "box_medium",  # OMOMO
    "boxlarge": "box_large",  # BEHAVE
    "boxmedium": "box_medium",  # BEHAVE
    "boxsmall": "box_small",  # BEHAVE
    "stool": "stool",  # BEHAVE, InterCap
}
"""Dataset object name -> library object name."""


def parse_object_map(pairs: Iterable[str]) -> dict[str, str]:
    """The default map updated with ``name=library_name`` pairs (as given to ``--object-map``).

    Raises:
        ValueError: a pair is malformed or names an object that is not in the library.
    """
    mapping = dict(DEFAULT_OBJECT_MAP)
    for pair in pairs:
        name, sep, target = pair.partition("=")
        if not sep or not name or not target:
            raise ValueError(f"--object-map {pair!r}: expected name=library_name")
        if target not in OBJECT_NAMES:
            raise ValueError(f"--object-map {pair!r}: {target!r} is not a library object ({', '.join(OBJECT_NAMES)})")
        mapping[name] = target
    return mapping


def library_object(name: str, object_map: Mapping[str, str] | None, source: str | os.PathLike, field: str) -> str:
    """The library object for dataset object ``name``; ``object_map`` ``None`` means :data:`DEFAULT_OBJECT_MAP`.

    Raises:
        SourceFormatError: naming ``source``, ``field``, the unmapped object and the option that maps it.
    """
    mapping = DEFAULT_OBJECT_MAP if object_map is None else object_map
    if name in mapping:
        return mapping[name]
    if name in OBJECT_NAMES:
        return name
    raise SourceFormatError(
        source,
        field,
        f"object {name!r} has no library object; map it with --object-map {name}=<one of {', '.join(OBJECT_NAMES)}>",
    )
