"""
Opening the tasking database: URLs, engines and the Alembic migrations.

Private to :mod:`tasking.store` (which re-exports the public names).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from spatial.errors import ParameterError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.engine import Engine

DATABASE_URL_ENV: Final = "PATCHMAP_DATABASE_URL"
"""Environment variable naming the database when no URL is given."""
DEFAULT_DATABASE_FILE: Final = Path("patchmap") / "tasking.sqlite"
"""SQLite file used when neither a URL nor ``PATCHMAP_DATABASE_URL`` is given, under
``$XDG_DATA_HOME`` (default ``~/.local/share``)."""
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
"""Alembic script directory shipped with the package."""


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
    return text


def _sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade_database(engine: Engine, *, revision: str = "head") -> None:
    """
    Create or upgrade the tasking tables with the shipped Alembic migrations.

    Parameters
    ----------
    engine
        Engine of the database (from :func:`connect` or ``sqlalchemy.create_engine``).
    revision
        Alembic revision to upgrade to.

    Examples
    --------
    >>> from sqlalchemy import create_engine, inspect
    >>> engine = create_engine("sqlite://")
    >>> upgrade_database(engine)
    >>> "problems" in inspect(engine).get_table_names()
    True
    """
    from alembic import command  # noqa: PLC0415 - only needed when migrating

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade_database(engine: Engine, *, revision: str = "base") -> None:
    """
    Undo migrations down to ``revision`` (``"base"`` drops every tasking table and its data).

    Parameters
    ----------
    engine
        Engine of the database.
    revision
        Alembic revision to go back to.
    """
    from alembic import command  # noqa: PLC0415 - only needed when migrating

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


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


def connect(url: str | Path | None = None, *, migrate: bool = True) -> Engine:
    """
    Open the tasking database, creating and upgrading its tables.

    Parameters
    ----------
    url
        See :func:`resolve_database_url`.
    migrate
        Run the migrations to the newest revision (do this unless a deployment migrates
        separately).

    Returns
    -------
    sqlalchemy.engine.Engine
        Engine for ``Session(engine)``; SQLite connections enforce foreign keys.

    Raises
    ------
    ParameterError
        When the URL is unusable or the database cannot be reached.
    """
    resolved = resolve_database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in {None, "", ":memory:"}:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(resolved)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    if migrate:
        from sqlalchemy.exc import OperationalError  # noqa: PLC0415 - error path only

        try:
            upgrade_database(engine)
        except OperationalError as err:
            engine.dispose()
            shown = parsed.render_as_string(hide_password=True)
            reason = " ".join(str(err.orig).split()).rstrip(".?")
            msg = (
                f"Cannot open the tasking database {shown}: {reason}. "
                "Check the URL and that the server is running."
            )
            raise ParameterError(msg) from err
    return engine
