"""
Read a KML file as Google Earth would draw its balloons, and check nothing in them is markup.

Google Earth fills a balloon from its ``<BalloonStyle>`` template, substituting ``$[...]``
entities, and renders the result as HTML. patchmap's KML files use one template that
substitutes only ``$[description]``; each ``<description>`` is HTML that patchmap writes: a
table (layers) or a bold name and a line (routes), with every text in it HTML-escaped. These
helpers parse that HTML with the standard library's parser, so a tag that a field value could
have smuggled in would show up as a tag, not as text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

KML = "{http://www.opengis.net/kml/2.2}"
TABLE_TAGS = frozenset({"table", "tr", "th", "td"})
ENTITY = re.compile(r"\$\[([^\]]*)\]")
"""A balloon entity, ``$[name]``, which Google Earth replaces by a feature's value."""

# KML 2.2 (OGC 07-147r2) AbstractFeatureType, then PlacemarkType: the children's order
FEATURE_ORDER = (
    "name",
    "visibility",
    "open",
    "address",
    "phoneNumber",
    "Snippet",
    "description",
    "LookAt",
    "Camera",
    "TimeStamp",
    "TimeSpan",
    "styleUrl",
    "Style",
    "StyleMap",
    "Region",
    "ExtendedData",
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiGeometry",
)


class _Balloon(HTMLParser):
    """Collect the tags (with attributes) and the text of each cell of balloon HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self.texts.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        if not self.texts:
            self.texts.append("")
        self.texts[-1] += data

    def handle_comment(self, data: str) -> None:
        self.tags.append(("!--", [("comment", data)]))

    def handle_decl(self, decl: str) -> None:
        self.tags.append(("!", [("decl", decl)]))

    def unknown_decl(self, data: str) -> None:
        self.tags.append(("![", [("decl", data)]))


def balloon_html(description: str, *, allowed: frozenset[str]) -> list[str]:
    """
    Parse balloon HTML; assert its only tags are ``allowed``, without attributes; return texts.

    Returns the text after each tag, character references resolved: what the balloon shows.
    """
    parser = _Balloon()
    parser.feed(description)
    parser.close()
    assert {tag for tag, _ in parser.tags} <= allowed, parser.tags
    assert all(not attrs for _, attrs in parser.tags), parser.tags
    return parser.texts


def table_rows(description: str) -> list[tuple[str, str]]:
    """Return the ``(field, value)`` rows of a placemark's table, as the balloon shows them."""
    parser = _Balloon()
    parser.feed(description)
    parser.close()
    balloon_html(description, allowed=TABLE_TAGS)
    tags = [tag for tag, _ in parser.tags]
    assert tags[:1] == ["table"]
    assert tags[1:] == ["tr", "th", "td"] * ((len(tags) - 1) // 3)
    cells = parser.texts[1:]
    return [(cells[i + 1], cells[i + 2]) for i in range(0, len(cells), 3)]


def local(element: Element) -> str:
    """Return an element's name without its namespace."""
    return element.tag.rpartition("}")[2]


def check_balloon_styles(root: Element) -> str:
    """
    Assert every feature uses the one balloon template, ``$[description]`` only; return its url.

    Checks: each ``<BalloonStyle>`` in the file (shared or in a feature's own ``<Style>``)
    substitutes no entity but ``$[description]``; the document, each folder and each
    placemark has a ``<styleUrl>`` to a shared ``<Style>`` with such a balloon; a placemark's
    own ``<Style>`` carries the same balloon; each placemark's children are in KML's order.
    """
    texts = [el.findtext(f"{KML}text") or "" for el in root.iter(f"{KML}BalloonStyle")]
    assert texts
    assert all(ENTITY.findall(t) == ["description"] for t in texts), texts
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style") if s.get("id")}
    features = [*root.iter(f"{KML}Document"), *root.iter(f"{KML}Folder")]
    features += root.iter(f"{KML}Placemark")
    urls = {feature.findtext(f"{KML}styleUrl") for feature in root.iter(f"{KML}Document")}
    (url,) = urls
    assert url is not None
    assert styles[url.removeprefix("#")].find(f"{KML}BalloonStyle") is not None
    for feature in features:
        own = feature.findtext(f"{KML}styleUrl")
        assert own is not None, local(feature)
        style = styles[own.removeprefix("#")]
        assert style.find(f"{KML}BalloonStyle") is not None
    for placemark in root.iter(f"{KML}Placemark"):
        order = [FEATURE_ORDER.index(local(child)) for child in placemark]
        assert order == sorted(order), [local(child) for child in placemark]
        for style in placemark.iterfind(f"{KML}Style"):
            assert style.find(f"{KML}BalloonStyle") is not None
    return url
