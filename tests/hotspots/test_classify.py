from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely import box

from boundaries.dataset import StudyArea, load_study_area
from hotspots.classify import (
    EMERGING_CATEGORIES,
    change_by_cell,
    classify_emerging,
    conditional_binomial_p,
    emerging_hotspots,
    month_range,
    monthly_gi_star,
)
from hotspots.gistar import gi_star
from hotspots.trend import mann_kendall, mann_kendall_rows
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import (
    CRSError,
    EmptyInputError,
    MissingColumnError,
    ParameterError,
    PatchmapWarning,
)
from spatial.grid import Grid, assign_cells_xy, make_grid

if TYPE_CHECKING:
    from pathlib import Path

# ----------------------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_matches_hand_computation() -> None:
    # pairs of [1, 3, 2, 5, 4]: 8 rise, 2 fall -> S = 6; var = 5*4*15/18; z = (6 - 1)/sqrt(var)
    result = mann_kendall([1, 3, 2, 5, 4])
    assert result.s == 6
    assert result.var_s == pytest.approx(50 / 3)
    assert result.z == pytest.approx(5 / math.sqrt(50 / 3))
    assert result.p_value == pytest.approx(2 * stats.norm.sf(5 / math.sqrt(50 / 3)))
    assert result.p_value == pytest.approx(0.2207, abs=1e-4)
    assert result.tau == pytest.approx(0.6)
    assert result.trend == "no trend"


def test_mann_kendall_ties_correct_variance_and_tau_b() -> None:
    # [1, 2, 2, 3, 3, 3]: S = 11; ties t=2 and t=3 remove 2*1*9 + 3*2*11 = 84 from 6*5*17
    result = mann_kendall([1, 2, 2, 3, 3, 3])
    assert result.s == 11
    assert result.var_s == pytest.approx((510 - 84) / 18)
    assert result.tau == pytest.approx(11 / math.sqrt(15 * 11))
    tau_b = stats.kendalltau(np.arange(6), [1, 2, 2, 3, 3, 3]).statistic
    assert result.tau == pytest.approx(tau_b)


def _naive_s_var(x: np.ndarray) -> tuple[int, float]:
    n = len(x)
    s = sum(int(np.sign(x[j] - x[i])) for i, j in itertools.combinations(range(n), 2))
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    return s, var


def test_mann_kendall_rows_match_naive_loops_and_scipy_tau() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, (25, 12)).astype(float)  # many ties, as in small counts
    s, var_s, z, p, tau = mann_kendall_rows(values)
    for row in range(values.shape[0]):
        naive_s, naive_var = _naive_s_var(values[row])
        assert s[row] == naive_s
        assert var_s[row] == pytest.approx(naive_var)
        expected_tau = stats.kendalltau(np.arange(12), values[row]).statistic
        if np.isnan(expected_tau):
            assert tau[row] == 0.0
        else:
            assert tau[row] == pytest.approx(expected_tau)
        if naive_s != 0:
            expected_z = (naive_s - np.sign(naive_s)) / math.sqrt(naive_var)
            assert z[row] == pytest.approx(expected_z)
            assert p[row] == pytest.approx(2 * stats.norm.sf(abs(expected_z)))


def test_mann_kendall_rows_keep_each_rows_ties_to_itself() -> None:
    # the tie groups of one row must not run on into the next row's equal values
    values = np.array([[3.0, 1.0, 2.0, 2.0], [2.0, 2.0, 5.0, 2.0], [2.0, 2.0, 2.0, 2.0]])
    together = mann_kendall_rows(values)
    for row in range(values.shape[0]):
        alone = mann_kendall_rows(values[row : row + 1])
        for stacked, single in zip(together, alone, strict=True):
            assert stacked[row] == single[0]
    assert together[1].tolist() == [
        (4 * 3 * 13 - 2 * 1 * 9) / 18,
        (4 * 3 * 13 - 3 * 2 * 11) / 18,
        0.0,
    ]


def test_mann_kendall_labels_trends_and_constant_series() -> None:
    assert mann_kendall(np.arange(12.0)).trend == "increasing"
    assert mann_kendall(-np.arange(12.0)).trend == "decreasing"
    flat = mann_kendall([2.0] * 12)
    assert (flat.s, flat.z, flat.p_value, flat.tau, flat.trend) == (0, 0.0, 1.0, 0.0, "no trend")


def test_mann_kendall_rejects_short_or_missing_series() -> None:
    with pytest.raises(ParameterError, match="at least 3 time steps"):
        mann_kendall([1.0, 2.0])
    with pytest.raises(ParameterError, match="missing or infinite"):
        mann_kendall([1.0, np.nan, 3.0])
    with pytest.raises(ParameterError, match="alpha"):
        mann_kendall([1.0, 2.0, 3.0], alpha=1.5)


# ----------------------------------------------------------------------------- change test


@pytest.mark.parametrize(
    ("n_before", "n_after", "months_before", "months_after"),
    [(10, 25, 6, 6), (30, 12, 8, 4), (3, 0, 9, 3), (0, 7, 1, 11), (40, 41, 6, 6)],
)
def test_conditional_binomial_p_equals_scipy_binomtest(
    n_before: int, n_after: int, months_before: int, months_after: int
) -> None:
    p = conditional_binomial_p(
        [n_before], [n_after], months_before=months_before, months_after=months_after
    )
    share = months_after / (months_before + months_after)
    expected = stats.binomtest(n_after, n_before + n_after, share).pvalue
    assert p[0] == pytest.approx(expected, rel=1e-12)


def test_conditional_binomial_p_known_answers() -> None:
    # 0 before, 5 after, equal months: both tails have probability 1/32 -> p = 1/16
    p = conditional_binomial_p([0, 0, 4], [5, 0, 4], months_before=3, months_after=3)
    assert p.tolist() == [pytest.approx(0.0625), 1.0, 1.0]


def _square_grid() -> Grid:
    return make_grid(gpd.GeoDataFrame(geometry=[box(0, 0, 400, 100)], crs=BNG), cell_size_m=100)


def _crimes_in_cells(counts: dict[tuple[int, str], int]) -> gpd.GeoDataFrame:
    xs, months = [], []
    for (cell, month), n in counts.items():
        xs += [cell * 100 + 50.0] * n
        months += [month] * n
    return gpd.GeoDataFrame(
        {"month": pd.PeriodIndex(months, freq="M"), "crime_type": "Burglary"},
        geometry=gpd.points_from_xy(xs, [50.0] * len(xs)),
        crs=BNG,
    )


def test_change_by_cell_counts_rates_and_adjusted_classes() -> None:
    grid = _square_grid()
    # before = 2025-01..2025-04 (4 months), after = 2025-05..2025-06 (2 months)
    points = _crimes_in_cells(
        {
            (0, "2025-01"): 20,
            (0, "2025-05"): 30,  # rate 5 -> 15 a month: up
            (1, "2025-02"): 40,
            (1, "2025-06"): 1,  # rate 10 -> 0.5: down
            (2, "2025-03"): 8,
            (2, "2025-06"): 4,  # rate 2 -> 2: no change
            (3, "2024-12"): 9,  # outside both periods: ignored
        }
    )
    result = change_by_cell(
        points, grid=grid, before=("2025-01", "2025-04"), after=("2025-05", "2025-06")
    )
    assert result.crs == BNG
    assert result["n_before"].tolist() == [20, 40, 8, 0]
    assert result["n_after"].tolist() == [30, 1, 4, 0]
    assert result["rate_before_per_month"].tolist() == [5.0, 10.0, 2.0, 0.0]
    assert result["rate_after_per_month"].tolist() == [15.0, 0.5, 2.0, 0.0]
    assert result["ratio"].iloc[:3].tolist() == [3.0, 0.05, 1.0]
    assert np.isnan(result["ratio"].iloc[3])
    share = 2 / 6  # after months / all months
    expected_p = [stats.binomtest(a, b + a, share).pvalue for b, a in ((20, 30), (40, 1), (8, 4))]
    assert result["p_value"].iloc[:3].to_numpy() == pytest.approx(expected_p)
    assert result["p_value"].iloc[3] == 1.0
    # BH over the three tested cells only, as scipy computes it
    bh = stats.false_discovery_control(expected_p, method="bh")
    assert result["p_adjusted"].iloc[:3].to_numpy() == pytest.approx(bh)
    assert result["p_adjusted"].iloc[3] == 1.0
    none = "no significant change"
    assert result["change"].tolist() == ["up", "down", none, none]


def test_change_by_cell_holm_is_more_conservative_than_none() -> None:
    grid = _square_grid()
    points = _crimes_in_cells({(0, "2025-01"): 5, (0, "2025-02"): 14, (1, "2025-01"): 3})
    before, after = ("2025-01", "2025-01"), ("2025-02", "2025-02")
    raw = change_by_cell(points, grid=grid, before=before, after=after, correction="none")
    holm = change_by_cell(points, grid=grid, before=before, after=after, correction="holm")
    assert raw["p_adjusted"].iloc[0] == raw["p_value"].iloc[0]
    assert holm["p_adjusted"].iloc[0] == pytest.approx(min(1.0, 2 * raw["p_value"].iloc[0]))


def test_change_by_cell_errors_say_what_to_fix() -> None:
    grid = _square_grid()
    points = _crimes_in_cells({(0, "2025-01"): 5, (0, "2025-02"): 14})
    with pytest.raises(ParameterError, match=r"overlap in 1 month\. Choose"):
        change_by_cell(
            points, grid=grid, before=("2025-01", "2025-02"), after=("2025-02", "2025-03")
        )
    with pytest.raises(EmptyInputError, match=r"after period \(2026-01..2026-02\)"):
        change_by_cell(
            points, grid=grid, before=("2025-01", "2025-01"), after=("2026-01", "2026-02")
        )
    with pytest.raises(ParameterError, match="before ends"):
        change_by_cell(
            points, grid=grid, before=("2025-02", "2025-01"), after=("2025-03", "2025-03")
        )
    with pytest.raises(ParameterError, match="a month such as"):
        change_by_cell(
            points, grid=grid, before=("last year", "2025-01"), after=("2025-02", "2025-02")
        )
    with pytest.raises(CRSError, match="EPSG:4326"):
        change_by_cell(
            points.set_crs(4326, allow_override=True),
            grid=grid,
            before=("2025-01", "2025-01"),
            after=("2025-02", "2025-02"),
        )
    with pytest.raises(MissingColumnError, match="month"):
        change_by_cell(
            points.drop(columns="month"),
            grid=grid,
            before=("2025-01", "2025-01"),
            after=("2025-02", "2025-02"),
        )


def test_change_by_cell_warns_about_crimes_outside_the_grid() -> None:
    grid = _square_grid()
    points = _crimes_in_cells({(0, "2025-01"): 5, (0, "2025-02"): 14, (7, "2025-02"): 2})
    with pytest.warns(PatchmapWarning, match="2 crimes lie outside the grid's cells"):
        result = change_by_cell(
            points, grid=grid, before=("2025-01", "2025-01"), after=("2025-02", "2025-02")
        )
    assert int(result["n_after"].sum()) == 14


def test_month_range_is_calendar_months() -> None:
    months = month_range(pd.Period("2024-11", freq="M"), "2025-02")
    assert [str(m) for m in months] == ["2024-11", "2024-12", "2025-01", "2025-02"]


# ----------------------------------------------------------------------------- Esri categories

_N = 12


def _series(pattern: str, *, hot_z: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """H hot, C cold, . not significant; hot/cold z default to +-3 (no trend)."""
    z = np.array([3.0 if c == "H" else -3.0 if c == "C" else 0.0 for c in pattern])
    if hot_z is not None:
        z = np.array(hot_z, dtype=float)
    return z, np.array([c != "." for c in pattern])


CASES = {
    "New Hot Spot": _series("...........H"),
    "Consecutive Hot Spot": _series("........HHHH"),
    "Intensifying Hot Spot": _series("H" * 12, hot_z=[2.0 + 0.5 * i for i in range(12)]),
    "Persistent Hot Spot": _series("H" * 12),
    "Diminishing Hot Spot": _series("H" * 12, hot_z=[8.0 - 0.5 * i for i in range(12)]),
    "Sporadic Hot Spot": _series("H..H...H...H"),
    "Oscillating Hot Spot": _series("C....H.....H"),
    "Historical Hot Spot": _series("HHHHHHHHHHH."),
    "New Cold Spot": _series("...........C"),
    "Consecutive Cold Spot": _series(".........CCC"),
    "Intensifying Cold Spot": _series("C" * 12, hot_z=[-2.0 - 0.5 * i for i in range(12)]),
    "Persistent Cold Spot": _series("C" * 12),
    "Diminishing Cold Spot": _series("C" * 12, hot_z=[-8.0 + 0.5 * i for i in range(12)]),
    "Sporadic Cold Spot": _series(".C..C.C....C"),
    "Oscillating Cold Spot": _series("HH.........C"),
    "Historical Cold Spot": _series("CCCCCCCCCCC."),
    "No Pattern Detected": _series("............"),
}


def test_every_esri_category_from_a_hand_made_series() -> None:
    assert set(CASES) == set(EMERGING_CATEGORIES)
    z = np.vstack([v[0] for v in CASES.values()])
    sig = np.vstack([v[1] for v in CASES.values()])
    table = classify_emerging(z, sig)
    assert table["category"].tolist() == list(CASES)
    assert table["pattern"].iloc[1] == "........HHHH"
    assert table["n_hot_months"].iloc[1] == 4
    assert table["trend"].iloc[2] == "increasing"
    assert table["trend"].iloc[4] == "decreasing"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("H...........", "No Pattern Detected"),  # hot once, long ago: not a final-month pattern
        ("...HHH......", "No Pattern Detected"),  # a past series (e.g. burglary) that ended
        ("C..........H", "Oscillating Hot Spot"),  # was cold, now hot: oscillating beats new
        ("HHHHHHHHH.HH", "Persistent Hot Spot"),  # 11 of 12 hot = 90 %: persistent
        ("HHHHHHHH..HH", "Sporadic Hot Spot"),  # 10 of 12 < 90 %, with a gap
        ("..HHHHHHHHHH", "Consecutive Hot Spot"),  # run of 10 = 83 % < 90 %
        ("CCCCCCCCCCCH", "Historical Cold Spot"),  # 90 % cold comes before final-month patterns
    ],
)
def test_category_boundaries(pattern: str, expected: str) -> None:
    z, sig = _series(pattern)
    assert classify_emerging(z[None, :], sig[None, :])["category"].iloc[0] == expected


def test_classify_emerging_rejects_bad_shapes() -> None:
    with pytest.raises(ParameterError, match="one shape"):
        classify_emerging(np.zeros((2, 12)), np.zeros((2, 11), dtype=bool))
    with pytest.raises(ParameterError, match="at least 3 months"):
        classify_emerging(np.zeros((2, 2)), np.zeros((2, 2), dtype=bool))


# ----------------------------------------------------------------------------- the demo town


@pytest.fixture(scope="module")
def demo_grid(demo_area: StudyArea) -> Grid:
    return make_grid(demo_area.wards, cell_size_m=150)


def _cell_of(grid: Grid, name: str) -> int:
    pattern = PLANTED_PATTERNS[name]
    return int(
        assign_cells_xy(np.array([pattern.centre_x_m]), np.array([pattern.centre_y_m]), grid)[0]
    )


def test_demo_night_time_hotspot_is_persistent(demo_area: StudyArea, demo_grid: Grid) -> None:
    types = PLANTED_PATTERNS["nte_violence"].crime_types
    points = demo_area.points[demo_area.points["crime_type"].isin(types)]
    result = emerging_hotspots(points, grid=demo_grid)
    assert result.crs == BNG
    row = result.loc[_cell_of(demo_grid, "nte_violence")]
    assert row["category"] == "Persistent Hot Spot"
    assert row["pattern"] == "H" * 12


def test_demo_emerging_asb_is_a_consecutive_hot_spot(demo_area: StudyArea, demo_grid: Grid) -> None:
    pattern = PLANTED_PATTERNS["emerging_asb"]
    points = demo_area.points[demo_area.points["crime_type"].isin(pattern.crime_types)]
    result = emerging_hotspots(points, grid=demo_grid)
    row = result.loc[_cell_of(demo_grid, "emerging_asb")]
    # hot in the last four months only: Esri calls this consecutive (new = only the final month)
    assert row["category"] == "Consecutive Hot Spot"
    assert row["pattern"] == "." * 8 + "H" * 4
    assert row["category"] in {"New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot"}
    quiet = demo_area.wards.loc[demo_area.wards["ward_name"] == "Meadowbank", "geometry"].iloc[0]
    in_quiet = result.geometry.centroid.within(quiet)
    assert not result.loc[in_quiet, "category"].str.contains("Hot").any()


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("emerging_asb", ("2024-10", "2025-05"), ("2025-06", "2025-09")),
        ("burglary_series", ("2024-10", "2024-12"), ("2025-01", "2025-03")),
    ],
)
def test_demo_planted_cells_are_up_between_periods(
    demo_area: StudyArea,
    demo_grid: Grid,
    name: str,
    before: tuple[str, str],
    after: tuple[str, str],
) -> None:
    pattern = PLANTED_PATTERNS[name]
    points = demo_area.points[demo_area.points["crime_type"].isin(pattern.crime_types)]
    result = change_by_cell(points, grid=demo_grid, before=before, after=after)
    row = result.loc[_cell_of(demo_grid, name)]
    assert row["change"] == "up"
    assert row["p_adjusted"] < 0.01
    assert row["rate_after_per_month"] > 3 * row["rate_before_per_month"]
    # the quiet ward has no significant rise
    quiet = demo_area.wards.loc[demo_area.wards["ward_name"] == "Meadowbank", "geometry"].iloc[0]
    assert not (result.loc[result.geometry.centroid.within(quiet), "change"] == "up").any()


def test_monthly_gi_star_is_gi_star_of_each_month(demo_area: StudyArea, demo_grid: Grid) -> None:
    points = demo_area.points
    monthly = monthly_gi_star(points, grid=demo_grid, months=("2024-12", "2025-03"))
    assert monthly.months == ("2024-12", "2025-01", "2025-02", "2025-03")
    in_window = points["month"].astype(str).isin(monthly.months)
    assert monthly.counts.sum() == in_window.sum() - monthly.n_outside
    for t, month in enumerate(monthly.months):
        counts = monthly.counts[:, t]
        assert counts.sum() == (points["month"].astype(str) == month).sum()
        direct = gi_star(counts, grid=demo_grid)
        np.testing.assert_allclose(monthly.gi_z[:, t], direct.cells["gi_z"].to_numpy())
        assert (monthly.significant[:, t] == direct.cells["significant"].to_numpy()).all()


def test_emerging_hotspots_warns_on_few_months(demo_area: StudyArea, demo_grid: Grid) -> None:
    with pytest.warns(PatchmapWarning, match="Esri recommends at least 10"):
        result = emerging_hotspots(demo_area.points, grid=demo_grid, months=("2025-01", "2025-06"))
    assert result["pattern"].str.len().eq(6).all()
    with pytest.raises(ParameterError, match="at least 3 months"):
        emerging_hotspots(demo_area.points, grid=demo_grid, months=("2025-01", "2025-02"))


@pytest.mark.shared
def test_cambridge_city_centre_is_a_persistent_hot_spot(cambridge_dir: Path) -> None:
    area = load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")
    grid = make_grid(area.wards, cell_size_m=250)
    result = emerging_hotspots(area.points, grid=grid)
    assert set(result["category"]) <= set(EMERGING_CATEGORIES)
    assert result["pattern"].str.len().eq(13).all()  # 2024-09..2025-09, calendar months
    shops = area.points[area.points["location"] == "On or near Downing Street"].geometry
    x_m = np.asarray(shops.x.to_numpy()[:1], dtype=np.float64)
    y_m = np.asarray(shops.y.to_numpy()[:1], dtype=np.float64)
    cell = int(assign_cells_xy(x_m, y_m, grid)[0])
    assert result.loc[cell, "category"] == "Persistent Hot Spot"
    assert result.loc[cell, "pattern"] == "H" * 13
    change = change_by_cell(
        area.points, grid=grid, before=("2024-09", "2025-02"), after=("2025-03", "2025-08")
    )
    assert set(change["change"]) <= {"up", "down", "no significant change"}
    assert int(change["n_before"].sum() + change["n_after"].sum()) <= len(area.points)
