"""Square and hexagonal grids: cells over the wards, each point in exactly one cell."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import Point, box

from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, ParameterError, PatchmapWarning
from spatial.grid import (
    MIN_CELL_SIZE_M,
    assign_cells,
    assign_cells_xy,
    auto_cell_size_m,
    cells_covering,
    cells_holding,
    count_points,
    hex_side_m,
    make_grid,
)
from spatial.io import read_wards

if TYPE_CHECKING:
    from pathlib import Path

    from spatial.grid import GridKind

# an L-shaped "ward" pair with a hole-free notch, so some lattice cells are dropped
WARDS = gpd.GeoDataFrame(
    {"ward_name": ["West", "East"]},
    geometry=[box(1000, 2000, 1600, 2900), box(1600, 2000, 2300, 2400)],
    crs=BNG,
)


def _points(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(900, 2400, n)
    y = rng.uniform(1900, 3000, n)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_cells_are_exactly_those_overlapping_the_wards(kind: GridKind) -> None:
    grid = make_grid(WARDS, kind=kind, cell_size_m=100)
    union = WARDS.union_all()
    overlap = grid.cells.geometry.intersection(union).area
    assert (overlap > 0).all()
    assert grid.cells.crs == BNG
    assert grid.cells["cell_id"].tolist() == list(range(grid.n_cells))
    # no lattice cell with overlap was dropped: the kept cells cover the wards completely
    # (hexagon vertices are computed per cell, so allow float-level slivers)
    assert union.difference(grid.cells.union_all()).area < 1e-6 * union.area
    np.testing.assert_allclose(grid.cells.area, 100.0**2, rtol=1e-9)


def test_square_grid_counts_cells_by_hand() -> None:
    grid = make_grid(WARDS, kind="square", cell_size_m=100)
    # lattice 1000..2300 x 2000..2900 = 13 x 9; kept: West 6 x 9 = 54, East 7 x 4 = 28
    assert (grid.n_cols, grid.n_rows) == (13, 9)
    assert grid.n_cells == 54 + 28
    assert (grid.origin_x_m, grid.origin_y_m) == (1000.0, 2000.0)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_each_point_lies_in_exactly_the_cell_assigned(kind: GridKind) -> None:
    grid = make_grid(WARDS, kind=kind, cell_size_m=100)
    pts = _points(5000, seed=1)
    inside = pts.geometry.within(WARDS.union_all()).to_numpy()
    ids = assign_cells(pts, grid)
    assert (ids[inside] >= 0).all()
    # independent check with polygons: the point is within (or on) the assigned cell only
    tree = shapely.STRtree(grid.cells.geometry.to_numpy())
    point_idx, cell_idx = tree.query(pts.geometry.to_numpy()[inside], predicate="within")
    assert np.bincount(point_idx, minlength=int(inside.sum())).max() == 1
    np.testing.assert_array_equal(cell_idx, ids[inside][point_idx])
    assert len(point_idx) == int(inside.sum())  # random points never sit on an edge


def test_points_on_square_edges_go_east_and_north() -> None:
    grid = make_grid(WARDS, kind="square", cell_size_m=100)
    pts = gpd.GeoDataFrame(geometry=[Point(1100, 2100), Point(1100, 2050)], crs=BNG)
    ids = assign_cells(pts, grid)
    cells = grid.cells.set_index("cell_id").loc[ids, ["row", "col"]]
    assert cells.to_numpy().tolist() == [[1, 1], [0, 1]]


def test_points_outside_and_missing_get_minus_one() -> None:
    grid = make_grid(WARDS, kind="square", cell_size_m=100)
    # (2200, 2800) is inside the lattice but in the dropped notch; the last has no geometry
    where = np.array([Point(0, 0), Point(2200, 2800), None], dtype=object)
    pts = gpd.GeoDataFrame(geometry=where, crs=BNG)
    assert assign_cells(pts, grid).tolist() == [-1, -1, -1]
    assert assign_cells_xy(np.array([np.nan]), np.array([2100.0]), grid).tolist() == [-1]


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_counts_sum_to_points_inside_and_match_polygon_counts(kind: GridKind) -> None:
    grid = make_grid(WARDS, kind=kind, cell_size_m=150)
    pts = _points(3000, seed=2)
    inside = pts.geometry.within(WARDS.union_all()).to_numpy()
    counts = count_points(pts[inside], grid)
    assert counts.sum() == inside.sum()
    joined = gpd.sjoin(pts[inside], grid.cells, predicate="within")
    expected = joined["cell_id"].value_counts().reindex(range(grid.n_cells), fill_value=0)
    np.testing.assert_array_equal(counts, expected.to_numpy(dtype=float))


def test_count_points_with_weights_sums_weights() -> None:
    grid = make_grid(WARDS, cell_size_m=100)
    pts = gpd.GeoDataFrame(geometry=[Point(1050, 2050), Point(1060, 2060)], crs=BNG)
    counts = count_points(pts, grid, weights=np.array([2.5, 1.0]))
    assert counts[0] == 3.5
    assert counts.sum() == 3.5
    with pytest.raises(ParameterError, match=r"one finite number per point \(2\)"):
        count_points(pts, grid, weights=np.array([1.0]))


def test_hex_cells_have_the_area_of_the_square_and_six_edge_neighbours() -> None:
    grid = make_grid(WARDS, kind="hex", cell_size_m=100)
    side = hex_side_m(100)
    assert side == pytest.approx(math.sqrt(2 * 100**2 / (3 * math.sqrt(3))))
    np.testing.assert_allclose(grid.cells.area, 10_000.0, rtol=1e-9)
    # the cell nearest the West ward's middle shares an edge with exactly 6 cells
    centre = int(np.argmin(grid.cells.geometry.distance(Point(1300, 2450)).to_numpy()))
    me = grid.cells.geometry.iloc[centre]
    shared = grid.cells.geometry.intersection(me.buffer(1e-6)).length
    assert int((shared > side * 0.99).sum()) == 7  # itself (perimeter) and its 6 neighbours


def test_auto_cell_size_is_announced_and_never_below_25_m() -> None:
    grid = make_grid(WARDS)
    # shorter side 900 m / 150 = 6 m -> the 25 m floor
    assert grid.auto_cell_size
    assert grid.cell_size_m == MIN_CELL_SIZE_M
    assert "25 m chosen automatically" in grid.notes[0]
    assert auto_cell_size_m((0.0, 0.0, 30_000.0, 20_000.0)) == 135.0  # 20,000 / 150 = 133.3
    explicit = make_grid(WARDS, cell_size_m=100)
    assert not explicit.auto_cell_size
    assert explicit.notes == ()


def test_more_than_100000_cells_warns() -> None:
    big = gpd.GeoDataFrame(geometry=[box(0, 0, 10_000, 8_000)], crs=BNG)
    with pytest.warns(PatchmapWarning, match=r"128,000 cells of 25 m"):
        grid = make_grid(big, cell_size_m=25)
    assert grid.n_cells == 128_000


def test_bad_inputs_raise_errors_that_say_what_to_do() -> None:
    with pytest.raises(ParameterError, match=r"cell_size_m \(10\) must be at least 25 m"):
        make_grid(WARDS, cell_size_m=10)
    with pytest.raises(ParameterError, match="kind must be 'square' or 'hex'"):
        make_grid(WARDS, kind="triangle")  # type: ignore[arg-type]
    with pytest.raises(CRSError, match="EPSG:4326"):
        make_grid(WARDS.to_crs(4326))
    with pytest.raises(EmptyInputError, match="Select at least one ward"):
        make_grid(WARDS.iloc[:0])


def test_make_grid_does_not_mutate_the_wards() -> None:
    wards = WARDS.copy()
    make_grid(wards, kind="hex", cell_size_m=100)
    assert wards.equals(WARDS)


@pytest.mark.shared
def test_cambridge_auto_grid_covers_every_crime_in_the_wards(cambridge_dir: Path) -> None:
    wards = read_wards(cambridge_dir / "wards.geojson").wards
    grid = make_grid(wards)
    # shorter side of Cambridge's extent is 8,000 m: / 150 = 53 m, rounded to 55 m
    assert grid.cell_size_m == 55.0
    rng = np.random.default_rng(5)
    min_x, min_y, max_x, max_y = wards.total_bounds
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            rng.uniform(min_x, max_x, 20_000), rng.uniform(min_y, max_y, 20_000)
        ),
        crs=BNG,
    )
    inside = pts.geometry.within(wards.union_all()).to_numpy()
    assert (assign_cells(pts[inside], grid) >= 0).all()


def test_cells_covering_works_in_any_projected_crs_and_refuses_degrees() -> None:
    circle = gpd.GeoSeries([Point(630_150, 4_834_050).buffer(10)], crs="EPSG:32617")  # Toronto
    covered = cells_covering(circle, cell_size_m=100)
    assert covered.crs == circle.crs
    assert covered.iloc[0].bounds == (630_100.0, 4_834_000.0, 630_200.0, 4_834_100.0)
    with pytest.raises(CRSError, match="projected CRS in metres"):
        cells_covering(circle.to_crs(4326), cell_size_m=100)
    with pytest.raises(ParameterError, match="cell_size_m must be above 0"):
        cells_covering(circle, cell_size_m=float("nan"))


def test_cells_holding_depends_on_the_points_cells_alone() -> None:
    # a point 5 m from a cell corner: a 25 m disc around it meets four cells and so pins it
    # within 25 m of that corner; the cells holding it say only which square it is in
    corner = gpd.GeoSeries([Point(545_105, 257_995)], crs=BNG)
    assert cells_covering(corner.buffer(25), cell_size_m=100).iloc[0].area == 40_000
    held = cells_holding(corner, [0], cell_size_m=100)
    assert held.iloc[0].bounds == (545_100.0, 257_900.0, 545_200.0, 258_000.0)
    anywhere = gpd.GeoSeries([Point(545_190, 257_910)], crs=BNG)  # the same square
    assert cells_holding(anywhere, [0], cell_size_m=100).iloc[0].equals(held.iloc[0])
    # groups are outlined apart, indexed by their label; a reach grows each square's centre
    two = gpd.GeoSeries([Point(10, 10), Point(90, 90), Point(510, 10)], crs=BNG)
    outlines = cells_holding(two, ["b", "b", "a"], cell_size_m=100)
    assert list(outlines.index) == ["a", "b"]
    assert outlines.loc["b"].area == 10_000
    reach = cells_holding(two, ["b", "b", "a"], cell_size_m=100, grow_m=60)
    assert reach.loc["a"].area == 5 * 10_000  # 60 m from the centre: the 4 sides, no corner
    with pytest.raises(ParameterError, match="grow_m must be 0 or more"):
        cells_holding(two, [0, 0, 0], cell_size_m=100, grow_m=-1)
    with pytest.raises(CRSError, match="projected CRS in metres"):
        cells_holding(two.to_crs(4326), [0, 0, 0], cell_size_m=100)
