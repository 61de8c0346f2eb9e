"""``--area-name``: the user's name for the area heads packs and export metadata, escaped."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo, named
from patchmap import cli
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from pathlib import Path

HOSTILE = 'Fenbridge <b>east</b> & "co"'


def test_export_metadata_and_the_pack_cover_carry_the_name(tmp_path: Path) -> None:
    out = tmp_path / "export"
    argv = ["export", "--demo", "--area-name", f"  {HOSTILE} ", "--audience", "partner"]
    assert cli.main([*argv, "--layers", "hotspots", "--formats", "geojson", "--out", str(out)]) == 0
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["title"] == f"patchmap export: {HOSTILE}"
    pack = tmp_path / "pack.html"
    brief = ["brief", "--demo", "--ward", "Castle", "--meeting", "2025-10-14"]
    assert cli.main([*brief, "--area-name", HOSTILE, "--out", str(pack)]) == 0
    html = pack.read_text(encoding="utf-8")
    assert "<dt>Data</dt><dd>Fenbridge &lt;b&gt;east&lt;/b&gt; &amp; &#34;co&#34;</dd>" in html
    assert "<b>east" not in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (" ", "The area name is blank. Give a name, or leave it out to use the ward file's name."),
        (
            "x" * 81,
            (
                "The area name has 81 characters; give at most 80 (it heads pages, pack covers and "
                "export metadata)."
            ),
        ),
    ],
)
def test_a_blank_or_long_name_is_refused(
    name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["summary", "--demo", "--area-name", name]) == 2
    assert capsys.readouterr().err.strip() == f"patchmap: error: {message}"
    with pytest.raises(ParameterError, match="The area name"):
        named(load_demo(), name)


def test_the_name_replaces_the_label_in_the_area_warning() -> None:
    area = load_demo()
    assert named(area, None) is area
    renamed = named(area, " Fenbridge\teast ")
    assert renamed.label == "Fenbridge east"
    assert renamed.points is area.points  # the same data, nothing re-read
    # wards of another area: the warning that comes first among the notes names the area
    stray = dataclasses.replace(area, points=area.points.iloc[:1], outside_wards=area.points)
    assert stray.area_mismatch is not None
    stray = dataclasses.replace(stray, notes=(stray.area_mismatch, *stray.notes))
    moved = named(stray, "Fenbridge east")
    assert moved.notes[0] == moved.area_mismatch
    assert moved.notes[0].startswith("The 7 wards of Fenbridge east hold 1 of the 8,487 crimes")
    assert moved.notes[1:] == stray.notes[1:]
