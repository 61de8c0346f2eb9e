"""
Read force crime extracts: incidents with a committed time (or window) and exact coordinates.

Forces export their records-management system (RMS) as CSV or Excel with a crime reference, an
offence, the committed date and time (often a window, "Committed From" to "Committed To", for a
burglary found after a weekend) and exact coordinates. :func:`read_incidents` reads any such file,
folder or upload, finds the columns by their usual names (or as told), parses UK day-first and ISO
dates without guessing, detects British National Grid or WGS84 coordinates, and accounts for every
row: each lands in exactly one of the buckets of :class:`IncidentReport`.

Data in Great Britain come back in British National Grid (EPSG:27700). Data elsewhere (the Toronto
development data) come back in the local UTM zone chosen by ``pyproj``'s ``estimate_utm_crs``, so
distances are still metres; the CRS used is on :attr:`IncidentReport.crs`. Times are naive local
times, as the force records them.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyarrow import csv as pa_csv
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError as ProjCRSError

from spatial._fast_text import (
    FIRST_YEAR,
    LAST_YEAR,
    NAT_S,
    all_distinct,
    fixed_width_dates,
    fixed_width_seconds,
    fixed_width_written_in,
    may_be_padded,
)
from spatial.crs import BNG, BNG_EPSG, WGS84
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    PatchmapError,
)
from spatial.validate import (
    check_readable,
    copy_note,
    decode_text,
    in_gb_lonlat,
    in_gb_metres,
    read_file_bytes,
    refuse_not_csv,
    refuse_other_separator,
    without_blank_rows,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    import numpy.typing as npt
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "COLUMN_ROLES",
    "INCIDENT_COLUMNS",
    "IncidentReport",
    "IncidentSource",
    "Incidents",
    "Midnight",
    "incidents_to_crimes",
    "midnight_note",
    "parse_column_map",
    "read_incidents",
    "recorded_at_midnight",
    "refuse_no_events",
]

_ArrayT = TypeVar("_ArrayT", bound="np.ndarray[Any, Any]")

IncidentSource = str | Path | tuple[str, bytes]
"""A CSV or .xlsx file, a folder of them, or an upload as ``(name, bytes)``."""
Midnight = Literal["as-recorded", "unknown"]
"""How to read an exact time of 00:00: as recorded, or as "time unknown" (spread over its day)."""

INCIDENT_COLUMNS: Final = (
    "incident_id",
    "crime_type",
    "start",
    "end",
    "location",
    "source_file",
    "source_row",
    "at_midnight",
)
"""Columns of :attr:`Incidents.events` besides ``geometry``; ``at_midnight`` is True for an
event recorded at exactly 00:00 (as recorded, whatever the ``midnight`` rule then made of it)."""

COLUMN_ROLES: Final[Mapping[str, str]] = {
    "id": "crime reference (a repeated reference is a duplicate)",
    "type": "offence or crime type",
    "x": "easting or projected x",
    "y": "northing or projected y",
    "lon": "longitude (WGS84)",
    "lat": "latitude (WGS84)",
    "from": "committed from: date, or date and time",
    "from_time": "time of committed from, when in its own column",
    "to": "committed to: date, or date and time (optional)",
    "to_time": "time of committed to, when in its own column",
    "year": "year, when the date is split over columns",
    "month": "month number",
    "day": "day of the month",
    "hour": "hour 0-23",
    "minute": "minute 0-59",
    "location": "street or place description (optional)",
    "dates": "day-first or month-first, when the dates alone cannot tell",
}
"""Roles ``--columns`` accepts (``date`` and ``time`` are aliases of ``from`` and ``from_time``)."""

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("crimeref", "crimereference", "crimeno", "crimenumber", "crimeid", "urn", "incidentid",
           "incidentref", "occurrenceid", "occurrencenumber", "eventuniqueid", "reference", "id"),
    "type": ("crimetype", "offence", "offencetype", "offencedescription", "crimecategory",
             "category", "hoclass", "mci", "offencecategory", "type"),
    "x": ("easting", "eastings", "x", "xcoord", "xcoordinate", "gridx"),
    "y": ("northing", "northings", "y", "ycoord", "ycoordinate", "gridy"),
    "lon": ("longitude", "long", "lon", "lng"),
    "lat": ("latitude", "lat"),
    "from": ("committedfrom", "committedfromdate", "fromdate", "datefrom", "startdate",
             "firstcommitted", "earliestdate", "occurrencedate", "offencedate", "incidentdate",
             "committeddate", "datecommitted", "date", "datetime"),
    "from_time": ("committedfromtime", "fromtime", "timefrom", "starttime", "occurrencetime",
                  "offencetime", "committedtime", "timecommitted", "time"),
    "to": ("committedto", "committedtodate", "todate", "dateto", "enddate", "lastcommitted",
           "latestdate"),
    "to_time": ("committedtotime", "totime", "timeto", "endtime"),
    "hour": ("hour", "occurrencehour", "offencehour"),
    "minute": ("minute", "occurrenceminute"),
    "location": ("location", "street", "address", "locationdescription", "place"),
}  # fmt: skip
_SPLIT_ROLES: Final = ("year", "month", "day")
_ROLE_ALIASES: Final = {"date": "from", "time": "from_time"}
_MIDNIGHT_S: Final = 0
_DAY: Final = pd.Timedelta(days=1)
_DAY_NS: Final = 86_400 * 10**9
_OFFSET_RE: Final = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_COLUMNS_HINT: Final = (
    'Name the columns with --columns, e.g. --columns "x=Easting,y=Northing,from=Committed From,'
    'to=Committed To,type=Offence,id=Crime Ref" (app: Column names).'
)


@dataclass(frozen=True)
class IncidentReport:
    """
    Where every row of an extract went.

    ``n_rows == n_events + n_duplicates + n_without_time + n_without_location + n_outside_area
    + n_bad_window``: each row is in exactly one bucket (tested in that order: a copy of a
    repeated reference that is not the one kept is a duplicate whatever else is wrong with it).
    ``n_possible_duplicates`` and ``n_at_midnight`` count events that were kept.
    """

    n_rows: int
    """Rows read from every file (identical files read once, wholly blank rows skipped)."""
    n_events: int
    """Rows kept as events."""
    n_duplicates: int
    """Copies of a repeated reference not kept; the one kept is a usable copy, the most
    complete, first by file name and row (whatever the order of the files)."""
    n_without_time: int
    """Rows with no committed date."""
    n_without_location: int
    """Rows with no coordinates, or a placeholder 0 (0,0 for longitude and latitude)."""
    n_outside_area: int
    """Rows outside the CRS's area of use, Great Britain (for GB data) or the given area."""
    n_bad_window: int
    """Rows whose window ends before it starts."""
    n_possible_duplicates: int
    """Kept rows identical to an earlier row, in a file without references."""
    n_at_midnight: int
    """Kept events with an exact time of exactly 00:00 (often "time unknown"); date-only rows,
    read as whole days, are not counted."""
    crs: str
    """The projected CRS of the events (EPSG:27700 in Great Britain, else a UTM zone)."""
    source_crs: str
    """The CRS the coordinates were read in."""
    columns: Mapping[str, str]
    """Role (see :data:`COLUMN_ROLES`) to the column it was read from."""
    files: tuple[str, ...]
    """The files read, in order."""
    midnight: Midnight
    """How exact times of 00:00 were read."""
    notes: tuple[str, ...] = field(default=())
    """Plain-English remarks: choices made, rows set aside and why."""

    @property
    def midnight_share(self) -> float:
        """Share of events recorded at exactly 00:00 (0 when there are no events)."""
        return self.n_at_midnight / self.n_events if self.n_events else 0.0


@dataclass(frozen=True)
class Incidents:
    """
    Events read by :func:`read_incidents`, with the report and the rows set aside.

    The events are held as a plain table with ``x_m`` and ``y_m``; their points are built the
    first time :attr:`events` is asked for (creating 100,000 shapely points costs more than
    reading the file), so analyses of time alone (:attr:`table`) never pay for them.
    """

    table: pd.DataFrame
    """Columns :data:`INCIDENT_COLUMNS` + ``x_m``, ``y_m`` (metres in :attr:`crs`); ``start`` and
    ``end`` are naive local ``datetime64[ns]``, ``end == start`` for an exact time."""
    crs: CRS
    """The events' projected CRS (EPSG:27700 in Great Britain, else a UTM zone)."""
    report: IncidentReport
    """Counts and notes."""
    rejected: pd.DataFrame
    """Rows not kept: the source columns plus ``source_file``, ``source_row``, ``reason`` (one of
    ``duplicate``, ``without time``, ``without location``, ``outside Great Britain`` (EPSG:27700
    events only), ``outside area``, ``window ends before it starts``) and
    ``start`` (the parsed committed-from time, NaT when there is none)."""

    @functools.cached_property
    def events(self) -> gpd.GeoDataFrame:
        """Columns :data:`INCIDENT_COLUMNS` + point ``geometry`` in :attr:`crs` (built once)."""
        frame = self.table.drop(columns=["x_m", "y_m"])
        points = shapely.points(self.table["x_m"].to_numpy(), self.table["y_m"].to_numpy())
        return gpd.GeoDataFrame(frame, geometry=points, crs=self.crs)


def recorded_at_midnight(
    start: pd.Series | pd.DatetimeIndex | npt.NDArray[np.datetime64],
    end: pd.Series | pd.DatetimeIndex | npt.NDArray[np.datetime64],
) -> npt.NDArray[np.bool_]:
    """
    Return where an event is recorded at exactly 00:00: an exact time (no window) at midnight.

    This is the one rule behind the ``at_midnight`` column of :data:`INCIDENT_COLUMNS` and
    :func:`hotspots.when.n_recorded_at_midnight`. A window (``end`` after ``start``), even one
    starting at 00:00, is not; nor is a date read as its whole day (00:00 to 24:00), nor a
    missing time. Apply it to the times as recorded, before ``midnight="unknown"`` spreads
    these events over their day.

    Parameters
    ----------
    start, end
        Each event's start and end, naive datetimes (``end == start`` for an exact time).

    Returns
    -------
    numpy.ndarray
        Booleans, one per event.

    Examples
    --------
    An exact 00:00, a window from 00:00, a whole day and an exact 00:01:

    >>> start = pd.to_datetime(["2025-01-03 00:00"] * 3 + ["2025-01-03 00:01"])
    >>> end = pd.to_datetime(
    ...     ["2025-01-03 00:00", "2025-01-03 06:00", "2025-01-04 00:00", "2025-01-03 00:01"]
    ... )
    >>> recorded_at_midnight(start, end)
    array([ True, False, False, False])
    """
    s = np.asarray(start, dtype="datetime64[ns]")
    at: npt.NDArray[np.bool_] = s == np.asarray(end, dtype="datetime64[ns]")  # never NaT
    ns = s.view(np.int64)
    # a day is 2**16 * 675 * 1953125 ns: a multiple of it has its low 16 bits 0, so the (slow)
    # 64-bit remainder is taken only for those (1 in 32 whole minutes); the answer is the same
    rows = np.flatnonzero(at & (ns & 0xFFFF == 0))
    at[:] = False
    at[rows] = ns[rows] % _DAY_NS == 0
    return at


def parse_column_map(text: str) -> dict[str, str]:
    """
    Parse ``"x=Easting,y=Northing,type=Offence"`` into a role to column mapping.

    Parameters
    ----------
    text
        Comma-separated ``role=Column Name`` pairs; roles are those of :data:`COLUMN_ROLES`
        (``date`` and ``time`` mean ``from`` and ``from_time``).

    Returns
    -------
    dict[str, str]
        Role to column name.

    Raises
    ------
    InputDataError
        When a pair has no ``=``, names an unknown role, or gives a role twice (``date`` and
        ``from`` are one role); or when one column is given for two coordinates.

    Examples
    --------
    >>> parse_column_map("x=Easting, y=Northing,date=Committed From")
    {'x': 'Easting', 'y': 'Northing', 'from': 'Committed From'}
    """
    out: dict[str, str] = {}
    given: dict[str, str] = {}  # role to the pair that gave it
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        role, sep, column = part.partition("=")
        role = _ROLE_ALIASES.get(role.strip().lower(), role.strip().lower())
        if not sep or not column.strip() or role not in COLUMN_ROLES:
            msg = (
                f"--columns: cannot read {part!r}. Write role=Column pairs separated by commas "
                f"(app: Column names); roles: {', '.join(COLUMN_ROLES)} (date and time also "
                "work)."
            )
            raise InputDataError(msg)
        if role in given:
            msg = (
                f"--columns gives the role {role} twice ({given[role]!r} and {part!r}). Give "
                "each role once (app: Column names)."
            )
            raise InputDataError(msg)
        given[role] = part
        out[role] = column.strip()
    _refuse_shared_coordinates(out, source="")
    return out


_COORDINATE_ROLES: Final = ("x", "y", "lon", "lat")


def _refuse_shared_coordinates(roles: Mapping[str, str], *, source: str) -> None:
    """
    Refuse one column given for two coordinate roles (``x=Easting,y=Easting``).

    ``source`` (the file, or empty) begins the message.
    """
    first_role: dict[str, str] = {}
    for role in (r for r in _COORDINATE_ROLES if r in roles):
        column = roles[role]
        if column in first_role:
            msg = (
                f"{source}{': ' * bool(source)}--columns gives the column {column!r} for both "
                f"{first_role[column]} and {role}; each coordinate needs its own column. Correct "
                "--columns (app: Column names)."
            )
            raise InputDataError(msg)
        first_role[column] = role


# --------------------------------------------------------------------------- files


def _iter_blobs(source: IncidentSource) -> Iterator[tuple[str, bytes]]:
    """
    Yield ``(name, bytes)`` for every CSV or .xlsx a source holds.

    In a folder, operating-system clutter (:func:`spatial.validate.is_system_junk`: Excel's
    ``~$`` lock files, macOS ``._`` copies, ``.DS_Store``) is skipped with a
    :class:`~spatial.errors.PatchmapWarning` saying how many files: the extract read is the same.
    """
    import warnings  # noqa: PLC0415 - light; local to this reader like the two below

    from spatial.errors import PatchmapWarning  # noqa: PLC0415
    from spatial.validate import is_system_junk, skipped_junk_note  # noqa: PLC0415

    if isinstance(source, tuple):
        yield source
        return
    path = check_readable(source, what="extract", allow_dir=True)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        junk = {p for p in files if is_system_junk(str(p.relative_to(path)))}
        if junk:
            warnings.warn(skipped_junk_note(path.name, len(junk)), PatchmapWarning, stacklevel=2)
        found = [p for p in files if p.suffix.lower() in {".csv", ".xlsx"} and p not in junk]
        if not found:
            msg = f"{path}: the folder holds no .csv or .xlsx files. Choose the extract files."
            raise EmptyInputError(msg)
        for p in found:
            yield str(p.relative_to(path.parent)), read_file_bytes(p, what="extract")
    else:
        yield path.name, read_file_bytes(path, what="extract")


def _read_table(
    name: str, data: bytes, *, given: Mapping[str, str], notes: list[str]
) -> tuple[list[str], pd.DataFrame, frozenset[str]]:
    """
    Read one CSV or .xlsx as text columns, stripped, empty cells as missing (cleaned once).

    Returns the file's own columns (names stripped), the frame of them plus ``source_file``
    and ``source_row`` (the row as a spreadsheet numbers it), and the columns not yet checked
    for padded cells (see :func:`_read_csv_text`). A workbook is read by :func:`_read_workbook`
    (every sheet that holds rows).
    """
    if name.lower().endswith(".xlsx"):
        return (*_read_workbook(name, data, notes=notes), frozenset())
    table, deferred = _read_csv_text(name, data, given=given)
    columns = [str(c).strip() for c in table.column_names]
    if _SOURCE_COLUMNS & set(columns):  # the file has a column of that name: pandas replaces it
        return (*_with_source(table.to_pandas(), name), deferred)
    n = len(table)
    table = table.rename_columns(columns).append_column(
        "source_file", _repeated_text(name, n)
    )  # built in Arrow: adding columns to a pandas frame costs more than converting them
    table = table.append_column("source_row", pa.array(np.arange(2, n + 2, dtype=np.int64)))
    return columns, table.to_pandas(split_blocks=True), deferred


def _read_workbook(name: str, data: bytes, *, notes: list[str]) -> tuple[list[str], pd.DataFrame]:
    """
    Read every sheet of a workbook that holds rows, as one extract of one layout.

    Sheets without rows (no cell filled below the header) are skipped: nothing is lost. When
    one sheet holds rows it is read as the file. When several do (a sheet a year), they must
    have the same columns: they are read in order, each row's ``source_file`` naming its sheet
    (``book.xlsx (sheet 2025)``) so that "row N" is found, and a note names them. Sheets with
    rows but other columns (a README beside the data) are refused with each sheet's rows and
    columns: a workbook is read whole or not at all, never half-read.
    """
    if not data:
        msg = f"{name}: the file is empty. Save the extract from Excel again (.xlsx or CSV)."
        raise EmptyInputError(msg)
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="openpyxl")
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as err:
        msg = f"{name}: could not be read as an Excel workbook ({err}). Save it as .xlsx."
        raise InputDataError(msg) from err
    filled = {str(s): f for s, f in sheets.items() if bool(f.notna().to_numpy().any())}
    if len(filled) <= 1:  # one sheet of rows (or none: the reader says "no rows")
        frame = next(iter(filled.values()), next(iter(sheets.values()), pd.DataFrame()))
        return _with_source(frame.apply(_clean), name)
    layouts = {s: _unique_names(list(f.columns), f"{name} (sheet {s})") for s, f in filled.items()}
    first = next(iter(filled))
    if any(layout != layouts[first] for layout in layouts.values()):
        found = "; ".join(_sheet_summary(s, len(f), layouts[s]) for s, f in filled.items())
        msg = (
            f"{name}: {len(filled)} sheets hold rows, but not under the same columns ({found}). "
            "patchmap reads every sheet that holds rows as one extract: delete the sheets that "
            "are not the extract (or move them to another workbook), or save each layout as its "
            "own file."
        )
        raise InputDataError(msg)
    parts = [_with_source(f.apply(_clean), f"{name} (sheet {s})")[1] for s, f in filled.items()]
    read = ", ".join(f"{s!r} ({len(f):,} row{'s' * (len(f) != 1)})" for s, f in filled.items())
    notes.append(f"{name}: {len(filled)} sheets of the same columns read: {read}.")
    return layouts[first], pd.concat(parts, ignore_index=True)


_FEW_COLUMNS: Final = 6


def _sheet_summary(sheet: str, n_rows: int, columns: Sequence[str]) -> str:
    """Say a sheet's rows and columns: ``'2025': 150 rows, columns Crime Ref, Offence, ...``."""
    shown = ", ".join(columns[:_FEW_COLUMNS]) + (", ..." if len(columns) > _FEW_COLUMNS else "")
    return f"{sheet!r}: {n_rows:,} row{'s' * (n_rows != 1)}, columns {shown}"


def _rows(n: int, one: str = "", many: str = "") -> str:
    """
    Say ``n`` rows, singular for one, with a verb that agrees (``one`` or ``many``).

    Examples
    --------
    >>> _rows(1, "lies", "lie"), _rows(2, "lies", "lie"), _rows(1)
    ('1 row lies', '2 rows lie', '1 row')
    """
    verb = one if n == 1 else many
    return f"{n} row{'s' * (n != 1)}{' ' * bool(verb)}{verb}"


_SOURCE_COLUMNS: Final = frozenset({"source_file", "source_row"})


def _unique_names(raw: Sequence[object], name: str) -> list[str]:
    """
    Return the column names without spaces at their ends; refuse two columns of one name.

    Two columns named alike (``Location`` twice, or ``Location`` and `` Location``) cannot be
    told apart by role or by ``--columns``: the file is refused, naming both, not half-read.
    """
    names = [str(c).strip() for c in raw]
    first_of: dict[str, str] = {}
    for original, stripped in zip((str(c) for c in raw), names, strict=True):
        if stripped in first_of:
            first = first_of[stripped]
            trimmed = "" if first == original else " once the spaces at their ends are trimmed"
            msg = (
                f"{name}: two columns are called {stripped!r}{trimmed} ({first!r} and "
                f"{original!r}). Rename or delete one of them in the file, then read it again."
            )
            raise InputDataError(msg)
        first_of[stripped] = original
    return names


def _with_source(frame: pd.DataFrame, name: str) -> tuple[list[str], pd.DataFrame]:
    """Strip the column names; add ``source_file`` and ``source_row`` (2 for the first row)."""
    frame.columns = _unique_names(list(frame.columns), name)
    columns = list(frame.columns)
    frame["source_file"] = _repeated_text(name, len(frame)).to_pandas().array
    frame["source_row"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return columns, frame


def _csv_bytes(name: str, data: bytes) -> bytes:
    """Refuse empty, binary, UTF-16 (:func:`~spatial.validate.refuse_not_csv`), JSON and HTML."""
    if data.startswith(b"PK\x03\x04"):
        msg = f"{name}: this is an Excel workbook or a .zip archive, not a CSV. Name it .xlsx."
        raise InputDataError(msg)
    export = "Export the extract from the RMS as CSV (UTF-8, with a header row) or .xlsx."
    refuse_not_csv(data, source=name, advice=export)  # the checks every CSV reader makes
    return data


def _block_size(n_bytes: int) -> int:
    """
    Arrow's CSV block size for a file: one block per thread of Arrow's pool, at least 1 MB.

    Arrow parses blocks in parallel and gives each column one chunk per block; with its default
    1 MB a 100,000-row extract comes in 8 chunks, and every later look at a column (edges,
    dates) pays per chunk. One block per thread parses as fast.
    """
    return max(1 << 20, -(-n_bytes // max(int(pa.cpu_count()), 1)) + 1)


def _read_csv_text(
    name: str, data: bytes, *, given: Mapping[str, str]
) -> tuple[pa.Table, frozenset[str]]:
    """
    Read CSV bytes as cleaned string columns with Arrow's CSV reader (several times pandas').

    The header line is decoded by :func:`spatial.validate.decode_text`; the rest is given to
    Arrow as it is (no decoding into Python text), whose reader checks it is UTF-8 (unless it is
    all ASCII, which Python tells faster): a file that is not is refused with
    :func:`~spatial.validate.decode_text`'s message (byte and line). Each
    column is stripped and emptied cells made missing in Arrow, once, so later steps never clean
    a column again; except the date and coordinate columns the parse will read (found by
    :func:`_parsed_columns` from the header and ``given``), returned as not yet checked: their
    fast parsers prove them clean (a date of one fixed layout, a number Arrow reads, has no
    space at its edges) or :func:`_clean_column` cleans them before they are read as text.
    They are checked here after all when every other column has an empty cell: only a column
    without one proves that no row is wholly blank, as the blank-row check takes it.
    """
    data = _csv_bytes(name, data)
    end = data.find(b"\n")
    text = decode_text(data if end < 0 else data[: end + 1], source=name)
    header = next(csv.reader(io.StringIO(text)), [])
    if not header:
        msg = f"{name}: the file is empty. Export the extract as CSV with a header row."
        raise EmptyInputError(msg)
    refuse_other_separator(header, source=name, advice="", line=text)
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(body),  # zero-copy (a BytesIO is read through a copy)
            read_options=pa_csv.ReadOptions(
                column_names=header, skip_rows=1, block_size=_block_size(len(body))
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()),  # pandas' own: no copy
                null_values=[""],
                strings_can_be_null=True,
                check_utf8=not body.isascii(),  # ASCII is UTF-8: a look at the bytes is quicker
            ),
        )
    except pa.ArrowInvalid as err:
        if "UTF8" in str(err):
            decode_text(data, source=name)  # names the first byte that is not UTF-8
        msg = f"{name}: could not be read as a CSV ({err}). Export the extract as CSV."
        raise InputDataError(msg) from err
    names = _unique_names(table.column_names, name)
    deferred = _parsed_columns(names, given)
    for i, column in enumerate(table.columns):
        if names[i] not in deferred and (cleaned := _trimmed(column)) is not None:
            table = table.set_column(i, table.column_names[i], cleaned)
    if deferred and all(
        table.column(i).null_count for i in range(len(names)) if names[i] not in deferred
    ):  # a row may be wholly blank: check the deferred columns too
        for i, column in enumerate(table.columns):
            if names[i] in deferred and (cleaned := _trimmed(column)) is not None:
                table = table.set_column(i, table.column_names[i], cleaned)
        deferred = frozenset()
    return table, deferred


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """
    Return the column with its values stripped and emptied ones missing; ``None`` if the same.

    A look at each value's edge bytes first (:func:`~spatial._fast_text.may_be_padded`, no
    copy): only columns with padded cells are rebuilt.
    """
    if not may_be_padded(column):
        return None
    stripped = pc.utf8_trim_whitespace(column)
    if stripped.equals(column):
        return None
    blank = pc.equal(stripped, "")
    cleaned: pa.ChunkedArray = pc.if_else(blank, pa.scalar(None, stripped.type), stripped)
    return cleaned


def _parsed_columns(names: Sequence[str], given: Mapping[str, str]) -> frozenset[str]:
    """
    Return the date and coordinate columns whose fast parsers will read them, by name.

    The roles :func:`_find_columns` will find; none when it would refuse the columns (its error
    comes later, as before) or when two columns share a name. A date column read with a time or
    hour column beside it is not among them (the fast date parser does not read those), nor a
    column given another role too.
    """
    if len(set(names)) != len(names):
        return frozenset()
    try:
        roles = _find_columns(names, given, source="")
    except PatchmapError:
        return frozenset()
    used = ["x", "y"] if {"x", "y"} <= roles.keys() else ["lon", "lat"]
    used += [w for w in ("from", "to") if w in roles and _fast_eligible(roles, w)]
    parsed = {roles[r] for r in used if r in roles}
    other = {c for r, c in roles.items() if r not in used and r != "dates"}
    return frozenset(parsed - other)  # a column read in another role too is checked now


def _fast_eligible(roles: Mapping[str, str], which: Literal["from", "to"]) -> bool:
    """Whether :func:`_timestamp` reads the column of ``which`` with the fast parser first."""
    return f"{which}_time" not in roles and (which == "to" or "hour" not in roles)


def _clean_column(table: pd.DataFrame, column: str, unchecked: set[str]) -> bool:
    """
    Strip a column not yet checked (see :func:`_read_csv_text`) in ``table``, as reading does.

    Returns whether any value changed. A column already checked is left as it is.
    """
    if column not in unchecked:
        return False
    unchecked.discard(column)
    cleaned = _trimmed(_arrow_text(table[column]))
    if cleaned is None:
        return False
    table[column] = cleaned.to_pandas().array  # the dtype reading gives: pandas' Arrow text
    return True


def _read_all(
    sources: Sequence[IncidentSource], *, given: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str], set[str]]:
    """
    Read every file; return the rows, the files read, notes and the columns not yet checked.

    Columns not yet checked for padded cells (see :func:`_read_csv_text`) must be proven clean
    or cleaned with :func:`_clean_column` before their text is used.
    """
    frames: list[pd.DataFrame] = []
    unchecked: set[str] = set()
    files: list[str] = []
    notes: list[str] = []
    seen: dict[int, list[tuple[str, bytes]]] = {}  # by size: only equal sizes are compared
    layout: list[str] = []
    for source in sources:
        for name, data in _iter_blobs(source):
            same = next((n for n, d in seen.get(len(data), []) if d == data), None)
            if same is not None:
                notes.append(copy_note(name, same))
                continue
            seen.setdefault(len(data), []).append((name, data))
            files.append(name)
            columns, frame, deferred = _read_table(name, data, given=given, notes=notes)
            unchecked |= deferred
            if frames and columns != layout:
                msg = (
                    f"{name}: its columns differ from {files[0]}'s "
                    f"({', '.join(columns)} against {', '.join(layout)}). "
                    "Read extracts with different layouts separately."
                )
                raise InputDataError(msg)
            layout = layout or columns
            frames.append(without_blank_rows(frame, layout, name=name, notes=notes))
    one = len(frames) == 1 and frames[0].index.equals(pd.RangeIndex(len(frames[0])))
    table = frames[0] if one else pd.concat(frames, ignore_index=True)
    if table.empty:
        msg = f"{', '.join(files)}: no rows. Export the extract with at least one crime."
        raise EmptyInputError(msg)
    return table, files, notes, unchecked


def _repeated_text(text: str, n: int) -> pa.Array:
    """
    Return ``text`` ``n`` times as an Arrow ``large_string`` array, built from two buffers.

    The same values and dtype as assigning the string to a column (pandas' text dtype holds
    Arrow ``large_string``), in a third of the time: no take of a one-value array.
    """
    raw = text.encode()
    offsets = (
        np.arange(0, (n + 1) * len(raw), len(raw), dtype=np.int64)
        if raw
        else np.zeros(n + 1, dtype=np.int64)
    )
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw * n)]
    )


# --------------------------------------------------------------------------- columns


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _find_columns(
    columns: Sequence[str], given: Mapping[str, str], *, source: str
) -> dict[str, str]:
    """Role to column: the given names first, then the usual names."""
    real = [c for c in columns if c not in {"source_file", "source_row"}]
    roles = _given_roles(given, source=source)
    if "dates" in roles:
        roles["dates"] = _date_order(roles["dates"])
    for role, column in roles.items():
        if role != "dates" and column not in real:
            msg = (
                f"{source}: --columns names {column!r} for {role}, but there is no such column. "
                f"Columns found: {', '.join(real)}. Correct the name in --columns (app: Column "
                "names)."
            )
            raise MissingColumnError(msg)
    used = {c for r, c in roles.items() if r != "dates"}
    by_norm: dict[str, str] = {}
    for column in real:
        by_norm.setdefault(_normalise(column), column)
    for role, aliases in _ALIASES.items():
        if role in roles:
            continue
        hit = next((by_norm[a] for a in aliases if a in by_norm and by_norm[a] not in used), None)
        if hit is not None:
            roles[role] = hit
            used.add(hit)
    if "from" not in roles and all(r in by_norm for r in _SPLIT_ROLES):
        roles.update({r: by_norm[r] for r in _SPLIT_ROLES})
    _require_roles(roles, real, source=source)
    return roles


def _given_roles(given: Mapping[str, str], *, source: str) -> dict[str, str]:
    """
    Return the roles given with their aliases resolved (``date`` is ``from``).

    A role given twice under its two names (``date`` and ``from``) and one column given for two
    coordinates are refused, never one of them silently chosen.
    """
    roles: dict[str, str] = {}
    for key, column in given.items():
        role = _ROLE_ALIASES.get(key, key)
        if role in roles and roles[role] != column:
            msg = (
                f"{source}: --columns gives the role {role} twice ({roles[role]!r} and "
                f"{column!r}). Give each role once (app: Column names)."
            )
            raise InputDataError(msg)
        roles[role] = column
    _refuse_shared_coordinates(roles, source=source)
    return roles


_DATE_ORDERS: Final = ("day-first", "month-first")


def _date_order(value: str) -> str:
    """Return ``day-first`` or ``month-first`` (any case); refuse any other ``dates=`` value."""
    order = value.strip().lower()
    if order not in _DATE_ORDERS:
        msg = (
            f"--columns dates={value!r} (app: Column names): write dates=day-first (UK, "
            "13/01/2025) or dates=month-first (US, 01/13/2025)."
        )
        raise InputDataError(msg)
    return order


def _require_roles(roles: Mapping[str, str], real: Sequence[str], *, source: str) -> None:
    missing = []
    if "from" not in roles and not all(r in roles for r in _SPLIT_ROLES):
        missing.append("a committed date (from=, or year=, month=, day=)")
    if not ({"x", "y"} <= roles.keys() or {"lon", "lat"} <= roles.keys()):
        missing.append("coordinates (x= and y=, or lon= and lat=)")
    if "type" not in roles:
        missing.append("an offence or crime type (type=)")
    if missing and {"Crime ID", "Month", "Reported by", "Falls within"} <= set(real):
        msg = (
            f"{source}: this looks like a data.police.uk street-level file (a Month, no dates "
            "or times), not a force extract. Load it with --crimes (app: the sidebar's Data "
            "set, its Crime CSVs); the When page and --incidents need the force's RMS extract "
            "with times."
        )
        raise MissingColumnError(msg)
    if missing:
        msg = (
            f"{source}: could not find {'; '.join(missing)} among the columns "
            f"{', '.join(real)}. {_COLUMNS_HINT}"
        )
        raise MissingColumnError(msg)


# --------------------------------------------------------------------------- dates and times

_NUMERIC_DATE_RE: Final = re.compile(r"^\d{1,2}([/.-])\d{1,2}\1\d{4}")
_YMD_RE: Final = re.compile(r"^\d{4}([/.-])\d{1,2}\1\d{1,2}")
_TEXT_MONTH_RE: Final = re.compile(r"^\d{1,2}([ -])[A-Za-z]{3,9}\1\d{4}")
_EARLIEST: Final = pa.scalar(
    pd.Timestamp(f"{FIRST_YEAR}-01-01").to_pydatetime(), type=pa.timestamp("s")
)
_LATEST: Final = pa.scalar(
    pd.Timestamp(f"{LAST_YEAR + 1}-01-01").to_pydatetime(), type=pa.timestamp("s")
)
"""Dates outside these years are typing mistakes (0024, 9999): unreadable, never a crash."""
_TIME_PARTS: Final = (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", "")


def _arrow_text(values: pd.Series) -> pa.Array:
    """Return the values as Arrow strings (no copy when pandas already holds them in Arrow)."""
    try:
        text = pa.array(values.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(values.astype(object), type=pa.large_string(), from_pandas=True)
    if text.type in {pa.string(), pa.large_string()}:
        return text
    return text.cast(pa.large_string())


def _try_formats(values: pd.Series, date_formats: Sequence[str]) -> pd.Series:
    """
    Parse with each format in turn (Arrow's strict strptime); the first that fits wins.

    The format of the first value is found on that value alone. When every value is a real date
    written exactly in it, the column is read by :func:`~spatial._fast_text.fixed_width_seconds`
    (NumPy over the bytes). Otherwise the whole column is parsed with it once, and only values
    it leaves unparsed go through the other formats, in order (strict formats never both fit one
    value, so the answer is the same as trying every format in turn).
    """
    text = _arrow_text(values)
    hit = _format_of(_first_present(text), date_formats)
    fast = fixed_width_seconds(text, hit) if hit else None
    if fast is not None:  # every value a real date in the first value's layout
        ns = _seconds_as_ns(fast, n_missing=text.null_count)
        return pd.Series(ns, index=values.index, copy=False)  # a new array: no copy
    out = pa.nulls(len(text), type=pa.timestamp("s"))
    ordered = ([hit] if hit else []) + [f for f in date_formats if f != hit]
    for date_format in ordered:
        if out.null_count == text.null_count:
            break
        parsed = pc.strptime(text, format=date_format, unit="s", error_is_null=True)
        in_range = pc.and_(pc.greater_equal(parsed, _EARLIEST), pc.less(parsed, _LATEST))
        real = _as_typed(parsed, text, date_format)
        out = pc.coalesce(out, pc.if_else(pc.and_(in_range, real), parsed, None))
    return pd.Series(
        out.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False),
        index=values.index,
        dtype="datetime64[ns]",
    )


def _seconds_as_ns(seconds: npt.NDArray[np.int64], *, n_missing: int) -> npt.NDArray[np.datetime64]:
    """
    Return seconds since 1970 (:data:`~spatial._fast_text.NAT_S` where missing) as ``M8[ns]``.

    A plain multiplication, in place (``seconds`` is the caller's fresh array, not used again;
    the dates of the fast parser, 1900-2099, fit in nanoseconds), with the ``n_missing``
    missing values put back as NaT: two to five times faster than NumPy's datetime cast.
    """
    missing = np.flatnonzero(seconds == NAT_S) if n_missing else None
    ns = np.multiply(seconds, np.int64(1_000_000_000), out=seconds)
    if missing is not None:
        ns[missing] = NAT_S  # NaT is the same integer in both units
    out: npt.NDArray[np.datetime64] = ns.view("M8[ns]")
    return out


def _format_of(value: pa.Scalar | None, date_formats: Sequence[str]) -> str | None:
    """Return the first of ``date_formats`` that reads ``value`` (Arrow's strict strptime)."""
    if value is None:
        return None
    return next(
        (
            f
            for f in date_formats
            if pc.strptime(value, format=f, unit="s", error_is_null=True).is_valid
        ),
        None,
    )


def _first_present(text: pa.Array | pa.ChunkedArray) -> pa.Scalar | None:
    """Return the first value that is not missing (no copy of the column), or ``None``."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    for chunk in chunks:
        if chunk.null_count == 0 and len(chunk):  # the usual case: no look for it
            return chunk[0]
        if chunk.null_count < len(chunk):
            at = pc.index(chunk.is_valid(), value=True).as_py()
            return chunk[at]
    return None


def _unpadded(text: pa.Array) -> pa.Array:
    """Drop leading zeros of every number, so ``03/01`` and ``3/1`` compare equal."""
    return pc.replace_substring_regex(text, pattern=r"(^|\D)0+(\d)", replacement=r"\1\2")


def _as_typed(parsed: pa.Array, text: pa.Array, date_format: str) -> pa.Array:
    """
    Return where a parsed date, written back in its format, reads as typed.

    Arrow's strptime rolls impossible dates over (``31/02/2025`` becomes 3 March, ``23:59:60``
    the next minute); writing the date back and comparing, leading zeros aside, catches them, so
    they count as unreadable. A rolled-over day lands on day 1, 2 or 3 of the next month and a
    rolled-over second was typed ``:60``: only rows parsed to day 1-3 whose text holds 29, 30 or
    31, and rows typed ``:6`` (formats with seconds), are written back; the others are as typed
    (the answer is the same as writing every row back, at a small part of the cost).
    """
    suspect = pc.less_equal(pc.day(parsed), 3)
    if "%S" in date_format:  # only a seconds field can be typed 60
        suspect = pc.or_(suspect, pc.match_substring(text, ":6"))
    rows = np.flatnonzero(np.asarray(suspect.fill_null(False), dtype=bool))  # noqa: FBT003
    if len(rows):
        late = pc.match_substring_regex(text.take(rows), r"29|3[01]|:6").fill_null(False)  # noqa: FBT003
        rows = rows[np.asarray(late, dtype=bool)]
    typed = np.ones(len(parsed), dtype=bool)
    if len(rows):
        written = pc.strftime(parsed.take(rows), format=date_format)
        same = pc.equal(_unpadded(written), _unpadded(text.take(rows)))
        typed[rows] = np.asarray(same.fill_null(False), dtype=bool)  # noqa: FBT003
    return pa.array(typed)


def _formats(date_part: str, sep: str) -> list[str]:
    date_part = date_part.replace("/", sep)
    return [date_part + t for t in _TIME_PARTS]


def _numeric_layout(first: str) -> tuple[str, str] | None:
    """
    Return the numeric layout of a column's first date and its separator, as both readers see it.

    ``("%Y/%m/%d", sep)`` for a year-first date, ``("%d/%m/%Y", sep)`` for a day-or-month-first
    one (which of the two is for the caller to decide), ``None`` for anything else (month
    names, a year without separators). :func:`_fast_dates` and :func:`_parse_dates` choose from
    this one answer, so the fast path can only ever take a layout the general path would take.
    """
    if m := _YMD_RE.match(first):
        return "%Y/%m/%d", m.group(1)
    if m := _NUMERIC_DATE_RE.match(first):
        return "%d/%m/%Y", m.group(1)
    return None


def _fast_dates(values: pd.Series, *, order: str | None) -> tuple[pd.Series, bool] | None:
    """
    Parse a fixed-width numeric date column at once, or ``None`` to take the general path.

    The layout is the one :func:`_parse_dates` would choose, found on the first value the same
    way; the column is read by :func:`~spatial._fast_text.fixed_width_dates` only when every
    value is a real date in it. Day-first is taken only where the general path takes it at once
    (told, or a day above 12); anything else (an undecided order, a fraction of a second, a value
    in another layout) goes the general way, which decides or names the problem. Returns the
    dates and whether any has a time of day.
    """
    text = _arrow_text(values)
    first_value = _first_present(text)
    first = "" if first_value is None else str(first_value.as_py())
    layout = _numeric_layout(first)
    if layout is None:
        return None
    date_part, sep = layout
    if date_part == "%d/%m/%Y" and order == "month-first":
        date_part = "%m/%d/%Y"
    # the format Arrow's strptime would find first for the first value, when the column can
    # be read at all: a date written exactly in a layout fits no format before it in the list
    hit = fixed_width_written_in(first, _formats(date_part, sep))
    dates = None if hit is None else fixed_width_dates(text, hit)
    if dates is None:
        return None
    if date_part == "%d/%m/%Y" and order != "day-first" and dates.latest_day <= 12:  # noqa: PLR2004
        return None  # every day 12 or less: the general path asks which order
    ns = _seconds_as_ns(dates.seconds, n_missing=text.null_count)
    stamps = pd.Series(ns, index=values.index, copy=False)  # a new array: no copy
    return stamps, dates.has_time


def _parse_dates(
    values: pd.Series,
    *,
    column: str,
    order: str | None,
    origin: pd.DataFrame,
) -> pd.Series:
    """
    Parse a date (or date and time) column; day-first and month-first are never guessed.

    ``values`` are stripped strings with missing values as NA and any UTC offset removed.
    """
    present = values.notna().to_numpy()  # no copy of the column's text
    if not present.any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    first = str(values.iloc[int(present.argmax())])
    layout = _numeric_layout(first)
    if (layout is not None and layout[0] == "%Y/%m/%d") or first[:4].isdigit():
        sep = layout[1] if layout is not None else "-"
        if values.str.contains(r"\d:\d{2}\.\d", regex=True).any():
            values = values.str.replace(r"(:\d{2})\.\d+", r"\1", regex=True)  # drop fractions
        parsed = _try_formats(values, _formats("%Y/%m/%d", sep))
    elif m := _TEXT_MONTH_RE.match(first):
        parsed = _try_formats(values, _formats("%d/%b/%Y", m.group(1)) + _formats("%d/%B/%Y", "-"))
    elif layout is not None:  # day or month first
        parsed = _day_month(values, sep=layout[1], column=column, order=order, origin=origin)
    else:
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    advice = (
        "They were read month-first, as dates=month-first asks: check that the dates are "
        "month-first (01/21/2025), or leave dates= out."
        if order == "month-first"
        else _DATE_ADVICE
    )
    _raise_unparsed(values, parsed, column=column, origin=origin, advice=advice)
    return parsed


def _day_month(
    values: pd.Series, *, sep: str, column: str, order: str | None, origin: pd.DataFrame
) -> pd.Series:
    """
    Parse dd/mm/yyyy or mm/dd/yyyy, choosing only when the values (or ``order``) say which.

    Month-first dates are refused naming the file and row of the first that is no day-first
    date; dates that could be either, naming every file (each of their dates could be either).
    """
    day_first = _try_formats(values, _formats("%d/%m/%Y", sep))
    if order == "day-first":
        return day_first
    complete = int(day_first.notna().sum()) == int(values.notna().sum())
    if order is None and complete and _day_above_12(day_first):
        return day_first  # a day above 12: these can only be day-first
    month_first = _try_formats(values, _formats("%m/%d/%Y", sep))
    if order == "month-first":
        return month_first
    n_present = int(values.notna().sum())
    day_ok = int(day_first.notna().sum()) == n_present
    month_ok = int(month_first.notna().sum()) == n_present
    if day_ok and not month_ok:
        return day_first
    if month_ok and not day_ok:
        at = _first(values.notna().to_numpy() & day_first.isna().to_numpy())
        source, row = _origin(origin, at)
        msg = (
            f"{source}: the dates in {column!r} are month-first (US style, e.g. row {row}, "
            f"{values.iloc[at]!r}); patchmap reads UK day-first dates unless told. "
            "If that is right, add dates=month-first to --columns (app: Column names)."
        )
        raise InputDataError(msg)
    if day_ok and month_ok:
        msg = (  # the caller may settle it from the file's other date column
            f"{_files(origin)}: the dates in {column!r} could be day-first or month-first "
            f"(every day is 12 or less, e.g. {values.dropna().iloc[0]!r}). Say which: add "
            "dates=day-first (UK) or dates=month-first to --columns (app: Column names)."
        )
        raise _AmbiguousOrderError(msg)
    return day_first


class _AmbiguousOrderError(InputDataError):
    """Every date of a column could be day-first or month-first."""


def _day_above_12(dates: pd.Series) -> bool:
    """Whether any date falls on day 13-31 (the first thousand dates nearly always show one)."""
    return bool((dates.head(1000).dt.day > 12).any() or (dates.dt.day > 12).any())  # noqa: PLR2004


def _origin(table: pd.DataFrame, at: int) -> tuple[str, int]:
    """Return the file and row (as a spreadsheet numbers it) of the row at position ``at``."""
    return str(table["source_file"].iloc[at]), int(table["source_row"].iloc[at])


def _first(where: npt.NDArray[np.bool_]) -> int:
    """Return the position of the first True (the caller knows there is one)."""
    return int(np.flatnonzero(where)[0])


_FEW_FILES: Final = 3


def _files(table: pd.DataFrame) -> str:
    """
    Name every file of the table, for a message about all their rows together.

    Up to three files by name (``a.csv, b.csv``); more as ``36 files (a.csv to z.csv)``.
    """
    names = [str(n) for n in pd.unique(table["source_file"])]
    if len(names) <= _FEW_FILES:
        return ", ".join(names)
    return f"{len(names)} files ({names[0]} to {names[-1]})"


_DATE_ADVICE: Final = "Use UK day-first (03/01/2025 22:15) or ISO (2025-01-03 22:15) dates."
_TIME_ADVICE: Final = (
    "A time column holds 24-hour times of day: 22:15, 22:15:00, 2215 or 22.15 (00:00 to 23:59; "
    "no AM/PM, no 24:00)."
)


def _raise_unparsed(
    values: pd.Series,
    parsed: pd.Series,
    *,
    column: str,
    origin: pd.DataFrame,
    advice: str = _DATE_ADVICE,
    what: str = "dates",
) -> None:
    """Refuse values that are not ``what`` (dates), naming the file and row of the first."""
    bad = values.notna() & parsed.isna()
    if bad.any():
        at = bad.to_numpy().nonzero()[0][0]
        source, row = _origin(origin, at)
        first = str(values.iloc[at])
        if _EXCEL_SERIAL_RE.fullmatch(first):  # a date column saved from Excel as General
            advice = (
                "They look like Excel date serial numbers: format the column as a date "
                "(dd/mm/yyyy hh:mm) in Excel before saving the CSV, or save it as .xlsx."
            )
        msg = (
            f"{source}: {int(bad.sum())} values in {column!r} are not {what} patchmap can read "
            f"(first: row {row}, {first!r}). {advice}"
        )
        raise InputDataError(msg)


_EXCEL_SERIAL_RE: Final = re.compile(r"\d{5}(\.\d+)?")
"""Days since 1899-12-30, as Excel shows a date cell formatted as General (45915.1951)."""
_AT_24: Final = " of 24:00 read as 00:00 of the next day."
_HOUR_24_RE: Final = re.compile(r"(?<=\s)24:00(?::00)?$")
"""The end of a day written as 24:00 (as some records systems write it)."""


def _hour_24(
    values: pd.Series, notes: list[str], *, column: str
) -> tuple[pd.Series, npt.NDArray[np.bool_] | None]:
    """
    Write ``24:00`` as ``00:00``, saying so, and return where (the caller adds the day).

    ``None`` where no value is at 24:00 (the usual case: the values are returned as given).
    """
    at_24 = values.str.contains(_HOUR_24_RE, na=False).to_numpy(dtype=bool)
    if not at_24.any():
        return values, None
    n = int(at_24.sum())
    notes.append(f"{column}: {n:,} time{'s' * (n != 1)}{_AT_24}")
    replaced = values.str.replace(_HOUR_24_RE, "00:00", regex=True)
    return values.where(~at_24, replaced), at_24


def _clean(raw: pd.Series) -> pd.Series:
    values = raw.astype("str").str.strip()
    return values.mask(values == "")


def _has_offset(values: pd.Series) -> npt.NDArray[np.bool_]:
    """Return where a value ends in a time with a UTC offset (``22:15Z``, ``22:15:00+01:00``)."""
    found = pc.match_substring_regex(_arrow_text(values), _OFFSET_RE.replace("(", "(?:", 1))
    return np.asarray(found.fill_null(False), dtype=bool)  # noqa: FBT003


def _strip_offset(values: pd.Series, *, column: str, notes: list[str]) -> tuple[pd.Series, bool]:
    """
    Remove trailing UTC offsets (``+00``, ``Z``), saying so.

    Every value is looked at (about 4 ms for 100,000 on this general path; a column of one
    fixed layout never comes here), so an offset first written on row 90,000 gets the same
    advice as one on row 2.
    """
    offset = _has_offset(values)
    if not offset.any():
        return values, False
    example = values.iloc[_first(offset)]
    notes.append(f"{column}: UTC offsets (e.g. {example!r}) found in the dates.")
    return values.str.replace(_OFFSET_RE, r"\1", regex=True).str.strip(), True


def _parse_time_of_day(values: pd.Series, *, column: str, origin: pd.DataFrame) -> pd.Series:
    """Parse times ``22:15``, ``22:15:00`` or ``2215`` into a timedelta since midnight."""
    parsed = _try_formats(values, ("%H:%M:%S", "%H:%M", "%H%M", "%H.%M"))
    _raise_unparsed(
        values, parsed, column=column, origin=origin, advice=_TIME_ADVICE, what="times of day"
    )
    since_midnight: pd.Series = parsed - parsed.dt.normalize()
    return since_midnight


def _integer(
    values: pd.Series, *, column: str, bounds: tuple[int, int], origin: pd.DataFrame
) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    lo, hi = bounds
    bad = values.notna() & (numbers.isna() | (numbers < lo) | (numbers > hi) | (numbers % 1 != 0))
    if bad.any():
        at = bad.to_numpy().nonzero()[0][0]
        source, row = _origin(origin, at)
        msg = (
            f"{source}: {int(bad.sum())} values in {column!r} are not whole numbers from {lo} to "
            f"{hi} (first: row {row}, {values.iloc[at]!r})."
        )
        raise InputDataError(msg)
    return numbers


@dataclass(frozen=True)
class _Times:
    start: pd.Series
    end: pd.Series
    date_only: bool
    start_at_24: npt.NDArray[np.bool_] | None = None
    """Where ``start`` was written 24:00 (an exact time, read as the next day's 00:00), if any."""


def _untimed(stamp: pd.Series, text: pd.Series, *, has_time: bool) -> npt.NDArray[np.bool_]:
    """
    Return where a date was given without a time of day (a date-only value).

    In a column with no time at all, every date (even ``00:00`` written out: the column says
    nothing of the hour); in one with times, the dates at midnight written without one.
    """
    ns = stamp.to_numpy(dtype="datetime64[ns]")
    dated: npt.NDArray[np.bool_] = ~np.isnat(ns)
    if not has_time:
        return dated
    out: npt.NDArray[np.bool_] = dated & (ns.view(np.int64) % _DAY_NS == 0)
    rows = np.flatnonzero(out)
    if len(rows):  # only the rows at midnight are looked at
        out[rows] = ~text.iloc[rows].str.contains(":", regex=False).to_numpy(dtype=bool)
    return out


def _timestamp(
    table: pd.DataFrame,
    roles: Mapping[str, str],
    which: Literal["from", "to"],
    notes: list[str],
    unchecked: set[str],
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """
    One end of the window: date (+ time column, + hour/minute), and where it had no time.

    A date without a time (a date-only value, an empty time or hour cell beside a date) comes
    back at 00:00 of its day and is flagged, so the caller reads it as the whole day. A column
    not yet checked for padded cells is proven clean by the fast parser (a date of one fixed
    layout has no space at its edges) or cleaned and read again, as if cleaned when read.
    """
    column = roles[which]
    time_role = f"{which}_time"
    if _fast_eligible(roles, which):
        # a column of one exact layout holds no UTC offset: no look for one
        fast = _fast_dates(table[column], order=roles.get("dates"))
        if fast is None and _clean_column(table, column, unchecked):
            fast = _fast_dates(table[column], order=roles.get("dates"))
        unchecked.discard(column)  # proven clean, or cleaned
        if fast is not None:
            stamps, fast_has_time = fast  # one layout: every value has a time, or none has
            return stamps, np.zeros(len(stamps), dtype=bool) if fast_has_time else (
                stamps.notna().to_numpy()
            )
    _clean_column(table, column, unchecked)
    values, had_offset = _strip_offset(table[column], column=column, notes=notes)
    values, at_24 = _hour_24(values, notes, column=column)
    stamp = _parse_dates(values, column=column, order=roles.get("dates"), origin=table)
    if at_24 is not None:
        stamp = _plus_day(stamp, at_24)
    ns = stamp.to_numpy(dtype="datetime64[ns]")
    timed = (ns.view(np.int64) % _DAY_NS != 0) & ~np.isnat(ns)
    has_time = bool(timed.any())
    if time_role in roles:
        tod = _parse_time_of_day(table[roles[time_role]], column=roles[time_role], origin=table)
        untimed = stamp.notna().to_numpy() & tod.isna().to_numpy()
        return stamp.dt.normalize() + tod.fillna(pd.Timedelta(0)), untimed
    if which == "from" and "hour" in roles:
        if has_time and had_offset:
            # local midnight written in UTC: the nearest UTC midnight is the local date
            stamp = (stamp + pd.Timedelta(hours=12)).dt.normalize()
            notes.append(
                f"{column}: times with a UTC offset beside an hour column are read as local "
                "midnight written in UTC; the local date is the nearest midnight."
            )
        elif has_time:
            at = _first(timed)
            source, row = _origin(table, at)
            msg = (
                f"{source}: {column!r} holds times (e.g. row {row}, {table[column].iloc[at]!r}) "
                f"and {roles['hour']!r} holds hours: say which to use (drop hour= from "
                "--columns, or give a date-only column as from=; app: Column names)."
            )
            raise InputDataError(msg)
        delta, no_hour = _hour_minute(table, roles)
        return stamp.dt.normalize() + delta, stamp.notna().to_numpy() & no_hour
    if had_offset and has_time:
        offset = _has_offset(table[column])
        at = _first(offset & timed if (offset & timed).any() else offset)
        source, row = _origin(table, at)
        msg = (
            f"{source}: {column!r} holds times with a UTC offset (e.g. row {row}, "
            f"{table[column].iloc[at]!r}); patchmap needs local times as recorded. Export local "
            "times from the RMS."
        )
        raise InputDataError(msg)
    return stamp, _untimed(stamp, values, has_time=has_time)


def _timestamp_in_order(
    table: pd.DataFrame,
    roles: Mapping[str, str],
    which: Literal["from", "to"],
    notes: list[str],
    unchecked: set[str],
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """
    Read one end of the window, in the order the other date column shows if need be.

    When a column's dates alone cannot tell day-first from month-first, the file's other date
    column may: a day above 12 there proves day-first for both.
    """
    try:
        return _timestamp(table, roles, which, notes, unchecked)
    except _AmbiguousOrderError:
        other: Literal["from", "to"] = "to" if which == "from" else "from"
        if other not in roles or not _shows_day_first(table, roles, other, unchecked):
            raise
    notes.append(f"{roles[which]}: read day-first, as {roles[other]} shows (a day above 12).")
    return _timestamp(table, {**roles, "dates": "day-first"}, which, notes, unchecked)


def _shows_day_first(
    table: pd.DataFrame,
    roles: Mapping[str, str],
    which: Literal["from", "to"],
    unchecked: set[str],
) -> bool:
    """Whether a date column, read on its own, is day-first (dd/mm/yyyy with a day above 12)."""
    _clean_column(table, roles[which], unchecked)  # its text is looked at first
    values = table[roles[which]].dropna()
    layout = _numeric_layout(str(values.iloc[0])) if len(values) else None
    if layout is None or layout[0] != "%d/%m/%Y":
        return False
    try:
        _timestamp(table, roles, which, [], unchecked)
    except InputDataError:  # ambiguous too, month-first, or not dates: it shows nothing
        return False
    return True


def _hour_minute(
    table: pd.DataFrame, roles: Mapping[str, str]
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Return the time since midnight (0 where no hour is given) and where no hour is given."""
    hours = _integer(table[roles["hour"]], column=roles["hour"], bounds=(0, 23), origin=table)
    delta = pd.to_timedelta(hours.fillna(0), unit="h")
    if "minute" in roles:
        minutes = _integer(
            table[roles["minute"]], column=roles["minute"], bounds=(0, 59), origin=table
        )
        delta = delta + pd.to_timedelta(minutes.fillna(0), unit="min")
    return delta, hours.isna().to_numpy()


def _split_date(
    table: pd.DataFrame, roles: Mapping[str, str]
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    bounds = {"year": (1900, 2100), "month": (1, 12), "day": (1, 31)}
    parts = {
        r: _integer(table[roles[r]], column=roles[r], bounds=bounds[r], origin=table)
        for r in _SPLIT_ROLES
    }
    stamp = pd.to_datetime(pd.DataFrame(parts), errors="coerce").astype("datetime64[ns]")
    dated = stamp.notna().to_numpy()
    impossible = ~dated & np.logical_and.reduce([p.notna().to_numpy() for p in parts.values()])
    if impossible.any():  # each part in range, but no such day (31 February)
        at = int(np.flatnonzero(impossible)[0])
        source, row = _origin(table, at)
        shown = "/".join(str(int(parts[r].iloc[at])) for r in ("day", "month", "year"))
        msg = (
            f"{source}: {int(impossible.sum())} rows of {', '.join(roles[r] for r in _SPLIT_ROLES)}"
            f" give no real date (first: row {row}, day/month/year {shown}). Correct the day or "
            "the month in the extract."
        )
        raise InputDataError(msg)
    if "hour" in roles:
        delta, no_hour = _hour_minute(table, roles)
        return stamp + delta, dated & no_hour
    return stamp, dated


def _plus_day(stamp: pd.Series, where: npt.NDArray[np.bool_]) -> pd.Series:
    """Return ``stamp`` a day later where ``where`` holds (no arithmetic when it never does)."""
    if not where.any():
        return stamp
    if where[stamp.notna().to_numpy()].all():
        return stamp + _DAY
    return stamp + pd.to_timedelta(where.astype(np.int64), unit="D").to_numpy()


def _filled(stamps: pd.Series, other: pd.Series) -> pd.Series:
    """Return ``stamps.fillna(other)`` (same index) in NumPy; ``stamps`` when none is missing."""
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    gap = np.isnat(ns)
    if not gap.any():
        return stamps
    filled = np.where(gap, other.to_numpy(dtype="datetime64[ns]"), ns)
    return pd.Series(filled, index=stamps.index, name=stamps.name, copy=False)


def _times(
    table: pd.DataFrame, roles: Mapping[str, str], notes: list[str], unchecked: set[str]
) -> _Times:
    """
    Return each row's window: an exact time, a from-to window, or a whole day.

    A date without a time (date-only, or an empty time or hour cell) is read as its whole day,
    00:00 to 24:00, in every layout: never as an exact event at 00:00. A date-only "to" means
    the end of that day.
    """
    if "from" in roles:
        start, untimed = _timestamp_in_order(table, roles, "from", notes, unchecked)
    else:
        start, untimed = _split_date(table, roles)
    dated = ~np.isnat(start.to_numpy(dtype="datetime64[ns]"))  # no copy of the dates
    if not dated.any():
        column = roles.get("from", roles.get("year", ""))
        msg = (
            f"{_files(table)}: no row of {column!r} holds a date ({len(start):,} "
            "rows). Check that it is the committed date, or name it with --columns from=... "
            "(app: Column names)."
        )
        raise InputDataError(msg)
    whole_day = _plus_day(start, untimed)
    if "to" in roles:
        end, end_untimed = _timestamp_in_order(table, roles, "to", notes, unchecked)
        end = _filled(_plus_day(end, end_untimed), whole_day)
    else:
        end = whole_day
    n_untimed, n_dated = int(untimed.sum()), int(dated.sum())
    if n_untimed == n_dated:
        notes.append(
            "The dates have no times: each event is spread over its day (a 24-hour window)."
        )
    elif n_untimed:
        notes.append(
            f"{_rows(n_untimed, 'has', 'have')} a date but no time: "
            f"{'it is' if n_untimed == 1 else 'each is'} spread over its day (a 24-hour window), "
            "not counted at 00:00."
        )
    at_24 = None
    if "from" in roles and any(n.startswith(f"{roles['from']}: ") and _AT_24 in n for n in notes):
        at_24 = table[roles["from"]].str.contains(_HOUR_24_RE, na=False).to_numpy(dtype=bool)
    return _Times(start=start, end=end, date_only=n_untimed == n_dated, start_at_24=at_24)


# --------------------------------------------------------------------------- coordinates


_THOUSANDS_RE: Final = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
"""A number with commas between groups of three digits before any decimal point (1,234.5)."""
_DECIMAL_COMMA_RE: Final = re.compile(r"[+-]?\d*,\d+")
"""A number written with a decimal comma (52,2051), as European locales save a CSV."""


def _numbers(
    raw: pd.Series, *, thousands: bool = True
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_] | None]:
    """
    Text to float (missing and malformed values NaN), and where a value present is no number.

    Arrow's cast when every value is clean; else pandas, value by value. A comma is dropped only
    as a thousands separator (``thousands``: digits grouped in threes before any decimal point,
    459,937 or 1,234.5); any other comma (a decimal comma, 52,2051) makes the value no number.
    Where a value is no number is ``None`` when no value came out NaN (then no value is missing
    or malformed).
    """
    floats = _cast_numbers(raw)
    if floats is not None:
        return floats
    text = raw
    comma = raw.str.contains(",", regex=False).fillna(value=False).to_numpy(dtype=bool)
    if comma.any():
        grouped = np.zeros(len(raw), dtype=bool)
        if thousands:
            grouped = raw.str.fullmatch(_THOUSANDS_RE).fillna(value=False).to_numpy(dtype=bool)
        text = raw.where(~comma | grouped).str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = (raw.notna() & numbers.isna()).to_numpy(dtype=bool)
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan), bad


def _cast_numbers(
    raw: pd.Series,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_] | None] | None:
    """:func:`_numbers` by Arrow's cast, or ``None`` when a value is not a plain number."""
    try:
        floats = pc.cast(_arrow_text(raw), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values: npt.NDArray[np.float64] = floats.to_numpy(zero_copy_only=False)
    nan = np.isnan(values)
    return values, (raw.notna().to_numpy(dtype=bool) & nan) if nan.any() else None


def _coordinates(
    table: pd.DataFrame, roles: Mapping[str, str], unchecked: set[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], bool]:
    """
    Numbers from the x/y (or lon/lat) columns, and whether they were named as lon/lat.

    A column not yet checked for padded cells is proven clean by Arrow's cast (which reads no
    number with a space at its edge), or cleaned first, as if cleaned when read.
    """
    geographic = not ({"x", "y"} <= roles.keys())
    names = ("lon", "lat") if geographic else ("x", "y")
    out = []
    for role in names:
        column = roles[role]
        floats = _cast_numbers(table[column]) if column in unchecked else None
        if floats is None:
            _clean_column(table, column, unchecked)
        unchecked.discard(column)  # proven clean, or cleaned
        raw = table[column]
        numbers, bad = floats if floats is not None else _numbers(raw, thousands=not geographic)
        if bad is not None and bad.any():
            _refuse_not_numbers(raw, bad, column=column, origin=table)
        out.append(numbers)
    return out[0], out[1], geographic


def _refuse_not_numbers(
    raw: pd.Series, bad: npt.NDArray[np.bool_], *, column: str, origin: pd.DataFrame
) -> None:
    """Refuse coordinates that are not numbers, naming the first; say so if a decimal comma."""
    at = _first(bad)
    source, row = _origin(origin, at)
    first = str(raw.iloc[at])
    advice = ""
    if _DECIMAL_COMMA_RE.fullmatch(first):
        advice = (
            f" {first!r} looks like a number with a decimal comma: save the file with decimal "
            f"points ({first.replace(',', '.')}), e.g. with Excel's decimal separator set to '.'."
        )
    msg = (
        f"{source}: {int(bad.sum())} values in {column!r} are not numbers (first: row {row}, "
        f"{first!r}).{advice}"
    )
    raise InputDataError(msg)


def _detect_crs(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    names: tuple[str, str],
    origin: pd.DataFrame,
    in_gb: npt.NDArray[np.bool_] | None = None,
) -> CRS:
    """
    British National Grid or WGS84 when the values say so unambiguously, else an error.

    ``in_gb`` is :func:`~spatial.validate.in_gb_metres` of ``x`` and ``y`` when the caller has
    it already (rows that are not finite are not looked at).
    """
    ok = np.isfinite(x) & np.isfinite(y)
    every = bool(ok.all())
    xs, ys = (x, y) if every else (x[ok], y[ok])  # the usual case: no copy
    if not len(xs):
        return CRS.from_user_input(BNG)
    degrees = bool(  # min and max: no array of absolute values
        xs.min() >= -180 and xs.max() <= 180 and ys.min() >= -90 and ys.max() <= 90  # noqa: PLR2004
    )
    inside = in_gb_metres(xs, ys) if in_gb is None else in_gb if every else in_gb[ok]
    bng = inside.mean() > 0.5 and (xs > 1_000).mean() > 0.5  # noqa: PLR2004
    if degrees and not bng:
        return CRS.from_user_input(WGS84)
    if bng and not degrees:
        return CRS.from_user_input(BNG)
    msg = (
        f"{_files(origin)}: cannot tell the coordinate system of {names[0]!r} and {names[1]!r} "
        f"(values from {np.nanmin(xs):,.2f}, {np.nanmin(ys):,.2f} to {np.nanmax(xs):,.2f}, "
        f"{np.nanmax(ys):,.2f}). Give it with --crs EPSG:NNNN (app: CRS; 27700 for British "
        "National Grid, 4326 for longitude/latitude)."
    )
    raise CRSError(msg)


def _target_crs(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> CRS:
    """EPSG:27700 when most points are in Great Britain, else the UTM zone of their centre."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any() or in_gb_lonlat(lon[ok], lat[ok]).mean() > 0.5:  # noqa: PLR2004
        return CRS.from_epsg(BNG_EPSG)
    lon_c, lat_c = float(np.median(lon[ok])), float(np.median(lat[ok]))
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon_c, lat_c, lon_c, lat_c),
    )
    return CRS.from_epsg(int(infos[0].code))


def _user_crs(crs: str, *, origin: pd.DataFrame) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except ProjCRSError as err:
        msg = (
            f"{_files(origin)}: --crs {crs!r} is not a coordinate system pyproj knows. "
            "Use EPSG:NNNN (app: CRS)."
        )
        raise CRSError(msg) from err


@dataclass(frozen=True)
class _Placed:
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    located: npt.NDArray[np.bool_]
    outside: npt.NDArray[np.bool_]
    """Outside Great Britain (the CRS's area of use) or the given area."""
    far: npt.NDArray[np.bool_]
    """Outside Great Britain (the CRS's area of use) alone: these rows have a note already."""
    target: CRS
    source: CRS
    target_is_bng: bool
    """Whether :attr:`target` is British National Grid (asked of pyproj once: it takes a while)."""


def _place(
    table: pd.DataFrame,
    roles: Mapping[str, str],
    *,
    crs: str | None,
    area: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame | None,
    notes: list[str],
    unchecked: set[str],
) -> _Placed:
    a, b, geographic = _coordinates(table, roles, unchecked)
    names = (roles["lon"], roles["lat"]) if geographic else (roles["x"], roles["y"])
    located = np.isfinite(a) & np.isfinite(b) & ~((a == 0) & (b == 0))
    in_gb = None if crs or geographic else in_gb_metres(a, b)  # what detection asks: once
    source = _source_crs(
        a, b, located, crs=crs, names=names, origin=table, in_gb=in_gb, geographic=geographic
    )
    located = _without_placeholders(a, b, source=source, names=names, notes=notes)
    if source.srs == BNG or source.to_epsg() == BNG_EPSG:  # the common case: checks in metres
        outside = located & ~(in_gb_metres(a, b) if in_gb is None else in_gb)
        _refuse_all_outside(a, b, located, outside, where="in Great Britain", origin=table)
        if outside.any():
            notes.append(_set_aside(outside, "outside Great Britain"))
        far = outside
        if area is not None:
            outside = outside | (located & ~_in_given_area(area, a, b, source))
        return _Placed(
            x=a, y=b, located=located, outside=outside, far=far, target=source, source=source,
            target_is_bng=True,
        )  # fmt: skip
    lon, lat = Transformer.from_crs(source, WGS84, always_xy=True).transform(a, b)
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    outside = located & ~_in_area_of_use(source, lon, lat)
    _refuse_all_outside(
        a, b, located, outside, where=f"where {source.to_string()} is valid", origin=table
    )
    target = _target_crs(np.where(outside, np.nan, lon), np.where(outside, np.nan, lat))
    if outside.any():
        where = f"outside the area where {source.to_string()} is valid ({source.name})"
        notes.append(_set_aside(outside, where))
    if source.equals(target):
        x, y = a, b  # no round trip through degrees: keep the metres as written
    else:
        x, y = Transformer.from_crs(WGS84, target, always_xy=True).transform(lon, lat)
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    target_is_bng = target.to_epsg() == BNG_EPSG
    if target_is_bng:
        out_gb = located & ~outside & ~in_gb_metres(x, y)
        if out_gb.any():
            notes.append(_set_aside(out_gb, "outside Great Britain"))
        outside = outside | out_gb
    else:
        far = located & ~outside & ~_in_area_of_use(target, lon, lat, margin_deg=3.0)
        if far.any():
            notes.append(_set_aside(far, f"far outside {target.name}"))
        outside = outside | far
        notes.append(
            f"The data lie outside Great Britain: events are in {target.name} "
            f"({target.to_string()}), metres, for analysis."
        )
    far = outside
    if area is not None:
        outside = outside | (located & ~_in_given_area(area, x, y, target))
    return _Placed(
        x=x, y=y, located=located, outside=outside, far=far, target=target, source=source,
        target_is_bng=target_is_bng,
    )  # fmt: skip


def _set_aside(rows: npt.NDArray[np.bool_], where: str) -> str:
    """Say how many rows lie ``where`` (``outside Great Britain``), set aside."""
    return f"{_rows(int(rows.sum()), 'lies', 'lie')} {where}; set aside."


def _without_placeholders(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    *,
    source: CRS,
    names: tuple[str, str],
    notes: list[str],
) -> npt.NDArray[np.bool_]:
    """
    Return where a row is located: finite, and no placeholder 0 (noted).

    0,0 means "no location" in degrees and in metres alike; in metres an easting or northing of 0
    alone is one too (the grid origin lies off the Isles of Scilly). Longitude 0 alone is
    Greenwich, a real place.
    """
    zero = (a == 0) & (b == 0)
    if not source.is_geographic:
        zero = (a == 0) | (b == 0)
    if zero.any():
        notes.append(
            f"{_rows(int(zero.sum()), 'has', 'have')} a coordinate of 0 in {names[0]!r} or "
            f"{names[1]!r}, a placeholder for 'no location'; counted as without location."
        )
    located: npt.NDArray[np.bool_] = np.isfinite(a) & np.isfinite(b) & ~zero
    return located


_MOST: Final = 0.5
"""More than this share of the points: "most"."""


def _source_crs(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    located: npt.NDArray[np.bool_],
    *,
    crs: str | None,
    names: tuple[str, str],
    origin: pd.DataFrame,
    in_gb: npt.NDArray[np.bool_] | None = None,
    geographic: bool = False,
) -> CRS:
    """
    Return the CRS given, or detected; refuse longitude and latitude that look swapped.

    Columns found in the longitude and latitude roles (``geographic``) are read as WGS84
    without a CRS given, never as metres (see :func:`_lonlat_crs`). Messages about every row
    together name every file of ``origin``; a swapped pair names the file and row of the first
    point that lies in Great Britain only when read swapped.
    """
    if crs:
        source = _user_crs(crs, origin=origin)
        _refuse_degrees_as_metres(a[located], b[located], source=source, names=names, origin=origin)
    else:  # a 0 in either coordinate (a placeholder) says nothing of the system
        some_zero = (a == 0) | (b == 0)
        known = (a, b)  # the usual case: no copy
        if some_zero.any():
            known = (np.where(some_zero, np.nan, a), np.where(some_zero, np.nan, b))
        if geographic:
            source = _lonlat_crs(*known, names=names, origin=origin)
        else:
            source = _detect_crs(*known, names=names, origin=origin, in_gb=in_gb)
    _refuse_swapped(a, b, located, source=source, names=names, origin=origin)
    return source


def _lonlat_crs(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    *,
    names: tuple[str, str],
    origin: pd.DataFrame,
) -> CRS:
    """
    Return WGS84 for columns named as longitude and latitude when most points are in degrees.

    Such columns are never read as metres without a CRS given: when most points are not in
    degree ranges (a longitude within 180 of 0, a latitude within 90) they are refused. The few
    out of range (a latitude of 95) are then counted outside where EPSG:4326 is valid, as other
    rows outside the area are. Rows not finite are not looked at.
    """
    wgs84 = CRS.from_user_input(WGS84)
    ok = np.isfinite(lon) & np.isfinite(lat)
    xs, ys = (lon, lat) if ok.all() else (lon[ok], lat[ok])  # the usual case: no copy
    if not len(xs) or bool(
        xs.min() >= -180 and xs.max() <= 180 and ys.min() >= -90 and ys.max() <= 90  # noqa: PLR2004
    ):  # min and max first: no array of absolute values for clean files
        return wgs84
    degrees = (np.abs(xs) <= 180) & (np.abs(ys) <= 90)  # noqa: PLR2004
    if degrees.mean() > _MOST:
        return wgs84
    at = _first(~degrees)
    file, row = _origin(origin, int(np.flatnonzero(ok)[at]))
    n_not = int((~degrees).sum())
    msg = (
        f"{_files(origin)}: {names[0]!r} and {names[1]!r} are named as longitude and latitude, "
        f"but {n_not:,} of the {len(xs):,} points {'is' if n_not == 1 else 'are'} not in "
        "degrees (first: "
        f"{file} row {row}, {xs[at]:,.2f}, {ys[at]:,.2f}; a longitude lies within 180 of 0, a "
        "latitude within 90). If they are metres, give their system with --crs EPSG:NNNN "
        f"(app: CRS; 27700 for British National Grid), or name them with --columns "
        f"x={names[0]},y={names[1]} (app: Column names)."
    )
    raise CRSError(msg)


def _refuse_degrees_as_metres(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    source: CRS,
    names: tuple[str, str],
    origin: pd.DataFrame,
) -> None:
    """Refuse a projected CRS for values that all lie in degree ranges: they are degrees."""
    if (
        source.is_projected
        and len(x)
        and bool((np.abs(x) <= 180).all() and (np.abs(y) <= 90).all())  # noqa: PLR2004
    ):
        msg = (
            f"{_files(origin)}: --crs {source.to_string()} is in metres, but every value of "
            f"{names[0]!r} and {names[1]!r} lies within 180 of 0 (from {x.min():,.5f}, "
            f"{y.min():,.5f} to {x.max():,.5f}, {y.max():,.5f}): all the points would be within "
            "metres of the grid's origin. These values look like longitude/latitude; use --crs "
            "EPSG:4326 (or leave --crs out; app: CRS)."
        )
        raise CRSError(msg)


def _refuse_swapped(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    located: npt.NDArray[np.bool_],
    *,
    source: CRS,
    names: tuple[str, str],
    origin: pd.DataFrame,
) -> None:
    """Longitude and latitude swapped: most located points in Great Britain only read swapped."""
    if not source.is_geographic or not located.any():
        return
    lon, lat = a[located], b[located]
    as_read, swapped = in_gb_lonlat(lon, lat), in_gb_lonlat(lat, lon)
    if swapped.mean() > _MOST > as_read.mean():
        at = _first(swapped & ~as_read)  # there is one: more points are in GB swapped than not
        file, row = _origin(origin, int(np.flatnonzero(located)[at]))
        msg = (
            f"{file}: {names[0]!r} and {names[1]!r} look swapped: read the other way round the "
            f"points lie in Great Britain (first: row {row}, {lon[at]:.5f}, {lat[at]:.5f}). "
            f"Swap the column names, or give --columns lon={names[1]},lat={names[0]} (app: "
            "Column names)."
        )
        raise CRSError(msg)


def _refuse_all_outside(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    located: npt.NDArray[np.bool_],
    outside: npt.NDArray[np.bool_],
    *,
    where: str,
    origin: pd.DataFrame,
) -> None:
    """No located row where the CRS says: the CRS is wrong, not the rows."""
    n = int(located.sum())
    if not n or not outside[located].all():
        return
    xs, ys = a[located], b[located]
    degrees = bool((np.abs(xs) <= 180).all() and (np.abs(ys) <= 90).all())  # noqa: PLR2004
    hint = (
        "They look like longitude/latitude: give --crs EPSG:4326 or leave --crs out (app: CRS)."
        if degrees
        else "Give the right --crs (EPSG:27700 for British National Grid) or leave --crs out "
        "(app: CRS)."
    )
    msg = (
        f"{_files(origin)}: none of the {n:,} located rows lie {where} (values from "
        f"{xs.min():,.2f}, {ys.min():,.2f} to {xs.max():,.2f}, {ys.max():,.2f}). {hint}"
    )
    raise CRSError(msg)


def _in_area_of_use(
    crs: CRS,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    *,
    margin_deg: float = 0.0,
) -> npt.NDArray[np.bool_]:
    aou = crs.area_of_use
    if aou is None:
        return np.ones(len(lon), dtype=bool)
    m = margin_deg
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (lon >= aou.west - m) & (lon <= aou.east + m)
            & (lat >= aou.south - m) & (lat <= aou.north + m),
            dtype=bool,
        )  # fmt: skip


def _in_given_area(
    area: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    target: CRS,
) -> npt.NDArray[np.bool_]:
    if isinstance(area, gpd.GeoSeries | gpd.GeoDataFrame):
        if area.crs is None:
            msg = "The area has no CRS. Give it in EPSG:27700 or load it with spatial.io."
            raise CRSError(msg)
        shape = area.to_crs(target).union_all()
    else:
        shape = area  # a bare geometry is in the events' CRS
    points = gpd.points_from_xy(np.nan_to_num(x), np.nan_to_num(y))
    return np.asarray(shape.contains(points) | shape.touches(points), dtype=bool)


# --------------------------------------------------------------------------- public API


def midnight_note(
    n_at_midnight: int,
    n_events: int,
    *,
    midnight: Midnight,
    n_in_extract: int | None = None,
) -> str:
    """
    Say how many events are recorded at exactly 00:00 and how they were counted.

    Parameters
    ----------
    n_at_midnight
        Events recorded at exactly 00:00 (see :func:`recorded_at_midnight`).
    n_events
        The events they are a share of: the extract's, or a selection's.
    midnight
        The rule they were read with.
    n_in_extract
        For a selection: the number in the whole extract, said beside the selection's.

    Returns
    -------
    str
        The sentence of the load report (and of a selection, with ``n_in_extract``).

    Examples
    --------
    >>> midnight_note(3, 12, midnight="as-recorded")[:52]
    '3 events (25.0%) are recorded at exactly 00:00, ofte'
    >>> midnight_note(2, 8, midnight="unknown", n_in_extract=3)[:58]
    '2 of the 8 events selected (25.0%) are recorded at exactly'
    """
    share = n_at_midnight / n_events if n_events else 0.0
    how = "spread over their day" if midnight == "unknown" else "counted at 00:00"
    other = "as-recorded" if midnight == "unknown" else "unknown"
    counted = (
        f"{n_at_midnight:,} event{'s' * (n_at_midnight != 1)} ({share:.1%})"
        if n_in_extract is None
        else f"{n_at_midnight:,} of the {n_events:,} event{'s' * (n_events != 1)} selected "
        f"({share:.1%})"
    )
    verb = "is" if n_at_midnight == 1 else "are"
    extract = "" if n_in_extract is None else f" ({n_in_extract:,} in the whole extract)"
    return (
        f"{counted} {verb} recorded at exactly 00:00{extract}, often meaning 'time unknown'; "
        f"{how} (--midnight {other} changes this; app: Times of exactly 00:00)."
    )


def read_incidents(
    paths: Sequence[IncidentSource],
    *,
    columns: Mapping[str, str] | None = None,
    crs: str | None = None,
    midnight: Midnight = "as-recorded",
    area: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> Incidents:
    """
    Read force crime extracts (CSV or .xlsx) into timed events, every row accounted for.

    Parameters
    ----------
    paths
        Files, folders (every .csv and .xlsx inside) or uploads ``(name, bytes)``; files of one
        layout. Identical files are read once. A workbook is read whole: every sheet that holds
        rows, all of one layout (rows then name their sheet: ``book.xlsx (sheet 2025)``).
    columns
        Role to column name (roles in :data:`COLUMN_ROLES`, e.g. ``{"x": "Easting", "from":
        "Committed From"}``); roles not given are found by their usual names.
    crs
        The coordinates' CRS (``"EPSG:27700"``); without it British National Grid or WGS84 is
        recognised from the values, or an error asks for it.
    midnight
        ``"as-recorded"`` counts an exact time of 00:00 at 00:00; ``"unknown"`` reads it as
        "time unknown" and spreads the event over its day.
    area
        Keep only events inside this area (a geometry in the events' CRS, or a GeoSeries or
        GeoDataFrame with a CRS); the others are counted as outside the area.

    Returns
    -------
    Incidents
        Events in EPSG:27700 (a UTM zone outside Great Britain), the report and the rows set aside.

    Raises
    ------
    EmptyInputError
        When no file is given or the files hold no rows.
    MissingColumnError
        When the date, coordinates or offence columns cannot be found.
    CRSError
        When the coordinate system cannot be told from the values, or ``crs`` is unknown.
    InputDataError
        When dates are ambiguous (day-first or month-first), malformed, or a file cannot be read.

    References
    ----------
    Ratcliffe, J. H. (2002). Aoristic signatures and the spatio-temporal analysis of high volume
    crime patterns. Journal of Quantitative Criminology 18(1), 23-43.
    """
    if not paths:
        msg = "No extract files were given. Choose the force's CSV or .xlsx extract, or a folder."
        raise EmptyInputError(msg)
    table, files, notes, unchecked = _read_all(paths, given=columns or {})
    roles = _find_columns(list(table.columns), columns or {}, source=files[0])
    times = _times(table, roles, notes, unchecked)
    placed = _place(table, roles, crs=crs, area=area, notes=notes, unchecked=unchecked)
    for column in sorted(unchecked):  # any the parsers did not read (none, as a rule)
        _clean_column(table, column, unchecked)
    ids = table[roles["id"]] if "id" in roles else None
    reason = _reasons(times, placed, ids, table)
    events = _events(table, roles, times, placed, reason == 0, midnight=midnight)
    report = _report(
        table=table, events=events, reason=reason, ids=ids, roles=roles, placed=placed,
        files=files, notes=notes, midnight=midnight,
        n_at_midnight=int(np.count_nonzero(events["at_midnight"].to_numpy())),
    )  # fmt: skip
    set_aside = np.flatnonzero(reason)
    labels = np.asarray(("", *_REASONS), dtype=object)[reason[set_aside]]
    if placed.target_is_bng:  # the rows outside Great Britain say so
        labels[placed.far[set_aside] & (reason[set_aside] == _OUTSIDE)] = "outside Great Britain"
    rows = set_aside if len(set_aside) else slice(0)  # an empty slice: no take of each column
    rejected = table.iloc[rows].assign(reason=labels, start=times.start.iloc[rows])
    return Incidents(
        table=events, crs=placed.target, report=report, rejected=rejected.reset_index(drop=True)
    )


_REASONS: Final = (
    "duplicate",
    "without time",
    "without location",
    "outside area",
    "window ends before it starts",
)
_OUTSIDE: Final = 1 + _REASONS.index("outside area")


def _repeated(
    ids: pd.Series, reason: npt.NDArray[np.int8], table: pd.DataFrame
) -> npt.NDArray[np.bool_]:
    """
    Flag every copy of a present ID but the one kept (Arrow's hash encoding; no Python loop).

    The copy kept is the same whatever the order of the files: a usable one (``reason`` 0)
    first, then the most complete (most cells filled), then the first by file name and row.
    """
    text = _arrow_text(ids)
    if all_distinct(text):  # the usual case, proved from the bytes' hashes
        return np.zeros(len(text), dtype=bool)
    if isinstance(text, pa.ChunkedArray):  # blocks or several files: one array to encode
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    if len(encoded.dictionary) == len(text) - text.null_count:  # every reference differs
        return np.zeros(len(text), dtype=bool)
    index = np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)
    in_group = (np.bincount(index + 1)[index + 1] > 1) & (index >= 0)
    rows = np.flatnonzero(in_group)  # only the repeated references are ranked
    sub = table.iloc[rows]
    filled = sub.drop(columns=["source_file", "source_row"]).notna().sum(axis=1).to_numpy()
    file_rank = np.unique(sub["source_file"].astype(str).to_numpy(), return_inverse=True)[1]
    order = np.lexsort(
        (sub["source_row"].to_numpy(), file_rank, -filled, reason[rows] != 0, index[rows])
    )
    ranked = index[rows][order]
    first = np.ones(len(ranked), dtype=bool)
    first[1:] = ranked[1:] != ranked[:-1]
    repeated = np.zeros(len(index), dtype=bool)
    repeated[rows[order[~first]]] = True
    return repeated


def _reasons(
    times: _Times, placed: _Placed, ids: pd.Series | None, table: pd.DataFrame
) -> npt.NDArray[np.int8]:
    """
    Code the bucket of each row: 0 kept, i + 1 for ``_REASONS[i]``; the first reason wins.

    Every copy of a repeated reference but the one kept (see :func:`_repeated`) is a duplicate,
    whatever else is wrong with it.
    """
    start = times.start.to_numpy(dtype="datetime64[ns]")  # no copy
    end = times.end.to_numpy(dtype="datetime64[ns]")
    n = len(start)
    masks = (np.isnat(start), ~placed.located, placed.outside, end < start)  # NaT: never <
    reason = np.zeros(n, dtype=np.int8)
    for code, mask in reversed(tuple(enumerate(masks, start=2))):  # the first written last wins
        if mask.any():  # the usual case: most masks hold no row at all
            reason[mask] = code
    if ids is not None:
        reason[_repeated(ids, reason, table)] = 1
    return reason


def _events(
    table: pd.DataFrame,
    roles: Mapping[str, str],
    times: _Times,
    placed: _Placed,
    kept: npt.NDArray[np.bool_],
    *,
    midnight: Midnight,
) -> pd.DataFrame:
    """Return the kept rows as the events table (``x_m``, ``y_m``; no points yet)."""
    every = bool(kept.all())  # the usual case: no row set aside, nothing to filter
    rows = slice(None) if every else np.flatnonzero(kept)

    def kept_of(values: _ArrayT) -> _ArrayT:
        # the reader's own arrays, not used again: taken as they are when every row is kept
        # (and they are writable: an array Arrow lends is read-only)
        if every:
            return values if values.flags.writeable else values.copy()
        return cast("_ArrayT", values[rows])

    start = kept_of(times.start.to_numpy(dtype="datetime64[ns]"))
    end = kept_of(times.end.to_numpy(dtype="datetime64[ns]"))
    if np.may_share_memory(start, end):  # no "to" column: end is start; a column each
        end = end.copy()
    at_midnight = recorded_at_midnight(start, end)  # as recorded
    if times.start_at_24 is not None:  # 24:00 is a time written out, never "time unknown"
        at_midnight &= ~times.start_at_24[rows]
    if midnight == "unknown":
        end = np.where(at_midnight, start + np.timedelta64(1, "D"), end)

    def text(column: str, missing: str) -> pd.api.extensions.ExtensionArray:
        values = table[column].array
        taken = pd.Series(values if every else values[kept])  # a filter: cheaper than a take
        return (taken.fillna(missing).astype(str) if taken.hasnans else taken).array

    source_file = text("source_file", "")  # never missing; the same Arrow strings, no copy
    source_row = kept_of(table["source_row"].to_numpy(dtype=np.int64))
    n_kept = len(start)
    return pd.DataFrame(
        {
            "incident_id": text(roles["id"], "")
            if "id" in roles
            else (pd.Series(source_file) + ":" + pd.Series(source_row).astype(str)).array,
            "crime_type": text(roles["type"], "Unknown"),
            "start": start,
            "end": end,
            "location": text(roles["location"], "")
            if "location" in roles
            else pd.Series("", index=range(n_kept), dtype=str).array,
            "source_file": source_file,
            "source_row": source_row,
            "at_midnight": at_midnight,
            "x_m": kept_of(placed.x),
            "y_m": kept_of(placed.y),
        },
        copy=False,  # every array here is the reader's own: no copy needed
    )  # arrays, not Series: no index to align


def _differing_copies(table: pd.DataFrame, reason: npt.NDArray[np.int8], ids: pd.Series) -> str:
    """
    Say how many repeats of a reference differ from the copy kept, and the first difference.

    A reference repeated with another offence, time or place is not a copy: the reference was
    reused for another crime, or the record corrected in a later extract. The rows are still
    set aside (one row per reference), but the note says so, so the user can check them.
    """
    repeated = np.flatnonzero(reason == 1)
    kept_rows = np.flatnonzero(reason != 1)
    present = ids.iloc[kept_rows].notna().to_numpy()
    kept_of = pd.Series(kept_rows[present], index=ids.iloc[kept_rows[present]].to_numpy())
    kept_of = kept_of[~kept_of.index.duplicated()]
    partner = kept_of.reindex(ids.iloc[repeated].to_numpy()).to_numpy()
    columns = [c for c in table.columns if c not in {"source_file", "source_row"}]
    copies = table[columns].iloc[repeated].astype("string").fillna("")
    kept = table[columns].iloc[partner.astype(np.int64)].astype("string").fillna("")
    differ = copies.to_numpy() != kept.to_numpy()
    rows = np.flatnonzero(differ.any(axis=1))
    if not len(rows):
        return ""
    first, column = rows[0], columns[int(np.flatnonzero(differ[rows[0]])[0])]
    source, row = _origin(table, int(repeated[first]))
    return (
        f" {len(rows)} of them differ{'s' * (len(rows) == 1)} from the copy kept (first: "
        f"{source} row {row}, reference "
        f"{str(ids.iloc[repeated[first]])!r}: {column} {copies[column].iloc[first]!r} where the "
        f"copy kept has {kept[column].iloc[first]!r}): check whether a reference was used for "
        "another crime or corrected in a later extract."
    )


def _report(  # noqa: PLR0913 - one field per bucket
    *,
    table: pd.DataFrame,
    events: pd.DataFrame,
    reason: npt.NDArray[np.int8],
    ids: pd.Series | None,
    roles: Mapping[str, str],
    placed: _Placed,
    files: Sequence[str],
    notes: list[str],
    midnight: Midnight,
    n_at_midnight: int,
) -> IncidentReport:
    per_code = np.bincount(reason[np.flatnonzero(reason)], minlength=len(_REASONS) + 1)
    counts = {label: int(per_code[i + 1]) for i, label in enumerate(_REASONS)}
    n_possible = 0
    if ids is None:
        data_columns = [c for c in table.columns if c not in {"source_file", "source_row"}]
        kept = table.loc[reason == 0, data_columns]
        n_possible = int(kept.duplicated(keep="first").sum())
        if n_possible:
            one = n_possible == 1
            notes.append(
                f"{_rows(n_possible, 'is', 'are')} identical to an earlier row; with no crime "
                f"reference column {'it is' if one else 'they are'} kept (two crimes can share a "
                f"time and place) but may be {'a duplicate' if one else 'duplicates'}."
            )
    if counts["duplicate"]:
        notes.append(
            f"{_rows(counts['duplicate'], 'repeats', 'repeat')} a crime reference; one copy of "
            "each is kept: a usable one (with a date and a place) first, then the most complete, "
            "then the first by file name and row."
            + (_differing_copies(table, reason, ids) if ids is not None else "")
        )
    # rows outside Great Britain (or the CRS's area) have their own note already
    n_far = int((placed.far & (reason == _OUTSIDE)).sum())
    counts_noted = {**counts, "outside area": counts["outside area"] - n_far}
    notes.extend(
        f"{_rows(counts_noted[label])} set aside: {label}."
        for label in _REASONS[1:]
        if counts_noted[label]
    )
    if n_at_midnight:
        notes.append(midnight_note(n_at_midnight, len(events), midnight=midnight))
    target = placed.target.to_string()  # asked of pyproj once (one CRS, as a rule)
    return IncidentReport(
        n_rows=len(table),
        n_events=len(events),
        n_duplicates=counts["duplicate"],
        n_without_time=counts["without time"],
        n_without_location=counts["without location"],
        n_outside_area=counts["outside area"],
        n_bad_window=counts["window ends before it starts"],
        n_possible_duplicates=n_possible,
        n_at_midnight=n_at_midnight,
        crs=target,
        source_crs=target if placed.source is placed.target else placed.source.to_string(),
        columns=dict(roles),
        files=tuple(files),
        midnight=midnight,
        notes=tuple(notes),
    )


def refuse_no_events(incidents: Incidents) -> None:
    """
    Refuse an extract none of whose rows could be used, saying where they went.

    Parameters
    ----------
    incidents
        As read by :func:`read_incidents`.

    Raises
    ------
    EmptyInputError
        When no row was kept as an event: the message gives each bucket the rows went to
        (``400 without location``) and what to check.
    """
    r = incidents.report
    if r.n_events:
        return
    buckets = {
        "duplicates": r.n_duplicates,
        "without time": r.n_without_time,
        "without location": r.n_without_location,
        "outside the area": r.n_outside_area,
        "windows ending before they start": r.n_bad_window,
    }
    found = ", ".join(f"{n:,} {label}" for label, n in buckets.items() if n)
    columns = ", ".join(f"{role}={column}" for role, column in r.columns.items())
    msg = (
        f"{', '.join(r.files)}: no row could be used ({r.n_rows:,} rows: {found}). Check the "
        f"columns read ({columns}) and name the right ones (--columns; app: Column names)."
    )
    raise EmptyInputError(msg)


def incidents_to_crimes(incidents: Incidents) -> gpd.GeoDataFrame:
    """
    Convert events to the crime-points frame every spatial analysis takes.

    Parameters
    ----------
    incidents
        As read by :func:`read_incidents`, in EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        ``crime_id``, ``month`` (``Period[M]`` of the start), ``crime_type``, ``location``,
        ``lsoa_code`` (empty: extracts carry no LSOA), ``start``, ``end``, ``geometry``; EPSG:27700.

    Raises
    ------
    CRSError
        When the events are not in British National Grid (data outside Great Britain): the
        spatial engine works in EPSG:27700 only.
    """
    events = incidents.events
    if events.crs is None or events.crs.to_epsg() != BNG_EPSG:
        msg = (
            f"The extract's events are in {incidents.report.crs}, outside Great Britain; "
            "hot spots, profiles and routes need data in Great Britain (EPSG:27700)."
        )
        raise CRSError(msg)
    frame = pd.DataFrame(
        {
            "crime_id": events["incident_id"].to_numpy(),
            "month": events["start"].dt.to_period("M").to_numpy(),
            "crime_type": events["crime_type"].to_numpy(),
            "location": events["location"].to_numpy(),
            "lsoa_code": pd.Series("", index=events.index, dtype=str).to_numpy(),
            "start": events["start"].to_numpy(),
            "end": events["end"].to_numpy(),
        },
        index=events.index,
    )
    return gpd.GeoDataFrame(frame, geometry=events.geometry.to_numpy(), crs=BNG)
