"""
Audience presets: what may leave the app for police, partners and the public.

Every export and every table or map of a briefing pack goes through :func:`prepare_layer`, which

1. aggregates crime points when the audience may not see single crimes (``partner``: one row per
   street, i.e. per police.uk location text within a ward; ``public``: one row per ward),
2. keeps only the fields of an explicit allow-list (the preset picks the list; nothing else
   leaves), and
3. blanks every count (a column whose name starts with ``n_``) below ``min_count``, marking the row
   in a ``suppressed`` column.

The presets are:

``police``
    Full detail the user loaded (crime IDs, outcomes, single snap points). No suppression.
``partner``
    Council, housing, fire: crimes aggregated to streets or cells, counts below 5 suppressed
    (:data:`DEFAULT_MIN_COUNT`), no crime IDs, no outcomes, no Gi* statistics beyond the class.
``public``
    Coarser still: crimes per ward only, counts below 10 suppressed
    (:data:`PUBLIC_MIN_COUNT`), hotspot classes without counts, no routes, public-facing sites
    only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.crs import BNG, require_bng
from spatial.errors import ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "AUDIENCES",
    "DEFAULT_MIN_COUNT",
    "LAYER_KINDS",
    "PRESETS",
    "PUBLIC_MIN_COUNT",
    "SUPPRESSED_COLUMN",
    "Audience",
    "AudiencePreset",
    "CrimeDetail",
    "LayerKind",
    "aggregate_crimes",
    "count_columns",
    "get_preset",
    "prepare_layer",
    "select_fields",
    "suppress_counts",
]

Audience = Literal["police", "partner", "public"]
"""Who receives an export or a briefing pack."""
AUDIENCES: Final[tuple[Audience, ...]] = get_args(Audience)
"""Every audience, most detailed first."""

LayerKind = Literal["crimes", "hotspots", "density", "clusters", "routes", "sites", "wards"]
"""The kinds of layer patchmap exports."""
LAYER_KINDS: Final[tuple[LayerKind, ...]] = get_args(LayerKind)
"""Every layer kind."""

CrimeDetail = Literal["points", "streets", "wards"]
"""How finely crimes may be shown: single snap points, streets (location texts) or wards."""

DEFAULT_MIN_COUNT: Final = 5
"""Partner exports blank every count below this (the usual small-number rule)."""
PUBLIC_MIN_COUNT: Final = 10
"""Public exports blank every count below this."""
PUBLIC_MIN_CELL_M: Final = 250.0
"""Hotspot cells and density rasters for the public are at least this coarse, in metres."""
SUPPRESSED_COLUMN: Final = "suppressed"
"""Column set to True on rows where a count was blanked."""

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
_SITE_FIELDS: Final = ("name", "kind", "public_facing", "opening_notes")
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
    description
        One sentence for the user and the export's metadata.
    """

    audience: Audience
    min_count: int | None
    crime_detail: CrimeDetail
    fields: Mapping[LayerKind, tuple[str, ...]]
    min_cell_m: float = 0.0
    public_sites_only: bool = False
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
            "density": (),
            "clusters": _POLICE_CLUSTER_FIELDS,
            "routes": _ROUTE_FIELDS,
            "sites": _SITE_FIELDS,
            "wards": _WARD_FIELDS,
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
            "density": (),
            "clusters": (
                "cluster_id",
                "n_crimes",
                "top_location",
                "first_month",
                "last_month",
                "area_m2",
            ),
            "routes": _ROUTE_FIELDS,
            "sites": _SITE_FIELDS,
            "wards": _WARD_FIELDS,
        },
        description=(
            "Partner (council, housing, fire): crimes per street or cell, counts below the "
            "threshold suppressed, no crime IDs, no outcomes."
        ),
    ),
    "public": AudiencePreset(
        audience="public",
        min_count=PUBLIC_MIN_COUNT,
        crime_detail="wards",
        fields={
            "crimes": ("ward", "n_crimes"),
            "hotspots": ("cell_id", "hotspot"),
            "density": (),
            "clusters": ("cluster_id", "n_crimes", "first_month", "last_month"),
            "sites": ("name", "kind"),
            "wards": _WARD_FIELDS,
        },
        min_cell_m=PUBLIC_MIN_CELL_M,
        public_sites_only=True,
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
        Blank counts below this instead of the preset's default. Ignored for ``police`` (no
        suppression); for ``public`` it may not go below the partner default.

    Returns
    -------
    AudiencePreset
        The preset.

    Raises
    ------
    ParameterError
        When the audience is unknown or ``min_count`` is below 1 (or below
        :data:`DEFAULT_MIN_COUNT` for the public).

    Examples
    --------
    >>> get_preset("partner").min_count
    5
    >>> get_preset("partner", min_count=10).min_count
    10
    >>> get_preset("police", min_count=10).min_count is None
    True
    """
    if audience not in PRESETS:
        msg = f"Unknown audience {audience!r}. Choose from: {', '.join(AUDIENCES)}."
        raise ParameterError(msg)
    preset = PRESETS[audience]
    if min_count is None or preset.min_count is None:
        return preset
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        msg = f"min_count must be a whole number >= 1; found {min_count!r}."
        raise ParameterError(msg)
    if audience == "public" and min_count < DEFAULT_MIN_COUNT:
        msg = (
            f"min_count {min_count} is below {DEFAULT_MIN_COUNT}, the partner threshold; "
            f"public exports must be at least as coarse. Use --min-count {DEFAULT_MIN_COUNT} "
            "or more."
        )
        raise ParameterError(msg)
    return replace(preset, min_count=int(min_count))


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
        ``"points"`` returns a copy; ``"streets"`` one row per (ward, location text) with
        ``n_crimes`` and the centroid of its snap points; ``"wards"`` one row per ward with
        ``n_crimes`` and the ward polygon (from ``wards``).
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
        return points.copy()
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
        grouped = (
            table.groupby(["ward", "location"], sort=True)
            .agg(n_crimes=("x", "size"), x=("x", "mean"), y=("y", "mean"))
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

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700 with only the preset's fields for ``kind`` (plus ``suppressed`` when the
        preset suppresses) and the geometry.

    Raises
    ------
    ParameterError
        When this audience may not receive ``kind`` (e.g. routes for the public), hotspot cells
        are finer than ``preset.min_cell_m``, or the kind is ``"density"`` (a raster: see
        :func:`layers.export.prepare_density`).
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
    if kind == "hotspots" and preset.min_cell_m and not frame.empty:
        side_m = float(np.sqrt(np.median(frame.geometry.area)))
        if side_m < preset.min_cell_m * 0.99:
            msg = (
                f"Hotspot cells of about {side_m:.0f} m are too fine for the {preset.audience} "
                f"preset; rebuild them with cells of at least {preset.min_cell_m:.0f} m "
                f"(cell_size_m={preset.min_cell_m:.0f})."
            )
            raise ParameterError(msg)
    source = frame
    if kind == "crimes":
        source = aggregate_crimes(frame, detail=preset.crime_detail, wards=wards)
    elif kind == "sites" and preset.public_sites_only and "public_facing" in frame.columns:
        source = frame.loc[frame["public_facing"].fillna(value=False).astype(bool)]
    kept = select_fields(source, preset.fields[kind], name=kind)
    if preset.min_count is None:
        return kept
    return suppress_counts(kept, min_count=preset.min_count)
