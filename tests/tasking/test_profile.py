from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from scipy import stats
from shapely import box

from boundaries.dataset import StudyArea, load_study_area
from boundaries.population import ward_population
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from tasking.profile import FindingsSummary, build_profile, change_verdict, summarise_findings

REPO = Path(__file__).resolve().parents[2]
POPULATION_CSV = "population/lsoa21_census2021_usual_residents.csv"


@pytest.fixture(scope="module")
def cambridge(cambridge_dir: Path) -> StudyArea:
    committees = REPO / "notebooks" / "cambridge_area_committees.csv"
    return load_study_area(
        [cambridge_dir / "crimes"],
        cambridge_dir / "wards.geojson",
        neighbourhoods=committees,
        population=cambridge_dir / POPULATION_CSV,
        lsoas=cambridge_dir / "boundaries" / "lsoa_2021.geojson",
    )


@pytest.fixture(scope="module")
def raw_market(cambridge_dir: Path) -> pd.DataFrame:
    """Crimes inside Market ward, counted independently with pandas and a geopandas sjoin."""
    frame = pd.concat(
        [pd.read_csv(p) for p in sorted((cambridge_dir / "crimes").glob("*.csv"))],
        ignore_index=True,
    ).dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]), crs=4326
    )
    wards = gpd.read_file(cambridge_dir / "wards.geojson")
    joined = gpd.sjoin(points, wards[wards["WD23NM"] == "Market"], predicate="intersects")
    return pd.DataFrame(joined.drop(columns="geometry"))


def test_market_profile_matches_direct_pandas_counts(
    cambridge: StudyArea, raw_market: pd.DataFrame
) -> None:
    profile = build_profile(cambridge, wards=("Market",), months=("2025-07", "2025-09"))
    window = raw_market[raw_market["Month"].between("2025-07", "2025-09")]
    assert profile.n_crimes == len(window)
    assert profile.by_crime_type == window["Crime type"].value_counts().to_dict()
    assert profile.n_asb == int((window["Crime type"] == "Anti-social behaviour").sum())
    by_month = raw_market.groupby("Month").size()
    assert profile.by_month == {m: int(by_month[m]) for m in ("2025-07", "2025-08", "2025-09")}
    # Same months last year: only September 2024 is loaded.
    assert profile.by_month_last_year == {
        "2025-07": None,
        "2025-08": None,
        "2025-09": int(by_month["2024-09"]),
    }
    previous = next(c for c in profile.changes if c.label == "previous period")
    assert previous.n_before == int(by_month[["2025-04", "2025-05", "2025-06"]].sum())
    assert previous.n_after == len(window)
    expected_p = stats.binomtest(previous.n_after, previous.n_after + previous.n_before).pvalue
    assert previous.p_value == pytest.approx(expected_p, rel=1e-9)
    assert [c.label for c in profile.changes] == ["previous period"]


def test_market_rate_uses_hand_computed_best_fit_population(
    cambridge: StudyArea, cambridge_dir: Path
) -> None:
    lsoas = gpd.read_file(cambridge_dir / "boundaries" / "lsoa_2021.geojson").to_crs(27700)
    pop = pd.read_csv(cambridge_dir / POPULATION_CSV)
    wards = gpd.read_file(cambridge_dir / "wards.geojson").to_crs(27700)
    reps = gpd.GeoDataFrame(lsoas[["LSOA21CD"]], geometry=lsoas.representative_point())
    in_market = gpd.sjoin(reps, wards[wards["WD23NM"] == "Market"], predicate="within")
    market_pop = pop.loc[pop["lsoa21_code"].isin(in_market["LSOA21CD"]), "total_usual_residents"]
    profile = build_profile(cambridge, wards=("Market",))
    assert profile.population == market_pop.sum()
    assert profile.rate_per_1000 == pytest.approx(1000 * 4206 / market_pop.sum())
    assert profile.rank == 1  # the city centre has the highest rate
    assert profile.rank_basis == "rate per 1,000 residents"
    assert "best fit" in (profile.population_method or "")


def test_population_methods_both_total_the_city(cambridge: StudyArea) -> None:
    assert cambridge.population is not None
    assert cambridge.lsoas is not None
    best = ward_population(cambridge.wards, cambridge.lsoas, cambridge.population)
    area = ward_population(
        cambridge.wards, cambridge.lsoas, cambridge.population, method="area-weighted"
    )
    assert sum(best.by_ward.values()) == 145_673
    # The LSOA union and the ward union differ by 0.10 km² of generalisation (SOURCES.md).
    assert sum(area.by_ward.values()) == pytest.approx(145_673, rel=2e-3)
    assert best.by_ward["Market"] != pytest.approx(area.by_ward["Market"], rel=1e-6)
    with pytest.raises(EmptyInputError, match="same LSOA vintage"):
        ward_population(
            cambridge.wards,
            cambridge.lsoas,
            pd.DataFrame({"lsoa_code": ["E01000001"], "population": [1]}),
        )


def test_neighbourhood_profile_ranks_among_neighbourhoods(cambridge: StudyArea) -> None:
    profile = build_profile(cambridge, neighbourhood="North")
    assert profile.wards == ("Arbury", "East Chesterton", "King's Hedges", "West Chesterton")
    assert profile.n_crimes == 916 + 1468 + 1413 + 1036
    assert profile.n_ranked == 4
    assert profile.rank is not None
    assert 1 <= profile.rank <= 4
    with pytest.raises(ParameterError, match="not both"):
        build_profile(cambridge, wards=("Market",), neighbourhood="North")


def test_a_period_with_no_loaded_month_is_refused_not_profiled_as_zeros(
    cambridge: StudyArea,
) -> None:
    with pytest.raises(EmptyInputError, match=r"2030-01 to 2030-02: the data cover 2024-09"):
        build_profile(cambridge, wards=("Market",), months=("2030-01", "2030-02"))
    part = build_profile(cambridge, wards=("Market",), months=("2025-08", "2025-11"))
    assert part.notes[0] == "No data loaded for 2025-10, 2025-11; those months count as 0."
    assert (
        part.n_crimes
        == build_profile(cambridge, wards=("Market",), months=("2025-08", "2025-09")).n_crimes
    )


def test_change_verdict_wording() -> None:
    assert change_verdict(100, 138, 0.003) == "up 38 %, unlikely to be chance, p = 0.003"
    assert change_verdict(50, 50, 1.0) == "unchanged (50 to 50), could be chance, p = 1"
    assert change_verdict(200, 100, 1e-9) == "down 50 %, unlikely to be chance, p < 0.001"
    assert change_verdict(0, 0, 1.0) == "no crimes in either period"


def test_demo_profiles_show_planted_persistence(demo_area: StudyArea) -> None:
    demo = demo_area
    castle = PLANTED_PATTERNS["nte_violence"].ward
    nte = build_profile(
        demo, wards=(castle,), crime_types=PLANTED_PATTERNS["nte_violence"].crime_types
    )
    assert nte.persistence.get("Persistent Hot Spot", 0) >= 1
    assert int(str(nte.hotspots["n_hot_cells"])) >= 1
    ward = PLANTED_PATTERNS["emerging_asb"].ward
    asb = build_profile(demo, wards=(ward,), crime_types=("Anti-social behaviour",))
    emerging = {"New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot"}
    assert emerging & set(asb.persistence)
    assert asb.changes == ()  # all 12 loaded months are profiled: no earlier period exists
    recent = build_profile(
        demo, wards=(ward,), crime_types=("Anti-social behaviour",), months=("2025-06", "2025-09")
    )
    previous = next(c for c in recent.changes if c.label == "previous period")
    assert previous.verdict.startswith("up")
    assert "unlikely to be chance" in previous.verdict


def _finding_points(
    rows: list[tuple[float, float, str | None, str]],
) -> gpd.GeoDataFrame:
    """Hand-made findings: (x_m, y_m, walked_on, issues)."""
    return gpd.GeoDataFrame(
        {
            "id": range(1, len(rows) + 1),
            "walked_on": pd.to_datetime(pd.Series([r[2] for r in rows], dtype="object")),
            "issues": pd.Series([r[3] for r in rows], dtype="str"),
        },
        geometry=gpd.points_from_xy([r[0] for r in rows], [r[1] for r in rows]),
        crs=27700,
    )


def test_summarise_findings_counts_inside_the_wards_in_the_period_only() -> None:
    wards = gpd.GeoDataFrame(
        {"ward_name": ["A", "B"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=27700,
    )
    findings = _finding_points(
        [
            (50, 50, "2025-08-09", "graffiti; fly_tipping"),
            (150, 50, "2025-07-01", "graffiti"),
            (100, 100, "2025-09-30", "fly_tipping; graffiti; litter"),  # on the boundary: inside
            (120, 20, "2025-09-15", ""),  # checked, nothing seen
            (250, 50, "2025-08-09", "graffiti"),  # outside the wards
            (50, 150, "2025-08-09", "litter"),  # outside the wards
            (60, 60, "2025-06-30", "graffiti"),  # before the period
            (60, 60, "2025-10-01", "graffiti"),  # after the period
            (70, 70, None, "damage"),  # inside, no walk date
        ]
    )
    summary = summarise_findings(findings, wards, months=("2025-07", "2025-09"))
    assert summary == FindingsSummary(
        n_findings=4,
        n_with_issues=3,
        by_issue={"graffiti": 3, "fly_tipping": 2, "litter": 1},
        n_undated=1,
    )
    assert list(summary.by_issue) == ["graffiti", "fly_tipping", "litter"]
    only_a = summarise_findings(findings, wards.iloc[[0]], months=("2025-07", "2025-09"))
    # (50, 50) and the corner (100, 100) shared with B.
    assert (only_a.n_findings, only_a.by_issue) == (
        2,
        {"graffiti": 2, "fly_tipping": 2, "litter": 1},
    )
    with pytest.raises(MissingColumnError, match="missing column 'issues'"):
        summarise_findings(findings.drop(columns="issues"), wards, months=("2025-07", "2025-09"))
    with pytest.raises(CRSError, match="findings must be in British National Grid"):
        summarise_findings(findings.to_crs(4326), wards, months=("2025-07", "2025-09"))


def test_profile_feeds_the_findings_of_its_wards_only(demo_area: StudyArea) -> None:
    demo = demo_area
    wards = demo.wards.set_index("ward_name").geometry
    castle, riverside = demo.ward_names[0], demo.ward_names[1]
    inside = wards[castle].representative_point()
    elsewhere = wards[riverside].representative_point()
    findings = _finding_points(
        [
            (inside.x, inside.y, "2025-08-02", "graffiti"),
            (inside.x + 1, inside.y, "2025-09-20", "graffiti; fly_tipping"),
            (elsewhere.x, elsewhere.y, "2025-08-02", "fly_tipping"),
        ]
    )
    months = ("2025-07", "2025-09")
    profile = build_profile(demo, wards=(castle,), months=months, findings=findings)
    assert profile.eva_findings == FindingsSummary(
        n_findings=2, n_with_issues=2, by_issue={"graffiti": 2, "fly_tipping": 1}, n_undated=0
    )
    assert profile.to_dict()["eva_findings"] == {
        "n_findings": 2,
        "n_with_issues": 2,
        "by_issue": {"graffiti": 2, "fly_tipping": 1},
        "n_undated": 0,
    }
    without = build_profile(demo, wards=(castle,), months=months)
    assert without.eva_findings is None
    assert without.to_dict()["eva_findings"] is None
    # Every other number is the same with or without findings.
    assert {k: v for k, v in profile.to_dict().items() if k != "eva_findings"} == {
        k: v for k, v in without.to_dict().items() if k != "eva_findings"
    }


def test_hot_cells_that_hold_little_crime_are_explained(cambridge: StudyArea) -> None:
    # King's Hedges, 2025-07..09: 100 of its 381 crimes at the supermarket, whose cell is not
    # significant after the correction (z 2.66, adjusted p 0.10) while 5 empty cells around it
    # are: "5 hot cells, 0 % of crime" with no word of why would read as a bug
    hedges = build_profile(cambridge, wards=("King's Hedges",), months=("2025-07", "2025-09"))
    assert (hedges.hotspots["n_hot_cells"], hedges.hotspots["share_of_crime_in_hot_cells"]) == (
        5,
        0.0,
    )
    assert (
        "The 5 hot cells hold 0% of the crime: Gi* tests each cell with the 8 cells around it, "
        "so a cell is hot when its surroundings are busy, not always when it is. The busiest "
        "cell (100 crimes) is not significant on its own: see the top locations."
    ) in hedges.notes
    market = build_profile(cambridge, wards=("Market",), months=("2025-07", "2025-09"))
    share = market.hotspots["share_of_crime_in_hot_cells"]
    assert isinstance(share, float)
    assert share > market.hotspots["n_hot_cells"] / market.hotspots["n_cells"]  # type: ignore[operator]
    assert not any("hot cell" in n for n in market.notes)
