"""Repeated Crime IDs and blank crime types: the store gives the CSVs' counts, filter by filter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from patchmap.cli import main
from spatial.store import ingest, read_manifest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

MONTHS = ("2024-09", "2024-10")
BUCKETS = (
    "n_rows_read",
    "n_rows",
    "n_without_location",
    "n_outside_gb",
    "n_outside_wards",
    "n_inside_wards",
    "n_duplicates_removed",
    "n_set_aside",
)


def _read(cambridge_dir: Path, month: str) -> pd.DataFrame:
    source = cambridge_dir / "crimes" / f"{month}-cambridgeshire-street.csv"
    return pd.read_csv(source, dtype=str, keep_default_na=False)


def _repeats(frame: pd.DataFrame, crime_type: str, n: int) -> pd.DataFrame:
    """The first ``n`` rows of a type that have a Crime ID and a place in Market ward's town."""
    rows = frame.loc[(frame["Crime type"] == crime_type) & (frame["Crime ID"] != "")]
    return rows.head(n)


@pytest.fixture(scope="module")
def repeated(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """
    Two real Cambridge months with rows repeating a Crime ID read earlier in their file.

    2024-09: 4 Burglary and 3 Vehicle crime rows copied; one Burglary row's Crime ID again on a
    Shoplifting row; one Drugs row's again on a row without coordinates; one Robbery row's again
    on a row dated 2024-10. 2024-10: 2 Burglary and 2 Drugs rows copied. Every Crime ID is
    repeated within its own file only (as data.police.uk publishes them, one file a force-month).
    """
    folder = tmp_path_factory.mktemp("repeated") / "crimes"
    folder.mkdir()
    september, october = (_read(cambridge_dir, m) for m in MONTHS)
    as_shoplifting = (
        _repeats(september, "Burglary", 5).tail(1).assign(**{"Crime type": "Shoplifting"})
    )
    unlocated = _repeats(september, "Drugs", 1).assign(Longitude="", Latitude="", Location="")
    next_month = _repeats(september, "Robbery", 1).assign(Month="2024-10")
    extra_september = [
        _repeats(september, "Burglary", 4),
        _repeats(september, "Vehicle crime", 3),
        as_shoplifting,
        unlocated,
        next_month,
    ]
    extra_october = [_repeats(october, "Burglary", 2), _repeats(october, "Drugs", 2)]
    for month, frame, extra in (
        (MONTHS[0], september, extra_september),
        (MONTHS[1], october, extra_october),
    ):
        # the copies are spread through the file, not only at its end
        doubled = pd.concat([frame.iloc[:3000], *extra, frame.iloc[3000:]], ignore_index=True)
        doubled.to_csv(folder / f"{month}-cambridgeshire-street.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def repeated_store(repeated: Path) -> Path:
    target = repeated.parent / "store"
    assert main(["ingest", str(repeated), "--store", str(target), "--json"]) == 0
    return target


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    record: dict[str, object] = json.loads(capsys.readouterr().out)
    return record


FILTERS = {
    "everything": ([], 14, 13_710 + 14),
    "september": (["--months", "2024-09"], 9, 6_740 + 9),
    "october": (["--months", "2024-10"], 5, 6_970 + 5),
    "burglary": (["--crime-type", "Burglary"], 6, None),
    "october burglary": (["--months", "2024-10", "--crime-type", "Burglary"], 2, None),
    "robbery": (["--crime-type", "Robbery"], 1, None),
    "two types": (["--crime-type", "Shoplifting", "--crime-type", "Drugs"], 4, None),
    "one ward": (["--ward", "Market", "--crime-type", "Burglary"], 6, None),
    "one ward, october": (["--ward", "Market", "--months", "2024-10"], 5, 6_970 + 5),
}
"""Each query's options, its known duplicates and (where simple) its rows read."""


@pytest.mark.parametrize("name", list(FILTERS))
def test_store_summary_counts_repeated_crime_ids_as_the_csvs_do(
    name: str,
    repeated: Path,
    repeated_store: Path,
    cambridge_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    options, n_duplicates, n_rows_read = FILTERS[name]
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = _json(["summary", *options, "--crimes", str(repeated), *wards], capsys)
    from_store = _json(["summary", *options, "--store", str(repeated_store), *wards], capsys)
    assert from_csv["n_duplicates_removed"] == n_duplicates  # the CSV rule, known by design
    if n_rows_read is not None:
        assert from_csv["n_rows_read"] == n_rows_read
    assert {b: from_store[b] for b in BUCKETS} == {b: from_csv[b] for b in BUCKETS}
    assert from_store == from_csv  # and the rest: months, by ward, by type, notes


def test_store_profile_with_repeated_crime_ids_equals_the_csv_profile(
    repeated: Path, repeated_store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["profile", "--ward", "Market", "--months", "2024-10", "--wards"]
    args.append(str(cambridge_dir / "wards.geojson"))
    from_csv = _json([*args, "--crimes", str(repeated)], capsys)
    from_store = _json([*args, "--store", str(repeated_store)], capsys)
    assert from_store == from_csv


def test_the_manifest_keeps_the_repeated_rows_by_month_and_type(repeated_store: Path) -> None:
    street = read_manifest(repeated_store)["partitions"]["street"]  # type: ignore[index]
    september = street["cambridgeshire-constabulary/2024-09"]["sources"][0]["duplicates"]
    october = street["cambridgeshire-constabulary/2024-10"]["sources"][0]["duplicates"]
    assert september == [
        ["2024-09", "Burglary", 4],
        ["2024-09", "Drugs", 1],
        ["2024-09", "Shoplifting", 1],
        ["2024-09", "Vehicle crime", 3],
        ["2024-10", "Robbery", 1],  # the repeated row's own month, in its file's partition
    ]
    assert october == [["2024-10", "Burglary", 2], ["2024-10", "Drugs", 2]]


def test_a_store_written_before_duplicates_were_kept_says_so(
    repeated: Path,
    cambridge_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "old"
    ingest([repeated], store_dir=target)
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["partitions"]["street"].values():
        for record in entry["sources"]:
            del record["duplicates"]  # as ingest wrote them before
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    record = _json(["summary", "--store", str(target), *wards], capsys)
    assert record["n_duplicates_removed"] == 0
    assert record["n_rows_read"] == 13_710  # the rows the store holds
    notes = " ".join(str(n) for n in record["notes"])  # type: ignore[attr-defined]
    assert "does not know how many rows repeated a Crime ID" in notes
    assert "ingest the files again into a new folder" in notes


def _blank_types(cambridge_dir: Path, target: Path) -> pd.DataFrame:
    """Write 2024-09 with the crime type of every 500th row emptied; return the rows changed."""
    frame = _read(cambridge_dir, MONTHS[0])
    blank = frame.index % 500 == 7
    frame.loc[blank, "Crime type"] = ""
    target.mkdir(parents=True)
    frame.to_csv(target / f"{MONTHS[0]}-cambridgeshire-street.csv", index=False)
    return frame.loc[blank]


@pytest.mark.parametrize(
    "extra", [[], ["--ward", "Market"], ["--crime-type", "Burglary"]], ids=["all", "ward", "mix"]
)
def test_crime_type_blank_selects_the_rows_without_a_type(
    extra: list[str], cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blanked = _blank_types(cambridge_dir, tmp_path / "crimes")
    assert len(blanked) == 14  # 6,740 rows: rows 7, 507, ..., 6507
    ingest([tmp_path / "crimes"], store_dir=tmp_path / "s")
    args = ["summary", "--crime-type", "(blank)", *extra]
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = _json([*args, "--crimes", str(tmp_path / "crimes"), *wards], capsys)
    from_store = _json([*args, "--store", str(tmp_path / "s"), *wards], capsys)
    assert from_store == from_csv
    everything = _json(["summary", "--crimes", str(tmp_path / "crimes"), *wards], capsys)
    n_blank_in_wards = everything["by_crime_type"]["(blank)"]  # type: ignore[index]
    if not extra:
        assert from_csv["n_rows"] == 14
        assert from_csv["by_crime_type"] == {"(blank)": n_blank_in_wards}
    if extra[:1] == ["--crime-type"]:
        n_burglary = everything["by_crime_type"]["Burglary"]  # type: ignore[index]
        assert from_csv["by_crime_type"] == {"Burglary": n_burglary, "(blank)": n_blank_in_wards}
    assert n_blank_in_wards > 0


def test_crime_type_blank_is_refused_when_no_row_lacks_a_type(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crimes = str(cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv")
    wards = str(cambridge_dir / "wards.geojson")
    capsys.readouterr()
    code = main(["summary", "--crime-type", "(blank)", "--crimes", crimes, "--wards", wards])
    assert code == 2
    err = capsys.readouterr().err
    assert "Unknown crime type '(blank)'" in err
    choices = err.split("Choose from:")[1]
    assert "Burglary" in choices
    assert "(blank)" not in choices  # not offered: no row lacks a type


def test_a_month_split_over_two_ingests_keeps_both_files_repeats(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _read(cambridge_dir, MONTHS[0])
    halves = {"a": frame.iloc[:3000], "b": frame.iloc[3000:]}  # no Crime ID in both
    folders = []
    for name, half in halves.items():
        folder = tmp_path / "crimes" / name
        folder.mkdir(parents=True)
        copies = _repeats(half, "Burglary", 2 if name == "a" else 3)
        with_copies = pd.concat([half, copies], ignore_index=True)
        with_copies.to_csv(folder / f"{MONTHS[0]}-cambridgeshire-{name}-street.csv", index=False)
        folders.append(folder)
    store = tmp_path / "store"
    for folder in folders:  # the second part arrives in a later run: the partition is merged
        ingest([folder], store_dir=store)
    entry = read_manifest(store)["partitions"]["street"]["cambridgeshire-constabulary/2024-09"]  # type: ignore[index]
    assert {r["name"].split("-")[-2]: r["duplicates"] for r in entry["sources"]} == {
        "a": [["2024-09", "Burglary", 2]],
        "b": [["2024-09", "Burglary", 3]],
    }
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    args = ["summary", "--crime-type", "Burglary"]
    from_csv = _json([*args, "--crimes", str(tmp_path / "crimes"), *wards], capsys)
    from_store = _json([*args, "--store", str(store), *wards], capsys)
    assert from_csv["n_duplicates_removed"] == 5
    assert from_store == from_csv


def test_a_profile_of_the_crimes_without_a_type_names_them_blank(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _blank_types(cambridge_dir, tmp_path / "crimes")
    ingest([tmp_path / "crimes"], store_dir=tmp_path / "s")
    args = ["profile", "--ward", "Abbey", "--crime-type", "(blank)"]
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = _json([*args, "--crimes", str(tmp_path / "crimes"), *wards], capsys)
    from_store = _json([*args, "--store", str(tmp_path / "s"), *wards], capsys)
    assert from_store == from_csv
    n_crimes = from_csv["n_crimes"]
    assert isinstance(n_crimes, int)
    assert n_crimes > 0
    assert from_csv["by_crime_type"] == {"(blank)": n_crimes}
    tops = from_csv["top_locations"]
    assert isinstance(tops, list)
    assert tops[0]["top_crime_types"].startswith("(blank): ")
