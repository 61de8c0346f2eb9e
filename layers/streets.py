"""
Hot streets on the map, in tables and in exports.

* :func:`hot_street_layer` draws street segments (or lixels) as coloured lines: the network KDE
  and the rate per 100 m in equal steps from 10 % of the top value to the top (as the KDE map);
  Gi* in the ArcGIS class colours, significant pieces only.
* :func:`street_table` is the top-segments table of the app and briefings (OSM street name,
  crimes, per 100 m and the method's value).
* :func:`street_export_layer` turns the result into an export :class:`~layers.export.Layer` of
  kind ``"streets"``, so GeoPackage, GeoJSON and KML exports apply the audience allow-lists.
* :func:`street_beat_layer` and :func:`street_beat_export_layer` draw and export the patrol beats
  of :mod:`tasking.street_beats` (connected hot segments) the same way.
"""

from __future__ import annotations

import html
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.gistar import HOTSPOT_LABELS
from layers.basemap import LegendEntry
from layers.export import Layer
from layers.hotspot_layers import tooltip_layer
from layers.problems import PATROL_AREA_COLOUR
from layers.styles import DENSITY_COLOURS, GI_BIN_COLOURS
from spatial.crs import BNG, require_bng
from spatial.errors import MissingColumnError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from boundaries.dataset import Provenance
    from hotspots.streets import HotStreets
    from spatial.street_walks import StreetWalk

__all__ = [
    "STREET_COLOURS",
    "STREET_N_CLASSES",
    "hot_street_layer",
    "hot_street_legend_entries",
    "street_beat_export_layer",
    "street_beat_layer",
    "street_breaks",
    "street_export_layer",
    "street_table",
    "street_walk_layers",
    "value_label",
]

STREET_N_CLASSES: Final = 5
"""Colour classes of the hot-street lines."""
_FLOOR_SHARE: Final = 0.10
"""Pieces below this share of the top value are not drawn (as the KDE map's pale cells)."""
_LINE_WEIGHT_PX: Final = 5.0
STREET_COLOURS: Final = DENSITY_COLOURS[2:]
"""The darker five of the density ramp: pale yellow lines vanish on the grey street background."""
_CLASS_WEIGHTS_PX: Final = (3.0, 4.0, 5.0, 6.0, 7.0)
"""Line width of each class, lowest first: the hottest streets are also the widest."""


def value_label(hot: HotStreets) -> str:
    """
    Return the name and unit of the value the streets are ranked by.

    Parameters
    ----------
    hot
        The hot streets.

    Returns
    -------
    str
        E.g. ``"Crimes per km (network KDE)"``.
    """
    if hot.value_column == "density_per_km":
        return "Crimes per km (network KDE)"
    if hot.value_column == "gi_z":
        return "Gi* z"
    return "Crimes per 100 m"


def street_breaks(hot: HotStreets, *, n_classes: int = STREET_N_CLASSES) -> tuple[float, ...]:
    """
    Return the class edges of the hot-street colours: equal steps from 10 % of the top to the top.

    Parameters
    ----------
    hot
        Hot streets ranked by the NKDE or the rate per 100 m.
    n_classes
        Number of classes (at most the number of :data:`STREET_COLOURS`).

    Returns
    -------
    tuple of float
        ``n_classes + 1`` increasing edges in the unit of :func:`value_label`.

    Raises
    ------
    ParameterError
        When ``n_classes`` is out of range or every value is zero.
    """
    if not 1 <= n_classes <= len(STREET_COLOURS):
        msg = f"n_classes must be 1..{len(STREET_COLOURS)}; found {n_classes}."
        raise ParameterError(msg)
    values = hot.lines[hot.value_column].to_numpy(dtype=np.float64)
    top = float(values.max()) if values.size else 0.0
    if not top > 0:
        msg = "Every street has a value of zero: there is nothing to colour."
        raise ParameterError(msg)
    return tuple(float(v) for v in np.linspace(_FLOOR_SHARE * top, top, n_classes + 1))


def _line_style(feature: Mapping[str, Any]) -> dict[str, object]:
    props = feature["properties"]
    return {"color": props["colour"], "weight": props["weight"], "opacity": 0.95}


def hot_street_layer(hot: HotStreets, *, layer_name: str = "Hot streets") -> folium.FeatureGroup:
    """
    Return the hot streets as coloured lines with a tooltip.

    Parameters
    ----------
    hot
        From :func:`hotspots.streets.hot_streets`.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        Gi*: significant pieces in the class colours; otherwise pieces of at least 10 % of the
        top value in :data:`STREET_COLOURS`, wider for hotter classes, hottest drawn last.
    """
    lines = hot.lines
    if hot.value_column == "gi_z":
        shown = lines.loc[lines["gi_bin"] != 0]
        colours = [GI_BIN_COLOURS[int(b)] for b in shown["gi_bin"]]
        weights = [_LINE_WEIGHT_PX] * len(shown)
        value_text = [
            f"{z:.2f} ({html.escape(c)})"
            for z, c in zip(shown["gi_z"], shown["hotspot"], strict=True)
        ]
    else:
        breaks = street_breaks(hot)
        values = lines[hot.value_column].to_numpy(dtype=np.float64)
        shown = lines.loc[values >= breaks[0]]
        classes = np.digitize(shown[hot.value_column].to_numpy(), np.asarray(breaks[1:-1]))
        colours = [STREET_COLOURS[int(c)] for c in classes]
        weights = [_CLASS_WEIGHTS_PX[int(c)] for c in classes]
        value_text = [f"{v:,.1f}" for v in shown[hot.value_column]]
    order = np.argsort(shown[hot.value_column].to_numpy(), kind="stable")
    return tooltip_layer(
        {
            "name": [html.escape(str(n)) for n in shown["name"].iloc[order]],
            "n_crimes": shown["n_crimes"].iloc[order].to_numpy(),
            "per_100m": shown["per_100m"].iloc[order].round(1).to_numpy(),
            "value": [value_text[i] for i in order],
            "colour": [colours[i] for i in order],
            "weight": [weights[i] for i in order],
        },
        shown.geometry.to_numpy()[order],
        layer_name=layer_name,
        style_function=_line_style,
        tooltip={
            "name": "Street",
            "n_crimes": "Crimes",
            "per_100m": "Per 100 m",
            "value": value_label(hot),
        },
    )


def hot_street_legend_entries(hot: HotStreets) -> list[LegendEntry]:
    """
    Return the legend rows of :func:`hot_street_layer`, hottest first.

    Parameters
    ----------
    hot
        The hot streets drawn.

    Returns
    -------
    list of LegendEntry
        Line symbols.
    """
    if hot.value_column == "gi_z":
        present = {int(b) for b in hot.lines["gi_bin"]}
        rows = [
            LegendEntry(label, GI_BIN_COLOURS[b], "line", _LINE_WEIGHT_PX)
            for b, label in HOTSPOT_LABELS.items()
            if b != 0 and b in present
        ]
        return rows or [LegendEntry("No significant street", "#ffffff", "line", 1)]
    breaks = street_breaks(hot)
    rows = [
        LegendEntry(f"{low:,.1f} to {high:,.1f}", colour, "line", weight)
        for (low, high), colour, weight in zip(
            pairwise(breaks), STREET_COLOURS, _CLASS_WEIGHTS_PX, strict=False
        )
    ]
    return rows[::-1]


def street_table(hot: HotStreets, *, top_n: int = 10) -> pd.DataFrame:
    """
    Return the table of the top streets for the app and briefings.

    Parameters
    ----------
    hot
        The hot streets.
    top_n
        How many rows.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Street`` (OSM name), ``Crimes``, ``Length (m)``, ``Per 100 m`` and, for the
        NKDE and Gi*, the method's value (and the Gi* class).
    """
    top = hot.top(top_n)
    table = pd.DataFrame(
        {
            "Rank": np.arange(1, len(top) + 1),
            "Street": [str(n) for n in top["name"]],
            "Crimes": top["n_crimes"].to_numpy(dtype=np.int64),
            "Length (m)": top["length_m"].round(0).to_numpy(),
            "Per 100 m": top["per_100m"].round(2).to_numpy(),
        }
    )
    if hot.value_column == "density_per_km":
        table[value_label(hot)] = top["density_per_km"].round(1).to_numpy()
    elif hot.value_column == "gi_z":
        table["Gi* z"] = top["gi_z"].round(2).to_numpy()
        table["Class"] = [str(c) for c in top["hotspot"]]
    return table


def street_export_layer(hot: HotStreets, *, provenance: Provenance, name: str = "streets") -> Layer:
    """
    Return the hot streets as an export layer of kind ``"streets"``.

    Parameters
    ----------
    hot
        The hot streets.
    provenance
        Where the crimes came from (:attr:`boundaries.dataset.StudyArea.provenance`). Streets
        counted from a force extract's exact locations are refused for partners and the public
        on export (:func:`layers.audience.prepare_layer`): a segment or lixel can be a few
        metres long.
    name
        Layer (and file) name.

    Returns
    -------
    Layer
        One line per segment (or lixel) with its id as a column; the audience allow-lists of
        :mod:`layers.audience` decide which fields leave.
    """
    return Layer(name=name, kind="streets", frame=hot.lines.reset_index(), provenance=provenance)


def street_walk_layers(walk: StreetWalk, *, name: str = "EVA street walk") -> tuple[Layer, Layer]:
    """
    Return a street walk as export layers: the loop and the hot streets walked, in order.

    Parameters
    ----------
    walk
        From :func:`spatial.street_walks.plan_street_walk`.
    name
        The walk's name in the files.

    Returns
    -------
    tuple of Layer
        ``routes`` (the loop: ``route_id``, ``name``, ``kind`` "route", ``length_m``,
        ``walk_time_min``) and ``route_streets`` (``route_id``, ``name`` "Street k: ...",
        ``order``, ``kind`` "street", ``length_m``, lines), both of kind ``"routes"``.
    """
    line = gpd.GeoDataFrame(
        {
            "route_id": [1],
            "name": [name],
            "kind": ["route"],
            "length_m": [round(walk.distance_m, 1)],
            "walk_time_min": [round(walk.total_time_min, 1)],
        },
        geometry=[walk.line],
        crs=BNG,
    )
    segments = walk.segments
    streets = gpd.GeoDataFrame(
        {
            "route_id": [1] * len(segments),
            "name": [
                f"Street {o}: {n}" for o, n in zip(segments["order"], segments["name"], strict=True)
            ],
            "order": segments["order"].to_numpy(),
            "kind": ["street"] * len(segments),
            "length_m": segments["length_m"].round(1).to_numpy(),
        },
        geometry=segments.geometry.to_numpy(),
        crs=BNG,
    )
    return Layer("routes", "routes", line), Layer("route_streets", "routes", streets)


_BEAT_FIELDS: Final = ("beat_id", "n_segments", "n_crimes", "length_m", "streets")
_BEAT_WEIGHT_PX: Final = 7.0


def _beat_style(_feature: Mapping[str, Any]) -> dict[str, object]:
    return {"color": PATROL_AREA_COLOUR, "weight": _BEAT_WEIGHT_PX, "opacity": 0.85}


def _checked_beats(beats: gpd.GeoDataFrame) -> None:
    require_bng(beats, name="street beats")
    missing = [c for c in _BEAT_FIELDS if c not in beats.columns]
    if missing:
        msg = (
            f"street beats lack {missing}; found {list(beats.columns)}. Build them with "
            "tasking.street_beats.street_beats or gistar_beats."
        )
        raise MissingColumnError(msg)


def street_beat_layer(
    beats: gpd.GeoDataFrame, *, layer_name: str = "Patrol beats"
) -> folium.FeatureGroup:
    """
    Return patrol beats along hot streets as lines in the patrol-area colour, with a tooltip.

    Parameters
    ----------
    beats
        From :func:`tasking.street_beats.street_beats` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One multi-line per beat; the tooltip gives the beat, its crimes, street length and the
        streets' names (escaped). Empty when there is no beat.

    Raises
    ------
    CRSError
        When ``beats`` is not in British National Grid.
    MissingColumnError
        When a column of :data:`tasking.street_beats.BEAT_COLUMNS` is missing.
    """
    _checked_beats(beats)
    if beats.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "beat": [f"Beat {int(b)}" for b in beats["beat_id"]],
            "n_crimes": beats["n_crimes"].to_numpy(dtype=np.int64),
            "length_m": [f"{m:,.0f} m" for m in beats["length_m"]],
            "streets": [html.escape(str(n)) for n in beats["streets"]],
        },
        beats.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_beat_style,
        tooltip={"beat": "Beat", "n_crimes": "Crimes", "length_m": "Street", "streets": "Streets"},
    )


def street_beat_export_layer(
    beats: gpd.GeoDataFrame, *, provenance: Provenance, name: str = "street_beats"
) -> Layer:
    """
    Return patrol beats as an export layer of kind ``"streets"``.

    Parameters
    ----------
    beats
        From :func:`tasking.street_beats.street_beats`.
    provenance
        Where the crimes came from; beats of a force extract's crimes are refused for
        partners on export, as every street layer of an extract is (a beat can be one short
        segment).
    name
        Layer (and file) name.

    Returns
    -------
    Layer
        One multi-line per beat with ``beat_id``, ``n_segments``, ``n_crimes``, ``length_m`` and
        ``streets``; the street allow-lists of :mod:`layers.audience` apply (partners: small
        counts suppressed, nothing from a force extract; the public gets no street layer).

    Raises
    ------
    CRSError
        When ``beats`` is not in British National Grid.
    MissingColumnError
        When a beat column is missing.
    """
    _checked_beats(beats)
    frame = beats[[*_BEAT_FIELDS, "geometry"]]
    return Layer(name=name, kind="streets", frame=frame, provenance=provenance)
