"""Republished months: one version per force and month, the later one, never mixed."""

from __future__ import annotations

import io
import os
import zipfile
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from boundaries.dataset import load_study_area
from boundaries.select import Selection, summarise
from spatial.errors import InputDataError
from spatial.io import check_accounting, read_crimes

if TYPE_CHECKING:
    from pathlib import Path

SEPT = "2024-09-cambridgeshire-street.csv"
UPDATED = "Court result unavailable"


def _republish(data: bytes, n_changed: int = 5) -> tuple[bytes, list[int]]:
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    rows = list(frame.index[frame["Last outcome category"] == "Status update unavailable"][:5])
    frame.loc[rows[:n_changed], "Last outcome category"] = UPDATED
    return frame.to_csv(index=False).encode(), [r + 2 for r in rows[:n_changed]]


def _zip(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, data)
    return buffer.getvalue()


def _asb_inside(area: object) -> int:
    summary = summarise(area, Selection())  # type: ignore[arg-type]
    return summary.by_crime_type["Anti-social behaviour"]


def test_cambridge_september_given_twice_counts_asb_once(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    newer, changed_rows = _republish(sept)
    jan = tmp_path / "2025-01" / "2024-09"
    mar = tmp_path / "2025-03" / "2024-09"
    jan.mkdir(parents=True)
    mar.mkdir(parents=True)
    (jan / SEPT).write_bytes(sept)
    (mar / SEPT).write_bytes(newer)
    wards = cambridge_dir / "wards.geojson"
    once = load_study_area([cambridge_dir / "crimes" / SEPT], wards)
    assert _asb_inside(once) == 176
    # March's download given first or second: the same answer, from March's file
    for order in (
        [tmp_path / "2025-01", tmp_path / "2025-03"],
        [tmp_path / "2025-03", tmp_path / "2025-01"],
    ):
        area = load_study_area(order, wards)
        assert _asb_inside(area) == 176  # not 352
        crimes = area.crimes
        assert crimes.n_rows == 6740
        assert crimes.n_set_aside == 6740
        assert crimes.n_rows_read == 2 * 6740
        used = pd.concat([crimes.points, crimes.without_location])
        assert set(used["source_file"]) == {f"2025-03/2024-09/{SEPT}"}  # never mixed
        updated = used.loc[used["source_row"].isin(changed_rows), "last_outcome"]
        assert (updated == UPDATED).all()
        (note,) = [n for n in area.notes if "republished" in n]
        assert note.startswith(f"2025-01/2024-09/{SEPT} and 2025-03/2024-09/{SEPT} both hold")
        assert "Cambridgeshire Constabulary 2024-09 and differ in 5 rows" in note
        assert "its folder date 2025-03 is later than 2025-01" in note
        assert "the 6,740 rows of" in note


def test_archive_name_dates_the_download(cambridge_dir: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    newer, _ = _republish(sept)
    load = read_crimes(
        [
            ("2025-03.zip", _zip(f"2024-09/{SEPT}", newer)),
            ("2025-01.zip", _zip(f"2024-09/{SEPT}", sept)),
        ]
    )
    assert set(load.points["source_file"]) == {f"2025-03.zip/2024-09/{SEPT}"}
    assert load.set_aside["reason"].unique().tolist() == ["older version"]


def test_modification_time_dates_plain_files(cambridge_dir: Path, tmp_path: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    newer, _ = _republish(sept)
    old_path = tmp_path / "old.csv"
    new_path = tmp_path / "new.csv"
    old_path.write_bytes(sept)
    new_path.write_bytes(newer)
    os.utime(old_path, ns=(1_736_000_000 * 10**9,) * 2)
    os.utime(new_path, ns=(1_741_000_000 * 10**9,) * 2)
    load = read_crimes([new_path, old_path])
    assert set(load.points["source_file"]) == {"new.csv"}
    assert "it was modified later (2025-03-03" in " ".join(load.notes)


def test_uploads_without_dates_keep_the_file_given_last(cambridge_dir: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    newer, _ = _republish(sept)
    load = read_crimes([("a.csv", newer), ("b.csv", sept)])
    assert set(load.points["source_file"]) == {"b.csv"}
    assert "no publication date is known, so the file given last counts as newer" in load.notes[0]


def test_a_partial_copy_is_an_error_naming_both_files(cambridge_dir: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    part = b"".join(sept.splitlines(keepends=True)[:3001])
    with pytest.raises(InputDataError) as caught:
        read_crimes([(SEPT, sept), ("part.csv", part)])
    assert str(caught.value).startswith(
        f"part.csv holds only 3,000 of the 6,740 rows that {SEPT} holds for "
        "Cambridgeshire Constabulary 2024-09"
    )


def test_split_month_is_read_whole_and_rows_stay_in_file_order(cambridge_dir: Path) -> None:
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    lines = sept.splitlines(keepends=True)
    first = b"".join(lines[:4000])
    second = lines[0] + b"".join(lines[4000:])
    load = read_crimes([("a.csv", first), ("b.csv", second)])
    whole = read_crimes([(SEPT, sept)])
    assert (load.n_rows, load.n_without_location, len(load.points)) == (
        whole.n_rows,
        whole.n_without_location,
        len(whole.points),
    )
    assert load.n_set_aside == 0
    assert load.points["source_file"].tolist()[:2] == ["a.csv", "a.csv"]


def test_accounting_check_catches_a_lost_row(cambridge_dir: Path) -> None:
    load = read_crimes([cambridge_dir / "crimes" / SEPT])
    check_accounting(load, n_rows_read=6740)
    with pytest.raises(RuntimeError, match="6,741 rows read but the load accounts for"):
        check_accounting(load, n_rows_read=6741)


def test_each_force_month_is_decided_on_its_own(cambridge_dir: Path) -> None:
    """A two-month extract beside a republished single month: each month from one file."""
    sept = (cambridge_dir / "crimes" / SEPT).read_bytes()
    octo = (cambridge_dir / "crimes" / "2024-10-cambridgeshire-street.csv").read_bytes()
    both = sept + octo.split(b"\n", 1)[1]  # one CSV holding September and October
    newer, _ = _republish(sept)
    load = read_crimes(
        [("2025-01.zip", _zip("extract/both.csv", both)), ("2025-03.zip", _zip(SEPT, newer))]
    )
    used = pd.concat([load.points, load.without_location])
    by_month = used.groupby(used["month"].astype(str))["source_file"].unique()
    assert list(by_month["2024-09"]) == [f"2025-03.zip/{SEPT}"]
    assert list(by_month["2024-10"]) == ["2025-01.zip/extract/both.csv"]
    assert load.n_rows == 6740 + 6970
    assert load.n_set_aside == 6740
    assert "Cambridgeshire Constabulary 2024-09 and differ in 5 rows" in load.notes[0]
