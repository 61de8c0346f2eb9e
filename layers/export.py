"""
Layer exports that open in the tools partners use, never carrying more than the audience may see.

Formats (each written with a well-kept library: GDAL through pyogrio and rasterio, or the
standard library's CSV writer, gpxpy for GPX):

========  ===========================================  ==========  ==============================
format    file                                         CRS         metadata carried
========  ===========================================  ==========  ==============================
gpkg      one GeoPackage, one named layer per layer    EPSG:27700  dataset metadata + layer
                                                                   descriptions
geojson   one RFC 7946 FeatureCollection per layer     WGS84       ``metadata`` foreign member
csv       one table per layer, WKT or lon/lat columns  WGS84       ``.metadata.json`` beside it
kml       one KML document, one folder per layer       WGS84       document description
gpx       routes (``<rte>``) and stops (``<wpt>``)     WGS84       ``<metadata>`` (gpxpy)
shp       zipped Shapefile, only when asked            EPSG:27700  ``metadata.json`` in the zip
tif       GeoTIFF of a density raster                  EPSG:27700  tags, band description, unit
========  ===========================================  ==========  ==============================

Every export is made through :func:`export_layers`, which passes each layer through the audience
preset (:func:`layers.audience.prepare_layer`) first: the preset picks the allow-list of fields,
aggregates crimes and blanks small counts; nothing else leaves. A ``metadata.json`` (or the
format's own metadata) records the method, parameters and automatic choices, the data period,
the filters, the source and licence attribution and the creation time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol, get_args

import geopandas as gpd
import gpxpy
import gpxpy.gpx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import rasterio
import shapely
from affine import Affine

from boundaries.select import Selection, select_points, select_wards
from hotspots.clusters import ClusterResult, dbscan_clusters
from hotspots.gistar import GiStarResult, gi_star
from hotspots.kde import DensitySurface, kernel_density
from layers.audience import (
    Audience,
    AudiencePreset,
    LayerKind,
    get_preset,
    prepare_layer,
)
from spatial.crs import BNG, BNG_EPSG, WGS84, require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import count_points, make_grid
from spatial.network import load_network
from spatial.routes import EvaRoute, plan_eva_route, stops_from_hotspots

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from shapely import Point

    from boundaries.dataset import StudyArea

__all__ = [
    "DEFAULT_FORMATS",
    "DENSITY_UNIT",
    "EXPORT_FORMATS",
    "LICENCE_DEMO",
    "LICENCE_ONS",
    "LICENCE_OSM",
    "LICENCE_POLICE",
    "NODATA",
    "AnalysisLayers",
    "ExportFormat",
    "ExportMetadata",
    "ExportResult",
    "GeometryFormat",
    "Layer",
    "Raster",
    "RasterLayer",
    "build_layers",
    "downloads",
    "export_layers",
    "prepare_density",
    "read_geojson_metadata",
    "route_frames",
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
DENSITY_UNIT: Final = "crimes per km2"
"""Unit of a density raster's band."""

LICENCE_POLICE: Final = (
    "Crime data: data.police.uk. Contains public sector information licensed under the Open "
    "Government Licence v3.0."
)
"""Attribution for police.uk street-level crime data (OGL v3)."""
LICENCE_ONS: Final = (
    "Boundaries: Office for National Statistics, licensed under the Open Government Licence "
    "v3.0. Contains OS data (c) Crown copyright and database right."
)
"""Attribution for ONS ward and LSOA boundaries (OGL v3)."""
LICENCE_OSM: Final = (
    "Streets and routes: (c) OpenStreetMap contributors, available under the Open Database "
    "Licence (ODbL) 1.0."
)
"""Attribution for anything derived from OpenStreetMap (ODbL 1.0)."""
LICENCE_DEMO: Final = "Synthetic demo data generated by patchmap; not real crimes or places."
"""Attribution for the generated demo town."""

_EXTENSIONS: Final[dict[str, ExportFormat]] = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".kml": "kml",
    ".gpx": "gpx",
    ".zip": "shp",
    ".tif": "tif",
    ".tiff": "tif",
}
_MULTI_LAYER: Final = frozenset({"gpkg", "kml", "shp"})
_OGL_URL: Final = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
_DBF_NAME_MAX: Final = 10


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


@dataclass(frozen=True)
class Layer:
    """
    One vector layer to export, at full detail (the audience preset is applied on export).

    Attributes
    ----------
    name
        Layer (and file) name, e.g. ``"hotspots"``.
    kind
        What it holds (decides the allow-list).
    frame
        The layer in EPSG:27700.
    """

    name: str
    kind: LayerKind
    frame: gpd.GeoDataFrame


@dataclass(frozen=True)
class ExportMetadata:
    """
    What an export says about itself.

    Attributes
    ----------
    title
        One line, e.g. ``"patchmap export: Market (partner)"``.
    area
        The data set and the wards or neighbourhood exported.
    audience
        The preset applied.
    min_count
        Counts below this were blanked (None: no suppression).
    period
        First and last month, ``YYYY-MM``, or None when unknown.
    filters
        The filters applied, as text.
    methods
        For each layer, its method, parameters and automatic choices, as text.
    fields
        For each layer, the fields that left (after the allow-list).
    sources
        Source and licence attribution lines.
    created_utc
        ISO 8601 creation time, UTC.
    """

    title: str
    area: str
    audience: Audience
    min_count: int | None
    period: tuple[str, str] | None
    filters: Mapping[str, str] = field(default_factory=dict)
    methods: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = (LICENCE_POLICE, LICENCE_ONS)
    created_utc: str = ""

    def to_dict(self) -> dict[str, object]:
        """
        Return the metadata as JSON-ready values.

        Returns
        -------
        dict
            One key per attribute.
        """
        return {
            "title": self.title,
            "area": self.area,
            "audience": self.audience,
            "min_count": self.min_count,
            "period": list(self.period) if self.period else None,
            "filters": dict(self.filters),
            "methods": {k: dict(v) for k, v in self.methods.items()},
            "fields": {k: list(v) for k, v in self.fields.items()},
            "sources": list(self.sources),
            "created_utc": self.created_utc,
        }

    def to_text(self) -> str:
        """
        Return the metadata as a few lines of plain text (for KML and GPX descriptions).

        Returns
        -------
        str
            Title, area, audience, period, filters, methods, sources and creation time.
        """
        period = f"{self.period[0]} to {self.period[1]}" if self.period else "unknown"
        suppression = (
            "no suppression"
            if self.min_count is None
            else f"counts below {self.min_count} suppressed"
        )
        lines = [
            self.title,
            f"Area: {self.area}",
            f"Audience: {self.audience} ({suppression})",
            f"Period: {period}",
        ]
        lines += [f"Filter {k}: {v}" for k, v in self.filters.items()]
        for layer, method in self.methods.items():
            parts = "; ".join(f"{k}: {v}" for k, v in method.items())
            lines.append(f"Layer {layer}: {parts}")
        lines += list(self.sources)
        lines.append(f"Created {self.created_utc}")
        return "\n".join(lines)

    def with_fields(self, fields: Mapping[str, tuple[str, ...]]) -> ExportMetadata:
        """
        Return a copy listing ``fields`` and stamped with the creation time if it has none.

        Parameters
        ----------
        fields
            The fields each layer carries.

        Returns
        -------
        ExportMetadata
            The new metadata.
        """
        created = self.created_utc or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return ExportMetadata(
            title=self.title,
            area=self.area,
            audience=self.audience,
            min_count=self.min_count,
            period=self.period,
            filters=dict(self.filters),
            methods={k: dict(v) for k, v in self.methods.items()},
            fields=dict(fields),
            sources=self.sources,
            created_utc=created,
        )


@dataclass(frozen=True)
class ExportResult:
    """
    Files written by :func:`export_layers`.

    Attributes
    ----------
    paths
        Every file written, in the order written (``metadata.json`` last for folders).
    metadata
        The metadata they carry.
    """

    paths: tuple[Path, ...]
    metadata: ExportMetadata


# --- preparation ----------------------------------------------------------------------------


def prepare_density(raster: Raster, preset: AudiencePreset) -> RasterLayer:
    """
    Make a density raster safe for an audience.

    A density surface is smoothed, so it carries no single crime; for the public it is also
    coarsened to cells of at least ``preset.min_cell_m`` by averaging whole blocks of cells
    (the mean density of a block is the density of the coarse cell, so the integral is kept).

    Parameters
    ----------
    raster
        A raster in EPSG:27700 (e.g. :class:`hotspots.kde.DensitySurface`).
    preset
        The audience preset.

    Returns
    -------
    RasterLayer
        The raster to write, NaN where no data.

    Raises
    ------
    ParameterError
        When the preset does not allow density, or the raster is not in EPSG:27700.

    Examples
    --------
    >>> from layers.audience import get_preset
    >>> grid = RasterLayer(np.ones((4, 4)), Affine(100, 0, 0, 0, -100, 400), 100.0)
    >>> prepare_density(grid, get_preset("public")).values.shape
    (2, 2)
    """
    if "density" not in preset.fields:
        msg = f"The {preset.audience} preset does not allow the density layer."
        raise ParameterError(msg)
    if rasterio.crs.CRS.from_user_input(raster.crs).to_epsg() != BNG_EPSG:
        msg = f"The density raster must be in EPSG:27700; found {raster.crs}."
        raise ParameterError(msg)
    values = np.asarray(raster.values, dtype=np.float64)
    size_m = float(raster.cell_size_m)
    factor = max(1, math.ceil(preset.min_cell_m / size_m - 1e-9)) if preset.min_cell_m else 1
    if factor == 1:
        return RasterLayer(values.copy(), raster.transform, size_m)
    n_rows = math.ceil(values.shape[0] / factor) * factor
    n_cols = math.ceil(values.shape[1] / factor) * factor
    padded = np.full((n_rows, n_cols), np.nan)
    padded[: values.shape[0], : values.shape[1]] = values
    blocks = padded.reshape(n_rows // factor, factor, n_cols // factor, factor)
    filled = np.nan_to_num(blocks, nan=0.0)
    coarse = filled.sum(axis=(1, 3)) / (factor * factor)
    transform = raster.transform @ Affine.scale(factor)
    return RasterLayer(coarse, transform, size_m * factor)


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


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
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
    for i, (name, frame) in enumerate(layers.items()):
        wgs = _for_file(frame).to_crs(WGS84)
        pyogrio.write_dataframe(
            wgs,
            target,
            layer=name,
            driver="LIBKML",
            append=i > 0,
            dataset_options=(
                {"NAME": metadata.title, "DESCRIPTION": metadata.to_text()} if i == 0 else None
            ),
        )
    return target


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


# --- the export -----------------------------------------------------------------------------


def _format_of(path: Path) -> ExportFormat | None:
    return _EXTENSIONS.get(path.suffix.lower())


def _prepared(
    layers: Sequence[Layer], preset: AudiencePreset, wards: gpd.GeoDataFrame | None
) -> dict[str, tuple[LayerKind, gpd.GeoDataFrame]]:
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        msg = f"Layer names must be distinct; found {names}."
        raise ParameterError(msg)
    refused = sorted({layer.kind for layer in layers} - set(preset.allowed_layers))
    if refused:
        msg = (
            f"The {preset.audience} preset does not allow the {', '.join(refused)} layer(s). "
            f"Allowed: {', '.join(preset.allowed_layers)}."
        )
        raise ParameterError(msg)
    return {
        layer.name: (layer.kind, prepare_layer(layer.frame, layer.kind, preset, wards=wards))
        for layer in layers
    }


def _write_vectors(
    fmt: ExportFormat,
    target: Path,
    vectors: dict[str, tuple[LayerKind, gpd.GeoDataFrame]],
    metadata: ExportMetadata,
    geometry_format: GeometryFormat,
) -> list[Path]:
    frames = {name: frame for name, (_, frame) in vectors.items()}
    if fmt == "gpx":
        routes = [f for kind, f in vectors.values() if kind == "routes"]
        if not routes:
            msg = "GPX holds routes; add the routes layer (--layers routes)."
            raise ParameterError(msg)
        both = gpd.GeoDataFrame(pd.concat(routes, ignore_index=True), crs=BNG)
        is_point = (both.geometry.geom_type == "Point").to_numpy()
        stops = both.loc[is_point] if is_point.any() else None
        lines = both.loc[~is_point]
        return [write_gpx(lines, target, metadata=metadata, waypoints=stops)]
    multi = {"gpkg": write_gpkg, "kml": write_kml, "shp": write_shapefile_zip}
    if fmt in multi:
        return [multi[fmt](frames, target, metadata=metadata)]
    if len(frames) != 1:
        msg = (
            f"A {fmt} file holds one layer; {len(frames)} were chosen "
            f"({', '.join(frames)}). Export to a folder instead, or choose one layer."
        )
        raise ParameterError(msg)
    (frame,) = frames.values()
    if fmt == "geojson":
        return [write_geojson(frame, target, metadata=metadata)]
    return list(write_csv(frame, target, metadata=metadata, geometry_format=geometry_format))


def _write_one(
    fmt: ExportFormat,
    target: Path,
    vectors: dict[str, tuple[LayerKind, gpd.GeoDataFrame]],
    raster: RasterLayer | None,
    metadata: ExportMetadata,
    geometry_format: GeometryFormat,
) -> list[Path]:
    if fmt == "tif":
        if raster is None:
            msg = "GeoTIFF holds the density raster; add the density layer (--layers density)."
            raise ParameterError(msg)
        return [write_geotiff(raster, target, metadata=metadata)]
    if not vectors:
        msg = f"A {fmt} file holds vector layers; only the density raster was chosen."
        raise ParameterError(msg)
    return _write_vectors(fmt, target, vectors, metadata, geometry_format)


def _export_folder(
    target: Path,
    vectors: dict[str, tuple[LayerKind, gpd.GeoDataFrame]],
    raster: RasterLayer | None,
    metadata: ExportMetadata,
    *,
    formats: Sequence[ExportFormat],
    geometry_format: GeometryFormat,
) -> list[Path]:
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        msg = f"Unknown format(s) {unknown}. Choose from: {', '.join(EXPORT_FORMATS)}."
        raise ParameterError(msg)
    target.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    stem = f"patchmap_{metadata.audience}"
    has_routes = any(kind == "routes" for kind, _ in vectors.values())
    for fmt in formats:
        if fmt in _MULTI_LAYER and vectors:
            suffix = ".zip" if fmt == "shp" else f".{fmt}"
            paths += _write_vectors(fmt, target / f"{stem}{suffix}", vectors, metadata, "wkt")
        elif fmt in {"geojson", "csv"}:
            for name, layer in vectors.items():
                paths += _write_vectors(
                    fmt, target / f"{name}.{fmt}", {name: layer}, metadata, geometry_format
                )
        elif fmt == "gpx" and has_routes:
            paths += _write_vectors("gpx", target / "routes.gpx", vectors, metadata, "wkt")
        elif fmt == "tif" and raster is not None:
            paths += _write_one("tif", target / "density.tif", vectors, raster, metadata, "wkt")
    side = target / "metadata.json"
    side.write_text(json.dumps(metadata.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    paths.append(side)
    return paths


def export_layers(  # noqa: PLR0913 - the layers, where, for whom, in which formats
    layers: Sequence[Layer],
    out: str | Path,
    *,
    metadata: ExportMetadata,
    audience: Audience,
    min_count: int | None = None,
    density: Raster | None = None,
    wards: gpd.GeoDataFrame | None = None,
    formats: Sequence[ExportFormat] | None = None,
    geometry_format: GeometryFormat = "wkt",
) -> ExportResult:
    """
    Export layers for an audience to a folder (several formats) or to one file.

    Parameters
    ----------
    layers
        Vector layers at full detail, EPSG:27700.
    out
        A folder (created if needed) or a file whose extension names the format
        (``.gpkg``, ``.geojson``, ``.csv``, ``.kml``, ``.gpx``, ``.zip`` for Shapefile, ``.tif``).
    metadata
        Title, area, period, filters and methods; the audience, threshold and fields are
        filled in here.
    audience
        ``"police"``, ``"partner"`` or ``"public"``: picks the allow-lists and the threshold.
    min_count
        Override the preset's suppression threshold.
    density
        A density raster to export as GeoTIFF.
    wards
        Ward polygons (needed when crimes are aggregated to wards for the public).
    formats
        Formats to write into a folder; :data:`DEFAULT_FORMATS` (those that apply) when None.
    geometry_format
        CSV geometry: ``"wkt"`` or ``"lonlat"``.

    Returns
    -------
    ExportResult
        The files written and their metadata.

    Raises
    ------
    ParameterError
        When the audience may not receive a layer, a format cannot hold the layers chosen, or
        the file extension is unknown.
    EmptyInputError
        When there is nothing to export.
    """
    preset = get_preset(audience, min_count=min_count)
    if not layers and density is None:
        msg = "Nothing to export: choose at least one layer."
        raise EmptyInputError(msg)
    vectors = _prepared(layers, preset, wards)
    raster = prepare_density(density, preset) if density is not None else None
    fields = {
        name: tuple(str(c) for c in f.columns if c != "geometry")
        for name, (_, f) in vectors.items()
    }
    if raster is not None:
        fields["density"] = (raster.unit,)
    meta = ExportMetadata(
        title=metadata.title,
        area=metadata.area,
        audience=preset.audience,
        min_count=preset.min_count,
        period=metadata.period,
        filters=metadata.filters,
        methods=metadata.methods,
        sources=metadata.sources,
        created_utc=metadata.created_utc,
    ).with_fields(fields)
    target = Path(out)
    fmt = _format_of(target)
    if fmt is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        paths = _write_one(fmt, target, vectors, raster, meta, geometry_format)
    elif target.suffix:
        known = ", ".join(sorted(_EXTENSIONS))
        msg = f"Unknown export file type {target.suffix!r}; use a folder or one of {known}."
        raise ParameterError(msg)
    else:
        paths = _export_folder(
            target,
            vectors,
            raster,
            meta,
            formats=formats or DEFAULT_FORMATS,
            geometry_format=geometry_format,
        )
    return ExportResult(tuple(paths), meta)


# --- building the layers from a study area ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class AnalysisLayers:
    """
    Layers computed for an export or a briefing pack, at full detail, with their metadata.

    Attributes
    ----------
    layers
        The vector layers (EPSG:27700).
    density
        The density raster, when asked for.
    metadata
        Title, area, period, filters, methods and sources (audience filled in on export).
    hotspots
        The Gi* result, when computed.
    clusters
        The DBSCAN result, when computed.
    route
        The EVA route, when planned.
    """

    layers: tuple[Layer, ...]
    density: DensitySurface | None
    metadata: ExportMetadata
    hotspots: GiStarResult | None = None
    clusters: ClusterResult | None = None
    route: EvaRoute | None = None


def route_frames(route: EvaRoute, *, name: str = "EVA route") -> tuple[Layer, Layer]:
    """
    Return an EVA route as two layers: the walked line and its stops in visiting order.

    Parameters
    ----------
    route
        A planned route (:func:`spatial.routes.plan_eva_route`).
    name
        The route's name in the files (GPX ``<rte><name>``).

    Returns
    -------
    tuple of Layer
        ``routes`` (one LineString: ``route_id``, ``name``, ``kind``, ``length_m``,
        ``walk_time_min``) and ``route_stops`` (``route_id``, ``name``, ``order``, ``kind``,
        points), both of kind ``"routes"``, EPSG:27700.
    """
    line = gpd.GeoDataFrame(
        {
            "route_id": [1],
            "name": [name],
            "kind": ["route"],
            "length_m": [round(float(route.distance_m), 1)],
            "walk_time_min": [round(float(route.total_time_min), 1)],
        },
        geometry=[route.line],
        crs=BNG,
    )
    stops = route.stops
    labels = stops["label"].astype("string").fillna("") if "label" in stops.columns else None
    orders = [int(o) for o in stops["order"]]
    names = [
        f"Stop {o}: {lab}" if labels is not None else f"Stop {o}"
        for o, lab in zip(orders, labels if labels is not None else orders, strict=True)
    ]
    stop_frame = gpd.GeoDataFrame(
        {
            "route_id": [1] * len(stops),
            "name": names,
            "order": orders,
            "kind": ["stop"] * len(stops),
        },
        geometry=stops.geometry.to_numpy(),
        crs=BNG,
    )
    return Layer("routes", "routes", line), Layer("route_stops", "routes", stop_frame)


def _sources(area: StudyArea, *, uses_osm: bool) -> tuple[str, ...]:
    if area.is_demo:
        return (LICENCE_DEMO,)
    return (LICENCE_POLICE, LICENCE_ONS) + ((LICENCE_OSM,) if uses_osm else ())


def _period(points: gpd.GeoDataFrame, selection: Selection) -> tuple[str, str] | None:
    if selection.months is not None:
        return selection.months
    if points.empty:
        return None
    months = points["month"]
    return str(months.min()), str(months.max())


def _filters(selection: Selection) -> dict[str, str]:
    out: dict[str, str] = {}
    if selection.wards:
        out["wards"] = ", ".join(selection.wards)
    if selection.neighbourhoods:
        out["neighbourhoods"] = ", ".join(selection.neighbourhoods)
    if selection.months:
        out["months"] = f"{selection.months[0]} to {selection.months[1]}"
    if selection.crime_types:
        out["crime_types"] = ", ".join(selection.crime_types)
    return out


def _yes(flag: bool) -> str:  # noqa: FBT001 - a formatter, not an option
    return "automatic" if flag else "chosen by the user"


def _hotspot_layer(
    points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, *, cell_size_m: float | None
) -> tuple[GiStarResult, dict[str, str]]:
    grid = make_grid(wards, kind="square", cell_size_m=cell_size_m)
    result = gi_star(count_points(points, grid), grid=grid)
    method = {
        "method": "Getis-Ord Gi* on a square grid, queen contiguity including the cell",
        "cell_size_m": f"{grid.cell_size_m:g} ({_yes(grid.auto_cell_size)})",
        "correction": str(result.correction),
        "alpha": f"{result.alpha:g}",
        "p_values": str(result.p_value_source),
    }
    return result, method


def _cluster_layer(points: gpd.GeoDataFrame) -> tuple[ClusterResult, dict[str, str]]:
    result = dbscan_clusters(points)
    method = {
        "method": "DBSCAN on snap points weighted by crime count",
        "eps_m": f"{result.eps_m:g} ({_yes(result.auto_eps)})" if result.eps_m else "",
        "min_crimes": str(result.min_crimes),
        "hull_buffer_m": f"{result.hull_buffer_m:g}",
    }
    return result, method


def _density_layer(
    points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> tuple[DensitySurface, dict[str, str]]:
    surface = kernel_density(points, area=wards)
    method = {
        "method": f"Kernel density ({surface.kernel}), linear binning and FFT",
        "bandwidth_m": f"{surface.bandwidth_m:g} ({_yes(surface.auto_bandwidth)})",
        "cell_size_m": f"{surface.cell_size_m:g} ({_yes(surface.auto_cell_size)})",
        "unit": DENSITY_UNIT,
    }
    return surface, method


def _plan_route(
    area: StudyArea, wards: gpd.GeoDataFrame, hotspots: GiStarResult
) -> tuple[EvaRoute, dict[str, str]]:
    if area.network_path is None:
        msg = (
            "An EVA route needs a street network; load one (GraphML) or leave routes out of "
            "the layers."
        )
        raise ParameterError(msg)
    network = load_network(area.network_path)
    hot = hotspots.cells.loc[hotspots.cells["gi_z"] > 0]
    hot = hot.loc[hot["significant"].astype(bool)] if hot["significant"].any() else hot
    stops = stops_from_hotspots(hot, weight_column="n_crimes")
    start, label = _route_start(area, wards)
    route = plan_eva_route(network, stops, start=start, start_label=label)
    method = {
        "method": f"EVA loop through the busiest Gi* hot cells ({route.method})",
        "start": label,
        "max_minutes": f"{route.max_minutes:g}",
        "walk_kmh": f"{route.walk_kmh:g}",
        "stop_minutes": f"{route.stop_minutes:g}",
        "length_m": f"{route.distance_m:.0f}",
    }
    return route, method


def _route_start(area: StudyArea, wards: gpd.GeoDataFrame) -> tuple[Point, str]:
    union = shapely.union_all(np.asarray(wards.geometry, dtype=object))
    sites = area.sites
    if sites is not None and not sites.empty:
        inside = sites.loc[sites.geometry.within(union)]
        if not inside.empty:
            first = inside.iloc[0]
            return first.geometry, str(first.get("name", "the site"))
    return shapely.point_on_surface(union), "the middle of the area"


def _hotspots_and_route(
    area: StudyArea,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    layers: Sequence[LayerKind],
    cell_size_m: float | None,
    route: EvaRoute | None,
    out: list[Layer],
    methods: dict[str, dict[str, str]],
) -> tuple[GiStarResult | None, EvaRoute | None]:
    hotspots = None
    if "hotspots" in layers or ("routes" in layers and route is None):
        hotspots, methods["hotspots"] = _hotspot_layer(points, wards, cell_size_m=cell_size_m)
        if "hotspots" in layers:
            out.append(Layer("hotspots", "hotspots", hotspots.cells))
    if "routes" in layers:
        if route is None and hotspots is not None:
            route, methods["routes"] = _plan_route(area, wards, hotspots)
        if route is not None:
            out.extend(route_frames(route))
    return hotspots, route


def _street_layer(area: StudyArea, points: gpd.GeoDataFrame, out: list[Layer]) -> dict[str, str]:
    """Append the hot streets (discontinuous NKDE per segment) and return their method."""
    from hotspots.streets import hot_streets  # noqa: PLC0415 -- only street exports need it
    from layers.streets import street_export_layer  # noqa: PLC0415 -- it imports this module

    if area.network_path is None:
        msg = "The streets layer needs a street network: load one (GraphML, .osm or .osm.pbf)."
        raise ParameterError(msg)
    hot = hot_streets(points, network=load_network(area.network_path))
    out.append(street_export_layer(hot))
    return {"method": hot.description}


def build_layers(
    area: StudyArea,
    selection: Selection,
    *,
    layers: Sequence[LayerKind],
    cell_size_m: float | None = None,
    route: EvaRoute | None = None,
    audience: Audience = "police",
) -> AnalysisLayers:
    """
    Compute the layers to export for the selected wards, months and crime types.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        The filters (wards, months, crime types).
    layers
        Which layers: ``"crimes"``, ``"hotspots"`` (Gi* cells), ``"density"`` (KDE raster),
        ``"clusters"`` (DBSCAN polygons), ``"routes"`` (an EVA loop and its stops), ``"sites"``,
        ``"wards"``, ``"streets"`` (hot streets: discontinuous network KDE per street segment).
    cell_size_m
        Gi* cell size; automatic when None (at least 250 m for the public preset).
    route
        An EVA route already planned; when None and routes are asked for, one is planned
        through the busiest hot cells from the first co-location site in the area.
    audience
        Who the layers are for (only decides the coarsest hotspot cells here; the allow-lists
        are applied on export).

    Returns
    -------
    AnalysisLayers
        The layers at full detail and the metadata describing how they were made.

    Raises
    ------
    ParameterError
        When a layer name is unknown, or routes are asked for without a street network.
    EmptyInputError
        When the selection holds no crimes.
    """
    unknown = [k for k in layers if k not in get_args(LayerKind)]
    if unknown:
        msg = f"Unknown layer(s) {unknown}. Choose from: {', '.join(get_args(LayerKind))}."
        raise ParameterError(msg)
    preset = get_preset(audience)
    points = select_points(area, selection)
    wards = select_wards(area, selection)
    if points.empty:
        msg = "The selection holds no crimes: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    if preset.min_cell_m and (cell_size_m is None or cell_size_m < preset.min_cell_m):
        cell_size_m = max(cell_size_m or 0.0, preset.min_cell_m)
    out: list[Layer] = []
    methods: dict[str, dict[str, str]] = {}
    if "wards" in layers:
        out.append(Layer("wards", "wards", wards))
    if "crimes" in layers:
        out.append(Layer("crimes", "crimes", points))
        methods["crimes"] = {"method": "police.uk street-level crimes (anonymised snap points)"}
    hotspots, route = _hotspots_and_route(
        area,
        points,
        wards,
        layers=layers,
        cell_size_m=cell_size_m,
        route=route,
        out=out,
        methods=methods,
    )
    density = clusters = None
    if "density" in layers:
        density, methods["density"] = _density_layer(points, wards)
    if "clusters" in layers:
        clusters, methods["clusters"] = _cluster_layer(points)
        out.append(Layer("clusters", "clusters", clusters.clusters))
    if "sites" in layers and area.sites is not None:
        out.append(Layer("sites", "sites", area.sites))
    if "streets" in layers:
        methods["streets"] = _street_layer(area, points, out)
    names = ", ".join(str(w) for w in wards["ward_name"])
    metadata = ExportMetadata(
        title=f"patchmap export: {area.label}",
        area=f"{area.label}: {names}",
        audience=audience,
        min_count=preset.min_count,
        period=_period(points, selection),
        filters=_filters(selection),
        methods=methods,
        sources=_sources(area, uses_osm=route is not None),
    )
    return AnalysisLayers(tuple(out), density, metadata, hotspots, clusters, route)


# --- downloads ------------------------------------------------------------------------------

_MIME: Final[dict[str, str]] = {
    ".gpkg": "application/geopackage+sqlite3",
    ".kml": "application/vnd.google-earth.kml+xml",
    ".gpx": "application/gpx+xml",
    ".tif": "image/tiff",
    ".zip": "application/zip",
    ".geojson": "application/geo+json",
    ".csv": "text/csv",
}
_DOWNLOAD_LABELS: Final[dict[str, str]] = {
    "gpkg": "GeoPackage (QGIS, ArcGIS)",
    "kml": "KML (Google Earth)",
    "gpx": "GPX route (phone GPS apps)",
    "tif": "GeoTIFF density raster",
    "shp": "Shapefile (zipped)",
    "geojson": "GeoJSON (web maps)",
    "csv": "CSV tables (spreadsheets)",
    "all": "Everything (zip)",
}


@dataclass(frozen=True)
class Download:
    """
    One file to offer for download.

    Attributes
    ----------
    key
        The format (``"gpkg"``, ``"geojson"`` ... or ``"all"``).
    label
        What the button says.
    file_name
        The file's name.
    data
        Its bytes.
    mime
        Its media type.
    """

    key: str
    label: str
    file_name: str
    data: bytes
    mime: str


def _zip_bytes(paths: Sequence[Path], root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, arcname=str(path.relative_to(root)))
    return buffer.getvalue()


def downloads(result: ExportResult, folder: str | Path, *, stem: str) -> tuple[Download, ...]:
    """
    Package a folder export as one download per format (per-layer files zipped together).

    Parameters
    ----------
    result
        What :func:`export_layers` wrote into ``folder``.
    folder
        The export folder.
    stem
        Start of the download file names (e.g. ``"patchmap_partner"``).

    Returns
    -------
    tuple of Download
        Single-file formats as they are (GeoPackage, KML, GPX, GeoTIFF, zipped Shapefile);
        GeoJSON and CSV files (one per layer) zipped with ``metadata.json``; and everything in
        one zip.
    """
    root = Path(folder)
    meta = root / "metadata.json"
    by_format: dict[str, list[Path]] = {}
    for path in result.paths:
        if path.name == "metadata.json" or path.name.endswith(".metadata.json"):
            continue
        fmt = "shp" if path.suffix == ".zip" else path.suffix.lstrip(".")
        by_format.setdefault(fmt, []).append(path)
    out: list[Download] = []
    for fmt in ("gpkg", "kml", "gpx", "tif", "shp", "geojson", "csv"):
        paths = by_format.get(fmt)
        if not paths:
            continue
        if fmt in {"geojson", "csv"}:
            extra = [p.with_name(p.name + ".metadata.json") for p in paths if fmt == "csv"]
            data = _zip_bytes([*paths, *extra, meta], root)
            name, mime = f"{stem}_{fmt}.zip", _MIME[".zip"]
        else:
            (path,) = paths
            data, name, mime = path.read_bytes(), f"{stem}{path.suffix}", _MIME[path.suffix]
            if fmt in {"gpx", "tif"}:
                name = f"{stem}_{path.name}"
        out.append(Download(fmt, _DOWNLOAD_LABELS[fmt], name, data, mime))
    everything = _zip_bytes(list(result.paths), root)
    out.append(Download("all", _DOWNLOAD_LABELS["all"], f"{stem}.zip", everything, _MIME[".zip"]))
    return tuple(out)
