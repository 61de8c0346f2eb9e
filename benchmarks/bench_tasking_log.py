"""
Benchmark: adds to the tasking log (SQLite) against a bare SQLAlchemy insert.

Run with ``.venv/bin/python -m benchmarks.bench_tasking_log``. Each add is its own transaction,
as the app and the CLI make them, on a fresh SQLite file in a temporary folder. It times

* the peer: one SQLAlchemy Core ``INSERT`` into a table of the same columns per transaction, on
  a plain ``create_engine`` (pysqlite's deferred transactions, no checks, no audit);
* ``tasking.store.add_problem`` (checks, ``BEGIN IMMEDIATE``, the row and its audit row);
* the same with a ``request_id`` (the look-up, a savepoint and the ``add_requests`` row);
* the retry of an add already stored (look-up and return, nothing written);
* ten processes adding at once to a new log (the first-use race), against one process doing
  the same adds alone.

Wall seconds per add, best of 5 rounds of ``N_ADDS`` adds; the 2-core machine is shared, so the
ratios matter more than the seconds.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import platform
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import sqlalchemy
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine
from sqlalchemy.orm import Session

from tasking.store import add_problem, connect

if TYPE_CHECKING:
    from collections.abc import Callable

N_ADDS: Final = 200
ROUNDS: Final = 5
WRITERS: Final = 10


def _best(run: Callable[[Path], None], *, setup: Callable[[Path], None] | None = None) -> float:
    """Return the best per-add seconds of ``ROUNDS`` runs, each on a fresh log (after setup)."""
    times = []
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory(prefix="patchmap-bench-") as folder:
            path = Path(folder) / "log.sqlite"
            if setup is not None:
                setup(path)
            start = time.perf_counter()
            run(path)
            times.append((time.perf_counter() - start) / N_ADDS)
    return min(times)


def _peer(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    table = Table(
        "problems",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("title", String(200)),
        Column("description", Text),
        Column("created_at", DateTime(timezone=True)),
        Column("created_by", String(100)),
    )
    table.metadata.create_all(engine)
    for n in range(N_ADDS):
        with engine.begin() as connection:
            connection.execute(
                table.insert().values(
                    title=f"Problem {n}",
                    description="",
                    created_at=dt.datetime.now(dt.UTC),
                    created_by="bench",
                )
            )
    engine.dispose()


def _adds(path: Path, *, keyed: bool) -> None:
    engine = connect(path)
    for n in range(N_ADDS):
        with Session(engine) as session, session.begin():
            key = f"k{n}" if keyed else None
            add_problem(session, title=f"Problem {n}", user="bench", request_id=key)
    engine.dispose()


def _writer(path: str, n_adds: int, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait()
    engine = connect(path)
    for n in range(n_adds):
        with Session(engine) as session, session.begin():
            add_problem(session, title=f"Problem {n}", user="bench")
    engine.dispose()


def _concurrent(path: Path, *, writers: int) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers)
    processes = [
        context.Process(target=_writer, args=(str(path), N_ADDS // writers, start))
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()


def main() -> None:
    """Time the adds and print a Markdown table of seconds per add and ratios to the peer."""
    peer = _best(_peer)
    plain = _best(lambda p: _adds(p, keyed=False))
    keyed = _best(lambda p: _adds(p, keyed=True))
    retried = _best(lambda p: _adds(p, keyed=True), setup=lambda p: _adds(p, keyed=True))
    alone = _best(lambda p: _concurrent(p, writers=1))
    together = _best(lambda p: _concurrent(p, writers=WRITERS))
    rows = [
        ("peer: SQLAlchemy Core INSERT, one per transaction", peer, peer),
        ("add_problem (checks, BEGIN IMMEDIATE, audit row)", plain, peer),
        ("add_problem with request_id", keyed, peer),
        ("retry of a stored add (request_id found, nothing written)", retried, peer),
        (f"{N_ADDS} adds by 1 process on a new log (with connect)", alone, alone),
        (f"{N_ADDS} adds by {WRITERS} processes at once on a new log", together, alone),
    ]
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {__import__('sqlite3').sqlite_version}; best of {ROUNDS} x {N_ADDS} adds\n"
    )
    print("| what | ms per add | ratio |\n|---|---:|---:|")
    for label, seconds, base in rows:
        print(f"| {label} | {seconds * 1000:.2f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
