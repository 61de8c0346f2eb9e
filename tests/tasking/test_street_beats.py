from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest

from boundaries.dataset import load_demo
from hotspots.streets import street_gi_star
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import MissingColumnError
from spatial.lixels import make_lixels, snap_to_lixels
from spatial.network import StreetNetwork, load_network, network_from_graph
from tasking.street_beats import BEAT_COLUMNS, StreetBeatLimits, gistar_beats, street_beats

X0, Y0 = 530_000.0, 180_000.0


def row_of_streets(n: int = 8) -> StreetNetwork:
    """Two separate straight streets of n 100 m segments each (nodes 0..n and 100..100+n)."""
    g = nx.MultiDiGraph(crs=BNG)
    for base, y in ((0, Y0), (100, Y0 + 5_000)):
        for k in range(n + 1):
            g.add_node(base + k, x=X0 + 100 * k, y=y)
        for k in range(n):
            g.add_edge(base + k, base + k + 1, length=100.0, name=f"Street {base}")
    return network_from_graph(g)


def lines(net: StreetNetwork, pairs: list[tuple[int, int]], crimes: list[int]) -> gpd.GeoDataFrame:
    ids = [net.edge_between(net.node_position[a], net.node_position[b]) for a, b in pairs]
    return gpd.GeoDataFrame(
        {"n_crimes": crimes, "name": [net.edge_name[i] for i in ids]},
        geometry=list(net.edge_geometry[ids]),
        index=ids,
        crs=BNG,
    )


def test_connected_hot_segments_form_beats_within_the_length_limit() -> None:
    net = row_of_streets()
    hot = lines(
        net,
        [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (100, 101)],
        [1, 9, 4, 2, 1, 3],
    )
    beats = street_beats(hot, network=net, limits=StreetBeatLimits(max_length_m=300))
    assert list(beats.columns) == [*BEAT_COLUMNS, "geometry"]
    # the busiest segment (1-2, 9 crimes) grows to its busiest neighbour each time: 2-3 (4),
    # then 3-4 (2), reaching 300 m; 0-1 and 4-5 are left as beats of their own
    assert beats["n_crimes"].tolist() == [15, 3, 1, 1]
    assert beats["n_segments"].tolist() == [3, 1, 1, 1]
    assert beats["length_m"].tolist() == [300, 100, 100, 100]
    assert beats["streets"].iloc[1] == "Street 100"
    assert beats.geometry.iloc[0].length == pytest.approx(300)
    # unconnected streets never share a beat, however long the limit
    wide = street_beats(hot, network=net, limits=StreetBeatLimits(max_length_m=10_000))
    assert wide["n_segments"].tolist() == [5, 1]
    assert wide["n_crimes"].tolist() == [17, 3]


def test_street_beats_errors_and_empty_input() -> None:
    net = row_of_streets()
    empty = street_beats(lines(net, [(0, 1)], [1]).iloc[:0], network=net)
    assert empty.empty
    assert list(empty.columns) == [*BEAT_COLUMNS, "geometry"]
    with pytest.raises(MissingColumnError, match="gi_bin"):
        gistar_beats(lines(net, [(0, 1)], [1]), network=net)
    with pytest.raises(MissingColumnError, match="n_crimes"):
        street_beats(lines(net, [(0, 1)], [1]).drop(columns="n_crimes"), network=net)


def test_demo_hot_street_beat_covers_the_night_time_economy_streets() -> None:
    area = load_demo()
    assert area.network_path is not None
    net = load_network(area.network_path)
    lixels = make_lixels(net)
    real = area.points[~area.points["location"].str.contains("Police Station")]
    gi = street_gi_star(snap_to_lixels(lixels, real), lixels=lixels)
    beats = gistar_beats(gi.lines, network=net)
    hot = gi.lines[(gi.lines["gi_bin"] >= 2) & (gi.lines["n_crimes"] > 0)]
    assert beats["n_segments"].sum() == len(hot)
    assert beats["n_crimes"].sum() == hot["n_crimes"].sum()
    assert (beats["length_m"] <= 2_000).all()
    nte = PLANTED_PATTERNS["nte_violence"]
    centre = gpd.points_from_xy([nte.centre_x_m], [nte.centre_y_m])[0]
    assert beats.geometry.iloc[0].distance(centre) < nte.radius_m
