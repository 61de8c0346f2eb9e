"""
``patchmap export`` for partners and the public: no count hides in a text, nothing finer than
the audience's cells leaves (route stops, cluster outlines), on the demo town.

The selection (Castle, anti-social behaviour, every month) has an EVA stop of 2 crimes, below
both thresholds, and DBSCAN clusters of police.uk snap points. A force extract in the demo town
(exact points) keeps its density and street counts for the police.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from boundaries.dataset import load_demo
from boundaries.select import Selection
from layers.audience import DEFAULT_MIN_COUNT, get_preset, min_count_floor_message
from layers.export import analysis_layers
from patchmap.cli import main
from spatial.grid import cells_covering
from tasking.products import export_analyses
from tests.layers._disclosure import (
    find_leaks,
    primary_only,
    raw_layers,
    read_counts,
    reader_sums,
    same_rows,
)
from tests.layers._export_text import fine_cell_labels, folder_texts, small_counts

if TYPE_CHECKING:
    from pathlib import Path

    from layers.audience import Audience

SELECTION = (
    "--demo",
    "--ward",
    "Castle",
    "--crime-type",
    "Anti-social behaviour",
    "--months",
    "2024-10:2025-09",
)
LAYERS: dict[Audience, str] = {
    "police": "clusters,routes",
    "partner": "crimes,hotspots,hot_areas,density,clusters,routes,sites,wards,streets",
    "public": "crimes,hotspots,hot_areas,density,clusters,sites,wards",
}
COUNTED = ("crimes", "hotspots", "hot_areas", "clusters", "streets")
"""The layers with counts."""
GPX = "{http://www.topografix.com/GPX/1/1}"
STOP_NAME = re.compile(r"Stop \d+: 100 m cell E\d+ N\d+")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[Audience, Path]:
    """Export the selection for each audience, every layer it may receive."""
    root = tmp_path_factory.mktemp("exports")
    out: dict[Audience, Path] = {}
    for audience, layers in LAYERS.items():
        folder = root / audience
        argv = [
            "export",
            *SELECTION,
            "--audience",
            audience,
            "--layers",
            layers,
            "--out",
            str(folder),
        ]
        assert main(argv) == 0
        out[audience] = folder
    return out


def _gpkg(folder: Path, audience: Audience, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(folder / f"patchmap_{audience}.gpkg", layer=layer)


def test_the_police_walk_has_a_stop_below_both_thresholds(exports: dict[Audience, Path]) -> None:
    stops = _gpkg(exports["police"], "police", "route_stops")
    counts = [int(m) for m in stops["name"].str.extract(r"\((\d+) crimes?\)")[0]]
    assert min(counts) < DEFAULT_MIN_COUNT  # what the partner file must not say
    assert all(" 1 crimes" not in n for n in stops["name"])


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_no_text_of_the_export_presents_a_count_below_the_threshold(
    exports: dict[Audience, Path], audience: Audience
) -> None:
    preset = get_preset(audience)
    assert preset.min_count is not None
    texts = folder_texts(exports[audience])
    assert {".gpkg", ".kml", ".geojson", ".csv"} <= {name[name.rfind(".") :] for name in texts}
    assert sum(len(v) for v in texts.values()) > 100  # the names, labels and metadata were read
    assert small_counts(texts, min_count=preset.min_count) == []
    assert fine_cell_labels(texts, min_cell_m=preset.min_cell_m) == []


def test_partner_route_stops_are_at_the_centres_of_100_m_cells_named_without_counts(
    exports: dict[Audience, Path],
) -> None:
    folder = exports["partner"]
    police = _gpkg(exports["police"], "police", "route_stops")
    stops = _gpkg(folder, "partner", "route_stops")
    assert stops["order"].astype(int).tolist() == police["order"].astype(int).tolist()
    xy = shapely.get_coordinates(stops.geometry.to_numpy())
    assert np.allclose(xy % 100.0, 50.0)  # cell centres
    exact = shapely.get_coordinates(police.geometry.to_numpy())
    assert np.all(np.abs(xy - exact) <= 50.0)  # the centre of the cell holding each stop
    assert all(STOP_NAME.fullmatch(n) for n in stops["name"])
    root = ET.parse(folder / "routes.gpx").getroot()  # noqa: S314  # our own export
    waypoints = [w.findtext(f"{GPX}name") or "" for w in root.iter(f"{GPX}wpt")]
    assert waypoints == stops["name"].tolist()
    kml = gpd.read_file(folder / "patchmap_partner.kml", layer="route_stops")
    assert kml["Name"].tolist() == stops["name"].tolist()


def test_the_partner_route_line_is_the_police_walk(exports: dict[Audience, Path]) -> None:
    police = _gpkg(exports["police"], "police", "routes")
    partner = _gpkg(exports["partner"], "partner", "routes")
    assert partner.geometry.iloc[0].equals_exact(police.geometry.iloc[0], 1e-6)  # walkable
    assert partner["length_m"].tolist() == police["length_m"].tolist()


@pytest.mark.parametrize(("audience", "cell_m"), [("partner", 100.0), ("public", 250.0)])
def test_cluster_outlines_are_unions_of_the_audiences_cells(
    exports: dict[Audience, Path], audience: Audience, cell_m: float
) -> None:
    police = _gpkg(exports["police"], "police", "clusters")
    clusters = _gpkg(exports[audience], audience, "clusters")
    assert len(clusters) == len(police) > 0
    hulls = shapely.get_coordinates(police.geometry.to_numpy())
    assert not np.allclose(hulls % cell_m, 0.0, atol=1e-6)  # the police get the hulls
    for outline in clusters.geometry:
        assert outline.area >= cell_m**2 - 1e-6  # never smaller than one cell
        assert outline.area / cell_m**2 == pytest.approx(round(outline.area / cell_m**2))
        assert np.allclose(shapely.get_coordinates(outline) % cell_m, 0.0, atol=1e-6)
    # the cells holding each cluster's crimes: within the cells its hull meets, never more
    met = cells_covering(police.geometry, cell_size_m=cell_m)
    for outline, cells in zip(clusters.geometry, met, strict=True):
        assert outline.difference(cells).area == pytest.approx(0.0, abs=1e-3)
    shown = clusters["n_crimes"].dropna()
    assert (shown >= get_preset(audience).min_count).all()
    assert set(clusters.columns) <= {
        *get_preset(audience).fields["clusters"],
        "suppressed",
        "geometry",
    }


def test_a_stop_of_one_crime_is_named_in_the_singular(tmp_path: Path) -> None:
    out = tmp_path / "walk.gpx"
    argv = [*SELECTION[:-1], "2025-06:2025-09", "--audience", "police", "--layers", "routes"]
    assert main(["export", *argv, "--out", str(out)]) == 0
    root = ET.parse(out).getroot()  # noqa: S314  # our own export
    names = [w.findtext(f"{GPX}name") or "" for w in root.iter(f"{GPX}wpt")]
    assert any(n.endswith("(1 crime)") for n in names), names
    assert not [n for n in names if "1 crimes" in n]


@pytest.mark.parametrize("command", ["export", "brief"])
def test_the_json_of_a_partner_file_gives_the_walk_as_the_file_does(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--json`` beside a shared file printed the exact 25 m stops with their counts."""
    extra = (
        ["--layers", "routes", "--out", str(tmp_path / "x")]
        if command == "export"
        else ["--meeting", "2025-10-14", "--eva-route", "--out", str(tmp_path / "p.html")]
    )
    records = {}
    for audience in ("police", "partner"):
        capsys.readouterr()
        argv = [command, *SELECTION, "--audience", audience, *extra, "--json"]
        assert main(argv) == 0
        records[audience] = json.loads(capsys.readouterr().out)["eva_route"]["stops"]
    police, partner = records["police"], records["partner"]
    assert any(re.search(r"\(\d+ crimes?\)", s["label"]) for s in police)
    assert [s["order"] for s in partner] == [s["order"] for s in police]
    for shared, exact in zip(partner, police, strict=True):
        assert re.fullmatch(r"100 m cell E\d+ N\d+", shared["label"])
        assert shared["x_m"] % 100 == 50.0
        assert shared["y_m"] % 100 == 50.0
        assert abs(shared["x_m"] - exact["x_m"]) <= 50.0
        assert abs(shared["y_m"] - exact["y_m"]) <= 50.0


@pytest.mark.parametrize(("audience", "cell_m"), [("partner", 100.0), ("public", 250.0)])
def test_police_uk_density_is_shared_on_the_audiences_cells(
    exports: dict[Audience, Path], audience: Audience, cell_m: float
) -> None:
    """police.uk snap points are public already: their density keeps its place in the files."""
    with rasterio.open(exports[audience] / "density.tif") as src:
        assert src.res == (cell_m, cell_m)
        assert np.nanmax(src.read(1, masked=True)) > 0


# --- a force extract: exact points, so no density surface or street counts leave the police ---


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded extract in the demo town: a cluster of 60 burglaries and one lone crime."""
    rng = np.random.default_rng(3)
    xy = rng.normal(0.0, 80.0, size=(60, 2)) + np.array([454_000.0, 269_000.0])
    rows = ["Crime Ref,Committed From,Offence,Easting,Northing,Location"]
    rows += [
        f"CR/{i},2025-0{1 + i % 6}-1{i % 9} 21:00,Burglary,{x:.0f},{y:.0f},{i} Victim Road"
        for i, (x, y) in enumerate(xy)
    ]
    rows += ["CR/60,2025-03-04 02:00,Burglary,452375,268834,Lone House"]
    path = tmp_path_factory.mktemp("extract") / "op_nightjar.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _extract_export(extract: Path, *options: str) -> list[str]:
    return ["export", "--demo", "--incidents", str(extract), *options]


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_the_default_export_of_an_extract_leaves_its_density_out_with_a_note(
    tmp_path: Path, extract: Path, audience: Audience, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / audience
    argv = _extract_export(extract, "--audience", audience, "--out", str(out))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "The density layer of a force extract is not shared with partners or the public" in err
    assert "inverted to the points" in err
    assert "The density layer is left out." in err
    assert not (out / "density.tif").exists()
    assert not list(out.glob("*.tif"))
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["methods"]) == {"hotspots", "clusters"}  # the default set, less density
    assert "density" not in meta["fields"]
    assert (out / "hotspots.geojson").exists()


def test_the_police_export_of_an_extract_keeps_its_density(
    tmp_path: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "police.tif"
    argv = _extract_export(extract, "--audience", "police", "--layers", "density")
    assert main([*argv, "--out", str(out)]) == 0
    assert "left out" not in capsys.readouterr().err
    with rasterio.open(out) as src:
        assert src.res == (25.0, 25.0)  # the police keep the working cells


@pytest.mark.parametrize(
    ("audience", "layers"),
    [("partner", "hotspots,density"), ("public", "density"), ("partner", "streets")],
)
def test_an_extracts_density_or_streets_asked_for_a_shared_export_are_refused(
    tmp_path: Path,
    extract: Path,
    audience: Audience,
    layers: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "refused"
    argv = _extract_export(extract, "--audience", audience, "--layers", layers, "--out", str(out))
    assert main(argv) == 2
    err = capsys.readouterr().err
    kind = layers.rsplit(",", 1)[-1]
    assert f"The {kind} layer of a force extract is not shared with partners or the public" in err
    assert "Export it for the police audience, or share the hotspot cells layer" in err
    assert not out.exists()  # refused before anything was written


def test_streets_of_an_extract_are_not_written_for_partners(
    tmp_path: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "streets.gpkg"
    argv = ["streets", "--demo", "--incidents", str(extract), "--audience", "partner"]
    for per in ("segment", "lixel"):
        assert main([*argv, "--per", per, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "--out with --audience partner: The streets layer of a force extract" in err
        assert "pieces of street much shorter than 100 m" in err
        assert not out.exists()


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_no_total_less_its_shown_parts_gives_a_blanked_count_away(
    exports: dict[Audience, Path], audience: Audience
) -> None:
    """Every difference across the layers of the files `export` wrote, taken as a reader would."""
    preset = get_preset(audience)
    assert preset.min_count is not None
    area = load_demo()
    selection = Selection(
        months=("2024-10", "2025-09"), crime_types=("Anti-social behaviour",), wards=("Castle",)
    )
    counted = [k for k in LAYERS[audience].split(",") if k in COUNTED]
    analyses = export_analyses(area, selection, layers=counted, min_cell_m=preset.min_cell_m)
    built = analysis_layers(analyses, audience=audience)
    raw = raw_layers(built.layers, audience, analyses.selected_wards)
    shown = read_counts(exports[audience] / f"patchmap_{audience}.gpkg")
    assert set(shown) == {k for k in counted if k in raw and "n_crimes" in raw[k]}
    assert same_rows(shown, raw)
    sums = reader_sums(raw)
    assert find_leaks(shown, sums, min_count=preset.min_count) == []
    if audience == "partner":  # the check bites: blanking only the small counts gave some away
        before = primary_only(raw, min_count=preset.min_count)
        assert find_leaks(before, sums, min_count=preset.min_count)


def test_the_public_threshold_may_not_go_below_ten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*SELECTION, "--audience", "public", "--layers", "crimes", "--min-count", "5"]
    assert main(["export", *argv, "--out", str(tmp_path / "p.csv")]) == 2
    assert min_count_floor_message("public", 5) in capsys.readouterr().err
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize(
    ("command", "out", "more"),
    [
        ("export", "e.csv", ("--layers", "crimes")),
        ("brief", "p.html", ("--meeting", "2025-10-01")),
    ],
)
def test_a_threshold_for_police_files_is_refused_not_ignored(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    out: str,
    more: tuple[str, ...],
) -> None:
    """Police files blank nothing: ``--min-count 50`` for them was silently ignored."""
    argv = [command, *SELECTION, "--audience", "police", "--min-count", "50", *more]
    assert main([*argv, "--out", str(tmp_path / out)]) == 2
    err = capsys.readouterr().err
    assert "A threshold of 50 does not apply to police files: they blank no count." in err
    assert err.count("\n") == 1  # one line
    assert not (tmp_path / out).exists()


def test_an_extract_in_the_demo_town_exports_the_demo_towns_sites_as_the_app_does(
    tmp_path: Path, extract: Path
) -> None:
    """--demo brings the demo town's sites and streets to an extract, as the app's data set does."""
    out = tmp_path / "partner"
    assert main(_extract_export(extract, "--audience", "partner", "--out", str(out))) == 0
    sites = gpd.read_file(out / "sites.geojson")
    demo_sites = load_demo().sites
    assert demo_sites is not None
    assert len(sites) == len(demo_sites) > 0
    assert sorted(sites["name"]) == sorted(demo_sites["name"])


def _cell_counts(folder: Path, layer: str, key: str) -> dict[str, str]:
    """Each cell's count in one exported CSV (blank when blanked), by its label or outline."""
    frame = pd.read_csv(folder / f"{layer}.csv", dtype=str, keep_default_na=False)
    return dict(zip(frame[key], frame["n_crimes"], strict=True))


def test_files_chosen_by_ward_give_each_cell_of_an_extract_one_count(
    tmp_path: Path, demo_extract_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by an exploratory test: counted per ward and cell, a cell on a ward boundary showed
    # 1 crime in one ward's file, 10 in the other's and 11 in the whole area's (so that 1 lay in
    # one part of the cell), and a count blanked in one file was the whole's less the other's
    files = {}
    for ward in (None, "Riverside", "Northfield", "Castle"):
        out = tmp_path / (ward or "all")
        argv = ["export", "--demo", "--incidents", str(demo_extract_file), "--audience"]
        argv += ["partner", "--layers", "crimes,hotspots", "--formats", "csv", "--out", str(out)]
        assert main(argv + (["--ward", ward] if ward else [])) == 0
        files[ward] = out
    capsys.readouterr()
    for layer, key in (("crimes", "location"), ("hotspots", "wkt")):
        whole = _cell_counts(files[None], layer, key)
        seen: list[str] = []
        for ward in ("Riverside", "Northfield", "Castle"):
            counts = _cell_counts(files[ward], layer, key)
            assert counts.items() <= whole.items(), (layer, ward)  # a cell's count, or blank
            seen += counts
        on_edges = [c for c in set(seen) if seen.count(c) > 1]
        assert len(on_edges) >= 5, layer  # cells in two wards' files: the ones that leaked
    meta = json.loads((files["Castle"] / "metadata.json").read_text(encoding="utf-8"))
    assert "a cell on their edge is counted whole" in meta["methods"]["crimes"]["cells"]
    assert "a cell on their edge is counted whole" in meta["methods"]["hotspots"]["cells"]


@pytest.mark.parametrize(
    ("data", "audience", "size"),
    [("extract", "partner", "200 (150 m raised to 200 m, a whole number of the 100 m cells"),
     ("extract", "police", "150 (chosen"),
     ("police.uk", "partner", "150 (chosen")],
)  # fmt: skip
def test_an_extracts_hot_spot_cells_are_whole_numbers_of_its_shown_cells(
    tmp_path: Path,
    demo_extract_file: Path,
    data: str,
    audience: str,
    size: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 150 m Gi* cells beside 100 m crime cells would show the counts of 50 m strips between them
    extract = ["--incidents", str(demo_extract_file)] if data == "extract" else []
    argv = ["export", "--demo", *extract, "--audience", audience, "--layers", "hotspots"]
    assert main([*argv, "--cell-size", "150", "--formats", "csv", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert meta["methods"]["hotspots"]["cell_size_m"].startswith(size)
