from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from scipy import stats

from boundaries.dataset import StudyArea, load_demo, load_study_area
from boundaries.population import ward_population
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import EmptyInputError, ParameterError
from tasking.profile import build_profile, change_verdict

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


def test_change_verdict_wording() -> None:
    assert change_verdict(100, 138, 0.003) == "up 38 %, unlikely to be chance, p = 0.003"
    assert change_verdict(50, 50, 1.0) == "unchanged (50 to 50), could be chance, p = 1"
    assert change_verdict(200, 100, 1e-9) == "down 50 %, unlikely to be chance, p < 0.001"
    assert change_verdict(0, 0, 1.0) == "no crimes in either period"


def test_demo_profiles_show_planted_persistence() -> None:
    demo = load_demo()
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
