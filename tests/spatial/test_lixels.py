from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString

from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, ParameterError
from spatial.lixels import make_lixels, snap_to_lixels
from spatial.network import network_from_graph

X0, Y0 = 530_000.0, 180_000.0


def bent_network() -> nx.MultiDiGraph:
    """An L-shaped 230 m street (1-2, with a bend) and a 40 m spur (2-3)."""
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0, y=Y0)
    g.add_node(2, x=X0 + 130, y=Y0 + 100)
    g.add_node(3, x=X0 + 130, y=Y0 + 140)
    bend = LineString([(X0, Y0), (X0 + 130, Y0), (X0 + 130, Y0 + 100)])
    g.add_edge(1, 2, length=230.0, name="Mill Road", geometry=bend)
    g.add_edge(2, 3, length=40.0, name="Spur Lane")
    return g


def test_lixels_cut_each_segment_into_equal_pieces_with_a_shorter_last_one() -> None:
    net = network_from_graph(bent_network())
    lixels = make_lixels(net, lixel_m=50)
    seg = net.edge_index[(net.node_position[1], net.node_position[2])]
    mine = np.flatnonzero(lixels.segment == seg)
    np.testing.assert_allclose(lixels.length_m[mine], [50, 50, 50, 50, 30])
    np.testing.assert_allclose(lixels.start_m[mine], [0, 50, 100, 150, 200])
    # lines are the matching parts of the street, the bend kept inside the third piece
    np.testing.assert_allclose(shapely.length(lixels.geometry[mine]), [50, 50, 50, 50, 30])
    third = shapely.get_coordinates(lixels.geometry[mine[2]])
    np.testing.assert_allclose(third, [[X0 + 100, Y0], [X0 + 130, Y0], [X0 + 130, Y0 + 20]])
    # consecutive pieces share a graph node; the ends are the network's nodes
    np.testing.assert_array_equal(lixels.node_a[mine[1:]], lixels.node_b[mine[:-1]])
    assert lixels.node_a[mine[0]] == net.edge_u[seg]
    assert lixels.node_b[mine[-1]] == net.edge_v[seg]
    spur = np.flatnonzero(lixels.segment != seg)
    np.testing.assert_allclose(lixels.length_m[spur], [40])
    assert lixels.n_graph_nodes == net.n_nodes + 4
    assert lixels.total_length_m == pytest.approx(270)
    frame = lixels.frame()
    assert frame.crs == BNG
    assert list(frame["name"]) == ["Mill Road"] * 5 + ["Spur Lane"]


def test_lixel_graph_distances_follow_the_streets() -> None:
    net = network_from_graph(bent_network())
    lixels = make_lixels(net, lixel_m=50)
    d = dijkstra(lixels.graph(), directed=False, indices=[net.node_position[1]])
    assert d[0, net.node_position[3]] == pytest.approx(270)


def test_snapping_picks_the_nearest_piece_and_counts_points_too_far() -> None:
    net = network_from_graph(bent_network())
    lixels = make_lixels(net, lixel_m=50)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            [X0 + 120, X0 + 140, X0 + 10, X0 + 60], [Y0 + 5, Y0 + 60, Y0 + 500, Y0 - 30]
        ),
        crs=BNG,
    )
    snap = snap_to_lixels(lixels, points, max_snap_m=40)
    assert snap.n_points == 4
    assert snap.n_snapped == 3
    assert snap.n_too_far == 1
    np.testing.assert_array_equal(snap.snapped, [True, True, False, True])
    np.testing.assert_allclose(snap.offset_m[[0, 1, 3]], [120, 190, 60])
    np.testing.assert_allclose(snap.distance_m[[0, 1, 3]], [5, 10, 30])
    np.testing.assert_array_equal(snap.lixel, [2, 3, -1, 1])


def test_lixel_and_snap_errors_say_what_to_fix() -> None:
    net = network_from_graph(bent_network())
    with pytest.raises(ParameterError, match="lixel_m must be a positive"):
        make_lixels(net, lixel_m=0)
    lixels = make_lixels(net)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.1], [51.5]), crs="EPSG:4326")
    with pytest.raises(CRSError, match="EPSG:4326"):
        snap_to_lixels(lixels, points)
    with pytest.raises(EmptyInputError, match="no points"):
        snap_to_lixels(lixels, points.to_crs(BNG).iloc[:0])
    with pytest.raises(ParameterError, match="max_snap_m"):
        snap_to_lixels(lixels, points.to_crs(BNG), max_snap_m=-1)
