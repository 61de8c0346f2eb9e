"""The store's own street writer and fast reader give what geopandas and read_crimes give."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest

from spatial import io as sio
from spatial import store as store_module
from spatial.crs import GB_BOUNDS_M
from spatial.errors import InputDataError, OutsideGreatBritainError
from spatial.io import StreetRows, read_crimes, read_street_file
from spatial.store import ingest, store_files

if TYPE_CHECKING:
    from pathlib import Path

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context\n"
)
FORCE = "Testshire Police,Testshire Police"


def _row(crime_id: str, lon: str, lat: str, crime: str = "Burglary", month: str = "2025-01") -> str:
    return (
        f"{crime_id},{month},{FORCE},{lon},{lat},On or near X,E1,L,{crime},Under investigation,\n"
    )


def _mixed() -> str:
    """Located rows (two at one snap point), one without location, two outside GB."""
    return HEADER + "".join(
        [
            _row("a", "0.12", "52.2"),
            _row("b", "-1.5", "53.4", "Robbery"),
            _row("", "0.12", "52.2", "Anti-social behaviour"),
            _row("c", "", "", "Drugs"),
            _row("d", "-6.26", "53.35"),  # Dublin: in the box, off Great Britain
            _row("e", "151.21", "-33.87", ""),  # Sydney; no crime type
            _row("f", "-3.0", "51.5"),
        ]
    )


def _unlocated() -> str:
    return HEADER + _row("a", "", "") + _row("", "", "", "Anti-social behaviour")


def _retyped() -> str:
    """Crime types typed by hand (case, spaces) and two that are none of data.police.uk's."""
    return HEADER + "".join(
        [
            _row("a", "0.12", "52.2", "burglary"),
            _row("b", "0.13", "52.2", "Arson"),
            _row("", "", "", " Anti-social  Behaviour"),
            _row("c", "0.14", "52.2", "Burglary"),
            _row("d", "0.15", "52.2", "ROBBERY"),
            _row("e", "0.16", "52.2", "burglary"),
            _row("f", "-6.26", "53.35", "Theft"),  # Dublin
        ]
    )


def _two_row_groups(cambridge_dir: Path) -> str:
    """Three Cambridge months as one month of about 20,000 rows: two row groups."""
    lines: list[str] = []
    for i, path in enumerate(sorted((cambridge_dir / "crimes").glob("*.csv"))[:3]):
        body = path.read_text(encoding="utf-8").splitlines()[1:]
        for line in body:
            fields = line.split(",", 2)
            crime_id = f"{fields[0]}-{i}" if fields[0] else ""
            lines.append(f"{crime_id},2024-09,{fields[2]}\n")
    return path.read_text(encoding="utf-8").splitlines()[0] + "\n" + "".join(lines)


def _geopandas_copy(path: Path, target: Path) -> None:
    """Write a store file's rows again with geopandas, as the store wrote them before."""
    frame = gpd.read_parquet(path)
    frame = frame.drop(columns=[c for c in ("bbox",) if c in frame.columns])
    frame.to_parquet(
        target,
        index=False,
        schema_version="1.1.0",
        write_covering_bbox=True,
        row_group_size=16_384,
    )


@pytest.mark.parametrize("case", ["mixed", "unlocated", "two_row_groups"])
def test_street_files_equal_what_geopandas_writes(
    case: str, cambridge_dir: Path, tmp_path: Path
) -> None:
    text = (
        _two_row_groups(cambridge_dir)
        if case == "two_row_groups"
        else (_mixed() if case == "mixed" else _unlocated())
    )
    source = tmp_path / "2025-01-testshire-street.csv"
    source.write_text(text, encoding="utf-8")
    ingest([source], store_dir=tmp_path / "s")
    (written,) = store_files(tmp_path / "s")
    _geopandas_copy(written, tmp_path / "reference.parquet")
    ours, theirs = pq.ParquetFile(written), pq.ParquetFile(tmp_path / "reference.parquet")
    assert ours.schema_arrow.equals(theirs.schema_arrow, check_metadata=True)
    ours_geo = json.loads(ours.schema_arrow.metadata[b"geo"])
    assert ours_geo == json.loads(theirs.schema_arrow.metadata[b"geo"])
    assert ours.read().equals(theirs.read())  # bbox covering column included
    groups = [ours.metadata.row_group(i).num_rows for i in range(ours.metadata.num_row_groups)]
    assert groups == [
        theirs.metadata.row_group(i).num_rows for i in range(theirs.metadata.num_row_groups)
    ]
    geometry = ours_geo["columns"]["geometry"]
    if case == "unlocated":
        assert geometry["geometry_types"] == []
        assert "bbox" not in geometry
    else:
        assert geometry["geometry_types"] == ["Point"]
        assert len(groups) == (2 if case == "two_row_groups" else 1)


def test_mixed_file_rows_sit_in_the_right_order_and_buckets(tmp_path: Path) -> None:
    source = tmp_path / "2025-01-testshire-street.csv"
    source.write_text(_mixed(), encoding="utf-8")
    report = ingest([source], store_dir=tmp_path / "s")
    assert (report.n_located, report.n_without_location, report.n_outside_gb) == (4, 1, 2)
    table = pq.read_table(store_files(tmp_path / "s")[0]).to_pandas()
    assert table["status"].tolist() == ["located"] * 4 + ["no_location"] + ["outside_gb"] * 2
    assert table["crime_id"].iloc[4:].tolist() == ["c", "d", "e"]
    assert table["longitude"].iloc[5:].tolist() == [-6.26, 151.21]
    assert table["x_m"].iloc[4:].isna().all()
    assert table["longitude"].iloc[:5].isna().all()


def test_hilbert_distance_is_geopandas_own() -> None:
    rng = np.random.default_rng(15)
    x_m = np.concatenate([rng.uniform(0, 7e5, 500), [0.0, 7e5, 544_950.0, 544_950.0]])
    y_m = np.concatenate([rng.uniform(0, 1.3e6, 500), [0.0, 1.3e6, 258_450.0, 258_450.0]])
    public = gpd.GeoSeries.from_xy(x_m, y_m).hilbert_distance(total_bounds=GB_BOUNDS_M)
    ours = store_module._hilbert_distance(x_m, y_m)  # noqa: SLF001 - the writer's curve
    assert ours.tolist() == public.astype("int64").tolist()


def _rows_of_read_crimes(name: str, data: bytes) -> StreetRows:
    return sio._street_rows_of_load(*sio._load_crimes([(name, data)]))  # noqa: SLF001 - slow path


def _assert_same_rows(fast: StreetRows, slow: StreetRows) -> None:
    """Same rows in the same buckets (the fast reader keeps file order, read_crimes buckets)."""
    order = np.argsort(fast.status, kind="stable")
    bucketed = fast.take(order)
    assert bucketed.columns.cast(slow.columns.schema).equals(slow.columns)
    for name in ("status", "x_m", "y_m", "longitude", "latitude"):
        assert np.array_equal(getattr(bucketed, name), getattr(slow, name), equal_nan=True), name
    assert fast.n_duplicates_removed == slow.n_duplicates_removed
    assert fast.notes == slow.notes


def test_fast_reader_gives_the_rows_read_crimes_gives(cambridge_dir: Path) -> None:
    no_context = _mixed().replace(",Context\n", "\n").replace("Under investigation,\n", "X\n")
    cases = {
        "2024-09-cambridgeshire-street.csv": (
            cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
        ).read_bytes(),
        "mixed.csv": _mixed().encode(),
        "bom-no-context.csv": b"\xef\xbb\xbf" + no_context.encode(),
        "exponents.csv": (
            HEADER + _row("a", "4.6e-05", "52.2") + _row("b", "-1.2E-1", "5.22e1")
        ).encode(),
        "quoted-newline.csv": (
            HEADER + f'"a",2025-01,{FORCE},0.12,52.2,"On\nor near",E1,L,Burglary,,\n'
        ).encode(),
        "types-by-hand.csv": _retyped().encode(),
    }
    for name, data in cases.items():
        assert sio._fast_street_rows(name, data) is not None, name  # noqa: SLF001
        _assert_same_rows(read_street_file(name, data), _rows_of_read_crimes(name, data))


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("padded month", HEADER + _row("a", "0.12", "52.2", month=" 2025-01")),
        ("repeated Crime ID", HEADER + _row("a", "0.12", "52.2") + _row("a", "0.13", "52.2")),
        ("padded coordinate", HEADER + _row("a", " 0.12", "52.2")),
        ("plus sign", HEADER + _row("a", "+0.12", "52.2")),
        ("types by hand, repeated Crime ID", _retyped() + _row("a", "0.12", "52.2", "robbery")),
    ],
)
def test_unusual_files_are_read_by_read_crimes(case: str, text: str) -> None:
    data = text.encode()
    assert sio._fast_street_rows("x.csv", data) is None, case  # noqa: SLF001
    rows = read_street_file("x.csv", data)
    _assert_same_rows(rows, _rows_of_read_crimes("x.csv", data))
    assert rows.n_duplicates_removed == (1 if "repeated Crime ID" in case else 0)


def test_both_readers_read_types_by_hand_as_data_police_uks_and_note_them() -> None:
    plain, repeated = _retyped(), _retyped() + _row("a", "0.1", "52.2")
    assert sio._fast_street_rows("x.csv", plain.encode()) is not None  # noqa: SLF001
    assert sio._fast_street_rows("x.csv", repeated.encode()) is None  # noqa: SLF001
    for text in (plain, repeated):  # the fast reader, read_crimes
        rows = read_street_file("x.csv", text.encode())
        assert Counter(rows.columns["crime_type"].to_pylist()) == {
            "Burglary": 3, "Anti-social behaviour": 1, "Robbery": 1, "Arson": 1, "Theft": 1
        }  # fmt: skip
        assert rows.notes == (
            (
                "x.csv: 4 rows' crime types written in another case or spacing were read as "
                "data.police.uk's ('burglary' as 'Burglary', ' Anti-social  Behaviour' as "
                "'Anti-social behaviour', 'ROBBERY' as 'Robbery'), so they count with those types."
            ),
            (
                "x.csv: 2 rows have a crime type data.police.uk does not publish (2 values: "
                "'Arson', 'Theft'); kept as written, each value a type of its own, which a "
                "choice of data.police.uk's types leaves out. If the file was edited, correct its "
                "Crime type column, or download it again from data.police.uk."
            ),
        )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (HEADER + _row("a", "0.12", "52.2", month="2025-13"), InputDataError),
        (HEADER + _row("a", "east", "52.2"), InputDataError),
        (HEADER + _row("a", "0x1p-3", "52.2"), InputDataError),
        (HEADER + _row("a", "52.2", "0.12"), OutsideGreatBritainError),
        ("Crime ID,Month\nx,2025-01\n", InputDataError),
        ("", InputDataError),
    ],
)
def test_bad_files_raise_what_read_crimes_raises(text: str, error: type[Exception]) -> None:
    data = text.encode()
    with pytest.raises(error) as expected:
        read_crimes([("bad.csv", data)])
    with pytest.raises(error) as found:
        read_street_file("bad.csv", data)
    assert str(found.value) == str(expected.value)
    assert type(found.value) is type(expected.value)


def test_a_file_of_several_forces_and_months_is_split_by_both(tmp_path: Path) -> None:
    other = "Otherton Police,Otherton Police"
    text = (
        HEADER
        + _row("a", "0.12", "52.2")
        + _row("b", "0.12", "52.2", month="2025-02")
        + _row("c", "-1.5", "53.4").replace(FORCE, other)
        + _row("d", "", "").replace(FORCE, ",")  # no force named: "unknown"
        + _row("e", "0.13", "52.2")
    )
    source = tmp_path / "mixed-street.csv"
    source.write_text(text, encoding="utf-8")
    report = ingest([source], store_dir=tmp_path / "s")
    assert report.partitions_written == (
        "street otherton-police/2025-01",
        "street testshire-police/2025-01",
        "street testshire-police/2025-02",
        "street unknown/2025-01",
    )
    ids = {
        f"{f.parent.parent.name}/{f.parent.name}": sorted(pq.read_table(f)["crime_id"].to_pylist())
        for f in store_files(tmp_path / "s")
    }
    assert ids == {
        "otherton-police/2025-01": ["c"],
        "testshire-police/2025-01": ["a", "e"],
        "testshire-police/2025-02": ["b"],
        "unknown/2025-01": ["d"],
    }
