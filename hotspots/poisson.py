"""
The exact conditional test for the ratio of two Poisson rates.

Given ``count_1 ~ Poisson(rate_1 * exposure_1)`` and ``count_2 ~ Poisson(rate_2 * exposure_2)``,
``count_1`` conditional on ``count_1 + count_2 = n`` is binomial with
``p = r * exposure_1 / (r * exposure_1 + exposure_2)`` under the null ``rate_1 / rate_2 = r``.
The p-value is the exact binomial one and the confidence interval of the rate ratio is the
Clopper-Pearson interval of ``p`` mapped back, as in R's ``poisson.test`` (Przyborowski &
Wilenski 1940). The one implementation of this test: :mod:`tasking.assess` compares crime counts
before and after a response with it, and :func:`hotspots.classify.conditional_binomial_p` tests
every grid cell's change with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from scipy import special

from spatial.errors import ParameterError

__all__ = [
    "DEFAULT_CONFIDENCE_LEVEL",
    "Alternative",
    "PoissonRateRatioTest",
    "poisson_rate_ratio_p",
    "poisson_rate_ratio_test",
]

Alternative = Literal["two-sided", "greater", "less"]
"""Alternative hypothesis about ``rate_1 / rate_2`` relative to ``ratio_null``."""

DEFAULT_CONFIDENCE_LEVEL: Final = 0.95
"""Confidence level of the intervals reported by the assessment statistics."""


@dataclass(frozen=True)
class PoissonRateRatioTest:
    """
    Result of :func:`poisson_rate_ratio_test`.

    Attributes
    ----------
    count_1, count_2
        The two observed counts.
    exposure_1, exposure_2
        Their exposures (e.g. number of months each count covers).
    rate_ratio
        ``(count_1 / exposure_1) / (count_2 / exposure_2)``; ``inf`` when ``count_2`` is 0 and
        NaN when both counts are 0.
    ratio_null
        The rate ratio under the null hypothesis.
    expected_count_1
        Expected ``count_1`` under the null, given the total.
    p_value
        Exact conditional (binomial) p-value; 1.0 when both counts are 0.
    ci_low, ci_high
        Confidence interval of the rate ratio (``ci_high`` may be ``inf``).
    confidence_level
        Level of the interval.
    alternative
        The alternative hypothesis tested.
    """

    count_1: int
    count_2: int
    exposure_1: float
    exposure_2: float
    rate_ratio: float
    ratio_null: float
    expected_count_1: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence_level: float
    alternative: Alternative

    def to_dict(self) -> dict[str, float | int | str | None]:
        """
        Return the result as a JSON-friendly dict (non-finite floats become None).

        Returns
        -------
        dict
            One key per attribute.
        """
        out: dict[str, float | int | str | None] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[key] = None
            else:
                out[key] = value
        return out


def _check_count(value: int, name: str) -> str | None:
    if isinstance(value, bool) or value < 0 or int(value) != value:
        return f"{name} must be a whole number >= 0; found {value!r}."
    return None


def _check_positive(value: float, name: str) -> str | None:
    if not math.isfinite(value) or value <= 0:
        return f"{name} must be a positive finite number; found {value!r}."
    return None


def _binom_pmf(x: int, n: int, p: float) -> float:
    """Binomial probability of ``x`` of ``n`` (log-gamma form: no overflow at large ``n``)."""
    if not 0 <= x <= n:
        return 0.0
    log_pmf = (
        special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
        + special.xlogy(x, p) + special.xlog1py(n - x, -p)
    )  # fmt: skip
    return float(math.exp(log_pmf))


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    return 1.0 if k >= n else float(special.bdtr(k, n, p))


def _binom_sf(k: int, n: int, p: float) -> float:
    """P(X > k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 1.0
    return 0.0 if k >= n else float(special.bdtrc(k, n, p))


def _other_side(d: float, n: int, p: float, *, below_mode: bool) -> int:
    """
    Binary search for where the pmf on the mode's other side falls to ``d`` (scipy's rule).

    Below the mode (``k < n p``): the first ``x`` from ``ceil(n p)`` up with pmf <= ``d``;
    above it: the last ``x`` from 0 to ``floor(n p)`` with pmf <= ``d``.
    """
    sign = -1.0 if below_mode else 1.0
    lo, hi = (math.ceil(p * n), n) if below_mode else (0, math.floor(p * n))
    target = sign * d
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = sign * _binom_pmf(mid, n, p)
        if value < target:
            lo = mid + 1
        elif value > target:
            hi = mid - 1
        else:
            return mid
    return lo if sign * _binom_pmf(lo, n, p) <= target else lo - 1


def _binomial_p(k: int, n: int, p_null: float, alternative: Alternative) -> float:
    """
    Exact binomial p-value of ``k`` of ``n``; two-sided by minimum likelihood (R, scipy).

    The algorithm of ``scipy.stats.binomtest`` (terms on the other side of the mode with
    probability at most that of ``k``, relative tolerance 1e-7) on :mod:`scipy.special`'s
    binomial distribution functions, so the command does not load all of ``scipy.stats``
    (a third of a second); tests check it against ``scipy.stats.binomtest``.
    """
    if alternative == "greater":
        return _binom_sf(k - 1, n, p_null)
    if alternative == "less":
        return _binom_cdf(k, n, p_null)
    if k == p_null * n:
        return 1.0
    d = _binom_pmf(k, n, p_null) * (1 + 1e-7)
    if k < p_null * n:
        ix = _other_side(d, n, p_null, below_mode=True)
        y = n - ix + int(d == _binom_pmf(ix, n, p_null))
        p_value = _binom_cdf(k, n, p_null) + _binom_sf(n - y, n, p_null)
    else:
        y = _other_side(d, n, p_null, below_mode=False) + 1
        p_value = _binom_cdf(y - 1, n, p_null) + _binom_sf(k - 1, n, p_null)
    return min(1.0, p_value)


def poisson_rate_ratio_p(
    count_1: int,
    count_2: int,
    *,
    exposure_1: float = 1.0,
    exposure_2: float = 1.0,
    alternative: Alternative = "two-sided",
) -> float:
    """
    Return only the exact p-value of :func:`poisson_rate_ratio_test` for equal rates.

    Cheaper than the full test (no confidence interval), for many pairs of counts at once;
    the arguments are not checked again (the caller has checked its counts).

    Parameters
    ----------
    count_1, count_2
        The two counts (whole numbers >= 0).
    exposure_1, exposure_2
        Their exposures (e.g. months covered), positive.
    alternative
        As in :func:`poisson_rate_ratio_test`.

    Returns
    -------
    float
        The exact conditional p-value; 1.0 when both counts are 0.

    Examples
    --------
    >>> round(poisson_rate_ratio_p(11, 21, exposure_1=800, exposure_2=3011), 5)
    0.07967
    """
    n = int(count_1) + int(count_2)
    if n == 0:
        return 1.0
    p_null = exposure_1 / (exposure_1 + exposure_2)
    return min(1.0, _binomial_p(int(count_1), n, p_null, alternative))


def _clopper_pearson(
    k: int, n: int, *, confidence_level: float, alternative: Alternative
) -> tuple[float, float]:
    alpha = 1.0 - confidence_level
    tail = alpha / 2 if alternative == "two-sided" else alpha
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, tail))  # beta.ppf
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - tail))
    if alternative == "greater":
        high = 1.0
    elif alternative == "less":
        low = 0.0
    return low, high


def _odds_to_ratio(p: float, scale: float) -> float:
    return math.inf if p >= 1.0 else p / (1.0 - p) * scale


def poisson_rate_ratio_test(
    count_1: int,
    count_2: int,
    *,
    exposure_1: float = 1.0,
    exposure_2: float = 1.0,
    ratio_null: float = 1.0,
    alternative: Alternative = "two-sided",
    confidence_level: float = DEFAULT_CONFIDENCE_LEVEL,
) -> PoissonRateRatioTest:
    """
    Test whether two Poisson rates differ (exact test conditional on the total count).

    Parameters
    ----------
    count_1
        Events in the first period or area (e.g. crimes after a response).
    count_2
        Events in the second (e.g. crimes before it).
    exposure_1
        Exposure of ``count_1`` (e.g. months covered).
    exposure_2
        Exposure of ``count_2``.
    ratio_null
        Rate ratio ``rate_1 / rate_2`` under the null hypothesis.
    alternative
        ``"less"`` tests whether the ratio is below ``ratio_null`` (a fall in crime when
        ``count_1`` is the after period).
    confidence_level
        Level of the Clopper-Pearson based interval of the rate ratio.

    Returns
    -------
    PoissonRateRatioTest
        Rate ratio, exact p-value and confidence interval.

    Raises
    ------
    ParameterError
        When a count is negative or not whole, an exposure or ``ratio_null`` is not positive,
        or ``confidence_level`` is not strictly between 0 and 1.

    References
    ----------
    Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from
    Poisson series. *Biometrika* 31, 313-323.
    R Core Team, ``stats::poisson.test`` (two-sample case).

    Examples
    --------
    R's documentation example ``poisson.test(c(11, 6 + 8 + 7), c(800, 1083 + 1050 + 878))``:

    >>> res = poisson_rate_ratio_test(11, 21, exposure_1=800, exposure_2=3011)
    >>> round(res.rate_ratio, 6), round(res.p_value, 5)
    (1.971488, 0.07967)
    """
    problems = [
        _check_count(count_1, "count_1"),
        _check_count(count_2, "count_2"),
        _check_positive(exposure_1, "exposure_1"),
        _check_positive(exposure_2, "exposure_2"),
        _check_positive(ratio_null, "ratio_null"),
    ]
    if not 0.0 < confidence_level < 1.0:
        problems.append(f"confidence_level must lie between 0 and 1; found {confidence_level!r}.")
    if alternative not in {"two-sided", "greater", "less"}:
        problems.append(
            f"alternative must be 'two-sided', 'greater' or 'less'; found {alternative!r}."
        )
    found = [p for p in problems if p is not None]
    if found:
        raise ParameterError(" ".join(found))
    k, n = int(count_1), int(count_1) + int(count_2)
    p_null = ratio_null * exposure_1 / (ratio_null * exposure_1 + exposure_2)
    expected = n * p_null
    if n == 0:
        return PoissonRateRatioTest(
            count_1=k,
            count_2=int(count_2),
            exposure_1=float(exposure_1),
            exposure_2=float(exposure_2),
            rate_ratio=math.nan,
            ratio_null=float(ratio_null),
            expected_count_1=0.0,
            p_value=1.0,
            ci_low=0.0,
            ci_high=math.inf,
            confidence_level=confidence_level,
            alternative=alternative,
        )
    p_value = _binomial_p(k, n, p_null, alternative)
    scale = exposure_2 / exposure_1
    p_low, p_high = _clopper_pearson(
        k, n, confidence_level=confidence_level, alternative=alternative
    )
    rate_ratio = math.inf if count_2 == 0 else (k / exposure_1) / (int(count_2) / exposure_2)
    return PoissonRateRatioTest(
        count_1=k,
        count_2=int(count_2),
        exposure_1=float(exposure_1),
        exposure_2=float(exposure_2),
        rate_ratio=rate_ratio,
        ratio_null=float(ratio_null),
        expected_count_1=expected,
        p_value=min(1.0, p_value),
        ci_low=_odds_to_ratio(p_low, scale),
        ci_high=_odds_to_ratio(p_high, scale),
        confidence_level=confidence_level,
        alternative=alternative,
    )
