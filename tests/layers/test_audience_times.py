"""Exact locations and times of force extracts never leave at partner or public audience."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from boundaries.dataset import StudyArea, load_demo
from boundaries.extract import study_area_from_incidents
from hotspots.when import hour_of_week
from layers.audience import (
    coarsen_times,
    get_preset,
    prepare_layer,
    snap_locations,
    suppress_table,
)
from spatial.demo import demo_incidents
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd


@pytest.fixture(scope="module")
def area() -> StudyArea:
    return study_area_from_incidents(demo_incidents(), load_demo().wards)


def _xy(frame: pd.DataFrame) -> set[tuple[float, float]]:
    return set(zip(np.round(frame.geometry.x, 3), np.round(frame.geometry.y, 3), strict=True))


def test_partner_gets_no_exact_location_or_time(area: StudyArea) -> None:
    points = area.points
    out = prepare_layer(points, "crimes", get_preset("partner"), wards=area.wards)
    assert set(out.columns) <= {"ward", "location", "n_crimes", "suppressed", "geometry"}
    assert not (_xy(out) & _xy(points))
    snapped = snap_locations(points, cell_m=100)
    # one row per 100 m cell (not per ward and cell: a cell's parts in two wards would give a
    # blanked part back by subtraction), named by the cell, never by the extract's address
    assert _xy(out) <= _xy(snapped)
    assert len(out) == len(snapped.drop_duplicates(["geometry"]))
    assert out["location"].str.fullmatch(r"100 m cell E\d+ N\d+").all()
    assert not set(out["location"]) & set(points["location"].dropna())
    assert out["n_crimes"].dropna().min() >= 5


def test_public_gets_ward_counts_only(area: StudyArea) -> None:
    out = prepare_layer(area.points, "crimes", get_preset("public"), wards=area.wards)
    assert set(out.columns) == {"ward", "n_crimes", "suppressed", "geometry"}
    assert len(out) == len(area.wards)


def test_police_keep_times(area: StudyArea) -> None:
    out = prepare_layer(area.points, "crimes", get_preset("police"))
    assert {"start", "end", "crime_id"} <= set(out.columns)
    assert _xy(out) == _xy(area.points)


def test_times_are_never_finer_than_the_audience_allows(area: StudyArea) -> None:
    rows = area.points.head(3)
    partner = coarsen_times(rows, get_preset("partner"), level="hour")
    assert "start" not in partner.columns
    assert "end" not in partner.columns
    assert partner["period"].str.match(r"^\d{4}-W\d{2}$").all()
    public = coarsen_times(rows, get_preset("public"), level="day")
    assert public["period"].tolist() == rows["start"].dt.strftime("%Y-%m").tolist()
    police = coarsen_times(rows, get_preset("police"), level="day")
    assert police["period"].tolist() == rows["start"].dt.strftime("%Y-%m-%d").tolist()
    assert coarsen_times(rows, get_preset("police"))["start"].equals(rows["start"])
    with pytest.raises(ParameterError, match="Choose from: exact"):
        coarsen_times(rows, get_preset("police"), level="minute")  # type: ignore[arg-type]


def test_hour_of_week_table_suppressed_for_partners(area: StudyArea) -> None:
    table = hour_of_week(area.points.loc[area.points["crime_type"] == "Robbery"]).frame()
    partner = suppress_table(table, get_preset("partner"))
    assert (partner.isna() == (table.round(0) < 5)).all().all()
    assert suppress_table(table, get_preset("police")).equals(table)
