"""Run a force-extract corpus case through the package reader, as ``patchmap when`` does."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from hotspots.when import hour_of_week
from spatial.errors import PatchmapError
from spatial.incidents import parse_column_map, read_incidents
from tests.corpus.runner import Outcome, patched

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tests.corpus.extracts import ExtractCase, ExtractInputs

BUCKETS = (
    "n_events",
    "n_duplicates",
    "n_without_time",
    "n_without_location",
    "n_outside_area",
    "n_bad_window",
)
"""The buckets of the load report: every row read lands in exactly one."""


def extract_record(case: ExtractCase, inputs: ExtractInputs) -> dict[str, object]:
    """Read the case's files; return the report's fields and the hour-of-week counts."""
    columns = parse_column_map(case.columns) if case.columns else None
    inc = read_incidents(list(inputs.files), columns=columns, crs=case.crs, midnight=case.midnight)
    report = inc.report
    record: dict[str, object] = {
        name: getattr(report, name)
        for name in (
            "n_rows",
            *BUCKETS,
            "n_possible_duplicates",
            "n_at_midnight",
            "crs",
            "source_crs",
            "files",
        )
    }
    record["columns"] = dict(report.columns)
    record["notes"] = list(report.notes)
    how = hour_of_week(inc.events)
    record["n_windows_spread"] = how.n_windows_spread
    record["n_windows_too_long"] = how.n_windows_too_long
    assert len(inc.events) + len(inc.rejected) == report.n_rows, case.id
    return record


def run_extract(case: ExtractCase, inputs: ExtractInputs, folder: Path) -> Outcome:
    """Exit code 0 and the record, or 2 and the message of a :class:`PatchmapError`."""
    try:
        with patched(case, folder), warnings.catch_warnings():  # type: ignore[arg-type]
            warnings.simplefilter("ignore")
            record = extract_record(case, inputs)
    except PatchmapError as err:
        return Outcome(code=2, message=str(err))
    return Outcome(code=0, record=record)


def check_first_line(case: ExtractCase, first: str) -> None:
    """Every fragment of the case's message is on the error's first line."""
    for fragment in case.message:
        assert fragment in first, f"{case.id}: {fragment!r} not in {first!r}"


def check_extract_counts(
    case: ExtractCase, record: Mapping[str, object], *, keys: Mapping[str, str] | None = None
) -> None:
    """
    Compare the record with the case's counts (None: not checked); every row in one bucket.

    ``keys`` renames the case's keys to the record's (the ``when --json`` answer names some
    fields differently); keys the record lacks are not checked.
    """
    rename = keys or {}
    for key, value in case.counts.items():
        if value is None:
            continue
        if key == "note":
            notes = record["notes"]
            assert isinstance(notes, list)
            assert any(str(value) in str(n) for n in notes), f"{case.id}: {notes}"
            continue
        name = rename.get(key, key)
        if name not in record:
            continue
        got = record[name]
        if isinstance(value, tuple):
            got = tuple(got)  # type: ignore[arg-type]
        assert got == value, f"{case.id}: {key} {got!r} != {value!r}"
    if "n_rows" in record:
        parts = [int(str(record[b])) for b in BUCKETS]
        assert sum(parts) == record["n_rows"], f"{case.id}: {parts} != {record['n_rows']}"


def check_extract(case: ExtractCase, outcome: Outcome) -> None:
    """Assert what the user must see for this case."""
    if case.message:
        assert outcome.code == 2, f"{case.id}: loaded, expected an error: {outcome.record}"
        assert outcome.message is not None
        check_first_line(case, outcome.message.splitlines()[0])
        return
    assert outcome.code == 0, f"{case.id}: {outcome.message}"
    check_extract_counts(case, outcome.record)
