"""Outcomes and stop and search files: checked whole before a row is written, inside the store."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from spatial import store as store_module
from spatial.errors import InputDataError, MissingColumnError
from spatial.store import IngestReport, ingest, read_manifest

if TYPE_CHECKING:
    from pathlib import Path

OUTCOMES = "2025-09-testshire-outcomes.csv"
SEARCHES = "2025-09-testshire-stop-and-search.csv"
OUTCOME_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Outcome type\n"
)
SEARCH_HEADER = "Type,Date,Latitude,Longitude,Gender,Outcome\n"


def _outcome(month: str) -> str:
    return f"abc,{month},Testshire Police,Testshire Police,0.12,52.2,X,E01,L,Under investigation\n"


def _search(date: str) -> str:
    return f"Person search,{date},52.2,0.12,Male,Arrest\n"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def held(tmp_path: Path) -> Path:
    """A store already holding one good month of outcomes and of stop and search."""
    good = tmp_path / "good"
    good.mkdir()
    (good / OUTCOMES).write_text(OUTCOME_HEADER + _outcome("2025-09"), encoding="utf-8")
    (good / SEARCHES).write_text(SEARCH_HEADER + _search("2025-09-01T10:00:00Z"), encoding="utf-8")
    store = tmp_path / "a" / "b" / "store"
    report = ingest([good], store_dir=store)
    assert (report.n_outcome_rows, report.n_stop_search_rows) == (1, 1)
    assert report.partitions_written == (
        "outcomes testshire-police/2025-09",
        "stop_search testshire/2025-09",
    )
    return store


def _refused(store: Path, name: str, text: str, match: str | None = None) -> InputDataError:
    """Ingest one file that must be refused; the store and all around it stay as they were."""
    root = store.parents[2]
    bad = root / "bad"
    bad.mkdir()
    (bad / name).write_text(text, encoding="utf-8")
    before = _files(root)
    with pytest.raises(InputDataError, match=match) as refused:
        ingest([bad], store_dir=store)
    assert _files(root) == before  # nothing written, in the store or outside it
    return refused.value


def test_a_month_climbing_out_of_the_store_is_refused_and_nothing_is_written(held: Path) -> None:
    error = _refused(
        held,
        OUTCOMES,
        OUTCOME_HEADER + _outcome("2025-09") + _outcome("../../../ESCAPED"),
    )
    assert str(error) == (
        f"bad/{OUTCOMES}: 1 rows have a Month that is not YYYY-MM (first: row 3, Month "
        "'../../../ESCAPED'). data.police.uk months look like 2025-09; give the file as "
        "downloaded."
    )
    assert not (held.parent / "ESCAPED").exists()
    assert list(read_manifest(held)["partitions"]["outcomes"]) == [  # type: ignore[index]
        "testshire-police/2025-09"
    ]


@pytest.mark.parametrize(
    ("month", "shown"),
    [("banana", "'banana'"), ("2025-13", "'2025-13'"), ("2025-9", "'2025-9'"), ("", "blank")],
)
def test_an_outcomes_month_that_is_not_yyyy_mm_is_refused(
    held: Path, month: str, shown: str
) -> None:
    text = OUTCOME_HEADER + _outcome("2025-09") * 2 + _outcome(month) * 2
    _refused(
        held,
        OUTCOMES,
        text,
        rf"2 rows have a Month that is not YYYY-MM \(first: row 4, Month {shown}\)",
    )


@pytest.mark.parametrize(
    "date",
    ["not a date", "01/09/2025 12:00", "2025-02-30T10:00:00+00:00", "2025-09", "../../x", ""],
)
def test_a_stop_and_search_date_that_is_not_a_date_is_refused(held: Path, date: str) -> None:
    text = SEARCH_HEADER + _search("2025-09-01T10:00:00+00:00") + _search(date)
    shown = repr(date) if date else "blank"
    error = _refused(held, SEARCHES, text, "1 rows have a Date that is not a date")
    assert f"(first: row 3, Date {shown}). data.police.uk dates look like 2025-09-01T" in str(error)


@pytest.mark.parametrize(
    ("name", "text", "missing"),
    [
        (OUTCOMES, "foo,bar\n1,2\n", "missing columns 'Crime ID', 'Month', 'Outcome type'; found"),
        (
            OUTCOMES,
            "Crime ID,Reported by,Outcome type\nabc,Testshire Police,Charged\n",
            "missing column 'Month'; found Crime ID, Reported by, Outcome type.",
        ),
        (SEARCHES, "foo,bar\n1,2\n", "missing columns 'Type', 'Date'; found foo, bar."),
        (
            SEARCHES,
            "Type,Latitude,Longitude\nPerson search,52.2,0.12\n",
            "missing column 'Date'; found Type, Latitude, Longitude.",
        ),
    ],
)
def test_a_side_file_without_its_columns_is_refused_naming_them(
    held: Path, name: str, text: str, missing: str
) -> None:
    error = _refused(held, name, text)
    assert isinstance(error, MissingColumnError)
    assert str(error).startswith(f"bad/{name}: {missing}")
    assert "as downloaded" in str(error)


def test_no_partition_outside_force_and_month_is_ever_held(
    held: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last guard, for a check that might one day let a value through: every partition
    # key is force/YYYY-MM before anything is staged for it
    monkeypatch.setattr(store_module, "_refuse_bad_months", lambda *_, **__: None)
    error = _refused(held, OUTCOMES, OUTCOME_HEADER + _outcome("../../../ESCAPED"))
    assert "'testshire-police/../../../ESCAPED', which is not force/YYYY-MM" in str(error)
    assert not (held.parent / "ESCAPED").exists()


def test_side_files_of_data_police_uk_dates_and_forces_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / OUTCOMES).write_text(
        OUTCOME_HEADER
        + _outcome("2025-09")
        + "abd,2025-08,,Other Police,0.12,52.2,X,E01,L,Charged\n",
        encoding="utf-8",
    )
    (folder / SEARCHES).write_text(
        SEARCH_HEADER + _search("2025-09-30T23:59:00+01:00") + _search("2025-10-01"),
        encoding="utf-8",
    )
    report = ingest([folder], store_dir=tmp_path / "s")
    assert report.partitions_written == (
        "outcomes other-police/2025-08",
        "outcomes testshire-police/2025-09",
        "stop_search testshire/2025-09",
        "stop_search testshire/2025-10",
    )


def _searches(n_rows: int, *, outcome: str = "Arrest") -> str:
    return SEARCH_HEADER + "".join(
        _search(f"2025-09-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00").replace(
            "Arrest", outcome if i == 0 else "Arrest"
        )
        for i in range(n_rows)
    )


def _write_at(path: Path, text: str, mtime: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def _side_counts(report: IngestReport) -> tuple[int, int, int, int]:
    return (
        report.n_outcome_rows,
        report.n_outcome_rows_set_aside,
        report.n_stop_search_rows,
        report.n_stop_search_rows_set_aside,
    )


def test_every_side_row_read_is_counted_once_kept_or_set_aside(tmp_path: Path) -> None:
    store = tmp_path / "s"
    first = _write_at(tmp_path / "a" / SEARCHES, _searches(50), 1_700_000_000)
    assert _side_counts(ingest([first.parent], store_dir=store)) == (0, 0, 50, 0)
    # a changed copy, older than the file held: the held file is kept, the copy's 50 set aside
    older = SEARCHES.replace(".csv", " (1).csv")
    copy = _write_at(tmp_path / "b" / older, _searches(50, outcome="None"), 1_600_000_000)
    report = ingest([copy.parent], store_dir=store)
    assert any(
        f"the 50 rows of b/{older} for testshire 2025-09 were set aside" in n for n in report.notes
    )
    assert _side_counts(report) == (0, 0, 0, 50)
    # a later version: kept, counted as kept (the rows it replaces were counted when read)
    later = _write_at(tmp_path / "c" / SEARCHES, _searches(50, outcome="Caution"), 1_800_000_000)
    assert _side_counts(ingest([later.parent], store_dir=store)) == (0, 0, 50, 0)
    # one file given twice in a run: read once, the copy's rows set aside, as street files'
    twice = tmp_path / "d"
    _write_at(twice / OUTCOMES, OUTCOME_HEADER + _outcome("2025-09") * 3, 1_700_000_000)
    _write_at(twice / "again" / OUTCOMES, OUTCOME_HEADER + _outcome("2025-09") * 3, 1_700_000_000)
    report = ingest([twice], store_dir=tmp_path / "s2")
    assert report.n_files_repeated == 1
    assert _side_counts(report) == (3, 3, 0, 0)
    assert report.to_dict()["n_outcome_rows_set_aside"] == 3
