"""``patchmap backtest --streets``: street rows (PAI on street length) beside the cells."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from boundaries.select import Selection, select_points
from hotspots.street_backtest import street_backtest
from patchmap.cli import main
from spatial.network import load_network

if TYPE_CHECKING:
    from pathlib import Path

_ARGV = ["backtest", "--demo", "--methods", "counts-all,kde", "--coverage-pct", "5"]


def test_backtest_json_has_the_street_rows_of_the_package_function(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*_ARGV, "--streets", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {r["method"] for r in record["results"]} == {"counts-all", "kde"}
    streets = record["streets"]
    assert streets["unit"] == "street length"
    rows = {r["method"]: r for r in streets["results"]}
    assert set(rows) == {"streets-nkde", "streets-counts"}

    area = load_demo()
    assert area.network_path is not None
    expected = street_backtest(
        select_points(area, Selection()),
        network=load_network(area.network_path),
        coverages_pct=[5.0],
    ).summary.set_index("method")
    for method, row in rows.items():
        assert row["coverage_pct"] == 5
        assert row["pai_mean"] == pytest.approx(expected.loc[method, "pai_mean"], abs=1e-4)
        assert row["hit_rate_mean"] == pytest.approx(
            expected.loc[method, "hit_rate_mean"], abs=1e-4
        )
        assert row["n_origins"] == expected.loc[method, "n_origins"]
        assert row["pai_mean"] > 1  # the planted hot streets are found month after month
    assert streets["origins"] == record["origins"]  # the same rolling origins as the cells


def test_backtest_text_lists_streets_under_the_cells(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_ARGV, "--streets"]) == 0
    text = capsys.readouterr().out
    assert text.index("kde") < text.index("streets-nkde")
    assert "PAI on street length" in text


def test_backtest_without_streets_has_no_street_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt.json"
    assert main([*_ARGV, "--json", "--out", str(out)]) == 0
    assert "streets" not in json.loads(capsys.readouterr().out)
    assert "streets" not in json.loads(out.read_text(encoding="utf-8"))


def test_backtest_network_file_that_is_missing_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*_ARGV, "--network", str(tmp_path / "nowhere.graphml")]) == 2
    assert "nowhere.graphml" in capsys.readouterr().err


def test_backtest_streets_refuse_day_horizons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_ARGV, "--streets", "--horizon-days", "7"]) == 2
    assert "leave out --horizon-days" in capsys.readouterr().err
