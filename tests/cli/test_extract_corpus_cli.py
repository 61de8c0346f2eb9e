"""
The force-extract corpus through ``patchmap`` itself (``main([...])``): ``when --incidents ...
--json`` and ``summary --incidents ... --json`` exit 2 with the message, or 0 with the right
counts (every row read in exactly one bucket), and never a traceback.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from patchmap.cli import main
from tests.corpus.extract_runner import check_extract_counts, check_first_line
from tests.corpus.extracts import EXTRACT_CASES, ExtractCase, ExtractKit, make_extract_kit
from tests.corpus.runner import patched

if TYPE_CHECKING:
    from pathlib import Path

WHEN_KEYS = (
    "n_events",
    "n_without_time",
    "n_at_midnight",
    "n_windows_spread",
    "n_windows_too_long",
)


@pytest.fixture(scope="module")
def kit(shared_data_dir: Path) -> ExtractKit:
    return make_extract_kit(shared_data_dir)


def _argv(command: str, case: ExtractCase, paths: list[str]) -> list[str]:
    argv = [command, "--incidents", *paths, "--midnight", case.midnight, "--json"]
    if case.columns is not None:
        argv += ["--columns", case.columns]
    if case.crs is not None:
        argv += ["--crs", case.crs]
    return argv


def _paths(case: ExtractCase, kit: ExtractKit, folder: Path) -> list[str]:
    inputs = case.build(kit, folder)
    out = []
    for n, source in enumerate(inputs.files):
        if isinstance(source, tuple):
            path = folder / "given" / str(n) / source[0]
            path.parent.mkdir(parents=True)
            path.write_bytes(source[1])
            out.append(str(path))
        else:
            out.append(str(source))
    return out


def _run(
    argv: list[str], case: ExtractCase, folder: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    with patched(case, folder):  # type: ignore[arg-type]
        code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _summary_counts(case: ExtractCase, record: dict[str, object]) -> None:
    """``summary --incidents``: the extract's buckets under the police.uk names."""
    counts = case.counts
    for key, name in (
        ("n_rows", "n_rows_read"),
        ("n_events", "n_inside_wards"),
        ("n_duplicates", "n_duplicates_removed"),
        ("n_without_location", "n_without_location"),
        ("n_outside_area", "n_outside_gb"),  # no area given: outside means outside GB
    ):
        if counts.get(key) is not None:
            assert record[name] == counts[key], f"{case.id}: {name} {record[name]}"
    parts = (
        "n_inside_wards",
        "n_duplicates_removed",
        "n_without_location",
        "n_outside_gb",
        "n_set_aside",
    )
    assert sum(int(str(record[p])) for p in parts) == record["n_rows_read"], case.id


@pytest.mark.parametrize("case", EXTRACT_CASES, ids=[c.id for c in EXTRACT_CASES])
def test_extract_case_through_the_command(
    case: ExtractCase,
    kit: ExtractKit,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "case"
    folder.mkdir()
    paths = _paths(case, kit, folder)
    for command in ("when", "summary"):
        code, out, err = _run(_argv(command, case, paths), case, folder, capsys)
        in_gb = case.counts.get("crs", "EPSG:27700") == "EPSG:27700"
        if case.message or (command == "summary" and not in_gb):
            assert code == 2, f"{case.id} {command}: exit {code}; {out[:300]}"
            first = err.splitlines()[0]
            assert first.startswith("patchmap: error: ")
            if case.message:
                check_first_line(case, first)
            else:
                assert "outside Great Britain" in first, first
            continue
        assert code == 0, f"{case.id} {command}: {err}"
        record = json.loads(out)
        if command == "when":
            expected = {k: v for k, v in case.counts.items() if k in WHEN_KEYS or k == "note"}
            check_extract_counts(
                ExtractCase(case.id, case.group, case.build, counts=expected), record
            )
        else:
            _summary_counts(case, record)
