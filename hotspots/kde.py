"""
Kernel density of crime points on a raster, by linear binning and FFT convolution.

The points inside the selected wards are spread onto the raster's cell centres by linear
(bilinear) binning, then convolved with the kernel sampled at the same centres. The sampled
kernel is normalised to sum to one, so the surface integrates exactly to the number (or weighted
sum) of points used; a point lying on a cell centre gives exactly the sampled kernel around it.
The raster covers the wards' extent expanded by the kernel's reach, so no mass falls off its edge.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from affine import Affine
from scipy import fft

from spatial.crs import BNG, require_bng
from spatial.errors import (
    CRSError,
    EmptyInputError,
    MissingColumnError,
    ParameterError,
    PatchmapWarning,
)
from spatial.grid import (
    MIN_CELL_SIZE_M,
    assign_cells_xy,
    auto_cell_size_m,
    require_cell_within,
)

if TYPE_CHECKING:
    from spatial.grid import Grid

__all__ = [
    "DEFAULT_KERNEL",
    "DENSITY_UNIT",
    "GAUSSIAN_TRUNCATE_SD",
    "KDE_CELL_DIVISOR",
    "M2_PER_KM2",
    "MAX_RASTER_CELLS",
    "DensitySurface",
    "Kernel",
    "RateSurface",
    "density_by_cell",
    "density_from_xy",
    "kernel_density",
    "rate_surface",
    "silverman_bandwidth_m",
]

Kernel = Literal["quartic", "gaussian"]

DEFAULT_KERNEL: Final = "quartic"
"""The quartic (biweight) kernel ArcGIS's Kernel Density uses."""
DENSITY_UNIT: Final = "crimes per km2"
"""Unit of a density surface's values (as written into exports and GeoTIFF bands)."""
KDE_CELL_DIVISOR: Final = 250
"""Automatic raster cell size: the shorter side of the wards' extent / 250 (ArcGIS's default)."""
GAUSSIAN_TRUNCATE_SD: Final = 4.0
"""The Gaussian kernel is cut at this many bandwidths (standard deviations); 99.97 % of its mass."""
M2_PER_KM2: Final = 1_000_000.0
MAX_RASTER_CELLS: Final = 25_000_000
"""The most cells a density raster may have (5,000 x 5,000: 200 MB a layer, more while the
FFT runs); a larger one comes from a bandwidth far wider than the wards, and is refused."""
DEFAULT_RATE_PER: Final = 1000.0
"""Rates are crimes per this many residents."""
DEFAULT_MIN_POPULATION_PER_KM2: Final = 100.0
"""Cells with fewer residents per km2 than this get no rate (NaN): the ratio is unstable there."""


@dataclass(frozen=True, eq=False)
class DensitySurface:
    """
    A kernel density raster in crimes per km2.

    Attributes
    ----------
    values
        ``(n_rows, n_cols)`` float64 density in crimes (or weight units) per km2; row 0 is north.
    transform
        Affine transform of the raster (rasterio convention: top-left corner, ``-cell_size_m``
        row step), so ``transform * (col + 0.5, row + 0.5)`` is a cell centre in metres.
    crs
        Always ``"EPSG:27700"``.
    cell_size_m
        Raster cell side in metres.
    bandwidth_m
        Kernel bandwidth in metres: the quartic kernel's radius, or the Gaussian's standard
        deviation.
    kernel
        ``"quartic"`` or ``"gaussian"``.
    n_points
        Points inside the selected wards that were used.
    n_outside_area
        Points given but not used: outside the selected wards or without a geometry.
    total
        The weighted number of points; ``values.sum() * cell_size_m**2 / 1e6`` equals it.
    auto_bandwidth, auto_cell_size
        Whether each was chosen automatically.
    notes
        Sentences for the user (how the bandwidth and cell size were chosen, warnings).
    """

    values: npt.NDArray[np.float64]
    transform: Affine
    crs: str
    cell_size_m: float
    bandwidth_m: float
    kernel: Kernel
    n_points: int
    n_outside_area: int
    total: float
    auto_bandwidth: bool
    auto_cell_size: bool
    notes: tuple[str, ...] = ()

    @property
    def cell_area_km2(self) -> float:
        """The area of one raster cell in km2."""
        return self.cell_size_m**2 / M2_PER_KM2

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_x, min_y, max_x, max_y)`` of the raster in metres."""
        n_rows, n_cols = self.values.shape
        left, top = self.transform.c, self.transform.f
        return (left, top - n_rows * self.cell_size_m, left + n_cols * self.cell_size_m, top)

    def cell_centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """
        Return the eastings and northings of the cell centres.

        Returns
        -------
        tuple of two arrays
            ``x_m`` of shape ``(n_cols,)`` (west to east) and ``y_m`` of shape ``(n_rows,)``
            (north to south).
        """
        n_rows, n_cols = self.values.shape
        steps_x = np.arange(n_cols, dtype=np.float64) + 0.5
        steps_y = np.arange(n_rows, dtype=np.float64) + 0.5
        x_m = float(self.transform.c) + steps_x * self.cell_size_m
        y_m = float(self.transform.f) - steps_y * self.cell_size_m
        return x_m, y_m


@dataclass(frozen=True, eq=False)
class RateSurface:
    """
    Crimes per ``per`` residents from a dual kernel density (crime density / population density).

    Attributes
    ----------
    values
        ``(n_rows, n_cols)`` crimes per ``per`` residents; NaN where fewer than
        ``min_population_per_km2`` residents per km2 live.
    crime
        The crime density surface.
    population
        The population density surface (residents per km2), same raster and kernel.
    per
        The rate base (1,000 residents by default).
    min_population_per_km2
        The population density below which the rate is left out.
    notes
        Sentences for the user.
    """

    values: npt.NDArray[np.float64]
    crime: DensitySurface
    population: DensitySurface
    per: float
    min_population_per_km2: float
    notes: tuple[str, ...] = ()

    @property
    def transform(self) -> Affine:
        """The raster's affine transform (the same as both densities')."""
        return self.crime.transform

    @property
    def crs(self) -> str:
        """Always ``"EPSG:27700"``."""
        return self.crime.crs


def silverman_bandwidth_m(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    *,
    weights: npt.NDArray[np.float64] | None = None,
) -> float:
    """
    Choose a search radius by the spatial Silverman rule ArcGIS's Kernel Density uses.

    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` with ``SD`` the standard distance of the
    points about their mean centre, ``Dm`` the median distance to the mean centre and ``n`` the
    number of points (the sum of the weights when weighted).

    Parameters
    ----------
    x_m, y_m
        Point coordinates in metres.
    weights
        Optional weight per point (e.g. population); None weighs each point once.

    Returns
    -------
    float
        The bandwidth in metres (0 when every point is at the same place).

    Raises
    ------
    EmptyInputError
        When there are no points (or the weights sum to zero).

    References
    ----------
    Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis, eq. (3.31).
    Esri, "How Kernel Density works", ArcGIS Pro documentation (default search radius).

    Examples
    --------
    >>> x = np.array([0.0, 100.0, 0.0, 100.0])
    >>> y = np.array([0.0, 0.0, 100.0, 100.0])
    >>> round(silverman_bandwidth_m(x, y), 3)
    48.23
    """
    w = np.ones(len(x_m)) if weights is None else np.asarray(weights, dtype=np.float64)
    n = float(w.sum())
    if len(x_m) == 0 or n <= 0:
        msg = "No points to choose a bandwidth from. Widen the selection."
        raise EmptyInputError(msg)
    cx = float(np.dot(w, x_m) / n)
    cy = float(np.dot(w, y_m) / n)
    d2 = (x_m - cx) ** 2 + (y_m - cy) ** 2
    standard_distance = math.sqrt(float(np.dot(w, d2)) / n)
    d = np.sqrt(d2)
    if weights is None:
        median_distance = float(np.median(d))
    else:  # weighted median: the first distance reaching half the total weight
        order = np.argsort(d, kind="stable")
        cumulative = np.cumsum(w[order])
        median_distance = float(d[order][np.searchsorted(cumulative, 0.5 * n)])
    spread = min(standard_distance, math.sqrt(1.0 / math.log(2.0)) * median_distance)
    return float(0.9 * spread * n**-0.2)


def _kernel_stencil(
    kernel: Kernel, bandwidth_m: float, cell_size_m: float
) -> npt.NDArray[np.float64]:
    """Sample the kernel at cell-centre offsets, normalised to sum to 1."""
    reach_m = bandwidth_m * (1.0 if kernel == "quartic" else GAUSSIAN_TRUNCATE_SD)
    half = max(0, math.floor(reach_m / cell_size_m))
    offsets = np.arange(-half, half + 1, dtype=np.float64) * cell_size_m
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    u2 = d2 / bandwidth_m**2
    if kernel == "quartic":
        values = np.where(u2 < 1.0, (1.0 - u2) ** 2, 0.0)
    else:
        values = np.where(d2 <= reach_m**2, np.exp(-0.5 * u2), 0.0)
    total = float(values.sum())
    if total <= 0.0:  # bandwidth below half a cell: all mass stays in the cell
        values = np.zeros((1, 1))
        values[0, 0] = 1.0
        return values
    return values / total


def _reach_m(kernel: Kernel, bandwidth_m: float) -> float:
    return bandwidth_m * (1.0 if kernel == "quartic" else GAUSSIAN_TRUNCATE_SD)


def density_from_xy(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    *,
    bounds: tuple[float, float, float, float],
    cell_size_m: float,
    bandwidth_m: float,
    kernel: Kernel = DEFAULT_KERNEL,
    weights: npt.NDArray[np.float64] | None = None,
) -> tuple[npt.NDArray[np.float64], Affine]:
    """
    Kernel density of coordinates on a raster covering ``bounds`` plus the kernel's reach.

    The array-level engine behind :func:`kernel_density`: no checks, no point selection.

    Parameters
    ----------
    x_m, y_m
        Coordinates in metres, all inside ``bounds``.
    bounds
        ``(min_x, min_y, max_x, max_y)`` the raster must cover, in metres.
    cell_size_m
        Raster cell side in metres.
    bandwidth_m
        Quartic radius or Gaussian standard deviation, in metres.
    kernel
        ``"quartic"`` or ``"gaussian"``.
    weights
        Optional weight per point.

    Returns
    -------
    tuple
        ``(values, transform)``: density per km2 (row 0 north) and the affine transform.

    Examples
    --------
    >>> values, transform = density_from_xy(
    ...     np.array([50.0]), np.array([50.0]), bounds=(0, 0, 100, 100),
    ...     cell_size_m=10, bandwidth_m=30)
    >>> round(float(values.sum()) * 10 * 10 / 1e6, 9)
    1.0
    """
    pad = math.ceil(_reach_m(kernel, bandwidth_m) / cell_size_m) + 1
    min_x, min_y, max_x, max_y = bounds
    n_cols = math.ceil((max_x - min_x) / cell_size_m) + 2 * pad
    n_rows = math.ceil((max_y - min_y) / cell_size_m) + 2 * pad
    if n_rows * n_cols > MAX_RASTER_CELLS:
        msg = (
            f"The density raster would have {n_rows:,} x {n_cols:,} cells of {cell_size_m:g} m "
            f"(the surface reaches {_reach_m(kernel, bandwidth_m):,.0f} m beyond the wards for a "
            f"{bandwidth_m:g} m bandwidth); the most is {MAX_RASTER_CELLS:,}. Use a smaller "
            "bandwidth_m or a larger cell_size_m."
        )
        raise ParameterError(msg)
    left = min_x - pad * cell_size_m
    top = max_y + pad * cell_size_m
    # fractional index of each point between cell centres (columns east, rows south)
    fx = (x_m - left) / cell_size_m - 0.5
    fy = (top - y_m) / cell_size_m - 0.5
    col0 = np.floor(fx)
    row0 = np.floor(fy)
    tx = fx - col0  # share going one column east
    ty = fy - row0  # share going one row south
    base = row0.astype(np.int64)
    base *= n_cols
    base += col0.astype(np.int64)
    size = n_rows * n_cols
    if weights is None:
        wx1 = tx
        wx0 = 1.0 - tx
    else:
        w = np.asarray(weights, dtype=np.float64)
        wx1 = w * tx
        wx0 = w - wx1
    low = wx0 * ty  # west share going south
    binned = np.bincount(base, weights=wx0 - low, minlength=size)
    binned += np.bincount(base + n_cols, weights=low, minlength=size)
    low = wx1 * ty
    binned += np.bincount(base + 1, weights=wx1 - low, minlength=size)
    binned += np.bincount(base + (n_cols + 1), weights=low, minlength=size)
    grid = np.asarray(binned[:size], dtype=np.float64).reshape(n_rows, n_cols)
    stencil = _kernel_stencil(kernel, bandwidth_m, cell_size_m)
    density = _convolve_same(grid, stencil) * (M2_PER_KM2 / cell_size_m**2)
    transform = Affine(cell_size_m, 0.0, left, 0.0, -cell_size_m, top)
    return density, transform


def _convolve_same(
    image: npt.NDArray[np.float64], stencil: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Linear (not circular) convolution, cropped to ``image``'s shape, by real FFT."""
    half = stencil.shape[0] // 2
    if half == 0:
        return np.asarray(image * stencil[0, 0], dtype=np.float64)
    rows, cols = image.shape
    shape = (
        fft.next_fast_len(rows + 2 * half, real=True),
        fft.next_fast_len(cols + 2 * half, real=True),
    )
    spectrum = fft.rfft2(image, shape, workers=-1) * fft.rfft2(stencil, shape, workers=-1)
    full = fft.irfft2(spectrum, shape, workers=-1)
    out = full[half : half + rows, half : half + cols]
    return np.ascontiguousarray(np.maximum(out, 0.0), dtype=np.float64)


def _points_in_area(
    points: gpd.GeoDataFrame, area: gpd.GeoDataFrame, *, what: str
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_], shapely.Geometry
]:
    require_bng(points, name=what)
    require_bng(area, name="wards")
    area_geoms = area.geometry[~(area.geometry.isna() | area.geometry.is_empty)]
    if len(area_geoms) == 0:
        msg = "The selected wards have no geometry. Select at least one ward."
        raise EmptyInputError(msg)
    union = shapely.union_all(np.asarray(area_geoms.array, dtype=object))
    geoms = np.asarray(points.geometry.array, dtype=object)
    x_m, y_m = _locations(geoms)
    present = np.isfinite(x_m) & np.isfinite(y_m)
    inside = np.zeros(len(geoms), dtype=bool)
    inside[present] = _intersects_xy(union, x_m[present], y_m[present])
    return x_m, y_m, inside, union


def _locations(
    geoms: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Point coordinates; polygons at a point inside them; NaN for missing or empty."""
    try:
        # the usual case, all points: get_x is NaN for non-points and raises for empty points
        x_m = np.asarray(shapely.get_x(geoms), dtype=np.float64)
        y_m = np.asarray(shapely.get_y(geoms), dtype=np.float64)
        todo = np.flatnonzero(np.isnan(x_m))
    except shapely.errors.GEOSException:
        x_m = np.full(len(geoms), np.nan)
        y_m = np.full(len(geoms), np.nan)
        todo = np.arange(len(geoms))
    if len(todo):
        rest = geoms[todo]
        usable = ~(shapely.is_missing(rest) | shapely.is_empty(rest))
        # polygons (e.g. population areas) count at a point inside them; a point is itself
        located = shapely.point_on_surface(rest[usable])
        x_m[todo[usable]] = shapely.get_x(located)
        y_m[todo[usable]] = shapely.get_y(located)
    return x_m, y_m


_COARSE_CELLS: Final = 128
"""Cells per side of the coarse lookup that spares most points an exact polygon test."""
_OUTSIDE: Final = 0
_INSIDE: Final = 1
_BOUNDARY: Final = 2


def _intersects_xy(
    union: shapely.Geometry, x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """
    Return ``shapely.intersects_xy(union, x, y)``, testing exactly only near the boundary.

    Points in coarse cells wholly inside (or wholly outside) the polygon are decided by a
    lookup; only points in cells the boundary crosses get the exact test.
    """
    shapely.prepare(union)
    min_x, min_y, max_x, max_y = shapely.bounds(union).tolist()
    if len(x_m) < _COARSE_CELLS**2 or max_x <= min_x or max_y <= min_y:
        return np.asarray(shapely.intersects_xy(union, x_m, y_m), dtype=bool)
    step_x = (max_x - min_x) / _COARSE_CELLS
    step_y = (max_y - min_y) / _COARSE_CELLS
    rows, cols = np.divmod(np.arange(_COARSE_CELLS**2), _COARSE_CELLS)
    boxes = shapely.box(
        min_x + cols * step_x,
        min_y + rows * step_y,
        min_x + (cols + 1) * step_x,
        min_y + (rows + 1) * step_y,
    )
    status = np.full(_COARSE_CELLS**2, _BOUNDARY, dtype=np.int8)
    status[shapely.contains_properly(union, boxes)] = _INSIDE
    status[~shapely.intersects(union, boxes)] = _OUTSIDE
    # Cells on the bounding box's edge are never wholly inside (the polygon's edge touches the
    # box), so points beyond the box may be clipped into them: they are then rejected or tested.
    col = np.clip(np.floor((x_m - min_x) / step_x), 0, _COARSE_CELLS - 1).astype(np.int64)
    row = np.clip(np.floor((y_m - min_y) / step_y), 0, _COARSE_CELLS - 1).astype(np.int64)
    row *= _COARSE_CELLS
    row += col
    cell_status = status[row]
    result = np.asarray(cell_status == _INSIDE, dtype=bool)
    exact = np.flatnonzero(cell_status == _BOUNDARY)
    result[exact] = shapely.intersects_xy(union, x_m[exact], y_m[exact])
    return result


def _check_weights(
    weights: npt.ArrayLike | None, n: int, *, name: str
) -> npt.NDArray[np.float64] | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        msg = (
            f"{name} must hold one finite, non-negative number per point ({n}); found shape "
            f"{w.shape}. Fill or drop missing values first."
        )
        raise ParameterError(msg)
    return w


def _check_kde_options(
    *, kernel: Kernel, cell_size_m: float | None, bandwidth_m: float | None
) -> None:
    problems: list[str] = []
    if kernel not in ("quartic", "gaussian"):
        problems.append(f"kernel must be 'quartic' or 'gaussian', not {kernel!r}")
    if cell_size_m is not None and not (
        math.isfinite(cell_size_m) and cell_size_m >= MIN_CELL_SIZE_M
    ):
        problems.append(f"cell_size_m ({cell_size_m}) must be at least {MIN_CELL_SIZE_M:g} m")
    if bandwidth_m is not None and not (math.isfinite(bandwidth_m) and bandwidth_m > 0):
        problems.append(f"bandwidth_m ({bandwidth_m}) must be a positive number of metres")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


def _choose_bandwidth(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64] | None,
    *,
    bandwidth_m: float | None,
    size_m: float,
) -> tuple[float, list[str]]:
    notes: list[str] = []
    n_inside = len(x_m)
    if bandwidth_m is None:
        rule_m = silverman_bandwidth_m(x_m, y_m, weights=w)
        h_m = max(rule_m, size_m)
        note = (
            f"Bandwidth {h_m:,.0f} m chosen automatically by the spatial Silverman rule "
            f"(ArcGIS's default search radius) from {n_inside:,} points"
        )
        if rule_m < size_m:
            note += f"; the rule gave {rule_m:,.0f} m, raised to one cell"
        notes.append(note + ".")
    else:
        h_m = float(bandwidth_m)
        if h_m < size_m:
            msg = (
                f"bandwidth_m ({h_m:g}) is smaller than cell_size_m ({size_m:g}): the surface "
                f"is little more than counts per cell. Use bandwidth_m >= {size_m:g}."
            )
            warnings.warn(msg, PatchmapWarning, stacklevel=4)
            notes.append(msg)
    return h_m, notes


def kernel_density(
    points: gpd.GeoDataFrame,
    *,
    area: gpd.GeoDataFrame,
    cell_size_m: float | None = None,
    bandwidth_m: float | None = None,
    kernel: Kernel = DEFAULT_KERNEL,
    weights: npt.ArrayLike | None = None,
) -> DensitySurface:
    """
    Estimate crime density over the selected wards on a regular raster.

    Parameters
    ----------
    points
        Crime points in EPSG:27700; only those inside ``area`` are used.
    area
        The selected wards (EPSG:27700). The raster covers their extent expanded by the
        kernel's reach (the bandwidth for the quartic kernel, 4 bandwidths for the Gaussian).
    cell_size_m
        Raster cell side in metres. If None, the shorter side of the wards' extent / 250,
        rounded to 5 m and at least 25 m.
    bandwidth_m
        Quartic radius (or Gaussian standard deviation) in metres. If None, chosen by
        :func:`silverman_bandwidth_m` (floored at one cell) and returned as ``.bandwidth_m``.
    kernel
        ``"quartic"`` (ArcGIS's kernel, ``3 / (pi h^2) (1 - (d/h)^2)^2`` for ``d < h``) or
        ``"gaussian"``.
    weights
        Optional weight per point (same order as ``points``).

    Returns
    -------
    DensitySurface
        Crimes per km2; ``values.sum() * cell_area_km2`` equals the (weighted) number of points
        inside the wards.

    Raises
    ------
    CRSError
        When ``points`` or ``area`` is not in EPSG:27700.
    EmptyInputError
        When no point lies inside the selected wards.
    ParameterError
        When ``kernel`` is unknown, ``cell_size_m`` is below 25 m, ``bandwidth_m`` is not
        positive, or ``weights`` does not fit ``points``.

    Warns
    -----
    PatchmapWarning
        When ``bandwidth_m`` is smaller than ``cell_size_m`` (the surface is then close to raw
        counts per cell).

    References
    ----------
    Silverman, B. W. (1986). Density Estimation for Statistics and Data Analysis, ch. 3-4.
    Wand, M. P. (1994). Fast computation of multivariate kernel estimators. JCGS 3(4), 433-445
    (linear binning and FFT).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:27700")
    >>> crimes = gpd.GeoDataFrame(geometry=[Point(500, 500)] * 3, crs="EPSG:27700")
    >>> surface = kernel_density(crimes, area=wards, cell_size_m=25, bandwidth_m=200)
    >>> round(float(surface.values.sum()) * surface.cell_area_km2, 6)
    3.0
    """
    _check_kde_options(kernel=kernel, cell_size_m=cell_size_m, bandwidth_m=bandwidth_m)
    w_all = _check_weights(weights, len(points), name="weights")
    x_all, y_all, inside, union = _points_in_area(points, area, what="points")
    n_inside = int(inside.sum())
    if n_inside == 0:
        msg = (
            "The selection holds no crimes: widen the months, wards or crime types."
            if len(points) == 0
            else f"None of the {len(points):,} points lies inside the selected wards. "
            "Check the ward selection and the months and crime types chosen."
        )
        raise EmptyInputError(msg)
    x_m, y_m = x_all[inside], y_all[inside]
    w = None if w_all is None else w_all[inside]
    min_x, min_y, max_x, max_y = shapely.bounds(union).tolist()
    area_bounds = (float(min_x), float(min_y), float(max_x), float(max_y))
    notes: list[str] = []
    auto_cell = cell_size_m is None
    size_m = (
        auto_cell_size_m(area_bounds, divisor=KDE_CELL_DIVISOR)
        if cell_size_m is None
        else float(cell_size_m)
    )
    if not auto_cell:
        require_cell_within(size_m, area_bounds)
    if auto_cell:
        notes.append(
            f"Cell size {size_m:g} m chosen automatically (shorter side of the wards' extent / "
            f"{KDE_CELL_DIVISOR}, at least {MIN_CELL_SIZE_M:g} m)."
        )
    auto_bw = bandwidth_m is None
    h_m, bandwidth_notes = _choose_bandwidth(x_m, y_m, w, bandwidth_m=bandwidth_m, size_m=size_m)
    notes.extend(bandwidth_notes)
    n_outside = len(points) - n_inside
    if n_outside:
        notes.append(
            f"{n_outside:,} points outside the selected wards (or without a location) were "
            "not used."
        )
    values, transform = density_from_xy(
        x_m, y_m, bounds=area_bounds, cell_size_m=size_m, bandwidth_m=h_m, kernel=kernel, weights=w
    )
    return DensitySurface(
        values=values,
        transform=transform,
        crs=BNG,
        cell_size_m=size_m,
        bandwidth_m=h_m,
        kernel=kernel,
        n_points=n_inside,
        n_outside_area=n_outside,
        total=float(n_inside if w is None else w.sum()),
        auto_bandwidth=auto_bw,
        auto_cell_size=auto_cell,
        notes=tuple(notes),
    )


def rate_surface(  # noqa: PLR0913 -- keyword-only options of one estimator
    points: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    *,
    area: gpd.GeoDataFrame,
    population_column: str = "population",
    cell_size_m: float | None = None,
    bandwidth_m: float | None = None,
    kernel: Kernel = DEFAULT_KERNEL,
    per: float = DEFAULT_RATE_PER,
    min_population_per_km2: float = DEFAULT_MIN_POPULATION_PER_KM2,
) -> RateSurface:
    """
    Crimes per resident surface by dual kernel density: crime density / population density.

    Both densities use the same raster, kernel and bandwidth (chosen from the crimes when not
    given), so the ratio compares like with like.

    Parameters
    ----------
    points
        Crime points in EPSG:27700.
    population
        Residents as points (e.g. population-weighted centroids) or areas (counted at a point
        inside each), EPSG:27700, with a ``population_column``. Those inside ``area`` are used.
    area
        The selected wards.
    population_column
        The column holding the number of residents.
    cell_size_m, bandwidth_m, kernel
        As for :func:`kernel_density`.
    per
        Rate base: crimes per this many residents (1,000 by default).
    min_population_per_km2
        Cells with a smaller population density get NaN.

    Returns
    -------
    RateSurface
        Crimes per ``per`` residents and both densities.

    Raises
    ------
    MissingColumnError
        When ``population_column`` is missing.
    EmptyInputError
        When no crime or no resident lies inside the selected wards.
    ParameterError
        As for :func:`kernel_density`, or when ``per`` is not positive.

    References
    ----------
    Levine, N. (2010). CrimeStat III, ch. 10: "dual kernel density estimates".

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:27700")
    >>> crimes = gpd.GeoDataFrame(geometry=[Point(500, 500)] * 5, crs="EPSG:27700")
    >>> people = gpd.GeoDataFrame(
    ...     {"population": [1000.0]}, geometry=[Point(500, 500)], crs="EPSG:27700")
    >>> rate = rate_surface(crimes, people, area=wards, cell_size_m=25, bandwidth_m=300)
    >>> round(float(np.nanmax(rate.values)), 6)
    5.0
    """
    if population_column not in population.columns:
        msg = (
            f"The population layer has no column {population_column!r} "
            f"(columns: {', '.join(map(str, population.columns))}). Name the residents column."
        )
        raise MissingColumnError(msg)
    if not (math.isfinite(per) and per > 0):
        msg = f"per must be a positive number of residents; found {per}."
        raise ParameterError(msg)
    crime = kernel_density(
        points, area=area, cell_size_m=cell_size_m, bandwidth_m=bandwidth_m, kernel=kernel
    )
    residents = population[population_column].to_numpy(dtype=np.float64, na_value=np.nan)
    population, residents = _spread_over_areas(population, residents, crime)
    people = kernel_density(
        population,
        area=area,
        cell_size_m=crime.cell_size_m,
        bandwidth_m=crime.bandwidth_m,
        kernel=kernel,
        weights=residents,
    )
    enough = people.values >= min_population_per_km2
    rate = np.full(crime.values.shape, np.nan)
    rate[enough] = crime.values[enough] / people.values[enough] * per
    notes = (
        *crime.notes,
        (
            "Residents of each area are spread evenly over it before smoothing. "
            f"Rate = crime density / resident density x {per:,.0f}, same "
            f"{crime.bandwidth_m:,.0f} m {kernel} kernel; cells under "
            f"{min_population_per_km2:g} residents per km2 left blank."
        ),
    )
    return RateSurface(
        values=rate,
        crime=crime,
        population=people,
        per=per,
        min_population_per_km2=min_population_per_km2,
        notes=notes,
    )


def _spread_over_areas(
    population: gpd.GeoDataFrame,
    residents: npt.NDArray[np.float64],
    surface: DensitySurface,
) -> tuple[gpd.GeoDataFrame, npt.NDArray[np.float64]]:
    """
    Spread the residents of polygon features evenly over the raster cell centres inside them.

    Counting a whole LSOA at one point makes the resident density spiky, so the rate explodes
    between the points; spreading each area's residents over its own cells keeps the total and
    gives the even density the census area describes. Points stay as they are; an area too
    small to hold a cell centre keeps its residents at a point inside it.
    """
    geoms = population.geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    if not polygonal.any():
        return population, residents
    x_m, y_m = surface.cell_centres()
    xx, yy = np.meshgrid(x_m, y_m)
    xs, ys, weights = [], [], []
    for geom, n, is_area in zip(geoms, residents, polygonal, strict=True):
        if not is_area:
            point = shapely.get_coordinates(geom)
            xs.append(point[:1, 0])
            ys.append(point[:1, 1])
            weights.append(np.array([n]))
            continue
        minx, miny, maxx, maxy = geom.bounds
        near = (xx >= minx) & (xx <= maxx) & (yy >= miny) & (yy <= maxy)
        inside = shapely.contains_xy(geom, xx[near], yy[near])
        if inside.any():
            xs.append(xx[near][inside])
            ys.append(yy[near][inside])
            weights.append(np.full(int(inside.sum()), n / inside.sum()))
        else:
            rep = shapely.get_coordinates(geom.representative_point())
            xs.append(rep[:, 0])
            ys.append(rep[:, 1])
            weights.append(np.array([n]))
    spread = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(np.concatenate(xs), np.concatenate(ys)), crs=population.crs
    )
    return spread, np.concatenate(weights)


def density_by_cell(surface: DensitySurface, grid: Grid) -> npt.NDArray[np.float64]:
    """
    Average a density raster into the cells of a (usually coarser) analysis grid.

    Each grid cell gets the mean of the raster cells whose centres fall in it; a grid cell that
    holds no raster centre (a raster coarser than the grid) gets the raster value at its centre.

    Parameters
    ----------
    surface
        A density raster from :func:`kernel_density`.
    grid
        Square or hexagonal cells from :func:`spatial.grid.make_grid`, in the same CRS.

    Returns
    -------
    numpy.ndarray
        Crimes per km² per grid cell, in ``cell_id`` order.

    Raises
    ------
    CRSError
        When the raster and the grid are in different CRSs.
    """
    if grid.cells.crs != surface.crs:
        msg = f"The density raster ({surface.crs}) and the grid ({grid.cells.crs}) differ in CRS."
        raise CRSError(msg)
    x_m, y_m = surface.cell_centres()
    xx, yy = np.meshgrid(x_m, y_m)  # same (row, col) layout as surface.values
    ids = assign_cells_xy(xx.ravel(), yy.ravel(), grid)
    inside = ids >= 0
    total = np.bincount(ids[inside], weights=surface.values.ravel()[inside], minlength=grid.n_cells)
    n_in = np.bincount(ids[inside], minlength=grid.n_cells)
    mean = np.divide(total, n_in, out=np.zeros(grid.n_cells), where=n_in > 0)
    empty = np.flatnonzero(n_in == 0)
    if empty.size:
        cols, rows = ~surface.transform * (
            grid.cells["x_m"].to_numpy()[empty],
            grid.cells["y_m"].to_numpy()[empty],
        )
        n_rows, n_cols = surface.values.shape
        r = np.clip(np.floor(rows).astype(np.int64), 0, n_rows - 1)
        c = np.clip(np.floor(cols).astype(np.int64), 0, n_cols - 1)
        mean[empty] = surface.values[r, c]
    return np.asarray(mean, dtype=np.float64)
