"""
The Exports page makes layers and packs from the force extract chosen in the sidebar.

The page's files are ``patchmap export --incidents`` and ``patchmap brief --incidents`` of the
same extract with the same options (the demo town's wards, street network and sites as
``--demo --network --sites``): the same layers with the same features, the same pack, the same
audience rules (a partner never gets an exact place or time) and the same error messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyogrio
import pytest

from app_pages import _ui
from boundaries.dataset import load_demo
from boundaries.extract import EXTRACT_AREA_NAME, study_area_from_incidents
from hotspots.when import area_in_hours
from layers.briefing import SECTION_TITLES
from patchmap.cli import main
from spatial.demo import NEAR_REPEAT_CHAIN, demo_extract_csv
from tests._demo_extract import FROM_EXTRACT, demo_extract_options
from tests.app._pages import (
    EXPORTS,
    exports_page,
    extract_exports_page,
    record_returns,
    saved_names,
)
from tests.layers._export_text import file_texts, fine_cell_labels, small_counts

if TYPE_CHECKING:
    import geopandas as gpd
    from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

    from layers.audience import Audience
    from layers.export import Download

LAYERS = ["hotspots", "hot_areas", "clusters", "crimes", "sites"]
ALL_MONTHS = ("2024-10", "2025-09")  # the demo extract's, as the page's months box opens
MONTHS = ("2025-05", "2025-06")  # two of them: a police export of every crime takes long
WARD = NEAR_REPEAT_CHAIN.ward  # the pack's place: the demo extract's near-repeat chain
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
MADE_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
CRIME_REF = re.compile(r"FB/\d{6}/\d{2}")
NIGHTS = "Fri 22-03,Sat 22-03"  # the flag's own example
DAYTIME = "Mon-Fri 08-20"  # burglaries in the chain's ward in MONTHS: some by day, none by night
KEY = "PATCHMAP_METADATA"  # a GeoPackage layer's metadata, as patchmap writes it
TORONTO = (
    "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    "A1,2025-01-13 22:15,Burglary,-79.3832,43.6532\n"
    "A2,2025-01-14 21:15,Burglary,-79.3872,43.6512\n"
    "A3,2025-02-13 02:15,Robbery,-79.3812,43.6552\n"
)


def _gpkg_layers(data: bytes) -> dict[str, gpd.GeoDataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(data)
        return {
            name: pyogrio.read_dataframe(path, layer=name) for name, _ in pyogrio.list_layers(path)
        }


def _texts(files: dict[str, Download]) -> dict[str, list[str]]:
    every = files["all"]
    return {every.file_name: file_texts(every.file_name, every.data)}


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    """The demo extract's events, as the app reads them (the app's cached copy)."""
    return _ui.demo_extract("as-recorded").events


@pytest.fixture(scope="module")
def minutes(events: gpd.GeoDataFrame) -> set[str]:
    """Every start and end of the demo extract's events, to the minute."""
    times = pd.concat([events["start"], events["end"]]).dropna()
    return set(times.dt.strftime("%Y-%m-%d %H:%M"))


def _exact(texts: dict[str, list[str]], minutes: set[str]) -> list[str]:
    """
    The texts holding an event's exact time or an extract's crime reference.

    A file's own creation time (the GeoPackage's, the metadata's) is a time of day too, but
    of no crime: only the events' times count.
    """
    return [
        t
        for ts in texts.values()
        for t in ts
        if CRIME_REF.search(t)
        or {m.group().replace("T", " ") for m in TIMESTAMP.finditer(t)} & minutes
    ]


def test_the_pages_extract_layers_are_the_commands(
    demo_extract_file: Path,
    events: gpd.GeoDataFrame,
    minutes: set[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    at = extract_exports_page()
    assert at.select_slider(key="export_extract_months").value == ALL_MONTHS
    at.select_slider(key="export_extract_months").set_value(MONTHS).run()
    at.multiselect(key="export_layers").set_value(LAYERS).run()  # all shared with partners
    at.radio(key="export_audience").set_value("police").run()
    assert not at.exception, at.exception
    assert list(at.multiselect(key="export_layers").value) == LAYERS
    exact_xy = set(zip(events.geometry.x.round(3), events.geometry.y.round(3), strict=True))
    for audience in ("police", "partner"):
        out = tmp_path / audience
        options = [
            "--audience",
            audience,
            "--layers",
            ",".join(LAYERS),
            "--months",
            ":".join(MONTHS),
        ]
        assert (
            main(["export", *demo_extract_options(demo_extract_file), *options, "--out", str(out)])
            == 0
        )
        files = {f.key: f for f in made[audience]}
        app = _gpkg_layers(files["gpkg"].data)
        cli = _gpkg_layers((out / f"patchmap_{audience}.gpkg").read_bytes())
        assert list(app) == list(cli)
        assert sorted(app) == sorted(LAYERS)
        for name, layer in app.items():
            assert len(layer) == len(cli[name]) > 0, name
            pd.testing.assert_frame_equal(pd.DataFrame(layer), pd.DataFrame(cli[name]))
        crimes, texts = app["crimes"], _texts(files)
        xy = set(zip(crimes.geometry.x.round(3), crimes.geometry.y.round(3), strict=True))
        if audience == "police":  # the police get the extract as it is: the test can fail
            assert {"crime_id", "start", "end"} <= set(crimes.columns)
            assert xy <= exact_xy
            assert _exact(texts, minutes)
            continue
        assert not {"crime_id", "start", "end"} & set(crimes.columns)
        assert not xy & exact_xy  # 100 m cell centres, never an event's own point
        assert (crimes.geometry.x % 100 == 50).all()
        assert (crimes.geometry.y % 100 == 50).all()
        assert _exact(texts, minutes) == []
        assert small_counts(texts, min_count=5) == []
        assert fine_cell_labels(texts, min_cell_m=100.0) == []
        assert "demo_rms_extract" not in " ".join(t for ts in texts.values() for t in ts)


def test_the_pages_extract_packs_are_the_commands(
    demo_extract_file: Path,
    minutes: set[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made: dict[str, tuple[Any, ...]] = record_returns(monkeypatch, "briefing_files", by=3)
    at = extract_exports_page()
    at.selectbox(key="brief_area").select(WARD).run()
    meeting = at.date_input(key="brief_meeting").value
    audiences: tuple[Audience, ...] = ("police", "partner")
    for audience in audiences:
        out = tmp_path / f"{audience}.html"
        place = ["--ward", WARD, "--meeting", str(meeting), "--audience", audience, "--json"]
        assert (
            main(["brief", *demo_extract_options(demo_extract_file), *place, "--out", str(out)])
            == 0
        )
        record = json.loads(capsys.readouterr().out)
        assert "near_repeat" in record["sections"]  # the planted chain, tested and zoned
        at.radio(key="export_audience").set_value(audience).run()
        at.button(key="brief_build").click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        titles = ", ".join(SECTION_TITLES[s] for s in record["sections"])
        assert f"Sections: {titles}." in [m.value for m in at.markdown]
        title, html, _pdf, _png, sections, _covers = made[audience]
        assert title == record["title"] == f"Briefing pack: {WARD}, meeting {meeting}"
        assert sections == tuple(SECTION_TITLES[s] for s in record["sections"])
        # the command's pack, byte for byte but for the minute each was made
        assert _made_at(html) == _made_at(out.read_text(encoding="utf-8"))
    packs = {a: {"pack.html": [str(made[a][1])]} for a in audiences}
    assert _exact(packs["partner"], minutes) == []
    assert "demo_rms_extract" not in made["partner"][1]


def _gpkg_metadata(data: bytes) -> dict[str, dict[str, object]]:
    """Each layer's metadata (``PATCHMAP_METADATA``), less the second it was made."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(data)
        found = {
            name: json.loads(pyogrio.read_info(path, layer=name)["layer_metadata"][KEY])
            for name, _ in pyogrio.list_layers(path)
        }
    return {name: {k: v for k, v in m.items() if k != "created_utc"} for name, m in found.items()}


def _in_the_nights(at: AppTest) -> AppTest:
    """Type the flag's example in the page's Hours of the week; the page takes it."""
    box = at.text_input(key="export_extract_hours")
    assert box.label == "Hours of the week"
    assert box.value == ""  # every hour, as without --hours
    assert 'e.g. "Fri 22-03,Sat 22-03"' in str(box.help)  # the flag's example and name
    assert "`--hours`" in str(box.help)
    box.set_value(NIGHTS).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    whole = study_area_from_incidents(_ui.demo_extract("as-recorded"), load_demo().wards)
    n_kept, n_all = len(area_in_hours(whole, NIGHTS).points), len(whole.points)
    said = f"Only crimes in the hours {NIGHTS} (as `--hours`): {n_kept:,} of the {n_all:,} crimes."
    assert said in [c.value for c in at.caption]
    return at


def test_the_pages_extract_layers_in_some_hours_are_export_with_hours(
    demo_extract_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same layers, features and metadata (the hours among the filters), named for them."""
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    names = saved_names(monkeypatch)
    at = extract_exports_page()
    at.select_slider(key="export_extract_months").set_value(MONTHS).run()
    at.multiselect(key="export_layers").set_value(LAYERS).run()
    every = _gpkg_layers({f.key: f for f in made["partner"]}["gpkg"].data)
    _in_the_nights(at)
    out = tmp_path / "partner"
    options = ["--layers", ",".join(LAYERS), "--months", ":".join(MONTHS), "--hours", NIGHTS]
    command = ["export", *demo_extract_options(demo_extract_file), *options]
    assert main([*command, "--out", str(out)]) == 0
    files = {f.key: f for f in made["partner"]}
    stem = "patchmap_partner_extract_all_wards_2025-05_to_2025-06_Fri_22-03_Sat_22-03"
    assert {f"{stem}.gpkg", f"{stem}.zip"} <= set(names)
    assert files["gpkg"].file_name == f"{stem}.gpkg"
    app = _gpkg_layers(files["gpkg"].data)
    cli = _gpkg_layers((out / "patchmap_partner.gpkg").read_bytes())
    assert list(app) == list(cli) == list(every)
    for name, layer in app.items():
        assert len(layer) == len(cli[name]) > 0, name
        pd.testing.assert_frame_equal(pd.DataFrame(layer), pd.DataFrame(cli[name]))
    shown = app["crimes"]["n_crimes"].dropna().sum()
    assert 0 < shown < every["crimes"]["n_crimes"].dropna().sum()  # fewer: those hours only
    metadata = _gpkg_metadata(files["gpkg"].data)
    assert metadata == _gpkg_metadata((out / "patchmap_partner.gpkg").read_bytes())
    assert list(metadata) == list(app)
    for layer_metadata in metadata.values():
        assert layer_metadata["filters"] == {"months": "2025-05 to 2025-06", "hours": NIGHTS}


def test_the_pages_extract_over_every_month_is_export_without_months(
    demo_extract_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The months box left at the whole extract filters nothing: no months among the filters."""
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    at = extract_exports_page()
    assert at.select_slider(key="export_extract_months").value == ALL_MONTHS
    at.multiselect(key="export_layers").set_value(["hot_areas"]).run()
    assert not at.exception, at.exception
    out = tmp_path / "partner"
    command = ["export", *demo_extract_options(demo_extract_file), "--layers", "hot_areas"]
    assert main([*command, "--out", str(out)]) == 0
    files = {f.key: f for f in made["partner"]}
    metadata = _gpkg_metadata(files["gpkg"].data)
    assert metadata == _gpkg_metadata((out / "patchmap_partner.gpkg").read_bytes())
    assert [m["filters"] for m in metadata.values()] == [{}]
    assert files["gpkg"].file_name == "patchmap_partner_extract_all_wards_2024-10_to_2025-09.gpkg"


def test_the_pages_extract_pack_in_some_hours_is_brief_with_hours(
    demo_extract_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same pack but for the minute it was made: its cover names the hours."""
    packs: dict[str, tuple[Any, ...]] = record_returns(monkeypatch, "briefing_files", by=3)
    names = saved_names(monkeypatch)
    at = _in_the_nights(extract_exports_page())
    at.selectbox(key="brief_area").select(WARD).run()
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    meeting = at.date_input(key="brief_meeting").value
    assert isinstance(meeting, dt.date)
    pack = tmp_path / "pack.html"
    place = ["--ward", WARD, "--meeting", str(meeting), "--hours", NIGHTS, "--json"]
    command = ["brief", *demo_extract_options(demo_extract_file), *place]
    assert main([*command, "--out", str(pack)]) == 0
    record = json.loads(capsys.readouterr().out)
    title, html, _pdf, _png, sections, covers = packs["partner"]
    assert title == record["title"]
    assert sections == tuple(SECTION_TITLES[s] for s in record["sections"])
    assert _made_at(html) == _made_at(pack.read_text(encoding="utf-8"))
    assert f"<dt>Hours of the week</dt><dd>{NIGHTS} (only crimes in these hours)</dd>" in html
    first, last = record["profile"]["months"]
    assert covers.startswith(f"{first} to {last}, all crime types in the hours {NIGHTS}: ")
    assert f"The pack covers {_ui.plain(covers)}." in [c.value for c in at.caption]
    pdf = f"briefing_partner_extract_{WARD}_{meeting.isoformat()}_Fri_22-03_Sat_22-03.pdf"
    assert pdf in names


def test_hours_the_page_cannot_read_are_refused_as_the_command_refuses_them(
    demo_extract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = extract_exports_page()
    at.text_input(key="export_extract_hours").set_value("Fri 22-03,Saturday").run()
    assert not at.exception, at.exception
    command = ["export", *demo_extract_options(demo_extract_file), "--hours", "Fri 22-03,Saturday"]
    assert main([*command, "--out", str(tmp_path / "x")]) == 2
    said = _error(capsys)
    assert said == (
        "--hours (app: Hours of the week): cannot read 'Saturday'. Write blocks like 'Fri 22-03' "
        "or 'Mon-Fri 09-17', separated by commas (days Mon..Sun, hours 0-24)."
    )
    assert [e.value for e in at.error] == [_ui.plain(said)]
    assert not at.get("download_button")  # nothing was made
    no_files = "No files until the hours of the week above can be read."
    assert [c.value for c in at.caption].count(no_files) == 2  # the layers' tab and the pack's
    assert at.radio(key="export_audience").value == "partner"  # the other boxes are still shown
    assert list(at.multiselect(key="export_layers").value) == ["hotspots", "clusters", "sites"]
    at.text_input(key="export_extract_hours").set_value("  ").run()  # an empty box: every hour
    assert not at.error, [e.value for e in at.error]
    assert at.get("download_button")


def test_hours_that_leave_no_crime_say_so_as_the_command_does(
    demo_extract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = extract_exports_page()
    at.select_slider(key="export_extract_months").set_value(MONTHS).run()
    at.multiselect(key="export_extract_types").set_value(["Burglary"]).run()
    at.multiselect(key="export_extract_wards").set_value([WARD]).run()
    at.text_input(key="export_extract_hours").set_value(NIGHTS).run()
    assert not at.exception, at.exception
    options = ["--months", ":".join(MONTHS), "--crime-type", "Burglary", "--ward", WARD]
    command = ["export", *demo_extract_options(demo_extract_file), *options, "--hours", NIGHTS]
    assert main([*command, "--out", str(tmp_path / "x")]) == 2
    said = _error(capsys)
    assert said == (
        f"The selection holds no crimes in the hours {NIGHTS}: widen the months, wards, crime "
        "types or --hours (app: Hours of the week)."
    )
    assert [e.value for e in at.error] == [_ui.plain(said)]


def test_the_extracts_downloads_are_named_for_the_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved beside the data set's (the demo town's months are the demo extract's), none is lost."""
    names = saved_names(monkeypatch)
    at = exports_page()
    at.selectbox(key="brief_area").select(WARD).run()
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    meeting = at.date_input(key="brief_meeting").value
    assert isinstance(meeting, dt.date)
    data_set = set(names) - {"None"}  # the pack's map image has no file name
    assert {"patchmap_partner_all_wards_2024-10_to_2025-09.gpkg",
            f"briefing_partner_{WARD}_{meeting.isoformat()}.pdf"} <= data_set  # fmt: skip
    names.clear()
    at.radio(key="export_source").set_value(FROM_EXTRACT).run()
    assert at.radio(key=_ui.WHEN_SOURCE_KEY).value == _ui.WHEN_DEMO
    at.button(key="brief_build").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.date_input(key="brief_meeting").value == meeting
    assert at.selectbox(key="brief_area").value == WARD
    extract = set(names) - {"None"}
    assert {"patchmap_partner_extract_all_wards_2024-10_to_2025-09.gpkg",
            f"briefing_partner_extract_{WARD}_{meeting.isoformat()}.pdf"} <= extract  # fmt: skip
    assert not data_set & extract
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", n) for n in data_set | extract)


def _no_sites(at: AppTest) -> str:
    """The page's note that no co-location sites are loaded, as the command's words."""
    (note,) = [c.value for c in at.caption if "co-location sites" in c.value]
    assert note.startswith("No co-location sites are loaded (give --sites FILE: CSV with name, ")
    return note.replace("\\", "")


def _made_at(html: str) -> str:
    """The pack without the minute it was made (its only text that is not the data's)."""
    text, n = MADE_AT.subn("(made at)", html)
    assert n == 1
    return text


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    """The command's message (stderr may hold the app's log lines too)."""
    lines = capsys.readouterr().err.splitlines()
    (said,) = [line for line in lines if line.startswith("patchmap: error: ")]
    return said.removeprefix("patchmap: error: ")


def test_the_pages_extract_errors_are_the_commands(
    demo_extract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = extract_exports_page()
    at.date_input(key="brief_meeting").set_value(pd.Timestamp("2024-09-01").date()).run()
    at.button(key="brief_build").click().run()
    place = ["--ward", str(at.selectbox(key="brief_area").value), "--meeting", "2024-09-01"]
    out = ["--out", str(tmp_path / "pack.html")]
    assert main(["brief", *demo_extract_options(demo_extract_file), *place, *out]) == 2
    said = _error(capsys)
    assert said.startswith("No crime data is loaded for months before the meeting on 2024-09-01")
    assert [e.value for e in at.error] == [_ui.plain(said)]

    toronto = tmp_path / "toronto.csv"  # exact times and places, outside Great Britain
    toronto.write_text(TORONTO, encoding="utf-8")
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    upload = [(toronto.name, toronto.read_bytes(), "text/csv")]
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value(upload).run()
    assert not at.exception, at.exception
    assert main(["export", "--incidents", str(toronto), "--out", str(tmp_path / "x")]) == 2
    said = _error(capsys)
    assert "outside Great Britain" in said
    assert [e.value for e in at.error] == [_ui.plain(said)]
    assert not at.get("download_button")  # nothing was made


def test_shared_layers_of_the_extract_leave_density_and_streets_out(
    demo_extract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page offers partners and the public what `export --incidents` makes by default."""
    at = extract_exports_page()
    scope = "This page uses the demo extract (the demo town's timed crimes), not the data set's"
    assert any(c.value.startswith(scope) for c in at.caption)  # as When and Near repeats say
    said = [c.value for c in at.caption if c.value.startswith("Partner: ")]
    cells = (
        "Partner: 100 m cells (crimes, hot spots, cluster outlines, route stops), never an "
        "extract's exact place or time, small counts suppressed, no IDs or outcomes."
    )
    assert said == [cells]  # not police.uk's street points
    for audience in ("partner", "public"):
        at.radio(key="export_audience").set_value(audience).run()
        assert not at.exception, at.exception
        layers = at.multiselect(key="export_layers")
        assert "Density (raster)" not in layers.options
        assert "Hot streets" not in str(layers.options)
        out = tmp_path / audience
        options = ["--audience", audience, "--out", str(out)]
        assert main(["export", *demo_extract_options(demo_extract_file), *options, "--json"]) == 0
        notes = capsys.readouterr().err
        written = [n for n, _ in pyogrio.list_layers(out / f"patchmap_{audience}.gpkg")]
        assert list(layers.value) == written == ["hotspots", "clusters", "sites"]
        why = next(c.value for c in at.caption if "density layer of a force extract" in c.value)
        assert why.replace("\\", "") in notes  # the command's note, less "left out"
        assert "co-location sites" not in notes  # the demo town's sites came along
        assert not [c for c in at.caption if "co-location sites" in c.value]


@pytest.fixture(scope="module")
def elsewhere_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fourth row of the demo extract moved 50 km east: in Great Britain, in no demo ward."""
    header, *rows = demo_extract_csv().splitlines()
    names = header.split(",")
    east = names.index("Easting")
    moved = []
    for row in rows[::4]:
        cells = next(csv.reader([row]))
        if cells[east]:
            cells[east] = str(int(cells[east]) + 50_000)
        moved.append(cells)
    path = tmp_path_factory.mktemp("elsewhere") / "elsewhere.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([names, *moved])
    return path


def test_an_extract_outside_the_wards_is_one_area_as_without_wards(
    elsewhere_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Beside the demo town, an extract of another place is exported as `--incidents` alone."""
    made: dict[str, tuple[Download, ...]] = record_returns(monkeypatch, "export_files", by=2)
    at = extract_exports_page()
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    upload = [(elsewhere_csv.name, elsewhere_csv.read_bytes(), "text/csv")]
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value(upload).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("the whole extract is one area" in c.value for c in at.caption)
    assert not [w for w in at.multiselect if w.key == "export_extract_wards"]
    assert at.selectbox(key="brief_area").options == [EXTRACT_AREA_NAME]
    out = tmp_path / "partner"
    capsys.readouterr()
    assert main(["export", "--incidents", str(elsewhere_csv), "--out", str(out)]) == 0
    said = [n for n in capsys.readouterr().err.splitlines() if "co-location sites" in n]
    assert said == [f"patchmap: {_no_sites(at)}"]  # the command's note, where it prints it
    files = {f.key: f for f in made["partner"]}
    app = _gpkg_layers(files["gpkg"].data)
    cli = _gpkg_layers((out / "patchmap_partner.gpkg").read_bytes())
    assert list(app) == list(cli) == ["hotspots", "clusters"]  # no sites: none were given
    for name, layer in app.items():
        assert len(layer) == len(cli[name]) > 0, name
        pd.testing.assert_frame_equal(pd.DataFrame(layer), pd.DataFrame(cli[name]))


def test_the_extracts_choices_are_kept_while_another_page_is_shown() -> None:
    at = extract_exports_page()
    at.select_slider(key="export_extract_months").set_value(MONTHS).run()
    at.multiselect(key="export_extract_types").set_value(["Burglary"]).run()
    at.multiselect(key="export_extract_wards").set_value([WARD]).run()
    at.text_input(key="export_extract_hours").set_value(DAYTIME).run()
    at.switch_page("app_pages/map.py").run()
    at.switch_page(EXPORTS).run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]  # no Session State API clash
    assert at.radio(key="export_source").value == FROM_EXTRACT
    assert at.select_slider(key="export_extract_months").value == MONTHS
    assert at.multiselect(key="export_extract_types").value == ["Burglary"]
    assert at.multiselect(key="export_extract_wards").value == [WARD]
    assert at.text_input(key="export_extract_hours").value == DAYTIME
    assert any(c.value.startswith(f"Only crimes in the hours {DAYTIME}") for c in at.caption)
    assert at.selectbox(key="brief_area").value == WARD  # the pack follows the one ward
    assert "Crime types come from the extract's boxes above: Burglary." in [
        c.value for c in at.caption
    ]
