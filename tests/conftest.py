"""
Shared fixtures: the real data beside the repo and the seeded demo town.

The demo fixtures are session-scoped (built once per test run) and import the stack lazily, so a
test that needs none of them does not pay for geopandas. Tests must not mutate what they return.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from spatial.demo import DemoArea

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


@pytest.fixture(scope="session")
def cambridge_store(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a store of the 13 Cambridge months, ingested once; tests change only copies."""
    from spatial.store import ingest  # noqa: PLC0415  # DuckDB: only the store's tests

    target = tmp_path_factory.mktemp("store") / "store"
    ingest([cambridge_dir / "crimes"], store_dir=target)
    return target


@pytest.fixture(scope="session")
def demo_area() -> StudyArea:
    """Return the demo town loaded as the app and the CLI load it (``load_demo()``)."""
    from boundaries.dataset import load_demo  # noqa: PLC0415  # heavy: only tests that use it

    return load_demo()


@pytest.fixture(scope="session")
def demo_town() -> DemoArea:
    """Return the generated demo town (default seed): wards, LSOAs, streets, crime CSV texts."""
    from spatial.demo import build_demo  # noqa: PLC0415  # heavy: only tests that use it

    return build_demo()


@pytest.fixture(scope="session")
def demo_crimes(demo_town: DemoArea) -> gpd.GeoDataFrame:
    """Return every located crime of the demo town's CSVs, read by ``spatial.io.read_crimes``."""
    from spatial.io import read_crimes  # noqa: PLC0415  # heavy: only tests that use it

    blobs = [(f"{m}-demo-street.csv", text.encode()) for m, text in demo_town.crimes_csv.items()]
    return read_crimes(blobs).points


@pytest.fixture(scope="session")
def demo_extract_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the demo extract written as a file: the rows the app's "Demo extract" reads."""
    from spatial.demo import write_demo_extract  # noqa: PLC0415  # heavy: only tests that use it

    return write_demo_extract(tmp_path_factory.mktemp("demo-extract"))


def _pdf_text(pdf: bytes | Path) -> str:
    import io  # noqa: PLC0415  # only tests that read PDFs

    from pypdf import PdfReader  # noqa: PLC0415  # only tests that read PDFs

    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    text = " ".join(page.extract_text() for page in PdfReader(source).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="session")
def pdf_text() -> Callable[[bytes | Path], str]:
    """
    Return a function that reads a PDF's text (bytes or a file) with pypdf.

    The text of all pages is joined, NFKC-normalised (ligatures such as "fi" split) and its
    whitespace collapsed to single spaces, so tests can look for whole phrases.
    """
    return _pdf_text


@pytest.fixture(scope="session", autouse=True)
def _own_data_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests off the user's own tasking log and reports (``$XDG_DATA_HOME/patchmap``)."""
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    os.environ.pop("PATCHMAP_DATABASE_URL", None)
