"""
Hot areas: the places a hotspot method calls hot, outlined as polygons and labelled.

One answer for every front end: the Hotspots page, ``patchmap hotspots --json``, the export's
``hot_areas`` layer and the briefing pack all outline hot areas with these functions. A Gi* hot
area is a group of significant hot cells (at the ``alpha`` chosen) touching by an edge or a corner
(:func:`gistar_hot_areas`); an emerging hot area one of the hot emerging categories
(:func:`emerging_hot_areas`); a dense area a connected part of a density surface at or above a
threshold (:func:`density_hot_areas`). Each comes back with a ``label`` in the order to list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
import shapely.geometry
from scipy import ndimage

from hotspots.classify import HOT_CATEGORIES
from spatial.crs import BNG, require_bng
from spatial.errors import CRSError, ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hotspots.kde import DensitySurface

__all__ = [
    "DENSE_AREA_SHARE_OF_PEAK",
    "HOT_AREA_COLUMNS",
    "category_zones",
    "change_areas",
    "connected_zones",
    "dense_area_threshold",
    "dense_cell_areas",
    "density_hot_areas",
    "density_zones",
    "emerging_hot_areas",
    "gistar_hot_areas",
]

HOT_AREA_COLUMNS: Final = ("label", "n_cells", "n_crimes")
DENSE_AREA_SHARE_OF_PEAK: Final = 0.4
"""A dense area's cells reach this share of the surface's peak (the map's third colour class
starts there: equal steps from 10 % of the peak)."""
"""Columns of a Gi* or emerging hot-area frame (besides ``geometry``)."""


def _require(frame: pd.DataFrame, columns: Sequence[str], *, name: str) -> None:
    require_columns(
        map(str, frame.columns),
        columns,
        source=name,
        hint="Load it with the patchmap readers, which add these columns.",
    )


def density_zones(surface: DensitySurface, *, threshold_per_km2: float) -> gpd.GeoDataFrame:
    """
    Return the areas where a density surface reaches a threshold, densest first.

    Parameters
    ----------
    surface
        A kernel density surface (British National Grid).
    threshold_per_km2
        Crimes per km² a cell must reach to belong to a zone.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per connected area of raster cells at or above the threshold, in British
        National Grid, with ``peak_per_km2`` (its highest cell), sorted by it, highest first.
        Empty (same columns) when no cell reaches the threshold.

    Raises
    ------
    CRSError
        When the surface is not in British National Grid.
    """
    if surface.crs != BNG:
        msg = f"The density surface must be in {BNG}; found {surface.crs}."
        raise CRSError(msg)
    values = np.asarray(surface.values, dtype=np.float64)
    mask = np.isfinite(values) & (values >= threshold_per_km2)
    labels, n_zones = ndimage.label(mask)
    if n_zones == 0:
        return gpd.GeoDataFrame({"peak_per_km2": pd.Series(dtype="float64")}, geometry=[], crs=BNG)
    peaks = ndimage.maximum(values, labels, index=np.arange(1, n_zones + 1))
    shapes = [
        (int(value), shapely.geometry.shape(geom))
        for geom, value in rasterio.features.shapes(
            labels.astype(np.int32), mask=mask, transform=surface.transform
        )
    ]
    frame = gpd.GeoDataFrame(
        {"zone": [z for z, _ in shapes]}, geometry=[g for _, g in shapes], crs=BNG
    ).dissolve(by="zone")
    frame["peak_per_km2"] = np.asarray(peaks, dtype=np.float64)[frame.index.to_numpy() - 1]
    return frame.sort_values("peak_per_km2", ascending=False, kind="stable").reset_index(drop=True)[
        ["peak_per_km2", "geometry"]
    ]


def connected_zones(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Merge touching cells into hotspot areas, the area with the most crimes first.

    Parameters
    ----------
    cells
        Grid cells (British National Grid) with ``n_crimes``, e.g. the significant hot cells
        of a Gi* result.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per group of cells sharing an edge or a corner, with ``n_cells`` and
        ``n_crimes`` (the sum over its cells), sorted by ``n_crimes`` then ``n_cells``, highest
        first. Empty (same columns) when ``cells`` is empty.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``n_crimes`` is missing.

    Examples
    --------
    >>> from shapely import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"n_crimes": [1, 2, 5]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(50, 50, 60, 60)],
    ...     crs="EPSG:27700",
    ... )
    >>> connected_zones(cells)[["n_cells", "n_crimes"]].to_dict("records")
    [{'n_cells': 1, 'n_crimes': 5.0}, {'n_cells': 2, 'n_crimes': 3.0}]
    """
    require_bng(cells, name="cells")
    _require(cells, ("n_crimes",), name="cells")
    if cells.empty:
        return gpd.GeoDataFrame(
            {"n_cells": pd.Series(dtype="int64"), "n_crimes": pd.Series(dtype="float64")},
            geometry=[],
            crs=BNG,
        )
    merged = gpd.GeoDataFrame(
        geometry=[shapely.union_all(cells.geometry.to_numpy())], crs=BNG
    ).explode(ignore_index=True)
    outlines = gpd.GeoDataFrame(
        {"zone": np.arange(len(merged))}, geometry=merged.geometry.to_numpy(), crs=BNG
    )
    inner = gpd.GeoDataFrame(
        {"n_crimes": cells["n_crimes"].to_numpy(dtype=np.float64)},
        geometry=cells.geometry.representative_point().to_numpy(),
        crs=BNG,
    )
    joined = gpd.sjoin(inner, outlines, predicate="within", how="inner")
    totals = joined.groupby("zone")["n_crimes"].agg(["size", "sum"])
    result = gpd.GeoDataFrame(
        {
            "n_cells": totals["size"].reindex(outlines["zone"], fill_value=0).to_numpy("int64"),
            "n_crimes": totals["sum"].reindex(outlines["zone"], fill_value=0.0).to_numpy("float64"),
        },
        geometry=outlines.geometry.to_numpy(),
        crs=BNG,
    )
    return result.sort_values(
        ["n_crimes", "n_cells"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)


def category_zones(
    cells: gpd.GeoDataFrame, *, column: str, categories: Sequence[str]
) -> gpd.GeoDataFrame:
    """
    Merge touching cells of the same category into areas, listed category by category.

    Parameters
    ----------
    cells
        Grid cells (British National Grid) with ``n_crimes`` and ``column``.
    column
        The category column (e.g. ``"category"`` of emerging hot spots).
    categories
        The categories to keep, in the order to list them; within one category the area
        with the most crimes comes first.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`connected_zones` plus ``category``.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``column`` or ``n_crimes`` is missing.
    """
    require_bng(cells, name="cells")
    _require(cells, (column, "n_crimes"), name="cells")
    parts = []
    for category in categories:
        zones = connected_zones(cells.loc[cells[column] == category])
        zones.insert(0, "category", pd.Series([category] * len(zones), dtype="object"))
        parts.append(zones)
    if not parts:
        empty = connected_zones(cells.iloc[0:0])
        empty.insert(0, "category", pd.Series(dtype="object"))
        return empty
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=BNG)


def _cells_label(n: int) -> str:
    return f"{n} cell{'s' if n > 1 else ''}"


def gistar_hot_areas(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Outline the Gi* hot areas: groups of touching significant hot cells with crime, busiest first.

    A cell belongs when it is ``significant`` (adjusted p at most the ``alpha`` the user chose,
    0.05 by default) and hot (``gi_z`` above 0): a "Hot 90%" cell (``gi_bin`` 1) is in an area
    only when ``alpha`` is 0.10 or more, so the areas hold exactly the cells their metadata calls
    significant.

    Parameters
    ----------
    cells
        The cells of a Gi* result (:attr:`hotspots.gistar.GiStarResult.cells`), with
        ``significant``, ``gi_z`` and ``n_crimes``, EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`HOT_AREA_COLUMNS`: ``label`` ("Hot area 1 (3 cells)"), ``n_cells``, ``n_crimes``
        and the polygon, sorted by crimes then cells. Areas hot only through their neighbours
        (no crime in their own cells) are left out. Empty (same columns) when no cell is hot.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``significant``, ``gi_z`` or ``n_crimes`` is missing.
    """
    require_bng(cells, name="cells")
    _require(cells, ("significant", "gi_z", "n_crimes"), name="cells")
    hot = cells["significant"].fillna(value=False).astype(bool) & (cells["gi_z"] > 0)
    zones = connected_zones(cells.loc[hot.to_numpy()])
    zones = zones.loc[zones["n_crimes"] > 0].reset_index(drop=True)
    labels = [f"Hot area {i + 1} ({_cells_label(int(n))})" for i, n in enumerate(zones["n_cells"])]
    zones.insert(0, "label", pd.Series(labels, dtype="object"))
    return zones


def emerging_hot_areas(
    cells: gpd.GeoDataFrame, *, categories: Sequence[str] = HOT_CATEGORIES
) -> gpd.GeoDataFrame:
    """
    Outline the emerging hot areas: touching cells of one hot category that hold crimes.

    Parameters
    ----------
    cells
        Cells from :func:`hotspots.classify.emerging_hotspots` (``category``, ``n_crimes``).
    categories
        The categories to outline, in the order to list them.

    Returns
    -------
    geopandas.GeoDataFrame
        ``category`` and :data:`HOT_AREA_COLUMNS` (``label`` "Intensifying hot spot (2 cells)"),
        category by category, busiest first within one.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``category`` or ``n_crimes`` is missing.
    """
    zones = category_zones(cells, column="category", categories=categories)
    zones = zones.loc[zones["n_crimes"] > 0].reset_index(drop=True)
    labels = [
        f"{category} ({_cells_label(int(n))})"
        for category, n in zip(zones["category"], zones["n_cells"], strict=True)
    ]
    zones.insert(1, "label", pd.Series(labels, dtype="object"))
    return zones


def dense_area_threshold(surface: DensitySurface) -> float:
    """
    Return the density a cell must reach to belong to a dense area: a share of the peak.

    Parameters
    ----------
    surface
        A kernel density (or rate) surface.

    Returns
    -------
    float
        :data:`DENSE_AREA_SHARE_OF_PEAK` times the surface's peak, in its unit per km².

    Raises
    ------
    ParameterError
        When the surface is zero everywhere.
    """
    values = np.asarray(surface.values, dtype=np.float64)
    peak = float(np.nanmax(values)) if values.size else 0.0
    if not peak > 0:
        msg = "The density surface is zero everywhere: there is no dense area to outline."
        raise ParameterError(msg)
    return DENSE_AREA_SHARE_OF_PEAK * peak


def density_hot_areas(
    surface: DensitySurface, *, threshold_per_km2: float, unit: str = "per km²"
) -> gpd.GeoDataFrame:
    """
    Outline the dense areas of a density surface and label them with their peak.

    Parameters
    ----------
    surface
        A kernel density (or rate) surface, British National Grid.
    threshold_per_km2
        The value a cell must reach to belong to an area.
    unit
        The unit written after the peak in the label.

    Returns
    -------
    geopandas.GeoDataFrame
        ``label`` ("Dense area 1 (peak 1,234 per km²)"), ``peak_per_km2`` and the polygon,
        highest peak first.

    Raises
    ------
    CRSError
        When the surface is not in British National Grid.
    """
    zones = density_zones(surface, threshold_per_km2=threshold_per_km2)
    labels = [
        f"Dense area {i + 1} (peak {p:,.0f} {unit})" for i, p in enumerate(zones["peak_per_km2"])
    ]
    zones.insert(0, "label", pd.Series(labels, dtype="object"))
    return zones


def change_areas(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Outline where crime rose, then where it fell: touching cells of one significant change.

    Parameters
    ----------
    cells
        Cells from :func:`hotspots.classify.change_by_cell` (``change``, ``n_before``,
        ``n_after``), EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        ``category`` ("up", "down") and :data:`HOT_AREA_COLUMNS` (``label`` "Rising area 1
        (2 cells)", ``n_crimes`` = crimes in the later period), rising areas first, busiest
        first within each.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``change`` or ``n_after`` is missing.
    """
    require_bng(cells, name="cells")
    _require(cells, ("change", "n_after"), name="cells")
    counted = cells.assign(n_crimes=cells["n_after"].astype("float64"))
    zones = category_zones(counted, column="change", categories=("up", "down"))
    words = {"up": "Rising", "down": "Falling"}
    numbers = zones.groupby("category").cumcount() + 1
    labels = [
        f"{words[str(c)]} area {int(i)} ({_cells_label(int(n))})"
        for c, i, n in zip(zones["category"], numbers, zones["n_cells"], strict=True)
    ]
    zones.insert(1, "label", pd.Series(labels, dtype="object"))
    return zones


def dense_cell_areas(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Outline the densest cells by kernel density as areas of touching cells, busiest first.

    Parameters
    ----------
    cells
        The kept cells of :func:`hotspots.ranking.kde_top_cells` (``n_crimes``), EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`HOT_AREA_COLUMNS` (``label`` "Densest area 1 (4 cells)") and the polygon; areas
        without a crime of their own are left out.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``n_crimes`` is missing.
    """
    zones = connected_zones(cells)
    zones = zones.loc[zones["n_crimes"] > 0].reset_index(drop=True)
    labels = [
        f"Densest area {i + 1} ({_cells_label(int(n))})" for i, n in enumerate(zones["n_cells"])
    ]
    zones.insert(0, "label", pd.Series(labels, dtype="object"))
    return zones
