"""
The force overview's choropleth: every ward coloured by its crimes or its rate per 1,000.

The counts come from :func:`boundaries.overview.force_overview` (British National Grid); this
module classes them, escapes the names and reprojects to WGS84 as the last step.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final, Literal

import folium
import geopandas as gpd
import numpy as np

from layers.basemap import (
    APP_STATIC_URL,
    LegendEntry,
    Tiles,
    base_map,
    escape_html,
    legend,
    require_frame_columns,
)
from layers.styles import DENSITY_COLOURS, NO_DATA_COLOUR
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import ParameterError
from spatial.wording import month_count, period_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from boundaries.overview import ForceOverview

__all__ = [
    "MEASURE_LABELS",
    "OVERVIEW_N_CLASSES",
    "Measure",
    "annual_rate",
    "choropleth_breaks",
    "class_labels",
    "overview_map",
    "rate_label",
]

Measure = Literal["n_crimes", "rate_per_1000"]
MEASURE_LABELS: Final[dict[Measure, str]] = {
    "n_crimes": "Crimes",
    "rate_per_1000": "Crimes per 1,000 residents",
}
"""What each measure is called on the map and in the page (a rate also names its period: see
:func:`rate_label`)."""
OVERVIEW_N_CLASSES: Final = 5
"""Colour classes of the choropleth (quantiles of the wards' values)."""
_OUTLINE_COLOUR: Final = "#555555"
_SIMPLIFY_M: Final = 5.0
"""Ward outlines are simplified to 5 m: invisible at force zoom, far fewer vertices to send."""


def choropleth_breaks(
    values: Sequence[float] | np.ndarray[Any, Any],
    *,
    n_classes: int = OVERVIEW_N_CLASSES,
    decimals: int | None = None,
) -> tuple[float, ...]:
    """
    Return class edges at quantiles of ``values`` (missing values ignored, ties merged).

    Parameters
    ----------
    values
        One value per ward (NaN: no value, drawn grey).
    n_classes
        Colour classes wanted (at most the length of :data:`layers.styles.DENSITY_COLOURS`);
        fewer when many wards share a value.
    decimals
        Round the edges to this many decimals before merging ties (0 for counts: a class
        then holds whole numbers, never "1 to 1" between two edges inside one integer); the
        lowest edge is rounded down and the highest up, so every value stays inside.

    Returns
    -------
    tuple of float
        Increasing edges from the smallest to the largest value; two equal edges when every
        ward has the same value.

    Raises
    ------
    ParameterError
        When ``n_classes`` is out of range or no value is finite.
    """
    if not 1 <= n_classes <= len(DENSITY_COLOURS):
        msg = f"n_classes must be 1..{len(DENSITY_COLOURS)}; found {n_classes}."
        raise ParameterError(msg)
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        msg = (
            "No ward has a value to colour (rates need LSOA populations and boundaries). "
            "Choose crimes instead, or load the population files in the sidebar."
        )
        raise ParameterError(msg)
    edges = np.quantile(finite, np.linspace(0.0, 1.0, n_classes + 1))
    if decimals is not None:
        scale = 10.0**decimals
        edges = np.round(edges * scale)
        edges[0], edges[-1] = np.floor(finite.min() * scale), np.ceil(finite.max() * scale)
        edges /= scale
    edges = np.unique(edges)
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    return tuple(float(v) for v in edges)


def _classes(values: np.ndarray[Any, Any], breaks: Sequence[float]) -> list[str]:
    """Return each value's fill colour (grey when missing)."""
    colours = _palette(len(breaks) - 1)
    inner = np.asarray(breaks[1:-1], dtype=np.float64)
    index = np.clip(np.searchsorted(inner, values, side="right"), 0, len(colours) - 1)
    return [
        colours[int(i)] if np.isfinite(v) else NO_DATA_COLOUR
        for i, v in zip(index, values, strict=True)
    ]


def _palette(n_classes: int) -> tuple[str, ...]:
    """Return ``n_classes`` colours spread over the yellow-to-red ramp."""
    picks = np.linspace(0, len(DENSITY_COLOURS) - 1, max(n_classes, 1)).round().astype(int)
    return tuple(DENSITY_COLOURS[int(i)] for i in picks)


def _style(feature: Mapping[str, Any]) -> dict[str, object]:
    fill = feature["properties"]["fill"]
    return {"color": _OUTLINE_COLOUR, "weight": 1, "fillColor": fill, "fillOpacity": 0.7}


def _highlight(_feature: object) -> dict[str, object]:
    return {"weight": 3, "fillOpacity": 0.85}


def _format(value: float, measure: Measure) -> str:
    if not np.isfinite(value):
        return "no population"
    return f"{value:,.0f}" if measure == "n_crimes" else f"{value:,.1f}"


_DECIMALS: Final[dict[Measure, int]] = {"n_crimes": 0, "rate_per_1000": 1}


def class_labels(breaks: Sequence[float], measure: Measure) -> tuple[str, ...]:
    """
    Return one legend label per class of ``breaks``, lowest class first.

    A value on an inner edge belongs to the class above it. Counts are whole numbers, so a
    count class ``[a, b)`` is labelled "a to b-1", or just "a" when it holds one number; the
    top class holds its upper edge. Rates are labelled "a to b" with one decimal.

    Parameters
    ----------
    breaks
        Edges from :func:`choropleth_breaks` (``decimals`` 0 for counts, 1 for rates).
    measure
        ``"n_crimes"`` or ``"rate_per_1000"``.

    Returns
    -------
    tuple of str
        ``len(breaks) - 1`` labels.

    Examples
    --------
    >>> class_labels((0.0, 1.0, 2.0, 5.0), "n_crimes")
    ('0', '1', '2 to 5')
    >>> class_labels((0.0, 2.0, 1200.0), "n_crimes")
    ('0 to 1', '2 to 1,200')
    >>> class_labels((3.0, 3.0), "n_crimes")
    ('3',)
    >>> class_labels((0.5, 1.25, 402.61), "rate_per_1000")
    ('0.5 to 1.2', '1.2 to 402.6')
    """
    labels: list[str] = []
    last = len(breaks) - 2
    for i, (low, high) in enumerate(pairwise(breaks)):
        top = high if measure == "rate_per_1000" or i == last else high - 1
        same = _format(low, measure) == _format(top, measure)
        labels.append(
            _format(low, measure) if same else f"{_format(low, measure)} to {_format(top, measure)}"
        )
    return tuple(labels)


def rate_label(first: str, last: str) -> str:
    """
    Name a rate per 1,000 residents with its period: the crimes of all its months, not a year's.

    Parameters
    ----------
    first, last
        The period's first and last month, ``YYYY-MM``.

    Returns
    -------
    str
        E.g. "Crimes per 1,000 residents, 2025-07 to 2025-09 (3 months)".

    Raises
    ------
    ParameterError
        As :func:`spatial.wording.month_count`.
    """
    return f"{MEASURE_LABELS['rate_per_1000']}, {period_text(first, last)}"


def annual_rate(rate_per_1000: float, first: str, last: str) -> float:
    """
    Return a period's rate per 1,000 residents as the average rate a year (12 months' worth).

    Parameters
    ----------
    rate_per_1000
        Crimes over the whole period per 1,000 residents (``rate_per_1000`` of the overview,
        the profile and ``patchmap profile --json``).
    first, last
        The period's first and last month, ``YYYY-MM``.

    Returns
    -------
    float
        ``rate_per_1000 * 12 / months``; NaN stays NaN.

    Raises
    ------
    ParameterError
        As :func:`spatial.wording.month_count`.

    Examples
    --------
    >>> annual_rate(88.7, "2025-07", "2025-09")
    354.8
    """
    return rate_per_1000 * 12 / month_count(first, last)


def overview_map(
    overview: ForceOverview,
    *,
    measure: Measure = "n_crimes",
    period: tuple[str, str] | None = None,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
) -> folium.Map:
    """
    Return a map of every ward coloured by its crimes or its rate per 1,000 residents.

    Parameters
    ----------
    overview
        Counts by ward from :func:`boundaries.overview.force_overview`.
    measure
        ``"n_crimes"`` or ``"rate_per_1000"`` (wards without residents are drawn grey).
    period
        The first and last month counted (the months of ``overview`` when None), named with
        the rate in the legend and the tooltip.
    tiles, asset_url
        As for :func:`layers.map.base_map`.

    Returns
    -------
    folium.Map
        One GeoJSON layer of wards (SVG paths; tooltip: ward, crimes, rate) and a legend of
        the quantile classes.

    Raises
    ------
    CRSError
        When the wards are not in British National Grid.
    EmptyInputError
        When there are no wards.
    MissingColumnError
        When the wards lack a column :class:`~boundaries.overview.ForceOverview` has.
    ParameterError
        When ``measure`` is unknown, no ward has a value of it, or ``period`` is not months.
    """
    if measure not in MEASURE_LABELS:
        msg = f"measure must be one of {', '.join(MEASURE_LABELS)}; found {measure!r}."
        raise ParameterError(msg)
    wards = overview.wards
    require_bng(wards, name="wards")
    require_frame_columns(wards, ("ward_name", "n_crimes", "rate_per_1000"), name="wards")
    m = base_map(wards, tiles=tiles, asset_url=asset_url)
    first, last = period or (overview.months[0], overview.months[-1])
    rate_name = rate_label(first, last)
    values = wards[measure].to_numpy(dtype=np.float64)
    breaks = choropleth_breaks(values, decimals=_DECIMALS[measure])
    rates = wards["rate_per_1000"].to_numpy(dtype=np.float64)
    frame = gpd.GeoDataFrame(
        {
            "ward": [escape_html(v) for v in wards["ward_name"]],
            "crimes": [_format(float(v), "n_crimes") for v in wards["n_crimes"]],
            "rate": [_format(float(v), "rate_per_1000") for v in rates],
            "fill": _classes(values, breaks),
        },
        geometry=wards.geometry.simplify(_SIMPLIFY_M).to_numpy(),
        crs=BNG,
    ).to_crs(WGS84)
    folium.GeoJson(
        frame.to_geo_dict(),
        name="Wards",
        style_function=_style,
        highlight_function=_highlight,
        tooltip=folium.GeoJsonTooltip(
            fields=["ward", "crimes", "rate"],
            aliases=["Ward", f"Crimes, {period_text(first, last)}", rate_name],
        ),
    ).add_to(m)
    entries = [
        LegendEntry(label, colour, "square")
        for label, colour in zip(
            class_labels(breaks, measure), _palette(len(breaks) - 1), strict=True
        )
    ][::-1]
    if not np.isfinite(values).all():
        entries.append(LegendEntry("No residents known", NO_DATA_COLOUR, "square"))
    legend(rate_name if measure == "rate_per_1000" else MEASURE_LABELS[measure], entries).add_to(m)
    return m
