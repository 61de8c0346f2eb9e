"""Patrol beats along hot streets on the map and in exports (layers.streets)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import pyogrio
import pytest
from shapely import Point

from layers.export import export_layers
from layers.hotspot_layers import hotspot_map
from layers.metadata import ExportMetadata
from layers.problems import PATROL_AREA_COLOUR
from layers.streets import street_beat_export_layer, street_beat_layer
from spatial.crs import BNG
from spatial.errors import CRSError, MissingColumnError, ParameterError
from spatial.network import StreetNetwork, network_from_graph
from tasking.street_beats import street_beats

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 530_000.0, 180_000.0
META = ExportMetadata(
    title="street beats",
    area="Test town",
    audience="police",
    min_count=None,
    period=("2025-01", "2025-06"),
    created_utc="2026-01-02T03:04:05+00:00",
)


def two_chains() -> StreetNetwork:
    """Two separate streets of two 100 m segments each, 1 km apart."""
    g = nx.MultiDiGraph(crs=BNG)
    names = {1: "<B> & Lane", 2: "<B> & Lane", 4: "Far Road", 5: "Far Road"}
    for node in range(1, 7):
        g.add_node(node, x=X0 + 100 * ((node - 1) % 3) + 1000 * (node > 3), y=Y0)
    for node, name in names.items():
        g.add_edge(node, node + 1, length=100.0, name=name)
    return network_from_graph(g)


def beats() -> gpd.GeoDataFrame:
    network = two_chains()
    hot = gpd.GeoDataFrame(
        {"n_crimes": [9, 6, 2, 1], "name": ["<B> & Lane", "<B> & Lane", "Far Road", "Far Road"]},
        geometry=list(network.edge_geometry),
        index=range(4),
        crs=BNG,
    )
    return street_beats(hot, network=network)


def test_beats_are_drawn_in_the_patrol_colour_with_escaped_names() -> None:
    frame = beats()
    assert frame["n_crimes"].tolist() == [15, 3]  # two beats: the streets are not connected
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Test"], "ward_code": ["E1"]},
        geometry=[Point(X0 + 600, Y0).buffer(900)],
        crs=BNG,
    )
    page = hotspot_map(wards, street_beat_layer(frame), legend_title="Beats", legend_entries=[])
    html = page.get_root().render()
    assert "\\u0026lt;B\\u0026gt; \\u0026amp; Lane" in html  # html-escaped inside JSON
    assert "<B> & Lane" not in html
    assert "Beat 1" in html
    assert "Beat 2" in html
    assert "MultiLineString" in html
    assert PATROL_AREA_COLOUR in html


def test_beat_exports_carry_the_beat_fields_for_police_and_suppress_for_partners(
    tmp_path: Path,
) -> None:
    layer = street_beat_export_layer(beats(), provenance="police.uk")
    assert layer.kind == "streets"
    police = export_layers([layer], tmp_path / "police.gpkg", metadata=META, audience="police")
    frame = gpd.read_file(police.paths[0], layer="street_beats")
    assert frame["beat_id"].tolist() == [1, 2]
    assert frame["n_crimes"].tolist() == [15, 3]
    assert frame["length_m"].tolist() == [200.0, 200.0]
    assert frame["streets"].tolist() == ["<B> & Lane", "Far Road"]
    assert set(frame.geom_type) == {"MultiLineString"}
    partner = export_layers([layer], tmp_path / "p.geojson", metadata=META, audience="partner")
    props = [f["properties"] for f in json.loads(partner.paths[0].read_text())["features"]]
    assert [p["n_crimes"] for p in props] == [15, None]  # 3 is below the partner threshold
    assert [p["beat_id"] for p in props] == [1, 2]
    kml = export_layers([layer], tmp_path / "beats.kml", metadata=META, audience="police")
    assert pyogrio.read_info(kml.paths[0], layer="street_beats")["features"] == 2
    with pytest.raises(ParameterError, match="public preset does not allow the streets layer"):
        export_layers([layer], tmp_path / "public.gpkg", metadata=META, audience="public")


def test_beats_of_a_force_extract_are_for_the_police_only(tmp_path: Path) -> None:
    """A beat can be one short segment: its count locates exact crimes finer than a cell."""
    layer = street_beat_export_layer(beats(), provenance="extract")
    assert layer.provenance == "extract"
    police = export_layers([layer], tmp_path / "police.gpkg", metadata=META, audience="police")
    assert gpd.read_file(police.paths[0], layer="street_beats")["n_crimes"].tolist() == [15, 3]
    with pytest.raises(ParameterError, match="streets layer of a force extract is not shared"):
        export_layers([layer], tmp_path / "p.gpkg", metadata=META, audience="partner")
    assert not (tmp_path / "p.gpkg").exists()


def test_beat_layers_refuse_frames_that_are_not_beats() -> None:
    frame = beats()
    with pytest.raises(MissingColumnError, match=r"street beats lack \['streets'\]"):
        street_beat_layer(frame.drop(columns="streets"))
    with pytest.raises(MissingColumnError, match=r"tasking\.street_beats"):
        street_beat_export_layer(frame.drop(columns="beat_id"), provenance="police.uk")
    with pytest.raises(CRSError):
        street_beat_layer(frame.to_crs(4326))


def test_beats_as_an_overlay_are_defined_before_the_layer_control() -> None:
    frame = beats()
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Test"], "ward_code": ["E1"]},
        geometry=[Point(X0 + 600, Y0).buffer(900)],
        crs=BNG,
    )
    overlay = street_beat_layer(frame)
    base = street_beat_layer(frame.iloc[:0], layer_name="Nothing")
    html = (
        hotspot_map(wards, base, legend_title="Beats", legend_entries=[], overlays=[overlay])
        .get_root()
        .render()
    )
    name = overlay.get_name()
    # the layer control's script names the overlay: it must be defined (var ...) before
    assert html.index(f"var {name} = ") < html.index("L.control.layers")
    assert "Beat 2" in html
