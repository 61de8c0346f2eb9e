"""Assign crime points to the ward that contains them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from spatial.crs import require_bng

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["OVERLAP_RULE", "WardAssignment", "assign_wards"]


OVERLAP_RULE: Final = (
    "a crime inside several wards (where ward polygons overlap, or on a shared edge) is counted "
    "once, in the smallest of those wards by area (ties: the lowest ward code)"
)
"""The stated rule :func:`assign_wards` applies, quoted in its note."""


@dataclass(frozen=True)
class WardAssignment:
    """Points split into those inside a ward and those outside every ward."""

    inside: gpd.GeoDataFrame
    """Points inside a ward, with ``ward`` and ``neighbourhood`` (input index kept)."""
    outside: gpd.GeoDataFrame
    """Points in no ward (input index kept)."""
    n_in_overlaps: int = 0
    """Points inside more than one ward, assigned by :data:`OVERLAP_RULE`."""
    notes: tuple[str, ...] = field(default=())
    """How many points the overlap rule assigned, and to which wards."""

    @property
    def n_outside_wards(self) -> int:
        """How many points lie outside every ward."""
        return len(self.outside)


def assign_wards(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> WardAssignment:
    """
    Find the ward of every point; a point inside several wards goes by :data:`OVERLAP_RULE`.

    The smallest ward wins because overlaps in ward files are usually a larger area included by
    mistake (a district or an old ward) or a digitising sliver: the smaller polygon is the more
    specific answer. The choice does not depend on the order of the file.

    Parameters
    ----------
    points
        Crime points in EPSG:27700.
    wards
        Wards in EPSG:27700 with ``ward_code``, ``ward_name`` and ``neighbourhood``.

    Returns
    -------
    WardAssignment
        Each point counted exactly once, inside or outside, with the number of points the
        overlap rule assigned.

    Raises
    ------
    CRSError
        When either frame is not in EPSG:27700.
    """
    require_bng(points, name="crime points")
    require_bng(wards, name="wards")
    point_idx, ward_idx = wards.sindex.query(points.geometry, predicate="intersects")
    area = wards.geometry.area.to_numpy()
    codes = wards["ward_code"].astype(str).to_numpy() if "ward_code" in wards else None
    code_rank = (
        np.unique(codes, return_inverse=True)[1] if codes is not None else np.arange(len(wards))
    )
    order = np.lexsort((ward_idx, code_rank[ward_idx], area[ward_idx], point_idx))
    point_idx, ward_idx = point_idx[order], ward_idx[order]
    first = np.ones(len(point_idx), dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    counts = np.diff(np.append(np.flatnonzero(first), len(point_idx)))
    point_idx, ward_idx = point_idx[first], ward_idx[first]
    inside = points.iloc[point_idx].copy()
    names = wards["ward_name"].to_numpy()
    inside["ward"] = names[ward_idx]
    inside["neighbourhood"] = wards["neighbourhood"].to_numpy()[ward_idx]
    mask = np.ones(len(points), dtype=bool)
    mask[point_idx] = False
    multi = counts > 1
    notes: tuple[str, ...] = ()
    if multi.any():
        winners = pd.Series(names[ward_idx[multi]]).value_counts()
        shown = ", ".join(f"{w} {n:,}" for w, n in winners.items())
        notes = (
            f"{int(multi.sum()):,} crimes lie in more than one ward: {OVERLAP_RULE} ({shown}).",
        )
    return WardAssignment(
        inside=inside,
        outside=points.iloc[np.flatnonzero(mask)].copy(),
        n_in_overlaps=int(multi.sum()),
        notes=notes,
    )
