"""
The force extract chosen on When or Near repeats is the one both pages count, until changed.

Both pages draw the sidebar's extract inputs with the same keys, but Streamlit gives each page's
widgets their own ids and drops a page's widget values when another page runs: an extract
uploaded on When was gone on Near repeats (which quietly counted the demo's) and on the way back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from spatial.demo import demo_extract_csv, write_demo
from spatial.incidents import Incidents, read_incidents

APP = str(Path(__file__).resolve().parents[2] / "app.py")
WHEN = "app_pages/when.py"
NEAR_REPEAT = "app_pages/near_repeat.py"
ODD_HEADER = (
    "URN,Recorded,Earliest,Latest,Classification,HO Code,Offence Detail,Grid X,Grid Y,Location,Ward"
)
ODD_MAP = "x=Grid X,y=Grid Y,from=Earliest,to=Latest,type=Classification,id=URN"


@pytest.fixture(scope="module")
def half_extract() -> tuple[str, bytes]:
    """Every other row of the demo extract: its months and places, about half its rows."""
    header, *rows = demo_extract_csv().splitlines()
    return "half <b>extract</b>.csv", "\n".join([header, *rows[::2], ""]).encode()


@pytest.fixture(scope="module")
def half_read(half_extract: tuple[str, bytes]) -> Incidents:
    return read_incidents([half_extract])


def _when_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(WHEN).run()
    return at


def _upload(at: AppTest, file: tuple[str, bytes]) -> None:
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value([(*file, "text/csv")]).run()


def _counted(at: AppTest) -> str:
    """The page's sentence saying where the extract's rows went."""
    assert not at.exception, at.exception
    return next(c.value for c in at.main.caption if " rows read, " in c.value)


def _in_use(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption if c.value.startswith("In use: ")]


def test_an_uploaded_extract_is_counted_on_both_pages_until_the_demo_is_chosen(
    half_extract: tuple[str, bytes], half_read: Incidents
) -> None:
    half, demo = half_read.report, _ui.demo_extract("as-recorded").report
    assert half.n_rows != demo.n_rows  # the figures tell the two apart
    at = _when_page()
    _upload(at, half_extract)
    assert _counted(at) == _ui.extract_accounting(half_read)
    assert at.metric[0].value == f"{half.n_events:,}"
    assert not _in_use(at)  # the uploader shows the file itself

    at.switch_page(NEAR_REPEAT).run()
    assert _counted(at) == _ui.extract_accounting(half_read)  # was the demo's 8,564 rows
    assert at.radio(key=_ui.WHEN_SOURCE_KEY).value == _ui.WHEN_UPLOAD
    assert not at.error
    (in_use,) = _in_use(at)  # the uploader is empty here: the sidebar names the file in use
    assert in_use.startswith(f"In use: {_ui.plain(half_extract[0])} (0.")
    assert "uploaded earlier" in in_use

    at.switch_page(WHEN).run()
    assert _counted(at) == _ui.extract_accounting(half_read)
    assert at.metric[0].value == f"{half.n_events:,}"
    at.switch_page("app_pages/map.py").run()  # a page without the inputs between the two
    at.switch_page(NEAR_REPEAT).run()
    assert _counted(at) == _ui.extract_accounting(half_read)

    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_DEMO).run()
    assert _counted(at).startswith(f"{demo.n_rows:,} rows read")
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    assert not _in_use(at)  # choosing the demo dropped the upload
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]
    assert not [c for c in at.main.caption if " rows read, " in c.value]
    at.switch_page(WHEN).run()
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]


def test_the_kept_extract_is_forgotten_by_its_button_or_by_removing_the_file(
    half_extract: tuple[str, bytes], half_read: Incidents
) -> None:
    at = _when_page()
    _upload(at, half_extract)
    at.switch_page(NEAR_REPEAT).run()
    assert _counted(at) == _ui.extract_accounting(half_read)
    at.button(key=_ui.WHEN_FORGET_KEY).click().run()
    assert not at.exception
    assert not _in_use(at)
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]
    at.switch_page(WHEN).run()  # the When page forgot it too
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]

    _upload(at, half_extract)
    assert _counted(at) == _ui.extract_accounting(half_read)
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value([]).run()  # the user removes the file
    at.switch_page(NEAR_REPEAT).run()
    assert not _in_use(at)
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]


def test_a_new_upload_on_near_repeats_replaces_the_one_from_when(
    half_extract: tuple[str, bytes], half_read: Incidents
) -> None:
    header, *rows = demo_extract_csv().splitlines()
    third = ("third.csv", "\n".join([header, *rows[::3], ""]).encode())
    expected = _ui.extract_accounting(read_incidents([third]))
    at = _when_page()
    _upload(at, half_extract)
    at.switch_page(NEAR_REPEAT).run()
    assert _counted(at) == _ui.extract_accounting(half_read)
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value([(*third, "text/csv")]).run()
    assert _counted(at) == expected
    at.switch_page(WHEN).run()
    assert _counted(at) == expected
    (in_use,) = _in_use(at)
    assert in_use.startswith("In use: third.csv (")


def test_a_path_with_its_column_map_crs_and_midnight_choice_is_kept(tmp_path: Path) -> None:
    header, *rows = demo_extract_csv().splitlines()
    assert header.count(",") == ODD_HEADER.count(",")
    path = tmp_path / "odd names.csv"
    path.write_text("\n".join([ODD_HEADER, *rows[::2], ""]), encoding="utf-8")
    columns = dict(p.split("=") for p in ODD_MAP.split(","))
    expected = _ui.extract_accounting(read_incidents([path], columns=columns, crs="EPSG:27700"))

    at = _when_page()
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_PATH).run()
    at.text_input(key=_ui.WHEN_PATH_KEY).input(f'"{path}"')  # as Windows' "Copy as path" gives
    at.text_input(key=_ui.WHEN_COLUMNS_KEY).input(f'--columns "{ODD_MAP}"')  # as messages show
    at.text_input(key=_ui.WHEN_CRS_KEY).input("EPSG:27700").run()
    assert not at.error
    assert _counted(at) == expected
    exact_as_recorded = at.metric[1].value  # "Exact times": times of 00:00 are exact ...
    at.radio(key=_ui.WHEN_MIDNIGHT_KEY).set_value("unknown").run()
    exact_unknown = at.metric[1].value  # ... or spread over their day
    assert int(exact_unknown.replace(",", "")) < int(exact_as_recorded.replace(",", ""))
    for page in (NEAR_REPEAT, "app_pages/profile.py", WHEN, NEAR_REPEAT, WHEN):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        if page == "app_pages/profile.py":
            continue
        assert _counted(at) == expected, page
        assert at.text_input(key=_ui.WHEN_PATH_KEY).value == f'"{path}"'
        assert at.text_input(key=_ui.WHEN_COLUMNS_KEY).value == f'--columns "{ODD_MAP}"'
        assert at.text_input(key=_ui.WHEN_CRS_KEY).value == "EPSG:27700"
        assert at.radio(key=_ui.WHEN_MIDNIGHT_KEY).value == "unknown"
    assert at.metric[1].value == exact_unknown
    # changed on Near repeats, it is changed on When
    at.switch_page(NEAR_REPEAT).run()
    at.radio(key=_ui.WHEN_MIDNIGHT_KEY).set_value("as-recorded").run()
    at.switch_page(WHEN).run()
    assert at.radio(key=_ui.WHEN_MIDNIGHT_KEY).value == "as-recorded"
    assert at.metric[1].value == exact_as_recorded


def test_a_new_data_set_drops_the_uploaded_extract(
    tmp_path: Path, half_extract: tuple[str, bytes], half_read: Incidents
) -> None:
    write_demo(tmp_path)  # the demo town's files, loaded as a folder: another data set
    at = _when_page()
    _upload(at, half_extract)
    assert _counted(at) == _ui.extract_accounting(half_read)
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input(str(tmp_path / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input(str(tmp_path / "wards.geojson")).run()
    demo = _ui.demo_extract("as-recorded")
    assert _counted(at) == _ui.extract_accounting(demo)
    assert at.radio(key=_ui.WHEN_SOURCE_KEY).value == _ui.WHEN_DEMO
    at.switch_page(NEAR_REPEAT).run()
    assert _counted(at) == _ui.extract_accounting(demo)
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    assert not _in_use(at)
    assert "Upload the force's extract (CSV or .xlsx) in the sidebar." in [i.value for i in at.info]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("x=Grid X,y=Grid Y", "x=Grid X,y=Grid Y"),
        ('  "x=Grid X,y=Grid Y" ', "x=Grid X,y=Grid Y"),
        ("'x=Grid X'", "x=Grid X"),
        ('--columns "x=Grid X,y=Grid Y"', "x=Grid X,y=Grid Y"),
        ("--columns x=Grid X", "x=Grid X"),
        ("--columns='x=Grid X'", "x=Grid X"),
        ('x=Grid X,type="Offence"', 'x=Grid X,type="Offence"'),  # not a pair around the map
        ("--columnsx=Grid X", "--columnsx=Grid X"),  # not the flag: refused as it is
        ("--columns", ""),
        ('"', '"'),
    ],
)
def test_column_names_box_reads_the_map_as_the_messages_write_it(typed: str, read: str) -> None:
    assert _ui.column_map_text(typed) == read


def test_quoted_column_names_read_an_uploaded_extract() -> None:
    _, *rows = demo_extract_csv().splitlines()
    odd = ("odd.csv", "\n".join([ODD_HEADER, *rows[:50], ""]).encode())
    at = _when_page()
    _upload(at, odd)
    (error,) = at.error  # the message shows the flag and the quotes ...
    assert 'Name the columns with --columns, e.g. --columns "x=Easting,' in error.value
    at.text_input(key=_ui.WHEN_COLUMNS_KEY).input(f'--columns "{ODD_MAP}"').run()
    assert not at.error  # ... and the box takes them
    columns = dict(p.split("=") for p in ODD_MAP.split(","))
    assert _counted(at) == _ui.extract_accounting(read_incidents([odd], columns=columns))
    at.text_input(key=_ui.WHEN_COLUMNS_KEY).input("--columns when=Earliest").run()
    (error,) = at.error
    assert "cannot read 'when=Earliest'" in error.value
    assert "(app: Column names)" in error.value
