"""
A force-wide overview: crimes by ward and month over every ward of a force, from a store.

A force analyst opens this first (every ward at once, counts and rates by ward), then picks a
ward to profile as usual. Only four columns of the located rows are read (see
:func:`spatial.store.located_points`), so it opens in seconds on a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from boundaries.assign import ward_of_places
from spatial.crs import require_bng
from spatial.errors import EmptyInputError

if TYPE_CHECKING:
    import geopandas as gpd

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
    table = _ward_month_table(points, wards)
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
        n_outside_wards=len(points) - int(table.to_numpy().sum()),
    )


def _ward_month_table(points: pd.DataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    Count points by ward (rows, file order) and month (columns, sorted), zeros included.

    data.police.uk snaps crimes to a few thousand places, so each distinct place is assigned
    once by :func:`boundaries.assign.assign_wards` (the same answer as for each of its crimes)
    and the counts are summed on integer codes.
    """
    place = points["x_m"].to_numpy("float64") + 1j * points["y_m"].to_numpy("float64")
    place_code, places = pd.factorize(place)
    names = pd.Index(wards["ward_name"])  # unique: spatial.io.read_wards checks
    ward = ward_of_places(places.real, places.imag, wards)[place_code]
    months = sorted(points["month"].astype(str).unique())
    month = pd.Index(months).get_indexer(points["month"].astype(str))
    kept = ward >= 0
    flat = np.bincount(
        ward[kept] * len(months) + month[kept], minlength=len(names) * len(months)
    ).astype("int64")
    return pd.DataFrame(
        flat.reshape(len(names), len(months)),
        index=pd.Index(list(names), name="ward_name"),
        columns=pd.Index(months, name="month"),
    )
