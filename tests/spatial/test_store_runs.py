"""
The store answers as the CSVs whatever the runs: any split of the sources into ingest runs, in any
order, with a run given again, gives the summary of reading every source at once with
:func:`spatial.io.read_crimes` (the same counts, months, wards, types, rows set aside and notes).

The sources are three folders cut from the real Cambridge months: a download of two months, a
later download republishing one of them (outcomes updated) with a third month, and a folder with
a fourth month and an identical browser copy of it. The second month's file was edited by hand
(some crime types in lower case or with stray spaces) and the third holds crime types that are
not data.police.uk's, so the notes on them, kept with the partitions, must come through every
split of runs too.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from boundaries.dataset import load_study_area, load_study_area_from_store
from boundaries.select import Selection, summarise
from spatial.store import ingest
from tests.spatial._downloads import republished, write_at

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.select import Summary

pytestmark = pytest.mark.shared

N_ROWS = 400
"""Rows kept of each month: the rules, not the volume, are under test."""
MONTHS = ("2024-09", "2024-10", "2024-11", "2024-12")
LATER_NS = 1_741_000_000 * 10**9
EARLIER_NS = 1_736_000_000 * 10**9


def _month(cambridge_dir: Path, month: str) -> bytes:
    path = cambridge_dir / "crimes" / f"{month}-cambridgeshire-street.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).iloc[:N_ROWS]
    types = frame["Crime type"]
    if month == MONTHS[1]:  # typed again by hand: some types in lower case, with a space after
        frame["Crime type"] = types.where(frame.index % 7 != 3, types.str.lower() + " ")
    if month == MONTHS[2]:  # another system's categories in some rows
        frame["Crime type"] = types.where(frame.index % 50 != 1, "Burglary (domestic)")
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def sources(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    data = {m: _month(cambridge_dir, m) for m in MONTHS}
    name = "{}/{}-cambridgeshire-street{}.csv"
    folders = {"first": root / "2025-10", "later": root / "2025-11", "other": root / "other"}
    write_at(folders["first"] / name.format(MONTHS[0], MONTHS[0], ""), data[MONTHS[0]], LATER_NS)
    write_at(folders["first"] / name.format(MONTHS[1], MONTHS[1], ""), data[MONTHS[1]], LATER_NS)
    again = republished(data[MONTHS[0]], 2)  # the later download: two outcomes updated
    write_at(folders["later"] / name.format(MONTHS[0], MONTHS[0], ""), again, EARLIER_NS)
    write_at(folders["later"] / name.format(MONTHS[2], MONTHS[2], ""), data[MONTHS[2]], EARLIER_NS)
    write_at(folders["other"] / name.format(MONTHS[3], MONTHS[3], ""), data[MONTHS[3]], EARLIER_NS)
    copy = name.format(MONTHS[3], MONTHS[3], " (1)")
    write_at(folders["other"] / copy, data[MONTHS[3]], LATER_NS)
    return folders


def _csv_summary(sources: dict[str, Path], cambridge_dir: Path) -> Summary:
    area = load_study_area(list(sources.values()), cambridge_dir / "wards.geojson")
    return summarise(area, Selection())


@pytest.mark.parametrize(
    "runs",
    [
        [["first", "later", "other"]],
        [["first"], ["later"], ["other"]],
        [["later"], ["first"], ["other"]],
        [["other"], ["later"], ["first"]],
        [["later", "other"], ["first"]],
        [["first"], ["later", "other"], ["first"]],
        [["later"], ["later"], ["first", "other"], ["later", "first", "other"]],
    ],
    ids=["one-run", "in-order", "later-first", "reversed", "two-runs", "first-again", "repeats"],
)
def test_any_split_and_order_of_ingest_runs_summarises_as_the_csvs(
    runs: list[list[str]], sources: dict[str, Path], cambridge_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    for run in runs:
        ingest([sources[name] for name in run], store_dir=store)
    area = load_study_area_from_store(store, cambridge_dir / "wards.geojson")
    from_store = summarise(area, Selection())
    from_csv = _csv_summary(sources, cambridge_dir)
    assert from_csv.months == MONTHS
    assert from_csv.n_set_aside == 2 * N_ROWS  # the older 2024-09 and the copy of 2024-12
    assert from_csv.n_rows == 4 * N_ROWS
    assert "Burglary (domestic)" in from_csv.by_crime_type  # kept as written
    assert not [t for t in from_csv.by_crime_type if t != t.strip() or t.islower()]
    assert [n.split("(", 1)[0] for n in from_csv.notes if "crime type" in n] == [
        (
            f"2025-10/{MONTHS[1]}/{MONTHS[1]}-cambridgeshire-street.csv: {N_ROWS // 7} rows' crime "
            "types written in another case or spacing were read as data.police.uk's "
        ),
        (
            f"2025-11/{MONTHS[2]}/{MONTHS[2]}-cambridgeshire-street.csv: {N_ROWS // 50} rows "
            "have a crime type data.police.uk does not publish "
        ),
    ]
    assert from_store == from_csv


def test_the_sources_are_what_the_runs_need(sources: dict[str, Path]) -> None:
    # the later download's 2024-09 differs from the first's in two outcomes, no more
    first, later = (
        pd.read_csv(io.BytesIO(f.read_bytes()), dtype=str, keep_default_na=False)
        for f in (
            next(sources["first"].rglob("2024-09-*.csv")),
            next(sources["later"].rglob("2024-09-*.csv")),
        )
    )
    assert (first != later).to_numpy().sum() == 2
