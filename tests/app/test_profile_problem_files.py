"""The Profile page's patrol-area downloads: the files ``patchmap problems --out`` writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyogrio
import pytest
import streamlit.testing.v1.app_test as app_test_module  # noqa: TID251 - its media store
from streamlit.runtime.memory_media_file_storage import (  # noqa: TID251 - kept to read
    MemoryMediaFileStorage,
)
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

import layers.metadata
from app_pages import _ui
from patchmap.cli import main

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


class _FixedClock:
    """Stands in for the ``datetime`` module in :mod:`layers.metadata`: files made at CREATED."""

    UTC = dt.UTC

    class datetime(dt.datetime):  # noqa: N801 - the name the module calls
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]  # fixed
            return CREATED.astimezone(tz)


class _KeptMedia(MemoryMediaFileStorage):
    """The app's media store, kept for the test to read the downloads' bytes."""

    made: ClassVar[list[MemoryMediaFileStorage]] = []

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        self.made.append(self)


@pytest.fixture
def same_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Files made now by the app and by the command carry the same times, so bytes compare."""
    monkeypatch.setattr(layers.metadata, "dt", _FixedClock)
    monkeypatch.setenv("OGR_CURRENT_DATE", "2026-01-02T03:04:05Z")  # GeoPackage's last_change
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _KeptMedia)
    _KeptMedia.made.clear()
    _ui.problem_area_files.clear()  # files cached by another test carry another time


def _downloads(at: AppTest) -> dict[str, bytes]:
    """Return the page's patrol-area downloads by label, with the bytes the browser gets."""
    (media,) = _KeptMedia.made[-1:]
    out = {}
    for button in at.get("download_button"):
        if str(button.proto.id).find("profile_problem_areas") < 0:
            continue
        name = str(button.proto.url).rsplit("/", 1)[-1]
        out[str(button.proto.label)] = media.get_file(name).content
    return out


def _command_file(tmp_path: Path, suffix: str, *options: str) -> bytes:
    out = tmp_path / f"cli{suffix}"
    assert main(["problems", "--demo", *options, "--out", str(out)]) == 0
    return out.read_bytes()


def _gpkg_metadata(data: bytes, tmp_path: Path) -> dict[str, object]:
    """Return the patchmap metadata stored with the GeoPackage's ``problems`` layer."""
    path = tmp_path / "read.gpkg"
    path.write_bytes(data)
    stored = pyogrio.read_info(path, layer="problems")["layer_metadata"]
    record: dict[str, object] = json.loads(stored["PATCHMAP_METADATA"])
    return record


@pytest.mark.usefixtures("same_clock")
def test_profile_downloads_are_the_files_the_problems_command_writes(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, last = demo_area.months[-3], demo_area.months[-1]  # the page's "Last 3 months"
    months = ["--months", f"{first}:{last}"]
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("app_pages/profile.py").run()
    at.radio(key="profile_scope").set_value("A ward").run()
    at.selectbox(key="profile_area").set_value("Castle").run()
    assert not at.exception, at.exception
    files = _downloads(at)
    assert sorted(files) == [
        "Patrol areas: GeoJSON (web maps; police)",
        "Patrol areas: GeoPackage (QGIS; police)",
    ]
    geojson = files["Patrol areas: GeoJSON (web maps; police)"]
    gpkg = files["Patrol areas: GeoPackage (QGIS; police)"]
    assert geojson == _command_file(tmp_path, ".geojson", "--ward", "Castle", *months)
    assert gpkg == _command_file(tmp_path, ".gpkg", "--ward", "Castle", *months)
    collection = json.loads(geojson)
    assert len(collection["features"]) > 1
    assert collection["metadata"]["filters"] == {"wards": "Castle", "months": f"{first} to {last}"}
    assert collection["metadata"]["created_utc"] == CREATED.isoformat()  # both made "at" CREATED
    # A neighbourhood: the file of --neighbourhood NAME.
    name = next(n for n in demo_area.neighbourhood_names if n not in demo_area.ward_names)
    at.radio(key="profile_scope").set_value("A neighbourhood").run()
    at.selectbox(key="profile_area").set_value(name).run()
    assert not at.exception, at.exception
    geojson = _downloads(at)["Patrol areas: GeoJSON (web maps; police)"]
    assert geojson == _command_file(tmp_path, ".geojson", "--neighbourhood", name, *months)
    capsys.readouterr()


@pytest.mark.usefixtures("same_clock")
def test_profile_downloads_carry_no_more_than_the_police_file_of_the_command(
    demo_area: StudyArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    files = _downloads(at)
    assert files  # the demo's first neighbourhood has problems
    assert all(label.endswith("; police)") for label in files)  # no partner or public file
    geojson = json.loads(files["Patrol areas: GeoJSON (web maps; police)"])
    gpkg_meta = _gpkg_metadata(files["Patrol areas: GeoPackage (QGIS; police)"], tmp_path)
    for metadata in (geojson["metadata"], gpkg_meta):
        assert (metadata["audience"], metadata["min_count"]) == ("police", None)
        assert metadata["fields"] == {
            "problems": [
                "rank", "problem_id", "label", "crime_type", "kind", "wards", "n_crimes",
                "score", "area_m2",
            ]
        }  # fmt: skip
    properties = {k for f in geojson["features"] for k in f["properties"]}
    assert properties == set(gpkg_meta["fields"]["problems"])  # type: ignore[index]
    # The command makes patrol-area files for the police alone: it has no audience to ask for.
    with pytest.raises(SystemExit) as exit_info:
        main(["problems", "--demo", "--audience", "partner", "--out", str(tmp_path / "p.gpkg")])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --audience partner" in capsys.readouterr().err
    assert demo_area.neighbourhood_names
