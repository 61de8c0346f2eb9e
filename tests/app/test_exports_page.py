from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.dataset import load_demo
from tasking.pack import pack_period
from tasking.profile import build_profile
from tests.app._pages import cambridge_folder_page

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _exports_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("app_pages/exports.py").run()
    assert not at.exception, at.exception
    return at


def _download_labels(at: AppTest) -> list[str]:
    return [str(element.proto.label) for element in at.get("download_button")]


def test_exports_page_offers_each_format_for_partners() -> None:
    at = _exports_page()
    assert not at.error
    assert at.radio(key="export_audience").value == "partner"
    assert at.number_input(key="export_min_count").value == 5
    assert list(at.multiselect(key="export_layers").value) == [
        "hotspots",
        "density",
        "clusters",
        "sites",
    ]
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


def test_routes_add_a_gpx_download_and_shapefile_only_when_asked() -> None:
    at = _exports_page()
    at.multiselect(key="export_layers").set_value(["hotspots", "routes"]).run()
    at.checkbox(key="export_shapefile").check().run()
    assert not at.exception, at.exception
    labels = _download_labels(at)
    assert "GPX route (phone GPS apps)" in labels
    assert "Shapefile (zipped)" in labels
    assert "GeoTIFF density raster" not in labels


def test_public_audience_cannot_choose_routes() -> None:
    at = _exports_page()
    at.multiselect(key="export_layers").set_value(["hotspots", "routes"]).run()
    at.radio(key="export_audience").set_value("public").run()
    assert not at.exception, at.exception
    layers = at.multiselect(key="export_layers")
    assert "routes" not in layers.options
    assert list(layers.value) == ["hotspots"]
    assert "GPX route (phone GPS apps)" not in _download_labels(at)


def test_briefing_pack_is_one_click_away() -> None:
    at = _exports_page()
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
    at = _exports_page()
    options = at.selectbox(key="brief_area").options
    neighbourhood = next(o for o in options if o.endswith("(neighbourhood)"))
    at.selectbox(key="brief_area").select(neighbourhood.removesuffix(" (neighbourhood)")).run()
    at.checkbox(key="brief_route").check().run()
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Briefing pack (PDF)" in _download_labels(at)


def test_public_threshold_is_at_least_ten() -> None:
    at = _exports_page()
    at.radio(key="export_audience").set_value("public").run()
    assert not at.exception, at.exception
    assert at.number_input(key="export_min_count").value == 10
    at.radio(key="export_audience").set_value("police").run()
    assert not at.exception, at.exception
    assert not [n for n in at.number_input if n.key == "export_min_count"]  # no suppression


def test_without_a_street_network_routes_are_not_offered(cambridge_dir: Path) -> None:
    at = cambridge_folder_page(cambridge_dir, "app_pages/exports.py")
    assert not at.exception, at.exception
    layers = at.multiselect(key="export_layers")
    assert "routes" not in layers.options  # choosing it stopped the page and its pack tab
    assert "streets" not in layers.options
    assert any("need the area's street network" in c.value for c in at.caption)
    assert at.button(key="brief_build") is not None


def test_the_pack_follows_the_sidebar_crime_types_and_months_when_asked() -> None:
    at = _exports_page()
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
    expected = f"The pack covers {first} to {last}, Shoplifting: {default.n_crimes:,} crimes"
    assert any(expected in c.value for c in at.caption), [c.value for c in at.caption]
    at.radio(key="brief_period").set_value("Months chosen in the sidebar").run()
    assert not at.exception, at.exception
    chosen = build_profile(
        demo, wards=("Castle",), months=("2025-01", "2025-06"), crime_types=("Shoplifting",)
    )
    expected = f"The pack covers 2025-01 to 2025-06, Shoplifting: {chosen.n_crimes:,} crimes"
    assert any(expected in c.value for c in at.caption), [c.value for c in at.caption]
    assert chosen.n_crimes != default.n_crimes
