"""The error every converter raises for a source file it cannot read or convert."""

from __future__ import annotations

from ..clip import ClipFormatError


class SourceFormatError(ClipFormatError):
    """A dataset file that cannot be converted; the message names the file, the field and the problem.

    A subclass of :class:`~interprior.data.clip.ClipFormatError`, so callers that report bad clips report bad
    sources the same way.
    """
