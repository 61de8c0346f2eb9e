from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer
from shapely import LineString, Point

from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, InputDataError, OutsideGreatBritainError
from spatial.network import (
    DRIVE_NETWORK_NOTE,
    UNNAMED_STREET,
    load_network,
    network_from_graph,
    snap_to_edges,
    snap_to_nodes,
)

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 530_000.0, 180_000.0


def small_graph() -> nx.MultiDiGraph:
    """A 3-node street: 1 -> 2 one-way (with a longer parallel edge), 2 <-> 3, a self-loop."""
    g = nx.MultiDiGraph(crs=BNG)
    for n, (x, y) in {1: (X0, Y0), 2: (X0 + 100, Y0), 3: (X0 + 100, Y0 + 200)}.items():
        g.add_node(n, x=x, y=y)
    g.add_edge(1, 2, length=100.0, name="High Street", oneway=True, highway="residential")
    g.add_edge(1, 2, length=150.0, name="Back Lane", highway="residential")
    g.add_edge(2, 3, length=200.0, name=["Mill Road", "Mill Rd"], highway="footway")
    g.add_edge(3, 2, length=200.0, name=["Mill Road", "Mill Rd"], highway="footway")
    g.add_edge(3, 3, length=30.0, highway="footway")
    return g


def test_one_way_streets_are_walkable_both_ways_along_the_shortest_parallel_edge() -> None:
    net = network_from_graph(small_graph())
    assert net.n_nodes == 3
    assert net.n_edges == 2  # parallel and reverse edges merged, self-loop dropped
    dense = net.adjacency.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    a, b = net.node_position[1], net.node_position[2]
    assert dense[a, b] == 100.0
    assert net.edge_name[net.edge_between(a, b)] == "High Street"
    assert net.edge_name[net.edge_between(b, net.node_position[3])] == "Mill Road / Mill Rd"
    assert net.notes == ()  # has a footway, so not a drive network


def test_drive_network_is_flagged_and_unnamed_edges_are_named() -> None:
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0, y=Y0)
    g.add_node(2, x=X0 + 50, y=Y0)
    g.add_edge(1, 2, length=50.0, highway="primary")
    net = network_from_graph(g)
    assert net.notes == (DRIVE_NETWORK_NOTE,)
    assert net.edge_name == (UNNAMED_STREET,)


def test_motorways_and_private_ways_are_dropped() -> None:
    g = small_graph()
    g.add_node(9, x=X0 + 500, y=Y0)
    g.add_edge(3, 9, length=400.0, highway="motorway", name="M11")
    g.add_edge(1, 9, length=400.0, highway="service", access="private")
    net = network_from_graph(g)
    assert 9 not in net.node_position
    assert "M11" not in net.edge_name


def test_graph_in_wgs84_is_projected_to_bng() -> None:
    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_node(1, x=0.1192, y=52.2048)
    g.add_node(2, x=0.1210, y=52.2048)
    g.add_edge(1, 2, length=122.6, name="Market Street")
    net = network_from_graph(g)
    x, y = Transformer.from_crs("EPSG:4326", BNG, always_xy=True).transform(0.1192, 52.2048)
    np.testing.assert_allclose(net.node_xy_m[net.node_position[1]], [x, y], atol=1e-6)
    assert net.graph.graph["crs"] != "EPSG:4326"
    assert g.graph["crs"] == "EPSG:4326"  # the argument was not modified


def test_graph_without_crs_or_outside_gb_or_empty_is_refused() -> None:
    g = small_graph()
    del g.graph["crs"]
    with pytest.raises(InputDataError, match="no CRS"):
        network_from_graph(g)
    far = nx.MultiDiGraph(crs=BNG)
    far.add_node(1, x=-5_000_000.0, y=0.0)
    far.add_node(2, x=-5_000_100.0, y=0.0)
    far.add_edge(1, 2, length=100.0)
    with pytest.raises(OutsideGreatBritainError, match="outside Great Britain"):
        network_from_graph(far)
    lonely = nx.MultiDiGraph(crs=BNG)
    lonely.add_node(1, x=X0, y=Y0)
    with pytest.raises(EmptyInputError, match="no walkable street"):
        network_from_graph(lonely)


def test_snapping_matches_brute_force_and_is_vectorised() -> None:
    rng = np.random.default_rng(4)
    g = nx.MultiDiGraph(crs=BNG)
    xy = rng.uniform(0, 1000, size=(60, 2)) + np.array([X0, Y0])
    for i, (x, y) in enumerate(xy):
        g.add_node(i, x=x, y=y)
    for i in range(59):
        g.add_edge(i, i + 1, highway="footway")
    net = network_from_graph(g)
    xy_pts = rng.uniform(0, 1000, size=(40, 2)) + np.array([X0, Y0])
    pts = gpd.GeoSeries(shapely.points(xy_pts), crs=BNG)
    nodes = snap_to_nodes(net, pts, max_snap_m=2000)
    for k, (px, py) in enumerate(xy_pts):
        d = np.hypot(net.node_xy_m[:, 0] - px, net.node_xy_m[:, 1] - py)
        assert nodes.distance_m[k] == pytest.approx(d.min())
        assert nodes.node_id[k] == net.node_ids[d.argmin()]
    edges = snap_to_edges(net, pts, max_snap_m=2000)
    for k, p in enumerate(pts):
        d = shapely.distance(net.edge_geometry, p)
        assert edges.distance_m[k] == pytest.approx(d.min())
        line = net.edge_geometry[edges.edge[k]]
        assert edges.offset_m[k] == pytest.approx(line.project(p))


def test_point_far_from_streets_says_how_far() -> None:
    net = network_from_graph(small_graph())
    pts = gpd.GeoSeries([Point(X0, Y0 + 10), Point(X0 - 1234, Y0)], crs=BNG)
    with pytest.raises(InputDataError, match=r"1 point\(s\).*first: point 2 of 2, 1,234 m away"):
        snap_to_nodes(net, pts, max_snap_m=250)
    with pytest.raises(InputDataError, match="1,234 m away"):
        snap_to_edges(net, pts, max_snap_m=250)
    with pytest.raises(InputDataError) as one:  # a lone point (a route's start) has no row
        snap_to_nodes(net, gpd.GeoSeries([pts[1]], crs=BNG), max_snap_m=250, name="start")
    assert str(one.value) == (
        "start: the point lies 1,234 m from the nearest street on the network (at most 250 m is "
        "allowed). Move it onto a street, or use a network that covers it."
    )
    with pytest.raises(CRSError, match="EPSG:4326"):
        snap_to_nodes(net, pts.set_crs("EPSG:4326", allow_override=True))


def test_points_far_from_every_street_name_the_network_as_another_areas() -> None:
    """The demo town's network given with Cambridge wards: no point can be moved onto it."""
    net = network_from_graph(small_graph())
    far = gpd.GeoSeries([Point(X0 - 90_400, Y0), Point(X0 - 91_000, Y0 + 500)], crs=BNG)
    with pytest.raises(InputDataError) as one:
        snap_to_nodes(
            net, gpd.GeoSeries([Point(X0 - 90_400, Y0)], crs=BNG), max_snap_m=250, name="start"
        )
    assert str(one.value) == (
        "start: the street network does not cover the point: its nearest street is 90 km "
        "away. It is the network of another area: give the street network of the wards' area."
    )
    with pytest.raises(InputDataError, match="does not cover all 2 points: its nearest street"):
        snap_to_edges(net, far, max_snap_m=250, name="stops")
    near_and_far = gpd.GeoSeries([Point(X0, Y0 + 10), Point(X0 - 90_400, Y0)], crs=BNG)
    with pytest.raises(InputDataError, match="1 point\\(s\\) lie more than 250 m"):
        snap_to_nodes(net, near_and_far, max_snap_m=250)  # one stray point: move it


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="52.2040" lon="0.1180" version="1"/>
  <node id="2" lat="52.2040" lon="0.1200" version="1"/>
  <node id="3" lat="52.2055" lon="0.1200" version="1"/>
  <node id="4" lat="52.2055" lon="0.1180" version="1"/>
  <node id="5" lat="52.2060" lon="0.1220" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="name" v="Market Street"/>
    <tag k="oneway" v="yes"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="footway"/><tag k="name" v="Sidney Path"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="pedestrian"/><tag k="name" v="Petty Cury"/></way>
  <way id="13" version="1"><nd ref="3"/><nd ref="5"/>
    <tag k="highway" v="motorway"/><tag k="name" v="M11"/></way>
  <way id="14" version="1"><nd ref="4"/><nd ref="5"/><nd ref="2"/><nd ref="4"/>
    <tag k="building" v="yes"/></way>
</osm>
"""


def test_osm_xml_and_pbf_load_the_same_walkable_streets(tmp_path: Path) -> None:
    xml = tmp_path / "town.osm"
    xml.write_text(OSM_XML)
    pbf = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    nets = [load_network(xml), load_network(pbf)]
    for net in nets:
        assert net.crs == BNG
        assert set(net.edge_name) == {"Market Street", "Sidney Path", "Petty Cury"}
        assert net.n_nodes == 4  # node 5 only on the motorway and the building
        assert net.notes == ()
    np.testing.assert_allclose(sorted(nets[0].edge_length_m), sorted(nets[1].edge_length_m))


def test_load_network_caches_in_memory_and_on_disk(tmp_path: Path) -> None:
    xml = tmp_path / "town.osm"
    xml.write_text(OSM_XML)
    assert load_network(xml) is load_network(xml)
    cache = tmp_path / "cache"
    first = load_network(xml, cache_dir=cache)
    assert len(list(cache.glob("*.pickle"))) == 1
    second = load_network(xml, cache_dir=cache)
    np.testing.assert_array_equal(first.node_ids, second.node_ids)
    np.testing.assert_allclose(first.edge_length_m, second.edge_length_m)


def test_unknown_or_missing_network_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="not found"):
        load_network(tmp_path / "nowhere.graphml")
    odd = tmp_path / "streets.shp"
    odd.write_text("x")
    with pytest.raises(InputDataError, match=r"\.graphml.*\.osm.*\.osm\.pbf"):
        load_network(odd)


def test_edges_frame_and_nodes_frame_are_in_bng() -> None:
    net = network_from_graph(small_graph())
    edges = net.edges_frame()
    assert edges.crs == BNG
    assert edges["length_m"].sum() == pytest.approx(300.0)
    assert isinstance(edges.geometry.iloc[0], LineString)
    nodes = net.nodes_frame()
    assert nodes.crs == BNG
    assert sorted(nodes.index) == [1, 2, 3]


@pytest.mark.shared
def test_cambridge_drive_graph_loads_as_a_walkable_network(cambridge_dir: Path) -> None:
    net = load_network(cambridge_dir / "osm" / "cambridge_drive.graphml")
    assert net.crs == BNG
    assert net.n_nodes > 3000
    assert DRIVE_NETWORK_NOTE in net.notes
    x, y = net.node_xy_m[:, 0], net.node_xy_m[:, 1]
    assert x.min() > 540_000
    assert x.max() < 552_000
    assert y.min() > 252_000
    assert y.max() < 262_000
    assert "Mill Road" in net.edge_name
    # a city-centre shortest path: Guildhall to the railway station, about 1.5-2.5 km
    to_bng = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)
    pts = gpd.GeoSeries(
        [Point(*to_bng.transform(0.119212, 52.204835)), Point(*to_bng.transform(0.1373, 52.1943))],
        crs=BNG,
    )
    snap = snap_to_nodes(net, pts)
    graph = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m, strict=True):
        graph.add_edge(int(u), int(v), length=float(length))
    metres = nx.shortest_path_length(
        graph, int(snap.position[0]), int(snap.position[1]), weight="length"
    )
    assert 1500 < metres < 3000
