"""
Regenerate ``spatial/data/gb_outline.wkb``: Great Britain's land, simplified and buffered.

Source: Natural Earth 1:10m Admin 0 countries, version 4.1.0 (public domain), as redistributed
in the npm package ``world-atlas`` 2.0.2 (ISC licence, https://github.com/topojson/world-atlas).
Get it with ``npm pack world-atlas@2.0.2`` and unpack it; then run::

    .venv/bin/python tools/gen_gb_outline.py package/countries-10m.json

Steps: take the United Kingdom's polygons; drop Northern Ireland (the polygon that touches
Ireland, and every island nearer to it than to Great Britain's main island); project to British
National Grid; simplify to :data:`SIMPLIFY_M`; buffer by :data:`spatial.validate.GB_BUFFER_M` so
data.police.uk snap points on the coast, piers and small islands next to the coast still count as
in Great Britain; write as WKB with coordinates rounded to whole metres. The Isle of Man and the
Channel Islands are not part of Great Britain (nor covered by data.police.uk) and stay outside.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import geopandas as gpd
import shapely

from spatial.crs import BNG
from spatial.validate import GB_BUFFER_M

SIMPLIFY_M: Final = 200.0
"""Douglas-Peucker tolerance in metres, far below the buffer."""
OUT: Final = Path(__file__).resolve().parents[1] / "spatial" / "data" / "gb_outline.wkb"


def gb_outline(countries: Path) -> shapely.MultiPolygon:
    """Return Great Britain's buffered land outline in EPSG:27700 from the world-atlas file."""
    frame = gpd.read_file(countries, layer="countries").set_crs("EPSG:4326")
    uk = frame.loc[frame["name"] == "United Kingdom"].to_crs(BNG).geometry.iloc[0]
    ireland = frame.loc[frame["name"] == "Ireland"].to_crs(BNG).geometry.iloc[0]
    parts = list(shapely.get_parts(uk))
    ni_main = next(p for p in parts if p.distance(ireland) < 1.0)
    gb_main = max(parts, key=lambda p: p.area)
    gb = [p for p in parts if p is not ni_main and p.distance(gb_main) <= p.distance(ni_main)]
    land = shapely.union_all(gb).simplify(SIMPLIFY_M, preserve_topology=True)
    buffered = land.buffer(GB_BUFFER_M, quad_segs=4).simplify(SIMPLIFY_M)
    outline = shapely.set_precision(buffered, 1.0)
    return shapely.MultiPolygon(list(shapely.get_parts(outline)))


def main(argv: list[str]) -> int:
    """Write the outline from the world-atlas ``countries-10m.json`` named in ``argv``."""
    outline = gb_outline(Path(argv[0]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(shapely.to_wkb(outline))
    n_vertices = shapely.get_num_coordinates(outline)
    sys.stdout.write(f"{OUT}: {len(outline.geoms)} polygons, {n_vertices} vertices\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
