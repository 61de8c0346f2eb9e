"""``patchmap backtest``: the coverage asked for and the share of cells really flagged."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from patchmap.cli import main

if TYPE_CHECKING:
    import pytest

_ARGV = ["backtest", "--demo", "--ward", "Castle", "--methods", "counts-all"]


def test_backtest_says_the_share_flagged_beside_a_coverage_below_one_cell(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*_ARGV, "--coverage-pct", "0.01", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    n_cells = record["n_cells"]
    share = round(100 / n_cells, 4)  # one whole cell
    assert [(r["coverage_pct"], r["n_flagged"], r["flagged_pct"]) for r in record["results"]] == [
        (0.01, 1, share)
    ]
    assert (record["default"]["n_flagged"], record["default"]["flagged_pct"]) == (1, share)
    assert main([*_ARGV, "--coverage-pct", "0.01"]) == 0
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("counts-all"))
    assert row.split()[:3] == ["counts-all", "0.01%", "1"]
    assert f"(1 of {n_cells} flagged: {share:.2g} %)" in text
    assert f"the top 0.01 % of cells (1 of {n_cells} flagged: {share:.2g} %) picked by" in text
