from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import geopandas as gpd
import gpxpy
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely import Point

from layers.pdf import html_to_pdf
from layers.routes import (
    point_from_lonlat,
    route_map_svg,
    route_sheet_html,
    route_to_geojson,
    route_to_gpx,
    route_to_kml,
    write_catchments,
)
from spatial.catchments import walking_catchments
from spatial.crs import BNG
from spatial.errors import OutsideGreatBritainError, ParameterError, PatchmapError
from spatial.network import StreetNetwork, load_network, network_from_graph
from spatial.routes import EVA_CHECKLIST, EvaRoute, plan_eva_route

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import numpy.typing as npt


X0, Y0 = 545_000.0, 258_000.0
TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)
KML = "{http://www.opengis.net/kml/2.2}"


def grid(n: int = 5) -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    for r in range(n):
        for c in range(n):
            g.add_node(r * n + c, x=X0 + c * 100, y=Y0 + r * 100)
    for r in range(n):
        for c in range(n):
            a = r * n + c
            if c < n - 1:
                g.add_edge(a, a + 1, length=100.0, name=f"Row {r}", highway="footway")
            if r < n - 1:
                g.add_edge(a, a + n, length=100.0, name=f"Col {c}", highway="footway")
    return network_from_graph(g)


@pytest.fixture(scope="module")
def net() -> StreetNetwork:
    return grid()


@pytest.fixture(scope="module")
def route(net: StreetNetwork) -> EvaRoute:
    stops = gpd.GeoDataFrame(
        {"label": ["Alley <b>&</b> garages", "Park gate", "Far corner"], "weight": [3, 2, 1]},
        geometry=[Point(X0 + 200, Y0 + 5), Point(X0 + 205, Y0 + 300), Point(X0 + 400, Y0 + 405)],
        crs=BNG,
    )
    # the loop through the first two is 1,000 m (12.5 min) + 6 min at stops = 18.5 min; the far
    # corner alone is a 1,600 m round trip (20 min) + 3 min: too far for 20 min
    return plan_eva_route(net, stops, start=Point(X0, Y0), start_label="Hub", max_minutes=20)


def back_to_bng(lonlat: list[tuple[float, float]]) -> npt.NDArray[np.float64]:
    x, y = TO_BNG.transform([p[0] for p in lonlat], [p[1] for p in lonlat])
    return np.column_stack([x, y]).astype(np.float64)


def test_gpx_parses_back_with_the_same_points(route: EvaRoute) -> None:
    gpx = gpxpy.parse(route_to_gpx(route, name="Walk 1"))
    points = [(p.longitude, p.latitude) for p in gpx.tracks[0].segments[0].points]
    np.testing.assert_allclose(back_to_bng(points), shapely.get_coordinates(route.line), atol=0.01)
    names = [w.name for w in gpx.waypoints]
    labels = [str(label) for label in route.stops["label"]]
    assert names == ["Start: Hub"] + [f"Stop {i + 1}: {lab}" for i, lab in enumerate(labels)]
    assert sorted(labels) == ["Alley <b>&</b> garages", "Park gate"]
    assert all("Fly-tipping" in (w.description or "") for w in gpx.waypoints[1:])
    stop_xy = back_to_bng([(w.longitude, w.latitude) for w in gpx.waypoints[1:]])
    np.testing.assert_allclose(stop_xy, shapely.get_coordinates(route.stops.geometry), atol=0.01)
    assert gpx.tracks[0].name == "Walk 1"


def test_kml_parses_and_escapes(route: EvaRoute) -> None:
    text = route_to_kml(route)
    assert "<b>" not in text
    root = ET.fromstring(text)  # noqa: S314  # our own output
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) == 1 + 1 + len(route.stops)
    coords = marks[0].find(f".//{KML}coordinates")
    assert coords is not None
    assert coords.text is not None
    lonlat = [(float(c.split(",")[0]), float(c.split(",")[1])) for c in coords.text.split()]
    np.testing.assert_allclose(back_to_bng(lonlat), shapely.get_coordinates(route.line), atol=0.05)
    descriptions = [m.findtext(f"{KML}description") or "" for m in marks[2:]]
    assert all("Residents spoken to" in d for d in descriptions)


def test_kml_names_read_back_exactly_and_descriptions_show_markup_as_text(
    route: EvaRoute, tmp_path: Path
) -> None:
    labels = ["Smith & Sons <script>alert(1)</script>", "]]> \"q\" 'a' Café"]
    hostile = dataclasses.replace(
        route, stops=route.stops.assign(label=labels), start_label="Hub ]]> & <b>Café</b>"
    )
    text = route_to_kml(hostile, name="Walk & <i>talk</i> ]]>")
    assert "<script" not in text.lower()
    assert "<b>" not in text
    root = ET.fromstring(text)  # noqa: S314  # our own output: well-formed
    names = [m.findtext(f"{KML}name") for m in root.iter(f"{KML}Placemark")]
    expected = ["Walk & <i>talk</i> ]]>", "Start: Hub ]]> & <b>Café</b>"]
    expected += [f"Stop {i + 1}: {label}" for i, label in enumerate(labels)]
    assert names == expected
    assert root.findtext(f"{KML}Document/{KML}name") == "Walk & <i>talk</i> ]]>"
    # Google Earth renders <description> as HTML: the name in bold and the text, each escaped
    # once for HTML, so the only tags are patchmap's <b> and <br>
    descriptions = [m.findtext(f"{KML}description") or "" for m in root.iter(f"{KML}Placemark")]
    assert descriptions[2] == (
        "<b>Stop 1: Smith &amp; Sons &lt;script&gt;alert(1)&lt;/script&gt;</b><br>Arrive about"
        + descriptions[2].partition("<br>Arrive about")[2]
    )
    assert "<" not in descriptions[2].partition("<br>")[2]
    assert descriptions[1].startswith("<b>Start: Hub ]]&gt; &amp; &lt;b&gt;Café&lt;/b&gt;</b><br>")
    # the one balloon template shows $[description] only: no name or field substituted
    balloons = [t.text for t in root.iter(f"{KML}text")]
    assert balloons == ["$[description]", "$[description]"]
    styles = {m.findtext(f"{KML}styleUrl") for m in root.iter(f"{KML}Placemark")}
    assert styles == {"#route", "#patchmap_balloon"}
    path = tmp_path / "route.kml"
    path.write_text(text, encoding="utf-8")
    points = gpd.read_file(path).query("geometry.geom_type == 'Point'")
    assert points["Name"].tolist() == expected[1:]


def test_geojson_has_the_route_start_and_stops_with_checklists(route: EvaRoute) -> None:
    data = json.loads(route_to_geojson(route))
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds == ["route", "start"] + ["stop"] * len(route.stops)
    assert data["features"][0]["properties"]["distance_m"] == pytest.approx(
        route.distance_m, abs=0.1
    )
    stops = [f["properties"] for f in data["features"][2:]]
    assert [s["order"] for s in stops] == [1, 2]
    assert all(s["checklist"] == list(EVA_CHECKLIST) for s in stops)
    assert set(stops[0]) == {"kind", "order", "label", "weight", "arrival_min", "checklist"}
    frame = gpd.read_file(route_to_geojson(route))
    assert frame.crs is not None
    assert frame.crs.to_epsg() == 4326


def test_route_sheet_html_has_map_stops_directions_and_one_checklist_per_stop(
    net: StreetNetwork, route: EvaRoute
) -> None:
    page = route_sheet_html(route, title="Abbey EVA <1>", network=net, subtitle="Team & co")
    assert "<b>&</b>" not in page
    assert "Alley &lt;b&gt;&amp;&lt;/b&gt; garages" in page
    assert "Abbey EVA &lt;1&gt;" in page
    assert page.count("<svg") == 1
    assert page.count("Sightlines and hiding places") == len(route.stops)
    assert "Far corner" in page  # left out, with its reason
    assert "Directions" in page
    assert "OpenStreetMap" in page
    svg = route_map_svg(route, network=net)
    ET.fromstring(svg)  # noqa: S314  # well-formed XML, our own output
    assert svg.count("<circle") == len(route.stops) + len(route.left_out)
    with pytest.raises(ParameterError, match="positive"):
        route_map_svg(route, width_px=0)


def test_route_sheet_pdf_reads_back_its_title_summary_and_stops_in_order(
    net: StreetNetwork, route: EvaRoute, pdf_text: Callable[[bytes], str]
) -> None:
    sheet = route_sheet_html(route, title="Abbey EVA <1>", network=net, subtitle="Team & co")
    text = pdf_text(html_to_pdf(sheet))
    assert "Abbey EVA <1>" in text
    assert "Team & co" in text
    assert f"{route.distance_m:,.0f} m" in text
    assert "start and finish: Hub" in text
    labels = [str(label) for label in route.stops["label"]]
    assert sorted(labels) == ["Alley <b>&</b> garages", "Park gate"]
    rows = [f"{i} {label}" for i, label in enumerate(labels, start=1)]
    positions = [text.find(row) for row in rows]
    assert -1 not in positions, (rows, text)
    assert positions == sorted(positions)  # the stop table lists them in walking order
    assert text.count("Sightlines and hiding places") == len(labels)  # one checklist per stop
    assert "Far corner" in text  # left out, with its reason


def test_route_sheet_pdf_keeps_an_emoji_in_a_stop_name(
    net: StreetNetwork, route: EvaRoute, pdf_text: Callable[[bytes], str]
) -> None:
    name = "Caf\u00e9 \u00fcn\u00ef \U0001f693"
    named = dataclasses.replace(route, stops=route.stops.assign(label=[name, "Park gate"]))
    text = pdf_text(html_to_pdf(route_sheet_html(named, title="EVA", network=net)))
    assert f"1 {name}" in text, (
        "the emoji is missing from the PDF: install Debian's fonts-noto-color-emoji "
        f"(make system-deps). Text: {text[:300]}"
    )


def test_pdf_without_chromium_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(PatchmapError, match="apt-get install chromium"):
        html_to_pdf("<p>x</p>", chromium_path=tmp_path / "no-chromium")


def test_point_from_lonlat_refuses_swapped_coordinates() -> None:
    x, y = TO_BNG.transform(0.1192, 52.2048)
    assert point_from_lonlat(0.1192, 52.2048).equals_exact(Point(x, y), 1e-6)
    with pytest.raises(OutsideGreatBritainError, match="longitude first"):
        point_from_lonlat(52.2048, 0.1192)


def test_catchments_round_trip_through_geopackage(net: StreetNetwork, tmp_path: Path) -> None:
    sites = gpd.GeoDataFrame({"name": ["Hub"]}, geometry=[Point(X0 + 200, Y0 + 200)], crs=BNG)
    catchments = walking_catchments(net, sites, minutes=[2, 4])
    path = write_catchments(catchments, tmp_path / "c.gpkg")
    back = gpd.read_file(path, layer="catchments")
    assert back.crs is not None
    assert back.crs.to_epsg() == 27700
    assert back["minutes"].tolist() == [2.0, 4.0]
    assert back["site_name"].tolist() == ["Hub", "Hub"]
    np.testing.assert_allclose(back.geometry.area, catchments.geometry.area)
    with pytest.raises(ParameterError, match=r"\*\.gpkg"):
        write_catchments(catchments, tmp_path / "c.shp")


@pytest.mark.shared
def test_cambridge_route_gpx_parses_back(cambridge_dir: Path) -> None:
    network = load_network(cambridge_dir / "osm" / "cambridge_drive.graphml")
    stops = gpd.GeoDataFrame(
        geometry=[point_from_lonlat(0.1218, 52.2077), point_from_lonlat(0.1303, 52.2026)], crs=BNG
    )
    route = plan_eva_route(
        network, stops, start=point_from_lonlat(0.119212, 52.204835), start_label="Guildhall"
    )
    gpx = gpxpy.parse(route_to_gpx(route))
    points = [(p.longitude, p.latitude) for p in gpx.tracks[0].segments[0].points]
    np.testing.assert_allclose(back_to_bng(points), shapely.get_coordinates(route.line), atol=0.01)
    assert len(gpx.waypoints) == 3


def test_eva_map_draws_route_catchments_and_sites_with_vendored_assets_only(
    net: StreetNetwork, route: EvaRoute
) -> None:
    import folium  # noqa: PLC0415  # only the map tests need it

    from layers.basemap import APP_STATIC_URL, asset_links  # noqa: PLC0415
    from layers.routes import eva_map  # noqa: PLC0415

    wards = gpd.GeoDataFrame(
        {"ward_name": ["Test <ward>"]},
        geometry=[shapely.box(X0 - 100, Y0 - 100, X0 + 500, Y0 + 500)],
        crs=BNG,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["Hub"], "kind": ["police"], "opening_notes": [""]},
        geometry=[Point(X0, Y0)],
        crs=BNG,
    )
    catchments = walking_catchments(net, sites, minutes=[2, 4])
    m = eva_map(wards, route=route, catchments=catchments, sites=sites, tiles="none")
    js, css = asset_links(m)
    assert all(url.startswith(APP_STATIC_URL) for url in js + css)
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]  # noqa: SLF001
    assert [g.layer_name for g in groups] == [
        "Walking catchments",
        "Wards",
        "Co-location sites",
        "EVA route",
    ]
    page = m.get_root().render()
    assert "Alley <b>" not in page  # labels are escaped in tooltips
    assert "4 min walk" in page
    children = list(groups[-1]._children.values())  # noqa: SLF001
    circles = [c for c in children if isinstance(c, folium.CircleMarker)]
    markers = [c for c in children if type(c) is folium.Marker]
    assert len(markers) == len(route.stops) + 1  # numbered stops and the start
    assert len(circles) == len(route.left_out)


def test_stop_table_round_trips_and_reports_bad_rows() -> None:
    from layers.routes import stop_table, stops_from_table  # noqa: PLC0415
    from spatial.errors import InputDataError  # noqa: PLC0415

    stops = gpd.GeoDataFrame(
        {"label": ["A", "B"], "weight": [2.0, 5.0]},
        geometry=[Point(X0, Y0), Point(X0 + 300, Y0 + 100)],
        crs=BNG,
    )
    table = stop_table(stops)
    assert list(table.columns) == ["include", "label", "weight", "lon", "lat"]
    back = stops_from_table(table)
    np.testing.assert_allclose(
        shapely.get_coordinates(back.geometry), shapely.get_coordinates(stops.geometry), atol=0.1
    )
    assert back["weight"].tolist() == [2.0, 5.0]
    table.loc[0, "include"] = False
    table.loc[2] = [True, "", None, 0.1192, 52.2048]  # a stop added by hand, no weight
    edited = stops_from_table(table)
    assert edited["label"].tolist() == ["B", "Stop 2"]
    assert edited["weight"].tolist() == [5.0, 1.0]
    table.loc[3] = [True, "Nowhere", 1.0, None, None]
    with pytest.raises(InputDataError, match="'Nowhere' has no longitude/latitude"):
        stops_from_table(table)


def test_stop_table_names_stops_from_a_name_column_as_route_planning_does() -> None:
    from layers.routes import stop_table  # noqa: PLC0415
    from spatial.routes import stop_labels  # noqa: PLC0415

    stops = gpd.GeoDataFrame(
        {"name": ['Bene\'t & "Co"', None, "Caf\u00e9 \U0001f693"], "weight": [2.0, 5.0, 1.0]},
        geometry=[Point(X0, Y0), Point(X0 + 300, Y0 + 100), Point(X0 + 50, Y0 + 400)],
        crs=BNG,
    )
    table = stop_table(stops)
    assert table["label"].tolist() == ['Bene\'t & "Co"', "Stop 2", "Caf\u00e9 \U0001f693"]
    assert table["label"].tolist() == stop_labels(stops)


def test_cli_route_sheet_pdf_shows_the_stops_of_the_route_it_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Callable[[Path], str]
) -> None:
    from patchmap.cli import main  # noqa: PLC0415  # the CLI sits above the packages

    sheet = tmp_path / "castle.pdf"
    args = ["route", "--demo", "--ward", "Castle", "--max-minutes", "45", "--sheet", str(sheet)]
    assert main([*args, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    text = pdf_text(sheet)
    squeezed = text.replace(" ", "")  # narrow table cells may wrap long labels in the PDF
    start = record["start"]["label"]
    assert f"start and finish: {start}" in text
    assert f"{record['distance_m']:,.0f} m" in text
    arrivals = [t for t in record["turns"] if t.startswith("Arrive at stop")]
    assert len(arrivals) == len(record["stops_visited"]) > 0
    positions = [squeezed.find(t.replace(" ", "")) for t in arrivals]
    assert -1 not in positions, (arrivals, text)
    assert positions == sorted(positions)  # the directions list the stops in walking order
