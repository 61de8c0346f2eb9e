"""
Proposed joint patrol areas and repeat locations, on a map and in files.

A folium layer for the Profile page, and the files the ``problems`` and ``repeats`` commands
write to GeoPackage or GeoJSON (:func:`write_problem_areas`, :func:`write_repeat_locations`,
which the Profile page's downloads call too). The file frames keep only the fields in
:data:`PROBLEM_AREA_FIELDS` and :data:`REPEAT_LOCATION_FIELDS` (an allow-list), in British
National Grid; the writers in :mod:`layers.writers` reproject GeoJSON to WGS84 as the last step.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Final

import folium

from layers.basemap import APP_STATIC_URL, LegendEntry, Tiles, base_map, legend
from layers.hotspot_layers import tooltip_layer
from layers.map import street_layer, ward_layer
from layers.metadata import police_file_metadata
from layers.styles import WARD_COLOUR
from layers.writers import write_geojson, write_gpkg
from spatial.crs import require_bng
from spatial.errors import ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import geopandas as gpd
    import numpy.typing as npt

    from boundaries.dataset import StudyArea
    from boundaries.select import Selection

__all__ = [
    "PATROL_AREA_COLOUR",
    "POLICE_FILE_SUFFIXES",
    "PROBLEM_AREA_FIELDS",
    "REPEAT_LOCATION_FIELDS",
    "patrol_area_layer",
    "problem_area_frame",
    "problems_map",
    "repeat_location_frame",
    "write_problem_areas",
    "write_repeat_locations",
]

PATROL_AREA_COLOUR: Final = "#e6550d"
"""Outline and fill colour of proposed patrol areas."""
_FIELDS: Final = ("problem_id", "label", "n_crimes", "score")
PROBLEM_AREA_FIELDS: Final = (
    "rank",
    "problem_id",
    "label",
    "crime_type",
    "kind",
    "wards",
    "n_crimes",
    "score",
    "area_m2",
)
"""The fields written with each patrol area (plus ``patrol_window_text`` when present)."""
REPEAT_LOCATION_FIELDS: Final = (
    "rank",
    "location",
    "ward",
    "n_crimes",
    "share_of_crimes",
    "n_months",
    "top_crime_types",
    "artefact",
)
"""The fields written with each repeat location (snap point)."""
POLICE_FILE_SUFFIXES: Final = (".gpkg", ".geojson")
"""The files :func:`write_problem_areas` and :func:`write_repeat_locations` write: a GeoPackage
in EPSG:27700 or a GeoJSON file in WGS84."""


def _file_frame(
    frame: gpd.GeoDataFrame, fields: Sequence[str], *, name: str, hint: str
) -> gpd.GeoDataFrame:
    require_bng(frame, name=name)
    require_columns(frame.columns, fields, source=name, hint=hint)
    out = frame.loc[:, [*fields, frame.geometry.name]].reset_index(drop=True)
    for column in fields:  # lists and tuples (wards, months) as text every driver writes
        if out[column].dtype == object:
            out[column] = [
                ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in out[column]
            ]
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def problem_area_frame(problems: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Return the problems' patrol areas with the fields a file may carry.

    Parameters
    ----------
    problems
        From :func:`tasking.problems.flag_problems` (British National Grid). Not modified.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per problem in rank order, EPSG:27700, columns :data:`PROBLEM_AREA_FIELDS`
        (``wards`` as text), plus ``patrol_window_text`` for timed data, and ``geometry``.

    Raises
    ------
    CRSError
        When ``problems`` is not in British National Grid.
    MissingColumnError
        When a field is missing.
    """
    fields = [*PROBLEM_AREA_FIELDS]
    if "patrol_window_text" in problems.columns:
        fields.append("patrol_window_text")
    return _file_frame(
        problems, fields, name="problems", hint="Build them with tasking.problems.flag_problems."
    )


def repeat_location_frame(locations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Return repeat locations (snap points) with the fields a file may carry.

    Parameters
    ----------
    locations
        From :func:`hotspots.concentration.repeat_locations_flagged` (British National Grid).
        Not modified.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per location in rank order, EPSG:27700, columns
        :data:`REPEAT_LOCATION_FIELDS` and ``geometry``.

    Raises
    ------
    CRSError
        When ``locations`` is not in British National Grid.
    MissingColumnError
        When a field is missing.
    """
    return _file_frame(
        locations,
        REPEAT_LOCATION_FIELDS,
        name="repeat locations",
        hint="Build them with hotspots.concentration.repeat_locations_flagged.",
    )


def _write_police_layer(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str,
    area: StudyArea,
    selection: Selection,
    months: tuple[str, str],
) -> Path:
    """Write ``frame`` (allow-listed) as the police file of the command ``layer``."""
    from boundaries.select import select_wards  # noqa: PLC0415 - boundaries loads later

    suffix = str(path).lower().rsplit(".", 1)[-1]
    if f".{suffix}" not in POLICE_FILE_SUFFIXES:
        msg = f"{path}: the {layer} file is written as .gpkg or .geojson; end its name in one."
        raise ParameterError(msg)
    wards = select_wards(area, selection)
    metadata = police_file_metadata(
        area, selection, wards, command=layer, period=months
    ).with_fields({layer: tuple(str(c) for c in frame.columns if c != "geometry")})
    if suffix == "gpkg":
        return write_gpkg({layer: frame}, path, metadata=metadata)
    return write_geojson(frame, path, metadata=metadata)


def write_problem_areas(
    problems: gpd.GeoDataFrame,
    path: str | Path,
    *,
    area: StudyArea,
    selection: Selection,
    months: tuple[str, str],
) -> Path:
    """
    Write the problems' patrol areas as the police file of ``patchmap problems --out``.

    The command and the Profile page's downloads both write through here, so the same
    selection gives the same file.

    Parameters
    ----------
    problems
        From :func:`tasking.problems.flag_problems` (British National Grid). Not modified.
    path
        A ``.gpkg`` file (EPSG:27700, layer ``problems``) or a ``.geojson`` file (WGS84).
    area
        The study area the problems were ranked in.
    selection
        The filters they were ranked under, as the command's options give them (named in the
        file's metadata; its wards are the ones named).
    months
        First and last month ranked.

    Returns
    -------
    pathlib.Path
        The file, with the fields of :func:`problem_area_frame` and metadata for the police
        (:func:`layers.metadata.police_file_metadata`: no suppression).

    Raises
    ------
    ParameterError
        When ``path`` ends in neither ``.gpkg`` nor ``.geojson``.
    CRSError
        When ``problems`` is not in British National Grid.
    """
    return _write_police_layer(
        problem_area_frame(problems),
        path,
        layer="problems",
        area=area,
        selection=selection,
        months=months,
    )


def write_repeat_locations(
    locations: gpd.GeoDataFrame,
    path: str | Path,
    *,
    area: StudyArea,
    selection: Selection,
    months: tuple[str, str],
) -> Path:
    """
    Write repeat locations as the police file of ``patchmap repeats --out``.

    Parameters
    ----------
    locations
        From :func:`hotspots.concentration.repeat_locations_flagged` (British National Grid).
    path
        A ``.gpkg`` file (EPSG:27700, layer ``repeats``) or a ``.geojson`` file (WGS84).
    area, selection, months
        As for :func:`write_problem_areas`.

    Returns
    -------
    pathlib.Path
        The file, with the fields of :func:`repeat_location_frame`.

    Raises
    ------
    ParameterError
        When ``path`` ends in neither ``.gpkg`` nor ``.geojson``.
    CRSError
        When ``locations`` is not in British National Grid.
    """
    return _write_police_layer(
        repeat_location_frame(locations),
        path,
        layer="repeats",
        area=area,
        selection=selection,
        months=months,
    )


def patrol_area_layer(problems: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """
    Return the problems' patrol areas, labelled with their problem ids.

    Parameters
    ----------
    problems
        From :func:`tasking.problems.flag_problems` (British National Grid).

    Returns
    -------
    folium.FeatureGroup
        One polygon per problem with an escaped tooltip (id, label, crimes, score, and the
        patrol window when ``problems`` carry ``patrol_window_text``).

    Raises
    ------
    CRSError
        When ``problems`` is not in British National Grid.
    MissingColumnError
        When a column the tooltip shows is missing.
    """
    require_bng(problems, name="problems")
    require_columns(
        problems.columns,
        _FIELDS,
        source="problems",
        hint="Build them with tasking.problems.flag_problems.",
    )
    if problems.empty:
        return folium.FeatureGroup(name="Patrol areas")
    properties: dict[str, Sequence[object] | npt.NDArray[Any]] = {
        "problem_id": [html.escape(str(v)) for v in problems["problem_id"]],
        "label": [html.escape(str(v)) for v in problems["label"]],
        "n_crimes": problems["n_crimes"].to_numpy(),
        "score": problems["score"].round(1).to_numpy(),
    }
    tooltip = {"problem_id": "Problem", "label": "What", "n_crimes": "Crimes", "score": "Score"}
    if "patrol_window_text" in problems.columns:  # timed data: when to patrol
        properties["window"] = [html.escape(str(v)) for v in problems["patrol_window_text"]]
        tooltip["window"] = "When"
    return tooltip_layer(
        properties,
        problems.geometry.to_numpy(),
        layer_name="Patrol areas",
        style_function=_patrol_style,
        tooltip=tooltip,
    )


def _patrol_style(_feature: object) -> dict[str, object]:
    return {
        "color": PATROL_AREA_COLOUR,
        "weight": 2,
        "fillColor": PATROL_AREA_COLOUR,
        "fillOpacity": 0.25,
    }


def problems_map(
    wards: gpd.GeoDataFrame,
    problems: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
) -> folium.Map:
    """
    Return a map of the wards and the proposed patrol areas with a legend.

    Parameters
    ----------
    wards
        The profiled wards (British National Grid); the map opens on them.
    problems
        From :func:`tasking.problems.flag_problems`.
    streets
        Street lines drawn underneath (the demo town), or None.
    tiles
        ``"openstreetmap"`` or ``"none"`` (the demo).
    asset_url
        URL of the static folder serving the vendored Leaflet.

    Returns
    -------
    folium.Map
        Streets, wards and patrol areas.

    Raises
    ------
    CRSError
        When a frame is not in British National Grid.
    EmptyInputError
        When ``wards`` is empty.
    """
    m = base_map(wards, tiles=tiles, asset_url=asset_url)
    if streets is not None:
        street_layer(streets).add_to(m)
    ward_layer(wards).add_to(m)
    patrol_area_layer(problems).add_to(m)
    legend(
        "Legend",
        [
            LegendEntry("Ward boundary", WARD_COLOUR, "line", 2),
            LegendEntry("Proposed patrol area", PATROL_AREA_COLOUR, "line", 3),
        ],
    ).add_to(m)
    return m
