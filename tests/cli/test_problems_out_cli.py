"""``problems --out`` and ``repeats --out``: the JSON record, or the layer as GeoPackage/GeoJSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
import shapely

from patchmap.cli import main
from spatial.crs import BNG

if TYPE_CHECKING:
    from pathlib import Path

DEMO = ["--demo", "--ward", "Castle"]


def _json(command: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    capsys.readouterr()
    assert main([command, *DEMO, "--json", *extra]) == 0
    record: dict[str, object] = json.loads(capsys.readouterr().out)
    return record


def test_problems_out_json_is_the_json_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "problems.json"
    record = _json("problems", capsys, "--out", str(out))
    assert json.loads(out.read_text("utf-8")) == record
    assert record == _json("problems", capsys)  # --out changes nothing printed
    problems = record["problems"]
    assert isinstance(problems, list)
    assert len(problems) > 1


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_problems_out_writes_the_patrol_areas_of_the_json_record(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems = _json("problems", capsys)["problems"]
    assert isinstance(problems, list)
    out = tmp_path / f"problems{suffix}"
    assert main(["problems", *DEMO, "--out", str(out)]) == 0
    assert f"Wrote {len(problems)} features to {out}" in capsys.readouterr().out
    written = gpd.read_file(out)
    assert written.crs is not None
    assert written.crs.to_epsg() == (27700 if suffix == ".gpkg" else 4326)
    written = written.to_crs(BNG)
    assert written["rank"].tolist() == [p["rank"] for p in problems]
    assert written["label"].tolist() == [p["label"] for p in problems]
    assert written["crime_type"].tolist() == [p["crime_type"] for p in problems]
    assert written["n_crimes"].tolist() == [p["n_crimes"] for p in problems]
    tolerance_m = 1e-9 if suffix == ".gpkg" else 0.05  # GeoJSON: WGS84 to 7 decimals (1 cm)
    for area, problem in zip(written.geometry, problems, strict=True):
        expected = shapely.from_wkt(problem["patrol_area_wkt"])
        assert expected.geom_type == "Polygon"
        assert area.area == pytest.approx(problem["area_m2"], rel=1e-5)
        assert area.hausdorff_distance(expected) <= tolerance_m  # the same outline


def test_a_patrol_area_from_the_record_is_stored_in_the_tasking_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from tasking.store import connect, list_areas  # noqa: PLC0415

    problems = _json("problems", capsys)["problems"]
    assert isinstance(problems, list)
    wkt = problems[0]["patrol_area_wkt"]
    db = tmp_path / "log.sqlite"
    args = ["--db", f"sqlite:///{db}", "--user", "u", "--kind", "patrol_area", "--name", "P1"]
    assert main(["tasks", "add", "area", *args, "--wkt", wkt]) == 0
    engine = connect(db)
    try:
        with Session(engine) as session:
            (area,) = list_areas(session)
    finally:
        engine.dispose()
    assert area.geometry.equals(shapely.from_wkt(wkt))


@pytest.mark.parametrize("suffix", [".json", ".gpkg", ".geojson"])
def test_repeats_out_writes_the_record_or_the_locations(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _json("repeats", capsys)
    rows = record["top_locations"]
    assert isinstance(rows, list)
    out = tmp_path / f"repeats{suffix}"
    assert main(["repeats", *DEMO, "--out", str(out)]) == 0
    if suffix == ".json":
        assert json.loads(out.read_text("utf-8")) == record
        return
    written = gpd.read_file(out).to_crs(BNG)
    assert written["rank"].tolist() == [r["rank"] for r in rows]
    assert written["location"].tolist() == [r["location"] for r in rows]
    assert written["n_crimes"].tolist() == [r["n_crimes"] for r in rows]
    tolerance_m = 1e-6 if suffix == ".gpkg" else 0.05
    assert written.geometry.x.tolist() == pytest.approx([r["x_m"] for r in rows], abs=tolerance_m)
    assert written.geometry.y.tolist() == pytest.approx([r["y_m"] for r in rows], abs=tolerance_m)


@pytest.mark.parametrize("command", ["problems", "repeats"])
def test_out_with_another_extension_is_refused_before_anything_is_written(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{command}.csv"
    assert main([command, *DEMO, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out}:" in err
    assert "must end in .json or .gpkg or .geojson" in err
    assert not out.exists()
