"""
Benchmark: lixels, snapping and network KDE on the Cambridge street graph.

Run with ``.venv/bin/python -m benchmarks.bench_streets``. Input: the Cambridge drive graph
(``../shared/data/cambridge/osm/cambridge_drive.graphml``, 3,293 junctions, 3,816 segments,
320 km of street) and the 17,785 located Cambridge crimes inside ``wards.geojson`` (13 months).
Bandwidth 150 m, 50 m lixels, crimes snapped within 50 m (the drive graph has no footpaths, so
some crimes are further away and are counted, not used).

Timed (CPU seconds of this process, best of 3; every call is single-threaded):

* patchmap: ``make_lixels`` + ``snap_to_lixels`` + ``network_kde_snapped`` (discontinuous,
  continuous and simple), the target being under 10 s for the discontinuous one; then the
  discontinuous NKDE alone at 300 and 500 m (where paths multiply and are merged);
* the straightforward way: for each crime, ``networkx.single_source_dijkstra_path_length`` with
  ``cutoff`` from both ends of its street and the kernel on every lixel reached (simple NKDE),
  and a per-crime recursive walk that splits the kernel at junctions (discontinuous NKDE, the
  per-event traversal spNetwork performs), on every snapped crime (timed once). Both give the
  same densities as patchmap (checked to 1e-9). The continuous NKDE has no per-crime peer here:
  its backward shares multiply the paths of a per-crime walk beyond any useful time; its
  correctness is shown by known-answer tests (tests/hotspots/test_nkde.py).
"""

from __future__ import annotations

import functools
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import networkx as nx
import numpy as np
import scipy

from boundaries.dataset import load_study_area
from hotspots.nkde import network_kde_snapped, network_kernel
from spatial.lixels import make_lixels, snap_to_lixels
from spatial.network import load_network

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

    from hotspots.nkde import NetworkDensity, NkdeMethod
    from spatial.lixels import Lixels, LixelSnap

DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data" / "cambridge"
BANDWIDTH_M: Final = 150.0
LIXEL_M: Final = 50.0
MAX_SNAP_M: Final = 50.0
REPEATS: Final = 3
T = TypeVar("T")


def _best(run: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    best = float("inf")
    out: T | None = None
    for _ in range(repeats):
        start = time.process_time()
        out = run()
        best = min(best, time.process_time() - start)
    if out is None:
        msg = "nothing was run"
        raise RuntimeError(msg)
    return best, out


def _incident(lixels: Lixels) -> dict[int, list[int]]:
    net = lixels.network
    table: dict[int, list[int]] = {}
    for e, (u, v) in enumerate(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True)):
        table.setdefault(u, []).append(e)
        table.setdefault(v, []).append(e)
    return table


def per_point_simple(
    lixels: Lixels, snap: LixelSnap, graph: nx.Graph, n: int
) -> npt.NDArray[np.float64]:
    """Compute the simple NKDE the straightforward way: two Dijkstras and a kernel per crime."""
    net = lixels.network
    density = np.zeros(lixels.n_lixels)
    centre = lixels.centre_m
    incident = _incident(lixels)
    for i in np.flatnonzero(snap.snapped)[:n].tolist():
        seg, t = int(snap.segment[i]), float(snap.offset_m[i])
        length = float(net.edge_length_m[seg])
        u, v = int(net.edge_u[seg]), int(net.edge_v[seg])
        dist: dict[int, float] = {}
        for start, offset in ((u, t), (v, length - t)):
            if offset >= BANDWIDTH_M:
                continue
            reached = nx.single_source_dijkstra_path_length(
                graph, start, cutoff=BANDWIDTH_M - offset, weight="length"
            )
            for node, d in reached.items():
                dist[node] = min(dist.get(node, np.inf), d + offset)
        edges = {seg} | {e for node in dist for e in incident[node]}
        for e in edges:
            lix = np.arange(lixels.first[e], lixels.first[e + 1])
            c = centre[lix]
            d_u = dist.get(int(net.edge_u[e]), np.inf)
            d_v = dist.get(int(net.edge_v[e]), np.inf)
            d = np.minimum(d_u + c, d_v + float(net.edge_length_m[e]) - c)
            if e == seg:
                d = np.minimum(d, np.abs(c - t))
            density[lix] += network_kernel(d, bandwidth_m=BANDWIDTH_M)
    return density


def per_point_discontinuous(lixels: Lixels, snap: LixelSnap, n: int) -> npt.NDArray[np.float64]:
    """Compute the discontinuous NKDE the straightforward way: a recursive walk per crime."""
    net = lixels.network
    density = np.zeros(lixels.n_lixels)
    centre = lixels.centre_m
    incident = _incident(lixels)
    lengths = net.edge_length_m.tolist()
    edge_u, edge_v = net.edge_u.tolist(), net.edge_v.tolist()
    for i in np.flatnonzero(snap.snapped)[:n].tolist():
        seg, t = int(snap.segment[i]), float(snap.offset_m[i])
        lix = np.arange(lixels.first[seg], lixels.first[seg + 1])
        density[lix] += network_kernel(centre[lix] - t, bandwidth_m=BANDWIDTH_M)
        stack = [(edge_u[seg], seg, t, 1.0), (edge_v[seg], seg, lengths[seg] - t, 1.0)]
        while stack:
            node, via, d0, share = stack.pop()
            onward = [e for e in incident[node] if e != via]
            if d0 >= BANDWIDTH_M or not onward or share <= 1e-9:
                continue
            share /= len(onward)
            for e in onward:
                lix = np.arange(lixels.first[e], lixels.first[e + 1])
                along = centre[lix] if edge_u[e] == node else lengths[e] - centre[lix]
                density[lix] += share * network_kernel(d0 + along, bandwidth_m=BANDWIDTH_M)
                far = edge_v[e] if edge_u[e] == node else edge_u[e]
                stack.append((far, e, d0 + lengths[e], share))
    return density


def ours_snapped(snap: LixelSnap, lixels: Lixels, bandwidth_m: float) -> NetworkDensity:
    """Run the discontinuous NKDE on crimes already snapped."""
    return network_kde_snapped(snap, lixels=lixels, bandwidth_m=bandwidth_m)


def main() -> None:
    """Time patchmap's NKDE beside per-crime Dijkstra and per-crime path walks; print ratios."""
    start = time.perf_counter()
    network = load_network(DATA / "osm" / "cambridge_drive.graphml")
    load_s = time.perf_counter() - start
    area = load_study_area([DATA / "crimes"], DATA / "wards.geojson")
    crimes = area.points
    print(
        f"Cambridge: {len(crimes):,} crimes; network {network.n_nodes:,} junctions, "
        f"{network.n_edges:,} segments, {network.edge_length_m.sum() / 1000:.0f} km "
        f"(GraphML read in {load_s:.1f} s wall, not timed below)"
    )

    def ours(method: NkdeMethod) -> Callable[[], NetworkDensity]:
        def run() -> NetworkDensity:
            lixels = make_lixels(network, lixel_m=LIXEL_M)
            snap = snap_to_lixels(lixels, crimes, max_snap_m=MAX_SNAP_M)
            return network_kde_snapped(snap, lixels=lixels, bandwidth_m=BANDWIDTH_M, method=method)

        return run

    t_disc, disc = _best(ours("discontinuous"))
    t_simple, simple = _best(ours("simple"))
    t_cont, cont = _best(ours("continuous"))
    lixels = disc.lixels
    snap = disc.snap
    n_locations = len(np.unique(np.c_[snap.segment, snap.offset_m][snap.snapped], axis=0))
    print(
        f"{lixels.n_lixels:,} lixels; {snap.n_snapped:,} crimes snapped, {snap.n_too_far:,} "
        f"further than {MAX_SNAP_M:g} m; {n_locations:,} distinct snap locations"
    )
    graph = nx.Graph()
    for e in range(network.n_edges):
        graph.add_edge(
            int(network.edge_u[e]), int(network.edge_v[e]), length=float(network.edge_length_m[e])
        )
    n_peer = snap.n_snapped
    t_peer_simple, peer_simple = _best(lambda: per_point_simple(lixels, snap, graph, n_peer), 1)
    t_peer_disc, peer_disc = _best(lambda: per_point_discontinuous(lixels, snap, n_peer), 1)
    # the peers give the same densities
    np.testing.assert_allclose(simple.density_per_m, peer_simple, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(disc.density_per_m, peer_disc, rtol=1e-9, atol=1e-12)
    rows = [
        ("patchmap: lixels + snap + discontinuous NKDE", t_disc, None),
        ("per-crime recursive walk, discontinuous", t_peer_disc, t_disc),
        ("patchmap: lixels + snap + continuous NKDE", t_cont, None),
        ("patchmap: lixels + snap + simple NKDE", t_simple, None),
        ("per-crime networkx Dijkstra, simple", t_peer_simple, t_simple),
    ]
    print(
        f"\nPython {platform.python_version()}, networkx {nx.__version__}, "
        f"scipy {scipy.__version__}; CPU s, best of {REPEATS} (peers: one run)"
    )
    print("| step | CPU seconds | peer / patchmap |")
    print("|---|---:|---:|")
    for label, seconds, ours_s in rows:
        ratio = "" if ours_s is None else f"{seconds / ours_s:,.0f}x"
        print(f"| {label} | {seconds:.3f} | {ratio} |")
    for wide in (300.0, 500.0):
        t_wide, _ = _best(functools.partial(ours_snapped, snap, lixels, wide))
        print(f"discontinuous NKDE alone (snapped crimes reused) at {wide:g} m: {t_wide:.3f} s")
    print(
        f"(integral of the discontinuous NKDE: {disc.integral:,.0f}, of the continuous NKDE: "
        f"{cont.integral:,.0f}, of {snap.n_snapped:,} crimes snapped)"
    )


if __name__ == "__main__":
    main()
