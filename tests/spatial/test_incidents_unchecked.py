"""
Columns the fast parsers prove clean are read as written: the answers are those of cleaning first.

:func:`spatial.incidents.read_incidents` leaves the date and coordinate columns its fast parsers
read unchecked for padded cells when read, and cleans one only when the parser does not prove it
clean. Each test reads an extract both ways (the second with every column cleaned when read, as
before) and finds the same events, rows set aside, report and messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from spatial import incidents
from spatial.errors import PatchmapError

if TYPE_CHECKING:
    from collections.abc import Mapping

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing,Location\n"
ROWS = [
    "A1,03/01/2025 22:15,04/01/2025 01:30,Burglary,545000,258000,High Street",
    "A2,13/02/2025 08:00,,Shoplifting,545100,258100,Mill Lane",
    "A3,14/02/2025 09:00,14/02/2025 11:00,Theft,545200,258200,Market Place",
    "A4,15/02/2025 00:00,,Theft,545300,258300,Mill Lane",
]


def _read_both(
    text: str, monkeypatch: pytest.MonkeyPatch, columns: Mapping[str, str] | None = None
) -> tuple[object, object]:
    """Read ``text`` as it is read now, then with every column cleaned when read."""

    def read() -> object:
        try:
            return incidents.read_incidents([("extract.csv", text.encode())], columns=columns)
        except PatchmapError as err:
            return err

    now = read()
    with monkeypatch.context() as patch:
        patch.setattr(incidents, "_parsed_columns", lambda *_args: frozenset())
        before = read()
    return now, before


def _assert_same(now: object, before: object) -> None:
    if isinstance(before, Exception):
        assert type(now) is type(before)
        assert str(now) == str(before)
        return
    assert isinstance(now, incidents.Incidents)
    assert isinstance(before, incidents.Incidents)
    assert now.report == before.report
    pd.testing.assert_frame_equal(now.table, before.table)
    pd.testing.assert_frame_equal(now.rejected, before.rejected)


def _with(row: int, column: int, value: str, rows: list[str] | None = None) -> list[str]:
    out = list(ROWS if rows is None else rows)
    cells = out[row].split(",")
    cells[column] = value
    out[row] = ",".join(cells)
    return out


@pytest.mark.parametrize("column", [1, 2, 4, 5])  # the columns the fast parsers read
@pytest.mark.parametrize("value", ["  {} ", "\t{}", "{}\u00a0", "   "])
def test_padded_or_blank_cells_in_parsed_columns(
    column: int, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cell = ROWS[2].split(",")[column]
    rows = _with(2, column, value.format(cell))
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, incidents.Incidents)
    assert now.report.n_rows == 4
    emptied = not value.strip()  # no time or no place, but an emptied "to" is no window
    assert now.report.n_events == 4 - (emptied and column != 2)


def test_a_row_blank_but_for_spaces_in_parsed_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    # every other column has an empty cell: only the parsed columns could prove a row is not
    # blank, so they are checked when read after all, and the row of spaces is skipped
    rows = _with(1, 0, "", _with(0, 3, "", _with(3, 6, "")))
    rows.insert(2, ",  ,,,\t, ,")
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, incidents.Incidents)
    assert now.report.n_rows == 4
    assert any("1 blank row" in note for note in now.report.notes)


def test_a_full_reference_column_proves_no_row_blank(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _with(1, 1, "  ", _with(1, 4, " "))  # spaces in two parsed columns of one row
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, incidents.Incidents)
    assert now.report.n_without_time == 1
    row = now.rejected.loc[now.rejected["Crime Ref"] == "A2"]
    assert row["Committed From"].isna().all()  # cleaned like every other cell
    assert row["Easting"].isna().all()


@pytest.mark.parametrize(
    "columns",
    [
        {"location": "Easting", "x": "Easting", "y": "Northing"},  # a parsed column twice
        {"type": "Committed From", "from": "Committed From"},
        {"from": "Committed To", "to": "Committed From"},
        {"from": "Committed From", "to": "Committed From"},
    ],
)
def test_columns_given_other_roles(
    columns: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _with(0, 4, " 545000 ", _with(2, 1, " 14/02/2025 09:00"))
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch, columns)
    _assert_same(now, before)


def test_padded_dates_that_need_the_other_column_to_tell_the_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every Committed From day is 12 or less: Committed To (padded) shows day-first
    rows = [
        "A1,03/01/2025 22:15, 14/01/2025 01:30 ,Burglary,545000,258000,High Street",
        "A2,02/02/2025 08:00,,Shoplifting,545100,258100,Mill Lane",
    ]
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, incidents.Incidents)
    assert any("read day-first, as Committed To shows" in n for n in now.report.notes)


def test_unreadable_values_are_named_as_written_once_cleaned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _with(3, 4, " 54x300 ", _with(2, 1, " 14/13/2025 09:00 "))
    now, before = _read_both(HEADER + "\n".join(rows) + "\n", monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, PatchmapError)
    assert "'14/13/2025 09:00'" in str(now)  # the first error met: a date that is no date


def test_events_hold_a_column_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # without a Committed To, every end is its start: the table's columns must not share one
    # array, so that changing one never changes the other
    header = "Crime Ref,Committed From,Offence,Easting,Northing\n"
    text = (
        header
        + "A1,23/01/2025 22:15,Theft,545000,258000\nA2,24/01/2025 10:00,Theft,545100,258100\n"
    )
    now, before = _read_both(text, monkeypatch)
    _assert_same(now, before)
    assert isinstance(now, incidents.Incidents)
    table = now.table
    columns = [table[c].to_numpy() for c in ("start", "end", "x_m", "y_m", "source_row")]
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            assert not np.shares_memory(a, b)
    table.loc[0, "end"] = pd.Timestamp("2030-01-01")
    assert table.loc[0, "start"] == pd.Timestamp("2025-01-23 22:15")
