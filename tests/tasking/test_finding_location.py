"""EVA findings have a location: migration 0002, stops stored with the route, map points."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely import LineString, MultiPoint, Point
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from spatial.crs import BNG
from spatial.errors import InvalidGeometryError, OutsideGreatBritainError, ParameterError
from tasking.findings import FINDING_COLUMNS, findings_to_geodataframe
from tasking.store import (
    add_area,
    add_finding,
    connect,
    downgrade_database,
    get_area,
    list_findings,
    upgrade_database,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

    from tasking.store import ChecklistItem

ROUTE = LineString([(545_050, 260_050), (545_200, 260_100), (545_350, 260_250)])
STOPS = MultiPoint([(545_060, 260_055), (545_210, 260_105), (545_340, 260_240)])


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_migration_0002_adds_and_drops_the_location_keeping_the_findings(
    database_url: str,
) -> None:
    # connect(migrate=False) switches SQLite foreign keys on, as the app runs: dropping the
    # columns must not rebuild `areas` (which would cascade-delete the findings).
    engine = connect(database_url, migrate=False)
    try:
        upgrade_database(engine, revision="0001")
        assert "x_m" not in _columns(engine, "eva_findings")
        now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO areas (id, kind, name, geometry_wkt, created_at, created_by) "
                    "VALUES (1, 'eva_route', 'Old walk', :wkt, :now, 'pcso')"
                ),
                {"wkt": ROUTE.wkt, "now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO eva_findings (route_id, stop_number, answers_json, note, "
                    "spoken_to, created_at, created_by) "
                    "VALUES (1, 2, '{\"graffiti\": true}', 'Tags', '', :now, 'pcso')"
                ),
                {"now": now},
            )
        upgrade_database(engine)
        assert {"x_m", "y_m"} <= _columns(engine, "eva_findings")
        assert "stops_wkt" in _columns(engine, "areas")
        with Session(engine) as session, session.begin():
            (old,) = list_findings(session)
            assert (old.note, old.x_m, old.y_m, old.point) == ("Tags", None, None, None)
            assert get_area(session, 1).stops == ()
            add_finding(
                session,
                1,
                stop_number=1,
                answers={"litter": False},
                user="pcso",
                point=Point(545_100.1234, 260_070.5),
            )
        downgrade_database(engine, revision="0001")
        assert not {"x_m", "y_m"} & _columns(engine, "eva_findings")
        assert "stops_wkt" not in _columns(engine, "areas")
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT note FROM eva_findings ORDER BY id")).all()
        assert [row.note for row in kept] == ["Tags", ""]
        upgrade_database(engine)
        with Session(engine) as session:
            assert [f.x_m for f in list_findings(session)] == [None, None]
    finally:
        engine.dispose()


def test_finding_location_round_trip_from_a_point_or_the_routes_stop(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        route = add_area(
            session, ROUTE, kind="eva_route", name="Underpass walk", user="pc", stops=STOPS
        )
        bare = add_area(session, ROUTE, kind="eva_route", name="No stops", user="pc")
        at_stop = add_finding(
            session, route.id, stop_number=2, answers={"graffiti": False}, user="pcso"
        )
        given = add_finding(
            session,
            route.id,
            stop_number=2,
            answers={"litter": True},
            user="pcso",
            point=Point(545_222.2224, 260_111.1116),
        )
        at_bare = add_finding(
            session,
            bare.id,
            stop_number=5,
            answers={"graffiti": True},
            user="pcso",
            point=Point(545_300, 260_200),
        )
    assert route.stops == tuple(STOPS.geoms)
    assert bare.stops == ()
    assert (at_stop.x_m, at_stop.y_m) == (545_210.0, 260_105.0)
    assert (given.x_m, given.y_m) == (545_222.222, 260_111.112)  # stored to the millimetre
    assert given.point == Point(545_222.222, 260_111.112)
    assert (at_bare.x_m, at_bare.y_m) == (545_300.0, 260_200.0)  # a route without stops
    with Session(engine) as session:
        assert list_findings(session) == (at_stop, given, at_bare)
        assert get_area(session, route.id).stops_wkt == route.stops_wkt
        assert get_area(session, route.id).geometry.equals(ROUTE)  # the line is unchanged


def test_lon_lat_and_missing_stops_are_refused(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        route = add_area(session, ROUTE, kind="eva_route", name="R", user="pc", stops=STOPS)
        with pytest.raises(
            OutsideGreatBritainError,
            match=r"finding location lies outside Great Britain .*at 0\.1, 52\.2.*"
            r"reproject longitude/latitude with to_crs\('EPSG:27700'\)",
        ):
            add_finding(
                session,
                route.id,
                stop_number=1,
                answers={"graffiti": True},
                user="a",
                point=Point(0.12, 52.2),
            )
        with pytest.raises(InvalidGeometryError, match="point must be a shapely Point"):
            add_finding(
                session,
                route.id,
                stop_number=1,
                answers={"graffiti": True},
                user="a",
                point=(545_000, 260_000),  # type: ignore[arg-type]  # the mistake under test
            )
        with pytest.raises(ParameterError, match=r"has 3 stops; there is no stop 4"):
            add_finding(session, route.id, stop_number=4, answers={"graffiti": True}, user="a")
        with pytest.raises(OutsideGreatBritainError, match="EVA route stops lies outside"):
            add_area(
                session,
                ROUTE,
                kind="eva_route",
                name="x",
                user="a",
                stops=[Point(0.12, 52.2), Point(0.13, 52.21)],
            )
        with pytest.raises(ParameterError, match="Only an EVA route has stops"):
            add_area(
                session,
                ROUTE.buffer(10),
                kind="patrol_area",
                name="x",
                user="a",
                stops=STOPS,
            )
        with pytest.raises(InvalidGeometryError, match="must be shapely Points"):
            add_area(session, ROUTE, kind="eva_route", name="x", user="a", stops=[ROUTE])  # type: ignore[list-item]  # the mistake under test


def test_findings_to_geodataframe_keeps_located_findings_only(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        route = add_area(session, ROUTE, kind="eva_route", name="R", user="pc", stops=STOPS)
        bare = add_area(session, ROUTE, kind="eva_route", name="Bare", user="pc")
        add_finding(
            session,
            route.id,
            stop_number=3,
            answers={"fly_tipping": True, "graffiti": True, "residents_spoken_to": True},
            user="pcso",
            note="Mattress <b>dumped</b>",
            photo_ref="IMG_3.jpg",
            spoken_to="Two residents",
            walked_on=dt.date(2025, 8, 9),
        )
        legacy = add_finding(
            session,
            bare.id,
            stop_number=1,
            answers={"graffiti": True},
            user="pcso",
            point=Point(545_100, 260_080),
        )
        # A finding stored before locations were required has none.
        session.execute(
            text("UPDATE eva_findings SET x_m = NULL, y_m = NULL WHERE id = :id"),
            {"id": legacy.id},
        )
        add_finding(
            session, route.id, stop_number=1, answers={"litter": False}, user="pcso"
        )  # nothing seen
    with Session(engine) as session:
        records = list_findings(session)
    frame = findings_to_geodataframe(records)
    expected = gpd.GeoDataFrame(
        {
            "id": pd.Series([3, 1], dtype="int64"),
            "route_id": pd.Series([route.id, route.id], dtype="int64"),
            "stop_number": pd.Series([1, 3], dtype="int64"),
            "walked_on": pd.Series([pd.NaT, pd.Timestamp("2025-08-09")], dtype="datetime64[ns]"),
            "issues": pd.Series(["", "graffiti; fly_tipping"], dtype="str"),
            "note": pd.Series(["", "Mattress <b>dumped</b>"], dtype="str"),
            "spoken_to": pd.Series(["", "Two residents"], dtype="str"),
            "photo_ref": pd.Series(["", "IMG_3.jpg"], dtype="str"),
        },
        geometry=[Point(545_060, 260_055), Point(545_340, 260_240)],
        crs=BNG,
    )
    assert_geodataframe_equal(frame, expected)
    assert list(frame.columns) == [*FINDING_COLUMNS, "geometry"]
    empty = findings_to_geodataframe(())
    assert empty.crs == BNG
    assert list(empty.columns) == [*FINDING_COLUMNS, "geometry"]
    assert empty.empty


def test_a_finding_without_a_position_or_without_content_is_refused(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        route = add_area(session, ROUTE, kind="eva_route", name="R", user="pc", stops=STOPS)
        bare = add_area(session, ROUTE, kind="eva_route", name="Bare", user="pc")
        with pytest.raises(
            ParameterError,
            match=r"EVA route 2 \(Bare\) was saved without its stops, so stop 99 has no "
            r"position .* \(--at X_M Y_M, or the easting and northing on the Tasking page\)",
        ):
            add_finding(session, bare.id, stop_number=99, answers={"graffiti": True}, user="a")
        with pytest.raises(ParameterError, match="has 3 stops; there is no stop 4"):
            add_finding(session, route.id, stop_number=4, answers={"graffiti": True}, user="a")
        nothing: tuple[dict[ChecklistItem, bool | None], ...] = ({}, {"graffiti": None})
        for empty in nothing:
            with pytest.raises(
                ParameterError,
                match=r"The finding records nothing.*\(--seen, --not-seen; app: Seen, Checked, not "
                r"seen\)",
            ):
                add_finding(session, route.id, stop_number=1, answers=empty, user="a", note="  ")
        noted = add_finding(session, route.id, stop_number=1, answers={}, user="a", note="Quiet")
    with Session(engine) as session:
        assert list_findings(session) == (noted,)
