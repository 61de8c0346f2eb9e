"""
The neighbourhood profile: what the area committee and the NAG see first.

For a ward or a neighbourhood (group of wards) and a period: counts of crime and ASB by type, the
rate per 1,000 residents and its rank among the other areas, the monthly series beside the same
months a year earlier, the change against the previous period and the same period last year with
an exact Poisson test and a plain-English verdict, and the top repeat locations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from boundaries.population import PopulationMethod, ward_population
from boundaries.select import (
    Selection,
    crime_type_labels,
    crime_type_mask,
    ranked_counts,
    select_points,
    select_wards,
)
from hotspots.classify import emerging_hotspots
from hotspots.concentration import repeat_locations_flagged
from hotspots.gistar import gi_star
from hotspots.poisson import poisson_rate_ratio_test
from spatial.crime_types import ASB
from spatial.crs import require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import count_points, make_grid
from spatial.validate import require_columns

if TYPE_CHECKING:
    import datetime as dt

    import geopandas as gpd
    import numpy.typing as npt

    from boundaries.dataset import StudyArea
    from spatial.grid import Grid

__all__ = [
    "SIGNIFICANCE_LEVEL",
    "FindingsSummary",
    "PeriodChange",
    "Profile",
    "build_profile",
    "change_since",
    "change_verdict",
    "meeting_changes",
    "summarise_findings",
]

SIGNIFICANCE_LEVEL: Final = 0.05
"""A change with an exact Poisson p below this is called unlikely to be chance."""
TOP_LOCATIONS: Final = 10
HOTSPOT_CELL_SIZE_M: Final = 150.0
"""Cell size of the profile's Gi* and emerging hot spot summaries."""
MIN_EMERGING_MONTHS: Final = 6
"""Emerging hot spot categories need at least this many months of data."""
"""How many repeat locations the profile lists."""


def change_verdict(n_before: int, n_after: int, p_value: float) -> str:
    """
    Say in plain English how a count changed and whether chance explains it.

    Parameters
    ----------
    n_before
        Count in the earlier period.
    n_after
        Count in the later period (of the same length).
    p_value
        Two-sided exact Poisson test p-value.

    Returns
    -------
    str
        For example ``"up 38 %, unlikely to be chance, p = 0.003"``.

    Examples
    --------
    >>> change_verdict(100, 138, 0.0031)
    'up 38 %, unlikely to be chance, p = 0.003'
    >>> change_verdict(20, 18, 0.87)
    'down 10 %, could be chance, p = 0.87'
    >>> change_verdict(0, 4, 0.125)
    'up from 0 to 4, could be chance, p = 0.12'
    """
    chance = "unlikely to be chance" if p_value < SIGNIFICANCE_LEVEL else "could be chance"
    if p_value < 0.001:  # noqa: PLR2004
        p_text = "p < 0.001"
    elif p_value < 0.01:  # noqa: PLR2004
        p_text = f"p = {p_value:.1g}"
    else:
        p_text = f"p = {p_value:.2g}"
    if n_before == 0:
        if n_after == 0:
            return "no crimes in either period"
        return f"up from 0 to {n_after}, {chance}, {p_text}"
    pct = round(100 * (n_after - n_before) / n_before)
    if pct == 0:
        return f"unchanged ({n_before} to {n_after}), {chance}, {p_text}"
    direction = "up" if pct > 0 else "down"
    return f"{direction} {abs(pct)} %, {chance}, {p_text}"


@dataclass(frozen=True)
class PeriodChange:
    """A count compared with an earlier period of the same length."""

    label: str
    """``"previous period"`` or ``"same period last year"``."""
    before: tuple[str, str]
    after: tuple[str, str]
    n_before: int
    n_after: int
    change_pct: float | None
    """Percentage change; None when the earlier count is 0."""
    p_value: float
    """Two-sided exact Poisson (conditional binomial) test of equal rates."""
    verdict: str

    def to_dict(self) -> dict[str, object]:
        """
        Return the change as JSON-ready values.

        Returns
        -------
        dict
            One key per attribute.
        """
        return {
            "label": self.label,
            "before": list(self.before),
            "after": list(self.after),
            "n_before": self.n_before,
            "n_after": self.n_after,
            "change_pct": self.change_pct,
            "p_value": self.p_value,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class FindingsSummary:
    """What EVA walks found inside the profiled wards in the period (:func:`summarise_findings`)."""

    n_findings: int
    """Located findings inside the wards whose walk date falls in the period."""
    n_with_issues: int
    """Of those, findings where at least one checklist issue was seen."""
    by_issue: dict[str, int]
    """Findings per checklist issue seen (``{"graffiti": 3, "fly_tipping": 2}``), most first;
    issues not seen are left out."""
    n_undated: int
    """Findings inside the wards with no walk date (not counted: the period cannot be told)."""

    def to_dict(self) -> dict[str, object]:
        """
        Return the summary as JSON-ready values.

        Returns
        -------
        dict
            One key per attribute.
        """
        return {
            "n_findings": self.n_findings,
            "n_with_issues": self.n_with_issues,
            "by_issue": dict(self.by_issue),
            "n_undated": self.n_undated,
        }


def summarise_findings(
    findings: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, *, months: tuple[str, str]
) -> FindingsSummary:
    """
    Count EVA findings inside the wards in a period, and per checklist issue seen.

    Parameters
    ----------
    findings
        Located findings from :func:`tasking.findings.findings_to_geodataframe` (columns
        ``walked_on`` and ``issues``; EPSG:27700).
    wards
        The profiled ward polygons (EPSG:27700); a finding on a boundary counts as inside.
    months
        First and last month (``"YYYY-MM"``) of the period; a finding counts when its walk date
        falls in one of them.

    Returns
    -------
    FindingsSummary
        Counts; all zero when no finding is inside.

    Raises
    ------
    CRSError
        When ``findings`` or ``wards`` is not in British National Grid.
    MissingColumnError
        When ``findings`` lacks ``walked_on`` or ``issues``.
    """
    from tasking.findings import (  # noqa: PLC0415 - SQLAlchemy loads only with a log
        FINDING_ROUTES,
        ISSUE_SEPARATOR,
    )

    require_bng(findings, name="findings")
    require_bng(wards, name="wards")
    require_columns(
        findings.columns,
        ("walked_on", "issues"),
        source="findings",
        hint="Build it with tasking.findings.findings_to_geodataframe.",
    )
    first, last = pd.Period(months[0], freq="M"), pd.Period(months[1], freq="M")
    if findings.empty or wards.empty:
        inside = findings.iloc[0:0]
    else:
        inside = findings.loc[findings.geometry.covered_by(wards.union_all()).to_numpy()]
    walked = pd.to_datetime(inside["walked_on"])
    dated = walked.notna()
    month = walked.dt.to_period("M")
    in_period = inside.loc[(dated & (month >= first) & (month <= last)).to_numpy()]
    seen = [
        [i for i in str(text).split(ISSUE_SEPARATOR) if i]
        for text in in_period["issues"].fillna("")
    ]
    order = list(FINDING_ROUTES)
    counts: dict[str, int] = {}
    for issues in seen:
        for issue in issues:
            counts[issue] = counts.get(issue, 0) + 1
    ranked = sorted(
        counts.items(),
        key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else len(order), kv[0]),
    )
    return FindingsSummary(
        n_findings=len(in_period),
        n_with_issues=sum(1 for issues in seen if issues),
        by_issue=dict(ranked),
        n_undated=int((~dated).sum()),
    )


@dataclass(frozen=True)
class Profile:
    """The numbers of a neighbourhood profile."""

    area_name: str
    wards: tuple[str, ...]
    months: tuple[str, str]
    crime_types: tuple[str, ...] | None
    """The crime types profiled; None means all."""
    n_crimes: int
    n_asb: int
    by_crime_type: dict[str, int]
    """Crimes by type, commonest first; rows without a type count as ``(blank)``."""
    by_month: dict[str, int]
    by_month_last_year: dict[str, int | None]
    """The same calendar months a year earlier, keyed by this period's month; None if not loaded."""
    population: float | None
    population_method: str | None
    rate_per_1000: float | None
    """Crimes and ASB of the whole period (``months``) per 1,000 residents: not a yearly rate
    (:func:`layers.overview.annual_rate` gives the average a year)."""
    rank: int | None
    """Rank of this area among the comparable areas, 1 = highest."""
    n_ranked: int
    rank_basis: str
    """``"rate per 1,000 residents"`` or ``"count"`` (when no population is loaded)."""
    changes: tuple[PeriodChange, ...]
    top_locations: tuple[dict[str, object], ...]
    hotspots: dict[str, object] = field(default_factory=dict)
    """Gi* summary of the period on :data:`HOTSPOT_CELL_SIZE_M` cells (see :func:`_hotspots`)."""
    persistence: dict[str, int] = field(default_factory=dict)
    """Cells per emerging hot spot category over every loaded month (no-pattern cells left out)."""
    notes: tuple[str, ...] = field(default=())
    eva_findings: FindingsSummary | None = None
    """EVA findings inside the wards in the period; None when no findings were given."""

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap profile --json`` object.

        Returns
        -------
        dict
            JSON-ready values; ``change`` holds the comparisons with their ``p_value``.
        """
        return {
            "area": self.area_name,
            "wards": list(self.wards),
            "months": list(self.months),
            "crime_types": list(self.crime_types) if self.crime_types else None,
            "n_crimes": self.n_crimes,
            "n_asb": self.n_asb,
            "by_crime_type": dict(self.by_crime_type),
            "by_month": dict(self.by_month),
            "by_month_last_year": dict(self.by_month_last_year),
            "population": self.population,
            "population_method": self.population_method,
            "rate_per_1000": self.rate_per_1000,
            "rank": self.rank,
            "n_ranked": self.n_ranked,
            "rank_basis": self.rank_basis,
            "change": [c.to_dict() for c in self.changes],
            "top_locations": [dict(t) for t in self.top_locations],
            "hotspots": dict(self.hotspots),
            "persistence": dict(self.persistence),
            "notes": list(self.notes),
            "eva_findings": None if self.eva_findings is None else self.eva_findings.to_dict(),
        }


def _month_range(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    return list(pd.period_range(first, last, freq="M"))


def _compare(
    monthly: pd.Series[int],
    loaded: set[str],
    after: list[pd.Period],
    shift: int,
    label: str,
) -> PeriodChange | None:
    before = [m - shift for m in after]
    if not all(str(m) in loaded for m in before):
        return None
    n_before = int(sum(monthly.get(m, 0) for m in before))
    n_after = int(sum(monthly.get(m, 0) for m in after))
    test = poisson_rate_ratio_test(n_after, n_before)
    pct = None if n_before == 0 else 100.0 * (n_after - n_before) / n_before
    return PeriodChange(
        label=label,
        before=(str(before[0]), str(before[-1])),
        after=(str(after[0]), str(after[-1])),
        n_before=n_before,
        n_after=n_after,
        change_pct=pct,
        p_value=float(test.p_value),
        verdict=change_verdict(n_before, n_after, float(test.p_value)),
    )


def _top_locations(points: gpd.GeoDataFrame) -> tuple[dict[str, object], ...]:
    """Top snap points with the hotspot engine's artefact flags."""
    if points.empty:
        return ()
    top = repeat_locations_flagged(points, top_n=TOP_LOCATIONS)
    return tuple(
        {
            "location": str(rec["location"]),
            "ward": str(rec["ward"]),
            "x_m": float(rec["x_m"]),
            "y_m": float(rec["y_m"]),
            "n_crimes": int(rec["n_crimes"]),
            "n_months": int(rec["n_months"]),
            "top_crime_types": str(rec["top_crime_types"]),
            "artefact": rec["artefact"],
        }
        for rec in top.drop(columns="geometry").to_dict("records")
    )


def _unit_counts(
    area: StudyArea,
    unit: str,
    *,
    months: tuple[str, str],
    crime_types: tuple[str, ...] | None,
) -> pd.Series[int]:
    """Crimes per ward or neighbourhood in the months and types, from the points or the counts."""
    if area.ward_counts is None:
        everything = select_points(area, Selection(crime_types=crime_types, months=months))
        return everything.groupby(unit).size()
    table = area.ward_counts  # every ward's crimes, counted by a store read of some wards
    kept = (table["month"] >= months[0]) & (table["month"] <= months[1])
    if crime_types is not None:
        kept &= crime_type_mask(table["crime_type"], crime_types)
    return table.loc[kept].groupby(unit)["n"].sum()


@dataclass(frozen=True)
class _Rated:
    population: float | None
    method_label: str | None
    rank: int | None
    n_ranked: int
    basis: str
    notes: tuple[str, ...]


def _rate_and_rank(
    area: StudyArea,
    *,
    chosen_wards: tuple[str, ...],
    neighbourhood: str | None,
    months: tuple[str, str],
    crime_types: tuple[str, ...] | None,
    population_method: PopulationMethod,
) -> _Rated:
    """Return the chosen wards' population and rank among comparable areas (1 = highest)."""
    population, method_label = None, None
    notes: tuple[str, ...] = ()
    per_ward_pop: dict[str, float] = {}
    if area.population is not None and area.lsoas is not None:
        pops = ward_population(area.wards, area.lsoas, area.population, method=population_method)
        method_label, notes, per_ward_pop = pops.method_label, pops.notes, pops.by_ward
        population = float(sum(pops.by_ward[w] for w in chosen_wards))
    # Neighbourhoods rank against neighbourhoods, wards against wards.
    unit = "neighbourhood" if neighbourhood else "ward"
    counts = _unit_counts(area, unit, months=months, crime_types=crime_types)
    units = area.neighbourhood_names if neighbourhood else area.ward_names
    values: dict[str, float] = {u: float(counts.get(u, 0)) for u in units}
    basis = "count"
    if per_ward_pop:
        basis = "rate per 1,000 residents"
        unit_pop: dict[str, float] = dict.fromkeys(units, 0.0)
        for ward_name, hood in zip(
            area.wards["ward_name"], area.wards["neighbourhood"], strict=True
        ):
            unit_pop[hood if neighbourhood else ward_name] += per_ward_pop.get(ward_name, 0.0)
        values = {u: (1000 * values[u] / unit_pop[u] if unit_pop[u] else math.nan) for u in units}
    rank = None
    me = neighbourhood or (chosen_wards[0] if len(chosen_wards) == 1 else None)
    if me is not None and not math.isnan(values[me]):
        rank = 1 + sum(1 for u, v in values.items() if u != me and v > values[me])
    return _Rated(population, method_label, rank, len(units), basis, notes)


def _hotspots(points: gpd.GeoDataFrame, grid: Grid) -> tuple[dict[str, object], str | None]:
    """
    Summarise Gi* (queen, FDR) on the profile's cells: hot cells and their share of crime.

    Returns the summary and, when the hot cells hold less crime than their share of the cells,
    a note saying why (:func:`_sparse_hot_cells_note`); else None.
    """
    if points.empty:
        return {}, None
    result = gi_star(count_points(points, grid), grid=grid)
    cells = result.cells
    hot = cells["gi_bin"].to_numpy() >= 2  # noqa: PLR2004 - hot at 95 % or more
    n_in_hot = float(cells.loc[hot, "n_crimes"].sum())
    share = n_in_hot / len(points)
    summary = {
        "cell_size_m": HOTSPOT_CELL_SIZE_M,
        "n_cells": len(cells),
        "n_hot_cells": int(hot.sum()),
        "share_of_crime_in_hot_cells": round(share, 4),
        "convention": result.convention,
    }
    note = None
    if hot.any() and share < hot.mean():
        note = _sparse_hot_cells_note(cells, hot, share)
    return summary, note


def _sparse_hot_cells_note(
    cells: gpd.GeoDataFrame, hot: npt.NDArray[np.bool_], share: float
) -> str:
    """
    Say why hot cells can hold little crime: Gi* tests each cell with the 8 around it.

    A cell is hot when its neighbourhood is busy, so the cells around one very busy place can
    be hot while that place, whose own neighbourhood is quiet, is not (and cells at the area's
    edge, with fewer neighbours, reach significance sooner). An inspector reading "5 hot cells,
    0 % of crime" would take it for a bug without this sentence.
    """
    busiest = cells.iloc[int(np.argmax(cells["n_crimes"].to_numpy()))]
    n_hot = int(hot.sum())
    text = (
        f"The {n_hot} hot cell{'s' * (n_hot != 1)} hold{'s' * (n_hot == 1)} {share:.0%} of the "
        "crime: Gi* tests each cell with the 8 cells around it, so a cell is hot when its "
        "surroundings are busy, not always when it is."
    )
    if str(busiest["hotspot"]).startswith("Hot"):
        return text
    return (
        f"{text} The busiest cell ({int(busiest['n_crimes']):,} crimes) is not significant on "
        "its own: see the top locations."
    )


def _persistence(points: gpd.GeoDataFrame, grid: Grid, months: tuple[str, ...]) -> dict[str, int]:
    """Count cells per emerging hot spot category over every loaded month."""
    if points.empty or len(months) < MIN_EMERGING_MONTHS:
        return {}
    cells = emerging_hotspots(points, grid=grid, months=(months[0], months[-1]))
    counts = cells["category"].value_counts()
    return {str(k): int(v) for k, v in counts.items() if str(k) != "No Pattern Detected"}


def build_profile(
    area: StudyArea,
    *,
    wards: tuple[str, ...] | None = None,
    neighbourhood: str | None = None,
    months: tuple[str, str] | None = None,
    crime_types: tuple[str, ...] | None = None,
    population_method: PopulationMethod = "best-fit",
    findings: gpd.GeoDataFrame | None = None,
) -> Profile:
    """
    Build the profile of a ward, several wards or a neighbourhood over a period.

    long: gathers every figure of the profile in one pass over the selection.

    Parameters
    ----------
    area
        The loaded study area.
    wards
        Ward names; with ``neighbourhood`` None and ``wards`` None, the whole study area.
    neighbourhood
        A neighbourhood name (its wards are profiled and ranked against other neighbourhoods).
    months
        First and last month; every loaded month when None.
    crime_types
        Crime types to include; all when None.
    population_method
        How LSOA residents are apportioned to wards (see :mod:`boundaries.population`).
    findings
        Located EVA findings (:func:`tasking.findings.findings_to_geodataframe`); when given,
        ``eva_findings`` counts those inside the profiled wards in the period
        (:func:`summarise_findings`).

    Returns
    -------
    Profile
        Counts, rate, rank, monthly series, changes with exact tests, top locations, and the
        EVA findings when ``findings`` is given.

    Raises
    ------
    ParameterError
        When both ``wards`` and ``neighbourhood`` are given, or a name is unknown.
    EmptyInputError
        When no month of ``months`` was loaded.
    CRSError
        When ``findings`` is not in British National Grid.
    MissingColumnError
        When ``findings`` lacks ``walked_on`` or ``issues``.
    """
    if wards is not None and neighbourhood is not None:
        msg = "Profile either wards or a neighbourhood, not both."
        raise ParameterError(msg)
    area_months = area.months  # worked out from every row on each call: once
    loaded = set(area_months)
    first, last = months or (area_months[0], area_months[-1])
    period = _month_range(pd.Period(first, freq="M"), pd.Period(last, freq="M"))
    if not any(str(m) in loaded for m in period):  # zeros, a rank and hot spots from nothing
        msg = (
            f"No data loaded for {first} to {last}: the data cover {area_months[0]} to "
            f"{area_months[-1]}. Choose months within them."
        )
        raise EmptyInputError(msg)
    nbhds = (neighbourhood,) if neighbourhood else None
    place = Selection(wards=wards, neighbourhoods=nbhds)
    ward_frame = select_wards(area, place)
    chosen_wards = tuple(str(w) for w in ward_frame["ward_name"])
    grid = make_grid(ward_frame, kind="square", cell_size_m=HOTSPOT_CELL_SIZE_M)
    typed = Selection(crime_types=crime_types, wards=chosen_wards)
    all_months = select_points(area, typed)
    monthly = all_months.groupby("month").size()
    in_period = all_months.loc[all_months["month"].isin(period)]
    if neighbourhood:
        name = neighbourhood
    elif wards and len(wards) == 1:
        name = wards[0]
    elif wards:
        name = ", ".join(wards)
    else:
        name = area.label
    notes: list[str] = [] if area.area_mismatch is None else [area.area_mismatch]
    missing = [str(m) for m in period if str(m) not in loaded]
    if missing:
        notes.append(f"No data loaded for {', '.join(missing)}; those months count as 0.")

    rated = _rate_and_rank(
        area,
        chosen_wards=chosen_wards,
        neighbourhood=neighbourhood,
        months=(first, last),
        crime_types=crime_types,
        population_method=population_method,
    )
    notes.extend(rated.notes)
    rate = (
        1000.0 * len(in_period) / rated.population
        if rated.population is not None and rated.population > 0
        else None
    )

    changes = [
        _compare(monthly, loaded, period, len(period), "previous period"),
        _compare(monthly, loaded, period, 12, "same period last year"),
    ]
    last_year = {
        str(m): (int(monthly.get(m - 12, 0)) if str(m - 12) in loaded else None) for m in period
    }
    by_type = ranked_counts(crime_type_labels(in_period["crime_type"]))  # (blank) too, as summaries
    hot, hot_note = _hotspots(in_period, grid)
    return Profile(
        area_name=name,
        wards=chosen_wards,
        months=(str(period[0]), str(period[-1])),
        crime_types=crime_types,
        n_crimes=len(in_period),
        n_asb=int((in_period["crime_type"] == ASB).sum()),
        by_crime_type={str(k): int(v) for k, v in by_type.items()},
        by_month={str(m): int(monthly.get(m, 0)) for m in period},
        by_month_last_year=last_year,
        population=rated.population,
        population_method=rated.method_label,
        rate_per_1000=rate,
        rank=rated.rank,
        n_ranked=rated.n_ranked,
        rank_basis=rated.basis,
        changes=tuple(c for c in changes if c is not None),
        top_locations=_top_locations(in_period),
        hotspots=hot,
        persistence=_persistence(all_months, grid, area_months),
        notes=(*notes, *([hot_note] if hot_note else [])),
        eva_findings=None
        if findings is None
        else summarise_findings(findings, ward_frame, months=(str(period[0]), str(period[-1]))),
    )


def change_since(profile: Profile, area: StudyArea, *, since: dt.date) -> PeriodChange | None:
    """
    Compare the profile's months after ``since`` with as many months just before them.

    The same comparison as the profile's "previous period" (:attr:`Profile.changes`: the same
    monthly counts of the profile's wards and crime types, the exact Poisson test), over the
    months from the one after ``since`` to the profile's last month.

    Parameters
    ----------
    profile
        From :func:`build_profile`.
    area
        The study area the profile was built from.
    since
        A date (e.g. the last meeting); its month is the last one before the comparison.

    Returns
    -------
    PeriodChange or None
        Labelled "since the last meeting (YYYY-MM-DD)"; None when no profile month follows
        ``since`` or the months before are not all loaded.
    """
    first, last = (pd.Period(m, freq="M") for m in profile.months)
    start = max(first, pd.Period(year=since.year, month=since.month, freq="M") + 1)
    if start > last:
        return None
    typed = Selection(wards=profile.wards, crime_types=profile.crime_types)
    monthly = select_points(area, typed).groupby("month").size()
    after = _month_range(start, last)
    label = f"since the last meeting ({since.isoformat()})"
    return _compare(monthly, set(area.months), after, len(after), label)


def meeting_changes(
    profile: Profile, area: StudyArea, *, last_meeting: dt.date | None = None
) -> tuple[PeriodChange, ...]:
    """
    Return the changes a meeting is shown: since the last meeting, and against last year.

    The first is :func:`change_since` the last meeting when it can be computed, else the
    profile's own "previous period"; the second the profile's "same period last year". The
    briefing pack shows exactly these (their figures are the profile's).

    Parameters
    ----------
    profile
        From :func:`build_profile`.
    area
        The study area the profile was built from.
    last_meeting
        The previous meeting's date, when the tasking log has one.

    Returns
    -------
    tuple of PeriodChange
        Zero to two changes, in that order.
    """
    previous = next((c for c in profile.changes if c.label == "previous period"), None)
    since = None if last_meeting is None else change_since(profile, area, since=last_meeting)
    first = since or previous
    last_year = [c for c in profile.changes if c.label == "same period last year"]
    return tuple(([first] if first is not None else []) + last_year)
