"""Assign crime points to the ward that contains them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from spatial.crs import require_bng
from spatial.wording import count_text

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["OVERLAP_RULE", "WardAssignment", "assign_wards", "ward_of_places"]


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
    places, place_of_point = _distinct_places(points.geometry.to_numpy())
    ward_of_place, n_wards_of_place = _wards_of(places, wards)
    point_idx = np.flatnonzero(n_wards_of_place[place_of_point] > 0)
    counts = n_wards_of_place[place_of_point[point_idx]]
    ward_idx = ward_of_place[place_of_point[point_idx]]
    inside = points.iloc[point_idx].copy()
    names = wards["ward_name"].to_numpy()
    inside["ward"] = _per_point(names, ward_idx)
    inside["neighbourhood"] = _per_point(wards["neighbourhood"].to_numpy(), ward_idx)
    mask = np.ones(len(points), dtype=bool)
    mask[point_idx] = False
    multi = counts > 1
    notes: tuple[str, ...] = ()
    if multi.any():
        winners = pd.Series(names[ward_idx[multi]]).value_counts()
        shown = ", ".join(f"{w} {n:,}" for w, n in winners.items())
        n_multi = int(multi.sum())
        lie = f"{count_text(n_multi)} {'lies' if n_multi == 1 else 'lie'}"
        notes = (f"{lie} in more than one ward: {OVERLAP_RULE} ({shown}).",)
    return WardAssignment(
        inside=inside,
        outside=points.iloc[np.flatnonzero(mask)].copy(),
        n_in_overlaps=int(multi.sum()),
        notes=notes,
    )


def ward_of_places(
    x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64], wards: gpd.GeoDataFrame
) -> npt.NDArray[np.int64]:
    """
    Return the ward of each place as :func:`assign_wards` would assign a crime there.

    For counts by snap point (a store's point counts, a force overview): each place is looked
    up once and its crimes go where its ward is, by the same :data:`OVERLAP_RULE`.

    Parameters
    ----------
    x_m, y_m
        Eastings and northings in EPSG:27700 metres.
    wards
        Wards in EPSG:27700 with ``ward_code``.

    Returns
    -------
    numpy.ndarray
        The position (0, 1, ...) of each place's ward among the rows of ``wards``; -1 for a
        place in no ward.

    Raises
    ------
    CRSError
        When ``wards`` is not in EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame(
    ...     {"ward_code": ["E2", "E1"]}, geometry=[box(0, 0, 10, 10), box(0, 0, 5, 5)],
    ...     crs="EPSG:27700")
    >>> ward_of_places(np.array([1.0, 8.0, 20.0]), np.array([1.0, 8.0, 20.0]), wards).tolist()
    [1, 0, -1]
    """
    require_bng(wards, name="wards")
    places = np.asarray(shapely.points(x_m, y_m), dtype=object)
    ward_of_place, n_wards_of_place = _wards_of(places, wards)
    return np.where(n_wards_of_place > 0, ward_of_place, -1)


def _wards_of(
    places: npt.NDArray[np.object_], wards: gpd.GeoDataFrame
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """
    Return each place's ward (by :data:`OVERLAP_RULE`) and how many wards hold it.

    The ward is a position among the rows of ``wards``; 0 (to be ignored) where no ward holds
    the place.
    """
    place_idx, ward_idx = wards.sindex.query(places, predicate="intersects")
    area = wards.geometry.area.to_numpy()
    codes = wards["ward_code"].astype(str).to_numpy() if "ward_code" in wards else None
    code_rank = (
        np.unique(codes, return_inverse=True)[1] if codes is not None else np.arange(len(wards))
    )
    order = np.lexsort((ward_idx, code_rank[ward_idx], area[ward_idx], place_idx))
    place_idx, ward_idx = place_idx[order], ward_idx[order]
    first = np.ones(len(place_idx), dtype=bool)
    first[1:] = place_idx[1:] != place_idx[:-1]
    n_wards_of_place = np.zeros(len(places), dtype=np.int64)
    n_wards_of_place[place_idx[first]] = np.diff(np.append(np.flatnonzero(first), len(place_idx)))
    ward_of_place = np.zeros(len(places), dtype=np.int64)
    ward_of_place[place_idx[first]] = ward_idx[first]
    return ward_of_place, n_wards_of_place


def _per_point(
    values: npt.NDArray[np.object_], at: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_] | pd.api.extensions.ExtensionArray:
    """
    Return each point's ward value, typed as pandas types a column of ``values[at]``.

    Taken from a Series of the wards' values: an array of one Python string per point would
    be converted to text again by pandas (milliseconds per ten thousand points). With no
    points the empty array itself, whose type pandas does not infer as text.
    """
    if len(at) == 0:
        return values[at]
    taken: pd.api.extensions.ExtensionArray = pd.Series(values).array.take(at)
    return taken


def _distinct_places(
    geoms: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """
    Return the distinct points to look up and, for each geometry, the position of its own.

    data.police.uk snaps crimes to a few thousand points, so a ward is looked up once per
    point rather than once per crime (a point's ward depends only on where it is). Anything
    but non-empty points (missing, empty or other geometries) is looked up row by row.
    """
    if len(geoms) and bool((shapely.get_type_id(geoms) == 0).all()):
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        if bool(np.isfinite(x).all() and np.isfinite(y).all()):
            place_of_point, xy = pd.factorize(x + 1j * y)
            places = np.asarray(shapely.points(np.real(xy), np.imag(xy)), dtype=object)
            return places, place_of_point.astype(np.int64)
    return geoms, np.arange(len(geoms), dtype=np.int64)
