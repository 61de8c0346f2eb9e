from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from boundaries.extract import study_area_from_incidents
from hotspots.when import (
    DAY_NAMES,
    area_in_hours,
    events_by_period,
    events_in_hours,
    hour_of_week,
    hours_mask,
    n_recorded_at_midnight,
    patrol_windows,
    rounded_table,
    select_events,
    timing_change,
    when_summary,
)
from spatial.demo import PLANTED_PATTERNS, SHOPLIFTING_HOURS, demo_incidents
from spatial.errors import MissingColumnError, ParameterError
from spatial.incidents import read_incidents, recorded_at_midnight

if TYPE_CHECKING:
    import geopandas as gpd

FRI = pd.Timestamp("2025-01-03")  # a Friday
H = pd.Timedelta(hours=1)


def _events(pairs: list[tuple[pd.Timestamp, pd.Timestamp]]) -> pd.DataFrame:
    return pd.DataFrame({"start": [a for a, _ in pairs], "end": [b for _, b in pairs]})


@pytest.fixture(scope="module")
def demo_events() -> gpd.GeoDataFrame:
    return demo_incidents().events


def test_hand_made_windows_are_spread_by_overlap() -> None:
    sun = FRI + pd.Timedelta(days=2)
    events = _events(
        [
            (FRI + 22 * H, FRI + 22 * H),  # exact: 1 in Fri 22
            (FRI + 22 * H, FRI + 26 * H),  # Fri 22-Sat 02: 0.25 in each of 4 hours
            (sun + 23 * H, sun + 25 * H),  # over the week's end: Sun 23 and Mon 00
            (FRI + pd.Timedelta(hours=10, minutes=30), FRI + pd.Timedelta(hours=11, minutes=30)),
            (FRI + pd.Timedelta(hours=9, minutes=10), FRI + pd.Timedelta(hours=9, minutes=40)),
        ]
    )
    t = hour_of_week(events).table
    assert t[4, 22] == pytest.approx(1.25)
    assert t[4, 23] == pytest.approx(0.25)
    assert t[5, 0] == pytest.approx(0.25)
    assert t[5, 1] == pytest.approx(0.25)
    assert t[6, 23] == pytest.approx(0.5)
    assert t[0, 0] == pytest.approx(0.5)
    assert t[4, 10] == pytest.approx(0.5)
    assert t[4, 11] == pytest.approx(0.5)
    assert t[4, 9] == pytest.approx(1.0)
    assert t.sum() == pytest.approx(5.0)


def _loop_table(events: pd.DataFrame, max_window_h: float) -> np.ndarray:
    """The straightforward per-event loop, hour by hour."""
    table = np.zeros(168)
    for start, end in zip(events["start"], events["end"], strict=True):
        length_h = (end - start) / H
        if length_h > max_window_h:
            continue
        if length_h == 0:
            table[start.day_of_week * 24 + start.hour] += 1
            continue
        t = start.floor("h")
        while t < end:
            overlap = (min(end, t + H) - max(start, t)) / H
            table[t.day_of_week * 24 + t.hour] += overlap / length_h
            t += H
    return table.reshape(7, 24)


def test_vectorised_table_equals_the_per_event_loop() -> None:
    rng = np.random.default_rng(5)
    n = 400
    start = pd.Timestamp("2024-12-30") + pd.to_timedelta(rng.integers(0, 60 * 24 * 90, n), "min")
    length = pd.to_timedelta(rng.choice([0, 0, 17, 90, 600, 3000, 12000], n), "min")
    events = pd.DataFrame({"start": start, "end": start + length})
    how = hour_of_week(events, max_window_h=100)
    np.testing.assert_allclose(how.table, _loop_table(events, 100), atol=1e-9)
    assert how.n_windows_too_long == int((length > pd.Timedelta(hours=100)).sum())
    assert how.table.sum() == pytest.approx(how.n_counted)
    assert how.n_events == how.n_counted + how.n_windows_too_long


def test_windows_longer_than_the_limit_are_counted_apart() -> None:
    events = _events([(FRI, FRI + pd.Timedelta(days=8)), (FRI + H, FRI + H)])
    how = hour_of_week(events)
    assert (how.n_windows_too_long, how.n_exact, how.table.sum()) == (1, 1, 1.0)


def test_missing_times_and_bad_windows_are_refused() -> None:
    with pytest.raises(MissingColumnError, match="month only"):
        hour_of_week(pd.DataFrame({"month": [1]}))
    with pytest.raises(ParameterError, match="end before they start"):
        hour_of_week(_events([(FRI + H, FRI)]))


def test_planted_night_time_economy_window_is_found(demo_events: gpd.GeoDataFrame) -> None:
    pattern = PLANTED_PATTERNS["nte_violence"]
    area = Point(pattern.centre_x_m, pattern.centre_y_m).buffer(pattern.radius_m)
    nte = select_events(demo_events, area=area, crime_types=list(pattern.crime_types))
    found = patrol_windows(hour_of_week(nte), what="violence in Castle's hotspot")
    first = found.windows[0]
    assert found.has_pattern
    assert (first.days, first.start_hour, first.end_hour) == (("Fri", "Sat"), 22, 3)
    assert first.share > 0.6
    assert first.hours_share == pytest.approx(10 / 168)
    assert first.text.startswith("Fri and Sat 22:00-03:00: ")
    assert "violence in Castle's hotspot" in found.text


def test_shoplifting_windows_lie_in_the_day(demo_events: gpd.GeoDataFrame) -> None:
    shop = select_events(demo_events, crime_types=["Shoplifting"])
    found = patrol_windows(hour_of_week(shop), what="shoplifting")
    lo, hi = SHOPLIFTING_HOURS
    assert found.has_pattern
    for w in found.windows:
        assert lo <= w.start_hour
        assert w.start_hour + w.length_h <= hi


def test_burglary_series_windows_cover_the_weekend(demo_events: gpd.GeoDataFrame) -> None:
    pattern = PLANTED_PATTERNS["burglary_series"]
    area = Point(pattern.centre_x_m, pattern.centre_y_m).buffer(pattern.radius_m)
    series = select_events(demo_events, area=area, crime_types=["Burglary"],
                           start="2025-01-01", end="2025-04-01")  # fmt: skip
    t = hour_of_week(series).frame()
    weekend = t.loc["Fri", 17:].sum() + t.loc[["Sat", "Sun"]].sum().sum() + t.loc["Mon", :8].sum()
    assert weekend / t.to_numpy().sum() > 0.8  # the series; a few background burglaries too
    assert t.loc["Wed"].sum() < 0.1 * t.to_numpy().sum()


def test_uniform_times_have_no_pattern() -> None:
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2025-01-06") + pd.to_timedelta(
        rng.integers(0, 60 * 24 * 7 * 8, 2000), "min"
    )
    found = patrol_windows(hour_of_week(pd.DataFrame({"start": start, "end": start})))
    assert not found.has_pattern
    assert found.text.startswith("No clear time pattern")


def test_timing_change_finds_a_shift_and_not_a_null() -> None:
    rng = np.random.default_rng(2)
    days = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 56, 600), "D")
    hours = pd.to_timedelta(rng.normal(21, 1.5, 600) % 24, "h").round("min")
    before = pd.DataFrame({"start": days[:300] + hours[:300]}).assign(end=lambda f: f["start"])
    same = pd.DataFrame({"start": days[300:] + hours[300:]}).assign(end=lambda f: f["start"])
    later = same.assign(start=same["start"] + 2 * H, end=same["start"] + 2 * H)
    null = timing_change(before, same, seed=3)
    moved = timing_change(before, later, seed=3, what="violence")
    assert null.p_value > 0.05
    assert moved.p_value < 0.01
    assert moved.shift_h == pytest.approx(2.0, abs=0.4)
    assert moved.shift_p_value < 0.01
    assert "moved 2" in moved.text
    assert "later" in moved.text


def test_hours_mask_and_events_in_hours() -> None:
    mask = hours_mask("Fri 22-03, Sat 22-03")
    assert int(mask.sum()) == 10
    assert hours_mask("Mon-Fri 09-17").sum() == 40
    assert hours_mask("Sun 23-01")[0]  # wraps into Monday
    events = _events([(FRI + 23 * H, FRI + 23 * H), (FRI + 12 * H, FRI + 12 * H),
                      (FRI + 21 * H, FRI + 24 * H)])  # fmt: skip
    kept = events_in_hours(events, mask)
    assert kept.index.tolist() == [0, 2]  # the window lies 2/3 in the hours
    with pytest.raises(ParameterError, match="Fri 22-03"):
        hours_mask("Friday night")


def test_area_in_hours_keeps_the_events_in_the_hours_and_says_which_hours() -> None:
    """The one rule of --hours for a study area (the commands and the Exports page)."""
    area = study_area_from_incidents(demo_incidents())
    night = "Fri 22-03,Sat 22-03"
    kept = area_in_hours(area, f"  {night} ")
    assert kept.points.index.equals(events_in_hours(area.points, hours_mask(night)).index)
    assert 0 < len(kept.points) < len(area.points)
    exact = kept.points.loc[kept.points["start"] == kept.points["end"], "start"]
    slots = exact.dt.day_of_week * 24 + exact.dt.hour
    assert len(exact) > 0
    assert hours_mask(night)[slots.to_numpy()].all()  # each exact time in the hours
    assert kept.hours == night  # what files made of the area record among their filters
    assert kept.notes == (*area.notes, f"Only crimes in the hours {night}.")
    assert (area.hours, len(area.points)) == (None, len(demo_incidents().events))  # untouched
    with pytest.raises(ParameterError) as bad:
        area_in_hours(area, "Friday night")
    assert str(bad.value) == (
        "--hours (app: Hours of the week): cannot read 'Friday night'. Write blocks like "
        "'Fri 22-03' or 'Mon-Fri 09-17', separated by commas (days Mon..Sun, hours 0-24)."
    )


def test_events_by_period_fills_empty_periods() -> None:
    events = _events([(FRI, FRI), (FRI + pd.Timedelta(days=70), FRI + pd.Timedelta(days=70))])
    months = events_by_period(events, freq="month")
    assert months["n_events"].tolist() == [1, 0, 1]
    weeks = events_by_period(events, freq="week")
    assert weeks["period_start"].iloc[0] == pd.Timestamp("2024-12-30")  # Monday
    assert weeks["n_events"].sum() == 2
    assert DAY_NAMES[0] == "Mon"


def test_time_only_selection_runs_on_the_table_without_points(
    demo_events: gpd.GeoDataFrame,
) -> None:
    table = demo_incidents().table
    by_table = hour_of_week(select_events(table, crime_types=["Shoplifting"])).table
    by_points = hour_of_week(select_events(demo_events, crime_types=["Shoplifting"])).table
    np.testing.assert_array_equal(by_table, by_points)
    with pytest.raises(ParameterError, match="needs the events' points"):
        select_events(table, area=Point(0, 0).buffer(10))


def test_the_reader_and_the_fallback_agree_on_what_is_recorded_at_midnight() -> None:
    rows = (
        "M,03/01/2025 00:00,,Theft,453850,269500\n"  # exact midnight: the one counted
        "W,03/01/2025 00:00,03/01/2025 06:00,Theft,453850,269500\n"  # a window from midnight
        "D,04/01/2025,,Theft,453850,269500\n"  # a date alone: its whole day
        "E,13/01/2025 00:01,,Theft,453850,269500\n"  # exact, a minute after midnight
    )
    header = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
    events = read_incidents([("extract.csv", (header + rows).encode())]).table
    by_id = dict(zip(events["incident_id"], events["at_midnight"], strict=True))
    assert by_id == {"M": True, "W": False, "D": False, "E": False}
    rule = recorded_at_midnight(events["start"], events["end"])
    assert rule.tolist() == events["at_midnight"].tolist()
    without_column = events.drop(columns="at_midnight")
    assert n_recorded_at_midnight(without_column) == n_recorded_at_midnight(events) == 1
    hand = _events(
        [(FRI, FRI), (FRI, FRI + 6 * H), (FRI, FRI + pd.Timedelta(days=1)),
         (FRI + pd.Timedelta(minutes=1), FRI + pd.Timedelta(minutes=1))]
    )  # fmt: skip
    assert recorded_at_midnight(hand["start"], hand["end"]).tolist() == [True, False, False, False]
    assert n_recorded_at_midnight(hand) == 1
    # times whose nanoseconds share low zero bits with a midnight, and midnights before 1970
    exact = pd.to_datetime(
        ["2025-01-03 00:32", "2025-01-03 08:00", "1969-12-31 00:00", "1905-06-01 00:00",
         "1905-06-01 16:00", "2099-12-31 00:00"]
    )  # fmt: skip
    assert recorded_at_midnight(exact, exact).tolist() == [False, False, True, True, False, True]
    unknown = read_incidents([("extract.csv", (header + rows).encode())], midnight="unknown")
    assert unknown.table["at_midnight"].tolist() == events["at_midnight"].tolist()
    assert n_recorded_at_midnight(unknown.table) == 1  # as recorded, though spread over its day


def test_the_rounded_table_keeps_the_events_it_counts() -> None:
    # three events spread over 7, 11 and 13 hours: 31 cells of thirds, sevenths and the rest
    fri_night = FRI + 22 * H
    how = hour_of_week(
        _events([(fri_night, fri_night + 7 * H), (FRI, FRI + 11 * H), (FRI, FRI + 13 * H)])
    )
    plain = np.round(how.table, 4)
    assert plain.sum() != pytest.approx(3.0, abs=1e-6)  # each cell rounded alone drifts
    table = rounded_table(how.table)
    assert round(float(table.sum()) * 10_000) == 30_000
    assert np.abs(table - how.table).max() < 1e-4
    np.testing.assert_array_equal(table, np.round(table, 4))  # no float dust
    record = when_summary(how, patrol_windows(how))
    assert sum(map(sum, record["hour_of_week"])) == pytest.approx(3.0, abs=1e-12)  # type: ignore[call-overload]
    assert rounded_table(np.array([-1e-17, 0.5])).tolist() == [0.0, 0.5]
