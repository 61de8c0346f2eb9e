"""
Co-location sites (police, council, fire, housing, one-stop shops) and other point files.

A site table is a GeoDataFrame in EPSG:27700 with exactly the columns of :data:`SITE_COLUMNS`:
``name``, ``kind`` (one of :data:`SITE_KINDS`), ``public_facing`` (nullable boolean: <NA> when
unknown), ``opening_notes`` and ``geometry`` (points). Sites come from a CSV (longitude/latitude
or easting/northing columns) or any vector file GDAL reads (GeoJSON, GeoPackage), or are added
one at a time with :func:`add_site`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial._vector import read_vector
from spatial.crs import BNG, BNG_EPSG, WGS84, require_bng
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    OutsideGreatBritainError,
)
from spatial.validate import (
    check_readable,
    decode_text,
    in_gb_land,
    read_csv_text,
    source_bytes,
)

if TYPE_CHECKING:
    import numpy.typing as npt
    from shapely import Point

__all__ = [
    "SITE_COLUMNS",
    "SITE_KINDS",
    "PointSource",
    "SiteKind",
    "add_site",
    "point_row",
    "read_points",
    "read_sites",
    "validate_sites",
]

SiteKind = Literal["police", "council", "fire", "housing", "one-stop shop"]
"""The kinds of co-location site."""
SITE_KINDS: Final[tuple[SiteKind, ...]] = get_args(SiteKind)
"""Every allowed ``kind``, in display order."""
SITE_COLUMNS: Final = ("name", "kind", "public_facing", "opening_notes", "geometry")
"""The columns of a validated site table, in order."""
PointSource = str | Path | tuple[str, bytes]
"""A path to a CSV or vector file, or an uploaded file as (name, bytes)."""

_KIND_ALIASES: Final[dict[str, SiteKind]] = {
    "police station": "police",
    "council office": "council",
    "fire station": "fire",
    "fire and rescue": "fire",
    "housing office": "housing",
    "one stop shop": "one-stop shop",
    "one-stop-shop": "one-stop shop",
    "onestop shop": "one-stop shop",
    "one_stop_shop": "one-stop shop",
}
_TRUE: Final = frozenset({"yes", "y", "true", "t", "1", "public"})
_FALSE: Final = frozenset({"no", "n", "false", "f", "0", "private"})
_LONLAT_PAIRS: Final = (("lon", "lat"), ("longitude", "latitude"), ("lng", "lat"))
_METRE_PAIRS: Final = (("easting", "northing"), ("x", "y"))


def point_row(source: str, position: int) -> str:
    """
    Name a point of a file as the user finds it there, as the crime reader names its rows.

    A CSV's points are named by their line (the header is row 1, so the first point is row 2),
    as :func:`spatial.io.load_crimes` names a crime; a GeoJSON or GeoPackage has no lines, so its
    points are named by their place in it (feature 1 first); points not read from a file
    (``source`` with no extension) by their place among the points (point 1 first).

    Parameters
    ----------
    source
        The file's name (or what the points are, when they come from no file).
    position
        The point's place in the file, 0 for the first.

    Returns
    -------
    str
        E.g. ``"row 3"``, ``"feature 2"`` or ``"point 2"``.

    Examples
    --------
    >>> point_row("sites.csv", 1), point_row("stops.geojson", 1), point_row("sites", 1)
    ('row 3', 'feature 2', 'point 2')
    """
    suffix = Path(source).suffix.lower()
    if suffix in {".csv", ".txt"}:
        return f"row {position + 2}"
    return f"feature {position + 1}" if suffix else f"point {position + 1}"


def _name(source: PointSource) -> str:
    return source[0] if isinstance(source, tuple) else Path(source).name


def _read_csv_points(text: str, *, name: str, what: str) -> gpd.GeoDataFrame:
    hint = "Use lon,lat (degrees) or easting,northing (metres) columns, one row per site."
    frame = read_csv_text(text, source=name, hint=hint, dtype=None)
    lower = {str(c).strip().lower(): c for c in frame.columns}
    for pairs, crs in ((_LONLAT_PAIRS, WGS84), (_METRE_PAIRS, BNG)):
        for x_name, y_name in pairs:
            if x_name in lower and y_name in lower:
                x = pd.to_numeric(frame[lower[x_name]], errors="coerce").to_numpy(np.float64)
                y = pd.to_numeric(frame[lower[y_name]], errors="coerce").to_numpy(np.float64)
                bad = np.isnan(x) | np.isnan(y)
                if bad.any():
                    first = int(np.flatnonzero(bad)[0])
                    msg = (
                        f"{name}: {int(bad.sum())} {what} have no coordinates (first: "
                        f"{point_row(name, first)}). Fill in {lower[x_name]} and {lower[y_name]}."
                    )
                    raise InputDataError(msg)
                rest = frame.drop(columns=[lower[x_name], lower[y_name]])
                return gpd.GeoDataFrame(rest, geometry=gpd.points_from_xy(x, y), crs=crs)
    msg = (
        f"{name}: no coordinate columns; found {', '.join(map(str, frame.columns))}. "
        "Add lon and lat (degrees) or easting and northing (metres, EPSG:27700) columns."
    )
    raise MissingColumnError(msg)


def _read_vector(source: PointSource, *, name: str, what: str) -> gpd.GeoDataFrame:
    """
    Read a vector file of points: its one layer (a file of several layers is refused, naming them).

    Read as boundaries are (:func:`spatial._vector.read_vector`): a .zip is searched at any depth,
    and a geometry that cannot be read (a ring not closed) is named by its feature.
    """
    given = source if isinstance(source, tuple) else Path(source)
    frame = read_vector(
        given, what=what, wanted=None, formats="Use CSV, GeoJSON or GeoPackage."
    ).frame
    if not isinstance(frame, gpd.GeoDataFrame):  # GDAL read a table without geometry
        msg = f"{name}: holds no geometries. Use a CSV with lon,lat columns, GeoJSON or GeoPackage."
        raise InputDataError(msg)
    if frame.crs is None:
        msg = f"{name}: the {what} have no CRS. Save them with one (EPSG:4326 or EPSG:27700)."
        raise CRSError(msg)
    return frame


def read_points(source: PointSource, *, what: str = "points") -> gpd.GeoDataFrame:
    """
    Read a file of points into EPSG:27700, checking every point lies in Great Britain.

    Parameters
    ----------
    source
        A CSV with ``lon``/``lat`` (or ``longitude``/``latitude``) in degrees or
        ``easting``/``northing`` (or ``x``/``y``) in metres; or a GeoJSON/GeoPackage of points;
        or an uploaded file as (name, bytes).
    what
        What the points are, used in messages ("co-location sites", "stops").

    Returns
    -------
    geopandas.GeoDataFrame
        Every attribute column of the file, a ``geometry`` of points in EPSG:27700 and a fresh
        ``RangeIndex`` (row 0 is the file's first point).

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, has no coordinates or holds other geometries.
    EmptyInputError
        When it holds no rows.
    OutsideGreatBritainError
        When points lie outside Great Britain (often swapped coordinates).
    """
    name = _name(source)
    if not isinstance(source, tuple):
        check_readable(source, what=what)
    if name.lower().endswith((".csv", ".txt")):
        name, data = source_bytes(source, what=what)
        advice = f"Use a CSV of {what} with lon,lat or easting,northing columns, or GeoJSON."
        frame = _read_csv_points(
            decode_text(data, source=name, advice=advice), name=name, what=what
        )
    else:
        frame = _read_vector(source, name=name, what=what)
    if len(frame) == 0:
        msg = f"{name}: the file holds no {what}."
        raise EmptyInputError(msg)
    types = shapely.get_type_id(frame.geometry.to_numpy())
    if (types != 0).any():
        first = int(np.flatnonzero(types != 0)[0])
        msg = (
            f"{name}: {what} must be points; {point_row(name, first)} is a "
            f"{frame.geometry.iloc[first].geom_type if frame.geometry.iloc[first] else 'missing'}"
            " geometry. Use points (centroids of polygons)."
        )
        raise InputDataError(msg)
    crs = frame.crs
    out = frame if crs is not None and crs.to_epsg() == BNG_EPSG else frame.to_crs(BNG)
    x = shapely.get_x(out.geometry.to_numpy())
    y = shapely.get_y(out.geometry.to_numpy())
    if crs is not None and crs.to_epsg() == BNG_EPSG and _looks_like_degrees(x, y):
        msg = (
            f"{name}: the {what} are declared as metres (EPSG:27700) but every coordinate is "
            "within +-180/+-90: they are probably longitude/latitude. Name the columns lon and "
            "lat, or save the file in EPSG:4326."
        )
        raise CRSError(msg)
    inside = in_gb_land(x, y)
    if not inside.all():
        first = int(np.flatnonzero(~inside)[0])
        src_x = float(shapely.get_x(frame.geometry.iloc[first]))
        src_y = float(shapely.get_y(frame.geometry.iloc[first]))
        msg = (
            f"{name}: {int((~inside).sum())} {what} lie outside Great Britain (first: "
            f"{point_row(name, first)}, {src_x:.4f}, {src_y:.4f} in {crs}). Check that the "
            "coordinates are not "
            "swapped and the CRS is right."
        )
        raise OutsideGreatBritainError(msg)
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=BNG)


def _looks_like_degrees(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> bool:
    return bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))  # noqa: PLR2004  # degrees


def _kind(value: object) -> SiteKind | None:
    text = " ".join(str(value).strip().lower().replace("_", " ").split())
    for kind in SITE_KINDS:
        if text == kind:
            return kind
    return _KIND_ALIASES.get(text)


def _public(value: object) -> bool | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def validate_sites(sites: gpd.GeoDataFrame, *, source: str = "sites") -> gpd.GeoDataFrame:
    """
    Check and normalise a table of co-location sites.

    Parameters
    ----------
    sites
        Points in EPSG:27700 with ``name`` and ``kind``; optional ``public_facing``
        (yes/no, true/false, 1/0) and ``opening_notes``. Not modified.
    source
        The file's name, used in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly :data:`SITE_COLUMNS`, same index; ``kind`` normalised ("Police Station" ->
        "police"), ``public_facing`` a nullable boolean (<NA> when not given), ``opening_notes``
        "" when not given.

    Raises
    ------
    CRSError
        When the sites are not in EPSG:27700.
    MissingColumnError
        When ``name`` or ``kind`` is missing.
    InputDataError
        When a kind is not one of :data:`SITE_KINDS` or a name is blank.
    EmptyInputError
        When there are no sites.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> raw = gpd.GeoDataFrame(
    ...     {"name": ["Parkside"], "kind": ["Police Station"], "public_facing": ["yes"]},
    ...     geometry=[Point(546000, 258000)], crs="EPSG:27700")
    >>> validate_sites(raw)[["name", "kind", "public_facing"]].to_dict("records")
    [{'name': 'Parkside', 'kind': 'police', 'public_facing': True}]
    """
    require_bng(sites, name=source)
    if len(sites) == 0:
        msg = f"{source}: no co-location sites. Add at least one site."
        raise EmptyInputError(msg)
    lower = {str(c).strip().lower(): c for c in sites.columns}
    missing = [c for c in ("name", "kind") if c not in lower]
    if missing:
        msg = (
            f"{source}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(map(str, sites.columns))}. Each site needs a name and a kind "
            f"({', '.join(SITE_KINDS)})."
        )
        raise MissingColumnError(msg)
    names = sites[lower["name"]].astype("string").str.strip()
    blank = names.isna() | (names == "")
    if blank.any():
        first = point_row(source, int(np.flatnonzero(blank.to_numpy())[0]))
        msg = f"{source}: {int(blank.sum())} sites have no name (first: {first}). Name them."
        raise InputDataError(msg)
    kinds = [_kind(v) for v in sites[lower["kind"]]]
    bad = [i for i, k in enumerate(kinds) if k is None]
    if bad:
        value = sites[lower["kind"]].iloc[bad[0]]
        msg = (
            f"{source}: {len(bad)} sites have an unknown kind (first: {point_row(source, bad[0])}, "
            f"{value!r}). Use one of: {', '.join(SITE_KINDS)}."
        )
        raise InputDataError(msg)
    public = (
        pd.array([_public(v) for v in sites[lower["public_facing"]]], dtype="boolean")
        if "public_facing" in lower
        else pd.array([None] * len(sites), dtype="boolean")
    )
    notes = (
        sites[lower["opening_notes"]].astype("string").fillna("").str.strip()
        if "opening_notes" in lower
        else pd.Series([""] * len(sites), index=sites.index, dtype="string")
    )
    return gpd.GeoDataFrame(
        {
            "name": names.to_numpy(),
            "kind": pd.array(kinds, dtype="string"),
            "public_facing": public,
            "opening_notes": notes.to_numpy(),
        },
        geometry=sites.geometry.to_numpy(),
        index=sites.index,
        crs=BNG,
    )


def read_sites(source: PointSource) -> gpd.GeoDataFrame:
    """
    Read co-location sites from a CSV or vector file.

    Parameters
    ----------
    source
        See :func:`read_points`; the file needs ``name`` and ``kind`` columns.

    Returns
    -------
    geopandas.GeoDataFrame
        A validated site table (see :func:`validate_sites`).

    Raises
    ------
    InputDataError
        As :func:`read_points` and :func:`validate_sites`.
    """
    points = read_points(source, what="co-location sites")
    return validate_sites(points, source=_name(source))


def add_site(
    sites: gpd.GeoDataFrame | None,
    *,
    name: str,
    kind: str,
    point: Point,
    public_facing: bool | None = None,
    opening_notes: str = "",
) -> gpd.GeoDataFrame:
    """
    Return a new site table with one more site.

    Parameters
    ----------
    sites
        A validated site table, or None to start one. Not modified.
    name, kind, public_facing, opening_notes
        The new site's fields (``kind`` as in :func:`validate_sites`).
    point
        Its location in EPSG:27700 metres.

    Returns
    -------
    geopandas.GeoDataFrame
        The sites with the new one last (index continues from the largest integer label).

    Raises
    ------
    OutsideGreatBritainError
        When the point is not in Great Britain (for example longitude/latitude given as metres).
    InputDataError
        As :func:`validate_sites`.

    Examples
    --------
    >>> from shapely import Point
    >>> one = add_site(None, name="Guildhall", kind="council", point=Point(545000, 258300))
    >>> two = add_site(one, name="Parkside", kind="police", point=Point(545700, 258200))
    >>> two["name"].tolist(), len(one)
    (['Guildhall', 'Parkside'], 1)
    """
    if (
        _looks_like_degrees(np.array([point.x]), np.array([point.y]))
        or not in_gb_land(np.array([point.x]), np.array([point.y]))[0]
    ):
        msg = (
            f"site {name!r}: ({point.x:.4f}, {point.y:.4f}) is not in Great Britain in "
            "EPSG:27700 metres. Convert longitude/latitude to British National Grid first."
        )
        raise OutsideGreatBritainError(msg)
    new = validate_sites(
        gpd.GeoDataFrame(
            {
                "name": [name],
                "kind": [kind],
                "public_facing": pd.array([public_facing], dtype="boolean"),
                "opening_notes": [opening_notes],
            },
            geometry=[point],
            crs=BNG,
        ),
        source=f"site {name!r}",
    )
    if sites is None or len(sites) == 0:
        return new
    current = validate_sites(sites)
    labels = [i for i in current.index if isinstance(i, int | np.integer)]
    new.index = pd.Index([int(max(labels, default=-1)) + 1])
    return gpd.GeoDataFrame(pd.concat([current, new]), geometry="geometry", crs=BNG)
