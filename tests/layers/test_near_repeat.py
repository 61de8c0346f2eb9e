"""Near-repeat zones on the map and in files: partners get squares and weeks, never events."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd
import pyogrio

from hotspots.near_repeat import NearRepeatAlerts, near_repeat_alerts
from layers.near_repeat import alert_export_layers, alert_map_layers, write_alert_zones
from spatial.crs import BNG

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 545_000.0, 258_000.0


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
