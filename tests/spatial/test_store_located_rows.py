"""A ward's crimes from the point counts: the rows query_crimes reads, without a street file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from boundaries.dataset import load_study_area_from_store
from spatial.errors import ParameterError
from spatial.io import read_wards
from spatial.store import (
    COUNTED_COLUMNS,
    grouped_point_counts,
    ingest,
    located_counts,
    located_rows,
    query_crimes,
    query_session,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.io import CrimeLoad

PROFILE_COLUMNS = ("month", "crime_type", "location")


@pytest.fixture(scope="module")
def wards(cambridge_dir: Path) -> gpd.GeoDataFrame:
    return read_wards(cambridge_dir / "wards.geojson").wards


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in frame.total_bounds)
    return (x0, y0, x1, y1)


def _rows(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """The points as plain rows in one order: the two readers order a month's rows apart."""
    plain = pd.DataFrame(points.drop(columns="geometry")).assign(
        x_m=points.geometry.x, y_m=points.geometry.y, month=points["month"].astype(str)
    )
    keys = [k for k in ("month", "x_m", "y_m", "crime_type", "location") if k in plain]
    return plain.sort_values(keys, na_position="last").reset_index(drop=True)


def _accounting(load: CrimeLoad) -> tuple[object, ...]:
    return (
        load.files,
        load.notes,
        load.unread_located,
        load.unread_unlocated,
        load.counted_duplicates,
        load.counted_set_aside,
        load.n_rows_read,
        len(load.without_location),
        len(load.outside_gb),
        list(load.without_location.columns),
        list(load.outside_gb.columns),
    )


@pytest.mark.parametrize("ward", ["Market", "Queen Edith's", "Abbey"])
def test_a_wards_rows_from_the_counts_equal_the_rows_query_crimes_reads(
    cambridge_store: Path, wards: gpd.GeoDataFrame, ward: str
) -> None:
    bounds, focus = _bounds(wards), _bounds(wards.loc[wards["ward_name"] == ward])
    with query_session():
        by_place = located_counts(cambridge_store, bounds_m=bounds)
        x, y = by_place["x_m"], by_place["y_m"]
        near = x.between(focus[0], focus[2]) & y.between(focus[1], focus[3])
        read = query_crimes(
            cambridge_store,
            bounds_m=bounds,
            read_bounds_m=focus,
            count_unlocated=True,
            read_files=[Path(f) for f in by_place.loc[near, "file"].unique()],
            columns=PROFILE_COLUMNS,
        )
        counted = located_rows(
            cambridge_store, bounds_m=bounds, read_bounds_m=focus, columns=PROFILE_COLUMNS
        )
    assert counted is not None
    assert len(counted.points) > 1_000
    assert counted.points.crs == read.points.crs
    assert list(counted.points.columns) == list(read.points.columns)
    pd.testing.assert_frame_equal(_rows(counted.points), _rows(read.points))
    assert _accounting(counted) == _accounting(read)
    months = counted.points["month"].astype(str).to_numpy()
    assert (months[:-1] <= months[1:]).all()  # month by month, as the street files are read


@pytest.mark.parametrize(
    ("count_all", "columns"),
    [(True, PROFILE_COLUMNS), (False, ("month", "crime_type"))],
    ids=["profile", "summary"],
)
def test_a_profile_or_summary_load_reads_no_street_file(
    cambridge_store: Path,
    cambridge_dir: Path,
    tmp_path: Path,
    count_all: bool,  # noqa: FBT001 - a parameter of the test
    columns: tuple[str, ...],
) -> None:
    ward_file = cambridge_dir / "wards.geojson"
    options = {"read_only": ("Market",), "count_all": count_all, "columns": columns}
    expected = load_study_area_from_store(cambridge_store, ward_file, **options)  # type: ignore[arg-type]
    bare = tmp_path / "bare"
    shutil.copytree(cambridge_store, bare)
    for part in (bare / "street").rglob("*.parquet"):
        part.write_bytes(b"")  # a street file opened now would be "damaged or missing"
    area = load_study_area_from_store(bare, ward_file, **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(_rows(area.points), _rows(expected.points))
    if count_all:
        assert area.ward_counts is not None
        assert expected.ward_counts is not None
        pd.testing.assert_frame_equal(area.ward_counts, expected.ward_counts)
    assert (area.crimes.n_rows_read, area.crimes.unread_located) == (
        expected.crimes.n_rows_read,
        expected.crimes.unread_located,
    )
    assert int(area.points["ward"].eq("Market").sum()) > 1_000


def test_point_counts_of_the_older_layout_are_not_read_until_the_next_ingest(
    cambridge_store: Path, cambridge_dir: Path, wards: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(cambridge_store, old)
    manifest = json.loads((old / "manifest.json").read_text("utf-8"))
    entry = manifest["point_counts"]["cambridgeshire-constabulary"]
    del entry["version"]  # as ingest wrote them before they were counted by location
    counts = pd.read_parquet(old / entry["file"])
    counts.drop(columns="location").to_parquet(old / entry["file"], index=False)
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    bounds, focus = _bounds(wards), _bounds(wards.loc[wards["ward_name"] == "Market"])
    assert located_rows(old, bounds_m=bounds, read_bounds_m=focus, columns=PROFILE_COLUMNS) is None
    ward_file = cambridge_dir / "wards.geojson"
    options = {"read_only": ("Market",), "count_all": True, "columns": PROFILE_COLUMNS}
    expected = load_study_area_from_store(cambridge_store, ward_file, **options)  # type: ignore[arg-type]
    area = load_study_area_from_store(old, ward_file, **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(_rows(area.points), _rows(expected.points))  # the street files
    ingest([cambridge_dir / "crimes"], store_dir=old)  # nothing new, but the counts are redone
    entry = json.loads((old / "manifest.json").read_text("utf-8"))["point_counts"][
        "cambridgeshire-constabulary"
    ]
    assert entry["version"] == 2
    assert "location" in pd.read_parquet(old / entry["file"]).columns
    again = located_rows(old, bounds_m=bounds, read_bounds_m=focus, columns=PROFILE_COLUMNS)
    fresh = located_rows(
        cambridge_store, bounds_m=bounds, read_bounds_m=focus, columns=PROFILE_COLUMNS
    )
    assert again is not None
    assert fresh is not None
    pd.testing.assert_frame_equal(_rows(again.points), _rows(fresh.points))


def test_columns_the_counts_do_not_keep_are_refused(
    cambridge_store: Path, wards: gpd.GeoDataFrame
) -> None:
    assert COUNTED_COLUMNS == PROFILE_COLUMNS
    with pytest.raises(ParameterError, match="keep only month, crime_type, location"):
        located_rows(
            cambridge_store,
            bounds_m=_bounds(wards),
            read_bounds_m=_bounds(wards),
            columns=("month", "crime_id"),
        )


def _two_forces(cambridge_dir: Path, tmp_path: Path) -> Path:
    """A store of September's Cambridgeshire file and a neighbour force's at the same places."""
    september = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    frame = pd.read_csv(september, dtype=str, keep_default_na=False)
    frame["Reported by"] = frame["Falls within"] = "Neighbour Constabulary"  # the same places
    frame["Crime ID"] = frame["Crime ID"].where(frame["Crime ID"] == "", frame["Crime ID"] + "-n")
    frame["Month"] = "2024-10"  # and a month the first force's file does not hold
    frame.loc[frame.index[::50], "Crime type"] = ""  # some without a crime type
    other = tmp_path / "in" / "2024-10-neighbour-street.csv"
    other.parent.mkdir(parents=True)
    frame.to_csv(other, index=False)
    two_forces = tmp_path / "s"
    ingest([september, other], store_dir=two_forces)
    return two_forces


def test_two_forces_in_the_wards_extent_are_read_from_both_forces_counts(
    cambridge_dir: Path, wards: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    two_forces = _two_forces(cambridge_dir, tmp_path)
    bounds, focus = _bounds(wards), _bounds(wards.loc[wards["ward_name"] == "Market"])
    with query_session():
        read = query_crimes(
            two_forces,
            bounds_m=bounds,
            read_bounds_m=focus,
            count_unlocated=True,
            columns=PROFILE_COLUMNS,
        )
        counted = located_rows(
            two_forces, bounds_m=bounds, read_bounds_m=focus, columns=PROFILE_COLUMNS
        )
    assert counted is not None
    assert set(counted.points["month"].astype(str)) == {"2024-09", "2024-10"}
    assert len(counted.files) == 2  # a file of each force
    pd.testing.assert_frame_equal(_rows(counted.points), _rows(read.points))
    assert _accounting(counted) == _accounting(read)


def _by_key(counts: pd.DataFrame) -> dict[tuple[str, str, str], int]:
    """Counts by ward, month and crime type (blank as "")."""
    return {
        (str(w), str(m), "" if pd.isna(t) else str(t)): int(n)
        for w, m, t, n in counts[["ward", "month", "crime_type", "n"]].itertuples(index=False)
    }


def test_every_wards_counts_summed_by_duckdb_equal_the_sums_of_the_counts_by_snap_point(
    cambridge_store: Path, cambridge_dir: Path
) -> None:
    ward_file = cambridge_dir / "wards.geojson"
    options = {"read_only": ("Market",), "count_all": True}
    summed = load_study_area_from_store(
        cambridge_store,
        ward_file,
        columns=PROFILE_COLUMNS,
        **options,  # type: ignore[arg-type]
    ).ward_counts
    by_place = load_study_area_from_store(cambridge_store, ward_file, **options).ward_counts  # type: ignore[arg-type]
    assert summed is not None
    assert by_place is not None
    assert _by_key(summed) == _by_key(by_place)
    assert len(summed) == len(by_place) == len(_by_key(summed))  # one row a ward, month and type
    assert int(summed["n"].sum()) == 17_785  # the located crimes in the 14 wards
    position = pd.Index(read_wards(ward_file).wards["ward_name"]).get_indexer(summed["ward"])
    order = list(zip(position, summed["month"], strict=True))
    assert order == sorted(order)  # by the wards' order in their file, then month


@pytest.mark.parametrize("split_m", [545_000.0, 546_500.0])
def test_grouped_point_counts_sum_both_forces_counts_by_the_groups_given(
    cambridge_dir: Path, wards: gpd.GeoDataFrame, tmp_path: Path, split_m: float
) -> None:
    two_forces = _two_forces(cambridge_dir, tmp_path)
    bounds = _bounds(wards)

    def west_or_east(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # north of 262 km: no group
        return np.where(y > 262_000, -1, (x >= split_m).astype(np.int64))

    with query_session():
        grouped = grouped_point_counts(two_forces, bounds_m=bounds, group_of=west_or_east)
        places = located_counts(two_forces, bounds_m=bounds)
    assert grouped is not None
    group = west_or_east(places["x_m"].to_numpy(), places["y_m"].to_numpy())
    expected = (
        places.assign(group=group)
        .loc[group >= 0]
        .groupby(["group", "month", "crime_type"], dropna=False)["n"]
        .sum()
    )
    got = grouped.set_index(["group", "month", "crime_type"])["n"]
    assert {k: int(v) for k, v in got.items()} == {k: int(v) for k, v in expected.items()}
    assert set(grouped["month"]) == {"2024-09", "2024-10"}  # both forces' counts
    assert grouped.loc[grouped["month"] == "2024-10", "crime_type"].isna().any()  # blank: a group
    assert set(grouped["group"]) == {0, 1}
    assert list(grouped.columns) == ["group", "month", "crime_type", "n"]
    assert grouped[["group", "month"]].apply(tuple, axis=1).is_monotonic_increasing
    assert (
        grouped_point_counts(
            two_forces, bounds_m=(100_000, 10_000, 101_000, 11_000), group_of=west_or_east
        )
        is None
    )  # nothing there: located_counts gives its empty frame
