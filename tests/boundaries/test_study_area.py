from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, Polygon

from boundaries.assign import assign_wards
from boundaries.dataset import StudyArea, load_study_area
from boundaries.neighbourhoods import apply_neighbourhoods
from boundaries.select import Selection, parse_month_range, select_points, summarise
from spatial.crs import BNG
from spatial.errors import CRSError, EmptyInputError, InputDataError, ParameterError
from tests._files import zip_of

if TYPE_CHECKING:
    from pathlib import Path

# Points inside each ward, all 13 months, from ../shared/data/SOURCES.md.
CAMBRIDGE_BY_WARD = {
    "Market": 4206,
    "Abbey": 1768,
    "Petersfield": 1641,
    "East Chesterton": 1468,
    "King's Hedges": 1413,
    "Coleridge": 1045,
    "West Chesterton": 1036,
    "Trumpington": 1015,
    "Arbury": 916,
    "Romsey": 865,
    "Queen Edith's": 808,
    "Cherry Hinton": 656,
    "Castle": 481,
    "Newnham": 467,
}
CAMBRIDGE_BY_TYPE = {
    "Violence and sexual offences": 4798,
    "Shoplifting": 2969,
    "Anti-social behaviour": 2693,
    "Other theft": 1215,
    "Criminal damage and arson": 1208,
    "Public order": 1131,
    "Bicycle theft": 1035,
    "Vehicle crime": 685,
    "Burglary": 596,
    "Drugs": 422,
    "Theft from the person": 371,
    "Other crime": 278,
    "Possession of weapons": 203,
    "Robbery": 181,
}
# Cambridge City Council's four area committees.
AREA_COMMITTEES = """ward,neighbourhood
Arbury,North
East Chesterton,North
King's Hedges,North
West Chesterton,North
Abbey,East
Coleridge,East
Petersfield,East
Romsey,East
Cherry Hinton,South
Queen Edith's,South
Trumpington,South
Castle,West Central
Market,West Central
Newnham,West Central
"""


@pytest.fixture(scope="module")
def cambridge(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> StudyArea:
    mapping = tmp_path_factory.mktemp("nbhd") / "area_committees.csv"
    mapping.write_text(AREA_COMMITTEES, encoding="utf-8")
    return load_study_area(
        [cambridge_dir / "crimes"], cambridge_dir / "wards.geojson", neighbourhoods=mapping
    )


def test_cambridge_points_inside_wards_match_sources(cambridge: StudyArea) -> None:
    assert len(cambridge.points) == 17_785
    assert cambridge.points["ward"].value_counts().to_dict() == CAMBRIDGE_BY_WARD
    assert cambridge.points["crime_type"].value_counts().to_dict() == CAMBRIDGE_BY_TYPE


def test_cambridge_summary_accounts_for_every_row(cambridge: StudyArea) -> None:
    summary = summarise(cambridge, Selection())
    assert summary.n_rows == 90_957
    assert summary.n_without_location == 2_859
    assert summary.n_outside_gb == 0
    assert summary.n_inside_wards == 17_785
    assert summary.n_outside_wards == 90_957 - 2_859 - 17_785
    total = (
        summary.n_without_location
        + summary.n_outside_gb
        + summary.n_outside_wards
        + summary.n_inside_wards
    )
    assert total == summary.n_rows
    assert summary.by_ward == {w: CAMBRIDGE_BY_WARD[w] for w in cambridge.ward_names}


def test_selection_by_neighbourhood_month_and_type(cambridge: StudyArea) -> None:
    selection = Selection(
        months=("2025-06", "2025-08"),
        crime_types=("Anti-social behaviour",),
        neighbourhoods=("North",),
    )
    chosen = select_points(cambridge, selection)
    points = cambridge.points
    months = points["month"].astype(str)
    expected = points[
        points["ward"].isin(["Arbury", "East Chesterton", "King's Hedges", "West Chesterton"])
        & months.between("2025-06", "2025-08")
        & (points["crime_type"] == "Anti-social behaviour")
    ]
    assert len(chosen) == len(expected) > 0
    summary = summarise(cambridge, selection)
    assert set(summary.by_ward) == {"Arbury", "East Chesterton", "King's Hedges", "West Chesterton"}
    assert summary.months == ("2025-06", "2025-07", "2025-08")
    assert summary.n_inside_wards == len(expected)


def test_unknown_names_are_refused_with_choices(cambridge: StudyArea) -> None:
    with pytest.raises(ParameterError, match=r"Unknown ward 'Marketplace'.*Market"):
        select_points(cambridge, Selection(wards=("Marketplace",)))
    with pytest.raises(ParameterError, match="Unknown crime type 'Burglary '"):
        select_points(cambridge, Selection(crime_types=("Burglary ",)))
    held = f"the data hold {cambridge.months[0]}..{cambridge.months[-1]}"
    assert held == "the data hold 2024-09..2025-09"
    with pytest.raises(EmptyInputError, match=rf"select no rows \({held}\)\. Widen"):
        summarise(cambridge, Selection(months=("2020-01", "2020-02")))


def test_parse_month_range_errors() -> None:
    assert parse_month_range("2024-12:2025-02") == ("2024-12", "2025-02")
    with pytest.raises(ParameterError, match="run backwards"):
        parse_month_range("2025-02:2024-12")
    with pytest.raises(ParameterError, match="not YYYY-MM"):
        parse_month_range("last year")


def _square(x: float, y: float, size: float) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def test_point_on_shared_boundary_is_counted_once() -> None:
    wards = apply_neighbourhoods(
        gpd.GeoDataFrame(
            {"ward_name": ["West", "East"], "ward_code": ["W", "E"]},
            geometry=[_square(500000, 200000, 100), _square(500100, 200000, 100)],
            crs=BNG,
        )
    )
    points = gpd.GeoDataFrame(
        {"crime_type": ["Burglary"] * 3},
        geometry=[Point(500100, 200050), Point(500050, 200050), Point(499000, 200000)],
        crs=BNG,
    )
    result = assign_wards(points, wards)
    # equal areas: the edge point goes to the lowest ward code, E (the stated OVERLAP_RULE)
    assert result.inside["ward"].to_dict() == {0: "East", 1: "West"}
    assert result.n_outside_wards == 1
    assert result.n_in_overlaps == 1
    assert "smallest of those wards" in result.notes[0]
    with pytest.raises(CRSError, match="EPSG:4326"):
        assign_wards(points.to_crs("EPSG:4326"), wards)


def test_neighbourhood_mapping_with_unknown_ward_is_refused() -> None:
    wards = gpd.GeoDataFrame({"ward_name": ["Abbey"]}, geometry=[Point(0, 0)], crs=BNG)
    mapping = pd.DataFrame({"ward": ["Abbey", "Abey"], "neighbourhood": ["East", "East"]})
    with pytest.raises(InputDataError, match="not in the ward boundaries: Abey"):
        apply_neighbourhoods(wards, mapping)


def test_demo_loads_through_the_readers_with_its_sites() -> None:
    from boundaries.dataset import DEMO_SEED, load_demo  # noqa: PLC0415 - the test's subject
    from spatial import demo  # noqa: PLC0415

    assert DEMO_SEED == demo.DEMO_SEED
    area = load_demo()
    assert area.is_demo
    assert area.sites is not None
    assert {"police", "council", "fire", "housing"} <= set(area.sites["kind"])
    assert area.sites.crs == BNG
    assert area.network_path is not None
    assert area.network_path.exists()
    assert area.population is not None
    assert area.lsoas is not None
    assert len(area.months) == 12


def test_ward_counts_keep_blank_crime_types_as_their_own_group() -> None:
    from boundaries.dataset import _ward_counts  # noqa: PLC0415 - the store's rank counts

    wards = apply_neighbourhoods(
        gpd.GeoDataFrame(
            {"ward_name": ["West", "East"], "ward_code": ["E1", "E2"]},
            geometry=[_box(0, 0, 100, 100), _box(100, 0, 200, 100)],
            crs="EPSG:27700",
        )
    )
    counts = pd.DataFrame(
        {
            "x_m": [150.0, 50.0, 50.0, 150.0, 500.0],
            "y_m": [50.0, 50.0, 50.0, 50.0, 50.0],
            "month": ["2025-01", "2025-01", "2025-02", "2025-01", "2025-01"],
            "crime_type": pd.Series(["Burglary", None, "Burglary", None, "Robbery"], dtype="str"),
            "file": ["a"] * 5,
            "n": [3, 2, 4, 1, 7],
        }
    )
    got = _ward_counts(counts, wards)
    rows = {
        (w, m, "" if pd.isna(t) else t): n
        for w, m, t, n in got[["ward", "month", "crime_type", "n"]].itertuples(index=False)
    }
    assert rows == {
        ("East", "2025-01", "Burglary"): 3,
        ("East", "2025-01", ""): 1,
        ("West", "2025-01", ""): 2,
        ("West", "2025-02", "Burglary"): 4,
    }  # the point at x 500 lies in no ward


def test_sums_by_key_agree_whether_slotted_or_sorted() -> None:
    from boundaries.dataset import _sum_by_key  # noqa: PLC0415 - the rank counts' sums

    rng = np.random.default_rng(5)
    key = rng.integers(0, 500, 300)
    n = rng.integers(1, 9, 300)
    slotted = _sum_by_key(key, n, n_keys=500)  # few keys: one slot each
    sorted_ = _sum_by_key(key, n, n_keys=10**9)  # too many keys for slots: sorted
    expected = pd.Series(n).groupby(key).sum()
    for unique_key, sums in (slotted, sorted_):
        assert unique_key.tolist() == expected.index.tolist()
        assert sums.tolist() == expected.tolist()


def _box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def test_a_crime_csv_as_the_wards_beside_a_zipped_shapefile_as_crimes_is_said_swapped(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    september = cambridge_dir / "crimes" / "2024-09-cambridgeshire-street.csv"
    shapefile = tmp_path / "shp" / "wards.shp"
    shapefile.parent.mkdir()
    gpd.read_file(cambridge_dir / "wards.geojson").to_file(shapefile)
    zipped = tmp_path / "wards.zip"
    zipped.write_bytes(zip_of({p.name: p.read_bytes() for p in sorted(shapefile.parent.iterdir())}))
    with pytest.raises(InputDataError) as swapped:
        load_study_area([september, zipped], september)
    assert str(swapped.value) == (
        "The crime and ward files look swapped: 2024-09-cambridgeshire-street.csv is a "
        "data.police.uk crime file and wards.zip holds boundaries. Give wards.zip as the ward "
        "boundaries and 2024-09-cambridgeshire-street.csv as the crimes."
    )
    with pytest.raises(InputDataError, match=r"holds no geometries\. It is a data\.police\.uk"):
        load_study_area([september], september)  # no boundaries among the crimes: not swapped
    as_bytes = [("wards.geojson", (cambridge_dir / "wards.geojson").read_bytes())]
    with pytest.raises(InputDataError, match=r"^The crime and ward files look swapped: sept\.csv"):
        load_study_area(as_bytes, ("sept.csv", september.read_bytes()))  # uploads alike
