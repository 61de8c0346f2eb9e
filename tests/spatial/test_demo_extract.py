from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from spatial.demo import (
    DEMO_EXTRACT_COLUMNS,
    N_EXTRACT_BAD_WINDOWS,
    N_EXTRACT_DUPLICATES,
    N_EXTRACT_WITHOUT_TIME,
    N_WITHOUT_LOCATION_PER_MONTH,
    NEAR_REPEAT_CHAIN,
    build_demo,
    demo_extract_csv,
    write_demo_extract,
)
from spatial.incidents import Incidents, read_incidents

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def text() -> str:
    return demo_extract_csv()


@pytest.fixture(scope="module")
def extract(text: str) -> Incidents:
    return read_incidents([("demo_rms_extract.csv", text.encode())])


def test_extract_has_an_rms_layout_with_uk_dates(text: str) -> None:
    table = pd.read_csv(io.StringIO(text), dtype=str)
    assert tuple(table.columns) == DEMO_EXTRACT_COLUMNS
    assert table["Committed From"].dropna().str.match(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$").all()
    assert table["Crime Ref"].str.match(r"^FB/\d{6}/\d{2}$").all()


def test_every_quirk_is_counted(extract: Incidents) -> None:
    r = extract.report
    assert r.n_duplicates == N_EXTRACT_DUPLICATES
    assert r.n_without_time == N_EXTRACT_WITHOUT_TIME
    assert r.n_bad_window == N_EXTRACT_BAD_WINDOWS
    assert r.n_without_location == 12 * N_WITHOUT_LOCATION_PER_MONTH
    assert r.n_outside_area == 0
    assert r.n_rows == r.n_events + r.n_duplicates + r.n_without_time + r.n_without_location + (
        r.n_bad_window
    )
    assert 0.01 < r.midnight_share < 0.05


def test_extract_holds_the_police_uk_crimes_plus_the_chain(extract: Incidents) -> None:
    area = build_demo()
    police = pd.concat(pd.read_csv(io.StringIO(t)) for t in area.crimes_csv.values())
    n_chain = NEAR_REPEAT_CHAIN.n
    assert extract.report.n_rows == len(police) + n_chain + N_EXTRACT_DUPLICATES
    by_type = extract.events["crime_type"].value_counts()
    expected = police["Crime type"].value_counts()
    assert by_type["Shoplifting"] <= expected["Shoplifting"]
    assert by_type["Burglary"] >= n_chain


def test_near_repeat_chain_is_close_in_space_and_time(extract: Incidents) -> None:
    chain = extract.events.loc[extract.events["location"] == NEAR_REPEAT_CHAIN.location]
    assert len(chain) == NEAR_REPEAT_CHAIN.n
    xy = np.column_stack([chain.geometry.x, chain.geometry.y])
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert distances.max() <= 2 * NEAR_REPEAT_CHAIN.radius_m
    gaps = chain["start"].dt.normalize().diff().dropna().dt.days
    assert gaps.between(1, 3).all()
    wards = build_demo().wards
    southmoor = wards.loc[wards["ward_name"] == "Southmoor"].union_all()
    assert chain.within(southmoor).all()


def test_burglary_series_has_weekend_windows(extract: Incidents) -> None:
    ev = extract.events
    x, y = 452_700.0, 269_050.0
    near = np.hypot(ev.geometry.x - x, ev.geometry.y - y) <= 125
    series = ev.loc[
        near & (ev["crime_type"] == "Burglary") & ev["start"].between("2025-01-01", "2025-04-01")
    ]
    weekend = (series["start"].dt.day_of_week == 4) & (series["end"].dt.day_of_week == 0)
    assert weekend.sum() >= 30
    assert ((series["end"] - series["start"])[weekend] > pd.Timedelta(days=2)).all()


def test_write_demo_extract_is_reproducible(tmp_path: Path, text: str) -> None:
    path = write_demo_extract(tmp_path)
    assert path.read_text() == text
