"""
When benchmark: reading a 100k-row force extract with windows, and the aoristic hour-of-week table.

1. ``read_incidents`` on a seeded 100,000-row RMS-style CSV (UK day-first dates, 75 % of rows
   with a Committed To window, BNG eastings/northings, a crime reference) against a bare
   ``pandas.read_csv`` of the same file. Target: at most 2x. Reading builds no points (the
   time analyses need none); the row "+ points" adds building them, as a map selection does.
2. ``hour_of_week`` (O(n): bincounts and suffix sums) on 100,000 events, most with windows of
   minutes to days, against a straightforward per-event loop that walks each window hour by hour
   in integer seconds. Target: under 1 s. The two tables agree to 1e-9.

Run: ``.venv/bin/python -m benchmarks.bench_when``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyarrow import csv as pa_csv

from hotspots.when import hour_of_week
from spatial._fast_text import fixed_width_seconds
from spatial.incidents import read_incidents

if TYPE_CHECKING:
    from collections.abc import Callable

N_ROWS: Final = 100_000
REPEATS: Final = 9
SEED: Final = 12


def _best_of(func: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _best_side_by_side(
    funcs: dict[str, Callable[[], object]], repeats: int = REPEATS
) -> dict[str, float]:
    """Best time of each function, run in turns so that the machine's load falls on all alike."""
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(repeats):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def synthetic_extract(n: int, *, seed: int = SEED) -> pd.DataFrame:
    """Return an RMS-style extract of ``n`` rows (text columns, as written to CSV)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 700, n), "min")
    minutes = rng.choice([0, 0, 30, 90, 600, 2_000, 3_900, 12_000], n)
    end = start + pd.to_timedelta(minutes, "min")
    fmt = "%d/%m/%Y %H:%M"
    return pd.DataFrame(
        {
            "Crime Ref": [f"BM/{i:07d}/24" for i in range(n)],
            "Committed From": start.strftime(fmt),
            "Committed To": np.where(minutes > 0, end.strftime(fmt), ""),
            "Offence": rng.choice(["Burglary", "Violence", "Shoplifting", "Vehicle crime"], n),
            "Easting": rng.integers(440_000, 460_000, n).astype(str),
            "Northing": rng.integers(260_000, 280_000, n).astype(str),
            "Location": rng.choice(["High Street", "Market Place", "Mill Lane"], n),
        }
    )


def _minimal(path: Path) -> gpd.GeoDataFrame:
    """Read the extract with no checks at all: what any script would do first."""
    frame = pd.read_csv(path)
    fmt = "%d/%m/%Y %H:%M"
    frame["start"] = pd.to_datetime(frame["Committed From"], format=fmt)
    frame["end"] = pd.to_datetime(frame["Committed To"], format=fmt).fillna(frame["start"])
    geometry = gpd.points_from_xy(frame["Easting"], frame["Northing"])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:27700")


def _arrow_text(path: Path, columns: list[str]) -> pa.Table:
    """Arrow's CSV reader, every column as text, as ``read_incidents`` reads a file."""
    return pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.large_string()),
            null_values=[""],
            strings_can_be_null=True,
        ),
    )


def _floor(path: Path, columns: list[str]) -> tuple[object, object]:
    """
    Only what any strict reader must do: the file as text columns, two dates parsed.

    Arrow's CSV reader and the strict fixed-width date parser ``read_incidents`` uses
    (:func:`spatial._fast_text.fixed_width_seconds`) on the two date columns: no column finding,
    no other check, no coordinates, no counting.
    """
    table = _arrow_text(path, columns)
    fmt = "%d/%m/%Y %H:%M"
    return (
        fixed_width_seconds(table["Committed From"], fmt),
        fixed_width_seconds(table["Committed To"], fmt),
    )


def loop_table(events: pd.DataFrame, *, max_window_h: float = 168.0) -> np.ndarray:
    """Return the hour-of-week table by walking every window hour by hour (the plain way)."""
    table = np.zeros(168)
    monday = 4 * 86_400  # 1970-01-05 was a Monday
    starts = events["start"].to_numpy(dtype="datetime64[s]").astype(np.int64).tolist()
    ends = events["end"].to_numpy(dtype="datetime64[s]").astype(np.int64).tolist()
    for u, v in zip(starts, ends, strict=True):
        length = v - u
        if length > max_window_h * 3600:
            continue
        if length == 0:
            table[((u - monday) // 3600) % 168] += 1.0
            continue
        t = u - (u - monday) % 3600
        while t < v:
            overlap = min(v, t + 3600) - max(u, t)
            table[((t - monday) // 3600) % 168] += overlap / length
            t += 3600
    return table.reshape(7, 24)


def main() -> None:
    """Print the two tables in markdown."""
    frame = synthetic_extract(N_ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "extract.csv"
        frame.to_csv(path, index=False)
        events = read_incidents([path]).events
        xy = np.column_stack((events.geometry.x, events.geometry.y))
        best = _best_side_by_side(
            {
                "bare": lambda: pd.read_csv(path),
                "points": lambda: shapely.points(xy),
                "minimal": lambda: _minimal(path),
                "arrow": lambda: _arrow_text(path, list(frame.columns)),
                "floor": lambda: _floor(path, list(frame.columns)),
                "read": lambda: read_incidents([path]),
                "read_points": lambda: read_incidents([path]).events,
            }
        )
    bare_s = best["bare"]
    n_windows = int((events["end"] > events["start"]).sum())
    print(
        f"Reading {N_ROWS:,} extract rows ({n_windows:,} with a window), best of {REPEATS}, "
        "run in turns:\n"
    )
    print("| step | seconds | ratio to bare read |")
    print("|---|---:|---:|")
    rows = (
        ("bare pandas.read_csv", "bare"),
        ("shapely.points of the 100,000 coordinates alone (no reading)", "points"),
        ("minimal, no checks: read_csv + 2 to_datetime(format) + points_from_xy", "minimal"),
        ("Arrow's CSV reader alone, as text", "arrow"),
        (
            "floor of a strict reader: Arrow read as text + 2 strict date parses, nothing else",
            "floor",
        ),
        ("read_incidents (columns, day-first dates, windows, BNG, every row counted)", "read"),
        ("read_incidents + its points (`.events`)", "read_points"),
    )
    for label, key in rows:
        print(f"| {label} | {best[key]:.3f} | {best[key] / bare_s:.2f} |")
    fast_s = _best_of(lambda: hour_of_week(events))
    start = time.perf_counter()
    slow = loop_table(events)
    loop_s = time.perf_counter() - start
    agree = bool(np.allclose(hour_of_week(events).table, slow, atol=1e-9))
    print(f"\nHour-of-week table of {len(events):,} events ({n_windows:,} windows spread):\n")
    print("| method | seconds | ratio to loop |")
    print("|---|---:|---:|")
    print(f"| per-event loop, hour by hour | {loop_s:.3f} | 1.00 |")
    print(f"| hour_of_week (bincount + suffix sums) | {fast_s:.3f} | {fast_s / loop_s:.4f} |")
    print(f"\nTables agree to 1e-9: {agree}; speed-up {loop_s / fast_s:,.0f}x.")


if __name__ == "__main__":
    main()
