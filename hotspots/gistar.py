"""
Getis-Ord Gi* hot spot analysis of crime counts on a grid.

Each cell's count is compared with the counts of its neighbourhood (the cell itself and the
cells around it, binary weights). The analytic z-score is that of Ord & Getis (1995), identical
to ArcGIS's Hot Spot Analysis and to ``esda.G_Local(star=True, transform="B")``; p-values are
two-sided, adjusted for multiple testing (Benjamini-Hochberg by default) and cells are classed
as ArcGIS does (``Gi_Bin`` -3..3, "Hot 99%" .. "Cold 99%").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse, special

from hotspots.fdr import CORRECTION_LABELS, Correction, adjust_p
from spatial.errors import EmptyInputError, ParameterError

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.grid import Grid

__all__ = [
    "BIN_THRESHOLDS",
    "DEFAULT_ALPHA",
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_SEED",
    "HOTSPOT_LABELS",
    "GiStarResult",
    "PValueSource",
    "classify_gi",
    "gi_star",
    "gi_star_significant",
    "gi_star_z",
    "permutation_p",
    "spatial_weights",
]

PValueSource = Literal["analytic", "permutation"]

DEFAULT_ALPHA: Final = 0.05
"""The adjusted-p level (FDR q for Benjamini-Hochberg) a cell must reach to count as significant."""
DEFAULT_PERMUTATIONS: Final = 999
"""The usual number of conditional permutations when pseudo p-values are asked for."""
DEFAULT_SEED: Final = 20_250_101
"""Seed of the permutation draws, so pseudo p-values are reproducible."""
BIN_THRESHOLDS: Final = ((3, 0.01), (2, 0.05), (1, 0.10))
"""``(|gi_bin|, adjusted p <=)``: 99 %, 95 % and 90 % confidence, as ArcGIS's Gi_Bin."""
HOTSPOT_LABELS: Final[dict[int, str]] = {
    3: "Hot 99%",
    2: "Hot 95%",
    1: "Hot 90%",
    0: "Not significant",
    -1: "Cold 90%",
    -2: "Cold 95%",
    -3: "Cold 99%",
}
"""The ``hotspot`` label of each ``gi_bin``."""
_SQUARE_QUEEN_OFFSETS: Final = tuple(
    (dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)
)
_PERMUTATION_CELLS_PER_CHUNK: Final = 2_000_000
"""Permutations are evaluated in chunks of about this many (permutation, cell) pairs."""
_ONE_PERMUTATION_AT_A_TIME_CELLS: Final = 20_000
"""Cardinality groups at least this large are evaluated one permutation at a time."""
_SMALL_POOL: Final = 512
"""Up to this many other cells, permutations are drawn by sorting random keys."""


@dataclass(frozen=True, eq=False)
class GiStarResult:
    """
    Gi* results per cell and the convention used to get them.

    Attributes
    ----------
    cells
        The grid's cells (``cell_id``, ``row``, ``col``, ``x_m``, ``y_m``, geometry, EPSG:27700)
        with ``n_crimes`` (the count analysed), ``gi_z`` (analytic z-score), ``gi_p``
        (two-sided p from the normal distribution), ``gi_p_fdr`` (the p-value after the chosen
        correction; equal to ``gi_p`` when the correction is ``"none"``), ``gi_bin`` (-3..3 as
        ArcGIS's Gi_Bin, from the adjusted p), ``hotspot`` ("Hot 99%" .. "Cold 99%") and
        ``significant`` (adjusted p <= ``alpha``). With permutations also ``gi_p_sim``, the
        folded one-sided pseudo p-value (see :func:`permutation_p`).
    convention
        One paragraph describing exactly how the classes were obtained, for the UI.
    correction
        The multiple-testing correction.
    alpha
        The adjusted-p level for ``significant``.
    p_value_source
        ``"analytic"`` or ``"permutation"``: which p-value the classes were built on.
    distance_band_m
        The distance band in metres, or None for queen contiguity.
    permutations
        Number of conditional permutations (0 when none were run).
    seed
        Seed of the permutation draws.
    n_crimes
        The total count analysed.
    n_hot, n_cold
        The number of significant hot and cold cells.
    """

    cells: gpd.GeoDataFrame
    convention: str
    correction: Correction
    alpha: float
    p_value_source: PValueSource
    distance_band_m: float | None
    permutations: int
    seed: int
    n_crimes: float
    n_hot: int
    n_cold: int


def spatial_weights(grid: Grid, *, distance_band_m: float | None = None) -> sparse.csr_array:
    """
    Build binary Gi* weights between the grid's cells, each cell its own neighbour.

    Parameters
    ----------
    grid
        The grid from :func:`spatial.grid.make_grid`.
    distance_band_m
        None for queen contiguity (squares: the 8 cells sharing an edge or a corner; hexagons:
        the 6 sharing an edge), else every cell whose centre lies within this many metres.

    Returns
    -------
    scipy.sparse.csr_array
        ``(n_cells, n_cells)`` matrix of 0/1 with ones on the diagonal, in ``cell_id`` order.

    Raises
    ------
    ParameterError
        When ``distance_band_m`` is not a positive finite number.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from spatial.grid import make_grid
    >>> square = gpd.GeoDataFrame(geometry=[box(0, 0, 300, 300)], crs=27700)
    >>> grid = make_grid(square, cell_size_m=100)
    >>> spatial_weights(grid).sum(axis=1).tolist()
    [4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0]
    """
    n = grid.n_cells
    if distance_band_m is not None:
        if not (math.isfinite(distance_band_m) and distance_band_m > 0):
            msg = f"distance_band_m must be a positive number of metres; found {distance_band_m}."
            raise ParameterError(msg)
        from scipy.spatial import cKDTree  # noqa: PLC0415 - a tenth of a second, distance bands only

        centres = np.column_stack([grid.cells["x_m"].to_numpy(), grid.cells["y_m"].to_numpy()])
        pairs = cKDTree(centres).query_pairs(
            distance_band_m * (1 + 1e-9) + 1e-9, output_type="ndarray"
        )
        src = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
        dst = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    else:
        src, dst = _queen_pairs(grid)
    data = np.ones(len(src), dtype=np.float64)
    return sparse.csr_array((data, (src, dst)), shape=(n, n))


def _queen_pairs(grid: Grid) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(cell, neighbour) pairs of queen contiguity, self pairs included."""
    n = grid.n_cells
    rows = grid.cells["row"].to_numpy(dtype=np.int64)
    cols = grid.cells["col"].to_numpy(dtype=np.int64)
    ids = grid.cells["cell_id"].to_numpy(dtype=np.int64)
    offsets: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    if grid.kind == "square":
        offsets = [
            (np.full(n, d_row, dtype=np.int64), np.full(n, d_col, dtype=np.int64))
            for d_row, d_col in _SQUARE_QUEEN_OFFSETS
        ]
    else:
        odd = cols & 1
        same_col = np.zeros(n, dtype=np.int64)
        offsets = [(np.full(n, -1, dtype=np.int64), same_col), (np.ones(n, np.int64), same_col)]
        for side in (-1, 1):
            side_col = np.full(n, side, dtype=np.int64)
            offsets.append((odd - 1, side_col))  # even column: row - 1; odd column: row
            offsets.append((odd, side_col))  # even column: row; odd column: row + 1
    src_parts = [ids]
    dst_parts = [ids]
    for d_row, d_col in offsets:
        r, c = rows + d_row, cols + d_col
        ok = (r >= 0) & (r < grid.n_rows) & (c >= 0) & (c < grid.n_cols)
        nb = np.full(n, -1, dtype=np.int64)
        nb[ok] = grid.cell_index[r[ok], c[ok]]
        has = nb >= 0
        src_parts.append(ids[has])
        dst_parts.append(nb[has])
    return np.concatenate(src_parts), np.concatenate(dst_parts)


def gi_star_z(
    values: npt.NDArray[np.float64], weights: sparse.csr_array
) -> npt.NDArray[np.float64]:
    """
    Return the analytic Gi* z-score of each observation with binary weights including self.

    ``z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n W_i - W_i^2) / (n - 1)))`` with
    ``W_i = sum_j w_ij``, ``xbar`` the mean and ``S`` the standard deviation (divisor n) of all
    ``n`` values. Cells whose neighbourhood is everything (``W_i = n``) get z = 0.

    Parameters
    ----------
    values
        One value per cell (e.g. crime counts).
    weights
        Binary weights with ones on the diagonal, e.g. from :func:`spatial_weights`.

    Returns
    -------
    numpy.ndarray
        z-scores; all zero when every value is equal.

    References
    ----------
    Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of distance
    statistics. Geographical Analysis 24(3), 189-206.
    Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics: distributional
    issues and an application. Geographical Analysis 27(4), 286-306.

    Examples
    --------
    Three cells in a row, each the neighbour of the next (mean 3, S = sqrt(14/3)):

    >>> w = sparse.csr_array(np.array([[1.0, 1, 0], [1, 1, 1], [0, 1, 1]]))
    >>> np.round(gi_star_z(np.array([1.0, 2.0, 6.0]), w), 4).tolist()
    [-1.3887, 0.0, 0.9258]
    """
    x = np.asarray(values, dtype=np.float64)
    return _z_columns(x[:, None], weights)[:, 0]


def _z_columns(
    columns: npt.NDArray[np.float64], weights: sparse.csr_array
) -> npt.NDArray[np.float64]:
    """
    Return :func:`gi_star_z` of each column (cells x samples) with one sparse product.

    Each column's neighbourhood sums add the same terms in the same order as a product with that
    column alone, and its mean and spread come from its own contiguous copy, so one column or
    many give the same bits.
    """
    by_column = np.ascontiguousarray(columns.T)
    n = columns.shape[0]
    lag = np.asarray(weights @ columns, dtype=np.float64)
    w_sum = np.asarray(weights.sum(axis=1), dtype=np.float64).ravel()
    mean = by_column.mean(axis=1)
    s = np.sqrt(np.maximum(np.mean(by_column**2, axis=1) - mean**2, 0.0))
    root = np.sqrt(np.maximum(n * w_sum - w_sum**2, 0.0) / max(n - 1, 1))
    denom = root[:, None] * s[None, :]
    z = np.zeros_like(lag)
    ok = denom > 0
    z[ok] = (lag - w_sum[:, None] * mean[None, :])[ok] / denom[ok]
    return z


def permutation_p(
    values: npt.NDArray[np.float64],
    weights: sparse.csr_array,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> npt.NDArray[np.float64]:
    """
    Conditional-permutation pseudo p-values of Gi* (binary weights including self).

    Each cell keeps its own value; its ``W_i - 1`` neighbours are replaced by values drawn
    without replacement from all other cells, ``permutations`` times. As in esda, one set of
    draws is shared by all cells (cell ``i`` skips itself), which lets every cell be evaluated
    at once. The pseudo p-value is the folded one-sided one,
    ``(min(n_ge, n_le) + 1) / (permutations + 1)`` with ``n_ge`` (``n_le``) the permutations
    whose neighbourhood sum is at least (at most) the observed one; double it for a two-sided
    test. Without ties this is esda's ``p_sim``; with ties (common with counts: an empty cell
    among empty cells) esda counts them on the upper side only, which gives such a cell the
    smallest possible p-value, whereas here it gets a p-value near 1. A cell without
    neighbours gets 1.

    Parameters
    ----------
    values
        One value per cell.
    weights
        Binary weights with ones on the diagonal.
    permutations
        Number of permutations (at least 1).
    seed
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray
        Pseudo p-values between ``1 / (permutations + 1)`` and 1.

    Raises
    ------
    ParameterError
        When ``permutations`` is below 1 or exceeds the number of distinct draws possible.

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association - LISA. Geographical Analysis
    27(2), 93-115 (conditional randomisation).
    """
    if permutations < 1:
        msg = f"permutations must be at least 1; found {permutations}."
        raise ParameterError(msg)
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    n_draws = np.diff(weights.indptr) - 1  # neighbours other than the cell itself
    max_draws = int(n_draws.max()) if n > 0 else 0
    if max_draws > n - 1:
        msg = f"A cell has {max_draws} neighbours but only {n - 1} other cells exist."
        raise ParameterError(msg)
    observed = (weights @ x) - x
    tol = 1e-9 * max(1.0, float(np.abs(x).sum()))
    low, high = observed - tol, observed + tol  # sums within tol of the observed one are ties
    rng = np.random.default_rng(seed)
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    groups = [(int(k), np.flatnonzero(n_draws == k)) for k in np.unique(n_draws) if int(k) > 0]
    # Cells without neighbours: every permuted sum ties with the observed one (both 0).
    n_ge[n_draws == 0] = permutations
    n_le[n_draws == 0] = permutations
    chunk = max(1, min(permutations, _PERMUTATION_CELLS_PER_CHUNK // max(n, 1)))
    for first in range(0, permutations if groups else 0, chunk):
        n_perm = min(chunk, permutations - first)
        draws = _draw_without_replacement(rng, n - 1, n_perm, max_draws)
        for k, cells in groups:
            if n_perm == 1 or len(cells) >= _ONE_PERMUTATION_AT_A_TIME_CELLS:
                # large groups: one permutation at a time, with contiguous whole-group passes
                group_low, group_high = low[cells], high[cells]
                ge = np.zeros(len(cells), dtype=np.int64)
                le = np.zeros(len(cells), dtype=np.int64)
                for row in draws[:, :k]:
                    sums = _permuted_sums(x, row, cells)
                    ge += sums >= group_low
                    le += sums <= group_high
                n_ge[cells] += ge
                n_le[cells] += le
            else:  # small groups: all permutations of the chunk at once (less Python overhead)
                ge, le = _count_chunk(x, draws[:, :k], cells, low[cells], high[cells])
                n_ge[cells] += ge
                n_le[cells] += le
    return (np.minimum(n_ge, n_le) + 1.0) / (permutations + 1.0)


def _draw_without_replacement(
    rng: np.random.Generator, n_pool: int, n_rows: int, k: int
) -> npt.NDArray[np.int64]:
    """``n_rows`` independent uniform draws of ``k`` distinct integers from ``range(n_pool)``."""
    if n_pool <= _SMALL_POOL:  # few cells: repeats would be common, sort random keys instead
        keys = rng.random((n_rows, n_pool))
        return np.asarray(np.argsort(keys, axis=1)[:, :k], dtype=np.int64)
    draws = rng.integers(0, n_pool, size=(n_rows, k), dtype=np.int64)
    if k > 1:
        ordered = np.sort(draws, axis=1)
        # a row with a repeat is redrawn whole: the kept rows stay uniform over distinct tuples
        for row in np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1)):
            draws[row] = rng.choice(n_pool, size=k, replace=False)
    return draws


def _permuted_sums(
    x: npt.NDArray[np.float64], draws: npt.NDArray[np.int64], cells: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """
    Sum of the values one permutation draws for each cell (ascending ``cells``).

    Draw ``r`` stands for cell ``r`` when ``r < i`` and for ``r + 1`` otherwise (cell ``i``
    skips itself), so the sum is a step function of ``i`` with steps at the sorted draws:
    ``sum_at[c]`` is the sum for the run of cells with exactly ``c`` draws below them.
    """
    r_sorted = np.sort(draws)
    sum_at = np.zeros(r_sorted.size + 1)
    sum_at[1:] += np.cumsum(x[r_sorted])
    sum_at[:-1] += np.cumsum(x[r_sorted + 1][::-1])[::-1]
    ends = np.searchsorted(cells, r_sorted, side="right")
    lengths = np.diff(ends, prepend=0, append=cells.size)
    return np.repeat(sum_at, lengths)


def _count_chunk(
    x: npt.NDArray[np.float64],
    draws: npt.NDArray[np.int64],
    cells: npt.NDArray[np.int64],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """
    Count, per cell, the permutations (rows of ``draws``) whose sum is >= ``low`` and <= ``high``.

    As :func:`_permuted_sums`, for many permutations at once: one ``searchsorted`` finds how
    many draws lie below each cell in every permutation (row ``p`` offset by ``p * (n + 1)``).
    """
    n_perm, k = draws.shape
    r_sorted = np.sort(draws, axis=1)
    sum_at = np.zeros((n_perm, k + 1))
    sum_at[:, 1:] += np.cumsum(x[r_sorted], axis=1)
    sum_at[:, :-1] += np.cumsum(x[r_sorted + 1][:, ::-1], axis=1)[:, ::-1]
    stride = np.arange(n_perm, dtype=np.int64)[:, None] * (x.size + 1)
    flat = (r_sorted + stride).ravel()
    position = np.searchsorted(flat, (cells[None, :] + stride).ravel(), side="left")
    count_below = position.reshape(n_perm, cells.size) - np.arange(n_perm)[:, None] * k
    sums = np.take_along_axis(sum_at, count_below, axis=1)
    ge = np.asarray((sums >= low[None, :]).sum(axis=0), dtype=np.int64)
    le = np.asarray((sums <= high[None, :]).sum(axis=0), dtype=np.int64)
    return ge, le


def classify_gi(
    z: npt.NDArray[np.float64], p_adjusted: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """
    Class Gi* results as ArcGIS's ``Gi_Bin`` (-3..3) from z-scores and adjusted p-values.

    The one classification every Gi* in patchmap uses (grid cells, street segments, lixels).

    Parameters
    ----------
    z
        Gi* z-scores (their sign gives hot or cold).
    p_adjusted
        p-values after the multiple-testing correction.

    Returns
    -------
    numpy.ndarray
        3, 2, 1 where the adjusted p is at most 0.01, 0.05, 0.10 (negative for cold), else 0.

    Examples
    --------
    >>> classify_gi(np.array([3.0, -2.5, 1.0]), np.array([0.004, 0.03, 0.5])).tolist()
    [3, -2, 0]
    """
    return _classify(z, p_adjusted)


def _classify(z: npt.NDArray[np.float64], p_adj: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    level = np.zeros(z.size, dtype=np.int64)
    for magnitude, threshold in reversed(BIN_THRESHOLDS):
        level[p_adj <= threshold] = magnitude
    return (level * np.sign(z)).astype(np.int64)


def _check_options(
    y: npt.NDArray[np.float64],
    *,
    grid: Grid,
    correction: Correction,
    alpha: float,
    permutations: int,
    p_value_source: PValueSource,
) -> None:
    problems: list[str] = []
    if y.shape != (grid.n_cells,):
        problems.append(
            f"counts has shape {y.shape} but the grid has {grid.n_cells} cells; "
            "count with spatial.grid.count_points(points, grid)"
        )
    elif not np.isfinite(y).all():
        problems.append(f"counts holds {int((~np.isfinite(y)).sum())} missing values")
    if correction not in CORRECTION_LABELS:
        problems.append(
            f"correction must be one of {sorted(CORRECTION_LABELS)}, not {correction!r}"
        )
    if not 0 < alpha < 1:
        problems.append(f"alpha must lie between 0 and 1; found {alpha}")
    if permutations < 0:
        problems.append(f"permutations must be 0 or more; found {permutations}")
    if p_value_source not in ("analytic", "permutation"):
        problems.append(
            f"p_value_source must be 'analytic' or 'permutation', not {p_value_source!r}"
        )
    elif p_value_source == "permutation" and permutations == 0:
        problems.append("p_value_source='permutation' needs permutations > 0 (999 is usual)")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


def gi_star(  # noqa: PLR0913 -- keyword-only options of one statistical test
    counts: npt.ArrayLike,
    *,
    grid: Grid,
    distance_band_m: float | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_ALPHA,
    permutations: int = 0,
    seed: int = DEFAULT_SEED,
    p_value_source: PValueSource = "analytic",
    weights: sparse.csr_array | None = None,
) -> GiStarResult:
    """
    Find hot and cold spots of crime counts on a grid with Getis-Ord Gi*.

    Parameters
    ----------
    counts
        The count (or weighted sum) per cell, in ``cell_id`` order, from
        :func:`spatial.grid.count_points`.
    grid
        The grid the counts are on.
    distance_band_m
        None (default) for queen contiguity including the cell itself; otherwise a distance band
        in metres between cell centres.
    correction
        ``"fdr_bh"`` (Benjamini-Hochberg, default), ``"holm"`` or ``"none"``, applied over all
        cells to the p-values the classes are built on.
    alpha
        The adjusted-p level at which a cell counts as ``significant`` (FDR q for BH).
    permutations
        Number of conditional permutations for pseudo p-values (0: none; 999 is usual).
    seed
        Seed for the permutations.
    p_value_source
        ``"analytic"`` (default): classes from the normal p-value of ``gi_z``;
        ``"permutation"``: from the two-sided pseudo p-value ``min(1, 2 * gi_p_sim)``.
    weights
        Precomputed :func:`spatial_weights` (saves time when testing many months on one grid).

    Returns
    -------
    GiStarResult
        Per-cell results and the convention used.

    Raises
    ------
    ParameterError
        When ``counts`` does not match the grid, an option is out of range, or permutation
        p-values are asked for without permutations.
    EmptyInputError
        When every count is zero.

    References
    ----------
    Getis, A. and Ord, J. K. (1992). Geographical Analysis 24(3), 189-206.
    Ord, J. K. and Getis, A. (1995). Geographical Analysis 27(4), 286-306.
    Benjamini, Y. and Hochberg, Y. (1995). JRSS B 57(1), 289-300.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from spatial.grid import make_grid
    >>> square = gpd.GeoDataFrame(geometry=[box(0, 0, 500, 500)], crs=27700)
    >>> grid = make_grid(square, cell_size_m=100)
    >>> counts = np.zeros(grid.n_cells)
    >>> counts[[0, 1, 5, 6]] = 10
    >>> result = gi_star(counts, grid=grid)
    >>> int(result.cells.loc[0, "gi_bin"]), result.cells.loc[0, "hotspot"]
    (3, 'Hot 99%')
    """
    y, w = _checked_input(
        counts, grid=grid, correction=correction, alpha=alpha, permutations=permutations,
        p_value_source=p_value_source, distance_band_m=distance_band_m, weights=weights,
    )  # fmt: skip
    z = gi_star_z(y, w)
    p = _two_sided_p(z)
    cells = grid.cells.copy()
    cells["n_crimes"] = y
    cells["gi_z"] = z
    cells["gi_p"] = p
    p_for_class = p
    if permutations > 0:
        p_sim = permutation_p(y, w, permutations=permutations, seed=seed)
        cells["gi_p_sim"] = p_sim
        if p_value_source == "permutation":
            p_for_class = np.minimum(1.0, 2.0 * p_sim)
    p_adj = adjust_p(p_for_class, method=correction)
    bins = _classify(z, p_adj)
    cells["gi_p_fdr"] = p_adj
    cells["gi_bin"] = bins
    cells["hotspot"] = pd.Series(
        [HOTSPOT_LABELS[int(b)] for b in bins], index=cells.index, dtype="str"
    )
    significant = p_adj <= alpha
    cells["significant"] = significant
    n_hot = int((significant & (z > 0)).sum())
    n_cold = int((significant & (z < 0)).sum())
    return GiStarResult(
        cells=cells,
        convention=_convention(
            grid=grid,
            weights=w,
            distance_band_m=distance_band_m,
            correction=correction,
            alpha=alpha,
            permutations=permutations,
            seed=seed,
            p_value_source=p_value_source,
        ),
        correction=correction,
        alpha=alpha,
        p_value_source=p_value_source,
        distance_band_m=distance_band_m,
        permutations=permutations,
        seed=seed,
        n_crimes=float(y.sum()),
        n_hot=n_hot,
        n_cold=n_cold,
    )


def gi_star_significant(
    counts: npt.ArrayLike,
    *,
    grid: Grid,
    distance_band_m: float | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_ALPHA,
    weights: sparse.csr_array | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """
    Return the z-scores and significance of :func:`gi_star` (analytic p-values) as arrays.

    The same test as :func:`gi_star` without building its table of cells: for many months on one
    grid (emerging hot spots test every month).

    Parameters
    ----------
    counts
        As for :func:`gi_star`; or one column per sample (cells x months), each tested on its
        own, as one call per column would, in one pass (a column of zeros gets z = 0, not
        significant).
    grid, distance_band_m, correction, alpha, weights
        As for :func:`gi_star`.

    Returns
    -------
    tuple of numpy.ndarray
        ``gi_z`` and ``significant`` per cell (per cell and column), equal to :func:`gi_star`'s
        columns.

    Raises
    ------
    ParameterError
        When ``counts`` does not match the grid or an option is out of range.
    EmptyInputError
        When every count is zero.
    """
    columns = np.asarray(counts, dtype=np.float64)
    if columns.ndim == 2:  # noqa: PLR2004 - cells x samples
        return _columns_significant(
            columns, grid=grid, distance_band_m=distance_band_m, correction=correction,
            alpha=alpha, weights=weights,
        )  # fmt: skip
    y, w = _checked_input(
        counts, grid=grid, correction=correction, alpha=alpha, permutations=0,
        p_value_source="analytic", distance_band_m=distance_band_m, weights=weights,
    )  # fmt: skip
    z = gi_star_z(y, w)
    significant = adjust_p(_two_sided_p(z), method=correction) <= alpha
    return z, np.asarray(significant, dtype=bool)


def _columns_significant(
    columns: npt.NDArray[np.float64],
    *,
    grid: Grid,
    distance_band_m: float | None,
    correction: Correction,
    alpha: float,
    weights: sparse.csr_array | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """
    Return :func:`gi_star_significant` of each column, bit for bit, with one product.

    The z-scores of every column come from :func:`_z_columns`, and the weights are checked once.
    """
    if columns.shape[0] != grid.n_cells:
        msg = (
            f"counts has {columns.shape[0]} rows but the grid has {grid.n_cells} cells; count "
            "each column with spatial.grid.count_points(points, grid)."
        )
        raise ParameterError(msg)
    if not np.isfinite(columns).all():
        msg = f"counts holds {int((~np.isfinite(columns)).sum())} missing values."
        raise ParameterError(msg)
    _, w = _checked_input(
        columns.sum(axis=1),
        grid=grid,
        correction=correction,
        alpha=alpha,
        permutations=0,
        p_value_source="analytic",
        distance_band_m=distance_band_m,
        weights=weights,
    )  # every option checked once; no crime in any column is refused
    z = _z_columns(columns, w)
    p = _two_sided_p(z)
    significant = np.zeros(z.shape, dtype=bool)
    for t in np.flatnonzero((columns != 0).any(axis=0)):
        significant[:, t] = adjust_p(p[:, t], method=correction) <= alpha
    return z, significant


def _two_sided_p(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Two-sided normal p-value (``2 * scipy.stats.norm.sf(|z|)``, bit for bit, via ndtr)."""
    return np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)


def _checked_input(
    counts: npt.ArrayLike,
    *,
    grid: Grid,
    correction: Correction,
    alpha: float,
    permutations: int,
    p_value_source: PValueSource,
    distance_band_m: float | None,
    weights: sparse.csr_array | None,
) -> tuple[npt.NDArray[np.float64], sparse.csr_array]:
    """Return the counts as floats and the weights, after checking every option."""
    y = np.asarray(counts, dtype=np.float64)
    _check_options(
        y,
        grid=grid,
        correction=correction,
        alpha=alpha,
        permutations=permutations,
        p_value_source=p_value_source,
    )
    if not (y != 0).any():
        msg = "No crimes fall in the grid's cells. Widen the months, crime types or wards selected."
        raise EmptyInputError(msg)
    return y, _checked_weights(grid, distance_band_m=distance_band_m, weights=weights)


def _checked_weights(
    grid: Grid, *, distance_band_m: float | None, weights: sparse.csr_array | None
) -> sparse.csr_array:
    """Return ``weights``, or build them, after checking they are binary with a unit diagonal."""
    w = spatial_weights(grid, distance_band_m=distance_band_m) if weights is None else weights
    if w.shape != (grid.n_cells, grid.n_cells) or not (
        np.all(w.data == 1.0) and np.all(w.diagonal() == 1.0)
    ):
        msg = (
            f"weights must be binary with ones on the diagonal, shape ({grid.n_cells}, "
            f"{grid.n_cells}); found shape {w.shape}. Build it with spatial_weights(grid)."
        )
        raise ParameterError(msg)
    return w


def _convention(
    *,
    grid: Grid,
    weights: sparse.csr_array,
    distance_band_m: float | None,
    correction: Correction,
    alpha: float,
    permutations: int,
    seed: int,
    p_value_source: PValueSource,
) -> str:
    shape = "square" if grid.kind == "square" else "hexagonal"
    size = f"{grid.cell_size_m:g} m" + (" (equal-area side)" if grid.kind == "hex" else "")
    if distance_band_m is None:
        touching = "8 cells touching it" if grid.kind == "square" else "6 cells sharing an edge"
        neighbourhood = f"queen contiguity: each cell and the {touching}"
    else:
        n_nb = np.diff(weights.indptr)
        neighbourhood = (
            f"a {distance_band_m:g} m distance band between cell centres, the cell included "
            f"({int(np.median(n_nb))} cells in a typical neighbourhood)"
        )
    if p_value_source == "analytic":
        p_text = "analytic z-score, two-sided p-value from the normal distribution"
    else:
        p_text = (
            f"two-sided pseudo p-value from {permutations} conditional permutations "
            f"(seed {seed}; twice the folded one-sided value, ties counted on both sides), "
            "z-score analytic"
        )
    perm_text = ""
    if permutations > 0 and p_value_source == "analytic":
        perm_text = (
            f" Pseudo p-values from {permutations} conditional permutations (seed {seed}) are "
            "given as gi_p_sim (folded one-sided, ties counted on both sides) but not used for "
            "the classes."
        )
    adjusted = "" if correction == "none" else "adjusted "
    return (
        f"Getis-Ord Gi* (Ord & Getis 1995, as ArcGIS Hot Spot Analysis) on crime counts in "
        f"{grid.n_cells:,} {shape} cells of {size}; binary weights, {neighbourhood}; {p_text}; "
        f"{CORRECTION_LABELS[correction]} over all {grid.n_cells:,} cells. Classes as ArcGIS "
        f"Gi_Bin: Hot/Cold 99%, 95%, 90% where the {adjusted}p-value is at most 0.01, 0.05, "
        f"0.10; a cell is counted as significant at {adjusted}p <= {alpha:g}.{perm_text}"
    )
