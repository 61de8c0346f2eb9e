from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point

from boundaries.select import Selection, select_points
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import CRSError, EmptyInputError
from tasking.problems import (
    DEFAULT_HARM_WEIGHTS,
    PROBLEM_COLUMNS,
    PatrolLimits,
    flag_problems,
)

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

X0, Y0 = 450_000.0, 260_000.0
MONTHS = [str(p) for p in pd.period_range("2025-01", "2025-12", freq="M")]


def _wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_name": ["Centre"], "ward_code": ["E1"]},
        geometry=[shapely.box(X0, Y0, X0 + 3000, Y0 + 3000)],
        crs=BNG,
    )


def _points(rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows: list[tuple[float, float, str, str, str]] = []

    def add(n: int, x: float, y: float, spread: float, crime_type: str, months: list[str]) -> None:
        xs = x + rng.uniform(-spread, spread, n)
        ys = y + rng.uniform(-spread, spread, n)
        rows.extend(
            (xs[i], ys[i], crime_type, months[i % len(months)], "On or near High Street")
            for i in range(n)
        )

    # Background: 600 crimes of both types spread over the ward, every month.
    add(300, X0 + 1500, Y0 + 1500, 1500, "Violence and sexual offences", MONTHS)
    add(300, X0 + 1500, Y0 + 1500, 1500, "Anti-social behaviour", MONTHS)
    # Violence hotspot: 240 crimes in a 200 m square, every month (harm 8).
    add(240, X0 + 700, Y0 + 700, 100, "Violence and sexual offences", MONTHS)
    # ASB hotspot: 240 incidents in a 200 m square, every month (harm 1).
    add(240, X0 + 2300, Y0 + 2300, 100, "Anti-social behaviour", MONTHS)
    # A long chain of violence (60 per 150 m) along a 2.4 km road: must be split into compact beats.
    for k in range(16):
        add(60, X0 + 300 + 150 * k, Y0 + 2700, 40, "Violence and sexual offences", MONTHS)
    x, y, types, months, locations = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {
            "crime_type": types,
            "month": pd.PeriodIndex(months, freq="M"),
            "location": locations,
            "ward": "Centre",
        },
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )


@pytest.fixture(scope="module")
def problems() -> gpd.GeoDataFrame:
    return flag_problems(
        _points(np.random.default_rng(7)),
        wards=_wards(),
        months=("2025-01", "2025-12"),
        max_problems=30,
    )


def test_problems_rank_the_harmful_hotspot_first(problems: gpd.GeoDataFrame) -> None:
    assert list(problems.columns) == [*PROBLEM_COLUMNS, "geometry"]
    assert problems.crs == BNG
    assert problems.iloc[0]["crime_type"] == "Violence and sexual offences"
    square = problems[problems.geometry.contains(Point(X0 + 700, Y0 + 700))].iloc[0]
    assert square["crime_type"] == "Violence and sexual offences"
    assert square["kind"] == "hotspot"
    assert square["n_crimes"] >= 240
    asb = problems[problems["crime_type"] == "Anti-social behaviour"].iloc[0]
    assert asb.geometry.contains(Point(X0 + 2300, Y0 + 2300))
    # Same volume, but violence weighs 8 and ASB 1.
    assert asb["rank"] > square["rank"]
    assert problems["score"].is_monotonic_decreasing
    assert problems["rank"].tolist() == list(range(1, len(problems) + 1))


def test_score_is_the_product_its_explanation_states(problems: gpd.GeoDataFrame) -> None:
    for row in problems.drop(columns="geometry").to_dict("records"):
        harm = DEFAULT_HARM_WEIGHTS[row["crime_type"]]
        persistence = 0.5 + 0.5 * row["n_months_present"] / row["n_months"]
        factor = {"rising": 1.25, "falling": 0.8}.get(row["trend"], 1.0)
        assert row["score"] == pytest.approx(row["n_crimes"] * harm * factor * persistence)
        assert f"{row['n_crimes']} " in row["explanation"]
        assert f"score {row['score']:.1f}" in row["explanation"]


def test_patrol_areas_respect_size_and_shape_limits(problems: gpd.GeoDataFrame) -> None:
    limits = PatrolLimits()
    hotspots = problems[problems["kind"] == "hotspot"]
    assert (hotspots["area_m2"] <= limits.max_area_m2 + 1e-6).all()
    for geom in hotspots.geometry:
        minx, miny, maxx, maxy = geom.bounds
        assert math.hypot(maxx - minx, maxy - miny) <= limits.max_extent_m + 1e-6
    # The 2.4 km chain of violence along the road is split into several beats.
    road = hotspots[hotspots.geometry.intersects(shapely.box(X0, Y0 + 2650, X0 + 3000, Y0 + 2750))]
    assert len(road) >= 3


def test_agencies_and_time_note() -> None:
    problems = flag_problems(
        _points(np.random.default_rng(7)), wards=_wards(), months=("2025-01", "2025-12")
    )
    asb = problems[problems["crime_type"] == "Anti-social behaviour"].iloc[0]
    assert "Council ASB team" in asb["agencies"]
    assert "Housing officer" in asb["agencies"]


def test_bad_input_is_refused() -> None:
    points = _points(np.random.default_rng(1))
    with pytest.raises(CRSError, match="EPSG:27700"):
        flag_problems(points.to_crs(4326), wards=_wards(), months=("2025-01", "2025-12"))
    with pytest.raises(EmptyInputError, match="No crimes"):
        flag_problems(points.iloc[:0], wards=_wards(), months=("2025-01", "2025-12"))


def test_demo_planted_problems_are_flagged_in_the_expected_order(demo_area: StudyArea) -> None:
    area = demo_area
    points = select_points(area, Selection())
    problems = flag_problems(
        points, wards=area.wards, months=(area.months[0], area.months[-1]), max_problems=40
    )

    def rank_of(pattern: str) -> int:
        planted = PLANTED_PATTERNS[pattern]
        centre = Point(planted.centre_x_m, planted.centre_y_m)
        hits = problems[
            problems.geometry.contains(centre) & problems["crime_type"].isin(planted.crime_types)
        ]
        assert not hits.empty, f"{pattern} was not flagged"
        return int(hits["rank"].min())

    nte, asb, burglary = (
        rank_of("nte_violence"),
        rank_of("emerging_asb"),
        rank_of("burglary_series"),
    )
    # The persistent night-time violence leads; the emerging ASB (rising) comes before the
    # burglary series, which ended months ago (falling).
    assert nte == 1
    assert nte < asb < burglary
    by_rank = problems.set_index("rank")
    assert by_rank.loc[asb, "trend"] == "rising"
    assert by_rank.loc[burglary, "trend"] == "falling"
    station = problems[problems["label"].str.contains("Police Station")]
    assert not station.empty
    assert station["explanation"].str.contains("named after a police building").all()


def test_demo_castle_ranking_gives_each_problem_its_own_label(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from patchmap.cli import main  # noqa: PLC0415 - the CLI shows what the Profile page shows

    assert main(["problems", "--demo", "--ward", "Castle", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)["problems"]
    labels = [p["label"] for p in ranked]
    assert len(set(labels)) == len(labels) == 10
    otter = [p for p in ranked if "repeat location near Otter Rise, Castle" in p["label"]]
    assert [p["problem_id"] for p in otter] == ["P7", "P10"]  # two snap points 78 m apart
    assert [p["label"].rsplit(" (at ", 1)[1] for p in otter] == [
        "453730, 269450)",
        "453720, 269530)",
    ]
    assert "(at " not in labels[0]  # a label used once is left as it was


def test_labels_that_still_repeat_are_counted() -> None:
    from tasking.problems import _distinct_labels  # noqa: PLC0415 - the rule under test

    same = Point(545_000, 258_000).buffer(75)
    labels = _distinct_labels(
        pd.Series(["A near X, W", "A near X, W", "B near Y, W"]),
        gpd.GeoSeries([same, same, Point(546_000, 258_000).buffer(75)], crs=BNG),
    )
    assert labels == [
        "A near X, W (at 545000, 258000)",
        "A near X, W (at 545000, 258000) (2)",
        "B near Y, W",
    ]


def test_a_one_month_selection_explains_presence_in_the_singular(demo_area: StudyArea) -> None:
    """The explanation said "present in 1 of 1 months"."""
    points = select_points(demo_area, Selection(months=("2025-09", "2025-09")))
    found = flag_problems(points, wards=demo_area.wards, months=("2025-09", "2025-09"))
    assert len(found)
    for text in found["explanation"]:
        assert " of 1 month (x" in text
        assert "of 1 months" not in text
