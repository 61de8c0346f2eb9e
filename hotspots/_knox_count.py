"""
Count a Knox table many times over, once per shuffle of the dates, grouping events by location.

Events at one location (the same coordinates) are in the same distance band as every event of a
neighbouring location, so pairs are found between the distinct locations only and each pair of
locations is counted in one of two ways, whichever is cheaper for the data:

* *directly*: every pair of events, the gap between their days taken and compared with the time
  bounds (the way for locations holding few events);
* *against a day table*: for a location holding many events, the number of its events on each
  day, summed cumulatively, is built once per shuffle; the events of a neighbouring location
  then look up how many of its events lie within each time bound of their own day, two look-ups
  per bound instead of one comparison per pair of events. Pairs inside such a location are
  counted the same way (every event against its own location, itself and each pair twice over
  taken out).

Either way each cell is the exact count of pairs, so a table does not depend on the way chosen:
only the time does. Toronto's 93,113 major crimes stand on 15,079 distinct points (incidents are
snapped to intersections), 13.1 million pairs of events but 124,383 pairs of locations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from collections.abc import Sequence

Int = npt.NDArray[np.intp]

# Costs per shuffle in nanoseconds, fitted to CPU times on the shared 2-core machine (Toronto
# extract, each crime type and all, thresholds 2 to 64), used only to choose how to count (the
# counts are exact either way): a pair of events counted directly, an event looking a time
# bound up in a day table, and a cell of the day tables built.
_NS_PER_PAIR: Final = 4.2
_NS_PER_QUERY_BOUND: Final = 4.9
_NS_PER_CELL: Final = 7.5


def location_pairs(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    *,
    bounds: npt.NDArray[np.float64],
    p_norm: float,
    same_location_m: float,
) -> tuple[Int, Int, Int]:
    """
    Return the pairs of points within the last distance bound, and their distance band.

    The bands are those of ``knox.knox_pairs``: with a leading 0, band 0 is under
    ``same_location_m`` apart, then each upper bound is inclusive. Pairs come as ``i < j``.
    """
    xy = np.column_stack([x_m, y_m])
    # a hair above the last bound so pairs exactly at it are found despite rounding
    pairs = cKDTree(xy).query_pairs(
        bounds[-1] * (1 + 1e-12) + 1e-9, p=p_norm, output_type="ndarray"
    )
    i = pairs[:, 0].astype(np.intp)
    j = pairs[:, 1].astype(np.intp)
    delta = xy[i] - xy[j]
    if p_norm == 2.0:  # noqa: PLR2004 -- the Euclidean norm
        d = np.hypot(delta[:, 0], delta[:, 1])
    else:
        d = np.abs(delta[:, 0]) + np.abs(delta[:, 1])
    if bounds[0] == 0:
        band = np.where(d < same_location_m, 0, np.searchsorted(bounds[1:], d, side="left") + 1)
    else:
        band = np.searchsorted(bounds, d, side="left")
    keep = band < len(bounds)
    return i[keep], j[keep], band[keep].astype(np.intp)


@dataclass(frozen=True)
class CountPlan:
    """
    What each shuffle counts: event pairs directly, and events against day tables.

    Attributes
    ----------
    pair_i, pair_j
        The events of each pair counted directly, grouped by distance band.
    pair_segments
        ``pair_segments[b]:pair_segments[b + 1]`` are the pairs of band ``b``.
    query_event, query_base
        Each look-up: the event whose day is looked up, and where its location's row of the day
        tables starts; grouped by band, then the look-ups of events against their own location.
    query_segments
        As ``pair_segments``, with one more group last: the events against their own location.
    table_event, table_base
        The events in the day tables, and where their location's row starts.
    table_size
        Cells of the day tables (0 without any).
    row_pad
        Days of padding on each side of a row, the largest time bound plus one.
    n_distance_bands
        Rows of the Knox table.
    """

    pair_i: Int
    pair_j: Int
    pair_segments: Int
    query_event: Int
    query_base: Int
    query_segments: Int
    table_event: Int
    table_base: Int
    table_size: int
    row_pad: int
    n_distance_bands: int


def _ragged(sizes: Int) -> tuple[Int, Int]:
    """Return, for ``sizes`` runs laid end to end, each element's run and place in its run."""
    run = np.repeat(np.arange(len(sizes), dtype=np.intp), sizes)
    starts = np.cumsum(sizes) - sizes
    return run, np.arange(int(sizes.sum()), dtype=np.intp) - starts[run]


def _threshold(
    counts: Int, loc_i: Int, loc_j: Int, *, row_cells: int, n_bounds: int
) -> tuple[int, float]:
    """
    Return the fewest events a location needs to get a day table, and the cost per shuffle.

    The threshold is the one of least estimated cost (nanoseconds per shuffle). Locations with
    fewer events are counted pair by pair; a threshold above the largest location means no day
    tables at all.
    """
    a, b = counts[loc_i], counts[loc_j]
    larger, smaller, product = np.maximum(a, b), np.minimum(a, b), a * b
    within = counts * (counts - 1) // 2
    largest = int(counts.max())
    steps = sorted({m << k for m in (2, 3) for k in range(24)})  # 2, 3, 4, 6, 8, 12, ...
    candidates = [c for c in steps if c <= largest]
    best, best_cost = largest + 1, float(product.sum() + within.sum()) * _NS_PER_PAIR
    for c in candidates:
        tabled = counts >= c
        looked_up = larger >= c
        direct = product[~looked_up].sum() + within[~tabled].sum()
        queries = smaller[looked_up].sum() + counts[tabled].sum()
        cost = (
            direct * _NS_PER_PAIR
            + queries * _NS_PER_QUERY_BOUND * n_bounds
            + int(tabled.sum()) * row_cells * _NS_PER_CELL
        )
        if cost < best_cost:
            best, best_cost = c, float(cost)
    return best, best_cost


def _direct_pairs(
    members: Int, starts: Int, counts: Int, loc_i: Int, loc_j: Int, within: Int
) -> tuple[Int, Int]:
    """
    Return the event pairs to count directly, as two arrays of event positions.

    First the pairs inside each location of ``within``, then, for each pair of locations
    ``loc_i``, ``loc_j``, every event of one with every event of the other.
    """
    n = counts[within]
    run, k = _ragged(n * n)
    u, v = k // n[run], k % n[run]
    keep = u < v
    first = starts[within][run[keep]]
    inside_i, inside_j = members[first + u[keep]], members[first + v[keep]]
    b = counts[loc_j]
    run, k = _ragged(counts[loc_i] * b)
    cross_i = members[starts[loc_i][run] + k // b[run]]
    cross_j = members[starts[loc_j][run] + k % b[run]]
    return np.concatenate([inside_i, cross_i]), np.concatenate([inside_j, cross_j])


@dataclass(frozen=True)
class Locations:
    """
    The events grouped by location, and the pairs of locations within the distance bands.

    Attributes
    ----------
    location
        Each event's location.
    counts
        Events at each location.
    members, starts
        The events of location ``k`` are ``members[starts[k]:starts[k] + counts[k]]``.
    loc_i, loc_j, band
        The pairs of distinct locations within the last distance bound, and their band,
        sorted by band.
    """

    location: Int
    counts: Int
    members: Int
    starts: Int
    loc_i: Int
    loc_j: Int
    band: Int

    @property
    def n_event_pairs(self) -> int:
        """Pairs of events within the last distance bound (those at one location included)."""
        inside = self.counts * (self.counts - 1) // 2
        return int(inside.sum() + (self.counts[self.loc_i] * self.counts[self.loc_j]).sum())


def locations(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    *,
    bounds: npt.NDArray[np.float64],
    p_norm: float,
    same_location_m: float,
) -> Locations:
    """Group the events by location and find the pairs of locations within the bands."""
    xy = np.column_stack([x_m, y_m])
    _, location, counts_raw = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    location = location.reshape(-1).astype(np.intp)
    counts = counts_raw.astype(np.intp)
    members = np.argsort(location, kind="stable").astype(np.intp)
    starts = np.cumsum(counts) - counts
    points = xy[members[starts]]
    loc_i, loc_j, band = location_pairs(
        points[:, 0], points[:, 1], bounds=bounds, p_norm=p_norm, same_location_m=same_location_m
    )
    order = np.argsort(band, kind="stable")
    return Locations(
        location=location,
        counts=counts,
        members=members,
        starts=starts,
        loc_i=loc_i[order],
        loc_j=loc_j[order],
        band=band[order],
    )


def ns_per_shuffle(located: Locations, *, span_days: int, time_bounds: Sequence[int]) -> float:
    """Return the estimated CPU time of counting one shuffle, in nanoseconds."""
    row_cells = span_days + 2 * (int(max(time_bounds)) + 1) + 1
    return _threshold(
        located.counts,
        located.loc_i,
        located.loc_j,
        row_cells=row_cells,
        n_bounds=len(time_bounds),
    )[1]


def count_plan(
    located: Locations,
    *,
    n_distance_bands: int,
    span_days: int,
    time_bounds: Sequence[int],
) -> CountPlan:
    """
    Plan the counting of the pairs within the distance bands, by location.

    long: one linear build of the plan's arrays (the direct pairs, the day tables and the
    look-ups), each step feeding the next.
    """
    location, counts, members, starts = (
        located.location,
        located.counts,
        located.members,
        located.starts,
    )
    loc_i, loc_j, band = located.loc_i, located.loc_j, located.band
    n_bands = n_distance_bands
    row_pad = int(max(time_bounds)) + 1
    row_cells = span_days + 2 * row_pad + 1
    c, _ = _threshold(counts, loc_i, loc_j, row_cells=row_cells, n_bounds=len(time_bounds))
    tabled = counts >= c
    looked_up = np.maximum(counts[loc_i], counts[loc_j]) >= c
    # direct: pairs inside small locations (band 0), then pairs of small locations by band
    inside = np.flatnonzero(~tabled & (counts > 1))
    pair_i, pair_j = _direct_pairs(
        members, starts, counts, loc_i[~looked_up], loc_j[~looked_up], inside
    )
    n_inside = int((counts[inside] * (counts[inside] - 1) // 2).sum())
    sizes = (counts[loc_i] * counts[loc_j])[~looked_up]
    pair_band = np.concatenate(
        [np.zeros(n_inside, dtype=np.intp), np.repeat(band[~looked_up], sizes)]
    )
    # day tables: one row per tabled location
    row = np.cumsum(tabled) - 1
    table_loc = location[tabled[location]]
    table_event = np.flatnonzero(tabled[location]).astype(np.intp)
    table_base = row[table_loc] * row_cells + row_pad
    # look-ups: the smaller location's events against the larger's row, then tabled events
    # against their own location's row
    qi, qj, qband = loc_i[looked_up], loc_j[looked_up], band[looked_up]
    swap = counts[qi] > counts[qj]
    source, target = np.where(swap, qj, qi), np.where(swap, qi, qj)
    run, k = _ragged(counts[source])
    query_event = np.concatenate([members[starts[source][run] + k], table_event])
    query_base = np.concatenate([row[target][run] * row_cells, table_base - row_pad])
    query_group = np.concatenate([qband[run], np.full(len(table_event), n_bands, dtype=np.intp)])
    return CountPlan(
        pair_i=pair_i,
        pair_j=pair_j,
        pair_segments=np.searchsorted(pair_band, np.arange(n_bands + 1)).astype(np.intp),
        query_event=query_event,
        query_base=query_base.astype(np.intp),
        query_segments=np.searchsorted(query_group, np.arange(n_bands + 2)).astype(np.intp),
        table_event=table_event,
        table_base=table_base.astype(np.intp),
        table_size=int(tabled.sum()) * row_cells,
        row_pad=row_pad,
        n_distance_bands=n_bands,
    )


def cumulative_counts(
    plan: CountPlan,
    days: npt.NDArray[np.int16] | npt.NDArray[np.int32],
    time_bounds: Sequence[int],
) -> npt.NDArray[np.int64]:
    """
    Count the pairs of each distance band whose days are at most each time bound apart.

    ``days`` are the events' days from 0 (no more than the plan's span); the counts are
    cumulative over the time bounds.
    """
    out = np.zeros((plan.n_distance_bands, len(time_bounds)), dtype=np.int64)
    seg = plan.pair_segments
    if len(plan.pair_i):
        gap = np.take(days, plan.pair_i)
        np.subtract(gap, np.take(days, plan.pair_j), out=gap)
        np.abs(gap, out=gap)
        for band in range(plan.n_distance_bands):
            part = gap[seg[band] : seg[band + 1]]
            if len(part):
                out[band] = [np.count_nonzero(np.less_equal(part, t)) for t in time_bounds]
    if plan.table_size:
        out += _looked_up(plan, days, time_bounds)
    return out


def _looked_up(
    plan: CountPlan,
    days: npt.NDArray[np.int16] | npt.NDArray[np.int32],
    time_bounds: Sequence[int],
) -> npt.NDArray[np.int64]:
    """Count the pairs of the tabled locations through the day tables (see the module text)."""
    out = np.zeros((plan.n_distance_bands, len(time_bounds)), dtype=np.int64)
    on_day = np.bincount(
        plan.table_base + np.take(days, plan.table_event), minlength=plan.table_size
    )
    cumulative = np.empty(plan.table_size + 1, dtype=np.int32)  # half the memory to look up
    cumulative[0] = 0
    np.cumsum(on_day, dtype=np.int32, out=cumulative[1:])
    # a look-up at q + pad + v: events of the row on days up to v is cumulative[q + pad + v + 1]
    where = plan.query_base + np.take(days, plan.query_event)
    seg = plan.query_segments
    pad = plan.row_pad
    for k, t in enumerate(time_bounds):
        within = np.take(cumulative[pad + t + 1 :], where)
        within -= np.take(cumulative[pad - t :], where)
        for group in range(plan.n_distance_bands + 1):
            total = int(within[seg[group] : seg[group + 1]].sum())
            if group < plan.n_distance_bands:
                out[group, k] += total
            else:  # each event against its own location: itself once, each pair twice
                out[0, k] += (total - (seg[group + 1] - seg[group])) // 2
    return out
