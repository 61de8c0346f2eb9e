"""
Secondary suppression across the layers of one export (``layers.secondary``).

Known answers on small planted layouts, then the demo town, the demo force extract and
Cambridge, exported for partners and the public: every difference a reader can take between a
total and its shown parts (``tests/layers/_disclosure.py``, written apart from the module) is
taken on the files, and none says a count below the threshold. Without the secondary step the
same reader does find such counts, so the check can fail.
"""

from __future__ import annotations

import dataclasses
import zipfile
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point, box

from boundaries.select import Selection
from layers.audience import get_preset
from layers.export import Layer, analysis_layers, export_layers
from layers.metadata import ExportMetadata
from layers.secondary import count_relations, secondary_hidden
from spatial.crs import BNG
from spatial.errors import ParameterError
from tasking.products import export_analyses
from tests.layers._disclosure import (
    Sum,
    blanked_below,
    find_leaks,
    primary_only,
    raw_layers,
    read_counts,
    reader_sums,
    same_rows,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry

    from boundaries.dataset import StudyArea
    from layers.audience import Audience
    from layers.writers import ExportFormat

COUNT_LAYERS: dict[Audience, list[str]] = {
    "partner": ["crimes", "hotspots", "hot_areas", "clusters", "streets"],
    "public": ["crimes", "hotspots", "hot_areas", "clusters"],
}
FORMATS: list[ExportFormat] = ["gpkg", "geojson", "csv", "kml", "shp"]


def _frame(counts: list[int], geometry: Sequence[BaseGeometry]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"n_crimes": counts}, geometry=geometry, crs=BNG)


def _cells(*counts: int) -> gpd.GeoDataFrame:
    """Cells of 100 m in a row from x = 0, with these counts."""
    return _frame(list(counts), [box(100 * i, 0, 100 * i + 100, 100) for i in range(len(counts))])


def _places(*counts: int) -> gpd.GeoDataFrame:
    """One place in the middle of each cell of :func:`_cells`."""
    return _frame(list(counts), [Point(100 * i + 50, 50) for i in range(len(counts))])


def _area(width_cells: int, n: int) -> gpd.GeoDataFrame:
    return _frame([n], [box(0, 0, 100 * width_cells, 100)])


# --- known answers ----------------------------------------------------------------------------


def test_a_cell_whose_one_place_is_blanked_is_blanked_and_its_shown_place_stays() -> None:
    cell = _frame([9], [box(0, 0, 100, 100)])
    places = _frame([6, 3], [Point(20, 20), Point(80, 80)])
    hidden = secondary_hidden({"hotspots": cell, "crimes": places}, min_count=5)
    assert hidden["hotspots"].tolist() == [True]  # 9 - 6 would say 3
    assert hidden["crimes"].tolist() == [False, True]


def test_a_hot_area_is_blanked_when_one_cell_is_but_not_when_enough_others_are() -> None:
    one = secondary_hidden({"hot_areas": _area(3, 19), "hotspots": _cells(8, 3, 8)}, min_count=5)
    assert one["hot_areas"].tolist() == [True]  # 19 - 8 - 8 = 3
    assert one["hotspots"].tolist() == [False, True, False]
    two = secondary_hidden({"hot_areas": _area(3, 15), "hotspots": _cells(8, 3, 4)}, min_count=5)
    assert two["hot_areas"].tolist() == [False]  # 15 - 8 = 7: two cells hold 7, no small count
    assert two["hotspots"].tolist() == [False, True, True]


def test_a_cell_known_empty_by_the_places_does_not_blank_its_hot_area() -> None:
    layers = {"hot_areas": _area(3, 16), "hotspots": _cells(8, 0, 8), "crimes": _places(8, 8)}
    layers["crimes"] = layers["crimes"].set_geometry([Point(50, 50), Point(250, 50)], crs=BNG)
    hidden = secondary_hidden(layers, min_count=5)
    assert hidden["hot_areas"].tolist() == [False]  # the blanked cell has no place: it is 0
    assert hidden["hotspots"].tolist() == [False, True, False]


def test_a_cluster_inside_a_hot_area_is_subtracted_too() -> None:
    # cells A=3, D=2, B=4, C=6: the hot area (15) less its shown cell C leaves 9 (three blanked
    # cells), the cluster over A and D (5) leaves 5; only 15 - 5 - 6 = 4 gives B away
    cells = _cells(3, 2, 4, 6)
    cluster = _frame([5], [box(0, 0, 200, 100)])
    layers = {"hot_areas": _area(4, 15), "clusters": cluster, "hotspots": cells}
    relations = count_relations(layers)
    nested = [r for r in relations if len(r.totals) == 2]
    assert [(r.totals, r.parts) for r in nested if r.totals[0][0] == ("hot_areas", 0)] == [
        (((("hot_areas", 0), 1), (("clusters", 0), -1)), (("hotspots", 2), ("hotspots", 3)))
    ]
    hidden = secondary_hidden(layers, min_count=5)
    assert hidden["hot_areas"].tolist() == [True]
    assert hidden["clusters"].tolist() == [False]
    assert hidden["hotspots"].tolist() == [True, True, True, False]


def test_a_street_counts_the_places_nearest_to_it() -> None:
    streets = _frame([9, 2], [LineString([(0, 0), (100, 0)]), LineString([(0, 500), (100, 500)])])
    places = _frame([6, 3, 2], [Point(10, 10), Point(90, 5), Point(50, 520)])
    relations = count_relations({"streets": streets, "crimes": places})
    assert [r.parts for r in relations] == [
        (("crimes", 0), ("crimes", 1)),
        (("crimes", 2),),
    ]
    hidden = secondary_hidden({"streets": streets, "crimes": places}, min_count=5)
    assert hidden["streets"].tolist() == [True, True]
    assert hidden["crimes"].tolist() == [False, True, True]


def test_counts_that_do_not_add_up_are_no_relation() -> None:
    # a cluster holding only some of the crimes in its cell: 10 is not 6 + 3
    cell = _frame([10], [box(0, 0, 100, 100)])
    places = _frame([6, 3], [Point(20, 20), Point(80, 80)])
    assert count_relations({"clusters": cell, "crimes": places}) == ()
    hidden = secondary_hidden({"clusters": cell, "crimes": places}, min_count=5)
    assert hidden["clusters"].tolist() == [False]


def test_secondary_suppression_refuses_a_threshold_below_one_and_blank_counts() -> None:
    with pytest.raises(ParameterError, match="min_count must be 1 or more; found 0"):
        secondary_hidden({"hotspots": _cells(3)}, min_count=0)
    blank = _cells(3).assign(n_crimes=pd.array([pd.NA], dtype="Int64"))
    with pytest.raises(ParameterError, match="'hotspots' has blank n_crimes before suppression"):
        secondary_hidden({"hotspots": blank}, min_count=5)


def test_police_exports_keep_every_count(tmp_path: Path) -> None:
    layers = [
        Layer("hot_areas", "hot_areas", _area(3, 19).assign(label="Hot area 1", n_cells=3)),
        Layer("hotspots", "hotspots", _cells(8, 3, 8).assign(cell_id=[0, 1, 2])),
    ]
    meta = ExportMetadata(title="t", area="a", audience="police", min_count=None, period=None)
    export_layers(layers, tmp_path / "p.gpkg", metadata=meta, audience="police")
    assert gpd.read_file(tmp_path / "p.gpkg", layer="hot_areas")["n_crimes"].tolist() == [19]
    assert gpd.read_file(tmp_path / "p.gpkg", layer="hotspots")["n_crimes"].tolist() == [8, 3, 8]
    export_layers(layers, tmp_path / "q.gpkg", metadata=meta, audience="partner")
    partner = gpd.read_file(tmp_path / "q.gpkg", layer="hot_areas")
    assert partner["n_crimes"].isna().tolist() == [True]
    assert partner["suppressed"].tolist() == [True]


# --- the demo, the demo extract and Cambridge, as exported -------------------------------------


@pytest.fixture(scope="module")
def extract_area(demo_area: StudyArea) -> StudyArea:
    """The demo force extract on the demo's wards, with the demo's streets."""
    from boundaries.extract import study_area_from_incidents  # noqa: PLC0415
    from spatial.demo import demo_incidents  # noqa: PLC0415

    area = study_area_from_incidents(demo_incidents(), demo_area.wards)
    return dataclasses.replace(area, network_path=demo_area.network_path)


@pytest.fixture(scope="module")
def cambridge_area(cambridge_dir: Path) -> StudyArea:
    from boundaries.dataset import load_study_area  # noqa: PLC0415

    return load_study_area(
        [cambridge_dir / "crimes"],
        cambridge_dir / "wards.geojson",
        network_path=cambridge_dir / "osm" / "cambridge_drive.graphml",
        label="Cambridge (data.police.uk)",
    )


@dataclasses.dataclass(frozen=True)
class Exported:
    """One export's folder, its counts as read back, and the same layers without a threshold."""

    folder: Path
    shown: dict[str, gpd.GeoDataFrame]
    raw: dict[str, gpd.GeoDataFrame]
    min_count: int
    sums: list[Sum]
    case: tuple[str, Audience]


CASES = [
    (dataset, audience)
    for dataset in ("demo", "extract", "cambridge")
    for audience in ("partner", "public")
]
SELECTIONS = {
    "demo": Selection(),
    "extract": Selection(),
    "cambridge": Selection(months=("2025-07", "2025-09")),
}


@pytest.fixture(scope="module", params=CASES, ids=[f"{d}-{a}" for d, a in CASES])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    dataset, audience = request.param
    fixture = {"demo": "demo_area", "extract": "extract_area", "cambridge": "cambridge_area"}
    area: StudyArea = request.getfixturevalue(fixture[dataset])
    preset = get_preset(audience)
    layers = tuple(  # an extract's streets are the police's only (tasking.products.withheld_layers)
        name
        for name in COUNT_LAYERS[audience]
        if not (dataset == "extract" and name in {"streets", "density"})
    )
    analyses = export_analyses(
        area, SELECTIONS[dataset], layers=layers, min_cell_m=preset.min_cell_m
    )
    built = analysis_layers(analyses, audience=audience)
    folder = tmp_path_factory.mktemp(f"{dataset}-{audience}")
    export_layers(
        built.layers,
        folder,
        metadata=built.metadata,
        audience=audience,
        wards=analyses.selected_wards,
        formats=FORMATS,
    )
    assert preset.min_count is not None
    raw = raw_layers(built.layers, audience, analyses.selected_wards)
    shown = read_counts(folder / f"patchmap_{audience}.gpkg")
    return Exported(folder, shown, raw, preset.min_count, reader_sums(raw), request.param)


def test_no_difference_across_the_layers_gives_a_small_count_away(exported: Exported) -> None:
    assert exported.shown  # the export has counts
    assert same_rows(exported.shown, exported.raw)  # the raw counts line up with the file's
    assert blanked_below(exported.shown, exported.raw, min_count=exported.min_count)
    assert find_leaks(exported.shown, exported.sums, min_count=exported.min_count) == []


GIVEN_AWAY = {("demo", "partner"): 100, ("cambridge", "partner"): 41}
"""The audit's cells whose one blanked place their count less the shown places gave away."""


def test_without_the_secondary_step_the_same_reader_finds_small_counts(
    exported: Exported,
) -> None:
    before = primary_only(exported.raw, min_count=exported.min_count)
    leaks = find_leaks(before, exported.sums, min_count=exported.min_count)
    if exported.case not in GIVEN_AWAY:  # extracts per cell, the public per ward: none to find
        assert leaks == []
        return
    assert all(0 <= leak.value < exported.min_count for leak in leaks)
    one_place = {
        leak.totals[0][0]
        for leak in leaks
        if leak.totals[0][0][0] == "hotspots" and len(leak.totals) == 1
    }
    worked_out = {leak.totals[0][0] for leak in leaks if not leak.blanked}
    assert len(one_place | worked_out) >= GIVEN_AWAY[exported.case]


def test_an_extract_gives_partners_one_row_per_cell(request: pytest.FixtureRequest) -> None:
    area: StudyArea = request.getfixturevalue("extract_area")
    analyses = export_analyses(area, Selection(), layers=["crimes", "hotspots"], min_cell_m=100.0)
    raw = raw_layers(analysis_layers(analyses, audience="partner").layers, "partner", None)
    crimes, cells = raw["crimes"], raw["hotspots"]
    assert analyses.crimes is not None
    assert crimes["location"].is_unique  # a cell split between two wards is one row
    assert int(crimes["n_crimes"].sum()) == len(analyses.crimes)
    joined = gpd.sjoin(crimes, cells[["n_crimes", "geometry"]], predicate="within")
    assert len(joined) == len(crimes)
    assert (joined["n_crimes_left"] == joined["n_crimes_right"]).all()  # the cell's own count
    wards = set(analyses.crimes["ward"])
    assert set(crimes["ward"]) <= wards


def _read(path: Path, layer: str) -> pd.Series:
    frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    return pd.to_numeric(frame["n_crimes"], errors="coerce")


def test_every_format_carries_the_counts_of_the_geopackage(exported: Exported) -> None:
    folder = exported.folder
    audience = next(p.stem.split("_")[1] for p in folder.glob("patchmap_*.gpkg"))
    with zipfile.ZipFile(folder / f"patchmap_{audience}.zip") as archive:
        archive.extractall(folder / "shp")
    for name, frame in exported.shown.items():
        expected = pd.to_numeric(frame["n_crimes"], errors="coerce").to_numpy(dtype=float)
        for path, layer in (
            (folder / f"{name}.geojson", ""),
            (folder / f"{name}.csv", ""),
            (folder / f"patchmap_{audience}.kml", name),
            (folder / "shp" / f"{name}.shp", ""),
        ):
            got = _read(path, layer).to_numpy(dtype=float)
            assert np.array_equal(got, expected, equal_nan=True), (name, path.name)
