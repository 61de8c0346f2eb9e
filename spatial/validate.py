"""
Checks shared by the readers: columns, text encoding, Great Britain extent, geometry validity.

Each check either returns what it found (counts, masks, notes) or raises an error from
:mod:`spatial.errors` whose message says what is wrong, what was found and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import stat
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
import shapely

from spatial.crs import GB_BOUNDS_LONLAT, GB_BOUNDS_M
from spatial.errors import (
    EmptyInputError,
    InputDataError,
    InvalidGeometryError,
    MissingColumnError,
    PatchmapWarning,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    import numpy.typing as npt

__all__ = [
    "GB_BUFFER_M",
    "MIN_GAP_AREA_M2",
    "MIN_OVERLAP_AREA_M2",
    "SYSTEM_JUNK_NAMES",
    "check_readable",
    "copy_note",
    "decode_text",
    "gb_outline",
    "in_gb_land",
    "in_gb_lonlat",
    "in_gb_metres",
    "is_system_junk",
    "markup_or_json",
    "read_csv_text",
    "read_file_bytes",
    "refuse_cut_off",
    "refuse_lone_carriage_returns",
    "refuse_not_csv",
    "refuse_other_separator",
    "refuse_short_rows",
    "repair_geometries",
    "require_columns",
    "skipped_junk_note",
    "source_bytes",
    "tiling_notes",
    "without_blank_rows",
]

MIN_OVERLAP_AREA_M2: Final = 1.0
"""Overlaps between two boundary polygons smaller than this are ignored (digitising noise)."""
MIN_GAP_AREA_M2: Final = 100.0
"""Holes in the union of boundary polygons smaller than this are ignored (slivers)."""
GB_BUFFER_M: Final = 5_000.0
"""How far beyond Great Britain's (generalised) coastline a point still counts as in Great Britain.

Covers coastal snap points, piers and islets the 1:10m outline leaves out; well short of the
nearest other land (Northern Ireland 19 km from Kintyre, the Isle of Man 26 km, France 33 km)."""
_GB_OUTLINE_PATH: Final = Path(__file__).resolve().parent / "data" / "gb_outline.wkb"


SYSTEM_JUNK_NAMES: Final = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
"""File names (any case) an operating system leaves in folders: Finder's and Explorer's."""


def is_system_junk(name: str) -> bool:
    """
    Say whether a file is operating-system clutter rather than data: never read, never an error.

    That is anything under a ``__MACOSX`` folder (macOS's zip resource forks), an AppleDouble
    ``._name`` file, an Office lock file ``~$name``, and :data:`SYSTEM_JUNK_NAMES`.

    Parameters
    ----------
    name
        A file name, or its path inside the folder or ``.zip`` given (parts separated by
        slashes or backslashes); only the parts inside it are looked at.

    Returns
    -------
    bool
        True for clutter.

    Examples
    --------
    >>> is_system_junk("__MACOSX/2025-09/._2025-09-cambridgeshire-street.csv")
    True
    >>> is_system_junk("2025-09/.DS_Store"), is_system_junk("~$extract.xlsx")
    (True, True)
    >>> is_system_junk("2025-09/2025-09-cambridgeshire-street.csv")
    False
    """
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if not parts:
        return False
    base = parts[-1]
    return (
        "__MACOSX" in parts[:-1]
        or base.startswith(("._", "~$"))
        or base.lower() in SYSTEM_JUNK_NAMES
    )


def skipped_junk_note(where: str, n_skipped: int) -> str:
    """
    Return the note that ``n_skipped`` files of ``where`` were skipped as system clutter.

    Parameters
    ----------
    where
        The folder or ``.zip`` as the user named it.
    n_skipped
        Files skipped by :func:`is_system_junk`.

    Returns
    -------
    str
        One sentence.

    Examples
    --------
    >>> skipped_junk_note("mac.zip", 2)
    'mac.zip: 2 system files skipped (__MACOSX, ._ copies, .DS_Store, Thumbs.db, ~$ lock files).'
    """
    noun = "file" if n_skipped == 1 else "files"
    return (
        f"{where}: {n_skipped} system {noun} skipped "
        "(__MACOSX, ._ copies, .DS_Store, Thumbs.db, ~$ lock files)."
    )


_KINDS: Final = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def check_readable(path: str | Path, *, what: str, allow_dir: bool = False) -> Path:
    """
    Refuse a path that is missing, not an ordinary file, or that the user may not read.

    Called before a file is opened, so a named pipe or a device never makes a reader wait
    forever. Read permission is asked of :func:`os.access` (for root it is always granted; a
    :class:`PermissionError` while reading is caught by :func:`read_file_bytes` too).

    Parameters
    ----------
    path
        The path as the user gave it.
    what
        What the file should hold ("crime files", "ward boundaries"), used in messages.
    allow_dir
        Accept a folder (crime folders, Shapefile folders).

    Returns
    -------
    pathlib.Path
        The path, checked.

    Raises
    ------
    InputDataError
        When the path does not exist, is a folder (unless allowed), a pipe, socket or device,
        or cannot be read.

    Examples
    --------
    >>> check_readable("/", what="crime files", allow_dir=True).name
    ''
    """
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        msg = f"{file}: not found (no such file or folder). Check the path to the {what}."
        raise InputDataError(msg) from None
    except OSError as err:
        msg = f"{file}: cannot be opened ({err.strerror}). Check the path to the {what}."
        raise InputDataError(msg) from err
    if stat.S_ISDIR(mode) and not allow_dir:
        msg = f"{file}: is a folder. Give the file that holds the {what}."
        raise InputDataError(msg)
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        kind = next((label for test, label in _KINDS if test(mode)), "not an ordinary file")
        msg = (
            f"{file}: is {kind}, not an ordinary file; patchmap reads only ordinary files. "
            f"Save the {what} to a file and give its path."
        )
        raise InputDataError(msg)
    if not os.access(file, os.R_OK):
        raise InputDataError(_no_permission(file, what))
    return file


def _no_permission(file: Path, what: str) -> str:
    return (
        f"{file}: permission denied: this account may not read the {what}. "
        "Ask the file's owner for read access, or copy it to a folder of your own."
    )


def read_file_bytes(path: str | Path, *, what: str) -> bytes:
    """
    Return the bytes of an ordinary, readable file, or raise an error that says what to fix.

    Parameters
    ----------
    path
        The file.
    what
        What the file should hold, used in messages.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputDataError
        As :func:`check_readable`, or when reading fails (permission denied, I/O error).
    """
    file = check_readable(path, what=what)
    try:
        return file.read_bytes()
    except PermissionError as err:
        raise InputDataError(_no_permission(file, what)) from err
    except OSError as err:
        msg = f"{file}: could not be read ({err.strerror}). Check the disk or copy the file again."
        raise InputDataError(msg) from err


def source_bytes(source: str | Path | tuple[str, bytes], *, what: str) -> tuple[str, bytes]:
    """
    Return the name and bytes of a path or an uploaded ``(name, bytes)`` pair.

    Parameters
    ----------
    source
        A path (checked with :func:`check_readable`) or an upload.
    what
        What the file should hold, used in messages.

    Returns
    -------
    tuple of str and bytes
        The name a user knows the file by, and its content.

    Raises
    ------
    InputDataError
        As :func:`read_file_bytes`.
    """
    if isinstance(source, tuple):
        return source[0], source[1]
    return Path(source).name, read_file_bytes(source, what=what)


def read_csv_text(text: str, *, source: str, hint: str, dtype: type | None = str) -> pd.DataFrame:
    """
    Parse CSV text into a table, turning the parser's errors into one that says what to fix.

    Parameters
    ----------
    text
        The decoded file (see :func:`decode_text`).
    source
        The file's name, used in messages.
    hint
        What the file should look like, appended to the message.
    dtype
        Column type (text by default: readers convert what they need).

    Returns
    -------
    pandas.DataFrame
        The table, with column names stripped of surrounding spaces.

    Raises
    ------
    InputDataError
        When the text is not a well-formed CSV (ragged rows, unclosed quotes, no columns).
    """
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        msg = f"{source}: could not be read as a CSV ({detail}). {hint}"
        raise InputDataError(msg) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def markup_or_json(data: bytes) -> str | None:
    r"""
    Name the kind of text file that is plainly not a CSV table: JSON, or a web page or XML.

    A CSV's header row starts with a column name; a file whose first character (after a
    byte-order mark and white space) is ``{`` or ``[`` is JSON (GeoJSON boundaries, most
    often), and one starting with ``<`` is HTML or XML (a web page saved in place of the
    download, KML, GPX). Read as CSV, such a file would fail with a parser's message, or worse
    pass as a table of one odd column.

    Parameters
    ----------
    data
        The file's bytes (its first few kilobytes are enough).

    Returns
    -------
    str or None
        What the file looks like, for a message; ``None`` when it may be a CSV.

    Examples
    --------
    >>> markup_or_json(b'{"type": "FeatureCollection"}')
    'JSON (GeoJSON boundaries, perhaps)'
    >>> markup_or_json(b"\xef\xbb\xbf<!DOCTYPE html>") is not None
    True
    >>> markup_or_json(b"Crime ID,Month\n") is None
    True
    """
    head = data[:64].removeprefix(codecs.BOM_UTF8).lstrip()
    if head.startswith((b"{", b"[")):
        return "JSON (GeoJSON boundaries, perhaps)"
    if head.startswith(b"<"):
        return "HTML or XML (a web page saved in place of the file, KML or GPX, perhaps)"
    return None


def refuse_not_csv(
    data: bytes, *, source: str, advice: str, empty_advice: str | None = None
) -> None:
    """
    Refuse a file that is empty, binary, JSON or a web page, saying what it should be.

    Parameters
    ----------
    data
        The file's bytes (its first few kilobytes are looked at).
    source
        The file's name, used in messages.
    advice
        What the file should be, ending each message.
    empty_advice
        Ends the message for an empty file instead, when given.

    Raises
    ------
    EmptyInputError
        When the file is empty or white space.
    InputDataError
        When the file is UTF-16 text, binary (a zip, PDF or PNG among them), JSON, HTML or XML.
    """
    if not data or data.isspace():  # no copy of the file (strip would make one)
        msg = f"{source}: the file is empty. {empty_advice or advice}"
        raise EmptyInputError(msg)
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # a byte-order mark: UTF-16 text
        msg = (
            f"{source}: the file is UTF-16 text. Re-save it as CSV UTF-8 (in Excel: CSV UTF-8 "
            f"(Comma delimited)). {advice}"
        )
        raise InputDataError(msg)
    if head.startswith(b"PK\x03\x04") and b"xl/" in head:  # an .xlsx is a zip of xl/ parts
        msg = (
            f"{source}: this is an Excel workbook, not a CSV file. Save it from Excel as CSV "
            f"UTF-8 (Comma delimited). {advice}"
        )
        raise InputDataError(msg)
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG")):
        msg = f"{source}: this is not a CSV file (it looks binary). {advice}"
        raise InputDataError(msg)
    if (kind := markup_or_json(head)) is not None:
        msg = f"{source}: this is {kind}, not a CSV file. {advice}"
        raise InputDataError(msg)
    refuse_cut_off(data, source=source)


def refuse_lone_carriage_returns(data: bytes, *, source: str) -> None:
    r"""
    Refuse a CSV whose header line ends in a carriage return alone (CR, not CR LF).

    Lines ending in CR alone are an old Mac text format (Excel's "CSV (Macintosh)"), or a file
    pieced together from two kinds of line end. The header would be read as one field running
    into the rows (and taken for a file separated by something else), so it is refused with
    what to do instead. Lines ending in LF or CR LF are read as they are.

    Parameters
    ----------
    data
        The file's bytes (its first line is looked at).
    source
        The file's name, used in messages.

    Raises
    ------
    InputDataError
        When a carriage return in the first line is not followed by a line feed.

    Examples
    --------
    >>> refuse_lone_carriage_returns(b"a,b\r\n1,2\r\n", source="x.csv")  # Windows: CR LF
    >>> refuse_lone_carriage_returns(b"a,b\r1,2\r", source="x.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.InputDataError: x.csv: its lines end in a carriage return alone ...
    """
    head = data[:4096]
    end = head.find(b"\n")
    first = head if end < 0 else head[:end]
    if b"\r" in first.rstrip(b"\r") and b"\x00" not in head:  # binary: refused as binary
        msg = (
            f"{source}: its lines end in a carriage return alone (an old Mac text format, or "
            "lines of two kinds), so its header runs into its rows. Save it again as CSV UTF-8 "
            "(Comma delimited), or download it again and give it as downloaded."
        )
        raise InputDataError(msg)


def refuse_cut_off(data: bytes, *, source: str) -> None:
    r"""
    Refuse a CSV whose last line stops part-way through a row (a download or copy cut short).

    Only a last line without a line end can be cut off; it is cut off when it has fewer
    fields than the header line. Such a row would otherwise be read with its last fields
    missing (a crime without its type, say), or refused for a field it lacks. A file whose
    lines end in a carriage return alone is refused first
    (:func:`refuse_lone_carriage_returns`).

    Parameters
    ----------
    data
        The file's bytes.
    source
        The file's name, used in messages.

    Raises
    ------
    InputDataError
        When the last line has fewer fields than the header.

    Examples
    --------
    >>> refuse_cut_off(b"a,b,c\n1,2,3", source="x.csv")  # whole, though without a line end
    >>> refuse_cut_off(b"a,b,c\n1,2,3\n4,5", source="x.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.InputDataError: x.csv: the file is cut off: its last line (line 3) has 2 of ...
    """
    refuse_lone_carriage_returns(data, source=source)
    if not data or data.endswith((b"\n", b"\r")) or b"\x00" in data[:4096]:
        return  # whole, or not UTF-8 text (UTF-16, binary): refuse_not_csv says which
    start = data.rfind(b"\n") + 1
    if start == 0:
        return  # one line: the header alone
    header_end = data.find(b"\n")
    header = data[:header_end].decode("utf-8-sig", errors="replace")
    last = data[start:].decode("utf-8", errors="replace")
    try:
        n_header = len(next(csv.reader([header]), []))
        n_last = len(next(csv.reader([last]), []))
    except csv.Error:  # not a line of CSV: the reader's own checks say what the file is
        return
    if n_last < n_header:
        line = data.count(b"\n") + 1
        msg = (
            f"{source}: the file is cut off: its last line (line {line}) has {n_last} of the "
            f"header's {n_header} fields. Download or copy it again: a download or copy that "
            "stopped part-way leaves a file like this."
        )
        raise InputDataError(msg)


def refuse_short_rows(text: str, *, source: str) -> None:
    r"""
    Refuse a CSV with a row of fewer fields than its header, naming the first such line.

    pandas reads a short row with its last fields missing (a crime of type '(blank)', without
    an LSOA), where a row of too many fields is refused; a row cut short in the middle of a
    file (a bad copy and paste, two files joined part-way) is refused here alike, as
    :func:`refuse_cut_off` refuses a short last line. Blank lines are not rows.

    Parameters
    ----------
    text
        The decoded file (see :func:`decode_text`).
    source
        The file's name, used in messages.

    Raises
    ------
    InputDataError
        When a row has fewer fields than the header, naming its line and both counts.

    Examples
    --------
    >>> refuse_short_rows("a,b,c\n1,2,3\n\n4,5,6\n", source="x.csv")
    >>> refuse_short_rows("a,b,c\n1,2,3\n4,5\n6,7,8\n", source="x.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.InputDataError: x.csv: could not be read as a CSV (line 3 has 2 of the ...
    """
    reader = csv.reader(io.StringIO(text))
    try:
        n_header = len(next(reader, []))
        line = reader.line_num  # the line a row starts on: the one after the last row read
        for row in reader:
            if row and len(row) < n_header:
                msg = (
                    f"{source}: could not be read as a CSV (line {line + 1} has {len(row)} of "
                    f"the header's {n_header} fields). A row cut short in the middle of the file "
                    "(a bad copy and paste, or two files joined part-way) would be read as a "
                    "crime with its last fields blank: download or copy the file again, or mend "
                    "that line."
                )
                raise InputDataError(msg)
            line = reader.line_num
    except csv.Error:
        return  # the CSV parser that reads the file reports malformed quoting in its own words


_SEPARATORS: Final = ((";", "semicolons"), ("\t", "tabs"))
_SHOWN_CHARS: Final = 60


def refuse_other_separator(
    header: Sequence[str], *, source: str, advice: str, line: str | None = None
) -> None:
    r"""
    Refuse a CSV separated by semicolons or tabs: its header, read with commas, is one field.

    Excel saves "CSV" with semicolons where the decimal separator is a comma (much of Europe),
    and some exports use tabs; read as comma-separated, such a file has one column named
    ``Crime ID;Month;...``, and a "missing columns" message would list the columns it lacks.
    With the header ``line`` as written, a header that splits into more than twice as many
    fields at semicolons (or tabs) as at commas is refused too: a quoted name holding a comma
    (``"Offence, kind"``) splits a semicolon header into a few fields, not one; a
    comma-separated header with a semicolon in one name is not refused.

    Parameters
    ----------
    header
        The header line's fields, as read with commas.
    source
        The file's name, used in messages.
    advice
        How to get the file right, ending the message.
    line
        The header line as written, when the caller has it.

    Raises
    ------
    InputDataError
        When the header is one field holding semicolons or tabs, or ``line`` splits into more
        than twice as many fields at either.

    Examples
    --------
    >>> refuse_other_separator(["Crime ID", "Month"], source="x.csv", advice="")
    >>> refuse_other_separator(["Crime ID;Month"], source="x.csv", advice="")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.InputDataError: x.csv: the file is separated by semicolons, not commas ...
    >>> line = 'Ref;"Place, area";X;Y;Z'
    >>> refuse_other_separator(next(csv.reader([line])), source="x.csv", advice="", line=line)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.InputDataError: x.csv: ... (its header splits into 5 fields at semicolons ...
    >>> refuse_other_separator(["Ref", "Offence;kind", "X"], source="x.csv", advice="",
    ...                        line="Ref,Offence;kind,X")
    """
    for separator, name in _SEPARATORS:
        n_fields = 0 if line is None else len(line.rstrip("\r\n").split(separator))
        if len(header) == 1 and separator in header[0]:
            field = header[0]
            shown = field if len(field) <= _SHOWN_CHARS else field[: _SHOWN_CHARS - 3] + "..."
            why = f"its header is one field: {shown!r}"
        elif n_fields > 2 * len(header):
            why = f"its header splits into {n_fields} fields at {name} and {len(header)} at commas"
        else:
            continue
        msg = (
            f"{source}: the file is separated by {name}, not commas ({why}). Save it as "
            "comma-separated CSV (in Excel: CSV UTF-8 (Comma delimited)), with a full stop as "
            f"the decimal separator. {advice}"
        ).rstrip()
        raise InputDataError(msg)


def decode_text(data: bytes, *, source: str, advice: str | None = None) -> str:
    r"""
    Decode a file's bytes as UTF-8 text, refusing binary files and other encodings.

    Parameters
    ----------
    data
        The raw bytes of the file.
    source
        The file's name, used in messages.
    advice
        What the file should be, ending the messages for an empty, binary, JSON or HTML file
        (the neighbourhoods CSV, say); data.police.uk's crime files when None.

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    EmptyInputError
        When the file is empty.
    InputDataError
        When the file is binary (not a CSV at all) or is not UTF-8 text.

    Examples
    --------
    >>> decode_text(b"a,b\\n1,2\\n", source="x.csv")
    'a,b\\n1,2\\n'
    """
    refuse_not_csv(
        data,
        source=source,
        advice=advice
        or (
            "Load the street-level CSV files from data.police.uk, a folder of them, or the .zip "
            "archive as downloaded."
        ),
        empty_advice=advice or "Choose the data.police.uk CSV that holds the crimes.",
    )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        msg = (
            f"{source}: the file is not UTF-8 text (byte {err.start}, line {line}). "
            "Re-save it as UTF-8 (in Excel: Save As > CSV UTF-8)."
        )
        raise InputDataError(msg) from err


def require_columns(
    columns: Iterable[str], required: Sequence[str], *, source: str, hint: str = ""
) -> None:
    """
    Raise when any of ``required`` is missing from ``columns``.

    Parameters
    ----------
    columns
        The columns found.
    required
        The columns needed.
    source
        The file's name, used in messages.
    hint
        How to fix it, appended to the message.

    Raises
    ------
    MissingColumnError
        Naming the missing and the found columns.

    Examples
    --------
    >>> require_columns(["Month", "Crime type"], ["Month"], source="a.csv")
    """
    found = list(columns)
    missing = [c for c in required if c not in found]
    if missing:
        shown = ", ".join(found[:15]) + (" ..." if len(found) > 15 else "")  # noqa: PLR2004
        msg = (
            f"{source}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}; found {shown or 'no columns'}."
            f"{' ' + hint if hint else ''}"
        )
        raise MissingColumnError(msg)


def in_gb_lonlat(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """
    Return which longitude/latitude pairs lie in the box enclosing Great Britain.

    Parameters
    ----------
    lon, lat
        Degrees (WGS84).

    Returns
    -------
    numpy.ndarray
        Boolean mask; NaN coordinates are False.

    Examples
    --------
    >>> import numpy as np
    >>> in_gb_lonlat(np.array([0.12, 151.2]), np.array([52.2, -33.9])).tolist()
    [True, False]
    """
    min_lon, min_lat, max_lon, max_lat = GB_BOUNDS_LONLAT
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat),
            dtype=np.bool_,
        )


def in_gb_metres(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """
    Return which British National Grid coordinates lie inside the grid's extent.

    Parameters
    ----------
    x, y
        Eastings and northings in metres.

    Returns
    -------
    numpy.ndarray
        Boolean mask; NaN or infinite coordinates are False.

    Examples
    --------
    >>> import numpy as np
    >>> in_gb_metres(np.array([545000.0, -10.0]), np.array([258000.0, 5.0])).tolist()
    [True, False]
    """
    min_x, min_y, max_x, max_y = GB_BOUNDS_M
    with np.errstate(invalid="ignore"):
        return np.asarray(
            np.isfinite(x)
            & np.isfinite(y)
            & (x >= min_x)
            & (x <= max_x)
            & (y >= min_y)
            & (y <= max_y),
            dtype=np.bool_,
        )


@functools.cache
def gb_outline() -> shapely.MultiPolygon:
    """
    Return Great Britain's land outline, buffered by :data:`GB_BUFFER_M`, in EPSG:27700.

    Built by ``tools/gen_gb_outline.py`` from Natural Earth 1:10m countries (public domain):
    England, Scotland and Wales with their islands; not Northern Ireland, the Isle of Man or the
    Channel Islands. Prepared once for fast point tests.

    Returns
    -------
    shapely.MultiPolygon
        The outline (shared; never modify it).
    """
    outline = shapely.from_wkb(_GB_OUTLINE_PATH.read_bytes())
    if not isinstance(outline, shapely.MultiPolygon):  # the tool always writes one
        msg = f"{_GB_OUTLINE_PATH} is damaged: reinstall patchmap."
        raise TypeError(msg)
    shapely.prepare(outline)
    return outline


def in_gb_land(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """
    Return which British National Grid points lie in Great Britain (its land plus a 5 km margin).

    Unlike the grid's rectangle (:func:`in_gb_metres`), this tells Great Britain from Ireland,
    Northern Ireland, the Isle of Man and France.

    Parameters
    ----------
    x, y
        Eastings and northings in metres.

    Returns
    -------
    numpy.ndarray
        Boolean mask; NaN or infinite coordinates are False.

    Examples
    --------
    >>> import numpy as np
    >>> # Cambridge Guildhall; Belfast City Hall (Northern Ireland)
    >>> in_gb_land(np.array([544950.0, 146500.0]), np.array([258450.0, 529700.0])).tolist()
    [True, False]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    result = in_gb_metres(x, y)
    if result.any():
        result[result] = shapely.contains_xy(gb_outline(), x[result], y[result])
    return result


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, label_column: str, source: str
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """
    Repair invalid polygons with :func:`shapely.make_valid`, warning with their names.

    Parameters
    ----------
    gdf
        Boundary polygons.
    label_column
        Column whose values name the features in messages.
    source
        The file's name, used in messages.

    Returns
    -------
    tuple
        A new frame with valid (Multi)Polygons, and the notes saying what was repaired.

    Raises
    ------
    EmptyInputError
        When the frame holds no features.
    InvalidGeometryError
        When a geometry is missing or cannot be repaired into a polygon.
    """
    if len(gdf) == 0:
        msg = f"{source}: the file holds no boundary features."
        raise EmptyInputError(msg)
    geoms = gdf.geometry.to_numpy()
    labels = gdf[label_column].astype(str).to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        names = ", ".join(labels[missing][:5])
        n_missing = int(missing.sum())
        msg = f"{source}: {n_missing} features have no geometry ({names}). Fix or remove them."
        raise InvalidGeometryError(msg)
    invalid = ~shapely.is_valid(geoms)
    notes: list[str] = []
    out = gdf.copy()
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid])
        polys = np.array(
            [
                shapely.union_all(shapely.get_parts(g)[_is_polygonal(shapely.get_parts(g))])
                for g in repaired
            ],
            dtype=object,
        )
        bad = shapely.is_empty(polys)
        if bad.any():
            names = ", ".join(labels[invalid][bad][:5])
            msg = (
                f"{source}: could not repair the geometry of {names}. "
                "Fix it in a GIS (QGIS: Fix geometries)."
            )
            raise InvalidGeometryError(msg)
        fixed = geoms.copy()
        fixed[invalid] = polys
        out = out.set_geometry(fixed, crs=gdf.crs)
        shown = [
            f"{n} ({_why_invalid(g)})" for n, g in zip(labels[invalid], geoms[invalid], strict=True)
        ]
        more = f" and {len(shown) - 5:,} more" if len(shown) > 5 else ""  # noqa: PLR2004
        where = f" Places are in {gdf.crs.name}." if gdf.crs is not None else ""
        note = (
            f"{source}: repaired {int(invalid.sum())} invalid geometries with make_valid: "
            f"{'; '.join(shown[:5])}{more}.{where} Check them in a GIS (QGIS: Check validity): "
            "a boundary that crosses itself may have lost or gained area."
        )
        warnings.warn(note, PatchmapWarning, stacklevel=2)
        notes.append(note)
    return out, tuple(notes)


def _why_invalid(geometry: shapely.Geometry) -> str:
    """
    Say why a geometry is invalid and where, from :func:`shapely.is_valid_reason`.

    >>> _why_invalid(shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]))
    'self-intersection at 1, 1'
    """
    reason = str(shapely.is_valid_reason(geometry))
    what, _, where = reason.partition("[")
    numbers = where.rstrip("]").split()
    try:
        place = ", ".join(f"{float(v):.6g}" for v in numbers)
    except ValueError:
        place = ""
    what = what.strip().lower() or "invalid"
    return f"{what} at {place}" if place else what


def _is_polygonal(parts: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    types = shapely.get_type_id(parts)
    return np.asarray(np.isin(types, [3, 6]), dtype=np.bool_)


def tiling_notes(gdf: pd.DataFrame, *, label_column: str, source: str) -> tuple[str, ...]:
    """
    Report overlaps between boundary polygons and gaps (holes) inside their union.

    Parameters
    ----------
    gdf
        Boundary polygons in a projected CRS in metres.
    label_column
        Column whose values name the features in messages.
    source
        The file's name, used in messages.

    Returns
    -------
    tuple of str
        One note per overlapping pair (area in m²) and one for the gaps; empty when they tile.
    """
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    labels = gdf[label_column].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    notes: list[str] = []
    if keep.any():
        areas = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
        for i, j, area in zip(left[keep], right[keep], areas, strict=True):
            if area >= MIN_OVERLAP_AREA_M2:
                notes.append(f"{source}: {labels[i]} and {labels[j]} overlap by {area:,.0f} m².")
    union = shapely.union_all(geoms)
    holes = [
        shapely.Polygon(ring)
        for poly in shapely.get_parts(union)
        if isinstance(poly, shapely.Polygon)
        for ring in poly.interiors
    ]
    gap_areas = [h.area for h in holes if h.area >= MIN_GAP_AREA_M2]
    if gap_areas:
        notes.append(
            f"{source}: {len(gap_areas)} gaps between boundaries "
            f"(largest {max(gap_areas):,.0f} m²); points there belong to no area."
        )
    return tuple(notes)


def without_blank_rows(
    frame: pd.DataFrame, columns: Sequence[str], *, name: str, notes: list[str]
) -> pd.DataFrame:
    """
    Drop the rows whose ``columns`` are all empty, saying how many; the others keep their labels.

    A row of commas alone, or an empty line in a sheet, is what a spreadsheet leaves where rows
    were deleted: it holds no crime, so every reader skips it with a note rather than refusing
    it as a row with a bad date or month.

    Parameters
    ----------
    frame
        Rows read as text, missing where empty.
    columns
        The file's own columns (not those a reader adds, such as the row number).
    name
        The file's name, for the note.
    notes
        Where the note goes.

    Returns
    -------
    pandas.DataFrame
        ``frame`` without its blank rows (the same frame when there are none).

    Examples
    --------
    >>> notes = []
    >>> rows = pd.DataFrame({"a": ["1", None], "b": ["x", None], "row": [2, 3]})
    >>> len(without_blank_rows(rows, ["a", "b"], name="f.csv", notes=notes)), notes
    (1, ['f.csv: 1 blank row (every cell empty) skipped.'])
    """
    if not all(frame[c].hasnans for c in columns):  # a full column: no row is wholly blank
        return frame
    blank = frame[list(columns)].isna().all(axis=1).to_numpy()
    if not blank.any():
        return frame
    n_blank = int(blank.sum())
    notes.append(
        f"{name}: {n_blank:,} blank row{'s' if n_blank > 1 else ''} (every cell empty) skipped."
    )
    return frame.loc[~blank]


def copy_note(name: str, first: str, n_rows: int | None = None) -> str:
    """
    Say that a file was read once because it is byte for byte a file read before it.

    The same file given twice (dropped twice on an uploader, say) is said so, not "X is
    identical to X".

    Parameters
    ----------
    name
        The copy's name.
    first
        The name of the file read.
    n_rows
        The copy's rows, set aside, when counted.

    Returns
    -------
    str
        The note.

    Examples
    --------
    >>> copy_note("b.csv", "a.csv", 12)
    'b.csv is identical to a.csv; read once (12 rows set aside).'
    >>> copy_note("a.csv", "a.csv")
    'a.csv was given twice; read once.'
    """
    what = f"{name} was given twice" if name == first else f"{name} is identical to {first}"
    rows = "" if n_rows is None else f" ({n_rows:,} rows set aside)"
    return f"{what}; read once{rows}."
