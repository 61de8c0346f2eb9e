"""
Backtest street forecasts: did the flagged street pieces catch next month's crime.

The street counterpart of :mod:`hotspots.backtest`, with the same rolling origin: each month
``t`` with at least ``min_train_months`` months before it is forecast from those months alone.
Streets are cut into lixels; a method scores each lixel from the earlier months' crimes, the
best-scored lixels are flagged until they cover ``c`` per cent of the **street length** (the share
of area the grid methods flag), and month ``t``'s crimes on them are counted:

hit rate
    Share of month ``t``'s snapped crimes on the flagged lixels.
PAI
    Hit rate / (flagged street length / total street length): the Predictive Accuracy Index of
    Chainey, Tompson & Uhlig (2008) on street length instead of area.

Methods: ``"streets-nkde"`` (discontinuous network KDE of all earlier months) and
``"streets-counts"`` (crimes per metre of each lixel over all earlier months). Crimes further
than ``max_snap_m`` from every street are left out and counted.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from hotspots.nkde import DEFAULT_NKDE_BANDWIDTH_M, network_kde_snapped
from spatial.errors import EmptyInputError, ParameterError
from spatial.lixels import DEFAULT_LIXEL_M, DEFAULT_LIXEL_SNAP_M, make_lixels, snap_to_lixels
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import numpy.typing as npt

    from spatial.lixels import Lixels, LixelSnap
    from spatial.network import StreetNetwork

__all__ = [
    "STREET_FORECAST_LABELS",
    "StreetBacktest",
    "StreetForecast",
    "flag_street_length",
    "street_backtest",
    "streets_beside_cells",
]

StreetForecast = Literal["streets-nkde", "streets-counts"]
STREET_FORECAST_LABELS: Final[dict[str, str]] = {
    "streets-nkde": "Streets: network KDE of all earlier months",
    "streets-counts": "Streets: crimes per metre over all earlier months",
}
"""Label of each street forecast method, for tables and charts."""
_MIN_TRAIN_MONTHS: Final = 3


@dataclass(frozen=True, eq=False)
class StreetBacktest:
    """
    Street forecast backtest results.

    Attributes
    ----------
    per_origin
        One row per method, coverage and forecast month: ``method``, ``coverage_pct``,
        ``month``, ``n_crimes`` (snapped crimes that month), ``hits``, ``hit_rate``, ``pai``
        (NaN when the month has no crime) and ``flagged_length_pct`` (street length flagged).
    summary
        One row per method and coverage: ``method``, ``method_label``, ``coverage_pct``,
        ``pai_mean``, ``pai_sd``, ``hit_rate_mean``, ``n_origins`` (the columns of
        :func:`hotspots.backtest.summary_table` that apply to streets).
    n_points, n_too_far
        Crimes given, and those further than ``max_snap_m`` from every street.
    total_street_km, lixel_m, bandwidth_m
        The street length, lixel length and NKDE bandwidth used.
    """

    per_origin: pd.DataFrame
    summary: pd.DataFrame
    n_points: int
    n_too_far: int
    total_street_km: float
    lixel_m: float
    bandwidth_m: float

    def to_dict(self) -> dict[str, object]:
        """
        Return the summary as plain data (the ``streets`` block of ``patchmap backtest --json``).

        Returns
        -------
        dict
            ``unit`` ("street length"), ``n_points``, ``n_too_far``, ``total_street_km``,
            ``lixel_m``, ``bandwidth_m``, ``origins`` (months forecast) and ``results``: one
            record per method and coverage with ``method``, ``method_label``, ``coverage_pct``,
            ``pai_mean``, ``pai_sd``, ``hit_rate_mean`` (None when not defined) and
            ``n_origins``.
        """

        def _plain(value: object) -> object:
            if isinstance(value, (float, np.floating)):
                return None if math.isnan(float(value)) else round(float(value), 4)
            if isinstance(value, np.integer):
                return int(value)
            return value

        return {
            "unit": "street length",
            "n_points": self.n_points,
            "n_too_far": self.n_too_far,
            "total_street_km": round(self.total_street_km, 3),
            "lixel_m": self.lixel_m,
            "bandwidth_m": self.bandwidth_m,
            "origins": sorted(set(self.per_origin["month"].astype(str))),
            "results": [
                {str(k): _plain(v) for k, v in row.items()}
                for row in self.summary.to_dict(orient="records")
            ],
        }


def flag_street_length(
    scores: npt.NDArray[np.float64], length_m: npt.NDArray[np.float64], coverage_pct: float
) -> npt.NDArray[np.int64]:
    """
    Flag the best-scored pieces until they cover ``coverage_pct`` % of the street length.

    Parameters
    ----------
    scores
        One score per piece (higher first; ties to the lower index).
    length_m
        Length of each piece.
    coverage_pct
        Share of the total length to flag, in (0, 100].

    Returns
    -------
    numpy.ndarray
        Indices of the flagged pieces, best first: the fewest whose length reaches the share.

    Raises
    ------
    ParameterError
        When ``coverage_pct`` is outside (0, 100].

    Examples
    --------
    >>> flag_street_length(np.array([1.0, 5, 3, 5]), np.array([50.0, 50, 50, 20]), 50).tolist()
    [1, 3, 2]
    """
    if not (math.isfinite(coverage_pct) and 0 < coverage_pct <= 100):  # noqa: PLR2004
        msg = f"coverage_pct must be above 0 and at most 100; found {coverage_pct}."
        raise ParameterError(msg)
    order = np.lexsort((np.arange(len(scores)), -scores))
    cum = np.cumsum(length_m[order])
    target = coverage_pct / 100.0 * float(length_m.sum())
    n = int(np.searchsorted(cum, target - 1e-9) + 1)
    return order[: min(n, len(order))].astype(np.int64)


def _subset(snap: LixelSnap, keep: npt.NDArray[np.bool_]) -> LixelSnap:
    """Keep the crimes in ``keep`` only (mark the others as not snapped)."""
    return dataclasses.replace(snap, snapped=snap.snapped & keep)


def _scores(
    method: StreetForecast, train: LixelSnap, lixels: Lixels, bandwidth_m: float
) -> npt.NDArray[np.float64]:
    if method == "streets-nkde":
        return network_kde_snapped(train, lixels=lixels, bandwidth_m=bandwidth_m).density_per_m
    counts = np.bincount(train.lixel[train.snapped], minlength=lixels.n_lixels)
    return counts / np.maximum(lixels.length_m, 1e-9)


def street_backtest(
    points: gpd.GeoDataFrame,
    *,
    network: StreetNetwork,
    methods: Sequence[StreetForecast] = ("streets-nkde", "streets-counts"),
    coverages_pct: Sequence[float] = (1.0, 5.0, 10.0),
    min_train_months: int = _MIN_TRAIN_MONTHS,
    lixel_m: float = DEFAULT_LIXEL_M,
    bandwidth_m: float = DEFAULT_NKDE_BANDWIDTH_M,
    max_snap_m: float = DEFAULT_LIXEL_SNAP_M,
) -> StreetBacktest:
    """
    Backtest street forecasts by rolling origin, with PAI on street length.

    Parameters
    ----------
    points
        Crimes in EPSG:27700 with ``month`` (``Period[M]`` or ``YYYY-MM``).
    network
        The street network.
    methods
        ``"streets-nkde"`` and/or ``"streets-counts"``.
    coverages_pct
        Shares of street length to flag, in per cent (as the grid's shares of area).
    min_train_months
        Months before the first forecast month.
    lixel_m, bandwidth_m, max_snap_m
        Lixel length, NKDE bandwidth and largest snapping distance.

    Returns
    -------
    StreetBacktest
        Per-origin results and their means.

    Raises
    ------
    ParameterError
        When a method is unknown, a coverage is out of range, or there are too few months.
    EmptyInputError
        When no crime lies near a street.

    References
    ----------
    Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of hotspot mapping for predicting
    spatial patterns of crime. Security Journal 21, 4-28.
    """
    unknown = [m for m in methods if m not in STREET_FORECAST_LABELS]
    if unknown:
        msg = f"Unknown street method(s) {unknown}; choose from {list(STREET_FORECAST_LABELS)}."
        raise ParameterError(msg)
    months = points["month"].astype(str).to_numpy()
    unique = sorted(set(months.tolist()))
    if len(unique) <= min_train_months:
        msg = (
            f"A backtest needs more than {count_text(min_train_months, 'month')} of crimes; found "
            f"{len(unique)}. Select more months."
        )
        raise ParameterError(msg)
    lixels = make_lixels(network, lixel_m=lixel_m)
    snap = snap_to_lixels(lixels, points, max_snap_m=max_snap_m)
    if snap.n_snapped == 0:
        msg = f"None of the {snap.n_points} crimes lies within {max_snap_m:g} m of a street."
        raise EmptyInputError(msg)
    length = lixels.length_m
    rows = []
    for month in unique[min_train_months:]:
        train = _subset(snap, months < month)
        now = snap.snapped & (months == month)
        n_now = int(now.sum())
        for method in methods:
            scores = _scores(method, train, lixels, bandwidth_m)
            for coverage in coverages_pct:
                flagged = flag_street_length(scores, length, coverage)
                hits = int(np.isin(snap.lixel[now], flagged).sum())
                share_length = float(length[flagged].sum() / length.sum())
                hit_rate = hits / n_now if n_now else math.nan
                rows.append(
                    {
                        "method": method,
                        "coverage_pct": float(coverage),
                        "month": month,
                        "n_crimes": n_now,
                        "hits": hits,
                        "hit_rate": hit_rate,
                        "pai": hit_rate / share_length if n_now else math.nan,
                        "flagged_length_pct": 100.0 * share_length,
                    }
                )
    per_origin = pd.DataFrame(rows)
    grouped = per_origin.groupby(["method", "coverage_pct"], sort=False)
    summary = grouped.agg(
        pai_mean=("pai", "mean"),
        pai_sd=("pai", "std"),
        hit_rate_mean=("hit_rate", "mean"),
        n_origins=("pai", "count"),
    ).reset_index()
    summary.insert(1, "method_label", summary["method"].map(STREET_FORECAST_LABELS))
    return StreetBacktest(
        per_origin=per_origin,
        summary=summary,
        n_points=snap.n_points,
        n_too_far=snap.n_too_far,
        total_street_km=lixels.total_length_m / 1000.0,
        lixel_m=float(lixel_m),
        bandwidth_m=float(bandwidth_m),
    )


def streets_beside_cells(street: StreetBacktest, cells: pd.DataFrame) -> pd.DataFrame:
    """
    Put the street methods' PAI beside the grid methods' PAI, coverage by coverage.

    Parameters
    ----------
    street
        From :func:`street_backtest`.
    cells
        :func:`hotspots.backtest.summary_table` of a grid backtest at the same coverages.

    Returns
    -------
    pandas.DataFrame
        ``unit`` ("cells" or "streets"), ``method``, ``method_label``, ``coverage_pct``,
        ``pai_mean``, ``hit_rate_mean``, ``n_origins``, sorted by coverage then PAI (best first).
        Cells flag a share of the area, streets the same share of street length.
    """
    columns = ["method", "method_label", "coverage_pct", "pai_mean", "hit_rate_mean", "n_origins"]
    both = pd.concat(
        [cells[columns].assign(unit="cells"), street.summary[columns].assign(unit="streets")],
        ignore_index=True,
    )
    both = both[["unit", *columns]]
    return both.sort_values(
        ["coverage_pct", "pai_mean"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
