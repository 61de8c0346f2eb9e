"""
The bad-input corpus of force extracts: CSV and .xlsx files with times, built from real data.

Nothing here is committed data: :func:`make_extract_kit` reads the Toronto MCI file
(``shared/data/toronto``) and writes the demo force extract (:func:`spatial.demo.demo_extract_csv`)
once, and each case's ``build`` writes its files into a fresh folder. Every case states what a
user must see: the load report's counts (every row in exactly one bucket) or a clear error whose
first line holds each fragment of ``message``, never a traceback. The cases run through
:func:`spatial.incidents.read_incidents` (``tests/corpus/test_extract_corpus.py``), through
``patchmap when --incidents`` and ``patchmap summary --incidents``
(``tests/cli/test_extract_corpus_cli.py``) and through the app's When page
(``tests/app/test_extract_corpus_app.py``).
"""

# ruff: noqa: ARG001, ARG005  # every builder takes (kit, folder); most need one of the two

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pyproj import Transformer

from spatial.crs import BNG, WGS84
from spatial.demo import (
    N_EXTRACT_BAD_WINDOWS,
    N_EXTRACT_DUPLICATES,
    N_EXTRACT_WITHOUT_TIME,
    N_WITHOUT_LOCATION_PER_MONTH,
    demo_extract_csv,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from spatial.incidents import Midnight

Patch = Literal["no_access", "read_error"]

N_DEMO_ROWS = 300
"""Rows of the demo extract a case starts from (clean: a time, a location, a valid window)."""
N_TORONTO_ROWS = 311
"""Rows of the Toronto file a case starts from (every 300th, 2019 to 2021)."""
DEMO_AT_MIDNIGHT = 9
"""Exact times of 00:00 among the demo rows (counted from the text by :func:`make_extract_kit`)."""
DEMO_WINDOWS = 17
"""Rows of the demo rows with a Committed To (windows)."""
TORONTO_AT_MIDNIGHT = 21
"""Toronto rows with occurrencehour 0."""
CAMBRIDGE_STREET = "2024-09-cambridgeshire-street.csv"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
_FMT = "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class ExtractInputs:
    """The files of one case, as paths or uploads ``(name, bytes)``."""

    files: tuple[Path | tuple[str, bytes], ...]


@dataclass(frozen=True)
class ExtractCase:
    """One extract a user might give, the options they give with it, and what they must see."""

    id: str
    group: Literal["dates", "coordinates", "duplicates", "files", "columns"]
    build: Callable[[ExtractKit, Path], ExtractInputs]
    message: tuple[str, ...] = ()
    """Fragments of the error's first line; empty when the extract loads."""
    counts: Mapping[str, object] = field(default_factory=dict)
    """Expected fields of the :class:`~spatial.incidents.IncidentReport` (``n_rows``, ...),
    plus ``n_windows_spread``/``n_windows_too_long`` of the hour-of-week table and ``note``
    (a fragment of one of the notes)."""
    columns: str | None = None
    """``--columns`` text (the app's Column names)."""
    crs: str | None = None
    midnight: Midnight = "as-recorded"
    on_disk: bool = False
    """The case needs real paths (folders, pipes, permissions): it cannot be an upload."""
    patch: Patch | None = None


@dataclass(frozen=True)
class ExtractKit:
    """The real files, read once: clean starting rows as text."""

    demo: bytes
    """The whole demo force extract (with its planted quirks)."""
    rows: pd.DataFrame
    """:data:`N_DEMO_ROWS` clean rows of the demo extract, as text."""
    toronto: pd.DataFrame
    """:data:`N_TORONTO_ROWS` rows of the Toronto file, as text."""
    street: bytes
    """A data.police.uk street-level file (Cambridgeshire, September 2024)."""


@functools.cache
def _demo_text() -> str:
    return demo_extract_csv()


def demo_extract_bytes() -> bytes:
    """The demo force extract's bytes (built once per test run)."""
    return _demo_text().encode()


@functools.cache
def make_extract_kit(shared: Path) -> ExtractKit:
    """Read the real files the cases start from; check the counts the cases rely on."""
    demo = demo_extract_bytes()
    frame = pd.read_csv(io.BytesIO(demo), dtype=str, keep_default_na=False)
    start = pd.to_datetime(frame["Committed From"], format=_FMT, errors="coerce")
    end = pd.to_datetime(frame["Committed To"], format=_FMT, errors="coerce")
    clean = (
        start.notna()
        & (frame["Easting"] != "")
        & ~(end < start)
        & ~frame["Crime Ref"].duplicated(keep=False)
    )
    rows = frame.loc[clean].head(N_DEMO_ROWS).reset_index(drop=True)
    exact = rows["Committed To"] == ""
    if (
        int((exact & rows["Committed From"].str.endswith(" 00:00")).sum()) != DEMO_AT_MIDNIGHT
        or int((~exact).sum()) != DEMO_WINDOWS
    ):
        msg = "the demo extract changed: update DEMO_AT_MIDNIGHT and DEMO_WINDOWS"
        raise AssertionError(msg)
    toronto_path = shared / "toronto" / "toronto_mci_2019_2021.csv"
    toronto = pd.read_csv(toronto_path, dtype=str, keep_default_na=False).iloc[::300]
    toronto = toronto.reset_index(drop=True)
    if len(toronto) != N_TORONTO_ROWS or int((toronto["occurrencehour"] == "0").sum()) != (
        TORONTO_AT_MIDNIGHT
    ):
        msg = "the Toronto sample changed: update N_TORONTO_ROWS and TORONTO_AT_MIDNIGHT"
        raise AssertionError(msg)
    street = (shared / "cambridge" / "crimes" / CAMBRIDGE_STREET).read_bytes()
    return ExtractKit(demo=demo, rows=rows, toronto=toronto, street=street)


# --------------------------------------------------------------------------------------------
# Helpers: every builder edits a copy of the kit's rows


def _csv(frame: pd.DataFrame, *, sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode()


def _xlsx(sheets: Mapping[str, pd.DataFrame], *, startrow: int = 0) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False, startrow=startrow)
    return buffer.getvalue()


def _up(name: str, data: bytes) -> ExtractInputs:
    return ExtractInputs(files=((name, data),))


def _demo(func: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Callable[..., bytes]:
    def build(kit: ExtractKit) -> bytes:
        frame = kit.rows.copy()
        return _csv(func(frame) if func else frame)

    return build


def _demo_up(
    func: Callable[[pd.DataFrame], pd.DataFrame] | None = None, name: str = "rms_extract.csv"
) -> Callable[[ExtractKit, Path], ExtractInputs]:
    return lambda kit, folder: _up(name, _demo(func)(kit))


def _toronto_up(
    func: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> Callable[[ExtractKit, Path], ExtractInputs]:
    def build(kit: ExtractKit, folder: Path) -> ExtractInputs:
        frame = kit.toronto.copy()
        return _up("toronto_mci.csv", _csv(func(frame) if func else frame))

    return build


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _set(column: str, rows: list[int], value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[rows, column] = value
        return frame

    return edit


def _shift_to(rows: list[int], delta: pd.Timedelta) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Committed To = Committed From + ``delta`` on ``rows`` (exact rows among them)."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        start = pd.to_datetime(frame.loc[rows, "Committed From"], format=_FMT)
        frame.loc[rows, "Committed To"] = (start + delta).dt.strftime(_FMT)
        return frame

    return edit


def _on_exact(
    n: int, edit: Callable[[list[int]], Callable[[pd.DataFrame], pd.DataFrame]]
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Apply ``edit`` to the first ``n`` rows with an exact time that is not 00:00."""

    def apply(frame: pd.DataFrame) -> pd.DataFrame:
        exact = frame["Committed To"] == ""
        midnight = frame["Committed From"].str.endswith(" 00:00")
        rows = [int(i) for i in frame.index[exact & ~midnight][:n]]
        return edit(rows)(frame)

    return apply


def _lonlat(frame: pd.DataFrame, *, swap: bool = False) -> pd.DataFrame:
    """Easting/Northing to Longitude/Latitude (WGS84), as some forces export."""
    to_wgs = Transformer.from_crs(BNG, WGS84, always_xy=True)
    lon, lat = to_wgs.transform(frame["Easting"].astype(float), frame["Northing"].astype(float))
    first, second = (lat, lon) if swap else (lon, lat)
    out = frame.drop(columns=["Easting", "Northing"])
    out["Longitude"] = [f"{v:.6f}" for v in first]
    out["Latitude"] = [f"{v:.6f}" for v in second]
    return out


def _toronto_local(frame: pd.DataFrame, fmt: str) -> pd.Series:
    """The Toronto rows' local date and hour, written with ``fmt``."""
    day = pd.to_datetime(frame["occurrencedate"].str[:10], format="%Y/%m/%d")
    return (day + pd.to_timedelta(frame["occurrencehour"].astype(int), unit="h")).dt.strftime(fmt)


def _fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


DEMO_LOADED: Mapping[str, object] = {
    "n_rows": N_DEMO_ROWS,
    "n_events": N_DEMO_ROWS,
    "n_duplicates": 0,
    "n_without_time": 0,
    "n_without_location": 0,
    "n_outside_area": 0,
    "n_bad_window": 0,
    "n_possible_duplicates": 0,
    "n_at_midnight": DEMO_AT_MIDNIGHT,
    "n_windows_spread": DEMO_WINDOWS,
    "n_windows_too_long": 0,
    "crs": "EPSG:27700",
}
TORONTO_LOADED: Mapping[str, object] = {
    "n_rows": N_TORONTO_ROWS,
    "n_events": N_TORONTO_ROWS,
    "n_duplicates": 0,
    "n_without_time": 0,
    "n_without_location": 0,
    "n_outside_area": 0,
    "n_bad_window": 0,
    "n_at_midnight": TORONTO_AT_MIDNIGHT,
    "n_windows_spread": 0,
    "crs": "EPSG:32617",
    "source_crs": "EPSG:4326",
}


# --------------------------------------------------------------------------------------------
# Dates and times


def _day_month_ambiguous(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the rows whose days are all 12 or less: day-first or month-first cannot be told."""
    start = pd.to_datetime(frame["Committed From"], format=_FMT)
    end = pd.to_datetime(frame["Committed To"], format=_FMT, errors="coerce")
    return frame.loc[(start.dt.day <= 12) & ~(end.dt.day > 12)]


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("Committed From", "Committed To"):
        stamp = pd.to_datetime(frame[column], format=_FMT, errors="coerce")
        frame[column] = stamp.dt.strftime("%Y-%m-%dT%H:%M").fillna("")
    return frame


def _date_and_time(frame: pd.DataFrame) -> pd.DataFrame:
    stamp = pd.to_datetime(frame["Committed From"], format=_FMT)
    out = frame.drop(columns=["Committed From", "Committed To"])
    out.insert(2, "Offence Date", stamp.dt.strftime("%d/%m/%Y"))
    out.insert(3, "Offence Time", stamp.dt.strftime("%H%M"))
    return out


def _dates_only(frame: pd.DataFrame) -> pd.DataFrame:
    frame["Committed From"] = frame["Committed From"].str[:10]
    return frame.drop(columns=["Committed To"])


def _toronto_split(frame: pd.DataFrame) -> pd.DataFrame:
    day = pd.to_datetime(frame["occurrencedate"].str[:10], format="%Y/%m/%d")
    out = frame.drop(columns=["occurrencedate", "occurrencemonth", "occurrenceday"])
    return out.assign(
        Year=day.dt.year.astype(str), Month=day.dt.month.astype(str), Day=day.dt.day.astype(str)
    )


def _toronto_us(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["occurrencehour"])
    out["occurrencedate"] = _toronto_local(frame, "%m/%d/%Y %H:%M")
    return out


def _date_cases() -> list[ExtractCase]:
    g: Literal["dates"] = "dates"
    return [
        ExtractCase("demo-day-first", g, _demo_up(), counts={**DEMO_LOADED}),
        ExtractCase(
            "ambiguous-day-month",
            g,
            _demo_up(_day_month_ambiguous),
            message=("'Committed From' could be day-first or month-first", "dates=day-first"),
        ),
        ExtractCase(
            "ambiguous-day-month-told",
            g,
            _demo_up(_day_month_ambiguous),
            columns="dates=day-first",
            counts={"n_rows": 106, "n_events": 106, "n_bad_window": 0},
        ),
        ExtractCase(
            "toronto-us-month-first",
            g,
            _toronto_up(_toronto_us),
            message=("'occurrencedate' are month-first (US style", "dates=month-first"),
        ),
        ExtractCase(
            "toronto-us-month-first-told",
            g,
            _toronto_up(_toronto_us),
            columns="dates=month-first",
            counts={**TORONTO_LOADED, "n_possible_duplicates": 0},
        ),
        ExtractCase(
            "toronto-iso-utc-with-hour",
            g,
            _toronto_up(),
            counts={**TORONTO_LOADED, "note": "local midnight written in UTC"},
        ),
        ExtractCase(
            "toronto-utc-times-without-hour",
            g,
            _toronto_up(lambda f: f.drop(columns=["occurrencehour"])),
            message=("'occurrencedate' holds times with a UTC offset", "local times"),
        ),
        ExtractCase(
            "toronto-split-date-columns",
            g,
            _toronto_up(_toronto_split),
            counts={**TORONTO_LOADED},
        ),
        ExtractCase("iso-t-separator", g, _demo_up(_iso), counts={**DEMO_LOADED}),
        ExtractCase(
            "date-and-time-columns",
            g,
            _demo_up(_date_and_time),
            counts={**DEMO_LOADED, "n_windows_spread": 0},
        ),
        ExtractCase(
            "dates-without-times",
            g,
            _demo_up(_dates_only),
            counts={
                **DEMO_LOADED,
                "n_at_midnight": 0,
                "n_windows_spread": N_DEMO_ROWS,
                "note": "The dates have no times",
            },
        ),
        ExtractCase(
            "missing-time",
            g,
            _demo_up(_on_exact(5, lambda rows: _set("Committed From", rows, ""))),
            counts={**DEMO_LOADED, "n_events": 295, "n_without_time": 5},
        ),
        ExtractCase(
            "every-time-missing",
            g,
            _demo_up(lambda f: f.assign(**{"Committed From": "", "Committed To": ""})),
            message=("no row of 'Committed From' holds a date",),
        ),
        ExtractCase(
            "midnight-as-recorded",
            g,
            _demo_up(),
            counts={
                **DEMO_LOADED,
                "note": "counted at 00:00 (--midnight unknown changes this; app: Times of exactly",
            },
        ),
        ExtractCase(
            "midnight-unknown",
            g,
            _demo_up(),
            midnight="unknown",
            counts={
                **DEMO_LOADED,
                "n_windows_spread": DEMO_WINDOWS + DEMO_AT_MIDNIGHT,
                "note": "spread over their day (--midnight as-recorded changes this; app: Times",
            },
        ),
        ExtractCase(
            "window-ends-before-start",
            g,
            _demo_up(_on_exact(4, lambda rows: _shift_to(rows, -pd.Timedelta(hours=5)))),
            counts={**DEMO_LOADED, "n_events": 296, "n_bad_window": 4},
        ),
        ExtractCase(
            "window-longer-than-7-days",
            g,
            _demo_up(_on_exact(3, lambda rows: _shift_to(rows, pd.Timedelta(days=9)))),
            counts={**DEMO_LOADED, "n_windows_too_long": 3},
        ),
        ExtractCase(
            "year-typed-0024",
            g,
            _demo_up(_set("Committed From", [4], "30/10/0024 15:31")),
            message=("1 values in 'Committed From' are not dates", "row 6, '30/10/0024 15:31'"),
        ),
        ExtractCase(
            "thirty-first-of-february",
            g,
            _demo_up(_set("Committed From", [4], "31/02/2025 15:31")),
            message=("1 values in 'Committed From' are not dates", "row 6, '31/02/2025 15:31'"),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Coordinates


def _toronto_utm(frame: pd.DataFrame) -> pd.DataFrame:
    """The Toronto points in UTM 17N metres (X, Y): neither degrees nor British National Grid."""
    to_utm = Transformer.from_crs(WGS84, "EPSG:32617", always_xy=True)
    x, y = to_utm.transform(frame["Long"].astype(float), frame["Lat"].astype(float))
    out = frame.drop(columns=["Lat", "Long"])
    return out.assign(X=[f"{v:.1f}" for v in x], Y=[f"{v:.1f}" for v in y])


DUBLIN_BNG = ("-163000", "236000")
"""Dublin in British National Grid metres: inside the grid's box, outside Great Britain."""


def _coordinate_cases() -> list[ExtractCase]:
    g: Literal["coordinates"] = "coordinates"
    return [
        ExtractCase(
            "missing-coordinates",
            g,
            _demo_up(_set("Easting", [0, 7, 8, 100, 150, 299], "")),
            counts={
                **DEMO_LOADED,
                "n_events": 294,
                "n_without_location": 6,
                "n_at_midnight": None,
                "n_windows_spread": None,
            },
        ),
        ExtractCase(
            "rows-outside-great-britain",
            g,
            _demo_up(
                lambda f: _set("Northing", [1, 2, 3], DUBLIN_BNG[1])(
                    _set("Easting", [1, 2, 3], DUBLIN_BNG[0])(f)
                )
            ),
            counts={
                **DEMO_LOADED,
                "n_events": 297,
                "n_outside_area": 3,
                "n_at_midnight": None,
                "n_windows_spread": None,
                "note": "3 rows lie outside Great Britain",
            },
        ),
        ExtractCase(
            "wgs84-detected",
            g,
            _demo_up(_lonlat),
            counts={**DEMO_LOADED, "source_crs": "EPSG:4326"},
        ),
        ExtractCase(
            "wgs84-decimal-commas",
            g,
            _demo_up(
                lambda f: _lonlat(f).assign(
                    Longitude=lambda x: x["Longitude"].str.replace(".", ",", regex=False),
                    Latitude=lambda x: x["Latitude"].str.replace(".", ",", regex=False),
                )
            ),
            message=(
                "300 values in 'Longitude' are not numbers (first: row 2,",
                "looks like a number with a decimal comma: save the file with decimal points",
            ),
        ),
        ExtractCase(
            "wgs84-a-latitude-out-of-range",
            g,
            _demo_up(lambda f: _set("Latitude", [4], "95.000000")(_lonlat(f))),
            counts={
                **DEMO_LOADED,
                "n_events": 299,
                "n_outside_area": 1,
                "n_at_midnight": None,
                "n_windows_spread": None,
                "source_crs": "EPSG:4326",
                "note": "outside the area where EPSG:4326 is valid",
            },
        ),
        ExtractCase(
            "metres-named-longitude-latitude",
            g,
            _demo_up(lambda f: f.rename(columns={"Easting": "Longitude", "Northing": "Latitude"})),
            message=(
                "'Longitude' and 'Latitude' are named as longitude and latitude, but 300 of",
                "the 300 points are not in degrees",
                "--crs EPSG:NNNN",
            ),
        ),
        ExtractCase(
            "wgs84-swapped",
            g,
            _demo_up(functools.partial(_lonlat, swap=True)),
            message=("'Longitude' and 'Latitude' look swapped",),
        ),
        ExtractCase(
            "bng-given-as-wgs84",
            g,
            _demo_up(),
            crs="EPSG:4326",
            message=("none of the 300 located rows lie where EPSG:4326 is valid", "--crs"),
        ),
        ExtractCase(
            "wgs84-given-as-bng",
            g,
            _demo_up(_lonlat),
            crs="EPSG:27700",
            message=("These values look like longitude/latitude", "--crs EPSG:4326"),
        ),
        ExtractCase(
            "toronto-utm-no-crs",
            g,
            _toronto_up(_toronto_utm),
            message=("cannot tell the coordinate system of 'X' and 'Y'", "--crs EPSG:NNNN"),
        ),
        ExtractCase(
            "toronto-utm-crs-given",
            g,
            _toronto_up(_toronto_utm),
            crs="EPSG:32617",
            counts={**TORONTO_LOADED, "source_crs": "EPSG:32617"},
        ),
        ExtractCase(
            "unknown-crs",
            g,
            _demo_up(),
            crs="EPSG:99999",
            message=("--crs 'EPSG:99999' is not a coordinate system",),
        ),
        ExtractCase(
            "easting-text",
            g,
            _demo_up(_set("Easting", [12], "45O200")),
            message=("1 values in 'Easting' are not numbers (first: row 14, '45O200')",),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Duplicates


def _duplicate_cases() -> list[ExtractCase]:
    g: Literal["duplicates"] = "duplicates"

    def repeat(n: int, *, drop_ref: bool = False) -> Callable[[pd.DataFrame], pd.DataFrame]:
        def edit(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame.drop(columns=["Crime Ref"]) if drop_ref else frame
            exact = frame.loc[frame["Committed To"] == ""]
            picked = exact.loc[~exact["Committed From"].str.endswith(" 00:00")].head(n)
            return pd.concat([frame, picked], ignore_index=True)

        return edit

    def same_ref_other_offence(frame: pd.DataFrame) -> pd.DataFrame:
        copy = frame.iloc[[5, 6]].assign(Offence="Robbery", Easting="455000")
        return pd.concat([frame, copy], ignore_index=True)

    return [
        ExtractCase(
            "duplicate-references",
            g,
            _demo_up(repeat(7)),
            counts={
                **DEMO_LOADED,
                "n_rows": 307,
                "n_duplicates": 7,
                "note": "7 rows repeat a crime reference; one copy of each is kept: a usable one",
            },
        ),
        ExtractCase(
            "reference-reused-for-another-crime",
            g,
            _demo_up(same_ref_other_offence),
            counts={**DEMO_LOADED, "n_rows": 302, "n_duplicates": 2},
        ),
        ExtractCase(
            "identical-rows-without-references",
            g,
            _demo_up(repeat(4, drop_ref=True)),
            counts={
                **DEMO_LOADED,
                "n_rows": 304,
                "n_events": 304,
                "n_possible_duplicates": 4,
                "note": "4 rows are identical to an earlier row",
            },
        ),
        ExtractCase(
            "demo-extract-as-exported",
            g,
            lambda k, d: _up("demo_rms_extract.csv", k.demo),
            counts=DEMO_WHOLE,
        ),
    ]


# --------------------------------------------------------------------------------------------
# Columns and options


RENAMED = {
    "Crime Ref": "Ref No",
    "Committed From": "Start",
    "Committed To": "Finish",
    "Offence": "Class",
    "Easting": "E",
    "Northing": "N",
}


def _column_cases() -> list[ExtractCase]:
    g: Literal["columns"] = "columns"
    renamed = _demo_up(lambda f: f.rename(columns=RENAMED))
    return [
        ExtractCase(
            "unusual-names-given",
            g,
            renamed,
            columns="id=Ref No, from=Start, to=Finish, type=Class, x=E, y=N",
            counts={**DEMO_LOADED},
        ),
        ExtractCase(
            "unusual-names-not-given",
            g,
            renamed,
            message=("could not find a committed date", "Name the columns with --columns"),
        ),
        ExtractCase(
            "columns-unknown-role",
            g,
            renamed,
            columns="when=Start",
            message=("--columns: cannot read 'when=Start'",),
        ),
        ExtractCase(
            "columns-unknown-name",
            g,
            _demo_up(),
            columns="from=Date Committed",
            message=("--columns names 'Date Committed' for from, but there is no such column",),
        ),
        ExtractCase(
            "police-uk-street-file",
            g,
            lambda k, d: _up(CAMBRIDGE_STREET, k.street),
            message=("looks like a data.police.uk street-level file", "--crimes"),
        ),
        ExtractCase(
            "layouts-differ",
            g,
            lambda k, d: ExtractInputs(
                files=(
                    ("october.csv", _csv(k.rows.head(150))),
                    ("november.csv", _csv(k.rows.tail(150).drop(columns=["Ward"]))),
                )
            ),
            message=("november.csv: its columns differ from october.csv's",),
        ),
    ]


DEMO_WHOLE: Mapping[str, object] = {
    "n_rows": 8564,
    "n_events": 8491,
    "n_duplicates": N_EXTRACT_DUPLICATES,
    "n_without_time": N_EXTRACT_WITHOUT_TIME,
    "n_without_location": 12 * N_WITHOUT_LOCATION_PER_MONTH,
    "n_outside_area": 0,
    "n_bad_window": N_EXTRACT_BAD_WINDOWS,
    "n_at_midnight": 227,
}
"""The whole demo extract: its planted quirks (``spatial.demo``), each in its bucket."""


# --------------------------------------------------------------------------------------------
# Files


def _mixed_folder(kit: ExtractKit, folder: Path) -> ExtractInputs:
    """A folder as a force's exports pile up: .csv, .CSV (Windows) and .xlsx, and a note."""
    root = folder / "rms"
    rows = kit.rows
    _write(root, "2024-10a.csv", _csv(rows.iloc[:100]))
    _write(root / "sub", "2024-10b.CSV", _csv(rows.iloc[100:200]))
    _write(root, "2024-10c.xlsx", _xlsx({"Crimes": rows.iloc[200:]}))
    _write(root, "README.txt", b"exported by the RMS")
    return ExtractInputs(files=(root,))


def _file_cases() -> list[ExtractCase]:
    g: Literal["files"] = "files"
    return [
        ExtractCase(
            "empty-file",
            g,
            lambda k, d: _up("rms.csv", b""),
            message=("rms.csv: the file is empty", "Export the extract"),
        ),
        ExtractCase(
            "header-only",
            g,
            lambda k, d: _up("rms.csv", _csv(k.rows.head(0))),
            message=("rms.csv: no rows",),
        ),
        ExtractCase(
            "png-as-csv",
            g,
            lambda k, d: _up("rms.csv", PNG),
            message=("not a CSV file (it looks binary)", "Export the extract"),
        ),
        ExtractCase(
            "geojson-as-extract",
            g,
            lambda k, d: _up("rms.csv", b'\n {"type": "FeatureCollection", "features": []}'),
            message=("rms.csv: this is JSON (GeoJSON boundaries", "Export the extract"),
        ),
        ExtractCase(
            "web-page-as-extract",
            g,
            lambda k, d: _up(
                "rms.csv", b"<!DOCTYPE html><html><body>Session expired</body></html>"
            ),
            message=("rms.csv: this is HTML or XML (a web page saved", "Export the extract"),
        ),
        ExtractCase(
            "xlsx-named-csv",
            g,
            lambda k, d: _up("rms.csv", _xlsx({"Crimes": k.rows})),
            message=("an Excel workbook", ".xlsx"),
        ),
        ExtractCase(
            "utf16",
            g,
            lambda k, d: _up("rms.csv", _demo()(k).decode().encode("utf-16")),
            message=("UTF-16", "UTF-8"),
        ),
        ExtractCase(
            "latin1",
            g,
            lambda k, d: _up(
                "rms.csv",
                _demo(_set("Location", [3], "On or near Caf\u00e9 Nero"))(k)
                .decode()
                .encode("latin-1"),
            ),
            message=("rms.csv: the file is not UTF-8 text", "CSV UTF-8"),
        ),
        ExtractCase(
            "csv-named-xlsx",
            g,
            lambda k, d: _up("rms.xlsx", _demo()(k)),
            message=("rms.xlsx: could not be read as an Excel workbook",),
        ),
        ExtractCase(
            "xlsx",
            g,
            lambda k, d: _up("rms.xlsx", _xlsx({"Crimes": k.rows})),
            counts={**DEMO_LOADED},
        ),
        ExtractCase(
            "xlsx-title-rows-above-header",
            g,
            lambda k, d: _up("rms.xlsx", _xlsx({"Crimes": k.rows}, startrow=3)),
            message=("rms.xlsx: could not find a committed date",),
        ),
        ExtractCase(
            "xlsx-data-on-second-sheet",
            g,
            lambda k, d: _up("rms.xlsx", _xlsx({"Summary": pd.DataFrame(), "Crimes": k.rows})),
            counts={**DEMO_LOADED},
        ),
        ExtractCase(
            "xlsx-a-sheet-a-year",
            g,
            lambda k, d: _up(
                "rms.xlsx", _xlsx({"2024": k.rows.iloc[:120], "2025": k.rows.iloc[120:]})
            ),
            counts={
                **DEMO_LOADED,
                "note": "rms.xlsx: 2 sheets of the same columns read: '2024' (120 rows), '2025'",
            },
        ),
        ExtractCase(
            "xlsx-readme-sheet-with-rows",
            g,
            lambda k, d: _up(
                "rms.xlsx", _xlsx({"README": pd.DataFrame({"Notes": ["Q1"]}), "Crimes": k.rows})
            ),
            message=(
                "rms.xlsx: 2 sheets hold rows, but not under the same columns ('README': 1 row,",
                "'Crimes': 300 rows",
            ),
        ),
        ExtractCase(
            "semicolons",
            g,
            lambda k, d: _up("rms.csv", _csv(k.rows, sep=";")),
            message=("rms.csv: the file is separated by semicolons", "comma-separated"),
        ),
        ExtractCase(
            "mac-line-ends",  # Excel's "CSV (Macintosh)": every line ends in CR alone
            g,
            lambda k, d: _up("rms.csv", _csv(k.rows).replace(b"\n", b"\r")),
            message=("rms.csv: its lines end in a carriage return alone", "CSV UTF-8"),
        ),
        ExtractCase(
            "identical-files",
            g,
            lambda k, d: ExtractInputs(files=(("a.csv", _demo()(k)), ("b.csv", _demo()(k)))),
            counts={**DEMO_LOADED, "note": "b.csv is identical to a.csv; read once."},
        ),
        ExtractCase(
            "folder-of-csv-CSV-xlsx",
            g,
            _mixed_folder,
            counts={
                **DEMO_LOADED,
                "files": ("rms/2024-10a.csv", "rms/2024-10c.xlsx", "rms/sub/2024-10b.CSV"),
            },
            on_disk=True,
        ),
        ExtractCase(
            "folder-without-extracts",
            g,
            lambda k, d: ExtractInputs(files=(_write(d / "rms", "notes.txt", b"x").parent,)),
            message=("holds no .csv or .xlsx files",),
            on_disk=True,
        ),
        ExtractCase(
            "missing-path",
            g,
            lambda k, d: ExtractInputs(files=(d / "no-such-extract.csv",)),
            message=("no-such-extract.csv: not found",),
            on_disk=True,
        ),
        ExtractCase(
            "fifo",
            g,
            lambda k, d: ExtractInputs(files=(_fifo(d, "rms.csv"),)),
            message=("is a named pipe (FIFO), not an ordinary file",),
            on_disk=True,
        ),
        ExtractCase(
            "no-read-permission",
            g,
            lambda k, d: ExtractInputs(files=(_write(d, "rms.csv", _demo()(k)),)),
            message=("permission denied",),
            on_disk=True,
            patch="no_access",
        ),
        ExtractCase(
            "read-fails",
            g,
            lambda k, d: ExtractInputs(files=(_write(d, "rms.csv", _demo()(k)),)),
            message=("permission denied",),
            on_disk=True,
            patch="read_error",
        ),
    ]


EXTRACT_CASES: tuple[ExtractCase, ...] = (
    *_date_cases(),
    *_coordinate_cases(),
    *_duplicate_cases(),
    *_column_cases(),
    *_file_cases(),
)
"""Every force-extract case, in groups: dates, coordinates, duplicates, columns, files."""

__all__ = [
    "EXTRACT_CASES",
    "ExtractCase",
    "ExtractInputs",
    "ExtractKit",
    "demo_extract_bytes",
    "make_extract_kit",
]
