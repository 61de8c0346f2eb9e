"""
A GeoParquet store of data.police.uk files, for a whole force over years or the national archive.

``ingest`` turns street-level CSVs (files, folders, the monthly all-forces ``.zip`` as
downloaded) into one GeoParquet 1.1 file per force and month::

    STORE/manifest.json
    STORE/street/<force>/<YYYY-MM>/part-<digest>.parquet
    STORE/outcomes/<force>/<YYYY-MM>/part-<digest>.parquet
    STORE/stop_search/<force>/<YYYY-MM>/part-<digest>.parquet

Street rows keep every column the CSV reader gives, plus British National Grid ``x_m``/``y_m``,
a WKB ``geometry`` and a ``bbox`` covering column; located rows are sorted along a Hilbert curve
so a ward's rows sit together. Every row read is stored with its ``status`` (``located``,
``no_location`` or ``outside_gb``), so loads from the store account for every row as the CSV
reader does.

The manifest is the store's table of contents: readers only ever open files it lists, and it is
replaced atomically after the new files are in place, so a crash mid-ingest leaves the previous
store valid (its leftovers are removed by the next ingest). Ingest is incremental (a file already
ingested is skipped by its digest) and idempotent. data.police.uk republishes past months with
updated outcomes: when a force-month is met again, its rows are read back and compared with the
new files' by :func:`spatial.versions.choose_month`, the rule :func:`spatial.io.read_crimes`
applies, so the store keeps the rows the CSV reader keeps (a split month whole, one version of
a republished one) and refuses a cut-off file as it does, before writing anything. Files are
dated, named and told apart as the CSV reader does it (:func:`spatial.versions.file_stamps`,
:func:`spatial.versions.file_kind`: browser copies such as ``...-street (1).csv`` included),
new files holding one month under two force names are compared as one month
(:func:`spatial.versions.choose_versions`), and the street rows set aside are kept as counts,
with their notes, in the manifest, so a query reports them as the CSV reader does.

``query_crimes`` reads only the partitions whose extent meets the wanted area, months and crime
types, with DuckDB, and returns the same :class:`~spatial.io.CrimeLoad` the CSV reader gives;
rows outside the area are counted, not read.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import datetime as dt
import fcntl
import functools
import hashlib
import io
import itertools
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spatial.crs import BNG, GB_BOUNDS_M
from spatial.errors import EmptyInputError, InputDataError, ParameterError
from spatial.io import (
    CRIME_COLUMNS,
    ROW_STATUSES,
    CrimeLoad,
    StreetRows,
    UnlocatedStatus,
    duplicate_ids_note,
    named_month_note,
    outside_gb_note,
    read_street_file,
    zip_csvs,
)
from spatial.validate import (
    check_readable,
    copy_note,
    decode_text,
    is_system_junk,
    read_file_bytes,
    require_columns,
    skipped_junk_note,
)
from spatial.versions import (
    MonthChoice,
    MonthPart,
    Published,
    SetAsideNotes,
    choose_month,
    choose_versions,
    compare_published,
    file_kind,
    file_stamps,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

    import duckdb
    import geopandas as gpd
    import numpy.typing as npt

__all__ = [
    "COUNTED_COLUMNS",
    "STORE_FORMAT_VERSION",
    "IngestReport",
    "StoreInfo",
    "force_name",
    "grouped_point_counts",
    "ingest",
    "located_counts",
    "located_points",
    "located_rows",
    "query_crimes",
    "query_session",
    "read_manifest",
    "store_files",
    "store_info",
]

STORE_FORMAT_VERSION: Final = 1
"""Bumped when the store's layout changes; an older store must be ingested again."""

Table = Literal["street", "outcomes", "stop_search"]
_MANIFEST: Final = "manifest.json"
_POINT_COUNTS: Final = "point_counts"
"""The folder, and the manifest's key, of each force's located rows counted by snap point."""
_POINT_COUNTS_VERSION: Final = 2
"""The point counts' layout (2: counted by location too); a force's older file is counted again
at the next ingest and, until then, not read (its rows are counted from the street files)."""
COUNTED_COLUMNS: Final = ("month", "crime_type", "location")
"""The crimes' columns the point counts keep: a question that needs no other
(:func:`located_rows`) reads its rows from the counts, not from the street files."""
_ROW_GROUP_ROWS: Final = 16_384
"""Rows per Parquet row group: small enough that a ward's rows skip most of a force's month."""
_CELL_M: Final = 5_000
"""Side of the squares (BNG metres) whose ids a street partition lists as holding its points."""
_CELL_ROW: Final = 1_000
"""Cell id = column * this + row (Great Britain is under 1,000 cells of 5 km north to south)."""
_DICTIONARY_COLUMNS: Final = [
    c for c in (*CRIME_COLUMNS, "status") if c not in {"crime_id", "source_row"}
]
"""Text columns that repeat within a force-month; Crime IDs are unique, so a dictionary for
them only costs time (a fifth of the write) for no smaller file."""
_ARCHIVE_RE: Final = re.compile(r"(\d{4}-\d{2})\.zip$", re.IGNORECASE)
_FILE_MONTH_RE: Final = re.compile(r"^(\d{4}-\d{2})-(.+)-(?:street|outcomes|stop-and-search)\b")
"""Month and force at the start of a data.police.uk file's name (:func:`file_kind` says which)."""
_SIDE_ASIDE: Final[dict[Table, str]] = {
    "outcomes": "n_outcomes_aside",
    "stop_search": "n_stop_search_aside",
}
"""The run's tally of each side table's rows set aside (:class:`IngestReport`)."""
_MONTH_TEXT: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DATE_START: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-\d{2}")
_KEY_RE: Final = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*/\d{4}-(0[1-9]|1[0-2])$")
"""A partition key, ``force-slug/YYYY-MM``: the only folder names ingest writes below a table."""
_STATUSES: Final = ROW_STATUSES


@dataclass(frozen=True)
class _Blob:
    """One CSV found in a source, with when it was published."""

    name: str
    data: bytes
    published: Published
    """Folder or archive stamp, modification time and order given, as :func:`read_crimes` sees."""

    @property
    def table(self) -> Table:
        """The table the file goes to, by its name (copies' marks seen through)."""
        kind = file_kind(self.name)
        if kind == "outcomes":
            return "outcomes"
        if kind == "stop-and-search":
            return "stop_search"
        return "street"


@dataclass(frozen=True)
class IngestReport:
    """What :func:`ingest` did; every row of every new file is in exactly one count."""

    n_files_read: int
    """CSV files parsed in this run."""
    n_files_skipped: int
    """Files not read: already in the store before this run (same bytes: nothing to do), or
    CSVs skipped with a note for their names (:attr:`n_files_not_named`)."""
    n_rows: int
    """Street rows of the new files: those located, without location, outside Great Britain,
    set aside and duplicates add up to it."""
    n_located: int
    n_without_location: int
    n_outside_gb: int
    n_outcome_rows: int
    """Outcomes rows of the new files kept in the store."""
    n_stop_search_rows: int
    """Stop and search rows of the new files kept in the store."""
    partitions_written: tuple[str, ...]
    """``force/YYYY-MM`` keys (with their table) written or replaced."""
    partitions_removed: tuple[str, ...] = ()
    """Keys (with their table) removed: a month held under another force name whose rows this
    run's files replaced (see :func:`_choose_relabelled`). Its rows stay counted, as set
    aside."""
    notes: tuple[str, ...] = field(default=())
    """Republished months kept or set aside, duplicates, empty files."""
    n_rows_set_aside: int = 0
    """Street rows of the new files set aside: copies (a file given twice in the run, its rows
    counted again as :func:`spatial.io.read_crimes` counts them), older versions of republished
    months."""
    n_duplicates: int = 0
    """Street rows of the new files dropped because their Crime ID appeared in an earlier row
    of the same file (each Crime ID is kept once)."""
    n_files_repeated: int = 0
    """Files given more than once in this run (same bytes): read once, the copies skipped."""
    n_files_not_named: int = 0
    """CSVs of a folder or archive holding street files, named like no data.police.uk file
    (``things.csv``): skipped with a note, as :func:`spatial.io.read_crimes` skips them; part
    of :attr:`n_files_skipped`."""
    n_outcome_rows_set_aside: int = 0
    """Outcomes rows of the new files set aside (copies, older versions, files holding only
    some of another's rows): with :attr:`n_outcome_rows`, every outcomes row read."""
    n_stop_search_rows_set_aside: int = 0
    """Stop and search rows of the new files set aside, as :attr:`n_outcome_rows_set_aside`."""

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap ingest --json`` object.

        Returns
        -------
        dict
            Plain JSON-ready values.
        """
        return {
            "n_files_read": self.n_files_read,
            "n_files_skipped": self.n_files_skipped,
            "n_files_repeated": self.n_files_repeated,
            "n_files_not_named": self.n_files_not_named,
            "n_rows": self.n_rows,
            "n_located": self.n_located,
            "n_without_location": self.n_without_location,
            "n_outside_gb": self.n_outside_gb,
            "n_outcome_rows": self.n_outcome_rows,
            "n_stop_search_rows": self.n_stop_search_rows,
            "n_outcome_rows_set_aside": self.n_outcome_rows_set_aside,
            "n_stop_search_rows_set_aside": self.n_stop_search_rows_set_aside,
            "n_rows_set_aside": self.n_rows_set_aside,
            "n_duplicates": self.n_duplicates,
            "partitions_written": list(self.partitions_written),
            "partitions_removed": list(self.partitions_removed),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class StoreInfo:
    """A store's table of contents."""

    path: Path
    forces: tuple[str, ...]
    months: tuple[str, ...]
    n_rows: int
    """Street rows in the store."""
    crime_types: tuple[str, ...]


def _force_slug(text: str) -> str:
    """
    Return a folder-safe force name.

    Examples
    --------
    >>> _force_slug("Cambridgeshire Constabulary")
    'cambridgeshire-constabulary'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unknown-force"


_LOWER_WORDS: Final = frozenset({"and", "of", "the", "upon", "on"})
_FORCE_NAMES: Final = {  # the forces whose names a slug cannot give back (a hyphen, an &)
    "devon-cornwall-police": "Devon & Cornwall Police",
    "dyfed-powys-police": "Dyfed-Powys Police",
}


def force_name(slug: str) -> str:
    """
    Return a store's force folder name as people write it, for messages.

    Ingest names each force's folder by a slug of data.police.uk's force name (lower case,
    hyphens); a message reads better with the words back.

    Examples
    --------
    >>> force_name("cambridgeshire-constabulary")
    'Cambridgeshire Constabulary'
    >>> force_name("avon-and-somerset-constabulary")
    'Avon and Somerset Constabulary'
    >>> force_name("devon-cornwall-police")
    'Devon & Cornwall Police'
    """
    if slug in _FORCE_NAMES:
        return _FORCE_NAMES[slug]
    words = slug.split("-")
    return " ".join(
        w if i and w in _LOWER_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


_NO_CSV_HINT: Final = "Give the street-level CSVs of data.police.uk, or the .zip it delivers."
_SHOWN_NAMES: Final = 3


def _chosen_csvs(
    where: str, names: Sequence[str], notes: list[str], *, unnamed: list[str]
) -> set[str]:
    """
    Return the CSVs of a folder or archive that ingest reads; note every other one.

    Files are told apart by name as :func:`spatial.io.read_crimes` tells them
    (:func:`spatial.versions.file_kind`, copies such as ``...-street (1).csv`` included):
    street files are read, and outcomes and stop-and-search files go to their own tables. A CSV
    named like none of them is skipped with a note when street files are there, as
    ``read_crimes`` skips it, else read as street crimes (a folder of the user's own extracts).
    The CSVs skipped are added to ``unnamed`` (for the report's count of files skipped).
    """
    kinds = [file_kind(n) for n in names]
    other = [n for n, k in zip(names, kinds, strict=True) if k is None]
    if "street" in kinds and other:
        more = len(other) - _SHOWN_NAMES
        shown = ", ".join(other[:_SHOWN_NAMES]) + (f" and {more} more" if more > 0 else "")
        notes.append(
            f"{where}: {len(other)} CSV file{'s' if len(other) > 1 else ''} not named like "
            f"data.police.uk street-level crimes (...-street.csv) skipped: {shown}. "
            "Give such a file by name to read it."
        )
        unnamed.extend(f"{where}/{n}" for n in other)
        return {n for n, k in zip(names, kinds, strict=True) if k is not None}
    return set(names)


def _zip_blobs(
    path: Path,
    order: int,
    name: str,
    *,
    notes: list[str],
    unnamed: list[str],
    required: bool = True,
) -> Iterator[_Blob]:
    """
    Yield every CSV of a ``.zip`` and of the archives inside it (:func:`spatial.io.zip_csvs`).

    A ``.zip`` found inside a folder is not ``required``: the folder is refused only when
    nothing in it holds a CSV. System clutter (:func:`spatial.validate.is_system_junk`) is
    skipped, with a note in ``notes``. The archive is read member by member, not whole.
    """
    mtime_ns = path.stat().st_mtime_ns
    for data, published in zip_csvs(
        name,
        path,
        mtime_ns=mtime_ns,
        order=order,
        notes=notes,
        choose=functools.partial(_chosen_csvs, unnamed=unnamed),
        required=required,
    ):
        yield _Blob(published.name, data, published)


def _source_blobs(
    source: Path, order: int, notes: list[str], unnamed: list[str]
) -> Iterator[_Blob]:
    """
    Yield every CSV of a file, folder or ``.zip``, with its publication details.

    Names, stamps and modification times are the ones :func:`spatial.io.read_crimes` gives the
    same source (a ``.zip`` inside a folder is dated as a ``.zip`` given on its own), so both
    apply :mod:`spatial.versions`' rule alike. System clutter
    (:func:`spatial.validate.is_system_junk`) is skipped, with a note in ``notes``; so is a CSV
    named like no data.police.uk file beside street files, which is also added to ``unnamed``.
    """
    _require_source(source)
    if source.is_dir():
        yield from _folder_blobs(source, order, notes, unnamed)
        return
    if not source.is_file():
        msg = f"{source}: not a regular file (a pipe or device?). Give a CSV, folder or .zip."
        raise InputDataError(msg)
    check_readable(source, what="crime files")  # a file the account may not read
    if source.suffix.lower() == ".zip":
        yield from _zip_blobs(source, order, source.name, notes=notes, unnamed=unnamed)
    else:
        yield _file_blob(source, Published(source.name, None, None, order))


def _require_source(source: Path) -> None:
    """Refuse a source that is not there (before the store's folder is made, by :func:`ingest`)."""
    if not source.exists():
        msg = f"{source}: no such file or folder. Check the path."
        raise InputDataError(msg)


def _folder_blobs(
    source: Path, order: int, notes: list[str], unnamed: list[str]
) -> Iterator[_Blob]:
    """Yield the CSVs of a folder and of the ``.zip`` archives in it (see :func:`_source_blobs`)."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    junk = {p for p in files if is_system_junk(str(p.relative_to(source)))}
    if junk:
        notes.append(skipped_junk_note(source.name, len(junk)))
    found = [p for p in files if p.suffix.lower() in {".csv", ".zip"} and p not in junk]
    if not found:
        msg = f"{source}: the folder holds no CSV or .zip files. {_NO_CSV_HINT}"
        raise EmptyInputError(msg)
    csvs = [p.relative_to(source).as_posix() for p in found if p.suffix.lower() == ".csv"]
    chosen = _chosen_csvs(source.name, csvs, notes, unnamed=unnamed)
    stamps = dict(zip(csvs, file_stamps(source.name, csvs), strict=True))
    n_found = 0
    for path in found:
        name = str(path.relative_to(source.parent))
        if path.suffix.lower() == ".zip":
            check_readable(path, what="crime files")
            blobs = _zip_blobs(path, order, name, notes=notes, unnamed=unnamed, required=False)
            for blob in blobs:
                n_found += 1
                yield blob
        elif (relative := path.relative_to(source).as_posix()) in chosen:
            n_found += 1
            yield _file_blob(path, Published(name, stamps[relative], None, order))
    if not n_found:
        msg = f"{source}: the folder holds no CSV files, and its .zip archives none. "
        raise EmptyInputError(msg + _NO_CSV_HINT)


def _file_blob(path: Path, published: Published) -> _Blob:
    check_readable(path, what="crime files")
    data = read_file_bytes(path, what="crime files")
    mtime_ns = path.stat().st_mtime_ns
    return _Blob(published.name, data, dataclasses.replace(published, mtime_ns=mtime_ns))


def read_manifest(
    store_dir: Path, *, purpose: Literal["query", "ingest"] = "query"
) -> dict[str, object]:
    """
    Return a store's manifest (an empty one for a new store).

    Parameters
    ----------
    store_dir
        The store's folder.
    purpose
        What the store is read for, so a message gives the right advice: ``ingest`` may make a
        new store in a new or empty folder; a ``query`` needs a store already.

    Returns
    -------
    dict
        ``{"version", "partitions": {table: {key: entry}}, "sources": {digest: key}}``.

    Raises
    ------
    InputDataError
        When the folder holds something that is not a patchmap store of this version. A folder
        holding only what an interrupted first ingest left (see :func:`_is_leftover`) is a new
        store.
    """
    _require_folder(store_dir)
    path = store_dir / _MANIFEST
    if not path.exists():
        if purpose == "query" and not store_dir.exists():
            msg = (
                f"{store_dir}: no such folder. Give --store the folder patchmap ingest wrote "
                "(app: Store folder), or make the store first: patchmap ingest FILES --store "
                f"{store_dir}"
            )
            raise InputDataError(msg)
        if store_dir.exists() and not all(_is_leftover(p) for p in store_dir.iterdir()):
            advice = (
                "the folder is not empty and is not a patchmap store (no manifest.json). "
                "Give a new or empty folder to --store."
                if purpose == "ingest"
                else "this folder is not a patchmap store (no manifest.json). "
                "Give --store the folder patchmap ingest wrote (app: Store folder)."
                + _crime_files_advice(store_dir)
            )
            msg = f"{store_dir}: {advice}"
            raise InputDataError(msg)
        return {"version": STORE_FORMAT_VERSION, "partitions": {}, "sources": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = (
            f"{path}: the store's manifest is damaged ({err}); its files cannot be trusted. "
            "Ingest the files again into a new folder."
        )
        raise InputDataError(msg) from err
    if not isinstance(manifest, dict) or manifest.get("version") != STORE_FORMAT_VERSION:
        msg = (
            f"{store_dir}: a store of another format version; ingest the files again "
            "into a new folder."
        )
        raise InputDataError(msg)
    return manifest


_LEFTOVER_RE: Final = re.compile(
    r"^(\.lock|\.staging-[0-9a-f]+\.parquet|\.manifest-[0-9a-f]+\.json)$"
)
"""Files an ingest writes before its manifest: the lock, staged partitions, a new manifest."""
_PART_RE: Final = re.compile(r"^[^/]+/\d{4}-\d{2}/part-[0-9a-f]+\.parquet$")
"""A partition file below its table's folder: ``force/YYYY-MM/part-<digest>.parquet``."""
_COUNTS_RE: Final = re.compile(r"^[^/]+/part-[0-9a-f]+\.parquet$")
"""A force's point counts file below :data:`_POINT_COUNTS`: ``force/part-<id>.parquet``."""


def _is_leftover(path: Path) -> bool:
    """
    Say whether a store folder's entry is what an interrupted first ingest leaves behind.

    That is the lock, staging files, an unfinished manifest, or a table folder holding only
    partition files (the run was killed while moving them into place, before its manifest).
    :func:`ingest` removes them; a folder holding nothing else is a new store.
    """
    if path.is_file():
        return bool(_LEFTOVER_RE.match(path.name))
    if not path.is_dir() or path.name not in {"street", "outcomes", "stop_search", _POINT_COUNTS}:
        return False
    part = _COUNTS_RE if path.name == _POINT_COUNTS else _PART_RE
    return all(p.is_dir() or part.match(p.relative_to(path).as_posix()) for p in path.rglob("*"))


def _require_folder(store_dir: Path) -> None:
    """Refuse a ``--store`` path that exists but is not a folder (a file, say)."""
    if store_dir.exists() and not store_dir.is_dir():
        msg = (
            f"{store_dir}: this is a file, not a store. Give --store the folder patchmap ingest "
            "made (app: Store folder; or, to ingest, the path of a new folder)."
            + _crime_files_advice(store_dir)
        )
        raise InputDataError(msg)


def _crime_files_advice(path: Path) -> str:
    """
    Say how to use crime files given where a store was asked for; empty for anything else.

    A folder (or file) of data.police.uk CSVs or archives is read as it is with ``--crimes``
    (in the app: "Folder on this computer"), or made into a store in a new folder.
    """
    if path.is_dir():  # at most 10,000 entries looked at: a home folder given by mistake
        entries = itertools.islice(path.rglob("*"), 10_000)
        n_files = sum(1 for p in entries if p.suffix.lower() in {".csv", ".zip"})
        if not n_files:
            return ""
        what, them = f"holds {n_files:,} .csv or .zip file{'s' if n_files > 1 else ''}", "them"
    elif path.suffix.lower() in {".csv", ".zip"}:
        what, them = f"is a {path.suffix.lower()} file", "it"
    else:
        return ""
    return (
        f" It {what}: to read crime files, give {them} to --crimes (in the app: Folder on this "
        f"computer), or make a store of {them} in a new folder: patchmap ingest {path} "
        "--store NEW_FOLDER"
    )


@functools.lru_cache(maxsize=4)
def _manifest_snapshot(path: str, identity: tuple[int, int, int]) -> dict[str, object]:
    """Return the parsed manifest of one version of the file (inode, size, mtime)."""
    del identity  # the cache key: ingest replaces the file, so a new version has a new one
    return read_manifest(Path(path).parent)


def _query_manifest(store_dir: Path) -> dict[str, object]:
    """
    Return the manifest for reading, parsed once per version of the file.

    The national archive's manifest is megabytes of JSON and a query consults it several
    times; readers never change it (ingest reads its own copy with :func:`read_manifest`).
    """
    version = _manifest_version(store_dir)
    if version is None:  # no manifest yet, or --store is not a folder: read_manifest says which
        return read_manifest(store_dir)
    return _manifest_snapshot(str(store_dir / _MANIFEST), version)


def _manifest_version(store_dir: Path) -> tuple[int, int, int] | None:
    """Return the manifest file's inode, size and mtime; None when it cannot be looked at."""
    try:
        stat = (store_dir / _MANIFEST).stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _write_manifest(store_dir: Path, manifest: dict[str, object]) -> None:
    tmp = store_dir / f".manifest-{uuid.uuid4().hex}.json"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp.replace(store_dir / _MANIFEST)


@contextlib.contextmanager
def _locked(store_dir: Path) -> Iterator[None]:
    _require_folder(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    with (store_dir / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _partitions(manifest: dict[str, object], table: Table) -> dict[str, dict[str, object]]:
    parts = cast("dict[str, dict[str, dict[str, object]]]", manifest.setdefault("partitions", {}))
    return parts.setdefault(table, {})


@functools.cache
def _street_schema() -> tuple[pa.Schema, dict[str, object]]:
    """
    Return the Arrow schema geopandas gives a street partition, and its GeoParquet metadata.

    Taken once from a one-row file geopandas writes itself (``to_parquet``, GeoParquet 1.1.0
    with the bbox covering), so the files :func:`_write_street` writes with pyarrow carry the
    same schema, field metadata, ``pandas`` metadata and ``geo`` metadata (only ``bbox`` and
    ``geometry_types`` change with the rows).
    """
    import geopandas as gpd  # noqa: PLC0415 - heavy; only ingest needs it

    frame = pd.DataFrame({c: pd.Series(["x"], dtype="str") for c in CRIME_COLUMNS})
    frame["source_row"] = np.array([2], dtype=np.int64)
    frame["status"] = pd.Series(["located"], dtype="str")
    for column in ("x_m", "y_m", "longitude", "latitude"):
        frame[column] = np.array([1.0])
    sample = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy([1.0], [1.0]), crs=BNG)
    buffer = io.BytesIO()
    sample.to_parquet(buffer, index=False, schema_version="1.1.0", write_covering_bbox=True)
    schema = pq.read_schema(pa.BufferReader(buffer.getvalue()))
    geo = json.loads(schema.metadata[b"geo"])
    return schema, geo


def _geo_metadata(x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]) -> bytes:
    """Return the ``geo`` metadata geopandas writes for points at ``x_m``/``y_m``."""
    _, template = _street_schema()
    columns = cast("dict[str, dict[str, object]]", template["columns"])
    geometry = columns["geometry"]
    column: dict[str, object] = {
        "encoding": geometry["encoding"],
        "crs": geometry["crs"],
        "geometry_types": ["Point"] if len(x_m) else [],
    }
    if len(x_m):
        column["bbox"] = [
            float(x_m.min()),
            float(y_m.min()),
            float(x_m.max()),
            float(y_m.max()),
        ]
    column["covering"] = geometry["covering"]
    return json.dumps({**template, "columns": {"geometry": column}}).encode("utf-8")


def _hilbert_distance(
    x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """
    Distances of points along geopandas' Hilbert curve over Great Britain (level 16).

    The same numbers as ``GeoSeries.hilbert_distance(total_bounds=GB_BOUNDS_M)`` (a point's
    bounds midpoint is the point), without building a geometry per row.
    """
    from geopandas.tools import hilbert_curve  # noqa: PLC0415 - heavy; only ingest needs it

    side = 2**hilbert_curve.MAX_LEVEL - 1
    min_x, min_y, max_x, max_y = GB_BOUNDS_M
    # geopandas' own (private, untyped) steps, so the order is the one its public API gives;
    # tests/spatial/test_store.py checks it against GeoSeries.hilbert_distance
    discrete = hilbert_curve._continuous_to_discrete  # type: ignore[attr-defined]  # noqa: SLF001
    encode = hilbert_curve._encode  # type: ignore[attr-defined]  # noqa: SLF001
    x_int = discrete(x_m, (min_x, max_x), side)
    y_int = discrete(y_m, (min_y, max_y), side)
    return np.asarray(encode(hilbert_curve.MAX_LEVEL, x_int, y_int), dtype=np.int64)


_WKB_POINT: Final = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
"""A 2D point as little-endian ISO WKB: 21 bytes."""


def _point_wkb(x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64], n_rows: int) -> pa.Array:
    """WKB points for the first ``len(x_m)`` rows of ``n_rows``; the rest are missing (null)."""
    n_points = len(x_m)
    points = np.empty(n_points, dtype=_WKB_POINT)
    points["order"] = 1
    points["kind"] = 1
    points["x"] = x_m
    points["y"] = y_m
    offsets = np.minimum(np.arange(n_rows + 1), n_points).astype(np.int32) * _WKB_POINT.itemsize
    valid = np.packbits(np.arange(n_rows) < n_points, bitorder="little")
    return pa.Array.from_buffers(
        pa.binary(),
        n_rows,
        [pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(points.view(np.uint8))],
        null_count=n_rows - n_points,
    )


def _street_table(part: StreetRows) -> pa.Table:
    """
    One force-month as the Arrow table geopandas would write: located rows Hilbert-sorted.

    Rows run located (along the curve, ties in file order), then without location, then
    outside Great Britain (each in file order); ``geometry`` is WKB (null when not located) and
    ``bbox`` the covering struct (null members when not located).
    """
    status = part.status
    located = status == 0
    curve = np.zeros(len(status), dtype=np.int64)
    if located.any():
        curve[located] = _hilbert_distance(part.x_m[located], part.y_m[located])
    order = np.lexsort((np.arange(len(status)), curve, status))
    rows = part.take(order)
    n_located = int(located.sum())
    schema, _ = _street_schema()
    x_m = pa.array(rows.x_m, from_pandas=True)
    y_m = pa.array(rows.y_m, from_pandas=True)
    arrays = [
        *rows.columns.cast(pa.schema(list(schema)[: len(CRIME_COLUMNS)])).columns,
        pa.array(_STATUSES, pa.large_string()).take(pa.array(rows.status)),
        x_m,
        y_m,
        pa.array(rows.longitude, from_pandas=True),
        pa.array(rows.latitude, from_pandas=True),
        _point_wkb(rows.x_m[:n_located], rows.y_m[:n_located], len(order)),
        pa.StructArray.from_arrays([x_m, y_m, x_m, y_m], names=["xmin", "ymin", "xmax", "ymax"]),
    ]
    metadata = {
        **schema.metadata,
        b"geo": _geo_metadata(rows.x_m[:n_located], rows.y_m[:n_located]),
    }
    return pa.Table.from_arrays(arrays, schema=schema.with_metadata(metadata))


def _write_street(part: StreetRows, target: Path) -> None:
    """Write one force-month as GeoParquet 1.1 (bbox covering), located rows Hilbert-sorted."""
    pq.write_table(
        _street_table(part),
        target,
        row_group_size=_ROW_GROUP_ROWS,
        compression="snappy",
        use_dictionary=_DICTIONARY_COLUMNS,
    )


def _write_plain(frame: pd.DataFrame, target: Path) -> None:
    frame.to_parquet(target, index=False)


def _street_summary(part: StreetRows) -> dict[str, object]:
    """Return a street partition's manifest fields that describe its rows (every writer's)."""
    return {
        "n_rows": len(part.status),
        "counts": _counts(part),
        "bbox": _bbox(part),
        "cells_5km": _cells(part),
    }


def _counts(part: StreetRows) -> list[list[object]]:
    """``[status, crime type or None, n]`` of a partition, sorted (missing crime types last)."""
    encoded = pc.dictionary_encode(part.columns["crime_type"]).combine_chunks()
    crimes = cast("list[str | None]", encoded.dictionary.to_pylist())
    n_crimes = len(crimes)
    codes = pc.fill_null(encoded.indices, n_crimes).to_numpy().astype(np.int64)
    pairs, sizes = np.unique(
        part.status.astype(np.int64) * (n_crimes + 1) + codes, return_counts=True
    )
    rows: list[list[object]] = []
    for pair, n in zip(pairs.tolist(), sizes.tolist(), strict=True):
        status, crime = divmod(pair, n_crimes + 1)
        rows.append([_STATUSES[status], crimes[crime] if crime < n_crimes else None, n])
    rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or ""))
    return rows


def _cells(part: StreetRows) -> str:
    """
    Ids of the 5 km squares holding the partition's located points, for the manifest.

    Written as base64 of little-endian int32s: one JSON string per partition, so a national
    manifest (thousands of partitions, a hundred squares each) parses as fast as without them.
    """
    located = part.status == 0
    ids = np.unique(_cell_ids(part.x_m[located], part.y_m[located])).astype("<i4")
    return base64.b64encode(ids.tobytes()).decode("ascii")


def _listed_cells(text: str) -> list[int]:
    """Return the square ids :func:`_cells` wrote."""
    ids: list[int] = np.frombuffer(base64.b64decode(text), dtype="<i4").tolist()
    return ids


def _cell_ids(x_m: npt.NDArray[np.float64], y_m: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    col = np.floor_divide(x_m, _CELL_M).astype(np.int64)
    row = np.floor_divide(y_m, _CELL_M).astype(np.int64)
    out: npt.NDArray[np.int64] = col * _CELL_ROW + row
    return out


def _cells_meeting(bounds: Sequence[float]) -> frozenset[int]:
    """Ids of the 5 km squares an extent touches (edges included)."""
    cols = range(int(bounds[0] // _CELL_M), int(bounds[2] // _CELL_M) + 1)
    rows = range(int(bounds[1] // _CELL_M), int(bounds[3] // _CELL_M) + 1)
    return frozenset(c * _CELL_ROW + r for c in cols for r in rows)


def _bbox(part: StreetRows) -> list[float] | None:
    located = part.status == 0
    if not located.any():
        return None
    x_m, y_m = part.x_m[located], part.y_m[located]
    return [float(x_m.min()), float(y_m.min()), float(x_m.max()), float(y_m.max())]


def _plain_csv(blob: _Blob) -> pd.DataFrame:
    text = decode_text(blob.data, source=blob.name)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = f"{blob.name}: could not be read as a CSV ({err})."
        raise InputDataError(msg) from err


def _force_month_of_name(name: str) -> tuple[str, str] | None:
    """Month and force slug from a data.police.uk file name (a copy's mark after them ignored)."""
    match = _FILE_MONTH_RE.match(Path(name).name)
    if match is None or file_kind(name) is None:
        return None
    return (match.group(1), _force_slug(match.group(2)))


_VALUE_COLUMNS: Final = (*CRIME_COLUMNS, "status", "x_m", "y_m", "longitude", "latitude")
"""Street columns read back to compare a partition's rows with a new file's."""
_STAMP_TEXT: Final = re.compile(r"^\d{4}-\d{2}$")


def _published_text(published: Published) -> str:
    """Return the manifest's ``published``: the ``YYYY-MM`` stamp, else the ISO mtime."""
    if published.stamp:
        return published.stamp
    if published.mtime_ns is not None:
        return dt.datetime.fromtimestamp(published.mtime_ns / 1e9, tz=dt.UTC).isoformat()
    return ""


def _record(published: Published, digest: str, n_rows: int) -> dict[str, object]:
    """Return the manifest's record of one file whose rows a partition holds."""
    return {
        "name": published.name,
        "digest": digest,
        "published": _published_text(published),
        "stamp": published.stamp,
        "mtime_ns": published.mtime_ns,
        "order": published.order,
        "n_rows": n_rows,
    }


def _records(entry: dict[str, object]) -> list[dict[str, object]]:
    """Return the files a partition holds (rebuilt from the entry in an older store)."""
    if "sources" in entry:
        return list(cast("list[dict[str, object]]", entry["sources"]))
    text = str(entry.get("published", ""))
    stamp = text if _STAMP_TEXT.match(text) else None
    mtime_ns = None
    if stamp is None and text:
        with contextlib.suppress(ValueError):
            mtime_ns = int(dt.datetime.fromisoformat(text).timestamp() * 1e9)
    published = Published(str(entry["source"]), stamp, mtime_ns, -1)
    return [_record(published, str(entry.get("digest", "")), int(cast("int", entry["n_rows"])))]


def _published_of(record: dict[str, object]) -> Published:
    stamp, mtime_ns = record.get("stamp"), record.get("mtime_ns")
    return Published(
        str(record["name"]),
        str(stamp) if stamp else None,
        int(cast("int", mtime_ns)) if mtime_ns is not None else None,
        int(cast("int", record["order"])),
    )


def _newest(records: Sequence[dict[str, object]]) -> dict[str, object]:
    def _compare(a: dict[str, object], b: dict[str, object]) -> int:
        return compare_published(_published_of(a), _published_of(b))

    return max(records, key=functools.cmp_to_key(_compare))


@dataclass
class _Pending:
    """One new file's rows for one partition, staged until the run has seen every file."""

    record: dict[str, object]
    staging: Path
    entry: dict[str, object]
    """The partition's manifest entry if these rows alone are kept."""
    tallies: dict[str, int]
    """The report's counts of these rows if they are kept."""
    id_hashes: npt.NDArray[np.uint64] | None = None
    """64-bit hashes of the street rows' Crime IDs, to find forces sharing them (None: none)."""


@dataclass
class _Run:
    """Mutable tallies of one ingest run."""

    store_dir: Path
    manifest: dict[str, object]
    pending: dict[tuple[Table, str], list[_Pending]] = field(default_factory=dict)
    staged: list[Path] = field(default_factory=list)
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    set_aside: SetAsideNotes = field(default_factory=SetAsideNotes)
    aside_counts: dict[str, list[list[object]]] = field(default_factory=dict)
    """Street rows set aside in this run, ``[month, crime type or None, n]`` by partition."""
    aside_notes: dict[str, list[str]] = field(default_factory=dict)
    """Notes on the street rows set aside in this run, on files named for a month their rows
    are not of and on files' crime types, by partition: kept in the manifest, so queries give
    them."""
    file_counts: dict[str, list[tuple[str, list[list[object]]]]] = field(default_factory=dict)
    """Each street file's rows read, ``(partition, [month, crime type, n] ...)``, by digest."""
    side_rows: dict[str, int] = field(default_factory=dict)
    """Each outcomes or stop and search file's rows read, by digest (to count a copy's)."""

    def add(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def staging_path(self) -> Path:
        """Return a new staging file's path (removed at the end unless the run keeps it)."""
        path = self.store_dir / f".staging-{uuid.uuid4().hex}.parquet"
        self.staged.append(path)
        return path

    def hold(self, table: Table, key: str, pending: _Pending) -> None:
        """
        Stage ``pending`` for partition ``key`` of ``table``.

        Every partition's folder is named by its key, so a key that is not ``force/YYYY-MM``
        (a folder name taken from a file's contents that escaped checking) is refused here,
        before anything is written: no file of a run can land outside the store's folder.
        """
        if _KEY_RE.match(key) is None:
            msg = (
                f"{pending.record['name']}: its rows would go to the {table} partition {key!r}, "
                "which is not force/YYYY-MM; nothing was written. Give the file as downloaded "
                "from data.police.uk."
            )
            raise InputDataError(msg)
        self.pending.setdefault((table, key), []).append(pending)

    def set_rows_aside(
        self, key: str, counts: Iterable[list[object]], notes: Iterable[str]
    ) -> None:
        """Record street rows of partition ``key`` set aside (copies, older versions)."""
        self.aside_counts.setdefault(key, []).extend(counts)
        self.aside_notes.setdefault(key, []).extend(notes)

    def accept(
        self,
        table: Table,
        key: str,
        entry: dict[str, object],
        staging: Path,
        tallies: dict[str, int],
    ) -> None:
        """Make ``staging`` the partition ``key`` (replacing the one held, if any)."""
        current = _partitions(self.manifest, table).get(key)
        if current is not None:
            self.replaced.append(self.store_dir / str(current["file"]))
            for kept in ("set_aside", "notes"):  # rows set aside before stay read and noted
                if kept in current:
                    entry[kept] = current[kept]
        self.moves.append((staging, self.store_dir / str(entry["file"])))
        _partitions(self.manifest, table)[key] = entry
        self.written.append(f"{table} {key}")
        for name, n in tallies.items():
            self.add(name, n)


def _settle(run: _Run) -> None:
    """
    Decide every partition the run's files touch.

    A partition no other file holds (the usual case) takes the new file's rows as they are;
    otherwise the rows held and every new file's rows for it are compared at once by
    :func:`spatial.versions.choose_month`, the rule :func:`spatial.io.read_crimes` applies, so
    the order of files within a run does not matter. New street files of one month holding the
    same crimes under two force names are decided first (:func:`_settle_relabelled`).
    """
    decided = _settle_relabelled(run)
    for (table, key), pendings in run.pending.items():
        if (table, key) in decided:
            continue
        current = _partitions(run.manifest, table).get(key)
        if current is None and len(pendings) == 1:
            only = pendings[0]
            run.accept(table, key, only.entry, only.staging, only.tallies)
        else:
            _contest(run, table, key, pendings, current)


_Group = tuple[list[dict[str, object]], pa.Table]
"""The records of one or more files and their rows of one partition."""


def _settle_relabelled(run: _Run) -> set[tuple[Table, str]]:
    """
    Decide the new street partitions of a month whose files share Crime IDs across forces.

    Two files labelling one month with different forces but sharing most Crime IDs hold the
    same crimes under two names; :func:`spatial.versions.choose_versions` (what
    :func:`spatial.io.read_crimes` applies) compares them as one force-month. The new files of
    this run are compared with each other and with the month's partitions the store already
    holds under other force names (and that no new file of the run adds to), so a relabelled
    copy ingested in a later run is read once, as ``read_crimes`` reads the files together. A
    month whose forces share no Crime ID (every month of the national archive) costs one sort of
    its Crime IDs' hashes (:func:`_keys_sharing_ids`); the held partitions' Crime IDs are read
    back only for a month that gains a force. Returns the partitions decided.
    """
    held = _partitions(run.manifest, "street")
    by_month: dict[str, list[str]] = {}
    for table, key in run.pending:
        if table == "street" and key not in held:
            by_month.setdefault(_month_of(key), []).append(key)
    decided: set[tuple[Table, str]] = set()
    for month, keys in by_month.items():
        others = [k for k in held if _month_of(k) == month and ("street", k) not in run.pending]
        if len(keys) + len(others) < 2:  # noqa: PLR2004 - one force-month: nothing to compare
            continue
        sharing = _keys_sharing_ids(run, keys, others)
        new = [k for k in sharing if k in keys]
        if new:
            _choose_relabelled(run, new, [k for k in sharing if k in others])
            decided.update(("street", key) for key in new)
    return decided


def _month_of(key: str) -> str:
    return key.rsplit("/", 1)[1]


def _keys_sharing_ids(run: _Run, keys: Sequence[str], held: Sequence[str] = ()) -> list[str]:
    """
    Return the partitions of ``keys`` and ``held`` holding a Crime ID (by its hash) another holds.

    One sort of the month's Crime ID hashes, the new files' kept from staging
    (:func:`_id_hashes`); the Crime IDs of ``held`` partitions (already in the store) are read
    back. A month of many forces sharing none (the national archive) reads nothing back.
    """
    hashes: list[npt.NDArray[np.uint64]] = []
    owners: list[npt.NDArray[np.int64]] = []
    every = [*keys, *held]
    for n, key in enumerate(keys):
        for pending in run.pending[("street", key)]:
            if pending.id_hashes is not None:
                hashes.append(pending.id_hashes)
                owners.append(np.full(len(pending.id_hashes), n, dtype=np.int64))
    for n, key in enumerate(held, start=len(keys)):
        path = run.store_dir / str(_partitions(run.manifest, "street")[key]["file"])
        found = _hash_ids(_read_held(path, ["crime_id"])["crime_id"])
        hashes.append(found)
        owners.append(np.full(len(found), n, dtype=np.int64))
    if not hashes:
        return []
    hash_of, key_of = np.concatenate(hashes), np.concatenate(owners)
    order = np.lexsort((key_of, hash_of))
    hash_of, key_of = hash_of[order], key_of[order]
    across = (hash_of[1:] == hash_of[:-1]) & (key_of[1:] != key_of[:-1])
    shared = np.union1d(key_of[1:][across], key_of[:-1][across])
    return [every[n] for n in shared.tolist()]


def _choose_relabelled(run: _Run, keys: Sequence[str], held: Sequence[str] = ()) -> None:
    """
    Apply :func:`spatial.versions.choose_versions` to the partitions of one month at once.

    ``keys`` are new partitions of this run, ``held`` the store's partitions of the same month
    under other force names, compared first (given in an earlier run, as if given first to
    :func:`spatial.io.read_crimes`). A held partition none of whose files is kept is removed
    (its rows are counted as set aside, with the rows it had set aside before); one partly
    kept is written again with the files kept.
    """
    pendings = [(key, p) for key in keys for p in run.pending[("street", key)]]
    stored = _held_of(run, held)
    n_held = len(stored)
    tables = [rows for _, (_, rows) in stored]
    tables += [pq.read_table(p.staging, columns=list(_VALUE_COLUMNS)) for _, p in pendings]
    published = [_published_of(_newest(records)) for _, (records, _) in stored]
    published += [_published_of(p.record) for _, p in pendings]
    frames = [t.to_pandas().assign(_file_index=n) for n, t in enumerate(tables)]
    choice = choose_versions(frames, published)
    kept = {int(i) for frame in choice.kept for i in frame["_file_index"].unique()}
    counts: list[list[object]] = []
    for frame in choice.set_aside:
        n = int(frame["_file_index"].iloc[0])
        counts.extend(_type_counts(pa.Table.from_pandas(frame, preserve_index=False)))
        if n >= n_held:  # the run's report counts the rows of its own files
            run.add("n_set_aside", len(frame))
        if n not in kept:
            records = stored[n][1][0] if n < n_held else [pendings[n - n_held][1].record]
            for record in records:
                counts.extend(cast("list[list[object]]", record.get("duplicates", [])))
    run.notes.extend(choice.notes)
    new_kept = {n - n_held for n in kept if n >= n_held}
    kept_keys = _keep_new(run, keys, pendings, tables[n_held:], new_kept)
    kept_keys += [  # held partitions with a file kept stay (rewritten when partly kept)
        key for key in held if any(k == key and i in kept for i, (k, _) in enumerate(stored))
    ]
    carried = _settle_held(run, held, stored, kept, kept_keys)
    for n, key in enumerate(kept_keys):  # the rows set aside are counted once, with the first
        run.set_rows_aside(key, [*counts, *carried] if n == 0 else [], choice.notes)


def _held_of(run: _Run, held: Sequence[str]) -> list[tuple[str, _Group]]:
    """Each held partition's groups of rows (one per file), with its key."""
    partitions = _partitions(run.manifest, "street")
    return [
        (key, group)
        for key in held
        for group in _held_groups(run.store_dir, "street", partitions[key])
    ]


def _keep_new(
    run: _Run,
    keys: Sequence[str],
    pendings: Sequence[tuple[str, _Pending]],
    tables: Sequence[pa.Table],
    kept: set[int],
) -> list[str]:
    """Accept (or merge) the new files kept for each new partition; return the keys kept."""
    kept_keys = []
    for key in keys:
        mine = [n for n, (k, _) in enumerate(pendings) if k == key and n in kept]
        if len(mine) == 1:
            only = pendings[mine[0]][1]
            run.accept("street", key, only.entry, only.staging, only.tallies)
        elif mine:
            groups = [([pendings[n][1].record], tables[n]) for n in mine]
            _merge(run, "street", key, groups, [pendings[n][1] for n in mine])
        if mine:
            kept_keys.append(key)
    return kept_keys


def _settle_held(
    run: _Run,
    held: Sequence[str],
    stored: Sequence[tuple[str, _Group]],
    kept: set[int],
    kept_keys: Sequence[str],
) -> list[list[object]]:
    """
    Remove or rewrite the held partitions a choice set aside (wholly or in part).

    Returns the counts of rows the removed partitions had set aside before, which stay read:
    they go with the rows this choice set aside.
    """
    carried: list[list[object]] = []
    partitions = _partitions(run.manifest, "street")
    for key in held:
        mine = [i for i, (k, _) in enumerate(stored) if k == key]
        still = [i for i in mine if i in kept]
        if len(still) == len(mine):
            continue
        entry = partitions[key]
        if still:
            _merge(run, "street", key, [stored[i][1] for i in still], [])
            continue
        carried.extend(cast("list[list[object]]", entry.get("set_aside", [])))
        notes = cast("list[str]", entry.get("notes", []))
        if kept_keys:
            run.set_rows_aside(kept_keys[0], [], notes)
        run.replaced.append(run.store_dir / str(entry["file"]))
        del partitions[key]
        run.removed.append(f"street {key}")
    return carried


def _contest(
    run: _Run,
    table: Table,
    key: str,
    pendings: Sequence[_Pending],
    current: dict[str, object] | None,
) -> None:
    """Apply :func:`~spatial.versions.choose_month` to a partition held by several files."""
    held = _held_groups(run.store_dir, table, current) if current is not None else []
    columns = list(_VALUE_COLUMNS) if table == "street" else None
    groups = held + [([p.record], pq.read_table(p.staging, columns=columns)) for p in pendings]
    parts = [MonthPart.of(rows, _published_of(_newest(records))) for records, rows in groups]
    force_month = (_force_name(table, key, groups), key.rsplit("/", 1)[1])
    n_held = len(held)
    try:
        choice = choose_month(
            force_month,
            parts,
            on_subset="error" if table == "street" else "keep all rows",
            near_subsets=table == "street",
        )
    except InputDataError:
        completing = _completing(force_month, parts, n_held)
        if completing is None:
            raise
        choice = completing
    run.set_aside.add(force_month, parts, choice)
    if table == "street":
        _count_set_aside(run, key, force_month, groups, parts, choice, n_held)
    else:  # the new files' rows set aside, each counted once (rows held were counted before)
        for item in choice.set_aside:
            if item.index >= n_held:
                run.add(_SIDE_ASIDE[table], parts[item.index].n_rows)
    kept = list(choice.kept)
    new_kept = [pendings[i - n_held] for i in kept if i >= n_held]
    if not new_kept and len(kept) == n_held:
        return  # the rows held stand; the new files were set aside
    if len(kept) == 1 and new_kept:
        only = new_kept[0]
        run.accept(table, key, only.entry, only.staging, only.tallies)
        return
    _merge(run, table, key, [groups[i] for i in kept], new_kept)


def _count_set_aside(
    run: _Run,
    key: str,
    force_month: tuple[str, str],
    groups: Sequence[_Group],
    parts: Sequence[MonthPart],
    choice: MonthChoice,
    n_held: int,
) -> None:
    """
    Count the street rows a choice set aside, for the report and for the partition's queries.

    Every file's rows set aside are counted by month and crime type, with the rows ingest
    dropped from it as repeated Crime IDs (the CSV reader sets a file's rows aside before it
    looks for repeats), so a query reads as many rows as the CSV reader does. Rows held that a
    new file completes (``cut off``) are not: the CSV reader counts them only as an error.
    """
    notes = SetAsideNotes()
    notes.add(force_month, parts, choice)
    counts: list[list[object]] = []
    for item in choice.set_aside:
        if item.index >= n_held:
            run.add("n_set_aside", parts[item.index].n_rows)
        if item.reason == "cut off":
            continue
        records, rows = groups[item.index]
        counts.extend(_type_counts(rows))
        for record in records:
            counts.extend(cast("list[list[object]]", record.get("duplicates", [])))
    run.set_rows_aside(key, counts, notes.notes())


def _type_counts(rows: pa.Table) -> list[list[object]]:
    """``[month, crime type or None, n]`` of street rows."""
    frame = rows.select(["month", "crime_type"]).to_pandas()
    sizes = frame.groupby(["month", "crime_type"], dropna=False, sort=True).size()
    return [
        [str(month), None if pd.isna(crime) else str(crime), int(n)]
        for (month, crime), n in sizes.items()
    ]


def _completing(
    force_month: tuple[str, str], parts: Sequence[MonthPart], n_held: int
) -> MonthChoice | None:
    """
    Return the choice when the store holds a cut-off month and a new file holds all its rows.

    With files, :func:`spatial.io.read_crimes` refuses a file that holds only part of another's
    month (a strict subset of its rows, or a near one: :func:`spatial.versions.cut_off_share`),
    and the user removes the incomplete one. A store's user cannot remove what
    it holds, so when only files already in the store are the incomplete side, the file that
    holds every row is kept and the held rows are set aside as cut off (a note says so). A new
    file that is the incomplete side is still refused, and the store is unchanged.
    """
    choice = choose_month(force_month, parts, on_subset="keep all rows")
    cut = [item.index for item in choice.set_aside if item.reason == "cut off"]
    return choice if cut and all(i < n_held for i in cut) else None


def _damaged(detail: str) -> InputDataError:
    """Return the error for a store whose file is damaged or missing (a partial copy, say)."""
    first = detail.strip().splitlines()[0] if detail.strip() else "unreadable"
    msg = (
        f"A file of the store is damaged or missing ({first}). Restore the store from its copy, "
        "or ingest the files again into a new folder."
    )
    return InputDataError(msg)


def _read_held(path: Path, columns: list[str] | None) -> pa.Table:
    """Read a partition the store already holds, or say that it is damaged or missing."""
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as err:
        detail = f"{path}: {err}"
        raise _damaged(detail) from err


def _held_groups(store_dir: Path, table: Table, current: dict[str, object]) -> list[_Group]:
    """
    Read a partition back, one group of rows per file it holds.

    Street rows name their file (``source_file``); side tables hold each file's rows in turn,
    in the order of the records. Rows that cannot be told apart (two files of one name) stay
    one group, dated by the newer file.
    """
    records = _records(current)
    path = store_dir / str(current["file"])
    if table != "street":
        rows = _read_held(path, None)
        sizes = [int(cast("int", r["n_rows"])) for r in records]
        if sum(sizes) != rows.num_rows:
            return [(records, rows)]
        starts = np.cumsum([0, *sizes[:-1]]).tolist()
        return [([r], rows.slice(a, n)) for r, a, n in zip(records, starts, sizes, strict=True)]
    rows = _read_held(path, list(_VALUE_COLUMNS))
    by_name: dict[str, list[dict[str, object]]] = {}
    for record in records:
        by_name.setdefault(str(record["name"]), []).append(record)
    names = pc.unique(rows["source_file"]).to_pylist()
    if len(by_name) == 1 or set(names) != set(by_name):
        return [(records, rows)]
    return [(rs, rows.filter(pc.equal(rows["source_file"], name))) for name, rs in by_name.items()]


def _force_name(table: Table, key: str, groups: Sequence[_Group]) -> str:
    """Return the force as messages name it: ``Reported by`` (the CSV reader's key)."""
    if table == "street":
        for _, rows in groups:
            found = pc.drop_null(rows["reported_by"])
            if len(found):
                return str(found[0].as_py()).strip()
    return key.split("/", 1)[0]


def _merge(
    run: _Run, table: Table, key: str, kept: Sequence[_Group], new_kept: Sequence[_Pending]
) -> None:
    """Write the kept files' rows as one partition (a month split over several files)."""
    records = [r for records, _ in kept for r in records]
    digest = hashlib.sha256("".join(sorted(str(r["digest"]) for r in records)).encode()).hexdigest()
    staging = run.staging_path()
    newest = _newest(records)
    entry: dict[str, object] = {
        "file": f"{table}/{key}/part-{digest[:16]}.parquet",
        "source": " and ".join(str(r["name"]) for r in records),
        "digest": digest,
        "published": newest["published"],
        "n_rows": sum(int(cast("int", r["n_rows"])) for r in records),
        "sources": records,
    }
    if table == "street":
        rows = _rows_of_table(pa.concat_tables([t for _, t in kept]))
        _write_street(rows, staging)
        entry |= _street_summary(rows)
    else:
        frames = [t.to_pandas() for _, t in kept]
        _write_plain(pd.concat(frames, ignore_index=True), staging)
    tallies: dict[str, int] = {}
    for pending in new_kept:
        for name, n in pending.tallies.items():
            tallies[name] = tallies.get(name, 0) + n
    run.accept(table, key, entry, staging, tallies)


def _rows_of_table(rows: pa.Table) -> StreetRows:
    """Street rows read back from partitions, as :func:`_write_street` takes them."""

    def _floats(column: str) -> npt.NDArray[np.float64]:
        return np.asarray(pc.fill_null(rows[column], np.nan).to_numpy(), dtype=np.float64)

    status = pc.index_in(pc.cast(rows["status"], pa.string()), value_set=pa.array(_STATUSES))
    return StreetRows(
        columns=rows.select(list(CRIME_COLUMNS)),
        status=np.asarray(status.to_numpy(), dtype=np.int8),
        x_m=_floats("x_m"),
        y_m=_floats("y_m"),
        longitude=_floats("longitude"),
        latitude=_floats("latitude"),
    )


def _force_months(rows: StreetRows) -> Iterator[tuple[str, StreetRows]]:
    """Split rows by force (``Reported by``, else ``Falls within``) and month: ``force/YYYY-MM``."""
    columns = rows.columns
    forces = pc.dictionary_encode(
        pc.coalesce(columns["reported_by"], columns["falls_within"], pa.scalar("unknown"))
    ).combine_chunks()
    months = pc.dictionary_encode(columns["month"]).combine_chunks()
    slugs = [_force_slug(str(f)) for f in forces.dictionary.to_pylist()]
    month_names = [str(m) for m in months.dictionary.to_pylist()]
    pair = forces.indices.to_numpy().astype(np.int64) * len(month_names) + months.indices.to_numpy()
    pairs = np.unique(pair)
    keys = [f"{slugs[p // len(month_names)]}/{month_names[p % len(month_names)]}" for p in pairs]
    if len(set(keys)) == 1:  # the usual police.uk file: one force, one month
        yield keys[0], rows
        return
    for key in sorted(set(keys)):
        wanted = pairs[[k == key for k in keys]]
        yield key, rows.take(np.flatnonzero(np.isin(pair, wanted)))


@dataclass(frozen=True)
class _StagedPart:
    """One force-month of a street file, written to its staging file by a worker."""

    key: str
    staging: Path
    summary: dict[str, object]
    tallies: dict[str, int]
    duplicates: list[list[object]]
    """``[month, crime type or None, n]`` of the file's repeated Crime IDs this part counts."""
    id_hashes: npt.NDArray[np.uint64]
    """64-bit hashes of the part's Crime IDs (:func:`_id_hashes`)."""


def _id_hashes(part: StreetRows) -> npt.NDArray[np.uint64]:
    """
    Hash a part's Crime IDs to 64 bits, in a worker thread, for :func:`_keys_sharing_ids`.

    Kept in memory until the run is settled (8 bytes a row), so that finding forces sharing
    Crime IDs in a month reads nothing back; equal hashes only make files candidates, which
    :func:`spatial.versions.choose_versions` then compares by the Crime IDs themselves.
    """
    return _hash_ids(part.columns["crime_id"])


def _hash_ids(ids: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """Return the 64-bit hashes of the Crime IDs present (staged or read back from the store)."""
    present = pc.drop_null(ids).to_numpy(zero_copy_only=False)
    return np.asarray(pd.util.hash_array(present.astype(object), categorize=False), dtype=np.uint64)


def _duplicates_by_part(rows: StreetRows, keys: Sequence[str]) -> dict[str, list[list[object]]]:
    """
    Count a file's rows repeating a Crime ID by the partition that keeps the count.

    Each repeated row counts under its own month and crime type (as :func:`spatial.io.read_crimes`
    counts it), in the partition of its own force and month, or the file's first partition when
    the file holds no other row of that force-month. Every key of ``keys`` gets a list (empty
    when none): a manifest entry with the list knows its count, even when it is none.
    """
    out: dict[str, list[list[object]]] = {key: [] for key in keys}
    dups = rows.duplicates
    if dups is None or dups.num_rows == 0:
        return out
    tally: dict[tuple[str, str, str | None], int] = {}
    forces = pc.coalesce(dups["reported_by"], dups["falls_within"], pa.scalar("unknown"))
    for force, month, crime in zip(
        forces.to_pylist(), dups["month"].to_pylist(), dups["crime_type"].to_pylist(), strict=True
    ):
        key = f"{_force_slug(str(force))}/{month}"
        where = (key if key in out else keys[0], str(month), crime)
        tally[where] = tally.get(where, 0) + 1
    for (key, month, crime), n in sorted(
        tally.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] is None, kv[0][2] or "")
    ):
        out[key].append([month, crime, n])
    return out


_Staged = tuple[list[_StagedPart], int, list[str]]
"""A street file's staged parts, its repeated Crime IDs kept once, its notes on its rows."""


def _stage_street(run: _Run, blob: _Blob) -> _Staged:
    """
    Read a street file and write each force-month's rows to staging (in a worker thread).

    Returns the parts, the number of repeated Crime IDs kept once, and the notes
    :func:`spatial.io.read_crimes` gives on the file, in its order: on a file named for a
    month its rows are not of (:func:`spatial.io.named_month_note`), on its crime types
    (:attr:`spatial.io.StreetRows.notes`), then on its rows outside Great Britain
    (:func:`spatial.io.outside_gb_note`). Nothing of the run is changed but its
    list of staged files (appended to, which is safe across threads).
    """
    rows = read_street_file(blob.name, blob.data)
    month_note = named_month_note(blob.name, _rows_by_month(rows))
    outside_note = outside_gb_note(rows)  # read_crimes gives it after the file's other notes
    file_notes = [n for n in (month_note, *rows.notes, outside_note) if n is not None]
    split = list(_force_months(rows))
    duplicates = _duplicates_by_part(rows, [key for key, _ in split])
    parts = []
    for key, part in split:
        staging = run.staging_path()
        _write_street(part, staging)
        by_status = np.bincount(part.status, minlength=len(_STATUSES))
        tallies = {
            column: int(n)
            for column, n in zip(("n_located", "n_no_loc", "n_outside"), by_status, strict=True)
        }
        summary = _street_summary(part)
        hashes = _id_hashes(part)
        parts.append(_StagedPart(key, staging, summary, tallies, duplicates[key], hashes))
    return parts, rows.n_duplicates_removed, file_notes


def _rows_by_month(rows: StreetRows) -> dict[str, int]:
    """Count a file's rows read (its repeated Crime IDs included) by month, as ``read_crimes``."""
    counts: dict[str, int] = {}
    months = [rows.columns["month"]]
    if rows.duplicates is not None:
        months.append(rows.duplicates["month"])
    for column in months:
        for item in pc.value_counts(column).to_pylist():
            month = str(item["values"])
            counts[month] = counts.get(month, 0) + int(item["counts"])
    return counts


def _hold_street(
    run: _Run,
    blob: _Blob,
    digest: str,
    staged: concurrent.futures.Future[_Staged],
) -> None:
    """Hold a street file's staged parts for their partitions, in file order (main thread)."""
    parts, n_duplicates_removed, file_notes = staged.result()  # a refused file raises here
    run.notes.extend(file_notes)
    for part in parts:  # kept with the partitions its rows join, so queries give them too
        run.aside_notes.setdefault(part.key, []).extend(file_notes)
    if n_duplicates_removed:
        run.notes.append(f"{blob.name}: {n_duplicates_removed} repeated Crime IDs kept once.")
        run.add("n_duplicates", n_duplicates_removed)
    file_counts = run.file_counts.setdefault(digest, [])
    for part in parts:
        n_rows = sum(part.tallies.values())
        month = part.key.rsplit("/", 1)[1]
        counted = _by_type(cast("list[list[object]]", part.summary["counts"]))
        by_type: list[list[object]] = [[month, t, n] for t, n in counted]
        file_counts.append((part.key, by_type + part.duplicates))
        record = _record(blob.published, digest, n_rows) | {"duplicates": part.duplicates}
        entry: dict[str, object] = {
            "file": f"street/{part.key}/part-{digest[:16]}.parquet",
            "source": blob.name,
            "digest": digest,
            "published": record["published"],
            **part.summary,
            "sources": [record],
        }
        pending = _Pending(record, part.staging, entry, dict(part.tallies), part.id_hashes)
        run.hold("street", part.key, pending)


def _by_type(counts: Iterable[list[object]]) -> list[tuple[str | None, int]]:
    """Add a partition's ``[status, crime type, n]`` counts up by crime type."""
    totals: dict[str | None, int] = {}
    for _, crime, n in counts:
        name = None if crime is None else str(crime)
        totals[name] = totals.get(name, 0) + int(cast("int", n))
    return list(totals.items())


def _note_copy(run: _Run, blob: _Blob, digest: str, first: str) -> None:
    """
    Note a file identical to one read earlier in the run; count a street file's rows aside.

    Run in file order, after the first file's rows are held, so its counts are known: the copy
    is not parsed, its rows being the first file's, counted as :func:`spatial.io.read_crimes`
    counts a copy's (set aside, by month and crime type, in the first file's partitions).
    """
    if blob.table != "street":
        run.notes.append(copy_note(blob.name, first))
        run.add(_SIDE_ASIDE[blob.table], run.side_rows.get(digest, 0))
        return
    found = run.file_counts.get(digest, [])
    n_rows = sum(int(cast("int", n)) for _, counts in found for _, _, n in counts)
    note = copy_note(blob.name, first, n_rows)
    run.notes.append(note)
    run.add("n_set_aside", n_rows)
    for key, counts in found:
        run.set_rows_aside(key, counts, [note])


def _keep_set_aside(run: _Run) -> None:
    """Add the run's street rows set aside, and its notes, to their partitions' entries."""
    street = _partitions(run.manifest, "street")
    for key in {**run.aside_counts, **run.aside_notes}:
        entry = street.get(key)
        if entry is None:  # a copy of a file whose rows were all set aside under another
            continue  # force's name: counted in the report, not by queries (a rare limit)
        notes = cast("list[str]", entry.get("notes", []))
        entry["notes"] = [*notes, *(n for n in run.aside_notes.get(key, []) if n not in notes)]
        if key not in run.aside_counts:
            continue
        counts = run.aside_counts[key]
        totals: dict[tuple[str, str | None], int] = {}
        for month, crime, n in [*cast("list[list[object]]", entry.get("set_aside", [])), *counts]:
            name = (str(month), None if crime is None else str(crime))
            totals[name] = totals.get(name, 0) + int(cast("int", n))
        ordered = sorted(
            totals.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "")
        )
        entry["set_aside"] = [[month, crime, n] for (month, crime), n in ordered]


_SIDE_COLUMNS: Final[dict[Table, tuple[str, ...]]] = {
    "outcomes": ("Crime ID", "Month", "Outcome type"),
    "stop_search": ("Type", "Date"),
}
"""The columns an outcomes or stop and search file must have: the store partitions by month
and joins outcomes to their crimes by Crime ID."""
_SIDE_NAMES: Final[dict[Table, str]] = {
    "outcomes": "outcomes file (...-outcomes.csv)",
    "stop_search": "stop and search file (...-stop-and-search.csv)",
}


def _is_date(text: str) -> bool:
    """
    Say whether ``text`` is a real date (and time) as data.police.uk writes them.

    Examples
    --------
    >>> [_is_date(t) for t in ("2025-09-01T10:00:00+00:00", "2025-02-30", "01/09/2025 12:00")]
    [True, False, False]
    """
    if _DATE_START.match(text) is None:
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _refuse_bad_months(name: str, column: str, values: pd.Series[str], *, dates: bool) -> None:
    """
    Refuse a side file with a ``column`` value that is no month (``YYYY-MM``) or no date.

    Each distinct value is checked once. A blank value is refused too, as a street file's blank
    Month is: the value names the folder the row is written to.
    """
    codes, uniques = pd.factorize(values.fillna("").str.strip())
    good = np.array(
        [_is_date(u) if dates else _MONTH_TEXT.match(u) is not None for u in uniques], dtype=bool
    )
    bad = ~good[codes] if len(uniques) else np.zeros(len(values), dtype=bool)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    raw: object = values.iloc[first]
    shown = repr(raw) if isinstance(raw, str) and raw.strip() else "blank"
    kind, example = ("a date", "2025-09-01T10:00:00+00:00") if dates else ("YYYY-MM", "2025-09")
    msg = (
        f"{name}: {int(bad.sum())} rows have a {column} that is not {kind} (first: row "
        f"{first + 2}, {column} {shown}). data.police.uk {column.lower()}s look like {example}; "
        "give the file as downloaded."
    )
    raise InputDataError(msg)


def _side_partitions(blob: _Blob, frame: pd.DataFrame, table: Table) -> tuple[pd.Series[str], ...]:
    """
    Return each row's force slug and month of an outcomes or stop and search file, checked.

    Outcomes name their force (``Reported by``, else ``Falls within``, else the file's name) and
    month (``Month``); stop and search has only a ``Date``, so its force is the file's name's.

    Raises
    ------
    MissingColumnError
        When the file lacks a column the store needs (:data:`_SIDE_COLUMNS`).
    InputDataError
        When a month is not ``YYYY-MM`` or a date not a date.
    """
    require_columns(
        frame.columns,
        _SIDE_COLUMNS[table],
        source=blob.name,
        hint=f"Give the data.police.uk {_SIDE_NAMES[table]} as downloaded.",
    )
    named = _force_month_of_name(blob.name)
    fallback = pd.Series(named[1] if named else "unknown-force", index=frame.index, dtype=object)
    if table == "outcomes":
        _refuse_bad_months(blob.name, "Month", frame["Month"], dates=False)
        month = frame["Month"].str.strip()
        force = fallback
        for column in ("Falls within", "Reported by"):  # the later one wins where given
            if column in frame.columns:
                given = frame[column].fillna("").str.strip()
                force = given.map(_force_slug).where(given != "", force)
    else:
        _refuse_bad_months(blob.name, "Date", frame["Date"], dates=True)
        month = frame["Date"].str.strip().str.slice(0, 7)
        force = fallback
    return force, month


def _ingest_side_table(run: _Run, blob: _Blob, digest: str, table: Table) -> None:
    """
    Stage an outcomes or stop and search file's rows by force and month.

    The whole file is checked before any row is staged: a file the store cannot partition is
    refused with a message (the run then leaves the store unchanged).
    """
    frame = _plain_csv(blob)
    frame.columns = [str(c).strip() for c in frame.columns]
    force, month = _side_partitions(blob, frame, table)
    run.side_rows[digest] = len(frame)
    frame = frame.astype("string")
    frame.columns = [re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in frame.columns]
    for (force_slug, month_text), part in frame.groupby([force.to_numpy(), month.to_numpy()]):
        key = f"{force_slug}/{month_text}"
        staging = run.staging_path()
        _write_plain(part.reset_index(drop=True), staging)
        record = _record(blob.published, digest, len(part))
        entry: dict[str, object] = {
            "file": f"{table}/{key}/part-{digest[:16]}.parquet",
            "source": blob.name,
            "digest": digest,
            "published": record["published"],
            "n_rows": len(part),
            "sources": [record],
        }
        tally = "n_outcomes" if table == "outcomes" else "n_stop_search"
        run.hold(table, key, _Pending(record, staging, entry, {tally: len(part)}))


def _remove_leftovers(store_dir: Path, manifest: dict[str, object]) -> None:
    """Delete files of an interrupted ingest: anything the manifest does not list."""
    listed = {str(entry["file"]) for entry in _all_entries(manifest)}
    listed.update(str(entry["file"]) for entry in _point_count_entries(manifest).values())
    for path in store_dir.glob(".staging-*"):
        path.unlink(missing_ok=True)
    for path in store_dir.glob(".manifest-*"):
        path.unlink(missing_ok=True)
    for table in ("street", "outcomes", "stop_search", _POINT_COUNTS):
        for path in (store_dir / table).rglob("*.parquet"):
            if str(path.relative_to(store_dir)) not in listed:
                path.unlink()


def _all_entries(manifest: dict[str, object]) -> Iterator[dict[str, object]]:
    parts = cast("dict[str, dict[str, dict[str, object]]]", manifest.get("partitions", {}))
    for entries in parts.values():
        yield from entries.values()


def _point_count_entries(manifest: dict[str, object]) -> dict[str, dict[str, object]]:
    """Return the manifest's point counts files by force (none in a store made before them)."""
    return cast("dict[str, dict[str, object]]", manifest.setdefault(_POINT_COUNTS, {}))


def _street_files_by_force(manifest: dict[str, object]) -> dict[str, list[str]]:
    """Each force's street partition files (relative paths), in partition order."""
    by_force: dict[str, list[str]] = {}
    for key, entry in sorted(_partitions(manifest, "street").items()):
        by_force.setdefault(key.split("/", 1)[0], []).append(str(entry["file"]))
    return by_force


def _files_key(files: Sequence[str]) -> str:
    """Digest a force's street files' names: its point counts are those of exactly these files."""
    return hashlib.sha256("\n".join(files).encode("utf-8")).hexdigest()


def _point_count_table(files: Sequence[Path]) -> pa.Table:
    """
    Count the located rows of street files by snap point, month, crime type and location.

    A force's located rows sit on its snap points, so the counts are fewer rows than the crimes
    (two thirds of them in Cambridge's wards); sorted by ``x_m`` and ``y_m``, so a query of one
    area reads the row groups of its eastings alone. A snap
    point has one location name as a rule, so counting by it too adds few rows, and a question
    about a ward's crimes by month, type and place reads them here (:func:`located_rows`).
    DuckDB groups a million rows in a fraction of the time Arrow's group-by takes (on the
    :func:`query_session`'s database when there is one).
    """
    sql = (
        "SELECT x_m, y_m, month, crime_type, location, count(*)::BIGINT AS n "
        "FROM read_parquet($files) WHERE status = 'located' GROUP BY ALL "
        "ORDER BY x_m, y_m, month, crime_type NULLS LAST, location NULLS LAST"
    )
    return _sql_table(sql, {"files": [str(f) for f in files]})


def _write_point_counts(run: _Run) -> bool:
    """
    Write the point counts of every force whose street files changed; say whether any did.

    A force's counts are made from its partition files once they are in place, under a new
    name, and listed in the manifest with a digest of those files' names; the manifest then
    replaces the old one, so a crash leaves the old counts listed (and the new file a leftover).
    A store made before point counts gets them at its next ingest, for every force.
    """
    entries = _point_count_entries(run.manifest)
    by_force = _street_files_by_force(run.manifest)
    changed = False
    for force in [f for f in entries if f not in by_force]:  # no street rows left
        run.replaced.append(run.store_dir / str(entries.pop(force)["file"]))
        changed = True
    stale = {
        force: files
        for force, files in by_force.items()
        if not _counts_current(entries.get(force), files)
    }
    if not stale:
        return changed
    with query_session():  # one database for every force counted
        for force, files in stale.items():
            target = f"{_POINT_COUNTS}/{force}/part-{uuid.uuid4().hex[:16]}.parquet"
            counts = _point_count_table([run.store_dir / f for f in files])
            (run.store_dir / target).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(counts, run.store_dir / target, row_group_size=_ROW_GROUP_ROWS)
            if (current := entries.get(force)) is not None:
                run.replaced.append(run.store_dir / str(current["file"]))
            entries[force] = {
                "file": target,
                "street": _files_key(files),
                "n_rows": counts.num_rows,
                "version": _POINT_COUNTS_VERSION,
            }
    return True


def _counts_current(entry: dict[str, object] | None, street_files: Sequence[str]) -> bool:
    """Say whether a force's point counts entry is of these street files, in today's layout."""
    return (
        entry is not None
        and entry.get("street") == _files_key(street_files)
        and entry.get("version") == _POINT_COUNTS_VERSION
    )


def _fresh_point_counts(store_dir: Path, files: Sequence[Path]) -> list[Path] | None:
    """
    Return the point counts files of the street files' forces, in order, if each is current.

    ``files`` are street partitions (``street/<force>/<month>.parquet``); their forces are
    taken in the order they first appear. None when there are none, or when a force has no
    counts or older ones (a store made before point counts or before their current layout, or
    changed by another writer): its rows are then counted from the street files themselves.
    """
    if not files:
        return None
    manifest = _query_manifest(store_dir)
    entries = cast("dict[str, dict[str, object]]", manifest.get(_POINT_COUNTS, {}))
    by_force = _street_files_by_force(manifest)
    found: list[Path] = []
    for force in dict.fromkeys(f.parent.parent.name for f in files):
        entry = entries.get(force)
        if entry is None or not _counts_current(entry, by_force.get(force, [])):
            return None
        found.append(store_dir / str(entry["file"]))
    return found


def ingest(sources: Sequence[Path], *, store_dir: Path) -> IngestReport:
    """
    Add data.police.uk files to a store: incremental, idempotent and crash-safe.

    Parameters
    ----------
    sources
        CSV files, folders (searched for ``.csv`` and ``.zip``) and ``.zip`` archives as
        data.police.uk delivers them (the monthly all-forces archive included).
    store_dir
        The store's folder; created when missing.

    Returns
    -------
    IngestReport
        Files read or skipped, rows by status, partitions written, and notes.

    Raises
    ------
    EmptyInputError
        When no source is given.
    InputDataError
        When a file is not a data.police.uk CSV, or the folder is not a store.
    """
    if not sources:
        msg = "No files to ingest. Give data.police.uk CSV files, folders or .zip archives."
        raise EmptyInputError(msg)
    for source in sources:  # a mistyped path leaves no new, empty store folder behind
        _require_source(Path(source))
    with _locked(store_dir):
        manifest = read_manifest(store_dir, purpose="ingest")
        _remove_leftovers(store_dir, manifest)
        _require_partitions(store_dir, manifest)
        run = _Run(store_dir=store_dir, manifest=manifest)
        first = int(cast("int", manifest.get("next_order", 0)))
        try:
            n_read, n_skipped, n_repeated, n_unnamed = _read_sources(run, sources, first)
            _settle(run)
            _keep_set_aside(run)
        except Exception:
            for path in run.staged:  # a refused file: the store stays as it was
                path.unlink(missing_ok=True)
            raise
        manifest["next_order"] = first + len(sources)
        for staging, final in run.moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            staging.replace(final)
        recounted = _write_point_counts(run)
        if run.moves or n_read or recounted:
            _write_manifest(store_dir, manifest)
        for old in [*run.replaced, *run.staged]:  # staged files set aside were not moved
            old.unlink(missing_ok=True)
    c = run.counts
    n_kept = c.get("n_located", 0) + c.get("n_no_loc", 0) + c.get("n_outside", 0)
    return IngestReport(
        n_files_read=n_read,
        n_files_skipped=n_skipped,
        n_rows=n_kept + c.get("n_set_aside", 0) + c.get("n_duplicates", 0),
        n_located=c.get("n_located", 0),
        n_without_location=c.get("n_no_loc", 0),
        n_outside_gb=c.get("n_outside", 0),
        n_outcome_rows=c.get("n_outcomes", 0),
        n_stop_search_rows=c.get("n_stop_search", 0),
        partitions_written=tuple(run.written),
        partitions_removed=tuple(run.removed),
        notes=(*run.notes, *run.set_aside.notes()),
        n_rows_set_aside=c.get("n_set_aside", 0),
        n_duplicates=c.get("n_duplicates", 0),
        n_files_repeated=n_repeated,
        n_files_not_named=n_unnamed,
        n_outcome_rows_set_aside=c.get("n_outcomes_aside", 0),
        n_stop_search_rows_set_aside=c.get("n_stop_search_aside", 0),
    )


_INGEST_WORKERS: Final = max(1, min(4, os.cpu_count() or 1))
"""Threads that read, sort and write street files at once (Arrow, PROJ and Parquet let go of
Python's lock): on two cores, 1.8x one thread."""


def _require_partitions(store_dir: Path, manifest: dict[str, object]) -> None:
    """
    Refuse to add to a store whose manifest lists a partition file that is gone.

    Its files already stored would be skipped as present while their rows are missing; a new
    month would be added to a store that cannot answer. The store's "damaged or missing" message
    says what to do.
    """
    partitions = cast("dict[str, dict[str, dict[str, object]]]", manifest.get("partitions", {}))
    for entries in partitions.values():
        for entry in entries.values():
            path = store_dir / str(entry["file"])
            if not path.is_file():
                detail = f"{path}: no such file"
                raise _damaged(detail)


def _read_sources(run: _Run, sources: Sequence[Path], first: int) -> tuple[int, int, int, int]:
    """
    Read and stage every new file; return files read, skipped, repeated, and not named.

    Skipped files were in the store before the run or are CSVs skipped with a note for their
    names (:func:`_chosen_csvs`), which are also counted apart (not named); repeated ones were
    given twice in the run.

    Street files are read, sorted and written to staging in worker threads, a few files ahead;
    everything that decides or reports (which files are new, notes, the partitions each file's
    rows join, side tables) happens here, in file order, exactly as one file after another.
    A refused file stops the run at that file, after the workers have finished.
    """
    known = cast("dict[str, str]", run.manifest.setdefault("sources", {}))
    this_run: set[str] = set()
    n_read = n_skipped = n_repeated = 0
    steps: collections.deque[Callable[[], None]] = collections.deque()
    skipped: list[str] = []  # notes of files skipped in folders and archives
    unnamed: list[str] = []  # CSVs skipped for their names
    with concurrent.futures.ThreadPoolExecutor(_INGEST_WORKERS) as pool:
        for position, source in enumerate(sources):
            for blob in _source_blobs(Path(source), first + position, skipped, unnamed):
                digest = hashlib.sha256(blob.data).hexdigest()
                if digest in this_run:  # as read_crimes says of a copy given with the original
                    n_repeated += 1
                    steps.append(functools.partial(_note_copy, run, blob, digest, known[digest]))
                    continue
                if digest in known:
                    n_skipped += 1
                    if Path(blob.name).name != Path(known[digest]).name:  # a copy, renamed
                        run.notes.append(
                            f"{blob.name} is identical to {known[digest]}, already in the "
                            "store; skipped."
                        )
                    continue
                this_run.add(digest)
                n_read += 1
                if blob.table == "street":
                    staged = pool.submit(_stage_street, run, blob)
                    steps.append(functools.partial(_hold_street, run, blob, digest, staged))
                else:
                    table = blob.table
                    steps.append(functools.partial(_ingest_side_table, run, blob, digest, table))
                known[digest] = blob.name
                while len(steps) > 2 * _INGEST_WORKERS:  # a few files ahead, no more in memory
                    steps.popleft()()
        while steps:
            steps.popleft()()
    run.notes.extend(skipped)
    return n_read, n_skipped + len(unnamed), n_repeated, len(unnamed)


def store_files(
    store_dir: Path,
    *,
    table: Table = "street",
    months: tuple[str, str] | None = None,
    bounds_m: tuple[float, float, float, float] | None = None,
) -> list[Path]:
    """
    Return the files of a table that may hold rows of the months and area.

    Parameters
    ----------
    store_dir
        The store.
    table
        ``street``, ``outcomes`` or ``stop_search``.
    months
        First and last month ``YYYY-MM`` (inclusive); all when None.
    bounds_m
        ``(min_x, min_y, max_x, max_y)`` in BNG metres; a street partition is kept when its
        located points' extent meets it and (in stores that list them) one of the 5 km squares
        holding its points touches it: a neighbouring force whose extent reaches over the area
        but whose points lie elsewhere is not opened. A partition with no located row at all
        is always kept (it has no extent to test); one whose located points all lie elsewhere
        is not, even when it holds unlocated rows (:func:`query_crimes` counts those from the
        manifest). All when None.

    Returns
    -------
    list of pathlib.Path
        Absolute paths, in partition order.

    Raises
    ------
    InputDataError
        When a file the manifest lists is gone (a partial copy of the store): every query says
        so, whether it would read the file or answer from the point counts beside it.
    """
    version = _manifest_version(store_dir)
    if version is None:  # no manifest yet, or --store is not a folder: read_manifest says which
        return _chosen_files(store_dir, read_manifest(store_dir), table, months, bounds_m)
    files = list(
        _chosen_of_snapshot(
            store_dir,
            version,
            table,
            None if months is None else (str(months[0]), str(months[1])),
            None if bounds_m is None else tuple(float(b) for b in bounds_m),
        )
    )
    gone = next((f for f in files if not f.is_file()), None)
    if gone is not None:
        detail = f"{gone}: no such file"
        raise _damaged(detail)
    return files


@functools.lru_cache(maxsize=16)
def _chosen_of_snapshot(
    store_dir: Path,
    identity: tuple[int, int, int],
    table: Table,
    months: tuple[str, str] | None,
    bounds_m: tuple[float, ...] | None,
) -> tuple[Path, ...]:
    """
    :func:`store_files` of one version of the manifest, chosen once.

    A query asks for the same files several times (the counts, the rows, their accounting);
    with the national archive's thousands of partitions each choice takes milliseconds.
    """
    manifest = _manifest_snapshot(str(store_dir / _MANIFEST), identity)
    return tuple(_chosen_files(store_dir, manifest, table, months, bounds_m))


def _chosen_files(
    store_dir: Path,
    manifest: dict[str, object],
    table: Table,
    months: tuple[str, str] | None,
    bounds_m: Sequence[float] | None,
) -> list[Path]:
    near = _cells_meeting(bounds_m) if bounds_m is not None else frozenset()
    chosen: list[Path] = []
    for key, entry in sorted(_partitions(manifest, table).items()):
        month = key.rsplit("/", 1)[1]
        if months is not None and not months[0] <= month <= months[1]:
            continue
        box = entry.get("bbox")
        if bounds_m is not None and isinstance(box, list):
            cells = entry.get("cells_5km")
            if not _meets(box, bounds_m) or (
                isinstance(cells, str) and near.isdisjoint(_listed_cells(cells))
            ):
                continue
        chosen.append(store_dir / str(entry["file"]))
    return chosen


def _meets(box: Sequence[float], bounds: Sequence[float]) -> bool:
    return not (
        box[2] < bounds[0] or box[0] > bounds[2] or box[3] < bounds[1] or box[1] > bounds[3]
    )


def store_info(store_dir: Path) -> StoreInfo:
    """
    Summarise a store from its manifest alone (no data file is opened).

    Parameters
    ----------
    store_dir
        The store.

    Returns
    -------
    StoreInfo
        Forces, months, street rows and crime types.

    Raises
    ------
    EmptyInputError
        When the store holds no street data.
    """
    manifest = _query_manifest(store_dir)
    street = _partitions(manifest, "street")
    if not street:
        ingest = f"`patchmap ingest FILES... --store {store_dir}`"
        msg = (
            f"{store_dir}: the store holds no crime data yet. Run {ingest} first."
            if not store_dir.is_dir() or any(store_dir.iterdir())  # a first ingest cut short
            else f"{store_dir}: the folder is empty, not a patchmap store. Make one with "
            f"{ingest}, or check the path."
        )
        raise EmptyInputError(msg)
    forces = sorted({k.split("/", 1)[0] for k in street})
    months = sorted({k.rsplit("/", 1)[1] for k in street})
    types: set[str] = set()
    n_rows = 0
    for entry in street.values():
        n_rows += int(entry["n_rows"])  # type: ignore[call-overload]
        types.update(str(c[1]) for c in entry["counts"] if c[1] is not None)  # type: ignore[attr-defined]
    return StoreInfo(
        path=store_dir,
        forces=tuple(forces),
        months=tuple(months),
        n_rows=n_rows,
        crime_types=tuple(sorted(types)),
    )


_SESSION: contextvars.ContextVar[duckdb.DuckDBPyConnection | None] = contextvars.ContextVar(
    "patchmap_store_session", default=None
)
"""The DuckDB database of the :func:`query_session` this thread is in, if any."""


@contextlib.contextmanager
def query_session() -> Iterator[None]:
    """
    Run the store queries made inside the block on one DuckDB database, closed at its end.

    Opening an in-memory database costs tens of milliseconds, and a first query on it more:
    a load that makes two queries (a profile's counts of every ward, then the chosen ward's
    rows) saves that once. The database also keeps the Parquet footers it has read, so the
    second query over the same files does not parse them again (store files are written once
    under new names, never changed in place). The database holds its memory until it is
    closed, so a session spans one load, not a process. Each thread (and Streamlit session)
    has its own.

    Examples
    --------
    >>> with query_session():
    ...     pass  # located_counts(...), then query_crimes(...)
    """
    import duckdb  # noqa: PLC0415 - only store queries need it

    if _SESSION.get() is not None:  # nested: the outer session's database serves
        yield
        return
    with duckdb.connect() as database:
        database.execute("SET parquet_metadata_cache = true")
        token = _SESSION.set(database)
        try:
            yield
        finally:
            _SESSION.reset(token)


def _extent_params(
    files: Sequence[Path] | Sequence[str], bounds_m: tuple[float, float, float, float]
) -> dict[str, object]:
    """
    Return a query's parameters: ``$files`` (as text) and the extent ``$x0 $y0 $x1 $y1``.

    For the condition ``x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1`` (edges included).
    """
    x0, y0, x1, y1 = (float(b) for b in bounds_m)
    return {"files": [str(f) for f in files], "x0": x0, "y0": y0, "x1": x1, "y1": y1}


def _sql_table(
    sql: str, params: dict[str, object], *, tables: dict[str, pa.Table] | None = None
) -> pa.Table:
    """
    Run one DuckDB query and return its rows as an Arrow table.

    Inside a :func:`query_session` the query runs on the session's database, else on a new one.
    ``tables`` are Arrow tables the query reads by name, known to the database for this query
    only. A store file cut short or gone is the store's "damaged or missing" message.
    """
    session = _SESSION.get()
    if session is None:
        with query_session():
            return _sql_table(sql, params, tables=tables)
    import duckdb  # noqa: PLC0415 - loaded already by the session

    named = tables or {}
    for name, table in named.items():
        session.register(name, table)
    try:
        return session.sql(sql, params=params).to_arrow_table()
    except (duckdb.IOException, duckdb.InvalidInputException) as err:  # a file cut short or gone
        raise _damaged(str(err)) from err
    finally:
        for name in named:
            session.unregister(name)


def _sql_frame(sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Run one DuckDB query (:func:`_sql_table`) and hand its rows over as pandas columns."""
    frame: pd.DataFrame = _sql_table(sql, params).to_pandas()
    return frame


def _duck_rows(
    files: Sequence[Path],
    outcome_files: Sequence[Path],
    where: str,
    params: list[object],
    *,
    crime_columns: Sequence[str] = CRIME_COLUMNS,
) -> pd.DataFrame:
    """
    Read street rows of ``files`` matching ``where`` with DuckDB, without the geometry.

    With outcome files, each crime gets its latest outcome (``outcome``, ``outcome_month``) by
    Crime ID; rows without a Crime ID (anti-social behaviour) get none. Only ``crime_columns``
    of the reader's columns are read (Parquet is read by column: the others cost nothing).
    """
    columns = ", ".join(
        f"s.{c}" for c in (*crime_columns, "status", "x_m", "y_m", "longitude", "latitude")
    )
    named: dict[str, object] = {"files": [str(f) for f in files]}
    named.update({f"p{i}": v for i, v in enumerate(params)})
    if outcome_files:
        named["outcomes"] = [str(f) for f in outcome_files]
        sql = (
            # the last outcome: of the latest month, the last row of its file (files list a
            # crime's outcomes in order; a partition keeps its files' rows in order)
            f"WITH o AS (SELECT crime_id, arg_max(outcome_type, (month, file_row_number)) "  # noqa: S608
            "AS outcome, max(month) AS outcome_month FROM read_parquet($outcomes, "
            "union_by_name=true, file_row_number=true) "
            "WHERE crime_id IS NOT NULL GROUP BY crime_id) "
            f"SELECT {columns}, o.outcome, o.outcome_month FROM read_parquet($files) s "
            f"LEFT JOIN o ON s.crime_id = o.crime_id WHERE {where}"
        )
    else:
        sql = f"SELECT {columns} FROM read_parquet($files) s WHERE {where}"  # noqa: S608
    return _sql_frame(sql, named)


def _relative_names(store_dir: Path, files: Iterable[Path]) -> list[str]:
    """
    Return the names of files below ``store_dir`` as the manifest lists them (relative paths).

    The files are the store's own (``store_dir / name``): cutting the folder off their text
    gives what :meth:`pathlib.Path.relative_to` gives, at a tenth of its cost over the hundreds
    of partitions a force's query counts.
    """
    folder = str(store_dir).rstrip(os.sep) + os.sep
    return [
        text[len(folder) :]
        if (text := str(f)).startswith(folder)
        else str(f.relative_to(store_dir))
        for f in files  # the other way: a store in "." (whose files' text does not name it)
    ]


def _status_totals(
    store_dir: Path, groups: Sequence[tuple[Iterable[Path], Collection[str]]]
) -> list[list[tuple[tuple[str, str | None, str], int]]]:
    """
    Rows per (month, crime type, status) of partition files, from the manifest, for each group.

    A group is some partition files and the statuses counted of them; the manifest's
    partitions are gone through once for all groups. Each group's totals are sorted by month,
    crime type (missing first as ``"None"``) and status.
    """
    wanted = [(set(_relative_names(store_dir, files)), statuses) for files, statuses in groups]
    totals: list[dict[tuple[str, str | None, str], int]] = [{} for _ in groups]
    for key, entry in _partitions(_query_manifest(store_dir), "street").items():
        month = key.rsplit("/", 1)[1]
        for (names, statuses), found in zip(wanted, totals, strict=True):
            if entry["file"] not in names:
                continue
            for status, crime, n in entry["counts"]:  # type: ignore[attr-defined]
                if status in statuses:
                    found[(month, crime, status)] = found.get((month, crime, status), 0) + int(n)
    return [
        sorted(found.items(), key=lambda kv: (kv[0][0], str(kv[0][1]), kv[0][2]))
        for found in totals
    ]


def _unread(
    store_dir: Path,
    files: Sequence[Path],
    read: dict[tuple[str, str], int],
    *,
    unlocated_files: Sequence[Path],
) -> tuple[
    tuple[tuple[str, str | None, int], ...],
    tuple[tuple[str, str | None, UnlocatedStatus, int], ...],
]:
    """
    Return the located rows of ``files`` not read and the unlocated rows of ``unlocated_files``.

    Located rows not read are the manifest's counts less ``read``; the rows without a place in
    Great Britain of ``unlocated_files`` (those not read) come from the manifest alone.
    """
    located, not_located = _status_totals(
        store_dir, [(files, {"located"}), (unlocated_files, {"no_location", "outside_gb"})]
    )
    unread = tuple(
        (month, crime, n_unread)
        for (month, crime, _), total in located
        if (n_unread := total - read.get((month, crime or ""), 0))
    )
    unlocated = tuple(
        (month, crime, cast("UnlocatedStatus", status), total)
        for (month, crime, status), total in not_located
    )
    return unread, unlocated


def _force_files(
    store_dir: Path, meeting: Sequence[Path], months: tuple[str, str] | None
) -> list[Path]:
    """
    Return every partition (of ``months``) of each force that has a partition in ``meeting``.

    A force-month whose points all lie away from the wards is not opened, yet its rows are rows
    of the force's files that :func:`spatial.io.read_crimes` would count: the load's months and
    counts come from all of them, so a small or rural ward keeps every month of the force.
    """
    forces = {f.parent.parent.name for f in meeting}
    return [f for f in store_files(store_dir, months=months) if f.parent.parent.name in forces]


def query_crimes(
    store_dir: Path,
    *,
    bounds_m: tuple[float, float, float, float],
    months: tuple[str, str] | None = None,
    read_bounds_m: tuple[float, float, float, float] | None = None,
    count_unlocated: bool = False,
    read_files: Iterable[Path] | None = None,
    columns: Sequence[str] | None = None,
) -> CrimeLoad:
    """
    Read the crimes of an area from a store, as :func:`spatial.io.read_crimes` would.

    Only the partitions whose located points meet ``bounds_m`` are opened (with a whole force's
    archive, the forces around the area), and of those only the located rows inside
    ``read_bounds_m`` (``bounds_m`` when None) are read; the other located rows of those
    partitions are counted from the manifest into :attr:`CrimeLoad.unread_located`. Every
    partition of those forces in ``months`` is accounted for, opened or not: the located rows of
    a force-month whose points all lie away from the area are counted into
    :attr:`CrimeLoad.unread_located` and its rows without a place into
    :attr:`CrimeLoad.unread_unlocated`, so the load's months and counts are those
    :func:`spatial.io.read_crimes` gives for the forces' files, however small the area.

    Parameters
    ----------
    store_dir
        The store.
    bounds_m
        ``(min_x, min_y, max_x, max_y)`` in BNG metres: the wards' extent.
    months
        First and last month ``YYYY-MM`` (inclusive); every month when None.
    read_bounds_m
        A smaller extent (some of the wards) whose located rows alone are read; the files
        opened, and so the rows accounted for, are still those of ``bounds_m``.
    count_unlocated
        Count the rows without a place in Great Britain from the manifest
        (:attr:`CrimeLoad.unread_unlocated`) instead of reading them: with the national archive
        the files around a ward hold hundreds of thousands of them, which questions about the
        ward's crimes (a summary, a profile) only count.
    read_files
        With ``count_unlocated``: the only files that hold located rows inside
        ``read_bounds_m`` (known from :func:`located_counts`), so the others are not opened;
        their rows are still accounted for. Every file of ``bounds_m`` when None.
    columns
        Only these of the reader's columns (:data:`~spatial.io.CRIME_COLUMNS`; ``month`` and
        ``crime_type`` always), for a question that needs no more (a summary counts by month
        and type): the others, Crime IDs above all, are not read, and outcomes are not joined.
        Every column, and the outcomes, when None.

    Returns
    -------
    CrimeLoad
        Points in EPSG:27700 with the reader's columns (``columns`` only when given), rows
        without a location and rows outside Great Britain of the same files.

    Raises
    ------
    EmptyInputError
        When the store holds no crimes for the area and months.
    ParameterError
        When ``columns`` names a column the reader does not have.
    """
    import geopandas as gpd  # noqa: PLC0415 - heavy

    crime_columns = _crime_columns(columns)

    files = store_files(store_dir, months=months, bounds_m=bounds_m)
    if not files:
        raise _nothing_around(store_dir, months)
    forces = {f.parent.parent.name for f in files}
    outcome_files = (
        [f for f in store_files(store_dir, table="outcomes") if f.parent.parent.name in forces]
        if columns is None
        else []
    )
    box = "s.x_m BETWEEN $p0 AND $p2 AND s.y_m BETWEEN $p1 AND $p3"
    opened = files
    if read_files is not None and count_unlocated:
        wanted = {str(f) for f in read_files}  # as located_counts names them
        opened = [f for f in files if str(f) in wanted] or files[:1]  # one gives the columns
    rows = _duck_rows(
        opened,
        outcome_files,
        f"s.status = 'located' AND {box}"
        if count_unlocated
        else f"s.status <> 'located' OR ({box})",
        [float(b) for b in (read_bounds_m or bounds_m)],
        crime_columns=crime_columns,
    )
    located = (rows["status"] == "located").to_numpy()
    every_row_located = bool(located.all())  # so when the unlocated rows are counted, not read
    read = _read_counts(rows, None if every_row_located else located)
    codes, uniques = pd.factorize(rows["month"])  # a few distinct months: parse each once
    rows["month"] = pd.PeriodIndex(list(uniques), freq="M").take(codes)
    if "source_row" in crime_columns:
        rows["source_row"] = rows["source_row"].astype("int64")
    columns = list(crime_columns) + (["outcome", "outcome_month"] if outcome_files else [])
    found = rows if every_row_located else rows.loc[located, [*columns, "x_m", "y_m"]]
    return _crime_load(
        store_dir,
        files,
        months,
        points=gpd.GeoDataFrame(
            found[columns].reset_index(drop=True),
            geometry=gpd.points_from_xy(found["x_m"], found["y_m"]),
            crs=BNG,
        ),
        read=read,
        without_location=_with_status(rows, "no_location", columns=columns, none=every_row_located),
        outside_gb=_with_status(
            rows, "outside_gb", columns=[*columns, "longitude", "latitude"], none=every_row_located
        ),
        count_unlocated=count_unlocated,
    )


def _crime_load(
    store_dir: Path,
    files: Sequence[Path],
    months: tuple[str, str] | None,
    *,
    points: gpd.GeoDataFrame,
    read: dict[tuple[str, str], int],
    without_location: pd.DataFrame,
    outside_gb: pd.DataFrame,
    count_unlocated: bool,
) -> CrimeLoad:
    """
    Return the load of the rows read from ``files``, every other row of their forces counted.

    ``read`` counts the located rows read by (month, crime type); the located rows of the
    forces' partitions not read, their rows without a place (unless read: ``count_unlocated``
    False) and the rows ingest set aside come from the manifest.
    """
    counted = _force_files(store_dir, files, months)
    opened_names = {str(f) for f in files}  # all their unlocated rows are read unless counted
    not_read = [f for f in counted if count_unlocated or str(f) not in opened_names]
    unread, unlocated = _unread(store_dir, counted, read, unlocated_files=not_read)
    duplicates, set_aside, notes = _manifest_counts(store_dir, counted)
    return CrimeLoad(
        points=points,
        without_location=without_location,
        outside_gb=outside_gb,
        files=tuple(_relative_names(store_dir, counted)),
        notes=tuple(notes),
        unread_located=unread,
        unread_unlocated=unlocated,
        counted_duplicates=duplicates,
        counted_set_aside=set_aside,
    )


def located_rows(
    store_dir: Path,
    *,
    bounds_m: tuple[float, float, float, float],
    read_bounds_m: tuple[float, float, float, float],
    columns: Sequence[str],
) -> CrimeLoad | None:
    """
    Return what :func:`query_crimes` reads with ``count_unlocated``, from the point counts.

    Each point count inside ``read_bounds_m`` (by snap point, month, crime type and location)
    is repeated once per crime it counts: the crimes :func:`query_crimes` would read (edges
    included), by the same columns, month by month, from one file per force instead of one per
    force-month. Every other row of the forces is counted as :func:`query_crimes` counts it.

    Parameters
    ----------
    store_dir
        The store.
    bounds_m, read_bounds_m
        As for :func:`query_crimes`.
    columns
        The crimes' columns wanted, of :data:`COUNTED_COLUMNS` (``month`` and ``crime_type``
        always).

    Returns
    -------
    CrimeLoad or None
        Points in EPSG:27700, no row without a place read (they are counted); None when a
        force has no point counts of its current street files in today's layout (a store made
        before them, until its next ingest): :func:`query_crimes` then reads the rows.

    Raises
    ------
    EmptyInputError
        When the store holds no crimes for the area.
    ParameterError
        When ``columns`` names a column the counts do not keep.
    """
    import geopandas as gpd  # noqa: PLC0415 - heavy
    import shapely  # noqa: PLC0415
    from geopandas.array import from_shapely  # noqa: PLC0415

    crime_columns = list(_crime_columns(columns))
    if not set(crime_columns) <= set(COUNTED_COLUMNS):
        kept = ", ".join(COUNTED_COLUMNS)
        msg = f"The point counts keep only {kept}: read other columns with query_crimes."
        raise ParameterError(msg)
    files = store_files(store_dir, bounds_m=bounds_m)
    if not files:
        raise _nothing_around(store_dir, None)
    count_files = _fresh_point_counts(store_dir, files)
    if count_files is None:
        return None
    counts = _sql_frame(
        "SELECT x_m, y_m, month, crime_type, location, n FROM read_parquet($files) "
        "WHERE x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1",
        _extent_params(count_files, read_bounds_m),
    )  # in the files' order (DuckDB keeps it): by force, then place, month, type, location
    month_at, month_names = pd.factorize(counts["month"], sort=True)
    by_month = np.argsort(month_at, kind="stable")  # month by month, as street files are read
    n = counts["n"].to_numpy("int64")
    rows = np.repeat(by_month, n[by_month])
    crime_at, crime_index = pd.factorize(counts["crime_type"].fillna(""))
    months, crimes = [str(m) for m in month_names], [str(c) for c in crime_index]
    read_n = np.bincount(month_at * len(crimes) + crime_at, weights=n).astype(np.int64).tolist()
    read = {  # the located rows read by (month, crime type), as _read_counts counts rows
        (months[i // len(crimes)], crimes[i % len(crimes)]): k for i, k in enumerate(read_n) if k
    }
    values: dict[str, object] = {
        "month": pd.PeriodIndex(months, freq="M").take(month_at[rows]),
        **{c: counts[c].take(rows).reset_index(drop=True) for c in crime_columns if c != "month"},
    }
    # one point a snap point, shared by its crimes (shapely's points are immutable): far fewer
    # points made than crimes
    place_at, places = pd.factorize(counts["x_m"].to_numpy() + 1j * counts["y_m"].to_numpy())
    place_points = np.asarray(shapely.points(places.real, places.imag), dtype=object)
    points = gpd.GeoDataFrame(
        pd.DataFrame(values)[crime_columns],
        geometry=from_shapely(place_points[place_at[rows]], crs=BNG),
        crs=BNG,
    )
    unlocated = points.iloc[:0][crime_columns].reset_index(drop=True)
    return _crime_load(
        store_dir,
        files,
        None,
        points=points,
        read=read,
        without_location=pd.DataFrame(unlocated),
        outside_gb=unlocated.assign(
            longitude=pd.Series(dtype="float64"), latitude=pd.Series(dtype="float64")
        ),
        count_unlocated=True,
    )


def _manifest_counts(
    store_dir: Path, counted: Sequence[Path]
) -> tuple[
    tuple[tuple[str, str | None, int], ...], tuple[tuple[str, str | None, int], ...], list[str]
]:
    """
    Return the rows ingest counted and did not store, for the partitions a query counts.

    Rows repeating a Crime ID and rows set aside, each as ``(month, crime type, n)``, and the
    notes a query gives about them, as :func:`spatial.io.read_crimes` would.
    """
    duplicates, unknown = _duplicate_totals(store_dir, counted)
    set_aside, noted = _set_aside_totals(store_dir, counted)
    outside = [n for n in noted if _OUTSIDE_GB_NOTE in n]  # read_crimes gives these last
    notes = [n for n in noted if n not in outside]
    n_duplicates = sum(n for _, _, n in duplicates)
    if n_duplicates:
        notes.append(duplicate_ids_note(n_duplicates))
    if unknown:
        notes.append(_UNKNOWN_DUPLICATES_NOTE)
    return duplicates, set_aside, [*notes, *outside]


_OUTSIDE_GB_NOTE: Final = " rows lie outside Great Britain (first: row "
"""What the note on a file's rows outside Great Britain says (:func:`spatial.io.outside_gb_note`):
:func:`spatial.io.read_crimes` gives it once the rows are read, after every other note."""


_UNKNOWN_DUPLICATES_NOTE: Final = (
    "This store was written before patchmap kept the count of rows repeating a Crime ID: it "
    "does not know how many rows repeated a Crime ID, so the duplicates removed count none "
    "(and the rows read leave them out). To count them as --crimes does (app: Folder on this "
    "computer), ingest the files again into a new folder."
)


def _duplicate_totals(
    store_dir: Path, files: Iterable[Path]
) -> tuple[tuple[tuple[str, str | None, int], ...], bool]:
    """
    Rows repeating a Crime ID that ingest counted in the given partitions, from the manifest.

    Returns ``(month, crime type, n)`` sorted as :func:`_status_totals` sorts, and whether a
    file of those partitions was ingested before the counts were kept (its count is unknown).
    """
    wanted = set(_relative_names(store_dir, files))
    totals: dict[tuple[str, str | None], int] = {}
    unknown = False
    for entry in _partitions(_query_manifest(store_dir), "street").values():
        if entry["file"] not in wanted:
            continue
        for record in cast("list[dict[str, object]]", entry.get("sources", [{}])):
            listed = cast("list[list[object]] | None", record.get("duplicates"))
            if listed is None:
                unknown = True
                continue
            for month, crime, n in listed:
                key = (str(month), None if crime is None else str(crime))
                totals[key] = totals.get(key, 0) + int(cast("int", n))
    ordered = sorted(totals.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    return tuple((month, crime, n) for (month, crime), n in ordered), unknown


def _set_aside_totals(
    store_dir: Path, files: Iterable[Path]
) -> tuple[tuple[tuple[str, str | None, int], ...], list[str]]:
    """
    Street rows ingest set aside in the given partitions, and its notes on them.

    Returns ``(month, crime type, n)`` sorted as :func:`_duplicate_totals` sorts, and the notes
    each once, in the order :func:`spatial.io.read_crimes` gives them for files read in the
    order of their partitions (a folder of monthly files): the notes it gives as it reads each
    file (read once as a copy, named for a month its rows are not of, crime types) first, then
    those on republished months (it gives them once every file is read), each kind in
    partition order.
    """
    wanted = set(_relative_names(store_dir, files))
    totals: dict[tuple[str, str | None], int] = {}
    notes: list[str] = []
    for _, entry in sorted(_partitions(_query_manifest(store_dir), "street").items()):
        if entry["file"] not in wanted:
            continue
        for month, crime, n in cast("list[list[object]]", entry.get("set_aside", [])):
            key = (str(month), None if crime is None else str(crime))
            totals[key] = totals.get(key, 0) + int(cast("int", n))
        notes.extend(n for n in cast("list[str]", entry.get("notes", [])) if n not in notes)
    ordered = sorted(totals.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    as_read = [n for n in notes if any(m in n for m in _AS_READ_NOTES)]
    return tuple((month, crime, n) for (month, crime), n in ordered), [
        *as_read,
        *(n for n in notes if n not in as_read),
    ]


_AS_READ_NOTES: Final = (
    " is identical to ",
    " was given twice; read once",
    " (every cell empty) skipped.",
    ": named for ",
    " written in another case or spacing ",
    " a crime type data.police.uk does not publish ",
)
"""What the notes :func:`spatial.io.read_crimes` gives as it reads each file say, so a query
gives them before those on republished months (see :func:`_set_aside_totals`): on a file read
once as a copy of another (:func:`spatial.validate.copy_note`), on its blank rows, on one
named for a month its rows are not of (:func:`spatial.io.named_month_note`), on crime types read
as data.police.uk's and on others (:func:`spatial.crime_types.check_crime_types`)."""


def _nothing_around(store_dir: Path, months: tuple[str, str] | None) -> EmptyInputError:
    """Return the error for wards (and months) that no partition of the store meets."""
    info = store_info(store_dir)  # only for the message: it walks the whole manifest
    span = f" in {months[0]} to {months[1]}" if months else ""
    msg = (
        f"{store_dir}: the store holds no crimes around these wards{span} "
        f"(it has {', '.join(force_name(f) for f in info.forces)}, {info.months[0]} to "
        f"{info.months[-1]}). "
        "Check the wards file and the months, or ingest the force's files."
    )
    return EmptyInputError(msg)


def _read_counts(
    rows: pd.DataFrame, located: npt.NDArray[np.bool_] | None
) -> dict[tuple[str, str], int]:
    """Count the located rows read by (month, crime type); every row when ``located`` is None."""
    month_crime = pd.DataFrame({"month": rows["month"], "crime": rows["crime_type"].fillna("")})
    read_counts = (month_crime if located is None else month_crime.loc[located]).value_counts()
    return {
        (str(m), str(c)): int(n)
        for (m, c), n in cast("Iterable[tuple[tuple[str, str], int]]", read_counts.items())
    }


def _crime_columns(columns: Sequence[str] | None) -> tuple[str, ...]:
    """Return the reader's columns to read: all, or those asked for with month and type."""
    if columns is None:
        return tuple(CRIME_COLUMNS)
    unknown = sorted(set(columns) - set(CRIME_COLUMNS))
    if unknown:
        msg = f"Unknown crime columns {', '.join(unknown)}: choose from {', '.join(CRIME_COLUMNS)}."
        raise ParameterError(msg)
    wanted = {*columns, "month", "crime_type"}
    return tuple(c for c in CRIME_COLUMNS if c in wanted)


def _with_status(
    rows: pd.DataFrame, status: str, *, columns: list[str], none: bool
) -> pd.DataFrame:
    """Return ``columns`` of the rows with ``status`` renumbered; with ``none``, no rows."""
    if none:  # slicing is far cheaper than masking every row out
        return rows.iloc[:0][columns].reset_index(drop=True)
    return rows.loc[rows["status"] == status, columns].reset_index(drop=True)


def located_points(
    store_dir: Path,
    *,
    months: tuple[str, str] | None = None,
    bounds_m: tuple[float, float, float, float] | None = None,
) -> pd.DataFrame:
    """
    Read every located row's month, crime type and BNG coordinates from a store.

    The force-wide overview needs only these four columns, which DuckDB reads without the
    rest of each row.

    Parameters
    ----------
    store_dir
        The store.
    months
        First and last month ``YYYY-MM`` (inclusive); all when None.
    bounds_m
        ``(min_x, min_y, max_x, max_y)`` in BNG metres: only rows inside it are read (the
        partitions of other forces are not opened); every located row when None.

    Returns
    -------
    pandas.DataFrame
        ``month`` (``YYYY-MM``), ``crime_type``, ``x_m``, ``y_m``.

    Raises
    ------
    EmptyInputError
        When the store holds no crimes in those months and that area.
    """
    files = store_files(store_dir, months=months, bounds_m=bounds_m)
    if not files:
        where = " around these wards" if bounds_m is not None else ""
        msg = (
            f"{store_dir}: the store holds no crimes{where} in those months. "
            "Check the wards file, or run patchmap ingest on the force's files first."
        )
        raise EmptyInputError(msg)
    sql = "SELECT month, crime_type, x_m, y_m FROM read_parquet($files) WHERE status = 'located'"
    params: dict[str, object] = {"files": [str(f) for f in files]}
    if bounds_m is not None:
        sql += " AND x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1"
        params = _extent_params(files, bounds_m)
    return _sql_frame(sql, params)


def located_counts(
    store_dir: Path,
    *,
    bounds_m: tuple[float, float, float, float],
    months: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """
    Count the located rows inside an extent by coordinates, month and crime type.

    data.police.uk snaps crimes to a few thousand points per force, so these counts are far
    fewer rows than the crimes; ranking every ward needs nothing else (a profile has them summed
    by ward as DuckDB reads them: :func:`grouped_point_counts`). DuckDB reads four
    columns of the partitions :func:`query_crimes` would open for the same ``bounds_m`` and
    groups them as it reads.

    Parameters
    ----------
    store_dir
        The store.
    bounds_m
        ``(min_x, min_y, max_x, max_y)`` in BNG metres: the located rows inside it (edges
        included, as :func:`query_crimes` reads them) are counted.
    months
        First and last month ``YYYY-MM`` (inclusive); all when None.

    Returns
    -------
    pandas.DataFrame
        ``x_m``, ``y_m``, ``month`` (``YYYY-MM``), ``crime_type`` (None when blank), ``file``
        (the partition file's path, categorical) and ``n`` (int64), one row per distinct
        combination; empty when no partition meets the extent.
    """
    files = store_files(store_dir, months=months, bounds_m=bounds_m)
    if not files:
        return pd.DataFrame(
            {
                "x_m": pd.Series(dtype="float64"),
                "y_m": pd.Series(dtype="float64"),
                "month": pd.Series(dtype=object),
                "crime_type": pd.Series(dtype=object),
                "file": pd.Series(dtype="category"),
                "n": pd.Series(dtype="int64"),
            }
        )
    count_files = _fresh_point_counts(store_dir, files)
    if count_files is not None:
        counted = _counts_of_forces(store_dir, files, count_files, bounds_m=bounds_m, months=months)
        if counted is not None:
            return counted
    sql = (  # the file's position in the list is a cheaper key to group by than its name
        "SELECT x_m, y_m, month, crime_type, file_index, count(*)::BIGINT AS n "
        "FROM read_parquet($files) "
        "WHERE status = 'located' AND x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1 "
        "GROUP BY ALL"
    )
    names = [str(f) for f in files]
    counts = _sql_frame(sql, _extent_params(names, bounds_m))
    return _with_files(counts, counts.pop("file_index").to_numpy("int64"), names)


def _with_files(
    counts: pd.DataFrame, codes: npt.NDArray[np.int64], names: list[str]
) -> pd.DataFrame:
    """Put the partition file of each row (its position in ``names``) as the ``file`` column."""
    # a categorical over the few file names: no copy of a long path for each of the many rows
    counts.insert(
        4,
        "file",
        pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(names))),
    )
    return counts


def _counts_of_forces(
    store_dir: Path,
    files: Sequence[Path],
    count_files: Sequence[Path],
    *,
    bounds_m: tuple[float, float, float, float],
    months: tuple[str, str] | None,
) -> pd.DataFrame | None:
    """
    Return :func:`located_counts` from the forces' point counts files, which ingest made.

    Reads counts already grouped, only the row groups of the extent's eastings, from one file per
    force instead of four columns of every row from one file per force-month. None when a row's
    force-month is not among ``files`` (a store whose manifest disagrees with itself): the
    caller then counts the street files.
    """
    params = _extent_params(count_files, bounds_m)
    sql = (
        "SELECT x_m, y_m, month, crime_type, file_index, n FROM read_parquet($files) "
        "WHERE x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1"
    )
    if months is not None:
        sql += " AND month BETWEEN $m0 AND $m1"
        params.update(m0=months[0], m1=months[1])
    counts = _sql_frame(sql, params)
    force_at = counts.pop("file_index").to_numpy("int64")
    month_at, month_names = pd.factorize(counts["month"])
    names = [str(f) for f in files]
    position = {name: i for i, name in enumerate(names)}
    street = _partitions(_query_manifest(store_dir), "street")
    forces = [f.parent.name for f in count_files]
    table = np.full((len(forces), len(month_names)), -1, dtype=np.int64)
    for i, force in enumerate(forces):
        for j, month in enumerate(month_names):
            entry = street.get(f"{force}/{month}")
            if entry is not None:
                table[i, j] = position.get(str(store_dir / str(entry["file"])), -1)
    codes = table[force_at, month_at]
    if (codes < 0).any():
        return None
    counts["n"] = counts["n"].astype("int64")
    return _with_files(counts, codes, names)


def grouped_point_counts(
    store_dir: Path,
    *,
    bounds_m: tuple[float, float, float, float],
    group_of: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.int64]],
) -> pd.DataFrame | None:
    """
    Sum the located crimes inside an extent by a group of their snap point, month and type.

    A question about areas (every ward's crimes by month and type, for a profile's rank) needs
    only which area holds each snap point. DuckDB reads the distinct snap points inside
    ``bounds_m`` from the forces' point counts (a few thousand), ``group_of`` gives each its
    group, and DuckDB sums the counts by group, month and crime type as it reads them: the
    sums of :func:`located_counts` by group, without handing every count by place to pandas.

    Parameters
    ----------
    store_dir
        The store.
    bounds_m
        As for :func:`located_counts`.
    group_of
        Given the snap points' eastings and northings (BNG metres), each one's group (0, 1,
        ...) or -1 for none: the crimes there are not counted.

    Returns
    -------
    pandas.DataFrame or None
        ``group`` (int64), ``month`` (``YYYY-MM``), ``crime_type`` (None when blank) and ``n``
        (int64), one row per group, month and crime type with crimes, in that order (a blank
        type last); None when no partition meets the extent or a force's point counts are not
        current (:func:`located_counts` then counts the street files).
    """
    files = store_files(store_dir, bounds_m=bounds_m)
    count_files = _fresh_point_counts(store_dir, files)
    if count_files is None:
        return None
    params = _extent_params(count_files, bounds_m)
    places = _sql_table(
        "SELECT DISTINCT x_m, y_m FROM read_parquet($files) "
        "WHERE x_m BETWEEN $x0 AND $x1 AND y_m BETWEEN $y0 AND $y1",
        params,
    )
    x, y = (places.column(c).to_numpy().astype(np.float64) for c in ("x_m", "y_m"))
    group = np.asarray(group_of(x, y), dtype=np.int64)
    kept = group >= 0
    sums: pd.DataFrame = _sql_table(
        'SELECT p.grp AS "group", c.month, c.crime_type, sum(c.n)::BIGINT AS n '
        "FROM read_parquet($files) c JOIN patchmap_places p ON c.x_m = p.x_m AND c.y_m = p.y_m "
        "WHERE c.x_m BETWEEN $x0 AND $x1 AND c.y_m BETWEEN $y0 AND $y1 "
        "GROUP BY ALL ORDER BY ALL",
        params,
        tables={"patchmap_places": pa.table({"x_m": x[kept], "y_m": y[kept], "grp": group[kept]})},
    ).to_pandas()
    return sums
