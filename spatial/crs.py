"""Coordinate reference systems and the extent of Great Britain used for validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from spatial.errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BNG",
    "BNG_EPSG",
    "GB_BOUNDS_LONLAT",
    "GB_BOUNDS_M",
    "WGS84",
    "WGS84_EPSG",
    "require_bng",
]

BNG: Final = "EPSG:27700"
"""British National Grid, the projected CRS (metres) every analysis runs in."""
BNG_EPSG: Final = 27700
WGS84: Final = "EPSG:4326"
"""Longitude/latitude, used only at the map and export edge."""
WGS84_EPSG: Final = 4326

GB_BOUNDS_M: Final = (0.0, 0.0, 700_000.0, 1_300_000.0)
"""(min_x, min_y, max_x, max_y) of the British National Grid's defined area, in metres."""
GB_BOUNDS_LONLAT: Final = (-8.82, 49.79, 1.92, 60.94)
"""(min_lon, min_lat, max_lon, max_lat) enclosing Great Britain and its islands, in degrees."""


def require_bng(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str) -> None:
    """
    Raise unless ``gdf`` is in British National Grid.

    Parameters
    ----------
    gdf
        The frame an analysis function was given.
    name
        What the user calls it, used in the message.

    Raises
    ------
    CRSError
        When the CRS is missing or is not EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> require_bng(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=BNG), name="points")
    """
    if gdf.crs is None or gdf.crs.to_epsg() != BNG_EPSG:
        found = "no CRS" if gdf.crs is None else gdf.crs.to_string()
        msg = (
            f"{name} must be in British National Grid (EPSG:27700); found {found}. "
            "Load it with spatial.io, which reprojects on read."
        )
        raise CRSError(msg)
