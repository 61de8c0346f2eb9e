"""Getis-Ord Gi*: worked by hand, equal to esda, planted hotspots found, permutations."""

from __future__ import annotations

import math
import warnings
from itertools import combinations
from typing import TYPE_CHECKING

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
from scipy import sparse, stats
from shapely import box

from hotspots.gistar import (
    HOTSPOT_LABELS,
    gi_star,
    gi_star_significant,
    gi_star_z,
    permutation_p,
    spatial_weights,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS, DemoArea
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import Grid, assign_cells_xy, count_points, hex_side_m, make_grid
from spatial.io import read_crimes, read_wards

if TYPE_CHECKING:
    from pathlib import Path

    import numpy.typing as npt

    from spatial.grid import GridKind

SQUARE_3X3 = gpd.GeoDataFrame(geometry=[box(0, 0, 300, 300)], crs=BNG)


@pytest.fixture(scope="module")
def grid_3x3() -> Grid:
    # cell_id = 3 * row + col, row 0 at the south
    return make_grid(SQUARE_3X3, cell_size_m=100)


def _in_wards(
    demo_town: DemoArea, demo_crimes: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The demo wards and the demo crimes inside them."""
    inside = demo_crimes.geometry.within(demo_town.wards.union_all()).to_numpy()
    return demo_town.wards, demo_crimes[inside]


@pytest.fixture(scope="module")
def cambridge(cambridge_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    wards = read_wards(cambridge_dir / "wards.geojson").wards
    points = read_crimes([cambridge_dir / "crimes"]).points
    inside = points.geometry.within(wards.union_all()).to_numpy()
    return wards, points[inside]


def _esda_z(values: npt.NDArray[np.float64], w: libpysal.weights.W) -> npt.NDArray[np.float64]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands/components; not ours
        result = esda.G_Local(values, w, transform="B", star=True, permutations=0)
    return np.asarray(result.Zs, dtype=np.float64)


def _libpysal_weights(grid: Grid, *, polygons: bool = True) -> libpysal.weights.W:
    """
    Queen contiguity built by libpysal itself.

    From the cell polygons (squares, ``polygons=True``) or as a distance band between centres:
    the 8 (squares, up to sqrt(2) cell sizes) or 6 (hexagons, sqrt(3) sides) nearest cells.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if grid.kind == "square" and polygons:
            return libpysal.weights.Queen.from_dataframe(grid.cells, use_index=False)
        centres = grid.cells[["x_m", "y_m"]].to_numpy()
        if grid.kind == "square":
            spacing = math.sqrt(2) * grid.cell_size_m
        else:
            spacing = math.sqrt(3) * hex_side_m(grid.cell_size_m)
        return libpysal.weights.DistanceBand(centres, threshold=spacing * 1.01, binary=True)


def test_gi_star_z_worked_by_hand_one_hot_centre(grid_3x3: Grid) -> None:
    # y = 9 in the centre, 0 elsewhere: n = 9, mean 1, mean of squares 9, S^2 = 9 - 1 = 8.
    # corner (W_i = 4 incl. itself, sum 9): z = (9 - 1*4) / (sqrt(8) sqrt((9*4 - 16) / 8))
    #   = 5 / (sqrt(8) sqrt(2.5)) = 5 / sqrt(20) = sqrt(5) / 2
    # edge (W_i = 6, sum 9): z = (9 - 6) / (sqrt(8) sqrt((54 - 36) / 8)) = 3 / (sqrt(8) * 1.5)
    #   = 1 / sqrt(2)
    # centre (W_i = 9 = n): the neighbourhood is everything, z = 0
    counts = np.zeros(9)
    counts[4] = 9
    result = gi_star(counts, grid=grid_3x3, correction="none")
    corner, edge = math.sqrt(5) / 2, 1 / math.sqrt(2)
    expected = [corner, edge, corner, edge, 0.0, edge, corner, edge, corner]
    np.testing.assert_allclose(result.cells["gi_z"], expected, rtol=1e-12, atol=1e-12)


def test_gi_star_worked_by_hand_hot_corner_is_hot_95(grid_3x3: Grid) -> None:
    # y = 6 in the south-west corner, 3 in its two edge neighbours, 0 elsewhere.
    # n = 9, sum 12, mean 4/3, mean of squares 54/9 = 6, S^2 = 6 - 16/9 = 38/9.
    # corner 0: neighbourhood {0, 1, 3, 4}, sum 12, W = 4:
    #   z = (12 - 4 * 4/3) / (sqrt(38/9) sqrt((36 - 16) / 8)) = (20/3) / (sqrt(95) / 3)
    #     = 20 / sqrt(95) = 2.0520 -> two-sided p = 0.0402 -> "Hot 95%" without correction
    # corner 8: neighbourhood {4, 5, 7, 8}, sum 0: z = -(16/3) / (sqrt(95) / 3) = -16 / sqrt(95)
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    result = gi_star(counts, grid=grid_3x3, correction="none")
    cells = result.cells
    assert cells.loc[0, "gi_z"] == pytest.approx(20 / math.sqrt(95), rel=1e-12)
    assert cells.loc[8, "gi_z"] == pytest.approx(-16 / math.sqrt(95), rel=1e-12)
    assert cells.loc[0, "gi_p"] == pytest.approx(2 * stats.norm.sf(20 / math.sqrt(95)))
    assert cells.loc[0, "gi_p"] == pytest.approx(0.0402, abs=5e-5)
    assert cells.loc[0, "gi_bin"] == 2
    assert cells.loc[0, "hotspot"] == "Hot 95%"
    assert cells.loc[8, "hotspot"] == "Not significant"  # |z| = 1.64 -> p = 0.100 > 0.10
    # with BH over the 9 cells the corner's adjusted p = 0.0402 * 9 / 1 > 0.10
    assert gi_star(counts, grid=grid_3x3).cells.loc[0, "hotspot"] == "Not significant"


def test_classes_follow_arcgis_gi_bin_on_adjusted_p(grid_3x3: Grid) -> None:
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    cells = gi_star(counts, grid=grid_3x3, correction="none").cells
    assert set(cells["hotspot"]) <= set(HOTSPOT_LABELS.values())
    for _, cell in cells.iterrows():
        p, z = cell["gi_p_fdr"], cell["gi_z"]
        level = 3 if p <= 0.01 else 2 if p <= 0.05 else 1 if p <= 0.10 else 0
        assert cell["gi_bin"] == level * np.sign(z)
        assert cell["hotspot"] == HOTSPOT_LABELS[int(cell["gi_bin"])]


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_gi_star_z_equals_esda_on_the_demo(
    demo_town: DemoArea, demo_crimes: gpd.GeoDataFrame, kind: GridKind
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    grid = make_grid(wards, kind=kind, cell_size_m=50)
    counts = count_points(points, grid)
    result = gi_star(counts, grid=grid)
    np.testing.assert_allclose(
        result.cells["gi_z"], _esda_z(counts, _libpysal_weights(grid)), rtol=0, atol=1e-9
    )


def test_distance_band_equals_esda_distance_band(
    demo_town: DemoArea,
    demo_crimes: gpd.GeoDataFrame,
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    grid = make_grid(wards, cell_size_m=100)
    counts = count_points(points, grid)
    result = gi_star(counts, grid=grid, distance_band_m=250)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.DistanceBand(
            grid.cells[["x_m", "y_m"]].to_numpy(), threshold=250, binary=True
        )
    np.testing.assert_allclose(result.cells["gi_z"], _esda_z(counts, w), rtol=0, atol=1e-9)
    # 250 m band on 100 m cells: 1 + 4 + 4 + 4 + 8 = 21 cells away from the edge
    assert int(np.diff(spatial_weights(grid, distance_band_m=250).indptr).max()) == 21
    assert "250 m distance band" in result.convention


@pytest.mark.shared
def test_gi_star_z_equals_esda_on_cambridge(
    cambridge: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    wards, points = cambridge
    grid = make_grid(wards)
    counts = count_points(points, grid)
    assert counts.sum() == len(points)
    result = gi_star(counts, grid=grid)
    w = _libpysal_weights(grid, polygons=False)  # 21k cells: libpysal's polygon Queen is slow
    np.testing.assert_allclose(result.cells["gi_z"], _esda_z(counts, w), rtol=0, atol=1e-9)
    assert result.n_hot > 0
    # the city centre (Market ward, Market Square ~ 545,000 m E, 258,400 m N) is a hot spot
    cell = assign_cells_xy(np.array([545_000.0]), np.array([258_400.0]), grid)[0]
    assert result.cells.loc[cell, "gi_bin"] == 3


@pytest.mark.parametrize("pattern", ["nte_violence", "police_station"])
def test_planted_demo_hotspots_are_hot_99(
    demo_town: DemoArea, demo_crimes: gpd.GeoDataFrame, pattern: str
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    grid = make_grid(wards, cell_size_m=100)
    result = gi_star(count_points(points, grid), grid=grid)
    planted = PLANTED_PATTERNS[pattern]
    cell = assign_cells_xy(np.array([planted.centre_x_m]), np.array([planted.centre_y_m]), grid)
    assert result.cells.loc[cell[0], "hotspot"] == "Hot 99%"


def test_emerging_asb_is_hot_only_in_its_months(
    demo_town: DemoArea,
    demo_crimes: gpd.GeoDataFrame,
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    planted = PLANTED_PATTERNS["emerging_asb"]
    grid = make_grid(wards, cell_size_m=100)
    weights = spatial_weights(grid)
    cell = assign_cells_xy(np.array([planted.centre_x_m]), np.array([planted.centre_y_m]), grid)[0]
    asb = points[points["crime_type"] == "Anti-social behaviour"]
    months = asb["month"].astype(str)
    late = gi_star(count_points(asb[months.isin(planted.months)], grid), grid=grid, weights=weights)
    early = gi_star(
        count_points(asb[~months.isin(planted.months)], grid), grid=grid, weights=weights
    )
    assert late.cells.loc[cell, "gi_bin"] == 3
    assert early.cells.loc[cell, "gi_bin"] <= 0


def test_permutation_p_matches_exact_conditional_probabilities(grid_3x3: Grid) -> None:
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    weights = spatial_weights(grid_3x3)
    p_sim = permutation_p(counts, weights, permutations=49_999, seed=7)
    # cell 0 keeps its 6; its 3 other neighbours are drawn from the other 8 values
    # [3, 0, 3, 0, 0, 0, 0, 0]; the observed sum 6 is reached only with both 3s:
    # P = C(6, 1) / C(8, 3) = 6 / 56.  Cell 1 draws 5 of [6, 0, 3, 0, 0, 0, 0, 0] and
    # reaches its observed 9 only with both 6 and 3: C(6, 3) / C(8, 5) = 20 / 56.
    # (Both are below 0.5, so the folded p-value is the upper tail itself.)
    for cell, others, observed, by_hand in (
        (0, [3, 0, 3, 0, 0, 0, 0, 0], 6, 6 / 56),
        (1, [6, 0, 3, 0, 0, 0, 0, 0], 9, 20 / 56),
    ):
        k = int(weights[[cell], :].sum()) - 1
        draws = [sum(c) for c in combinations(others, k)]
        exact = float(np.mean(np.array(draws) >= observed))
        assert exact == pytest.approx(by_hand, rel=1e-12)
        # 49,999 draws: standard error at most 0.0022, allow 4 of them
        assert p_sim[cell] == pytest.approx(exact, abs=0.009)


def test_permutation_p_agrees_with_esda_without_ties_and_is_seeded(
    demo_town: DemoArea,
    demo_crimes: gpd.GeoDataFrame,
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    grid = make_grid(wards, cell_size_m=200)
    # esda counts tied permuted sums on the upper side only (see the next test); small
    # jitter removes ties so both conventions coincide
    jitter = np.random.default_rng(0).uniform(0, 0.01, grid.n_cells)
    values = count_points(points, grid) + jitter
    ours = permutation_p(values, spatial_weights(grid), permutations=999, seed=11)
    again = permutation_p(values, spatial_weights(grid), permutations=999, seed=11)
    other = permutation_p(values, spatial_weights(grid), permutations=999, seed=12)
    np.testing.assert_array_equal(ours, again)
    assert not np.array_equal(ours, other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.G_Local(
            values, _libpysal_weights(grid), transform="B", star=True, permutations=999, seed=3
        )
    # Both are Monte Carlo estimates whose draws are shared by all cells, so their errors are
    # correlated across cells: two runs of either differ by about 0.012-0.02 per cell on
    # average here. A wrong neighbourhood or a missing self-weight differs by far more.
    assert np.abs(ours - reference.p_sim).mean() < 0.025
    assert np.corrcoef(ours, reference.p_sim)[0, 1] > 0.98
    assert ours.min() == pytest.approx(1 / 1000)


def test_permutation_p_counts_ties_on_both_sides(grid_3x3: Grid) -> None:
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    p_sim = permutation_p(counts, spatial_weights(grid_3x3), permutations=49_999, seed=5)
    # Cell 8 (north-east corner, 0) has neighbours 4, 5, 7 summing to 0. Drawing 3 of the other
    # values [6, 3, 0, 3, 0, 0, 0, 0] always gives a sum >= 0 (no evidence of a hot spot) and
    # a sum <= 0 only with three zeros: C(5, 3) / C(8, 3) = 10 / 56. esda's p_sim would be
    # 1 / 50,000 here, as if the empty corner were extreme.
    assert p_sim[8] == pytest.approx(10 / 56, abs=0.008)
    # the centre's neighbourhood is every cell: every permutation ties, so p = 1
    assert p_sim[4] == 1.0


def test_permutation_classes_use_two_sided_pseudo_p(grid_3x3: Grid) -> None:
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    result = gi_star(
        counts,
        grid=grid_3x3,
        permutations=999,
        correction="none",
        p_value_source="permutation",
    )
    np.testing.assert_allclose(
        result.cells["gi_p_fdr"], np.minimum(1.0, 2 * result.cells["gi_p_sim"])
    )
    assert "999 conditional permutations" in result.convention


def test_result_columns_convention_and_counts(
    demo_town: DemoArea,
    demo_crimes: gpd.GeoDataFrame,
) -> None:
    wards, points = _in_wards(demo_town, demo_crimes)
    grid = make_grid(wards, cell_size_m=100)
    counts = count_points(points, grid)
    result = gi_star(counts, grid=grid)
    cells = result.cells
    assert cells.crs == BNG
    expected = ["n_crimes", "gi_z", "gi_p", "gi_p_fdr", "gi_bin", "hotspot", "significant"]
    assert set(expected) <= set(cells.columns)
    assert "gi_p_sim" not in cells.columns
    assert result.n_crimes == len(points)
    significant = cells["gi_p_fdr"] <= 0.05
    assert result.n_hot == int((significant & (cells["gi_z"] > 0)).sum())
    assert result.n_cold == int((significant & (cells["gi_z"] < 0)).sum())
    np.testing.assert_allclose(cells["gi_p_fdr"], stats.false_discovery_control(cells["gi_p"]))
    assert "Benjamini-Hochberg" in result.convention
    assert "queen contiguity" in result.convention
    assert "two-sided" in result.convention
    holm = gi_star(counts, grid=grid, correction="holm")
    assert holm.n_hot <= result.n_hot
    assert "Holm" in holm.convention


def test_gi_star_z_is_zero_when_all_counts_are_equal(grid_3x3: Grid) -> None:
    z = gi_star_z(np.full(9, 4.0), spatial_weights(grid_3x3))
    np.testing.assert_array_equal(z, np.zeros(9))


def test_gi_star_rejects_bad_input_with_a_fix(grid_3x3: Grid) -> None:
    with pytest.raises(ParameterError, match=r"shape \(4,\) but the grid has 9 cells"):
        gi_star(np.ones(4), grid=grid_3x3)
    with pytest.raises(EmptyInputError, match="No crimes fall in the grid"):
        gi_star(np.zeros(9), grid=grid_3x3)
    with pytest.raises(ParameterError, match="needs permutations > 0"):
        gi_star(np.ones(9), grid=grid_3x3, p_value_source="permutation")
    with pytest.raises(ParameterError, match=r"alpha must lie between 0 and 1; found 5"):
        gi_star(np.ones(9), grid=grid_3x3, alpha=5)
    with pytest.raises(ParameterError, match="distance_band_m must be a positive"):
        gi_star(np.ones(9), grid=grid_3x3, distance_band_m=-1)
    no_self = spatial_weights(grid_3x3) - sparse.eye_array(9, format="csr")
    with pytest.raises(ParameterError, match="binary with ones on the diagonal"):
        gi_star(np.ones(9), grid=grid_3x3, weights=sparse.csr_array(no_self))


def test_gi_star_does_not_mutate_counts_or_grid(grid_3x3: Grid) -> None:
    counts = np.array([6.0, 3, 0, 3, 0, 0, 0, 0, 0])
    columns = list(grid_3x3.cells.columns)
    gi_star(counts, grid=grid_3x3, permutations=99)
    assert counts.tolist() == [6.0, 3, 0, 3, 0, 0, 0, 0, 0]
    assert list(grid_3x3.cells.columns) == columns


@pytest.mark.parametrize("correction", ["fdr_bh", "holm", "none"])
def test_significance_arrays_equal_the_table_and_scipy(correction: str) -> None:
    """The arrays emerging hot spots use are gi_star's columns; p is 2 norm.sf(|z|) exactly."""
    grid = make_grid(gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 1500)], crs=BNG), cell_size_m=100)
    counts = np.random.default_rng(7).poisson(1.0, grid.n_cells).astype(float)
    counts[[40, 41, 60, 61]] += 12
    result = gi_star(counts, grid=grid, correction=correction)  # type: ignore[arg-type]
    z, significant = gi_star_significant(counts, grid=grid, correction=correction)  # type: ignore[arg-type]
    np.testing.assert_array_equal(z, result.cells["gi_z"].to_numpy())
    np.testing.assert_array_equal(significant, result.cells["significant"].to_numpy(dtype=bool))
    assert significant.any()
    np.testing.assert_array_equal(result.cells["gi_p"], 2.0 * stats.norm.sf(np.abs(z)))
    with pytest.raises(EmptyInputError):
        gi_star_significant(np.zeros(grid.n_cells), grid=grid)


@pytest.mark.parametrize("correction", ["fdr_bh", "holm"])
@pytest.mark.parametrize("kind", ["counts", "rates"])
def test_columns_at_once_equal_each_column_bit_for_bit(correction: str, kind: str) -> None:
    """Emerging hot spots test every month in one call: the same bits as a call per month."""
    grid = make_grid(gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 1500)], crs=BNG), cell_size_m=100)
    rng = np.random.default_rng(11)
    columns = rng.poisson(1.0, (grid.n_cells, 24)).astype(float)
    columns[[40, 41, 60, 61], 5:9] += 12  # a hot spot in four months
    columns[:, 3] = 0.0  # a month with no crime: z = 0, nothing significant
    if kind == "rates":  # not whole numbers: sums in another order would differ in the last bit
        columns = columns * rng.uniform(0.1, 3.0, columns.shape)
    z, significant = gi_star_significant(columns, grid=grid, correction=correction)  # type: ignore[arg-type]
    assert z.shape == significant.shape == columns.shape
    for t in range(columns.shape[1]):
        if t == 3:
            assert not z[:, t].any()
            assert not significant[:, t].any()
            continue
        one_z, one_significant = gi_star_significant(
            columns[:, t],
            grid=grid,
            correction=correction,  # type: ignore[arg-type]
        )
        np.testing.assert_array_equal(z[:, t], one_z)
        np.testing.assert_array_equal(significant[:, t], one_significant)
    assert significant[[40, 41, 60, 61], 5:9].all()
    with pytest.raises(EmptyInputError):
        gi_star_significant(np.zeros((grid.n_cells, 3)), grid=grid)
    with pytest.raises(ParameterError, match="rows but the grid has"):
        gi_star_significant(columns[:-1], grid=grid)
    missing = columns.copy()
    missing[0, 2] = np.nan
    with pytest.raises(ParameterError, match="1 missing values"):
        gi_star_significant(missing, grid=grid)
