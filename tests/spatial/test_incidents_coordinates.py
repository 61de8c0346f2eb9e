"""Coordinates: decimal commas are refused, columns named longitude/latitude are never metres."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from patchmap.cli import main
from spatial.errors import CRSError, InputDataError
from spatial.incidents import read_incidents

if TYPE_CHECKING:
    from pathlib import Path

LATLON = "Crime Ref,Offence,Committed From,Latitude,Longitude\n"
XY = "Crime Ref,Offence,Committed From,Easting,Northing\n"
DECIMAL_COMMAS = (
    'N1,Theft,13/01/2025 22:15,"52,2051","0,1218"\nN2,Theft,13/01/2025 23:15,"52,2100","0,1300"\n'
)


def _csv(rows: str, header: str, name: str = "extract.csv") -> tuple[str, bytes]:
    return name, (header + rows).encode()


def test_decimal_comma_degrees_are_refused_saying_so() -> None:
    """They were read as 522051 and 1218 metres: two events in Ireland."""
    pattern = (
        r"^extract\.csv: 2 values in 'Longitude' are not numbers \(first: row 2, '0,1218'\)\. "
        r"'0,1218' looks like a number with a decimal comma: save the file with decimal points "
        r"\(0\.1218\)"
    )
    with pytest.raises(InputDataError, match=pattern):
        read_incidents([_csv(DECIMAL_COMMAS, LATLON)])


def test_the_command_refuses_decimal_commas_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deccomma.csv"
    path.write_text(LATLON + DECIMAL_COMMAS, encoding="utf-8")
    assert main(["when", "--incidents", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("patchmap: error: deccomma.csv: 2 values in 'Longitude' are not numbers")
    assert "looks like a number with a decimal comma" in err


def test_a_comma_in_degrees_is_never_a_thousands_separator() -> None:
    rows = 'N1,Theft,13/01/2025 22:15,"522,051",0.1218\n'
    with pytest.raises(InputDataError, match=r"'Latitude' are not numbers .*'522,051' looks like"):
        read_incidents([_csv(rows, LATLON)])


def test_thousands_separators_in_metres_are_read_and_decimal_commas_refused() -> None:
    rows = (
        'A1,Theft,13/01/2025 22:15,"453,850","269,500"\n'
        'A2,Theft,13/01/2025 23:15,"1,453,850.5"," 269,500.25"\n'  # outside GB, but a number
        "A3,Theft,13/01/2025 23:45,453900,269600\n"
    )
    inc = read_incidents([_csv(rows, XY)])
    assert inc.table["x_m"].tolist() == [453_850.0, 453_900.0]
    assert inc.table["y_m"].tolist() == [269_500.0, 269_600.0]
    assert inc.rejected["source_row"].tolist() == [3]  # 1,453,850.5 m east: outside GB
    for bad in ('"453850,5"', '"4,53850"', '"45,3850"'):
        rows = f"A1,Theft,13/01/2025 22:15,{bad},269500\n"
        with pytest.raises(InputDataError, match=r"'Easting' are not numbers .*decimal comma"):
            read_incidents([_csv(rows, XY)])


def test_other_malformed_numbers_get_no_decimal_comma_advice() -> None:
    rows = "A1,Theft,13/01/2025 22:15,4538x0,269500\n"
    with pytest.raises(InputDataError, match=r"not numbers \(first: row 2, '4538x0'\)\.$"):
        read_incidents([_csv(rows, XY)])


def test_metres_in_columns_named_latitude_longitude_are_refused_without_crs() -> None:
    """They were read as British National Grid, silently."""
    rows = "N1,Theft,13/01/2025 22:15,258000,545000\nN2,Theft,13/01/2025 23:15,258100,545100\n"
    pattern = (
        r"^extract\.csv: 'Longitude' and 'Latitude' are named as longitude and latitude, but 2 "
        r"of the 2 points are not in degrees \(first: extract\.csv row 2, 545,000\.00, "
        r"258,000\.00;.*--crs EPSG:NNNN.*--columns x=Longitude,y=Latitude"
    )
    with pytest.raises(CRSError, match=pattern):
        read_incidents([_csv(rows, LATLON)])
    inc = read_incidents([_csv(rows, LATLON)], crs="EPSG:27700")  # said: read as told
    assert inc.table["x_m"].tolist() == [545_000.0, 545_100.0]


def test_a_latitude_out_of_range_is_counted_outside_not_blocking_detection() -> None:
    rows = (
        "N1,Theft,13/01/2025 22:15,52.2051,0.1218\n"
        "N2,Theft,13/01/2025 23:15,95.0,0.1300\n"
        "N3,Theft,13/01/2025 23:45,52.2100,0.1300\n"
    )
    inc = read_incidents([_csv(rows, LATLON)])
    r = inc.report
    assert (r.source_crs, r.crs) == ("EPSG:4326", "EPSG:27700")
    assert (r.n_rows, r.n_events, r.n_outside_area) == (3, 2, 1)
    assert inc.rejected["source_row"].tolist() == [3]
    assert any("outside the area where EPSG:4326 is valid" in n for n in r.notes)
    assert 544_000 < inc.table["x_m"].iloc[0] < 546_000  # Cambridge: 0.1218 E, 52.2051 N
    assert 257_000 < inc.table["y_m"].iloc[0] < 259_000


def test_mostly_metres_named_longitude_latitude_are_refused_even_with_some_degrees() -> None:
    rows = (
        "N1,Theft,13/01/2025 22:15,52.2051,0.1218\n"
        "N2,Theft,13/01/2025 23:15,258000,545000\n"
        "N3,Theft,13/01/2025 23:45,258100,545100\n"
    )
    with pytest.raises(CRSError, match=r"2 of the 3 points are not in degrees \(first: extract"):
        read_incidents([_csv(rows, LATLON)])


def test_swapped_longitude_latitude_are_still_refused() -> None:
    rows = "N1,Theft,13/01/2025 22:15,0.1218,52.2051\nN2,Theft,13/01/2025 23:15,0.13,52.21\n"
    with pytest.raises(CRSError, match="'Longitude' and 'Latitude' look swapped"):
        read_incidents([_csv(rows, LATLON)])
