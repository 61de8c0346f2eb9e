"""The app marks the demo's police-station artefact as the command does (same answer)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from hotspots.concentration import ARTEFACT_CHECK
from patchmap import cli

if TYPE_CHECKING:
    import pytest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MARK = f"[{ARTEFACT_CHECK}]"


def _page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_eva_page_marks_the_stop_route_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")
    assert cli.main(["route", "--demo"]) == 0
    printed = re.findall(r"^\s*minute\s+[\d.]+\s+(.+)$", capsys.readouterr().out, re.MULTILINE)
    at = _page("app_pages/eva_routes.py")
    (shown,) = [d.value for d in at.dataframe if "Arrive (min)" in d.value.columns]
    stops = [str(s) for s in shown["Stop"]]
    assert stops == printed
    marked = [s for s in stops if MARK in s]
    assert len(marked) == 1
    assert "(305 crimes)" in marked[0]


def test_hotspots_page_marks_the_hot_area_hotspots_marks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["hotspots", "--demo", "--json"]) == 0
    areas = json.loads(capsys.readouterr().out)["result"]["hot_areas"]
    at = _page("app_pages/hotspots.py")
    at.radio(key="hotspot_method").set_value("Gi* hot spots").run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "Trend p" in d.value.columns]
    assert table["Hotspot"].tolist() == [a["label"] for a in areas]
    assert [c or None for c in table["Check"]] == [a["check"] for a in areas]
    assert [a["check"] for a in areas].count(ARTEFACT_CHECK) == 1
