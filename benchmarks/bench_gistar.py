"""
Benchmark: patchmap Getis-Ord Gi* against esda's ``G_Local(star=True, transform="B")``.

Run with ``.venv/bin/python -m benchmarks.bench_gistar``. On a 400 x 400 lattice of 100 m
cells (160,000 cells, queen contiguity including the cell itself) with Poisson counts and a few
planted clusters it times

* patchmap ``gi_star`` end to end (weights, z, p, Benjamini-Hochberg, classes, result frame),
* patchmap ``gi_star_z`` on prebuilt weights (the statistic alone),
* esda ``G_Local`` with ``permutations=0`` on libpysal ``lat2W(400, 400, rook=False)`` (the
  weights' construction is timed separately), checking the z-scores are identical,
* 999 conditional permutations with patchmap on all 160,000 cells, and with esda on a
  40 x 40 lattice (esda's permutation loop runs without numba here), extrapolated linearly in
  the number of cells, as the table says.

Times are the best of a few runs on a 2-core machine shared with other work.
"""

from __future__ import annotations

import math
import platform
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import esda
import geopandas as gpd
import libpysal
import numpy as np
from shapely import box

from hotspots.gistar import gi_star, gi_star_z, permutation_p, spatial_weights
from spatial.crs import BNG
from spatial.errors import PatchmapWarning
from spatial.grid import Grid, make_grid

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

SIDE_CELLS: Final = 400
SMALL_SIDE_CELLS: Final = 40
CELL_M: Final = 100.0
PERMUTATIONS: Final = 999
SEED: Final = 7


@dataclass(frozen=True)
class Row:
    """One measured method."""

    task: str
    n_cells: int
    method: str
    seconds: float
    how: str
    max_z_difference: float | None


def _grid(side: int) -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(0, 0, side * CELL_M, side * CELL_M)], crs=BNG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PatchmapWarning)  # > 100,000 cells is the point here
        return make_grid(area, cell_size_m=CELL_M)


def _counts(grid: Grid, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    lam = np.full(grid.n_cells, 0.8)
    x = grid.cells["x_m"].to_numpy()
    y = grid.cells["y_m"].to_numpy()
    side = grid.n_cols * CELL_M
    for cx, cy in rng.uniform(0.1 * side, 0.9 * side, (12, 2)):
        lam += 6.0 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 250.0**2))
    return rng.poisson(lam).astype(np.float64)


def _best_of(func: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _esda_g_local(
    values: npt.NDArray[np.float64], w: libpysal.weights.W, permutations: int
) -> esda.G_Local:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's FutureWarning on the 'directed' alternative
        return esda.G_Local(
            values, w, transform="B", star=True, permutations=permutations, seed=SEED
        )


def run() -> list[Row]:
    """Measure every method."""
    rng = np.random.default_rng(SEED)
    grid = _grid(SIDE_CELLS)
    counts = _counts(grid, rng)
    n = grid.n_cells
    rows: list[Row] = []

    weights = spatial_weights(grid)
    ours = gi_star(counts, grid=grid)
    rows.append(
        Row(
            "analytic Gi*",
            n,
            "patchmap gi_star (weights + z + p + FDR + classes)",
            _best_of(lambda: gi_star(counts, grid=grid), 3),
            "end to end",
            None,
        )
    )
    rows.append(
        Row(
            "analytic Gi*",
            n,
            "patchmap gi_star_z (prebuilt weights)",
            _best_of(lambda: gi_star_z(counts, weights), 5),
            "statistic only",
            None,
        )
    )
    rows.append(
        Row(
            "weights",
            n,
            "patchmap spatial_weights (queen, incl. self)",
            _best_of(lambda: spatial_weights(grid), 3),
            "sparse CSR",
            None,
        )
    )
    start = time.perf_counter()
    w = libpysal.weights.lat2W(SIDE_CELLS, SIDE_CELLS, rook=False)
    lat2w_s = time.perf_counter() - start
    rows.append(Row("weights", n, "libpysal lat2W (queen)", lat2w_s, "W object", None))
    reference = _esda_g_local(counts, w, 0)
    z_difference = float(np.abs(ours.cells["gi_z"].to_numpy() - reference.Zs).max())
    rows.append(
        Row(
            "analytic Gi*",
            n,
            "esda G_Local(star=True, transform='B')",
            _best_of(lambda: _esda_g_local(counts, w, 0), 3),
            "given lat2W weights",
            z_difference,
        )
    )

    perm_s = _best_of(
        lambda: permutation_p(counts, weights, permutations=PERMUTATIONS, seed=SEED), 2
    )
    rows.append(
        Row(
            f"{PERMUTATIONS} permutations",
            n,
            "patchmap permutation_p",
            perm_s,
            f"all {n:,} cells",
            None,
        )
    )
    small = _grid(SMALL_SIDE_CELLS)
    small_counts = _counts(small, rng)
    small_weights = spatial_weights(small)
    small_ours = _best_of(
        lambda: permutation_p(small_counts, small_weights, permutations=PERMUTATIONS), 3
    )
    small_w = libpysal.weights.lat2W(SMALL_SIDE_CELLS, SMALL_SIDE_CELLS, rook=False)
    start = time.perf_counter()
    small_ref = _esda_g_local(small_counts, small_w, PERMUTATIONS)
    small_esda = time.perf_counter() - start
    scale = n / small.n_cells
    rows.append(
        Row(
            f"{PERMUTATIONS} permutations",
            small.n_cells,
            "patchmap permutation_p",
            small_ours,
            f"all {small.n_cells:,} cells",
            None,
        )
    )
    rows.append(
        Row(
            f"{PERMUTATIONS} permutations",
            small.n_cells,
            "esda G_Local (no numba)",
            small_esda,
            f"all {small.n_cells:,} cells",
            float(np.abs(gi_star_z(small_counts, small_weights) - small_ref.Zs).max()),
        )
    )
    rows.append(
        Row(
            f"{PERMUTATIONS} permutations",
            n,
            "esda G_Local (no numba)",
            small_esda * scale,
            f"{small.n_cells:,} cells x{scale:,.0f} (linear)",
            None,
        )
    )
    return rows


def table(rows: list[Row]) -> str:
    """Format the rows as a markdown table with ratios to the first patchmap row of a task."""
    lines = [
        "| task | cells | method | time (s) | how | time / patchmap | max abs z difference |",
        "|---|---:|---|---:|---|---:|---:|",
    ]
    base: dict[tuple[str, int], float] = {}
    for r in rows:
        if r.method.startswith("patchmap"):
            base.setdefault((r.task, r.n_cells), r.seconds)
    for r in rows:
        ratio = r.seconds / base[(r.task, r.n_cells)]
        diff = "" if r.max_z_difference is None else f"{r.max_z_difference:.1e}"
        lines.append(
            f"| {r.task} | {r.n_cells:,} | {r.method} | {r.seconds:.4g} | {r.how} | "
            f"{ratio:,.3g}x | {diff} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the markdown table and the targets."""
    rows = run()
    print(
        f"Gi* benchmark: {SIDE_CELLS} x {SIDE_CELLS} lattice of {CELL_M:g} m cells, queen "
        f"contiguity incl. self; {platform.machine()}, Python {platform.python_version()}\n"
    )
    print(table(rows))
    by = {(r.task, r.n_cells, r.method): r for r in rows}
    n = SIDE_CELLS**2
    ours = by[("analytic Gi*", n, "patchmap gi_star (weights + z + p + FDR + classes)")]
    theirs = by[("analytic Gi*", n, "esda G_Local(star=True, transform='B')")]
    perms = by[(f"{PERMUTATIONS} permutations", n, "patchmap permutation_p")]
    speedup = theirs.seconds / ours.seconds
    print()
    print(
        f"- analytic Gi* end to end {speedup:.1f}x faster than esda G_Local alone "
        f"(target >= 3x: {'met' if speedup >= 3 else 'NOT met'}); "
        f"largest z difference {theirs.max_z_difference:.1e}"
    )
    print(
        f"- {PERMUTATIONS} permutations on {n:,} cells: {perms.seconds:.2f} s "
        f"(target < 10 s: {'met' if perms.seconds < 10 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
