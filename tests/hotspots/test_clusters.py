from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.cluster import DBSCAN

from boundaries.dataset import StudyArea, load_study_area
from hotspots.clusters import (
    CLUSTER_COLUMNS,
    dbscan_clusters,
    expected_nn_distance_m,
    hdbscan_clusters,
)
from spatial.crs import BNG
from spatial.demo import PLANTED_PATTERNS
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    from pathlib import Path


def _crimes(
    xy: np.ndarray,
    *,
    crime_type: str | list[str] = "Burglary",
    month: str | list[str] = "2025-01",
    index: pd.Index | None = None,
) -> gpd.GeoDataFrame:
    n = len(xy)
    types = [crime_type] * n if isinstance(crime_type, str) else crime_type
    months = [month] * n if isinstance(month, str) else month
    return gpd.GeoDataFrame(
        {
            "crime_type": types,
            "month": pd.PeriodIndex(months, freq="M"),
            "location": [f"On or near Street {int(x) // 100}" for x in xy[:, 0]],
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=BNG,
        index=index,
    )


def _planted(points: gpd.GeoDataFrame, name: str) -> np.ndarray:
    pattern = PLANTED_PATTERNS[name]
    d = np.hypot(points.geometry.x - pattern.centre_x_m, points.geometry.y - pattern.centre_y_m)
    months = points["month"].astype(str).isin(pattern.months)
    return np.asarray((d <= pattern.radius_m + 10) & months, dtype=bool)


def test_expected_nn_distance_is_half_root_area_per_point() -> None:
    assert expected_nn_distance_m(100, 1_000_000.0) == 50.0
    assert expected_nn_distance_m(4, 400.0) == pytest.approx(5.0)


@pytest.mark.parametrize(("n", "area", "match"), [(0, 1.0, "at least 1"), (5, 0.0, "positive")])
def test_expected_nn_distance_rejects_bad_input(n: int, area: float, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        expected_nn_distance_m(n, area)


def test_weighted_dbscan_equals_dbscan_on_duplicated_points() -> None:
    rng = np.random.default_rng(3)
    snaps = rng.uniform(0, 2000, (150, 2)).round()
    counts = rng.integers(1, 12, len(snaps))
    xy = np.repeat(snaps, counts, axis=0)
    points = _crimes(xy)
    result = dbscan_clusters(points, eps_m=120.0, min_crimes=25)
    reference = DBSCAN(eps=120.0, min_samples=25).fit_predict(xy)
    ours = result.labels.to_numpy()
    # the same partition (ids may differ): a bijection between the two labelings
    assert ((ours == -1) == (reference == -1)).all()
    pairs = set(zip(ours[ours >= 0].tolist(), reference[reference >= 0].tolist(), strict=True))
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})
    assert len(result.clusters) == len(set(reference[reference >= 0].tolist())) > 0


def test_auto_eps_is_csr_distance_raised_to_snap_spacing() -> None:
    # a 10 x 10 lattice at 50 m: hull area 450 m x 450 m, CSR distance 0.5*sqrt(202500/100)
    grid = np.array([(x, y) for x in range(0, 500, 50) for y in range(0, 500, 50)], dtype=float)
    points = _crimes(grid)
    lattice = dbscan_clusters(points, min_crimes=3)
    assert lattice.auto_eps
    assert lattice.eps_m == pytest.approx(50.0)  # spacing beats CSR's 22.5 m
    assert "22 m" in lattice.notes[0]
    wide = dbscan_clusters(points, min_crimes=3, area_m2=1e8)
    assert wide.eps_m == pytest.approx(500.0)  # 0.5 * sqrt(1e8 / 100)
    fixed = dbscan_clusters(points, eps_m=40.0, min_crimes=3)
    assert not fixed.auto_eps
    assert fixed.eps_m == 40.0
    assert len(fixed.clusters) == 0  # 40 m reaches no neighbour: every location is noise


def test_cluster_table_counts_types_months_and_polygon() -> None:
    xy = np.array([[0.0, 0.0]] * 6 + [[40.0, 0.0]] * 4 + [[5000.0, 5000.0]])
    types = ["Burglary"] * 5 + ["Vehicle crime"] * 5 + ["Burglary"]
    months = ["2025-01", "2025-03"] * 5 + ["2025-02"]
    index = pd.Index([f"c{i}" for i in range(len(xy))])
    points = _crimes(xy, crime_type=types, month=months, index=index)
    result = dbscan_clusters(points, eps_m=50.0, min_crimes=5, hull_buffer_m=10.0)
    clusters = result.clusters
    assert tuple(clusters.columns) == CLUSTER_COLUMNS
    assert clusters.crs == BNG
    row = clusters.iloc[0]
    assert (row["n_crimes"], row["n_snap_points"], row["n_months"]) == (10, 2, 2)
    assert row["top_crime_types"] == "Burglary: 5; Vehicle crime: 5"
    assert (row["first_month"], row["last_month"]) == ("2025-01", "2025-03")
    assert row["share_of_crimes"] == pytest.approx(10 / 11)
    # hull of a 40 m segment grown by 10 m: a stadium of 40 x 20 plus a circle of radius 10
    assert row["area_m2"] == pytest.approx(40 * 20 + np.pi * 100, rel=0.01)
    assert row["geometry"].contains(shapely.Point(40, 0))
    assert result.labels.index.equals(index)
    assert result.labels.tolist() == [0] * 10 + [-1]
    assert (result.n_crimes, result.n_clustered) == (11, 10)
    assert points.columns.tolist() == ["crime_type", "month", "location", "geometry"]  # unchanged


def test_clusters_are_numbered_by_size() -> None:
    xy = np.array([[0.0, 0.0]] * 5 + [[3000.0, 0.0]] * 9)
    result = dbscan_clusters(_crimes(xy), eps_m=10.0, min_crimes=5)
    assert result.clusters["n_crimes"].tolist() == [9, 5]
    assert result.labels.tolist() == [1] * 5 + [0] * 9


def test_a_cluster_left_below_min_crimes_by_a_shared_border_is_not_a_cluster() -> None:
    # cores at 0 and 190 m reach the border location at 95 m; DBSCAN gives it to the first
    # cluster, so the second holds 8 + 11 = 19 crimes, fewer than the 20 a cluster needs
    places = [(-95.0, 11), (0.0, 8), (95.0, 1), (190.0, 8), (285.0, 11)]
    xy = np.array([[x, 0.0] for x, n in places for _ in range(n)])
    raw = DBSCAN(eps=100.0, min_samples=20).fit_predict(xy)
    assert sorted(np.bincount(raw[raw >= 0]).tolist()) == [19, 20]  # what DBSCAN itself gives
    result = dbscan_clusters(_crimes(xy), eps_m=100.0, min_crimes=20)
    assert result.clusters["n_crimes"].tolist() == [20]
    assert int((result.labels >= 0).sum()) == 20
    assert any("1 groups of fewer than 20 crimes" in n for n in result.notes)


def test_no_cluster_gives_empty_frame_with_columns() -> None:
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0]])
    result = dbscan_clusters(_crimes(xy), eps_m=10.0, min_crimes=2)
    assert len(result.clusters) == 0
    assert tuple(result.clusters.columns) == CLUSTER_COLUMNS
    assert result.clusters.crs == BNG
    assert (result.labels == -1).all()


def test_errors_name_the_problem() -> None:
    xy = np.array([[0.0, 0.0], [10.0, 0.0]])
    points = _crimes(xy)
    with pytest.raises(CRSError, match="EPSG:4326"):
        dbscan_clusters(points.set_crs(4326, allow_override=True), eps_m=10.0)
    with pytest.raises(MissingColumnError, match="location"):
        dbscan_clusters(points.drop(columns="location"), eps_m=10.0)
    with pytest.raises(EmptyInputError, match="no crimes"):
        hdbscan_clusters(points.iloc[:0])
    with pytest.raises(ParameterError, match="min_crimes"):
        dbscan_clusters(points, eps_m=10.0, min_crimes=0)
    with pytest.raises(ParameterError, match="eps_m"):
        dbscan_clusters(points, eps_m=-5.0)
    with pytest.raises(ParameterError, match="one point or one line"):
        dbscan_clusters(points)  # two locations on a line: no area for the automatic distance
    with pytest.raises(ParameterError, match="max_rows"):
        hdbscan_clusters(points, max_rows=10)


def test_hdbscan_merges_stacked_snap_points_within_epsilon() -> None:
    # two stacks of 100 crimes 30 m apart, far from a third: each stack has infinite density
    rng = np.random.default_rng(0)
    xy = np.vstack(
        [
            np.repeat([[0.0, 0.0]], 100, axis=0),
            np.repeat([[30.0, 0.0]], 100, axis=0),
            np.repeat([[2000.0, 0.0]], 60, axis=0),
            rng.uniform(-3000, 3000, (40, 2)),
        ]
    )
    points = _crimes(xy)
    split = hdbscan_clusters(points, min_cluster_crimes=20, selection_epsilon_m=0.0)
    merged = hdbscan_clusters(points, min_cluster_crimes=20, selection_epsilon_m=50.0)
    labels_split = split.labels.to_numpy()
    labels_merged = merged.labels.to_numpy()
    assert labels_split[0] != labels_split[100]
    assert labels_merged[0] == labels_merged[100] == 0
    assert merged.clusters.iloc[0]["n_crimes"] == 200
    assert merged.clusters.iloc[0]["n_snap_points"] == 2
    # every crime on one snap point gets the same label
    assert len(set(labels_merged[:100].tolist())) == 1
    assert "at most 50 times" in " ".join(merged.notes)


def test_hdbscan_handles_fewer_crimes_than_min_samples() -> None:
    points = _crimes(np.array([[0.0, 0.0], [5.0, 5.0], [9.0, 1.0], [3.0, 8.0]]))
    result = hdbscan_clusters(points, min_cluster_crimes=2, selection_epsilon_m=0.0)
    assert len(result.labels) == 4
    assert result.n_clustered == int((result.labels >= 0).sum())
    assert result.clusters["n_crimes"].sum() == result.n_clustered


def test_hdbscan_subsamples_above_max_rows_and_says_so() -> None:
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [3000.0, 0.0], [0.0, 3000.0]])
    xy = np.vstack([rng.normal(c, 40.0, (400, 2)) for c in centres])
    result = hdbscan_clusters(_crimes(xy), min_cluster_crimes=30, max_rows=300, seed=1)
    assert any("random" in note and "seed 1" in note for note in result.notes)
    assert len(result.clusters) == 3
    labels = result.labels.to_numpy()
    for k in range(3):  # each blob is (almost all) one cluster, unsampled crimes attached
        blob = labels[400 * k : 400 * (k + 1)]
        values, counts = np.unique(blob[blob >= 0], return_counts=True)
        assert counts.max() >= 0.9 * 400
        assert values.size == 1


@pytest.mark.parametrize(
    ("pattern", "types"),
    [
        ("nte_violence", ("Violence and sexual offences", "Public order")),
        ("burglary_series", ("Burglary",)),
    ],
)
@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_planted_demo_clusters_are_found(
    demo_area: StudyArea, pattern: str, types: tuple[str, ...], method: str
) -> None:
    points = demo_area.points[demo_area.points["crime_type"].isin(types)]
    area_m2 = float(demo_area.wards.area.sum())
    if method == "dbscan":
        result = dbscan_clusters(points, area_m2=area_m2)
    else:
        result = hdbscan_clusters(points, area_m2=area_m2)
    planted = _planted(points, pattern)
    labels = result.labels.to_numpy()
    values, counts = np.unique(labels[planted], return_counts=True)
    best = int(values[np.argmax(counts)])
    assert best >= 0
    assert counts.max() >= 0.9 * planted.sum()  # the cluster holds 90 % of the planted crimes
    cluster = result.clusters.set_index("cluster_id").loc[best]
    centre = PLANTED_PATTERNS[pattern]
    assert cluster["geometry"].contains(shapely.Point(centre.centre_x_m, centre.centre_y_m))
    assert cluster["area_m2"] < 400_000  # a local cluster, not the whole town
    assert cluster["n_crimes"] <= 2.5 * planted.sum()


@pytest.mark.shared
def test_cambridge_largest_cluster_is_the_shopping_centre(cambridge_dir: Path) -> None:
    area = load_study_area([cambridge_dir / "crimes"], cambridge_dir / "wards.geojson")
    area_m2 = float(area.wards.area.sum())
    dbscan = dbscan_clusters(area.points, area_m2=area_m2)
    hdbscan = hdbscan_clusters(area.points, area_m2=area_m2)
    for result in (dbscan, hdbscan):
        top = result.clusters.iloc[0]
        assert top["top_location"] == "On or near Downing Street"  # Lion Yard / Grand Arcade
        assert top["top_crime_types"].startswith("Shoplifting")
        assert top["n_months"] == 13
        assert result.clusters["n_crimes"].is_monotonic_decreasing
        assert result.labels.index.equals(area.points.index)
    assert any("HDBSCAN ran on a random" in note for note in hdbscan.notes)  # 17,785 crimes


def test_a_cluster_named_after_a_police_building_carries_the_check_to_partners() -> None:
    from boundaries.dataset import load_demo  # noqa: PLC0415 - the demo plants the artefact
    from hotspots.concentration import POLICE_BUILDING_NOTE  # noqa: PLC0415
    from layers.audience import get_preset, prepare_layer  # noqa: PLC0415
    from spatial.grid import cells_covering  # noqa: PLC0415

    clusters = dbscan_clusters(load_demo().points, eps_m=60.0, min_crimes=30).clusters
    named = clusters["top_location"].str.contains("Police Station")
    assert named.any()  # "On or near Police Station", planted as a recording artefact
    assert (clusters.loc[named, "location_check"] == POLICE_BUILDING_NOTE).all()
    assert (clusters.loc[~named, "location_check"] == "").all()
    preset = get_preset("partner")  # outlines as the 100 m cells covering them, as exports draw
    cells = clusters.set_geometry(cells_covering(clusters.geometry, cell_size_m=preset.min_cell_m))
    partner = prepare_layer(cells, "clusters", preset, provenance="police.uk")
    shown = partner.loc[partner["top_location"].str.contains("Police Station", na=False)]
    assert len(shown)
    assert (shown["location_check"] == POLICE_BUILDING_NOTE).all()
