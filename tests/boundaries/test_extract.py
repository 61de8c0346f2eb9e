"""A study area built from a force extract: every row of the extract counted, in its month."""

from __future__ import annotations

import pandas as pd

from boundaries.extract import EXTRACT_AREA_NAME, study_area_from_incidents
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
