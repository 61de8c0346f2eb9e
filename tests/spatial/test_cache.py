from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from spatial.cache import crime_cache_key, read_crimes_cached, read_wards_cached, ward_cache_key
from spatial.errors import PatchmapError, PatchmapWarning
from spatial.io import WardLoad, read_crimes, read_wards

REPO = Path(__file__).resolve().parents[2]

CSV = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
    "a1,2025-01,F,F,0.12,52.2,On or near A,E01,C 1,Burglary,Under investigation,\n"
    ",2025-01,F,F,,,No Location,,,Anti-social behaviour,,\n"
    "a2,2025-01,F,F,151.2,-33.9,On or near B,E01,C 1,Burglary,,\n"
)


def test_cached_read_equals_fresh_read_and_is_reused(tmp_path: Path) -> None:
    crimes = tmp_path / "2025-01-force-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    cache = tmp_path / "cache"
    fresh = read_crimes([crimes])
    first = read_crimes_cached([crimes], cache_dir=cache)
    second = read_crimes_cached([crimes], cache_dir=cache)
    assert len(list(cache.iterdir())) == 1
    for load in (first, second):
        assert_geodataframe_equal(load.points, fresh.points)
        pd.testing.assert_frame_equal(load.without_location, fresh.without_location)
        pd.testing.assert_frame_equal(load.outside_gb, fresh.outside_gb)
        assert (load.n_rows, load.files, load.notes) == (fresh.n_rows, fresh.files, fresh.notes)
    assert isinstance(second.points["month"].dtype, pd.PeriodDtype)


def test_changed_file_gets_a_new_cache_key(tmp_path: Path) -> None:
    crimes = tmp_path / "a-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    before = crime_cache_key([crimes])
    crimes.write_text(CSV + "a3,2025-01,F,F,0.13,52.2,On or near C,E01,C 1,Drugs,,\n")
    os.utime(crimes, ns=(1, 1))
    after = crime_cache_key([crimes])
    assert before != after
    assert len(read_crimes_cached([crimes], cache_dir=tmp_path / "c").points) == 2
    upload = ("a.csv", CSV.encode())
    assert crime_cache_key([upload]) == crime_cache_key([("a.csv", CSV.encode())])
    assert crime_cache_key([upload]) != crime_cache_key([("a.csv", CSV.encode() + b"\n")])


def _same_wards(got: WardLoad, fresh: WardLoad) -> None:
    assert_geodataframe_equal(got.wards, fresh.wards)
    assert got.wards.geometry.to_wkb().tolist() == fresh.wards.geometry.to_wkb().tolist()
    assert (got.name_field, got.code_field, got.notes) == (
        fresh.name_field,
        fresh.code_field,
        fresh.notes,
    )


def test_cached_wards_equal_fresh_wards_and_are_reused(cambridge_dir: Path, tmp_path: Path) -> None:
    wards = cambridge_dir / "wards.geojson"
    cache = tmp_path / "cache"
    fresh = read_wards(wards)
    first = read_wards_cached(wards, cache_dir=cache)
    second = read_wards_cached(wards, cache_dir=cache)
    assert [p.name.split("-")[0] for p in cache.iterdir()] == ["wards"]
    _same_wards(first, fresh)
    _same_wards(second, fresh)
    assert second.wards.crs == fresh.wards.crs
    assert len(second.wards) == 14


def _two_squares(north: str) -> str:
    """Two overlapping 1 km squares in EPSG:27700, as GeoJSON (the overlap gives a note)."""
    features = [
        {
            "type": "Feature",
            "properties": {"WD24NM": name, "Alias": alias, "WD24CD": code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x, 258000], [x + 1000, 258000], [x + 1000, 259000], [x, 259000], [x, 258000]]
                ],
            },
        }
        for name, alias, code, x in ((north, "N", "E1", 545000), ("South", "S", "E2", 545500))
    ]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    return json.dumps({"type": "FeatureCollection", "crs": crs, "features": features})


def test_ward_notes_and_fields_are_cached_with_the_key(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text(_two_squares("North"), encoding="utf-8")
    cache = tmp_path / "cache"
    fresh = read_wards(path)
    assert any("overlap" in note for note in fresh.notes)
    read_wards_cached(path, cache_dir=cache)
    _same_wards(read_wards_cached(path, cache_dir=cache), fresh)
    by_alias = read_wards_cached(path, cache_dir=cache, name_field="Alias")
    assert by_alias.wards["ward_name"].tolist() == ["N", "S"]
    assert by_alias.name_field == "Alias"
    assert ward_cache_key(path) != ward_cache_key(path, name_field="Alias")
    path.write_text(_two_squares("Northern"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert read_wards_cached(path, cache_dir=cache).wards["ward_name"].tolist() == [
        "Northern",
        "South",
    ]
    upload = ("w.geojson", path.read_bytes())
    _same_wards(read_wards_cached(upload, cache_dir=cache), read_wards(upload))
    assert len(list(cache.iterdir())) == 4


def test_refused_ward_files_are_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    crimes = tmp_path / "wards.csv"
    crimes.write_text(CSV, encoding="utf-8")
    for source in (crimes, tmp_path / "missing.geojson", tmp_path):
        with pytest.raises(PatchmapError):
            read_wards_cached(source, cache_dir=cache)
    assert ward_cache_key(tmp_path) is None
    assert not cache.exists()


def test_cached_wards_reload_without_gdal(cambridge_dir: Path, tmp_path: Path) -> None:
    wards = cambridge_dir / "wards.geojson"
    cache = tmp_path / "cache"
    read_wards_cached(wards, cache_dir=cache)
    code = (
        "import sys; from pathlib import Path; from spatial.cache import read_wards_cached; "
        f"load = read_wards_cached(Path({str(wards)!r}), cache_dir=Path({str(cache)!r})); "
        "print(len(load.wards), 'pyogrio' in sys.modules)"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["14", "False"]


def test_an_unwritable_cache_folder_leaves_the_answers_and_warns(tmp_path: Path) -> None:
    crimes = tmp_path / "2025-01-force-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    wards = tmp_path / "wards.geojson"
    wards.write_text(_two_squares("North"), encoding="utf-8")
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be", encoding="utf-8")
    with pytest.warns(PatchmapWarning, match=r"could not write its cache in .*XDG_CACHE_HOME"):
        load = read_crimes_cached([crimes], cache_dir=not_a_folder)
    assert_geodataframe_equal(load.points, read_crimes([crimes]).points)
    with pytest.warns(PatchmapWarning, match="the files will be read again next time"):
        ward_load = read_wards_cached(wards, cache_dir=not_a_folder)
    _same_wards(ward_load, read_wards(wards))
    assert not_a_folder.read_text(encoding="utf-8").startswith("a file")


def test_a_damaged_entry_is_read_afresh_and_replaced(cambridge_dir: Path, tmp_path: Path) -> None:
    crimes = tmp_path / "2025-01-force-street.csv"
    crimes.write_text(CSV, encoding="utf-8")
    wards = cambridge_dir / "wards.geojson"
    cache = tmp_path / "cache"
    read_crimes_cached([crimes], cache_dir=cache)
    read_wards_cached(wards, cache_dir=cache)
    (cache / f"crimes-{crime_cache_key([crimes])}" / "points.parquet").write_bytes(b"PAR1 cut")
    (cache / f"wards-{ward_cache_key(wards)}" / "meta.json").write_text("{", encoding="utf-8")
    fresh = read_crimes([crimes])
    assert_geodataframe_equal(read_crimes_cached([crimes], cache_dir=cache).points, fresh.points)
    _same_wards(read_wards_cached(wards, cache_dir=cache), read_wards(wards))
    # the entries were written again, whole: the next loads come from them
    assert gpd.read_parquet(
        cache / f"crimes-{crime_cache_key([crimes])}" / "points.parquet"
    ).equals(fresh.points)
    _same_wards(read_wards_cached(wards, cache_dir=cache), read_wards(wards))
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["crimes", "wards"]


def _two_downloads(root: Path) -> None:
    """Two downloads of month 2025-01, the later one (2025-03/) the older file on disk."""
    updated = CSV.replace("Under investigation", "Court result unavailable")
    for folder, text, mtime_ns in (
        ("2025-02", CSV, 1_741_000_000 * 10**9),
        ("2025-03", updated, 1_736_000_000 * 10**9),
    ):
        path = root / folder / "2025-01" / "2025-01-force-street.csv"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_cached_version_choice_equals_a_fresh_one_whichever_command_filled_the_cache(
    tmp_path: Path,
) -> None:
    root = tmp_path / "downloads"
    _two_downloads(root)
    parent = [root]
    subfolders = [root / "2025-02", root / "2025-03"]
    assert crime_cache_key(parent) != crime_cache_key(subfolders)
    assert crime_cache_key(subfolders) != crime_cache_key(subfolders[::-1])
    fresh = {id(s): read_crimes(s) for s in (parent, subfolders)}
    for order, cache in (((parent, subfolders), "c1"), ((subfolders, parent), "c2")):
        for sources in (*order, *order):  # the second round is served from the cache
            load = read_crimes_cached(sources, cache_dir=tmp_path / cache)
            want = fresh[id(sources)]
            assert (load.files, load.notes) == (want.files, want.notes)
            assert set(load.points["source_file"]) == set(want.points["source_file"])
            assert set(load.points["last_outcome"]) == {"Court result unavailable"}
    assert fresh[id(parent)].notes[0].startswith("downloads/2025-02/2025-01/")
    assert fresh[id(subfolders)].notes[0].startswith("2025-02/2025-01/")
    assert "its folder date 2025-03 is later than 2025-02" in fresh[id(parent)].notes[0]


def test_cached_wards_reload_without_pyarrows_dataset_layer(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    wards, cache = cambridge_dir / "wards.geojson", tmp_path / "cache"
    read_wards_cached(wards, cache_dir=cache)
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from spatial.cache import read_wards_cached\n"
        f"load = read_wards_cached({str(wards)!r}, cache_dir=Path({str(cache)!r}))\n"
        "print(len(load.wards), load.wards.crs.to_epsg(), 'pyarrow.dataset' in sys.modules)\n"
    )
    done = subprocess.run(  # noqa: S603 - this repo's own modules
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.split() == ["14", "27700", "False"]
