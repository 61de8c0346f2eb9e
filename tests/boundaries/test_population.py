from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from boundaries.population import lsoa_residents, ward_population
from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, InputDataError, MissingColumnError
from spatial.io import read_lsoas, read_population, read_wards

if TYPE_CHECKING:
    from pathlib import Path


def _lsoas(crs: str = BNG) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": ["E01000001", "E01000002", "E01000003"], "lsoa_name": ["A", "B", "C"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)],
        crs=crs,
    )


def test_lsoa_residents_joins_populations_in_boundary_order() -> None:
    population = pd.DataFrame(
        {
            "lsoa_code": ["E01000003", "E01000001", "E01000009"],
            "lsoa_name": ["", "", ""],
            "population": [2000, 1500, 999],
        }
    )
    residents = lsoa_residents(_lsoas(), population)
    assert isinstance(residents, gpd.GeoDataFrame)
    assert residents.crs == BNG
    assert residents["lsoa_code"].tolist() == ["E01000001", "E01000003"]  # no row for 002
    assert residents["population"].tolist() == [1500, 2000]
    assert residents["lsoa_name"].tolist() == ["A", "C"]  # the boundaries' names are kept
    assert residents.geometry.iloc[1].equals(box(20, 0, 30, 10))


def test_lsoa_residents_says_what_is_wrong() -> None:
    population = pd.DataFrame({"lsoa_code": ["E01000001"], "population": [10]})
    with pytest.raises(EmptyInputError, match="same LSOA vintage"):
        lsoa_residents(_lsoas(), population.assign(lsoa_code="E01999999"))
    with pytest.raises(MissingColumnError, match="population table: missing column 'population'"):
        lsoa_residents(_lsoas(), population.rename(columns={"population": "people"}))
    with pytest.raises(MissingColumnError, match="LSOA boundaries: missing column 'lsoa_code'"):
        lsoa_residents(_lsoas().rename(columns={"lsoa_code": "code"}), population)
    with pytest.raises(CRSError):
        lsoa_residents(_lsoas("EPSG:4326"), population)


def test_the_demo_rate_surface_uses_every_demo_lsoa() -> None:
    from boundaries.dataset import load_demo  # noqa: PLC0415 - seconds, this test only

    demo = load_demo()
    assert demo.lsoas is not None
    assert demo.population is not None
    residents = lsoa_residents(demo.lsoas, demo.population)
    assert len(residents) == len(demo.lsoas)
    assert residents["population"].sum() == demo.population["population"].sum()


def test_lsoas_inside_the_wards_without_residents_are_refused_not_left_out() -> None:
    population = pd.DataFrame({"lsoa_code": ["E01000001", "E01000003"], "population": [10, 20]})
    ward = gpd.GeoDataFrame({"ward_name": ["W"]}, geometry=[box(0, 0, 20, 10)], crs=BNG)
    message = r"^1 of the 2 LSOAs inside the wards have no population \(first: E01000002\)"
    with pytest.raises(InputDataError, match=message):
        ward_population(ward, _lsoas(), population)  # 002's residents would be lost
    with pytest.raises(InputDataError, match=message):
        lsoa_residents(_lsoas(), population, wards=ward)
    outside = gpd.GeoDataFrame({"ward_name": ["W"]}, geometry=[box(20, 0, 30, 10)], crs=BNG)
    assert ward_population(outside, _lsoas(), population).by_ward == {"W": 20.0}
    assert len(lsoa_residents(_lsoas(), population, wards=outside)) == 2


def test_cambridge_population_with_2011_boundaries_is_refused(cambridge_dir: Path) -> None:
    wards = read_wards(cambridge_dir / "wards.geojson").wards
    population = read_population(
        cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv"
    )
    right = read_lsoas(cambridge_dir / "boundaries" / "lsoa_2021.geojson")
    assert sum(ward_population(wards, right, population).by_ward.values()) > 0
    wrong = read_lsoas(cambridge_dir / "boundaries" / "lsoa_2011.geojson")
    with pytest.raises(InputDataError, match="probably of different censuses"):
        ward_population(wards, wrong, population)  # Market's rate came out 921 per 1,000, not 403
