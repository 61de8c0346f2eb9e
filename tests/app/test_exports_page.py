from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from app_pages import _ui
from boundaries.dataset import load_demo
from boundaries.select import Selection
from layers.audience import DEFAULT_MIN_COUNT, MIN_COUNT_RULE, get_preset, min_count_floor_message
from patchmap.cli import main
from spatial.errors import ParameterError
from tasking.pack import pack_period
from tasking.profile import build_profile
from tests.app._pages import (
    EXPORTS,
    cambridge_folder_page,
    demo_app,
    exports_page,
    record_returns,
    saved_names,
)
from tests.layers._export_text import file_texts, fine_cell_labels, small_counts

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

    from boundaries.dataset import StudyArea
    from layers.audience import Audience
    from layers.export import Download


def _download_labels(at: AppTest) -> list[str]:
    return [str(element.proto.label) for element in at.get("download_button")]


def test_exports_page_offers_each_format_for_partners() -> None:
    at = exports_page()
    assert not at.error
    assert at.radio(key="export_audience").value == "partner"
    assert at.number_input(key="export_min_count").value == 5
    assert list(at.multiselect(key="export_layers").value) == [
        "hotspots",
        "density",
        "clusters",
        "sites",
    ]
    assert not [c for c in at.caption if "co-location sites" in c.value]  # the demo town's
    labels = _download_labels(at)  # laid out in four columns
    assert sorted(labels) == sorted(
        [
            "GeoPackage (QGIS, ArcGIS)",
            "KML (Google Earth)",
            "GeoTIFF density raster",
            "GeoJSON (web maps)",
            "CSV tables (spreadsheets)",
            "Everything (zip)",
        ]
    )


def test_uploaded_data_without_sites_says_what_export_says(
    demo_area: StudyArea,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Files a user uploads bring no co-location sites: the sites layer is left out, and said."""
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    assert demo_area.network_path is not None
    folder = demo_area.network_path.parent
    (crimes,) = (folder / "crimes").rglob(f"{demo_area.months[-1]}-*-street.csv")
    wards = folder / "wards.geojson"
    at = demo_app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.UPLOAD).run()
    at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value(
        [(crimes.name, crimes.read_bytes(), "text/csv")]
    )
    at.file_uploader(key=_ui.UPLOAD_WARDS_KEY).set_value(
        (wards.name, wards.read_bytes(), "application/geo+json")
    ).run()
    at = exports_page(at)
    assert not at.error, [e.value for e in at.error]
    assert "sites" in at.multiselect(key="export_layers").value  # the default layers, as export's
    notes = [c.value for c in at.caption if "co-location sites" in c.value]
    capsys.readouterr()
    out = tmp_path / "upload"
    assert main(["export", "--crimes", str(crimes), "--wards", str(wards), "--out", str(out)]) == 0
    said = [n for n in capsys.readouterr().err.splitlines() if "co-location sites" in n]
    assert said == [f"patchmap: {n}" for n in notes]
    (note,) = notes
    assert note == (
        "No co-location sites are loaded (give --sites FILE: CSV with name, kind, lon, lat, or "
        "GeoJSON; app: only the demo town carries them here): the sites layer is left out."
    )
    with tempfile.TemporaryDirectory() as temp:
        gpkg = Path(temp) / "x.gpkg"
        gpkg.write_bytes({f.key: f for f in made["partner"]}["gpkg"].data)
        written = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert written == [n for n, _ in pyogrio.list_layers(out / "patchmap_partner.gpkg")]
    assert written == ["hotspots", "clusters"]


def test_routes_add_a_gpx_download_and_shapefile_only_when_asked() -> None:
    at = exports_page()
    at.multiselect(key="export_layers").set_value(["hotspots", "routes"]).run()
    at.checkbox(key="export_shapefile").check().run()
    assert not at.exception, at.exception
    labels = _download_labels(at)
    assert "GPX route (phone GPS apps)" in labels
    assert "Shapefile (zipped)" in labels
    assert "GeoTIFF density raster" not in labels


def test_public_audience_cannot_choose_routes() -> None:
    at = exports_page()
    at.multiselect(key="export_layers").set_value(["hotspots", "routes"]).run()
    at.radio(key="export_audience").set_value("public").run()
    assert not at.exception, at.exception
    layers = at.multiselect(key="export_layers")
    assert "EVA route and stops" not in layers.options  # the options as shown
    assert "Clusters (DBSCAN)" in layers.options
    assert list(layers.value) == ["hotspots"]
    assert "GPX route (phone GPS apps)" not in _download_labels(at)


def test_briefing_pack_is_one_click_away() -> None:
    at = exports_page()
    assert "Briefing pack (PDF)" not in _download_labels(at)
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    labels = _download_labels(at)
    assert "Briefing pack (PDF)" in labels
    assert "Briefing pack (HTML)" in labels
    ward = at.selectbox(key="brief_area").value
    assert any(f"Briefing pack: {ward}" in h.value for h in at.subheader)
    assert any("Sections: Cover, Map, Profile" in m.value for m in at.markdown)


def test_pack_with_an_eva_route_for_a_neighbourhood() -> None:
    at = exports_page()
    options = at.selectbox(key="brief_area").options
    neighbourhood = next(o for o in options if o.endswith("(neighbourhood)"))
    at.selectbox(key="brief_area").select(neighbourhood.removesuffix(" (neighbourhood)")).run()
    at.checkbox(key="brief_route").check().run()
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Briefing pack (PDF)" in _download_labels(at)


def test_public_threshold_is_at_least_ten() -> None:
    at = exports_page()
    at.radio(key="export_audience").set_value("public").run()
    assert not at.exception, at.exception
    assert at.number_input(key="export_min_count").value == 10
    at.radio(key="export_audience").set_value("police").run()
    assert not at.exception, at.exception
    assert not [n for n in at.number_input if n.key == "export_min_count"]  # no suppression


def test_the_public_floor_is_said_as_the_command_says_it() -> None:
    at = exports_page()
    at.radio(key="export_audience").set_value("public").run()
    said = min_count_floor_message("public", DEFAULT_MIN_COUNT)
    assert said.startswith("A threshold of 5 is below 10, the lowest for public files")
    # the page raised 5 itself: it says so, then why, as the command refuses --min-count 5
    assert f"Raised to 10. {said}" in [c.value for c in at.caption]
    assert at.number_input(key="export_min_count").help == MIN_COUNT_RULE


def test_back_to_partners_the_threshold_is_the_partners_again() -> None:
    """The public's floor raised 5 to 10; partners get 5 back, as `export` gives them."""
    at = exports_page()
    threshold = "export_min_count"
    at.number_input(key=threshold).set_value(7).run()
    at.radio(key="export_audience").set_value("public").run()
    assert at.number_input(key=threshold).value == 10
    at.radio(key="export_audience").set_value("partner").run()
    assert not at.exception, at.exception
    assert at.number_input(key=threshold).value == 7  # the partner's own choice
    at.radio(key="export_audience").set_value("public").run()
    at.number_input(key=threshold).set_value(15).run()  # chosen on the public's page
    at.radio(key="export_audience").set_value("partner").run()
    assert at.number_input(key=threshold).value == 15  # a choice is never undone


def test_without_a_street_network_routes_are_not_offered(cambridge_dir: Path) -> None:
    at = cambridge_folder_page(cambridge_dir, EXPORTS)
    assert not at.exception, at.exception
    layers = at.multiselect(key="export_layers")
    assert "EVA route and stops" not in layers.options  # choosing it stopped the page and pack
    assert "Hot streets" not in str(layers.options)
    assert "Clusters (DBSCAN)" in layers.options  # the options as shown
    assert any("need the area's street network" in c.value for c in at.caption)
    assert at.button(key="brief_build") is not None


def test_the_pack_follows_the_sidebar_crime_types_and_months_when_asked() -> None:
    at = exports_page()
    at.multiselect(key="crime_types").set_value(["Shoplifting"]).run()
    at.select_slider(key="months").set_value(("2025-01", "2025-06")).run()
    at.selectbox(key="brief_area").select("Castle").run()
    assert any("Crime types come from the sidebar: Shoplifting." in c.value for c in at.caption)
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    demo = load_demo()
    meeting = at.date_input(key="brief_meeting").value
    assert isinstance(meeting, dt.date)
    period = pack_period(demo, meeting)
    default = build_profile(demo, wards=("Castle",), months=period, crime_types=("Shoplifting",))
    first, last = default.months
    expected = f"The pack covers {first} to {last}, Shoplifting: {default.n_crimes:,} crimes."
    assert any(expected in c.value for c in at.caption), [c.value for c in at.caption]
    at.radio(key="brief_period").set_value("Months chosen in the sidebar").run()
    assert not at.exception, at.exception
    chosen = build_profile(
        demo, wards=("Castle",), months=("2025-01", "2025-06"), crime_types=("Shoplifting",)
    )
    expected = f"The pack covers 2025-01 to 2025-06, Shoplifting: {chosen.n_crimes:,} crimes."
    assert any(expected in c.value for c in at.caption), [c.value for c in at.caption]
    assert chosen.n_crimes != default.n_crimes


def test_the_pages_partner_and_public_files_carry_nothing_finer_than_the_audience(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page's own files (Castle, ASB, every month: an EVA stop of 2 crimes, clusters)."""
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    at = demo_app()
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Castle"])
    at.multiselect(key=_ui.CRIME_TYPES_KEY).set_value(["Anti-social behaviour"]).run()
    at = exports_page(at)
    at.multiselect(key="export_layers").set_value(["clusters", "routes", "hot_areas"]).run()
    at.radio(key="export_audience").set_value("public").run()
    assert not at.exception, at.exception
    checks: tuple[tuple[Audience, float], ...] = (("partner", 100.0), ("public", 250.0))
    for audience, cell_m in checks:
        files = {f.key: f for f in made[audience]}
        texts = {files["all"].file_name: file_texts(files["all"].file_name, files["all"].data)}
        preset = get_preset(audience)
        assert preset.min_count is not None
        assert small_counts(texts, min_count=preset.min_count) == []
        assert fine_cell_labels(texts, min_cell_m=preset.min_cell_m) == []
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "x.gpkg"
            path.write_bytes(files["gpkg"].data)
            clusters = gpd.read_file(path, layer="clusters")
            stops = gpd.read_file(path, layer="route_stops") if audience == "partner" else None
        assert len(clusters) > 0
        for outline in clusters.geometry:  # unions of whole audience cells
            assert outline.area >= cell_m**2 - 1e-6
            assert np.allclose(shapely.get_coordinates(outline) % cell_m, 0.0, atol=1e-6)
        if stops is not None:
            assert len(stops) > 0
            assert np.allclose(shapely.get_coordinates(stops.geometry.to_numpy()) % cell_m, 50.0)
            assert all(
                n.startswith(f"Stop {o}: 100 m cell E")
                for n, o in zip(stops["name"], stops["order"], strict=True)
            )


def test_download_names_say_the_audience_the_area_and_the_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = saved_names(monkeypatch)  # the file names the browser saves under
    at = exports_page()
    area = load_demo()
    spaced = "Fenbridge North and East"  # a neighbourhood: the pack follows it too
    at.multiselect(key=_ui.NEIGHBOURHOODS_KEY).set_value([spaced]).run()
    stem = "patchmap_partner_Fenbridge_North_and_East_2024-10_to_2025-09"
    assert f"{stem}.gpkg" in names
    assert f"{stem}.zip" in names
    # The pack: one name per audience, so a police pack and a partner pack never collide.
    packs = {}
    for audience in ("police", "partner", "public"):
        names.clear()
        at.radio(key="export_audience").set_value(audience).run()
        at.button(key="brief_build").click().run()
        assert not at.exception, at.exception
        meeting = at.date_input(key="brief_meeting").value
        assert isinstance(meeting, dt.date)
        (pdf,) = {n for n in names if n.endswith(".pdf")}
        assert pdf == f"briefing_{audience}_Fenbridge_North_and_East_{meeting.isoformat()}.pdf"
        packs[audience] = pdf
        assert not [n for n in names if n.startswith(f"patchmap_{audience}.")]
    assert len(set(packs.values())) == 3
    assert _ui.export_name(Selection(wards=("A", "B")), area, "police").startswith(
        "patchmap_police_2_wards_"
    )
    assert _ui.export_name(Selection(), area, "public").startswith("patchmap_public_all_wards_")


def test_the_audience_and_its_threshold_are_kept_while_another_page_is_shown() -> None:
    at = exports_page()
    at.radio(key="export_audience").set_value("public").run()
    at.number_input(key="export_min_count").set_value(12).run()
    at.checkbox(key="export_shapefile").check().run()
    at.switch_page("app_pages/map.py").run()
    at.switch_page(EXPORTS).run()
    assert not at.exception, at.exception
    assert at.radio(key="export_audience").value == "public"
    assert at.number_input(key="export_min_count").value == 12
    assert at.checkbox(key="export_shapefile").value


def test_a_new_data_set_chosen_on_the_page_opens_it_as_new(cambridge_dir: Path) -> None:
    """The demo's pack choices (a route on its streets, a meeting date) do not carry over."""
    at = exports_page()
    at.radio(key="export_audience").set_value("police").run()
    at.checkbox(key="brief_route").check().run()
    at.date_input(key="brief_meeting").set_value(dt.date(2025, 12, 1)).run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(cambridge_dir / "wards.geojson")).run()
    assert not at.exception, at.exception
    assert at.radio(key="export_audience").value == "partner"  # the page's default again
    route = at.checkbox(key="brief_route")
    assert (route.value, route.disabled) == (False, True)  # no street network: not ticked
    assert at.date_input(key="brief_meeting").value != dt.date(2025, 12, 1)
    at.switch_page("app_pages/map.py").run()
    at.switch_page(EXPORTS).run()
    assert at.checkbox(key="brief_route").value is False  # nor brought back by a visit


DENSITY_LABEL = "Density (raster)"


def _as_extract(monkeypatch: pytest.MonkeyPatch) -> StudyArea:
    """Load the demo town's crimes as if they were a force extract's exact points."""
    area = dataclasses.replace(load_demo(), provenance="extract")
    monkeypatch.setattr(_ui, "load_current", lambda: ("demo-as-extract", area))
    return area


def test_an_extracts_density_is_not_offered_to_partners_or_the_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _as_extract(monkeypatch)
    at = demo_app()
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Castle"]).run()
    at = exports_page(at)
    assert not at.error
    for audience in ("partner", "public"):
        at.radio(key="export_audience").set_value(audience).run()
        assert not at.exception, at.exception
        layers = at.multiselect(key="export_layers")
        assert DENSITY_LABEL not in layers.options  # the options as shown
        assert "Hot streets" not in str(layers.options)  # street counts too (the demo has streets)
        assert "Clusters (DBSCAN)" in layers.options
        assert list(layers.value) == ["hotspots", "clusters", "sites"]  # the default, less density
        why = [c.value for c in at.caption if "density layer of a force extract" in c.value]
        assert len(why) == 1
        assert "inverted to the points" in why[0]
        assert "Export it for the police audience" in why[0]
        assert "GeoTIFF density raster" not in _download_labels(at)
    at.radio(key="export_audience").set_value("police").run()
    layers = at.multiselect(key="export_layers")
    assert DENSITY_LABEL in layers.options  # the police get everything
    assert "Hot streets" in str(layers.options)
    assert not [c for c in at.caption if "force extract is not shared" in c.value]
    layers.set_value(["hotspots", "density"]).run()
    assert not at.exception, at.exception
    assert "GeoTIFF density raster" in _download_labels(at)


def test_the_pages_files_of_an_extract_refuse_density_for_partners(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached function behind the page, as the CLI's export: the same refusal."""
    area = _as_extract(monkeypatch)
    build = _ui.export_files.__wrapped__  # type: ignore[attr-defined]
    selection = Selection(wards=("Castle",))
    with pytest.raises(ParameterError, match="density layer of a force extract is not shared"):
        build("x", selection, "partner", None, ("hotspots", "density"), False, area)  # noqa: FBT003
    files = build("x", selection, "police", None, ("density",), False, area)  # noqa: FBT003
    assert [f.key for f in files] == ["tif", "all"]
