from __future__ import annotations

import io
import json
import re
import zipfile
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, Polygon

from spatial.crs import BNG
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    OutsideGreatBritainError,
    PatchmapWarning,
)
from spatial.io import (
    POLICE_UK_COLUMNS,
    read_crimes,
    read_lsoas,
    read_neighbourhoods,
    read_population,
    read_street_file,
    read_wards,
)
from spatial.validate import is_system_junk

if TYPE_CHECKING:
    from pathlib import Path

# Rows without coordinates per monthly file, from ../shared/data/SOURCES.md.
CAMBRIDGE_WITHOUT_COORDS = {
    "2024-09": 226,
    "2024-10": 207,
    "2024-11": 252,
    "2024-12": 204,
    "2025-01": 211,
    "2025-02": 199,
    "2025-03": 211,
    "2025-04": 158,
    "2025-05": 236,
    "2025-06": 212,
    "2025-07": 245,
    "2025-08": 241,
    "2025-09": 257,
}
HEADER = ",".join(POLICE_UK_COLUMNS)


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ROW_A = (
    "abc1,2025-01,Force,Force,0.119212,52.204835,On or near Market Hill,E01,Cam 1,Burglary,"
    "Under investigation,"
)
ROW_ASB = ",2025-01,Force,Force,0.12,52.2,On or near Park,E01,Cam 1,Anti-social behaviour,,"
ROW_NOLOC = ",2025-01,Force,Force,,,No Location,,,Anti-social behaviour,,"


def test_read_crimes_counts_every_cambridge_row(cambridge_dir: Path) -> None:
    load = read_crimes([cambridge_dir / "crimes"])
    assert load.n_rows == 90957
    assert load.n_without_location == sum(CAMBRIDGE_WITHOUT_COORDS.values())
    by_month = load.without_location["month"].astype(str).value_counts().to_dict()
    assert by_month == CAMBRIDGE_WITHOUT_COORDS
    assert load.n_outside_gb == 0
    assert len(load.points) == 90957 - 2859
    assert load.months == tuple(CAMBRIDGE_WITHOUT_COORDS)
    assert load.points.crs == BNG
    assert isinstance(load.points["month"].dtype, pd.PeriodDtype)
    asb = load.points["crime_type"] == "Anti-social behaviour"
    assert load.points.loc[asb, "crime_id"].isna().all()
    assert load.points.loc[~asb, "crime_id"].notna().all()
    assert len(load.files) == 13


def test_read_crimes_reprojects_known_point(tmp_path: Path) -> None:
    path = tmp_path / "2025-01-x-street.csv"
    path.write_bytes(_csv(ROW_A))
    points = read_crimes([path]).points
    point = Point(points.geometry.x.iloc[0], points.geometry.y.iloc[0])
    # The Guildhall, Cambridge, is at OS grid reference TL 449 584 (100 m squares):
    # TL = 500 km E, 200 km N, so the point lies in the square 544,900-545,000 E, 258,400-258,500 N.
    assert 544_900 <= point.x < 545_000
    assert 258_400 <= point.y < 258_500


def test_read_crimes_from_zip_and_folder_of_monthly_folders(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2025-01/2025-01-force-street.csv", _csv(ROW_A, ROW_ASB))
        zf.writestr("2025-01/2025-01-force-outcomes.csv", b"not,street\n1,2\n")
    load = read_crimes([("download.zip", archive.getvalue())])
    assert len(load.points) == 2
    assert load.files == ("download.zip/2025-01/2025-01-force-street.csv",)
    folder = tmp_path / "police"
    (folder / "2025-01").mkdir(parents=True)
    (folder / "2025-01" / "2025-01-force-street.csv").write_bytes(_csv(ROW_A, ROW_NOLOC))
    load = read_crimes([folder])
    assert (len(load.points), load.n_without_location) == (1, 1)


APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\t"
"""The start of a macOS AppleDouble (``._name``) file: binary, not a CSV."""


def test_system_files_in_a_zip_or_folder_are_skipped_with_a_note(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2025-01/2025-01-force-street.csv", _csv(ROW_A, ROW_ASB))
        zf.writestr("__MACOSX/2025-01/._2025-01-force-street.csv", APPLE_DOUBLE)
        zf.writestr("2025-01/.DS_Store", APPLE_DOUBLE)
    load = read_crimes([("mac.zip", archive.getvalue())])
    assert len(load.points) == 2
    assert load.files == ("mac.zip/2025-01/2025-01-force-street.csv",)
    assert any(n.startswith("mac.zip: 2 system files skipped") for n in load.notes)
    folder = tmp_path / "police"
    (folder / "2025-01").mkdir(parents=True)
    (folder / "2025-01" / "2025-01-force-street.csv").write_bytes(_csv(ROW_A, ROW_NOLOC))
    for junk in ("._2025-01-force-street.csv", "~$2025-01-force-street.csv", "Thumbs.db"):
        (folder / "2025-01" / junk).write_bytes(APPLE_DOUBLE)
    load = read_crimes([folder])
    assert (len(load.points), load.n_without_location) == (1, 1)
    assert any(n.startswith("police: 3 system files skipped") for n in load.notes)


def test_is_system_junk_tells_clutter_from_data() -> None:
    junk = [
        "__MACOSX/2025-01/._a-street.csv",
        "__MACOSX/a-street.csv",
        "2025-01/._a-street.csv",
        ".DS_Store",
        "x/thumbs.db",
        "~$extract.xlsx",
        "folder\\Desktop.ini",
    ]
    data = ["2025-01/2025-01-force-street.csv", "_a.csv", "a.csv", "MACOSX/a.csv", "x/$a.xlsx"]
    assert [is_system_junk(n) for n in junk] == [True] * len(junk)
    assert [is_system_junk(n) for n in data] == [False] * len(data)


def test_duplicate_crime_ids_across_files_are_removed_once(tmp_path: Path) -> None:
    a = tmp_path / "a-street.csv"
    b = tmp_path / "b-street.csv"
    a.write_bytes(_csv(ROW_A, ROW_ASB))
    # the same Crime ID in another month's file (a hand-made extract): kept once
    b.write_bytes(
        _csv(ROW_A.replace("2025-01", "2025-02"), ROW_NOLOC.replace("2025-01", "2025-02"))
    )
    load = read_crimes([a, b])
    assert load.n_duplicates_removed == 1
    assert load.n_set_aside == 0
    assert load.n_rows == 3
    assert load.n_rows_read == 4
    assert any("Crime ID" in note for note in load.notes)


def test_identical_file_given_twice_is_read_once(tmp_path: Path) -> None:
    a = tmp_path / "a-street.csv"
    a.write_bytes(_csv(ROW_ASB))
    load = read_crimes([a, ("copy.csv", a.read_bytes())])
    assert load.n_rows == 1
    assert load.files == ("a-street.csv",)


def test_rows_outside_gb_are_counted_and_kept(tmp_path: Path) -> None:
    sydney = "x9,2025-01,F,F,151.21,-33.87,On or near Sydney,E01,C,Burglary,,"
    path = tmp_path / "m-street.csv"
    path.write_bytes(_csv(ROW_A, sydney))
    load = read_crimes([path])
    assert load.n_outside_gb == 1
    assert load.outside_gb["longitude"].iloc[0] == pytest.approx(151.21)
    assert load.n_rows == 2


def test_swapped_longitude_latitude_is_named(tmp_path: Path) -> None:
    swapped = "s1,2025-01,F,F,52.204835,0.119212,On or near Market Hill,E01,C,Burglary,,"
    path = tmp_path / "m-street.csv"
    path.write_bytes(_csv(swapped))
    with pytest.raises(OutsideGreatBritainError, match="look swapped"):
        read_crimes([path])


def test_projected_coordinates_in_a_police_csv_are_named(tmp_path: Path) -> None:
    metres = "s1,2025-01,F,F,545029,258389,On or near Market Hill,E01,C,Burglary,,"
    path = tmp_path / "m-street.csv"
    path.write_bytes(_csv(metres))
    with pytest.raises(OutsideGreatBritainError, match="look like metres"):
        read_crimes([path])


def test_a_file_cut_off_mid_row_is_refused_not_read_with_fields_missing(tmp_path: Path) -> None:
    whole = _csv(ROW_A, ROW_A.replace("abc1", "abc2"))
    cut = whole[: whole.rindex(b",E01,")]  # the last row stops in its Location
    path = tmp_path / "2025-01-x-street.csv"
    path.write_bytes(cut)
    expected = (
        "2025-01-x-street.csv: the file is cut off: its last line (line 3) has 7 of the header's "
        "12 fields. Download or copy it again"
    )
    with pytest.raises(InputDataError, match=re.escape(expected)):
        read_crimes([path])
    with pytest.raises(InputDataError, match=re.escape(expected)):
        read_street_file(path.name, cut)  # the store's reader
    path.write_bytes(whole.rstrip(b"\n"))  # whole rows without a last line end are read
    assert read_crimes([path]).n_rows_read == 2


def test_the_metres_hint_names_the_rows_in_metres_not_a_row_in_degrees(tmp_path: Path) -> None:
    dublin = "s1,2025-01,F,F,-6.26,53.35,On or near O'Connell Street,E01,C,Burglary,,"
    metres = "s2,2025-01,F,F,545029,258389,On or near Market Hill,E01,C,Burglary,,"
    path = tmp_path / "m-street.csv"
    path.write_bytes(_csv(dublin, metres))
    with pytest.raises(OutsideGreatBritainError) as raised:
        read_crimes([path])
    assert str(raised.value) == (
        "m-street.csv: 2 rows lie outside Great Britain (first: row 2, Longitude -6.26, "
        "Latitude 53.35). 1 of them hold values that look like metres, not degrees (first: "
        "row 3, Longitude 545029.0, Latitude 258389.0): police.uk files use WGS84 degrees."
    )


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"", EmptyInputError, "empty"),
        (HEADER.encode() + b"\n", EmptyInputError, "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", InputDataError, "not a CSV"),
        (
            b"Crime ID,Month,Latitude,Crime type\n1,2025-01,52.2,Burglary\n",
            MissingColumnError,
            "'Longitude'",
        ),
        (
            "Month,Longitude,Latitude,Crime type\n2025-01,0.1,52.2,Caf\xe9\n".encode("latin-1"),
            InputDataError,
            "not UTF-8",
        ),
        (_csv(ROW_A.replace("2025-01", "Jan 2025")), InputDataError, "not YYYY-MM"),
        (_csv(ROW_A.replace("0.119212", "east")), InputDataError, "not a number"),
    ],
)
def test_bad_crime_files_get_errors_that_say_what_to_fix(
    data: bytes, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        read_crimes([("upload.csv", data)])


def test_missing_path_and_empty_selection() -> None:
    with pytest.raises(InputDataError, match="no such file"):
        read_crimes(["/nonexistent/2025-01.csv"])
    with pytest.raises(EmptyInputError, match="No crime files"):
        read_crimes([])


def test_read_wards_cambridge_detects_fields_and_reprojects(cambridge_dir: Path) -> None:
    load = read_wards(cambridge_dir / "wards.geojson")
    assert (load.name_field, load.code_field) == ("WD23NM", "WD23CD")
    assert load.wards.crs == BNG
    assert len(load.wards) == 14
    assert load.wards.area.sum() / 1e6 == pytest.approx(40.71, abs=0.01)
    assert load.notes == ()
    market = load.wards.set_index("ward_name").loc["Market", "ward_code"]
    assert market == "E05013057"


def _square(x: float, y: float, size: float = 100.0) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def test_read_wards_reports_overlap_gap_and_repairs(tmp_path: Path) -> None:
    bowtie = Polygon([(545000, 258000), (545100, 258100), (545100, 258000), (545000, 258100)])
    frame = gpd.GeoDataFrame(
        {"WD24NM": ["A", "B", "C", "D"], "WD24CD": ["E1", "E2", "E3", "E4"]},
        geometry=[
            _square(544000, 258000, 300),
            _square(544250, 258000, 300),  # overlaps A by 50 x 300
            bowtie,
            # a ring of C-shaped ward around a hole
            _square(546000, 258000, 300).difference(_square(546100, 258100, 100)),
        ],
        crs=BNG,
    )
    path = tmp_path / "wards.gpkg"
    frame.to_file(path)
    with pytest.warns(PatchmapWarning, match="repaired 1 invalid"):
        load = read_wards(path)
    assert load.wards.geometry.is_valid.all()
    text = " ".join(load.notes)
    # where the ring crosses itself, in the frame's CRS, so the user can find and check it
    assert (
        "repaired 1 invalid geometries with make_valid: C (self-intersection at 545050, "
        "258050). Places are in OSGB36 / British National Grid. Check them in a GIS"
    ) in text
    assert "A and B overlap by 15,000 m²" in text
    assert "1 gaps" in text


def test_read_wards_from_zipped_shapefile_in_wgs84(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"NAME": ["One"]}, geometry=[_square(545000, 258000, 500)], crs=BNG
    ).to_crs("EPSG:4326")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "wards.shp")
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    load = read_wards(archive)
    assert load.name_field == "NAME"
    assert load.wards.area.iloc[0] == pytest.approx(250_000, rel=1e-3)


def test_read_wards_errors(tmp_path: Path) -> None:
    no_crs = tmp_path / "nocrs.geojson"
    no_crs.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"WD23NM": "A"},
                        "geometry": {"type": "Point", "coordinates": [545000, 258000]},
                    }
                ],
            }
        )
    )
    with pytest.raises(CRSError, match="probably metres") as raised:
        read_wards(no_crs)
    # the file names no CRS: it is read as GeoJSON's own, which the message says
    assert "are read as EPSG:4326 (degrees: GeoJSON's own CRS" in str(raised.value)
    assert "save as GeoPackage, or export the GeoJSON in EPSG:4326." in str(raised.value)
    mercator = tmp_path / "mercator.geojson"  # a web map's metres, saved without a CRS
    ring = [[13_000, 6_843_000], [13_100, 6_843_000], [13_100, 6_843_100], [13_000, 6_843_000]]
    feature = {"type": "Feature", "properties": {"WD23NM": "A"}}
    feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    mercator.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(CRSError, match=r"probably metres \(Web Mercator \(EPSG:3857\)"):
        read_wards(mercator)
    frame = gpd.GeoDataFrame({"colour": ["red"]}, geometry=[_square(545000, 258000)], crs=BNG)
    path = tmp_path / "w.gpkg"
    frame.to_file(path)
    with pytest.raises(MissingColumnError, match="--ward-field"):
        read_wards(path)
    assert read_wards(path, name_field="colour").wards["ward_name"].tolist() == ["red"]
    far = gpd.GeoDataFrame({"name": ["x"]}, geometry=[_square(2e6, 2e6)], crs=BNG)
    far.to_file(tmp_path / "far.gpkg")
    with pytest.raises(OutsideGreatBritainError, match="outside Great Britain"):
        read_wards(tmp_path / "far.gpkg")
    with pytest.raises(InputDataError, match="could not be read"):
        read_wards(("wards.geojson", b"this is not geojson"))


def test_a_zip_without_boundaries_says_so_without_gdal_paths() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputDataError) as raised:
        read_wards(("wards.zip", data.getvalue()))
    assert str(raised.value) == (
        "wards.zip: could not be read as ward boundaries (the .zip holds no Shapefile, "
        "GeoPackage or GeoJSON; it holds readme.txt). Use GeoJSON, GeoPackage or a zipped "
        "Shapefile."
    )  # it named /vsizip//vsimem/pyogrio_... and advised a '<DRIVER>:' prefix


def test_a_population_placeholder_is_named_not_shown_as_nan(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("lsoa21_code,total_usual_residents\nE01000001,1500\nE01000002,n/a\n")
    with pytest.raises(InputDataError) as raised:
        read_population(path)
    assert str(raised.value) == (
        "pop.csv: total_usual_residents is not a number in row 3 (empty, or a placeholder such "
        "as n/a)."
    )


def test_read_population_census_and_mid_year_formats(cambridge_dir: Path) -> None:
    census = read_population(cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv")
    assert len(census) == 78
    assert census["population"].sum() == 145_673
    mid_year = b'LSOA 2021 Code,LSOA 2021 Name,Total\nE01000001,City of London 001A,"1,473"\n'
    frame = read_population(("mye.csv", mid_year))
    assert frame.to_dict("records") == [
        {"lsoa_code": "E01000001", "lsoa_name": "City of London 001A", "population": 1473}
    ]
    with pytest.raises(MissingColumnError, match="LSOA code column"):
        read_population(("p.csv", b"area,people\nx,1\n"))


def test_read_lsoas_cambridge(cambridge_dir: Path) -> None:
    lsoas = read_lsoas(cambridge_dir / "boundaries" / "lsoa_2021.geojson")
    assert len(lsoas) == 78
    assert lsoas.crs == BNG
    assert lsoas.area.sum() / 1e6 == pytest.approx(40.704, abs=0.01)


def test_read_neighbourhoods() -> None:
    frame = read_neighbourhoods(("n.csv", b"Ward,Neighbourhood\nAbbey , East\nCastle,West\n"))
    assert frame.to_dict("list") == {"ward": ["Abbey", "Castle"], "neighbourhood": ["East", "West"]}
    with pytest.raises(InputDataError, match="two neighbourhoods: Abbey"):
        read_neighbourhoods(("n.csv", b"ward,neighbourhood\nAbbey,East\nAbbey,West\n"))
    with pytest.raises(MissingColumnError, match="ward,neighbourhood"):
        read_neighbourhoods(("n.csv", b"ward,area\nAbbey,East\n"))


def test_points_keep_source_rows_for_messages(tmp_path: Path) -> None:
    path = tmp_path / "m-street.csv"
    path.write_bytes(_csv(ROW_NOLOC, ROW_A))
    load = read_crimes([path])
    assert load.points["source_row"].tolist() == [3]
    assert np.array_equal(load.without_location["source_row"].to_numpy(), [2])


def test_a_row_of_commas_is_skipped_with_a_note_by_both_readers() -> None:
    """Spreadsheets leave rows of commas where rows were deleted: no crime, not a bad Month."""
    commas = "," * (len(POLICE_UK_COLUMNS) - 1)
    data = _csv(ROW_A, commas, ROW_ASB, commas, ROW_NOLOC)
    note = "2025-01-f-street.csv: 2 blank rows (every cell empty) skipped."
    load = read_crimes([("2025-01-f-street.csv", data)])
    assert load.n_rows == 3  # every other row read, once, in its bucket
    assert (len(load.points), load.n_without_location) == (2, 1)
    assert note in load.notes
    assert load.points["source_row"].tolist() == [2, 4]  # rows keep their numbers in the file
    rows = read_street_file("2025-01-f-street.csv", data)  # the store's reader
    assert rows.status.tolist() == [0, 0, 1]
    assert rows.notes == (note,)  # kept with the file's partition
    one = read_crimes([("2025-01-g-street.csv", _csv(ROW_A, commas))])
    assert "2025-01-g-street.csv: 1 blank row (every cell empty) skipped." in one.notes


def test_a_row_without_a_month_says_the_month_is_blank() -> None:
    with pytest.raises(InputDataError, match=r"first: row 3, Month blank\)"):
        read_crimes([("upload.csv", _csv(ROW_A, ROW_A.replace("abc1,2025-01", "abc2,")))])


def test_the_same_file_given_twice_is_said_so() -> None:
    """An easy double drop on an uploader: not "a.csv is identical to a.csv"."""
    data = _csv(ROW_A, ROW_ASB)
    load = read_crimes([("2025-01-f-street.csv", data), ("2025-01-f-street.csv", data)])
    assert "2025-01-f-street.csv was given twice; read once (2 rows set aside)." in load.notes
    assert len(load.set_aside) == 2  # the copy counted once, in its own bucket
    assert len(load.points) == 2
