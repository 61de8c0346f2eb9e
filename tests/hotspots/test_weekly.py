"""7-day forecasts from dated events: SEPP recovers its parameters, no method looks ahead."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.backtest import Backtest, MethodResult
from hotspots.forecast import DefaultChoice, n_flagged
from hotspots.methods import Method
from hotspots.sepp import fit_sepp, sepp_expected_counts
from hotspots.weekly import (
    DAY_CANDIDATES,
    DEFAULT_DAY_METHODS,
    forecast_days,
    prepare_days,
    score_days,
)
from hotspots.weekly_backtest import backtest_days
from spatial.errors import ParameterError

X0, Y0 = 540_000.0, 255_000.0


def simulate(
    seed: int,
    *,
    theta: float,
    mean_delay_days: float,
    sigma_m: float,
    mu_per_day: float,
    days: int,
    side_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A self-exciting process: uniform background, Poisson(theta) offspring of each event."""
    rng = np.random.default_rng(seed)
    n0 = rng.poisson(mu_per_day * days)
    x = list(rng.uniform(0, side_m, n0))
    y = list(rng.uniform(0, side_m, n0))
    d = list(rng.integers(0, days, n0))
    queue = list(range(n0))
    while queue:
        i = queue.pop()
        for _ in range(rng.poisson(theta)):
            lag = 1 + int(np.floor(rng.exponential(mean_delay_days)))
            if d[i] + lag >= days:
                continue
            x.append(x[i] + rng.normal(0, sigma_m))
            y.append(y[i] + rng.normal(0, sigma_m))
            d.append(d[i] + lag)
            queue.append(len(x) - 1)
    xa, ya, da = np.array(x), np.array(y), np.array(d)
    inside = (xa >= 0) & (xa < side_m) & (ya >= 0) & (ya < side_m)
    return xa[inside], ya[inside], da[inside]


def _frame(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> gpd.GeoDataFrame:
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(d, unit="D") + pd.Timedelta(hours=12)
    return gpd.GeoDataFrame(
        {"incident_id": [f"E{i}" for i in range(len(x))], "start": start, "end": start},
        geometry=gpd.points_from_xy(x + X0, y + Y0),
        crs="EPSG:27700",
    )


def test_sepp_em_recovers_simulated_parameters() -> None:
    x, y, d = simulate(
        1, theta=0.3, mean_delay_days=10, sigma_m=50, mu_per_day=2, days=730, side_m=5000
    )
    row, col = np.floor(y / 100).astype(int), np.floor(x / 100).astype(int)
    fit = fit_sepp(
        x,
        y,
        d,
        row,
        col,
        lattice_shape=(50, 50),
        cell_size_m=100,
        end_day=730,
        background_bandwidth_m=300,
    )
    assert fit.theta == pytest.approx(0.3, abs=0.05)
    # lags are 1 + floor(Exp(10)): a mean delay of about 10.5 days from a day's midpoint
    assert 1 / fit.omega_per_day == pytest.approx(10.0, abs=1.5)
    assert fit.sigma_m == pytest.approx(50, abs=7)
    assert fit.mu_per_day.sum() * 730 == pytest.approx(fit.background_share * len(x), rel=0.02)
    assert "triggers 0.3" in fit.describe() or "triggers 0.2" in fit.describe()


def test_sepp_expected_counts_add_background_and_due_triggering() -> None:
    x, y, d = np.array([2500.0]), np.array([2500.0]), np.array([99])
    row, col = np.array([25]), np.array([25])
    fit = fit_sepp(x, y, d, row, col, lattice_shape=(50, 50), cell_size_m=100, end_day=100)
    fit = type(fit)(**{**fit.__dict__, "theta": 0.5, "omega_per_day": 0.2, "sigma_m": 60.0})
    rows, cols = np.divmod(np.arange(2500), 50)
    centres = np.column_stack([cols * 100 + 50.0, rows * 100 + 50.0])
    expected = sepp_expected_counts(
        fit,
        x,
        y,
        d,
        centres_m=centres,
        cell_rows=rows,
        cell_cols=cols,
        cell_area_m2=1e4,
        start_day=100,
        horizon_days=7,
    )
    due = 0.5 * (np.exp(-0.2 * 0.5) - np.exp(-0.2 * 7.5))
    assert expected.sum() == pytest.approx(7 * fit.mu_per_day.sum() + due, rel=0.01)
    # the triggering is centred on the event's cell
    assert int(np.argmax(expected - 7 * fit.mu_per_day.ravel())) == 25 * 50 + 25


def test_prepare_days_grid_cells_and_dates() -> None:
    frame = _frame(
        np.array([10.0, 150.0, 160.0]), np.array([10.0, 20.0, 30.0]), np.array([0, 1, 2])
    )
    data = prepare_days(frame, cell_size_m=100)
    assert data.n_events == 3
    assert data.first_day == int(np.datetime64("2024-01-01", "D").astype(np.int64))
    assert data.counts(data.first_day, data.first_day + 3).sum() == 3
    assert data.grid.cells.crs == frame.crs
    # the two events 10 m apart share a cell
    assert len(set(data.cell.tolist())) == 2


def _scenario() -> gpd.GeoDataFrame:
    x, y, d = simulate(
        4, theta=0.7, mean_delay_days=3, sigma_m=30, mu_per_day=1.0, days=300, side_m=3000
    )
    return _frame(x, y, d)


def test_no_method_looks_ahead() -> None:
    frame = _scenario()
    data = prepare_days(frame, cell_size_m=100)
    start = data.first_day + 200
    cut = frame[(pd.to_datetime(frame["start"]) < pd.Timestamp(np.datetime64(start, "D")))]
    cut_data = prepare_days(cut, cell_size_m=100, area=data.grid.cells.union_all())
    assert cut_data.grid.n_cells == data.grid.n_cells
    for method in DAY_CANDIDATES:
        full = score_days(data, method, start_day=start)
        past_only = score_days(cut_data, method, start_day=start)
        np.testing.assert_allclose(full, past_only, err_msg=method.key())


def test_counts_scores_are_the_counts() -> None:
    frame = _frame(
        np.array([10.0, 20.0, 150.0, 160.0]), np.array([10.0] * 4), np.array([0, 50, 60, 70])
    )
    data = prepare_days(frame, cell_size_m=100)
    first = data.first_day
    all_counts = score_days(data, DEFAULT_DAY_METHODS["counts-all"], start_day=first + 65)
    recent = score_days(data, DEFAULT_DAY_METHODS["counts-recent"], start_day=first + 65)
    assert sorted(all_counts[all_counts > 0].tolist()) == [1.0, 2.0]  # days 0, 50 | 60
    assert sorted(recent[recent > 0].tolist()) == [1.0, 1.0]  # days 50 and 60 only


def test_backtest_finds_time_matters_for_near_repeats_and_keeps_the_json_shape() -> None:
    data = prepare_days(_scenario(), cell_size_m=100)
    result = backtest_days(data, min_train_days=100, step_days=14)
    base = result.result("counts-all", 5.0).pai_mean
    sepp = result.result("sepp", 5.0).pai_mean
    prospective = result.result("prospective", 5.0).pai_mean
    assert base is not None
    assert sepp is not None
    assert prospective is not None
    assert sepp > 1.3 * base  # last week's events say where next week's will be
    assert prospective > base
    assert result.default.method.name in ("sepp", "prospective", "counts-recent")
    chosen = result.result(result.default.method.key(), 5.0).pai_mean
    assert chosen is not None
    assert chosen >= base  # never worse than counts-all on the data it was chosen on
    record = result.to_dict()
    monthly = Backtest(
        cell_size_m=100.0,
        grid_kind="square",
        n_cells=1,
        months=(),
        origins=(),
        min_train_months=1,
        coverages_pct=(),
        results=(),
        by_ward=(),
        default=DefaultChoice(Method("counts-all"), 5.0, (), (), ""),
    ).to_dict()
    assert set(monthly) <= set(record)  # the monthly backtest's keys, plus the 7-day ones
    monthly_result = MethodResult(Method("counts-all"), 5.0, None, 1, ()).to_dict()
    results = record["results"]
    assert isinstance(results, list)
    assert set(results[0]) == set(monthly_result)
    first = result.results[0]
    assert results[0]["n_flagged"] == n_flagged(data.grid.n_cells, first.coverage_pct) >= 1
    assert results[0]["flagged_pct"] == pytest.approx(
        100 * results[0]["n_flagged"] / data.grid.n_cells, abs=0.01
    )
    default, monthly_default = record["default"], monthly["default"]
    assert isinstance(default, dict)
    assert isinstance(monthly_default, dict)
    assert set(default) == set(monthly_default)
    assert record["horizon_days"] == 7
    origin = results[0]["per_origin"][0]
    assert {"month", "start", "pai", "hit_rate", "pei", "n_crimes"} <= set(origin)


def test_forecast_days_flags_cells_from_the_past_only() -> None:
    data = prepare_days(_scenario(), cell_size_m=100)
    start = str(np.datetime64(data.first_day + 250, "D"))
    forecast = forecast_days(data, start=start, coverage_pct=5, min_train_days=100)
    assert len(forecast.cells) == int(np.ceil(data.grid.n_cells * 0.05))
    assert forecast.cells["rank"].tolist() == list(range(1, len(forecast.cells) + 1))
    assert forecast.default is not None
    assert forecast.method == forecast.default.method
    assert forecast.start == start
    with pytest.raises(ParameterError, match="No event before 2023-01-01"):
        forecast_days(data, start="2023-01-01", method=DEFAULT_DAY_METHODS["sepp"])
    with pytest.raises(ParameterError, match="YYYY-MM-DD; found '01/02/2024'"):
        forecast_days(data, start="01/02/2024")
