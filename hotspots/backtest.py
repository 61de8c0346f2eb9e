"""
Backtest forecast methods on the user's own data: did the flagged cells catch next month's crime.

Rolling origin: every month ``t`` with at least ``min_train_months`` months before it is
forecast from those months alone (:meth:`hotspots.cube.CrimeCube.history`); the top
``c`` per cent of the cells over the selected wards are flagged (ties to the lower ``cell_id``,
see :data:`hotspots.forecast.TIE_BREAK`) and measured against month ``t``:

hit rate
    Share of month ``t``'s crimes inside the flagged cells.
PAI
    Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008): hit rate / (flagged area / total
    area); the total area is that of all the grid's cells over the selected wards.
PEI
    Predictive Efficiency Index (Hunt 2016): PAI / the best PAI any choice of the same number of
    cells could have had in month ``t`` (= hits / the crimes in month ``t``'s busiest cells).
RRI
    Recapture Rate Index (Levine 2008): the hit rate in month ``t`` / the share of all crimes of
    the months before ``t`` in the same cells (above 1: the flagged cells grew busier).

A month with none of the selected crimes has no hit rate, PAI, PEI or RRI: it is listed with
None and left out of the means. Per ward, each ward's own cells are ranked by the same score,
the top ``c`` per cent of them flagged and measured against that ward's crimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.forecast import (
    DEFAULT_CANDIDATES,
    DEFAULT_COVERAGE_PCT,
    DEFAULT_MIN_TRAIN_MONTHS,
    TIE_BREAK,
    DefaultChoice,
    FlaggedShare,
    coverage_text,
    flag_top,
    flagged_pct,
    n_flagged,
    select_default,
)
from hotspots.methods import DEFAULT_METHODS, Method, score_cells
from spatial.crime_types import ASB
from spatial.errors import ParameterError
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from hotspots.cube import CrimeCube

__all__ = [
    "DEFAULT_BACKTEST_METHODS",
    "DEFAULT_COVERAGES_PCT",
    "FEW_CRIMES_PER_MONTH",
    "Backtest",
    "MethodResult",
    "OriginResult",
    "area_label",
    "backtest",
    "crime_label",
    "describe_backtest",
    "evaluate_origin",
    "pai_chart_data",
    "summary_table",
]

DEFAULT_BACKTEST_METHODS: Final[tuple[Method, ...]] = tuple(
    DEFAULT_METHODS[name]
    for name in ("counts-all", "kde", "prospective", "gistar", "model", "default")
)
"""The methods a backtest compares unless told otherwise."""
DEFAULT_COVERAGES_PCT: Final[tuple[float, ...]] = (1.0, 5.0, 10.0)
"""The coverages a backtest measures unless told otherwise, in per cent of the cells."""
FEW_CRIMES_PER_MONTH: Final = 20.0
"""Below this many selected crimes a month on average, the backtest warns that PAI is noisy."""
_ROUND: Final = 4


@dataclass(frozen=True)
class OriginResult:
    """
    How one forecast did in one month.

    Attributes
    ----------
    month
        The forecast month, ``YYYY-MM``.
    n_crimes
        Crimes in that month in the cells evaluated.
    n_flagged
        Cells flagged.
    hit_rate
        Share of the month's crimes in the flagged cells (None without crimes).
    pai
        Predictive Accuracy Index (None without crimes).
    pei
        Predictive Efficiency Index (None without crimes).
    rri
        Recapture Rate Index (None without crimes, or when the flagged cells had no past crime).
    method_used
        The key of the method that made the forecast (for ``default``, the one chosen then).
    """

    month: str
    n_crimes: int
    n_flagged: int
    hit_rate: float | None
    pai: float | None
    pei: float | None
    rri: float | None
    method_used: str

    def to_dict(self) -> dict[str, object]:
        """
        Return the JSON object of this origin.

        Returns
        -------
        dict
            ``month``, ``pai``, ``hit_rate``, ``n_crimes``, ``pei``, ``rri``, ``method_used``.
        """
        return {
            "month": self.month,
            "pai": _r(self.pai),
            "hit_rate": _r(self.hit_rate),
            "n_crimes": self.n_crimes,
            "pei": _r(self.pei),
            "rri": _r(self.rri),
            "method_used": self.method_used,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), _ROUND)


def evaluate_origin(
    scores: npt.NDArray[np.float64],
    actual: npt.NDArray[np.float64],
    *,
    n_flag: int,
    past: npt.NDArray[np.float64] | None = None,
    month: str = "",
    method_used: str = "",
) -> OriginResult:
    """
    Flag the ``n_flag`` top-scoring cells and measure them against one month's counts.

    Parameters
    ----------
    scores
        One score per cell.
    actual
        The month's crimes per cell.
    n_flag
        Cells to flag (:func:`hotspots.forecast.n_flagged`).
    past
        Crimes per cell over the months before, for the RRI; None leaves the RRI None.
    month
        The month's name, ``YYYY-MM``.
    method_used
        The method's key, for the record.

    Returns
    -------
    OriginResult
        Hit rate, PAI, PEI and RRI (None when the month has no crime).

    Raises
    ------
    ParameterError
        When the arrays differ in length or ``n_flag`` is out of range.

    Examples
    --------
    Four cells, one flagged; the month's 4 crimes are 3 in cell 1 and 1 in cell 2:

    >>> r = evaluate_origin(np.array([0.0, 5, 1, 0]), np.array([0.0, 3, 1, 0]), n_flag=1)
    >>> r.hit_rate, r.pai, r.pei
    (0.75, 3.0, 1.0)
    """
    n = len(scores)
    if len(actual) != n or (past is not None and len(past) != n):
        msg = f"scores, actual and past must have one value per cell ({n}); found {len(actual)}."
        raise ParameterError(msg)
    if not 1 <= n_flag <= n:
        msg = f"n_flag must lie between 1 and the number of cells ({n}); found {n_flag}."
        raise ParameterError(msg)
    total = float(actual.sum())
    if total <= 0:
        return OriginResult(month, 0, n_flag, None, None, None, None, method_used)
    top = flag_top(scores, n_flag)
    hits = float(actual[top].sum())
    best = float(np.sort(actual)[n - n_flag :].sum())
    hit_rate = hits / total
    area_share = n_flag / n
    rri = None
    if past is not None:
        past_share = float(past[top].sum()) / float(past.sum()) if past.sum() > 0 else 0.0
        rri = hit_rate / past_share if past_share > 0 else None
    return OriginResult(
        month=month,
        n_crimes=round(total),
        n_flagged=n_flag,
        hit_rate=hit_rate,
        pai=hit_rate / area_share,
        pei=hits / best,
        rri=rri,
        method_used=method_used,
    )


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


@dataclass(frozen=True)
class MethodResult(FlaggedShare):
    """
    One method at one coverage over every origin, for the selection or one ward.

    Attributes
    ----------
    method
        The method as asked for (``default`` stays ``default``; see ``method_used`` per origin).
    coverage_pct
        Share of cells flagged, in per cent.
    ward
        The ward, or None for the whole selection.
    n_cells
        Cells ranked (the ward's cells for a ward).
    per_origin
        One :class:`OriginResult` per origin month, in month order.
    """

    method: Method
    coverage_pct: float
    ward: str | None
    n_cells: int
    per_origin: tuple[OriginResult, ...]

    @property
    def pai_mean(self) -> float | None:
        """Mean PAI over the origins with crimes."""
        return _mean([o.pai for o in self.per_origin])

    @property
    def pai_sd(self) -> float | None:
        """Standard deviation (n - 1) of the PAI over the origins with crimes."""
        kept = [o.pai for o in self.per_origin if o.pai is not None]
        return float(np.std(kept, ddof=1)) if len(kept) > 1 else None

    @property
    def pei_mean(self) -> float | None:
        """Mean PEI over the origins with crimes."""
        return _mean([o.pei for o in self.per_origin])

    @property
    def hit_rate_mean(self) -> float | None:
        """Mean hit rate over the origins with crimes."""
        return _mean([o.hit_rate for o in self.per_origin])

    @property
    def rri_mean(self) -> float | None:
        """Mean RRI over the origins where it is defined."""
        return _mean([o.rri for o in self.per_origin])

    @property
    def null_months(self) -> tuple[str, ...]:
        """Origins without any selected crime (no PAI; left out of the means)."""
        return tuple(o.month for o in self.per_origin if o.pai is None)

    def to_dict(self) -> dict[str, object]:
        """
        Return the JSON object of this result.

        Returns
        -------
        dict
            ``method``, ``coverage_pct`` (as asked), ``n_flagged`` and ``flagged_pct`` (the
            cells and the share really flagged), ``pai_mean``, ``pai_sd``, ``pei_mean``,
            ``hit_rate_mean``, ``rri_mean``, ``parameters``, ``n_origins``, ``null_months``,
            ``per_origin`` (and ``ward`` for a ward).
        """
        record: dict[str, object] = {}
        if self.ward is not None:
            record["ward"] = self.ward
        record.update(
            {
                "method": self.method.name,
                "parameters": self.method.parameters(),
                "coverage_pct": self.coverage_pct,
                "n_flagged": self.n_flagged,
                "flagged_pct": _r(self.flagged_pct),
                "pai_mean": _r(self.pai_mean),
                "pai_sd": _r(self.pai_sd),
                "pei_mean": _r(self.pei_mean),
                "hit_rate_mean": _r(self.hit_rate_mean),
                "rri_mean": _r(self.rri_mean),
                "n_origins": len(self.per_origin) - len(self.null_months),
                "null_months": list(self.null_months),
                "per_origin": [o.to_dict() for o in self.per_origin],
            }
        )
        return record


@dataclass(frozen=True)
class Backtest:
    """
    Every method at every coverage over the rolling origins, and the ``default`` it implies.

    Attributes
    ----------
    cell_size_m
        Cell size in metres.
    grid_kind
        ``"square"`` or ``"hex"``.
    n_cells
        Cells over the selected wards.
    months
        Every month of the data.
    origins
        The months forecast, in order.
    min_train_months
        Months of history before the first origin.
    coverages_pct
        The coverages measured.
    results
        One :class:`MethodResult` per method and coverage, for the whole selection.
    by_ward
        The same per ward (empty without wards).
    default
        The method ``default`` picks for the month after the data, chosen on all origins at the
        primary coverage, with its evidence.
    notes
        Sentences for the user (tie rule, months without crimes, how ``default`` was tested).
    """

    cell_size_m: float
    grid_kind: str
    n_cells: int
    months: tuple[str, ...]
    origins: tuple[str, ...]
    min_train_months: int
    coverages_pct: tuple[float, ...]
    results: tuple[MethodResult, ...]
    by_ward: tuple[MethodResult, ...]
    default: DefaultChoice
    notes: tuple[str, ...] = ()

    def result(self, method: str, coverage_pct: float, *, ward: str | None = None) -> MethodResult:
        """
        Return the result of one method (by name or key) at one coverage.

        Parameters
        ----------
        method
            A method name (``"kde"``) or key (``"ewma(half_life_months=6)"``).
        coverage_pct
            The coverage, in per cent.
        ward
            A ward, or None for the whole selection.

        Returns
        -------
        MethodResult
            The first match.

        Raises
        ------
        ParameterError
            When no such result exists.
        """
        pool = self.results if ward is None else self.by_ward
        for r in pool:
            if (
                method in (r.method.name, r.method.key())
                and math.isclose(r.coverage_pct, coverage_pct)
                and r.ward == ward
            ):
                return r
        msg = (
            f"No backtest result for {method!r} at {coverage_pct:g} %"
            + (f" in {ward}" if ward else "")
            + ". Include the method and coverage in the backtest."
        )
        raise ParameterError(msg)

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap backtest --json`` object.

        Returns
        -------
        dict
            ``cell_size_m``, ``grid``, ``n_cells``, ``months``, ``origins``,
            ``min_train_months``, ``tie_break``, ``results`` (one per method and coverage),
            ``by_ward``, ``default`` (``method``, ``parameters``, ``why``, ``coverage_pct``,
            ``n_flagged``, ``flagged_pct``, ``evidence``) and ``notes``.
        """
        return {
            "cell_size_m": self.cell_size_m,
            "grid": self.grid_kind,
            "n_cells": self.n_cells,
            "months": list(self.months),
            "origins": list(self.origins),
            "min_train_months": self.min_train_months,
            "tie_break": TIE_BREAK,
            "results": [r.to_dict() for r in self.results],
            "by_ward": [r.to_dict() for r in self.by_ward],
            "default": {
                "method": self.default.method.name,
                "parameters": self.default.method.parameters(),
                "why": self.default.why,
                "coverage_pct": self.default.coverage_pct,
                "n_flagged": n_flagged(self.n_cells, self.default.coverage_pct),
                "flagged_pct": _r(flagged_pct(self.n_cells, self.default.coverage_pct)),
                "evidence": [
                    {"method": key, "pai_mean": _r(value)} for key, value in self.default.pai_means
                ],
            },
            "notes": list(self.notes),
        }


def _check(
    cube: CrimeCube,
    methods: Sequence[Method],
    coverages_pct: Sequence[float],
    min_train_months: int,
) -> None:
    problems: list[str] = []
    if not methods:
        problems.append("give at least one method")
    if not coverages_pct:
        problems.append("give at least one coverage")
    problems.extend(
        f"coverage {c} is not above 0 and at most 100 per cent"
        for c in coverages_pct
        if not (math.isfinite(c) and 0 < c <= 100)  # noqa: PLR2004 -- per cent
    )
    if min_train_months < 1:
        problems.append(f"min_train_months must be at least 1; found {min_train_months}")
    elif len(cube.months) <= min_train_months:
        problems.append(
            f"the data have {count_text(len(cube.months), 'month')} but {min_train_months} are "
            "needed before "
            "the first month forecast; load more months or lower min_train_months"
        )
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg[0].upper() + msg[1:])


def backtest(
    cube: CrimeCube,
    *,
    methods: Sequence[Method] = DEFAULT_BACKTEST_METHODS,
    coverages_pct: Sequence[float] = DEFAULT_COVERAGES_PCT,
    min_train_months: int = DEFAULT_MIN_TRAIN_MONTHS,
    primary_coverage_pct: float | None = None,
    per_ward: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> Backtest:
    """
    Backtest forecast methods by rolling origin on the cube's own months.

    ``default`` is tested honestly: at each origin it uses the candidate
    (:data:`hotspots.forecast.DEFAULT_CANDIDATES`) with the best mean PAI at the same coverage
    over the earlier origins only (``counts-all`` until :data:`MIN_EVIDENCE_ORIGINS` earlier
    origins exist), so it never sees the month it is scored on.

    Parameters
    ----------
    cube
        The counted crimes (:func:`hotspots.cube.cube_for_selection`).
    methods
        The methods to compare.
    coverages_pct
        Shares of the cells to flag, in per cent.
    min_train_months
        Months of history before the first origin (3: the first origin is the 4th month).
    primary_coverage_pct
        The coverage at which the announced ``default`` is chosen; 5 % if measured, else the
        first coverage.
    per_ward
        Also measure every ward separately.
    progress
        Called with ``(done, total, message)`` after each origin.

    Returns
    -------
    Backtest
        Per method, coverage (and ward) results, and the ``default`` for the next month.

    Raises
    ------
    ParameterError
        When a method or coverage is invalid or the data have too few months.

    References
    ----------
    Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of hotspot mapping for predicting
    spatial patterns of crime. Security Journal 21, 4-28.
    Hunt, J. M. (2016). Do crime hot spots move? Exploring the effects of the modifiable areal
    unit problem and modifiable temporal unit problem on crime hot spot stability. PhD thesis,
    American University (the Predictive Efficiency Index).
    Levine, N. (2008). The "hottest" part of a hotspot: comments on "The utility of hotspot
    mapping for predicting spatial patterns of crime". Security Journal 21, 295-302.
    """
    coverages = tuple(float(c) for c in coverages_pct)
    methods = tuple(methods)
    _check(cube, methods, coverages, min_train_months)
    primary = _primary_coverage(primary_coverage_pct, coverages)
    wants_default = any(m.name == "default" for m in methods)
    concrete: list[Method] = []
    for m in (*methods, *(DEFAULT_CANDIDATES if wants_default else ())):
        if m.name != "default" and m not in concrete:
            concrete.append(m)
    origins = list(range(min_train_months, len(cube.months)))
    run = _Run(
        counts=cube.counts,
        methods=methods,
        coverages=coverages,
        ward_cells=_ward_cells(cube) if per_ward else {},
        wants_default=wants_default,
    )
    for done, t in enumerate(origins, start=1):
        history = cube.history(t)
        month = cube.months[t]
        scores = {m: score_cells(history, m) for m in concrete}
        prior = [cube.months[o] for o in origins[: done - 1]]
        chosen = {
            c: select_default(run.candidate_pai[c], origins=prior, coverage_pct=c).method
            for c in (coverages if wants_default else ())
        }
        run.record(t, month=month, scores=scores, chosen=chosen)
        if progress is not None:
            progress(done, len(origins), f"Forecast {month} ({done} of {len(origins)})")
    origin_months = tuple(cube.months[t] for t in origins)
    if not wants_default:  # the announced default still needs the candidates' evidence
        run.candidate_pai[primary] = _candidate_pai(cube, origins, coverage_pct=primary)
    announced = select_default(
        run.candidate_pai[primary],
        origins=origin_months,
        coverage_pct=primary,
        n_cells=cube.grid.n_cells,
    )
    return Backtest(
        cell_size_m=cube.grid.cell_size_m,
        grid_kind=cube.grid.kind,
        n_cells=cube.grid.n_cells,
        months=cube.months,
        origins=origin_months,
        min_train_months=min_train_months,
        coverages_pct=coverages,
        results=run.results(),
        by_ward=run.results_by_ward(),
        default=announced,
        notes=_backtest_notes(cube, origins, wants_default=wants_default),
    )


def _primary_coverage(primary_coverage_pct: float | None, coverages: tuple[float, ...]) -> float:
    """Return the coverage the announced ``default`` is chosen at (5 % if measured)."""
    primary = primary_coverage_pct
    if primary is None:
        primary = DEFAULT_COVERAGE_PCT if DEFAULT_COVERAGE_PCT in coverages else coverages[0]
    if not any(math.isclose(primary, c) for c in coverages):
        msg = f"primary_coverage_pct ({primary:g}) must be one of the coverages {coverages}."
        raise ParameterError(msg)
    return next(c for c in coverages if math.isclose(primary, c))


def _ward_cells(
    cube: CrimeCube,
) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    """Return each ward with cells: its cells' ids and its ``(n_cells, n_months)`` counts."""
    out = {}
    for i, ward in enumerate(cube.ward_names):
        cells = np.flatnonzero(cube.ward_cells[i]).astype(np.int64)
        if len(cells):
            out[ward] = (cells, cube.ward_counts(ward))
    return out


@dataclass
class _Run:
    """One backtest's measures so far: per method, coverage and ward, and the candidates' PAI."""

    counts: npt.NDArray[np.float64]
    methods: tuple[Method, ...]
    coverages: tuple[float, ...]
    ward_cells: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]
    wants_default: bool
    per: dict[tuple[Method, float, str | None], list[OriginResult]] = field(default_factory=dict)
    candidate_pai: dict[float, dict[Method, list[float | None]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Start every coverage's candidate table empty."""
        for c in self.coverages:
            self.candidate_pai[c] = {m: [] for m in DEFAULT_CANDIDATES}

    def record(
        self,
        t: int,
        *,
        month: str,
        scores: Mapping[Method, npt.NDArray[np.float64]],
        chosen: Mapping[float, Method],
    ) -> None:
        """Measure every method at every coverage (and ward) on month index ``t``."""
        counts = self.counts
        past = counts[:, :t].sum(axis=1)
        for c in self.coverages:
            n_flag = n_flagged(counts.shape[0], c)
            for m in self.methods:
                used = chosen[c] if m.name == "default" else m
                key = used.key()
                self.per.setdefault((m, c, None), []).append(
                    evaluate_origin(
                        scores[used],
                        counts[:, t],
                        n_flag=n_flag,
                        past=past,
                        month=month,
                        method_used=key,
                    )
                )
                for w, (cells, w_counts) in self.ward_cells.items():
                    self.per.setdefault((m, c, w), []).append(
                        evaluate_origin(
                            scores[used][cells],
                            w_counts[cells, t],
                            n_flag=n_flagged(len(cells), c),
                            past=w_counts[cells, :t].sum(axis=1),
                            month=month,
                            method_used=key,
                        )
                    )
            if self.wants_default:
                for m in DEFAULT_CANDIDATES:
                    pai = evaluate_origin(scores[m], counts[:, t], n_flag=n_flag).pai
                    self.candidate_pai[c][m].append(pai)

    def results(self) -> tuple[MethodResult, ...]:
        """Return one result per method and coverage over the whole selection."""
        n_cells = self.counts.shape[0]
        return tuple(
            MethodResult(m, c, None, n_cells, tuple(self.per[(m, c, None)]))
            for m in self.methods
            for c in self.coverages
        )

    def results_by_ward(self) -> tuple[MethodResult, ...]:
        """Return one result per ward (with cells), method and coverage."""
        return tuple(
            MethodResult(m, c, w, len(cells), tuple(self.per[(m, c, w)]))
            for w, (cells, _) in self.ward_cells.items()
            for m in self.methods
            for c in self.coverages
        )


def _candidate_pai(
    cube: CrimeCube, origins: Sequence[int], *, coverage_pct: float
) -> dict[Method, list[float | None]]:
    """Return each default candidate's PAI per origin at one coverage."""
    counts = cube.counts
    n_flag = n_flagged(cube.grid.n_cells, coverage_pct)
    return {
        m: [
            evaluate_origin(score_cells(cube.history(t), m), counts[:, t], n_flag=n_flag).pai
            for t in origins
        ]
        for m in DEFAULT_CANDIDATES
    }


def _backtest_notes(
    cube: CrimeCube, origins: Sequence[int], *, wants_default: bool
) -> tuple[str, ...]:
    """Return the tie rule, the cube's notes, and notes on empty or thin months."""
    counts = cube.counts
    notes = [TIE_BREAK, *cube.notes]
    empty = [cube.months[t] for t in origins if counts[:, t].sum() == 0]
    if empty:
        notes.append(
            f"No selected crime was recorded in {', '.join(empty)}: those months have no PAI "
            "(null) and are left out of the means."
        )
    with_crime = [float(counts[:, t].sum()) for t in origins if counts[:, t].sum() > 0]
    if with_crime and float(np.mean(with_crime)) < FEW_CRIMES_PER_MONTH:
        notes.append(
            f"Only {np.mean(with_crime):.1f} selected crimes a month on average in the months "
            "tested: hit rates and PAI move a lot from month to month, so small differences "
            "between methods mean little. Select more crime types, wards or months."
        )
    if wants_default:
        notes.append(
            "'default' is tested without hindsight: each month it uses the candidate that did "
            "best on the earlier months only."
        )
    return tuple(notes)


# --- what the app shows ---------------------------------------------------------------------------


def crime_label(crime_types: Sequence[str] | None) -> str:
    """
    Name the selected crime types for a sentence.

    Parameters
    ----------
    crime_types
        The selected types; None or empty for every type.

    Returns
    -------
    str
        ``"crime"`` for all, ``"ASB"``, a lower-case type, or ``"the 3 selected crime types"``.

    Examples
    --------
    >>> crime_label(None), crime_label(["Anti-social behaviour"]), crime_label(["Burglary"])
    ('crime', 'ASB', 'burglary')
    """
    if not crime_types:
        return "crime"
    if len(crime_types) == 1:
        only = crime_types[0]
        return "ASB" if only == ASB else only.lower()
    return f"the {len(crime_types)} selected crime types"


def area_label(wards: Sequence[str] | None) -> str:
    """
    Name the selected wards for a sentence.

    Parameters
    ----------
    wards
        The selected ward names; None or empty for all wards.

    Returns
    -------
    str
        ``"Market"``, ``"Market and Abbey"``, ``"3 wards"`` or ``"all wards"``.

    Examples
    --------
    >>> area_label(["Market"]), area_label(["Market", "Abbey"]), area_label(None)
    ('Market', 'Market and Abbey', 'all wards')
    """
    if not wards:
        return "all wards"
    if len(wards) == 1:
        return wards[0]
    if len(wards) == 2:  # noqa: PLR2004 -- "A and B"
        return f"{wards[0]} and {wards[1]}"
    return f"{len(wards)} wards"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def describe_backtest(
    result: Backtest,
    *,
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    crime: str = "crime",
    area: str = "the selected wards",
) -> str:
    """
    Say in one sentence which method best predicted next month and by how much.

    The lead method is the one with the highest mean PAI at ``coverage_pct`` (``default`` rows
    aside, since they stand for another method); it is compared with kernel density, or with
    the runner-up when the lead is kernel density.

    Parameters
    ----------
    result
        The backtest.
    coverage_pct
        The coverage to describe.
    crime
        The crimes' name (:func:`crime_label`).
    area
        The wards' name (:func:`area_label`).

    Returns
    -------
    str
        E.g. "For ASB in Market, the top 5 % of cells picked by counts over all past months
        caught 41 % of next month's ASB, PAI 8.2; kernel density (...) caught 29 %."

    Raises
    ------
    ParameterError
        When no method was measured at ``coverage_pct``.
    """
    rows = [
        r
        for r in result.results
        if math.isclose(r.coverage_pct, coverage_pct) and r.method.name != "default"
    ]
    rows = [r for r in rows if r.pai_mean is not None] or rows
    if not rows:
        msg = f"No method was measured at {coverage_pct:g} %. Add it to the coverages."
        raise ParameterError(msg)
    ranked = sorted(rows, key=lambda r: -(r.pai_mean or 0.0))
    lead = ranked[0]
    if lead.pai_mean is None:
        return (
            f"For {crime} in {area}, no month after the first {result.min_train_months} had any "
            f"{crime}, so no method could be tested."
        )
    text = (
        f"For {crime} in {area}, the top {coverage_text(lead.n_cells, coverage_pct)} picked by "
        f"{lead.method.label} "
        f"caught {_pct(lead.hit_rate_mean)} of next month's {crime}, PAI {lead.pai_mean:.1f}"
    )
    others = [r for r in ranked[1:] if r.method.name == "kde"] or ranked[1:2]
    if lead.method.name == "kde":
        others = ranked[1:2]
    if others:
        other = others[0]
        text += f"; {other.method.label} caught {_pct(other.hit_rate_mean)}"
    n = len(lead.per_origin) - len(lead.null_months)
    return text + f" (mean of {count_text(n, 'month')})."


def pai_chart_data(result: Backtest, *, ward: str | None = None) -> pd.DataFrame:
    """
    Return the long table an Altair chart of PAI per method and origin needs.

    Parameters
    ----------
    result
        The backtest.
    ward
        A ward, or None for the whole selection.

    Returns
    -------
    pandas.DataFrame
        One row per method, coverage and origin: ``month`` (str), ``method`` (name),
        ``method_label``, ``coverage_pct``, ``pai`` (NaN for a month without crime),
        ``hit_rate``, ``pei``, ``n_crimes``, ``method_used``.
    """
    pool = result.results if ward is None else [r for r in result.by_ward if r.ward == ward]
    rows = [
        {
            "month": o.month,
            "method": r.method.name,
            "method_label": r.method.label,
            "coverage_pct": r.coverage_pct,
            "pai": math.nan if o.pai is None else o.pai,
            "hit_rate": math.nan if o.hit_rate is None else o.hit_rate,
            "pei": math.nan if o.pei is None else o.pei,
            "n_crimes": o.n_crimes,
            "method_used": o.method_used,
        }
        for r in pool
        for o in r.per_origin
    ]
    columns = [
        "month",
        "method",
        "method_label",
        "coverage_pct",
        "pai",
        "hit_rate",
        "pei",
        "n_crimes",
        "method_used",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("month", "method", "method_label", "method_used"):
        frame[col] = frame[col].astype("str")
    return frame


def summary_table(result: Backtest, *, ward: str | None = None) -> pd.DataFrame:
    """
    Return one row per method and coverage with the means over origins.

    Parameters
    ----------
    result
        The backtest.
    ward
        A ward, or None for the whole selection.

    Returns
    -------
    pandas.DataFrame
        ``method``, ``method_label``, ``coverage_pct``, ``pai_mean``, ``pai_sd``, ``pei_mean``,
        ``hit_rate_mean``, ``rri_mean``, ``n_origins`` (NaN where undefined).
    """
    pool = result.results if ward is None else [r for r in result.by_ward if r.ward == ward]

    def nan(value: float | None) -> float:
        return math.nan if value is None else value

    frame = pd.DataFrame(
        [
            {
                "method": r.method.name,
                "method_label": r.method.label,
                "coverage_pct": r.coverage_pct,
                "pai_mean": nan(r.pai_mean),
                "pai_sd": nan(r.pai_sd),
                "pei_mean": nan(r.pei_mean),
                "hit_rate_mean": nan(r.hit_rate_mean),
                "rri_mean": nan(r.rri_mean),
                "n_origins": len(r.per_origin) - len(r.null_months),
            }
            for r in pool
        ],
        columns=[
            "method",
            "method_label",
            "coverage_pct",
            "pai_mean",
            "pai_sd",
            "pei_mean",
            "hit_rate_mean",
            "rri_mean",
            "n_origins",
        ],
    )
    for col in ("method", "method_label"):
        frame[col] = frame[col].astype("str")
    return frame
