"""The force-extract corpus through :func:`spatial.incidents.read_incidents`."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from tests.corpus.extract_runner import check_extract, run_extract
from tests.corpus.extracts import EXTRACT_CASES, ExtractCase, ExtractKit, make_extract_kit

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def kit(shared_data_dir: Path) -> ExtractKit:
    return make_extract_kit(shared_data_dir)


def test_extract_corpus_covers_every_group() -> None:
    groups = Counter(c.group for c in EXTRACT_CASES)
    assert len(EXTRACT_CASES) >= 25
    assert len({c.id for c in EXTRACT_CASES}) == len(EXTRACT_CASES)
    assert set(groups) == {"dates", "coordinates", "duplicates", "columns", "files"}
    assert all(bool(c.message) != bool(c.counts) for c in EXTRACT_CASES)


@pytest.mark.parametrize("case", EXTRACT_CASES, ids=[c.id for c in EXTRACT_CASES])
def test_extract_case(case: ExtractCase, kit: ExtractKit, tmp_path: Path) -> None:
    inputs = case.build(kit, tmp_path)
    outcome = run_extract(case, inputs, tmp_path)
    check_extract(case, outcome)
