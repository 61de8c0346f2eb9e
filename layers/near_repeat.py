"""
Near-repeat zones on the map and in exports, at the detail each audience may see.

``police`` get the zones with their events, incident references and exact expiry, the events
as points and the street segments inside. ``partner`` get only zones drawn again from each
event's square of the preset's cell (``snap_m``, 100 m) and its week (``finest_time``), from
the events of whole weeks only (:func:`hotspots.near_repeat.partner_zones`): no event points,
counts, incident references or days. The ``public`` get no zones: a zone marks where single
recent events happened, and the public may see a force extract's crimes only as ward totals
(:func:`alert_preset` refuses them).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any, Final

import folium
import pandas as pd

from hotspots.near_repeat import last_whole_period_end, partner_zones
from layers.audience import get_preset
from layers.hotspot_layers import tooltip_layer
from layers.metadata import ExportMetadata
from layers.writers import write_gpkg
from spatial.crs import require_bng
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

    from hotspots.knox import KnoxResult, KnoxWorkload
    from hotspots.near_repeat import NearRepeatAlerts, ZonePeriod
    from layers.audience import Audience, AudiencePreset
    from spatial.network import StreetNetwork

__all__ = [
    "ALERT_LAYER_FIELDS",
    "KNOX_COLOURS",
    "SHARED_KNOX_NOTE",
    "alert_export_layers",
    "alert_map_layers",
    "alert_preset",
    "knox_cell_colour",
    "knox_grid",
    "knox_run_text",
    "knox_table_html",
    "near_repeat_brief",
    "shared_zones",
    "shared_zones_text",
    "write_alert_zones",
    "zone_period",
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
}
"""The allow-list of fields per audience and layer: nothing else leaves. The public have
none (:func:`alert_preset`)."""

_ZONE_STYLE: Final = {"color": "#b2182b", "weight": 2, "fillColor": "#ef8a62", "fillOpacity": 0.3}
_EVENT_STYLE: Final = {"color": "#67001f", "weight": 1, "fillColor": "#67001f", "fillOpacity": 0.9}
_PERIOD_WORDS: Final[Mapping[str, str]] = {"day": "day", "week": "week", "month": "month"}
_NOT_LISTED: Final = "not listed (no street network)"


def _zone_style(_feature: object) -> dict[str, object]:
    return dict(_ZONE_STYLE)


def _event_style(_feature: object) -> dict[str, object]:
    return dict(_EVENT_STYLE)


def alert_preset(audience: Audience) -> AudiencePreset:
    """
    Return the preset near-repeat zones are shared by, refusing an audience that may not have them.

    Parameters
    ----------
    audience
        ``"police"``, ``"partner"`` or ``"public"``.

    Returns
    -------
    AudiencePreset
        The audience's preset (:func:`layers.audience.get_preset`).

    Raises
    ------
    ParameterError
        For an audience that may see a force extract's crimes only as ward totals (the
        public): any zone would mark where one recent event happened, in a square finer than a
        ward and with a count far below the threshold.

    Examples
    --------
    >>> alert_preset("partner").snap_m
    100.0
    """
    preset = get_preset(audience)
    if preset.crime_detail == "wards":
        msg = (
            f"Near-repeat zones are not made for the {audience}: each zone marks where one or a "
            f"few recent events happened, while the {audience} may see the crimes of a force "
            f"extract only as ward totals of {preset.min_count} or more, by "
            f"{preset.finest_time}. Share the zones with partners instead (the partner "
            f"audience: {get_preset('partner').snap_m:g} m squares, dated to the "
            f"{get_preset('partner').finest_time}), or publish ward totals with an export for "
            f"the {audience}."
        )
        raise ParameterError(msg)
    return preset


def zone_period(preset: AudiencePreset) -> ZonePeriod:
    """
    Return the period a shared zone's events are known to: the preset's finest time.

    Parameters
    ----------
    preset
        The audience's preset.

    Returns
    -------
    ZonePeriod
        ``"week"`` or ``"month"`` as the preset says; ``"day"`` for finer presets.

    Examples
    --------
    >>> zone_period(get_preset("partner"))
    'week'
    """
    time = preset.finest_time
    return time if time in ("week", "month") else "day"


def alert_export_layers(
    alerts: NearRepeatAlerts, *, audience: Audience, network: StreetNetwork | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """
    Return the layers an audience may take away, with only their allowed fields.

    Parameters
    ----------
    alerts
        The live zones (EPSG:27700).
    audience
        ``"police"`` or ``"partner"`` (the public are refused, :func:`alert_preset`).
    network
        The street network, to name the streets inside partners' zones (the police zones
        carry their own); None leaves them null.

    Returns
    -------
    dict
        Layer name to frame: police get zones, events and streets; partners the zones drawn
        from the events' cells of the preset's ``snap_m`` and their weeks only
        (:func:`hotspots.near_repeat.partner_zones`).

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    ParameterError
        For the public.
    """
    require_bng(alerts.zones, name="near-repeat zones")
    if alert_preset(audience).audience != "police":
        return {"near_repeat_zones": shared_zones(alerts, audience=audience, network=network)}
    allowed = ALERT_LAYER_FIELDS["police"]
    frames = {
        "near_repeat_zones": alerts.zones,
        "near_repeat_events": alerts.events,
        "near_repeat_streets": alerts.streets,
    }
    return {
        name: frame[[*allowed[name], frame.geometry.name]].copy() for name, frame in frames.items()
    }


def shared_zones(
    alerts: NearRepeatAlerts, *, audience: Audience, network: StreetNetwork | None = None
) -> gpd.GeoDataFrame:
    """
    Return the zones an audience outside the police may see, with only their allowed fields.

    Drawn by :func:`hotspots.near_repeat.partner_zones` on the lattice of the preset's
    ``snap_m`` from the events of whole periods of its ``finest_time``; in the zones' own
    projected CRS (a force extract outside Great Britain is printed, not exported).

    Parameters
    ----------
    alerts
        The live zones.
    audience
        ``"partner"`` (the public are refused, :func:`alert_preset`).
    network
        The street network, to name the streets inside each zone; None leaves them null.

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone_id``, ``live_until``, ``streets`` and the polygon.

    Raises
    ------
    ParameterError
        For the public, or for the police (who get :func:`alert_export_layers`' full layers).
    """
    preset = alert_preset(audience)
    if preset.audience == "police":
        msg = "The police get the zones themselves (alert_export_layers), not shared ones."
        raise ParameterError(msg)
    zones = partner_zones(
        alerts, cell_size_m=preset.snap_m, period=zone_period(preset), network=network
    )
    return zones[[*ALERT_LAYER_FIELDS[audience]["near_repeat_zones"], zones.geometry.name]]


def shared_zones_text(
    alerts: NearRepeatAlerts, zones: gpd.GeoDataFrame, *, audience: Audience
) -> str:
    """
    Say in one sentence what an audience outside the police is given.

    Parameters
    ----------
    alerts
        The live zones.
    zones
        The audience's zones (:func:`shared_zones`).
    audience
        Who they are for.

    Returns
    -------
    str
        E.g. "On 2025-05-20, partners get 4 live near-repeat zone(s): the 100 m squares around
        the events of the weeks to 2025-05-18 (200 m around each, 28 days after its week), the
        first live until 2025-05-25, the last until 2025-06-15." Only the day drawn for, the
        rounded dates and the sizes: nothing the file does not hold.
    """
    preset = alert_preset(audience)
    period = zone_period(preset)
    word = _PERIOD_WORDS[period]
    whole = last_whole_period_end(alerts.on, period)
    who = "partners" if audience == "partner" else f"the {audience}"
    if zones.empty:
        return (
            f"On {alerts.on.isoformat()}, {who} get no live near-repeat zone: no event of the "
            f"{word}s to {whole.isoformat()} has a zone lasting to this day."
        )
    until = sorted(zones["live_until"])
    return (
        f"On {alerts.on.isoformat()}, {who} get {len(zones)} live near-repeat zone(s): the "
        f"{preset.snap_m:g} m squares around the events of the {word}s to {whole.isoformat()} "
        f"({alerts.distance_m:g} m around each, {alerts.days} days after its {word}), the first "
        f"live until {until[0].isoformat()}, the last until {until[-1].isoformat()}."
    )


def _zone_methods(
    alerts: NearRepeatAlerts, preset: AudiencePreset, *, named: bool
) -> dict[str, str]:
    """Return the metadata's account of how the zones were drawn."""
    streets = (
        "named from the street network given"
        if named
        else "not listed: no street network was given (street names need one)"
    )
    police = preset.audience == "police"
    common = {
        "distance_m": f"{alerts.distance_m:g}",
        "days": str(alerts.days),
        "source": alerts.source if police else alerts.source_shared,
        "streets": streets,
    }
    if not police:  # a count of every event before the day: two days' files would give its own
        common["events_tested"] = SHARED_KNOX_NOTE
    if preset.audience == "police":
        return {"method": "circles around recent events, merged where they overlap", **common}
    period = zone_period(preset)
    return {
        "method": (
            f"the {preset.snap_m:g} m squares met by circles around the centres of the squares "
            f"holding the events of whole {period}s, merged where they overlap; each zone live "
            f"to the end of the {period} in which its last event's {period} plus the days ends"
        ),
        "cell_size_m": f"{preset.snap_m:g}",
        "period": period,
        **common,
    }


def write_alert_zones(
    alerts: NearRepeatAlerts,
    path: str | Path,
    *,
    audience: Audience,
    area: str = "",
    network: StreetNetwork | None = None,
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
    network
        The street network, to name the streets of partners' zones.

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    ParameterError
        For the public.
    """
    layers = alert_export_layers(alerts, audience=audience, network=network)
    preset = alert_preset(audience)
    named = alerts.streets_listed if audience == "police" else network is not None
    metadata = ExportMetadata(
        title=f"patchmap near-repeat zones on {alerts.on.isoformat()} ({audience})",
        area=area or "the loaded extract",
        audience=audience,
        min_count=None,
        period=None,
        methods={"near_repeat_zones": _zone_methods(alerts, preset, named=named)},
        fields={name: tuple(c for c in f.columns if c != "geometry") for name, f in layers.items()},
        sources=("Force crime extract (police use); OpenStreetMap contributors (streets).",),
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return write_gpkg(layers, path, metadata=metadata)


def _street_label(value: object) -> str:
    """Return a zone's streets as shown: "-" for none inside, a note when none were listed."""
    if value is None or (isinstance(value, float) and value != value):  # noqa: PLR0124 -- NaN
        return _NOT_LISTED
    return str(value) or "-"


def alert_map_layers(
    alerts: NearRepeatAlerts,
    *,
    audience: Audience = "police",
    network: StreetNetwork | None = None,
) -> list[folium.FeatureGroup]:
    """
    Return the folium layers of the live zones (and, for the police, their events).

    Parameters
    ----------
    alerts
        The live zones (EPSG:27700).
    audience
        ``"police"`` shows the zones as circles with their events; partners the zones of
        :func:`alert_export_layers`.
    network
        The street network, to name the streets of partners' zones.

    Returns
    -------
    list of folium.FeatureGroup
        The zones layer, then (police) the events layer; empty groups without zones.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid.
    ParameterError
        For the public.
    """
    layers = alert_export_layers(alerts, audience=audience, network=network)
    zones = layers["near_repeat_zones"]
    if zones.empty:
        return [folium.FeatureGroup(name="Near-repeat zones")]
    until = "expires" if audience == "police" else "live_until"
    props: dict[str, Any] = {
        "zone_id": zones["zone_id"].astype("int64").to_numpy(),
        "until": [html.escape(str(v)) for v in zones[until]],
        "streets": [html.escape(_street_label(v)) for v in zones["streets"]],
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


SHARED_KNOX_NOTE: Final = (
    "Pairs and events are counted for the police only: the number of events tested, given in "
    "files made on consecutive days, would tell the events of each day."
)
"""What partners' near-repeat files and packs say in place of the Knox test's counts."""

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


def knox_grid(result: KnoxResult, *, pairs: bool = True) -> pd.DataFrame:
    """
    Return the Knox table as a grid of display text, one row per distance band.

    Each cell reads ``"1.37 (676 / 493)"``: the Knox ratio, then the observed and expected
    pairs, with ``*`` after the ratio when the cell is significant; ``"-"`` where no pair was
    expected. Colour it with :func:`knox_cell_colour`.

    Parameters
    ----------
    result
        The Knox test.
    pairs
        Show the observed and expected pairs; False for the ratio and star alone (``"1.37*"``),
        for partners: a pair count of 1 or 2 in a small area says which homes were burgled
        twice, and the ratio with the expected pairs would give it back.

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
            counts = (
                f" ({int(result.observed[r, c]):,} / {float(result.expected[r, c]):,.0f})"
                if pairs
                else ""
            )
            row.append(f"{ratio:.2f}{star}{counts}")
        rows.append(row)
    return pd.DataFrame(
        rows, index=list(result.distance_labels), columns=list(result.time_labels), dtype="str"
    )


def knox_run_text(workload: KnoxWorkload, *, permutations: int) -> str:
    """
    Say what a Knox test will count, roughly how long it takes and its smallest p-value.

    Parameters
    ----------
    workload
        The estimate (:func:`hotspots.knox.knox_workload`).
    permutations
        The shuffles chosen.

    Returns
    -------
    str
        One paragraph; when the run is long (:meth:`~hotspots.knox.KnoxWorkload.is_long`), how
        to make it shorter.

    Examples
    --------
    >>> from hotspots.knox import KnoxWorkload
    >>> w = KnoxWorkload(n_events=20425, n_pairs=703909, distance_m=400.0,
    ...                  seconds_per_shuffle=0.0028)
    >>> knox_run_text(w, permutations=999)  # doctest: +NORMALIZE_WHITESPACE
    '20,425 events, 703,909 pairs of them within 400 m: 999 shuffles of the dates take
    roughly 3 s. The smallest p-value 999 shuffles can give is 0.001 (1 / (999 + 1)).'
    """
    seconds = workload.seconds(permutations)
    took = f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"  # noqa: PLR2004
    text = (
        f"{workload.n_events:,} events, {workload.n_pairs:,} pairs of them within "
        f"{workload.distance_m:g} m: {permutations} shuffles of the dates take "
        f"{'under 1 s' if seconds < 1 else 'roughly ' + took}."
    )
    if workload.is_long(permutations):
        text += (
            " Choose one crime type (the near-repeat analysis is made for one: burglary above "
            "all), or fewer shuffles, for a quicker answer."
        )
    floor = 1 / (permutations + 1)
    return text + (
        f" The smallest p-value {permutations} shuffles can give is {floor:.3g} "
        f"(1 / ({permutations} + 1))."
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
    result: KnoxResult,
    alerts: NearRepeatAlerts | None,
    *,
    audience: Audience,
    network: StreetNetwork | None = None,
) -> dict[str, object]:
    """
    Return the briefing pack's near-repeat section, at the audience's detail.

    Every audience gets the verdict (outside the police without the number of events tested,
    :attr:`~hotspots.knox.KnoxResult.shared_verdict`); the police get the coloured Knox grid
    with its pair counts and partners the grid's ratios and significance only (no counts of
    pairs, :data:`SHARED_KNOX_NOTE`); the police get
    the live zones with their event counts, streets and expiry; partners the zones of
    :func:`alert_export_layers` (squares of the preset's cell, dated to the week); the public
    no grid and no zones.

    Parameters
    ----------
    result
        The Knox test of the pack's events.
    alerts
        The zones live on the meeting day, or None.
    audience
        Who the pack is for.
    network
        The pack's street network, to name the streets inside partners' zones (the police's
        zones carry the names ``alerts`` was drawn with); None leaves them "not listed".

    Returns
    -------
    dict
        ``verdict``, ``columns`` (time labels), ``grid`` (rows of ``(label, [(text, colour)])``),
        ``grid_note``, ``zones`` (rows of dicts), ``zones_date``, ``zone_note`` (plain text;
        the template escapes it).
    """
    grid_text = knox_grid(result, pairs=audience == "police")
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
                "streets": _street_label(z.streets),
                "until": str(z.expires),
            }
            for z in alerts.zones.itertuples()
        ]
        note = alerts.describe()
    elif alerts is not None and audience == "partner":
        shared = alert_export_layers(alerts, audience="partner", network=network)[
            "near_repeat_zones"
        ]
        word = _PERIOD_WORDS[zone_period(alert_preset("partner"))]
        zones = [
            {
                "zone": str(z),
                "events": "",
                "streets": _street_label(s),
                "until": f"{word} ending {u}",
            }
            for z, s, u in zip(
                shared["zone_id"], shared["streets"], shared["live_until"], strict=True
            )
        ]
        note = shared_zones_text(alerts, shared, audience="partner") + (
            " The zones are drawn without the events that made them."
        )
    return {
        "verdict": result.verdict if audience == "police" else result.shared_verdict,
        "columns": list(result.time_labels),
        "grid": grid,
        "grid_note": "" if audience == "police" else SHARED_KNOX_NOTE,
        "zones": zones,
        "zones_date": alerts.on.isoformat() if alerts is not None else "",
        "zone_note": note,
    }
