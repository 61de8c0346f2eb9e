"""
``export --incidents --hours`` and ``brief --incidents --hours``: the crimes of those hours only.

The files say so: every export file's metadata lists the hours among its filters, as it lists
the months and crime types, and a pack's cover names them beside its period and crime types.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pyogrio
import pytest

from boundaries.extract import study_area_from_incidents
from boundaries.select import Selection, select_points
from hotspots.when import area_in_hours
from patchmap import cli
from spatial.demo import NEAR_REPEAT_CHAIN, demo_incidents
from tasking.pack import pack_period
from tasking.profile import build_profile

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea

NIGHTS = "Fri 22-03,Sat 22-03"
MONTHS = ("2025-05", "2025-06")
WARD = NEAR_REPEAT_CHAIN.ward
MEETING = dt.date(2025, 10, 14)


@pytest.fixture(scope="module")
def nights_area(demo_area: StudyArea) -> StudyArea:
    """The demo extract in the demo town's wards, only its crimes of Friday and Saturday nights."""
    return area_in_hours(study_area_from_incidents(demo_incidents(), demo_area.wards), NIGHTS)


def _metadata(out: Path) -> list[dict[str, object]]:
    """The metadata of every file ``export`` wrote into ``out`` (GeoPackage layers, JSON, KML)."""
    gpkg = out / "patchmap_police.gpkg"
    found = [
        json.loads(pyogrio.read_info(gpkg, layer=name)["layer_metadata"]["PATCHMAP_METADATA"])
        for name, _ in pyogrio.list_layers(gpkg)
    ]
    found += [json.loads(p.read_text(encoding="utf-8"))["metadata"] for p in out.glob("*.geojson")]
    sidecars = [out / "metadata.json", *out.glob("*.csv.metadata.json")]
    return found + [json.loads(p.read_text(encoding="utf-8")) for p in sidecars]


def test_export_with_hours_writes_those_crimes_and_says_so_in_every_file(
    demo_extract_file: Path, nights_area: StudyArea, tmp_path: Path
) -> None:
    base = ["export", "--demo", "--incidents", str(demo_extract_file), "--audience", "police"]
    base += ["--layers", "crimes,hotspots", "--months", ":".join(MONTHS)]
    out = tmp_path / "nights"
    assert cli.main([*base, "--hours", NIGHTS, "--out", str(out)]) == 0
    every = tmp_path / "every"
    assert cli.main([*base, "--out", str(every)]) == 0
    crimes = pyogrio.read_dataframe(out / "patchmap_police.gpkg", layer="crimes")
    expected = select_points(nights_area, Selection(months=MONTHS))
    assert sorted(crimes["crime_id"]) == sorted(expected["crime_id"])
    n_every = len(pyogrio.read_dataframe(every / "patchmap_police.gpkg", layer="crimes"))
    assert 0 < len(crimes) < n_every
    written = _metadata(out)
    assert len(written) == 2 + 2 + 1 + 2  # two layers, two GeoJSON, metadata.json, two CSVs
    for metadata in written:
        assert metadata["filters"] == {"months": "2025-05 to 2025-06", "hours": NIGHTS}
    assert all("hours" not in m["filters"] for m in _metadata(every))  # type: ignore[operator]
    kml = (out / "patchmap_police.kml").read_text(encoding="utf-8")
    assert f"Filter hours: {NIGHTS}" in kml


def test_brief_with_hours_counts_those_crimes_and_names_them_on_the_cover(
    demo_extract_file: Path,
    nights_area: StudyArea,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["brief", "--demo", "--incidents", str(demo_extract_file), "--ward", WARD]
    base += ["--meeting", MEETING.isoformat(), "--audience", "police", "--json"]
    assert cli.main([*base, "--hours", NIGHTS, "--out", str(tmp_path / "nights.html")]) == 0
    nights = json.loads(capsys.readouterr().out)
    assert cli.main([*base, "--out", str(tmp_path / "every.html")]) == 0
    every = json.loads(capsys.readouterr().out)
    months = pack_period(nights_area, MEETING)
    profile = build_profile(nights_area, wards=(WARD,), months=months)
    assert nights["profile"]["n_crimes"] == profile.n_crimes
    assert 0 < profile.n_crimes < every["profile"]["n_crimes"]
    cover = (tmp_path / "nights.html").read_text(encoding="utf-8")
    hours = f"<dt>Hours of the week</dt><dd>{NIGHTS} (only crimes in these hours)</dd>"
    assert hours in cover
    assert "Hours of the week" not in (tmp_path / "every.html").read_text(encoding="utf-8")
    # the near-repeat test is the extract's, all hours: the section says so beside the cover
    scope = " ".join(cover.split("<h2>Near repeats</h2>")[1].split())
    assert "whatever months or crime types, or hours of the week, the rest of this pack" in scope


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("Fri 22-3x", ("cannot read 'Fri 22-3x'. Write blocks like 'Fri 22-03' or "
                       "'Mon-Fri 09-17', separated by commas (days Mon..Sun, hours 0-24).")),
        (" , ", "no blocks given. Write blocks like 'Fri 22-03' or 'Mon-Fri 09-17'."),
    ],
)  # fmt: skip
def test_hours_that_cannot_be_read_are_refused_naming_the_apps_box(
    demo_extract_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    value: str,
    said: str,
) -> None:
    for command in (["export"], ["brief", "--ward", WARD, "--meeting", MEETING.isoformat()]):
        argv = [*command, "--demo", "--incidents", str(demo_extract_file), "--hours", value]
        assert cli.main([*argv, "--out", str(tmp_path / "x.html")]) == 2
        assert capsys.readouterr().err == (
            f"patchmap: error: --hours (app: Hours of the week): {said}\n"
        )


def _summary(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    capsys.readouterr()
    assert cli.main(["summary", "--json", *argv]) == 0
    record: dict[str, int] = json.loads(capsys.readouterr().out)
    return record


@pytest.mark.parametrize("ward", [None, "Castle"])
def test_summary_with_hours_counts_the_other_hours_apart_from_the_wards(
    ward: str | None,
    demo_extract_file: Path,
    nights_area: StudyArea,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # found by an exploratory test: the crimes of other hours were counted outside the wards
    argv = ["--incidents", str(demo_extract_file), "--demo", *(["--ward", ward] if ward else [])]
    every = _summary(argv, capsys)
    nights = _summary([*argv, "--hours", NIGHTS], capsys)
    in_hours = select_points(nights_area, Selection(wards=(ward,) if ward else None))
    assert nights["n_inside_wards"] == len(in_hours) > 0
    assert nights["n_outside_wards"] == len(nights_area.outside_wards) <= every["n_outside_wards"]
    located = ("n_outside_wards", "n_in_other_wards", "n_inside_wards")
    assert nights["n_outside_hours"] == sum(every[k] - nights[k] for k in located) > 0
    assert every["n_outside_hours"] == 0
    for same in ("n_rows_read", "n_rows", "n_without_location", "n_set_aside"):
        assert nights[same] == every[same]  # every row read is still counted, once
