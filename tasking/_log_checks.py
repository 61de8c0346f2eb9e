"""
Checks of what callers give the tasking log: users, text, choices, dates, geometries.

Private to :mod:`tasking.store`. Each check returns the cleaned value or raises a
:class:`~spatial.errors.PatchmapError` subclass whose message says what to fix.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from spatial.crs import BNG, GB_BOUNDS_M
from spatial.errors import InvalidGeometryError, OutsideGreatBritainError, ParameterError
from tasking._log_schema import MAX_USER

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tasking._log_schema import AreaKind

MAX_DEGREES: Final = 180.0
"""Coordinates all this close to 0 are longitude/latitude, not BNG metres (which are 0 only
in the sea south-west of the Isles of Scilly)."""


def is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_user(user: object) -> str:
    cleaned = user.strip() if isinstance(user, str) else ""
    if not cleaned or len(cleaned) > MAX_USER:
        msg = f"user must name who is making the change (1-{MAX_USER} characters); found {user!r}."
        raise ParameterError(msg)
    return cleaned


def check_text(
    value: object, name: str, *, required: bool = False, max_len: int | None = None
) -> str:
    if not isinstance(value, str):
        msg = f"{name} must be text; found {value!r}."
        raise ParameterError(msg)
    cleaned = value.strip()
    if required and not cleaned:
        msg = f"{name} must not be empty."
        raise ParameterError(msg)
    if max_len is not None and len(cleaned) > max_len:
        msg = f"{name} is {len(cleaned)} characters long; shorten it to {max_len} or fewer."
        raise ParameterError(msg)
    return cleaned


def check_choice(value: str, choices: Sequence[str], name: str) -> str:
    if value not in choices:
        msg = f"{name} must be one of {', '.join(choices)}; found {value!r}."
        raise ParameterError(msg)
    return value


def check_date(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        msg = f"{name} must be a date (YYYY-MM-DD); found {value!r}."
        raise ParameterError(msg)
    return value


def text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def check_geometry(geometry: object, kind: AreaKind) -> str:
    label = "EVA route" if kind == "eva_route" else kind.replace("_", " ")
    if not isinstance(geometry, BaseGeometry) or geometry.is_empty:
        msg = f"The {label} geometry is empty or not a shapely geometry: {geometry!r}."
        raise InvalidGeometryError(msg)
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        msg = f"The {label} geometry is invalid ({reason}); repair it with shapely.make_valid."
        raise InvalidGeometryError(msg)
    wanted = (
        ("LineString", "MultiLineString") if kind == "eva_route" else ("Polygon", "MultiPolygon")
    )
    if geometry.geom_type not in wanted:
        article = "An" if label.startswith("EVA") else "A"
        msg = f"{article} {label} must be a {' or '.join(wanted)}; found {geometry.geom_type}."
        raise InvalidGeometryError(msg)
    check_in_gb(geometry, label=f"The {label}", stored="Areas")
    return shapely.to_wkt(geometry, rounding_precision=3)


def check_in_gb(geometry: BaseGeometry, *, label: str, stored: str) -> None:
    """Refuse coordinates that are not BNG metres inside Great Britain (e.g. lon/lat)."""
    min_x, min_y, max_x, max_y = geometry.bounds
    gb = GB_BOUNDS_M
    looks_like_degrees = (
        max(abs(min_x), abs(max_x)) <= MAX_DEGREES and max(abs(min_y), abs(max_y)) <= MAX_DEGREES
    )
    outside = min_x < gb[0] or min_y < gb[1] or max_x > gb[2] or max_y > gb[3]
    if looks_like_degrees or outside:
        where = (
            f"at {min_x:.1f}, {min_y:.1f}"
            if (min_x, min_y) == (max_x, max_y)
            else f"bounds {min_x:.1f}, {min_y:.1f}, {max_x:.1f}, {max_y:.1f}"
        )
        msg = (
            f"{label} lies outside Great Britain in British National Grid metres ({where}). "
            f"{stored} are stored in {BNG}: reproject longitude/latitude with "
            f"to_crs('{BNG}') first."
        )
        raise OutsideGreatBritainError(msg)


def check_stops(stops: object) -> str:
    """Validate an EVA route's stops (a MultiPoint or points in visiting order); return WKT."""
    if isinstance(stops, Point):
        stops = MultiPoint([stops])
    elif not isinstance(stops, BaseGeometry | str) and hasattr(stops, "__iter__"):
        points = list(stops)
        bad = [s for s in points if not isinstance(s, Point) or s.is_empty]
        if bad or not points:
            msg = f"EVA route stops must be shapely Points; found {bad[0] if bad else 'none'!r}."
            raise InvalidGeometryError(msg)
        stops = MultiPoint(points)
    if not isinstance(stops, MultiPoint) or stops.is_empty:
        msg = (
            "EVA route stops must be a non-empty MultiPoint (or a list of Points) in visiting "
            f"order; found {stops!r}."
        )
        raise InvalidGeometryError(msg)
    check_in_gb(stops, label="The EVA route stops", stored="Stops")
    return shapely.to_wkt(stops, rounding_precision=3)


def check_point(point: object) -> tuple[float, float]:
    """Validate a finding's location; return its (x_m, y_m) rounded to the millimetre."""
    if not isinstance(point, Point) or point.is_empty:
        msg = (
            "point must be a shapely Point in British National Grid metres "
            f"(e.g. Point(545200, 258300)); found {point!r}."
        )
        raise InvalidGeometryError(msg)
    check_in_gb(point, label="The finding location", stored="Findings")
    return round(float(point.x), 3), round(float(point.y), 3)
