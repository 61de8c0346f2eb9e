"""
What an export contains: which analyses run, with which parameters, for the chosen layers.

One workflow for both front ends: the Exports page and ``patchmap export`` call
:func:`export_analyses`; :mod:`layers.export` only turns its result into files. Every analysis
here is the one the rest of patchmap uses: Gi* (:func:`hotspots.gistar.gi_star`) on a square grid,
hot areas (:func:`hotspots.areas.gistar_hot_areas`), kernel density, DBSCAN, and the EVA walk
(:func:`tasking.eva.plan_hotspot_route`, the same stops and start as ``patchmap route`` and the
EVA page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np

from boundaries.select import (
    data_period,
    filter_texts,
    select_points,
    select_wards,
    select_whole_cells,
)
from hotspots.areas import gistar_hot_areas
from hotspots.clusters import dbscan_clusters
from hotspots.gistar import gi_star
from hotspots.kde import DENSITY_UNIT, kernel_density
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import cells_holding, count_points, make_grid
from spatial.network import load_network
from tasking.eva import plan_hotspot_route

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from boundaries.dataset import Provenance, StudyArea
    from boundaries.select import Selection
    from hotspots.clusters import ClusterResult
    from hotspots.gistar import GiStarResult
    from hotspots.kde import DensitySurface
    from hotspots.streets import HotStreets
    from spatial.routes import EvaRoute

__all__ = [
    "DEFAULT_EXPORT_LAYERS",
    "EXPORT_LAYERS",
    "ExportAnalyses",
    "ExportLayer",
    "export_analyses",
    "route_method",
    "sites_left_out",
    "withheld_layers",
]

ExportLayer = Literal[
    "crimes", "hotspots", "hot_areas", "density", "clusters", "routes", "sites", "wards", "streets"
]
"""The layers an export may hold."""
EXPORT_LAYERS: Final[tuple[ExportLayer, ...]] = get_args(ExportLayer)
"""Every export layer."""
DEFAULT_EXPORT_LAYERS: Final[tuple[ExportLayer, ...]] = ("hotspots", "density", "clusters", "sites")
"""The layers of an export nobody chose layers for (``patchmap export``, the Exports page); a
layer :func:`withheld_layers` withholds from the audience is left out of them with a note."""


@dataclass(frozen=True, eq=False)
class ExportAnalyses:
    """
    The results behind an export, at full detail, with how each was made.

    Attributes
    ----------
    area_label
        The data set's name.
    is_demo
        The data is the generated demo town.
    layers
        The layers asked for, in the order asked.
    selected_wards
        The selected wards (EPSG:27700), always (crimes are aggregated to them).
    crimes
        The selected crimes, when ``"crimes"`` is asked for.
    hotspots
        The Gi* result, when ``"hotspots"`` or ``"hot_areas"`` is asked for.
    hot_areas
        The Gi* hot areas (:func:`hotspots.areas.gistar_hot_areas`), when asked for.
    density
        The kernel density surface, when asked for.
    clusters
        The DBSCAN result, when asked for.
    route
        The EVA walk, when asked for (or given).
    sites
        The co-location sites, when asked for and loaded.
    streets
        The hot streets (:func:`hotspots.streets.hot_streets`, discontinuous network KDE per
        street segment), when asked for.
    period
        First and last month of the data (:func:`boundaries.select.data_period`).
    filters
        The filters as text (:func:`boundaries.select.filter_texts`).
    methods
        For each layer, its method, parameters and automatic choices, as text.
    provenance
        Where the crimes came from (:attr:`boundaries.dataset.StudyArea.provenance`).
    files
        The crime files read (named in the source line of an extract).
    """

    area_label: str
    is_demo: bool
    layers: tuple[ExportLayer, ...]
    selected_wards: gpd.GeoDataFrame
    crimes: gpd.GeoDataFrame | None = None
    hotspots: GiStarResult | None = None
    hot_areas: gpd.GeoDataFrame | None = None
    density: DensitySurface | None = None
    clusters: ClusterResult | None = None
    route: EvaRoute | None = None
    sites: gpd.GeoDataFrame | None = None
    streets: HotStreets | None = None
    period: tuple[str, str] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    methods: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    provenance: Provenance = "police.uk"
    files: tuple[str, ...] = ()


_CRIMES_METHOD: Final[Mapping[Provenance, str]] = {
    "police.uk": "police.uk street-level crimes (anonymised snap points)",
    "extract": (
        "force records-management extract (exact locations and times, shared at the "
        "audience's level of detail: partners get 100 m cells and weeks, the public wards and "
        "months, addresses only the police)"
    ),
}
"""What the crimes layer is, by where the crimes came from."""

_WITHHELD_WHY: Final[Mapping[ExportLayer, str]] = {
    "density": (
        "a smooth surface of exact points can be inverted to the points (fitting one kernel "
        "to the raster gives a lone crime back to within a metre, whatever the raster's cell "
        "size), and density times cell area gives counts below the threshold"
    ),
    "streets": (
        "it counts exactly located crimes on pieces of street much shorter than {cell} m "
        "(street segments and lixels of a few metres), so a count locates its crimes finer "
        "than the audience's cells"
    ),
}
"""The layers built from exact points in every form, and why they may not leave a force
extract for partners or the public (``{cell}``: the audience's cell in metres)."""
_WITHHELD_INSTEAD: Final[Mapping[ExportLayer, str]] = {
    "density": "the hotspot cells layer (Gi* classes on {cell} m cells)",
    "streets": (
        "the hotspot cells layer (Gi* on {cell} m cells) or the crimes layer (crimes per "
        "{cell} m cell)"
    ),
}
"""What to share with partners or the public instead of a withheld layer."""


def _how(automatic: bool) -> str:  # noqa: FBT001 - a formatter, not an option
    return "automatic" if automatic else "chosen by the user"


@dataclass(frozen=True)
class _WholeCells:
    """A selection of exact locations whose cell layers count each cell whole, by cell size."""

    area: StudyArea
    selection: Selection

    def of(self, cell_m: float) -> gpd.GeoDataFrame:
        """Return the crimes that count the selection's cells of ``cell_m`` metres whole."""
        return select_whole_cells(self.area, self.selection, cell_m=cell_m)


_WHOLE_CELLS: Final = (
    "with wards chosen, a cell on their edge is counted whole (with the crimes of the wards "
    "beside it), so files chosen by different wards give each cell one count"
)


def _shown_crimes(
    points: gpd.GeoDataFrame, whole: _WholeCells | None, min_cell_m: float | None
) -> gpd.GeoDataFrame:
    """Return the crimes of the crimes layer: counting its cells whole when it shows cells."""
    return points if whole is None or not min_cell_m else whole.of(min_cell_m)


def _raised(size_m: float, min_cell_m: float | None, *, automatic: bool) -> str:
    """Describe a cell size, saying when it was raised to the audience's finest cell."""
    if not min_cell_m or size_m >= min_cell_m:
        return f"{size_m:g} ({_how(automatic)})"
    asked = "automatic" if automatic else "asked for"
    return (
        f"{min_cell_m:g} ({asked} {size_m:g} m raised to {min_cell_m:g} m, the finest cell "
        "this audience may receive)"
    )


def _gistar(
    points: gpd.GeoDataFrame | _WholeCells,
    wards: gpd.GeoDataFrame,
    *,
    cell_size_m: float | None,
    min_cell_m: float | None,
) -> tuple[GiStarResult, dict[str, str]]:
    grid = make_grid(wards, kind="square", cell_size_m=cell_size_m)
    size_text = _raised(grid.cell_size_m, min_cell_m, automatic=grid.auto_cell_size)
    if min_cell_m and grid.cell_size_m < min_cell_m:
        grid = make_grid(wards, kind="square", cell_size_m=min_cell_m)
    whole = isinstance(points, _WholeCells)
    if isinstance(points, _WholeCells):  # exact locations: cells made of the shown ones
        if min_cell_m and grid.cell_size_m % min_cell_m:
            size_m = math.ceil(grid.cell_size_m / min_cell_m) * min_cell_m
            size_text = (
                f"{size_m:g} ({grid.cell_size_m:g} m raised to {size_m:g} m, a whole number of "
                f"the {min_cell_m:g} m cells this audience sees)"
            )
            grid = make_grid(wards, kind="square", cell_size_m=size_m)
        points = points.of(grid.cell_size_m)
    result = gi_star(count_points(points, grid), grid=grid)
    method = {
        "method": "Getis-Ord Gi* on a square grid, queen contiguity including the cell",
        "cell_size_m": size_text,
        "correction": str(result.correction),
        "alpha": f"{result.alpha:g}",
        "p_values": str(result.p_value_source),
    }
    if whole:
        method["cells"] = _WHOLE_CELLS
    return result, method


def _clusters(
    points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, *, outline_cell_m: float | None
) -> tuple[ClusterResult, dict[str, str]]:
    """
    DBSCAN clusters; with ``outline_cell_m``, each outline drawn as the cells holding its crimes.

    A hull around exact locations (a force extract's) outlines the addresses themselves, and a
    hull around police.uk snap points is the snap points plus 25 m (one snap point's disc with
    its count, for a cluster of one). The cells holding a cluster's crimes
    (:func:`spatial.grid.cells_holding`) show only which squares hold them: the cells a hull
    meets would say more (a disc meeting four cells sits within its radius of their corner).
    """
    # the automatic eps over the wards' area, as `patchmap hotspots --method dbscan` and the
    # Hotspots page size it: one cluster set for the page, the command and the files
    result = dbscan_clusters(points, area_m2=float(wards.geometry.area.sum()))
    method = {
        "method": "DBSCAN on snap points weighted by crime count",
        "eps_m": f"{result.eps_m:g} ({_how(result.auto_eps)})" if result.eps_m else "",
        "min_crimes": str(result.min_crimes),
        "hull_buffer_m": f"{result.hull_buffer_m:g}",
    }
    if outline_cell_m:
        labels = result.labels.to_numpy()
        member = labels >= 0
        held = gpd.GeoSeries(points.geometry.to_numpy()[member], crs=points.crs)
        outlines = cells_holding(held, labels[member], cell_size_m=outline_cell_m)
        ids = result.clusters["cluster_id"].to_numpy()
        frame = result.clusters.set_geometry(np.asarray(outlines.loc[ids], dtype=object))
        frame["area_m2"] = frame.geometry.area
        result = replace(result, clusters=frame)
        method["outline"] = (
            f"the {outline_cell_m:g} m cells holding each cluster's crimes, the finest cell this "
            "audience may receive"
        )
    return result, method


def _density(
    points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, *, min_cell_m: float | None
) -> tuple[DensitySurface, dict[str, str]]:
    surface = kernel_density(points, area=wards)
    size_text = _raised(surface.cell_size_m, min_cell_m, automatic=surface.auto_cell_size)
    if min_cell_m and surface.cell_size_m < min_cell_m:
        size_text += "; exported as the mean density of whole blocks of cells"
    method = {
        "method": f"Kernel density ({surface.kernel}), linear binning and FFT",
        "bandwidth_m": f"{surface.bandwidth_m:g} ({_how(surface.auto_bandwidth)})",
        "cell_size_m": size_text,
        "unit": DENSITY_UNIT,
    }
    return surface, method


def _route(
    area: StudyArea, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> tuple[EvaRoute, dict[str, str]]:
    if area.network_path is None:
        msg = (
            "An EVA route needs a street network; load one (GraphML) or leave routes out of "
            "the layers."
        )
        raise ParameterError(msg)
    route = plan_hotspot_route(load_network(area.network_path), points, wards, sites=area.sites)
    return route, route_method(route)


def _streets(area: StudyArea, points: gpd.GeoDataFrame) -> tuple[HotStreets, dict[str, str]]:
    from hotspots.streets import hot_streets  # noqa: PLC0415 - only street exports need it

    if area.network_path is None:
        msg = "The streets layer needs a street network: load one (GraphML, .osm or .osm.pbf)."
        raise ParameterError(msg)
    hot = hot_streets(points, network=load_network(area.network_path))
    return hot, {"method": hot.description}


def route_method(route: EvaRoute) -> dict[str, str]:
    """
    Describe how an EVA walk was planned, for an export's metadata.

    Parameters
    ----------
    route
        The planned walk.

    Returns
    -------
    dict
        ``method``, ``start``, ``max_minutes``, ``walk_kmh``, ``stop_minutes``, ``length_m``.
    """
    return {
        "method": f"EVA loop through the busiest Gi* hot cells ({route.method})",
        "start": route.start_label,
        "max_minutes": f"{route.max_minutes:g}",
        "walk_kmh": f"{route.walk_kmh:g}",
        "stop_minutes": f"{route.stop_minutes:g}",
        "length_m": f"{route.distance_m:.0f}",
    }


def _gistar_layers(
    kinds: tuple[ExportLayer, ...],
    points: gpd.GeoDataFrame | _WholeCells,
    wards: gpd.GeoDataFrame,
    cell_size_m: float | None,
    min_cell_m: float | None,
    methods: dict[str, dict[str, str]],
) -> tuple[GiStarResult | None, gpd.GeoDataFrame | None]:
    if "hotspots" not in kinds and "hot_areas" not in kinds:
        return None, None
    hotspots, methods["hotspots"] = _gistar(
        points, wards, cell_size_m=cell_size_m, min_cell_m=min_cell_m
    )
    if "hot_areas" not in kinds:
        return hotspots, None
    methods["hot_areas"] = {
        "method": (
            "Significant Gi* hot cells (adjusted p <= "
            f"{methods['hotspots']['alpha']}, {methods['hotspots']['correction']}) touching by "
            "an edge or a corner, merged"
        ),
        "cell_size_m": methods["hotspots"]["cell_size_m"],
    }
    return hotspots, gistar_hot_areas(hotspots.cells)


def withheld_layers(
    layers: Sequence[str], *, provenance: Provenance, min_cell_m: float | None
) -> dict[ExportLayer, str]:
    """
    Return the layers an export for partners or the public may not carry, with why.

    A force extract's crimes have exact locations. Partners and the public get them snapped to
    cells (100 m, 250 m) and counts below a threshold blanked; two layers cannot be made that
    coarse, because they are built from the exact points themselves:

    * ``"density"``: a kernel surface of exact points, however coarse its cells, can be
      inverted: fitting one kernel to the raster puts a lone crime back within a metre of
      where it was recorded, and density times cell area counts every crime, small counts
      included;
    * ``"streets"``: counts on street segments and lixels (pieces as short as a few metres)
      locate their crimes far finer than the audience's cells.

    police.uk crimes are already anonymised snap points, public on data.police.uk: nothing is
    withheld from them, and nothing is withheld from the police.

    Parameters
    ----------
    layers
        The layers asked for (:data:`EXPORT_LAYERS`).
    provenance
        Where the crimes came from (:attr:`boundaries.dataset.StudyArea.provenance`).
    min_cell_m
        The audience's finest cell (``AudiencePreset.min_cell_m``): None or 0 for the police.

    Returns
    -------
    dict
        Each withheld layer (in the order asked) with a message: what is withheld, why, and
        what to do instead (export for the police, or share the hotspot cells). Empty when
        nothing is withheld.

    Raises
    ------
    ParameterError
        When a layer name is unknown.

    Examples
    --------
    >>> list(withheld_layers(["hotspots", "density"], provenance="extract", min_cell_m=100))
    ['density']
    >>> withheld_layers(["density"], provenance="police.uk", min_cell_m=250)
    {}
    >>> withheld_layers(["density", "streets"], provenance="extract", min_cell_m=None)
    {}
    """
    kinds = _check_layers(layers)
    if provenance != "extract" or not min_cell_m:
        return {}
    cell = f"{min_cell_m:g}"
    out: dict[ExportLayer, str] = {}
    for kind in kinds:
        if kind in _WITHHELD_WHY:
            why = _WITHHELD_WHY[kind].format(cell=cell)
            instead = _WITHHELD_INSTEAD[kind].format(cell=cell)
            out[kind] = (
                f"The {kind} layer of a force extract is not shared with partners or the "
                f"public: {why}. Export it for the police audience, or share {instead}."
            )
    return out


def sites_left_out(layers: Sequence[str], *, sites: gpd.GeoDataFrame | None) -> str | None:
    """
    Say that the sites layer asked for is left out because no co-location sites are loaded.

    ``patchmap export`` prints it (its default layers hold the sites) and the Exports page
    shows it, in the same words: the files are written without the layer, not refused.

    Parameters
    ----------
    layers
        The layers asked for.
    sites
        The area's co-location sites (:attr:`boundaries.dataset.StudyArea.sites`), or None.

    Returns
    -------
    str or None
        The note, or None when the sites are not asked for or are loaded.

    Examples
    --------
    >>> sites_left_out(["hotspots", "sites"], sites=None).split(" (")[0]
    'No co-location sites are loaded'
    >>> sites_left_out(["hotspots"], sites=None) is None
    True
    """
    if "sites" not in layers or sites is not None:
        return None
    return (
        "No co-location sites are loaded (give --sites FILE: CSV with name, kind, lon, lat, or "
        "GeoJSON; app: only the demo town carries them here): the sites layer is left out."
    )


def _no_crimes(hours: str | None) -> str:
    """Say that the selection holds no crimes and what to widen: the hours too, when set."""
    if hours is None:
        return "The selection holds no crimes: widen the months, wards or crime types."
    return (
        f"The selection holds no crimes in the hours {hours}: widen the months, wards, crime "
        "types or --hours (app: Hours of the week)."
    )


def _check_layers(layers: Sequence[str]) -> tuple[ExportLayer, ...]:
    unknown = [k for k in layers if k not in EXPORT_LAYERS]
    if unknown:
        msg = f"Unknown layer(s) {unknown}. Choose from: {', '.join(EXPORT_LAYERS)}."
        raise ParameterError(msg)
    return tuple(k for k in layers if k in EXPORT_LAYERS)


def export_analyses(
    area: StudyArea,
    selection: Selection,
    *,
    layers: Sequence[str],
    cell_size_m: float | None = None,
    min_cell_m: float | None = None,
    route: EvaRoute | None = None,
) -> ExportAnalyses:
    """
    Run the analyses an export of ``layers`` needs, as the app and the CLI both do.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        The filters (wards, months, crime types).
    layers
        Which layers (:data:`EXPORT_LAYERS`): ``"crimes"``, ``"hotspots"`` (Gi* cells),
        ``"hot_areas"`` (groups of hot cells), ``"density"`` (KDE raster), ``"clusters"``
        (DBSCAN polygons), ``"routes"`` (an EVA walk and its stops), ``"sites"``, ``"wards"``,
        ``"streets"`` (hot streets: discontinuous network KDE per street segment).
    cell_size_m
        Gi* cell size; automatic when None.
    min_cell_m
        The finest cells the audience may see (``AudiencePreset.min_cell_m``): a smaller
        automatic or chosen Gi* cell size is raised to it (hot spots and hot areas), and the
        methods say so; a finer density raster of police.uk crimes is averaged to it on
        export (:func:`layers.export.prepare_density`), and a force extract's density and
        streets are refused (:func:`withheld_layers`); DBSCAN cluster outlines are drawn as the
        cells of this size holding each cluster's crimes (:func:`spatial.grid.cells_holding`).
        The EVA walk
        is planned on the automatic grid whatever the audience, so it is the walk
        ``patchmap route`` plans (its stops are shown at the centres of cells of this size by
        :func:`layers.export.route_frames`).
    route
        An EVA walk already planned; when None and routes are asked for, the walk of
        :func:`tasking.eva.plan_hotspot_route`.

    Returns
    -------
    ExportAnalyses
        The results and how they were made.

    Raises
    ------
    ParameterError
        When a layer name is unknown, routes or streets are asked for without a street
        network, or a layer :func:`withheld_layers` withholds from the audience is asked for
        (the density or streets layer of a force extract, for partners or the public).
    EmptyInputError
        When the selection holds no crimes.
    """
    kinds = _check_layers(layers)
    withheld = withheld_layers(kinds, provenance=area.provenance, min_cell_m=min_cell_m)
    if withheld:
        raise ParameterError(" ".join(withheld.values()))
    points = select_points(area, selection)
    wards = select_wards(area, selection)
    if points.empty:
        raise EmptyInputError(_no_crimes(area.hours))
    # exact locations shown by cell: each cell layer counts its cells whole, whatever wards
    # are chosen, so no two files' counts tell apart the crimes of a cell's parts
    whole = _WholeCells(area, selection) if min_cell_m and area.provenance == "extract" else None
    methods: dict[str, dict[str, str]] = {}
    if "crimes" in kinds:
        methods["crimes"] = {
            "method": _CRIMES_METHOD[area.provenance],
            **({} if whole is None else {"cells": _WHOLE_CELLS}),
        }
    hotspots, hot_areas = _gistar_layers(
        kinds, points if whole is None else whole, wards, cell_size_m, min_cell_m, methods
    )
    density = clusters = None
    if "routes" in kinds:
        if route is None:
            route, methods["routes"] = _route(area, points, wards)
        else:
            methods["routes"] = route_method(route)
        if min_cell_m:
            methods["routes"]["stops"] = (
                f"each shown at the centre of the {min_cell_m:g} m cell holding it, named by "
                "that cell without a count; the line follows the streets as planned"
            )
    if "density" in kinds:
        density, methods["density"] = _density(points, wards, min_cell_m=min_cell_m)
    if "clusters" in kinds:
        clusters, methods["clusters"] = _clusters(
            _shown_crimes(points, whole, min_cell_m), wards, outline_cell_m=min_cell_m
        )
    streets = None
    if "streets" in kinds:
        streets, methods["streets"] = _streets(area, points)
    return ExportAnalyses(
        area_label=area.label,
        is_demo=area.is_demo,
        layers=kinds,
        selected_wards=wards,
        crimes=_shown_crimes(points, whole, min_cell_m) if "crimes" in kinds else None,
        hotspots=hotspots,
        hot_areas=hot_areas,
        density=density,
        clusters=clusters,
        route=route if "routes" in kinds else None,
        sites=area.sites if "sites" in kinds else None,
        streets=streets,
        period=data_period(points, selection),
        filters=filter_texts(selection, hours=area.hours),
        methods=methods,
        provenance=area.provenance,
        files=tuple(area.crimes.files),
    )
