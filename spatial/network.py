"""
The walkable street network: loading, projecting, caching and snapping points to it.

A :class:`StreetNetwork` wraps an osmnx-compatible ``MultiDiGraph`` in British National Grid and
adds what walking routes need: an undirected view (one-way streets do not bind pedestrians, so
every street can be walked both ways, along the shortest of any parallel edges), a sparse
adjacency matrix for :mod:`scipy.sparse.csgraph`, connected components ("islands") and spatial
indexes for vectorised nearest-node and nearest-edge snapping.
"""

from __future__ import annotations

import functools
import math
import pickle
import tempfile
import xml.etree.ElementTree as ET  # the usual name; parse errors only
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import osmnx as ox
import pyproj
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely import LineString, STRtree

from spatial.crs import BNG, BNG_EPSG, GB_BOUNDS_M, require_bng
from spatial.errors import (
    EmptyInputError,
    InputDataError,
    OutsideGreatBritainError,
    ParameterError,
    PatchmapError,
)
from spatial.validate import check_readable

if TYPE_CHECKING:
    import networkx as nx
    import numpy.typing as npt

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "NOT_WALKABLE_HIGHWAYS",
    "PEDESTRIAN_HIGHWAYS",
    "EdgeSnap",
    "NodeSnap",
    "StreetNetwork",
    "download_walk_network",
    "load_network",
    "network_from_graph",
    "snap_to_edges",
    "snap_to_nodes",
]

DEFAULT_MAX_SNAP_M: Final = 250.0
"""A point further than this from the nearest street (metres) cannot be snapped to the network."""
OTHER_AREA_M: Final = 5_000.0
"""When every point is further than this from any street, the network is another area's."""
MIN_EDGE_LENGTH_M: Final = 1e-3
"""Zero-length edges are given this length so sparse graph routines keep them as edges."""
NOT_WALKABLE_HIGHWAYS: Final = frozenset(
    {
        "motorway",
        "motorway_link",
        "construction",
        "proposed",
        "raceway",
        "bus_guideway",
        "abandoned",
        "escape",
    }
)
"""OSM ``highway`` values dropped when a raw OSM extract is turned into a walking network."""
NOT_WALKABLE_ACCESS: Final = frozenset({"private", "no"})
"""OSM ``access`` values dropped when a raw OSM extract is turned into a walking network."""
PEDESTRIAN_HIGHWAYS: Final = frozenset(
    {"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway", "corridor"}
)
"""``highway`` values only walk networks have; a graph with none is taken as a drive network."""
DRIVE_NETWORK_NOTE: Final = (
    "This looks like a drive network (no footways or paths): walking routes use its streets "
    "in both directions, ignoring one-way restrictions, and may be longer than real walking routes."
)
UNNAMED_STREET: Final = "unnamed street"
"""The name given to edges without an OSM ``name``."""


@dataclass(frozen=True, eq=False)
class StreetNetwork:
    """
    A walkable street network in British National Grid.

    Routing code never mutates it, so one object can be shared by every user of the app.

    Attributes
    ----------
    graph
        The osmnx-compatible ``MultiDiGraph`` as loaded, projected to EPSG:27700.
    node_ids
        OSM node id of each node position.
    node_xy_m
        Easting and northing of each node, shape ``(n_nodes, 2)``.
    edge_u, edge_v
        Node positions at the ends of each undirected walking edge (``edge_u < edge_v``).
    edge_length_m
        Length of each walking edge: the shortest of the parallel edges between its two nodes.
    edge_name
        Street name of each walking edge (:data:`UNNAMED_STREET` when OSM has none).
    edge_geometry
        Line of each walking edge, drawn from ``edge_u`` to ``edge_v``.
    adjacency
        Symmetric sparse matrix of edge lengths in metres, for :mod:`scipy.sparse.csgraph`.
    component
        Connected-component label of each node; nodes with different labels cannot reach each other.
    source
        Where the network came from (a file name or "graph").
    notes
        Things the user should know, such as a drive network being walked both ways.
    """

    graph: nx.MultiDiGraph
    node_ids: npt.NDArray[np.int64]
    node_xy_m: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_length_m: npt.NDArray[np.float64]
    edge_name: tuple[str, ...]
    edge_geometry: npt.NDArray[np.object_]
    adjacency: csr_array
    component: npt.NDArray[np.int64]
    source: str
    notes: tuple[str, ...]
    node_position: dict[int, int] = field(repr=False)
    edge_index: dict[tuple[int, int], int] = field(repr=False)
    node_tree: cKDTree = field(repr=False)
    edge_tree: STRtree = field(repr=False)

    @property
    def crs(self) -> str:
        """Coordinate reference system of every coordinate: always EPSG:27700."""
        return BNG

    @property
    def n_nodes(self) -> int:
        """Number of street nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of undirected walking edges."""
        return len(self.edge_u)

    def edge_between(self, a: int, b: int) -> int:
        """
        Return the walking edge joining two node positions.

        Parameters
        ----------
        a, b
            Node positions (not OSM ids).

        Returns
        -------
        int
            Index into the ``edge_*`` arrays.

        Raises
        ------
        ParameterError
            When the two nodes are not joined by a street.
        """
        key = (a, b) if a < b else (b, a)
        try:
            return self.edge_index[key]
        except KeyError:
            msg = (
                f"nodes {self.node_ids[a]} and {self.node_ids[b]} are not joined by a street "
                "on this network."
            )
            raise ParameterError(msg) from None

    def edges_frame(self) -> gpd.GeoDataFrame:
        """
        Return the walking edges as lines.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per undirected edge in EPSG:27700 with ``u`` and ``v`` (OSM node ids),
            ``name`` and ``length_m``.
        """
        return gpd.GeoDataFrame(
            {
                "u": self.node_ids[self.edge_u],
                "v": self.node_ids[self.edge_v],
                "name": list(self.edge_name),
                "length_m": self.edge_length_m,
            },
            geometry=list(self.edge_geometry),
            crs=BNG,
        )

    def nodes_frame(self) -> gpd.GeoDataFrame:
        """
        Return the street nodes as points.

        Returns
        -------
        geopandas.GeoDataFrame
            Indexed by OSM node id, in EPSG:27700, with ``component``.
        """
        return gpd.GeoDataFrame(
            {"component": self.component},
            geometry=shapely.points(self.node_xy_m),
            index=self.node_ids,
            crs=BNG,
        )


@dataclass(frozen=True)
class NodeSnap:
    """
    Points snapped to their nearest street nodes.

    Attributes
    ----------
    position
        Node position (index into ``network.node_ids``) of each point.
    node_id
        OSM id of that node.
    distance_m
        Straight-line distance from each point to its node.
    """

    position: npt.NDArray[np.int64]
    node_id: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]


@dataclass(frozen=True)
class EdgeSnap:
    """
    Points snapped to their nearest street edges.

    Attributes
    ----------
    edge
        Index of the nearest walking edge of each point.
    u_id, v_id
        OSM ids of that edge's end nodes.
    distance_m
        Straight-line distance from each point to the edge.
    offset_m
        Distance along the edge (from ``u_id``) of the point's projection onto it.
    """

    edge: npt.NDArray[np.int64]
    u_id: npt.NDArray[np.int64]
    v_id: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]
    offset_m: npt.NDArray[np.float64]


def _street_name(value: object) -> str:
    if isinstance(value, list | tuple):
        names = [str(v) for v in value if str(v).strip()]
        return " / ".join(dict.fromkeys(names)) if names else UNNAMED_STREET
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNNAMED_STREET
    text = str(value).strip()
    return text or UNNAMED_STREET


def _tag_values(value: object) -> set[str]:
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    if value is None:
        return set()
    return {str(value)}


def _is_walkable(data: dict[str, object], *, require_highway: bool) -> bool:
    highways = _tag_values(data.get("highway"))
    if not highways:
        return not require_highway
    if highways <= NOT_WALKABLE_HIGHWAYS:
        return False
    return not (_tag_values(data.get("access")) & NOT_WALKABLE_ACCESS)


def _check_in_gb(xy: npt.NDArray[np.float64], source: str) -> None:
    min_x, min_y, max_x, max_y = GB_BOUNDS_M
    outside = (xy[:, 0] < min_x) | (xy[:, 0] > max_x) | (xy[:, 1] < min_y) | (xy[:, 1] > max_y)
    if outside.any():
        first = int(np.flatnonzero(outside)[0])
        msg = (
            f"{source}: {int(outside.sum())} street nodes lie outside Great Britain after "
            f"projecting to EPSG:27700 (first: x {xy[first, 0]:.0f}, y {xy[first, 1]:.0f}). "
            "Check the network's CRS."
        )
        raise OutsideGreatBritainError(msg)


def network_from_graph(
    graph: nx.MultiDiGraph,
    *,
    source: str = "graph",
    require_highway: bool = False,
) -> StreetNetwork:
    """
    Build a :class:`StreetNetwork` from an osmnx-compatible graph.

    Parameters
    ----------
    graph
        A ``MultiDiGraph`` whose ``graph["crs"]`` names its CRS and whose nodes carry ``x`` and
        ``y``; edges may carry ``length`` (metres), ``name``, ``highway`` and ``geometry``. It is
        projected to EPSG:27700 when it is in another CRS; it is never modified.
    source
        What the user calls the network, used in messages.
    require_highway
        Drop edges without an OSM ``highway`` tag (set for raw OSM extracts, whose other ways
        such as buildings would otherwise become streets).

    Returns
    -------
    StreetNetwork
        With motorways, private and proposed ways removed, self-loops dropped and every street
        walkable both ways.

    Raises
    ------
    EmptyInputError
        When no walkable street is left.
    OutsideGreatBritainError
        When the nodes do not lie in Great Britain.
    InputDataError
        When the graph has no CRS.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(crs="EPSG:27700")
    >>> g.add_node(1, x=530000.0, y=180000.0)
    >>> g.add_node(2, x=530100.0, y=180000.0)
    >>> _ = g.add_edge(1, 2, length=100.0, name="High Street")
    >>> net = network_from_graph(g)
    >>> net.n_nodes, net.n_edges, net.edge_name
    (2, 1, ('High Street',))
    """
    crs = graph.graph.get("crs")
    if crs is None:
        msg = (
            f"{source}: the graph has no CRS (graph['crs'] is missing). Save it with osmnx, "
            "which records the CRS."
        )
        raise InputDataError(msg)
    projected = graph
    if pyproj.CRS.from_user_input(crs).to_epsg() != BNG_EPSG:
        projected = ox.project_graph(graph, to_crs=BNG)

    xy_of = {n: (float(d["x"]), float(d["y"])) for n, d in projected.nodes(data=True)}
    best, highways = _shortest_edges(projected, xy_of, require_highway=require_highway)
    if not best:
        msg = (
            f"{source}: no walkable street is left (after dropping motorways, private and "
            "proposed ways). Load a walk or drive network."
        )
        raise EmptyInputError(msg)

    used = sorted({n for key in best for n in key})
    node_ids = np.asarray(used, dtype=np.int64)
    node_position = {int(n): i for i, n in enumerate(used)}
    node_xy = np.asarray([xy_of[n] for n in used], dtype=np.float64)
    _check_in_gb(node_xy, source)

    keys = list(best)
    edge_u = np.asarray([node_position[k[0]] for k in keys], dtype=np.int64)
    edge_v = np.asarray([node_position[k[1]] for k in keys], dtype=np.int64)
    lengths = np.asarray([best[k][0] for k in keys], dtype=np.float64)
    names = tuple(best[k][1] for k in keys)
    geoms = np.empty(len(keys), dtype=object)
    geoms[:] = [best[k][2] for k in keys]
    n = len(node_ids)
    adjacency = csr_array(
        (
            np.concatenate([lengths, lengths]),
            (np.concatenate([edge_u, edge_v]), np.concatenate([edge_v, edge_u])),
        ),
        shape=(n, n),
    )
    _, labels = connected_components(adjacency, directed=False)
    edge_index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(edge_u, edge_v, strict=True))}

    return StreetNetwork(
        graph=projected,
        node_ids=node_ids,
        node_xy_m=node_xy,
        edge_u=edge_u,
        edge_v=edge_v,
        edge_length_m=lengths,
        edge_name=names,
        edge_geometry=geoms,
        adjacency=adjacency,
        component=labels.astype(np.int64),
        source=source,
        notes=_network_notes(highways, n_islands=int(labels.max()) + 1),
        node_position=node_position,
        edge_index=edge_index,
        node_tree=cKDTree(node_xy),
        edge_tree=STRtree(geoms),
    )


def _shortest_edges(
    graph: nx.MultiDiGraph,
    xy_of: dict[int, tuple[float, float]],
    *,
    require_highway: bool,
) -> tuple[dict[tuple[int, int], tuple[float, str, LineString]], set[str]]:
    """
    Keep the shortest walkable edge between each pair of nodes, keyed ``(low id, high id)``.

    Returns each pair's ``(length_m, street name, line from low to high id)`` and every
    ``highway`` value seen on the walkable edges. Self-loops are dropped.
    """
    best: dict[tuple[int, int], tuple[float, str, LineString]] = {}
    highways: set[str] = set()
    for u, v, data in graph.edges(data=True):
        if u == v or not _is_walkable(data, require_highway=require_highway):
            continue
        highways |= _tag_values(data.get("highway"))
        geom = data.get("geometry")
        line = geom if isinstance(geom, LineString) else LineString([xy_of[u], xy_of[v]])
        length = data.get("length")
        length_m = float(length) if length is not None else float(line.length)
        length_m = max(length_m, MIN_EDGE_LENGTH_M)
        key = (u, v) if u < v else (v, u)
        if key != (u, v):
            line = shapely.reverse(line)
        if key not in best or length_m < best[key][0]:
            best[key] = (length_m, _street_name(data.get("name")), line)
    return best, highways


def _network_notes(highways: set[str], *, n_islands: int) -> tuple[str, ...]:
    """Return notes on a drive-only network and on islands routes cannot cross between."""
    notes: list[str] = []
    if highways and not highways & PEDESTRIAN_HIGHWAYS:
        notes.append(DRIVE_NETWORK_NOTE)
    if n_islands > 1:
        notes.append(
            f"The network has {n_islands} separate parts (islands); routes cannot cross "
            "between them."
        )
    return tuple(notes)


def _pbf_to_xml(path: Path, out: Path) -> None:
    import osmium  # noqa: PLC0415  # only .osm.pbf input needs pyosmium

    with osmium.SimpleWriter(str(out), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(path)):
            writer.add(obj)


def _read_graph(path: Path) -> tuple[nx.MultiDiGraph, bool]:
    name = path.name.lower()
    if name.endswith(".graphml"):
        return ox.load_graphml(path), False
    if name.endswith((".osm", ".osm.xml", ".xml")):
        return ox.graph_from_xml(path, simplify=True, retain_all=True), True
    if name.endswith(".pbf"):
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / "extract.osm"
            _pbf_to_xml(path, xml)
            return ox.graph_from_xml(xml, simplify=True, retain_all=True), True
    msg = (
        f"{path.name}: unknown street network format. Use OSMnx GraphML (.graphml), "
        "OSM XML (.osm) or an OSM PBF extract (.osm.pbf)."
    )
    raise InputDataError(msg)


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path, mtime_ns: int, size: int) -> StreetNetwork:
    del mtime_ns, size  # part of the cache key only: a changed file is read again
    graph, raw = _read_graph_checked(path)
    return network_from_graph(graph, source=path.name, require_highway=raw)


def _read_graph_checked(path: Path) -> tuple[nx.MultiDiGraph, bool]:
    """Read the graph, turning the parsers' errors on a malformed file into ours."""
    try:
        graph, raw = _read_graph(path)
    except PatchmapError:
        raise
    except ET.ParseError as err:
        msg = (
            f"{path.name}: could not be read as a street network (not well-formed XML: {err}). "
            "Give an OSMnx GraphML, an OSM XML (.osm) or an .osm.pbf extract."
        )
        raise InputDataError(msg) from err
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        if "no edges" in str(err) or "no nodes" in str(err) or "Found no graph" in str(err):
            msg = f"{path.name}: holds no streets. Choose an extract that covers the area."
            raise EmptyInputError(msg) from err
        msg = (
            f"{path.name}: could not be read as a street network ({type(err).__name__}: {err}). "
            "Give an OSMnx GraphML, an OSM XML (.osm) or an .osm.pbf extract."
        )
        raise InputDataError(msg) from err
    if graph.number_of_edges() == 0:
        msg = f"{path.name}: no walkable street (the file holds no ways). Choose another extract."
        raise EmptyInputError(msg)
    return graph, raw


def load_network(path: str | Path, *, cache_dir: str | Path | None = None) -> StreetNetwork:
    """
    Load a walkable street network from a file and project it to EPSG:27700.

    Reads OSMnx GraphML (``.graphml``, with osmnx), OSM XML (``.osm``, with osmnx) and OSM PBF
    extracts (``.osm.pbf``, converted to OSM XML with pyosmium first). Raw OSM extracts keep only
    ways tagged ``highway``. A drive network is accepted and walked in both directions; the
    returned ``notes`` say so. Street names are kept.

    Networks are cached in memory (keyed by path, size and modification time), so loading the same
    file again is instant. With ``cache_dir`` the projected graph is also pickled there, so a new
    process skips parsing.

    Parameters
    ----------
    path
        The network file.
    cache_dir
        Optional folder for an on-disk cache of the projected graph.

    Returns
    -------
    StreetNetwork
        Never to be mutated: the same object is returned to every caller.

    Raises
    ------
    InputDataError
        When the file is missing or of an unknown format.
    EmptyInputError
        When it holds no walkable street.
    """
    file = check_readable(path, what="street network (.graphml, .osm or .osm.pbf)").resolve()
    stat = file.stat()
    if cache_dir is None:
        return _load_cached(file, stat.st_mtime_ns, stat.st_size)
    cache = Path(cache_dir) / f"{file.name}.{stat.st_size}.{stat.st_mtime_ns}.pickle"
    if cache.is_file():
        with cache.open("rb") as handle:
            # Our own cache file, named after the source's size and mtime, written just below.
            graph, raw = pickle.load(handle)  # noqa: S301
        return network_from_graph(graph, source=file.name, require_highway=raw)
    network = _load_cached(file, stat.st_mtime_ns, stat.st_size)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as handle:
        raw = not file.name.lower().endswith(".graphml")
        pickle.dump((network.graph, raw), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return network


def download_walk_network(
    query: str | tuple[float, float, float, float],
    *,
    network_type: Literal["walk", "all"] = "walk",
) -> StreetNetwork:
    """
    Download a walk network from OpenStreetMap with osmnx (needs internet access).

    Parameters
    ----------
    query
        A place name osmnx can geocode ("Cambridge, UK") or a (west, south, east, north) bounding
        box in degrees.
    network_type
        The osmnx network type: "walk" (footways, paths and streets pedestrians may use) or
        "all" (every public way).

    Returns
    -------
    StreetNetwork
        Projected to EPSG:27700.

    Raises
    ------
    EmptyInputError
        When the area holds no walkable street.
    """
    if isinstance(query, str):
        graph = ox.graph_from_place(query, network_type=network_type)
        source = query
    else:
        graph = ox.graph_from_bbox(query, network_type=network_type)
        source = "bbox " + ",".join(f"{v:.5f}" for v in query)
    return network_from_graph(graph, source=f"OpenStreetMap {source}")


def _coords(points: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str) -> npt.NDArray[np.float64]:
    require_bng(points, name=name)
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if len(geoms) == 0:
        msg = f"{name}: no points to snap to the street network."
        raise EmptyInputError(msg)
    types = shapely.get_type_id(geoms.to_numpy())
    if (types != 0).any() or geoms.isna().any():
        bad = int(np.flatnonzero((types != 0) | geoms.isna().to_numpy())[0])
        msg = (
            f"{name}: only points can be snapped to streets (first other geometry: point "
            f"{bad + 1} of {len(geoms)}). "
            "Use the centroids of polygons."
        )
        raise InputDataError(msg)
    return np.column_stack([shapely.get_x(geoms.to_numpy()), shapely.get_y(geoms.to_numpy())])


def _raise_too_far(
    distance_m: npt.NDArray[np.float64], max_snap_m: float, *, name: str, labels: list[object]
) -> None:
    far = distance_m > max_snap_m
    if far.any() and float(distance_m.min()) > OTHER_AREA_M:  # nothing near: another area's
        nearest_km = float(distance_m.min()) / 1000
        which = "the point" if len(labels) == 1 else f"all {len(labels)} points"
        msg = (
            f"{name}: the street network does not cover {which}: its nearest street is "
            f"{nearest_km:,.0f} km away. It is the network of another area: give the street "
            "network of the wards' area."
        )
        raise InputDataError(msg)
    if far.any() and len(labels) == 1:
        msg = (
            f"{name}: the point lies {distance_m[0]:,.0f} m from the nearest street on the network "
            f"(at most {max_snap_m:.0f} m is allowed). Move it onto a street, or use a network "
            "that covers it."
        )
        raise InputDataError(msg)
    if far.any():
        first = int(np.flatnonzero(far)[0])
        msg = (
            f"{name}: {int(far.sum())} point(s) lie more than {max_snap_m:.0f} m from any street "
            f"on the network (first: point {first + 1} of {len(labels)}, "
            f"{distance_m[first]:,.0f} m away). Move them onto a street, or use a network that "
            "covers them."
        )
        raise InputDataError(msg)


def snap_to_nodes(
    network: StreetNetwork,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    name: str = "points",
) -> NodeSnap:
    """
    Snap points to their nearest street nodes (vectorised, with a k-d tree).

    Parameters
    ----------
    network
        The street network.
    points
        Points in EPSG:27700.
    max_snap_m
        Largest allowed distance from a point to its node.
    name
        What the user calls the points, used in messages.

    Returns
    -------
    NodeSnap
        One entry per point, in the order given.

    Raises
    ------
    CRSError
        When the points are not in EPSG:27700.
    InputDataError
        When a point is further than ``max_snap_m`` from any node; the message says how far.
    """
    xy = _coords(points, name=name)
    distance, position = network.node_tree.query(xy)
    distance = np.asarray(distance, dtype=np.float64)
    position = np.asarray(position, dtype=np.int64)
    _raise_too_far(distance, max_snap_m, name=name, labels=list(points.index))
    return NodeSnap(position=position, node_id=network.node_ids[position], distance_m=distance)


def snap_to_edges(
    network: StreetNetwork,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    name: str = "points",
) -> EdgeSnap:
    """
    Snap points to their nearest street edges (vectorised, with an STR-tree).

    Parameters
    ----------
    network
        The street network.
    points
        Points in EPSG:27700.
    max_snap_m
        Largest allowed distance from a point to its street.
    name
        What the user calls the points, used in messages.

    Returns
    -------
    EdgeSnap
        One entry per point, in the order given.

    Raises
    ------
    CRSError
        When the points are not in EPSG:27700.
    InputDataError
        When a point is further than ``max_snap_m`` from any street; the message says how far.
    """
    xy = _coords(points, name=name)
    geoms = shapely.points(xy)
    pairs, distance = network.edge_tree.query_nearest(
        geoms, return_distance=True, all_matches=False
    )
    order = np.argsort(pairs[0], kind="stable")
    edge = np.asarray(pairs[1][order], dtype=np.int64)
    distance = np.asarray(distance[order], dtype=np.float64)
    _raise_too_far(distance, max_snap_m, name=name, labels=list(points.index))
    offset = shapely.line_locate_point(network.edge_geometry[edge], geoms)
    return EdgeSnap(
        edge=edge,
        u_id=network.node_ids[network.edge_u[edge]],
        v_id=network.node_ids[network.edge_v[edge]],
        distance_m=distance,
        offset_m=np.asarray(offset, dtype=np.float64),
    )
