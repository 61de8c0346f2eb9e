"""
A GeoParquet cache of parsed crime and ward files, so the app and the CLI reload them instantly.

The cache key is built from the sources as given, in order, and the names, sizes and modification
times of every file under them (or, for uploads, their names and bytes), so a changed file is read
again, and the same files given another way (which changes the names in notes and the folder
dates that pick a republished month's version) are read afresh. Cached loads are identical to
fresh ones, and errors are never cached: a file refused once is read (and refused) again. The
cache only ever saves time: a damaged entry is read afresh, and a folder that cannot be written
(read only, full) leaves every answer as it is, with a warning that the files will be read again
next time.

A cached ward file reloads without GDAL, which spares every ward command the import of pyogrio,
the reprojection and the overlap and gap checks. Its wards are kept as an Arrow table with
GeoArrow WKB geometry (:meth:`geopandas.GeoDataFrame.to_arrow`) in a Parquet file that pyarrow
reads whole (:meth:`geopandas.GeoDataFrame.from_arrow`): GeoParquet's reader goes through
pyarrow's dataset layer, whose import and set-up cost a ward command 10-20 ms for one small file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spatial.errors import PatchmapWarning
from spatial.io import CrimeLoad, CrimeSource, WardLoad, read_crimes, read_wards

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "CACHE_FORMAT_VERSION",
    "crime_cache_key",
    "read_crimes_cached",
    "read_wards_cached",
    "ward_cache_key",
]

CACHE_FORMAT_VERSION: Final = 9
"""Bumped when the cached layout or the reader's output changes (5: ward names in Unicode NFC;
6: crime types in another case or spacing read as data.police.uk's, with notes; 7: rows of
commas skipped with a note, repaired ward geometries noted with where they were invalid; 8: a
cut-off copy of another publication of a month refused, a file with a folder date kept over
one without; 9: wards kept as GeoArrow, not GeoParquet)."""

_T = TypeVar("_T")


def _describe(order: int, source: CrimeSource) -> list[str]:
    """
    Describe a source by everything :func:`spatial.io.read_crimes` takes from it.

    That is the path as given (files are named, and dated by their folder names, from it), its
    place among the sources, and every file under it with its size and modification time
    (which files are read or skipped, their publication stamps and times, the notes).
    """
    if isinstance(source, tuple):
        return [f"{order}:upload:{source[0]}:{hashlib.sha256(source[1]).hexdigest()}"]
    given = Path(source).absolute()
    path = given.resolve()
    files = sorted(p for p in path.rglob("*") if not p.is_dir()) if path.is_dir() else [path]
    parts = [f"{order}:{given}:{path}"]
    for file in files:
        stat = file.stat() if file.exists() else None
        size, mtime_ns = (stat.st_size, stat.st_mtime_ns) if stat else (-1, -1)
        parts.append(f"{file.relative_to(path) if file != path else ''}:{size}:{mtime_ns}")
    return parts


def crime_cache_key(sources: Sequence[CrimeSource]) -> str:
    """
    Return the cache key of a set of crime sources.

    Parameters
    ----------
    sources
        Paths or uploaded ``(name, bytes)`` pairs, as for :func:`spatial.io.read_crimes`.

    Returns
    -------
    str
        A hex digest of everything the load depends on: the sources as given and in order
        (file names in notes, folder dates and the order decide which version of a month is
        kept), and every file under them with its size and modification time. The same files
        given another way (a parent folder instead of its subfolders) get another key.
    """
    digest = hashlib.sha256(f"v{CACHE_FORMAT_VERSION}".encode())
    for order, source in enumerate(sources):
        for part in _describe(order, source):
            digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:24]


def read_crimes_cached(sources: Sequence[CrimeSource], *, cache_dir: Path) -> CrimeLoad:
    """
    Read crime files through a GeoParquet cache.

    Parameters
    ----------
    sources
        As for :func:`spatial.io.read_crimes`.
    cache_dir
        Folder holding one sub-folder per cache key.

    Returns
    -------
    CrimeLoad
        Equal to ``read_crimes(sources)``.

    Raises
    ------
    PatchmapError
        The reader's errors (errors are never cached).
    """
    return _through_cache(
        cache_dir,
        f"crimes-{crime_cache_key(sources)}",
        read=lambda: read_crimes(sources),
        load=_load_crimes,
        write=_write_crimes,
    )


def _write_crimes(load: CrimeLoad, folder: Path) -> None:
    load.points.to_parquet(folder / "points.parquet")
    load.without_location.to_parquet(folder / "without_location.parquet")
    load.outside_gb.to_parquet(folder / "outside_gb.parquet")
    load.set_aside.to_parquet(folder / "set_aside.parquet")
    meta = {"files": list(load.files), "notes": list(load.notes)}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _load_crimes(folder: Path) -> CrimeLoad:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return CrimeLoad(
        points=gpd.read_parquet(folder / "points.parquet"),
        without_location=pd.read_parquet(folder / "without_location.parquet"),
        outside_gb=pd.read_parquet(folder / "outside_gb.parquet"),
        set_aside=pd.read_parquet(folder / "set_aside.parquet"),
        files=tuple(meta["files"]),
        notes=tuple(meta["notes"]),
    )


def ward_cache_key(
    source: str | Path | tuple[str, bytes],
    *,
    name_field: str | None = None,
    code_field: str | None = None,
) -> str | None:
    """
    Return the cache key of a ward boundary file read with the given fields.

    Parameters
    ----------
    source
        A path or an uploaded ``(name, bytes)`` pair, as for :func:`spatial.io.read_wards`.
    name_field, code_field
        As for :func:`spatial.io.read_wards`; part of the key.

    Returns
    -------
    str or None
        A hex digest that changes with the file's path, size or modification time (an upload's
        name and bytes), or None for a path that is not an ordinary file (a folder, or nothing):
        such a source is never cached.
    """
    if isinstance(source, tuple):
        described = f"upload:{source[0]}:{hashlib.sha256(source[1]).hexdigest()}"
    else:
        path = Path(source).resolve()
        if not path.is_file():
            return None
        stat = path.stat()
        described = f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
    fields = json.dumps([name_field, code_field])
    digest = hashlib.sha256(f"wards-v{CACHE_FORMAT_VERSION}:{fields}:{described}".encode())
    return digest.hexdigest()[:24]


def read_wards_cached(
    source: str | Path | tuple[str, bytes],
    *,
    cache_dir: Path,
    name_field: str | None = None,
    code_field: str | None = None,
) -> WardLoad:
    """
    Read ward boundaries through a cache (Parquet, GeoArrow geometry).

    Parameters
    ----------
    source, name_field, code_field
        As for :func:`spatial.io.read_wards`.
    cache_dir
        Folder holding one sub-folder per cache key.

    Returns
    -------
    WardLoad
        Equal to ``read_wards(source, name_field=name_field, code_field=code_field)``.

    Raises
    ------
    PatchmapError
        The reader's errors (errors are never cached).
    """
    key = ward_cache_key(source, name_field=name_field, code_field=code_field)
    if key is None:
        return read_wards(source, name_field=name_field, code_field=code_field)
    return _through_cache(
        cache_dir,
        f"wards-{key}",
        read=lambda: read_wards(source, name_field=name_field, code_field=code_field),
        load=_load_wards,
        write=_write_wards,
    )


def _load_wards(folder: Path) -> WardLoad:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return WardLoad(
        wards=gpd.GeoDataFrame.from_arrow(pq.ParquetFile(folder / "wards.parquet").read()),
        name_field=meta["name_field"],
        code_field=meta["code_field"],
        notes=tuple(meta["notes"]),
    )


def _write_wards(load: WardLoad, folder: Path) -> None:
    pq.write_table(pa.table(load.wards.to_arrow(geometry_encoding="WKB")), folder / "wards.parquet")
    meta = {"name_field": load.name_field, "code_field": load.code_field, "notes": load.notes}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _through_cache(
    cache_dir: Path,
    name: str,
    *,
    read: Callable[[], _T],
    load: Callable[[Path], _T],
    write: Callable[[_T, Path], None],
) -> _T:
    """
    Load entry ``name`` of the cache, or ``read()`` the source and ``write`` it there.

    An entry is written in a staging folder and renamed into place, so it appears whole or not at
    all. The cache only ever saves time: an entry that cannot be loaded (damaged on disk, edited
    by hand) is removed and the source read again, and a cache folder that cannot be written (read
    only, full, not a folder) leaves the answer as it is, with a :class:`PatchmapWarning` saying
    the files will be read again next time.
    """
    folder = cache_dir / name
    if (folder / "meta.json").exists():
        try:
            return load(folder)
        except (OSError, ValueError, KeyError):  # Arrow's and JSON's errors are among these
            shutil.rmtree(folder, ignore_errors=True)
    result = read()
    staging = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{name.split('-', 1)[0]}-", dir=cache_dir))
        write(result, staging)
        staging.rename(folder)
    except OSError as err:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "meta.json").exists():  # else another process wrote it meanwhile
            msg = (
                f"patchmap could not write its cache in {cache_dir} ({err.strerror or err}): "
                "the files will be read again next time. Set XDG_CACHE_HOME to a folder you "
                "can write to."
            )
            warnings.warn(msg, PatchmapWarning, stacklevel=3)
    return result
