"""``patchmap when``: the hour-of-week table and patrol windows of timed crimes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from patchmap._output import checked_out, print_json
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from hotspots.when import HourOfWeek
    from layers.metadata import ExportMetadata
    from spatial.incidents import Incidents

__all__ = ["add_when", "run_when"]

_CHART_SUFFIXES = (".csv", ".png", ".html")


def add_when(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap when`` to its parser."""
    parser.epilog = (  # --out is shared by every subcommand: its own help is not reworded
        "--out FILE: .csv writes the hour-of-week table and, beside it, the chart as .png of "
        "the same name; .png or .html writes the chart and, beside it, the table as .csv. "
        "Police files: made for no other audience."
    )
    parser.add_argument(
        "--max-window-h",
        type=float,
        default=168.0,
        metavar="H",
        help="windows longer than this many hours are counted apart (default 168, 7 days)",
    )
    parser.add_argument(
        "--block-hours",
        default="2-6",
        metavar="MIN-MAX",
        help="length of a patrol window in hours (default 2-6)",
    )
    parser.add_argument(
        "--hot-area",
        type=int,
        metavar="N",
        help="only the Nth Gi* hot area of the crimes (the When page's list; needs the extract "
        "in Great Britain)",
    )
    parser.add_argument(
        "--problem",
        type=int,
        metavar="N",
        help="only the patrol area of the Nth ranked problem (the When page's list)",
    )
    parser.add_argument(
        "--split",
        metavar="YYYY-MM",
        help="test whether the timing changed from this month on (permutation test)",
    )


def _block_hours(text: str) -> tuple[int, int]:
    from hotspots.when import MAX_BLOCK_H

    low, sep, high = text.partition("-")
    if not (sep and low.strip().isdigit() and high.strip().isdigit()):
        msg = f"--block-hours {text!r}: write MIN-MAX in hours, e.g. 2-6."
        raise ParameterError(msg)
    if not 1 <= int(low) <= int(high) <= MAX_BLOCK_H:
        msg = (
            f"--block-hours {text}: a patrol window lasts 1 to {MAX_BLOCK_H} hours, MIN no more "
            "than MAX, e.g. 2-6."
        )
        raise ParameterError(msg)
    return int(low), int(high)


def _split_month(text: str) -> pd.Timestamp:
    """``--split`` as the first instant of its month; anything but YYYY-MM is refused."""
    import pandas as pd

    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()) is None:
        msg = f"--split {text}: write YYYY-MM, a month such as 2025-03."
        raise ParameterError(msg)
    return pd.Period(text.strip(), "M").start_time


def _listed(args: argparse.Namespace) -> bool:
    """Whether ``--hot-area N`` or ``--problem N`` is given (0 is given: it is refused later)."""
    return args.hot_area is not None or args.problem is not None


def _extract(args: argparse.Namespace) -> tuple[Incidents, gpd.GeoDataFrame | None]:
    """
    Return the extract and its ward boundaries (None without ``--wards`` or ``--demo``).

    Without a choice of wards or an area the whole extract is counted, as the When page's
    "Whole extract"; with ward boundaries its notes say how many events lie outside them.
    """
    from boundaries.dataset import load_demo
    from patchmap._data import load, read_extract, with_known_types
    from spatial.demo import demo_incidents

    if args.incidents:
        if args.ward or args.neighbourhood or _listed(args) or args.wards or args.demo:
            loaded = load(args)  # wards need the extract in Great Britain
            if loaded.incidents is not None:
                return loaded.incidents, loaded.area.wards
        return read_extract(args), None
    if args.demo:
        incidents = with_known_types(args, demo_incidents(midnight=args.midnight))
        return incidents, load_demo().wards
    msg = (
        "patchmap when needs timed crimes: give a force extract with --incidents PATH "
        "(or --demo for the demo extract). data.police.uk files have the month only."
    )
    raise ParameterError(msg)


def _ward_area(args: argparse.Namespace, wards: gpd.GeoDataFrame) -> BaseGeometry:
    from patchmap._data import with_known_places

    with_known_places(args, wards)  # ``castle`` is Castle, as in every command
    unknown = sorted(set(args.ward or ()) - set(wards["ward_name"]))
    if unknown:
        msg = (
            f"--ward {', '.join(unknown)}: no such ward in the extract's area; "
            f"wards: {', '.join(wards['ward_name'])}."
        )
        raise ParameterError(msg)
    chosen = wards["ward_name"].isin(args.ward or ()) | wards["neighbourhood"].isin(
        args.neighbourhood or ()
    )
    shape: BaseGeometry = wards.loc[chosen].union_all()
    return shape


def _listed_area(
    args: argparse.Namespace, incidents: Incidents, wards: gpd.GeoDataFrame
) -> tuple[BaseGeometry, str]:
    """Return the shape and label of ``--hot-area N`` or ``--problem N`` (the When page's lists)."""
    from tasking.windows import extract_problems, hot_areas

    if args.hot_area is not None:
        option, n, what = "--hot-area", args.hot_area, "Gi* hot area"
        listed = hot_areas(incidents.events, wards, crime_types=args.crime_type)
    else:
        option, n, what = "--problem", args.problem, "ranked problem"
        listed = extract_problems(
            incidents, wards, months=_months(args, incidents), crime_types=args.crime_type
        )
    if not 1 <= n <= len(listed):
        shown = "; ".join(f"{i}: {label}" for i, label in enumerate(listed["label"], start=1))
        have = f"{len(listed)} {what}" + ("" if len(listed) == 1 else "s")
        msg = f"{option} {n}: the crimes chosen have {have}" + (
            f" ({shown})." if shown else ". Choose other crime types or dates."
        )
        raise ParameterError(msg)
    row = listed.iloc[n - 1]
    label = str(row["label"]) if args.hot_area is not None else f"the patrol area of {row['label']}"
    return row.geometry, label


def _area(
    args: argparse.Namespace, incidents: Incidents, wards: gpd.GeoDataFrame | None
) -> tuple[BaseGeometry | None, str | None]:
    """Return the area chosen (wards, ``--hot-area N`` or ``--problem N``) and its label."""
    if args.hot_area is not None and args.problem is not None:
        msg = "Give --hot-area or --problem, not both: each is an area of its own."
        raise ParameterError(msg)
    if wards is None:
        return None, None
    if _listed(args):
        return _listed_area(args, incidents, wards)
    if args.ward or args.neighbourhood:
        return _ward_area(args, wards), None
    return None, None


def _months(args: argparse.Namespace, incidents: Incidents) -> tuple[str, str]:
    """``--months`` as first and last month, or the extract's whole period."""
    if args.months:
        from boundaries.select import parse_month_range

        first, last = parse_month_range(args.months)
        return str(first), str(last)
    start = incidents.table["start"]
    return str(start.min().to_period("M")), str(start.max().to_period("M"))


def _area_text(args: argparse.Namespace, label: str | None) -> str:
    """Say what the file counted: an area of the list, wards or neighbourhoods, or everything."""
    if label:
        return label
    chosen = [*(args.ward or ()), *(args.neighbourhood or ())]
    return ", ".join(chosen) if chosen else "the whole extract"


def _metadata(
    args: argparse.Namespace, incidents: Incidents, events: pd.DataFrame, *, title: str, area: str
) -> ExportMetadata:
    """Return the police metadata the table and the chart carry."""
    from layers.when import when_file_metadata

    filters = {
        "crime_types": ", ".join(args.crime_type or ()) or "all",
        "months": args.months or "all",
        "hours": args.hours or "all",
        "midnight": incidents.report.midnight,  # 00:00 as recorded, or spread over its day
        "max_window_h": f"{args.max_window_h:g}",  # longer windows are counted apart
    }
    period = None
    if len(events):
        start = events["start"]
        period = (str(start.min().to_period("M")), str(start.max().to_period("M")))
    return when_file_metadata(
        title,
        area=area,
        files=incidents.report.files,
        is_demo=bool(args.demo and not args.incidents),
        ward_file=area != "the whole extract",
        period=period,
        filters=filters,
    )


def _write(
    args: argparse.Namespace,
    how: HourOfWeek,
    incidents: Incidents,
    events: pd.DataFrame,
    *,
    what: str,
    label: str | None,
) -> list[Path]:
    """Write the table (.csv) and the chart (.png or .html) of --out, each marked for the police."""
    from layers.when import hour_of_week_csv, hour_of_week_html, hour_of_week_png

    title = f"{what.capitalize()} by hour of the week"
    area = _area_text(args, label)
    metadata = _metadata(args, incidents, events, title=title, area=area)
    path: Path = args.out
    table = path if path.suffix.lower() == ".csv" else path.with_suffix(".csv")
    table.write_text(hour_of_week_csv(how, metadata=metadata), encoding="utf-8")
    chart = path if path.suffix.lower() in {".png", ".html"} else path.with_suffix(".png")
    if chart.suffix.lower() == ".html":
        chart.write_text(hour_of_week_html(how, metadata=metadata, title=title), encoding="utf-8")
    else:
        chart.write_bytes(hour_of_week_png(how, metadata=metadata, title=title))
    return [table, chart]


def _area_notes(
    incidents: Incidents,
    events: pd.DataFrame,
    *,
    area: BaseGeometry | None,
    label: str | None,
    wards: gpd.GeoDataFrame | None,
) -> list[str]:
    """Say the area counted: a listed area, or how much of the whole extract is outside wards."""
    from hotspots.when import outside_wards_note

    if label:
        return [f"Area: {label}."]
    if area is not None or wards is None:  # wards chosen, or no wards to be outside of
        return []
    outside = outside_wards_note(incidents.events.loc[events.index], wards)
    return [outside] if outside else []


def run_when(args: argparse.Namespace) -> int:
    """Run ``patchmap when``; return the exit code."""
    import pandas as pd

    from hotspots.when import (
        events_in_hours,
        hour_of_week,
        hours_mask,
        n_recorded_at_midnight,
        patrol_windows,
        select_events,
        selection_notes,
        timing_change,
        when_summary,
    )
    from spatial.incidents import refuse_no_events

    checked_out(args.out, _CHART_SUFFIXES, "the table (.csv) and the chart (.png or .html)")
    low, high = _block_hours(args.block_hours)
    incidents, wards = _extract(args)
    refuse_no_events(incidents)  # else the selection below says "no events (of 0)"
    area, label = _area(args, incidents, wards)
    events = incidents.table if area is None else incidents.events  # points only for an area
    start = end = None
    if args.months:
        first, last = _months(args, incidents)  # the one reading of --months
        start, end = pd.Period(first, "M").start_time, (pd.Period(last, "M") + 1).start_time
    events = select_events(events, area=area, crime_types=args.crime_type, start=start, end=end)
    if args.hours is not None:  # the rule of every subcommand's --hours
        events = events_in_hours(events, hours_mask(args.hours), max_window_h=args.max_window_h)
    notes = selection_notes(incidents.report, events)  # its 00:00 count is the selection's
    if args.hours is not None:
        notes.append(f"Only crimes in the hours {args.hours}.")
    what = ", ".join(args.crime_type).lower() if args.crime_type else "crimes"
    what += f" in {label}" if label else ""
    notes.extend(_area_notes(incidents, events, area=area, label=label, wards=wards))
    how = hour_of_week(events, max_window_h=args.max_window_h)
    windows = patrol_windows(how, what=what, min_hours=low, max_hours=high)
    if args.split is not None:
        cut = _split_month(args.split)
        before, after = events.loc[events["start"] < cut], events.loc[events["start"] >= cut]
        notes.append(timing_change(before, after, what=what).text)
    summary = when_summary(
        how, windows, n_without_time=incidents.report.n_without_time,
        n_at_midnight=n_recorded_at_midnight(events), notes=notes,
    )  # fmt: skip
    written = _write(args, how, incidents, events, what=what, label=label) if args.out else []
    if args.json:
        print_json(summary)
        return 0
    print(
        f"{how.n_events:,} events: {how.n_exact:,} exact, {how.n_windows_spread:,} windows "
        f"spread, {how.n_windows_too_long:,} over {args.max_window_h:g} h counted apart"
    )
    print(how.frame().round(1).to_string())
    print(windows.text)
    for note in notes:
        print(f"note: {note}")
    for path in written:
        print(f"wrote {path}")
    return 0
