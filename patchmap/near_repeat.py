"""``patchmap knox`` and ``alerts``, and the 7-day paths of ``backtest`` and ``forecast``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from patchmap._data import near_repeat_network
from patchmap._defaults import PARTNER_SNAP_M
from patchmap._options import iso_date
from patchmap._output import checked_json_out, print_json
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

    from hotspots.near_repeat import NearRepeatAlerts
    from hotspots.weekly import DayEvents
    from spatial.incidents import Incidents
    from spatial.network import StreetNetwork

__all__ = [
    "add_alerts",
    "add_knox",
    "run_alerts",
    "run_backtest_days",
    "run_forecast_days",
    "run_knox",
]


def _extract(args: argparse.Namespace) -> Incidents:
    from patchmap._data import read_extract, with_known_types
    from spatial.demo import demo_incidents

    if args.incidents:
        return read_extract(args)
    if args.demo:
        return with_known_types(args, demo_incidents(midnight=args.midnight))
    msg = (
        f"patchmap {args.command} needs timed crimes: give a force extract with --incidents PATH "
        "(or --demo for the demo extract). data.police.uk files have the month only."
    )
    raise ParameterError(msg)


def _selected(args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Return the extract's events of the chosen crime types, wards and months."""
    import pandas as pd

    from boundaries.dataset import load_demo
    from boundaries.select import Selection, parse_month_range, select_wards
    from hotspots.when import select_events
    from patchmap._data import load, with_known_places
    from spatial.incidents import refuse_no_events

    incidents = _extract(args)
    refuse_no_events(incidents)  # else the selection below says "no events (of 0)"
    area = None
    if args.ward or args.neighbourhood:
        loaded = load_demo() if not args.incidents else load(args).area
        with_known_places(args, loaded.wards)  # ``castle`` is Castle, as in every command
        place = Selection(
            wards=tuple(args.ward) if args.ward else None,
            neighbourhoods=tuple(args.neighbourhood) if args.neighbourhood else None,
        )  # a name the wards do not hold is refused with their names, as every command does
        area = select_wards(loaded, place).union_all()
    start = end = None
    if args.months:
        first, last = parse_month_range(args.months)
        start, end = pd.Period(first, "M").start_time, (pd.Period(last, "M") + 1).start_time
    return select_events(
        incidents.events, area=area, crime_types=args.crime_type, start=start, end=end
    )


def _subject(args: argparse.Namespace) -> str:
    from hotspots.knox import knox_subject

    return knox_subject(args.crime_type)


def add_knox(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap knox`` to its parser."""
    parser.add_argument(
        "--distance-bands-m",
        default="0,100,200,300,400",
        help="upper bounds in metres; a leading 0 is the same-location band "
        "(default 0,100,200,300,400)",
    )
    parser.add_argument(
        "--time-bands-days",
        default="7,14,21,28",
        help="upper bounds in whole days (default 7,14,21,28)",
    )
    parser.add_argument(
        "--permutations", type=int, default=999, help="shuffles of the dates (default 999)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffles (default 0)")
    parser.add_argument(
        "--metric",
        choices=("euclidean", "manhattan"),
        default="euclidean",
        help="distance (default euclidean)",
    )


def run_knox(args: argparse.Namespace) -> int:
    """Run ``patchmap knox``; return the exit code."""
    from hotspots.knox import knox_test, parse_distance_bands, parse_time_bands

    checked_json_out(args.out)
    result = knox_test(
        _selected(args),
        distance_bands_m=parse_distance_bands(args.distance_bands_m),
        time_bands_days=parse_time_bands(args.time_bands_days),
        metric=args.metric,
        permutations=args.permutations,
        seed=args.seed,
        subject=_subject(args),
    )
    record = result.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
        return 0
    width = max(len(label) for label in result.distance_labels)
    print(f"{'':<{width}} " + " ".join(f"{t:>12}" for t in result.time_labels))
    for r, label in enumerate(result.distance_labels):
        cells = []
        for c in range(len(result.time_labels)):
            ratio = result.ratio[r, c]
            star = "*" if result.significant[r, c] else " "
            cells.append(f"{'-':>11} " if ratio != ratio else f"{ratio:>11.2f}{star}")  # noqa: PLR0124
        print(f"{label:<{width}} " + " ".join(cells))
    print("Knox ratio (observed / expected pairs); * significant after FDR.")
    print(result.verdict)
    return 0


def add_alerts(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap alerts`` to its parser."""
    parser.add_argument(
        "--date", type=iso_date, required=True, metavar="YYYY-MM-DD", help="the day zones are live"
    )
    parser.add_argument(
        "--distance-m", type=float, help="zone radius (default: from a Knox test of the data)"
    )
    parser.add_argument("--days", type=int, help="days a zone stays live (default: Knox)")
    parser.add_argument(
        "--permutations", type=int, default=999, help="shuffles for the Knox test (default 999)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the Knox test (default 0)")
    parser.add_argument(
        "--audience",
        choices=("police", "partner", "public"),
        default="police",
        help="detail printed and written: police (zones, events, streets, exact dates) or "
        f"partner (zones as {PARTNER_SNAP_M:g} m squares from the events of whole weeks, dated "
        "to the week; no events, counts or days); public is refused: zones mark single recent "
        "events (default police)",
    )
    parser.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network to name the streets inside each zone: OSMnx .graphml, OSM XML "
        ".osm or .osm.pbf (the demo's with --demo); without one the streets are left empty",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="tasking log: propose a cocooning action per zone (with --problem-id)",
    )
    parser.add_argument("--problem-id", type=int, help="with --db: the problem the actions go to")
    parser.add_argument("--user", metavar="NAME", help="with --db: who proposes them")


def _propose(args: argparse.Namespace, alerts: NearRepeatAlerts) -> list[int]:
    """Add the zones' cocooning actions to the tasking log; return the new action ids."""
    import getpass
    import os

    from sqlalchemy.orm import Session

    from tasking.near_repeat import propose_cocooning
    from tasking.store import connect

    if args.problem_id is None:
        msg = "--db needs --problem-id: the problem the cocooning actions belong to."
        raise ParameterError(msg)
    user = args.user or os.environ.get("PATCHMAP_USER") or getpass.getuser()
    engine = connect(args.db)
    try:
        with Session(engine) as session, session.begin():
            added = propose_cocooning(session, alerts, problem_id=args.problem_id, user=user)
            return [a.id for a in added]
    finally:
        engine.dispose()


_NO_NETWORK_NOTE = (
    "Street names need a street network, so the streets inside the zones are left empty: give "
    "--network FILE (.graphml, .osm or .osm.pbf) to name them."
)


def _alerts(
    args: argparse.Namespace, events: gpd.GeoDataFrame, network: StreetNetwork | None
) -> NearRepeatAlerts:
    """Return the zones live on --date, sized by --distance-m/--days or a Knox test."""
    from hotspots.knox import knox_test
    from hotspots.near_repeat import alerts_from_knox, near_repeat_alerts

    day: dt.date = args.date
    if args.distance_m is not None:
        return near_repeat_alerts(
            events, on=day, distance_m=args.distance_m, days=args.days, network=network
        )
    knox = knox_test(
        events.loc[events["end"] < dt.datetime.combine(day, dt.time())],
        permutations=args.permutations,
        seed=args.seed,
        subject=_subject(args),
    )
    return alerts_from_knox(events, knox, on=day, network=network)


def _json_rows(frame: gpd.GeoDataFrame) -> list[dict[str, str | None]]:
    """Return a frame's rows as text, with null for a missing value (no street network)."""
    import pandas as pd

    table = frame.drop(columns=frame.geometry.name)
    return [
        {str(k): None if v is None or pd.isna(v) else str(v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def _police_record(alerts: NearRepeatAlerts) -> tuple[dict[str, object], list[str]]:
    """Return the police record (zones, events, exact dates) and the printed action lines."""
    record: dict[str, object] = {
        "n_zones": alerts.n_zones,
        "n_events": len(alerts.events),
        "zones": _json_rows(alerts.zones),
        "actions": list(alerts.action_texts()),
        "text": alerts.describe(),
    }
    return record, [f"- {text}" for text in alerts.action_texts()]


def _shared_record(
    args: argparse.Namespace, alerts: NearRepeatAlerts, network: StreetNetwork | None
) -> tuple[dict[str, object], list[str]]:
    """Return what a partner's file holds (no event, count or day), and its printed lines."""
    from layers.near_repeat import shared_zones, shared_zones_text

    zones = shared_zones(alerts, audience=args.audience, network=network)
    rows = _json_rows(zones)
    lines = [
        f"- Zone {r['zone_id']}: live until {r['live_until']}"
        + (f", near {r['streets']}" if r["streets"] else "")
        for r in rows
    ]
    record: dict[str, object] = {
        "n_zones": len(zones),
        "n_events": None,
        "zones": rows,
        "actions": [],
        "text": shared_zones_text(alerts, zones, audience=args.audience),
    }
    return record, lines


def run_alerts(args: argparse.Namespace) -> int:
    """Run ``patchmap alerts``; return the exit code."""
    from hotspots.near_repeat import NO_STREETS_NOTE
    from layers.near_repeat import alert_preset, write_alert_zones

    alert_preset(args.audience)  # the public are refused before any data is read
    if args.out is not None and args.out.suffix.lower() != ".gpkg":
        msg = f"--out {args.out.name}: write the zones as .gpkg."
        raise ParameterError(msg)
    if (args.distance_m is None) != (args.days is None):
        msg = "Give both --distance-m and --days, or neither (then a Knox test sets them)."
        raise ParameterError(msg)
    events = _selected(args)
    _require_gb_for_out(args, events)
    network = near_repeat_network(args, events)
    alerts = _alerts(args, events, network)
    if args.out is not None:
        write_alert_zones(alerts, args.out, audience=args.audience, network=network)
    proposed = _propose(args, alerts) if args.db else []
    if args.audience == "police":
        shown, lines = _police_record(alerts)
    else:
        shown, lines = _shared_record(args, alerts, network)
    notes = [_NO_NETWORK_NOTE if n == NO_STREETS_NOTE else n for n in alerts.notes]
    record = {
        "date": alerts.on.isoformat(),
        "distance_m": alerts.distance_m,
        "days": alerts.days,
        "source": alerts.source if args.audience == "police" else alerts.source_shared,
        **shown,
        "proposed_action_ids": proposed,
        "notes": notes,
    }
    if args.json:
        print_json(record)
        return 0
    print(record["text"])
    for line in [*lines, *(f"Note: {note}" for note in notes)]:
        print(line)
    if args.out is not None:
        print(f"Wrote {args.out} ({args.audience}).")
    return 0


def _require_gb_for_out(args: argparse.Namespace, events: gpd.GeoDataFrame) -> None:
    """Refuse ``--out`` before any analysis for events outside Great Britain (as the app does)."""
    from spatial.crs import BNG_EPSG

    epsg = events.crs.to_epsg() if events.crs is not None else None
    if args.out is not None and epsg != BNG_EPSG:
        where = f"EPSG:{epsg}" if epsg is not None else "no known CRS"
        msg = (
            f"--out writes the zones in British National Grid, for data in Great Britain; these "
            f"events lie outside it ({where}). Leave out --out to see the zones and their "
            "actions."
        )
        raise ParameterError(msg)


def _days_data(args: argparse.Namespace) -> DayEvents:
    from hotspots.weekly import prepare_days

    return prepare_days(_selected(args), cell_size_m=args.cell_size_m)


def _min_train_days(args: argparse.Namespace) -> int:
    """``--min-train-days`` as given (0 included, to be refused), else the default."""
    from hotspots.weekly import DEFAULT_MIN_TRAIN_DAYS

    given: int | None = args.min_train_days
    return DEFAULT_MIN_TRAIN_DAYS if given is None else given


def run_backtest_days(args: argparse.Namespace) -> int:
    """Run ``patchmap backtest --horizon-days N``; return the exit code."""
    from hotspots.weekly_backtest import backtest_days

    data = _days_data(args)
    result = backtest_days(
        data,
        coverages_pct=args.coverage_pct,
        horizon_days=args.horizon_days,
        min_train_days=_min_train_days(args),
        step_days=args.step_days,
    )
    record = result.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
        return 0
    print(
        f"{result.n_cells:,} cells of {result.cell_size_m:g} m; {len(result.origins)} origins "
        f"from {result.origins[0]} to {result.origins[-1]}, {result.horizon_days} days each"
    )
    print(f"{'method':<40} {'cover':>6} {'flagged':>16} {'PAI':>7} {'PEI':>6} {'hit rate':>9}")
    for row in result.results:
        pai = "-" if row.pai_mean is None else f"{row.pai_mean:.2f}"
        pei = "-" if row.pei_mean is None else f"{row.pei_mean:.2f}"
        hit = "-" if row.hit_rate_mean is None else f"{100 * row.hit_rate_mean:.0f} %"
        flagged = f"{row.n_flagged:,} ({row.flagged_pct:.2g}%)"
        print(
            f"{row.method.key():<40} {row.coverage_pct:>5g}% {flagged:>16} {pai:>7} {pei:>6} "
            f"{hit:>9}"
        )
    print(f"default: {result.default.method.key()}. {result.default.why}")
    return 0


def run_forecast_days(args: argparse.Namespace) -> int:
    """Run ``patchmap forecast --horizon-days N``; return the exit code."""
    from hotspots.weekly import (
        day_label,
        forecast_days,
        parse_day_method,
    )

    data = _days_data(args)
    start = args.start or day_label(data.last_day + 1)
    forecast = forecast_days(
        data,
        start=start,
        horizon_days=args.horizon_days,
        method=parse_day_method(args.method),
        coverage_pct=args.coverage_pct,
        min_train_days=_min_train_days(args),
    )
    if args.out is not None:
        if args.out.suffix.lower() != ".gpkg":
            msg = f"--out {args.out.name}: write the cells as .gpkg."
            raise ParameterError(msg)
        forecast.cells.to_file(args.out, layer="forecast_cells", driver="GPKG")
    record = {
        "start": forecast.start,
        "horizon_days": forecast.horizon_days,
        "method": forecast.method.name,
        "parameters": forecast.method.parameters(),
        "why": forecast.default.why if forecast.default else None,
        "coverage_pct": forecast.coverage_pct,
        "n_cells": data.grid.n_cells,
        "cells": forecast.cells.drop(columns="geometry").to_dict("records"),
        "notes": list(forecast.notes),
    }
    if args.json:
        print_json(record)
        return 0
    print(
        f"{len(forecast.cells)} of {data.grid.n_cells:,} cells to patrol from {forecast.start} "
        f"for {forecast.horizon_days} days, by {forecast.method.label}."
    )
    if forecast.default is not None:
        print(forecast.default.why)
    return 0
