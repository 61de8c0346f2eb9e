"""
Errors that say what to fix.

Every error a user can fix subclasses :class:`PatchmapError` and a builtin, so callers may catch
either. The app shows ``str(err)`` in an error box; the CLI prints it to stderr and exits with 2.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "EmptyInputError",
    "InputDataError",
    "InvalidGeometryError",
    "MissingColumnError",
    "NoRouteError",
    "OutsideGreatBritainError",
    "ParameterError",
    "PatchmapError",
    "PatchmapWarning",
]


class PatchmapError(Exception):
    """A problem the user can fix; the message says how."""


class InputDataError(PatchmapError, ValueError):
    """An input file or frame cannot be used as it is."""


class CRSError(InputDataError):
    """Data is in the wrong coordinate reference system, or has none."""


class MissingColumnError(InputDataError):
    """A required column is missing."""


class OutsideGreatBritainError(InputDataError):
    """Coordinates lie outside Great Britain (often swapped longitude and latitude)."""


class EmptyInputError(InputDataError):
    """A file or selection holds no usable rows."""


class InvalidGeometryError(InputDataError):
    """A geometry is invalid and could not be repaired."""


class ParameterError(PatchmapError, ValueError):
    """A parameter is out of range or inconsistent with another."""


class NoRouteError(PatchmapError):
    """A walking route cannot be built on the street network."""


class PatchmapWarning(UserWarning):
    """The answer is still right, but the user should know something about it."""
