from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.select import Selection
from hotspots.backtest import backtest, describe_backtest
from hotspots.cube import cube_for_selection
from hotspots.forecast import forecast_cells, n_flagged
from hotspots.methods import DEFAULT_METHODS

if TYPE_CHECKING:
    import pandas as pd

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/hotspots.py"
COVERAGE_KEY = "next_month_coverage_pct"
METHODS = ("counts-all", "kde", "prospective", "gistar", "model", "default")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not at.error
    return at


def _next_tables(at: AppTest) -> list[pd.DataFrame]:
    """The next-month cell tables on the page (dataframe elements expose no key)."""
    frames = [d.value for d in at.dataframe]
    return [f for f in frames if {"rank", "n_crimes_past"} <= set(f.columns)]


def test_next_month_shows_the_backtest_sentence_chart_and_cells(demo_area: StudyArea) -> None:
    cube = cube_for_selection(
        demo_area, Selection(months=(demo_area.months[0], demo_area.months[-1]))
    )
    result = backtest(cube, methods=[DEFAULT_METHODS[m] for m in METHODS], coverages_pct=[5])
    expected = describe_backtest(result, coverage_pct=5, crime="crime", area="all wards")
    forecast = forecast_cells(cube, month=cube.next_month, method=result.default.method)

    at = _page()
    assert expected in [i.value for i in at.info]
    assert any(
        c.value.startswith(f"The {len(forecast.cells)} cells to patrol in {forecast.month}")
        for c in at.caption
    )
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    (table,) = _next_tables(at)
    assert table["rank"].tolist() == list(range(1, n_flagged(cube.grid.n_cells, 5) + 1))
    assert table["cell_id"].tolist() == forecast.cells["cell_id"].tolist()


def test_next_month_coverage_changes_the_cells_flagged(demo_area: StudyArea) -> None:
    cube = cube_for_selection(
        demo_area, Selection(months=(demo_area.months[0], demo_area.months[-1]))
    )
    at = _page()
    at.selectbox(key=COVERAGE_KEY).set_value(10.0).run()
    assert not at.exception
    (table,) = _next_tables(at)
    assert len(table) == n_flagged(cube.grid.n_cells, 10)
    assert any("the top 10 % of cells picked by" in i.value for i in at.info)


def test_next_month_asks_for_four_months(demo_area: StudyArea) -> None:
    at = _page()
    at.select_slider(key="months").set_value((demo_area.months[0], demo_area.months[2])).run()
    assert not at.exception
    assert not at.error
    assert any("select at least 4 months" in c.value for c in at.caption)
    assert _next_tables(at) == []


def test_next_month_map_is_drawn_on_request() -> None:
    at = _page()
    assert not at.toggle(key="next_month_show_map").value
    at.toggle(key="next_month_show_map").set_value(True).run()
    assert not at.exception
    assert not at.error
    assert "Crimes: in the cell over the months the forecast was made from." in [
        c.value for c in at.caption
    ]
