"""The reader's notes say "1 row" and "2 rows", with verbs that agree."""

from __future__ import annotations

import pytest

from spatial.errors import CRSError, InputDataError
from spatial.incidents import read_incidents

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
NO_REF = "Committed From,Offence,Easting,Northing\n"


def _notes(rows: str, header: str = HEADER) -> tuple[str, ...]:
    return read_incidents([("extract.csv", (header + rows).encode())]).report.notes


def test_one_of_each_is_said_in_the_singular() -> None:
    notes = _notes(
        "A1,13/01/2025 22:15,,Theft,453850,269500\n"
        "A1,13/01/2025 22:15,,Theft,453850,269500\n"  # a repeated reference
        "A2,13/01/2025,,Theft,453850,269500\n"  # a date without a time
        "A3,,,Theft,453850,269500\n"  # no date
        "A4,13/01/2025 10:00,,Theft,0,269500\n"  # a placeholder 0
        "A5,13/01/2025 10:00,,Theft,9000000,269500\n"  # outside GB
        "A6,14/01/2025 10:00,14/01/2025 09:00,Theft,453850,269500\n"  # window backwards
    )
    expected = [
        "1 row has a date but no time: it is spread over its day",
        "1 row lies outside Great Britain; set aside.",
        "1 row has a coordinate of 0 in 'Easting' or 'Northing', a placeholder",
        "1 row repeats a crime reference; one copy of each is kept",
        "1 row set aside: without time.",
        "1 row set aside: without location.",
        "1 row set aside: window ends before it starts.",
    ]
    for fragment in expected:
        assert sum(n.startswith(fragment) for n in notes) == 1, (fragment, notes)
    assert not any("1 rows" in n for n in notes)


def test_two_of_each_are_said_in_the_plural() -> None:
    notes = _notes(
        "13/01/2025 22:15,Theft,453850,269500\n" * 3  # two identical to an earlier row
        + "13/01/2025 10:00,Theft,9000000,269500\n" * 2,
        NO_REF,
    )
    assert "2 rows lie outside Great Britain; set aside." in notes
    assert (
        "2 rows are identical to an earlier row; with no crime reference column they are kept "
        "(two crimes can share a time and place) but may be duplicates."
    ) in notes


def test_one_identical_row_is_a_possible_duplicate_in_the_singular() -> None:
    notes = _notes("13/01/2025 22:15,Theft,453850,269500\n" * 2, NO_REF)
    assert (
        "1 row is identical to an earlier row; with no crime reference column it is kept "
        "(two crimes can share a time and place) but may be a duplicate."
    ) in notes


def test_one_row_outside_where_wgs84_is_valid_is_said_in_the_singular() -> None:
    header = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    rows = "A1,13/01/2025 10:00,Theft,0.1218,52.2051\nA2,13/01/2025 11:00,Theft,0.13,95.0\n"
    rows += "A3,13/01/2025 12:00,Theft,0.13,52.21\n"
    notes = _notes(rows, header)
    assert "1 row lies outside the area where EPSG:4326 is valid (WGS 84); set aside." in notes


def test_one_point_not_in_degrees_is_said_in_the_singular() -> None:
    header = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    rows = "A1,13/01/2025 10:00,Theft,0.1218,52.2051\nA2,13/01/2025 11:00,Theft,545000,258000\n"
    with pytest.raises(CRSError, match=r"but 1 of the 2 points is not in degrees \(first: "):
        _notes(rows, header)


@pytest.mark.parametrize("time", ["10:15 PM", "24:30", "noon"])
def test_a_time_column_that_is_not_24_hour_times_says_what_a_time_is(time: str) -> None:
    header = "Crime Ref,Offence,Date,Time,Easting,Northing\n"
    row = f"A1,Theft,13/01/2025,{time},453850,269500\n"
    with pytest.raises(InputDataError) as err:
        read_incidents([("extract.csv", (header + row).encode())])
    assert str(err.value) == (
        f"extract.csv: 1 values in 'Time' are not times of day patchmap can read (first: row 2, "
        f"{time!r}). A time column holds 24-hour times of day: 22:15, 22:15:00, 2215 or 22.15 "
        "(00:00 to 23:59; no AM/PM, no 24:00)."
    )


@pytest.mark.parametrize(
    ("header", "separator"),
    [
        ("Crime Ref\tOffence\tCommitted From\tEasting\tNorthing\n", "tabs"),
        ('Crime Ref;"Offence, kind";Committed From;Easting;Northing\n', "semicolons"),
    ],
)
def test_an_extract_separated_by_tabs_or_semicolons_is_named_as_such(
    header: str, separator: str
) -> None:
    row = header.replace("Crime Ref", "A1").replace('"Offence, kind"', "Theft")
    with pytest.raises(InputDataError) as err:
        read_incidents([("extract.csv", (header + row).encode())])
    assert str(err.value).startswith(
        f"extract.csv: the file is separated by {separator}, not commas ("
    )
