"""Shared fixtures: the real data beside the repo and the seeded demo area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """Return ``../shared/data``; skip locally when it is missing, fail on CI."""
    if not (SHARED_DATA_DIR / "cambridge").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_DATA_DIR} is missing on CI")
        pytest.skip(f"{SHARED_DATA_DIR} is not present")
    return SHARED_DATA_DIR


@pytest.fixture(scope="session")
def cambridge_dir(shared_data_dir: Path) -> Path:
    """Return the Cambridge folder of the shared data."""
    return shared_data_dir / "cambridge"
