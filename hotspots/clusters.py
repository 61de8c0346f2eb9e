"""
Density clusters of crime points: DBSCAN and HDBSCAN, with parameters in metres and crimes.

police.uk publishes every crime at an anonymised "snap point", so many crimes share one
coordinate. Both methods therefore work on the distinct locations with their crime counts,
never on duplicated points:

* **DBSCAN** passes the counts as ``sample_weight``; a neighbourhood is dense when it holds at least
  ``min_crimes`` crimes, and a snap point with ``min_crimes`` crimes is dense on its own. This is
  exactly DBSCAN on the duplicated points, at the cost of the distinct locations.
* **HDBSCAN** (scikit-learn's takes no weights) sees each location repeated ``min(count, cap)``
  times, with ``cap >= min_samples``. Core distances (the density estimate) are then exactly those
  of the fully duplicated points, because no more than ``min_samples`` copies of one location
  can be among a point's nearest neighbours; only cluster sizes and the cluster-selection
  stability count a stacked location as ``cap`` crimes rather than all of them. Reported counts
  are always the true counts. When the repeated rows exceed ``max_rows`` (default 10,000;
  scikit-learn builds HDBSCAN's minimum spanning tree with Prim's algorithm, quadratic in the
  rows, about a second at 10,000 and four at 20,000), HDBSCAN runs on a seeded random
  subsample of the crimes with its size parameters scaled by the sampling fraction, and the
  other locations join the cluster of their nearest sampled location when they lie within its
  core distance; the result's ``notes`` say so. Callers in the app should also cache the
  result (it depends only on the points and the parameters).

The automatic DBSCAN distance follows CrimeStat's nearest-neighbour hierarchical clustering
(NNH): two locations are linked when they are closer than the mean nearest-neighbour distance
expected under complete spatial randomness, ``0.5 * sqrt(A / n)`` (Clark & Evans 1954), for the
``n`` distinct locations. Snap points sit on streets, more evenly than random, so the distance is
raised when needed to the distance within which 75 % of the locations have a neighbour; otherwise
neighbouring snap points of one hotspot would not link. HDBSCAN uses the same distance to merge
selected clusters whose locations come that close (the role of ``cluster_selection_epsilon``): a
stacked snap point has infinite density, and without merging each busy snap point would be a
cluster of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import KDTree
from sklearn.cluster import DBSCAN, HDBSCAN

from hotspots.concentration import N_TOP_CRIME_TYPES, police_building_note
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "CLUSTER_COLUMNS",
    "DEFAULT_HDBSCAN_MAX_ROWS",
    "DEFAULT_HDBSCAN_MIN_SAMPLES",
    "DEFAULT_HDBSCAN_STACK_CAP",
    "DEFAULT_HULL_BUFFER_M",
    "DEFAULT_MIN_CLUSTER_CRIMES",
    "DEFAULT_MIN_CRIMES",
    "SNAP_SPACING_QUANTILE",
    "ClusterMethod",
    "ClusterResult",
    "HdbscanSelection",
    "dbscan_clusters",
    "expected_nn_distance_m",
    "hdbscan_clusters",
]

ClusterMethod = Literal["dbscan", "hdbscan"]
HdbscanSelection = Literal["eom", "leaf"]

DEFAULT_MIN_CRIMES: Final = 20
"""DBSCAN: crimes within ``eps_m`` of a location (itself included) that make it a core location."""
DEFAULT_MIN_CLUSTER_CRIMES: Final = 20
"""HDBSCAN: the fewest crimes a cluster may hold."""
DEFAULT_HDBSCAN_MIN_SAMPLES: Final = 5
"""HDBSCAN: crimes defining a location's core distance (its density estimate)."""
DEFAULT_HULL_BUFFER_M: Final = 25.0
"""Cluster polygons are the convex hull of their locations grown by this many metres, so a
cluster on one snap point or along one street is still an area on the map."""
DEFAULT_HDBSCAN_STACK_CAP: Final = 50
"""HDBSCAN sees a snap point at most this many times (raised to ``min_samples`` if smaller)."""
DEFAULT_HDBSCAN_MAX_ROWS: Final = 10_000
"""HDBSCAN runs on a seeded subsample above this many rows, to stay interactive (about 1 s)."""
SNAP_SPACING_QUANTILE: Final = 0.75
"""The automatic distance is at least the distance within which this share of the distinct
locations has its nearest neighbour, so neighbouring snap points can link."""

CLUSTER_COLUMNS: Final = (
    "cluster_id",
    "n_crimes",
    "n_snap_points",
    "share_of_crimes",
    "top_crime_types",
    "top_location",
    "location_check",
    "n_months",
    "first_month",
    "last_month",
    "area_m2",
    "geometry",
)
"""Columns of :attr:`ClusterResult.clusters`, in order (``location_check``: the
:func:`~hotspots.concentration.police_building_note` of ``top_location``, or empty)."""

_REQUIRED_COLUMNS: Final = ("crime_type", "month", "location")


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """
    Clusters found by :func:`dbscan_clusters` or :func:`hdbscan_clusters`.

    Attributes
    ----------
    clusters
        One row per cluster, largest first, EPSG:27700: ``cluster_id`` (0 = most crimes),
        ``n_crimes``, ``n_snap_points`` (distinct locations), ``share_of_crimes`` (of all input
        crimes, 0-1), ``top_crime_types`` (e.g. ``"Burglary: 40; Vehicle crime: 3"``),
        ``top_location`` (the commonest police.uk location text), ``n_months`` (distinct months
        with a crime), ``first_month`` and ``last_month`` (``"YYYY-MM"``), ``area_m2`` and the
        polygon (convex hull of the locations grown by ``hull_buffer_m``).
    labels
        The ``cluster_id`` of every input crime, -1 for noise, indexed like the input points.
    method
        ``"dbscan"`` or ``"hdbscan"``.
    eps_m
        DBSCAN's neighbourhood radius, or HDBSCAN's cluster selection epsilon, in metres.
    min_crimes
        DBSCAN's ``min_crimes`` or HDBSCAN's ``min_cluster_crimes``.
    auto_eps
        True when ``eps_m`` was chosen automatically (see :func:`dbscan_clusters`).
    hull_buffer_m
        How far cluster polygons extend beyond their outermost locations.
    n_crimes
        Input crimes.
    n_clustered
        Crimes in a cluster.
    notes
        Sentences for the user: how parameters were chosen, subsampling, stacking caps.
    """

    clusters: gpd.GeoDataFrame
    labels: pd.Series
    method: ClusterMethod
    eps_m: float | None
    min_crimes: int
    auto_eps: bool
    hull_buffer_m: float
    n_crimes: int
    n_clustered: int
    notes: tuple[str, ...] = ()


def expected_nn_distance_m(n: int, area_m2: float) -> float:
    """
    Return the mean nearest-neighbour distance expected under complete spatial randomness.

    Parameters
    ----------
    n
        Number of points (distinct locations).
    area_m2
        Area of the study region in square metres.

    Returns
    -------
    float
        ``0.5 * sqrt(area_m2 / n)`` metres.

    Raises
    ------
    ParameterError
        When ``n < 1`` or ``area_m2`` is not positive and finite.

    References
    ----------
    Clark, P. J. and Evans, F. C. (1954). Distance to nearest neighbor as a measure of spatial
    relationships in populations. Ecology 35(4), 445-453.
    Levine, N. (2015). CrimeStat IV, chapter 7: Hot spot analysis I (nearest-neighbour
    hierarchical clustering uses this distance as its threshold).

    Examples
    --------
    >>> expected_nn_distance_m(100, 1_000_000.0)
    50.0
    """
    if n < 1:
        msg = f"n must be at least 1 to compute a nearest-neighbour distance; found {n}."
        raise ParameterError(msg)
    if not (math.isfinite(area_m2) and area_m2 > 0):
        msg = (
            f"area_m2 must be a positive area in square metres; found {area_m2}. "
            "Pass the study area's size (e.g. the selected wards' total area)."
        )
        raise ParameterError(msg)
    return 0.5 * math.sqrt(area_m2 / n)


@dataclass(frozen=True)
class _Locations:
    """Distinct coordinates with their crime counts and the map from crimes to them."""

    xy: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]
    inverse: npt.NDArray[np.int64]


def _prepare(points: gpd.GeoDataFrame, *, hull_buffer_m: float) -> _Locations:
    require_bng(points, name="points")
    require_columns(
        points.columns,
        _REQUIRED_COLUMNS,
        source="points",
        hint="Load crimes with spatial.io.read_crimes.",
    )
    if len(points) == 0:
        msg = "There are no crimes to cluster. Widen the selection of months, crime types or wards."
        raise EmptyInputError(msg)
    if not (math.isfinite(hull_buffer_m) and hull_buffer_m >= 0):
        msg = f"hull_buffer_m must be a distance of 0 m or more; found {hull_buffer_m}."
        raise ParameterError(msg)
    geoms = points.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not bad.any():
        bad = shapely.get_type_id(geoms) != 0
    if bad.any():
        first = points.index[int(np.flatnonzero(bad)[0])]
        msg = (
            f"{int(bad.sum())} crimes have no point geometry (first: index {first}). "
            "Drop rows without a location before clustering."
        )
        raise EmptyInputError(msg)
    xy = np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).astype(np.float64)
    unique_xy, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    return _Locations(
        xy=unique_xy,
        counts=counts.astype(np.int64),
        inverse=inverse.reshape(-1).astype(np.int64),
    )


def _auto_distance_m(
    locations: _Locations, *, area_m2: float | None, what: str
) -> tuple[float, str]:
    """
    Choose a linking distance: the CSR nearest-neighbour distance, raised to the snap spacing.

    Returns the distance and a note saying how it was chosen.
    """
    region_m2 = area_m2
    source = "the given study area"
    if region_m2 is None:
        region_m2 = float(shapely.area(shapely.convex_hull(shapely.multipoints(locations.xy))))
        source = "the convex hull of the crimes"
    n = len(locations.counts)
    if region_m2 <= 0 or n < 2:  # noqa: PLR2004  (a nearest neighbour needs two locations)
        msg = (
            f"Cannot choose {what} automatically: the crimes lie on one point or one line, so "
            f"their area is 0. Pass {what} (e.g. 100) or area_m2."
        )
        raise ParameterError(msg)
    csr_m = expected_nn_distance_m(n, region_m2)
    nn_m, _ = KDTree(locations.xy).query(locations.xy, k=[2])
    spacing_m = float(np.quantile(np.asarray(nn_m, dtype=np.float64)[:, 0], SNAP_SPACING_QUANTILE))
    distance_m = max(csr_m, spacing_m)
    note = (
        f"{what} {distance_m:.0f} m chosen automatically: the larger of the mean nearest-neighbour "
        f"distance expected if the {n:,} distinct locations were spread at random over {source} "
        f"({region_m2 / 1e6:.2f} km², 0.5 * sqrt(A / n) = {csr_m:.0f} m, CrimeStat NNH) and the "
        f"distance within which {SNAP_SPACING_QUANTILE:.0%} of locations have a neighbour "
        f"({spacing_m:.0f} m; police.uk snap points are spaced more evenly than random, so the "
        "random expectation alone can leave neighbouring snap points unlinked)."
    )
    return distance_m, note


def _validate_count(value: int, *, name: str, minimum: int) -> None:
    if int(value) != value or value < minimum:
        msg = f"{name} must be a whole number of at least {minimum} crimes; found {value}."
        raise ParameterError(msg)


def _relabel_by_size(
    location_labels: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Renumber clusters 0..k-1 by descending crime count (ties by first location)."""
    out = np.full(len(location_labels), -1, dtype=np.int64)
    clustered = location_labels >= 0
    if not clustered.any():
        return out
    raw, first, dense = np.unique(
        location_labels[clustered], return_index=True, return_inverse=True
    )
    sizes = np.bincount(dense.reshape(-1), weights=counts[clustered], minlength=len(raw))
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(raw), dtype=np.int64)
    rank[order] = np.arange(len(raw), dtype=np.int64)
    out[clustered] = rank[dense.reshape(-1)]
    return out


def _drop_small(
    location_labels: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], *, min_crimes: int
) -> npt.NDArray[np.int64]:
    """Send clusters holding fewer than ``min_crimes`` crimes to noise."""
    out = location_labels.copy()
    clustered = out >= 0
    if not clustered.any():
        return out
    sizes = np.bincount(out[clustered], weights=counts[clustered])
    out[clustered & (sizes[np.maximum(out, 0)] < min_crimes)] = -1
    return out


def _top_per_cluster(frame: pd.DataFrame, column: str, *, n: int, with_counts: bool) -> pd.Series:
    """Join the ``n`` commonest values of ``column`` per cluster (ties by value) with '; '."""
    counts = frame.groupby(["cluster_id", column], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["cluster_id", "n", column], ascending=[True, False, True])
    top = counts.groupby("cluster_id", sort=True).head(n)
    if with_counts:
        text = top[column].astype(str) + ": " + top["n"].astype(str)
    else:
        text = top[column].astype(str)
    return text.groupby(top["cluster_id"], sort=True).agg("; ".join)


def _month_text(ordinals: npt.NDArray[np.int64]) -> list[str]:
    """Format monthly period ordinals (months since 1970-01) as ``YYYY-MM``."""
    return [f"{1970 + int(v) // 12:04d}-{int(v) % 12 + 1:02d}" for v in ordinals]


def _empty_clusters() -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "cluster_id": pd.Series(dtype="int64"),
            "n_crimes": pd.Series(dtype="int64"),
            "n_snap_points": pd.Series(dtype="int64"),
            "share_of_crimes": pd.Series(dtype="float64"),
            "top_crime_types": pd.Series(dtype="str"),
            "top_location": pd.Series(dtype="str"),
            "location_check": pd.Series(dtype="str"),
            "n_months": pd.Series(dtype="int64"),
            "first_month": pd.Series(dtype="str"),
            "last_month": pd.Series(dtype="str"),
            "area_m2": pd.Series(dtype="float64"),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def _cluster_table(
    points: gpd.GeoDataFrame,
    locations: _Locations,
    location_labels: npt.NDArray[np.int64],
    *,
    hull_buffer_m: float,
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    crime_labels = location_labels[locations.inverse]
    labels = pd.Series(crime_labels, index=points.index, name="cluster_id", dtype="int64")
    n_clusters = int(location_labels.max()) + 1 if (location_labels >= 0).any() else 0
    if n_clusters == 0:
        return _empty_clusters(), labels
    in_cluster = crime_labels >= 0
    month_index = pd.PeriodIndex(points["month"], freq="M")
    frame = pd.DataFrame(
        {
            "cluster_id": crime_labels[in_cluster],
            "crime_type": points["crime_type"].to_numpy()[in_cluster],
            "location": points["location"].to_numpy()[in_cluster],
            "month": month_index.asi8[in_cluster],
        }
    )
    months = frame.groupby("cluster_id", sort=True)["month"].agg(["min", "max", "nunique"])
    located = np.flatnonzero(location_labels >= 0)
    located = located[np.argsort(location_labels[located], kind="stable")]
    hulls = shapely.convex_hull(
        shapely.multipoints(locations.xy[located], indices=location_labels[located])
    )
    polygons = shapely.buffer(hulls, hull_buffer_m) if hull_buffer_m > 0 else hulls
    n_crimes = np.bincount(crime_labels[in_cluster], minlength=n_clusters)
    table = pd.DataFrame(
        {
            "cluster_id": np.arange(n_clusters, dtype=np.int64),
            "n_crimes": n_crimes.astype(np.int64),
            "n_snap_points": np.bincount(location_labels[located], minlength=n_clusters).astype(
                np.int64
            ),
            "share_of_crimes": n_crimes / len(points),
            "top_crime_types": _top_per_cluster(
                frame, "crime_type", n=N_TOP_CRIME_TYPES, with_counts=True
            ).to_numpy(),
            "top_location": _top_per_cluster(frame, "location", n=1, with_counts=False).to_numpy(),
            "n_months": months["nunique"].to_numpy().astype(np.int64),
            "first_month": _month_text(months["min"].to_numpy()),
            "last_month": _month_text(months["max"].to_numpy()),
            "area_m2": shapely.area(polygons),
        }
    )
    table = table.astype({"top_crime_types": "str", "top_location": "str"})
    table["location_check"] = table["top_location"].map(police_building_note).astype("str")
    out = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(polygons, crs=BNG), crs=BNG)
    return out.loc[:, list(CLUSTER_COLUMNS)], labels


def dbscan_clusters(
    points: gpd.GeoDataFrame,
    *,
    eps_m: float | None = None,
    min_crimes: int = DEFAULT_MIN_CRIMES,
    area_m2: float | None = None,
    hull_buffer_m: float = DEFAULT_HULL_BUFFER_M,
) -> ClusterResult:
    """
    Find dense groups of crimes with DBSCAN, weighting each snap point by its crime count.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with ``crime_type``, ``month`` and ``location`` columns.
    eps_m
        Neighbourhood radius in metres. If None, the mean nearest-neighbour distance expected
        under complete spatial randomness for the distinct locations over ``area_m2``
        (CrimeStat's NNH threshold), raised if need be to the distance within which 75 % of the
        distinct locations have a neighbour (snap points are spaced more evenly than random);
        returned as ``result.eps_m`` and explained in ``result.notes``.
    min_crimes
        Crimes within ``eps_m`` of a location, itself included, that make it a core location.
    area_m2
        Study area for the automatic ``eps_m`` (e.g. the selected wards' area). If None, the
        area of the convex hull of the crimes.
    hull_buffer_m
        How far each cluster polygon extends beyond its outermost locations.

    Returns
    -------
    ClusterResult
        Cluster polygons with counts, crime types and months, and a label per crime.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``crime_type``, ``month`` or ``location`` is missing.
    EmptyInputError
        When there are no crimes, or a crime has no point geometry.
    ParameterError
        When ``eps_m``, ``min_crimes``, ``area_m2`` or ``hull_buffer_m`` is out of range, or the
        automatic distance cannot be computed (all crimes on one line or one point).

    References
    ----------
    Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996). A density-based algorithm for
    discovering clusters in large spatial databases with noise. KDD-96, 226-231.
    Levine, N. (2015). CrimeStat IV, chapter 7 (nearest-neighbour hierarchical clustering).

    Examples
    --------
    >>> from shapely import Point
    >>> pts = gpd.GeoDataFrame(
    ...     {"crime_type": ["Burglary"] * 6, "month": pd.PeriodIndex(["2025-01"] * 6, freq="M"),
    ...      "location": ["On or near A Road"] * 5 + ["On or near B Road"]},
    ...     geometry=[Point(0, 0)] * 3 + [Point(30, 0)] * 2 + [Point(900, 900)], crs="EPSG:27700")
    >>> result = dbscan_clusters(pts, eps_m=50, min_crimes=5)
    >>> result.clusters[["n_crimes", "n_snap_points"]].to_numpy().tolist()
    [[5, 2]]
    >>> result.labels.tolist()
    [0, 0, 0, 0, 0, -1]
    """
    _validate_count(min_crimes, name="min_crimes", minimum=1)
    if eps_m is not None and not (math.isfinite(eps_m) and eps_m > 0):
        msg = f"eps_m must be a positive distance in metres; found {eps_m}. Or pass None for auto."
        raise ParameterError(msg)
    if area_m2 is not None and not (math.isfinite(area_m2) and area_m2 > 0):
        msg = f"area_m2 must be a positive area in square metres; found {area_m2}."
        raise ParameterError(msg)
    locations = _prepare(points, hull_buffer_m=hull_buffer_m)
    notes: list[str] = []
    auto = eps_m is None
    if eps_m is None:
        eps, note = _auto_distance_m(locations, area_m2=area_m2, what="eps_m")
        notes.append(note)
    else:
        eps = float(eps_m)
    notes.append(
        f"Snap points weighted by their crime counts ({len(points):,} crimes at "
        f"{len(locations.counts):,} distinct locations); a cluster core needs {min_crimes} crimes "
        f"within {eps:.0f} m."
    )
    model = DBSCAN(eps=eps, min_samples=int(min_crimes), metric="euclidean")
    raw = np.asarray(
        model.fit_predict(locations.xy, sample_weight=locations.counts.astype(np.float64)),
        dtype=np.int64,
    )
    # a core's border locations may join an earlier cluster, leaving its own below min_crimes
    kept = _drop_small(raw, locations.counts, min_crimes=int(min_crimes))
    n_small = len(np.unique(raw[raw >= 0])) - len(np.unique(kept[kept >= 0]))
    if n_small:
        notes.append(
            f"{n_small} groups of fewer than {min_crimes} crimes (their border locations taken "
            "by a neighbouring cluster) are not counted as clusters."
        )
    location_labels = _relabel_by_size(kept, locations.counts)
    clusters, labels = _cluster_table(
        points, locations, location_labels, hull_buffer_m=hull_buffer_m
    )
    return ClusterResult(
        clusters=clusters,
        labels=labels,
        method="dbscan",
        eps_m=eps,
        min_crimes=int(min_crimes),
        auto_eps=auto,
        hull_buffer_m=float(hull_buffer_m),
        n_crimes=len(points),
        n_clustered=int((labels >= 0).sum()),
        notes=tuple(notes),
    )


def _hdbscan_rows(
    locations: _Locations, *, cap: int, max_rows: int, seed: int
) -> tuple[npt.NDArray[np.int64], float]:
    """
    Return, per row fed to HDBSCAN, the index of its location, and the sampling fraction.

    Every location is repeated ``min(count, cap)`` times; above ``max_rows`` a seeded random
    subsample of the crimes (without replacement) is repeated in the same way.
    """
    counts = locations.counts
    if int(np.minimum(counts, cap).sum()) <= max_rows:
        return np.repeat(np.arange(len(counts)), np.minimum(counts, cap)), 1.0
    rng = np.random.default_rng(seed)
    total = int(counts.sum())
    # shrink the sample until the capped repeats fit in max_rows
    n_sample = min(total, max_rows)
    crime_location = np.repeat(np.arange(len(counts)), counts)
    while True:
        chosen = rng.choice(total, size=n_sample, replace=False)
        sampled = np.bincount(crime_location[chosen], minlength=len(counts))
        capped = np.minimum(sampled, cap)
        if int(capped.sum()) <= max_rows:
            break
        n_sample = int(n_sample * 0.9)
    return np.repeat(np.arange(len(counts)), capped), n_sample / total


def _check_hdbscan_options(
    *,
    min_cluster_crimes: int,
    min_samples: int,
    selection_method: str,
    selection_epsilon_m: float | None,
    area_m2: float | None,
    stack_cap: int,
    max_rows: int,
) -> None:
    _validate_count(min_cluster_crimes, name="min_cluster_crimes", minimum=2)
    _validate_count(min_samples, name="min_samples", minimum=1)
    if selection_method not in ("eom", "leaf"):
        msg = f"selection_method must be 'eom' or 'leaf'; found {selection_method!r}."
        raise ParameterError(msg)
    _validate_count(stack_cap, name="stack_cap", minimum=1)
    min_rows = 100
    if int(max_rows) != max_rows or max_rows < min_rows:
        msg = f"max_rows must be a whole number of at least {min_rows}; found {max_rows}."
        raise ParameterError(msg)
    if selection_epsilon_m is not None and not (
        math.isfinite(selection_epsilon_m) and selection_epsilon_m >= 0
    ):
        msg = f"selection_epsilon_m must be 0 m or more; found {selection_epsilon_m}."
        raise ParameterError(msg)
    if area_m2 is not None and not (math.isfinite(area_m2) and area_m2 > 0):
        msg = f"area_m2 must be a positive area in square metres; found {area_m2}."
        raise ParameterError(msg)


def _merge_within(
    xy: npt.NDArray[np.float64], location_labels: npt.NDArray[np.int64], *, distance_m: float
) -> npt.NDArray[np.int64]:
    """Merge clusters that have two locations within ``distance_m`` of each other."""
    clustered = np.flatnonzero(location_labels >= 0)
    if len(clustered) < 2:  # noqa: PLR2004  (a pair needs two locations)
        return location_labels
    pairs = KDTree(xy[clustered]).query_pairs(r=distance_m, output_type="ndarray")
    raw = location_labels[clustered]
    n_raw = int(raw.max()) + 1
    graph = coo_array(
        (np.ones(len(pairs)), (raw[pairs[:, 0]], raw[pairs[:, 1]])), shape=(n_raw, n_raw)
    )
    _, component = connected_components(graph, directed=False)
    out = location_labels.copy()
    out[clustered] = np.asarray(component, dtype=np.int64)[raw]
    return out


def _mode_per_location(
    rows: npt.NDArray[np.int64], row_labels: npt.NDArray[np.int64], n_locations: int
) -> npt.NDArray[np.int64]:
    """Label each location with the commonest label among its copies (-1 if it has none)."""
    out = np.full(n_locations, -1, dtype=np.int64)
    pairs, n_votes = np.unique(np.column_stack([rows, row_labels]), axis=0, return_counts=True)
    # sort by location, then votes descending, then label ascending; keep the first per location
    order = np.lexsort((pairs[:, 1], -n_votes, pairs[:, 0]))
    pairs = pairs[order]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    out[pairs[first, 0]] = pairs[first, 1]
    return out


def hdbscan_clusters(  # noqa: PLR0913  (keyword-only options of one method, all documented)
    points: gpd.GeoDataFrame,
    *,
    min_cluster_crimes: int = DEFAULT_MIN_CLUSTER_CRIMES,
    min_samples: int = DEFAULT_HDBSCAN_MIN_SAMPLES,
    selection_method: HdbscanSelection = "eom",
    selection_epsilon_m: float | None = None,
    area_m2: float | None = None,
    stack_cap: int = DEFAULT_HDBSCAN_STACK_CAP,
    max_rows: int = DEFAULT_HDBSCAN_MAX_ROWS,
    hull_buffer_m: float = DEFAULT_HULL_BUFFER_M,
    seed: int = 0,
) -> ClusterResult:
    """
    Find clusters of varying density with HDBSCAN.

    scikit-learn's HDBSCAN takes no weights, so each snap point is repeated ``min(count, cap)``
    times, ``cap = max(stack_cap, min_samples)``: densities are exact (see the module notes) and
    only cluster sizes in the selection step count a stacked point as at most ``cap`` crimes.
    Above ``max_rows`` rows a seeded subsample of the crimes is clustered and the rest attached to
    the nearest sampled location within its core distance.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with ``crime_type``, ``month`` and ``location`` columns.
    min_cluster_crimes
        The fewest crimes a cluster may hold (HDBSCAN's ``min_cluster_size``); clusters holding
        fewer true crimes after labelling are dropped to noise.
    min_samples
        Crimes defining a location's core distance (HDBSCAN's ``min_samples``). Small values
        keep compact series (a burglary series of 40 crimes in a 100 m radius) apart from the
        sparser crime around them; scikit-learn's default, ``min_cluster_crimes``, smooths them
        into district-sized clusters.
    selection_method
        ``"eom"`` (excess of mass, HDBSCAN's default: fewer, larger clusters) or ``"leaf"``
        (the finest clusters of the hierarchy).
    selection_epsilon_m
        Clusters with locations closer than this many metres are merged after selection (the
        role of HDBSCAN's ``cluster_selection_epsilon``, which in scikit-learn 1.9 fails under
        NumPy 2, scikit-learn issue #33219). A snap point holding many crimes has zero core
        distance, i.e. infinite density, so without merging every busy snap point becomes a
        cluster of its own. None chooses it as :func:`dbscan_clusters` chooses ``eps_m``
        (returned as ``result.eps_m``); 0 turns merging off.
    area_m2
        Study area for the automatic ``selection_epsilon_m``; None uses the crimes' convex hull.
    stack_cap
        The most copies of one snap point HDBSCAN sees.
    max_rows
        The most rows HDBSCAN clusters before subsampling (keeps it interactive).
    hull_buffer_m
        How far each cluster polygon extends beyond its outermost locations.
    seed
        Seed of the subsample (used only above ``max_rows``).

    Returns
    -------
    ClusterResult
        Cluster polygons with counts, crime types and months, and a label per crime.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``crime_type``, ``month`` or ``location`` is missing.
    EmptyInputError
        When there are no crimes, or a crime has no point geometry.
    ParameterError
        When a size parameter is below 2 (``min_samples``: 1), ``max_rows`` is below 100, or
        a distance or area is negative.

    References
    ----------
    Campello, R. J. G. B., Moulavi, D. and Sander, J. (2013). Density-based clustering based on
    hierarchical density estimates. PAKDD 2013, LNCS 7819, 160-172.
    Malzer, C. and Baum, M. (2020). A hybrid approach to hierarchical density-based cluster
    selection. IEEE MFI 2020, 223-228 (cluster_selection_epsilon).
    McInnes, L., Healy, J. and Astels, S. (2017). hdbscan: Hierarchical density based clustering.
    Journal of Open Source Software 2(11), 205.

    Examples
    --------
    >>> from shapely import Point
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.normal(0, 20, (60, 2)), rng.normal(1500, 20, (40, 2)),
    ...                 rng.uniform(-2000, 2000, (40, 2))])
    >>> pts = gpd.GeoDataFrame(
    ...     {"crime_type": ["Burglary"] * 140, "month": pd.PeriodIndex(["2025-01"] * 140, freq="M"),
    ...      "location": ["On or near A Road"] * 140},
    ...     geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:27700")
    >>> result = hdbscan_clusters(pts, min_cluster_crimes=30)
    >>> labels = result.labels.to_numpy()
    >>> len(result.clusters), bool((labels[:60] == 0).all() and (labels[60:100] == 1).all())
    (2, True)
    """
    _check_hdbscan_options(
        min_cluster_crimes=min_cluster_crimes,
        min_samples=min_samples,
        selection_method=selection_method,
        selection_epsilon_m=selection_epsilon_m,
        area_m2=area_m2,
        stack_cap=stack_cap,
        max_rows=max_rows,
    )
    locations = _prepare(points, hull_buffer_m=hull_buffer_m)
    notes: list[str] = []
    if selection_epsilon_m is None:
        epsilon_m, note = _auto_distance_m(locations, area_m2=area_m2, what="selection_epsilon_m")
        notes.append(note)
    else:
        epsilon_m = float(selection_epsilon_m)
    k = int(min_samples)
    cap = max(int(stack_cap), k)
    rows, fraction = _hdbscan_rows(locations, cap=cap, max_rows=int(max_rows), seed=seed)
    notes += [
        (
            f"HDBSCAN sees each snap point at most {cap} times ({len(points):,} crimes at "
            f"{len(locations.counts):,} distinct locations): densities are exact, but cluster "
            f"selection counts a snap point with more than {cap} crimes as {cap}."
        ),
    ]
    size = int(min_cluster_crimes)
    if fraction < 1.0:
        size, k = max(2, round(min_cluster_crimes * fraction)), max(2, round(k * fraction))
        notes.append(_subsample_note(fraction, max_rows=max_rows, seed=seed, size=size, k=k))
    location_labels = _fit_hdbscan(
        locations,
        rows,
        min_cluster_size=size,
        min_samples=k,
        selection_method=selection_method,
        attach_k=int(min_samples) if fraction < 1.0 else None,
    )
    if epsilon_m > 0:
        location_labels = _merge_within(locations.xy, location_labels, distance_m=epsilon_m)
    location_labels = _drop_small(
        location_labels, locations.counts, min_crimes=int(min_cluster_crimes)
    )
    location_labels = _relabel_by_size(location_labels, locations.counts)
    clusters, labels = _cluster_table(
        points, locations, location_labels, hull_buffer_m=hull_buffer_m
    )
    return ClusterResult(
        clusters=clusters,
        labels=labels,
        method="hdbscan",
        eps_m=epsilon_m,
        min_crimes=int(min_cluster_crimes),
        auto_eps=selection_epsilon_m is None,
        hull_buffer_m=float(hull_buffer_m),
        n_crimes=len(points),
        n_clustered=int((labels >= 0).sum()),
        notes=tuple(notes),
    )


def _subsample_note(fraction: float, *, max_rows: int, seed: int, size: int, k: int) -> str:
    """Return the note saying HDBSCAN ran on a subsample, and with which options."""
    return (
        f"More than {max_rows:,} rows: HDBSCAN ran on a random {fraction:.0%} of the crimes "
        f"(seed {seed}) with min_cluster_size {size} and min_samples {k}; the other locations "
        "joined the nearest sampled location's cluster when within its core distance."
    )


def _fit_hdbscan(
    locations: _Locations,
    rows: npt.NDArray[np.int64],
    *,
    min_cluster_size: int,
    min_samples: int,
    selection_method: HdbscanSelection,
    attach_k: int | None,
) -> npt.NDArray[np.int64]:
    """
    Return HDBSCAN's label per location (-1: noise) from the stacked ``rows``.

    With ``attach_k`` (the rows are a subsample), unsampled locations join the nearest sampled
    row's cluster when within its core distance (:func:`_attach_unsampled`).
    """
    location_labels = np.full(len(locations.counts), -1, dtype=np.int64)
    if len(rows) <= min_cluster_size:
        return location_labels
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min(min_samples, len(rows)),
        cluster_selection_method=selection_method,
        copy=True,
    )
    row_labels = np.asarray(model.fit_predict(locations.xy[rows]), dtype=np.int64)
    location_labels = _mode_per_location(rows, row_labels, len(locations.counts))
    if attach_k is not None:
        location_labels = _attach_unsampled(
            locations.xy, location_labels, rows=rows, row_labels=row_labels, k=attach_k
        )
    return location_labels


def _attach_unsampled(
    xy: npt.NDArray[np.float64],
    location_labels: npt.NDArray[np.int64],
    *,
    rows: npt.NDArray[np.int64],
    row_labels: npt.NDArray[np.int64],
    k: int,
) -> npt.NDArray[np.int64]:
    """
    Give unsampled locations the label of the nearest sampled row within its core distance.

    The core distance here is the distance to the ``k``-th nearest sampled row (itself
    included), ``k`` the unscaled ``min_samples`` and at least 2, a generous radius because the
    sample is sparser than the data.
    """
    out = location_labels.copy()
    sampled_rows_xy = xy[rows]
    tree = KDTree(sampled_rows_xy)
    kth = min(max(k, 2), len(rows))
    core_d, _ = tree.query(sampled_rows_xy, k=[kth])
    core = np.asarray(core_d, dtype=np.float64)[:, 0]
    unsampled = np.setdiff1d(np.arange(len(xy)), rows)
    if len(unsampled) == 0:
        return out
    dist_k, nearest_k = tree.query(xy[unsampled], k=[1])
    dist = np.asarray(dist_k, dtype=np.float64)[:, 0]
    nearest = np.asarray(nearest_k, dtype=np.int64)[:, 0]
    ok = (row_labels[nearest] >= 0) & (dist <= core[nearest])
    out[unsampled[ok]] = row_labels[nearest[ok]]
    return out
