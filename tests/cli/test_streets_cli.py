"""``patchmap streets`` on the demo town: JSON keys, the line file, and errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from patchmap.cli import main
from spatial.demo import PLANTED_PATTERNS

if TYPE_CHECKING:
    from pathlib import Path


def test_streets_json_and_gpkg_have_one_line_per_segment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "streets.gpkg"
    argv = ["streets", "--demo", "--bandwidth-m", "150", "--lixel-m", "50", "--max-snap-m", "50"]
    assert main([*argv, "--method", "nkde-discontinuous", "--json", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {"n_points", "n_snapped", "n_too_far", "total_street_km", "top"} <= set(record)
    assert record["n_snapped"] + record["n_too_far"] == record["n_points"]
    assert len(record["top"]) == 10
    assert set(record["top"][0]) >= {"name", "crimes", "length_m", "per_100m"}
    values = [row["density_per_km"] for row in record["top"]]
    assert values == sorted(values, reverse=True)
    lines = gpd.read_file(out, layer="streets")
    assert set(lines.geom_type) == {"LineString"}
    assert {"n_crimes", "length_m", "density_per_km"} <= set(lines.columns)
    assert int(lines["n_crimes"].sum()) == record["n_snapped"]
    assert lines["length_m"].sum() / 1000 == pytest.approx(record["total_street_km"], rel=1e-6)


def test_streets_gistar_per_lixel_finds_the_planted_hot_street(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lixels.geojson"
    argv = ["streets", "--demo", "--method", "gistar", "--per", "lixel", "--json"]
    assert main([*argv, "--crime-type", "Violence and sexual offences", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    lines = gpd.read_file(out).to_crs(27700)
    assert {"n_crimes", "length_m", "gi_z", "hotspot"} <= set(lines.columns)
    assert len(lines) > 1000  # one line per 50 m lixel
    nte = PLANTED_PATTERNS["nte_violence"]
    top = lines.geometry.iloc[int(lines["gi_z"].to_numpy().argmax())]
    assert top.distance(gpd.points_from_xy([nte.centre_x_m], [nte.centre_y_m])[0]) < nte.radius_m
    # the top list holds pieces with crimes (as the grid page drops cells hot only by neighbours)
    busiest = lines.loc[lines["n_crimes"] > 0, "gi_z"].max()
    assert record["top"][0]["gi_z"] == pytest.approx(busiest, abs=1e-3)


def test_streets_errors_go_to_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["streets", "--demo", "--out", str(tmp_path / "x.csv")]) == 2
    assert ".gpkg or .geojson or .kml" in capsys.readouterr().err
    assert main(["streets", "--demo", "--bandwidth-m", "-5"]) == 2
    assert "bandwidth_m must be a positive" in capsys.readouterr().err


def test_streets_backtest_puts_streets_beside_cells(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["streets", "--demo", "--backtest", "--coverage-pct", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["backtest"]
    assert {r["unit"] for r in rows} == {"cells", "streets"}
    assert {r["method"] for r in rows} == {"counts-all", "kde", "streets-nkde", "streets-counts"}
    assert all(r["pai_mean"] > 1 for r in rows)


def test_streets_walk_writes_the_loop_and_the_streets_walked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.gpkg"
    argv = ["streets", "--demo", "--top", "6", "--walk-start=-1.2114,52.3210", "--json"]
    assert main([*argv, "--max-minutes", "60", "--walk-out", str(out)]) == 0
    walk = json.loads(capsys.readouterr().out)["walk"]
    assert walk["total_time_min"] <= 60
    assert 1 <= len(walk["streets"]) <= 6
    loop = gpd.read_file(out, layer="routes")
    assert len(gpd.read_file(out, layer="route_streets")) == len(walk["streets"])
    assert loop.geom_type.tolist() == ["LineString"]
    assert loop["length_m"].iloc[0] == pytest.approx(walk["distance_m"], abs=0.1)
    assert main([*argv[:-1], "--per", "lixel"]) == 2
    assert "use --per segment" in capsys.readouterr().err


def test_streets_beats_group_the_hot_segments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["streets", "--demo", "--beats", "--json"]) == 0
    beats = json.loads(capsys.readouterr().out)["beats"]
    assert [b["beat_id"] for b in beats] == list(range(1, len(beats) + 1))
    crimes = [b["n_crimes"] for b in beats]
    assert crimes == sorted(crimes, reverse=True)
    assert all(b["length_m"] <= 2_000 for b in beats)


def test_streets_continuous_nkde_per_lixel_integrates_to_the_crimes_snapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lixels.gpkg"
    argv = ["streets", "--demo", "--method", "nkde-continuous", "--per", "lixel", "--lixel-m", "10"]
    assert main([*argv, "--json", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "continuous (Okabe & Sugihara 2012" in record["description"]
    lines = gpd.read_file(out, layer="streets")
    integral = float((lines["density_per_km"] / 1000 * lines["length_m"]).sum())
    # conserved, dead ends included (midpoint rule on 10 m lixels)
    assert integral == pytest.approx(record["n_snapped"], rel=1e-3)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--walk-out writes the street walk: give --walk-start LON,LAT too."),
        (
            ["--walk-start", "0,0"],
            (
                "--walk-out {out}: write the street walk (the loop and its streets); the file "
                "name must end in .gpkg or .kml."
            ),
        ),
    ],
    ids=["without-walk-start", "wrong-suffix"],
)
def test_walk_out_is_refused_by_its_own_name_never_ignored(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by a review: without --walk-start the file was not written and nothing said so;
    # a wrong suffix was reported as --out's
    out = tmp_path / "walk.txt"
    assert main(["streets", "--demo", *extra, "--walk-out", str(out)]) == 2
    assert capsys.readouterr().err == f"patchmap: error: {message.format(out=out)}\n"
    assert not out.exists()
