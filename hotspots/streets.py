"""
Street-segment hotspots: crimes per street segment or lixel, Gi* on the network, top streets.

* :func:`street_counts` counts crimes per street segment (junction to junction) or per lixel,
  with the rate per 100 m of street.
* :func:`street_gi_star` runs Getis-Ord Gi* on those counts with network neighbours (pieces
  sharing a junction, or within a network distance), with exactly the conventions of the grid
  Gi* (:mod:`hotspots.gistar`: analytic z, two-sided p, Benjamini-Hochberg FDR, ArcGIS bins).
* :func:`top_streets` finds the fewest segments that hold a given share of the crime, the
  street-level concentration (Weisburd 2015's "law of crime concentration at place").
* :func:`hot_streets` is the one workflow the app, the command line and exports share: lixels,
  snapping and one method (network KDE, counts or Gi*) per segment or lixel, ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse, stats
from scipy.sparse.csgraph import dijkstra

from hotspots.fdr import CORRECTION_LABELS, Correction, adjust_p
from hotspots.gistar import DEFAULT_ALPHA, HOTSPOT_LABELS, classify_gi, gi_star_z
from hotspots.nkde import DEFAULT_NKDE_BANDWIDTH_M, NetworkKernel, NkdeMethod, network_kde_snapped
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.lixels import DEFAULT_LIXEL_M, DEFAULT_LIXEL_SNAP_M, make_lixels, snap_to_lixels
from spatial.wording import count_text

if TYPE_CHECKING:
    import numpy.typing as npt

    from spatial.lixels import Lixels, LixelSnap
    from spatial.network import StreetNetwork

__all__ = [
    "DEFAULT_TOP_N_STREETS",
    "DEFAULT_TOP_STREET_SHARE_PCT",
    "STREET_METHODS",
    "HotStreets",
    "StreetGiStar",
    "StreetMethod",
    "StreetUnit",
    "TopStreets",
    "hot_streets",
    "street_counts",
    "street_gi_star",
    "street_stops",
    "street_weights",
    "top_streets",
]

StreetUnit = Literal["segment", "lixel"]
StreetMethod = Literal["nkde-discontinuous", "nkde-simple", "counts", "gistar", "nkde-continuous"]
STREET_METHODS: Final[tuple[StreetMethod, ...]] = (
    "nkde-discontinuous",
    "nkde-simple",
    "counts",
    "gistar",
    "nkde-continuous",
)
"""The street methods, the default first."""
_NKDE_OF: Final[dict[str, NkdeMethod]] = {
    "nkde-discontinuous": "discontinuous",
    "nkde-simple": "simple",
    "nkde-continuous": "continuous",
}
_NKDE_KIND: Final = {
    "nkde-discontinuous": "discontinuous (Okabe et al. 2009; mass split equally at junctions)",
    "nkde-simple": "simple (Xie & Yan 2008)",
    "nkde-continuous": (
        "continuous (Okabe & Sugihara 2012; 2/n of the kernel on at each junction with a "
        "backward correction, so density is continuous and conserved)"
    ),
}
DEFAULT_TOP_N_STREETS: Final = 10
"""How many top segments the app, the command line and briefings list."""
DEFAULT_TOP_STREET_SHARE_PCT: Final = 50.0
"""The share of crime whose holding segments :func:`top_streets` finds."""
_NODES_PER_CHUNK: Final = 512
"""Start nodes per bounded Dijkstra call when building distance-band weights."""


def street_counts(
    snap: LixelSnap, *, lixels: Lixels, per: StreetUnit = "segment"
) -> gpd.GeoDataFrame:
    """
    Count snapped crimes per street segment or per lixel.

    Parameters
    ----------
    snap
        Crimes snapped with :func:`spatial.lixels.snap_to_lixels` on ``lixels``.
    lixels
        The street pieces.
    per
        ``"segment"`` (junction to junction, index ``segment_id``) or ``"lixel"`` (index
        ``lixel_id``).

    Returns
    -------
    geopandas.GeoDataFrame
        One line per segment (or lixel) in EPSG:27700 with ``name`` (OSM street name),
        ``length_m``, ``n_crimes`` and ``per_100m`` (crimes per 100 m of street); lixels also
        carry ``segment`` and ``start_m``.

    Raises
    ------
    ParameterError
        When ``per`` is not "segment" or "lixel".
    """
    if per not in ("segment", "lixel"):
        msg = f"per must be 'segment' or 'lixel'; found {per!r}."
        raise ParameterError(msg)
    keep = snap.snapped
    if per == "segment":
        frame = lixels.network.edges_frame().drop(columns=["u", "v"])
        frame.index.name = "segment_id"
        counts = np.bincount(snap.segment[keep], minlength=len(frame))
    else:
        frame = lixels.frame()
        counts = np.bincount(snap.lixel[keep], minlength=len(frame))
    frame["n_crimes"] = counts.astype(np.int64)
    frame["per_100m"] = 100.0 * counts / np.maximum(frame["length_m"].to_numpy(), 1e-9)
    return frame


def _ends_and_graph(
    lixels: Lixels, per: StreetUnit
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], sparse.csr_array, int]:
    if per == "segment":
        net = lixels.network
        return net.edge_u, net.edge_v, net.adjacency, net.n_nodes
    return lixels.node_a, lixels.node_b, lixels.graph(), lixels.n_graph_nodes


def street_weights(
    lixels: Lixels, *, per: StreetUnit = "segment", distance_m: float | None = None
) -> sparse.csr_array:
    """
    Binary Gi* weights between street pieces, each piece its own neighbour.

    Parameters
    ----------
    lixels
        The street pieces.
    per
        ``"segment"`` or ``"lixel"``.
    distance_m
        None: pieces sharing a junction (an end node) are neighbours. Otherwise pieces whose
        nearest ends lie within this many metres along the streets.

    Returns
    -------
    scipy.sparse.csr_array
        ``(n, n)`` matrix of 0/1 with ones on the diagonal, in segment (or lixel) order.

    Raises
    ------
    ParameterError
        When ``distance_m`` is not a positive number.
    """
    node_a, node_b, graph, n_nodes = _ends_and_graph(lixels, per)
    n = len(node_a)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    incidence = sparse.csr_array(
        (np.ones(2 * n), (rows, np.concatenate([node_a, node_b]))), shape=(n, n_nodes)
    )
    if distance_m is None:
        reach = sparse.eye_array(n_nodes, format="csr")
    else:
        if not (math.isfinite(distance_m) and distance_m > 0):
            msg = f"distance_m must be a positive number of metres; found {distance_m}."
            raise ParameterError(msg)
        reach = _reachable(graph, n_nodes, distance_m)
    linked = (incidence @ reach @ incidence.T).tocsr()
    linked.data[:] = 1.0
    linked.eliminate_zeros()
    return sparse.csr_array(linked)


def _reachable(graph: sparse.csr_array, n_nodes: int, distance_m: float) -> sparse.csr_array:
    """Node pairs within ``distance_m`` along the graph, as a sparse 0/1 matrix."""
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    for lo in range(0, n_nodes, _NODES_PER_CHUNK):
        starts = np.arange(lo, min(lo + _NODES_PER_CHUNK, n_nodes))
        table = dijkstra(graph, directed=False, indices=starts, limit=distance_m * (1 + 1e-9))
        r, c = np.nonzero(np.isfinite(table))
        rows.append(starts[r])
        cols.append(c.astype(np.int64))
    r_all, c_all = np.concatenate(rows), np.concatenate(cols)
    return sparse.csr_array((np.ones(len(r_all)), (r_all, c_all)), shape=(n_nodes, n_nodes))


@dataclass(frozen=True, eq=False)
class StreetGiStar:
    """
    Gi* per street segment (or lixel) and the convention used.

    Attributes
    ----------
    lines
        :func:`street_counts` plus ``gi_z``, ``gi_p``, ``gi_p_fdr``, ``gi_bin``, ``hotspot`` and
        ``significant``, as the grid Gi* (:class:`hotspots.gistar.GiStarResult`).
    convention
        One paragraph saying exactly how the classes were obtained, for the UI.
    per
        ``"segment"`` or ``"lixel"``.
    distance_m
        The network distance band, or None for pieces sharing a junction.
    correction, alpha
        The multiple-testing correction and the adjusted-p level for ``significant``.
    n_hot, n_cold
        Significant hot and cold pieces.
    """

    lines: gpd.GeoDataFrame
    convention: str
    per: StreetUnit
    distance_m: float | None
    correction: Correction
    alpha: float
    n_hot: int
    n_cold: int


def street_gi_star(
    snap: LixelSnap,
    *,
    lixels: Lixels,
    per: StreetUnit = "segment",
    distance_m: float | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_ALPHA,
) -> StreetGiStar:
    """
    Find hot and cold streets with Getis-Ord Gi* on crime counts per segment or lixel.

    Parameters
    ----------
    snap
        Crimes snapped to ``lixels``.
    lixels
        The street pieces.
    per
        ``"segment"`` (default) or ``"lixel"`` (equal-length pieces, the street analogue of
        grid cells).
    distance_m
        None (default): neighbours share a junction; else a network distance band in metres.
    correction
        ``"fdr_bh"`` (default), ``"holm"`` or ``"none"``, over all pieces.
    alpha
        Adjusted-p level for ``significant``.

    Returns
    -------
    StreetGiStar
        Per-piece results and the convention.

    Raises
    ------
    EmptyInputError
        When no crime was snapped to a street.
    ParameterError
        When an option is out of range.

    References
    ----------
    Ord, J. K. and Getis, A. (1995). Geographical Analysis 27(4), 286-306.
    Benjamini, Y. and Hochberg, Y. (1995). JRSS B 57(1), 289-300.
    """
    if correction not in CORRECTION_LABELS:
        msg = f"correction must be one of {sorted(CORRECTION_LABELS)}; found {correction!r}."
        raise ParameterError(msg)
    if not 0 < alpha < 1:
        msg = f"alpha must lie between 0 and 1; found {alpha}."
        raise ParameterError(msg)
    if snap.n_snapped == 0:
        msg = (
            f"None of the {snap.n_points} crimes lies within {snap.max_snap_m:g} m of a street; "
            "check that the network covers them or raise max_snap_m."
        )
        raise EmptyInputError(msg)
    lines = street_counts(snap, lixels=lixels, per=per)
    weights = street_weights(lixels, per=per, distance_m=distance_m)
    y = lines["n_crimes"].to_numpy(dtype=np.float64)
    z = gi_star_z(y, weights)
    p = 2.0 * stats.norm.sf(np.abs(z))
    p_adj = adjust_p(p, method=correction)
    bins = classify_gi(z, p_adj)
    lines["gi_z"] = z
    lines["gi_p"] = p
    lines["gi_p_fdr"] = p_adj
    lines["gi_bin"] = bins
    lines["hotspot"] = pd.Series(
        [HOTSPOT_LABELS[int(b)] for b in bins], index=lines.index, dtype="str"
    )
    significant = p_adj <= alpha
    lines["significant"] = significant
    n_nb = np.diff(weights.indptr)
    piece = (
        "street segments (junction to junction)"
        if per == "segment"
        else (f"lixels ({lixels.lixel_m:g} m pieces of street)")
    )
    if distance_m is None:
        neighbourhood = "each piece and the pieces sharing a junction (an end) with it"
    else:
        neighbourhood = (
            f"every piece whose nearest end lies within {distance_m:g} m along the streets"
        )
    adjusted = "" if correction == "none" else "adjusted "
    convention = (
        f"Getis-Ord Gi* (Ord & Getis 1995, as ArcGIS Hot Spot Analysis) on crime counts in "
        f"{len(lines):,} {piece}; binary weights, {neighbourhood} "
        f"({int(np.median(n_nb))} pieces in a typical neighbourhood); analytic z-score, two-sided "
        f"p-value from the normal distribution; {CORRECTION_LABELS[correction]} over all "
        f"{len(lines):,} pieces. Classes as ArcGIS Gi_Bin: Hot/Cold 99%, 95%, 90% where the "
        f"{adjusted}p-value is at most 0.01, 0.05, 0.10; a piece is counted as significant at "
        f"{adjusted}p <= {alpha:g}."
    )
    return StreetGiStar(
        lines=lines,
        convention=convention,
        per=per,
        distance_m=distance_m,
        correction=correction,
        alpha=alpha,
        n_hot=int((significant & (z > 0)).sum()),
        n_cold=int((significant & (z < 0)).sum()),
    )


@dataclass(frozen=True, eq=False)
class TopStreets:
    """
    The fewest street pieces holding a share of the crime.

    Attributes
    ----------
    lines
        Those pieces, busiest first, with ``cum_share_pct`` (share of crime in this piece and
        the busier ones).
    share_pct
        The share of crime asked for.
    n_crimes
        Crimes on all pieces.
    pct_of_pieces
        The pieces as a percentage of all pieces.
    pct_of_length
        Their length as a percentage of all street length.
    """

    lines: gpd.GeoDataFrame
    share_pct: float
    n_crimes: int
    pct_of_pieces: float
    pct_of_length: float


def top_streets(
    lines: gpd.GeoDataFrame, *, share_pct: float = DEFAULT_TOP_STREET_SHARE_PCT
) -> TopStreets:
    """
    Find the busiest street pieces that together hold ``share_pct`` % of the crime.

    Parameters
    ----------
    lines
        From :func:`street_counts` (``n_crimes``, ``length_m``).
    share_pct
        Share of crime, in (0, 100].

    Returns
    -------
    TopStreets
        Pieces sorted by crimes (then by crimes per 100 m), until the share is reached.

    Raises
    ------
    MissingColumnError
        When ``n_crimes`` or ``length_m`` is missing.
    ParameterError
        When ``share_pct`` is outside (0, 100].
    EmptyInputError
        When there are no crimes.

    Examples
    --------
    >>> import geopandas as gpd
    >>> lines = gpd.GeoDataFrame({"n_crimes": [1, 6, 3, 0], "length_m": [50.0, 100, 30, 70]})
    >>> top = top_streets(lines, share_pct=80)
    >>> top.lines.index.tolist(), top.pct_of_pieces, top.pct_of_length
    ([1, 2], 50.0, 52.0)
    """
    missing = [c for c in ("n_crimes", "length_m") if c not in lines.columns]
    if missing:
        msg = f"lines lacks {missing}; build it with street_counts()."
        raise MissingColumnError(msg)
    if not 0 < share_pct <= 100:  # noqa: PLR2004 -- a percentage
        msg = f"share_pct must lie in (0, 100]; found {share_pct}."
        raise ParameterError(msg)
    counts = lines["n_crimes"].to_numpy(dtype=np.float64)
    total = float(counts.sum())
    if total <= 0:
        msg = "No crimes lie on these streets; widen the months, crime types or areas selected."
        raise EmptyInputError(msg)
    rate = counts / np.maximum(lines["length_m"].to_numpy(dtype=np.float64), 1e-9)
    order = np.lexsort((-rate, -counts))
    cum = np.cumsum(counts[order]) / total * 100.0
    n_top = int(np.searchsorted(cum, share_pct - 1e-9) + 1)
    chosen = lines.iloc[order[:n_top]].copy()
    chosen["cum_share_pct"] = cum[:n_top]
    length = lines["length_m"].to_numpy(dtype=np.float64)
    return TopStreets(
        lines=chosen,
        share_pct=float(share_pct),
        n_crimes=int(total),
        pct_of_pieces=100.0 * n_top / len(lines),
        pct_of_length=100.0 * float(chosen["length_m"].sum()) / float(length.sum()),
    )


@dataclass(frozen=True, eq=False)
class HotStreets:
    """
    Streets ranked by one method, per segment or per lixel.

    Attributes
    ----------
    lines
        :func:`street_counts` (``name``, ``length_m``, ``n_crimes``, ``per_100m``) plus the
        method's columns: ``density_per_km`` and ``density_per_100m`` for the NKDE (per segment:
        the length-weighted mean over its lixels), the Gi* columns for ``"gistar"``.
    value_column
        The column the streets are ranked by (``density_per_km``, ``per_100m`` or ``gi_z``).
    method, per
        The method and the unit (segment or lixel).
    lixel_m, bandwidth_m, max_snap_m
        The lixel length, kernel bandwidth and largest snapping distance used.
    n_points, n_snapped, n_too_far
        Crimes given, snapped to a street, and further than ``max_snap_m`` from every street.
    total_street_km
        Length of all streets of the network.
    description
        One paragraph saying what was computed, for the UI and exports.
    """

    lines: gpd.GeoDataFrame
    value_column: str
    method: StreetMethod
    per: StreetUnit
    lixel_m: float
    bandwidth_m: float
    max_snap_m: float
    n_points: int
    n_snapped: int
    n_too_far: int
    total_street_km: float
    description: str

    def top(self, n: int = DEFAULT_TOP_N_STREETS) -> gpd.GeoDataFrame:
        """
        Return the ``n`` highest-ranked pieces that hold at least one crime.

        Parameters
        ----------
        n
            How many.

        Returns
        -------
        geopandas.GeoDataFrame
            Rows of :attr:`lines`, highest ``value_column`` first (ties: more crimes first).
        """
        busy = self.lines.loc[self.lines["n_crimes"] > 0]
        order = np.lexsort(
            (-busy["n_crimes"].to_numpy(dtype=np.float64), -busy[self.value_column].to_numpy())
        )
        return busy.iloc[order[:n]]


def _segment_density(
    density_per_m: npt.NDArray[np.float64], lixels: Lixels
) -> npt.NDArray[np.float64]:
    """Length-weighted mean density of each segment's lixels."""
    mass = np.bincount(
        lixels.segment, weights=density_per_m * lixels.length_m, minlength=lixels.network.n_edges
    )
    return mass / np.maximum(lixels.network.edge_length_m, 1e-9)


def _add_nkde(
    lines: gpd.GeoDataFrame,
    snap: LixelSnap,
    lixels: Lixels,
    method: StreetMethod,
    per: StreetUnit,
    bandwidth_m: float,
    kernel: NetworkKernel,
) -> str:
    """Add ``density_per_km`` and ``density_per_100m`` to ``lines``; return what was done."""
    nkde = network_kde_snapped(
        snap,
        lixels=lixels,
        bandwidth_m=bandwidth_m,
        method=_NKDE_OF[method],
        kernel=kernel,
    )
    per_m = nkde.density_per_m if per == "lixel" else _segment_density(nkde.density_per_m, lixels)
    lines["density_per_km"] = per_m * 1000.0
    lines["density_per_100m"] = per_m * 100.0
    kind = _NKDE_KIND[method]
    return (
        f"Network kernel density, {kind}, {kernel} kernel, {bandwidth_m:g} m bandwidth along "
        f"the streets, evaluated at the centres of {lixels.lixel_m:g} m lixels"
        + ("" if per == "lixel" else " and averaged over each segment")
        + "; crimes per km of street."
    )


def hot_streets(  # noqa: PLR0913 -- keyword-only options of one workflow
    points: gpd.GeoDataFrame,
    *,
    network: StreetNetwork,
    method: StreetMethod = "nkde-discontinuous",
    per: StreetUnit = "segment",
    lixel_m: float = DEFAULT_LIXEL_M,
    bandwidth_m: float = DEFAULT_NKDE_BANDWIDTH_M,
    max_snap_m: float = DEFAULT_LIXEL_SNAP_M,
    kernel: NetworkKernel = "quartic",
    distance_m: float | None = None,
) -> HotStreets:
    """
    Rank streets by crime: cut lixels, snap the crimes and apply one method.

    Parameters
    ----------
    points
        Crimes in EPSG:27700.
    network
        The street network.
    method
        ``"nkde-discontinuous"`` (default), ``"nkde-simple"``, ``"nkde-continuous"`` (network
        KDE, crimes per km), ``"counts"`` (crimes per 100 m) or ``"gistar"`` (Gi* z on counts).
    per
        ``"segment"`` (junction to junction, default) or ``"lixel"``.
    lixel_m
        Length of the lixels.
    bandwidth_m
        NKDE bandwidth in metres of street.
    max_snap_m
        Crimes further than this from every street are counted as too far and left out.
    kernel
        NKDE kernel: ``"quartic"`` or ``"gaussian"``.
    distance_m
        Gi* neighbours: None for pieces sharing a junction, else a network distance band.

    Returns
    -------
    HotStreets
        The ranked lines and what was done.

    Raises
    ------
    ParameterError
        When an option is out of range or the method unknown.
    EmptyInputError
        When no crime lies within ``max_snap_m`` of a street.
    CRSError
        When the crimes are not in EPSG:27700.
    """
    if method not in STREET_METHODS:
        msg = f"method must be one of {', '.join(STREET_METHODS)}; found {method!r}."
        raise ParameterError(msg)
    lixels = make_lixels(network, lixel_m=lixel_m)
    snap = snap_to_lixels(lixels, points, max_snap_m=max_snap_m)
    if snap.n_snapped == 0:
        msg = (
            f"None of the {snap.n_points} crimes lies within {max_snap_m:g} m of a street on "
            "this network. Check that the network covers the crimes, or raise max_snap_m."
        )
        raise EmptyInputError(msg)
    unit = "segment" if per == "segment" else f"{lixel_m:g} m lixel"
    if method == "gistar":
        gi = street_gi_star(snap, lixels=lixels, per=per, distance_m=distance_m)
        lines, value, what = gi.lines, "gi_z", gi.convention
    else:
        lines = street_counts(snap, lixels=lixels, per=per)
        value = "per_100m"
        what = f"Crimes per 100 m of street in each {unit}."
        if method != "counts":
            what = _add_nkde(lines, snap, lixels, method, per, bandwidth_m, kernel)
            value = "density_per_km"
    description = (
        f"{what} {snap.n_snapped:,} of {snap.n_points:,} crimes snapped to the nearest street "
        f"within {max_snap_m:g} m; {snap.n_too_far:,} further away were left out."
    )
    return HotStreets(
        lines=lines,
        value_column=value,
        method=method,
        per=per,
        lixel_m=float(lixel_m),
        bandwidth_m=float(bandwidth_m),
        max_snap_m=float(max_snap_m),
        n_points=snap.n_points,
        n_snapped=snap.n_snapped,
        n_too_far=snap.n_too_far,
        total_street_km=lixels.total_length_m / 1000.0,
        description=description,
    )


def street_stops(hot: HotStreets, *, top_n: int = DEFAULT_TOP_N_STREETS) -> gpd.GeoDataFrame:
    """
    Return the top hot street segments as EVA stops at their midpoints.

    Parameters
    ----------
    hot
        Hot streets per segment.
    top_n
        How many (the top ``top_n`` of :meth:`HotStreets.top`).

    Returns
    -------
    geopandas.GeoDataFrame
        Points (EPSG:27700) indexed by ``segment_id`` with ``label`` (street name and crimes)
        and ``weight`` (crimes), for :func:`spatial.street_walks.streets_at_points`.

    Raises
    ------
    ParameterError
        When the streets are per lixel (a walk follows whole segments).
    """
    if hot.per != "segment":
        msg = "EVA street walks follow whole segments: rank the streets per segment."
        raise ParameterError(msg)
    top = hot.top(top_n)
    mid = shapely.line_interpolate_point(top.geometry.to_numpy(), 0.5, normalized=True)
    return gpd.GeoDataFrame(
        {
            "label": [
                f"{n} ({count_text(int(c))})"
                for n, c in zip(top["name"], top["n_crimes"], strict=True)
            ],
            "weight": top["n_crimes"].to_numpy(dtype=np.float64),
        },
        geometry=mid,
        index=top.index,
        crs=top.crs,
    )
