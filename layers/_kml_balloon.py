"""
Google Earth balloons that show field values as text, never as HTML.

Google Earth draws a feature's balloon from an HTML template: by default the feature's name, its
``<description>`` and a table of its ``<ExtendedData>``, and in a ``<BalloonStyle>`` ``<text>``
any ``$[name]``, ``$[description]`` or ``$[field]`` entity is replaced by that value before the
HTML is rendered. A value typed by a user (a street, a ward, an action) could therefore become
markup. patchmap's KML files give every feature one balloon template, :data:`BALLOON_TEXT`,
which substitutes only ``$[description]``, and write each ``<description>`` as HTML that
patchmap builds: every text in it is escaped by :func:`html_text`, so it shows as typed.
``<name>`` and ``<SimpleData>`` stay the exact data, XML-escaped only, for GIS readers.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

BALLOON_TEXT: Final = "$[description]"
"""The balloon template: the feature's ``<description>`` only (no name or data substituted)."""
BALLOON_STYLE_ID: Final = "patchmap_balloon"
"""The id of the shared ``<Style>`` holding the balloon template."""


def html_text(value: str) -> str:
    """
    Escape text for HTML that Google Earth renders, so it shows as typed.

    ``&``, ``<``, ``>`` and both quotes become character references, as :func:`html.escape`
    does, and ``$`` becomes ``&#36;``, so a value holding ``$[name]`` is never a balloon
    entity. The result is text for an XML writer, which escapes it once more for XML.

    Parameters
    ----------
    value
        Any text.

    Returns
    -------
    str
        The escaped text; :func:`html.unescape` gives ``value`` back.
    """
    return html.escape(value, quote=True).replace("$", "&#36;")


def html_table(rows: Iterable[tuple[str, str]]) -> str:
    """
    Return an HTML table of field names and values, every text escaped by :func:`html_text`.

    Parameters
    ----------
    rows
        ``(field name, value)`` pairs, in the order to show.

    Returns
    -------
    str
        ``<table>`` with one ``<tr><th>name</th><td>value</td></tr>`` per pair; no attributes.
    """
    cells = "".join(
        f"<tr><th>{html_text(name)}</th><td>{html_text(value)}</td></tr>" for name, value in rows
    )
    return f"<table>{cells}</table>"


def balloon_style(namespace: str = "", style_id: str = BALLOON_STYLE_ID) -> ET.Element:
    """
    Return the shared ``<Style>`` whose ``<BalloonStyle>`` shows only ``$[description]``.

    Parameters
    ----------
    namespace
        Prefix of element names: ``""`` for a tree that declares the KML namespace itself, or
        ``"{http://www.opengis.net/kml/2.2}"`` for qualified names.
    style_id
        The style's ``id``, referenced by ``<styleUrl>#id</styleUrl>``.

    Returns
    -------
    xml.etree.ElementTree.Element
        ``<Style id=...><BalloonStyle><text>$[description]</text></BalloonStyle></Style>``.
    """
    style = ET.Element(f"{namespace}Style", id=style_id)
    style.append(balloon(namespace))
    return style


def balloon(namespace: str = "") -> ET.Element:
    """
    Return a ``<BalloonStyle>`` with :data:`BALLOON_TEXT`, to add to a feature's own ``<Style>``.

    Parameters
    ----------
    namespace
        Prefix of element names, as for :func:`balloon_style`.

    Returns
    -------
    xml.etree.ElementTree.Element
        ``<BalloonStyle><text>$[description]</text></BalloonStyle>``.
    """
    element = ET.Element(f"{namespace}BalloonStyle")
    ET.SubElement(element, f"{namespace}text").text = BALLOON_TEXT
    return element
