"""
What a briefing pack contains: place, period, profile, changes, hot cells, walk, tasking log.

One workflow for both front ends: the Exports page and ``patchmap brief`` call
:func:`briefing_content`; :mod:`layers.briefing` only renders it for an audience. The numbers
are the profile's (:func:`tasking.profile.build_profile`, :func:`tasking.profile.meeting_changes`),
the walk is :func:`tasking.eva.plan_hotspot_route` (the walk ``patchmap route`` plans), and
finished responses are assessed with :func:`tasking.assess.assess_response`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pandas as pd
import shapely

from boundaries.select import Selection, select_points, select_wards
from boundaries.ward_names import same_ward
from hotspots.gistar import gi_star
from hotspots.near_repeat import pack_near_repeat
from spatial.errors import EmptyInputError, ParameterError, PatchmapError, PatchmapWarning
from spatial.grid import count_points, make_grid
from spatial.network import load_network
from tasking.assess import Assessment, assess_response
from tasking.eva import plan_hotspot_route
from tasking.findings import findings_to_geodataframe
from tasking.profile import PeriodChange, Profile, build_profile, meeting_changes
from tasking.store import (
    ActionRecord,
    AreaRecord,
    ProblemRecord,
    areas_to_geodataframe,
    list_actions,
    list_areas,
    list_findings,
    list_meetings,
    list_problems,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    import geopandas as gpd
    from sqlalchemy.orm import Session

    from boundaries.dataset import StudyArea
    from hotspots.knox import KnoxResult
    from hotspots.near_repeat import NearRepeatAlerts
    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute

__all__ = [
    "ASSESSMENT_MAX_MONTHS",
    "DEFAULT_PERIOD_MONTHS",
    "BriefingContent",
    "TaskingSnapshot",
    "briefing_content",
    "extract_near_repeat",
    "pack_period",
    "read_tasking",
]

DEFAULT_PERIOD_MONTHS: Final = 3
"""Months covered by a pack when none are given: the last loaded months before the meeting."""
ASSESSMENT_MAX_MONTHS: Final = 6
"""At most this many months before and after a response are compared when assessing it."""


@dataclass(frozen=True, eq=False)
class TaskingSnapshot:
    """
    What a pack shows from the tasking log.

    Attributes
    ----------
    problems
        Problems in the pack's wards (open ones, and closed ones with an assessment).
    actions
        Their EPIC actions.
    patrol_areas
        Patrol-area polygons of those problems (EPSG:27700), or None.
    routes
        Stored EVA routes of those problems (EPSG:27700 lines), or None.
    assessments
        ``(problem title, assessment)`` for finished responses that could be assessed.
    not_assessed
        ``(problem title, reason)`` for finished responses that could not be (no patrol or
        comparison area, no action, no loaded months around the response before the meeting,
        areas that overlap, no crime in either).
    unplaced
        Titles of open problems whose ward is none of the loaded wards (no ward, or a name the
        boundaries do not hold): they are in no ward's pack, and the pack says so.
    crime_types
        The crime types the assessments count; None for all.
    findings
        The log's located EVA findings (:func:`tasking.findings.findings_to_geodataframe`): the
        pack's profile counts those in its wards and months, as ``profile --db`` does.
    last_meeting
        Date of the previous NAG meeting before the pack's meeting, if the log has one.
    """

    problems: tuple[ProblemRecord, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    patrol_areas: gpd.GeoDataFrame | None = None
    routes: gpd.GeoDataFrame | None = None
    assessments: tuple[tuple[str, Assessment], ...] = ()
    not_assessed: tuple[tuple[str, str], ...] = ()
    unplaced: tuple[str, ...] = ()
    crime_types: tuple[str, ...] | None = None
    findings: gpd.GeoDataFrame | None = None
    last_meeting: dt.date | None = None


def _month(value: dt.date | dt.datetime) -> pd.Period:
    return pd.Period(year=value.year, month=value.month, freq="M")


def _assessment_periods(
    start: pd.Period, loaded: Sequence[str]
) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """Before: the months before ``start``; after: ``start`` on; equal lengths, both loaded."""
    months = sorted(pd.Period(m, freq="M") for m in loaded)
    after = [m for m in months if m >= start]
    before = [m for m in months if m < start]
    n = min(len(after), len(before), ASSESSMENT_MAX_MONTHS)
    if n == 0:
        return None
    return (str(before[-n]), str(before[-1])), (str(after[0]), str(after[n - 1]))


def read_tasking(
    session: Session,
    area: StudyArea,
    *,
    wards: Sequence[str],
    meeting: dt.date,
    crime_types: tuple[str, ...] | None = None,
) -> TaskingSnapshot:
    """
    Read what a pack shows from the tasking log.

    A finished response is a problem that is closed or at the ``assessment`` stage. It is
    assessed with :func:`tasking.assess.assess_response` when it has a ``patrol_area``, a
    ``comparison_area`` and an action: the response starts in the month its first action was
    due (or was logged, when it has no due date), and the loaded months before the meeting's
    month from then on are compared with as many loaded months just before (at most
    :data:`ASSESSMENT_MAX_MONTHS` each), counting ``crime_types`` (the pack's). A finished
    response that cannot be assessed is listed with the reason (:attr:`TaskingSnapshot.
    not_assessed`), never left out without a word; its small-count warnings name it.

    Parameters
    ----------
    session
        An open session on the tasking database.
    area
        The loaded study area (its crimes are used for the assessments).
    wards
        The pack's wards; problems in other wards are left out (ward names are matched ignoring
        case and spacing, as a user may have typed them into the log).
    meeting
        The pack's meeting date (the previous meeting is the last one before it; assessments
        use no month from the meeting's month on).
    crime_types
        The crime types the assessments count (the pack's); all when None.

    Returns
    -------
    TaskingSnapshot
        Problems, actions, areas, assessments and the previous meeting date.
    """
    every = list_problems(session)
    problems = tuple(p for w in wards for p in every if same_ward(p.ward, w))
    known = [str(n) for n in area.ward_names]
    unplaced = tuple(
        p.title
        for p in every
        if p.status != "closed" and not any(same_ward(p.ward, w) for w in known)
    )
    actions = tuple(a for p in problems for a in list_actions(session, problem_id=p.id))
    areas = [a for p in problems for a in list_areas(session, problem_id=p.id)]
    frame = areas_to_geodataframe(areas) if areas else None
    patrol = routes = None
    if frame is not None:
        patrol = frame.loc[frame["kind"] == "patrol_area"].reset_index(drop=True)
        routes = frame.loc[frame["kind"] == "eva_route"].reset_index(drop=True)
    points = select_points(area, Selection(crime_types=crime_types))
    before_meeting = [m for m in area.months if pd.Period(m, freq="M") < _month(meeting)]
    assessments: list[tuple[str, Assessment]] = []
    not_assessed: list[tuple[str, str]] = []
    for problem in problems:
        if problem.status != "closed" and problem.sara_stage != "assessment":
            continue
        own = [a for a in actions if a.problem_id == problem.id]
        outcome = _assess_problem(
            problem, [a for a in areas if a.problem_id == problem.id], own, points, before_meeting
        )
        if isinstance(outcome, str):
            not_assessed.append((problem.title, outcome))
        else:
            assessments.append((problem.title, outcome))
    earlier = [m.held_on for m in list_meetings(session) if m.held_on < meeting]
    return TaskingSnapshot(
        problems=problems,
        actions=actions,
        patrol_areas=patrol if patrol is not None and not patrol.empty else None,
        routes=routes if routes is not None and not routes.empty else None,
        assessments=tuple(assessments),
        not_assessed=tuple(not_assessed),
        unplaced=unplaced,
        crime_types=crime_types,
        findings=findings_to_geodataframe(list_findings(session)),
        last_meeting=max(earlier) if earlier else None,
    )


def _assess_problem(
    problem: ProblemRecord,
    areas: Sequence[AreaRecord],
    actions: Sequence[ActionRecord],
    points: gpd.GeoDataFrame,
    months: Sequence[str],
) -> Assessment | str:
    """Assess one finished response (see :func:`read_tasking`), or say why it cannot be."""
    treated = [a for a in areas if a.kind == "patrol_area"]
    comparison = [a for a in areas if a.kind == "comparison_area"]
    if not treated or not comparison:
        kinds = (("patrol area", treated), ("comparison area", comparison))
        missing = " and no ".join(kind for kind, have in kinds if not have)
        return (
            f"the log holds no {missing} for it (add them on the Tasking page or with "
            "tasks add area)."
        )
    started = [a.due_date or a.created_at.date() for a in actions]
    if not started:
        return "it has no action, so when its response started is not known."
    start = _month(min(started))
    periods = _assessment_periods(start, months)
    if periods is None:
        last = months[-1] if months else "none"
        return (
            f"its response started in {start}; the months loaded before the meeting (the last: "
            f"{last}) hold none both before and after that."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PatchmapWarning)
        try:
            result = assess_response(
                points,
                shapely.union_all([a.geometry for a in treated]),
                shapely.union_all([a.geometry for a in comparison]),
                before=periods[0],
                after=periods[1],
            )
        except PatchmapError as err:
            ids = ", ".join(str(a.id) for a in (*treated, *comparison))
            said = str(err).replace("treated_area", "the patrol area")
            said = said.replace("comparison_area", "the comparison area")
            return f"{said[:1].upper()}{said[1:]} (areas {ids} in the log)"
    for warning in caught:  # named, so a reader knows which problem they are about
        warnings.warn(f"{problem.title}: {warning.message}", PatchmapWarning, stacklevel=3)
    return result


def pack_period(area: StudyArea, meeting: dt.date) -> tuple[str, str]:
    """
    Choose a pack's months: the last :data:`DEFAULT_PERIOD_MONTHS` loaded before the meeting.

    Parameters
    ----------
    area
        The loaded study area.
    meeting
        The meeting date.

    Returns
    -------
    tuple of str
        First and last month, ``YYYY-MM``.

    Raises
    ------
    ParameterError
        When no loaded month precedes the meeting's month.
    """
    before = [m for m in area.months if pd.Period(m, freq="M") < _month(meeting)]
    if not before:
        msg = (
            f"No crime data is loaded for months before the meeting on {meeting.isoformat()}; "
            f"loaded: {', '.join(area.months) or 'none'}. Pick a later meeting date or give "
            "the months."
        )
        raise ParameterError(msg)
    chosen = before[-DEFAULT_PERIOD_MONTHS:]
    return chosen[0], chosen[-1]


@dataclass(frozen=True, eq=False)
class BriefingContent:
    """
    Everything a briefing pack shows, at full detail (the audience is applied when rendering).

    Attributes
    ----------
    area_name
        The ward or neighbourhood named on the pack.
    meeting
        The meeting date.
    profile
        The profile of the place over the pack's months.
    changes
        :func:`tasking.profile.meeting_changes`: since the last meeting (or the previous
        period) and the same period last year.
    wards
        The pack's wards, EPSG:27700.
    points
        The crimes of the pack's wards and months, EPSG:27700.
    hot_cells
        Gi* cells of those crimes (on cells of ``hot_cell_size_m``, automatic when None), or
        None when there are no crimes.
    route
        The EVA walk, when asked for.
    tasking
        What the tasking log holds, when read.
    near_repeat
        Where the data have dates: the Knox test of the area's events and the near-repeat zones
        live on the meeting day (:func:`hotspots.near_repeat.pack_near_repeat`), or None.
    near_repeat_network
        The street network the zones' streets were named from, to name the streets of the
        zones shared with partners too; None when none was given.
    """

    area_name: str
    meeting: dt.date
    profile: Profile
    changes: tuple[PeriodChange, ...]
    wards: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    hot_cells: gpd.GeoDataFrame | None
    route: EvaRoute | None
    tasking: TaskingSnapshot | None
    near_repeat: tuple[KnoxResult, NearRepeatAlerts | None] | None = None
    near_repeat_network: StreetNetwork | None = None


def extract_near_repeat(
    events: gpd.GeoDataFrame | None,
    area: StudyArea,
    place: Selection,
    *,
    meeting: dt.date,
    network: StreetNetwork | None = None,
) -> tuple[KnoxResult, NearRepeatAlerts | None] | None:
    """
    Return a pack's near-repeat content: a force extract's events in the pack's place.

    The one recipe ``patchmap brief --incidents`` and the Exports page's pack (from the
    extract chosen in the sidebar) both call: :func:`hotspots.near_repeat.pack_near_repeat`
    of the extract's events inside the place's wards, on the meeting day.

    Parameters
    ----------
    events
        The extract's dated events (:attr:`spatial.incidents.Incidents.events`); None for
        data.police.uk crimes, which have months only.
    area
        The study area the pack is made of (its wards name the place).
    place
        One ward or one neighbourhood.
    meeting
        The meeting day (the zones live on it; the events known before it are tested).
    network
        The street network that names the zones' streets (``brief``'s ``--network``, or the
        demo town's with ``--demo``; the app's data set's); none named when None.

    Returns
    -------
    tuple or None
        ``(knox, alerts)`` as :func:`~hotspots.near_repeat.pack_near_repeat` gives it; None
        without events or with too few in the place.

    Raises
    ------
    ParameterError
        When the place names no ward of the area.
    """
    if events is None:
        return None
    shape = select_wards(area, place).union_all()
    return pack_near_repeat(events, on=meeting, area=shape, network=network)


def _pack_route(area: StudyArea, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> EvaRoute:
    if area.network_path is None:
        msg = (
            "An EVA route needs a street network: give --network FILE or load one (app: Draw an "
            "EVA route through the busiest hot spots, offered when the data set has a street "
            "network)."
        )
        raise ParameterError(msg)
    return plan_hotspot_route(load_network(area.network_path), points, wards, sites=area.sites)


def briefing_content(  # noqa: PLR0913 - the place, the meeting and each optional part
    area: StudyArea,
    *,
    meeting: dt.date,
    ward: str | None = None,
    neighbourhood: str | None = None,
    months: tuple[str, str] | None = None,
    crime_types: tuple[str, ...] | None = None,
    tasking: TaskingSnapshot | None = None,
    eva_route: bool = False,
    hot_cell_size_m: float | None = None,
    near_repeat: tuple[KnoxResult, NearRepeatAlerts | None] | None = None,
    near_repeat_network: StreetNetwork | None = None,
) -> BriefingContent:
    """
    Compute what a briefing pack for a ward or neighbourhood and a meeting shows.

    Parameters
    ----------
    area
        The loaded study area.
    meeting
        The meeting date.
    ward
        A ward name (give this or ``neighbourhood``).
    neighbourhood
        A neighbourhood name.
    months
        First and last month; :func:`pack_period` when None.
    crime_types
        Only these crime types (the profile, the changes, the map's crimes, hot cells and the
        EVA walk alike), as every other analysis of the same selection; all when None.
    tasking
        From :func:`read_tasking` (its last meeting sets the change compared).
    eva_route
        Plan the EVA walk through the pack's hot cells (:func:`tasking.eva.plan_hotspot_route`
        on the pack's wards and months).
    hot_cell_size_m
        Cell size of the map's Gi* cells (the audience's coarsest, e.g. 250 m for the public);
        automatic when None.
    near_repeat
        The near-repeat content (:func:`hotspots.near_repeat.pack_near_repeat`), when the
        crimes have dates; passed through to the pack.
    near_repeat_network
        The street network ``near_repeat``'s zones were drawn with (``pack_near_repeat``'s
        ``network``), passed through so partners' zones name their streets too.

    Returns
    -------
    BriefingContent
        The pack's content.

    Raises
    ------
    ParameterError
        When neither or both of ``ward`` and ``neighbourhood`` are given, a name is unknown,
        no data precedes the meeting, or a walk is asked for without a street network.
    EmptyInputError
        When the place has no wards, or a walk is asked for and no cell is hot.
    """
    if (ward is None) == (neighbourhood is None):
        msg = (
            "Give one ward or one neighbourhood for the pack (--ward NAME or --neighbourhood "
            "NAME; app: Ward or neighbourhood)."
        )
        raise ParameterError(msg)
    period = months or pack_period(area, meeting)
    place = Selection(
        wards=(ward,) if ward else None,
        neighbourhoods=(neighbourhood,) if neighbourhood else None,
    )
    wards = select_wards(area, place)
    if wards.empty:
        msg = "The pack's area holds no wards."
        raise EmptyInputError(msg)
    profile = build_profile(
        area,
        wards=(ward,) if ward else None,
        neighbourhood=neighbourhood,
        months=period,
        crime_types=crime_types,
        findings=tasking.findings if tasking is not None else None,
    )
    points = select_points(
        area,
        Selection(wards=profile.wards, months=profile.months, crime_types=profile.crime_types),
    )
    hot_cells = None
    if not points.empty:
        grid = make_grid(wards, kind="square", cell_size_m=hot_cell_size_m)
        hot_cells = gi_star(count_points(points, grid), grid=grid).cells
    last_meeting = tasking.last_meeting if tasking is not None else None
    return BriefingContent(
        area_name=str(ward or neighbourhood),
        meeting=meeting,
        profile=profile,
        changes=meeting_changes(profile, area, last_meeting=last_meeting),
        wards=wards,
        points=points,
        hot_cells=hot_cells,
        route=_pack_route(area, points, wards) if eva_route else None,
        tasking=tasking,
        near_repeat=near_repeat,
        near_repeat_network=near_repeat_network,
    )
