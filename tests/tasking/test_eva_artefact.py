"""The demo's police-station artefact: kept as an EVA stop and a hot cell, marked for a check."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from shapely import Point, box

from boundaries.select import Selection, select_points, select_wards
from hotspots.concentration import ARTEFACT_CHECK, artefact_checks, repeat_locations_flagged
from hotspots.tables import hot_area_table
from layers.audience import get_preset, prepare_layer
from layers.export import route_frames
from patchmap import cli
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.network import load_network
from spatial.routes import plan_eva_route, stops_from_hotspots
from tasking.eva import hotspot_stops

if TYPE_CHECKING:
    import pytest

    from boundaries.dataset import StudyArea

STATION = PLANTED_PATTERNS["police_station"]
MARK = f"[{ARTEFACT_CHECK}]"


def _is_station(geometry: gpd.GeoSeries, *, within_m: float = 20.0) -> np.ndarray:
    xy = shapely.get_coordinates(np.asarray(geometry, dtype=object))
    return np.hypot(xy[:, 0] - STATION.centre_x_m, xy[:, 1] - STATION.centre_y_m) < within_m


def test_the_mark_is_the_wording_repeats_and_profile_use(demo_area: StudyArea) -> None:
    assert ARTEFACT_CHECK == "check: possible recording artefact"
    top = repeat_locations_flagged(select_points(demo_area, Selection()))
    assert top.loc[0, "location"] == "On or near Police Station"
    assert top.loc[0, "artefact"]  # repeats flags it: the rule the stops now follow


def test_demo_station_stop_is_kept_and_marked_and_no_other_is(demo_area: StudyArea) -> None:
    selection = Selection()
    points = select_points(demo_area, selection)
    stops = hotspot_stops(points, select_wards(demo_area, selection))
    station = _is_station(stops.geometry)
    assert station.sum() == 1  # still a stop: never dropped
    (at,) = (int(i) for i in np.flatnonzero(station))
    assert stops.loc[at, "check"] == ARTEFACT_CHECK
    assert stops.loc[at, "label"] == f"Hotspot {at + 1} (305 crimes) {MARK}"
    others = stops.drop(index=at)
    assert (others["check"] == "").all()
    assert not others["label"].str.contains("artefact").any()
    assert stops["weight"].is_monotonic_decreasing


def test_a_flag_follows_a_cell_merged_into_a_heavier_stop() -> None:
    cells = gpd.GeoDataFrame(
        {"n": [10.0, 4.0, 3.0, 2.0], "artefact": [False, True, False, True]},
        geometry=[Point(0, 0), Point(60, 0), Point(500, 0), Point(1000, 0)],
        crs=BNG,
    )
    stops = stops_from_hotspots(
        cells, weight_column="n", top_n=2, min_spacing_m=100, flag_column="artefact"
    )
    # cell 1 adds its weight to cell 0's stop, so that stop is flagged; cell 3 is no stop
    assert stops["weight"].tolist() == [14.0, 3.0]
    assert stops["artefact"].tolist() == [True, False]
    unspaced = stops_from_hotspots(cells, weight_column="n", top_n=4, flag_column="artefact")
    assert unspaced["artefact"].tolist() == [False, True, False, True]


def test_artefact_checks_mark_the_places_holding_a_flagged_snap_point(
    demo_area: StudyArea,
) -> None:
    points = select_points(demo_area, Selection())
    x, y = STATION.centre_x_m, STATION.centre_y_m
    places = gpd.GeoDataFrame(
        geometry=[box(x - 50, y - 50, x + 50, y + 50), box(x + 500, y, x + 600, y + 100)],
        crs=BNG,
    )
    assert artefact_checks(places, points).tolist() == [ARTEFACT_CHECK, ""]
    assert artefact_checks(places, points.iloc[:0]).tolist() == ["", ""]


def test_hot_area_table_marks_the_area_holding_the_station(demo_area: StudyArea) -> None:
    points = select_points(demo_area, Selection())
    x, y = STATION.centre_x_m, STATION.centre_y_m
    areas = gpd.GeoDataFrame(
        {"label": ["Station", "Elsewhere"]},
        geometry=[box(x - 50, y - 50, x + 50, y + 50), box(x + 500, y, x + 600, y + 100)],
        crs=BNG,
    )
    table = hot_area_table(points, areas)
    assert table["Check"].tolist() == [ARTEFACT_CHECK, ""]
    no_location = hot_area_table(points.drop(columns="location"), areas)
    assert no_location["Check"].tolist() == ["", ""]


def test_cli_route_marks_the_station_stop(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["route", "--demo"]) == 0
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if MARK in line]
    assert flagged
    assert all("(305 crimes)" in line for line in flagged)
    assert any(line.strip().startswith("minute") for line in flagged)


def test_cli_hotspots_marks_the_busiest_cell_and_its_area(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["hotspots", "--demo", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    cells = result["busiest_hot_cells"]
    assert cells[0]["n_crimes"] == 305
    assert cells[0]["check"] == ARTEFACT_CHECK
    assert [c["check"] for c in cells[1:]] == [None] * (len(cells) - 1)
    areas = result["hot_areas"]
    assert [a["n_crimes"] for a in areas if a["check"]] == [305]
    assert cli.main(["hotspots", "--demo"]) == 0
    text = capsys.readouterr().out
    marked = [line for line in text.splitlines() if MARK in line]
    assert len(marked) == 2
    assert "305 crimes" in marked[0]
    assert marked[1].lstrip().startswith("Hot area")


def test_partner_route_stops_keep_the_mark_without_a_count_or_place(
    demo_area: StudyArea,
) -> None:
    selection = Selection()
    assert demo_area.network_path is not None
    points = select_points(demo_area, selection)
    stops = hotspot_stops(points, select_wards(demo_area, selection))
    station = stops.loc[_is_station(stops.geometry)]
    route = plan_eva_route(
        load_network(demo_area.network_path), station, start=Point(453_400, 269_700)
    )
    preset = get_preset("partner")
    _, layer = route_frames(route, cell_m=preset.min_cell_m)
    (name,) = layer.frame["name"].tolist()
    assert name.endswith(f" {MARK}")
    assert name.startswith("Stop 1: 100 m cell ")
    assert "crime" not in name
    assert "Police" not in name
    shared = prepare_layer(layer.frame, "routes", preset)  # the partner checks pass
    assert shared["name"].tolist() == [name]
    police_name = route_frames(route)[1].frame["name"].iloc[0]
    assert police_name == f"Stop 1: {station['label'].iloc[0]}"
