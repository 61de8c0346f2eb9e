"""
Property-based tests of the crime loader (hypothesis).

Any split of a month's rows across files, in any order of files and of rows within them, with any
whole file given again, gives the same counts as the month loaded once. The month is 150 distinct
rows of Cambridge's September 2024 (crimes, anti-social behaviour, rows without a location and
rows outside the wards). Distinct, because two parts holding nothing but identical anti-social
behaviour rows cannot be told from two versions of the month (see ``spatial.versions``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boundaries.assign import assign_wards
from boundaries.neighbourhoods import apply_neighbourhoods
from spatial.io import read_crimes, read_wards

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

    from spatial.io import CrimeLoad

N_ROWS = 150


@pytest.fixture(scope="module")
def month(cambridge_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv",
        dtype=str,
        keep_default_na=False,
    ).drop_duplicates()
    city = frame.loc[frame["LSOA name"].str.startswith("Cambridge ")].sample(110, random_state=7)
    elsewhere = frame.loc[frame["LSOA name"].str.startswith("Peterborough")].head(25)
    unlocated = frame.loc[frame["Longitude"] == ""].head(15)
    rows = pd.concat([city, elsewhere, unlocated], ignore_index=True)
    assert len(rows) == N_ROWS
    assert (rows["Crime type"] == "Anti-social behaviour").any()
    return rows


@pytest.fixture(scope="module")
def wards(cambridge_dir: Path) -> gpd.GeoDataFrame:
    return apply_neighbourhoods(read_wards(cambridge_dir / "wards.geojson").wards)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _counts(load: CrimeLoad, wards: gpd.GeoDataFrame) -> dict[str, object]:
    assignment = assign_wards(load.points, wards)
    inside = assignment.inside
    return {
        "n_rows": load.n_rows,
        "n_without_location": load.n_without_location,
        "n_outside_gb": load.n_outside_gb,
        "n_outside_wards": assignment.n_outside_wards,
        "by_ward_and_type": Counter(zip(inside["ward"], inside["crime_type"], strict=True)),
        "rows": Counter(
            zip(load.points["crime_id"].fillna(""), load.points["location"], strict=True)
        ),
    }


@st.composite
def _split(draw: st.DrawFn) -> tuple[list[list[int]], list[int], list[int]]:
    """Parts (row positions, in file order), the order files are given, and repeated parts."""
    n_parts = draw(st.integers(1, 5))
    owner = draw(st.lists(st.integers(0, n_parts - 1), min_size=N_ROWS, max_size=N_ROWS))
    parts = [[i for i in range(N_ROWS) if owner[i] == p] for p in range(n_parts)]
    parts = [draw(st.permutations(p)) for p in parts if p]
    repeats = draw(st.lists(st.integers(0, len(parts) - 1), max_size=3))
    order = draw(st.permutations(list(range(len(parts) + len(repeats)))))
    return parts, order, repeats


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(split=_split())
def test_any_split_order_and_repetition_counts_like_the_month_loaded_once(
    month: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    split: tuple[list[list[int]], list[int], list[int]],
) -> None:
    parts, order, repeats = split
    files = [(f"part{i}-street.csv", _csv(month.iloc[rows])) for i, rows in enumerate(parts)]
    files += [(f"copy{j}-of-part{i}.csv", files[i][1]) for j, i in enumerate(repeats)]
    given_files = [files[i] for i in order]
    load = read_crimes(given_files)
    once = read_crimes([("month-street.csv", _csv(month))])
    assert _counts(load, wards) == _counts(once, wards)
    repeated_rows = sum(len(parts[i]) for i in repeats)
    assert load.n_set_aside == repeated_rows
    assert load.n_rows_read == N_ROWS + repeated_rows
    assert load.n_duplicates_removed == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_republished_month_in_any_order_counts_once(
    month: pd.DataFrame, wards: gpd.GeoDataFrame, data: st.DataObject
) -> None:
    changed = month.copy()
    crimes = changed.index[changed["Crime ID"] != ""]
    rows = data.draw(st.lists(st.sampled_from(list(crimes)), min_size=1, max_size=5, unique=True))
    changed.loc[rows, "Last outcome category"] = "Court result unavailable (updated)"
    old = ("2025-01.csv", _csv(month))
    new = ("2025-03.csv", _csv(changed.iloc[data.draw(st.permutations(range(N_ROWS)))]))
    files = data.draw(st.permutations([old, new]))
    load = read_crimes(files)
    once = read_crimes([new])
    assert _counts(load, wards) == _counts(once, wards)
    assert load.n_set_aside == N_ROWS
    # uploads carry no date: the file given last counts as the newer version, and only it is used
    assert set(load.points["source_file"]) == {files[-1][0]}
