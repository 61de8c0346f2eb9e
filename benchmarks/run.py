"""
Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()``, in name order.

``make bench`` calls ``python -m benchmarks.run``. Name some benchmarks to run only those,
e.g. ``python -m benchmarks.run kde gistar`` (with or without the ``bench_`` prefix).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["benchmark_names", "main"]

PREFIX: Final = "bench_"
"""Modules whose name starts with this are benchmarks."""


def benchmark_names() -> list[str]:
    """
    Return the benchmark module names found beside this file, sorted.

    Returns
    -------
    list of str
        Module names such as ``"bench_kde"``.
    """
    here = str(Path(__file__).resolve().parent)
    return sorted(
        info.name
        for info in pkgutil.iter_modules([here])
        if info.name.startswith(PREFIX) and not info.ispkg
    )


def _chosen(wanted: Sequence[str]) -> list[str]:
    found = benchmark_names()
    if not wanted:
        return found
    names = [w if w.startswith(PREFIX) else PREFIX + w for w in wanted]
    unknown = [n for n in names if n not in found]
    if unknown:
        msg = f"Unknown benchmark(s) {', '.join(unknown)}; found: {', '.join(found)}."
        raise SystemExit(msg)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the benchmarks one after another, printing a header before each.

    Parameters
    ----------
    argv
        Benchmark names to run (all when empty); ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 when every benchmark ran, 1 when one had no ``main()``.
    """
    names = _chosen(sys.argv[1:] if argv is None else argv)
    status = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        run = getattr(module, "main", None)
        print(f"\n=== {name} ===", flush=True)
        if not callable(run):
            print(f"{name} has no main(); skipped.")
            status = 1
            continue
        start = time.perf_counter()
        run()
        print(f"--- {name} took {time.perf_counter() - start:.1f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
