"""
Forecast methods: each scores every cell for the month after a :class:`~hotspots.cube.History`.

Every method is a pure function of the history and of the cells' geometry (centres, neighbours),
returning one score per cell; the top cells by score are the ones to patrol
(:mod:`hotspots.forecast`). Methods (:data:`METHOD_NAMES`):

``last-month``, ``counts-3``, ``counts-all``
    Crimes in the cell last month, in the last 3 months, in all past months.
``ewma``
    Exponentially weighted counts: last month weight 1, a month earlier ``0.5 ** (1 / h)``, ...
    with ``h`` the half life in months.
``blend``
    All-past counts per month plus ``recent_weight`` times the last 3 months' counts per month,
    plus a tiny kernel-density term that only breaks ties between cells with equal counts in
    favour of the busier surroundings.
``kde``
    Retrospective quartic kernel density of the last ``n_months`` months at ``bandwidth_m``.
``prospective``
    Bowers, Johnson & Pease (2004): each past crime within ``bandwidth_m`` and ``n_months``
    adds ``1 / (1 + distance in cells)`` x ``1 / (1 + age in weeks)``.
``gistar``
    The Getis-Ord Gi* z-score of the last ``n_months`` months' counts (queen contiguity).
``model``
    A Poisson regression (scikit-learn) on the cell's lagged counts, its neighbours' counts and
    its crime-type mix, fitted only on the months of the history.
``default``
    Chosen from the data by :func:`hotspots.forecast.choose_default`; it has no scorer of its own.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

from hotspots.gistar import gi_star_z
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from hotspots.cube import CellSpace, History

__all__ = [
    "DEFAULT_METHODS",
    "METHOD_NAMES",
    "WEEKS_PER_MONTH",
    "Method",
    "MethodName",
    "check_method",
    "parse_method",
    "score_cells",
    "with_parameters",
]

MethodName = Literal[
    "last-month",
    "counts-3",
    "counts-all",
    "ewma",
    "blend",
    "kde",
    "prospective",
    "gistar",
    "model",
    "default",
]
METHOD_NAMES: Final[tuple[str, ...]] = get_args(MethodName)
"""Every method name, in the order tables list them."""

WEEKS_PER_MONTH: Final = 52.0 / 12.0
"""Weeks in an average month, to turn the prospective method's weeks into months."""
"""How ties are broken when the top cells are flagged (see :func:`flag_top`)."""
_RECENT_MONTHS: Final = 3
_TIE_EPSILON: Final = 1e-6
_MODEL_ALPHA: Final = 1e-3
_MODEL_MAX_ITER: Final = 300
_MODEL_N_TYPES: Final = 3


@dataclass(frozen=True)
class Method:
    """
    A forecast method and its parameters (None where the method has no such parameter).

    Attributes
    ----------
    name
        One of :data:`METHOD_NAMES`.
    n_months
        The window of past months used (``kde``, ``prospective``, ``gistar``).
    half_life_months
        Half life of the ``ewma`` weights, in months.
    bandwidth_m
        Kernel radius (``kde``) or distance band (``prospective``), in metres.
    recent_weight
        Weight of the last 3 months against all past months (``blend``).
    """

    name: MethodName
    n_months: int | None = None
    half_life_months: float | None = None
    bandwidth_m: float | None = None
    recent_weight: float | None = None

    def parameters(self) -> dict[str, float | int]:
        """
        Return the parameters that apply to this method.

        Returns
        -------
        dict
            Parameter name to value, JSON-ready.

        Examples
        --------
        >>> DEFAULT_METHODS["kde"].parameters()
        {'n_months': 2, 'bandwidth_m': 200.0}
        """
        values = {
            "n_months": self.n_months,
            "half_life_months": self.half_life_months,
            "bandwidth_m": self.bandwidth_m,
            "recent_weight": self.recent_weight,
        }
        return {k: v for k, v in values.items() if v is not None}

    @property
    def label(self) -> str:
        """
        Describe the method in plain words, for sentences and legends.

        Examples
        --------
        >>> DEFAULT_METHODS["counts-all"].label
        'counts over all past months'
        >>> DEFAULT_METHODS["kde"].label
        'kernel density (quartic, 200 m, last 2 months)'
        """
        months = f"last {self.n_months} month{'s' if self.n_months != 1 else ''}"
        fixed = {
            "last-month": "last month's counts",
            "counts-3": "counts over the last 3 months",
            "counts-all": "counts over all past months",
            "model": "Poisson regression on past counts",
            "default": "default (the candidate best on the months before)",
        }
        if self.name in fixed:
            return fixed[self.name]
        if self.name == "ewma":
            return f"counts weighted by a {self.half_life_months or 0:g}-month half life"
        if self.name == "blend":
            return f"all-months counts + {self.recent_weight or 0:g} x last 3 months"
        if self.name == "kde":
            return f"kernel density (quartic, {self.bandwidth_m or 0:g} m, {months})"
        if self.name == "prospective":
            return f"prospective hotspots ({self.bandwidth_m or 0:g} m, {months})"
        return f"Gi* z-score ({months})"

    def key(self) -> str:
        """
        Return a short unique key, e.g. ``"ewma(half_life_months=6)"``.

        Examples
        --------
        >>> DEFAULT_METHODS["ewma"].key()
        'ewma(half_life_months=6)'
        """
        params = ",".join(f"{k}={v:g}" for k, v in self.parameters().items())
        return f"{self.name}({params})" if params else self.name


DEFAULT_METHODS: Final[Mapping[str, Method]] = MappingProxyType(
    {
        "last-month": Method("last-month"),
        "counts-3": Method("counts-3"),
        "counts-all": Method("counts-all"),
        "ewma": Method("ewma", half_life_months=6.0),
        "blend": Method("blend", recent_weight=0.25),
        "kde": Method("kde", n_months=2, bandwidth_m=200.0),
        "prospective": Method("prospective", n_months=2, bandwidth_m=400.0),
        "gistar": Method("gistar", n_months=3),
        "model": Method("model"),
        "default": Method("default"),
    }
)
"""Each method with its default parameters (KDE: last 2 months at 200 m; prospective: Bowers,
Johnson & Pease's 400 m and 2 months; Gi*: last 3 months; EWMA: 6-month half life)."""


def parse_method(text: str) -> Method:
    """
    Parse a method name as typed (``"kde"``, ``"counts-all"``) into its default :class:`Method`.

    Parameters
    ----------
    text
        A name from :data:`METHOD_NAMES`.

    Returns
    -------
    Method
        The method with its default parameters.

    Raises
    ------
    ParameterError
        When the name is unknown.

    Examples
    --------
    >>> parse_method(" KDE ").name
    'kde'
    """
    name = text.strip().lower()
    if name not in DEFAULT_METHODS:
        msg = f"Unknown forecast method {text!r}. Choose from: {', '.join(METHOD_NAMES)}."
        raise ParameterError(msg)
    return DEFAULT_METHODS[name]


def _window(counts: npt.NDArray[np.float64], n_months: int) -> npt.NDArray[np.float64]:
    return np.asarray(counts[:, -n_months:].sum(axis=1), dtype=np.float64)


def _ewma(counts: npt.NDArray[np.float64], half_life_months: float) -> npt.NDArray[np.float64]:
    k = counts.shape[1]
    ages = np.arange(k - 1, -1, -1, dtype=np.float64)  # last month has age 0
    weights = 0.5 ** (ages / half_life_months)
    return np.asarray(counts @ weights, dtype=np.float64)


def _blend(history: History, recent_weight: float) -> npt.NDArray[np.float64]:
    counts = history.counts
    k = counts.shape[1]
    long_run = counts.sum(axis=1) / k
    recent = _window(counts, min(_RECENT_MONTHS, k)) / min(_RECENT_MONTHS, k)
    base = long_run + recent_weight * recent
    # tie-break only: the 200 m density of all past crimes, scaled far below one crime
    density = history.space.kernel("quartic", 200.0) @ history.location_counts.sum(axis=1)
    top = float(density.max()) if density.size else 0.0
    scale = _TIE_EPSILON / (k * top) if top > 0 else 0.0
    return np.asarray(base + scale * density, dtype=np.float64)


def _kde(history: History, n_months: int, bandwidth_m: float) -> npt.NDArray[np.float64]:
    recent = history.location_counts[:, -n_months:].sum(axis=1)
    return np.asarray(history.space.kernel("quartic", bandwidth_m) @ recent, dtype=np.float64)


def _prospective(history: History, n_months: int, bandwidth_m: float) -> npt.NDArray[np.float64]:
    locations = history.location_counts[:, -n_months:]
    k = locations.shape[1]
    months_back = np.arange(k, 0, -1, dtype=np.float64)  # oldest column is k months back
    age_weeks = (months_back - 0.5) * WEEKS_PER_MONTH
    weighted = locations @ (1.0 / (1.0 + age_weeks))
    return np.asarray(history.space.kernel("prospective", bandwidth_m) @ weighted, np.float64)


def _gistar(history: History, n_months: int) -> npt.NDArray[np.float64]:
    counts = _window(history.counts, n_months)
    if history.space.n_cells < 2:  # noqa: PLR2004 -- Gi* needs two cells
        return counts
    return gi_star_z(counts, history.space.queen())


def _feature_stack(
    counts: npt.NDArray[np.float64],
    types: npt.NDArray[np.float64],
    space: CellSpace,
    cells: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """
    Features of every cell for every history length at once.

    ``counts`` is ``(n, k)`` and ``types`` ``(n_types, n, k)`` for the ``n`` cells ``cells``,
    which must include every cell with a crime. Slice ``[:, s - 1, :]`` of the
    ``(n, k, n_features)`` result describes each cell after the first ``s`` months:
    log1p of last month's count, of the last 3 months' and of all months' mean, of the same two
    means over the queen neighbours (the cell excluded), and each type's share of the crimes of
    the types given.
    """
    k = counts.shape[1]
    queen = space.queen()[cells][:, cells]  # cells left out have no crime: they add nothing
    n_nb = np.maximum(np.asarray(space.queen().sum(axis=1)).ravel()[cells] - 1.0, 1.0)[:, None]
    total = np.cumsum(counts, axis=1)
    lengths = np.arange(1, k + 1, dtype=np.float64)
    long_run = total / lengths
    window = np.minimum(lengths, _RECENT_MONTHS)
    before = np.zeros_like(total)
    lag = _RECENT_MONTHS
    if k > lag:
        before[:, lag:] = total[:, :-lag]
    recent = (total - before) / window
    nb_long = (queen @ long_run - long_run) / n_nb
    nb_recent = (queen @ recent - recent) / n_nb
    columns = [np.log1p(v) for v in (counts, recent, long_run, nb_long, nb_recent)]
    type_total = np.cumsum(types, axis=2)
    of_types = type_total.sum(axis=0)
    columns.extend(
        np.divide(row, of_types, out=np.zeros_like(row), where=of_types > 0) for row in type_total
    )
    return np.stack(columns, axis=2)


def _model(history: History) -> npt.NDArray[np.float64]:
    counts = history.counts
    k = counts.shape[1]
    space = history.space
    agg = space.aggregator()
    # the most frequent types of the history itself (ties by name), never of later months
    by_type = history.location_type_counts.sum(axis=(1, 2))
    order = sorted(range(len(by_type)), key=lambda i: (-by_type[i], space.type_names[i]))
    chosen = order[:_MODEL_N_TYPES] if len(order) > 1 else []
    type_cells = np.zeros((len(chosen), space.n_cells, k), dtype=np.float64)
    for row, i in enumerate(chosen):
        type_cells[row] = agg @ history.location_type_counts[i]
    # Cells with no crime in them or next to them in any past month have all-zero features;
    # they are pooled with the quiet rows below (their targets are past months, so all zero).
    active = np.flatnonzero(space.queen() @ counts.sum(axis=1) > 0)
    n_inactive = space.n_cells - len(active)
    features = _feature_stack(counts[active], type_cells[:, active, :], space, active)
    now = np.zeros((space.n_cells, features.shape[2]), dtype=np.float64)
    now[active] = features[:, k - 1, :]
    # Quiet rows (all features zero) are pooled into one row (their mean count, weighted by their
    # number): the Poisson likelihood is unchanged and most cells are quiet, so the fit is small.
    xs, ys = [], []
    n_quiet, y_quiet = 0, 0.0
    for s in range(1, k):  # the first s months predict month s
        if counts[:, s].sum() == 0:
            continue
        x_s = features[:, s - 1, :]
        y_s = counts[active, s]
        quiet = ~x_s.any(axis=1)
        n_quiet += int(quiet.sum()) + n_inactive
        y_quiet += float(y_s[quiet].sum())
        xs.append(x_s[~quiet])
        ys.append(y_s[~quiet])
    if not xs:
        return np.asarray(now[:, 2], dtype=np.float64)  # log of the all-months mean
    x_all = np.vstack([*xs, np.zeros((1, now.shape[1]))])
    y_mean = np.concatenate([*ys, [y_quiet / max(n_quiet, 1)]])
    n_rows = np.ones(len(y_mean))
    n_rows[-1] = float(n_quiet)
    mean, sd = x_all.mean(axis=0), x_all.std(axis=0)
    sd[sd == 0] = 1.0
    model = PoissonRegressor(alpha=_MODEL_ALPHA, max_iter=_MODEL_MAX_ITER, solver="newton-cholesky")
    # one thread: OpenMP's thread start-up costs more than this small fit
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # on tiny or degenerate histories the Newton solver hands over to lbfgs and says so;
        # the lbfgs fit is still the maximum-likelihood one
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit((x_all - mean) / sd, y_mean, sample_weight=n_rows)
        return np.asarray(model.predict((now - mean) / sd), dtype=np.float64)


def score_cells(history: History, method: Method) -> npt.NDArray[np.float64]:
    """
    Score every cell for the month after ``history``; higher means patrol it first.

    Parameters
    ----------
    history
        The past months (:meth:`CrimeCube.history`); nothing later is visible.
    method
        A method other than ``default`` (resolve that with :func:`choose_default`).

    Returns
    -------
    numpy.ndarray
        One score per cell, in ``cell_id`` order (all zero without crimes in the history).

    Raises
    ------
    ParameterError
        When the history is empty, ``method`` is ``default`` or a parameter is out of range.

    References
    ----------
    Bowers, K. J., Johnson, S. D. and Pease, K. (2004). Prospective hot-spotting: the future of
    crime mapping? British Journal of Criminology 44(5), 641-658.
    Getis, A. and Ord, J. K. (1992). Geographical Analysis 24(3), 189-206.
    """
    check_method(method)
    if history.n_months == 0:
        msg = "There are no past months to forecast from. Load at least one earlier month."
        raise ParameterError(msg)
    counts = history.counts
    scorers: dict[str, Callable[[], npt.NDArray[np.float64]]] = {
        "last-month": lambda: _window(counts, 1),
        "counts-3": lambda: _window(counts, 3),
        "counts-all": lambda: counts.sum(axis=1),
        "ewma": lambda: _ewma(counts, float(method.half_life_months or 0)),
        "blend": lambda: _blend(history, float(method.recent_weight or 0)),
        "kde": lambda: _kde(history, int(method.n_months or 0), float(method.bandwidth_m or 0)),
        "prospective": lambda: _prospective(
            history, int(method.n_months or 0), float(method.bandwidth_m or 0)
        ),
        "gistar": lambda: _gistar(history, int(method.n_months or 0)),
        "model": partial(_model, history),
    }
    return np.asarray(scorers[method.name](), dtype=np.float64)


def check_method(method: Method) -> None:
    """
    Raise unless ``method`` can score cells: a known name, not ``default``, with its parameters.

    Parameters
    ----------
    method
        The method to check.

    Raises
    ------
    ParameterError
        When the name is unknown, is ``default`` or a parameter it needs is missing or out of range.

    Examples
    --------
    >>> check_method(DEFAULT_METHODS["kde"])
    """
    if method.name not in DEFAULT_METHODS:
        msg = f"Unknown forecast method {method.name!r}. Choose from: {', '.join(METHOD_NAMES)}."
        raise ParameterError(msg)
    if method.name == "default":
        msg = "Method 'default' is chosen from the data: call choose_default(history) first."
        raise ParameterError(msg)
    problems = []
    needs = {
        "ewma": ("half_life_months",),
        "blend": ("recent_weight",),
        "kde": ("n_months", "bandwidth_m"),
        "prospective": ("n_months", "bandwidth_m"),
        "gistar": ("n_months",),
    }.get(method.name, ())
    for name in needs:
        value = getattr(method, name)
        low_ok = name == "recent_weight"  # 0: all-months counts with the tie-break only
        if (
            value is None
            or not math.isfinite(float(value))
            or float(value) < 0
            or (float(value) == 0 and not low_ok)
        ):
            problems.append(f"{name} must be a positive number for {method.name}; found {value}")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


def with_parameters(method: Method, **changes: float) -> Method:
    """
    Return ``method`` with some parameters changed (e.g. ``bandwidth_m=300``).

    Parameters
    ----------
    method
        The method.
    **changes
        New parameter values.

    Returns
    -------
    Method
        The changed method.

    Raises
    ------
    ParameterError
        When a parameter does not exist or is out of range.
    """
    known = {"n_months", "half_life_months", "bandwidth_m", "recent_weight"}
    unknown = sorted(set(changes) - known)
    if unknown:
        msg = f"Unknown method parameter(s) {', '.join(unknown)}. Use: {', '.join(sorted(known))}."
        raise ParameterError(msg)
    typed: dict[str, float | int] = dict(changes)
    if "n_months" in typed:
        typed["n_months"] = int(typed["n_months"])
    out = replace(method, **typed)  # type: ignore[arg-type]  # checked names, numeric values
    if out.name != "default":
        check_method(out)
    return out
