"""
Errors that say what to fix.

Every error a user can fix subclasses :class:`PatchmapError` and a builtin, so callers may catch
either. The app shows ``str(err)`` in an error box; the CLI prints it to stderr and exits with 2.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CacheFolderError",
    "DatabaseError",
    "EditConflictError",
    "EmptyInputError",
    "InputDataError",
    "InvalidGeometryError",
    "MissingColumnError",
    "NoRouteError",
    "OutsideGreatBritainError",
    "ParameterError",
    "PatchmapError",
    "PatchmapWarning",
    "RecordNotFoundError",
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


class EditConflictError(PatchmapError):
    """
    Someone else saved a newer version of the record since it was loaded.

    Attributes
    ----------
    entity
        ``"problem"`` or ``"action"``.
    entity_id
        Its id.
    expected_version
        The version the rejected edit was based on.
    current_version
        The version now stored.
    changed_by
        Who saved the current version.
    """

    def __init__(
        self,
        msg: str,
        *,
        entity: str,
        entity_id: int,
        expected_version: int,
        current_version: int,
        changed_by: str,
    ) -> None:
        super().__init__(msg)
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by


class RecordNotFoundError(PatchmapError, LookupError):
    """No record has the id asked for."""


class DatabaseError(PatchmapError, OSError):
    """
    The tasking database cannot be reached, opened, locked or written.

    The message names the database (password hidden), what went wrong and what to do about it:
    an unreachable server, a refused login, a missing database, a file locked by another program
    or one that is read-only.
    """


class CacheFolderError(PatchmapError, OSError):
    """
    patchmap's cache folder cannot be written where something must be written to it.

    Only the demo town needs the folder (its files are generated there once); parsed files are
    cached when the folder can be written and read afresh when it cannot. The message names the
    folder and says how to choose another (``XDG_CACHE_HOME``).
    """


class PatchmapWarning(UserWarning):
    """The answer is still right, but the user should know something about it."""
