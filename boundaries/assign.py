"""Assign crime points to the ward that contains them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spatial.crs import require_bng

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["WardAssignment", "assign_wards"]


@dataclass(frozen=True)
class WardAssignment:
    """Points split into those inside a ward and those outside every ward."""

    inside: gpd.GeoDataFrame
    """Points inside a ward, with ``ward`` and ``neighbourhood`` (input index kept)."""
    outside: gpd.GeoDataFrame
    """Points in no ward (input index kept)."""

    @property
    def n_outside_wards(self) -> int:
        """How many points lie outside every ward."""
        return len(self.outside)


def assign_wards(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> WardAssignment:
    """
    Find the ward of every point; a point on a shared boundary goes to the first ward listed.

    Parameters
    ----------
    points
        Crime points in EPSG:27700.
    wards
        Wards in EPSG:27700 with ``ward_name`` and ``neighbourhood``.

    Returns
    -------
    WardAssignment
        Each point counted exactly once, inside or outside.

    Raises
    ------
    CRSError
        When either frame is not in EPSG:27700.
    """
    require_bng(points, name="crime points")
    require_bng(wards, name="wards")
    point_idx, ward_idx = wards.sindex.query(points.geometry, predicate="intersects")
    order = np.lexsort((ward_idx, point_idx))
    point_idx, ward_idx = point_idx[order], ward_idx[order]
    first = np.ones(len(point_idx), dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    point_idx, ward_idx = point_idx[first], ward_idx[first]
    inside = points.iloc[point_idx].copy()
    inside["ward"] = wards["ward_name"].to_numpy()[ward_idx]
    inside["neighbourhood"] = wards["neighbourhood"].to_numpy()[ward_idx]
    mask = np.ones(len(points), dtype=bool)
    mask[point_idx] = False
    return WardAssignment(inside=inside, outside=points.iloc[np.flatnonzero(mask)].copy())
