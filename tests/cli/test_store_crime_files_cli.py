"""
Crime files that are not quite what they claim, through ``patchmap``: a zip of month zips, a
file named for another month and files whose crime types were typed by hand give the same
``summary --json`` from ``--crimes`` and from a store ``patchmap ingest`` wrote; a file that
cannot be read is refused by both with the same message.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import TYPE_CHECKING, cast

import pytest

from patchmap.cli import main
from tests._files import write, zip_of
from tests.cli._summaries import json_of, summaries

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.shared

SEPT = "2024-09-cambridgeshire-street.csv"
OCT = "2024-10-cambridgeshire-street.csv"
N_SEPT, N_OCT = 6_740, 6_970
"""Rows of the real September and October 2024 files."""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def test_a_zip_of_month_zips_gives_the_same_summary_from_the_store(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crimes = cambridge_dir / "crimes"
    inner = zip_of({f"2024-10/{OCT}": (crimes / OCT).read_bytes()})
    outer = write(
        tmp_path / "2024.zip",
        zip_of({f"2024-09/{SEPT}": (crimes / SEPT).read_bytes(), "2024-10.zip": inner}),
    )
    from_csv, from_store, report = summaries(outer, tmp_path, cambridge_dir, capsys)
    assert from_csv["n_rows_read"] == N_SEPT + N_OCT
    assert from_csv["months"] == ["2024-09", "2024-10"]
    assert from_csv["notes"] == []
    assert (report["n_files_read"], report["n_rows"]) == (2, N_SEPT + N_OCT)
    assert from_store == from_csv  # every bucket, by ward, by type, months and notes


def _filled_down(data: bytes, month: str) -> bytes:
    """The file with every row's Month set to ``month`` (a column filled down in a spreadsheet)."""
    lines = data.splitlines(keepends=True)
    for i in range(1, len(lines)):
        fields = lines[i].split(b",", 2)
        lines[i] = b",".join([fields[0], month.encode(), fields[2]])
    return b"".join(lines)


def test_a_file_named_for_another_month_is_noted_alike_from_the_store(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crimes = cambridge_dir / "crimes"
    folder = tmp_path / "police"
    write(folder / "2024-09" / SEPT, (crimes / SEPT).read_bytes())
    write(folder / "2024-10" / OCT, _filled_down((crimes / OCT).read_bytes(), "2024-09"))
    from_csv, from_store, report = summaries(folder, tmp_path, cambridge_dir, capsys)
    note = (
        f"police/2024-10/{OCT}: named for 2024-10, but none of its rows is of 2024-10: 6,970 rows "
        "of 2024-09. Rows are counted in the month their Month column gives; if that column is "
        "wrong (filled down in a spreadsheet?), correct it or download the file again."
    )
    assert from_csv["notes"] == [note]
    assert from_csv["months"] == ["2024-09"]
    assert from_csv["n_rows_read"] == N_SEPT + N_OCT
    assert report["notes"] == [note]
    assert from_store == from_csv  # the note too


def _short_row(crimes: Path) -> bytes:
    lines = (crimes / SEPT).read_bytes().splitlines(keepends=True)
    lines[10] = b",".join(lines[10].split(b",")[:7]) + b"\n"
    return b"".join(lines)


def _semicolons(crimes: Path) -> bytes:
    return (crimes / SEPT).read_bytes().replace(b",", b";")


def _broken_inner_zip(crimes: Path) -> bytes:
    return zip_of({f"2024-09/{SEPT}": (crimes / SEPT).read_bytes(), "2024-10.zip": b"PK\x03\x04"})


REFUSED: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    "short row": (
        SEPT,
        _short_row,
        f"{SEPT}: could not be read as a CSV (line 11 has 7 of the header's 12 fields). ",
    ),
    "semicolons": (
        SEPT,
        _semicolons,
        f"{SEPT}: the file is separated by semicolons, not commas (its header is one field: ",
    ),
    "mac line ends": (
        SEPT,
        lambda crimes: (crimes / SEPT).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"),
        f"{SEPT}: its lines end in a carriage return alone (an old Mac text format, ",
    ),
    "header ends in CR": (
        SEPT,
        lambda crimes: (crimes / SEPT).read_bytes().replace(b"\n", b"\r", 1),  # then LF
        f"{SEPT}: its lines end in a carriage return alone (an old Mac text format, ",
    ),
    "utf-16": (
        SEPT,
        lambda crimes: (crimes / SEPT).read_text(encoding="utf-8").encode("utf-16"),
        f"{SEPT}: the file is UTF-16 text. Re-save it as CSV UTF-8 (in Excel: CSV UTF-8 ",
    ),
    "broken inner zip": (
        "2024.zip",
        _broken_inner_zip,
        "2024.zip/2024-10.zip: not a valid .zip archive. Download it again from data.police.uk.",
    ),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_file_that_cannot_be_read_is_refused_alike_by_crimes_and_ingest(
    kind: str, cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, build, message = REFUSED[kind]
    path = write(tmp_path / name, build(cambridge_dir / "crimes"))
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    capsys.readouterr()
    assert main(["summary", "--crimes", str(path), *wards]) == 2
    from_csv = capsys.readouterr().err
    assert main(["ingest", str(path), "--store", str(tmp_path / "store")]) == 2
    from_ingest = capsys.readouterr().err
    assert from_csv.startswith(f"patchmap: error: {message}")
    assert from_ingest == from_csv
    assert not (tmp_path / "store" / "manifest.json").exists()


def _retyped(data: bytes, retype: Callable[[int, str], str]) -> bytes:
    """The file with its n-th row of each crime type written ``retype(n, type)``."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    column = rows[0].index("Crime type")
    seen: Counter[str] = Counter()
    for row in rows[1:]:
        seen[row[column]] += 1
        row[column] = retype(seen[row[column]], row[column])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _by_hand(n: int, crime_type: str) -> str:
    """Every other Burglary and Drugs row typed again by hand (lower case, a stray space)."""
    return f"{crime_type.lower()} " if crime_type in {"Burglary", "Drugs"} and n % 2 else crime_type


def _theirs(n: int, crime_type: str) -> str:
    """Three Shoplifting rows given another system's categories."""
    planted = {2: "Theft from shop", 4: '<b onmouseover="x">', 6: "Theft from shop"}
    return planted.get(n, crime_type) if crime_type == "Shoplifting" else crime_type


@pytest.mark.parametrize("chosen", [[], ["--crime-type", "Burglary"]], ids=["all", "burglary"])
def test_crime_types_typed_by_hand_are_read_and_noted_alike_from_the_store(
    chosen: list[str], cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crimes = cambridge_dir / "crimes"
    folder = tmp_path / "police"
    write(folder / "2024-09" / SEPT, _retyped((crimes / SEPT).read_bytes(), _by_hand))
    write(folder / "2024-10" / OCT, _retyped((crimes / OCT).read_bytes(), _theirs))
    store = tmp_path / "store"
    report = json_of(["ingest", str(folder), "--store", str(store)], capsys)
    wards = ["--wards", str(cambridge_dir / "wards.geojson"), *chosen]
    from_csv = json_of(["summary", "--crimes", str(folder), *wards], capsys)
    from_store = json_of(["summary", "--store", str(store), *wards], capsys)
    real = json_of(["summary", "--crimes", str(crimes / SEPT), str(crimes / OCT), *wards], capsys)
    by_type = cast("dict[str, int]", from_csv["by_crime_type"])
    real_by_type = cast("dict[str, int]", real["by_crime_type"])
    assert "burglary " not in by_type
    assert by_type["Burglary"] == real_by_type["Burglary"]  # the rows typed by hand count
    if not chosen:
        assert by_type["Drugs"] == real_by_type["Drugs"]
        n_theirs = by_type.get("Theft from shop", 0) + by_type.get('<b onmouseover="x">', 0)
        assert by_type["Shoplifting"] + n_theirs == real_by_type["Shoplifting"]
    notes = cast("list[str]", from_csv["notes"])
    counts = Counter(
        r["Crime type"] for r in csv.DictReader(io.StringIO((crimes / SEPT).read_text()))
    )
    n_by_hand = (counts["Burglary"] + 1) // 2 + (counts["Drugs"] + 1) // 2
    assert notes[0].startswith(
        f"police/2024-09/{SEPT}: {n_by_hand:,} rows' crime types written in another case or "
        "spacing were read as data.police.uk's ("
    )
    assert notes[1] == (
        f"police/2024-10/{OCT}: 3 rows have a crime type data.police.uk does not publish "
        "(2 values: 'Theft from shop', '<b onmouseover=\"x\">'); kept as written, each value a "
        "type of its own, which a choice of data.police.uk's types leaves out. If the file was "
        "edited, correct its Crime type column, or download it again from data.police.uk."
    )
    scope = [n for n in notes if n.startswith("The counts are of the chosen months and crime")]
    assert len(scope) == (1 if chosen else 0)  # a summary of some types says what it counts
    assert report["notes"] == [n for n in notes if n not in scope]
    assert from_store == from_csv  # every bucket, by ward, by type, months and notes
