"""
Near-repeat zones become proposed cocooning actions in the tasking log.

Each live zone (:func:`hotspots.near_repeat.near_repeat_alerts`) becomes one proposed
prevention action ("Cocooning visits, 200 m around 3 recent event(s) near High Street, until
2025-03-14.") due on the day the zone expires, and its polygon is stored as a patrol area of
the same problem, so the NAG can accept, reassign or cancel the visits. Proposing the same
zones twice adds nothing the second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial.crs import BNG_EPSG
from spatial.errors import CRSError
from tasking.store import ActionRecord, add_action, add_area, list_actions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotspots.near_repeat import NearRepeatAlerts

__all__ = ["propose_cocooning"]


def _source(alerts: NearRepeatAlerts, zone_id: int) -> str:
    return f"near_repeat:{alerts.on.isoformat()}:zone{zone_id}"


def propose_cocooning(
    session: Session,
    alerts: NearRepeatAlerts,
    *,
    problem_id: int,
    user: str,
    owner_agency: str = "",
) -> tuple[ActionRecord, ...]:
    """
    Add one proposed cocooning action (and its zone as a patrol area) per live zone.

    Parameters
    ----------
    session
        Open session; the caller commits.
    alerts
        The live zones (EPSG:27700).
    problem_id
        The problem the actions belong to (e.g. "Burglary, Market ward").
    user
        Who is adding them.
    owner_agency
        Agency to own the visits (the neighbourhood team, a Neighbourhood Watch).

    Returns
    -------
    tuple of ActionRecord
        The actions added; a zone of the same date already proposed for this problem is
        skipped.

    Raises
    ------
    CRSError
        When the zones are not in British National Grid (the tasking log stores BNG metres).
    RecordNotFoundError
        When the problem does not exist.
    """
    crs = alerts.zones.crs
    if crs is None or crs.to_epsg() != BNG_EPSG:
        found = "no CRS" if crs is None else crs.to_string()
        msg = (
            f"The near-repeat zones must be in British National Grid (EPSG:27700) to enter the "
            f"tasking log; found {found}. Read the extract with read_incidents, which moves it "
            "to EPSG:27700, naming its coordinate system with --crs (app: CRS) when it is not "
            "detected."
        )
        raise CRSError(msg)
    existing = {a.source for a in list_actions(session, problem_id=problem_id)}
    added = []
    texts = alerts.action_texts()
    for text, zone_id, expires, polygon in zip(
        texts, alerts.zones["zone_id"], alerts.zones["expires"], alerts.zones.geometry, strict=True
    ):
        source = _source(alerts, int(zone_id))
        if source in existing:
            continue
        add_area(
            session,
            polygon,
            kind="patrol_area",
            name=f"Near-repeat zone {int(zone_id)} ({alerts.on.isoformat()}, until {expires})",
            user=user,
            problem_id=problem_id,
        )
        added.append(
            add_action(
                session,
                problem_id,
                epic="prevention",
                description=text,
                user=user,
                owner_agency=owner_agency,
                due_date=expires,
                status="proposed",
                notes=f"From near-repeat zones of {alerts.on.isoformat()}: {alerts.source}",
                source=source,
            )
        )
    return tuple(added)
