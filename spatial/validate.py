"""
Checks shared by the readers: columns, text encoding, Great Britain extent, geometry validity.

Each check either returns what it found (counts, masks, notes) or raises an error from
:mod:`spatial.errors` whose message says what is wrong, what was found and how to fix it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Final

import numpy as np
import shapely

from spatial.crs import GB_BOUNDS_LONLAT, GB_BOUNDS_M
from spatial.errors import (
    EmptyInputError,
    InputDataError,
    InvalidGeometryError,
    MissingColumnError,
    PatchmapWarning,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "MIN_GAP_AREA_M2",
    "MIN_OVERLAP_AREA_M2",
    "decode_text",
    "in_gb_lonlat",
    "in_gb_metres",
    "repair_geometries",
    "require_columns",
    "tiling_notes",
]

MIN_OVERLAP_AREA_M2: Final = 1.0
"""Overlaps between two boundary polygons smaller than this are ignored (digitising noise)."""
MIN_GAP_AREA_M2: Final = 100.0
"""Holes in the union of boundary polygons smaller than this are ignored (slivers)."""


def decode_text(data: bytes, *, source: str) -> str:
    r"""
    Decode a file's bytes as UTF-8 text, refusing binary files and other encodings.

    Parameters
    ----------
    data
        The raw bytes of the file.
    source
        The file's name, used in messages.

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    EmptyInputError
        When the file is empty.
    InputDataError
        When the file is binary (not a CSV at all) or is not UTF-8 text.

    Examples
    --------
    >>> decode_text(b"a,b\\n1,2\\n", source="x.csv")
    'a,b\\n1,2\\n'
    """
    if not data.strip():
        msg = f"{source}: the file is empty. Choose the data.police.uk CSV that holds the crimes."
        raise EmptyInputError(msg)
    head = data[:4096]
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG")):
        msg = (
            f"{source}: this is not a CSV file (it looks binary). Load the street-level CSV files "
            "from data.police.uk, a folder of them, or the .zip archive as downloaded."
        )
        raise InputDataError(msg)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        msg = (
            f"{source}: the file is not UTF-8 text (byte {err.start}, line {line}). "
            "Re-save it as UTF-8 (in Excel: Save As > CSV UTF-8)."
        )
        raise InputDataError(msg) from err


def require_columns(
    columns: Iterable[str], required: Sequence[str], *, source: str, hint: str = ""
) -> None:
    """
    Raise when any of ``required`` is missing from ``columns``.

    Parameters
    ----------
    columns
        The columns found.
    required
        The columns needed.
    source
        The file's name, used in messages.
    hint
        How to fix it, appended to the message.

    Raises
    ------
    MissingColumnError
        Naming the missing and the found columns.

    Examples
    --------
    >>> require_columns(["Month", "Crime type"], ["Month"], source="a.csv")
    """
    found = list(columns)
    missing = [c for c in required if c not in found]
    if missing:
        shown = ", ".join(found[:15]) + (" ..." if len(found) > 15 else "")  # noqa: PLR2004
        msg = (
            f"{source}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}; found {shown or 'no columns'}."
            f"{' ' + hint if hint else ''}"
        )
        raise MissingColumnError(msg)


def in_gb_lonlat(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """
    Return which longitude/latitude pairs lie in the box enclosing Great Britain.

    Parameters
    ----------
    lon, lat
        Degrees (WGS84).

    Returns
    -------
    numpy.ndarray
        Boolean mask; NaN coordinates are False.

    Examples
    --------
    >>> import numpy as np
    >>> in_gb_lonlat(np.array([0.12, 151.2]), np.array([52.2, -33.9])).tolist()
    [True, False]
    """
    min_lon, min_lat, max_lon, max_lat = GB_BOUNDS_LONLAT
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat),
            dtype=np.bool_,
        )


def in_gb_metres(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """
    Return which British National Grid coordinates lie inside the grid's extent.

    Parameters
    ----------
    x, y
        Eastings and northings in metres.

    Returns
    -------
    numpy.ndarray
        Boolean mask; NaN or infinite coordinates are False.

    Examples
    --------
    >>> import numpy as np
    >>> in_gb_metres(np.array([545000.0, -10.0]), np.array([258000.0, 5.0])).tolist()
    [True, False]
    """
    min_x, min_y, max_x, max_y = GB_BOUNDS_M
    with np.errstate(invalid="ignore"):
        return np.asarray(
            np.isfinite(x)
            & np.isfinite(y)
            & (x >= min_x)
            & (x <= max_x)
            & (y >= min_y)
            & (y <= max_y),
            dtype=np.bool_,
        )


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, label_column: str, source: str
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """
    Repair invalid polygons with :func:`shapely.make_valid`, warning with their names.

    Parameters
    ----------
    gdf
        Boundary polygons.
    label_column
        Column whose values name the features in messages.
    source
        The file's name, used in messages.

    Returns
    -------
    tuple
        A new frame with valid (Multi)Polygons, and the notes saying what was repaired.

    Raises
    ------
    EmptyInputError
        When the frame holds no features.
    InvalidGeometryError
        When a geometry is missing or cannot be repaired into a polygon.
    """
    if len(gdf) == 0:
        msg = f"{source}: the file holds no boundary features."
        raise EmptyInputError(msg)
    geoms = gdf.geometry.to_numpy()
    labels = gdf[label_column].astype(str).to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        names = ", ".join(labels[missing][:5])
        n_missing = int(missing.sum())
        msg = f"{source}: {n_missing} features have no geometry ({names}). Fix or remove them."
        raise InvalidGeometryError(msg)
    invalid = ~shapely.is_valid(geoms)
    notes: list[str] = []
    out = gdf.copy()
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid])
        polys = np.array(
            [
                shapely.union_all(shapely.get_parts(g)[_is_polygonal(shapely.get_parts(g))])
                for g in repaired
            ],
            dtype=object,
        )
        bad = shapely.is_empty(polys)
        if bad.any():
            names = ", ".join(labels[invalid][bad][:5])
            msg = (
                f"{source}: could not repair the geometry of {names}. "
                "Fix it in a GIS (QGIS: Fix geometries)."
            )
            raise InvalidGeometryError(msg)
        fixed = geoms.copy()
        fixed[invalid] = polys
        out = out.set_geometry(fixed, crs=gdf.crs)
        names = ", ".join(labels[invalid])
        note = (
            f"{source}: repaired {int(invalid.sum())} invalid geometries ({names}) with make_valid."
        )
        warnings.warn(note, PatchmapWarning, stacklevel=2)
        notes.append(note)
    return out, tuple(notes)


def _is_polygonal(parts: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    types = shapely.get_type_id(parts)
    return np.asarray(np.isin(types, [3, 6]), dtype=np.bool_)


def tiling_notes(gdf: pd.DataFrame, *, label_column: str, source: str) -> tuple[str, ...]:
    """
    Report overlaps between boundary polygons and gaps (holes) inside their union.

    Parameters
    ----------
    gdf
        Boundary polygons in a projected CRS in metres.
    label_column
        Column whose values name the features in messages.
    source
        The file's name, used in messages.

    Returns
    -------
    tuple of str
        One note per overlapping pair (area in m²) and one for the gaps; empty when they tile.
    """
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    labels = gdf[label_column].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    notes: list[str] = []
    if keep.any():
        areas = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
        for i, j, area in zip(left[keep], right[keep], areas, strict=True):
            if area >= MIN_OVERLAP_AREA_M2:
                notes.append(f"{source}: {labels[i]} and {labels[j]} overlap by {area:,.0f} m².")
    union = shapely.union_all(geoms)
    holes = [
        shapely.Polygon(ring)
        for poly in shapely.get_parts(union)
        if isinstance(poly, shapely.Polygon)
        for ring in poly.interiors
    ]
    gap_areas = [h.area for h in holes if h.area >= MIN_GAP_AREA_M2]
    if gap_areas:
        notes.append(
            f"{source}: {len(gap_areas)} gaps between boundaries "
            f"(largest {max(gap_areas):,.0f} m²); points there belong to no area."
        )
    return tuple(notes)
