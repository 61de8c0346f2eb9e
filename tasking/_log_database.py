"""
Opening the tasking database: URLs, engines and the Alembic migrations, safe under concurrency.

Private to :mod:`tasking.store` (which re-exports the public names). Many processes may open a
new database at once (ten CLI calls from a script, several app sessions): the migration runs
under a lock (PostgreSQL ``pg_advisory_xact_lock``, SQLite ``BEGIN IMMEDIATE``), so one creates
the tables and the others wait and find them made. SQLite writers queue for the write lock for up
to ``lock_timeout_s``; every failure becomes a :class:`~spatial.errors.DatabaseError` that says
what to do (see ``tasking/_log_errors.py``).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from spatial.errors import DatabaseError, ParameterError
from tasking._log_errors import Backend, translate_errors

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.engine import URL, Connection, Engine

DATABASE_URL_ENV: Final = "PATCHMAP_DATABASE_URL"
"""Environment variable naming the database when no URL is given."""
DEFAULT_DATABASE_FILE: Final = Path("patchmap") / "tasking.sqlite"
"""SQLite file used when neither a URL nor ``PATCHMAP_DATABASE_URL`` is given, under
``$XDG_DATA_HOME`` (default ``~/.local/share``)."""
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
"""Alembic script directory shipped with the package."""
DEFAULT_LOCK_TIMEOUT_S: Final = 30.0
"""How long a connection waits for another process's lock before saying the log is locked."""
CONNECT_TIMEOUT_S: Final = 10
"""How long to wait for a PostgreSQL server to answer (whole seconds, libpq's unit)."""
POSTGRES_DRIVERS: Final = ("psycopg", "psycopg2")
"""Synchronous PostgreSQL drivers the log accepts (``postgresql://`` means psycopg 3)."""
VERSION_TABLE: Final = "alembic_version"
"""The table Alembic keeps the log's schema revision in, made with the log's first tables."""
_TABLES_NAMED: Final = 5
"""How many of another application's tables a refusal names."""
MIGRATION_LOCK_KEY: Final = zlib.crc32(b"patchmap tasking log migrations")
"""PostgreSQL advisory lock key held while migrating (one per database)."""


def default_database_url() -> str:
    """
    Return the SQLite URL used when no database is named.

    Returns
    -------
    str
        ``sqlite:///`` + ``$XDG_DATA_HOME/patchmap/tasking.sqlite`` (``~/.local/share`` when
        ``XDG_DATA_HOME`` is unset).
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / DEFAULT_DATABASE_FILE}"


def resolve_database_url(url: str | Path | None = None) -> str:
    """
    Turn what the user gave into an SQLAlchemy URL.

    Parameters
    ----------
    url
        A database URL (``sqlite:///path``, ``postgresql://user@host/db``), a path to an SQLite
        file, or None for ``$PATCHMAP_DATABASE_URL`` and then :func:`default_database_url`.

    Returns
    -------
    str
        The URL; ``postgresql://`` and ``postgres://`` get the psycopg 3 driver.

    Raises
    ------
    ParameterError
        When the URL is not one SQLAlchemy understands or names another database system.

    Examples
    --------
    >>> resolve_database_url("postgresql://nag@db.example/tasking")
    'postgresql+psycopg://nag@db.example/tasking'
    >>> resolve_database_url("sqlite:///:memory:")
    'sqlite:///:memory:'
    """
    if url is None:
        url = os.environ.get(DATABASE_URL_ENV) or default_database_url()
    text = str(url)
    if isinstance(url, Path) or "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text.removeprefix(prefix)
    try:
        parsed = make_url(text)
    except ArgumentError as err:
        msg = f"Cannot read the database URL {text!r} ({err}). Use sqlite:///path or postgresql://user@host/db."
        raise ParameterError(msg) from err
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        msg = (
            f"The tasking log runs on SQLite or PostgreSQL; {text!r} names "
            f"{parsed.get_backend_name()}. Use sqlite:///path or postgresql://user@host/db."
        )
        raise ParameterError(msg)
    _check_url_shape(text, parsed)
    return text


def _check_url_shape(text: str, parsed: URL) -> None:
    """Refuse URLs that parse but cannot work: async drivers, an SQLite URL with a host."""
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and (parsed.host or driver != "pysqlite"):
        msg = (
            f"Cannot use the SQLite URL {text!r}: "
            + (f"it names a host ({parsed.host!r}); " if parsed.host else f"driver {driver}; ")
            + "an SQLite URL has three slashes and a path: sqlite:///relative/path.sqlite or "
            "sqlite:////absolute/path.sqlite (or give the file path alone)."
        )
        raise ParameterError(msg)
    if backend == "postgresql" and driver not in POSTGRES_DRIVERS:
        msg = (
            f"Cannot use the PostgreSQL driver {driver!r} in {text!r}: the tasking log uses "
            "psycopg. Write the URL as postgresql://user@host/db."
        )
        raise ParameterError(msg)


def _sqlite_connect(dbapi_connection: object, _record: object) -> None:
    """Enforce foreign keys; let SQLAlchemy's begin event, not pysqlite, start transactions."""
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]  # sqlite3.Connection
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """
    Start every SQLite transaction with the write lock (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes can deadlock with another writer, and
    SQLite then fails at once with "database is locked" instead of waiting; taking the lock
    first makes writers queue (each waits up to the busy timeout), and makes a migration's
    check-then-create atomic across processes.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_for_migration(connection: Connection, *, lock_timeout_s: float) -> None:
    """
    Hold the database's migration lock for the rest of ``connection``'s transaction.

    PostgreSQL: a transaction-level advisory lock (released at commit or rollback), so of several
    processes opening a new database at once, one creates the tables and the others wait, then
    find them made. SQLite: the write lock (``BEGIN IMMEDIATE``), taken here unless the engine's
    begin event (see :func:`connect`) already took it.
    """
    connection.begin()
    if connection.dialect.name == "postgresql":
        timeout_ms = max(1, round(lock_timeout_s * 1000))
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(
    engine: Engine,
    *,
    command_name: Literal["upgrade", "downgrade"],
    revision: str,
    lock_timeout_s: float,
) -> None:
    from alembic import command  # noqa: PLC0415 - only needed when migrating

    config = alembic_config()
    with engine.connect() as connection:
        _lock_for_migration(connection, lock_timeout_s=lock_timeout_s)
        config.attributes["connection"] = connection
        getattr(command, command_name)(config, revision)
        connection.commit()


def upgrade_database(
    engine: Engine, *, revision: str = "head", lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> None:
    """
    Create or upgrade the tasking tables with the shipped Alembic migrations.

    Safe to run from many processes at once: the migration holds a lock (PostgreSQL advisory
    lock, SQLite write lock) so one process migrates and the others wait, then find the
    database up to date.

    Parameters
    ----------
    engine
        Engine of the database (from :func:`connect` or ``sqlalchemy.create_engine``).
    revision
        Alembic revision to upgrade to.
    lock_timeout_s
        How long to wait for another process's migration (PostgreSQL; SQLite waits for the
        engine's busy timeout).

    Examples
    --------
    >>> from sqlalchemy import create_engine, inspect
    >>> engine = create_engine("sqlite://")
    >>> upgrade_database(engine)
    >>> "problems" in inspect(engine).get_table_names()
    True
    """
    _migrate(engine, command_name="upgrade", revision=revision, lock_timeout_s=lock_timeout_s)


def downgrade_database(
    engine: Engine, *, revision: str = "base", lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> None:
    """
    Undo migrations down to ``revision`` (``"base"`` drops every tasking table and its data).

    Parameters
    ----------
    engine
        Engine of the database.
    revision
        Alembic revision to go back to.
    lock_timeout_s
        As for :func:`upgrade_database`.
    """
    _migrate(engine, command_name="downgrade", revision=revision, lock_timeout_s=lock_timeout_s)


def alembic_config() -> AlembicConfig:
    """
    Return an Alembic configuration pointing at the shipped migrations.

    Set ``config.attributes["connection"]`` to a connection, or the ``sqlalchemy.url`` main
    option, before running an Alembic command with it.

    Returns
    -------
    alembic.config.Config
        Configuration with ``script_location`` set; no ``alembic.ini`` is needed.
    """
    from alembic.config import Config  # noqa: PLC0415 - only needed when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _create_engine(parsed: URL, *, shown: str, lock_timeout_s: float) -> Engine:
    backend: Backend = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
    is_uri = str(parsed.query.get("uri", "")).lower() == "true"  # sqlite:///file:x?mode=ro&uri=true
    if backend == "sqlite" and parsed.database not in {None, "", ":memory:"} and not is_uri:
        folder = Path(str(parsed.database)).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            msg = (
                f"Cannot create the folder {folder} for the tasking database ({err.strerror}). "
                "Name a file in a folder this user may write to with --db or "
                "PATCHMAP_DATABASE_URL."
            )
            raise DatabaseError(msg) from err
    options: dict[str, Any] = (
        {"connect_args": {"timeout": lock_timeout_s}}
        if backend == "sqlite"
        else {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}, "pool_pre_ping": True}
    )
    try:
        engine = create_engine(parsed, **options)
    except ImportError as err:
        msg = (
            f"Cannot open {shown}: the PostgreSQL driver, an optional part of patchmap, is not "
            f"installed ({err}). Install it with: pip install 'patchmap[postgres]'."
        )
        raise DatabaseError(msg) from err
    translate_errors(engine, backend=backend, shown=shown, lock_timeout_s=lock_timeout_s)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def refuse_foreign_database(engine: Engine, *, shown: str) -> None:
    """
    Refuse an SQLite file that holds another application's tables, before writing to it.

    The log's first migration makes its tables and :data:`VERSION_TABLE` in one transaction,
    so a file with tables but no version table is not a tasking log: another program's
    database, perhaps with a table of the same name (``problems``). Adding the log's tables
    to it would change another program's file. An empty file, a new one or a tasking log pass.

    Raises
    ------
    DatabaseError
        Naming a few of the tables found, and saying to give a new file.
    """
    with engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        connection.rollback()
    if not tables or VERSION_TABLE in tables:
        return
    from tasking._log_schema import Base  # noqa: PLC0415 - the tables' names, on this path only

    clash = sorted(set(tables) & set(Base.metadata.tables))
    named = ", ".join(tables[:_TABLES_NAMED])
    if len(tables) > _TABLES_NAMED:
        named += f" and {len(tables) - _TABLES_NAMED} more"
    msg = (
        f"The tasking database {shown} holds another application's tables ({named}), not a "
        "tasking log"
        + (f" (its {', '.join(clash)} table is that application's, not the log's)" if clash else "")
        + ": patchmap will not add its tables to it. Name a new file (or the tasking log's "
        ".sqlite file) with --db or PATCHMAP_DATABASE_URL."
    )
    raise DatabaseError(msg)


def connect(
    url: str | Path | None = None,
    *,
    migrate: bool = True,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> Engine:
    """
    Open the tasking database, creating and upgrading its tables.

    Safe when many processes open a new database at once (see :func:`upgrade_database`).
    Every database failure of the returned engine, when connecting, querying or committing,
    raises :class:`~spatial.errors.DatabaseError` with advice (unreachable server, refused
    login, missing database, locked or read-only file), not a driver traceback.

    Parameters
    ----------
    url
        See :func:`resolve_database_url`.
    migrate
        Run the migrations to the newest revision (do this unless a deployment migrates
        separately).
    lock_timeout_s
        How long to wait for a lock held by another process (the SQLite write lock, the
        PostgreSQL migration lock) before giving up with a "locked" message.

    Returns
    -------
    sqlalchemy.engine.Engine
        Engine for ``Session(engine)``. SQLite connections enforce foreign keys and start
        every transaction with ``BEGIN IMMEDIATE`` (writers queue instead of failing).

    Raises
    ------
    ParameterError
        When the URL is unusable (another database system, an async driver, a malformed
        SQLite URL).
    DatabaseError
        When the database cannot be reached, opened, locked or written, was upgraded by a
        newer patchmap, or (SQLite) is another application's file: it has tables, none of them
        the log's version table.
    """
    resolved = resolve_database_url(url)
    parsed = make_url(resolved)
    shown = (
        str(parsed.database)
        if parsed.get_backend_name() == "sqlite"
        else parsed.render_as_string(hide_password=True)
    )
    engine = _create_engine(parsed, shown=shown, lock_timeout_s=lock_timeout_s)
    if migrate and parsed.get_backend_name() == "sqlite":  # before migrating writes to it
        try:
            refuse_foreign_database(engine, shown=shown)
        except BaseException:
            engine.dispose()
            raise
    if migrate:
        from alembic.util import CommandError  # noqa: PLC0415 - error path only

        try:
            upgrade_database(engine, lock_timeout_s=lock_timeout_s)
        except CommandError as err:
            engine.dispose()
            msg = (
                f"The tasking database {shown} cannot be upgraded ({err}): it was probably "
                "written by a newer patchmap. Upgrade patchmap (pip install -U patchmap), or "
                "name another database."
            )
            raise DatabaseError(msg) from err
        except BaseException:
            engine.dispose()
            raise
    return engine
