"""Gi* hot areas hold exactly the cells their metadata calls significant (the alpha chosen)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from shapely import box

from boundaries.select import Selection, select_points, select_wards
from hotspots.areas import gistar_hot_areas
from hotspots.gistar import gi_star
from patchmap import cli
from spatial.crs import BNG
from spatial.grid import count_points, make_grid
from tasking.products import export_analyses

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from boundaries.dataset import StudyArea


def _cells(significant: list[bool]) -> gpd.GeoDataFrame:
    """Three cells in a row: Hot 99%, Hot 90% (bridging), Hot 99%."""
    return gpd.GeoDataFrame(
        {
            "gi_bin": [3, 1, 3],
            "gi_z": [4.0, 1.7, 4.0],
            "significant": significant,
            "n_crimes": [9, 2, 7],
        },
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)],
        crs=BNG,
    )


def test_a_90_pct_cell_is_in_an_area_only_when_the_alpha_makes_it_significant() -> None:
    at_05 = gistar_hot_areas(_cells([True, False, True]))  # alpha 0.05: the bridge is out
    assert at_05["n_cells"].tolist() == [1, 1]
    assert at_05["n_crimes"].tolist() == [9, 7]
    at_10 = gistar_hot_areas(_cells([True, True, True]))  # alpha 0.10: the bridge is in
    assert at_10["n_cells"].tolist() == [3]
    assert at_10["n_crimes"].tolist() == [18]


def _significant_hot(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return cells.loc[cells["significant"].astype(bool) & (cells["gi_z"] > 0)]


def test_demo_hot_areas_hold_only_significant_cells(demo_area: StudyArea) -> None:
    selection = Selection()
    points, wards = select_points(demo_area, selection), select_wards(demo_area, selection)
    grid = make_grid(wards, cell_size_m=100)  # as the partner export's cells
    cells = gi_star(count_points(points, grid), grid=grid).cells
    not_significant_hot = cells.loc[(cells["gi_bin"] > 0) & ~cells["significant"].astype(bool)]
    assert len(not_significant_hot) == 2  # two Hot 90% cells: not significant at alpha 0.05
    areas = gistar_hot_areas(cells)
    union = shapely.union_all(np.asarray(areas.geometry, dtype=object))
    inside = shapely.contains(union, shapely.point_on_surface(cells.geometry.to_numpy()))
    assert not inside[(cells["gi_bin"] > 0) & ~cells["significant"].astype(bool)].any()
    assert (cells.loc[inside, "significant"].astype(bool) & (cells.loc[inside, "gi_z"] > 0)).all()
    hot = _significant_hot(cells)
    assert int(areas["n_cells"].sum()) <= len(hot)
    assert int(areas["n_crimes"].sum()) == int(hot.loc[inside[hot.index], "n_crimes"].sum())


def test_partner_export_hot_areas_are_the_significant_cells_in_every_format(
    tmp_path: Path, demo_area: StudyArea, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "partner"
    args = ["export", "--demo", "--audience", "partner", "--layers", "hotspots,hot_areas"]
    assert cli.main([*args, "--formats", "gpkg,geojson,csv,kml", "--out", str(out)]) == 0
    capsys.readouterr()
    analyses = export_analyses(
        demo_area, Selection(), layers=["hotspots", "hot_areas"], min_cell_m=100.0
    )
    assert analyses.hotspots is not None
    assert analyses.hot_areas is not None
    cells = analyses.hotspots.cells
    n_in_areas = int(analyses.hot_areas["n_cells"].sum())
    assert n_in_areas == len(_significant_hot(cells)) == 41  # not the 43 of Hot 99/95/90 %
    assert int((cells["gi_bin"] > 0).sum()) == 43
    labels = [str(label) for label in analyses.hot_areas["label"]]
    hot_cells = gpd.read_file(out / "hotspots.geojson")
    assert int((hot_cells["significant"].astype(bool) & (hot_cells["gi_bin"] > 0)).sum()) == 41
    for read in (
        gpd.read_file(out / "patchmap_partner.gpkg", layer="hot_areas"),
        gpd.read_file(out / "hot_areas.geojson"),
        gpd.read_file(out / "patchmap_partner.kml", layer="hot_areas"),
    ):
        assert [str(label) for label in read["label"]] == labels
    csv_labels = (out / "hot_areas.csv").read_text(encoding="utf-8")
    assert all(label in csv_labels for label in labels)
    method = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["methods"]
    assert method["hot_areas"]["method"].startswith("Significant Gi* hot cells (adjusted p <= 0.05")
    assert method["hotspots"]["alpha"] == "0.05"
