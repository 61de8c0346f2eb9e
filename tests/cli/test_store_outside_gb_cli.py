"""Rows outside Great Britain: the store keeps the CSV reader's note, so both give it alike."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pytest

from tests.cli._summaries import json_of, summaries

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

SEPT = "2025-09-cambridgeshire-street.csv"
NEW_YORK = ("-74.0060", "40.7128")
NOTE = (
    f"police/{SEPT}: 10 rows lie outside Great Britain (first: row 51, Longitude -74.006, "
    "Latitude 40.7128). Check that Longitude and Latitude are not swapped and are WGS84 degrees."
)


def _in_new_york(cambridge_dir: Path, folder: Path, *, repeat_a_row: bool) -> None:
    """Write 2025-09 with the located rows on lines 51, 101, ..., 501 moved to New York."""
    text = (cambridge_dir / "crimes" / SEPT).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    lon, lat = rows[0].index("Longitude"), rows[0].index("Latitude")
    for line in range(51, 551, 50):
        assert rows[line - 1][lon]  # located in the published file
        rows[line - 1][lon], rows[line - 1][lat] = NEW_YORK
    if repeat_a_row:  # a repeated Crime ID: the file is read by read_crimes itself
        rows.append(rows[1])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    folder.mkdir()
    (folder / SEPT).write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("repeat_a_row", [False, True])
def test_the_note_on_rows_outside_gb_is_the_same_from_the_store(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *, repeat_a_row: bool
) -> None:
    folder = tmp_path / "police"
    _in_new_york(cambridge_dir, folder, repeat_a_row=repeat_a_row)
    from_csv, from_store, report = summaries(folder, tmp_path, cambridge_dir, capsys)
    repeated = ["1 rows repeat a Crime ID already read (overlapping files); kept once."]
    assert from_csv["notes"] == [*(repeated if repeat_a_row else []), NOTE]
    assert from_csv["n_outside_gb"] == 10
    assert from_store == from_csv  # notes and every count
    assert report["n_outside_gb"] == 10
    assert NOTE in report["notes"]  # type: ignore[operator]
    wards = ["--wards", str(cambridge_dir / "wards.geojson"), "--ward", "Market"]
    one_csv = json_of(["summary", "--crimes", str(folder), *wards], capsys)
    one_store = json_of(["summary", "--store", str(tmp_path / "store"), *wards], capsys)
    assert one_csv["notes"] == from_csv["notes"]
    assert one_store == one_csv
