"""
Forecast next month's crime cells from the months before it.

A forecast starts from a :class:`~hotspots.cube.CrimeCube` (the month-by-cell data), scores every
cell with a method of :mod:`hotspots.methods` on the months before the forecast month only, and
flags the top cells by score. The ``default`` method is whichever of :data:`DEFAULT_CANDIDATES`
had the best mean PAI on the history's own rolling origins (see :func:`choose_default`); a blend
of long-run and recent counts unless ``counts-all`` or a clearly better candidate beat it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.cube import parse_month
from hotspots.methods import DEFAULT_METHODS, Method, check_method, score_cells
from spatial.errors import ParameterError
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import geopandas as gpd

    from hotspots.cube import CrimeCube, History

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_COVERAGE_PCT",
    "DEFAULT_MIN_TRAIN_MONTHS",
    "MIN_EVIDENCE_ORIGINS",
    "TIE_BREAK",
    "DefaultChoice",
    "FlaggedShare",
    "Forecast",
    "choose_default",
    "coverage_text",
    "flag_top",
    "flagged_pct",
    "forecast_cells",
    "n_flagged",
    "select_default",
]

DEFAULT_COVERAGE_PCT: Final = 5.0
"""Share of the cells flagged for patrol, in per cent."""
DEFAULT_MIN_TRAIN_MONTHS: Final = 3
"""Months of history needed before a month is forecast (the first origin is the 4th month)."""
MIN_EVIDENCE_ORIGINS: Final = 2
"""Rolling origins with crimes needed before ``default`` may leave ``counts-all``."""
TIE_BREAK: Final = (
    "Cells with equal scores are taken in cell_id order (the south-west first: rows run "
    "northwards, columns eastwards)."
)
"""How ties are broken when the top cells are flagged (see :func:`flag_top`)."""

DEFAULT_CANDIDATES: Final[tuple[Method, ...]] = (
    DEFAULT_METHODS["blend"],
    DEFAULT_METHODS["counts-all"],
    Method("blend", recent_weight=0.5),
    DEFAULT_METHODS["ewma"],
    Method("ewma", half_life_months=12.0),
    DEFAULT_METHODS["model"],
)
"""The methods ``default`` chooses among: the preferred blend first, then ``counts-all`` (the
baseline it must match), then challengers (see :func:`select_default`)."""


def n_flagged(n_cells: int, coverage_pct: float) -> int:
    """
    Return how many cells ``coverage_pct`` per cent of ``n_cells`` flags (rounded up, at least 1).

    Parameters
    ----------
    n_cells
        Number of cells.
    coverage_pct
        Share to flag, in per cent (0 < c <= 100).

    Returns
    -------
    int
        The number of cells.

    Raises
    ------
    ParameterError
        When ``coverage_pct`` is not in (0, 100].

    Examples
    --------
    >>> n_flagged(4000, 5), n_flagged(30, 5), n_flagged(10, 1)
    (200, 2, 1)
    """
    if not (math.isfinite(coverage_pct) and 0 < coverage_pct <= 100):  # noqa: PLR2004
        msg = f"coverage_pct must be above 0 and at most 100; found {coverage_pct}."
        raise ParameterError(msg)
    return max(1, min(n_cells, math.ceil(n_cells * coverage_pct / 100.0 - 1e-9)))


def flagged_pct(n_cells: int, coverage_pct: float) -> float:
    """
    Return the share of ``n_cells`` that ``coverage_pct`` really flags, in per cent.

    Whole cells are flagged (:func:`n_flagged` rounds up, to at least one), so the share flagged
    is ``coverage_pct`` or more: 0.01 % of 261 cells flags one cell, 0.38 %.

    Parameters
    ----------
    n_cells
        Number of cells (at least 1).
    coverage_pct
        Share asked for, in per cent (0 < c <= 100).

    Returns
    -------
    float
        ``100 * n_flagged(n_cells, coverage_pct) / n_cells``.

    Raises
    ------
    ParameterError
        When ``coverage_pct`` is not in (0, 100] or there are no cells.

    Examples
    --------
    >>> round(flagged_pct(261, 0.01), 2), flagged_pct(400, 5)
    (0.38, 5.0)
    """
    if n_cells < 1:
        msg = f"n_cells must be at least 1; found {n_cells}."
        raise ParameterError(msg)
    return 100.0 * n_flagged(n_cells, coverage_pct) / n_cells


class FlaggedShare:
    """
    The cells a coverage really flags, for a result with ``n_cells`` and ``coverage_pct``.

    Shared by the monthly and the 7-day backtests' results, so both report the same figures.
    """

    n_cells: int
    coverage_pct: float

    @property
    def n_flagged(self) -> int:
        """Cells flagged at each origin: ``coverage_pct`` of ``n_cells``, rounded up, at least 1."""
        return n_flagged(self.n_cells, self.coverage_pct)

    @property
    def flagged_pct(self) -> float:
        """Share of the cells really flagged, in per cent (whole cells, so >= ``coverage_pct``)."""
        return flagged_pct(self.n_cells, self.coverage_pct)


def coverage_text(n_cells: int, coverage_pct: float) -> str:
    """
    Name a coverage as asked and, when whole cells make it another share, as flagged.

    Parameters
    ----------
    n_cells
        Number of cells ranked.
    coverage_pct
        Share asked for, in per cent.

    Returns
    -------
    str
        ``"5 % of cells"``, or ``"0.01 % of cells (1 of 261 flagged: 0.38 %)"`` when the share
        flagged, rounded to 2 significant figures, is not the one asked for.

    Raises
    ------
    ParameterError
        As :func:`flagged_pct`.

    Examples
    --------
    >>> coverage_text(400, 5)
    '5 % of cells'
    >>> coverage_text(261, 0.01)
    '0.01 % of cells (1 of 261 flagged: 0.38 %)'
    """
    share = flagged_pct(n_cells, coverage_pct)
    if f"{share:.2g}" == f"{coverage_pct:.2g}":
        return f"{coverage_pct:g} % of cells"
    n = n_flagged(n_cells, coverage_pct)
    return f"{coverage_pct:g} % of cells ({n:,} of {n_cells:,} flagged: {share:.2g} %)"


def flag_top(scores: npt.NDArray[np.float64], n_flag: int) -> npt.NDArray[np.int64]:
    """
    Return the ``n_flag`` highest-scoring cells, best first; ties go to the lower ``cell_id``.

    Parameters
    ----------
    scores
        One score per cell, in ``cell_id`` order.
    n_flag
        How many cells to flag.

    Returns
    -------
    numpy.ndarray
        ``cell_id`` values, best first.

    Examples
    --------
    >>> flag_top(np.array([1.0, 3.0, 3.0, 0.0]), 2).tolist()
    [1, 2]
    """
    # a stable sort keeps equal scores in cell_id order (np.partition is slow on many ties)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return np.asarray(order[:n_flag], dtype=np.int64)


@dataclass(frozen=True)
class DefaultChoice:
    """
    The method ``default`` stands for, and the evidence it was chosen on.

    Attributes
    ----------
    method
        The chosen method (never ``default``).
    coverage_pct
        The coverage its PAI was compared at.
    origins
        The months whose PAI was compared (those with crimes).
    pai_means
        ``(method key, mean PAI)`` of every candidate, best first; None when no origin counted.
    why
        One sentence with the evidence.
    """

    method: Method
    coverage_pct: float
    origins: tuple[str, ...]
    pai_means: tuple[tuple[str, float | None], ...]
    why: str


def select_default(
    pai_by_method: Mapping[Method, Sequence[float | None]],
    *,
    origins: Sequence[str],
    coverage_pct: float,
    n_cells: int | None = None,
) -> DefaultChoice:
    """
    Pick the ``default`` method from each candidate's PAI on the same origins.

    The rule, with means taken over the origins that had crimes:

    1. the first candidate (the preferred one, a blend of long-run and recent counts) is taken
       if its mean PAI is at least that of ``counts-all``, else ``counts-all``;
       with fewer than :data:`MIN_EVIDENCE_ORIGINS` origins the first candidate is kept;
    2. from 3 origins on, another candidate replaces it if its mean gain over it, origin by
       origin, exceeds one standard error of those gains (so month-to-month noise does not
       decide) and its mean PAI is at least that of ``counts-all``; the largest gain wins.

    With enough origins the winner's mean PAI is therefore never below ``counts-all``'s on the
    origins it was chosen on.

    Parameters
    ----------
    pai_by_method
        PAI per origin of each candidate (None for an origin without crimes), in the order of
        ``origins``; the first is preferred and one must be ``counts-all``.
    origins
        The origin months.
    coverage_pct
        The coverage the PAI were measured at (for the explanation).
    n_cells
        The cells ranked, so that the explanation says the share really flagged
        (:func:`coverage_text`); None to name the coverage only.

    Returns
    -------
    DefaultChoice
        The winner and the evidence.

    Raises
    ------
    ParameterError
        When there are no candidates or none is ``counts-all``.
    """
    methods = list(pai_by_method)
    baseline = next((m for m in methods if m.name == "counts-all"), None)
    if baseline is None:
        msg = "The default's candidates must include 'counts-all', the baseline to beat."
        raise ParameterError(msg)
    keep = [i for i, v in enumerate(pai_by_method[baseline]) if v is not None]
    table = {
        m: np.asarray([pai_by_method[m][i] or 0.0 for i in keep], dtype=np.float64) for m in methods
    }
    valid = tuple(origins[i] for i in keep)
    means: dict[Method, float | None] = {
        m: float(table[m].mean()) if keep else None for m in methods
    }
    preferred = methods[0]
    best = preferred
    reason = "few"
    if len(keep) >= MIN_EVIDENCE_ORIGINS:
        best = preferred if table[preferred].mean() >= table[baseline].mean() else baseline
        reason = "base"
        top_gain = 0.0
        for m in methods:
            if m in (best, baseline) or len(keep) < 3:  # noqa: PLR2004 -- a standard error needs 3
                continue
            gain = table[m] - table[best]
            noise = float(gain.std(ddof=1)) / math.sqrt(len(keep))
            if gain.mean() > max(noise, top_gain) and table[m].mean() >= table[baseline].mean():
                best, top_gain, reason = m, float(gain.mean()), "challenger"
    ranked = sorted(methods, key=lambda m: (-(means[m] or -math.inf), methods.index(m)))
    return DefaultChoice(
        method=best,
        coverage_pct=coverage_pct,
        origins=valid,
        pai_means=tuple((m.key(), means[m]) for m in ranked),
        why=_why(
            best,
            baseline,
            means,
            valid,
            f"{coverage_pct:g} % of cells"
            if n_cells is None
            else coverage_text(n_cells, coverage_pct),
            reason,
        ),
    )


def _why(
    best: Method,
    baseline: Method,
    means: Mapping[Method, float | None],
    valid: Sequence[str],
    coverage: str,
    reason: str,
) -> str:
    if reason == "few":
        return (
            f"Only {count_text(len(valid), 'past month')} with crimes to test on (at least "
            f"{MIN_EVIDENCE_ORIGINS} needed), so the default is {best.label}, which beat "
            f"{baseline.label} on Cambridge's data.police.uk files."
        )
    span = f"{len(valid)} months ({valid[0]}..{valid[-1]})"
    head = (
        f"{best.label[0].upper()}{best.label[1:]} had a mean PAI of {means[best] or 0.0:.2f} "
        f"for the top {coverage} over {span}"
    )
    higher = [m for m in means if (means[m] or 0.0) > (means[best] or 0.0)]
    top = max(higher, key=lambda m: means[m] or 0.0) if higher else None
    noise = (  # why a higher mean did not win: its gain was within the month-to-month noise
        ""
        if top is None
        else f"{top.label} scored {means[top] or 0.0:.2f}, more by less than the month-to-month "
        "noise, so it is not taken"
    )
    if best == baseline:
        if top is None:
            return head + ": no candidate did at least as well, so counts over all months are used."
        return head + f"; {noise}, and counts over all months are used."
    tail = f", against {means[baseline] or 0.0:.2f} for {baseline.label}"
    if reason == "challenger":
        tail += ", a gain larger than its month-to-month noise"
    return head + tail + (f"; {noise}" if noise else "") + "."


def _pai(
    scores: npt.NDArray[np.float64], actual: npt.NDArray[np.float64], n_flag: int
) -> float | None:
    total = float(actual.sum())
    if total <= 0:
        return None
    hits = float(actual[flag_top(scores, n_flag)].sum())
    return (hits / total) / (n_flag / len(actual))


def choose_default(
    history: History,
    *,
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    min_train_months: int = DEFAULT_MIN_TRAIN_MONTHS,
    candidates: Sequence[Method] = DEFAULT_CANDIDATES,
    progress: Callable[[int, int], None] | None = None,
) -> DefaultChoice:
    """
    Choose the ``default`` method by a rolling-origin backtest inside ``history`` alone.

    Every month of the history after ``min_train_months`` is forecast by each candidate from
    the months before it, and :func:`select_default` picks the best mean PAI.

    Parameters
    ----------
    history
        The months before the month to forecast.
    coverage_pct
        Share of cells flagged, in per cent.
    min_train_months
        Months of history before the first inner origin.
    candidates
        Methods to compare, the fallback first.
    progress
        Called with ``(done, total)`` after each origin.

    Returns
    -------
    DefaultChoice
        The chosen method and the evidence.

    Raises
    ------
    ParameterError
        When a candidate is ``default`` or an option is out of range.
    """
    if min_train_months < 1:
        msg = f"min_train_months must be at least 1; found {min_train_months}."
        raise ParameterError(msg)
    for m in candidates:
        check_method(m)
    n_flag = n_flagged(history.space.n_cells, coverage_pct)
    counts = history.counts
    origins = list(range(min_train_months, history.n_months))
    table: dict[Method, list[float | None]] = {m: [] for m in candidates}
    for done, t in enumerate(origins, start=1):
        past = history.head(t)
        for m in candidates:
            table[m].append(_pai(score_cells(past, m), counts[:, t], n_flag))
        if progress is not None:
            progress(done, len(origins))
    return select_default(
        table,
        origins=[history.months[t] for t in origins],
        coverage_pct=coverage_pct,
        n_cells=history.space.n_cells,
    )


# --- forecasting a month ------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """
    The cells to patrol in one month.

    Attributes
    ----------
    month
        The forecast month, ``YYYY-MM``.
    method
        The method used (for ``default``, the one chosen).
    coverage_pct
        Share of cells flagged, in per cent.
    cells
        The flagged cells, best first (EPSG:27700): ``cell_id``, ``row``, ``col``, ``x_m``,
        ``y_m``, ``score``, ``rank`` (1 = patrol first), ``method`` (its key), ``n_crimes_past``
        (crimes in the cell over the history) and the cell polygon.
    history_months
        The months the forecast was made from.
    default
        How ``default`` was chosen, when it was asked for.
    notes
        Sentences for the user (gaps before the month, ties).
    """

    month: str
    method: Method
    coverage_pct: float
    cells: gpd.GeoDataFrame
    history_months: tuple[str, ...]
    default: DefaultChoice | None = None
    notes: tuple[str, ...] = ()


def forecast_cells(
    cube: CrimeCube,
    *,
    month: str,
    method: Method = DEFAULT_METHODS["default"],
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    min_train_months: int = DEFAULT_MIN_TRAIN_MONTHS,
) -> Forecast:
    """
    Flag the top ``coverage_pct`` per cent of cells for ``month``, using only earlier months.

    Parameters
    ----------
    cube
        The counted crimes.
    month
        The month to forecast, ``YYYY-MM``; any month after the first of the data (months from
        ``month`` on are ignored, so a past month can be checked).
    method
        The method; ``default`` is chosen by :func:`choose_default` on the months before.
    coverage_pct
        Share of cells flagged, in per cent.
    min_train_months
        Months needed before the first inner origin when choosing ``default``.

    Returns
    -------
    Forecast
        The flagged cells, best first.

    Raises
    ------
    ParameterError
        When ``month`` has no earlier month in the data or an option is out of range.
    """
    k = cube.month_index(month)
    target = parse_month(month)
    if k == 0:
        msg = (
            f"No month before {target} is loaded (the data start at {cube.months[0]}). "
            "Forecast a later month or load earlier months."
        )
        raise ParameterError(msg)
    n_flag = n_flagged(cube.grid.n_cells, coverage_pct)
    history = cube.history(k)
    choice = None
    used = method
    if method.name == "default":
        choice = choose_default(
            history, coverage_pct=coverage_pct, min_train_months=min_train_months
        )
        used = choice.method
    scores = score_cells(history, used)
    top = flag_top(scores, n_flag)
    cells = cube.grid.cells.iloc[top].copy()
    cells["score"] = scores[top]
    cells["rank"] = np.arange(1, len(top) + 1, dtype=np.int64)
    cells["method"] = pd.Series([used.key()] * len(top), index=cells.index, dtype="str")
    cells["n_crimes_past"] = history.counts.sum(axis=1)[top]
    notes = [TIE_BREAK]
    last = history.months[-1]
    expected_last = str(pd.Period(target, freq="M") - 1)
    if last != expected_last:
        notes.append(
            f"The data end at {last}; the forecast for {target} uses the months up to {last}."
        )
    if n_flag < len(scores) and scores[top[-1]] == np.sort(scores)[::-1][n_flag]:
        notes.append("Some cells at the cut-off have the same score as the last flagged cell.")
    return Forecast(
        month=target,
        method=used,
        coverage_pct=coverage_pct,
        cells=cells,
        history_months=history.months,
        default=choice,
        notes=tuple(notes),
    )
