"""
Secondary suppression across the layers of one export: no blanked count comes back by subtraction.

Blanking each count below the threshold (primary suppression,
:func:`layers.audience.suppress_counts`) is not enough when one export holds a total and its
parts. A partner file has crimes per place (layer ``crimes``), per 100 m Gi* cell
(``hotspots``), per hot area, per cluster and per street segment: a cell's count less the shown
places in it is what its blanked places hold, and a hot area's count less its shown cells is
what its blanked cells hold. This module finds those sums and blanks more, so that none of them
gives back a small count. :func:`layers.export.export_layers` applies it to every partner and
public export (every format is written from the same blanked layers); police exports have no
threshold and are left as they are.

The rule
--------
A **relation** is a row of one layer (the total) and the rows of another layer that make it up
(the parts), when the total's count is the sum of theirs:

* a polygon (Gi* cell, hot area, cluster outline, ward) and the points (crimes) or polygons
  (cells, clusters) of another layer whose representative point it holds (a point on a cell's
  edge belongs to the cell north-east of it, as :func:`spatial.grid.count_points` counts);
* a street line and the crimes nearest to it (as the street counts snap them; a point as near
  to two streets may be counted on either).

Geometry proposes the rows; a relation is kept only when the counts do add up, which is what a
reader would check. Two relations over the same layer of parts, one's parts among the other's
(a cluster inside a hot area, a cell and a street of places), give a third: the larger total
less the smaller is the sum of the parts in one and not the other.

A count is **known** to a reader when it is shown, or when it is the only count of a relation
not known (the total less the known parts, or the sum of the parts), repeated until nothing more
follows. Suppression holds when, in every relation whose totals are known, the blanked parts are
none or hold at least ``min_count`` crimes together (a blanked part counts while it is unknown,
or known but below ``min_count``): no difference a reader can take then says a count, or a sum
of blanked counts, below the threshold. A zero is a small number too, but a place with no crimes
row in it is seen to hold none (the crimes layer lists the places that have crimes), so such a
zero is no secret.

While a relation breaks the rule, one more count is blanked, in this order, and the sums are
worked out again:

1. the relation's total, when it is shown: the coarser figure goes and its parts keep the
   detail, so a hot area's or a cluster's count is blanked when one of its cells or places is,
   unless enough others are blanked too, and a Gi* cell's when one of its places is;
2. otherwise (its total is blanked but still follows from other relations) the shown totals of
   those relations, the coarsest layer first (the layer whose rows hold the most crimes);
3. otherwise the relation's smallest shown part, as the briefing packs hide the next smallest
   figure;
4. otherwise the smallest shown count of the relations through which its total is known.

Each step blanks one more count, so it ends, at worst with every count blanked.

Not searched: sums over rows that no relation above links (a street segment and the cells it
crosses do not add up: streets count the crimes snapped to them), and bounds rather than values
(two blanked counts known to hold 7 together each hold at least 3 when neither may hold 5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
import shapely

from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import geopandas as gpd
    import numpy.typing as npt

__all__ = [
    "COUNT_COLUMN",
    "CountRelation",
    "count_relations",
    "secondary_hidden",
]

COUNT_COLUMN: Final = "n_crimes"
"""The count that relations add up (other ``n_`` columns are blanked on their own)."""
_EDGE_NUDGE_M: Final = 1e-6
"""A point on a cell's edge belongs to the cell north-east of it (floor rule of the grid)."""

Ref = tuple[str, int]
"""A count: the layer's name and the row's position in it."""


@dataclass(frozen=True)
class CountRelation:
    """
    Counts that add up: ``sum(plus) == sum(minus)`` over the raw counts.

    Attributes
    ----------
    totals
        The side a reader reads as known: one total, or for a nested pair the larger total
        (its counts with sign +1) and the smaller (sign -1).
    parts
        The rows whose counts make up the totals.
    """

    totals: tuple[tuple[Ref, int], ...]
    parts: tuple[Ref, ...]

    @property
    def members(self) -> tuple[Ref, ...]:
        """Every count of the relation, totals first."""
        return (*(ref for ref, _ in self.totals), *self.parts)


def _counts(frame: gpd.GeoDataFrame, name: str) -> npt.NDArray[np.float64]:
    values = pd.to_numeric(frame[COUNT_COLUMN], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        msg = (
            f"Layer {name!r} has blank {COUNT_COLUMN} before suppression; pass the layers "
            "as prepared for the audience without a threshold."
        )
        raise ParameterError(msg)
    return values


def _kind(frame: gpd.GeoDataFrame) -> str:
    """``"area"``, ``"line"``, ``"point"`` or ``""`` (mixed or empty) for a layer's geometry."""
    types = set(frame.geometry.geom_type.dropna())
    for kind, names in (
        ("area", {"Polygon", "MultiPolygon"}),
        ("line", {"LineString", "MultiLineString"}),
        ("point", {"Point"}),
    ):
        if types and types <= names:
            return kind
    return ""


Pairs = tuple["npt.NDArray[np.int64]", "npt.NDArray[np.int64]", "npt.NDArray[np.bool_]"]
"""Total rows, part rows, and whether the part is tied between several totals."""


def _inside(totals: gpd.GeoDataFrame, parts: gpd.GeoDataFrame) -> Pairs:
    """Each polygon of ``totals`` with the rows of ``parts`` whose representative point it holds."""
    points = (
        parts.geometry.to_numpy()
        if _kind(parts) == "point"
        else parts.geometry.representative_point().to_numpy()
    )
    nudged = shapely.transform(points, lambda xy: xy + _EDGE_NUDGE_M)
    pairs = shapely.STRtree(nudged).query(totals.geometry.to_numpy(), predicate="contains")
    return pairs[0], pairs[1], np.zeros(pairs.shape[1], dtype=bool)


def _nearest(lines: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> Pairs:
    """Each line with the points nearest to it (tied: as near to another line)."""
    tree = shapely.STRtree(lines.geometry.to_numpy())
    pairs = tree.query_nearest(points.geometry.to_numpy(), all_matches=True)
    ties = np.bincount(pairs[0], minlength=len(points))
    return pairs[1], pairs[0], ties[pairs[0]] > 1


def _pairs(totals: gpd.GeoDataFrame, parts: gpd.GeoDataFrame) -> Pairs | None:
    """Which rows of ``parts`` each total may be made of, or None when none can be."""
    kinds = (_kind(totals), _kind(parts))
    if kinds[0] == "area" and kinds[1] in {"area", "point"}:
        return _inside(totals, parts)
    if kinds == ("line", "point"):
        return _nearest(totals, parts)
    return None


def _adding_up(
    names: tuple[str, str], pairs: Pairs, counts: Mapping[str, npt.NDArray[np.float64]]
) -> list[CountRelation]:
    """
    Return the totals whose parts add up: those nearest only to it, else with the tied ones too.

    A total without parts adds up when it is zero: the reader sees it holds nothing.
    """
    total_name, part_name = names
    rows, part_rows, tied = pairs
    n_totals = len(counts[total_name])
    weights = counts[part_name][part_rows]
    sole = np.bincount(rows[~tied], weights=weights[~tied], minlength=n_totals)
    both = np.bincount(rows, weights=weights, minlength=n_totals)
    exact_sole = sole == counts[total_name]
    exact_both = (
        ~exact_sole
        & (both == counts[total_name])
        & (np.bincount(rows[tied], minlength=n_totals) > 0)
    )
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(n_totals + 1))
    out: list[CountRelation] = []
    for row in np.flatnonzero(exact_sole | exact_both).tolist():
        members = order[bounds[row] : bounds[row + 1]]
        if exact_sole[row]:
            members = members[~tied[members]]
        found = tuple((part_name, int(r)) for r in sorted(part_rows[members].tolist()))
        out.append(CountRelation((((total_name, row), 1),), found))
    return out


def _direct(
    frames: Mapping[str, gpd.GeoDataFrame], counts: Mapping[str, npt.NDArray[np.float64]]
) -> list[CountRelation]:
    out: list[CountRelation] = []
    for total_name, totals in frames.items():
        for part_name, parts in frames.items():
            if part_name == total_name or totals.empty or parts.empty:
                continue
            pairs = _pairs(totals, parts)
            if pairs is not None:
                out += _adding_up((total_name, part_name), pairs, counts)
    return out


def _nested(direct: Sequence[CountRelation]) -> list[CountRelation]:
    """Relations whose parts hold another's: the larger total less the smaller."""
    holding: dict[Ref, list[int]] = defaultdict(list)
    for i, relation in enumerate(direct):
        for part in relation.parts:
            holding[part].append(i)
    out: list[CountRelation] = []
    for j, small in enumerate(direct):
        if not small.parts:
            continue
        inner = set(small.parts)
        for i in holding[small.parts[0]]:
            large = direct[i]
            if i == j or len(large.parts) <= len(inner) or not inner <= set(large.parts):
                continue
            rest = tuple(p for p in large.parts if p not in inner)
            out.append(CountRelation((large.totals[0], (small.totals[0][0], -1)), rest))
    return out


def count_relations(frames: Mapping[str, gpd.GeoDataFrame]) -> tuple[CountRelation, ...]:
    """
    Find the sums a reader can take between the layers of one export.

    Parameters
    ----------
    frames
        The layers holding :data:`COUNT_COLUMN`, by name, with their raw (unsuppressed) counts,
        EPSG:27700.

    Returns
    -------
    tuple of CountRelation
        The direct relations (a polygon and the rows inside it, a street and the crimes nearest
        to it) whose counts add up, then the nested pairs (see the module docstring).

    Raises
    ------
    ParameterError
        When a layer's count is blank.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> cells = gpd.GeoDataFrame({"n_crimes": [7]}, geometry=[box(0, 0, 100, 100)])
    >>> places = gpd.GeoDataFrame({"n_crimes": [6, 1]}, geometry=[Point(10, 10), Point(0, 50)])
    >>> [r.parts for r in count_relations({"hotspots": cells, "crimes": places})]
    [(('crimes', 0), ('crimes', 1))]
    """
    layers = {k: f for k, f in frames.items() if COUNT_COLUMN in f.columns}
    counts = {k: _counts(f, k) for k, f in layers.items()}
    direct = _direct(layers, counts)
    return (*direct, *_nested(direct))


@dataclass(frozen=True)
class _Problem:
    """The relations of one export with their counts, indexed by member."""

    relations: tuple[CountRelation, ...]
    counts: Mapping[Ref, float]
    by_member: Mapping[Ref, tuple[int, ...]]
    coarse: Mapping[str, float]
    """Mean count per row of each layer: the coarsest layer is blanked first."""


def _problem(layers: Mapping[str, gpd.GeoDataFrame]) -> _Problem:
    counts: dict[Ref, float] = {}
    coarse: dict[str, float] = {}
    for name, frame in layers.items():
        values = _counts(frame, name)
        held = values[values > 0]
        coarse[name] = float(held.mean()) if len(held) else 0.0
        for row, value in enumerate(values.tolist()):
            counts[name, row] = value
    relations = count_relations(layers)
    by_member: dict[Ref, list[int]] = defaultdict(list)
    for i, relation in enumerate(relations):
        for ref in relation.members:
            by_member[ref].append(i)
    return _Problem(relations, counts, {k: tuple(v) for k, v in by_member.items()}, coarse)


def _worked_out(problem: _Problem, hidden: set[Ref]) -> set[Ref]:
    """Every count a reader knows: shown, or alone unknown in a relation, repeatedly."""
    known = {ref for ref in problem.counts if ref not in hidden}
    queue = list(range(len(problem.relations)))
    while queue:
        relation = problem.relations[queue.pop()]
        unknown = [ref for ref in relation.members if ref not in known]
        if len(unknown) == 1:
            known.add(unknown[0])
            queue.extend(problem.by_member.get(unknown[0], ()))
    return known


def _breach(
    relation: CountRelation, known: set[Ref], hidden: set[Ref], problem: _Problem, min_count: int
) -> bool:
    """
    Whether the relation's totals are known and its blanked parts hold fewer than ``min_count``.

    A blanked part counts as blanked while it is unknown, or known but small: a small count
    that follows from another relation must not follow at all, so the first relation to give it
    away is a breach too. A zero that is known (a place with no crimes row) is no secret.
    """
    if any(ref not in known for ref, _ in relation.totals):
        return False
    counts = problem.counts
    blanked = [
        ref
        for ref in relation.parts
        if ref in hidden and (ref not in known or 0 < counts[ref] < min_count)
    ]
    return bool(blanked) and sum(counts[ref] for ref in blanked) < min_count


def _to_hide(relation: CountRelation, hidden: set[Ref], problem: _Problem) -> Ref:
    """Choose the next count to blank for a relation giving a small count away (rules 1-4)."""
    for ref, _ in relation.totals:
        if ref not in hidden:
            return ref

    def coarsest(refs: Iterable[Ref]) -> Ref | None:
        shown = [ref for ref in refs if ref not in hidden]
        if not shown:
            return None
        return min(shown, key=lambda r: (-problem.coarse[r[0]], problem.counts[r], r))

    givers = {  # the relations through which the blanked totals are still known
        i for ref, _ in relation.totals for i in problem.by_member.get(ref, ())
    }
    for refs in (
        [ref for i in sorted(givers) for ref, _ in problem.relations[i].totals],
        relation.parts,
        [ref for i in sorted(givers) for ref in problem.relations[i].members],
        problem.counts,
    ):
        chosen = coarsest(refs)
        if chosen is not None:
            return chosen
    msg = "Every count is blanked and a sum still gives one away."  # cannot happen: no sum then
    raise ParameterError(msg)


def secondary_hidden(
    frames: Mapping[str, gpd.GeoDataFrame], *, min_count: int
) -> dict[str, npt.NDArray[np.bool_]]:
    """
    Say which counts to blank so that no sum across the layers gives a small count away.

    Parameters
    ----------
    frames
        The layers of one export by name, as prepared for the audience but with raw counts
        (those with :data:`COUNT_COLUMN` take part), EPSG:27700.
    min_count
        The audience's threshold.

    Returns
    -------
    dict of numpy.ndarray
        For each layer with :data:`COUNT_COLUMN`, one flag per row: True where its count is to
        be blanked (every count below ``min_count``, and those the rule of the module
        docstring blanks besides).

    Raises
    ------
    ParameterError
        When ``min_count`` is below 1 or a count is blank.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> cells = gpd.GeoDataFrame({"n_crimes": [9]}, geometry=[box(0, 0, 100, 100)])
    >>> places = gpd.GeoDataFrame({"n_crimes": [6, 3]}, geometry=[Point(10, 10), Point(50, 50)])
    >>> hidden = secondary_hidden({"hotspots": cells, "crimes": places}, min_count=5)
    >>> hidden["hotspots"].tolist(), hidden["crimes"].tolist()
    ([True], [False, True])
    """
    if min_count < 1:
        msg = f"min_count must be 1 or more; found {min_count}."
        raise ParameterError(msg)
    layers = {k: f for k, f in frames.items() if COUNT_COLUMN in f.columns}
    problem = _problem(layers)
    hidden = {ref for ref, value in problem.counts.items() if value < min_count}
    while True:
        known = _worked_out(problem, hidden)
        breaches = [r for r in problem.relations if _breach(r, known, hidden, problem, min_count)]
        if not breaches:
            break
        for relation in breaches:  # one round: what an earlier blank here mended is skipped
            known -= hidden
            if _breach(relation, known, hidden, problem, min_count):
                hidden.add(_to_hide(relation, hidden, problem))
    return {
        name: np.array([(name, row) in hidden for row in range(len(frame))], dtype=bool)
        for name, frame in layers.items()
    }
