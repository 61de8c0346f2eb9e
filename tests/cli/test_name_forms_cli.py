"""
``--ward`` and ``--neighbourhood`` typed with composed accents pick wards a Mac file spells
decomposed, and the reverse: ``patchmap`` compares names in one Unicode form (NFC) everywhere.
Typed in another case or spacing they pick the ward, as ``--crime-type`` picks a type.
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from patchmap.cli import main
from spatial.store import ingest
from tests.cli._summaries import json_of

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

TYPED = "Ynys M\u00f4n Pen-y-Bryn"
FROM_A_MAC = unicodedata.normalize("NFD", TYPED)
CITY_MONTH = "2024-09-cambridgeshire-street.csv"


def _wards(cambridge_dir: Path, folder: Path, newnham: str) -> Path:
    """The Cambridge wards with Newnham renamed ``newnham``, in the Unicode form given."""
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    wards["WD23NM"] = wards["WD23NM"].replace({"Newnham": newnham})
    path = folder / "wards.geojson"
    path.write_text(wards.to_json(ensure_ascii=False), encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    record = json.loads(out)
    assert isinstance(record, dict)
    return record


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.mark.parametrize(("in_file", "typed"), [(FROM_A_MAC, TYPED), (TYPED, FROM_A_MAC)])
def test_profile_of_a_ward_named_in_the_other_form(
    cambridge_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    in_file: str,
    typed: str,
) -> None:
    wards = _wards(cambridge_dir, tmp_path, in_file)
    crimes = str(cambridge_dir / "crimes" / CITY_MONTH)
    argv = ["profile", "--crimes", crimes, "--wards", str(wards), "--ward", typed, "--json"]
    record = _json(capsys, argv)
    assert record["wards"] == [TYPED]
    assert record["area"] == TYPED


def test_a_typed_neighbourhood_csv_and_name_pick_the_mac_files_ward(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = _wards(cambridge_dir, tmp_path, FROM_A_MAC)
    csv = tmp_path / "n.csv"
    csv.write_text(f"ward,neighbourhood\n{TYPED},Gorllewin M\u00f4n\n", encoding="utf-8")
    argv = [
        "summary",
        "--crimes",
        str(cambridge_dir / "crimes" / CITY_MONTH),
        "--wards",
        str(wards),
        "--neighbourhoods",
        str(csv),
        "--neighbourhood",
        unicodedata.normalize("NFD", "Gorllewin M\u00f4n"),
        "--json",
    ]
    assert _json(capsys, argv)["by_ward"] == {TYPED: 15}


def test_a_store_reads_the_ward_named_in_the_other_form(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    ingest([cambridge_dir / "crimes" / CITY_MONTH], store_dir=store)
    wards = _wards(cambridge_dir, tmp_path, TYPED)
    argv = ["summary", "--store", str(store), "--wards", str(wards), "--ward", FROM_A_MAC]
    record = _json(capsys, [*argv, "--json"])
    assert (record["n_inside_wards"], record["by_ward"]) == (15, {TYPED: 15})


def test_a_problems_ward_typed_decomposed_is_stored_as_the_file_spells_it(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = _wards(cambridge_dir, tmp_path, TYPED)
    argv = ["tasks", "add", "problem", "--title", "ASB", "--ward", FROM_A_MAC, "--wards"]
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pc.jones", "--json"]
    added = _json(capsys, [*argv, str(wards), *user])
    assert (added["ward"], added["notes"]) == (TYPED, [])  # no "stored as" a look-alike name
    without_wards = _json(
        capsys, ["tasks", "add", "problem", "--title", "x", "--ward", FROM_A_MAC, *user]
    )
    assert without_wards["ward"] == TYPED


@pytest.mark.parametrize(
    "command",
    [["summary", "--demo"], ["profile", "--demo"], ["when", "--demo"], ["knox", "--demo"]],
)
def test_a_ward_typed_in_another_case_or_spacing_gives_the_same_answer(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--ward castle`` was refused as unknown while ``--crime-type burglary`` was taken."""
    written = json_of([*command, "--ward", "Castle"], capsys)
    assert json_of([*command, "--ward", "  castle "], capsys) == written
    assert json_of([*command, "--ward", "CASTLE"], capsys) == written


def test_a_neighbourhood_typed_in_lower_case_chooses_its_wards(
    capsys: pytest.CaptureFixture[str],
) -> None:
    written = json_of(["summary", "--demo", "--neighbourhood", "Fenbridge Central"], capsys)
    typed = json_of(["summary", "--demo", "--neighbourhood", "fenbridge  central"], capsys)
    assert typed == written
    assert typed["by_ward"] == {"Castle": 3008, "Riverside": 1116}


def test_a_ward_the_data_do_not_hold_is_still_refused_with_the_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["summary", "--demo", "--ward", "castel"]) == 2
    err = capsys.readouterr().err
    assert "Unknown ward 'castel'. Choose from: Castle, Riverside, Northfield," in err


def test_a_store_reads_the_ward_typed_in_lower_case(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    ingest([cambridge_dir / "crimes" / CITY_MONTH], store_dir=store)
    argv = ["summary", "--store", str(store), "--wards", str(cambridge_dir / "wards.geojson")]
    written = json_of([*argv, "--ward", "Market"], capsys)
    assert json_of([*argv, "--ward", " market"], capsys) == written
    assert written["by_ward"] == {"Market": written["n_inside_wards"]}
