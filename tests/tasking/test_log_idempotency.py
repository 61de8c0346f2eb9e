"""Idempotent adds: a retried add with the same request id returns the first record."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import traceback
from typing import TYPE_CHECKING

import pytest
from shapely import LineString, Point, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spatial.errors import ParameterError, RecordNotFoundError
from tasking._log_schema import AuditRow, RequestRow
from tasking.store import (
    add_action,
    add_area,
    add_decision,
    add_finding,
    add_meeting,
    add_problem,
    connect,
    delete_action,
    downgrade_database,
    export_log,
    list_problems,
    request_id_for,
    upgrade_database,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

    from sqlalchemy.engine import Engine

pytestmark = pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks")
PATROL = box(545_000, 260_000, 545_400, 260_300)  # Cambridge, BNG metres
ROUTE = LineString([(545_050, 260_050), (545_200, 260_100), (545_350, 260_250)])


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        counts = {name: len(rows) for name, rows in export_log(session).items()}
        counts["requests"] = session.scalar(select(func.count()).select_from(RequestRow)) or 0
    return counts


def _add_everything(session: Session, tag: str) -> list[object]:
    """Add one record of each kind, every add with its own request id built from ``tag``."""
    problem = add_problem(session, title="Cycle theft", user="pc.smith", request_id=f"{tag}-p")
    action = add_action(
        session,
        problem.id,
        epic="prevention",
        description="Sheffield stands",
        user="pc.smith",
        due_date=dt.date(2026, 12, 1),
        request_id=f"{tag}-a",
    )
    area = add_area(
        session, PATROL, kind="patrol_area", name="Station", user="pc.smith", request_id=f"{tag}-r"
    )
    route = add_area(
        session,
        ROUTE,
        kind="eva_route",
        name="Walk",
        user="pc.smith",
        stops=[Point(545_100, 260_070), Point(545_300, 260_200)],
        request_id=f"{tag}-w",
    )
    meeting = add_meeting(
        session,
        name="Abbey NAG",
        held_on=dt.date(2026, 11, 30),
        user="pc.smith",
        request_id=f"{tag}-m",
    )
    decision = add_decision(
        session,
        meeting.id,
        decision="Fund stands",
        user="pc.smith",
        problem_id=problem.id,
        request_id=f"{tag}-d",
    )
    finding = add_finding(
        session,
        route.id,
        stop_number=2,
        answers={"graffiti": True},
        user="pc.smith",
        request_id=f"{tag}-f",
    )
    return [problem, action, area, route, meeting, decision, finding]


def test_a_retried_add_of_every_kind_returns_the_first_record(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        first = _add_everything(session, "run1")
    before = _counts(engine)
    # The caller saw a failure (a killed process, a lost reply) and retries the same adds.
    with Session(engine) as session, session.begin():
        again = _add_everything(session, "run1")
    assert again == first  # same ids, same values, same versions
    assert _counts(engine) == before
    assert before["problems"] == 1
    assert before["areas"] == 2
    assert before["requests"] == 7
    assert before["audit"] == 7  # one "create" row per record: the retries wrote nothing
    with Session(engine) as session, session.begin():
        _add_everything(session, "run2")  # new request ids add new records
    assert _counts(engine)["problems"] == 2


def test_adds_without_a_request_id_are_not_deduplicated(engine: Engine) -> None:
    for _ in range(2):
        with Session(engine) as session, session.begin():
            add_problem(session, title="Cycle theft", user="pc.smith")
    with Session(engine) as session:
        assert [p.title for p in list_problems(session)] == ["Cycle theft", "Cycle theft"]


def test_a_request_id_reused_with_other_values_or_user_is_refused(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        add_problem(session, title="Cycle theft", user="pc.smith", request_id="r-1")
    for kwargs in (
        {"title": "Drug dealing", "user": "pc.smith"},
        {"title": "Cycle theft", "user": "pc.jones"},
    ):
        with (
            pytest.raises(
                ParameterError,
                match=r"request_id 'r-1' was already used by pc\.smith at .* to add problem 1 "
                r"with other values\. A retry must repeat the same values",
            ),
            Session(engine) as session,
            session.begin(),
        ):
            add_problem(session, request_id="r-1", **kwargs)  # type: ignore[arg-type]
    with (
        pytest.raises(ParameterError, match="with other values"),
        Session(engine) as session,
        session.begin(),
    ):
        add_meeting(
            session,
            name="Cycle theft",
            held_on=dt.date(2026, 1, 1),
            user="pc.smith",
            request_id="r-1",
        )
    assert _counts(engine)["problems"] == 1


def test_an_add_rolled_back_leaves_its_request_id_free(engine: Engine) -> None:
    with Session(engine) as session:
        session.begin()
        add_problem(session, title="Cycle theft", user="pc.smith", request_id="r-2")
        session.rollback()  # the process died before committing
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Cycle theft", user="pc.smith", request_id="r-2")
    assert (problem.title, _counts(engine)["problems"]) == ("Cycle theft", 1)


def test_retrying_the_add_of_a_since_deleted_action_says_so(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Cycle theft", user="pc.smith")
        action = add_action(
            session, problem.id, epic="prevention", description="d", user="u", request_id="r-3"
        )
        delete_action(session, action.id, expected_version=1, user="sgt.lee")
    with (
        pytest.raises(RecordNotFoundError, match=r"added action 1, which has since been deleted"),
        Session(engine) as session,
        session.begin(),
    ):
        add_action(
            session, problem.id, epic="prevention", description="d", user="u", request_id="r-3"
        )


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101, "tab\there", 42])
def test_unusable_request_ids_are_refused(engine: Engine, bad: object) -> None:
    with (
        pytest.raises(ParameterError, match=r"request_id must be 1-100 printable characters"),
        Session(engine) as session,
    ):
        add_problem(session, title="t", user="u", request_id=bad)  # type: ignore[arg-type]


def test_request_id_for_is_stable_and_tells_submissions_apart() -> None:
    one = request_id_for("nonce", "add_problem", "pc.smith", "Cycle theft", dt.date(2026, 1, 2))
    assert one == request_id_for("nonce", "add_problem", "pc.smith", "Cycle theft", "2026-01-02")
    assert one != request_id_for("nonce", "add_problem", "pc.smith", "Cycle theft ", None)
    assert one != request_id_for("other", "add_problem", "pc.smith", "Cycle theft", "2026-01-02")
    assert one.startswith("sha256:")
    assert len(one) == 71


def test_migration_0003_round_trips_keeping_the_records(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        add_problem(session, title="Cycle theft", user="pc.smith", request_id="r-4")
    downgrade_database(engine, revision="0002")
    upgrade_database(engine)
    counts = _counts(engine)
    assert (counts["problems"], counts["requests"]) == (1, 0)  # request ids are dropped
    with Session(engine) as session, session.begin():
        add_problem(session, title="Cycle theft", user="pc.smith", request_id="r-4")
    assert _counts(engine)["problems"] == 2


WRITERS = 10
KEYS = 3


def _retrying_writer(
    url: str, number: int, start: Barrier, results: Queue[tuple[int, str]]
) -> None:
    """Every writer adds the same KEYS problems with the same request ids, all at once."""
    try:
        engine = connect(url)
        start.wait(timeout=60)
        ids = []
        for k in range(KEYS):
            with Session(engine) as session, session.begin():
                problem = add_problem(
                    session, title=f"Problem {k}", user="pc.smith", request_id=f"shared-{k}"
                )
                ids.append(problem.id)
        engine.dispose()
        results.put((number, ",".join(map(str, ids))))
    except Exception:  # noqa: BLE001 - report any failure to the parent, with its traceback
        results.put((number, traceback.format_exc()))


def test_ten_processes_retrying_the_same_adds_store_each_once(database_url: str) -> None:
    connect(database_url).dispose()  # a migrated log: the writers race on the adds alone
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WRITERS)
    results: Queue[tuple[int, str]] = context.Queue()
    target: Callable[..., None] = _retrying_writer
    processes = [
        context.Process(target=target, args=(database_url, n, start, results))
        for n in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = {message for _, message in (results.get(timeout=120) for _ in processes)}
    for process in processes:
        process.join(timeout=60)
    engine = connect(database_url)
    try:
        with Session(engine) as session:
            problems = list_problems(session)
            n_audit = session.scalar(select(func.count()).select_from(AuditRow))
    finally:
        engine.dispose()
    expected_ids = ",".join(str(p.id) for p in problems)
    assert outcomes == {expected_ids}  # every writer got the same three records back
    assert [p.title for p in problems] == [f"Problem {k}" for k in range(KEYS)]
    assert n_audit == KEYS
