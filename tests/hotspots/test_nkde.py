from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from KDEpy import NaiveKDE
from scipy import integrate

from hotspots.nkde import network_kde, network_kernel
from spatial.crs import BNG
from spatial.errors import EmptyInputError, ParameterError
from spatial.lixels import make_lixels
from spatial.network import StreetNetwork, network_from_graph

X0, Y0 = 530_000.0, 180_000.0


def straight_street(length_m: float = 1000.0) -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(1, x=X0, y=Y0)
    g.add_node(2, x=X0 + length_m, y=Y0)
    g.add_edge(1, 2, length=length_m, name="High Street")
    return network_from_graph(g)


def star(arm_m: float = 1000.0) -> StreetNetwork:
    """Three streets of ``arm_m`` meeting at one junction (node 0 at X0, Y0)."""
    g = nx.MultiDiGraph(crs=BNG)
    g.add_node(0, x=X0, y=Y0)
    for node, (dx, dy) in {1: (1, 0), 2: (-1, 0), 3: (0, 1)}.items():
        g.add_node(node, x=X0 + dx * arm_m, y=Y0 + dy * arm_m)
        g.add_edge(0, node, length=arm_m, name=f"Arm {node}")
    return network_from_graph(g)


def lattice(n: int = 11, block_m: float = 100.0) -> StreetNetwork:
    """An n x n grid of streets with ``block_m`` blocks: loops of 4 blocks everywhere."""
    g = nx.MultiDiGraph(crs=BNG)
    for i in range(n):
        for j in range(n):
            g.add_node(i * n + j, x=X0 + i * block_m, y=Y0 + j * block_m)
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                g.add_edge(i * n + j, (i + 1) * n + j, length=block_m)
            if j + 1 < n:
                g.add_edge(i * n + j, i * n + j + 1, length=block_m)
    return network_from_graph(g)


def points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    x, y = zip(*xy, strict=True)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)


def quartic_mass(a: float, h: float) -> float:
    """Integral of the quartic kernel from 0 to a (a <= h)."""
    v = a / h
    return 15.0 / 16.0 * (v - 2 * v**3 / 3 + v**5 / 5)


@pytest.mark.parametrize("method", ["simple", "discontinuous"])
def test_nkde_on_a_straight_street_equals_planar_1d_kde(method: str) -> None:
    net = straight_street()
    lixels = make_lixels(net, lixel_m=10)
    offsets = [300.0, 320.0, 320.0, 500.0, 505.5, 700.0]
    crimes = points([(X0 + o, Y0 + 3.0) for o in offsets])
    result = network_kde(crimes, lixels=lixels, bandwidth_m=150, method=method)  # type: ignore[arg-type]
    planar = NaiveKDE(kernel="biweight", bw=150 / math.sqrt(7)).fit(np.array(offsets))
    expected = planar.evaluate(lixels.centre_m) * len(offsets)
    np.testing.assert_allclose(result.density_per_m, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.density_per_km, result.density_per_m * 1000)
    assert result.snap.n_snapped == 6
    frame = result.frame()
    assert int(frame["n_crimes"].sum()) == 6
    assert frame.loc[32, "n_crimes"] == 2  # the two crimes at 320 m lie in 320..330 m


def test_gaussian_nkde_on_a_straight_street_is_the_truncated_rescaled_planar_kde() -> None:
    net = straight_street()
    lixels = make_lixels(net, lixel_m=10)
    offsets = np.array([480.0, 500.0, 530.0])
    result = network_kde(
        points([(X0 + o, Y0) for o in offsets]), lixels=lixels, bandwidth_m=300, kernel="gaussian"
    )
    near = np.abs(lixels.centre_m - 500) < 200  # every crime within the 300 m bandwidth
    planar = NaiveKDE(kernel="gaussian", bw=100).fit(offsets).evaluate(lixels.centre_m[near])
    mass = math.erf(3 / math.sqrt(2))
    np.testing.assert_allclose(result.density_per_m[near], planar * 3 / mass, rtol=1e-9)
    far = np.abs(lixels.centre_m - 505) > 330
    assert (result.density_per_m[far] == 0).all()


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kernels_integrate_to_one(kernel: str) -> None:
    total, _ = integrate.quad(
        lambda d: float(network_kernel(np.array([d]), bandwidth_m=120, kernel=kernel)[0]),  # type: ignore[arg-type]
        -120,
        120,
    )
    assert total == pytest.approx(1.0, abs=1e-9)


def test_discontinuous_nkde_splits_mass_equally_at_a_junction() -> None:
    net = star()
    lixels = make_lixels(net, lixel_m=1)
    h = 150.0
    result = network_kde(points([(X0 + 50, Y0)]), lixels=lixels, bandwidth_m=h)
    # on the other two arms the kernel of (50 + s) is halved
    arm2 = np.flatnonzero(np.asarray(net.edge_name)[lixels.segment] == "Arm 2")
    s = lixels.centre_m[arm2]  # arm 2 runs from the junction outwards
    np.testing.assert_allclose(
        result.density_per_m[arm2], network_kernel(50 + s, bandwidth_m=h) / 2, atol=1e-15
    )
    # mass is conserved exactly (up to the 1 m midpoint rule)
    assert result.integral == pytest.approx(1.0, abs=1e-5)
    # the simple NKDE copies the mass beyond the junction onto both arms
    simple = network_kde(points([(X0 + 50, Y0)]), lixels=lixels, bandwidth_m=h, method="simple")
    expected = 1.0 + (0.5 - quartic_mass(50, h))
    assert simple.integral == pytest.approx(expected, abs=1e-5)
    np.testing.assert_allclose(simple.density_per_m[arm2], network_kernel(50 + s, bandwidth_m=h))


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_discontinuous_nkde_conserves_mass_on_a_network_with_loops(kernel: str) -> None:
    net = lattice()  # 1 km square, 100 m blocks
    lixels = make_lixels(net, lixel_m=2)
    crimes = points([(X0 + 450, Y0 + 500), (X0 + 500, Y0 + 430), (X0 + 530, Y0 + 600)] * 2)
    # 350 m bandwidth: paths go round whole blocks (400 m loops) and come back; no dead end
    # (the lattice edge) is within 350 m of a crime
    result = network_kde(crimes, lixels=lixels, bandwidth_m=350, kernel=kernel)  # type: ignore[arg-type]
    assert result.integral == pytest.approx(6.0, rel=1e-4)
    simple = network_kde(crimes, lixels=lixels, bandwidth_m=350, method="simple")
    assert simple.integral > 6.0 * 1.5  # the simple NKDE multiplies mass at every junction


def test_discontinuous_nkde_loses_the_mass_that_runs_into_a_dead_end() -> None:
    net = straight_street(100.0)
    lixels = make_lixels(net, lixel_m=0.5)
    result = network_kde(points([(X0 + 40, Y0)]), lixels=lixels, bandwidth_m=150)
    lost = (0.5 - quartic_mass(40, 150)) + (0.5 - quartic_mass(60, 150))
    assert result.integral == pytest.approx(1.0 - lost, abs=1e-5)


def test_simple_nkde_takes_the_shortest_way_round_a_loop() -> None:
    net = lattice(3, 100.0)
    lixels = make_lixels(net, lixel_m=10)
    result = network_kde(
        points([(X0 + 100, Y0 + 50)]), lixels=lixels, bandwidth_m=150, method="simple"
    )
    # lixel centre (X0 + 155, Y0 + 100): 50 m up to the junction at (100, 100), then 55 m east
    frame = result.frame()
    target = (
        frame.geometry.centroid.distance(gpd.points_from_xy([X0 + 155], [Y0 + 100])[0])
        .to_numpy()
        .argmin()
    )
    assert result.density_per_m[target] == pytest.approx(
        float(network_kernel(np.array([105.0]), bandwidth_m=150)[0])
    )


def test_crimes_too_far_from_streets_are_counted_not_used() -> None:
    net = straight_street()
    lixels = make_lixels(net)
    crimes = points([(X0 + 100, Y0 + 10), (X0 + 100, Y0 + 80)])
    result = network_kde(crimes, lixels=lixels, max_snap_m=50)
    assert (result.snap.n_snapped, result.snap.n_too_far) == (1, 1)
    with pytest.raises(EmptyInputError, match="None of the 1 crimes lies within 50 m"):
        network_kde(crimes.iloc[[1]], lixels=lixels, max_snap_m=50)


def test_bad_options_raise_parameter_errors() -> None:
    lixels = make_lixels(straight_street())
    crimes = points([(X0 + 100, Y0)])
    with pytest.raises(ParameterError, match="bandwidth_m must be a positive"):
        network_kde(crimes, lixels=lixels, bandwidth_m=0)
    with pytest.raises(ParameterError, match="method must be one of"):
        network_kde(crimes, lixels=lixels, method="equal-split")  # type: ignore[arg-type]


def test_merging_paths_on_large_bandwidths_keeps_mass_and_moves_density_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = lattice()
    lixels = make_lixels(net, lixel_m=10)
    crimes = points([(X0 + 450, Y0 + 500), (X0 + 500, Y0 + 433), (X0 + 537, Y0 + 600)])
    exact = network_kde(crimes, lixels=lixels, bandwidth_m=380)
    monkeypatch.setattr("hotspots.nkde._MERGE_ABOVE", 0)  # merge at every junction
    merged = network_kde(crimes, lixels=lixels, bandwidth_m=380)
    assert merged.integral == pytest.approx(exact.integral, rel=1e-12)
    np.testing.assert_allclose(merged.density_per_m, exact.density_per_m, atol=2e-5)
    assert not np.array_equal(merged.density_per_m, exact.density_per_m)


def test_continuous_nkde_on_a_straight_street_equals_planar_1d_kde() -> None:
    # a street of four 250 m segments: degree-2 junctions pass the kernel on unchanged
    g = nx.MultiDiGraph(crs=BNG)
    for node in range(5):
        g.add_node(node, x=X0 + 250 * node, y=Y0)
    for node in range(4):
        g.add_edge(node, node + 1, length=250.0, name="High Street")
    lixels = make_lixels(network_from_graph(g), lixel_m=10)
    offsets = [300.0, 320.0, 490.0, 505.5, 700.0]
    crimes = points([(X0 + o, Y0 + 3.0) for o in offsets])
    result = network_kde(crimes, lixels=lixels, bandwidth_m=150, method="continuous")
    x = lixels.centre_m + 250.0 * lixels.segment  # position along the whole street
    planar = NaiveKDE(kernel="biweight", bw=150 / math.sqrt(7)).fit(np.array(offsets))
    np.testing.assert_allclose(
        result.density_per_m, planar.evaluate(x) * len(offsets), rtol=1e-9, atol=1e-12
    )


def test_continuous_nkde_splits_two_thirds_on_and_corrects_backwards_at_a_junction() -> None:
    net = star()
    lixels = make_lixels(net, lixel_m=1)
    h, a = 150.0, 50.0
    result = network_kde(points([(X0 + a, Y0)]), lixels=lixels, bandwidth_m=h, method="continuous")
    name = np.asarray(net.edge_name)[lixels.segment]
    arm2 = np.flatnonzero(name == "Arm 2")
    s = lixels.centre_m[arm2]  # arm 2 runs from the junction outwards
    np.testing.assert_allclose(
        result.density_per_m[arm2], 2 / 3 * network_kernel(a + s, bandwidth_m=h), atol=1e-15
    )
    # between the junction and the crime: the kernel plus the backward correction of -1/3
    arm1 = np.flatnonzero((name == "Arm 1") & (lixels.centre_m < a))
    y = lixels.centre_m[arm1]
    expected = network_kernel(a - y, bandwidth_m=h) - network_kernel(a + y, bandwidth_m=h) / 3
    np.testing.assert_allclose(result.density_per_m[arm1], expected, atol=1e-15)
    # continuous at the junction (up to one 1 m lixel's slope); the discontinuous NKDE jumps
    step = abs(result.density_per_m[arm1][0] - result.density_per_m[arm2][0])
    jumpy = network_kde(points([(X0 + a, Y0)]), lixels=lixels, bandwidth_m=h).density_per_m
    assert step < 1e-4
    assert abs(jumpy[arm1][0] - jumpy[arm2][0]) > 1e-3
    assert result.integral == pytest.approx(1.0, abs=1e-5)


def test_continuous_nkde_reflects_at_dead_ends_and_conserves_mass() -> None:
    net = straight_street(100.0)
    lixels = make_lixels(net, lixel_m=0.5)
    result = network_kde(
        points([(X0 + 40, Y0)]), lixels=lixels, bandwidth_m=150, method="continuous"
    )
    # the discontinuous NKDE loses what runs off the ends; the continuous one reflects it back
    assert result.integral == pytest.approx(1.0, abs=1e-5)
    x = lixels.centre_m
    # direct; reflected at 0; reflected at 100; reflected at 0 then 100 (160 + x is too far)
    paths = (np.abs(x - 40), 40 + x, 160 - x, 240 - x)
    expected = sum(network_kernel(d, bandwidth_m=150) for d in paths)
    np.testing.assert_allclose(result.density_per_m, expected, atol=1e-12)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_continuous_nkde_conserves_mass_on_a_network_with_loops_and_dead_ends(kernel: str) -> None:
    net = lattice(n=6)  # 500 m square: the lattice edge (dead ends at the corners' arms) is near
    lixels = make_lixels(net, lixel_m=2)
    crimes = points([(X0 + 150, Y0 + 200), (X0 + 200, Y0 + 130), (X0 + 30, Y0 + 400)])
    result = network_kde(crimes, lixels=lixels, bandwidth_m=250, kernel=kernel, method="continuous")  # type: ignore[arg-type]
    assert result.integral == pytest.approx(3.0, rel=1e-4)
    assert result.density_per_m.min() > -1e-12  # the backward corrections never overshoot
