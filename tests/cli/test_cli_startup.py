"""`patchmap --help` and `patchmap NAME --help` import only the standard library and patchmap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patchmap.cli import SUBCOMMANDS

REPO = Path(__file__).resolve().parents[2]
HEAVY = (
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "scipy",
    "sklearn",
    "osmnx",
    "networkx",
    "sqlalchemy",
    "alembic",
    "streamlit",
    "matplotlib",
    "folium",
    "rasterio",
    "jinja2",
)
"""Top-level packages that no help text may import."""
OURS_HEAVY = ("boundaries", "hotspots", "tasking", "layers")
"""patchmap's analysis packages (spatial.errors, which imports nothing, is allowed)."""
MARK = "--- modules ---"
PROBE = f"""
import json, runpy, sys
sys.argv = ["patchmap", *json.loads(sys.argv[1])]
try:
    runpy.run_module("patchmap", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
print({MARK!r})
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def _help_imports(args: list[str]) -> tuple[str, set[str]]:
    done = subprocess.run(  # noqa: S603 - runs this repo's own command
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    text, _, record = done.stdout.partition(MARK)
    result = json.loads(record)
    assert result["code"] == 0, done.stderr
    return text, {name.split(".")[0] for name in result["modules"]} | set(result["modules"])


HELP_ARGS = [
    ["--help"],
    *([name, "--help"] for name, _, _ in SUBCOMMANDS),
    ["tasks", "add", "finding", "--help"],
    ["tasks", "update", "action", "--help"],
    ["tasks", "assess", "--help"],
]


@pytest.mark.parametrize("args", HELP_ARGS, ids=" ".join)
def test_help_imports_no_analysis_stack(args: list[str]) -> None:
    text, modules = _help_imports(args)
    assert "usage: patchmap" in text
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
    assert modules.isdisjoint(OURS_HEAVY), sorted(modules & set(OURS_HEAVY))


def test_subcommand_help_imports_only_its_own_stage_module() -> None:
    text, modules = _help_imports(["route", "--help"])
    assert "--walk-kmh" in text
    stage_modules = {module for _, module, _ in SUBCOMMANDS}
    assert modules & stage_modules == {"patchmap.walk"}
