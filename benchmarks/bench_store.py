"""
Store benchmark: a force over years and the national archive, from the store vs from the CSVs.

The scale data is generated here from the 13 real Cambridgeshire months (never committed):

* **force**: the months repeated over ``FORCE_MONTHS`` months (about 1M rows, one force, 12 years),
  Crime IDs made unique per month;
* **national** (``--national``): ``NATIONAL_FORCES`` forces x 36 months (about 18M rows),
  each force's points shifted to its own part of Great Britain.

Every figure is a whole process (``python -m patchmap ...``), best of ``REPEATS``, with its peak
memory from the operating system (``getrusage`` of the child), so start-up is included.

Run: ``.venv/bin/python -m benchmarks.bench_store`` (add ``--national`` for the 18M-row run,
which needs about 6 GB of disk and several minutes; ``--ingest-only`` leaves out the force's
summary and profile runs). Ingest rows also give the child's CPU seconds, since the machine may
be shared.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

SHARED: Final = Path(__file__).resolve().parents[2] / "shared" / "data" / "cambridge"
CRIMES: Final = SHARED / "crimes"
WARDS: Final = SHARED / "wards.geojson"
FORCE_MONTHS: Final = 144
NATIONAL_FORCES: Final = 72
NATIONAL_MONTHS: Final = 36
REPEATS: Final = 3
WARD: Final = "Market"


def _months(n: int, *, last: str = "2025-09") -> list[str]:
    end = pd.Period(last, freq="M")
    return [str(end - i) for i in range(n - 1, -1, -1)]


def _templates() -> list[pd.DataFrame]:
    return [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(CRIMES.glob("*.csv"))]


def write_force(target: Path, *, n_months: int = FORCE_MONTHS) -> int:
    """Write one force's ``n_months`` monthly files; return the rows written."""
    templates = _templates()
    n_rows = 0
    for i, month in enumerate(_months(n_months)):
        frame = templates[i % len(templates)].copy()
        frame["Month"] = month
        has_id = frame["Crime ID"] != ""
        frame.loc[has_id, "Crime ID"] = frame.loc[has_id, "Crime ID"] + f"-{month}"
        folder = target / month
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_csv(folder / f"{month}-cambridgeshire-street.csv", index=False)
        n_rows += len(frame)
    return n_rows


def _force_offsets(n_forces: int) -> list[tuple[float, float]]:
    """Longitude/latitude shifts that spread synthetic forces over England and Wales."""
    rng = np.random.default_rng(15)
    lons = rng.uniform(-3.2, 0.3, n_forces)
    lats = rng.uniform(-1.4, 1.6, n_forces)
    return [(0.0, 0.0)] + [(float(a), float(b)) for a, b in zip(lons[1:], lats[1:], strict=True)]


def write_national(target: Path) -> int:
    """Write ``NATIONAL_FORCES`` forces x ``NATIONAL_MONTHS`` months; return the rows written."""
    templates = _templates()
    n_rows = 0
    months = _months(NATIONAL_MONTHS)
    for f, (dlon, dlat) in enumerate(_force_offsets(NATIONAL_FORCES)):
        name = "Cambridgeshire Constabulary" if f == 0 else f"Synthetic Force {f:02d}"
        slug = "cambridgeshire" if f == 0 else f"synthetic-{f:02d}"
        for i, month in enumerate(months):
            frame = templates[(i + f) % len(templates)].copy()
            frame["Month"] = month
            frame["Reported by"] = name
            frame["Falls within"] = name
            located = frame["Longitude"] != ""
            lon = pd.to_numeric(frame.loc[located, "Longitude"]) + dlon
            lat = pd.to_numeric(frame.loc[located, "Latitude"]) + dlat
            frame.loc[located, "Longitude"] = lon.round(6).astype(str)
            frame.loc[located, "Latitude"] = lat.round(6).astype(str)
            has_id = frame["Crime ID"] != ""
            frame.loc[has_id, "Crime ID"] = frame.loc[has_id, "Crime ID"] + f"-{slug}-{month}"
            folder = target / month
            folder.mkdir(parents=True, exist_ok=True)
            frame.to_csv(folder / f"{month}-{slug}-street.csv", index=False)
            n_rows += len(frame)
    return n_rows


def _best(args: list[str]) -> float:
    """Best wall seconds of ``python -m patchmap ARGS`` over ``REPEATS`` runs."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "patchmap", *args], check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_child_mb(args: list[str], *, cache: Path | None = None) -> tuple[float, float, float]:
    """
    Wall seconds, CPU seconds and peak MB of one run in a fresh process (no earlier child).

    CPU time (user + system of the child) is reported beside wall time because the machine is
    shared: other jobs stretch wall time, not CPU time. ``cache`` is a new, empty cache folder
    (``XDG_CACHE_HOME``) for a cold run of the CSV path: the parsed-CSV cache of one run would
    otherwise make the next CSV run warm.
    """
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"subprocess.run([sys.executable, '-m', 'patchmap', *{args!r}], check=True,"
        " stdout=subprocess.DEVNULL)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
    )
    env = None if cache is None else {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]) / 1024


Row = tuple[str, float, float, float, float | None, float | None]
"""what, wall s, CPU s, peak MB, wall ratio to CSV, CPU ratio to CSV."""


def _table(rows: list[Row]) -> None:
    print("| what | wall s | CPU s | peak MB | CSV / store, wall | CSV / store, CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, seconds, cpu, mb, ratio, cpu_ratio in rows:
        shown = "" if ratio is None else f"{ratio:.1f}x"
        cpu_shown = "" if cpu_ratio is None else f"{cpu_ratio:.1f}x"
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {mb:.0f} | {shown} | {cpu_shown} |")


def _ingest_row(csvs: Path, store: Path, n_rows: int) -> Row:
    """Ingest the CSVs into a new store: the table row, with rows/s and rows per CPU second."""
    wall_s, cpu_s, peak_mb = _peak_child_mb(["ingest", str(csvs), "--store", str(store)])
    label = (
        f"ingest {n_rows:,} rows ({n_rows / wall_s:,.0f} rows/s; "
        f"{n_rows / cpu_s:,.0f} rows per CPU second)"
    )
    return label, wall_s, cpu_s, peak_mb, None, None


def bench_force(tmp: Path) -> None:
    """One force over 12 years: ingest, then summary and profile from CSVs and from the store."""
    csvs, store = tmp / "force-csv", tmp / "force-store"
    n_rows = write_force(csvs)
    common = ["--wards", str(WARDS)]
    rows: list[Row] = [_ingest_row(csvs, store, n_rows)]
    for name, extra in (
        ()
        if "--ingest-only" in sys.argv
        else (("summary", ["--ward", WARD]), ("profile", ["--ward", WARD]))
    ):
        csv_s, csv_cpu, csv_mb = _peak_child_mb(
            [name, "--crimes", str(csvs), *common, *extra, "--json"], cache=tmp / f"cache-{name}"
        )
        store_s = _best([name, "--store", str(store), *common, *extra, "--json"])
        _, store_cpu, store_mb = _peak_child_mb(
            [name, "--store", str(store), *common, *extra, "--json"]
        )
        rows.append((f"{name} from the CSVs (cold)", csv_s, csv_cpu, csv_mb, None, None))
        rows.append(
            (
                f"{name} from the store",
                *(store_s, store_cpu, store_mb, csv_s / store_s, csv_cpu / store_cpu),
            )
        )
    help_s, help_cpu, help_mb = _peak_child_mb(["--help"])
    rows.append(("`patchmap --help` (start-up alone)", help_s, help_cpu, help_mb, None, None))
    print(f"\nOne force, {FORCE_MONTHS} months, {n_rows:,} rows (best of {REPEATS}):\n")
    _table(rows)


def bench_national(tmp: Path) -> None:
    """Seventy-two forces over three years: ingest rate and memory, then a ward's profile."""
    csvs, store = tmp / "national-csv", tmp / "national-store"
    n_rows = write_national(csvs)
    profile_args = ["profile", "--store", str(store), "--wards", str(WARDS), "--ward", WARD]
    rows: list[Row] = [_ingest_row(csvs, store, n_rows)]
    profile_s = _best([*profile_args, "--json"])
    _, profile_cpu, profile_mb = _peak_child_mb([*profile_args, "--json"])
    rows.append(
        (f"profile of {WARD} from the store", profile_s, profile_cpu, profile_mb, None, None)
    )
    print(f"\nNational: {NATIONAL_FORCES} forces x {NATIONAL_MONTHS} months, {n_rows:,} rows:\n")
    _table(rows)


def _compile_sources() -> None:
    """
    Compile the project's modules to bytecode, as ``pip install`` does for an installed command.

    A checkout run with ``PYTHONDONTWRITEBYTECODE`` (as on the CI machine) would otherwise compile
    every patchmap module again in every timed process, which no installed copy does.
    """
    root = Path(__file__).resolve().parents[1]
    for package in ("patchmap", "spatial", "boundaries", "hotspots", "tasking", "layers"):
        compileall.compile_dir(root / package, quiet=1)


def main() -> None:
    """Print the store tables in markdown."""
    _compile_sources()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as name:
        tmp = Path(name)
        bench_force(tmp)
        if "--national" in sys.argv:
            bench_national(tmp)


if __name__ == "__main__":
    main()
