"""
Messages the app shows that name a command-line flag also name the app's box for it.

The readers' messages are the command's, and the app shows them as they are: "--columns" alone
sent an app user looking for a flag. Each message keeps its flag (the command's tests pin them)
and says where the same value goes in the app: ``(app: Column names)`` and the like.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from shapely.geometry import box

from boundaries.select import Selection
from hotspots.cube import cube_for_selection
from spatial.crs import BNG
from spatial.errors import PatchmapError
from spatial.incidents import midnight_note, parse_column_map, read_incidents, refuse_no_events
from spatial.io import read_wards
from spatial.store import read_manifest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from boundaries.dataset import StudyArea

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
POLICE_UK = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
    "abc,2025-01,Cambridgeshire Constabulary,Cambridgeshire Constabulary,0.12,52.2,On or near "
    "X,E01000001,Cambridge 001A,Burglary,,\n"
)
LONLAT = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"


def _csv(rows: str, header: str = HEADER) -> list[tuple[str, bytes]]:
    return [("extract.csv", (header + rows).encode())]


def _read(rows: str, header: str = HEADER, **options: object) -> Callable[[], object]:
    return lambda: read_incidents(_csv(rows, header), **options)  # type: ignore[arg-type] # options


EXTRACT_CASES: dict[str, tuple[Callable[[], object], str, str]] = {
    "unreadable map": (lambda: parse_column_map("when=Start"), "--columns", "Column names"),
    "no such column": (
        _read("A1,13/01/2025 22:15,,Violence,453850,269500\n", columns={"x": "East"}),
        "--columns",
        "Column names",
    ),
    "date order": (
        _read("A1,13/01/2025 22:15,,Violence,453850,269500\n", columns={"dates": "sideways"}),
        "--columns",
        "Column names",
    ),
    "columns not found": (_read("1,2\n", "a,b\n"), "--columns", "Column names"),
    "police.uk file": (_read("", POLICE_UK), "--crimes", "Crime CSVs"),
    "month-first": (
        _read("A1,01/13/2025 22:15,,Violence,453850,269500\n"),
        "--columns",
        "Column names",
    ),
    "ambiguous order": (
        _read("A1,03/01/2025 22:15,,Violence,453850,269500\n"),
        "--columns",
        "Column names",
    ),
    "times and hours": (
        _read(
            "A1,13/01/2025 22:15,22,Violence,453850,269500\n",
            "Crime Ref,Committed From,Hour,Offence,Easting,Northing\n",
        ),
        "--columns",
        "Column names",
    ),
    "no date at all": (
        _read("A1,,,Violence,453850,269500\nA2,,,Violence,453850,269500\n"),
        "--columns",
        "Column names",
    ),
    "lon/lat swapped": (
        _read(
            "A1,13/01/2025 10:00,Theft,52.32,-1.21\nA2,13/01/2025 11:00,Theft,52.33,-1.22\n",
            LONLAT,
        ),
        "--columns",
        "Column names",
    ),
    "no usable row": (
        lambda: refuse_no_events(
            read_incidents(_csv("A1,13/01/2025 22:15,,Violence,,\nA2,14/01/2025 1:00,,Theft,,\n"))
        ),
        "--columns",
        "Column names",
    ),
    "unknown crs": (
        _read("A1,13/01/2025 22:15,,Violence,50,60\nA2,13/01/2025 22:15,,Violence,800000,300000\n"),
        "--crs",
        "CRS",
    ),
    "crs pyproj does not know": (
        _read("A1,13/01/2025 22:15,,Violence,453850,269500\n", crs="EPSG:99999"),
        "--crs",
        "CRS",
    ),
    "metres crs on degrees": (
        _read("A1,13/01/2025 10:00,Theft,-1.21,52.32\n", LONLAT, crs="EPSG:27700"),
        "--crs",
        "CRS",
    ),
    "degrees crs on metres": (
        _read("A1,13/01/2025 22:15,,Violence,453850,269500\n", crs="EPSG:4326"),
        "--crs",
        "CRS",
    ),
}


@pytest.mark.parametrize("case", list(EXTRACT_CASES))
def test_extract_messages_name_the_flag_and_the_app_box(case: str) -> None:
    call, flag, app_box = EXTRACT_CASES[case]
    with pytest.raises(PatchmapError) as err:
        call()
    message = str(err.value)
    assert flag in message
    assert f"app: {app_box}" in message or f"app: the sidebar's Data set, its {app_box}" in message
    assert "Date order" not in message  # no such box: dates= goes in Column names


def test_store_messages_name_the_store_folder_box(tmp_path: Path) -> None:
    (tmp_path / "notastore").mkdir()
    (tmp_path / "notastore" / "2025-01-x-street.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "file").write_text("a\n", encoding="utf-8")
    messages = []
    for path in (tmp_path / "missing", tmp_path / "notastore", tmp_path / "file"):
        with pytest.raises(PatchmapError) as err:
            read_manifest(path)
        messages.append(str(err.value))
    missing, not_a_store, a_file = messages
    assert "Give --store the folder patchmap ingest wrote (app: Store folder), or make" in missing
    assert "Give --store the folder patchmap ingest wrote (app: Store folder)." in not_a_store
    assert "give them to --crimes (in the app: Folder on this computer)" in not_a_store
    assert "Give --store the folder patchmap ingest made (app: Store folder; or" in a_file


def test_ward_name_messages_name_the_ward_name_column_box(tmp_path: Path) -> None:
    nameless = tmp_path / "w.gpkg"
    square = box(545_000, 258_000, 545_100, 258_100)
    gpd.GeoDataFrame({"colour": ["red"]}, geometry=[square], crs=BNG).to_file(nameless)
    with pytest.raises(PatchmapError, match=r"--ward-field \(app: Ward name column\)\."):
        read_wards(nameless)
    twice = tmp_path / "twice.geojson"
    feature = {"type": "Feature", "properties": {"WD23NM": "A"}}
    ring = [[0.12, 52.2], [0.13, 52.2], [0.13, 52.21], [0.12, 52.2]]
    feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    twice.write_text(json.dumps({"type": "FeatureCollection", "features": [feature] * 2}))
    with pytest.raises(PatchmapError, match=r"--ward-field \(app: Ward name column\)\."):
        read_wards(twice)


def test_the_midnight_note_names_the_times_of_exactly_midnight_box() -> None:
    for midnight, other in (("as-recorded", "unknown"), ("unknown", "as-recorded")):
        note = midnight_note(3, 12, midnight=midnight)  # type: ignore[arg-type]  # a Midnight
        assert note.endswith(f"(--midnight {other} changes this; app: Times of exactly 00:00).")


def test_the_cube_names_the_months_box(demo_area: StudyArea) -> None:
    with pytest.raises(PatchmapError, match=r"Widen --months \(app: Months\)\.$"):
        cube_for_selection(demo_area, Selection(months=("1999-01", "1999-02")))


def test_the_pack_names_the_ward_box_and_the_route_box(demo_area: StudyArea) -> None:
    from tasking.pack import briefing_content  # noqa: PLC0415  # tasking: only this test

    meeting = dt.date(2025, 6, 1)
    with pytest.raises(PatchmapError) as err:
        briefing_content(demo_area, meeting=meeting)
    assert str(err.value).endswith(
        "(--ward NAME or --neighbourhood NAME; app: Ward or neighbourhood)."
    )
    bare = dataclasses.replace(demo_area, network_path=None)
    ward = demo_area.ward_names[0]
    with pytest.raises(PatchmapError) as err:
        briefing_content(bare, meeting=meeting, ward=ward, eva_route=True)
    assert str(err.value) == (
        "An EVA route needs a street network: give --network FILE or load one (app: Draw an "
        "EVA route through the busiest hot spots, offered when the data set has a street network)."
    )
