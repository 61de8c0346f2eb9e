"""Hostile names (markup, CDATA ends, ampersands, quotes) never reach a file or map as markup."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import geopandas as gpd
import pyogrio
import pytest

from boundaries.select import Selection, select_points, select_wards
from hotspots.clusters import dbscan_clusters
from hotspots.tables import snap_point_counts
from layers.audience import get_preset
from layers.basemap import LegendEntry
from layers.briefing import render_briefing
from layers.export import analysis_layers, export_layers
from layers.hotspot_layers import cluster_layer, gistar_layer, hotspot_map
from layers.map import crime_map
from layers.routes import eva_map, route_sheet_html, route_to_geojson, route_to_gpx, route_to_kml
from tasking.pack import briefing_content
from tasking.products import export_analyses
from tests.layers._kml_html import KML, balloon_html, check_balloon_styles, table_rows

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea
    from layers.audience import Audience
    from spatial.routes import EvaRoute

HOSTILE = "<script>alert(1)</script> ]]> & \"q\" 'a'"
WARD = f"Castle {HOSTILE}"
SITE = f"Station {HOSTILE}"
LOCATION = f"On or near {HOSTILE}"
RAW_MARKUP = "<script>alert(1)</script>"
MEETING = dt.date(2025, 11, 14)


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
    # Google Earth's balloons: the one template substitutes only $[description], and each
    # description is patchmap's table (a placemark's) or text (the document's) with every
    # value HTML-escaped, so the hostile names show as typed and nothing else is a tag
    check_balloon_styles(root)
    document = root.findtext(f"{KML}Document/{KML}description") or ""
    (shown_text,) = balloon_html(document, allowed=frozenset())
    assert f"Filter wards: {WARD}" in shown_text.splitlines()
    shown = [
        value
        for placemark in root.iter(f"{KML}Placemark")
        for _, value in table_rows(placemark.findtext(f"{KML}description") or "")
    ]
    assert {LOCATION, WARD, SITE} <= set(shown)
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
    check_balloon_styles(root)
    # rendered as HTML: the stop's name in bold and its text, both escaped, no other tag
    marks = list(root.iter(f"{KML}Placemark"))
    shown = [
        balloon_html(m.findtext(f"{KML}description") or "", allowed=frozenset({"b", "br"}))
        for m in marks
    ]
    assert [texts[0] for texts in shown] == [m.findtext(f"{KML}name") for m in marks]
    assert f"Start: {SITE}" in [texts[0] for texts in shown]
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


# the fields GDAL's LIBKML reader gives every KML layer, besides the layer's own <SimpleField>s
LIBKML_FIELDS = {"id", "Name", "description", "timestamp", "begin", "end", "altitudeMode"}
LIBKML_FIELDS |= {"tessellate", "extrude", "visibility", "drawOrder", "icon", "geometry"}


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_partner_and_public_kml_balloons_show_only_the_exported_fields(
    area: StudyArea, tmp_path: Path, audience: Audience
) -> None:
    preset = get_preset(audience)
    layers = ["wards", "crimes", "hotspots", "hot_areas", "clusters", "routes", "sites"]
    layers = [name for name in layers if name in preset.allowed_layers]
    analyses = export_analyses(
        area, Selection(wards=(WARD,)), layers=layers, min_cell_m=preset.min_cell_m
    )
    built = analysis_layers(analyses, audience=audience)
    result = export_layers(
        built.layers,
        tmp_path,
        metadata=built.metadata,
        audience=audience,
        wards=analyses.selected_wards,
        formats=("kml", "geojson"),
    )
    (kml,) = [p for p in result.paths if p.suffix == ".kml"]
    text = kml.read_text(encoding="utf-8")
    _no_markup(text)
    root = ET.fromstring(text)  # noqa: S314  # our own output
    check_balloon_styles(root)
    shown: set[str] = set()
    for folder in root.iter(f"{KML}Folder"):
        layer = folder.findtext(f"{KML}name") or ""
        # the GeoJSON of the same export holds the audience's fields for this layer
        geojson = json.loads((tmp_path / f"{layer}.geojson").read_text(encoding="utf-8"))
        keys = {k for f in geojson["features"] for k in f["properties"]}
        labels = {k for k in keys if k.lower() in {"name", "description"}}
        schema = {
            field.get("name")
            for s in root.iter(f"{KML}Schema")
            if s.get("name") == layer
            for field in s.iter(f"{KML}SimpleField")
        }
        assert schema == keys - labels  # no new field in the KML
        back = pyogrio.read_dataframe(kml, layer=layer)
        assert set(back.columns) - LIBKML_FIELDS == schema
        placemarks = folder.findall(f"{KML}Placemark")
        assert len(placemarks) == len(geojson["features"])
        for placemark, feature in zip(placemarks, geojson["features"], strict=True):
            rows = dict(table_rows(placemark.findtext(f"{KML}description") or ""))
            simple = {d.get("name"): d.text or "" for d in placemark.iter(f"{KML}SimpleData")}
            # the table holds what the placemark carries, under the layer's own field names
            assert set(rows) <= keys
            assert {k: v for k, v in rows.items() if k in simple} == simple
            for label in set(rows) - set(simple):
                assert label in labels
                expected = placemark.findtext(f"{KML}name") if label.lower() == "name" else None
                assert rows[label] == (expected or feature["properties"][label])
            shown |= set(rows.values())
    assert WARD in shown  # the hostile ward name, shown as text
