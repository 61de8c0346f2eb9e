"""
Layer exports that open in the tools partners use, never carrying more than the audience may see.

Formats (written by :mod:`layers.writers`, each with a well-kept library: GDAL through pyogrio
and rasterio, or the standard library's CSV writer, gpxpy for GPX):

========  ===========================================  ==========  ==============================
format    file                                         CRS         metadata carried
========  ===========================================  ==========  ==============================
gpkg      one GeoPackage, one named layer per layer    EPSG:27700  dataset metadata + layer
                                                                   descriptions
geojson   one RFC 7946 FeatureCollection per layer     WGS84       ``metadata`` foreign member
csv       one table per layer, WKT or lon/lat columns  WGS84       ``.metadata.json`` beside it
kml       one KML document, one folder per layer       WGS84       document description;
                                                                   balloons: an escaped
                                                                   table of the fields
gpx       routes (``<rte>``) and stops (``<wpt>``)     WGS84       ``<metadata>`` (gpxpy)
shp       zipped Shapefile, only when asked            EPSG:27700  ``metadata.json`` in the zip
tif       GeoTIFF of a density raster                  EPSG:27700  tags, band description, unit
========  ===========================================  ==========  ==============================

Every export is made through :func:`export_layers`, which passes each layer through the audience
preset (:func:`layers.audience.prepare_layer`) first: the preset picks the allow-list of fields,
aggregates crimes and blanks small counts; nothing else leaves. For partners and the public it
then blanks more across the layers (:func:`layers.secondary.secondary_hidden`), so that no total
less its shown parts (a Gi* cell and its places, a hot area and its cells, a cluster, a street)
gives a blanked count back; every format is written from the same blanked layers.

A ``metadata.json`` (or the format's own metadata) records the method, parameters and automatic
choices, the data period, the filters, the source and licence attribution and the creation time
(:mod:`layers.metadata`).

Nothing is analysed here: :func:`tasking.products.export_analyses` runs the analyses (the same
for the Exports page and ``patchmap export``) and :func:`analysis_layers` turns its results into
named layers.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from affine import Affine

from boundaries.extract import is_extract_area
from hotspots.concentration import ARTEFACT_CHECK
from layers.audience import (
    SUPPRESSED_COLUMN,
    Audience,
    AudiencePreset,
    LayerKind,
    cell_label,
    get_preset,
    prepare_layer,
    snap_locations,
    suppress_counts,
)
from layers.metadata import ExportMetadata, data_label, source_lines
from layers.secondary import COUNT_COLUMN, secondary_hidden
from layers.writers import (
    DEFAULT_FORMATS,
    EXPORT_FORMATS,
    ExportFormat,
    GeometryFormat,
    Raster,
    RasterLayer,
    write_csv,
    write_geojson,
    write_geotiff,
    write_gpkg,
    write_gpx,
    write_kml,
    write_shapefile_zip,
)
from spatial.crs import BNG, BNG_EPSG
from spatial.errors import EmptyInputError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from boundaries.dataset import Provenance
    from hotspots.kde import DensitySurface
    from spatial.routes import EvaRoute
    from tasking.products import ExportAnalyses


__all__ = [
    "AnalysisLayers",
    "Download",
    "ExportResult",
    "Layer",
    "analysis_layers",
    "downloads",
    "export_layers",
    "prepare_density",
    "route_frames",
]

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
    provenance
        Where its data came from (``"extract"``: exact addresses and times, which partners and
        the public never receive; see :func:`layers.audience.prepare_layer`).
    """

    name: str
    kind: LayerKind
    frame: gpd.GeoDataFrame
    provenance: Provenance = "police.uk"


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

    The raster is coarsened to cells of at least ``preset.min_cell_m`` by averaging whole
    blocks of cells (the mean density of a block is the density of the coarse cell, so the
    integral is kept). Averaging does not hide the points a surface was made from: one kernel
    fitted to the raster gives a lone point back to within a metre. So only surfaces of
    police.uk snap points (public already) are prepared for partners and the public; a force
    extract's density never reaches this function for them
    (:func:`tasking.products.withheld_layers`, checked by :func:`analysis_layers`).

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
    raw = replace(preset, min_count=None)
    prepared = {
        layer.name: (
            layer.kind,
            prepare_layer(layer.frame, layer.kind, raw, wards=wards, provenance=layer.provenance),
        )
        for layer in layers
    }
    if preset.min_count is None:
        return prepared
    return _suppressed(prepared, min_count=preset.min_count)


def _suppressed(
    prepared: dict[str, tuple[LayerKind, gpd.GeoDataFrame]], *, min_count: int
) -> dict[str, tuple[LayerKind, gpd.GeoDataFrame]]:
    """Blank counts below ``min_count``, then those a sum across the layers would give away."""
    hidden = secondary_hidden({name: f for name, (_, f) in prepared.items()}, min_count=min_count)
    out: dict[str, tuple[LayerKind, gpd.GeoDataFrame]] = {}
    for name, (kind, frame) in prepared.items():
        blanked = suppress_counts(frame, min_count=min_count)
        if name in hidden:
            blanked.loc[hidden[name], COUNT_COLUMN] = pd.NA
            blanked.loc[hidden[name], SUPPRESSED_COLUMN] = True
        out[name] = (kind, blanked)
    return out


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
            msg = (
                "GPX holds routes; add the routes layer (--layers routes; app: Layers, EVA "
                "route and stops)."
            )
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
            msg = (
                "GeoTIFF holds the density raster; add the density layer (--layers density; "
                "app: Layers, Density (raster))."
            )
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
        if fmt == "tif" and raster is not None and vectors:  # metadata would list them all
            msg = (
                f"A GeoTIFF holds the density raster alone; {len(vectors)} other layers were "
                f"chosen too ({', '.join(vectors)}). Export to a folder instead, or choose the "
                "density layer alone (--layers density; app: Layers)."
            )
            raise ParameterError(msg)
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


# --- rendering analyses into layers -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AnalysisLayers:
    """
    Layers rendered from an export's analyses, at full detail, with their metadata.

    Attributes
    ----------
    layers
        The vector layers (EPSG:27700).
    density
        The density raster, when asked for.
    metadata
        Title, area, period, filters, methods and sources (audience filled in on export).
    analyses
        The results they were rendered from (:func:`tasking.products.export_analyses`).
    """

    layers: tuple[Layer, ...]
    density: DensitySurface | None
    metadata: ExportMetadata
    analyses: ExportAnalyses

    @property
    def route(self) -> EvaRoute | None:
        """The EVA walk, when routes were asked for."""
        return self.analyses.route


def route_frames(
    route: EvaRoute, *, name: str = "EVA route", cell_m: float = 0.0
) -> tuple[Layer, Layer]:
    """
    Return an EVA route as two layers: the walked line and its stops in visiting order.

    Parameters
    ----------
    route
        A planned route (:func:`spatial.routes.plan_eva_route`).
    name
        The route's name in the files (GPX ``<rte><name>``).
    cell_m
        The audience's finest cell (``AudiencePreset.min_cell_m``; 0 for the police). Above 0,
        each stop is shown at the centre of the cell of this size holding it and named by that
        cell ("Stop 2: 100 m cell E454550 N269450"), without the stop's label: a Gi* stop's
        label counts the crimes of a finer cell ("Hotspot 3 (1 crime)"), which no suppression
        of count columns would blank. Two stops may then share a cell. A stop marked as a
        possible recording artefact (:data:`hotspots.concentration.ARTEFACT_CHECK` in its label,
        :func:`tasking.eva.gistar_stops`) keeps that mark, which names no place and no count.
        The walked line is kept as planned: it follows public streets, and a walk with partners
        must be walkable.

    Returns
    -------
    tuple of Layer
        ``routes`` (one LineString: ``route_id``, ``name``, ``kind``, ``length_m``,
        ``walk_time_min``) and ``route_stops`` (``route_id``, ``name``, ``order``, ``kind``,
        points), both of kind ``"routes"``, EPSG:27700.

    Raises
    ------
    ParameterError
        When ``cell_m`` is negative.
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
    orders = [int(o) for o in stops["order"]]
    if cell_m < 0:
        msg = f"cell_m must be 0 (exact stops) or above; found {cell_m}."
        raise ParameterError(msg)
    if cell_m:
        checks = [
            f" [{ARTEFACT_CHECK}]" if ARTEFACT_CHECK in str(lab) else ""
            for lab in (stops["label"] if "label" in stops.columns else [""] * len(stops))
        ]
        stops = snap_locations(stops, cell_m=cell_m)
        xs, ys = stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy()
        names = [
            f"Stop {o}: {cell_label(float(x), float(y), cell_m=cell_m)}{check}"
            for o, x, y, check in zip(orders, xs, ys, checks, strict=True)
        ]
    elif "label" in stops.columns:
        labels = stops["label"].astype("string").fillna("")
        names = [f"Stop {o}: {lab}" for o, lab in zip(orders, labels, strict=True)]
    else:
        names = [f"Stop {o}" for o in orders]
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


def analysis_layers(analyses: ExportAnalyses, *, audience: Audience = "police") -> AnalysisLayers:
    """
    Render an export's analyses into named layers and the metadata that describes them.

    Nothing is computed here: every result comes from :func:`tasking.products.export_analyses`.

    Parameters
    ----------
    analyses
        The results to render.
    audience
        Who the export is for (written into the metadata; the allow-lists are applied by
        :func:`export_layers`). For partners the EVA route's stops are drawn at the centres of
        the audience's cells, named without counts (:func:`route_frames` with ``cell_m``).

    Returns
    -------
    AnalysisLayers
        The layers in a fixed order (wards, crimes, hotspots, hot areas, routes, clusters,
        sites, streets), the density raster and the metadata. For partners and the public, a
        force extract is named "force records-management extract", not by its files, unless
        the user named the area (:func:`layers.metadata.data_label`).

    Raises
    ------
    ParameterError
        When the analyses hold a layer :func:`tasking.products.withheld_layers` withholds from
        the audience (a force extract's density or streets, for partners or the public), as
        when analyses made for the police are rendered for partners.
    """
    from tasking.products import withheld_layers  # noqa: PLC0415 - products loads the analyses

    preset = get_preset(audience)
    withheld = withheld_layers(
        analyses.layers, provenance=analyses.provenance, min_cell_m=preset.min_cell_m
    )
    if withheld:
        raise ParameterError(" ".join(withheld.values()))
    out: list[Layer] = []
    if "wards" in analyses.layers:
        out.append(Layer("wards", "wards", analyses.selected_wards))
    if analyses.crimes is not None:
        out.append(Layer("crimes", "crimes", analyses.crimes, analyses.provenance))
    if analyses.hotspots is not None and "hotspots" in analyses.layers:
        out.append(Layer("hotspots", "hotspots", analyses.hotspots.cells))
    if analyses.hot_areas is not None:
        out.append(Layer("hot_areas", "hot_areas", analyses.hot_areas))
    if analyses.route is not None:
        out.extend(route_frames(analyses.route, cell_m=preset.min_cell_m))
    if analyses.clusters is not None:
        out.append(Layer("clusters", "clusters", analyses.clusters.clusters, analyses.provenance))
    if analyses.sites is not None:
        out.append(Layer("sites", "sites", analyses.sites))
    if analyses.streets is not None:
        from layers.streets import street_export_layer  # noqa: PLC0415 - it imports this module

        out.append(street_export_layer(analyses.streets, provenance=analyses.provenance))
    names = ", ".join(str(w) for w in analyses.selected_wards["ward_name"])
    label = data_label(
        analyses.area_label,
        provenance=analyses.provenance,
        files=analyses.files,
        audience=audience,
    )
    metadata = ExportMetadata(
        title=f"patchmap export: {label}",
        area=f"{label}: {names}",
        audience=audience,
        min_count=preset.min_count,
        period=analyses.period,
        filters=dict(analyses.filters),
        methods={k: dict(v) for k, v in analyses.methods.items()},
        sources=source_lines(
            is_demo=analyses.is_demo,
            uses_osm=analyses.route is not None,
            audience=audience,
            provenance=analyses.provenance,
            files=analyses.files,
            ward_file=not is_extract_area(analyses.selected_wards),
        ),
    )
    return AnalysisLayers(tuple(out), analyses.density, metadata, analyses)


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
        Single-file formats as they are (GeoPackage, KML, GPX, GeoTIFF, zipped Shapefile as
        ``{stem}_shp.zip``); GeoJSON and CSV files (one per layer) zipped with
        ``metadata.json``; and everything in one zip (``{stem}.zip``). No two share a name.
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
            elif fmt == "shp":  # not the name of "Everything (zip)": saving one kept only one
                name = f"{stem}_shp.zip"
        out.append(Download(fmt, _DOWNLOAD_LABELS[fmt], name, data, mime))
    everything = _zip_bytes(list(result.paths), root)
    out.append(Download("all", _DOWNLOAD_LABELS["all"], f"{stem}.zip", everything, _MIME[".zip"]))
    return tuple(out)
