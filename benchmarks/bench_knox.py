"""
Benchmark: the patchmap Knox test against a straightforward implementation on the same events.

Run with ``.venv/bin/python -m benchmarks.bench_knox``. The events are the Toronto Police
Service burglaries (Break and Enter, 2019-2021, 20,425 events, snapped to intersections, in
their UTM zone) from ``../shared/data/toronto/`` when present, else 20,000 uniform events over
25 km x 25 km and three years (timed as well). With the Toronto data, all 93,113 of its major
crimes are timed too (13.1 million pairs within 400 m, on 15,079 distinct points). Bands:
``0,100,200,300,400`` m by ``7,14,21,28`` days.

* patchmap :func:`hotspots.knox.knox_test_xy`: pairs of distinct locations from a k-d tree,
  then per shuffle a vectorised count: pair by pair for locations of few events, through a
  table of each busy location's events by day for the rest.
* The straightforward way: the distance of every pair of events (``numpy.triu_indices``), then
  a Python loop over the shuffles, each counting every pair's day gap by band. Its memory grows
  with the square of the events (about 3 GB of pair indices at 20,000), so it is run on a
  random subset of 4,000 of the same events, with 20 shuffles timed and the time scaled to 999
  (the loop is exactly linear in the shuffles); patchmap runs the same subset with all 999.

Times are wall and CPU seconds of one run each on the shared 2-core machine (other work runs
at the same time, so wall time can be a few times the CPU time: ratios use CPU time).
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from hotspots.knox import (
    DEFAULT_DISTANCE_BANDS_M,
    DEFAULT_TIME_BANDS_DAYS,
    SAME_LOCATION_M,
    knox_pairs,
    knox_test_xy,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

TORONTO: Final = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "toronto"
    / "toronto_mci_2019_2021.csv"
)
PERMUTATIONS: Final = 999
NAIVE_PERMUTATIONS: Final = 20
SUBSET: Final = 4000
SEED: Final = 7

Events = tuple["npt.NDArray[np.float64]", "npt.NDArray[np.float64]", "npt.NDArray[np.int64]"]


@dataclass(frozen=True)
class Row:
    """One measured method."""

    events: str
    n_events: int
    method: str
    wall_s: float
    cpu_s: float
    how: str


def synthetic_events() -> Events:
    """Return 20,000 uniform events over 25 km x 25 km and three years."""
    rng = np.random.default_rng(SEED)
    n = 20_000
    xy = np.asarray(rng.uniform(0, 25_000, (n, 2)), dtype=np.float64)
    days = np.asarray(rng.integers(0, 1096, n), dtype=np.int64)
    return xy[:, 0], xy[:, 1], days


def _toronto(crime_type: str | None) -> Events:
    """Return Toronto's events of one type (all when None) in metres (UTM 17N)."""
    import geopandas as gpd  # noqa: PLC0415 -- only for the real data

    frame = pd.read_csv(TORONTO, usecols=["occurrencedate", "MCI", "Lat", "Long"])
    chosen = frame if crime_type is None else frame[frame["MCI"] == crime_type]
    points = gpd.GeoSeries(gpd.points_from_xy(chosen["Long"], chosen["Lat"]), crs="EPSG:4326")
    points = points.to_crs(points.estimate_utm_crs())
    day = pd.to_datetime(chosen["occurrencedate"].str[:10]).to_numpy()
    days = day.astype("datetime64[D]").astype(np.int64)
    x = np.asarray(points.x.to_numpy(), dtype=np.float64)
    y = np.asarray(points.y.to_numpy(), dtype=np.float64)
    return x, y, days


def load_events() -> tuple[str, Events]:
    """Return the Toronto burglaries in metres (UTM 17N), or the synthetic stand-in."""
    if TORONTO.exists():
        return "Toronto burglaries", _toronto("Break and Enter")
    return "uniform synthetic", synthetic_events()


def naive_knox(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    days: npt.NDArray[np.int64],
    *,
    permutations: int,
    seed: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Knox counts the straightforward way: every pair's distance, a loop over shuffles."""
    i, j = np.triu_indices(len(x), 1)
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    bounds = np.asarray(DEFAULT_DISTANCE_BANDS_M)
    d_band = np.where(d < SAME_LOCATION_M, 0, np.searchsorted(bounds[1:], d, side="left") + 1)
    t_bounds = np.asarray(DEFAULT_TIME_BANDS_DAYS)
    n_d, n_t = len(bounds), len(t_bounds)

    def table(assigned: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        gap = np.abs(assigned[i] - assigned[j])
        t_band = np.searchsorted(t_bounds, gap, side="left")
        keep = (d_band < n_d) & (t_band < n_t)
        flat = np.bincount(d_band[keep] * n_t + t_band[keep], minlength=n_d * n_t)
        return flat.reshape(n_d, n_t)

    observed = table(days)
    rng = np.random.default_rng(seed)
    total = np.zeros((n_d, n_t), dtype=np.float64)
    for _ in range(permutations):
        total += table(rng.permutation(days))
    return observed, total / permutations


def _timed(func: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def run() -> list[Row]:
    """Measure both methods."""
    name, (x, y, days) = load_events()
    n = len(x)
    rows: list[Row] = []
    wall, cpu, result = _timed(
        lambda: knox_test_xy(x, y, days, permutations=PERMUTATIONS, seed=SEED)
    )
    n_pairs = len(knox_pairs(x, y).i)
    rows.append(
        Row(
            name,
            n,
            "patchmap knox_test_xy",
            wall,
            cpu,
            f"{PERMUTATIONS} shuffles, {n_pairs:,} pairs",
        )
    )
    if name != "uniform synthetic":
        ax, ay, ad = _toronto(None)  # every major crime: the page's former start
        wall, cpu, _ = _timed(lambda: knox_test_xy(ax, ay, ad, permutations=PERMUTATIONS))
        how = f"{PERMUTATIONS} shuffles, {len(knox_pairs(ax, ay).i):,} pairs"
        rows.append(
            Row("Toronto, all major crimes", len(ax), "patchmap knox_test_xy", wall, cpu, how)
        )
        sx, sy, sd = synthetic_events()
        wall, cpu, _ = _timed(lambda: knox_test_xy(sx, sy, sd, permutations=PERMUTATIONS))
        how = f"{PERMUTATIONS} shuffles, {len(knox_pairs(sx, sy).i):,} pairs"
        rows.append(Row("uniform synthetic", len(sx), "patchmap knox_test_xy", wall, cpu, how))
    pick = np.sort(np.random.default_rng(SEED).choice(n, SUBSET, replace=False))
    xs, ys, ds = x[pick], y[pick], days[pick]
    wall, cpu, ours = _timed(lambda: knox_test_xy(xs, ys, ds, permutations=PERMUTATIONS, seed=SEED))
    rows.append(
        Row(
            name + " subset", SUBSET, "patchmap knox_test_xy", wall, cpu, f"{PERMUTATIONS} shuffles"
        )
    )
    wall, cpu, naive = _timed(
        lambda: naive_knox(xs, ys, ds, permutations=NAIVE_PERMUTATIONS, seed=SEED)
    )
    scale = PERMUTATIONS / NAIVE_PERMUTATIONS
    rows.append(
        Row(
            name + " subset",
            SUBSET,
            "straightforward (all pairs, loop over shuffles)",
            wall * scale,
            cpu * scale,
            f"{NAIVE_PERMUTATIONS} shuffles timed, x{scale:g}",
        )
    )
    naive_observed = naive[0]  # type: ignore[index]  # the tuple naive_knox returns
    same = np.array_equal(naive_observed, ours.observed)  # type: ignore[attr-defined]
    if not same:
        msg = "The straightforward Knox table differs from patchmap's: the benchmark is invalid."
        raise AssertionError(msg)
    del result
    return rows


def main() -> None:
    """Print the table for benchmarks/README.md."""
    rows = run()
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print("| events | n | method | wall s | CPU s | how |")
    print("|---|---:|---|---:|---:|---|")
    for r in rows:
        cells = [r.events, f"{r.n_events:,}", r.method, f"{r.wall_s:.2f}", f"{r.cpu_s:.2f}", r.how]
        print("| " + " | ".join(cells) + " |")
    ours = next(r for r in rows if r.n_events == SUBSET and r.method.startswith("patchmap"))
    naive = next(r for r in rows if r.method.startswith("straightforward"))
    print(
        f"\nOn the same {SUBSET:,} events: straightforward / patchmap = "
        f"{naive.cpu_s / ours.cpu_s:,.0f}x (CPU), {naive.wall_s / ours.wall_s:,.0f}x (wall); "
        "observed tables identical."
    )


if __name__ == "__main__":
    main()
