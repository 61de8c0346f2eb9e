"""Overlapping wards: reported with their area, and a crime in both counted once by the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
from shapely import Point, Polygon

from boundaries.assign import OVERLAP_RULE, assign_wards, ward_of_places
from boundaries.dataset import load_study_area
from boundaries.neighbourhoods import apply_neighbourhoods
from boundaries.select import BLANK_CRIME_TYPE, Selection, summarise
from spatial.crs import BNG
from spatial.errors import InvalidGeometryError
from spatial.io import POLICE_UK_COLUMNS, read_wards

if TYPE_CHECKING:
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry


def _square(x: float, y: float, size: float) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def _wards(names: list[str], codes: list[str], geoms: list[Polygon]) -> gpd.GeoDataFrame:
    return apply_neighbourhoods(
        gpd.GeoDataFrame({"ward_name": names, "ward_code": codes}, geometry=geoms, crs=BNG)
    )


def test_a_crime_in_two_wards_goes_to_the_smaller_whatever_the_file_order() -> None:
    big = _square(544_000, 258_000, 1_000)
    small = _square(544_400, 258_400, 200)
    points = gpd.GeoDataFrame(
        geometry=[Point(544_500, 258_500), Point(544_100, 258_100), Point(600_000, 300_000)],
        crs=BNG,
    )
    for order in ([0, 1], [1, 0]):
        names = ["District", "Market"]
        codes = ["E07", "E05"]
        geoms = [big, small]
        wards = _wards(
            [names[i] for i in order], [codes[i] for i in order], [geoms[i] for i in order]
        )
        result = assign_wards(points, wards)
        assert result.inside["ward"].to_dict() == {0: "Market", 1: "District"}
        assert result.n_outside_wards == 1
        assert result.n_in_overlaps == 1
        assert result.notes == (f"1 crime lies in more than one ward: {OVERLAP_RULE} (Market 1).",)


def test_ward_of_places_gives_each_place_the_ward_assign_wards_gives_its_crimes() -> None:
    big = _square(544_000, 258_000, 1_000)
    small = _square(544_400, 258_400, 200)
    twin = _square(544_400, 258_400, 200)  # as small as "Market": the lower code wins
    x = np.array([544_500.0, 544_100.0, 600_000.0, 544_400.0, 545_000.0])
    y = np.array([258_500.0, 258_100.0, 300_000.0, 258_400.0, 259_000.0])  # a corner, an edge
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        names = ["District", "Market", "Twin"]
        codes = ["E07", "E05", "E04"]
        geoms = [big, small, twin]
        wards = _wards(
            [names[i] for i in order], [codes[i] for i in order], [geoms[i] for i in order]
        )
        at = ward_of_places(x, y, wards)
        got = [None if i < 0 else str(wards["ward_name"].iloc[i]) for i in at]
        assert got == ["Twin", "District", None, "Twin", "District"]
        assigned = assign_wards(gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG), wards)
        assert assigned.inside["ward"].to_dict() == {
            i: name for i, name in enumerate(got) if name is not None
        }


def test_overlaps_are_noted_with_the_wards_and_area(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"WD24NM": ["A", "B"], "WD24CD": ["E1", "E2"]},
        geometry=[_square(544_000, 258_000, 300), _square(544_250, 258_000, 300)],
        crs=BNG,
    )
    frame.to_file(tmp_path / "w.gpkg")
    load = read_wards(tmp_path / "w.gpkg")
    assert "w.gpkg: A and B overlap by 15,000 m²." in load.notes


def test_points_and_lines_are_refused_as_wards(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"WD24NM": ["A", "B", "C"]},
        geometry=[
            Point(544_000, 258_000),
            Point(544_100, 258_000),
            _square(544_000, 258_000, 50).exterior,
        ],
        crs=BNG,
    )
    frame.to_file(tmp_path / "w.gpkg")
    with pytest.raises(InvalidGeometryError) as caught:
        read_wards(tmp_path / "w.gpkg")
    assert str(caught.value).startswith(
        "w.gpkg: ward boundaries must be polygons; found 2 points, 1 lines (first: 'A')."
    )


def test_blank_crime_types_are_counted_so_types_sum_to_the_total(tmp_path: Path) -> None:
    header = ",".join(POLICE_UK_COLUMNS)
    rows = [
        "a,2025-01,F,F,0.1192,52.2048,On or near Market Hill,E01,C,Burglary,,",
        "b,2025-01,F,F,0.1193,52.2049,On or near Market Hill,E01,C,,,",
        "c,2025-01,F,F,0.1194,52.2047,On or near Market Hill,E01,C, ,,",
    ]
    crimes = tmp_path / "x-street.csv"
    crimes.write_text("\n".join([header, *rows]) + "\n")
    wards = gpd.GeoDataFrame(
        {"WD24NM": ["Market"]}, geometry=[_square(544_000, 257_500, 2_000)], crs=BNG
    )
    wards.to_file(tmp_path / "w.gpkg")
    summary = summarise(load_study_area([crimes], tmp_path / "w.gpkg"), Selection())
    assert summary.by_crime_type == {BLANK_CRIME_TYPE: 2, "Burglary": 1}
    assert sum(summary.by_crime_type.values()) == summary.n_inside_wards == 3
    record = summary.to_dict()
    assert record["n_rows_read"] == 3
    assert record["notes"] == []


def test_crimes_at_one_snap_point_share_its_ward_and_odd_geometries_are_looked_up_alone() -> None:
    wards = _wards(
        ["District", "Market"],
        ["E07", "E05"],
        [_square(544_000, 258_000, 1_000), _square(544_400, 258_400, 200)],
    )
    snapped = [Point(544_500, 258_500), Point(544_100, 258_100), Point(600_000, 300_000)]
    geoms = [snapped[i % 3] for i in range(9)]
    points = gpd.GeoDataFrame(
        {"n": range(9)}, geometry=geoms, crs=BNG, index=[f"r{i}" for i in range(9)]
    )
    result = assign_wards(points, wards)
    assert result.inside["ward"].to_dict() == {
        f"r{i}": "Market" if i % 3 == 0 else "District" for i in range(9) if i % 3 != 2
    }
    assert result.outside.index.tolist() == ["r2", "r5", "r8"]
    assert result.n_in_overlaps == 3
    odd_geoms: list[BaseGeometry | None] = list(geoms)
    odd_geoms[3], odd_geoms[4] = None, Point()  # missing, empty
    odd_geoms[6] = _square(544_450, 258_450, 10)  # not a point: inside Market
    odd = gpd.GeoSeries(np.array(odd_geoms, dtype=object), index=points.index, crs=BNG)
    mixed = assign_wards(points.set_geometry(odd), wards)
    assert mixed.inside["ward"].to_dict() == {
        "r0": "Market",
        "r1": "District",
        "r6": "Market",
        "r7": "District",
    }
    assert mixed.outside.index.tolist() == ["r2", "r3", "r4", "r5", "r8"]
