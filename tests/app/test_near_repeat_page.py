"""The Near repeats page on the demo extract: Knox grid with its verdict, live zones, 7 days."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from hotspots.knox import knox_test, knox_workload
from layers.near_repeat import knox_grid, knox_run_text, knox_table_html
from patchmap.cli import main
from spatial.demo import demo_incidents, write_demo_extract
from spatial.incidents import read_incidents
from tasking.store import add_problem, connect, list_actions, list_areas

if TYPE_CHECKING:
    from collections.abc import Iterator

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def tasking_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's own tasking log (the page offers to propose cocooning visits in it)."""
    path = tmp_path_factory.mktemp("nr_log") / "tasking.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
        yield path


@pytest.fixture(scope="module")
def page(tasking_log: Path) -> AppTest:
    del tasking_log  # the page opens it through PATCHMAP_DATABASE_URL
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    return at


def test_near_repeat_page_shows_the_demo_chain(page: AppTest) -> None:
    at = page
    assert not at.exception
    assert at.selectbox(key="nr_type").value == "Burglary"
    (table,) = [e.proto.body for e in at.get("html") if "knox-grid" in e.proto.body]
    events = demo_incidents().events
    burglary = events[events["crime_type"] == "Burglary"]
    knox = knox_test(burglary, permutations=999, seed=0, subject="burglaries")
    assert table == knox_table_html(knox)  # the page shows the package's answer
    assert str(knox_grid(knox).loc["1-100 m", "0-7 days"]).startswith("3.99*")
    assert ">1-100 m</th>" in table
    verdicts = [s.value for s in at.success]
    assert any(v.startswith("Burglaries within 100 m and 7 days of each other") for v in verdicts)
    text = " ".join(m.value for m in at.markdown)
    assert "near-repeat zone(s) are live" in text
    assert "weekly origins" in text
    scope = "This page uses the demo extract (the demo town's timed crimes), not the data set's"
    assert any(c.value.startswith(scope) for c in at.caption)  # the sidebar's filters do not apply


def test_near_repeat_page_zones_by_hand(page: AppTest) -> None:
    at = page
    at.date_input(key="nr_date").set_value(dt.date(2025, 5, 20)).run()
    at.checkbox(key="nr_manual").check().run()
    at.number_input(key="nr_radius").set_value(150).run()
    at.number_input(key="nr_days").set_value(10).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "On 2025-05-20," in text
    assert "(150 m, 10 days after each event)" in text
    zones = next(d.value for d in at.dataframe if "incident_ids" in d.value.columns)
    assert len(zones) > 0
    assert (zones["streets"] != "").any()  # streets inside, from the demo street network
    # the partners' file: the preset's 100 m squares and weeks (it was 50 m squares)
    labels = [str(b.proto.label) for b in at.get("download_button")]
    label = (
        "Download zones for partners (GeoPackage: 100 m squares from the events of whole "
        "weeks, dated to the week, no events)"
    )
    assert labels == [label]
    shared = [c.value for c in at.caption if "partners get" in c.value]
    assert len(shared) == 1
    assert "the 100 m squares around the events of the weeks to 2025-05-18" in shared[0]
    assert "There is no file for the public" in shared[0]


def test_near_repeat_page_proposes_cocooning_visits(page: AppTest, tasking_log: Path) -> None:
    at = page
    at.date_input(key="nr_date").set_value(dt.date(2025, 5, 20)).run()
    at.checkbox(key="nr_manual").check().run()
    at.number_input(key="nr_radius").set_value(150).run()
    at.number_input(key="nr_days").set_value(10).run()
    assert any("No open problem in the tasking log" in i.value for i in at.info)
    engine = connect(tasking_log)
    with Session(engine) as session, session.begin():
        problem_id = add_problem(session, title="Burglary, Southmoor", user="sgt.jones").id
    at.run()
    assert at.selectbox(key="nr_propose_problem").value == problem_id
    at.button(key="nr_propose").click().run()  # no name typed
    assert any("Type your name" in e.value for e in at.error)
    with Session(engine) as session:
        assert list_actions(session, problem_id=problem_id) == ()

    at.text_input(key="nr_propose_user").set_value("pcso.khan")
    at.text_input(key="nr_propose_agency").set_value("Neighbourhood Watch")
    at.button(key="nr_propose").click().run()
    assert not at.exception
    zones = next(d.value for d in at.dataframe if "incident_ids" in d.value.columns)
    with Session(engine) as session:
        actions = list_actions(session, problem_id=problem_id)
        areas = list_areas(session)
    assert len(actions) == len(zones) > 0  # one proposed visit per live zone
    assert {a.source for a in actions} == {
        f"near_repeat:2025-05-20:zone{int(z)}" for z in zones["zone_id"]
    }
    assert sorted(str(a.due_date) for a in actions) == sorted(str(e) for e in zones["expires"])
    for action in actions:
        assert (action.status, action.epic, action.created_by) == (
            "proposed", "prevention", "pcso.khan",
        )  # fmt: skip
        assert action.owner_agency == "Neighbourhood Watch"
        assert action.description.startswith("Cocooning visits")
        assert "150 m around" in action.description
        assert f"until {action.due_date}." in action.description
    assert sorted(a.kind for a in areas) == ["patrol_area"] * len(zones)
    ids = ", ".join(str(a.id) for a in sorted(actions, key=lambda a: a.id))
    assert any(f"Proposed {len(zones)} cocooning visit(s)" in s.value for s in at.success)
    assert any(f"(actions {ids})" in s.value for s in at.success)

    at.button(key="nr_propose").click().run()  # again: nothing added twice
    with Session(engine) as session:
        assert len(list_actions(session, problem_id=problem_id)) == len(zones)
    assert any(
        f"Proposed 0 cocooning visit(s) for problem {problem_id} (actions none); "
        f"{len(zones)} zone(s) already proposed" in s.value
        for s in at.success
    )
    engine.dispose()


def test_a_past_days_zones_are_the_commands(
    tasking_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The zones of a day are sized from the days before it, as `patchmap alerts --date` sizes
    them. Sized from the whole extract, the page drew 13 zones of 200 m and 28 days on
    2025-02-28 where the command draws 11 of 200 m and 21 days, on the strength of later crimes.
    """
    del tasking_log
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    at.date_input(key="nr_date").set_value(dt.date(2025, 2, 28)).run()
    assert not at.exception, at.exception
    alerts = ["alerts", "--demo", "--crime-type", "Burglary", "--date"]
    assert main([*alerts, "2025-02-28", "--json"]) == 0
    command = json.loads(capsys.readouterr().out)
    assert (command["n_zones"], command["distance_m"], command["days"]) == (11, 200.0, 21)
    text = " ".join(m.value for m in at.markdown)
    assert "On 2025-02-28, 11 near-repeat zone(s) are live (200 m, 21 days after each" in text
    zones = next(d.value for d in at.dataframe if "incident_ids" in d.value.columns)
    assert len(zones) == command["n_zones"]
    # the streets in each zone, from the demo town's network in both
    assert list(zones["streets"]) == [z["streets"] for z in command["zones"]]
    assert all(zones["streets"] != "")
    # before any near repeat shows, the page refuses as the command does
    at.date_input(key="nr_date").set_value(dt.date(2024, 12, 31)).run()
    assert main([*alerts, "2024-12-31"]) == 2
    refusal = capsys.readouterr().err.removeprefix("patchmap: error: ").strip()
    assert refusal.startswith("The Knox test found no near repeat")
    assert _ui.plain(refusal) in [i.value for i in at.info]
    # another extract opens on its own last day, not on the day chosen for the demo's
    extract = write_demo_extract(tmp_path)
    rows = extract.read_text(encoding="utf-8").splitlines()
    committed = [(r, r.split(",")[2]) for r in rows[1:]]  # Committed From, dd/mm/yyyy hh:mm
    spring = [r for r, day in committed if day[3:10] in {"01/2025", "02/2025"}]
    (tmp_path / "spring.csv").write_text("\n".join([rows[0], *spring]) + "\n", encoding="utf-8")
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_PATH).run()
    at.text_input(key=_ui.WHEN_PATH_KEY).set_value(str(tmp_path / "spring.csv")).run()
    assert not at.exception, at.exception
    live_on = at.date_input(key="nr_date").value
    assert isinstance(live_on, dt.date)
    ends = read_incidents([tmp_path / "spring.csv"]).events["end"]
    assert live_on == ends.max().date()  # the extract's last day


@pytest.mark.parametrize(
    ("key", "typed", "option"),
    [
        ("nr_time_bands", "7.5,14", "--time-bands-days"),
        ("nr_distance_bands", "0,100m", "--distance-bands-m"),
    ],
)
def test_bands_the_test_cannot_take_get_the_commands_message(
    key: str, typed: str, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page said 'comma-separated numbers' of 7.5 days; the command, 'whole days'."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    at.text_input(key=key).set_value(typed).run()
    assert not at.exception
    shown = at.error[0].value
    capsys.readouterr()
    assert main(["knox", "--demo", option, typed]) == 2
    assert f"patchmap: error: {shown}" in _ui.plain(capsys.readouterr().err).splitlines()
    assert f"(app: {'Time bands (days)' if 'time' in key else 'Distance bands (m)'})" in shown


def test_the_demo_notice_names_the_heading_the_page_shows(
    tasking_log: Path, demo_area: StudyArea
) -> None:
    """It sent the user to 'Timed crimes' on a page whose sidebar said 'Dated crimes'."""
    del tasking_log  # the page opens it through PATCHMAP_DATABASE_URL
    assert demo_area.network_path is not None
    folder = demo_area.network_path.parent  # the demo town's files: another data set's wards
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(folder / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(folder / "wards.geojson")).run()
    at.switch_page("app_pages/near_repeat.py").run()
    assert not at.exception
    (notice,) = [i.value for i in at.info if "These figures are the demo town's" in i.value]
    assert "Choose it under 'Timed crimes' in the sidebar (Force extract)." in notice
    assert "Timed crimes" in [s.value for s in at.sidebar.subheader]
    assert "Dated crimes" not in [s.value for s in at.sidebar.subheader]


def _extract_with_offences(tmp_path: Path, name: str, *, rename: dict[str, str]) -> Path:
    """Write the demo extract with its offences renamed (an empty name drops the rows)."""
    rows = write_demo_extract(tmp_path).read_text(encoding="utf-8").splitlines()
    kept = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        offence = rename.get(cells[4], cells[4])
        if offence:
            kept.append(",".join([*cells[:4], offence, *cells[5:]]))
    path = tmp_path / name
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def test_the_page_starts_each_extract_on_one_crime_type(tasking_log: Path, tmp_path: Path) -> None:
    """
    A force extract without a type named "Burglary" (Toronto's "Break and Enter") opened on All
    crime types: 93,113 events, two Knox tests of minutes each before the page showed.
    """
    del tasking_log
    toronto_like = _extract_with_offences(
        tmp_path, "bne.csv", rename={"Burglary": "Break and Enter"}
    )
    no_burglary = _extract_with_offences(tmp_path, "none.csv", rename={"Burglary": ""})
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    assert at.selectbox(key="nr_type").value == "Burglary"  # the demo extract
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_PATH).run()
    at.text_input(key=_ui.WHEN_PATH_KEY).set_value(str(toronto_like)).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="nr_type").value == "Break and Enter"
    assert "All crime types" in at.selectbox(key="nr_type").options  # still selectable
    verdicts = [s.value for s in at.success] + [i.value for i in at.info]
    assert any(v.startswith("Break and enters within") for v in verdicts)
    # the user's choice stays while the extract does
    at.selectbox(key="nr_type").set_value("Robbery").run()
    assert at.selectbox(key="nr_type").value == "Robbery"
    # an extract without a burglary-like type starts on its most common type
    at.text_input(key=_ui.WHEN_PATH_KEY).set_value(str(no_burglary)).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="nr_type").value == "Violence and sexual offences"


def test_the_page_says_what_the_test_counts_and_warns_of_a_long_run(
    tasking_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del tasking_log
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    events = demo_incidents().events
    burglary = events[events["crime_type"] == "Burglary"]
    workload = knox_workload(burglary)
    (note,) = [c.value for c in at.caption if "pairs of them within 400 m" in c.value]
    assert note.startswith(_ui.plain(knox_run_text(workload, permutations=999)))
    assert note.endswith("backtests the 7-day forecast, which add to that time.")  # the page's
    assert note.startswith(f"{len(burglary):,} events, {workload.n_pairs:,} pairs of them")
    assert "The smallest p-value 999 shuffles can give is 0.001 (1 / (999 + 1))." in note
    assert not at.warning
    at.select_slider(key="nr_permutations").set_value(99).run()
    assert any("smallest p-value 99 shuffles can give is 0.01 " in c.value for c in at.caption)
    # a run estimated at LONG_KNOX_RUN_S or more is a warning, before the test runs
    monkeypatch.setattr("hotspots.knox.LONG_KNOX_RUN_S", 0.0)
    at.run()
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith(f"{len(burglary):,} events, {workload.n_pairs:,} pairs of them")
    assert "Choose one crime type" in warning
    assert not any("pairs of them within" in c.value for c in at.caption)


def test_zones_sized_from_the_whole_extract_reuse_the_knox_tabs_test(
    tasking_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zones of a day after the extract's last are sized by the Knox tab's own run."""
    del tasking_log
    calls: list[int] = []

    def counted(events: object, **kwargs: object) -> object:
        calls.append(1)
        return knox_test(events, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_ui, "knox_test", counted)
    _ui.knox_of.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    assert len(calls) == 2  # the whole extract, and the days before its last day
    last = demo_incidents().events["end"].max().date()
    at.date_input(key="nr_date").set_value(last + dt.timedelta(days=1)).run()
    assert not at.exception
    assert len(calls) == 2  # no third test: the days before are the whole extract
    (verdict,) = [s.value for s in at.success if s.value.startswith("Burglaries within")]
    sized = [c.value for c in at.caption if c.value.startswith("Zone size from the days before")]
    assert sized == [f"Zone size from the days before {last + dt.timedelta(days=1)}: {verdict}"]


def test_the_tests_choices_are_kept_while_another_page_is_shown(tasking_log: Path) -> None:
    # found by an exploratory test: back from the When page, the crime type was Burglary again
    # and the test (minutes long on a force extract) ran again on the defaults
    del tasking_log  # the page opens it through PATCHMAP_DATABASE_URL
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    at.selectbox(key="nr_type").set_value("Robbery").run()
    at.text_input(key="nr_time_bands").set_value("7,14").run()
    at.select_slider(key="nr_permutations").set_value(99).run()
    at.switch_page("app_pages/when.py").run()
    at.switch_page("app_pages/near_repeat.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="nr_type").value == "Robbery"
    assert at.text_input(key="nr_time_bands").value == "7,14"
    assert at.select_slider(key="nr_permutations").value == 99
    assert at.text_input(key="nr_distance_bands").value == "0,100,200,300,400"
    assert not at.warning or all("Session State" not in w.value for w in at.warning)
