from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import WSP

from boundaries.dataset import StudyArea, load_demo
from hotspots.nkde import network_kde
from hotspots.streets import (
    hot_streets,
    street_counts,
    street_gi_star,
    street_stops,
    street_weights,
    top_streets,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.lixels import make_lixels, snap_to_lixels
from spatial.network import StreetNetwork, load_network, network_from_graph

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

X0, Y0 = 530_000.0, 180_000.0


def chain() -> StreetNetwork:
    """Three 100 m segments in a row: A (1-2), B (2-3), C (3-4)."""
    g = nx.MultiDiGraph(crs=BNG)
    for node in range(1, 5):
        g.add_node(node, x=X0 + 100 * (node - 1), y=Y0)
    for node, name in zip(range(1, 4), "ABC", strict=True):
        g.add_edge(node, node + 1, length=100.0, name=f"{name} Street")
    return network_from_graph(g)


def points_at(xs: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(np.array(xs) + X0, [Y0 + 2] * len(xs)), crs=BNG
    )


def test_counts_per_segment_and_per_lixel_with_rate_per_100m() -> None:
    lixels = make_lixels(chain(), lixel_m=40)
    snap = snap_to_lixels(lixels, points_at([10, 150, 160, 210, 220, 230]))
    seg = street_counts(snap, lixels=lixels)
    assert seg.crs == BNG
    assert list(seg["name"]) == ["A Street", "B Street", "C Street"]
    assert seg["n_crimes"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(seg["per_100m"], [1, 2, 3])
    lix = street_counts(snap, lixels=lixels, per="lixel")
    assert lix["n_crimes"].tolist() == [1, 0, 0, 0, 2, 0, 3, 0, 0]
    np.testing.assert_allclose(lix["length_m"], [40, 40, 20] * 3)
    np.testing.assert_allclose(lix["per_100m"].iloc[6], 7.5)


def test_street_gi_star_matches_the_worked_three_piece_example() -> None:
    lixels = make_lixels(chain())
    snap = snap_to_lixels(lixels, points_at([50, 120, 130, 210, 220, 230, 240, 250, 260]))
    result = street_gi_star(snap, lixels=lixels, correction="none")
    # same numbers as the docstring example of hotspots.gistar.gi_star_z: counts 1, 2, 6
    np.testing.assert_allclose(result.lines["gi_z"], [-1.3887, 0.0, 0.9258], atol=1e-4)
    assert "sharing a junction" in result.convention
    assert result.lines["hotspot"].tolist() == ["Not significant"] * 3


def test_network_weights_by_junction_and_by_distance() -> None:
    lixels = make_lixels(chain())
    junction = street_weights(lixels).toarray()
    np.testing.assert_array_equal(junction, [[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(street_weights(lixels, distance_m=100).toarray(), np.ones((3, 3)))
    np.testing.assert_array_equal(street_weights(lixels, distance_m=99).toarray(), junction)
    lix = street_weights(lixels, per="lixel").toarray()  # 50 m pieces: neighbours along the row
    assert lix.shape == (6, 6)
    np.testing.assert_array_equal(lix.sum(axis=1), [2, 3, 3, 3, 3, 2])
    with pytest.raises(ParameterError, match="distance_m must be a positive"):
        street_weights(lixels, distance_m=-5)


def test_street_gi_star_agrees_with_esda_on_a_lattice() -> None:
    g = nx.MultiDiGraph(crs=BNG)
    n = 6
    for i in range(n):
        for j in range(n):
            g.add_node(i * n + j, x=X0 + 80 * i, y=Y0 + 80 * j)
            if i:
                g.add_edge((i - 1) * n + j, i * n + j, length=80.0)
            if j:
                g.add_edge(i * n + j - 1, i * n + j, length=80.0)
    lixels = make_lixels(network_from_graph(g))
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 80 * (n - 1), size=(300, 2))
    crimes = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0] + X0, xy[:, 1] + Y0), crs=BNG)
    snap = snap_to_lixels(lixels, crimes, max_snap_m=100)
    result = street_gi_star(snap, lixels=lixels, distance_m=100)
    weights = street_weights(lixels, distance_m=100)
    w = WSP(weights).to_W(silence_warnings=True)
    peer = G_Local(
        result.lines["n_crimes"].to_numpy(dtype=float), w, star=True, transform="B", permutations=0
    )
    np.testing.assert_allclose(result.lines["gi_z"], peer.Zs, atol=1e-9)


def test_top_streets_hold_the_share_asked_for() -> None:
    lixels = make_lixels(chain())
    snap = snap_to_lixels(lixels, points_at([50, 120, 130, 210, 220, 230, 240, 250, 260]))
    top = top_streets(street_counts(snap, lixels=lixels), share_pct=60)
    assert top.lines["name"].tolist() == ["C Street"]
    assert top.lines["cum_share_pct"].iloc[0] == pytest.approx(600 / 9)
    assert top.pct_of_length == pytest.approx(100 / 3)
    with pytest.raises(ParameterError, match="share_pct"):
        top_streets(street_counts(snap, lixels=lixels), share_pct=0)
    with pytest.raises(MissingColumnError, match="n_crimes"):
        top_streets(gpd.GeoDataFrame({"length_m": [1.0]}))
    empty = snap_to_lixels(lixels, points_at([50]), max_snap_m=1)
    with pytest.raises(EmptyInputError, match="None of the 1 crimes"):
        street_gi_star(empty, lixels=lixels)


@pytest.fixture(scope="module")
def demo_area() -> StudyArea:
    return load_demo()


def _distance_to(geom: BaseGeometry, name: str) -> float:
    pattern = PLANTED_PATTERNS[name]
    point = gpd.points_from_xy([pattern.centre_x_m], [pattern.centre_y_m])[0]
    return float(point.distance(geom))


def test_planted_hot_streets_are_found_on_the_demo(demo_area: StudyArea) -> None:
    assert demo_area.network_path is not None
    lixels = make_lixels(load_network(demo_area.network_path))
    crimes = demo_area.points
    density = network_kde(crimes, lixels=lixels, bandwidth_m=150)
    assert density.snap.n_too_far == 0
    geometry = density.frame().geometry
    # with every crime the densest street is the police station's (the recording artefact)
    assert _distance_to(geometry.iloc[int(np.argmax(density.density_per_m))], "police_station") < 60
    # without the artefact it is the night-time-economy street
    real = crimes[~crimes["location"].str.contains("Police Station")]
    density = network_kde(real, lixels=lixels, bandwidth_m=150)
    peak = geometry.iloc[int(np.argmax(density.density_per_m))]
    assert _distance_to(peak, "nte_violence") < PLANTED_PATTERNS["nte_violence"].radius_m
    gi = street_gi_star(density.snap, lixels=lixels)
    assert gi.n_hot > 0
    top = gi.lines.sort_values("gi_z", ascending=False).iloc[0]
    assert _distance_to(top.geometry, "nte_violence") < PLANTED_PATTERNS["nte_violence"].radius_m


@pytest.mark.parametrize("method", ["nkde-discontinuous", "nkde-simple", "counts", "gistar"])
@pytest.mark.parametrize("per", ["segment", "lixel"])
def test_hot_streets_ranks_the_busiest_street_first(method: str, per: str) -> None:
    crimes = points_at([50, 120, 130, 210, 220, 230, 240, 250, 260, 900])
    hot = hot_streets(crimes, network=chain(), method=method, per=per, max_snap_m=20)  # type: ignore[arg-type]
    assert (hot.n_points, hot.n_snapped, hot.n_too_far) == (10, 9, 1)
    assert hot.total_street_km == pytest.approx(0.3)
    top = hot.top(2)
    assert top["name"].iloc[0] == "C Street"
    assert hot.value_column in hot.lines.columns
    assert "1 further away were left out" in hot.description
    assert int(hot.lines["n_crimes"].sum()) == 9


def test_segment_nkde_is_the_length_weighted_mean_of_its_lixels() -> None:
    crimes = points_at([50, 120, 130, 210, 220])
    by_segment = hot_streets(crimes, network=chain(), lixel_m=30)
    by_lixel = hot_streets(crimes, network=chain(), lixel_m=30, per="lixel")
    mass_segments = (by_segment.lines["density_per_km"] * by_segment.lines["length_m"]).sum()
    mass_lixels = (by_lixel.lines["density_per_km"] * by_lixel.lines["length_m"]).sum()
    assert mass_segments == pytest.approx(mass_lixels)
    with pytest.raises(ParameterError, match="method must be one of"):
        hot_streets(crimes, network=chain(), method="kde")  # type: ignore[arg-type]


def test_street_stops_are_the_midpoints_of_the_top_segments() -> None:
    crimes = points_at([50, 120, 130, 210, 220, 230])
    stops = street_stops(hot_streets(crimes, network=chain(), method="counts"), top_n=2)
    assert stops["label"].tolist() == ["C Street (3 crimes)", "B Street (2 crimes)"]
    assert stops["weight"].tolist() == [3.0, 2.0]
    assert (stops.geometry.x - X0).round().tolist() == [250, 150]
    with pytest.raises(ParameterError, match="whole segments"):
        street_stops(hot_streets(crimes, network=chain(), per="lixel"))
