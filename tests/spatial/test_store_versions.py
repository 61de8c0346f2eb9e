"""The store keeps the rows read_crimes keeps: one republished-month rule (spatial.versions)."""

from __future__ import annotations

import json
import os
import random
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

from boundaries.dataset import load_study_area, load_study_area_from_store
from boundaries.select import Selection, summarise
from spatial.errors import InputDataError
from spatial.io import read_crimes
from spatial.store import ingest, query_crimes, read_manifest, store_files, store_info

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from spatial.io import CrimeLoad

SEPT = "2024-09-cambridgeshire-street.csv"
KEY = "cambridgeshire-constabulary/2024-09"
GB_M = (0.0, 0.0, 7e5, 1.3e6)
EARLY, LATE = 1_700_000_000, 1_800_000_000


def _lines(cambridge_dir: Path) -> list[str]:
    text = (cambridge_dir / "crimes" / SEPT).read_text(encoding="utf-8")
    return text.splitlines(keepends=True)


def _write(folder: Path, lines: Sequence[str], *, mtime: int, name: str = SEPT) -> Path:
    """Write a month's lines into ``folder`` (given as a source, its name is in the rows')."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return folder


def _republished(lines: Sequence[str]) -> list[str]:
    """The month as published later: five outcomes updated."""
    out, changed = list(lines), 0
    for i, line in enumerate(out[1:], start=1):
        if "Investigation complete; no suspect identified" in line and changed < 5:
            out[i] = line.replace("Investigation complete; no suspect identified", "Court case")
            changed += 1
    return out


def _rows(load: CrimeLoad) -> pd.DataFrame:
    """Every row used, with where it was read, sorted: equal frames mean equal answers."""
    points = pd.DataFrame(load.points.drop(columns="geometry"))
    points["x"] = load.points.geometry.x.round(6)
    points["y"] = load.points.geometry.y.round(6)
    columns = ["source_file", "source_row", "crime_id", "month", "crime_type", "last_outcome"]
    used = pd.concat([points, load.without_location], ignore_index=True)
    frame = used.loc[:, [*columns, "x", "y"]].astype(str)
    return frame.sort_values(["source_file", "source_row"]).reset_index(drop=True)


def _assert_same_answer(store: Path, sources: Sequence[Path]) -> CrimeLoad:
    """The store's rows, counts and crime types equal what read_crimes gives on the files."""
    csv = read_crimes(list(sources))
    mine = query_crimes(store, bounds_m=GB_M)
    pd.testing.assert_frame_equal(_rows(mine), _rows(csv))
    assert (mine.n_rows, mine.n_without_location, mine.n_outside_gb) == (
        csv.n_rows,
        csv.n_without_location,
        csv.n_outside_gb,
    )
    assert store_info(store).n_rows == csv.n_rows
    return csv


def _runs(sources: Sequence[Path], store: Path, *, one_run: bool) -> list[str]:
    """Ingest in one run or one run per source; return every note."""
    batches = [list(sources)] if one_run else [[s] for s in sources]
    return [note for batch in batches for note in ingest(batch, store_dir=store).notes]


def _snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in store.rglob("*") if p.is_file()}


@pytest.mark.parametrize("one_run", [True, False])
def test_the_same_month_downloaded_twice_is_read_once(
    cambridge_dir: Path, tmp_path: Path, *, one_run: bool
) -> None:
    lines = _lines(cambridge_dir)
    first = _write(tmp_path / "jan", lines, mtime=EARLY)
    again = _write(tmp_path / "mar", lines, mtime=LATE)  # identical bytes
    store = tmp_path / "s"
    notes = _runs([first, again], store, one_run=one_run)
    csv = _assert_same_answer(store, [first, again])
    # one run: read_crimes' note, its rows counted as set aside; two: the file is known, skipped
    note = f"mar/{SEPT} is identical to jan/{SEPT}; read once (6,740 rows set aside)."
    assert notes == ([note] if one_run else [])
    assert csv.notes == (note,)
    assert csv.n_rows == 6_740
    assert csv.n_set_aside == 6_740


@pytest.mark.parametrize("one_run", [True, False])
@pytest.mark.parametrize("shuffled_first", [True, False])
def test_the_same_rows_in_another_order_are_a_copy(
    cambridge_dir: Path, tmp_path: Path, *, one_run: bool, shuffled_first: bool
) -> None:
    lines = _lines(cambridge_dir)
    body = lines[1:]
    random.Random(4).shuffle(body)  # noqa: S311 - a fixed shuffle, not a secret
    plain = _write(tmp_path / "jan", lines, mtime=EARLY)
    shuffled = _write(tmp_path / "mar", [lines[0], *body], mtime=LATE)
    sources = [shuffled, plain] if shuffled_first else [plain, shuffled]
    store = tmp_path / "s"
    notes = _runs(sources, store, one_run=one_run)
    csv = _assert_same_answer(store, sources)
    # the later file is kept, the earlier set aside as a copy, in read_crimes' words
    assert set(_rows(csv)["source_file"]) == {f"mar/{SEPT}"}
    (copy_note,) = [n for n in csv.notes if "same rows" in n]
    assert copy_note.startswith(f"jan/{SEPT} holds the same rows as mar/{SEPT}")
    assert copy_note in notes


@pytest.mark.parametrize("one_run", [True, False])
@pytest.mark.parametrize("later_first", [True, False])
def test_a_republished_month_keeps_the_later_file_whatever_the_order(
    cambridge_dir: Path, tmp_path: Path, *, one_run: bool, later_first: bool
) -> None:
    lines = _lines(cambridge_dir)
    early = _write(tmp_path / "jan", lines, mtime=EARLY)
    late = _write(tmp_path / "mar", _republished(lines), mtime=LATE)
    sources = [late, early] if later_first else [early, late]
    store = tmp_path / "s"
    notes = _runs(sources, store, one_run=one_run)
    csv = _assert_same_answer(store, sources)
    used = _rows(csv)
    assert set(used["source_file"]) == {f"mar/{SEPT}"}
    assert (used["last_outcome"] == "Court case").sum() == 5
    (note,) = [n for n in csv.notes if "republished" in n]
    assert "differ in 5 rows" in note
    assert note in notes
    entry = read_manifest(store)["partitions"]["street"][KEY]  # type: ignore[index]
    assert [s["name"] for s in entry["sources"]] == [f"mar/{SEPT}"]
    assert len(store_files(store)) == 1
    assert len(list((store / "street").rglob("*.parquet"))) == 1  # the older file removed


@pytest.mark.parametrize("one_run", [True, False])
@pytest.mark.parametrize("second_first", [True, False])
def test_a_month_split_over_two_files_keeps_both(
    cambridge_dir: Path, tmp_path: Path, *, one_run: bool, second_first: bool
) -> None:
    lines = _lines(cambridge_dir)
    first = _write(tmp_path / "a", lines[:4000], mtime=EARLY)
    second = _write(tmp_path / "b", [lines[0], *lines[4000:]], mtime=LATE)
    sources = [second, first] if second_first else [first, second]
    store = tmp_path / "s"
    notes = _runs(sources, store, one_run=one_run)
    csv = _assert_same_answer(store, sources)
    assert csv.n_rows == 6_740
    assert csv.n_set_aside == 0
    assert not [n for n in notes if "set aside" in n]
    # one partition file holding both files' rows, Hilbert-sorted as any other
    (path,) = store_files(store)
    assert pq.read_metadata(path).num_rows == 6_740
    entry = read_manifest(store)["partitions"]["street"][KEY]  # type: ignore[index]
    assert sorted(s["name"] for s in entry["sources"]) == [f"a/{SEPT}", f"b/{SEPT}"]
    assert sum(n for _, _, n in entry["counts"]) == 6_740
    frame = gpd.read_parquet(path)
    located = frame.loc[frame["status"] == "located"]
    assert located.geometry.hilbert_distance(total_bounds=GB_M).is_monotonic_increasing
    assert (frame["status"].iloc[len(located) :] != "located").all()
    before = _snapshot(store)
    assert ingest(sources, store_dir=store).n_files_skipped == 2  # idempotent
    assert _snapshot(store) == before
    whole = load_study_area([cambridge_dir / "crimes" / SEPT], cambridge_dir / "wards.geojson")
    area = load_study_area_from_store(store, cambridge_dir / "wards.geojson")
    assert summarise(area, Selection()) == summarise(whole, Selection())


@pytest.mark.parametrize("one_run", [True, False])
@pytest.mark.parametrize("cut_first", [True, False])
def test_a_cut_off_file_is_refused_as_read_crimes_refuses_it(
    cambridge_dir: Path, tmp_path: Path, *, one_run: bool, cut_first: bool
) -> None:
    lines = _lines(cambridge_dir)
    whole = _write(tmp_path / "jan", lines, mtime=EARLY)
    cut = _write(tmp_path / "mar", lines[:3001], mtime=LATE)  # published later, cut off
    sources = [cut, whole] if cut_first else [whole, cut]
    with pytest.raises(InputDataError) as from_csv:
        read_crimes(sources)
    assert str(from_csv.value).startswith(
        f"mar/{SEPT} holds only 3,000 of the 6,740 rows that jan/{SEPT} holds for "
        "Cambridgeshire Constabulary 2024-09: one of the two files is incomplete"
    )
    store = tmp_path / "s"
    october = cambridge_dir / "crimes" / "2024-10-cambridgeshire-street.csv"
    ingest([october], store_dir=store)  # a store already holding a month
    if not one_run:
        ingest([sources[0]], store_dir=store)
    if not one_run and cut_first:
        # The store holds the cut-off file, which its user cannot remove: the whole month,
        # ingested next, holds all its rows and replaces it (the end state of removing the
        # incomplete file and reloading, as read_crimes' message asks).
        report = ingest([whole], store_dir=store)
        assert any("holds only some of the rows" in note for note in report.notes)
        _assert_same_answer(store, [whole, october])
        assert len(list((store / "street").rglob("*.parquet"))) == 2  # the cut-off file removed
        return
    before = _snapshot(store)
    with pytest.raises(InputDataError) as from_store:
        ingest(sources if one_run else [sources[1]], store_dir=store)
    assert str(from_store.value) == str(from_csv.value)
    assert _snapshot(store) == before  # nothing written, no file left behind
    assert query_crimes(store, bounds_m=GB_M).n_rows == store_info(store).n_rows


def test_rows_of_a_store_written_before_file_records_are_compared_too(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    lines = _lines(cambridge_dir)
    early = _write(tmp_path / "jan", lines, mtime=EARLY)
    late = _write(tmp_path / "mar", _republished(lines), mtime=LATE)
    store = tmp_path / "s"
    ingest([early], store_dir=store)
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["partitions"]["street"].values():
        del entry["sources"]  # the manifest as the first store version wrote it
    manifest.pop("next_order")
    (store / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = ingest([late], store_dir=store)
    assert "differ in 5 rows" in report.notes[0]
    _assert_same_answer(store, [early, late])


def _side_files(
    folder: Path, outcomes: Sequence[tuple[str, str]], searches: Sequence[tuple[str, str]]
) -> Path:
    """Write a month's outcomes and stop and search files; later folders: later mtimes."""
    folder.mkdir(parents=True)
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Outcome type\n"
    )
    rows = (
        f"{i},2025-01,Testshire Police,Testshire Police,0.12,52.2,X,E1,L,{k}\n" for i, k in outcomes
    )
    searches_text = (
        f"Person search,2025-01-0{d}T10:00:00+00:00,52.2,0.12,Male,{k}\n" for d, k in searches
    )
    mtime = EARLY + ord(folder.name[0])
    for name, text in (
        ("2025-01-testshire-outcomes.csv", header + "".join(rows)),
        (
            "2025-01-testshire-stop-and-search.csv",
            "Type,Date,Latitude,Longitude,Gender,Outcome\n" + "".join(searches_text),
        ),
    ):
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (mtime, mtime))
    return folder


def _side_rows(store: Path, table: Literal["outcomes", "stop_search"]) -> list[tuple[str, ...]]:
    frames = [pq.read_table(f).to_pandas() for f in store_files(store, table=table)]
    values: list[list[str]] = pd.concat(frames).astype(str).to_numpy().tolist()
    return sorted(tuple(row) for row in values)


@pytest.mark.parametrize("one_run", [True, False])
def test_outcomes_and_searches_follow_the_rule_and_never_lose_a_split_month(
    tmp_path: Path, *, one_run: bool
) -> None:
    first = _side_files(tmp_path / "a", [("c1", "Charged"), ("c2", "Cautioned")], [("1", "Arrest")])
    second = _side_files(tmp_path / "b", [("c3", "Charged")], [("2", "Arrest"), ("3", "None")])
    store = tmp_path / "s"
    assert not _runs([first, second], store, one_run=one_run)
    assert len(_side_rows(store, "outcomes")) == 3
    assert len(_side_rows(store, "stop_search")) == 3
    # the same rows again in another order: a copy, set aside
    copy = _side_files(tmp_path / "c", [("c3", "Charged")], [("3", "None"), ("2", "Arrest")])
    before = _side_rows(store, "stop_search")
    notes = ingest([copy], store_dir=store).notes
    # (the later file is kept, as read_crimes keeps it: the partition now names it)
    assert any(
        n.startswith("b/2025-01-testshire-stop-and-search.csv holds the same rows as c/")
        for n in notes
    )
    assert _side_rows(store, "stop_search") == before
    # a later file holding only some of the rows: kept the file holding them all, with a note
    cut = _side_files(tmp_path / "d", [("c1", "Charged")], [("1", "Arrest")])
    notes = ingest([cut], store_dir=store).notes
    assert any(
        "holds only some of the rows that a/2025-01-testshire-outcomes.csv" in n for n in notes
    )
    assert len(_side_rows(store, "outcomes")) == 3
    # a republished month with an updated outcome: the later file replaces its older version
    later = _side_files(tmp_path / "e", [("c1", "Charged"), ("c2", "Court")], [("1", "Arrest")])
    notes = ingest([later], store_dir=store).notes
    assert any("a republished month" in n for n in notes)
    rows = _side_rows(store, "outcomes")
    assert [r[0] for r in rows] == ["c1", "c2", "c3"]
    assert "Court" in rows[1]
