from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Transformer
from shapely import Point, Polygon

from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, InputDataError, NoRouteError, ParameterError
from spatial.network import StreetNetwork, load_network, network_from_graph
from spatial.routes import (
    EVA_CHECKLIST,
    EvaRoute,
    RouteMethod,
    plan_eva_route,
    read_stops,
    stop_labels,
    stops_from_hotspots,
    walk_speed_m_per_min,
)

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 530_000.0, 180_000.0
SPEED = walk_speed_m_per_min(4.8)


def grid_network(n: int = 6, *, seed: int = 0, spacing_m: float = 100.0) -> StreetNetwork:
    """A jittered n x n grid; streets run east-west ("Row r") and north-south ("Col c")."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs=BNG)
    pos = {}
    for r in range(n):
        for c in range(n):
            jitter = rng.uniform(-15, 15, 2) if seed else np.zeros(2)
            pos[r * n + c] = (X0 + c * spacing_m + jitter[0], Y0 + r * spacing_m + jitter[1])
            g.add_node(r * n + c, x=pos[r * n + c][0], y=pos[r * n + c][1])
    for r in range(n):
        for c in range(n):
            a = r * n + c
            for b, name in ((a + 1, f"Row {r}"), (a + n, f"Col {c}")):
                if (b == a + 1 and c == n - 1) or b >= n * n:
                    continue
                length = float(np.hypot(*np.subtract(pos[a], pos[b])))
                # one-way in the data (a -> b only): must not bind pedestrians
                g.add_edge(a, b, length=length, name=name, highway="footway", oneway=True)
    return network_from_graph(g)


def node_point(net: StreetNetwork, node: int, dx: float = 3.0) -> Point:
    x, y = net.node_xy_m[net.node_position[node]]
    return Point(x + dx, y)


def stops_at(
    net: StreetNetwork, nodes: list[int], weights: list[float] | None = None
) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(geometry=[node_point(net, n) for n in nodes], crs=BNG)
    if weights is not None:
        frame["weight"] = weights
    return frame


def nx_graph(net: StreetNetwork) -> nx.Graph:
    graph = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m, strict=True):
        graph.add_edge(int(net.node_ids[u]), int(net.node_ids[v]), length=float(length))
    return graph


def assert_route_invariants(net: StreetNetwork, route: EvaRoute) -> None:
    graph = nx_graph(net)
    path = route.node_path
    assert path[0] == path[-1] == route.start_node
    total = 0.0
    for a, b in itertools.pairwise(path):
        assert graph.has_edge(a, b), (a, b)
        total += graph.edges[a, b]["length"]
    assert route.distance_m == pytest.approx(total)
    # edge lengths are OSM great-circle metres; the BNG line differs by the projection (< 1 %)
    assert route.line.length == pytest.approx(total, rel=0.01)
    assert set(route.stops["node"]) <= set(path)
    assert route.total_time_min <= route.max_minutes + 1e-9
    assert route.walk_time_min == pytest.approx(
        route.distance_m / walk_speed_m_per_min(route.walk_kmh)
    )


def closed_tour_lengths(
    graph: nx.Graph, start: int, nodes: list[int]
) -> dict[tuple[int, ...], float]:
    """Brute force: the shortest closed tour through every subset of ``nodes`` (by position)."""
    dist = {
        a: nx.single_source_dijkstra_path_length(graph, a, weight="length") for a in [start, *nodes]
    }
    best: dict[tuple[int, ...], float] = {}
    for size in range(1, len(nodes) + 1):
        for subset in itertools.combinations(range(len(nodes)), size):
            best[subset] = min(
                dist[start][nodes[p[0]]]
                + sum(dist[nodes[i]][nodes[j]] for i, j in itertools.pairwise(p))
                + dist[nodes[p[-1]]][start]
                for p in itertools.permutations(subset)
            )
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_route_invariants_hold_on_jittered_grids(seed: int) -> None:
    net = grid_network(7, seed=seed)
    rng = np.random.default_rng(seed)
    nodes = [int(n) for n in rng.choice(49, 9, replace=False)]
    stops = stops_at(net, nodes, list(rng.uniform(1, 5, 9)))
    before = stops.copy()
    route = plan_eva_route(net, stops, start=node_point(net, 24), max_minutes=25, stop_minutes=2)
    assert_geodataframe_equal(stops, before)  # the argument was not modified
    assert_route_invariants(net, route)
    assert route.method == "exact"
    assert len(route.stops) + len(route.left_out) == 9
    assert route.crs == BNG
    assert route.stops.crs == BNG


def test_tour_through_all_stops_equals_brute_force_optimum() -> None:
    net = grid_network(6, seed=7)
    nodes = [3, 10, 17, 22, 29, 33]
    route = plan_eva_route(
        net, stops_at(net, nodes), start=node_point(net, 0), max_minutes=600, stop_minutes=0
    )
    best = closed_tour_lengths(nx_graph(net), 0, nodes)
    assert route.method == "exact"
    assert len(route.stops) == 6
    assert route.distance_m == pytest.approx(best[tuple(range(6))])
    assert_route_invariants(net, route)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_heuristic_tour_is_within_five_percent_of_brute_force(seed: int) -> None:
    """The greedy-insertion + 2-opt/or-opt heuristic, forced on 7 stops, vs. the exact optimum."""
    net = grid_network(7, seed=seed)
    rng = np.random.default_rng(seed)
    nodes = [int(n) for n in rng.choice(np.arange(1, 49), 7, replace=False)]
    route = plan_eva_route(
        net,
        stops_at(net, nodes),
        start=node_point(net, 0),
        max_minutes=600,
        stop_minutes=0,
        method="heuristic",
    )
    best = closed_tour_lengths(nx_graph(net), 0, nodes)[tuple(range(7))]
    assert route.method == "heuristic"
    assert len(route.stops) == 7
    assert best - 1e-6 <= route.distance_m <= 1.05 * best
    assert_route_invariants(net, route)


@pytest.mark.parametrize(("seed", "budget"), [(21, 12.0), (22, 18.0), (23, 25.0)])
def test_orienteering_visits_the_heaviest_subset_that_fits(seed: int, budget: float) -> None:
    net = grid_network(6, seed=seed)
    rng = np.random.default_rng(seed)
    nodes = [int(n) for n in rng.choice(np.arange(1, 36), 6, replace=False)]
    weights = [float(w) for w in rng.integers(1, 10, 6)]
    stop_minutes = 2.0
    route = plan_eva_route(
        net,
        stops_at(net, nodes, weights),
        start=node_point(net, 0),
        max_minutes=budget,
        stop_minutes=stop_minutes,
    )
    tours = closed_tour_lengths(nx_graph(net), 0, nodes)
    feasible = {
        s: length
        for s, length in tours.items()
        if length / SPEED + len(s) * stop_minutes <= budget + 1e-9
    }
    best_weight = max(sum(weights[i] for i in s) for s in feasible)
    assert route.weight_visited == pytest.approx(best_weight)
    visited = tuple(sorted(int(i) for i in route.stops.index))
    assert route.distance_m == pytest.approx(tours[visited])
    shortest_heaviest = min(
        length
        for s, length in feasible.items()
        if sum(weights[i] for i in s) == pytest.approx(best_weight)
    )
    assert route.distance_m == pytest.approx(shortest_heaviest)
    assert set(route.left_out["reason"]) <= {"budget", "too_far"}
    assert_route_invariants(net, route)


def test_one_way_streets_do_not_bind_pedestrians() -> None:
    net = grid_network(4)  # every edge stored one-way, low node -> high node
    route = plan_eva_route(
        net, stops_at(net, [1]), start=node_point(net, 0), max_minutes=60, stop_minutes=0
    )
    assert route.node_path == (0, 1, 0)
    assert route.distance_m == pytest.approx(200.0)


def test_arrival_minutes_and_times_add_up() -> None:
    net = grid_network(4)
    route = plan_eva_route(
        net, stops_at(net, [3, 15]), start=node_point(net, 0), max_minutes=60, stop_minutes=5
    )
    # 0 -> 3 is 300 m, 3 -> 15 is 300 m, 15 -> 0 is 600 m, in either direction
    assert route.distance_m == pytest.approx(1200.0)
    # either direction round the loop is shortest; arrivals follow the one walked
    first_leg = 300.0 if route.stops.index[0] == 0 else 600.0
    np.testing.assert_allclose(
        route.stops["arrival_min"], [first_leg / 80, (first_leg + 300) / 80 + 5]
    )
    assert route.stop_time_min == 10.0
    assert route.total_time_min == pytest.approx(1200 / 80 + 10)
    assert route.stops["leg_m"].tolist() == pytest.approx([first_leg, 300.0])
    assert route.stops["order"].tolist() == [1, 2]


def test_turn_list_names_streets_and_sides() -> None:
    net = grid_network(4)
    # north along Col 0 to node 8, then east along Row 2 to node 10; back the same way
    route = plan_eva_route(
        net, stops_at(net, [10]), start=node_point(net, 0), max_minutes=60, stop_minutes=0
    )
    texts = [t.instruction for t in route.turns]
    streets = [t.street for t in route.turns if t.street]
    assert route.distance_m == pytest.approx(800.0)
    assert texts[0].startswith("Start at the start along")
    assert {"Col 0", "Row 0", "Row 2", "Col 2"} & set(streets)
    first, second = route.turns[0], route.turns[1]
    assert first.distance_m + second.distance_m == pytest.approx(400.0)
    # heading north then east is a right turn; heading east then north a left turn
    expected = "Turn right onto" if first.street.startswith("Col") else "Turn left onto"
    assert second.instruction.startswith(expected)
    arrivals = [t for t in route.turns if t.stop_order is not None]
    assert [t.stop_order for t in arrivals] == [1, 0]
    assert arrivals[0].start_m == pytest.approx(400.0)
    assert route.turns[3].instruction.startswith("Turn around")
    assert sum(t.distance_m for t in route.turns) == pytest.approx(route.distance_m)
    assert route.checklist == EVA_CHECKLIST
    assert len(EVA_CHECKLIST) == 10


def test_a_stop_is_named_by_its_label_else_its_name_else_its_place_in_the_file() -> None:
    net = grid_network(4)
    stops = stops_at(net, [3, 12, 15])
    stops["name"] = pd.array(["Shops", "Park", None], dtype="string")
    assert stop_labels(stops) == ["Shops", "Park", "Stop 3"]
    stops["label"] = pd.array(["Corner", " ", None], dtype="string")
    assert stop_labels(stops) == ["Corner", "Park", "Stop 3"]  # a blank label falls back
    route = plan_eva_route(
        net,
        stops.drop(columns="label"),
        start=node_point(net, 0),
        max_minutes=120,
        stop_minutes=0,
    )
    assert sorted(route.stops["label"]) == ["Park", "Shops", "Stop 3"]


def island_network() -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    for n, (x, y) in {1: (0, 0), 2: (100, 0), 3: (200, 0), 8: (900, 0), 9: (1000, 0)}.items():
        g.add_node(n, x=X0 + x, y=Y0 + y)
    g.add_edge(1, 2, length=100.0, name="Quay", highway="footway")
    g.add_edge(2, 3, length=100.0, name="Quay", highway="footway")
    g.add_edge(8, 9, length=100.0, name="Island Walk", highway="footway")
    return network_from_graph(g)


def test_stops_left_out_say_why() -> None:
    net = grid_network(5)
    stops = stops_at(net, [1, 24, 2], [1.0, 5.0, 1.0])
    route = plan_eva_route(net, stops, start=node_point(net, 0), max_minutes=8, stop_minutes=1)
    # node 24 is 800 m away: 20 min there and back
    far = route.left_out.loc[1]
    assert far["reason"] == "too_far"
    assert "takes 21.0 min" in far["detail"]
    assert "at least 21 min" in far["detail"]
    assert list(route.stops.index) in ([0, 2], [2, 0])
    # 6.5 min: either near stop fits alone (3.5 or 6 min) but not both (7 min); equal weights,
    # so the shorter loop wins
    tight = plan_eva_route(net, stops, start=node_point(net, 0), max_minutes=6.5, stop_minutes=1)
    assert list(tight.stops.index) == [0]
    assert tight.left_out.loc[2, "reason"] == "budget"
    assert "more min" in str(tight.left_out.loc[2, "detail"])


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_weight_0_stops_are_visited_when_they_fit_after_the_weighted_ones(
    method: RouteMethod,
) -> None:
    net = grid_network(5)
    start = node_point(net, 0)
    unweighted = stops_at(net, [2, 10], [0.0, 0.0])
    both = plan_eva_route(net, unweighted, start=start, method=method)
    assert sorted(both.stops.index) == [0, 1]
    assert both.left_out.empty
    assert both.weight_visited == 0.0
    # stop 0 (weight 3) at node 4 and stop 1 (weight 0) at node 20 are 400 m away each: 11 min
    # alone with 1 min at the stop, 22 min together (the 1,600 m perimeter)
    stops = stops_at(net, [4, 20], [3.0, 0.0])
    roomy = plan_eva_route(net, stops, start=start, max_minutes=25, stop_minutes=1, method=method)
    assert sorted(roomy.stops.index) == [0, 1]
    assert roomy.total_time_min == pytest.approx(22.0)
    tight = plan_eva_route(net, stops, start=start, max_minutes=15, stop_minutes=1, method=method)
    assert list(tight.stops.index) == [0]
    assert tight.left_out.loc[1, "reason"] == "budget"
    assert tight.left_out.loc[1, "detail"] == (
        "Stop 2 has weight 0, so it comes after every weighted stop, and it does not fit with "
        "them in 15 min: adding it needs about 11.0 more min and the loop has 4.0 min spare. "
        "Raise the budget or lower the minutes per stop to fit it."
    )


def test_island_stop_is_left_out_and_a_route_of_islands_only_fails() -> None:
    net = island_network()
    stops = gpd.GeoDataFrame(geometry=[Point(X0 + 200, Y0 + 5), Point(X0 + 1000, Y0 + 5)], crs=BNG)
    route = plan_eva_route(net, stops, start=Point(X0, Y0 + 5), max_minutes=30)
    assert list(route.stops.index) == [0]
    assert route.left_out.loc[1, "reason"] == "unreachable"
    assert "island" in str(route.left_out.loc[1, "detail"])
    with pytest.raises(NoRouteError, match=r"stop is not connected to the start.*island"):
        plan_eva_route(net, stops.iloc[[1]], start=Point(X0, Y0 + 5), max_minutes=30)


def test_budget_too_small_for_one_stop_says_what_to_change() -> None:
    net = grid_network(5)
    with pytest.raises(NoRouteError, match=r"within 5 min.*Raise the budget to at least 13 min"):
        plan_eva_route(
            net, stops_at(net, [4]), start=node_point(net, 0), max_minutes=5, stop_minutes=3
        )


def test_bad_inputs_raise_errors_that_say_what_to_fix() -> None:
    net = grid_network(4)
    stops = stops_at(net, [5])
    with pytest.raises(CRSError, match="longitude/latitude"):
        plan_eva_route(net, stops, start=Point(0.12, 52.2))
    with pytest.raises(
        InputDataError, match=r"start: the point lies 5,000 m from the nearest street"
    ):
        plan_eva_route(net, stops, start=Point(X0 - 5000, Y0))
    with pytest.raises(ParameterError, match=r"max_minutes.*walk_kmh"):
        plan_eva_route(net, stops, start=node_point(net, 0), max_minutes=0, walk_kmh=-1)
    with pytest.raises(ParameterError, match=r"walk_kmh \(1000\) must be a walking speed"):
        plan_eva_route(net, stops, start=node_point(net, 0), walk_kmh=1000)  # "0 min walking"
    with pytest.raises(EmptyInputError, match="no stops"):
        plan_eva_route(net, stops.iloc[[]], start=node_point(net, 0))
    with pytest.raises(InputDataError, match="negative"):
        plan_eva_route(net, stops.assign(weight=[-1.0]), start=node_point(net, 0))
    with pytest.raises(CRSError, match="EPSG:27700"):
        plan_eva_route(
            net, stops.set_crs("EPSG:3857", allow_override=True), start=node_point(net, 0)
        )
    many = stops_at(net, [*range(1, 16), 1, 2])
    with pytest.raises(ParameterError, match="at most 16"):
        plan_eva_route(net, many, start=node_point(net, 0), max_minutes=600, method="exact")


def test_more_stops_than_the_exact_limit_use_the_heuristic() -> None:
    net = grid_network(6, seed=5)
    route = plan_eva_route(
        net, stops_at(net, list(range(1, 19))), start=node_point(net, 0), max_minutes=600
    )
    assert route.method == "heuristic"
    assert len(route.stops) == 18
    assert_route_invariants(net, route)


def test_stops_from_hotspots_keeps_the_heaviest_hot_cells() -> None:
    cells = gpd.GeoDataFrame(
        {"gi_z": [1.0, 3.5, -2.0, 2.2, np.nan], "ward": list("ABCDE")},
        geometry=[
            Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]),
            Point(X0 + 500, Y0),
            Point(X0 + 600, Y0),
            Point(X0 + 700, Y0),
            Point(X0 + 800, Y0),
        ],
        crs=BNG,
    )
    stops = stops_from_hotspots(cells, weight_column="gi_z", top_n=3, label_column="ward")
    assert stops.index.tolist() == [1, 3, 0]
    assert stops["label"].tolist() == ["B", "D", "A"]
    assert stops["weight"].tolist() == [3.5, 2.2, 1.0]
    assert cells.geometry.iloc[0].contains(stops.geometry.loc[0])
    assert stops.crs == BNG


def test_read_stops_from_geojson_keeps_file_order_and_weights(tmp_path: Path) -> None:
    to_wgs = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)
    features = []
    for i, (x, y, w) in enumerate([(X0, Y0, 2.5), (X0 + 100, Y0, None), (X0, Y0 + 300, 1.0)]):
        lon, lat = to_wgs.transform(x, y)
        props = {"name": f"S{i}"} | ({"weight": w} if w is not None else {})
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    path = tmp_path / "stops.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    stops = read_stops(path)  # the second point has no weight: it weighs 1
    assert stops.crs == BNG
    assert stops.index.tolist() == [0, 1, 2]
    assert stops["weight"].tolist() == [2.5, 1.0, 1.0]
    features[1]["properties"]["weight"] = -4.0  # type: ignore[index]  # test data
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InputDataError, match=r"first: feature 2, -4\.0"):
        read_stops(path)
    # numbers and text in one property: GDAL types it JSON, and pyogrio warned that "high" is
    # not JSON (pytest makes warnings errors); the text is read and refused, naming the stop
    features[1]["properties"]["weight"] = "high"  # type: ignore[index]  # test data
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(
        InputDataError,
        match=r"1 stops have a missing, negative or non-numeric weight \(first: "
        r"feature 2, 'high'\)",
    ):
        read_stops(path)
    csv = tmp_path / "stops.csv"
    csv.write_text("name,weight,lon,lat\nA,1,0.12,52.2\nB,2,0.121,52.2\nC,lots,0.122,52.2\n")
    with pytest.raises(InputDataError, match=r"first: row 4, 'lots'\)"):  # line 4 of the file
        read_stops(csv)
    np.testing.assert_allclose(
        shapely.get_x(stops.geometry.to_numpy()), [X0, X0 + 100, X0], atol=1e-3
    )
    no_weight = tmp_path / "plain.geojson"
    for f in features:
        f["properties"].pop("weight")  # type: ignore[attr-defined]  # test data
    no_weight.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert read_stops(no_weight)["weight"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.shared
def test_cambridge_city_centre_route(cambridge_dir: Path) -> None:
    net = load_network(cambridge_dir / "osm" / "cambridge_drive.graphml")
    to_bng = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)
    lonlat = [(0.1218, 52.2077), (0.1303, 52.2026), (0.1240, 52.1990), (0.1160, 52.2100)]
    stops = gpd.GeoDataFrame(
        {"weight": [3.0, 2.0, 2.0, 1.0]},
        geometry=[Point(*to_bng.transform(*p)) for p in lonlat],
        crs=BNG,
    )
    start = Point(*to_bng.transform(0.119212, 52.204835))  # Guildhall
    route = plan_eva_route(net, stops, start=start, start_label="Guildhall", max_minutes=90)
    assert_route_invariants(net, route)
    assert len(route.stops) == 4
    assert 2000 < route.distance_m < 9000
    assert any(t.street == "Regent Street" or "Street" in t.street for t in route.turns)
    assert route.notes  # the drive-network caveat travels with the route


def test_stops_from_hotspots_merges_neighbours_within_the_spacing() -> None:
    cells = gpd.GeoDataFrame(
        {"n": [10.0, 8.0, 3.0, 9.0]},
        geometry=[Point(X0, Y0), Point(X0 + 300, Y0), Point(X0 + 320, Y0), Point(X0 + 50, Y0)],
        crs=BNG,
    )
    stops = stops_from_hotspots(cells, weight_column="n", min_spacing_m=100)
    # cell 3 (9) joins cell 0 (10) -> 19; cell 2 (3) joins cell 1 (8) -> 11
    assert stops.index.tolist() == [0, 1]
    assert stops["weight"].tolist() == [19.0, 11.0]
    assert stops_from_hotspots(cells, weight_column="n", top_n=2).index.tolist() == [0, 3]


# --- the `patchmap route` subcommand (patchmap/) over these functions ---------------------------


def test_route_cli_json_contract_on_cambridge(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from patchmap.cli import main  # noqa: PLC0415  # the CLI sits above the packages

    features = [
        {
            "type": "Feature",
            "properties": {"weight": 2},
            "geometry": {"type": "Point", "coordinates": c},
        }
        for c in ([0.1218, 52.2077], [0.1303, 52.2026], [0.1240, 52.1990])
    ]
    stops = tmp_path / "stops.geojson"
    stops.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    gpx = tmp_path / "route.gpx"
    network = cambridge_dir / "osm" / "cambridge_drive.graphml"
    args = ["route", "--network", str(network), "--start", "0.119212,52.204835"]
    code = main([*args, "--stops", str(stops), "--max-minutes", "60", "--out", str(gpx), "--json"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert sorted(record["stops_visited"] + record["stops_left_out"]) == [0, 1, 2]
    assert record["node_path"][0] == record["node_path"][-1]
    assert record["walk_time_min"] == pytest.approx(record["distance_m"] / 80, abs=0.01)
    assert record["total_time_min"] <= 60
    assert gpx.read_text().startswith("<?xml")
    code = main([*args, "--stops", str(stops), "--max-minutes", "5"])
    assert code == 2
    assert "No stop can be visited within 5 min" in capsys.readouterr().err


def test_a_first_stop_at_the_start_comes_after_the_start_line() -> None:
    net = grid_network(4)
    start = node_point(net, 0, dx=1.0)
    route = plan_eva_route(
        net, stops_at(net, [3, 0]), start=start, start_label="the station", stop_minutes=0
    )
    texts = [t.instruction for t in route.turns]
    assert route.stops.index.tolist() == [1, 0]  # the stop at the start node first
    assert texts[:3] == [
        "Start at the station",
        "Arrive at stop 1, Stop 2 (minute 0): spend 0 min on the EVA checklist",
        "Set off along Row 0 for 300 m",
    ]
    assert not any(t.startswith("Start at") for t in texts[1:])
    assert [t.step for t in route.turns] == list(range(1, len(texts) + 1))
    assert sum(t.distance_m for t in route.turns) == pytest.approx(route.distance_m)
    alone = plan_eva_route(
        net, stops_at(net, [0]), start=start, start_label="the station", stop_minutes=0
    )
    assert [t.instruction for t in alone.turns] == [
        "Start at the station",
        "Arrive at stop 1, Stop 1 (minute 0): spend 0 min on the EVA checklist",
        "Arrive back at the station (minute 0)",
    ]
