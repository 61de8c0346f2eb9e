"""
Change between two periods and emerging hot spots, per grid cell, in calendar months.

* :func:`change_by_cell` tests each cell for a change in its monthly crime rate between a
  "before" and an "after" period with the conditional binomial test of two Poisson counts, then
  adjusts the p-values for multiple testing (Benjamini-Hochberg by default).
* :func:`emerging_hotspots` runs Getis-Ord Gi* on each month's cell counts and a Mann-Kendall test
  on each cell's monthly Gi* z-scores, and names the space-time pattern as Esri's Emerging Hot Spot
  Analysis does (new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating,
  historical; hot and cold). :func:`classify_emerging` holds the category rules alone.

police.uk publishes crimes by calendar month, so the time step is always one calendar month
(never 28-day periods); months without any crime count as zero.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from hotspots.fdr import CORRECTION_LABELS, Correction, adjust_p
from hotspots.gistar import DEFAULT_ALPHA, gi_star_significant, spatial_weights
from hotspots.poisson import poisson_rate_ratio_p
from hotspots.trend import DEFAULT_TREND_ALPHA, mann_kendall_rows, trend_labels
from spatial.crs import require_bng
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError, PatchmapWarning
from spatial.grid import assign_cells
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import numpy.typing as npt

    from spatial.grid import Grid

__all__ = [
    "CHANGE_CLASSES",
    "COLD_CATEGORIES",
    "DEFAULT_CHANGE_ALPHA",
    "EMERGING_CATEGORIES",
    "HOT_CATEGORIES",
    "MIN_EMERGING_MONTHS",
    "NO_PATTERN",
    "PERSISTENCE_SHARE",
    "ChangeClass",
    "MonthLike",
    "MonthlyGiStar",
    "change_by_cell",
    "classify_emerging",
    "compare_halves",
    "conditional_binomial_p",
    "emerging_hotspots",
    "month_range",
    "monthly_gi_star",
]

MonthLike = pd.Period | str
ChangeClass = Literal["up", "down", "no significant change"]

CHANGE_CLASSES: Final[tuple[ChangeClass, ...]] = ("up", "down", "no significant change")
"""The values of ``change`` in :func:`change_by_cell`."""
DEFAULT_CHANGE_ALPHA: Final = 0.05
"""Adjusted-p level at which a cell's change counts as significant."""
PERSISTENCE_SHARE: Final = 0.9
"""Esri's threshold: hot (or cold) in at least 90 % of the months is persistent-like."""
MIN_EMERGING_MONTHS: Final = 10
"""Esri recommends at least ten time steps; fewer gives a warning (three is the hard minimum)."""
HOT_CATEGORIES: Final = (
    "New Hot Spot",
    "Consecutive Hot Spot",
    "Intensifying Hot Spot",
    "Persistent Hot Spot",
    "Diminishing Hot Spot",
    "Sporadic Hot Spot",
    "Oscillating Hot Spot",
    "Historical Hot Spot",
)
"""Esri's eight hot spot patterns."""
COLD_CATEGORIES: Final = tuple(name.replace("Hot", "Cold") for name in HOT_CATEGORIES)
"""Esri's eight cold spot patterns."""
NO_PATTERN: Final = "No Pattern Detected"
"""The category of a cell that fits no hot or cold pattern."""
EMERGING_CATEGORIES: Final = (*HOT_CATEGORIES, *COLD_CATEGORIES, NO_PATTERN)
"""All seventeen categories of :func:`emerging_hotspots`."""

_MIN_MONTHS: Final = 3


def _to_month(value: MonthLike, *, name: str) -> pd.Period:
    try:
        month = pd.Period(value, freq="M")
    except (ValueError, TypeError) as err:
        msg = f"{name} must be a month such as '2025-03'; found {value!r}."
        raise ParameterError(msg) from err
    if str(month.freqstr) != "M":
        msg = f"{name} must be a calendar month; found {value!r}."
        raise ParameterError(msg)
    return month


def month_range(start: MonthLike, end: MonthLike, *, name: str = "period") -> pd.PeriodIndex:
    """
    Return the calendar months from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end
        Months as ``pandas.Period`` or text such as ``"2025-03"``.
    name
        What the caller calls the period, used in messages.

    Returns
    -------
    pandas.PeriodIndex
        Monthly periods.

    Raises
    ------
    ParameterError
        When a value is not a month or ``end`` is before ``start``.

    Examples
    --------
    >>> [str(m) for m in month_range("2024-11", "2025-02")]
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    first = _to_month(start, name=f"{name} start")
    last = _to_month(end, name=f"{name} end")
    if last < first:
        msg = f"{name} ends ({last}) before it starts ({first}). Give (first month, last month)."
        raise ParameterError(msg)
    return pd.period_range(first, last, freq="M")


def _points_months(points: gpd.GeoDataFrame) -> pd.PeriodIndex:
    require_bng(points, name="points")
    if "month" not in points.columns:
        msg = "points lack the column month; load crimes with spatial.io.read_crimes."
        raise MissingColumnError(msg)
    if len(points) == 0:
        msg = "There are no crimes to compare. Widen the months, crime types or wards selected."
        raise EmptyInputError(msg)
    return pd.PeriodIndex(points["month"], freq="M")


def conditional_binomial_p(
    n_before: npt.ArrayLike,
    n_after: npt.ArrayLike,
    *,
    months_before: int,
    months_after: int,
) -> npt.NDArray[np.float64]:
    """
    Two-sided p-values for equal Poisson rates per month before and after, given the totals.

    Conditional on the total ``n = n_before + n_after``, under equal rates ``n_after`` is
    binomial with ``n`` trials and proportion ``months_after / (months_before + months_after)``.
    The p-value is the two-sided exact one of :func:`hotspots.poisson.poisson_rate_ratio_p`
    ("minimum likelihood" method, as R's ``poisson.test``); a cell with no crime in either period
    has p = 1.

    Parameters
    ----------
    n_before, n_after
        Crime counts per cell in each period.
    months_before, months_after
        Length of each period in calendar months.

    Returns
    -------
    numpy.ndarray
        Two-sided p-values, one per cell.

    Raises
    ------
    ParameterError
        When counts are negative, not whole numbers or of different lengths, or a period has
        fewer than one month.

    References
    ----------
    Przyborowski, J. and Wilenski, H. (1940). Homogeneity of results in testing samples from
    Poisson series. Biometrika 31(3/4), 313-323.
    Krishnamoorthy, K. and Thomson, J. (2004). A more powerful test for comparing two Poisson
    means. Journal of Statistical Planning and Inference 119(1), 23-35 (the C-test).

    Examples
    --------
    >>> conditional_binomial_p([10, 0], [25, 0], months_before=6, months_after=6).round(4).tolist()
    [0.0167, 1.0]
    """
    before = np.asarray(n_before, dtype=np.float64).ravel()
    after = np.asarray(n_after, dtype=np.float64).ravel()
    if before.shape != after.shape:
        msg = f"n_before and n_after differ in length ({before.size} and {after.size})."
        raise ParameterError(msg)
    bad = ~np.isfinite(before) | ~np.isfinite(after) | (before < 0) | (after < 0)
    bad |= (before != np.round(before)) | (after != np.round(after))
    if bad.any():
        msg = "Counts must be whole numbers of 0 or more; check the counts per cell."
        raise ParameterError(msg)
    if months_before < 1 or months_after < 1:
        msg = (
            f"Each period needs at least one month; found {months_before} before and "
            f"{months_after} after."
        )
        raise ParameterError(msg)
    totals = (before + after).astype(np.int64)
    k_after = after.astype(np.int64)
    p = np.ones(before.size, dtype=np.float64)
    tested = totals > 0
    pairs, inverse = np.unique(
        np.column_stack([k_after[tested], totals[tested]]), axis=0, return_inverse=True
    )
    values = np.array(
        [
            poisson_rate_ratio_p(
                int(k), int(n - k), exposure_1=months_after, exposure_2=months_before
            )
            for k, n in pairs
        ],
        dtype=np.float64,
    )
    p[tested] = values[inverse.reshape(-1)]
    return p


def _check_alpha(alpha: float, *, name: str) -> None:
    if not (0.0 < alpha < 1.0):
        msg = f"{name} must lie strictly between 0 and 1; found {alpha}. Use e.g. 0.05."
        raise ParameterError(msg)


def change_by_cell(
    points: gpd.GeoDataFrame,
    *,
    grid: Grid,
    before: tuple[MonthLike, MonthLike],
    after: tuple[MonthLike, MonthLike],
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_CHANGE_ALPHA,
) -> gpd.GeoDataFrame:
    """
    Test each cell for a change in crimes per month between two periods.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with a ``month`` column.
    grid
        The grid from :func:`spatial.grid.make_grid`.
    before, after
        ``(first month, last month)``, both included, e.g. ``("2024-10", "2025-03")``. The
        periods may differ in length but must not overlap.
    correction
        Multiple-testing correction over the cells with any crime in either period:
        ``"fdr_bh"`` (Benjamini-Hochberg), ``"holm"`` or ``"none"``.
    alpha
        Adjusted-p level at which a change is significant.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's cells (EPSG:27700, ``cell_id`` order) with ``n_before``, ``n_after``
        (crimes), ``rate_before_per_month``, ``rate_after_per_month``, ``ratio`` (after rate
        / before rate; NaN when there was no crime before), ``p_value`` (conditional binomial,
        see :func:`conditional_binomial_p`), ``p_adjusted`` (after ``correction``; 1 for cells
        with no crime in either period, which are not tested) and ``change`` (``"up"``,
        ``"down"`` or ``"no significant change"``, from ``p_adjusted <= alpha``).

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``month`` is missing.
    EmptyInputError
        When there are no crimes, or a period holds none of them.
    ParameterError
        When a period is not a month range, the periods overlap, or an option is out of range.

    Warns
    -----
    PatchmapWarning
        When crimes in either period fall outside the grid's cells (they are not counted).

    References
    ----------
    Przyborowski, J. and Wilenski, H. (1940). Biometrika 31(3/4), 313-323.
    Benjamini, Y. and Hochberg, Y. (1995). JRSS B 57(1), 289-300.
    """
    if correction not in CORRECTION_LABELS:
        msg = f"correction must be one of {sorted(CORRECTION_LABELS)}; found {correction!r}."
        raise ParameterError(msg)
    _check_alpha(alpha, name="alpha")
    months_b = month_range(*before, name="before")
    months_a = month_range(*after, name="after")
    overlap = months_b.intersection(months_a)
    if len(overlap) > 0:
        msg = (
            f"The before ({months_b[0]}..{months_b[-1]}) and after ({months_a[0]}..{months_a[-1]}) "
            f"periods overlap in {count_text(len(overlap), 'month')}. Choose periods that do not "
            "overlap."
        )
        raise ParameterError(msg)
    month = _points_months(points)
    in_before = np.asarray(month.isin(months_b), dtype=bool)
    in_after = np.asarray(month.isin(months_a), dtype=bool)
    for label, mask, months in (("before", in_before, months_b), ("after", in_after, months_a)):
        if not mask.any():
            msg = (
                f"No crimes fall in the {label} period ({months[0]}..{months[-1]}); the data "
                f"cover {month.min()}..{month.max()}. Choose months inside the data."
            )
            raise EmptyInputError(msg)
    cell = assign_cells(points, grid)
    n_outside = int(((cell < 0) & (in_before | in_after)).sum())
    if n_outside:
        _warn_outside(n_outside)
    n_before = np.bincount(cell[in_before & (cell >= 0)], minlength=grid.n_cells)
    n_after = np.bincount(cell[in_after & (cell >= 0)], minlength=grid.n_cells)
    p = conditional_binomial_p(
        n_before, n_after, months_before=len(months_b), months_after=len(months_a)
    )
    tested = (n_before + n_after) > 0
    p_adj = np.ones(grid.n_cells, dtype=np.float64)
    p_adj[tested] = adjust_p(p[tested], method=correction)
    rate_b = n_before / len(months_b)
    rate_a = n_after / len(months_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n_before > 0, rate_a / np.where(n_before > 0, rate_b, 1.0), np.nan)
    significant = p_adj <= alpha
    change = np.where(
        significant & (rate_a > rate_b),
        "up",
        np.where(significant & (rate_a < rate_b), "down", "no significant change"),
    )
    cells = grid.cells.copy()
    cells["n_before"] = n_before.astype(np.int64)
    cells["n_after"] = n_after.astype(np.int64)
    cells["rate_before_per_month"] = rate_b
    cells["rate_after_per_month"] = rate_a
    cells["ratio"] = ratio
    cells["p_value"] = p
    cells["p_adjusted"] = p_adj
    cells["change"] = pd.Series(change, index=cells.index, dtype="str")
    return cells


def _final_run(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Length of the run of True values ending at the last column, per row."""
    n = flags.shape[1]
    # index of the last False in each row (-1 if none); the run is what follows it
    reversed_false = ~flags[:, ::-1]
    has_false = reversed_false.any(axis=1)
    first_false_from_end = np.argmax(reversed_false, axis=1)
    return np.asarray(np.where(has_false, first_false_from_end, n), dtype=np.int64)


def _side_categories(
    own: npt.NDArray[np.bool_],
    other: npt.NDArray[np.bool_],
    *,
    rising: npt.NDArray[np.bool_],
    falling: npt.NDArray[np.bool_],
    names: tuple[str, ...],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """
    Categories for one side (hot or cold): the >= 90 % patterns and the final-month patterns.

    ``rising`` means a significant trend towards more of this side (up for hot, down for cold).
    """
    new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical = (
        names
    )
    n_rows, n = own.shape
    n_own = own.sum(axis=1)
    mostly = 10 * n_own >= 9 * n  # at least 90 % of the months, in whole numbers
    final = own[:, -1]
    run = _final_run(own)
    before_final = own[:, :-1].sum(axis=1)
    other_before = other[:, :-1].any(axis=1)
    before_run = n_own - run  # own months before the final run
    mostly_cat = np.full(n_rows, None, dtype=object)
    mostly_cat[mostly & ~final] = historical
    mostly_cat[mostly & final & rising] = intensifying
    mostly_cat[mostly & final & falling] = diminishing
    mostly_cat[mostly & final & ~rising & ~falling] = persistent
    final_cat = np.full(n_rows, None, dtype=object)
    recent = ~mostly & final
    final_cat[recent] = sporadic
    final_cat[recent & (run >= 2) & (before_run == 0)] = consecutive  # noqa: PLR2004  (Esri: a run of two or more)
    final_cat[recent & (before_final == 0)] = new
    final_cat[recent & other_before] = oscillating
    return mostly_cat, final_cat


def classify_emerging(
    gi_z: npt.ArrayLike,
    significant: npt.ArrayLike,
    *,
    trend_alpha: float = DEFAULT_TREND_ALPHA,
) -> pd.DataFrame:
    """
    Name each location's space-time pattern from its monthly Gi* results, as Esri does.

    A month is *hot* for a cell when its Gi* is significant with a positive z, *cold* when
    significant with a negative z. The trend is the Mann-Kendall test on the cell's z-scores.
    With ``n`` months, "90 %" means at least ``0.9 n`` months (11 of 12). Esri's definitions:

    - **New**: hot in the final month and never hot before.
    - **Consecutive**: a single uninterrupted run of two or more hot months ending in the final
      month, never hot before the run, and hot in less than 90 % of the months.
    - **Intensifying**: hot in at least 90 % of the months including the final one, with a
      significant upward trend in z.
    - **Persistent**: hot in at least 90 % of the months (including the final one, else
      historical) with no significant trend.
    - **Diminishing**: as intensifying but with a significant downward trend.
    - **Sporadic**: hot in the final month, hot in earlier months with gaps (so not new or
      consecutive), less than 90 % of the months, never cold.
    - **Oscillating**: hot in the final month, cold in some earlier month, hot in less than 90 %.
    - **Historical**: not hot in the final month but hot in at least 90 % of the months.

    Cold patterns mirror these (intensifying cold: z trending down). Where two rules could both
    apply, the 90 % patterns come first (hot, then cold), then the final-month patterns, and
    among those oscillating beats new and consecutive (a cell that was cold and turns hot is
    oscillating, as Esri's wording "has a history of also being a cold spot" implies).

    Parameters
    ----------
    gi_z
        Gi* z-scores, shape ``(n_locations, n_months)``, months in order.
    significant
        Whether each Gi* result is significant (after any FDR correction), same shape.
    trend_alpha
        Two-sided level of the Mann-Kendall test for intensifying and diminishing.

    Returns
    -------
    pandas.DataFrame
        One row per location: ``category`` (one of :data:`EMERGING_CATEGORIES`),
        ``n_hot_months``, ``n_cold_months``, ``trend_z``, ``trend_p``, ``trend_tau``,
        ``trend`` ("increasing", "decreasing", "no trend") and ``pattern`` (one character per
        month: ``H`` hot, ``C`` cold, ``.`` neither).

    Raises
    ------
    ParameterError
        When the arrays differ in shape, hold fewer than three months or NaN, or
        ``trend_alpha`` is not in (0, 1).

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro tool reference, Space Time Pattern
    Mining toolbox (learnmoreemerging.htm).
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13(3), 245-259.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[0.1] * 11 + [3.0], [3.0] * 12, [0.0] * 8 + [3.0] * 4])
    >>> classify_emerging(z, np.abs(z) > 2)["category"].tolist()
    ['New Hot Spot', 'Persistent Hot Spot', 'Consecutive Hot Spot']
    """
    _check_alpha(trend_alpha, name="trend_alpha")
    z = np.asarray(gi_z, dtype=np.float64)
    sig = np.asarray(significant, dtype=bool)
    if z.shape != sig.shape or z.ndim != 2:  # noqa: PLR2004  (locations x months)
        msg = f"gi_z and significant must be 2-D arrays of one shape; found {z.shape}, {sig.shape}."
        raise ParameterError(msg)
    if z.shape[1] < _MIN_MONTHS:
        msg = f"Emerging hot spots need at least {_MIN_MONTHS} months; found {z.shape[1]}."
        raise ParameterError(msg)
    hot = sig & (z > 0)
    cold = sig & (z < 0)
    _, _, trend_z, trend_p, tau = mann_kendall_rows(z)
    trend = trend_labels(trend_z, trend_p, alpha=trend_alpha)
    up = trend == "increasing"
    down = trend == "decreasing"
    hot_mostly, hot_final = _side_categories(
        hot, cold, rising=up, falling=down, names=HOT_CATEGORIES
    )
    cold_mostly, cold_final = _side_categories(
        cold, hot, rising=down, falling=up, names=COLD_CATEGORIES
    )
    category = np.full(z.shape[0], NO_PATTERN, dtype=object)
    for layer in (cold_final, hot_final, cold_mostly, hot_mostly):  # last write wins
        has = np.array([c is not None for c in layer], dtype=bool)
        category[has] = layer[has]
    pattern = np.where(hot, "H", np.where(cold, "C", "."))
    return pd.DataFrame(
        {
            "category": pd.Series(category, dtype="str"),
            "n_hot_months": hot.sum(axis=1).astype(np.int64),
            "n_cold_months": cold.sum(axis=1).astype(np.int64),
            "trend_z": trend_z,
            "trend_p": trend_p,
            "trend_tau": tau,
            "trend": pd.Series(trend, dtype="str"),
            "pattern": pd.Series(["".join(row) for row in pattern], dtype="str"),
        }
    )


@dataclass(frozen=True, eq=False)
class MonthlyGiStar:
    """
    Gi* of every cell in every calendar month of a run of months.

    Attributes
    ----------
    months
        The months (``"YYYY-MM"``), in order, one per column below.
    counts
        Crimes per cell and month, shape ``(n_cells, n_months)``, ``cell_id`` order.
    gi_z
        Gi* z-score per cell and month (0 in a month without any crime).
    significant
        Whether the month's Gi* is significant after the correction (False in empty months).
    n_outside
        Crimes in these months outside every cell (not counted).
    """

    months: tuple[str, ...]
    counts: npt.NDArray[np.float64]
    gi_z: npt.NDArray[np.float64]
    significant: npt.NDArray[np.bool_]
    n_outside: int

    @property
    def n_months(self) -> int:
        """The number of months."""
        return len(self.months)


def monthly_gi_star(
    points: gpd.GeoDataFrame,
    *,
    grid: Grid,
    months: tuple[MonthLike, MonthLike] | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_ALPHA,
    distance_band_m: float | None = None,
) -> MonthlyGiStar:
    """
    Count crimes per cell and calendar month and run Gi* on each month.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with a ``month`` column.
    grid
        The grid from :func:`spatial.grid.make_grid`.
    months
        ``(first month, last month)``, both included; None uses the first to the last month in
        the data. Months without crime count as zero.
    correction
        Multiple-testing correction of each month's Gi* p-values (over that month's cells).
    alpha
        Adjusted-p level at which a month's Gi* is significant.
    distance_band_m
        Gi* neighbourhood as a distance band in metres; None for queen contiguity.

    Returns
    -------
    MonthlyGiStar
        Counts, z-scores and significance per cell and month.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``month`` is missing.
    EmptyInputError
        When no crime falls in the months and cells analysed.
    ParameterError
        When fewer than three months are analysed or an option is out of range.

    Warns
    -----
    PatchmapWarning
        When crimes in the months analysed fall outside the grid's cells (they are not counted).
    """
    _check_alpha(alpha, name="alpha")
    month = _points_months(points)
    span = (
        month_range(month.min(), month.max(), name="months")
        if months is None
        else month_range(*months, name="months")
    )
    if len(span) < _MIN_MONTHS:
        msg = (
            f"Emerging hot spots need at least {_MIN_MONTHS} months; {span[0]}..{span[-1]} has "
            f"{len(span)}. Select a longer run of months."
        )
        raise ParameterError(msg)
    cell = assign_cells(points, grid)
    step = np.asarray(
        (month.year - span[0].year) * 12 + (month.month - span[0].month), dtype=np.int64
    )
    step[(step < 0) | (step >= len(span))] = -1
    keep = (cell >= 0) & (step >= 0)
    if not keep.any():
        msg = (
            f"No crimes fall in the grid's cells in {span[0]}..{span[-1]}. Widen the months, "
            "crime types or wards selected."
        )
        raise EmptyInputError(msg)
    n_outside = int(((cell < 0) & (step >= 0)).sum())
    if n_outside:
        _warn_outside(n_outside)
    counts = np.zeros((grid.n_cells, len(span)), dtype=np.float64)
    np.add.at(counts, (cell[keep], step[keep]), 1.0)
    weights = spatial_weights(grid, distance_band_m=distance_band_m)
    # every month at once (a month with no crime: no hot or cold spot, z = 0)
    z, significant = gi_star_significant(
        counts,
        grid=grid,
        distance_band_m=distance_band_m,
        correction=correction,
        alpha=alpha,
        weights=weights,
    )
    return MonthlyGiStar(
        months=tuple(str(m) for m in span),
        counts=counts,
        gi_z=z,
        significant=significant,
        n_outside=n_outside,
    )


def _warn_outside(n_outside: int) -> None:
    msg = (
        f"{n_outside:,} crimes lie outside the grid's cells and are not counted. Build the grid "
        "over the same wards the crimes were selected from."
    )
    warnings.warn(msg, PatchmapWarning, stacklevel=3)


def emerging_hotspots(
    points: gpd.GeoDataFrame,
    *,
    grid: Grid,
    months: tuple[MonthLike, MonthLike] | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = DEFAULT_ALPHA,
    trend_alpha: float = DEFAULT_TREND_ALPHA,
    distance_band_m: float | None = None,
) -> gpd.GeoDataFrame:
    """
    Classify each cell's space-time pattern of hot and cold spots, month by month.

    For every calendar month the cell counts are tested with Gi* (:func:`hotspots.gistar.gi_star`,
    queen contiguity unless ``distance_band_m``, ``correction`` over the cells of that month);
    each cell's series of monthly z-scores is tested for a trend with Mann-Kendall; and the
    cell is named with Esri's categories (:func:`classify_emerging`). Unlike Esri's space-time
    Gi*, a month's neighbourhood does not include earlier months: each month is tested alone.
    Every cell of the grid is analysed (the grid plays the role of Esri's analysis mask), so a
    cell without crime can be a cold spot.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with a ``month`` column.
    grid
        The grid from :func:`spatial.grid.make_grid`.
    months
        ``(first month, last month)``, both included; None uses the first to the last month in
        the data. Months without crime count as zero.
    correction
        Multiple-testing correction of each month's Gi* p-values.
    alpha
        Adjusted-p level at which a month's Gi* is significant.
    trend_alpha
        Two-sided level of the Mann-Kendall trend test.
    distance_band_m
        Gi* neighbourhood as a distance band in metres between cell centres; None for queen
        contiguity.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's cells (EPSG:27700, ``cell_id`` order) with ``n_crimes`` (in the months
        analysed), ``category`` and the columns of :func:`classify_emerging` (``n_hot_months``,
        ``n_cold_months``, ``trend_z``, ``trend_p``, ``trend_tau``, ``trend``, ``pattern``).

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``month`` is missing.
    EmptyInputError
        When no crime falls in the months and cells analysed.
    ParameterError
        When fewer than three months are analysed or an option is out of range.

    Warns
    -----
    PatchmapWarning
        When fewer than ten months are analysed (Esri's recommended minimum), or crimes fall
        outside the grid's cells (they are not counted).

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro tool reference.
    Getis, A. and Ord, J. K. (1992). Geographical Analysis 24(3), 189-206.
    Mann, H. B. (1945). Econometrica 13(3), 245-259.
    """
    _check_alpha(alpha, name="alpha")
    _check_alpha(trend_alpha, name="trend_alpha")
    monthly = monthly_gi_star(
        points,
        grid=grid,
        months=months,
        correction=correction,
        alpha=alpha,
        distance_band_m=distance_band_m,
    )
    if monthly.n_months < MIN_EMERGING_MONTHS:
        msg = (
            f"Only {monthly.n_months} months analysed; Esri recommends at least "
            f"{MIN_EMERGING_MONTHS} time steps, so trends and the 90 % rules rest on few months."
        )
        warnings.warn(msg, PatchmapWarning, stacklevel=2)
    z, significant, counts = monthly.gi_z, monthly.significant, monthly.counts
    table = classify_emerging(z, significant, trend_alpha=trend_alpha)
    cells = grid.cells.copy()
    cells["n_crimes"] = counts.sum(axis=1).astype(np.int64)
    for column in table.columns:
        cells[column] = table[column].to_numpy()
    cells["category"] = cells["category"].astype("str")
    cells["trend"] = cells["trend"].astype("str")
    cells["pattern"] = cells["pattern"].astype("str")
    return cells


def compare_halves(months: Sequence[str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """
    Split months into the two periods a change is compared over by default: earlier, later half.

    With an odd number of months the oldest is left out, so both periods are equally long.

    Parameters
    ----------
    months
        Consecutive months, ``YYYY-MM``, oldest first (e.g. the selected months).

    Returns
    -------
    tuple
        ``(before, after)``, each ``(first month, last month)``.

    Raises
    ------
    ParameterError
        When fewer than two months are given.

    Examples
    --------
    >>> compare_halves(["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"])
    (('2024-02', '2024-03'), ('2024-04', '2024-05'))
    """
    if len(months) < 2:  # noqa: PLR2004 - two periods need two months
        msg = f"A change needs at least two months; found {len(months)}. Select more months."
        raise ParameterError(msg)
    half = len(months) // 2
    before, after = months[-2 * half : -half], months[-half:]
    return (str(before[0]), str(before[-1])), (str(after[0]), str(after[-1]))
