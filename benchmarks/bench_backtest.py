"""
Backtest benchmark: 7 forecast methods x 10 rolling origins on real data.police.uk files.

Two areas from ``../shared/data/cambridge`` (13 months, 2024-09 .. 2025-09):

* Cambridge's 14 wards, 100 m square cells over the wards (the issue's measurement), all crime
  and anti-social behaviour, per-ward results included;
* the whole Cambridgeshire force (every located crime in its six districts' LSOAs), 100 m cells
  over the bounding box of those crimes, to show how the backtest scales with cells.

Origins start at the 4th month (``min_train_months=3``): 10 origins. Coverages 1, 5 and 10 %.
Times are wall-clock seconds, best of ``REPEATS``; the cube (counting) and the backtest are
timed separately, loading the CSVs is not timed (see ``bench_load``).

Run: ``.venv/bin/python -m benchmarks.bench_backtest``.
"""

from __future__ import annotations

import time
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import geopandas as gpd
import numpy as np
from shapely import box

from boundaries.dataset import load_study_area
from boundaries.select import Selection
from hotspots.backtest import Backtest, backtest
from hotspots.cube import build_cube, cube_for_selection
from hotspots.methods import DEFAULT_METHODS
from spatial.crs import BNG
from spatial.errors import PatchmapWarning
from spatial.grid import make_grid

if TYPE_CHECKING:
    from collections.abc import Callable

    from hotspots.cube import CrimeCube

DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data" / "cambridge"
REPEATS: Final = 3
METHODS: Final = tuple(
    DEFAULT_METHODS[name]
    for name in ("last-month", "counts-all", "kde", "prospective", "gistar", "model", "default")
)
COVERAGES: Final = (1.0, 5.0, 10.0)
FORCE_DISTRICTS: Final = (
    "Cambridge ",
    "East Cambridgeshire ",
    "Fenland ",
    "Huntingdonshire ",
    "Peterborough ",
    "South Cambridgeshire ",
)
"""LSOA name prefixes of the force's six districts (a few crimes are recorded elsewhere)."""


_T = TypeVar("_T")


def _best_of(func: Callable[[], _T], repeats: int = REPEATS) -> tuple[float, _T]:
    start = time.perf_counter()
    value = func()
    best = time.perf_counter() - start
    for _ in range(repeats - 1):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def _force_cube(points: gpd.GeoDataFrame, months: tuple[str, ...]) -> CrimeCube:
    mine = points["lsoa_name"].fillna("").str.startswith(FORCE_DISTRICTS)
    located = points.loc[mine]
    extent = gpd.GeoDataFrame(geometry=[box(*located.total_bounds)], crs=BNG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PatchmapWarning)  # many cells, on purpose
        grid = make_grid(extent, cell_size_m=100)
    return build_cube(located, grid, months=months)


def _run(cube: CrimeCube, *, per_ward: bool) -> Backtest:
    return backtest(cube, methods=METHODS, coverages_pct=COVERAGES, per_ward=per_ward)


def _pai_row(result: Backtest, label: str) -> str:
    cells = []
    for m in METHODS:
        value = result.result(m.name, 5).pai_mean
        cells.append("-" if value is None else f"{value:.1f}")
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    """Print the timing table and the PAI table in markdown."""
    area = load_study_area([DATA / "crimes"], DATA / "wards.geojson")
    asb = Selection(crime_types=("Anti-social behaviour",))
    runs: list[tuple[str, CrimeCube, bool]] = []
    cube_s, cube = _best_of(lambda: cube_for_selection(area, Selection()))
    runs.append(("Cambridge, 14 wards, all crime", cube, True))
    cube_times = [cube_s]
    asb_s, asb_cube = _best_of(lambda: cube_for_selection(area, asb))
    runs.append(("Cambridge, 14 wards, ASB", asb_cube, True))
    cube_times.append(asb_s)
    force_s, force = _best_of(lambda: _force_cube(area.crimes.points, area.months), 1)
    runs.append(("Cambridgeshire force, bounding box", force, False))
    cube_times.append(force_s)

    print(
        f"{len(METHODS)} methods x 10 origins x {len(COVERAGES)} coverages "
        f"(best of {REPEATS}; force: 1 run)\n"
    )
    print("| area | crimes | cells | locations | count cube s | backtest s | per-ward |")
    print("|---|---:|---:|---:|---:|---:|---|")
    results = []
    for (label, c, wards), c_s in zip(runs, cube_times, strict=True):
        repeats = REPEATS if wards else 1
        bt_s, result = _best_of(partial(_run, c, per_ward=wards), repeats)
        results.append((label, result))
        n_crimes = int(np.asarray(c.counts).sum())
        print(
            f"| {label} | {n_crimes:,} | {c.grid.n_cells:,} | {c.space.n_locations:,} | "
            f"{c_s:.2f} | {bt_s:.2f} | {'14 wards' if wards else 'no'} |"
        )
    print("\nMean PAI at 5 % coverage over the 10 origins (2024-12 .. 2025-09):\n")
    print("| area | " + " | ".join(m.name for m in METHODS) + " |")
    print("|---|" + "---:|" * len(METHODS))
    for label, result in results:
        print(_pai_row(result, label))
    print()
    for label, result in results:
        print(f"- {label}: default = {result.default.method.key()}. {result.default.why}")


if __name__ == "__main__":
    main()
