"""
The bad-input corpus: malformed and unusual files built from the real Cambridge data.

Nothing here is committed data: :func:`make_kit` reads ``shared/data/cambridge`` once and each
case's ``build`` writes its files into a fresh folder. Every case states what a user must see:
either the loaded counts (exit code 0) or a clear error whose first line holds ``message``
(exit code 2), never a traceback. ``tests/corpus/test_corpus.py`` runs the cases through the
package readers (what the CLI calls) and ``tests/app/test_upload_corpus.py`` through the app's
upload path.
"""

# ruff: noqa: ARG001, ARG005  # every builder takes (kit, folder); most need one of the two

from __future__ import annotations

import functools
import io
import json
import os
import unicodedata
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TypeAlias

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.affinity import translate

from tests._files import zip_of

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

Group = Literal[
    "crimes", "wards", "population", "lsoas", "neighbourhoods", "sites", "network", "reports"
]
Patch = Literal["no_access", "read_error"]

SEPT = "2024-09-cambridgeshire-street.csv"
OCT = "2024-10-cambridgeshire-street.csv"
# The city file (Sept 2024 rows whose LSOA is in Cambridge, plus 20 rows without a location):
CITY = {
    "n_rows_read": 1427,
    "n_rows": 1427,
    "n_without_location": 20,
    "n_outside_gb": 0,
    "n_outside_wards": 1,
    "n_inside_wards": 1406,
    "n_duplicates_removed": 0,
    "n_set_aside": 0,
    "asb": 176,
    "Petersfield": 133,
}
# The whole force's September 2024 file (see shared/data/SOURCES.md), with the 2023 wards:
FORCE_SEPT = {
    "n_rows_read": 6740,
    "n_without_location": 226,
    "n_outside_gb": 0,
    "n_inside_wards": 1406,
    "asb": 176,
}
DUBLIN, BELFAST, CALAIS = (-6.2603, 53.3498), (-5.9301, 54.5973), (1.8587, 50.9513)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HOSTILE_TYPE = '<script>alert("type")</script>'
"""A crime type written to run in a page that shows it unescaped."""
HTML = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>404</body></html>\n"


@dataclass(frozen=True)
class Inputs:
    """The files of one case; None: the real file (crimes: the city file; wards: 2023 wards)."""

    crimes: tuple[Path | tuple[str, bytes], ...] = ()
    wards: Path | tuple[str, bytes] | None = None
    population: Path | tuple[str, bytes] | None = None
    lsoas: Path | tuple[str, bytes] | None = None
    neighbourhoods: Path | tuple[str, bytes] | None = None
    file: Path | tuple[str, bytes] | None = None
    """The sites, network or reports file of those groups."""


@dataclass(frozen=True)
class Case:
    """One input a user might give, and what they must see."""

    id: str
    group: Group
    build: Callable[[Kit, Path], Inputs]
    message: str | None = None
    """A fragment of the error's first line; None when the input loads."""
    counts: Mapping[str, object] = field(default_factory=dict)
    """Expected values of the load report (see ``tests/corpus/runner.py``)."""
    on_disk: bool = False
    """The case needs real paths (folders, pipes, permissions): it cannot be an upload."""
    patch: Patch | None = None
    """Simulate a permission problem (tests run as root, who may read anything)."""


@dataclass(frozen=True)
class Kit:
    """The real files, read once."""

    city: bytes
    sept: bytes
    oct: bytes
    frame: pd.DataFrame
    """The city file's rows, as text."""
    wards_path: Path
    wards: gpd.GeoDataFrame
    population: bytes
    lsoas_path: Path
    osm_xml: bytes
    sites: bytes
    reports: bytes


if TYPE_CHECKING:
    Build: TypeAlias = Callable[[Kit, Path], Inputs]


@functools.cache
def make_kit(cambridge: Path) -> Kit:
    """Read the Cambridge files the cases are built from (once per test run; never modified)."""
    sept = (cambridge / "crimes" / SEPT).read_bytes()
    month = pd.read_csv(io.BytesIO(sept), dtype=str, keep_default_na=False)
    city = month.loc[month["LSOA name"].str.startswith("Cambridge ")]
    unlocated = month.loc[month["Longitude"] == ""].head(20)
    frame = pd.concat([city, unlocated], ignore_index=True)
    pois = pd.read_csv(cambridge / "pois" / "cambridge_pois.csv")
    guildhall = pois.iloc[0]
    sites = pd.DataFrame(  # the Guildhall (from the file) and two sites near it
        {
            "name": [guildhall["name"], "Parkside Police Station", "Mandela House"],
            "kind": ["council", "police", "housing"],
            "lon": [guildhall["lon"], 0.1325, 0.1215],
            "lat": [guildhall["lat"], 52.2035, 52.2050],
        }
    )
    asb = frame.loc[frame["Crime type"] == "Anti-social behaviour"].head(3)
    reports = pd.DataFrame(
        {
            "date": ["2024-09-03", "2024-09-14", "2024-09-28"],
            "reported_by": ["resident", "council", "housing"],
            "issue": ["noise", "drug dealing", "graffiti"],
            "lon": asb["Longitude"].to_numpy(),
            "lat": asb["Latitude"].to_numpy(),
            "location": asb["Location"].to_numpy(),
        }
    )
    return Kit(
        city=_csv(frame),
        sept=sept,
        oct=(cambridge / "crimes" / OCT).read_bytes(),
        frame=frame,
        wards_path=cambridge / "wards.geojson",
        wards=gpd.read_file(cambridge / "wards.geojson"),
        population=(
            cambridge / "population" / "lsoa21_census2021_usual_residents.csv"
        ).read_bytes(),
        lsoas_path=cambridge / "boundaries" / "lsoa_2021.geojson",
        osm_xml=_osm_xml(
            cambridge / "osm" / "cambridge_drive_overpass_2025-04-21.json",
            centre=(float(guildhall["lon"]), float(guildhall["lat"])),
        ),
        sites=sites.to_csv(index=False).encode(),
        reports=reports.to_csv(index=False).encode(),
    )


def _osm_xml(overpass: Path, *, centre: tuple[float, float], radius_deg: float = 0.01) -> bytes:
    """Write the Overpass response's streets near ``centre`` (lon, lat) as OSM XML."""
    elements = json.loads(overpass.read_text())["elements"]
    nodes = {e["id"]: e for e in elements if e["type"] == "node"}

    def near(node_id: int) -> bool:
        node = nodes[node_id]
        return bool(
            abs(node["lon"] - centre[0]) < 1.6 * radius_deg
            and abs(node["lat"] - centre[1]) < radius_deg
        )

    ways = [
        e
        for e in elements
        if e["type"] == "way"
        and e.get("tags", {}).get("highway") in STREETS
        and any(near(n) for n in e["nodes"])
    ]
    used = sorted({n for w in ways for n in w["nodes"]})
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="corpus">']
    lines += [
        f'<node id="{n}" lat="{nodes[n]["lat"]}" lon="{nodes[n]["lon"]}" version="1"/>'
        for n in used
    ]
    for way in ways:
        refs = "".join(f'<nd ref="{n}"/>' for n in way["nodes"])
        highway = way["tags"]["highway"]
        name = str(way["tags"].get("name", "")).replace("&", "&amp;").replace('"', "&quot;")
        lines.append(
            f'<way id="{way["id"]}" version="1">{refs}<tag k="highway" v="{highway}"/>'
            f'<tag k="name" v="{name}"/></way>'
        )
    lines.append("</osm>")
    return "\n".join(lines).encode()


STREETS = frozenset({"primary", "secondary", "tertiary", "unclassified", "residential"})


def _csv(frame: pd.DataFrame, *, sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode()


def _edit(kit: Kit, func: Callable[[pd.DataFrame], pd.DataFrame]) -> bytes:
    return _csv(func(kit.frame.copy()))


def _write(folder: Path, name: str, data: bytes, *, mtime: int | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def _republished(data: bytes, *, n_changed: int = 5) -> bytes:
    """The same month with a few outcomes updated, as data.police.uk republishes it."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    changed = frame.index[frame["Last outcome category"] == "Status update unavailable"]
    frame.loc[changed[:n_changed], "Last outcome category"] = "Court result unavailable"
    return _csv(frame)


def _geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_json().encode()


def _cp1252_names(frame: gpd.GeoDataFrame, column: str) -> bytes:
    """GeoJSON in Windows-1252, not UTF-8, with an accented name (é is one byte, 0xE9)."""
    named = frame.assign(**{column: frame[column].str.replace("Market", "Markét")})
    return named.to_json(ensure_ascii=False).encode("cp1252")


def _cp1252_sites(kit: Kit) -> bytes:
    """The kit's sites as GeoJSON points in Windows-1252, one named with an accent."""
    sites = pd.read_csv(io.BytesIO(kit.sites))
    frame = gpd.GeoDataFrame(
        sites.drop(columns=["lon", "lat"]).assign(name="Café one-stop shop"),
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
        crs="EPSG:4326",
    )
    return frame.to_json(ensure_ascii=False).encode("cp1252")


def _crimes(*sources: Path | tuple[str, bytes]) -> Inputs:
    return Inputs(crimes=tuple(sources))


def _up(name: str, data: bytes) -> Inputs:
    return Inputs(crimes=((name, data),))


def _two_downloads(kit: Kit, folder: Path) -> Inputs:
    """January's and March's downloads in one folder; March's copy was modified later."""
    root = folder / "downloads"
    _write(root / "jan" / "2024-09", SEPT, kit.sept, mtime=1_736_000_000 * 10**9)
    _write(root / "mar" / "2024-09", SEPT, _republished(kit.sept), mtime=1_741_000_000 * 10**9)
    return _crimes(root)


def _extract_head() -> bytes:
    """The first 200 rows of the demo force extract (times, eastings): not a police.uk file."""
    from tests.corpus.extracts import demo_extract_bytes  # noqa: PLC0415  # built on first use

    return b"".join(demo_extract_bytes().splitlines(keepends=True)[:201])


def _fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


# --------------------------------------------------------------------------------------------
# Crime files: errors


def _claiming_bng(wards: gpd.GeoDataFrame) -> bytes:
    """Degrees under a British National Grid "crs" member (a CRS set, not reprojected)."""
    data = json.loads(_geojson(wards))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    return json.dumps(data).encode()


def _latitude_first(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The axes of a file written the wrong way round: latitude first."""
    return wards.set_geometry(shapely.transform(wards.geometry.to_numpy(), lambda c: c[:, ::-1]))


def _workbook(kit: Kit) -> bytes:
    """A month opened in Excel and saved as a workbook."""
    buffer = io.BytesIO()
    pd.read_csv(io.BytesIO(kit.city), dtype=str).to_excel(buffer, index=False)
    return buffer.getvalue()


def _joined(kit: Kit) -> bytes:
    """Two months joined with cat: the header comes again."""
    return kit.city + kit.city


def _crime_errors() -> list[Case]:
    def head(kit: Kit) -> bytes:
        return kit.city.split(b"\n", 1)[0] + b"\n"

    def swap(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(columns={"Longitude": "Latitude", "Latitude": "Longitude"})

    def metres(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["Longitude"] != "", "Longitude"] = "544950"
        frame.loc[frame["Latitude"] != "", "Latitude"] = "258450"
        return frame

    def dublin(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["Longitude"] != "", ["Longitude", "Latitude"]] = [str(v) for v in DUBLIN]
        return frame

    def set_cell(column: str, value: str, row: int = 7) -> Callable[[pd.DataFrame], pd.DataFrame]:
        def edit(frame: pd.DataFrame) -> pd.DataFrame:
            frame.loc[row, column] = value
            return frame

        return edit

    def drop(*columns: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
        return lambda frame: frame.drop(columns=list(columns))

    def short_row(kit: Kit) -> bytes:  # line 11 cut after its Location (a bad copy and paste)
        lines = kit.city.splitlines(keepends=True)
        lines[10] = b",".join(lines[10].split(b",")[:7]) + b"\n"
        return b"".join(lines)

    half = 700
    e: Group = "crimes"
    return [
        Case("empty-file", e, lambda k, d: _up("x-street.csv", b""), "the file is empty"),
        Case("blank-lines", e, lambda k, d: _up("x-street.csv", b"\n \n\n"), "the file is empty"),
        Case("header-only", e, lambda k, d: _up("x-street.csv", head(k)), "no rows"),
        Case("png-as-csv", e, lambda k, d: _up("photo.csv", PNG), "looks binary"),
        Case("pdf-as-csv", e, lambda k, d: _up("report.csv", PDF), "looks binary"),
        Case(
            "workbook-as-crimes",
            e,
            lambda k, d: _up("2024-09-street.xlsx", _workbook(k)),
            "this is an Excel workbook, not a CSV file. Save it from Excel as CSV UTF-8",
        ),
        Case(
            "files-joined-into-one",
            e,
            lambda k, d: _up("x-street.csv", _joined(k)),
            "repeats the header line (Month 'Month'): two or more files were joined into one",
        ),
        Case(
            "zip-named-csv",
            e,
            lambda k, d: _up("x-street.csv", zip_of({SEPT: k.city})),
            "looks binary",
        ),
        Case(
            "utf16",
            e,
            lambda k, d: _up("x-street.csv", k.city.decode().encode("utf-16")),
            "x-street.csv: the file is UTF-16 text. Re-save it as CSV UTF-8",
        ),
        Case(
            "latin1",
            e,
            lambda k, d: _up(
                "x-street.csv",
                _edit(k, set_cell("Location", "On or near Caf\u00e9 Nero"))
                .decode()
                .encode("latin-1"),
            ),
            "not UTF-8 text",
        ),
        Case(
            "no-month",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, drop("Month"))),
            "missing column 'Month'",
        ),
        Case(
            "no-coordinates",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, drop("Longitude", "Latitude"))),
            "missing columns 'Longitude', 'Latitude'",
        ),
        Case(
            "semicolons",
            e,
            lambda k, d: _up("x-street.csv", _csv(k.frame, sep=";")),
            "x-street.csv: the file is separated by semicolons, not commas",
        ),
        Case(
            "tabs",
            e,
            lambda k, d: _up("x-street.csv", _csv(k.frame, sep="\t")),
            "x-street.csv: the file is separated by tabs, not commas",
        ),
        Case(
            "mac-line-ends",  # Excel's "CSV (Macintosh)": every line ends in CR alone
            e,
            lambda k, d: _up("x-street.csv", _csv(k.frame).replace(b"\n", b"\r")),
            "x-street.csv: its lines end in a carriage return alone",
        ),
        Case(
            "header-ends-in-cr",  # a header pasted from another file: CR, then LF lines
            e,
            lambda k, d: _up("x-street.csv", _csv(k.frame).replace(b"\n", b"\r", 1)),
            "x-street.csv: its lines end in a carriage return alone",
        ),
        Case(
            "short-row-mid-file",
            e,
            lambda k, d: _up(SEPT, short_row(k)),
            f"{SEPT}: could not be read as a CSV (line 11 has 7 of the header's 12 fields)",
        ),
        Case(
            "broken-zip-in-zip",
            e,
            lambda k, d: _up(
                "2024.zip",
                zip_of({f"2024-09/{SEPT}": k.city, "2024-10.zip": zip_of({OCT: k.oct})[:200]}),
            ),
            "2024.zip/2024-10.zip: not a valid .zip archive",
        ),
        Case(
            "month-words",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, set_cell("Month", "Sept 2024"))),
            "rows have a Month that is not YYYY-MM (first: row 9, Month 'Sept 2024')",
        ),
        Case(
            "month-13",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, set_cell("Month", "2024-13"))),
            "Month that is not YYYY-MM",
        ),
        Case(
            "month-blank",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, set_cell("Month", ""))),
            "Month that is not YYYY-MM",
        ),
        Case(
            "longitude-text",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, set_cell("Longitude", "abc"))),
            "1 rows have a Longitude that is not a number (first: row 9, 'abc')",
        ),
        Case(
            "latitude-comma-decimal",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, set_cell("Latitude", "52,2"))),
            "Latitude that is not a number",
        ),
        Case(
            "swapped",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, swap)),
            "Longitude and Latitude look swapped",
        ),
        Case(
            "metres",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, metres)),
            "look like metres, not degrees",
        ),
        Case(
            "all-in-dublin",
            e,
            lambda k, d: _up("x-street.csv", _edit(k, dublin)),
            "1407 rows lie outside Great Britain",
        ),
        Case(
            "unclosed-quote",
            e,
            lambda k, d: _up(
                "x-street.csv", k.city + b'abc,"2024-09,F\n1,2,3,4,5,6,7,8,9,10,11,12,13\n'
            ),
            "could not be read as a CSV",
        ),
        Case(
            "force-extract-as-crimes",
            e,
            lambda k, d: _up("demo_rms_extract.csv", _extract_head()),
            "missing columns 'Month', 'Longitude', 'Latitude', 'Crime type'; found Crime Ref",
        ),
        Case(
            "geojson-as-crimes",
            e,
            lambda k, d: _up("wards.geojson", k.wards_path.read_bytes()),
            "wards.geojson: this is JSON (GeoJSON boundaries, perhaps), not a CSV file",
        ),
        Case(
            "web-page-as-crimes",
            e,
            lambda k, d: _up("2024-09-cambridgeshire-street.csv", HTML),
            "this is HTML or XML (a web page saved in place of the file",
        ),
        Case(
            "zip-without-csv",
            e,
            lambda k, d: _up("download.zip", zip_of({"readme.txt": b"nothing"})),
            "the archive holds no CSV files",
        ),
        Case(
            "truncated-zip",
            e,
            lambda k, d: _up("download.zip", zip_of({SEPT: k.city})[:200]),
            "not a valid .zip archive",
        ),
        Case(
            "folder-without-csv",
            e,
            lambda k, d: _crimes(_write(d / "police", "notes.txt", b"x").parent),
            "holds no CSV files",
            on_disk=True,
        ),
        Case(
            "missing-path",
            e,
            lambda k, d: _crimes(d / "no-such-folder"),
            "not found",
            on_disk=True,
        ),
        Case(
            "fifo",
            e,
            lambda k, d: _crimes(_fifo(d, "2024-09-x-street.csv")),
            "is a named pipe (FIFO), not an ordinary file",
            on_disk=True,
        ),
        Case(
            "fifo-in-folder",
            e,
            lambda k, d: _crimes(_fifo(_write(d / "police", SEPT, k.city).parent, OCT).parent),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
        Case(
            "no-read-permission",
            e,
            lambda k, d: _crimes(_write(d, SEPT, k.city)),
            "permission denied",
            on_disk=True,
            patch="no_access",
        ),
        Case(
            "read-fails",
            e,
            lambda k, d: _crimes(_write(d, SEPT, k.city)),
            "permission denied",
            on_disk=True,
            patch="read_error",
        ),
        Case(
            "partial-copy",
            e,
            lambda k, d: _crimes(
                (SEPT, k.city), ("2024-09-part-street.csv", _csv(k.frame.head(half)))
            ),
            f"2024-09-part-street.csv holds only {half} of the 1,427 rows that {SEPT} holds",
        ),
        Case(
            "partial-copy-shuffled",
            e,
            lambda k, d: _crimes(
                ("a-street.csv", _csv(k.frame.sample(frac=0.9, random_state=1))),
                ("b-street.csv", k.city),
            ),
            "a-street.csv holds only 1,284 of the 1,427 rows that b-street.csv holds",
        ),
        Case(
            "partial-newer",
            e,
            lambda k, d: _crimes(
                ("2025-01.zip", zip_of({f"2024-09/{SEPT}": k.city})),
                ("2025-03.zip", zip_of({f"2024-09/{SEPT}": _csv(k.frame.head(half))})),
            ),
            f"2025-03.zip/2024-09/{SEPT} holds only {half} of the 1,427 rows",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Crime files: loads, with exact counts


def _zip_of_zips(kit: Kit) -> bytes:
    """A zip of months, September's still zipped (the city file) beside October's folder."""
    inner = zip_of({f"2024-09/{SEPT}": kit.city})
    return zip_of({"2024-09.zip": inner, f"2024-10/{OCT}": kit.oct})


def _filled_down(kit: Kit) -> bytes:
    """October's file with its Month column filled down with September in a spreadsheet."""
    frame = pd.read_csv(io.BytesIO(kit.oct), dtype=str, keep_default_na=False)
    return _csv(frame.assign(Month="2024-09"))


def _types_by_hand(frame: pd.DataFrame) -> pd.DataFrame:
    """Every other ASB row, every Burglary and the first Drugs typed again by hand."""
    types = frame["Crime type"]
    asb = frame.index[types == "Anti-social behaviour"][::2]
    frame.loc[asb, "Crime type"] = "anti-social behaviour "
    frame.loc[types == "Burglary", "Crime type"] = "BURGLARY"
    frame.loc[frame.index[types == "Drugs"][0], "Crime type"] = "  drugs"
    return frame


def _types_not_police_uk(frame: pd.DataFrame) -> pd.DataFrame:
    """Five ASB rows and two burglaries given types data.police.uk does not publish."""
    types = frame["Crime type"]
    frame.loc[frame.index[types == "Anti-social behaviour"][:5], "Crime type"] = HOSTILE_TYPE
    frame.loc[frame.index[types == "Burglary"][:2], "Crime type"] = "Burglary (domestic)"
    return frame


def _crime_loads() -> list[Case]:
    def places(frame: pd.DataFrame) -> pd.DataFrame:
        for row, (lon, lat) in zip((0, 1, 2), (DUBLIN, BELFAST, CALAIS), strict=True):
            frame.loc[row, ["Longitude", "Latitude"]] = [str(lon), str(lat)]
        return frame

    def blank_types(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[[0, 1, 2, 3, 4], "Crime type"] = ""
        return frame

    def null_island(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[[0, 1], ["Longitude", "Latitude"]] = ["0", "0"]
        return frame

    def half_located(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[[0, 1, 2, 3], "Latitude"] = ""
        return frame

    def repeat_row(frame: pd.DataFrame) -> pd.DataFrame:
        crime = frame.loc[frame["Crime ID"] != ""].iloc[[0]]
        return pd.concat([frame, crime], ignore_index=True)

    def extra_column(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(Notes="added by hand")

    def shuffled_columns(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[:, list(reversed(frame.columns))]

    c: Group = "crimes"
    city = dict(CITY)
    twice = {**CITY, "n_rows_read": 2 * 1427, "n_set_aside": 1427}
    both_months = {"n_rows_read": 1427 + 6970, "months": ["2024-09", "2024-10"]}
    return [
        Case("city", c, lambda k, d: _up(SEPT, k.city), counts=city),
        Case(
            "force-month",
            c,
            lambda k, d: _up(SEPT, k.sept),
            counts={**FORCE_SEPT, "n_set_aside": 0},
        ),
        Case(
            "force-month-republished-zips",
            c,
            lambda k, d: _crimes(
                ("2025-01.zip", zip_of({f"2024-09/{SEPT}": k.sept})),
                ("2025-03.zip", zip_of({f"2024-09/{SEPT}": _republished(k.sept)})),
            ),
            counts={**FORCE_SEPT, "n_rows_read": 2 * 6740, "n_set_aside": 6740},
        ),
        Case(
            "force-month-republished-folder",
            c,
            _two_downloads,
            counts={**FORCE_SEPT, "n_rows_read": 2 * 6740, "n_set_aside": 6740},
            on_disk=True,
        ),
        Case(
            "republished-reverse-order",
            c,
            lambda k, d: _crimes(
                ("2025-03.zip", zip_of({f"2024-09/{SEPT}": _republished(k.city)})),
                ("2025-01.zip", zip_of({f"2024-09/{SEPT}": k.city})),
            ),
            counts=twice,
        ),
        Case(
            "republished-uploads-no-date",
            c,
            lambda k, d: _crimes(("jan.csv", k.city), ("mar.csv", _republished(k.city))),
            counts=twice,
        ),
        Case(
            "identical-twice",
            c,
            lambda k, d: _crimes((SEPT, k.city), ("copy.csv", k.city)),
            counts=twice,
        ),
        Case(
            "same-rows-reordered",
            c,
            lambda k, d: _crimes(
                (SEPT, k.city), ("copy.csv", _csv(k.frame.sample(frac=1.0, random_state=2)))
            ),
            counts=twice,
        ),
        Case(
            "same-rows-crlf",
            c,
            lambda k, d: _crimes((SEPT, k.city), ("copy.csv", k.city.replace(b"\n", b"\r\n"))),
            counts=twice,
        ),
        Case(
            "split-in-two",
            c,
            lambda k, d: _crimes(
                ("a-street.csv", _csv(k.frame.iloc[:700])),
                ("b-street.csv", _csv(k.frame.iloc[700:])),
            ),
            counts=city,
        ),
        Case(
            "split-in-three-one-repeated",
            c,
            lambda k, d: _crimes(
                ("a-street.csv", _csv(k.frame.iloc[:400])),
                ("b-street.csv", _csv(k.frame.iloc[400:900])),
                ("c-street.csv", _csv(k.frame.iloc[900:])),
                ("b-again.csv", _csv(k.frame.iloc[400:900])),
            ),
            counts={**CITY, "n_rows_read": 1427 + 500, "n_set_aside": 500},
        ),
        Case(
            "two-months",
            c,
            lambda k, d: _crimes((SEPT, k.sept), (OCT, k.oct)),
            counts={"n_rows_read": 6740 + 6970, "n_set_aside": 0, "months": ["2024-09", "2024-10"]},
        ),
        Case(
            "upper-case-folder",
            c,
            lambda k, d: _crimes(_write(d / "police", SEPT.upper(), k.city).parent),
            counts=city,
            on_disk=True,
        ),
        Case(
            "street-and-outcomes-folder",
            c,
            lambda k, d: _crimes(
                _write(
                    _write(d / "police" / "2024-09", SEPT, k.city).parent,
                    "2024-09-cambridgeshire-outcomes.csv",
                    b"Crime ID,Month,Outcome type\nabc,2024-09,Charged\n",
                ).parents[1]
            ),
            counts=city,
            on_disk=True,
        ),
        Case(
            "zip-of-month-zips",
            c,
            lambda k, d: _up("2024.zip", _zip_of_zips(k)),
            counts={**both_months, "n_set_aside": 0},
        ),
        Case(
            "zip-of-month-zips-on-disk",
            c,
            lambda k, d: _crimes(_write(d, "2024.zip", _zip_of_zips(k))),
            counts={**both_months, "n_set_aside": 0},
            on_disk=True,
        ),
        Case(
            "zip-holding-only-a-zip",
            c,
            lambda k, d: _up(
                "2024.zip", zip_of({"2024-09.zip": zip_of({f"2024-09/{SEPT}": k.city})})
            ),
            counts=city,
        ),
        Case(
            "named-for-another-month",
            c,
            lambda k, d: _crimes((SEPT, k.city), (OCT, _filled_down(k))),
            counts={
                "n_rows_read": 1427 + 6970,
                "n_set_aside": 0,
                "months": ["2024-09"],
                "note": (
                    f"{OCT}: named for 2024-10, but none of its rows is of 2024-10: 6,970 rows "
                    "of 2024-09. Rows are counted in the month their Month column gives"
                ),
            },
        ),
        Case(
            "zip-upper-case-members",
            c,
            lambda k, d: _up("2024-09.zip", zip_of({f"2024-09/{SEPT.upper()}": k.city})),
            counts=city,
        ),
        Case("byte-order-mark", c, lambda k, d: _up(SEPT, b"\xef\xbb\xbf" + k.city), counts=city),
        Case("trailing-blank-lines", c, lambda k, d: _up(SEPT, k.city + b"\n\n\n"), counts=city),
        Case("extra-column", c, lambda k, d: _up(SEPT, _edit(k, extra_column)), counts=city),
        Case(
            "columns-reordered", c, lambda k, d: _up(SEPT, _edit(k, shuffled_columns)), counts=city
        ),
        Case(
            "blank-crime-types",
            c,
            lambda k, d: _up(SEPT, _edit(k, blank_types)),
            counts={**CITY, "(blank)": 5, "asb": 174},
        ),
        Case(
            "crime-types-typed-by-hand",
            c,
            lambda k, d: _up(SEPT, _edit(k, _types_by_hand)),
            counts={
                **CITY,  # every ASB row counted as ASB: 90 of them were 'anti-social behaviour '
                "type:anti-social behaviour ": 0,
                "type:BURGLARY": 0,
                "type:  drugs": 0,
                "note": (
                    f"{SEPT}: 143 rows' crime types written in another case or spacing were read "
                    "as data.police.uk's ('anti-social behaviour ' as 'Anti-social behaviour', "
                ),
            },
        ),
        Case(
            "crime-types-typed-by-hand-folder",
            c,
            lambda k, d: _crimes(_write(d / "police", SEPT, _edit(k, _types_by_hand)).parent),
            counts={
                **CITY,
                "type:BURGLARY": 0,
                "note": f"police/{SEPT}: 143 rows' crime types written in another case or spacing",
            },
            on_disk=True,
        ),
        Case(
            "crime-types-not-police-uk",
            c,
            lambda k, d: _up(SEPT, _edit(k, _types_not_police_uk)),
            counts={
                **CITY,
                "asb": 176 - 5,
                f"type:{HOSTILE_TYPE}": 5,
                "type:Burglary (domestic)": 2,
                "note": (
                    f"{SEPT}: 7 rows have a crime type data.police.uk does not publish (2 values: "
                    f"{HOSTILE_TYPE!r}, 'Burglary (domestic)'); kept as written, each value a type "
                    "of its own, which a choice of data.police.uk's types leaves out."
                ),
            },
        ),
        Case(
            "ireland-belfast-calais",
            c,
            lambda k, d: _up(SEPT, _edit(k, places)),
            counts={**CITY, "n_outside_gb": 3, "n_inside_wards": 1403, "asb": 174},
        ),
        Case(
            "null-island",
            c,
            lambda k, d: _up(SEPT, _edit(k, null_island)),
            counts={**CITY, "n_outside_gb": 2, "n_inside_wards": 1404, "asb": 174},
        ),
        Case(
            "latitude-missing",
            c,
            lambda k, d: _up(SEPT, _edit(k, half_located)),
            counts={**CITY, "n_without_location": 24, "n_inside_wards": 1402, "asb": 174},
        ),
        Case(
            "outcomes-as-crimes",
            c,
            lambda k, d: _up(
                "2024-09-cambridgeshire-outcomes.csv",
                b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                b"LSOA name,Outcome type\nabc,2024-09,Cambridgeshire Constabulary,Cambridgeshire "
                b"Constabulary,0.12,52.2,On or near Mill Road,E01,Cambridge 001A,Charged\n",
            ),
            "This is a data.police.uk outcomes file (...-outcomes.csv), not a street-level crime",
        ),
        Case(
            "stop-and-search-as-crimes",
            c,
            lambda k, d: _up(
                "2024-09-cambridgeshire-stop-and-search.csv",
                b"Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
                b"Gender,Age range,Legislation,Object of search,Outcome\nPerson search,"
                b"2024-09-01T10:00:00+00:00,False,,52.2,0.12,Male,18-24,Misuse of Drugs Act 1971 "
                b"(section 23),Controlled drugs,A no further action disposal\n",
            ),
            "stop and search file (...-stop-and-search.csv), not a street-level crime file",
        ),
        Case(
            "repeated-crime-id",
            c,
            lambda k, d: _up(SEPT, _edit(k, repeat_row)),
            counts={**CITY, "n_rows_read": 1428, "n_duplicates_removed": 1},
        ),
    ]


# --------------------------------------------------------------------------------------------
# Ward and LSOA boundaries, populations, neighbourhoods


def _boundary_cases() -> list[Case]:  # noqa: C901  # one small builder per case
    def wards(
        func: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], name: str = "w.geojson"
    ) -> Build:
        return lambda k, d: Inputs(wards=(name, _geojson(func(k.wards.copy()))))

    def points(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.set_geometry(frame.geometry.representative_point())

    def lines(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.set_geometry(frame.geometry.boundary)

    def cover_all(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        city = gpd.GeoDataFrame(
            {"WD23CD": ["E07000008"], "WD23NM": ["Cambridge (whole city)"]},
            geometry=[shapely.union_all(frame.geometry.to_numpy()).buffer(0.001)],
            crs=frame.crs,
        )
        return pd.concat([city, frame], ignore_index=True)

    def petersfield_copy(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Petersfield twice, the copy first: equal areas, so the lower code keeps the crimes."""
        copy = frame.loc[frame["WD23NM"] == "Petersfield"].assign(
            WD23NM="Petersfield (copy)", WD23CD="E05999999"
        )
        return pd.concat([copy, frame], ignore_index=True)

    def petersfield_old(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """A larger, older Petersfield listed first: the smaller ward keeps its crimes."""
        old = frame.loc[frame["WD23NM"] == "Petersfield"].assign(
            WD23NM="Petersfield (2013)", WD23CD="E05002711"
        )
        old = old.set_geometry(old.to_crs("EPSG:27700").buffer(150).to_crs("EPSG:4326"))
        return pd.concat([old, frame], ignore_index=True)

    def france(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.set_geometry(frame.geometry.apply(lambda g: translate(g, 1.9, -1.3)))

    def no_names(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame[["geometry"]].assign(colour="red")

    def same_names(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.assign(WD23NM="Cambridge")

    def null_geometry(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame.loc[3, "geometry"] = None
        return frame

    def collection(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        geoms = [shapely.GeometryCollection([g, g.representative_point()]) for g in frame.geometry]
        return frame.set_geometry(geoms)

    def metres_as_degrees(k: Kit, d: Path) -> Inputs:
        data = json.loads(_geojson(k.wards.to_crs("EPSG:27700")))
        data.pop("crs", None)
        return Inputs(wards=("w.geojson", json.dumps(data).encode()))

    def shapefile_without_prj(k: Kit, d: Path) -> Inputs:
        folder = d / "shp"
        folder.mkdir()
        k.wards.to_file(folder / "wards.shp")
        (folder / "wards.prj").unlink()
        return Inputs(
            wards=("wards.zip", zip_of({p.name: p.read_bytes() for p in folder.iterdir()}))
        )

    def lsoa_points(k: Kit, d: Path) -> Inputs:
        lsoas = gpd.read_file(k.lsoas_path)
        return Inputs(lsoas=("lsoa.geojson", _geojson(points(lsoas))))

    def lsoa_no_code(k: Kit, d: Path) -> Inputs:
        lsoas = gpd.read_file(k.lsoas_path)
        return Inputs(lsoas=("lsoa.geojson", _geojson(lsoas[["geometry"]].assign(x=1))))

    def population(func: Callable[[pd.DataFrame], pd.DataFrame]) -> Build:
        return lambda k, d: Inputs(
            population=("pop.csv", _csv(func(pd.read_csv(io.BytesIO(k.population), dtype=str))))
        )

    def pop_text(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[4, "total_usual_residents"] = "about 1500"
        return frame

    def pop_thousands(frame: pd.DataFrame) -> pd.DataFrame:
        value = int(str(frame.loc[0, "total_usual_residents"]))
        frame.loc[0, "total_usual_residents"] = f"{value:,}"
        return frame

    def neighbourhoods(text: str) -> Build:
        return lambda k, d: Inputs(neighbourhoods=("n.csv", text.encode()))

    overlap = {**CITY, "Petersfield": 133}
    w: Group = "wards"
    p: Group = "population"
    lo: Group = "lsoas"
    nb: Group = "neighbourhoods"
    return [
        Case(
            "crime-csv-as-wards",
            w,
            lambda k, d: Inputs(wards=(SEPT, k.city)),
            "holds no geometries. It is a data.police.uk crime file",
        ),
        Case(
            "points-as-wards",
            w,
            wards(points),
            "ward boundaries must be polygons; found 14 points",
        ),
        Case("lines-as-wards", w, wards(lines), "ward boundaries must be polygons; found 14 lines"),
        Case(
            "collections-as-wards",
            w,
            wards(collection),
            "ward boundaries must be polygons; found 14 geometry collections",
        ),
        Case(
            "wards-in-windows-1252",  # a GeoJSON saved by an older desktop tool
            w,
            lambda k, d: Inputs(wards=("w.geojson", _cp1252_names(k.wards, "WD23NM"))),
            "w.geojson: the text of its attributes is not UTF-8 (it may be Windows-1252",
        ),
        Case(
            "empty-feature-collection",
            w,
            lambda k, d: Inputs(
                wards=("w.geojson", b'{"type": "FeatureCollection", "features": []}')
            ),
            "the file holds no features",
        ),
        Case(
            "metres-claiming-degrees",
            w,
            metres_as_degrees,
            "they are probably metres (EPSG:27700)",
        ),
        Case(
            "shapefile-without-prj",
            w,
            shapefile_without_prj,
            "have no CRS (a Shapefile without its .prj file?). Their coordinates look like "
            "longitude and latitude (EPSG:4326)",
        ),
        Case(
            "lsoas-as-wards",
            w,
            lambda k, d: Inputs(wards=("lsoa.geojson", k.lsoas_path.read_bytes())),
            "These look like LSOA (lower layer super output area) boundaries, not wards",
        ),
        Case("wards-in-france", w, wards(france), "lie outside Great Britain"),
        Case(
            "wards-with-latitude-first",
            w,
            wards(_latitude_first),
            "The first coordinate holds the latitude and the second the longitude: the axes "
            "are swapped.",
        ),
        Case(
            "degrees-claiming-metres",
            w,
            lambda k, d: Inputs(wards=("w.geojson", _claiming_bng(k.wards))),
            "The coordinates are longitude and latitude in degrees, not OSGB36 / British National "
            "Grid's metres. Set the CRS to EPSG:4326",
        ),
        Case("no-name-column", w, wards(no_names), "could not tell which column holds"),
        Case("repeated-names", w, wards(same_names), "ward names repeat (Cambridge)"),
        Case("null-geometry", w, wards(null_geometry), "1 features have no geometry"),
        Case(
            "binary-as-wards",
            w,
            lambda k, d: Inputs(wards=("w.geojson", PNG)),
            "could not be read as ward boundaries",
        ),
        Case(
            "html-as-wards",
            w,
            lambda k, d: Inputs(wards=("w.geojson", HTML)),
            "could not be read as ward boundaries",
        ),
        Case(
            "zip-without-shapefile",
            w,
            lambda k, d: Inputs(wards=("w.zip", zip_of({"readme.txt": b"x"}))),
            "could not be read as ward boundaries",
        ),
        Case(
            "wards-fifo",
            w,
            lambda k, d: Inputs(wards=_fifo(d, "wards.geojson")),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
        Case(
            "wards-missing",
            w,
            lambda k, d: Inputs(wards=d / "wards.geojson"),
            "not found",
            on_disk=True,
        ),
        Case(
            "wards-no-permission",
            w,
            lambda k, d: Inputs(wards=_write(d, "wards.geojson", k.wards_path.read_bytes())),
            "permission denied",
            on_disk=True,
            patch="no_access",
        ),
        Case(
            "ward-covering-the-city",
            w,
            wards(cover_all),
            counts={
                **overlap,
                "n_outside_wards": 0,
                "n_inside_wards": 1407,
                "Cambridge (whole city)": 1,
                "n_in_overlaps": 1406,
                "overlap_note": "1,406 crimes lie in more than one ward",
            },
        ),
        Case(
            "petersfield-twice",
            w,
            wards(petersfield_copy),
            counts={
                **overlap,
                "Petersfield (copy)": 0,
                "n_in_overlaps": 133,
                "overlap_note": "Petersfield (copy) and Petersfield overlap by",
            },
        ),
        Case(
            "petersfield-older-and-larger",
            w,
            wards(petersfield_old),
            counts={**overlap, "overlap_note": "Petersfield (2013) and Petersfield overlap by"},
        ),
        Case("lsoas-as-points", lo, lsoa_points, "LSOA boundaries must be polygons; found 78"),
        Case("lsoas-without-code", lo, lsoa_no_code, "no LSOA code column"),
        Case(
            "population-ok",
            p,
            lambda k, d: Inputs(population=("pop.csv", k.population)),
            counts={**CITY, "n_population": 78},
        ),
        Case(
            "population-thousands",
            p,
            population(pop_thousands),
            counts={**CITY, "n_population": 78},
        ),
        Case(
            "population-no-total",
            p,
            population(lambda f: f.drop(columns=["total_usual_residents"])),
            "needs an LSOA code column and a total population column",
        ),
        Case("population-text", p, population(pop_text), "is not a number in row 6"),
        Case(
            "population-empty",
            p,
            lambda k, d: Inputs(population=("pop.csv", b"")),
            "the file is empty",
        ),
        Case(
            "population-header-only",
            p,
            lambda k, d: Inputs(population=("pop.csv", k.population.split(b"\n", 1)[0])),
            "holds a header but no rows",
        ),
        Case(
            "population-binary",
            p,
            lambda k, d: Inputs(population=("pop.csv", PDF)),
            "looks binary",
        ),
        Case(
            "population-ragged",
            p,
            lambda k, d: Inputs(population=("pop.csv", k.population + b'"E01,x\n')),
            "could not be read as a CSV",
        ),
        Case(
            "population-fifo",
            p,
            lambda k, d: Inputs(population=_fifo(d, "pop.csv")),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
        Case(
            "neighbourhoods-one-column",
            nb,
            neighbourhoods("ward\nMarket\n"),
            "missing column 'neighbourhood'",
        ),
        Case(
            "neighbourhoods-ward-twice",
            nb,
            neighbourhoods("ward,neighbourhood\nMarket,Centre\nMarket,North\n"),
            "wards listed in two neighbourhoods: Market",
        ),
        Case(
            "neighbourhoods-unknown-ward",
            nb,
            neighbourhoods("ward,neighbourhood\nMarkett,Centre\n"),
            "not in the ward boundaries: Markett",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Co-location sites, street networks, resident and partner reports


def _file_cases() -> list[Case]:
    def sites(func: Callable[[pd.DataFrame], pd.DataFrame], name: str = "sites.csv") -> Build:
        return lambda k, d: Inputs(
            file=(name, _csv(func(pd.read_csv(io.BytesIO(k.sites), dtype=str))))
        )

    def reports(func: Callable[[pd.DataFrame], pd.DataFrame]) -> Build:
        return lambda k, d: Inputs(
            file=("reports.csv", _csv(func(pd.read_csv(io.BytesIO(k.reports), dtype=str))))
        )

    def at(place: tuple[float, float], what: str = "lon") -> Callable[[pd.DataFrame], pd.DataFrame]:
        def edit(frame: pd.DataFrame) -> pd.DataFrame:
            frame.loc[1, ["lon", "lat"]] = [str(place[0]), str(place[1])]
            return frame

        del what
        return edit

    def blank(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
        def edit(frame: pd.DataFrame) -> pd.DataFrame:
            frame.loc[2, column] = ""
            return frame

        return edit

    def wards_as_sites(k: Kit, d: Path) -> Inputs:
        frame = k.wards.rename(columns={"WD23NM": "name"}).assign(kind="council")
        return Inputs(file=("sites.geojson", _geojson(frame[["name", "kind", "geometry"]])))

    s: Group = "sites"
    n: Group = "network"
    r: Group = "reports"
    return [
        Case("sites-ok", s, lambda k, d: Inputs(file=("sites.csv", k.sites)), counts={"n": 3}),
        Case(
            "sites-no-coordinates",
            s,
            sites(lambda f: f.drop(columns=["lon", "lat"])),
            "no coordinate columns",
        ),
        Case("sites-blank-coordinate", s, sites(blank("lat")), "have no coordinates (first: row 4"),
        Case(
            "sites-in-dublin", s, sites(at(DUBLIN)), "1 co-location sites lie outside Great Britain"
        ),
        Case("sites-in-belfast", s, sites(at(BELFAST)), "lie outside Great Britain"),
        Case("sites-unknown-kind", s, sites(lambda f: f.assign(kind="library")), "kind"),
        Case("sites-polygons", s, wards_as_sites, "must be points; feature 1 is a Polygon"),
        Case(
            "sites-in-windows-1252",
            s,
            lambda k, d: Inputs(file=("sites.geojson", _cp1252_sites(k))),
            "sites.geojson: the text of its attributes is not UTF-8",
        ),
        Case("sites-binary", s, lambda k, d: Inputs(file=("sites.csv", PNG)), "looks binary"),
        Case(
            "sites-crime-file",
            s,
            lambda k, d: Inputs(file=("sites.csv", k.city)),
            "no coordinates",
        ),
        Case(
            "sites-fifo",
            s,
            lambda k, d: Inputs(file=_fifo(d, "sites.csv")),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
        Case(
            "sites-no-permission",
            s,
            lambda k, d: Inputs(file=_write(d, "sites.csv", k.sites)),
            "permission denied",
            on_disk=True,
            patch="no_access",
        ),
        Case(
            "network-ok",
            n,
            lambda k, d: Inputs(file=("streets.osm", k.osm_xml)),
            counts={"n_min": 50},
        ),
        Case(
            "network-unknown-format",
            n,
            lambda k, d: Inputs(file=("streets.shp", b"x")),
            "unknown street network format",
        ),
        Case(
            "network-garbage-graphml",
            n,
            lambda k, d: Inputs(file=("streets.graphml", b"<graphml><oops")),
            "could not be read as a street network",
        ),
        Case(
            "network-crimes-as-graphml",
            n,
            lambda k, d: Inputs(file=("streets.graphml", k.city)),
            "could not be read as a street network",
        ),
        Case(
            "network-empty-osm",
            n,
            lambda k, d: Inputs(file=("streets.osm", b"")),
            "could not be read as a street network",
        ),
        Case(
            "network-osm-without-streets",
            n,
            lambda k, d: Inputs(
                file=(
                    "streets.osm",
                    (
                        b"<?xml version='1.0'?><osm version='0.6'>"
                        b"<node id='1' lat='52.2' lon='0.12' version='1'/></osm>"
                    ),
                )
            ),
            "street",
        ),
        Case(
            "network-fifo",
            n,
            lambda k, d: Inputs(file=_fifo(d, "streets.graphml")),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
        Case(
            "network-missing",
            n,
            lambda k, d: Inputs(file=d / "streets.graphml"),
            "not found",
            on_disk=True,
        ),
        Case(
            "reports-ok",
            r,
            lambda k, d: Inputs(file=("reports.csv", k.reports)),
            counts={"n": 3},
        ),
        Case(
            "reports-no-issue",
            r,
            reports(lambda f: f.drop(columns=["issue"])),
            "missing column 'issue'",
        ),
        Case(
            "reports-bad-date",
            r,
            reports(lambda f: f.assign(date=["2024-09-03", "next Tuesday", "2024-09-28"])),
            "date 'next Tuesday' in row 3 is not YYYY-MM-DD",
        ),
        Case(
            "reports-in-belfast",
            r,
            reports(at(BELFAST)),
            "1 reports have no coordinates in Great Britain (first: row 3)",
        ),
        Case(
            "reports-in-calais",
            r,
            reports(at(CALAIS)),
            "1 reports have no coordinates in Great Britain",
        ),
        Case(
            "reports-blank-coordinates",
            r,
            reports(blank("lon")),
            "1 reports have no coordinates in Great Britain (first: row 4)",
        ),
        Case("reports-binary", r, lambda k, d: Inputs(file=("reports.csv", PDF)), "looks binary"),
        Case(
            "reports-header-only",
            r,
            lambda k, d: Inputs(file=("reports.csv", k.reports.split(b"\n", 1)[0] + b"\n")),
            "no reports",
        ),
        Case(
            "reports-ragged",
            r,
            lambda k, d: Inputs(file=("reports.csv", k.reports + b'2024-09-30,"resident\n')),
            "could not be read as a CSV",
        ),
        Case(
            "reports-fifo",
            r,
            lambda k, d: Inputs(file=_fifo(d, "reports.csv")),
            "is a named pipe (FIFO)",
            on_disk=True,
        ),
    ]


# --------------------------------------------------------------------------------------------
# Vector files as GIS tools and downloads make them: several layers, folders inside a .zip, rings
# that are not closed, names in decomposed Unicode (macOS)

NEWNHAM_WELSH = "Ynys M\u00f4n Pen-y-Bryn"
"""Newnham renamed, as a Welsh ward is spelt (NFC: the circumflex composed, as typed)."""


def _unclose(data: dict[str, object], position: int) -> bytes:
    """Drop the closing point of the first ring of the feature at ``position``."""
    features = data["features"]
    assert isinstance(features, list)
    geometry = features[position]["geometry"]
    ring = geometry["coordinates"][0]
    if geometry["type"] == "MultiPolygon":
        ring = ring[0]
    assert ring[0] == ring[-1]
    ring.pop()
    return json.dumps(data).encode()


def _gpkg(folder: Path, name: str, layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[str, bytes]:
    path = folder / name
    for layer, frame in layers.items():
        frame.to_file(path, layer=layer, driver="GPKG")
    return name, path.read_bytes()


def _shapefiles(folder: Path, frames: Mapping[str, gpd.GeoDataFrame]) -> dict[str, bytes]:
    """Write each frame as a Shapefile at its path (``a/b/wards.shp``); return the files' bytes."""
    written = folder / "shapefiles"
    for member, frame in frames.items():
        (written / member).parent.mkdir(parents=True, exist_ok=True)
        frame.to_file(written / member)
    return {
        p.relative_to(written).as_posix(): p.read_bytes()
        for p in sorted(written.rglob("*"))
        if p.is_file()
    }


def _vector_file_cases() -> list[Case]:  # noqa: C901  # one small builder per case
    def unclosed_wards(k: Kit, d: Path) -> Inputs:
        data = json.loads(k.wards_path.read_bytes())
        return Inputs(wards=("wards.geojson", _unclose(data, 3)))  # Cherry Hinton

    def two_vintages(k: Kit, d: Path) -> Inputs:
        older = k.wards.assign(WD23NM=k.wards["WD23NM"] + " (2013)")
        return Inputs(wards=_gpkg(d, "wards.gpkg", {"wards_2013": older, "wards_2023": k.wards}))

    def wards_and_stations(k: Kit, d: Path) -> Inputs:
        stations = k.wards.set_geometry(k.wards.representative_point())
        layers = {"police_stations": stations, "wards_2023": k.wards}
        return Inputs(wards=_gpkg(d, "wards.gpkg", layers))

    def wards_and_styles(k: Kit, d: Path) -> Inputs:
        name, _ = _gpkg(d, "wards.gpkg", {"wards_2023": k.wards})
        styles = pd.DataFrame({"f_table_name": ["wards_2023"], "styleQML": ["<qgis/>"]})
        pyogrio.write_dataframe(styles, d / name, layer="layer_styles", driver="GPKG")
        return Inputs(wards=(name, (d / name).read_bytes()))

    def two_shapefiles(k: Kit, d: Path) -> Inputs:
        older = k.wards.assign(WD23NM=k.wards["WD23NM"] + " (2013)")
        files = _shapefiles(d, {"a_wards_2013.shp": older, "b_wards_2023.shp": k.wards})
        return Inputs(wards=("wards.zip", zip_of(files)))

    def nested_shapefile(k: Kit, d: Path) -> Inputs:
        files = _shapefiles(d, {"Wards_Dec_2023/data/wards.shp": k.wards})
        files["__MACOSX/Wards_Dec_2023/data/._wards.shp"] = b"\x00\x05\x16\x07 mac resource"
        return Inputs(wards=("Wards_Dec_2023.zip", zip_of(files)))

    def same_wards_twice(k: Kit, d: Path) -> Inputs:  # a bundle of formats: .shp and .geojson
        files = _shapefiles(d, {"wards.shp": k.wards.to_crs("EPSG:27700")})
        files["wards.geojson"] = _geojson(k.wards)
        return Inputs(wards=("bundle.zip", zip_of(files)))

    def shapefile_without_dbf(k: Kit, d: Path) -> Inputs:
        files = _shapefiles(d, {"wards/wards.shp": k.wards})
        del files["wards/wards.dbf"]
        return Inputs(wards=("wards.zip", zip_of(files)))

    def decomposed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        welsh = unicodedata.normalize("NFD", NEWNHAM_WELSH)
        return frame.assign(WD23NM=frame["WD23NM"].replace({"Newnham": welsh}))

    def nfd_wards(k: Kit, d: Path) -> Inputs:
        return Inputs(wards=("wards.geojson", _geojson(decomposed(k.wards.copy()))))

    def nfc_neighbourhoods(k: Kit, d: Path) -> Inputs:
        text = f"ward,neighbourhood\n{NEWNHAM_WELSH},West\nCastle,West\nMarket,Centre\n"
        return Inputs(
            wards=("wards.geojson", _geojson(decomposed(k.wards.copy()))),
            neighbourhoods=("n.csv", text.encode()),
        )

    def lsoa_vintages(k: Kit, d: Path) -> Inputs:
        layers = {
            "lsoa_2011": gpd.read_file(k.lsoas_path.with_name("lsoa_2011.geojson")),
            "lsoa_2021": gpd.read_file(k.lsoas_path),
        }
        return Inputs(lsoas=_gpkg(d, "lsoas.gpkg", layers))

    def lsoas_and_centroids(k: Kit, d: Path) -> Inputs:
        lsoas = gpd.read_file(k.lsoas_path)
        centroids = lsoas.set_geometry(lsoas.representative_point())
        layers = {"lsoa_2021": lsoas, "lsoa_2021_centroids": centroids}
        return Inputs(lsoas=_gpkg(d, "lsoas.gpkg", layers))

    def unclosed_lsoas(k: Kit, d: Path) -> Inputs:
        return Inputs(lsoas=("lsoas.geojson", _unclose(json.loads(k.lsoas_path.read_bytes()), 5)))

    def site_layers(k: Kit, d: Path) -> Inputs:
        sites = pd.read_csv(io.BytesIO(k.sites))
        frame = gpd.GeoDataFrame(
            sites[["name", "kind"]],
            geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
            crs="EPSG:4326",
        )
        layers = {"sites_2023": frame.iloc[:2], "sites_2024": frame}
        return Inputs(file=_gpkg(d, "sites.gpkg", layers))

    def unclosed_sites(k: Kit, d: Path) -> Inputs:
        frame = k.wards.rename(columns={"WD23NM": "name"}).assign(kind="council")
        data = json.loads(_geojson(frame[["name", "kind", "geometry"]]))
        return Inputs(file=("sites.geojson", _unclose(data, 1)))

    w: Group = "wards"
    nb: Group = "neighbourhoods"
    lo: Group = "lsoas"
    s: Group = "sites"
    layer_note = (
        "wards.gpkg holds 2 layers ('police_stations' (points), 'wards_2023' (polygons)); the "
        "only layer of polygons, 'wards_2023', was read as the ward boundaries."
    )
    return [
        Case(
            "wards-ring-not-closed",
            w,
            unclosed_wards,
            "wards.geojson: the geometry of feature 4 (WD23CD 'E05013053', WD23NM 'Cherry "
            "Hinton') cannot be read: a ring is not closed (its last point is not its first). "
            "Fix the geometries in a GIS (QGIS: Vector > Geometry Tools > Fix Geometries",
        ),
        Case(
            "wards-gpkg-two-vintages",
            w,
            two_vintages,
            "wards.gpkg: holds 2 layers ('wards_2013' (polygons), 'wards_2023' (polygons)): 2 "
            "hold polygons, and patchmap will not guess which are the ward boundaries. Save the "
            "layer you want as a file of its own (QGIS: right-click the layer > Export > Save "
            "Features As...",
        ),
        Case(
            "wards-gpkg-with-a-points-layer",
            w,
            wards_and_stations,
            counts={**CITY, "note": layer_note},
        ),
        Case("wards-gpkg-with-qgis-styles", w, wards_and_styles, counts=CITY),
        Case(
            "wards-zip-two-shapefiles",
            w,
            two_shapefiles,
            "wards.zip: holds 2 layers ('a_wards_2013.shp' (polygons), 'b_wards_2023.shp' "
            "(polygons)): 2 hold polygons",
        ),
        Case("wards-zip-shapefile-in-a-folder", w, nested_shapefile, counts=CITY),
        Case(
            "wards-zip-same-wards-in-two-formats",
            w,
            same_wards_twice,
            counts={
                **CITY,
                "note": "bundle.zip holds the same ward boundaries in 2 formats ('wards.shp', "
                "'wards.geojson'); 'wards.shp' was read.",
            },
        ),
        Case(
            "wards-zip-shapefile-without-dbf",
            w,
            shapefile_without_dbf,
            "wards.zip: the Shapefile wards/wards.shp comes without its .dbf file",
        ),
        Case(
            "wards-names-decomposed",
            w,
            nfd_wards,
            counts={**CITY, NEWNHAM_WELSH: 15, "Castle": 51},
        ),
        Case(
            "neighbourhoods-typed-for-decomposed-wards",
            nb,
            nfc_neighbourhoods,
            counts={**CITY, NEWNHAM_WELSH: 15},
        ),
        Case(
            "lsoas-gpkg-two-vintages",
            lo,
            lsoa_vintages,
            "lsoas.gpkg: holds 2 layers ('lsoa_2011' (polygons), 'lsoa_2021' (polygons))",
        ),
        Case(
            "lsoas-gpkg-with-centroids",
            lo,
            lsoas_and_centroids,
            counts={
                **CITY,
                "note": "the only layer of polygons, 'lsoa_2021', was read as the LSOA boundaries",
            },
        ),
        Case(
            "lsoas-ring-not-closed",
            lo,
            unclosed_lsoas,
            "lsoas.geojson: the geometry of feature 6 (LSOA21CD",
        ),
        Case(
            "sites-gpkg-two-layers",
            s,
            site_layers,
            "sites.gpkg: holds 2 layers ('sites_2023' (points), 'sites_2024' (points)): patchmap "
            "reads one layer and will not guess which holds the co-location sites",
        ),
        Case(
            "sites-ring-not-closed",
            s,
            unclosed_sites,
            "sites.geojson: the geometry of feature 2 (id '1', name 'Arbury', kind "
            "'council') cannot be read: a ring is not closed",
        ),
    ]


CASES: tuple[Case, ...] = (
    *_crime_errors(),
    *_crime_loads(),
    *_boundary_cases(),
    *_file_cases(),
    *_vector_file_cases(),
)
"""Every case, in groups: crime errors, crime loads, boundaries and tables, point and line files."""


def upload_cases() -> tuple[Case, ...]:
    """The cases a user can also meet by uploading files in the app."""
    return tuple(c for c in CASES if not c.on_disk)


__all__ = ["CASES", "Case", "Inputs", "Kit", "make_kit", "replace", "upload_cases"]
