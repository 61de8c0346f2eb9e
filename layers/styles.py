"""
Colours and sizes shared by every map layer and legend.

Colours are CSS hex strings. They are chosen to stay readable on both OpenStreetMap tiles and the
demo's plain street background, and so that the hotspot classes read hot (red) and cold (blue).
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "CHANGE_COLOURS",
    "CLUSTER_COLOUR",
    "CRIME_POINT_COLOUR",
    "DENSITY_COLOURS",
    "EMERGING_COLOURS",
    "GI_BIN_COLOURS",
    "GI_CLASS_COLOURS",
    "MAP_BACKGROUND_COLOUR",
    "NO_DATA_COLOUR",
    "POINT_RADIUS_MAX_PX",
    "SITE_COLOUR",
    "STREET_COLOUR",
    "WARD_COLOUR",
    "point_radius_px",
]

WARD_COLOUR: Final = "#1f3a93"
"""Ward boundary lines and labels (dark blue)."""
CRIME_POINT_COLOUR: Final = "#d7301f"
"""Crime snap-point circles (red)."""
SITE_COLOUR: Final = "#1a9850"
"""Co-location sites (green)."""
STREET_COLOUR: Final = "#b8b8b8"
"""Streets drawn as the demo's background (light grey)."""
MAP_BACKGROUND_COLOUR: Final = "#f7f7f4"
"""Map background where no tiles are drawn (the demo)."""
CLUSTER_COLOUR: Final = "#6a3d9a"
"""Outline of density-based cluster polygons (purple)."""
NO_DATA_COLOUR: Final = "#bdbdbd"
"""Cells or classes that carry no signal."""

GI_BIN_COLOURS: Final = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    0: "#f7f7f7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}
"""Getis-Ord Gi* ``gi_bin`` (3 = hot 99% .. -3 = cold 99%) to colour: the usual red-blue ramp."""

CHANGE_COLOURS: Final = {"up": GI_BIN_COLOURS[3], "down": GI_BIN_COLOURS[-3]}
"""Cells whose crimes per month rose (red) or fell (blue) significantly between two periods."""

GI_CLASS_COLOURS: Final = dict(
    zip(
        ("Hot 99%", "Hot 95%", "Hot 90%", "Not significant", "Cold 90%", "Cold 95%", "Cold 99%"),
        GI_BIN_COLOURS.values(),
        strict=True,
    )
)
"""The same colours keyed by the ``hotspot`` label of :mod:`hotspots.gistar`, hottest first."""

EMERGING_COLOURS: Final = {
    "New Hot Spot": "#fcbba1",
    "Consecutive Hot Spot": "#fc9272",
    "Intensifying Hot Spot": "#a50f15",
    "Persistent Hot Spot": "#de2d26",
    "Diminishing Hot Spot": "#fb6a4a",
    "Sporadic Hot Spot": "#fdd49e",
    "Oscillating Hot Spot": "#e7298a",
    "Historical Hot Spot": "#bcbddc",
    "New Cold Spot": "#c6dbef",
    "Consecutive Cold Spot": "#9ecae1",
    "Intensifying Cold Spot": "#08519c",
    "Persistent Cold Spot": "#3182bd",
    "Diminishing Cold Spot": "#6baed6",
    "Sporadic Cold Spot": "#c7e9c0",
    "Oscillating Cold Spot": "#41b6c4",
    "Historical Cold Spot": "#d9d9d9",
}
"""Esri emerging hot spot categories to colour (hot: reds, cold: blues; no pattern: not drawn)."""

DENSITY_COLOURS: Final = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#f03b20",
    "#bd0026",
)
"""Sequential yellow-to-red ramp for crime density, lowest class first (ColorBrewer YlOrRd 7)."""

POINT_RADIUS_MAX_PX: Final = 14.0
"""The largest circle drawn for a snap point, in screen pixels."""


def point_radius_px(n_crimes: int) -> float:
    """
    Return the circle radius, in pixels, for a snap point holding ``n_crimes`` crimes.

    The radius grows with the logarithm of the count so that one busy town-centre point does not
    hide its neighbours: 2.5 px for one crime, 5.5 px for 10, 8.5 px for 100, at most 14 px.

    Parameters
    ----------
    n_crimes
        Crimes at the point (at least 1).

    Returns
    -------
    float
        Radius in pixels.

    Examples
    --------
    >>> point_radius_px(1), point_radius_px(10), point_radius_px(100)
    (2.5, 5.5, 8.5)
    """
    return min(2.5 + 3.0 * math.log10(max(n_crimes, 1)), POINT_RADIUS_MAX_PX)
