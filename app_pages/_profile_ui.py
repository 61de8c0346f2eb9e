"""Cached wrappers for the Profile page (profile, problems, crimes of the profiled wards)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from boundaries.select import Selection, select_points, select_wards
from tasking.problems import flag_problems
from tasking.profile import Profile, build_profile

if TYPE_CHECKING:
    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from boundaries.population import PopulationMethod


@st.cache_data(max_entries=32, show_spinner="Building the profile…")
def profile_of(
    dataset_id: str,
    name: str,
    is_neighbourhood: bool,  # noqa: FBT001 - a cache key, not a flag that changes the return type
    months: tuple[str, str],
    crime_types: tuple[str, ...] | None,
    method: PopulationMethod,
    _area: StudyArea,
) -> Profile:
    """Return the profile of a ward or neighbourhood, cached per data set and choices."""
    del dataset_id
    return build_profile(
        _area,
        wards=None if is_neighbourhood else (name,),
        neighbourhood=name if is_neighbourhood else None,
        months=months,
        crime_types=crime_types,
        population_method=method,
    )


@st.cache_data(max_entries=16, show_spinner="Selecting the crimes…")
def profile_points(
    dataset_id: str,
    wards: tuple[str, ...],
    months: tuple[str, str],
    crime_types: tuple[str, ...] | None,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return the crimes of the profiled wards, months and types."""
    del dataset_id
    return select_points(_area, Selection(months=months, crime_types=crime_types, wards=wards))


@st.cache_data(max_entries=16, show_spinner="Ranking problems for joint patrols…")
def problems_of(
    dataset_id: str,
    wards: tuple[str, ...],
    months: tuple[str, str],
    crime_types: tuple[str, ...] | None,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return the ranked problems of the profiled wards, cached per data set and choices."""
    selection = Selection(months=months, crime_types=crime_types, wards=wards)
    points = profile_points(dataset_id, wards, months, crime_types, _area)
    return flag_problems(points, wards=select_wards(_area, selection), months=months)
