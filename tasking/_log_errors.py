"""
Database errors as messages that say what went wrong and what to do.

Private to :mod:`tasking.store`. :func:`describe_database_error` turns the driver's text (and
PostgreSQL's SQLSTATE code) into advice; :func:`translate_errors` installs it on an engine so that
every failure, at connect time, in a query or at commit, reaches the app and the CLI as a
:class:`~spatial.errors.DatabaseError` rather than a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from spatial.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine, ExceptionContext

Backend = Literal["sqlite", "postgresql"]

_URL_ADVICE: Final = "Name the database with --db or PATCHMAP_DATABASE_URL"
# (SQLSTATE codes or lower-case message fragments, what is wrong, what to do)
_SQLITE_CASES: Final = (
    (
        ("database is locked", "database table is locked"),
        "is locked by another program and stayed locked for {timeout}",
        (
            "Wait for the other patchmap (or a program such as DB Browser for SQLite holding "
            "the file open) to finish, close it, and try again"
        ),
    ),
    (
        ("attempt to write a readonly database", "readonly database"),
        "is read-only",
        (
            "Give this user write permission on the file and on its folder (SQLite writes a "
            f"journal file beside it), or copy it somewhere writable. {_URL_ADVICE} to use "
            "another file"
        ),
    ),
    (
        ("unable to open database file",),
        "cannot be opened or created",
        (
            "Check that the folder exists and this user may write to it, and that the path names a "
            f"file, not a folder. {_URL_ADVICE} to use another file"
        ),
    ),
    (
        ("file is not a database", "file is encrypted or is not a database"),
        "is not an SQLite database",
        (
            "Check the path: name the tasking log's .sqlite file, or a new file name to start an "
            "empty log"
        ),
    ),
    (
        ("database or disk is full", "disk i/o error"),
        "cannot be written to disk",
        "Free some disk space or move the file to another disk, and try again",
    ),
    (
        ("database disk image is malformed",),
        "is damaged",
        "Restore it from a backup (or export what can be read with `patchmap tasks export`)",
    ),
)
_POSTGRES_CASES: Final = (
    (
        ("peer authentication failed", "no pg_hba.conf entry"),
        "does not let this user connect from here",
        (
            "Ask the database administrator to allow it in pg_hba.conf, or give the user and "
            "password of an account that may connect"
        ),
    ),
    (
        ('role "',),
        "has no such user",
        "Check the user name in the URL (postgresql://USER@host/db)",
    ),
    (
        ("28p01", "password authentication failed", "no password supplied"),
        "refused the user name or password",
        (
            "Check the user and password in the URL (postgresql://USER:PASSWORD@host/db) or in "
            "~/.pgpass, and that pg_hba.conf lets this user connect from here"
        ),
    ),
    (
        ("42501", "permission denied"),
        "refused this user permission",
        (
            "Ask the database owner to GRANT this user access to the tasking tables (or connect as "
            "the owner)"
        ),
    ),
    (
        ("3d000", 'database "'),
        "has no such database",
        "Create it (createdb NAME) or correct the database name at the end of the URL",
    ),
    (
        ("55p03", "lock timeout"),
        "stayed locked by another user for {timeout}",
        "Another patchmap is upgrading or writing the log; wait a minute and try again",
    ),
    (
        ("25006", "read-only transaction"),
        "accepts only reads (a standby server?)",
        "Connect to the primary server, not a read-only replica",
    ),
    (
        ("57p03", "the database system is starting up", "the database system is shutting down"),
        "is starting up or shutting down",
        "Wait a minute and try again",
    ),
    (
        (
            "connection refused",
            "could not translate host name",
            "name or service not known",
            "no such file or directory",
            "timeout expired",
            "server closed the connection",
            "connection to server",
            "could not connect",
            "network is unreachable",
        ),
        "cannot be reached",
        (
            "Check the host and port in the URL and that the PostgreSQL server is running and "
            "accepts connections from this machine"
        ),
    ),
)


def describe_database_error(
    reason: str,
    *,
    backend: Backend,
    shown: str,
    sqlstate: str | None = None,
    lock_timeout_s: float = 0.0,
) -> str | None:
    """
    Return a message saying what went wrong with the database and what to do, or None.

    Parameters
    ----------
    reason
        The driver's message.
    backend
        Which database system reported it.
    shown
        The database as the user should see it (URL with the password hidden).
    sqlstate
        PostgreSQL's SQLSTATE code, when the driver gives one.
    lock_timeout_s
        How long the connection waited for a lock (named in "locked" messages).

    Returns
    -------
    str or None
        The message, or None when the error is not one of the known cases.

    Examples
    --------
    >>> describe_database_error(
    ...     "attempt to write a readonly database", backend="sqlite", shown="/srv/log.sqlite"
    ... )[:51]
    'The tasking database /srv/log.sqlite is read-only: '
    """
    cleaned = " ".join(reason.split()).rstrip(".?")
    lowered = cleaned.lower()
    keys = (lowered, (sqlstate or "").lower())
    cases = _SQLITE_CASES if backend == "sqlite" else _POSTGRES_CASES
    for fragments, what, advice in cases:
        if any(f in k for f in fragments for k in keys if k):
            timeout = f"{lock_timeout_s:g} s" if lock_timeout_s else "too long"
            return (
                f"The tasking database {shown} {what.format(timeout=timeout)}: {cleaned}. {advice}."
            )
    return None


def _handle_error(
    context: ExceptionContext, *, backend: Backend, shown: str, lock_timeout_s: float
) -> None:
    error = context.sqlalchemy_exception
    if isinstance(error, IntegrityError) or not isinstance(error, DBAPIError):
        return  # integrity errors are the caller's to handle (a retried add, a foreign key)
    original = context.original_exception
    message = describe_database_error(
        str(original),
        backend=backend,
        shown=shown,
        sqlstate=getattr(original, "sqlstate", None),
        lock_timeout_s=lock_timeout_s,
    )
    if message is None and isinstance(error, OperationalError | InterfaceError):
        reason = " ".join(str(original).split()).rstrip(".?")
        message = (
            f"The tasking database {shown} reported an error: {reason}. "
            "Try again; if it persists, check the database server's log."
        )
    if message is not None:
        raise DatabaseError(message) from error


def translate_errors(
    engine: Engine, *, backend: Backend, shown: str, lock_timeout_s: float
) -> None:
    """Make every connection, query or commit failure of ``engine`` a clear DatabaseError."""

    def handle(context: ExceptionContext) -> None:
        _handle_error(context, backend=backend, shown=shown, lock_timeout_s=lock_timeout_s)

    event.listen(engine, "handle_error", handle)
