"""One answer everywhere: the EVA walk of route, export and brief; the pack's change figures."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from patchmap.cli import main
from tasking.profile import build_profile

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from boundaries.dataset import StudyArea

WARD = "Castle"
MEETING = "2025-10-14"


def _months(demo: StudyArea) -> tuple[str, str]:
    return demo.months[-4], demo.months[-2]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out
    record = json.loads(out)
    assert isinstance(record, dict)
    return record


def test_route_export_and_brief_walk_the_same_stops_in_the_same_order(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = demo_area
    first, last = _months(demo)
    data = ["--demo", "--ward", WARD, "--months", f"{first}:{last}"]
    route = _json(capsys, ["route", *data, "--json"])["eva_route"]
    exported = _json(
        capsys,
        [
            "export",
            *data,
            "--layers",
            "routes",
            "--audience",
            "police",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ],
    )
    brief = _json(
        capsys,
        [
            "brief",
            *data,
            "--meeting",
            MEETING,
            "--eva-route",
            "--audience",
            "police",
            "--out",
            str(tmp_path / "pack.html"),
            "--json",
        ],
    )
    assert isinstance(route, dict)
    assert route["stops"]  # a walk with stops
    assert exported["eva_route"] == route
    assert brief["eva_route"] == route
    # the exported files hold the same stops, in the same order
    stops = json.loads((tmp_path / "out" / "route_stops.geojson").read_text(encoding="utf-8"))
    names = [f["properties"]["name"] for f in stops["features"]]
    assert names == [f"Stop {s['order']}: {s['label']}" for s in route["stops"]]


def test_the_packs_change_figures_are_the_profiles(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = demo_area
    first, last = _months(demo)
    record = _json(
        capsys,
        [
            "brief",
            "--demo",
            "--ward",
            WARD,
            "--months",
            f"{first}:{last}",
            "--meeting",
            MEETING,
            "--audience",
            "police",
            "--out",
            str(tmp_path / "pack.html"),
            "--json",
        ],
    )
    profile = build_profile(demo, wards=(WARD,), months=(first, last))
    expected = [
        {
            "label": c.label,
            "before": list(c.before),
            "after": list(c.after),
            "n_before": c.n_before,
            "n_after": c.n_after,
            "change_pct": c.change_pct,
            "p_value": c.p_value,
            "verdict": c.verdict,
        }
        for c in profile.changes
    ]
    assert [c["label"] for c in expected] == ["previous period"]  # the demo has one year
    assert record["changes"] == expected
    html = (tmp_path / "pack.html").read_text(encoding="utf-8")
    for change in profile.changes:
        assert f"{change.n_before:,}" in html
        assert f"{change.n_after:,}" in html


def test_hotspots_json_lists_the_hot_areas_the_export_holds(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = demo_area
    from boundaries.select import Selection  # noqa: PLC0415  # this test only
    from tasking.products import export_analyses  # noqa: PLC0415

    record = _json(capsys, ["hotspots", "--demo", "--ward", WARD, "--json"])
    result = record["result"]
    assert isinstance(result, dict)
    listed = result["hot_areas"]
    exported = export_analyses(demo, Selection(wards=(WARD,)), layers=["hot_areas"]).hot_areas
    assert exported is not None
    assert listed
    assert [a["label"] for a in listed] == [str(x) for x in exported["label"].head(len(listed))]
    assert [a["n_cells"] for a in listed] == [int(n) for n in exported["n_cells"].head(len(listed))]
    # and the exported files hold them
    assert (
        main(
            [
                "export",
                "--demo",
                "--ward",
                WARD,
                "--layers",
                "hot_areas",
                "--audience",
                "police",
                "--out",
                str(tmp_path / "areas.geojson"),
            ]
        )
        == 0
    )
    features = json.loads((tmp_path / "areas.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["label"] for f in features] == [str(x) for x in exported["label"]]


def test_the_pack_counts_the_chosen_crime_types_as_the_summary_does(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = demo_area
    first, last = _months(demo)
    data = ["--demo", "--ward", WARD, "--months", f"{first}:{last}", "--crime-type", "Shoplifting"]
    summary = _json(capsys, ["summary", *data, "--json"])
    record = _json(
        capsys,
        [
            "brief",
            *data,
            "--meeting",
            MEETING,
            "--eva-route",
            "--audience",
            "police",
            "--out",
            str(tmp_path / "pack.html"),
            "--json",
        ],
    )
    profile = record["profile"]
    assert isinstance(profile, dict)
    assert profile["crime_types"] == ["Shoplifting"]
    by_type = summary["by_crime_type"]
    assert isinstance(by_type, dict)
    assert set(by_type) == {"Shoplifting"}
    assert profile["n_crimes"] == summary["n_inside_wards"] == by_type["Shoplifting"]
    everything = build_profile(demo, wards=(WARD,), months=(first, last))
    assert 0 < profile["n_crimes"] < everything.n_crimes  # the filter was applied, not dropped
    html = (tmp_path / "pack.html").read_text(encoding="utf-8")
    assert "<dt>Crime types</dt><dd>Shoplifting</dd>" in html
    # the walk visits hot spots of shoplifting alone, as `route --crime-type` does
    route = _json(capsys, ["route", *data, "--json"])["eva_route"]
    assert record["eva_route"] == route


def test_dbscan_clusters_are_one_set_in_the_command_the_export_and_the_app(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    Cherry Hinton, all months (real data): the automatic eps is set over the ward's area by
    each. Sized over the crimes' hull instead, the app and the export found 8 clusters of 331
    crimes where the command found 10 of 409.
    """
    import geopandas as gpd  # noqa: PLC0415

    from app_pages import _ui  # noqa: PLC0415
    from boundaries.dataset import load_study_area  # noqa: PLC0415
    from boundaries.select import Selection  # noqa: PLC0415
    from hotspots.clusters import DEFAULT_MIN_CRIMES  # noqa: PLC0415

    data = ["--crimes", str(cambridge_dir / "crimes")]
    data += ["--wards", str(cambridge_dir / "wards.geojson"), "--ward", "Cherry Hinton"]
    command = _json(capsys, ["hotspots", *data, "--method", "dbscan", "--json"])["result"]
    assert isinstance(command, dict)
    assert (command["n_clusters"], command["n_clustered"]) == (10, 409)
    out = tmp_path / "export"
    layers = ["--audience", "police", "--layers", "clusters", "--formats", "geojson"]
    assert main(["export", *data, *layers, "--out", str(out)]) == 0
    exported = gpd.read_file(out / "clusters.geojson")
    assert (len(exported), int(exported["n_crimes"].sum())) == (10, 409)
    area = load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")
    selection = Selection(wards=("Cherry Hinton",))
    cluster_result = _ui.cluster_result.__wrapped__  # type: ignore[attr-defined] # uncached
    page = cluster_result("id", selection, "dbscan", None, DEFAULT_MIN_CRIMES, area)
    assert (len(page.clusters), int(page.clusters["n_crimes"].sum())) == (10, 409)
