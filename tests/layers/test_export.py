from __future__ import annotations

import html
import io
import json
import zipfile
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from shapely import LineString, Point, box

from boundaries.select import Selection
from hotspots.kde import DENSITY_UNIT
from layers.audience import get_preset
from layers.export import Layer, analysis_layers, downloads, export_layers, prepare_density
from layers.metadata import LICENCE_DEMO, ExportMetadata
from layers.writers import (
    NODATA,
    RasterLayer,
    read_geojson_metadata,
    write_csv,
    write_geojson,
    write_geotiff,
    write_gpkg,
    write_gpx,
    write_kml,
    write_shapefile_zip,
)
from patchmap.cli import main
from spatial.crs import BNG, WGS84
from spatial.errors import CRSError, EmptyInputError, ParameterError
from tasking.products import export_analyses

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea

# GeoJSON, CSV, KML and GPX hold WGS84 with 7 decimals (about 1 cm); the round trip through
# longitude/latitude and back to BNG must land within 5 cm.
TOLERANCE_M = 0.05

META = ExportMetadata(
    title="patchmap export: test & <town>",
    area="Test town: Abbey",
    audience="police",
    min_count=None,
    period=("2025-01", "2025-06"),
    filters={"wards": "Abbey"},
    methods={"hotspots": {"method": "Getis-Ord Gi*", "cell_size_m": "100 (automatic)"}},
    created_utc="2026-01-02T03:04:05+00:00",
)


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "location": ["On or near A", "On or near B & C", "<script>x</script>"],
            "n_crimes": pd.array([12, 7, 30], dtype="Int64"),
            "share": [0.25, 0.5, 0.125],
        },
        geometry=[Point(545_012.5, 258_010.25), Point(545_500, 258_400), Point(546_000, 258_900)],
        crs=BNG,
    )


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "cell_id": [0, 1],
            "n_crimes": pd.array([4, 20], dtype="Int64"),
            "hotspot": ["Not significant", "Hot 99%"],
            "significant": [False, True],
        },
        geometry=[box(545_000, 258_000, 545_100, 258_100), box(545_100, 258_000, 545_200, 258_100)],
        crs=BNG,
    )


@pytest.fixture
def route() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["EVA loop"], "length_m": [840.0]},
        geometry=[LineString([(545_000, 258_000), (545_300, 258_000), (545_300, 258_400)])],
        crs=BNG,
    )


def _assert_same_geometry(found: gpd.GeoSeries, expected: gpd.GeoSeries, tol_m: float) -> None:
    assert len(found) == len(expected)
    assert found.crs is not None
    back = found.to_crs(BNG).reset_index(drop=True)
    for a, b in zip(back, expected.reset_index(drop=True), strict=True):
        assert a.geom_type == b.geom_type
        assert shapely.hausdorff_distance(a, b) <= tol_m


def test_gpkg_round_trips_several_named_layers_in_bng(
    tmp_path: Path, points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    path = write_gpkg({"crimes": points, "hotspots": cells}, tmp_path / "x.gpkg", metadata=META)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["crimes", "hotspots"]
    back = gpd.read_file(path, layer="hotspots")
    assert back.crs == BNG
    assert back.geometry.geom_equals_exact(cells.geometry, tolerance=1e-9).all()
    assert back["n_crimes"].tolist() == [4, 20]
    assert back["hotspot"].tolist() == ["Not significant", "Hot 99%"]
    assert back["significant"].tolist() == [False, True]
    crimes = gpd.read_file(path, layer="crimes")
    assert crimes["location"].tolist() == points["location"].tolist()
    assert crimes.geometry.geom_equals_exact(points.geometry, tolerance=1e-9).all()
    info = pyogrio.read_info(path, layer="crimes")
    assert info["layer_metadata"]["DESCRIPTION"] == f"{META.title}: crimes"
    meta = json.loads(info["layer_metadata"]["PATCHMAP_METADATA"])
    assert meta["period"] == ["2025-01", "2025-06"]
    assert meta["methods"]["hotspots"]["cell_size_m"] == "100 (automatic)"


def test_geojson_is_rfc7946_wgs84_and_round_trips(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = write_geojson(points, tmp_path / "x.geojson", metadata=META)
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in collection  # RFC 7946: always WGS84 longitude/latitude
    lon, lat = collection["features"][0]["geometry"]["coordinates"]
    assert 0.0 < lon < 1.0
    assert 52.0 < lat < 53.0
    back = gpd.read_file(path)
    assert back.crs == WGS84
    _assert_same_geometry(back.geometry, points.geometry, TOLERANCE_M)
    assert back["n_crimes"].tolist() == [12, 7, 30]
    assert back["share"].tolist() == [0.25, 0.5, 0.125]
    assert back["location"].tolist() == points["location"].tolist()
    assert read_geojson_metadata(path)["title"] == META.title


@pytest.mark.parametrize("geometry_format", ["wkt", "lonlat"])
def test_csv_round_trips_with_wkt_or_lonlat(
    tmp_path: Path, points: gpd.GeoDataFrame, geometry_format: str
) -> None:
    csv_path, meta_path = write_csv(
        points,
        tmp_path / "x.csv",
        metadata=META,
        geometry_format=geometry_format,  # type: ignore[arg-type]  # both literals
    )
    table = pd.read_csv(csv_path)
    if geometry_format == "wkt":
        geometry = gpd.GeoSeries.from_wkt(table["wkt"], crs=WGS84)
    else:
        geometry = gpd.GeoSeries.from_xy(table["lon"], table["lat"], crs=WGS84)
    _assert_same_geometry(geometry, points.geometry, TOLERANCE_M)
    assert table["n_crimes"].tolist() == [12, 7, 30]
    assert table["location"].tolist() == points["location"].tolist()
    assert json.loads(meta_path.read_text(encoding="utf-8"))["area"] == "Test town: Abbey"


def test_csv_lonlat_refuses_polygons(tmp_path: Path, cells: gpd.GeoDataFrame) -> None:
    with pytest.raises(
        ParameterError, match="lon/lat columns need points; this layer holds Polygon"
    ):
        write_csv(cells, tmp_path / "x.csv", metadata=META, geometry_format="lonlat")


def test_kml_round_trips_layers_as_folders(
    tmp_path: Path, points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, route: gpd.GeoDataFrame
) -> None:
    path = write_kml(
        {"crimes": points, "hotspots": cells, "routes": route}, tmp_path / "x.kml", metadata=META
    )
    assert [name for name, _ in pyogrio.list_layers(path)] == ["crimes", "hotspots", "routes"]
    for name, frame in {"crimes": points, "hotspots": cells, "routes": route}.items():
        back = pyogrio.read_dataframe(path, layer=name)
        assert back.crs == WGS84
        _assert_same_geometry(back.geometry, frame.geometry, TOLERANCE_M)
    crimes = pyogrio.read_dataframe(path, layer="crimes")
    assert crimes["n_crimes"].astype(int).tolist() == [12, 7, 30]
    root = ET.parse(path).getroot()  # noqa: S314  # our own file
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    description = root.findtext("k:Document/k:description", namespaces=ns)
    assert description is not None
    assert "Area: Test town: Abbey" in description
    # field values are text, escaped once for XML: they parse and read back as the data
    data = root.findall(".//k:SimpleData[@name='location']", namespaces=ns)
    assert [d.text for d in data] == points["location"].tolist()
    assert crimes["location"].tolist() == points["location"].tolist()
    # the document description is rendered as HTML: escaped once for HTML, as text
    assert html.unescape(description).startswith(META.title)


KML_TEXTS = [
    "Smith & Sons",
    "<script>alert(1)</script>",
    "]]>",
    "a ]]> b <![CDATA[ c",
    "\"quoted\" and 'single'",
    "Café Crème, Żabka, 東京",
    "&amp; already &lt;escaped&gt;",
]


def test_kml_text_reads_back_exactly_and_never_as_markup(tmp_path: Path) -> None:
    n = len(KML_TEXTS)
    frame = gpd.GeoDataFrame(
        {"name": KML_TEXTS, "location": KML_TEXTS, "n_crimes": pd.array(range(n), dtype="Int64")},
        geometry=[Point(545_000 + 10 * i, 258_000) for i in range(n)],
        crs=BNG,
    )
    hostile_meta = ExportMetadata(
        title="Smith & Sons <script>alert(1)</script> ]]> Café",
        area="<script>alert(2)</script> ]]> & Café",
        audience="police",
        min_count=None,
        period=("2025-01", "2025-06"),
        filters={"wards": "Abbey & <b>Castle</b>"},
        methods={},
        created_utc="2026-01-02T03:04:05+00:00",
    )
    path = write_kml(
        {"sites": frame, "crimes": frame.drop(columns="name")},
        tmp_path / "x.kml",
        metadata=hostile_meta,
    )
    for layer in ("sites", "crimes"):
        back = gpd.read_file(path, layer=layer)
        assert back["location"].tolist() == KML_TEXTS
        assert back["n_crimes"].astype(int).tolist() == list(range(n))
    # a ``name`` column labels the placemarks; GDAL reads it back as ``Name``
    assert pyogrio.read_dataframe(path, layer="sites")["Name"].tolist() == KML_TEXTS
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # noqa: S314  # our own file: must be well-formed XML
    assert "<script" not in text.lower()  # markup only ever as escaped text
    assert "<![CDATA[" not in text  # no CDATA sections at all: "]]>" is plain data
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert root.findtext("k:Document/k:name", namespaces=ns) == hostile_meta.title
    # Google Earth renders <description> as HTML: its text is HTML-escaped once, so the
    # markup shows as typed and nothing in it is a tag
    description = root.findtext("k:Document/k:description", namespaces=ns)
    assert description is not None
    assert "<" not in description
    assert html.unescape(description) == hostile_meta.to_text()
    data = root.findall(".//k:SimpleData[@name='location']", namespaces=ns)
    assert [d.text for d in data] == KML_TEXTS * 2


def test_kml_description_field_is_html_escaped_once(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"description": ["<b>Smith & Sons</b>"], "ward": ["<b>Abbey</b>"]},
        geometry=[Point(545_000, 258_000)],
        crs=BNG,
    )
    path = write_kml({"notes": frame}, tmp_path / "x.kml", metadata=META)
    root = ET.parse(path).getroot()  # noqa: S314  # our own file
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    # the balloon's table: the description column and the other fields, HTML-escaped once
    assert root.findtext(".//k:Placemark/k:description", namespaces=ns) == (
        "<table><tr><th>description</th><td>&lt;b&gt;Smith &amp; Sons&lt;/b&gt;</td></tr>"
        "<tr><th>ward</th><td>&lt;b&gt;Abbey&lt;/b&gt;</td></tr></table>"
    )
    assert root.findtext(".//k:SimpleData[@name='ward']", namespaces=ns) == "<b>Abbey</b>"
    assert frame["description"].tolist() == ["<b>Smith & Sons</b>"]  # the argument is kept


def test_gpx_round_trips_routes_and_stops(tmp_path: Path, route: gpd.GeoDataFrame) -> None:
    stops = gpd.GeoDataFrame(
        {"name": ["Stop 1: Market Square"]}, geometry=[Point(545_300, 258_000)], crs=BNG
    )
    path = write_gpx(route, tmp_path / "x.gpx", metadata=META, waypoints=stops)
    back = pyogrio.read_dataframe(path, layer="routes")
    _assert_same_geometry(back.geometry, route.geometry, TOLERANCE_M)
    assert back["name"].tolist() == ["EVA loop"]
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    _assert_same_geometry(waypoints.geometry, stops.geometry, TOLERANCE_M)
    assert waypoints["name"].tolist() == ["Stop 1: Market Square"]
    with path.open(encoding="utf-8") as handle:
        parsed = gpxpy.parse(handle)
    assert parsed.name == META.title
    assert parsed.description is not None
    assert "Period: 2025-01 to 2025-06" in parsed.description


def test_gpx_refuses_polygons(tmp_path: Path, cells: gpd.GeoDataFrame) -> None:
    with pytest.raises(
        ParameterError, match="GPX holds route lines and stop points; found Polygon"
    ):
        write_gpx(cells, tmp_path / "x.gpx", metadata=META)


def test_zipped_shapefile_round_trips_with_cut_field_names(
    tmp_path: Path, points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    wide = points.assign(significant_hotspot=[True, False, True], significant_flag=[1, 2, 3])
    path = write_shapefile_zip(
        {"crimes": wide, "hotspots": cells}, tmp_path / "x.zip", metadata=META
    )
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        meta = json.loads(archive.read("metadata.json"))
    assert {"crimes.shp", "crimes.prj", "crimes.dbf", "hotspots.shp", "metadata.json"} <= names
    cut = meta["shapefile_field_names"]["crimes"]
    assert cut == {"significant_hotspot": "significan", "significant_flag": "signific_1"}
    back = gpd.read_file(f"zip://{path}!crimes.shp")
    assert back.crs == BNG
    assert back.geometry.geom_equals_exact(points.geometry, tolerance=1e-6).all()
    assert back["signific_1"].tolist() == [1, 2, 3]
    assert back["location"].tolist() == points["location"].tolist()


def test_geotiff_round_trips_values_crs_nodata_and_unit(tmp_path: Path) -> None:
    values = np.array([[1.5, 2.0, np.nan], [0.0, 10.25, 3.0]])
    transform = Affine(50.0, 0.0, 545_000.0, 0.0, -50.0, 258_100.0)
    path = write_geotiff(RasterLayer(values, transform, 50.0), tmp_path / "d.tif", metadata=META)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 27700
        assert src.transform == transform
        assert src.nodata == NODATA
        assert src.descriptions == (f"Kernel density of crimes ({DENSITY_UNIT})",)
        assert src.units == (DENSITY_UNIT,)
        band = src.read(1, masked=True)
        tags = src.tags()
    assert band.mask.tolist() == [[False, False, True], [False, False, False]]
    np.testing.assert_allclose(band.filled(np.nan), values, equal_nan=True)
    assert json.loads(tags["PATCHMAP_METADATA"])["title"] == META.title


def test_public_density_is_coarsened_and_keeps_its_integral() -> None:
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 50.0, size=(9, 11))
    raster = RasterLayer(values, Affine(50.0, 0.0, 545_000.0, 0.0, -50.0, 258_450.0), 50.0)
    coarse = prepare_density(raster, get_preset("public"))
    assert coarse.cell_size_m == 250.0
    grid = coarse.values  # noqa: PD011 - RasterLayer.values is a numpy array, not pandas
    assert grid.shape == (2, 3)
    # density x cell area: the number of crimes is the same on both rasters
    assert grid.sum() * 250.0**2 == pytest.approx(values.sum() * 50.0**2)
    assert coarse.transform == Affine(250.0, 0.0, 545_000.0, 0.0, -250.0, 258_450.0)
    assert grid[0, 0] == pytest.approx(values[:5, :5].mean())
    partner = prepare_density(raster, get_preset("partner"))  # 100 m: blocks of 2 x 2
    assert partner.cell_size_m == 100.0
    assert partner.values.shape == (5, 6)  # noqa: PD011 - a numpy array, not pandas
    assert partner.values.sum() * 100.0**2 == pytest.approx(values.sum() * 50.0**2)  # noqa: PD011
    police = prepare_density(raster, get_preset("police"))
    np.testing.assert_array_equal(police.values, values)


def test_writers_refuse_wgs84_and_empty_input(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="EPSG:4326"):
        write_geojson(points.to_crs(WGS84), tmp_path / "x.geojson", metadata=META)
    with pytest.raises(EmptyInputError, match="Nothing to export"):
        write_gpkg({}, tmp_path / "x.gpkg", metadata=META)


def test_single_file_export_needs_a_format_that_holds_the_layers(
    tmp_path: Path, points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    layers = [Layer("streets", "crimes", points), Layer("hotspots", "hotspots", cells)]
    with pytest.raises(ParameterError, match="A geojson file holds one layer; 2 were chosen"):
        export_layers(layers, tmp_path / "x.geojson", metadata=META, audience="police")
    with pytest.raises(ParameterError, match=r"Unknown export file type '\.docx'"):
        export_layers(layers, tmp_path / "x.docx", metadata=META, audience="police")
    with pytest.raises(
        ParameterError, match=r"GPX holds routes.*\(--layers routes; app: Layers, EVA route and"
    ):
        export_layers(layers, tmp_path / "x.gpx", metadata=META, audience="police")
    with pytest.raises(
        ParameterError, match=r"\(--layers density; app: Layers, Density \(raster\)\)\.$"
    ):
        export_layers(layers, tmp_path / "x.tif", metadata=META, audience="police")


# --- the demo town, end to end ------------------------------------------------------------


def test_partner_folder_export_of_the_demo_carries_metadata_and_no_crime_ids(
    tmp_path: Path, demo_area: StudyArea
) -> None:
    ward = demo_area.ward_names[0]
    selection = Selection(wards=(ward,))
    analyses = export_analyses(
        demo_area,
        selection,
        layers=["crimes", "hotspots", "clusters", "routes", "sites", "density"],
        min_cell_m=get_preset("partner").min_cell_m,
    )
    built = analysis_layers(analyses, audience="partner")
    result = export_layers(
        built.layers,
        tmp_path / "out",
        metadata=built.metadata,
        audience="partner",
        density=built.density,
        wards=demo_area.wards,
    )
    names = {p.name for p in result.paths}
    assert {
        "patchmap_partner.gpkg",
        "patchmap_partner.kml",
        "crimes.geojson",
        "hotspots.csv",
        "routes.gpx",
        "density.tif",
        "metadata.json",
    } <= names
    assert "patchmap_partner.zip" not in names  # Shapefile only when asked
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["audience"] == "partner"
    assert meta["min_count"] == 5
    assert meta["sources"] == [LICENCE_DEMO]
    assert meta["period"] == [demo_area.months[0], demo_area.months[-1]]
    assert {"hotspots", "clusters", "density", "routes"} <= set(meta["methods"])
    assert meta["fields"]["crimes"] == ["ward", "location", "n_crimes", "suppressed"]
    crimes = gpd.read_file(tmp_path / "out" / "patchmap_partner.gpkg", layer="crimes")
    assert "crime_id" not in crimes.columns
    assert "last_outcome" not in crimes.columns
    shown = crimes["n_crimes"].dropna()
    assert (shown >= 5).all()
    # every crime of the ward is in the street table: shown ones plus the suppressed rows
    n_ward = int((demo_area.points["ward"] == ward).sum())
    assert shown.sum() <= n_ward
    assert crimes["suppressed"].any() or shown.sum() == n_ward
    with rasterio.open(tmp_path / "out" / "density.tif") as src:
        band = src.read(1, masked=True)
        total = float(band.sum()) * src.res[0] * src.res[1] / 1e6
    assert total == pytest.approx(n_ward, rel=1e-3)  # density integrates to the crimes used
    with pytest.raises(ParameterError, match=r"public preset does not allow the routes layer\(s\)"):
        export_layers(built.layers, tmp_path / "pub", metadata=built.metadata, audience="public")


def test_cli_export_writes_the_partner_geopackage(tmp_path: Path, demo_area: StudyArea) -> None:
    ward = demo_area.ward_names[1]
    out = tmp_path / "nag.gpkg"
    code = main(
        ["export", "--demo", "--ward", ward, "--layers", "hotspots,sites", "--out", str(out)]
    )
    assert code == 0
    assert [name for name, _ in pyogrio.list_layers(out)] == ["hotspots", "sites"]
    hot = gpd.read_file(out, layer="hotspots")
    assert list(hot.columns) == [
        "cell_id",
        "n_crimes",
        "gi_bin",
        "hotspot",
        "significant",
        "suppressed",
        "geometry",
    ]
    assert (hot["n_crimes"].dropna() >= 5).all()


def test_cli_export_refuses_routes_for_the_public(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["export", "--demo", "--audience", "public", "--layers", "routes", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "public preset does not allow the routes layer" in capsys.readouterr().err


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text(
    tmp_path: Path, points: gpd.GeoDataFrame
) -> None:
    hostile = ['=HYPERLINK("http://x.test","open")', "+1+1", "@SUM(A1:A9)"]
    layer = points.assign(location=hostile, note=["-2+3", "\tTab", "On or near Market"])
    layer["change"] = [-1.5, 0.0, 2.0]
    csv_path, _ = write_csv(layer, tmp_path / "x.csv", metadata=META)
    table = pd.read_csv(csv_path, dtype={"location": str, "note": str})
    assert table["location"].tolist() == [f"'{v}" for v in hostile]
    assert table["note"].tolist() == ["'-2+3", "'\tTab", "On or near Market"]
    assert table["change"].tolist() == [-1.5, 0.0, 2.0]  # numbers are never changed
    assert table["n_crimes"].tolist() == [12, 7, 30]


def test_downloads_give_the_shapefile_and_everything_their_own_names(
    tmp_path: Path, cells: gpd.GeoDataFrame
) -> None:
    layers = [Layer("hotspots", "hotspots", cells)]
    folder = tmp_path / "out"
    result = export_layers(
        layers, folder, metadata=META, audience="partner", formats=["gpkg", "shp", "geojson"]
    )
    files = {d.key: d for d in downloads(result, folder, stem="patchmap_partner_x")}
    assert files["shp"].file_name == "patchmap_partner_x_shp.zip"
    assert files["all"].file_name == "patchmap_partner_x.zip"
    names = [d.file_name for d in files.values()]
    assert len(set(names)) == len(names)  # saving one never overwrites another
    with zipfile.ZipFile(io.BytesIO(files["shp"].data)) as archive:
        assert "hotspots.shp" in archive.namelist()


def test_a_geotiff_with_other_layers_chosen_is_refused_naming_them(
    tmp_path: Path, demo_area: StudyArea
) -> None:
    # the file held the raster alone while its metadata listed the other layers too
    analyses = export_analyses(
        demo_area,
        Selection(wards=(demo_area.ward_names[0],)),
        layers=["hotspots", "density"],
        min_cell_m=get_preset("partner").min_cell_m,
    )
    built = analysis_layers(analyses, audience="partner")
    with pytest.raises(ParameterError, match=r"^A GeoTIFF holds the density raster alone; 1 "):
        export_layers(
            built.layers, tmp_path / "x.tif", metadata=built.metadata, audience="partner",
            density=built.density,
        )  # fmt: skip
    assert not (tmp_path / "x.tif").exists()
