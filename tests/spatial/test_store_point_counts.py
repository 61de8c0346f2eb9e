"""Each force's point counts: made by ingest, the same counts as the street files, kept fresh."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from spatial import store as store_module
from spatial.store import ingest, located_counts, store_info

if TYPE_CHECKING:
    from pathlib import Path

EVERYWHERE = (500_000.0, 200_000.0, 600_000.0, 300_000.0)
CITY = (543_000.0, 256_000.0, 548_000.0, 260_000.0)
FAR = (100_000.0, 10_000.0, 101_000.0, 11_000.0)


def _scanned(monkeypatch: pytest.MonkeyPatch, store_dir: Path, **kwargs: object) -> pd.DataFrame:
    """located_counts counted from the street files, as for a store made before point counts."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_fresh_point_counts", lambda *_a, **_k: None)
        return located_counts(store_dir, **kwargs)  # type: ignore[arg-type]


def _sorted(counts: pd.DataFrame) -> pd.DataFrame:
    # the partition, not the folder: copies of a store give the same counts
    plain = counts.assign(file=counts["file"].astype(str).str.split("/street/").str[-1])
    keys = ["x_m", "y_m", "month", "crime_type", "file"]
    return plain.sort_values(keys, na_position="last").reset_index(drop=True)


def _manifest(store_dir: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((store_dir / "manifest.json").read_text("utf-8"))
    return loaded


def _count_files(store_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(store_dir)) for p in (store_dir / "point_counts").rglob("*"))


@pytest.mark.parametrize(
    ("bounds", "months"),
    [(EVERYWHERE, None), (CITY, None), (CITY, ("2025-01", "2025-03")), (FAR, None)],
)
def test_point_counts_equal_the_counts_of_the_street_files(
    cambridge_store: Path,
    monkeypatch: pytest.MonkeyPatch,
    bounds: tuple[float, float, float, float],
    months: tuple[str, str] | None,
) -> None:
    counted = located_counts(cambridge_store, bounds_m=bounds, months=months)
    scanned = _scanned(monkeypatch, cambridge_store, bounds_m=bounds, months=months)
    pd.testing.assert_frame_equal(_sorted(counted), _sorted(scanned))
    if bounds != FAR:
        assert len(counted) > 1_000
        assert counted["file"].nunique() == (3 if months else 13)


def test_ingest_writes_one_point_counts_file_per_force_listed_in_the_manifest(
    cambridge_store: Path,
) -> None:
    entries = _manifest(cambridge_store)["point_counts"]
    assert isinstance(entries, dict)
    assert list(entries) == ["cambridgeshire-constabulary"]
    entry = entries["cambridgeshire-constabulary"]
    assert _count_files(cambridge_store) == [
        "point_counts/cambridgeshire-constabulary",
        entry["file"],
    ]
    counts = pd.read_parquet(cambridge_store / entry["file"])
    assert list(counts.columns) == ["x_m", "y_m", "month", "crime_type", "location", "n"]
    assert len(counts) == entry["n_rows"]
    assert entry["version"] == 2  # counted by location too
    partitions = _manifest(cambridge_store)["partitions"]
    street: dict[str, dict[str, list[list[object]]]] = partitions["street"]  # type: ignore[index]
    located = 0
    for part in street.values():
        located += sum(int(str(row[2])) for row in part["counts"] if row[0] == "located")
    assert int(counts["n"].sum()) == located  # every located row once
    assert counts["x_m"].is_monotonic_increasing  # a ward's query reads its eastings' groups


def test_a_new_month_replaces_the_forces_point_counts(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    ingest(months[:2], store_dir=target)
    first = _count_files(target)
    ingest(months[:3], store_dir=target)
    second = _count_files(target)
    assert len(second) == 2  # the force's folder and one file: the old one is gone
    assert second != first
    counted = located_counts(target, bounds_m=EVERYWHERE)
    assert sorted(set(counted["month"])) == ["2024-09", "2024-10", "2024-11"]
    scanned = _scanned(monkeypatch, target, bounds_m=EVERYWHERE)
    pd.testing.assert_frame_equal(_sorted(counted), _sorted(scanned))
    ingest(months[:3], store_dir=target)  # nothing new: nothing rewritten
    assert _count_files(target) == second


def test_a_store_made_before_point_counts_is_counted_then_gets_them_at_its_next_ingest(
    cambridge_store: Path, cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old"
    shutil.copytree(cambridge_store, old)
    manifest = _manifest(old)
    del manifest["point_counts"]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(old / "point_counts")
    expected = _sorted(_scanned(monkeypatch, cambridge_store, bounds_m=CITY))
    pd.testing.assert_frame_equal(_sorted(located_counts(old, bounds_m=CITY)), expected)
    report = ingest([cambridge_dir / "crimes"], store_dir=old)  # every file already stored
    assert (report.n_files_read, report.partitions_written) == (0, ())
    assert "cambridgeshire-constabulary" in _manifest(old)["point_counts"]  # type: ignore[operator]
    assert len(_count_files(old)) == 2
    pd.testing.assert_frame_equal(_sorted(located_counts(old, bounds_m=CITY)), expected)


def test_point_counts_of_other_street_files_are_not_used(
    cambridge_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(cambridge_store, changed)
    manifest = _manifest(changed)
    entry = manifest["point_counts"]["cambridgeshire-constabulary"]  # type: ignore[index]
    emptied = pd.read_parquet(changed / entry["file"]).iloc[:0]
    emptied.to_parquet(changed / entry["file"], index=False)
    entry["street"] = "0" * 64  # as if a month had been added by a writer without counts
    (changed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    counted = located_counts(changed, bounds_m=CITY)
    assert int(counted["n"].sum()) > 0  # the stale (here emptied) counts file was not read
    expected = _sorted(_scanned(monkeypatch, cambridge_store, bounds_m=CITY))
    pd.testing.assert_frame_equal(_sorted(counted), expected)


def test_a_crash_before_the_manifest_leaves_the_old_point_counts_and_no_leftover(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"
    ingest(months[:2], store_dir=target)
    before = _count_files(target)

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_write_manifest", killed)
        with pytest.raises(KeyboardInterrupt):
            ingest(months[2:3], store_dir=target)
    assert len(_count_files(target)) == 3  # the new force file, not yet listed
    assert store_info(target).months == ("2024-09", "2024-10")
    counted = located_counts(target, bounds_m=EVERYWHERE)  # the listed, old counts
    assert sorted(set(counted["month"])) == ["2024-09", "2024-10"]
    ingest(months[2:3], store_dir=target)
    after = _count_files(target)
    assert len(after) == 2
    assert after != before
    assert sorted(set(located_counts(target, bounds_m=EVERYWHERE)["month"])) == [
        "2024-09",
        "2024-10",
        "2024-11",
    ]


def test_a_first_ingest_killed_after_its_point_counts_leaves_a_new_store(
    cambridge_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = sorted((cambridge_dir / "crimes").glob("*.csv"))
    target = tmp_path / "s"

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_write_manifest", killed)
        with pytest.raises(KeyboardInterrupt):
            ingest(months[:1], store_dir=target)
    assert (target / "point_counts").is_dir()
    assert not (target / "manifest.json").exists()
    report = ingest(months[:1], store_dir=target)  # not "the folder is not a store"
    assert report.n_files_read == 1
    assert len(_count_files(target)) == 2
