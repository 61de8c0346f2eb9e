"""The force overview's choropleth: classes a reader can trust and rates that name their period."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from boundaries.overview import ForceOverview
from layers.overview import annual_rate, choropleth_breaks, class_labels, overview_map, rate_label
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.wording import month_count, period_text


def _overview(counts: list[int], rates: list[float], months: list[str]) -> ForceOverview:
    n = len(counts)
    wards = gpd.GeoDataFrame(
        {
            "ward_code": [f"E0{i}" for i in range(n)],
            "ward_name": [f"Ward {chr(65 + i)}" for i in range(n)],
            "n_crimes": counts,
            "rate_per_1000": rates,
        },
        geometry=[
            box(545_000 + 1_000 * i, 258_000, 545_900 + 1_000 * i, 258_900) for i in range(n)
        ],
        crs=BNG,
    )
    by_month = pd.DataFrame(
        [[c, *([0] * (len(months) - 1))] for c in counts],
        index=pd.Index(wards["ward_name"], name="ward_name"),
        columns=pd.Index(months, name="month"),
    )
    return ForceOverview(
        wards=wards, by_ward_month=by_month, n_located=sum(counts), n_outside_wards=0
    )


def _legend(html: str) -> list[str]:
    """The legend's title and its rows' labels, top to bottom."""
    (body,) = re.findall(r'innerHTML = (".*?");\n', html)
    text = json.loads(body)
    title = re.findall(r'font-weight:600">([^<]*)<', text)
    rows = re.findall(r'patchmap-legend-row">(?:<[^>]*>)*?([^<>]+)</div>', text)
    return [*title, *rows]


def test_small_counts_get_no_degenerate_classes() -> None:
    # Two crimes among 14 wards (wards of another area over a store): quantile edges fall
    # inside integers, which printed as "1 to 1" and "0 to 0".
    counts = [0] * 9 + [1] * 4 + [2]
    breaks = choropleth_breaks(counts, decimals=0)
    assert all(b == int(b) for b in breaks)
    labels = class_labels(breaks, "n_crimes")
    assert labels == ("0", "1 to 2")  # edges 0, 1, 2: the top class holds its upper edge
    html = overview_map(_overview(counts, [np.nan] * 14, ["2025-09"]), tiles="none")
    assert _legend(html.get_root().render()) == ["Crimes", "1 to 2", "0"]


def test_count_classes_partition_the_integers_and_use_separators() -> None:
    counts = [3, 7, 12, 40, 41, 180, 950, 1_200, 4_206, 46_565]
    breaks = choropleth_breaks(counts, decimals=0)
    labels = class_labels(breaks, "n_crimes")
    covered: list[tuple[int, int]] = []
    for label in labels:
        low, _, high = label.replace(",", "").partition(" to ")
        covered.append((int(low), int(high or low)))
    # Consecutive, non-overlapping whole-number ranges from the least to the most.
    assert covered[0][0] == 3
    assert covered[-1][1] == 46_565
    assert all(b[0] == a[1] + 1 for a, b in pairwise(covered))
    assert labels[-1].endswith("46,565")


def test_rates_round_to_one_decimal_and_name_their_period() -> None:
    rates = [88.7123, 120.04, 402.6187, 4_457.6872]
    overview = _overview([100, 200, 400, 4_000], rates, [f"2025-0{m}" for m in (7, 8, 9)])
    breaks = choropleth_breaks(rates, decimals=1)
    assert breaks[0] == pytest.approx(88.7)
    assert breaks[-1] == pytest.approx(4_457.7)
    html = (
        overview_map(overview, measure="rate_per_1000", period=("2025-07", "2025-09"), tiles="none")
        .get_root()
        .render()
    )
    legend = _legend(html)
    assert legend[0] == "Crimes per 1,000 residents, 2025-07 to 2025-09 (3 months)"
    assert legend[1].endswith(" to 4,457.7")
    assert "4457.6872" not in html
    # The tooltip names the period of the count and of the rate.
    assert "Crimes, 2025-07 to 2025-09 (3 months)" in html
    # Without a period, the overview's own months are named.
    html = overview_map(overview, measure="rate_per_1000", tiles="none").get_root().render()
    assert _legend(html)[0].endswith("2025-07 to 2025-09 (3 months)")


def test_period_words_and_annual_rate() -> None:
    assert month_count("2013-10", "2025-09") == 144
    assert month_count("2024-09", "2025-09") == 13
    assert period_text("2025-09", "2025-09") == "2025-09 (1 month)"
    assert rate_label("2024-09", "2025-09") == (
        "Crimes per 1,000 residents, 2024-09 to 2025-09 (13 months)"
    )
    # Market over 144 months: 4,457.7 for the period is 371.5 a year.
    assert annual_rate(4_457.7, "2013-10", "2025-09") == pytest.approx(371.475)
    assert np.isnan(annual_rate(float("nan"), "2025-07", "2025-09"))
    with pytest.raises(ParameterError, match="runs backwards: 2025-09 to 2025-07"):
        month_count("2025-09", "2025-07")
    with pytest.raises(ParameterError, match="must be YYYY-MM"):
        period_text("Sept", "2025-09")
