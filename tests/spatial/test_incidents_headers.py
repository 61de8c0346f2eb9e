"""Two columns of one name: refused with both names, by the reader and the command alike."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from patchmap.cli import main
from spatial.errors import InputDataError
from spatial.incidents import read_incidents

if TYPE_CHECKING:
    from pathlib import Path

ROW = "A1,2025-01-03 22:15,Burglary,545000,258000,High St,Low St\n"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Crime Ref,Committed From,Offence,Easting,Northing,Location, Location\n",
            (
                "two columns are called 'Location' once the spaces at their ends are trimmed "
                "('Location' and ' Location')"
            ),
        ),
        (
            "Crime Ref,Committed From,Offence,Easting,Northing,Location,Location\n",
            "two columns are called 'Location' ('Location' and 'Location')",
        ),
    ],
)
def test_a_csv_with_two_columns_of_one_name_is_refused_naming_both(
    header: str, expected: str
) -> None:
    with pytest.raises(InputDataError) as caught:
        read_incidents([("twice.csv", (header + ROW).encode())])
    assert str(caught.value).startswith(f"twice.csv: {expected}")
    assert "Rename or delete one of them" in str(caught.value)


def test_a_workbook_with_two_columns_of_one_name_once_trimmed_is_refused() -> None:
    frame = pd.DataFrame(
        [["A1", "2025-01-03 22:15", "Burglary", 545000, 258000, "High St", "Low St"]],
        columns=["Crime Ref", "Committed From", "Offence", "Easting", "Northing", "Location",
                 "Location "],
    )  # fmt: skip
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    with pytest.raises(InputDataError, match="two columns are called 'Location' once the spaces"):
        read_incidents([("twice.xlsx", buffer.getvalue())])


def test_the_command_says_so_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "Crime Ref,Committed From,Offence,Easting, Easting,Northing\n"
        "A1,2025-01-03 22:15,Burglary,545000,1,258000\n",
        encoding="utf-8",
    )
    assert main(["when", "--incidents", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("patchmap: error: twice.csv: two columns are called 'Easting'")
    assert "Traceback" not in err
