from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from spatial.crime_types import ASB
from spatial.crs import BNG
from spatial.demo import (
    CRIME_CSV_COLUMNS,
    DEMO_FORCE,
    DEMO_MONTHS,
    DEMO_SEED,
    N_WITHOUT_LOCATION_PER_MONTH,
    PLANTED_PATTERNS,
    POPULATION_COLUMNS,
    DemoArea,
    DemoFiles,
    build_demo,
    write_demo,
)

if TYPE_CHECKING:
    from pathlib import Path

OTHER_SEED = 11


@pytest.fixture(scope="module")
def area() -> DemoArea:
    return build_demo()


@pytest.fixture(scope="module")
def crimes(area: DemoArea) -> pd.DataFrame:
    frames = [
        pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for text in area.crimes_csv.values()
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def located(crimes: pd.DataFrame, area: DemoArea) -> gpd.GeoDataFrame:
    """Located crimes in BNG with the ward they fall in."""
    rows = crimes[crimes["Longitude"] != ""]
    points = gpd.GeoDataFrame(
        rows,
        geometry=gpd.points_from_xy(
            rows["Longitude"].astype(float), rows["Latitude"].astype(float)
        ),
        crs="EPSG:4326",
    ).to_crs(BNG)
    joined = points.sjoin(area.wards, predicate="within", how="left")
    return joined.drop(columns="index_right")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("demo"), seed=DEMO_SEED)


@pytest.fixture(scope="module")
def other_written(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("other"), seed=OTHER_SEED)


def _digest(files: DemoFiles) -> dict[str, str]:
    return {
        str(path.relative_to(files.directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files.all_files
    }


def _in_radius(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    pattern = PLANTED_PATTERNS[name]
    d = np.hypot(frame.geometry.x - pattern.centre_x_m, frame.geometry.y - pattern.centre_y_m)
    return pd.Series(d <= pattern.radius_m, index=frame.index)


# ---------------------------------------------------------------- files and determinism


def test_write_demo_is_byte_identical_for_the_same_seed(written: DemoFiles, tmp_path: Path) -> None:
    # Another interpreter with another string-hash seed must write the same bytes.
    script = "import sys; from pathlib import Path; from spatial.demo import write_demo; "
    script += "write_demo(Path(sys.argv[1]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", script, str(tmp_path / "again")], check=True, env=env
    )
    again = {
        str(path.relative_to(tmp_path / "again")): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((tmp_path / "again").rglob("*"))
        if path.is_file()
    }
    assert again == _digest(written)
    assert len(again) == 12 + 6


def test_write_demo_writes_what_build_demo_builds(written: DemoFiles, area: DemoArea) -> None:
    # ``area`` uses the default seed, ``written`` passes DEMO_SEED explicitly.
    texts = [path.read_text(encoding="utf-8") for path in written.crime_files]
    assert texts == list(area.crimes_csv.values())


def test_write_demo_differs_for_another_seed(written: DemoFiles, other_written: DemoFiles) -> None:
    other = _digest(other_written)
    mine = _digest(written)
    assert other.keys() == mine.keys()
    assert all(other[name] != mine[name] for name in mine if name != "neighbourhoods.csv")


def test_write_demo_uses_the_police_uk_archive_layout(written: DemoFiles) -> None:
    relative = [str(p.relative_to(written.directory)) for p in written.crime_files]
    assert relative == [f"crimes/{m}/{m}-demo-street.csv" for m in DEMO_MONTHS]
    names = sorted(p.name for p in written.directory.iterdir())
    assert names == [
        "crimes",
        "lsoa_2021.geojson",
        "neighbourhoods.csv",
        "network.graphml",
        "population.csv",
        "sites.csv",
        "wards.geojson",
    ]


def test_written_geojson_round_trips_to_the_wards(written: DemoFiles, area: DemoArea) -> None:
    wards = gpd.read_file(written.wards).to_crs(BNG)
    assert list(wards.columns) == ["WD24CD", "WD24NM", "LAD24CD", "LAD24NM", "geometry"]
    assert wards["WD24NM"].tolist() == area.wards["ward_name"].tolist()
    # Same polygons within the 7-decimal (about 1 cm) rounding.
    for mine, theirs in zip(area.wards.geometry, wards.geometry, strict=True):
        assert shapely.hausdorff_distance(mine, theirs) < 0.05
    lsoas = gpd.read_file(written.lsoas)
    assert lsoas["LSOA21CD"].tolist() == area.lsoas["lsoa_code"].tolist()
    assert lsoas.is_valid.all()


def test_written_csvs_have_the_documented_columns(written: DemoFiles) -> None:
    sites = pd.read_csv(written.sites)
    assert list(sites.columns) == [
        "name",
        "kind",
        "public_facing",
        "opening_notes",
        "address",
        "lon",
        "lat",
    ]
    assert sites["lon"].between(-2.0, 0.0).all()
    assert sites["lat"].between(52.0, 53.0).all()
    assert list(pd.read_csv(written.neighbourhoods).columns) == ["ward", "neighbourhood"]
    assert tuple(pd.read_csv(written.population).columns) == POPULATION_COLUMNS


def test_network_graphml_round_trips(written: DemoFiles, area: DemoArea) -> None:
    loaded = ox.load_graphml(written.network)
    assert loaded.graph["crs"] == BNG
    assert loaded.number_of_nodes() == area.network.number_of_nodes()
    assert loaded.number_of_edges() == area.network.number_of_edges()
    fields = ("osmid", "name", "highway", "oneway", "reversed", "length")

    def table(graph: nx.MultiDiGraph) -> list[tuple[object, ...]]:
        return [
            (u, v, k, *(d[f] for f in fields), d["geometry"].wkb)
            for u, v, k, d in graph.edges(keys=True, data=True)
        ]

    assert table(loaded) == table(area.network)
    assert dict(loaded.nodes(data=True)) == dict(area.network.nodes(data=True))


# ---------------------------------------------------------------- crime CSV format


def test_every_month_has_the_exact_police_uk_header(area: DemoArea) -> None:
    assert area.months == DEMO_MONTHS
    assert tuple(area.crimes_csv) == DEMO_MONTHS
    for text in area.crimes_csv.values():
        assert text.split("\n", 1)[0] == ",".join(CRIME_CSV_COLUMNS)
        assert "\r" not in text


def test_months_are_12_consecutive_calendar_months(crimes: pd.DataFrame) -> None:
    months = pd.PeriodIndex(sorted(crimes["Month"].unique()), freq="M")
    assert len(months) == 12
    assert (months[1:] - months[:-1] == months.freq).all()


def test_crime_id_is_empty_exactly_for_asb(crimes: pd.DataFrame) -> None:
    is_asb = crimes["Crime type"] == ASB
    assert (crimes.loc[is_asb, "Crime ID"] == "").all()
    ids = crimes.loc[~is_asb, "Crime ID"]
    assert ids.str.fullmatch(r"[0-9a-f]{64}").all()
    assert ids.is_unique
    assert (crimes.loc[is_asb, "Last outcome category"] == "").all()
    assert (crimes.loc[~is_asb, "Last outcome category"] != "").all()
    assert (crimes["Context"] == "").all()


def test_rows_follow_the_police_uk_formats(crimes: pd.DataFrame) -> None:
    assert (crimes["Reported by"] == DEMO_FORCE).all()
    assert (crimes["Falls within"] == DEMO_FORCE).all()
    has_xy = crimes["Longitude"] != ""
    assert crimes.loc[has_xy, "Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
    assert crimes.loc[has_xy, "Latitude"].str.fullmatch(r"\d+\.\d{6}").all()
    assert crimes.loc[has_xy, "Location"].str.startswith("On or near ").all()
    assert crimes.loc[has_xy, "LSOA code"].str.fullmatch(r"E019\d{5}").all()
    assert crimes.loc[has_xy, "LSOA name"].str.fullmatch(r"Fenbridge \d{3}[A-D]").all()
    missing = crimes[~has_xy]
    assert (missing["Latitude"] == "").all()
    assert (missing["LSOA code"] == "").all()
    assert (missing["Location"] == "No Location").all()


def test_monthly_volume_and_rows_without_location(crimes: pd.DataFrame) -> None:
    per_month = crimes.groupby("Month").size()
    assert per_month.between(600, 900).all()
    no_xy = crimes[crimes["Longitude"] == ""].groupby("Month").size()
    assert no_xy.to_dict() == dict.fromkeys(DEMO_MONTHS, N_WITHOUT_LOCATION_PER_MONTH)


def test_crime_type_mix_is_realistic(crimes: pd.DataFrame) -> None:
    share = crimes["Crime type"].value_counts(normalize=True)
    assert share.index[0] == "Violence and sexual offences"
    assert 0.28 <= share["Violence and sexual offences"] <= 0.40
    assert 0.13 <= share[ASB] <= 0.21
    assert len(share) == 14


def test_many_crimes_share_snap_points(located: gpd.GeoDataFrame) -> None:
    per_point = located.groupby([located.geometry.x, located.geometry.y]).size()
    assert len(per_point) < len(located) / 5
    # Each snap point has a single location description.
    names = located.groupby([located.geometry.x, located.geometry.y])["Location"].nunique()
    assert (names == 1).all()


def test_every_located_crime_lies_in_a_ward_and_its_lsoa(
    located: gpd.GeoDataFrame, area: DemoArea
) -> None:
    assert located["ward_name"].notna().all()
    lsoa_of = dict(zip(area.lsoas["lsoa_code"], area.lsoas.geometry, strict=True))
    polygons = np.array([lsoa_of[code] for code in located["LSOA code"]], dtype=object)
    assert shapely.contains(polygons, np.asarray(located.geometry, dtype=object)).all()
    names = area.lsoas.set_index("lsoa_code")["lsoa_name"]
    assert (names.loc[located["LSOA code"]].to_numpy() == located["LSOA name"].to_numpy()).all()


# ---------------------------------------------------------------- areas


def test_wards_tile_the_town_without_overlap(area: DemoArea) -> None:
    wards = area.wards
    assert wards.crs == BNG
    assert list(wards.columns) == ["ward_code", "ward_name", "geometry"]
    assert len(wards) == 7
    assert (wards.geom_type == "Polygon").all()
    assert wards.is_valid.all()
    assert wards["ward_code"].str.fullmatch(r"E059\d{5}").all()
    union = shapely.union_all(wards.geometry.to_numpy())
    assert isinstance(union, shapely.Polygon)
    assert not list(union.interiors)
    assert wards.area.sum() == pytest.approx(union.area, rel=1e-9)
    total_km2 = union.area / 1e6
    assert 7.0 < total_km2 < 11.0
    minx, miny, maxx, maxy = union.bounds
    assert (minx, miny, maxx, maxy) > (452_000, 268_000, 0, 0)
    assert maxx < 456_000
    assert maxy < 271_000


def test_lsoas_nest_in_wards_and_tile_them(area: DemoArea) -> None:
    lsoas = area.lsoas
    assert lsoas.crs == BNG
    assert 20 <= len(lsoas) <= 28
    assert lsoas.is_valid.all()
    assert lsoas.area.sum() == pytest.approx(area.wards.area.sum(), rel=1e-9)
    points = gpd.GeoDataFrame(geometry=lsoas.representative_point(), crs=BNG)
    inside = points.sjoin(area.wards, how="left")
    for ward, geom in zip(area.wards["ward_name"], area.wards.geometry, strict=True):
        members = lsoas.geometry[inside["ward_name"] == ward]
        assert 3 <= len(members) <= 4
        assert shapely.union_all(members.to_numpy()).symmetric_difference(geom).area < 1.0


def test_neighbourhoods_group_the_wards_into_three(area: DemoArea) -> None:
    table = area.neighbourhoods
    assert list(table.columns) == ["ward", "neighbourhood"]
    assert sorted(table["ward"]) == sorted(area.wards["ward_name"])
    assert table["neighbourhood"].nunique() == 3


def test_population_is_plausible_and_matches_the_lsoas(area: DemoArea) -> None:
    pop = area.population
    assert tuple(pop.columns) == POPULATION_COLUMNS
    assert pop["lsoa21_code"].tolist() == area.lsoas["lsoa_code"].tolist()
    assert pop["lsoa21_name"].tolist() == area.lsoas["lsoa_name"].tolist()
    assert pop["total_usual_residents"].between(1200, 2000).all()
    bands = pop[list(POPULATION_COLUMNS[2:8])].sum(axis=1)
    assert (bands == pop["total_usual_residents"]).all()


def test_sites_cover_the_four_partner_kinds_near_streets(area: DemoArea) -> None:
    sites = area.sites
    assert sites.crs == BNG
    assert {"police", "one-stop shop", "fire", "housing"} <= set(sites["kind"])
    assert sites["public_facing"].dtype == bool
    nodes, _ = ox.graph_to_gdfs(area.network)
    nearest = ox.distance.nearest_nodes(area.network, sites.geometry.x, sites.geometry.y)
    d = np.hypot(
        nodes.loc[nearest, "x"].to_numpy() - sites.geometry.x.to_numpy(),
        nodes.loc[nearest, "y"].to_numpy() - sites.geometry.y.to_numpy(),
    )
    assert (d < 80).all()
    assert sites["address"].str.endswith(", Fenbridge").all()
    assert sites.sjoin(area.wards, predicate="within").shape[0] == len(sites)


# ---------------------------------------------------------------- network


def test_network_is_one_connected_osmnx_graph(area: DemoArea) -> None:
    graph = area.network
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.graph["crs"] == BNG
    assert 1500 <= graph.number_of_nodes() <= 3000
    assert nx.number_weakly_connected_components(graph) == 1
    assert nx.number_strongly_connected_components(graph) == 1
    nodes, edges = ox.graph_to_gdfs(graph)
    assert nodes.crs == BNG
    assert edges.crs == BNG
    assert {"x", "y", "street_count"} <= set(nodes.columns)
    assert (nodes["street_count"] >= 1).all()
    highways = set(edges["highway"])
    assert {"primary", "secondary", "residential", "footway"} <= highways


def test_every_edge_is_named_two_way_and_measured(area: DemoArea) -> None:
    graph = area.network
    for u, v, data in graph.edges(data=True):
        assert data["name"]
        assert data["oneway"] is False
        assert data["length"] == pytest.approx(data["geometry"].length, abs=1e-9)
        start, end = data["geometry"].coords[0], data["geometry"].coords[-1]
        assert start == (graph.nodes[u]["x"], graph.nodes[u]["y"])
        assert end == (graph.nodes[v]["x"], graph.nodes[v]["y"])
        back = graph.get_edge_data(v, u)
        assert any(
            d["osmid"] == data["osmid"] and d["reversed"] != data["reversed"] for d in back.values()
        )
    names = {d["name"] for *_, d in graph.edges(data=True)}
    assert {"High Street", "London Road", "Castle Way"} <= names
    assert all(re.fullmatch(r"[A-Z][\w'/ ]+", n) for n in names)


def test_shortest_walk_across_town_is_plausible(area: DemoArea) -> None:
    graph = area.network
    west = ox.distance.nearest_nodes(graph, 452_600.0, 269_500.0)
    east = ox.distance.nearest_nodes(graph, 455_400.0, 269_500.0)
    length_m = nx.shortest_path_length(graph, west, east, weight="length")
    straight_m = np.hypot(
        graph.nodes[west]["x"] - graph.nodes[east]["x"],
        graph.nodes[west]["y"] - graph.nodes[east]["y"],
    )
    assert straight_m <= length_m < 1.3 * straight_m


# ---------------------------------------------------------------- planted patterns


def test_nte_hotspot_holds_most_town_centre_violence_every_month(
    located: gpd.GeoDataFrame, area: DemoArea
) -> None:
    pattern = PLANTED_PATTERNS["nte_violence"]
    centre = located[
        (located["ward_name"] == pattern.ward) & located["Crime type"].isin(pattern.crime_types)
    ]
    inside = _in_radius(centre, "nte_violence")
    per_month = inside.groupby(centre["Month"]).agg(["sum", "mean"])
    assert len(per_month) == 12
    assert (per_month["sum"] >= 30).all()
    assert (per_month["mean"] >= 0.5).all()
    # The disc is under a tenth of the ward's area, so this is a strong concentration.
    ward_m2 = area.wards.set_index("ward_name").area[pattern.ward]
    assert np.pi * pattern.radius_m**2 < 0.1 * ward_m2


def test_asb_hotspot_emerges_in_the_last_four_months(located: gpd.GeoDataFrame) -> None:
    asb = located[located["Crime type"] == ASB]
    inside = _in_radius(asb, "emerging_asb")
    per_month = inside.groupby(asb["Month"]).sum().reindex(list(DEMO_MONTHS), fill_value=0)
    assert per_month.iloc[:8].sum() == 0
    assert (per_month.iloc[8:] >= 20).all()
    assert PLANTED_PATTERNS["emerging_asb"].months == DEMO_MONTHS[8:]


def test_burglary_series_is_tight_and_lasts_three_months(located: gpd.GeoDataFrame) -> None:
    pattern = PLANTED_PATTERNS["burglary_series"]
    burglary = located[located["Crime type"] == "Burglary"]
    inside = _in_radius(burglary, "burglary_series")
    per_month = inside.groupby(burglary["Month"]).sum().reindex(list(DEMO_MONTHS), fill_value=0)
    series = per_month.loc[list(pattern.months)]
    assert len(series) == 3
    assert (series >= 8).all()
    assert per_month.drop(index=list(pattern.months)).max() <= 2
    assert (burglary.loc[inside, "ward_name"] == pattern.ward).all()


def test_quiet_ward_has_clearly_the_lowest_crime(located: gpd.GeoDataFrame, area: DemoArea) -> None:
    pattern = PLANTED_PATTERNS["quiet_ward"]
    counts = located.groupby("ward_name").size().sort_values()
    assert counts.index[0] == pattern.ward
    assert counts.iloc[0] < 0.6 * counts.iloc[1]
    per_km2 = counts / (area.wards.set_index("ward_name").area / 1e6)
    assert per_km2.idxmin() == pattern.ward


def test_police_station_snap_point_is_a_recording_artefact(
    located: gpd.GeoDataFrame, area: DemoArea
) -> None:
    pattern = PLANTED_PATTERNS["police_station"]
    ward = located[located["ward_name"] == pattern.ward]
    per_point = ward.groupby("Location").size().sort_values(ascending=False)
    assert per_point.index[0] == "On or near Police Station"
    share = per_point.iloc[0] / len(ward)
    assert share >= 0.15
    assert per_point.iloc[0] >= 5 * per_point.iloc[1]
    at_station = ward[ward["Location"] == "On or near Police Station"]
    assert at_station.geometry.x.round().eq(pattern.centre_x_m).all()
    assert at_station.geometry.y.round().eq(pattern.centre_y_m).all()
    station = area.sites[area.sites["kind"] == "police"].geometry.iloc[0]
    assert station.distance(at_station.geometry.iloc[0]) < 0.5


def test_planted_patterns_lie_in_their_wards_for_another_seed(other_written: DemoFiles) -> None:
    wards = gpd.read_file(other_written.wards).to_crs(BNG).set_index("WD24NM").geometry
    for pattern in PLANTED_PATTERNS.values():
        point = shapely.Point(pattern.centre_x_m, pattern.centre_y_m)
        assert wards[pattern.ward].contains(point.buffer(max(pattern.radius_m, 1.0)))
