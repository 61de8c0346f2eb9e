from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.knox import knox_pairs, knox_test, knox_test_xy
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    from pathlib import Path

# six events worked by hand (x, y in metres, day):
#   A(0, 0, 0) B(0.5, 0, 3) C(50, 0, 10) D(150, 0, 25) E(1000, 0, 0) F(0, 100, 29)
# pairs within 400 m and 28 days, (distance band, time band):
#   A-B 0.5 m 3 d -> same location, 0-7;  B-C 49.5 m 7 d -> 1-100, 0-7;  A-C 50 m 10 d -> 1-100,
#   8-14;  C-D 100 m 15 d -> 1-100 (upper bound inclusive), 15-21;  A-D 150 m 25 d, B-D 149.5 m
#   22 d, B-F 100.001 m 26 d -> 100-200, 22-28;  C-F 111.8 m 19 d -> 100-200, 15-21;  D-F 180.3 m
#   4 d -> 100-200, 0-7;  A-F 100 m but 29 days -> not counted; E is far from all.
HAND_X = [0.0, 0.5, 50.0, 150.0, 1000.0, 0.0]
HAND_Y = [0.0, 0.0, 0.0, 0.0, 0.0, 100.0]
HAND_DAYS = [0, 3, 10, 25, 0, 29]
HAND_TABLE = [
    [1, 0, 0, 0],
    [1, 1, 1, 0],
    [1, 0, 1, 3],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
]


def test_knox_counts_hand_made_events() -> None:
    result = knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, permutations=19, seed=1)
    assert result.observed.tolist() == HAND_TABLE
    assert result.distance_labels == (
        "same location",
        "1-100 m",
        "100-200 m",
        "200-300 m",
        "300-400 m",
    )
    assert result.time_labels == ("0-7 days", "8-14 days", "15-21 days", "22-28 days")


def test_knox_band_edges_are_inclusive_upper_bounds() -> None:
    # 200 m exactly is in 100-200 m; 200.01 m in 200-300 m; 7 days in 0-7, 8 days in 8-14
    result = knox_test_xy([0, 200, 0], [0, 0, 200.01], [0, 7, 8], permutations=9, seed=0)
    assert result.observed[2].tolist() == [1, 0, 0, 0]
    # 200.01 m and 8 days; the third pair is 282.8 m and 1 day: also 200-300 m, 0-7 days
    assert result.observed[3].tolist() == [1, 1, 0, 0]
    assert result.observed.sum() == 3
    result = knox_test_xy([0, 200, 0], [0, 0, 400.01], [0, 7, 8], permutations=9, seed=0)
    assert result.observed.sum() == 1  # 400.01 m is beyond the last band


def test_knox_manhattan_distance_option() -> None:
    pairs_e = knox_pairs([0, 60], [0, 60], metric="euclidean")
    pairs_m = knox_pairs([0, 60], [0, 60], metric="manhattan")
    assert pairs_e.distance_band.tolist() == [1]  # 84.9 m
    assert pairs_m.distance_band.tolist() == [2]  # 120 m


def test_knox_bands_without_same_location_row() -> None:
    result = knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, distance_bands_m=(100, 200), permutations=9)
    assert result.distance_labels == ("0-100 m", "100-200 m")
    assert result.observed.tolist() == [[2, 1, 1, 0], [1, 0, 1, 3]]


def test_knox_expected_is_the_exact_permutation_mean() -> None:
    # Under a random shuffle each pair gets a uniformly random pair of the dates, so the exact
    # expectation is (pairs in the distance band) x (share of all event pairs in the time band).
    rng = np.random.default_rng(3)
    n = 300
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    days = rng.integers(0, 120, n)
    result = knox_test_xy(x, y, days, permutations=999, seed=5)
    iu = np.triu_indices(n, 1)
    gaps = np.abs(days[iu[0]] - days[iu[1]])
    share = np.array([np.mean(g) for g in _band_masks(gaps)])
    n_dist = result.observed.sum(axis=1, keepdims=True)  # pairs per distance band, any time
    dist = np.hypot(x[iu[0]] - x[iu[1]], y[iu[0]] - y[iu[1]])
    per_band = np.array(
        [
            np.sum(dist < 1),
            np.sum((dist >= 1) & (dist <= 100)),
            np.sum((dist > 100) & (dist <= 200)),
            np.sum((dist > 200) & (dist <= 300)),
            np.sum((dist > 300) & (dist <= 400)),
        ]
    )
    assert n_dist.ravel().tolist() <= per_band.tolist()
    exact = per_band[:, None] * share[None, :]
    # the mean of 999 shuffles is within 4 standard errors of the exact value
    se = np.sqrt(exact * (1 - share[None, :]) / 999) + 1e-9
    assert np.all(np.abs(result.expected - exact) <= 4 * se + 0.05)


def _band_masks(gaps: np.ndarray) -> list[np.ndarray]:
    return [
        gaps <= 7,
        (gaps > 7) & (gaps <= 14),
        (gaps > 14) & (gaps <= 21),
        (gaps > 21) & (gaps <= 28),
    ]


def _planted(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """400 background events over 5 km x 5 km and a year, plus 12 chains of 6 near repeats."""
    rng = np.random.default_rng(seed)
    x = list(rng.uniform(0, 5000, 400))
    y = list(rng.uniform(0, 5000, 400))
    d = list(rng.integers(0, 365, 400))
    for _ in range(12):
        cx, cy, cd = rng.uniform(500, 4500), rng.uniform(500, 4500), int(rng.integers(0, 330))
        for _ in range(6):
            angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(5, 40)
            x.append(cx + radius * math.cos(angle))
            y.append(cy + radius * math.sin(angle))
            d.append(cd + int(rng.integers(0, 6)))
    return np.array(x), np.array(y), np.array(d)


def test_knox_finds_a_planted_near_repeat_chain() -> None:
    x, y, d = _planted(11)
    # 999 shuffles: with 20 cells, a lone significant cell needs p <= 0.05 / 20 before FDR
    result = knox_test_xy(x, y, d, permutations=999, seed=2, subject="burglaries")
    assert result.significant[1, 0]
    assert result.ratio[1, 0] > 5
    assert result.near_repeat_distance_m == 100
    assert result.near_repeat_days == 7
    assert not result.significant[3:, :].any()  # nothing planted beyond 200 m
    assert result.verdict.startswith("Burglaries within 100 m and 7 days of each other are")
    assert "fades by 200 m and 14 days" in result.verdict


def test_knox_shuffled_dates_show_no_effect() -> None:
    x, y, d = _planted(11)
    shuffled = np.random.default_rng(4).permutation(d)
    result = knox_test_xy(x, y, shuffled, permutations=999, seed=2)
    assert not result.significant.any()
    assert result.near_repeat_distance_m is None
    assert result.verdict.startswith("No near-repeat pattern")


def test_knox_is_repeatable_with_a_seed() -> None:
    x, y, d = _planted(11)
    a = knox_test_xy(x, y, d, permutations=49, seed=8)
    b = knox_test_xy(x, y, d, permutations=49, seed=8)
    np.testing.assert_array_equal(a.expected, b.expected)
    np.testing.assert_array_equal(a.p_value, b.p_value)


def test_knox_p_values_are_valid_under_the_null() -> None:
    # without space-time interaction, P(p <= alpha) <= alpha up to sampling error (pooled over
    # the 4 cells of 150 independent data sets)
    rng = np.random.default_rng(21)
    p_values = []
    for k in range(150):
        n = 120
        x, y = rng.uniform(0, 1500, n), rng.uniform(0, 1500, n)
        days = rng.integers(0, 200, n)
        result = knox_test_xy(
            x,
            y,
            days,
            distance_bands_m=(500, 1000),
            time_bands_days=(30, 60),
            permutations=99,
            seed=k,
        )
        p_values.extend(result.p_value.ravel().tolist())
    p = np.array(p_values)
    assert p.min() >= 1 / 100
    for alpha in (0.05, 0.1, 0.2):
        assert np.mean(p <= alpha) <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / len(p))
    assert np.mean(p <= 0.5) >= 0.4  # and not uselessly conservative


def test_knox_to_dict_has_the_cli_shape() -> None:
    result = knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, permutations=19, seed=1)
    record = result.to_dict()
    for key in (
        "n_events",
        "distance_labels",
        "time_labels",
        "observed",
        "expected",
        "ratio",
        "p_value",
        "significant",
        "verdict",
    ):
        assert key in record
    assert record["n_events"] == 6
    assert record["observed"] == HAND_TABLE
    ratio, p_value = record["ratio"], record["p_value"]
    assert isinstance(ratio, list)
    assert len(ratio) == 5
    assert isinstance(p_value, list)
    assert all(len(row) == 4 for row in p_value)


def _events(crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    start = pd.to_datetime("2025-01-01") + pd.to_timedelta(HAND_DAYS, unit="D")
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"E{i}" for i in range(6)],
            "crime_type": ["Burglary"] * 6,
            "start": start + pd.Timedelta(hours=10),
            "end": start + pd.Timedelta(hours=10),
        },
        geometry=gpd.points_from_xy(np.array(HAND_X) + 500_000, np.array(HAND_Y) + 200_000),
        crs=crs,
    )


def test_knox_test_on_events_uses_their_dates() -> None:
    result = knox_test(_events(), permutations=19, seed=1)
    assert result.observed.tolist() == HAND_TABLE


def test_knox_window_is_dated_at_its_midpoint() -> None:
    events = _events()
    # event B known only between day 1 08:00 and day 5 20:00: midpoint day 3 14:00
    events.loc[1, "start"] = pd.Timestamp("2025-01-02 08:00")
    events.loc[1, "end"] = pd.Timestamp("2025-01-06 20:00")
    assert knox_test(events, permutations=9).observed.tolist() == HAND_TABLE


def test_knox_errors_say_what_to_fix() -> None:
    with pytest.raises(ParameterError, match=r"increasing metres from 0 .*found \[100, 50\]"):
        knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, distance_bands_m=(100, 50))
    with pytest.raises(ParameterError, match=r"whole days .*found \[7, 3.5\]"):
        knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, time_bands_days=(7, 3.5))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="Permutations must be at least 1; found 0"):
        knox_test_xy(HAND_X, HAND_Y, HAND_DAYS, permutations=0)
    with pytest.raises(EmptyInputError, match="at least 2 events; found 1"):
        knox_test_xy([0], [0], [0])
    with pytest.raises(CRSError, match=r"projected CRS in metres.*EPSG:4326"):
        knox_test(_events().to_crs(4326))
    with pytest.raises(MissingColumnError, match="lack column\\(s\\) end"):
        knox_test(_events().drop(columns="end"))
    with pytest.raises(ParameterError, match="metric must be 'euclidean' or 'manhattan'"):
        knox_pairs([0, 1], [0, 1], metric="chebyshev")  # type: ignore[arg-type]


def test_knox_toronto_burglaries_show_near_repeats(shared_data_dir: Path) -> None:
    frame = pd.read_csv(
        shared_data_dir / "toronto" / "toronto_mci_2019_2021.csv",
        usecols=["occurrencedate", "MCI", "Lat", "Long"],
    )
    burglary = frame[frame["MCI"] == "Break and Enter"]
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(burglary["Long"], burglary["Lat"]), crs="EPSG:4326"
    )
    points = points.to_crs(points.estimate_utm_crs())
    days = pd.to_datetime(burglary["occurrencedate"].str[:10]).to_numpy().astype("datetime64[D]")
    result = knox_test_xy(
        points.geometry.x,
        points.geometry.y,
        days.astype(np.int64),
        permutations=99,
        seed=1,
        subject="burglaries",
    )
    assert result.n_events == 20425
    assert result.raised[0, 0]  # repeats at the same (snapped) location within a week
    assert result.ratio[0, 0] > 2.5
    assert result.near_repeat_distance_m is not None
    assert result.near_repeat_distance_m >= 100
    assert result.near_repeat_days == 7
    assert "burglaries within 100 m and 7 days of each other" in result.verdict


def test_knox_verdict_says_when_the_risk_outlasts_the_bands() -> None:
    # chains of 8 events within 40 m, 4 days apart (28 days end to end): raised in every band
    rng = np.random.default_rng(5)
    x = list(rng.uniform(0, 5000, 400))
    y = list(rng.uniform(0, 5000, 400))
    d = list(rng.integers(0, 365, 400))
    for _ in range(15):
        cx, cy, cd = rng.uniform(500, 4500), rng.uniform(500, 4500), int(rng.integers(0, 330))
        for k in range(8):
            x.append(cx + rng.uniform(-20, 20))
            y.append(cy + rng.uniform(-20, 20))
            d.append(cd + 4 * k)
    result = knox_test_xy(x, y, d, permutations=999, seed=3, subject="burglaries")
    assert result.near_repeat_distance_m == 100
    assert result.near_repeat_days == 28
    assert "fades by 200 m but is still there at 28 days, the longest time tested" in result.verdict
