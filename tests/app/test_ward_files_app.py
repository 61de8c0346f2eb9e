"""
Ward files as GIS tools make them, in the app's three ways of giving them: upload, folder, store.

Each file (built from the real Cambridge wards by the corpus, ``tests/corpus/bad_inputs.py``)
must give in every mode what ``patchmap summary`` gives: the same error message, word for word,
or the same counts and notes. A ward name the file spells in decomposed Unicode (as macOS writes
it) is chosen by the name as typed, in a Profile link too.
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from patchmap.cli import main
from spatial.store import ingest
from tests.app._pages import APP
from tests.corpus.bad_inputs import CASES, NEWNHAM_WELSH, SEPT, Kit, make_kit

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.shared

MODE_KEY = "ward_files_mode"
MODES = ("upload", "folder", "store")
WARD_CASES = (
    "wards-ring-not-closed",
    "wards-gpkg-two-vintages",
    "wards-gpkg-with-a-points-layer",
    "wards-zip-shapefile-in-a-folder",
    "wards-zip-shapefile-without-dbf",
)


def _harness() -> None:
    """The sidebar's data loading, then the selection's counts as metrics."""
    import streamlit as st  # noqa: PLC0415, TID251  # AppTest runs this function's body

    from app_pages import _ui  # noqa: PLC0415
    from boundaries.select import summarise  # noqa: PLC0415

    ctx = _ui.sidebar()
    summary = _ui.guarded("summarising", summarise, ctx.area, ctx.selection)
    st.metric("n_inside_wards", summary.n_inside_wards)
    for ward, count in summary.by_ward.items():
        st.metric(f"ward:{ward}", count)


@pytest.fixture(scope="module")
def kit(cambridge_dir: Path) -> Kit:
    return make_kit(cambridge_dir)


@pytest.fixture(scope="module")
def store(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the force's 2024-09 file (its wards' crimes are the city file's)."""
    target = tmp_path_factory.mktemp("ward-files") / "store"
    ingest([cambridge_dir / "crimes" / SEPT], store_dir=target)
    return target


@pytest.fixture(scope="module", autouse=True)
def _scan_components_once() -> Iterator[None]:
    """Scan installed packages for Streamlit components once, not per AppTest (~0.5 s each)."""
    from streamlit.components.v2 import manifest_scanner  # noqa: PLC0415, TID251

    found = manifest_scanner.scan_component_manifests()
    with mock.patch.object(manifest_scanner, "scan_component_manifests", return_value=found):
        yield


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _on_disk(source: tuple[str, bytes], folder: Path) -> Path:
    path = folder / "given" / source[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source[1])
    return path


def _app(mode: str, wards: tuple[str, bytes], kit: Kit, store: Path, folder: Path) -> AppTest:
    """Run the harness with the city's crimes (a store of them in store mode) and ``wards``."""
    at = AppTest.from_function(_harness, default_timeout=120)
    if mode == "upload":
        at.session_state[_ui.DATASET_KEY] = _ui.UPLOAD
        at.run()
        crimes = ("2024-09-city-street.csv", kit.city, "text/csv")
        at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value([crimes])
        at.file_uploader(key=_ui.UPLOAD_WARDS_KEY).set_value((*wards, "application/octet-stream"))
    elif mode == "folder":
        at.session_state[_ui.DATASET_KEY] = _ui.FOLDER
        crimes_path = _on_disk(("2024-09-city-street.csv", kit.city), folder)
        at.session_state[_ui.FOLDER_CRIMES_KEY] = str(crimes_path)
        at.session_state[_ui.FOLDER_WARDS_KEY] = str(_on_disk(wards, folder))
    else:
        at.session_state[_ui.DATASET_KEY] = _ui.STORE
        at.session_state[_ui.STORE_DIR_KEY] = str(store)
        at.session_state[_ui.STORE_WARDS_KEY] = str(_on_disk(wards, folder))
    at.run()
    assert not at.exception, at.exception
    return at


def _command(
    wards: Path, kit: Kit, folder: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str | None, dict[str, Any]]:
    """``patchmap summary --json`` on the same files: (exit code, first error line, record)."""
    crimes = _on_disk(("2024-09-city-street.csv", kit.city), folder / "cli")
    code = main(["summary", "--crimes", str(crimes), "--wards", str(wards), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code:
        return code, err.splitlines()[0].removeprefix("patchmap: error: "), {}
    return code, None, json.loads(out)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case_id", WARD_CASES)
def test_a_ward_file_gives_the_commands_answer_in_every_mode(
    case_id: str,
    mode: str,
    kit: Kit,
    store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = next(c for c in CASES if c.id == case_id)
    wards = case.build(kit, tmp_path)
    assert isinstance(wards.wards, tuple)
    code, message, record = _command(_on_disk(wards.wards, tmp_path), kit, tmp_path, capsys)
    at = _app(mode, wards.wards, kit, store, tmp_path)
    if case.message is not None:
        assert code == 2
        assert message is not None
        assert case.message in message
        # the command's words, in every mode (as markdown source that renders exactly them)
        assert [e.value for e in at.error] == [_ui.plain(message)]
        assert not at.metric
        return
    assert code == 0
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: int(str(m.value).replace(",", "")) for m in at.metric}
    assert metrics["n_inside_wards"] == record["n_inside_wards"] == 1406
    assert {k[5:]: v for k, v in metrics.items() if k.startswith("ward:")} == record["by_ward"]
    if "note" in case.counts:  # the layer read is said in the sidebar as by the command
        (note,) = [n for n in record["notes"] if str(case.counts["note"]) in n]
        assert _ui.plain(note) in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize("mode", MODES)
def test_a_ward_the_file_spells_decomposed_is_chosen_by_its_typed_name(
    mode: str, kit: Kit, store: Path, tmp_path: Path
) -> None:
    case = next(c for c in CASES if c.id == "wards-names-decomposed")
    wards = case.build(kit, tmp_path)
    assert isinstance(wards.wards, tuple)
    features = json.loads(wards.wards[1])["features"]
    assert unicodedata.normalize("NFD", NEWNHAM_WELSH) in [
        f["properties"]["WD23NM"] for f in features
    ]
    at = _app(mode, wards.wards, kit, store, tmp_path)
    assert NEWNHAM_WELSH in at.multiselect(key=_ui.WARDS_KEY).options
    at.multiselect(key=_ui.WARDS_KEY).set_value([NEWNHAM_WELSH]).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: int(str(m.value).replace(",", "")) for m in at.metric}
    assert metrics == {"n_inside_wards": 15, f"ward:{NEWNHAM_WELSH}": 15}


def test_a_profile_link_written_decomposed_selects_the_ward(kit: Kit, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "wards-names-decomposed")
    wards = case.build(kit, tmp_path)
    assert isinstance(wards.wards, tuple)
    at = AppTest.from_function(_harness, default_timeout=120)
    at.session_state[_ui.DATASET_KEY] = _ui.FOLDER
    at.session_state[_ui.FOLDER_CRIMES_KEY] = str(
        _on_disk(("2024-09-city-street.csv", kit.city), tmp_path)
    )
    at.session_state[_ui.FOLDER_WARDS_KEY] = str(_on_disk(wards.wards, tmp_path))
    at.query_params[_ui.FOCUS_PARAM] = unicodedata.normalize("NFD", NEWNHAM_WELSH)
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key=_ui.WARDS_KEY).value == [NEWNHAM_WELSH]
    metrics = {m.label: int(str(m.value).replace(",", "")) for m in at.metric}
    assert metrics["n_inside_wards"] == 15


def test_a_profile_link_in_lower_case_selects_the_ward_as_ward_does() -> None:
    """A link typed by hand (``?ward=castle``) picks its ward by the command's rule."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params[_ui.FOCUS_PARAM] = "  castle"
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key=_ui.WARDS_KEY).value == ["Castle"]
