"""
Readers for the files users bring: data.police.uk crimes, boundaries, population, neighbourhoods.

These are the only functions that reproject input: every reader returns British National Grid
(EPSG:27700) and checks that the data lie in Great Britain. Nothing is dropped silently: rows
without coordinates, rows outside Great Britain and duplicate crimes are counted and kept aside.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import Transformer

from spatial.crs import BNG, BNG_EPSG, WGS84
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    OutsideGreatBritainError,
)
from spatial.validate import (
    decode_text,
    in_gb_lonlat,
    in_gb_metres,
    repair_geometries,
    require_columns,
    tiling_notes,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "CRIME_COLUMNS",
    "POLICE_UK_COLUMNS",
    "CrimeLoad",
    "CrimeSource",
    "WardLoad",
    "read_crimes",
    "read_lsoas",
    "read_neighbourhoods",
    "read_population",
    "read_wards",
    "source_name",
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
_MONTH_RE: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TO_BNG: Final = Transformer.from_crs(WGS84, BNG, always_xy=True)


@dataclass(frozen=True)
class CrimeLoad:
    """
    What :func:`read_crimes` found, every row accounted for.

    ``n_rows == n_without_location + n_outside_gb + len(points)``; duplicates removed are not in
    ``n_rows``.
    """

    points: gpd.GeoDataFrame
    """Located rows inside Great Britain, EPSG:27700, columns :data:`CRIME_COLUMNS` + geometry."""
    without_location: pd.DataFrame
    """Rows with no coordinates (police.uk could not place them), same columns, no geometry."""
    outside_gb: pd.DataFrame
    """Rows whose coordinates lie outside Great Britain, with ``longitude`` and ``latitude``."""
    n_duplicates_removed: int
    """Rows dropped because their Crime ID already appeared in an earlier row or file."""
    files: tuple[str, ...]
    """The CSV files read, in order."""
    notes: tuple[str, ...] = field(default=())
    """Plain-English remarks on the load (duplicate files, empty files)."""
    unread_located: tuple[tuple[str, str | None, int], ...] = field(default=())
    """``(month, crime_type, n)`` of located rows a store query counted but did not read
    (outside the wards' extent; see :func:`spatial.store.query_crimes`). Empty for CSV loads."""

    @property
    def n_rows(self) -> int:
        """Rows read, after removing duplicates."""
        n_unread = sum(n for _, _, n in self.unread_located)
        return len(self.points) + self.n_without_location + self.n_outside_gb + n_unread

    @property
    def n_without_location(self) -> int:
        """Rows with no coordinates."""
        return len(self.without_location)

    @property
    def n_outside_gb(self) -> int:
        """Rows whose coordinates lie outside Great Britain."""
        return len(self.outside_gb)

    @property
    def months(self) -> tuple[str, ...]:
        """Every month present in any row, ``YYYY-MM``, sorted."""
        months: set[str] = {m for m, _, _ in self.unread_located}
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


def _iter_csv_blobs(source: CrimeSource) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` for every street-level CSV a source holds."""
    if isinstance(source, tuple):
        name, data = source
        if name.lower().endswith(".zip"):
            yield from _zip_members(name, data)
        else:
            yield name, data
        return
    path = Path(source)
    if not path.exists():
        msg = f"{path}: no such file or folder. Check the path."
        raise InputDataError(msg)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.csv") if p.is_file())
        street = [p for p in found if p.name.endswith("-street.csv")]
        chosen = street or found
        if not chosen:
            msg = f"{path}: the folder holds no CSV files. {_CSV_HINT}"
            raise EmptyInputError(msg)
        for p in chosen:
            yield str(p.relative_to(path.parent)), p.read_bytes()
    elif path.suffix.lower() == ".zip":
        yield from _zip_members(path.name, path.read_bytes())
    else:
        yield path.name, path.read_bytes()


def _zip_members(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        msg = f"{name}: not a valid .zip archive. Download it again from data.police.uk."
        raise InputDataError(msg) from err
    with archive:
        members = sorted(m for m in archive.namelist() if m.lower().endswith(".csv"))
        street = [m for m in members if m.endswith("-street.csv")]
        chosen = street or members
        if not chosen:
            msg = f"{name}: the archive holds no CSV files. {_CSV_HINT}"
            raise EmptyInputError(msg)
        for member in chosen:
            yield f"{name}/{member}", archive.read(member)


def _parse_csv(name: str, data: bytes) -> pd.DataFrame:
    text = decode_text(data, source=name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = f"{name}: could not be read as a CSV ({err}). {_CSV_HINT}"
        raise InputDataError(msg) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(frame.columns, _REQUIRED, source=name, hint=_CSV_HINT)
    for column in POLICE_UK_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    frame = frame.loc[:, list(POLICE_UK_COLUMNS)].rename(columns=_RENAME)
    frame["source_file"] = name
    frame["source_row"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame


def _coerce(frame: pd.DataFrame) -> pd.DataFrame:
    """Parse months and coordinates, raising on values that are present but malformed."""
    months = frame["month"].fillna("").str.strip()
    bad_month = ~months.str.match(_MONTH_RE)
    if bad_month.any():
        first = frame.loc[bad_month].iloc[0]
        msg = (
            f"{first['source_file']}: {int(bad_month.sum())} rows have a Month that is not YYYY-MM "
            f"(first: row {first['source_row']}, Month {first['month']!r}). "
            "data.police.uk months look like 2024-09."
        )
        raise InputDataError(msg)
    out = frame.copy()
    codes, uniques = pd.factorize(months)  # a few distinct months: parse each once
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


def read_crimes(sources: Sequence[CrimeSource]) -> CrimeLoad:
    """
    Read data.police.uk street-level crime CSVs into points in British National Grid.

    Parameters
    ----------
    sources
        CSV files, folders of monthly folders (searched for ``*-street.csv``), ``.zip`` archives
        as data.police.uk delivers them, or uploaded ``(name, bytes)`` pairs.

    Returns
    -------
    CrimeLoad
        Located points in EPSG:27700 plus every row that could not be placed, counted.

    Raises
    ------
    EmptyInputError
        When no source is given or the files hold no rows.
    MissingColumnError
        When a file lacks Month, Longitude, Latitude or Crime type.
    OutsideGreatBritainError
        When no located row lies in Great Britain (swapped or projected coordinates).
    InputDataError
        When a file is not a UTF-8 CSV, a month is malformed or a coordinate is not a number.
    """
    if not sources:
        msg = "No crime files were given. Choose data.police.uk CSV files, a folder or a .zip."
        raise EmptyInputError(msg)
    frames: list[pd.DataFrame] = []
    files: list[str] = []
    notes: list[str] = []
    seen_digests: dict[str, str] = {}
    for source in sources:
        for name, data in _iter_csv_blobs(source):
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen_digests:
                notes.append(f"{name} is identical to {seen_digests[digest]}; read once.")
                continue
            seen_digests[digest] = name
            files.append(name)
            frame = _parse_csv(name, data)
            if frame.empty:
                notes.append(f"{name} holds a header but no rows.")
            frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if table.empty:
        msg = f"{', '.join(files)}: no rows. {_CSV_HINT}"
        raise EmptyInputError(msg)
    table = _coerce(table)

    has_id = table["crime_id"].notna()
    duplicated = has_id & table["crime_id"].duplicated(keep="first")
    n_duplicates = int(duplicated.sum())
    if n_duplicates:
        notes.append(
            f"{n_duplicates} rows repeat a Crime ID already read (overlapping files); kept once."
        )
        table = table.loc[~duplicated].reset_index(drop=True)

    lon = table["longitude"].to_numpy(dtype=np.float64)
    lat = table["latitude"].to_numpy(dtype=np.float64)
    located = np.isfinite(lon) & np.isfinite(lat)
    in_box = in_gb_lonlat(lon, lat)
    x, y = _TO_BNG.transform(np.where(in_box, lon, np.nan), np.where(in_box, lat, np.nan))
    inside = in_box & in_gb_metres(np.asarray(x), np.asarray(y))
    outside = located & ~inside
    if located.any() and not inside.any():
        raise OutsideGreatBritainError(_outside_message(table, outside, lon, lat))

    columns = list(CRIME_COLUMNS)
    without_location = table.loc[~located, columns].reset_index(drop=True)
    outside_gb = table.loc[outside, [*columns, "longitude", "latitude"]].reset_index(drop=True)
    if outside.any():
        notes.append(_outside_message(table, outside, lon, lat))
    points = gpd.GeoDataFrame(
        table.loc[inside, columns].reset_index(drop=True),
        geometry=gpd.points_from_xy(np.asarray(x)[inside], np.asarray(y)[inside]),
        crs=BNG,
    )
    return CrimeLoad(
        points=points,
        without_location=without_location,
        outside_gb=outside_gb,
        n_duplicates_removed=n_duplicates,
        files=tuple(files),
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
    if swapped.mean() > 0.5:  # noqa: PLR2004 - most rows fit GB once swapped
        hint = "Longitude and Latitude look swapped: swap the two columns."
    elif np.nanmax(np.abs(np.concatenate([lon[outside], lat[outside]]))) > 180:  # noqa: PLR2004
        hint = "The values look like metres, not degrees: police.uk files use WGS84 degrees."
    else:
        hint = "Check that Longitude and Latitude are not swapped and are WGS84 degrees."
    return (
        f"{row['source_file']}: {int(outside.sum())} rows lie outside Great Britain "
        f"(first: row {row['source_row']}, Longitude {lon[first]}, Latitude {lat[first]}). {hint}"
    )


_WARD_NAME_RE: Final = re.compile(r"^(WD|WARD)\d{2}NM$", re.IGNORECASE)
_WARD_CODE_RE: Final = re.compile(r"^(WD|WARD)\d{2}CD$", re.IGNORECASE)
_NAME_FALLBACKS: Final = ("ward_name", "ward", "wardname", "name", "nm")
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


def _read_vector(source: str | Path | tuple[str, bytes], *, what: str) -> gpd.GeoDataFrame:
    name = source_name(source)
    try:
        if isinstance(source, tuple):
            frame = gpd.read_file(io.BytesIO(source[1]))
        else:
            path = Path(source)
            if not path.exists():
                msg = f"{path}: no such file. Check the path to the {what}."
                raise InputDataError(msg)
            frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        msg = (
            f"{name}: could not be read as {what} ({err}). "
            "Use GeoJSON, GeoPackage or a zipped Shapefile."
        )
        raise InputDataError(msg) from err
    if len(frame) == 0:
        msg = f"{name}: the file holds no features. Choose the file with the {what}."
        raise EmptyInputError(msg)
    if frame.crs is None:
        msg = (
            f"{name}: the {what} have no CRS. Save them with their coordinate reference system "
            "(for example EPSG:27700 or EPSG:4326) from your GIS."
        )
        raise CRSError(msg)
    return frame


def _to_bng_checked(frame: gpd.GeoDataFrame, *, name: str, what: str) -> gpd.GeoDataFrame:
    crs = frame.crs
    if crs is None:  # _read_vector refuses frames without a CRS
        msg = f"{name}: the {what} have no CRS."
        raise CRSError(msg)
    found = crs.to_string()
    if crs.is_geographic:
        minx, miny, maxx, maxy = frame.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:  # noqa: PLR2004
            msg = (
                f"{name}: the {what} claim {found} (degrees) but hold coordinates up to "
                f"{max(abs(maxx), abs(maxy)):,.0f}: they are probably metres (EPSG:27700). "
                "Fix the CRS in your GIS (Set CRS, not Reproject)."
            )
            raise CRSError(msg)
    out = frame if crs.to_epsg() == BNG_EPSG else frame.to_crs(BNG)
    minx, miny, maxx, maxy = out.total_bounds
    corners = in_gb_metres(np.array([minx, maxx]), np.array([miny, maxy]))
    if not corners.all():
        msg = (
            f"{name}: the {what} lie outside Great Britain once read as {found} "
            f"(bounds {minx:,.0f}, {miny:,.0f}, {maxx:,.0f}, {maxy:,.0f} in EPSG:27700). "
            "Check the file's CRS."
        )
        raise OutsideGreatBritainError(msg)
    return out


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
        Wards in EPSG:27700 with ``ward_code`` and ``ward_name``, with notes on repairs,
        overlaps and gaps.

    Raises
    ------
    MissingColumnError
        When no ward name column is found or a named field is absent.
    CRSError
        When the file has no CRS or a CRS that contradicts its coordinates.
    OutsideGreatBritainError
        When the wards do not lie in Great Britain.
    InputDataError
        When the file cannot be read or ward names repeat.
    """
    name = source_name(source)
    frame = _read_vector(source, what="ward boundaries")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    for given in (name_field, code_field):
        if given is not None and given not in columns:
            msg = f"{name}: no column {given!r}; found {', '.join(columns)}."
            raise MissingColumnError(msg)
    chosen_name = name_field or _find_field(columns, _WARD_NAME_RE, _NAME_FALLBACKS)
    if chosen_name is None:
        msg = (
            f"{name}: could not tell which column holds the ward names (found "
            f"{', '.join(columns) or 'no columns'}). Name it with --ward-field "
            "(app: Ward name field)."
        )
        raise MissingColumnError(msg)
    chosen_code = code_field or _find_field(columns, _WARD_CODE_RE, _CODE_FALLBACKS)
    frame = _to_bng_checked(frame, name=name, what="ward boundaries")
    names = frame[chosen_name].astype("str").str.strip()
    repeated = names[names.duplicated()].unique()
    if len(repeated):
        msg = (
            f"{name}: ward names repeat ({', '.join(repeated[:5])}) in column {chosen_name!r}. "
            "Use a file with one feature per ward, or name a unique column with --ward-field."
        )
        raise InputDataError(msg)
    codes = frame[chosen_code].astype("str") if chosen_code else names
    wards = gpd.GeoDataFrame(
        {"ward_code": codes.to_numpy(), "ward_name": names.to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs=BNG,
    )
    wards, repairs = repair_geometries(wards, label_column="ward_name", source=name)
    notes = repairs + tiling_notes(wards, label_column="ward_name", source=name)
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
        When a ward is given two neighbourhoods.
    """
    name = source_name(source)
    data = source[1] if isinstance(source, tuple) else Path(source).read_bytes()
    text = decode_text(data, source=name)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    require_columns(
        frame.columns,
        ["ward", "neighbourhood"],
        source=name,
        hint="The file needs two columns: ward,neighbourhood.",
    )
    out = pd.DataFrame(
        {"ward": frame["ward"].str.strip(), "neighbourhood": frame["neighbourhood"].str.strip()}
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
    InputDataError
        When a population is not a whole number.
    """
    name = source_name(source)
    data = source[1] if isinstance(source, tuple) else Path(source).read_bytes()
    frame = pd.read_csv(io.StringIO(decode_text(data, source=name)), dtype=str)
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
        msg = f"{name}: {total} is not a number in row {first + 2} ({frame[total].iloc[first]!r})."
        raise InputDataError(msg)
    return pd.DataFrame(
        {
            "lsoa_code": frame[code].str.strip(),
            "lsoa_name": frame[label].str.strip() if label else "",
            "population": values.astype("int64"),
        }
    )


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
        EPSG:27700 with ``lsoa_code``, ``lsoa_name``, ``geometry``.

    Raises
    ------
    MissingColumnError
        When no LSOA code field is found.
    CRSError
        When the file has no CRS.
    """
    name = source_name(source)
    frame = _read_vector(source, what="LSOA boundaries")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code = next((c for c in sorted(columns, reverse=True) if _LSOA_CODE_RE.search(c)), None)
    label = next((c for c in sorted(columns, reverse=True) if _LSOA_NAME_RE.search(c)), None)
    if code is None:
        msg = f"{name}: no LSOA code column (LSOA21CD or similar); found {', '.join(columns)}."
        raise MissingColumnError(msg)
    frame = _to_bng_checked(frame, name=name, what="LSOA boundaries")
    out = gpd.GeoDataFrame(
        {
            "lsoa_code": frame[code].astype("str").to_numpy(),
            "lsoa_name": frame[label].astype("str").to_numpy() if label else "",
        },
        geometry=frame.geometry.to_numpy(),
        crs=BNG,
    )
    out, _ = repair_geometries(out, label_column="lsoa_code", source=name)
    return out
