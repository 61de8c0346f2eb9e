"""WDD test against Wheeler & Ratcliffe (2018) and Wheeler's worked examples; assess_response."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

from hotspots.poisson import poisson_rate_ratio_test
from spatial.crs import BNG
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InvalidGeometryError,
    ParameterError,
    PatchmapWarning,
)
from tasking.assess import AreaCounts, assess_response, weighted_displacement_difference

# Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example (also the "Est & Variance
# Paper" test of Wheeler's ptools R package): treated 207 -> 110, control 308 -> 318,
# displacement 178 -> 157, displacement control 150 -> 140; WDD -118, variance 1568,
# z -2.98, 95% CI (-196, -40).
PAPER = {
    "treated": AreaCounts(207, 110),
    "comparison": AreaCounts(308, 318),
    "displacement": AreaCounts(178, 157),
    "displacement_comparison": AreaCounts(150, 140),
}


def test_wdd_reproduces_wheeler_ratcliffe_2018_worked_example() -> None:
    res = weighted_displacement_difference(
        PAPER["treated"],
        PAPER["comparison"],
        displacement=PAPER["displacement"],
        displacement_comparison=PAPER["displacement_comparison"],
    )
    assert res.est_total == -118
    assert res.se_total == pytest.approx(math.sqrt(1568))
    assert round(res.z, 2) == -2.98
    assert round(res.ci_low) == -196
    assert round(res.ci_high) == -40
    # local part by hand: (110 - 207) - (318 - 308) = -107, variance 207+110+308+318 = 943
    assert res.est_local == -107
    assert res.se_local == pytest.approx(math.sqrt(943))
    assert res.est_displacement == -11
    # two-sided normal p = 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt(2)) = 0.0029 (z = -2.98)
    assert res.p_value == pytest.approx(math.erfc(118 / math.sqrt(1568) / math.sqrt(2)))
    assert res.p_value == pytest.approx(0.0029, abs=1e-4)


def test_wdd_with_area_weights_matches_wheeler_2021_blog_values() -> None:
    # andrewpwheeler.com/2021/02/23/the-wdd-test-with-different-area-sizes/ (ptools tests):
    # area weights control 0.9, treated 1.2, displacement control 1.6, displacement 1.5.
    res = weighted_displacement_difference(
        AreaCounts(207, 110, area_km2=1.2),
        AreaCounts(308, 318, area_km2=0.9),
        displacement=AreaCounts(178, 157, area_km2=1.5),
        displacement_comparison=AreaCounts(150, 140, area_km2=1.6),
    )
    assert res.est_total == pytest.approx(-99.69444444)
    assert res.se_total == pytest.approx(35.4280755)
    assert res.z == pytest.approx(-2.813995483)
    assert res.ci_low == pytest.approx(-169.1321965)
    assert res.ci_high == pytest.approx(-30.25669241)


def test_wdd_with_longer_before_period_matches_wheeler_2021_blog() -> None:
    # andrewpwheeler.com/2021/01/09/the-wdd-test-with-different-pre-post-time-periods/:
    # control 100 -> 50, treated 80 -> 20, before twice as long: WDD -20, variance 115
    # (80/4 + 20 + 100/4 + 50).
    res = weighted_displacement_difference(
        AreaCounts(80, 20), AreaCounts(100, 50), n_months_before=2, n_months_after=1
    )
    assert res.est_total == pytest.approx(-20)
    assert res.se_total == pytest.approx(math.sqrt(115))
    assert res.est_displacement == 0.0


def test_wdd_rejects_half_given_displacement_and_mixed_areas() -> None:
    with pytest.raises(ParameterError, match="displacement and displacement_comparison go"):
        weighted_displacement_difference(
            AreaCounts(1, 2), AreaCounts(3, 4), displacement=AreaCounts(1, 1)
        )
    with pytest.raises(ParameterError, match="area_km2 is given for 1 of 2 areas"):
        weighted_displacement_difference(AreaCounts(1, 2, area_km2=1.0), AreaCounts(3, 4))
    with pytest.raises(ParameterError, match=r"treated.n_before must be a whole number"):
        weighted_displacement_difference(AreaCounts(-1, 2), AreaCounts(3, 4))


def _points(cells: list[tuple[float, float, str, int]], *, crs: str = BNG) -> gpd.GeoDataFrame:
    """``n`` crimes at (x, y) in month ``m`` for each (x, y, m, n)."""
    rows = [(x, y, m) for x, y, m, n in cells for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["x", "y", "month"])
    return gpd.GeoDataFrame(
        {"month": pd.PeriodIndex(frame["month"], freq="M"), "crime_type": "Burglary"},
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=crs,
    )


BEFORE = ("2024-01", "2024-03")
AFTER = ("2024-04", "2024-06")
TREATED = box(0, 0, 100, 100)
COMPARISON = box(1000, 0, 1100, 100)


def _planted() -> gpd.GeoDataFrame:
    # treated: 12 over Jan-Mar (before), 6 over Apr-Jun (after); comparison 10 -> 9;
    # ring round treated (within 50 m): 4 -> 6; ring round comparison 5 -> 5;
    # far away (outside everything) 100 each period; a point in July (outside both periods).
    return _points(
        [
            (50, 50, "2024-01", 5),
            (50, 50, "2024-02", 4),
            (100, 50, "2024-03", 3),  # on the treated boundary: counts as treated, not ring
            (50, 50, "2024-05", 6),
            (1050, 50, "2024-02", 10),
            (1050, 50, "2024-04", 9),
            (130, 50, "2024-01", 4),
            (130, 50, "2024-06", 6),
            (1050, 130, "2024-03", 5),
            (1050, 130, "2024-04", 5),
            (5000, 5000, "2024-02", 100),
            (5000, 5000, "2024-05", 100),
            (50, 50, "2024-07", 50),
        ]
    )


def test_assess_response_counts_planted_crimes_and_runs_both_tests() -> None:
    res = assess_response(
        _planted(),
        TREATED,
        COMPARISON,
        before=("2024-01", "2024-03"),
        after=("2024-04", "2024-06"),
        displacement_buffer_m=50.0,
    )
    assert (res.treated.n_before, res.treated.n_after) == (12, 6)
    assert (res.comparison.n_before, res.comparison.n_after) == (10, 9)
    assert res.displacement is not None
    assert (res.displacement.n_before, res.displacement.n_after) == (4, 6)
    assert res.displacement_comparison is not None
    assert (res.displacement_comparison.n_before, res.displacement_comparison.n_after) == (5, 5)
    assert (res.n_months_before, res.n_months_after) == (3, 3)
    # monthly rates: ((6 - 12) - (9 - 10)) / 3 + ((6 - 4) - (5 - 5)) / 3 = -5/3 + 2/3 = -1
    assert res.wdd.est_total == pytest.approx(-1.0)
    assert res.wdd.se_total == pytest.approx(math.sqrt((12 + 6 + 10 + 9 + 4 + 6 + 5 + 5) / 9))
    expected = poisson_rate_ratio_test(6, 12, exposure_1=3, exposure_2=3)
    assert res.treated_rate_ratio == expected
    assert res.treated_rate_ratio.rate_ratio == pytest.approx(0.5)
    assert res.comparison_rate_ratio.rate_ratio == pytest.approx(0.9)
    as_dict = res.to_dict()
    assert as_dict["before"] == ["2024-01", "2024-03"]
    assert as_dict["wdd"]["est_total"] == pytest.approx(-1.0)  # type: ignore[index]


def test_assess_response_per_km2_divides_by_area() -> None:
    res = assess_response(
        _planted(),
        TREATED,
        box(1000, 0, 1200, 100),  # twice the area of the treated square
        before=("2024-01", "2024-03"),
        after=("2024-04", "2024-06"),
        per_km2=True,
    )
    assert res.treated.area_km2 == pytest.approx(0.01)
    assert res.comparison.area_km2 == pytest.approx(0.02)
    local = (6 - 12) / 3 / 0.01 - (9 - 10) / 3 / 0.02
    assert res.wdd.est_total == pytest.approx(local)


def test_assess_response_warns_when_counts_are_small() -> None:
    points = _points([(50, 50, "2024-01", 2), (1050, 50, "2024-02", 9), (1050, 50, "2024-03", 8)])
    with pytest.warns(PatchmapWarning, match="treated before, treated after"):
        res = assess_response(
            points, TREATED, COMPARISON, before=("2024-01", "2024-02"), after=("2024-03", "2024-03")
        )
    assert res.treated.n_after == 0
    assert res.wdd.est_total == pytest.approx((0 - 2 / 2) - (8 - 9 / 2))


def test_assess_response_rejects_wrong_crs_overlaps_and_periods() -> None:
    points = _planted()
    with pytest.raises(CRSError, match="EPSG:4326"):
        assess_response(
            points.set_crs("EPSG:4326", allow_override=True),
            TREATED,
            COMPARISON,
            before=BEFORE,
            after=AFTER,
        )
    with pytest.raises(ParameterError, match="treated_area and comparison_area overlap"):
        assess_response(points, TREATED, box(50, 0, 150, 100), before=BEFORE, after=AFTER)
    with pytest.raises(ParameterError, match="smaller displacement_buffer_m"):
        assess_response(
            points, TREATED, COMPARISON, displacement_buffer_m=600.0, before=BEFORE, after=AFTER
        )
    with pytest.raises(ParameterError, match="overlap: the periods must not share months"):
        assess_response(
            points, TREATED, COMPARISON, before=("2024-01", "2024-04"), after=("2024-04", "2024-06")
        )
    with pytest.raises(ParameterError, match="swap the two months"):
        assess_response(
            points, TREATED, COMPARISON, before=("2024-03", "2024-01"), after=("2024-04", "2024-06")
        )
    with pytest.raises(InvalidGeometryError, match="comparison_area must be a polygon"):
        assess_response(points, TREATED, box(0, 0, 0, 0), before=BEFORE, after=AFTER)
    with pytest.raises(EmptyInputError, match="No crime points fall"):
        assess_response(
            points, TREATED, COMPARISON, before=("2020-01", "2020-03"), after=("2020-04", "2020-06")
        )


def test_assess_response_does_not_mutate_points() -> None:
    points = _planted()
    before = points.copy()
    assess_response(
        points, TREATED, COMPARISON, before=("2024-01", "2024-03"), after=("2024-04", "2024-06")
    )
    pd.testing.assert_frame_equal(points, before)
    assert np.array_equal(points.geometry.x, before.geometry.x)


def test_a_point_on_a_shared_boundary_counts_once_for_the_treated_area() -> None:
    # Comparison square shares the edge x = 100 with the treated square; 7 crimes lie on it.
    points = _points(
        [
            (100, 50, "2024-01", 7),
            (50, 50, "2024-01", 5),
            (50, 50, "2024-04", 5),
            (150, 50, "2024-01", 6),
            (150, 50, "2024-04", 6),
        ]
    )
    res = assess_response(points, TREATED, box(100, 0, 200, 100), before=BEFORE, after=AFTER)
    assert (res.treated.n_before, res.comparison.n_before) == (12, 6)
