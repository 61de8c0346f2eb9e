"""
Readers for the files users bring: data.police.uk crimes, boundaries, population, neighbourhoods.

These are the only functions that reproject input: every reader returns British National Grid
(EPSG:27700) and checks that the data lie in Great Britain. Nothing is dropped silently: rows
without coordinates, rows outside Great Britain and duplicate crimes are counted and kept aside.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely
from pyproj import Transformer

from spatial._vector import read_vector
from spatial.crime_types import check_crime_types
from spatial.crs import BNG, BNG_EPSG, GB_BOUNDS_M, WGS84
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    InvalidGeometryError,
    MissingColumnError,
    OutsideGreatBritainError,
)
from spatial.names import normal_names
from spatial.validate import (
    check_readable,
    copy_note,
    decode_text,
    in_gb_land,
    in_gb_lonlat,
    in_gb_metres,
    is_system_junk,
    read_csv_text,
    read_file_bytes,
    refuse_cut_off,
    refuse_other_separator,
    refuse_short_rows,
    repair_geometries,
    require_columns,
    skipped_junk_note,
    source_bytes,
    tiling_notes,
    without_blank_rows,
)
from spatial.versions import Published, choose_versions, file_kind, file_stamps

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence

    import numpy.typing as npt

__all__ = [
    "CRIME_COLUMNS",
    "MAX_ZIP_DEPTH",
    "POLICE_UK_COLUMNS",
    "ROW_STATUSES",
    "SET_ASIDE_REASONS",
    "CrimeLoad",
    "CrimeSource",
    "LsoaLoad",
    "SetAsideReason",
    "StreetRows",
    "UnlocatedStatus",
    "WardLoad",
    "check_accounting",
    "duplicate_ids_note",
    "named_month_note",
    "outside_gb_note",
    "read_crimes",
    "read_lsoa_load",
    "read_lsoas",
    "read_neighbourhoods",
    "read_population",
    "read_street_file",
    "read_wards",
    "source_name",
    "zip_csvs",
]

CrimeSource = str | Path | tuple[str, bytes]
"""A path (CSV file, folder, or .zip) or an uploaded file as ``(name, bytes)``."""

POLICE_UK_COLUMNS: Final = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
"""The 12 columns of a data.police.uk street-level CSV, in order."""

_REQUIRED: Final = ("Month", "Longitude", "Latitude", "Crime type")
_RENAME: Final = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome",
    "Context": "context",
}
CRIME_COLUMNS: Final = (
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome",
    "context",
    "source_file",
    "source_row",
)
"""Columns of :attr:`CrimeLoad.points` besides ``geometry``; ``source_row`` is the CSV line."""

_CSV_HINT: Final = (
    "Load the street-level CSVs from data.police.uk (columns: "
    + ", ".join(POLICE_UK_COLUMNS)
    + ")."
)
_OTHER_POLICE_UK_FILES: Final = (
    ("Outcome type", "outcomes file (...-outcomes.csv)"),
    ("Object of search", "stop and search file (...-stop-and-search.csv)"),
)
"""A column only another data.police.uk file has, and what that file is."""


def _other_file_hint(columns: Iterable[str]) -> str:
    """
    Return the advice for a CSV that is not a street-level crime file, naming what it is.

    data.police.uk's outcomes and stop and search files come in the same download as the
    street-level crimes; given as the crimes, they are named, and the reader told which to give.
    """
    found = set(columns)
    kind = next((what for column, what in _OTHER_POLICE_UK_FILES if column in found), None)
    if kind is None:
        return _CSV_HINT
    return (
        f"This is a data.police.uk {kind}, not a street-level crime file: give the "
        "...-street.csv files (a downloaded folder or .zip may hold all three; patchmap reads "
        "the street files from it, and `patchmap ingest` joins outcomes to their crimes)."
    )


_REDOWNLOAD: Final = "Or download it again from data.police.uk and give it as downloaded."
_MONTH_RE: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NAMED_MONTH_RE: Final = re.compile(r"(?<!\d)\d{4}-(?:0[1-9]|1[0-2])(?!\d|-\d)")
"""A ``YYYY-MM`` in a file's name: not part of a longer number, nor of a day's date
(``export 2025-09-15.csv`` is dated by when it was made, not named for its rows' month)."""
_PLAIN_NUMBER: Final = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
"""Coordinates the fast street reader parses itself (Arrow and pandas give the same doubles for
these, exponents included); anything else goes to the pandas reader."""
ROW_STATUSES: Final = ("located", "no_location", "outside_gb")
"""Codes 0, 1, 2 of :attr:`StreetRows.status`: the three places a row read can go."""


UnlocatedStatus = Literal["no_location", "outside_gb"]
"""Why a row has no place in Great Britain: no coordinates, or coordinates outside it."""
SetAsideReason = Literal["identical file", "same rows", "older version", "duplicate Crime ID"]
"""Why a row read was not used: see :attr:`CrimeLoad.set_aside`."""
SET_ASIDE_REASONS: Final[tuple[SetAsideReason, ...]] = get_args(SetAsideReason)


def _empty_set_aside() -> pd.DataFrame:
    """No rows set aside: a copy of one empty frame (building one costs a millisecond or more)."""
    return _no_rows_set_aside().copy()


@functools.cache
def _no_rows_set_aside() -> pd.DataFrame:
    return pd.DataFrame(
        {
            **{c: pd.Series(dtype="object") for c in CRIME_COLUMNS},
            "month": pd.Series(dtype="period[M]"),
            "reason": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True)
class CrimeLoad:
    """
    What :func:`read_crimes` found, every row read accounted for exactly once.

    ``n_rows_read == len(points) + n_without_location + n_outside_gb + len(set_aside)``
    (a store query adds its counted, unread rows: ``n_unread_located``,
    ``n_counted_duplicates`` and ``n_counted_set_aside``); ``n_rows`` (the rows used) leaves
    out the rows set aside.
    """

    points: gpd.GeoDataFrame
    """Located rows inside Great Britain, EPSG:27700, columns :data:`CRIME_COLUMNS` + geometry."""
    without_location: pd.DataFrame
    """Rows with no coordinates (police.uk could not place them), same columns, no geometry."""
    outside_gb: pd.DataFrame
    """Rows whose coordinates lie outside Great Britain, with ``longitude`` and ``latitude``."""
    files: tuple[str, ...]
    """The CSV files read, in order (copies of a file read already are not listed)."""
    set_aside: pd.DataFrame = field(default_factory=_empty_set_aside)
    """Rows read but not used, :data:`CRIME_COLUMNS` and ``reason`` (:data:`SetAsideReason`):
    copies of files read already, older versions of a republished force-month, and rows whose
    Crime ID appeared in an earlier row."""
    notes: tuple[str, ...] = field(default=())
    """Plain-English remarks on the load (copies, republished months, empty files)."""
    unread_located: tuple[tuple[str, str | None, int], ...] = field(default=())
    """``(month, crime_type, n)`` of located rows a store query counted but did not read
    (outside the wards' extent; see :func:`spatial.store.query_crimes`). Empty for CSV loads."""
    unread_unlocated: tuple[tuple[str, str | None, UnlocatedStatus, int], ...] = field(default=())
    """``(month, crime_type, status, n)`` of rows without a place in Great Britain that a store
    query counted from its manifest instead of reading (``without_location`` and ``outside_gb``
    then hold none of them). Empty for CSV loads."""
    counted_duplicates: tuple[tuple[str, str | None, int], ...] = field(default=())
    """``(month, crime_type, n)`` of rows repeating a Crime ID that a store's ingest set aside
    and counted (by the repeated row's own month and type) instead of keeping; a store query
    reports them from its manifest. Empty for CSV loads, whose :attr:`set_aside` holds them."""
    counted_set_aside: tuple[tuple[str, str | None, int], ...] = field(default=())
    """``(month, crime_type, n)`` of rows a store's ingest set aside (copies of a file, older
    versions of a republished force-month) and counted instead of keeping; a store query
    reports them from its manifest. Empty for CSV loads, whose :attr:`set_aside` holds them."""

    @property
    def n_counted_set_aside(self) -> int:
        """Rows of copies and older versions a store counted but did not keep (0 for CSVs)."""
        return sum(n for _, _, n in self.counted_set_aside)

    @property
    def n_unread_located(self) -> int:
        """Located rows a store query counted but did not read (0 for CSV loads)."""
        return sum(n for _, _, n in self.unread_located)

    @property
    def n_rows(self) -> int:
        """Rows used: read, less those set aside (with a store's counted, unread rows)."""
        return (
            len(self.points) + self.n_without_location + self.n_outside_gb + self.n_unread_located
        )

    @property
    def n_counted_duplicates(self) -> int:
        """Rows repeating a Crime ID a store counted but did not keep (0 for CSV loads)."""
        return sum(n for _, _, n in self.counted_duplicates)

    @property
    def n_rows_read(self) -> int:
        """Every data row of every file found, including those set aside."""
        return (
            self.n_rows + len(self.set_aside) + self.n_counted_duplicates + self.n_counted_set_aside
        )

    @property
    def n_without_location(self) -> int:
        """Rows with no coordinates (read or counted)."""
        counted = sum(n for _, _, s, n in self.unread_unlocated if s == "no_location")
        return len(self.without_location) + counted

    @property
    def n_outside_gb(self) -> int:
        """Rows whose coordinates lie outside Great Britain (read or counted)."""
        counted = sum(n for _, _, s, n in self.unread_unlocated if s == "outside_gb")
        return len(self.outside_gb) + counted

    @property
    def n_duplicates_removed(self) -> int:
        """Rows dropped because their Crime ID already appeared in an earlier row or file."""
        return self._n_duplicates_set_aside + self.n_counted_duplicates

    @property
    def n_set_aside(self) -> int:
        """Rows of file copies and older versions of republished months, not used."""
        return len(self.set_aside) - self._n_duplicates_set_aside + self.n_counted_set_aside

    @property
    def _n_duplicates_set_aside(self) -> int:
        return int((self.set_aside["reason"] == "duplicate Crime ID").sum())

    @property
    def months(self) -> tuple[str, ...]:
        """Every month present in any row used, ``YYYY-MM``, sorted."""
        months: set[str] = {m for m, _, _ in self.unread_located}
        months.update(m for m, _, _, _ in self.unread_unlocated)
        for frame in (self.points, self.without_location, self.outside_gb):
            months.update(str(m) for m in frame["month"].unique())
        return tuple(sorted(months))


@dataclass(frozen=True)
class WardLoad:
    """Ward boundaries as read by :func:`read_wards`."""

    wards: gpd.GeoDataFrame
    """EPSG:27700, columns ``ward_code``, ``ward_name``, ``geometry``."""
    name_field: str
    """The source column the ward names came from."""
    code_field: str | None
    """The source column the ward codes came from, if any."""
    notes: tuple[str, ...] = field(default=())
    """Repairs, overlaps and gaps found."""


def source_name(source: CrimeSource) -> str:
    """
    Return the name a user knows a source by.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair.

    Returns
    -------
    str
        The file or folder name.

    Examples
    --------
    >>> source_name(("march.csv", b""))
    'march.csv'
    >>> source_name("data/2024-09-x-street.csv")
    '2024-09-x-street.csv'
    """
    if isinstance(source, tuple):
        return source[0]
    return Path(source).name


def _is_csv(name: str) -> bool:
    return name.lower().endswith(".csv")


_SIDE_KINDS: Final = ("outcomes", "stop-and-search")
_SHOWN_NAMES: Final = 3


def _shown(names: Sequence[str]) -> str:
    more = len(names) - _SHOWN_NAMES
    return ", ".join(names[:_SHOWN_NAMES]) + (f" and {more} more" if more > 0 else "")


def _choose_csvs(where: str, names: list[str], notes: list[str]) -> list[str]:
    """
    Return the street-level CSVs of a folder or archive; note every other CSV and why it is not.

    Files are told apart by name (:func:`spatial.versions.file_kind`, copies such as
    ``...-street (1).csv`` included): outcomes and stop-and-search files are skipped with a note;
    CSVs named like neither are skipped with a note when street files are there, else read (a
    folder of the user's own extracts).
    """
    kinds = [file_kind(n) for n in names]
    street = [n for n, k in zip(names, kinds, strict=True) if k == "street"]
    other = [n for n, k in zip(names, kinds, strict=True) if k is None]
    side = [k for k in kinds if k is not None and k != "street"]
    if side and (street or other):
        found = " and ".join(
            f"{side.count(k)} {k} file{'s' if side.count(k) > 1 else ''}"
            for k in _SIDE_KINDS
            if k in side
        )
        notes.append(
            f"{where}: {found} skipped: patchmap reads the street-level crimes (...-street.csv)."
        )
    if street and other:
        notes.append(
            f"{where}: {len(other)} CSV file{'s' if len(other) > 1 else ''} not named like "
            f"data.police.uk street-level crimes (...-street.csv) skipped: {_shown(other)}. "
            "Give such a file by name to read it."
        )
    return street or other


def _no_street_csvs(
    where: str, names: list[str], *, what: str, inner: Sequence[str] = ()
) -> EmptyInputError:
    if not names:
        nor = f", nor do the .zip archives inside it ({_shown(inner)})" if inner else ""
        return EmptyInputError(f"{where}: the {what} holds no CSV files{nor}. {_CSV_HINT}")
    msg = (
        f"{where}: the {what} holds no street-level crime files, only outcomes or "
        f"stop-and-search files ({_shown(names)}). Download the street-level crimes "
        f"(...-street.csv) too. {_CSV_HINT}"
    )
    return EmptyInputError(msg)


def _iter_csv_blobs(
    source: CrimeSource, *, order: int, notes: list[str]
) -> Iterator[tuple[bytes, Published]]:
    """
    Yield the bytes and publication details of every street-level CSV a source holds.

    Operating-system clutter in a folder or ``.zip`` (:func:`spatial.validate.is_system_junk`)
    is skipped, with a note in ``notes``; so are the other CSVs of a data.police.uk download
    (:func:`_choose_csvs`). Archives inside a folder are read too. Each file is dated by its own
    path (:func:`spatial.versions.file_stamps`).
    """
    if isinstance(source, tuple):
        name, data = source
        if name.lower().endswith(".zip"):
            yield from zip_csvs(name, data, mtime_ns=None, order=order, notes=notes)
        else:
            yield data, Published(name, None, None, order)
        return
    path = check_readable(source, what="crime files", allow_dir=True)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if not p.is_dir())
        junk = {p for p in files if is_system_junk(str(p.relative_to(path)))}
        if junk:
            notes.append(skipped_junk_note(path.name, len(junk)))
        yield from _folder_csv_blobs(path, files, junk, order=order, notes=notes)
    elif path.suffix.lower() == ".zip":
        data = read_file_bytes(path, what="crime files")
        mtime_ns = path.stat().st_mtime_ns
        yield from zip_csvs(path.name, data, mtime_ns=mtime_ns, order=order, notes=notes)
    else:
        data = read_file_bytes(path, what="crime files")
        yield data, Published(path.name, None, path.stat().st_mtime_ns, order)


def _folder_csv_blobs(
    path: Path, files: list[Path], junk: set[Path], *, order: int, notes: list[str]
) -> Iterator[tuple[bytes, Published]]:
    """
    Yield the street-level CSVs of a folder and of the ``.zip`` archives in it.

    An archive inside the folder is read as if given on its own (a folder of the monthly
    all-forces downloads, as ``patchmap ingest`` reads it), except that one holding no
    street-level CSV is skipped with a note; the folder is refused only when nothing in it
    holds one. CSVs and archives are read in the order of their paths.
    """
    found = [p.relative_to(path).as_posix() for p in files if _is_csv(p.name) and p not in junk]
    chosen = set(_choose_csvs(path.name, found, notes))
    stamps = dict(zip(found, file_stamps(path.name, found), strict=True))
    n_read = 0
    for p in files:
        name = str(p.relative_to(path.parent))
        if p.suffix.lower() == ".zip" and p not in junk:
            data = read_file_bytes(p, what="crime files")
            mtime_ns = p.stat().st_mtime_ns
            for blob in zip_csvs(
                name, data, mtime_ns=mtime_ns, order=order, notes=notes, required=False
            ):
                n_read += 1
                yield blob
        elif (relative := p.relative_to(path).as_posix()) in chosen:
            n_read += 1
            data = read_file_bytes(p, what="crime files")
            yield data, Published(name, stamps[relative], p.stat().st_mtime_ns, order)
    if not n_read:
        raise _no_street_csvs(str(path), found, what="folder")


MAX_ZIP_DEPTH: Final = 4
"""How many ``.zip`` archives deep inside a given one are read: a month's ``.zip`` inside a
``.zip`` of several months is 1 deep, that zipped again 2. Deeper (or an archive that holds
itself) is refused."""


def zip_csvs(
    name: str,
    source: bytes | Path,
    *,
    mtime_ns: int | None,
    order: int,
    notes: list[str],
    choose: Callable[[str, list[str], list[str]], Collection[str]] | None = None,
    required: bool = True,
) -> Iterator[tuple[bytes, Published]]:
    """
    Yield the CSVs of a ``.zip`` archive and of the ``.zip`` archives inside it.

    An archive inside the archive (a month's ``.zip`` inside a ``.zip`` of several months, a
    download zipped again) is read as one inside a folder is: as if given on its own, named
    ``outer.zip/inner.zip/...`` and dated by its own name and folders, up to
    :data:`MAX_ZIP_DEPTH` deep. Members are read in the order of their paths, archives among
    them. System clutter (:func:`spatial.validate.is_system_junk`) is skipped with a note.

    Parameters
    ----------
    name
        The archive's name, as files' names and messages give it.
    source
        The archive's bytes, or its path (read member by member, not whole).
    mtime_ns
        The modification time every file in it is given (the archive's, or None).
    order
        The source's place among those given.
    notes
        Where notes on files skipped are added.
    choose
        Which of the CSVs of one archive (or of one inside it) to read, given ``(where, names,
        notes)``: the street-level crimes, other CSVs noted (:func:`read_crimes`' rule) by
        default.
    required
        Refuse an archive that, archives inside it included, holds no CSV chosen; else (one
        found inside a folder) note it and yield nothing.

    Yields
    ------
    tuple of bytes and Published
        Each chosen CSV's bytes and its name, stamp, time and order.

    Raises
    ------
    EmptyInputError
        When ``required`` and nothing is chosen, naming the archives inside it.
    InputDataError
        When the archive or one inside it is not a valid ``.zip`` (naming it), a member cannot
        be unpacked, or archives are nested deeper than :data:`MAX_ZIP_DEPTH`.
    """
    walk = _ZipWalk(
        mtime_ns=mtime_ns, order=order, notes=notes, choose=choose or _choose_csvs, top=name
    )
    n_read = yield from walk.archive(name, source, depth=0)
    if not n_read and required:
        raise _no_street_csvs(name, walk.found, what="archive", inner=walk.inner)


@dataclass
class _ZipWalk:
    """What the archives of one ``.zip`` given share as :func:`zip_csvs` reads them."""

    mtime_ns: int | None
    order: int
    notes: list[str]
    choose: Callable[[str, list[str], list[str]], Collection[str]]
    top: str
    """The name of the archive given; CSVs found are listed relative to it."""
    found: list[str] = field(default_factory=list)
    """Every CSV met, in the archive given or one inside it."""
    inner: list[str] = field(default_factory=list)
    """Every archive met inside the archive given."""

    def archive(
        self, name: str, source: bytes | Path, *, depth: int
    ) -> Generator[tuple[bytes, Published], None, int]:
        """Yield the chosen CSVs of one archive and of those inside it; return how many."""
        with _open_zip(name, source) as archive:
            entries = [i.filename for i in archive.infolist() if not i.is_dir()]
            junk = {m for m in entries if is_system_junk(m)}
            if junk:
                self.notes.append(skipped_junk_note(name, len(junk)))
            members = sorted(m for m in entries if _is_csv(m) and m not in junk)
            inner = {m for m in entries if m.lower().endswith(".zip") and m not in junk}
            self.found.extend(f"{name}/{m}".removeprefix(f"{self.top}/") for m in members)
            self.inner.extend(f"{name}/{m}".removeprefix(f"{self.top}/") for m in sorted(inner))
            chosen = set(self.choose(name, members, self.notes))
            if members and not chosen:
                besides = ", other than in the .zip archives inside it" if inner else ""
                self.notes.append(
                    f"{name}: the archive holds no street-level crime files "
                    f"({_shown(members)}){besides}; skipped: patchmap reads the street-level "
                    "crimes (...-street.csv)."
                )
            stamps = dict(zip(members, file_stamps(Path(name).stem, members), strict=True))
            n_read = 0
            for member in sorted(chosen | inner):
                if member in inner:
                    n_read += yield from self._inner(archive, name, member, depth=depth)
                    continue
                n_read += 1
                stamp = stamps[member]
                published = Published(f"{name}/{member}", stamp, self.mtime_ns, self.order)
                yield _unpack(archive, name, member), published
            return n_read

    def _inner(
        self, archive: zipfile.ZipFile, name: str, member: str, *, depth: int
    ) -> Generator[tuple[bytes, Published], None, int]:
        """Read an archive inside ``archive`` (unpacked into memory) as :meth:`archive`."""
        if depth >= MAX_ZIP_DEPTH:
            msg = (
                f"{name}/{member}: .zip archives are nested more than {MAX_ZIP_DEPTH} deep here "
                "(or an archive holds itself). Unzip the outer archives and give the CSV files "
                "or the innermost .zip."
            )
            raise InputDataError(msg)
        content = _unpack(archive, name, member)
        return (yield from self.archive(f"{name}/{member}", content, depth=depth + 1))


def _open_zip(name: str, source: bytes | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except zipfile.BadZipFile as err:
        msg = f"{name}: not a valid .zip archive. Download it again from data.police.uk."
        raise InputDataError(msg) from err


def _unpack(archive: zipfile.ZipFile, name: str, member: str) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        msg = f"{name}: {member} could not be unpacked ({err}). Download it again."
        raise InputDataError(msg) from err
    except (RuntimeError, NotImplementedError) as err:  # encrypted, or an unknown compression
        msg = (
            f"{name}: {member} could not be unpacked ({err}). Save it again without a password, "
            "as an ordinary (Deflate) .zip, or unzip it and give the files."
        )
        raise InputDataError(msg) from err


def _arrow_csv_table(data: bytes, text: str) -> pa.Table | None:
    """
    Parse a plain police.uk CSV with pyarrow, every column as text; None when unsure.

    pyarrow reads a month's file several times faster than pandas. It is only trusted on the
    common shape (a header of distinct non-empty names, rows of the same width, no line breaks
    inside quotes); anything else (and any parse error) returns None, so the pandas reader
    gives the same frame and the same error messages as before.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    first_line = text.split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return None
    if '"' in first_line or len(set(header)) != len(header) or not all(header):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=len(body) + 1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows == 0 or table.column_names != header:
        return None
    return table


def _arrow_csv(data: bytes, text: str) -> pd.DataFrame | None:
    """Parse a plain police.uk CSV as :func:`_arrow_csv_table`, as a pandas frame."""
    table = _arrow_csv_table(data, text)
    if table is None:
        return None
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _parse_csv(name: str, data: bytes) -> pd.DataFrame:
    """
    Parse a street-level CSV into :data:`CRIME_COLUMNS` (text), refusing a malformed one.

    A file separated by semicolons or tabs is named as such; a row with fewer fields than the
    header is refused as one with too many is (pandas would read its missing fields as blank;
    Arrow refuses both, so only a file it could not read is looked through row by row).
    """
    text = decode_text(data, source=name)
    line = text.split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([line]), [])
    except csv.Error:
        header = []  # pandas names what is wrong with it
    refuse_other_separator(header, source=name, advice=_REDOWNLOAD, line=line)
    fast = _arrow_csv(data, text)
    try:
        frame = (
            fast
            if fast is not None
            else pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=False,
            )
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = f"{name}: could not be read as a CSV ({_first_line(err)}). {_CSV_HINT}"
        raise InputDataError(msg) from err
    if fast is None:
        refuse_short_rows(text, source=name)
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(frame.columns, _REQUIRED, source=name, hint=_other_file_hint(frame.columns))
    for column in POLICE_UK_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    frame = frame.loc[:, list(POLICE_UK_COLUMNS)].rename(columns=_RENAME)
    frame["source_file"] = name
    frame["source_row"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _coerce(frame: pd.DataFrame) -> pd.DataFrame:
    """Parse months and coordinates, raising on values that are present but malformed."""
    # a file holds a few distinct months: check and parse each distinct value once
    codes, raw_uniques = pd.factorize(frame["month"].fillna(""))
    uniques = pd.Series(raw_uniques, dtype=frame["month"].dtype).str.strip()
    bad_month = pd.Series(~uniques.str.match(_MONTH_RE).to_numpy()[codes], index=frame.index)
    if bad_month.any():
        first = frame.loc[bad_month].iloc[0]
        if str(first["month"]).strip() == "Month":  # the header line again: files joined
            msg = (
                f"{first['source_file']}: row {first['source_row']} repeats the header line "
                "(Month 'Month'): two or more files were joined into one. Give the monthly "
                "files as they were downloaded (several files, a folder or the .zip)."
            )
            raise InputDataError(msg)
        msg = (
            f"{first['source_file']}: {int(bad_month.sum())} rows have a Month that is not YYYY-MM "
            f"(first: row {first['source_row']}, Month "
            f"{'blank' if pd.isna(first['month']) else repr(first['month'])}). "
            "data.police.uk months look like 2024-09."
        )
        raise InputDataError(msg)
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is left as it was
    out["month"] = pd.PeriodIndex(list(uniques), freq="M").take(codes)
    for column in ("longitude", "latitude"):
        raw = out[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & numbers.isna()
        if bad.any():
            first = out.loc[bad].iloc[0]
            msg = (
                f"{first['source_file']}: {int(bad.sum())} rows have a {column.title()} "
                "that is not "
                f"a number (first: row {first['source_row']}, {raw[bad].iloc[0]!r})."
            )
            raise InputDataError(msg)
        out[column] = numbers.astype("float64")
    return out


@dataclass
class _Files:
    """Every file of a load parsed once (:func:`_read_all`)."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    published: list[Published] = field(default_factory=list)
    copies: list[pd.DataFrame] = field(default_factory=list)
    """Byte-identical copies of files read, their rows set aside."""
    notes: list[str] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)
    """The notes on one file's rows (crime types, blank rows; in ``notes`` too), which a store
    keeps with the file's partition."""


def _read_all(sources: Sequence[CrimeSource]) -> _Files:
    """Parse every file once; byte-identical copies go straight to the rows set aside."""
    read = _Files()
    notes = read.notes
    seen: dict[str, pd.DataFrame] = {}
    for order, source in enumerate(sources):
        for data, pub in _iter_csv_blobs(source, order=order, notes=notes):
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                first = seen[digest]
                name = str(first["source_file"].iloc[0]) if len(first) else "a file read already"
                read.copies.append(first.assign(source_file=pub.name, reason="identical file"))
                notes.append(copy_note(pub.name, name, len(first)))
                continue
            blank: list[str] = []
            parsed = _parse_csv(pub.name, data)
            cells = [c for c in parsed.columns if c not in {"source_file", "source_row"}]
            parsed = without_blank_rows(parsed, cells, name=pub.name, notes=blank)
            frame = _coerce(parsed).assign(_file_index=len(read.frames))
            frame, type_notes = _official_types(pub.name, frame)
            seen[digest] = frame
            if frame.empty:
                notes.append(f"{pub.name} holds a header but no rows.")
            elif (note := _file_month_note(pub.name, frame)) is not None:
                notes.append(note)
            notes.extend((*blank, *type_notes))
            read.file_notes.extend((*blank, *type_notes))
            read.frames.append(frame)
            read.published.append(pub)
    return read


def _official_types(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """
    Read a file's crime types as :func:`spatial.crime_types.check_crime_types` says, with its notes.

    Only the few distinct values are judged (a factorisation of the column, not a loop over
    rows); the column is rebuilt only when some are written in another case or spacing.
    """
    types = frame["crime_type"]
    codes, uniques = pd.factorize(types)  # missing values: code -1
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    check = check_crime_types(name, zip((str(u) for u in uniques), counts.tolist(), strict=True))
    if not check.read_as:
        return frame, check.notes
    labels = np.array([*(check.read_as.get(u, u) for u in uniques), None], dtype=object)
    read = pd.Series(labels[codes], index=frame.index, dtype=types.dtype)  # -1: the last, None
    return frame.assign(crime_type=read), check.notes


def _file_month_note(name: str, frame: pd.DataFrame) -> str | None:
    """:func:`named_month_note` of a parsed file (its months counted only when it is named)."""
    if not _NAMED_MONTH_RE.search(re.split(r"[/\\]", name)[-1]):
        return None
    counts = frame["month"].value_counts(sort=False)  # by Period: a few distinct values
    return named_month_note(name, {str(m): int(n) for m, n in counts.items()})


def read_crimes(sources: Sequence[CrimeSource]) -> CrimeLoad:
    """
    Read data.police.uk street-level crime CSVs into points in British National Grid.

    Each force and month is read from one file (or from several files that split it): when two
    files hold different versions of a force-month (a month republished with updated outcomes),
    the one published later is kept and the other's rows are set aside, counted and noted (see
    :mod:`spatial.versions`). Rows repeating a Crime ID already read are set aside too.
    Rows are counted in the month their ``Month`` column gives; a file named for a month its
    rows are not of is noted (:func:`named_month_note`). A crime type written in another case
    or spacing than data.police.uk's (``burglary``, ``Drugs ``) is read as that type, and any
    other that is none of its types is kept as written, each with a note
    (:func:`spatial.crime_types.check_crime_types`).

    Parameters
    ----------
    sources
        CSV files, folders of monthly folders (searched for ``*-street.csv``, any case), ``.zip``
        archives as data.police.uk delivers them (with any ``.zip`` inside them, see
        :func:`zip_csvs`), or uploaded ``(name, bytes)`` pairs.

    Returns
    -------
    CrimeLoad
        Located points in EPSG:27700 plus every row that could not be placed or was set aside,
        counted.

    Raises
    ------
    EmptyInputError
        When no source is given or the files hold no rows.
    MissingColumnError
        When a file lacks Month, Longitude, Latitude or Crime type.
    OutsideGreatBritainError
        When no located row lies in Great Britain (swapped or projected coordinates).
    InputDataError
        When a file is missing, unreadable or not an ordinary file, is not a UTF-8 CSV, is
        separated by semicolons or tabs, has a row of fewer or more fields than its header, a
        month is malformed, a coordinate is not a number, or one file holds part of another's
        month; or when an archive (or one inside it) is not a valid ``.zip``.
    """
    return _load_crimes(sources)[0]


def _load_crimes(sources: Sequence[CrimeSource]) -> tuple[CrimeLoad, tuple[str, ...]]:
    """:func:`read_crimes`, and its notes on the files' rows (a store keeps them per file)."""
    if not sources:
        msg = "No crime files were given. Choose data.police.uk CSV files, a folder or a .zip."
        raise EmptyInputError(msg)
    read = _read_all(sources)
    frames, published, copies, notes = read.frames, read.published, read.copies, read.notes
    choice = choose_versions(frames, published)
    notes.extend(choice.notes)
    parts = list(choice.kept) or frames
    table = (
        parts[0].reset_index(drop=True)  # one file (the store's case): no copy
        if len(parts) == 1
        else pd.concat(parts, ignore_index=True)
    )
    if table.empty:
        msg = f"{', '.join(p.name for p in published)}: no rows. {_CSV_HINT}"
        raise EmptyInputError(msg)
    if not _in_file_order(table):
        table = table.sort_values(["_file_index", "source_row"], kind="stable")
    has_id = table["crime_id"].notna()
    duplicated = (has_id & table["crime_id"].duplicated(keep="first")).to_numpy()
    if duplicated.any():
        notes.append(duplicate_ids_note(int(duplicated.sum())))
        notes.extend(_overlap_notes(table, duplicated, published))
    aside = [*copies, *choice.set_aside, table.loc[duplicated].assign(reason="duplicate Crime ID")]
    used = table.loc[~duplicated] if duplicated.any() else table
    load = _split_located(used.reset_index(drop=True), notes)
    set_aside = pd.concat(aside, ignore_index=True)
    load = CrimeLoad(
        points=load.points,
        without_location=load.without_location,
        outside_gb=load.outside_gb,
        set_aside=set_aside.loc[:, [*CRIME_COLUMNS, "reason"]].reset_index(drop=True),
        files=tuple(p.name for p in published),
        notes=load.notes,
    )
    n_read = sum(len(f) for f in frames) + sum(len(f) for f in copies)
    check_accounting(load, n_rows_read=n_read)
    return load, tuple(read.file_notes)


def duplicate_ids_note(n_rows: int) -> str:
    """
    Return the load's note on rows repeating a Crime ID (a CSV read and a store query say it).

    Parameters
    ----------
    n_rows
        Rows set aside because their Crime ID appeared in an earlier row (of any file).

    Returns
    -------
    str
        The note.

    Examples
    --------
    >>> duplicate_ids_note(3)
    '3 rows repeat a Crime ID already read (overlapping files); kept once.'
    """
    return f"{n_rows} rows repeat a Crime ID already read (overlapping files); kept once."


_SHOWN_MONTHS: Final = 3


def named_month_note(name: str, rows_by_month: dict[str, int]) -> str | None:
    """
    Return the note on a file named for a month whose rows are of other months, or None.

    Rows are counted in the month their ``Month`` column gives, whatever the file's name
    (a file holds the months its rows say); when the name carries one ``YYYY-MM`` and some or
    all of the rows say another month, the file is probably not what it claims (a Month column
    filled down wrongly in Excel, a file renamed), so the load says so. :func:`read_crimes`
    and ``patchmap ingest`` both give it.

    Parameters
    ----------
    name
        The file's name, as the load gives it (only its last part is looked at).
    rows_by_month
        The file's rows read, by their ``YYYY-MM`` month.

    Returns
    -------
    str or None
        The note, or None when the name carries no single month or every row is of it.

    Examples
    --------
    >>> named_month_note("2025-09-x-street.csv", {"2025-08": 1282})  # doctest: +ELLIPSIS
    '2025-09-x-street.csv: named for 2025-09, but none of its rows is of 2025-09: 1,282 rows of ...'
    >>> named_month_note("2025-09-x-street.csv", {"2025-09": 3}) is None
    True
    >>> named_month_note("export 2025-09-15.csv", {"2025-08": 3}) is None  # a date, not a month
    True
    """
    named = set(_NAMED_MONTH_RE.findall(re.split(r"[/\\]", name)[-1]))
    if len(named) != 1:
        return None
    (month,) = named
    other = sorted((m, n) for m, n in rows_by_month.items() if m != month and n)
    if not other:
        return None
    n_rows = sum(rows_by_month.values())
    n_other = sum(n for _, n in other)
    listed = [_n_rows(n) + f" of {m}" for m, n in other[:_SHOWN_MONTHS]]
    if len(other) > _SHOWN_MONTHS:
        rest = other[_SHOWN_MONTHS:]
        listed.append(_n_rows(sum(n for _, n in rest)) + f" of {len(rest)} more months")
    which = (
        f"none of its rows is of {month}"
        if n_other == n_rows
        else f"{n_other:,} of its {n_rows:,} rows {'is' if n_other == 1 else 'are'} not of {month}"
    )
    return (
        f"{name}: named for {month}, but {which}: {', '.join(listed)}. Rows are counted in the "
        "month their Month column gives; if that column is wrong (filled down in a spreadsheet?), "
        "correct it or download the file again."
    )


def _n_rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def _overlap_notes(
    table: pd.DataFrame, duplicated: npt.NDArray[np.bool_], published: Sequence[Published]
) -> list[str]:
    """
    Name the files whose rows repeat another file's Crime IDs, and their rows left unchecked.

    Rows without a Crime ID (anti-social behaviour) cannot be matched one by one, so those of a
    file repeating another's Crime IDs are all kept: the note says how many. (Files holding the
    same crimes under the same or another force's name are compared whole, by
    :func:`spatial.versions.choose_versions`, before this.)
    """
    files = table["_file_index"]
    first = files.where(table["crime_id"].notna()).groupby(table["crime_id"]).transform("first")
    across = duplicated & (first != files).to_numpy()
    if not across.any():
        return []  # repeats within one file: the police.uk data's own
    later = sorted({int(i) for i in files[across]})
    earlier = sorted({int(i) for i in first[across]})
    no_id = int((table["crime_id"].isna() & files.isin(later)).sum())
    n_rows = int(across.sum())

    def _names(indices: list[int]) -> str:
        return " and ".join(published[i].name for i in indices)

    note = (
        f"{_names(later)} repeat{'s' if len(later) == 1 else ''} {n_rows:,} Crime IDs of "
        f"{_names(earlier)} (each kept once); {no_id:,} "
        f"{'row' if no_id == 1 else 'rows'} of {_names(later)} without a Crime ID "
        "(anti-social behaviour) could not be checked and were all kept. If the files hold "
        "the same month twice, remove one and reload."
    )
    return [note]


def _in_file_order(table: pd.DataFrame) -> bool:
    """Whether rows run in ``(_file_index, source_row)`` order already (sorting: a no-op)."""
    files = table["_file_index"].to_numpy()
    rows = table["source_row"].to_numpy()
    same_file = files[1:] == files[:-1]
    return bool(np.all((files[1:] > files[:-1]) | (same_file & (rows[1:] >= rows[:-1]))))


def check_accounting(load: CrimeLoad, *, n_rows_read: int) -> None:
    """
    Check that every row read lies in exactly one bucket of the load.

    Parameters
    ----------
    load
        What :func:`read_crimes` returns.
    n_rows_read
        The data rows counted in the files.

    Raises
    ------
    RuntimeError
        When the buckets do not add up: a bug in patchmap, not in the data.
    """
    parts = {
        "points": len(load.points),
        "without_location": load.n_without_location,
        "outside_gb": load.n_outside_gb,
        "set_aside": len(load.set_aside),
        "unread_located": load.n_unread_located,
        "counted_duplicates": load.n_counted_duplicates,
        "counted_set_aside": load.n_counted_set_aside,
    }
    if sum(parts.values()) != n_rows_read:
        msg = f"patchmap bug: {n_rows_read:,} rows read but the load accounts for {parts}."
        raise RuntimeError(msg)


def _locate(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64]
]:
    """
    Return which rows have coordinates, which lie in Great Britain, and their BNG x/y.

    ``x``/``y`` are NaN outside the lon/lat box of Great Britain; a row is inside when it lies
    in the box and on Great Britain's land (with its margin) once projected.
    """
    located = np.isfinite(lon) & np.isfinite(lat)
    in_box = in_gb_lonlat(lon, lat)
    x, y = _to_bng().transform(np.where(in_box, lon, np.nan), np.where(in_box, lat, np.nan))
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return located, in_box & in_gb_land(x, y), x, y


def _split_located(table: pd.DataFrame, notes: list[str]) -> CrimeLoad:
    """Split rows into located-in-GB points, rows without coordinates and rows outside GB."""
    lon = table["longitude"].to_numpy(dtype=np.float64)
    lat = table["latitude"].to_numpy(dtype=np.float64)
    located, inside, x, y = _locate(lon, lat)
    outside = located & ~inside
    if located.any() and not inside.any():
        raise OutsideGreatBritainError(_outside_message(table, outside, lon, lat))
    columns = list(CRIME_COLUMNS)
    if outside.any():
        notes.append(_outside_message(table, outside, lon, lat))
    return CrimeLoad(
        points=gpd.GeoDataFrame(
            (table[columns] if inside.all() else table.loc[inside, columns]).reset_index(drop=True),
            geometry=gpd.points_from_xy(x[inside], y[inside]),
            crs=BNG,
        ),
        without_location=table.loc[~located, columns].reset_index(drop=True),
        outside_gb=table.loc[outside, [*columns, "longitude", "latitude"]].reset_index(drop=True),
        set_aside=_empty_set_aside(),
        files=(),
        notes=tuple(notes),
    )


def _outside_message(
    table: pd.DataFrame,
    outside: np.ndarray[tuple[int], np.dtype[np.bool_]],
    lon: np.ndarray[tuple[int], np.dtype[np.float64]],
    lat: np.ndarray[tuple[int], np.dtype[np.float64]],
) -> str:
    first = int(np.flatnonzero(outside)[0])
    row = table.iloc[first]
    swapped = in_gb_lonlat(lat[outside], lon[outside])
    not_degrees = (np.abs(lon) > 180) | (np.abs(lat) > 90)  # noqa: PLR2004 - degrees' ranges
    metres = np.flatnonzero(outside & not_degrees)
    if swapped.mean() > 0.5:  # noqa: PLR2004 - most rows fit GB once swapped
        hint = "Longitude and Latitude look swapped: swap the two columns."
    elif metres.size:
        at = int(metres[0])
        hint = (
            f"{metres.size} of them hold values that look like metres, not degrees (first: row "
            f"{table.iloc[at]['source_row']}, Longitude {lon[at]}, Latitude {lat[at]}): "
            "police.uk files use WGS84 degrees."
        )
    else:
        hint = "Check that Longitude and Latitude are not swapped and are WGS84 degrees."
    return (
        f"{row['source_file']}: {int(outside.sum())} rows lie outside Great Britain "
        f"(first: row {row['source_row']}, Longitude {lon[first]}, Latitude {lat[first]}). {hint}"
    )


def outside_gb_note(rows: StreetRows) -> str | None:
    """
    Return the note :func:`read_crimes` gives on a file's rows outside Great Britain.

    The note of a load of the file alone: how many rows lie outside, the first of them (file
    order) and the likely mistake. The store keeps it with the file's partitions, so its
    queries give it as reading the file does.

    Parameters
    ----------
    rows
        One file's rows, as :func:`read_street_file` gives them.

    Returns
    -------
    str or None
        The note, or None when every row with coordinates lies in Great Britain.
    """
    where = np.flatnonzero(rows.status == ROW_STATUSES.index("outside_gb"))
    if not where.size:
        return None
    first = rows.columns.select(["source_file", "source_row"]).take(pa.array(where))
    return _outside_message(
        first.to_pandas(),
        np.ones(where.size, dtype=np.bool_),
        rows.longitude[where],
        rows.latitude[where],
    )


@dataclass(frozen=True)
class StreetRows:
    """
    Every row of one street-level file, as :func:`read_street_file` gives them, in file order.

    The store's form of a :class:`CrimeLoad` of one file: the same rows in the same buckets, as
    Arrow columns and NumPy arrays rather than (Geo)DataFrames.
    """

    columns: pa.Table
    """:data:`CRIME_COLUMNS` as Arrow columns; ``month`` is ``YYYY-MM`` text."""
    status: npt.NDArray[np.int8]
    """Index into :data:`ROW_STATUSES`: 0 located in Great Britain, 1 no location, 2 outside."""
    x_m: npt.NDArray[np.float64]
    """BNG easting of located rows, NaN for the others."""
    y_m: npt.NDArray[np.float64]
    """BNG northing of located rows, NaN for the others."""
    longitude: npt.NDArray[np.float64]
    """WGS84 longitude of rows outside Great Britain, NaN for the others."""
    latitude: npt.NDArray[np.float64]
    """WGS84 latitude of rows outside Great Britain, NaN for the others."""
    n_duplicates_removed: int = 0
    """Rows dropped because their Crime ID appeared in an earlier row of the file."""
    duplicates: pa.Table | None = None
    """Those dropped rows' ``reported_by``, ``falls_within``, ``month`` (``YYYY-MM`` text) and
    ``crime_type`` (null when blank), in file order, so a store can count them by force-month
    and type; None when there are none."""
    notes: tuple[str, ...] = ()
    """The notes :func:`read_crimes` gives on the file's crime types (some read as
    data.police.uk's, some none of its types: :func:`spatial.crime_types.check_crime_types`)."""

    def take(self, indices: npt.NDArray[np.intp]) -> StreetRows:
        """
        Return the rows at ``indices``, in that order.

        Parameters
        ----------
        indices
            Row positions.

        Returns
        -------
        StreetRows
            The chosen rows (``n_duplicates_removed``, ``duplicates`` and ``notes`` are kept as
            they are).
        """
        return StreetRows(
            columns=self.columns.take(pa.array(indices)),
            status=self.status[indices],
            x_m=self.x_m[indices],
            y_m=self.y_m[indices],
            longitude=self.longitude[indices],
            latitude=self.latitude[indices],
            n_duplicates_removed=self.n_duplicates_removed,
            duplicates=self.duplicates,
            notes=self.notes,
        )


def read_street_file(name: str, data: bytes) -> StreetRows:
    """
    Read one data.police.uk street-level CSV for the store: the rows of ``read_crimes`` of it.

    The common file (plain CSV, ``YYYY-MM`` months, decimal coordinates, no repeated
    Crime ID) is parsed and checked with Arrow and NumPy alone, several times faster than
    building the frames of :func:`read_crimes`; any other file is read by :func:`read_crimes`
    itself, so it gives the same rows, the same buckets and the same error messages.

    Parameters
    ----------
    name
        The file's name, as rows and messages give it.
    data
        The file's bytes.

    Returns
    -------
    StreetRows
        Every row with its status, BNG x/y when located and lon/lat when outside GB, crime
        types read as :func:`read_crimes` reads them, and its notes on them.

    Raises
    ------
    InputDataError
        As :func:`read_crimes` for the same file.
    """
    refuse_cut_off(data, source=name)  # the fast reader would take a cut row's fields as missing
    fast = _fast_street_rows(name, data)
    return fast if fast is not None else _street_rows_of_load(*_load_crimes([(name, data)]))


def _fast_street_rows(name: str, data: bytes) -> StreetRows | None:
    """Read the common file with Arrow; None for anything :func:`read_crimes` must judge."""
    raw = _plain_street_columns(data)
    coords = None if raw is None else _plain_coordinates(raw)
    if raw is None or coords is None:
        return None
    lon, lat = coords
    located, inside, x, y = _locate(lon, lat)
    if located.any() and not inside.any():
        return None  # read_crimes raises OutsideGreatBritainError with its hint
    outside = located & ~inside
    n = len(lon)
    crime_types, notes = _official_type_column(name, raw["crime_type"])
    columns = pa.table(
        {
            **{c: raw[c] for c in CRIME_COLUMNS[:-2]},
            "crime_type": crime_types,
            "source_file": pa.repeat(pa.scalar(name, pa.string()), n),
            "source_row": pa.array(np.arange(2, n + 2, dtype=np.int64)),
        }
    )
    return StreetRows(
        columns=columns,
        status=np.where(inside, 0, np.where(located, 2, 1)).astype(np.int8),
        x_m=np.where(inside, x, np.nan),
        y_m=np.where(inside, y, np.nan),
        longitude=np.where(outside, lon, np.nan),
        latitude=np.where(outside, lat, np.nan),
        notes=notes,
    )


def _official_type_column(
    name: str, column: pa.ChunkedArray
) -> tuple[pa.Array | pa.ChunkedArray, tuple[str, ...]]:
    """
    Read a file's crime types as :func:`_official_types` does, on an Arrow column.

    The distinct values are judged in the order they first appear, as ``pandas.factorize``
    gives them to :func:`_official_types`, so both readers give the same notes.
    """
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = [str(v) for v in encoded.dictionary.to_pylist()]
    indices = encoded.indices
    present = np.asarray(pc.drop_null(indices).to_numpy(), dtype=np.int64)
    counts = np.bincount(present, minlength=len(values))
    check = check_crime_types(name, zip(values, counts.tolist(), strict=True))
    if not check.read_as:
        return column, check.notes
    labels = pa.array([check.read_as.get(v, v) for v in values], pa.string())
    return pc.take(labels, indices), check.notes


def _plain_street_columns(data: bytes) -> dict[str, pa.ChunkedArray] | None:
    """Parse a plain street CSV into its renamed columns (missing ones null); None if unsure."""
    end = data.find(b"\n", 0, 1 << 16)
    try:
        first_line = data[: end if end >= 0 else 1 << 16].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    table = None if b"\x00" in data[:4096] else _arrow_csv_table(data, first_line)
    if table is None:
        return None
    names = [c.strip() for c in table.column_names]
    if len(set(names)) != len(names) or not set(_REQUIRED) <= set(names):
        return None
    table = table.rename_columns(names)
    missing = pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    return {_RENAME[c]: table[c] if c in names else missing for c in POLICE_UK_COLUMNS}


def _plain_coordinates(
    raw: dict[str, pa.ChunkedArray],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """
    Return longitudes and latitudes (NaN when missing) when every value is plain; else None.

    Plain: every month ``YYYY-MM``, every coordinate a decimal (``-0.12``, ``4.6e-05``), no
    Crime ID repeated.
    Anything else goes to :func:`read_crimes`, which strips, parses, sets aside or refuses it.
    """
    month = raw["month"]
    if month.null_count or not pc.all(pc.match_substring_regex(month, _MONTH_RE.pattern)).as_py():
        return None
    ids = raw["crime_id"]
    if pc.count_distinct(ids, mode="only_valid").as_py() != len(ids) - ids.null_count:
        return None  # repeated Crime IDs: read_crimes sets them aside and says so
    coords = []
    for column in ("longitude", "latitude"):
        if not pc.all(pc.match_substring_regex(raw[column], _PLAIN_NUMBER)).as_py():
            return None
        coords.append(np.asarray(pc.cast(raw[column], pa.float64()).to_numpy(), dtype=np.float64))
    return coords[0], coords[1]


def _street_rows_of_load(load: CrimeLoad, notes: tuple[str, ...]) -> StreetRows:
    """Return the rows of a one-file :class:`CrimeLoad` (located, no location, outside), noted."""
    columns = list(CRIME_COLUMNS)
    frame = pd.concat(
        [
            pd.DataFrame(load.points[columns]),
            load.without_location[columns],
            load.outside_gb[columns],
        ],
        ignore_index=True,
    )
    frame["month"] = frame["month"].astype(str)
    n_points, n_none = len(load.points), load.n_without_location
    nan_points = np.full(n_points, np.nan)
    nan_none = np.full(n_none, np.nan)
    nan_outside = np.full(load.n_outside_gb, np.nan)
    return StreetRows(
        columns=pa.Table.from_pandas(frame, preserve_index=False),
        status=np.repeat(np.array([0, 1, 2], dtype=np.int8), [n_points, n_none, load.n_outside_gb]),
        x_m=np.concatenate([load.points.geometry.x.to_numpy(), nan_none, nan_outside]),
        y_m=np.concatenate([load.points.geometry.y.to_numpy(), nan_none, nan_outside]),
        longitude=np.concatenate(
            [nan_points, nan_none, load.outside_gb["longitude"].to_numpy(dtype=np.float64)]
        ),
        latitude=np.concatenate(
            [nan_points, nan_none, load.outside_gb["latitude"].to_numpy(dtype=np.float64)]
        ),
        n_duplicates_removed=load.n_duplicates_removed,
        duplicates=_duplicate_rows(load.set_aside),
        notes=notes,
    )


_DUPLICATE_COLUMNS: Final = ("reported_by", "falls_within", "month", "crime_type")


def _duplicate_rows(set_aside: pd.DataFrame) -> pa.Table | None:
    """Return the columns a store counts of the rows set aside as repeated Crime IDs."""
    rows = set_aside.loc[set_aside["reason"] == "duplicate Crime ID", list(_DUPLICATE_COLUMNS)]
    if rows.empty:
        return None
    texts = {
        c: pa.array([None if pd.isna(v) else str(v) for v in rows[c]], pa.string())
        for c in _DUPLICATE_COLUMNS
    }
    return pa.table(texts)


_WARD_NAME_RE: Final = re.compile(r"^(WD|WARD)\d{2}NM$", re.IGNORECASE)
_WARD_CODE_RE: Final = re.compile(r"^(WD|WARD)\d{2}CD$", re.IGNORECASE)
_NAME_FALLBACKS: Final = ("ward_name", "ward", "wardname", "name", "nm")
_OTHER_AREAS_RE: Final = re.compile(r"^(LSOA|MSOA|OA|LAD|CTY|PCON|DZ)\d{2}(CD|NM)$", re.IGNORECASE)
"""ONS columns of other areas (a file of LSOAs given as wards): said so, not just 'no names'."""
_OTHER_AREAS: Final = {
    "LSOA": "LSOA (lower layer super output area)",
    "MSOA": "MSOA (middle layer super output area)",
    "OA": "output area",
    "LAD": "local authority district",
    "CTY": "county",
    "PCON": "parliamentary constituency",
    "DZ": "data zone",
}
_CODE_FALLBACKS: Final = ("ward_code", "wardcode", "code", "gss_code", "cd")


def _find_field(
    columns: Sequence[str], pattern: re.Pattern[str], fallbacks: Sequence[str]
) -> str | None:
    matches = sorted((c for c in columns if pattern.match(c)), reverse=True)
    if matches:
        return matches[0]  # the newest vintage, e.g. WD24NM before WD23NM
    lower = {c.lower(): c for c in columns}
    for candidate in fallbacks:
        if candidate in lower:
            return lower[candidate]
    return None


_BOUNDARY_FORMATS: Final = "Use GeoJSON, GeoPackage or a zipped Shapefile."


def _read_vector(
    source: str | Path | tuple[str, bytes], *, what: str
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """
    Read boundaries: the file's one layer of features (or its only layer of polygons).

    Returns the features, in the file's CRS, and notes on the layer read when the file holds
    others (see :func:`spatial._vector.read_vector`).
    """
    name = source_name(source)
    if isinstance(source, tuple):
        _refuse_table(name, source[1], what=what)
        given: Path | tuple[str, bytes] = source
    else:
        given = check_readable(source, what=what, allow_dir=True)
    read = read_vector(given, what=what, wanted="polygons", formats=_BOUNDARY_FORMATS)
    frame = read.frame
    if not isinstance(frame, gpd.GeoDataFrame) or not _has_geometry(frame):
        raise InputDataError(_table_message(name, [str(c) for c in frame.columns], what=what))
    if len(frame) == 0:
        msg = f"{name}: the file holds no features. Choose the file with the {what}."
        raise EmptyInputError(msg)
    if frame.crs is None:
        raise CRSError(_no_crs_message(frame, name=name, what=what))
    return frame, read.notes


def _no_crs_message(frame: gpd.GeoDataFrame, *, name: str, what: str) -> str:
    """
    Say a file has no CRS (a Shapefile without its .prj, say) and what its coordinates look like.

    The same advice a GeoJSON whose metres claim degrees gets (:func:`_metres_crs_guess`), so a
    user is told which CRS to set whichever format the boundaries came in.
    """
    minx, miny, maxx, maxy = frame.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        looks = ""
    elif max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:  # noqa: PLR2004
        looks = " Their coordinates look like longitude and latitude (EPSG:4326)."
    else:
        looks = (
            f" Their coordinates look like metres ({_metres_crs_guess(minx, miny, maxx, maxy)})."
        )
    shapefile = (
        " (a Shapefile without its .prj file?)" if name.lower().endswith((".shp", ".zip")) else ""
    )
    return (
        f"{name}: the {what} have no CRS{shapefile}.{looks} Set the CRS in your GIS (Set CRS or "
        "Define Projection, not Reproject) and save them again, for example as GeoPackage."
    )


def _table_message(name: str, columns: Sequence[str], *, what: str) -> str:
    looks = (
        "It is a data.police.uk crime file: give it as the crimes, not as the "
        if {"Crime ID", "Month", "Longitude"} <= set(columns)
        else f"It is a table (columns {', '.join(columns[:6]) or 'none'}), not "
    )
    return f"{name}: holds no geometries. {looks}{what}. Choose the {what} file."


def _refuse_table(name: str, data: bytes, *, what: str) -> None:
    """Refuse an uploaded CSV before GDAL, which cannot tell a table from its bytes alone."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    first = head.split(b"\n", 1)[0].strip()
    if not name.lower().endswith((".csv", ".tsv", ".txt")) and (
        not first or first[:1] in b"{[<" or b"," not in first or b"\x00" in head
    ):
        return
    try:
        columns = next(csv.reader([first.decode("utf-8")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return
    raise InputDataError(_table_message(name, [c.strip() for c in columns], what=what))


def _has_geometry(frame: gpd.GeoDataFrame) -> bool:
    return frame.active_geometry_name is not None  # type: ignore[redundant-expr,unused-ignore]  # stubs say str; None without geometry


def _require_polygons(frame: gpd.GeoDataFrame, *, name: str, what: str, label: str) -> None:
    """Refuse points, lines and mixed collections where boundaries (polygons) are needed."""
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms)
    wrong = present & ~np.isin(types, [3, 6])  # Polygon, MultiPolygon
    if wrong.any():
        kinds = pd.Series(shapely.get_type_id(geoms[wrong])).map(_TYPE_NAMES).value_counts()
        found = ", ".join(f"{n} {k}" for k, n in kinds.items())
        first = frame[label].astype(str).to_numpy()[wrong][0]
        msg = (
            f"{name}: {what} must be polygons; found {found} (first: {first!r}). "
            f"This looks like a file of points or lines (crimes, sites, streets), not {what}. "
            "Choose the boundary file (GeoJSON, GeoPackage or zipped Shapefile of polygons)."
        )
        raise InvalidGeometryError(msg)


_TYPE_NAMES: Final = {
    0: "points",
    1: "lines",
    2: "rings",
    4: "multipoints",
    5: "multilines",
    7: "geometry collections",
}


_WEB_MERCATOR_MAX_M: Final = 20_037_508.35
"""Web Mercator's (EPSG:3857) easting and northing never exceed this."""


def _metres_crs_guess(minx: float, miny: float, maxx: float, maxy: float) -> str:
    """
    Name the projected CRS that coordinates in metres most likely are in.

    British National Grid when they fit its extent of Great Britain; Web Mercator (web maps'
    CRS) when they do not but lie in Web Mercator's range.

    Examples
    --------
    >>> _metres_crs_guess(544_000, 255_000, 549_000, 261_000)
    'EPSG:27700'
    >>> _metres_crs_guess(10_000, 6_830_000, 20_000, 6_843_132)
    'Web Mercator (EPSG:3857), as web maps use: outside British National Grid'
    """
    x0, y0, x1, y1 = GB_BOUNDS_M
    if x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1:
        return "EPSG:27700"
    if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) <= _WEB_MERCATOR_MAX_M:
        return "Web Mercator (EPSG:3857), as web maps use: outside British National Grid"
    return "not in British National Grid or Web Mercator: find the file's CRS"


def _to_bng_checked(frame: gpd.GeoDataFrame, *, name: str, what: str) -> gpd.GeoDataFrame:
    crs = frame.crs
    if crs is None:  # _read_vector refuses frames without a CRS
        msg = f"{name}: the {what} have no CRS."
        raise CRSError(msg)
    found = crs.to_string()
    if crs.is_geographic:
        minx, miny, maxx, maxy = frame.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:  # noqa: PLR2004
            geojson = name.lower().endswith((".geojson", ".json"))
            read_as = (  # GeoJSON without a "crs" member is longitude/latitude by definition
                f"are read as {found} (degrees: GeoJSON's own CRS, unless the file names another)"
                if geojson
                else f"claim {found} (degrees)"
            )
            fix = (
                "Set the CRS in your GIS (Set CRS, not Reproject) and save as GeoPackage, or "
                "export the GeoJSON in EPSG:4326."
                if geojson
                else "Fix the CRS in your GIS (Set CRS, not Reproject)."
            )
            msg = (
                f"{name}: the {what} {read_as} but hold coordinates up to "
                f"{max(abs(maxx), abs(maxy)):,.0f}: they are probably metres "
                f"({_metres_crs_guess(minx, miny, maxx, maxy)}). {fix}"
            )
            raise CRSError(msg)
    out = frame if crs.to_epsg() == BNG_EPSG else frame.to_crs(BNG)
    minx, miny, maxx, maxy = out.total_bounds
    corners = in_gb_metres(np.array([minx, maxx]), np.array([miny, maxy]))
    if corners.all():
        _require_in_gb(out, name=name, what=what, found=found, original=frame)
    else:
        msg = (
            f"{name}: the {what} lie outside Great Britain once read as {found} "
            f"(bounds {minx:,.0f}, {miny:,.0f}, {maxx:,.0f}, {maxy:,.0f} in EPSG:27700). "
            + _axes_hint(frame)
        )
        raise OutsideGreatBritainError(msg)
    return out


_GB_LON: Final = (-9.0, 2.5)
_GB_LAT: Final = (49.0, 61.5)


def _axes_hint(frame: gpd.GeoDataFrame) -> str:
    """Say what the file's coordinates look like when they are not where its CRS puts them."""
    x0, y0, x1, y1 = (float(v) for v in frame.total_bounds)
    lon_lat = _GB_LON[0] <= x0 <= x1 <= _GB_LON[1] and _GB_LAT[0] <= y0 <= y1 <= _GB_LAT[1]
    lat_lon = _GB_LAT[0] <= x0 <= x1 <= _GB_LAT[1] and _GB_LON[0] <= y0 <= y1 <= _GB_LON[1]
    assert frame.crs is not None  # noqa: S101 - checked by the caller
    if frame.crs.is_geographic and lat_lon:
        return (
            "The first coordinate holds the latitude and the second the longitude: the axes "
            "are swapped. Swap them in your GIS (QGIS: Swap X and Y coordinates), or export the "
            "file again with longitude first."
        )
    if not frame.crs.is_geographic and (lon_lat or lat_lon):
        return (
            f"The coordinates are longitude and latitude in degrees, not {frame.crs.name}'s "
            "metres. Set the CRS to EPSG:4326 in your GIS (Set CRS, not Reproject)."
        )
    return "Check the file's CRS."


def _require_in_gb(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    what: str,
    found: str,
    original: gpd.GeoDataFrame | None = None,
) -> None:
    """Refuse features whose inside lies off Great Britain (Ireland, France, the sea)."""
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    reps = shapely.point_on_surface(geoms[present])
    inside = in_gb_land(shapely.get_x(reps), shapely.get_y(reps))
    if not inside.all():
        first = reps[~inside][0]
        msg = (
            f"{name}: {int((~inside).sum())} of the {len(reps)} {what} lie outside Great Britain "
            f"once read as {found} (first inside point {first.x:,.0f}, {first.y:,.0f} in "
            "EPSG:27700). "
        )
        hint = _axes_hint(frame if original is None else original)
        msg += (
            hint
            if hint != "Check the file's CRS."
            else "Check the file's CRS, or choose boundaries in England, Wales or Scotland."
        )
        raise OutsideGreatBritainError(msg)


def read_wards(
    source: str | Path | tuple[str, bytes],
    *,
    name_field: str | None = None,
    code_field: str | None = None,
) -> WardLoad:
    """
    Read ward boundaries from GeoJSON, GeoPackage or a zipped Shapefile, in any CRS.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair.
    name_field
        Column holding ward names; found automatically (``WD23NM`` and similar) when None.
    code_field
        Column holding ward codes; found automatically (``WD23CD`` and similar) when None.

    Returns
    -------
    WardLoad
        Wards in EPSG:27700 with ``ward_code`` and ``ward_name`` (both in Unicode NFC, see
        :mod:`spatial.names`), with notes on the layer read (when the file holds others),
        repairs, overlaps and gaps.

    Raises
    ------
    MissingColumnError
        When no ward name column is found or a named field is absent.
    CRSError
        When the file has no CRS or a CRS that contradicts its coordinates.
    OutsideGreatBritainError
        When a ward does not lie in Great Britain (its inside point is off the land outline).
    InvalidGeometryError
        When features are points, lines or collections rather than polygons, have no
        geometry, or a geometry that cannot be read (a ring that is not closed).
    InputDataError
        When the file is missing, unreadable, not an ordinary file, a table without geometry
        (a crime CSV given as wards), cannot be read, holds several layers of which not
        exactly one holds polygons, or ward names repeat.

    Notes
    -----
    A GeoPackage (or a folder or .zip of Shapefiles) holding several layers is read only when
    exactly one of them holds polygons, with a note naming it; otherwise it is refused with the
    layers' names. A .zip is searched at any depth for its Shapefile, GeoPackage or GeoJSON.
    """
    name = source_name(source)
    frame, layer_notes = _read_vector(source, what="ward boundaries")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    for given in (name_field, code_field):
        if given is not None and given not in columns:
            msg = f"{name}: no column {given!r}; found {', '.join(columns)}."
            raise MissingColumnError(msg)
    chosen_name = name_field or _find_field(columns, _WARD_NAME_RE, _NAME_FALLBACKS)
    if chosen_name is None:
        other = next((m.group(1).upper() for c in columns if (m := _OTHER_AREAS_RE.match(c))), None)
        looks = (
            f" These look like {_OTHER_AREAS.get(other, other)} boundaries, not wards: give the "
            "ward boundaries (ONS, with WDyyCD and WDyyNM), or"
            if other
            else " Name it with"
        )
        msg = (
            f"{name}: could not tell which column holds the ward names (found "
            f"{', '.join(columns) or 'no columns'}).{looks} --ward-field "
            "(app: Ward name column)."
        )
        raise MissingColumnError(msg)
    chosen_code = code_field or _find_field(columns, _WARD_CODE_RE, _CODE_FALLBACKS)
    frame = _to_bng_checked(frame, name=name, what="ward boundaries")
    _require_polygons(frame, name=name, what="ward boundaries", label=chosen_name)
    names = normal_names(frame[chosen_name].astype("str").str.strip())
    repeated = names[names.duplicated()].unique()
    if len(repeated):
        msg = (
            f"{name}: ward names repeat ({', '.join(repeated[:5])}) in column {chosen_name!r}. "
            "Use a file with one feature per ward, or name a unique column with --ward-field "
            "(app: Ward name column)."
        )
        raise InputDataError(msg)
    codes = normal_names(frame[chosen_code].astype("str")) if chosen_code else names
    wards = gpd.GeoDataFrame(
        {"ward_code": codes.to_numpy(), "ward_name": names.to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs=BNG,
    )
    wards, repairs = repair_geometries(wards, label_column="ward_name", source=name)
    notes = layer_notes + repairs + tiling_notes(wards, label_column="ward_name", source=name)
    return WardLoad(wards=wards, name_field=chosen_name, code_field=chosen_code, notes=notes)


def read_neighbourhoods(source: str | Path | tuple[str, bytes]) -> pd.DataFrame:
    """
    Read a ``ward,neighbourhood`` CSV that groups wards into neighbourhoods.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair.

    Returns
    -------
    pandas.DataFrame
        Columns ``ward`` and ``neighbourhood``, stripped of surrounding spaces.

    Raises
    ------
    MissingColumnError
        When either column is missing.
    InputDataError
        When the file is missing, unreadable or not a CSV, or a ward is given two
        neighbourhoods.
    """
    name, data = source_bytes(source, what="ward,neighbourhood CSV")
    hint = "The file needs two columns: ward,neighbourhood."
    text = decode_text(data, source=name, advice=hint)
    frame = read_csv_text(text, source=name, hint=hint).fillna("")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    require_columns(
        frame.columns,
        ["ward", "neighbourhood"],
        source=name,
        hint="The file needs two columns: ward,neighbourhood.",
    )
    out = pd.DataFrame(
        {
            "ward": normal_names(frame["ward"].str.strip()),
            "neighbourhood": normal_names(frame["neighbourhood"].str.strip()),
        }
    )
    out = out.loc[out["ward"] != ""].drop_duplicates()
    twice = out["ward"][out["ward"].duplicated()].unique()
    if len(twice):
        msg = f"{name}: wards listed in two neighbourhoods: {', '.join(twice)}. Give each ward one."
        raise InputDataError(msg)
    if out.empty:
        msg = f"{name}: no ward,neighbourhood rows."
        raise EmptyInputError(msg)
    return out.reset_index(drop=True)


_LSOA_CODE_RE: Final = re.compile(r"lsoa.*(cd|code)", re.IGNORECASE)
_LSOA_NAME_RE: Final = re.compile(r"lsoa.*(nm|name)", re.IGNORECASE)
_POP_RE: Final = re.compile(
    r"^(total_usual_residents|total|all ages|all_ages|population|usual residents)",
    re.IGNORECASE,
)


def read_population(source: str | Path | tuple[str, bytes]) -> pd.DataFrame:
    """
    Read LSOA populations (Census 2021 usual residents or ONS mid-year estimates).

    Parameters
    ----------
    source
        A CSV path or an uploaded ``(name, bytes)`` pair. The LSOA code column is found by name
        (``lsoa21_code``, ``LSOA 2021 Code``, ``LSOA21CD`` ...) and the population column by
        ``total_usual_residents``, ``Total`` or ``All Ages``.

    Returns
    -------
    pandas.DataFrame
        Columns ``lsoa_code``, ``lsoa_name`` (may be empty) and ``population`` (int).

    Raises
    ------
    MissingColumnError
        When no LSOA code or population column is found.
    EmptyInputError
        When the file is empty or holds a header but no rows.
    InputDataError
        When the file is missing, unreadable or not a CSV, or a population is not a number.
    """
    name, data = source_bytes(source, what="LSOA population CSV")
    hint = "Use a CSV with an LSOA code column and a total population column."
    frame = read_csv_text(decode_text(data, source=name, advice=hint), source=name, hint=hint)
    if frame.empty:
        msg = f"{name}: the population file holds a header but no rows. {hint}"
        raise EmptyInputError(msg)
    columns = [str(c) for c in frame.columns]
    code = next((c for c in columns if _LSOA_CODE_RE.search(c)), None)
    label = next((c for c in columns if _LSOA_NAME_RE.search(c)), None)
    total = next((c for c in columns if _POP_RE.match(c.strip())), None)
    if code is None or total is None:
        msg = (
            f"{name}: needs an LSOA code column and a total population column "
            f"(e.g. lsoa21_code and total_usual_residents); found {', '.join(columns)}."
        )
        raise MissingColumnError(msg)
    values = pd.to_numeric(frame[total].str.replace(",", "", regex=False), errors="coerce")
    if values.isna().any():
        first = int(np.flatnonzero(values.isna().to_numpy())[0])
        raw = frame[total].iloc[first]
        shown = "empty, or a placeholder such as n/a" if pd.isna(raw) else repr(raw)
        msg = f"{name}: {total} is not a number in row {first + 2} ({shown})."
        raise InputDataError(msg)
    return pd.DataFrame(
        {
            "lsoa_code": frame[code].str.strip(),
            "lsoa_name": frame[label].str.strip() if label else "",
            "population": values.astype("int64"),
        }
    )


@dataclass(frozen=True)
class LsoaLoad:
    """LSOA boundaries as read by :func:`read_lsoa_load`."""

    lsoas: gpd.GeoDataFrame
    """EPSG:27700 with ``lsoa_code``, ``lsoa_name``, ``geometry``."""
    notes: tuple[str, ...] = ()
    """Which layer was read (when the file holds others), and the geometries repaired."""


def read_lsoas(source: str | Path | tuple[str, bytes]) -> gpd.GeoDataFrame:
    """
    Read LSOA boundaries (2011 or 2021) in any CRS.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair with ``LSOA21CD``/``LSOA11CD`` fields.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700 with ``lsoa_code``, ``lsoa_name``, ``geometry``: the ``lsoas`` of
        :func:`read_lsoa_load`, without its notes.

    Raises
    ------
    PatchmapError
        As :func:`read_lsoa_load`.
    """
    return read_lsoa_load(source).lsoas


def read_lsoa_load(source: str | Path | tuple[str, bytes]) -> LsoaLoad:
    """
    Read LSOA boundaries (2011 or 2021) in any CRS, with notes on the layer read.

    Files are found and layers chosen as :func:`read_wards` does: a file of several layers is
    read only when exactly one holds polygons (with a note naming it).

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair with ``LSOA21CD``/``LSOA11CD`` fields.

    Returns
    -------
    LsoaLoad
        The LSOAs in EPSG:27700 with ``lsoa_code``, ``lsoa_name``, ``geometry``, and notes.

    Raises
    ------
    MissingColumnError
        When no LSOA code field is found.
    CRSError
        When the file has no CRS.
    InvalidGeometryError
        When features are not polygons, or a geometry cannot be read (a ring not closed).
    InputDataError
        When the file is missing, unreadable, holds no geometries, or holds several layers of
        which not exactly one holds polygons.
    """
    name = source_name(source)
    frame, notes = _read_vector(source, what="LSOA boundaries")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code = next((c for c in sorted(columns, reverse=True) if _LSOA_CODE_RE.search(c)), None)
    label = next((c for c in sorted(columns, reverse=True) if _LSOA_NAME_RE.search(c)), None)
    if code is None:
        msg = f"{name}: no LSOA code column (LSOA21CD or similar); found {', '.join(columns)}."
        raise MissingColumnError(msg)
    frame = _to_bng_checked(frame, name=name, what="LSOA boundaries")
    _require_polygons(frame, name=name, what="LSOA boundaries", label=code)
    out = gpd.GeoDataFrame(
        {
            "lsoa_code": frame[code].astype("str").to_numpy(),
            "lsoa_name": frame[label].astype("str").to_numpy() if label else "",
        },
        geometry=frame.geometry.to_numpy(),
        crs=BNG,
    )
    out, repaired = repair_geometries(out, label_column="lsoa_code", source=name)
    return LsoaLoad(lsoas=out, notes=(*notes, *repaired))


@functools.cache
def _to_bng() -> Transformer:
    """
    Return the WGS84 lon/lat to BNG transformer, built on first use.

    Building it takes a few hundredths of a second, which commands reading a store (its rows
    already in BNG) do not spend.
    """
    return Transformer.from_crs(WGS84, BNG, always_xy=True)
