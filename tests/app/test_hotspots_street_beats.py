"""Patrol beats along the hot streets on the Hotspots page (Streets method): table and files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.select import Selection, select_points
from hotspots.streets import hot_streets
from spatial.errors import ParameterError
from spatial.network import load_network
from tasking.street_beats import gistar_beats

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/hotspots.py"


def test_streets_method_builds_and_exports_patrol_beats(demo_area: StudyArea) -> None:
    assert demo_area.network_path is not None
    network = load_network(demo_area.network_path)
    points = select_points(demo_area, Selection(months=(demo_area.months[0], demo_area.months[-1])))
    gi = hot_streets(points, network=network, method="gistar")
    expected = gistar_beats(gi.lines, network=network)
    assert len(expected) >= 1

    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="hotspot_method").set_value("Streets").run()
    assert not any(s.value == "Patrol beats along the hot streets" for s in at.subheader)
    at.toggle(key="street_beats_show").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Patrol beats along the hot streets" in [s.value for s in at.subheader]
    (shown,) = [d.value for d in at.dataframe if "beat_id" in d.value.columns]
    assert shown["beat_id"].tolist() == expected["beat_id"].tolist()
    assert shown["n_crimes"].tolist() == expected["n_crimes"].tolist()
    assert shown["streets"].tolist() == expected["streets"].tolist()
    labels = [str(b.proto.label) for b in at.get("download_button")]
    assert "GeoPackage (QGIS, ArcGIS)" in labels
    assert any("KML" in label for label in labels)
    assert at.radio(key="street_beats_audience").value == "partner"
    at.radio(key="street_beats_audience").set_value("police").run()
    assert not at.exception, at.exception


def test_beat_download_holds_the_beats(demo_area: StudyArea, tmp_path: Path) -> None:
    """The GeoPackage offered is the beats' layer with the partner's fields."""
    from app_pages import _ui  # noqa: PLC0415  # the cached wrapper the page calls

    assert demo_area.network_path is not None
    network = load_network(demo_area.network_path)
    selection = Selection(months=(demo_area.months[0], demo_area.months[-1]))
    gi = hot_streets(select_points(demo_area, selection), network=network, method="gistar")
    beats = gistar_beats(gi.lines, network=network)
    files = _ui.street_beat_files.__wrapped__(  # type: ignore[attr-defined]
        "demo", selection, ("test",), "partner", beats, demo_area
    )
    (gpkg,) = [f for f in files if f.key == "gpkg"]
    path = tmp_path / gpkg.file_name
    path.write_bytes(gpkg.data)
    frame = gpd.read_file(path, layer="street_beats")
    assert frame["beat_id"].tolist() == beats["beat_id"].tolist()
    assert "per_100m" not in frame.columns
    assert frame.crs is not None


def test_beats_of_a_force_extract_are_offered_to_the_police_only(
    demo_area: StudyArea, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A beat can be one short segment: an extract's exact crimes counted on it stay police."""
    from app_pages import _ui  # noqa: PLC0415  # the cached wrapper the page calls

    area = dataclasses.replace(demo_area, provenance="extract")
    monkeypatch.setattr(_ui, "load_current", lambda: ("demo-as-extract", area))
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="hotspot_method").set_value("Streets").run()
    at.toggle(key="street_beats_show").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error
    beats_for = at.radio(key="street_beats_audience")
    assert list(beats_for.options) == ["Police"]  # as shown (capitalised)
    assert beats_for.value == "police"
    why = [c.value for c in at.caption if "streets layer of a force extract" in c.value]
    assert len(why) == 1
    assert "Export it for the police audience" in why[0]
    labels = [str(b.proto.label) for b in at.get("download_button")]
    assert "GeoPackage (QGIS, ArcGIS)" in labels  # the police's file


def test_the_beat_files_of_a_force_extract_refuse_partners(demo_area: StudyArea) -> None:
    from app_pages import _ui  # noqa: PLC0415  # the cached wrapper the page calls

    assert demo_area.network_path is not None
    network = load_network(demo_area.network_path)
    selection = Selection(wards=("Castle",))
    gi = hot_streets(select_points(demo_area, selection), network=network, method="gistar")
    beats = gistar_beats(gi.lines, network=network)
    assert len(beats) >= 1
    area = dataclasses.replace(demo_area, provenance="extract")
    build = _ui.street_beat_files.__wrapped__  # type: ignore[attr-defined]
    with pytest.raises(ParameterError, match="streets layer of a force extract is not shared"):
        build("x", selection, ("test",), "partner", beats, area)
    police = build("x", selection, ("test",), "police", beats, area)
    assert {f.key for f in police} == {"gpkg", "kml", "all"}
