from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Point, box

from boundaries.dataset import load_demo
from layers.audience import (
    DEFAULT_MIN_COUNT,
    PARTNER_SNAP_M,
    PRESETS,
    PUBLIC_MIN_COUNT,
    SUPPRESSED_COLUMN,
    aggregate_crimes,
    count_columns,
    get_preset,
    min_count_floor,
    prepare_layer,
    select_fields,
    suppress_counts,
)
from layers.export import Layer, export_layers
from layers.metadata import ExportMetadata
from spatial.crs import BNG, WGS84
from spatial.errors import CRSError, MissingColumnError, ParameterError
from spatial.grid import cells_covering

if TYPE_CHECKING:
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry

    from layers.audience import Audience, LayerKind

POLICE_ONLY = ("crime_id", "last_outcome", "gi_z", "gi_p", "share_of_crimes", "top_crime_types")


def _crimes(n_per_location: dict[tuple[str, str], int]) -> gpd.GeoDataFrame:
    rows = []
    for i, ((ward, location), n) in enumerate(n_per_location.items()):
        rows += [
            {
                "crime_id": f"id-{i}-{k}",
                "month": pd.Period("2025-01", freq="M"),
                "location": location,
                "ward": ward,
                "crime_type": "Burglary",
                "last_outcome": "Under investigation",
                "geometry": Point(545_000 + 10 * i, 258_000),
            }
            for k in range(n)
        ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)


def test_presets_only_differ_in_allow_lists_and_thresholds() -> None:
    assert PRESETS["police"].min_count is None
    assert PRESETS["partner"].min_count == DEFAULT_MIN_COUNT == 5
    assert PRESETS["public"].min_count == PUBLIC_MIN_COUNT == 10
    for audience in ("partner", "public"):
        fields = {f for kind in PRESETS[audience].fields.values() for f in kind}
        assert not fields & {"crime_id", "last_outcome"}
    assert "routes" not in PRESETS["public"].allowed_layers
    assert "routes" in PRESETS["partner"].allowed_layers


def test_get_preset_overrides_and_refuses_thresholds() -> None:
    assert get_preset("partner", min_count=3).min_count == 3
    assert get_preset("public", min_count=20).min_count == 20
    with pytest.raises(ParameterError, match="min_count must be a whole number >= 1"):
        get_preset("partner", min_count=0)
    said = r"A threshold of 5 is below 10, the lowest for public files: choose 10 or more\."
    with pytest.raises(ParameterError, match=said):
        get_preset("public", min_count=5)  # the partner default is not enough for the public
    assert get_preset("public", min_count=PUBLIC_MIN_COUNT).min_count == PUBLIC_MIN_COUNT
    with pytest.raises(ParameterError, match="Unknown audience 'press'"):
        get_preset("press")  # type: ignore[arg-type]  # the error path under test


def test_get_preset_refuses_a_threshold_for_the_police_rather_than_ignore_it() -> None:
    said = r"A threshold of 3 does not apply to police files: they blank no count\."
    with pytest.raises(ParameterError, match=said):
        get_preset("police", min_count=3)
    assert get_preset("police").min_count is None  # no threshold asked: none applied


def test_suppress_counts_blanks_small_and_zero_counts_only() -> None:
    cells = gpd.GeoDataFrame(
        {"n_crimes": [0, 1, 4, 5, 12], "n_months": [6, 6, 2, 1, 9], "label": list("abcde")},
        geometry=[Point(i, 0) for i in range(5)],
    )
    out = suppress_counts(cells, min_count=5)
    assert out["n_crimes"].tolist() == [pd.NA, pd.NA, pd.NA, 5, 12]
    assert out["n_months"].tolist() == [6, 6, pd.NA, pd.NA, 9]
    assert out[SUPPRESSED_COLUMN].tolist() == [True, True, True, True, False]
    assert cells["n_crimes"].tolist() == [0, 1, 4, 5, 12]  # input untouched


def test_select_fields_keeps_only_the_allow_list() -> None:
    frame = gpd.GeoDataFrame(
        {"crime_id": ["x"], "location": ["On or near A"], "n_crimes": [7]},
        geometry=[Point(1, 2)],
        crs=BNG,
    )
    out = select_fields(frame, ["n_crimes", "location", "absent"])
    assert list(out.columns) == ["n_crimes", "location", "geometry"]
    with pytest.raises(ParameterError, match="distinct attribute fields"):
        select_fields(frame, ["n_crimes", "geometry"])


def test_aggregate_crimes_to_streets_counts_each_location_in_its_ward() -> None:
    crimes = _crimes(
        {("Abbey", "On or near A"): 3, ("Abbey", "On or near B"): 7, ("Castle", "On or near A"): 1}
    )
    streets = aggregate_crimes(crimes, detail="streets")
    assert streets[["ward", "location", "n_crimes"]].to_dict("records") == [
        {"ward": "Abbey", "location": "On or near B", "n_crimes": 7},
        {"ward": "Abbey", "location": "On or near A", "n_crimes": 3},
        {"ward": "Castle", "location": "On or near A", "n_crimes": 1},
    ]
    assert streets.crs == BNG
    assert streets["n_crimes"].sum() == len(crimes)


def test_crime_points_come_in_one_order_whatever_the_readers() -> None:
    points = load_demo().points
    shuffled = points.sample(frac=1.0, random_state=3)
    first = aggregate_crimes(points, detail="points")
    assert len(first) == len(points)
    again = aggregate_crimes(shuffled, detail="points")
    assert (
        first.drop(columns="geometry")
        .reset_index(drop=True)
        .equals(again.drop(columns="geometry").reset_index(drop=True))
    )
    assert (first.geometry.x.to_numpy() == again.geometry.x.to_numpy()).all()
    assert (first.geometry.y.to_numpy() == again.geometry.y.to_numpy()).all()
    months = first["month"].astype(str).tolist()
    assert months == sorted(months)


def test_places_sharing_a_street_name_stay_apart() -> None:
    crimes = gpd.GeoDataFrame(
        {"ward": ["Market"] * 5, "location": ["On or near Supermarket"] * 5},
        geometry=[Point(545_000, 258_000)] * 3 + [Point(546_300, 258_000)] * 2,
        crs=BNG,
    )
    streets = aggregate_crimes(crimes, detail="streets")
    assert streets["n_crimes"].tolist() == [3, 2]
    assert list(zip(streets.geometry.x, streets.geometry.y, strict=True)) == [
        (545_000.0, 258_000.0),
        (546_300.0, 258_000.0),
    ]  # not one row of 5 at their mean, 650 m from either, where no crime was recorded


def test_aggregate_crimes_to_wards_includes_empty_wards() -> None:
    crimes = _crimes({("Abbey", "On or near A"): 12})
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Abbey", "Castle"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=BNG,
    )
    out = aggregate_crimes(crimes, detail="wards", wards=wards)
    assert out[["ward", "n_crimes"]].to_dict("records") == [
        {"ward": "Abbey", "n_crimes": 12},
        {"ward": "Castle", "n_crimes": 0},
    ]
    with pytest.raises(ParameterError, match="needs the ward polygons"):
        aggregate_crimes(crimes, detail="wards")
    with pytest.raises(MissingColumnError, match="ward"):
        aggregate_crimes(crimes.drop(columns="ward"), detail="streets")
    with pytest.raises(CRSError, match="EPSG:4326"):
        aggregate_crimes(crimes.to_crs(WGS84), detail="streets")


def test_partner_crimes_layer_has_no_ids_no_outcomes_and_no_small_counts() -> None:
    crimes = _crimes({("Abbey", "On or near A"): 3, ("Abbey", "On or near B"): 7})
    out = prepare_layer(crimes, "crimes", get_preset("partner"))
    assert list(out.columns) == ["ward", "location", "n_crimes", SUPPRESSED_COLUMN, "geometry"]
    assert out["n_crimes"].tolist() == [7, pd.NA]
    police = prepare_layer(crimes, "crimes", get_preset("police"))
    assert len(police) == 10
    assert {"crime_id", "last_outcome"} <= set(police.columns)


def test_public_may_not_receive_routes_or_fine_hotspot_cells() -> None:
    line = gpd.GeoDataFrame({"name": ["r"]}, geometry=[box(0, 0, 1, 1).exterior], crs=BNG)
    with pytest.raises(ParameterError, match="public preset does not allow the routes layer"):
        prepare_layer(line, "routes", get_preset("public"))
    cells = gpd.GeoDataFrame(
        {"cell_id": [0], "hotspot": ["Hot 99%"], "gi_bin": [3]},
        geometry=[box(0, 0, 100, 100)],
        crs=BNG,
    )
    with pytest.raises(ParameterError, match="cells of at least 250 m"):
        prepare_layer(cells, "hotspots", get_preset("public"))
    coarse = cells.set_geometry([box(0, 0, 250, 250)])
    assert list(prepare_layer(coarse, "hotspots", get_preset("public")).columns) == [
        "cell_id",
        "hotspot",
        SUPPRESSED_COLUMN,
        "geometry",
    ]


def test_public_sites_are_public_facing_only() -> None:
    sites = gpd.GeoDataFrame(
        {
            "name": ["Station", "Depot"],
            "kind": ["police", "council"],
            "public_facing": [True, False],
            "opening_notes": ["9-5", "staff only"],
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs=BNG,
    )
    out = prepare_layer(sites, "sites", get_preset("public"))
    assert out["name"].tolist() == ["Station"]
    assert list(out.columns) == ["name", "kind", SUPPRESSED_COLUMN, "geometry"]


# --- the suppression property: over random layers, nothing outside the list and no small count ---

_KINDS: tuple[LayerKind, ...] = ("crimes", "hotspots", "clusters", "sites", "wards")
_RUN = itertools.count()
_EXTRA = ("secret_note", "crime_id", "last_outcome", "gi_z", "n_victims", "x_m")


@st.composite
def _layers(draw: st.DrawFn) -> tuple[LayerKind, gpd.GeoDataFrame]:
    kind = draw(st.sampled_from(_KINDS))
    n = draw(st.integers(min_value=1, max_value=25))
    counts = st.integers(min_value=0, max_value=40)
    columns: dict[str, list[object]] = {
        "ward": draw(st.lists(st.sampled_from(["Abbey", "Castle"]), min_size=n, max_size=n)),
        "location": draw(
            st.lists(
                st.sampled_from(["On or near A", "On or near B", "<b>C</b>"]),
                min_size=n,
                max_size=n,
            )
        ),
        "ward_name": ["Abbey"] * n,
        "n_crimes": draw(st.lists(counts, min_size=n, max_size=n)),
        "n_snap_points": draw(st.lists(counts, min_size=n, max_size=n)),
        "n_months": draw(st.lists(counts, min_size=n, max_size=n)),
        "cell_id": list(range(n)),
        "hotspot": ["Hot 99%"] * n,
        "gi_bin": [3] * n,
        "name": ["site"] * n,
        "kind": ["police"] * n,
        "public_facing": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
    }
    for extra in draw(st.lists(st.sampled_from(_EXTRA), unique=True)):
        columns[extra] = draw(st.lists(counts, min_size=n, max_size=n))
    size = 500.0  # cells on the partner (100 m) and public (250 m) grids: clusters are cells
    geometry: list[BaseGeometry] = [box(i * size, 0, (i + 1) * size, size) for i in range(n)]
    if kind == "crimes":
        geometry = [Point(i * 10.0, 0) for i in range(n)]
    return kind, gpd.GeoDataFrame(columns, geometry=geometry, crs=BNG)


def _check_safe(out: pd.DataFrame, allowed: tuple[str, ...], min_count: int) -> None:
    extra = set(out.columns) - set(allowed) - {"geometry", SUPPRESSED_COLUMN}
    assert not extra, f"fields outside the allow-list left: {extra}"
    for column in count_columns(out):
        values = pd.to_numeric(out[column], errors="coerce").dropna()
        assert (values >= min_count).all(), f"{column} holds a count below {min_count}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer=_layers(),
    audience=st.sampled_from(["partner", "public"]),
    min_count=st.integers(min_value=5, max_value=15),
)
def test_no_field_outside_the_list_and_no_small_count_leaves(
    layer: tuple[LayerKind, gpd.GeoDataFrame], audience: Audience, min_count: int
) -> None:
    kind, frame = layer
    min_count = max(min_count, min_count_floor(audience))  # the public may not go below 10
    preset = get_preset(audience, min_count=min_count)
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Abbey", "Castle"]}, geometry=[box(0, 0, 1, 1)] * 2, crs=BNG
    )
    out = prepare_layer(frame, kind, preset, wards=wards)
    _check_safe(out, preset.fields[kind], min_count)
    if kind == "crimes" and audience == "partner":
        # aggregation keeps every crime: the visible plus the blanked rows add up
        assert len(frame) == aggregate_crimes(frame, detail="streets")["n_crimes"].sum()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(layer=_layers(), audience=st.sampled_from(["partner", "public"]))
def test_written_csv_and_geojson_carry_nothing_outside_the_list(
    layer: tuple[LayerKind, gpd.GeoDataFrame], audience: Audience, tmp_path: Path
) -> None:
    kind, frame = layer
    preset = get_preset(audience)
    wards = gpd.GeoDataFrame({"ward_name": ["Abbey"]}, geometry=[box(0, 0, 1, 1)], crs=BNG)
    meta = ExportMetadata(title="t", area="a", audience=audience, min_count=None, period=None)
    folder = tmp_path / f"{kind}-{audience}-{next(_RUN)}"
    export_layers(
        [Layer(kind, kind, frame)],
        folder,
        metadata=meta,
        audience=audience,
        wards=wards,
        formats=["csv", "geojson"],
    )
    table = pd.read_csv(folder / f"{kind}.csv")
    _check_safe(table.drop(columns="wkt"), preset.fields[kind], preset.min_count or 0)
    collection = json.loads((folder / f"{kind}.geojson").read_text(encoding="utf-8"))
    properties = pd.DataFrame([f["properties"] for f in collection["features"]])
    _check_safe(properties, preset.fields[kind], preset.min_count or 0)


# --- outlines and stops no finer than the audience's cells -----------------------------------


def _stops(points: list[Point], names: list[str]) -> gpd.GeoDataFrame:
    line = gpd.GeoDataFrame(
        {"route_id": [1], "name": ["EVA route"], "kind": ["route"]},
        geometry=[LineString([(454_000, 269_000), (454_600, 269_400)])],
        crs=BNG,
    )
    stops = gpd.GeoDataFrame(
        {
            "route_id": [1] * len(points),
            "name": names,
            "order": range(1, len(points) + 1),
            "kind": ["stop"] * len(points),
        },
        geometry=points,
        crs=BNG,
    )
    return gpd.GeoDataFrame(pd.concat([line, stops], ignore_index=True), crs=BNG)


def test_partner_route_stops_must_sit_at_cell_centres_without_counts() -> None:
    partner = get_preset("partner")
    fine = _stops([Point(454_587.5, 269_412.5)], ["Stop 1: Hotspot 1 (6 crimes)"])
    with pytest.raises(ParameterError, match="Route stops are too fine for the partner preset"):
        prepare_layer(fine, "routes", partner)
    counted = _stops([Point(454_550, 269_450)], ["Stop 1: Hotspot 3 (1 crime)"])
    with pytest.raises(ParameterError, match="without its count"):
        prepare_layer(counted, "routes", partner)
    named = "Stop 1: 100 m cell E454550 N269450"
    coarse = prepare_layer(_stops([Point(454_550, 269_450)], [named]), "routes", partner)
    assert coarse["name"].tolist() == ["EVA route", named]
    police = prepare_layer(fine, "routes", get_preset("police"))  # the police get the walk
    assert police["name"].tolist() == ["EVA route", "Stop 1: Hotspot 1 (6 crimes)"]
    assert PARTNER_SNAP_M == partner.min_cell_m == 100.0


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_snap_point_cluster_hulls_are_refused_for_police_uk_data_too(audience: Audience) -> None:
    preset = get_preset(audience)
    disc = gpd.GeoDataFrame(  # one snap point's 25 m disc, with its 42 crimes
        {"cluster_id": [1], "n_crimes": [42], "first_month": ["2025-04"]},
        geometry=[Point(545_350.0, 258_350.0).buffer(25.0)],
        crs=BNG,
    )
    with pytest.raises(ParameterError, match=f"too fine for the {audience} preset"):
        prepare_layer(disc, "clusters", preset, provenance="police.uk")
    cells = disc.set_geometry(cells_covering(disc.geometry, cell_size_m=preset.min_cell_m))
    out = prepare_layer(cells, "clusters", preset, provenance="police.uk")
    assert out.geometry.iloc[0].area == preset.min_cell_m**2  # the one cell holding the disc
    assert out["n_crimes"].tolist() == [42]
    police = prepare_layer(disc, "clusters", get_preset("police"), provenance="police.uk")
    assert police.geometry.iloc[0].equals(disc.geometry.iloc[0])
