"""
A ward name in decomposed Unicode (as macOS writes it) is the name typed with composed accents.

``"Ynys M\u00f4n"`` typed and ``"Ynys Mo\u0302n"`` from a file saved on a Mac look the same; the
readers keep names in NFC, and every place that takes a name from a user compares it in NFC,
so the one is the other everywhere: ward files, neighbourhood CSVs, selections, the tasking log.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from sqlalchemy.orm import Session

from boundaries.dataset import load_study_area
from boundaries.select import Selection, select_wards, summarise
from boundaries.ward_names import match_ward_name, same_ward, ward_key
from spatial.errors import InputDataError
from spatial.io import read_neighbourhoods, read_wards
from tasking.store import add_problem, connect, list_problems

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

TYPED = "Ynys M\u00f4n Pen-y-Bryn"  # composed: one code point for the o with a circumflex
FROM_A_MAC = unicodedata.normalize("NFD", TYPED)
CITY_MONTH = "2024-09-cambridgeshire-street.csv"


@pytest.fixture
def nfd_wards(cambridge_dir: Path, tmp_path: Path) -> Path:
    """The Cambridge wards with Newnham renamed, written decomposed as macOS writes it."""
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    wards["WD23NM"] = wards["WD23NM"].replace({"Newnham": FROM_A_MAC})
    path = tmp_path / "wards.geojson"
    path.write_text(wards.to_json(ensure_ascii=False), encoding="utf-8")
    assert FROM_A_MAC in path.read_text(encoding="utf-8")
    return path


def test_ward_names_are_read_composed(nfd_wards: Path) -> None:
    names = list(read_wards(nfd_wards).wards["ward_name"])
    assert TYPED in names
    assert FROM_A_MAC not in names


def test_two_wards_whose_names_differ_only_in_form_repeat(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    wards["WD23NM"] = wards["WD23NM"].replace({"Newnham": FROM_A_MAC, "Castle": TYPED})
    path = tmp_path / "wards.geojson"
    path.write_text(wards.to_json(), encoding="utf-8")
    with pytest.raises(InputDataError, match=f"ward names repeat \\({TYPED}\\)"):
        read_wards(path)


def test_neighbourhood_names_are_read_composed(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text(f"ward,neighbourhood\n{FROM_A_MAC},Gogledd M\u00f4n\n", encoding="utf-8")
    mapping = read_neighbourhoods(path)
    assert mapping.to_dict("records") == [{"ward": TYPED, "neighbourhood": "Gogledd M\u00f4n"}]


def test_a_typed_neighbourhood_csv_groups_the_wards_of_a_mac_file(
    cambridge_dir: Path, nfd_wards: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "n.csv"
    csv.write_text(f"ward,neighbourhood\n{TYPED},West\nCastle,West\n", encoding="utf-8")
    area = load_study_area([cambridge_dir / "crimes" / CITY_MONTH], nfd_wards, neighbourhoods=csv)
    west = summarise(area, Selection(neighbourhoods=("West",)))
    assert west.by_ward == {"Castle": 51, TYPED: 15}  # Newnham's and Castle's 2024-09 crimes


@pytest.mark.parametrize("given", [TYPED, FROM_A_MAC])
def test_a_selection_picks_the_ward_in_either_form(
    cambridge_dir: Path, nfd_wards: Path, given: str
) -> None:
    area = load_study_area([cambridge_dir / "crimes" / CITY_MONTH], nfd_wards)
    selection = Selection(wards=(given,), neighbourhoods=(unicodedata.normalize("NFD", "Castle"),))
    assert selection.wards == (TYPED,)
    assert list(select_wards(area, selection)["ward_name"]) == ["Castle", TYPED]
    assert summarise(area, Selection(wards=(given,))).n_inside_wards == 15


def test_ward_names_typed_either_way_match() -> None:
    known = ("Castle", TYPED)
    assert match_ward_name(FROM_A_MAC, known) == TYPED
    assert match_ward_name(FROM_A_MAC.upper(), known) == TYPED
    assert same_ward(FROM_A_MAC, TYPED)
    assert same_ward(TYPED, FROM_A_MAC)
    assert ward_key(FROM_A_MAC) == ward_key(TYPED) == "ynys m\u00f4n pen-y-bryn"


def test_the_tasking_log_keeps_a_problems_ward_composed(tmp_path: Path) -> None:
    engine = connect(tmp_path / "log.sqlite")
    try:
        with Session(engine) as session, session.begin():
            stored = add_problem(session, title="ASB at the quay", user="pc.jones", ward=FROM_A_MAC)
        assert stored.ward == TYPED
        with Session(engine) as session:
            for given in (TYPED, FROM_A_MAC):
                assert [p.id for p in list_problems(session, ward=given)] == [stored.id]
    finally:
        engine.dispose()
