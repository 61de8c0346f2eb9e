from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely import Point

from spatial.crs import BNG
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    OutsideGreatBritainError,
)
from spatial.sites import (
    SITE_COLUMNS,
    SITE_KINDS,
    add_site,
    read_points,
    read_sites,
    validate_sites,
)

if TYPE_CHECKING:
    from pathlib import Path

TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)

CSV = (
    "name,kind,public_facing,opening_notes,lon,lat\n"
    "Parkside,Police Station,yes,Front counter 8-20,0.1325,52.2035\n"
    "Guildhall,council_office,Y,,0.119212,52.204835\n"
    "Mandela House,One Stop Shop,no,Appointments only,0.1215,52.2050\n"
    "Depot,fire,,,0.1400,52.2000\n"
)


def test_read_sites_from_csv_projects_and_normalises(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(CSV)
    sites = read_sites(path)
    assert tuple(sites.columns) == SITE_COLUMNS
    assert sites.crs == BNG
    assert sites["kind"].tolist() == ["police", "council", "one-stop shop", "fire"]
    assert sites["public_facing"].tolist() == [True, True, False, pd.NA]
    assert sites["opening_notes"].tolist() == ["Front counter 8-20", "", "Appointments only", ""]
    x, y = TO_BNG.transform(0.119212, 52.204835)
    assert shapely.get_x(sites.geometry.iloc[1]) == pytest.approx(x)
    assert shapely.get_y(sites.geometry.iloc[1]) == pytest.approx(y)


def test_read_sites_from_geojson_and_upload_bytes_agree(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"name": "Parkside", "kind": "police", "public_facing": True},
            "geometry": {"type": "Point", "coordinates": [0.1325, 52.2035]},
        }
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    path = tmp_path / "sites.geojson"
    path.write_text(text)
    from_file = read_sites(path)
    from_upload = read_sites(("sites.geojson", text.encode()))
    assert from_file["name"].tolist() == from_upload["name"].tolist() == ["Parkside"]
    assert from_file.geometry.iloc[0].equals_exact(from_upload.geometry.iloc[0], 1e-6)
    assert bool(from_file["public_facing"].iloc[0]) is True


def test_csv_with_eastings_and_northings_is_read_as_bng(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,kind,Easting,Northing\nHub,housing,545200,258300\n")
    sites = read_sites(path)
    assert shapely.get_coordinates(sites.geometry).tolist() == [[545200.0, 258300.0]]


def test_unknown_kind_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,kind,lon,lat\nA,police,0.12,52.2\nB,library,0.13,52.2\n")
    with pytest.raises(InputDataError, match=r"first: row 3, 'library'.*one-stop shop"):
        read_sites(path)


def test_sites_are_named_by_their_row_of_the_csv_or_feature_of_the_geojson(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,kind,lon,lat\nA,police,0.12,52.2\n,council,0.13,52.2\n")
    with pytest.raises(InputDataError, match=r"sites have no name \(first: row 3\)"):
        read_sites(path)
    path.write_text("name,kind,lon,lat\nA,police,0.12,52.2\nB,police,52.2,0.13\n")
    with pytest.raises(InputDataError, match=r"outside Great Britain \(first: row 3, 52\.2000"):
        read_sites(path)
    geojson = tmp_path / "sites.geojson"
    point = {"type": "Point", "coordinates": [0.12, 52.2]}
    features = [
        {"type": "Feature", "properties": {"name": n, "kind": k}, "geometry": point}
        for n, k in (("A", "police"), ("B", "police"), ("C", "library"))
    ]
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InputDataError, match=r"unknown kind \(first: feature 3, 'library'\)"):
        read_sites(geojson)


def test_missing_name_column_or_blank_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("kind,lon,lat\npolice,0.12,52.2\n")
    with pytest.raises(MissingColumnError, match="name"):
        read_sites(path)
    path.write_text("name,kind,lon,lat\n,police,0.12,52.2\n")
    with pytest.raises(InputDataError, match="no name"):
        read_sites(path)


def test_swapped_coordinates_and_missing_columns_say_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,kind,lon,lat\nA,police,52.2,0.12\n")
    with pytest.raises(OutsideGreatBritainError, match="swapped"):
        read_sites(path)
    path.write_text("name,kind,x,y\nA,police,0.12,52.2\n")
    with pytest.raises(CRSError, match="probably longitude/latitude"):
        read_sites(path)
    path.write_text("name,kind,where\nA,police,here\n")
    with pytest.raises(MissingColumnError, match="lon and lat"):
        read_sites(path)
    path.write_text("name,kind,lon,lat\nA,police,,52.2\n")
    with pytest.raises(InputDataError, match=r"first: row 2\)"):
        read_sites(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("name,kind,lon,lat\n")
    with pytest.raises(EmptyInputError, match="no co-location sites"):
        read_sites(empty)
    with pytest.raises(InputDataError, match="no such file"):
        read_points(tmp_path / "nowhere.csv")


def test_validate_sites_requires_bng_and_keeps_the_index() -> None:
    raw = gpd.GeoDataFrame(
        {"name": ["A", "B"], "kind": ["fire", "Housing"]},
        geometry=[Point(545000, 258000), Point(546000, 258000)],
        index=[10, 20],
        crs=BNG,
    )
    out = validate_sites(raw)
    assert out.index.tolist() == [10, 20]
    assert out["kind"].tolist() == ["fire", "housing"]
    assert raw["kind"].tolist() == ["fire", "Housing"]  # not modified
    with pytest.raises(CRSError, match="EPSG:27700"):
        validate_sites(raw.to_crs("EPSG:4326"))


def test_add_site_returns_a_new_table() -> None:
    one = add_site(None, name="Hub", kind="One-stop shop", point=Point(545000, 258000))
    two = add_site(
        one,
        name="Station",
        kind="police",
        point=Point(546000, 258500),
        public_facing=True,
        opening_notes="24 h",
    )
    assert len(one) == 1
    assert two.index.tolist() == [0, 1]
    assert two["kind"].tolist() == ["one-stop shop", "police"]
    assert two["public_facing"].tolist() == [pd.NA, True]
    with pytest.raises(OutsideGreatBritainError, match="Convert longitude/latitude"):
        add_site(one, name="X", kind="police", point=Point(0.12, 52.2))
    with pytest.raises(InputDataError, match="unknown kind"):
        add_site(one, name="X", kind="gym", point=Point(545000, 258000))
    assert set(SITE_KINDS) == {"police", "council", "fire", "housing", "one-stop shop"}


@pytest.mark.shared
def test_cambridge_guildhall_poi_reads_as_a_council_site(cambridge_dir: Path) -> None:
    sites = read_sites(cambridge_dir / "pois" / "cambridge_pois.csv")
    assert sites["kind"].tolist() == ["council"]
    x, y = TO_BNG.transform(0.119212, 52.204835)
    np.testing.assert_allclose(shapely.get_coordinates(sites.geometry), [[x, y]])
