"""Run ``patchmap`` for its JSON, and ``summary`` from the files and from a store of them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def json_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """Run ``patchmap ARGS --json`` (which must succeed) and return its record."""
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    record: dict[str, object] = json.loads(capsys.readouterr().out)
    return record


def summaries(
    source: Path, tmp_path: Path, cambridge_dir: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    """``summary --json`` from the files and from a store of them; the ingest report."""
    store = tmp_path / "store"
    report = json_of(["ingest", str(source), "--store", str(store)], capsys)
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    from_csv = json_of(["summary", "--crimes", str(source), *wards], capsys)
    from_store = json_of(["summary", "--store", str(store), *wards], capsys)
    return from_csv, from_store, report
