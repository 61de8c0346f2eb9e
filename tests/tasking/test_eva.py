"""EVA stop choice, spacing and start: one answer for route, export, brief and the pack."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import Point, box

from boundaries.select import Selection, select_points, select_wards
from spatial.crs import BNG
from spatial.errors import CRSError, MissingColumnError
from spatial.network import load_network
from spatial.routes import DEFAULT_STOP_SPACING_M
from tasking.eva import (
    MIDDLE_LABEL,
    START_NEAR_M,
    hotspot_stops,
    plan_hotspot_route,
    route_start,
    route_start_options,
)
from tasking.pack import briefing_content
from tasking.products import export_analyses

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea
    from spatial.routes import EvaRoute

X0, Y0 = 545_000.0, 258_000.0


def _sites(*named: tuple[str, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [n for n, _, _ in named]},
        geometry=[Point(x, y) for _, x, y in named],
        crs=BNG,
    )


WARDS = gpd.GeoDataFrame(
    {"ward_name": ["A"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=BNG
)


def test_route_start_prefers_a_site_inside_then_near_then_the_middle() -> None:
    sites = _sites(
        ("Far", X0 + 5000, Y0),
        ("Near", X0 + 1000 + START_NEAR_M / 2, Y0 + 500),
        ("Inside", X0 + 200, Y0 + 300),
    )
    labels = [o.label for o in route_start_options(WARDS, sites)]
    assert labels == ["Inside", "Near", MIDDLE_LABEL, "Far"]
    assert route_start(WARDS, sites).label == "Inside"
    assert route_start(WARDS, sites.iloc[[0, 1]]).label == "Near"
    only_far = route_start(WARDS, sites.iloc[[0]])
    assert only_far.label == MIDDLE_LABEL
    assert WARDS.geometry.iloc[0].contains(only_far.point)
    assert route_start(WARDS, None).label == MIDDLE_LABEL


def test_route_start_names_bad_sites() -> None:
    with pytest.raises(CRSError, match="EPSG:4326"):
        route_start(WARDS, _sites(("A", X0, Y0)).to_crs(4326))
    with pytest.raises(MissingColumnError, match="'name'"):
        route_start(WARDS, _sites(("A", X0, Y0)).rename(columns={"name": "site"}))


def test_demo_hotspot_stops_find_the_planted_night_time_economy(demo_area: StudyArea) -> None:
    demo = demo_area
    selection = Selection(wards=("Castle",))
    stops = hotspot_stops(select_points(demo, selection), select_wards(demo, selection), top_n=5)
    assert stops.crs == BNG
    assert len(stops) == 5
    assert stops["weight"].is_monotonic_decreasing
    xy = shapely.get_coordinates(stops.geometry)
    near = np.hypot(xy[:, 0] - 453_850, xy[:, 1] - 269_500) < 150  # the planted pattern
    assert near[:2].any()
    gaps = [np.hypot(*(xy[i] - xy[j])) for i in range(5) for j in range(i + 1, 5)]
    assert min(gaps) >= 100


def test_kde_peak_stops_find_two_planted_peaks() -> None:
    from hotspots.kde import kernel_density  # noqa: PLC0415  # this test only
    from tasking.eva import kde_peak_stops  # noqa: PLC0415

    rng = np.random.default_rng(3)
    a = rng.normal([X0 + 300, Y0 + 300], 30, size=(300, 2))
    b = rng.normal([X0 + 1200, Y0 + 900], 30, size=(150, 2))
    points = gpd.GeoDataFrame(geometry=shapely.points(np.vstack([a, b])), crs=BNG)
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 1500, Y0 + 1200)], crs=BNG)
    surface = kernel_density(points, area=area, cell_size_m=25, bandwidth_m=80)
    stops = kde_peak_stops(surface, top_n=2, min_spacing_m=200)
    xy = shapely.get_coordinates(stops.geometry)
    np.testing.assert_allclose(xy[0], [X0 + 300, Y0 + 300], atol=40)
    np.testing.assert_allclose(xy[1], [X0 + 1200, Y0 + 900], atol=40)
    assert stops["weight"].iloc[0] > stops["weight"].iloc[1]
    assert stops["label"].tolist() == ["Density peak 1", "Density peak 2"]


def _walk(route: EvaRoute) -> list[tuple[int, str, float, float]]:
    xy = shapely.get_coordinates(np.asarray(route.stops.geometry, dtype=object))
    return [
        (int(o), str(label), round(float(x), 1), round(float(y), 1))
        for o, label, (x, y) in zip(route.stops["order"], route.stops["label"], xy, strict=True)
    ]


def test_the_export_and_the_pack_walk_the_route_that_route_plans(demo_area: StudyArea) -> None:
    demo = demo_area
    ward = "Castle"
    months = (demo.months[-3], demo.months[-1])
    selection = Selection(wards=(ward,), months=months)
    wards = select_wards(demo, selection)
    assert demo.network_path is not None
    planned = plan_hotspot_route(
        load_network(demo.network_path), select_points(demo, selection), wards, sites=demo.sites
    )
    exported = export_analyses(demo, selection, layers=["routes"]).route
    packed = briefing_content(
        demo, meeting=demo_meeting(demo), ward=ward, months=months, eva_route=True
    ).route
    assert exported is not None
    assert packed is not None
    assert _walk(exported) == _walk(planned)
    assert _walk(packed) == _walk(planned)
    assert exported.start_label == packed.start_label == planned.start_label
    assert planned.start_label == route_start(wards, demo.sites).label
    xy = shapely.get_coordinates(np.asarray(planned.stops.geometry, dtype=object))
    gaps = [np.hypot(*(xy[i] - xy[j])) for i in range(len(xy)) for j in range(i + 1, len(xy))]
    assert min(gaps) >= DEFAULT_STOP_SPACING_M


def demo_meeting(area: StudyArea) -> dt.date:
    last = dt.date.fromisoformat(f"{area.months[-1]}-01")
    return (last + dt.timedelta(days=45)).replace(day=14)
