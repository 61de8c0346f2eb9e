"""Every CSV reader refuses JSON, web pages, binary and empty files with its own advice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from spatial.errors import InputDataError
from spatial.io import read_crimes, read_neighbourhoods, read_population
from spatial.sites import read_points
from spatial.validate import markup_or_json
from tasking.reports import read_reports

if TYPE_CHECKING:
    from collections.abc import Callable

GEOJSON = b'\xef\xbb\xbf  {"type": "FeatureCollection", "features": []}'
PAGE = b"\n<!DOCTYPE html><html><body>Your session has expired</body></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00"

READERS: list[tuple[str, Callable[[tuple[str, bytes]], object], str]] = [
    ("crimes", lambda s: read_crimes([s]), "Load the street-level CSV files from data.police.uk"),
    ("neighbourhoods", read_neighbourhoods, "The file needs two columns: ward,neighbourhood."),
    ("population", read_population, "Use a CSV with an LSOA code column"),
    ("reports", read_reports, "Reports need date, reported_by, issue"),
    ("sites", lambda s: read_points(s, what="sites"), "Use a CSV of sites with lon,lat"),
]


@pytest.mark.parametrize(("kind", "read", "advice"), READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize(
    ("data", "said"),
    [
        (GEOJSON, "this is JSON (GeoJSON boundaries, perhaps), not a CSV file."),
        (PAGE, "this is HTML or XML (a web page saved in place of the file"),
        (PNG, "this is not a CSV file (it looks binary)."),
        (b"  \n", "the file is empty."),
    ],
    ids=["geojson", "web-page", "png", "empty"],
)
def test_a_file_that_is_not_a_csv_gets_the_readers_own_advice(
    kind: str,
    read: Callable[[tuple[str, bytes]], object],
    advice: str,
    data: bytes,
    said: str,
) -> None:
    name = f"2024-09-{kind}.csv"
    with pytest.raises(InputDataError) as caught:
        read((name, data))
    message = str(caught.value)
    assert message.startswith(f"{name}: {said}")
    if kind != "crimes" or data.strip():  # an empty crime file says choose the crimes' CSV
        assert advice in message
    if kind != "crimes":
        assert "data.police.uk" not in message


def test_what_looks_like_a_table_is_left_to_the_csv_readers() -> None:
    for text in (b"Crime ID,Month\n", b'"{odd}",b\n', b"ward,neighbourhood\n", b""):
        assert markup_or_json(text) is None
    assert markup_or_json(b"\r\n\t[1, 2]") == "JSON (GeoJSON boundaries, perhaps)"
    assert markup_or_json(b"<kml xmlns='http://www.opengis.net/kml/2.2'>") is not None
