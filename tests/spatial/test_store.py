"""The GeoParquet store: same answers as the CSVs, incremental, idempotent, crash-safe, open."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from typing import TYPE_CHECKING

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from shapely.geometry import box

from boundaries.assign import assign_wards
from boundaries.dataset import load_study_area, load_study_area_from_store
from boundaries.overview import force_overview
from boundaries.select import Selection, summarise
from patchmap.profile import PROFILE_COLUMNS
from spatial import store as store_module
from spatial.errors import EmptyInputError, InputDataError, ParameterError
from spatial.store import (
    ingest,
    located_counts,
    located_points,
    query_crimes,
    read_manifest,
    store_files,
    store_info,
)
from tasking.profile import build_profile

if TYPE_CHECKING:
    from pathlib import Path

ASB = "Anti-social behaviour"


@pytest.fixture(scope="module")
def csv_area(cambridge_dir: Path) -> object:
    return load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")


def test_ingest_counts_every_row_of_the_cambridge_files(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    report = ingest([cambridge_dir / "crimes"], store_dir=tmp_path / "s")
    assert report.n_files_read == 13
    assert report.n_rows == 90_957  # SOURCES.md
    assert report.n_located + report.n_without_location + report.n_outside_gb == report.n_rows
    assert report.n_without_location == 2_859
    assert len(report.partitions_written) == 13
    info = store_info(tmp_path / "s")
    assert info.forces == ("cambridgeshire-constabulary",)
    assert info.n_rows == 90_957
    assert info.months[0] == "2024-09"
    assert info.months[-1] == "2025-09"


@pytest.mark.parametrize(
    "selection",
    [
        Selection(),
        Selection(wards=("Market",), months=("2025-01", "2025-03")),
        Selection(crime_types=(ASB,)),
        Selection(wards=("Abbey", "Romsey"), crime_types=("Burglary", "Shoplifting")),
    ],
)
def test_store_summary_equals_csv_summary(
    cambridge_store: Path, cambridge_dir: Path, csv_area: object, selection: Selection
) -> None:
    from_store = load_study_area_from_store(cambridge_store, cambridge_dir / "wards.geojson")
    store_summary = summarise(from_store, selection)
    csv_summary = summarise(csv_area, selection)  # type: ignore[arg-type]
    assert store_summary == csv_summary
    # in the same order too (ties by name), though the store's rows are in another order
    assert list(store_summary.by_crime_type.items()) == list(csv_summary.by_crime_type.items())


def test_store_reads_only_the_wards_rows(cambridge_store: Path, cambridge_dir: Path) -> None:
    area = load_study_area_from_store(cambridge_store, cambridge_dir / "wards.geojson")
    assert len(area.points) == 17_785  # SOURCES.md: inside wards.geojson
    assert area.points["ward"].value_counts()["Market"] == 4_206
    assert len(area.crimes.points) < 25_000  # of 88,098 located rows in the force
    assert area.crimes.n_rows == 90_957
    assert area.points.crs == "EPSG:27700"


def test_store_points_equal_csv_points_inside_wards(
    cambridge_store: Path, cambridge_dir: Path, csv_area: object
) -> None:
    area = load_study_area_from_store(cambridge_store, cambridge_dir / "wards.geojson")
    key = ["source_file", "source_row"]
    mine = area.points.assign(source_file=area.points["source_file"].str.split("/").str[-1])
    theirs = csv_area.points  # type: ignore[attr-defined]
    theirs = theirs.assign(source_file=theirs["source_file"].str.split("/").str[-1])
    mine = mine.sort_values(key).reset_index(drop=True)
    theirs = theirs.sort_values(key).reset_index(drop=True)
    assert (mine["ward"] == theirs["ward"]).all()
    assert (mine["crime_type"] == theirs["crime_type"]).all()
    assert (mine["month"] == theirs["month"]).all()
    assert mine.geometry.geom_equals_exact(theirs.geometry, tolerance=1e-6).all()


RURAL_BOX_M = (545_500, 295_500, 549_500, 299_500)
"""A 4 km square ward far from Cambridge's centre: some months have no located row near it."""


def write_rural_wards(target: Path) -> Path:
    """Write one 4 km square ward ("Rural Test") at :data:`RURAL_BOX_M` as GeoJSON."""
    ward = gpd.GeoDataFrame(
        {"WD23CD": ["E0R"], "WD23NM": ["Rural Test"]}, geometry=[box(*RURAL_BOX_M)], crs=27700
    )
    ward.to_crs(4326).to_file(target, driver="GeoJSON")
    return target


@pytest.mark.parametrize("read_only", [None, ("Rural Test",)])
def test_a_small_rural_ward_keeps_every_month_and_row_of_the_force(
    cambridge_store: Path, cambridge_dir: Path, tmp_path: Path, read_only: tuple[str, ...] | None
) -> None:
    wards_file = write_rural_wards(tmp_path / "rural.geojson")
    met = store_files(cambridge_store, bounds_m=RURAL_BOX_M)
    assert 0 < len(met) < 13  # the case at hand: some months' points all lie elsewhere
    from_csv = load_study_area([cambridge_dir / "crimes"], wards_file)
    from_store = load_study_area_from_store(cambridge_store, wards_file, read_only=read_only)
    csv_load, store_load = from_csv.crimes, from_store.crimes
    assert len(store_load.months) == 13
    assert store_load.months == csv_load.months
    assert store_load.n_rows_read == csv_load.n_rows_read == 90_957
    assert store_load.n_without_location == csv_load.n_without_location == 2_859
    buckets = ("n_rows", "n_outside_gb", "n_set_aside", "n_duplicates_removed")
    assert {b: getattr(store_load, b) for b in buckets} == {
        b: getattr(csv_load, b) for b in buckets
    }
    assert len(from_store.points) == len(from_csv.points) > 0
    assert summarise(from_store, Selection()) == summarise(from_csv, Selection())


def test_repeated_crime_ids_have_their_own_bucket_in_the_ingest_report(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    source = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    with_id = frame.loc[frame["Crime ID"] != ""]
    doubled = pd.concat([frame, with_id.head(5)], ignore_index=True)
    target = tmp_path / "in" / source.name
    target.parent.mkdir()
    doubled.to_csv(target, index=False)
    report = ingest([target], store_dir=tmp_path / "s")
    assert report.n_duplicates == 5
    assert report.n_rows == 6_745  # every row of the file
    buckets = report.n_located + report.n_without_location + report.n_outside_gb
    assert buckets + report.n_rows_set_aside + report.n_duplicates == report.n_rows
    assert report.to_dict()["n_duplicates"] == 5
    assert store_info(tmp_path / "s").n_rows == 6_740  # each Crime ID kept once


def test_ingest_skips_system_files_in_zips_and_folders(cambridge_dir: Path, tmp_path: Path) -> None:
    source = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    binary = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X\x00\x00"
    archive = tmp_path / "mac.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(source, f"2024-09/{source.name}")
        zf.writestr(f"__MACOSX/2024-09/._{source.name}", binary)
        zf.writestr(".DS_Store", binary)
    report = ingest([archive], store_dir=tmp_path / "s")
    assert (report.n_files_read, report.n_rows) == (1, 6_740)
    assert "mac.zip: 2 system files skipped" in " ".join(report.notes)
    folder = tmp_path / "folder" / "2024-09"
    folder.mkdir(parents=True)
    shutil.copy(source, folder / source.name)
    (folder / f"._{source.name}").write_bytes(binary)
    (folder / "Thumbs.db").write_bytes(binary)
    report = ingest([folder.parent], store_dir=tmp_path / "t")
    assert (report.n_files_read, report.n_rows) == (1, 6_740)
    assert "folder: 2 system files skipped" in " ".join(report.notes)


def test_csvs_skipped_for_their_names_are_counted_as_skipped(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    source = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    folder = tmp_path / "police"
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    (folder / "things.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    report = ingest([folder], store_dir=tmp_path / "s")
    assert (report.n_files_read, report.n_files_skipped, report.n_files_not_named) == (1, 1, 1)
    assert report.n_rows == 6_740
    assert any(n.startswith("police: 1 CSV file not named like") for n in report.notes)
    # again: the street file is now already in the store, things.csv still skipped for its name
    again = ingest([folder], store_dir=tmp_path / "s")
    assert (again.n_files_read, again.n_files_skipped, again.n_files_not_named) == (0, 2, 1)
    archive = tmp_path / "police.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(source, f"2024-09/{source.name}")
        zf.writestr("2024-09/things.csv", "a,b\n1,2\n")
        zf.writestr("2024-09/other.csv", "a,b\n1,2\n")
    report = ingest([archive], store_dir=tmp_path / "t")
    assert (report.n_files_read, report.n_files_skipped, report.n_files_not_named) == (1, 2, 2)
    assert report.to_dict()["n_files_skipped"] == 2
    assert any("2 CSV files not named like" in n for n in report.notes)


def test_month_range_reads_only_those_partitions(cambridge_store: Path) -> None:
    files = store_files(cambridge_store, months=("2025-01", "2025-02"))
    assert [f.parent.name for f in files] == ["2025-01", "2025-02"]
    load = query_crimes(cambridge_store, bounds_m=(0, 0, 7e5, 1.3e6), months=("2025-01", "2025-02"))
    assert load.months == ("2025-01", "2025-02")
    assert load.n_rows == 6_267 + 6_152  # SOURCES.md


def test_a_mistyped_source_is_refused_before_the_store_folder_is_made(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match=r"nothere\.zip: no such file or folder\. Check"):
        ingest([tmp_path / "nothere.zip"], store_dir=tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_ingest_twice_changes_nothing(cambridge_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "s"
    ingest([cambridge_dir / "crimes"], store_dir=target)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    again = ingest([cambridge_dir / "crimes"], store_dir=target)
    assert again.n_files_read == 0
    assert again.n_files_skipped == 13
    assert again.partitions_written == ()
    after = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before


def test_ingest_is_incremental(cambridge_dir: Path, tmp_path: Path) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    ingest(months[:12], store_dir=target)
    report = ingest(months, store_dir=target)
    assert report.n_files_read == 1
    assert report.partitions_written == ("street cambridgeshire-constabulary/2025-09",)
    assert store_info(target).n_rows == 90_957


def test_crash_mid_ingest_leaves_the_previous_store_valid(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    ingest(months[:2], store_dir=target)
    manifest_before = (target / "manifest.json").read_bytes()
    calls = {"n": 0}
    real_write = store_module._write_street  # noqa: SLF001 - killed mid-ingest

    def crash_on_second(frame: object, path: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            msg = "killed"
            raise KeyboardInterrupt(msg)
        real_write(frame, path)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "_write_street", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        ingest(months[2:5], store_dir=target)
    monkeypatch.undo()
    assert (target / "manifest.json").read_bytes() == manifest_before
    assert list(target.glob(".staging-*"))  # the interrupted run's leftovers are there
    assert store_info(target).n_rows == 6_740 + 6_970
    report = ingest(months[2:5], store_dir=target)
    assert report.n_files_read == 3
    assert not list(target.glob(".staging-*"))
    assert store_info(target).n_rows == 6_740 + 6_970 + 6_398 + 6_043 + 6_267


def test_a_folder_left_by_a_killed_first_ingest_is_a_new_store(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    real_write = store_module._write_street  # noqa: SLF001 - killed mid-ingest
    calls = {"n": 0}

    def crash_on_second(frame: object, path: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real_write(frame, path)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "_write_street", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        ingest(months[:3], store_dir=target)
    monkeypatch.undo()
    # a kill while moving partitions into place, or writing the manifest, leaves these too
    (target / ".manifest-0123abcd.json").write_text("{", encoding="utf-8")
    moved = target / "street" / "cambridgeshire-constabulary" / "2024-09"
    moved.mkdir(parents=True)
    (moved / "part-0123456789abcdef.parquet").write_bytes(b"PAR1")
    assert not (target / "manifest.json").exists()
    assert {p.name for p in target.iterdir()} >= {".lock", ".manifest-0123abcd.json", "street"}
    assert list(target.glob(".staging-*"))
    with pytest.raises(EmptyInputError, match="holds no crime data yet"):
        store_info(target)  # a query: not 'the folder is not empty'
    report = ingest(months[:3], store_dir=target)
    assert report.n_files_read == 3
    assert report.n_rows == 6_740 + 6_970 + 6_398
    assert not list(target.glob(".staging-*"))
    assert not list(target.glob(".manifest-*"))
    assert not (moved / "part-0123456789abcdef.parquet").exists()
    assert store_info(target).n_rows == 6_740 + 6_970 + 6_398


def test_a_file_given_twice_to_a_new_store_is_repeated_not_already_stored(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    month = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    report = ingest([month, month], store_dir=tmp_path / "s")
    assert (report.n_files_read, report.n_files_skipped, report.n_files_repeated) == (1, 0, 1)
    # the copy's rows are read (as read_crimes reads them) and set aside
    assert (report.n_rows, report.n_rows_set_aside) == (2 * 6_740, 6_740)
    assert report.n_located + report.n_without_location == 6_740
    again = ingest([month, month], store_dir=tmp_path / "s")
    assert (again.n_files_read, again.n_files_skipped, again.n_files_repeated) == (0, 2, 0)


def test_a_folder_with_other_files_is_still_not_taken_for_a_store(tmp_path: Path) -> None:
    target = tmp_path / "s"
    (target / "street").mkdir(parents=True)
    (target / ".lock").touch()
    (target / "street" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a patchmap store"):
        read_manifest(target)


def test_a_refused_file_among_many_stops_the_run_at_the_first_and_leaves_the_store(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    # street files are read by worker threads a few files ahead: the error must still be the
    # first refused file's, in file order, and nothing of the run may stay behind
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    ingest(months[:1], store_dir=target)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    first_bad = tmp_path / "in" / "2025-01-x-street.csv"
    later_bad = tmp_path / "in" / "2025-02-y-street.csv"
    first_bad.parent.mkdir()
    first_bad.write_text("Crime ID,Month\na,2025-01\n", encoding="utf-8")
    later_bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    sources = [*months[1:6], first_bad, *months[6:9], later_bad, *months[9:]]
    with pytest.raises(InputDataError, match=r"^2025-01-x-street.csv: missing columns"):
        ingest(sources, store_dir=target)
    after = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before  # no partition, no manifest change, no staging file
    report = ingest(months, store_dir=target)
    assert (report.n_files_read, report.n_files_skipped) == (12, 1)
    assert store_info(target).n_rows == 90_957


def _copy_with_month(store: Path, tmp_path: Path, month: str) -> tuple[Path, Path]:
    """Copy a store; return the copy and its street partition file of ``month``."""
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    return copy, next((copy / "street").glob(f"*/{month}/part-*.parquet"))


def test_a_missing_store_file_is_said_by_every_query_and_by_ingest(
    cambridge_dir: Path, cambridge_store: Path, tmp_path: Path
) -> None:
    store, march = _copy_with_month(cambridge_store, tmp_path, "2025-03")
    march.unlink()  # a partial copy of the store
    gone = rf"A file of the store is damaged or missing \({re.escape(str(march))}: no such file\)"
    ward_file = cambridge_dir / "wards.geojson"
    with pytest.raises(InputDataError, match=gone):  # a profile reads the point counts alone
        load_study_area_from_store(
            store, ward_file, read_only=("Market",), count_all=True, columns=PROFILE_COLUMNS
        )
    with pytest.raises(InputDataError, match=gone):
        query_crimes(store, bounds_m=(540_000.0, 252_000.0, 552_000.0, 264_000.0))
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file()}
    with pytest.raises(InputDataError, match=gone):  # else its files would be skipped as held
        ingest([cambridge_dir / "crimes"], store_dir=store)
    assert {p: p.read_bytes() for p in store.rglob("*") if p.is_file()} == before


def test_a_damaged_or_missing_store_file_is_a_message_not_a_traceback(
    cambridge_dir: Path, cambridge_store: Path, tmp_path: Path
) -> None:
    store, september = _copy_with_month(cambridge_store, tmp_path, "2024-09")
    september.write_bytes(september.read_bytes()[:1000])  # a copy cut short
    bounds = (540_000.0, 252_000.0, 552_000.0, 264_000.0)
    damaged = r"A file of the store is damaged or missing \(.*2024-09.*\)\. Restore the store"
    with pytest.raises(InputDataError, match=damaged):
        query_crimes(store, bounds_m=bounds)
    # every ward's counts come from the force's point counts file, which is checked alike
    counts = next((store / "point_counts").glob("*/part-*.parquet"))
    kept = counts.read_bytes()
    counts.write_bytes(kept[:1000])
    with pytest.raises(InputDataError, match=r"damaged or missing \(.*point_counts.*\)"):
        located_counts(store, bounds_m=bounds)
    counts.write_bytes(kept)
    # a later copy of that month has to be merged with the damaged file: refused the same way
    late = _republished(
        cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv",
        tmp_path / "mar" / "2024-09-cambridgeshire-street.csv",
        mtime=1_800_000_000,
    )
    manifest = (store / "manifest.json").read_bytes()
    with pytest.raises(InputDataError, match=damaged):
        ingest([late], store_dir=store)
    assert (store / "manifest.json").read_bytes() == manifest
    september.unlink()  # the file gone altogether
    with pytest.raises(InputDataError, match=damaged):
        query_crimes(store, bounds_m=bounds)


def _republished(source: Path, target: Path, *, mtime: float) -> Path:
    """The same month as published later: a few outcome fields changed."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = 0
    for i, line in enumerate(lines[1:], start=1):
        if "Investigation complete; no suspect identified" in line and changed < 5:
            lines[i] = line.replace(
                "Investigation complete; no suspect identified", "Under investigation"
            )
            changed += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(lines), encoding="utf-8")
    os.utime(target, (mtime, mtime))
    return target


def test_republished_month_is_kept_once_the_later_wins(cambridge_dir: Path, tmp_path: Path) -> None:
    september = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    early = tmp_path / "jan" / september.name
    early.parent.mkdir()
    shutil.copy(september, early)
    os.utime(early, (1_700_000_000, 1_700_000_000))
    late = _republished(september, tmp_path / "mar" / september.name, mtime=1_800_000_000)
    target = tmp_path / "s"
    ingest([early], store_dir=target)
    report = ingest([late], store_dir=target)
    (note,) = report.notes  # read_crimes' wording, naming the file set aside first
    assert note.startswith(f"{september.name} and {september.name} both hold ")
    assert "Cambridgeshire Constabulary 2024-09 and differ in 5 rows (a republished month)" in note
    assert "it was modified later (2027-01-15 08:00:00 UTC against 2023-11-14" in note
    assert report.n_rows_set_aside == 0  # the rows set aside were the store's
    assert report.partitions_written == ("street cambridgeshire-constabulary/2024-09",)
    area = load_study_area_from_store(target, cambridge_dir / "wards.geojson")
    asb = summarise(area, Selection(crime_types=(ASB,))).n_inside_wards
    assert asb == 176  # issue 11: not 352
    assert store_info(target).n_rows == 6_740
    # the earlier file given again afterwards is set aside, never mixed in
    older = tmp_path / "old" / september.name
    older.parent.mkdir()
    shutil.copy(september, older)
    with older.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    os.utime(older, (1_600_000_000, 1_600_000_000))
    report = ingest([older], store_dir=target)
    assert report.partitions_written == ()
    assert report.n_rows_set_aside == 6_740
    assert report.n_rows == 6_740
    assert "the 6,740 rows of 2024-09-cambridgeshire-street.csv for" in report.notes[0]
    assert store_info(target).n_rows == 6_740


def test_store_is_plain_geoparquet_1_1(cambridge_store: Path) -> None:
    files = store_files(cambridge_store)
    meta = json.loads(pq.read_schema(files[0]).metadata[b"geo"])
    assert meta["version"] == "1.1.0"
    column = meta["columns"]["geometry"]
    assert column["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    assert "27700" in json.dumps(column["crs"])
    table = pads.dataset(cambridge_store / "street", format="parquet").to_table(
        columns=["crime_type", "status"]
    )
    assert table.num_rows == 90_957
    n = duckdb.execute(
        "SELECT count(*) FROM read_parquet($glob) "
        "WHERE bbox.xmin BETWEEN 544000 AND 547000 AND bbox.ymin BETWEEN 257000 AND 260000",
        {"glob": f"{cambridge_store}/street/**/*.parquet"},
    ).fetchall()
    assert n[0][0] > 1000
    frame = gpd.read_parquet(files[0])
    assert frame.crs == "EPSG:27700"
    assert len(frame) == 6_740


def test_located_rows_are_hilbert_sorted(cambridge_store: Path) -> None:
    frame = gpd.read_parquet(store_files(cambridge_store)[0])
    located = frame.loc[frame["status"] == "located"]
    distance = located.geometry.hilbert_distance(total_bounds=(0.0, 0.0, 7e5, 1.3e6))
    assert distance.is_monotonic_increasing
    assert (frame["status"].iloc[len(located) :] != "located").all()


def test_outcomes_join_to_their_crimes_and_stop_search_has_its_own_table(
    tmp_path: Path,
) -> None:
    month = tmp_path / "2025-01"
    month.mkdir()
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
    )
    (month / "2025-01-testshire-street.csv").write_text(
        header + "abc,2025-01,Testshire Police,Testshire Police,0.12,52.2,On or near X,E1,L,"
        "Burglary,Under investigation,\n"
        + ",2025-01,Testshire Police,Testshire Police,0.121,52.201,On or near Y,E1,L,"
        "Anti-social behaviour,,\n",
        encoding="utf-8",
    )
    outcome_header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Outcome type\n"
    )
    (month / "2025-01-testshire-outcomes.csv").write_text(
        outcome_header
        + "abc,2025-01,Testshire Police,Testshire Police,0.12,52.2,X,E1,L,Under investigation\n",
        encoding="utf-8",
    )
    later = tmp_path / "2025-03"
    later.mkdir()
    (later / "2025-03-testshire-outcomes.csv").write_text(
        outcome_header
        + "abc,2025-03,Testshire Police,Testshire Police,0.12,52.2,X,E1,L,Offender charged\n"
        + "abc,2025-03,Testshire Police,Testshire Police,0.12,52.2,X,E1,L,"
        "Defendant found guilty\n",  # the same month: the file's last row is the last outcome
        encoding="utf-8",
    )
    (later / "2025-03-testshire-stop-and-search.csv").write_text(
        "Type,Date,Latitude,Longitude,Gender,Outcome\n"
        "Person search,2025-03-04T10:00:00+00:00,52.2,0.12,Male,Arrest\n",
        encoding="utf-8",
    )
    report = ingest([tmp_path], store_dir=tmp_path / "s")
    assert report.n_rows == 2
    assert report.n_outcome_rows == 3
    assert report.n_stop_search_rows == 1
    load = query_crimes(tmp_path / "s", bounds_m=(0, 0, 7e5, 1.3e6))
    burglary = load.points.loc[load.points["crime_id"] == "abc"].iloc[0]
    assert burglary["outcome"] == "Defendant found guilty"
    assert burglary["outcome_month"] == "2025-03"
    asb = load.points.loc[load.points["crime_id"].isna()].iloc[0]
    assert asb["outcome"] is None or asb["outcome"] != asb["outcome"]  # None or NaN
    searches = store_files(tmp_path / "s", table="stop_search")
    assert [f.parent.parent.name for f in searches] == ["testshire"]


def test_store_errors_say_what_to_fix(tmp_path: Path, cambridge_store: Path) -> None:
    (tmp_path / "notastore").mkdir()
    (tmp_path / "notastore" / "x.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a patchmap store") as query_error:
        read_manifest(tmp_path / "notastore")
    wrote = "Give --store the folder patchmap ingest wrote (app: Store folder)."
    assert wrote in str(query_error.value)
    assert "new or empty" not in str(query_error.value)  # a query makes no store
    with pytest.raises(InputDataError, match="Give a new or empty folder to --store"):
        ingest([cambridge_store], store_dir=tmp_path / "notastore")
    with pytest.raises(InputDataError, match=r"empty: no such folder\. Give --store the folder"):
        store_info(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyInputError, match="the folder is empty, not a patchmap store"):
        store_info(tmp_path / "empty")
    with pytest.raises(EmptyInputError, match="no crimes around these wards"):
        query_crimes(cambridge_store, bounds_m=(100_000, 100_000, 101_000, 101_000))
    with pytest.raises(InputDataError, match="no such file"):
        ingest([tmp_path / "missing.csv"], store_dir=tmp_path / "s2")
    with pytest.raises(EmptyInputError, match="No files to ingest"):
        ingest([], store_dir=tmp_path / "s3")
    a_file = tmp_path / "store.txt"
    a_file.write_text("", encoding="utf-8")
    for call in (
        lambda: store_info(a_file),
        lambda: ingest([tmp_path / "notastore" / "x.txt"], store_dir=a_file),
    ):
        with pytest.raises(InputDataError, match=r"store.txt: this is a file, not a store"):
            call()
    damaged = tmp_path / "damaged"
    shutil.copytree(cambridge_store, damaged)
    (damaged / "manifest.json").write_text('{"version": 1, "parti', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"manifest is damaged .*into a new folder"):
        store_info(damaged)


def test_force_overview_counts_every_located_row_once(
    cambridge_store: Path, csv_area: object
) -> None:
    wards = csv_area.wards  # type: ignore[attr-defined]
    overview = force_overview(located_points(cambridge_store), wards)
    assert overview.n_located == 88_098
    assert int(overview.wards["n_crimes"].sum()) == 17_785
    assert overview.n_outside_wards == 88_098 - 17_785
    market = overview.wards.set_index("ward_name").loc["Market", "n_crimes"]
    assert market == 4_206  # SOURCES.md
    assert overview.by_ward_month.loc["Market"].sum() == 4_206
    assert overview.months[0] == "2024-09"
    assert overview.wards["rate_per_1000"].isna().all()


def test_located_points_of_the_wards_extent_give_the_same_overview(
    cambridge_store: Path, csv_area: object
) -> None:
    wards = csv_area.wards  # type: ignore[attr-defined]
    bounds = tuple(float(v) for v in wards.total_bounds)
    near = located_points(cambridge_store, months=("2025-01", "2025-03"), bounds_m=bounds)  # type: ignore[arg-type]
    assert set(near["month"]) == {"2025-01", "2025-02", "2025-03"}
    assert near["x_m"].between(bounds[0], bounds[2]).all()
    assert near["y_m"].between(bounds[1], bounds[3]).all()
    whole = force_overview(located_points(cambridge_store, months=("2025-01", "2025-03")), wards)
    clipped = force_overview(near, wards)
    assert len(near) < whole.n_located
    assert clipped.by_ward_month.equals(whole.by_ward_month)
    with pytest.raises(EmptyInputError, match="no crimes around these wards"):
        located_points(cambridge_store, bounds_m=(100_000, 10_000, 101_000, 11_000))


def test_located_counts_sum_to_the_located_rows_of_the_extent(
    cambridge_store: Path, csv_area: object
) -> None:
    wards = csv_area.wards  # type: ignore[attr-defined]
    bounds = tuple(float(v) for v in wards.total_bounds)
    counts = located_counts(cambridge_store, bounds_m=bounds)  # type: ignore[arg-type]
    rows = located_points(cambridge_store, bounds_m=bounds)  # type: ignore[arg-type]
    assert int(counts["n"].sum()) == len(rows)
    assert len(counts) < len(rows)  # snap points: crimes share a place, month and type
    assert not counts.duplicated(["x_m", "y_m", "month", "crime_type", "file"]).any()
    assert set(counts["file"]) <= {str(f) for f in store_files(cambridge_store)}
    # each count names the file its rows came from: the month's partition
    month_of_file = counts["file"].str.rsplit("/", n=2).str[-2]
    assert (month_of_file == counts["month"]).all()
    assert len(set(counts["file"])) > 1
    far = located_counts(cambridge_store, bounds_m=(100_000, 10_000, 101_000, 11_000))
    assert far.empty
    assert list(far.columns) == ["x_m", "y_m", "month", "crime_type", "file", "n"]


def test_reading_one_ward_counts_every_ward_as_the_csvs_do(
    cambridge_store: Path, cambridge_dir: Path, csv_area: object
) -> None:
    area = load_study_area_from_store(
        cambridge_store, cambridge_dir / "wards.geojson", read_only=("Market",), count_all=True
    )
    counts = area.ward_counts
    assert counts is not None
    points = csv_area.points  # type: ignore[attr-defined]
    assert counts.groupby("ward")["n"].sum().to_dict() == points["ward"].value_counts().to_dict()
    by_key = counts.groupby(["ward", "month", "crime_type"])["n"].sum()
    theirs = points.groupby([points["ward"], points["month"].astype(str), points["crime_type"]])
    assert by_key.to_dict() == theirs.size().to_dict()
    assert set(area.points["ward"]) >= {"Market"}
    assert len(area.points) < len(points)  # the other wards' rows were counted, not read
    assert (area.points["ward"] == "Market").sum() == 4_206
    assert area.crimes.n_rows == 90_957
    assert area.months == csv_area.months  # type: ignore[attr-defined]
    assert area.crimes.without_location.empty  # counted from the manifest, not read
    assert area.crimes.n_without_location == 2_859
    for selection in (
        Selection(wards=("Market",)),
        Selection(wards=("Market",), months=("2025-01", "2025-03"), crime_types=(ASB,)),
    ):
        assert summarise(area, selection) == summarise(csv_area, selection)  # type: ignore[arg-type]
    every_ward = load_study_area_from_store(
        cambridge_store, cambridge_dir / "wards.geojson", read_only=(), count_all=True
    )
    assert every_ward.ward_counts is None


@pytest.mark.parametrize(
    ("wards", "neighbourhood", "months", "crime_types"),
    [
        (("Market",), None, None, None),
        (("Abbey",), None, ("2025-04", "2025-09"), ("Burglary", "Shoplifting")),
        (None, "Romsey", ("2025-01", "2025-06"), None),
    ],
)
def test_profile_of_one_ward_read_equals_the_csv_profile(
    cambridge_store: Path,
    cambridge_dir: Path,
    wards: tuple[str, ...] | None,
    neighbourhood: str | None,
    months: tuple[str, str] | None,
    crime_types: tuple[str, ...] | None,
) -> None:
    population = cambridge_dir / "population/lsoa21_census2021_usual_residents.csv"
    lsoas = cambridge_dir / "boundaries/lsoa_2021.geojson"
    ward_file = cambridge_dir / "wards.geojson"
    csv = load_study_area([cambridge_dir / "crimes"], ward_file, population=population, lsoas=lsoas)
    chosen = wards or (str(neighbourhood),)
    mine = load_study_area_from_store(
        cambridge_store,
        ward_file,
        population=population,
        lsoas=lsoas,
        read_only=chosen,
        count_all=True,
    )
    assert mine.ward_counts is not None
    options = {
        "wards": wards,
        "neighbourhood": neighbourhood,
        "months": months,
        "crime_types": crime_types,
    }
    theirs = build_profile(csv, **options).to_dict()  # type: ignore[arg-type]
    assert build_profile(mine, **options).to_dict() == theirs  # type: ignore[arg-type]
    assert theirs["rank"] is not None
    assert theirs["rank_basis"] == "rate per 1,000 residents"


def test_force_overview_counts_as_assigning_every_point(
    cambridge_store: Path, csv_area: object
) -> None:
    wards = csv_area.wards  # type: ignore[attr-defined]
    points = located_points(cambridge_store, months=("2025-03", "2025-06"))
    overview = force_overview(points, wards)
    frame = gpd.GeoDataFrame(
        {"month": points["month"].astype(str).to_numpy()},
        geometry=gpd.points_from_xy(points["x_m"], points["y_m"]),
        crs=wards.crs,
    )
    inside = assign_wards(frame, wards).inside  # each crime on its own, as the CSV path does
    expected = inside.groupby(["ward", "month"]).size()
    table = overview.by_ward_month
    stacked = table.melt(ignore_index=False, var_name="m", value_name="n").set_index(
        "m", append=True
    )["n"]
    assert stacked.loc[stacked.to_numpy() > 0].to_dict() == expected.to_dict()
    assert list(table.index) == list(wards["ward_name"])
    assert list(table.columns) == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert overview.n_outside_wards == len(points) - len(inside)


def test_files_without_the_wards_rows_are_counted_not_opened(cambridge_store: Path) -> None:
    files = store_files(cambridge_store)
    load = query_crimes(
        cambridge_store,
        bounds_m=(0, 0, 7e5, 1.3e6),
        count_unlocated=True,
        read_files=files[:1],
    )
    assert set(load.points["month"].astype(str)) == {files[0].parent.name}
    assert load.n_rows == 90_957  # every file's rows accounted for
    assert load.n_without_location == 2_859
    assert len(load.months) == 13


def _neighbour(source: Path, target: Path) -> Path:
    """Another force whose points lie 30-40 km either side of Cambridge: its extent spans it."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame["Reported by"] = frame["Falls within"] = "Neighbour Constabulary"
    frame["Crime ID"] = frame["Crime ID"].where(frame["Crime ID"] == "", frame["Crime ID"] + "-n")
    located = frame["Longitude"] != ""
    lon = pd.to_numeric(frame.loc[located, "Longitude"])
    shift = np.where(np.arange(len(lon)) % 2 == 0, -0.5, 0.55)
    frame.loc[located, "Longitude"] = (lon + shift).round(6).astype(str)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False)
    return target


def test_a_neighbour_whose_extent_spans_the_wards_is_not_opened(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    september = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    other = _neighbour(september, tmp_path / "in" / "2024-09-neighbour-street.csv")
    ingest([september, other], store_dir=tmp_path / "s")
    wards_file = cambridge_dir / "wards.geojson"
    area = load_study_area([september], wards_file)
    bounds = tuple(float(v) for v in area.wards.total_bounds)
    partitions = read_manifest(tmp_path / "s")["partitions"]["street"]  # type: ignore[index]
    box = partitions["neighbour-constabulary/2024-09"]["bbox"]
    assert box[0] < bounds[0]  # its extent alone would open it
    assert box[2] > bounds[2]
    files = store_files(tmp_path / "s", bounds_m=bounds)  # type: ignore[arg-type]
    assert [f.parent.parent.name for f in files] == ["cambridgeshire-constabulary"]
    from_store = load_study_area_from_store(tmp_path / "s", wards_file)
    assert summarise(from_store, Selection()) == summarise(area, Selection())
    far = store_files(tmp_path / "s", bounds_m=(box[0], box[1], box[0] + 10, box[3]))
    assert [f.parent.parent.name for f in far] == ["neighbour-constabulary"]


def test_queries_from_several_threads_at_once_agree(cambridge_store: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - this test's threads

    bounds = (540_000.0, 250_000.0, 552_000.0, 265_000.0)  # Cambridge city

    def load(months: tuple[str, str]) -> tuple[int, int, int]:
        got = query_crimes(cambridge_store, bounds_m=bounds, months=months, count_unlocated=True)
        counts = located_counts(cambridge_store, bounds_m=bounds, months=months)
        return len(got.points), sum(n for *_, n in got.unread_unlocated), int(counts["n"].sum())

    spans = [("2024-09", "2025-02"), ("2025-03", "2025-09"), ("2024-09", "2025-09")] * 3
    alone = [load(span) for span in spans[:3]] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(load, spans))
    assert together == alone
    assert alone[0][0] + alone[1][0] == alone[2][0] > 0  # the two halves make the whole
    assert alone[2][0] == alone[2][2]  # every located row inside the extent is read and counted


def test_a_query_session_runs_its_queries_on_one_database_and_closes_it(
    cambridge_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[duckdb.DuckDBPyConnection] = []
    connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(connect(*args, **kwargs))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    bounds = (540_000.0, 250_000.0, 552_000.0, 265_000.0)
    alone = len(query_crimes(cambridge_store, bounds_m=bounds).points)
    located_counts(cambridge_store, bounds_m=bounds)
    assert len(opened) == 2  # outside a session, each query opens (and closes) its own
    with store_module.query_session():
        with store_module.query_session():  # nested: the outer one's database
            counted = int(located_counts(cambridge_store, bounds_m=bounds)["n"].sum())
        together = len(query_crimes(cambridge_store, bounds_m=bounds).points)
    assert len(opened) == 3
    assert together == alone == counted > 0
    with pytest.raises(duckdb.Error):  # closed with its session
        opened[-1].sql("SELECT 1").fetchall()


def test_a_query_of_some_columns_reads_those_and_counts_the_same(cambridge_store: Path) -> None:
    bounds = (540_000.0, 253_000.0, 550_000.0, 263_000.0)
    full = query_crimes(cambridge_store, bounds_m=bounds)
    some = query_crimes(cambridge_store, bounds_m=bounds, columns=("location",))
    assert list(some.points.columns) == ["month", "location", "crime_type", "geometry"]
    assert list(some.without_location.columns) == ["month", "location", "crime_type"]
    pd.testing.assert_frame_equal(
        some.points.drop(columns="geometry"),
        pd.DataFrame(full.points[["month", "location", "crime_type"]]),
    )
    assert some.points.geometry.equals(full.points.geometry)
    assert (some.n_rows_read, some.n_without_location, some.n_outside_gb) == (
        full.n_rows_read,
        full.n_without_location,
        full.n_outside_gb,
    )
    assert some.unread_located == full.unread_located
    with pytest.raises(ParameterError, match="Unknown crime columns crime_ref"):
        query_crimes(cambridge_store, bounds_m=bounds, columns=("crime_ref",))


def test_a_renamed_copy_of_a_stored_file_is_said_to_be_one(
    cambridge_dir: Path, cambridge_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "copy"
    shutil.copytree(cambridge_store, store)
    month = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    shutil.copy(month, downloads / "2024-09-cambridgeshire-street (1).csv")
    report = ingest([downloads], store_dir=store)
    assert (report.n_files_read, report.n_files_skipped) == (0, 1)
    assert report.notes == (
        (
            "downloads/2024-09-cambridgeshire-street (1).csv is identical to "
            "crimes/2024-09-cambridgeshire-street.csv, already in the store; skipped."
        ),
    )
    again = ingest([month], store_dir=store)  # the stored file itself: nothing to say
    assert (again.n_files_skipped, again.notes) == (1, ())
