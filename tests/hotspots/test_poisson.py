"""Exact conditional Poisson rate-ratio test against R's documented example and scipy."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from hotspots.poisson import Alternative, poisson_rate_ratio_p, poisson_rate_ratio_test
from spatial.errors import ParameterError


def test_poisson_rate_ratio_matches_r_documentation_example() -> None:
    # R, ?poisson.test: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints
    # count1 = 11, expected count1 = 6.7174, p-value = 0.07967,
    # 95 percent CI 0.8584264 4.2772659, rate ratio 1.971488.
    res = poisson_rate_ratio_test(11, 21, exposure_1=800, exposure_2=1083 + 1050 + 878)
    assert res.expected_count_1 == pytest.approx(6.7174, abs=5e-5)
    assert res.p_value == pytest.approx(0.07967, abs=5e-6)
    assert res.ci_low == pytest.approx(0.8584264, abs=5e-8)
    assert res.ci_high == pytest.approx(4.2772659, abs=5e-8)
    assert res.rate_ratio == pytest.approx(1.971488, abs=5e-7)


@pytest.mark.parametrize(
    ("count_1", "count_2", "exposure_1", "exposure_2", "ratio_null"),
    [
        (3, 17, 1.0, 1.0, 1.0),
        (40, 12, 6.0, 3.0, 1.0),
        (0, 9, 1.0, 2.0, 1.0),
        (9, 0, 1.0, 1.0, 1.0),
        (25, 30, 12.0, 12.0, 0.5),
        (7, 23, 2.5, 4.0, 1.0),
    ],
)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_poisson_rate_ratio_equals_scipy_binomtest_on_the_conditional_count(
    count_1: int,
    count_2: int,
    exposure_1: float,
    exposure_2: float,
    ratio_null: float,
    alternative: str,
) -> None:
    res = poisson_rate_ratio_test(
        count_1,
        count_2,
        exposure_1=exposure_1,
        exposure_2=exposure_2,
        ratio_null=ratio_null,
        alternative=alternative,  # type: ignore[arg-type]  # parametrised Literal
    )
    n = count_1 + count_2
    p_null = ratio_null * exposure_1 / (ratio_null * exposure_1 + exposure_2)
    ref = stats.binomtest(count_1, n, p_null, alternative=alternative)  # type: ignore[arg-type]
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    ci = ref.proportion_ci(confidence_level=0.95, method="exact")
    scale = exposure_2 / exposure_1

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    assert res.ci_low == pytest.approx(to_ratio(ci.low), rel=1e-9, abs=1e-12)
    assert res.ci_high == pytest.approx(to_ratio(ci.high), rel=1e-9)


def test_poisson_rate_ratio_hand_worked_one_sided() -> None:
    # 0 after vs 4 before, equal exposure: P(X <= 0 | n=4, p=1/2) = 1/16.
    res = poisson_rate_ratio_test(0, 4, alternative="less")
    assert res.p_value == pytest.approx(1 / 16)
    assert res.rate_ratio == 0.0
    assert res.ci_low == 0.0
    # upper bound solves (1 - p)^4 = 0.05 -> p = 1 - 0.05**(1/4); ratio = p / (1 - p)
    p_up = 1 - 0.05 ** (1 / 4)
    assert res.ci_high == pytest.approx(p_up / (1 - p_up))


def test_poisson_rate_ratio_with_no_events_is_uninformative() -> None:
    res = poisson_rate_ratio_test(0, 0)
    assert res.p_value == 1.0
    assert math.isnan(res.rate_ratio)
    assert res.to_dict()["rate_ratio"] is None
    assert res.to_dict()["ci_high"] is None


def test_poisson_rate_ratio_rejects_bad_input_naming_each_problem() -> None:
    with pytest.raises(ParameterError, match=r"count_1 must be a whole number.*exposure_2"):
        poisson_rate_ratio_test(-1, 3, exposure_2=0.0)
    with pytest.raises(ParameterError, match="confidence_level"):
        poisson_rate_ratio_test(1, 3, confidence_level=95)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_p_only_equals_the_full_test_for_every_alternative(alternative: Alternative) -> None:
    for count_1, count_2, exposure_1, exposure_2 in [
        (11, 21, 800.0, 3011.0),
        (25, 10, 6.0, 6.0),
        (0, 7, 4.0, 8.0),
        (0, 0, 3.0, 3.0),
        (40, 40, 5.0, 7.0),
    ]:
        full = poisson_rate_ratio_test(
            count_1,
            count_2,
            exposure_1=exposure_1,
            exposure_2=exposure_2,
            alternative=alternative,
        )
        only = poisson_rate_ratio_p(
            count_1,
            count_2,
            exposure_1=exposure_1,
            exposure_2=exposure_2,
            alternative=alternative,
        )
        assert only == full.p_value


@pytest.mark.parametrize("n", [1, 2, 5, 20, 57, 999, 40_000])
@pytest.mark.parametrize("p_null", [0.01, 0.25, 1 / 3, 0.5, 12 / 144, 0.9])
def test_special_function_test_equals_scipy_stats(n: int, p_null: float) -> None:
    """The p-values and intervals (scipy.special) are scipy.stats' to 1e-9 relative."""
    ks = sorted({0, 1, n // 3, n // 2, round(n * p_null), n - 1, n} & set(range(n + 1)))
    for k in ks:
        exposure_2 = (1 - p_null) / p_null  # p_null = exposure_1 / (exposure_1 + exposure_2)
        for alternative, expected in (
            ("two-sided", stats.binomtest(k, n, p_null).pvalue),
            ("less", stats.binom.cdf(k, n, p_null)),
            ("greater", stats.binom.sf(k - 1, n, p_null)),
        ):
            got = poisson_rate_ratio_p(
                k,
                n - k,
                exposure_2=exposure_2,
                alternative=alternative,  # type: ignore[arg-type]
            )
            assert got == pytest.approx(min(1.0, expected), rel=1e-9, abs=1e-300)
        res = poisson_rate_ratio_test(k, n - k, exposure_2=exposure_2)
        low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
        high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
        assert res.ci_low == pytest.approx(_rate_ratio(low, exposure_2), rel=1e-12)
        assert res.ci_high == pytest.approx(_rate_ratio(high, exposure_2), rel=1e-12)


def _rate_ratio(q: float, exposure_2: float) -> float:
    """Clopper-Pearson bound of p mapped to the rate ratio (exposure_1 = 1)."""
    return q / (1 - q) * exposure_2 if q < 1 else math.inf
