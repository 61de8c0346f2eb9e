from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from sqlalchemy.orm import Session

from boundaries.dataset import StudyArea, load_study_area
from layers.audience import Audience, get_preset
from layers.briefing import SECTION_TITLES, BriefingPack, render_briefing, write_briefing
from patchmap.cli import main
from spatial.errors import ParameterError
from tasking.pack import TaskingSnapshot, briefing_content, read_tasking
from tasking.store import add_action, add_area, add_meeting, add_problem, connect, update_problem

SCRIPT = "<script>alert(1)</script>"


def build_briefing(  # noqa: PLR0913 - the front ends' two steps, as one call for the tests
    area: StudyArea,
    *,
    meeting: dt.date,
    ward: str | None = None,
    neighbourhood: str | None = None,
    audience: Audience = "partner",
    min_count: int | None = None,
    months: tuple[str, str] | None = None,
    tasking: TaskingSnapshot | None = None,
    created: dt.datetime | None = None,
) -> BriefingPack:
    """Compute the pack's content and render it, as the app and ``patchmap brief`` do."""
    content = briefing_content(
        area,
        meeting=meeting,
        ward=ward,
        neighbourhood=neighbourhood,
        months=months,
        tasking=tasking,
        hot_cell_size_m=get_preset(audience).min_cell_m or None,
    )
    return render_briefing(content, area, audience=audience, min_count=min_count, created=created)


if TYPE_CHECKING:
    from collections.abc import Callable


MEETING = dt.date(2025, 10, 14)
PDFTOPPM = shutil.which("pdftoppm")
PAGES_DIR_ENV = "PATCHMAP_PAGES_DIR"  # set it to keep the rendered pages to look at


@pytest.fixture(scope="module")
def cambridge(cambridge_dir: Path) -> StudyArea:
    return load_study_area(
        [cambridge_dir / "crimes"],
        cambridge_dir / "wards.geojson",
        population=cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv",
        lsoas=cambridge_dir / "boundaries" / "lsoa_2021.geojson",
        network_path=cambridge_dir / "osm" / "cambridge_drive.graphml",
        label="Cambridge (data.police.uk)",
    )


def _pdf_pages_png(pdf: Path, out: Path) -> list[Path]:
    """Render each PDF page to PNG with poppler's pdftoppm (Debian: poppler-utils)."""
    if PDFTOPPM is None:
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603  # fixed arguments, our own file
        [PDFTOPPM, "-r", "50", "-png", str(pdf), str(out / pdf.stem)], check=True
    )
    return sorted(out.glob(f"{pdf.stem}*.png"))


def _check_profile_numbers(pack: BriefingPack, text: str) -> None:
    """Every number of the profile the audience may see is in the extracted text."""
    profile = pack.profile
    m = pack.min_count or 0
    assert f"Crimes and ASB in the period {profile.n_crimes:,}" in text
    assert f"Of which anti-social behaviour {profile.n_asb:,}" in text
    assert f"{profile.months[0]} to {profile.months[1]}" in text
    for crime_type, n in profile.by_crime_type.items():
        shown = f"{crime_type} <{m}" if n < m else f"{crime_type} {n:,}"
        assert shown in text or f"{crime_type} hidden" in text
    for month, n in profile.by_month.items():
        assert f"{month} {n:,}" in text if n >= m else f"{month} <{m}" in text
    previous = next(c for c in profile.changes if c.label == "previous period")
    assert f"{previous.n_before:,}" in text
    if previous.change_pct is not None and min(previous.n_before, previous.n_after) >= m:
        assert f"{previous.change_pct:+.0f} %" in text


def test_demo_pack_pdf_has_the_profile_numbers_and_renders_pages(
    demo_area: StudyArea, tmp_path: Path, pdf_text: Callable[[Path], str]
) -> None:
    ward = demo_area.ward_names[0]
    pack = build_briefing(
        demo_area,
        ward=ward,
        meeting=MEETING,
        audience="partner",
        created=dt.datetime(2025, 10, 1, tzinfo=dt.UTC),
    )
    assert pack.sections == ("cover", "map", "profile", "change", "locations")
    pdf = write_briefing(pack, tmp_path / "demo.pdf")
    text = pdf_text(pdf)
    assert f"Briefing pack: {ward}, meeting 2025-10-14" in text
    assert "anonymised" in text
    assert "Dates are months only" in text
    _check_profile_numbers(pack, text)
    for title in ("Profile", "Change since the last meeting", "Top repeat locations"):
        assert title in text
    assert "Flagged problems" not in text  # no tasking log given: no placeholder section
    pages = _pdf_pages_png(pdf, Path(os.environ.get(PAGES_DIR_ENV) or tmp_path))
    assert len(pages) >= 2
    first = imread(pages[0])
    assert first.shape[0] > first.shape[1]  # A4 portrait
    assert float(np.std(first)) > 0.05  # a real page, not a blank one


def test_cambridge_ward_pack_pdf_matches_the_profile(
    cambridge: StudyArea, tmp_path: Path, pdf_text: Callable[[Path], str]
) -> None:
    pack = build_briefing(cambridge, ward="Petersfield", meeting=MEETING, audience="partner")
    assert pack.profile.months == ("2025-07", "2025-09")
    assert pack.profile.n_crimes == 425  # worked out from the CSVs: Petersfield, 2025-07..09
    pdf = write_briefing(pack, tmp_path / "petersfield.pdf")
    text = pdf_text(pdf)
    _check_profile_numbers(pack, text)
    assert "Possession of weapons <5" in text
    assert "Robbery hidden" in text  # secondary suppression: one small count would be derivable
    assert "crime_id" not in pack.html
    assert "Open Database Licence" in text  # streets drawn from OpenStreetMap
    pages = _pdf_pages_png(pdf, Path(os.environ.get(PAGES_DIR_ENV) or tmp_path))
    assert len(pages) >= 2


def test_html_escapes_a_location_named_like_a_script(
    demo_area: StudyArea, tmp_path: Path, pdf_text: Callable[[Path], str]
) -> None:
    ward = demo_area.ward_names[0]
    recent = demo_area.points.loc[
        (demo_area.points["ward"] == ward)
        & (demo_area.points["month"] >= pd.Period("2025-07", freq="M"))
    ]
    busiest = recent["location"].value_counts().index[0]
    points = demo_area.points.assign(
        location=demo_area.points["location"].where(demo_area.points["location"] != busiest, SCRIPT)
    )
    area = dataclasses.replace(demo_area, points=points)
    pack = build_briefing(area, ward=ward, meeting=MEETING, audience="police")
    assert SCRIPT not in pack.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pack.html
    assert "<script" not in pack.html
    text = pdf_text(write_briefing(pack, tmp_path / "x.pdf"))
    assert SCRIPT in text.replace(" ", "")  # printed as the characters typed (cell may wrap)


def test_public_pack_leaves_out_locations_and_tasking(demo_area: StudyArea) -> None:
    pack = build_briefing(
        demo_area, ward=demo_area.ward_names[0], meeting=MEETING, audience="public"
    )
    assert "locations" not in pack.sections
    assert pack.min_count == 10
    named = demo_area.points.loc[
        demo_area.points["ward"] == demo_area.ward_names[0], "location"
    ].unique()
    assert not [name for name in named if html.escape(name) in pack.html]


def test_tasking_sections_appear_with_the_log_and_respect_the_audience(
    demo_area: StudyArea, tmp_path: Path, pdf_text: Callable[[Path], str]
) -> None:
    ward = demo_area.ward_names[0]
    centres = demo_area.wards.geometry.representative_point()
    here = centres[demo_area.wards["ward_name"] == ward].iloc[0]
    there = max(centres, key=here.distance)  # the farthest ward: no overlap
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        problem = add_problem(
            session,
            title="Cycle theft <at> the station",
            user="pc.a",
            ward=ward,
            sara_stage="response",
        )
        add_action(
            session,
            problem.id,
            epic="prevention",
            description="Marking event & new stands",
            user="pc.a",
            owner_agency="Council",
            owner_person="J. Smith",
            due_date=dt.date(2025, 3, 10),
            status="done",
            notes="<b>call Mrs Jones</b>",
        )
        add_area(
            session,
            here.buffer(300),
            kind="patrol_area",
            name="Station",
            user="pc.a",
            problem_id=problem.id,
        )
        add_area(
            session,
            there.buffer(300),
            kind="comparison_area",
            name="Elsewhere",
            user="pc.a",
            problem_id=problem.id,
        )
        update_problem(
            session, problem.id, expected_version=problem.version, user="pc.a", status="closed"
        )
        add_meeting(session, name="NAG", held_on=dt.date(2025, 7, 20), user="pc.a")
        add_meeting(session, name="NAG later", held_on=dt.date(2025, 11, 1), user="pc.a")
    with Session(engine) as session:
        snapshot = read_tasking(session, demo_area, wards=[ward], meeting=MEETING)
    assert snapshot.last_meeting == dt.date(2025, 7, 20)
    assert len(snapshot.assessments) == 1
    assessment = snapshot.assessments[0][1]
    # due 2025-03-10; the demo's data start 2024-10, so five months each side
    assert assessment.after == ("2025-03", "2025-07")
    assert assessment.before == ("2024-10", "2025-02")
    partner = build_briefing(
        demo_area, ward=ward, meeting=MEETING, audience="partner", tasking=snapshot
    )
    # every section but the near-repeat one, which needs timed crimes (a force extract)
    assert partner.sections == tuple(s for s in SECTION_TITLES if s != "near_repeat")
    assert "Cycle theft &lt;at&gt; the station" in partner.html
    assert "Marking event &amp; new stands" in partner.html
    assert "Mrs Jones" not in partner.html  # action notes and names stay with the police
    assert "J. Smith" not in partner.html
    assert "since the last meeting (2025-07-20)" in partner.html
    text = pdf_text(write_briefing(partner, tmp_path / "partner.pdf"))
    assert f"Briefing pack: {ward}, meeting {MEETING:%Y-%m-%d}" in text
    assert "Cycle theft <at> the station" in text
    assert "Marking event & new stands" in text
    squeezed = text.replace(" ", "")  # a narrow table cell may wrap "2025-07-20" in the PDF
    assert "sincethelastmeeting(2025-07-20)" in squeezed
    assert "Mrs Jones" not in text
    assert "J. Smith" not in text
    police = build_briefing(
        demo_area, ward=ward, meeting=MEETING, audience="police", tasking=snapshot
    )
    assert "&lt;b&gt;call Mrs Jones&lt;/b&gt;" in police.html
    public = build_briefing(
        demo_area, ward=ward, meeting=MEETING, audience="public", tasking=snapshot
    )
    assert "problems" not in public.sections
    assert "Cycle theft" not in public.html


def test_pack_needs_one_place_and_data_before_the_meeting(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    with pytest.raises(ParameterError, match="Give one ward or one neighbourhood"):
        build_briefing(demo_area, meeting=MEETING)
    with pytest.raises(
        ParameterError, match="No crime data is loaded for months before the meeting"
    ):
        build_briefing(demo_area, ward=demo_area.ward_names[0], meeting=dt.date(2020, 1, 1))
    pack = build_briefing(
        demo_area, ward=demo_area.ward_names[0], meeting=MEETING, audience="partner"
    )
    with pytest.raises(ParameterError, match=r"saved as \.html or \.pdf; found '\.docx'"):
        write_briefing(pack, tmp_path / "x.docx")
    html = write_briefing(pack, tmp_path / "x.html")
    assert html.read_text(encoding="utf-8") == pack.html
    assert 'src="data:image/png;base64,' in pack.html  # self-contained: the map is embedded
    assert "http://" not in pack.html
    assert "https://" not in pack.html


def test_cli_brief_writes_the_html_pack(tmp_path: Path, demo_area: StudyArea) -> None:
    ward = demo_area.ward_names[2]
    out = tmp_path / "pack.html"
    code = main(["brief", "--demo", "--ward", ward, "--meeting", "2025-10-14", "--out", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    expected = build_briefing(demo_area, ward=ward, meeting=MEETING, audience="partner")
    assert f"Briefing pack: {ward}, meeting 2025-10-14" in text
    assert f'<td class="n">{expected.profile.n_crimes:,}</td>' in text
    assert main(["brief", "--demo", "--meeting", "2025-10-14", "--out", str(out)]) == 2


def test_neighbourhood_pack_covers_its_wards(demo_area: StudyArea) -> None:
    name = next(n for n in demo_area.neighbourhood_names if n not in demo_area.ward_names)
    wards = tuple(demo_area.wards.loc[demo_area.wards["neighbourhood"] == name, "ward_name"])
    pack = build_briefing(demo_area, neighbourhood=name, meeting=MEETING, audience="partner")
    assert pack.area_name == name
    assert pack.profile.wards == wards
    assert f"{name} ({', '.join(wards)})" in pack.html
    n_in_wards = int(
        (
            demo_area.points["ward"].isin(wards)
            & (demo_area.points["month"] >= pd.Period("2025-07", freq="M"))
        ).sum()
    )
    assert pack.profile.n_crimes == n_in_wards


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_no_count_below_the_threshold_reaches_a_shared_pack(
    demo_area: StudyArea, audience: str
) -> None:
    threshold = 5 if audience == "partner" else 10
    for ward in demo_area.ward_names:
        pack = build_briefing(
            demo_area,
            ward=ward,
            meeting=MEETING,
            audience=audience,  # type: ignore[arg-type]  # both literals
        )
        numeric_cells = re.findall(r'<td class="n">([0-9,]+)</td>', pack.html)
        assert numeric_cells  # the tables are there
        assert all(int(c.replace(",", "")) >= threshold for c in numeric_cells)
        in_text = re.findall(r": ([0-9]+)(?:;|</td>)", pack.html)
        assert all(int(c) >= threshold for c in in_text)
        assert f"&lt;{threshold}" in pack.html or "hidden" not in pack.html


@pytest.mark.parametrize("audience", ["police", "partner", "public"])
def test_brief_json_lists_only_the_locations_the_pack_shows(
    tmp_path: Path, demo_area: StudyArea, capsys: pytest.CaptureFixture[str], audience: Audience
) -> None:
    ward = "Riverside"  # top locations of 72 crimes down to 4
    assert ward in demo_area.ward_names
    argv = ["brief", "--demo", "--ward", ward, "--meeting", "2025-10-14", "--audience", audience]
    assert main([*argv, "--out", str(tmp_path / "pack.html"), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["profile"]["top_locations"]
    full = build_briefing(demo_area, ward=ward, meeting=MEETING, audience="police")
    everything = [dict(t) for t in full.profile.top_locations]
    threshold = get_preset(audience).min_count
    if threshold is None:
        assert listed == everything
        return
    assert any(int(str(t["n_crimes"])) < threshold for t in everything)  # some are small
    if audience == "public":
        assert listed == []  # crimes per ward only: the pack lists no location
        return
    shown = [t for t in everything if int(str(t["n_crimes"])) >= threshold]
    assert [t["location"] for t in listed] == [t["location"] for t in shown]
    assert [t["n_crimes"] for t in listed] == [t["n_crimes"] for t in shown]
    assert shown  # the partner pack lists some
    for record in listed:  # the crime types' small counts are blanked as in the pack
        counts = re.findall(r": (\d+)(?:;|$)", str(record["top_crime_types"]))
        assert all(int(c) >= threshold for c in counts)
        assert f"<td>{html.escape(str(record['location']))}</td>" in Path(
            tmp_path / "pack.html"
        ).read_text(encoding="utf-8")


def _numbers_in(value: object) -> list[float]:
    """Every number in a JSON value, as counts would appear (strings like '<5' are not)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, str):
        return [float(n.replace(",", "")) for n in re.findall(r"^[0-9][0-9,]*$", value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers_in(v)]
    return []


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_a_shared_packs_json_record_holds_what_the_pack_prints(
    tmp_path: Path, demo_area: StudyArea, capsys: pytest.CaptureFixture[str], audience: Audience
) -> None:
    ward = "Riverside"
    argv = ["brief", "--demo", "--ward", ward, "--meeting", "2025-10-14", "--audience", audience]
    argv += ["--crime-type", "Burglary"]  # small monthly counts, some below either threshold
    assert main([*argv, "--out", str(tmp_path / "pack.html"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    threshold = get_preset(audience).min_count
    assert threshold is not None
    full = build_briefing(demo_area, ward=ward, meeting=MEETING, audience="police")
    assert full.profile.by_month  # the police record keeps every count
    profile = record["profile"]
    assert profile["crime_types"] == ["Burglary"]
    counts = [profile[k] for k in ("n_crimes", "n_asb", "by_crime_type", "by_month")]
    counts += [profile["by_month_last_year"], record["changes"]]
    small = [n for n in _numbers_in(counts) if n < threshold]
    assert small == []  # no figure below the threshold, anywhere in the record
    assert f"<{threshold}" in json.dumps(record)  # the small ones are there, as the pack has them
    html_text = (tmp_path / "pack.html").read_text(encoding="utf-8")
    for month, shown in profile["by_month"].items():
        assert f'<td>{month}</td><td class="n">{html.escape(shown)}</td>' in html_text


def test_partners_see_an_intelligence_actions_strand_not_what_it_says(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    ward = demo_area.ward_names[0]
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Dealing", user="pc.a", ward=ward)
        for epic, text in (
            ("intelligence", "Door-to-door at 12 Sidney Street, flat 3 (Mr J Bloggs)"),
            ("prevention", "Cut back the hedges by the alley"),
        ):
            add_action(
                session, problem.id, epic=epic, description=text, user="pc.a",  # type: ignore[arg-type]
                owner_agency="Police", due_date=dt.date(2025, 11, 1),
            )  # fmt: skip
    with Session(engine) as session:
        snapshot = read_tasking(session, demo_area, wards=[ward], meeting=MEETING)
    partner = build_briefing(
        demo_area, ward=ward, meeting=MEETING, audience="partner", tasking=snapshot
    )
    assert "Bloggs" not in partner.html
    assert "Sidney Street" not in partner.html
    assert "<td>intelligence</td><td>(details for the police only)" in partner.html
    assert "Cut back the hedges by the alley" in partner.html  # other strands as written
    police = build_briefing(
        demo_area, ward=ward, meeting=MEETING, audience="police", tasking=snapshot
    )
    assert "Door-to-door at 12 Sidney Street, flat 3 (Mr J Bloggs)" in police.html


def test_a_pack_says_when_its_data_end_long_before_the_meeting(demo_area: StudyArea) -> None:
    ward = demo_area.ward_names[0]
    later = build_briefing(demo_area, ward=ward, meeting=dt.date(2030, 1, 1), audience="partner")
    assert (
        "The data end at 2025-09, 52 months before this meeting (2030-01-01): the pack does not "
        "show what happened since. Load the newer months for an up-to-date pack."
    ) in html.unescape(later.html)
    usual = build_briefing(demo_area, ward=ward, meeting=MEETING, audience="partner")
    assert "The data end at" not in usual.html  # the month after the data: the usual meeting
