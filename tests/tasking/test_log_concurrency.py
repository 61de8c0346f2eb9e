"""The tasking log under concurrency: ten writer processes on a new SQLite or PostgreSQL log."""

from __future__ import annotations

import multiprocessing
import traceback
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from spatial.errors import PatchmapError
from tasking._log_schema import AuditRow
from tasking.store import add_action, add_problem, connect, list_actions, list_problems

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

WRITERS = 10
ROWS_EACH = 3
# Forked children inherit nothing but the start barrier and the result queue; on Python 3.12+
# fork() warns when the test process happens to run threads (the children start no threads).
pytestmark = pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks")


def _writer(url: str, number: int, start: Barrier, results: Queue[tuple[int, str]]) -> None:
    """Open the (new) database the moment all writers are ready, then add problems."""
    try:
        start.wait(timeout=60)
        engine = connect(url)
        for k in range(ROWS_EACH):
            with Session(engine) as session, session.begin():
                problem = add_problem(session, title=f"writer {number} row {k}", user=f"w{number}")
                add_action(
                    session, problem.id, epic="prevention", description="d", user=f"w{number}"
                )
        engine.dispose()
        results.put((number, "ok"))
    except PatchmapError as err:
        results.put((number, f"{type(err).__name__}: {err}"))
    except Exception:  # noqa: BLE001 - report any failure to the parent, with its traceback
        results.put((number, traceback.format_exc()))


def _run_writers(url: str) -> list[str]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WRITERS)
    results: Queue[tuple[int, str]] = context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, n, start, results)) for n in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return [message for _, message in sorted(outcomes) if message != "ok"]


def test_ten_writers_on_a_new_database_lose_and_duplicate_nothing(database_url: str) -> None:
    failures = _run_writers(database_url)
    assert failures == []
    engine = connect(database_url)
    try:
        with Session(engine) as session:
            problems = list_problems(session)
            actions = list_actions(session)
            n_audit = session.scalar(select(func.count()).select_from(AuditRow))
            revision = session.scalar(text("SELECT version_num FROM alembic_version"))
            n_versions = session.scalar(text("SELECT count(*) FROM alembic_version"))
    finally:
        engine.dispose()
    expected = {f"writer {n} row {k}" for n in range(WRITERS) for k in range(ROWS_EACH)}
    titles = [p.title for p in problems]
    assert sorted(titles) == sorted(expected)  # every row once: none lost, none doubled
    assert len({p.id for p in problems}) == WRITERS * ROWS_EACH
    assert sorted(a.problem_id for a in actions) == sorted(p.id for p in problems)
    assert n_audit == 2 * WRITERS * ROWS_EACH  # one "create" row per problem and per action
    assert (revision, n_versions) == ("0004", 1)
