"""Every subcommand gives the same answer from the store as from the Cambridge CSVs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

SUBCOMMANDS = {
    "summary": ["summary"],
    "summary-filtered": ["summary", "--ward", "Abbey", "--crime-type", "Burglary"],
    "profile": ["profile", "--ward", "Market", "--months", "2025-04:2025-09"],
    "problems": ["problems"],
    "repeats": ["repeats"],
    "hotspots-gistar": ["hotspots", "--method", "gistar"],
    "hotspots-kde-top": ["hotspots", "--method", "kde-top"],
    "hotspots-dbscan": ["hotspots", "--method", "dbscan", "--ward", "Market"],
    "change": ["change", "--before", "2024-09:2025-02", "--after", "2025-03:2025-08"],
    "emerging": ["emerging"],
    "backtest": ["backtest"],
    "forecast": ["forecast", "--month", "2025-09"],
}


@pytest.fixture(scope="module")
def store(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cli-store") / "store"
    assert main(["ingest", str(cambridge_dir / "crimes"), "--store", str(target), "--json"]) == 0
    return target


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_subcommand_from_store_equals_from_csv(
    name: str, store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    args = SUBCOMMANDS[name]
    from_csv = _json([*args, "--crimes", str(cambridge_dir / "crimes"), *wards], capsys)
    from_store = _json([*args, "--store", str(store), *wards], capsys)
    assert from_store == from_csv


RURAL = {
    "summary": ["summary"],
    "profile": ["profile", "--ward", "Rural Test"],
    "forecast": ["forecast"],
}


@pytest.mark.parametrize("name", list(RURAL))
def test_a_small_rural_ward_from_store_equals_from_csv(
    name: str, store: Path, cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rural = gpd.GeoDataFrame(  # 4 km square: some months have no located row near it
        {"WD23CD": ["E0R"], "WD23NM": ["Rural Test"]},
        geometry=[box(545_500, 295_500, 549_500, 299_500)],
        crs=27700,
    )
    rural.to_crs(4326).to_file(tmp_path / "rural.geojson", driver="GeoJSON")
    wards = ["--wards", str(tmp_path / "rural.geojson")]
    args = RURAL[name]
    from_csv = _json([*args, "--crimes", str(cambridge_dir / "crimes"), *wards], capsys)
    from_store = _json([*args, "--store", str(store), *wards], capsys)
    assert from_store == from_csv
    if name == "summary":
        assert from_store["n_rows_read"] == 90_957  # type: ignore[index]
    if name == "forecast":
        assert from_store["month"] == "2025-10"  # type: ignore[index]


def test_density_raster_from_store_equals_from_csv(
    store: Path, cambridge_dir: Path, tmp_path: Path
) -> None:
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    csv_tif, store_tif = tmp_path / "csv.tif", tmp_path / "store.tif"
    crimes = ["--crimes", str(cambridge_dir / "crimes")]
    assert main(["density", *crimes, *wards, "--out", str(csv_tif)]) == 0
    assert main(["density", "--store", str(store), *wards, "--out", str(store_tif)]) == 0
    with rasterio.open(csv_tif) as a, rasterio.open(store_tif) as b:
        assert a.transform == b.transform
        csv_values, store_values = a.read(1), b.read(1)
        # the rows come in another order (Hilbert-sorted), so the FFT's round-off differs
        peak = float(np.nanmax(csv_values))
        np.testing.assert_allclose(store_values, csv_values, rtol=1e-6, atol=1e-9 * peak)
        assert peak > 0


def test_route_from_store_equals_from_csv(
    store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    route = [
        "route",
        "--network",
        str(cambridge_dir / "osm" / "cambridge_drive.graphml"),
        "--start",
        "0.1192,52.2048",
        "--max-minutes",
        "45",
    ]
    from_csv = _json([*route, "--crimes", str(cambridge_dir / "crimes"), *wards], capsys)
    from_store = _json([*route, "--store", str(store), *wards], capsys)
    assert from_store == from_csv
    assert len(from_csv["stops_visited"]) >= 3  # type: ignore[index]


def test_ingest_json_accounts_for_every_row(
    store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = _json(["ingest", str(cambridge_dir / "crimes"), "--store", str(store)], capsys)
    assert again["n_files_read"] == 0  # type: ignore[index]
    assert again["n_files_skipped"] == 13  # type: ignore[index]


def test_ingest_prints_the_repeated_crime_ids(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    with_id = [line for line in lines[1:] if not line.startswith(",")][:3]
    target = tmp_path / source.name
    target.write_text("".join([*lines, *with_id]), encoding="utf-8")
    record = _json(["ingest", str(target), "--store", str(tmp_path / "s")], capsys)
    assert record["n_duplicates"] == 3  # type: ignore[index]
    assert record["n_rows"] == 6_743  # type: ignore[index]
    assert main(["ingest", str(target), "--store", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    assert "6,743 crime rows" in out
    assert "  repeated Crime IDs          3\n" in out


def test_store_option_errors_say_what_to_fix(
    store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", "--store", str(store)]) == 2
    assert "With --store give --wards" in capsys.readouterr().err
    crimes = str(cambridge_dir / "crimes")
    assert main(["summary", "--store", str(store), "--demo"]) == 2
    assert "not two" in capsys.readouterr().err
    assert main(["ingest", crimes]) == 2
    assert "Give --store DIR" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--months", "2025-01:2025-02"], "--months"),
        (["--crime-type", "Burglary"], "--crime-type"),
        (["--wards", "w.geojson"], "--wards"),
        (["--ward", "Market"], "--ward"),
        (["--out", "x.txt"], "--out"),
        (["--midnight", "unknown"], "--midnight"),
        (["--months", "2025-01:2025-02", "--ward", "Market"], "--ward, --months"),
    ],
)
def test_ingest_refuses_options_it_does_not_use(
    extra: list[str],
    named: str,
    cambridge_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    month = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    target = tmp_path / "s"
    assert main(["ingest", str(month), "--store", str(target), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"patchmap: error: patchmap ingest does not use {named}:")
    assert err.count("\n") == 1
    assert not target.exists()  # refused before anything is written
    assert not (tmp_path / "x.txt").exists()


def test_ingest_help_lists_only_the_options_it_uses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    help_text = capsys.readouterr().out
    assert "--store DIR" in help_text
    assert "--json" in help_text
    for unused in ("--months", "--crime-type", "--wards", "--ward", "--out", "--crimes"):
        assert unused not in help_text


def _no_csv_sources(root: Path) -> dict[str, tuple[Path, str]]:
    """Sources holding no CSV, each with the message ingest (and --crimes, for a zip) gives."""
    root.mkdir()
    with zipfile.ZipFile(root / "txtonly.zip", "w") as archive:
        archive.writestr("README.txt", "hi")
    with zipfile.ZipFile(root / "nested.zip", "w") as archive:
        archive.write(root / "txtonly.zip", "inner.zip")
    (root / "textdir").mkdir()
    (root / "textdir" / "README.txt").write_text("hi", encoding="utf-8")
    (root / "zipdir").mkdir()
    shutil.copy(root / "txtonly.zip", root / "zipdir" / "txtonly.zip")
    return {
        "zip of text": (root / "txtonly.zip", "txtonly.zip: the archive holds no CSV files"),
        "zip of a zip": (
            root / "nested.zip",
            (
                "nested.zip: the archive holds no CSV files, nor do the .zip archives inside it "
                "(inner.zip)."
            ),
        ),
        "folder of text": (root / "textdir", "textdir: the folder holds no CSV or .zip files"),
        "folder of a zip of text": (
            root / "zipdir",
            "zipdir: the folder holds no CSV files, and its .zip archives none",
        ),
    }


@pytest.mark.parametrize(
    "kind", ["zip of text", "zip of a zip", "folder of text", "folder of a zip of text"]
)
def test_ingest_refuses_a_source_without_csv_files(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, message = _no_csv_sources(tmp_path / "in")[kind]
    assert main(["ingest", str(source), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("patchmap: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "s" / "manifest.json").exists()


def test_query_messages_for_a_store_path_say_what_is_wrong(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    (tmp_path / "notastore").mkdir()
    (tmp_path / "notastore" / "x.txt").write_text("mine", encoding="utf-8")
    assert main(["summary", "--store", str(tmp_path / "notastore"), *wards]) == 2
    err = capsys.readouterr().err
    assert "notastore: this folder is not a patchmap store (no manifest.json)" in err
    assert "Give --store the folder patchmap ingest wrote (app: Store folder)." in err
    assert "new or empty" not in err
    assert main(["summary", "--store", str(tmp_path / "nosuchdir"), *wards]) == 2
    err = capsys.readouterr().err
    assert "nosuchdir: no such folder." in err
    assert "no crime data" not in err
    assert not (tmp_path / "nosuchdir").exists()  # a query makes no folder


def test_a_file_given_twice_is_said_to_be_read_once(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    month = str(cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv")
    assert main(["ingest", month, month, "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "read 1 files (0 already in the store, 1 given twice and read once)" in out
    record = _json(["ingest", month, month, "--store", str(tmp_path / "t")], capsys)
    assert (record["n_files_skipped"], record["n_files_repeated"]) == (0, 1)  # type: ignore[index]


MODULES_PROBE = """
import json, sys
from patchmap.cli import main  # what the console script runs before it exits
code = main(json.loads(sys.argv[1]))
assert not code, code
import spatial.io
built = spatial.io._to_bng.cache_info().currsize  # the WGS84 to BNG transformer
print(json.dumps([*sorted(sys.modules), *(["(WGS84 to BNG transformer)"] if built else [])]))
"""
NOT_FOR_A_WARD: dict[str, tuple[str, ...]] = {
    "summary": ("scipy", "hotspots", "tasking", "sqlalchemy", "(WGS84 to BNG transformer)"),
    "profile": ("scipy.spatial", "tasking.reports", "sqlalchemy", "(WGS84 to BNG transformer)"),
}
"""What a store summary or profile of one ward does not use, so must not load or build: modules
and the transformer that the CSV reader needs (the store's rows are already in BNG)."""


@pytest.mark.parametrize("name", list(NOT_FOR_A_WARD))
def test_ward_from_store_loads_only_what_it_uses(
    name: str, store: Path, cambridge_dir: Path
) -> None:
    args = [name, "--store", str(store), "--wards", str(cambridge_dir / "wards.geojson")]
    done = subprocess.run(  # noqa: S603 - runs this repo's own command
        [sys.executable, "-c", MODULES_PROBE, json.dumps([*args, "--ward", "Market", "--json"])],
        capture_output=True,
        text=True,
        check=True,
    )
    answer, _, modules_line = done.stdout.rstrip().rpartition("\n")
    assert json.loads(answer)["n_inside_wards" if name == "summary" else "n_crimes"] > 0
    modules = set(json.loads(modules_line))
    loaded = sorted(m for m in NOT_FOR_A_WARD[name] if m in modules)
    assert not loaded, f"{name} loaded {loaded}"


def test_a_wards_summary_from_store_puts_the_other_wards_crimes_in_them(
    store: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store reads the chosen ward's rows only: the others' are still in their wards."""
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_store = _json(["summary", "--ward", "Market", "--store", str(store), *wards], capsys)
    assert isinstance(from_store, dict)
    assert from_store["n_inside_wards"] == 4206
    assert from_store["n_in_other_wards"] == 17_785 - 4206
    assert from_store["n_outside_wards"] == 90_957 - 2_859 - 17_785  # as without --ward
