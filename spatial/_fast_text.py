"""
Byte-level checks of Arrow string columns with NumPy: fixed-width dates, edges, distinct values.

Each function here reads an Arrow string column's buffers as NumPy bytes and answers a question
about the whole column at once, much faster than Python or a general compute kernel: the dates of
a fixed-width date column (:func:`fixed_width_seconds`), whether any value may have spaces at
its edges (:func:`may_be_padded`), and whether its values are all different
(:func:`all_distinct`). Each answers only when it is sure; otherwise it says so (``None`` or
``True`` for "may be") and the caller takes the general path, so results never depend on which
path ran.

**Dates.**

Force extracts write every date in one layout, each value the same width. Such a column is read
here straight from the Arrow string buffer as a matrix of bytes: each field is a pair (or four) of
digit bytes at a known place, read in place as a 16-bit number and looked up in the field's table
of what each pair adds (the month's place, the day, seconds into the day; one lookup per field,
no copy of the bytes; chunk by chunk, as Arrow's reader gives them), every separator is checked
at its place, and every date is checked
to exist (day within its month, hour under 24, minute and second under 60) and to lie in
1900-2099. This is several times faster than a ``strptime`` per value, and stricter than Arrow's,
which rolls impossible dates over (31/02 into March).

The parser answers only when **every** value present is a date of the layout; otherwise it returns
``None`` and the caller parses the column the general way, which names the values it cannot read.
So a column gets the same dates either way, and a file with a single odd value is never half-read
here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    _Layout = tuple[dict[str, int], tuple[tuple[int, int], ...], int]
    """Field start positions, literal bytes ``(position, byte)`` and the width of a format."""
    _ChunkDates = tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_] | None, bool, int]
    """A chunk's present seconds, where they are (``None``: all), any time, the latest day."""

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "NAT_S",
    "FixedDates",
    "all_distinct",
    "fixed_width_dates",
    "fixed_width_seconds",
    "fixed_width_written_in",
    "may_be_padded",
]

FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2099
"""Dates outside these years are typing mistakes (0024, 9999), as for the general parser."""

_WIDTHS: Final = {"d": 2, "m": 2, "Y": 4, "H": 2, "M": 2, "S": 2}
_MAX: Final = {"H": 23, "M": 59, "S": 59}
_ZERO: Final = ord("0")
_TEXT_TYPES: Final = (pa.string(), pa.large_string())
NAT_S: Final = np.iinfo(np.int64).min
"""Seconds value of a missing date (NumPy's NaT for ``datetime64[s]``)."""


@functools.cache
def _layout(date_format: str) -> _Layout | None:
    """
    Field start positions, literal characters ``(position, byte)`` and the width of a format.

    ``None`` when the format has a directive other than ``%d %m %Y %H %M %S`` (month names, say)
    or repeats one, or a literal that is not a single byte.
    """
    fields: dict[str, int] = {}
    literals: list[tuple[int, int]] = []
    at, i = 0, 0
    while i < len(date_format):
        char = date_format[i]
        if char == "%":
            code = date_format[i + 1 : i + 2]
            if code not in _WIDTHS or code in fields:
                return None
            fields[code] = at
            at += _WIDTHS[code]
            i += 2
            continue
        if len(char.encode()) != 1:
            return None
        literals.append((at, ord(char)))
        at += 1
        i += 1
    if not {"d", "m", "Y"} <= fields.keys():
        return None
    return fields, tuple(literals), at


@functools.cache
def _month_tables() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Seconds from 1970-01-01 to the first of each month of 1900-2099, and its length in days."""
    months = np.arange(
        np.datetime64(f"{FIRST_YEAR}-01"), np.datetime64(f"{LAST_YEAR + 1}-02"), dtype="M8[M]"
    )
    first = months.astype("M8[D]").astype(np.int64)
    return first[:-1] * 86_400, np.diff(first).astype(np.int32)


def _bytes_matrix(
    text: pa.Array, width: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_] | None] | None:
    """
    Return the present values as an ``(n_present, width)`` byte matrix, and where they are.

    Where they are is ``None`` when every value is present. ``None`` when a value present is
    not ``width`` bytes long.
    """
    n = len(text)
    offsets = _offsets(text)
    data = text.buffers()[2]
    if data is None:
        return None
    buffer = np.frombuffer(data, dtype=np.uint8)
    start = int(offsets[0])
    if text.null_count == 0:
        if int(offsets[-1]) - start != n * width or not (np.diff(offsets) == width).all():
            return None
        return buffer[start : start + n * width].reshape(n, width), None
    present = np.asarray(text.is_valid(), dtype=bool)
    lengths = np.diff(offsets)
    n_present = n - text.null_count
    if (lengths == present * width).all():  # one pass, no filtered copy of the lengths
        # missing values take no bytes (as Arrow writes them): the present ones are contiguous
        return buffer[start : start + n_present * width].reshape(n_present, width), present
    starts = offsets[:-1][present]
    if not (lengths[present] == width).all():
        return None
    return buffer[starts[:, None] + np.arange(width)], present


@dataclass(frozen=True)
class FixedDates:
    """Dates read by :func:`fixed_width_dates`."""

    seconds: npt.NDArray[np.int64]
    """Seconds since 1970 (view as ``datetime64[s]``); :data:`NAT_S` where a value is missing."""
    has_time: bool
    """Whether any date has a time of day other than 00:00:00."""
    latest_day: int
    """The highest day of the month of any date (0 when none is present)."""


def fixed_width_written_in(value: str, date_formats: Sequence[str]) -> str | None:
    """
    Return the first of ``date_formats`` whose fixed-width layout ``value`` is written in.

    Written in a layout: as many characters, each separator at its place and ASCII digits in
    every field (whether the date exists is for :func:`fixed_width_dates` to say). A look at one
    string, so the layout of a column is found from its first value at once.

    Parameters
    ----------
    value
        A date as written.
    date_formats
        ``strptime`` formats, in order of preference.

    Returns
    -------
    str or None
        The format, or ``None`` when the value is written in none of the layouts (or a format
        is not fixed-width).

    Examples
    --------
    >>> fixed_width_written_in("03/01/2025 22:15", ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"])
    '%d/%m/%Y %H:%M'
    >>> fixed_width_written_in("3/1/2025 22:15", ["%d/%m/%Y %H:%M"]) is None
    True
    """
    raw = value.encode()
    for date_format in date_formats:
        layout = _layout(date_format)
        if layout is None or len(raw) != layout[2]:
            continue
        fields, literals, _ = layout
        digits = [at + k for code, at in fields.items() for k in range(_WIDTHS[code])]
        if all(raw[at] == byte for at, byte in literals) and all(
            _ZERO <= raw[at] <= _ZERO + 9 for at in digits
        ):
            return date_format
    return None


def fixed_width_seconds(
    text: pa.Array | pa.ChunkedArray, date_format: str
) -> npt.NDArray[np.int64] | None:
    """
    Return the seconds since 1970 of each date in ``text``, written in ``date_format``.

    Parameters
    ----------
    text
        Stripped date strings (missing values null).
    date_format
        A ``strptime`` format made of ``%d %m %Y %H %M %S`` and single-byte separators.

    Returns
    -------
    numpy.ndarray or None
        ``int64`` seconds (view as ``datetime64[s]``; :data:`NAT_S` where a value is missing), or
        ``None`` when the format is not fixed-width or any value present is not a real date
        written exactly in it (then parse the column the general way).
    """
    dates = fixed_width_dates(text, date_format)
    return None if dates is None else dates.seconds


def fixed_width_dates(text: pa.Array | pa.ChunkedArray, date_format: str) -> FixedDates | None:
    """
    Read a fixed-width date column as :func:`fixed_width_seconds` does, with two facts of it.

    Whether any date has a time and the highest day of the month come from the digits read, so
    a caller proving day-first dates (a day above 12) or looking for times need not compute them
    from the dates again. A column in chunks (as Arrow's CSV reader gives one per block) is read
    chunk by chunk, into one array: no chunk is copied to join them first.
    """
    layout = _layout(date_format)
    if layout is None or text.type not in _TEXT_TYPES:
        return None
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    parts = []
    for chunk in chunks:
        part = _chunk_dates(chunk, layout)
        if part is None:
            return None
        parts.append(part)
    if len(parts) == 1 and parts[0][1] is None:  # one chunk, every value present: no copy
        seconds = parts[0][0]
    else:
        seconds = np.full(len(text), NAT_S, dtype=np.int64)
        at = 0
        for chunk, (chunk_seconds, present, _, _) in zip(chunks, parts, strict=True):
            if present is None:
                seconds[at : at + len(chunk)] = chunk_seconds
            else:  # by index: twice as fast as a boolean mask
                seconds[at + np.flatnonzero(present)] = chunk_seconds
            at += len(chunk)
    return FixedDates(
        seconds=seconds,
        has_time=any(p[2] for p in parts),
        latest_day=max((p[3] for p in parts), default=0),
    )


def _chunk_dates(chunk: pa.Array, layout: _Layout) -> _ChunkDates | None:
    """
    Seconds of one chunk's present dates, where they are (``None``: every value), their facts.

    ``None`` when any value present is not a real date written exactly in the layout.
    """
    fields, literals, width = layout
    if chunk.null_count == len(chunk):  # no date here (an empty chunk, or every value missing)
        return np.zeros(0, dtype=np.int64), np.zeros(len(chunk), dtype=bool), False, 0
    matrix = _bytes_matrix(chunk, width)
    if matrix is None:
        return None
    chars, present = matrix
    places, bytes_ = _literal_bytes(literals)
    if len(places) and (chars[:, places] != bytes_).any():  # every separator: one pass
        return None
    read = _seconds(chars, fields)
    if read is None:
        return None
    seconds, has_time, latest_day = read
    return seconds, present, has_time, latest_day


@functools.cache
def _literal_bytes(
    literals: tuple[tuple[int, int], ...],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
    """Return the places of a layout's separators and their bytes, as arrays."""
    places = np.array([at for at, _ in literals], dtype=np.intp)
    return places, np.array([byte for _, byte in literals], dtype=np.uint8)


_NOT_A_FIELD: Final = -(1 << 24)
"""What a pair of bytes that is no value of its field adds: any sum holding it is below 0."""
_FIELD_PARTS: Final = {
    "C": (FIRST_YEAR // 100, LAST_YEAR // 100, 1200, FIRST_YEAR * 12),
    "y": (0, 99, 12, 0),
    "m": (1, 12, 1, 1),
    "d": (1, 31, 1, 0),
    "H": (0, _MAX["H"], 3600, 0),
    "M": (0, _MAX["M"], 60, 0),
    "S": (0, _MAX["S"], 1, 0),
}
"""Each two-digit field (``C`` and ``y`` the two halves of ``%Y``): its lowest and highest
value, and what a value ``v`` adds, ``v * scale - shift``: the month's place in
:func:`_month_tables` (``C``, ``y``, ``m``), the day, or the seconds into the day."""


@functools.cache
def _field_table(code: str) -> npt.NDArray[np.int32]:
    """
    Return what each pair of bytes adds for a field, by the pair as a little-endian ``uint16``.

    ``b"25"`` (the ``uint16`` ``0x3532``) in the minutes adds 25 * 60; a pair that is not two
    ASCII digits, or no value of the field, adds :data:`_NOT_A_FIELD` (0 for the day).
    """
    lowest, highest, scale, shift = _FIELD_PARTS[code]
    table = np.full(1 << 16, _NOT_A_FIELD if code != "d" else 0, dtype=np.int32)
    value = np.arange(lowest, highest + 1)
    tens, units = np.divmod(value, 10)
    table[(_ZERO + tens) | ((_ZERO + units) << 8)] = value * scale - shift
    return table


def _strided(
    chars: npt.NDArray[np.uint8], at: int, dtype: str
) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """Return the byte (``"u1"``) or byte pair (``"<u2"``) at place ``at`` of each row, a view."""
    view: npt.NDArray[np.uint8] | npt.NDArray[np.uint16] = np.ndarray(
        (len(chars),), dtype=dtype, buffer=chars, offset=at, strides=(chars.shape[1],)
    )
    return view


def _part(chars: npt.NDArray[np.uint8], code: str, at: int) -> npt.NDArray[np.int32]:
    """Return what the field ``code`` at place ``at`` adds, for each row (one lookup a row)."""
    return _field_table(code).take(_strided(chars, at, "<u2"))


def _seconds(
    chars: npt.NDArray[np.uint8], fields: dict[str, int]
) -> tuple[npt.NDArray[np.int64], bool, int] | None:
    """
    Return seconds since 1970 of each row, whether any has a time of day, the latest day.

    Each field's two bytes are read in place, at a stride of one row, and looked up in the
    field's :func:`_field_table`: what it adds to the month's place or to the seconds into the
    day, or a large negative number for a pair that is no value of the field (not two digits,
    or out of range: month 13, hour 24), so one look at the lowest sum refuses it. ``None``
    when any date or time does not exist.
    """
    at_year = fields["Y"]
    month = _part(chars, "C", at_year) + _part(chars, "y", at_year + 2)
    month += _part(chars, "m", fields["m"])
    first_s, length = _month_tables()
    day = _part(chars, "d", fields["d"])  # 0 when no day of a month (nor two digits)
    if month.min() < 0 or month.max() >= len(first_s) or day.min() < 1:
        return None
    late = np.flatnonzero(day > 28)  # noqa: PLR2004 - only these can pass their month's end
    if len(late) and (day[late] > length[month[late]]).any():
        return None
    within = day * 86_400  # seconds into the month: under 2**31, so int32 arithmetic
    within -= 86_400
    has_time = False
    for code in ("H", "M", "S"):
        if code in fields:
            part = _part(chars, code, fields[code])
            has_time = has_time or bool(part.any())  # an invalid pair is not 0 either
            within += part
    if within.min() < 0:  # an hour, minute or second that does not exist
        return None
    seconds: npt.NDArray[np.int64] = first_s.take(month)
    seconds += within
    return seconds, has_time, int(day.max())


_PRINTABLE_FROM: Final = np.uint8(33)
"""Bytes 33-127 are printable ASCII; a byte at a value's edge outside them may be a space."""
_N_PRINTABLE: Final = 95


def _offsets(text: pa.Array) -> npt.NDArray[np.int64]:
    """Return the value offsets of a ``string`` (int32) or ``large_string`` (int64) array."""
    if text.type == pa.large_string():
        return np.frombuffer(
            text.buffers()[1], dtype=np.int64, count=len(text) + 1, offset=text.offset * 8
        )
    narrow = np.frombuffer(
        text.buffers()[1], dtype=np.int32, count=len(text) + 1, offset=text.offset * 4
    )
    return narrow.astype(np.int64)


def may_be_padded(text: pa.ChunkedArray | pa.Array) -> bool:
    """
    Whether any value of a string column may start or end with white space.

    ``False`` is certain: every value starts and ends with a printable ASCII character (not a
    space, tab or line break, nor a byte of a non-ASCII character, which could be a Unicode
    space). ``True`` means "trim to see".
    """
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    for chunk in chunks:
        if chunk.type not in _TEXT_TYPES:
            return True
        data = chunk.buffers()[2]
        if data is None or len(chunk) == 0:
            continue
        offsets = _offsets(chunk)
        buffer = np.frombuffer(data, dtype=np.uint8, count=int(offsets[-1]))  # not the padding
        if not buffer.size:
            continue
        # an empty (or missing) value points at a neighbour's edge, or past the buffer's end,
        # clipped to its first or last byte: every byte looked at is the edge of some value
        for at in (offsets[:-1], offsets[1:] - 1):
            edges = np.take(buffer, at, mode="clip")
            if ((edges - _PRINTABLE_FROM) >= _N_PRINTABLE).any():  # below 33 wraps to >= 223
                return True
    return False


_MIX: Final = np.uint64(0x9E3779B97F4A7C15)


def all_distinct(text: pa.Array | pa.ChunkedArray) -> bool | None:
    """
    Tell whether the present values of a fixed-width string column are all different.

    ``True`` is certain.
    The values are folded into 64-bit hashes from their bytes and the hashes sorted: equal values
    have equal hashes, so no two equal hashes proves every value differs. ``None`` when the values
    differ in width or two hashes are equal (a repeat, or a rare collision): ask exactly. A column
    in chunks is hashed chunk by chunk (no copy to join them).
    """
    if text.type not in _TEXT_TYPES:
        return None
    present = len(text) - text.null_count
    if present < 2:  # noqa: PLR2004
        return True
    chunks = [
        c
        for c in (text.chunks if isinstance(text, pa.ChunkedArray) else [text])
        if c.null_count < len(c)
    ]
    width = int(np.diff(_offsets(chunks[0])).max())  # every present value's, or no answer
    hashes = []
    for chunk in chunks:
        matrix = _bytes_matrix(chunk, width) if width else None
        if matrix is None:
            return None
        hashes.append(_row_hashes(matrix[0]))
    hashed = hashes[0] if len(hashes) == 1 else np.concatenate(hashes)
    hashed.sort()
    return None if bool((hashed[1:] == hashed[:-1]).any()) else True


def _row_hashes(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """
    Fold each row of bytes into a 64-bit hash that depends on that row's bytes alone.

    Rows at least 8 bytes wide are read in place as unaligned 8-byte words at a stride of one
    row (no copy of the matrix): words at 0, 8, 16 ... and a last one ending at the row's end,
    which may overlap the one before it but never reaches the next row. Narrower rows are
    zero-padded to one word.
    """
    n, width = chars.shape
    if width < 8:  # noqa: PLR2004 - one word
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :width] = chars
        return padded.view(np.uint64)[:, 0].copy()
    starts = [*range(0, width - 8, 8), width - 8]
    hashed = np.zeros(n, dtype=np.uint64)
    for at in starts:
        word = np.ndarray(
            (n,), dtype="<u8", buffer=chars, offset=at, strides=(chars.strides[0],)
        )  # unaligned reads in place
        hashed = (hashed * _MIX) ^ word
    return hashed
