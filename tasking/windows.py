"""
Patrol windows for ranked problems: when, as well as where, to task a joint patrol.

:func:`problem_patrol_windows` takes the problems of :func:`tasking.problems.flag_problems` and the
timed events of a force extract, and gives each problem the blocks of hours (on named days) that
hold most of its crimes inside its patrol area, found by :func:`hotspots.when.patrol_windows`.
Problems found in data.police.uk files (month only) get :data:`tasking.problems.TIME_OF_DAY_NOTE`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components

from boundaries.assign import assign_wards
from boundaries.select import crime_type_mask
from hotspots.gistar import gi_star, spatial_weights
from hotspots.when import DEFAULT_MAX_WINDOW_H, hour_of_week, patrol_windows
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.grid import count_points, make_grid
from spatial.incidents import incidents_to_crimes
from spatial.wording import count_text
from tasking.problems import DEFAULT_CELL_SIZE_M, HOT_BIN, TIME_OF_DAY_NOTE, flag_problems

if TYPE_CHECKING:
    from collections.abc import Sequence

    from spatial.incidents import Incidents

__all__ = [
    "HOT_AREA_COLUMNS",
    "MIN_TIMED_EVENTS",
    "PATROL_WINDOW_COLUMNS",
    "extract_problems",
    "hot_areas",
    "problem_patrol_windows",
    "window_in",
    "with_window",
]

PATROL_WINDOW_COLUMNS: Final = (
    "patrol_window",
    "patrol_window_text",
    "patrol_window_share",
    "n_timed",
)
"""Columns :func:`problem_patrol_windows` adds: the best window's days and hours ("Fri and Sat
22:00-03:00", empty without a pattern), the sentences, the best window's share and the number of
timed events of the problem's type in its area."""
HOT_AREA_COLUMNS: Final = ("label", "n_cells", "n_crimes", "geometry")
"""Columns of :func:`hot_areas`."""
MIN_TIMED_EVENTS: Final = 10
"""Fewer timed events than this in a patrol area say nothing about its hours."""


def problem_patrol_windows(
    problems: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame | None,
    *,
    max_windows: int = 2,
    max_window_h: float = DEFAULT_MAX_WINDOW_H,
) -> gpd.GeoDataFrame:
    """
    Add the patrol windows of each problem's crime type inside its patrol area.

    Parameters
    ----------
    problems
        As returned by :func:`tasking.problems.flag_problems` (EPSG:27700).
    events
        Timed events in EPSG:27700 (``crime_type``, ``start``, ``end``), e.g. from
        :func:`spatial.incidents.read_incidents`; None for police.uk data (months only).
    max_windows
        Most windows per problem.
    max_window_h
        Windows longer than this are not spread (:func:`hotspots.when.hour_of_week`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``problems`` with :data:`PATROL_WINDOW_COLUMNS`.

    Raises
    ------
    CRSError
        When a frame is not in EPSG:27700.
    MissingColumnError
        When ``events`` lack ``crime_type``, ``start`` or ``end``.
    """
    require_bng(problems, name="problems")
    out = problems.copy()
    n = len(out)
    labels, texts = [""] * n, [TIME_OF_DAY_NOTE] * n
    shares, counts = np.zeros(n), np.zeros(n, dtype=np.int64)
    if events is not None:
        require_bng(events, name="timed events")
        missing = [c for c in ("crime_type", "start", "end") if c not in events.columns]
        if missing:
            msg = f"The timed events lack {', '.join(missing)}; read them with read_incidents."
            raise MissingColumnError(msg)
        geometries = list(out.geometry)
        for i, (crime_type, shape) in enumerate(zip(out["crime_type"], geometries, strict=True)):
            near = events.geometry.intersects(shape).to_numpy(dtype=bool)
            inside = events.loc[(events["crime_type"] == crime_type).to_numpy() & near]
            counts[i] = len(inside)
            if len(inside) < MIN_TIMED_EVENTS:
                texts[i] = f"Too few timed crimes ({len(inside)}) in the area to find patrol hours."
                continue
            what = f"{str(crime_type).lower()} in this patrol area"
            found = patrol_windows(
                hour_of_week(inside, max_window_h=max_window_h),
                what=what,
                max_windows=max_windows,
            )
            texts[i] = found.text
            if found.windows:
                labels[i] = "; ".join(w.label for w in found.windows)
                shares[i] = found.windows[0].share
    out["patrol_window"] = labels
    out["patrol_window_text"] = texts
    out["patrol_window_share"] = shares
    out["n_timed"] = counts
    return out


def hot_areas(
    events: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    crime_types: Sequence[str] | None = None,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
) -> gpd.GeoDataFrame:
    """
    Find the Gi* hot areas of timed events: where to look at the hours of a hotspot.

    The events are counted on square cells over the wards and tested with Getis-Ord Gi* (queen
    contiguity, Benjamini-Hochberg); cells hot at 95 % or more that hold events are joined where
    they share an edge or a corner, the rule :func:`tasking.problems.flag_problems` groups hot
    cells by.

    Parameters
    ----------
    events
        Timed events in EPSG:27700 (from :func:`spatial.incidents.read_incidents`).
    wards
        The wards to grid (EPSG:27700).
    crime_types
        Count only these values of ``crime_type`` (None: every event).
    cell_size_m
        Side of the square cells in metres (as the problem ranking's).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`HOT_AREA_COLUMNS`, one row per hot area, most events first; ``label`` is
        ``"Hot area 1 (4 cells of 150 m, 93 crimes)"``: the cells' size says it is not the
        Hotspots page's hot area of that number (its cells are sized automatically). Empty
        (same columns) when no cell is hot.

    Raises
    ------
    CRSError
        When a frame is not in EPSG:27700.
    EmptyInputError
        When no event is of the crime types.

    References
    ----------
    Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of distance
    statistics. Geographical Analysis 24(3), 189-206.
    """
    require_bng(events, name="timed events")
    require_bng(wards, name="wards")
    if crime_types is not None:
        events = events.loc[crime_type_mask(events["crime_type"], crime_types).to_numpy()]
    if events.empty:
        msg = "No timed events of the chosen crime types to find hot areas in. Choose other types."
        raise EmptyInputError(msg)
    grid = make_grid(wards, cell_size_m=cell_size_m)
    counts = count_points(events, grid)
    gi_bin = gi_star(counts, grid=grid).cells["gi_bin"].to_numpy()
    hot = np.flatnonzero((gi_bin >= HOT_BIN) & (counts > 0))
    _, labels = connected_components(spatial_weights(grid)[hot][:, hot], directed=False)
    cells = grid.cells.geometry.to_numpy()
    points = events.geometry.to_numpy()
    outlines = [shapely.union_all(cells[hot[labels == k]]) for k in np.unique(labels)]
    shapely.prepare(outlines)
    # an area's events are those its outline holds, edge included, as the When page and `when`
    # select them (a point on the outer edge counts, though the grid put it in a cell beside)
    rows = [
        (int((labels == k).sum()), float(shapely.intersects(outline, points).sum()), outline)
        for k, outline in zip(np.unique(labels), outlines, strict=True)
    ]
    rows.sort(key=lambda r: (-r[1], -r[0]))
    return gpd.GeoDataFrame(
        {
            "label": [
                f"Hot area {i + 1} ({count_text(n, 'cell')} of {cell_size_m:g} m, "
                f"{count_text(round(c))})"
                for i, (n, c, _) in enumerate(rows)
            ],
            "n_cells": np.array([r[0] for r in rows], dtype=np.int64),
            "n_crimes": np.array([r[1] for r in rows], dtype=np.float64),
        },
        geometry=[r[2] for r in rows],
        crs=BNG,
    )


def extract_problems(
    incidents: Incidents,
    wards: gpd.GeoDataFrame,
    *,
    months: tuple[str, str],
    crime_types: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """
    Rank the problems of a force extract's crimes, each with its patrol windows.

    The When page's "problem's patrol area" and ``patchmap when --problem N`` both list these.

    Parameters
    ----------
    incidents
        From :func:`spatial.incidents.read_incidents`, in EPSG:27700.
    wards
        The wards the problems are ranked in (EPSG:27700).
    months
        First and last month (``"YYYY-MM"``) of the crimes ranked.
    crime_types
        Rank only these values of ``crime_type`` (None: every type).

    Returns
    -------
    geopandas.GeoDataFrame
        :func:`tasking.problems.flag_problems`'s problems (best first) with
        :data:`PATROL_WINDOW_COLUMNS`.

    Raises
    ------
    CRSError
        When the extract lies outside Great Britain.
    """
    crimes = assign_wards(incidents_to_crimes(incidents), wards).inside
    first, last = pd.Period(months[0], "M"), pd.Period(months[1], "M")
    crimes = crimes.loc[(crimes["month"] >= first) & (crimes["month"] <= last)]
    if crime_types:
        crimes = crimes.loc[crime_type_mask(crimes["crime_type"], crime_types)]
    problems = flag_problems(crimes, wards=wards, months=months)
    return problem_patrol_windows(problems, incidents.events)


_DAY: Final = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_WINDOW_RE: Final = re.compile(
    rf"\b((?:Every day|{_DAY}(?:(?:, | and ){_DAY})*) ([01]\d|2[0-3]):00-([01]\d|2[0-4]):00)"
)


def window_in(text: str) -> str | None:
    """
    Return the patrol window written in a text ("Fri and Sat 22:00-03:00"), if there is one.

    A joint-patrol action in the tasking log carries its days and hours in its description, in
    the form :attr:`hotspots.when.PatrolWindow.label` writes (no new column in the log).

    Parameters
    ----------
    text
        An action's description.

    Returns
    -------
    str or None
        The first window found, or None.

    Examples
    --------
    >>> window_in("Joint patrol of the market (Fri and Sat 22:00-03:00) with licensing")
    'Fri and Sat 22:00-03:00'
    >>> window_in("Target hardening letters") is None
    True
    """
    found = _WINDOW_RE.search(text)
    return found.group(1) if found else None


def with_window(description: str, window: str) -> str:
    """
    Write a patrol window into an action's description, checked.

    Parameters
    ----------
    description
        The action.
    window
        Days and hours, e.g. ``"Fri and Sat 22:00-03:00"`` (as patrol windows are labelled).

    Returns
    -------
    str
        ``"description (Fri and Sat 22:00-03:00)"``; unchanged when it already says so.

    Raises
    ------
    ParameterError
        When ``window`` is not days and hours in that form.

    Examples
    --------
    >>> with_window("Joint patrol of the market", "Fri and Sat 22:00-03:00")
    'Joint patrol of the market (Fri and Sat 22:00-03:00)'
    """
    label = window_in(window.strip())
    if label is None or label != window.strip():
        msg = (
            f"Patrol window {window!r}: write days and hours as 'Fri and Sat 22:00-03:00' "
            "(days Mon..Sun or 'Every day', whole hours)."
        )
        raise ParameterError(msg)
    if window_in(description) == label:
        return description
    return f"{description} ({label})"
