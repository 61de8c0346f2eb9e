from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from patchmap.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - runs this repo's own CLI
        [sys.executable, "-m", "patchmap", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_summary_json_contract_on_cambridge(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "summary",
            "--crimes",
            str(cambridge_dir / "crimes"),
            "--wards",
            str(cambridge_dir / "wards.geojson"),
            "--ward",
            "Market",
            "--ward",
            "Newnham",
            "--json",
        ]
    )
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {
        "n_rows",
        "n_without_location",
        "n_outside_gb",
        "n_outside_wards",
        "n_inside_wards",
        "months",
        "by_ward",
        "by_crime_type",
    }
    assert record["by_ward"] == {"Market": 4206, "Newnham": 467}
    assert record["n_inside_wards"] == 4206 + 467
    assert record["n_rows"] == 90_957
    assert record["n_without_location"] == 2_859
    assert record["n_rows"] == (
        record["n_without_location"]
        + record["n_outside_gb"]
        + record["n_outside_wards"]
        + record["n_in_other_wards"]
        + record["n_inside_wards"]
    )
    # the other 12 wards' crimes are in them, not outside the wards (as without --ward)
    assert record["n_in_other_wards"] == 17_785 - 4206 - 467
    assert record["n_outside_wards"] == 90_957 - 2_859 - 17_785
    assert record["months"][0] == "2024-09"
    assert len(record["months"]) == 13
    assert sum(record["by_crime_type"].values()) == 4206 + 467


def test_summary_filters_by_month_and_type(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["summary", "--crimes", str(cambridge_dir / "crimes")]
    args += ["--wards", str(cambridge_dir / "wards.geojson"), "--json"]
    args += ["--months", "2025-09:2025-09", "--crime-type", "Anti-social behaviour"]
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["months"] == ["2025-09"]
    assert record["n_rows"] == 1131  # ASB rows in the force's September 2025 file
    assert set(record["by_crime_type"]) == {"Anti-social behaviour"}
    assert main([a for a in args if a != "--json"]) == 0  # the text says one month, not "1 months"
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == f"wards.geojson: {record['n_rows_read']:,} rows read in 1 month"


def test_errors_go_to_stderr_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "crimes.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    wards = tmp_path / "wards.geojson"
    wards.write_text("{}")
    result = _run(["summary", "--crimes", str(bad), "--wards", str(wards), "--json"])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert "could not be read as ward boundaries" in result.stderr


def test_missing_data_options_are_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--json"]) == 2
    assert "--demo for the demo town" in capsys.readouterr().err


def test_profile_json_contract_on_cambridge(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["profile", "--crimes", str(cambridge_dir / "crimes")]
    args += ["--wards", str(cambridge_dir / "wards.geojson"), "--ward", "Market", "--json"]
    args += [
        "--population",
        str(cambridge_dir / "population/lsoa21_census2021_usual_residents.csv"),
    ]
    args += ["--lsoas", str(cambridge_dir / "boundaries/lsoa_2021.geojson")]
    args += ["--months", "2025-04:2025-09"]
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {
        "n_crimes",
        "by_crime_type",
        "by_month",
        "rate_per_1000",
        "change",
        "top_locations",
    }
    assert record["n_crimes"] == sum(record["by_month"].values())
    assert record["n_crimes"] == sum(record["by_crime_type"].values())
    assert list(record["by_month"]) == [
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
        "2025-09",
    ]
    assert record["change"][0]["label"] == "previous period"
    assert 0 <= record["change"][0]["p_value"] <= 1
    police = [t for t in record["top_locations"] if t["location"] == "On or near Police Station"]
    assert police
    assert "police building" in police[0]["artefact"]
    # The text names the rate's period: the same whole-period figure as rate_per_1000.
    assert main([a for a in args if a != "--json"]) == 0
    text = capsys.readouterr().out
    rate = record["rate_per_1000"]
    assert f"rate per 1,000 residents, 2025-04 to 2025-09 (6 months): {rate:,.1f}" in text
    # the population without its LSOA boundaries gave no rate and no word why
    assert main([*args[: args.index("--lsoas")], *args[args.index("--months") :]]) == 2
    assert capsys.readouterr().err.startswith("patchmap: error: --population needs --lsoas too")


def test_problems_json_lists_ranked_problems(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["problems", "--crimes", str(cambridge_dir / "crimes")]
    args += ["--wards", str(cambridge_dir / "wards.geojson"), "--ward", "Market", "--json"]
    assert main([*args, "--max-problems", "3"]) == 0
    record = json.loads(capsys.readouterr().out)
    problems = record["problems"]
    assert [p["rank"] for p in problems] == [1, 2, 3]
    assert problems[0]["crime_type"] == "Violence and sexual offences"
    assert "month only" in record["note"]


def test_problems_says_when_it_finds_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["problems", "--demo", "--min-crimes", "100000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No problem found: none of the selection's crime types has a hot area")


def test_repeats_flags_the_demo_police_station(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["repeats", "--demo", "--ward", "Riverside", "--top-n", "3", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    first = record["top_locations"][0]
    assert first["location"] == "On or near Police Station"
    assert "police building" in first["artefact"]
    assert record["n_crimes"] > first["n_crimes"]
    shares = record["concentration"]
    assert (
        0 < shares["share_top_1pct"] <= shares["share_top_5pct"] <= shares["share_top_10pct"] <= 1
    )
    assert shares["gini_generalised"] > shares["gini_null"]


def test_profile_text_gives_the_notes_the_json_gives(
    cambridge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wards = gpd.read_file(cambridge_dir / "wards.geojson").to_crs(27700)
    moved = tmp_path / "elsewhere.geojson"  # Cambridge's wards moved onto north London
    wards.set_geometry(wards.translate(-15_000, -78_000)).to_file(moved)
    args = ["profile", "--crimes", str(cambridge_dir / "crimes"), "--wards", str(moved)]
    args += ["--ward", "Abbey", "--months", "2025-08:2025-11"]
    assert main([*args, "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert notes[0].startswith("The 14 wards of elsewhere.geojson hold 11 of the 88,098 crimes")
    assert notes[1] == "No data loaded for 2025-10, 2025-11; those months count as 0."
    assert main(args) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-2:] == [f"note: {note}" for note in notes]


def test_profile_sets_reports_beside_recorded_crime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports.csv"
    reports.write_text(
        "date,reported_by,issue,lon,lat\n"
        "2025-08-03,resident,drug dealing by the shops,-1.2125,52.3215\n"
        "2025-08-09,environmental services,fly-tipping in the alley,-1.2125,52.3215\n"
        "2024-01-09,resident,drug dealing long ago,-1.2125,52.3215\n",
        encoding="utf-8",
    )
    args = ["profile", "--demo", "--ward", "Castle", "--months", "2025-07:2025-09"]
    assert main([*args, "--reports", str(reports), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    gap = {row["theme"]: row for row in record["reports_gap"]}
    assert gap["Drugs"]["n_reports"] == 1  # the 2024 report is outside the period
    assert gap["Drugs"]["n_recorded"] == record["by_crime_type"]["Drugs"]
    assert "under-reporting" in gap["Drugs"]["reading"]
    assert main([*args, "--reports", str(reports)]) == 0  # the text shows them too
    text = capsys.readouterr().out
    assert "  reports beside recorded crime:" in text
    drugs = f"    {'Drugs':<28}     1 report, {gap['Drugs']['n_recorded']:>5,} recorded: "
    assert drugs in text
    assert "1 report is a partner issue police.uk never records." in text  # the fly-tipping
    assert " 1 reports" not in text


def test_profile_counts_eva_findings_from_the_tasking_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt  # noqa: PLC0415 - only this test records findings

    from shapely import LineString, Point  # noqa: PLC0415
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from spatial.demo import PLANTED_PATTERNS  # noqa: PLC0415
    from tasking.store import add_area, add_finding, connect  # noqa: PLC0415

    nte = PLANTED_PATTERNS["nte_violence"]
    inside = Point(nte.centre_x_m, nte.centre_y_m)
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    with Session(connect(url)) as session, session.begin():
        route = add_area(
            session,
            LineString([(inside.x, inside.y), (inside.x + 50, inside.y)]),
            kind="eva_route",
            name="Castle EVA",
            user="pc",
        )
        for seen, day in ((True, 5), (False, 6), (True, 7)):
            add_finding(
                session,
                route.id,
                stop_number=1,
                answers={"graffiti": seen},
                user="pc",
                walked_on=dt.date(2025, 8, day),
                point=inside,
            )
    args = ["profile", "--demo", "--ward", nte.ward, "--months", "2025-07:2025-09"]
    assert main([*args, "--db", url, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["eva_findings"]
    assert found["n_findings"] == 3
    assert found["n_with_issues"] == 2
    assert found["by_issue"] == {"graffiti": 2}
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eva_findings"] is None


def test_closed_output_stops_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """``patchmap ... | head`` closes the pipe early: exit 141, no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as closed:
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["summary", "--demo", "--json"]) == 141


# the console script (patchmap.cli.run) leaves with os._exit after its work: nothing is lost


def test_a_process_prints_the_same_json_as_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--demo", "--json"]) == 0
    in_process = json.loads(capsys.readouterr().out)
    result = _run(["summary", "--demo", "--json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == in_process
    assert in_process["n_rows_read"] == 8546  # the demo town's rows, every one counted


def test_a_process_writes_whole_files(tmp_path: Path) -> None:
    out_main, out_process = tmp_path / "main.geojson", tmp_path / "process.geojson"
    assert main(["hotspots", "--demo", "--out", str(out_main), "--json"]) == 0
    result = _run(["hotspots", "--demo", "--out", str(out_process), "--json"])
    assert result.returncode == 0, result.stderr
    json.loads(out_process.read_text())  # the whole file, to its last brace
    layer = gpd.read_file(out_process)
    pd.testing.assert_frame_equal(layer, gpd.read_file(out_main))
    assert len(layer) == json.loads(result.stdout)["result"]["n_cells"] > 0


def test_a_process_reports_errors_with_exit_code_2(tmp_path: Path) -> None:
    result = _run(["summary", "--crimes", str(tmp_path), "--wards", "x.geojson", "--json"])
    usage = _run(["summary", "--no-such-option"])
    assert usage.returncode == 2  # argparse's SystemExit leaves the usual way
    assert "unrecognized arguments" in usage.stderr
    assert result.returncode == 2
    assert result.stderr.startswith("patchmap: error: x.geojson: not found")
    assert "Traceback" not in result.stderr


def test_an_unwritable_cache_folder_is_one_warning_and_the_same_answer(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    month = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    args = ["summary", "--crimes", str(month), "--wards", str(cambridge_dir / "wards.geojson")]
    args += ["--json"]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "fresh")}
    fine = subprocess.run(  # noqa: S603 - runs this repo's own CLI
        [sys.executable, "-m", "patchmap", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    done = _run(args)
    assert (done.returncode, fine.returncode) == (0, 0)
    assert json.loads(done.stdout) == json.loads(fine.stdout)
    warning = (
        f"patchmap: warning: patchmap could not write its cache in {not_a_folder / 'patchmap'} "
        "(Not a directory): the files will be read again next time. Set XDG_CACHE_HOME to a "
        "folder you can write to."
    )
    assert done.stderr.splitlines() == [warning]  # said once, for the crimes and the wards
    # the demo town has to be written there: a clear error, exit 2, no traceback
    demo = _run(["summary", "--demo", "--json"])
    assert demo.returncode == 2
    assert demo.stderr.strip().splitlines()[-1] == (
        f"patchmap: error: patchmap could not write the demo town in its cache folder "
        f"{not_a_folder / 'patchmap'} (Not a directory). Set XDG_CACHE_HOME to a folder you can "
        "write to."
    )
    assert "Traceback" not in demo.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "--demo"],
        ["profile", "--demo", "--ward", "Castle"],
        ["backtest", "--demo"],
        ["knox", "--demo"],
    ],
)
def test_a_json_answer_is_not_written_under_another_kind_of_name(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "answer.tif"
    assert main([*command, "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"patchmap: error: --out {out}: this answer is written as JSON; end the file name in "
        ".json.\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("command", "target", "said"),
    [
        (["summary", "--demo", "--out"], "{file}/x.json", "part of this path ({file}) is a"),
        (["export", "--demo", "--out"], "{file}/layers", "part of this path ({file}) is a"),
        (["ingest", "{month}", "--store"], "{file}/store", "part of this path is a file"),
        (["export", "--demo", "--out"], "{file}", "a file is in the way where a folder"),
        (["profile", "--demo", "--ward", "Castle", "--out"], "{dir}", "this is a folder. Give"),
        (["summary", "--demo", "--out"], "{dir}/no/x.json", "the folder {dir}/no does not"),
    ],
)
def test_a_path_that_cannot_be_written_is_a_message_not_a_traceback(
    command: list[str],
    target: str,
    said: str,
    cambridge_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    path = target.format(file=a_file, dir=tmp_path)
    month = str(cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv")
    args = [month if a == "{month}" else a for a in command] + [path]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(("patchmap: error: --out", f"patchmap: error: {path}: "))
    assert f"{path}: {said.format(file=a_file, dir=tmp_path)}" in lines[0]
    assert a_file.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["route", "--demo", "--start", "-1.2238,52.3251", "--max-minutes", "20"],
        ["streets", "--demo", "--walk-start", "-1.2238,52.3251", "--max-minutes", "20"],
    ],
)
def test_a_start_west_of_greenwich_is_read_as_a_place(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse took ``-1.22,52.33`` for an option: most of England and Wales lies there."""
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    record = json.loads(capsys.readouterr().out)
    walk = record if argv[0] == "route" else record["walk"]
    assert walk["distance_m"] > 0


OUT_COMMANDS = {  # every subcommand with --out, with the options it cannot parse without
    "summary": ("out.json",),
    "profile": ("out.json",),
    "problems": ("out.json",),
    "repeats": ("out.json",),
    "hotspots": ("out.gpkg",),
    "density": ("out.tif",),
    "streets": ("out.gpkg",),
    "when": ("out.csv",),
    "change": ("out.gpkg", "--before", "2024-10:2024-12", "--after", "2025-01:2025-03"),
    "emerging": ("out.gpkg",),
    "tasks": ("out.json", "list", "problems"),
    "route": ("out.gpx",),
    "catchment": ("out.gpkg",),
    "backtest": ("out.json",),
    "forecast": ("out.gpkg",),
    "knox": ("out.json",),
    "alerts": ("out.gpkg", "--date", "2025-06-01"),
    "export": ("out.gpkg",),
    "brief": ("pack.html", "--meeting", "2025-10-01", "--ward", "Castle"),
}


def test_every_subcommand_with_out_is_listed_here() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001 - argparse's own table
    choices = sub.choices
    assert isinstance(choices, dict)
    with_out = {n for n, p in choices.items() if "out" in {a.dest for a in p._actions}}  # noqa: SLF001
    assert with_out - {"ingest"} == set(OUT_COMMANDS)  # ingest refuses --out by name


@pytest.mark.parametrize("command", sorted(OUT_COMMANDS))
def test_out_in_a_missing_folder_is_refused_alike_by_every_subcommand(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``export`` made the missing folder, ``density`` refused it, ``brief`` failed at the end."""
    name, *more = OUT_COMMANDS[command]
    out = tmp_path / "no_such_folder" / name
    argv = [command, "--demo", *more, "--out", str(out)]
    if command == "tasks":
        argv = [command, "--db", str(tmp_path / "log.sqlite"), *more, "--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"patchmap: error: --out {out}: the folder {out.parent} does not exist. Create it or "
        "write elsewhere.\n"
    )
    assert captured.out == ""
    assert not out.parent.exists()


def test_an_out_under_a_file_says_which_part_is_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    out = blocker / "maps" / "d.tif"
    assert main(["density", "--demo", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"patchmap: error: --out {out}: part of this path ({blocker}) is a file, not a folder.\n"
    )


def test_export_still_makes_the_folder_out_names(tmp_path: Path) -> None:
    out = tmp_path / "files"  # in a folder that exists: the folder of files is the output
    argv = ["export", "--demo", "--layers", "wards", "--formats", "csv", "--out", str(out)]
    assert main(argv) == 0
    assert out.is_dir()
    assert (out / "wards.csv").is_file()


def test_a_ward_chosen_counts_the_other_wards_crimes_in_other_wards(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``summary --ward Castle`` said the other six wards' crimes were outside the wards."""
    assert main(["summary", "--demo", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert main(["summary", "--demo", "--ward", "Castle", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["n_outside_wards"] == whole["n_outside_wards"] == 0
    assert one["n_in_other_wards"] == whole["n_inside_wards"] - one["n_inside_wards"] == 5478
    buckets = ("n_without_location", "n_outside_gb", "n_outside_wards", "n_in_other_wards")
    assert sum(one[b] for b in buckets) + one["n_inside_wards"] == one["n_rows"]
    assert main(["summary", "--demo", "--ward", "Castle"]) == 0
    text = capsys.readouterr().out
    assert "  outside the wards         0\n  in other wards        5,478\n" in text
    assert "  in the chosen         3,008\n" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--demo", "--neighbourhoods", "n.csv", "--population", "p.csv"],
            (
                "The demo town brings its own wards, neighbourhoods and populations: leave out "
                "--neighbourhoods and --population, or give them with --crimes"
            ),
        ),
        (
            ["--incidents", "EXTRACT", "--population", "p.csv", "--lsoas", "l.gpkg"],
            "--population and --lsoas: read only with data.police.uk crimes (--crimes or --store)",
        ),
    ],
    ids=["demo", "extract"],
)
def test_files_a_data_set_would_not_read_are_refused_not_ignored(
    argv: list[str],
    message: str,
    demo_extract_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # found by an exploratory test: --demo read none of them, even files that did not exist
    argv = [str(demo_extract_file) if a == "EXTRACT" else a for a in argv]
    assert main(["summary", *argv, "--json"]) == 2
    assert capsys.readouterr().err.startswith(f"patchmap: error: {message}")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["forecast", "--demo", "--horizon-days", "7", "--month", "2025-06"],
            "--month chooses a month to patrol; with --horizon-days give --start YYYY-MM-DD.",
        ),
        (
            ["forecast", "--demo", "--start", "2025-06-01", "--min-train-days", "30"],
            "--start and --min-train-days: read only with --horizon-days N (a forecast by days).",
        ),
        (
            ["backtest", "--demo", "--min-train-days", "30"],
            "--min-train-days: read only with --horizon-days N (a backtest by days).",
        ),
    ],
    ids=["forecast-days-month", "forecast-month-start", "backtest-month-days"],
)
def test_options_of_the_other_kind_of_forecast_are_refused_not_ignored(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by an exploratory test: forecast --horizon-days 7 --month 2025-06 forecast October
    assert main(argv) == 2
    assert capsys.readouterr().err == f"patchmap: error: {message}\n"


def test_catchments_on_the_network_of_another_area_are_refused_not_zero(
    cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by an exploratory test: Cambridge's crimes with the demo town's streets gave
    # "crime 0%" for every catchment, as streets and route refuse the same mistake
    from boundaries.dataset import load_demo  # noqa: PLC0415 - the demo's own files

    demo = load_demo()
    assert demo.network_path is not None
    sites = demo.network_path.parent / "sites.csv"
    argv = ["catchment", "--crimes", str(cambridge_dir / "crimes"), "--wards"]
    argv += [str(cambridge_dir / "wards.geojson"), "--ward", "Market"]
    argv += ["--network", str(demo.network_path), "--sites", str(sites)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("patchmap: error: None of the 4,206 crimes lies within 250 m of a ")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["summary", "--demo", "--months", "2024-10:2024-12", "--months=2025-01:2025-09"],
         "--months"),
        (["forecast", "--demo", "--month", "2025-05", "--month", "2025-06"], "--month"),
        (["hotspots", "--demo", "--method", "gistar", "--method", "kde-top"], "--method"),
    ],
    ids=["summary-months", "forecast-month", "hotspots-method"],
)  # fmt: skip
def test_an_option_given_twice_is_refused_not_read_as_the_last(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # found by an exploratory test: summary --months A --months B counted B alone, silently
    assert main(argv) == 2
    assert capsys.readouterr().err == f"patchmap: error: {option} is given 2 times: give it once.\n"


def test_options_that_gather_values_may_be_given_twice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--demo", "--ward", "Castle", "--ward", "Riverside", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["by_ward"]) == {"Castle", "Riverside"}
