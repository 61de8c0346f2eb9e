"""Live near-repeat zones become proposed cocooning actions with their zones as patrol areas."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from hotspots.near_repeat import near_repeat_alerts
from spatial.crs import BNG
from spatial.errors import CRSError
from tasking.near_repeat import propose_cocooning
from tasking.store import add_problem, connect, list_actions, list_areas

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

X0, Y0 = 545_000.0, 258_000.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(tmp_path / "near_repeat.sqlite")
    yield engine
    engine.dispose()


def _events() -> gpd.GeoDataFrame:
    when = pd.to_datetime(["2025-03-02 08:00", "2025-03-05 14:00", "2025-03-08 10:00"])
    return gpd.GeoDataFrame(
        {"incident_id": ["B1", "B2", "B3"], "start": when, "end": when},
        geometry=gpd.points_from_xy([X0, X0 + 150, X0 + 2000], [Y0, Y0, Y0]),
        crs=BNG,
    )


def test_propose_cocooning_adds_one_action_and_area_per_zone_once(engine: Engine) -> None:
    alerts = near_repeat_alerts(_events(), on="2025-03-15", distance_m=200, days=14)
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Burglary, Market", user="sgt.jones")
        added = propose_cocooning(session, alerts, problem_id=problem.id, user="sgt.jones")
        again = propose_cocooning(session, alerts, problem_id=problem.id, user="sgt.jones")
    assert len(added) == 2
    assert again == ()
    with Session(engine) as session:
        actions = list_actions(session, problem_id=problem.id)
        areas = list_areas(session)
    assert [a.status for a in actions] == ["proposed", "proposed"]
    assert [a.epic for a in actions] == ["prevention", "prevention"]
    assert actions[0].due_date == dt.date(2025, 3, 19)
    assert actions[0].description.startswith("Cocooning visits")
    assert "200 m around 2 recent event(s)" in actions[0].description
    assert "until 2025-03-19" in actions[0].description
    assert actions[0].source == "near_repeat:2025-03-15:zone1"
    assert len(areas) == 2
    assert areas[0].kind == "patrol_area"
    assert areas[0].problem_id == problem.id
    assert areas[0].geometry.area == pytest.approx(alerts.zones.geometry.iloc[0].area, rel=1e-6)


def test_propose_cocooning_needs_british_national_grid(engine: Engine) -> None:
    events = _events().set_crs("EPSG:32630", allow_override=True)
    alerts = near_repeat_alerts(events, on="2025-03-15", distance_m=200, days=14)
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Burglary", user="sgt.jones")
        with pytest.raises(
            CRSError, match=r"British National Grid .*found EPSG:32630.*--crs \(app: CRS\)"
        ):
            propose_cocooning(session, alerts, problem_id=problem.id, user="sgt.jones")
