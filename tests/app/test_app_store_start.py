"""``patchmap app --store DIR --wards FILE``: the app opens on a store, as the sidebar's choice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from patchmap import app as patchmap_app
from patchmap.cli import main

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages read the tasking log: give every test its own."""
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")


def test_the_command_passes_the_store_and_wards_after_a_double_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    command = patchmap_app.app_command(
        Path("app.py"), port=8501, store=Path("store"), wards=Path("w.geojson")
    )
    assert command[-5:] == [
        "--",
        "--store",
        str(tmp_path / "store"),
        "--wards",
        str(tmp_path / "w.geojson"),
    ]
    assert "--" not in patchmap_app.app_command(Path("app.py"), port=8501)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--wards", "w.geojson"], "--wards goes with --store"),
        (["--store", "nowhere"], "nowhere: no such folder."),
        (["--store", "file.txt"], "file.txt: this is a file, not a store."),
        (["--store", "store", "--wards", "missing.geojson"], "missing.geojson: the ward boundary"),
    ],
)
def test_the_command_refuses_a_store_or_wards_it_could_not_open(
    argv: list[str],
    message: str,
    cambridge_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    (tmp_path / "store").symlink_to(cambridge_store)
    assert main(["app", *argv]) == 2  # before any server starts
    assert message in capsys.readouterr().err


def test_the_app_opens_on_the_store_the_command_names(
    cambridge_store: Path, cambridge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wards = cambridge_dir / "wards.geojson"
    monkeypatch.setattr(
        sys, "argv", ["app.py", "--store", str(cambridge_store), "--wards", str(wards)]
    )
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key=_ui.DATASET_KEY).value == _ui.STORE
    assert at.text_input(key=_ui.STORE_DIR_KEY).value == str(cambridge_store)
    assert at.text_input(key=_ui.STORE_WARDS_KEY).value == str(wards)
    accounting = " ".join(c.value for c in at.sidebar.caption)
    assert "17,785 crimes in 14 wards" in accounting  # the Cambridge months in their wards
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.DEMO).run()  # the user's choice then holds
    assert at.radio(key=_ui.DATASET_KEY).value == _ui.DEMO
    assert not at.exception, at.exception
