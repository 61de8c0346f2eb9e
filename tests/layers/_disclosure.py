"""
Take every difference a reader can between the counts of one export, and find small ones.

A reader of a partner or public file who sees a total (a Gi* cell, a hot area, a cluster, a
street, a ward) and the rows of another layer that make it up (the places, cells or clusters
inside it; the places nearest a street) takes the total less the shown parts: when some parts
are blanked, the difference is what they hold together. This module plays that reader, written
apart from :mod:`layers.secondary` (geopandas joins, not shapely trees), on the counts read back
from the files, and uses the raw counts only to tell which sums really add up.

Shared by ``tests/layers/test_secondary_suppression.py`` and ``tests/cli/test_export_audience.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers.audience import get_preset, prepare_layer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from layers.audience import Audience
    from layers.export import Layer

Ref = tuple[str, int]


@dataclass(frozen=True)
class Sum:
    """Counts that add up: ``totals`` (with signs) equal the sum of ``parts``."""

    totals: tuple[tuple[Ref, int], ...]
    parts: tuple[Ref, ...]


@dataclass(frozen=True)
class Leak:
    """A difference that says a blanked count, or a sum of blanked counts, below the threshold."""

    totals: tuple[tuple[Ref, int], ...]
    blanked: tuple[Ref, ...]
    value: float


def raw_layers(
    layers: Sequence[Layer], audience: Audience, wards: gpd.GeoDataFrame | None
) -> dict[str, gpd.GeoDataFrame]:
    """The layers as the audience gets them, but with every count shown (no threshold)."""
    preset = dataclasses.replace(get_preset(audience), min_count=None)
    return {
        layer.name: prepare_layer(
            layer.frame, layer.kind, preset, wards=wards, provenance=layer.provenance
        )
        for layer in layers
    }


def read_counts(gpkg: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of an exported GeoPackage that has ``n_crimes``, as the reader sees it."""
    out = {}
    for name, _ in pyogrio.list_layers(gpkg):
        frame = gpd.read_file(gpkg, layer=str(name))
        if "n_crimes" in frame.columns:
            out[str(name)] = frame
    return out


def _geometry_kind(frame: gpd.GeoDataFrame) -> str:
    types = set(frame.geometry.geom_type)
    if types <= {"Polygon", "MultiPolygon"}:
        return "area"
    if types <= {"LineString", "MultiLineString"}:
        return "line"
    return "point" if types <= {"Point"} else ""


def _members(totals: gpd.GeoDataFrame, parts: gpd.GeoDataFrame) -> list[list[list[int]]] | None:
    """For each total, the guesses of which part rows make it up."""
    kinds = (_geometry_kind(totals), _geometry_kind(parts))
    out: list[list[list[int]]] = [[[]] for _ in range(len(totals))]
    if kinds[0] == "area" and kinds[1] in {"area", "point"}:
        where = parts.geometry if kinds[1] == "point" else parts.geometry.representative_point()
        # a point on a cell's edge is counted in the cell to its north-east (floor rule)
        probe = gpd.GeoDataFrame(geometry=where.translate(1e-6, 1e-6), crs=parts.crs)
        joined = gpd.sjoin(probe, totals[["geometry"]], predicate="within")
        for part, total in zip(joined.index, joined["index_right"], strict=True):
            out[int(total)][0].append(int(part))
        return out
    if kinds == ("line", "point"):
        near = gpd.sjoin_nearest(parts[["geometry"]], totals[["geometry"]])
        tied = near.index.value_counts()
        for part, total in zip(near.index, near["index_right"], strict=True):
            if tied[part] == 1:
                out[int(total)][0].append(int(part))
        for part, total in zip(near.index, near["index_right"], strict=True):
            if tied[part] > 1:  # a reader may count it on either street
                out[int(total)].append([*out[int(total)][0], int(part)])
        return out
    return None


def reader_sums(raw: Mapping[str, gpd.GeoDataFrame]) -> list[Sum]:
    """Every sum between two layers that adds up in the raw counts, and their nested pairs."""
    frames = {k: f.reset_index(drop=True) for k, f in raw.items() if "n_crimes" in f.columns}
    counts = {k: f["n_crimes"].to_numpy(dtype=float) for k, f in frames.items()}
    direct: list[Sum] = []
    for t_name, totals in frames.items():
        for p_name, parts in frames.items():
            if t_name == p_name or totals.empty or parts.empty:
                continue
            members = _members(totals, parts)
            for row, guesses in enumerate(members or []):
                for rows in guesses:
                    if counts[p_name][rows].sum() == counts[t_name][row]:
                        parts_refs = tuple((p_name, r) for r in rows)
                        direct.append(Sum((((t_name, row), 1),), parts_refs))
                        break
    holding: dict[Ref, list[Sum]] = {}
    for big in direct:
        for part in big.parts:
            holding.setdefault(part, []).append(big)
    nested = [
        Sum(
            (big.totals[0], (small.totals[0][0], -1)),
            tuple(sorted(set(big.parts) - set(small.parts))),
        )
        for small in direct
        if small.parts
        for big in holding[small.parts[0]]
        if set(small.parts) < set(big.parts)
    ]
    return direct + nested


def _value(frame: gpd.GeoDataFrame, row: int) -> float | None:
    value = pd.to_numeric(frame["n_crimes"], errors="coerce").iloc[row]
    return None if pd.isna(value) else float(value)


def _known(shown: Mapping[str, gpd.GeoDataFrame], sums: Sequence[Sum]) -> dict[Ref, float]:
    """The shown counts, and every count that is the only unknown of a sum, repeatedly."""
    known: dict[Ref, float] = {}
    for name, frame in shown.items():
        for row in range(len(frame)):
            value = _value(frame, row)
            if value is not None:
                known[name, row] = value
    changed = True
    while changed:
        changed = False
        for s in sums:
            unknown = [ref for ref in [r for r, _ in s.totals] + list(s.parts) if ref not in known]
            if len(unknown) != 1:
                continue
            (ref,) = unknown
            totals = sum(sign * known[r] for r, sign in s.totals if r != ref)
            parts = sum(known[r] for r in s.parts if r != ref)
            sign = dict(s.totals).get(ref)
            # sum(sign * total) == sum(parts): solve it for the one unknown
            known[ref] = totals - parts if sign is None else sign * (parts - totals)
            changed = True
    return known


def find_leaks(
    shown: Mapping[str, gpd.GeoDataFrame], sums: Sequence[Sum], *, min_count: int
) -> list[Leak]:
    """
    Take every difference: a total less its shown parts, with what follows from it substituted.

    A count a reader knows is shown, or is the only unknown of a sum; a sum whose totals are all
    known and whose unknown parts hold fewer than ``min_count`` crimes together is a leak, and so
    is a blanked count worked out to lie between 1 and ``min_count - 1``.
    """
    known = _known(shown, sums)
    leaks = []
    for s in sums:
        if any(ref not in known for ref, _ in s.totals):
            continue
        blanked = tuple(ref for ref in s.parts if ref not in known)
        if not blanked:
            continue
        rest = sum(sign * known[ref] for ref, sign in s.totals) - sum(
            known[ref] for ref in s.parts if ref in known
        )
        if rest < min_count:
            leaks.append(Leak(s.totals, blanked, rest))
    for ref, value in known.items():  # a blanked count worked out
        if _value(shown[ref[0]], ref[1]) is None and 0 < value < min_count:
            leaks.append(Leak(((ref, 1),), (), value))
    return leaks


def primary_only(
    raw: Mapping[str, gpd.GeoDataFrame], *, min_count: int
) -> dict[str, gpd.GeoDataFrame]:
    """The counts as they were blanked before secondary suppression: each below the threshold."""
    out = {}
    for name, frame in raw.items():
        if "n_crimes" not in frame.columns:
            continue
        values = frame["n_crimes"].astype("Int64")
        out[name] = frame.assign(n_crimes=values.mask(values < min_count))
    return out


def same_rows(shown: Mapping[str, gpd.GeoDataFrame], raw: Mapping[str, gpd.GeoDataFrame]) -> bool:
    """Whether the file's rows are the raw layers' rows, in order (so the counts line up)."""
    for name, frame in shown.items():
        if len(frame) != len(raw[name]):
            return False
        apart = shapely.hausdorff_distance(frame.geometry.to_numpy(), raw[name].geometry.to_numpy())
        if len(apart) and float(np.max(apart)) > 1e-6:
            return False
    return True


def blanked_below(
    shown: Mapping[str, gpd.GeoDataFrame], raw: Mapping[str, gpd.GeoDataFrame], *, min_count: int
) -> bool:
    """Whether every count below the threshold is blanked in the file (primary suppression)."""
    for name, frame in shown.items():
        small = raw[name]["n_crimes"].to_numpy(dtype=float) < min_count
        values = pd.to_numeric(frame["n_crimes"], errors="coerce").to_numpy(dtype=float)
        if not np.isnan(values[small]).all():
            return False
    return True
