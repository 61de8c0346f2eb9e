"""Hotspots page: kernel density, Getis-Ord Gi*, clusters, emerging hot spots and a top table."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

import altair as alt
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _ui
from hotspots.areas import (
    change_areas,
    dense_area_threshold,
    dense_cell_areas,
    density_hot_areas,
    emerging_hot_areas,
    gistar_hot_areas,
)
from hotspots.backtest import (
    area_label,
    crime_label,
    describe_backtest,
    pai_chart_data,
    summary_table,
)
from hotspots.classify import HOT_CATEGORIES, compare_halves
from hotspots.concentration import ARTEFACT_CHECK
from hotspots.fdr import CORRECTION_LABELS
from hotspots.forecast import (
    DEFAULT_COVERAGE_PCT,
    DEFAULT_MIN_TRAIN_MONTHS,
    coverage_text,
)
from hotspots.ranking import DEFAULT_TOP_SHARE_PCT
from hotspots.street_backtest import streets_beside_cells
from hotspots.streets import STREET_METHODS
from hotspots.tables import TOP_AREAS
from layers.audience import get_preset
from layers.basemap import LegendEntry
from layers.hotspot_layers import (
    KDE_TOP_COLOUR,
    change_layer,
    change_legend_entries,
    cluster_layer,
    density_breaks,
    density_layer,
    density_legend_entries,
    emerging_layer,
    emerging_legend_entries,
    gistar_layer,
    gistar_legend_entries,
    hotspot_map,
    kde_top_layer,
)
from layers.problems import PATROL_AREA_COLOUR, patrol_area_layer
from layers.streets import (
    hot_street_layer,
    hot_street_legend_entries,
    street_beat_layer,
    street_table,
    value_label,
)
from layers.styles import CLUSTER_COLOUR
from spatial.grid import MIN_CELL_SIZE_M
from spatial.lixels import DEFAULT_LIXEL_SNAP_M
from tasking.products import withheld_layers

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from hotspots.backtest import Backtest
    from hotspots.clusters import ClusterResult
    from hotspots.streets import HotStreets
    from layers.audience import Audience
    from spatial.network import StreetNetwork

METHOD_KEY: Final = "hotspot_method"
KDE_CELL_KEY: Final = "kde_cell_size_m"
KDE_BANDWIDTH_KEY: Final = "kde_bandwidth_m"
KDE_KERNEL_KEY: Final = "kde_kernel"
KDE_RATE_KEY: Final = "kde_per_residents"
GRID_KIND_KEY: Final = "grid_kind"
GRID_CELL_KEY: Final = "grid_cell_size_m"
GI_BAND_KEY: Final = "gi_distance_band_m"
GI_CORRECTION_KEY: Final = "gi_correction"
ALPHA_KEY: Final = "hotspot_alpha"
CLUSTER_METHOD_KEY: Final = "cluster_method"
CLUSTER_EPS_KEY: Final = "cluster_eps_m"
CLUSTER_MIN_KEY: Final = "cluster_min_crimes"
MAP_KEY: Final = "hotspot_map"
TABLE_KEY: Final = "hotspot_table"
STREET_METHOD_KEY: Final = "street_method"
STREET_PER_KEY: Final = "street_per"
STREET_BANDWIDTH_KEY: Final = "street_bandwidth_m"
STREET_LIXEL_KEY: Final = "street_lixel_m"
STREET_SNAP_KEY: Final = "street_max_snap_m"
STREET_UPLOAD_KEY: Final = "street_network_upload"
STREET_TABLE_KEY: Final = "street_table"
STREET_BEATS_KEY: Final = "street_beats_show"
STREET_BEATS_TABLE_KEY: Final = "street_beats_table"
STREET_BEATS_DOWNLOAD_KEY: Final = "street_beats_download"
STREET_BEATS_AUDIENCE_KEY: Final = "street_beats_audience"
STREET_METHOD_LABELS: Final = {
    "nkde-discontinuous": "Network KDE (discontinuous)",
    "nkde-simple": "Network KDE (simple)",
    "nkde-continuous": "Network KDE (continuous)",
    "counts": "Crimes per 100 m",
    "gistar": "Gi* on street segments",
}

KDE: Final = "Density (KDE)"
GISTAR: Final = "Gi* hot spots"
CLUSTERS: Final = "Clusters"
EMERGING: Final = "Emerging hot spots"
CHANGE: Final = "Change"
KDE_TOP: Final = "Densest cells (KDE)"
STREETS: Final = "Streets"
METHODS: Final = (KDE, KDE_TOP, GISTAR, CLUSTERS, EMERGING, CHANGE, STREETS)
KDE_TOP_SHARE_KEY: Final = "kde_top_share_pct"
CHANGE_BEFORE_KEY: Final = "change_before"
CHANGE_AFTER_KEY: Final = "change_after"
N_TOP: Final = TOP_AREAS  # rows of the top-hotspot table, as patchmap hotspots --json


def _selected_months(loaded: list[str], months: tuple[str, str] | None) -> list[str]:
    if months is None:
        return loaded
    return [m for m in loaded if months[0] <= m <= months[1]]


def _number(key: str) -> float | None:
    """Return the value typed in a number box, None when blank (automatic)."""
    value = st.session_state.get(key)
    return None if value is None else float(value)


def _auto_box(
    label: str,
    key: str,
    used: float | None,
    *,
    automatic: bool,
    unit: str = "m",
    min_value: float = 1.0,
) -> None:
    """Draw a number box that is blank for "automatic", and the value that was used."""
    if used is None:
        placeholder = "automatic"
    elif automatic:
        placeholder = f"automatic: {used:,.0f} {unit}"
    else:
        placeholder = "blank = automatic"
    st.number_input(
        label,
        min_value=min_value,
        value=None,
        step=5.0,
        key=key,
        placeholder=placeholder,
        format="%g",
    )
    if used is not None:
        st.caption(f"Used: {used:,.0f} {unit}" + (" (automatic)" if automatic else " (typed)"))


def _grid_boxes(grid_used: float | None, *, automatic: bool) -> None:
    st.session_state.setdefault(GRID_KIND_KEY, "square")
    st.selectbox("Grid", ("square", "hex"), key=GRID_KIND_KEY, format_func=lambda k: f"{k} cells")
    _auto_box(
        "Cell size (m)", GRID_CELL_KEY, grid_used, automatic=automatic, min_value=MIN_CELL_SIZE_M
    )


def _alpha_box() -> float:
    st.session_state.setdefault(ALPHA_KEY, 0.05)
    st.selectbox("Significance (adjusted p)", (0.01, 0.05, 0.10), key=ALPHA_KEY)
    return float(st.session_state[ALPHA_KEY])


def _street_network(area: StudyArea) -> tuple[str, StreetNetwork]:
    """Return the area's street network (or an uploaded one) and its cache key."""
    return _ui.street_network(
        area, upload_key=STREET_UPLOAD_KEY, why="Hot streets need the street network of the area."
    )


def _street_beats_section(beats: gpd.GeoDataFrame, beats_key: tuple[object, ...]) -> None:
    """List the patrol beats along the hot streets and offer them as GeoPackage and KML."""
    st.subheader("Patrol beats along the hot streets")
    if beats.empty:
        st.write("No street segment is a significant hot spot (Gi*, Hot 95 % or more) with crimes.")
        return
    st.dataframe(
        beats.drop(columns="geometry"),
        key=STREET_BEATS_TABLE_KEY,
        hide_index=True,
        width="stretch",
        column_config={
            "beat_id": "Beat",
            "n_segments": "Segments",
            "n_crimes": "Crimes",
            "length_m": st.column_config.NumberColumn("Street (m)", format="%.0f"),
            "streets": "Streets (busiest first)",
        },
    )
    st.caption(
        "Beats join hot street segments that share a junction, busiest first, up to 2 km of "
        "street (about 25 minutes walked end to end) and 800 m across."
    )
    # a force extract's street counts are police only (a beat can be one short segment)
    withheld = withheld_layers(
        ["streets"], provenance=area.provenance, min_cell_m=get_preset("partner").min_cell_m
    )
    audiences: tuple[Audience, ...] = ("police",) if withheld else ("police", "partner")
    if st.session_state.get(STREET_BEATS_AUDIENCE_KEY) not in audiences:
        st.session_state[STREET_BEATS_AUDIENCE_KEY] = audiences[-1]
    for why in withheld.values():
        st.caption(_ui.plain(why))
    audience: Audience = st.radio(
        "Beats for",
        audiences,
        key=STREET_BEATS_AUDIENCE_KEY,
        horizontal=True,
        format_func=str.capitalize,
        help="Partners: crimes below the export threshold are suppressed.",
    )
    files = _ui.guarded(
        "exporting the patrol beats",
        _ui.street_beat_files,
        ctx.dataset_id,
        ctx.selection,
        beats_key,
        audience,
        beats,
        area,
    )
    columns = st.columns(len(files))
    for column, item in zip(columns, files, strict=True):
        column.download_button(
            item.label,
            data=item.data,
            file_name=item.file_name,
            mime=item.mime,
            key=f"{STREET_BEATS_DOWNLOAD_KEY}_{item.key}",
            icon=":material/download:",
            on_click="ignore",
        )


# The settings kept while another page (or another method's settings) is shown.
KEPT_KEYS: Final = (
    METHOD_KEY, KDE_CELL_KEY, KDE_BANDWIDTH_KEY, KDE_KERNEL_KEY, KDE_RATE_KEY, KDE_TOP_SHARE_KEY,
    GRID_KIND_KEY, GRID_CELL_KEY, GI_BAND_KEY, GI_CORRECTION_KEY, ALPHA_KEY, CLUSTER_METHOD_KEY,
    CLUSTER_EPS_KEY, CLUSTER_MIN_KEY, STREET_METHOD_KEY, STREET_PER_KEY, STREET_BANDWIDTH_KEY,
    STREET_LIXEL_KEY, STREET_SNAP_KEY,
)  # fmt: skip

ctx = _ui.context()
area = ctx.area
st.title("Hotspots")
_ui.restore_page_choices(*KEPT_KEYS)
_ui.remember_page_choices(*KEPT_KEYS)  # a run starts with the widgets' latest values
st.session_state.setdefault(METHOD_KEY, KDE)
st.radio("Method", METHODS, key=METHOD_KEY, horizontal=True)
method = st.session_state[METHOD_KEY]

controls, shown = st.columns([1, 3], gap="medium")
notes: list[str] = []
explain = ""
layer: folium.FeatureGroup
legend_title: str
entries: list[LegendEntry]
zones: gpd.GeoDataFrame
labels: list[str]
key: tuple[object, ...]
clustered: ClusterResult | None = None  # the cluster result, whose labels make the table
beats: gpd.GeoDataFrame | None = None  # patrol beats along the hot streets, when asked for
hot: HotStreets | None = None  # the hot streets, whose own table replaces the zone table

if method == KDE:
    st.session_state.setdefault(KDE_KERNEL_KEY, "quartic")
    cell_m, band_m = _number(KDE_CELL_KEY), _number(KDE_BANDWIDTH_KEY)
    kernel = st.session_state[KDE_KERNEL_KEY]
    with shown:
        warned = _ui.attempt(
            "estimating the density",
            _ui.density,
            ctx.dataset_id,
            ctx.selection,
            cell_m,
            band_m,
            kernel,
            area,
        )
    has_residents = area.population is not None and area.lsoas is not None
    with controls:
        st.selectbox("Kernel", ("quartic", "gaussian"), key=KDE_KERNEL_KEY)
        if has_residents:
            st.toggle(
                "Per 1,000 residents",
                key=KDE_RATE_KEY,
                help="Crime density divided by resident density (dual KDE, same kernel).",
            )
        _auto_box(
            "Bandwidth (m)",
            KDE_BANDWIDTH_KEY,
            None if warned is None else warned.value.bandwidth_m,
            automatic=band_m is None,
        )
        _auto_box(
            "Cell size (m)",
            KDE_CELL_KEY,
            None if warned is None else warned.value.cell_size_m,
            automatic=cell_m is None,
            min_value=MIN_CELL_SIZE_M,
        )
    if warned is None:
        st.stop()
    surface = warned.value
    unit, unit_short = "crimes per km²", "per km²"
    rate_notes: tuple[str, ...] = ()
    per_resident = has_residents and bool(st.session_state.get(KDE_RATE_KEY))
    if per_resident:
        rated = _ui.guarded(
            "estimating the crime rate",
            _ui.rate,
            ctx.dataset_id,
            ctx.selection,
            surface.cell_size_m,
            surface.bandwidth_m,
            kernel,
            area,
        )
        # The rate shares the density's raster: draw it with the same layer, blank = 0.
        surface = dataclasses.replace(surface, values=np.nan_to_num(rated.value.values, nan=0.0))
        unit, unit_short = "crimes per 1,000 residents", "per 1,000 residents"
        rate_notes = (*rated.value.notes, *rated.warnings)
    breaks = _ui.guarded("colouring the density", density_breaks, surface)
    layer = _ui.guarded("drawing the density", density_layer, surface, breaks=breaks)
    legend_title = f"{'Crime rate' if per_resident else 'Density'} ({unit})"
    entries = density_legend_entries(breaks, unit=unit)
    threshold = _ui.guarded("outlining the densest areas", dense_area_threshold, surface)
    zones = _ui.guarded(
        "outlining the densest areas",
        density_hot_areas,
        surface,
        threshold_per_km2=threshold,
        unit=unit_short,
    )
    labels = [str(label) for label in zones["label"]]
    key = ("kde", cell_m, band_m, kernel, per_resident)
    notes = [*surface.notes, *warned.warnings, *rate_notes]
    explain = (
        f"{surface.kernel.capitalize()} kernel density of {surface.n_points:,} crimes, "
        f"bandwidth {surface.bandwidth_m:,.0f} m, {surface.cell_size_m:g} m cells, in {unit}. "
        "Colour classes are equal steps from 10 % of the peak to the peak; paler areas "
        f"are left clear. The table lists the areas of at least {threshold:,.0f} {unit}."
    )
elif method == KDE_TOP:
    kind = st.session_state.get(GRID_KIND_KEY, "square")
    cell_m = _number(GRID_CELL_KEY)
    st.session_state.setdefault(KDE_TOP_SHARE_KEY, DEFAULT_TOP_SHARE_PCT)
    share_pct = float(st.session_state[KDE_TOP_SHARE_KEY])
    with shown:
        ranked = _ui.attempt(
            "ranking the cells by density",
            _ui.kde_top,
            ctx.dataset_id,
            ctx.selection,
            kind,
            cell_m,
            share_pct,
            area,
        )
    with controls:
        grid_built = _ui.attempt(
            "building the grid",
            _ui.analysis_grid,
            ctx.dataset_id,
            ctx.selection,
            kind,
            cell_m,
            area,
        )
        _grid_boxes(
            None if grid_built is None else grid_built.value.cell_size_m, automatic=cell_m is None
        )
        st.slider("Share of cells kept (%)", 1.0, 20.0, step=1.0, key=KDE_TOP_SHARE_KEY)
    if ranked is None:
        st.stop()
    layer = kde_top_layer(ranked.cells)
    legend_title = "Densest cells by kernel density"
    entries = [LegendEntry(f"Densest {ranked.share_pct:g} % of cells", KDE_TOP_COLOUR, "square")]
    zones = dense_cell_areas(ranked.cells)
    labels = [str(label) for label in zones["label"]]
    key = ("kde-top", kind, cell_m, share_pct)
    notes = list(ranked.surface.notes)
    explain = (
        f"The densest {ranked.share_pct:g} % of grid cells by kernel density: {ranked.n_top:,} of "
        f"{ranked.n_cells:,} cells, holding {ranked.share_of_crimes:.1%} of the "
        f"{ranked.n_crimes_counted:,} crimes counted (as `patchmap hotspots --method kde-top`). "
        f"A cell's density is the mean of the {ranked.raster_cell_size_m:g} m raster cells in it."
    )
elif method == CHANGE:
    kind = st.session_state.get(GRID_KIND_KEY, "square")
    cell_m = _number(GRID_CELL_KEY)
    alpha = float(st.session_state.get(ALPHA_KEY, 0.05))
    loaded = list(area.months)
    with controls:
        default_before, default_after = _ui.guarded(
            "choosing the periods", compare_halves, _selected_months(loaded, ctx.selection.months)
        )
        st.session_state.setdefault(CHANGE_BEFORE_KEY, default_before)
        st.session_state.setdefault(CHANGE_AFTER_KEY, default_after)
        chosen_before = st.select_slider("Before", loaded, key=CHANGE_BEFORE_KEY)
        chosen_after = st.select_slider("After", loaded, key=CHANGE_AFTER_KEY)
        before = (str(chosen_before[0]), str(chosen_before[-1]))
        after = (str(chosen_after[0]), str(chosen_after[-1]))
    with shown:
        grid = _ui.attempt(
            "building the grid",
            _ui.analysis_grid,
            ctx.dataset_id,
            ctx.selection,
            kind,
            cell_m,
            area,
        )
        changed = None
        if grid is not None:
            changed = _ui.attempt(
                "testing each cell for a change",
                _ui.change_result,
                ctx.dataset_id,
                ctx.selection,
                kind,
                cell_m,
                (before, after),
                alpha,
                area,
            )
    with controls:
        _grid_boxes(None if grid is None else grid.value.cell_size_m, automatic=cell_m is None)
        _alpha_box()
    if grid is None or changed is None:
        st.stop()
    notes = [*grid.value.notes, *grid.warnings]
    layer = change_layer(changed)
    legend_title = "Change in crimes per month"
    entries = change_legend_entries()
    zones = change_areas(changed)
    labels = [str(label) for label in zones["label"]]
    key = ("change", kind, cell_m, before, after, alpha)
    n_up = int((changed["change"] == "up").sum())
    n_down = int((changed["change"] == "down").sum())
    explain = (
        f"Crimes per month in {before[0]} to {before[1]} against {after[0]} to {after[1]}, per "
        f"cell: conditional binomial test of two Poisson counts, Benjamini-Hochberg FDR, "
        f"adjusted p <= {alpha:g} (as `patchmap change`). {n_up:,} cells rose and {n_down:,} "
        "fell significantly."
    )
elif method in (GISTAR, EMERGING):
    kind = st.session_state.get(GRID_KIND_KEY, "square")
    cell_m = _number(GRID_CELL_KEY)
    alpha = float(st.session_state.get(ALPHA_KEY, 0.05))
    with shown:
        grid = _ui.attempt(
            "building the grid",
            _ui.analysis_grid,
            ctx.dataset_id,
            ctx.selection,
            kind,
            cell_m,
            area,
        )
    grid_used = None if grid is None else grid.value.cell_size_m
    notes = [] if grid is None else [*grid.value.notes, *grid.warnings]
    if method == GISTAR:
        band_m = _number(GI_BAND_KEY)
        st.session_state.setdefault(GI_CORRECTION_KEY, "fdr_bh")
        correction = st.session_state[GI_CORRECTION_KEY]
        result = None
        if grid is not None:
            with shown:
                result = _ui.attempt(
                    "testing for hot spots",
                    _ui.gistar_result,
                    ctx.dataset_id,
                    ctx.selection,
                    kind,
                    cell_m,
                    band_m,
                    correction,
                    alpha,
                    area,
                )
        with controls:
            _grid_boxes(grid_used, automatic=cell_m is None)
            st.number_input(
                "Distance band (m)",
                min_value=1.0,
                value=None,
                step=25.0,
                key=GI_BAND_KEY,
                placeholder="blank = queen contiguity",
                format="%g",
            )
            st.selectbox(
                "Multiple-testing correction",
                tuple(CORRECTION_LABELS),
                key=GI_CORRECTION_KEY,
                format_func=CORRECTION_LABELS.__getitem__,
            )
            _alpha_box()
        if result is None:
            st.stop()
        layer = gistar_layer(result.cells)
        legend_title = "Getis-Ord Gi*"
        entries = gistar_legend_entries(result.cells["gi_bin"].unique().tolist())
        if not entries:
            entries = [LegendEntry("No significant cell", "#ffffff", "square")]
        zones = gistar_hot_areas(result.cells)
        labels = [str(label) for label in zones["label"]]
        key = ("gi", kind, cell_m, band_m, correction, alpha)
        explain = (
            f"**Gi\\* convention used.** {result.convention} "
            f"{result.n_hot:,} hot and {result.n_cold:,} cold cells are significant."
        )
    else:
        warned_cells = None
        if grid is not None:
            with shown:
                warned_cells = _ui.attempt(
                    "classifying emerging hot spots",
                    _ui.emerging_result,
                    ctx.dataset_id,
                    ctx.selection,
                    kind,
                    cell_m,
                    alpha,
                    area,
                )
        with controls:
            _grid_boxes(grid_used, automatic=cell_m is None)
            _alpha_box()
        if warned_cells is None:
            st.stop()
        cells = warned_cells.value
        layer = emerging_layer(cells)
        legend_title = "Emerging hot spots"
        entries = emerging_legend_entries(list(cells["category"].unique()))
        zones = emerging_hot_areas(cells, categories=HOT_CATEGORIES)
        labels = [str(label) for label in zones["label"]]
        key = ("emerging", kind, cell_m, alpha)
        notes += list(warned_cells.warnings)
        first, last = ctx.selection.months or ("", "")
        explain = (
            f"Emerging hot spots over {first} to {last}, one time step per calendar month: each "
            f"month's cell counts are tested with Getis-Ord Gi* (binary weights, queen contiguity, "
            f"two-sided analytic p-values, Benjamini-Hochberg FDR over the cells, significant at "
            f"adjusted p <= {alpha:g}); each cell's monthly z-scores are tested for a trend with "
            "Mann-Kendall; cells are named with Esri's Emerging Hot Spot Analysis categories. "
            "Unlike Esri's space-time cube, a month's neighbourhood does not include earlier "
            "months."
        )
elif method == STREETS:
    st.session_state.setdefault(STREET_METHOD_KEY, STREET_METHODS[0])
    st.session_state.setdefault(STREET_PER_KEY, "segment")
    st.session_state.setdefault(STREET_BANDWIDTH_KEY, 150.0)
    st.session_state.setdefault(STREET_LIXEL_KEY, 50.0)
    st.session_state.setdefault(STREET_SNAP_KEY, 50.0)
    with controls:
        st.selectbox(
            "Street method",
            STREET_METHODS,
            key=STREET_METHOD_KEY,
            format_func=STREET_METHOD_LABELS.__getitem__,
        )
        st.selectbox(
            "One line per",
            ("segment", "lixel"),
            key=STREET_PER_KEY,
            format_func=lambda p: "street segment" if p == "segment" else "lixel (street piece)",
        )
        st.number_input(
            "Bandwidth along the streets (m)",
            min_value=10.0,
            max_value=1000.0,
            step=25.0,
            key=STREET_BANDWIDTH_KEY,
        )
        st.number_input(
            "Lixel length (m)", min_value=5.0, max_value=500.0, step=5.0, key=STREET_LIXEL_KEY
        )
        st.number_input(
            "Largest snapping distance (m)",
            min_value=1.0,
            max_value=500.0,
            step=10.0,
            key=STREET_SNAP_KEY,
        )
        st.toggle(
            "Patrol beats along the hot streets",
            key=STREET_BEATS_KEY,
            help="Connected Gi* hot segments (Hot 95 % or more, with crimes), grown from the "
            "busiest segment into beats of at most 2 km of street and 800 m across.",
        )
    with shown:
        network_key, network = _street_network(area)
        hot = _ui.attempt(
            "finding the hot streets",
            _ui.hot_street_result,
            ctx.dataset_id,
            ctx.selection,
            network_key,
            st.session_state[STREET_METHOD_KEY],
            st.session_state[STREET_PER_KEY],
            (
                float(st.session_state[STREET_BANDWIDTH_KEY]),
                float(st.session_state[STREET_LIXEL_KEY]),
                float(st.session_state[STREET_SNAP_KEY]),
            ),
            network,
            area,
        )
    if hot is None:
        st.stop()
    if st.session_state.get(STREET_BEATS_KEY):
        beats = _ui.guarded(
            "building patrol beats along the hot streets",
            _ui.street_beat_result,
            ctx.dataset_id,
            ctx.selection,
            network_key,
            (float(st.session_state[STREET_LIXEL_KEY]), float(st.session_state[STREET_SNAP_KEY])),
            network,
            area,
        )
    layer = _ui.guarded("drawing the hot streets", hot_street_layer, hot)
    legend_title = value_label(hot)
    entries = _ui.guarded("colouring the hot streets", hot_street_legend_entries, hot)
    if beats is not None:
        entries = [
            *entries,
            LegendEntry(f"Patrol beat ({len(beats)} in all)", PATROL_AREA_COLOUR, "line", 7.0),
        ]
    zones = hot.lines.iloc[:0]
    labels = []
    key = ("streets", hot.method, hot.per, hot.bandwidth_m, hot.lixel_m, hot.max_snap_m)
    notes = list(network.notes)
    explain = hot.description
else:
    st.session_state.setdefault(CLUSTER_METHOD_KEY, "dbscan")
    st.session_state.setdefault(CLUSTER_MIN_KEY, 20)
    cluster_method = st.session_state[CLUSTER_METHOD_KEY]
    eps_m = _number(CLUSTER_EPS_KEY)
    min_crimes = int(st.session_state[CLUSTER_MIN_KEY])
    with shown:
        clusters = _ui.attempt(
            "finding clusters",
            _ui.cluster_result,
            ctx.dataset_id,
            ctx.selection,
            cluster_method,
            eps_m,
            min_crimes,
            area,
        )
    with controls:
        st.selectbox(
            "Algorithm",
            ("dbscan", "hdbscan"),
            key=CLUSTER_METHOD_KEY,
            format_func=lambda m: m.upper(),
        )
        distance_label = "Radius (m)" if cluster_method == "dbscan" else "Merge distance (m)"
        _auto_box(
            distance_label,
            CLUSTER_EPS_KEY,
            None if clusters is None else clusters.eps_m,
            automatic=eps_m is None,
        )
        st.number_input("Fewest crimes in a cluster", min_value=2, step=1, key=CLUSTER_MIN_KEY)
    if clusters is None:
        st.stop()
    clustered = clusters
    layer = cluster_layer(clusters.clusters)
    legend_title = "Clusters"
    entries = [
        LegendEntry(
            f"{cluster_method.upper()} cluster ({clusters.n_clustered:,} of "
            f"{clusters.n_crimes:,} crimes)",
            CLUSTER_COLOUR,
            "square",
        )
    ]
    zones = clusters.clusters
    labels = [
        f"Cluster {int(c) + 1}: {loc}"
        for c, loc in zip(zones["cluster_id"], zones["top_location"], strict=True)
    ]
    key = ("clusters", cluster_method, eps_m, min_crimes)
    notes = list(clusters.notes)
    explain = (
        f"{cluster_method.upper()} on the {clusters.n_crimes:,} crimes, each police.uk snap point "
        f"weighted by its crimes; {len(zones):,} clusters hold {clusters.n_clustered:,} crimes. "
        "Polygons are the convex hull of each cluster's locations, grown by "
        f"{clusters.hull_buffer_m:g} m."
    )

streets = None
if area.is_demo and area.network_path is not None:
    streets = _ui.guarded(
        "drawing the streets",
        _ui.street_lines,
        str(area.network_path),
        _ui.file_signature(str(area.network_path)),
    )
wards, _ = _ui.selected_frames(ctx.dataset_id, ctx.selection, area)
folium_map = _ui.guarded(
    "drawing the map",
    hotspot_map,
    wards,
    layer,
    legend_title=legend_title,
    legend_entries=entries,
    streets=streets,
    tiles="none" if area.is_demo else "openstreetmap",
    overlays=[]
    if beats is None or beats.empty
    else [_ui.guarded("drawing the patrol beats", street_beat_layer, beats)],
)
with shown:
    st_folium(folium_map, key=MAP_KEY, returned_objects=[], height=600, use_container_width=True)
st.info(explain)  # the page's own text (numbers, commands in backticks): markdown
for note in notes:
    st.caption(_ui.plain(note))

st.subheader("Top streets" if hot is not None else "Top hotspots")
top = zones.head(N_TOP)
if hot is not None:
    table = _ui.guarded("listing the top streets", street_table, hot, top_n=N_TOP)
elif clustered is not None:
    table = _ui.guarded(
        "describing the clusters",
        _ui.cluster_table,
        ctx.dataset_id,
        ctx.selection,
        key,
        tuple(labels[:N_TOP]),
        clustered,
        area,
    )
else:
    table = _ui.guarded(
        "describing the hotspots",
        _ui.zone_table,
        ctx.dataset_id,
        ctx.selection,
        key,
        top,
        area,
    )
if hot is not None and not table.empty:
    st.dataframe(table, key=STREET_TABLE_KEY, hide_index=True, width="stretch")
    st.caption(
        f"Street names from OpenStreetMap. Crimes snapped to each street {hot.per} over the "
        f"selected months; ranked by {value_label(hot)}."
    )
elif table.empty:
    st.write("No hotspot was found with these settings.")
else:
    st.dataframe(
        table,
        key=TABLE_KEY,
        hide_index=True,
        width="stretch",
        column_config={"Trend p": st.column_config.NumberColumn(format="%.3f")},
    )
    st.caption(
        "Crimes in each hotspot over the selected months (for clusters, the crimes DBSCAN or "
        "HDBSCAN put in it); trend: Mann-Kendall test of its monthly counts (two-sided, "
        "p < 0.05)."
        + (
            f" Check: '{ARTEFACT_CHECK}' where a hotspot holds a place crimes may be recorded "
            "at rather than happen at, as `patchmap repeats` flags it."
            if "Check" in table.columns
            else ""
        )
    )

if beats is not None:
    _street_beats_section(beats, (network_key, *key))

# --- Next month -------------------------------------------------------------------------------
# Where to patrol next month, and which method would have predicted the selected crimes best on
# this data (hotspots.forecast / hotspots.backtest; owned by the forecast/backtest helper).

NEXT_COVERAGE_KEY: Final = "next_month_coverage_pct"
NEXT_CHART_KEY: Final = "next_month_chart"
NEXT_TABLE_KEY: Final = "next_month_cells"
NEXT_SHOW_MAP_KEY: Final = "next_month_show_map"
NEXT_MAP_KEY: Final = "next_month_map"
NEXT_COVERAGES: Final = (1.0, 5.0, 10.0)
NEXT_STREETS_KEY: Final = "next_month_streets"


def _cells_or_streets(
    result: Backtest, coverage_pct: float, network_key: str, network: StreetNetwork
) -> None:
    """Put the street forecasts' PAI (on street length) beside the cells' (on area)."""
    streets = _ui.guarded(
        "backtesting the street forecasts",
        _ui.street_next_month,
        ctx.dataset_id,
        ctx.selection,
        network_key,
        coverage_pct,
        network,
        area,
    )
    both = streets_beside_cells(streets, summary_table(result))
    st.subheader("Cells or streets?", divider=False)
    st.dataframe(
        both[["unit", "method_label", "pai_mean", "hit_rate_mean", "n_origins"]],
        key=NEXT_STREETS_KEY,
        hide_index=True,
        width="stretch",
        column_config={
            "unit": "Flags",
            "method_label": "Method",
            "pai_mean": st.column_config.NumberColumn("PAI", format="%.2f"),
            "hit_rate_mean": st.column_config.NumberColumn("Hit rate", format="percent"),
            "n_origins": "Months tested",
        },
    )
    st.caption(
        f"Streets flag the best-scored {streets.lixel_m:g} m street pieces until they cover "
        f"{coverage_pct:g} % of the {streets.total_street_km:,.1f} km of street; cells flag "
        f"{coverage_pct:g} % of the area. PAI is the share of the month's crimes caught divided by "
        f"the share of street length (streets) or of area (cells). {streets.n_too_far:,} crimes "
        f"further than {DEFAULT_LIXEL_SNAP_M:g} m from a street are left out of the street "
        "forecasts."
    )


st.divider()
st.subheader("Next month")
st.session_state.setdefault(NEXT_COVERAGE_KEY, DEFAULT_COVERAGE_PCT)
st.selectbox(
    "Cells to patrol",
    NEXT_COVERAGES,
    key=NEXT_COVERAGE_KEY,
    format_func=lambda c: f"top {c:g} % of cells",
)
next_coverage = float(st.session_state[NEXT_COVERAGE_KEY])
first_month, last_month = ctx.selection.months or (area.months[0], area.months[-1])
n_months = sum(1 for m in area.months if first_month <= m <= last_month)
if n_months <= DEFAULT_MIN_TRAIN_MONTHS:
    st.caption(
        f"Forecasts are tested on each month after the first {DEFAULT_MIN_TRAIN_MONTHS}: "
        f"select at least {DEFAULT_MIN_TRAIN_MONTHS + 1} months to see next month's cells."
    )
else:
    next_result, next_forecast = _ui.guarded(
        "backtesting the forecast methods",
        _ui.next_month,
        ctx.dataset_id,
        ctx.selection,
        next_coverage,
        area,
    )
    ward_names = tuple(str(w) for w in wards["ward_name"])
    st.info(
        describe_backtest(
            next_result,
            coverage_pct=next_coverage,
            crime=crime_label(ctx.selection.crime_types),
            area=area_label(ward_names if len(ward_names) < len(area.wards) else None),
        )
    )
    st.caption(
        f"The {len(next_forecast.cells)} cells to patrol in {next_forecast.month} are picked by "
        f"{next_forecast.method.label}. {next_result.default.why}"
    )
    chart = (
        alt.Chart(pai_chart_data(next_result))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:N", title="Month forecast", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("pai:Q", title="PAI"),
            color=alt.Color(
                "method_label:N",
                title="Method",
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("method_label:N", title="Method"),
                alt.Tooltip("month:N", title="Month"),
                alt.Tooltip("pai:Q", title="PAI", format=".1f"),
                alt.Tooltip("hit_rate:Q", title="Hit rate", format=".0%"),
                alt.Tooltip("n_crimes:Q", title="Crimes"),
            ],
        )
    )
    st.altair_chart(chart, key=NEXT_CHART_KEY, width="stretch", height=420)
    st.caption(
        "PAI: the share of the month's crimes in the flagged cells divided by the share of the "
        "area they cover (higher is better; 1 is no better than chance)."
    )
    if method == STREETS or area.network_path is not None:
        _cells_or_streets(next_result, next_coverage, *_street_network(area))
    st.dataframe(
        next_forecast.cells[["rank", "cell_id", "x_m", "y_m", "score", "n_crimes_past"]],
        key=NEXT_TABLE_KEY,
        hide_index=True,
        width="stretch",
        column_config={
            "rank": "Patrol rank",
            "cell_id": "Cell",
            "x_m": st.column_config.NumberColumn("Easting (m)", format="%.0f"),
            "y_m": st.column_config.NumberColumn("Northing (m)", format="%.0f"),
            "score": st.column_config.NumberColumn("Score", format="%.3g"),
            "n_crimes_past": st.column_config.NumberColumn("Crimes before", format="%.0f"),
        },
    )
    st.toggle("Show these cells on a map", key=NEXT_SHOW_MAP_KEY)
    if st.session_state.get(NEXT_SHOW_MAP_KEY):
        ranks = next_forecast.cells["rank"]
        patrol_cells = next_forecast.cells.assign(
            problem_id=[f"#{r}" for r in ranks],
            label=[f"Cell to patrol in {next_forecast.month}, rank {r}" for r in ranks],
            n_crimes=next_forecast.cells["n_crimes_past"],
        )
        next_map = _ui.guarded(
            "drawing next month's cells",
            hotspot_map,
            wards,
            _ui.guarded("drawing next month's cells", patrol_area_layer, patrol_cells),
            legend_title=f"Cells to patrol in {next_forecast.month}",
            legend_entries=[
                LegendEntry(
                    f"Top {coverage_text(next_result.n_cells, next_coverage)}",
                    PATROL_AREA_COLOUR,
                    "square",
                )
            ],
            streets=streets,
            tiles="none" if area.is_demo else "openstreetmap",
        )
        st_folium(
            next_map, key=NEXT_MAP_KEY, returned_objects=[], height=500, use_container_width=True
        )
        st.caption("Crimes: in the cell over the months the forecast was made from.")
    for note in next_result.notes:
        st.caption(_ui.plain(note))
