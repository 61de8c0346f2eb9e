"""
EVA findings come back: turn what was seen on a walk into proposed actions for the problems list.

Each checklist issue seen at one or more stops of a route becomes one proposed action for the
agency that deals with it (graffiti, fly-tipping and litter go to environmental services), linked
to the route's problem. Proposals are stored with status ``proposed`` so the NAG can accept,
reassign or cancel them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

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

    from sqlalchemy.orm import Session

__all__ = [
    "FINDING_ROUTES",
    "FindingRoute",
    "ProposedAction",
    "add_proposed_actions",
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
