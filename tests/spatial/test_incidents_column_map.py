"""--columns: a role given twice, or one column for two coordinates, is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from patchmap.cli import main
from spatial.errors import InputDataError
from spatial.incidents import parse_column_map, read_incidents

if TYPE_CHECKING:
    from pathlib import Path

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
ROWS = "A1,13/01/2025 22:15,14/01/2025 06:00,Theft,453850,269500\n"


def _extract() -> tuple[str, bytes]:
    return "extract.csv", (HEADER + ROWS).encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x=Easting,y=Easting",
         ("--columns gives the column 'Easting' for both x and y; each coordinate needs its own "
         "column.")),
        ("lon=Easting,lat=Easting",
         "--columns gives the column 'Easting' for both lon and lat;"),
        ("from=Committed From,from=Committed To",
         ("--columns gives the role from twice ('from=Committed From' and 'from=Committed To'). "
         "Give each role once (app: Column names).")),
        ("date=Committed From,to=Committed To,from=Committed To",
         ("--columns gives the role from twice ('date=Committed From' and "
         "'from=Committed To').")),
        ("x=Easting,X=Northing", "--columns gives the role x twice ('x=Easting' and 'X=Northing')"),
    ],
    ids=["x-y-one-column", "lon-lat-one-column", "from-twice", "date-and-from", "case"],
)  # fmt: skip
def test_parse_column_map_refuses_a_role_twice_or_a_column_for_two_coordinates(
    text: str, expected: str
) -> None:
    with pytest.raises(InputDataError) as caught:
        parse_column_map(text)
    assert str(caught.value).startswith(expected)


def test_the_same_pair_twice_and_distinct_roles_are_still_read() -> None:
    assert parse_column_map("x=Easting,y=Northing,from=Committed From,to=Committed To") == {
        "x": "Easting",
        "y": "Northing",
        "from": "Committed From",
        "to": "Committed To",
    }
    with pytest.raises(InputDataError, match="gives the role x twice"):
        parse_column_map("x=Easting,x=Easting")  # said twice is a slip to correct, too


def test_a_mapping_given_to_the_reader_is_checked_alike() -> None:
    with pytest.raises(InputDataError, match=r"^extract\.csv: --columns gives the column 'Eas"):
        read_incidents([_extract()], columns={"x": "Easting", "y": "Easting"})
    with pytest.raises(InputDataError, match=r"^extract\.csv: --columns gives the role from tw"):
        read_incidents([_extract()], columns={"date": "Committed From", "from": "Committed To"})
    inc = read_incidents([_extract()], columns={"x": "Easting", "y": "Northing"})
    assert inc.table[["x_m", "y_m"]].to_numpy().tolist() == [[453_850.0, 269_500.0]]


def test_the_command_refuses_one_column_for_both_coordinates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It placed the points at (Easting, Easting), in the North Sea, and exited 0."""
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    argv = ["when", "--incidents", str(path), "--columns", "x=Easting,y=Easting", "--json"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("patchmap: error: --columns gives the column 'Easting' for both x and y")
