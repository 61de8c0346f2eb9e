"""
Flag problems for joint patrol tasking and propose a patrol area for each.

A candidate problem is a hotspot of one crime type (a connected group of cells that Getis-Ord Gi*
calls hot at 95 % or more after the false-discovery-rate correction) or a repeat location (a snap
point holding many crimes of one type outside those hotspots). Each is scored by

``score = n_crimes x harm weight x trend factor x persistence factor``

with the trend factor 1.25 when the last three months' rate is above the months before (exact
Poisson test, p < 0.05), 0.8 when below, else 1, and the persistence factor
``0.5 + 0.5 x (months with a crime / months)``.

and the explanation spells out every factor, so the NAG can see why one problem ranks above another.

Harm weights
    patchmap's default weights (:data:`DEFAULT_HARM_WEIGHTS`) are an editable ordinal scale from
    1 (ASB) to 8 (violence, robbery) set by patchmap. They are **not** the ONS Crime Severity
    Score: CSS weights belong to individual Home Office offence codes, and a data.police.uk
    category mixes offences of very different severity (common assault and grievous bodily harm
    are both "Violence and sexual offences"), so no faithful category-level CSS can be derived
    from police.uk data. Replace them with your force's own weights.

Patrol areas
    A beat is grown from the hotspot's busiest cell by adding the busiest neighbouring hot cell
    while the beat stays within :class:`PatrolLimits` (area and longest extent), so a long chain
    of hot cells along a road becomes several compact beats rather than one long one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components

from boundaries.select import ranked_counts
from hotspots.concentration import ARTEFACT_NAME_PATTERN
from hotspots.gistar import gi_star, spatial_weights
from hotspots.poisson import poisson_rate_ratio_test
from spatial.crime_types import (
    ASB,
    BICYCLE_THEFT,
    BURGLARY,
    CRIMINAL_DAMAGE_AND_ARSON,
    DRUGS,
    OTHER_CRIME,
    OTHER_THEFT,
    POSSESSION_OF_WEAPONS,
    PUBLIC_ORDER,
    ROBBERY,
    SHOPLIFTING,
    THEFT_FROM_THE_PERSON,
    VEHICLE_CRIME,
    VIOLENCE_AND_SEXUAL_OFFENCES,
)
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import assign_cells, count_points, make_grid
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy.typing as npt
    from scipy import sparse

    from spatial.grid import Grid

__all__ = [
    "DEFAULT_HARM_WEIGHTS",
    "PARTNER_AGENCIES",
    "PROBLEM_COLUMNS",
    "TIME_OF_DAY_NOTE",
    "PatrolLimits",
    "ProblemKind",
    "flag_problems",
]

ProblemKind = Literal["hotspot", "repeat location"]

DEFAULT_HARM_WEIGHTS: Final[Mapping[str, float]] = {
    VIOLENCE_AND_SEXUAL_OFFENCES: 8.0,
    ROBBERY: 8.0,
    POSSESSION_OF_WEAPONS: 7.0,
    BURGLARY: 6.0,
    CRIMINAL_DAMAGE_AND_ARSON: 4.0,
    DRUGS: 4.0,
    THEFT_FROM_THE_PERSON: 4.0,
    PUBLIC_ORDER: 3.0,
    VEHICLE_CRIME: 3.0,
    OTHER_CRIME: 3.0,
    OTHER_THEFT: 2.0,
    BICYCLE_THEFT: 2.0,
    SHOPLIFTING: 2.0,
    ASB: 1.0,
}
"""patchmap's editable ordinal harm scale per data.police.uk crime type (not ONS CSS; see above)."""

PARTNER_AGENCIES: Final[Mapping[str, tuple[str, ...]]] = {
    ASB: (
        "Police",
        "Council ASB team",
        "Housing officer (where the location is social housing)",
    ),
    CRIMINAL_DAMAGE_AND_ARSON: (
        "Police",
        "Fire service (deliberate fires)",
        "Council environmental services (graffiti, damage, fly-tipping)",
    ),
    BURGLARY: ("Police", "Council community safety (target hardening)"),
    DRUGS: ("Police", "Council ASB team", "Drug and alcohol services"),
    VIOLENCE_AND_SEXUAL_OFFENCES: ("Police", "Council licensing (night-time economy)"),
    PUBLIC_ORDER: ("Police", "Council licensing (night-time economy)"),
    SHOPLIFTING: ("Police", "Business crime partnership"),
    BICYCLE_THEFT: ("Police", "Council transport (secure cycle parking)"),
    VEHICLE_CRIME: ("Police", "Council parking services"),
}
"""Agencies that own each issue type; crime types not listed fall to the police alone."""

TIME_OF_DAY_NOTE: Final = (
    "data.police.uk gives the month only (no day, no time of day): choose patrol days and hours "
    "from local knowledge or command-and-control data."
)

DEFAULT_CELL_SIZE_M: Final = 150.0
"""Cell size of the Gi* grid used to find hotspot problems."""
DEFAULT_MIN_CRIMES: Final = 10
"""A candidate problem needs at least this many crimes of its type in the period."""
HOT_BIN: Final = 2
"""Cells at Gi_Bin >= 2 (hot at 95 % or more, after the FDR correction) seed patrol areas."""
RECENT_MONTHS: Final = 3
"""The trend compares the last this-many months' rate with the months before them."""
TREND_ALPHA: Final = 0.05
"""A change in rate with an exact Poisson p below this counts as rising or falling."""
RISING_FACTOR: Final = 1.25
FALLING_FACTOR: Final = 0.8
REPEAT_BUFFER_M: Final = 75.0
"""Radius of the patrol area proposed around a repeat location."""
N_PEAK_MONTHS: Final = 3

PROBLEM_COLUMNS: Final = (
    "problem_id",
    "rank",
    "kind",
    "crime_type",
    "label",
    "wards",
    "n_crimes",
    "harm_weight",
    "trend",
    "trend_p",
    "n_months_present",
    "n_months",
    "score",
    "explanation",
    "peak_months",
    "agencies",
    "area_m2",
)
"""Columns of :func:`flag_problems`' result besides ``geometry`` (the proposed patrol area)."""


@dataclass(frozen=True)
class PatrolLimits:
    """Size and shape limits of a proposed patrol area."""

    max_area_m2: float = 250_000.0
    """At most 0.25 km² (a 500 m square): walkable in an hour with time to engage."""
    max_extent_m: float = 800.0
    """The longest distance across the beat, so no long chains along a road."""

    def __post_init__(self) -> None:
        """Refuse limits that leave no room for a single cell."""
        if self.max_area_m2 <= 0 or self.max_extent_m <= 0:
            msg = "Patrol limits must be positive (max_area_m2, max_extent_m)."
            raise ParameterError(msg)


def _grow_beats(
    hot: npt.NDArray[np.int64],
    counts: npt.NDArray[np.float64],
    grid: Grid,
    weights: sparse.csr_array,
    limits: PatrolLimits,
) -> list[list[int]]:
    """Split hot cells into compact beats within the limits, busiest cells first."""
    cell_area = grid.cell_size_m**2
    max_cells = max(1, int(limits.max_area_m2 // cell_area))
    xy = grid.cells[["x_m", "y_m"]].to_numpy()
    remaining = set(hot.tolist())
    beats: list[list[int]] = []
    while remaining:
        seed = max(remaining, key=lambda c: (counts[c], -c))
        beat = [seed]
        remaining.discard(seed)
        while len(beat) < max_cells:
            frontier = {int(n) for c in beat for n in weights[[c]].indices if int(n) in remaining}
            best = None
            for cand in sorted(frontier, key=lambda c: (-counts[c], c)):
                pts = xy[[*beat, cand]]
                span = pts.max(axis=0) - pts.min(axis=0) + grid.cell_size_m
                if math.hypot(*span) <= limits.max_extent_m:  # corner to corner
                    best = cand
                    break
            if best is None:
                break
            beat.append(best)
            remaining.discard(best)
        beats.append(beat)
    return beats


@dataclass(frozen=True)
class _Candidate:
    kind: ProblemKind
    crime_type: str
    geometry: shapely.Geometry
    mask: npt.NDArray[np.bool_]


def _hotspot_candidates(
    typed: gpd.GeoDataFrame, crime_type: str, grid: Grid, limits: PatrolLimits
) -> list[_Candidate]:
    counts = count_points(typed, grid)
    if counts.sum() == 0:
        return []
    result = gi_star(counts, grid=grid)
    gi_bin = result.cells["gi_bin"].to_numpy()
    hot = np.flatnonzero((gi_bin >= HOT_BIN) & (counts > 0)).astype(np.int64)
    if hot.size == 0:
        return []
    weights = spatial_weights(grid)
    sub = weights[hot][:, hot]
    _, labels = connected_components(sub, directed=False)
    cell_of_point = assign_cells(typed, grid)
    candidates = []
    for component in np.unique(labels):
        cells = hot[labels == component]
        for beat in _grow_beats(cells, counts, grid, weights, limits):
            geometry = shapely.union_all(grid.cells.geometry.to_numpy()[beat])
            mask = np.isin(cell_of_point, beat)
            candidates.append(_Candidate("hotspot", crime_type, geometry, mask))
    return candidates


def _repeat_candidates(
    typed: gpd.GeoDataFrame, crime_type: str, covered: npt.NDArray[np.bool_], min_crimes: int
) -> list[_Candidate]:
    xy = typed.geometry.get_coordinates().round(1).to_numpy()
    uniq, inverse, _ = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse[~covered], minlength=len(uniq))
    out = []
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] < min_crimes:
            break
        mask = (inverse == k) & ~covered
        geometry = shapely.Point(*uniq[k]).buffer(REPEAT_BUFFER_M)
        out.append(_Candidate("repeat location", crime_type, geometry, mask))
    return out


def _describe(
    cand: _Candidate,
    typed: gpd.GeoDataFrame,
    months: list[pd.Period],
    harm_weights: Mapping[str, float],
) -> dict[str, object]:
    """long: builds the problem's sentence from many optional parts, in reading order."""
    chosen = typed.loc[cand.mask]
    monthly = chosen.groupby("month").size()
    series = np.array([monthly.get(m, 0) for m in months], dtype=np.float64)
    n = len(chosen)
    harm = float(harm_weights.get(cand.crime_type, 1.0))
    trend, trend_p, trend_factor = "no trend", math.nan, 1.0
    if len(months) >= 2 * RECENT_MONTHS:
        recent = int(series[-RECENT_MONTHS:].sum())
        earlier = int(series[:-RECENT_MONTHS].sum())
        test = poisson_rate_ratio_test(
            recent,
            earlier,
            exposure_1=RECENT_MONTHS,
            exposure_2=len(months) - RECENT_MONTHS,
        )
        trend_p = float(test.p_value)
        if trend_p < TREND_ALPHA:
            rising = test.rate_ratio > 1
            trend = "rising" if rising else "falling"
            trend_factor = RISING_FACTOR if rising else FALLING_FACTOR
    present = int((series > 0).sum())
    persistence = 0.5 + 0.5 * present / len(months)
    score = n * harm * trend_factor * persistence
    street = ranked_counts(chosen["location"].fillna("")).index[0].removeprefix("On or near ")
    wards = tuple(ranked_counts(chosen["ward"]).index)
    peak_order = np.argsort(-series, kind="stable")[:N_PEAK_MONTHS]
    peaks = tuple(str(months[i]) for i in sorted(peak_order) if series[i] > 0)
    trend_text = {
        "rising": f"rising: last {RECENT_MONTHS} months above the months before "
        f"(exact Poisson p = {trend_p:.2g}, x{RISING_FACTOR})",
        "falling": f"falling: last {RECENT_MONTHS} months below the months before "
        f"(exact Poisson p = {trend_p:.2g}, x{FALLING_FACTOR})",
    }.get(trend, f"no clear change in the last {RECENT_MONTHS} months (x1)")
    counted = count_text(n, f"{cand.crime_type.lower()} crime")
    explanation = (
        f"{counted} x harm {harm:g} = {n * harm:g}; {trend_text}; "
        f"present in {present} of {count_text(len(months), 'month')} (x{persistence:.2f}); "
        f"score {score:.1f}."
    )
    if ARTEFACT_NAME_PATTERN.search(street):
        explanation += (
            f" Check first: {street!r} is named after a police building, so some of these crimes"
            " may have been recorded at the counter rather than happened here."
        )
    what = "hotspot" if cand.kind == "hotspot" else "repeat location"
    return {
        "kind": cand.kind,
        "crime_type": cand.crime_type,
        "label": f"{cand.crime_type} {what} near {street}, {wards[0]}",
        "wards": ", ".join(wards),
        "n_crimes": n,
        "harm_weight": harm,
        "trend": trend,
        "trend_p": trend_p,
        "n_months_present": present,
        "n_months": len(months),
        "score": score,
        "explanation": explanation,
        "peak_months": ", ".join(peaks),
        "agencies": "; ".join(PARTNER_AGENCIES.get(cand.crime_type, ("Police",))),
        "area_m2": float(shapely.area(cand.geometry)),
        "geometry": cand.geometry,
    }


def _distinct_labels(labels: pd.Series, areas: gpd.GeoSeries) -> list[str]:
    """
    Make each label of a ranking unique, so a problem opened in the log by title is one problem.

    Two problems of one type can share the nearest street and ward (two repeat locations 78 m
    apart, say). Each label shared by several rows gets where its patrol area lies, as the
    British National Grid easting and northing of its centre to the 10 m ("at 545130,
    258270"); should that still repeat, a count ("(2)") follows.
    """
    shared = labels.duplicated(keep=False)
    seen: dict[str, int] = {}
    out: list[str] = []
    centres = areas.centroid
    for label, is_shared, x_m, y_m in zip(labels, shared, centres.x, centres.y, strict=True):
        text = str(label)
        if is_shared:
            text += f" (at {round(x_m, -1):.0f}, {round(y_m, -1):.0f})"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def flag_problems(
    points: gpd.GeoDataFrame,
    *,
    wards: gpd.GeoDataFrame,
    months: tuple[str, str],
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    harm_weights: Mapping[str, float] = DEFAULT_HARM_WEIGHTS,
    limits: PatrolLimits | None = None,
    min_crimes: int = DEFAULT_MIN_CRIMES,
    max_problems: int = 10,
) -> gpd.GeoDataFrame:
    """
    Rank problems for joint patrol tasking, each with a proposed patrol area.

    Parameters
    ----------
    points
        Crimes in EPSG:27700 (already filtered to the wards, months and types wanted) with
        ``crime_type``, ``month`` (Period[M]), ``location`` and ``ward``.
    wards
        The selected wards (EPSG:27700); the Gi* grid covers them.
    months
        First and last month of the period (for trend and persistence; months with no crime
        count as 0).
    cell_size_m
        Cell size of the Gi* grid.
    harm_weights
        Harm weight per crime type (see the module notes); unknown types weigh 1.
    limits
        Size and shape limits of the patrol areas.
    min_crimes
        Smallest number of crimes a problem must hold.
    max_problems
        How many problems to return.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per problem, highest score first, columns :data:`PROBLEM_COLUMNS` and the patrol
        area as ``geometry`` (EPSG:27700). Empty (same columns) when nothing qualifies.

    Raises
    ------
    CRSError
        When the frames are not in EPSG:27700.
    EmptyInputError
        When there are no points.
    ParameterError
        When a number is out of range.
    """
    require_bng(points, name="crime points")
    require_bng(wards, name="wards")
    if len(points) == 0:
        msg = "No crimes in the selection: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    if min_crimes < 1 or max_problems < 1:
        msg = "min_crimes and max_problems must be at least 1."
        raise ParameterError(msg)
    limits = limits or PatrolLimits()
    period = list(pd.period_range(months[0], months[1], freq="M"))
    grid = make_grid(wards, kind="square", cell_size_m=cell_size_m)
    rows: list[dict[str, object]] = []
    for name in sorted(str(t) for t in points["crime_type"].unique()):
        typed = points.loc[points["crime_type"] == name]
        if len(typed) < min_crimes:
            continue
        hotspots = _hotspot_candidates(typed, name, grid, limits)
        covered = np.zeros(len(typed), dtype=bool)
        for cand in hotspots:
            covered |= cand.mask
        candidates = hotspots + _repeat_candidates(typed, name, covered, min_crimes)
        rows.extend(
            _describe(c, typed, period, harm_weights)
            for c in candidates
            if int(c.mask.sum()) >= min_crimes
        )
    if not rows:
        empty = {c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS}
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)
    frame = pd.DataFrame(rows).sort_values(["score", "label"], ascending=[False, True])
    frame = frame.head(max_problems).reset_index(drop=True)
    frame["label"] = _distinct_labels(frame["label"], gpd.GeoSeries(frame["geometry"], crs=BNG))
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["problem_id"] = [f"P{i}" for i in frame["rank"]]
    return gpd.GeoDataFrame(frame[list(PROBLEM_COLUMNS)], geometry=list(frame["geometry"]), crs=BNG)
