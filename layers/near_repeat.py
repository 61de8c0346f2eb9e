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
import pandas as pd

from hotspots.near_repeat import partner_zones
from layers.hotspot_layers import tooltip_layer
from layers.metadata import ExportMetadata
from layers.writers import write_gpkg
from spatial.crs import require_bng

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

    from hotspots.knox import KnoxResult
    from hotspots.near_repeat import NearRepeatAlerts
    from layers.audience import Audience

__all__ = [
    "ALERT_LAYER_FIELDS",
    "KNOX_COLOURS",
    "alert_export_layers",
    "alert_map_layers",
    "knox_cell_colour",
    "knox_grid",
    "knox_table_html",
    "near_repeat_brief",
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


KNOX_COLOURS: Final = {
    "raised": "#b2182b",
    "significant": "#fddbc7",
    "not significant": "#f7f7f7",
    "no pairs expected": "#bdbdbd",
}
"""Knox grid cells: a raised risk (significant and at least ``min_ratio`` times chance) in
red, significant but small excesses in pale red, the rest grey-white."""


def knox_cell_colour(ratio: float, *, significant: bool, raised: bool) -> str:
    """
    Return the fill colour of one Knox table cell.

    Parameters
    ----------
    ratio
        The Knox ratio (NaN when no pair was expected).
    significant
        Whether the cell is significant after the FDR correction.
    raised
        Whether it is also at least the minimum ratio.

    Returns
    -------
    str
        A CSS colour from :data:`KNOX_COLOURS`.

    Examples
    --------
    >>> knox_cell_colour(1.7, significant=True, raised=True)
    '#b2182b'
    >>> knox_cell_colour(float("nan"), significant=False, raised=False)
    '#bdbdbd'
    """
    if ratio != ratio:  # NaN  # noqa: PLR0124 -- the cheapest NaN test without numpy
        return KNOX_COLOURS["no pairs expected"]
    if raised:
        return KNOX_COLOURS["raised"]
    if significant:
        return KNOX_COLOURS["significant"]
    return KNOX_COLOURS["not significant"]


def knox_grid(result: KnoxResult) -> pd.DataFrame:
    """
    Return the Knox table as a grid of display text, one row per distance band.

    Each cell reads ``"1.37 (676 / 493)"``: the Knox ratio, then the observed and expected
    pairs, with ``*`` after the ratio when the cell is significant; ``"-"`` where no pair was
    expected. Colour it with :func:`knox_cell_colour`.

    Parameters
    ----------
    result
        The Knox test.

    Returns
    -------
    pandas.DataFrame
        Index: distance labels; columns: time labels; values: text.
    """
    rows = []
    for r in range(len(result.distance_labels)):
        row = []
        for c in range(len(result.time_labels)):
            ratio = float(result.ratio[r, c])
            if ratio != ratio:  # noqa: PLR0124 -- NaN
                row.append("-")
                continue
            star = "*" if result.significant[r, c] else ""
            row.append(
                f"{ratio:.2f}{star} ({int(result.observed[r, c]):,} / "
                f"{float(result.expected[r, c]):,.0f})"
            )
        rows.append(row)
    return pd.DataFrame(
        rows, index=list(result.distance_labels), columns=list(result.time_labels), dtype="str"
    )


def knox_table_html(result: KnoxResult) -> str:
    """
    Return the Knox grid as a small HTML table, each cell filled by :func:`knox_cell_colour`.

    Parameters
    ----------
    result
        The Knox test.

    Returns
    -------
    str
        A ``<table>`` (every text escaped): distance bands down, time bands across.
    """
    grid = knox_grid(result)
    head = "".join(
        f'<th style="padding:4px 8px;text-align:right">{html.escape(c)}</th>' for c in grid.columns
    )
    rows = []
    for r, label in enumerate(grid.index):
        cells = []
        for c in range(len(grid.columns)):
            raised = bool(result.raised[r, c])
            colour = knox_cell_colour(
                float(result.ratio[r, c]), significant=bool(result.significant[r, c]), raised=raised
            )
            text_colour = "#ffffff" if raised else "#222222"
            cells.append(
                f'<td style="background:{colour};color:{text_colour};padding:4px 8px;'
                f'text-align:right">{html.escape(str(grid.iloc[r, c]))}</td>'
            )
        rows.append(
            f'<tr><th style="padding:4px 8px;text-align:left">{html.escape(str(label))}</th>'
            + "".join(cells)
            + "</tr>"
        )
    return (
        '<table class="knox-grid" style="border-collapse:collapse;font-size:0.9rem">'
        f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def near_repeat_brief(
    result: KnoxResult, alerts: NearRepeatAlerts | None, *, audience: Audience
) -> dict[str, object]:
    """
    Return the briefing pack's near-repeat section, at the audience's detail.

    Every audience gets the verdict; police and partners get the coloured Knox grid (pair
    counts by band, no locations); police get the live zones with their event counts, streets
    and expiry; partners the zones' streets and the week their zone ends; the public no zones.

    Parameters
    ----------
    result
        The Knox test of the pack's events.
    alerts
        The zones live on the meeting day, or None.
    audience
        Who the pack is for.

    Returns
    -------
    dict
        ``verdict``, ``columns`` (time labels), ``grid`` (rows of ``(label, [(text, colour)])``),
        ``zones`` (rows of dicts), ``zones_date``, ``zone_note`` (plain text; the template
        escapes it).
    """
    grid_text = knox_grid(result)
    grid: list[tuple[str, list[tuple[str, str]]]] = []
    if audience != "public":
        for r, label in enumerate(result.distance_labels):
            cells = [
                (
                    str(grid_text.iloc[r, c]),
                    knox_cell_colour(
                        float(result.ratio[r, c]),
                        significant=bool(result.significant[r, c]),
                        raised=bool(result.raised[r, c]),
                    ),
                )
                for c in range(len(result.time_labels))
            ]
            grid.append((label, cells))
    zones: list[dict[str, str]] = []
    note = ""
    if alerts is not None and audience == "police":
        zones = [
            {
                "zone": str(z.zone_id),
                "events": str(z.n_events),
                "streets": str(z.streets) or "-",
                "until": str(z.expires),
            }
            for z in alerts.zones.itertuples()
        ]
        note = alerts.describe()
    elif alerts is not None and audience == "partner":
        partner = alert_export_layers(alerts, audience="partner")["near_repeat_zones"]
        zones = [
            {"zone": str(z), "events": "", "streets": str(s) or "-", "until": f"week ending {u}"}
            for z, s, u in zip(
                partner["zone_id"], partner["streets"], partner["live_until"], strict=True
            )
        ]
        note = (
            f"{len(zones)} near-repeat zone(s) live on {alerts.on.isoformat()}; zones are drawn "
            "as 50 m squares and dated to the week, without the events that made them."
        )
    return {
        "verdict": result.verdict,
        "columns": list(result.time_labels),
        "grid": grid,
        "zones": zones,
        "zones_date": alerts.on.isoformat() if alerts is not None else "",
        "zone_note": note,
    }
