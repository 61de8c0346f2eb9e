from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point, Polygon, box

from spatial.catchments import (
    best_joint_sites,
    catchment_coverage,
    hotspot_coverage,
    reachable_distances,
    walking_catchments,
)
from spatial.crime_types import ASB
from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from spatial.network import StreetNetwork, load_network, network_from_graph, snap_to_nodes
from spatial.routes import walk_speed_m_per_min

if TYPE_CHECKING:
    from pathlib import Path

X0, Y0 = 530_000.0, 180_000.0


def line_network(n: int = 21, spacing_m: float = 100.0) -> StreetNetwork:
    """A straight east-west street of n nodes."""
    g = nx.MultiDiGraph(crs=BNG)
    for i in range(n):
        g.add_node(i, x=X0 + i * spacing_m, y=Y0)
    for i in range(n - 1):
        g.add_edge(i, i + 1, length=spacing_m, name="Long Street", highway="footway")
    return network_from_graph(g)


def jittered_grid(n: int = 15, seed: int = 3) -> StreetNetwork:
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs=BNG)
    pos = {}
    for r in range(n):
        for c in range(n):
            pos[r * n + c] = (
                X0 + c * 90 + rng.uniform(-20, 20),
                Y0 + r * 90 + rng.uniform(-20, 20),
            )
            g.add_node(r * n + c, x=pos[r * n + c][0], y=pos[r * n + c][1])
    for r in range(n):
        for c in range(n):
            a = r * n + c
            for b in (a + 1, a + n):
                if (b == a + 1 and c == n - 1) or b >= n * n or rng.random() < 0.15:
                    continue  # some blocks are missing, so walking differs from straight lines
                length = math.dist(pos[a], pos[b])
                g.add_edge(a, b, length=length, highway="footway")
    return network_from_graph(g)


def agreement(
    net: StreetNetwork, catchments: gpd.GeoDataFrame, site: shapely.Geometry
) -> list[float]:
    """Share of sampled nodes near each catchment where 'inside' equals 'reachable' (networkx)."""
    graph = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m, strict=True):
        graph.add_edge(int(u), int(v), length=float(length))
    source = int(snap_to_nodes(net, gpd.GeoSeries([site], crs=BNG)).position[0])
    dist = nx.single_source_dijkstra_path_length(graph, source, weight="length")
    rng = np.random.default_rng(0)
    out = []
    for polygon, reach in zip(catchments.geometry, catchments["reach_m"], strict=True):
        near = np.flatnonzero(shapely.contains_xy(polygon.buffer(300).envelope, *net.node_xy_m.T))
        sample = rng.choice(near, min(len(near), 300), replace=False)
        reachable = np.array([dist.get(int(i), np.inf) <= reach for i in sample])
        inside = shapely.contains_xy(polygon, *net.node_xy_m[sample].T)
        out.append(float((reachable == inside).mean()))
    return out


def test_catchment_on_a_straight_street_has_the_area_worked_by_hand() -> None:
    net = line_network()
    sites = gpd.GeoDataFrame({"name": ["Hub"]}, geometry=[Point(X0 + 1000, Y0 + 10)], crs=BNG)
    out = walking_catchments(net, sites, minutes=[5], walk_kmh=4.8, buffer_m=25)
    # 5 min at 80 m/min = 400 m each way: an 800 m line buffered by 25 m
    # = 800 x 50 + pi x 25^2 (polygonised with 8 segments a quarter circle)
    cap = 0.5 * 32 * 25**2 * math.sin(2 * math.pi / 32)
    assert float(out["area_km2"].iloc[0]) * 1e6 == pytest.approx(800 * 50 + cap, rel=1e-6)
    assert out.loc[0, "reach_m"] == 400.0
    assert out.loc[0, "n_nodes_reached"] == 9
    assert out.loc[0, "site_name"] == "Hub"
    assert out.crs == BNG


def test_partial_edges_are_cut_at_the_reach() -> None:
    net = line_network(spacing_m=300.0)
    sites = gpd.GeoDataFrame(geometry=[Point(X0 + 3000, Y0)], crs=BNG)
    out = walking_catchments(net, sites, minutes=[5], buffer_m=10)
    minx, _, maxx, _ = out.geometry.iloc[0].bounds
    assert minx == pytest.approx(X0 + 3000 - 400 - 10)
    assert maxx == pytest.approx(X0 + 3000 + 400 + 10)


def test_catchments_agree_with_dijkstra_reachability() -> None:
    net = jittered_grid()
    site = Point(X0 + 600, Y0 + 650)
    out = walking_catchments(net, gpd.GeoDataFrame(geometry=[site], crs=BNG), buffer_m=20)
    assert out["minutes"].tolist() == [5.0, 10.0, 15.0]
    assert out["area_km2"].is_monotonic_increasing
    assert all(share >= 0.95 for share in agreement(net, out, site))
    small, large = out.geometry.iloc[0], out.geometry.iloc[2]
    assert small.difference(large).area < 1.0


def test_reachable_distances_match_networkx() -> None:
    net = jittered_grid(8)
    dist = reachable_distances(net, 0, max_distance_m=500)
    graph = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m, strict=True):
        graph.add_edge(int(u), int(v), length=float(length))
    expected = nx.single_source_dijkstra_path_length(graph, 0, cutoff=500, weight="length")
    assert set(np.flatnonzero(np.isfinite(dist))) == set(expected)
    for node, metres in expected.items():
        assert dist[node] == pytest.approx(metres)


def test_catchment_coverage_counts_crime_and_asb_separately() -> None:
    net = line_network(5)  # nodes every 100 m from X0 to X0 + 400
    site = gpd.GeoDataFrame({"name": ["Hub"]}, geometry=[Point(X0, Y0 + 5)], crs=BNG)
    catchments = walking_catchments(net, site, minutes=[150 / walk_speed_m_per_min(4.8)])
    # reach 150 m along the street: the nearest street points at x = 10, 50, 90 and 140 m are
    # reached, those at 160 and 400 m are not; the one 300 m off the street is on none
    near = [Point(X0 + 10, Y0 + 30), Point(X0 + 50, Y0 - 80), Point(X0 + 90, Y0 + 5)]
    far = [Point(X0 + 160, Y0), Point(X0 + 400, Y0 + 10), Point(X0 + 140, Y0 + 300)]
    points = gpd.GeoDataFrame(
        {"crime_type": ["Burglary", ASB, ASB, "Burglary", ASB, "Burglary"]},
        geometry=[*near, *far],
        crs=BNG,
    )
    out = catchment_coverage(catchments, points, network=net)
    assert out.loc[0, "n_crimes"] == 1
    assert out.loc[0, "n_asb"] == 2
    assert out.loc[0, "share_crime"] == pytest.approx(1 / 3)
    assert out.loc[0, "share_asb"] == pytest.approx(2 / 3)
    assert out.loc[0, "n_off_network"] == 1
    assert "n_crimes" not in catchments.columns
    with pytest.raises(MissingColumnError, match="crime_type"):
        catchment_coverage(catchments, points.drop(columns="crime_type"), network=net)
    with pytest.raises(MissingColumnError, match="no node column"):
        catchment_coverage(catchments.drop(columns="node"), points, network=net)


def test_a_catchment_reaching_every_street_holds_every_crime_near_a_street() -> None:
    # 300 m blocks: a crime in the middle of one is 150 m from every street, outside the 25 m
    # band drawn along them and in a hole too big to fill; it is still a 150 m walk off a street
    g = nx.MultiDiGraph(crs=BNG)
    for r in range(3):
        for c in range(3):
            g.add_node(r * 3 + c, x=X0 + 300 * c, y=Y0 + 300 * r)
    for r in range(3):
        for c in range(3):
            a = r * 3 + c
            if c < 2:
                g.add_edge(a, a + 1, length=300.0, highway="footway")
            if r < 2:
                g.add_edge(a, a + 3, length=300.0, highway="footway")
    net = network_from_graph(g)
    site = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=BNG)
    everywhere = walking_catchments(net, site, minutes=[600])
    assert everywhere.loc[0, "n_nodes_reached"] == 9
    centres = [Point(X0 + 150 + 300 * c, Y0 + 150 + 300 * r) for r in range(2) for c in range(2)]
    points = gpd.GeoDataFrame(
        {"crime_type": ["Burglary"] * 4 + [ASB]},
        geometry=[*centres, Point(X0 + 310, Y0 + 20)],
        crs=BNG,
    )
    assert not shapely.contains_xy(everywhere.geometry.iloc[0], X0 + 150, Y0 + 150)
    out = catchment_coverage(everywhere, points, network=net)
    assert (out.loc[0, "n_crimes"], out.loc[0, "n_asb"]) == (4, 1)
    assert (out.loc[0, "share_crime"], out.loc[0, "share_asb"]) == (1.0, 1.0)
    assert out.loc[0, "n_off_network"] == 0
    strict = catchment_coverage(everywhere, points, network=net, max_snap_m=100)
    assert (strict.loc[0, "n_crimes"], strict.loc[0, "n_off_network"]) == (0, 4)


def test_hotspot_coverage_gives_area_share_of_cells_and_inside_flag_of_points() -> None:
    catchments = gpd.GeoDataFrame(
        {"site": [7], "site_name": ["Hub"], "minutes": [10.0]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100)],
        crs=BNG,
    )
    hotspots = gpd.GeoDataFrame(
        {"weight": [4.0, 2.0, 3.0]},
        geometry=[
            Polygon([(X0 + 50, Y0), (X0 + 150, Y0), (X0 + 150, Y0 + 100), (X0 + 50, Y0 + 100)]),
            Point(X0 + 10, Y0 + 10),
            Point(X0 + 500, Y0),
        ],
        index=["a", "b", "c"],
        crs=BNG,
    )
    out = hotspot_coverage(catchments, hotspots).set_index("hotspot")
    assert out.loc["a", "share_inside"] == pytest.approx(0.5)
    assert out.loc["a", "weight_inside"] == pytest.approx(2.0)
    assert out.loc["b", "share_inside"] == 1.0
    assert out.loc["c", "share_inside"] == 0.0
    assert (out["site"] == 7).all()


def test_best_joint_sites_picks_the_heavy_cluster_first_then_the_other() -> None:
    net = line_network(41)  # 4 km street
    hotspots = gpd.GeoDataFrame(
        {"weight": [5.0, 5.0, 1.0, 1.0, 1.0]},
        geometry=[
            Point(X0 + 300, Y0),
            Point(X0 + 400, Y0),
            Point(X0 + 3500, Y0),
            Point(X0 + 3600, Y0),
            Point(X0 + 3700, Y0),
        ],
        crs=BNG,
    )
    candidates = gpd.GeoDataFrame(
        {"name": ["West", "Middle", "East"]},
        geometry=[Point(X0 + 350, Y0), Point(X0 + 2000, Y0), Point(X0 + 3600, Y0)],
        crs=BNG,
    )
    plan = best_joint_sites(net, hotspots, candidates=candidates, n_sites=2, minutes=5)
    assert plan.chosen["name"].tolist() == ["West", "East"]
    assert plan.chosen["weight_added"].tolist() == [10.0, 3.0]
    assert plan.chosen["share_covered"].tolist() == pytest.approx([10 / 13, 1.0])
    assert plan.ranking["name"].tolist() == ["West", "East", "Middle"]
    assert plan.ranking["weight_alone"].tolist() == [10.0, 3.0, 0.0]
    assert plan.candidate_kind == "sites"
    nodes = best_joint_sites(net, hotspots, n_sites=1, minutes=5)
    assert nodes.candidate_kind == "street nodes"
    assert nodes.chosen.loc[0, "weight_added"] == 10.0
    x = float(shapely.get_x(nodes.chosen.geometry.iloc[0]))
    assert X0 <= x <= X0 + 800  # within 400 m of both heavy hotspots
    assert nodes.chosen.crs == BNG


def test_bad_catchment_inputs_are_refused() -> None:
    net = line_network()
    sites = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=BNG)
    with pytest.raises(ParameterError, match="must be positive"):
        walking_catchments(net, sites, minutes=[0, 5])
    with pytest.raises(ParameterError, match="buffer_m"):
        walking_catchments(net, sites, buffer_m=0)
    with pytest.raises(EmptyInputError, match="no co-location sites"):
        walking_catchments(net, sites.iloc[[]])
    with pytest.raises(CRSError, match="EPSG:27700"):
        walking_catchments(net, sites.set_crs("EPSG:3857", allow_override=True))
    with pytest.raises(ParameterError, match="n_sites"):
        best_joint_sites(net, sites, n_sites=0)
    with pytest.raises(MissingColumnError, match="gi_z"):
        best_joint_sites(net, sites, weight_column="gi_z")


@pytest.mark.shared
def test_cambridge_catchments_agree_with_dijkstra(cambridge_dir: Path) -> None:
    net = load_network(cambridge_dir / "osm" / "cambridge_drive.graphml")
    guildhall = gpd.GeoSeries([Point(0.119212, 52.204835)], crs="EPSG:4326").to_crs(BNG)
    sites = gpd.GeoDataFrame({"name": ["Guildhall"]}, geometry=guildhall.to_numpy(), crs=BNG)
    out = walking_catchments(net, sites)
    assert all(share >= 0.95 for share in agreement(net, out, guildhall.iloc[0]))
    assert pd.Series(out["n_nodes_reached"]).is_monotonic_increasing


# --- the `patchmap catchment` subcommand (patchmap/) over these functions -----------------------


def test_catchment_cli_writes_a_geopackage_and_json(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json  # noqa: PLC0415  # this test only

    from patchmap.cli import main  # noqa: PLC0415  # the CLI sits above the packages

    out = tmp_path / "catchments.gpkg"
    code = main(
        [
            "catchment",
            "--network",
            str(cambridge_dir / "osm" / "cambridge_drive.graphml"),
            "--sites",
            str(cambridge_dir / "pois" / "cambridge_pois.csv"),
            "--minutes",
            "5,10",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert [c["minutes"] for c in record["catchments"]] == [5.0, 10.0]
    assert record["catchments"][0]["area_km2"] < record["catchments"][1]["area_km2"]
    assert any("drive network" in n for n in record["notes"])
    back = gpd.read_file(out, layer="catchments")
    assert back["minutes"].tolist() == [5.0, 10.0]


def test_small_holes_inside_a_block_are_filled_and_large_ones_kept() -> None:
    g = nx.MultiDiGraph(crs=BNG)
    corners = [(0, 0), (100, 0), (100, 100), (0, 100)]
    for i, (x, y) in enumerate(corners):
        g.add_node(i, x=X0 + x, y=Y0 + y)
    for i in range(4):
        g.add_edge(i, (i + 1) % 4, length=100.0, highway="footway")
    net = network_from_graph(g)
    sites = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=BNG)
    # 5 min = 400 m: the whole 400 m ring is reachable; the block inside is 80 m x 80 m
    filled = walking_catchments(net, sites, minutes=[5], buffer_m=10).geometry.iloc[0]
    kept = walking_catchments(net, sites, minutes=[5], buffer_m=10, fill_holes_m2=0).geometry.iloc[
        0
    ]
    assert shapely.get_num_interior_rings(kept) == 1
    assert shapely.get_num_interior_rings(filled) == 0
    assert filled.area - kept.area == pytest.approx(80 * 80, rel=1e-6)
    small_limit = walking_catchments(
        net, sites, minutes=[5], buffer_m=10, fill_holes_m2=5_000
    ).geometry.iloc[0]
    assert shapely.get_num_interior_rings(small_limit) == 1  # 6,400 m2 >= 5,000 m2: kept
    with pytest.raises(ParameterError, match="fill_holes_m2"):
        walking_catchments(net, sites, fill_holes_m2=-1)
