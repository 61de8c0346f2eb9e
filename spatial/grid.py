"""
Square and hexagonal analysis grids over the selected wards.

A :class:`Grid` is a regular lattice of unclipped cells; only the cells that overlap the selected
wards are kept. Every point falls in exactly one lattice cell (squares: half-open intervals,
``[x0, x1) x [y0, y1)``; hexagons: the nearest cell centre), so counts never double-count a crime.

Rows count northwards from the lattice origin (the south-west corner of the wards' extent, snapped
down to a multiple of the cell size) and columns count eastwards.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from spatial.crs import BNG, require_bng
from spatial.errors import CRSError, EmptyInputError, ParameterError, PatchmapWarning

__all__ = [
    "AUTO_CELL_DIVISOR",
    "MAX_CELLS_WITHOUT_WARNING",
    "MIN_CELL_SIZE_M",
    "Grid",
    "GridKind",
    "assign_cells",
    "assign_cells_xy",
    "auto_cell_size_m",
    "cells_covering",
    "cells_holding",
    "count_points",
    "hex_side_m",
    "make_grid",
    "require_cell_within",
]

GridKind = Literal["square", "hex"]

MIN_CELL_SIZE_M: Final = 25.0
"""The smallest cell size, in metres, the automatic rule chooses or a caller may ask for."""
AUTO_CELL_DIVISOR: Final = 150
"""The automatic cell size is the shorter side of the wards' extent divided by this."""
AUTO_CELL_ROUNDING_M: Final = 5.0
"""The automatic cell size is rounded to a multiple of this many metres."""
MAX_CELLS_WITHOUT_WARNING: Final = 100_000
"""More cells than this triggers a :class:`PatchmapWarning` (slow maps, sparse counts)."""

_SQRT3: Final = math.sqrt(3.0)


def hex_side_m(cell_size_m: float) -> float:
    """
    Return the side (centre-to-corner distance) of the hexagon with the area of a square cell.

    A hexagonal grid of ``cell_size_m`` has cells of the same area, ``cell_size_m**2``, as a square
    grid of ``cell_size_m``, so counts on the two grids are comparable.

    Parameters
    ----------
    cell_size_m
        The side of the equal-area square, in metres.

    Returns
    -------
    float
        The hexagon's side, in metres: ``sqrt(2 * cell_size_m**2 / (3 * sqrt(3)))``.

    Examples
    --------
    >>> round(hex_side_m(100.0), 3)
    62.04
    """
    return math.sqrt(2.0 * cell_size_m**2 / (3.0 * _SQRT3))


def auto_cell_size_m(
    bounds: tuple[float, float, float, float], *, divisor: int = AUTO_CELL_DIVISOR
) -> float:
    """
    Choose a cell size from the extent of the selected wards.

    The rule, like ArcGIS's default cell size, is the shorter side of the extent divided by
    ``divisor`` (150 for analysis grids), rounded to the nearest 5 m and never below
    :data:`MIN_CELL_SIZE_M` (25 m).

    Parameters
    ----------
    bounds
        ``(min_x, min_y, max_x, max_y)`` in metres.
    divisor
        How many cells fit along the shorter side.

    Returns
    -------
    float
        The cell size in metres.

    Examples
    --------
    >>> auto_cell_size_m((0.0, 0.0, 8000.0, 9000.0))
    55.0
    >>> auto_cell_size_m((0.0, 0.0, 500.0, 500.0))
    25.0
    """
    shorter_m = min(bounds[2] - bounds[0], bounds[3] - bounds[1])
    raw_m = shorter_m / divisor
    rounded_m = round(raw_m / AUTO_CELL_ROUNDING_M) * AUTO_CELL_ROUNDING_M
    return float(max(MIN_CELL_SIZE_M, rounded_m))


@dataclass(frozen=True, eq=False)
class Grid:
    """
    A regular lattice of square or hexagonal cells covering the selected wards.

    Attributes
    ----------
    kind
        ``"square"`` or ``"hex"`` (flat-topped hexagons in columns, odd columns shifted north).
    cell_size_m
        Square: the side. Hex: the side of the square of equal area (see :func:`hex_side_m`),
        so every cell has area ``cell_size_m**2`` on either grid.
    origin_x_m, origin_y_m
        The lattice origin in metres (British National Grid). Square cell ``(row, col)`` spans
        ``[origin_x_m + col * s, origin_x_m + (col + 1) * s)`` eastwards and likewise northwards.
        Hex cell ``(row, col)`` is centred at ``(origin_x_m + 1.5 * a * col,
        origin_y_m + sqrt(3) * a * (row + (col % 2) / 2))`` with ``a`` the hexagon's side.
    n_rows, n_cols
        The lattice size, including cells that do not touch the wards.
    cells
        One row per kept cell (those overlapping the wards), EPSG:27700, ordered by ``cell_id``:
        ``cell_id`` (0..n-1), ``row``, ``col``, ``x_m``, ``y_m`` (the centre) and the unclipped
        cell polygon as ``geometry``.
    cell_index
        ``(n_rows, n_cols)`` array of the ``cell_id`` at each lattice position, -1 where no cell
        was kept.
    auto_cell_size
        True when ``cell_size_m`` was chosen automatically.
    notes
        Sentences for the user, e.g. how the cell size was chosen.
    """

    kind: GridKind
    cell_size_m: float
    origin_x_m: float
    origin_y_m: float
    n_rows: int
    n_cols: int
    cells: gpd.GeoDataFrame
    cell_index: npt.NDArray[np.int64] = field(repr=False)
    auto_cell_size: bool
    notes: tuple[str, ...] = ()

    @property
    def n_cells(self) -> int:
        """The number of kept cells."""
        return len(self.cells)

    @property
    def cell_area_m2(self) -> float:
        """The area of one cell in square metres (the same for squares and hexagons)."""
        return self.cell_size_m**2

    def lattice_rows_cols(
        self, x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """
        Return the lattice row and column of each coordinate (possibly outside the lattice).

        Parameters
        ----------
        x_m, y_m
            Eastings and northings in metres.

        Returns
        -------
        tuple of two arrays
            Row and column indices; they may be negative or beyond ``n_rows``/``n_cols``.
        """
        if self.kind == "square":
            col = np.floor((x_m - self.origin_x_m) / self.cell_size_m).astype(np.int64)
            row = np.floor((y_m - self.origin_y_m) / self.cell_size_m).astype(np.int64)
            return row, col
        return _hex_rows_cols(
            x_m - self.origin_x_m, y_m - self.origin_y_m, hex_side_m(self.cell_size_m)
        )


def _hex_rows_cols(
    dx_m: npt.NDArray[np.float64], dy_m: npt.NDArray[np.float64], side_m: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Nearest flat-topped hexagon centre by cube rounding (exact), as odd-q offset row/col."""
    q = (2.0 / 3.0) * dx_m / side_m
    r = (-1.0 / 3.0 * dx_m + _SQRT3 / 3.0 * dy_m) / side_m
    s = -q - r
    rq, rr, rs = np.rint(q), np.rint(r), np.rint(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    col = rq.astype(np.int64)
    # axial -> odd-q offset; the cube axis r runs north-west, so offset rows add half the column
    row = rr.astype(np.int64) + (col - (col & 1)) // 2
    return row, col


def _hex_centres(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], side_m: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    x = 1.5 * side_m * cols.astype(np.float64)
    y = _SQRT3 * side_m * (rows.astype(np.float64) + 0.5 * (cols & 1))
    return x, y


def _hex_polygons(
    x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64], side_m: float
) -> npt.NDArray[np.object_]:
    angles = np.deg2rad(np.arange(0, 360, 60, dtype=np.float64))
    ring_x = x_m[:, None] + side_m * np.cos(angles)[None, :]
    ring_y = y_m[:, None] + side_m * np.sin(angles)[None, :]
    coords = np.stack([ring_x, ring_y], axis=-1)
    closed = np.concatenate([coords, coords[:, :1, :]], axis=1)
    return np.asarray(shapely.polygons(closed), dtype=object)


@dataclass(frozen=True, eq=False)
class _Lattice:
    origin_x: float
    origin_y: float
    n_rows: int
    n_cols: int
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    cx: npt.NDArray[np.float64]
    cy: npt.NDArray[np.float64]
    polys: npt.NDArray[np.object_]


def _lattice(kind: GridKind, size_m: float, bounds: tuple[float, float, float, float]) -> _Lattice:
    """Every cell of the lattice covering ``bounds``, row-major from the south-west."""
    min_x, min_y, max_x, max_y = bounds
    if kind == "square":
        origin_x = math.floor(min_x / size_m) * size_m
        origin_y = math.floor(min_y / size_m) * size_m
        n_cols = max(1, math.ceil((max_x - origin_x) / size_m))
        n_rows = max(1, math.ceil((max_y - origin_y) / size_m))
        rows, cols = np.divmod(np.arange(n_rows * n_cols, dtype=np.int64), n_cols)
        x0 = origin_x + cols * size_m
        y0 = origin_y + rows * size_m
        polys = np.asarray(shapely.box(x0, y0, x0 + size_m, y0 + size_m), dtype=object)
        return _Lattice(
            origin_x, origin_y, n_rows, n_cols, rows, cols, x0 + size_m / 2, y0 + size_m / 2, polys
        )
    side = hex_side_m(size_m)
    dx, dy = 1.5 * side, _SQRT3 * side
    # origin one hexagon south-west of the extent so the extent's corners are covered
    origin_x = math.floor(min_x / dx) * dx - dx
    origin_y = math.floor(min_y / dy) * dy - dy
    n_cols = math.ceil((max_x - origin_x) / dx) + 2
    n_rows = math.ceil((max_y - origin_y) / dy) + 2
    rows, cols = np.divmod(np.arange(n_rows * n_cols, dtype=np.int64), n_cols)
    hx, hy = _hex_centres(rows, cols, side)
    cx, cy = hx + origin_x, hy + origin_y
    return _Lattice(
        origin_x, origin_y, n_rows, n_cols, rows, cols, cx, cy, _hex_polygons(cx, cy, side)
    )


def make_grid(
    area: gpd.GeoDataFrame,
    *,
    kind: GridKind = "square",
    cell_size_m: float | None = None,
) -> Grid:
    """
    Build a grid of unclipped cells over the selected wards.

    Parameters
    ----------
    area
        The selected wards (polygons, EPSG:27700).
    kind
        ``"square"`` or ``"hex"``.
    cell_size_m
        Cell size in metres (for hexagons, the side of the square of equal area). If None, chosen
        by :func:`auto_cell_size_m` and announced in ``grid.notes``.

    Returns
    -------
    Grid
        The lattice and its kept cells (those whose interior overlaps the wards).

    Raises
    ------
    CRSError
        When ``area`` is not in EPSG:27700.
    EmptyInputError
        When ``area`` has no geometry.
    ParameterError
        When ``kind`` is unknown or ``cell_size_m`` is below 25 m or not finite.

    Warns
    -----
    PatchmapWarning
        When the grid has more than 100,000 cells.

    Examples
    --------
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 500)], crs="EPSG:27700")
    >>> grid = make_grid(wards, cell_size_m=100)
    >>> grid.n_cells, grid.n_rows, grid.n_cols
    (50, 5, 10)
    """
    require_bng(area, name="wards")
    if kind not in ("square", "hex"):
        msg = f"kind must be 'square' or 'hex'; found {kind!r}."
        raise ParameterError(msg)
    geoms = area.geometry[~(area.geometry.isna() | area.geometry.is_empty)]
    if len(geoms) == 0:
        msg = "The selected wards have no geometry. Select at least one ward."
        raise EmptyInputError(msg)
    union = shapely.union_all(np.asarray(geoms.array, dtype=object))
    min_x, min_y, max_x, max_y = (float(v) for v in union.bounds)
    size_m, notes = _cell_size(cell_size_m, (min_x, min_y, max_x, max_y))
    auto = cell_size_m is None
    lattice = _lattice(kind, size_m, (min_x, min_y, max_x, max_y))
    origin_x, origin_y, n_rows, n_cols = (
        lattice.origin_x,
        lattice.origin_y,
        lattice.n_rows,
        lattice.n_cols,
    )
    rows, cols, cx, cy, polys = lattice.rows, lattice.cols, lattice.cx, lattice.cy, lattice.polys
    shapely.prepare(union)
    keep = shapely.intersects(union, polys)
    keep[keep] &= ~shapely.touches(union, polys[keep])
    n_kept = int(keep.sum())
    cell_index = np.full(n_rows * n_cols, -1, dtype=np.int64)
    cell_index[keep] = np.arange(n_kept, dtype=np.int64)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": np.arange(n_kept, dtype=np.int64),
            "row": rows[keep],
            "col": cols[keep],
            "x_m": cx[keep],
            "y_m": cy[keep],
        },
        geometry=polys[keep],
        crs=BNG,
    )
    if n_kept > MAX_CELLS_WITHOUT_WARNING:
        msg = (
            f"The grid has {n_kept:,} cells of {size_m:g} m (more than "
            f"{MAX_CELLS_WITHOUT_WARNING:,}): maps will be slow and most cells empty. "
            "Use a larger cell_size_m."
        )
        warnings.warn(msg, PatchmapWarning, stacklevel=2)
    return Grid(
        kind=kind,
        cell_size_m=size_m,
        origin_x_m=float(origin_x),
        origin_y_m=float(origin_y),
        n_rows=n_rows,
        n_cols=n_cols,
        cells=cells,
        cell_index=cell_index.reshape(n_rows, n_cols),
        auto_cell_size=auto,
        notes=notes,
    )


def _cell_size(
    cell_size_m: float | None, bounds: tuple[float, float, float, float]
) -> tuple[float, tuple[str, ...]]:
    """Return the checked or automatic cell size, with a note when it was chosen automatically."""
    if cell_size_m is None:
        min_x, min_y, max_x, max_y = bounds
        size_m = auto_cell_size_m(bounds)
        note = (
            f"Cell size {size_m:g} m chosen automatically: the shorter side of the wards' extent "
            f"({min(max_x - min_x, max_y - min_y):,.0f} m) / {AUTO_CELL_DIVISOR}, rounded to "
            f"{AUTO_CELL_ROUNDING_M:g} m, never below {MIN_CELL_SIZE_M:g} m."
        )
        return size_m, (note,)
    size_m = float(cell_size_m)
    if not math.isfinite(size_m) or size_m < MIN_CELL_SIZE_M:
        msg = (
            f"cell_size_m ({cell_size_m}) must be at least {MIN_CELL_SIZE_M:g} m: crime "
            "locations are snapped to points tens of metres apart. Use cell_size_m >= 25."
        )
        raise ParameterError(msg)
    require_cell_within(size_m, bounds)
    return size_m, ()


def require_cell_within(cell_size_m: float, bounds: tuple[float, float, float, float]) -> None:
    """
    Refuse a cell more than half the wards' extent: a grid of one or two cells shows nothing.

    Gi* over one cell gives z 0 for every crime, a change test calls the whole city one cell
    "up", a density raster of 100 km cells peaks tens of kilometres from any crime. Half the
    longer side of the extent still leaves at least two cells across it.

    Parameters
    ----------
    cell_size_m
        The cell size asked for, in metres.
    bounds
        ``(min_x, min_y, max_x, max_y)`` of the wards, in metres.

    Raises
    ------
    ParameterError
        When ``cell_size_m`` is more than half the extent's longer side.

    Examples
    --------
    >>> require_cell_within(500, (0, 0, 1000, 400))
    >>> require_cell_within(5000, (0, 0, 1000, 400))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.ParameterError: cell_size_m (5,000 m) is more than half the wards' extent ...
    """
    min_x, min_y, max_x, max_y = bounds
    width_m, height_m = max_x - min_x, max_y - min_y
    limit_m = max(width_m, height_m) / 2
    if cell_size_m > limit_m:
        msg = (
            f"cell_size_m ({cell_size_m:,.0f} m) is more than half the wards' extent "
            f"({width_m:,.0f} x {height_m:,.0f} m): a grid of one or two cells cannot show where "
            f"crime is. Use a cell of at most {limit_m:,.0f} m, or leave the size to be chosen."
        )
        raise ParameterError(msg)


def assign_cells(points: gpd.GeoDataFrame, grid: Grid) -> npt.NDArray[np.int64]:
    """
    Return the ``cell_id`` of the cell each point lies in, or -1 outside the kept cells.

    Squares use half-open intervals (a point on a shared edge goes to the cell east or north of
    it); hexagons use the nearest cell centre. Either way each point is in exactly one cell.

    Parameters
    ----------
    points
        Point geometries in EPSG:27700 (a point's order is kept).
    grid
        The grid from :func:`make_grid`.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of ``len(points)`` cell ids, -1 for points outside the grid's cells or
        with missing geometry.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.

    Examples
    --------
    >>> from shapely import Point, box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100)], crs="EPSG:27700")
    >>> grid = make_grid(wards, cell_size_m=100)
    >>> where = [Point(50, 50), Point(100, 0), Point(900, 0)]
    >>> pts = gpd.GeoDataFrame(geometry=where, crs="EPSG:27700")
    >>> assign_cells(pts, grid).tolist()
    [0, 1, -1]
    """
    require_bng(points, name="points")
    geoms = points.geometry.to_numpy()
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x_m = np.full(len(geoms), np.nan)
    y_m = np.full(len(geoms), np.nan)
    x_m[valid] = shapely.get_x(geoms[valid])
    y_m[valid] = shapely.get_y(geoms[valid])
    return assign_cells_xy(x_m, y_m, grid)


def assign_cells_xy(
    x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64], grid: Grid
) -> npt.NDArray[np.int64]:
    """
    Return the ``cell_id`` of each coordinate pair, or -1 outside the kept cells (or NaN).

    Parameters
    ----------
    x_m, y_m
        Eastings and northings in metres (British National Grid).
    grid
        The grid from :func:`make_grid`.

    Returns
    -------
    numpy.ndarray
        ``int64`` cell ids.
    """
    finite = np.isfinite(x_m) & np.isfinite(y_m)
    out = np.full(len(x_m), -1, dtype=np.int64)
    row, col = grid.lattice_rows_cols(x_m[finite], y_m[finite])
    inside = (row >= 0) & (row < grid.n_rows) & (col >= 0) & (col < grid.n_cols)
    ids = np.full(len(row), -1, dtype=np.int64)
    ids[inside] = grid.cell_index[row[inside], col[inside]]
    out[finite] = ids
    return out


def count_points(
    points: gpd.GeoDataFrame,
    grid: Grid,
    *,
    weights: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """
    Count (or sum the weights of) the points in each cell.

    Parameters
    ----------
    points
        Point geometries in EPSG:27700.
    grid
        The grid from :func:`make_grid`.
    weights
        Optional weight per point (e.g. a harm score); None counts each point once.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of length ``grid.n_cells``, in ``cell_id`` order. Points outside the
        kept cells are not counted (compare ``len(points)`` with the total to report them).

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    ParameterError
        When ``weights`` does not have one finite value per point.

    Examples
    --------
    >>> from shapely import Point, box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100)], crs="EPSG:27700")
    >>> grid = make_grid(wards, cell_size_m=100)
    >>> where = [Point(10, 10), Point(20, 20), Point(150, 50)]
    >>> pts = gpd.GeoDataFrame(geometry=where, crs="EPSG:27700")
    >>> count_points(pts, grid).tolist()
    [2.0, 1.0]
    """
    ids = assign_cells(points, grid)
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(points),) or not np.isfinite(w).all():
            msg = (
                f"weights must hold one finite number per point ({len(points)}); "
                f"found shape {w.shape}. Fill missing weights before counting."
            )
            raise ParameterError(msg)
    else:
        w = np.ones(len(points), dtype=np.float64)
    inside = ids >= 0
    return np.bincount(ids[inside], weights=w[inside], minlength=grid.n_cells).astype(np.float64)


def cells_covering(shapes: gpd.GeoSeries, *, cell_size_m: float) -> gpd.GeoSeries:
    """
    Replace each shape by the square cells it meets, of a grid anchored at the CRS's origin.

    Outlines drawn from exact locations (a cluster's hull around a few addresses) give those
    locations away; the cells they meet show only which ``cell_size_m`` squares hold them.

    Parameters
    ----------
    shapes
        Polygons in a projected CRS in metres: EPSG:27700 in Great Britain, a UTM zone for
        data elsewhere (a force extract read outside it).
    cell_size_m
        The cells' side, in metres (the audience's finest cell, say).

    Returns
    -------
    geopandas.GeoSeries
        The union of the cells each shape meets (touching only at an edge does not count), same
        index and CRS.

    Raises
    ------
    ParameterError
        When ``cell_size_m`` is not positive.
    CRSError
        When ``shapes`` are not in a projected CRS.

    Examples
    --------
    >>> from shapely import Point
    >>> s = gpd.GeoSeries([Point(150, 50).buffer(10)], crs=BNG)
    >>> cells_covering(s, cell_size_m=100).iloc[0].bounds
    (100.0, 0.0, 200.0, 100.0)
    """
    if not (math.isfinite(cell_size_m) and cell_size_m > 0):
        msg = f"cell_size_m must be above 0; found {cell_size_m}."
        raise ParameterError(msg)
    if shapes.crs is None or not shapes.crs.is_projected:  # cells are squares of metres
        found = "no CRS" if shapes.crs is None else shapes.crs.to_string()
        msg = f"shapes must be in a projected CRS in metres (EPSG:27700); found {found}."
        raise CRSError(msg)
    covered = []
    for shape in shapes:
        x0, y0, x1, y1 = (math.floor(v / cell_size_m) for v in shape.bounds)
        cols, rows = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
        xs, ys = cols.ravel() * cell_size_m, rows.ravel() * cell_size_m
        cells = shapely.box(xs, ys, xs + cell_size_m, ys + cell_size_m)
        met = shapely.intersects(cells, shape) & ~shapely.touches(cells, shape)
        covered.append(shapely.union_all(cells[met]))
    return gpd.GeoSeries(covered, index=shapes.index, crs=shapes.crs)


def cells_holding(
    points: gpd.GeoSeries, groups: npt.ArrayLike, *, cell_size_m: float, grow_m: float = 0.0
) -> gpd.GeoSeries:
    """
    Outline each group of points by the cells holding them, told only which cell each is in.

    Each point is first moved to the centre of its cell (the lattice of :func:`cells_covering`,
    anchored at the CRS's origin), so the answer depends on the points' cells alone: no shape
    drawn around exact points (a hull, a circle) can give away where in its cell a point lies.
    With ``grow_m``, each centre's circle of that radius is outlined instead (a near-repeat
    zone's reach), by the cells it meets.

    Parameters
    ----------
    points
        Points in a projected CRS in metres.
    groups
        One label per point (a cluster or zone id); points of a label are outlined together.
    cell_size_m
        The cells' side, in metres (the audience's finest cell, say).
    grow_m
        Radius of a circle around each cell centre, in metres; 0 for the cells alone.

    Returns
    -------
    geopandas.GeoSeries
        One outline per label, indexed by the sorted labels, same CRS.

    Raises
    ------
    ParameterError
        When ``cell_size_m`` is not positive or ``grow_m`` is negative.
    CRSError
        When ``points`` are not in a projected CRS.

    Examples
    --------
    >>> from shapely import Point
    >>> p = gpd.GeoSeries([Point(101, 1), Point(199, 99), Point(250, 50)], crs=BNG)
    >>> [g.bounds for g in cells_holding(p, [7, 7, 8], cell_size_m=100)]
    [(100.0, 0.0, 200.0, 100.0), (200.0, 0.0, 300.0, 100.0)]
    """
    if not (math.isfinite(grow_m) and grow_m >= 0):
        msg = f"grow_m must be 0 or more; found {grow_m}."
        raise ParameterError(msg)
    labels = np.asarray(groups)
    x = np.floor(shapely.get_x(points.to_numpy()) / cell_size_m) * cell_size_m
    y = np.floor(shapely.get_y(points.to_numpy()) / cell_size_m) * cell_size_m
    half = cell_size_m / 2
    if grow_m:
        shapes = np.asarray(
            shapely.buffer(shapely.points(x + half, y + half), grow_m, quad_segs=16), dtype=object
        )
    else:  # the cell itself (shrunk a little so cells_covering takes it alone)
        shapes = np.asarray(
            shapely.box(x + 0.25 * half, y + 0.25 * half, x + 1.75 * half, y + 1.75 * half),
            dtype=object,
        )
    keys = np.unique(labels)
    merged = gpd.GeoSeries(
        [shapely.union_all(shapes[labels == k]) for k in keys], index=keys, crs=points.crs
    )
    return cells_covering(merged, cell_size_m=cell_size_m)
