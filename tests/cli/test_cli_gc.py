"""A command defers Python's full garbage collections while it runs, and restores them after."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import pytest

import patchmap.load
from patchmap.cli import FULL_COLLECTION_EVERY, main
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse


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
