"""
Loading benchmark: the 13 Cambridgeshire monthly files (91k rows), patchmap vs a plain baseline.

patchmap's ``read_crimes`` validates every row (months, coordinates, Great Britain, duplicates)
and reprojects to EPSG:27700; the baseline is ``pandas.read_csv`` + ``geopandas.points_from_xy``
+ ``to_crs`` with no checks. The cached read is the GeoParquet reload the app uses.

Run: ``.venv/bin/python -m benchmarks.bench_load``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from boundaries.assign import assign_wards
from boundaries.neighbourhoods import apply_neighbourhoods
from spatial.cache import read_crimes_cached
from spatial.io import read_crimes, read_wards

CRIMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "cambridge" / "crimes"
WARDS = CRIMES.parent / "wards.geojson"
REPEATS = 5


def _best_of(func: object) -> float:
    assert callable(func)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _baseline() -> gpd.GeoDataFrame:
    frame = pd.concat([pd.read_csv(p) for p in sorted(CRIMES.glob("*.csv"))], ignore_index=True)
    frame = frame.dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]),
        crs="EPSG:4326",
    )
    return points.to_crs("EPSG:27700")


def main() -> None:
    """Print the loading table in markdown."""
    n_rows = read_crimes([CRIMES]).n_rows
    wards = apply_neighbourhoods(read_wards(WARDS).wards)
    baseline_s = _best_of(_baseline)
    patchmap_s = _best_of(lambda: read_crimes([CRIMES]))
    full_s = _best_of(lambda: assign_wards(read_crimes([CRIMES]).points, wards))
    with tempfile.TemporaryDirectory() as tmp:
        read_crimes_cached([CRIMES], cache_dir=Path(tmp))
        cached_s = _best_of(lambda: read_crimes_cached([CRIMES], cache_dir=Path(tmp)))
    print(f"Loading {n_rows:,} rows from 13 monthly files (best of {REPEATS}):\n")
    print("| step | seconds | ratio to baseline |")
    print("|---|---:|---:|")
    print(f"| baseline: read_csv + points_from_xy + to_crs | {baseline_s:.3f} | 1.00 |")
    print(
        f"| patchmap read_crimes (validate, reproject) | {patchmap_s:.3f} | "
        f"{patchmap_s / baseline_s:.2f} |"
    )
    print(f"| read_crimes + assign to 14 wards | {full_s:.3f} | {full_s / baseline_s:.2f} |")
    print(f"| GeoParquet cache reload | {cached_s:.3f} | {cached_s / baseline_s:.2f} |")


if __name__ == "__main__":
    main()
