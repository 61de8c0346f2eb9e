"""
Database fixtures: a throwaway PostgreSQL server for the session and a fresh database per test.

The server is started from the Debian packages (``apt-get install postgresql``), found by
``$PATCHMAP_PG_BIN`` (a folder holding ``pg_ctl`` and ``initdb``), then ``pg_ctl`` on ``PATH``,
then the newest ``/usr/lib/postgresql/NN/bin``. PostgreSQL refuses to run as root, so when the
tests run as root (CI) ``initdb`` and ``pg_ctl`` run as the ``postgres`` user through
``runuser -u postgres --`` in a temporary folder that user owns. The server listens only on a
Unix socket in that folder (no TCP port, so parallel runs cannot collide) and is stopped and
deleted when the session ends; each test gets its own schema.
``$PATCHMAP_TEST_POSTGRES_URL`` (an admin URL such as
``postgresql://postgres@localhost/postgres``) uses an existing server instead.

Without PostgreSQL the PostgreSQL tests skip locally and fail on CI (``CI=true``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from collections.abc import Iterator

PG_BIN_ENV = "PATCHMAP_PG_BIN"
TEST_URL_ENV = "PATCHMAP_TEST_POSTGRES_URL"
PG_USER = "postgres"
TIMEOUT_S = 120


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run on CI: {reason}")
    pytest.skip(reason)


def find_pg_bin() -> Path | None:
    """Return the folder holding ``pg_ctl`` and ``initdb``, or None."""
    if os.environ.get(PG_BIN_ENV):
        return Path(os.environ[PG_BIN_ENV])
    on_path = shutil.which("pg_ctl")
    if on_path is not None and shutil.which("initdb") is not None:
        return Path(on_path).resolve().parent
    found = [
        p.parent
        for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if p.parent.parent.name.isdigit() and (p.parent / "initdb").exists()
    ]
    return max(found, key=lambda p: int(p.parent.name)) if found else None


def _run(command: list[str], *, as_user: str | None, what: str, log: Path | None = None) -> None:
    full = ["runuser", "-u", as_user, "--", *command] if as_user else command
    done = subprocess.run(full, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)  # noqa: S603 - fixed commands built here
    if done.returncode != 0:
        server_log = log.read_text() if log is not None and log.exists() else ""
        msg = f"{what} failed ({done.returncode}): {done.stderr or done.stdout}\n{server_log}"
        raise RuntimeError(msg)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """Start a throwaway PostgreSQL server (or use ``$PATCHMAP_TEST_POSTGRES_URL``)."""
    if os.environ.get(TEST_URL_ENV):
        yield os.environ[TEST_URL_ENV]
        return
    pg_bin = find_pg_bin()
    if pg_bin is None:
        _unavailable(
            "PostgreSQL server binaries not found: apt-get install postgresql, or set "
            f"{PG_BIN_ENV} to the folder holding pg_ctl and initdb"
        )
    as_user: str | None = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(PG_USER)
        except KeyError:
            _unavailable(f"running as root and there is no {PG_USER!r} user to run PostgreSQL")
        if shutil.which("runuser") is None:
            _unavailable("running as root and runuser (util-linux) is missing")
        as_user = PG_USER
    base = Path(tempfile.mkdtemp(prefix="patchmap-pg-"))
    if as_user is not None:
        os.chown(base, account.pw_uid, account.pw_gid)
    data, log = base / "data", base / "server.log"
    started = False
    try:
        _run(
            [
                str(pg_bin / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            as_user=as_user,
            what="initdb",
        )
        options = f"-k {base} -c listen_addresses='' -F"
        _run(
            [str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
            as_user=as_user,
            what="pg_ctl start",
            log=log,
        )
        started = True
        yield f"postgresql+psycopg://{PG_USER}@/postgres?host={base}"
    finally:
        if started:
            _run(
                [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                as_user=as_user,
                what="pg_ctl stop",
            )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """
    Give one test an empty PostgreSQL schema of its own, dropped afterwards.

    A schema (first on the connection's ``search_path``) rather than a database, because
    ``CREATE DATABASE`` takes over a second and a schema a few milliseconds.
    """
    name = f"patchmap_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(postgres_admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    query = dict(admin_url.query) | {"options": f"-csearch_path={name}"}
    try:
        yield admin_url.set(query=query).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasking.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))
