"""The bad-input corpus through the package readers: a clear error or the right counts."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from tests.corpus.bad_inputs import CASES, Case, Kit, make_kit
from tests.corpus.runner import check, run_case

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def kit(cambridge_dir: Path) -> Kit:
    return make_kit(cambridge_dir)


def test_corpus_is_large_and_covers_every_kind_of_file() -> None:
    groups = Counter(c.group for c in CASES)
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)
    assert set(groups) == {
        "crimes",
        "wards",
        "population",
        "lsoas",
        "neighbourhoods",
        "sites",
        "network",
        "reports",
    }


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case: Case, kit: Kit, tmp_path: Path) -> None:
    inputs = case.build(kit, tmp_path)
    outcome = run_case(case, inputs, kit, tmp_path)
    check(case, outcome)
