"""A command defers Python's full garbage collections while it runs, and restores them after."""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import patchmap.cli
import patchmap.load
from patchmap._start_up import ANALYSIS_STACK
from patchmap.cli import FULL_COLLECTION_EVERY, main
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fails", [False, True])
def test_full_collections_are_deferred_while_a_command_runs(
    fails: bool,  # noqa: FBT001 - a parameter of the test
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[tuple[int, int, int]] = []

    def run(args: argparse.Namespace) -> int:
        del args
        seen.append(gc.get_threshold())
        if fails:
            msg = "Planted failure."
            raise ParameterError(msg)
        return 0

    monkeypatch.setattr(patchmap.load, "run_summary", run)
    before = gc.get_threshold()
    assert main(["summary", "--demo"]) == (2 if fails else 0)
    assert seen == [(*before[:2], max(before[2], FULL_COLLECTION_EVERY))]
    assert seen[0][2] >= FULL_COLLECTION_EVERY > before[2]
    assert gc.get_threshold() == before
    assert ("Planted failure." in capsys.readouterr().err) is fails


def test_a_command_that_reads_crimes_imports_the_analysis_stack_without_collections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imported: list[tuple[str, bool]] = []
    real = importlib.import_module

    def spy(name: str, package: str | None = None) -> object:
        imported.append((name, gc.isenabled()))
        return real(name, package)

    monkeypatch.setattr(patchmap.load, "run_summary", lambda _args: 0)
    monkeypatch.setattr(importlib, "import_module", spy)
    frozen = gc.get_freeze_count()
    assert main(["summary", "--demo"]) == 0
    assert [name for name, _ in imported if name in ANALYSIS_STACK] == list(ANALYSIS_STACK)
    assert not any(enabled for name, enabled in imported if name in ANALYSIS_STACK)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # a test's process: nothing frozen
    imported.clear()
    assert main(["summary", "--ward", "Market"]) == 0  # no crimes given: no stack to import
    assert not [name for name, _ in imported if name in ANALYSIS_STACK]


def test_the_command_as_a_process_freezes_its_start_up_objects() -> None:
    probe = (
        "import gc, sys\n"
        "from patchmap.cli import main\n"
        "before = gc.get_freeze_count()\n"
        "code = main(['summary', '--demo', '--json'], own_process=True)\n"
        "print(code, before, gc.get_freeze_count(), gc.isenabled(), file=sys.stderr)\n"
    )
    done = subprocess.run(  # noqa: S603 - this repo's own command
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    code, before, after, enabled = done.stderr.split()[-4:]
    assert (code, before, enabled) == ("0", "0", "True")
    assert int(after) > 100_000  # numpy, pandas, pyarrow, shapely, pyproj and geopandas' objects
