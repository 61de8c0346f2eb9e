"""
A study area from a force extract, so every spatial analysis runs on timed crimes too.

:func:`study_area_from_incidents` turns :class:`spatial.incidents.Incidents` into the
:class:`boundaries.dataset.StudyArea` that hot spots, profiles, routes, exports and packs take: the
events become crime points (``crime_id``, ``month``, ``crime_type``, ``location``, ``lsoa_code``,
plus ``start`` and ``end``) assigned to the wards. Without ward boundaries the whole extract is
the area: one "ward" around every event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from boundaries.assign import assign_wards
from boundaries.dataset import StudyArea
from boundaries.neighbourhoods import apply_neighbourhoods
from spatial.crs import BNG, WGS84
from spatial.incidents import incidents_to_crimes
from spatial.io import CRIME_COLUMNS, CrimeLoad

if TYPE_CHECKING:
    from spatial.incidents import Incidents

__all__ = [
    "EXTRACT_AREA_BUFFER_M",
    "EXTRACT_AREA_NAME",
    "extract_area",
    "is_extract_area",
    "study_area_from_incidents",
]

EXTRACT_AREA_NAME: Final = "Extract area"
"""The single "ward" of an extract loaded without ward boundaries."""
EXTRACT_AREA_BUFFER_M: Final = 100.0
"""The extract area is the convex hull of the events grown by this many metres."""


def extract_area(incidents: Incidents) -> gpd.GeoDataFrame:
    """
    Return one ward-like polygon holding every event: the whole extract as the area.

    Parameters
    ----------
    incidents
        Events in EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``ward_code`` "E00000000", ``ward_name`` :data:`EXTRACT_AREA_NAME`,
        ``neighbourhood`` the same, ``geometry`` the buffered convex hull (EPSG:27700).
    """
    crimes = incidents_to_crimes(incidents)  # raises outside Great Britain
    hull = crimes.geometry.union_all().convex_hull.buffer(EXTRACT_AREA_BUFFER_M)
    return gpd.GeoDataFrame(
        {"ward_code": ["E00000000"], "ward_name": [EXTRACT_AREA_NAME]},
        geometry=[hull],
        crs=BNG,
    ).pipe(apply_neighbourhoods)


def _set_aside(incidents: Incidents) -> pd.DataFrame:
    """Return the rows the reader set aside as crime rows with their reason."""
    rejected = incidents.rejected
    roles = incidents.report.columns
    n = len(rejected)
    frame = pd.DataFrame({c: pd.Series([""] * n, dtype=object) for c in CRIME_COLUMNS})
    if "id" in roles:
        frame["crime_id"] = rejected[roles["id"]].astype(object).to_numpy()
    frame["crime_type"] = rejected[roles["type"]].astype(object).to_numpy()
    frame["source_file"] = rejected["source_file"].astype(object).to_numpy()
    frame["source_row"] = rejected["source_row"].to_numpy()
    frame["month"] = rejected["start"].dt.to_period("M").to_numpy()
    reasons = rejected["reason"].replace({"duplicate": "duplicate Crime ID"})
    frame["reason"] = reasons.astype(object).to_numpy()
    return frame


def _lonlat(frame: pd.DataFrame, incidents: Incidents) -> pd.DataFrame:
    """Add ``longitude`` and ``latitude`` to rows set aside, from their source rows' coordinates."""
    rejected = incidents.rejected.set_index(["source_file", "source_row"])
    roles = incidents.report.columns
    names = (roles["x"], roles["y"]) if "x" in roles else (roles["lon"], roles["lat"])
    at = pd.MultiIndex.from_arrays([frame["source_file"], frame["source_row"]])
    a, b = (pd.to_numeric(rejected.loc[at, n].str.replace(",", ""), errors="coerce") for n in names)
    to_wgs84 = Transformer.from_crs(incidents.report.source_crs, WGS84, always_xy=True)
    lon, lat = to_wgs84.transform(a.to_numpy(dtype=float), b.to_numpy(dtype=float))
    return frame.assign(longitude=lon, latitude=lat)


def study_area_from_incidents(
    incidents: Incidents,
    wards: gpd.GeoDataFrame | None = None,
    *,
    label: str | None = None,
) -> StudyArea:
    """
    Build a study area whose crimes are the events of a force extract.

    Parameters
    ----------
    incidents
        As read by :func:`spatial.incidents.read_incidents` (EPSG:27700).
    wards
        Wards (EPSG:27700) with ``ward_code``, ``ward_name`` and ``neighbourhood``; the whole
        extract (:func:`extract_area`) when None.
    label
        Name of the data set; the extract's file names when None.

    Returns
    -------
    StudyArea
        ``crimes.points`` holds every event (columns :data:`spatial.io.CRIME_COLUMNS` plus
        ``start`` and ``end``); ``points`` those inside the wards. Rows the reader set aside are
        kept in ``crimes.without_location`` or ``crimes.set_aside`` with their reason.

    Raises
    ------
    CRSError
        When the extract lies outside Great Britain.
    """
    crimes = incidents_to_crimes(incidents)
    frame = pd.DataFrame(index=crimes.index)
    for column in CRIME_COLUMNS:
        frame[column] = crimes[column] if column in crimes.columns else ""
    frame["source_file"] = incidents.events["source_file"].to_numpy()
    frame["source_row"] = incidents.events["source_row"].to_numpy()
    frame["start"] = crimes["start"]
    frame["end"] = crimes["end"]
    points = gpd.GeoDataFrame(frame, geometry=crimes.geometry, crs=BNG)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CRIME_COLUMNS}).assign(
        month=pd.Series(dtype="period[M]")
    )
    aside = _set_aside(incidents)
    unplaced = aside["reason"] == "without location"
    far = (aside["reason"] == "outside Great Britain").to_numpy()
    outside_gb = (
        aside.loc[far].drop(columns="reason").reset_index(drop=True).pipe(_lonlat, incidents)
        if far.any()
        else empty.assign(longitude=pd.Series(dtype=float), latitude=pd.Series(dtype=float))
    )
    load = CrimeLoad(
        points=points,
        without_location=aside.loc[unplaced].drop(columns="reason").reset_index(drop=True),
        outside_gb=outside_gb,
        files=incidents.report.files,
        set_aside=aside.loc[~unplaced & ~far].reset_index(drop=True),
        notes=incidents.report.notes,
    )
    ward_frame = wards if wards is not None else extract_area(incidents)
    assignment = assign_wards(points, ward_frame)
    notes = incidents.report.notes
    if len(points) and assignment.inside.empty:
        notes = (*notes, _none_in_wards_note(incidents, points, ward_frame))
    return StudyArea(
        wards=ward_frame,
        crimes=load,
        points=assignment.inside,
        outside_wards=assignment.outside,
        label=label or ", ".join(incidents.report.files),
        notes=notes,
        provenance="extract",
    )


def _none_in_wards_note(
    incidents: Incidents, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> str:
    """Say that no event lies in the wards, and whether reading x as y would put them there."""
    roles = incidents.report.columns
    x, y = roles.get("x", roles.get("lon", "x")), roles.get("y", roles.get("lat", "y"))
    swapped = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(points.geometry.y, points.geometry.x), crs=BNG
    )
    n_swapped = len(assign_wards(swapped, wards).inside)
    if n_swapped:
        hint = (
            f"Read the other way round, {n_swapped:,} of them do: {x!r} and {y!r} look swapped; "
            f"give --columns x={y},y={x} (app: Column names)."
        )
    else:
        hint = (
            f"Check that the extract covers these wards, and that {x!r} and {y!r} (the x and y "
            "columns) are not swapped."
        )
    return f"None of the {len(points):,} located events lies in the wards. {hint}"


def is_extract_area(wards: gpd.GeoDataFrame) -> bool:
    """
    Say whether ``wards`` is the one area drawn around a force extract's events (no wards given).

    Parameters
    ----------
    wards
        A study area's wards, or some of them.

    Returns
    -------
    bool
        True when the only ward is :data:`EXTRACT_AREA_NAME`.

    Examples
    --------
    >>> is_extract_area(gpd.GeoDataFrame({"ward_name": [EXTRACT_AREA_NAME]}))
    True
    >>> is_extract_area(gpd.GeoDataFrame({"ward_name": ["Castle"]}))
    False
    """
    return len(wards) == 1 and str(wards["ward_name"].iloc[0]) == EXTRACT_AREA_NAME
