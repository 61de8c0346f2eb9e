"""Next month on the Hotspots page: street forecasts (PAI on street length) beside the cells."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.select import Selection, select_points
from hotspots.street_backtest import street_backtest
from spatial.network import load_network

if TYPE_CHECKING:
    import pandas as pd

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/hotspots.py"


def _cells_or_streets(at: AppTest) -> pd.DataFrame:
    """The cells-or-streets table (dataframe elements expose no key)."""
    (frame,) = [d.value for d in at.dataframe if {"unit", "pai_mean"} <= set(d.value.columns)]
    return frame


def test_next_month_puts_the_street_forecasts_beside_the_cells(demo_area: StudyArea) -> None:
    assert demo_area.network_path is not None
    points = select_points(demo_area, Selection(months=(demo_area.months[0], demo_area.months[-1])))
    expected = street_backtest(
        points, network=load_network(demo_area.network_path), coverages_pct=[5.0]
    ).summary.set_index("method")

    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error
    table = _cells_or_streets(at)
    assert set(table["unit"]) == {"cells", "streets"}
    streets = table.loc[table["unit"] == "streets"].set_index("method_label")
    assert len(streets) == len(expected) == 2
    for method, row in expected.iterrows():
        shown = streets.loc[row["method_label"]]
        assert shown["pai_mean"] == pytest.approx(row["pai_mean"])
        assert shown["hit_rate_mean"] == pytest.approx(row["hit_rate_mean"])
        assert method in {"streets-nkde", "streets-counts"}
    pais = table["pai_mean"].tolist()
    assert pais == sorted(pais, reverse=True)  # best first
    assert any("cover 5 % of the" in c.value and "km of street" in c.value for c in at.caption)

    at.selectbox(key="next_month_coverage_pct").set_value(10.0).run()
    assert not at.exception
    assert any("cover 10 % of the" in c.value for c in at.caption)
