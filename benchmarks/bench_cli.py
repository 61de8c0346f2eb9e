"""
The command's start and ``patchmap summary`` on the 13 Cambridgeshire files, against plain Python.

Each command runs in a fresh interpreter, as a user runs it, and the two sides of each pair take
turns (A B A B ...) so that load on the machine falls on both; the best of ``REPEATS`` runs is kept.

* ``patchmap --help`` and ``patchmap summary --help`` against ``python -c "import pandas"``
  (the issue's target: the help no slower than importing pandas).
* ``patchmap summary --crimes <13 CSV files> --wards wards.geojson --json`` against a bare
  pandas + geopandas script doing the same read, reprojection and ward join (and the counts by
  ward and crime type) with no validation. patchmap runs twice: with its crime cache warm (every
  run after the first while the files are unchanged) and cold (a fresh cache folder each run, so
  it parses, validates and writes the cache).

Run: ``.venv/bin/python -m benchmarks.bench_cli``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

REPO: Final = Path(__file__).resolve().parents[1]
CAMBRIDGE: Final = REPO.parent / "shared" / "data" / "cambridge"
REPEATS: Final = 5
BARE_SCRIPT: Final = """
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

crimes_dir, wards_path = Path(sys.argv[1]), sys.argv[2]
crimes = pd.concat([pd.read_csv(p) for p in sorted(crimes_dir.glob("*.csv"))], ignore_index=True)
located = crimes.dropna(subset=["Longitude", "Latitude"])
points = gpd.GeoDataFrame(
    located,
    geometry=gpd.points_from_xy(located["Longitude"], located["Latitude"]),
    crs="EPSG:4326",
).to_crs("EPSG:27700")
wards = gpd.read_file(wards_path).to_crs("EPSG:27700")
inside = gpd.sjoin(points, wards, how="inner", predicate="within")
by_ward = inside.groupby("WD23NM").size()
by_type = inside["Crime type"].value_counts()
print(len(crimes), len(inside), len(by_ward), len(by_type))
"""
"""The baseline: read, drop rows without a location, reproject, join to the wards, count."""


def _run(command: Sequence[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and scripts
        command, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def _best_in_turns(*runs: Callable[[], float]) -> list[float]:
    """Best of ``REPEATS`` of each run, the runs taking turns."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(REPEATS):
        for run, seconds in zip(runs, times, strict=True):
            seconds.append(run())
    return [min(seconds) for seconds in times]


def _row(name: str, seconds: float, baseline_s: float) -> str:
    return f"| {name} | {seconds:.3f} | {seconds / baseline_s:.2f} |"


def main() -> None:
    """Print the start-up and summary tables in markdown."""
    python = sys.executable
    files = [str(p) for p in sorted((CAMBRIDGE / "crimes").glob("*.csv"))]
    wards = str(CAMBRIDGE / "wards.geojson")
    pandas_s, help_s, sub_help_s = _best_in_turns(
        lambda: _run([python, "-c", "import pandas"]),
        lambda: _run([python, "-m", "patchmap", "--help"]),
        lambda: _run([python, "-m", "patchmap", "summary", "--help"]),
    )
    print(f"Start-up, best of {REPEATS} (fresh interpreter each run):\n")
    print("| command | seconds | ratio to import pandas |")
    print("|---|---:|---:|")
    print(_row('python -c "import pandas"', pandas_s, pandas_s))
    print(_row("patchmap --help", help_s, pandas_s))
    print(_row("patchmap summary --help", sub_help_s, pandas_s))

    summary = [python, "-m", "patchmap", "summary", "--crimes", *files, "--wards", wards, "--json"]
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_SCRIPT, encoding="utf-8")
        warm = os.environ | {"XDG_CACHE_HOME": str(Path(tmp) / "warm")}
        _run(summary, warm)  # fills the cache
        counter = iter(range(REPEATS))

        def cold() -> float:
            env = os.environ | {"XDG_CACHE_HOME": str(Path(tmp) / f"cold-{next(counter)}")}
            return _run(summary, env)

        bare_s, warm_s, cold_s = _best_in_turns(
            lambda: _run([python, str(bare), str(CAMBRIDGE / "crimes"), wards]),
            lambda: _run(summary, warm),
            cold,
        )
    print(f"\npatchmap summary on the 13 Cambridgeshire files, best of {REPEATS}:\n")
    print("| command | seconds | ratio to bare script |")
    print("|---|---:|---:|")
    print(_row("bare pandas + geopandas: read, reproject, ward join, counts", bare_s, bare_s))
    print(_row("patchmap summary (crime cache warm)", warm_s, bare_s))
    print(_row("patchmap summary (crime cache cold: parse, validate, write cache)", cold_s, bare_s))


if __name__ == "__main__":
    main()
