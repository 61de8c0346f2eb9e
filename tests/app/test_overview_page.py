"""The sidebar's Store choice and the Force overview page, on a store of the Cambridge months."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from boundaries.dataset import load_study_area_from_store
from boundaries.population import ward_population
from patchmap.cli import main
from spatial.store import ingest
from tests.app._pages import cambridge_folder_page

if TYPE_CHECKING:
    import pandas as pd

APP = str(Path(__file__).resolve().parents[2] / "app.py")
OVERVIEW = "app_pages/overview.py"
WARD_TABLE_KEY = "overview_wards"
PICK_KEY = "overview_ward"
MEASURE_KEY = "overview_measure"


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Profile page reads the tasking log: give every test its own."""
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")


def _choose_store(store: Path, wards: Path, **extra: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.STORE).run()
    at.text_input(key=_ui.STORE_DIR_KEY).set_value(str(store))
    at.text_input(key=_ui.STORE_WARDS_KEY).set_value(str(wards))
    for key, path in extra.items():
        at.text_input(key=key).set_value(str(path))
    at.run()
    assert not at.exception, at.exception
    return at


def _ward_table(at: AppTest) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if "Crimes" in d.value.columns]
    return table


def _count(text: str, what: str) -> int:
    (found,) = re.findall(rf"([\d,]+) {re.escape(what)}", text)
    return int(found.replace(",", ""))


def test_store_choice_reads_the_wards_crimes(
    cambridge_store: Path, cambridge_dir: Path, tmp_path: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    assert not at.error
    (caption,) = [c.value for c in at.sidebar.caption if "crimes in 14 wards" in c.value]
    assert "17,785 crimes in 14 wards" in caption  # SOURCES.md: inside wards.geojson
    # Outside the wards is one figure, the command's; the part read and the part counted follow.
    out = tmp_path / "summary.json"  # not stdout: the app's loggers write to the captured stream
    wards = str(cambridge_dir / "wards.geojson")
    assert (
        main(["summary", "--store", str(cambridge_store), "--wards", wards, "--out", str(out)]) == 0
    )
    summary = json.loads(out.read_text(encoding="utf-8"))
    n_outside = _count(caption, "outside the wards")
    assert n_outside == summary["n_outside_wards"]
    n_read, n_unread = _count(caption, "in the wards' extent"), _count(caption, "elsewhere in")
    assert n_read > 0
    assert n_unread > 0
    assert n_read + n_unread == n_outside
    assert "elsewhere in the store, counted, not read)" in caption
    assert _count(caption, "without a location") == summary["n_without_location"]
    assert _count(caption, "crimes in 14 wards") == summary["n_inside_wards"]
    # Every existing page works on it: the Map page's table counts the same crimes.
    table = at.dataframe[0].value
    assert table.loc["Market", "All crimes"] == 4_206


def test_force_overview_from_the_store_matches_the_published_counts(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert not at.error
    table = _ward_table(at)
    assert len(table) == 14
    assert int(table["Crimes"].sum()) == 17_785
    assert table.loc["Market", "Crimes"] == 4_206
    assert table.index[0] == "Market"  # sorted, busiest first
    # No population loaded: crimes only, and the page says how to get rates.
    assert at.radio(key=MEASURE_KEY).options == ["Crimes"]
    assert any("per 1,000" in c.value for c in at.caption)
    (by_month,) = [d.value for d in at.dataframe if "2024-09" in map(str, d.value.columns)]
    assert by_month.loc["Market"].to_numpy().sum() == 4_206
    assert len(by_month.columns) == 13
    # outside the wards: the total the same files give, with the part the store read named
    outside = (
        "70,313 located outside them (1,369 in the wards' extent; 68,944 elsewhere in the "
        "store, counted, not read)"
    )
    assert any(outside in c.value for c in at.caption)
    folder = cambridge_folder_page(cambridge_dir, OVERVIEW)
    same = "17,785 crimes in 14 wards, 70,313 located outside them."
    assert any(same in c.value for c in folder.caption)


def test_force_overview_maps_rates_with_populations(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    population = cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv"
    lsoas = cambridge_dir / "boundaries" / "lsoa_2021.geojson"
    at = _choose_store(
        cambridge_store,
        cambridge_dir / "wards.geojson",
        **{_ui.STORE_POPULATION_KEY: population, _ui.STORE_LSOAS_KEY: lsoas},
    )
    at.switch_page(OVERVIEW).run()
    at.radio(key=MEASURE_KEY).set_value("rate_per_1000").run()
    assert not at.exception, at.exception
    area = load_study_area_from_store(
        cambridge_store, cambridge_dir / "wards.geojson", population=population, lsoas=lsoas
    )
    assert area.population is not None
    assert area.lsoas is not None
    residents = ward_population(area.wards, area.lsoas, area.population).by_ward["Market"]
    table = _ward_table(at)
    # The whole period's crimes per 1,000 (its help names the period) and its average a year.
    rate = float(table["Per 1,000"].loc["Market"])
    assert rate == pytest.approx(1000 * 4_206 / residents)
    assert table.loc["Market", "Per 1,000 a year"] == pytest.approx(rate * 12 / 13)
    (shown,) = [d for d in at.dataframe if "Crimes" in d.value.columns]
    config = json.loads(shown.proto.columns)
    assert config["Crimes"]["type_config"]["format"] == "%,d"  # 4,206, not 4206
    assert config["Per 1,000 a year"]["type_config"]["format"] == "%,.1f"
    assert "2024-09 to 2025-09 (13 months)" in config["Per 1,000"]["help"]
    # short labels: a long one widened its column past the table's edge, values out of sight
    assert all(len(label) <= 16 for label in table.columns)
    # The Profile of the same ward over the same months gives the same rate (as the command).
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Market"]).run()
    at.switch_page("app_pages/profile.py").run()
    at.radio(key="profile_period").set_value("Months chosen in the sidebar").run()
    (metric,) = [m for m in at.metric if m.label.startswith("Per 1,000")]
    assert metric.label == "Per 1,000 residents (13 months)"
    assert "2024-09 to 2025-09 (13 months)" in metric.help
    assert metric.value == f"{rate:,.1f}"


def test_picking_a_ward_opens_its_profile(cambridge_store: Path, cambridge_dir: Path) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.switch_page(OVERVIEW).run()
    at.selectbox(key=PICK_KEY).set_value("Romsey").run()
    assert not at.exception, at.exception
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Romsey"]
    # The page link (what a click on it does: the same widget values, the Profile page).
    (link,) = [e for e in at.get("page_link") if "Romsey" in e.proto.label]
    assert "profile" in link.proto.page
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Romsey"]
    assert at.selectbox(key="profile_area").value == "Romsey"
    assert any(t.value == "Profile" for t in at.title)


def test_force_overview_works_on_the_demo_too() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert not at.error
    table = _ward_table(at)
    caption = next(c.value for c in at.sidebar.caption if "crimes in" in c.value)
    assert f"{int(table['Crimes'].sum()):,} crimes in {len(table)} wards" in caption


def test_a_folder_that_is_not_a_store_is_an_error(tmp_path: Path, cambridge_dir: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a store")
    at = _choose_store(tmp_path, cambridge_dir / "wards.geojson")
    assert "not a patchmap store" in at.error[0].value
    at = _choose_store(tmp_path / "missing", cambridge_dir / "wards.geojson")
    assert "missing: no such folder." in at.error[0].value


def test_a_folder_of_crime_files_given_as_a_store_says_how_to_read_them(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crimes, wards = cambridge_dir / "crimes", cambridge_dir / "wards.geojson"
    at = _choose_store(crimes, wards)
    shown = at.error[0].value
    assert "It holds 13 .csv or .zip files: to read crime files, give them to --crimes" in shown
    assert "(in the app: Folder on this computer)" in shown
    assert _ui.plain(f"patchmap ingest {crimes} --store NEW_FOLDER") in shown  # as text
    assert main(["summary", "--store", str(crimes), "--wards", str(wards)]) == 2
    error = capsys.readouterr().err
    assert _ui.plain(error) == f"patchmap: error: {shown}\n"  # the same message, as text


def test_an_empty_store_is_an_error(tmp_path: Path, cambridge_dir: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        json.dumps({"version": 1, "partitions": {}, "sources": {}})
    )
    at = _choose_store(tmp_path, cambridge_dir / "wards.geojson")
    assert "holds no crime data yet" in at.error[0].value


def test_wards_outside_the_stores_forces_are_an_error(
    cambridge_store: Path, tmp_path: Path
) -> None:
    wards = tmp_path / "field.geojson"  # fields west of Cambridge: the nearest crime is 960 m away
    square = [[0.078, 52.189], [0.082, 52.189], [0.082, 52.191], [0.078, 52.191], [0.078, 52.189]]
    feature = {
        "type": "Feature",
        "properties": {"WD23NM": "Coton fields"},
        "geometry": {"type": "Polygon", "coordinates": [square]},
    }
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    at = _choose_store(cambridge_store, wards)
    message = at.error[0].value
    assert "No crime in the store falls inside these wards (1 ward)" in message
    assert "The store holds Cambridgeshire Constabulary, 2024-09 to 2025-09" in message
    # Manchester: inside the force's extent (a few points lie far away) but in no 5 km square
    # holding its points, so no partition is opened.
    manchester = [[-2.25, 53.47], [-2.23, 53.47], [-2.23, 53.49], [-2.25, 53.49], [-2.25, 53.47]]
    feature["geometry"] = {"type": "Polygon", "coordinates": [manchester]}
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    at = _choose_store(cambridge_store, wards)
    assert "the store holds no crimes around these wards" in at.error[0].value
    assert "(it has Cambridgeshire Constabulary, 2024-09 to 2025-09)" in at.error[0].value
    # Far west of every stored point (the Isles of Scilly): the store reads no partition at all.
    scilly = [[-6.35, 49.9], [-6.25, 49.9], [-6.25, 49.97], [-6.35, 49.97], [-6.35, 49.9]]
    feature["geometry"] = {"type": "Polygon", "coordinates": [scilly]}
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    at = _choose_store(cambridge_store, wards)
    assert "the store holds no crimes around these wards" in at.error[0].value


def test_wards_of_another_area_get_a_warning_in_the_sidebar(
    cambridge_store: Path, cambridge_dir: Path, tmp_path: Path
) -> None:
    wards = gpd.read_file(cambridge_dir / "wards.geojson").to_crs(27700)
    moved = tmp_path / "elsewhere.geojson"  # onto north London: 11 stray points fall inside
    wards.set_geometry(wards.translate(-15_000, -78_000)).to_file(moved)
    at = _choose_store(cambridge_store, moved)
    (warning,) = [w.value for w in at.sidebar.warning]
    assert warning.startswith("The 14 wards of elsewhere.geojson hold 11 of the 88,098 crimes")
    assert "look like two different areas" in warning
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    assert not at.sidebar.warning


def test_a_new_ingest_is_read_on_the_next_run(cambridge_dir: Path, tmp_path: Path) -> None:
    crimes = sorted((cambridge_dir / "crimes").glob("*.csv"))
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(crimes[0], first)
    store = tmp_path / "store"
    ingest([first], store_dir=store)
    wards = cambridge_dir / "wards.geojson"
    at = _choose_store(store, wards)
    assert any(" wards" in c.value for c in at.sidebar.caption)
    one_month = len(load_study_area_from_store(store, wards).points)
    assert any(f"{one_month:,} crimes in 14 wards" in c.value for c in at.sidebar.caption)
    ingest([crimes[1]], store_dir=store)  # next month: the manifest changes
    at.run()
    two_months = len(load_study_area_from_store(store, wards).points)
    assert two_months > one_month
    assert any(f"{two_months:,} crimes in 14 wards" in c.value for c in at.sidebar.caption)


def test_force_overview_follows_the_months_and_types_chosen(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.select_slider(key=_ui.MONTHS_KEY).set_value(("2025-01", "2025-03")).run()
    at.multiselect(key=_ui.CRIME_TYPES_KEY).set_value(["Burglary", "Shoplifting"]).run()
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    area = load_study_area_from_store(cambridge_store, cambridge_dir / "wards.geojson")
    points = area.points
    chosen = points.loc[
        points["month"].astype(str).between("2025-01", "2025-03")
        & points["crime_type"].isin(["Burglary", "Shoplifting"])
    ]
    expected = chosen["ward"].value_counts()
    table = _ward_table(at)
    assert int(table["Crimes"].sum()) == len(chosen)
    assert table["Crimes"].to_dict() == {w: int(expected.get(w, 0)) for w in area.ward_names}
    (by_month,) = [d.value for d in at.dataframe if "2025-01" in map(str, d.value.columns)]
    assert [str(c) for c in by_month.columns] == ["2025-01", "2025-02", "2025-03"]


def _follow_profile_link(at: AppTest) -> str:
    """Do what a click on the "Profile of <ward>" link does: its query, the Profile page."""
    (link,) = at.get("page_link")
    assert "profile" in link.proto.page
    at.query_params.update({k: v[0] for k, v in parse_qs(link.proto.query_string).items()})
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    return str(link.proto.label)


def test_the_link_opens_the_ward_the_box_shows_untouched(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.switch_page(OVERVIEW).run()
    assert at.selectbox(key=PICK_KEY).value == "Market"  # the busiest, shown first
    assert at.multiselect(key=_ui.WARDS_KEY).value == []  # looking selects nothing
    assert _follow_profile_link(at) == "Profile of Market"
    assert at.subheader[0].value.startswith("Market, ")  # not Abbey, the first by name
    assert at.selectbox(key="profile_area").value == "Market"
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Market"]
    assert "ward" not in at.query_params  # applied once, then dropped from the address
    at.switch_page(OVERVIEW).run()
    assert at.selectbox(key=PICK_KEY).value == "Market"


def test_a_ward_the_demo_shares_does_not_survive_a_switch_to_the_store(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(OVERVIEW).run()
    assert at.selectbox(key=PICK_KEY).value == "Castle"  # the demo's busiest, a Cambridge name
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.STORE).run()
    at.text_input(key=_ui.STORE_WARDS_KEY).set_value(str(cambridge_dir / "wards.geojson")).run()
    at.text_input(key=_ui.STORE_DIR_KEY).set_value(str(cambridge_store)).run()
    assert not at.exception, at.exception
    box = at.selectbox(key=PICK_KEY)
    assert (box.value, box.index) == ("Market", 0)
    assert _follow_profile_link(at) == "Profile of Market"
    assert at.subheader[0].value.startswith("Market, ")


def test_the_box_and_the_link_follow_the_sidebars_one_ward(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Newnham"]).run()
    at.switch_page(OVERVIEW).run()
    assert at.selectbox(key=PICK_KEY).value == "Newnham"
    at.selectbox(key=PICK_KEY).set_value("Castle").run()  # the page's own choice
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Castle"]
    assert _follow_profile_link(at) == "Profile of Castle"
    assert at.subheader[0].value.startswith("Castle, ")


def test_profile_and_pack_open_on_the_sidebars_one_ward(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    at = _choose_store(cambridge_store, cambridge_dir / "wards.geojson")
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Market"]).run()
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="profile_area").value == "Market"
    assert at.subheader[0].value.startswith("Market, ")
    at.selectbox(key="profile_area").set_value("Romsey").run()  # the page's own choice wins
    assert at.subheader[0].value.startswith("Romsey, ")
    at.switch_page("app_pages/exports.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="brief_area").value == "Market"
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Petersfield"]).run()  # a new choice: followed
    assert at.selectbox(key="brief_area").value == "Petersfield"
    # Several chosen: the page keeps one and says which.
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Market", "Abbey"]).run()
    assert at.selectbox(key="brief_area").value == "Petersfield"
    (note,) = [c.value for c in at.caption if "sidebar chooses" in c.value]
    assert "Market and Abbey" in note
    assert "**Petersfield**" in note
    at.switch_page("app_pages/profile.py").run()
    heading = at.subheader[0].value.split(",")[0]
    (note,) = [c.value for c in at.caption if "sidebar chooses" in c.value]
    assert f"here **{heading}**" in note


def test_an_empty_folder_as_the_store_says_so_as_the_command_does(
    tmp_path: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    wards = cambridge_dir / "wards.geojson"
    at = _choose_store(empty, wards)
    shown = at.error[0].value
    assert "the folder is empty, not a patchmap store. Make one with" in shown
    assert main(["summary", "--store", str(empty), "--wards", str(wards)]) == 2
    assert _ui.plain(capsys.readouterr().err) == f"patchmap: error: {shown}\n"
