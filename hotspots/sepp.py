"""
A self-exciting point process for crime at daily resolution (Mohler et al. 2011).

The rate of crime at place ``x`` on day ``t`` is a background rate of the place plus a
contribution of every earlier crime ``i`` that decays in time and space::

    lambda(x, t) = mu(cell of x) / cell area
                   + sum over t_i < t of  theta * omega * exp(-omega (t - t_i)) * g(x - x_i)

with ``g`` an isotropic Gaussian of scale ``sigma_m``: each crime "triggers" on average
``theta`` more, ``1 / omega`` days later on average, about ``sigma_m`` metres away. Days are
whole: crimes on the same day do not trigger each other.

The parameters are fitted by expectation-maximisation on the past events only (Veen and
Schoenberg 2008; Mohler et al. 2011): the E-step gives each event the probability that it was
background or triggered by each earlier event within :data:`MAX_TRIGGER_DISTANCE_M` and
:data:`MAX_TRIGGER_DAYS`; the M-step sets the background rate of each cell to its expected
number of background events per day, and ``theta``, ``omega``, ``sigma_m`` to the weighted
means of the triggered pairs. The forecast of a cell over the next ``horizon_days`` is its
expected number of events then: background plus what the past events still trigger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter
from scipy.spatial import cKDTree

from spatial.errors import EmptyInputError, ParameterError

__all__ = [
    "DEFAULT_BACKGROUND_BANDWIDTH_M",
    "MAX_TRIGGER_DAYS",
    "MAX_TRIGGER_DISTANCE_M",
    "SeppFit",
    "fit_sepp",
    "sepp_expected_counts",
]

DEFAULT_BACKGROUND_BANDWIDTH_M: Final = 300.0
"""Scale of the Gaussian that smooths the background over the grid, in metres. Without it a
cell's own past events would be its background and no event could look triggered (Mohler et
al. smooth the background with a kernel too)."""
MAX_TRIGGER_DISTANCE_M: Final = 500.0
"""Pairs farther apart than this are never linked as parent and offspring."""
MAX_TRIGGER_DAYS: Final = 90
"""Pairs more days apart than this are never linked as parent and offspring."""
_ITERATIONS: Final = 40
_TOLERANCE: Final = 1e-5
_MIN_SIGMA_M: Final = 10.0
_MIN_OMEGA: Final = 1.0 / MAX_TRIGGER_DAYS
_MAX_THETA: Final = 0.95


@dataclass(frozen=True)
class SeppFit:
    """
    A fitted self-exciting point process.

    Attributes
    ----------
    mu_per_day
        Background events per day of each cell of the lattice, ``(n_rows, n_cols)``.
    theta
        Offspring per event (the branching ratio).
    omega_per_day
        Decay rate of the triggering in time; ``1 / omega_per_day`` is its mean delay in days.
    sigma_m
        Scale of the Gaussian triggering in space, in metres.
    n_events
        Events fitted on.
    n_days
        Length of the fitting period in days.
    iterations
        EM iterations run.
    background_share
        Expected share of the events that were background (not triggered).
    """

    mu_per_day: npt.NDArray[np.float64]
    theta: float
    omega_per_day: float
    sigma_m: float
    n_events: int
    n_days: int
    iterations: int
    background_share: float

    def describe(self) -> str:
        """
        Say what the fit found, in words.

        Returns
        -------
        str
            E.g. "Each event triggers 0.12 more on average, after 9.5 days on average,
            typically within 140 m; 88 % of events are background."
        """
        return (
            f"Each event triggers {self.theta:.2f} more on average, after "
            f"{1.0 / self.omega_per_day:.1f} days on average, typically within "
            f"{2.0 * self.sigma_m:.0f} m; {100 * self.background_share:.0f} % of events are "
            "background."
        )


def _pairs(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], day: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Parent, child and squared distance of every pair that may be linked."""
    xy = np.column_stack([x, y])
    pairs = cKDTree(xy).query_pairs(MAX_TRIGGER_DISTANCE_M, output_type="ndarray")
    a, b = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    early = day[a] <= day[b]
    parent = np.where(early, a, b)
    child = np.where(early, b, a)
    lag = day[child] - day[parent]
    keep = (lag >= 1) & (lag <= MAX_TRIGGER_DAYS)
    parent, child = parent[keep], child[keep]
    d2 = (x[parent] - x[child]) ** 2 + (y[parent] - y[child]) ** 2
    return parent, child, d2


def _background(
    weights: npt.NDArray[np.float64],
    row: npt.NDArray[np.int64],
    col: npt.NDArray[np.int64],
    shape: tuple[int, int],
    smooth_cells: float,
) -> npt.NDArray[np.float64]:
    """Sum ``weights`` into the lattice and smooth them with a Gaussian (mass kept inside)."""
    raster = np.zeros(shape, dtype=np.float64)
    np.add.at(raster, (row, col), weights)
    if smooth_cells <= 0:
        return raster
    smooth = gaussian_filter(raster, smooth_cells, mode="constant", truncate=3.0)
    kept = float(smooth.sum())
    return smooth * (float(raster.sum()) / kept) if kept > 0 else smooth


def _m_step(
    p_pair: npt.NDArray[np.float64],
    lag: npt.NDArray[np.float64],
    d2: npt.NDArray[np.float64],
    remaining: npt.NDArray[np.float64],
    *,
    omega: float,
    sigma: float,
) -> tuple[float, float, float]:
    """Return the new ``theta``, ``omega`` and ``sigma`` from the pairs' triggering weights."""
    weight = float(p_pair.sum())
    exposure = float(np.sum(1.0 - np.exp(-omega * remaining)))
    new_theta = min(weight / max(exposure, 1e-9), _MAX_THETA)
    if weight <= 0:
        return new_theta, omega, sigma
    new_omega = max(weight / float(np.sum(p_pair * (lag - 0.5))), _MIN_OMEGA)
    new_sigma = max(math.sqrt(float(np.sum(p_pair * d2)) / (2 * weight)), _MIN_SIGMA_M)
    return new_theta, new_omega, new_sigma


def fit_sepp(  # noqa: PLR0913 -- the events, their lattice cells and the lattice
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    day: npt.ArrayLike,
    row: npt.ArrayLike,
    col: npt.ArrayLike,
    *,
    lattice_shape: tuple[int, int],
    cell_size_m: float,
    end_day: int,
    background_bandwidth_m: float = DEFAULT_BACKGROUND_BANDWIDTH_M,
) -> SeppFit:
    """
    Fit the self-exciting point process to past events by expectation-maximisation.

    Parameters
    ----------
    x_m, y_m
        Event coordinates in metres.
    day
        Event day numbers, all before ``end_day``.
    row, col
        Each event's square cell on the lattice.
    lattice_shape
        ``(n_rows, n_cols)`` of the lattice.
    cell_size_m
        Side of a square cell in metres.
    end_day
        The first day after the fitting period (the forecast's start).
    background_bandwidth_m
        Scale of the Gaussian smoothing the background (0: none).

    Returns
    -------
    SeppFit
        The parameters; ``mu_per_day`` is a ``lattice_shape`` raster.

    Raises
    ------
    EmptyInputError
        Without events.
    ParameterError
        When an event is on or after ``end_day`` or off the lattice.

    References
    ----------
    Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P. and Tita, G. E. (2011).
    Self-exciting point process modeling of crime. JASA 106(493), 100-108.
    Veen, A. and Schoenberg, F. P. (2008). Estimation of space-time branching process models
    in seismology using an EM-type algorithm. JASA 103(482), 614-624.
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    d = np.asarray(day, dtype=np.int64)
    r = np.asarray(row, dtype=np.int64)
    c = np.asarray(col, dtype=np.int64)
    if len(x) == 0:
        msg = "No past events to fit the self-exciting model on. Start the forecast later."
        raise EmptyInputError(msg)
    n_rows, n_cols = lattice_shape
    if d.max() >= end_day or r.min() < 0 or c.min() < 0 or r.max() >= n_rows or c.max() >= n_cols:
        msg = (
            f"Every event must lie before day {end_day} and on the {n_rows} x {n_cols} lattice; "
            f"found days up to {d.max()}, rows {r.min()}..{r.max()}, cols {c.min()}..{c.max()}."
        )
        raise ParameterError(msg)
    n = len(x)
    span = max(int(end_day - d.min()), 1)
    area = cell_size_m**2
    smooth_cells = background_bandwidth_m / cell_size_m
    parent, child, d2 = _pairs(x, y, d)
    lag = (d[child] - d[parent]).astype(np.float64)
    theta, omega, sigma = 0.1, 0.1, 100.0
    mu = _background(np.full(n, 0.9), r, c, lattice_shape, smooth_cells) / span
    remaining = (end_day - d - 0.5).astype(
        np.float64
    )  # days each event had to trigger others in the period
    p_bg = np.ones(n)
    iterations = 0
    for iterations in range(1, _ITERATIONS + 1):  # noqa: B007 -- reported
        trig = (
            theta
            * omega
            * np.exp(-omega * (lag - 0.5))
            * np.exp(-d2 / (2 * sigma**2))
            / (2 * math.pi * sigma**2)
        )
        bg = mu[r, c] / area
        total = bg + np.bincount(child, weights=trig, minlength=n)
        p_pair = trig / total[child]
        p_bg = bg / total
        new_mu = _background(p_bg, r, c, lattice_shape, smooth_cells) / span
        new_theta, new_omega, new_sigma = _m_step(
            p_pair, lag, d2, remaining, omega=omega, sigma=sigma
        )
        change = abs(new_theta - theta) + abs(new_omega - omega) + abs(new_sigma - sigma) / 100
        mu, theta, omega, sigma = new_mu, new_theta, new_omega, new_sigma
        if change < _TOLERANCE:
            break
    return SeppFit(
        mu_per_day=np.asarray(mu, dtype=np.float64),
        theta=float(theta),
        omega_per_day=float(omega),
        sigma_m=float(sigma),
        n_events=n,
        n_days=span,
        iterations=iterations,
        background_share=float(p_bg.mean()),
    )


def sepp_expected_counts(  # noqa: PLR0913 -- the fit, the events and the grid
    fit: SeppFit,
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    day: npt.ArrayLike,
    *,
    centres_m: npt.NDArray[np.float64],
    cell_rows: npt.NDArray[np.int64],
    cell_cols: npt.NDArray[np.int64],
    cell_area_m2: float,
    start_day: int,
    horizon_days: int,
) -> npt.NDArray[np.float64]:
    """
    Return each cell's expected events over ``horizon_days`` days from ``start_day``.

    Parameters
    ----------
    fit
        From :func:`fit_sepp`.
    x_m, y_m, day
        The past events (before ``start_day``).
    centres_m
        ``(n_cells, 2)`` cell centres in metres.
    cell_rows, cell_cols
        Each cell's place on the fit's lattice.
    cell_area_m2
        Area of one cell.
    start_day
        First day forecast.
    horizon_days
        Days forecast.

    Returns
    -------
    numpy.ndarray
        Expected events per cell: ``horizon_days * mu`` plus the triggering still due from
        every past event within reach (the Gaussian's density at the cell centre times the
        cell area).

    Raises
    ------
    ParameterError
        When ``horizon_days`` is below 1.
    """
    if horizon_days < 1:
        msg = f"horizon_days must be at least 1; found {horizon_days}."
        raise ParameterError(msg)
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    d = np.asarray(day, dtype=np.int64)
    out = fit.mu_per_day[cell_rows, cell_cols] * horizon_days
    recent = (start_day - d) <= MAX_TRIGGER_DAYS
    if fit.theta <= 0 or not recent.any():
        return np.asarray(out, dtype=np.float64)
    age_start = (start_day - d[recent]).astype(np.float64)  # >= 1
    # the share of each event's offspring due in [start, start + horizon)
    due = np.exp(-fit.omega_per_day * (age_start - 0.5)) - np.exp(
        -fit.omega_per_day * (age_start - 0.5 + horizon_days)
    )
    reach = 3.0 * fit.sigma_m
    points = np.column_stack([x[recent], y[recent]])
    pairs = cKDTree(centres_m).sparse_distance_matrix(cKDTree(points), reach, output_type="ndarray")
    density = np.exp(-(pairs["v"] ** 2) / (2 * fit.sigma_m**2)) / (2 * math.pi * fit.sigma_m**2)
    contribution = fit.theta * due[pairs["j"]] * density * cell_area_m2
    out = out + np.bincount(pairs["i"], weights=contribution, minlength=len(out))
    return np.asarray(out, dtype=np.float64)
