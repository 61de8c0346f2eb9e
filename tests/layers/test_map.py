from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import folium
import folium.plugins
import folium.raster_layers
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely import LineString, Point, box

from hotspots.areas import category_zones, connected_zones, density_zones
from hotspots.gistar import gi_star
from hotspots.kde import kernel_density
from hotspots.tables import hotspot_table, snap_point_counts, zone_membership
from layers.basemap import APP_STATIC_URL, STATIC_DIR, LegendEntry, asset_links, base_map, legend
from layers.hotspot_layers import (
    cluster_layer,
    density_breaks,
    density_layer,
    density_legend_entries,
    emerging_layer,
    emerging_legend_entries,
    gistar_layer,
    gistar_legend_entries,
    hotspot_map,
)
from layers.map import (
    CANVAS_MIN_POINTS,
    crime_map,
    crime_point_layer,
    site_layer,
    street_layer,
    ward_layer,
)
from layers.styles import point_radius_px
from spatial.crs import BNG, WGS84
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError
from spatial.grid import count_points, make_grid

if TYPE_CHECKING:
    from branca.element import Element

_T = TypeVar("_T")
SCRIPT = "<script>alert(1)</script>"
ESCAPED_IN_JSON = "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;"


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_code": ["E1", "E2"], "ward_name": ["Abbey", "Bridge & <Mill>"]},
        geometry=[box(545_000, 258_000, 546_000, 259_000), box(546_000, 258_000, 547_000, 259_000)],
        crs=BNG,
    )


@pytest.fixture
def crimes() -> gpd.GeoDataFrame:
    # Three snap points: A holds 3 crimes (2 Drugs, 1 Burglary), B holds 1, C holds 2.
    a, b, c = Point(545_500, 258_500), Point(546_500, 258_500), Point(546_200, 258_900)
    return gpd.GeoDataFrame(
        {
            "location": [SCRIPT, SCRIPT, SCRIPT, "On or near B", "On or near C", "On or near C"],
            "crime_type": ["Drugs", "Burglary", "Drugs", "Robbery", "Drugs", "Drugs"],
        },
        geometry=[a, a, a, b, c, c],
        crs=BNG,
    )


def _children(element: Element, kind: type[_T]) -> list[_T]:
    children = element._children.values()  # noqa: SLF001  # branca has no public child list
    return [c for c in children if isinstance(c, kind)]


def _geojson_children(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    return _children(group, folium.GeoJson)


def test_snap_point_counts_groups_identical_coordinates(crimes: gpd.GeoDataFrame) -> None:
    counts = snap_point_counts(crimes)
    assert counts.crs == BNG
    assert list(counts["n_crimes"]) == [3, 2, 1]
    assert list(counts["location"]) == [SCRIPT, "On or near C", "On or near B"]
    assert list(counts["crime_types"]) == ["Drugs 2; Burglary 1", "Drugs 2", "Robbery 1"]
    assert counts["n_crimes"].sum() == len(crimes)
    assert counts.geometry.iloc[0].equals(Point(545_500, 258_500))


def test_snap_point_counts_of_no_crimes_is_empty_with_columns(crimes: gpd.GeoDataFrame) -> None:
    counts = snap_point_counts(crimes.iloc[0:0])
    assert counts.empty
    assert {"location", "n_crimes", "crime_types", "geometry"} <= set(counts.columns)
    assert counts.crs == BNG


def test_snap_point_counts_does_not_mutate_its_input(crimes: gpd.GeoDataFrame) -> None:
    before = crimes.copy()
    snap_point_counts(crimes)
    assert crimes.equals(before)


def test_snap_point_counts_requires_bng(crimes: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="EPSG:4326"):
        snap_point_counts(crimes.to_crs(WGS84))


def test_snap_point_counts_names_the_missing_column(crimes: gpd.GeoDataFrame) -> None:
    with pytest.raises(MissingColumnError, match="crime_type"):
        snap_point_counts(crimes.drop(columns="crime_type"))


def test_crime_point_layer_has_one_feature_per_snap_point_in_wgs84(
    crimes: gpd.GeoDataFrame,
) -> None:
    (layer,) = _geojson_children(crime_point_layer(snap_point_counts(crimes)))
    features = layer.data["features"]
    assert len(features) == 3
    assert [f["properties"]["n_crimes"] for f in features] == [3, 2, 1]
    lon, lat = features[0]["geometry"]["coordinates"]
    expected = gpd.GeoSeries([Point(545_500, 258_500)], crs=BNG).to_crs(WGS84)
    assert lon == pytest.approx(expected.x.iloc[0])
    assert lat == pytest.approx(expected.y.iloc[0])
    assert 52.0 < lat < 52.5  # Cambridge, not metres


def test_popup_text_is_escaped(crimes: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    (layer,) = _geojson_children(crime_point_layer(snap_point_counts(crimes)))
    assert layer.data["features"][0]["properties"]["location"] == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    page = crime_map(wards, snap_point_counts(crimes)).get_root().render()
    assert SCRIPT not in page
    assert "<script>alert" not in page
    assert ESCAPED_IN_JSON in page


def test_ward_layer_escapes_names_and_labels_every_ward(wards: gpd.GeoDataFrame) -> None:
    group = ward_layer(wards)
    (outlines,) = _geojson_children(group)
    assert [f["properties"]["ward"] for f in outlines.data["features"]] == [
        "Abbey",
        "Bridge &amp; &lt;Mill&gt;",
    ]
    labels = _children(group, folium.Marker)
    assert len(labels) == 2
    (icon,) = _children(labels[1], folium.DivIcon)
    assert str(icon.options["html"]).endswith(">Bridge &amp; &lt;Mill&gt;</div>")
    page = folium.Map().add_child(group).get_root().render()
    assert "<Mill>" not in page
    assert "Bridge \\u0026amp; \\u0026lt;Mill\\u0026gt;\\u003c/div" in page


def test_ward_labels_lie_inside_their_wards(wards: gpd.GeoDataFrame) -> None:
    group = ward_layer(wards)
    labels = _children(group, folium.Marker)
    wgs = wards.to_crs(WGS84)
    for label, polygon in zip(labels, wgs.geometry, strict=True):
        assert label.location is not None
        lat, lon = label.location
        assert polygon.contains(Point(lon, lat))


def test_site_layer_shows_named_columns_escaped() -> None:
    sites = gpd.GeoDataFrame(
        {"name": ["Police <base>", "Library"], "kind": ["police", "library"]},
        geometry=[Point(545_200, 258_200), box(546_100, 258_100, 546_200, 258_200)],
        crs=BNG,
    )
    (layer,) = _geojson_children(site_layer(sites, label_columns=("name", "kind", "absent")))
    props = [f["properties"] for f in layer.data["features"]]
    assert props == [
        {"name": "Police &lt;base&gt;", "kind": "police"},
        {"name": "Library", "kind": "library"},
    ]
    assert all(f["geometry"]["type"] == "Point" for f in layer.data["features"])


def test_street_layer_draws_every_line() -> None:
    streets = gpd.GeoDataFrame(
        geometry=[LineString([(545_000, 258_000), (545_500, 258_400)])] * 4, crs=BNG
    )
    (layer,) = _geojson_children(street_layer(streets))
    (feature,) = layer.data["features"]
    assert feature["geometry"]["type"] == "MultiLineString"
    assert len(feature["geometry"]["coordinates"]) == 4


def test_crime_map_draws_each_layer_and_a_legend(
    wards: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame
) -> None:
    sites = gpd.GeoDataFrame({"name": ["Hub"]}, geometry=[Point(545_300, 258_300)], crs=BNG)
    streets = gpd.GeoDataFrame(
        geometry=[LineString([(545_000, 258_000), (547_000, 259_000)])], crs=BNG
    )
    m = crime_map(wards, snap_point_counts(crimes), sites=sites, streets=streets, tiles="none")
    groups = _children(m, folium.FeatureGroup)
    assert [g.layer_name for g in groups] == [
        "Streets",
        "Wards",
        "Crimes (per snap point)",
        "Co-location sites",
    ]
    assert not _children(m, folium.TileLayer)
    page = m.get_root().render()
    assert "patchmap-legend" in page
    # Circles for 1 and 3 crimes exist; the legend offers the 1-crime size, not 10 or more.
    assert "1 crime at a point" in page
    assert "10 crimes at a point" not in page


def test_crime_map_switches_to_canvas_for_many_snap_points(wards: gpd.GeoDataFrame) -> None:
    n = CANVAS_MIN_POINTS + 1
    many = gpd.GeoDataFrame(
        {"location": ["On or near A"] * n, "crime_type": ["Drugs"] * n},
        geometry=gpd.points_from_xy(545_000 + np.arange(n) * 0.2, [258_500.0] * n),
        crs=BNG,
    )
    counts = snap_point_counts(many)
    assert len(counts) == n
    assert '"preferCanvas": true' in crime_map(wards, counts).get_root().render()
    assert '"preferCanvas": false' in crime_map(wards, counts.iloc[:10]).get_root().render()


def test_real_data_map_uses_openstreetmap_tiles(
    wards: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame
) -> None:
    m = crime_map(wards, snap_point_counts(crimes))
    tiles = _children(m, folium.TileLayer)
    assert len(tiles) == 1
    assert "openstreetmap" in tiles[0].tiles


def test_map_opens_on_the_ward_bounds(wards: gpd.GeoDataFrame) -> None:
    m = base_map(wards)
    min_lon, min_lat, max_lon, max_lat = wards.to_crs(WGS84).total_bounds
    lat, lon = m.location
    assert min_lat < lat < max_lat
    assert min_lon < lon < max_lon


def test_every_asset_is_vendored_and_exists(
    wards: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame
) -> None:
    m = crime_map(wards, snap_point_counts(crimes))
    js, css = asset_links(m)
    assert js
    assert css
    for url in js + css:
        assert url.startswith(f"{APP_STATIC_URL}/vendor/"), url
        path = STATIC_DIR / url.removeprefix(f"{APP_STATIC_URL}/")
        assert path.is_file(), path
        assert path.stat().st_size > 0
    assert any(url.endswith("leaflet.js") for url in js)
    page = m.get_root().render()
    assert "cdn.jsdelivr" not in page
    assert "code.jquery.com" not in page


def test_an_unvendored_plugin_is_refused(wards: gpd.GeoDataFrame) -> None:
    m = base_map(wards)
    folium.plugins.Fullscreen().add_to(m)  # type: ignore[no-untyped-call]  # untyped plugin
    with pytest.raises(ParameterError, match=r"Fullscreen needs .*static/vendor/package\.json"):
        m.get_root().render()


def test_empty_extent_is_refused(wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(EmptyInputError, match="Choose at least one ward"):
        base_map(wards.iloc[0:0])


def test_legend_escapes_labels_and_refuses_no_entries() -> None:
    element = legend("Crimes <b>", [LegendEntry("A & B", "#ff0000", "circle", point_radius_px(10))])
    page = folium.Map().add_child(element).get_root().render()
    assert "Crimes \\u0026lt;b\\u0026gt;" in page
    assert "A \\u0026amp; B" in page
    with pytest.raises(ParameterError, match="no entries"):
        legend("Empty", [])


# ---------------------------------------------------------------------------------------------
# Hotspot layers


@pytest.fixture
def town() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_name": ["Town"]}, geometry=[box(545_000, 258_000, 547_000, 260_000)], crs=BNG
    )


@pytest.fixture
def peak_crimes() -> gpd.GeoDataFrame:
    # 40 crimes at one point in the middle of the town, over four months (10 a month).
    months = pd.PeriodIndex(["2025-01", "2025-02", "2025-03", "2025-04"] * 10, freq="M")
    return gpd.GeoDataFrame(
        {"crime_type": ["Drugs"] * 30 + ["Burglary"] * 10, "month": months, "location": "X"},
        geometry=[Point(546_000, 259_000)] * 40,
        crs=BNG,
    )


def test_density_breaks_are_equal_steps_from_a_tenth_of_the_peak(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    surface = kernel_density(peak_crimes, area=town, cell_size_m=50, bandwidth_m=300)
    breaks = density_breaks(surface, n_classes=4)
    peak = float(np.asarray(surface.values).max())
    assert breaks == pytest.approx([0.1 * peak, 0.325 * peak, 0.55 * peak, 0.775 * peak, peak])
    labels = [e.label for e in density_legend_entries(breaks)]
    assert labels[0].endswith(f"{peak:,.0f} crimes per km²")
    assert len(labels) == 4


def test_density_layer_places_the_image_over_the_raster_in_wgs84(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    surface = kernel_density(peak_crimes, area=town, cell_size_m=50, bandwidth_m=300)
    (overlay,) = _children(density_layer(surface), folium.raster_layers.ImageOverlay)
    (lat_s, lon_w), (lat_n, lon_e) = overlay.bounds
    min_x, min_y, max_x, max_y = surface.bounds
    corners = gpd.GeoSeries([box(min_x, min_y, max_x, max_y)], crs=BNG).to_crs(WGS84)
    c_lon_w, c_lat_s, c_lon_e, c_lat_n = corners.total_bounds
    # The warped image encloses the raster's footprint and exceeds it by little.
    assert lon_w <= c_lon_w + 1e-9
    assert lon_e >= c_lon_e - 1e-9
    assert lat_s <= c_lat_s + 1e-9
    assert lat_n >= c_lat_n - 1e-9
    assert lon_e - lon_w < 1.05 * (c_lon_e - c_lon_w)
    assert overlay.url.startswith("data:image/png;base64,")


def test_density_pixels_are_clear_below_the_floor_and_darkest_at_the_peak() -> None:
    from layers.hotspot_layers import _density_rgba  # noqa: PLC0415  # private colouring, tested directly

    values = np.array([[0.0, 5.0], [50.0, 100.0]])
    rgba = _density_rgba(values, [10.0, 55.0, 100.0])
    assert rgba[0, 0, 3] == 0  # below the floor: transparent
    assert rgba[0, 1, 3] == 0
    assert rgba[1, 0, 3] == 255
    assert tuple(rgba[1, 0, :3]) == (0xFF, 0xFF, 0xCC)  # first class
    assert tuple(rgba[1, 1, :3]) == (0xFF, 0xED, 0xA0)  # second (top) class


def test_density_zones_outline_the_cells_above_the_threshold(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    surface = kernel_density(peak_crimes, area=town, cell_size_m=50, bandwidth_m=300)
    threshold = float(np.asarray(surface.values).max()) / 2
    zones = density_zones(surface, threshold_per_km2=threshold)
    assert len(zones) == 1
    n_cells = int((np.asarray(surface.values) >= threshold).sum())
    assert zones.geometry.iloc[0].area == pytest.approx(n_cells * 50 * 50)
    assert zones.geometry.iloc[0].contains(Point(546_000, 259_000))
    assert zones["peak_per_km2"].iloc[0] == pytest.approx(np.asarray(surface.values).max())
    assert density_zones(surface, threshold_per_km2=1e12).empty


def test_gistar_layer_draws_only_significant_cells_with_their_class(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    grid = make_grid(town, cell_size_m=200)
    result = gi_star(count_points(peak_crimes, grid), grid=grid)
    (layer,) = _geojson_children(gistar_layer(result.cells))
    significant = result.cells.loc[result.cells["gi_bin"] != 0]
    assert len(layer.data["features"]) == len(significant) > 0
    assert {f["properties"]["hotspot"] for f in layer.data["features"]} <= set(
        significant["hotspot"]
    )
    assert [e.label for e in gistar_legend_entries()] == [
        "Hot 99%",
        "Hot 95%",
        "Hot 90%",
        "Cold 90%",
        "Cold 95%",
        "Cold 99%",
    ]


def test_connected_zones_merge_touching_hot_cells(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    grid = make_grid(town, cell_size_m=200)
    result = gi_star(count_points(peak_crimes, grid), grid=grid)
    hot = result.cells.loc[result.cells["gi_bin"] > 0]
    zones = connected_zones(hot)
    assert len(zones) == 1
    assert zones["n_cells"].iloc[0] == len(hot)
    assert zones["n_crimes"].iloc[0] == 40


def test_cluster_and_emerging_layers_escape_their_text() -> None:
    polygon = box(545_000, 258_000, 545_100, 258_100)
    clusters = gpd.GeoDataFrame(
        {
            "cluster_id": [0],
            "n_crimes": [25],
            "top_crime_types": ["Drugs: 25"],
            "top_location": [SCRIPT],
        },
        geometry=[polygon],
        crs=BNG,
    )
    (layer,) = _geojson_children(cluster_layer(clusters))
    assert layer.data["features"][0]["properties"]["top_location"] == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    cells = gpd.GeoDataFrame(
        {
            "category": ["New Hot Spot", "No Pattern Detected"],
            "n_crimes": [5, 0],
            "n_hot_months": [1, 0],
            "trend": ["no trend", "no trend"],
        },
        geometry=[polygon, box(545_100, 258_000, 545_200, 258_100)],
        crs=BNG,
    )
    (emerging,) = _geojson_children(emerging_layer(cells))
    assert [f["properties"]["category"] for f in emerging.data["features"]] == ["New Hot Spot"]
    assert [e.label for e in emerging_legend_entries(["No Pattern Detected", "New Hot Spot"])] == [
        "New Hot Spot"
    ]


def test_category_zones_list_categories_in_the_given_order() -> None:
    cells = gpd.GeoDataFrame(
        {"category": ["B", "A", "A", "B"], "n_crimes": [1, 2, 3, 9]},
        geometry=[
            box(0, 0, 10, 10),
            box(10, 0, 20, 10),
            box(20, 0, 30, 10),
            box(100, 0, 110, 10),
        ],
        crs=BNG,
    )
    zones = category_zones(cells, column="category", categories=["A", "B"])
    assert list(zones["category"]) == ["A", "B", "B"]
    assert list(zones["n_cells"]) == [2, 1, 1]
    assert list(zones["n_crimes"]) == [5, 9, 1]


def test_hotspot_table_counts_types_and_finds_a_rising_trend() -> None:
    # Zone 0: 1, 2, 3, 4, 5 crimes in five months (rising); zone 1: 2 a month; -1 is outside.
    months = []
    zone = []
    for i, month in enumerate(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]):
        months += [month] * (i + 1) + [month] * 2 + [month]
        zone += [0] * (i + 1) + [1] * 2 + [-1]
    crimes = pd.DataFrame(
        {
            "crime_type": ["Drugs" if z == 0 else "Robbery" for z in zone],
            "month": pd.PeriodIndex(months, freq="M"),
        }
    )
    table = hotspot_table(crimes, zone, labels=["Rising", "Flat"], months=("2025-01", "2025-05"))
    assert list(table["Hotspot"]) == ["Rising", "Flat"]
    assert list(table["Crimes"]) == [15, 10]
    assert list(table["Top crime types"]) == ["Drugs 15", "Robbery 10"]
    assert list(table["Trend"]) == ["increasing", "no trend"]
    # Mann-Kendall of 1..5: S = 10, var = 5*4*15/18, z = (10 - 1) / sqrt(var), two-sided p.
    z = 9 / np.sqrt(5 * 4 * 15 / 18)
    assert table["Trend p"].iloc[0] == pytest.approx(2 * stats.norm.sf(z))
    assert table["Trend p"].iloc[1] == 1.0


def test_hotspot_table_needs_one_membership_per_crime() -> None:
    crimes = pd.DataFrame({"crime_type": ["Drugs"], "month": pd.PeriodIndex(["2025-01"], freq="M")})
    with pytest.raises(ParameterError, match="one per crime"):
        hotspot_table(crimes, [0, 1], labels=["A"])


def test_zone_membership_gives_each_point_its_first_zone() -> None:
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(5, 0, 20, 10)], crs=BNG)
    points = gpd.GeoDataFrame(
        geometry=[Point(2, 2), Point(7, 5), Point(15, 5), Point(30, 30)], crs=BNG
    )
    assert zone_membership(points, zones).tolist() == [0, 0, 1, -1]


def test_hotspot_map_has_the_layer_wards_and_legend(
    town: gpd.GeoDataFrame, peak_crimes: gpd.GeoDataFrame
) -> None:
    surface = kernel_density(peak_crimes, area=town, cell_size_m=50, bandwidth_m=300)
    breaks = density_breaks(surface)
    m = hotspot_map(
        town,
        density_layer(surface, breaks=breaks),
        legend_title="Density (crimes per km²)",
        legend_entries=density_legend_entries(breaks),
        tiles="none",
    )
    groups = _children(m, folium.FeatureGroup)
    assert [g.layer_name for g in groups] == ["Crime density", "Wards"]
    js, css = asset_links(m)
    assert all(url.startswith(APP_STATIC_URL) for url in js + css)
    assert "crimes per km²" in m.get_root().render().encode().decode("unicode_escape", "ignore")
