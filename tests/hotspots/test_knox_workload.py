"""The page's start: which crime type a near-repeat analysis opens on, and its estimated work."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.knox import (
    LONG_KNOX_RUN_S,
    KnoxWorkload,
    default_knox_crime_type,
    knox_pairs,
    knox_workload,
)
from layers.near_repeat import knox_run_text
from spatial.errors import CRSError


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["Assault"] * 5 + ["Break and Enter"] * 2 + ["Robbery"], "Break and Enter"),
        (["Violence"] * 9 + ["Burglary"], "Burglary"),
        (
            ["Burglary - Residential"] * 3 + ["Burglary - Business and Community"] * 4,
            "Burglary - Business and Community",
        ),
        (["Robbery", "Assault", "Assault", "Robbery", "Theft"], "Assault"),  # a tie: by name
        ([], None),
    ],
)
def test_default_knox_crime_type_is_burglary_else_the_most_common(
    types: list[str], expected: str | None
) -> None:
    assert default_knox_crime_type(types) == expected
    assert default_knox_crime_type(pd.Series(types, dtype="object")) == expected


def _events(x: list[float], y: list[float], days: list[int]) -> gpd.GeoDataFrame:
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    return gpd.GeoDataFrame(
        {"start": start, "end": start}, geometry=gpd.points_from_xy(x, y), crs="EPSG:27700"
    )


def test_knox_workload_counts_the_pairs_the_test_counts() -> None:
    rng = np.random.default_rng(4)
    points = rng.uniform(0, 3000, (30, 2))
    at = rng.integers(0, 30, 400)  # 400 events on 30 points
    x, y = points[at, 0], points[at, 1]
    events = _events(x.tolist(), y.tolist(), rng.integers(0, 365, 400).tolist())
    workload = knox_workload(events)
    assert workload.n_events == 400
    assert workload.n_pairs == len(knox_pairs(x, y).i)
    assert workload.distance_m == 400.0
    assert 0 < workload.seconds(999) < LONG_KNOX_RUN_S
    assert workload.seconds(99) == pytest.approx(workload.seconds(999) / 10)
    with pytest.raises(CRSError, match="projected CRS"):
        knox_workload(events.to_crs("EPSG:4326"))


def test_knox_run_text_warns_of_a_long_run_and_states_the_p_value_floor() -> None:
    long = KnoxWorkload(
        n_events=93113, n_pairs=13146847, distance_m=400.0, seconds_per_shuffle=0.0214
    )
    assert long.is_long(999)
    assert not long.is_long(99)  # 2.1 s
    text = knox_run_text(long, permutations=999)
    assert text.startswith("93,113 events, 13,146,847 pairs of them within 400 m: 999 shuffles")
    assert "take roughly 21 s." in text
    assert "Choose one crime type" in text
    assert text.endswith("The smallest p-value 999 shuffles can give is 0.001 (1 / (999 + 1)).")
    short = knox_run_text(long, permutations=99)
    assert "Choose one crime type" not in short
    assert "smallest p-value 99 shuffles can give is 0.01 (1 / (99 + 1))" in short
