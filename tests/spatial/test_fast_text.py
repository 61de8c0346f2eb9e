"""Byte-level column checks: each agrees with the general path or declines to answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from spatial import incidents
from spatial._fast_text import (
    NAT_S,
    all_distinct,
    fixed_width_dates,
    fixed_width_seconds,
    fixed_width_written_in,
    may_be_padded,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def _strptime_seconds(values: pa.Array, date_format: str) -> np.ndarray:
    parsed = pc.strptime(values, format=date_format, unit="s", error_is_null=True)
    return np.asarray(parsed.cast(pa.int64()).fill_null(NAT_S), dtype=np.int64)


def test_fixed_width_dates_equal_strptime_on_many_real_dates() -> None:
    rng = np.random.default_rng(7)
    seconds = rng.integers(
        np.datetime64("1900-01-01", "s").astype(np.int64),
        np.datetime64("2099-12-31", "s").astype(np.int64),
        size=5_000,
    )
    for date_format in ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y", "%m/%d/%Y %H:%M"):
        if "%S" not in date_format:
            step = 86_400 if "%H" not in date_format else 60
            seconds = seconds // step * step
        text = pc.strftime(pa.array(seconds.astype("M8[s]")), format=date_format)
        got = fixed_width_seconds(text, date_format)
        assert got is not None
        np.testing.assert_array_equal(got, _strptime_seconds(text, date_format))


def test_known_dates_and_missing_values() -> None:
    text = pa.array(["03/01/2025 22:15", None, "29/02/2024 00:00", None])
    got = fixed_width_seconds(text, "%d/%m/%Y %H:%M")
    assert got is not None
    assert got.view("M8[s]")[0] == np.datetime64("2025-01-03T22:15")
    assert got.view("M8[s]")[2] == np.datetime64("2024-02-29T00:00")
    assert got[1] == NAT_S
    assert got[3] == NAT_S
    assert np.isnat(got.view("M8[s]")[[1, 3]]).all()


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2025 10:00",  # no 31 February
        "29/02/2025 10:00",  # not a leap year
        "31/04/2025 10:00",  # April has 30 days
        "00/01/2025 10:00",  # no day 0
        "01/13/2025 10:00",  # no month 13
        "01/01/2025 24:00",  # no hour 24
        "01/01/2025 23:60",  # no minute 60
        "01/01/0024 10:00",  # a typing mistake, outside 1900-2099
        "01/01/2100 10:00",
        "01-01-2025 10:00",  # another separator
        "1/1/2025 10:00:0",  # same width, not the layout
        "01/01/2025 1O:00",  # a letter O
        "3/01/2025 22:15",  # another width
        "01/01/20x5 10:00",  # a letter in the year's second half
        "01/01/1899 10:00",  # before 1900
        "0a/01/2025 10:00",  # a letter in the day
        "01/01/2025 10:5:",  # a separator in the minute
    ],
)
def test_anything_but_a_real_date_in_the_layout_declines(value: str) -> None:
    text = pa.array(["03/01/2025 22:15", value, "04/01/2025 08:00"])
    assert fixed_width_seconds(text, "%d/%m/%Y %H:%M") is None


def test_formats_it_cannot_read_decline() -> None:
    text = pa.array(["03 Jan 2025"])
    assert fixed_width_seconds(text, "%d %b %Y") is None
    assert fixed_width_seconds(pa.array(["22:15"]), "%H:%M") is None  # no date


def test_chunked_and_sliced_columns() -> None:
    values = ["01/02/2025", "02/02/2025", None, "03/02/2025", "04/02/2025"]
    chunked = pa.chunked_array([values[:2], values[2:]])
    sliced = pa.array(["junk", *values])[1:]
    expected = _strptime_seconds(pa.array(values), "%d/%m/%Y")
    for column in (chunked, sliced):
        got = fixed_width_seconds(column, "%d/%m/%Y")
        assert got is not None
        np.testing.assert_array_equal(got, expected)


def test_chunks_wholly_missing_or_with_missing_values_that_take_bytes() -> None:
    # Arrow's CSV reader gives a column one chunk per block: one may hold no date at all
    chunked = pa.chunked_array(
        [["01/02/2025", None], pa.nulls(3, pa.string()), [None, "03/02/2025"]]
    )
    got = fixed_width_dates(chunked, "%d/%m/%Y")
    assert got is not None
    assert (got.has_time, got.latest_day) == (False, 3)
    np.testing.assert_array_equal(
        got.seconds,
        _strptime_seconds(pa.array(["01/02/2025", *[None] * 5, "03/02/2025"]), "%d/%m/%Y"),
    )
    # a missing value whose slot still holds bytes (other writers than Arrow's CSV reader)
    raw = b"01/02/2025XXXXXXXXXX13/02/2025"
    offsets = np.array([0, 10, 20, 30], dtype=np.int32)
    validity = pa.array([True, False, True]).buffers()[1]
    text = pa.Array.from_buffers(
        pa.string(), 3, [validity, pa.py_buffer(offsets), pa.py_buffer(raw)], null_count=1
    )
    dates = fixed_width_dates(text, "%d/%m/%Y")
    assert dates is not None
    assert dates.latest_day == 13
    assert dates.seconds[1] == NAT_S
    assert dates.seconds.view("M8[s]")[2] == np.datetime64("2025-02-13")


def test_may_be_padded_sees_every_kind_of_edge() -> None:
    assert not may_be_padded(pa.array(["High Street", "Mill Lane", None]))
    assert not may_be_padded(pa.array([None, "a", None]))  # missing values at both ends
    assert not may_be_padded(pa.array([], type=pa.string()))
    for padded in (" High Street", "Mill Lane ", "Mill\tLane\t", "\nx", "x\r", " "):
        assert may_be_padded(pa.array(["a", padded, None]))
    assert may_be_padded(pa.array(["a", "Mill Lane\u00a0"]))  # a no-break space
    assert may_be_padded(pa.array(["Café"]))  # non-ASCII at an edge: trim to see
    assert may_be_padded(pa.chunked_array([["a"], [" b"]]))
    assert may_be_padded(pa.array(["x", " y"])[1:])


def test_all_distinct_is_sure_or_declines() -> None:
    refs = pa.array([f"BM/{i:07d}/24" for i in range(20_000)])
    assert all_distinct(refs) is True
    assert all_distinct(pa.array(["BM/1", None, "BM/2", None])) is True
    assert all_distinct(pa.array(["BM/1", "BM/2", "BM/1"])) is None  # a repeat
    assert all_distinct(pa.array(["BM/1", "BM/22"])) is None  # widths differ
    assert all_distinct(pa.array(["a-long-reference-0001", "a-long-reference-0002"])) is True
    assert all_distinct(pa.array(["zzzz", "BM/1", "BM/2"])[1:]) is True
    assert all_distinct(pa.array(["BM/1", "BM/2", "BM/1"])[1:]) is True


def test_all_distinct_sees_every_byte_of_every_width() -> None:
    # values that differ in one place only, for every place of widths around the 8-byte words
    for width in (1, 5, 7, 8, 9, 13, 15, 16, 17, 24, 31):
        for place in range(width):
            values = ["x" * place + c + "x" * (width - place - 1) for c in "abc"]
            assert all_distinct(pa.array(values)) is True, (width, place)
            assert all_distinct(pa.array([*values, values[1]])) is None, (width, place)
            # a column sliced from a longer one: the words never read a neighbour's bytes
            assert all_distinct(pa.array(["y" * width, *values, "y" * width])[1:-1]) is True


def test_empty_strings_and_all_missing_columns() -> None:
    assert not may_be_padded(pa.array(["a", ""]))  # an empty last value has no edge
    assert may_be_padded(pa.array(["", " a"]))
    assert all_distinct(pa.array(["ab", "", "cd"])) is None
    got = fixed_width_seconds(pa.array([None, None], type=pa.string()), "%d/%m/%Y")
    assert got is not None
    assert (got == NAT_S).all()


def test_large_string_columns_as_pandas_holds_them() -> None:
    values = ["03/01/2025 22:15", None, "04/01/2025 08:00"]
    large = pa.array(values, type=pa.large_string())
    got = fixed_width_seconds(large, "%d/%m/%Y %H:%M")
    assert got is not None
    np.testing.assert_array_equal(got, _strptime_seconds(pa.array(values), "%d/%m/%Y %H:%M"))
    assert may_be_padded(pa.array(["a", "b "], type=pa.large_string()))
    assert not may_be_padded(pa.array(["a", None], type=pa.large_string()))
    assert all_distinct(pa.array(["ab", "cd"], type=pa.large_string())) is True
    assert all_distinct(pa.array(["ab", "ab"], type=pa.large_string())) is None


_EXTRACTS = {
    "day-first with windows": (
        (
            "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
            "A1,03/01/2025 22:15,04/01/2025 01:30,Burglary,545000,258000\n"
            "A2,13/02/2025 08:00,,Shoplifting,545100,258100\n"
            "A1,03/01/2025 22:15,04/01/2025 01:30,Burglary,545000,258000\n"
            "A3,28/02/2024 00:00,29/02/2024 00:00,Criminal damage,545200,258200\n"
            "A4,,,Theft,545300,258300\n"
            "A5,14/03/2025 10:00,14/03/2025 09:00,Theft,545300,258300\n"
        ),
        {},
    ),
    "ISO with seconds and padded cells": (
        (
            "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
            "B1,2025-01-03T22:15:00, 2025-01-04T01:30:00,Burglary ,545000,258000\n"
            "B2,2025-02-13T08:00:00,,Shoplifting,545100,258100\n"
            "B3,2025-02-13T08:00:00,,Shoplifting,0,0\n"
        ),
        {},
    ),
    "month-first when told": (
        (
            "Ref,Date,Offence,Easting,Northing\n"
            "C1,01/03/2025 22:15,Burglary,545000,258000\n"
            "C2,02/04/2025 08:00,Theft,545100,258100\n"
        ),
        {"dates": "month-first"},
    ),
    "dates only": (
        (
            "Ref,Date,Offence,Easting,Northing\n"
            "D1,25/12/2024,Burglary,545000,258000\n"
            "D2,01/01/2025,Theft,545100,258100\n"
        ),
        {},
    ),
    "fractions of a second": (
        (
            "Ref,Date,Offence,Easting,Northing\n"
            "E1,2025-01-03 22:15:00.250,Burglary,545000,258000\n"
            "E2,2025-01-04 08:00:00,Theft,545100,258100\n"
        ),
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(_EXTRACTS))
def test_fast_and_general_paths_read_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text, columns = _EXTRACTS[name]
    upload = (f"{name}.csv", text.encode())
    answers: list[bool] = []

    def spy(read: Callable[[pa.Array, str], object]) -> Callable[[pa.Array, str], object]:
        def reading(column: pa.Array, date_format: str) -> object:
            got = read(column, date_format)
            answers.append(got is not None)
            return got

        return reading

    monkeypatch.setattr(incidents, "fixed_width_seconds", spy(fixed_width_seconds))
    monkeypatch.setattr(incidents, "fixed_width_dates", spy(fixed_width_dates))
    fast = incidents.read_incidents([upload], columns=columns)
    assert any(answers)  # the byte-level parse read the column (after the fractions go)
    monkeypatch.setattr(incidents, "fixed_width_seconds", lambda *_args: None)
    monkeypatch.setattr(incidents, "fixed_width_dates", lambda *_args: None)
    monkeypatch.setattr(incidents, "all_distinct", lambda *_args: None)
    monkeypatch.setattr(incidents, "may_be_padded", lambda *_args: True)
    general = incidents.read_incidents([upload], columns=columns)
    assert fast.report == general.report
    pd.testing.assert_frame_equal(fast.table, general.table)
    pd.testing.assert_frame_equal(fast.rejected, general.rejected)
    assert fast.report.n_events > 0
    if name == "day-first with windows":
        report = fast.report
        assert (report.n_events, report.n_duplicates, report.n_without_time) == (3, 1, 1)
        assert report.n_bad_window == 1
        assert fast.table["end"].iloc[1] == pd.Timestamp("2025-02-13 08:00")  # no "to": exact


def test_may_be_padded_with_missing_values_at_the_ends_of_chunks() -> None:
    clean = pa.chunked_array([["a", None], [None, "b", None], ["", "c", ""]])
    assert not may_be_padded(clean)
    assert may_be_padded(pa.chunked_array([["a", None], [None, "b ", None]]))
    assert may_be_padded(pa.chunked_array([["a", None], [None, "b", None], [" c", None]]))


def test_fixed_width_dates_tell_times_and_the_latest_day() -> None:
    dated = fixed_width_dates(pa.array(["03/01/2025", None, "13/02/2025"]), "%d/%m/%Y")
    assert dated is not None
    assert (dated.has_time, dated.latest_day) == (False, 13)
    timed = fixed_width_dates(pa.array(["03/01/2025 00:00", "04/01/2025 00:01"]), "%d/%m/%Y %H:%M")
    assert timed is not None
    assert (timed.has_time, timed.latest_day) == (True, 4)
    midnight = fixed_width_dates(pa.array(["03/01/2025 00:00"]), "%d/%m/%Y %H:%M")
    assert midnight is not None
    assert not midnight.has_time


def _strptime_format(value: str, formats: list[str]) -> str | None:
    """The first format Arrow's strptime reads ``value`` with (how the layout was chosen)."""
    scalar = pa.scalar(value)
    return next(
        (
            f
            for f in formats
            if pc.strptime(scalar, format=f, unit="s", error_is_null=True).is_valid
        ),
        None,
    )


@pytest.mark.parametrize("date_part", ["%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"])
def test_the_layout_of_a_first_value_is_the_one_strptime_finds(date_part: str) -> None:
    # fixed_width_written_in picks a column's layout from its first value in Python; the column
    # reads the same as with the format Arrow's strptime finds first, whatever the value
    formats = [date_part + t for t in (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", "")]
    sep = date_part[2] if date_part[2] in "/.-" else date_part[4]
    written = [
        "03{0}01{0}2025 22:15", "03{0}01{0}2025 22:15:07", "03{0}01{0}2025T22:15",
        "03{0}01{0}2025T22:15:07", "03{0}01{0}2025", "3{0}1{0}2025 22:15", "03{0}01{0}2025  22:15",
        "03{0}01{0}202522:15", "31{0}02{0}2025 10:00", "03{0}01{0}2025 24:00",
        "03{0}01{0}2025 9:05",
        "2025{0}01{0}03 22:15", "2025{0}01{0}03T22:15:07", "2025{0}13{0}03", "2025{0}1{0}3",
        "03{0}01{0}2025 22:15:60", "0a{0}01{0}2025", "03{0}01{0}2025 22.15",
    ]  # fmt: skip
    for template in written:
        value = template.format(sep)
        mine = fixed_width_written_in(value, formats)
        arrows = _strptime_format(value, formats)
        text = pa.array([value, "01" + value[2:]])
        got = None if mine is None else fixed_width_seconds(text, mine)
        want = None if arrows is None else fixed_width_seconds(text, arrows)
        if want is None:
            assert got is None, value
        else:
            assert got is not None, value
            np.testing.assert_array_equal(got, want)
