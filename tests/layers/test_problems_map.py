from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.problems import PATROL_AREA_COLOUR, patrol_area_layer, problems_map
from spatial.crs import BNG
from spatial.errors import MissingColumnError


def _problems() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "problem_id": ["P1"],
            "label": ["Violence hotspot near <script>alert(1)</script>"],
            "n_crimes": [42],
            "score": [336.04],
        },
        geometry=[shapely.box(453800, 269450, 453950, 269600)],
        crs=BNG,
    )


def test_patrol_areas_are_escaped_and_styled() -> None:
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Castle"]}, geometry=[shapely.box(453000, 269000, 455000, 270500)], crs=BNG
    )
    rendered = problems_map(wards, _problems(), tiles="none").get_root().render()
    assert "<script>alert(1)</script>" not in rendered
    assert "\\u0026lt;script\\u0026gt;" in rendered
    assert PATROL_AREA_COLOUR in rendered
    assert "336.0" in rendered
    assert "Proposed patrol area" in rendered


def test_patrol_area_layer_needs_the_problem_columns() -> None:
    with pytest.raises(MissingColumnError, match="flag_problems"):
        patrol_area_layer(_problems().drop(columns="score"))
    assert patrol_area_layer(_problems().iloc[:0]).layer_name == "Patrol areas"
