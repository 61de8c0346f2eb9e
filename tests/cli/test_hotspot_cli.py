"""
The hotspot subcommands (hotspots, density, change, emerging) on the demo town, in-process.

The demo's planted patterns are found again in the files the commands write, read back with
geopandas and rasterio; the ``--json`` run records hold every automatic choice.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely import Point

from boundaries import dataset
from hotspots.classify import HOT_CATEGORIES
from layers.writers import read_geojson_metadata
from patchmap import cli
from spatial.demo import PLANTED_PATTERNS

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from boundaries.dataset import StudyArea

NTE = PLANTED_PATTERNS["nte_violence"]
ASB = PLANTED_PATTERNS["emerging_asb"]
NTE_CENTRE = Point(NTE.centre_x_m, NTE.centre_y_m)
ASB_CENTRE = Point(ASB.centre_x_m, ASB.centre_y_m)
PERSISTENT_TYPE = {"Persistent Hot Spot", "Intensifying Hot Spot", "Diminishing Hot Spot"}
"""Esri's patterns of a cell hot in at least 90 % of the months."""
EMERGING_TYPE = {"New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot"}
"""Esri's patterns of a cell that has recently become hot."""


@pytest.fixture(autouse=True)
def _demo_loaded_once(demo_area: StudyArea, monkeypatch: pytest.MonkeyPatch) -> None:
    """Share one loaded demo town (a frozen StudyArea) between the commands: it takes seconds."""
    monkeypatch.setattr(dataset, "load_demo", lambda: demo_area)


def _run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert cli.main([*args, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert isinstance(record, dict)
    return record


def _epsg(frame: gpd.GeoDataFrame) -> int | None:
    return None if frame.crs is None else frame.crs.to_epsg()


def _automatic(record: dict[str, object]) -> dict[str, dict[str, object]]:
    choices = record["automatic_choices"]
    assert isinstance(choices, dict)
    return choices


def test_gistar_gpkg_in_bng_has_the_columns_and_a_hot_cell_at_the_nte_centre(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hotspots.gpkg"
    record = _run_json(["hotspots", "--demo", "--out", str(out)], capsys)

    cells = gpd.read_file(out, layer="hotspots")
    assert _epsg(cells) == 27700
    assert {"n_crimes", "gi_z", "gi_p", "gi_p_fdr", "hotspot"} <= set(cells.columns)
    at_centre = cells.loc[cells.intersects(NTE_CENTRE)]
    assert len(at_centre) >= 1
    assert at_centre["hotspot"].str.startswith("Hot").any()
    assert (at_centre["gi_p_fdr"] <= 0.01).any()
    # the record matches the file, and says how the automatic choices were made
    result = record["result"]
    assert isinstance(result, dict)
    assert result["n_hot"] == int((cells["significant"] & (cells["gi_z"] > 0)).sum())
    assert result["n_cells"] == len(cells)
    busiest = result["busiest_hot_cells"]
    assert isinstance(busiest, list)
    hot = cells.loc[cells["significant"] & (cells["gi_z"] > 0)]
    assert busiest[0]["n_crimes"] == hot["n_crimes"].max()
    assert cells["n_crimes"].sum() == record["n_crimes"] == 8486
    automatic = _automatic(record)
    assert automatic["cell_size_m"]["value"] == 25.0
    assert "chosen automatically" in str(automatic["cell_size_m"]["how"])
    assert automatic["correction"]["value"] == "fdr_bh"
    assert "Benjamini-Hochberg" in str(automatic["correction"]["how"])
    assert record["output"] == {
        "path": str(out),
        "format": "GeoPackage",
        "layer": "hotspots",
        "crs": "EPSG:27700",
        "n_features": len(cells),
    }


def test_gistar_hex_geojson_is_wgs84_and_prints_the_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hotspots.geojson"
    args = ["hotspots", "--demo", "--grid", "hex", "--cell-size-m", "100", "--out", str(out)]
    assert cli.main(args) == 0
    text = capsys.readouterr().out

    cells = gpd.read_file(out)
    assert _epsg(cells) == 4326
    assert {"n_crimes", "gi_z", "gi_p", "gi_p_fdr", "hotspot"} <= set(cells.columns)
    centre = gpd.GeoSeries([NTE_CENTRE], crs=27700).to_crs(4326).iloc[0]
    hit = cells.loc[cells.contains(centre)]
    assert len(hit) == 1
    assert hit["hotspot"].iloc[0] == "Hot 99%"
    # hexagons of 100 m x 100 m area: 1 ha each, measured back in BNG
    area_m2 = cells.to_crs(27700).geometry.area
    assert np.allclose(area_m2, 10_000.0, rtol=1e-3)
    metadata = read_geojson_metadata(out)
    methods = metadata["methods"]
    assert isinstance(methods, dict)
    assert methods["hotspots"]["cell_size_m"].startswith("100 (chosen by the user")
    assert "automatic choices:\n" in text
    assert "  correction = fdr_bh: default: Benjamini-Hochberg" in text
    assert "your choices: cell_size_m = 100; grid = hex" in text
    assert f"wrote {out} (GeoJSON (RFC 7946), layer hotspots, EPSG:4326)" in text


def test_kde_top_writes_the_densest_share_of_cells_at_the_nte_centre(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "kde_top.gpkg"
    args = ["hotspots", "--demo", "--method", "kde-top", "--top-share-pct", "2"]
    record = _run_json([*args, "--out", str(out)], capsys)

    cells = gpd.read_file(out)
    result = record["result"]
    assert isinstance(result, dict)
    assert len(cells) == result["n_top_cells"] == math.ceil(result["n_cells"] * 2 / 100)
    assert cells["kde_rank"].tolist() == list(range(1, len(cells) + 1))
    assert cells["density_per_km2"].is_monotonic_decreasing
    densest = cells.geometry.iloc[0].centroid
    assert densest.distance(NTE_CENTRE) < NTE.radius_m
    automatic = _automatic(record)
    assert "Silverman" in str(automatic["bandwidth_m"]["how"])
    assert automatic["kde_cell_size_m"]["value"] == 25.0
    assert "top_share_pct" not in automatic
    parameters = record["parameters"]
    assert isinstance(parameters, dict)
    assert parameters["top_share_pct"] == 2.0


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_clusters_find_the_nte_hotspot_first_with_an_automatic_distance(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clusters.gpkg"
    record = _run_json(["hotspots", "--demo", "--method", method, "--out", str(out)], capsys)

    clusters = gpd.read_file(out)
    assert _epsg(clusters) == 27700
    assert clusters["n_crimes"].is_monotonic_decreasing
    assert clusters.geometry.iloc[0].contains(NTE_CENTRE)
    assert "Violence and sexual offences" in clusters["top_crime_types"].iloc[0]
    automatic = _automatic(record)
    distance = "eps_m" if method == "dbscan" else "selection_epsilon_m"
    assert "chosen automatically" in str(automatic[distance]["how"])
    assert 25.0 < float(str(automatic[distance]["value"])) < 150.0
    assert automatic["min_crimes"]["value"] == 20


def test_density_geotiff_is_bng_and_integrates_to_the_points_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "density.tif"
    record = _run_json(["density", "--demo", "--out", str(out)], capsys)

    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 27700
        assert src.units[0] == "crimes per km2"
        values = src.read(1, masked=True)
        cell_km2 = abs(src.transform.a * src.transform.e) / 1e6
        peak_row, peak_col = np.unravel_index(int(values.argmax()), values.shape)
        peak_x, peak_y = src.xy(peak_row, peak_col)
    result = record["result"]
    assert isinstance(result, dict)
    n_used = result["n_points_used"]
    assert n_used == record["n_crimes"] == 8486
    assert float(values.sum()) * cell_km2 == pytest.approx(n_used, rel=0.005)
    assert Point(peak_x, peak_y).distance(NTE_CENTRE) < NTE.radius_m
    automatic = _automatic(record)
    assert set(automatic) == {"cell_size_m", "bandwidth_m", "kernel"}
    assert "Silverman" in str(automatic["bandwidth_m"]["how"])
    assert cell_km2 == pytest.approx(float(str(automatic["cell_size_m"]["value"])) ** 2 / 1e6)


def test_density_per_1000_residents_writes_the_dual_kde_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rate.tif"
    args = ["density", "--demo", "--per-1000-residents", "--cell-size-m", "50"]
    record = _run_json([*args, "--out", str(out)], capsys)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 27700
        assert src.units[0] == "crimes per 1,000 residents"
        assert "dual kernel density" in str(src.descriptions[0])
        values = src.read(1, masked=True)
    result = record["result"]
    assert isinstance(result, dict)
    assert result["unit"] == "crimes per 1,000 residents"
    assert float(values.max()) == pytest.approx(float(str(result["max_rate_per_1000"])), rel=1e-6)
    assert values.mask.any()  # thinly populated cells are left blank
    assert 0 < float(np.median(values.compressed())) < float(values.max())


def test_rate_without_population_says_what_to_give(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["density", "--crimes", str(cambridge_dir / "crimes")]
    args += ["--wards", str(cambridge_dir / "wards.geojson"), "--ward", "Newnham"]
    assert cli.main([*args, "--per-1000-residents", "--json"]) == 2
    assert "give --population and --lsoas" in capsys.readouterr().err


def test_density_text_names_the_bandwidth_given(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["density", "--demo", "--bandwidth-m", "200", "--kernel", "gaussian"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "your choices: bandwidth_m = 200; kernel = gaussian" in text
    assert "  cell_size_m = 25: Cell size 25 m chosen automatically" in text
    assert "the surface integrates to 8,486.0 crimes" in text


def test_change_finds_the_asb_increase_at_the_emerging_centre(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "change.gpkg"
    args = ["change", "--demo", "--before", "2024-10:2025-05", "--after", "2025-06:2025-09"]
    args += ["--crime-type", "Anti-social behaviour", "--out", str(out)]
    record = _run_json(args, capsys)

    cells = gpd.read_file(out)
    near = cells.loc[cells.intersects(ASB_CENTRE.buffer(ASB.radius_m))]
    busiest = near.iloc[int(near["n_after"].to_numpy().argmax())]
    assert busiest["change"] == "up"
    assert busiest["n_before"] == 0
    assert busiest["p_adjusted"] <= 0.05
    assert (near["change"] != "down").all()
    result = record["result"]
    assert isinstance(result, dict)
    assert result["months_before"] == 8
    assert result["months_after"] == 4
    assert result["n_up"] == int((cells["change"] == "up").sum()) >= 1
    assert result["n_before"] + result["n_after"] == record["n_crimes"]
    assert _automatic(record)["correction"]["value"] == "fdr_bh"


def test_change_counts_the_crimes_of_its_two_periods(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["change", "--demo", "--before", "2024-11:2025-01", "--after", "2025-04:2025-06"]
    record = _run_json(args, capsys)
    result = record["result"]
    assert isinstance(result, dict)
    assert record["n_crimes"] == result["n_before"] + result["n_after"]  # not every month's


def test_change_refuses_a_period_reaching_outside_the_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["change", "--demo", "--before", "2024-06:2024-12", "--after", "2025-06:2025-11"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "The before period 2024-06..2024-12 holds 4 month(s) with no data loaded" in err
    assert cli.main([*args[:3], "2024-10:2024-12", *args[4:]]) == 2
    assert "The after period 2025-06..2025-11 holds 2 month(s)" in capsys.readouterr().err


def _emerging(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> gpd.GeoDataFrame:
    args = ["emerging", "--demo", "--cell-size-m", "150", *args, "--out", str(out)]
    record = _run_json(args, capsys)
    assert _automatic(record)["months"]["value"] == "2024-10:2025-09"
    return gpd.read_file(out)


def _cell_at(cells: gpd.GeoDataFrame, point: Point) -> pd.Series:
    """The busiest cell touching ``point`` (a planted centre may lie on a cell edge)."""
    hit = cells.loc[cells.intersects(point)]
    assert 1 <= len(hit) <= 4
    return hit.iloc[int(hit["n_crimes"].to_numpy().argmax())]


def test_emerging_names_nte_persistent_and_asb_emerging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    every = _emerging([], tmp_path / "all.gpkg", capsys)
    nte = _cell_at(every, NTE_CENTRE)
    assert nte["category"] in PERSISTENT_TYPE
    assert nte["pattern"] == "H" * 12

    asb = _emerging(["--crime-type", "Anti-social behaviour"], tmp_path / "asb.gpkg", capsys)
    cell = _cell_at(asb, ASB_CENTRE)
    assert cell["category"] in EMERGING_TYPE
    assert cell["pattern"].startswith("." * 8)  # never hot before the ASB was planted
    assert cell["pattern"].endswith("H")
    assert set(asb["category"]) <= {*HOT_CATEGORIES, "No Pattern Detected"} | {
        c.replace("Hot", "Cold") for c in HOT_CATEGORIES
    }


def test_emerging_turns_the_short_series_warning_into_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["emerging", "--demo", "--cell-size-m", "150", "--months", "2025-01:2025-06"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "note: Only 6 months analysed; Esri recommends at least 10" in text
    assert "your choices: cell_size_m = 150; months = 2025-01:2025-06" in text


def test_a_too_small_cell_size_exits_2_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["hotspots", "--demo", "--cell-size-m", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "patchmap: error: cell_size_m (5.0) must be at least 25 m" in captured.err
    assert "Use cell_size_m >= 25" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hotspots", "--method", "dbscan", "--grid", "hex"], "--grid does not apply"),
        (["hotspots", "--eps-m", "50"], "--eps-m does not apply to --method gistar"),
        (["hotspots", "--method", "kde-top", "--top-share-pct", "0"], "above 0 and at most 100"),
        (["hotspots", "--out", "cells.csv"], "must end in .gpkg or .geojson"),
        (["density", "--out", "density.gpkg"], "must end in .tif or .tiff"),
        (["emerging", "--out", "no_such_folder/e.gpkg"], "the folder no_such_folder does not"),
        (["change", "--before", "2025-05:2024-10", "--after", "2025-06"], "run backwards"),
    ],
)
def test_bad_options_exit_2_before_loading(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*args, "--demo"]) == 2
    assert message in capsys.readouterr().err


def test_the_run_record_is_plain_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["change", "--demo", "--before", "2025-01:2025-03", "--after", "2025-04:2025-06"]
    args += ["--ward", "Westbury", "--crime-type", "Burglary", "--cell-size-m", "100"]
    assert cli.main([*args, "--json", "--out", str(tmp_path / "c.geojson")]) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text  # cells with no crime before have no ratio: null, not NaN
    record = json.loads(text)
    assert record["filters"] == {"wards": "Westbury", "crime_types": "Burglary"}
    assert record["wards"] == ["Westbury"]
    assert record["period"] == ["2025-01", "2025-06"]
    # the burglary series (2025-01..03) ends: the cells at its centre go down
    decreases = record["result"]["largest_decreases"]
    assert decreases
    series = PLANTED_PATTERNS["burglary_series"]
    first = Point(decreases[0]["x_m"], decreases[0]["y_m"])
    assert first.distance(Point(series.centre_x_m, series.centre_y_m)) < series.radius_m
    assert decreases[0]["n_after"] == 0


def test_output_help_is_per_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        cli.main(["hotspots", "--help"])
    assert "--out FILE: write the cells or clusters: .gpkg (EPSG:27700)" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="0"):
        cli.main(["summary", "--help"])
    assert "--out FILE: write" not in capsys.readouterr().out  # the shared option is untouched


def test_change_refuses_months_that_would_cut_into_its_periods(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # --months 2025-01:2025-09 left 2 of the before period's 6 months, divided by 6: a false rise
    argv = ["change", "--demo", "--before", "2024-10:2025-03", "--after", "2025-04:2025-09"]
    assert cli.main([*argv, "--months", "2025-01:2025-09"]) == 2
    assert capsys.readouterr().err == (
        "patchmap: error: patchmap change compares --before with --after, which choose its "
        "months: leave --months 2025-01:2025-09 out.\n"
    )


PERIODS = ("--before", "2024-10:2025-03", "--after", "2025-04:2025-09")


@pytest.mark.parametrize(
    "argv",
    [
        ["hotspots", "--demo", "--cell-size-m", "5000"],
        ["density", "--demo", "--cell-size-m", "100000"],
        ["change", "--demo", "--cell-size-m", "5000", *PERIODS],
    ],
    ids=["gistar", "density", "change"],
)
def test_a_cell_larger_than_half_the_wards_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # the demo town's wards span 3,811 x 2,884 m: Gi* over one cell gave z 0 with exit 0
    assert cli.main(argv) == 2
    assert "is more than half the wards' extent (3,811 x 2,884 m): a grid of one or two " in (
        capsys.readouterr().err
    )
    assert cli.main(["hotspots", "--demo", "--cell-size-m", "1900"]) == 0  # under the half


@pytest.mark.parametrize(
    ("periods", "said"),
    [
        (
            ["2024-10:2024-10", "2024-11:2024-11"],
            (
                "before 2024-10..2024-10: 686 crimes in 1 month (686.0 a month); after "
                "2024-11..2024-11: 682 in 1 month (682.0 a month)."
            ),
        ),
        (
            ["2024-10:2024-10", "2024-11:2024-12"],
            (
                "before 2024-10..2024-10: 686 crimes in 1 month (686.0 a month); after "
                "2024-11..2024-12: 1,338 in 2 months (669.0 a month)."
            ),
        ),
    ],
)
def test_change_says_one_month_in_the_singular(
    periods: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``change`` said "in 1 months"."""
    before, after = periods
    assert cli.main(["change", "--demo", "--before", before, "--after", after]) == 0
    assert said in capsys.readouterr().out


def test_change_says_an_overlap_of_one_month_in_the_singular(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["change", "--demo", "--before", "2024-10:2024-11", "--after", "2024-11:2024-12"]
    assert cli.main(argv) == 2
    assert "periods overlap in 1 month. Choose periods that do not overlap." in (
        capsys.readouterr().err
    )
