from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import pytest
from shapely import Point

from boundaries.dataset import load_demo
from boundaries.select import Selection
from hotspots.streets import hot_streets
from layers.export import analysis_layers, export_layers
from layers.hotspot_layers import hotspot_map
from layers.metadata import ExportMetadata
from layers.streets import (
    hot_street_layer,
    hot_street_legend_entries,
    street_export_layer,
    street_table,
    street_walk_layers,
)
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.network import StreetNetwork, network_from_graph
from spatial.street_walks import plan_street_walk
from tasking.products import export_analyses

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 530_000.0, 180_000.0
META = ExportMetadata(
    title="hot streets",
    area="Test town",
    audience="police",
    min_count=None,
    period=("2025-01", "2025-06"),
    created_utc="2026-01-02T03:04:05+00:00",
)


def chain() -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    for node in range(1, 5):
        g.add_node(node, x=X0 + 100 * (node - 1), y=Y0)
    names = ["A Street", "<B> & Lane", "C Street"]
    for node, name in zip(range(1, 4), names, strict=True):
        g.add_edge(node, node + 1, length=100.0, name=name)
    return network_from_graph(g)


def crimes() -> gpd.GeoDataFrame:
    xs = np.array([50, 120, 130, 210, 220, 230, 240, 250, 260, 265, 270]) + X0
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, [Y0 + 2] * len(xs)), crs=BNG)


def test_hot_street_lines_are_drawn_coloured_with_escaped_names() -> None:
    hot = hot_streets(crimes(), network=chain())
    layer = hot_street_layer(hot)
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Test"], "ward_code": ["E1"]},
        geometry=[chain().edges_frame().union_all().buffer(50)],
        crs=BNG,
    )
    page = (
        hotspot_map(
            wards, layer, legend_title="Hot streets", legend_entries=hot_street_legend_entries(hot)
        )
        .get_root()
        .render()
    )
    assert "\\u0026lt;B\\u0026gt; \\u0026amp; Lane" in page  # html-escaped inside JSON
    assert "<B> & Lane" not in page
    assert "LineString" in page
    table = street_table(hot, top_n=2)
    assert table["Street"].tolist() == ["C Street", "<B> & Lane"]
    assert table["Crimes"].tolist() == [8, 2]
    assert list(table.columns) == [
        "Rank",
        "Street",
        "Crimes",
        "Length (m)",
        "Per 100 m",
        "Crimes per km (network KDE)",
    ]
    gi = hot_streets(crimes(), network=chain(), method="gistar")
    assert [e.label for e in hot_street_legend_entries(gi)] == ["No significant street"]
    assert "Class" in street_table(gi).columns


def test_street_exports_write_lines_with_the_audience_fields(tmp_path: Path) -> None:
    hot = hot_streets(crimes(), network=chain())
    layer = street_export_layer(hot, provenance="police.uk")
    assert layer.provenance == "police.uk"
    police = export_layers([layer], tmp_path / "police.gpkg", metadata=META, audience="police")
    frame = gpd.read_file(police.paths[0], layer="streets")
    assert set(frame.geom_type) == {"LineString"}
    assert frame["n_crimes"].tolist() == [1, 2, 8]
    assert {"segment_id", "name", "length_m", "per_100m", "density_per_km"} <= set(frame.columns)
    partner = export_layers(
        [layer], tmp_path / "partner.geojson", metadata=META, audience="partner"
    )
    data = json.loads(partner.paths[0].read_text())
    props = [f["properties"] for f in data["features"]]
    assert [p["n_crimes"] for p in props] == [None, None, 8]  # below 5 suppressed
    assert all("per_100m" not in p and "density_per_km" not in p for p in props)
    assert data["features"][0]["geometry"]["type"] == "LineString"
    kml = export_layers([layer], tmp_path / "streets.kml", metadata=META, audience="police")
    assert pyogrio.read_info(kml.paths[0], layer="streets")["features"] == 3
    with pytest.raises(ParameterError, match="public preset does not allow the streets layer"):
        export_layers([layer], tmp_path / "public.gpkg", metadata=META, audience="public")


def test_street_counts_of_a_force_extract_leave_for_the_police_only(tmp_path: Path) -> None:
    """Exact crimes counted on 100 m segments (or a few metres of lixel) are finer than cells."""
    hot = hot_streets(crimes(), network=chain())
    layer = street_export_layer(hot, provenance="extract")
    assert layer.provenance == "extract"
    police = export_layers([layer], tmp_path / "police.gpkg", metadata=META, audience="police")
    frame = gpd.read_file(police.paths[0], layer="streets")
    assert frame["n_crimes"].tolist() == [1, 2, 8]  # the police keep every count
    for fmt in ("gpkg", "geojson", "kml"):
        with pytest.raises(ParameterError) as refused:
            export_layers([layer], tmp_path / f"p.{fmt}", metadata=META, audience="partner")
        message = str(refused.value)
        assert message.startswith("The streets layer of a force extract is not shared with ")
        assert "pieces of street much shorter than 100 m" in message
        assert "Export it for the police audience" in message
        assert "crimes per 100 m cell" in message
    assert not list(tmp_path.glob("p.*"))  # refused before anything was written


def test_the_export_workflow_adds_hot_streets_from_the_demo_network() -> None:
    area = load_demo()
    analyses = export_analyses(area, Selection(wards=("Castle",)), layers=["streets"])
    built = analysis_layers(analyses)
    (layer,) = built.layers
    assert layer.kind == "streets"
    assert "segment_id" in layer.frame.columns
    assert int(layer.frame["n_crimes"].sum()) > 0
    assert "Network kernel density" in built.metadata.methods["streets"]["method"]


def test_street_walk_layers_hold_the_loop_and_the_streets_in_order() -> None:
    net = chain()
    hot = hot_streets(crimes(), network=net)
    walk = plan_street_walk(net, hot.top(2), start=Point(X0, Y0), max_minutes=30)
    loop, streets = street_walk_layers(walk)
    assert (loop.kind, streets.kind) == ("routes", "routes")
    assert loop.frame["length_m"].iloc[0] == pytest.approx(600)  # there and back along 300 m
    assert streets.frame["order"].tolist() == [1, 2]
    names = {n.split(": ", 1)[1] for n in streets.frame["name"]}
    assert names == {"<B> & Lane", "C Street"}
