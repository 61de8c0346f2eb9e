from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, box

from boundaries.dataset import StudyArea, load_study_area
from boundaries.select import Selection, select_points
from hotspots.backtest import (
    Backtest,
    area_label,
    backtest,
    crime_label,
    describe_backtest,
    evaluate_origin,
    pai_chart_data,
    summary_table,
)
from hotspots.cube import CrimeCube, build_cube, cube_for_selection
from hotspots.methods import DEFAULT_METHODS
from spatial.crime_types import ASB
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.grid import make_grid

if TYPE_CHECKING:
    from pathlib import Path


def test_hit_rate_pai_pei_rri_on_a_tiny_grid_by_hand() -> None:
    # 10 cells; 2 flagged (20 % of the area). Scores favour cells 3 and 7.
    scores = np.array([0, 1, 0, 9, 0, 0, 0, 8, 2, 0], dtype=float)
    # next month: 10 crimes, 4 in cell 3, 1 in cell 7, 5 in cell 8
    actual = np.array([0, 0, 0, 4, 0, 0, 0, 1, 5, 0], dtype=float)
    # before: 20 crimes, 12 of them in cells 3 and 7
    past = np.array([2, 2, 0, 6, 0, 0, 2, 6, 2, 0], dtype=float)
    r = evaluate_origin(scores, actual, n_flag=2, past=past, month="2025-05")
    assert r.hit_rate == pytest.approx(0.5)  # 5 of 10
    assert r.pai == pytest.approx(0.5 / 0.2)  # 2.5
    # the best 2 cells (8 and 3) held 9 of 10: best PAI 4.5, PEI 2.5 / 4.5
    assert r.pei == pytest.approx(5 / 9)
    assert r.rri == pytest.approx(0.5 / (12 / 20))
    assert (r.month, r.n_crimes, r.n_flagged) == ("2025-05", 10, 2)


def test_an_oracle_scorer_has_pei_one() -> None:
    rng = np.random.default_rng(11)
    actual = rng.poisson(0.7, size=500).astype(float)
    for n_flag in (1, 5, 25, 100):
        r = evaluate_origin(actual, actual, n_flag=n_flag)
        assert r.pei == pytest.approx(1.0)
        best_share = np.sort(actual)[::-1][:n_flag].sum() / actual.sum()
        assert r.pai == pytest.approx(best_share / (n_flag / 500))


def test_a_month_without_crime_has_no_pai() -> None:
    r = evaluate_origin(np.ones(4), np.zeros(4), n_flag=1, month="2025-02")
    assert (r.hit_rate, r.pai, r.pei, r.rri, r.n_crimes) == (None, None, None, None, 0)
    with pytest.raises(ParameterError, match="n_flag must lie between 1 and"):
        evaluate_origin(np.ones(4), np.ones(4), n_flag=0)


def _strip_cube() -> CrimeCube:
    """Two wards of 5 cells; crime at cells 1 and 7, none at all in April."""
    wards = gpd.GeoDataFrame(
        {"ward_name": ["West", "East"]},
        geometry=[box(0, 0, 500, 100), box(500, 0, 1000, 100)],
        crs=BNG,
    )
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    rows = []
    for month in months:
        if month == "2025-04":
            continue
        rows += [(150, "West", month)] * 3 + [(750, "East", month)] * 2 + [(350, "West", month)]
    pts = gpd.GeoDataFrame(
        {
            "month": [r[2] for r in rows],
            "crime_type": ["Burglary"] * len(rows),
            "ward": [r[1] for r in rows],
        },
        geometry=[Point(r[0], 50) for r in rows],
        crs=BNG,
    )
    return build_cube(pts, make_grid(wards, cell_size_m=100), months=months, wards=wards)


def test_backtest_lists_empty_months_as_null_and_leaves_them_out() -> None:
    result = backtest(
        _strip_cube(),
        methods=[DEFAULT_METHODS["counts-all"], DEFAULT_METHODS["default"]],
        coverages_pct=[10, 20],
        min_train_months=2,
    )
    assert result.origins == ("2025-03", "2025-04", "2025-05", "2025-06")
    counts_all = result.result("counts-all", 10)
    # one cell of 10 flagged: cell 1 holds 3 of 6 crimes each month -> PAI 0.5 / 0.1 = 5
    assert [o.pai for o in counts_all.per_origin] == [
        pytest.approx(5.0),
        None,
        pytest.approx(5.0),
        pytest.approx(5.0),
    ]
    assert counts_all.null_months == ("2025-04",)
    assert counts_all.pai_mean == pytest.approx(5.0)
    assert counts_all.pai_sd == pytest.approx(0.0)
    # two cells flagged: cell 1 (3 a month) and cell 7 (2 a month) hold 5 of 6, the best possible
    two = result.result("counts-all", 20)
    assert two.hit_rate_mean == pytest.approx(5 / 6)
    assert two.pei_mean == pytest.approx(1.0)
    assert any("2025-04" in n and "left out of the means" in n for n in result.notes)
    assert any("Only 6.0 selected crimes a month" in n for n in result.notes)
    # per ward: West's 5 cells, 1 flagged at 20 %: cell 1 holds 3 of West's 4 crimes
    west = result.result("counts-all", 20, ward="West")
    assert west.n_cells == 5
    assert west.pai_mean == pytest.approx((3 / 4) / (1 / 5))
    record = json.loads(json.dumps(result.to_dict()))  # JSON-ready
    assert [r["coverage_pct"] for r in record["results"]] == [10.0, 20.0, 10.0, 20.0]
    assert record["results"][0]["pai_mean"] == 5.0
    assert record["default"]["method"] in {"blend", "counts-all", "ewma", "model"}
    per_origin = record["results"][0]["per_origin"]
    assert [o["month"] for o in per_origin] == list(result.origins)
    assert per_origin[1]["pai"] is None


def test_a_coverage_below_one_cell_reports_the_share_really_flagged() -> None:
    result = backtest(
        _strip_cube(),
        methods=[DEFAULT_METHODS["counts-all"]],
        coverages_pct=[1, 10],
        min_train_months=2,
    )
    tiny = result.result("counts-all", 1)
    # 1 % of 10 cells is a tenth of a cell: one whole cell, 10 % of the area, is flagged
    assert (tiny.coverage_pct, tiny.n_flagged, tiny.flagged_pct) == (1.0, 1, 10.0)
    assert tiny.pai_mean == pytest.approx(5.0)  # PAI is measured on the 10 % flagged
    west = result.result("counts-all", 1, ward="West")
    assert (west.n_flagged, west.flagged_pct) == (1, 20.0)
    record = json.loads(json.dumps(result.to_dict()))
    assert [(r["coverage_pct"], r["n_flagged"], r["flagged_pct"]) for r in record["results"]] == [
        (1.0, 1, 10.0),
        (10.0, 1, 10.0),
    ]
    assert (record["default"]["n_flagged"], record["default"]["flagged_pct"]) == (1, 10.0)
    sentence = describe_backtest(result, coverage_pct=1, crime="burglary", area="the strip")
    assert sentence.startswith(
        "For burglary in the strip, the top 1 % of cells (1 of 10 flagged: 10 %) picked by "
    )
    assert describe_backtest(result, coverage_pct=10).startswith(
        "For crime in the selected wards, the top 10 % of cells picked by "
    )
    assert "for the top 1 % of cells (1 of 10 flagged: 10 %) over" in result.default.why


def test_backtest_rejects_too_few_months_and_bad_coverage() -> None:
    with pytest.raises(ParameterError, match="The data have 6 month"):
        backtest(_strip_cube(), min_train_months=6)
    with pytest.raises(ParameterError, match=r"Coverage 0\.0 is not above 0"):
        backtest(_strip_cube(), coverages_pct=[0])


def test_sentence_chart_data_and_labels() -> None:
    result = backtest(
        _strip_cube(),
        methods=[DEFAULT_METHODS["counts-all"], DEFAULT_METHODS["kde"]],
        coverages_pct=[10],
        min_train_months=2,
    )
    sentence = describe_backtest(result, coverage_pct=10, crime="burglary", area="West")
    assert sentence.startswith(
        "For burglary in West, the top 10 % of cells picked by counts over all past months "
        "caught 50 % of next month's burglary, PAI 5.0; kernel density"
    )
    assert sentence.endswith("(mean of 3 months).")
    chart = pai_chart_data(result)
    assert len(chart) == 2 * 4
    assert chart["pai"].isna().sum() == 2  # April, for both methods
    assert chart["month"].tolist()[:4] == list(result.origins)
    table = summary_table(result)
    assert table["n_origins"].tolist() == [3, 3]
    assert crime_label([ASB]) == "ASB"
    assert crime_label(["Burglary", "Robbery"]) == "the 2 selected crime types"
    assert area_label(["A", "B", "C"]) == "3 wards"


# --- Cambridge, 14 wards, 13 months --------------------------------------------------------------


@pytest.fixture(scope="module")
def cambridge(cambridge_dir: Path) -> StudyArea:
    return load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")


def _independent_counts_all_pai(
    points: gpd.GeoDataFrame, cube: CrimeCube, months: tuple[str, ...]
) -> list[float]:
    """PAI at 5 % of counts over all past months, counted with pandas from the raw points."""
    grid = cube.grid
    frame = pd.DataFrame(
        {
            "col": np.floor((points.geometry.x - grid.origin_x_m) / 100).astype(int),
            "row": np.floor((points.geometry.y - grid.origin_y_m) / 100).astype(int),
            "month": [str(m) for m in points["month"]],
        }
    )
    cells = pd.DataFrame(
        {"row": grid.cells["row"], "col": grid.cells["col"], "cell_id": grid.cells["cell_id"]}
    )
    frame = frame.merge(cells, on=["row", "col"], how="inner")
    n_cells = len(cells)
    n_flag = math.ceil(0.05 * n_cells)
    pais = []
    for i in range(3, len(months)):
        past = frame[frame["month"] < months[i]].groupby("cell_id").size()
        now = frame[frame["month"] == months[i]].groupby("cell_id").size()
        table = cells[["cell_id"]].copy()
        table["past"] = table["cell_id"].map(past).fillna(0)
        table["now"] = table["cell_id"].map(now).fillna(0)
        top = table.sort_values(["past", "cell_id"], ascending=[False, True]).head(n_flag)
        pais.append((top["now"].sum() / table["now"].sum()) / (n_flag / n_cells))
    return pais


@pytest.mark.parametrize("crime_types", [None, (ASB,)])
def test_cambridge_counts_all_matches_an_independent_count_and_default_is_no_worse(
    cambridge: StudyArea, crime_types: tuple[str, ...] | None
) -> None:
    selection = Selection(crime_types=crime_types)
    cube = cube_for_selection(cambridge, selection)
    assert cube.grid.cell_size_m == 100
    result: Backtest = backtest(
        cube,
        methods=[DEFAULT_METHODS["counts-all"], DEFAULT_METHODS["default"]],
        coverages_pct=[5],
        min_train_months=3,
        per_ward=crime_types is None,
    )
    assert result.origins[0] == "2024-12"
    assert len(result.origins) == 10
    counts_all = result.result("counts-all", 5)
    expected = _independent_counts_all_pai(select_points(cambridge, selection), cube, cube.months)
    got = [o.pai for o in counts_all.per_origin]
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected), rtol=1e-12)
    # the measurement: 12.7 for all crime, 11.5 for ASB
    assert counts_all.pai_mean == pytest.approx(12.7 if crime_types is None else 11.5, abs=0.05)
    default = result.result("default", 5)
    assert default.pai_mean is not None
    assert counts_all.pai_mean is not None
    assert default.pai_mean >= counts_all.pai_mean
    assert result.default.method.name != "default"
    assert "mean PAI" in result.default.why
    if crime_types is None:
        # every crime in the selection lies in exactly one ward's cells
        for i, month in enumerate(result.origins):
            by_ward = [
                r.per_origin[i].n_crimes for r in result.by_ward if r.method.name == "counts-all"
            ]
            assert sum(by_ward) == counts_all.per_origin[i].n_crimes, month
        assert len({r.ward for r in result.by_ward}) == 14


def test_cli_backtest_json_and_forecast_file(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from patchmap.cli import main  # noqa: PLC0415 -- the CLI is a script beside the packages

    data = [
        "--crimes",
        str(cambridge_dir / "crimes"),
        "--wards",
        str(cambridge_dir / "wards.geojson"),
    ]
    code = main(
        [
            "backtest",
            *data,
            "--ward",
            "Market",
            "--crime-type",
            ASB,
            "--methods",
            "counts-all,kde",
            "--coverage-pct",
            "5,10",
            "--json",
        ]
    )
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["cell_size_m"] == 100
    assert [(r["method"], r["coverage_pct"]) for r in record["results"]] == [
        ("counts-all", 5.0),
        ("counts-all", 10.0),
        ("kde", 5.0),
        ("kde", 10.0),
    ]
    first = record["results"][0]
    assert set(first) >= {"pai_mean", "pai_sd", "pei_mean", "hit_rate_mean", "per_origin"}
    assert [o["month"] for o in first["per_origin"]] == record["origins"]
    assert set(record["default"]) >= {"method", "parameters", "why"}

    out = tmp_path / "cells.geojson"
    code = main(
        [
            "forecast",
            *data,
            "--ward",
            "Market",
            "--month",
            "2025-06",
            "--method",
            "counts-all",
            "--coverage-pct",
            "5",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    cells = gpd.read_file(out)
    assert cells.crs == "EPSG:4326"  # GeoJSON is written in WGS84 (RFC 7946)
    assert cells["rank"].tolist() == list(range(1, math.ceil(printed["n_cells"] * 0.05) + 1))
    assert set(cells.columns) == {"cell_id", "score", "rank", "method", "n_crimes_past", "geometry"}
    assert printed["history_months"][-1] == "2025-05"
    assert main(["forecast", *data, "--month", "2024-09"]) == 2
    assert "No month before 2024-09" in capsys.readouterr().err
