"""KML balloons show field values as escaped text; the fields stay exact for GIS readers."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import LineString, Point, box

from layers._kml_balloon import BALLOON_TEXT, html_table, html_text
from layers.metadata import ExportMetadata
from layers.writers import write_kml
from spatial.crs import BNG
from tests.layers._kml_html import (
    KML,
    balloon_html,
    check_balloon_styles,
    local,
    table_rows,
)

if TYPE_CHECKING:
    from pathlib import Path

IMG = "<img src=x onerror=alert(1)>"
HOSTILE = f"Market & Town {IMG} ]]> \"q\" 'a' Café Żabka 東京 $[name] $[location]"
TEXTS = [HOSTILE, "plain", "&amp; already &lt;escaped&gt;", "a ]]> b <![CDATA[ c"]
META = ExportMetadata(
    title=f"patchmap export: {HOSTILE}",
    area=f"Ward {HOSTILE}",
    audience="police",
    min_count=None,
    period=("2025-01", "2025-06"),
    filters={"wards": HOSTILE},
    methods={},
    created_utc="2026-01-02T03:04:05+00:00",
)


def _frames() -> dict[str, gpd.GeoDataFrame]:
    n = len(TEXTS)
    points = gpd.GeoDataFrame(
        {
            "name": TEXTS,
            "location": TEXTS[::-1],
            "n_crimes": pd.array(range(n), dtype="Int64"),
            "action": [f"Visit {t}" for t in TEXTS],
            "description": [f"Note: {t}" for t in TEXTS],
        },
        geometry=[Point(545_000 + 10 * i, 258_000) for i in range(n)],
        crs=BNG,
    )
    wards = gpd.GeoDataFrame(
        {"ward_name": TEXTS, "ward_code": [f"E0500{i}" for i in range(n)]},
        geometry=[box(545_000 + 100 * i, 258_000, 545_090 + 100 * i, 258_090) for i in range(n)],
        crs=BNG,
    )
    streets = gpd.GeoDataFrame(
        {"street": TEXTS[:2], "n_crimes": pd.array([4, None], dtype="Int64")},
        geometry=[LineString([(545_000, 258_000), (545_100, 258_050)])] * 2,
        crs=BNG,
    )
    return {"tasks": points, "wards": wards, "streets": streets}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_kml(_frames(), tmp_path_factory.mktemp("kml") / "x.kml", metadata=META)


def _expected_rows(frame: gpd.GeoDataFrame) -> list[list[tuple[str, str]]]:
    """The rows each placemark's table must show: its non-empty fields, as text, in order."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    return [
        [(c, str(row[c])) for c in columns if not pd.isna(row[c])] for _, row in frame.iterrows()
    ]


def test_hostile_values_are_escaped_text_in_every_balloon(written: Path) -> None:
    text = written.read_text(encoding="utf-8")
    # the file's bytes: every "<img" is escaped at least once for XML
    assert "<img" not in text.lower()
    assert "<![CDATA[" not in text  # no CDATA section: "]]>" in a value is plain data
    root = ET.fromstring(text)  # noqa: S314  # our own file: well-formed XML
    check_balloon_styles(root)
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    assert list(folders) == ["tasks", "wards", "streets"]
    for name, frame in _frames().items():
        placemarks = folders[name].findall(f"{KML}Placemark")
        assert len(placemarks) == len(frame)
        for placemark, expected in zip(placemarks, _expected_rows(frame), strict=True):
            description = placemark.findtext(f"{KML}description")
            assert description is not None
            # what Google Earth renders: a bare table, the values only as escaped text,
            # no "$[" left for the balloon template to substitute
            assert "<img" not in description
            assert "$[" not in description
            assert table_rows(description) == expected
    # the document's balloon: escaped text, no tag, no entity
    document = root.find(f"{KML}Document")
    assert document is not None
    description = document.findtext(f"{KML}description")
    assert description is not None
    assert "$[" not in description
    assert balloon_html(description, allowed=frozenset()) == [META.to_text()]
    assert html.unescape(description) == META.to_text()


def test_fields_read_back_exactly(written: Path) -> None:
    frames = _frames()
    tasks = pyogrio.read_dataframe(written, layer="tasks")
    assert tasks["Name"].tolist() == TEXTS
    assert tasks["location"].tolist() == TEXTS[::-1]
    assert tasks["action"].tolist() == frames["tasks"]["action"].tolist()
    assert tasks["n_crimes"].astype(int).tolist() == list(range(len(TEXTS)))
    wards = pyogrio.read_dataframe(written, layer="wards")
    assert wards["ward_name"].tolist() == TEXTS
    assert wards["ward_code"].tolist() == frames["wards"]["ward_code"].tolist()
    streets = pyogrio.read_dataframe(written, layer="streets")
    assert streets["street"].tolist() == TEXTS[:2]
    assert pd.to_numeric(streets["n_crimes"]).tolist()[0] == 4
    assert pd.isna(pd.to_numeric(streets["n_crimes"]).tolist()[1])
    # <SimpleData> holds the values escaped once for XML only
    root = ET.parse(written).getroot()  # noqa: S314  # our own file
    data = [d.text for d in root.iter(f"{KML}SimpleData") if d.get("name") == "ward_name"]
    assert data == TEXTS
    # GIS readers read <description> back as the balloon's table
    descriptions = tasks["description"].tolist()
    rows = _expected_rows(frames["tasks"])
    assert [table_rows(d) for d in descriptions] == rows


def test_lines_and_polygons_keep_gdal_style_and_get_the_balloon(written: Path) -> None:
    root = ET.parse(written).getroot()  # noqa: S314  # our own file
    for folder in root.iter(f"{KML}Folder"):
        if folder.findtext(f"{KML}name") == "tasks":
            continue  # points: GDAL writes no style of their own
        for placemark in folder.iter(f"{KML}Placemark"):
            (style,) = placemark.findall(f"{KML}Style")
            assert [local(c) for c in style] == ["LineStyle", "PolyStyle", "BalloonStyle"]
            assert style.findtext(f"{KML}BalloonStyle/{KML}text") == BALLOON_TEXT


def test_folder_names_from_hostile_layer_names_are_plain(tmp_path: Path) -> None:
    frame = _frames()["wards"]
    with pytest.warns(RuntimeWarning, match="adjusted"):  # GDAL renames the layer
        path = write_kml({"Hot <i>spots</i> & $[x]": frame}, tmp_path / "x.kml", metadata=META)
    root = ET.parse(path).getroot()  # noqa: S314  # our own file
    (name,) = [f.findtext(f"{KML}name") or "" for f in root.iter(f"{KML}Folder")]
    assert not set(name) & set("<>&$[]\"'"), name
    check_balloon_styles(root)


def test_html_text_escapes_markup_and_entities() -> None:
    assert html_text(HOSTILE) == (
        "Market &amp; Town &lt;img src=x onerror=alert(1)&gt; ]]&gt; &quot;q&quot; &#x27;a&#x27;"
        " Café Żabka 東京 &#36;[name] &#36;[location]"
    )
    assert html.unescape(html_text(HOSTILE)) == HOSTILE
    table = html_table([("a<b", "x & y"), ("$[c]", "")])
    assert table == (
        "<table><tr><th>a&lt;b</th><td>x &amp; y</td></tr>"
        "<tr><th>&#36;[c]</th><td></td></tr></table>"
    )
    assert table_rows(table) == [("a<b", "x & y"), ("$[c]", "")]
