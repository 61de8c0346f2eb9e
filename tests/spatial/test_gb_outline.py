"""Outside Great Britain means off Great Britain's land, not outside a box around it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from spatial.crs import BNG
from spatial.io import POLICE_UK_COLUMNS, read_crimes
from spatial.validate import GB_BUFFER_M, gb_outline, in_gb_land, in_gb_lonlat

TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)
# (longitude, latitude) of places, from their Wikipedia infoboxes
OUTSIDE = {
    "Dublin": (-6.2603, 53.3498),
    "Belfast": (-5.9301, 54.5973),
    "Larne": (-5.8167, 54.8500),
    "Rathlin Island": (-6.1900, 55.2900),
    "Calais": (1.8587, 50.9513),
    "Douglas, Isle of Man": (-4.4821, 54.1523),
    "St Helier, Jersey": (-2.1070, 49.1867),
}
INSIDE = {
    "Cambridge Guildhall": (0.119212, 52.204835),
    "Penzance": (-5.5371, 50.1188),
    "Land's End": (-5.7150, 50.0657),
    "Hugh Town, Isles of Scilly": (-6.3133, 49.9146),
    "Lerwick, Shetland": (-1.1450, 60.1530),
    "Unst, Shetland": (-0.8600, 60.7800),
    "Newport, Isle of Wight": (-1.2983, 50.7008),
    "Ventnor, Isle of Wight": (-1.2069, 50.5936),
    "Holyhead, Anglesey": (-4.6327, 53.3094),
    "Stornoway, Lewis": (-6.3886, 58.2093),
    "Kirkwall, Orkney": (-2.9596, 58.9810),
    "Dover": (1.3134, 51.1279),
    "Portpatrick": (-5.1160, 54.8420),
}


def _in_gb(place: tuple[float, float]) -> bool:
    x, y = TO_BNG.transform(*place)
    return bool(in_gb_land(np.array([x]), np.array([y]))[0])


@pytest.mark.parametrize("name", OUTSIDE)
def test_ireland_northern_ireland_france_and_crown_dependencies_are_outside(name: str) -> None:
    lon, lat = OUTSIDE[name]
    assert not _in_gb(OUTSIDE[name])
    if name != "St Helier, Jersey":
        # the old test: a box around Great Britain let them all in
        assert in_gb_lonlat(np.array([lon]), np.array([lat]))[0]


@pytest.mark.parametrize("name", INSIDE)
def test_great_britain_with_its_islands_and_coasts_is_inside(name: str) -> None:
    assert _in_gb(INSIDE[name])


def test_outline_is_buffered_by_the_stated_margin() -> None:
    outline = gb_outline()
    assert isinstance(outline, shapely.MultiPolygon)
    x, y = TO_BNG.transform(*INSIDE["Land's End"])
    # Land's End is on the coast: the outline's edge lies out at sea, about the margin away
    assert shapely.distance(outline.boundary, shapely.Point(x, y)) > 0.5 * GB_BUFFER_M
    assert shapely.distance(outline.boundary, shapely.Point(x, y)) < GB_BUFFER_M + 1_000
    assert in_gb_land(np.array([np.nan, np.inf]), np.array([0.0, 0.0])).tolist() == [False, False]


def test_crimes_in_ireland_and_france_are_counted_outside_great_britain() -> None:
    header = ",".join(POLICE_UK_COLUMNS)
    rows = [
        f'id{i},2025-01,F,F,{lon},{lat},"On or near {name}",E01,X,Burglary,,'
        for i, (name, (lon, lat)) in enumerate({**OUTSIDE, **INSIDE}.items())
    ]
    load = read_crimes([("x-street.csv", ("\n".join([header, *rows]) + "\n").encode())])
    assert load.n_outside_gb == len(OUTSIDE)
    assert len(load.points) == len(INSIDE)
    assert sorted(load.outside_gb["location"]) == sorted(f"On or near {n}" for n in OUTSIDE)
    assert any("rows lie outside Great Britain" in note for note in load.notes)
