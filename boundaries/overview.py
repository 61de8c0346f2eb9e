"""
A force-wide overview: crimes by ward and month over every ward of a force, from a store.

A force analyst opens this first (every ward at once, counts and rates by ward), then picks a
ward to profile as usual. Only four columns of the located rows are read (see
:func:`spatial.store.located_points`), so it opens in seconds on a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from boundaries.assign import assign_wards
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError

if TYPE_CHECKING:
    from boundaries.population import WardPopulation

__all__ = ["ForceOverview", "force_overview"]


@dataclass(frozen=True)
class ForceOverview:
    """Counts by ward and month; every located row counted once, in a ward or outside all."""

    wards: gpd.GeoDataFrame
    """EPSG:27700: ``ward_code``, ``ward_name``, ``n_crimes``, ``rate_per_1000`` (NaN without
    a population), ``geometry``."""
    by_ward_month: pd.DataFrame
    """``ward_name`` x ``month`` (``YYYY-MM``) crime counts, zeros included."""
    n_located: int
    """Located rows read."""
    n_outside_wards: int
    """Located rows in no ward (other forces' areas, or outside the wards file)."""

    @property
    def months(self) -> tuple[str, ...]:
        """The months counted, sorted."""
        return tuple(str(m) for m in self.by_ward_month.columns)


def force_overview(
    points: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    *,
    population: WardPopulation | None = None,
) -> ForceOverview:
    """
    Count located crimes by ward and month, and their rate per 1,000 residents.

    Parameters
    ----------
    points
        ``month`` (``YYYY-MM``), ``x_m``, ``y_m`` in BNG metres (as
        :func:`spatial.store.located_points` gives).
    wards
        Ward boundaries in EPSG:27700 with ``ward_code``, ``ward_name`` and ``neighbourhood``
        (as a :class:`~boundaries.dataset.StudyArea` holds them).
    population
        Residents per ward; rates are NaN when None.

    Returns
    -------
    ForceOverview
        Counts per ward, each point assigned as :func:`boundaries.assign.assign_wards` does.

    Raises
    ------
    CRSError
        When the wards are not in EPSG:27700.
    EmptyInputError
        When there are no points.
    """
    require_bng(wards, name="wards")
    if points.empty:
        msg = "No located crimes to count. Check the months, or ingest the force's files."
        raise EmptyInputError(msg)
    frame = gpd.GeoDataFrame(
        {"month": points["month"].astype(str).to_numpy()},
        geometry=gpd.points_from_xy(points["x_m"], points["y_m"]),
        crs=BNG,
    )
    inside = assign_wards(frame, wards).inside
    names = wards["ward_name"].to_numpy()
    counted = pd.DataFrame({"ward_name": inside["ward"], "month": inside["month"]})
    months = sorted(points["month"].astype(str).unique())
    table = (
        pd.crosstab(counted["ward_name"], counted["month"])
        .reindex(index=list(names), columns=months, fill_value=0)
        .astype("int64")
    )
    result = wards[["ward_code", "ward_name", "geometry"]].copy()
    result["n_crimes"] = table.sum(axis=1).to_numpy()
    residents = (
        result["ward_name"].map(population.by_ward).astype("float64")
        if population is not None
        else pd.Series(np.nan, index=result.index)
    )
    result["rate_per_1000"] = 1000.0 * result["n_crimes"] / residents.where(residents > 0)
    return ForceOverview(
        wards=result,
        by_ward_month=table,
        n_located=len(points),
        n_outside_wards=len(points) - len(inside),
    )
