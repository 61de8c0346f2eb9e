"""``patchmap ingest`` of a bad outcomes or stop and search file: one line, exit 2, no store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path

OUTCOMES = "2025-09-cambridgeshire-outcomes.csv"
SEARCHES = "2025-09-cambridgeshire-stop-and-search.csv"
OUTCOME_ROW = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Outcome type\nabc,{},Cambridgeshire Constabulary,Cambridgeshire Constabulary,0.12,52.2,"
    "On or near X,E01,Cambridge 001A,Under investigation\n"
)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            OUTCOMES,
            OUTCOME_ROW.format("../../../ESCAPED"),
            "1 rows have a Month that is not YYYY-MM (first: row 2, Month '../../../ESCAPED')",
        ),
        (OUTCOMES, "foo,bar\n1,2\n", "missing columns 'Crime ID', 'Month', 'Outcome type'"),
        (SEARCHES, "foo,bar\n1,2\n", "missing columns 'Type', 'Date'; found foo, bar."),
        (
            SEARCHES,
            "Type,Date\nPerson search,01/09/2025 12:00\n",
            "1 rows have a Date that is not a date (first: row 2, Date '01/09/2025 12:00')",
        ),
    ],
)
def test_a_bad_side_file_is_one_error_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / name).write_text(text, encoding="utf-8")
    store = tmp_path / "a" / "b" / "store"
    capsys.readouterr()
    assert main(["ingest", str(tmp_path / "o"), "--store", str(store), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()  # one line: no traceback
    assert line.startswith(f"patchmap: error: o/{name}: {message}")
    assert line.endswith("as downloaded.")
    assert not (store / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.rglob("*.parquet")) == []
