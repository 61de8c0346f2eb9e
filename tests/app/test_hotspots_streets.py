"""The Streets method of the Hotspots page (AppTest): table, map and the same answer as the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.dataset import load_demo
from hotspots.streets import hot_streets
from layers.streets import street_table
from spatial.network import load_network

if TYPE_CHECKING:
    import pytest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/hotspots.py"


def _streets_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="hotspot_method").set_value("Streets").run()
    assert not at.exception
    assert not at.error
    return at


def test_streets_method_lists_the_same_top_streets_as_the_package() -> None:
    at = _streets_page()
    assert at.subheader[0].value == "Top streets"
    shown = at.dataframe[0].value
    area = load_demo()
    assert area.network_path is not None
    expected = street_table(hot_streets(area.points, network=load_network(area.network_path)))
    assert shown["Street"].tolist() == expected["Street"].tolist()
    assert shown["Crimes"].tolist() == expected["Crimes"].tolist()
    assert "Network kernel density, discontinuous" in at.info[0].value
    # the police-station artefact street and the night-time-economy street lead
    assert shown["Crimes"].iloc[0] > 100


def test_streets_gistar_per_lixel_shows_classes() -> None:
    at = _streets_page()
    at.selectbox(key="street_method").set_value("gistar").run()
    at.selectbox(key="street_per").set_value("lixel").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["Class"].iloc[0] == "Hot 99%"
    assert "Getis-Ord Gi*" in at.info[0].value
    assert "lixels (50 m pieces of street)" in at.info[0].value


def test_exports_page_offers_hot_streets_to_partners_but_not_the_public() -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("app_pages/exports.py").run()
    at.multiselect(key="export_layers").set_value(["streets"]).run()
    at.checkbox(key="export_shapefile").check().run()
    assert not at.exception, at.exception
    assert not at.error
    labels = [str(element.proto.label) for element in at.get("download_button")]
    assert "GeoPackage (QGIS, ArcGIS)" in labels
    assert "Shapefile (zipped)" in labels
    at.radio(key="export_audience").set_value("public").run()
    assert "streets" not in at.multiselect(key="export_layers").options


def test_eva_page_walks_hot_streets_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/eva_routes.py").run()
    at.radio(key="eva_stop_source").set_value("Hot streets (walked end to end)").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    (metric,) = [m for m in at.metric if m.label == "Stops visited"]
    visited = int(str(metric.value).split(" of ")[0])
    assert visited >= 1
    (time_metric,) = [m for m in at.metric if m.label == "Time"]
    assert int(str(time_metric.value).removesuffix(" min")) <= 60
    assert any("crimes)" in str(v) for v in at.dataframe[0].value["label"])  # hot street stops
