"""
One file per force and month: republished data.police.uk months are read once, never mixed.

data.police.uk republishes the past three years every month with updated outcomes, so two
downloads often hold the same force and month in two files that differ in a few fields. Anti-social
behaviour rows have no Crime ID, so de-duplicating by Crime ID alone would count them twice.

The rule, applied to every force and month (taken from the rows' ``Month`` and ``Reported by``,
never from the file name) that more than one file holds:

- Files are compared newest first. A file is newer when its publication stamp is later: the
  latest ``YYYY-MM`` in the names of the archive and folders holding that file, and of the month
  folders beside the one holding it (a data.police.uk archive ``2025-03.zip`` holds month folders
  up to ``2025-03/``), each file dated from its own path (:func:`file_stamps`). A file with a
  stamp counts as newer than one without: a modification time says only when that copy was last
  written (copied, edited, cut off), not when it was published. Between two files without a
  stamp (or with the same one), the later modification time counts; else, when neither is known
  (uploaded CSVs), the file given later counts as newer. The note says which of these decided.
- A file sharing no crime with the files kept so far is another part of the month (a month
  split over several files) and is kept too. Files are related when they share a Crime ID, or,
  when either holds no Crime ID (anti-social behaviour only), an identical row.
- A related file holding exactly the same rows (in any order) is set aside as a copy.
- A related file that holds only part of the other's month is an error naming both files: one
  is cut off, and patchmap cannot tell which the user meant. That is a strict subset of the
  other's rows either way, or (:func:`cut_off_share`) a file holding at most
  :data:`CUT_OFF_ROW_SHARE` of the other's rows of which at least :data:`NEAR_SUBSET_SHARE` are
  the other's crimes (by Crime ID; rows without one, by an identical row), though some differ in
  other columns: a cut-off copy of another publication of the month, whose outcomes were updated.
- Otherwise the files are two versions of the month: the older one's rows for that force and
  month are all set aside (counted, with a note), so the two are never mixed.

The two thresholds come from the 13 Cambridgeshire months of 2024-09 to 2025-09 as downloaded
in November 2025 (``shared/data/cambridge/crimes``; ``tests/spatial/test_versions_cut_off.py``
checks each claim on them). Rows are matched by Crime ID, not by their values: a republication
updates outcomes, and 6 % (2024-09) to 43 % (2025-09, the newest month) of a month's crimes
carry a provisional outcome ("Under investigation", "Status update unavailable", "Awaiting court
outcome") that the next publication may change, so a cut-off copy of an older publication may
differ from the complete newer file in that share of its rows. No month repeats a Crime ID, so
a cut-off copy's crimes are all in the complete file but for the few that a republication adds
or drops. Rows without a Crime ID (anti-social behaviour, 15 % to 20 % of a month) carry no
outcome, so a republication leaves them as they were; they are matched as identical rows,
counted (21 % to 26 % of them repeat another of their month: two incidents at one snap point).
:data:`NEAR_SUBSET_SHARE` (98 %) leaves room for a republication adding or dropping 2 % of a
month's crimes (120 to 160 rows of a Cambridgeshire month, of 6,043 to 8,040) between the two
publications. :data:`CUT_OFF_ROW_SHARE` (95 %) asks the cut-off file to lack at least 5 % of
the other's rows (300 to 400 of a Cambridgeshire month), several times the few a
republication drops, so a republication is still a version unless it dropped that many rows
and added almost none (then the error names both files). A cut-off file lacking fewer rows is
taken for a version, dated as above: a copy without a folder date never replaces a dated month.

The rule lives here once: :func:`choose_versions` applies it to the files
:func:`spatial.io.read_crimes` reads, and the GeoParquet store (:mod:`spatial.store`) applies
:func:`choose_month` to a force-month's files when a new file meets a partition already held.

Crime IDs are unique to a crime, so two files labelling the same month with different forces
(``Reported by``) but sharing most Crime IDs (:data:`RELABELLED_SHARE` of the smaller one's) hold
the same crimes under two labels: their slices are compared as one force-month, on every column
but the force labels, so one is kept whole and the other set aside, rows without a Crime ID
(anti-social behaviour) included, rather than those rows being counted twice.

Files in a folder or archive are known by their names (:func:`file_kind`): a copy saved by a
browser or a file manager (``2025-09-x-street (1).csv``, ``... - Copy.csv``) is a street file
like any other, so the rule above applies to it.

Limitation: a month split into parts that hold only anti-social behaviour rows, where two parts
share an identical row (two incidents at one snap point), is taken for two versions.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spatial.errors import InputDataError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import numpy.typing as npt

__all__ = [
    "CUT_OFF_ROW_SHARE",
    "NEAR_SUBSET_SHARE",
    "NOT_VALUES",
    "RELABELLED_SHARE",
    "FileKind",
    "MonthChoice",
    "MonthPart",
    "Published",
    "Reason",
    "SetAside",
    "SetAsideNotes",
    "VersionChoice",
    "choose_month",
    "choose_versions",
    "compare_published",
    "cut_off_share",
    "file_kind",
    "file_stamps",
    "publication_stamp",
    "row_hashes",
]

NOT_VALUES: Final = frozenset({"source_file", "source_row", "_file_index", "reason"})
"""Columns that say where a row was read, not what it holds: left out when rows are compared."""
_SHOWN_MONTHS: Final = 3
_STAMP_RE: Final = re.compile(r"(?<!\d)\d{4}-(0[1-9]|1[0-2])(?!\d)")
_MONTH_FOLDER_RE: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_COPY_MARK_RE: Final = re.compile(r"(\s*\(\d+\)|\s+-\s+copy)$", re.IGNORECASE)
"""A copy's mark before ``.csv``: `` (1)`` or ``(1)`` (browsers), `` - Copy`` (Windows)."""
_KIND_RE: Final = re.compile(r"-(street|outcomes|stop-and-search)$", re.IGNORECASE)
_LABELS: Final = ("reported_by", "falls_within")
RELABELLED_SHARE: Final = 0.9
"""Share of the smaller file's Crime IDs (for one month) that two files labelled with different
forces must share to be taken for the same crimes under two labels."""
NEAR_SUBSET_SHARE: Final = 0.98
"""Share of a file's rows (for one force and month) that must be crimes another file holds (by
Crime ID; rows without one, by an identical row) for it to be taken for a cut-off copy of that
file when it also has at most :data:`CUT_OFF_ROW_SHARE` of its rows (see the module notes)."""
CUT_OFF_ROW_SHARE: Final = 0.95
"""A file holding at most this share of another's rows for one force and month, nearly all of
them (:data:`NEAR_SUBSET_SHARE`) the other's crimes, is taken for a cut-off copy of it."""

FileKind = Literal["street", "outcomes", "stop-and-search"]
"""The three CSVs data.police.uk delivers per force and month."""

Reason = Literal["same rows", "older version", "cut off"]
"""Why a file's rows for a force and month were set aside (``cut off``: side tables only)."""


def publication_stamp(names: Iterable[str]) -> str | None:
    """
    Return the latest ``YYYY-MM`` found in folder or archive names, if any.

    Parameters
    ----------
    names
        Names of the archive and folders holding the files.

    Returns
    -------
    str or None
        The publication stamp :class:`Published` compares first.

    Examples
    --------
    >>> publication_stamp(["2025-03", "2024-09", "extract"])
    '2025-03'
    >>> publication_stamp(["crimes"]) is None
    True
    """
    found = [m.group(0) for name in names for m in _STAMP_RE.finditer(name)]
    return max(found) if found else None


def file_kind(name: str) -> FileKind | None:
    """
    Return which data.police.uk file a CSV is, by its name, or None when the name does not say.

    A copy's mark before ``.csv`` is ignored: `` (1)`` or ``(1)`` as browsers add to a file
    downloaded twice, `` - Copy`` (and `` - Copy (2)``) as Windows adds to a copied file.

    Parameters
    ----------
    name
        The file's name or path (only the last part is looked at), any case.

    Returns
    -------
    str or None
        ``"street"``, ``"outcomes"``, ``"stop-and-search"``, or None.

    Examples
    --------
    >>> file_kind("2025-09/2025-09-cambridgeshire-street (1).csv")
    'street'
    >>> file_kind("2025-09-cambridgeshire-OUTCOMES - Copy.csv")
    'outcomes'
    >>> file_kind("2025-09-cambridgeshire-stop-and-search(2).csv")
    'stop-and-search'
    >>> file_kind("my-extract.csv") is None
    True
    """
    base = re.split(r"[/\\]", name)[-1]
    if not base.lower().endswith(".csv"):
        return None
    stem = base[: -len(".csv")]
    while (mark := _COPY_MARK_RE.search(stem)) is not None and mark.start() > 0:
        stem = stem[: mark.start()]
    found = _KIND_RE.search(stem)
    return cast("FileKind", found.group(1).lower()) if found else None


def file_stamps(root: str, paths: Sequence[str]) -> list[str | None]:
    """
    Return each file's publication stamp, from its own place in a folder or archive.

    A file's stamp is the latest ``YYYY-MM`` (:func:`publication_stamp`) in the names of
    ``root`` and the folders holding the file, and of the month folders (named ``YYYY-MM``)
    beside the innermost month folder holding it: a data.police.uk download holds one folder per
    month up to its publication month, so ``dl/2024-01/x.csv`` of a download reaching
    ``dl/2025-03/`` is dated 2025-03, while a sibling download ``other/`` is dated by its own
    folders. Folders outside ``root`` are not looked at.

    Parameters
    ----------
    root
        The name of the folder given, or of the archive (without ``.zip``).
    paths
        Every file in it, as paths relative to it (``/``-separated, or the platform's).

    Returns
    -------
    list of str or None
        One stamp per path, in order.

    Examples
    --------
    >>> file_stamps("two", ["2025-10/2025-09/a.csv", "2025-11/2025-09/a.csv"])
    ['2025-10', '2025-11']
    >>> file_stamps("dl", ["2024-01/a.csv", "2025-03/b.csv", "notes.csv"])
    ['2025-03', '2025-03', None]
    """
    holders = [tuple(re.split(r"[/\\]", path)[:-1]) for path in paths]
    months_in: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    for folders in holders:
        for depth, folder in enumerate(folders):
            if _MONTH_FOLDER_RE.match(folder):
                months_in[folders[:depth]].add(folder)
    stamps: list[str | None] = []
    for folders in holders:
        month_depths = [d for d, f in enumerate(folders) if _MONTH_FOLDER_RE.match(f)]
        beside = months_in[folders[: month_depths[-1]]] if month_depths else set()
        stamps.append(publication_stamp([root, *folders, *beside]))
    return stamps


@dataclass(frozen=True)
class Published:
    """When a file was published, as far as patchmap can tell."""

    name: str
    """The file's name as shown to the user."""
    stamp: str | None
    """Latest ``YYYY-MM`` in the names of the archive or folders holding the file."""
    mtime_ns: int | None
    """Modification time of the file (or of the archive holding it)."""
    order: int
    """Position among the files read (later given: larger)."""


@dataclass(frozen=True)
class VersionChoice:
    """What :func:`choose_versions` kept and set aside."""

    kept: tuple[pd.DataFrame, ...]
    """Row slices kept, one or more per force and month."""
    set_aside: tuple[pd.DataFrame, ...]
    """Row slices set aside, each with a ``reason`` column."""
    notes: tuple[str, ...]
    """One note per file set aside (against the file kept)."""


_MIX: Final = np.uint64(0x100000001B3)
_NULL_HASH: Final = np.uint64(0x9E3779B97F4A7C15)


def row_hashes(rows: pd.DataFrame | pa.Table) -> npt.NDArray[np.uint64]:
    """
    Return a 64-bit hash of each row's values (every column but :data:`NOT_VALUES`).

    Equal rows hash equal. Hashes of two sets of rows compare only when both come from the
    same reader (same columns and types): pandas frames (the CSV reader) are hashed by pandas,
    Arrow tables (the store) column by column over each column's distinct values, without
    making a Python object per row.

    Parameters
    ----------
    rows
        Rows of one file.

    Returns
    -------
    numpy.ndarray
        One ``uint64`` per row.

    Examples
    --------
    >>> rows = pa.table({"crime_id": ["a", "b", "a", None], "source_row": [2, 3, 4, 5]})
    >>> hashes = row_hashes(rows)
    >>> bool(hashes[0] == hashes[2]), len(set(hashes.tolist()))
    (True, 3)
    """
    if isinstance(rows, pd.DataFrame):
        values = rows.loc[:, [c for c in rows.columns if c not in NOT_VALUES]]
        hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
        return np.asarray(hashed, dtype=np.uint64)
    out = np.zeros(rows.num_rows, dtype=np.uint64)
    for name in rows.column_names:
        if name not in NOT_VALUES:
            out = (out * _MIX) ^ _arrow_hashes(rows[name].combine_chunks())
    return out


def _arrow_hashes(column: pa.Array) -> npt.NDArray[np.uint64]:
    if pa.types.is_floating(column.type):
        numbers = np.asarray(pc.fill_null(column, np.nan).to_numpy(), dtype=np.float64)
        return np.asarray(pd.util.hash_array(numbers), dtype=np.uint64)
    encoded = pc.dictionary_encode(column)
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    hashed = np.append(pd.util.hash_array(distinct.astype(object), categorize=False), _NULL_HASH)
    codes = pc.fill_null(encoded.indices, len(distinct)).to_numpy()
    return np.asarray(hashed[codes], dtype=np.uint64)


@dataclass(frozen=True)
class MonthPart:
    """The rows one file holds for one force and month, as the rule compares them."""

    published: Published
    """When the file was published (and its name)."""
    crime_ids: frozenset[str]
    """Crime IDs of the rows (anti-social behaviour rows have none)."""
    hashes: Counter[int]
    """How many times each distinct row occurs, by a hash of its values."""
    n_rows: int
    id_rows: Counter[str] = field(default_factory=Counter)
    """How many rows carry each Crime ID."""
    idless: Counter[int] = field(default_factory=Counter)
    """How many times each distinct row without a Crime ID occurs, by a hash of its values."""

    @classmethod
    def of(cls, frame: pd.DataFrame | pa.Table, published: Published) -> MonthPart:
        """
        Return the comparable form of a file's rows for one force and month.

        Parameters
        ----------
        frame
            The rows (a pandas frame, or an Arrow table), with a ``crime_id`` column when the
            table has one; every column but :data:`NOT_VALUES` is compared, so the parts
            compared must come from the same reader (see :func:`row_hashes`).
        published
            When the file was published.

        Returns
        -------
        MonthPart
            Crime IDs and row hashes.
        """
        hashes = row_hashes(frame)
        if isinstance(frame, pd.DataFrame):
            has_ids = "crime_id" in frame
            ids = frame["crime_id"].dropna().astype(str).tolist() if has_ids else []
            no_id = frame["crime_id"].isna().to_numpy() if has_ids else None
        else:
            has_ids = "crime_id" in frame.column_names
            ids = pc.drop_null(frame["crime_id"]).to_pylist() if has_ids else []
            no_id = (
                pc.is_null(frame["crime_id"]).to_numpy(zero_copy_only=False) if has_ids else None
            )
        idless = hashes if no_id is None else hashes[np.asarray(no_id, dtype=bool)]
        return cls(
            published,
            frozenset(ids),
            Counter(hashes.tolist()),
            len(frame),
            Counter(ids),
            Counter(idless.tolist()),
        )

    def related(self, other: MonthPart) -> bool:
        """
        Whether two files share a crime: a Crime ID, or (either has none) an identical row.

        Parameters
        ----------
        other
            The other file's rows for the same force and month.

        Returns
        -------
        bool
            False when ``other`` is another part of a month split over several files.
        """
        if self.crime_ids and other.crime_ids:
            return not self.crime_ids.isdisjoint(other.crime_ids)
        return not self.hashes.keys().isdisjoint(other.hashes.keys())

    @classmethod
    def joined(cls, parts: Sequence[MonthPart]) -> MonthPart:
        """
        Return several files' rows for one force and month taken together.

        Parameters
        ----------
        parts
            One or more files' rows; the first one's publication details are kept.

        Returns
        -------
        MonthPart
            Their Crime IDs and rows, counted together.
        """
        if len(parts) == 1:
            return parts[0]
        return cls(
            parts[0].published,
            frozenset().union(*(part.crime_ids for part in parts)),
            sum((part.hashes for part in parts), Counter()),
            sum(part.n_rows for part in parts),
            sum((part.id_rows for part in parts), Counter()),
            sum((part.idless for part in parts), Counter()),
        )


def cut_off_share(part: MonthPart, other: MonthPart) -> tuple[int, int] | None:
    """
    Say whether a file looks cut off from another of its force and month, though rows differ.

    It does when it holds at most :data:`CUT_OFF_ROW_SHARE` of the other's rows and at least
    :data:`NEAR_SUBSET_SHARE` of its rows are crimes the other holds: a Crime ID it holds, or,
    for a row without one, an identical row (counted: two identical rows need two). A strict
    subset qualifies too, but :func:`choose_month` tells it apart first.

    Parameters
    ----------
    part
        The file's rows for the force and month.
    other
        The other file's rows (several files' together: :meth:`MonthPart.joined`).

    Returns
    -------
    tuple of int, or None
        ``(rows held, rows differing)`` when it looks cut off: how many of its rows are the
        other's crimes, and how many of its rows the other does not hold with the same values
        (an outcome updated by a republication, a crime added or dropped); else None.

    Examples
    --------
    >>> published = Published("a.csv", None, None, 0)
    >>> def month(ids: list[str]) -> MonthPart:
    ...     return MonthPart.of(pd.DataFrame({"crime_id": ids, "v": range(len(ids))}), published)
    >>> whole = month([f"c{i}" for i in range(100)])
    >>> cut_off_share(month([f"c{i}" for i in range(50, 0, -1)]), whole)  # values differ
    (50, 49)
    >>> cut_off_share(month([f"c{i}" for i in range(96)]), whole) is None  # 96 %: too many
    True
    >>> cut_off_share(month(["x", "y"] + [f"c{i}" for i in range(48)]), whole) is None  # 96 %
    True
    """
    if not part.n_rows or part.n_rows > CUT_OFF_ROW_SHARE * other.n_rows:
        return None
    n_held = sum(n for crime_id, n in part.id_rows.items() if crime_id in other.crime_ids)
    n_held += (part.idless & other.idless).total()
    if n_held < NEAR_SUBSET_SHARE * part.n_rows:
        return None
    return n_held, (part.hashes - other.hashes).total()


@dataclass(frozen=True)
class SetAside:
    """One file's rows for a force and month set aside by :func:`choose_month`."""

    index: int
    """Position of the file set aside among the parts given."""
    reason: Reason
    kept: tuple[int, ...]
    """Positions of the related files kept instead."""
    n_differ: int
    """Rows of the file set aside that the files kept do not hold."""


@dataclass(frozen=True)
class MonthChoice:
    """What :func:`choose_month` kept and set aside of one force and month."""

    kept: tuple[int, ...]
    """Positions of the parts kept, newest first."""
    set_aside: tuple[SetAside, ...]


def compare_published(a: Published, b: Published) -> int:
    """
    Return 1 when ``a`` was published after ``b``, -1 when before, 0 when nothing tells.

    Compared in turn: the folder or archive stamp (a file with one counts as newer than a file
    without: a modification time says only when that copy was last written, so an edited or
    cut-off copy of an old file is newer by it), the modification time, the order given.

    Parameters
    ----------
    a, b
        The two files' publication details.

    Returns
    -------
    int
        1, -1 or 0.

    Examples
    --------
    >>> stamped = Published("2025-11/x.csv", "2025-11", 1_700_000_000_000_000_000, 0)
    >>> copied = Published("copy/x.csv", None, 1_800_000_000_000_000_000, 1)
    >>> compare_published(stamped, copied), compare_published(copied, stamped)
    (1, -1)
    """
    if a.stamp != b.stamp and (a.stamp is None or b.stamp is None):
        return 1 if b.stamp is None else -1
    if a.stamp and b.stamp and a.stamp != b.stamp:
        return 1 if a.stamp > b.stamp else -1
    if a.mtime_ns is not None and b.mtime_ns is not None and a.mtime_ns != b.mtime_ns:
        return 1 if a.mtime_ns > b.mtime_ns else -1
    return (a.order > b.order) - (a.order < b.order)


def _basis(newer: Published, older: Published) -> str:
    if newer.stamp and older.stamp and newer.stamp != older.stamp:
        return f"its folder date {newer.stamp} is later than {older.stamp}"
    if newer.stamp and not older.stamp:
        return (
            f"it alone carries a publication date (its folder or archive {newer.stamp}; "
            f"{older.name} has none, and a modification time says only when a copy was last "
            "written, by a copy, an edit or a cut, not when it was published)"
        )
    if (
        newer.mtime_ns is not None
        and older.mtime_ns is not None
        and newer.mtime_ns != older.mtime_ns
    ):
        return _modified_later(newer.mtime_ns, older.mtime_ns)
    if newer.order == older.order:
        return (
            "nothing tells which was published later (same folder date and modification time), "
            "so the first found was kept"
        )
    return "no publication date is known, so the file given last counts as newer"


def _modified_later(newer_ns: int, older_ns: int) -> str:
    """
    Say how much later the file kept was modified, precisely enough to tell the times apart.

    Examples
    --------
    >>> _modified_later(1_700_000_001_250_000_000, 1_700_000_000_000_000_000)
    'it was modified later (2023-11-14 22:13:21 UTC against 2023-11-14 22:13:20 UTC)'
    >>> _modified_later(1_700_000_000_750_000_000, 1_700_000_000_250_000_000)
    'it was modified 500 ms later (2023-11-14 22:13:20.750 UTC against 22:13:20.250 UTC)'
    >>> _modified_later(1_700_000_000_000_000_400, 1_700_000_000_000_000_000)
    'it was modified less than 1 ms later (both 2023-11-14 22:13:20 UTC)'
    """
    newer, older = (
        datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
        for ns in (newer_ns, older_ns)
    )
    if newer != older:
        return f"it was modified later ({newer} UTC against {older} UTC)"
    gap_ms = (newer_ns - older_ns) // 1_000_000
    if gap_ms == 0:
        return f"it was modified less than 1 ms later (both {newer} UTC)"
    millis = [f"{ns // 1_000_000 % 1000:03d}" for ns in (newer_ns, older_ns)]
    return (
        f"it was modified {gap_ms:,} ms later ({newer}.{millis[0]} UTC against "
        f"{older[11:]}.{millis[1]} UTC)"
    )


def _months_text(keys: Sequence[tuple[str, str]]) -> str:
    shown = [f"{force or 'unknown force'} {month}" for force, month in sorted(keys)]
    more = len(shown) - _SHOWN_MONTHS
    return ", ".join(shown[:_SHOWN_MONTHS]) + (f" and {more} more" if more > 0 else "")


def _cut_off_error(
    key: tuple[str, str], part: MonthPart, theirs: MonthPart, names: str, cut: _Cut
) -> InputDataError:
    """Return the error naming both files when one holds only part of the other's month."""
    force, month = key
    mine_side = (part.published.name, part.n_rows)
    theirs_side = (names, theirs.n_rows)
    small, big = (mine_side, theirs_side) if cut.mine else (theirs_side, mine_side)
    fix = "Remove the incomplete file, or download the month again, and reload."
    if cut.near is None:
        msg = (
            f"{small[0]} holds only {small[1]:,} of the {big[1]:,} rows that {big[0]} holds for "
            f"{force or 'an unnamed force'} {month}: one of the two files is incomplete (cut "
            f"off, or filtered). {fix}"
        )
        return InputDataError(msg)
    n_held, n_differ = cut.near
    msg = (
        f"{small[0]} holds {small[1]:,} rows for {force or 'an unnamed force'} {month} and "
        f"{big[0]} holds {big[1]:,}; {n_held:,} of the {small[1]:,} are crimes that {big[0]} "
        "holds too (the same Crime ID, or an identical row where there is none), though "
        f"{n_differ:,} {'differs' if n_differ == 1 else 'differ'} in other columns (as a "
        f"republished month's updated outcomes do): {small[0]} looks cut off (or filtered), "
        f"perhaps from another publication of the month, rather than a later version of it. "
        f"{fix}"
    )
    return InputDataError(msg)


def choose_month(
    key: tuple[str, str],
    parts: Sequence[MonthPart],
    *,
    on_subset: Literal["error", "keep all rows"] = "error",
    near_subsets: bool = True,
) -> MonthChoice:
    """
    Decide which files of one force and month are kept (the rule of the module notes).

    Parameters
    ----------
    key
        ``(force, month)`` as messages name it.
    parts
        Each file's rows for that force and month, in any order: the result does not depend
        on it (ties in publication keep the order given).
    on_subset
        ``"error"`` (street crimes): a file holding a strict subset of another's rows is an
        error. ``"keep all rows"`` (outcomes, stop and search, which the CSV reader does not
        read): the file holding every row of the other is kept, the other set aside as
        ``"cut off"``.
    near_subsets
        Whether a file holding nearly only the other's crimes, and clearly fewer rows
        (:func:`cut_off_share`), counts as holding part of it, as a strict subset does (street
        crimes). False: only a strict subset does (outcomes, stop and search, whose
        republications add rows).

    Returns
    -------
    MonthChoice
        Positions kept (newest first) and set aside with their reason.

    Raises
    ------
    InputDataError
        When ``on_subset`` is ``"error"`` and one file holds only part of another's month: a
        strict subset of its rows, or (``near_subsets``) a near one.
    """

    def _newer_first(a: int, b: int) -> int:
        return -compare_published(parts[a].published, parts[b].published)

    ordered = sorted(range(len(parts)), key=functools.cmp_to_key(_newer_first))
    chosen: list[int] = ordered[:1]
    aside: list[SetAside] = []
    for index in ordered[1:]:
        part = parts[index]
        related = [i for i in chosen if part.related(parts[i])]
        if not related:
            chosen.append(index)
            continue
        theirs = MonthPart.joined([parts[i] for i in related])
        cut = _find_cut(part, theirs, near_subsets=near_subsets)
        if cut is not None:
            if on_subset == "error":
                names = " and ".join(parts[i].published.name for i in related)
                raise _cut_off_error(key, part, theirs, names, cut)
            if cut.mine:
                aside.append(SetAside(index, "cut off", tuple(related), cut.n_differ))
            else:  # the older file holds (nearly) every row of the newer ones: it is kept instead
                chosen = [i for i in chosen if i not in related] + [index]
                aside.extend(
                    SetAside(i, "cut off", (index,), (parts[i].hashes - part.hashes).total())
                    for i in related
                )
            continue
        reason: Reason = "same rows" if part.hashes == theirs.hashes else "older version"
        aside.append(SetAside(index, reason, tuple(related), (part.hashes - theirs.hashes).total()))
    return MonthChoice(kept=tuple(sorted(chosen, key=ordered.index)), set_aside=tuple(aside))


@dataclass(frozen=True)
class _Cut:
    """Which of two related files is the cut-off one, and how far it differs."""

    mine: bool
    """The file compared (older) is the cut-off one; False: the files kept are."""
    near: tuple[int, int] | None = None
    """``(rows held, rows differing)`` of the cut-off one when not a strict subset."""

    @property
    def n_differ(self) -> int:
        return 0 if self.near is None else self.near[1]


def _find_cut(part: MonthPart, theirs: MonthPart, *, near_subsets: bool) -> _Cut | None:
    """Return which side is cut off: a strict subset, else (``near_subsets``) a near one."""
    mine = part.hashes
    if mine != theirs.hashes and (mine < theirs.hashes or theirs.hashes < mine):
        return _Cut(mine=mine < theirs.hashes)
    if not near_subsets:
        return None
    if (found := cut_off_share(part, theirs)) is not None:
        return _Cut(mine=True, near=found)
    if (found := cut_off_share(theirs, part)) is not None:
        return _Cut(mine=False, near=found)
    return None


@dataclass
class _Aside:
    kept_name: str
    reason: Reason
    basis: str
    keys: list[tuple[str, str]]
    n_rows: int = 0
    n_differ: int = 0


@dataclass
class SetAsideNotes:
    """Gathers what :func:`choose_month` set aside into one note per file and reason."""

    _records: dict[tuple[Published, str], _Aside] = field(default_factory=dict)

    def add(self, key: tuple[str, str], parts: Sequence[MonthPart], choice: MonthChoice) -> None:
        """
        Record the files set aside for one force and month.

        Parameters
        ----------
        key
            ``(force, month)``.
        parts
            The parts given to :func:`choose_month`.
        choice
            Its answer.
        """
        for item in choice.set_aside:
            published = parts[item.index].published
            kept = [parts[i].published for i in item.kept]
            record = self._records.setdefault(
                (published, item.reason),
                _Aside(
                    " and ".join(p.name for p in kept),
                    item.reason,
                    _basis(kept[0], published),
                    [],
                ),
            )
            record.keys.append(key)
            record.n_rows += parts[item.index].n_rows
            record.n_differ += item.n_differ

    def notes(self) -> list[str]:
        """
        Return one plain-English note per file set aside, in the order first recorded.

        Returns
        -------
        list of str
            The notes :func:`spatial.io.read_crimes` and ``patchmap ingest`` give.
        """
        return [_note(published.name, record) for (published, _), record in self._records.items()]


def choose_versions(
    frames: Sequence[pd.DataFrame], published: Sequence[Published]
) -> VersionChoice:
    """
    Keep one version of every force and month held by several files (see the module notes).

    Parameters
    ----------
    frames
        One parsed frame per file, with ``month``, ``reported_by`` and ``crime_id``; rows are
        compared on every column but :data:`NOT_VALUES`.
    published
        When each file was published, in the same order.

    Returns
    -------
    VersionChoice
        Slices kept and set aside (``reason`` ``"same rows"`` or ``"older version"``), notes.

    Raises
    ------
    InputDataError
        When one file holds only part of another's rows for the same force and month: a strict
        subset, or a near one (:func:`cut_off_share`).
    """
    slices: dict[tuple[str, str], list[tuple[int, pd.DataFrame]]] = defaultdict(list)
    for index, frame in enumerate(frames):
        forces = frame["reported_by"].fillna("").str.strip()
        months = frame["month"].astype(str)
        force_values, month_values = forces.to_numpy(), months.to_numpy()
        if (
            len(frame)
            and (force_values == force_values[0]).all()
            and (month_values == month_values[0]).all()
        ):
            # the usual police.uk file, one force and one month: the whole frame, uncopied
            slices[(str(forces.iloc[0]), str(months.iloc[0]))].append((index, frame))
            continue
        for (force, month), part in frame.groupby([forces, months], sort=True):
            slices[(str(force), str(month))].append((index, part))
    groups, relabel_notes = _relabelled(slices, published)
    kept: list[pd.DataFrame] = []
    aside: list[pd.DataFrame] = []
    notes = SetAsideNotes()
    for (key, relabelled), found in groups.items():
        if len(found) == 1:  # the usual case: nothing to compare
            kept.append(found[0][1])
            continue
        parts = [
            MonthPart.of(frame.drop(columns=list(_LABELS)) if relabelled else frame, published[i])
            for i, frame in found
        ]
        choice = choose_month(key, parts)
        notes.add(key, parts, choice)
        kept.extend(found[i][1] for i in sorted(choice.kept, key=lambda i: found[i][0]))
        aside.extend(found[item.index][1].assign(reason=item.reason) for item in choice.set_aside)
    return VersionChoice(
        kept=tuple(kept), set_aside=tuple(aside), notes=(*relabel_notes, *notes.notes())
    )


_Slices = dict[tuple[str, str], list[tuple[int, pd.DataFrame]]]


def _relabelled(
    slices: _Slices, published: Sequence[Published]
) -> tuple[dict[tuple[tuple[str, str], bool], list[tuple[int, pd.DataFrame]]], list[str]]:
    """
    Join the force-months of one month that hold the same crimes under two force labels.

    Returns the slices to compare, keyed by ``((force, month), joined)`` (joined force-months
    are named ``"A or B"``), and one note per join (see :func:`_joins`).
    """
    root_of, notes = _joins(slices, published)
    members: defaultdict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, root in root_of.items():
        members[root].append(key)
    groups: dict[tuple[tuple[str, str], bool], list[tuple[int, pd.DataFrame]]] = {}
    for root, keys in members.items():
        if len(keys) == 1:
            groups[(root, False)] = slices[root]
            continue
        forces = " or ".join(sorted(force or "an unnamed force" for force, _ in keys))
        found = [item for k in keys for item in slices[k]]
        groups[((forces, root[1]), True)] = sorted(found, key=lambda item: item[0])
    return groups, notes


def _joins(
    slices: _Slices, published: Sequence[Published]
) -> tuple[dict[tuple[str, str], tuple[str, str]], list[str]]:
    """
    Return the force-month each force-month is joined to (itself when none), with notes.

    Two forces' slices of a month are joined when no file holds both and they share at least
    :data:`RELABELLED_SHARE` of the smaller one's Crime IDs. Only Crime IDs found under two
    forces are paired up, so a month of many forces sharing none costs one pass over its IDs.
    """
    by_month: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in slices:
        by_month[key[1]].append(key)
    root_of = {key: key for key in slices}
    files = {key: frozenset(i for i, _ in found) for key, found in slices.items()}
    group_files = dict(files)
    notes: list[str] = []
    for keys in by_month.values():
        if len(keys) == 1:  # the usual case: one force per month
            continue
        for (a, b), shared, small in _shared_ids(keys, slices):
            root_a, root_b = root_of[a], root_of[b]
            if root_a == root_b or group_files[root_a] & group_files[root_b]:
                continue  # one file's own labels are never versions of each other
            if shared >= RELABELLED_SHARE * small:
                root_of = {k: root_a if r == root_b else r for k, r in root_of.items()}
                group_files[root_a] |= group_files[root_b]
                notes.append(_relabel_note((a, b), (files[a], files[b]), shared, small, published))
    return root_of, notes


def _shared_ids(
    keys: Sequence[tuple[str, str]], slices: _Slices
) -> list[tuple[tuple[tuple[str, str], tuple[str, str]], int, int]]:
    """Return ``((a, b), shared, smaller)`` for each two force-months sharing a Crime ID."""
    columns = [
        (n, frame["crime_id"].dropna().astype(str).to_numpy())
        for n, key in enumerate(keys)
        for _, frame in slices[key]
    ]
    ids = pd.DataFrame(
        {
            "id": np.concatenate([c for _, c in columns]),
            "key": np.repeat([n for n, _ in columns], [len(c) for _, c in columns]),
        }
    ).drop_duplicates()
    n_ids = ids["key"].value_counts()
    repeated = ids.loc[ids["id"].duplicated(keep=False)]
    if repeated.empty:
        return []
    pairs = repeated.merge(repeated, on="id")
    pairs = pairs.loc[pairs["key_x"] < pairs["key_y"]]
    counts = pairs.groupby(["key_x", "key_y"]).size().reset_index(name="n")
    return [
        ((keys[a], keys[b]), int(n), int(min(n_ids[a], n_ids[b])))
        for a, b, n in counts.itertuples(index=False, name=None)
    ]


def _relabel_note(
    keys: tuple[tuple[str, str], tuple[str, str]],
    files: tuple[frozenset[int], frozenset[int]],
    shared: int,
    small: int,
    published: Sequence[Published],
) -> str:
    names = [" and ".join(published[i].name for i in sorted(f)) for f in files]
    forces = [force or "an unnamed force" for force, _ in keys]
    return (
        f"{names[0]} ({forces[0]}) and {names[1]} ({forces[1]}) share {shared:,} Crime IDs for "
        f"{keys[0][1]} ({shared / small:.0%} of the smaller one's): the same crimes under two "
        "force names, so they were compared as one force and month, the force columns left "
        "out, and rows without a Crime ID (anti-social behaviour) are not counted twice."
    )


def _note(name: str, record: _Aside) -> str:
    months = _months_text(record.keys)
    if record.reason == "same rows":
        return (
            f"{name} holds the same rows as {record.kept_name} for {months}; "
            f"read once ({record.n_rows:,} rows set aside)."
        )
    if record.reason == "cut off" and record.n_differ:
        return (
            f"{name} holds fewer rows than {record.kept_name} for {months}, nearly all of them "
            f"crimes that {record.kept_name} holds too, though {record.n_differ:,} "
            f"{'differs' if record.n_differ == 1 else 'differ'} in other columns (as a "
            f"republished month's updated outcomes do): taken for a cut-off copy, so "
            f"kept {record.kept_name}; the {record.n_rows:,} rows of {name} were set aside."
        )
    if record.reason == "cut off":
        return (
            f"{name} holds only some of the rows that {record.kept_name} holds for {months}, "
            f"and no other: kept {record.kept_name}; the {record.n_rows:,} rows of {name} were "
            "set aside (each is held by the file kept)."
        )
    tip = (
        f" If {name} was published later, put it in a folder named for the month it was "
        "published (such as 2025-12/) and load both again."
        if record.basis.startswith("it alone carries")
        else ""
    )
    return (
        f"{name} and {record.kept_name} both hold {months} and differ in {record.n_differ:,} "
        f"{'row' if record.n_differ == 1 else 'rows'} (a republished month): "
        f"kept {record.kept_name}, as {record.basis}; "
        f"the {record.n_rows:,} rows of {name} for {months} were set aside, not mixed in.{tip}"
    )
