"""
Near-repeat alerts: the risk zones that are live on a chosen date.

After a burglary the homes around it run a raised risk for a few weeks (Townsley, Homel and
Chaseling 2003; Johnson and Bowers 2004). Each event draws a circle of the near-repeat distance
around itself, live from its date until the near-repeat time has passed; on a chosen date the
live circles are merged where they overlap. Each merged zone lists the events that made it, the
date it expires (when its last circle lapses) and, where a street network is loaded, the street
segments inside it: the doors to knock on for "cocooning" visits.

The distance and time come from a Knox test (:func:`alerts_from_knox`) or from the user.

Zones shared outside the police (:func:`partner_zones`) are drawn again from coarse facts alone:
each event's square of the audience's lattice and the week (or month) it fell in, so neither
the outline nor the date nor the streets named can place an event more finely than that.

An event is dated by the day of its ``end`` (the latest it can have happened: a burglary found
after a weekend is known by then); its circle is live on that day and the ``days`` after it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from boundaries.select import crime_type_mask
from hotspots.knox import knox_test, require_projected_m
from spatial.errors import CRSError, MissingColumnError, ParameterError
from spatial.grid import cells_holding

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt
    from shapely.geometry.base import BaseGeometry

    from hotspots.knox import KnoxResult
    from spatial.network import StreetNetwork

__all__ = [
    "DEFAULT_NEAR_REPEAT_DAYS",
    "DEFAULT_NEAR_REPEAT_DISTANCE_M",
    "NO_STREETS_NOTE",
    "PACK_MIN_EVENTS",
    "ZONE_PERIODS",
    "NearRepeatAlerts",
    "ZonePeriod",
    "alerts_from_knox",
    "last_whole_period_end",
    "near_repeat_alerts",
    "no_zones_message",
    "pack_near_repeat",
    "partner_zones",
    "period_end",
]

DEFAULT_NEAR_REPEAT_DISTANCE_M: Final = 200.0
"""Radius of a risk zone when no Knox result is given (the usual cocooning radius)."""
DEFAULT_NEAR_REPEAT_DAYS: Final = 14
"""Days a risk zone stays live when no Knox result is given."""
ZonePeriod = Literal["day", "week", "month"]
"""The finest time a shared zone's events may be known to (weeks run Monday to Sunday)."""
ZONE_PERIODS: Final[tuple[ZonePeriod, ...]] = get_args(ZonePeriod)
"""Every zone period, finest first."""
NO_STREETS_NOTE: Final = (
    "No street network was given, so the streets inside the zones are not listed (streets, "
    "n_street_segments and street_length_m are left empty): street names need a network."
)
"""The note of zones drawn without a street network."""
_LONGEST_PERIOD_DAYS: Final = 31
"""Days in the longest :data:`ZonePeriod` (a month): how far before a zone's lapse its
coarsely dated events may lie."""
PACK_MIN_EVENTS: Final = 30
"""Fewest events of the crime type a briefing pack runs the Knox test on."""
_MAX_STREETS_NAMED: Final = 4
_CIRCLE_SEGMENTS: Final = 16


def _day(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"The alert date must be YYYY-MM-DD; found {value!r}."
        raise ParameterError(msg) from None


@dataclass(frozen=True)
class NearRepeatAlerts:
    """
    The live near-repeat risk zones on one date.

    Attributes
    ----------
    on
        The date the zones are live on.
    distance_m
        Radius of each event's circle, in metres.
    days
        Days each circle stays live after its event's date.
    zones
        One row per merged zone (the events' CRS), largest first: ``zone_id`` (1..n),
        ``n_events``, ``first_event`` and ``last_event`` (dates), ``expires`` (the last day any of
        its circles is live), ``incident_ids`` (comma-separated), ``streets`` (names inside; ""
        when no street is, None without a network), ``n_street_segments`` and
        ``street_length_m`` (null without a network), ``area_m2`` and the polygon.
    events
        The events whose circles are live: ``incident_id``, ``crime_type``, ``event_date``,
        ``expires``, ``zone_id`` and the point, with the input index.
    streets
        Street segments inside the zones, clipped to them: ``zone_id``, ``name``,
        ``length_m`` and the line (empty without a network).
    recent
        Every event of the chosen types known on ``on`` and dated no more than ``days`` plus
        a month before it: ``incident_id``, ``event_date`` and the point. A zone shared by week
        or month (:func:`partner_zones`) may still be live for events whose own circle has
        lapsed, and is drawn from these.
    source
        Where the distance and time came from (a Knox verdict or "set by the user").
    shared_source
        ``source`` as files outside the police give it (a Knox verdict without the number of
        events tested, :attr:`~hotspots.knox.KnoxResult.shared_verdict`); None when ``source``
        holds no count. Read it with :attr:`source_shared`.
    notes
        Sentences for the user.
    streets_listed
        Whether a street network named the streets inside the zones.
    """

    on: dt.date
    distance_m: float
    days: int
    zones: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    recent: gpd.GeoDataFrame
    source: str
    notes: tuple[str, ...] = ()
    streets_listed: bool = False
    shared_source: str | None = None

    @property
    def source_shared(self) -> str:
        """Where the distance and time came from, as partners' files may say it."""
        return self.source if self.shared_source is None else self.shared_source

    @property
    def n_zones(self) -> int:
        """Number of live zones."""
        return len(self.zones)

    def action_texts(self) -> tuple[str, ...]:
        """
        Return one proposed action per zone, for the tasking log.

        Returns
        -------
        tuple of str
            E.g. "Cocooning visits, 200 m around 3 burglaries near High Street and Mill
            Road, until 2025-03-14."
        """
        out = []
        for n_events, streets, expires in zip(
            self.zones["n_events"], self.zones["streets"], self.zones["expires"], strict=True
        ):
            where = f" near {streets}" if streets else ""
            out.append(
                f"Cocooning visits (neighbours' doors, crime prevention advice), "
                f"{self.distance_m:g} m around {int(n_events)} recent event(s){where}, "
                f"until {expires!s}."
            )
        return tuple(out)

    def describe(self) -> str:
        """
        Say in one sentence what is live.

        Returns
        -------
        str
            E.g. "On 2025-03-01, 3 near-repeat zones are live (200 m, 14 days after each
            event), made by 7 events; the last expires on 2025-03-14."
        """
        if self.zones.empty:
            return (
                f"On {self.on}, no near-repeat zone is live: no event in the "
                f"{self.days} days up to it."
            )
        return (
            f"On {self.on}, {self.n_zones} near-repeat zone(s) are live ({self.distance_m:g} m, "
            f"{self.days} days after each event), made by {len(self.events)} event(s); the "
            f"first expires on {min(self.zones['expires'])}, the last on "
            f"{max(self.zones['expires'])}."
        )


def _live_events(
    events: gpd.GeoDataFrame, on: dt.date, days: int, crime_types: Sequence[str] | None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the events whose circles are live on ``on``, and the recent events known then."""
    missing = [c for c in ("end",) if c not in events.columns]
    if missing:
        msg = (
            f"The events lack column(s) {', '.join(missing)}; found {', '.join(map(str, events))}."
            " Read force extracts with spatial.incidents.read_incidents."
        )
        raise MissingColumnError(msg)
    frame = events
    if crime_types:
        if "crime_type" not in frame.columns:
            msg = "The events have no crime_type column to select crime types from."
            raise MissingColumnError(msg)
        frame = frame[crime_type_mask(frame["crime_type"], crime_types)]
    event_date = pd.to_datetime(frame["end"]).dt.normalize()
    day = pd.Timestamp(on)
    known = (event_date <= day).to_numpy()
    live = known & (event_date + pd.Timedelta(days=days) >= day).to_numpy()
    recent = known & (event_date + pd.Timedelta(days=days + _LONGEST_PERIOD_DAYS) >= day).to_numpy()
    out = frame.loc[recent].copy()
    out["event_date"] = [d.date() for d in event_date[recent]]
    out["expires"] = [d + dt.timedelta(days=days) for d in out["event_date"]]
    if "incident_id" not in out.columns:
        out["incident_id"] = out.index.astype(str)
    if "crime_type" not in out.columns:
        out["crime_type"] = ""
    columns = ["incident_id", "crime_type", "event_date", "expires"]
    out = gpd.GeoDataFrame(out[columns], geometry=out.geometry, crs=events.crs)
    return out.loc[live[recent]], out[["incident_id", "event_date", "geometry"]]


def _street_summary(names: Sequence[str]) -> str:
    counts = pd.Series(list(names), dtype="str").value_counts(sort=True)
    named = [str(n) for n in counts.index if n and not str(n).startswith("(")]
    shown = named[:_MAX_STREETS_NAMED]
    if not shown:
        return ""
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    more = len(named) - len(shown)
    return text + (f" (+{more} more)" if more > 0 else "")


def _streets_inside(zones: gpd.GeoDataFrame, network: StreetNetwork) -> gpd.GeoDataFrame:
    pieces: list[dict[str, object]] = []
    geoms: list[shapely.Geometry] = []
    for zone_id, polygon in zip(zones["zone_id"], zones.geometry, strict=True):
        hits = network.edge_tree.query(polygon, predicate="intersects")
        for edge in np.asarray(hits, dtype=np.int64):
            clipped = shapely.intersection(network.edge_geometry[edge], polygon)
            if clipped.is_empty or clipped.length <= 0:
                continue
            pieces.append(
                {
                    "zone_id": int(zone_id),
                    "name": network.edge_name[edge],
                    "length_m": float(clipped.length),
                }
            )
            geoms.append(clipped)
    frame = pd.DataFrame(pieces, columns=["zone_id", "name", "length_m"])
    return gpd.GeoDataFrame(
        frame.astype({"zone_id": "int64", "name": "str", "length_m": "float64"}),
        geometry=geoms,
        crs=zones.crs,
    )


def _with_streets(zones: gpd.GeoDataFrame, streets: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Add each zone's street names, segment count and length; null without a network."""
    if streets is None:
        return zones.assign(
            streets=pd.Series([None] * len(zones), index=zones.index, dtype="object"),
            n_street_segments=pd.Series(pd.NA, index=zones.index, dtype="Int64"),
            street_length_m=pd.Series(np.nan, index=zones.index, dtype="float64"),
        )
    by_zone = streets.groupby("zone_id")
    names, counts, lengths = [], [], []
    for z in zones["zone_id"]:
        mine = by_zone.get_group(z) if z in by_zone.groups else streets.iloc[:0]
        names.append(_street_summary(list(mine["name"])))
        counts.append(len(mine))
        lengths.append(float(mine["length_m"].sum()))
    return zones.assign(
        streets=pd.Series(names, index=zones.index, dtype="object"),
        n_street_segments=pd.Series(counts, index=zones.index, dtype="Int64"),
        street_length_m=pd.Series(lengths, index=zones.index, dtype="float64"),
    )


def _merge_zones(
    live: gpd.GeoDataFrame, distance_m: float
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Merge the live events' circles; return the zones and the events with their zone_id."""
    circles = shapely.buffer(
        np.asarray(live.geometry.array), distance_m, quad_segs=_CIRCLE_SEGMENTS
    )
    merged = shapely.union_all(circles) if len(circles) else shapely.Polygon()
    polygons = list(shapely.get_parts(merged)) if not merged.is_empty else []
    polygons.sort(key=lambda p: (-p.area, p.centroid.x, p.centroid.y))
    zone_of = np.zeros(len(live), dtype=np.int64)
    if polygons:
        tree = shapely.STRtree(polygons)
        pts, polys = tree.query(np.asarray(live.geometry.array), predicate="intersects")
        zone_of[pts] = polys + 1
    live = live.assign(zone_id=zone_of)
    rows = []
    for k, polygon in enumerate(polygons, start=1):
        mine = live[live["zone_id"] == k]
        rows.append(
            {
                "zone_id": k,
                "n_events": len(mine),
                "first_event": min(mine["event_date"]),
                "last_event": max(mine["event_date"]),
                "expires": max(mine["expires"]),
                "incident_ids": ", ".join(map(str, mine["incident_id"])),
                "area_m2": float(polygon.area),
            }
        )
    columns = [
        "zone_id",
        "n_events",
        "first_event",
        "last_event",
        "expires",
        "incident_ids",
        "area_m2",
    ]
    zones = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=polygons, crs=live.crs)
    zones = zones.astype({"zone_id": "int64", "n_events": "int64", "area_m2": "float64"})
    return zones, live


def near_repeat_alerts(
    events: gpd.GeoDataFrame,
    *,
    on: dt.date | str,
    distance_m: float = DEFAULT_NEAR_REPEAT_DISTANCE_M,
    days: int = DEFAULT_NEAR_REPEAT_DAYS,
    network: StreetNetwork | None = None,
    crime_types: Sequence[str] | None = None,
    source: str = "set by the user",
    shared_source: str | None = None,
) -> NearRepeatAlerts:
    """
    Build the near-repeat risk zones live on date ``on``.

    Parameters
    ----------
    events
        Dated events (a force extract's ``events``) in a projected CRS in metres, with ``end``
        and, if present, ``incident_id`` and ``crime_type``.
    on
        The date, ``YYYY-MM-DD`` or a date. Events after it are ignored (not yet known).
    distance_m
        Radius of each event's risk zone, in metres.
    days
        Days the zone stays live after the event's date (live on the event's date and the
        ``days`` days after it).
    network
        The street network (British National Grid, so the events must be too); None lists no
        streets.
    crime_types
        Only events of these types; None for all.
    source
        Where ``distance_m`` and ``days`` came from, for the record.
    shared_source
        ``source`` as files outside the police may give it, when it holds what they may not
        (a Knox verdict's number of events: :attr:`~hotspots.knox.KnoxResult.shared_verdict`);
        None when ``source`` may be shared as it is.

    Returns
    -------
    NearRepeatAlerts
        The merged zones, their events and streets.

    Raises
    ------
    CRSError
        When the events are not in a projected CRS in metres, or differ from the network's.
    MissingColumnError
        Without an ``end`` column.
    ParameterError
        When ``distance_m`` or ``days`` is not positive, or ``on`` is not a date.

    References
    ----------
    Johnson, S. D. and Bowers, K. J. (2004). The burglary as clue to the future: the beginnings
    of prospective hot-spotting. European Journal of Criminology 1(2), 237-255.
    """
    require_projected_m(events, name="events")
    day = _day(on)
    if not (math.isfinite(distance_m) and distance_m > 0) or days < 0:
        msg = (
            f"distance_m must be above 0 and days at least 0; found {distance_m} m and {days} days."
        )
        raise ParameterError(msg)
    if network is not None and (events.crs is None or events.crs != network.crs):
        msg = (
            f"The street network is in {network.crs} but the events are in {events.crs}. "
            "Read both in British National Grid."
        )
        raise CRSError(msg)
    live, recent = _live_events(events, day, days, crime_types)
    zones, live = _merge_zones(live, distance_m)
    columns = ["zone_id", "n_events", "first_event", "last_event", "expires", "incident_ids"]
    streets = gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "zone_id": pd.Series(dtype="int64"),
                "name": pd.Series(dtype="str"),
                "length_m": pd.Series(dtype="float64"),
            }
        ),
        geometry=[],
        crs=events.crs,
    )
    notes = []
    if network is not None and len(zones):
        streets = _streets_inside(zones, network)
    elif network is None:
        notes.append(NO_STREETS_NOTE)
    zones = _with_streets(zones, streets if network is not None else None)
    order = [*columns, "streets", "n_street_segments", "street_length_m", "area_m2", "geometry"]
    return NearRepeatAlerts(
        on=day,
        distance_m=float(distance_m),
        days=int(days),
        zones=zones[order],
        events=live,
        streets=streets,
        recent=recent,
        source=source,
        notes=tuple(notes),
        streets_listed=network is not None,
        shared_source=shared_source,
    )


def no_zones_message(knox: KnoxResult) -> str:
    """
    Say that a Knox test found no near repeat to size zones from, and what to do instead.

    Parameters
    ----------
    knox
        A result without a near-repeat distance.

    Returns
    -------
    str
        The message of :func:`alerts_from_knox`'s refusal (and of the app's Live risk zones).
    """
    return (
        "The Knox test found no near repeat to draw zones from ("
        + knox.verdict.rstrip(".")
        + "). Set the distance and days by hand if you still want zones."
    )


def alerts_from_knox(
    events: gpd.GeoDataFrame,
    knox: KnoxResult,
    *,
    on: dt.date | str,
    network: StreetNetwork | None = None,
    crime_types: Sequence[str] | None = None,
) -> NearRepeatAlerts:
    """
    Build the live zones with the near-repeat distance and time a Knox test found.

    Parameters
    ----------
    events
        As for :func:`near_repeat_alerts`.
    knox
        The Knox result; its :attr:`~hotspots.knox.KnoxResult.near_repeat_distance_m` and
        :attr:`~hotspots.knox.KnoxResult.near_repeat_days` set the zones.
    on, network, crime_types
        As for :func:`near_repeat_alerts`.

    Returns
    -------
    NearRepeatAlerts
        The zones, with the Knox verdict as their ``source`` (and, without the number of
        events tested, their ``shared_source``).

    Raises
    ------
    ParameterError
        When the Knox test found no near repeat (set the distance and time by hand instead).
    """
    distance = knox.near_repeat_distance_m
    days = knox.near_repeat_days
    if distance is None or days is None:
        raise ParameterError(no_zones_message(knox))
    return near_repeat_alerts(
        events,
        on=on,
        distance_m=distance,
        days=days,
        network=network,
        crime_types=crime_types,
        source=knox.verdict,
        shared_source=knox.shared_verdict,
    )


def period_end(day: dt.date, period: ZonePeriod) -> dt.date:
    """
    Return the last day of the day, week (Monday to Sunday) or month holding ``day``.

    Parameters
    ----------
    day
        Any date.
    period
        ``"day"``, ``"week"`` or ``"month"``.

    Returns
    -------
    datetime.date
        ``day`` itself, the Sunday ending its week, or the last day of its month.

    Examples
    --------
    >>> period_end(dt.date(2025, 3, 12), "week"), period_end(dt.date(2025, 3, 16), "week")
    (datetime.date(2025, 3, 16), datetime.date(2025, 3, 16))
    >>> period_end(dt.date(2024, 2, 3), "month"), period_end(dt.date(2025, 12, 31), "month")
    (datetime.date(2024, 2, 29), datetime.date(2025, 12, 31))
    """
    if period == "week":
        return day + dt.timedelta(days=6 - day.weekday())
    if period == "month":
        following = day.replace(day=28) + dt.timedelta(days=4)  # a day of the next month
        return following - dt.timedelta(days=following.day)
    return day


def last_whole_period_end(on: dt.date, period: ZonePeriod) -> dt.date:
    """
    Return the last day of the latest period that is over by the end of ``on``.

    Shared zones (:func:`partner_zones`) are drawn from the events of these periods only.

    Parameters
    ----------
    on
        The day the zones are drawn for.
    period
        ``"day"``, ``"week"`` or ``"month"``.

    Returns
    -------
    datetime.date
        ``on`` when a period ends on it, else the day before its period began.

    Examples
    --------
    >>> last_whole_period_end(dt.date(2025, 5, 20), "week")  # a Tuesday
    datetime.date(2025, 5, 18)
    >>> last_whole_period_end(dt.date(2025, 5, 18), "week"), last_whole_period_end(
    ...     dt.date(2025, 5, 20), "month")
    (datetime.date(2025, 5, 18), datetime.date(2025, 4, 30))
    """
    if period_end(on, period) == on:
        return on
    if period == "week":
        return on - dt.timedelta(days=on.weekday() + 1)
    return on.replace(day=1) - dt.timedelta(days=1)


def _coarse_lapse(
    recent: gpd.GeoDataFrame, *, on: dt.date, days: int, period: ZonePeriod
) -> tuple[npt.NDArray[np.bool_], list[dt.date]]:
    """
    Say which events make a shared zone on ``on``, and the day each one's zone lapses.

    An event is known only by its ``period``: its zone runs from the end of that period (once
    the period is over, so no event of an unfinished period betrays its day) to the end of the
    period holding that end plus ``days``. Both depend on the period alone, never the day.
    """
    ends = [period_end(d, period) for d in recent["event_date"]]
    lapses = [period_end(e + dt.timedelta(days=days), period) for e in ends]
    keep = np.array([e <= on <= u for e, u in zip(ends, lapses, strict=True)], dtype=bool)
    return keep, lapses


def _zone_parts(outline: BaseGeometry) -> list[shapely.Polygon]:
    parts = list(shapely.get_parts(outline)) if not outline.is_empty else []
    parts.sort(key=lambda p: (-p.area, p.centroid.x, p.centroid.y))
    return parts


def partner_zones(
    alerts: NearRepeatAlerts,
    *,
    cell_size_m: float,
    period: ZonePeriod,
    network: StreetNetwork | None = None,
) -> gpd.GeoDataFrame:
    """
    Return the zones as an audience outside the police may see them: squares and periods.

    The zones are drawn again from two coarse facts per event: its square on a ``cell_size_m``
    lattice anchored at the CRS origin, and the ``period`` (day, week or month) it fell in.

    * Where: around the centre of each event's square a circle of the zone's radius plus half
      a square's diagonal (so it holds the circle around the event itself, wherever in its
      square the event lies), replaced by the squares it meets (:func:`spatial.grid.
      cells_holding`); overlapping outlines merge into one zone. An event moved within its
      square changes nothing, so no zone places an event more finely than its square (a zone
      of one event is centred on that event's square).
    * When: only events of periods over by ``on`` count (an unfinished week would date its
      events to the days before ``on``), each live from its period's end to the end of the
      period holding that end plus ``days``, so it may outlast the event's own circle. An
      event moved within its period changes nothing either.
    * Streets: the names met by the squares (with ``network``), never those of the police
      zones, whose circles around the exact events would tell more.

    Parameters
    ----------
    alerts
        The live zones (with their :attr:`NearRepeatAlerts.recent` events).
    cell_size_m
        Side of the squares, in metres: the audience's finest cell (100 m for partners).
    period
        The finest time the audience may know events to: ``"day"``, ``"week"`` or ``"month"``.
    network
        The street network, to name the streets inside each zone; None leaves ``streets``
        null.

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone_id`` (1.., largest first), ``live_until`` (the last day of a period: a Sunday
        for weeks) and ``streets`` (null without a network), with the polygon, in the zones'
        CRS. No event point, count, reference or exact date.

    Raises
    ------
    ParameterError
        When ``cell_size_m`` is not positive or ``period`` unknown.
    CRSError
        When the network's CRS is not the zones'.
    """
    if not (math.isfinite(cell_size_m) and cell_size_m > 0) or period not in ZONE_PERIODS:
        msg = (
            f"Shared zones need a cell size above 0 m and a period of {', '.join(ZONE_PERIODS)}; "
            f"found {cell_size_m} m and {period!r}."
        )
        raise ParameterError(msg)
    crs = alerts.zones.crs
    if network is not None and network.crs != crs:
        msg = f"The street network is in {network.crs} but the zones are in {crs}."
        raise CRSError(msg)
    recent = alerts.recent
    keep, lapses = _coarse_lapse(recent, on=alerts.on, days=alerts.days, period=period)
    points = gpd.GeoSeries(recent.geometry.to_numpy()[keep], crs=crs)
    reach_m = alerts.distance_m + cell_size_m * math.sqrt(2) / 2  # holds every event's circle
    outline = (
        cells_holding(points, np.zeros(len(points)), cell_size_m=cell_size_m, grow_m=reach_m)
        if len(points)
        else gpd.GeoSeries([shapely.Polygon()], crs=crs)
    )
    parts = _zone_parts(outline.iloc[0])
    zone_ids = np.arange(1, len(parts) + 1, dtype=np.int64)
    live_until = [period_end(alerts.on, period)] * len(parts)
    if parts:
        centres = (np.floor(shapely.get_coordinates(points.to_numpy()) / cell_size_m) + 0.5) * (
            cell_size_m
        )
        event_of, part_of = shapely.STRtree(parts).query(
            shapely.points(centres), predicate="within"
        )
        kept_lapses = np.asarray(lapses, dtype=object)[keep]
        for event, part in zip(event_of, part_of, strict=True):
            live_until[part] = max(live_until[part], kept_lapses[event])
    zones = gpd.GeoDataFrame({"zone_id": zone_ids}, geometry=parts, crs=crs)
    named = _with_streets(zones, None if network is None else _streets_inside(zones, network))
    return gpd.GeoDataFrame(
        {
            "zone_id": zone_ids,
            "live_until": pd.Series(live_until, dtype="object"),
            "streets": named["streets"].to_numpy(),
        },
        geometry=parts,
        crs=crs,
    )


def pack_near_repeat(
    events: gpd.GeoDataFrame,
    *,
    on: dt.date | str,
    area: BaseGeometry | None = None,
    crime_type: str = "Burglary",
    permutations: int = 999,
    seed: int = 0,
    network: StreetNetwork | None = None,
) -> tuple[KnoxResult, NearRepeatAlerts | None] | None:
    """
    Return a briefing pack's near-repeat content: the Knox test and the zones live on ``on``.

    The one recipe the CLI and the app both use: the events of ``crime_type`` inside ``area``
    known before ``on`` are tested, and when they show a near repeat its zones live on ``on``
    are drawn.

    Parameters
    ----------
    events
        Dated events (a force extract's ``events``); without ``start``/``end`` columns the data
        have no dates and None is returned.
    on
        The meeting day.
    area
        The pack's wards (one polygon) in the events' CRS; None for all events.
    crime_type
        The crime type tested (burglary: the near-repeat crime).
    permutations, seed
        The Knox test's shuffles.
    network
        The street network, for the streets inside the zones.

    Returns
    -------
    tuple or None
        ``(knox, alerts)`` with ``alerts`` None without a near repeat; None when the data have
        no dates or fewer than :data:`PACK_MIN_EVENTS` such events.
    """
    if not {"start", "end", "crime_type"} <= set(events.columns):
        return None
    day = _day(on)
    chosen = events.loc[
        (events["crime_type"] == crime_type)
        & (pd.to_datetime(events["end"]) < pd.Timestamp(day) + pd.Timedelta(days=1))
    ]
    if area is not None:
        chosen = chosen.loc[chosen.within(area)]
    if len(chosen) < PACK_MIN_EVENTS:
        return None
    subject = "burglaries" if crime_type == "Burglary" else f"{crime_type.lower()} events"
    knox = knox_test(chosen, permutations=permutations, seed=seed, subject=subject)
    if knox.near_repeat_distance_m is None:
        return knox, None
    return knox, alerts_from_knox(chosen, knox, on=day, network=network)
