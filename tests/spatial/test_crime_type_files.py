"""
Crime files whose Crime type column was edited by hand: types in another case or spacing, and
types that are not data.police.uk's.

Both readers (:func:`spatial.io.read_crimes`, for ``--crimes`` and the app's upload and Folder
modes, and ``patchmap ingest`` with store queries) read the first as data.police.uk's types and
keep the others as written, each with a note; the files are the real Cambridge months with their
types edited, in ``tmp_path``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from boundaries.select import crime_type_mask
from spatial.crime_types import BURGLARY, CRIME_TYPES, DRUGS
from spatial.crs import GB_BOUNDS_M
from spatial.io import read_crimes
from spatial.store import ingest, query_crimes

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from spatial.io import CrimeLoad

pytestmark = pytest.mark.shared

SEPT = "2024-09-cambridgeshire-street.csv"
OCT = "2024-10-cambridgeshire-street.csv"
N_SEPT, N_OCT = 6_740, 6_970
"""Rows of the real September and October 2024 files."""
CROOKED: dict[str, Callable[[str], str]] = {
    BURGLARY: str.lower,
    DRUGS: lambda t: f" {t.upper()}  ",
    "Anti-social behaviour": lambda t: t.replace(" ", "  "),
}
"""How the file edited by hand writes some types: every third row of each of these."""


def _edit(data: bytes, retype: Callable[[int, str], str]) -> bytes:
    """The file with each row's Crime type ``retype(row number, type)``, nothing else changed."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    column = rows[0].index("Crime type")
    counters: Counter[str] = Counter()
    for row in rows[1:]:
        counters[row[column]] += 1
        row[column] = retype(counters[row[column]], row[column])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _crooked(n: int, crime_type: str) -> str:
    """Every third row of the :data:`CROOKED` types, written as a hand-edited file writes them."""
    return CROOKED[crime_type](crime_type) if crime_type in CROOKED and n % 3 == 1 else crime_type


def _types(load: CrimeLoad) -> Counter[str]:
    """Every row used, by crime type as read (located or not)."""
    counts = Counter(load.points["crime_type"].dropna())
    counts.update(load.without_location["crime_type"].dropna())
    counts.update(load.outside_gb["crime_type"].dropna())
    return counts


@pytest.fixture(scope="module")
def real(cambridge_dir: Path) -> dict[str, bytes]:
    return {name: (cambridge_dir / "crimes" / name).read_bytes() for name in (SEPT, OCT)}


@pytest.fixture(scope="module")
def real_types(real: dict[str, bytes]) -> Counter[str]:
    return _types(read_crimes([(SEPT, real[SEPT])]))


def _n_crooked(data: bytes) -> dict[str, int]:
    """How many rows of each :data:`CROOKED` type the edit changes (every third, from the 1st)."""
    counts = Counter(row["Crime type"] for row in csv.DictReader(io.StringIO(data.decode())))
    return {t: (counts[t] + 2) // 3 for t in CROOKED}


def test_types_in_another_case_or_spacing_are_read_as_data_police_uks(
    real: dict[str, bytes], real_types: Counter[str], tmp_path: Path
) -> None:
    edited = _edit(real[SEPT], _crooked)
    n_changed = sum(_n_crooked(real[SEPT]).values())
    assert n_changed > 400  # ASB, burglary and drugs: a third of each
    path = tmp_path / SEPT
    path.write_bytes(edited)
    for given in ([path], [(SEPT, edited)]):  # a path (--crimes, Folder), an upload
        load = read_crimes(given)
        assert _types(load) == real_types  # as if typed right: no 'burglary' beside 'Burglary'
        assert set(_types(load)) <= set(CRIME_TYPES)
        burglary = crime_type_mask(load.points["crime_type"], [BURGLARY])  # --crime-type Burglary
        assert int(burglary.sum()) == sum(
            1 for t in read_crimes([(SEPT, real[SEPT])]).points["crime_type"] if t == BURGLARY
        )
        assert load.notes == (
            (
                f"{SEPT}: {n_changed:,} rows' crime types written in another case or spacing were "
                "read as data.police.uk's ('Anti-social  behaviour' as 'Anti-social behaviour', "
                "'burglary' as 'Burglary', ' DRUGS  ' as 'Drugs'), so they count with those types."
            ),
        )


def test_types_that_are_not_data_police_uks_are_kept_as_written_with_a_note(
    real: dict[str, bytes], real_types: Counter[str]
) -> None:
    planted = {3: '<script>alert("type")</script>', 5: "Burglary (domestic)", 8: "=1+2"}

    def other(n: int, crime_type: str) -> str:
        return planted.get(n, crime_type) if crime_type == "Shoplifting" else crime_type

    load = read_crimes([(SEPT, _edit(real[SEPT], other))])
    found = _types(load)
    assert {t: found[t] for t in planted.values()} == dict.fromkeys(planted.values(), 1)
    assert found["Shoplifting"] == real_types["Shoplifting"] - 3
    assert load.notes == (
        (
            f"{SEPT}: 3 rows have a crime type data.police.uk does not publish (3 values: "
            "'<script>alert(\"type\")</script>', 'Burglary (domestic)', '=1+2'); kept as written, "
            "each value a type of its own, which a choice of data.police.uk's types leaves out. If "
            "the file was edited, correct its Crime type column, or download it again from "
            "data.police.uk."
        ),
    )


def test_a_file_of_data_police_uks_types_gets_no_note(real: dict[str, bytes]) -> None:
    assert read_crimes([(SEPT, real[SEPT]), (OCT, real[OCT])]).notes == ()


def test_the_store_reads_and_notes_crime_types_as_read_crimes_does(
    real: dict[str, bytes], tmp_path: Path
) -> None:
    # September typed again by hand; October with a type of another system's in a few rows
    folder = tmp_path / "police"
    (folder / "2024-09").mkdir(parents=True)
    (folder / "2024-10").mkdir()
    (folder / "2024-09" / SEPT).write_bytes(_edit(real[SEPT], _crooked))
    other = _edit(real[OCT], lambda n, t: "Theft" if t == "Other theft" and n <= 4 else t)
    (folder / "2024-10" / OCT).write_bytes(other)
    csv_load = read_crimes([folder])
    assert [n.split(": ", 1)[0] for n in csv_load.notes] == [
        f"police/2024-09/{SEPT}",
        f"police/2024-10/{OCT}",
    ]
    assert (
        "4 rows have a crime type data.police.uk does not publish (1 value: 'Theft')"
        in (csv_load.notes[1])
    )
    store = tmp_path / "store"
    report = ingest([folder], store_dir=store)
    assert report.notes == csv_load.notes
    stored = query_crimes(store, bounds_m=GB_BOUNDS_M)
    assert stored.notes == csv_load.notes  # kept with the partitions, given by a query
    assert _types(stored) == _types(csv_load)
    assert stored.n_rows_read == csv_load.n_rows_read == N_SEPT + N_OCT
    # a query of one month gives its file's note only, as --crimes of that file does
    october = query_crimes(store, bounds_m=GB_BOUNDS_M, months=("2024-10", "2024-10"))
    assert october.notes == (csv_load.notes[1],)
    assert read_crimes([folder / "2024-10"]).notes == (csv_load.notes[1].removeprefix("police/"),)
    # the folder ingested again changes nothing
    assert ingest([folder], store_dir=store).n_files_read == 0
    assert query_crimes(store, bounds_m=GB_BOUNDS_M).notes == csv_load.notes


def test_notes_on_crime_types_stay_when_months_come_in_later_runs(
    real: dict[str, bytes], tmp_path: Path
) -> None:
    folder = tmp_path / "police"
    (folder / "2024-09").mkdir(parents=True)
    (folder / "2024-09" / SEPT).write_bytes(_edit(real[SEPT], _crooked))
    store = tmp_path / "store"
    ingest([folder], store_dir=store)
    (folder / "2024-10").mkdir()  # next month's download, typed by hand too
    (folder / "2024-10" / OCT).write_bytes(_edit(real[OCT], _crooked))
    assert ingest([folder], store_dir=store).n_files_read == 1
    csv_load = read_crimes([folder])
    assert len(csv_load.notes) == 2
    stored = query_crimes(store, bounds_m=GB_BOUNDS_M)
    assert stored.notes == csv_load.notes
    assert _types(stored) == _types(csv_load)
    assert set(_types(stored)) <= set(CRIME_TYPES)
