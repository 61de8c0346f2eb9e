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


def test_partner_zones_lie_on_the_cell_lattice_and_cover_each_events_circle() -> None:
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    partner = partner_zones(alerts, cell_size_m=100, period="week")
    assert list(partner.columns) == ["zone_id", "live_until", "streets", "geometry"]
    assert list(partner["zone_id"]) == [1, 2]
    for cover in partner.geometry:
        coords = shapely.get_coordinates(cover.boundary)
        assert np.allclose(np.round(coords / 100) * 100, coords)  # the 100 m lattice
    # every event's own 200 m circle lies inside its zone's squares
    for point in alerts.events.geometry:
        assert (
            partner.geometry.iloc[0]
            .union(partner.geometry.iloc[1])
            .covers(point.buffer(200 - 0.01))
        )
    # B3 alone at (X0 + 2000, Y0): its zone is centred on its 100 m square, no finer
    alone = partner.geometry.iloc[1]
    assert (alone.centroid.x, alone.centroid.y) == pytest.approx((X0 + 2050, Y0 + 50))
    assert partner["streets"].isna().all()  # no network: not listed, not "no street"


def test_partner_zones_date_events_to_whole_weeks() -> None:
    # B1 Sunday 2 March (its week ends that day), B2 Wednesday 5 and B3 Saturday 8 (week
    # ending Sunday 9): each lapses at the end of the week holding its week's end + 14 days
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    partner = partner_zones(alerts, cell_size_m=100, period="week")
    assert list(partner["live_until"]) == [dt.date(2025, 3, 23), dt.date(2025, 3, 23)]
    # the police see B2's zone lapse on the 19th; no partner date betrays the event's day
    assert alerts.zones.iloc[0]["expires"] == dt.date(2025, 3, 19)
    # a week-dated zone may outlive the event's own circle: with 7 days nothing is live for
    # the police on Sunday 16 March, while B2's and B3's week (ending the 9th) + 7 days is
    late = near_repeat_alerts(_events(), on="2025-03-16", distance_m=200, days=7)
    assert late.zones.empty
    shared = partner_zones(late, cell_size_m=100, period="week")
    assert list(shared["live_until"]) == [dt.date(2025, 3, 16)] * 2
    assert all(
        z.contains(p) for z, p in zip(shared.geometry, _events().geometry[[1, 2]], strict=True)
    )


def test_partner_zones_leave_out_the_unfinished_week() -> None:
    # B5, Thursday 20 March, is known on Friday 21, but its week runs to Sunday 23: a zone
    # for it on the 21st would date it to the 17th-21st
    friday = near_repeat_alerts(_events(), on="2025-03-21", distance_m=200, days=14)
    assert "B5" in set(friday.events["incident_id"])
    sunday = near_repeat_alerts(_events(), on="2025-03-23", distance_m=200, days=14)
    on_friday = partner_zones(friday, cell_size_m=100, period="week")
    on_sunday = partner_zones(sunday, cell_size_m=100, period="week")
    # B2's week (ending 9 March) + 14 days keeps zone 1 to the 23rd; B5 extends it once its
    # week is over, to the week holding 23 March + 14 days
    assert on_friday.iloc[0]["live_until"] == dt.date(2025, 3, 23)
    assert on_sunday.iloc[0]["live_until"] == dt.date(2025, 4, 6)
    assert on_sunday.geometry.iloc[0].area > on_friday.geometry.iloc[0].area


def test_partner_zones_by_month_end_with_the_month() -> None:
    alerts = near_repeat_alerts(_events(), on="2025-04-05", distance_m=200, days=14)
    assert alerts.zones.empty  # B5's circle, the last, lapsed on 3 April
    partner = partner_zones(alerts, cell_size_m=250, period="month")
    # B1, B2, B3 and B5 fell in March: their month ends on the 31st, + 14 days is in April;
    # B4 (1 February) lapsed with March
    assert list(partner["live_until"]) == [dt.date(2025, 4, 30)] * 2
    coords = shapely.get_coordinates(partner.geometry.boundary)
    assert np.allclose(np.round(coords / 250) * 250, coords)
    # on 30 March, March is not over: no zone (on the 31st it is, by the end of the day)
    march = near_repeat_alerts(_events(), on="2025-03-30", distance_m=200, days=14)
    assert partner_zones(march, cell_size_m=250, period="month").empty


def _outer_network() -> StreetNetwork:
    """High Street as in _network, and Outer Lane 250 m east of B3: outside its 200 m circle."""
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0 - 500, y=Y0 + 20)
    g.add_node(2, x=X0 + 500, y=Y0 + 20)
    g.add_node(3, x=X0 + 2250, y=Y0 - 100)
    g.add_node(4, x=X0 + 2250, y=Y0 + 100)
    g.add_edge(1, 2, length=1000.0, name="High Street", highway="residential")
    g.add_edge(3, 4, length=200.0, name="Outer Lane", highway="residential")
    return network_from_graph(g)


def test_partner_zone_streets_come_from_the_squares_not_the_circles() -> None:
    network = _outer_network()
    alerts = near_repeat_alerts(
        _events(), on="2025-03-15", distance_m=200, days=14, network=network
    )
    assert list(alerts.zones["streets"]) == ["High Street", ""]  # B3's circle misses it
    partner = partner_zones(alerts, cell_size_m=100, period="week", network=network)
    assert list(partner["streets"]) == ["High Street", "Outer Lane"]


def test_partner_zones_are_the_same_wherever_in_its_square_and_week_an_event_lies() -> None:
    """Nothing a partner gets moves when an event moves within its 100 m square and week."""
    rng = np.random.default_rng(7)
    n = 60
    x = X0 + rng.uniform(0, 3000, n)
    y = Y0 + rng.uniform(0, 3000, n)
    day = pd.Timestamp("2025-02-01") + pd.to_timedelta(rng.integers(0, 45, n), unit="D")
    moved_x = np.floor(x / 100) * 100 + rng.uniform(0.5, 99.5, n)
    moved_y = np.floor(y / 100) * 100 + rng.uniform(0.5, 99.5, n)
    monday = day - pd.to_timedelta(day.day_of_week, unit="D")
    moved_day = monday + pd.to_timedelta(rng.integers(0, 7, n), unit="D")
    network = _outer_network()

    def shared(xs: np.ndarray, ys: np.ndarray, when: pd.DatetimeIndex) -> gpd.GeoDataFrame:
        events = gpd.GeoDataFrame(
            {"incident_id": [f"E{i}" for i in range(n)], "start": when, "end": when},
            geometry=gpd.points_from_xy(xs, ys),
            crs=BNG,
        )
        alerts = near_repeat_alerts(
            events, on="2025-03-12", distance_m=150, days=10, network=network
        )
        return partner_zones(alerts, cell_size_m=100, period="week", network=network)

    before = shared(x, y, day)
    after = shared(moved_x, moved_y, moved_day)
    assert len(before) > 1
    pd.testing.assert_frame_equal(
        pd.DataFrame(before.drop(columns="geometry")), pd.DataFrame(after.drop(columns="geometry"))
    )
    assert all(a.equals(b) for a, b in zip(before.geometry, after.geometry, strict=True))


def test_partner_zones_errors_say_what_to_fix() -> None:
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    with pytest.raises(ParameterError, match="found 0 m and 'week'"):
        partner_zones(alerts, cell_size_m=0, period="week")
    with pytest.raises(ParameterError, match="day, week, month; found 100 m and 'year'"):
        partner_zones(alerts, cell_size_m=100, period="year")  # type: ignore[arg-type]
    utm = replace(alerts, zones=alerts.zones.set_crs("EPSG:32630", allow_override=True))
    with pytest.raises(CRSError, match="street network is in EPSG:27700"):
        partner_zones(utm, cell_size_m=100, period="week", network=_network())


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
