"""
Lixels: the street network cut into pieces of equal length, and crimes snapped onto them.

A lixel (Xie & Yan 2008) is to a street what a grid cell is to an area: every street segment
(an edge of :class:`~spatial.network.StreetNetwork`, from junction to junction) is cut into pieces
of ``lixel_m`` metres from its first end, the last piece shorter. Points are snapped to the nearest
street (the nearest lixel is a piece of it) within ``max_snap_m``; points further away are counted
and reported, never moved silently.

Offsets along a segment are measured in the segment's routing length (``edge_length_m``, the
length Dijkstra uses), so network distances and lixel positions agree; the drawn line of each
lixel is the matching fraction of the segment's geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_array

from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, InputDataError, ParameterError

if TYPE_CHECKING:
    import numpy.typing as npt

    from spatial.network import StreetNetwork

__all__ = [
    "DEFAULT_LIXEL_M",
    "DEFAULT_LIXEL_SNAP_M",
    "LixelSnap",
    "Lixels",
    "make_lixels",
    "snap_to_lixels",
]

DEFAULT_LIXEL_M: Final = 50.0
"""Length of a street piece (lixel) in metres; the last piece of each segment is shorter."""
DEFAULT_LIXEL_SNAP_M: Final = 50.0
"""A crime further than this from every street (metres) is not snapped, but counted as too far."""
_SPLIT_TOLERANCE: Final = 1e-9
"""A remainder shorter than this fraction of ``lixel_m`` does not make a piece of its own."""


@dataclass(frozen=True, eq=False)
class Lixels:
    """
    A street network cut into lixels, with the graph of their end points.

    Attributes
    ----------
    network
        The street network the lixels were cut from.
    lixel_m
        The length asked for; every lixel has this length except the last of each segment.
    segment
        Index of the street segment (network edge) each lixel lies on.
    start_m, end_m
        Offsets of the lixel's ends along its segment, from the segment's ``edge_u`` end.
    node_a, node_b
        End nodes of each lixel in the lixel-node graph: network nodes keep their positions
        ``0..n_nodes-1``; the cut points inside segments are numbered after them.
    geometry
        The line of each lixel, drawn from ``node_a`` to ``node_b``.
    first
        ``first[s]:first[s + 1]`` are the lixels of segment ``s`` (in order from ``edge_u``).
    n_graph_nodes
        Number of nodes of the lixel-node graph.
    """

    network: StreetNetwork
    lixel_m: float
    segment: npt.NDArray[np.int64]
    start_m: npt.NDArray[np.float64]
    end_m: npt.NDArray[np.float64]
    node_a: npt.NDArray[np.int64]
    node_b: npt.NDArray[np.int64]
    geometry: npt.NDArray[np.object_]
    first: npt.NDArray[np.int64]
    n_graph_nodes: int

    @property
    def n_lixels(self) -> int:
        """Number of lixels."""
        return len(self.segment)

    @property
    def length_m(self) -> npt.NDArray[np.float64]:
        """Length of each lixel in metres."""
        return self.end_m - self.start_m

    @property
    def centre_m(self) -> npt.NDArray[np.float64]:
        """Offset of each lixel's centre along its segment."""
        return 0.5 * (self.start_m + self.end_m)

    @property
    def total_length_m(self) -> float:
        """Length of all streets in metres."""
        return float(self.network.edge_length_m.sum())

    def graph(self) -> csr_array:
        """
        Return the lixel-node graph as a symmetric sparse matrix of lixel lengths.

        Returns
        -------
        scipy.sparse.csr_array
            ``(n_graph_nodes, n_graph_nodes)``, for :mod:`scipy.sparse.csgraph` routines.
        """
        length = np.maximum(self.length_m, 1e-3)
        n = self.n_graph_nodes
        return csr_array(
            (
                np.concatenate([length, length]),
                (
                    np.concatenate([self.node_a, self.node_b]),
                    np.concatenate([self.node_b, self.node_a]),
                ),
            ),
            shape=(n, n),
        )

    def frame(self) -> gpd.GeoDataFrame:
        """
        Return the lixels as lines.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per lixel (index ``lixel_id``) in EPSG:27700 with ``segment``, ``name``
            (OSM street name), ``start_m`` and ``length_m``.
        """
        names = np.asarray(self.network.edge_name, dtype=object)
        frame = gpd.GeoDataFrame(
            {
                "segment": self.segment,
                "name": names[self.segment],
                "start_m": self.start_m,
                "length_m": self.length_m,
            },
            geometry=list(self.geometry),
            crs=BNG,
        )
        frame.index.name = "lixel_id"
        return frame


@dataclass(frozen=True)
class LixelSnap:
    """
    Points snapped to their nearest street piece.

    Attributes
    ----------
    snapped
        True for each point (in the order given) within ``max_snap_m`` of a street.
    segment, lixel
        Street segment and lixel of each point; -1 where the point is too far.
    offset_m
        Distance along the segment (from its ``edge_u`` end) of the point's projection; NaN where
        too far.
    distance_m
        Straight-line distance from each point to its street; NaN where too far.
    max_snap_m
        The largest distance allowed.
    """

    snapped: npt.NDArray[np.bool_]
    segment: npt.NDArray[np.int64]
    lixel: npt.NDArray[np.int64]
    offset_m: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]
    max_snap_m: float

    @property
    def n_points(self) -> int:
        """Number of points given."""
        return len(self.snapped)

    @property
    def n_snapped(self) -> int:
        """Number of points snapped to a street."""
        return int(self.snapped.sum())

    @property
    def n_too_far(self) -> int:
        """Number of points further than ``max_snap_m`` from every street."""
        return self.n_points - self.n_snapped


def _check_length(value: float, *, name: str) -> None:
    if not (math.isfinite(value) and value > 0):
        msg = f"{name} must be a positive number of metres; found {value}."
        raise ParameterError(msg)


def make_lixels(network: StreetNetwork, *, lixel_m: float = DEFAULT_LIXEL_M) -> Lixels:
    """
    Cut every street segment into pieces of ``lixel_m`` metres (vectorised).

    Parameters
    ----------
    network
        The street network.
    lixel_m
        Length of a piece; the last piece of each segment holds the remainder.

    Returns
    -------
    Lixels
        The pieces, segment by segment, each in order from the segment's ``edge_u`` end.

    Raises
    ------
    ParameterError
        When ``lixel_m`` is not a positive number.

    Examples
    --------
    >>> import networkx as nx
    >>> from spatial.network import network_from_graph
    >>> g = nx.MultiDiGraph(crs="EPSG:27700")
    >>> g.add_node(1, x=530000.0, y=180000.0)
    >>> g.add_node(2, x=530120.0, y=180000.0)
    >>> _ = g.add_edge(1, 2, length=120.0)
    >>> lixels = make_lixels(network_from_graph(g), lixel_m=50)
    >>> lixels.length_m.tolist(), lixels.node_a.tolist(), lixels.node_b.tolist()
    ([50.0, 50.0, 20.0], [0, 2, 3], [2, 3, 1])
    """
    _check_length(lixel_m, name="lixel_m")
    length = network.edge_length_m
    counts = np.maximum(np.ceil(length / lixel_m - _SPLIT_TOLERANCE), 1).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    n_lixels = int(first[-1])
    segment = np.repeat(np.arange(network.n_edges, dtype=np.int64), counts)
    k = np.arange(n_lixels, dtype=np.int64) - first[segment]
    start = k * lixel_m
    last = k == counts[segment] - 1
    end = np.where(last, length[segment], (k + 1) * lixel_m)

    # Cut points inside segments become new graph nodes, numbered after the network's nodes.
    n_nodes = network.n_nodes
    inner = ~last  # the lixel's far end is a cut point
    cut_id = np.full(n_lixels, -1, dtype=np.int64)
    cut_id[inner] = n_nodes + np.arange(int(inner.sum()), dtype=np.int64)
    node_b = np.where(last, network.edge_v[segment], cut_id)
    node_a = np.empty(n_lixels, dtype=np.int64)
    node_a[first[:-1]] = network.edge_u
    starts_inside = k > 0
    node_a[starts_inside] = cut_id[np.flatnonzero(starts_inside) - 1]
    geometry = _cut_lines(network, segment, start / length[segment], end / length[segment])
    return Lixels(
        network=network,
        lixel_m=float(lixel_m),
        segment=segment,
        start_m=start.astype(np.float64),
        end_m=end.astype(np.float64),
        node_a=node_a,
        node_b=node_b,
        geometry=geometry,
        first=first,
        n_graph_nodes=n_nodes + int(inner.sum()),
    )


def _cut_lines(
    network: StreetNetwork,
    segment: npt.NDArray[np.int64],
    start_frac: npt.NDArray[np.float64],
    end_frac: npt.NDArray[np.float64],
) -> npt.NDArray[np.object_]:
    """
    Cut the part of each segment's line between two fractions of its length, all at once.

    Each piece is its start point, the segment's vertices strictly inside it and its end point,
    gathered with one lexsort and built with one :func:`shapely.linestrings` call.
    """
    lines = network.edge_geometry
    n = len(segment)
    seg_lines = lines[segment]
    p_start = shapely.get_coordinates(
        shapely.line_interpolate_point(seg_lines, start_frac, normalized=True)
    )
    p_end = shapely.get_coordinates(
        shapely.line_interpolate_point(seg_lines, end_frac, normalized=True)
    )

    coords, vertex_line = shapely.get_coordinates(lines, return_index=True)
    steps = np.hypot(*np.diff(coords, axis=0).T)
    same = vertex_line[1:] == vertex_line[:-1]
    steps = np.where(same, steps, 0.0)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    line_start = np.searchsorted(vertex_line, np.arange(len(lines)), side="left")
    along -= along[line_start[vertex_line]]
    geom_length = shapely.length(lines)
    with np.errstate(invalid="ignore", divide="ignore"):
        vertex_frac = np.where(geom_length[vertex_line] > 0, along / geom_length[vertex_line], 0.0)
    # Lixel holding each vertex: lixels of a segment are contiguous and ordered by start_frac.
    seg_first = np.searchsorted(segment, np.arange(len(lines)), side="left")
    seg_count = np.bincount(segment, minlength=len(lines))
    key = segment.astype(np.float64) * 2.0 + start_frac  # start_frac < 1: increasing in lixel id
    vertex_key = vertex_line.astype(np.float64) * 2.0 + vertex_frac
    holder = np.searchsorted(key, vertex_key, side="right") - 1
    holder = np.clip(
        holder, seg_first[vertex_line], seg_first[vertex_line] + seg_count[vertex_line] - 1
    )
    keep = (vertex_frac > start_frac[holder]) & (vertex_frac < end_frac[holder])

    ids = np.concatenate([np.arange(n), holder[keep], np.arange(n)])
    order_key = np.concatenate([start_frac, vertex_frac[keep], end_frac])
    rank = np.concatenate([np.zeros(n), np.ones(int(keep.sum())), np.full(n, 2.0)])
    xy = np.concatenate([p_start, coords[keep], p_end])
    order = np.lexsort((rank, order_key, ids))
    built = shapely.linestrings(xy[order], indices=ids[order])
    return np.asarray(built, dtype=object)


def snap_to_lixels(
    lixels: Lixels,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_snap_m: float = DEFAULT_LIXEL_SNAP_M,
    name: str = "crimes",
) -> LixelSnap:
    """
    Snap each point to its nearest street piece within ``max_snap_m`` (vectorised STR-tree).

    Points further than ``max_snap_m`` from every street are not snapped: they are marked in
    ``snapped`` and counted in ``n_too_far``.

    Parameters
    ----------
    lixels
        The lixels from :func:`make_lixels`.
    points
        Points in EPSG:27700.
    max_snap_m
        Largest distance from a point to its street.
    name
        What the user calls the points, used in messages.

    Returns
    -------
    LixelSnap
        One entry per point, in the order given.

    Raises
    ------
    CRSError
        When the points are not in EPSG:27700.
    EmptyInputError
        When there are no points.
    InputDataError
        When a geometry is not a point.
    ParameterError
        When ``max_snap_m`` is not a positive number.
    """
    _check_length(max_snap_m, name="max_snap_m")
    require_bng(points, name=name)
    geoms = np.asarray(points.geometry if isinstance(points, gpd.GeoDataFrame) else points)
    if len(geoms) == 0:
        msg = f"{name}: no points to snap to the streets."
        raise EmptyInputError(msg)
    types = shapely.get_type_id(geoms)
    if (types != 0).any() or shapely.is_missing(geoms).any():
        bad = int(np.flatnonzero((types != 0) | shapely.is_missing(geoms))[0])
        msg = f"{name}: only points can be snapped to streets (first other geometry: row {bad})."
        raise InputDataError(msg)
    network = lixels.network
    pairs, distance = network.edge_tree.query_nearest(
        geoms, max_distance=max_snap_m, return_distance=True, all_matches=False
    )
    n = len(geoms)
    snapped = np.zeros(n, dtype=bool)
    segment = np.full(n, -1, dtype=np.int64)
    lixel = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    dist = np.full(n, np.nan)
    which = pairs[0]
    snapped[which] = True
    edges = np.asarray(pairs[1], dtype=np.int64)
    segment[which] = edges
    dist[which] = distance
    frac = shapely.line_locate_point(network.edge_geometry[edges], geoms[which], normalized=True)
    length = network.edge_length_m[edges]
    offset[which] = np.clip(frac, 0.0, 1.0) * length
    k = np.floor(offset[which] / lixels.lixel_m).astype(np.int64)
    n_in_segment = lixels.first[edges + 1] - lixels.first[edges]
    lixel[which] = lixels.first[edges] + np.clip(k, 0, n_in_segment - 1)
    return LixelSnap(
        snapped=snapped,
        segment=segment,
        lixel=lixel,
        offset_m=offset,
        distance_m=dist,
        max_snap_m=float(max_snap_m),
    )
