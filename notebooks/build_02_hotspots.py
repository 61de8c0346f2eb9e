"""
Write ``notebooks/02_hotspots.ipynb`` (without outputs) from the cells below.

Run ``.venv/bin/python notebooks/build_02_hotspots.py`` after editing a cell; ``make test`` runs
the notebook with ``pytest --nbmake notebooks/``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TARGET = Path(__file__).resolve().parent / "02_hotspots.ipynb"

INTRO = """\
# 02 · Hot spots in Cambridge: Gi*, kernel density, clusters, change, emerging hot spots

The 14 Cambridge City Council wards and 13 months of data.police.uk street-level crime
(2024-09 to 2025-09), from `../shared/data/cambridge/` beside the repository (Open Government
Licence v3.0). Every section calls the `hotspots` package and prints the automatic choices it made
(cell size, bandwidth, DBSCAN distance, multiple-testing correction).

The same analyses run from the command line and write GeoPackage, GeoJSON or GeoTIFF:
`patchmap hotspots --method gistar|kde-top|dbscan|hdbscan`, `patchmap density`,
`patchmap change --before ... --after ...` and `patchmap emerging`, each with
`--crimes ../shared/data/cambridge/crimes --wards ../shared/data/cambridge/wards.geojson
--out FILE` (add `--json` for a machine-readable run record)."""

LOAD = """\
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from shapely import Point

from boundaries.dataset import load_study_area
from boundaries.select import Selection, select_points
from hotspots.classify import change_by_cell, emerging_hotspots
from hotspots.clusters import dbscan_clusters
from hotspots.concentration import concentration
from hotspots.gistar import gi_star
from hotspots.kde import kernel_density
from spatial.grid import count_points, make_grid

root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").exists())
data = root.parent / "shared" / "data" / "cambridge"
committees = root / "notebooks" / "cambridge_area_committees.csv"
area = load_study_area(
    [data / "crimes"], data / "wards.geojson", neighbourhoods=committees, label="Cambridge"
)
points, wards = area.points, area.wards
ward_shapes = wards.set_index("ward_name").geometry
pd.Series(
    {
        "crimes inside the wards": len(points),
        "first month": area.months[0],
        "last month": area.months[-1],
    }
)"""

GISTAR_MD = """\
## Getis-Ord Gi* on an automatic grid

Crimes are counted in square cells; each cell's neighbourhood (itself and the 8 cells around it)
is compared with the whole area. Cells are classed on Benjamini-Hochberg adjusted p-values."""

GISTAR = """\
grid = make_grid(wards)
counts = count_points(points, grid)
gi = gi_star(counts, grid=grid)
print(grid.notes[0])
print(gi.convention)
pd.Series(
    {
        "cells": grid.n_cells,
        "crimes counted": int(counts.sum()),
        "hot cells": gi.n_hot,
        "cold cells": gi.n_cold,
    }
)"""

HOT_BY_WARD = """\
cells = gi.cells
hot = cells.loc[cells["significant"] & (cells["gi_z"] > 0)]
hot_centres = gpd.GeoDataFrame(
    hot[["n_crimes", "gi_z"]], geometry=gpd.points_from_xy(hot["x_m"], hot["y_m"]), crs=cells.crs
)
hot_by_ward = hot_centres.sjoin(wards[["ward_name", "geometry"]], predicate="within")
hot_by_ward = hot_by_ward["ward_name"].value_counts()
hot_by_ward"""

CONCENTRATION_MD = """\
## How concentrated is crime?

The share of crime in the busiest cells, and the generalised Gini (Bernasco & Steenbeek 2017)
beside the Gini expected if the same crimes fell on the cells at random."""

CONCENTRATION = """\
conc = concentration(points, grid=grid)
pd.Series(
    {
        "share in the busiest 1 % of cells": conc.share_top_1pct,
        "share in the busiest 5 %": conc.share_top_5pct,
        "share in the busiest 10 %": conc.share_top_10pct,
        "generalised Gini": conc.gini_generalised,
        "Gini if crimes fell at random": conc.gini_null,
    }
).round(3)"""

KDE_MD = """\
## Kernel density

Quartic kernel, bandwidth by the spatial Silverman rule (ArcGIS's default), in crimes per km²;
the surface integrates to the number of crimes."""

KDE = """\
surface = kernel_density(points, area=wards)
for note in surface.notes:
    print(note)
density = surface.values  # noqa: PD011 - a numpy raster, not a pandas object
peak_row, peak_col = np.unravel_index(int(np.argmax(density)), density.shape)
x_m, y_m = surface.cell_centres()
peak = Point(float(x_m[peak_col]), float(y_m[peak_row]))
integral = float(density.sum()) * surface.cell_area_km2
pd.Series(
    {
        "bandwidth (m)": surface.bandwidth_m,
        "cell size (m)": surface.cell_size_m,
        "integral (crimes)": integral,
        "peak (crimes per km²)": float(density.max()),
        "peak easting": peak.x,
        "peak northing": peak.y,
    }
).round(1)"""

FIGURE = """\
fig, ax = plt.subplots(figsize=(7, 7))
left, bottom, right, top = surface.bounds
ax.imshow(density, extent=(left, right, bottom, top), cmap="magma_r")
wards.boundary.plot(ax=ax, color="grey", linewidth=0.5)
hot.boundary.plot(ax=ax, color="tab:blue", linewidth=0.6)
ax.set_title("Kernel density (crimes per km²) and Gi* hot cells (blue)")
ax.set_axis_off()"""

CLUSTERS_MD = """\
## DBSCAN clusters of snap points

Each police.uk snap point is weighted by its crimes; the linking distance is chosen from the
nearest-neighbour distance expected at random over the wards (CrimeStat's NNH rule)."""

CLUSTERS = """\
clusters = dbscan_clusters(points, area_m2=float(wards.geometry.area.sum()))
for note in clusters.notes:
    print(note)
clusters.clusters[["n_crimes", "n_snap_points", "top_location", "top_crime_types"]].head(8)"""

CHANGE_MD = """\
## Change in shoplifting between two half-years (250 m cells)

Each cell's monthly rate is compared between 2024-09..2025-02 and 2025-04..2025-09 with the
conditional binomial test, then Benjamini-Hochberg adjusted over the cells with any shoplifting."""

CHANGE = """\
shoplifting = select_points(area, Selection(crime_types=("Shoplifting",)))
grid_250 = make_grid(wards, cell_size_m=250)
change = change_by_cell(
    shoplifting, grid=grid_250, before=("2024-09", "2025-02"), after=("2025-04", "2025-09")
)
changed = change.loc[change["change"] != "no significant change"]
changed[["x_m", "y_m", "n_before", "n_after", "ratio", "p_adjusted", "change"]].sort_values(
    "p_adjusted"
)"""

EMERGING_MD = """\
## Emerging hot spots (250 m cells, all crime)

Gi* for every calendar month, a Mann-Kendall trend on each cell's z-scores, and Esri's
space-time categories."""

EMERGING = """\
emerging = emerging_hotspots(points, grid=grid_250)
categories = emerging["category"].value_counts()
categories"""

CHECKS_MD = "## Checks (the numbers shown above)"

CHECKS = """\
month = shoplifting["month"].astype(str)
assert len(points) == 17_785
assert counts.sum() == len(points)
assert grid.cell_size_m == 55.0
assert gi.n_hot == len(hot) == 205
assert gi.n_cold == 0
assert hot_by_ward.index[0] == "Market"
assert hot_by_ward.sum() == gi.n_hot
assert abs(integral - len(points)) < 1e-6 * len(points)
assert round(surface.bandwidth_m) == 247
assert ward_shapes["Market"].contains(peak)
assert conc.share_top_5pct > 0.9
assert conc.gini_null < 0.5 < conc.gini_generalised
assert clusters.clusters["n_crimes"].sum() == clusters.n_clustered
assert clusters.clusters["n_crimes"].is_monotonic_decreasing
assert ward_shapes["Market"].contains(clusters.clusters.geometry.iloc[0].centroid)
assert change["n_before"].sum() == month.between("2024-09", "2025-02").sum() == 1_296
assert change["n_after"].sum() == month.between("2025-04", "2025-09").sum() == 1_406
assert (changed["change"] == "up").sum() == 8
assert (changed["change"] == "down").sum() == 5
assert categories.sum() == grid_250.n_cells
assert categories["Persistent Hot Spot"] == 20"""


def _code(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_code_cell(source)  # type: ignore[no-untyped-call]  # untyped
    return cell


def _markdown(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_markdown_cell(source)  # type: ignore[no-untyped-call]  # untyped
    return cell


def build() -> nbformat.NotebookNode:
    """
    Return the notebook, cells in order, without outputs.

    Returns
    -------
    nbformat.NotebookNode
        The notebook.
    """
    sources = [
        (_markdown, INTRO),
        (_code, LOAD),
        (_markdown, GISTAR_MD),
        (_code, GISTAR),
        (_code, HOT_BY_WARD),
        (_markdown, CONCENTRATION_MD),
        (_code, CONCENTRATION),
        (_markdown, KDE_MD),
        (_code, KDE),
        (_code, FIGURE),
        (_markdown, CLUSTERS_MD),
        (_code, CLUSTERS),
        (_markdown, CHANGE_MD),
        (_code, CHANGE),
        (_markdown, EMERGING_MD),
        (_code, EMERGING),
        (_markdown, CHECKS_MD),
        (_code, CHECKS),
    ]
    cells = [make(source) for make, source in sources]
    for i, cell in enumerate(cells):
        cell["id"] = f"hotspots-{i:02d}"  # stable ids: rebuilding gives the same file
    notebook: nbformat.NotebookNode = new_notebook(cells=cells)  # type: ignore[no-untyped-call]  # untyped
    notebook["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook


if __name__ == "__main__":
    built = build()
    nbformat.validate(built)
    nbformat.write(built, TARGET)  # type: ignore[no-untyped-call]  # nbformat has no annotations
    print(f"wrote {TARGET}")
