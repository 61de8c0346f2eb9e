from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from tasking.problems import TIME_OF_DAY_NOTE
from tasking.windows import (
    HOT_AREA_COLUMNS,
    PATROL_WINDOW_COLUMNS,
    hot_areas,
    problem_patrol_windows,
    window_in,
    with_window,
)

FRI = pd.Timestamp("2025-01-03")


def _problems() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"crime_type": ["Violence", "Violence"], "label": ["Market", "Park"]},
        geometry=[Point(0, 0).buffer(100), Point(1000, 0).buffer(100)],
        crs="EPSG:27700",
    )


def test_each_problem_gets_the_window_of_its_own_area_and_type() -> None:
    starts = [FRI + pd.Timedelta(weeks=w, hours=23) for w in range(40)]  # Fri 23:00
    starts += [FRI + pd.Timedelta(weeks=w, days=1, hours=23) for w in range(40)]  # Sat 23:00
    events = gpd.GeoDataFrame(
        {"crime_type": "Violence", "start": starts, "end": starts},
        geometry=[Point(10, 10)] * len(starts),
        crs="EPSG:27700",
    )
    out = problem_patrol_windows(_problems(), events)
    assert set(PATROL_WINDOW_COLUMNS) <= set(out.columns)
    assert out["patrol_window"].iloc[0].startswith("Fri and Sat 2")
    assert "23:00" in out["patrol_window"].iloc[0] or "22:00" in out["patrol_window"].iloc[0]
    assert out["patrol_window_share"].iloc[0] == pytest.approx(1.0)
    assert out["n_timed"].tolist() == [80, 0]
    assert out["patrol_window"].iloc[1] == ""
    assert "Too few timed crimes (0)" in out["patrol_window_text"].iloc[1]


def test_police_uk_problems_get_the_time_of_day_note() -> None:
    out = problem_patrol_windows(_problems(), None)
    assert (out["patrol_window_text"] == TIME_OF_DAY_NOTE).all()
    with pytest.raises(MissingColumnError, match="start"):
        problem_patrol_windows(_problems(), _problems())


def test_window_written_into_an_action_is_read_back() -> None:
    text = with_window("Joint patrol of the market with licensing", "Fri and Sat 22:00-03:00")
    assert text.endswith("(Fri and Sat 22:00-03:00)")
    assert window_in(text) == "Fri and Sat 22:00-03:00"
    assert with_window(text, "Fri and Sat 22:00-03:00") == text
    assert window_in("Every day 09:00-17:00 shop watch") == "Every day 09:00-17:00"
    with pytest.raises(ParameterError, match="Fri and Sat 22:00-03:00"):
        with_window("Patrol", "Friday night")


def _planted_cluster() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """40 crimes within 50 m of (1225, 1225); 20 burglaries along the wards' edges, far apart."""
    rng = np.random.default_rng(3)
    cluster = [Point(1225 + dx, 1225 + dy) for dx, dy in rng.uniform(-50, 50, (40, 2))]
    spread = [Point(75 + 300 * (i % 10), 75 if i < 10 else 2925) for i in range(20)]
    t = pd.Timestamp("2025-01-03 22:00")
    events = gpd.GeoDataFrame(
        {"crime_type": ["Violence"] * 40 + ["Burglary"] * 20, "start": t, "end": t},
        geometry=cluster + spread,
        crs=BNG,
    )
    wards = gpd.GeoDataFrame({"ward_name": ["A"]}, geometry=[box(0, 0, 3000, 3000)], crs=BNG)
    return events, wards


def test_hot_areas_find_the_planted_cluster_and_count_its_crimes() -> None:
    events, wards = _planted_cluster()
    hot = hot_areas(events, wards)
    assert tuple(hot.columns) == HOT_AREA_COLUMNS
    assert hot.crs == BNG
    first = hot.iloc[0]
    assert first["geometry"].contains(Point(1225, 1225))
    assert first["n_crimes"] == 40
    assert (
        first["label"]
        == f"Hot area 1 ({first['n_cells']} cell{'s' if first['n_cells'] > 1 else ''} of 150 m, "
        "40 crimes)"
    )
    assert hot["n_crimes"].is_monotonic_decreasing
    burglary = hot_areas(events, wards, crime_types=["Burglary"])  # evenly spread: no hot area
    assert burglary.empty
    assert tuple(burglary.columns) == HOT_AREA_COLUMNS


def test_hot_areas_refuse_other_crs_and_empty_types() -> None:
    events, wards = _planted_cluster()
    with pytest.raises(CRSError, match="timed events"):
        hot_areas(events.to_crs("EPSG:4326"), wards)
    with pytest.raises(EmptyInputError, match="crime types"):
        hot_areas(events, wards, crime_types=["Robbery"])


def test_a_hot_areas_count_is_the_events_the_when_page_selects_in_it() -> None:
    """Events on an area's outer edge: the label counted by cells said 2,378, the page 2,384."""
    from boundaries.dataset import load_demo  # noqa: PLC0415
    from hotspots.when import select_events  # noqa: PLC0415
    from spatial.demo import demo_incidents  # noqa: PLC0415

    events = demo_incidents().events
    areas = hot_areas(events, load_demo().wards)
    assert len(areas) > 0
    for label, n_crimes, outline in zip(
        areas["label"], areas["n_crimes"], areas.geometry, strict=True
    ):
        selected = select_events(events, area=outline)
        assert n_crimes == len(selected)
        assert f"{len(selected):,} crimes)" in str(label)
