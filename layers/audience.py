"""
Audience presets: what may leave the app for police, partners and the public.

Every export and every table or map of a briefing pack goes through :func:`prepare_layer`, which

1. aggregates crime points when the audience may not see single crimes (``partner``: one row per
   street, i.e. per police.uk location text within a ward; ``public``: one row per ward),
2. keeps only the fields of an explicit allow-list (the preset picks the list; nothing else
   leaves), and
3. blanks every count (a column whose name starts with ``n_``) below ``min_count``, marking the row
   in a ``suppressed`` column.

An export holds several layers, and a total in one (a Gi* cell, a hot area, a cluster, a street)
less its shown parts in another (the places or cells in it) would give back the blanked ones:
:func:`layers.export.export_layers` therefore blanks more across its layers (secondary
suppression, :mod:`layers.secondary`): in every total whose parts add up, the blanked parts are
none or hold at least ``min_count`` crimes together, the total being blanked first (a hot area's
when one of its cells is, unless enough others are). For the same reason partners get an
extract's crimes per 100 m cell, not per ward and cell. The public's threshold may not go below
:data:`PUBLIC_MIN_COUNT` (:func:`min_count_floor`), on the command line as in the app.

The presets are:

``police``
    Full detail the user loaded (crime IDs, outcomes, single snap points). No suppression.
``partner``
    Council, housing, fire: crimes aggregated to streets (police.uk) or 100 m cells (extracts),
    counts below 5 suppressed
    (:data:`DEFAULT_MIN_COUNT`), no crime IDs, no outcomes, no Gi* statistics beyond the class.
    Nothing finer than 100 m cells but the streets: hotspot cells, cluster outlines (the cells
    holding each cluster's crimes) and EVA route stops (at the centre of the cell holding each,
    named without a count; the walked line follows the streets as planned). In packs, actions
    name the owning agency, not the person, without notes; an Intelligence action shows only
    its strand, dates and status.
``public``
    Coarser still: crimes per ward only, counts below 10 suppressed
    (:data:`PUBLIC_MIN_COUNT`), hotspot classes without counts, cluster outlines as the 250 m
    cells holding each cluster's crimes, no routes, public-facing sites only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.crs import BNG, require_bng
from spatial.errors import ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from boundaries.dataset import Provenance

__all__ = [
    "AUDIENCES",
    "DEFAULT_MIN_COUNT",
    "LAYER_KINDS",
    "MIN_COUNT_RULE",
    "PARTNER_SNAP_M",
    "PRESETS",
    "PUBLIC_MIN_COUNT",
    "PUBLIC_SNAP_M",
    "SUPPRESSED_COLUMN",
    "TIME_DETAILS",
    "Audience",
    "AudiencePreset",
    "CrimeDetail",
    "LayerKind",
    "TimeDetail",
    "aggregate_crimes",
    "cell_label",
    "coarsen_times",
    "count_columns",
    "get_preset",
    "min_count_floor",
    "min_count_floor_message",
    "prepare_layer",
    "select_fields",
    "shows_location_text",
    "snap_locations",
    "suppress_counts",
    "suppress_table",
]

Audience = Literal["police", "partner", "public"]
"""Who receives an export or a briefing pack."""
AUDIENCES: Final[tuple[Audience, ...]] = get_args(Audience)
"""Every audience, most detailed first."""

LayerKind = Literal[
    "crimes",
    "hotspots",
    "hot_areas",
    "density",
    "clusters",
    "routes",
    "sites",
    "wards",
    "streets",
]
"""The kinds of layer patchmap exports (the layers of :data:`tasking.products.ExportLayer`)."""
LAYER_KINDS: Final[tuple[LayerKind, ...]] = get_args(LayerKind)
"""Every layer kind."""

CrimeDetail = Literal["points", "streets", "wards"]
"""How finely crimes may be shown: single snap points, streets (location texts) or wards."""

TimeDetail = Literal["exact", "hour", "day", "week", "month"]
"""How finely the times of crimes from a force extract may be shown, finest first."""
TIME_DETAILS: Final[tuple[TimeDetail, ...]] = get_args(TimeDetail)
"""Every time detail, finest first."""
PARTNER_SNAP_M: Final = 100.0
"""Exact locations (force extracts) are snapped to the centres of cells this size for partners."""
PUBLIC_SNAP_M: Final = 250.0
"""... and of cells this size for the public."""
_TIME_FORMATS: Final[Mapping[TimeDetail, str]] = {
    "hour": "%Y-%m-%d %H:00",
    "day": "%Y-%m-%d",
    "week": "%G-W%V",
    "month": "%Y-%m",
}

DEFAULT_MIN_COUNT: Final = 5
"""Partner exports blank every count below this (the usual small-number rule)."""
PUBLIC_MIN_COUNT: Final = 10
"""Public exports blank every count below this, and no lower threshold may be chosen for them."""
MIN_COUNT_RULE: Final = (
    f"Counts below the threshold are blanked: {DEFAULT_MIN_COUNT} for partners unless chosen, "
    f"and at least {PUBLIC_MIN_COUNT} for the public."
)
"""The thresholds' rule, as the command and the app both say it."""
PUBLIC_MIN_CELL_M: Final = PUBLIC_SNAP_M
"""Hotspot cells and density rasters for the public are at least this coarse, in metres (for
partners: :data:`PARTNER_SNAP_M`, the cell their crimes are snapped to)."""
_LOCATION_TEXT_FIELDS: Final = frozenset({"location", "top_location"})
"""Fields holding a crime's location text: exact addresses when the data are a force extract."""
SUPPRESSED_COLUMN: Final = "suppressed"
"""Column set to True on rows where a count was blanked."""
_COUNT_TEXT: Final = re.compile(r"\d[\d,.]*\s*crimes?\b", re.IGNORECASE)
"""A crime count written into a text ("Hotspot 3 (1 crime)"), which suppression cannot blank."""

_POLICE_CRIME_FIELDS: Final = (
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome",
    "context",
    "ward",
    "neighbourhood",
    "start",
    "end",
)
_POLICE_HOTSPOT_FIELDS: Final = (
    "cell_id",
    "row",
    "col",
    "n_crimes",
    "gi_z",
    "gi_p",
    "gi_p_fdr",
    "gi_p_sim",
    "gi_bin",
    "hotspot",
    "significant",
)
_POLICE_CLUSTER_FIELDS: Final = (
    "cluster_id",
    "n_crimes",
    "n_snap_points",
    "share_of_crimes",
    "top_crime_types",
    "top_location",
    "location_check",
    "n_months",
    "first_month",
    "last_month",
    "area_m2",
)
_ROUTE_FIELDS: Final = (
    "route_id",
    "name",
    "order",
    "stop",
    "length_m",
    "walk_time_min",
    "cumulative_m",
    "kind",
)
_HOT_AREA_FIELDS: Final = ("label", "n_cells", "n_crimes")
_SITE_FIELDS: Final = ("name", "kind", "public_facing", "opening_notes")
_POLICE_STREET_FIELDS: Final = (
    "beat_id",
    "n_segments",
    "streets",
    "segment_id",
    "lixel_id",
    "segment",
    "name",
    "length_m",
    "n_crimes",
    "per_100m",
    "density_per_km",
    "density_per_100m",
    "gi_z",
    "gi_p",
    "gi_p_fdr",
    "gi_bin",
    "hotspot",
    "significant",
)
_PARTNER_STREET_FIELDS: Final = (
    "beat_id",
    "n_segments",
    "streets",
    "segment_id",
    "lixel_id",
    "name",
    "length_m",
    "n_crimes",
    "gi_bin",
    "hotspot",
    "significant",
)
"""Partners get counts per street (suppressed when small) and Gi* classes, but no rates or
densities: a rate times the length would give back a suppressed count."""
_WARD_FIELDS: Final = ("ward_code", "ward_name", "neighbourhood")


@dataclass(frozen=True)
class AudiencePreset:
    """
    What one audience may receive.

    Attributes
    ----------
    audience
        ``"police"``, ``"partner"`` or ``"public"``.
    min_count
        Counts below this are blanked; None for no suppression (police).
    crime_detail
        ``"points"``, ``"streets"`` or ``"wards"``: how crimes are aggregated before export.
    fields
        The allow-list of attribute fields for each layer kind; a kind missing here may not be
        exported to this audience at all.
    min_cell_m
        The finest hotspot cell or raster cell this audience may receive, in metres (0: any).
    public_sites_only
        Keep only co-location sites marked ``public_facing``.
    finest_time
        The finest time detail of crimes from a force extract this audience may receive.
    snap_m
        Exact locations (crimes with ``start`` and ``end``, from a force extract) are moved to
        the centre of their cell of this size before anything is aggregated (0: not moved).
    description
        One sentence for the user and the export's metadata.
    """

    audience: Audience
    min_count: int | None
    crime_detail: CrimeDetail
    fields: Mapping[LayerKind, tuple[str, ...]]
    min_cell_m: float = 0.0
    public_sites_only: bool = False
    finest_time: TimeDetail = "exact"
    snap_m: float = 0.0
    description: str = ""
    allowed_layers: tuple[LayerKind, ...] = field(init=False)

    def __post_init__(self) -> None:
        """Derive the layers this audience may receive from the allow-lists."""
        object.__setattr__(
            self, "allowed_layers", tuple(k for k in LAYER_KINDS if k in self.fields)
        )


PRESETS: Final[Mapping[Audience, AudiencePreset]] = {
    "police": AudiencePreset(
        audience="police",
        min_count=None,
        crime_detail="points",
        fields={
            "crimes": _POLICE_CRIME_FIELDS,
            "hotspots": _POLICE_HOTSPOT_FIELDS,
            "hot_areas": _HOT_AREA_FIELDS,
            "density": (),
            "clusters": _POLICE_CLUSTER_FIELDS,
            "routes": _ROUTE_FIELDS,
            "sites": _SITE_FIELDS,
            "wards": _WARD_FIELDS,
            "streets": _POLICE_STREET_FIELDS,
        },
        description="Police: the full detail loaded (crime IDs, outcomes, snap points).",
    ),
    "partner": AudiencePreset(
        audience="partner",
        min_count=DEFAULT_MIN_COUNT,
        crime_detail="streets",
        fields={
            "crimes": ("ward", "location", "n_crimes"),
            "hotspots": ("cell_id", "n_crimes", "gi_bin", "hotspot", "significant"),
            "hot_areas": ("label", "n_crimes"),
            "density": (),
            "clusters": (
                "cluster_id",
                "n_crimes",
                "top_location",
                "location_check",
                "first_month",
                "last_month",
                "area_m2",
            ),
            "routes": _ROUTE_FIELDS,
            "sites": _SITE_FIELDS,
            "wards": _WARD_FIELDS,
            "streets": _PARTNER_STREET_FIELDS,
        },
        min_cell_m=PARTNER_SNAP_M,
        finest_time="week",
        snap_m=PARTNER_SNAP_M,
        description=(
            "Partner (council, housing, fire): crimes per street or cell, counts below the "
            "threshold suppressed, no crime IDs, no outcomes, no exact locations or times."
        ),
    ),
    "public": AudiencePreset(
        audience="public",
        min_count=PUBLIC_MIN_COUNT,
        crime_detail="wards",
        fields={
            "crimes": ("ward", "n_crimes"),
            "hotspots": ("cell_id", "hotspot"),
            "hot_areas": ("label",),
            "density": (),
            "clusters": ("cluster_id", "n_crimes", "first_month", "last_month"),
            "sites": ("name", "kind"),
            "wards": _WARD_FIELDS,
        },
        min_cell_m=PUBLIC_MIN_CELL_M,
        public_sites_only=True,
        finest_time="month",
        snap_m=PUBLIC_SNAP_M,
        description=(
            "Public: crimes per ward only, counts below the threshold suppressed, hotspot "
            "classes without counts, public-facing sites only, no routes."
        ),
    ),
}
"""The three presets. Each only picks allow-lists; :func:`prepare_layer` enforces them."""


def get_preset(audience: Audience, *, min_count: int | None = None) -> AudiencePreset:
    """
    Return the preset for ``audience``, with the suppression threshold overridden if given.

    Parameters
    ----------
    audience
        ``"police"``, ``"partner"`` or ``"public"``.
    min_count
        Blank counts below this instead of the preset's default. Refused for ``police``, whose
        files blank nothing (the app offers no threshold for them); for ``public`` it may not
        go below :data:`PUBLIC_MIN_COUNT` (:func:`min_count_floor`), on the command line as in
        the app.

    Returns
    -------
    AudiencePreset
        The preset.

    Raises
    ------
    ParameterError
        When the audience is unknown, ``min_count`` is given for the police, or it is below 1
        (or below :data:`PUBLIC_MIN_COUNT` for the public: :func:`min_count_floor_message`).

    Examples
    --------
    >>> get_preset("partner").min_count
    5
    >>> get_preset("partner", min_count=10).min_count
    10
    >>> get_preset("police").min_count is None
    True
    """
    if audience not in PRESETS:
        msg = f"Unknown audience {audience!r}. Choose from: {', '.join(AUDIENCES)}."
        raise ParameterError(msg)
    preset = PRESETS[audience]
    if min_count is None:
        return preset
    if preset.min_count is None:  # ignoring it would say nothing: the user expects blanks
        msg = (
            f"A threshold of {min_count} does not apply to {audience} files: they blank no "
            "count. Leave the threshold out, or choose the partner or public audience."
        )
        raise ParameterError(msg)
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        msg = f"min_count must be a whole number >= 1; found {min_count!r}."
        raise ParameterError(msg)
    if min_count < min_count_floor(audience):
        raise ParameterError(min_count_floor_message(audience, int(min_count)))
    return replace(preset, min_count=int(min_count))


def min_count_floor(audience: Audience) -> int:
    """
    Return the lowest threshold an audience's files may have.

    Parameters
    ----------
    audience
        ``"police"``, ``"partner"`` or ``"public"``.

    Returns
    -------
    int
        :data:`PUBLIC_MIN_COUNT` for the public, 1 otherwise (the police have no threshold).

    Examples
    --------
    >>> min_count_floor("public"), min_count_floor("partner")
    (10, 1)
    """
    return PUBLIC_MIN_COUNT if audience == "public" else 1


def min_count_floor_message(audience: Audience, min_count: int) -> str:
    """
    Say that ``min_count`` is below the audience's floor, as ``patchmap export`` and the app do.

    Parameters
    ----------
    audience
        The audience.
    min_count
        The threshold asked for.

    Returns
    -------
    str
        The message, ending with :data:`MIN_COUNT_RULE`.

    Examples
    --------
    >>> min_count_floor_message("public", 5)  # doctest: +ELLIPSIS
    'A threshold of 5 is below 10, the lowest for public files: choose 10 or more. Counts...'
    """
    floor = min_count_floor(audience)
    return (
        f"A threshold of {min_count} is below {floor}, the lowest for {audience} files: "
        f"choose {floor} or more. {MIN_COUNT_RULE}"
    )


def count_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """
    Return the count columns of ``frame``: those whose name starts with ``n_``.

    Parameters
    ----------
    frame
        Any table.

    Returns
    -------
    tuple of str
        Column names, in frame order.

    Examples
    --------
    >>> count_columns(pd.DataFrame(columns=["ward", "n_crimes", "n_months", "gi_z"]))
    ('n_crimes', 'n_months')
    """
    return tuple(str(c) for c in frame.columns if str(c).startswith("n_"))


def suppress_counts(frame: gpd.GeoDataFrame, *, min_count: int | None) -> gpd.GeoDataFrame:
    """
    Blank every count below ``min_count`` and flag the row.

    Parameters
    ----------
    frame
        A layer; its count columns are those starting with ``n_``.
    min_count
        The smallest count that may be shown; None returns a copy unchanged.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in which each count column is a nullable type (``Int64`` or ``Float64``) with
        ``<NA>`` where the count was below ``min_count``, plus a boolean ``suppressed`` column
        (True where any count of the row was blanked). Zero counts are blanked too: a zero is
        also a small number.

    Examples
    --------
    >>> cells = gpd.GeoDataFrame({"n_crimes": [0, 3, 7]}, geometry=[None] * 3)
    >>> out = suppress_counts(cells, min_count=5)
    >>> out["n_crimes"].tolist(), out["suppressed"].tolist()
    ([<NA>, <NA>, 7], [True, True, False])
    """
    out = frame.copy()
    if min_count is None:
        return out
    flagged = np.zeros(len(out), dtype=bool)
    for column in count_columns(out):
        values = pd.to_numeric(out[column], errors="coerce")
        integral = bool(np.all(np.isnan(values) | (values == np.round(values))))
        series = values.astype("Int64" if integral else "Float64")
        small = (series < min_count).fillna(value=False).to_numpy(dtype=bool)
        flagged |= small
        out[column] = series.mask(small)
    out[SUPPRESSED_COLUMN] = flagged
    if out.geometry.name in out.columns:
        geometry = out.geometry.name
        out = out[[*(c for c in out.columns if c != geometry), geometry]]
    return out


def select_fields(
    frame: gpd.GeoDataFrame, fields: Sequence[str], *, name: str = "layer"
) -> gpd.GeoDataFrame:
    """
    Keep only the allow-listed fields (and the geometry).

    Parameters
    ----------
    frame
        A layer.
    fields
        The allow-list. Fields absent from ``frame`` are skipped; nothing outside the list is
        kept.
    name
        What the user calls the layer, used in the message.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the allowed fields, in allow-list order, then ``geometry``.

    Raises
    ------
    ParameterError
        When the allow-list names the geometry column or repeats a field.

    Examples
    --------
    >>> frame = gpd.GeoDataFrame({"a": [1], "secret": [2]}, geometry=[None])
    >>> list(select_fields(frame, ["a", "b"]).columns)
    ['a', 'geometry']
    """
    if len(set(fields)) != len(fields) or "geometry" in fields:
        msg = (
            f"The allow-list for {name} must name distinct attribute fields, without "
            f"'geometry'; found {list(fields)}."
        )
        raise ParameterError(msg)
    kept = [f for f in fields if f in frame.columns]
    out = gpd.GeoDataFrame(frame[kept].copy(), geometry=frame.geometry.copy(), crs=frame.crs)
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def aggregate_crimes(
    points: gpd.GeoDataFrame,
    *,
    detail: CrimeDetail,
    wards: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """
    Aggregate crime points to the detail an audience may see.

    Parameters
    ----------
    points
        Crimes in EPSG:27700 with ``ward`` and ``location`` columns.
    detail
        ``"points"`` returns a copy in one order whatever the reader's (by month, Crime ID,
        type, location, place, then file and row: a store's rows come along a curve, a CSV's
        as filed);
        ``"streets"`` one row per ward, location text and snap point with
        ``n_crimes`` (two places named alike, "On or near Supermarket" 1.3 km apart, stay two
        rows: a mean of them would put crimes where none was recorded); ``"wards"`` one row
        per ward with ``n_crimes`` and the ward polygon (from ``wards``).
    wards
        Ward polygons (``ward_name``, EPSG:27700); required for ``"wards"``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, busiest first for streets, in ward order for wards (wards without crimes get
        ``n_crimes`` 0).

    Raises
    ------
    CRSError
        When ``points`` or ``wards`` is not in EPSG:27700.
    MissingColumnError
        When ``ward`` or ``location`` is missing.
    ParameterError
        When ``detail`` is ``"wards"`` and no wards are given.
    """
    require_bng(points, name="crimes")
    if detail == "points":
        first = [c for c in ("month", "crime_id", "crime_type", "location") if c in points]
        last = [c for c in ("source_file", "source_row") if c in points]  # ties: as filed
        order = pd.DataFrame(
            {
                **{c: points[c].to_numpy() for c in first},
                "_x": points.geometry.x.to_numpy(),
                "_y": points.geometry.y.to_numpy(),
                **{c: points[c].to_numpy() for c in last},
            }
        )
        rows = order.sort_values(list(order.columns), kind="stable").index.to_numpy()
        return points.iloc[rows].copy()
    require_columns(
        points.columns,
        ("ward", "location"),
        source="crimes",
        hint="Load crimes with spatial.io and assign wards with boundaries.assign.",
    )
    if detail == "streets":
        table = pd.DataFrame(
            {
                "ward": points["ward"].astype("string").fillna("").to_numpy(),
                "location": points["location"].astype("string").fillna("").to_numpy(),
                "x": points.geometry.x.to_numpy(),
                "y": points.geometry.y.to_numpy(),
            }
        )
        grouped = (  # one row per place: two snap points of one street name stay apart
            table.groupby(["ward", "location", "x", "y"], sort=True)
            .size()
            .rename("n_crimes")
            .reset_index()
            .sort_values(["n_crimes", "ward", "location"], ascending=[False, True, True])
            .reset_index(drop=True)
        )
        return gpd.GeoDataFrame(
            {
                "ward": grouped["ward"].astype(str),
                "location": grouped["location"].astype(str),
                "n_crimes": grouped["n_crimes"].astype("int64"),
            },
            geometry=gpd.points_from_xy(grouped["x"], grouped["y"]),
            crs=BNG,
        )
    if wards is None:
        msg = "Aggregating crimes to wards needs the ward polygons; pass wards=area.wards."
        raise ParameterError(msg)
    require_bng(wards, name="wards")
    counts = points["ward"].astype("string").value_counts()
    names = wards["ward_name"].astype(str)
    return gpd.GeoDataFrame(
        {
            "ward": names.to_numpy(),
            "n_crimes": [int(counts.get(n, 0)) for n in names],
        },
        geometry=wards.geometry.to_numpy(),
        crs=BNG,
    )


def prepare_layer(
    frame: gpd.GeoDataFrame,
    kind: LayerKind,
    preset: AudiencePreset,
    *,
    wards: gpd.GeoDataFrame | None = None,
    provenance: Provenance = "police.uk",
) -> gpd.GeoDataFrame:
    """
    Make a layer safe for an audience: aggregate, keep the allow-list, suppress small counts.

    Parameters
    ----------
    frame
        The layer in EPSG:27700 (crime points for ``"crimes"``; Gi* cells for ``"hotspots"``;
        cluster polygons; route lines; sites; wards).
    kind
        Which kind of layer ``frame`` is.
    preset
        The audience preset (from :func:`get_preset`).
    wards
        Ward polygons, needed when crimes are aggregated to wards.
    provenance
        Where the data came from. From a force extract (``"extract"``, or crimes carrying
        ``start`` and ``end``) locations are exact: for partners and the public crimes are
        snapped to cells of ``preset.snap_m`` and their location text (an address) is replaced
        by the cell's label, and other layers lose their location text
        (:func:`shows_location_text`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700 with only the preset's fields for ``kind`` (plus ``suppressed`` when the
        preset suppresses) and the geometry.

    Raises
    ------
    ParameterError
        When this audience may not receive ``kind`` (e.g. routes for the public), hotspot cells
        are finer than ``preset.min_cell_m``, cluster outlines are not the ``preset.min_cell_m``
        cells their hulls meet, route stops are not at the centres of such cells or are named
        with a crime count, street counts come from a force extract and the audience's
        locations are snapped (:func:`tasking.products.withheld_layers`), or the kind is
        ``"density"`` (a raster: see :func:`layers.export.prepare_density`).
    CRSError
        When ``frame`` is not in EPSG:27700.
    """
    if kind not in LAYER_KINDS:
        msg = f"Unknown layer kind {kind!r}. Choose from: {', '.join(LAYER_KINDS)}."
        raise ParameterError(msg)
    if kind not in preset.fields:
        msg = (
            f"The {preset.audience} preset does not allow the {kind} layer. "
            f"Allowed: {', '.join(preset.allowed_layers)}."
        )
        raise ParameterError(msg)
    if kind == "density":
        msg = "Density is a raster: prepare it with layers.export.prepare_density."
        raise ParameterError(msg)
    require_bng(frame, name=kind)
    _require_coarse_geometry(frame, kind, preset)
    _refuse_exact_streets(kind, preset, provenance)
    fields = preset.fields[kind]
    source = frame
    if kind == "crimes":
        source = _audience_crimes(frame, preset, wards=wards, provenance=provenance)
    elif not shows_location_text(preset, provenance):
        fields = tuple(f for f in fields if f not in _LOCATION_TEXT_FIELDS)
    if kind == "sites" and preset.public_sites_only and "public_facing" in frame.columns:
        source = frame.loc[frame["public_facing"].fillna(value=False).astype(bool)]
    kept = select_fields(source, fields, name=kind)
    if preset.min_count is None:
        return kept
    return suppress_counts(kept, min_count=preset.min_count)


def _audience_crimes(
    points: gpd.GeoDataFrame,
    preset: AudiencePreset,
    *,
    wards: gpd.GeoDataFrame | None,
    provenance: Provenance,
) -> gpd.GeoDataFrame:
    """
    Aggregate crimes for the audience; an extract's are snapped to labelled cells first.

    Per place (partners), an extract's crimes are counted per cell, not per ward and cell: the
    cell's row names the ward holding most of its crimes. A cell split between two wards
    would otherwise give two rows whose sum is the Gi* cell's count, and the cell's count less
    the shown row would be the blanked one.
    """
    exact = provenance == "extract" or {"start", "end"} <= set(points.columns)
    if preset.snap_m and exact:
        points = _cell_labels(snap_locations(points, cell_m=preset.snap_m), preset.snap_m)
        if preset.crime_detail == "streets" and "ward" in points.columns:
            points = points.assign(ward=_main_ward(points))
    return aggregate_crimes(points, detail=preset.crime_detail, wards=wards)


def _main_ward(points: gpd.GeoDataFrame) -> pd.Series[str]:
    """Name for each point the ward holding most of its cell's crimes (ties: the first by name)."""
    table = pd.DataFrame(
        {
            "cell": points["location"].astype(str).to_numpy(),
            "ward": points["ward"].astype("string").fillna("").to_numpy(),
        }
    )
    sizes = table.groupby(["cell", "ward"], sort=True).size().rename("n").reset_index()
    main = sizes.sort_values(["cell", "n", "ward"], ascending=[True, False, True]).drop_duplicates(
        "cell"
    )
    return pd.Series(
        table["cell"].map(main.set_index("cell")["ward"]).to_numpy(), index=points.index
    )


def _require_coarse_geometry(
    frame: gpd.GeoDataFrame, kind: LayerKind, preset: AudiencePreset
) -> None:
    """Refuse hotspot cells, cluster outlines or route stops finer than the audience's cells."""
    if kind == "hotspots":
        _require_coarse_cells(frame, preset)
    elif kind == "clusters":
        _require_cell_outlines(frame, preset)
    elif kind == "routes":
        _require_coarse_stops(frame, preset)


def _require_coarse_cells(cells: gpd.GeoDataFrame, preset: AudiencePreset) -> None:
    """Refuse hotspot cells finer than the audience may receive."""
    if not preset.min_cell_m or cells.empty:
        return
    side_m = float(np.sqrt(np.median(cells.geometry.area)))
    if side_m < preset.min_cell_m * 0.99:
        msg = (
            f"Hotspot cells of about {side_m:.0f} m are too fine for the {preset.audience} "
            f"preset; rebuild them with cells of at least {preset.min_cell_m:.0f} m "
            f"(cell_size_m={preset.min_cell_m:.0f})."
        )
        raise ParameterError(msg)


def _require_cell_outlines(clusters: gpd.GeoDataFrame, preset: AudiencePreset) -> None:
    """
    Refuse cluster outlines not drawn as the audience's cells.

    A hull around a few locations (a force extract's addresses, or police.uk snap points: a
    25 m disc around one snap point is that point's count) is finer than the audience's cells;
    the cells holding its crimes show only which squares hold the cluster.
    """
    if not preset.min_cell_m or clusters.empty:
        return
    corners = shapely.get_coordinates(clusters.geometry.boundary.to_numpy())
    off = np.abs(corners / preset.min_cell_m - np.round(corners / preset.min_cell_m))
    if not len(corners) or off.max() > 1e-6:  # noqa: PLR2004 - float slack on a grid corner
        msg = (
            f"Cluster outlines are too fine for the {preset.audience} preset: draw them as "
            f"the {preset.min_cell_m:.0f} m cells holding each cluster's crimes "
            f"(export_analyses(min_cell_m={preset.min_cell_m:.0f}))."
        )
        raise ParameterError(msg)


def _require_coarse_stops(routes: gpd.GeoDataFrame, preset: AudiencePreset) -> None:
    """
    Refuse route stops finer than the audience's cells, or named with their crime counts.

    The walked line follows public streets and stays as planned (the walk must be walkable);
    its stops mark hot cells, so for partners each stands at the centre of the audience's cell
    holding it, and its name carries no count (a stop's count is of a finer cell).
    """
    if not preset.min_cell_m or routes.empty:
        return
    stops = routes.loc[(routes.geometry.geom_type == "Point").to_numpy()]
    if stops.empty:
        return
    cells = shapely.get_coordinates(stops.geometry.to_numpy()) / preset.min_cell_m - 0.5
    off = np.abs(cells - np.round(cells))
    named = any(
        _COUNT_TEXT.search(str(v)) is not None
        for column in stops.columns
        if column != stops.geometry.name
        for v in stops[column]
    )
    if off.max() > 1e-6 or named:  # noqa: PLR2004 - float slack on a cell centre
        msg = (
            f"Route stops are too fine for the {preset.audience} preset: show each at the "
            f"centre of its {preset.min_cell_m:.0f} m cell, without its count "
            f"(layers.export.route_frames(route, cell_m={preset.min_cell_m:.0f}))."
        )
        raise ParameterError(msg)


def _refuse_exact_streets(kind: LayerKind, preset: AudiencePreset, provenance: Provenance) -> None:
    """
    Refuse street counts (segments, lixels, beats) of a force extract for snapped audiences.

    Their crimes lie where they were recorded and a piece of street can be a few metres long:
    no allow-list or threshold makes such a count as coarse as the audience's cells.
    """
    if kind != "streets" or provenance != "extract" or not preset.snap_m:
        return
    from tasking.products import withheld_layers  # noqa: PLC0415 - only for an extract's streets

    why = withheld_layers(["streets"], provenance=provenance, min_cell_m=preset.snap_m)
    raise ParameterError(why["streets"])


def shows_location_text(preset: AudiencePreset, provenance: Provenance) -> bool:
    """
    Say whether the location text of crimes (``location``, ``top_location``) may leave.

    police.uk location texts ("On or near Mill Road") are already anonymised, so partners may
    see them. A force extract's location text is the exact address as recorded: only the police
    may see it; for every audience whose locations are snapped (``preset.snap_m``) it is left
    out, or replaced by the label of the crime's cell.

    Parameters
    ----------
    preset
        The audience.
    provenance
        ``"police.uk"`` or ``"extract"``.

    Returns
    -------
    bool
        True when the text may be shown as it is.

    Examples
    --------
    >>> shows_location_text(get_preset("partner"), "police.uk")
    True
    >>> shows_location_text(get_preset("partner"), "extract")
    False
    >>> shows_location_text(get_preset("police"), "extract")
    True
    """
    return provenance == "police.uk" or not preset.snap_m


def _cell_labels(points: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoDataFrame:
    """Replace each snapped point's location text by its cell's label (the cell centre)."""
    x = points.geometry.x.to_numpy()
    y = points.geometry.y.to_numpy()
    labels = [cell_label(float(xi), float(yi), cell_m=cell_m) for xi, yi in zip(x, y, strict=True)]
    return points.assign(location=labels)


def cell_label(x_m: float, y_m: float, *, cell_m: float) -> str:
    """
    Name a snapped place by its cell: the cell's size and the easting and northing of its centre.

    Parameters
    ----------
    x_m, y_m
        The cell centre in EPSG:27700 (from :func:`snap_locations`).
    cell_m
        The cell side in metres.

    Returns
    -------
    str
        ``"100 m cell E453850 N269550"``.

    Examples
    --------
    >>> cell_label(453_850.0, 269_550.0, cell_m=100)
    '100 m cell E453850 N269550'
    """
    return f"{cell_m:g} m cell E{x_m:.0f} N{y_m:.0f}"


def snap_locations(points: gpd.GeoDataFrame, *, cell_m: float) -> gpd.GeoDataFrame:
    """
    Move every point to the centre of its square cell of ``cell_m`` metres (a copy).

    Parameters
    ----------
    points
        Points in EPSG:27700.
    cell_m
        Cell side in metres (cells aligned on the grid's origin).

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows with snapped geometry.

    Raises
    ------
    ParameterError
        When ``cell_m`` is not positive.
    CRSError
        When ``points`` is not in EPSG:27700.

    Examples
    --------
    >>> from shapely import Point
    >>> p = gpd.GeoDataFrame(geometry=[Point(453_871, 269_512)], crs=BNG)
    >>> snapped = snap_locations(p, cell_m=100).geometry.iloc[0]
    >>> (snapped.x, snapped.y)
    (453850.0, 269550.0)
    """
    require_bng(points, name="points")
    if cell_m <= 0:
        msg = f"cell_m must be positive; got {cell_m}."
        raise ParameterError(msg)
    x = (np.floor(points.geometry.x.to_numpy() / cell_m) + 0.5) * cell_m
    y = (np.floor(points.geometry.y.to_numpy() / cell_m) + 0.5) * cell_m
    return points.set_geometry(gpd.points_from_xy(x, y, crs=BNG))


def coarsen_times(
    frame: pd.DataFrame, preset: AudiencePreset, *, level: TimeDetail = "exact"
) -> pd.DataFrame:
    """
    Replace exact ``start`` and ``end`` times by a period no finer than the audience allows.

    Parameters
    ----------
    frame
        Rows with ``start`` and ``end`` (naive local datetimes).
    preset
        The audience; its ``finest_time`` bounds the detail.
    level
        The detail the user chose; the coarser of it and ``preset.finest_time`` is used.

    Returns
    -------
    pandas.DataFrame
        A copy: at ``"exact"`` unchanged; otherwise without ``start`` and ``end`` and with
        ``period`` (the start's hour, day, ISO week ``2025-W01`` or month as text).

    Raises
    ------
    ParameterError
        When ``level`` is unknown.
    MissingColumnError
        When ``start`` or ``end`` is missing.
    """
    if level not in TIME_DETAILS:
        msg = f"Unknown time detail {level!r}. Choose from: {', '.join(TIME_DETAILS)}."
        raise ParameterError(msg)
    require_columns(
        frame.columns,
        ("start", "end"),
        source="timed crimes",
        hint="Read force extracts with spatial.incidents.read_incidents.",
    )
    used = TIME_DETAILS[max(TIME_DETAILS.index(level), TIME_DETAILS.index(preset.finest_time))]
    if used == "exact":
        return frame.copy()
    out = frame.drop(columns=["start", "end"])
    out["period"] = frame["start"].dt.strftime(_TIME_FORMATS[used])
    return out


def suppress_table(table: pd.DataFrame, preset: AudiencePreset) -> pd.DataFrame:
    """
    Blank every cell of a count table (e.g. the hour-of-week table) below the preset's minimum.

    Parameters
    ----------
    table
        Counts (aoristic counts may be fractions).
    preset
        The audience.

    Returns
    -------
    pandas.DataFrame
        A copy, rounded to whole numbers for partners and the public, cells below
        ``min_count`` set to NaN; unchanged for the police.
    """
    if preset.min_count is None:
        return table.copy()
    rounded = table.round(0)
    return rounded.mask(rounded < preset.min_count)
