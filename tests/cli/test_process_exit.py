"""The console script leaves with ``os._exit`` after its work: nothing written is lost."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from patchmap.cli import main

REPO = Path(__file__).resolve().parents[2]


def _process(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -m patchmap`` (the same entry point as the console script)."""
    return subprocess.run(  # noqa: S603 - runs this repo's own CLI
        [sys.executable, "-m", "patchmap", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_a_process_prints_the_same_json_as_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--demo", "--json"]) == 0
    in_process = json.loads(capsys.readouterr().out)
    result = _process(["summary", "--demo", "--json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == in_process
    assert in_process["n_rows_read"] == 8546  # the demo town's rows, every one counted


def test_a_process_writes_whole_files(tmp_path: Path) -> None:
    out_main, out_process = tmp_path / "main.geojson", tmp_path / "process.geojson"
    assert main(["hotspots", "--demo", "--out", str(out_main), "--json"]) == 0
    result = _process(["hotspots", "--demo", "--out", str(out_process), "--json"])
    assert result.returncode == 0, result.stderr
    json.loads(out_process.read_text())  # the whole file, to its last brace
    layer = gpd.read_file(out_process)
    pd.testing.assert_frame_equal(layer, gpd.read_file(out_main))
    assert len(layer) == json.loads(result.stdout)["result"]["n_cells"] > 0


def test_a_process_reports_errors_with_exit_code_2(tmp_path: Path) -> None:
    result = _process(["summary", "--crimes", str(tmp_path), "--wards", "x.geojson", "--json"])
    usage = _process(["summary", "--no-such-option"])
    assert usage.returncode == 2  # argparse's SystemExit leaves the usual way
    assert "unrecognized arguments" in usage.stderr
    assert result.returncode == 2
    assert result.stderr.startswith("patchmap: error: x.geojson: not found")
    assert "Traceback" not in result.stderr
