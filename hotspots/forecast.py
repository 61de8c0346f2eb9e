"""
Forecast next month's crime cells from the months before it.

Everything starts from a :class:`CrimeCube`: the selected crimes counted once per snap point,
crime type and month, with each snap point's grid cell. A forecast for month ``t`` sees only
:meth:`CrimeCube.history` ``(t)``, a :class:`History` that holds the months before ``t`` and
nothing else, so no method can look ahead. Every method is a pure function of that history and
of the cells' geometry (centres, neighbours), returning one score per cell; the top cells by score
are the ones to patrol.

Methods (:data:`METHOD_NAMES`):

``last-month``, ``counts-3``, ``counts-all``
    Crimes in the cell last month, in the last 3 months, in all past months.
``ewma``
    Exponentially weighted counts: last month weight 1, a month earlier ``0.5 ** (1 / h)``, ...
    with ``h`` the half life in months.
``blend``
    All-past counts per month plus ``recent_weight`` times the last 3 months' counts per month,
    plus a tiny kernel-density term that only breaks ties between cells with equal counts in
    favour of the busier surroundings.
``kde``
    Retrospective quartic kernel density of the last ``n_months`` months at ``bandwidth_m``.
``prospective``
    Bowers, Johnson & Pease (2004): each past crime within ``bandwidth_m`` and ``n_months``
    adds ``1 / (1 + distance in cells)`` x ``1 / (1 + age in weeks)``.
``gistar``
    The Getis-Ord Gi* z-score of the last ``n_months`` months' counts (queen contiguity).
``model``
    A Poisson regression (scikit-learn) on the cell's lagged counts, its neighbours' counts and
    its crime-type mix, fitted only on the months of the history.
``default``
    Whichever of :data:`DEFAULT_CANDIDATES` had the best mean PAI on the history's own rolling
    origins (see :func:`choose_default`); a blend of long-run and recent counts unless
    ``counts-all`` or a clearly better candidate beat it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

from boundaries.select import select_points, select_wards
from hotspots.gistar import gi_star_z, spatial_weights
from spatial.crs import require_bng
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.grid import GridKind, assign_cells, make_grid

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from boundaries.select import Selection
    from spatial.grid import Grid

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_CELL_SIZE_M",
    "DEFAULT_COVERAGE_PCT",
    "DEFAULT_METHODS",
    "DEFAULT_MIN_TRAIN_MONTHS",
    "METHOD_NAMES",
    "MIN_EVIDENCE_ORIGINS",
    "TIE_BREAK",
    "CellSpace",
    "CrimeCube",
    "DefaultChoice",
    "Forecast",
    "History",
    "Method",
    "MethodName",
    "build_cube",
    "choose_default",
    "cube_for_selection",
    "flag_top",
    "forecast_cells",
    "n_flagged",
    "parse_method",
    "score_cells",
    "select_default",
    "with_parameters",
]

MethodName = Literal[
    "last-month",
    "counts-3",
    "counts-all",
    "ewma",
    "blend",
    "kde",
    "prospective",
    "gistar",
    "model",
    "default",
]
METHOD_NAMES: Final[tuple[str, ...]] = get_args(MethodName)
"""Every method name, in the order tables list them."""

DEFAULT_CELL_SIZE_M: Final = 100.0
"""Cell size of forecast grids, in metres (the size the Predictive Accuracy Index is usually
quoted at for street-level data)."""
DEFAULT_COVERAGE_PCT: Final = 5.0
"""Share of the cells flagged for patrol, in per cent."""
DEFAULT_MIN_TRAIN_MONTHS: Final = 3
"""Months of history needed before a month is forecast (the first origin is the 4th month)."""
MIN_EVIDENCE_ORIGINS: Final = 2
"""Rolling origins with crimes needed before ``default`` may leave ``counts-all``."""
WEEKS_PER_MONTH: Final = 52.0 / 12.0
"""Weeks in an average month, to turn the prospective method's weeks into months."""
TIE_BREAK: Final = (
    "Cells with equal scores are taken in cell_id order (the south-west first: rows run "
    "northwards, columns eastwards)."
)
"""How ties are broken when the top cells are flagged (see :func:`flag_top`)."""
_RECENT_MONTHS: Final = 3
_TIE_EPSILON: Final = 1e-6
_MODEL_ALPHA: Final = 1e-3
_MODEL_MAX_ITER: Final = 300
_MODEL_N_TYPES: Final = 3


@dataclass(frozen=True)
class Method:
    """
    A forecast method and its parameters (None where the method has no such parameter).

    Attributes
    ----------
    name
        One of :data:`METHOD_NAMES`.
    n_months
        The window of past months used (``kde``, ``prospective``, ``gistar``).
    half_life_months
        Half life of the ``ewma`` weights, in months.
    bandwidth_m
        Kernel radius (``kde``) or distance band (``prospective``), in metres.
    recent_weight
        Weight of the last 3 months against all past months (``blend``).
    """

    name: MethodName
    n_months: int | None = None
    half_life_months: float | None = None
    bandwidth_m: float | None = None
    recent_weight: float | None = None

    def parameters(self) -> dict[str, float | int]:
        """
        Return the parameters that apply to this method.

        Returns
        -------
        dict
            Parameter name to value, JSON-ready.

        Examples
        --------
        >>> DEFAULT_METHODS["kde"].parameters()
        {'n_months': 2, 'bandwidth_m': 200.0}
        """
        values = {
            "n_months": self.n_months,
            "half_life_months": self.half_life_months,
            "bandwidth_m": self.bandwidth_m,
            "recent_weight": self.recent_weight,
        }
        return {k: v for k, v in values.items() if v is not None}

    @property
    def label(self) -> str:
        """
        Describe the method in plain words, for sentences and legends.

        Examples
        --------
        >>> DEFAULT_METHODS["counts-all"].label
        'counts over all past months'
        >>> DEFAULT_METHODS["kde"].label
        'kernel density (quartic, 200 m, last 2 months)'
        """
        months = f"last {self.n_months} month{'s' if self.n_months != 1 else ''}"
        fixed = {
            "last-month": "last month's counts",
            "counts-3": "counts over the last 3 months",
            "counts-all": "counts over all past months",
            "model": "Poisson regression on past counts",
            "default": "default (the candidate best on the months before)",
        }
        if self.name in fixed:
            return fixed[self.name]
        if self.name == "ewma":
            return f"counts weighted by a {self.half_life_months or 0:g}-month half life"
        if self.name == "blend":
            return f"all-months counts + {self.recent_weight or 0:g} x last 3 months"
        if self.name == "kde":
            return f"kernel density (quartic, {self.bandwidth_m or 0:g} m, {months})"
        if self.name == "prospective":
            return f"prospective hotspots ({self.bandwidth_m or 0:g} m, {months})"
        return f"Gi* z-score ({months})"

    def key(self) -> str:
        """
        Return a short unique key, e.g. ``"ewma(half_life_months=6)"``.

        Examples
        --------
        >>> DEFAULT_METHODS["ewma"].key()
        'ewma(half_life_months=6)'
        """
        params = ",".join(f"{k}={v:g}" for k, v in self.parameters().items())
        return f"{self.name}({params})" if params else self.name


DEFAULT_METHODS: Final[Mapping[str, Method]] = MappingProxyType(
    {
        "last-month": Method("last-month"),
        "counts-3": Method("counts-3"),
        "counts-all": Method("counts-all"),
        "ewma": Method("ewma", half_life_months=6.0),
        "blend": Method("blend", recent_weight=0.25),
        "kde": Method("kde", n_months=2, bandwidth_m=200.0),
        "prospective": Method("prospective", n_months=2, bandwidth_m=400.0),
        "gistar": Method("gistar", n_months=3),
        "model": Method("model"),
        "default": Method("default"),
    }
)
"""Each method with its default parameters (KDE: last 2 months at 200 m; prospective: Bowers,
Johnson & Pease's 400 m and 2 months; Gi*: last 3 months; EWMA: 6-month half life)."""

DEFAULT_CANDIDATES: Final[tuple[Method, ...]] = (
    DEFAULT_METHODS["blend"],
    DEFAULT_METHODS["counts-all"],
    Method("blend", recent_weight=0.5),
    DEFAULT_METHODS["ewma"],
    Method("ewma", half_life_months=12.0),
    DEFAULT_METHODS["model"],
)
"""The methods ``default`` chooses among: the preferred blend first, then ``counts-all`` (the
baseline it must match), then challengers (see :func:`select_default`)."""


def parse_method(text: str) -> Method:
    """
    Parse a method name as typed (``"kde"``, ``"counts-all"``) into its default :class:`Method`.

    Parameters
    ----------
    text
        A name from :data:`METHOD_NAMES`.

    Returns
    -------
    Method
        The method with its default parameters.

    Raises
    ------
    ParameterError
        When the name is unknown.

    Examples
    --------
    >>> parse_method(" KDE ").name
    'kde'
    """
    name = text.strip().lower()
    if name not in DEFAULT_METHODS:
        msg = f"Unknown forecast method {text!r}. Choose from: {', '.join(METHOD_NAMES)}."
        raise ParameterError(msg)
    return DEFAULT_METHODS[name]


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
        >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs=27700)
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
        target = _parse_month(month)
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


def _parse_month(text: str) -> str:
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
        When the selection covers no month of the data.
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
            f"{selection.months[1] if selection.months else ''}. Widen --months."
        )
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
    missing = [c for c in ("month", "crime_type") if c not in points.columns]
    if missing:
        msg = (
            f"points lack the column(s) {', '.join(missing)}; load them with "
            "spatial.io.read_crimes."
        )
        raise MissingColumnError(msg)
    point_months = np.asarray([str(m) for m in points["month"]], dtype=object)
    if months is None:
        month_list = sorted({_parse_month(m) for m in point_months})
    else:
        month_list = sorted({_parse_month(m) for m in months})
    if not month_list:
        msg = "There are no months to forecast from: the selection holds no crimes."
        raise EmptyInputError(msg)
    month_pos = {m: i for i, m in enumerate(month_list)}
    m_idx = np.asarray([month_pos.get(m, -1) for m in point_months], dtype=np.int64)
    cell = assign_cells(points, grid)
    keep = (cell >= 0) & (m_idx >= 0)
    n_outside_cells = int(((cell < 0) & (m_idx >= 0)).sum())
    n_outside_months = int((m_idx < 0).sum())

    geoms = points.geometry.to_numpy()[keep]
    xy = np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)]).astype(np.float64)
    xy = xy.reshape(-1, 2)
    loc_xy, loc_of_point = np.unique(xy, axis=0, return_inverse=True)
    loc_of_point = loc_of_point.ravel()
    loc_cell = np.zeros(len(loc_xy), dtype=np.int64)
    loc_cell[loc_of_point] = cell[keep]

    types = pd.Series(np.asarray([str(t) for t in points["crime_type"]], dtype=object)[keep])
    type_names = tuple(str(t) for t in types.value_counts(sort=True).index)
    type_pos = {t: i for i, t in enumerate(type_names)}
    t_idx = np.asarray([type_pos[t] for t in types], dtype=np.int64)
    cube = np.zeros((max(1, len(type_names)), len(loc_xy), len(month_list)), dtype=np.float64)
    np.add.at(cube, (t_idx, loc_of_point, m_idx[keep]), 1.0)
    if not type_names:
        cube = cube[:0]

    ward_names, ward_cells, point_ward = _ward_layout(points, grid, wards)
    loc_ward = np.full(len(loc_xy), -1, dtype=np.int64)
    loc_ward[loc_of_point] = point_ward[keep]

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
    gaps = [str(p) for p in full if str(p) not in month_pos]
    if gaps:
        notes.append(
            f"The data have no file for {', '.join(gaps)}: the methods treat the months they "
            "have as consecutive."
        )
    cube.setflags(write=False)
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
        location_type_counts=cube,
        location_ward=loc_ward,
        ward_names=ward_names,
        ward_cells=ward_cells,
        n_outside_cells=n_outside_cells,
        n_outside_months=n_outside_months,
        notes=tuple(notes),
    )


# --- scoring -----------------------------------------------------------------------------------


def _window(counts: npt.NDArray[np.float64], n_months: int) -> npt.NDArray[np.float64]:
    return np.asarray(counts[:, -n_months:].sum(axis=1), dtype=np.float64)


def _ewma(counts: npt.NDArray[np.float64], half_life_months: float) -> npt.NDArray[np.float64]:
    k = counts.shape[1]
    ages = np.arange(k - 1, -1, -1, dtype=np.float64)  # last month has age 0
    weights = 0.5 ** (ages / half_life_months)
    return np.asarray(counts @ weights, dtype=np.float64)


def _blend(history: History, recent_weight: float) -> npt.NDArray[np.float64]:
    counts = history.counts
    k = counts.shape[1]
    long_run = counts.sum(axis=1) / k
    recent = _window(counts, min(_RECENT_MONTHS, k)) / min(_RECENT_MONTHS, k)
    base = long_run + recent_weight * recent
    # tie-break only: the 200 m density of all past crimes, scaled far below one crime
    density = history.space.kernel("quartic", 200.0) @ history.location_counts.sum(axis=1)
    top = float(density.max()) if density.size else 0.0
    scale = _TIE_EPSILON / (k * top) if top > 0 else 0.0
    return np.asarray(base + scale * density, dtype=np.float64)


def _kde(history: History, n_months: int, bandwidth_m: float) -> npt.NDArray[np.float64]:
    recent = history.location_counts[:, -n_months:].sum(axis=1)
    return np.asarray(history.space.kernel("quartic", bandwidth_m) @ recent, dtype=np.float64)


def _prospective(history: History, n_months: int, bandwidth_m: float) -> npt.NDArray[np.float64]:
    locations = history.location_counts[:, -n_months:]
    k = locations.shape[1]
    months_back = np.arange(k, 0, -1, dtype=np.float64)  # oldest column is k months back
    age_weeks = (months_back - 0.5) * WEEKS_PER_MONTH
    weighted = locations @ (1.0 / (1.0 + age_weeks))
    return np.asarray(history.space.kernel("prospective", bandwidth_m) @ weighted, np.float64)


def _gistar(history: History, n_months: int) -> npt.NDArray[np.float64]:
    counts = _window(history.counts, n_months)
    if history.space.n_cells < 2:  # noqa: PLR2004 -- Gi* needs two cells
        return counts
    return gi_star_z(counts, history.space.queen())


def _feature_stack(
    counts: npt.NDArray[np.float64],
    types: npt.NDArray[np.float64],
    space: CellSpace,
    cells: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """
    Features of every cell for every history length at once.

    ``counts`` is ``(n, k)`` and ``types`` ``(n_types, n, k)`` for the ``n`` cells ``cells``,
    which must include every cell with a crime. Slice ``[:, s - 1, :]`` of the
    ``(n, k, n_features)`` result describes each cell after the first ``s`` months:
    log1p of last month's count, of the last 3 months' and of all months' mean, of the same two
    means over the queen neighbours (the cell excluded), and each type's share of the crimes of
    the types given.
    """
    k = counts.shape[1]
    queen = space.queen()[cells][:, cells]  # cells left out have no crime: they add nothing
    n_nb = np.maximum(np.asarray(space.queen().sum(axis=1)).ravel()[cells] - 1.0, 1.0)[:, None]
    total = np.cumsum(counts, axis=1)
    lengths = np.arange(1, k + 1, dtype=np.float64)
    long_run = total / lengths
    window = np.minimum(lengths, _RECENT_MONTHS)
    before = np.zeros_like(total)
    lag = _RECENT_MONTHS
    if k > lag:
        before[:, lag:] = total[:, :-lag]
    recent = (total - before) / window
    nb_long = (queen @ long_run - long_run) / n_nb
    nb_recent = (queen @ recent - recent) / n_nb
    columns = [np.log1p(v) for v in (counts, recent, long_run, nb_long, nb_recent)]
    type_total = np.cumsum(types, axis=2)
    of_types = type_total.sum(axis=0)
    columns.extend(
        np.divide(row, of_types, out=np.zeros_like(row), where=of_types > 0) for row in type_total
    )
    return np.stack(columns, axis=2)


def _model(history: History) -> npt.NDArray[np.float64]:
    counts = history.counts
    k = counts.shape[1]
    space = history.space
    agg = space.aggregator()
    # the most frequent types of the history itself (ties by name), never of later months
    by_type = history.location_type_counts.sum(axis=(1, 2))
    order = sorted(range(len(by_type)), key=lambda i: (-by_type[i], space.type_names[i]))
    chosen = order[:_MODEL_N_TYPES] if len(order) > 1 else []
    type_cells = np.zeros((len(chosen), space.n_cells, k), dtype=np.float64)
    for row, i in enumerate(chosen):
        type_cells[row] = agg @ history.location_type_counts[i]
    # Cells with no crime in them or next to them in any past month have all-zero features;
    # they are pooled with the quiet rows below (their targets are past months, so all zero).
    active = np.flatnonzero(space.queen() @ counts.sum(axis=1) > 0)
    n_inactive = space.n_cells - len(active)
    features = _feature_stack(counts[active], type_cells[:, active, :], space, active)
    now = np.zeros((space.n_cells, features.shape[2]), dtype=np.float64)
    now[active] = features[:, k - 1, :]
    # Quiet rows (all features zero) are pooled into one row (their mean count, weighted by their
    # number): the Poisson likelihood is unchanged and most cells are quiet, so the fit is small.
    xs, ys = [], []
    n_quiet, y_quiet = 0, 0.0
    for s in range(1, k):  # the first s months predict month s
        if counts[:, s].sum() == 0:
            continue
        x_s = features[:, s - 1, :]
        y_s = counts[active, s]
        quiet = ~x_s.any(axis=1)
        n_quiet += int(quiet.sum()) + n_inactive
        y_quiet += float(y_s[quiet].sum())
        xs.append(x_s[~quiet])
        ys.append(y_s[~quiet])
    if not xs:
        return np.asarray(now[:, 2], dtype=np.float64)  # log of the all-months mean
    x_all = np.vstack([*xs, np.zeros((1, now.shape[1]))])
    y_mean = np.concatenate([*ys, [y_quiet / max(n_quiet, 1)]])
    n_rows = np.ones(len(y_mean))
    n_rows[-1] = float(n_quiet)
    mean, sd = x_all.mean(axis=0), x_all.std(axis=0)
    sd[sd == 0] = 1.0
    model = PoissonRegressor(alpha=_MODEL_ALPHA, max_iter=_MODEL_MAX_ITER, solver="newton-cholesky")
    # one thread: OpenMP's thread start-up costs more than this small fit
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # on tiny or degenerate histories the Newton solver hands over to lbfgs and says so;
        # the lbfgs fit is still the maximum-likelihood one
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit((x_all - mean) / sd, y_mean, sample_weight=n_rows)
        return np.asarray(model.predict((now - mean) / sd), dtype=np.float64)


def score_cells(history: History, method: Method) -> npt.NDArray[np.float64]:
    """
    Score every cell for the month after ``history``; higher means patrol it first.

    Parameters
    ----------
    history
        The past months (:meth:`CrimeCube.history`); nothing later is visible.
    method
        A method other than ``default`` (resolve that with :func:`choose_default`).

    Returns
    -------
    numpy.ndarray
        One score per cell, in ``cell_id`` order (all zero without crimes in the history).

    Raises
    ------
    ParameterError
        When the history is empty, ``method`` is ``default`` or a parameter is out of range.

    References
    ----------
    Bowers, K. J., Johnson, S. D. and Pease, K. (2004). Prospective hot-spotting: the future of
    crime mapping? British Journal of Criminology 44(5), 641-658.
    Getis, A. and Ord, J. K. (1992). Geographical Analysis 24(3), 189-206.
    """
    _check_method(method)
    if history.n_months == 0:
        msg = "There are no past months to forecast from. Load at least one earlier month."
        raise ParameterError(msg)
    counts = history.counts
    scorers: dict[str, Callable[[], npt.NDArray[np.float64]]] = {
        "last-month": lambda: _window(counts, 1),
        "counts-3": lambda: _window(counts, 3),
        "counts-all": lambda: counts.sum(axis=1),
        "ewma": lambda: _ewma(counts, float(method.half_life_months or 0)),
        "blend": lambda: _blend(history, float(method.recent_weight or 0)),
        "kde": lambda: _kde(history, int(method.n_months or 0), float(method.bandwidth_m or 0)),
        "prospective": lambda: _prospective(
            history, int(method.n_months or 0), float(method.bandwidth_m or 0)
        ),
        "gistar": lambda: _gistar(history, int(method.n_months or 0)),
        "model": partial(_model, history),
    }
    return np.asarray(scorers[method.name](), dtype=np.float64)


def _check_method(method: Method) -> None:
    if method.name not in DEFAULT_METHODS:
        msg = f"Unknown forecast method {method.name!r}. Choose from: {', '.join(METHOD_NAMES)}."
        raise ParameterError(msg)
    if method.name == "default":
        msg = "Method 'default' is chosen from the data: call choose_default(history) first."
        raise ParameterError(msg)
    problems = []
    needs = {
        "ewma": ("half_life_months",),
        "blend": ("recent_weight",),
        "kde": ("n_months", "bandwidth_m"),
        "prospective": ("n_months", "bandwidth_m"),
        "gistar": ("n_months",),
    }.get(method.name, ())
    for name in needs:
        value = getattr(method, name)
        low_ok = name == "recent_weight"  # 0: all-months counts with the tie-break only
        if (
            value is None
            or not math.isfinite(float(value))
            or float(value) < 0
            or (float(value) == 0 and not low_ok)
        ):
            problems.append(f"{name} must be a positive number for {method.name}; found {value}")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


# --- flagging and the default -------------------------------------------------------------------


def n_flagged(n_cells: int, coverage_pct: float) -> int:
    """
    Return how many cells ``coverage_pct`` per cent of ``n_cells`` flags (rounded up, at least 1).

    Parameters
    ----------
    n_cells
        Number of cells.
    coverage_pct
        Share to flag, in per cent (0 < c <= 100).

    Returns
    -------
    int
        The number of cells.

    Raises
    ------
    ParameterError
        When ``coverage_pct`` is not in (0, 100].

    Examples
    --------
    >>> n_flagged(4000, 5), n_flagged(30, 5), n_flagged(10, 1)
    (200, 2, 1)
    """
    if not (math.isfinite(coverage_pct) and 0 < coverage_pct <= 100):  # noqa: PLR2004
        msg = f"coverage_pct must be above 0 and at most 100; found {coverage_pct}."
        raise ParameterError(msg)
    return max(1, min(n_cells, math.ceil(n_cells * coverage_pct / 100.0 - 1e-9)))


def flag_top(scores: npt.NDArray[np.float64], n_flag: int) -> npt.NDArray[np.int64]:
    """
    Return the ``n_flag`` highest-scoring cells, best first; ties go to the lower ``cell_id``.

    Parameters
    ----------
    scores
        One score per cell, in ``cell_id`` order.
    n_flag
        How many cells to flag.

    Returns
    -------
    numpy.ndarray
        ``cell_id`` values, best first.

    Examples
    --------
    >>> flag_top(np.array([1.0, 3.0, 3.0, 0.0]), 2).tolist()
    [1, 2]
    """
    # a stable sort keeps equal scores in cell_id order (np.partition is slow on many ties)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return np.asarray(order[:n_flag], dtype=np.int64)


@dataclass(frozen=True)
class DefaultChoice:
    """
    The method ``default`` stands for, and the evidence it was chosen on.

    Attributes
    ----------
    method
        The chosen method (never ``default``).
    coverage_pct
        The coverage its PAI was compared at.
    origins
        The months whose PAI was compared (those with crimes).
    pai_means
        ``(method key, mean PAI)`` of every candidate, best first; None when no origin counted.
    why
        One sentence with the evidence.
    """

    method: Method
    coverage_pct: float
    origins: tuple[str, ...]
    pai_means: tuple[tuple[str, float | None], ...]
    why: str


def select_default(
    pai_by_method: Mapping[Method, Sequence[float | None]],
    *,
    origins: Sequence[str],
    coverage_pct: float,
) -> DefaultChoice:
    """
    Pick the ``default`` method from each candidate's PAI on the same origins.

    The rule, with means taken over the origins that had crimes:

    1. the first candidate (the preferred one, a blend of long-run and recent counts) is taken
       if its mean PAI is at least that of ``counts-all``, else ``counts-all``;
       with fewer than :data:`MIN_EVIDENCE_ORIGINS` origins the first candidate is kept;
    2. from 3 origins on, another candidate replaces it if its mean gain over it, origin by
       origin, exceeds one standard error of those gains (so month-to-month noise does not
       decide) and its mean PAI is at least that of ``counts-all``; the largest gain wins.

    With enough origins the winner's mean PAI is therefore never below ``counts-all``'s on the
    origins it was chosen on.

    Parameters
    ----------
    pai_by_method
        PAI per origin of each candidate (None for an origin without crimes), in the order of
        ``origins``; the first is preferred and one must be ``counts-all``.
    origins
        The origin months.
    coverage_pct
        The coverage the PAI were measured at (for the explanation).

    Returns
    -------
    DefaultChoice
        The winner and the evidence.

    Raises
    ------
    ParameterError
        When there are no candidates or none is ``counts-all``.
    """
    methods = list(pai_by_method)
    baseline = next((m for m in methods if m.name == "counts-all"), None)
    if baseline is None:
        msg = "The default's candidates must include 'counts-all', the baseline to beat."
        raise ParameterError(msg)
    keep = [i for i, v in enumerate(pai_by_method[baseline]) if v is not None]
    table = {
        m: np.asarray([pai_by_method[m][i] or 0.0 for i in keep], dtype=np.float64) for m in methods
    }
    valid = tuple(origins[i] for i in keep)
    means: dict[Method, float | None] = {
        m: float(table[m].mean()) if keep else None for m in methods
    }
    preferred = methods[0]
    best = preferred
    reason = "few"
    if len(keep) >= MIN_EVIDENCE_ORIGINS:
        best = preferred if table[preferred].mean() >= table[baseline].mean() else baseline
        reason = "base"
        top_gain = 0.0
        for m in methods:
            if m in (best, baseline) or len(keep) < 3:  # noqa: PLR2004 -- a standard error needs 3
                continue
            gain = table[m] - table[best]
            noise = float(gain.std(ddof=1)) / math.sqrt(len(keep))
            if gain.mean() > max(noise, top_gain) and table[m].mean() >= table[baseline].mean():
                best, top_gain, reason = m, float(gain.mean()), "challenger"
    ranked = sorted(methods, key=lambda m: (-(means[m] or -math.inf), methods.index(m)))
    return DefaultChoice(
        method=best,
        coverage_pct=coverage_pct,
        origins=valid,
        pai_means=tuple((m.key(), means[m]) for m in ranked),
        why=_why(best, baseline, means, valid, coverage_pct, reason),
    )


def _why(
    best: Method,
    baseline: Method,
    means: Mapping[Method, float | None],
    valid: Sequence[str],
    coverage_pct: float,
    reason: str,
) -> str:
    if reason == "few":
        return (
            f"Only {len(valid)} past month(s) with crimes to test on (at least "
            f"{MIN_EVIDENCE_ORIGINS} needed), so the default is {best.label}, which beat "
            f"{baseline.label} on Cambridge's data.police.uk files."
        )
    span = f"{len(valid)} months ({valid[0]}..{valid[-1]})"
    head = (
        f"{best.label[0].upper()}{best.label[1:]} had a mean PAI of {means[best] or 0.0:.2f} "
        f"for the top {coverage_pct:g} % of cells over {span}"
    )
    if best == baseline:
        return head + ": no candidate did at least as well, so counts over all months are used."
    tail = f", against {means[baseline] or 0.0:.2f} for {baseline.label}"
    if reason == "challenger":
        tail += ", a gain larger than its month-to-month noise"
    return head + tail + "."


def _pai(
    scores: npt.NDArray[np.float64], actual: npt.NDArray[np.float64], n_flag: int
) -> float | None:
    total = float(actual.sum())
    if total <= 0:
        return None
    hits = float(actual[flag_top(scores, n_flag)].sum())
    return (hits / total) / (n_flag / len(actual))


def choose_default(
    history: History,
    *,
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    min_train_months: int = DEFAULT_MIN_TRAIN_MONTHS,
    candidates: Sequence[Method] = DEFAULT_CANDIDATES,
    progress: Callable[[int, int], None] | None = None,
) -> DefaultChoice:
    """
    Choose the ``default`` method by a rolling-origin backtest inside ``history`` alone.

    Every month of the history after ``min_train_months`` is forecast by each candidate from
    the months before it, and :func:`select_default` picks the best mean PAI.

    Parameters
    ----------
    history
        The months before the month to forecast.
    coverage_pct
        Share of cells flagged, in per cent.
    min_train_months
        Months of history before the first inner origin.
    candidates
        Methods to compare, the fallback first.
    progress
        Called with ``(done, total)`` after each origin.

    Returns
    -------
    DefaultChoice
        The chosen method and the evidence.

    Raises
    ------
    ParameterError
        When a candidate is ``default`` or an option is out of range.
    """
    if min_train_months < 1:
        msg = f"min_train_months must be at least 1; found {min_train_months}."
        raise ParameterError(msg)
    for m in candidates:
        _check_method(m)
    n_flag = n_flagged(history.space.n_cells, coverage_pct)
    counts = history.counts
    origins = list(range(min_train_months, history.n_months))
    table: dict[Method, list[float | None]] = {m: [] for m in candidates}
    for done, t in enumerate(origins, start=1):
        past = history.head(t)
        for m in candidates:
            table[m].append(_pai(score_cells(past, m), counts[:, t], n_flag))
        if progress is not None:
            progress(done, len(origins))
    return select_default(
        table, origins=[history.months[t] for t in origins], coverage_pct=coverage_pct
    )


# --- forecasting a month ------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """
    The cells to patrol in one month.

    Attributes
    ----------
    month
        The forecast month, ``YYYY-MM``.
    method
        The method used (for ``default``, the one chosen).
    coverage_pct
        Share of cells flagged, in per cent.
    cells
        The flagged cells, best first (EPSG:27700): ``cell_id``, ``row``, ``col``, ``x_m``,
        ``y_m``, ``score``, ``rank`` (1 = patrol first), ``method`` (its key), ``n_crimes_past``
        (crimes in the cell over the history) and the cell polygon.
    history_months
        The months the forecast was made from.
    default
        How ``default`` was chosen, when it was asked for.
    notes
        Sentences for the user (gaps before the month, ties).
    """

    month: str
    method: Method
    coverage_pct: float
    cells: gpd.GeoDataFrame
    history_months: tuple[str, ...]
    default: DefaultChoice | None = None
    notes: tuple[str, ...] = ()


def forecast_cells(
    cube: CrimeCube,
    *,
    month: str,
    method: Method = DEFAULT_METHODS["default"],
    coverage_pct: float = DEFAULT_COVERAGE_PCT,
    min_train_months: int = DEFAULT_MIN_TRAIN_MONTHS,
) -> Forecast:
    """
    Flag the top ``coverage_pct`` per cent of cells for ``month``, using only earlier months.

    Parameters
    ----------
    cube
        The counted crimes.
    month
        The month to forecast, ``YYYY-MM``; any month after the first of the data (months from
        ``month`` on are ignored, so a past month can be checked).
    method
        The method; ``default`` is chosen by :func:`choose_default` on the months before.
    coverage_pct
        Share of cells flagged, in per cent.
    min_train_months
        Months needed before the first inner origin when choosing ``default``.

    Returns
    -------
    Forecast
        The flagged cells, best first.

    Raises
    ------
    ParameterError
        When ``month`` has no earlier month in the data or an option is out of range.
    """
    k = cube.month_index(month)
    target = _parse_month(month)
    if k == 0:
        msg = (
            f"No month before {target} is loaded (the data start at {cube.months[0]}). "
            "Forecast a later month or load earlier months."
        )
        raise ParameterError(msg)
    n_flag = n_flagged(cube.grid.n_cells, coverage_pct)
    history = cube.history(k)
    choice = None
    used = method
    if method.name == "default":
        choice = choose_default(
            history, coverage_pct=coverage_pct, min_train_months=min_train_months
        )
        used = choice.method
    scores = score_cells(history, used)
    top = flag_top(scores, n_flag)
    cells = cube.grid.cells.iloc[top].copy()
    cells["score"] = scores[top]
    cells["rank"] = np.arange(1, len(top) + 1, dtype=np.int64)
    cells["method"] = pd.Series([used.key()] * len(top), index=cells.index, dtype="str")
    cells["n_crimes_past"] = history.counts.sum(axis=1)[top]
    notes = [TIE_BREAK]
    last = history.months[-1]
    expected_last = str(pd.Period(target, freq="M") - 1)
    if last != expected_last:
        notes.append(
            f"The data end at {last}; the forecast for {target} uses the months up to {last}."
        )
    if n_flag < len(scores) and scores[top[-1]] == np.sort(scores)[::-1][n_flag]:
        notes.append("Some cells at the cut-off have the same score as the last flagged cell.")
    return Forecast(
        month=target,
        method=used,
        coverage_pct=coverage_pct,
        cells=cells,
        history_months=history.months,
        default=choice,
        notes=tuple(notes),
    )


def with_parameters(method: Method, **changes: float) -> Method:
    """
    Return ``method`` with some parameters changed (e.g. ``bandwidth_m=300``).

    Parameters
    ----------
    method
        The method.
    **changes
        New parameter values.

    Returns
    -------
    Method
        The changed method.

    Raises
    ------
    ParameterError
        When a parameter does not exist or is out of range.
    """
    known = {"n_months", "half_life_months", "bandwidth_m", "recent_weight"}
    unknown = sorted(set(changes) - known)
    if unknown:
        msg = f"Unknown method parameter(s) {', '.join(unknown)}. Use: {', '.join(sorted(known))}."
        raise ParameterError(msg)
    typed: dict[str, float | int] = dict(changes)
    if "n_months" in typed:
        typed["n_months"] = int(typed["n_months"])
    out = replace(method, **typed)  # type: ignore[arg-type]  # checked names, numeric values
    if out.name != "default":
        _check_method(out)
    return out
