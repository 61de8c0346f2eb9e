"""Which files of a folder are read, how each is dated, and files holding the same crimes twice."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from spatial.errors import EmptyInputError, InputDataError
from spatial.io import CrimeLoad, read_crimes
from spatial.store import ingest
from spatial.versions import file_kind, file_stamps
from tests.spatial._downloads import republished, write_at

if TYPE_CHECKING:
    from pathlib import Path

SEPT = "2024-09-cambridgeshire-street.csv"
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
)
LATER_NS = 1_741_000_000 * 10**9
EARLIER_NS = 1_736_000_000 * 10**9


def _rows(force: str, ids: list[str], n_asb: int, *, outcome: str = "Under investigation") -> bytes:
    """A small street file of 2025-01: one Burglary per Crime ID, then ID-less ASB rows."""
    lines = [
        f"{cid},2025-01,{force},{force},0.12{i:02d},52.2,On or near A,E01,C 1,Burglary,{outcome},\n"
        for i, cid in enumerate(ids)
    ]
    lines += [
        f",2025-01,{force},{force},0.13{i:02d},52.2,On or near B,E01,C 1,Anti-social behaviour,,\n"
        for i in range(n_asb)
    ]
    return (HEADER + "".join(lines)).encode()


def _used_files(load: CrimeLoad) -> set[str]:
    used = pd.concat([load.points, load.without_location])
    return set(used["source_file"])


# --- each file dated by its own folders ---------------------------------------------------------


def test_two_downloads_in_one_parent_folder_are_dated_each_by_its_own_folder(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    newer = republished(sept, 5)
    root = tmp_path / "downloads"
    # the October download is the newer file on disk: only the folder names tell the truth
    write_at(root / "2025-10" / "2024-09" / SEPT, sept, LATER_NS)
    write_at(root / "2025-11" / "2024-09" / SEPT, newer, EARLIER_NS)
    load = read_crimes([root])
    assert _used_files(load) == {f"downloads/2025-11/2024-09/{SEPT}"}
    assert load.n_set_aside == 6740
    (note,) = load.notes
    assert "kept downloads/2025-11/2024-09/" in note
    assert "as its folder date 2025-11 is later than 2025-10" in note
    separately = read_crimes([root / "2025-10", root / "2025-11"])
    assert _used_files(separately) == {f"2025-11/2024-09/{SEPT}"}


def test_file_stamps_take_the_files_own_folders_and_the_month_folders_beside_it() -> None:
    assert file_stamps("two", ["2025-10/2024-09/a.csv", "2025-11/2024-09/a.csv"]) == [
        "2025-10",
        "2025-11",
    ]
    # a download of month folders is dated by its latest month, for every file in it
    paths = ["dl1/2024-01/a.csv", "dl1/2025-03/b.csv", "dl2/2024-01/a.csv", "dl2/2025-04/b.csv"]
    assert file_stamps("crimes", paths) == ["2025-03", "2025-03", "2025-04", "2025-04"]
    assert file_stamps("2025-06", ["x.csv", "sub\\y.csv"]) == ["2025-06", "2025-06"]
    assert file_stamps("crimes", ["x.csv"]) == [None]


def test_archive_members_are_dated_by_their_own_download(cambridge_dir: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"2025-11/2024-09/{SEPT}", republished(sept, 5))
        archive.writestr(f"2025-10/2024-09/{SEPT}", sept)
    load = read_crimes([("both.zip", buffer.getvalue())])
    assert _used_files(load) == {f"both.zip/2025-11/2024-09/{SEPT}"}


# --- copies named like a second download -------------------------------------------------------


@pytest.mark.parametrize("mark", [" (1)", "(1)", " - Copy", " - Copy (2)"])
def test_file_kind_sees_through_copy_marks(mark: str) -> None:
    assert file_kind(f"2025-09-cambridgeshire-street{mark}.csv") == "street"
    assert file_kind(f"2025-09-cambridgeshire-outcomes{mark}.CSV") == "outcomes"
    assert file_kind(f"x/2025-09-cambridgeshire-stop-and-search{mark}.csv") == "stop-and-search"
    assert file_kind(f"my-extract{mark}.csv") is None


def test_an_identical_browser_copy_in_a_folder_is_read_once_with_a_note(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    folder = tmp_path / "police"
    write_at(folder / SEPT, sept, EARLIER_NS)
    write_at(folder / SEPT.replace(".csv", " (1).csv"), sept, LATER_NS)
    load = read_crimes([folder])
    assert (load.n_rows, load.n_set_aside, load.n_rows_read) == (6740, 6740, 2 * 6740)
    (note,) = load.notes
    assert note.endswith("read once (6,740 rows set aside).")
    assert "is identical to" in note
    assert SEPT.replace(".csv", " (1).csv") in note


@pytest.mark.parametrize("mark", [" (1)", "(1)", " - Copy"])
def test_a_republished_browser_copy_in_a_folder_replaces_the_older_file(
    cambridge_dir: Path, tmp_path: Path, mark: str
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    copy = SEPT.replace(".csv", f"{mark}.csv")
    folder = tmp_path / "police"
    write_at(folder / SEPT, sept, EARLIER_NS)
    write_at(folder / copy, republished(sept, 1), EARLIER_NS + 1_016_000_000)
    load = read_crimes([folder])
    assert _used_files(load) == {f"police/{copy}"}
    assert (load.n_rows, load.n_set_aside) == (6740, 6740)
    (note,) = load.notes
    assert "differ in 1 row (a republished month)" in note
    assert f"kept police/{copy}, as it was modified later" in note


def test_a_cut_off_browser_copy_in_a_folder_is_refused_as_when_given_by_name(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    folder = tmp_path / "police"
    write_at(folder / SEPT, sept, EARLIER_NS)
    copy = write_at(
        folder / SEPT.replace(".csv", " (1).csv"),
        b"".join(sept.splitlines(keepends=True)[:6001]),
        LATER_NS,
    )
    for sources in ([folder], [folder / SEPT, copy]):
        with pytest.raises(InputDataError, match=r"holds only 6,000 of the 6,740 rows"):
            read_crimes(sources)


def test_every_csv_of_a_folder_is_read_or_skipped_with_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "police"
    write_at(folder / "2025-01" / "2025-01-force-street.csv", _rows("F", ["a1"], 1), EARLIER_NS)
    side = b"Crime ID,Month,Outcome type\na1,2025-01,Charged\n"
    for name in (
        "2025-01-force-outcomes (1).csv",
        "2025-01-force-outcomes.csv",
        "2025-01-force-stop-and-search(1).csv",
        "my notes.csv",
    ):
        write_at(folder / "2025-01" / name, side, EARLIER_NS)
    with zipfile.ZipFile(folder / "2025-02.zip", "w") as archive:  # a download of outcomes
        archive.writestr("2025-02/2025-02-force-outcomes.csv", side)
    load = read_crimes([folder])
    assert load.files == ("police/2025-01/2025-01-force-street.csv",)
    assert load.n_rows == 2
    assert load.notes == (
        (
            "police: 2 outcomes files and 1 stop-and-search file skipped: patchmap reads the "
            "street-level crimes (...-street.csv)."
        ),
        (
            "police: 1 CSV file not named like data.police.uk street-level crimes "
            "(...-street.csv) skipped: 2025-01/my notes.csv. Give such a file by name to read it."
        ),
        (
            "police/2025-02.zip: the archive holds no street-level crime files "
            "(2025-02/2025-02-force-outcomes.csv); skipped: patchmap reads the street-level "
            "crimes (...-street.csv)."
        ),
    )


def test_a_broken_archive_inside_a_folder_is_refused_by_both_readers(tmp_path: Path) -> None:
    folder = tmp_path / "police"
    write_at(folder / "2025-01" / "2025-01-force-street.csv", _rows("F", ["a1"], 1), EARLIER_NS)
    write_at(folder / "2025-02.zip", b"PK\x03\x04 cut off", EARLIER_NS)
    message = r"^police/2025-02\.zip: not a valid \.zip archive\. Download it again"
    with pytest.raises(InputDataError, match=message):
        read_crimes([folder])
    with pytest.raises(InputDataError, match=message):
        ingest([folder], store_dir=tmp_path / "store")
    assert not (tmp_path / "store" / "manifest.json").exists()


def test_a_folder_of_outcomes_only_says_the_street_files_are_missing(tmp_path: Path) -> None:
    folder = tmp_path / "police"
    write_at(folder / "2025-01-force-outcomes (1).csv", b"Crime ID,Month\na,2025-01\n", LATER_NS)
    with pytest.raises(EmptyInputError, match=r"holds no street-level crime files, only outcomes"):
        read_crimes([folder])


# --- the same crimes in two files under different force names -----------------------------------


def test_a_month_relabelled_with_another_force_counts_its_asb_once(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    relabelled = sept.replace(b"Cambridgeshire Constabulary", b"Metropolitan Police Service")
    folder = tmp_path / "mixed"
    write_at(folder / SEPT, sept, LATER_NS)
    write_at(folder / "2024-09-metropolitan-street.csv", relabelled, EARLIER_NS)
    load = read_crimes([folder])
    whole = read_crimes([cambridge_dir / "crimes" / SEPT])
    assert (load.n_rows, load.n_set_aside, load.n_duplicates_removed) == (6740, 6740, 0)
    used = pd.concat([load.points, load.without_location])
    asb = used["crime_type"] == "Anti-social behaviour"
    assert int(asb.sum()) == int((whole.points["crime_type"] == "Anti-social behaviour").sum()) + (
        int((whole.without_location["crime_type"] == "Anti-social behaviour").sum())
    )
    assert _used_files(load) == {f"mixed/{SEPT}"}
    first, second = load.notes
    assert first.startswith(
        f"mixed/{SEPT} (Cambridgeshire Constabulary) and mixed/2024-09-metropolitan-street.csv "
        "(Metropolitan Police Service) share "
    )
    assert "Crime IDs for 2024-09 (100% of the smaller one's)" in first
    assert second.startswith(
        f"mixed/2024-09-metropolitan-street.csv holds the same rows as mixed/{SEPT}"
    )


def test_a_small_overlap_keeps_repeated_ids_once_and_names_the_unchecked_rows() -> None:
    first = _rows("Force A", [f"a{i}" for i in range(10)], 2)
    second = _rows("Force B", ["a0", "a1", *(f"b{i}" for i in range(8))], 3)
    load = read_crimes([("a.csv", first), ("b.csv", second)])
    assert (load.n_rows, load.n_duplicates_removed, load.n_set_aside) == (12 + 13 - 2, 2, 0)
    assert load.notes == (
        "2 rows repeat a Crime ID already read (overlapping files); kept once.",
        (
            "b.csv repeats 2 Crime IDs of a.csv (each kept once); 3 rows of b.csv without a "
            "Crime ID (anti-social behaviour) could not be checked and were all kept. If the "
            "files hold the same month twice, remove one and reload."
        ),
    )


def test_repeats_within_one_file_get_no_overlap_note() -> None:
    load = read_crimes([("a.csv", _rows("F", ["a1", "a1", "a2"], 1))])
    assert load.notes == ("1 rows repeat a Crime ID already read (overlapping files); kept once.",)


# --- notes precise enough to read -----------------------------------------------------------------


def test_modification_times_under_a_second_apart_are_told_apart(tmp_path: Path) -> None:
    ids = [f"a{i}" for i in range(5)]
    old = write_at(tmp_path / "old.csv", _rows("F", ids, 1), LATER_NS + 250_000_000)
    new = write_at(
        tmp_path / "new.csv", _rows("F", ids, 1, outcome="Charged"), LATER_NS + 750_000_000
    )
    load = read_crimes([new, old])
    (note,) = load.notes
    assert "differ in 5 rows" in note
    assert (
        "as it was modified 500 ms later (2025-03-03 11:06:40.750 UTC against 11:06:40.250 UTC)"
        in note
    )


def test_one_files_own_rows_under_two_force_names_are_not_compared_as_versions() -> None:
    ids = [f"a{i}" for i in range(4)]
    both = _rows("Force A", ids, 1) + _rows("Force B", ids, 1).split(b"\n", 1)[1]
    load = read_crimes([("both.csv", both)])
    assert (load.n_rows, load.n_set_aside, load.n_duplicates_removed) == (6, 0, 4)
    assert load.notes == ("4 rows repeat a Crime ID already read (overlapping files); kept once.",)
