"""
Open the one layer of a vector file that a reader needs, or say exactly why not.

Ward and LSOA boundaries and co-location sites come as GeoJSON, GeoPackage or Shapefiles (alone,
in a folder, or in a .zip, at any depth of it). GDAL reads them all, but left to itself it reads
the first layer of a file that holds several (old and new ward vintages in one GeoPackage)
without a word, finds no Shapefile in a sub-folder of a .zip, and hands shapely rings that are
not closed, which then fail with a GEOS traceback. :func:`read_vector` lists the layers first,
takes the one there is (or the only one of the geometries wanted), refuses the others naming
their layers, and names the feature whose geometry cannot be read.

Uploads are written to a temporary folder under their own name and read from there, so a file
reads the same whether it is uploaded or given as a path.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, Literal, cast

import geopandas as gpd
import numpy as np
import shapely
import shapely.errors

from spatial.crs import BNG
from spatial.errors import EmptyInputError, InputDataError, InvalidGeometryError
from spatial.validate import is_system_junk

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import numpy.typing as npt
    import pandas as pd

__all__ = ["VectorRead", "read_vector"]

Wanted = Literal["polygons", "points"]
"""The geometries a reader needs: boundaries are polygons, sites points."""

_VECTOR_SUFFIXES: Final = (".shp", ".gpkg", ".geojson", ".fgb", ".kml")
"""Files in a .zip that hold features; a ``.json`` counts only when none of these is there."""
_SHAPEFILE_PARTS: Final = (".shx", ".dbf")
"""Files a Shapefile cannot be read without (the .prj is checked later, as the CRS)."""
_SHOWN: Final = 4
"""How many names of a .zip's files or of a file's layers a message lists."""
_UNCLOSED_RING: Final = "closed linestring"
"""In GEOS's message for a ring whose last point is not its first."""
_FIX_GEOMETRIES: Final = (
    "Fix the geometries in a GIS (QGIS: Vector > Geometry Tools > Fix Geometries, then save the "
    "result) or export the {what} again from their source."
)
_SAVE_ONE_LAYER: Final = (
    "Save the layer you want as a file of its own (QGIS: right-click the layer > Export > Save "
    "Features As..., as GeoPackage or GeoJSON) and give that file"
)
_TYPE_KINDS: Final = {
    1: "points",
    4: "points",
    2: "lines",
    5: "lines",
    3: "polygons",
    6: "polygons",
}
"""Shapely type ids (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)."""


@dataclass(frozen=True)
class VectorRead:
    """One layer of a vector file, read, with notes on how it was chosen."""

    frame: pd.DataFrame
    """The layer: a GeoDataFrame, or a plain DataFrame when GDAL read a table without geometry."""
    notes: tuple[str, ...]
    """Which layer was read when the file holds others (empty when it holds one)."""


@dataclass(frozen=True)
class _Layer:
    label: str
    """The layer as the user knows it: its name, or its file's path inside the .zip."""
    path: str
    """What GDAL opens."""
    layer: str
    declared: str | None
    """Its geometry type as GDAL reports it; None for a table without geometry."""


def read_vector(
    source: Path | tuple[str, bytes], *, what: str, wanted: Wanted | None, formats: str
) -> VectorRead:
    """
    Read the one layer of features a vector file holds.

    Parameters
    ----------
    source
        A path the caller has checked (a file, a folder of Shapefiles, a .zip) or an uploaded
        ``(name, bytes)`` pair.
    what
        What the file should hold ("ward boundaries"), used in messages.
    wanted
        When the file holds several layers, read the only one of these geometries (with a
        note); None: refuse any file of several layers.
    formats
        The formats the caller takes, said after a refusal ("Use GeoJSON or GeoPackage.").

    Returns
    -------
    VectorRead
        The layer and the notes.

    Raises
    ------
    InputDataError
        When the file cannot be read, a .zip holds no vector file (or a Shapefile without its
        .shx or .dbf), or the file holds several layers and none (or more than one) is the one.
    InvalidGeometryError
        When a feature's geometry cannot be read (a ring that is not closed); names it.
    EmptyInputError
        When the file holds no layers.
    """
    name = source[0] if isinstance(source, tuple) else Path(source).name
    if not isinstance(source, tuple):
        _refuse_folder_without_shapefiles(Path(source), what=what, formats=formats)
    with _on_disk(source) as path:
        layers = _layers(path, name=name, what=what, formats=formats)
        chosen, notes, compared = _choose(layers, name=name, what=what, wanted=wanted)
        if compared is not None:  # read already, to compare the same features in each format
            return VectorRead(frame=compared, notes=notes)
        in_file = chosen.label if len(layers) > 1 or chosen.path.startswith("/vsizip/") else None
        frame = _read_layer(chosen, name=name, what=what, formats=formats, in_file=in_file)
    return VectorRead(frame=frame, notes=notes)


def _refuse_folder_without_shapefiles(path: Path, *, what: str, formats: str) -> None:
    """
    Refuse a folder holding no Shapefile, naming the boundary files it does hold.

    A folder of Shapefiles is read as GDAL reads it; any other folder was the file's folder,
    given by mistake, which GDAL would call "not a format it recognises".
    """
    if not path.is_dir() or any(path.glob("*.shp")):
        return
    inside = sorted(
        p.name
        for p in path.iterdir()
        if p.is_file() and p.suffix.lower() in (*_VECTOR_SUFFIXES, ".json", ".zip")
    )
    hint = (
        f" It holds {', '.join(inside[:5])}{' and more' if len(inside) > 5 else ''}."  # noqa: PLR2004
        if inside
        else " It holds no boundary file."
    )
    msg = f"{path.name}: this is a folder, not {what}: give the file itself.{hint} {formats}"
    raise InputDataError(msg)


@contextlib.contextmanager
def _on_disk(source: Path | tuple[str, bytes]) -> Iterator[Path]:
    """Yield a path to the source: an upload is written under its own name to a temporary folder."""
    if not isinstance(source, tuple):
        yield Path(source)
        return
    base = Path(source[0]).name
    with tempfile.TemporaryDirectory(prefix="patchmap-") as folder:
        path = Path(folder) / (base if base not in {"", ".", ".."} else "upload")
        path.write_bytes(source[1])
        yield path


def _unreadable(name: str, what: str, detail: str, formats: str) -> InputDataError:
    return InputDataError(f"{name}: could not be read as {what} ({detail}). {formats}")


def _gdal_detail(err: Exception, *, local: Path, name: str) -> str:
    """Return GDAL's first line, without GDAL's paths and driver advice (meaningless to users)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if "not recognized as being in a supported file format" in text or "/vsi" in text:
        return "not a format GDAL recognises"
    return text.replace(str(local), name)


def _gdal_layers(
    gdal_path: str, *, label: str | None, name: str, what: str, formats: str, local: Path
) -> list[_Layer]:
    import pyogrio  # noqa: PLC0415 - GDAL loads only when a vector file is read (not from a cache)

    try:
        listed = pyogrio.list_layers(gdal_path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        detail = _gdal_detail(err, local=local, name=name)
        raise _unreadable(
            name if label is None else f"{name}: {label}", what, detail, formats
        ) from err
    return [
        _Layer(
            label=str(layer)
            if label is None
            else (label if len(listed) == 1 else f"{label}: {layer}"),
            path=gdal_path,
            layer=str(layer),
            declared=None if kind is None else str(kind),
        )
        for layer, kind in listed
    ]


def _layers(path: Path, *, name: str, what: str, formats: str) -> list[_Layer]:
    """Every layer of the file; of each vector file at any depth of a .zip."""
    if path.suffix.lower() != ".zip" or path.is_dir():
        return _gdal_layers(
            str(path), label=None, name=name, what=what, formats=formats, local=path
        )
    members = _zip_members(path, name=name, what=what, formats=formats)
    found = [m for m in members if PurePosixPath(m).suffix.lower() in _VECTOR_SUFFIXES] or [
        m for m in members if PurePosixPath(m).suffix.lower() == ".json"
    ]
    if not found:
        crimes = any(m.lower().endswith("-street.csv") for m in members)
        looks = (
            f" They are data.police.uk crime files: give the .zip as the crimes, not as the {what}."
            if crimes
            else ""
        )
        holds = ", ".join(members[:_SHOWN]) + (
            f" and {len(members) - _SHOWN} more" if len(members) > _SHOWN else ""
        )
        detail = (
            f"the .zip holds no Shapefile, GeoPackage or GeoJSON; it holds {holds or 'nothing'}"
        )
        msg = f"{name}: could not be read as {what} ({detail}).{looks} {formats}"
        raise InputDataError(msg)
    _require_shapefile_parts(found, members, name=name)
    layers: list[_Layer] = []
    for member in found:
        gdal_path = f"/vsizip/{path.resolve()}/{member}"
        layers += _gdal_layers(
            gdal_path, label=member, name=name, what=what, formats=formats, local=path
        )
    return layers


def _zip_members(path: Path, *, name: str, what: str, formats: str) -> list[str]:
    """List the .zip's files, in its order, without folders and system clutter (``__MACOSX``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        detail = "the .zip does not open: damaged, or cut off while downloading"
        raise _unreadable(name, what, detail, f"Download it again. {formats}") from err
    return [i.filename for i in infos if not i.is_dir() and not is_system_junk(i.filename)]


def _require_shapefile_parts(found: Sequence[str], members: Sequence[str], *, name: str) -> None:
    """Refuse a zipped Shapefile whose .shx or .dbf (same name, same folder) is not in the .zip."""
    present = {m.lower() for m in members}
    for member in found:
        stem = member[: -len(".shp")]
        if not member.lower().endswith(".shp"):
            continue
        missing = [s for s in _SHAPEFILE_PARTS if f"{stem}{s}".lower() not in present]
        if missing:
            msg = (
                f"{name}: the Shapefile {member} comes without its {' and '.join(missing)} "
                "file: a Shapefile is several files with one name (.shp, .shx, .dbf, .prj). "
                "Zip them all together."
            )
            raise InputDataError(msg)


def _declared_kind(declared: str) -> str | None:
    """Return the kind of geometry GDAL's type name says; None when it does not say (Unknown)."""
    text = declared.lower()
    if "polygon" in text or "surface" in text:
        return "polygons"
    if "point" in text:
        return "points"
    if "line" in text or "curve" in text:
        return "lines"
    return None


def _data_kind(layer: _Layer) -> str:
    """Return the kind of geometry a layer holds, read from its features (GDAL did not say)."""
    import pyogrio.raw  # noqa: PLC0415 - GDAL loads only when a vector file is read

    with _quiet_gdal():
        wkb = pyogrio.raw.read(layer.path, layer=layer.layer, columns=[])[2]
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    kinds = {_TYPE_KINDS.get(int(t), "mixed geometries") for t in shapely.get_type_id(present)}
    if not kinds:
        return "no features"
    return kinds.pop() if len(kinds) == 1 else "mixed geometries"


def _kind(layer: _Layer) -> str:
    if layer.declared is None:
        return "no geometry"
    return _declared_kind(layer.declared) or _data_kind(layer)


def _choose(
    layers: Sequence[_Layer], *, name: str, what: str, wanted: Wanted | None
) -> tuple[_Layer, tuple[str, ...], gpd.GeoDataFrame | None]:
    """
    Take the file's one layer of features, or the only one of the ``wanted`` geometries.

    Tables without geometry (a GeoPackage's ``layer_styles``, say) are not layers of features
    and are passed over, unless the file holds nothing else (it is then refused as a table).
    Returns the layer, the notes, and the layer's features when comparing formats read them
    already (None: the caller reads the layer), so no layer is read twice.
    """
    pool = [layer for layer in layers if layer.declared is not None] or list(layers)
    if not pool:
        msg = f"{name}: the file holds no layers. Choose the file with the {what}."
        raise EmptyInputError(msg)
    if len(pool) == 1:
        return pool[0], (), None
    kinds = [_kind(layer) for layer in pool]
    listed = ", ".join(f"{layer.label!r} ({kind})" for layer, kind in zip(pool, kinds, strict=True))
    matching = [layer for layer, kind in zip(pool, kinds, strict=True) if kind == wanted]
    if wanted is not None and len(matching) == 1:
        note = (
            f"{name} holds {len(pool)} layers ({listed}); the only layer of {wanted}, "
            f"{matching[0].label!r}, was read as the {what}."
        )
        return matching[0], (note,), None
    frames = _same_features(matching) if wanted is not None and len(matching) > 1 else None
    if frames is not None:
        at = min(range(len(matching)), key=lambda i: _format_rank(matching[i]))
        chosen = matching[at]  # the same features in several formats
        note = (
            f"{name} holds the same {what} in {len(matching)} formats "
            f"({', '.join(repr(m.label) for m in matching)}); {chosen.label!r} was read."
        )
        return chosen, (note,), frames[at]
    which = (
        f"{len(matching)} hold {wanted}, and patchmap will not guess which are the {what}"
        if wanted is not None and matching
        else f"patchmap reads one layer and will not guess which holds the {what}"
    )
    zipped = " (or zip that Shapefile's files alone)" if pool[0].path.startswith("/vsizip/") else ""
    msg = f"{name}: holds {len(pool)} layers ({listed}): {which}. {_SAVE_ONE_LAYER}{zipped}."
    raise InputDataError(msg)


_FORMAT_ORDER: Final = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml")
"""Which of the same features in several formats is read: the Shapefile first, as before."""
_SAME_AREA_RTOL: Final = 1e-3
_SAME_PLACE_M: Final = 1.0


def _format_rank(layer: _Layer) -> tuple[int, str]:
    suffix = PurePosixPath(layer.path).suffix.lower()
    order = _FORMAT_ORDER.index(suffix) if suffix in _FORMAT_ORDER else len(_FORMAT_ORDER)
    return order, layer.label


def _same_features(layers: Sequence[_Layer]) -> list[gpd.GeoDataFrame] | None:
    """
    Return the layers read when they hold the same features (a bundle's Shapefile and GeoJSON).

    The same number of features, the same attribute values (as text, in the columns both
    have by name, case aside: a GeoJSON's feature id may be a column of its own) in the same
    order, and each feature of the same area (within 0.1 %) and place (its centroid within
    1 m) once in British National Grid. Two vintages of the same wards differ in their codes
    or their shapes, so they are never taken for one another. None when they differ (or one
    cannot be read: the refusal names the layers).
    """
    import pyogrio  # noqa: PLC0415 - GDAL loads only when a vector file is read

    try:
        with _quiet_gdal():
            frames = [gpd.read_file(layer.path, layer=layer.layer) for layer in layers]
    except (pyogrio.errors.DataSourceError, shapely.errors.GEOSException, ValueError):
        return None  # left to the refusal, which names the layers
    first = frames[0]
    if first.crs is None or any(f.crs is None or len(f) != len(first) for f in frames):
        return None
    return frames if all(_same_as(first, other) for other in frames[1:]) else None


def _same_as(one: gpd.GeoDataFrame, other: gpd.GeoDataFrame) -> bool:
    def table(frame: gpd.GeoDataFrame) -> dict[str, list[str]]:
        data = frame.drop(columns=frame.geometry.name)
        return {str(c).lower(): [str(v) for v in data[c]] for c in data.columns}

    first, second = table(one), table(other)
    common = first.keys() & second.keys()  # a GeoJSON's feature id is a column of its own
    if not common or any(first[c] != second[c] for c in common):
        return False
    a, b = one.geometry.to_crs(BNG), other.geometry.to_crs(BNG)
    areas = np.allclose(a.area.to_numpy(), b.area.to_numpy(), rtol=_SAME_AREA_RTOL)
    places = a.centroid.distance(b.centroid, align=False).to_numpy()
    return bool(areas and (places <= _SAME_PLACE_M).all())


@contextlib.contextmanager
def _quiet_gdal() -> Iterator[None]:
    """
    Silence what GDAL and pyogrio warn about while reading, where the reader says more.

    GDAL warns of a ring that is not closed before shapely refuses it (:func:`_bad_geometry`
    names the feature). A property holding numbers and text in different features (a weight
    of 2 here, "high" there) is typed JSON by GDAL; pyogrio then fails to parse the text as
    JSON and warns. The values stay text, which the callers check. Only those two warnings, by
    their messages, are silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Non closed ring detected", category=RuntimeWarning
        )
        warnings.filterwarnings(
            "ignore", message=r"Could not parse column '.*' as JSON", category=UserWarning
        )
        yield


def _read_layer(
    layer: _Layer, *, name: str, what: str, formats: str, in_file: str | None
) -> pd.DataFrame:
    """Read the layer; ``in_file`` names it in messages (None: the file is the layer)."""
    import pyogrio  # noqa: PLC0415 - GDAL loads only when a vector file is read

    try:
        with _quiet_gdal():  # GDAL reads a table without geometry as a DataFrame: hence the cast
            return cast("pd.DataFrame", gpd.read_file(layer.path, layer=layer.layer))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        detail = _gdal_detail(err, local=Path(layer.path), name=name)
        raise _unreadable(name, what, detail, formats) from err
    except shapely.errors.GEOSException as err:
        msg = _bad_geometry(layer, err, name=name, what=what, in_file=in_file)
        raise InvalidGeometryError(msg) from err
    except UnicodeDecodeError as err:  # GeoJSON, CSV and GeoPackage text is UTF-8
        where = f" ({in_file!r})" if in_file else ""
        msg = (
            f"{name}: the text of its attributes{where} is not UTF-8 (it may be Windows-1252, "
            "as older desktop tools save it). Re-save it as UTF-8 (in QGIS: Export > Save "
            f"Features As, Encoding UTF-8). {formats}"
        )
        raise InputDataError(msg) from err


def _bad_geometry(
    layer: _Layer, err: Exception, *, name: str, what: str, in_file: str | None
) -> str:
    """Say which features' geometries GEOS cannot read, and why, naming the first."""
    import pyogrio.raw  # noqa: PLC0415 - GDAL loads only when a vector file is read

    detail = str(err).split(": ", 1)[-1].strip()
    problem = (
        "a ring is not closed (its last point is not its first)"
        if _UNCLOSED_RING in detail
        else f"GEOS says: {detail}"
    )
    with _quiet_gdal():
        meta, _, wkb, fields = pyogrio.raw.read(layer.path, layer=layer.layer)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    given = np.array([w is not None for w in wkb], dtype=bool)
    bad = np.flatnonzero(given & shapely.is_missing(geoms))
    where = f" of {in_file!r}" if in_file else ""
    fix = _FIX_GEOMETRIES.format(what=what)
    if len(bad) == 0:
        return f"{name}: a geometry{where} cannot be read: {problem}. {fix}"
    first = f"feature {int(bad[0]) + 1}{_described(meta['fields'], fields, int(bad[0]))}"
    count = (
        f"the geometry of {first}{where} cannot be read"
        if len(bad) == 1
        else f"{len(bad)} of the {len(wkb)} features{where} have geometries that cannot be read "
        f"(first: {first})"
    )
    return f"{name}: {count}: {problem}. {fix}"


def _described(
    names: npt.NDArray[np.object_], values: Sequence[npt.NDArray[np.object_]], at: int
) -> str:
    """Return a feature's first text properties, to find it by: ``" (WD23NM 'Abbey')"``."""
    shown = [
        f"{field} {value!r}"
        for field, column in zip(names, values, strict=True)
        if isinstance(value := column[at], str) and value.strip()
    ][:3]
    return f" ({', '.join(shown)})" if shown else ""
