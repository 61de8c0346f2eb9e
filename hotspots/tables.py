"""
Tables behind the maps: crimes per snap point, per ward and type, and per hot area with its trend.

The Crime map and Hotspots pages, ``patchmap hotspots --json``, the export and the briefing pack
all count with these functions, so a table reads the same wherever it is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from boundaries.select import crime_type_labels
from hotspots.concentration import artefact_checks
from hotspots.trend import DEFAULT_TREND_ALPHA, MIN_SERIES_LENGTH, mann_kendall_rows, trend_labels
from spatial.crs import BNG, require_bng
from spatial.errors import ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

__all__ = [
    "TOP_AREAS",
    "hot_area_table",
    "hotspot_table",
    "snap_point_counts",
    "ward_type_table",
    "zone_membership",
]

TOP_AREAS: Final = 10
"""Hot areas listed by the Hotspots page and ``patchmap hotspots --json`` (busiest first)."""


def _require(frame: pd.DataFrame, columns: Sequence[str], *, name: str) -> None:
    require_columns(
        map(str, frame.columns),
        columns,
        source=name,
        hint="Load it with the patchmap readers, which add these columns.",
    )


def snap_point_counts(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Count crimes per snap point (identical coordinates), with their location and crime types.

    data.police.uk moves every crime to one of a fixed set of anonymous "snap points", so a
    force's 90,000 crimes fall on a few thousand points; drawing one circle per point keeps the
    map fast and shows the count.

    Parameters
    ----------
    points
        Crimes in British National Grid with ``location`` and ``crime_type``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct point, busiest first, in British National Grid: ``location`` (the
        first location named there), ``n_crimes``, ``crime_types`` (e.g. ``"Burglary 3; Drugs 1"``,
        most frequent first) and ``geometry``. Empty (same columns) when ``points`` is empty.

    Raises
    ------
    CRSError
        When ``points`` is not in British National Grid.
    MissingColumnError
        When ``location`` or ``crime_type`` is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> crimes = gpd.GeoDataFrame(
    ...     {"location": ["On or near A"] * 3, "crime_type": ["Drugs", "Burglary", "Drugs"]},
    ...     geometry=[Point(545000, 258000)] * 3,
    ...     crs="EPSG:27700",
    ... )
    >>> snap_point_counts(crimes)[["location", "n_crimes", "crime_types"]].to_dict("records")
    [{'location': 'On or near A', 'n_crimes': 3, 'crime_types': 'Drugs 2; Burglary 1'}]
    """
    require_bng(points, name="points")
    _require(points, ("location", "crime_type"), name="points")
    columns = ["location", "n_crimes", "crime_types"]
    if points.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype="object") for c in columns}, geometry=[], crs=BNG
        )
    table = pd.DataFrame(
        {
            "x": points.geometry.x.to_numpy(),
            "y": points.geometry.y.to_numpy(),
            "location": points["location"].astype("string").fillna("").to_numpy(),
            "crime_type": points["crime_type"].astype("string").fillna("Unknown").to_numpy(),
        }
    )
    by_type = (
        table.groupby(["x", "y", "crime_type"], sort=False).size().rename("n").reset_index()
    ).sort_values(["x", "y", "n", "crime_type"], ascending=[True, True, False, True])
    by_type["label"] = by_type["crime_type"] + " " + by_type["n"].astype("string")
    per_point = by_type.groupby(["x", "y"], sort=False).agg(
        n_crimes=("n", "sum"), crime_types=("label", "; ".join)
    )
    locations = table.groupby(["x", "y"], sort=False)["location"].first()
    per_point = per_point.join(locations).reset_index()
    per_point = per_point.sort_values(
        ["n_crimes", "location", "x", "y"], ascending=[False, True, True, True]
    ).reset_index(drop=True)
    return gpd.GeoDataFrame(
        {
            "location": per_point["location"],
            "n_crimes": per_point["n_crimes"].astype("int64"),
            "crime_types": per_point["crime_types"],
        },
        geometry=gpd.points_from_xy(per_point["x"], per_point["y"]),
        crs=BNG,
    )


def ward_type_table(
    points: pd.DataFrame,
    wards: pd.DataFrame,
    *,
    ward_column: str = "ward",
    name_column: str = "ward_name",
) -> pd.DataFrame:
    """
    Count crimes by ward and crime type, for the table beside the map.

    Parameters
    ----------
    points
        Crimes with a ward name (``ward_column``) and ``crime_type``.
    wards
        The wards to list (``name_column``), in the order shown; wards without crimes show 0.
    ward_column
        Column of ``points`` holding the ward name.
    name_column
        Column of ``wards`` holding the ward name.

    Returns
    -------
    pandas.DataFrame
        Indexed by ward name (index name ``Ward``); first column ``All crimes``, then one
        integer column per crime type, the most frequent type first. Crimes without a type
        count in a ``(blank)`` column (:data:`~boundaries.select.BLANK_CRIME_TYPE`), as
        summaries count them, so ``All crimes`` counts every crime.

    Raises
    ------
    MissingColumnError
        When a named column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> types = ["Drugs", "Burglary", "Drugs"]
    >>> crimes = pd.DataFrame({"ward": ["A", "A", "B"], "crime_type": types})
    >>> ward_type_table(crimes, pd.DataFrame({"ward_name": ["B", "A", "C"]})).to_dict("index")
    {'B': {'All crimes': 1, 'Drugs': 1, 'Burglary': 0}, 'A': {'All crimes': 2, 'Drugs': 1, \
'Burglary': 1}, 'C': {'All crimes': 0, 'Drugs': 0, 'Burglary': 0}}
    """
    _require(points, (ward_column, "crime_type"), name="points")
    _require(wards, (name_column,), name="wards")
    names = [str(n) for n in wards[name_column]]
    types = crime_type_labels(points["crime_type"]).astype("string")
    table = pd.crosstab(points[ward_column].astype("string"), types)
    order = table.sum(axis=0).sort_values(ascending=False, kind="stable").index
    table = table.reindex(index=names, columns=order, fill_value=0).fillna(0).astype("int64")
    table.insert(0, "All crimes", table.sum(axis=1).astype("int64"))
    table.index.name = "Ward"
    table.columns.name = None
    return table


def zone_membership(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """
    Return, for each point, the position of the first zone containing it (-1 for none).

    Parameters
    ----------
    points
        Points in British National Grid.
    zones
        Polygons in British National Grid; a point on a shared edge goes to the first.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``len(points)``.

    Raises
    ------
    CRSError
        When ``points`` or ``zones`` is not in British National Grid.

    Examples
    --------
    >>> from shapely import Point, box
    >>> zones = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=27700)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(10, 5), Point(50, 5)], crs=27700)
    >>> zone_membership(pts, zones).tolist()
    [0, 0, -1]
    """
    require_bng(points, name="points")
    require_bng(zones, name="zones")
    membership = np.full(len(points), -1, dtype=np.int64)
    if zones.empty or points.empty:
        return membership
    tree = shapely.STRtree(zones.geometry.to_numpy())
    point_pos, zone_pos = tree.query(points.geometry.to_numpy(), predicate="intersects")
    order = np.lexsort((zone_pos, point_pos))
    point_pos, zone_pos = point_pos[order], zone_pos[order]
    first = np.ones(len(point_pos), dtype=bool)
    first[1:] = point_pos[1:] != point_pos[:-1]
    membership[point_pos[first]] = zone_pos[first]
    return membership


def _month_span(points: pd.DataFrame, months: tuple[str, str] | None) -> pd.PeriodIndex:
    if months is not None:
        return pd.period_range(months[0], months[1], freq="M")
    observed = points["month"]
    return pd.period_range(observed.min(), observed.max(), freq="M")


def hotspot_table(
    points: pd.DataFrame,
    membership: npt.ArrayLike,
    *,
    labels: Sequence[str],
    months: tuple[str, str] | None = None,
    trend_alpha: float = DEFAULT_TREND_ALPHA,
) -> pd.DataFrame:
    """
    Describe hotspots: their crimes, the commonest crime types and the monthly trend.

    Parameters
    ----------
    points
        Crimes with ``crime_type`` and ``month`` (``Period[M]``).
    membership
        For each crime, the hotspot it belongs to: ``0 .. len(labels) - 1``; any other value
        (e.g. -1, or a hotspot not listed) leaves the crime out. From :func:`zone_membership`
        for polygons, or a cluster result's labels.
    labels
        One label per hotspot, in the order to list them.
    months
        ``(first, last)`` months of the trend, both included; the crimes' own span when None.
        Months without crime count as zero.
    trend_alpha
        Two-sided level of the Mann-Kendall test on the monthly counts.

    Returns
    -------
    pandas.DataFrame
        One row per hotspot: ``Hotspot``, ``Crimes``, ``Top crime types`` (three commonest with
        counts), ``Trend`` ("increasing", "decreasing", "no trend", or "too few months" when
        fewer than three months) and ``Trend p`` (two-sided Mann-Kendall p, NaN when untested).

    Raises
    ------
    MissingColumnError
        When ``crime_type`` or ``month`` is missing.
    ParameterError
        When ``membership`` does not have one entry per crime.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13(3), 245-259.
    """
    _require(points, ("crime_type", "month"), name="points")
    zone = np.asarray(membership, dtype=np.int64)
    if zone.shape != (len(points),):
        msg = f"membership has shape {zone.shape} for {len(points)} crimes; give one per crime."
        raise ParameterError(msg)
    columns = ["Hotspot", "Crimes", "Top crime types", "Trend", "Trend p"]
    n_zones = len(labels)
    if n_zones == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    listed = (zone >= 0) & (zone < n_zones)
    zone = zone[listed]
    month = points["month"].to_numpy()[listed]
    types = points["crime_type"].astype("string").to_numpy()[listed]
    span = _month_span(points, months)
    n_months = len(span)
    step = np.array(
        [(m.year - span[0].year) * 12 + (m.month - span[0].month) for m in month], dtype=np.int64
    )
    inside = (step >= 0) & (step < n_months)
    monthly = np.zeros((n_zones, n_months), dtype=np.float64)
    np.add.at(monthly, (zone[inside], step[inside]), 1.0)
    n_crimes = np.bincount(zone, minlength=n_zones)
    table = pd.DataFrame({"zone": zone, "crime_type": types})
    counts = table.groupby(["zone", "crime_type"]).size().rename("n").reset_index()
    counts = counts.sort_values(["zone", "n", "crime_type"], ascending=[True, False, True])
    top = counts.groupby("zone").head(3)
    top_text = (
        (top["crime_type"] + " " + top["n"].astype("string")).groupby(top["zone"]).agg("; ".join)
    )
    if n_months >= MIN_SERIES_LENGTH:
        _, _, trend_z, trend_p, _ = mann_kendall_rows(monthly)
        trends = [str(t) for t in trend_labels(trend_z, trend_p, alpha=trend_alpha)]
        p_values = [float(p) for p in trend_p]
    else:
        trends = ["too few months"] * n_zones
        p_values = [float("nan")] * n_zones
    return pd.DataFrame(
        {
            "Hotspot": list(labels),
            "Crimes": n_crimes.astype("int64"),
            "Top crime types": [str(top_text.get(z, "")) for z in range(n_zones)],
            "Trend": trends,
            "Trend p": p_values,
        }
    )


def hot_area_table(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    months: tuple[str, str] | None = None,
    top_n: int | None = None,
) -> pd.DataFrame:
    """
    Describe labelled hot areas: crimes inside, commonest crime types, trend and artefact check.

    Parameters
    ----------
    points
        The selected crimes (``crime_type``, ``month``, and ``location`` for the check),
        EPSG:27700.
    areas
        Hot areas with ``label`` (from :mod:`hotspots.areas`), in the order to list them.
    months
        The trend's first and last month (the crimes' own span when None).
    top_n
        List only the first ``top_n`` areas (all when None).

    Returns
    -------
    pandas.DataFrame
        As :func:`hotspot_table`, plus ``Check``: :data:`hotspots.concentration.ARTEFACT_CHECK`
        where the area holds a likely recording artefact (the rule of ``patchmap repeats``,
        :func:`hotspots.concentration.artefact_checks`), else ``""`` (also when the crimes have
        no ``location``). A crime in several areas counts in the first.

    Raises
    ------
    CRSError
        When ``points`` or ``areas`` is not in British National Grid.
    MissingColumnError
        When ``label``, ``crime_type`` or ``month`` is missing.
    """
    _require(areas, ("label",), name="areas")
    listed = areas if top_n is None else areas.head(top_n)
    membership = zone_membership(points, listed)
    labels = [str(label) for label in listed["label"]]
    table = hotspot_table(points, membership, labels=labels, months=months)
    checks = (
        artefact_checks(listed, points)
        if "location" in points.columns
        else pd.Series("", index=listed.index, dtype="str")
    )
    table["Check"] = pd.Series(checks.to_numpy(), index=table.index, dtype="str")
    return table
