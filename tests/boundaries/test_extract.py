"""A study area built from a force extract: every row of the extract counted, in its month."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from boundaries.extract import EXTRACT_AREA_NAME, study_area_from_incidents
from boundaries.select import Selection, summarise
from spatial.incidents import read_incidents

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
ROWS = (
    "A1,03/01/2025 22:15,,Violence,453850,269500\n"  # located, January
    "A2,03/01/2025 18:00,06/01/2025 08:00,Burglary,452700,269050\n"  # located, January
    "A1,03/01/2025 22:15,,Violence,453850,269500\n"  # duplicate reference
    "A3,,,Violence,453850,269500\n"  # without time: no month at all
    "A4,14/02/2025 10:00,,Shoplifting,,\n"  # without location, February
    "A6,14/03/2025 10:00,14/03/2025 09:00,Burglary,452700,269050\n"  # to before from
)


def test_extract_area_months_are_the_months_of_the_rows_used() -> None:
    incidents = read_incidents([("extract.csv", (HEADER + ROWS).encode())])
    area = study_area_from_incidents(incidents)
    # The row without a time has no month: it is set aside, never listed as a 'NaT' month; the
    # row without a location counts in its own month.
    assert area.months == ("2025-01", "2025-02")
    assert area.crimes.without_location["month"].tolist() == [pd.Period("2025-02", "M")]
    assert area.crimes.without_location["crime_id"].tolist() == ["A4"]
    aside = area.crimes.set_aside.set_index("crime_id")["reason"].to_dict()
    assert aside == {
        "A1": "duplicate Crime ID",
        "A3": "without time",
        "A6": "window ends before it starts",
    }
    assert area.crimes.n_rows_read == 6
    assert area.points["ward"].unique().tolist() == [EXTRACT_AREA_NAME]


def _wards(minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_code": ["E05000001"], "ward_name": ["Abbey"], "neighbourhood": ["Abbey"]},
        geometry=[box(minx, miny, maxx, maxy)],
        crs="EPSG:27700",
    )


def test_no_event_in_the_wards_is_noted_with_the_swapped_columns() -> None:
    incidents = read_incidents([("extract.csv", (HEADER + ROWS).encode())])
    # the two located events read with Easting and Northing swapped lie in this ward
    area = study_area_from_incidents(incidents, _wards(268_000, 452_000, 271_000, 455_000))
    assert area.points.empty
    assert len(area.outside_wards) == 2
    assert area.notes[-1] == (
        "None of the 2 located events lies in the wards. Read the other way round, 2 of them "
        "do: 'Easting' and 'Northing' look swapped; give --columns x=Northing,y=Easting (app: "
        "Column names)."
    )


def test_no_event_in_far_wards_is_noted_with_what_to_check() -> None:
    incidents = read_incidents([("extract.csv", (HEADER + ROWS).encode())])
    area = study_area_from_incidents(incidents, _wards(100_000, 100_000, 101_000, 101_000))
    assert area.points.empty
    assert area.notes[-1].startswith("None of the 2 located events lies in the wards. Check that")
    inside = study_area_from_incidents(incidents, _wards(452_000, 269_000, 454_000, 270_000))
    assert len(inside.points) == 2
    assert not any(n.startswith("None of the") for n in inside.notes)


def test_a_row_outside_great_britain_is_counted_there_with_one_note() -> None:
    rows = (
        ROWS + "A7,14/03/2025 10:00,,Theft,-163000,236000\n"
    )  # off County Kerry, west of the grid
    incidents = read_incidents([("extract.csv", (HEADER + rows).encode())])
    area = study_area_from_incidents(incidents)
    outside = area.crimes.outside_gb
    assert outside["crime_id"].tolist() == ["A7"]
    assert outside["longitude"].iloc[0] == pytest.approx(-10.1607, abs=1e-3)
    assert outside["latitude"].iloc[0] == pytest.approx(51.7381, abs=1e-3)
    assert "A7" not in area.crimes.set_aside["crime_id"].tolist()
    summary = summarise(area, Selection())
    assert (summary.n_outside_gb, summary.n_set_aside, summary.n_rows_read) == (1, 2, 7)
    assert [n for n in area.notes if "outside" in n] == [
        "1 row lies outside Great Britain; set aside."
    ]
