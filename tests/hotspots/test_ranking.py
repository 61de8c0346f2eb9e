from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely import Point, box

from hotspots.kde import density_by_cell, kernel_density
from hotspots.ranking import (
    DEFAULT_TOP_SHARE_PCT,
    KDE_TOP_SUBCELLS,
    by_rate_change,
    kde_top_cells,
)
from spatial.crs import BNG
from spatial.errors import MissingColumnError, ParameterError
from spatial.grid import count_points, make_grid

CLUSTER = Point(541_250, 261_750)
"""A planted dense cluster inside the 2 km square."""


@pytest.fixture(scope="module")
def scene() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(7)
    background = rng.uniform([540_000, 260_000], [542_000, 262_000], size=(400, 2))
    cluster = rng.normal([CLUSTER.x, CLUSTER.y], 30.0, size=(200, 2))
    xy = np.vstack([background, cluster])
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=BNG)
    wards = gpd.GeoDataFrame(geometry=[box(540_000, 260_000, 542_000, 262_000)], crs=BNG)
    return points, wards


def test_kde_top_finds_the_planted_cluster_densest_first(
    scene: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    points, wards = scene
    grid = make_grid(wards, cell_size_m=100)
    top = kde_top_cells(points, grid, area=wards, bandwidth_m=150)
    assert top.n_cells == grid.n_cells == 400
    assert top.share_pct == DEFAULT_TOP_SHARE_PCT
    assert top.n_top == math.ceil(400 * DEFAULT_TOP_SHARE_PCT / 100) == 20
    assert top.raster_cell_size_m == 100 / KDE_TOP_SUBCELLS
    assert top.cells["kde_rank"].tolist() == list(range(1, 21))
    assert top.cells.iloc[0].geometry.contains(CLUSTER)
    density = top.cells["density_per_km2"].to_numpy()
    assert (np.diff(density) <= 0).all()
    assert top.min_density_per_km2 == density[-1]
    # the same numbers as the raster averaged into every cell, and as the cells' counts
    surface = kernel_density(points, area=wards, cell_size_m=25, bandwidth_m=150)
    every = density_by_cell(surface, grid)
    assert density[0] == pytest.approx(every.max())
    assert (every > density[-1]).sum() < 20  # nothing denser was left out
    counts = count_points(points, grid)
    assert top.cells["n_crimes"].tolist() == counts[top.cells["cell_id"].to_numpy()].tolist()
    assert top.n_crimes_counted == 600
    assert top.share_of_crimes == pytest.approx(top.cells["n_crimes"].sum() / 600)
    assert top.share_of_crimes > 0.3  # the 200 clustered crimes are in the top cells


def test_kde_top_share_and_its_limits(scene: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    points, wards = scene
    grid = make_grid(wards, cell_size_m=100)
    one = kde_top_cells(points, grid, area=wards, share_pct=0.1, bandwidth_m=150)
    assert one.n_top == 1  # rounded up to one cell
    every = kde_top_cells(points, grid, area=wards, share_pct=100, bandwidth_m=150)
    assert every.n_top == 400
    assert every.share_of_crimes == pytest.approx(1.0)
    for share in (0.0, 100.5, math.nan):
        with pytest.raises(ParameterError):
            kde_top_cells(points, grid, area=wards, share_pct=share)


def test_by_rate_change_orders_by_the_change_in_monthly_rate() -> None:
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [0, 1, 2, 3, 4],
            "rate_before_per_month": [1.0, 0.0, 4.0, 2.0, 3.0],
            "rate_after_per_month": [2.0, 3.0, 1.0, 3.0, 0.0],
        },
        geometry=[Point(i, 0) for i in range(5)],
        crs=BNG,
    )
    rises = by_rate_change(cells, largest_rise_first=True)
    assert rises["cell_id"].tolist() == [1, 0, 3, 2, 4]  # +3, +1, +1 (ties kept in order), -3, -3
    falls = by_rate_change(cells, largest_rise_first=False)
    assert falls["cell_id"].tolist() == [2, 4, 0, 3, 1]
    assert by_rate_change(cells.iloc[:0], largest_rise_first=True).empty


def test_by_rate_change_needs_the_rate_columns() -> None:
    cells = gpd.GeoDataFrame({"n_before": [1], "n_after": [2]}, geometry=[Point(0, 0)], crs=BNG)
    with pytest.raises(
        MissingColumnError, match="missing columns 'rate_before_per_month', 'rate_after_per_month'"
    ):
        by_rate_change(cells, largest_rise_first=True)
