"""The Near repeats page on the demo extract: Knox grid with its verdict, live zones, 7 days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from hotspots.knox import knox_test
from layers.near_repeat import knox_grid, knox_table_html
from spatial.demo import demo_incidents

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("app_pages/near_repeat.py").run()
    return at


def test_near_repeat_page_shows_the_demo_chain(page: AppTest) -> None:
    at = page
    assert not at.exception
    assert at.selectbox(key="nr_type").value == "Burglary"
    (table,) = [e.proto.body for e in at.get("html") if "knox-grid" in e.proto.body]
    events = demo_incidents().events
    burglary = events[events["crime_type"] == "Burglary"]
    knox = knox_test(burglary, permutations=999, seed=0, subject="burglaries")
    assert table == knox_table_html(knox)  # the page shows the package's answer
    assert str(knox_grid(knox).loc["1-100 m", "0-7 days"]).startswith("3.99*")
    assert ">1-100 m</th>" in table
    verdicts = [s.value for s in at.success]
    assert any(v.startswith("Burglaries within 100 m and 7 days of each other") for v in verdicts)
    text = " ".join(m.value for m in at.markdown)
    assert "near-repeat zone(s) are live" in text
    assert "weekly origins" in text


def test_near_repeat_page_zones_by_hand(page: AppTest) -> None:
    at = page
    at.date_input(key="nr_date").set_value(dt.date(2025, 5, 20)).run()
    at.checkbox(key="nr_manual").check().run()
    at.number_input(key="nr_radius").set_value(150).run()
    at.number_input(key="nr_days").set_value(10).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "On 2025-05-20," in text
    assert "(150 m, 10 days after each event)" in text
    zones = next(d.value for d in at.dataframe if "incident_ids" in d.value.columns)
    assert len(zones) > 0
    assert (zones["streets"] != "").any()  # streets inside, from the demo street network
