"""
The bad-input corpus through ``patchmap`` itself (``main([...])``): exit 2 with the message, or
exit 0 with the right counts, and never a traceback.

Crime, ward, population, LSOA and neighbourhood cases run ``patchmap summary --json``; sites and
networks ``patchmap catchment``; reports ``patchmap profile --reports``. Uploaded files of a case
are written to disk first, as a user of the command would have them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from patchmap.cli import main
from tests.corpus.bad_inputs import CASES, Case, Inputs, Kit, make_kit
from tests.corpus.runner import check_counts, patched

if TYPE_CHECKING:
    from pathlib import Path

DATA_OPTIONS = (
    ("population", "--population"),
    ("lsoas", "--lsoas"),
    ("neighbourhoods", "--neighbourhoods"),
)
AREA_ONLY = ("n_in_overlaps", "n_population")  # properties of the loaded area, not the summary


@pytest.fixture(scope="module")
def kit(cambridge_dir: Path) -> Kit:
    return make_kit(cambridge_dir)


class _Disk:
    """Writes a case's uploads to files, each in its own folder so names never clash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, source: Path | tuple[str, bytes]) -> str:
        if not isinstance(source, tuple):
            return str(source)
        self.count += 1
        path = self.folder / str(self.count) / source[0]
        path.parent.mkdir(parents=True)
        path.write_bytes(source[1])
        return str(path)


def _argv(case: Case, inputs: Inputs, kit: Kit, disk: _Disk) -> list[str]:
    city = ("2024-09-city-street.csv", kit.city)
    if case.group in {"sites", "network"}:
        assert inputs.file is not None
        network = inputs.file if case.group == "network" else ("streets.osm", kit.osm_xml)
        sites = inputs.file if case.group == "sites" else ("sites.csv", kit.sites)
        return ["catchment", "--network", disk(network), "--sites", disk(sites), "--json"]
    crimes = [disk(c) for c in inputs.crimes or (city,)]
    wards = disk(inputs.wards or kit.wards_path)
    if case.group == "reports":
        assert inputs.file is not None
        return [
            "profile",
            "--crimes",
            *crimes,
            "--wards",
            wards,
            "--reports",
            disk(inputs.file),
            "--json",
        ]
    argv = ["summary", "--crimes", *crimes, "--wards", wards, "--json"]
    for field, option in DATA_OPTIONS:
        source = getattr(inputs, field)
        if source is not None:
            argv += [option, disk(source)]
    return argv


def _check_loaded(case: Case, stdout: str, stderr: str) -> None:
    record = json.loads(stdout)
    if case.group in {"sites", "network"}:
        assert len({c["site_name"] for c in record["catchments"]}) == 3
        return
    if case.group == "reports":
        assert record["reports_gap"]
        return
    by_type = record["by_crime_type"]
    record["asb"] = by_type.get("Anti-social behaviour", 0)
    expected = {k: v for k, v in case.counts.items() if k not in AREA_ONLY}
    check_counts(Case(case.id, case.group, case.build, counts=expected), record)
    # every load note reaches stderr too, one "patchmap: note:" line each
    assert [line for line in stderr.splitlines() if line.startswith("patchmap: note: ")] == [
        f"patchmap: note: {n}" for n in record["notes"]
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case_through_the_command(
    case: Case,
    kit: Kit,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "case"
    folder.mkdir()
    inputs = case.build(kit, folder)
    argv = _argv(case, inputs, kit, _Disk(tmp_path / "given"))
    with patched(case, folder):
        code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if case.message is not None:
        assert code == 2, f"{case.id}: exit {code}; {out[:300]}"
        first = err.splitlines()[0]
        assert first.startswith("patchmap: error: ")
        assert case.message in first, f"{case.id}: {first!r}"
        return
    assert code == 0, f"{case.id}: {err}"
    _check_loaded(case, out, err)
