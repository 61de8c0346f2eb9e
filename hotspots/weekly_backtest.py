"""
Backtest 7-day forecasts on dated events by rolling weekly origins.

Every week (``step_days``) after ``min_train_days`` of history is forecast from the days
before it alone (:func:`hotspots.weekly.score_days`); the top ``c`` per cent of the cells are
flagged and measured against the events of the next ``horizon_days`` days with the monthly
backtest's measures (:func:`hotspots.backtest.evaluate_origin`: hit rate, PAI, PEI, RRI).
``default`` is tested without hindsight: each week it uses the candidate that did best on
the earlier weeks only. The JSON (:meth:`DayBacktest.to_dict`) has the monthly backtest's
shape, so the app and the CLI show both alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.backtest import OriginResult, evaluate_origin
from hotspots.forecast import (
    DEFAULT_COVERAGE_PCT,
    TIE_BREAK,
    FlaggedShare,
    flagged_pct,
    n_flagged,
)
from hotspots.weekly import (
    DAY_CANDIDATES,
    DEFAULT_DAY_METHODS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_MIN_TRAIN_DAYS,
    DEFAULT_STEP_DAYS,
    DayDefault,
    DayEvents,
    DayMethod,
    day_label,
    score_days,
    select_day_default,
)
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["DayBacktest", "DayMethodResult", "backtest_days", "day_pai_chart_data"]


# --- the backtest --------------------------------------------------------------------------


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


@dataclass(frozen=True)
class DayMethodResult(FlaggedShare):
    """
    One method at one coverage over every weekly origin.

    Attributes
    ----------
    method
        The method as asked for.
    coverage_pct
        Share of cells flagged, in per cent.
    n_cells
        Cells ranked.
    per_origin
        One :class:`hotspots.backtest.OriginResult` per origin (its ``month`` holds the first
        day forecast, ``YYYY-MM-DD``).
    """

    method: DayMethod
    coverage_pct: float
    n_cells: int
    per_origin: tuple[OriginResult, ...]

    @property
    def pai_mean(self) -> float | None:
        """Mean PAI over the origins with events."""
        return _mean([o.pai for o in self.per_origin])

    @property
    def pei_mean(self) -> float | None:
        """Mean PEI over the origins with events."""
        return _mean([o.pei for o in self.per_origin])

    @property
    def hit_rate_mean(self) -> float | None:
        """Mean hit rate over the origins with events."""
        return _mean([o.hit_rate for o in self.per_origin])

    def to_dict(self) -> dict[str, object]:
        """
        Return the JSON object, shaped as the monthly backtest's.

        Returns
        -------
        dict
            ``method``, ``parameters``, ``coverage_pct`` (as asked), ``n_flagged`` and
            ``flagged_pct`` (the cells and the share really flagged: whole cells, at least one),
            ``pai_mean``, ``pai_sd``, ``pei_mean``, ``hit_rate_mean``, ``rri_mean``,
            ``n_origins``, ``null_months`` (origins without events) and ``per_origin`` (each
            with ``month`` = ``start``, the first day forecast).
        """
        pais = [o.pai for o in self.per_origin if o.pai is not None]
        nulls = [o.month for o in self.per_origin if o.pai is None]
        return {
            "method": self.method.name,
            "parameters": self.method.parameters(),
            "coverage_pct": self.coverage_pct,
            "n_flagged": self.n_flagged,
            "flagged_pct": _r(self.flagged_pct),
            "pai_mean": _r(self.pai_mean),
            "pai_sd": _r(float(np.std(pais, ddof=1))) if len(pais) > 1 else None,
            "pei_mean": _r(self.pei_mean),
            "hit_rate_mean": _r(self.hit_rate_mean),
            "rri_mean": _r(_mean([o.rri for o in self.per_origin])),
            "n_origins": len(pais),
            "null_months": nulls,
            "per_origin": [{**o.to_dict(), "start": o.month} for o in self.per_origin],
        }


@dataclass(frozen=True)
class DayBacktest:
    """
    Every method at every coverage over the weekly origins, and the ``default`` it implies.

    Attributes
    ----------
    cell_size_m
        Cell size in metres.
    n_cells
        Cells over the area.
    horizon_days
        Days forecast from each origin.
    first_day, last_day
        The data's first and last date, ``YYYY-MM-DD``.
    origins
        The first day of each forecast, ``YYYY-MM-DD``.
    min_train_days
        Days of history before the first origin.
    coverages_pct
        The coverages measured.
    results
        One :class:`DayMethodResult` per method and coverage.
    default
        The method ``default`` picks for the days after the data, with its evidence.
    notes
        Sentences for the user.
    """

    cell_size_m: float
    n_cells: int
    horizon_days: int
    first_day: str
    last_day: str
    origins: tuple[str, ...]
    min_train_days: int
    coverages_pct: tuple[float, ...]
    results: tuple[DayMethodResult, ...]
    default: DayDefault
    notes: tuple[str, ...] = ()

    def result(self, method: str, coverage_pct: float) -> DayMethodResult:
        """
        Return the result of one method (by name or key) at one coverage.

        Parameters
        ----------
        method
            A method name or key.
        coverage_pct
            The coverage, in per cent.

        Returns
        -------
        DayMethodResult
            The first match.

        Raises
        ------
        ParameterError
            When no such result exists.
        """
        for r in self.results:
            if method in (r.method.name, r.method.key()) and math.isclose(
                r.coverage_pct, coverage_pct
            ):
                return r
        msg = f"No 7-day backtest result for {method!r} at {coverage_pct:g} %."
        raise ParameterError(msg)

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap backtest --horizon-days 7 --json`` object.

        Returns
        -------
        dict
            The monthly backtest's keys (``cell_size_m``, ``grid``, ``n_cells``, ``months``
            (the months the data span), ``origins`` (first days forecast), ``min_train_months``
            (None here), ``tie_break``, ``results``, ``by_ward`` (empty), ``default``,
            ``notes``) plus ``horizon_days``, ``min_train_days``, ``first_day`` and
            ``last_day``.
        """
        months = pd.period_range(self.first_day, self.last_day, freq="M").astype(str).tolist()
        return {
            "cell_size_m": self.cell_size_m,
            "grid": "square",
            "n_cells": self.n_cells,
            "months": months,
            "origins": list(self.origins),
            "min_train_months": None,
            "tie_break": TIE_BREAK,
            "results": [r.to_dict() for r in self.results],
            "by_ward": [],
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
            "horizon_days": self.horizon_days,
            "min_train_days": self.min_train_days,
            "first_day": self.first_day,
            "last_day": self.last_day,
        }


def _origins(data: DayEvents, min_train_days: int, step_days: int, horizon_days: int) -> list[int]:
    first = data.first_day + min_train_days
    last = data.last_day + 1 - horizon_days  # the last full horizon inside the data
    return list(range(first, last + 1, step_days))


def _check_backtest(
    data: DayEvents,
    methods: Sequence[DayMethod],
    coverages: Sequence[float],
    min_train_days: int,
    step_days: int,
    horizon_days: int,
) -> None:
    problems = []
    if not methods:
        problems.append("give at least one method")
    if not coverages:
        problems.append("give at least one coverage")
    problems.extend(
        f"coverage {c} is not above 0 and at most 100 per cent"
        for c in coverages
        if not (math.isfinite(c) and 0 < c <= 100)  # noqa: PLR2004 -- per cent
    )
    if horizon_days < 1 or step_days < 1 or min_train_days < 1:
        problems.append(
            f"horizon_days, step_days and min_train_days must be at least 1; found "
            f"{horizon_days}, {step_days} and {min_train_days}"
        )
    elif not _origins(data, min_train_days, step_days, horizon_days):
        span = data.last_day - data.first_day + 1
        problems.append(
            f"the data span {span} days "
            f"({day_label(data.first_day)}..{day_label(data.last_day)}) but "
            f"{min_train_days} days of history and {horizon_days} to test are needed; load more "
            "days or lower min_train_days"
        )
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg[0].upper() + msg[1:])


def _score_origin(  # noqa: PLR0913 -- one origin's inputs and the two tables it fills
    scores: dict[DayMethod, npt.NDArray[np.float64]],
    actual: npt.NDArray[np.float64],
    past: npt.NDArray[np.float64],
    *,
    methods: Sequence[DayMethod],
    coverage_pct: float,
    n_cells: int,
    label: str,
    per: dict[tuple[DayMethod, float], list[OriginResult]],
    candidate_pai: dict[DayMethod, list[float | None]],
    prior: list[str] | None,
) -> None:
    """Measure every method at one origin and coverage; ``default`` sees ``prior`` only."""
    n_flag = n_flagged(n_cells, coverage_pct)
    chosen = DAY_CANDIDATES[0]
    if prior is not None:
        chosen = select_day_default(candidate_pai, origins=prior, coverage_pct=coverage_pct).method
    for m in methods:
        used = chosen if m.name == "default" else m
        per.setdefault((m, coverage_pct), []).append(
            evaluate_origin(
                scores[used], actual, n_flag=n_flag, past=past, month=label,
                method_used=used.key(),
            )
        )  # fmt: skip
    for m in DAY_CANDIDATES:
        candidate_pai[m].append(evaluate_origin(scores[m], actual, n_flag=n_flag).pai)


def backtest_days(
    data: DayEvents,
    *,
    methods: Sequence[DayMethod] = (*DAY_CANDIDATES, DEFAULT_DAY_METHODS["default"]),
    coverages_pct: Sequence[float] = (1.0, 5.0, 10.0),
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    min_train_days: int = DEFAULT_MIN_TRAIN_DAYS,
    step_days: int = DEFAULT_STEP_DAYS,
    primary_coverage_pct: float | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DayBacktest:
    """
    Backtest 7-day forecasts by rolling weekly origins on the events' own days.

    ``default`` is tested without hindsight: at each origin it uses the candidate that did best
    on the earlier origins only (:func:`select_day_default`).

    Parameters
    ----------
    data
        The events (:func:`prepare_days`).
    methods
        The methods to compare.
    coverages_pct
        Shares of the cells to flag, in per cent.
    horizon_days
        Days forecast from each origin.
    min_train_days
        Days of history before the first origin.
    step_days
        Days between origins.
    primary_coverage_pct
        The coverage the announced ``default`` is chosen at (5 % if measured).
    progress
        Called with ``(done, total, message)`` after each origin.

    Returns
    -------
    DayBacktest
        Per method and coverage, the hit rate, PAI and PEI of every origin.

    Raises
    ------
    ParameterError
        When a setting is out of range or the data are too short.
    """
    coverages = tuple(float(c) for c in coverages_pct)
    _check_backtest(data, methods, coverages, min_train_days, step_days, horizon_days)
    primary = primary_coverage_pct
    if primary is None:
        primary = DEFAULT_COVERAGE_PCT if DEFAULT_COVERAGE_PCT in coverages else coverages[0]
    wants_default = any(m.name == "default" for m in methods)
    concrete = list(
        dict.fromkeys([m for m in methods if m.name != "default"] + list(DAY_CANDIDATES))
    )
    origins = _origins(data, min_train_days, step_days, horizon_days)
    n_cells = data.grid.n_cells
    per: dict[tuple[DayMethod, float], list[OriginResult]] = {}
    candidate_pai: dict[float, dict[DayMethod, list[float | None]]] = {
        c: {m: [] for m in DAY_CANDIDATES} for c in coverages
    }
    for done, start in enumerate(origins, start=1):
        label = day_label(start)
        actual = data.counts(start, start + horizon_days)
        past = data.counts(data.first_day, start)
        scores = {
            m: score_days(data, m, start_day=start, horizon_days=horizon_days) for m in concrete
        }
        prior = [day_label(o) for o in origins[: done - 1]]
        for c in coverages:
            _score_origin(
                scores, actual, past, methods=methods, coverage_pct=c, n_cells=n_cells,
                label=label, per=per, candidate_pai=candidate_pai[c],
                prior=prior if wants_default else None,
            )  # fmt: skip
        if progress is not None:
            progress(
                done, len(origins), f"Forecast the week from {label} ({done} of {len(origins)})"
            )
    labels = tuple(day_label(o) for o in origins)
    announced = select_day_default(candidate_pai[primary], origins=labels, coverage_pct=primary)
    results = tuple(
        DayMethodResult(m, c, n_cells, tuple(per[(m, c)])) for m in methods for c in coverages
    )
    notes = [TIE_BREAK, *data.notes]
    if wants_default:
        notes.append(
            "'default' is tested without hindsight: each week it uses the candidate that did "
            "best on the earlier weeks only."
        )
    return DayBacktest(
        cell_size_m=data.grid.cell_size_m,
        n_cells=n_cells,
        horizon_days=horizon_days,
        first_day=day_label(data.first_day),
        last_day=day_label(data.last_day),
        origins=labels,
        min_train_days=min_train_days,
        coverages_pct=coverages,
        results=results,
        default=announced,
        notes=tuple(notes),
    )


def day_pai_chart_data(result: DayBacktest) -> pd.DataFrame:
    """
    Return the long table an Altair chart of PAI per method and weekly origin needs.

    Parameters
    ----------
    result
        The backtest.

    Returns
    -------
    pandas.DataFrame
        One row per method, coverage and origin: ``start`` (str), ``method``,
        ``method_label``, ``coverage_pct``, ``pai`` (NaN for a week without events),
        ``hit_rate``, ``pei``, ``n_crimes``, ``method_used``.
    """
    rows = [
        {
            "start": o.month,
            "method": r.method.name,
            "method_label": r.method.label,
            "coverage_pct": r.coverage_pct,
            "pai": math.nan if o.pai is None else o.pai,
            "hit_rate": math.nan if o.hit_rate is None else o.hit_rate,
            "pei": math.nan if o.pei is None else o.pei,
            "n_crimes": o.n_crimes,
            "method_used": o.method_used,
        }
        for r in result.results
        for o in r.per_origin
    ]
    columns = [
        "start",
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
    for col in ("start", "method", "method_label", "method_used"):
        frame[col] = frame[col].astype("str")
    return frame
