"""Workbooks with several sheets: every sheet that holds rows is read, or the file is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pytest

from spatial.errors import EmptyInputError, InputDataError
from spatial.incidents import read_incidents

if TYPE_CHECKING:
    from pathlib import Path

COLUMNS = ["Crime Ref", "Committed From", "Offence", "Easting", "Northing"]


def _rows(prefix: str, n: int, *, year: int) -> pd.DataFrame:
    return pd.DataFrame(
        [[f"{prefix}{i}", f"{13 + i % 15:02d}/01/{year} 10:00", "Theft", 453850 + i, 269500]
         for i in range(n)],
        columns=COLUMNS,
    )  # fmt: skip


def _workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return path


def test_every_sheet_of_the_same_columns_is_read_naming_its_sheet(tmp_path: Path) -> None:
    """Only the first sheet was read: 100 events, the 150 rows of '2025' counted nowhere."""
    book = _workbook(
        tmp_path / "book.xlsx",
        {"2024": _rows("A", 100, year=2024), "2025": _rows("B", 150, year=2025)},
    )
    inc = read_incidents([book])
    r = inc.report
    assert (r.n_rows, r.n_events) == (250, 250)
    assert r.files == ("book.xlsx",)
    counts = inc.table["source_file"].value_counts().to_dict()
    assert counts == {"book.xlsx (sheet 2024)": 100, "book.xlsx (sheet 2025)": 150}
    assert inc.table["source_row"].iloc[[0, 99, 100, 249]].tolist() == [2, 101, 2, 151]
    assert inc.table["start"].dt.year.value_counts().to_dict() == {2025: 150, 2024: 100}
    assert (
        "book.xlsx: 2 sheets of the same columns read: '2024' (100 rows), '2025' (150 rows)."
        in (r.notes)
    )


def test_a_bad_value_on_a_later_sheet_names_the_sheet_and_row(tmp_path: Path) -> None:
    later = _rows("B", 3, year=2025).astype({"Northing": object})
    later.loc[1, "Northing"] = "2695x0"
    book = _workbook(tmp_path / "book.xlsx", {"2024": _rows("A", 2, year=2024), "2025": later})
    pattern = r"^book\.xlsx \(sheet 2025\): 1 values in 'Northing' are not numbers \(first: row 3,"
    with pytest.raises(InputDataError, match=pattern):
        read_incidents([book])


def test_sheets_with_rows_under_other_columns_are_refused_naming_each(tmp_path: Path) -> None:
    """A README first gave "could not find a committed date ... among the columns Notes"."""
    readme = pd.DataFrame({"Notes": ["Extract of 2025", "Run by the analyst"]})
    book = _workbook(tmp_path / "book.xlsx", {"README": readme, "Data": _rows("A", 3, year=2025)})
    expected = (
        "book.xlsx: 2 sheets hold rows, but not under the same columns ('README': 2 rows, "
        "columns Notes; 'Data': 3 rows, columns Crime Ref, Committed From, Offence, Easting, "
        "Northing). patchmap reads every sheet that holds rows as one extract: delete the sheets"
    )
    with pytest.raises(InputDataError) as caught:
        read_incidents([book])
    assert str(caught.value).startswith(expected)


def test_sheets_without_rows_are_skipped_and_one_data_sheet_read_as_the_file(
    tmp_path: Path,
) -> None:
    empty = pd.DataFrame({"Notes": []})
    book = _workbook(tmp_path / "book.xlsx", {"README": empty, "Data": _rows("A", 3, year=2025)})
    inc = read_incidents([book])
    assert (inc.report.n_rows, inc.report.n_events) == (3, 3)
    assert inc.table["source_file"].tolist() == ["book.xlsx"] * 3
    assert inc.table["incident_id"].tolist() == ["A0", "A1", "A2"]


def test_a_workbook_with_no_rows_on_any_sheet_is_refused(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=COLUMNS)
    book = _workbook(tmp_path / "book.xlsx", {"One": empty, "Two": empty})
    with pytest.raises(EmptyInputError, match=r"^book\.xlsx: no rows"):
        read_incidents([book])
