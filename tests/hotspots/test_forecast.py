from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point, box

from boundaries.select import Selection
from hotspots.cube import CrimeCube, build_cube, cube_for_selection
from hotspots.forecast import (
    DEFAULT_CANDIDATES,
    choose_default,
    flag_top,
    forecast_cells,
    n_flagged,
    select_default,
)
from hotspots.gistar import gi_star_z, spatial_weights
from hotspots.methods import (
    DEFAULT_METHODS,
    METHOD_NAMES,
    WEEKS_PER_MONTH,
    Method,
    parse_method,
    score_cells,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from spatial.grid import make_grid

if TYPE_CHECKING:
    from collections.abc import Sequence

    from boundaries.dataset import StudyArea

MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04")


def _strip(width_cells: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_name": ["Strip"]}, geometry=[box(0, 0, 100 * width_cells, 100)], crs=BNG
    )


def _points(rows: Sequence[tuple[float, float, str, str]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "month": [r[2] for r in rows],
            "crime_type": [r[3] for r in rows],
            "ward": ["Strip"] * len(rows),
        },
        geometry=[Point(r[0], r[1]) for r in rows],
        crs=BNG,
    )


@pytest.fixture
def strip_cube() -> CrimeCube:
    # cell 0 (x 0-100): 2 crimes in Jan, 1 in Mar; cell 1: 1 in Feb; cell 2: 3 in Mar
    rows = [
        (50, 50, "2025-01", "Burglary"),
        (50, 50, "2025-01", "Burglary"),
        (50, 50, "2025-03", "Anti-social behaviour"),
        (150, 50, "2025-02", "Burglary"),
        (250, 50, "2025-03", "Anti-social behaviour"),
        (250, 50, "2025-03", "Anti-social behaviour"),
        (250, 50, "2025-03", "Anti-social behaviour"),
    ]
    wards = _strip()
    return build_cube(_points(rows), make_grid(wards, cell_size_m=100), months=MONTHS, wards=wards)


def test_cube_counts_cells_by_month_and_keeps_empty_months(strip_cube: CrimeCube) -> None:
    assert strip_cube.months == MONTHS
    assert strip_cube.counts.tolist() == [[2, 0, 1, 0], [0, 1, 0, 0], [0, 0, 3, 0]]
    assert strip_cube.space.type_names == ("Anti-social behaviour", "Burglary")
    assert strip_cube.ward_counts("Strip").tolist() == strip_cube.counts.tolist()
    assert strip_cube.next_month == "2025-05"


def test_history_holds_only_earlier_months(strip_cube: CrimeCube) -> None:
    past = strip_cube.history("2025-03")
    assert past.months == ("2025-01", "2025-02")
    assert past.counts.tolist() == [[2, 0], [0, 1], [0, 0]]
    assert strip_cube.history("2025-09").months == MONTHS
    with pytest.raises(ValueError, match="read-only"):
        past.location_type_counts[0, 0, 0] = 5


def test_simple_counting_methods_by_hand(strip_cube: CrimeCube) -> None:
    past = strip_cube.history("2025-04")  # Jan, Feb, Mar
    assert score_cells(past, DEFAULT_METHODS["last-month"]).tolist() == [1, 0, 3]
    assert score_cells(past, DEFAULT_METHODS["counts-3"]).tolist() == [3, 1, 3]
    assert score_cells(past, DEFAULT_METHODS["counts-all"]).tolist() == [3, 1, 3]
    # half life 1 month: March weight 1, February 0.5, January 0.25
    ewma = score_cells(past, Method("ewma", half_life_months=1.0))
    np.testing.assert_allclose(ewma, [2 * 0.25 + 1, 0.5, 3])
    # blend 0.25: mean per month (3/3) + 0.25 x last-3 mean, plus a tie-break far below 1e-5
    blend = score_cells(past, Method("blend", recent_weight=0.25))
    np.testing.assert_allclose(blend, [1.25, 1 / 3 * 1.25, 1.25], atol=1e-5)


def test_blend_breaks_count_ties_towards_busier_surroundings() -> None:
    wards = _strip(4)
    # cells 0 and 3 both have 2 crimes; cell 2, next to cell 3, has 1 more
    rows = [(50, 50, "2025-01", "Drugs")] * 2 + [(350, 50, "2025-01", "Drugs")] * 2
    rows += [(250, 50, "2025-01", "Drugs")]
    cube = build_cube(_points(rows), make_grid(wards, cell_size_m=100), wards=wards)
    blend = score_cells(cube.history(1), Method("blend", recent_weight=0.0))
    counts_all = score_cells(cube.history(1), DEFAULT_METHODS["counts-all"])
    assert counts_all[0] == counts_all[3]
    assert flag_top(counts_all, 1).tolist() == [0]  # plain ties go to the lower cell_id
    assert flag_top(blend, 1).tolist() == [3]
    assert 0 < blend[3] - 2.0 < 1e-5


def test_kde_is_the_quartic_kernel_in_crimes_per_km2() -> None:
    wards = _strip()
    pts = _points([(50, 50, "2025-01", "Drugs"), (170, 50, "2025-02", "Drugs")])
    cube = build_cube(pts, make_grid(wards, cell_size_m=100), months=["2025-01", "2025-02"])
    scores = score_cells(cube.history(2), Method("kde", n_months=2, bandwidth_m=200.0))

    def quartic(d: float) -> float:
        return 3 / (math.pi * 200**2) * (1 - (d / 200) ** 2) ** 2 * 1e6 if d < 200 else 0.0

    expected = [quartic(0) + quartic(120), quartic(100) + quartic(20), quartic(200) + quartic(80)]
    np.testing.assert_allclose(scores, expected)
    last_only = score_cells(cube.history(2), Method("kde", n_months=1, bandwidth_m=200.0))
    np.testing.assert_allclose(last_only, [quartic(120), quartic(20), quartic(80)])


def test_prospective_weights_distance_in_cells_and_age_in_weeks() -> None:
    wards = _strip()
    pts = _points([(50, 50, "2025-01", "Burglary"), (50, 50, "2025-02", "Burglary")])
    cube = build_cube(pts, make_grid(wards, cell_size_m=100), months=["2025-01", "2025-02"])
    scores = score_cells(cube.history(2), Method("prospective", n_months=2, bandwidth_m=150.0))
    last = 1 / (1 + 0.5 * WEEKS_PER_MONTH)  # mid-February is 2.2 weeks before March
    first = 1 / (1 + 1.5 * WEEKS_PER_MONTH)
    np.testing.assert_allclose(scores, [last + first, (last + first) / 2, 0.0])


def test_gistar_method_is_the_gi_star_z_of_the_window(strip_cube: CrimeCube) -> None:
    past = strip_cube.history("2025-04")
    expected = gi_star_z(np.array([1.0, 1.0, 3.0]), spatial_weights(strip_cube.grid))
    got = score_cells(past, Method("gistar", n_months=2))
    np.testing.assert_allclose(got, expected)


def test_model_ranks_busy_cells_above_empty_ones() -> None:
    wards = _strip(10)
    rng = np.random.default_rng(3)
    rows = []
    for m, month in enumerate(("2025-01", "2025-02", "2025-03", "2025-04", "2025-05")):
        for cell, rate in ((1, 6), (7, 2)):
            rows += [(cell * 100 + 50, 50, month, "Burglary")] * int(rng.poisson(rate) + m % 2)
    cube = build_cube(_points(rows), make_grid(wards, cell_size_m=100), wards=wards)
    scores = score_cells(cube.history(5), DEFAULT_METHODS["model"])
    assert flag_top(scores, 2).tolist() == [1, 7]
    assert scores[1] > 3 * scores[0]


def test_flag_top_breaks_ties_by_lower_cell_id() -> None:
    assert flag_top(np.array([2.0, 5.0, 2.0, 5.0, 1.0]), 3).tolist() == [1, 3, 0]
    assert n_flagged(200, 5) == 10
    assert n_flagged(21, 5) == 2
    with pytest.raises(ParameterError, match="coverage_pct must be above 0"):
        n_flagged(10, 0)


def _table(values: dict[Method, list[float | None]]) -> dict[Method, list[float | None]]:
    return values


def test_default_prefers_the_blend_when_it_matches_counts_all() -> None:
    blend, counts_all, ewma = (
        DEFAULT_CANDIDATES[0],
        DEFAULT_METHODS["counts-all"],
        Method("ewma", half_life_months=6.0),
    )
    origins = ["2025-01", "2025-02", "2025-03", "2025-04"]
    table = _table(
        {blend: [10, 10, 11, None], counts_all: [10, 10, 10, None], ewma: [12, 8, 12, None]}
    )
    choice = select_default(table, origins=origins, coverage_pct=5)
    # ewma's gain over the blend (mean 0.33) is below its standard error (1.33), so no switch
    assert choice.method == blend
    assert choice.origins == ("2025-01", "2025-02", "2025-03")
    assert "10.33" in choice.why
    assert "10.00 for counts over all past months" in choice.why
    # the higher mean passed over is named, so the sentence does not contradict the table
    assert choice.why.endswith(
        f"; {ewma.label} scored 10.67, more by less than the month-to-month noise, so it is "
        "not taken."
    )


def test_default_falls_back_to_counts_all_and_takes_a_clear_winner() -> None:
    blend, counts_all, model = (
        DEFAULT_CANDIDATES[0],
        DEFAULT_METHODS["counts-all"],
        DEFAULT_METHODS["model"],
    )
    origins = ["a", "b", "c"]
    worse = select_default(
        {blend: [9.0, 9.0, 9.0], counts_all: [10.0, 10.0, 10.0], model: [9.0, 9.0, 9.0]},
        origins=origins,
        coverage_pct=5,
    )
    assert worse.method == counts_all
    clear = select_default(
        {blend: [9.0, 9.0, 9.0], counts_all: [10.0, 10.0, 10.0], model: [12.0, 12.5, 12.0]},
        origins=origins,
        coverage_pct=5,
    )
    assert clear.method == model
    assert clear.pai_means[0][0] == "model"
    assert clear.pai_means[0][1] == pytest.approx(12.1667, abs=1e-4)
    few = select_default({blend: [1.0], counts_all: [10.0]}, origins=["a"], coverage_pct=5)
    assert few.method == blend
    assert "Only 1 past month" in few.why
    with pytest.raises(ParameterError, match="must include 'counts-all'"):
        select_default({blend: [1.0]}, origins=["a"], coverage_pct=5)


def test_choose_default_and_forecast_use_only_earlier_months(strip_cube: CrimeCube) -> None:
    choice = choose_default(strip_cube.history(4), coverage_pct=34, min_train_months=1)
    assert choice.origins == ("2025-02", "2025-03")  # April has no crime: not evidence
    forecast = forecast_cells(
        strip_cube, month="2025-03", method=DEFAULT_METHODS["counts-all"], coverage_pct=34
    )
    # from January and February only: cell 0 (2 crimes) then cell 1 (1 crime)
    assert forecast.cells["cell_id"].tolist() == [0, 1]
    assert forecast.cells["rank"].tolist() == [1, 2]
    assert forecast.cells["score"].tolist() == [2.0, 1.0]
    assert forecast.cells.crs == BNG
    assert forecast.history_months == ("2025-01", "2025-02")
    later = forecast_cells(strip_cube, month="2025-07", coverage_pct=34)
    assert later.method.name != "default"
    assert later.default is not None
    assert any("The data end at 2025-04" in n for n in later.notes)
    with pytest.raises(ParameterError, match="No month before 2025-01"):
        forecast_cells(strip_cube, month="2025-01")


def test_build_cube_reports_what_it_did_not_count() -> None:
    wards = _strip()
    pts = _points([(50, 50, "2024-12", "Drugs"), (950, 50, "2025-01", "Drugs")])
    cube = build_cube(pts, make_grid(wards, cell_size_m=100), months=["2025-01", "2025-03"])
    assert cube.n_outside_months == 1
    assert cube.n_outside_cells == 1
    assert any("no file for 2025-02" in n for n in cube.notes)
    with pytest.raises(MissingColumnError, match="crime_type"):
        build_cube(pts.drop(columns="crime_type"), make_grid(wards, cell_size_m=100))
    with pytest.raises(CRSError, match="EPSG:4326"):
        build_cube(pts.set_crs(4326, allow_override=True), make_grid(wards, cell_size_m=100))


def test_parse_method_knows_every_name_and_rejects_others() -> None:
    assert [parse_method(n).name for n in METHOD_NAMES] == list(METHOD_NAMES)
    with pytest.raises(ParameterError, match="Unknown forecast method 'hotness'"):
        parse_method("hotness")
    with pytest.raises(ParameterError, match="bandwidth_m must be a positive number"):
        score_cells(
            build_cube(_points([]), make_grid(_strip(), cell_size_m=100), months=MONTHS).history(2),
            Method("kde", n_months=2, bandwidth_m=-5.0),
        )


_CONCRETE = [DEFAULT_METHODS[n] for n in METHOD_NAMES if n != "default"]
_WARDS = gpd.GeoDataFrame({"ward_name": ["Strip"]}, geometry=[box(0, 0, 400, 200)], crs=BNG)
_GRID = make_grid(_WARDS, cell_size_m=100)
_SITES = [(x + 30.0, y + 40.0) for x in (0, 100, 200, 300) for y in (0, 100)]


def _cube_from(counts: np.ndarray) -> CrimeCube:
    """Build a cube from counts[site, month, type] of crimes at 8 sites over 6 months."""
    rows = []
    months = [f"2025-{m + 1:02d}" for m in range(counts.shape[1])]
    for s, (x, y) in enumerate(_SITES):
        for m, month in enumerate(months):
            for t, kind in enumerate(("Burglary", "Drugs")):
                rows += [(x, y, month, kind)] * int(counts[s, m, t])
    return build_cube(_points(rows), _GRID, months=months, wards=_WARDS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(st.integers(0, 4), min_size=96, max_size=96),
    noise=st.lists(st.integers(0, 6), min_size=96, max_size=96),
    t=st.integers(1, 5),
)
def test_changing_months_from_t_on_leaves_the_forecast_for_t_unchanged(
    base: list[int], noise: list[int], t: int
) -> None:
    counts = np.asarray(base).reshape(8, 6, 2)
    counts[:, 0, 0] += 1  # every site has a crime in the first month, so both cubes share sites
    changed = counts.copy()
    changed[:, t:, :] = np.asarray(noise).reshape(8, 6, 2)[:, t:, :]
    changed[0, -1, 0] = counts[0, -1, 0] + 1  # the cubes always differ from month t on
    a, b = _cube_from(counts), _cube_from(changed)
    month = a.months[t]
    np.testing.assert_array_equal(a.space.location_x_m, b.space.location_x_m)
    assert not np.array_equal(a.counts, b.counts)
    for method in _CONCRETE:
        np.testing.assert_array_equal(
            score_cells(a.history(month), method), score_cells(b.history(month), method)
        )
    fa = forecast_cells(a, month=month, coverage_pct=25, min_train_months=1)
    fb = forecast_cells(b, month=month, coverage_pct=25, min_train_months=1)
    assert fa.method == fb.method
    assert fa.cells["cell_id"].tolist() == fb.cells["cell_id"].tolist()


def test_the_demo_s_emerging_asb_is_flagged_only_once_it_has_begun(demo_area: StudyArea) -> None:
    planted = PLANTED_PATTERNS["emerging_asb"]  # ASB from 2025-06 on, none there before
    assert planted.months[0] == "2025-06"
    cube = cube_for_selection(demo_area, Selection(crime_types=(planted.crime_types[0],)))

    def near(month: str, method: Method) -> list[int]:
        cells = forecast_cells(cube, month=month, method=method, coverage_pct=5).cells
        distance = np.hypot(cells["x_m"] - planted.centre_x_m, cells["y_m"] - planted.centre_y_m)
        return [int(r) for r in cells.loc[distance <= planted.radius_m + 50, "rank"]]

    assert near("2025-06", DEFAULT_METHODS["last-month"]) == []  # no look-ahead
    assert near("2025-07", DEFAULT_METHODS["last-month"])[:3] == [1, 2, 3]
    assert min(near("2025-07", DEFAULT_METHODS["counts-all"])) > 3  # long-run counts lag
    assert near("2025-10", DEFAULT_METHODS["default"])[:3] == [1, 2, 3]


def test_a_selection_without_crimes_is_refused_not_forecast(demo_area: StudyArea) -> None:
    points = demo_area.points
    seen = set(zip(points["ward"], points["crime_type"], points["month"].astype(str), strict=True))
    ward, kind, month = next(
        (w, t, m)
        for w in demo_area.ward_names
        for t in demo_area.crime_types
        for m in demo_area.months
        if (w, t, m) not in seen
    )
    chosen = Selection(wards=(ward,), crime_types=(kind,), months=(month, month))
    with pytest.raises(EmptyInputError, match=r"^The selection holds no crimes: widen"):
        cube_for_selection(demo_area, chosen)  # it ranked cells that all scored 0
