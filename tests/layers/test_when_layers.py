from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from hotspots.when import hour_of_week
from layers.metadata import ExportMetadata
from layers.when import (
    WHEN_POLICE_ONLY,
    chart_html,
    hour_of_week_chart,
    hour_of_week_csv,
    hour_of_week_html,
    hour_of_week_long,
    hour_of_week_png,
    patrol_window_map,
    when_file_lines,
    when_file_metadata,
)
from spatial.errors import ParameterError

FRI = pd.Timestamp("2025-01-03 22:30")


def test_long_table_and_chart_keep_monday_first() -> None:
    how = hour_of_week(pd.DataFrame({"start": [FRI], "end": [FRI]}))
    long = hour_of_week_long(how)
    assert len(long) == 168
    assert long.iloc[0][["day", "hour"]].tolist() == ["Mon", 0]
    assert long.loc[(long["day"] == "Fri") & (long["hour"] == 22), "events"].item() == 1.0
    spec = hour_of_week_chart(how).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["y"]["sort"][0] == "Mon"
    marked = when_file_metadata("x", area="y", files=["op.csv"], is_demo=False)
    assert hour_of_week_png(how, metadata=marked)[:8] == b"\x89PNG\r\n\x1a\n"


def test_patrol_window_map_escapes_text() -> None:
    wards = gpd.GeoDataFrame(
        {"ward_name": ["Castle"]}, geometry=[Point(454_000, 269_500).buffer(500)], crs="EPSG:27700"
    )
    problems = gpd.GeoDataFrame(
        {
            "problem_id": ["P1"],
            "label": ["<b>Market</b>"],
            "n_crimes": [40],
            "score": [12.0],
            "patrol_window_text": ["Fri and Sat 22:00-03:00: 80% <script>"],
        },
        geometry=[Point(454_000, 269_500).buffer(100)],
        crs="EPSG:27700",
    )
    events = gpd.GeoDataFrame(
        {"crime_type": ["<i>Violence</i>"]}, geometry=[Point(454_010, 269_500)], crs="EPSG:27700"
    )
    html = patrol_window_map(wards, problems, events, tiles="none").get_root().render()
    amp = "\\u0026"  # folium writes & inside JSON as \u0026
    assert f"80% {amp}lt;script{amp}gt;" in html
    assert "80% <script>" not in html
    assert f"{amp}lt;i{amp}gt;Violence" in html
    assert "<i>Violence" not in html


def test_chart_html_keeps_hostile_text_inside_its_script() -> None:
    hostile = "Violence in </script><script>alert(1)</script> & <b>Market</b>"
    how = hour_of_week(pd.DataFrame({"start": [FRI], "end": [FRI]}))
    page = chart_html(hour_of_week_chart(how, title=hostile))
    assert "<script>alert(1)" not in page
    assert "<b>" not in page
    assert page.count("</script>") == page.count("<script")  # only the page's own scripts
    start = page.index("var spec = ") + len("var spec = ")
    spec = json.loads(page[start : page.index(";\n", start)])
    assert spec["title"] == hostile  # the chart shows the text as it was
    assert "\\u003c/script\\u003e" in page


def test_hour_of_week_files_carry_the_police_marker_and_escape_names() -> None:
    how = hour_of_week(pd.DataFrame({"start": [FRI], "end": [FRI]}))
    hostile = "Market\n</pre><script>alert(1)</script>,=SUM(A1)"
    marked = when_file_metadata(
        "Crimes", area=hostile, files=["op_x.csv"], is_demo=False, period=("2025-01", "2025-01")
    )
    text = hour_of_week_csv(how, metadata=marked)
    table = pd.read_csv(io.StringIO(text), comment="#", index_col="day")
    assert table.loc["Fri", "22"] == 1.0
    assert table.to_numpy().sum() == 1.0  # the name's line break made no row of its own
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert head[:2] == [f"# {WHEN_POLICE_ONLY}", "# patchmap when: Crimes"]
    assert "# Audience: police (no suppression)" in head
    assert "# Period: 2025-01 to 2025-01" in head
    page = hour_of_week_html(how, metadata=marked, title="Crimes")
    assert "<script>alert(1)" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)" in page
    assert page.index('id="patchmap-metadata"') < page.index('<div id="vis">')


def test_hour_of_week_files_are_made_for_no_other_audience() -> None:
    partner = ExportMetadata(title="x", area="y", audience="partner", min_count=5, period=None)
    how = hour_of_week(pd.DataFrame({"start": [FRI], "end": [FRI]}))
    with pytest.raises(ParameterError, match="made for the police only"):
        hour_of_week_csv(how, metadata=partner)
    with pytest.raises(ParameterError, match="this metadata is for the partner"):
        when_file_lines(partner)
