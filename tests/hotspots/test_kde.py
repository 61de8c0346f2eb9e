"""Kernel density: integrates to the point count, equals an exact kernel sum, finds hotspots."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely import Point, box

from hotspots.kde import (
    GAUSSIAN_TRUNCATE_SD,
    kernel_density,
    rate_surface,
    silverman_bandwidth_m,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS, DemoArea
from spatial.errors import (
    CRSError,
    EmptyInputError,
    MissingColumnError,
    ParameterError,
    PatchmapWarning,
)
from spatial.io import read_crimes, read_wards

if TYPE_CHECKING:
    from pathlib import Path

    import numpy.typing as npt

    from hotspots.kde import DensitySurface, Kernel

AREA = gpd.GeoDataFrame(geometry=[box(0, 0, 4000, 3000)], crs=BNG)
CLUSTERS = ((1000.0, 2000.0, 80.0, 1500), (3000.0, 800.0, 150.0, 2500))
"""(x, y, standard deviation, number of points) of the planted synthetic clusters."""


def _synthetic(seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    # background over a box 500 m wider than the area on every side, so some points lie outside
    xs = [rng.uniform(-500, 4500, 4000)]
    ys = [rng.uniform(-500, 3500, 4000)]
    for cx, cy, sd, n in CLUSTERS:
        xs.append(rng.normal(cx, sd, n))
        ys.append(rng.normal(cy, sd, n))
    x, y = np.concatenate(xs), np.concatenate(ys)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)


def _exact_density(
    surface: DensitySurface,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The kernel summed over every point at the given cells, in points per km2."""
    xs, ys = surface.cell_centres()
    query = np.column_stack([xs[cols], ys[rows]])
    h = surface.bandwidth_m
    reach = h if surface.kernel == "quartic" else GAUSSIAN_TRUNCATE_SD * h
    neighbours = cKDTree(np.column_stack([x, y])).query_ball_point(query, reach)
    out = np.empty(len(query))
    for k, idx in enumerate(neighbours):
        d2 = (x[idx] - query[k, 0]) ** 2 + (y[idx] - query[k, 1]) ** 2
        if surface.kernel == "quartic":
            out[k] = np.sum(3 / (math.pi * h**2) * (1 - d2 / h**2) ** 2)
        else:
            out[k] = np.sum(np.exp(-0.5 * d2 / h**2) / (2 * math.pi * h**2))
    return out * 1e6


def _inside(points: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return points[points.geometry.intersects(area.union_all()).to_numpy()]


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kernel_density_integrates_to_points_inside_the_wards(kernel: Kernel) -> None:
    points = _synthetic()
    surface = kernel_density(points, area=AREA, kernel=kernel, bandwidth_m=120)
    n_inside = len(_inside(points, AREA))
    assert surface.n_points == n_inside
    assert surface.n_outside_area == len(points) - n_inside > 0
    assert surface.values.sum() * surface.cell_area_km2 == pytest.approx(n_inside, rel=0.005)
    assert surface.crs == BNG
    assert (surface.values >= 0).all()


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kernel_density_equals_exact_kernel_sum_at_sampled_cells(kernel: Kernel) -> None:
    points = _inside(_synthetic(), AREA)
    x = np.asarray(points.geometry.x, dtype=np.float64)
    y = np.asarray(points.geometry.y, dtype=np.float64)
    surface = kernel_density(points, area=AREA, cell_size_m=25, kernel=kernel)
    rng = np.random.default_rng(2)
    rows = rng.integers(0, surface.values.shape[0], 400)
    cols = rng.integers(0, surface.values.shape[1], 400)
    peak = int(np.argmax(surface.values))
    rows = np.append(rows, peak // surface.values.shape[1])
    cols = np.append(cols, peak % surface.values.shape[1])
    exact = _exact_density(surface, x, y, rows, cols)
    error = np.abs(surface.values[rows, cols] - exact).max()
    assert error <= 0.02 * surface.values.max()


def test_point_on_a_cell_centre_gives_the_sampled_quartic_kernel() -> None:
    # A lone point at a cell centre: each cell holds K(d) / sum(K) / cell area, so ratios to
    # the centre value are exactly (1 - (d/h)^2)^2.
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)
    surface = kernel_density(
        gpd.GeoDataFrame(geometry=[Point(512.5, 512.5)], crs=BNG),
        area=area,
        cell_size_m=25,
        bandwidth_m=100,
    )
    row, col = np.unravel_index(int(np.argmax(surface.values)), surface.values.shape)
    xs, ys = surface.cell_centres()
    assert (xs[col], ys[row]) == (512.5, 512.5)
    centre = surface.values[row, col]
    for d_cells in (1, 2, 3):
        expected = (1 - (d_cells * 25 / 100) ** 2) ** 2
        assert surface.values[row, col + d_cells] / centre == pytest.approx(expected, rel=1e-9)
        assert surface.values[row - d_cells, col] / centre == pytest.approx(expected, rel=1e-9)
    assert surface.values[row, col + 4] == pytest.approx(0, abs=1e-9 * centre)
    # and the discrete normalisation is within 1 % of the analytic peak 3 / (pi h^2)
    assert centre == pytest.approx(3 / (math.pi * 100**2) * 1e6, rel=0.01)


def test_planted_synthetic_clusters_are_the_two_highest_peaks() -> None:
    surface = kernel_density(_synthetic(), area=AREA, bandwidth_m=150)
    xs, ys = surface.cell_centres()
    values = surface.values.copy()
    for _ in CLUSTERS:
        row, col = np.unravel_index(int(np.argmax(values)), values.shape)
        nearest = min(math.hypot(xs[col] - cx, ys[row] - cy) for cx, cy, _, _ in CLUSTERS)
        assert nearest < 60
        values[max(0, row - 20) : row + 20, max(0, col - 20) : col + 20] = 0


def test_planted_demo_hotspots_are_found(
    demo_town: DemoArea, demo_crimes: gpd.GeoDataFrame
) -> None:
    wards, points = demo_town.wards, demo_crimes
    surface = kernel_density(points, area=wards)
    assert surface.auto_bandwidth
    assert surface.notes[1].startswith(f"Bandwidth {surface.bandwidth_m:,.0f} m chosen")
    xs, ys = surface.cell_centres()
    row, col = np.unravel_index(int(np.argmax(surface.values)), surface.values.shape)
    peaks = [PLANTED_PATTERNS[name] for name in ("nte_violence", "police_station")]
    distance = min(math.hypot(xs[col] - p.centre_x_m, ys[row] - p.centre_y_m) for p in peaks)
    assert distance < 150
    # the burglary series stands out in burglary density in its three months
    series = PLANTED_PATTERNS["burglary_series"]
    burglary = points[
        (points["crime_type"] == "Burglary") & points["month"].astype(str).isin(series.months)
    ]
    burglary_surface = kernel_density(burglary, area=wards, bandwidth_m=250)
    xs, ys = burglary_surface.cell_centres()
    row, col = np.unravel_index(
        int(np.argmax(burglary_surface.values)), burglary_surface.values.shape
    )
    assert math.hypot(xs[col] - series.centre_x_m, ys[row] - series.centre_y_m) < 150


def test_points_used_are_exactly_those_in_irregular_wards(demo_town: DemoArea) -> None:
    # 60,000 points (more than the 128 x 128 coarse lookup) over and around the demo wards,
    # some exactly on ward vertices and on the extent's edges
    wards = demo_town.wards
    union = wards.union_all()
    min_x, min_y, max_x, max_y = union.bounds
    rng = np.random.default_rng(8)
    x = rng.uniform(min_x - 300, max_x + 300, 60_000)
    y = rng.uniform(min_y - 300, max_y + 300, 60_000)
    vertices = shapely.get_coordinates(union)[:2000]
    x[: len(vertices)], y[: len(vertices)] = vertices[:, 0], vertices[:, 1]
    x[2000:2100] = max_x
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)
    surface = kernel_density(points, area=wards, bandwidth_m=200)
    expected = int(shapely.intersects_xy(union, x, y).sum())
    assert surface.n_points == expected
    assert surface.n_outside_area == 60_000 - expected
    assert surface.values.sum() * surface.cell_area_km2 == pytest.approx(expected, rel=1e-9)


def test_demo_density_matches_exact_sum_and_integrates(
    demo_town: DemoArea,
    demo_crimes: gpd.GeoDataFrame,
) -> None:
    wards, points = demo_town.wards, demo_crimes
    surface = kernel_density(points, area=wards)
    used = _inside(points, wards)
    assert surface.values.sum() * surface.cell_area_km2 == pytest.approx(len(used), rel=0.005)
    rng = np.random.default_rng(4)
    rows = rng.integers(0, surface.values.shape[0], 300)
    cols = rng.integers(0, surface.values.shape[1], 300)
    exact = _exact_density(
        surface,
        np.asarray(used.geometry.x, dtype=np.float64),
        np.asarray(used.geometry.y, dtype=np.float64),
        rows,
        cols,
    )
    assert np.abs(surface.values[rows, cols] - exact).max() <= 0.02 * surface.values.max()


@pytest.mark.shared
def test_cambridge_density_integrates_and_peaks_in_the_city_centre(cambridge_dir: Path) -> None:
    wards = read_wards(cambridge_dir / "wards.geojson").wards
    points = read_crimes([cambridge_dir / "crimes"]).points  # the whole force: most lie outside
    surface = kernel_density(points, area=wards)
    used = _inside(points, wards)
    assert surface.n_points == len(used)
    assert surface.values.sum() * surface.cell_area_km2 == pytest.approx(len(used), rel=0.005)
    assert surface.cell_size_m == 30.0  # shorter side 8,000 m / 250 = 32 m, rounded to 5 m
    rng = np.random.default_rng(6)
    rows = rng.integers(0, surface.values.shape[0], 200)
    cols = rng.integers(0, surface.values.shape[1], 200)
    exact = _exact_density(
        surface,
        np.asarray(used.geometry.x, dtype=np.float64),
        np.asarray(used.geometry.y, dtype=np.float64),
        rows,
        cols,
    )
    assert np.abs(surface.values[rows, cols] - exact).max() <= 0.02 * surface.values.max()
    # the peak lies in Market ward, the city centre
    xs, ys = surface.cell_centres()
    row, col = np.unravel_index(int(np.argmax(surface.values)), surface.values.shape)
    peak = gpd.GeoDataFrame(geometry=[Point(xs[col], ys[row])], crs=BNG)
    assert gpd.sjoin(peak, wards, predicate="within")["ward_name"].tolist() == ["Market"]


def test_raster_covers_the_wards_expanded_by_the_bandwidth() -> None:
    surface = kernel_density(_synthetic(), area=AREA, cell_size_m=50, bandwidth_m=200)
    min_x, min_y, max_x, max_y = surface.bounds
    assert min_x <= -200
    assert min_y <= -200
    assert max_x >= 4200
    assert max_y >= 3200
    assert surface.transform.a == 50
    assert surface.transform.e == -50
    gaussian = kernel_density(
        _synthetic(), area=AREA, cell_size_m=50, bandwidth_m=100, kernel="gaussian"
    )
    assert gaussian.bounds[0] <= -GAUSSIAN_TRUNCATE_SD * 100


def test_silverman_rule_worked_by_hand() -> None:
    # Four corners of a 100 m square: mean centre (50, 50), every distance sqrt(5000) = 70.71,
    # so SD = Dm = 70.71 and min(SD, 1.2011 Dm) = 70.71; h = 0.9 * 70.71 * 4^-0.2 = 48.23.
    x = np.array([0.0, 100.0, 0.0, 100.0])
    y = np.array([0.0, 0.0, 100.0, 100.0])
    assert silverman_bandwidth_m(x, y) == pytest.approx(0.9 * math.sqrt(5000) * 4**-0.2)
    # Four points 1 m from the centre and two 100 m away: SD = sqrt((4 + 20000) / 6) = 57.7,
    # Dm = median(1, 1, 1, 1, 100, 100) = 1, so the median term wins: 0.9 * sqrt(1/ln 2) * 6^-0.2
    x = np.array([1.0, -1.0, 0.0, 0.0, 100.0, -100.0])
    y = np.array([0.0, 0.0, 1.0, -1.0, 0.0, 0.0])
    assert silverman_bandwidth_m(x, y) == pytest.approx(0.9 * math.sqrt(1 / math.log(2)) * 6**-0.2)
    # integer weights equal repeated points
    w = np.array([2.0, 1.0, 1.0, 3.0])
    xr, yr = np.repeat(x[:4], w.astype(int)), np.repeat(y[:4], w.astype(int))
    assert silverman_bandwidth_m(x[:4], y[:4], weights=w) == pytest.approx(
        silverman_bandwidth_m(xr, yr)
    )


def test_weights_scale_the_surface() -> None:
    points = _synthetic()
    plain = kernel_density(points, area=AREA, bandwidth_m=150, cell_size_m=50)
    doubled = kernel_density(
        points, area=AREA, bandwidth_m=150, cell_size_m=50, weights=np.full(len(points), 2.0)
    )
    np.testing.assert_allclose(doubled.values, 2 * plain.values, rtol=1e-9, atol=1e-9)
    assert doubled.total == 2 * plain.n_points


def test_rate_surface_is_constant_when_crime_follows_population() -> None:
    # residents at 5 x 5 places, 3 crimes per 100 residents at each: rate 30 per 1,000
    xs, ys = np.meshgrid(np.arange(500, 4000, 750.0), np.arange(500, 3000, 600.0))
    people = gpd.GeoDataFrame(
        {"population": np.full(xs.size, 100.0)},
        geometry=gpd.points_from_xy(xs.ravel(), ys.ravel()),
        crs=BNG,
    )
    crimes = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(np.repeat(xs.ravel(), 3), np.repeat(ys.ravel(), 3)), crs=BNG
    )
    rate = rate_surface(crimes, people, area=AREA, cell_size_m=50, bandwidth_m=400)
    finite = rate.values[np.isfinite(rate.values)]
    np.testing.assert_allclose(finite, 30.0, rtol=1e-9)
    assert rate.crime.bandwidth_m == rate.population.bandwidth_m == 400
    assert rate.population.total == 2500
    with pytest.raises(MissingColumnError, match="no column 'residents'"):
        rate_surface(crimes, people, area=AREA, population_column="residents")


def test_small_bandwidth_warns_and_bad_options_raise() -> None:
    points = _synthetic()
    with pytest.warns(PatchmapWarning, match=r"bandwidth_m \(20\) is smaller than cell_size_m"):
        kernel_density(points, area=AREA, cell_size_m=50, bandwidth_m=20)
    with pytest.raises(ParameterError, match="kernel must be 'quartic' or 'gaussian'"):
        kernel_density(points, area=AREA, kernel="epanechnikov")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"cell_size_m \(5\) must be at least 25 m"):
        kernel_density(points, area=AREA, cell_size_m=5)
    with pytest.raises(CRSError, match="EPSG:4326"):
        kernel_density(points.to_crs(4326), area=AREA)
    far = gpd.GeoDataFrame(geometry=[Point(90_000, 90_000)], crs=BNG)
    with pytest.raises(EmptyInputError, match="None of the 1 points lies inside"):
        kernel_density(far, area=AREA)
    with pytest.raises(ParameterError, match=r"would have [\d,]+ x [\d,]+ cells of 25 m"):
        kernel_density(points, area=AREA, cell_size_m=25, bandwidth_m=100_000)  # 7.5 GB before
    with pytest.raises(EmptyInputError, match=r"^The selection holds no crimes: widen"):
        kernel_density(far.iloc[:0], area=AREA)  # not "None of the 0 points"
    with pytest.raises(ParameterError, match=r"one finite, non-negative number per point"):
        kernel_density(points, area=AREA, weights=np.ones(3))


def test_missing_and_empty_geometries_are_skipped_and_polygons_count_inside() -> None:
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)
    where = np.array([Point(500, 500), None, Point(), box(100, 100, 300, 300)], dtype=object)
    surface = kernel_density(
        gpd.GeoDataFrame(geometry=where, crs=BNG), area=area, cell_size_m=25, bandwidth_m=100
    )
    assert surface.n_points == 2
    assert surface.n_outside_area == 2
    assert "2 points outside the selected wards (or without a location)" in surface.notes[-1]
    assert surface.values.sum() * surface.cell_area_km2 == pytest.approx(2.0)
    # the square counts at its centre (200, 200): the same bump as the point's at (500, 500)
    xs, ys = surface.cell_centres()
    near_square = surface.values[np.ix_(np.abs(ys - 200) < 30, np.abs(xs - 200) < 30)]
    near_point = surface.values[np.ix_(np.abs(ys - 500) < 30, np.abs(xs - 500) < 30)]
    np.testing.assert_allclose(near_square, near_point, rtol=1e-9)
    assert near_point.max() == pytest.approx(surface.values.max())


def test_kernel_density_does_not_mutate_points() -> None:
    points = _synthetic()
    before = points.copy()
    kernel_density(points, area=AREA)
    assert points.equals(before)


def test_density_by_cell_averages_a_finer_raster_exactly() -> None:
    from hotspots.kde import density_by_cell  # noqa: PLC0415 - the function under test
    from spatial.grid import make_grid  # noqa: PLC0415

    area = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 200_000, 501_000, 201_000)], crs=BNG)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([500_510.0, 500_130.0], [200_490.0, 200_870.0]), crs=BNG
    )
    surface = kernel_density(points, area=area, cell_size_m=25.0, bandwidth_m=150.0)
    grid = make_grid(area, kind="square", cell_size_m=100.0)
    by_cell = density_by_cell(surface, grid)
    # Each 100 m cell holds 4 x 4 raster cells of 25 m: its value is their mean.
    x_m, y_m = surface.cell_centres()
    centres = grid.cells[["cell_id", "x_m", "y_m"]].to_numpy()
    for cell_id, cx, cy in centres:
        cols = np.flatnonzero(np.abs(x_m - cx) < 50)
        rows = np.flatnonzero(np.abs(y_m - cy) < 50)
        assert len(cols) == len(rows) == 4
        expected = surface.values[np.ix_(rows, cols)].mean()
        assert by_cell[int(cell_id)] == pytest.approx(expected, rel=1e-12)
    # Mean density x cell area sums to the raster's mass over the grid's cells.
    inside_x = (x_m > 500_000) & (x_m < 501_000)
    inside_y = (y_m > 200_000) & (y_m < 201_000)
    mass = surface.values[np.ix_(inside_y, inside_x)].sum() * surface.cell_area_km2
    assert by_cell.sum() * 0.01 == pytest.approx(mass, rel=1e-12)


def test_rate_surface_spreads_area_residents_evenly_and_keeps_their_total() -> None:
    area = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 200_000, 502_000, 202_000)], crs=BNG)
    lsoas = gpd.GeoDataFrame(
        {"population": [1_500.0, 500.0]},
        geometry=[
            shapely.box(500_500, 200_500, 501_000, 201_500),
            shapely.box(501_000, 200_500, 501_500, 201_500),
        ],
        crs=BNG,
    )
    rng = np.random.default_rng(3)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            rng.uniform(500_500, 501_500, 400), rng.uniform(200_500, 201_500, 400)
        ),
        crs=BNG,
    )
    rate = rate_surface(points, lsoas, area=area, cell_size_m=25.0, bandwidth_m=200.0)
    residents = rate.population.values.sum() * rate.population.cell_area_km2
    assert residents == pytest.approx(2_000.0, rel=1e-9)
    # Inside the first area, away from the edges, the resident density is even: 1,500 people
    # on 0.5 km2 is 3,000 per km2 (smoothing only moves people near the boundaries).
    x_m, y_m = rate.population.cell_centres()
    col = int(np.argmin(np.abs(x_m - 500_750)))
    row = int(np.argmin(np.abs(y_m - 201_000)))
    assert rate.population.values[row, col] == pytest.approx(3_000.0, rel=0.02)
