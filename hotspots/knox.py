"""
The Knox test for near repeats: are events close in space also close in time, beyond chance.

Every unordered pair of distinct events is counted by distance band and time band. The bands
follow Ratcliffe's Near Repeat Calculator: distance bounds ``0, 100, 200, 300, 400`` mean *same
location* (under :data:`SAME_LOCATION_M` apart), then 1-100 m, 100-200 m, 200-300 m and
300-400 m, each upper bound inclusive; time bounds ``7, 14, 21, 28`` mean 0-7, 8-14, 15-21 and
22-28 whole calendar days apart. Pairs beyond the last bands are not counted.

The counts expected by chance come from shuffling the events' dates among the events, the
locations fixed (a Monte Carlo permutation test): the expected count of a cell is its mean over
the shuffles, the Knox ratio is observed / expected and the one-sided p-value is
``(1 + shuffles with a count >= the observed) / (1 + shuffles)``. Cells are called significant
after a Benjamini-Hochberg false-discovery-rate correction over the whole table.

Speed: pairs are found once, between the distinct locations (a k-d tree; only pairs within the
largest distance band can ever count), and each shuffle then counts them by location
(:mod:`hotspots._knox_count`): pair by pair where locations hold few events, and through a
table of each busy location's events by day where they hold many, so events snapped to the same
point are not paired one by one. The counts are exact either way. Events far apart in space are
never touched again: 20,000 events and 999 shuffles take a second or two, all 93,113 Toronto
major crimes about 25 seconds of CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots._knox_count import (
    count_plan,
    cumulative_counts,
    location_pairs,
    locations,
    ns_per_shuffle,
)
from hotspots.fdr import adjust_p
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd

__all__ = [
    "DEFAULT_DISTANCE_BANDS_M",
    "DEFAULT_FDR_Q",
    "DEFAULT_KNOX_PERMUTATIONS",
    "DEFAULT_MIN_RATIO",
    "DEFAULT_TIME_BANDS_DAYS",
    "LONG_KNOX_RUN_S",
    "SAME_LOCATION_M",
    "DistanceMetric",
    "KnoxResult",
    "KnoxWorkload",
    "PairBands",
    "default_knox_crime_type",
    "event_days",
    "knox_pairs",
    "knox_subject",
    "knox_test",
    "knox_test_xy",
    "knox_workload",
    "parse_distance_bands",
    "parse_time_bands",
    "require_projected_m",
]

DistanceMetric = Literal["euclidean", "manhattan"]

DEFAULT_DISTANCE_BANDS_M: Final[tuple[float, ...]] = (0.0, 100.0, 200.0, 300.0, 400.0)
"""Upper bounds of the distance bands in metres; a leading 0 is the same-location band."""
DEFAULT_TIME_BANDS_DAYS: Final[tuple[int, ...]] = (7, 14, 21, 28)
"""Upper bounds of the time bands in whole days (0-7, 8-14, 15-21, 22-28)."""
DEFAULT_KNOX_PERMUTATIONS: Final = 999
"""Shuffles of the dates (Ratcliffe's calculator offers 999 as its most precise setting)."""
DEFAULT_FDR_Q: Final = 0.05
"""False discovery rate at which a cell is called significant."""
DEFAULT_MIN_RATIO: Final = 1.2
"""Knox ratio a significant cell needs to count as a raised risk (the Near Repeat Calculator's
summary likewise reports cells 20 % or more above chance)."""
SAME_LOCATION_M: Final = 1.0
"""Two events closer than this, in metres, are at the same location."""
LONG_KNOX_RUN_S: Final = 15.0
"""Estimated seconds from which a Knox test is long enough to say so before it runs."""


def require_projected_m(events: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str) -> None:
    """
    Raise unless ``events`` are in a projected CRS measured in metres.

    Force extracts are analysed in their own projected CRS (British National Grid in Great
    Britain, a UTM zone elsewhere); distances in degrees would be meaningless.

    Parameters
    ----------
    events
        The frame an analysis function was given.
    name
        What the user calls it, used in the message.

    Raises
    ------
    CRSError
        When the CRS is missing, geographic or not in metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> require_projected_m(gpd.GeoSeries([Point(0, 0)], crs="EPSG:27700"), name="events")
    """
    crs = events.crs
    if crs is None:
        msg = f"{name} have no CRS. Read them with spatial.incidents, which sets one."
        raise CRSError(msg)
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        msg = (
            f"{name} must be in a projected CRS in metres (EPSG:27700 in Great Britain); found "
            f"{crs.to_string()}. Reproject with to_crs(gdf.estimate_utm_crs()) or EPSG:27700."
        )
        raise CRSError(msg)


def event_days(events: pd.DataFrame) -> npt.NDArray[np.int64]:
    """
    Return each event's calendar day as a day number (days since 1970-01-01).

    An exact event (``start == end``) is on its own day; an event known only within a window
    is put on the day of the window's midpoint, as the Near Repeat Calculator takes one date.

    Parameters
    ----------
    events
        A frame with ``start`` and ``end`` (naive local datetimes).

    Returns
    -------
    numpy.ndarray
        ``int64`` day numbers.

    Raises
    ------
    MissingColumnError
        When ``start`` or ``end`` is missing.
    InputDataError
        When a start or end is missing (NaT).

    Examples
    --------
    >>> frame = pd.DataFrame({"start": pd.to_datetime(["1970-01-02 23:00", "1970-01-03 20:00"]),
    ...                       "end": pd.to_datetime(["1970-01-02 23:00", "1970-01-04 08:00"])})
    >>> event_days(frame).tolist()
    [1, 3]
    """
    missing = [c for c in ("start", "end") if c not in events.columns]
    if missing:
        msg = (
            f"The events lack column(s) {', '.join(missing)}; found {', '.join(map(str, events))}."
            " Read force extracts with spatial.incidents.read_incidents."
        )
        raise MissingColumnError(msg)
    start = pd.to_datetime(events["start"])
    end = pd.to_datetime(events["end"])
    bad = start.isna() | end.isna()
    if bad.any():
        first = events.index[np.flatnonzero(bad.to_numpy())[0]]
        msg = (
            f"{int(bad.sum())} events have no start or end date (first: index {first}). "
            "Drop events without a date before a space-time analysis."
        )
        raise ParameterError(msg)
    middle = start + (end - start) / 2
    return np.asarray(middle.to_numpy().astype("datetime64[D]").astype(np.int64), dtype=np.int64)


def _check_bands(distance_bands_m: Sequence[float], time_bands_days: Sequence[int]) -> None:
    problems = []
    d = np.asarray(distance_bands_m, dtype=np.float64)
    t = np.asarray(time_bands_days, dtype=np.float64)
    if d.size == 0 or not np.all(np.isfinite(d)) or d[0] < 0 or np.any(np.diff(d) <= 0):
        problems.append(
            f"distance bands must be increasing metres from 0 (e.g. 0,100,200,300,400); "
            f"found {list(distance_bands_m)}"
        )
    elif d[0] == 0 and d.size == 1:
        problems.append("give at least one distance band after 0 (e.g. 0,100,200)")
    elif d[0] == 0 and d[1] < SAME_LOCATION_M:
        problems.append(f"the first distance band after 0 must be at least {SAME_LOCATION_M:g} m")
    if (
        t.size == 0
        or not np.all(np.isfinite(t))
        or np.any(t != np.round(t))
        or t[0] < 0
        or np.any(np.diff(t) <= 0)
    ):
        problems.append(
            f"time bands must be increasing whole days (e.g. 7,14,21,28); "
            f"found {list(time_bands_days)}"
        )
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg[0].upper() + msg[1:])


def _distance_labels(bounds: Sequence[float]) -> tuple[str, ...]:
    labels = []
    lower: float | None = None
    for b in bounds:
        if b == 0:
            labels.append("same location")
            lower = SAME_LOCATION_M
            continue
        low = 0.0 if lower is None else lower
        labels.append(f"{low:g}-{b:g} m")
        lower = b
    return tuple(labels)


def _time_labels(bounds: Sequence[int]) -> tuple[str, ...]:
    labels = []
    low = 0
    for b in bounds:
        labels.append(f"{low}-{b} days")
        low = b + 1
    return tuple(labels)


@dataclass(frozen=True)
class PairBands:
    """
    The pairs of events within the largest distance band, with their distance band.

    Attributes
    ----------
    i, j
        Positions of the two events of each pair (``i < j``), ``int32``, sorted by distance
        band, then ``i``, then ``j``.
    distance_band
        Row of the Knox table of each pair (0 = the first distance band).
    n_distance_bands
        Rows of the table.
    """

    i: npt.NDArray[np.int32]
    j: npt.NDArray[np.int32]
    distance_band: npt.NDArray[np.int32]
    n_distance_bands: int


def knox_pairs(
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    metric: DistanceMetric = "euclidean",
) -> PairBands:
    """
    Find every pair of events within the largest distance band, and its band.

    Parameters
    ----------
    x_m, y_m
        Event coordinates in metres.
    distance_bands_m
        Upper bounds of the distance bands (see the module text).
    metric
        ``"euclidean"`` or ``"manhattan"`` (city-block) distance.

    Returns
    -------
    PairBands
        The pairs and their distance band.

    Raises
    ------
    ParameterError
        When the bands or the metric are invalid.

    Examples
    --------
    >>> p = knox_pairs([0, 0.5, 50, 1000], [0, 0, 0, 0], distance_bands_m=(0, 100))
    >>> list(zip(p.i.tolist(), p.j.tolist(), p.distance_band.tolist()))
    [(0, 1, 0), (0, 2, 1), (1, 2, 1)]
    """
    if metric not in ("euclidean", "manhattan"):
        msg = f"metric must be 'euclidean' or 'manhattan'; found {metric!r}."
        raise ParameterError(msg)
    bounds = np.asarray(distance_bands_m, dtype=np.float64)
    i, j, band = location_pairs(
        np.asarray(x_m, dtype=np.float64),
        np.asarray(y_m, dtype=np.float64),
        bounds=bounds,
        p_norm=2.0 if metric == "euclidean" else 1.0,
        same_location_m=SAME_LOCATION_M,
    )
    order = np.lexsort((j, i, band))
    return PairBands(
        i=i[order].astype(np.int32),
        j=j[order].astype(np.int32),
        distance_band=band[order].astype(np.int32),
        n_distance_bands=len(bounds),
    )


def _count_tables(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    days: npt.NDArray[np.int64],
    *,
    distance_bands_m: Sequence[float],
    time_bands_days: Sequence[int],
    metric: DistanceMetric,
    permutations: int,
    seed: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """
    Return the observed table and ``(permutations, n_distance, n_time)`` shuffled tables.

    Days are held in the smallest integer type that fits, so the gathers move little memory.
    The pairs are counted by location (see :mod:`hotspots._knox_count`); each shuffle is
    ``rng.permutation`` of the days, one after another from ``seed``.
    """
    span = int(days.max() - days.min())
    dtype = np.int16 if span < np.iinfo(np.int16).max else np.int32
    small = (days - days.min()).astype(dtype)
    bounds = [int(b) for b in time_bands_days]
    located = locations(
        x_m,
        y_m,
        bounds=np.asarray(distance_bands_m, dtype=np.float64),
        p_norm=2.0 if metric == "euclidean" else 1.0,
        same_location_m=SAME_LOCATION_M,
    )
    plan = count_plan(
        located, n_distance_bands=len(distance_bands_m), span_days=span, time_bounds=bounds
    )
    observed = np.diff(cumulative_counts(plan, small, bounds), axis=1, prepend=0)
    rng = np.random.default_rng(seed)
    shuffled = np.empty((permutations, *observed.shape), dtype=np.int64)
    for k in range(permutations):
        counts = cumulative_counts(plan, rng.permutation(small), bounds)
        shuffled[k] = np.diff(counts, axis=1, prepend=0)
    return observed, shuffled


@dataclass(frozen=True)
class KnoxResult:
    """
    A Knox table: pairs by distance band (rows) and time band (columns), against chance.

    Attributes
    ----------
    n_events
        Events tested.
    distance_bands_m, time_bands_days
        Upper bounds of the bands as given.
    distance_labels, time_labels
        Row and column names (``"same location"``, ``"1-100 m"``; ``"0-7 days"``).
    metric
        ``"euclidean"`` or ``"manhattan"``.
    permutations, seed
        Shuffles of the dates, and the seed that makes them repeatable.
    fdr_q
        False discovery rate at which cells are called significant.
    observed
        Pairs counted in each cell, ``int64``.
    expected
        Mean count over the shuffles.
    ratio
        Knox ratio observed / expected (NaN where nothing was expected).
    p_value
        One-sided permutation p-value of an excess of pairs.
    p_fdr
        Benjamini-Hochberg adjusted p-value over all cells.
    significant
        ``p_fdr <= fdr_q`` and ``ratio > 1``.
    subject
        What the events are, plural, for sentences (``"burglaries"``).
    min_ratio
        The Knox ratio a significant cell needs to count as a raised risk in the verdict and the
        near-repeat distance and time (:data:`DEFAULT_MIN_RATIO`; with many events, tiny
        excesses far away are significant but not worth acting on).
    """

    n_events: int
    distance_bands_m: tuple[float, ...]
    time_bands_days: tuple[int, ...]
    distance_labels: tuple[str, ...]
    time_labels: tuple[str, ...]
    metric: DistanceMetric
    permutations: int
    seed: int
    fdr_q: float
    observed: npt.NDArray[np.int64]
    expected: npt.NDArray[np.float64]
    ratio: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]
    p_fdr: npt.NDArray[np.float64]
    significant: npt.NDArray[np.bool_]
    subject: str = "events"
    min_ratio: float = DEFAULT_MIN_RATIO

    @property
    def raised(self) -> npt.NDArray[np.bool_]:
        """Cells both significant and at least ``min_ratio`` times chance (worth acting on)."""
        return self.significant & (np.nan_to_num(self.ratio, nan=0.0) >= self.min_ratio)

    @property
    def _first_near_row(self) -> int:
        return 1 if self.distance_bands_m[0] == 0 else 0

    @property
    def near_repeat_distance_m(self) -> float | None:
        """
        The largest distance with a raised risk in the first time band, in metres.

        The upper bound of the last distance band (same location aside) raised (see
        :attr:`raised`) in the first time band with every nearer band raised too; None when
        the nearest band after the same location is not raised.
        """
        row = self._first_near_row
        reach = None
        for r in range(row, len(self.distance_bands_m)):
            if not self.raised[r, 0]:
                break
            reach = float(self.distance_bands_m[r])
        return reach

    @property
    def near_repeat_days(self) -> int | None:
        """
        The longest time with a raised risk in the nearest distance band, in days.

        The upper bound of the last time band raised in the nearest distance band (same
        location aside) with every earlier band raised too; None without a near repeat.
        """
        if self.near_repeat_distance_m is None:
            return None
        row = self._first_near_row
        reach = None
        for c in range(len(self.time_bands_days)):
            if not self.raised[row, c]:
                break
            reach = int(self.time_bands_days[c])
        return reach

    @property
    def verdict(self) -> str:
        """
        The result in words.

        E.g. "burglaries within 100 m and 7 days of each other are 1.7 times as common as
        chance; the near-repeat risk fades by 200 m and 14 days". Repeats at the same location
        are described on their own, with how long they stay raised ("... 3.4 times as common as
        chance, and still 1.4 times at 22-28 days, the longest time tested").
        """
        return _verdict(self, shared=False)

    @property
    def shared_verdict(self) -> str:
        """
        The verdict as files outside the police give it: without the number of events tested.

        The count covers every event before the day tested: files made on consecutive days
        would differ by the day's events, so partners and the public, who may see an extract's
        events by week or month only, are not given it (nor the pairs of the grid). Otherwise
        word for word :attr:`verdict`.
        """
        return _verdict(self, shared=True)

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap knox --json`` object.

        Returns
        -------
        dict
            ``n_events``, ``distance_labels``, ``time_labels``, ``observed``, ``expected``,
            ``ratio`` (null where nothing was expected), ``p_value``, ``significant`` (lists of
            rows, one per distance band, same location first; one column per time band),
            ``verdict``, and the settings (``distance_bands_m``, ``time_bands_days``,
            ``metric``, ``permutations``, ``seed``, ``fdr_q``, ``min_ratio``, ``p_fdr``,
            ``raised``,
            ``near_repeat_distance_m``, ``near_repeat_days``).
        """

        def rows(values: npt.NDArray[np.float64]) -> list[list[float | None]]:
            return [
                [None if not math.isfinite(v) else round(float(v), 4) for v in r] for r in values
            ]

        return {
            "n_events": self.n_events,
            "distance_labels": list(self.distance_labels),
            "time_labels": list(self.time_labels),
            "observed": self.observed.tolist(),
            "expected": rows(self.expected),
            "ratio": rows(self.ratio),
            "p_value": rows(self.p_value),
            "significant": self.significant.tolist(),
            "verdict": self.verdict,
            "distance_bands_m": list(self.distance_bands_m),
            "time_bands_days": list(self.time_bands_days),
            "metric": self.metric,
            "permutations": self.permutations,
            "seed": self.seed,
            "fdr_q": self.fdr_q,
            "min_ratio": self.min_ratio,
            "p_fdr": rows(self.p_fdr),
            "raised": self.raised.tolist(),
            "near_repeat_distance_m": self.near_repeat_distance_m,
            "near_repeat_days": self.near_repeat_days,
        }

    def table(self) -> pd.DataFrame:
        """
        Return the table in long form, one row per cell, for charts.

        Returns
        -------
        pandas.DataFrame
            ``distance`` and ``time`` (labels), ``distance_row``, ``time_col``, ``observed``,
            ``expected``, ``ratio``, ``p_value``, ``p_fdr``, ``significant``.
        """
        nd, nt = self.observed.shape
        rr, cc = np.meshgrid(np.arange(nd), np.arange(nt), indexing="ij")
        return pd.DataFrame(
            {
                "distance": pd.Series([self.distance_labels[r] for r in rr.ravel()], dtype="str"),
                "time": pd.Series([self.time_labels[c] for c in cc.ravel()], dtype="str"),
                "distance_row": rr.ravel(),
                "time_col": cc.ravel(),
                "observed": self.observed.ravel(),
                "expected": self.expected.ravel(),
                "ratio": self.ratio.ravel(),
                "p_value": self.p_value.ravel(),
                "p_fdr": self.p_fdr.ravel(),
                "significant": self.significant.ravel(),
            }
        )


def _verdict(result: KnoxResult, *, shared: bool) -> str:
    subject = result.subject
    counted = "" if shared else f"{result.n_events:,} events, "
    tail = (
        f" ({counted}{result.permutations} shuffles of the dates, "
        f"false discovery rate {100 * result.fdr_q:g} %)"
    )
    if not result.significant.any():
        return (
            f"No near-repeat pattern: no distance and time band has significantly more pairs of "
            f"{subject} than chance" + tail + "."
        )
    parts = []
    first_time = result.time_bands_days[0]
    if result.distance_bands_m[0] == 0 and result.raised[0, 0]:
        parts.append(_same_location(result))
    dist = result.near_repeat_distance_m
    days = result.near_repeat_days
    row = 1 if result.distance_bands_m[0] == 0 else 0
    if dist is not None and days is not None:
        parts.append(
            f"{subject} within {result.distance_bands_m[row]:g} m and {first_time} days of each "
            f"other are {result.ratio[row, 0]:.1f} times as common as chance; "
            + _fades(result, dist, days)
        )
    else:
        parts.append(
            f"no near repeat: pairs of {subject} within {result.distance_bands_m[row]:g} m and "
            f"{first_time} days are not at least {result.min_ratio:g} times as common as chance "
            + _elsewhere(result, row)
        )
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + tail + "."


def _elsewhere(result: KnoxResult, row: int) -> str:
    """Say what the table holds beyond the same location when the nearest band is not raised."""
    near = np.where(result.significant[row:], result.ratio[row:], np.nan)
    if np.isnan(near).all():
        return "(no band beyond the same location has significantly more pairs than chance)"
    r, c = np.unravel_index(int(np.nanargmax(near)), near.shape)
    where = f"{result.distance_labels[row + r]} and {result.time_labels[c]}"
    small = "" if result.raised[row + r, c] else ", too small to act on"
    return (
        f"(significant excesses elsewhere in the table reach {near[r, c]:.2f} times, at "
        f"{where}{small})"
    )


def _same_location(result: KnoxResult) -> str:
    """
    Say how raised repeats at the same location are in the first time band, and how long for.

    Told apart from the near repeats (whose distance and time :func:`_fades` gives): a burgled
    home's own risk often outlasts its neighbours' (the Toronto burglaries: 3.4 times chance
    within a week and still 1.4 times at 22-28 days, while 1-100 m is back under 1.2 times by
    the second week).
    """
    raised = [bool(v) for v in result.raised[0]]
    ratio, labels = result.ratio[0], result.time_labels
    text = (
        f"repeats at the same location within {result.time_bands_days[0]} days are "
        f"{ratio[0]:.1f} times as common as chance"
    )
    end = raised.index(False) - 1 if False in raised else len(raised) - 1
    if end == len(raised) - 1:
        if end == 0:
            return text
        return f"{text}, and still {ratio[end]:.1f} times at {labels[end]}, the longest time tested"
    if end > 0:
        text += f", still {ratio[end]:.1f} times at {labels[end]}"
    text += (
        f", a raised risk (at least {result.min_ratio:g} times chance) that fades by "
        f"{result.time_bands_days[end + 1]} days"
    )
    again = [c for c in range(end + 1, len(raised)) if raised[c]]
    if again:
        text += f" (though {ratio[again[-1]]:.1f} times again at {labels[again[-1]]})"
    return text


def _fades(result: KnoxResult, dist: float, days: int) -> str:
    d_bounds = list(result.distance_bands_m)
    t_bounds = list(result.time_bands_days)
    d_next = d_bounds.index(dist) + 1
    t_next = t_bounds.index(days) + 1
    head = f"the near-repeat risk (at least {result.min_ratio:g} times chance)"
    space_fades = d_next < len(d_bounds)
    time_fades = t_next < len(t_bounds)
    if space_fades and time_fades:
        return f"{head} fades by {d_bounds[d_next]:g} m and {t_bounds[t_next]} days"
    if space_fades:
        return (
            f"{head} fades by {d_bounds[d_next]:g} m but is still there at {days} days, the "
            "longest time tested"
        )
    if time_fades:
        return (
            f"{head} still reaches {dist:g} m, the largest distance tested, and fades by "
            f"{t_bounds[t_next]} days"
        )
    return f"{head} still reaches {dist:g} m and {days} days, the largest distance and time tested"


def knox_subject(crime_types: Sequence[str] | None) -> str:
    """
    Name the events a Knox verdict is about, as the command and the app both word it.

    Parameters
    ----------
    crime_types
        The crime types tested; one type is named, several or none are "events".

    Returns
    -------
    str
        E.g. ``"burglaries"``, ``"robbery events"``, ``"events"``.

    Examples
    --------
    >>> knox_subject(["Break and Enter"]), knox_subject(["Robbery"]), knox_subject(None)
    ('break and enters', 'robbery events', 'events')
    """
    if crime_types is None or len(crime_types) != 1:
        return "events"
    name = str(crime_types[0]).lower()
    return _SUBJECTS.get(name, f"{name} events")


_SUBJECTS: Final = {"burglary": "burglaries", "break and enter": "break and enters"}
_BURGLARY_WORDS: Final = ("burglary", "break and enter", "break & enter", "breaking and entering")


def default_knox_crime_type(crime_types: Iterable[str]) -> str | None:
    """
    Choose the crime type a near-repeat analysis starts on: burglary, else the most common.

    The Knox test is run one crime type at a time, burglary above all (the practice of the
    Near Repeat Calculator). A type whose name holds "burglary" or "break and enter" (any
    case) is chosen, the most common of them if several; without one, the most common type.
    Ties go to the first name in alphabetical order.

    Parameters
    ----------
    crime_types
        Each event's crime type (e.g. a force extract's ``crime_type`` column).

    Returns
    -------
    str or None
        The type, or None when there are no events.

    Examples
    --------
    >>> default_knox_crime_type(["Assault", "Assault", "Break and Enter", "Robbery"])
    'Break and Enter'
    >>> default_knox_crime_type(["Robbery", "Assault", "Assault", "Robbery", "Theft"])
    'Assault'
    """
    counts = pd.Series(list(crime_types), dtype="object").dropna().astype(str).value_counts()
    if counts.empty:
        return None
    names = counts.index.str.lower()
    burglary = counts[[any(w in name for w in _BURGLARY_WORDS) for name in names]]
    pick = burglary if len(burglary) else counts
    ranked = sorted(pick.items(), key=lambda item: (-int(item[1]), str(item[0])))
    return str(ranked[0][0])


def knox_test_xy(  # noqa: PLR0913 -- the test's documented settings
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    days: npt.ArrayLike,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    time_bands_days: Sequence[int] = DEFAULT_TIME_BANDS_DAYS,
    metric: DistanceMetric = "euclidean",
    permutations: int = DEFAULT_KNOX_PERMUTATIONS,
    seed: int = 0,
    fdr_q: float = DEFAULT_FDR_Q,
    min_ratio: float = DEFAULT_MIN_RATIO,
    subject: str = "events",
) -> KnoxResult:
    """
    Run the Knox test on coordinates and day numbers.

    Parameters
    ----------
    x_m, y_m
        Event coordinates in metres (a projected CRS).
    days
        Each event's calendar day as an integer (e.g. :func:`event_days`).
    distance_bands_m
        Upper bounds of the distance bands; a leading 0 adds the same-location row.
    time_bands_days
        Upper bounds of the time bands in whole days.
    metric
        ``"euclidean"`` or ``"manhattan"``.
    permutations
        Shuffles of the days among the events.
    seed
        Seed of the shuffles.
    fdr_q
        False discovery rate for calling cells significant.
    min_ratio
        Knox ratio a significant cell needs to count as a raised risk.
    subject
        The events' name in the plural, for the verdict.

    Returns
    -------
    KnoxResult
        Observed and expected counts, ratios, p-values and the verdict.

    Raises
    ------
    EmptyInputError
        With fewer than two events.
    ParameterError
        When the bands, the number of shuffles, ``fdr_q`` or the inputs' lengths are invalid.

    References
    ----------
    Knox, E. G. (1964). The detection of space-time interactions. Applied Statistics 13, 25-30.
    Townsley, M., Homel, R. and Chaseling, J. (2003). Infectious burglaries: a test of the near
    repeat hypothesis. British Journal of Criminology 43(3), 615-633.
    Johnson, S. D. and Bowers, K. J. (2004). The burglary as clue to the future: the beginnings
    of prospective hot-spotting. European Journal of Criminology 1(2), 237-255.
    Ratcliffe, J. H. (2009). Near Repeat Calculator (version 1.3). Temple University.
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    d = np.asarray(days)
    _check_bands(distance_bands_m, time_bands_days)
    problems = []
    if not (len(x) == len(y) == len(d)):
        problems.append(f"x_m, y_m and days differ in length ({len(x)}, {len(y)}, {len(d)})")
    if permutations < 1:
        problems.append(f"permutations must be at least 1; found {permutations}")
    if not 0 < fdr_q < 1:
        problems.append(f"fdr_q must lie between 0 and 1; found {fdr_q}")
    if not min_ratio >= 1:
        problems.append(f"min_ratio must be at least 1; found {min_ratio}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        problems.append("some coordinates are missing or infinite; drop events without a location")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg[0].upper() + msg[1:])
    if len(x) < 2:  # noqa: PLR2004 -- a pair needs two events
        msg = f"The Knox test needs at least 2 events; found {len(x)}. Widen the selection."
        raise EmptyInputError(msg)
    if metric not in ("euclidean", "manhattan"):
        msg = f"metric must be 'euclidean' or 'manhattan'; found {metric!r}."
        raise ParameterError(msg)
    observed, perm = _count_tables(
        x,
        y,
        d.astype(np.int64),
        distance_bands_m=distance_bands_m,
        time_bands_days=time_bands_days,
        metric=metric,
        permutations=permutations,
        seed=seed,
    )
    expected = perm.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1), np.nan)
    p_value = (1.0 + (perm >= observed[None]).sum(axis=0)) / (1.0 + permutations)
    p_fdr = adjust_p(p_value, method="fdr_bh")
    significant = (p_fdr <= fdr_q) & (np.nan_to_num(ratio, nan=0.0) > 1.0)
    return KnoxResult(
        n_events=len(x),
        distance_bands_m=tuple(float(b) for b in distance_bands_m),
        time_bands_days=tuple(int(b) for b in time_bands_days),
        distance_labels=_distance_labels(distance_bands_m),
        time_labels=_time_labels(time_bands_days),
        metric=metric,
        permutations=permutations,
        seed=seed,
        fdr_q=fdr_q,
        observed=observed,
        expected=expected.astype(np.float64),
        ratio=ratio.astype(np.float64),
        p_value=p_value.astype(np.float64),
        p_fdr=p_fdr,
        significant=significant,
        subject=subject,
        min_ratio=min_ratio,
    )


def knox_test(  # noqa: PLR0913 -- the test's documented settings
    events: gpd.GeoDataFrame,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    time_bands_days: Sequence[int] = DEFAULT_TIME_BANDS_DAYS,
    metric: DistanceMetric = "euclidean",
    permutations: int = DEFAULT_KNOX_PERMUTATIONS,
    seed: int = 0,
    fdr_q: float = DEFAULT_FDR_Q,
    min_ratio: float = DEFAULT_MIN_RATIO,
    subject: str = "events",
) -> KnoxResult:
    """
    Run the Knox test on dated events (a force extract's ``events``).

    Parameters
    ----------
    events
        Points in a projected CRS in metres with ``start`` and ``end`` (see
        :func:`event_days` for windows).
    distance_bands_m, time_bands_days, metric, permutations, seed, fdr_q, min_ratio, subject
        As for :func:`knox_test_xy`.

    Returns
    -------
    KnoxResult
        Observed and expected counts, ratios, p-values and the verdict.

    Raises
    ------
    CRSError
        When the events are not in a projected CRS in metres.
    EmptyInputError
        With fewer than two events.
    MissingColumnError
        Without ``start`` and ``end``.
    ParameterError
        When a setting is invalid.
    """
    require_projected_m(events, name="events")
    days = event_days(events)
    return knox_test_xy(
        events.geometry.x.to_numpy(),
        events.geometry.y.to_numpy(),
        days,
        distance_bands_m=distance_bands_m,
        time_bands_days=time_bands_days,
        metric=metric,
        permutations=permutations,
        seed=seed,
        fdr_q=fdr_q,
        min_ratio=min_ratio,
        subject=subject,
    )


@dataclass(frozen=True)
class KnoxWorkload:
    """
    What a Knox test has to count, and roughly how long its shuffles take.

    Attributes
    ----------
    n_events
        Events to test.
    n_pairs
        Pairs of events within the largest distance band: the pairs every shuffle counts
        (events at one point are counted together, so time grows more slowly than this).
    distance_m
        The largest distance band's upper bound, in metres.
    seconds_per_shuffle
        Estimated CPU seconds of one shuffle, from costs measured on a shared 2-core machine:
        a guide to within a factor of about two, not a promise.
    """

    n_events: int
    n_pairs: int
    distance_m: float
    seconds_per_shuffle: float

    def seconds(self, permutations: int) -> float:
        """Return the estimated seconds of a test with ``permutations`` shuffles."""
        return self.seconds_per_shuffle * (permutations + 1)

    def is_long(self, permutations: int) -> bool:
        """Say whether the test is estimated to take :data:`LONG_KNOX_RUN_S` or more."""
        return self.seconds(permutations) >= LONG_KNOX_RUN_S


def knox_workload(
    events: gpd.GeoDataFrame,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    time_bands_days: Sequence[int] = DEFAULT_TIME_BANDS_DAYS,
    metric: DistanceMetric = "euclidean",
) -> KnoxWorkload:
    """
    Estimate the work of :func:`knox_test` on ``events`` before running it.

    Finds the pairs within the largest distance band, as the test does first (a fraction of a
    second for a force's year), and prices the counting of one shuffle.

    Parameters
    ----------
    events
        As for :func:`knox_test`.
    distance_bands_m, time_bands_days, metric
        As for :func:`knox_test_xy`.

    Returns
    -------
    KnoxWorkload
        The pairs to count and the estimated time per shuffle.

    Raises
    ------
    CRSError
        When the events are not in a projected CRS in metres.
    MissingColumnError
        Without ``start`` and ``end``.
    ParameterError
        When the bands or the metric are invalid.
    """
    require_projected_m(events, name="events")
    _check_bands(distance_bands_m, time_bands_days)
    if metric not in ("euclidean", "manhattan"):
        msg = f"metric must be 'euclidean' or 'manhattan'; found {metric!r}."
        raise ParameterError(msg)
    days = event_days(events)
    reach = float(distance_bands_m[-1])
    if len(days) < 2:  # noqa: PLR2004 -- a pair needs two events
        return KnoxWorkload(
            n_events=len(days), n_pairs=0, distance_m=reach, seconds_per_shuffle=0.0
        )
    located = locations(
        np.asarray(events.geometry.x.to_numpy(), dtype=np.float64),
        np.asarray(events.geometry.y.to_numpy(), dtype=np.float64),
        bounds=np.asarray(distance_bands_m, dtype=np.float64),
        p_norm=2.0 if metric == "euclidean" else 1.0,
        same_location_m=SAME_LOCATION_M,
    )
    ns = ns_per_shuffle(
        located, span_days=int(days.max() - days.min()), time_bounds=list(time_bands_days)
    )
    return KnoxWorkload(
        n_events=len(days),
        n_pairs=located.n_event_pairs,
        distance_m=reach,
        seconds_per_shuffle=ns / 1e9,
    )


def parse_distance_bands(text: str) -> tuple[float, ...]:
    """
    Read Knox distance bands typed as ``0,100,200`` (``--distance-bands-m``, the app's box).

    Parameters
    ----------
    text
        Comma-separated upper bounds in metres.

    Returns
    -------
    tuple of float
        The bounds, as typed (their order is checked by :func:`knox_test`).

    Raises
    ------
    ParameterError
        When a value is not a number, naming the option and the app's box.

    Examples
    --------
    >>> parse_distance_bands("0, 100,200")
    (0.0, 100.0, 200.0)
    """
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        msg = (
            f"--distance-bands-m {text!r} (app: Distance bands (m)) is not a comma-separated list "
            "of numbers (e.g. 0,100,200,300,400)."
        )
        raise ParameterError(msg) from None


def parse_time_bands(text: str) -> tuple[int, ...]:
    """
    Read Knox time bands typed as ``7,14,21,28`` (``--time-bands-days``, the app's box).

    Parameters
    ----------
    text
        Comma-separated upper bounds in whole days.

    Returns
    -------
    tuple of int
        The bounds.

    Raises
    ------
    ParameterError
        When a value is not a whole number of days, naming the option and the app's box.

    Examples
    --------
    >>> parse_time_bands("7,14")
    (7, 14)
    """
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = (0.5,)  # not numbers: the same advice as a fraction of a day
    if any(v != int(v) for v in values):
        msg = (
            f"--time-bands-days {text!r} (app: Time bands (days)): give whole days "
            "(e.g. 7,14,21,28)."
        )
        raise ParameterError(msg)
    return tuple(int(v) for v in values)
