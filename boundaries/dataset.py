"""
A study area: the wards a team works in, with the crimes assigned to them.

This is what the app and the CLI load once and then filter: the demo town or the user's own
data.police.uk files and ward boundaries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from boundaries.assign import assign_wards, ward_of_places
from boundaries.neighbourhoods import apply_neighbourhoods
from boundaries.select import BLANK_CRIME_TYPE, as_written, is_blank_crime_type
from spatial.cache import read_crimes_cached, read_wards_cached
from spatial.errors import CacheFolderError, InputDataError, ParameterError
from spatial.io import (
    CrimeLoad,
    CrimeSource,
    LsoaLoad,
    read_crimes,
    read_lsoa_load,
    read_neighbourhoods,
    read_population,
    read_wards,
    source_name,
)
from spatial.sites import read_sites

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from boundaries.assign import WardAssignment
    from spatial.io import WardLoad

DEMO_SEED: Final = 27_700
"""The demo town's seed (equal to :data:`spatial.demo.DEMO_SEED`, which a test checks)."""

__all__ = [
    "AREA_NAME_MAX_CHARS",
    "DEMO_SEED",
    "Provenance",
    "StudyArea",
    "default_cache_dir",
    "load_demo",
    "load_study_area",
    "load_study_area_from_store",
    "named",
    "swapped_files_message",
]

Provenance = Literal["police.uk", "extract"]
"""Where the crimes came from: data.police.uk street-level crimes (anonymised snap points,
'On or near ...' street names, months only) or a force's records-management extract (exact
locations, address text and times)."""


MISMATCH_MIN_LOCATED: Final = 1_000
"""Located crimes loaded below which :attr:`StudyArea.area_mismatch` says nothing."""
MISMATCH_PER_WARD_MONTH: Final = 0.25
"""Crimes a ward a month inside the wards below which they look like another area's."""


@dataclass(frozen=True)
class StudyArea:
    """Wards, the crimes inside them and what else the team has loaded."""

    wards: gpd.GeoDataFrame
    """EPSG:27700 with ``ward_code``, ``ward_name``, ``neighbourhood``."""
    crimes: CrimeLoad
    """Everything read from the crime files, every row accounted for."""
    points: gpd.GeoDataFrame
    """Crimes inside the wards, with ``ward`` and ``neighbourhood``."""
    outside_wards: gpd.GeoDataFrame
    """Located crimes in Great Britain but in none of the wards."""
    label: str
    """What the user calls this data set (shown in the app and reports)."""
    is_demo: bool = False
    """True for the generated demo town (draw its streets, not real map tiles)."""
    sites: gpd.GeoDataFrame | None = None
    """Co-location sites (EPSG:27700), when loaded."""
    network_path: Path | None = None
    """A street network file (GraphML), when loaded."""
    population: pd.DataFrame | None = None
    """LSOA populations (``lsoa_code``, ``lsoa_name``, ``population``), when loaded."""
    lsoas: gpd.GeoDataFrame | None = None
    """LSOA boundaries (EPSG:27700), when loaded."""
    notes: tuple[str, ...] = field(default=())
    """Remarks from the readers and the ward assignment (repairs, overlaps, duplicates)."""
    n_in_overlaps: int = 0
    """Crimes inside more than one ward, counted once by :data:`boundaries.assign.OVERLAP_RULE`."""
    provenance: Provenance = "police.uk"
    """Where the crimes came from; ``"extract"`` (exact addresses and times) decides what may
    leave for partners and the public, and which caveats and sources a pack or export states."""
    ward_counts: pd.DataFrame | None = None
    """Located crimes inside every ward by ``ward``, ``neighbourhood``, ``month`` (``YYYY-MM``)
    and ``crime_type``, in ``n``, when ``points`` holds only some wards' crimes (a store read of
    the chosen wards, for a profile's rank); None when ``points`` holds every ward's."""
    hours: str | None = None
    """The hours of the week ``points`` was restricted to (``--hours``, e.g. ``"Fri 22-03"``,
    by :func:`hotspots.when.area_in_hours`); None for every hour. Files made of the area record
    it among their filters."""

    @property
    def n_outside_wards(self) -> int:
        """Located crimes in Great Britain but outside every ward."""
        return len(self.outside_wards)

    @property
    def area_mismatch(self) -> str | None:
        """
        A warning when the wards hold almost none of the crimes: two different areas.

        Ward boundaries of another area (or a force's files for another area) put a few stray
        points in the wards and the rest outside, which every page would show as a quiet ward.
        With at least :data:`MISMATCH_MIN_LOCATED` located crimes loaded, fewer than
        :data:`MISMATCH_PER_WARD_MONTH` crimes a ward a month inside the wards says so (a quiet
        rural ward still has several a month). ``None`` when the two agree.
        """
        counts = self.ward_counts
        n_inside = len(self.points) if counts is None else int(counts["n"].sum())
        n_unread = sum(n for _, _, n in self.crimes.unread_located)
        n_located = len(self.points) + self.n_outside_wards + n_unread
        n_wards, n_months = len(self.wards), len(self.months)
        if n_located < MISMATCH_MIN_LOCATED or not n_wards or not n_months:
            return None
        per_ward_month = n_inside / (n_wards * n_months)
        if per_ward_month >= MISMATCH_PER_WARD_MONTH:
            return None
        return (
            f"The {n_wards} ward{'s' * (n_wards != 1)} of {self.label} hold {n_inside:,} of the "
            f"{n_located:,} crimes with a location ({per_ward_month:.2f} a ward a month): the "
            "wards and the crimes look like two different areas. Check that the crime files are "
            "those of the force that polices these wards, and that the ward file is the right one."
        )

    @property
    def months(self) -> tuple[str, ...]:
        """Every month in the crime files, ``YYYY-MM``, sorted."""
        return self.crimes.months

    @property
    def crime_types(self) -> tuple[str, ...]:
        """
        Every crime type of the rows used, sorted, and ``(blank)`` last if some rows have none.

        ``(blank)`` (:data:`~boundaries.select.BLANK_CRIME_TYPE`) is how summaries count those
        rows and the name that chooses them.
        """
        found: set[object] = {t for _, t, _ in self.crimes.unread_located}
        found.update(t for _, t, _, _ in self.crimes.unread_unlocated)
        for frame in (self.crimes.points, self.crimes.without_location, self.crimes.outside_gb):
            found.update(frame["crime_type"].unique())
        blank = [t for t in found if is_blank_crime_type(t)]
        types = sorted(str(t) for t in found if not is_blank_crime_type(t))
        return (*types, BLANK_CRIME_TYPE) if blank else tuple(types)

    @property
    def ward_names(self) -> tuple[str, ...]:
        """Ward names in file order."""
        return tuple(str(n) for n in self.wards["ward_name"])

    @property
    def neighbourhood_names(self) -> tuple[str, ...]:
        """Neighbourhood names, sorted."""
        return tuple(sorted({str(n) for n in self.wards["neighbourhood"]}))


def load_study_area(  # noqa: PLR0913 - each argument is one optional input file
    crimes: Sequence[CrimeSource],
    wards: str | Path | tuple[str, bytes],
    *,
    ward_field: str | None = None,
    neighbourhoods: str | Path | tuple[str, bytes] | None = None,
    population: str | Path | tuple[str, bytes] | None = None,
    lsoas: str | Path | tuple[str, bytes] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    network_path: Path | None = None,
    label: str | None = None,
    cache_dir: Path | None = None,
) -> StudyArea:
    """
    Load crimes and wards (and optional extras) and assign every crime to its ward.

    Parameters
    ----------
    crimes
        data.police.uk CSV files, folders or .zip archives (see :func:`spatial.io.read_crimes`).
    wards
        Ward boundaries (GeoJSON, GeoPackage or zipped Shapefile).
    ward_field
        Column holding the ward names; found automatically when None.
    neighbourhoods
        A ``ward,neighbourhood`` CSV; each ward is its own neighbourhood when None.
    population
        LSOA population CSV.
    lsoas
        LSOA boundaries.
    sites
        Co-location sites already read, EPSG:27700.
    network_path
        A street network GraphML file.
    label
        Name for this data set; the ward file's name when None.
    cache_dir
        When given, parsed crime and ward files are cached there as GeoParquet and reloaded
        instantly while the files are unchanged (see :mod:`spatial.cache`).

    Returns
    -------
    StudyArea
        Wards with neighbourhoods and the crimes inside them.

    Raises
    ------
    PatchmapError
        Any reader's error, with its message saying what to fix; a crime file given as the
        wards with a boundary file among the crimes is said as the two files swapped.
    """
    try:
        ward_load = _ward_load(wards, ward_field=ward_field, cache_dir=cache_dir)
    except InputDataError as err:
        swapped = swapped_files_message(crimes, wards)
        if swapped is None:
            raise
        raise InputDataError(swapped) from err
    mapping = read_neighbourhoods(neighbourhoods) if neighbourhoods is not None else None
    ward_frame = apply_neighbourhoods(
        ward_load.wards,
        mapping,
        source=source_name(neighbourhoods) if neighbourhoods is not None else "neighbourhoods",
    )
    crime_load = (
        read_crimes(crimes)
        if cache_dir is None
        else read_crimes_cached(crimes, cache_dir=cache_dir)
    )
    assignment = assign_wards(crime_load.points, ward_frame)
    lsoa_load = _lsoa_load(lsoas)
    area = StudyArea(
        wards=ward_frame,
        crimes=crime_load,
        points=assignment.inside,
        outside_wards=assignment.outside,
        label=label or source_name(wards),
        sites=sites,
        network_path=network_path,
        population=read_population(population) if population is not None else None,
        lsoas=None if lsoa_load is None else lsoa_load.lsoas,
        notes=_load_notes(ward_load, assignment, crime_load, lsoa_load),
        n_in_overlaps=assignment.n_in_overlaps,
    )
    return _with_mismatch(area)


def _with_mismatch(area: StudyArea) -> StudyArea:
    """Put :attr:`StudyArea.area_mismatch` first among the notes, when there is one."""
    warning = area.area_mismatch
    return area if warning is None else dataclasses.replace(area, notes=(warning, *area.notes))


AREA_NAME_MAX_CHARS: Final = 80
"""The longest area name (``--area-name``): it heads pages, pack covers and file metadata."""


def named(area: StudyArea, name: str | None) -> StudyArea:
    """
    Return the area under the user's name for it (titles, briefing packs, export metadata).

    Without a name the area keeps its label: the ward file's name, or "Demo town".

    Parameters
    ----------
    area
        The loaded area.
    name
        The name; runs of white space become one space.

    Returns
    -------
    StudyArea
        The same data with ``label`` set.

    Raises
    ------
    ParameterError
        When the name is blank or longer than :data:`AREA_NAME_MAX_CHARS`.

    Examples
    --------
    >>> named(load_demo(), "  Fenbridge   east ").label
    'Fenbridge east'
    """
    if name is None:
        return area
    text = " ".join(name.split())
    if not text:
        msg = "The area name is blank. Give a name, or leave it out to use the ward file's name."
        raise ParameterError(msg)
    if len(text) > AREA_NAME_MAX_CHARS:
        msg = (
            f"The area name has {len(text)} characters; give at most {AREA_NAME_MAX_CHARS} "
            "(it heads pages, pack covers and export metadata)."
        )
        raise ParameterError(msg)
    renamed = dataclasses.replace(area, label=text)
    before, after = area.area_mismatch, renamed.area_mismatch  # its first note names the area
    if before is not None and after is not None and area.notes[:1] == (before,):
        renamed = dataclasses.replace(renamed, notes=(after, *area.notes[1:]))
    return renamed


def load_study_area_from_store(  # noqa: PLR0913 - optional input files and three read options
    store_dir: Path,
    wards: str | Path | tuple[str, bytes],
    *,
    ward_field: str | None = None,
    neighbourhoods: str | Path | tuple[str, bytes] | None = None,
    population: str | Path | tuple[str, bytes] | None = None,
    lsoas: str | Path | tuple[str, bytes] | None = None,
    label: str | None = None,
    read_only: tuple[str, ...] | None = None,
    count_all: bool = False,
    columns: tuple[str, ...] | None = None,
    cache_dir: Path | None = None,
) -> StudyArea:
    """
    Load wards and read only their crimes from a store (see :mod:`spatial.store`).

    The result is the :class:`StudyArea` that :func:`load_study_area` gives for the CSVs of the
    forces around the wards, except that located crimes outside the wards' extent are counted
    (``crimes.unread_located``), not read.

    Parameters
    ----------
    store_dir
        A store made by ``patchmap ingest``.
    wards, ward_field, neighbourhoods, population, lsoas, label
        As for :func:`load_study_area`.
    read_only
        Ward or neighbourhood names: read only the crimes in the extent of those wards and count
        the rest, for questions about those wards alone (a summary of one ward); rows without
        a place in Great Britain are then counted from the store's manifest, not read. Every
        ward when None.
    count_all
        With ``read_only``: also count every ward's located crimes by month and crime type
        (:attr:`StudyArea.ward_counts`) from four columns of the store, grouped by snap point,
        so a profile ranks the chosen ward among all without reading the others' rows (summed
        by DuckDB, :func:`spatial.store.grouped_point_counts`, with the point counts ingest
        made and ``columns`` the counts keep).
    columns
        Only these of the crimes' columns (``month`` and ``crime_type`` always), for a question
        that needs no more, such as a summary (see :func:`spatial.store.query_crimes`). With
        ``read_only`` and columns the point counts keep (``month``, ``crime_type``,
        ``location``), the chosen wards' crimes are read from the counts
        (:func:`spatial.store.located_rows`): no street file is opened.
    cache_dir
        When given, the parsed ward file is cached there (see :mod:`spatial.cache`).

    Returns
    -------
    StudyArea
        Wards with neighbourhoods and the crimes inside them.

    Raises
    ------
    PatchmapError
        Any reader's error, or a store with no crimes around the wards.
    """
    from spatial.store import (  # noqa: PLC0415 - DuckDB loads only for stores
        COUNTED_COLUMNS,
        located_counts,
        located_rows,
        query_crimes,
        query_session,
    )

    ward_load = _ward_load(wards, ward_field=ward_field, cache_dir=cache_dir)
    mapping = read_neighbourhoods(neighbourhoods) if neighbourhoods is not None else None
    ward_frame = apply_neighbourhoods(
        ward_load.wards,
        mapping,
        source=source_name(neighbourhoods) if neighbourhoods is not None else "neighbourhoods",
    )
    focus = ward_frame
    if read_only:  # names as typed: matched as the selection will match them
        named = ward_frame["ward_name"].isin(
            as_written(read_only, ward_frame["ward_name"].astype(str).tolist())
        ) | ward_frame["neighbourhood"].isin(
            as_written(read_only, sorted(set(ward_frame["neighbourhood"].dropna().astype(str))))
        )
        focus = ward_frame.loc[named] if named.any() else ward_frame
    bounds, focus_bounds = _bounds(ward_frame), _bounds(focus)
    counts = by_place = crime_load = None
    # a question about the chosen wards' crimes by month, type and place (a summary, a
    # profile): read from the point counts, no street file opened (None: older counts)
    from_counts = bool(read_only) and columns is not None and set(columns) <= set(COUNTED_COLUMNS)
    with query_session():  # the counts and the rows: one DuckDB database
        if count_all and len(focus) < len(ward_frame):
            counts = _grouped_ward_counts(store_dir, bounds, ward_frame) if from_counts else None
            if counts is None:  # older counts, or street files to choose (_files_near)
                by_place = located_counts(store_dir, bounds_m=bounds)
                counts = _ward_counts(by_place, ward_frame)
        if from_counts and columns is not None:
            crime_load = located_rows(
                store_dir, bounds_m=bounds, read_bounds_m=focus_bounds, columns=columns
            )
        if crime_load is None:
            crime_load = query_crimes(
                store_dir,
                bounds_m=bounds,
                read_bounds_m=focus_bounds,
                count_unlocated=bool(read_only),
                read_files=None if by_place is None else _files_near(by_place, focus_bounds),
                columns=columns,
            )
    assignment = assign_wards(crime_load.points, ward_frame)
    lsoa_load = _lsoa_load(lsoas)
    return _with_mismatch(
        StudyArea(
            wards=ward_frame,
            crimes=crime_load,
            points=assignment.inside,
            outside_wards=assignment.outside,
            label=label or source_name(wards),
            population=read_population(population) if population is not None else None,
            lsoas=None if lsoa_load is None else lsoa_load.lsoas,
            notes=_load_notes(ward_load, assignment, crime_load, lsoa_load),
            n_in_overlaps=assignment.n_in_overlaps,
            ward_counts=counts,
        )
    )


def _files_near(counts: pd.DataFrame, bounds: tuple[float, float, float, float]) -> list[Path]:
    """Return the street files with located rows (counted by snap point) inside ``bounds``."""
    x, y = counts["x_m"], counts["y_m"]
    near = x.between(bounds[0], bounds[2]) & y.between(bounds[1], bounds[3])
    return [Path(f) for f in counts.loc[near, "file"].unique()]


def _lsoa_load(lsoas: str | Path | tuple[str, bytes] | None) -> LsoaLoad | None:
    return None if lsoas is None else read_lsoa_load(lsoas)


def _load_notes(
    ward_load: WardLoad,
    assignment: WardAssignment,
    crime_load: CrimeLoad,
    lsoa_load: LsoaLoad | None,
) -> tuple[str, ...]:
    """Return the readers' and the assignment's notes, in the order a study area shows them."""
    lsoa_notes = () if lsoa_load is None else lsoa_load.notes
    return (*ward_load.notes, *assignment.notes, *crime_load.notes, *lsoa_notes)


def swapped_files_message(
    crimes: Sequence[CrimeSource], wards: str | Path | tuple[str, bytes]
) -> str | None:
    """
    Say that the crime and ward files were given the wrong way round, when they were.

    They were when the wards are a data.police.uk crime file and a crime source is a boundary
    file (GeoJSON, GeoPackage, Shapefile): one message naming both, so the user swaps them
    once instead of meeting each file's own error in turn.

    Parameters
    ----------
    crimes
        The sources given as the crimes.
    wards
        The source given as the ward boundaries.

    Returns
    -------
    str or None
        The message; None when the two do not look swapped.

    Examples
    --------
    >>> crimes = [("wards.geojson", b'{"type": "FeatureCollection"}')]
    >>> said = swapped_files_message(crimes, ("sept.csv", b"Crime ID,Month,Longitude,Latitude"))
    >>> said[:60]
    'The crime and ward files look swapped: sept.csv is a data.po'
    >>> said[-69:]
    'Give wards.geojson as the ward boundaries and sept.csv as the crimes.'
    >>> swapped_files_message(crimes, ("wards.gpkg", b"SQLite format 3")) is None
    True
    """
    if not _is_police_csv(_head(wards)):
        return None
    found = [source_name(c) for c in crimes if _is_boundary_file(source_name(c), _head(c))]
    if not found:
        return None
    named, ward_name = " and ".join(found), source_name(wards)
    holds = "hold" if len(found) > 1 else "holds"
    return (
        f"The crime and ward files look swapped: {ward_name} is a data.police.uk crime file and "
        f"{named} {holds} boundaries. Give {named} as the ward boundaries and {ward_name} as "
        "the crimes."
    )


_HEAD_BYTES: Final = 4096
"""How much of a file :func:`swapped_files_message` looks at."""


def _head(source: CrimeSource) -> bytes:
    """Return the first bytes of an upload or an ordinary file (none of a folder or a pipe)."""
    if isinstance(source, tuple):
        return source[1][:_HEAD_BYTES]
    path = Path(source)
    if not path.is_file():  # an ordinary file only: a named pipe would wait for a writer forever
        return b""
    try:
        with path.open("rb") as file:
            return file.read(_HEAD_BYTES)
    except OSError:  # unreadable: not looked at (its reader says why)
        return b""


def _is_police_csv(head: bytes) -> bool:
    """Say whether a header names Crime ID, Month and Longitude (a data.police.uk CSV)."""
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    columns = {c.strip().strip('"') for c in first.split(",")}
    return {"Crime ID", "Month", "Longitude"} <= columns


def _is_boundary_file(name: str, head: bytes) -> bool:
    """Say whether a file is GeoJSON, a GeoPackage or a Shapefile (or a .zip of one)."""
    lowered = name.lower()
    if lowered.endswith((".geojson", ".gpkg", ".shp")) or head.startswith(b"SQLite format 3\x00"):
        return True
    if head.startswith(b"PK\x03\x04"):  # a .zip: of a Shapefile when its first entry is one
        return any(part in head for part in (b".shp", b".gpkg", b".geojson"))
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"{") and b'"type"' in text and b"Feature" in text


def _ward_load(
    wards: str | Path | tuple[str, bytes], *, ward_field: str | None, cache_dir: Path | None
) -> WardLoad:
    if cache_dir is None:
        return read_wards(wards, name_field=ward_field)
    return read_wards_cached(wards, name_field=ward_field, cache_dir=cache_dir)


def _bounds(wards: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in wards.total_bounds)
    return (x0, y0, x1, y1)


def _ward_counts(counts: pd.DataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    Sum counts by snap point (:func:`spatial.store.located_counts`) into counts by ward.

    Each distinct point is assigned once by :func:`boundaries.assign.assign_wards`, so every
    count lands in the ward its crimes' points would: the rank equals the one from every row.
    Ward names are unique (:func:`spatial.io.read_wards` checks), so a name gives a position.
    """
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    place = counts["x_m"].to_numpy("float64") + 1j * counts["y_m"].to_numpy("float64")
    place_code, places = pd.factorize(place)
    names = pd.Index(wards["ward_name"])
    ward = ward_of_places(places.real, places.imag, wards)[place_code]
    month_code, months = pd.factorize(counts["month"].astype(str))
    # Arrow text factorised as it is: as object, the same codes at five times the cost
    type_code, types = pd.factorize(counts["crime_type"], use_na_sentinel=False)
    kept = ward >= 0
    key = (ward[kept] * len(months) + month_code[kept]) * len(types) + type_code[kept]
    unique_key, n = _sum_by_key(
        key, counts["n"].to_numpy("int64")[kept], n_keys=len(names) * len(months) * len(types)
    )
    ward_at, rest = np.divmod(unique_key, len(months) * len(types))
    month_at, type_at = np.divmod(rest, len(types))
    return pd.DataFrame(
        {  # taken from the text indexes as they are: no round trip through Python strings
            "ward": names.take(ward_at),
            "neighbourhood": pd.Index(wards["neighbourhood"]).take(ward_at),
            "month": months.take(month_at),
            "crime_type": types.take(type_at),
            "n": n,
        }
    )


def _grouped_ward_counts(
    store_dir: Path, bounds: tuple[float, float, float, float], wards: gpd.GeoDataFrame
) -> pd.DataFrame | None:
    """
    Count every ward's crimes by month and type from the store's point counts, in DuckDB.

    :func:`_ward_counts` of :func:`spatial.store.located_counts`, summed as DuckDB reads the
    counts (:func:`spatial.store.grouped_point_counts`); None when the store has no current
    point counts for the wards' forces.
    """
    import pandas as pd  # noqa: PLC0415

    from spatial.store import grouped_point_counts  # noqa: PLC0415 - DuckDB: stores only

    grouped = grouped_point_counts(
        store_dir, bounds_m=bounds, group_of=lambda x, y: ward_of_places(x, y, wards)
    )
    if grouped is None:
        return None
    at = grouped["group"].to_numpy()
    return pd.DataFrame(
        {
            "ward": pd.Index(wards["ward_name"]).take(at),
            "neighbourhood": pd.Index(wards["neighbourhood"]).take(at),
            "month": grouped["month"].to_numpy(),
            "crime_type": grouped["crime_type"].to_numpy(),
            "n": grouped["n"].to_numpy(),
        }
    )


def _sum_by_key(
    key: npt.NDArray[np.int64], n: npt.NDArray[np.int64], *, n_keys: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """
    Return the distinct keys (ascending) and the sum of ``n`` at each.

    When the keys are no more than a few times as many as the rows, every key gets a slot and
    summing into the slots orders them without sorting the rows; else the rows are sorted.
    """
    import numpy as np  # noqa: PLC0415

    if n_keys <= 4 * len(key) + 1024:
        slots = np.bincount(key, minlength=n_keys)
        unique_key = np.flatnonzero(slots)
        sums = np.bincount(key, weights=n.astype("float64"), minlength=n_keys)[unique_key]
    else:
        unique_key, key_code = np.unique(key, return_inverse=True)
        sums = np.bincount(key_code, weights=n.astype("float64"))
    return unique_key.astype(np.int64), sums.astype(np.int64)


def default_cache_dir() -> Path:
    """
    Return patchmap's cache folder (``$XDG_CACHE_HOME/patchmap`` or ``~/.cache/patchmap``).

    Returns
    -------
    pathlib.Path
        The folder; it may not exist yet.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "patchmap"


_DEMO_CONTENTS: Final = "contents.json"
"""The demo folder's list of its files and their sizes, written last: the folder is whole."""


def _demo_dir(cache_dir: Path, seed: int) -> Path:
    """
    Return the demo town's folder in the cache, writing it first when it is missing or not whole.

    The folder is checked against the list of files and sizes written with it, so a file deleted,
    cut short or added by hand (a month's crimes, the street network) makes it written again,
    never read as a smaller or larger town.
    """
    from spatial import demo  # noqa: PLC0415 - osmnx and friends load only for the demo

    generator = Path(demo.__file__).read_bytes()
    key = hashlib.sha256(generator).hexdigest()[:12]
    target = cache_dir / f"demo-{seed}-{key}"
    if _demo_whole(target):
        return target
    staging = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="demo-", dir=cache_dir))
        demo.write_demo(staging, seed=seed)
        (staging / _DEMO_CONTENTS).write_text(json.dumps(_sizes(staging)), encoding="utf-8")
    except OSError as err:  # read only, full, or not a folder
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        msg = (
            f"patchmap could not write the demo town in its cache folder {cache_dir} "
            f"({err.strerror or err}). Set XDG_CACHE_HOME to a folder you can write to."
        )
        raise CacheFolderError(msg) from err
    if target.exists():  # not whole: set aside, then replaced
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:  # another process wrote it first: theirs is byte-identical
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _sizes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != _DEMO_CONTENTS
    }


def _demo_whole(folder: Path) -> bool:
    """Whether the demo folder holds exactly the files, of the sizes, it was written with."""
    try:
        listed = json.loads((folder / _DEMO_CONTENTS).read_text(encoding="utf-8"))
        return bool(listed == _sizes(folder))
    except (OSError, ValueError):
        return False


def load_demo(*, seed: int = DEMO_SEED, cache_dir: Path | None = None) -> StudyArea:
    """
    Load the generated demo town through the same readers as real data.

    Parameters
    ----------
    seed
        The demo's seed; the same seed gives the same town, byte for byte.
    cache_dir
        Where the demo files are written once; :func:`default_cache_dir` when None.

    Returns
    -------
    StudyArea
        The demo's wards, neighbourhoods, crimes, sites, network, population and LSOAs.
    """
    folder = _demo_dir(cache_dir or default_cache_dir(), seed)
    area = load_study_area(
        [folder / "crimes"],
        folder / "wards.geojson",
        neighbourhoods=folder / "neighbourhoods.csv",
        population=folder / "population.csv",
        lsoas=folder / "lsoa_2021.geojson",
        network_path=folder / "network.graphml",
        label="Demo town (synthetic)",
    )
    sites = read_sites(folder / "sites.csv")
    return StudyArea(
        wards=area.wards,
        crimes=area.crimes,
        points=area.points,
        outside_wards=area.outside_wards,
        label=area.label,
        is_demo=True,
        sites=sites,
        network_path=area.network_path,
        population=area.population,
        lsoas=area.lsoas,
        notes=area.notes,
        n_in_overlaps=area.n_in_overlaps,
    )
