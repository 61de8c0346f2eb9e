"""
Repeat locations and the concentration of crime: top snap points, top-cell shares, Gini.

* :func:`repeat_locations` ranks the police.uk snap points by the number of crimes recorded there.
* :func:`concentration` measures how much of the crime the busiest 1, 5 and 10 % of grid cells
  hold, and the Gini coefficient in the generalised form of Bernasco & Steenbeek (2017), which
  compares the Lorenz curve with the most equal spread *possible* when there are fewer crimes
  than cells, beside the Gini expected if the same crimes fell on the cells at random (the Poisson
  null), so a high Gini from sparse counts is not mistaken for concentration.
* :func:`flag_artefacts` lists snap points that are likely recording artefacts: named after a
  police station (crimes reported at the front counter are often located there), or holding an
  extreme share of their ward's crime.
* :func:`artefact_checks` marks the places built from the crimes (hot cells, hot areas, EVA
  stops) that hold such a snap point with :data:`ARTEFACT_CHECK`: they are still shown, flagged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from boundaries.select import crime_type_labels
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import count_points
from spatial.validate import require_columns

if TYPE_CHECKING:
    import numpy.typing as npt

    from spatial.grid import Grid

__all__ = [
    "ARTEFACT_CHECK",
    "ARTEFACT_NAME_PATTERN",
    "DEFAULT_ARTEFACT_MIN_CRIMES",
    "DEFAULT_ARTEFACT_WARD_SHARE",
    "DEFAULT_NULL_SIMULATIONS",
    "DEFAULT_TOP_N",
    "N_TOP_CRIME_TYPES",
    "POLICE_BUILDING_NOTE",
    "TOP_CELL_FRACTIONS",
    "ConcentrationResult",
    "artefact_checks",
    "concentration",
    "flag_artefacts",
    "generalised_gini",
    "gini",
    "police_building_note",
    "repeat_locations",
    "repeat_locations_flagged",
    "share_in_top",
]

N_TOP_CRIME_TYPES: Final = 3
"""How many crime types ``top_crime_types`` lists per snap point (and per cluster)."""
DEFAULT_TOP_N: Final = 10
"""How many snap points :func:`repeat_locations` returns."""
TOP_CELL_FRACTIONS: Final = (0.01, 0.05, 0.10)
"""The busiest fractions of cells whose share of crime :func:`concentration` reports."""
DEFAULT_NULL_SIMULATIONS: Final = 99
"""Random allocations of the crimes to cells used for the Poisson-null Gini."""
DEFAULT_ARTEFACT_WARD_SHARE: Final = 0.20
"""A snap point holding at least this share of its ward's crime is flagged for review."""
DEFAULT_ARTEFACT_MIN_CRIMES: Final = 20
"""A snap point needs at least this many crimes to be flagged for its share of the ward."""
ARTEFACT_NAME_PATTERN: Final = re.compile(
    r"\bpolice (station|office|headquarters)\b", re.IGNORECASE
)
"""Location names that mark crimes recorded at a police building rather than where they happened."""
ARTEFACT_CHECK: Final = "check: possible recording artefact"
"""The mark of a place holding a snap point :func:`flag_artefacts` flags (as ``patchmap repeats``
and ``profile`` print it): it names no place and no count, so any audience may see it."""

_LOCATION_PREFIX: Final = re.compile(r"^\s*on or near\s+", re.IGNORECASE)
_REPEAT_COLUMNS: Final = (
    "rank",
    "location",
    "street",
    "n_crimes",
    "share_of_crimes",
    "n_months",
    "top_crime_types",
    "ward",
    "x_m",
    "y_m",
    "geometry",
)
_ARTEFACT_COLUMNS: Final = (
    "location",
    "ward",
    "n_crimes",
    "n_ward_crimes",
    "share_of_ward",
    "named_police_station",
    "extreme_share",
    "reason",
    "geometry",
)


@dataclass(frozen=True, eq=False)
class ConcentrationResult:
    """
    How concentrated crime is across the cells of a grid.

    Attributes
    ----------
    n_crimes
        Crimes counted in the cells.
    n_outside
        Crimes outside every cell (not counted).
    n_cells
        Cells in the grid.
    n_cells_with_crime
        Cells with at least one crime.
    share_top_1pct, share_top_5pct, share_top_10pct
        Share (0-1) of the crimes in the busiest 1, 5 and 10 % of cells, read off the
        concentration curve with linear interpolation between whole cells.
    gini
        The standard Gini coefficient of the cell counts (0 = equal, near 1 = all in one cell).
    gini_generalised
        Bernasco & Steenbeek's generalised Gini: equal to ``gini`` when there are at least as many
        crimes as cells, otherwise measured against the most equal spread possible (each crime in
        its own cell): ``(n_cells / n_crimes) * (gini - 1) + 1``.
    gini_null
        The mean generalised Gini of the same number of crimes dropped on the cells uniformly at
        random (the Poisson/multinomial null), over ``n_simulations`` seeded draws.
    n_simulations
        Draws behind ``gini_null``.
    curve
        The concentration curve: ``share_of_cells`` and ``share_of_crimes`` (both 0-1, cells from
        busiest to quietest, starting at (0, 0)).
    notes
        Sentences for the user.
    """

    n_crimes: int
    n_outside: int
    n_cells: int
    n_cells_with_crime: int
    share_top_1pct: float
    share_top_5pct: float
    share_top_10pct: float
    gini: float
    gini_generalised: float
    gini_null: float
    n_simulations: int
    curve: pd.DataFrame
    notes: tuple[str, ...] = ()


def _counts_array(counts: npt.ArrayLike) -> npt.NDArray[np.float64]:
    x = np.asarray(counts, dtype=np.float64).ravel()
    if x.size == 0:
        msg = "There are no cells to measure. Select at least one ward."
        raise EmptyInputError(msg)
    if not np.isfinite(x).all() or (x < 0).any():
        msg = "Counts must be finite and not negative; check the cell counts passed in."
        raise ParameterError(msg)
    if x.sum() <= 0:
        msg = "No crimes fall in the cells. Widen the months, crime types or wards selected."
        raise EmptyInputError(msg)
    return x


def gini(counts: npt.ArrayLike) -> float:
    """
    Return the standard Gini coefficient of counts per place.

    Parameters
    ----------
    counts
        Crimes per place (cells, streets, snap points), zeros included; not all zero.

    Returns
    -------
    float
        ``2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n`` with the counts sorted ascending,
        ``i = 1..n`` (DescTools' ``Gini(x, unbiased = FALSE)``).

    Raises
    ------
    EmptyInputError
        When there are no places or no crimes.
    ParameterError
        When a count is negative or not finite.

    Examples
    --------
    >>> round(gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.78
    """
    x = np.sort(_counts_array(counts))
    n = x.size
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * (ranks * x).sum() / (n * x.sum()) - (n + 1) / n)


def generalised_gini(counts: npt.ArrayLike) -> float:
    """
    Return Bernasco & Steenbeek's generalised Gini coefficient for sparse counts.

    With fewer crimes ``N`` than places ``n`` the most equal spread possible puts one crime in
    each of ``N`` places, whose standard Gini is ``1 - N / n``, not 0. The generalised Gini
    measures the Lorenz curve against that line of maximal equality:
    ``G' = max(1, n / N) * (G - 1) + 1``; with ``N >= n`` it equals the standard Gini.

    Parameters
    ----------
    counts
        Crimes per place, zeros included; not all zero.

    Returns
    -------
    float
        The generalised Gini (0 = as equal as the data allow).

    Raises
    ------
    EmptyInputError
        When there are no places or no crimes.
    ParameterError
        When a count is negative or not finite.

    References
    ----------
    Bernasco, W. and Steenbeek, W. (2017). More places than crimes: implications for evaluating
    the law of crime concentration at place. Journal of Quantitative Criminology 33(3), 451-467.
    https://doi.org/10.1007/s10940-016-9324-7

    Examples
    --------
    The paper's package (``lorenzgini``) example: 8 crimes in 10 places.

    >>> round(gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.8
    >>> round(generalised_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.75
    """
    x = _counts_array(counts)
    n_places, n_crimes = x.size, float(x.sum())
    return max(1.0, n_places / n_crimes) * (gini(x) - 1.0) + 1.0


def _generalised_gini_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Generalised Gini of each row of a 2-D array of counts (every row the same total)."""
    n = x.shape[1]
    s = np.sort(x, axis=1)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    totals = s.sum(axis=1)
    g = 2.0 * (s * ranks).sum(axis=1) / (n * totals) - (n + 1) / n
    return np.asarray(np.maximum(1.0, n / totals) * (g - 1.0) + 1.0, dtype=np.float64)


def share_in_top(counts: npt.ArrayLike, *, fraction: float) -> float:
    """
    Return the share of crimes in the busiest ``fraction`` of places.

    Places are ranked from busiest to quietest; for a fraction that is not a whole number of
    places the curve is interpolated linearly within the next place.

    Parameters
    ----------
    counts
        Crimes per place, zeros included; not all zero.
    fraction
        Fraction of places, in (0, 1].

    Returns
    -------
    float
        Share of all crimes (0-1).

    Raises
    ------
    ParameterError
        When ``fraction`` is not in (0, 1].

    Examples
    --------
    >>> share_in_top([6, 3, 1, 0], fraction=0.25), share_in_top([6, 3, 1, 0], fraction=0.375)
    (0.6, 0.75)
    """
    if not (0.0 < fraction <= 1.0):
        msg = f"fraction must lie in (0, 1]; found {fraction}. Use e.g. 0.05 for the top 5 %."
        raise ParameterError(msg)
    x = np.sort(_counts_array(counts))[::-1]
    k = fraction * x.size
    whole = math.floor(k + 1e-9)
    share = float(x[:whole].sum())
    if whole < x.size:
        share += (k - whole) * float(x[whole])
    return min(1.0, share / float(x.sum()))


def concentration(
    points: gpd.GeoDataFrame,
    *,
    grid: Grid,
    n_simulations: int = DEFAULT_NULL_SIMULATIONS,
    seed: int = 0,
) -> ConcentrationResult:
    """
    Measure how concentrated crime is across the cells of a grid.

    Parameters
    ----------
    points
        Crimes (EPSG:27700).
    grid
        The grid from :func:`spatial.grid.make_grid` (every kept cell counts, empty ones too).
    n_simulations
        Random allocations behind ``gini_null`` (0 skips it and sets it to NaN).
    seed
        Seed of the random allocations.

    Returns
    -------
    ConcentrationResult
        Top 1/5/10 % shares, the standard, generalised and null Gini, and the curve.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    EmptyInputError
        When no crime falls in the grid's cells.
    ParameterError
        When ``n_simulations`` is negative.

    References
    ----------
    Bernasco, W. and Steenbeek, W. (2017). More places than crimes: implications for evaluating
    the law of crime concentration at place. Journal of Quantitative Criminology 33(3), 451-467.
    Weisburd, D. (2015). The law of crime concentration and the criminology of place.
    Criminology 53(2), 133-157.
    """
    require_bng(points, name="points")
    if int(n_simulations) != n_simulations or n_simulations < 0:
        msg = f"n_simulations must be a whole number, 0 or more; found {n_simulations}."
        raise ParameterError(msg)
    counts = count_points(points, grid)
    n_crimes = int(counts.sum())
    n_outside = len(points) - n_crimes
    x = _counts_array(counts)
    notes: list[str] = []
    if n_outside:
        notes.append(f"{n_outside:,} crimes lie outside the grid's cells and are not counted.")
    g = gini(x)
    g_gen = generalised_gini(x)
    if n_crimes < x.size:
        notes.append(
            f"Fewer crimes ({n_crimes:,}) than cells ({x.size:,}): the generalised Gini "
            f"({g_gen:.2f}) compares with one crime per cell, the most equal spread possible; "
            f"the standard Gini ({g:.2f}) overstates concentration."
        )
    g_null = math.nan
    if n_simulations > 0:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n_crimes, np.full(x.size, 1.0 / x.size), size=int(n_simulations))
        g_null = float(_generalised_gini_rows(draws.astype(np.float64)).mean())
        notes.append(
            f"If the same crimes fell on the cells at random the generalised Gini would be about "
            f"{g_null:.2f} (mean of {n_simulations} seeded draws); only the excess over that is "
            "concentration beyond chance."
        )
    ordered = np.sort(x)[::-1]
    curve = pd.DataFrame(
        {
            "share_of_cells": np.arange(0, x.size + 1, dtype=np.float64) / x.size,
            "share_of_crimes": np.concatenate([[0.0], np.cumsum(ordered) / ordered.sum()]),
        }
    )
    top1, top5, top10 = (share_in_top(x, fraction=f) for f in TOP_CELL_FRACTIONS)
    return ConcentrationResult(
        n_crimes=n_crimes,
        n_outside=n_outside,
        n_cells=int(x.size),
        n_cells_with_crime=int((x > 0).sum()),
        share_top_1pct=top1,
        share_top_5pct=top5,
        share_top_10pct=top10,
        gini=g,
        gini_generalised=g_gen,
        gini_null=g_null,
        n_simulations=int(n_simulations),
        curve=curve,
        notes=tuple(notes),
    )


def _snap_summary(points: gpd.GeoDataFrame, *, what: str) -> pd.DataFrame:
    """
    Summarise the crimes per distinct coordinate (snap point), vectorised.

    Returns one row per snap point: ``x_m``, ``y_m``, ``n_crimes``, ``location`` and ``ward``
    (the commonest values there, ties by name), ``n_months`` and ``top_crime_types``.
    """
    require_bng(points, name="points")
    require_columns(
        points.columns,
        ("location", "crime_type", "month"),
        source="points",
        hint="Load crimes with spatial.io.read_crimes.",
    )
    if len(points) == 0:
        msg = f"There are no crimes to {what}. Widen the months, crime types or wards selected."
        raise EmptyInputError(msg)
    geoms = points.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # x + iy sorts as (x, y) does, and far faster than np.unique(axis=0)'s rows of a void dtype
    xy = shapely.get_x(geoms[ok]) + 1j * shapely.get_y(geoms[ok])
    unique_xy, inverse, counts = np.unique(xy, return_inverse=True, return_counts=True)
    loc_id = inverse.reshape(-1).astype(np.int64)
    ward = points["ward"] if "ward" in points.columns else pd.Series("", index=points.index)
    types = _ranked_values(loc_id, crime_type_labels(points["crime_type"]), ok)
    month = pd.PeriodIndex(points["month"], freq="M").asi8[ok]
    month_code = np.unique(month, return_inverse=True)[1].reshape(-1)
    n_codes = int(month_code.max(initial=0)) + 1
    # distinct (snap point, month) pairs, counted per snap point
    n_months = np.bincount(
        np.unique(loc_id * n_codes + month_code) // n_codes, minlength=len(unique_xy)
    )
    return pd.DataFrame(
        {
            "x_m": unique_xy.real,
            "y_m": unique_xy.imag,
            "n_crimes": counts.astype(np.int64),
            "location": _commonest(_ranked_values(loc_id, points["location"], ok)),
            "ward": _commonest(_ranked_values(loc_id, ward, ok)),
            "n_months": n_months.astype(np.int64),
            "top_crime_types": _top_values_text(types, top_n=N_TOP_CRIME_TYPES),
        }
    ).astype({"location": "str", "ward": "str", "top_crime_types": "str"})


@dataclass(frozen=True)
class _Ranked:
    """Counts of each value per snap point: commonest first at each point, ties by value."""

    loc_id: npt.NDArray[np.int64]
    texts: npt.NDArray[np.object_]
    n: npt.NDArray[np.int64]

    def first_of_each(self) -> npt.NDArray[np.bool_]:
        """Mark the first (commonest) row of each snap point."""
        first = np.ones(len(self.loc_id), dtype=bool)
        first[1:] = self.loc_id[1:] != self.loc_id[:-1]
        return first


def _ranked_values(
    loc_id: npt.NDArray[np.int64], column: pd.Series[str], ok: npt.NDArray[np.bool_]
) -> _Ranked:
    """
    Count each text of ``column`` (rows ``ok``) per snap point, commonest first, ties by text.

    The texts are factorised sorted, so their codes order as the texts do and the counting and
    ranking run on whole numbers; missing texts are not counted.
    """
    codes, uniques = pd.factorize(column.astype(str), sort=True)
    codes = codes[ok]
    kept = codes >= 0
    n_values = max(len(uniques), 1)
    key, n = np.unique(loc_id[kept] * n_values + codes[kept], return_counts=True)
    at, code = np.divmod(key, n_values)
    order = np.lexsort((code, -n, at))  # by snap point, then most crimes, then text
    texts = np.asarray(uniques, dtype=object)[code[order]]
    return _Ranked(loc_id=at[order], texts=texts, n=n[order].astype(np.int64))


def _commonest(ranked: _Ranked) -> npt.NDArray[np.object_]:
    """Return the commonest value at each snap point, in ``loc_id`` order."""
    return ranked.texts[ranked.first_of_each()]


def _top_values_text(ranked: _Ranked, *, top_n: int) -> npt.NDArray[np.object_]:
    """Write each snap point's ``top_n`` commonest values as ``"value: n; value: n"``."""
    start = np.flatnonzero(ranked.first_of_each())
    texts = []
    for begin, end in zip(start, [*start[1:], len(ranked.loc_id)], strict=True):
        stop = min(int(end), int(begin) + top_n)
        texts.append(
            "; ".join(
                f"{v}: {n}"
                for v, n in zip(ranked.texts[begin:stop], ranked.n[begin:stop], strict=True)
            )
        )
    return np.asarray(texts, dtype=object)


def _street(location: str) -> str:
    return _LOCATION_PREFIX.sub("", location).strip()


def repeat_locations(points: gpd.GeoDataFrame, *, top_n: int = DEFAULT_TOP_N) -> gpd.GeoDataFrame:
    """
    Rank the snap points (distinct coordinates) by the number of crimes recorded there.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with ``location``, ``crime_type`` and ``month``; ``ward`` if present.
    top_n
        How many snap points to return.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, busiest first (ties by location name): ``rank`` (1 = busiest), ``location``
        (the commonest police.uk text there), ``street`` (without "On or near"), ``n_crimes``,
        ``share_of_crimes`` (of all crimes given, 0-1), ``n_months`` (distinct months),
        ``top_crime_types``, ``ward`` (the commonest ward, "" without a ``ward`` column),
        ``x_m``, ``y_m`` and the point.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``location``, ``crime_type`` or ``month`` is missing.
    EmptyInputError
        When there are no crimes.
    ParameterError
        When ``top_n`` is below 1.

    Examples
    --------
    >>> from shapely import Point
    >>> pts = gpd.GeoDataFrame(
    ...     {"location": ["On or near Mill Lane"] * 3 + ["On or near Station Road"],
    ...      "crime_type": ["Burglary"] * 4, "month": pd.PeriodIndex(["2025-01"] * 4, freq="M")},
    ...     geometry=[Point(0, 0)] * 3 + [Point(100, 0)], crs="EPSG:27700")
    >>> top = repeat_locations(pts, top_n=1)
    >>> top[["rank", "street", "n_crimes", "share_of_crimes"]].to_numpy().tolist()
    [[1, 'Mill Lane', 3, 0.75]]
    """
    _check_top_n(top_n)
    return _ranked_snap_points(_snap_summary(points, what="rank"), top_n=top_n)


def _check_top_n(top_n: int) -> None:
    if int(top_n) != top_n or top_n < 1:
        msg = f"top_n must be a whole number of at least 1; found {top_n}."
        raise ParameterError(msg)


def _ranked_snap_points(summary: pd.DataFrame, *, top_n: int) -> gpd.GeoDataFrame:
    """Return the busiest ``top_n`` rows of a :func:`_snap_summary` as :func:`repeat_locations`."""
    return _ranked_rows(summary, _busiest(summary, top_n=top_n))


def _busiest(summary: pd.DataFrame, *, top_n: int) -> npt.NDArray[np.int64]:
    """Positions of the busiest ``top_n`` rows of a :func:`_snap_summary`, busiest first."""
    # most crimes first, ties by location, then x and y (unique): one order, whatever the input
    location = pd.factorize(summary["location"], sort=True, use_na_sentinel=False)[0]
    order = np.lexsort(
        (
            summary["y_m"].to_numpy(),
            summary["x_m"].to_numpy(),
            location,
            -summary["n_crimes"].to_numpy(),
        )
    )
    return order[: int(top_n)].astype(np.int64)


def _ranked_rows(summary: pd.DataFrame, at: npt.NDArray[np.int64]) -> gpd.GeoDataFrame:
    """Return the rows ``at`` of a :func:`_snap_summary`, ranked in that order, with points."""
    table = summary.iloc[at].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    table["street"] = pd.Series([_street(text) for text in table["location"]], dtype="str")
    table["share_of_crimes"] = table["n_crimes"] / int(summary["n_crimes"].sum())
    out = gpd.GeoDataFrame(
        table,
        geometry=gpd.points_from_xy(table["x_m"], table["y_m"]),
        crs=BNG,
    )
    return out.loc[:, list(_REPEAT_COLUMNS)]


def repeat_locations_flagged(
    points: gpd.GeoDataFrame, *, top_n: int = DEFAULT_TOP_N
) -> gpd.GeoDataFrame:
    """
    Rank the busiest snap points and say which look like recording artefacts.

    Parameters
    ----------
    points
        As for :func:`repeat_locations` and :func:`flag_artefacts` (default thresholds).
    top_n
        How many snap points to return.

    Returns
    -------
    geopandas.GeoDataFrame
        :func:`repeat_locations` plus ``artefact``: the :func:`flag_artefacts` reason for a
        flagged snap point (matched on its position to 0.1 m), else None.

    Raises
    ------
    PatchmapError
        As :func:`repeat_locations` and :func:`flag_artefacts`.
    """
    _check_top_n(top_n)
    summary = _snap_summary(points, what="rank")  # once: ranking and flags share it
    at = _busiest(summary, top_n=top_n)
    top = _ranked_rows(summary, at)
    flags = _Flags.of(
        summary, ward_share=DEFAULT_ARTEFACT_WARD_SHARE, min_crimes=DEFAULT_ARTEFACT_MIN_CRIMES
    )
    top["artefact"] = pd.Series(  # object dtype keeps None for "not flagged"
        [flags.reason(summary, int(i)) if flags.flagged[i] else None for i in at],
        index=top.index,
        dtype=object,
    )
    return top


def flag_artefacts(
    points: gpd.GeoDataFrame,
    *,
    ward_share: float = DEFAULT_ARTEFACT_WARD_SHARE,
    min_crimes: int = DEFAULT_ARTEFACT_MIN_CRIMES,
) -> gpd.GeoDataFrame:
    """
    Flag snap points that are likely recording artefacts rather than places where crime happened.

    Two rules, either of which flags a snap point:

    * its location is named after a police building (:data:`ARTEFACT_NAME_PATTERN`, e.g.
      "On or near Police Station"): crimes reported at the front counter are often recorded
      there;
    * it holds at least ``ward_share`` of its ward's crime and at least ``min_crimes`` crimes.
      Real places (a nightclub, a supermarket) can also do this, so these are for review: the
      reason says which rule fired.

    Parameters
    ----------
    points
        Crimes (EPSG:27700) with ``location``, ``crime_type``, ``month``; ``ward`` if present
        (without it, shares are of all the crimes given, as one "ward").
    ward_share
        Share (0-1) of the ward's crime that flags a snap point.
    min_crimes
        Fewest crimes at a snap point for the share rule to apply.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, one row per flagged snap point, most crimes first: ``location``, ``ward``,
        ``n_crimes``, ``n_ward_crimes``, ``share_of_ward`` (0-1), ``named_police_station``,
        ``extreme_share`` (the two rules), ``reason`` (a sentence) and the point. Empty (same
        columns) when nothing is flagged.

    Raises
    ------
    CRSError
        When ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``location``, ``crime_type`` or ``month`` is missing.
    EmptyInputError
        When there are no crimes.
    ParameterError
        When ``ward_share`` is not in (0, 1] or ``min_crimes`` is below 1.

    Examples
    --------
    >>> from shapely import Point
    >>> pts = gpd.GeoDataFrame(
    ...     {"location": ["On or near Police Station"] * 2 + ["On or near Mill Lane"] * 8,
    ...      "crime_type": ["Other theft"] * 10,
    ...      "month": pd.PeriodIndex(["2025-01"] * 10, freq="M")},
    ...     geometry=[Point(0, 0)] * 2 + [Point(100.0 * i, 50) for i in range(8)], crs="EPSG:27700")
    >>> flag_artefacts(pts)["reason"].tolist()
    ['Named after a police building: crimes reported at the counter are often recorded there.']
    """
    if not (0.0 < ward_share <= 1.0):
        msg = f"ward_share must lie in (0, 1]; found {ward_share}. Use e.g. 0.1 for 10 %."
        raise ParameterError(msg)
    if int(min_crimes) != min_crimes or min_crimes < 1:
        msg = f"min_crimes must be a whole number of at least 1; found {min_crimes}."
        raise ParameterError(msg)
    return _flagged_snap_points(
        _snap_summary(points, what="check"), ward_share=ward_share, min_crimes=min_crimes
    )


@dataclass(frozen=True)
class _Flags:
    """The two artefact rules (:func:`flag_artefacts`) on each row of a :func:`_snap_summary`."""

    n_ward: npt.NDArray[np.int64]
    """Crimes in the snap point's ward (its commonest)."""
    share: npt.NDArray[np.float64]
    """The snap point's share of them."""
    named: npt.NDArray[np.bool_]
    """Named after a police building."""
    extreme: npt.NDArray[np.bool_]
    """Holds at least the share that flags, with at least the crimes that flag."""

    @classmethod
    def of(cls, summary: pd.DataFrame, *, ward_share: float, min_crimes: int) -> _Flags:
        """Apply both rules to every snap point of ``summary``."""
        n_crimes = summary["n_crimes"].to_numpy()
        ward_at, _ = pd.factorize(summary["ward"], use_na_sentinel=False)
        n_ward = np.bincount(ward_at, weights=n_crimes)[ward_at].astype(np.int64)
        share = n_crimes / n_ward
        named = np.array(
            [bool(ARTEFACT_NAME_PATTERN.search(text)) for text in summary["location"]], dtype=bool
        )
        return cls(
            n_ward=n_ward,
            share=share,
            named=named,
            extreme=(share >= ward_share) & (n_crimes >= min_crimes),
        )

    @property
    def flagged(self) -> npt.NDArray[np.bool_]:
        """Either rule fired."""
        return self.named | self.extreme

    def reason(self, summary: pd.DataFrame, at: int) -> str:
        """Say which rules flag the snap point at position ``at``, in a sentence each."""
        reasons = []
        if self.named[at]:
            reasons.append(POLICE_BUILDING_NOTE)
        if self.extreme[at]:
            ward = str(summary["ward"].iloc[at])
            where = f"{ward}'s" if ward else "all the"
            n, n_ward = int(summary["n_crimes"].iloc[at]), int(self.n_ward[at])
            reasons.append(
                f"Holds {float(self.share[at]):.0%} of {where} crime ({n:,} of {n_ward:,}): "
                "check whether it is a real place (e.g. a nightclub) or a default location."
            )
        return " ".join(reasons)


def _flagged_snap_points(
    summary: pd.DataFrame, *, ward_share: float, min_crimes: int
) -> gpd.GeoDataFrame:
    """Return the flagged rows of a :func:`_snap_summary` as :func:`flag_artefacts` does."""
    flags = _Flags.of(summary, ward_share=ward_share, min_crimes=min_crimes)
    flagged = flags.flagged
    table = summary.loc[flagged, ["location", "ward", "n_crimes", "x_m", "y_m"]].copy()
    table["n_ward_crimes"] = flags.n_ward[flagged]
    table["share_of_ward"] = flags.share[flagged]
    table["named_police_station"] = flags.named[flagged]
    table["extreme_share"] = flags.extreme[flagged]
    table["reason"] = pd.Series(
        [flags.reason(summary, int(i)) for i in np.flatnonzero(flagged)],
        index=table.index,
        dtype="str",
    )
    table = table.sort_values(["n_crimes", "location"], ascending=[False, True])
    table = table.reset_index(drop=True).astype({"location": "str", "ward": "str"})
    out = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x_m"], table["y_m"]), crs=BNG)
    return out.loc[:, list(_ARTEFACT_COLUMNS)]


POLICE_BUILDING_NOTE: Final = (
    "Named after a police building: crimes reported at the counter are often recorded there."
)
"""The check a location named after a police building (:data:`ARTEFACT_NAME_PATTERN`) needs."""


def police_building_note(location: str) -> str:
    """
    Return :data:`POLICE_BUILDING_NOTE` for a location named after a police building, else ``""``.

    Examples
    --------
    >>> police_building_note("On or near Police Station")[:32]
    'Named after a police building: c'
    >>> police_building_note("On or near Mill Lane")
    ''
    """
    return POLICE_BUILDING_NOTE if ARTEFACT_NAME_PATTERN.search(location) else ""


def artefact_checks(places: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> pd.Series:
    """
    Mark the places that hold a snap point :func:`flag_artefacts` flags, with its defaults.

    The rule of ``patchmap repeats`` (and the profile's busiest places) carried to what is built
    from the same crimes: a hot cell, a hot area or an EVA stop's cell holding a likely
    recording artefact (a snap point named after a police building, or holding an extreme share
    of its ward's crime) is still listed, marked :data:`ARTEFACT_CHECK`.

    Parameters
    ----------
    places
        Polygons (cells, areas) in EPSG:27700. Not modified.
    points
        The crimes the places were built from, as for :func:`flag_artefacts`; ``ward`` if
        present. When empty, nothing is marked.

    Returns
    -------
    pandas.Series
        Indexed like ``places``: :data:`ARTEFACT_CHECK` where a flagged snap point lies in or on
        the edge of the place, else ``""``.

    Raises
    ------
    CRSError
        When ``places`` or ``points`` is not in EPSG:27700.
    MissingColumnError
        When ``location``, ``crime_type`` or ``month`` is missing from ``points``.

    Examples
    --------
    >>> from shapely import Point, box
    >>> pts = gpd.GeoDataFrame(
    ...     {"location": ["On or near Police Station"] * 2 + ["On or near Mill Lane"] * 8,
    ...      "crime_type": ["Other theft"] * 10,
    ...      "month": pd.PeriodIndex(["2025-01"] * 10, freq="M")},
    ...     geometry=[Point(5, 5)] * 2 + [Point(100.0 * i + 20, 50) for i in range(8)],
    ...     crs="EPSG:27700")
    >>> cells = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 810, 100)], crs=27700)
    >>> artefact_checks(cells, pts).tolist()
    ['check: possible recording artefact', '']
    """
    require_bng(places, name="places")
    out = pd.Series("", index=places.index, dtype="str")
    if len(points) == 0 or len(places) == 0:
        require_bng(points, name="points")
        return out
    flagged = flag_artefacts(points)
    if flagged.empty:
        return out
    _, at = places.sindex.query(flagged.geometry.to_numpy(), predicate="intersects")
    out.iloc[np.unique(at)] = ARTEFACT_CHECK
    return out
