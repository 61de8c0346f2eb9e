from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import folium
import folium.plugins
import geopandas as gpd
import pytest
from shapely import LineString, Point, box

from layers.map import (
    APP_STATIC_URL,
    STATIC_DIR,
    LegendEntry,
    asset_links,
    base_map,
    crime_map,
    crime_point_layer,
    legend,
    site_layer,
    snap_point_counts,
    street_layer,
    ward_layer,
)
from layers.styles import point_radius_px
from spatial.crs import BNG, WGS84
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError

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
