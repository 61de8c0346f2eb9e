"""
File writers: GeoPackage, GeoJSON, CSV, KML, GPX, zipped Shapefile and GeoTIFF.

Each writer takes frames already made safe for the audience (:func:`layers.export.export_layers`
does that) and writes one format with a well-kept library: GDAL through pyogrio and rasterio, the
standard library's CSV writer, gpxpy for GPX. KML is written by GDAL's KML driver, which escapes
text once for XML, so names and fields read back as the data; Google Earth's balloon (HTML)
shows only ``<description>``, an HTML table of the fields whose every text is HTML-escaped
first (:mod:`layers._kml_balloon`). GPX and GeoJSON are escaped by their XML and JSON writers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol, get_args

import gpxpy
import gpxpy.gpx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import rasterio
import shapely

from hotspots.kde import DENSITY_UNIT
from layers._kml_balloon import BALLOON_STYLE_ID, balloon, balloon_style, html_table, html_text
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import EmptyInputError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    from affine import Affine

    from layers.metadata import ExportMetadata


__all__ = [
    "DEFAULT_FORMATS",
    "EXPORT_FORMATS",
    "NODATA",
    "ExportFormat",
    "GeometryFormat",
    "Raster",
    "RasterLayer",
    "read_geojson_metadata",
    "write_csv",
    "write_geojson",
    "write_geotiff",
    "write_gpkg",
    "write_gpx",
    "write_kml",
    "write_shapefile_zip",
]

ExportFormat = Literal["gpkg", "geojson", "csv", "kml", "gpx", "shp", "tif"]
"""File formats patchmap writes."""
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)
"""Every format."""
DEFAULT_FORMATS: Final[tuple[ExportFormat, ...]] = ("gpkg", "geojson", "csv", "kml", "gpx", "tif")
"""Formats written into a folder when none are named (zipped Shapefile only when asked)."""
GeometryFormat = Literal["wkt", "lonlat"]
"""How CSV exports carry the geometry: a WKT column or ``lon``/``lat`` columns (points only)."""

NODATA: Final = -9999.0
"""The GeoTIFF nodata value (density is never negative)."""

_OGL_URL: Final = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
_DBF_NAME_MAX: Final = 10
_KML_NS: Final = "http://www.opengis.net/kml/2.2"


class Raster(Protocol):
    """A raster in British National Grid, such as :class:`hotspots.kde.DensitySurface`."""

    @property
    def values(self) -> npt.NDArray[np.float64]:
        """``(n_rows, n_cols)`` values, row 0 north."""

    @property
    def transform(self) -> Affine:
        """Affine transform (top-left corner, rasterio convention)."""

    @property
    def crs(self) -> str:
        """CRS of the raster (EPSG:27700)."""

    @property
    def cell_size_m(self) -> float:
        """Cell side in metres."""


@dataclass(frozen=True)
class RasterLayer:
    """
    A raster ready to export.

    Attributes
    ----------
    values
        ``(n_rows, n_cols)`` values, row 0 north; NaN where there is no data.
    transform
        Affine transform (top-left corner).
    cell_size_m
        Cell side in metres.
    unit
        Unit of the values (the band's unit in the GeoTIFF).
    description
        The band description.
    crs
        Always ``"EPSG:27700"``.
    """

    values: npt.NDArray[np.float64]
    transform: Affine
    cell_size_m: float
    unit: str = DENSITY_UNIT
    description: str = f"Kernel density of crimes ({DENSITY_UNIT})"
    crs: str = BNG


# --- writers --------------------------------------------------------------------------------


def _check_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    if not layers:
        msg = "Nothing to export: choose at least one layer."
        raise EmptyInputError(msg)
    for name, frame in layers.items():
        require_bng(frame, name=name)


def _for_file(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy whose columns every driver can write (periods and objects to text)."""
    out = frame.copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        series = out[column]
        if isinstance(series.dtype, pd.PeriodDtype):
            out[column] = series.astype(str)
        elif series.dtype == object:
            out[column] = series.astype("string")
    return out


def write_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, metadata: ExportMetadata
) -> Path:
    """
    Write several named layers into one GeoPackage in EPSG:27700.

    Parameters
    ----------
    layers
        Layer name to frame (EPSG:27700).
    path
        The ``.gpkg`` file; replaced if it exists.
    metadata
        Stored in each layer's metadata: ``DESCRIPTION`` (shown by QGIS) and
        ``PATCHMAP_METADATA`` (the JSON of :meth:`ExportMetadata.to_dict`).

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    EmptyInputError
        When ``layers`` is empty.
    CRSError
        When a layer is not in EPSG:27700.
    """
    _check_layers(layers)
    target = Path(path)
    target.unlink(missing_ok=True)
    record = json.dumps(metadata.to_dict(), ensure_ascii=False)
    for i, (name, frame) in enumerate(layers.items()):
        pyogrio.write_dataframe(
            _for_file(frame),
            target,
            layer=name,
            driver="GPKG",
            append=i > 0,
            layer_metadata={
                "DESCRIPTION": f"{metadata.title}: {name}",
                "PATCHMAP_METADATA": record,
            },
        )
    return target


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *, metadata: ExportMetadata) -> Path:
    """
    Write one layer as an RFC 7946 GeoJSON FeatureCollection in WGS84.

    Parameters
    ----------
    frame
        The layer (EPSG:27700); reprojected to WGS84 here, as the last step.
    path
        The ``.geojson`` file.
    metadata
        Stored as the ``metadata`` foreign member of the FeatureCollection (RFC 7946, 6.1).

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    CRSError
        When ``frame`` is not in EPSG:27700.
    """
    require_bng(frame, name="layer")
    target = Path(path)
    target.unlink(missing_ok=True)
    pyogrio.write_dataframe(
        _for_file(frame).to_crs(WGS84),
        target,
        driver="GeoJSON",
        layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
    )
    collection = json.loads(target.read_text(encoding="utf-8"))
    collection["metadata"] = metadata.to_dict()
    target.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return target


def read_geojson_metadata(path: str | Path) -> dict[str, object]:
    """
    Read the ``metadata`` member patchmap writes into its GeoJSON files.

    Parameters
    ----------
    path
        A GeoJSON file written by :func:`write_geojson`.

    Returns
    -------
    dict
        The metadata (empty when the file has none).
    """
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = collection.get("metadata", {})
    return dict(meta) if isinstance(meta, dict) else {}


def _sidecar(path: Path, metadata: ExportMetadata) -> Path:
    side = path.with_name(path.name + ".metadata.json")
    side.write_text(json.dumps(metadata.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return side


_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def _cell(value: object) -> str:
    """
    One CSV cell: empty for a missing value, text as it is unless a spreadsheet would run it.

    A text value that starts like a formula (``=HYPERLINK(...)`` typed into a tasking action,
    say) would be run by Excel or LibreOffice when a partner opens the file; it is written with a
    leading apostrophe, which spreadsheets show as the text itself. Numbers are never changed.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return str(value)


def write_csv(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    *,
    metadata: ExportMetadata,
    geometry_format: GeometryFormat = "wkt",
) -> tuple[Path, Path]:
    """
    Write one layer as a CSV table with WGS84 geometry, and its metadata beside it.

    Text that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``) is
    written with a leading apostrophe, so opening the file in Excel runs nothing.

    Parameters
    ----------
    frame
        The layer (EPSG:27700).
    path
        The ``.csv`` file.
    metadata
        Written to ``<path>.metadata.json`` (a CSV has nowhere to hold it).
    geometry_format
        ``"wkt"``: a ``wkt`` column (WGS84 longitude/latitude, as QGIS's delimited-text
        reader expects); ``"lonlat"``: ``lon`` and ``lat`` columns (points only).

    Returns
    -------
    tuple of pathlib.Path
        The CSV and its metadata file.

    Raises
    ------
    ParameterError
        When ``geometry_format`` is ``"lonlat"`` and the layer is not points.
    CRSError
        When ``frame`` is not in EPSG:27700.
    """
    require_bng(frame, name="layer")
    if geometry_format not in get_args(GeometryFormat):
        msg = f"geometry_format must be 'wkt' or 'lonlat'; found {geometry_format!r}."
        raise ParameterError(msg)
    wgs = _for_file(frame).to_crs(WGS84)
    geometry = wgs.geometry
    attributes = pd.DataFrame(wgs.drop(columns=wgs.geometry.name))
    if geometry_format == "lonlat":
        kinds = set(geometry.geom_type.dropna())
        if kinds - {"Point"}:
            msg = (
                f"lon/lat columns need points; this layer holds {', '.join(sorted(kinds))}. "
                "Use geometry_format='wkt' (or --csv-geometry wkt)."
            )
            raise ParameterError(msg)
        attributes["lon"] = geometry.x.round(7).to_numpy()
        attributes["lat"] = geometry.y.round(7).to_numpy()
    else:
        attributes["wkt"] = shapely.to_wkt(geometry.to_numpy(), rounding_precision=7)
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([str(c) for c in attributes.columns])
        for row in attributes.itertuples(index=False, name=None):
            writer.writerow([_cell(v) for v in row])
    return target, _sidecar(target, metadata)


def write_kml(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, metadata: ExportMetadata
) -> Path:
    """
    Write layers into one KML document (one folder per layer) for Google Earth.

    Parameters
    ----------
    layers
        Layer name to frame (EPSG:27700); reprojected to WGS84 here.
    path
        The ``.kml`` file; replaced if it exists.
    metadata
        The document's name and description.

    Notes
    -----
    Each layer is written by GDAL's KML driver, which escapes every text once at the XML level
    (``&`` as ``&amp;``, ``<`` as ``&lt;``) and uses no CDATA, so ``]]>`` is plain data; the
    layers' folders and schemas are then gathered into one document. Names and field values
    (``<name>``, ``<SimpleData>``) are text to KML readers and read back exactly as the data.

    Google Earth renders balloons as HTML and can substitute names and fields into them, so
    every feature (document, folders, placemarks) refers by ``<styleUrl>`` to one shared
    ``<Style>`` whose ``<BalloonStyle>`` shows only ``$[description]`` (a placemark's own
    ``<Style>``, which GDAL writes for lines and polygons, gets the same ``<BalloonStyle>``).
    Each placemark's ``<description>`` is an HTML table of the fields it carries (its name,
    a ``description`` column and its ``<SimpleData>``, as written), every name and value
    HTML-escaped once (see :mod:`layers._kml_balloon`), so markup shows as text and the table
    holds nothing the fields do not. The document's description is HTML-escaped the same way.
    GIS readers read ``description`` back as that table's HTML.

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    EmptyInputError
        When ``layers`` is empty.
    CRSError
        When a layer is not in EPSG:27700.
    """
    _check_layers(layers)
    ET.register_namespace("", _KML_NS)
    root = ET.Element(_kml_tag("kml"))
    document = ET.SubElement(root, _kml_tag("Document"), id="root_doc")
    ET.SubElement(document, _kml_tag("name")).text = metadata.title
    ET.SubElement(document, _kml_tag("description")).text = html_text(metadata.to_text())
    schemas: list[ET.Element] = []
    folders: list[tuple[ET.Element, list[str]]] = []
    for name, frame in layers.items():
        out = _for_file(frame)
        written = _kml_layer(out.to_crs(WGS84), name)
        columns = [str(c) for c in out.columns if c != out.geometry.name]
        schemas.extend(written.iterfind(f"{_kml_tag('Document')}/{_kml_tag('Schema')}"))
        folders.extend(
            (folder, columns)
            for folder in written.iterfind(f"{_kml_tag('Document')}/{_kml_tag('Folder')}")
        )
    used = {el.get("id") for tree in (*schemas, *(f for f, _ in folders)) for el in tree.iter()}
    style_id = BALLOON_STYLE_ID
    while style_id in used:
        style_id += "_"
    style_url = f"#{style_id}"
    _insert_after(document, _kml_tag("styleUrl"), style_url, after=("name", "description"))
    document.append(balloon_style(f"{{{_KML_NS}}}", style_id))
    for folder, columns in folders:
        _insert_after(folder, _kml_tag("styleUrl"), style_url, after=("name", "description"))
        for placemark in folder.iter(_kml_tag("Placemark")):
            _balloon_placemark(placemark, columns, style_url)
    document.extend(schemas + [f for f, _ in folders])
    target = Path(path)
    ET.ElementTree(root).write(target, encoding="UTF-8", xml_declaration=True)
    return target


def _kml_tag(name: str) -> str:
    """Return the qualified name of a KML 2.2 element."""
    return f"{{{_KML_NS}}}{name}"


def _kml_layer(frame: gpd.GeoDataFrame, name: str) -> ET.Element:
    """Write one WGS84 layer with GDAL's KML driver and return the file's root ``<kml>``."""
    buffer = io.BytesIO()
    pyogrio.write_dataframe(frame, buffer, layer=name, driver="KML")
    return ET.fromstring(buffer.getvalue())  # noqa: S314  # GDAL's own output, just written


def _insert_after(parent: ET.Element, tag: str, text: str, *, after: tuple[str, ...]) -> ET.Element:
    """
    Add a child ``tag`` holding ``text`` after the last child named in ``after``.

    KML orders a feature's children (name, ..., description, ..., styleUrl, Style, ...,
    ExtendedData, geometry); GDAL writes only ``<name>`` and ``<description>`` before
    ``<Style>``, so ``after`` lists what must come first.
    """
    firsts = {_kml_tag(t) for t in after}
    index = max((i + 1 for i, child in enumerate(parent) if child.tag in firsts), default=0)
    element = ET.Element(tag)
    element.text = text
    element.tail = parent[index - 1].tail if index else parent.text  # GDAL's indentation
    parent.insert(index, element)
    return element


def _balloon_placemark(placemark: ET.Element, columns: Sequence[str], style_url: str) -> None:
    """
    Give a placemark GDAL wrote an HTML table as ``<description>`` and the balloon style.

    The table lists what the placemark carries: ``<name>`` and ``<description>`` (GDAL writes
    the ``name`` and ``description`` columns, matched in any case, there) and each
    ``<SimpleData>``, under its column's name in the layer's column order, as written.
    """
    values: dict[str, str] = {}
    for tag in ("name", "description"):
        element = placemark.find(_kml_tag(tag))
        if element is not None:
            label = next((c for c in columns if c.lower() == tag), tag)
            values[label] = element.text or ""
            if tag == "description":
                placemark.remove(element)
    for data in placemark.iter(_kml_tag("SimpleData")):
        values.setdefault(data.get("name", ""), data.text or "")
    order = [c for c in columns if c in values] + [c for c in values if c not in columns]
    table = html_table((c, values[c]) for c in order)
    _insert_after(placemark, _kml_tag("description"), table, after=("name",))
    _insert_after(placemark, _kml_tag("styleUrl"), style_url, after=("name", "description"))
    for style in placemark.iterfind(_kml_tag("Style")):
        style.append(balloon(f"{{{_KML_NS}}}"))


def _lonlat(geometry: shapely.Geometry) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in shapely.get_coordinates(geometry)]


def write_gpx(
    routes: gpd.GeoDataFrame,
    path: str | Path,
    *,
    metadata: ExportMetadata,
    waypoints: gpd.GeoDataFrame | None = None,
    name_column: str = "name",
) -> Path:
    """
    Write routes as GPX 1.1 ``<rte>`` elements (and stops as ``<wpt>``) for phone GPS apps.

    Written with gpxpy, as :func:`layers.routes.route_to_gpx` (the walker's route sheet) is;
    this writer takes the audience-filtered route layers and carries the export's metadata.

    Parameters
    ----------
    routes
        LineStrings in EPSG:27700, one route each.
    path
        The ``.gpx`` file.
    metadata
        Written to the GPX ``<metadata>`` (name, description, licence, time).
    waypoints
        Points in EPSG:27700 (e.g. the route's stops), written as waypoints.
    name_column
        Column naming each route and waypoint (numbered when absent).

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    ParameterError
        When a route is not a LineString or a waypoint not a Point.
    CRSError
        When a frame is not in EPSG:27700.
    """
    require_bng(routes, name="routes")
    if waypoints is not None:
        require_bng(waypoints, name="waypoints")
    bad = sorted(set(routes.geometry.geom_type.dropna()) - {"LineString"})
    if bad or (waypoints is not None and set(waypoints.geometry.geom_type.dropna()) - {"Point"}):
        msg = f"GPX holds route lines and stop points; found {', '.join(bad) or 'non-points'}."
        raise ParameterError(msg)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "patchmap"
    gpx.name = metadata.title
    gpx.description = metadata.to_text()
    gpx.copyright_author = "; ".join(metadata.sources)
    gpx.copyright_license = _OGL_URL
    created = metadata.created_utc or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    gpx.time = dt.datetime.fromisoformat(created)
    if waypoints is not None:
        for i, (label, geom) in enumerate(
            zip(_names(waypoints, name_column), waypoints.to_crs(WGS84).geometry, strict=True)
        ):
            ((lon, lat),) = _lonlat(geom)
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(latitude=lat, longitude=lon, name=label or f"Stop {i + 1}")
            )
    for i, (label, geom) in enumerate(
        zip(_names(routes, name_column), routes.to_crs(WGS84).geometry, strict=True)
    ):
        route = gpxpy.gpx.GPXRoute(name=label or f"Route {i + 1}")
        route.points.extend(
            gpxpy.gpx.GPXRoutePoint(latitude=lat, longitude=lon) for lon, lat in _lonlat(geom)
        )
        gpx.routes.append(route)
    target = Path(path)
    target.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return target


def _names(frame: gpd.GeoDataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    return [_cell(v) for v in frame[column]]


def _short_names(columns: Sequence[str]) -> dict[str, str]:
    """Map each column to a distinct name of at most 10 characters (the dBase limit)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        cut = column[:_DBF_NAME_MAX]
        i = 1
        while cut.lower() in used:
            tail = f"_{i}"
            cut = column[: _DBF_NAME_MAX - len(tail)] + tail
            i += 1
        used.add(cut.lower())
        out[column] = cut
    return out


def write_shapefile_zip(
    layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, metadata: ExportMetadata
) -> Path:
    """
    Write layers as Shapefiles (EPSG:27700) inside one zip, with ``metadata.json``.

    Shapefile field names are cut to 10 characters (the dBase limit), kept distinct; the
    ``shapefile_field_names`` entry of ``metadata.json`` maps each full name to its cut name.
    Only written when asked for.

    Parameters
    ----------
    layers
        Layer name to frame (EPSG:27700).
    path
        The ``.zip`` file.
    metadata
        Written as ``metadata.json`` in the zip.

    Returns
    -------
    pathlib.Path
        The zip.

    Raises
    ------
    EmptyInputError
        When ``layers`` is empty.
    CRSError
        When a layer is not in EPSG:27700.
    """
    _check_layers(layers)
    target = Path(path)
    with tempfile.TemporaryDirectory(prefix="patchmap-shp-") as tmp:
        folder = Path(tmp)
        renamed: dict[str, dict[str, str]] = {}
        for name, frame in layers.items():
            short = _short_names([str(c) for c in frame.columns if c != frame.geometry.name])
            renamed[name] = {full: cut for full, cut in short.items() if full != cut}
            pyogrio.write_dataframe(
                _for_file(frame).rename(columns=short),
                folder / f"{name}.shp",
                driver="ESRI Shapefile",
                layer_options={"ENCODING": "UTF-8"},
            )
        record = metadata.to_dict()
        record["shapefile_field_names"] = {k: v for k, v in renamed.items() if v}
        (folder / "metadata.json").write_text(
            json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.iterdir()):
                archive.write(file, arcname=file.name)
    return target


def write_geotiff(raster: RasterLayer, path: str | Path, *, metadata: ExportMetadata) -> Path:
    """
    Write a raster as a single-band float32 GeoTIFF in EPSG:27700.

    Parameters
    ----------
    raster
        The raster (NaN where no data).
    path
        The ``.tif`` file.
    metadata
        Stored as dataset tags (``PATCHMAP_METADATA`` holds the JSON); the band gets
        ``raster.description`` and ``raster.unit``.

    Returns
    -------
    pathlib.Path
        The file, with nodata :data:`NODATA`.
    """
    values = np.where(np.isfinite(raster.values), raster.values, NODATA).astype(np.float32)
    target = Path(path)
    with rasterio.open(
        target,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs=BNG,
        transform=raster.transform,
        nodata=NODATA,
        compress="deflate",
    ) as dst:
        dst.write(values, 1)
        dst.set_band_description(1, raster.description)
        dst.set_band_unit(1, raster.unit)
        dst.update_tags(
            TIFFTAG_IMAGEDESCRIPTION=metadata.title,
            TIFFTAG_DATETIME=metadata.created_utc,
            PATCHMAP_METADATA=json.dumps(metadata.to_dict(), ensure_ascii=False),
        )
    return target
