"""
Read every text an export file carries, and find counts or places finer than an audience's.

Shared by the CLI tests (``tests/layers``) and the Exports page tests (``tests/app``): a text
field holding "Hotspot 3 (1 crimes)" is a count that no suppression of ``n_*`` columns blanks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import rasterio

from spatial.crime_types import CRIME_TYPES

if TYPE_CHECKING:
    from collections.abc import Callable

_COUNT_NOUNS = r"(?:crimes?|offences?|incidents?|reports?|events?|cases?)"
COUNT_IN_TEXT = re.compile(rf"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s+{_COUNT_NOUNS}\b", re.IGNORECASE)
"""A number followed by a word for crimes: "1 crimes", "3 crime", "12 offences"."""
TYPE_COUNT = re.compile(
    r"(?:" + "|".join(re.escape(t) for t in CRIME_TYPES) + r"):\s*(\d[\d,]*)", re.IGNORECASE
)
"""A crime type with its count, as repeat-location lists write it: "Public order: 6"."""
CELL_LABEL = re.compile(r"(\d+(?:\.\d+)?) m cell E(\d+) N(\d+)")
"""A place named by its cell: "100 m cell E454550 N269450"."""


def _xml_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)  # noqa: S314  # our own export, read back
    texts: list[str] = []
    for element in root.iter():
        texts += [element.text or "", element.tail or "", *element.attrib.values()]
    return texts


def _json_texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (str(k), *_json_texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in _json_texts(v)]
    return []


def _gpkg_texts(data: bytes) -> list[str]:
    """Every text value of every table of a GeoPackage (features, metadata, descriptions)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(data)
        connection = sqlite3.connect(path)
        try:
            tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
            texts = []
            for table in tables:
                try:
                    rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
                except sqlite3.OperationalError:  # a view or virtual table sqlite cannot read
                    continue
                texts += [v for row in rows for v in row if isinstance(v, str)]
        finally:
            connection.close()
    return texts


def _tif_texts(data: bytes) -> list[str]:
    with rasterio.MemoryFile(data) as memory, memory.open() as src:
        texts = list(src.tags().values()) + [d or "" for d in src.descriptions]
        for band in range(1, src.count + 1):
            texts += list(src.tags(band).values())
    return texts


def _zip_texts(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            t for member in archive.namelist() for t in file_texts(member, archive.read(member))
        ]


def _csv_texts(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]


_READERS: dict[str, Callable[[bytes], list[str]]] = {
    ".zip": _zip_texts,
    ".kml": _xml_texts,
    ".gpx": _xml_texts,
    ".geojson": lambda data: _json_texts(json.loads(data.decode("utf-8"))),
    ".json": lambda data: _json_texts(json.loads(data.decode("utf-8"))),
    ".csv": _csv_texts,
    ".gpkg": _gpkg_texts,
    ".tif": _tif_texts,
    ".dbf": lambda data: [data.decode("latin-1")],
}


def file_texts(name: str, data: bytes) -> list[str]:
    """
    Return every text a file carries: attributes, names, descriptions, metadata.

    Zip archives are opened and each member read; Shapefile parts other than ``.dbf`` carry no
    text.
    """
    reader = _READERS.get(Path(name).suffix.lower())
    return [] if reader is None else reader(data)


def folder_texts(folder: Path) -> dict[str, list[str]]:
    """Return the texts of every file under ``folder``, by file name."""
    return {
        str(p.relative_to(folder)): file_texts(p.name, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def small_counts(texts: dict[str, list[str]], *, min_count: int) -> list[str]:
    """Return each text presenting a crime count below ``min_count``, with its file."""
    found = []
    for name, values in texts.items():
        for text in values:
            numbers = [m.group(1) for m in COUNT_IN_TEXT.finditer(text)]
            numbers += [m.group(1) for m in TYPE_COUNT.finditer(text)]
            if any(float(n.replace(",", "")) < min_count for n in numbers):
                found.append(f"{name}: {text[:200]!r}")
    return found


def fine_cell_labels(texts: dict[str, list[str]], *, min_cell_m: float) -> list[str]:
    """Return each text naming a cell finer than ``min_cell_m`` or off that cell's centre."""
    found = []
    for name, values in texts.items():
        for text in values:
            for match in CELL_LABEL.finditer(text):
                size, x, y = (float(g) for g in match.groups())
                off_centre = (x / size - 0.5) % 1 or (y / size - 0.5) % 1
                if size < min_cell_m or off_centre:
                    found.append(f"{name}: {text[:200]!r}")
    return found
