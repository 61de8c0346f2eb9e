"""Folium layer of proposed joint patrol areas, for the Profile page."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Final

import folium

from layers.basemap import APP_STATIC_URL, LegendEntry, Tiles, base_map, legend
from layers.hotspot_layers import tooltip_layer
from layers.map import street_layer, ward_layer
from layers.styles import WARD_COLOUR
from spatial.crs import require_bng
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import numpy.typing as npt

__all__ = ["PATROL_AREA_COLOUR", "patrol_area_layer", "problems_map"]

PATROL_AREA_COLOUR: Final = "#e6550d"
"""Outline and fill colour of proposed patrol areas."""
_FIELDS: Final = ("problem_id", "label", "n_crimes", "score")


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
