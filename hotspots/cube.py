"""
The month-by-cell data forecasts start from: crimes counted per snap point, crime type and month.

A :class:`CrimeCube` holds the selected crimes counted once per snap point, crime type and month,
with each snap point's grid cell (:class:`CellSpace`). A forecast for month ``t`` sees only
:meth:`CrimeCube.history` ``(t)``, a :class:`History` that holds the months before ``t`` and
nothing else, so no method (:mod:`hotspots.methods`) can look ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from boundaries.select import select_points, select_wards
from hotspots.gistar import spatial_weights
from spatial.crs import require_bng
from spatial.errors import EmptyInputError, ParameterError
from spatial.grid import GridKind, assign_cells, make_grid
from spatial.validate import require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from boundaries.select import Selection
    from spatial.grid import Grid

__all__ = [
    "DEFAULT_CELL_SIZE_M",
    "CellSpace",
    "CrimeCube",
    "History",
    "build_cube",
    "cube_for_selection",
    "parse_month",
]

DEFAULT_CELL_SIZE_M: Final = 100.0
"""Cell size of forecast grids, in metres (the size the Predictive Accuracy Index is usually
quoted at for street-level data)."""


@dataclass(frozen=True, eq=False)
class CellSpace:
    """
    The month-independent geometry forecasts need: cells, snap points and neighbours.

    Attributes
    ----------
    grid
        The grid over the selected wards.
    location_x_m, location_y_m
        Coordinates of each distinct crime location (snap point), in metres.
    location_cell
        The ``cell_id`` of each location.
    type_names
        The crime types counted, most frequent first over all months (a label list: no method
        depends on this order).
    """

    grid: Grid
    location_x_m: npt.NDArray[np.float64] = field(repr=False)
    location_y_m: npt.NDArray[np.float64] = field(repr=False)
    location_cell: npt.NDArray[np.int64] = field(repr=False)
    type_names: tuple[str, ...]
    _cache: dict[tuple[str, float], sparse.csr_array] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.grid.n_cells

    @property
    def n_locations(self) -> int:
        """Number of distinct crime locations."""
        return len(self.location_cell)

    def aggregator(self) -> sparse.csr_array:
        """Return the ``(n_cells, n_locations)`` 0/1 matrix that sums locations into cells."""
        key = ("cells", 0.0)
        if key not in self._cache:
            self._cache[key] = sparse.csr_array(
                (
                    np.ones(self.n_locations, dtype=np.float64),
                    (self.location_cell, np.arange(self.n_locations)),
                ),
                shape=(self.n_cells, self.n_locations),
            )
        return self._cache[key]

    def queen(self) -> sparse.csr_array:
        """Return binary queen weights between cells, each cell its own neighbour."""
        key = ("queen", 0.0)
        if key not in self._cache:
            self._cache[key] = spatial_weights(self.grid)
        return self._cache[key]

    def kernel(
        self, kind: Literal["quartic", "prospective"], bandwidth_m: float
    ) -> sparse.csr_array:
        """
        Return the ``(n_cells, n_locations)`` weights of each location at each cell centre.

        Parameters
        ----------
        kind
            ``"quartic"``: ``3 / (pi h^2) (1 - d^2/h^2)^2`` per km2 (``h`` the bandwidth);
            ``"prospective"``: ``1 / (1 + d / cell_size_m)``; both zero beyond ``bandwidth_m``.
        bandwidth_m
            Kernel radius in metres.

        Returns
        -------
        scipy.sparse.csr_array
            Weights; multiply by location counts to get a score per cell.
        """
        key = (kind, float(bandwidth_m))
        if key not in self._cache:
            centres = np.column_stack(
                [self.grid.cells["x_m"].to_numpy(), self.grid.cells["y_m"].to_numpy()]
            )
            locations = np.column_stack([self.location_x_m, self.location_y_m])
            pairs = cKDTree(centres).sparse_distance_matrix(
                cKDTree(locations), bandwidth_m, output_type="ndarray"
            )
            d = np.asarray(pairs["v"], dtype=np.float64)
            inside = d < bandwidth_m
            d = d[inside]
            if kind == "quartic":
                u2 = (d / bandwidth_m) ** 2
                w = 3.0 / (math.pi * bandwidth_m**2) * (1.0 - u2) ** 2 * 1e6
            else:
                w = 1.0 / (1.0 + d / self.grid.cell_size_m)
            self._cache[key] = sparse.csr_array(
                (w, (pairs["i"][inside], pairs["j"][inside])),
                shape=(self.n_cells, self.n_locations),
            )
        return self._cache[key]


@dataclass(frozen=True, eq=False)
class History:
    """
    The months before a forecast month, and nothing after: what every method sees.

    Attributes
    ----------
    space
        Cells, locations and neighbours.
    months
        The past months, ``YYYY-MM``, oldest first.
    location_type_counts
        ``(n_types, n_locations, n_months)`` crimes per type, location and month.
    """

    space: CellSpace
    months: tuple[str, ...]
    location_type_counts: npt.NDArray[np.float64] = field(repr=False)

    @property
    def n_months(self) -> int:
        """Number of past months."""
        return len(self.months)

    @property
    def location_counts(self) -> npt.NDArray[np.float64]:
        """``(n_locations, n_months)`` crimes per location and month, all types."""
        return np.asarray(self.location_type_counts.sum(axis=0), dtype=np.float64)

    @property
    def counts(self) -> npt.NDArray[np.float64]:
        """``(n_cells, n_months)`` crimes per cell and month."""
        return _to_cells(self.location_counts, self.space)

    def head(self, n_months: int) -> History:
        """
        Return the first ``n_months`` months only (the history of an earlier origin).

        Parameters
        ----------
        n_months
            How many of the oldest months to keep.

        Returns
        -------
        History
            The shorter history.
        """
        return History(
            space=self.space,
            months=self.months[:n_months],
            location_type_counts=self.location_type_counts[:, :, :n_months],
        )


def _to_cells(
    location_values: npt.NDArray[np.float64], space: CellSpace
) -> npt.NDArray[np.float64]:
    """Sum rows of ``(n_locations, k)`` into ``(n_cells, k)`` by each location's cell."""
    return np.asarray(space.aggregator() @ location_values, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class CrimeCube:
    """
    The selected crimes counted per location (snap point), crime type and month.

    Attributes
    ----------
    space
        Cells, locations and neighbours.
    months
        Every month of the data, ``YYYY-MM``, oldest first (months with no selected crime stay).
    location_type_counts
        ``(n_types, n_locations, n_months)`` crimes per type, location and month.
    location_ward
        Index into ``ward_names`` of each location's ward (-1 when unknown).
    ward_names
        The selected wards, in file order.
    ward_cells
        ``(n_wards, n_cells)``: True where a cell overlaps the ward's interior.
    n_outside_cells
        Selected crimes that fell in no cell (on the grid's outer edge); not counted.
    n_outside_months
        Selected crimes in months outside ``months``; not counted.
    notes
        Sentences for the user about what was counted.
    """

    space: CellSpace
    months: tuple[str, ...]
    location_type_counts: npt.NDArray[np.float64] = field(repr=False)
    location_ward: npt.NDArray[np.int64] = field(repr=False)
    ward_names: tuple[str, ...]
    ward_cells: npt.NDArray[np.bool_] = field(repr=False)
    n_outside_cells: int = 0
    n_outside_months: int = 0
    notes: tuple[str, ...] = ()

    @property
    def grid(self) -> Grid:
        """The grid."""
        return self.space.grid

    @property
    def counts(self) -> npt.NDArray[np.float64]:
        """``(n_cells, n_months)`` crimes per cell and month."""
        return _to_cells(self.location_type_counts.sum(axis=0), self.space)

    @property
    def next_month(self) -> str:
        """
        The month after the last month of the data, ``YYYY-MM`` (the one to patrol next).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from spatial.grid import make_grid
        >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 200)], crs=27700)
        >>> pts = gpd.GeoDataFrame({"month": [], "crime_type": []}, geometry=[], crs=27700)
        >>> build_cube(pts, make_grid(area, cell_size_m=100), months=["2025-12"]).next_month
        '2026-01'
        """
        return str(pd.Period(self.months[-1], freq="M") + 1)

    def month_index(self, month: str) -> int:
        """
        Return how many of the cube's months come before ``month``.

        This is the position of ``month`` among the cube's months, or their number for a month
        after the data.

        Parameters
        ----------
        month
            ``YYYY-MM``.

        Returns
        -------
        int
            The number of the cube's months that come before ``month``.

        Raises
        ------
        ParameterError
            When ``month`` is not ``YYYY-MM``.
        """
        target = parse_month(month)
        return sum(1 for m in self.months if m < target)

    def history(self, before: str | int) -> History:
        """
        Return the months strictly before ``before`` (a ``YYYY-MM`` month or a month index).

        Parameters
        ----------
        before
            The forecast month; only months earlier than it are kept.

        Returns
        -------
        History
            A copy of the past months' counts.
        """
        k = self.month_index(before) if isinstance(before, str) else int(before)
        k = max(0, min(k, len(self.months)))
        past = self.location_type_counts[:, :, :k].copy()
        past.setflags(write=False)
        return History(space=self.space, months=self.months[:k], location_type_counts=past)

    def ward_counts(self, ward: str) -> npt.NDArray[np.float64]:
        """
        Return ``(n_cells, n_months)`` counts of the crimes inside one ward.

        Parameters
        ----------
        ward
            A name from ``ward_names``.

        Returns
        -------
        numpy.ndarray
            Counts per cell and month.

        Raises
        ------
        ParameterError
            When the ward is not in the cube.
        """
        if ward not in self.ward_names:
            msg = f"Unknown ward {ward!r}. Choose from: {', '.join(self.ward_names)}."
            raise ParameterError(msg)
        mine = self.location_ward == self.ward_names.index(ward)
        values = self.location_type_counts.sum(axis=0) * mine[:, None]
        return _to_cells(values, self.space)


def parse_month(text: str) -> str:
    """
    Check that ``text`` is a ``YYYY-MM`` month and return it normalised.

    Parameters
    ----------
    text
        A month as typed, e.g. ``" 2025-09"``.

    Returns
    -------
    str
        The month, ``YYYY-MM``.

    Raises
    ------
    ParameterError
        When ``text`` is not ``YYYY-MM``.

    Examples
    --------
    >>> parse_month(" 2025-09 ")
    '2025-09'
    """
    try:
        period = pd.Period(str(text).strip(), freq="M")
    except ValueError as err:
        msg = f"Month {text!r} is not YYYY-MM (for example 2025-09)."
        raise ParameterError(msg) from err
    if len(str(text).strip()) != 7:  # noqa: PLR2004 -- len("YYYY-MM")
        msg = f"Month {text!r} is not YYYY-MM (for example 2025-09)."
        raise ParameterError(msg)
    return str(period)


def cube_for_selection(
    area: StudyArea,
    selection: Selection,
    *,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    kind: GridKind = "square",
) -> CrimeCube:
    """
    Grid the selected wards and count the selected crimes on it, over the data's months.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        Wards, months and crime types chosen; the months are those of the loaded data within
        ``selection.months``, so a month with none of the chosen crimes is kept.
    cell_size_m
        Cell size in metres.
    kind
        ``"square"`` or ``"hex"``.

    Returns
    -------
    CrimeCube
        The counts, with per-ward cells.

    Raises
    ------
    ParameterError
        When a name in the selection is unknown or the options are out of range.
    EmptyInputError
        When the selection covers no month of the data, or holds no crime.
    """
    wards = select_wards(area, selection)
    points = select_points(area, selection)
    months = list(area.months)
    if selection.months is not None:
        first, last = selection.months
        months = [m for m in months if first <= m <= last]
    if not months:
        msg = (
            f"No month of the data ({area.months[0]}..{area.months[-1]}) lies in "
            f"{selection.months[0] if selection.months else ''}.."
            f"{selection.months[1] if selection.months else ''}. Widen --months (app: Months)."
        )
        raise EmptyInputError(msg)
    if points.empty:  # a forecast of nothing would still rank cells, all scoring 0
        msg = "The selection holds no crimes: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    grid = make_grid(wards, kind=kind, cell_size_m=cell_size_m)
    return build_cube(points, grid, months=months, wards=wards)


def _ward_layout(
    points: gpd.GeoDataFrame, grid: Grid, wards: gpd.GeoDataFrame | None
) -> tuple[tuple[str, ...], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Ward names, the cells overlapping each ward, and each point's ward index (-1: none)."""
    point_ward = np.full(len(points), -1, dtype=np.int64)
    if wards is None:
        return (), np.zeros((0, grid.n_cells), dtype=bool), point_ward
    require_bng(wards, name="wards")
    names = tuple(str(w) for w in wards["ward_name"])
    polys = grid.cells.geometry.to_numpy()
    rows = [
        np.asarray(shapely.intersects(geom, polys) & ~shapely.touches(geom, polys), dtype=bool)
        for geom in wards.geometry.to_numpy()
    ]
    cells = np.vstack(rows) if rows else np.zeros((0, grid.n_cells), dtype=bool)
    if "ward" in points.columns:
        pos = {w: i for i, w in enumerate(names)}
        point_ward = np.asarray([pos.get(str(w), -1) for w in points["ward"]], dtype=np.int64)
    return names, cells, point_ward


def build_cube(
    points: gpd.GeoDataFrame,
    grid: Grid,
    *,
    months: Sequence[str] | None = None,
    wards: gpd.GeoDataFrame | None = None,
) -> CrimeCube:
    """
    Count the selected crimes per snap point, crime type and month on a grid.

    Parameters
    ----------
    points
        The selected crimes (EPSG:27700) with ``month`` (``Period[M]`` or ``YYYY-MM``) and
        ``crime_type``; with ``ward`` too for per-ward results.
    grid
        The grid over the selected wards (:func:`spatial.grid.make_grid`).
    months
        The months to cover, ``YYYY-MM``: those of the loaded data, so a month in which none of
        the selected crimes happened is kept (with zero counts). None: the months of ``points``.
    wards
        The selected wards (``ward_name``, polygons) for per-ward results; None for none.

    Returns
    -------
    CrimeCube
        The counts; crimes outside the cells or the months are counted in ``n_outside_*``.

    Raises
    ------
    CRSError
        When ``points`` or ``wards`` is not in EPSG:27700.
    MissingColumnError
        When ``month`` or ``crime_type`` is missing.
    EmptyInputError
        When there are no months to cover.
    ParameterError
        When a month is not ``YYYY-MM``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> from spatial.grid import make_grid
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 300, 100)], crs=27700)
    >>> grid = make_grid(area, cell_size_m=100)
    >>> pts = gpd.GeoDataFrame(
    ...     {"month": ["2025-01", "2025-01", "2025-03"], "crime_type": ["Burglary"] * 3},
    ...     geometry=[Point(50, 50), Point(250, 50), Point(250, 50)], crs=27700)
    >>> cube = build_cube(pts, grid, months=["2025-01", "2025-02", "2025-03"])
    >>> cube.counts.tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    """
    require_bng(points, name="points")
    require_columns(
        points.columns,
        ("month", "crime_type"),
        source="points",
        hint="Load them with spatial.io.read_crimes.",
    )
    point_months = np.asarray([str(m) for m in points["month"]], dtype=object)
    month_list = sorted({parse_month(m) for m in (point_months if months is None else months)})
    if not month_list:
        msg = "There are no months to forecast from: the selection holds no crimes."
        raise EmptyInputError(msg)
    month_pos = {m: i for i, m in enumerate(month_list)}
    m_idx = np.asarray([month_pos.get(m, -1) for m in point_months], dtype=np.int64)
    cell = assign_cells(points, grid)
    keep = (cell >= 0) & (m_idx >= 0)
    loc_xy, loc_of_point = _snap_points(points.geometry.to_numpy()[keep])
    loc_cell = np.zeros(len(loc_xy), dtype=np.int64)
    loc_cell[loc_of_point] = cell[keep]
    type_names, counts = _count_types(
        points["crime_type"], keep, loc_of_point, m_idx[keep], (len(loc_xy), len(month_list))
    )
    ward_names, ward_cells, point_ward = _ward_layout(points, grid, wards)
    loc_ward = np.full(len(loc_xy), -1, dtype=np.int64)
    loc_ward[loc_of_point] = point_ward[keep]
    n_outside_cells = int(((cell < 0) & (m_idx >= 0)).sum())
    n_outside_months = int((m_idx < 0).sum())
    space = CellSpace(
        grid=grid,
        location_x_m=loc_xy[:, 0].copy(),
        location_y_m=loc_xy[:, 1].copy(),
        location_cell=loc_cell,
        type_names=type_names,
    )
    return CrimeCube(
        space=space,
        months=tuple(month_list),
        location_type_counts=counts,
        location_ward=loc_ward,
        ward_names=ward_names,
        ward_cells=ward_cells,
        n_outside_cells=n_outside_cells,
        n_outside_months=n_outside_months,
        notes=_cube_notes(month_list, n_outside_cells, n_outside_months),
    )


def _snap_points(
    geoms: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Return the distinct coordinates ``(n_locations, 2)`` and each point's location index."""
    xy = np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).astype(np.float64)
    loc_xy, loc_of_point = np.unique(xy.reshape(-1, 2), axis=0, return_inverse=True)
    return loc_xy, np.asarray(loc_of_point.ravel(), dtype=np.int64)


def _count_types(
    crime_types: pd.Series,
    keep: npt.NDArray[np.bool_],
    loc_of_point: npt.NDArray[np.int64],
    month_of_point: npt.NDArray[np.int64],
    shape: tuple[int, int],
) -> tuple[tuple[str, ...], npt.NDArray[np.float64]]:
    """Return type names (most frequent first) and read-only ``(type, location, month)`` counts."""
    types = pd.Series(np.asarray([str(t) for t in crime_types], dtype=object)[keep])
    type_names = tuple(str(t) for t in types.value_counts(sort=True).index)
    type_pos = {t: i for i, t in enumerate(type_names)}
    t_idx = np.asarray([type_pos[t] for t in types], dtype=np.int64)
    counts = np.zeros((max(1, len(type_names)), *shape), dtype=np.float64)
    np.add.at(counts, (t_idx, loc_of_point, month_of_point), 1.0)
    if not type_names:
        counts = counts[:0]
    counts.setflags(write=False)
    return type_names, counts


def _cube_notes(
    month_list: Sequence[str], n_outside_cells: int, n_outside_months: int
) -> tuple[str, ...]:
    """Return sentences on the crimes not counted and on months missing between first and last."""
    notes: list[str] = []
    if n_outside_cells:
        notes.append(
            f"{n_outside_cells:,} crimes lie outside the grid's cells and are not counted."
        )
    if n_outside_months:
        notes.append(
            f"{n_outside_months:,} crimes fall outside the months {month_list[0]}.."
            f"{month_list[-1]} and are not counted."
        )
    full = pd.period_range(month_list[0], month_list[-1], freq="M")
    gaps = [str(p) for p in full if str(p) not in set(month_list)]
    if gaps:
        notes.append(
            f"The data have no file for {', '.join(gaps)}: the methods treat the months they "
            "have as consecutive."
        )
    return tuple(notes)
