"""Near-repeat zones on the map and in files: partners get squares and weeks, never events."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from boundaries.dataset import load_demo
from hotspots.knox import KnoxResult, knox_test
from hotspots.near_repeat import NearRepeatAlerts, alerts_from_knox, near_repeat_alerts
from layers.audience import get_preset
from layers.briefing import render_briefing
from layers.near_repeat import (
    alert_export_layers,
    alert_map_layers,
    knox_cell_colour,
    knox_grid,
    write_alert_zones,
)
from spatial.crs import BNG
from tasking.pack import briefing_content

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 545_000.0, 258_000.0
MEETING = dt.date(2025, 10, 14)


def _alerts() -> NearRepeatAlerts:
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
    return near_repeat_alerts(events, on="2025-03-15", distance_m=200, days=14)


def test_partner_export_has_zones_only_without_events_or_exact_dates(tmp_path: Path) -> None:
    path = write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="partner")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["near_repeat_zones"]
    zones = gpd.read_file(path, layer="near_repeat_zones")
    assert list(zones.columns) == ["zone_id", "live_until", "streets", "geometry"]
    assert sorted(pd.to_datetime(zones["live_until"]).dt.date) == [
        dt.date(2025, 3, 23),
        dt.date(2025, 3, 23),
    ]
    text = path.read_bytes()
    assert b"CR/2" not in text
    assert b"2025-03-19" not in text  # the exact expiry stays with the police


def test_police_export_has_zones_events_and_streets(tmp_path: Path) -> None:
    path = write_alert_zones(_alerts(), tmp_path / "zones.gpkg", audience="police")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["near_repeat_zones", "near_repeat_events", "near_repeat_streets"]
    events = gpd.read_file(path, layer="near_repeat_events")
    assert sorted(events["incident_id"]) == ["CR/1<script>", "CR/2", "CR/3"]
    assert events.crs == BNG


def test_alert_export_layers_keep_only_allowed_fields() -> None:
    layers = alert_export_layers(_alerts(), audience="public")
    assert list(layers) == ["near_repeat_zones"]
    assert "incident_ids" not in layers["near_repeat_zones"].columns


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
        assert html.escape(knox.verdict) in pack.html
    police, partner, public = packs["police"].html, packs["partner"].html, packs["public"].html
    assert "<th>Distance</th>" in police
    assert "#b2182b" in police  # the raised cell
    assert '<th class="n">Events</th>' in police
    assert str(alerts.zones["expires"].iloc[0]) in police
    assert "week ending" in partner
    assert '<th class="n">Events</th>' not in partner
    section = partner.split("<h2>Near repeats</h2>")[1]
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
