from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, box

from boundaries.dataset import StudyArea, load_study_area
from hotspots.concentration import (
    concentration,
    flag_artefacts,
    generalised_gini,
    gini,
    repeat_locations,
    share_in_top,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from spatial.grid import make_grid

if TYPE_CHECKING:
    from pathlib import Path


def _crimes(
    xy: list[tuple[float, float]],
    *,
    location: list[str] | None = None,
    ward: list[str] | None = None,
    crime_type: str = "Burglary",
) -> gpd.GeoDataFrame:
    n = len(xy)
    data: dict[str, object] = {
        "location": location or [f"On or near Street {int(x)}" for x, _ in xy],
        "crime_type": [crime_type] * n,
        "month": pd.PeriodIndex(["2025-01"] * n, freq="M"),
    }
    if ward is not None:
        data["ward"] = ward
    return gpd.GeoDataFrame(data, geometry=[Point(x, y) for x, y in xy], crs=BNG)


# ----------------------------------------------------------------------------- Gini


def test_gini_matches_lorenzgini_examples() -> None:
    # Bernasco & Steenbeek's R package lorenzgini documents these values
    assert gini([10, 8, 2] + [0] * 7) == pytest.approx(0.78)
    assert generalised_gini([10, 8, 2] + [0] * 7) == pytest.approx(0.78)  # 20 crimes >= 10 places
    assert gini([5, 2, 1] + [0] * 7) == pytest.approx(0.8)
    assert generalised_gini([5, 2, 1] + [0] * 7) == pytest.approx(0.75)  # 8 crimes < 10 places
    assert gini([10] + [0] * 9) == pytest.approx(0.9)


def test_gini_equals_mean_absolute_difference_formula() -> None:
    rng = np.random.default_rng(11)
    x = rng.poisson(2.5, 300).astype(float)
    expected = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(expected)


def test_generalised_gini_is_zero_at_maximal_equality() -> None:
    # 4 crimes in 10 places, one each: as equal as the data allow
    counts = [1, 1, 1, 1] + [0] * 6
    assert gini(counts) == pytest.approx(1 - 4 / 10)
    assert generalised_gini(counts) == pytest.approx(0.0)
    assert generalised_gini([3, 3, 3, 3]) == pytest.approx(0.0)


def test_gini_rejects_empty_or_negative_counts() -> None:
    with pytest.raises(EmptyInputError, match="No crimes"):
        gini([0, 0, 0])
    with pytest.raises(ParameterError, match="not negative"):
        generalised_gini([1, -1])


def test_share_in_top_interpolates_between_whole_cells() -> None:
    counts = [6, 3, 1, 0]
    assert share_in_top(counts, fraction=0.25) == pytest.approx(0.6)
    assert share_in_top(counts, fraction=0.375) == pytest.approx(0.75)  # half of the second cell
    assert share_in_top(counts, fraction=1.0) == pytest.approx(1.0)
    with pytest.raises(ParameterError, match=r"\(0, 1\]"):
        share_in_top(counts, fraction=0.0)


# ----------------------------------------------------------------------------- concentration


def test_concentration_on_a_planted_grid() -> None:
    wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)
    grid = make_grid(wards, cell_size_m=100)  # 100 cells
    xy: list[tuple[float, float]] = [(50.0, 50.0)] * 50 + [(150.0, 50.0)] * 30
    xy += [(50.0 + 100 * i, 950.0) for i in range(10)]  # 10 cells with 1 each
    xy += [(50.0 + 100 * i, 850.0) for i in range(10)]  # 10 more
    xy += [(5000.0, 5000.0)] * 3  # outside the grid
    result = concentration(_crimes(xy), grid=grid, n_simulations=50, seed=3)
    assert (result.n_crimes, result.n_outside, result.n_cells) == (100, 3, 100)
    assert result.n_cells_with_crime == 22
    assert result.share_top_1pct == pytest.approx(0.50)  # 1 cell: 50 of 100
    assert result.share_top_5pct == pytest.approx(0.83)  # 50 + 30 + 1 + 1 + 1
    assert result.share_top_10pct == pytest.approx(0.88)
    counts = np.array([50, 30] + [1] * 20 + [0] * 78, dtype=float)
    assert result.gini == pytest.approx(gini(counts))
    assert result.gini_generalised == pytest.approx(result.gini)  # 100 crimes, 100 cells
    assert 0 < result.gini_null < 0.6 < result.gini_generalised
    assert result.curve.iloc[0].tolist() == [0.0, 0.0]
    assert result.curve.iloc[-1].tolist() == [1.0, pytest.approx(1.0)]
    assert any("3 crimes lie outside" in note for note in result.notes)
    again = concentration(_crimes(xy), grid=grid, n_simulations=50, seed=3)
    assert again.gini_null == result.gini_null  # seeded


def test_concentration_null_gini_matches_random_spread_and_sparse_note() -> None:
    wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)
    grid = make_grid(wards, cell_size_m=100)
    rng = np.random.default_rng(2)
    xy = [(float(x), float(y)) for x, y in rng.uniform(0, 1000, (40, 2))]  # 40 crimes, 100 cells
    result = concentration(_crimes(xy), grid=grid, seed=1)
    # crimes spread at random: the observed generalised Gini is about the null one
    assert abs(result.gini_generalised - result.gini_null) < 0.1
    assert result.gini > result.gini_generalised  # sparse counts inflate the standard Gini
    assert any("Fewer crimes (40) than cells (100)" in note for note in result.notes)
    skipped = concentration(_crimes(xy), grid=grid, n_simulations=0)
    assert math.isnan(skipped.gini_null)


def test_concentration_errors() -> None:
    wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)
    grid = make_grid(wards, cell_size_m=100)
    points = _crimes([(5000.0, 5000.0)])
    with pytest.raises(EmptyInputError, match="No crimes fall in the cells"):
        concentration(points, grid=grid)
    with pytest.raises(CRSError, match="EPSG:4326"):
        concentration(points.set_crs(4326, allow_override=True), grid=grid)
    with pytest.raises(ParameterError, match="n_simulations"):
        concentration(points, grid=grid, n_simulations=-1)


# ----------------------------------------------------------------------------- repeat locations


def test_repeat_locations_ranks_snap_points_with_street_names() -> None:
    xy = [(0.0, 0.0)] * 4 + [(100.0, 0.0)] * 2 + [(200.0, 0.0)] * 2 + [(300.0, 0.0)]
    names = ["On or near Mill Lane"] * 3 + ["On or near Mill Road"]  # commonest name wins
    names += ["On or near Zeta Road"] * 2 + ["On or near Alpha Road"] * 2 + ["On or near X"]
    points = _crimes(xy, location=names, ward=["A"] * 9)
    top = repeat_locations(points, top_n=3)
    assert top.crs == BNG
    assert top["rank"].tolist() == [1, 2, 3]
    assert top["location"].tolist() == [
        "On or near Mill Lane",
        "On or near Alpha Road",  # ties broken by name
        "On or near Zeta Road",
    ]
    assert top["street"].tolist() == ["Mill Lane", "Alpha Road", "Zeta Road"]
    assert top["n_crimes"].tolist() == [4, 2, 2]
    assert top["share_of_crimes"].tolist() == pytest.approx([4 / 9, 2 / 9, 2 / 9])
    assert top["ward"].tolist() == ["A", "A", "A"]
    assert top.geometry.iloc[0].equals(Point(0, 0))
    with pytest.raises(ParameterError, match="top_n"):
        repeat_locations(points, top_n=0)
    with pytest.raises(MissingColumnError, match="location"):
        repeat_locations(points.drop(columns="location"))


# ----------------------------------------------------------------------------- artefacts


def test_flag_artefacts_rules_and_empty_result() -> None:
    xy = [(0.0, 0.0)] * 3 + [(500.0, 0.0)] * 30 + [(1000.0 + i, 0.0) for i in range(70)]
    names = ["On or near Police Station"] * 3 + ["On or near Nightclub"] * 30
    names += [f"On or near Road {i}" for i in range(70)]
    points = _crimes(xy, location=names, ward=["Castle"] * 103)
    flags = flag_artefacts(points)
    assert flags["location"].tolist() == ["On or near Nightclub", "On or near Police Station"]
    assert flags["named_police_station"].tolist() == [False, True]
    assert flags["extreme_share"].tolist() == [True, False]  # 30/103 = 29 % >= 20 %
    assert flags["share_of_ward"].iloc[0] == pytest.approx(30 / 103)
    assert "29% of Castle's crime (30 of 103)" in flags["reason"].iloc[0]
    strict = flag_artefacts(points, ward_share=0.5)
    assert strict["location"].tolist() == ["On or near Police Station"]
    quiet = flag_artefacts(points.iloc[33:])
    assert len(quiet) == 0
    assert quiet.columns.tolist() == flags.columns.tolist()
    assert quiet.crs == BNG
    with pytest.raises(ParameterError, match="ward_share"):
        flag_artefacts(points, ward_share=0.0)
    with pytest.raises(EmptyInputError, match="no crimes"):
        flag_artefacts(points.iloc[:0])


def test_demo_police_station_is_a_top_repeat_location_and_flagged(demo_area: StudyArea) -> None:
    station = PLANTED_PATTERNS["police_station"]
    top = repeat_locations(demo_area.points, top_n=5)
    row = top[top["street"] == "Police Station"].iloc[0]
    assert row["rank"] <= 3
    assert row["n_crimes"] >= 0.8 * 12 * station.mean_per_month
    assert row["ward"] == station.ward
    assert row.geometry.distance(Point(station.centre_x_m, station.centre_y_m)) < 1.0
    flags = flag_artefacts(demo_area.points)
    named = flags[flags["named_police_station"]]
    assert named["location"].tolist() == ["On or near Police Station"]
    assert named["ward"].tolist() == [station.ward]
    assert bool(named["extreme_share"].iloc[0])  # a quarter of Riverside's crime
    # the night-time hotspot is spread over many snap points: none is flagged by name
    assert not flags.loc[flags["ward"] == "Castle", "named_police_station"].any()


def test_demo_crime_is_concentrated_beyond_chance(demo_area: StudyArea) -> None:
    grid = make_grid(demo_area.wards, cell_size_m=150)
    result = concentration(demo_area.points, grid=grid)
    assert result.share_top_1pct < result.share_top_5pct < result.share_top_10pct < 1.0
    assert result.share_top_10pct > 0.3  # the planted hotspots and the town centre
    assert result.gini_generalised > result.gini_null + 0.3


@pytest.mark.shared
def test_cambridge_police_station_is_flagged(cambridge_dir: Path) -> None:
    area = load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")
    flags = flag_artefacts(area.points)
    named = flags[flags["named_police_station"]]
    assert named["location"].tolist() == ["On or near Police Station"]
    assert named["n_crimes"].iloc[0] > 100
    top = repeat_locations(area.points, top_n=10)
    assert top["n_crimes"].is_monotonic_decreasing
    assert top["n_crimes"].iloc[0] > 300


def test_repeat_locations_flagged_marks_the_police_station_only() -> None:
    from shapely import Point  # noqa: PLC0415 - this test's points

    from hotspots.concentration import repeat_locations_flagged  # noqa: PLC0415

    points = gpd.GeoDataFrame(
        {
            "location": ["On or near Police Station"] * 3 + ["On or near Mill Lane"] * 2,
            "crime_type": ["Other theft"] * 5,
            "month": pd.PeriodIndex(["2025-01"] * 5, freq="M"),
        },
        geometry=[Point(0, 0)] * 3 + [Point(100, 50)] * 2,
        crs="EPSG:27700",
    )
    top = repeat_locations_flagged(points, top_n=2)
    assert top["location"].tolist() == ["On or near Police Station", "On or near Mill Lane"]
    assert "police building" in str(top["artefact"].iloc[0])
    assert top["artefact"].iloc[1] is None


def test_repeat_locations_flagged_is_the_ranking_with_the_flags(demo_area: StudyArea) -> None:
    from hotspots.concentration import repeat_locations_flagged  # noqa: PLC0415

    top = repeat_locations_flagged(demo_area.points, top_n=15)
    plain = repeat_locations(demo_area.points, top_n=15)
    pd.testing.assert_frame_equal(top.drop(columns="artefact"), plain, check_exact=True)
    flags = flag_artefacts(demo_area.points)
    flag_xy = zip(flags.geometry.x, flags.geometry.y, strict=True)
    reasons = dict(zip(flag_xy, flags["reason"], strict=True))
    expected = [reasons.get(xy) for xy in zip(plain.geometry.x, plain.geometry.y, strict=True)]
    assert top["artefact"].tolist() == expected
    assert any(r is not None for r in expected)


def test_repeat_locations_ties_fall_back_to_east_then_north() -> None:
    xy = [(100.0, 5.0), (100.0, -5.0), (50.0, 7.0), (100.0, 5.0), (50.0, 7.0), (100.0, -5.0)]
    top = repeat_locations(_crimes(xy, location=["On or near Lane"] * 6), top_n=3)
    assert list(zip(top["x_m"], top["y_m"], strict=True)) == [(50, 7), (100, -5), (100, 5)]
    assert top["n_crimes"].tolist() == [2, 2, 2]
