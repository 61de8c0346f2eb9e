"""Near-repeat zones on the map and in files: partners get squares and weeks, never events."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sqlite3
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from boundaries.dataset import load_demo
from hotspots.knox import KnoxResult, knox_test
from hotspots.near_repeat import NearRepeatAlerts, alerts_from_knox, near_repeat_alerts
from layers.audience import get_preset
from layers.briefing import render_briefing
from layers.near_repeat import (
    ALERT_LAYER_FIELDS,
    SHARED_KNOX_NOTE,
    alert_export_layers,
    alert_map_layers,
    knox_cell_colour,
    knox_grid,
    write_alert_zones,
)
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.network import StreetNetwork, network_from_graph
from tasking.pack import briefing_content

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 545_000.0, 258_000.0
MEETING = dt.date(2025, 10, 14)


def _alerts() -> NearRepeatAlerts:
    return _alerts_with(None)


def _alerts_with(network: StreetNetwork | None) -> NearRepeatAlerts:
    when = pd.to_datetime(["2025-03-02 08:00", "2025-03-05 14:00", "2025-03-08 10:00"])
    events = gpd.GeoDataFrame(
        {
            "incident_id": ["CR/1<script>", "CR/2", "CR/3"],
            "crime_type": "Burglary",
            "start": when,
            "end": when,
        },
        geometry=gpd.points_from_xy([X0, X0 + 150, X0 + 2000], [Y0, Y0, Y0]),
        crs=BNG,
    )
    return near_repeat_alerts(events, on="2025-03-15", distance_m=200, days=14, network=network)


def _metadata(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as con:
        (text,) = con.execute("SELECT metadata FROM gpkg_metadata").fetchone()
    record = json.loads(text.split('key="PATCHMAP_METADATA">')[1].split("</MDI>")[0])
    assert isinstance(record, dict)
    return record


def test_partner_export_has_zones_only_without_events_or_exact_dates(tmp_path: Path) -> None:
    path = write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="partner")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["near_repeat_zones"]
    zones = gpd.read_file(path, layer="near_repeat_zones")
    assert list(zones.columns) == ["zone_id", "live_until", "streets", "geometry"]
    # 2, 5 and 8 March: weeks ending the 2nd and 9th, + 14 days, to the Sunday ending a week
    assert sorted(pd.to_datetime(zones["live_until"]).dt.date) == [
        dt.date(2025, 3, 23),
        dt.date(2025, 3, 23),
    ]
    text = path.read_bytes()
    assert b"CR/2" not in text
    for day in ("02", "05", "08", "16", "19", "22"):  # the events' days, their exact expiries
        assert f"2025-03-{day}".encode() not in text
    methods = _metadata(path)["methods"]["near_repeat_zones"]
    assert (methods["cell_size_m"], methods["period"]) == ("100", "week")


def test_partner_zones_are_no_finer_than_the_partners_100_m_cells(tmp_path: Path) -> None:
    """Drawn on 50 m squares, a zone of one burglary was centred 11-34 m from it (audit 12-c)."""
    preset = get_preset("partner")
    path = write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="partner")
    zones = gpd.read_file(path, layer="near_repeat_zones")
    coords = shapely.get_coordinates(zones.geometry.boundary)
    assert np.allclose(np.round(coords / preset.snap_m) * preset.snap_m, coords)
    # CR/3 alone at (X0 + 2000, Y0): its zone is centred on its 100 m square's centre
    alone = zones.geometry.iloc[1].centroid
    assert (alone.x, alone.y) == pytest.approx((X0 + 2050, Y0 + 50))
    assert zones.crs == BNG


def test_public_zones_are_refused_with_the_reason(tmp_path: Path) -> None:
    for make in (
        lambda: write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="public"),
        lambda: alert_export_layers(_alerts(), audience="public"),
        lambda: alert_map_layers(_alerts(), audience="public"),
    ):
        with pytest.raises(ParameterError) as err:
            make()
        assert str(err.value).startswith("Near-repeat zones are not made for the public:")
        assert "ward totals of 10 or more, by month" in str(err.value)
        assert "(the partner audience: 100 m squares, dated to the week)" in str(err.value)
    assert not (tmp_path / "zones.gpkg").exists()
    assert "public" not in ALERT_LAYER_FIELDS


def test_police_export_has_zones_events_and_streets(tmp_path: Path) -> None:
    path = write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="police")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["near_repeat_zones", "near_repeat_events", "near_repeat_streets"]
    events = gpd.read_file(path, layer="near_repeat_events")
    assert sorted(events["incident_id"]) == ["CR/1<script>", "CR/2", "CR/3"]
    assert events.crs == BNG
    # no network: the streets are missing, not "none inside" and 0 m
    zones = gpd.read_file(path, layer="near_repeat_zones")
    assert zones["streets"].isna().all()
    assert zones["street_length_m"].isna().all()
    streets = _metadata(path)["methods"]["near_repeat_zones"]["streets"]
    assert streets == "not listed: no street network was given (street names need one)"


def test_zones_name_streets_from_a_network(tmp_path: Path) -> None:
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0 - 500, y=Y0 + 20)
    g.add_node(2, x=X0 + 500, y=Y0 + 20)
    g.add_edge(1, 2, length=1000.0, name="High Street", highway="residential")
    network = network_from_graph(g)
    alerts = _alerts_with(network)
    path = write_alert_zones(alerts, tmp_path / "police.gpkg", audience="police")
    zones = gpd.read_file(path, layer="near_repeat_zones")
    assert list(zones["streets"]) == ["High Street", ""]
    assert zones["street_length_m"].iloc[1] == 0.0  # a network, and no street inside: a fact
    streets = _metadata(path)["methods"]["near_repeat_zones"]["streets"]
    assert streets == "named from the street network given"
    shared = alert_export_layers(alerts, audience="partner", network=network)
    assert list(shared["near_repeat_zones"]["streets"]) == ["High Street", ""]


def test_alert_map_layers_escape_text_and_hide_events_from_partners() -> None:
    police = folium.Map()
    for layer in alert_map_layers(_alerts(), audience="police"):
        layer.add_to(police)
    folium.LayerControl().add_to(police)
    html_police = police.get_root().render()
    assert "Near-repeat zones" in html_police
    assert "Near-repeat events" in html_police
    assert "CR/1\\u0026lt;script\\u0026gt;" in html_police  # escaped, then JSON-encoded
    assert "CR/1<script>" not in html_police
    partner = folium.Map()
    for layer in alert_map_layers(_alerts(), audience="partner"):
        layer.add_to(partner)
    folium.LayerControl().add_to(partner)
    html_partner = partner.get_root().render()
    assert "Near-repeat zones" in html_partner
    assert "CR/2" not in html_partner
    assert "Near-repeat events" not in html_partner
    assert "not listed (no street network)" in html_partner  # not "None", not "no street"
    assert "2025-03-19" not in html_partner  # the police expiry


def _knox_and_alerts() -> tuple[KnoxResult, NearRepeatAlerts]:
    rng = np.random.default_rng(3)
    x = list(rng.uniform(0, 4000, 300) + X0)
    y = list(rng.uniform(0, 4000, 300) + Y0)
    day = list(rng.integers(0, 300, 300))
    for _ in range(12):
        cx, cy = rng.uniform(X0 + 500, X0 + 3500), rng.uniform(Y0 + 500, Y0 + 3500)
        cd = int(rng.integers(0, 290))
        for _ in range(6):
            x.append(cx + rng.uniform(-25, 25))
            y.append(cy + rng.uniform(-25, 25))
            day.append(cd + int(rng.integers(0, 6)))
    when = pd.Timestamp("2025-01-01") + pd.to_timedelta(day, unit="D")
    events = gpd.GeoDataFrame(
        {"incident_id": [f"CR/{i}" for i in range(len(x))], "start": when, "end": when},
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )
    knox = knox_test(events, permutations=999, seed=1, subject="burglaries")
    on = str((when.max() - pd.Timedelta(days=2)).date())
    return knox, alerts_from_knox(events, knox, on=on)


def test_partner_metadata_never_holds_the_number_of_events_tested(tmp_path: Path) -> None:
    """Files of consecutive days would differ by each day's events: partners get no count."""
    knox, alerts = _knox_and_alerts()
    counted = re.compile(rf"(?<![\d.,]){knox.n_events:,}(?![\d.,])")
    assert counted.search(knox.verdict)  # the police's verdict gives it
    assert not counted.search(knox.shared_verdict)
    assert knox.shared_verdict == knox.verdict.replace(f"({knox.n_events:,} events, ", "(")
    partner = write_alert_zones(alerts, tmp_path / "partner.gpkg", audience="partner")
    record = _metadata(partner)
    assert not counted.search(json.dumps(record))
    methods = record["methods"]["near_repeat_zones"]
    assert (methods["source"], methods["events_tested"]) == (knox.shared_verdict, SHARED_KNOX_NOTE)
    police = _metadata(write_alert_zones(alerts, tmp_path / "police.gpkg", audience="police"))
    assert police["methods"]["near_repeat_zones"]["source"] == knox.verdict
    assert "events_tested" not in police["methods"]["near_repeat_zones"]
    by_hand = _alerts()  # sized by hand: its source holds no count and is shared as it is
    assert by_hand.source_shared == by_hand.source == "set by the user"


def test_knox_grid_text_and_colours() -> None:
    knox, _ = _knox_and_alerts()
    grid = knox_grid(knox)
    assert list(grid.index) == list(knox.distance_labels)
    assert list(grid.columns) == list(knox.time_labels)
    cell = str(grid.loc["1-100 m", "0-7 days"])
    assert cell.startswith(f"{knox.ratio[1, 0]:.2f}*")
    assert f"({int(knox.observed[1, 0]):,} / " in cell
    assert knox_cell_colour(knox.ratio[1, 0], significant=True, raised=True) == "#b2182b"


def test_briefing_pack_near_repeat_section_respects_the_audience() -> None:
    knox, alerts = _knox_and_alerts()
    assert alerts.n_zones > 0
    demo = load_demo()
    ward = demo.ward_names[0]
    packs = {
        audience: render_briefing(
            briefing_content(
                demo,
                ward=ward,
                meeting=MEETING,
                near_repeat=(knox, alerts),
                hot_cell_size_m=get_preset(audience).min_cell_m or None,
            ),
            demo,
            audience=audience,
        )
        for audience in ("police", "partner", "public")
    }
    for pack in packs.values():
        assert "near_repeat" in pack.sections
    counted = f"({knox.n_events:,} events, "  # the number of events tested: the police's
    assert html.escape(knox.verdict) in packs["police"].html
    assert counted in knox.verdict
    for shared in (packs["partner"].html, packs["public"].html):
        assert html.escape(knox.shared_verdict) in shared
        assert counted not in shared
    police, partner, public = packs["police"].html, packs["partner"].html, packs["public"].html
    assert "<th>Distance</th>" in police
    assert "#b2182b" in police  # the raised cell
    assert '<th class="n">Events</th>' in police
    assert str(alerts.zones["expires"].iloc[0]) in police
    assert "week ending" in partner
    assert '<th class="n">Events</th>' not in partner
    section = partner.split("<h2>Near repeats</h2>")[1]
    for pack in packs.values():  # the section's scope is the extract's, not the pack's filters
        scope = " ".join(pack.html.split("<h2>Near repeats</h2>")[1].split())
        assert "every crime of the force extract in this place known before the meeting" in scope
        assert "whatever months or crime types the rest of this pack shows" in scope
    # partners get the grid's ratios and stars, never a count of pairs (1 / 1 says which
    # homes were burgled twice); the police get the counts
    police_section = police.split("<h2>Near repeats</h2>")[1]
    observed = f"({int(knox.observed[1, 0]):,} / "
    assert observed in police_section
    assert f">{knox.ratio[1, 0]:.2f}*</td>" in section
    assert " / " not in section.split("</table>")[0]
    assert html.escape(SHARED_KNOX_NOTE) in section
    assert "partners get" in section
    assert "100 m squares around the events of the weeks to" in section
    # exact expiry dates (other than a Sunday, or the day the zones are drawn for) stay hidden
    exact = [d for d in alerts.zones["expires"] if d.weekday() != 6 and d != alerts.on]
    assert exact
    assert all(str(d) not in section for d in exact)
    assert "<th>Distance</th>" not in public
    assert "week ending" not in public
    without = render_briefing(
        briefing_content(demo, ward=ward, meeting=MEETING), demo, audience="police"
    )
    assert "near_repeat" not in without.sections
