from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from spatial.errors import MissingColumnError, ParameterError
from tasking.problems import TIME_OF_DAY_NOTE
from tasking.windows import PATROL_WINDOW_COLUMNS, problem_patrol_windows, window_in, with_window

FRI = pd.Timestamp("2025-01-03")


def _problems() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"crime_type": ["Violence", "Violence"], "label": ["Market", "Park"]},
        geometry=[Point(0, 0).buffer(100), Point(1000, 0).buffer(100)],
        crs="EPSG:27700",
    )


def test_each_problem_gets_the_window_of_its_own_area_and_type() -> None:
    starts = [FRI + pd.Timedelta(weeks=w, hours=23) for w in range(40)]  # Fri 23:00
    starts += [FRI + pd.Timedelta(weeks=w, days=1, hours=23) for w in range(40)]  # Sat 23:00
    events = gpd.GeoDataFrame(
        {"crime_type": "Violence", "start": starts, "end": starts},
        geometry=[Point(10, 10)] * len(starts),
        crs="EPSG:27700",
    )
    out = problem_patrol_windows(_problems(), events)
    assert set(PATROL_WINDOW_COLUMNS) <= set(out.columns)
    assert out["patrol_window"].iloc[0].startswith("Fri and Sat 2")
    assert "23:00" in out["patrol_window"].iloc[0] or "22:00" in out["patrol_window"].iloc[0]
    assert out["patrol_window_share"].iloc[0] == pytest.approx(1.0)
    assert out["n_timed"].tolist() == [80, 0]
    assert out["patrol_window"].iloc[1] == ""
    assert "Too few timed crimes (0)" in out["patrol_window_text"].iloc[1]


def test_police_uk_problems_get_the_time_of_day_note() -> None:
    out = problem_patrol_windows(_problems(), None)
    assert (out["patrol_window_text"] == TIME_OF_DAY_NOTE).all()
    with pytest.raises(MissingColumnError, match="start"):
        problem_patrol_windows(_problems(), _problems())


def test_window_written_into_an_action_is_read_back() -> None:
    text = with_window("Joint patrol of the market with licensing", "Fri and Sat 22:00-03:00")
    assert text.endswith("(Fri and Sat 22:00-03:00)")
    assert window_in(text) == "Fri and Sat 22:00-03:00"
    assert with_window(text, "Fri and Sat 22:00-03:00") == text
    assert window_in("Every day 09:00-17:00 shop watch") == "Every day 09:00-17:00"
    with pytest.raises(ParameterError, match="Fri and Sat 22:00-03:00"):
        with_window("Patrol", "Friday night")
