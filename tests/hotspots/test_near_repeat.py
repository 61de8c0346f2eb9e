from __future__ import annotations

import datetime as dt
from dataclasses import replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.knox import knox_test
from hotspots.near_repeat import (
    alerts_from_knox,
    near_repeat_alerts,
    pack_near_repeat,
    partner_zones,
)
from spatial.crs import BNG
from spatial.errors import CRSError, MissingColumnError, ParameterError
from spatial.network import StreetNetwork, network_from_graph

X0, Y0 = 545_000.0, 258_000.0


def _events() -> gpd.GeoDataFrame:
    """Five burglaries: two 150 m apart (their 200 m circles overlap), one alone, two old/new."""
    rows = [
        ("B1", X0, Y0, "2025-03-01 22:00", "2025-03-02 08:00"),  # dated 2 March (its end)
        ("B2", X0 + 150, Y0, "2025-03-05 14:00", "2025-03-05 14:00"),
        ("B3", X0 + 2000, Y0, "2025-03-08 10:00", "2025-03-08 10:00"),
        ("B4", X0, Y0 + 3000, "2025-02-01 10:00", "2025-02-01 10:00"),  # expired by 15 March
        ("B5", X0 + 50, Y0 + 50, "2025-03-20 10:00", "2025-03-20 10:00"),  # after the date
    ]
    return gpd.GeoDataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "crime_type": ["Burglary"] * len(rows),
            "start": pd.to_datetime([r[3] for r in rows]),
            "end": pd.to_datetime([r[4] for r in rows]),
        },
        geometry=gpd.points_from_xy([r[1] for r in rows], [r[2] for r in rows]),
        crs=BNG,
    )


def _network() -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0 - 500, y=Y0 + 20)
    g.add_node(2, x=X0 + 500, y=Y0 + 20)
    g.add_node(3, x=X0 + 2000, y=Y0 - 1000)
    g.add_node(4, x=X0 + 2000, y=Y0 + 1000)
    g.add_node(5, x=X0 + 3000, y=Y0 + 3000)
    g.add_node(6, x=X0 + 3100, y=Y0 + 3000)
    g.add_edge(1, 2, length=1000.0, name="High Street", highway="residential")
    g.add_edge(3, 4, length=2000.0, name="Mill Road", highway="residential")
    g.add_edge(5, 6, length=100.0, name="Far Lane", highway="residential")
    return network_from_graph(g)


def test_alerts_merge_overlapping_live_zones() -> None:
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    assert alerts.n_zones == 2
    big, small = alerts.zones.iloc[0], alerts.zones.iloc[1]
    assert big["incident_ids"] == "B1, B2"
    assert big["n_events"] == 2
    assert big["first_event"] == dt.date(2025, 3, 2)
    assert big["expires"] == dt.date(2025, 3, 19)  # B2 on 5 March + 14 days
    assert small["incident_ids"] == "B3"
    assert small["expires"] == dt.date(2025, 3, 22)
    # two circles of 200 m whose centres are 150 m apart: area of their union
    r, d = 200.0, 150.0
    lens = 2 * r**2 * np.arccos(d / (2 * r)) - d / 2 * np.sqrt(4 * r**2 - d**2)
    assert big["area_m2"] == pytest.approx(2 * np.pi * r**2 - lens, rel=0.01)
    assert small["area_m2"] == pytest.approx(np.pi * r**2, rel=0.01)
    assert sorted(alerts.events["incident_id"]) == ["B1", "B2", "B3"]
    assert alerts.zones.crs == BNG


def test_alerts_zone_lives_until_its_expiry_date_inclusive() -> None:
    events = _events()
    on_last = near_repeat_alerts(events, on="2025-03-16", distance_m=200, days=14)
    after = near_repeat_alerts(events, on="2025-03-17", distance_m=200, days=14)
    assert "B1" in set(on_last.events["incident_id"])  # 2 March + 14 = 16 March
    assert "B1" not in set(after.events["incident_id"])
    # B1 gone: B2's circle alone is the zone now
    assert after.zones.iloc[0]["incident_ids"] == "B2"
    assert after.zones.iloc[0]["expires"] == dt.date(2025, 3, 19)


def test_alerts_list_streets_inside_with_a_network() -> None:
    alerts = near_repeat_alerts(
        _events(), on="2025-03-15", distance_m=200, days=14, network=_network()
    )
    big, small = alerts.zones.iloc[0], alerts.zones.iloc[1]
    assert big["streets"] == "High Street"
    assert small["streets"] == "Mill Road"
    # High Street runs 20 m north of both centres: the chord of the union is 150 + 2 * sqrt(200^2
    # - 20^2) long; Mill Road passes through B3: a 400 m diameter
    assert big["street_length_m"] == pytest.approx(150 + 2 * np.sqrt(200**2 - 20**2), rel=0.01)
    assert small["street_length_m"] == pytest.approx(400, rel=0.01)
    assert "Far Lane" not in set(alerts.streets["name"])
    texts = alerts.action_texts()
    assert texts[0] == (
        "Cocooning visits (neighbours' doors, crime prevention advice), 200 m around 2 recent "
        "event(s) near High Street, until 2025-03-19."
    )


def test_alerts_without_live_events_are_empty_not_none() -> None:
    alerts = near_repeat_alerts(_events(), on="2024-01-01", distance_m=200, days=14)
    assert alerts.zones.empty
    assert list(alerts.zones.columns)[:6] == [
        "zone_id",
        "n_events",
        "first_event",
        "last_event",
        "expires",
        "incident_ids",
    ]
    assert "no near-repeat zone is live" in alerts.describe()


def test_alerts_from_knox_use_its_distance_and_days() -> None:
    rng = np.random.default_rng(3)
    n = 300
    x = list(rng.uniform(0, 5000, n) + X0)
    y = list(rng.uniform(0, 5000, n) + Y0)
    day = list(rng.integers(0, 365, n))
    for _ in range(12):
        cx, cy, cd = rng.uniform(X0 + 500, X0 + 4500), rng.uniform(Y0 + 500, Y0 + 4500), 0
        cd = int(rng.integers(0, 330))
        for _ in range(6):
            x.append(cx + rng.uniform(-25, 25))
            y.append(cy + rng.uniform(-25, 25))
            day.append(cd + int(rng.integers(0, 6)))
    start = pd.Timestamp("2025-01-01") + pd.to_timedelta(day, unit="D")
    events = gpd.GeoDataFrame(
        {"incident_id": [f"E{i}" for i in range(len(x))], "start": start, "end": start},
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )
    knox = knox_test(events, permutations=999, seed=1, subject="burglaries")
    assert (knox.near_repeat_distance_m, knox.near_repeat_days) == (100.0, 7)
    alerts = alerts_from_knox(events, knox, on="2025-06-01")
    assert alerts.distance_m == 100.0
    assert alerts.days == 7
    assert alerts.source == knox.verdict
    live_dates = set(alerts.events["event_date"])
    assert all(dt.date(2025, 5, 25) <= d <= dt.date(2025, 6, 1) for d in live_dates)


def test_alerts_from_knox_without_near_repeat_says_so() -> None:
    events = _events()
    knox = knox_test(events, permutations=19, seed=1)
    with pytest.raises(ParameterError, match="found no near repeat"):
        alerts_from_knox(events, knox, on="2025-03-15")


def test_partner_zones_hide_event_points_and_dates() -> None:
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    partner = partner_zones(alerts, cell_size_m=50)
    assert list(partner.columns) == ["zone_id", "live_until", "streets", "geometry"]
    # expiry rounded up to the Sunday ending its week: 19 March 2025 is a Wednesday
    assert partner.iloc[0]["live_until"] == dt.date(2025, 3, 23)
    assert all(d.weekday() == 6 for d in partner["live_until"])
    for zone, cover in zip(alerts.zones.geometry, partner.geometry, strict=True):
        assert cover.covers(zone.buffer(-0.01))  # the squares cover the whole zone
        # every vertex lies on the 50 m lattice: no circle centre can be read back
        coords = shapely.get_coordinates(cover.boundary)
        assert np.allclose(np.round(coords / 50) * 50, coords)
    assert "incident_ids" not in partner.columns
    # the squares depend on the events' squares alone: an event moved within its square
    # changes nothing a partner sees
    events = alerts.events.copy()
    x, y = events.geometry.x.to_numpy(), events.geometry.y.to_numpy()
    inside = np.floor(x / 50) * 50 + np.where(x % 50 < 25, 40, 10)  # across its square
    moved = replace(
        alerts, events=events.set_geometry(gpd.points_from_xy(inside, y), crs=events.crs)
    )
    again = partner_zones(moved, cell_size_m=50)
    assert all(a.equals(b) for a, b in zip(partner.geometry, again.geometry, strict=True))


def test_alerts_errors_say_what_to_fix() -> None:
    events = _events()
    with pytest.raises(ParameterError, match="YYYY-MM-DD; found '15/03/2025'"):
        near_repeat_alerts(events, on="15/03/2025")
    with pytest.raises(ParameterError, match="distance_m must be above 0"):
        near_repeat_alerts(events, on="2025-03-15", distance_m=0)
    with pytest.raises(CRSError, match="projected CRS in metres"):
        near_repeat_alerts(events.to_crs(4326), on="2025-03-15")
    with pytest.raises(MissingColumnError, match="lack column\\(s\\) end"):
        near_repeat_alerts(events.drop(columns="end"), on="2025-03-15")
    utm = events.set_crs("EPSG:32630", allow_override=True)
    with pytest.raises(CRSError, match="street network is in EPSG:27700"):
        near_repeat_alerts(utm, on="2025-03-15", network=_network())


def test_pack_near_repeat_tests_the_place_before_the_meeting() -> None:
    rng = np.random.default_rng(3)
    n = 300
    x = list(rng.uniform(0, 5000, n) + X0)
    y = list(rng.uniform(0, 5000, n) + Y0)
    day = list(rng.integers(0, 365, n))
    for _ in range(12):
        cx, cy = rng.uniform(X0 + 500, X0 + 4500), rng.uniform(Y0 + 500, Y0 + 4500)
        cd = int(rng.integers(0, 330))
        for _ in range(6):
            x.append(cx + rng.uniform(-25, 25))
            y.append(cy + rng.uniform(-25, 25))
            day.append(cd + int(rng.integers(0, 6)))
    start = pd.Timestamp("2025-01-01") + pd.to_timedelta(day, unit="D")
    events = gpd.GeoDataFrame(
        {
            "incident_id": [f"E{i}" for i in range(len(x))],
            "crime_type": "Burglary",
            "start": start,
            "end": start,
        },
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )
    result = pack_near_repeat(events, on="2026-01-01")
    assert result is not None
    knox, alerts = result
    assert knox.n_events == len(events)
    assert (knox.near_repeat_distance_m, knox.near_repeat_days) == (100.0, 7)
    assert alerts is not None
    assert alerts.on == dt.date(2026, 1, 1)
    # only events known before the meeting, and only the place's
    early = pack_near_repeat(events, on="2025-03-01")
    assert early is not None
    assert early[0].n_events == int((start < pd.Timestamp("2025-03-02")).sum())
    west = shapely.box(X0, Y0, X0 + 2500, Y0 + 5000)
    part = pack_near_repeat(events, on="2026-01-01", area=west)
    assert part is not None
    assert part[0].n_events == int(events.within(west).sum())
    assert pack_near_repeat(events.drop(columns="start"), on="2026-01-01") is None  # no dates
    assert pack_near_repeat(events.iloc[:20], on="2026-01-01") is None  # too few to test
    assert pack_near_repeat(events, on="2026-01-01", crime_type="Robbery") is None
