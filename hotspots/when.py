"""
When crimes happen: the hour-of-week table, patrol windows and change in timing.

* :func:`hour_of_week` counts events in a 7 x 24 table (Monday first, local time). An event with
  an exact time counts 1 in its hour; an event known only to lie in a window ("between 18:00
  Friday and 08:00 Monday") is spread over the hours of the window in proportion to the time each
  hour shares with it (aoristic analysis, Ratcliffe 2002). Windows longer than a limit (7 days by
  default) say nothing about the hour and are counted apart.
* :func:`patrol_windows` finds the few blocks of consecutive hours (2-6 h, on named days) holding
  the largest share of the events, and says plainly when there is no time pattern.
* :func:`timing_change` tests whether the timing differs between two periods (a permutation test
  on the hour-of-week profile) and reports the shift of the average hour of the day.

The arithmetic is in whole seconds, so an event at 22:00 is in the 22:00 hour exactly.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, stats

from boundaries.select import crime_type_mask
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.incidents import midnight_note, recorded_at_midnight

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt
    from shapely.geometry.base import BaseGeometry

    from boundaries.dataset import StudyArea
    from spatial.incidents import IncidentReport

__all__ = [
    "DAY_NAMES",
    "DEFAULT_MAX_BLOCK_H",
    "DEFAULT_MAX_PATROL_WINDOWS",
    "DEFAULT_MAX_WINDOW_H",
    "DEFAULT_MIN_BLOCK_H",
    "DEFAULT_N_PERMUTATIONS",
    "HOURS_PER_WEEK",
    "MAX_BLOCK_H",
    "MIN_LIFT",
    "PATTERN_ALPHA",
    "WHEN_JSON_KEYS",
    "HourOfWeek",
    "PatrolWindow",
    "PatrolWindows",
    "TimingChange",
    "area_in_hours",
    "events_by_period",
    "events_in_hours",
    "hour_of_week",
    "hours_mask",
    "outside_wards_note",
    "patrol_windows",
    "rounded_table",
    "select_events",
    "selection_notes",
    "timing_change",
    "when_summary",
]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Rows of the hour-of-week table, Monday first."""
HOURS_PER_WEEK: Final = 168
MAX_BLOCK_H: Final = 23
"""The longest patrol window: 24 hours would be a whole day from an hour to the same hour."""
DEFAULT_MAX_WINDOW_H: Final = 168.0
"""Windows longer than this (7 days) are counted apart, not spread over the week."""
DEFAULT_MIN_BLOCK_H: Final = 2
DEFAULT_MAX_BLOCK_H: Final = 6
"""Patrol windows are blocks of 2 to 6 consecutive hours."""
DEFAULT_MAX_PATROL_WINDOWS: Final = 3
"""At most this many patrol windows (each may name several days)."""
MIN_LIFT: Final = 1.5
"""A block is a pattern only if it holds at least 1.5 times its share of the week's hours ..."""
PATTERN_ALPHA: Final = 0.01
"""... and the excess is significant at 1 % after a Bonferroni correction for every block tried."""
DEFAULT_N_PERMUTATIONS: Final = 999
_JOIN_SHARE: Final = 0.5
_S_PER_H: Final = 3600
_S_PER_WEEK: Final = HOURS_PER_WEEK * _S_PER_H
_MONDAY_EPOCH_S: Final = 4 * 86_400  # 1970-01-05 was a Monday


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class HourOfWeek:
    """
    Events per hour of the week.

    ``table.sum() == n_counted == n_exact + n_windows_spread`` (to rounding);
    ``n_events == n_counted + n_windows_too_long``.
    """

    table: npt.NDArray[np.float64]
    """7 x 24, rows Monday..Sunday, columns hours 0..23 (local time); aoristic counts."""
    n_events: int
    """Events given."""
    n_exact: int
    """Events with an exact time (``end == start``), each counted 1 in its hour."""
    n_windows_spread: int
    """Events with a window up to ``max_window_h``, spread over its hours."""
    n_windows_too_long: int
    """Events with a window longer than ``max_window_h``, not in the table."""
    max_window_h: float
    """The limit used."""

    @property
    def n_counted(self) -> int:
        """Events in the table."""
        return self.n_exact + self.n_windows_spread

    def frame(self) -> pd.DataFrame:
        """Return the table as a DataFrame: index day names, columns hours 0..23."""
        return pd.DataFrame(self.table, index=list(DAY_NAMES), columns=list(range(24)))


@dataclass(frozen=True)
class _Spans:
    """Event times in whole seconds since a Monday 00:00, split into exact and windowed."""

    exact_s: npt.NDArray[np.int64]
    window_start_s: npt.NDArray[np.int64]
    window_end_s: npt.NDArray[np.int64]
    exact_index: npt.NDArray[np.intp]
    window_index: npt.NDArray[np.intp]
    n_too_long: int


def _require_times(events: pd.DataFrame) -> None:
    missing = [c for c in ("start", "end") if c not in events.columns]
    if missing:
        msg = (
            f"The events have no {' or '.join(missing)} column (found "
            f"{', '.join(map(str, events.columns))}). Read force extracts with "
            "spatial.incidents.read_incidents: police.uk files carry the month only."
        )
        raise MissingColumnError(msg)


def _seconds(values: pd.Series) -> npt.NDArray[np.int64]:
    ns = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns // 1_000_000_000 - _MONDAY_EPOCH_S


def _spans(events: pd.DataFrame, *, max_window_h: float) -> _Spans:
    _require_times(events)
    if not np.isfinite(max_window_h) or max_window_h <= 0:
        msg = (
            f"--max-window-h must be a positive number of hours; got {max_window_h}. "
            "The default is 168 (7 days)."
        )
        raise ParameterError(msg)
    start = _seconds(events["start"])
    end = _seconds(events["end"])
    length = end - start
    if (length < 0).any():
        at = int(np.flatnonzero(length < 0)[0])
        msg = (
            f"{int((length < 0).sum())} events end before they start (first: position {at}). "
            "read_incidents sets such rows aside; do not build windows by hand."
        )
        raise ParameterError(msg)
    exact = length == 0
    spread = (length > 0) & (length <= max_window_h * _S_PER_H)
    return _Spans(
        exact_s=start[exact],
        window_start_s=start[spread],
        window_end_s=end[spread],
        exact_index=np.flatnonzero(exact),
        window_index=np.flatnonzero(spread),
        n_too_long=int((length > max_window_h * _S_PER_H).sum()),
    )


def _slot(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (seconds // _S_PER_H) % HOURS_PER_WEEK


def _aoristic_sum(
    start_s: npt.NDArray[np.int64], end_s: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """
    Sum over windows of the share of each window in each hour of the week, in O(n).

    A window [u, v) gives hour slot k the weight |{t in [u, v): hour-of-week(t) = k}| / (v - u).
    With H_k(x) the seconds of [0, x) in slot k, the weight is (H_k(v) - H_k(u)) / (v - u), and
    H_k(x) = 3600 * full_weeks(x) + (3600 if k < a else f if k == a else 0) where a is the slot of
    x and f its seconds into the slot: a bincount and a suffix sum.
    """
    out = np.zeros(HOURS_PER_WEEK, dtype=np.float64)
    if not len(start_s):
        return out
    density = 1.0 / (end_s - start_s).astype(np.float64)
    for x, sign in ((end_s, 1.0), (start_s, -1.0)):
        weeks = (x // _S_PER_WEEK).astype(np.float64)
        rem = x % _S_PER_WEEK
        slot = rem // _S_PER_H
        into = (rem % _S_PER_H).astype(np.float64)
        out += sign * _S_PER_H * float(np.dot(density, weeks))
        below = np.bincount(slot, weights=density * _S_PER_H, minlength=HOURS_PER_WEEK)
        suffix = np.cumsum(below[::-1])[::-1]  # sum over slots j >= k
        out += sign * np.append(suffix[1:], 0.0)  # slots k < a: sum over a > k
        out += sign * np.bincount(slot, weights=density * into, minlength=HOURS_PER_WEEK)
    return out


def hour_of_week(events: pd.DataFrame, *, max_window_h: float = DEFAULT_MAX_WINDOW_H) -> HourOfWeek:
    """
    Count events per hour of the week, spreading time windows aoristically.

    Parameters
    ----------
    events
        With naive local ``start`` and ``end`` (``datetime64``), as
        :func:`spatial.incidents.read_incidents` returns; ``end == start`` for an exact time.
    max_window_h
        Windows longer than this many hours are counted apart (``n_windows_too_long``).

    Returns
    -------
    HourOfWeek
        The 7 x 24 table (Monday first), summing to the events counted.

    Raises
    ------
    MissingColumnError
        When ``start`` or ``end`` is missing (police.uk data have months only).
    ParameterError
        When ``max_window_h`` is not positive or a window ends before it starts.

    References
    ----------
    Ratcliffe, J. H. (2002). Aoristic signatures and the spatio-temporal analysis of high volume
    crime patterns. Journal of Quantitative Criminology 18(1), 23-43.

    Examples
    --------
    >>> import pandas as pd
    >>> friday = pd.Timestamp("2025-01-03 22:00")
    >>> events = pd.DataFrame({"start": [friday, friday], "end": [friday, friday + pd.Timedelta(hours=2)]})
    >>> how = hour_of_week(events)
    >>> float(how.table[4, 22]), float(how.table[4, 23]), float(how.table.sum())
    (1.5, 0.5, 2.0)
    """  # noqa: E501 - a doctest line
    spans = _spans(events, max_window_h=max_window_h)
    flat = np.bincount(_slot(spans.exact_s), minlength=HOURS_PER_WEEK).astype(np.float64)
    flat += _aoristic_sum(spans.window_start_s, spans.window_end_s)
    return HourOfWeek(
        table=flat.reshape(7, 24),
        n_events=len(events),
        n_exact=len(spans.exact_s),
        n_windows_spread=len(spans.window_start_s),
        n_windows_too_long=spans.n_too_long,
        max_window_h=float(max_window_h),
    )


def _window_rows(
    start_s: npt.NDArray[np.int64], end_s: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Each window's share in each hour of the week, (n, 168): :func:`_aoristic_sum` by row."""
    k = np.arange(HOURS_PER_WEEK)

    def seconds_below(x: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        rem = (x % _S_PER_WEEK)[:, None]
        slot, into = rem // _S_PER_H, (rem % _S_PER_H).astype(np.float64)
        weeks = (x // _S_PER_WEEK).astype(np.float64)[:, None]
        return np.asarray(
            _S_PER_H * weeks + np.where(k < slot, _S_PER_H, 0.0) + np.where(k == slot, into, 0.0),
            dtype=np.float64,
        )

    length = (end_s - start_s).astype(np.float64)[:, None]
    return (seconds_below(end_s) - seconds_below(start_s)) / length


def _event_matrix(spans: _Spans, n_events: int) -> sparse.csr_array:
    """One row per event: its share in each hour of the week (rows of too-long windows are 0)."""
    rows = [spans.exact_index]
    cols = [_slot(spans.exact_s)]
    vals = [np.ones(len(spans.exact_s))]
    chunk = 2048
    for lo in range(0, len(spans.window_start_s), chunk):
        u = spans.window_start_s[lo : lo + chunk]
        v = spans.window_end_s[lo : lo + chunk]
        dense = _window_rows(u, v)
        r, c = np.nonzero(dense > 1e-12)  # noqa: PLR2004 - float dust from the differences
        rows.append(spans.window_index[lo : lo + chunk][r])
        cols.append(c.astype(np.int64))
        vals.append(dense[r, c])
    return sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_events, HOURS_PER_WEEK),
    )


# --------------------------------------------------------------------------- patrol windows


@dataclass(frozen=True)
class PatrolWindow:
    """A block of consecutive hours, on one or more days, holding a large share of events."""

    days: tuple[str, ...]
    """Days the block starts on (``"Fri"``); a block may run past midnight into the next day."""
    start_hour: int
    """First hour, 0-23."""
    end_hour: int
    """Hour the block ends (exclusive), 0-23; smaller than ``start_hour`` when it wraps."""
    share: float
    """Share of the events counted that fall in the block (all its days)."""
    hours_share: float
    """Share of the week's 168 hours the block covers."""
    text: str
    """A plain sentence: "Fri and Sat 22:00-03:00: 46% of violence, 6% of the week's hours."."""

    @property
    def length_h(self) -> int:
        """Hours per day of the block."""
        return (self.end_hour - self.start_hour) % 24 or 24

    @property
    def label(self) -> str:
        """Days and hours, e.g. ``Fri and Sat 22:00-03:00``."""
        return f"{_join_days(self.days)} {self.start_hour:02d}:00-{self.end_hour:02d}:00"

    def slots(self) -> tuple[int, ...]:
        """Return the hour-of-week slots (0 = Monday 00:00) the block covers."""
        return tuple(
            (DAY_NAMES.index(d) * 24 + self.start_hour + h) % HOURS_PER_WEEK
            for d in self.days
            for h in range(self.length_h)
        )


@dataclass(frozen=True)
class PatrolWindows:
    """The patrol windows of a selection and whether there is a time pattern at all."""

    windows: tuple[PatrolWindow, ...]
    """Best first; empty when there is no pattern."""
    has_pattern: bool
    """False when no block holds clearly more than its share of the week's hours."""
    text: str
    """One or more plain sentences for a briefing."""
    n_counted: int
    """Events in the hour-of-week table the windows were found in."""

    def mask(self) -> npt.NDArray[np.bool_]:
        """Return 168 hour-of-week flags, True in the windows' hours."""
        flags = np.zeros(HOURS_PER_WEEK, dtype=bool)
        for window in self.windows:
            flags[list(window.slots())] = True
        return flags


def _join_days(days: Sequence[str]) -> str:
    if len(days) == len(DAY_NAMES):
        return "Every day"
    return days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"


def _block_shares(p: npt.NDArray[np.float64], length: int) -> npt.NDArray[np.float64]:
    """Share of each block of ``length`` hours starting at each slot (wrapping the week)."""
    doubled = np.concatenate([[0.0], np.cumsum(np.concatenate([p, p]))])
    starts = np.arange(HOURS_PER_WEEK)
    return np.asarray(doubled[starts + length] - doubled[starts], dtype=np.float64)


def _best_block(
    p: npt.NDArray[np.float64], taken: npt.NDArray[np.bool_], lengths: range
) -> tuple[int, int, float] | None:
    """(start slot, length, excess share) of the free block with the largest excess."""
    best: tuple[int, int, float] | None = None
    for length in lengths:
        excess = _block_shares(p, length) - length / HOURS_PER_WEEK
        busy = _block_shares(taken.astype(np.float64), length) > 0
        excess[busy] = -np.inf
        k = int(np.argmax(excess))
        if best is None or excess[k] > best[2]:
            best = (k, length, float(excess[k]))
    return best


def _significant(share: float, hours_share: float, n: int, n_tests: int) -> bool:
    if n == 0 or share < MIN_LIFT * hours_share:
        return False
    k = round(share * n)
    return bool(stats.binom.sf(k - 1, n, hours_share) < PATTERN_ALPHA / n_tests)


def patrol_windows(
    how: HourOfWeek,
    *,
    what: str = "events",
    min_hours: int = DEFAULT_MIN_BLOCK_H,
    max_hours: int = DEFAULT_MAX_BLOCK_H,
    max_windows: int = DEFAULT_MAX_PATROL_WINDOWS,
) -> PatrolWindows:
    """
    Find the few blocks of consecutive hours that hold the largest share of events.

    Greedy: the block of ``min_hours`` to ``max_hours`` hours with the largest excess share
    (share minus its share of the week's hours, so a block takes in just the hours busier than
    average) is chosen; the same hours on other days join it when their excess is at least half
    as large ("Fri and Sat 22:00-03:00"); its hours are removed and the search repeats. A block is
    kept only when it holds at least :data:`MIN_LIFT` times its hours' share and a one-sided
    binomial test against the hours' share is significant at :data:`PATTERN_ALPHA` after a
    Bonferroni correction for the 168 x (``max_hours`` - ``min_hours`` + 1) blocks searched.

    Parameters
    ----------
    how
        The hour-of-week table of the selection (:func:`hour_of_week`).
    what
        What the events are, for the sentences ("violence in Castle's hotspot").
    min_hours, max_hours
        Length of a block in hours.
    max_windows
        Most windows returned.

    Returns
    -------
    PatrolWindows
        The windows, best first, and sentences; ``has_pattern`` is False when none qualifies.

    Raises
    ------
    ParameterError
        When the block lengths are not 1 <= ``min_hours`` <= ``max_hours`` <= 23 (a block of
        24 hours is a whole day, from any hour to the same hour: no window to patrol).
    """
    if not 1 <= min_hours <= max_hours <= MAX_BLOCK_H:
        msg = (
            f"Patrol windows last 1 to {MAX_BLOCK_H} hours, the shortest no longer than the "
            f"longest; got {min_hours} to {max_hours} (command: --block-hours MIN-MAX, e.g. 2-6)."
        )
        raise ParameterError(msg)
    n = how.n_counted
    total = float(how.table.sum())
    p = how.table.ravel() / total if total > 0 else np.zeros(HOURS_PER_WEEK)
    n_tests = HOURS_PER_WEEK * (max_hours - min_hours + 1)
    taken = np.zeros(HOURS_PER_WEEK, dtype=bool)
    windows: list[PatrolWindow] = []
    first_best: PatrolWindow | None = None
    while len(windows) < max_windows and total > 0:
        best = _best_block(p, taken, range(min_hours, max_hours + 1))
        if best is None or best[2] <= 0:
            break
        window = _grow_days(p, taken, best, what=what)
        first_best = first_best or window
        if not _significant(window.share, window.hours_share, n, n_tests):
            break
        windows.append(window)
        taken[list(window.slots())] = True
    return PatrolWindows(
        windows=tuple(windows),
        has_pattern=bool(windows),
        text=_summary(windows, first_best, what=what, min_hours=min_hours, max_hours=max_hours),
        n_counted=n,
    )


def _grow_days(
    p: npt.NDArray[np.float64],
    taken: npt.NDArray[np.bool_],
    best: tuple[int, int, float],
    *,
    what: str,
) -> PatrolWindow:
    """Join to the best block the same hours on other days that are nearly as busy."""
    start, length, excess = best
    hour = start % 24
    shares = _block_shares(p, length)
    busy = _block_shares(taken.astype(np.float64), length) > 0
    days = []
    for d in range(7):
        k = d * 24 + hour
        if k == start or (
            not busy[k] and shares[k] - length / HOURS_PER_WEEK >= _JOIN_SHARE * excess
        ):
            days.append(DAY_NAMES[d])
    share = float(sum(shares[DAY_NAMES.index(d) * 24 + hour] for d in days))
    hours_share = length * len(days) / HOURS_PER_WEEK
    end = (hour + length) % 24
    label = f"{_join_days(days)} {hour:02d}:00-{end:02d}:00"
    text = f"{label}: {share:.0%} of {what}, {hours_share:.0%} of the week's hours."
    return PatrolWindow(tuple(days), hour, end, share, hours_share, text)


def _summary(
    windows: Sequence[PatrolWindow],
    first_best: PatrolWindow | None,
    *,
    what: str,
    min_hours: int,
    max_hours: int,
) -> str:
    if windows:
        return " ".join(w.text for w in windows)
    if first_best is None:
        return f"No {what} to find a time pattern in."
    return (
        f"No clear time pattern: no block of {min_hours}-{max_hours} hours holds clearly more "
        f"than its share of {what} (the busiest, {first_best.label}, holds "
        f"{first_best.share:.0%} in {first_best.hours_share:.0%} of the week's hours)."
    )


# --------------------------------------------------------------------------- hours of the week

_HOURS_RE: Final = re.compile(
    r"^(?P<d1>[A-Za-z]{3})(?:-(?P<d2>[A-Za-z]{3}))?\s+(?P<h1>\d{1,2})(?::00)?-(?P<h2>\d{1,2})(?::00)?$"
)
_HOURS_BOX: Final = "(app: Hours of the week)"
"""Where ``--hours`` goes in the app (the Exports page's box for a force extract)."""


def hours_mask(text: str) -> npt.NDArray[np.bool_]:
    """
    Parse ``"Fri 22-03,Sat 22-03"`` (or ``"Mon-Fri 09-17"``) into 168 hour-of-week flags.

    A block runs from its start hour on the named day to its end hour, past midnight when the end
    is smaller ("Fri 22-03" is Friday 22:00 to Saturday 03:00).

    Parameters
    ----------
    text
        Comma-separated ``Day[-Day] HH-HH`` blocks, days as Mon..Sun.

    Returns
    -------
    numpy.ndarray
        Boolean, 168 long, slot 0 = Monday 00:00-01:00.

    Raises
    ------
    ParameterError
        When a block cannot be read.

    Examples
    --------
    >>> mask = hours_mask("Fri 22-03,Sat 22-03")
    >>> int(mask.sum()), bool(mask[4 * 24 + 22]), bool(mask[5 * 24 + 2]), bool(mask[5 * 24 + 3])
    (10, True, True, False)
    """
    mask = np.zeros(HOURS_PER_WEEK, dtype=bool)
    names = [d.lower() for d in DAY_NAMES]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        msg = (
            f"--hours {_HOURS_BOX}: no blocks given. Write blocks like 'Fri 22-03' or "
            "'Mon-Fri 09-17'."
        )
        raise ParameterError(msg)
    for part in parts:
        m = _HOURS_RE.match(part)
        d1 = m and m["d1"].lower()
        d2 = m and (m["d2"] or m["d1"]).lower()
        if not m or d1 not in names or d2 not in names or int(m["h1"]) > 23 or int(m["h2"]) > 24:  # noqa: PLR2004
            msg = (
                f"--hours {_HOURS_BOX}: cannot read {part!r}. Write blocks like 'Fri 22-03' or "
                "'Mon-Fri 09-17', separated by commas (days Mon..Sun, hours 0-24)."
            )
            raise ParameterError(msg)
        first, last = names.index(str(d1)), names.index(str(d2))
        h1, h2 = int(m["h1"]), int(m["h2"])
        length = (h2 - h1) % 24 or 24
        for d in range(first, (last if last >= first else last + 7) + 1):
            mask[[(d % 7 * 24 + h1 + h) % HOURS_PER_WEEK for h in range(length)]] = True
    return mask


def events_in_hours(
    events: FrameT,
    mask: npt.NDArray[np.bool_],
    *,
    max_window_h: float = DEFAULT_MAX_WINDOW_H,
) -> FrameT:
    """
    Keep the events that fall mostly within the flagged hours of the week.

    An exact time is kept when its hour is flagged; a window when at least half of it lies in
    flagged hours; a window longer than ``max_window_h`` never.

    Parameters
    ----------
    events
        With ``start`` and ``end``.
    mask
        168 flags, e.g. from :func:`hours_mask`.
    max_window_h
        As in :func:`hour_of_week`.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The kept rows, index kept, of the type given.

    Raises
    ------
    MissingColumnError
        When ``start`` or ``end`` is missing.
    """
    spans = _spans(events, max_window_h=max_window_h)
    share = _event_matrix(spans, len(events)) @ mask.astype(np.float64)
    return events.loc[np.asarray(share) >= 0.5]  # noqa: PLR2004 - half the window


def area_in_hours(area: StudyArea, hours: str) -> StudyArea:
    """
    Keep only the crimes of a force extract's study area that fall in some hours of the week.

    The one rule of ``--hours`` for the commands that load a study area (``export``,
    ``brief``, ``hotspots`` and the rest) and of the Exports page's Hours of the week:
    :func:`events_in_hours` of the area's crimes with :func:`hours_mask` of ``hours``. The
    area says so: in :attr:`~boundaries.dataset.StudyArea.hours`, which files made of it
    record among their filters, and in a note.

    Parameters
    ----------
    area
        A study area of timed crimes (``start`` and ``end``), as a force extract gives.
    hours
        Blocks of the week, e.g. ``"Fri 22-03,Sat 22-03"`` (:func:`hours_mask`).

    Returns
    -------
    StudyArea
        The same area with only those crimes in ``points`` and ``outside_wards`` (index kept),
        ``hours`` set to the blocks as written (outer spaces dropped) and a note saying so.
        The load (``crimes``) keeps every row read, so a summary counts the others apart
        (:attr:`boundaries.select.Summary.n_outside_hours`).

    Raises
    ------
    ParameterError
        When ``hours`` cannot be read (the message names ``--hours`` and the app's box).
    MissingColumnError
        When the crimes have no ``start`` or ``end`` (data.police.uk months).
    """
    text = hours.strip()
    mask = hours_mask(text)
    return dataclasses.replace(
        area,
        points=events_in_hours(area.points, mask),
        outside_wards=events_in_hours(area.outside_wards, mask),
        notes=(*area.notes, f"Only crimes in the hours {text}."),
        hours=text,
    )


def n_recorded_at_midnight(events: pd.DataFrame) -> int:
    """
    Count the events recorded at exactly 00:00, often meaning "time unknown", in a selection.

    Read from ``at_midnight`` (:data:`spatial.incidents.INCIDENT_COLUMNS`), which keeps the
    recorded time whatever the ``midnight`` rule made of it; events without that column are
    counted by the same rule, :func:`spatial.incidents.recorded_at_midnight` (an exact time at
    00:00: not a window from 00:00, not a whole day).

    Parameters
    ----------
    events
        With ``at_midnight``, or ``start`` and ``end``.

    Returns
    -------
    int
        The number of those events.

    Examples
    --------
    >>> t = pd.to_datetime(["2025-01-03 00:00", "2025-01-03 00:10", "2025-01-04 00:00"])
    >>> n_recorded_at_midnight(pd.DataFrame({"start": t, "end": t}))
    2
    """
    if "at_midnight" in events.columns:
        return int(events["at_midnight"].sum())
    return int(recorded_at_midnight(events["start"], events["end"]).sum())


def selection_notes(report: IncidentReport, events: pd.DataFrame) -> list[str]:
    """
    Return the extract's notes, its 00:00 sentence about ``events`` when they are a selection.

    The load report counts the events recorded at exactly 00:00 in the whole extract; a
    selection (places, types, months, hours) answers with its own count
    (:func:`n_recorded_at_midnight`), so its notes say that count, with the extract's beside it.

    Parameters
    ----------
    report
        The extract's load report.
    events
        The events selected (all of the extract's when nothing was selected).

    Returns
    -------
    list of str
        The report's notes, in order, the 00:00 sentence rewritten for a selection (an extract
        with no event at 00:00 has no such sentence, nor can a selection of it need one).
    """
    notes = list(report.notes)
    n_selected, n_midnight = len(events), n_recorded_at_midnight(events)
    whole = midnight_note(report.n_at_midnight, report.n_events, midnight=report.midnight)
    if n_selected == report.n_events or whole not in notes:
        return notes
    notes[notes.index(whole)] = midnight_note(
        n_midnight, n_selected, midnight=report.midnight, n_in_extract=report.n_at_midnight
    )
    return notes


def outside_wards_note(events: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> str | None:
    """
    Say how many events of a whole-extract count lie outside the ward boundaries, if any.

    The whole extract is counted wherever its events lie; every other answer over wards counts
    those inside them alone, so the count says the difference.

    Parameters
    ----------
    events
        The events counted (points, in the wards' CRS).
    wards
        The ward boundaries loaded beside the extract.

    Returns
    -------
    str or None
        The sentence, or None when every event lies in a ward.
    """
    inside = np.asarray(events.geometry.intersects(wards.union_all()), dtype=bool)
    n_out = int((~inside).sum())
    if not n_out:
        return None
    lie = "lies" if n_out == 1 else "lie"
    return (
        f"Area: the whole extract. {n_out:,} of its {len(events):,} crimes {lie} outside the "
        "wards; choose wards or a neighbourhood to count the crimes inside them alone."
    )


# --------------------------------------------------------------------------- selections


def select_events(
    events: FrameT,
    *,
    area: BaseGeometry | None = None,
    crime_types: Sequence[str] | None = None,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
) -> FrameT:
    """
    Events inside an area, of some crime types, starting in a date range.

    Parameters
    ----------
    events
        :attr:`spatial.incidents.Incidents.events` (points), or its :attr:`~spatial.incidents.
        Incidents.table` (no points) when no area is given.
    area
        A polygon in the events' CRS (a ward, a hotspot, a problem's patrol area).
    crime_types
        Keep these values of ``crime_type``.
    start, end
        Keep events starting on or after ``start`` and before ``end``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The selected rows (same type as ``events``), index kept.

    Raises
    ------
    EmptyInputError
        When the selection is empty.
    ParameterError
        When an area is given for events without points.
    """
    keep = np.ones(len(events), dtype=bool)
    if area is not None:
        if not isinstance(events, gpd.GeoDataFrame):
            msg = "An area selection needs the events' points (Incidents.events, not .table)."
            raise ParameterError(msg)
        keep &= np.asarray(events.geometry.intersects(area), dtype=bool)
    if crime_types is not None:
        keep &= crime_type_mask(events["crime_type"], crime_types).to_numpy()
    if start is not None:
        keep &= (events["start"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (events["start"] < pd.Timestamp(end)).to_numpy()
    if not keep.any():
        msg = (
            f"No events in the selection (of {len(events)}). Widen the area, the crime types "
            "or the dates."
        )
        raise EmptyInputError(msg)
    return events.loc[keep]


def events_by_period(
    events: pd.DataFrame, *, freq: Literal["month", "week", "day"] = "month"
) -> pd.DataFrame:
    """
    Events per calendar month, week (Monday first) or day, by the start of their window.

    Parameters
    ----------
    events
        With ``start``.
    freq
        The period.

    Returns
    -------
    pandas.DataFrame
        ``period_start`` (timestamp) and ``n_events``, every period between the first and last
        event present (zeros included).

    Raises
    ------
    MissingColumnError
        When ``start`` is missing.
    """
    _require_times(events)
    code = {"month": "M", "week": "W-SUN", "day": "D"}[freq]
    periods = events["start"].dt.to_period(code)
    counts = periods.value_counts().sort_index()
    if counts.empty:
        return pd.DataFrame({"period_start": pd.Series(dtype="datetime64[ns]"), "n_events": []})
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=code)
    counts = counts.reindex(full, fill_value=0)
    return pd.DataFrame(
        {
            "period_start": full.start_time.astype("datetime64[ns]"),
            "n_events": counts.to_numpy(dtype=np.int64),
        }
    )


# --------------------------------------------------------------------------- change in timing


@dataclass(frozen=True)
class TimingChange:
    """Whether and how the timing differs between two periods."""

    distance: float
    """Total variation distance between the two hour-of-week profiles (0 same, 1 disjoint)."""
    p_value: float
    """Permutation p-value of ``distance`` (events shuffled between the periods)."""
    mean_hour_before: float
    mean_hour_after: float
    """Circular mean hour of the day (0-24) of each period."""
    shift_h: float
    """``mean_hour_after - mean_hour_before`` on the clock, -12..12 (positive: later)."""
    shift_p_value: float
    """Permutation p-value of ``|shift_h|``."""
    n_before: int
    n_after: int
    """Events counted in each period."""
    n_permutations: int
    text: str
    """A plain sentence."""


def _profiles(
    matrix: sparse.csr_array, labels: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Hour-of-week profiles (shares) of the rows labelled True and False; ``labels`` is (n, m)."""
    z = labels.astype(np.float64)
    after = np.asarray((matrix.T @ z).T, dtype=np.float64)
    before = np.asarray((matrix.T @ (1.0 - z)).T, dtype=np.float64)
    return (
        before / before.sum(axis=1, keepdims=True),
        after / after.sum(axis=1, keepdims=True),
    )


def _mean_hour(profile: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Circular mean hour of the day of hour-of-week profiles (rows), hours as their middles."""
    by_hour = profile.reshape(-1, 7, 24).sum(axis=1)
    angle = 2 * np.pi * (np.arange(24) + 0.5) / 24
    c, s = by_hour @ np.cos(angle), by_hour @ np.sin(angle)
    return np.asarray(np.arctan2(s, c) % (2 * np.pi) * 24 / (2 * np.pi), dtype=np.float64)


def _clock_diff(
    after: npt.NDArray[np.float64], before: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return np.asarray((after - before + 12) % 24 - 12, dtype=np.float64)


def timing_change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    n_permutations: int = DEFAULT_N_PERMUTATIONS,
    seed: int = 0,
    max_window_h: float = DEFAULT_MAX_WINDOW_H,
    what: str = "events",
) -> TimingChange:
    """
    Test whether the timing of events changed between two periods.

    The statistic is the total variation distance between the two aoristic hour-of-week profiles;
    its null distribution comes from shuffling events between the periods (a permutation test).
    A chi-square test of the 2 x 168 table is not used: aoristic counts are fractions, not counts,
    and most of the 168 cells hold too few events for its approximation. The circular mean hour of
    the day answers "did it move later?"; its shift is tested on the same permutations.

    Parameters
    ----------
    before, after
        Events of each period, with ``start`` and ``end``.
    n_permutations
        Random relabellings; the smallest p-value possible is 1 / (n_permutations + 1).
    seed
        Seed of the permutations.
    max_window_h
        As in :func:`hour_of_week`.
    what
        What the events are, for the sentence.

    Returns
    -------
    TimingChange
        Distance, p-values, mean hours and a sentence.

    Raises
    ------
    EmptyInputError
        When a period has no events with a usable time.
    ParameterError
        When ``n_permutations`` is below 99.

    References
    ----------
    Fisher, N. I. (1993). Statistical Analysis of Circular Data. Cambridge University Press.
    Good, P. (2005). Permutation, Parametric and Bootstrap Tests of Hypotheses. Springer.
    """
    if n_permutations < 99:  # noqa: PLR2004
        msg = f"n_permutations must be at least 99; got {n_permutations}. The default is 999."
        raise ParameterError(msg)
    both = pd.concat([before[["start", "end"]], after[["start", "end"]]], ignore_index=True)
    spans = _spans(both, max_window_h=max_window_h)
    matrix = _event_matrix(spans, len(both))
    counted = np.asarray(matrix.sum(axis=1)) > 0
    matrix = matrix[np.flatnonzero(counted)]
    is_after = (np.arange(len(both)) >= len(before))[counted]
    n_after, n_before = int(is_after.sum()), int((~is_after).sum())
    if n_after == 0 or n_before == 0:
        msg = f"Each period needs events with a time; found {n_before} before and {n_after} after."
        raise EmptyInputError(msg)
    p_before, p_after = _profiles(matrix, is_after[:, None])
    distance = float(0.5 * np.abs(p_after - p_before).sum())
    hour_before, hour_after = _mean_hour(p_before)[0], _mean_hour(p_after)[0]
    shift = float(_clock_diff(np.array([hour_after]), np.array([hour_before]))[0])
    rng = np.random.default_rng(seed)
    n_far = n_shift = 0
    for lo in range(0, n_permutations, 100):
        m = min(100, n_permutations - lo)
        labels = np.stack([rng.permutation(is_after) for _ in range(m)], axis=1)
        pb, pa = _profiles(matrix, labels)
        n_far += int((0.5 * np.abs(pa - pb).sum(axis=1) >= distance - 1e-12).sum())
        shifts = np.abs(_clock_diff(_mean_hour(pa), _mean_hour(pb)))
        n_shift += int((shifts >= abs(shift) - 1e-12).sum())
    p_value = (n_far + 1) / (n_permutations + 1)
    shift_p = (n_shift + 1) / (n_permutations + 1)
    return TimingChange(
        distance=distance, p_value=p_value, mean_hour_before=float(hour_before),
        mean_hour_after=float(hour_after), shift_h=shift, shift_p_value=shift_p,
        n_before=n_before, n_after=n_after, n_permutations=n_permutations,
        text=_change_text(
            distance, p_value, float(hour_before), float(hour_after), shift, shift_p, what
        ),
    )  # fmt: skip


def _clock(hour: float) -> str:
    minutes = round(hour * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _change_text(
    distance: float,
    p_value: float,
    before: float,
    after: float,
    shift: float,
    shift_p: float,
    what: str,
) -> str:
    significant = p_value < 0.05  # noqa: PLR2004
    head = (
        f"The timing of {what} changed (p = {p_value:.3f}, {distance:.0%} of events would have "
        "to move to another hour of the week)"
        if significant
        else f"No significant change in the timing of {what} (p = {p_value:.3f})"
    )
    direction = "later" if shift > 0 else "earlier"
    moved = (
        f"; the average hour moved {abs(shift):.1f} h {direction} ({_clock(before)} to "
        f"{_clock(after)}, p = {shift_p:.3f})."
        if shift_p < 0.05  # noqa: PLR2004
        else f"; the average hour stayed near {_clock(after)} (was {_clock(before)})."
    )
    return head + moved


# --------------------------------------------------------------------------- summary

WHEN_JSON_KEYS: Final = (
    "n_events",
    "n_without_time",
    "n_windows_spread",
    "n_windows_too_long",
    "n_at_midnight",
    "hour_of_week",
    "patrol_windows",
    "notes",
)
"""Keys of :func:`when_summary`, the ``patchmap when --json`` answer."""


def rounded_table(table: npt.NDArray[np.float64], decimals: int = 4) -> npt.NDArray[np.float64]:
    """
    Round an hour-of-week table to ``decimals`` places, keeping its total.

    Rounding each of 168 aoristic fractions on its own lets the table drift from the events
    it counts (3 events could show 3.0008). Here each cell is rounded down to the unit
    ``10**-decimals`` and the units left over go to the cells with the largest remainders (the
    largest remainder method), so the cells sum to the total rounded once, and each cell moves
    by less than one unit. Negative dust from suffix sums (-1e-17) becomes 0.

    Parameters
    ----------
    table
        Events per hour of week (any shape; usually 7 x 24).
    decimals
        Places kept.

    Returns
    -------
    numpy.ndarray
        The table rounded, same shape.

    Examples
    --------
    >>> rounded_table(np.array([1 / 3, 1 / 3, 1 / 3]), decimals=2).tolist()
    [0.34, 0.33, 0.33]
    """
    unit = 10.0**decimals
    scaled = np.clip(np.asarray(table, dtype=np.float64), 0.0, None) * unit
    floor = np.floor(scaled)
    short = round(float(scaled.sum()) - float(floor.sum()))
    order = np.argsort(-(scaled - floor), axis=None, kind="stable")[: max(short, 0)]
    floor.flat[order] += 1
    return np.round(floor / unit, decimals)


def when_summary(
    how: HourOfWeek,
    windows: PatrolWindows,
    *,
    n_without_time: int = 0,
    n_at_midnight: int = 0,
    notes: Sequence[str] = (),
) -> dict[str, object]:
    """
    Return the hour-of-week answer as plain data (the CLI's ``--json``; the app's download).

    Parameters
    ----------
    how
        The table of the selection.
    windows
        Its patrol windows.
    n_without_time
        The extract's rows without a date (:class:`spatial.incidents.IncidentReport`): no
        selection by place, type or time can place them, so they are the extract's.
    n_at_midnight
        Events of the selection recorded at exactly 00:00 (:func:`n_recorded_at_midnight`).
    notes
        Remarks to pass on (the load report's notes, the "no pattern" sentence).

    Returns
    -------
    dict
        Exactly the keys :data:`WHEN_JSON_KEYS`; ``hour_of_week`` is 7 lists of 24 numbers
        (Monday first), rounded to 4 decimals so that they still sum to the events the table
        counts (:func:`rounded_table`).
    """
    notes_out = list(notes)
    if not windows.has_pattern:
        notes_out.append(windows.text)
    return {
        "n_events": how.n_events,
        "n_without_time": n_without_time,
        "n_windows_spread": how.n_windows_spread,
        "n_windows_too_long": how.n_windows_too_long,
        "n_at_midnight": n_at_midnight,
        "hour_of_week": rounded_table(how.table).tolist(),
        "patrol_windows": [
            {
                "days": list(w.days),
                "start_hour": w.start_hour,
                "end_hour": w.end_hour,
                "share": round(w.share, 4),
                "hours_share": round(w.hours_share, 4),
                "text": w.text,
            }
            for w in windows.windows
        ],
        "notes": notes_out,
    }
