"""
The Knox test counts by location (direct pairs and day tables) and gives the tables it gave
when it counted every pair of events once per shuffle.

The reference below is the previous implementation, pair by pair; the pinned numbers are what
it returned (observed pairs, expected x 99 and p-value x 100 after 99 shuffles of seed 3) on a
seeded case of 360 events on 40 points, most of them shared, as force extracts snap incidents
to a few points.
"""

from __future__ import annotations

import numpy as np
import pytest

import hotspots._knox_count as knox_count
from hotspots.knox import knox_pairs, knox_test_xy

PINNED_OBSERVED = [
    [1329, 1138, 1072, 1108],
    [248, 172, 178, 176],
    [343, 299, 338, 276],
    [817, 772, 657, 691],
    [1045, 855, 886, 843],
]
PINNED_EXPECTED_X99 = [
    [132323, 115768, 109874, 105262],
    [22299, 19480, 18385, 17748],
    [35054, 30601, 29182, 28283],
    [80872, 70116, 66643, 64225],
    [103517, 90515, 85973, 82611],
]
PINNED_P_X100 = [
    [62, 84, 84, 22],
    [9, 95, 61, 56],
    [73, 75, 3, 70],
    [55, 2, 72, 10],
    [57, 96, 29, 43],
]


def _shared_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """360 events on 40 points over 800 m x 800 m (a few points hold dozens), 150 days."""
    rng = np.random.default_rng(2024)
    px, py = rng.uniform(0, 800, 40), rng.uniform(0, 800, 40)
    at = np.minimum(rng.zipf(1.6, 360) - 1, 39)
    return px[at], py[at], rng.integers(0, 150, 360)


def _reference(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    *,
    distance_bands_m: tuple[float, ...],
    time_bands_days: tuple[int, ...],
    metric: str,
    permutations: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the observed and shuffled tables counted pair by pair (the previous way)."""
    pairs = knox_pairs(x, y, distance_bands_m=distance_bands_m, metric=metric)  # type: ignore[arg-type]
    small = (days - days.min()).astype(np.int16)
    bounds = np.asarray(time_bands_days)

    def table(assigned: np.ndarray) -> np.ndarray:
        gap = np.abs(assigned[pairs.i].astype(np.int64) - assigned[pairs.j])
        out = np.zeros((pairs.n_distance_bands, len(bounds)), dtype=np.int64)
        for band in range(pairs.n_distance_bands):
            part = gap[pairs.distance_band == band]
            out[band] = np.diff([np.count_nonzero(part <= b) for b in bounds], prepend=0)
        return out

    rng = np.random.default_rng(seed)
    shuffled = np.array([table(rng.permutation(small)) for _ in range(permutations)])
    return table(small), shuffled


def test_knox_matches_the_tables_pinned_before_counting_by_location() -> None:
    x, y, days = _shared_points()
    result = knox_test_xy(x, y, days, permutations=99, seed=3)
    assert result.observed.tolist() == PINNED_OBSERVED
    assert np.rint(result.expected * 99).astype(int).tolist() == PINNED_EXPECTED_X99
    assert np.rint(result.p_value * 100).astype(int).tolist() == PINNED_P_X100


@pytest.mark.parametrize("threshold", [None, 2, 5, 10**9])
@pytest.mark.parametrize(
    ("distance_bands_m", "time_bands_days", "metric"),
    [
        ((0.0, 100.0, 200.0, 300.0, 400.0), (7, 14, 21, 28), "euclidean"),
        ((50.0, 250.0), (0, 3, 30), "manhattan"),
        ((0.0, 1.0, 120.0), (60,), "euclidean"),
    ],
)
def test_knox_tables_equal_the_pair_by_pair_count_whichever_way_is_chosen(
    monkeypatch: pytest.MonkeyPatch,
    threshold: int | None,
    distance_bands_m: tuple[float, ...],
    time_bands_days: tuple[int, ...],
    metric: str,
) -> None:
    # threshold 2: every shared point gets a day table; 10**9: every pair counted directly
    if threshold is not None:
        monkeypatch.setattr(knox_count, "_threshold", lambda *_a, **_k: (threshold, 0.0))
    x, y, days = _shared_points()
    x = np.concatenate([x, [0.0, 0.5, 2000.0]])  # a pair under 1 m apart, and a loner
    y = np.concatenate([y, [0.0, 0.0, 2000.0]])
    days = np.concatenate([days, [3, 40, 7]])
    settings = {
        "distance_bands_m": distance_bands_m,
        "time_bands_days": time_bands_days,
        "metric": metric,
        "permutations": 29,
        "seed": 5,
    }
    observed, shuffled = _reference(x, y, days, **settings)  # type: ignore[arg-type]
    result = knox_test_xy(x, y, days, **settings)  # type: ignore[arg-type]
    np.testing.assert_array_equal(result.observed, observed)
    np.testing.assert_array_equal(result.expected, shuffled.mean(axis=0))
    p_value = (1.0 + (shuffled >= observed[None]).sum(axis=0)) / 30.0
    np.testing.assert_array_equal(result.p_value, p_value)


def test_knox_plan_uses_day_tables_only_where_points_are_shared() -> None:
    x, y, days = _shared_points()
    located = knox_count.locations(
        x, y, bounds=np.array([0.0, 100.0, 200.0, 300.0, 400.0]), p_norm=2.0, same_location_m=1.0
    )
    plan = knox_count.count_plan(
        located,
        n_distance_bands=5,
        span_days=int(days.max() - days.min()),
        time_bounds=(7, 14, 21, 28),
    )
    n_pairs = len(knox_pairs(x, y).i)
    assert located.n_event_pairs == n_pairs
    # every pair is counted once: directly, or through one look-up per event of the smaller
    # point (the events of a tabled point also look up their own point)
    assert 0 < len(plan.pair_i) < n_pairs
    assert plan.table_size > 0
    assert len(plan.pair_i) + len(plan.query_event) < n_pairs / 4
    alone = np.unique(np.column_stack([x, y]), axis=0, return_counts=True)[1]
    assert plan.table_size % (int(days.max() - days.min()) + 2 * 29 + 1) == 0
    assert plan.table_size // (int(days.max() - days.min()) + 59) < int((alone > 1).sum())
