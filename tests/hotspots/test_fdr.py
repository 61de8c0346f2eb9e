"""Multiple-testing adjustment: Benjamini-Hochberg equals scipy, Holm worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hotspots.fdr import adjust_p
from spatial.errors import ParameterError


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 160_000])
def test_fdr_bh_equals_scipy_false_discovery_control(n: int) -> None:
    rng = np.random.default_rng(n)
    p = rng.uniform(size=n) ** 4  # many small p-values, as a hotspot map has
    p[: n // 4] = p[n // 4 : 2 * (n // 4)]  # ties
    np.testing.assert_array_equal(adjust_p(p), stats.false_discovery_control(p, method="bh"))


def test_fdr_bh_worked_by_hand() -> None:
    # sorted p: 0.01, 0.03, 0.04, 0.2 -> p * 4 / rank = 0.04, 0.06, 0.0533, 0.2
    # -> running minimum from the largest: 0.04, 0.0533, 0.0533, 0.2
    adjusted = adjust_p([0.04, 0.2, 0.01, 0.03])
    np.testing.assert_allclose(adjusted, [0.16 / 3, 0.2, 0.04, 0.16 / 3], rtol=1e-12)


def test_holm_worked_by_hand() -> None:
    # sorted p: 0.01, 0.03, 0.04, 0.2 -> p * (4, 3, 2, 1) = 0.04, 0.09, 0.08, 0.2
    # -> running maximum: 0.04, 0.09, 0.09, 0.2
    adjusted = adjust_p([0.04, 0.2, 0.01, 0.03], method="holm")
    np.testing.assert_allclose(adjusted, [0.09, 0.2, 0.04, 0.09], rtol=1e-12)


def test_holm_is_never_smaller_than_bh_and_caps_at_one() -> None:
    p = np.random.default_rng(3).uniform(size=500)
    holm = adjust_p(p, method="holm")
    assert (holm >= adjust_p(p) - 1e-15).all()
    assert holm.max() == 1.0
    assert (holm >= p).all()


def test_none_returns_an_unchanged_copy_and_keeps_shape() -> None:
    p = np.array([[0.5, 0.01], [0.2, 1.0]])
    out = adjust_p(p, method="none")
    np.testing.assert_array_equal(out, p)
    assert out is not p
    assert adjust_p(p).shape == (2, 2)


def test_adjust_p_does_not_mutate_its_argument() -> None:
    p = np.array([0.3, 0.01, 0.02])
    adjust_p(p)
    np.testing.assert_array_equal(p, [0.3, 0.01, 0.02])


@pytest.mark.parametrize(("bad", "where"), [(np.nan, "nan"), (1.5, "1.5"), (-0.1, "-0.1")])
def test_bad_p_values_raise_with_position_and_value(bad: float, where: str) -> None:
    with pytest.raises(ParameterError, match=rf"1 p-values .*position 2, value {where}"):
        adjust_p([0.1, 0.2, bad])


def test_unknown_method_raises() -> None:
    with pytest.raises(ParameterError, match="method must be one of"):
        adjust_p([0.1], method="bonferroni")  # type: ignore[arg-type]
