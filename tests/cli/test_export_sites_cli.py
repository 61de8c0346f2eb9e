"""`export` and `brief` take the co-location sites with --sites, as `route` and `catchment` do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

SITES = (
    "name,kind,lon,lat\n"
    "Parkside Police Station,police,0.1307,52.2028\n"
    "Guildhall,council,0.1190,52.2053\n"
)


def _data(cambridge_dir: Path) -> list[str]:
    crimes, wards = cambridge_dir / "crimes", cambridge_dir / "wards.geojson"
    return ["--crimes", str(crimes), "--wards", str(wards), "--ward", "Market"]


def test_export_writes_the_sites_given(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(SITES, encoding="utf-8")
    out = tmp_path / "sites.gpkg"
    args = ["export", *_data(cambridge_dir), "--layers", "sites", "--audience", "police"]
    assert main([*args, "--sites", str(sites), "--out", str(out)]) == 0
    written = gpd.read_file(out, layer="sites")
    assert sorted(written["name"]) == ["Guildhall", "Parkside Police Station"]
    assert written.crs is not None
    assert written.crs.to_epsg() == 27700
    capsys.readouterr()
    without = [
        "export",
        *_data(cambridge_dir),
        "--layers",
        "hotspots,sites",
        "--audience",
        "police",
    ]
    assert main([*without, "--out", str(tmp_path / "none.gpkg")]) == 0  # said, not silent
    assert "patchmap: No co-location sites are loaded (give --sites FILE" in capsys.readouterr().err


def test_brief_takes_the_sites_and_refuses_a_wrong_file(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(SITES, encoding="utf-8")
    args = ["brief", *_data(cambridge_dir), "--meeting", "2025-10-14"]
    assert main([*args, "--sites", str(sites), "--out", str(tmp_path / "pack.html")]) == 0
    assert (tmp_path / "pack.html").stat().st_size > 0
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,lon,lat\nX,0.13,52.2\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*args, "--sites", str(wrong), "--out", str(tmp_path / "p2.html")]) == 2
    assert "kind" in capsys.readouterr().err  # the missing column named


def test_a_layer_the_audience_may_not_have_is_refused_before_anything_else(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # public files have no routes: said first, not "load a street network"
    args = ["export", "--demo", "--ward", "Castle", "--audience", "public"]
    assert main([*args, "--layers", "hotspots,routes", "--out", str(tmp_path / "x.gpkg")]) == 2
    assert capsys.readouterr().err == (
        "patchmap: error: The public preset does not allow the routes layer(s). Allowed: "
        "crimes, hotspots, hot_areas, density, clusters, sites, wards.\n"
    )
    assert not (tmp_path / "x.gpkg").exists()
