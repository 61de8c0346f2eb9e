"""
Near-repeat zones on the map and in exports, at the detail each audience may see.

``police`` gets the zones with their events, incident references and exact expiry, the events
as points and the street segments inside; ``partner`` and ``public`` get only the zones drawn
as 50 m squares with the expiry rounded up to the end of its week
(:func:`hotspots.near_repeat.partner_zones`): no event points, no incident references, no
exact dates or times.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any, Final

import folium

from hotspots.near_repeat import partner_zones
from layers.export import ExportMetadata, write_gpkg
from layers.map import tooltip_layer
from spatial.crs import require_bng

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

    from hotspots.near_repeat import NearRepeatAlerts
    from layers.audience import Audience

__all__ = [
    "ALERT_LAYER_FIELDS",
    "alert_export_layers",
    "alert_map_layers",
    "write_alert_zones",
]

ALERT_LAYER_FIELDS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "police": {
        "near_repeat_zones": (
            "zone_id",
            "n_events",
            "first_event",
            "last_event",
            "expires",
            "incident_ids",
            "streets",
            "street_length_m",
            "area_m2",
        ),
        "near_repeat_events": ("incident_id", "crime_type", "event_date", "expires", "zone_id"),
        "near_repeat_streets": ("zone_id", "name", "length_m"),
    },
    "partner": {"near_repeat_zones": ("zone_id", "live_until", "streets")},
    "public": {"near_repeat_zones": ("zone_id", "live_until", "streets")},
}
"""The allow-list of fields per audience and layer: nothing else leaves."""

_ZONE_STYLE: Final = {"color": "#b2182b", "weight": 2, "fillColor": "#ef8a62", "fillOpacity": 0.3}
_EVENT_STYLE: Final = {"color": "#67001f", "weight": 1, "fillColor": "#67001f", "fillOpacity": 0.9}


def _zone_style(_feature: object) -> dict[str, object]:
    return dict(_ZONE_STYLE)


def _event_style(_feature: object) -> dict[str, object]:
    return dict(_EVENT_STYLE)


def alert_export_layers(
    alerts: NearRepeatAlerts, *, audience: Audience
) -> dict[str, gpd.GeoDataFrame]:
    """
    Return the layers an audience may take away, with only their allowed fields.

    Parameters
    ----------
    alerts
        The live zones (EPSG:27700).
    audience
        ``"police"``, ``"partner"`` or ``"public"``.

    Returns
    -------
    dict
        Layer name to frame: police get zones, events and streets; others the generalised
        zones only.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    """
    require_bng(alerts.zones, name="near-repeat zones")
    allowed = ALERT_LAYER_FIELDS[audience]
    if audience == "police":
        frames = {
            "near_repeat_zones": alerts.zones,
            "near_repeat_events": alerts.events,
            "near_repeat_streets": alerts.streets,
        }
    else:
        frames = {"near_repeat_zones": partner_zones(alerts)}
    return {
        name: frame[[*allowed[name], frame.geometry.name]].copy() for name, frame in frames.items()
    }


def write_alert_zones(
    alerts: NearRepeatAlerts, path: str | Path, *, audience: Audience, area: str = ""
) -> Path:
    """
    Write the zones (and, for the police, their events and streets) to a GeoPackage.

    Parameters
    ----------
    alerts
        The live zones (EPSG:27700).
    path
        The ``.gpkg`` file; replaced if it exists.
    audience
        Who the file is for (see :func:`alert_export_layers`).
    area
        The area's name, for the metadata.

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    """
    layers = alert_export_layers(alerts, audience=audience)
    metadata = ExportMetadata(
        title=f"patchmap near-repeat zones on {alerts.on.isoformat()} ({audience})",
        area=area or "the loaded extract",
        audience=audience,
        min_count=None,
        period=None,
        methods={
            "near_repeat_zones": {
                "method": "circles around recent events, merged where they overlap",
                "distance_m": f"{alerts.distance_m:g}",
                "days": str(alerts.days),
                "source": alerts.source,
            }
        },
        fields={name: tuple(c for c in f.columns if c != "geometry") for name, f in layers.items()},
        sources=("Force crime extract (police use); OpenStreetMap contributors (streets).",),
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return write_gpkg(layers, path, metadata=metadata)


def alert_map_layers(
    alerts: NearRepeatAlerts, *, audience: Audience = "police"
) -> list[folium.FeatureGroup]:
    """
    Return the folium layers of the live zones (and, for the police, their events).

    Parameters
    ----------
    alerts
        The live zones (EPSG:27700).
    audience
        ``"police"`` shows the zones as circles with their events; others the generalised
        zones of :func:`alert_export_layers`.

    Returns
    -------
    list of folium.FeatureGroup
        The zones layer, then (police) the events layer; empty groups without zones.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    """
    layers = alert_export_layers(alerts, audience=audience)
    zones = layers["near_repeat_zones"]
    if zones.empty:
        return [folium.FeatureGroup(name="Near-repeat zones")]
    until = "expires" if audience == "police" else "live_until"
    props: dict[str, Any] = {
        "zone_id": zones["zone_id"].astype("int64").to_numpy(),
        "until": [html.escape(str(v)) for v in zones[until]],
        "streets": [html.escape(str(v)) or "-" for v in zones["streets"]],
    }
    tooltip = {"zone_id": "Zone", "until": "Live until", "streets": "Streets"}
    if audience == "police":
        props["n_events"] = zones["n_events"].astype("int64").to_numpy()
        props["incident_ids"] = [html.escape(str(v)) for v in zones["incident_ids"]]
        tooltip = {**tooltip, "n_events": "Events", "incident_ids": "Incidents"}
    out = [
        tooltip_layer(
            props,
            zones.geometry.to_numpy(),
            layer_name="Near-repeat zones",
            style_function=_zone_style,
            tooltip=tooltip,
        )
    ]
    if audience == "police":
        events = layers["near_repeat_events"]
        out.append(
            tooltip_layer(
                {
                    "incident_id": [html.escape(str(v)) for v in events["incident_id"]],
                    "event_date": [str(v) for v in events["event_date"]],
                    "expires": [str(v) for v in events["expires"]],
                },
                events.geometry.buffer(8).to_numpy(),
                layer_name="Near-repeat events",
                style_function=_event_style,
                tooltip={"incident_id": "Incident", "event_date": "Date", "expires": "Zone until"},
            )
        )
    return out
