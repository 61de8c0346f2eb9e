"""
Benchmark: DBSCAN and HDBSCAN clustering of crime points at 10k, 30k and 100k crimes.

Run with ``.venv/bin/python -m benchmarks.bench_clusters``; it prints a markdown table. Two
layouts of crimes over a 10 km x 10 km area (60 % spread uniformly, 40 % in 20 Gaussian
clusters of 50-300 m):

* **snap points**: as police.uk publishes them, crimes stacked on snap points, one snap point
  per 10 crimes on average, with lognormal popularity (a few busy snap points, many quiet ones);
* **distinct**: every crime at its own coordinate (the worst case: nothing to deduplicate).

For each it times ``hotspots.clusters.dbscan_clusters`` (automatic distance, weighted by count),
``hotspots.clusters.hdbscan_clusters`` (stacks capped, subsampled above 10,000 rows) and, for
reference, scikit-learn on every crime as its own row: ``DBSCAN`` with the same distance and
``HDBSCAN(min_cluster_size=20, min_samples=5)``. Plain HDBSCAN above 30,000 rows is not run: it
takes about 45 s at 100k distinct points on this machine, far from interactive. Times are the best
of a few runs on a 2-core machine shared with other work.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import DBSCAN, HDBSCAN

from hotspots.clusters import dbscan_clusters, hdbscan_clusters
from spatial.crs import BNG

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

SIZES: Final = (10_000, 30_000, 100_000)
SIDE_M: Final = 10_000.0
ORIGIN_M: Final = (520_000.0, 250_000.0)
CRIMES_PER_SNAP_POINT: Final = 10
MAX_PLAIN_HDBSCAN_ROWS: Final = 30_000
SEED: Final = 7


@dataclass(frozen=True)
class Row:
    """One timed run."""

    layout: str
    n_crimes: int
    n_locations: int
    method: str
    seconds: float
    n_clusters: int
    note: str


def _mixture(n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """60 % uniform, 40 % in 20 Gaussian clusters, clipped to the square."""
    n_uniform = int(0.6 * n)
    centres = rng.uniform(1000, SIDE_M - 1000, (20, 2))
    spreads = rng.uniform(50, 300, 20)
    which = rng.integers(0, 20, n - n_uniform)
    clustered = centres[which] + rng.normal(0, 1, (n - n_uniform, 2)) * spreads[which, None]
    xy = np.concatenate([rng.uniform(0, SIDE_M, (n_uniform, 2)), clustered])
    return np.asarray(np.clip(xy, 0.0, SIDE_M).round() + np.array(ORIGIN_M), dtype=np.float64)


def _crimes(n: int, *, snapped: bool, rng: np.random.Generator) -> gpd.GeoDataFrame:
    if snapped:
        snaps = _mixture(n // CRIMES_PER_SNAP_POINT, rng)
        popularity = rng.lognormal(0.0, 1.0, len(snaps))
        xy = snaps[rng.choice(len(snaps), size=n, p=popularity / popularity.sum())]
    else:
        xy = _mixture(n, rng)
    months = pd.period_range("2024-10", periods=12, freq="M")
    return gpd.GeoDataFrame(
        {
            "crime_type": rng.choice(["Burglary", "Anti-social behaviour", "Shoplifting"], n),
            "month": months[rng.integers(0, 12, n)],
            "location": "On or near Somewhere",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=BNG,
    )


def _best_of(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _measure(layout: str, points: gpd.GeoDataFrame) -> list[Row]:
    n = len(points)
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    n_locations = len(np.unique(xy, axis=0))
    repeats = 3 if n <= MAX_PLAIN_HDBSCAN_ROWS else 1
    rows: list[Row] = []

    dbscan = dbscan_clusters(points)
    eps_m = float(dbscan.eps_m or 0.0)
    seconds, n_clusters = _best_of(lambda: len(dbscan_clusters(points).clusters), repeats)
    rows.append(
        Row(layout, n, n_locations, "dbscan_clusters", seconds, n_clusters, f"eps {eps_m:.0f} m")
    )

    def plain_dbscan() -> int:
        labels = DBSCAN(eps=eps_m, min_samples=20).fit_predict(xy)
        return int(labels.max()) + 1

    seconds, n_clusters = _best_of(plain_dbscan, repeats)
    rows.append(
        Row(layout, n, n_locations, "sklearn DBSCAN, every crime a row", seconds, n_clusters, "")
    )

    hdbscan = hdbscan_clusters(points)
    sampled = any("HDBSCAN ran on a random" in note for note in hdbscan.notes)
    sub = "subsampled to 10,000 rows" if sampled else "all rows"
    seconds, n_clusters = _best_of(lambda: len(hdbscan_clusters(points).clusters), repeats)
    rows.append(Row(layout, n, n_locations, "hdbscan_clusters", seconds, n_clusters, sub))

    if n <= MAX_PLAIN_HDBSCAN_ROWS:

        def plain_hdbscan() -> int:
            labels = HDBSCAN(min_cluster_size=20, min_samples=5, copy=True).fit_predict(xy)
            return int(labels.max()) + 1

        seconds, n_clusters = _best_of(plain_hdbscan, 1)
        rows.append(
            Row(
                layout,
                n,
                n_locations,
                "sklearn HDBSCAN, every crime a row",
                seconds,
                n_clusters,
                "",
            )
        )
    else:
        rows.append(
            Row(
                layout,
                n,
                n_locations,
                "sklearn HDBSCAN, every crime a row",
                float("nan"),
                0,
                "not run (about 45 s at 100k)",
            )
        )
    return rows


def main() -> None:
    """Time every method at every size and print a markdown table."""
    rng = np.random.default_rng(SEED)
    rows: list[Row] = []
    for snapped in (True, False):
        for n in SIZES:
            points = _crimes(n, snapped=snapped, rng=rng)
            rows += _measure("snap points" if snapped else "distinct", points)
    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"{platform.machine()}; best of 3 runs (1 at 100k)."
    )
    print()
    print("| layout | crimes | locations | method | seconds | clusters | note |")
    print("|---|---:|---:|---|---:|---:|---|")
    for row in rows:
        seconds = "-" if np.isnan(row.seconds) else f"{row.seconds:.2f}"
        print(
            f"| {row.layout} | {row.n_crimes:,} | {row.n_locations:,} | {row.method} | "
            f"{seconds} | {row.n_clusters} | {row.note} |"
        )


if __name__ == "__main__":
    main()
