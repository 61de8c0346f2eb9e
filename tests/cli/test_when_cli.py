"""``patchmap when`` and ``--incidents``/``--hours`` on the demo extract, in-process."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point

from boundaries import dataset
from boundaries.dataset import StudyArea, load_demo
from hotspots.when import WHEN_JSON_KEYS, events_in_hours, hour_of_week, hours_mask, select_events
from layers.when import WHEN_POLICE_ONLY
from patchmap import cli
from spatial import demo
from spatial.demo import demo_incidents, write_demo_extract
from tasking.windows import extract_problems, hot_areas

if TYPE_CHECKING:
    from pathlib import Path

    from spatial.incidents import Incidents

VIOLENCE = "Violence and sexual offences"


@pytest.fixture(scope="module")
def demo_area() -> StudyArea:
    return load_demo()


@pytest.fixture(scope="module")
def extract() -> Incidents:
    return demo_incidents()


@pytest.fixture(scope="module")
def extract_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_extract(tmp_path_factory.mktemp("extract"))


@pytest.fixture(autouse=True)
def _demo_built_once(
    demo_area: StudyArea, extract: Incidents, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset, "load_demo", lambda: demo_area)
    monkeypatch.setattr(demo, "demo_incidents", lambda midnight="as-recorded": extract)  # noqa: ARG005


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert cli.main(argv) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_when_json_has_exactly_the_issue_keys_and_the_planted_window(
    capsys: pytest.CaptureFixture[str], extract: Incidents
) -> None:
    record = _json(
        capsys, ["when", "--demo", "--crime-type", VIOLENCE, "--ward", "Castle", "--json"]
    )
    assert tuple(record) == WHEN_JSON_KEYS
    table = record["hour_of_week"]
    assert isinstance(table, list)
    assert len(table) == 7
    assert all(len(r) == 24 for r in table)
    assert sum(map(sum, table)) == pytest.approx(record["n_events"])
    windows = record["patrol_windows"]
    assert isinstance(windows, list)
    first = windows[0]
    assert (first["days"], first["start_hour"], first["end_hour"]) == (["Fri", "Sat"], 22, 3)
    castle = load_demo().wards.set_index("ward_name").geometry["Castle"]
    events = extract.events
    chosen = events.loc[(events["crime_type"] == VIOLENCE) & events.intersects(castle)]
    assert record["n_events"] == len(chosen)
    assert record["n_at_midnight"] == int(chosen["at_midnight"].sum())  # of the selection
    assert 0 < record["n_at_midnight"] < extract.report.n_at_midnight
    assert record["n_without_time"] == extract.report.n_without_time == 3  # the extract's


def test_when_reads_an_extract_file_and_writes_table_and_chart(
    capsys: pytest.CaptureFixture[str], extract_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "when.html"
    argv = [
        "when",
        "--incidents",
        str(extract_path),
        "--crime-type",
        "Shoplifting",
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    assert "Shoplifting" in out.read_text() or "shoplifting" in out.read_text()
    table = pd.read_csv(out.with_suffix(".csv"), index_col="day", comment="#")
    assert list(table.index) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert table.loc[:, "0":"8"].to_numpy().sum() == 0  # shoplifting is 09:00-18:00
    assert "wrote" in capsys.readouterr().out


def test_when_files_are_marked_for_the_police_only(extract_path: Path, tmp_path: Path) -> None:
    html_out, png_out = tmp_path / "night.html", tmp_path / "castle.png"
    base = ["when", "--incidents", str(extract_path), "--crime-type", "Burglary"]
    assert cli.main([*base, "--out", str(html_out)]) == 0
    assert cli.main(["when", "--demo", "--ward", "Castle", "--out", str(png_out)]) == 0
    for table in (html_out.with_suffix(".csv"), png_out.with_suffix(".csv")):
        head = table.read_text(encoding="utf-8").splitlines()
        assert head[0] == f"# {WHEN_POLICE_ONLY}"
        assert "# Audience: police (no suppression)" in head
        assert next(i for i, line in enumerate(head) if not line.startswith("#")) > 3
    named = html_out.with_suffix(".csv").read_text(encoding="utf-8")
    assert f"force records-management extract: {extract_path.name}" in named  # for the police
    assert "# Filter crime_types: Burglary" in named
    assert "# Area: Castle" in png_out.with_suffix(".csv").read_text(encoding="utf-8")
    page = html_out.read_text(encoding="utf-8")
    assert '<div id="patchmap-metadata" data-audience="police">' in page
    assert f"<p><strong>{WHEN_POLICE_ONLY}</strong></p>" in page
    with Image.open(png_out) as image:
        described = image.text["Description"]  # type: ignore[attr-defined]  # PNG text chunks
    assert described.splitlines()[:2] == [
        WHEN_POLICE_ONLY,
        "patchmap when: Crimes by hour of the week",
    ]
    assert "Audience: police (no suppression)" in described


def test_hotspots_run_on_an_extract_restricted_to_hours(
    capsys: pytest.CaptureFixture[str], extract_path: Path
) -> None:
    base = ["hotspots", "--incidents", str(extract_path), "--demo", "--crime-type", VIOLENCE]
    everything = _json(capsys, [*base, "--json"])
    night = _json(capsys, [*base, "--hours", "Fri 22-03,Sat 22-03", "--json"])
    n_all, n_night = everything["n_crimes"], night["n_crimes"]
    assert isinstance(n_all, int)
    assert isinstance(n_night, int)
    assert 0 < n_night < n_all


def test_summary_without_wards_takes_the_whole_extract(
    capsys: pytest.CaptureFixture[str], extract_path: Path, extract: Incidents
) -> None:
    record = _json(capsys, ["summary", "--incidents", str(extract_path), "--json"])
    assert record["by_ward"] == {"Extract area": extract.report.n_events}
    assert record["n_rows_read"] == extract.report.n_rows  # every row of the extract counted
    assert record["n_without_location"] == extract.report.n_without_location
    assert record["n_duplicates_removed"] == extract.report.n_duplicates


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["when", "--ward", "Castle"], "--ward Castle"),
        (["summary", "--neighbourhood", "North", "--json"], "--neighbourhood North"),
    ],
)
def test_ward_names_for_an_extract_without_wards_ask_for_the_wards(
    capsys: pytest.CaptureFixture[str], extract_path: Path, argv: list[str], named: str
) -> None:
    assert cli.main([*argv, "--incidents", str(extract_path)]) == 2
    assert capsys.readouterr().err == (
        f"patchmap: error: {named}: give the ward boundaries with --wards (without them the "
        "whole extract is one area).\n"
    )


def test_when_without_timed_data_and_hours_without_extract_say_what_to_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["when", "--crimes", "x.csv", "--wards", "w.geojson"]) == 2
    assert "--incidents" in capsys.readouterr().err
    assert cli.main(["hotspots", "--demo", "--hours", "Fri 22-03"]) == 2
    assert "month only" in capsys.readouterr().err


def test_problems_on_an_extract_carry_patrol_windows(
    capsys: pytest.CaptureFixture[str], extract_path: Path
) -> None:
    record = _json(capsys, ["problems", "--incidents", str(extract_path), "--demo", "--json"])
    problems = record["problems"]
    assert isinstance(problems, list)
    assert "note" not in record  # the month-only note is for police.uk data
    top = problems[0]
    assert top["crime_type"] == VIOLENCE
    assert top["patrol_window"] == "Fri and Sat 22:00-03:00"


def test_when_honours_hours_as_every_subcommand_does(
    capsys: pytest.CaptureFixture[str], extract: Incidents
) -> None:
    night = "Fri 22-03,Sat 22-03"
    base = ["when", "--demo", "--crime-type", VIOLENCE, "--json"]
    everything = _json(capsys, base)
    record = _json(capsys, [*base, "--hours", night])
    violence = extract.events.loc[extract.events["crime_type"] == VIOLENCE]
    kept = events_in_hours(violence, hours_mask(night))
    assert record["n_events"] == len(kept)
    assert 0 < len(kept) < len(violence) == everything["n_events"]
    table = np.asarray(record["hour_of_week"]).ravel()
    mask = hours_mask(night)
    assert table.sum() == pytest.approx(len(kept), abs=1e-3)
    assert table[mask].sum() >= 0.5 * len(kept)  # every kept event lies mostly in the hours
    assert table[~mask].sum() < table[mask].sum()
    notes, windows = record["notes"], record["patrol_windows"]
    assert isinstance(notes, list)
    assert f"Only crimes in the hours {night}." in notes
    assert isinstance(windows, list)
    assert windows[0]["days"] == ["Fri", "Sat"]


def test_hot_area_and_problem_are_the_when_pages_areas(
    capsys: pytest.CaptureFixture[str], extract: Incidents, demo_area: StudyArea
) -> None:
    hot = hot_areas(extract.events, demo_area.wards, crime_types=[VIOLENCE])
    record: Any = _json(
        capsys, ["when", "--demo", "--crime-type", VIOLENCE, "--hot-area", "1", "--json"]
    )
    inside = select_events(extract.events, area=hot.geometry.iloc[0], crime_types=[VIOLENCE])
    assert record["n_events"] == len(inside) > 0
    np.testing.assert_allclose(record["hour_of_week"], hour_of_week(inside).table, atol=1e-4)
    assert f"Area: {hot['label'].iloc[0]}." in record["notes"]
    assert hot["label"].iloc[0] in record["patrol_windows"][0]["text"]

    months = (
        str(extract.table["start"].min().to_period("M")),
        str(extract.table["start"].max().to_period("M")),
    )
    problems = extract_problems(extract, demo_area.wards, months=months)
    record = _json(capsys, ["when", "--demo", "--problem", "2", "--json"])
    inside = select_events(extract.events, area=problems.geometry.iloc[1])
    assert record["n_events"] == len(inside) > 0
    np.testing.assert_allclose(record["hour_of_week"], hour_of_week(inside).table, atol=1e-4)
    assert f"Area: the patrol area of {problems['label'].iloc[1]}." in record["notes"]


def test_a_hot_area_number_past_the_list_names_the_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["when", "--demo", "--crime-type", VIOLENCE, "--hot-area", "99"]) == 2
    err = capsys.readouterr().err
    assert "--hot-area 99: the crimes chosen have" in err
    assert "1: Hot area 1 (" in err
    assert cli.main(["when", "--demo", "--hot-area", "1", "--problem", "1"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3"])
def test_when_refuses_a_max_window_that_is_not_a_positive_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["when", "--demo", "--max-window-h", value])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    expected = (
        f"patchmap: error: --max-window-h must be a positive number of hours; got "
        f"{float(value)}. The default is 168 (7 days)."
    )
    assert err == [expected]


@pytest.mark.parametrize("value", [",", "", " , "])
def test_when_refuses_hours_with_no_blocks(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["when", "--demo", "--hours", value])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "patchmap: error: --hours (app: Hours of the week): no blocks given. Write blocks like "
        "'Fri 22-03' or 'Mon-Fri 09-17'."
    )


def test_when_table_file_has_no_float_dust(tmp_path: Path) -> None:
    out = tmp_path / "bw.csv"
    assert cli.main(["when", "--demo", "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col="day", comment="#")
    values = table.to_numpy()
    assert (values >= 0).all()
    np.testing.assert_array_equal(values, np.round(values, 4))


def _extract(path: Path, rows: str) -> Path:
    """Write a force extract of ``rows`` under the usual RMS header."""
    header = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
    path.write_text(header + rows, encoding="utf-8")
    return path


def test_when_counts_midnight_events_of_the_selection_not_of_the_extract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _extract(
        tmp_path / "midnight.csv",
        "M1,13/01/2025 00:00,,Burglary,453850,269500\n"
        "M2,14/01/2025 00:00,,Burglary,453850,269500\n"
        "M3,14/01/2025 22:15,,Burglary,453850,269500\n"
        "T1,17/01/2025 10:30,,Theft,453850,269500\n"
        "T2,18/01/2025 00:00,,Theft,453850,269500\n",
    )
    base = ["when", "--incidents", str(path), "--json"]
    everything = _json(capsys, base)
    assert (everything["n_events"], everything["n_at_midnight"]) == (5, 3)
    burglary = _json(capsys, [*base, "--crime-type", "Burglary"])
    assert (burglary["n_events"], burglary["n_at_midnight"]) == (3, 2)
    morning = _json(capsys, [*base, "--hours", "Fri 10-12"])
    assert (morning["n_events"], morning["n_at_midnight"]) == (1, 0)
    unknown = _json(capsys, [*base, "--crime-type", "Burglary", "--midnight", "unknown"])
    assert unknown["n_at_midnight"] == 2  # as recorded, though now spread over their days

    # the notes say the same counts as the fields beside them
    def at_midnight(record: dict[str, object]) -> list[str]:
        notes = record["notes"]
        assert isinstance(notes, list)
        return [str(n) for n in notes if "exactly 00:00" in n]

    assert at_midnight(everything) == [
        (
            "3 events (60.0%) are recorded at exactly 00:00, often meaning 'time unknown'; "
            "counted at 00:00 (--midnight unknown changes this; app: Times of exactly 00:00)."
        )
    ]
    assert at_midnight(burglary) == [
        (
            "2 of the 3 events selected (66.7%) are recorded at exactly 00:00 (3 in the whole "
            "extract), often meaning 'time unknown'; counted at 00:00 (--midnight unknown changes "
            "this; app: Times of exactly 00:00)."
        )
    ]
    assert at_midnight(morning) == [
        (
            "0 of the 1 event selected (0.0%) are recorded at exactly 00:00 (3 in the whole "
            "extract), often meaning 'time unknown'; counted at 00:00 (--midnight unknown changes "
            "this; app: Times of exactly 00:00)."
        )
    ]
    assert "spread over their day (--midnight as-recorded" in at_midnight(unknown)[0]


@pytest.mark.parametrize("value", ["2025-13", "foo", "2025", "2025-03-15", ""])
def test_when_refuses_a_split_that_is_not_a_month(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["when", "--demo", "--split", value]) == 2
    expected = f"patchmap: error: --split {value}: write YYYY-MM, a month such as 2025-03."
    assert capsys.readouterr().err.strip().splitlines() == [expected]


def test_when_on_an_extract_with_no_usable_row_gives_the_buckets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _extract(
        tmp_path / "nocoords.csv",
        "A1,13/01/2025 10:00,,Theft,,\n"
        "A2,14/01/2025 10:00,,Theft,,\n"
        "A3,14/01/2025 10:00,14/01/2025 09:00,Theft,453850,269500\n",
    )
    assert cli.main(["when", "--incidents", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "patchmap: error: nocoords.csv: no row could be used (3 rows: 2 without location, "
        "1 windows ending before they start). Check the columns read ("
    )
    assert "No events in the selection" not in err


@pytest.mark.parametrize("option", ["--hot-area", "--problem"])
def test_area_number_zero_is_refused_not_taken_for_the_whole_extract(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["when", "--demo", "--crime-type", VIOLENCE, option, "0"]) == 2
    err = capsys.readouterr().err
    assert f"patchmap: error: {option} 0: the crimes chosen have" in err


@pytest.mark.parametrize(
    ("option", "source"), [("--crimes", "data.police.uk"), ("--store", "a store")]
)
@pytest.mark.parametrize("command", ["when", "profile"])
def test_an_extract_with_another_source_of_crimes_is_refused(
    command: str, option: str, source: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _extract(tmp_path / "x.csv", "A1,13/01/2025 22:15,,Theft,545000,258000\n")
    assert cli.main([command, "--incidents", str(path), option, str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"patchmap: error: Use either --incidents (a force extract) or {option} ({source}), "
        "not both.\n"
    )


def test_the_whole_extract_beside_wards_says_how_many_crimes_lie_outside_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = (  # two in the demo town's wards, one 20 km away
        "A1,13/01/2025 22:15,,Theft,453100,268500\n"
        "A2,14/01/2025 22:15,,Theft,454300,269700\n"
        "A3,15/01/2025 10:00,,Theft,472000,268000\n"
    )
    path = _extract(tmp_path / "x.csv", rows)
    wards = load_demo().wards.union_all()
    assert wards.contains(Point(453100, 268500))
    assert wards.contains(Point(454300, 269700))
    assert not wards.contains(Point(472000, 268000))
    record = _json(capsys, ["when", "--incidents", str(path), "--demo", "--json"])
    assert record["n_events"] == 3  # the whole extract, as the When page's "Whole extract"
    assert (
        "Area: the whole extract. 1 of its 3 crimes lies outside the wards; choose wards or a "
        "neighbourhood to count the crimes inside them alone."
    ) in record["notes"]  # type: ignore[operator]
    alone = _json(capsys, ["when", "--incidents", str(path), "--json"])  # no wards, no note
    assert alone["n_events"] == 3
    assert not any("outside the wards" in n for n in alone["notes"])  # type: ignore[attr-defined]


def test_summary_of_an_extract_says_why_its_rows_were_set_aside(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = (
        "A1,13/01/2025 22:15,,Theft,545000,258000\n"
        "A2,,,Theft,545100,258100\n"  # no time
        "A3,15/01/2025 10:00,14/01/2025 10:00,Theft,545200,258200\n"  # ends before it starts
    )
    path = _extract(tmp_path / "x.csv", rows)
    assert cli.main(["summary", "--incidents", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  set aside                 2  (window ends before it starts, without time)" in out
    assert "copies" not in out


@pytest.mark.parametrize("blocks", ["0-6", "24-24", "6-2"])
def test_block_hours_outside_a_day_are_refused_in_the_options_words(
    blocks: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["when", "--demo", "--block-hours", blocks]) == 2
    assert capsys.readouterr().err == (
        f"patchmap: error: --block-hours {blocks}: a patrol window lasts 1 to 23 hours, MIN no "
        "more than MAX, e.g. 2-6.\n"
    )


def test_the_table_file_keeps_its_name_and_says_the_settings_that_change_it(
    extract_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "Night.CSV"
    argv = ["when", "--incidents", str(extract_path), "--midnight", "unknown"]
    assert cli.main([*argv, "--max-window-h", "72", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Night.CSV", "Night.png"]
    head = out.read_text(encoding="utf-8").splitlines()
    assert "# Filter midnight: unknown" in head
    assert "# Filter max_window_h: 72" in head
