"""
Assessment (the A of SARA): did crime fall where the response was, net of a comparison area.

:func:`weighted_displacement_difference` is the WDD test of Wheeler & Ratcliffe (2018) on
before/after counts; :func:`assess_response` counts crime points in a treated area, a comparison
area and (optionally) rings around both for displacement, then runs the WDD test and the exact
Poisson rate-ratio test (:mod:`hotspots.poisson`) on each area's before/after counts.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pandas as pd
from scipy import stats
from shapely.geometry.base import BaseGeometry

from hotspots.poisson import DEFAULT_CONFIDENCE_LEVEL, PoissonRateRatioTest, poisson_rate_ratio_test
from spatial.crs import require_bng
from spatial.errors import (
    EmptyInputError,
    InvalidGeometryError,
    MissingColumnError,
    ParameterError,
    PatchmapWarning,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "MIN_COUNT_FOR_NORMAL",
    "AreaCounts",
    "Assessment",
    "WDDResult",
    "assess_response",
    "weighted_displacement_difference",
]

MIN_COUNT_FOR_NORMAL: Final = 5
"""Below this many crimes in a treated or comparison period the WDD's normal approximation is
poor; :func:`assess_response` warns and the exact Poisson tests should be preferred."""


@dataclass(frozen=True)
class AreaCounts:
    """
    Crimes in one area before and after the response.

    Attributes
    ----------
    n_before
        Crimes in the before period.
    n_after
        Crimes in the after period.
    area_km2
        Size of the area; when given for every area of a test, counts are compared per km2
        (the area weights of Wheeler 2021). None compares raw counts.
    """

    n_before: int
    n_after: int
    area_km2: float | None = None


@dataclass(frozen=True)
class WDDResult:
    """
    Result of :func:`weighted_displacement_difference`.

    Negative estimates mean crime fell in the treated area relative to the comparison.
    Estimates are crimes per month when the periods' months are given (times per km2 when
    areas are given); otherwise raw crime counts.

    Attributes
    ----------
    est_local
        ``(T1 - T0) - (C1 - C0)``: change in the treated area net of the comparison.
    se_local
        Its standard error (Poisson variance: the sum of the weighted counts).
    est_displacement
        ``(D1 - D0) - (Cd1 - Cd0)``: change in the displacement area net of its comparison;
        0 when no displacement areas were given.
    se_displacement
        Its standard error.
    est_total
        The WDD: ``est_local + est_displacement``.
    se_total
        Its standard error.
    z
        ``est_total / se_total`` (0 when every count is 0).
    p_value
        Two-sided normal p-value of ``z``.
    ci_low, ci_high
        Normal confidence interval of ``est_total``.
    confidence_level
        Level of the interval.
    """

    est_local: float
    se_local: float
    est_displacement: float
    se_displacement: float
    est_total: float
    se_total: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence_level: float

    def to_dict(self) -> dict[str, float]:
        """
        Return the result as a dict of floats.

        Returns
        -------
        dict
            One key per attribute.
        """
        return dict(self.__dict__)


@dataclass(frozen=True)
class Assessment:
    """
    Result of :func:`assess_response`.

    Attributes
    ----------
    treated, comparison
        Before/after counts in the treated and comparison areas.
    displacement, displacement_comparison
        Counts in the rings around them, or None without ``displacement_buffer_m``.
    before, after
        The periods compared, as ``("YYYY-MM", "YYYY-MM")`` inclusive.
    n_months_before, n_months_after
        Their lengths in months (the WDD and the Poisson tests compare monthly rates).
    wdd
        The weighted displacement difference test.
    treated_rate_ratio
        Exact Poisson test of the treated area's monthly rate after / before.
    comparison_rate_ratio
        The same for the comparison area.
    """

    treated: AreaCounts
    comparison: AreaCounts
    displacement: AreaCounts | None
    displacement_comparison: AreaCounts | None
    before: tuple[str, str]
    after: tuple[str, str]
    n_months_before: int
    n_months_after: int
    wdd: WDDResult
    treated_rate_ratio: PoissonRateRatioTest
    comparison_rate_ratio: PoissonRateRatioTest

    def to_dict(self) -> dict[str, object]:
        """
        Return the assessment as a JSON-friendly nested dict.

        Returns
        -------
        dict
            Counts, periods and the test results.
        """

        def counts(c: AreaCounts | None) -> dict[str, float | int | None] | None:
            return None if c is None else dict(c.__dict__)

        return {
            "treated": counts(self.treated),
            "comparison": counts(self.comparison),
            "displacement": counts(self.displacement),
            "displacement_comparison": counts(self.displacement_comparison),
            "before": list(self.before),
            "after": list(self.after),
            "n_months_before": self.n_months_before,
            "n_months_after": self.n_months_after,
            "wdd": self.wdd.to_dict(),
            "treated_rate_ratio": self.treated_rate_ratio.to_dict(),
            "comparison_rate_ratio": self.comparison_rate_ratio.to_dict(),
        }


def _check_counts(counts: AreaCounts, name: str) -> list[str]:
    problems = []
    for field in ("n_before", "n_after"):
        value = getattr(counts, field)
        if isinstance(value, bool) or value < 0 or int(value) != value:
            problems.append(f"{name}.{field} must be a whole number >= 0; found {value!r}.")
    if counts.area_km2 is not None and not (math.isfinite(counts.area_km2) and counts.area_km2 > 0):
        problems.append(f"{name}.area_km2 must be positive; found {counts.area_km2!r}.")
    return problems


def _change(
    counts: AreaCounts, *, months_before: float, months_after: float
) -> tuple[float, float]:
    """Weighted change after - before and its Poisson variance."""
    area = 1.0 if counts.area_km2 is None else counts.area_km2
    before_w = months_before * area
    after_w = months_after * area
    change = counts.n_after / after_w - counts.n_before / before_w
    variance = counts.n_after / after_w**2 + counts.n_before / before_w**2
    return change, variance


def weighted_displacement_difference(
    treated: AreaCounts,
    comparison: AreaCounts,
    *,
    displacement: AreaCounts | None = None,
    displacement_comparison: AreaCounts | None = None,
    n_months_before: float = 1.0,
    n_months_after: float = 1.0,
    confidence_level: float = DEFAULT_CONFIDENCE_LEVEL,
) -> WDDResult:
    """
    Weighted displacement difference test of a place-based intervention.

    ``WDD = (T1 - T0) - (C1 - C0) + (D1 - D0) - (Cd1 - Cd0)`` with T the treated area, C its
    comparison, D the displacement area (a ring round T) and Cd the displacement area's
    comparison; 0 and 1 mark before and after. Counts are Poisson, so the variance is the sum of
    the counts. With ``n_months_*`` (Wheeler 2021a) or ``area_km2`` (Wheeler 2021b) each count is
    divided by its weight and its variance by the weight squared.

    Parameters
    ----------
    treated
        Counts in the treated area.
    comparison
        Counts in the comparison (control) area.
    displacement
        Counts in the displacement area round the treated area; omit to test without it.
    displacement_comparison
        Counts in the comparison's displacement area; required with ``displacement``.
    n_months_before
        Length of the before period; counts become monthly rates.
    n_months_after
        Length of the after period.
    confidence_level
        Level of the normal confidence interval.

    Returns
    -------
    WDDResult
        Local, displacement and total estimates with standard errors, z, p and interval.

    Raises
    ------
    ParameterError
        When a count is negative or not whole, a weight is not positive, ``area_km2`` is given
        for some areas but not all, or only one of the displacement areas is given.

    References
    ----------
    Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to
    evaluate place based crime interventions. *Crime Science* 7, 11.
    Wheeler, A. P. (2021a). The WDD test with different pre/post time periods (blog, 9 Jan 2021).
    Wheeler, A. P. (2021b). The WDD test with different area sizes (blog, 23 Feb 2021).

    Examples
    --------
    The worked example of Wheeler & Ratcliffe (2018):

    >>> res = weighted_displacement_difference(
    ...     AreaCounts(207, 110), AreaCounts(308, 318),
    ...     displacement=AreaCounts(178, 157), displacement_comparison=AreaCounts(150, 140),
    ... )
    >>> res.est_total, res.se_total**2, round(res.z, 2), round(res.ci_low), round(res.ci_high)
    (-118.0, 1568.0, -2.98, -196, -40)
    """
    problems = _check_counts(treated, "treated") + _check_counts(comparison, "comparison")
    if (displacement is None) != (displacement_comparison is None):
        problems.append(
            "displacement and displacement_comparison go together: give both (counts in the "
            "rings round the treated and the comparison area) or neither."
        )
    areas = [treated, comparison]
    if displacement is not None and displacement_comparison is not None:
        problems += _check_counts(displacement, "displacement")
        problems += _check_counts(displacement_comparison, "displacement_comparison")
        areas += [displacement, displacement_comparison]
    n_with_area = sum(a.area_km2 is not None for a in areas)
    if 0 < n_with_area < len(areas):
        problems.append(
            f"area_km2 is given for {n_with_area} of {len(areas)} areas: give it for all "
            "(to compare crimes per km2) or for none (to compare counts)."
        )
    for name, months in (("n_months_before", n_months_before), ("n_months_after", n_months_after)):
        if not (math.isfinite(months) and months > 0):
            problems.append(f"{name} must be positive; found {months!r}.")
    if not 0.0 < confidence_level < 1.0:
        problems.append(f"confidence_level must lie between 0 and 1; found {confidence_level!r}.")
    if problems:
        raise ParameterError(" ".join(problems))

    def net(a: AreaCounts, b: AreaCounts) -> tuple[float, float]:
        change_a, var_a = _change(a, months_before=n_months_before, months_after=n_months_after)
        change_b, var_b = _change(b, months_before=n_months_before, months_after=n_months_after)
        return change_a - change_b, var_a + var_b

    est_local, var_local = net(treated, comparison)
    est_disp, var_disp = 0.0, 0.0
    if displacement is not None and displacement_comparison is not None:
        est_disp, var_disp = net(displacement, displacement_comparison)
    est_total = est_local + est_disp
    se_total = math.sqrt(var_local + var_disp)
    z = 0.0 if se_total == 0 else est_total / se_total
    half_width = float(stats.norm.ppf(0.5 + confidence_level / 2)) * se_total
    return WDDResult(
        est_local=est_local,
        se_local=math.sqrt(var_local),
        est_displacement=est_disp,
        se_displacement=math.sqrt(var_disp),
        est_total=est_total,
        se_total=se_total,
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))),
        ci_low=est_total - half_width,
        ci_high=est_total + half_width,
        confidence_level=confidence_level,
    )


def _parse_period(period: tuple[str, str], name: str) -> tuple[pd.Period, pd.Period]:
    try:
        start, end = (pd.Period(p, freq="M") for p in period)
    except (TypeError, ValueError) as err:
        msg = f"{name} must be two months 'YYYY-MM'; found {period!r} ({err})."
        raise ParameterError(msg) from err
    if end < start:
        msg = f"{name} ends ({end}) before it starts ({start}): swap the two months."
        raise ParameterError(msg)
    return start, end


def _check_area(geom: object, name: str) -> None:
    if not isinstance(geom, BaseGeometry) or geom.is_empty or geom.area <= 0:
        msg = f"{name} must be a polygon in British National Grid metres; found {geom!r}."
        raise InvalidGeometryError(msg)
    if not geom.is_valid:
        msg = f"{name} is not a valid polygon; repair it (e.g. shapely.make_valid) and retry."
        raise InvalidGeometryError(msg)


def _count(
    months: pd.Series,
    inside: pd.Series,
    *,
    before: tuple[pd.Period, pd.Period],
    after: tuple[pd.Period, pd.Period],
    area_km2: float | None,
) -> AreaCounts:
    in_before = (months >= before[0]) & (months <= before[1])
    in_after = (months >= after[0]) & (months <= after[1])
    return AreaCounts(
        n_before=int((inside & in_before).sum()),
        n_after=int((inside & in_after).sum()),
        area_km2=area_km2,
    )


def _regions(
    treated_area: BaseGeometry,
    comparison_area: BaseGeometry,
    *,
    displacement_buffer_m: float | None,
) -> dict[str, BaseGeometry]:
    """Treated, comparison and displacement rings; raise when any two overlap."""
    if displacement_buffer_m is not None and not (
        math.isfinite(displacement_buffer_m) and displacement_buffer_m > 0
    ):
        msg = f"displacement_buffer_m must be positive metres; found {displacement_buffer_m!r}."
        raise ParameterError(msg)
    regions: dict[str, BaseGeometry] = {
        "treated_area": treated_area,
        "comparison_area": comparison_area,
    }
    if displacement_buffer_m is not None:
        regions["treated displacement ring"] = treated_area.buffer(
            displacement_buffer_m
        ).difference(treated_area)
        regions["comparison displacement ring"] = comparison_area.buffer(
            displacement_buffer_m
        ).difference(comparison_area)
    names = list(regions)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            overlap_m2 = regions[a].intersection(regions[b]).area
            if overlap_m2 > 0:
                msg = (
                    f"{a} and {b} overlap by {overlap_m2:,.0f} m2: crimes there would count twice. "
                    "Choose a comparison area further away"
                    + (" or a smaller displacement_buffer_m." if displacement_buffer_m else ".")
                )
                raise ParameterError(msg)

    return regions


def _warn_if_sparse(treated: AreaCounts, comparison: AreaCounts) -> None:
    sparse = [
        f"{name} {period}"
        for name, c in (("treated", treated), ("comparison", comparison))
        for period, n in (("before", c.n_before), ("after", c.n_after))
        if n < MIN_COUNT_FOR_NORMAL
    ]
    if sparse:
        warnings.warn(
            f"Fewer than {MIN_COUNT_FOR_NORMAL} crimes in: {', '.join(sparse)}. The WDD's normal "
            "interval is rough with so few; rely on the exact Poisson tests.",
            PatchmapWarning,
            stacklevel=3,
        )


def assess_response(
    points: gpd.GeoDataFrame,
    treated_area: BaseGeometry,
    comparison_area: BaseGeometry,
    *,
    before: tuple[str, str],
    after: tuple[str, str],
    displacement_buffer_m: float | None = None,
    per_km2: bool = False,
    confidence_level: float = DEFAULT_CONFIDENCE_LEVEL,
) -> Assessment:
    """
    Assess a finished response: before/after crime in the treated area against a comparison.

    long: validates the areas and runs the WDD and both Poisson tests in one pass, as the
    record reports them.

    Parameters
    ----------
    points
        Crime points in EPSG:27700 with a ``month`` column (``Period[M]``), already filtered to
        the crime types the response targeted.
    treated_area
        Polygon where the response happened (BNG metres).
    comparison_area
        Similar polygon that did not get the response; must not overlap ``treated_area``.
    before
        First and last month (``"YYYY-MM"``, inclusive) before the response.
    after
        First and last month after it; must come after ``before``, without overlapping it.
    displacement_buffer_m
        Width of the rings round the treated and comparison areas in which displacement
        (or diffusion of benefit) is counted; None for no displacement areas.
    per_km2
        Compare crimes per km2 (area weights) rather than counts; useful when the areas differ
        in size.
    confidence_level
        Level of the confidence intervals.

    Returns
    -------
    Assessment
        Counts per area and period, the WDD test and the exact Poisson tests of after/before.

    Raises
    ------
    CRSError
        When ``points`` are not in EPSG:27700.
    MissingColumnError
        When ``points`` has no ``month`` column.
    InvalidGeometryError
        When an area is empty, not a polygon or invalid.
    ParameterError
        When periods are malformed, overlap or come in the wrong order, the buffer is not
        positive, or areas overlap.
    EmptyInputError
        When no crime falls in any area in either period.

    Warns
    -----
    PatchmapWarning
        When the treated or comparison area has fewer than ``MIN_COUNT_FOR_NORMAL`` crimes in
        a period (the WDD's normal approximation is then rough).

    References
    ----------
    Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to
    evaluate place based crime interventions. *Crime Science* 7, 11.
    """
    require_bng(points, name="crime points")
    if "month" not in points.columns:
        msg = (
            "crime points have no 'month' column (found: "
            f"{', '.join(map(str, points.columns))}). Load them with spatial.io.read_crimes."
        )
        raise MissingColumnError(msg)
    _check_area(treated_area, "treated_area")
    _check_area(comparison_area, "comparison_area")
    start_0, end_0 = _parse_period(before, "before")
    start_1, end_1 = _parse_period(after, "after")
    if start_1 <= end_0 and start_0 <= end_1:
        msg = f"before {before} and after {after} overlap: the periods must not share months."
        raise ParameterError(msg)
    if end_1 < start_0:
        msg = (
            f"The after period ({start_1}..{end_1}) comes before the before period "
            f"({start_0}..{end_0}): 'after' is the months after the response. Swap them."
        )
        raise ParameterError(msg)
    regions = _regions(treated_area, comparison_area, displacement_buffer_m=displacement_buffer_m)

    months = points["month"]
    geoms = points.geometry
    periods = {"before": (start_0, end_0), "after": (start_1, end_1)}

    # A point on a shared boundary counts once: in the first region it touches, in the order
    # treated, comparison, treated ring, comparison ring.
    assigned = pd.Series(data=False, index=points.index)

    def count(region: BaseGeometry) -> AreaCounts:
        nonlocal assigned
        inside = geoms.covered_by(region) & ~assigned
        assigned = assigned | inside
        area_km2 = region.area / 1e6 if per_km2 else None
        return _count(months, inside, area_km2=area_km2, **periods)

    treated = count(treated_area)
    comparison = count(comparison_area)
    displacement = displacement_comparison = None
    if displacement_buffer_m is not None:
        displacement = count(regions["treated displacement ring"])
        displacement_comparison = count(regions["comparison displacement ring"])
    all_counts = [c for c in (treated, comparison, displacement, displacement_comparison) if c]
    if sum(c.n_before + c.n_after for c in all_counts) == 0:
        msg = (
            f"No crime points fall in the treated or comparison areas in {before[0]}..{before[1]} "
            f"or {after[0]}..{after[1]}: check the months and crime types selected."
        )
        raise EmptyInputError(msg)
    _warn_if_sparse(treated, comparison)
    n_months_before = (end_0 - start_0).n + 1
    n_months_after = (end_1 - start_1).n + 1
    wdd = weighted_displacement_difference(
        treated,
        comparison,
        displacement=displacement,
        displacement_comparison=displacement_comparison,
        n_months_before=n_months_before,
        n_months_after=n_months_after,
        confidence_level=confidence_level,
    )

    def rate_ratio(c: AreaCounts) -> PoissonRateRatioTest:
        return poisson_rate_ratio_test(
            c.n_after,
            c.n_before,
            exposure_1=n_months_after,
            exposure_2=n_months_before,
            confidence_level=confidence_level,
        )

    return Assessment(
        treated=treated,
        comparison=comparison,
        displacement=displacement,
        displacement_comparison=displacement_comparison,
        before=(str(start_0), str(end_0)),
        after=(str(start_1), str(end_1)),
        n_months_before=n_months_before,
        n_months_after=n_months_after,
        wdd=wdd,
        treated_rate_ratio=rate_ratio(treated),
        comparison_rate_ratio=rate_ratio(comparison),
    )
