"""
Boundary and site files as GIS tools and downloads make them (built from the real Cambridge wards).

Several layers in one file, a Shapefile in a sub-folder of a .zip, rings that are not closed:
each is read (with a note saying which layer) or refused with a message naming the file, the
layers or the feature, never a GEOS traceback and never the first layer chosen in silence.
"""

from __future__ import annotations

import json
import tempfile
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from boundaries.dataset import load_study_area
from spatial.errors import InputDataError, InvalidGeometryError, PatchmapWarning
from spatial.io import read_lsoa_load, read_lsoas, read_wards
from spatial.sites import read_points, read_sites
from tests._files import zip_of

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

CITY_MONTH = "2024-09-cambridgeshire-street.csv"


@pytest.fixture(scope="module")
def wards(cambridge_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(cambridge_dir / "wards.geojson")


@pytest.fixture(scope="module")
def expected(cambridge_dir: Path) -> gpd.GeoDataFrame:
    """The wards as read from the file the cases are made of."""
    return read_wards(cambridge_dir / "wards.geojson").wards


def _unclosed(path: Path, positions: list[int]) -> bytes:
    data = json.loads(path.read_bytes())
    for position in positions:
        geometry = data["features"][position]["geometry"]
        ring = geometry["coordinates"][0]
        ring = ring[0] if geometry["type"] == "MultiPolygon" else ring
        ring.pop()
    return json.dumps(data).encode()


def _shapefile(frame: gpd.GeoDataFrame, folder: Path, inside: str) -> dict[str, bytes]:
    """The files of ``frame`` written as the Shapefile ``inside`` (``a/b/x.shp``), by zip path."""
    written = folder / "written"
    (written / inside).parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(written / inside)
    return {p.relative_to(written).as_posix(): p.read_bytes() for p in written.rglob("*.*")}


# --------------------------------------------------------------------------------------------
# Rings that are not closed


def test_a_ring_not_closed_names_the_feature_and_the_fix(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    data = _unclosed(cambridge_dir / "wards.geojson", [3])
    expected_message = (
        "wards.geojson: the geometry of feature 4 (WD23CD 'E05013053', WD23NM 'Cherry Hinton') "
        "cannot be read: a ring is not closed (its last point is not its first). Fix the "
        "geometries in a GIS (QGIS: Vector > Geometry Tools > Fix Geometries, then save the "
        "result) or export the ward boundaries again from their source."
    )
    with pytest.raises(InvalidGeometryError) as uploaded:
        read_wards(("wards.geojson", data))
    assert str(uploaded.value) == expected_message
    path = tmp_path / "wards.geojson"
    path.write_bytes(data)
    with pytest.raises(InvalidGeometryError) as on_disk:
        read_wards(path)
    assert str(on_disk.value) == expected_message


def test_several_rings_not_closed_are_counted(cambridge_dir: Path) -> None:
    data = _unclosed(cambridge_dir / "wards.geojson", [3, 9])
    with pytest.raises(InvalidGeometryError, match=r"^wards.geojson: 2 of the 14 features have "):
        read_wards(("wards.geojson", data))
    with pytest.raises(InvalidGeometryError, match=r"\(first: feature 4 \(WD23CD 'E05013053'"):
        read_wards(("wards.geojson", data))


def test_a_ring_not_closed_inside_a_zip_names_the_file_in_it(cambridge_dir: Path) -> None:
    data = zip_of({"Wards/wards.geojson": _unclosed(cambridge_dir / "wards.geojson", [0])})
    with pytest.raises(
        InvalidGeometryError,
        match=r"^w.zip: the geometry of feature 1 \(WD23CD 'E05013050', WD23NM 'Abbey'\) of "
        r"'Wards/wards.geojson' cannot be read: a ring is not closed",
    ):
        read_wards(("w.zip", data))


def test_lsoa_and_site_files_name_a_ring_not_closed(
    cambridge_dir: Path, wards: gpd.GeoDataFrame
) -> None:
    lsoas = _unclosed(cambridge_dir / "boundaries" / "lsoa_2021.geojson", [5])
    with pytest.raises(InvalidGeometryError, match=r"feature 6 \(LSOA21CD 'E01017\d+', LSOA21NM"):
        read_lsoas(("lsoas.geojson", lsoas))
    sites = json.loads(wards.rename(columns={"WD23NM": "name"}).assign(kind="police").to_json())
    sites["features"][2]["geometry"]["coordinates"][0].pop()
    with pytest.raises(InvalidGeometryError, match=r"^sites.geojson: the geometry of feature 3"):
        read_sites(("sites.geojson", json.dumps(sites).encode()))


# --------------------------------------------------------------------------------------------
# Several layers in one file


def test_two_ward_vintages_in_one_geopackage_are_refused_by_name(
    wards: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "wards.gpkg"
    wards.assign(WD23NM=wards["WD23NM"] + " (2013)").to_file(path, layer="wards_2013")
    wards.to_file(path, layer="wards_2023")
    with pytest.raises(InputDataError) as refused:
        read_wards(path)
    message = str(refused.value)
    assert message.startswith(
        "wards.gpkg: holds 2 layers ('wards_2013' (polygons), 'wards_2023' (polygons)): 2 hold "
        "polygons, and patchmap will not guess which are the ward boundaries."
    )
    assert "QGIS: right-click the layer > Export > Save Features As..." in message
    with pytest.raises(InputDataError, match="holds 2 layers"):  # the same as an upload
        read_wards(("wards.gpkg", path.read_bytes()))


def test_the_only_polygon_layer_is_read_with_a_note(
    wards: gpd.GeoDataFrame, expected: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "wards.gpkg"
    wards.set_geometry(wards.representative_point()).to_file(path, layer="stations")
    gpd.GeoDataFrame(geometry=wards.boundary, crs=wards.crs).to_file(path, layer="edges")
    wards.to_file(path, layer="wards_2023")
    load = read_wards(path)
    assert_geodataframe_equal(load.wards, expected, check_less_precise=True)
    assert load.notes[0] == (
        "wards.gpkg holds 3 layers ('stations' (points), 'edges' (lines), 'wards_2023' "
        "(polygons)); the only layer of polygons, 'wards_2023', was read as the ward boundaries."
    )


def test_a_layer_gdal_cannot_type_is_typed_by_its_features(
    wards: gpd.GeoDataFrame, expected: gpd.GeoDataFrame
) -> None:
    parts = shapely.get_parts(wards.geometry.to_numpy())  # the wards are single polygons
    multi = [shapely.multipolygons([p]) if i else p for i, p in enumerate(parts)]
    mixed = wards.set_geometry(multi)  # Polygon and MultiPolygons: GDAL says Unknown
    points = wards.set_geometry(wards.representative_point())
    data = zip_of(
        {
            "a/stations.geojson": points.to_json().encode(),
            "b/wards.geojson": mixed.to_json().encode(),
        }
    )
    load = read_wards(("w.zip", data))
    assert load.notes[0].endswith(
        "('a/stations.geojson' (points), 'b/wards.geojson' (polygons)); the only layer of "
        "polygons, 'b/wards.geojson', was read as the ward boundaries."
    )
    assert list(load.wards["ward_name"]) == list(expected["ward_name"])


def test_qgis_styles_beside_the_wards_are_not_a_layer(
    wards: gpd.GeoDataFrame, expected: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "wards.gpkg"
    wards.to_file(path, layer="wards_2023")
    styles = pd.DataFrame({"f_table_name": ["wards_2023"], "styleQML": ["<qgis/>"]})
    pyogrio.write_dataframe(styles, path, layer="layer_styles")
    load = read_wards(("wards.gpkg", path.read_bytes()))
    assert load.notes == read_wards(path).notes
    assert not any("layer" in n for n in load.notes)
    assert_geodataframe_equal(load.wards, expected, check_less_precise=True)


def test_lsoa_vintages_are_refused_and_the_only_polygons_noted_in_the_area(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    folder = cambridge_dir / "boundaries"
    lsoas = gpd.read_file(folder / "lsoa_2021.geojson")
    both = tmp_path / "both.gpkg"
    gpd.read_file(folder / "lsoa_2011.geojson").to_file(both, layer="lsoa_2011")
    lsoas.to_file(both, layer="lsoa_2021")
    with pytest.raises(InputDataError, match=r"'lsoa_2011' \(polygons\), 'lsoa_2021' \(polygons\)"):
        read_lsoas(both)
    one = tmp_path / "one.gpkg"
    lsoas.set_geometry(lsoas.representative_point()).to_file(one, layer="centroids")
    lsoas.to_file(one, layer="lsoa_2021")
    load = read_lsoa_load(one)
    assert len(load.lsoas) == 78
    note = (
        "one.gpkg holds 2 layers ('centroids' (points), 'lsoa_2021' (polygons)); the only layer "
        "of polygons, 'lsoa_2021', was read as the LSOA boundaries."
    )
    assert load.notes == (note,)
    area = load_study_area(
        [cambridge_dir / "crimes" / CITY_MONTH], cambridge_dir / "wards.geojson", lsoas=one
    )
    assert area.notes[-1] == note
    assert area.lsoas is not None
    assert len(area.lsoas) == 78


def test_a_site_file_of_two_point_layers_is_refused(
    wards: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "sites.gpkg"
    sites = wards.set_geometry(wards.representative_point()).rename(columns={"WD23NM": "name"})
    sites.iloc[:3].to_file(path, layer="sites_2023")
    sites.to_file(path, layer="sites_2024")
    with pytest.raises(
        InputDataError, match=r"^sites.gpkg: holds 2 layers \('sites_2023' \(points\)"
    ):
        read_points(path, what="co-location sites")


# --------------------------------------------------------------------------------------------
# Boundary files inside a .zip, at any depth


def test_a_shapefile_deep_in_a_zip_is_read_as_at_its_root(
    wards: gpd.GeoDataFrame, expected: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    nested = _shapefile(wards, tmp_path / "n", "Wards_Dec_2023/data/wards.shp")
    nested["__MACOSX/Wards_Dec_2023/data/._wards.shp"] = b"\x00\x05\x16\x07"
    flat = _shapefile(wards, tmp_path / "f", "wards.shp")
    from_nested = read_wards(("Wards_Dec_2023.zip", zip_of(nested)))
    from_flat = read_wards(("wards.zip", zip_of(flat)))
    assert_geodataframe_equal(from_nested.wards, from_flat.wards)
    assert_geodataframe_equal(from_nested.wards, expected, check_less_precise=True)
    assert from_nested.notes == from_flat.notes
    path = tmp_path / "Wards_Dec_2023.zip"
    path.write_bytes(zip_of(nested))
    assert_geodataframe_equal(read_wards(path).wards, from_nested.wards)


def test_two_shapefiles_in_a_zip_are_refused_naming_their_paths(
    wards: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    moved = wards.set_geometry(wards.geometry.translate(0.002, 0.0))  # another vintage's shapes
    files = {
        **_shapefile(moved, tmp_path / "a", "2013/wards.shp"),
        **_shapefile(wards, tmp_path / "b", "2023/wards.shp"),
    }
    with pytest.raises(
        InputDataError,
        match=r"^w.zip: holds 2 layers \('2013/wards.shp' \(polygons\), '2023/wards.shp' "
        r"\(polygons\)\).*\(or zip that Shapefile's files alone\)\.$",
    ):
        read_wards(("w.zip", zip_of(files)))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"readme.txt": b"x", "licence.pdf": b"%PDF"}, "it holds readme.txt, licence.pdf"),
        (
            {"2024-09/2024-09-cambridgeshire-street.csv": b"Crime ID,Month\n"},
            "They are data.police.uk crime files: give the .zip as the crimes, not as the ward",
        ),
        (
            {"wards/wards.shp": b"x", "wards/wards.shx": b"x"},
            "wards/wards.shp comes without its .dbf",
        ),
    ],
)
def test_a_zip_without_a_readable_boundary_file_says_what_it_holds(
    members: dict[str, bytes], message: str
) -> None:
    with pytest.raises(InputDataError, match=message.replace(".", r"\.").replace("(", r"\(")):
        read_wards(("w.zip", zip_of(members)))


def test_a_damaged_zip_is_refused(wards: gpd.GeoDataFrame, tmp_path: Path) -> None:
    data = zip_of(_shapefile(wards, tmp_path, "wards.shp"))
    with pytest.raises(InputDataError, match=r"the \.zip does not open: damaged, or cut off"):
        read_wards(("wards.zip", data[: len(data) // 2]))


def test_a_geopackage_holding_a_table_alone_is_refused_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "table.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"ward": ["Abbey"], "n": [1]}), path, layer="counts")
    with pytest.raises(InputDataError, match=r"^table.gpkg: holds no geometries. It is a table"):
        read_wards(path)


def test_an_upload_leaves_no_file_behind(
    wards: gpd.GeoDataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    read_wards(("w.zip", zip_of(_shapefile(wards, tmp_path, "x/wards.shp"))))
    with pytest.raises(InputDataError):
        read_wards(("w.geojson", b"\x89PNG\r\n\x1a\n"))
    assert list(scratch.iterdir()) == []


def test_the_same_wards_in_two_formats_are_read_once_but_not_two_vintages_alike(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    """A bundle's Shapefile and GeoJSON are one ward file; the names on moved shapes are not."""
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    bundle = _shapefile(wards.to_crs("EPSG:27700"), tmp_path / "a", "wards")
    bundle["wards.geojson"] = wards.to_json().encode()
    load = read_wards(("bundle.zip", zip_of(bundle)))
    assert len(load.wards) == 14
    assert "bundle.zip holds the same ward boundaries in 2 formats" in " ".join(load.notes)
    moved = wards.set_geometry(wards.geometry.translate(0.002, 0.0))  # about 140 m east
    vintages = _shapefile(wards.to_crs("EPSG:27700"), tmp_path / "b", "wards")
    vintages["old.geojson"] = moved.to_json().encode()
    with pytest.raises(InputDataError, match="2 hold polygons, and patchmap will not guess"):
        read_wards(("vintages.zip", zip_of(vintages)))


def test_the_same_wards_in_two_formats_are_each_read_once(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comparing the two formats reads both; the Shapefile chosen is not read a second time."""
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    bundle = _shapefile(wards.to_crs("EPSG:27700"), tmp_path, "wards")
    bundle["wards.geojson"] = wards.to_json().encode()
    reads: list[str] = []
    read_file = gpd.read_file

    def counted(path: str, *, layer: str) -> gpd.GeoDataFrame:
        reads.append(str(path).rsplit("/", 1)[-1])
        return read_file(path, layer=layer)

    monkeypatch.setattr(gpd, "read_file", counted)
    load = read_wards(("bundle.zip", zip_of(bundle)))
    assert sorted(reads) == ["wards.geojson", "wards.shp"]
    assert "'wards/wards.shp' was read" in " ".join(load.notes)
    assert load.wards["ward_name"].tolist() == wards["WD23NM"].tolist()


def test_a_repaired_lsoa_is_noted_in_the_area(cambridge_dir: Path, tmp_path: Path) -> None:
    lsoas = gpd.read_file(cambridge_dir / "boundaries" / "lsoa_2021.geojson")
    geoms = lsoas.geometry.to_numpy().copy()
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(geoms[0])[0]))
    quarter = len(ring) // 4
    ring[[quarter, 3 * quarter]] = ring[[3 * quarter, quarter]]  # the ring crosses itself
    geoms[0] = shapely.Polygon(ring)
    lsoas = lsoas.set_geometry(geoms, crs=lsoas.crs)
    path = tmp_path / "lsoas.geojson"
    lsoas.to_file(path)
    code = str(lsoas.loc[0, "LSOA21CD"])
    with pytest.warns(PatchmapWarning, match="repaired 1 invalid"):
        load = read_lsoa_load(path)
    assert load.lsoas.geometry.is_valid.all()
    assert len(load.notes) == 1
    assert load.notes[0].startswith(
        f"lsoas.geojson: repaired 1 invalid geometries with make_valid: {code} (self-intersection"
    )
    with pytest.warns(PatchmapWarning, match="repaired 1 invalid"):
        area = load_study_area(
            [cambridge_dir / "crimes" / CITY_MONTH], cambridge_dir / "wards.geojson", lsoas=path
        )
    assert load.notes[0] in area.notes  # shown with the area's other notes, app and CLI alike


def test_a_folder_given_as_the_ward_file_names_the_files_it_holds(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cambridge"
    folder.mkdir()
    (folder / "wards.geojson").write_bytes((cambridge_dir / "wards.geojson").read_bytes())
    (folder / "notes.txt").write_text("not a boundary file")
    with pytest.raises(InputDataError) as raised:
        read_wards(folder)
    assert str(raised.value).startswith(
        "cambridge: this is a folder, not ward boundaries: give the file itself. "
        "It holds wards.geojson."
    )
    assert len(read_wards(folder / "wards.geojson").wards) == 14
