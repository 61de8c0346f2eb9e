from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pytest
from shapely import Point

from spatial.crs import BNG
from spatial.errors import InputDataError, MissingColumnError, ParameterError
from tasking.reports import (
    NOT_POLICE_CRIME,
    append_report,
    gap_table,
    read_reports,
    reports_gap,
    theme_of_issue,
)

if TYPE_CHECKING:
    from pathlib import Path

REPORTS_CSV = b"""date,reported_by,issue,lon,lat,location,note
2025-03-02,Resident,Drug dealing by the shops,0.1300,52.2100,Arbury Court,seen most evenings
2025-03-09,resident,drug dealing again,0.1301,52.2101,Arbury Court,
2025-03-15,Council ASB team,youths causing nuisance,0.1302,52.2102,Arbury Court,
2025-03-20,Environmental Services,fly-tipping in the alley,0.1303,52.2103,Back Lane,mattresses
2025-03-28,Neighbourhood Watch,speeding on the main road,0.1304,52.2104,Main Road,
"""


def test_read_reports_themes_and_reporters() -> None:
    reports = read_reports(("reports.csv", REPORTS_CSV))
    assert reports.crs == BNG
    assert reports["theme"].tolist() == [
        "Drugs",
        "Drugs",
        "ASB and nuisance",
        NOT_POLICE_CRIME,
        NOT_POLICE_CRIME,
    ]
    assert reports["reported_by"].tolist() == [
        "resident",
        "resident",
        "council ASB team",
        "environmental services",
        "other partner",
    ]
    assert str(reports["month"].iloc[0]) == "2025-03"


def test_gap_table_shows_drugs_raised_more_than_recorded() -> None:
    reports = read_reports(("reports.csv", REPORTS_CSV))
    crimes = gpd.GeoDataFrame(
        {"crime_type": ["Anti-social behaviour"] * 6 + ["Drugs"] + ["Burglary"] * 3},
        geometry=[Point(545000, 260000)] * 10,
        crs=BNG,
    )
    table = gap_table(reports, crimes).set_index("theme")
    assert table.loc["Drugs", "n_reports"] == 2
    assert table.loc["Drugs", "share_of_reports"] == pytest.approx(2 / 5)
    assert table.loc["Drugs", "share_of_recorded"] == pytest.approx(1 / 10)
    assert table.loc["Drugs", "gap"] == pytest.approx(0.3)
    assert "under-reporting" in str(table.loc["Drugs", "reading"])
    assert table.loc["ASB and nuisance", "gap"] == pytest.approx(1 / 5 - 6 / 10)
    assert "tell residents" in str(table.loc["ASB and nuisance", "reading"])
    assert table.loc["Burglary", "n_reports"] == 0
    assert table.index[0] == NOT_POLICE_CRIME  # 40 % of reports, 0 % of recorded crime
    assert pd.Series(table["gap"]).is_monotonic_decreasing


def test_bad_report_files() -> None:
    with pytest.raises(MissingColumnError, match="lon,lat"):
        read_reports(("r.csv", b"date,reported_by,issue\n2025-01-01,resident,noise\n"))
    with pytest.raises(InputDataError, match="not swapped"):
        read_reports(
            ("r.csv", b"date,reported_by,issue,lon,lat\n2025-01-01,resident,x,52.2,0.13\n")
        )
    with pytest.raises(InputDataError, match="is not YYYY-MM-DD"):
        read_reports(("r.csv", b"date,reported_by,issue,lon,lat\nsoon,resident,x,0.13,52.2\n"))


def test_theme_keywords() -> None:
    assert theme_of_issue("Graffiti on the underpass") == "Damage, graffiti and arson"
    assert theme_of_issue("Bike stolen from rack") == "Vehicle and cycle crime"
    assert theme_of_issue("Something else entirely") == "Other crime"


def test_reports_entered_in_the_app_are_kept_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "patchmap" / "community_reports.csv"
    first = append_report(
        path,
        date=dt.date(2025, 8, 3),
        reported_by="Resident",
        issue="Drug dealing by the shops",
        point=Point(454100.0, 270450.0),
        location="Lime Avenue, shops",
        note='said "every evening", after 9pm',
    )
    assert len(first) == 1
    both = append_report(
        path,
        date=dt.date(2025, 8, 9),
        reported_by="environmental services",
        issue="fly-tipping",
        point=Point(454120.0, 270460.0),
    )
    assert both["issue"].tolist() == ["Drug dealing by the shops", "fly-tipping"]
    assert both["theme"].tolist() == ["Drugs", NOT_POLICE_CRIME]
    assert both["reported_by"].tolist() == ["resident", "environmental services"]
    assert both["note"].iloc[0] == 'said "every evening", after 9pm'
    assert both.geometry.x.tolist() == [454100.0, 454120.0]
    assert str(both["month"].iloc[1]) == "2025-08"
    with pytest.raises(ParameterError, match="not longitude and latitude"):
        append_report(
            path, date=dt.date(2025, 8, 9), reported_by="x", issue="y", point=Point(0.1, 52.2)
        )
    with pytest.raises(ParameterError, match="issue is empty"):
        append_report(
            path, date=dt.date(2025, 8, 9), reported_by="x", issue=" ", point=Point(454100, 270450)
        )
    assert len(read_reports(path)) == 2  # refused reports left the file alone


def test_reports_gap_keeps_the_wards_months_and_crime_types(tmp_path: Path) -> None:
    from boundaries.dataset import load_demo  # noqa: PLC0415 - seconds, this test only
    from boundaries.select import Selection, select_points  # noqa: PLC0415

    path = tmp_path / "reports.csv"
    path.write_text(
        "date,reported_by,issue,lon,lat\n"
        "2025-08-03,resident,drug dealing by the shops,-1.2125,52.3215\n"
        "2025-08-09,environmental services,fly-tipping in the alley,-1.2125,52.3215\n"
        "2024-01-09,resident,drug dealing long ago,-1.2125,52.3215\n",
        encoding="utf-8",
    )
    demo = load_demo()
    months = ("2025-07", "2025-09")
    table = reports_gap(read_reports(path), demo, wards=["Castle"], months=months)
    gap = table.set_index("theme")
    assert gap.loc["Drugs", "n_reports"] == 1  # the 2024 report is outside the months
    assert gap.loc[NOT_POLICE_CRIME, "n_reports"] == 1
    recorded = select_points(demo, Selection(months=months, wards=("Castle",)))
    assert gap["n_recorded"].sum() == len(recorded)
    assert gap.loc["Drugs", "n_recorded"] == (recorded["crime_type"] == "Drugs").sum()
    drugs_only = reports_gap(
        read_reports(path), demo, wards=["Castle"], months=months, crime_types=["Drugs"]
    ).set_index("theme")
    assert drugs_only["n_recorded"].sum() == gap.loc["Drugs", "n_recorded"]
    elsewhere = reports_gap(read_reports(path), demo, wards=["Riverside"], months=months)
    assert elsewhere["n_reports"].sum() == 0  # the reports lie in Castle
