"""
Patrol beats built from connected hot street segments.

The grid's patrol areas (:func:`tasking.problems.flag_problems`) are compact groups of hot cells;
a beat along streets is a connected run of hot segments (segments sharing a junction), grown
from the busiest segment outwards, busiest neighbour first, until the beat reaches the length a
patrol can walk with time to engage or stretches too far across.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely

from spatial.crs import BNG, require_bng
from spatial.errors import MissingColumnError, ParameterError

if TYPE_CHECKING:
    import numpy.typing as npt

    from spatial.network import StreetNetwork

__all__ = ["BEAT_COLUMNS", "HOT_BEAT_MIN_BIN", "StreetBeatLimits", "gistar_beats", "street_beats"]

BEAT_COLUMNS: Final = ("beat_id", "n_segments", "n_crimes", "length_m", "streets")
"""Columns of :func:`street_beats`' result besides ``geometry``."""
HOT_BEAT_MIN_BIN: Final = 2
"""Segments at least this hot (Gi_Bin 2: Hot 95 %) and holding crimes make beats."""


@dataclass(frozen=True)
class StreetBeatLimits:
    """Length and spread limits of a street beat."""

    max_length_m: float = 2_000.0
    """At most 2 km of street: walked end to end in about 25 minutes, with time to engage."""
    max_extent_m: float = 800.0
    """The longest distance across the beat's bounding box."""

    def __post_init__(self) -> None:
        """Refuse limits that leave no room for a street."""
        if not (self.max_length_m > 0 and self.max_extent_m > 0):
            msg = "Street beat limits must be positive (max_length_m, max_extent_m)."
            raise ParameterError(msg)


def _grow(
    hot: npt.NDArray[np.int64],
    counts: npt.NDArray[np.float64],
    network: StreetNetwork,
    limits: StreetBeatLimits,
) -> list[list[int]]:
    """Split hot segments into connected beats within the limits, busiest segments first."""
    ends: dict[int, list[int]] = {}
    for s in hot.tolist():
        for node in (int(network.edge_u[s]), int(network.edge_v[s])):
            ends.setdefault(node, []).append(s)
    bounds = shapely.bounds(network.edge_geometry)
    remaining = set(hot.tolist())
    beats: list[list[int]] = []
    while remaining:
        seed = max(remaining, key=lambda s: (counts[s], -s))
        beat, length = [seed], float(network.edge_length_m[seed])
        remaining.discard(seed)
        while True:
            frontier = {
                n
                for s in beat
                for node in (int(network.edge_u[s]), int(network.edge_v[s]))
                for n in ends[node]
                if n in remaining
            }
            added = False
            for cand in sorted(frontier, key=lambda s: (-counts[s], s)):
                box = bounds[[*beat, cand]]
                span = math.hypot(
                    box[:, 2].max() - box[:, 0].min(), box[:, 3].max() - box[:, 1].min()
                )
                fits = length + network.edge_length_m[cand] <= limits.max_length_m
                if fits and span <= limits.max_extent_m:
                    beat.append(cand)
                    length += float(network.edge_length_m[cand])
                    remaining.discard(cand)
                    added = True
                    break
            if not added:
                break
        beats.append(beat)
    return beats


def street_beats(
    hot_lines: gpd.GeoDataFrame,
    *,
    network: StreetNetwork,
    limits: StreetBeatLimits | None = None,
) -> gpd.GeoDataFrame:
    """
    Group hot street segments into patrol beats of connected streets.

    Parameters
    ----------
    hot_lines
        The hot segments (e.g. Gi* hot segments, or the top segments holding half the crime),
        indexed by ``segment_id`` on ``network``, with ``n_crimes`` and ``name``.
    network
        The street network the segments come from (junctions decide what is connected).
    limits
        Beat length and spread limits; :class:`StreetBeatLimits` defaults when None.

    Returns
    -------
    geopandas.GeoDataFrame
        One beat per row, busiest first, in EPSG:27700: ``beat_id`` (1, 2, ...), ``n_segments``,
        ``n_crimes``, ``length_m``, ``streets`` (names, busiest first) and the lines as a
        MultiLineString. Empty (same columns) when no segment is given.

    Raises
    ------
    MissingColumnError
        When ``n_crimes`` or ``name`` is missing.
    ParameterError
        When a segment id is not on the network.
    CRSError
        When the lines are not in EPSG:27700.
    """
    require_bng(hot_lines, name="hot street segments")
    missing = [c for c in ("n_crimes", "name") if c not in hot_lines.columns]
    if missing:
        msg = f"hot street segments lack {missing}; use hotspots.streets results per segment."
        raise MissingColumnError(msg)
    limits = limits or StreetBeatLimits()
    ids = np.asarray(hot_lines.index, dtype=np.int64)
    if ((ids < 0) | (ids >= network.n_edges)).any():
        msg = (
            "hot street segments: some ids are not segments of this network; index the frame by "
            "the segment_id of hotspots.streets results on the same network."
        )
        raise ParameterError(msg)
    counts = np.zeros(network.n_edges)
    counts[ids] = hot_lines["n_crimes"].to_numpy(dtype=np.float64)
    names = dict(zip(ids.tolist(), hot_lines["name"].astype(str), strict=True))
    rows = []
    for beat in _grow(ids, counts, network, limits):
        ordered = sorted(beat, key=lambda s: (-counts[s], s))
        rows.append(
            {
                "n_segments": len(beat),
                "n_crimes": int(counts[beat].sum()),
                "length_m": float(network.edge_length_m[beat].sum()),
                "streets": ", ".join(dict.fromkeys(names[s] for s in ordered)),
                "geometry": shapely.multilinestrings(list(network.edge_geometry[beat])),
            }
        )
    if not rows:
        return gpd.GeoDataFrame(
            {c: [] for c in BEAT_COLUMNS}, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)
    frame = frame.sort_values(["n_crimes", "length_m"], ascending=[False, True], kind="stable")
    frame.insert(0, "beat_id", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def gistar_beats(
    lines: gpd.GeoDataFrame,
    *,
    network: StreetNetwork,
    limits: StreetBeatLimits | None = None,
    min_bin: int = HOT_BEAT_MIN_BIN,
) -> gpd.GeoDataFrame:
    """
    Build beats from the significant hot segments of a street Gi* (those holding crimes).

    Parameters
    ----------
    lines
        Per-segment Gi* results (:func:`hotspots.streets.street_gi_star` ``.lines``, or
        :func:`hotspots.streets.hot_streets` with ``method="gistar"``), with ``gi_bin``.
    network
        The street network.
    limits
        Beat limits.
    min_bin
        The least ``gi_bin`` of a hot segment (2: Hot 95 % or more).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`street_beats`. Segments hot only through their neighbours (no crimes of their
        own) are left out, as the grid's patrol areas leave such cells out.

    Raises
    ------
    MissingColumnError
        When ``gi_bin`` (or ``n_crimes``, ``name``) is missing.
    """
    if "gi_bin" not in lines.columns:
        msg = "lines lack gi_bin: run hotspots.streets.street_gi_star per segment first."
        raise MissingColumnError(msg)
    hot = lines.loc[(lines["gi_bin"] >= min_bin) & (lines["n_crimes"] > 0)]
    return street_beats(hot, network=network, limits=limits)
