"""
What an export of a force extract may carry for partners and the public (tasking.products).

A density surface and street counts are built from the extract's exact points in every form:
:func:`tasking.products.withheld_layers` withholds them from audiences with cells, and
:func:`tasking.products.export_analyses` refuses them before anything is computed.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from boundaries.extract import study_area_from_incidents
from boundaries.select import Selection
from spatial.errors import ParameterError
from spatial.incidents import read_incidents
from tasking.products import DEFAULT_EXPORT_LAYERS, EXPORT_LAYERS, export_analyses, withheld_layers

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea


@pytest.fixture(scope="module")
def extract_area(tmp_path_factory: pytest.TempPathFactory) -> StudyArea:
    """Ten burglaries at exact places, one of them alone 1.4 km from the rest."""
    rows = ["Crime Ref,Committed From,Offence,Easting,Northing,Location"]
    rows += [f"CR/{i},2025-03-0{1 + i},Burglary,{545500 + 7 * i},258500,{i} Road" for i in range(9)]
    rows += ["CR/9,2025-03-04 02:00,Burglary,546537,259412,Lone House"]
    path: Path = tmp_path_factory.mktemp("extract") / "op_x.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return study_area_from_incidents(read_incidents([path]))


@pytest.mark.parametrize("cell_m", [100.0, 250.0])
def test_an_extracts_density_and_streets_are_withheld_from_audiences_with_cells(
    cell_m: float,
) -> None:
    withheld = withheld_layers(EXPORT_LAYERS, provenance="extract", min_cell_m=cell_m)
    assert list(withheld) == ["density", "streets"]  # every other layer is made coarse
    density, streets = withheld["density"], withheld["streets"]
    assert density.startswith("The density layer of a force extract is not shared with ")
    assert "can be inverted to the points" in density
    assert "counts below the threshold" in density
    assert density.endswith(
        "Export it for the police audience, or share the hotspot cells layer (Gi* classes on "
        f"{cell_m:g} m cells)."
    )
    assert f"pieces of street much shorter than {cell_m:g} m" in streets
    assert f"the crimes layer (crimes per {cell_m:g} m cell)" in streets


def test_nothing_is_withheld_from_police_uk_crimes_or_from_the_police() -> None:
    assert withheld_layers(EXPORT_LAYERS, provenance="police.uk", min_cell_m=250.0) == {}
    for police in (None, 0.0):
        assert withheld_layers(EXPORT_LAYERS, provenance="extract", min_cell_m=police) == {}
    assert list(withheld_layers(DEFAULT_EXPORT_LAYERS, provenance="extract", min_cell_m=100.0)) == [
        "density"
    ]  # the default set loses only the density
    with pytest.raises(ParameterError, match=r"Unknown layer\(s\) \['heatmap'\]"):
        withheld_layers(["heatmap"], provenance="extract", min_cell_m=100.0)


@pytest.mark.parametrize("layers", [["hotspots", "density"], ["streets"], ["density", "streets"]])
def test_export_analyses_refuses_them_before_computing_anything(
    extract_area: StudyArea, layers: list[str]
) -> None:
    assert extract_area.network_path is None  # streets would need one: the refusal comes first
    with pytest.raises(ParameterError) as refused:
        export_analyses(extract_area, Selection(), layers=layers, min_cell_m=100.0)
    message = str(refused.value)
    for kind in ("density", "streets"):
        said = f"The {kind} layer of a force extract is not shared" in message
        assert said == (kind in layers)
    assert "street network" not in message


def test_the_police_get_the_density_of_an_extract_and_partners_get_the_rest(
    extract_area: StudyArea,
) -> None:
    police = export_analyses(extract_area, Selection(), layers=["density"])
    assert police.density is not None
    assert police.density.values.sum() * police.density.cell_area_km2 == pytest.approx(10.0)
    partner = export_analyses(
        extract_area, Selection(), layers=["crimes", "hotspots"], min_cell_m=100.0
    )
    assert partner.density is None
    assert partner.hotspots is not None
    # the same crimes read as police.uk data keep their density at every audience
    as_police_uk = dataclasses.replace(extract_area, provenance="police.uk")
    shared = export_analyses(as_police_uk, Selection(), layers=["density"], min_cell_m=250.0)
    assert shared.density is not None
