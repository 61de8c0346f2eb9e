"""
EVA findings come back: turn what was seen on a walk into proposed actions and map points.

Each checklist issue seen at one or more stops of a route becomes one proposed action for the
agency that deals with it (graffiti, fly-tipping and litter go to environmental services), linked
to the route's problem. Proposals are stored with status ``proposed`` so the NAG can accept,
reassign or cancel them. :func:`findings_to_geodataframe` turns located findings into points
for the map and the neighbourhood profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from spatial.crs import BNG
from spatial.errors import ParameterError
from tasking.store import (
    ActionRecord,
    AreaRecord,
    ChecklistItem,
    EpicType,
    FindingRecord,
    add_action,
    list_actions,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    from sqlalchemy.orm import Session

__all__ = [
    "FINDING_COLUMNS",
    "FINDING_ROUTES",
    "ISSUE_SEPARATOR",
    "FindingRoute",
    "ProposedAction",
    "add_proposed_actions",
    "findings_to_geodataframe",
    "issues_seen",
    "propose_actions",
]


@dataclass(frozen=True)
class FindingRoute:
    """Where an issue seen on an EVA walk goes: the EPIC kind, the agency and the task."""

    epic: EpicType
    owner_agency: str
    task: str


FINDING_ROUTES: Final[Mapping[ChecklistItem, FindingRoute]] = {
    "graffiti": FindingRoute("prevention", "Environmental services", "Remove graffiti"),
    "fly_tipping": FindingRoute(
        "prevention", "Environmental services", "Clear fly-tipping and look for evidence"
    ),
    "litter": FindingRoute("prevention", "Environmental services", "Clear litter"),
    "street_lighting": FindingRoute(
        "prevention", "Street lighting (highways authority)", "Repair or improve street lighting"
    ),
    "damage": FindingRoute("prevention", "Owner of the damaged property", "Repair criminal damage"),
    "abandoned_vehicles": FindingRoute(
        "enforcement", "Council abandoned vehicles team", "Check and remove abandoned vehicles"
    ),
    "overgrown_vegetation": FindingRoute(
        "prevention", "Grounds maintenance", "Cut back overgrown vegetation"
    ),
    "sightlines": FindingRoute(
        "prevention", "Designing Out Crime Officer", "Review sightlines and hiding places"
    ),
    "signage": FindingRoute("prevention", "Council highways", "Replace missing or damaged signs"),
}
"""Issue -> who deals with it. ``residents_spoken_to`` is not an issue and proposes nothing."""

ISSUE_SEPARATOR: Final = "; "
"""Joins the issues seen at a stop in the ``issues`` column of :func:`findings_to_geodataframe`."""
FINDING_COLUMNS: Final = (
    "id",
    "route_id",
    "stop_number",
    "walked_on",
    "issues",
    "note",
    "spoken_to",
    "photo_ref",
)
"""Columns of :func:`findings_to_geodataframe`, before ``geometry``."""


def issues_seen(finding: FindingRecord) -> tuple[ChecklistItem, ...]:
    """
    Return the checklist issues seen at a stop, in :data:`FINDING_ROUTES` order.

    Parameters
    ----------
    finding
        A stored finding.

    Returns
    -------
    tuple of str
        Items answered True, leaving out ``residents_spoken_to`` (not an issue).

    Examples
    --------
    >>> import datetime as dt
    >>> seen = FindingRecord(
    ...     id=1, route_id=3, stop_number=2, walked_on=None,
    ...     answers={"fly_tipping": True, "graffiti": True, "litter": False,
    ...              "residents_spoken_to": True},
    ...     note="", photo_ref=None, spoken_to="", created_at=dt.datetime(2026, 11, 1),
    ...     created_by="pcso",
    ... )
    >>> issues_seen(seen)
    ('graffiti', 'fly_tipping')
    """
    return tuple(item for item in FINDING_ROUTES if finding.answers.get(item) is True)


def findings_to_geodataframe(records: Sequence[FindingRecord]) -> gpd.GeoDataFrame:
    """
    Turn the located findings into points in British National Grid.

    Parameters
    ----------
    records
        Findings from :func:`tasking.store.list_findings`; those without a location (recorded
        before routes kept their stops, or against a route stored without them) are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per located finding, in the order given, columns :data:`FINDING_COLUMNS` and
        ``geometry`` (EPSG:27700): ``walked_on`` is a date (``datetime64``, NaT when not
        recorded), ``issues`` the checklist issues seen joined by :data:`ISSUE_SEPARATOR`
        (empty text when none was seen), ``photo_ref`` empty text when there is none. An empty
        frame with these columns when no finding is located.

    Examples
    --------
    >>> import datetime as dt
    >>> now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> seen = FindingRecord(
    ...     id=1, route_id=3, stop_number=2, walked_on=dt.date(2026, 10, 30),
    ...     answers={"graffiti": True, "litter": True}, note="Tags", photo_ref=None,
    ...     spoken_to="", created_at=now, created_by="pcso", x_m=545100.0, y_m=258000.0,
    ... )
    >>> frame = findings_to_geodataframe([seen])
    >>> frame.loc[0, "issues"], frame.crs.to_epsg(), frame.geometry.iloc[0].wkt
    ('graffiti; litter', 27700, 'POINT (545100 258000)')
    """
    import geopandas as gpd  # noqa: PLC0415 - keeps the module importable cheaply
    import pandas as pd  # noqa: PLC0415 - as geopandas

    xy = [(r, r.x_m, r.y_m) for r in records if r.x_m is not None and r.y_m is not None]
    located = [r for r, _, _ in xy]
    return gpd.GeoDataFrame(
        {
            "id": pd.Series([r.id for r in located], dtype="int64"),
            "route_id": pd.Series([r.route_id for r in located], dtype="int64"),
            "stop_number": pd.Series([r.stop_number for r in located], dtype="int64"),
            "walked_on": pd.to_datetime(
                pd.Series([r.walked_on for r in located], dtype="object")
            ).astype("datetime64[ns]"),
            "issues": pd.Series(
                [ISSUE_SEPARATOR.join(issues_seen(r)) for r in located], dtype="str"
            ),
            "note": pd.Series([r.note for r in located], dtype="str"),
            "spoken_to": pd.Series([r.spoken_to for r in located], dtype="str"),
            "photo_ref": pd.Series([r.photo_ref or "" for r in located], dtype="str"),
        },
        geometry=gpd.points_from_xy([x for _, x, _ in xy], [y for _, _, y in xy], crs=BNG),
        crs=BNG,
    )


@dataclass(frozen=True)
class ProposedAction:
    """
    One action proposed from EVA findings.

    Attributes
    ----------
    route_id
        The route the issue was seen on.
    problem_id
        The route's problem, or None when the route is not linked to one.
    item
        The checklist issue.
    epic, owner_agency
        From :data:`FINDING_ROUTES`.
    description
        The task, where and at which stops.
    notes
        Each stop's note and photo reference.
    stops
        Stop numbers where the issue was seen, ascending.
    source
        ``"eva_route:<route_id>:<item>"``; used to avoid proposing the same action twice.
    """

    route_id: int
    problem_id: int | None
    item: ChecklistItem
    epic: EpicType
    owner_agency: str
    description: str
    notes: str
    stops: tuple[int, ...]
    source: str


def propose_actions(
    findings: Sequence[FindingRecord], *, routes: Sequence[AreaRecord] = ()
) -> tuple[ProposedAction, ...]:
    """
    Propose one action per issue and route from EVA findings.

    Parameters
    ----------
    findings
        Findings from :func:`tasking.store.list_findings`.
    routes
        The routes they were recorded against, for names and problem links; routes left out
        give proposals without a problem.

    Returns
    -------
    tuple of ProposedAction
        Ordered by route id, then by the order of :data:`FINDING_ROUTES`; empty when nothing
        was seen.

    Examples
    --------
    >>> import datetime as dt
    >>> now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> seen = FindingRecord(
    ...     id=1, route_id=3, stop_number=2, walked_on=None,
    ...     answers={"graffiti": True, "litter": False}, note="Tags on the wall",
    ...     photo_ref="IMG_1.jpg", spoken_to="", created_at=now, created_by="pcso",
    ... )
    >>> [(p.item, p.owner_agency, p.stops) for p in propose_actions([seen])]
    [('graffiti', 'Environmental services', (2,))]
    """
    by_route = {r.id: r for r in routes}
    proposals = []
    for route_id in sorted({f.route_id for f in findings}):
        on_route = sorted(
            (f for f in findings if f.route_id == route_id), key=lambda f: (f.stop_number, f.id)
        )
        route = by_route.get(route_id)
        place = f"on EVA route '{route.name}'" if route else f"on EVA route {route_id}"
        for item, target in FINDING_ROUTES.items():
            seen = [f for f in on_route if f.answers.get(item) is True]
            if not seen:
                continue
            stops = tuple(sorted({f.stop_number for f in seen}))
            label = "stop" if len(stops) == 1 else "stops"
            notes = "\n".join(
                f"Stop {f.stop_number}"
                + (f" ({f.walked_on.isoformat()})" if f.walked_on else "")
                + (f": {f.note}" if f.note else "")
                + (f" [photo {f.photo_ref}]" if f.photo_ref else "")
                for f in seen
            )
            proposals.append(
                ProposedAction(
                    route_id=route_id,
                    problem_id=route.problem_id if route else None,
                    item=item,
                    epic=target.epic,
                    owner_agency=target.owner_agency,
                    description=(f"{target.task} {place}, {label} {', '.join(map(str, stops))}"),
                    notes=notes,
                    stops=stops,
                    source=f"eva_route:{route_id}:{item}",
                )
            )
    return tuple(proposals)


def add_proposed_actions(
    session: Session,
    proposals: Sequence[ProposedAction],
    *,
    user: str,
    problem_id: int | None = None,
    due_date: dt.date | None = None,
) -> tuple[ActionRecord, ...]:
    """
    Store proposals as ``proposed`` actions, skipping ones already in the log.

    Parameters
    ----------
    session
        Open session; the caller commits.
    proposals
        From :func:`propose_actions`.
    user
        Who is adding them.
    problem_id
        Problem for proposals whose route has none.
    due_date
        Due date for every new action.

    Returns
    -------
    tuple of ActionRecord
        The actions added (a proposal whose ``source`` already has an action on that problem
        is skipped, so running this twice adds nothing the second time).

    Raises
    ------
    ParameterError
        When a proposal has no problem and ``problem_id`` is not given.
    RecordNotFoundError
        When the problem does not exist.
    """
    orphans = [p for p in proposals if p.problem_id is None and problem_id is None]
    if orphans:
        routes = sorted({p.route_id for p in orphans})
        msg = (
            f"EVA route(s) {', '.join(map(str, routes))} are not linked to a problem, so "
            f"{len(orphans)} proposed action(s) have nowhere to go. Pass problem_id or link the "
            "route to a problem."
        )
        raise ParameterError(msg)
    added = []
    for proposal in proposals:
        target = proposal.problem_id if proposal.problem_id is not None else problem_id
        if target is None:  # unreachable after the check above; keeps the type narrow
            continue
        existing = {a.source for a in list_actions(session, problem_id=target)}
        if proposal.source in existing:
            continue
        added.append(
            add_action(
                session,
                target,
                epic=proposal.epic,
                description=proposal.description,
                user=user,
                owner_agency=proposal.owner_agency,
                due_date=due_date,
                status="proposed",
                notes=proposal.notes,
                source=proposal.source,
            )
        )
    return tuple(added)
