from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui

if TYPE_CHECKING:
    import pytest

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _crimes_shown(at: AppTest) -> int:
    (metric,) = [m for m in at.metric if m.label == "Crimes shown"]
    return int(str(metric.value).replace(",", ""))


def test_map_page_shows_every_demo_crime(demo_area: StudyArea) -> None:
    at = _app()
    assert not at.error
    assert at.title[0].value == "Map"
    assert _crimes_shown(at) == len(demo_area.points)
    table = at.dataframe[0].value
    assert list(table.index) == list(demo_area.ward_names)
    assert table["All crimes"].sum() == len(demo_area.points)
    n_unlocated = len(demo_area.crimes.without_location)
    assert n_unlocated > 0  # the demo plants rows without coordinates, as police.uk has
    accounting = [c.value for c in at.sidebar.caption if c.value.startswith(demo_area.label)]
    expected = (
        f"{demo_area.label}: {len(demo_area.points):,} crimes in {len(demo_area.wards)} wards; "
        f"not mapped: {n_unlocated:,} without a location."
    )
    assert accounting == [expected]


def test_choosing_a_ward_counts_only_its_crimes(demo_area: StudyArea) -> None:
    at = _app()
    ward = demo_area.ward_names[1]
    at.multiselect(key=_ui.WARDS_KEY).set_value([ward]).run()
    assert not at.exception
    expected = int((demo_area.points["ward"] == ward).sum())
    assert 0 < expected < len(demo_area.points)
    assert _crimes_shown(at) == expected
    table = at.dataframe[0].value
    assert list(table.index) == [ward]
    assert table.loc[ward, "All crimes"] == expected
    assert any(c.value.endswith(" snap points in 1 ward.") for c in at.caption)  # not "1 wards"


def test_choosing_a_crime_type_and_month_counts_only_those(demo_area: StudyArea) -> None:
    at = _app()
    month = demo_area.months[2]
    at.multiselect(key=_ui.CRIME_TYPES_KEY).set_value(["Burglary"])
    at.select_slider(key=_ui.MONTHS_KEY).set_value((month, month)).run()
    assert not at.exception
    points = demo_area.points
    expected = int(
        ((points["crime_type"] == "Burglary") & (points["month"].astype(str) == month)).sum()
    )
    assert expected > 0
    assert _crimes_shown(at) == expected
    assert list(at.dataframe[0].value.columns) == ["All crimes", "Burglary"]


def test_choosing_a_neighbourhood_counts_its_wards(demo_area: StudyArea) -> None:
    at = _app()
    neighbourhood = demo_area.neighbourhood_names[0]
    at.multiselect(key=_ui.NEIGHBOURHOODS_KEY).set_value([neighbourhood]).run()
    assert not at.exception
    wards = set(demo_area.wards.loc[demo_area.wards["neighbourhood"] == neighbourhood, "ward_name"])
    assert _crimes_shown(at) == int(demo_area.points["ward"].isin(wards).sum())
    assert set(at.dataframe[0].value.index) == wards


def test_uploading_a_non_csv_shows_the_error_not_a_traceback() -> None:
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.UPLOAD).run()
    assert not at.exception
    assert "Upload data.police.uk street-level crime CSVs" in at.info[0].value
    at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value([("photo.png", PNG, "image/png")]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        (
            "photo.png: this is not a CSV file (it looks binary). Load the street-level CSV files "
            "from data.police.uk, a folder of them, or the .zip archive as downloaded."
        )
    ]
    assert not at.metric


def test_uploading_the_demo_files_loads_them(demo_area: StudyArea) -> None:
    assert demo_area.network_path is not None
    folder = demo_area.network_path.parent
    month = demo_area.months[0]
    (csv,) = (folder / "crimes").rglob(f"{month}-*-street.csv")
    wards = folder / "wards.geojson"
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.UPLOAD).run()
    at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value(
        [(csv.name, csv.read_bytes(), "text/csv")]
    )
    at.run()
    assert not at.exception
    assert "Now upload the ward boundary file" in at.info[0].value
    at.file_uploader(key=_ui.UPLOAD_WARDS_KEY).set_value(
        (wards.name, wards.read_bytes(), "application/geo+json")
    ).run()
    assert not at.exception
    assert not at.error
    assert _crimes_shown(at) == int((demo_area.points["month"].astype(str) == month).sum())


def test_a_missing_folder_is_reported() -> None:
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input("/nonexistent/crimes")
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input("/nonexistent/wards.geojson").run()
    assert not at.exception
    assert at.error[0].value == (
        "/nonexistent/crimes: the crime files were not found. "
        "Check the path (it is read on the server)."
    )


def test_the_cambridge_folder_loads(cambridge_dir: Path) -> None:
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input(str(cambridge_dir / "wards.geojson")).run()
    assert not at.exception
    assert not at.error
    # SOURCES.md: 17,785 located crimes fall inside the 14 Cambridge wards.
    assert _crimes_shown(at) == 17_785
    assert len(at.dataframe[0].value) == 14
    assert at.dataframe[0].value.loc["Market", "All crimes"] == 4206


def test_the_area_name_heads_the_data_and_keeps_the_filters(cambridge_dir: Path) -> None:
    """The sidebar's area name is `--area-name`: the same name, the same errors."""
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input(str(cambridge_dir / "wards.geojson")).run()
    assert any(c.value.startswith("wards.geojson: 17,785 crimes") for c in at.sidebar.caption)
    at.multiselect(key=_ui.WARDS_KEY).set_value(["Market"]).run()
    at.text_input(key=_ui.AREA_NAME_KEY).input("  Cambridge   City ").run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("Cambridge City: 17,785 crimes") for c in at.sidebar.caption)
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Market"]  # a name is not new data
    assert _crimes_shown(at) == 4206
    at.text_input(key=_ui.AREA_NAME_KEY).input("x" * 81).run()
    assert not at.exception, at.exception
    assert at.error[0].value == (
        "The area name has 81 characters; give at most 80 (it heads pages, pack covers and "
        "export metadata)."
    )


def test_paths_with_a_home_folder_or_quotes_load_as_a_shell_reads_them(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``~/...`` and a path pasted with quotes (Windows' "Copy as path") name the same files."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cambridge").symlink_to(cambridge_dir)
    monkeypatch.setenv("HOME", str(tmp_path))
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input("~/data/cambridge/crimes")
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input(f'"{cambridge_dir / "wards.geojson"}"').run()
    assert not at.exception
    assert not at.error
    assert _crimes_shown(at) == 17_785


def test_swapped_crime_and_ward_files_are_said_to_be_swapped(demo_area: StudyArea) -> None:
    """Uploads, the folder fields and the command all name both files, the wrong way round."""
    assert demo_area.network_path is not None
    folder = demo_area.network_path.parent
    (csv,) = (folder / "crimes").rglob(f"{demo_area.months[0]}-*-street.csv")
    wards = folder / "wards.geojson"
    expected = (
        f"The crime and ward files look swapped: {csv.name} is a data.police.uk crime file and "
        f"wards.geojson holds boundaries. Give wards.geojson as the ward boundaries and "
        f"{csv.name} as the crimes."
    )
    command = [sys.executable, "-m", "patchmap", "summary", "--crimes", str(wards)]
    done = subprocess.run(  # noqa: S603  # this Python, this repository's command
        [*command, "--wards", str(csv)],
        capture_output=True,
        text=True,
        cwd=Path(APP).parent,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"patchmap: error: {expected}"
    at = _app()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.UPLOAD).run()
    at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value(
        [(wards.name, wards.read_bytes(), "application/geo+json")]
    )
    at.file_uploader(key=_ui.UPLOAD_WARDS_KEY).set_value((csv.name, csv.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [expected]
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).input(str(wards))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).input(str(csv)).run()
    assert not at.exception
    assert [e.value for e in at.error] == [expected]
