"""Ward boundaries of another area than the crimes: a warning first among the notes, everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from boundaries.dataset import load_study_area, load_study_area_from_store
from spatial.store import ingest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.shared

WARNING = (
    "The 14 wards of elsewhere.geojson hold {n} of the {located:,} crimes with a location "
    "({rate} a ward a month): the wards and the crimes look like two different areas."
)


@pytest.fixture(scope="module")
def elsewhere(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cambridge's wards moved 15 km west and 78 km south, onto north London."""
    wards = gpd.read_file(cambridge_dir / "wards.geojson").to_crs(27700)
    target = tmp_path_factory.mktemp("wards") / "elsewhere.geojson"
    wards.set_geometry(wards.translate(-15_000, -78_000)).to_file(target)
    return target


def test_wards_of_another_area_warn_first_among_the_notes(
    cambridge_dir: Path, elsewhere: Path
) -> None:
    area = load_study_area([cambridge_dir / "crimes"], elsewhere)
    located = len(area.points) + area.n_outside_wards
    assert len(area.points) == 11  # stray points of the force that land in the moved wards
    rate = f"{11 / (14 * 13):.2f}"
    assert area.area_mismatch is not None
    assert area.area_mismatch.startswith(WARNING.format(n=11, located=located, rate=rate))
    assert area.notes[0] == area.area_mismatch


def test_a_store_warns_alike_for_every_ward_and_for_one(
    cambridge_dir: Path, elsewhere: Path, tmp_path: Path
) -> None:
    ingest([cambridge_dir / "crimes"], store_dir=tmp_path / "store")
    files = load_study_area([cambridge_dir / "crimes"], elsewhere)
    whole = load_study_area_from_store(tmp_path / "store", elsewhere)
    one = load_study_area_from_store(
        tmp_path / "store", elsewhere, read_only=("Abbey",), count_all=True
    )
    assert whole.area_mismatch == files.area_mismatch
    assert one.area_mismatch == files.area_mismatch  # counted, not read: the same figures
    assert one.notes[0] == files.area_mismatch


def test_the_real_wards_and_the_demo_do_not_warn(cambridge_dir: Path) -> None:
    from boundaries.dataset import load_demo  # noqa: PLC0415 - only here

    area = load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")
    assert area.area_mismatch is None
    assert load_demo().area_mismatch is None
