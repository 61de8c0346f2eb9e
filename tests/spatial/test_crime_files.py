"""
Crime files that are not quite what they claim: archives inside archives, rows cut short, CSVs
separated by semicolons or tabs, and files named for a month their rows are not of.

Each is read alike by :func:`spatial.io.read_crimes` (``--crimes``, the app's upload and Folder
modes) and by ``patchmap ingest`` (:func:`spatial.store.ingest`); the files are cut from the real
Cambridge months, in ``tmp_path``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from spatial.crs import GB_BOUNDS_M
from spatial.errors import EmptyInputError, InputDataError
from spatial.io import MAX_ZIP_DEPTH, read_crimes, read_street_file
from spatial.store import ingest, query_crimes
from spatial.validate import skipped_junk_note
from tests._files import write, zip_of
from tests.spatial._downloads import republished

if TYPE_CHECKING:
    from pathlib import Path

    from spatial.io import CrimeLoad

pytestmark = pytest.mark.shared

SEPT = "2024-09-cambridgeshire-street.csv"
OCT = "2024-10-cambridgeshire-street.csv"
N_ROWS = 300
"""Rows kept of each month: the rules, not the volume, are under test."""


@pytest.fixture(scope="module")
def sept(cambridge_dir: Path) -> bytes:
    return _head(cambridge_dir / "crimes" / SEPT)


@pytest.fixture(scope="module")
def octo(cambridge_dir: Path) -> bytes:
    return _head(cambridge_dir / "crimes" / OCT)


def _head(path: Path) -> bytes:
    """The header and the first :data:`N_ROWS` rows of a real month, byte for byte."""
    return b"".join(path.read_bytes().splitlines(keepends=True)[: N_ROWS + 1])


def _from_store(source: Path, store: Path) -> tuple[dict[str, object], CrimeLoad]:
    """Ingest ``source`` into a new store; the report and the store's load of all of it."""
    report = ingest([source], store_dir=store).to_dict()
    return report, query_crimes(store, bounds_m=GB_BOUNDS_M)


def _refused_by_both(source: Path, tmp_path: Path, error: type[Exception], message: str) -> None:
    """Both readers refuse the file (given as a path, as an upload) with ``message``; no store."""
    with pytest.raises(error, match=message):
        read_crimes([source])
    with pytest.raises(error, match=message):
        read_crimes([(source.name, source.read_bytes())])
    with pytest.raises(error, match=message):
        ingest([source], store_dir=tmp_path / "store")
    assert not (tmp_path / "store" / "manifest.json").exists()


# --- a .zip inside a .zip ----------------------------------------------------------------------


def test_a_month_zipped_inside_a_zip_of_months_is_read_by_both_readers(
    sept: bytes, octo: bytes, tmp_path: Path
) -> None:
    # a zip of months, one of them still zipped (with the clutter a Mac adds beside it)
    inner = zip_of({f"2024-10/{OCT}": octo})
    outer = write(
        tmp_path / "outer.zip",
        zip_of({f"2024-09/{SEPT}": sept, "2024-10.zip": inner, "__MACOSX/._2024-10.zip": b"x"}),
    )
    names = (f"outer.zip/2024-09/{SEPT}", f"outer.zip/2024-10.zip/2024-10/{OCT}")
    for given in ([outer], [("outer.zip", outer.read_bytes())]):  # a path, an upload
        load = read_crimes(given)
        assert load.files == names
        assert load.n_rows_read == 2 * N_ROWS
        assert load.months == ("2024-09", "2024-10")
        assert load.notes == (skipped_junk_note("outer.zip", 1),)
        assert set(load.points["source_file"]) == set(names)
    report, stored = _from_store(outer, tmp_path / "store")
    assert report["n_files_read"] == 2
    assert report["n_rows"] == 2 * N_ROWS
    assert report["notes"] == [skipped_junk_note("outer.zip", 1)]
    assert stored.n_rows_read == 2 * N_ROWS
    assert stored.months == ("2024-09", "2024-10")


def test_a_zip_holding_only_a_zip_is_read_as_the_zip_inside(octo: bytes, tmp_path: Path) -> None:
    only = write(tmp_path / "only.zip", zip_of({"2024-10.zip": zip_of({f"2024-10/{OCT}": octo})}))
    load = read_crimes([only])
    assert load.files == (f"only.zip/2024-10.zip/2024-10/{OCT}",)
    assert load.n_rows_read == N_ROWS
    report, stored = _from_store(only, tmp_path / "store")
    assert report["n_rows"] == N_ROWS
    assert stored.months == ("2024-10",)


def test_zips_inside_a_zip_are_dated_each_by_its_own_name(sept: bytes, tmp_path: Path) -> None:
    # the January and March downloads of one month, zipped together: March's version is kept
    later = republished(sept, 2)
    both = write(
        tmp_path / "downloads.zip",
        zip_of(
            {
                "2025-03.zip": zip_of({f"2024-09/{SEPT}": later}),
                "2025-01.zip": zip_of({f"2024-09/{SEPT}": sept}),
            }
        ),
    )
    load = read_crimes([both])
    assert load.n_rows == N_ROWS
    assert load.n_set_aside == N_ROWS
    assert set(load.set_aside["source_file"]) == {f"downloads.zip/2025-01.zip/2024-09/{SEPT}"}
    assert set(load.points["source_file"]) == {f"downloads.zip/2025-03.zip/2024-09/{SEPT}"}
    report, stored = _from_store(both, tmp_path / "store")
    assert report["n_rows_set_aside"] == N_ROWS
    assert stored.n_rows == N_ROWS
    assert stored.n_set_aside == N_ROWS


def test_a_broken_zip_inside_a_zip_is_refused_naming_it(sept: bytes, tmp_path: Path) -> None:
    outer = write(
        tmp_path / "outer.zip", zip_of({f"2024-09/{SEPT}": sept, "2024-10.zip": b"PK\x03\x04 cut"})
    )
    message = r"^outer\.zip/2024-10\.zip: not a valid \.zip archive\. Download it again"
    _refused_by_both(outer, tmp_path, InputDataError, message)


def test_a_zip_of_zips_without_csv_files_is_refused_naming_them(tmp_path: Path) -> None:
    text = zip_of({"README.txt": b"nothing"})
    outer = write(tmp_path / "outer.zip", zip_of({"a.zip": text, "b/c.zip": text}))
    message = (
        r"^outer\.zip: the archive holds no CSV files, nor do the \.zip archives inside it "
        r"\(a\.zip, b/c\.zip\)\. Load the street-level CSVs"
    )
    _refused_by_both(outer, tmp_path, EmptyInputError, message)


def test_a_zip_of_outcomes_inside_a_zip_is_skipped_by_read_crimes_with_a_note(
    sept: bytes, tmp_path: Path
) -> None:
    outcomes = b"Crime ID,Month,Reported by,Falls within,Outcome type\na1,2024-10,F,F,Charged\n"
    member = "2024-10/2024-10-cambridgeshire-outcomes.csv"
    outer = write(
        tmp_path / "outer.zip",
        zip_of({f"2024-09/{SEPT}": sept, "2024-10-outcomes.zip": zip_of({member: outcomes})}),
    )
    load = read_crimes([outer])
    assert load.n_rows_read == N_ROWS
    note = (
        f"outer.zip/2024-10-outcomes.zip: the archive holds no street-level crime files "
        f"({member}); skipped: patchmap reads the street-level crimes (...-street.csv)."
    )
    assert load.notes == (note,)
    report, _ = _from_store(outer, tmp_path / "store")
    assert (report["n_rows"], report["n_outcome_rows"]) == (N_ROWS, 1)  # ingest keeps outcomes


def _nested(data: bytes, depth: int) -> bytes:
    """``data`` as ``2024-10.csv`` inside ``depth`` archives inside the one returned."""
    archive = zip_of({OCT: data})
    for level in range(depth):
        archive = zip_of({f"level{level}.zip": archive})
    return archive


def test_zips_are_read_up_to_the_depth_limit_and_refused_beyond(
    octo: bytes, tmp_path: Path
) -> None:
    deepest = write(tmp_path / "ok" / "deep.zip", _nested(octo, MAX_ZIP_DEPTH))
    load = read_crimes([deepest])
    assert load.n_rows_read == N_ROWS
    assert load.files[0].count(".zip/") == MAX_ZIP_DEPTH + 1
    assert ingest([deepest], store_dir=tmp_path / "ok" / "store").n_rows == N_ROWS
    too_deep = write(tmp_path / "deep.zip", _nested(octo, MAX_ZIP_DEPTH + 1))
    message = rf"\.zip archives are nested more than {MAX_ZIP_DEPTH} deep here"
    _refused_by_both(too_deep, tmp_path, InputDataError, message)


# --- rows cut short ----------------------------------------------------------------------------


def _cut(line: bytes, n_fields: int) -> bytes:
    return b",".join(line.rstrip(b"\r\n").split(b",")[:n_fields]) + b"\n"


@pytest.mark.parametrize("n_fields", [2, 7, 11])
def test_a_short_row_in_the_middle_is_refused_naming_its_line(
    n_fields: int, sept: bytes, tmp_path: Path
) -> None:
    # a bad copy and paste: row 10 (line 11) loses its last fields; the file goes on
    lines = sept.splitlines(keepends=True)
    assert all(line.count(b",") == 11 and b'"' not in line for line in lines[:12])
    lines[10] = _cut(lines[10], n_fields)
    path = write(tmp_path / "2024-09-x-street.csv", b"".join(lines))
    message = re.escape(
        f"2024-09-x-street.csv: could not be read as a CSV (line 11 has {n_fields} of the "
        "header's 12 fields). A row cut short in the middle of the file"
    )
    _refused_by_both(path, tmp_path, InputDataError, "^" + message)
    with pytest.raises(InputDataError, match=message):
        read_street_file(path.name, path.read_bytes())


def test_blank_lines_are_not_short_rows(sept: bytes, tmp_path: Path) -> None:
    lines = sept.splitlines(keepends=True)
    lines.insert(10, b"\n")
    path = write(tmp_path / "2024-09-x-street.csv", b"".join(lines))
    assert read_crimes([path]).n_rows_read == N_ROWS


def test_a_long_row_is_refused_as_a_short_one_is(sept: bytes, tmp_path: Path) -> None:
    lines = sept.splitlines(keepends=True)
    lines[10] = lines[10].rstrip(b"\n") + b",extra\n"
    path = write(tmp_path / "2024-09-x-street.csv", b"".join(lines))
    message = r"^2024-09-x-street\.csv: could not be read as a CSV \(.*line 11, saw 13\)"
    _refused_by_both(path, tmp_path, InputDataError, message)


# --- semicolons and tabs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("separator", "name", "bom"),
    [(b";", "semicolons", b""), (b";", "semicolons", b"\xef\xbb\xbf"), (b"\t", "tabs", b"")],
    ids=["semicolons", "semicolons-excel", "tabs"],
)
def test_a_csv_separated_by_semicolons_or_tabs_is_named_as_such(
    separator: bytes, name: str, bom: bytes, sept: bytes, tmp_path: Path
) -> None:
    # as Excel saves it where the decimal separator is a comma (byte-order mark, CRLF)
    lines = []
    for line in sept.splitlines():
        fields = line.split(b",")
        if bom:
            fields[4:6] = [f.replace(b".", b",") for f in fields[4:6]]
        lines.append(separator.join(fields))
    path = write(tmp_path / "2024-09-x-street.csv", bom + b"\r\n".join(lines) + b"\r\n")
    shown = "Crime ID;Month;Reported by;Falls within;Longitude;Latitud...".replace(
        ";", separator.decode()
    )
    message = re.escape(
        f"2024-09-x-street.csv: the file is separated by {name}, not commas (its header is one "
        f"field: {shown!r}). Save it as comma-separated CSV (in Excel: CSV UTF-8 (Comma "
        "delimited)), with a full stop as the decimal separator. Or download it again from "
        "data.police.uk"
    )
    _refused_by_both(path, tmp_path, InputDataError, "^" + message)


# --- a file named for a month its rows are not of ----------------------------------------------


def _relabel(data: bytes, month: str, n_rows: int | None = None) -> bytes:
    """The file with the Month of its first ``n_rows`` rows (all: None) set to ``month``."""
    lines = data.splitlines(keepends=True)
    last = len(lines) if n_rows is None else n_rows + 1
    for i in range(1, last):
        fields = lines[i].split(b",")
        fields[1] = month.encode()
        lines[i] = b",".join(fields)
    return b"".join(lines)


def test_a_file_named_for_a_month_none_of_its_rows_are_of_is_noted_by_both(
    sept: bytes, octo: bytes, tmp_path: Path
) -> None:
    # the October file's Month column filled down with September in a spreadsheet
    folder = tmp_path / "police"
    write(folder / "2024-09" / SEPT, sept)
    write(folder / "2024-10" / OCT, _relabel(octo, "2024-09"))
    note = (
        f"police/2024-10/{OCT}: named for 2024-10, but none of its rows is of 2024-10: "
        f"{N_ROWS} rows of 2024-09. Rows are counted in the month their Month column gives; if "
        "that column is wrong (filled down in a spreadsheet?), correct it or download the file "
        "again."
    )
    load = read_crimes([folder])
    assert load.notes == (note,)
    assert load.months == ("2024-09",)  # counted by their Month column, as documented
    assert load.n_rows == 2 * N_ROWS
    report, stored = _from_store(folder, tmp_path / "store")
    assert report["notes"] == [note]
    assert stored.notes == load.notes  # a query of the store says it too
    assert (stored.n_rows, stored.months) == (load.n_rows, load.months)


def test_a_file_named_for_a_month_some_of_its_rows_are_not_of_is_noted(
    sept: bytes, tmp_path: Path
) -> None:
    path = write(tmp_path / SEPT, _relabel(sept, "2024-10", 20))
    note = (
        f"{SEPT}: named for 2024-09, but 20 of its {N_ROWS} rows are not of 2024-09: 20 rows "
        "of 2024-10. Rows are counted in the month their Month column gives"
    )
    load = read_crimes([path])
    assert len(load.notes) == 1
    assert load.notes[0].startswith(note)
    assert load.months == ("2024-09", "2024-10")
    report, stored = _from_store(path, tmp_path / "store")
    assert report["notes"] == list(load.notes)
    assert stored.notes == load.notes


@pytest.mark.parametrize(
    "name",
    ["my-extract.csv", "2024-09-to-2024-10-street.csv", "export 2024-10-15.csv", "2024-09-x.csv"],
)
def test_no_month_note_when_the_name_carries_no_single_month_or_every_row_is_of_it(
    name: str, sept: bytes, octo: bytes, tmp_path: Path
) -> None:
    rows = octo.splitlines(keepends=True)[1:] if name != "2024-09-x.csv" else []
    path = write(tmp_path / name, sept + b"".join(rows))
    load = read_crimes([path])
    assert load.notes == ()
    report = ingest([path], store_dir=tmp_path / "store")
    assert report.notes == ()
