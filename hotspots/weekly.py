"""
Forecast the next 7 days from dated events (force extracts), and backtest it week by week.

The monthly forecast (:mod:`hotspots.forecast`) sees police.uk months; a force extract has
the day of every event, so a forecast can use time: last week's burglaries raise next week's
risk next door. Everything here works on a :class:`DayEvents`: the events of the selection as
coordinates, day numbers and square cells of a :class:`DayGrid` over the area. A forecast
from ``start_day`` sees only the events before it.

Methods (:data:`DAY_METHOD_NAMES`):

``counts-all``
    Events in the cell over all past days (the baseline every method must beat).
``counts-recent``
    Events in the cell over the last ``recent_days`` days.
``prospective``
    Bowers, Johnson and Pease (2004) at daily resolution: each event of the last ``n_days``
    days within ``bandwidth_m`` adds ``1 / (1 + distance in cells) x 1 / (1 + age in weeks)``.
``sepp``
    A self-exciting point process (Mohler et al. 2011, :mod:`hotspots.sepp`) fitted by
    expectation-maximisation on the past events: a background per cell (smoothed at
    ``bandwidth_m``, 50 m: on the Toronto burglaries, snapped to intersections, wider smoothing
    lost the busy points and a PAI of 2 to 4) plus triggering that decays in space and time;
    the score is the expected number of events.
``default``
    Whichever candidate did best on the earlier weekly origins (:func:`select_day_default`):
    ``counts-all`` unless another beat it by more than its week-to-week noise.

The backtest (:func:`hotspots.weekly_backtest.backtest_days`) forecasts every week after
``min_train_days`` of history, flags the top ``c`` per cent of the cells and measures hit
rate, PAI and PEI against the events of the next ``horizon_days`` days, as the monthly
backtest does (:func:`hotspots.backtest.evaluate_origin`); its JSON has the same shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from boundaries.select import crime_type_mask
from hotspots.backtest import evaluate_origin
from hotspots.forecast import DEFAULT_COVERAGE_PCT, TIE_BREAK, flag_top, n_flagged
from hotspots.knox import require_projected_m
from hotspots.sepp import fit_sepp, sepp_expected_counts
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    from pyproj import CRS
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DAY_CANDIDATES",
    "DAY_METHOD_NAMES",
    "DEFAULT_DAY_CELL_SIZE_M",
    "DEFAULT_DAY_METHODS",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_MIN_TRAIN_DAYS",
    "DEFAULT_STEP_DAYS",
    "MIN_DAY_EVIDENCE",
    "DayDefault",
    "DayEvents",
    "DayForecast",
    "DayGrid",
    "DayMethod",
    "DayMethodName",
    "day_label",
    "forecast_days",
    "parse_day_method",
    "prepare_days",
    "score_days",
    "select_day_default",
]

DayMethodName = Literal["counts-all", "counts-recent", "prospective", "sepp", "default"]
DAY_METHOD_NAMES: Final[tuple[str, ...]] = get_args(DayMethodName)
"""Every 7-day method name, in the order tables list them."""
DEFAULT_DAY_CELL_SIZE_M: Final = 100.0
"""Cell size of the 7-day forecast grid, in metres."""
DEFAULT_HORIZON_DAYS: Final = 7
"""Days forecast ahead."""
DEFAULT_MIN_TRAIN_DAYS: Final = 182
"""Days of history before the first weekly origin (half a year)."""
DEFAULT_STEP_DAYS: Final = 7
"""Days between origins (weekly)."""
MIN_DAY_EVIDENCE: Final = 4
"""Earlier origins with events needed before ``default`` may leave ``counts-all``."""
_DEFAULT_LOOKBACK_ORIGINS: Final = 26


@dataclass(frozen=True)
class DayMethod:
    """
    A 7-day forecast method and its parameters (None where it has no such parameter).

    Attributes
    ----------
    name
        One of :data:`DAY_METHOD_NAMES`.
    recent_days
        Days counted by ``counts-recent``.
    n_days
        Days of events used by ``prospective``.
    bandwidth_m
        Distance band of ``prospective``, or the scale of the Gaussian smoothing the
        background of ``sepp``, in metres.
    """

    name: DayMethodName
    recent_days: int | None = None
    n_days: int | None = None
    bandwidth_m: float | None = None

    def parameters(self) -> dict[str, float | int]:
        """
        Return the parameters that apply to this method.

        Returns
        -------
        dict
            Parameter name to value, JSON-ready.

        Examples
        --------
        >>> DEFAULT_DAY_METHODS["prospective"].parameters()
        {'n_days': 56, 'bandwidth_m': 400.0}
        """
        values = {
            "recent_days": self.recent_days,
            "n_days": self.n_days,
            "bandwidth_m": self.bandwidth_m,
        }
        return {k: v for k, v in values.items() if v is not None}

    @property
    def label(self) -> str:
        """
        Describe the method in plain words.

        Examples
        --------
        >>> DEFAULT_DAY_METHODS["counts-recent"].label
        'counts over the last 28 days'
        """
        if self.name == "counts-all":
            return "counts over all past days"
        if self.name == "counts-recent":
            return f"counts over the last {self.recent_days or 0} days"
        if self.name == "prospective":
            return (
                f"prospective hotspots ({self.bandwidth_m or 0:g} m, last {self.n_days or 0} days)"
            )
        if self.name == "sepp":
            return (
                f"self-exciting point process (background smoothed at {self.bandwidth_m or 0:g} m"
                " + near repeats)"
            )
        return "default (the candidate best on the weeks before)"

    def key(self) -> str:
        """
        Return a short unique key, e.g. ``"counts-recent(recent_days=28)"``.

        Examples
        --------
        >>> DEFAULT_DAY_METHODS["sepp"].key()
        'sepp(bandwidth_m=50)'
        """
        params = ",".join(f"{k}={v:g}" for k, v in self.parameters().items())
        return f"{self.name}({params})" if params else self.name


DEFAULT_DAY_METHODS: Final[Mapping[str, DayMethod]] = MappingProxyType(
    {
        "counts-all": DayMethod("counts-all"),
        "counts-recent": DayMethod("counts-recent", recent_days=28),
        "prospective": DayMethod("prospective", n_days=56, bandwidth_m=400.0),
        "sepp": DayMethod("sepp", bandwidth_m=50.0),
        "default": DayMethod("default"),
    }
)
"""Each method with its default parameters (Bowers, Johnson & Pease's 400 m and 8 weeks)."""
DAY_CANDIDATES: Final[tuple[DayMethod, ...]] = (
    DEFAULT_DAY_METHODS["counts-all"],
    DEFAULT_DAY_METHODS["counts-recent"],
    DEFAULT_DAY_METHODS["prospective"],
    DEFAULT_DAY_METHODS["sepp"],
)
"""The methods ``default`` chooses among; ``counts-all`` first, the baseline it must match."""


def parse_day_method(text: str) -> DayMethod:
    """
    Parse a method name as typed into its default :class:`DayMethod`.

    Parameters
    ----------
    text
        A name from :data:`DAY_METHOD_NAMES`.

    Returns
    -------
    DayMethod
        The method with its default parameters.

    Raises
    ------
    ParameterError
        When the name is unknown.

    Examples
    --------
    >>> parse_day_method(" SEPP ").name
    'sepp'
    """
    name = text.strip().lower()
    if name not in DEFAULT_DAY_METHODS:
        msg = f"Unknown 7-day forecast method {text!r}. Choose from: {', '.join(DAY_METHOD_NAMES)}."
        raise ParameterError(msg)
    return DEFAULT_DAY_METHODS[name]


# --- the grid and the events ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DayGrid:
    """
    Square cells over the area, on a lattice anchored at a multiple of the cell size.

    Attributes
    ----------
    cell_size_m
        Side of a cell in metres.
    origin_x_m, origin_y_m
        South-west corner of the lattice.
    n_rows, n_cols
        Lattice size.
    cells
        The kept cells (those over the area), in the events' CRS: ``cell_id``, ``row``,
        ``col``, ``x_m``, ``y_m`` (centre) and the square.
    """

    cell_size_m: float
    origin_x_m: float
    origin_y_m: float
    n_rows: int
    n_cols: int
    cells: gpd.GeoDataFrame

    @property
    def n_cells(self) -> int:
        """Number of kept cells."""
        return len(self.cells)

    @property
    def centres_m(self) -> npt.NDArray[np.float64]:
        """``(n_cells, 2)`` cell centres."""
        return np.column_stack([self.cells["x_m"].to_numpy(), self.cells["y_m"].to_numpy()])

    def lattice(
        self, x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Return the lattice row and column of each coordinate."""
        col = np.floor((x_m - self.origin_x_m) / self.cell_size_m).astype(np.int64)
        row = np.floor((y_m - self.origin_y_m) / self.cell_size_m).astype(np.int64)
        return row, col


def _day_grid(area: BaseGeometry, cell_size_m: float, crs: CRS | None) -> DayGrid:
    minx, miny, maxx, maxy = area.bounds
    x0 = math.floor(minx / cell_size_m) * cell_size_m
    y0 = math.floor(miny / cell_size_m) * cell_size_m
    n_cols = max(1, math.ceil((maxx - x0) / cell_size_m))
    n_rows = max(1, math.ceil((maxy - y0) / cell_size_m))
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    left = x0 + cols * cell_size_m
    bottom = y0 + rows * cell_size_m
    boxes = shapely.box(left, bottom, left + cell_size_m, bottom + cell_size_m)
    shapely.prepare(area)
    keep = shapely.intersects(area, boxes) & ~shapely.touches(area, boxes)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": np.arange(int(keep.sum()), dtype=np.int64),
            "row": rows[keep].astype(np.int64),
            "col": cols[keep].astype(np.int64),
            "x_m": left[keep] + cell_size_m / 2,
            "y_m": bottom[keep] + cell_size_m / 2,
        },
        geometry=boxes[keep],
        crs=crs,
    )
    return DayGrid(cell_size_m, x0, y0, n_rows, n_cols, cells)


@dataclass(frozen=True, eq=False)
class DayEvents:
    """
    The selected events as days and cells, ready for forecasting.

    Attributes
    ----------
    grid
        The cells over the area.
    x_m, y_m
        Event coordinates.
    day
        Event day numbers (days since 1970-01-01 of each event's date).
    cell
        Each event's ``cell_id``.
    first_day, last_day
        The first and last day of the data (day numbers).
    n_outside
        Events dropped because they fall outside the area's cells.
    notes
        Sentences for the user.
    """

    grid: DayGrid
    x_m: npt.NDArray[np.float64]
    y_m: npt.NDArray[np.float64]
    day: npt.NDArray[np.int64]
    cell: npt.NDArray[np.int64]
    first_day: int
    last_day: int
    n_outside: int
    notes: tuple[str, ...] = ()

    @property
    def n_events(self) -> int:
        """Events kept."""
        return len(self.day)

    def counts(self, first: int, last: int) -> npt.NDArray[np.float64]:
        """Events per cell with ``first <= day < last``."""
        mask = (self.day >= first) & (self.day < last)
        return np.bincount(self.cell[mask], minlength=self.grid.n_cells).astype(np.float64)


def day_label(day: int) -> str:
    """
    Return a day number as ``YYYY-MM-DD``.

    Parameters
    ----------
    day
        Days since 1970-01-01.

    Returns
    -------
    str
        The date.

    Examples
    --------
    >>> day_label(0)
    '1970-01-01'
    """
    return str(np.datetime64(int(day), "D"))


def _day_number(value: dt.date | str) -> int:
    try:
        return int(np.datetime64(str(value)[:10], "D").astype(np.int64))
    except ValueError:
        msg = f"Dates must be YYYY-MM-DD; found {value!r}."
        raise ParameterError(msg) from None


def prepare_days(
    events: gpd.GeoDataFrame,
    *,
    cell_size_m: float = DEFAULT_DAY_CELL_SIZE_M,
    area: BaseGeometry | None = None,
    crime_types: Sequence[str] | None = None,
) -> DayEvents:
    """
    Put dated events on a grid of days and square cells.

    Each event is dated by the day of the midpoint of its window (its own day when exact).

    Parameters
    ----------
    events
        Points in a projected CRS in metres with ``start`` and ``end`` (and ``crime_type`` to
        select on).
    cell_size_m
        Side of the cells in metres.
    area
        The area forecast (e.g. the selected wards' union); None for the convex hull of the
        events, widened by half a cell.
    crime_types
        Only these types; None for all.

    Returns
    -------
    DayEvents
        The events kept and the grid.

    Raises
    ------
    CRSError
        When the events are not in a projected CRS in metres.
    EmptyInputError
        When no event is selected or inside the area.
    MissingColumnError
        Without ``start``/``end``, or ``crime_type`` when types are selected.
    ParameterError
        When ``cell_size_m`` is not positive.
    """
    from hotspots.knox import event_days  # noqa: PLC0415 -- one reader of dates for both

    require_projected_m(events, name="events")
    if not (math.isfinite(cell_size_m) and cell_size_m > 0):
        msg = f"cell_size_m must be above 0; found {cell_size_m}."
        raise ParameterError(msg)
    frame = events
    if crime_types:
        if "crime_type" not in frame.columns:
            msg = "The events have no crime_type column to select crime types from."
            raise MissingColumnError(msg)
        frame = frame[crime_type_mask(frame["crime_type"], crime_types)]
    if frame.empty:
        msg = "No events are selected. Check the crime types and dates."
        raise EmptyInputError(msg)
    days = event_days(frame)
    x = np.asarray(frame.geometry.x.to_numpy(), dtype=np.float64)
    y = np.asarray(frame.geometry.y.to_numpy(), dtype=np.float64)
    if area is None:
        area = shapely.MultiPoint(np.column_stack([x, y])).convex_hull.buffer(cell_size_m / 2)
    grid = _day_grid(area, cell_size_m, frame.crs)
    row, col = grid.lattice(x, y)
    index = np.full((grid.n_rows, grid.n_cols), -1, dtype=np.int64)
    index[grid.cells["row"].to_numpy(), grid.cells["col"].to_numpy()] = grid.cells["cell_id"]
    on = (row >= 0) & (row < grid.n_rows) & (col >= 0) & (col < grid.n_cols)
    cell = np.full(len(x), -1, dtype=np.int64)
    cell[on] = index[row[on], col[on]]
    inside = cell >= 0
    if not inside.any():
        msg = f"None of the {len(x)} selected events lies in the area. Check the area and CRS."
        raise EmptyInputError(msg)
    notes = []
    n_outside = int((~inside).sum())
    if n_outside:
        notes.append(f"{n_outside} event(s) outside the area are left out.")
    return DayEvents(
        grid=grid,
        x_m=x[inside],
        y_m=y[inside],
        day=days[inside],
        cell=cell[inside],
        first_day=int(days[inside].min()),
        last_day=int(days[inside].max()),
        n_outside=n_outside,
        notes=tuple(notes),
    )


# --- scoring -------------------------------------------------------------------------------


def _prospective(
    data: DayEvents, start_day: int, n_days: int, bandwidth_m: float
) -> npt.NDArray[np.float64]:
    mask = (data.day < start_day) & (data.day >= start_day - n_days)
    out = np.zeros(data.grid.n_cells, dtype=np.float64)
    if not mask.any():
        return out
    points = np.column_stack([data.x_m[mask], data.y_m[mask]])
    age_weeks = (start_day - data.day[mask] - 0.5) / 7.0
    pairs = cKDTree(data.grid.centres_m).sparse_distance_matrix(
        cKDTree(points), bandwidth_m, output_type="ndarray"
    )
    inside = pairs["v"] <= bandwidth_m
    i, j, d = pairs["i"][inside], pairs["j"][inside], pairs["v"][inside]
    weight = 1.0 / (1.0 + d / data.grid.cell_size_m) / (1.0 + age_weeks[j])
    return np.asarray(
        sparse.coo_array((weight, (i, np.zeros_like(i))), shape=(data.grid.n_cells, 1))
        .toarray()
        .ravel(),
        dtype=np.float64,
    )


def _sepp(
    data: DayEvents, start_day: int, horizon_days: int, background_bandwidth_m: float
) -> npt.NDArray[np.float64]:
    past = data.day < start_day
    rows = data.grid.cells["row"].to_numpy()[data.cell[past]]
    cols = data.grid.cells["col"].to_numpy()[data.cell[past]]
    fit = fit_sepp(
        data.x_m[past],
        data.y_m[past],
        data.day[past],
        rows,
        cols,
        lattice_shape=(data.grid.n_rows, data.grid.n_cols),
        cell_size_m=data.grid.cell_size_m,
        end_day=start_day,
        background_bandwidth_m=background_bandwidth_m,
    )
    return sepp_expected_counts(
        fit,
        data.x_m[past],
        data.y_m[past],
        data.day[past],
        centres_m=data.grid.centres_m,
        cell_rows=data.grid.cells["row"].to_numpy(),
        cell_cols=data.grid.cells["col"].to_numpy(),
        cell_area_m2=data.grid.cell_size_m**2,
        start_day=start_day,
        horizon_days=horizon_days,
    )


def score_days(
    data: DayEvents,
    method: DayMethod,
    *,
    start_day: int,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> npt.NDArray[np.float64]:
    """
    Score every cell for the ``horizon_days`` days from ``start_day``, seeing only earlier days.

    Parameters
    ----------
    data
        The events.
    method
        A method other than ``default``.
    start_day
        The first day forecast (a day number).
    horizon_days
        Days forecast.

    Returns
    -------
    numpy.ndarray
        One score per cell (higher: patrol first).

    Raises
    ------
    ParameterError
        When ``method`` is ``default`` or no event precedes ``start_day``.

    References
    ----------
    Bowers, K. J., Johnson, S. D. and Pease, K. (2004). Prospective hot-spotting: the future of
    crime mapping? British Journal of Criminology 44(5), 641-658.
    """
    if method.name == "default":
        msg = "Method 'default' is chosen from the data: call select_day_default first."
        raise ParameterError(msg)
    if not (data.day < start_day).any():
        msg = (
            f"No event before {day_label(start_day)} to forecast from (the data start on "
            f"{day_label(data.first_day)}). Forecast a later start."
        )
        raise ParameterError(msg)
    scorers: dict[str, Callable[[], npt.NDArray[np.float64]]] = {
        "counts-all": lambda: data.counts(data.first_day, start_day),
        "counts-recent": lambda: data.counts(start_day - int(method.recent_days or 0), start_day),
        "prospective": lambda: _prospective(
            data, start_day, int(method.n_days or 0), float(method.bandwidth_m or 0)
        ),
        "sepp": lambda: _sepp(data, start_day, horizon_days, float(method.bandwidth_m or 0)),
    }
    return np.asarray(scorers[method.name](), dtype=np.float64)


# --- choosing the default ------------------------------------------------------------------


@dataclass(frozen=True)
class DayDefault:
    """
    The method ``default`` stands for, and the evidence.

    Attributes
    ----------
    method
        The chosen method (never ``default``).
    coverage_pct
        The coverage its PAI was compared at.
    origins
        The origins compared (those with events), ``YYYY-MM-DD``.
    pai_means
        ``(method key, mean PAI)`` of every candidate, best first.
    why
        One sentence with the evidence.
    """

    method: DayMethod
    coverage_pct: float
    origins: tuple[str, ...]
    pai_means: tuple[tuple[str, float | None], ...]
    why: str


def select_day_default(
    pai_by_method: Mapping[DayMethod, Sequence[float | None]],
    *,
    origins: Sequence[str],
    coverage_pct: float,
) -> DayDefault:
    """
    Pick the ``default`` from each candidate's PAI on the same earlier origins.

    ``counts-all`` is kept unless, with at least :data:`MIN_DAY_EVIDENCE` origins with events,
    another candidate's mean gain over it, origin by origin, exceeds one standard error of
    those gains; the largest such gain wins. The winner's mean PAI is therefore never below
    that of ``counts-all`` on the origins it was chosen on.

    Parameters
    ----------
    pai_by_method
        PAI per origin of each candidate (None for an origin without events); one must be
        ``counts-all``.
    origins
        The origins, in the same order.
    coverage_pct
        The coverage the PAI were measured at.

    Returns
    -------
    DayDefault
        The winner and the evidence.

    Raises
    ------
    ParameterError
        When no candidate is ``counts-all``.

    Examples
    --------
    >>> base, other = DEFAULT_DAY_METHODS["counts-all"], DEFAULT_DAY_METHODS["sepp"]
    >>> pick = select_day_default({base: [2.0, 2.1, 1.9, 2.0], other: [3.0, 3.2, 2.9, 3.1]},
    ...                           origins=["a", "b", "c", "d"], coverage_pct=5)
    >>> pick.method.name
    'sepp'
    """
    methods = list(pai_by_method)
    baseline = next((m for m in methods if m.name == "counts-all"), None)
    if baseline is None:
        msg = "The default's candidates must include 'counts-all', the baseline to beat."
        raise ParameterError(msg)
    keep = [i for i, v in enumerate(pai_by_method[baseline]) if v is not None]
    table = {m: np.asarray([pai_by_method[m][i] or 0.0 for i in keep]) for m in methods}
    means = {m: float(table[m].mean()) if keep else None for m in methods}
    best, top_gain = baseline, 0.0
    if len(keep) >= MIN_DAY_EVIDENCE:
        for m in methods:
            if m == baseline:
                continue
            gain = table[m] - table[baseline]
            noise = float(gain.std(ddof=1)) / math.sqrt(len(keep))
            if gain.mean() > max(noise, top_gain):
                best, top_gain = m, float(gain.mean())
    valid = tuple(origins[i] for i in keep)
    ranked = sorted(methods, key=lambda m: (-(means[m] or -math.inf), methods.index(m)))
    if len(keep) < MIN_DAY_EVIDENCE:
        why = (
            f"Only {len(keep)} earlier week(s) with events to test on (at least "
            f"{MIN_DAY_EVIDENCE} needed), so the default is {baseline.label}."
        )
    elif best == baseline:
        why = (
            f"No candidate beat {baseline.label} (mean PAI {means[baseline] or 0:.2f} for the top "
            f"{coverage_pct:g} % of cells over {len(keep)} weeks) by more than its week-to-week "
            "noise, so it is kept."
        )
    else:
        why = (
            f"{best.label[0].upper()}{best.label[1:]} had a mean PAI of {means[best] or 0:.2f} "
            f"for the top {coverage_pct:g} % of cells over {len(keep)} weeks "
            f"({valid[0]}..{valid[-1]}), against {means[baseline] or 0:.2f} for "
            f"{baseline.label}, a gain larger than its week-to-week noise."
        )
    return DayDefault(
        method=best,
        coverage_pct=coverage_pct,
        origins=valid,
        pai_means=tuple((m.key(), means[m]) for m in ranked),
        why=why,
    )


# --- forecasting the next days ---------------------------------------------------------------


@dataclass(frozen=True)
class DayForecast:
    """
    The cells to patrol over the days from ``start``.

    Attributes
    ----------
    start
        The first day forecast, ``YYYY-MM-DD``.
    horizon_days
        Days forecast.
    method
        The method used (for ``default``, the one chosen).
    coverage_pct
        Share of cells flagged, in per cent.
    cells
        The flagged cells, best first: ``cell_id``, ``row``, ``col``, ``x_m``, ``y_m``,
        ``score``, ``rank`` (1 = patrol first), ``method`` (its key), ``n_events_past`` and the
        square, in the events' CRS.
    default
        How ``default`` was chosen, when asked for.
    notes
        Sentences for the user.
    """

    start: str
    horizon_days: int
    method: DayMethod
    coverage_pct: float
    cells: gpd.GeoDataFrame
    default: DayDefault | None = None
    notes: tuple[str, ...] = ()


def forecast_days(
    data: DayEvents,
    *,
    start: dt.date | str,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    method: DayMethod = DEFAULT_DAY_METHODS["default"],
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    min_train_days: int = DEFAULT_MIN_TRAIN_DAYS,
) -> DayForecast:
    """
    Flag the top ``coverage_pct`` per cent of cells for the days from ``start``.

    ``default`` is chosen by a backtest of the candidates on the (at most 26) weekly origins
    before ``start`` whose forecast week ended before it, so it never sees the days forecast.

    Parameters
    ----------
    data
        The events.
    start
        The first day forecast, ``YYYY-MM-DD``; events from it on are ignored.
    horizon_days
        Days forecast.
    method
        The method; ``default`` is chosen from the data.
    coverage_pct
        Share of cells flagged, in per cent.
    min_train_days
        Days of history before the first inner origin when choosing ``default``.

    Returns
    -------
    DayForecast
        The flagged cells, best first.

    Raises
    ------
    ParameterError
        When no event precedes ``start`` or a setting is out of range.
    """
    if horizon_days < 1 or min_train_days < 1:
        msg = (
            "horizon_days and min_train_days must be at least 1; found "
            f"{horizon_days} and {min_train_days}."
        )
        raise ParameterError(msg)
    start_day = _day_number(start)
    n_flag = n_flagged(data.grid.n_cells, coverage_pct)
    choice = None
    used = method
    if method.name == "default":
        first = data.first_day + min_train_days
        last = start_day - horizon_days
        inner = list(range(last, first - 1, -DEFAULT_STEP_DAYS))[:_DEFAULT_LOOKBACK_ORIGINS][::-1]
        table: dict[DayMethod, list[float | None]] = {m: [] for m in DAY_CANDIDATES}
        for o in inner:
            actual = data.counts(o, o + horizon_days)
            for m in DAY_CANDIDATES:
                s = score_days(data, m, start_day=o, horizon_days=horizon_days)
                table[m].append(evaluate_origin(s, actual, n_flag=n_flag).pai)
        choice = select_day_default(
            table, origins=[day_label(o) for o in inner], coverage_pct=coverage_pct
        )
        used = choice.method
    scores = score_days(data, used, start_day=start_day, horizon_days=horizon_days)
    top = flag_top(scores, n_flag)
    cells = data.grid.cells.iloc[top].copy()
    cells["score"] = scores[top]
    cells["rank"] = np.arange(1, len(top) + 1, dtype=np.int64)
    cells["method"] = pd.Series([used.key()] * len(top), index=cells.index, dtype="str")
    cells["n_events_past"] = data.counts(data.first_day, start_day)[top]
    notes = [TIE_BREAK]
    if start_day > data.last_day + 1:
        notes.append(
            f"The data end on {day_label(data.last_day)}; the forecast from {day_label(start_day)} "
            "cannot see the days in between."
        )
    return DayForecast(
        start=day_label(start_day),
        horizon_days=horizon_days,
        method=used,
        coverage_pct=coverage_pct,
        cells=cells,
        default=choice,
        notes=tuple(notes),
    )
