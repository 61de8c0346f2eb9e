"""Two downloads in one folder, browser copies, archives: ingest + --store answers as --crimes."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from patchmap.cli import main
from spatial.store import ingest, read_manifest
from tests.cli._summaries import json_of, summaries
from tests.spatial._downloads import republished, write_at

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

SEPT = "2024-09-cambridgeshire-street.csv"
COPY = "2024-09-cambridgeshire-street (1).csv"
KEY = "cambridgeshire-constabulary/2024-09"
LATER_NS = 1_741_000_000 * 10**9
EARLIER_NS = 1_736_000_000 * 10**9
N_ROWS = 6_740


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def _sept(cambridge_dir: Path) -> bytes:
    return (cambridge_dir / "crimes" / SEPT).read_bytes()


def _two_downloads(cambridge_dir: Path, root: Path) -> Path:
    """Case 1: the 2025-11 download reclassifies rows, the 2025-10 one is newer on disk."""
    sept = _sept(cambridge_dir)
    write_at(root / "2025-10" / "2024-09" / SEPT, sept, LATER_NS)
    write_at(root / "2025-11" / "2024-09" / SEPT, republished(sept, 5), EARLIER_NS)
    return root


def _only_note(summary: dict[str, object]) -> str:
    notes = summary["notes"]
    assert isinstance(notes, list)
    assert len(notes) == 1
    return str(notes[0])


def test_two_downloads_in_one_folder_keep_the_later_publication_in_the_store(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_downloads(cambridge_dir, tmp_path / "downloads")
    from_csv, from_store, report = summaries(root, tmp_path, cambridge_dir, capsys)
    assert from_csv["n_set_aside"] == N_ROWS
    assert from_csv["n_rows_read"] == 2 * N_ROWS
    assert from_store == from_csv  # every bucket, by ward, by type, months and notes
    note = _only_note(from_csv)
    assert "kept downloads/2025-11/2024-09/" in note
    assert "as its folder date 2025-11 is later than 2025-10" in note
    assert report["notes"] == [note]
    assert report["n_rows_set_aside"] == N_ROWS
    entry = read_manifest(tmp_path / "store")["partitions"]["street"][KEY]  # type: ignore[index]
    assert entry["source"] == f"downloads/2025-11/2024-09/{SEPT}"
    assert entry["sources"][0]["stamp"] == "2025-11"


def test_an_identical_browser_copy_is_read_once_in_the_store_too(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "police"
    write_at(folder / SEPT, _sept(cambridge_dir), EARLIER_NS)
    write_at(folder / COPY, _sept(cambridge_dir), LATER_NS)
    from_csv, from_store, report = summaries(folder, tmp_path, cambridge_dir, capsys)
    note = f"police/{SEPT} is identical to police/{COPY}; read once (6,740 rows set aside)."
    assert from_csv["notes"] == [note]
    assert (from_csv["n_set_aside"], from_csv["n_rows_read"]) == (N_ROWS, 2 * N_ROWS)
    assert from_store == from_csv
    assert (report["n_files_read"], report["n_files_repeated"]) == (1, 1)
    assert (report["n_rows"], report["n_rows_set_aside"]) == (2 * N_ROWS, N_ROWS)
    assert report["notes"] == [note]


@pytest.mark.parametrize("mark", [" (1)", "(2)", " - Copy"])
def test_a_republished_browser_copy_replaces_the_older_file_in_the_store_too(
    mark: str, cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "police"
    copy = SEPT.replace(".csv", f"{mark}.csv")
    write_at(folder / SEPT, _sept(cambridge_dir), EARLIER_NS)
    write_at(folder / copy, republished(_sept(cambridge_dir), 3), EARLIER_NS + 1_016_000_000)
    from_csv, from_store, _ = summaries(folder, tmp_path, cambridge_dir, capsys)
    note = _only_note(from_csv)
    assert "differ in 3 rows (a republished month)" in note
    assert f"kept police/{copy}, as it was modified later" in note
    assert from_csv["n_set_aside"] == N_ROWS
    assert from_store == from_csv
    entry = read_manifest(tmp_path / "store")["partitions"]["street"][KEY]  # type: ignore[index]
    assert entry["source"] == f"police/{copy}"


def test_a_cut_off_browser_copy_is_refused_by_both_and_the_store_stays_empty(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "police"
    sept = _sept(cambridge_dir)
    write_at(folder / SEPT, sept, EARLIER_NS)
    write_at(folder / COPY, b"".join(sept.splitlines(keepends=True)[:6001]), LATER_NS)
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    errors = []
    for args in (
        ["summary", "--crimes", str(folder), *wards],
        ["ingest", str(folder), "--store", str(tmp_path / "store")],
    ):
        capsys.readouterr()
        assert main(args) == 2
        errors.append(capsys.readouterr().err)
    for err in errors:
        assert f"police/{COPY} holds only 6,000 of the 6,740 rows that police/{SEPT} holds" in err
        assert "one of the two files is incomplete" in err
    assert not (tmp_path / "store" / "manifest.json").exists()


def test_an_archive_of_two_downloads_keeps_the_later_publication_in_the_store(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_downloads(cambridge_dir, tmp_path / "downloads")
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(root.rglob("*.csv")):
            out.write(path, path.relative_to(root).as_posix())
    from_csv, from_store, _ = summaries(archive, tmp_path, cambridge_dir, capsys)
    note = _only_note(from_csv)
    assert f"kept downloads.zip/2025-11/2024-09/{SEPT}" in note
    assert from_csv["n_set_aside"] == N_ROWS
    assert from_store == from_csv


@pytest.mark.parametrize(
    "options",
    [["--months", "2024-09"], ["--crime-type", "Burglary"], ["--ward", "Market"]],
    ids=["months", "type", "ward"],
)
def test_rows_set_aside_are_counted_by_month_and_type_under_filters(
    options: list[str], cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "police"
    write_at(folder / SEPT, _sept(cambridge_dir), EARLIER_NS)
    write_at(folder / COPY, _sept(cambridge_dir), LATER_NS)
    ingest([folder], store_dir=tmp_path / "store")
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = json_of(["summary", *options, "--crimes", str(folder), *wards], capsys)
    from_store = json_of(["summary", *options, "--store", str(tmp_path / "store"), *wards], capsys)
    assert from_store == from_csv
    frame = pd.read_csv(cambridge_dir / "crimes" / SEPT, dtype=str)
    expected = (frame["Crime type"] == "Burglary").sum() if "Burglary" in options else N_ROWS
    assert from_csv["n_set_aside"] == expected


def test_side_files_and_other_csvs_of_a_folder_are_each_accounted_for(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "police" / "2024-09"
    write_at(folder / SEPT, _sept(cambridge_dir), EARLIER_NS)
    outcomes = b"Crime ID,Month,Reported by,Falls within,Outcome type\na1,2024-09,F,F,Charged\n"
    write_at(folder / "2024-09-cambridgeshire-outcomes (1).csv", outcomes, EARLIER_NS)
    search = b"Type,Date,Gender\nPerson search,2024-09-02T10:00:00+00:00,Male\n"
    write_at(folder / "2024-09-cambridgeshire-stop-and-search - Copy.csv", search, EARLIER_NS)
    write_at(folder / "my notes.csv", b"a,b\n1,2\n", EARLIER_NS)
    report = ingest([tmp_path / "police"], store_dir=tmp_path / "store")
    assert (report.n_files_read, report.n_outcome_rows, report.n_stop_search_rows) == (3, 1, 1)
    skipped = (
        "police: 1 CSV file not named like data.police.uk street-level crimes (...-street.csv) "
        "skipped: 2024-09/my notes.csv. Give such a file by name to read it."
    )
    assert report.notes == (skipped,)
    partitions = read_manifest(tmp_path / "store")["partitions"]
    assert set(partitions["outcomes"]) == {"f/2024-09"}  # type: ignore[index]
    # the force of a stop-and-search file is in its name, a copy's mark left out
    assert set(partitions["stop_search"]) == {"cambridgeshire/2024-09"}  # type: ignore[index]


def test_a_month_relabelled_with_another_force_is_read_once_in_the_store_too(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sept = _sept(cambridge_dir)
    folder = tmp_path / "mixed"
    write_at(folder / SEPT, sept, LATER_NS)
    relabelled = sept.replace(b"Cambridgeshire Constabulary", b"Metropolitan Police Service")
    write_at(folder / "2024-09-metropolitan-street.csv", relabelled, EARLIER_NS)
    from_csv, from_store, report = summaries(folder, tmp_path, cambridge_dir, capsys)
    assert (from_csv["n_set_aside"], from_csv["n_rows_read"]) == (N_ROWS, 2 * N_ROWS)
    assert from_store == from_csv
    relabel, same_rows = (str(n) for n in from_csv["notes"])  # type: ignore[attr-defined]
    assert "Crime IDs for 2024-09 (100% of the smaller one's)" in relabel
    assert "the same crimes under two force names" in relabel
    assert same_rows.startswith("mixed/2024-09-metropolitan-street.csv holds the same rows as")
    assert report["notes"] == from_csv["notes"]
    assert report["n_rows_set_aside"] == N_ROWS
    street = read_manifest(tmp_path / "store")["partitions"]["street"]  # type: ignore[index]
    assert set(street) == {KEY}  # the Metropolitan label's copy is not stored


def test_forces_sharing_a_few_crime_ids_are_both_stored(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    frame = pd.read_csv(cambridge_dir / "crimes" / SEPT, dtype=str, keep_default_na=False)
    other = frame.iloc[:100].copy()  # 100 of 6,740 IDs shared: under the 90 % of the smaller
    other.loc[:, ["Reported by", "Falls within"]] = "Metropolitan Police Service"
    other["Crime ID"] = [f"m{i}" if i >= 5 else cid for i, cid in enumerate(other["Crime ID"])]
    folder = tmp_path / "mixed"
    folder.mkdir()
    frame.to_csv(folder / SEPT, index=False)
    other.to_csv(folder / "2024-09-metropolitan-street.csv", index=False)
    report = ingest([folder], store_dir=tmp_path / "store")
    assert report.n_rows_set_aside == 0
    street = read_manifest(tmp_path / "store")["partitions"]["street"]  # type: ignore[index]
    assert set(street) == {KEY, "metropolitan-police-service/2024-09"}


@pytest.mark.parametrize("later_first", [True, False])
def test_two_downloads_over_two_ingests_count_the_older_rows_as_one_ingest_does(
    *, later_first: bool, cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_downloads(cambridge_dir, tmp_path / "downloads")
    downloads = [root / "2025-10", root / "2025-11"]
    store = tmp_path / "store"
    for source in reversed(downloads) if later_first else downloads:
        ingest([source], store_dir=store)
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = json_of(["summary", "--crimes", *map(str, downloads), *wards], capsys)
    from_store = json_of(["summary", "--store", str(store), *wards], capsys)
    assert (from_csv["n_set_aside"], from_csv["n_rows_read"]) == (N_ROWS, 2 * N_ROWS)
    assert from_store == from_csv
    ingest(downloads, store_dir=store)  # again: nothing new, nothing counted twice
    assert json_of(["summary", "--store", str(store), *wards], capsys) == from_csv


def test_archives_inside_a_folder_are_read_by_both_as_by_ingest(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a folder of monthly downloads: one unpacked, one still zipped, one zip of outcomes only
    octo = "2024-10-cambridgeshire-street.csv"
    folder = tmp_path / "archive"
    write_at(folder / "2024-09" / SEPT, _sept(cambridge_dir), EARLIER_NS)
    with zipfile.ZipFile(folder / "2024-10.zip", "w") as out:
        out.writestr(f"2024-10/{octo}", (cambridge_dir / "crimes" / octo).read_bytes())
    outcomes = b"Crime ID,Month,Reported by,Falls within,Outcome type\na1,2024-10,F,F,Charged\n"
    with zipfile.ZipFile(folder / "2024-10-outcomes.zip", "w") as out:
        out.writestr("2024-10/2024-10-cambridgeshire-outcomes.csv", outcomes)
    from_csv, from_store, report = summaries(folder, tmp_path, cambridge_dir, capsys)
    n_october = len(pd.read_csv(cambridge_dir / "crimes" / octo, dtype=str))
    assert from_csv["n_rows_read"] == N_ROWS + n_october
    assert from_csv["months"] == ["2024-09", "2024-10"]
    assert report["n_rows"] == N_ROWS + n_october
    assert report["n_outcome_rows"] == 1  # the store keeps outcomes for their crimes
    skipped = (
        "archive/2024-10-outcomes.zip: the archive holds no street-level crime files "
        "(2024-10/2024-10-cambridgeshire-outcomes.csv); skipped: patchmap reads the street-level "
        "crimes (...-street.csv)."
    )
    assert from_csv.pop("notes") == [skipped]
    assert from_store.pop("notes") == []
    assert from_store == from_csv  # every count the same


@pytest.mark.parametrize("relabelled_first", [False, True])
def test_a_month_relabelled_with_another_force_in_a_later_ingest_is_read_once(
    *,
    relabelled_first: bool,
    cambridge_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the same crimes under two force names, given to two ingest runs instead of one
    sept = _sept(cambridge_dir)
    own, other = tmp_path / "own", tmp_path / "other"
    write_at(own / SEPT, sept, LATER_NS)
    relabelled = sept.replace(b"Cambridgeshire Constabulary", b"Metropolitan Police Service")
    write_at(other / "2024-09-metropolitan-street.csv", relabelled, EARLIER_NS)
    store = tmp_path / "store"
    runs = (other, own) if relabelled_first else (own, other)
    first, second = (ingest([source], store_dir=store) for source in runs)
    met = "street metropolitan-police-service/2024-09"
    # the held Metropolitan month is removed by the later run, not written by it
    assert (second.partitions_removed, second.partitions_written) == (
        ((met,), (f"street {KEY}",)) if relabelled_first else ((), ())
    )
    assert first.partitions_removed == ()
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]  # --crimes: in the runs' order
    from_csv = json_of(["summary", "--crimes", *map(str, runs), *wards], capsys)
    from_store = json_of(["summary", "--store", str(store), *wards], capsys)
    assert (from_csv["n_set_aside"], from_csv["n_rows_read"]) == (N_ROWS, 2 * N_ROWS)
    assert from_store == from_csv
    street = read_manifest(store)["partitions"]["street"]  # type: ignore[index]
    assert set(street) == {KEY}  # the later publication's force: the Metropolitan copy set aside
    ingest([own, other], store_dir=store)  # again: nothing new, nothing counted twice
    assert json_of(["summary", "--store", str(store), *wards], capsys) == from_csv


def test_forces_sharing_a_few_crime_ids_over_two_ingests_are_both_stored(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    frame = pd.read_csv(cambridge_dir / "crimes" / SEPT, dtype=str, keep_default_na=False)
    other = frame.iloc[:100].copy()  # 5 of 100 IDs shared: far under 90 % of the smaller
    other.loc[:, ["Reported by", "Falls within"]] = "Metropolitan Police Service"
    other["Crime ID"] = [f"m{i}" if i >= 5 else cid for i, cid in enumerate(other["Crime ID"])]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    frame.to_csv(tmp_path / "a" / SEPT, index=False)
    other.to_csv(tmp_path / "b" / "2024-09-metropolitan-street.csv", index=False)
    ingest([tmp_path / "a"], store_dir=tmp_path / "store")
    report = ingest([tmp_path / "b"], store_dir=tmp_path / "store")
    assert report.n_rows_set_aside == 0
    street = read_manifest(tmp_path / "store")["partitions"]["street"]  # type: ignore[index]
    assert set(street) == {KEY, "metropolitan-police-service/2024-09"}
