from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from boundaries.dataset import load_demo
from hotspots.street_backtest import flag_street_length, street_backtest, streets_beside_cells
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.network import StreetNetwork, load_network, network_from_graph

X0, Y0 = 530_000.0, 180_000.0


def long_street() -> StreetNetwork:
    """One 1 km street in ten 100 m segments."""
    g = nx.MultiDiGraph(crs=BNG)
    for k in range(11):
        g.add_node(k, x=X0 + 100 * k, y=Y0)
    for k in range(10):
        g.add_edge(k, k + 1, length=100.0, name="Long Street")
    return network_from_graph(g)


def crimes_at(offsets: list[float], months: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"month": pd.PeriodIndex(months, freq="M")},
        geometry=gpd.points_from_xy(np.array(offsets) + X0, [Y0 + 1] * len(offsets)),
        crs=BNG,
    )


def test_a_street_hot_every_month_is_forecast_with_pai_on_street_length() -> None:
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    # every month: 3 crimes at 120 m and one elsewhere (at 900 m in the last month)
    offsets = [120.0, 121.0, 122.0, 600.0] * 4 + [120.0, 121.0, 122.0, 900.0]
    crimes = crimes_at(offsets, [m for m in months for _ in range(4)])
    result = street_backtest(
        crimes, network=long_street(), coverages_pct=[5.0], lixel_m=50, min_train_months=3
    )
    counts = result.per_origin[result.per_origin["method"] == "streets-counts"]
    assert counts["month"].tolist() == ["2025-04", "2025-05"]
    # 5 % of 1 km is 50 m: one lixel, 100..150 m, holds 3 of each month's 4 crimes
    np.testing.assert_allclose(counts["hit_rate"], [0.75, 0.75])
    np.testing.assert_allclose(counts["pai"], [15.0, 15.0])
    np.testing.assert_allclose(counts["flagged_length_pct"], [5.0, 5.0])
    summary = result.summary.set_index("method")
    assert summary.loc["streets-nkde", "pai_mean"] == pytest.approx(15.0)
    assert result.n_too_far == 0


def test_flagging_by_street_length_and_errors() -> None:
    flagged = flag_street_length(np.array([1.0, 5, 3, 5]), np.array([50.0, 50, 50, 20]), 50)
    assert flagged.tolist() == [1, 3, 2]
    with pytest.raises(ParameterError, match="coverage_pct"):
        flag_street_length(np.array([1.0]), np.array([1.0]), 0)
    crimes = crimes_at([10.0, 20.0], ["2025-01", "2025-02"])
    with pytest.raises(ParameterError, match="needs more than 3 months"):
        street_backtest(crimes, network=long_street())
    with pytest.raises(ParameterError, match="Unknown street method"):
        street_backtest(crimes, network=long_street(), methods=["kde"])  # type: ignore[list-item]


def test_streets_beat_chance_on_the_demo() -> None:
    area = load_demo()
    assert area.network_path is not None
    result = street_backtest(
        area.points, network=load_network(area.network_path), coverages_pct=[5.0]
    )
    assert (result.summary["pai_mean"] > 3).all()
    assert (result.summary["n_origins"] == 9).all()


def test_streets_are_listed_beside_cells_by_coverage_and_pai() -> None:
    months = ["2025-01", "2025-02", "2025-03", "2025-04"]
    crimes = crimes_at([120.0, 121.0, 122.0, 600.0] * 4, [m for m in months for _ in range(4)])
    streets = street_backtest(crimes, network=long_street(), coverages_pct=[5.0], lixel_m=50)
    cells = pd.DataFrame(
        {
            "method": ["kde"],
            "method_label": ["KDE"],
            "coverage_pct": [5.0],
            "pai_mean": [20.0],
            "hit_rate_mean": [1.0],
            "n_origins": [1],
        }
    )
    both = streets_beside_cells(streets, cells)
    assert both["unit"].tolist() == ["cells", "streets", "streets"]
    assert both["pai_mean"].tolist() == [20.0, 15.0, 15.0]
