"""Hostile names (markup, CDATA ends, ampersands, quotes) never reach a file or map as markup."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from boundaries.select import Selection, select_points, select_wards
from hotspots.clusters import dbscan_clusters
from hotspots.tables import snap_point_counts
from layers.basemap import LegendEntry
from layers.briefing import render_briefing
from layers.export import analysis_layers, export_layers
from layers.hotspot_layers import cluster_layer, gistar_layer, hotspot_map
from layers.map import crime_map
from layers.routes import eva_map, route_sheet_html, route_to_geojson, route_to_gpx, route_to_kml
from tasking.pack import briefing_content
from tasking.products import export_analyses

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea
    from spatial.routes import EvaRoute

HOSTILE = "<script>alert(1)</script> ]]> & \"q\" 'a'"
WARD = f"Castle {HOSTILE}"
SITE = f"Station {HOSTILE}"
LOCATION = f"On or near {HOSTILE}"
RAW_MARKUP = "<script>alert(1)</script>"
MEETING = dt.date(2025, 11, 14)
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def area(demo_area: StudyArea) -> StudyArea:
    """The demo town with one ward, its crimes' locations and a site given hostile names."""
    demo = demo_area
    wards = demo.wards.copy()
    wards.loc[wards["ward_name"] == "Castle", "ward_name"] = WARD
    points = demo.points.copy()
    castle = points["ward"] == "Castle"
    points.loc[castle, "ward"] = WARD
    points.loc[castle, "location"] = LOCATION
    assert demo.sites is not None
    sites = demo.sites.copy()
    sites.loc[sites["name"] == "Fenbridge Town Hall", "name"] = SITE
    return dataclasses.replace(
        demo, wards=wards, points=points, sites=sites, label=f"Demo {HOSTILE}"
    )


@pytest.fixture(scope="module")
def route(area: StudyArea) -> EvaRoute:
    analyses = export_analyses(area, Selection(wards=(WARD,)), layers=["routes"])
    assert analyses.route is not None
    assert analyses.route.start_label == SITE  # the hostile site starts the walk
    stops = analyses.route.stops.assign(
        label=[f"{HOSTILE} {i}" for i in range(len(analyses.route.stops))]
    )
    return dataclasses.replace(analyses.route, stops=stops)


def _no_markup(text: str) -> None:
    assert RAW_MARKUP not in text
    assert "<script" not in text.lower()


def _cdata_closed(text: str) -> None:
    """Every CDATA section that opens closes once: no ``]]>`` inside one."""
    assert text.count("<![CDATA[") == text.count("]]>")


def test_every_export_format_keeps_hostile_names_as_text(area: StudyArea, tmp_path: Path) -> None:
    layers = ["wards", "crimes", "hotspots", "hot_areas", "clusters", "routes", "sites"]
    analyses = export_analyses(area, Selection(wards=(WARD,)), layers=layers)
    built = analysis_layers(analyses, audience="police")
    result = export_layers(
        built.layers,
        tmp_path / "out",
        metadata=built.metadata,
        audience="police",
        wards=analyses.selected_wards,
        formats=("gpkg", "geojson", "csv", "kml", "gpx", "shp"),
    )
    by_suffix: dict[str, list[Path]] = {}
    for path in result.paths:
        by_suffix.setdefault(path.suffix, []).append(path)
    (kml,) = by_suffix[".kml"]
    text = kml.read_text(encoding="utf-8")
    _no_markup(text)
    _cdata_closed(text)
    root = ET.fromstring(text)  # noqa: S314  # our own output: well-formed despite the names
    # names and fields are text, escaped once for XML: they read back as the data
    texts = [el.text or "" for el in root.iter()]
    assert LOCATION in texts
    descriptions = [el.text or "" for el in root.iter(f"{KML}description")]
    assert descriptions  # the document's, rendered as HTML: escaped, so no tag in it
    assert not any("<" in d for d in descriptions)
    crimes = gpd.read_file(kml, layer="crimes")
    assert LOCATION in set(crimes["location"])
    wards = gpd.read_file(kml, layer="wards")
    assert WARD in set(wards["ward_name"])
    for gpx in by_suffix[".gpx"]:
        raw = gpx.read_text(encoding="utf-8")
        _no_markup(raw)
        parsed = ET.fromstring(raw)  # noqa: S314  # our own output
        assert any(HOSTILE in (el.text or "") for el in parsed.iter())  # plain text, escaped XML
    crimes = json.loads((tmp_path / "out" / "crimes.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["location"] for f in crimes["features"]} >= {LOCATION}
    with (tmp_path / "out" / "sites.csv").open(encoding="utf-8", newline="") as handle:
        assert SITE in {row["name"] for row in csv.DictReader(handle)}
    wards = gpd.read_file(tmp_path / "out" / "patchmap_police.gpkg", layer="wards")
    assert WARD in set(wards["ward_name"])


def test_route_files_and_sheet_escape_hostile_names(route: EvaRoute) -> None:
    kml = route_to_kml(route, name=HOSTILE)
    _no_markup(kml)
    root = ET.fromstring(kml)  # noqa: S314  # our own output
    names = [el.text or "" for el in root.iter(f"{KML}name")]
    assert f"Start: {SITE}" in names  # text, escaped once for XML: reads back as the data
    assert HOSTILE in names
    descriptions = [el.text or "" for el in root.iter(f"{KML}description")]
    assert not any("<" in d for d in descriptions)  # rendered as HTML: no tag in them
    gpx = route_to_gpx(route, name=HOSTILE)
    _no_markup(gpx)
    assert any(HOSTILE in (el.text or "") for el in ET.fromstring(gpx).iter())  # noqa: S314
    features = json.loads(route_to_geojson(route))["features"]
    assert features[1]["properties"]["label"] == SITE  # data, not markup
    sheet = route_sheet_html(route, title=HOSTILE, subtitle=WARD)
    _no_markup(sheet)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; &quot;q&quot;" in sheet


def test_maps_escape_hostile_names_in_popups_and_tooltips(area: StudyArea, route: EvaRoute) -> None:
    selection = Selection(wards=(WARD,))
    wards, points = select_wards(area, selection), select_points(area, selection)
    pages = [
        crime_map(wards, snap_point_counts(points), sites=area.sites, tiles="none"),
        eva_map(wards, route=route, sites=area.sites, tiles="none"),
        hotspot_map(
            wards,
            cluster_layer(dbscan_clusters(points).clusters),
            legend_title=HOSTILE,
            legend_entries=[LegendEntry(HOSTILE, "#000000", "square")],
            tiles="none",
        ),
    ]
    analyses = export_analyses(area, selection, layers=["hotspots"])
    assert analyses.hotspots is not None
    gi = gistar_layer(analyses.hotspots.cells)
    pages.append(hotspot_map(wards, gi, legend_title="Gi*", legend_entries=[], tiles="none"))
    for page in pages:
        rendered = page.get_root().render()
        assert "<script>alert" not in rendered
        assert "</script> ]]>" not in rendered
        assert "&lt;script&gt;alert(1)" in rendered or "\\u0026lt;script\\u0026gt;alert" in rendered


def test_briefing_pack_escapes_hostile_names(area: StudyArea) -> None:
    content = briefing_content(area, meeting=MEETING, ward=WARD)
    pack = render_briefing(content, area, audience="police")
    assert RAW_MARKUP not in pack.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pack.html
