"""Dense areas of a density surface: one threshold, shared by the table and the map's colours."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pytest

from hotspots.areas import DENSE_AREA_SHARE_OF_PEAK, dense_area_threshold, density_hot_areas
from hotspots.kde import DensitySurface, kernel_density
from layers.hotspot_layers import density_breaks
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea


def _surface(area: StudyArea) -> DensitySurface:
    return kernel_density(area.points, area=area.wards, cell_size_m=50.0, bandwidth_m=200.0)


def test_dense_area_threshold_is_the_maps_third_colour_edge(demo_area: StudyArea) -> None:
    surface = _surface(demo_area)
    peak = float(np.nanmax(surface.values))
    threshold = dense_area_threshold(surface)
    assert threshold == pytest.approx(DENSE_AREA_SHARE_OF_PEAK * peak)
    assert threshold == pytest.approx(density_breaks(surface)[2])
    areas = density_hot_areas(surface, threshold_per_km2=threshold)
    assert len(areas) >= 1
    assert areas["peak_per_km2"].iloc[0] == pytest.approx(peak)
    assert (areas["peak_per_km2"] >= threshold).all()


def test_dense_area_threshold_refuses_an_empty_surface(demo_area: StudyArea) -> None:
    surface = _surface(demo_area)
    empty = dataclasses.replace(surface, values=np.zeros_like(surface.values))
    with pytest.raises(ParameterError, match="zero everywhere"):
        dense_area_threshold(empty)
