"""Every database failure of the tasking log is a DatabaseError or ParameterError with advice."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from spatial.errors import DatabaseError, ParameterError
from tasking._log_errors import describe_database_error
from tasking.store import add_problem, connect, list_problems, resolve_database_url

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    """A tasking log with one problem in it."""
    path = tmp_path / "log.sqlite"
    engine = connect(path)
    with Session(engine) as session, session.begin():
        add_problem(session, title="Cycle theft", user="pc.smith")
    engine.dispose()
    return path


@pytest.fixture
def held_lock(sqlite_file: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the file's exclusive lock (as a running writer does)."""
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_unreachable_server_says_check_host_and_that_it_runs(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"cannot be reached: .*PostgreSQL server is running"):
        connect(f"postgresql://nobody@/nothing?host={tmp_path}")
    with pytest.raises(OSError, match="cannot be reached"):  # a builtin callers may catch too
        connect(f"postgresql://nobody@/nothing?host={tmp_path}")


def test_unknown_user_and_missing_database_are_named(postgres_admin_url: str) -> None:
    url = make_url(postgres_admin_url)
    with pytest.raises(DatabaseError, match=r"has no such user: .*nosuchuser.*Check the user"):
        connect(url.set(username="nosuchuser").render_as_string(hide_password=False))
    with pytest.raises(DatabaseError, match=r"has no such database: .*createdb NAME"):
        connect(url.set(database="nosuchdb").render_as_string(hide_password=False))


def test_password_in_the_url_is_never_shown(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as caught:
        connect(f"postgresql://nag:s3cret@/nothing?host={tmp_path}")
    assert "s3cret" not in str(caught.value)
    assert "nag:***@" in str(caught.value)


def test_locked_sqlite_file_waits_then_says_who_to_wait_for(
    sqlite_file: Path, held_lock: sqlite3.Connection
) -> None:
    assert held_lock.in_transaction
    with pytest.raises(DatabaseError, match=r"is locked by another program .* for 0\.2 s"):
        connect(sqlite_file, lock_timeout_s=0.2)


def test_a_write_blocked_by_a_lock_is_a_database_error_too(
    sqlite_file: Path, held_lock: sqlite3.Connection
) -> None:
    # Connected (and migrated) before the other program took the lock; the write then waits.
    held_lock.execute("ROLLBACK")
    engine = connect(sqlite_file, lock_timeout_s=0.2)
    held_lock.execute("BEGIN EXCLUSIVE")
    try:
        with (
            pytest.raises(DatabaseError, match=r"log\.sqlite is locked by another program"),
            Session(engine) as session,
            session.begin(),
        ):
            add_problem(session, title="Second", user="pc.jones")
    finally:
        engine.dispose()


def test_read_only_sqlite_file_says_give_write_permission(sqlite_file: Path) -> None:
    read_only = f"sqlite:///file:{sqlite_file}?mode=ro&uri=true"
    engine = connect(read_only, migrate=False)
    try:
        with Session(engine) as session:
            assert [p.title for p in list_problems(session)] == ["Cycle theft"]
        with (
            pytest.raises(DatabaseError, match=r"is read-only: .*write permission on the file"),
            Session(engine) as session,
            session.begin(),
        ):
            add_problem(session, title="Second", user="pc.jones")
    finally:
        engine.dispose()


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    crimes = tmp_path / "crimes.csv"
    crimes.write_text("Crime ID,Month\nabc,2024-09\n" * 50, encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"crimes\.csv is not an SQLite database"):
        connect(crimes)


def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"Cannot create the folder .*taken"):
        connect(blocker / "log.sqlite")


def test_a_database_from_a_newer_patchmap_says_upgrade(sqlite_file: Path) -> None:
    raw = sqlite3.connect(sqlite_file)
    with raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099'")
    raw.close()
    with pytest.raises(DatabaseError, match=r"newer patchmap\. Upgrade patchmap"):
        connect(sqlite_file)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://a@b/c", "runs on SQLite or PostgreSQL; 'mysql://a@b/c' names mysql"),
        ("http://example.org/log", "runs on SQLite or PostgreSQL"),
        ("postgresql+asyncpg://a@b/c", "driver 'asyncpg'.*postgresql://user@host/db"),
        ("sqlite://logs/tasking.sqlite", "names a host \\('logs'\\).*three slashes"),
        ("not a url://", "Cannot read the database URL"),
    ],
)
def test_wrong_url_schemes_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        resolve_database_url(url)


@pytest.mark.parametrize(
    ("reason", "sqlstate", "expected"),
    [
        (
            (
                'connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password '
                'authentication failed for user "nag"'
            ),
            None,
            "refused the user name or password",
        ),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.9"', None, "pg_hba.conf"),
        ("permission denied for table problems", "42501", "GRANT this user access"),
        ("canceling statement due to lock timeout", "55P03", "stayed locked by another user"),
        ("cannot execute INSERT in a read-only transaction", "25006", "read-only replica"),
        ("something new", None, None),
    ],
)
def test_postgres_errors_map_to_advice(
    reason: str, sqlstate: str | None, expected: str | None
) -> None:
    message = describe_database_error(
        reason, backend="postgresql", shown="postgresql+psycopg://nag@db/log", sqlstate=sqlstate
    )
    if expected is None:
        assert message is None
    else:
        assert message is not None
        assert message.startswith("The tasking database postgresql+psycopg://nag@db/log ")
        assert expected in message


def test_integrity_errors_stay_the_callers_to_handle(sqlite_file: Path) -> None:
    engine = connect(sqlite_file)
    try:
        with (
            pytest.raises(Exception, match="UNIQUE constraint failed") as caught,
            engine.begin() as connection,
        ):
            connection.execute(text("INSERT INTO problems SELECT * FROM problems"))
        assert not isinstance(caught.value, DatabaseError)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("tables", "named"),
    [
        (["customers", "orders"], "(customers, orders), not a tasking log: "),
        (["problems"], "(problems), not a tasking log (its problems table is that application's"),
        ([f"t{i}" for i in range(7)], "(t0, t1, t2, t3, t4 and 2 more), not a tasking log"),
    ],
)
def test_another_applications_sqlite_file_is_refused_and_left_unchanged(
    tmp_path: Path, tables: list[str], named: str
) -> None:
    path = tmp_path / "other.sqlite"
    other = sqlite3.connect(path)
    for table in tables:
        other.execute(f"CREATE TABLE {table} (name TEXT)")
    other.commit()
    other.close()
    with pytest.raises(DatabaseError) as refused:
        connect(path)
    message = str(refused.value)
    assert f"{path} holds another application's tables {named}" in message
    assert "Name a new file" in message
    assert "server's log" not in message
    with sqlite3.connect(path) as check:
        found = sorted(r[0] for r in check.execute("SELECT name FROM sqlite_master"))
    assert found == sorted(tables)  # nothing of the log's was written into it


def test_an_empty_sqlite_file_becomes_a_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    engine = connect(path)
    with Session(engine) as session:
        assert list_problems(session) == ()
    engine.dispose()
