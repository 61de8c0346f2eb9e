"""
Ranking grid cells: the densest by kernel density (``kde-top``), and by the change in their rate.

``kde_top_cells`` is the ``patchmap hotspots --method kde-top`` analysis: a kernel density raster
finer than the analysis grid, averaged into the grid's cells, and the densest share of cells kept
(densest first, ties to the lower ``cell_id``). ``by_rate_change`` orders the cells of
:func:`hotspots.classify.change_by_cell` by how much their crimes per month rose or fell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from hotspots.forecast import flag_top, n_flagged
from hotspots.kde import DEFAULT_KERNEL, density_by_cell, kernel_density
from spatial.grid import MIN_CELL_SIZE_M, count_points
from spatial.validate import require_columns

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.kde import DensitySurface, Kernel
    from spatial.grid import Grid

__all__ = [
    "DEFAULT_TOP_SHARE_PCT",
    "KDE_TOP_SUBCELLS",
    "KdeTop",
    "by_rate_change",
    "kde_top_cells",
]

DEFAULT_TOP_SHARE_PCT: Final = 5.0
"""``kde-top``: the share of grid cells kept, densest first (per cent)."""
KDE_TOP_SUBCELLS: Final = 4
"""``kde-top``: the density raster's cells are the grid cell size / 4 (at least 25 m), so a
grid cell's density is the mean of about 16 raster cells."""
RATE_COLUMNS: Final = ("rate_before_per_month", "rate_after_per_month")
"""The columns of :func:`hotspots.classify.change_by_cell` that :func:`by_rate_change` reads."""


@dataclass(frozen=True, eq=False)
class KdeTop:
    """The densest grid cells by kernel density, and how they were found."""

    cells: gpd.GeoDataFrame
    """The kept grid cells, densest first, with ``n_crimes``, ``density_per_km2`` (the mean of
    the raster cells centred in the cell, crimes per km²) and ``kde_rank`` (1 = densest)."""
    surface: DensitySurface
    """The density raster (its ``notes`` say how the bandwidth was chosen)."""
    share_pct: float
    """The share of the grid's cells kept, in per cent."""
    n_cells: int
    """Cells in the grid."""
    n_crimes_counted: int
    """Crimes that fall in a grid cell."""
    raster_cell_size_m: float
    """The density raster's cell size: grid cell / :data:`KDE_TOP_SUBCELLS`, at least 25 m."""

    @property
    def n_top(self) -> int:
        """Cells kept."""
        return len(self.cells)

    @property
    def share_of_crimes(self) -> float:
        """The share (0-1) of the counted crimes that lie in the kept cells (0 with none)."""
        return float(self.cells["n_crimes"].sum()) / max(float(self.n_crimes_counted), 1.0)

    @property
    def min_density_per_km2(self) -> float:
        """The lowest density among the kept cells (crimes per km²)."""
        return float(self.cells["density_per_km2"].min())


def kde_top_cells(
    points: gpd.GeoDataFrame,
    grid: Grid,
    *,
    area: gpd.GeoDataFrame,
    share_pct: float = DEFAULT_TOP_SHARE_PCT,
    bandwidth_m: float | None = None,
    kernel: Kernel = DEFAULT_KERNEL,
) -> KdeTop:
    """
    Keep the densest ``share_pct`` per cent of a grid's cells by kernel density.

    Parameters
    ----------
    points
        Crime points in EPSG:27700.
    grid
        The analysis grid (:func:`spatial.grid.make_grid`) over ``area``.
    area
        The selected wards: the density counts only crimes inside them.
    share_pct
        Share of the grid's cells to keep, in per cent (0 < share <= 100), rounded up to at
        least one cell.
    bandwidth_m
        Kernel bandwidth in metres; chosen by the spatial Silverman rule when None.
    kernel
        ``"quartic"`` (the default, ArcGIS's) or ``"gaussian"``.

    Returns
    -------
    KdeTop
        The kept cells, densest first, and the raster behind them.

    Raises
    ------
    ParameterError
        When ``share_pct`` is outside (0, 100], or as for :func:`hotspots.kde.kernel_density`.
    EmptyInputError
        As for :func:`hotspots.kde.kernel_density` (no crime inside the wards).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> from spatial.grid import make_grid
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:27700")
    >>> crimes = gpd.GeoDataFrame(
    ...     geometry=[Point(150, 150)] * 20 + [Point(850, 850)] * 5, crs="EPSG:27700"
    ... )
    >>> top = kde_top_cells(crimes, make_grid(wards, cell_size_m=100), area=wards,
    ...                     share_pct=1, bandwidth_m=150)
    >>> top.n_top, int(top.cells["kde_rank"].iloc[0]), int(top.cells["n_crimes"].iloc[0])
    (1, 1, 20)
    """
    n_top = n_flagged(grid.n_cells, share_pct)
    raster_m = max(MIN_CELL_SIZE_M, grid.cell_size_m / KDE_TOP_SUBCELLS)
    surface = kernel_density(
        points, area=area, cell_size_m=raster_m, bandwidth_m=bandwidth_m, kernel=kernel
    )
    density = density_by_cell(surface, grid)
    top = flag_top(density, n_top)
    counts = count_points(points, grid)
    cells = grid.cells.iloc[top].copy()
    cells["n_crimes"] = counts[top]
    cells["density_per_km2"] = density[top]
    cells["kde_rank"] = np.arange(1, len(top) + 1, dtype=np.int64)
    return KdeTop(
        cells=cells,
        surface=surface,
        share_pct=float(share_pct),
        n_cells=grid.n_cells,
        n_crimes_counted=int(counts.sum()),
        raster_cell_size_m=raster_m,
    )


def by_rate_change(cells: gpd.GeoDataFrame, *, largest_rise_first: bool) -> gpd.GeoDataFrame:
    """
    Order cells by the change in their crimes per month between two periods.

    Parameters
    ----------
    cells
        Cells from :func:`hotspots.classify.change_by_cell` (any subset of them), with
        ``rate_before_per_month`` and ``rate_after_per_month``.
    largest_rise_first
        True: the largest rise (after minus before) first; False: the largest fall first.
        Equal changes keep their input order.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows, reordered.

    Raises
    ------
    MissingColumnError
        When a rate column is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> cells = gpd.GeoDataFrame(
    ...     {"cell_id": [0, 1, 2], "rate_before_per_month": [1.0, 0.0, 4.0],
    ...      "rate_after_per_month": [2.0, 3.0, 1.0]}
    ... )
    >>> by_rate_change(cells, largest_rise_first=True)["cell_id"].tolist()
    [1, 0, 2]
    >>> by_rate_change(cells, largest_rise_first=False)["cell_id"].tolist()
    [2, 0, 1]
    """
    require_columns(
        map(str, cells.columns),
        RATE_COLUMNS,
        source="change cells",
        hint="Rank the cells that hotspots.classify.change_by_cell returns.",
    )
    difference = (cells["rate_after_per_month"] - cells["rate_before_per_month"]).to_numpy()
    order = np.argsort(-difference if largest_rise_first else difference, kind="stable")
    return cells.iloc[order]
