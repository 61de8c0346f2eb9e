"""``patchmap tasks``: the tasking log from the command line, mirroring the Tasking page."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from layers.metadata import LOG_POLICE_ONLY
from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out, err


def test_tasks_add_update_list_export_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    common = ["--db", db, "--user", "pc.smith", "--json"]
    code, problem, _ = _run(
        capsys, "tasks", "add", "problem", "--title", "Cycle theft", "--ward", "Abbey", *common
    )
    assert code == 0
    assert isinstance(problem, dict)
    assert (problem["id"], problem["ward"], problem["version"]) == (1, "Abbey", 1)
    code, action, _ = _run(
        capsys,
        "tasks",
        "add",
        "action",
        "--problem",
        "1",
        "--epic",
        "prevention",
        "--description",
        "Sheffield stands",
        "--agency",
        "City Council",
        "--due",
        "2026-12-01",
        *common,
    )
    assert isinstance(action, dict)
    assert (action["due_date"], action["status"], action["owner_agency"]) == (
        "2026-12-01",
        "open",
        "City Council",
    )
    code, updated, _ = _run(
        capsys,
        "tasks",
        "update",
        "action",
        "1",
        "--version",
        "1",
        "--status",
        "done",
        "--due",
        "none",
        *common,
    )
    assert isinstance(updated, dict)
    assert (updated["status"], updated["due_date"], updated["version"]) == ("done", None, 2)
    code, listed, _ = _run(capsys, "tasks", "list", "actions", "--status", "done", *common)
    assert listed == [updated]
    out = tmp_path / "log.json"
    code, text, _ = _run(capsys, "tasks", "export", "--db", db, "--out", str(out))
    assert code == 0
    assert "actions: 1" in str(text)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [a["status"] for a in exported["actions"]] == ["done"]
    assert str(text).startswith(LOG_POLICE_ONLY)  # the marker is printed and written
    meta = exported["metadata"]
    assert (meta["audience"], meta["min_count"], meta["note"]) == ("police", None, LOG_POLICE_ONLY)
    assert meta["fields"]["actions"] == list(exported["actions"][0])
    assert [(r["changed_by"], r["field"]) for r in exported["audit"]] == [
        ("pc.smith", None),
        ("pc.smith", None),
        ("pc.smith", "due_date"),
        ("pc.smith", "status"),
    ]


def test_tasks_update_with_a_stale_version_exits_2_naming_who_changed_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    main(["tasks", "add", "problem", "--title", "ASB", "--db", db, "--user", "a"])
    main(
        [
            "tasks",
            "update",
            "problem",
            "1",
            "--version",
            "1",
            "--stage",
            "analysis",
            "--db",
            db,
            "--user",
            "alice",
        ]
    )
    capsys.readouterr()
    code = main(
        [
            "tasks",
            "update",
            "problem",
            "1",
            "--version",
            "1",
            "--title",
            "ASB in the park",
            "--db",
            db,
            "--user",
            "bob",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "Problem 1 was changed by alice" in err
    assert "sara_stage: 'scanning' -> 'analysis'" in err
    assert "Your change to title was not saved" in err


def test_tasks_update_without_changes_and_bad_dates_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    main(["tasks", "add", "problem", "--title", "ASB", "--db", db, "--user", "a"])
    capsys.readouterr()
    assert main(["tasks", "update", "problem", "1", "--version", "1", "--db", db]) == 2
    assert "Nothing to change: give at least one of --title" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["tasks", "add", "meeting", "--name", "NAG", "--held-on", "1/12/2026", "--db", db])
    assert exited.value.code == 2
    assert "is not a date: use YYYY-MM-DD" in capsys.readouterr().err


def test_tasks_findings_propose_and_add_actions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    user = ["--db", db, "--user", "pcso"]
    main(["tasks", "add", "problem", "--title", "Underpass", *user])
    main(
        [
            "tasks",
            "add",
            "area",
            "--kind",
            "eva_route",
            "--name",
            "Walk",
            "--problem",
            "1",
            "--wkt",
            "LINESTRING (545000 260000, 545100 260100)",
            *user,
        ]
    )
    main(
        [
            "tasks",
            "add",
            "finding",
            "--route",
            "1",
            "--stop",
            "2",
            "--seen",
            "fly_tipping",
            "--not-seen",
            "graffiti",
            "--note",
            "Sofa dumped",
            "--at",
            "545050",
            "260050",
            *user,
        ]
    )
    capsys.readouterr()
    code, proposals, _ = _run(capsys, "tasks", "propose", *user, "--json")
    assert code == 0
    assert proposals == [
        {
            "route_id": 1,
            "problem_id": 1,
            "item": "fly_tipping",
            "epic": "prevention",
            "owner_agency": "Environmental services",
            "description": "Clear fly-tipping and look for evidence on EVA route 'Walk', stop 2",
            "notes": "Stop 2: Sofa dumped",
            "stops": [2],
        }
    ]
    code, added, _ = _run(capsys, "tasks", "propose", "--add", *user, "--json")
    assert code == 0
    assert isinstance(added, list)
    assert [(a["status"], a["source"]) for a in added] == [("proposed", "eva_route:1:fly_tipping")]


def test_tasks_assess_on_the_demo_matches_assess_response(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from boundaries.dataset import load_demo  # noqa: PLC0415 - only this test builds the demo
    from tasking.assess import assess_response  # noqa: PLC0415

    demo = load_demo()
    wards = demo.wards.set_index("ward_name").geometry
    points = demo.points[demo.points["crime_type"] == "Burglary"]
    expected = assess_response(
        points,
        wards["Castle"],
        wards["Eastgate"],
        before=("2024-10", "2025-03"),
        after=("2025-04", "2025-09"),
    )
    code, result, _ = _run(
        capsys,
        "tasks",
        "assess",
        "--demo",
        "--crime-type",
        "Burglary",
        "--treated",
        "ward:Castle",
        "--comparison",
        "ward:Eastgate",
        "--before",
        "2024-10:2025-03",
        "--after",
        "2025-04:2025-09",
        "--db",
        str(tmp_path / "log.sqlite"),
        "--json",
    )
    assert code == 0
    assert result == json.loads(json.dumps(expected.to_dict()))
    assert (
        main(
            [
                "tasks",
                "assess",
                "--demo",
                "--treated",
                "ward:Nowhere",
                "--comparison",
                "1",
                "--before",
                "2024-10",
                "--after",
                "2025-04",
                "--db",
                str(tmp_path / "x.db"),
            ]
        )
        == 2
    )
    assert "No ward is called 'Nowhere'" in capsys.readouterr().err
    early = ["tasks", "assess", "--demo", "--treated", "ward:Castle", "--comparison"]
    early += ["ward:Eastgate", "--before", "2024-03:2024-10", "--after", "2025-04:2025-09"]
    assert main([*early, "--db", str(tmp_path / "y.db")]) == 2
    assert (
        "The before period 2024-03..2024-10 holds 7 month(s) with no data loaded "
        "(2024-03..2024-09); the data cover 2024-10..2025-09."
    ) in capsys.readouterr().err  # they counted as months without crime: a false fall


def test_tasks_add_finding_at_a_point_and_refuse_lon_lat(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pcso"]
    route = [
        "--kind",
        "eva_route",
        "--name",
        "Walk",
        "--wkt",
        "LINESTRING (545000 260000, 545100 260100)",
    ]
    main(["tasks", "add", "area", *route, *user])
    finding = ["tasks", "add", "finding", "--route", "1", "--stop", "1", "--seen", "graffiti"]
    capsys.readouterr()
    code, stored, _ = _run(capsys, *finding, "--at", "545050.5", "260040", *user, "--json")
    assert code == 0
    assert isinstance(stored, dict)
    assert (stored["x_m"], stored["y_m"]) == (545_050.5, 260_040.0)
    code, _, err = _run(capsys, *finding, "--at", "0.12", "52.2", *user)
    assert code == 2
    assert "reproject longitude/latitude" in err
    code, _, err = _run(capsys, *finding[:6], "99", *finding[7:], *user)  # the route has no stops
    assert code == 2
    assert "EVA route 1 (Walk) was saved without its stops, so stop 99 has no position" in err
    assert "--at X_M Y_M" in err
    code, _, err = _run(capsys, *finding[:7], "--at", "545050.5", "260040", *user)
    assert code == 2
    assert "The finding records nothing" in err
    _, listed, _ = _run(capsys, "tasks", "list", "findings", *user, "--json")
    assert isinstance(listed, list)
    assert [(f["x_m"], f["y_m"]) for f in listed] == [(545_050.5, 260_040.0)]


def test_tasks_add_retried_with_the_same_request_id_adds_one_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    add = ["tasks", "add", "problem", "--title", "Cycle theft", "--db", db, "--user", "pc.smith"]
    key = ["--request-id", "0b7e6c1e-2f7a-4c59-9d0e-5a4f3c2b1a00"]
    code1, first, _ = _run(capsys, *add, *key, "--json")
    code2, again, _ = _run(capsys, *add, *key, "--json")  # the caller retries after a timeout
    assert (code1, code2) == (0, 0)
    assert again == first
    _, listed, _ = _run(capsys, "tasks", "list", "problems", "--db", db, "--json")
    assert isinstance(listed, list)
    assert [p["title"] for p in listed] == ["Cycle theft"]
    code, _, err = _run(capsys, *add[:4], "Drug dealing", *add[5:], *key)
    assert code == 2
    assert "request_id '0b7e6c1e-2f7a-4c59-9d0e-5a4f3c2b1a00' was already used by pc.smith" in err
    assert "Traceback" not in err
    code, _, _ = _run(capsys, *add, "--json")  # without an id each call adds a record
    _, listed, _ = _run(capsys, "tasks", "list", "problems", "--db", db, "--json")
    assert isinstance(listed, list)
    assert (code, len(listed)) == (0, 2)


def test_tasks_on_an_unusable_database_exit_2_with_advice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_a_db = tmp_path / "crimes.csv"
    not_a_db.write_text("Crime ID,Month\n" * 100, encoding="utf-8")
    code, _, err = _run(capsys, "tasks", "list", "problems", "--db", str(not_a_db))
    assert code == 2
    assert "crimes.csv is not an SQLite database" in err
    code, _, err = _run(
        capsys, "tasks", "list", "problems", "--db", f"postgresql://nag:pw@/log?host={tmp_path}"
    )
    assert code == 2
    assert "cannot be reached" in err
    assert "pw@" not in err
    assert "Traceback" not in err


def test_tasks_options_before_the_verb_are_read_as_its_usage_line_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "log.sqlite")
    assert (
        main(["tasks", "--db", db, "--user", "pc.smith", "add", "problem", "--title", "ASB"]) == 0
    )
    capsys.readouterr()
    code, listed, _ = _run(capsys, "tasks", "--db", db, "--json", "list", "problems")
    assert code == 0
    assert isinstance(listed, list)
    assert [(p["title"], p["created_by"]) for p in listed] == [("ASB", "pc.smith")]
    after = ["--treated", "ward:Castle", "--comparison", "ward:Eastgate", "--before"]
    after += ["2024-10:2025-03", "--after", "2025-04:2025-09", "--db", db, "--json"]
    _, behind, _ = _run(capsys, "tasks", "assess", "--demo", "--crime-type", "Burglary", *after)
    _, ahead, _ = _run(capsys, "tasks", "--demo", "--crime-type", "Burglary", "assess", *after)
    assert isinstance(ahead, dict)
    assert ahead == behind
    assert ahead["treated"]["n_before"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--db", "a.db", "list", "problems", "--db", "b.db"],
            "--db is given both before and after 'list': give it once.",
        ),
        (
            [
                *("--demo", "--months", "2025-01:2025-03", "assess", "--months", "2025-02:2025-04"),
                *(
                    "--treated",
                    "1",
                    "--comparison",
                    "2",
                    "--before",
                    "2025-01",
                    "--after",
                    "2025-02",
                ),
            ],
            "--months is given both before and after 'assess': give it once.",
        ),
        (
            ["--ward", "Abbey", "add", "problem", "--title", "ASB"],
            (
                "--ward is read by no 'tasks' verb: 'tasks assess' takes its areas from "
                "--treated and --comparison (a ward as ward:NAME) and its months from --before "
                "and --after. Leave --ward out (a problem's ward goes after the record: tasks add "
                "problem --ward NAME)."
            ),
        ),
    ],
)
def test_tasks_option_on_both_sides_or_for_no_use_is_refused(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_tasks_propose_refuses_a_route_that_does_not_exist_or_is_no_eva_route(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pcso"]
    square = "POLYGON ((545000 260000, 545100 260000, 545100 260100, 545000 260000))"
    main(["tasks", "add", "area", "--kind", "patrol_area", "--name", "Sq", "--wkt", square, *user])
    capsys.readouterr()
    code, _, err = _run(capsys, "tasks", "propose", "--route", "99", *user)
    assert code == 2
    assert "No EVA route has id 99. List them to see the ids that exist." in err
    code, out, err = _run(capsys, "tasks", "propose", "--route", "1", *user)
    assert code == 2
    assert "(none)" not in str(out)
    assert "Area 1 (Sq) is a patrol area, not an EVA route" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["tasks", "add", "finding", "--route", "1", "--stop", "0", "--seen", "graffiti"],
            "argument --stop: must be a whole number from 1; found '0'",
        ),
        (
            ["route", "--demo", "--max-minutes", "0"],
            "argument --max-minutes: must be a positive number of minutes; found '0'",
        ),
        (
            ["route", "--demo", "--max-minutes", "nan"],
            "argument --max-minutes: must be a positive number of minutes; found 'nan'",
        ),
        (
            ["streets", "--demo", "--max-minutes", "-3"],
            "argument --max-minutes: must be a positive number of minutes; found '-3'",
        ),
    ],
)
def test_bad_numbers_are_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "stop_number" not in err
    assert "max_minutes" not in err


def test_tasks_assess_names_the_options_when_the_areas_overlap(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["tasks", "assess", "--demo", "--treated", "ward:Castle", "--comparison"]
    argv += ["ward:Castle", "--before", "2024-10:2025-03", "--after", "2025-04:2025-09"]
    code, _, err = _run(capsys, *argv, "--db", str(tmp_path / "log.sqlite"))
    assert code == 2
    assert "The --treated area and the --comparison area overlap by" in err
    assert "treated_area" not in err
    db = ["--db", str(tmp_path / "log.sqlite")]
    code, _, err = _run(capsys, *argv[:6], "ward:Eastgate", *argv[7:], *db, "--buffer-m", "-5")
    assert code == 2
    assert "--buffer-m must be positive metres; found -5.0" in err


def test_an_eva_route_of_the_wrong_shape_is_refused_in_good_english(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    square = "POLYGON ((545000 260000, 545100 260000, 545100 260100, 545000 260000))"
    code, _, err = _run(
        capsys,
        *("tasks", "add", "area", "--kind", "eva_route", "--name", "x", "--wkt", square),
        *("--db", str(tmp_path / "log.sqlite"), "--user", "u"),
    )
    assert code == 2
    assert "An EVA route must be a LineString or MultiLineString; found Polygon." in err


def test_tasks_records_are_taken_singular_or_plural_and_listed_in_the_help(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pc.smith"]
    assert main(["tasks", "add", "problems", "--title", "ASB", *user]) == 0
    assert (
        main(["tasks", "update", "problems", "1", "--version", "1", "--stage", "analysis", *user])
        == 0
    )
    capsys.readouterr()
    for record in ("problem", "problems"):
        code, listed, _ = _run(capsys, "tasks", "list", record, *user, "--json")
        assert code == 0
        assert isinstance(listed, list)
        assert [(p["title"], p["sara_stage"]) for p in listed] == [("ASB", "analysis")]
    for verb, records in (
        ("add", ("problem", "action", "meeting", "decision", "area", "finding")),
        ("list", ("problem", "action", "area", "meeting", "decision", "finding", "audit")),
        ("update", ("problem", "action")),
    ):
        with pytest.raises(SystemExit):
            main(["tasks", verb, "--help"])
        shown = capsys.readouterr().out
        for record in records:
            assert record in shown
            assert record == "audit" or f"{record} ({record}s)" in shown


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--before", "2025-06:2025-09", "--after", "2025-01:2025-03"],
            (
                "The after period (2025-01..2025-03) comes before the before period "
                "(2025-06..2025-09): 'after' is the months after the response. Swap them."
            ),
        ),
        (
            ["--before", "2025-04:2025-06", "--after", "2025-07:2025-09", "--months", "2025-07"],
            "--months is read by no 'tasks' verb: 'tasks assess' takes its areas from --treated",
        ),
        (
            ["--before", "2025-04:2025-06", "--after", "2025-07:2025-09", "--ward", "Riverside"],
            "Leave --ward out.",
        ),
    ],
)
def test_tasks_assess_refuses_reversed_periods_and_the_filters_it_does_not_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], message: str
) -> None:
    argv = ["tasks", "assess", "--demo", "--treated", "ward:Castle", "--comparison"]
    argv += ["ward:Eastgate", "--db", str(tmp_path / "log.sqlite"), *extra]
    try:
        code = main(argv)
    except SystemExit as exit_info:
        code = int(str(exit_info.code))
    assert code == 2
    assert message in capsys.readouterr().err


def test_tasks_assess_help_offers_only_what_it_reads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tasks", "assess", "--help"])
    shown = capsys.readouterr().out
    for option in ("--treated", "--comparison", "--before", "--after", "--crime-type"):
        assert option in shown
    for option in ("--ward NAME", "--months YYYY-MM:YYYY-MM", "--neighbourhood NAME"):
        assert option not in shown
    assert "--ward and --months are not read" in " ".join(shown.split())


def test_tasks_list_refuses_another_applications_sqlite_file_without_writing_to_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import sqlite3  # noqa: PLC0415 - only this test makes a foreign file

    path = tmp_path / "crm.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE customers (name TEXT)")
    code, out, err = _run(capsys, "tasks", "list", "problems", "--db", str(path))
    assert code == 2
    assert "(none)" not in str(out)
    assert f"{path} holds another application's tables (customers)" in err
    with sqlite3.connect(path) as other:
        assert [r[0] for r in other.execute("SELECT name FROM sqlite_master")] == ["customers"]


def _ward_file(tmp_path: Path) -> Path:
    """Two wards, 'Market' and 'Marsh Lane', as ONS names them (WD24NM), in BNG metres."""
    import geopandas as gpd  # noqa: PLC0415 - only the ward-check tests write boundaries
    from shapely import box  # noqa: PLC0415

    path = tmp_path / "wards.gpkg"
    gpd.GeoDataFrame(
        {"WD24CD": ["E05000001", "E05000002"], "WD24NM": ["Market", "Marsh Lane"]},
        geometry=[box(545000, 258000, 546000, 259000), box(546000, 258000, 547000, 259000)],
        crs="EPSG:27700",
    ).to_file(path, driver="GPKG")
    return path


def test_tasks_problem_ward_checked_against_the_boundaries_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pc.smith", "--json"]
    wards = ["--wards", str(_ward_file(tmp_path))]
    code, added, _ = _run(
        capsys, "tasks", "add", "problem", "--title", "ASB", "--ward", "Market", *wards, *user
    )
    assert code == 0
    assert isinstance(added, dict)
    assert (added["ward"], added["notes"]) == ("Market", [])
    # A name differing in case and spacing only is stored as the boundaries spell it.
    code, added, _ = _run(
        capsys,
        "tasks",
        "add",
        "problem",
        "--title",
        "Bikes",
        "--ward",
        " marsh  LANE",
        *wards,
        *user,
    )
    assert code == 0
    assert isinstance(added, dict)
    assert added["ward"] == "Marsh Lane"
    assert added["notes"] == [
        f"The ward ' marsh  LANE' is stored as 'Marsh Lane', as {wards[1]} spells it."
    ]
    # before the verb, as the usage line allows; an update is checked the same way
    code, updated, _ = _run(
        capsys, "tasks", *wards, "update", "problem", "1", "--version", "1", "--ward", "MARSH LANE",
        *user,
    )  # fmt: skip
    assert code == 0
    assert isinstance(updated, dict)
    assert (updated["ward"], updated["version"]) == ("Marsh Lane", 2)


@pytest.mark.parametrize("verb", ["add", "update"])
def test_tasks_problem_ward_typo_is_refused_naming_the_closest_wards(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, verb: str
) -> None:
    db = tmp_path / "log.sqlite"
    user = ["--db", str(db), "--user", "pc.smith"]
    wards = _ward_file(tmp_path)
    assert main(["tasks", "add", "problem", "--title", "ASB", *user]) == 0
    capsys.readouterr()
    record = (
        ["problem", "--title", "Bikes"] if verb == "add" else ["problem", "1", "--version", "1"]
    )
    code, out, err = _run(
        capsys, "tasks", verb, *record, "--ward", "Markett", "--wards", str(wards), *user
    )
    assert code == 2
    assert out == ""
    assert err == (
        f"patchmap: error: No ward in {wards} is called 'Markett'; the closest: 'Market'. Give "
        "--ward as one of its wards (case and spacing do not matter), or give the boundaries of "
        "the problem's area with --wards.\n"
    )
    code, listed, _ = _run(capsys, "tasks", "list", "problems", *user, "--json")
    assert isinstance(listed, list)
    assert [(p["title"], p["ward"], p["version"]) for p in listed] == [("ASB", None, 1)]


def test_tasks_problem_ward_checked_against_the_demo_town(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_area: StudyArea
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pc.smith", "--json"]
    assert "Eastgate" in demo_area.ward_names
    code, added, _ = _run(
        capsys, "tasks", "add", "problem", "--title", "ASB", "--ward", "eastgate", "--demo", *user
    )
    assert code == 0
    assert isinstance(added, dict)
    assert added["ward"] == "Eastgate"
    code, _, err = _run(
        capsys, "tasks", "add", "problem", "--title", "ASB", "--ward", "Eastgat", "--demo", *user
    )
    assert code == 2
    assert "No ward in the demo town is called 'Eastgate'" not in err
    assert "No ward in the demo town is called 'Eastgat'; the closest: 'Eastgate'" in err


def test_tasks_problem_ward_without_boundaries_is_kept_with_a_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user = ["--db", str(tmp_path / "log.sqlite"), "--user", "pc.smith"]
    note = (
        "The ward 'Markett' was not checked: no ward boundaries were given. To check it, give "
        "them with --wards PATH (or --demo for the demo town); a briefing pack lists the "
        "problems whose ward its boundaries do not hold."
    )
    code, added, _ = _run(
        capsys, "tasks", "add", "problem", "--title", "ASB", "--ward", "Markett", *user, "--json"
    )
    assert code == 0
    assert isinstance(added, dict)
    assert (added["ward"], added["notes"]) == ("Markett", [note])
    code, text, _ = _run(
        capsys, "tasks", "update", "problem", "1", "--version", "1", "--ward", "Markett Sq", *user
    )
    assert code == 0
    assert text == (
        "problem 1 v2 [scanning, open] ASB (Markett Sq)\n"
        f"Note: {note.replace('Markett', 'Markett Sq', 1)}\n"
    )
    # no --ward: nothing to check, nothing to say
    code, added, _ = _run(capsys, "tasks", "add", "problem", "--title", "Litter", *user, "--json")
    assert isinstance(added, dict)
    assert added["notes"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["add", "problem", "--title", "ASB", "--demo"],
            (
                "--demo is read to check a problem's --ward, and no --ward is given: give --ward "
                "NAME, or leave --demo out."
            ),
        ),
        (
            ["add", "problem", "--title", "ASB", "--ward", "Castle", "--ward-field", "NAME"],
            "--ward-field names a column of --wards: give --wards PATH too, or leave it out.",
        ),
        (
            ["add", "problem", "--title", "ASB", "--ward", "Castle", "--demo", "--wards", "w.gpkg"],
            "Check --ward against either the demo town (--demo) or --wards, not both.",
        ),
    ],
)
def test_tasks_ward_check_options_used_wrongly_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    db = tmp_path / "log.sqlite"
    code, _, err = _run(capsys, "tasks", *argv, "--db", str(db), "--user", "u")
    assert code == 2
    assert message in err
    assert not db.exists()  # refused before the log is opened


DESC = ("--description", "Stands")


def test_tasks_boundaries_before_a_verb_that_checks_no_ward_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "--demo", "add", "action", "--problem", "1", "--epic", "prevention", *DESC])
    assert exit_info.value.code == 2
    assert (
        "--demo is read only by 'tasks assess' and, to check a problem's --ward, by 'tasks add "
        "problem' and 'tasks update problem': 'tasks add action' reads no crime data."
    ) in " ".join(capsys.readouterr().err.split())


def test_listing_a_log_that_is_not_there_is_refused_not_made(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    typed = tmp_path / "nope" / "log.sqlite"  # a mistyped --db: "(none)" would hide it
    for verb in (["list", "problems"], ["export"]):
        code, _, err = _run(capsys, "tasks", "--db", str(typed), *verb)
        assert code == 2
        assert f"there is no tasking log at {typed}. Check the path" in err
    assert not typed.parent.exists()
    code, _, _ = _run(capsys, "tasks", "--db", str(typed), "add", "problem", "--title", "Bikes")
    assert code == 0  # the first add makes the log, folders and all
    code, listed, _ = _run(capsys, "tasks", "--db", str(typed), "list", "problems")
    assert code == 0
    assert "Bikes" in str(listed)


def test_tasks_out_must_be_json_and_nothing_is_added_before_it_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`tasks list actions --out actions.csv` wrote JSON under a CSV's name."""
    db = str(tmp_path / "log.sqlite")
    out = tmp_path / "problem.csv"
    argv = ["tasks", "add", "problem", "--title", "ASB", "--db", db, "--user", "a"]
    assert main([*argv, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"patchmap: error: --out {out}: this answer is written as JSON; end the file name in .json."
    )
    assert not out.exists()
    assert not (tmp_path / "log.sqlite").exists()  # refused before the log was opened
    folder = tmp_path / "out"
    folder.mkdir()
    assert main([*argv, "--out", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"patchmap: error: --out {folder}: this is a folder. Give a .json file in a folder that "
        "exists."
    )
    assert not (tmp_path / "log.sqlite").exists()  # nothing added that a retry would add again
    missing = tmp_path / "nowhere" / "problem.json"
    assert main([*argv, "--out", str(missing)]) == 2
    assert capsys.readouterr().err.strip() == (  # as every command says it (checked_out)
        f"patchmap: error: --out {missing}: the folder {missing.parent} does not exist. Create "
        "it or write elsewhere."
    )
    assert not (tmp_path / "log.sqlite").exists()
