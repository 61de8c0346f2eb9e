"""
Network kernel density estimation (NKDE): crime density along streets, in crimes per km of street.

A planar KDE smears a high-street hotspot over back gardens and the next street; a network KDE
spreads each crime only along the streets, by network distance. Density is evaluated at the centre
of each lixel (:mod:`spatial.lixels`), as spNetwork does. Two estimators (Gelb 2021, spNetwork):

``"simple"`` (Xie & Yan 2008)
    ``f(x) = sum_e K(d(x, e))`` with ``d`` the shortest-path distance along the streets. Intuitive,
    a distance-decay weighting, but not a true density: at a junction of ``n`` streets each
    crime's mass is copied onto every street, so the integral exceeds the number of crimes.
``"discontinuous"`` (Okabe, Satoh & Sugihara 2009; Sugihara, Satoh & Okabe 2010)
    The kernel runs out from the crime along every path; at a junction of degree ``n`` the
    value is divided equally among the ``n - 1`` streets leading on, so mass is conserved: the
    integral over the network equals the number of crimes whenever no dead end lies within the
    bandwidth of a crime (mass running into a dead end stops there). Paths, not just shortest
    paths, are followed, so networks with loops shorter than the bandwidth conserve mass too.
``"continuous"`` (Okabe & Sugihara 2012, section 9.3; spNetwork's ``"continuous"``)
    As the discontinuous NKDE, but at a junction of degree ``n`` the kernel goes on along each
    of the ``n - 1`` other streets with ``2 / n`` of its value and comes back along the street
    it arrived by with ``2 / n - 1`` (the backward correction: negative at junctions of three or
    more streets, zero where two streets meet, +1 at a dead end, where the kernel is reflected).
    The density is then continuous at junctions (``2 / n`` of the kernel on every street) and
    its integral equals the number of crimes, dead ends included.

Kernels are one-dimensional with support ``[-bandwidth_m, bandwidth_m]`` and integrate to 1 on
it: quartic ``15/16 (1 - u^2)^2 / h`` (as spNetwork) and a Gaussian of standard deviation
``h / 3`` truncated at ``h`` and rescaled to integrate to 1.

Speed: crimes sharing a snap location are one source with a weight (police.uk snaps many crimes
to one point); the simple NKDE runs :func:`scipy.sparse.csgraph.dijkstra` with ``limit`` from the
ends of the source segments, the discontinuous NKDE expands all sources' paths together, one
junction at a time, in numpy; kernel values are added to lixels with :func:`numpy.bincount`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from scipy.sparse.csgraph import dijkstra
from scipy.special import erf

from spatial.errors import EmptyInputError, ParameterError
from spatial.lixels import DEFAULT_LIXEL_SNAP_M, snap_to_lixels

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy.typing as npt

    from spatial.lixels import Lixels, LixelSnap

__all__ = [
    "DEFAULT_NKDE_BANDWIDTH_M",
    "NKDE_METHODS",
    "NetworkDensity",
    "NetworkKernel",
    "NkdeMethod",
    "network_kde",
    "network_kde_snapped",
    "network_kernel",
]

NkdeMethod = Literal["simple", "discontinuous", "continuous"]
NetworkKernel = Literal["quartic", "gaussian"]
NKDE_METHODS: Final[tuple[NkdeMethod, ...]] = ("simple", "discontinuous", "continuous")
DEFAULT_NKDE_BANDWIDTH_M: Final = 150.0
"""Kernel bandwidth along the streets, metres: about two street blocks either way."""
_GAUSSIAN_SIGMAS: Final = 3.0
"""The truncated Gaussian's standard deviation is ``bandwidth_m / 3``."""
_MIN_PATH_WEIGHT: Final = 1e-9
"""Paths of the discontinuous NKDE whose share of a crime falls below this are not followed."""
_MAX_EXPANSIONS: Final = 100_000
_MERGE_ABOVE: Final = 100_000
"""When more paths than this are alive, paths on the same street end within ``_MERGE_M`` merge."""
_MERGE_M: Final = 0.5
"""Paths arriving at the same street end with distances in the same 0.5 m bin become one."""
_ADD_CHUNK: Final = 1_000_000
"""Paths whose kernel values are added to the lixels in one go (bounds memory)."""
"""Safety stop for the junction-by-junction expansion (never reached on real networks)."""
_SOURCES_PER_CHUNK: Final = 512
"""Source segments per Dijkstra call of the simple NKDE (bounds the dense distance block)."""


@dataclass(frozen=True, eq=False)
class NetworkDensity:
    """
    Crime density per lixel.

    Attributes
    ----------
    lixels
        The street pieces the density was evaluated on (at their centres).
    snap
        Where each crime was snapped (and which were too far from every street).
    density_per_m
        Crimes per metre of street at each lixel's centre.
    n_crimes_lixel
        Crimes snapped to each lixel.
    method, kernel, bandwidth_m
        The estimator, kernel and bandwidth used.
    """

    lixels: Lixels
    snap: LixelSnap
    density_per_m: npt.NDArray[np.float64]
    n_crimes_lixel: npt.NDArray[np.int64]
    method: NkdeMethod
    kernel: NetworkKernel
    bandwidth_m: float

    @property
    def density_per_km(self) -> npt.NDArray[np.float64]:
        """Crimes per km of street at each lixel."""
        return self.density_per_m * 1000.0

    @property
    def integral(self) -> float:
        """Density times length summed over all lixels (the crimes the estimate holds)."""
        return float((self.density_per_m * self.lixels.length_m).sum())

    def frame(self) -> gpd.GeoDataFrame:
        """
        Return the lixels with their density.

        Returns
        -------
        geopandas.GeoDataFrame
            :meth:`spatial.lixels.Lixels.frame` plus ``n_crimes`` (snapped to the lixel),
            ``density_per_km`` and ``density_per_100m`` (crimes per km / per 100 m of street).
        """
        frame = self.lixels.frame()
        frame["n_crimes"] = self.n_crimes_lixel
        frame["density_per_km"] = self.density_per_km
        frame["density_per_100m"] = self.density_per_m * 100.0
        return frame


def network_kernel(
    distance_m: npt.NDArray[np.float64], *, bandwidth_m: float, kernel: NetworkKernel = "quartic"
) -> npt.NDArray[np.float64]:
    """
    Evaluate a one-dimensional kernel that integrates to 1 on ``[-bandwidth_m, bandwidth_m]``.

    Parameters
    ----------
    distance_m
        Distances (any sign) in metres.
    bandwidth_m
        The kernel's radius; zero beyond it.
    kernel
        ``"quartic"`` ``15/16 (1 - u^2)^2 / h`` or ``"gaussian"`` (sd ``h / 3``, truncated at
        ``h``, rescaled to integrate to 1).

    Returns
    -------
    numpy.ndarray
        Kernel values per metre.

    Examples
    --------
    >>> float(network_kernel(np.array([0.0]), bandwidth_m=100.0)[0])
    0.009375
    """
    u = np.abs(np.asarray(distance_m, dtype=np.float64)) / bandwidth_m
    inside = u < 1.0
    if kernel == "quartic":
        values = (15.0 / 16.0) * (1.0 - u**2) ** 2 / bandwidth_m
    else:
        s = _GAUSSIAN_SIGMAS
        mass = float(erf(s / math.sqrt(2.0)))
        values = s * np.exp(-0.5 * (s * u) ** 2) / (math.sqrt(2.0 * math.pi) * bandwidth_m * mass)
    return np.where(inside, values, 0.0)


def _check(bandwidth_m: float, method: str, kernel: str) -> None:
    problems: list[str] = []
    if not (math.isfinite(bandwidth_m) and bandwidth_m > 0):
        problems.append(f"bandwidth_m must be a positive number of metres; found {bandwidth_m}")
    if method not in NKDE_METHODS:
        problems.append(f"method must be one of {list(NKDE_METHODS)}; found {method!r}")
    if kernel not in ("quartic", "gaussian"):
        problems.append(f"kernel must be 'quartic' or 'gaussian'; found {kernel!r}")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


def network_kde(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    lixels: Lixels,
    bandwidth_m: float = DEFAULT_NKDE_BANDWIDTH_M,
    method: NkdeMethod = "discontinuous",
    kernel: NetworkKernel = "quartic",
    max_snap_m: float = DEFAULT_LIXEL_SNAP_M,
) -> NetworkDensity:
    """
    Snap crimes to the streets and estimate their density along the network.

    Parameters
    ----------
    points
        Crimes in EPSG:27700.
    lixels
        The street pieces to evaluate on, from :func:`spatial.lixels.make_lixels`.
    bandwidth_m
        Kernel radius in metres of street.
    method
        ``"discontinuous"`` (mass conserved at junctions, default), ``"continuous"`` (also
        continuous at junctions, with the backward correction) or ``"simple"``.
    kernel
        ``"quartic"`` (default) or ``"gaussian"``.
    max_snap_m
        Crimes further than this from every street are left out and counted
        (``result.snap.n_too_far``).

    Returns
    -------
    NetworkDensity
        Density per lixel and the snapping.

    Raises
    ------
    ParameterError
        When an option is out of range.
    EmptyInputError
        When there are no crimes or none lies within ``max_snap_m`` of a street.
    CRSError
        When the crimes are not in EPSG:27700.

    References
    ----------
    Xie, Z. and Yan, J. (2008). Kernel density estimation of traffic accidents in a network
    space. Computers, Environment and Urban Systems 32(5), 396-406.
    Okabe, A., Satoh, T. and Sugihara, K. (2009). A kernel density estimation method for networks,
    its computational method and a GIS-based tool. IJGIS 23(1), 7-32.
    Okabe, A. and Sugihara, K. (2012). Spatial Analysis along Networks. Wiley, section 9.3.
    Gelb, J. (2021). spNetwork: a package for network kernel density estimation. R Journal 13(2).
    """
    _check(bandwidth_m, method, kernel)
    snap = snap_to_lixels(lixels, points, max_snap_m=max_snap_m)
    return network_kde_snapped(
        snap, lixels=lixels, bandwidth_m=bandwidth_m, method=method, kernel=kernel
    )


def network_kde_snapped(
    snap: LixelSnap,
    *,
    lixels: Lixels,
    bandwidth_m: float = DEFAULT_NKDE_BANDWIDTH_M,
    method: NkdeMethod = "discontinuous",
    kernel: NetworkKernel = "quartic",
) -> NetworkDensity:
    """
    Estimate density along the network from crimes already snapped to ``lixels``.

    Parameters
    ----------
    snap
        From :func:`spatial.lixels.snap_to_lixels` on the same ``lixels``.
    lixels
        The street pieces.
    bandwidth_m, method, kernel
        As :func:`network_kde`.

    Returns
    -------
    NetworkDensity
        Density per lixel and the snapping.

    Raises
    ------
    ParameterError
        When an option is out of range.
    EmptyInputError
        When no crime was snapped to a street.
    """
    _check(bandwidth_m, method, kernel)
    if snap.n_snapped == 0:
        msg = (
            f"None of the {snap.n_points} crimes lies within {snap.max_snap_m:g} m of a street on "
            "this network. Check that the network covers the crimes, or raise max_snap_m."
        )
        raise EmptyInputError(msg)
    keep = snap.snapped
    sources, weight = np.unique(
        np.column_stack([snap.segment[keep].astype(np.float64), snap.offset_m[keep]]),
        axis=0,
        return_counts=True,
    )
    src_segment = sources[:, 0].astype(np.int64)
    src_offset = sources[:, 1]
    w = weight.astype(np.float64)
    if method == "simple":
        density = _simple(lixels, src_segment, src_offset, w, bandwidth_m, kernel)
    else:
        density = _discontinuous(
            lixels,
            src_segment,
            src_offset,
            w,
            bandwidth_m,
            kernel,
            continuous=method == "continuous",
        )
    counts = np.bincount(snap.lixel[keep], minlength=lixels.n_lixels).astype(np.int64)
    return NetworkDensity(
        lixels=lixels,
        snap=snap,
        density_per_m=density,
        n_crimes_lixel=counts,
        method=method,
        kernel=kernel,
        bandwidth_m=float(bandwidth_m),
    )


def _add_on_segments(
    density: npt.NDArray[np.float64],
    lixels: Lixels,
    segment: npt.NDArray[np.int64],
    from_u: npt.NDArray[np.bool_],
    start_m: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    bandwidth_m: float,
    kernel: NetworkKernel,
) -> None:
    """
    Add ``weight * K(start_m + distance along the segment)`` to every lixel of each segment.

    ``from_u`` says whether the path enters the segment at its ``edge_u`` end (distance along =
    lixel centre offset) or at its ``edge_v`` end (segment length - centre offset).
    """
    first = lixels.first[segment]
    count = lixels.first[segment + 1] - first
    total = int(count.sum())
    if total == 0:
        return
    rep = np.repeat(np.arange(len(segment)), count)
    lixel = np.arange(total) - np.repeat(np.cumsum(count) - count, count) + first[rep]
    centre = lixels.centre_m[lixel]
    along = np.where(from_u[rep], centre, lixels.network.edge_length_m[segment[rep]] - centre)
    values = weight[rep] * network_kernel(
        start_m[rep] + along, bandwidth_m=bandwidth_m, kernel=kernel
    )
    density += np.bincount(lixel, weights=values, minlength=len(density))


def _own_segment(
    lixels: Lixels,
    src_segment: npt.NDArray[np.int64],
    src_offset: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    bandwidth_m: float,
    kernel: NetworkKernel,
) -> npt.NDArray[np.float64]:
    """Kernel mass each source puts directly on its own segment (both directions)."""
    density = np.zeros(lixels.n_lixels)
    first = lixels.first[src_segment]
    count = lixels.first[src_segment + 1] - first
    rep = np.repeat(np.arange(len(src_segment)), count)
    lixel = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + first[rep]
    d = lixels.centre_m[lixel] - src_offset[rep]
    values = w[rep] * network_kernel(d, bandwidth_m=bandwidth_m, kernel=kernel)
    density += np.bincount(lixel, weights=values, minlength=lixels.n_lixels)
    return density


def _discontinuous(
    lixels: Lixels,
    src_segment: npt.NDArray[np.int64],
    src_offset: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    bandwidth_m: float,
    kernel: NetworkKernel,
    *,
    continuous: bool = False,
) -> npt.NDArray[np.float64]:
    """
    Okabe's discontinuous (or continuous) NKDE, all sources at once, one junction at a time.

    A path state is (segment it arrived by, node reached, distance so far, share of the
    crime). Discontinuous: at each node of degree ``n`` a state continues along the ``n - 1``
    other segments with share / (n - 1); at a dead end it stops. Continuous: it continues along
    the other segments with share * 2 / n and back along its own with share * (2 / n - 1) (so a
    dead end reflects it; shares may be negative). States beyond the bandwidth are dropped.
    The number of paths grows exponentially with the bandwidth on a dense network; when more
    than ``_MERGE_ABOVE`` are alive, paths arriving at the same street end (from any crime)
    with distances in the same ``_MERGE_M`` bin are merged into one carrying their summed
    share: mass stays conserved and distances move by less than ``_MERGE_M`` per junction.
    """
    network = lixels.network
    density = _own_segment(lixels, src_segment, src_offset, w, bandwidth_m, kernel)
    length = network.edge_length_m
    # incident segments of each node, as CSR
    ends = np.concatenate([network.edge_u, network.edge_v])
    seg_of_end = np.concatenate([np.arange(network.n_edges), np.arange(network.n_edges)])
    order = np.argsort(ends, kind="stable")
    inc_seg = seg_of_end[order]
    inc_ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=network.n_nodes))])
    degree = np.diff(inc_ptr)

    # arrivals at the two ends of each source's segment
    via = np.concatenate([src_segment, src_segment])
    node = np.concatenate([network.edge_u[src_segment], network.edge_v[src_segment]])
    dist = np.concatenate([src_offset, length[src_segment] - src_offset])
    share = np.concatenate([w, w])
    for _ in range(_MAX_EXPANSIONS):
        alive = (dist < bandwidth_m) & (np.abs(share) > _MIN_PATH_WEIGHT)
        if not continuous:
            alive &= degree[node] > 1
        if not alive.any():
            break
        via, node, dist, share = via[alive], node[alive], dist[alive], share[alive]
        if len(via) > _MERGE_ABOVE:
            via, node, dist, share = _merge_paths(lixels, via, node, dist, share)
        n_out = degree[node]
        rep = np.repeat(np.arange(len(node)), n_out)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n_out) - n_out, n_out)
        nxt = inc_seg[inc_ptr[node[rep]] + k]
        back = nxt == via[rep]
        n = n_out[rep].astype(np.float64)
        if continuous:
            factor = np.where(back, 2.0 / n - 1.0, 2.0 / n)
        else:
            factor = np.where(back, 0.0, 1.0 / np.maximum(n - 1.0, 1.0))
        onward = factor != 0.0
        rep, nxt = rep[onward], nxt[onward]
        new_share = share[rep] * factor[onward]
        start = dist[rep]
        from_u = network.edge_u[nxt] == node[rep]
        for lo in range(0, len(nxt), _ADD_CHUNK):
            part = slice(lo, lo + _ADD_CHUNK)
            _add_on_segments(
                density,
                lixels,
                nxt[part],
                from_u[part],
                start[part],
                new_share[part],
                bandwidth_m,
                kernel,
            )
        via = nxt
        node = np.where(from_u, network.edge_v[nxt], network.edge_u[nxt])
        dist = start + length[nxt]
        share = new_share
    return density


def _merge_paths(
    lixels: Lixels,
    via: npt.NDArray[np.int64],
    node: npt.NDArray[np.int64],
    dist: npt.NDArray[np.float64],
    share: npt.NDArray[np.float64],
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]:
    """Merge paths at the same street end whose distances share a ``_MERGE_M`` bin."""
    at_v = node == lixels.network.edge_v[via]
    n_bins = int(np.ceil(dist.max() / _MERGE_M)) + 1
    key = (via * 2 + at_v) * n_bins + np.floor(dist / _MERGE_M).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    total = np.bincount(inverse, weights=share).astype(np.float64)
    size = np.abs(share)  # continuous NKDE shares may be negative: weight distances by size
    mean_dist = np.bincount(inverse, weights=size * dist) / np.bincount(inverse, weights=size)
    return via[first], node[first], mean_dist, total


def _node_distances(
    lixels: Lixels,
    src_segment: npt.NDArray[np.int64],
    src_offset: npt.NDArray[np.float64],
    bandwidth_m: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """
    ``(source, node, distance)`` for every node within the bandwidth of each source.

    Dijkstra (bounded by ``limit``) from the ends of the source segments, in chunks; a source's
    distance to a node is the shorter way out of its segment, by ``edge_u`` or ``edge_v``.
    """
    network = lixels.network
    length = network.edge_length_m
    out_src: list[npt.NDArray[np.int64]] = []
    out_node: list[npt.NDArray[np.int64]] = []
    out_dist: list[npt.NDArray[np.float64]] = []
    segments, seg_inverse = np.unique(src_segment, return_inverse=True)
    for lo in range(0, len(segments), _SOURCES_PER_CHUNK):
        chunk = segments[lo : lo + _SOURCES_PER_CHUNK]
        starts, start_inverse = np.unique(
            np.concatenate([network.edge_u[chunk], network.edge_v[chunk]]), return_inverse=True
        )
        table = dijkstra(network.adjacency, directed=False, indices=starts, limit=bandwidth_m)
        in_chunk = np.flatnonzero((seg_inverse >= lo) & (seg_inverse < lo + len(chunk)))
        local = seg_inverse[in_chunk] - lo
        row_u = start_inverse[local]
        row_v = start_inverse[local + len(chunk)]
        seg = src_segment[in_chunk]
        via_u = src_offset[in_chunk, None] + table[row_u]
        via_v = (length[seg] - src_offset[in_chunk])[:, None] + table[row_v]
        best = np.minimum(via_u, via_v)
        s, n = np.nonzero(best < bandwidth_m)
        out_src.append(in_chunk[s].astype(np.int64))
        out_node.append(n.astype(np.int64))
        out_dist.append(best[s, n])
    return np.concatenate(out_src), np.concatenate(out_node), np.concatenate(out_dist)


def _simple(
    lixels: Lixels,
    src_segment: npt.NDArray[np.int64],
    src_offset: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    bandwidth_m: float,
    kernel: NetworkKernel,
) -> npt.NDArray[np.float64]:
    """
    Xie & Yan's simple NKDE: the kernel of the shortest-path distance, summed over sources.

    A lixel centre at offset ``c`` on segment ``(a, b)`` is ``min(d(a) + c, d(b) + L - c)`` from a
    source, or ``|c - t|`` when the source lies on the same segment at ``t``.
    """
    network = lixels.network
    n_edges = network.n_edges
    src, node, dist = _node_distances(lixels, src_segment, src_offset, bandwidth_m)
    # (source, segment) pairs touching a reached node, with the distance at each end
    ends = np.concatenate([network.edge_u, network.edge_v])
    seg_of_end = np.concatenate([np.arange(n_edges), np.arange(n_edges)])
    order = np.argsort(ends, kind="stable")
    inc_seg = seg_of_end[order]
    inc_ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=network.n_nodes))])
    n_inc = np.diff(inc_ptr)[node]
    rep = np.repeat(np.arange(len(node)), n_inc)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n_inc) - n_inc, n_inc)
    seg = inc_seg[inc_ptr[node[rep]] + k]
    at_u = network.edge_u[seg] == node[rep]
    pair_key = src[rep] * n_edges + seg
    keys, pair = np.unique(pair_key, return_inverse=True)
    d_u = np.full(len(keys), np.inf)
    d_v = np.full(len(keys), np.inf)
    np.minimum.at(d_u, pair[at_u], dist[rep][at_u])
    np.minimum.at(d_v, pair[~at_u], dist[rep][~at_u])
    pair_src = keys // n_edges
    pair_seg = keys % n_edges

    density = np.zeros(lixels.n_lixels)
    first = lixels.first[pair_seg]
    count = lixels.first[pair_seg + 1] - first
    prep = np.repeat(np.arange(len(keys)), count)
    lixel = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + first[prep]
    centre = lixels.centre_m[lixel]
    d = np.minimum(d_u[prep] + centre, d_v[prep] + network.edge_length_m[pair_seg[prep]] - centre)
    same = src_segment[pair_src[prep]] == pair_seg[prep]
    d = np.where(same, np.minimum(d, np.abs(centre - src_offset[pair_src[prep]])), d)
    values = w[pair_src[prep]] * network_kernel(d, bandwidth_m=bandwidth_m, kernel=kernel)
    density += np.bincount(lixel, weights=values, minlength=lixels.n_lixels)
    # sources whose bandwidth reaches no node still cover their own segment
    covered = np.zeros(len(src_segment), dtype=bool)
    covered[pair_src[src_segment[pair_src] == pair_seg]] = True
    lonely = ~covered
    if lonely.any():
        density += _own_segment(
            lixels, src_segment[lonely], src_offset[lonely], w[lonely], bandwidth_m, kernel
        )
    return density
