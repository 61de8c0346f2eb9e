"""
Community and partner intelligence: what residents and partner staff report, beside recorded crime.

Residents raise problems at PACT meetings, by email and on street briefings; council ASB officers,
environmental services, housing and the fire service see others. These reports rarely match
recorded crime one to one (speeding, parking, fly-tipping and litter are not police.uk crime
types), so patchmap groups both into themes and shows the gap: a theme that residents raise often
but that hardly appears in recorded crime is a prompt for the NAG (under-reporting, or a partner's
issue), and the reverse is a prompt to tell residents what is happening.

Report CSV columns: ``date`` (YYYY-MM-DD or YYYY-MM), ``reported_by`` (resident, council ASB team,
environmental services, housing, fire, police or another partner), ``issue`` (free text, e.g.
"drug dealing", "fly-tipping"), and either ``lon``/``lat`` (WGS84) or ``x_m``/``y_m``
(EPSG:27700); ``location`` and ``note`` are optional.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from boundaries.select import Selection, select_points
from spatial.crime_types import (
    ASB,
    BICYCLE_THEFT,
    BURGLARY,
    CRIMINAL_DAMAGE_AND_ARSON,
    DRUGS,
    OTHER_CRIME,
    OTHER_THEFT,
    POSSESSION_OF_WEAPONS,
    PUBLIC_ORDER,
    ROBBERY,
    SHOPLIFTING,
    THEFT_FROM_THE_PERSON,
    VEHICLE_CRIME,
    VIOLENCE_AND_SEXUAL_OFFENCES,
)
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import EmptyInputError, InputDataError, MissingColumnError, ParameterError
from spatial.validate import (
    decode_text,
    in_gb_land,
    in_gb_lonlat,
    read_csv_text,
    require_columns,
    source_bytes,
)
from spatial.wording import count_text

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence

    from shapely import Point

    from boundaries.dataset import StudyArea

__all__ = [
    "NOT_POLICE_CRIME",
    "REPORTERS",
    "THEMES",
    "gap_table",
    "read_reports",
    "reports_gap",
    "reports_in",
    "theme_of_crime_type",
    "theme_of_issue",
]

REPORTERS: Final = (
    "resident",
    "council ASB team",
    "environmental services",
    "housing",
    "fire",
    "police",
    "other partner",
)
"""Who can make a report; any other value is kept as ``other partner``."""

THEMES: Final[Mapping[str, tuple[str, ...]]] = {
    "ASB and nuisance": (ASB,),
    "Drugs": (DRUGS,),
    "Violence and disorder": (VIOLENCE_AND_SEXUAL_OFFENCES, PUBLIC_ORDER, ROBBERY),
    "Weapons": (POSSESSION_OF_WEAPONS,),
    "Burglary": (BURGLARY,),
    "Vehicle and cycle crime": (VEHICLE_CRIME, BICYCLE_THEFT),
    "Theft and shoplifting": (SHOPLIFTING, OTHER_THEFT, THEFT_FROM_THE_PERSON),
    "Damage, graffiti and arson": (CRIMINAL_DAMAGE_AND_ARSON,),
    "Other crime": (OTHER_CRIME,),
}
"""Themes that group police.uk crime types; reports are put in the same themes by keyword."""

NOT_POLICE_CRIME: Final = "Not a police.uk crime type (partner issue)"
"""Theme of reports such as fly-tipping, litter, speeding or parking that police.uk never holds."""

_KEYWORDS: Final[tuple[tuple[str, str], ...]] = (
    (
        r"fly.?tip|litter|rubbish|dog foul|bins?\b|waste|street light|pothole|overgrown",
        NOT_POLICE_CRIME,
    ),
    (r"speed|parking|parked|traffic|pavement|abandoned vehicle", NOT_POLICE_CRIME),
    (r"drug|dealing|cannabis|needle|county lines", "Drugs"),
    (r"graffiti|damage|vandal|arson|fire|smash", "Damage, graffiti and arson"),
    (r"knife|weapon|gun", "Weapons"),
    (r"burglar|break.?in|broken into", "Burglary"),
    (r"car|vehicle|bike|bicycle|cycle|moped|scooter", "Vehicle and cycle crime"),
    (r"theft|shoplift|stolen|steal|pickpocket", "Theft and shoplifting"),
    (r"fight|assault|violence|violent|disorder|robbery|mugg", "Violence and disorder"),
    (r"asb|anti.?social|nuisance|noise|youths?|gang|begging|drinking|rowdy", "ASB and nuisance"),
)
_TO_BNG: Final = Transformer.from_crs(WGS84, BNG, always_xy=True)
REPORTS_PATH_ENV: Final = "PATCHMAP_REPORTS_PATH"
"""Environment variable naming the CSV file that reports entered in the app are kept in."""
_STORED_COLUMNS: Final = ("date", "reported_by", "issue", "x_m", "y_m", "location", "note")


def default_reports_path() -> Path:
    """
    Return the CSV file reports entered in the app are appended to.

    Returns
    -------
    pathlib.Path
        ``$PATCHMAP_REPORTS_PATH``, or ``community_reports.csv`` in ``$XDG_DATA_HOME/patchmap``
        (``~/.local/share/patchmap``), beside the default tasking log.
    """
    given = os.environ.get(REPORTS_PATH_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "patchmap" / "community_reports.csv"


def append_report(
    path: Path,
    *,
    date: dt.date,
    reported_by: str,
    issue: str,
    point: Point,
    location: str = "",
    note: str = "",
) -> gpd.GeoDataFrame:
    """
    Append one resident or partner report to a CSV file (created with its header if new).

    Parameters
    ----------
    path
        The CSV file (see :func:`default_reports_path`); it can be read back with
        :func:`read_reports`.
    date
        When the problem was reported.
    reported_by
        One of :data:`REPORTERS` (anything else is kept as ``other partner``).
    issue
        What was reported, in the reporter's words.
    point
        Where, in British National Grid metres.
    location
        A place name (street, block, park).
    note
        Anything else.

    Returns
    -------
    geopandas.GeoDataFrame
        Every report in the file after the append, as :func:`read_reports` gives them.

    Raises
    ------
    ParameterError
        When the issue is empty or the point is not in Great Britain (British National Grid).
    """
    if not issue.strip():
        msg = "Say what was reported (the issue is empty)."
        raise ParameterError(msg)
    looks_like_degrees = abs(point.x) <= 180 and abs(point.y) <= 90  # noqa: PLR2004
    if looks_like_degrees or not in_gb_land(np.array([point.x]), np.array([point.y]))[0]:
        msg = (
            f"The report's point ({point.x:.5g}, {point.y:.5g}) is not in Great Britain in British "
            "National Grid metres; give eastings and northings, not longitude and latitude."
        )
        raise ParameterError(msg)
    known = {r.lower(): r for r in REPORTERS}
    row = {
        "date": date.isoformat(),
        "reported_by": known.get(reported_by.strip().lower(), "other partner"),
        "issue": issue.strip(),
        "x_m": f"{point.x:.1f}",
        "y_m": f"{point.y:.1f}",
        "location": location.strip(),
        "note": note.strip(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_STORED_COLUMNS))
        if new:
            writer.writeheader()
        writer.writerow(row)
    return read_reports(path)


def theme_of_issue(issue: str) -> str:
    """
    Put a free-text report into a theme by keyword (first match wins).

    Parameters
    ----------
    issue
        What was reported.

    Returns
    -------
    str
        A key of :data:`THEMES`, :data:`NOT_POLICE_CRIME`, or ``"Other crime"`` when no keyword
        matches.

    Examples
    --------
    >>> theme_of_issue("Drug dealing outside the shops")
    'Drugs'
    >>> theme_of_issue("fly-tipping in the alley")
    'Not a police.uk crime type (partner issue)'
    >>> theme_of_issue("Youths causing nuisance")
    'ASB and nuisance'
    """
    text = issue.lower()
    for pattern, theme in _KEYWORDS:
        if re.search(pattern, text):
            return theme
    return "Other crime"


def theme_of_crime_type(crime_type: str) -> str:
    """
    Return the theme of a data.police.uk crime type.

    Parameters
    ----------
    crime_type
        A data.police.uk crime type.

    Returns
    -------
    str
        Its theme; ``"Other crime"`` for a type patchmap does not know.

    Examples
    --------
    >>> theme_of_crime_type("Public order")
    'Violence and disorder'
    """
    for theme, types in THEMES.items():
        if crime_type in types:
            return theme
    return "Other crime"


def read_reports(source: str | Path | tuple[str, bytes]) -> gpd.GeoDataFrame:
    """
    Read resident and partner reports from CSV into points in EPSG:27700.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair (columns in the module notes).

    Returns
    -------
    geopandas.GeoDataFrame
        ``date``, ``month`` (Period[M]), ``reported_by``, ``issue``, ``theme``, ``location``,
        ``note`` and the point.

    Raises
    ------
    MissingColumnError
        When ``date``, ``reported_by``, ``issue`` or coordinates are missing.
    InputDataError
        When a date or coordinate is malformed, or a report lies outside Great Britain.
    EmptyInputError
        When the file holds no reports.
    """
    name, data = source_bytes(source, what="reports CSV")
    hint = "Reports need date, reported_by, issue and lon,lat (or x_m,y_m) columns."
    frame = read_csv_text(decode_text(data, source=name, advice=hint), source=name, hint=hint)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    require_columns(frame.columns, ["date", "reported_by", "issue"], source=name)
    if frame.empty:
        msg = f"{name}: no reports."
        raise EmptyInputError(msg)
    if {"lon", "lat"} <= set(frame.columns):
        lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=np.float64)
        lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=np.float64)
        x, y = _TO_BNG.transform(lon, lat)
        x, y = np.asarray(x), np.asarray(y)
        bad = ~(in_gb_lonlat(lon, lat) & in_gb_land(x, y))
    elif {"x_m", "y_m"} <= set(frame.columns):
        x = pd.to_numeric(frame["x_m"], errors="coerce").to_numpy(dtype=np.float64)
        y = pd.to_numeric(frame["y_m"], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~in_gb_land(x, y)
    else:
        msg = f"{name}: needs lon,lat (WGS84) or x_m,y_m (EPSG:27700) columns for each report."
        raise MissingColumnError(msg)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"{name}: {int(bad.sum())} reports have no coordinates in Great Britain "
            f"(first: row {row + 2}). Check that lon and lat are not swapped or empty."
        )
        raise InputDataError(msg)
    dates = pd.to_datetime(frame["date"].str.strip(), errors="coerce", format="mixed")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        msg = f"{name}: date {frame['date'].iloc[row]!r} in row {row + 2} is not YYYY-MM-DD."
        raise InputDataError(msg)
    who = frame["reported_by"].fillna("").str.strip()
    known = {r.lower(): r for r in REPORTERS}
    issues = frame["issue"].fillna("").str.strip()
    return gpd.GeoDataFrame(
        {
            "date": dates.dt.date.to_numpy(),
            "month": dates.dt.to_period("M").to_numpy(),
            "reported_by": [known.get(w.lower(), "other partner") for w in who],
            "issue": issues.to_numpy(),
            "theme": [theme_of_issue(i) for i in issues],
            "location": frame.get("location", pd.Series("", index=frame.index)).fillna(""),
            "note": frame.get("note", pd.Series("", index=frame.index)).fillna(""),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )


def gap_table(reports: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    Compare what residents and partners raise with what police.uk records, theme by theme.

    Parameters
    ----------
    reports
        From :func:`read_reports` (already filtered to the area and period).
    crimes
        Recorded crimes for the same area and period, with ``crime_type``.

    Returns
    -------
    pandas.DataFrame
        One row per theme: ``theme``, ``n_reports``, ``share_of_reports`` (0-1),
        ``n_recorded``, ``share_of_recorded`` (0-1), ``gap`` (share of reports minus share of
        recorded; positive = raised more than recorded) and ``reading`` (a sentence), sorted by
        ``gap`` with the largest first.

    Raises
    ------
    CRSError
        When the reports are not in EPSG:27700.
    EmptyInputError
        When there are neither reports nor crimes.
    """
    require_bng(reports, name="reports")
    if reports.empty and crimes.empty:
        msg = "No reports and no recorded crime in the selection to compare."
        raise EmptyInputError(msg)
    by_report = reports["theme"].value_counts()
    by_crime = crimes["crime_type"].map(theme_of_crime_type).value_counts()
    themes = [*THEMES, NOT_POLICE_CRIME]
    n_rep, n_rec = max(len(reports), 1), max(len(crimes), 1)
    rows = []
    for theme in themes:
        r, c = int(by_report.get(theme, 0)), int(by_crime.get(theme, 0))
        if r == 0 and c == 0:
            continue
        share_r, share_c = r / n_rep, c / n_rec
        if theme == NOT_POLICE_CRIME:
            are = "is a partner issue" if r == 1 else "are partner issues"
            reading = f"{count_text(r, 'report')} {are} police.uk never records."
        elif share_r > share_c + 0.05:
            reading = (
                f"Raised in {share_r:.0%} of reports but {share_c:.0%} of recorded crime: "
                "possible under-reporting."
            )
        elif share_c > share_r + 0.05:
            reading = (
                f"{share_c:.0%} of recorded crime but {share_r:.0%} of reports: "
                "tell residents what is being done."
            )
        else:
            reading = "Reports and recorded crime agree."
        rows.append(
            {
                "theme": theme,
                "n_reports": r,
                "share_of_reports": share_r,
                "n_recorded": c,
                "share_of_recorded": share_c,
                "gap": share_r - share_c,
                "reading": reading,
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def reports_in(
    reports: gpd.GeoDataFrame, *, wards: gpd.GeoDataFrame, months: tuple[str, str]
) -> gpd.GeoDataFrame:
    """
    Keep the reports made inside the wards between two months (inclusive).

    Parameters
    ----------
    reports
        From :func:`read_reports`.
    wards
        The profiled wards (EPSG:27700).
    months
        First and last month, ``YYYY-MM``.

    Returns
    -------
    geopandas.GeoDataFrame
        The reports inside, input index kept.

    Raises
    ------
    CRSError
        When either frame is not in EPSG:27700.
    """
    require_bng(reports, name="reports")
    require_bng(wards, name="wards")
    first, last = (pd.Period(m, freq="M") for m in months)
    in_period = reports[(reports["month"] >= first) & (reports["month"] <= last)]
    return in_period[in_period.within(wards.union_all())]


def reports_gap(
    reports: gpd.GeoDataFrame,
    area: StudyArea,
    *,
    wards: Sequence[str],
    months: tuple[str, str],
    crime_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """
    Set the reports made in some wards and months beside the crime recorded there, theme by theme.

    The reports are kept to those inside the wards and months (:func:`reports_in`); the recorded
    crimes are the study area's in the same wards and months, of ``crime_types`` when given.

    Parameters
    ----------
    reports
        From :func:`read_reports` (anywhere, any time).
    area
        The study area whose crimes are compared.
    wards
        Names of the wards (e.g. a profile's ``wards``).
    months
        First and last month, ``YYYY-MM``, inclusive.
    crime_types
        The recorded crime types compared; every type when None.

    Returns
    -------
    pandas.DataFrame
        :func:`gap_table` of the reports and crimes inside.

    Raises
    ------
    ParameterError
        When a ward is not in the study area (as for :func:`boundaries.select.select_points`).
    EmptyInputError
        When there are neither reports nor crimes inside.
    """
    ward_frame = area.wards.loc[area.wards["ward_name"].isin(wards)]
    inside = reports_in(reports, wards=ward_frame, months=months)
    crimes = select_points(
        area,
        Selection(
            months=months,
            crime_types=tuple(crime_types) if crime_types else None,
            wards=tuple(wards),
        ),
    )
    return gap_table(inside, crimes)
