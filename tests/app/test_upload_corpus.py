"""
The bad-input corpus through the app: a message in the page, never an exception.

Crime, ward, population, LSOA and neighbourhood files go through the sidebar exactly as a user
gives them (uploads, or the folder fields for cases that need real paths: pipes, permissions,
folders). Sites, street networks and reports go through the same calls the EVA routes and Profile
pages make on an upload (``_ui.guarded`` with the package reader, ``_ui.network_from_upload``).
The app takes those three only as uploads, so their on-disk cases run in the package corpus only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from tests.corpus.bad_inputs import CASES, Case, Inputs, Kit, make_kit
from tests.corpus.runner import check_counts, patched

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

GROUP_KEY = "corpus_group"
FILE_KEY = "corpus_file"
FILE_GROUPS = {"sites", "network", "reports"}
APP_CASES = tuple(c for c in CASES if not (c.on_disk and c.group in FILE_GROUPS))


def _harness() -> None:
    """The sidebar's data loading, or a page's upload of sites, a network or reports."""
    import hashlib  # noqa: PLC0415  # AppTest runs this function's body as the script

    import streamlit as st  # noqa: PLC0415, TID251

    from app_pages import _ui  # noqa: PLC0415
    from boundaries.select import summarise  # noqa: PLC0415
    from spatial.sites import read_sites  # noqa: PLC0415
    from tasking.reports import read_reports  # noqa: PLC0415

    group = st.session_state.get("corpus_group", "crimes")
    if group in {"sites", "network", "reports"}:
        upload = st.file_uploader("File", key="corpus_file")
        if upload is None:
            st.stop()
        source = (upload.name, upload.getvalue())
        if group == "sites":
            n = len(_ui.guarded("reading the sites", read_sites, source))
        elif group == "reports":
            n = len(_ui.guarded("reading the reports", read_reports, source))
        else:
            digest = hashlib.sha256(source[1]).hexdigest()
            network = _ui.guarded(
                "reading the street network", _ui.network_from_upload, digest, *source
            )
            n = network.n_nodes
        st.metric("n", n)
        return
    ctx = _ui.sidebar()
    summary = _ui.guarded("summarising", summarise, ctx.area, ctx.selection)
    record = summary.to_dict()
    for key, value in record.items():
        if isinstance(value, int):
            st.metric(key, value)
    for ward, count in summary.by_ward.items():
        st.metric(f"ward:{ward}", count)
    for crime_type, count in summary.by_crime_type.items():
        st.metric(f"type:{crime_type}", count)
    st.metric("n_in_overlaps", ctx.area.n_in_overlaps)
    st.text(f"months:{','.join(summary.months)}")
    population = ctx.area.population
    st.metric("n_population", 0 if population is None else len(population))


@pytest.fixture(scope="module")
def kit(cambridge_dir: Path) -> Kit:
    return make_kit(cambridge_dir)


@pytest.fixture(scope="module", autouse=True)
def _scan_components_once() -> Iterator[None]:
    """Scan installed packages for Streamlit components once, not per AppTest (~0.5 s each)."""
    from streamlit.components.v2 import manifest_scanner  # noqa: PLC0415, TID251

    found = manifest_scanner.scan_component_manifests()
    with mock.patch.object(manifest_scanner, "scan_component_manifests", return_value=found):
        yield


def _upload(source: Path | tuple[str, bytes]) -> tuple[str, bytes, str]:
    name, data = source if isinstance(source, tuple) else (source.name, source.read_bytes())
    return name, data, "application/octet-stream"


def _disk(source: Path | tuple[str, bytes], folder: Path) -> str:
    if isinstance(source, tuple):
        path = folder / "given" / source[0]
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(source[1])
        return str(path)
    return str(source)


def _prepare(at: AppTest, case: Case, inputs: Inputs, kit: Kit, folder: Path) -> None:
    at.session_state[GROUP_KEY] = case.group
    if case.group in FILE_GROUPS:
        return
    if case.on_disk:
        at.session_state[_ui.DATASET_KEY] = _ui.FOLDER
        crimes = inputs.crimes or (("2024-09-city-street.csv", kit.city),)
        (given,) = crimes  # the app takes one path: a file, a folder or a .zip
        at.session_state[_ui.FOLDER_CRIMES_KEY] = _disk(given, folder)
        at.session_state[_ui.FOLDER_WARDS_KEY] = _disk(inputs.wards or kit.wards_path, folder)
        for key, source in (
            (_ui.FOLDER_POPULATION_KEY, inputs.population),
            (_ui.FOLDER_LSOAS_KEY, inputs.lsoas),
            (_ui.FOLDER_NEIGHBOURHOODS_KEY, inputs.neighbourhoods),
        ):
            if source is not None:
                at.session_state[key] = _disk(source, folder)
        return
    at.session_state[_ui.DATASET_KEY] = _ui.UPLOAD


def _set_uploads(at: AppTest, case: Case, inputs: Inputs, kit: Kit) -> None:
    if case.group in FILE_GROUPS:
        if inputs.file is None:
            pytest.fail(f"{case.id} has no file")
        at.file_uploader(key=FILE_KEY).set_value(_upload(inputs.file))
        return
    crimes = inputs.crimes or (("2024-09-city-street.csv", kit.city),)
    at.file_uploader(key=_ui.UPLOAD_CRIMES_KEY).set_value([_upload(c) for c in crimes])
    at.file_uploader(key=_ui.UPLOAD_WARDS_KEY).set_value(_upload(inputs.wards or kit.wards_path))
    for key, source in (
        (_ui.UPLOAD_POPULATION_KEY, inputs.population),
        (_ui.UPLOAD_LSOAS_KEY, inputs.lsoas),
        (_ui.UPLOAD_NEIGHBOURHOODS_KEY, inputs.neighbourhoods),
    ):
        if source is not None:
            at.file_uploader(key=key).set_value(_upload(source))


def _shown(markdown: str) -> str:
    """The text the user reads: the app escapes markdown's marks in data (``_ui.plain``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _record(at: AppTest) -> dict[str, object]:
    metrics = {m.label: int(str(m.value).replace(",", "")) for m in at.metric}
    record: dict[str, object] = {k: v for k, v in metrics.items() if ":" not in k}
    by_type = {k[5:]: v for k, v in metrics.items() if k.startswith("type:")}
    record["by_ward"] = {k[5:]: v for k, v in metrics.items() if k.startswith("ward:")}
    record["by_crime_type"] = by_type
    record["asb"] = by_type.get("Anti-social behaviour", 0)
    record["notes"] = [_shown(c.value) for c in at.sidebar.caption]
    for text in at.text:
        if text.value.startswith("months:"):
            record["months"] = text.value.removeprefix("months:").split(",")
    return record


def test_every_corpus_case_a_user_can_give_the_app_is_run() -> None:
    assert len(APP_CASES) >= 80
    assert {c.group for c in APP_CASES} == {c.group for c in CASES}


@pytest.mark.parametrize("case", APP_CASES, ids=[c.id for c in APP_CASES])
def test_corpus_case_in_the_app(
    case: Case, kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    inputs = case.build(kit, tmp_path)
    at = AppTest.from_function(_harness, default_timeout=60)
    _prepare(at, case, inputs, kit, tmp_path)
    with patched(case, tmp_path):
        at.run()
        if not case.on_disk:
            _set_uploads(at, case, inputs, kit)
            at.run()
    assert not at.exception, f"{case.id}: {at.exception}"
    if case.message is not None:
        errors = [e.value for e in at.error]
        assert errors, f"{case.id}: no error shown; metrics {[m.label for m in at.metric]}"
        first = _shown(errors[0].splitlines()[0])
        assert case.message in first, f"{case.id}: {first!r}"
        assert not at.metric
        return
    assert not at.error, f"{case.id}: {[e.value for e in at.error]}"
    check_counts(case, _record(at))
