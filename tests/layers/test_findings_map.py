from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.findings import NOTHING_SEEN_COLOUR, PROBLEM_SEEN_COLOUR, findings_map
from spatial.crs import BNG
from spatial.errors import CRSError


def _findings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "route_id": [7, 7],
            "stop_number": [1, 2],
            "walked_on": pd.Series([pd.Timestamp(dt.date(2025, 8, 3)), pd.NaT]),
            "issues": ["graffiti; fly_tipping", ""],
            "note": ["<script>alert(1)</script>", "quiet"],
            "spoken_to": ["shopkeeper", ""],
            "photo_ref": ["IMG_0042", ""],
        },
        geometry=gpd.points_from_xy([454100.0, 454200.0], [270450.0, 270500.0]),
        crs=BNG,
    )


def test_findings_map_colours_escapes_and_fits() -> None:
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Northfield"]},
        geometry=[shapely.box(453500, 270000, 455000, 271000)],
        crs=BNG,
    )
    html = findings_map(_findings(), wards, route_names={7: "Lime Ave EVA"}, tiles="none")
    rendered = html.get_root().render()
    assert "<script>alert(1)</script>" not in rendered
    # html.escape, then JSON-encoded into the GeoJSON: "&" appears as \u0026.
    assert "\\u0026lt;script\\u0026gt;alert(1)" in rendered
    assert PROBLEM_SEEN_COLOUR in rendered
    assert NOTHING_SEEN_COLOUR in rendered
    assert "Lime Ave EVA" in rendered
    assert "graffiti; fly tipping" in rendered
    with pytest.raises(CRSError, match="EPSG:27700"):
        findings_map(_findings().to_crs(4326), wards, route_names={}, tiles="none")
