"""
Ward populations apportioned from LSOA populations, for crime rates per 1,000 residents.

No official ward-level population comes with police.uk data, so patchmap builds one from LSOAs:

- ``"best-fit"``: each LSOA's whole population goes to the ward holding the LSOA's
  representative point (a point guaranteed inside the polygon). ONS best-fit lookups use
  population-weighted centroids, which are not loaded here, so a few LSOAs split by a ward
  boundary may land in the neighbouring ward.
- ``"area-weighted"``: each LSOA's population is shared among wards by the share of its area
  inside each (assumes residents spread evenly over the LSOA).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import shapely

from spatial.crs import require_bng
from spatial.errors import EmptyInputError, InputDataError, ParameterError
from spatial.validate import require_columns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "POPULATION_METHOD_LABELS",
    "PopulationMethod",
    "WardPopulation",
    "lsoa_residents",
    "require_population_pair",
    "ward_population",
]

PopulationMethod = Literal["best-fit", "area-weighted"]
POPULATION_METHOD_LABELS: Final[dict[str, str]] = {
    "best-fit": "best fit: each LSOA to the ward holding its representative point",
    "area-weighted": "area-weighted: LSOA residents shared by the share of area in each ward",
}
"""Plain-English description of each method, for the app and reports."""


def require_population_pair(*, population: bool, lsoas: bool) -> None:
    """
    Refuse a rate asked of an LSOA population table without LSOA boundaries, or the reverse.

    Residents are apportioned to wards from the two together; one alone gives no rate. The
    command's ``profile`` and the app's Profile page refuse it with this one message, which
    names the option and the app's box.

    Parameters
    ----------
    population, lsoas
        Whether each was given.

    Raises
    ------
    ParameterError
        When exactly one was given.

    Examples
    --------
    >>> require_population_pair(population=True, lsoas=True)
    >>> require_population_pair(population=True, lsoas=False)
    Traceback (most recent call last):
    spatial.errors.ParameterError: --population needs --lsoas too (app: ...
    """
    if population == lsoas:
        return
    given, missing, app = (
        ("--population", "--lsoas", "the LSOA population CSV needs the LSOA boundaries")
        if population
        else ("--lsoas", "--population", "the LSOA boundaries need the LSOA population CSV")
    )
    msg = (
        f"{given} needs {missing} too (app: {app}): residents are apportioned to wards from "
        "the population table and the LSOA boundaries together (of the same census)."
    )
    raise ParameterError(msg)


@dataclass(frozen=True)
class WardPopulation:
    """Residents per ward and how they were apportioned."""

    by_ward: dict[str, float]
    """Ward name to residents (whole numbers for best fit)."""
    method: PopulationMethod
    notes: tuple[str, ...] = field(default=())
    """LSOAs without a population or outside every ward."""

    @property
    def method_label(self) -> str:
        """The method in plain English."""
        return POPULATION_METHOD_LABELS[self.method]


def ward_population(
    wards: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    method: PopulationMethod = "best-fit",
) -> WardPopulation:
    """
    Apportion LSOA populations to wards.

    Parameters
    ----------
    wards
        Wards in EPSG:27700 with ``ward_name``.
    lsoas
        LSOA boundaries in EPSG:27700 with ``lsoa_code``.
    population
        ``lsoa_code`` and ``population`` (from :func:`spatial.io.read_population`).
    method
        ``"best-fit"`` or ``"area-weighted"`` (see the module notes).

    Returns
    -------
    WardPopulation
        Residents per ward; wards with no LSOA get 0.

    Raises
    ------
    CRSError
        When the boundaries are not in EPSG:27700.
    EmptyInputError
        When no LSOA code appears in both the boundaries and the population table.
    InputDataError
        When an LSOA inside the wards has no population (:func:`require_residents_in`).
    """
    require_bng(wards, name="wards")
    require_bng(lsoas, name="LSOA boundaries")
    pop = population.set_index("lsoa_code")["population"]
    matched = lsoas.loc[lsoas["lsoa_code"].isin(pop.index)]
    if matched.empty:
        msg = (
            "No LSOA code appears in both the LSOA boundaries and the population table. "
            "Check that both use the same LSOA vintage (2011 or 2021 codes)."
        )
        raise EmptyInputError(msg)
    require_residents_in(lsoas, set(pop.index), wards)
    notes: list[str] = []
    names = wards["ward_name"].astype(str).to_numpy()
    totals = dict.fromkeys(names, 0.0)
    values = pop.reindex(matched["lsoa_code"]).to_numpy(dtype=np.float64)
    if method == "best-fit":
        reps = matched.geometry.representative_point()
        lsoa_idx, ward_idx = wards.sindex.query(reps, predicate="intersects")
        first = np.unique(lsoa_idx, return_index=True)[1]
        for i, w in zip(lsoa_idx[first], ward_idx[first], strict=True):
            totals[names[w]] += values[i]
        unassigned = len(matched) - len(first)
    else:
        lsoa_idx, ward_idx = wards.sindex.query(matched.geometry, predicate="intersects")
        geoms = matched.geometry.to_numpy()
        ward_geoms = wards.geometry.to_numpy()
        shares = np.array(
            [
                geoms[i].intersection(ward_geoms[w]).area / geoms[i].area
                for i, w in zip(lsoa_idx, ward_idx, strict=True)
            ]
        )
        for i, w, share in zip(lsoa_idx, ward_idx, shares, strict=True):
            totals[names[w]] += values[i] * share
        unassigned = len(matched) - len(np.unique(lsoa_idx))
    if unassigned:
        notes.append(
            f"{unassigned} LSOAs lie in none of the wards; their residents are not counted."
        )
    return WardPopulation(by_ward=totals, method=method, notes=tuple(notes))


def require_residents_in(
    lsoas: gpd.GeoDataFrame, population_codes: set[str], wards: gpd.GeoDataFrame
) -> None:
    """
    Refuse LSOAs inside the wards that the population table does not list.

    Their residents would be left out of every ward's population, so every rate would be too
    high. The usual cause is a population table and boundaries of different censuses: LSOA
    codes changed in 2021 where LSOAs were split or merged, so most codes match and some do not.

    Parameters
    ----------
    lsoas
        LSOA boundaries in EPSG:27700 with ``lsoa_code``.
    population_codes
        The population table's LSOA codes.
    wards
        The wards (EPSG:27700); an LSOA is inside when its representative point is.

    Raises
    ------
    InputDataError
        When an LSOA inside the wards has no population row.
    """
    reps = lsoas.geometry.representative_point().to_numpy()
    inside = shapely.intersects(reps, wards.geometry.union_all())
    codes = {str(c) for c in lsoas["lsoa_code"].to_numpy()[inside]}
    missing = sorted(codes - population_codes)
    if missing:
        msg = (
            f"{len(missing)} of the {len(codes)} LSOAs inside the wards have no population "
            f"(first: {missing[0]}): the population table and the LSOA boundaries are probably "
            "of different censuses (2011 and 2021 codes differ where LSOAs were split or "
            "merged). Give the population and the boundaries of the same census; without those "
            "residents every rate would be too high."
        )
        raise InputDataError(msg)


def lsoa_residents(
    lsoas: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    wards: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """
    Join LSOA boundaries to their populations: the residents a dual-KDE crime rate divides by.

    Parameters
    ----------
    lsoas
        LSOA boundaries in EPSG:27700 with ``lsoa_code``.
    population
        ``lsoa_code`` and ``population`` (from :func:`spatial.io.read_population`).
    wards
        When given, every LSOA inside them must have a population
        (:func:`require_residents_in`).

    Returns
    -------
    geopandas.GeoDataFrame
        The LSOAs that have a population, in the boundaries' order, with their columns and
        ``population``; LSOAs without a population row are left out.

    Raises
    ------
    CRSError
        When the boundaries are not in EPSG:27700.
    MissingColumnError
        When ``lsoa_code`` or ``population`` is missing.
    EmptyInputError
        When no LSOA code appears in both the boundaries and the population table.
    InputDataError
        When ``wards`` are given and an LSOA inside them has no population.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> lsoas = gpd.GeoDataFrame(
    ...     {"lsoa_code": ["E01000001", "E01000002"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
    ...     crs="EPSG:27700",
    ... )
    >>> people = pd.DataFrame({"lsoa_code": ["E01000002"], "population": [1500]})
    >>> lsoa_residents(lsoas, people)[["lsoa_code", "population"]].to_dict("records")
    [{'lsoa_code': 'E01000002', 'population': 1500}]
    """
    require_bng(lsoas, name="LSOA boundaries")
    hint = "Read them with spatial.io (read_lsoas, read_population)."
    require_columns(map(str, lsoas.columns), ["lsoa_code"], source="LSOA boundaries", hint=hint)
    require_columns(
        map(str, population.columns),
        ["lsoa_code", "population"],
        source="population table",
        hint=hint,
    )
    residents = lsoas.merge(population[["lsoa_code", "population"]], on="lsoa_code")
    if wards is not None and not residents.empty:
        require_residents_in(lsoas, set(population["lsoa_code"].astype(str)), wards)
    if residents.empty:
        msg = (
            "No LSOA code appears in both the LSOA boundaries and the population table. "
            "Check that both use the same LSOA vintage (2011 or 2021 codes)."
        )
        raise EmptyInputError(msg)
    return residents
