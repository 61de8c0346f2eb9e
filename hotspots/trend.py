"""
The Mann-Kendall trend test, for one series or for many series at once.

Emerging hot spot analysis (:mod:`hotspots.classify`) runs it on each cell's monthly Gi* z-scores
to tell intensifying from persistent and diminishing hot spots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from spatial.errors import ParameterError

__all__ = [
    "DEFAULT_TREND_ALPHA",
    "MIN_SERIES_LENGTH",
    "MannKendallResult",
    "Trend",
    "expected_var_s",
    "mann_kendall",
    "mann_kendall_rows",
    "trend_labels",
]

Trend = Literal["increasing", "decreasing", "no trend"]

DEFAULT_TREND_ALPHA: Final = 0.05
"""Two-sided significance level at which a Mann-Kendall trend is called increasing or decreasing."""
MIN_SERIES_LENGTH: Final = 3
"""The shortest series the test accepts (two values have only one pair to compare)."""


@dataclass(frozen=True)
class MannKendallResult:
    """
    The Mann-Kendall trend test of one series.

    Attributes
    ----------
    s
        The statistic S: the number of later-minus-earlier pairs that rise minus those that fall.
    var_s
        The variance of S under no trend, corrected for ties in the values.
    z
        The normal score of S with a continuity correction: ``(S - 1) / sqrt(var_s)`` for S > 0,
        ``(S + 1) / sqrt(var_s)`` for S < 0, 0 for S = 0.
    p_value
        Two-sided p-value of ``z`` from the standard normal distribution.
    tau
        Kendall's tau-b between time and the values (equal to ``scipy.stats.kendalltau``).
    trend
        ``"increasing"`` or ``"decreasing"`` when ``p_value < alpha``, else ``"no trend"``.
    alpha
        The significance level used for ``trend``.
    """

    s: int
    var_s: float
    z: float
    p_value: float
    tau: float
    trend: Trend
    alpha: float


def _validate_alpha(alpha: float) -> None:
    if not (0.0 < alpha < 1.0):
        msg = f"alpha must lie strictly between 0 and 1; found {alpha}. Use e.g. alpha=0.05."
        raise ParameterError(msg)


def mann_kendall_rows(
    values: npt.ArrayLike,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """
    Run the Mann-Kendall test on every row of a 2-D array at once (time runs along columns).

    Parameters
    ----------
    values
        Array of shape ``(n_series, n_times)``; every value finite, ``n_times >= 3``.

    Returns
    -------
    tuple of five arrays
        ``s``, ``var_s``, ``z``, ``p_value`` and ``tau`` per row, as defined in
        :class:`MannKendallResult`. A row whose values are all equal has ``var_s`` 0, ``z`` 0,
        ``p_value`` 1 and ``tau`` 0.

    Raises
    ------
    ParameterError
        When the array is not 2-D, is shorter than three time steps or holds NaN or infinity.

    Examples
    --------
    >>> s, var_s, z, p, tau = mann_kendall_rows([[1, 2, 3, 4], [4, 3, 3, 1]])
    >>> s.tolist(), var_s.tolist()
    ([6, -5], [8.666666666666666, 7.666666666666667])
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:  # noqa: PLR2004  (a 2-D array is the contract)
        msg = f"values must be a 2-D array (series x time); found {x.ndim} dimensions."
        raise ParameterError(msg)
    n = x.shape[1]
    if n < MIN_SERIES_LENGTH:
        msg = (
            f"The Mann-Kendall test needs at least {MIN_SERIES_LENGTH} time steps; found {n}. "
            "Select a longer run of months."
        )
        raise ParameterError(msg)
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        msg = (
            f"{int(bad.sum())} values are missing or infinite (first: series {row}, step {col}). "
            "Fill gaps (e.g. months without crime are 0) before testing for a trend."
        )
        raise ParameterError(msg)
    s = _pair_signs(x)
    tie_term, tied_pairs = _tie_terms(x)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0
    n_pairs = n * (n - 1) / 2.0
    sd = np.sqrt(np.where(var_s > 0, var_s, 1.0))
    z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    z = np.where(var_s > 0, z, 0.0)
    p_value = np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)  # norm.sf, bit for bit
    denom = np.sqrt(n_pairs * (n_pairs - tied_pairs))
    tau = np.where(denom > 0, s / np.where(denom > 0, denom, 1.0), 0.0)
    return (
        s,
        np.asarray(var_s, dtype=np.float64),
        np.asarray(z, dtype=np.float64),
        p_value,
        np.asarray(tau, dtype=np.float64),
    )


def _pair_signs(x: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """
    Return S per row: later-minus-earlier pairs that rise less those that fall.

    One lag at a time (times ``k:`` against ``:-k``), so memory stays at one row's pairs per
    lag instead of an ``n x n`` difference array per row; time runs down the rows of a
    transposed copy, where the comparisons and their sums run over contiguous memory.
    """
    by_time = np.ascontiguousarray(x.T)
    s = np.zeros(x.shape[0], dtype=np.int64)
    for k in range(1, x.shape[1]):
        later, earlier = by_time[k:], by_time[:-k]
        s += (later > earlier).sum(axis=0)
        s -= (later < earlier).sum(axis=0)
    return s


def _tie_terms(
    x: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """
    Return the tie correction of var(S) and the number of tied pairs, per row.

    A group of ``t`` equal values adds ``t(t - 1)(2t + 5)`` to the first and ``t(t - 1) / 2``
    to the second; the groups are the runs of each row sorted. Both sums are whole numbers
    (or halves), exact in float64.
    """
    rows, n = x.shape
    ordered = np.sort(x, axis=1)
    starts = np.ones((rows, n), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.flatnonzero(starts)  # flat position of each group's first value
    size = np.diff(first, append=rows * n)
    row = first // n
    tie_term = np.bincount(row, weights=size * (size - 1) * (2 * size + 5), minlength=rows)
    tied_pairs = np.bincount(row, weights=size * (size - 1) / 2.0, minlength=rows)
    return np.asarray(tie_term, dtype=np.float64), np.asarray(tied_pairs, dtype=np.float64)


def trend_labels(
    z: npt.NDArray[np.float64], p_value: npt.NDArray[np.float64], *, alpha: float
) -> npt.NDArray[np.str_]:
    """
    Label each test ``"increasing"``, ``"decreasing"`` or ``"no trend"``.

    Parameters
    ----------
    z, p_value
        Mann-Kendall z-scores and two-sided p-values.
    alpha
        Significance level.

    Returns
    -------
    numpy.ndarray
        One label per test.

    Examples
    --------
    >>> import numpy as np
    >>> trend_labels(np.array([2.5, -2.5, 1.0]), np.array([0.01, 0.01, 0.3]), alpha=0.05).tolist()
    ['increasing', 'decreasing', 'no trend']
    """
    significant = p_value < alpha
    return np.where(
        significant & (z > 0),
        "increasing",
        np.where(significant & (z < 0), "decreasing", "no trend"),
    )


def mann_kendall(series: npt.ArrayLike, *, alpha: float = DEFAULT_TREND_ALPHA) -> MannKendallResult:
    """
    Test a series for a monotonic trend with the Mann-Kendall test.

    Parameters
    ----------
    series
        Values in time order (e.g. one cell's monthly Gi* z-scores); at least three, all finite.
    alpha
        Two-sided significance level for ``trend``.

    Returns
    -------
    MannKendallResult
        S, its tie-corrected variance, the continuity-corrected z, the two-sided p-value,
        Kendall's tau-b and the trend label.

    Raises
    ------
    ParameterError
        When the series is shorter than three, holds NaN, or ``alpha`` is not in (0, 1).

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13(3), 245-259.
    Kendall, M. G. (1975). Rank Correlation Methods, 4th ed. Griffin, London.
    Hipel, K. W. and McLeod, A. I. (1994). Time Series Modelling of Water Resources and
    Environmental Systems. Elsevier (variance with ties, continuity correction).

    Examples
    --------
    >>> result = mann_kendall([1, 2, 3, 4, 5])
    >>> result.s, result.var_s, round(result.z, 4), round(result.p_value, 4), result.tau
    (10, 16.666666666666668, 2.2045, 0.0275, 1.0)
    >>> result.trend
    'increasing'
    """
    _validate_alpha(alpha)
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 1:
        msg = f"series must be one-dimensional; found {x.ndim} dimensions."
        raise ParameterError(msg)
    s, var_s, z, p_value, tau = mann_kendall_rows(x[None, :])
    label = trend_labels(z, p_value, alpha=alpha)[0]
    return MannKendallResult(
        s=int(s[0]),
        var_s=float(var_s[0]),
        z=float(z[0]),
        p_value=float(p_value[0]),
        tau=float(tau[0]),
        trend="increasing" if label == "increasing" else _decreasing_or_none(str(label)),
        alpha=alpha,
    )


def _decreasing_or_none(label: str) -> Trend:
    return "decreasing" if label == "decreasing" else "no trend"


def expected_var_s(n: int) -> float:
    """
    Return the variance of S for a series of ``n`` distinct values under no trend.

    Parameters
    ----------
    n
        Series length.

    Returns
    -------
    float
        ``n (n - 1) (2n + 5) / 18``.

    Examples
    --------
    >>> expected_var_s(12)
    212.66666666666666
    """
    return n * (n - 1) * (2 * n + 5) / 18.0
