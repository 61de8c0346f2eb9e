from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from spatial.cache import crime_cache_key, read_crimes_cached
from spatial.io import read_crimes

if TYPE_CHECKING:
    from pathlib import Path

CSV = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
    "a1,2025-01,F,F,0.12,52.2,On or near A,E01,C 1,Burglary,Under investigation,\n"
    ",2025-01,F,F,,,No Location,,,Anti-social behaviour,,\n"
    "a2,2025-01,F,F,151.2,-33.9,On or near B,E01,C 1,Burglary,,\n"
)


def test_cached_read_equals_fresh_read_and_is_reused(tmp_path: Path) -> None:
    crimes = tmp_path / "2025-01-force-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    cache = tmp_path / "cache"
    fresh = read_crimes([crimes])
    first = read_crimes_cached([crimes], cache_dir=cache)
    second = read_crimes_cached([crimes], cache_dir=cache)
    assert len(list(cache.iterdir())) == 1
    for load in (first, second):
        assert_geodataframe_equal(load.points, fresh.points)
        pd.testing.assert_frame_equal(load.without_location, fresh.without_location)
        pd.testing.assert_frame_equal(load.outside_gb, fresh.outside_gb)
        assert (load.n_rows, load.files, load.notes) == (fresh.n_rows, fresh.files, fresh.notes)
    assert isinstance(second.points["month"].dtype, pd.PeriodDtype)


def test_changed_file_gets_a_new_cache_key(tmp_path: Path) -> None:
    crimes = tmp_path / "a-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    before = crime_cache_key([crimes])
    crimes.write_text(CSV + "a3,2025-01,F,F,0.13,52.2,On or near C,E01,C 1,Drugs,,\n")
    os.utime(crimes, ns=(1, 1))
    after = crime_cache_key([crimes])
    assert before != after
    assert len(read_crimes_cached([crimes], cache_dir=tmp_path / "c").points) == 2
    upload = ("a.csv", CSV.encode())
    assert crime_cache_key([upload]) == crime_cache_key([("a.csv", CSV.encode())])
    assert crime_cache_key([upload]) != crime_cache_key([("a.csv", CSV.encode() + b"\n")])
