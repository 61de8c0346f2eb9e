from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from hotspots.clusters import dbscan_clusters
from hotspots.gistar import gi_star
from hotspots.kde import kernel_density
from spatial.grid import count_points, make_grid

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/hotspots.py"
METHOD_KEY = "hotspot_method"


def _hotspots(method: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    if method is not None:
        at.radio(key=METHOD_KEY).set_value(method).run()
    assert not at.exception
    assert not at.error
    return at


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_density_shows_its_automatic_bandwidth_and_cell_size(demo_area: StudyArea) -> None:
    surface = kernel_density(demo_area.points, area=demo_area.wards)
    at = _hotspots()
    assert at.title[0].value == "Hotspots"
    assert not at.markdown  # no stray string shown by Streamlit's "magic"
    assert f"Used: {surface.bandwidth_m:,.0f} m (automatic)" in _captions(at)
    assert f"Used: {surface.cell_size_m:,.0f} m (automatic)" in _captions(at)
    assert "crimes per km²" in at.info[0].value
    # The planted night-time economy violence (Castle) is the densest area.
    table = at.dataframe[0].value
    assert table["Top crime types"].iloc[0].startswith("Violence and sexual offences")


def test_a_typed_bandwidth_is_used_and_shown(demo_area: StudyArea) -> None:
    at = _hotspots()
    at.number_input(key="kde_bandwidth_m").set_value(300.0).run()
    assert not at.exception
    assert "Used: 300 m (typed)" in _captions(at)
    assert "bandwidth 300 m" in at.info[0].value
    at.number_input(key="kde_bandwidth_m").set_value(None).run()
    automatic = kernel_density(demo_area.points, area=demo_area.wards).bandwidth_m
    assert f"Used: {automatic:,.0f} m (automatic)" in _captions(at)


def test_settings_are_kept_while_another_method_or_page_is_shown() -> None:
    """Streamlit drops the values of widgets a run does not draw; the page gives them back."""
    at = _hotspots()
    at.number_input(key="kde_bandwidth_m").set_value(300.0).run()
    at.radio(key=METHOD_KEY).set_value("Gi* hot spots").run()
    at.selectbox(key="hotspot_alpha").set_value(0.01).run()
    at.switch_page("app_pages/map.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.radio(key=METHOD_KEY).value == "Gi* hot spots"
    assert at.selectbox(key="hotspot_alpha").value == 0.01
    at.radio(key=METHOD_KEY).set_value("Density (KDE)").run()
    assert at.number_input(key="kde_bandwidth_m").value == 300.0
    assert "Used: 300 m (typed)" in _captions(at)


def test_density_per_1000_residents_shows_the_dual_kde_rate() -> None:
    at = _hotspots()
    at.toggle(key="kde_per_residents").set_value(True).run()
    assert not at.exception
    assert not at.error
    assert "crimes per 1,000 residents" in at.info[0].value
    assert any("resident density" in c for c in _captions(at))
    # The rate's densest area is still the night-time economy in the town centre.
    table = at.dataframe[0].value
    assert "per 1,000 residents" in str(table.iloc[0, 0])


def test_gistar_says_exactly_which_convention_was_used(demo_area: StudyArea) -> None:
    grid = make_grid(demo_area.wards)
    expected = gi_star(count_points(demo_area.points, grid), grid=grid)
    at = _hotspots("Gi* hot spots")
    assert expected.convention in at.info[0].value
    assert f"{expected.n_hot:,} hot and {expected.n_cold:,} cold cells" in at.info[0].value
    at.selectbox(key="gi_correction").set_value("holm").run()
    assert not at.exception
    holm = gi_star(count_points(demo_area.points, grid), grid=grid, correction="holm")
    assert holm.convention in at.info[0].value
    assert "Holm" in at.info[0].value


def test_clusters_table_lists_the_largest_clusters(demo_area: StudyArea) -> None:
    expected = dbscan_clusters(demo_area.points).clusters
    at = _hotspots("Clusters")
    table = at.dataframe[0].value
    assert list(table["Crimes"]) == list(expected["n_crimes"].head(10))
    assert table["Hotspot"].iloc[0] == f"Cluster 1: {expected['top_location'].iloc[0]}"
    assert set(table["Trend"]) <= {"increasing", "decreasing", "no trend"}


def test_emerging_hot_spots_find_the_planted_new_asb() -> None:
    at = _hotspots("Emerging hot spots")
    table = at.dataframe[0].value
    # Anti-social behaviour planted in Northfield from 2025-06 only: a recent, rising hot spot.
    asb = table.loc[table["Top crime types"].str.startswith("Anti-social behaviour")]
    assert not asb.empty
    assert set(asb["Trend"]) == {"increasing"}
    assert all(label.startswith(("New", "Consecutive", "Intensifying")) for label in asb["Hotspot"])
    assert (table["Crimes"] > 0).all()


def test_an_empty_selection_shows_the_error_and_keeps_the_controls() -> None:
    at = _hotspots()
    # The demo has no possession of weapons in Castle in 2024-10.
    at.multiselect(key="wards").set_value(["Castle"])
    at.multiselect(key="crime_types").set_value(["Possession of weapons"])
    at.select_slider(key="months").set_value(("2024-10", "2024-10")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value == (
        "The selection holds no crimes: widen the months, wards or crime types."
    )
    # The parameters stay on screen so the user can change them.
    assert at.number_input(key="kde_bandwidth_m").placeholder == "automatic"
    assert at.selectbox(key="kde_kernel").value == "quartic"
    assert not at.dataframe


def test_changing_a_parameter_recomputes_only_what_depends_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streamlit as st  # noqa: PLC0415, TID251  # to empty the cache before counting

    from app_pages import _ui  # noqa: PLC0415  # the module the page calls into

    calls = {"make_grid": 0, "gi_star": 0}

    def counted(name: str, func: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return func(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(_ui, "make_grid", counted("make_grid", make_grid))
    monkeypatch.setattr(_ui, "gi_star", counted("gi_star", gi_star))
    st.cache_data.clear()
    at = _hotspots("Gi* hot spots")
    assert calls == {"make_grid": 1, "gi_star": 1}
    at.selectbox(key="hotspot_alpha").set_value(0.01).run()
    assert calls == {"make_grid": 1, "gi_star": 2}  # the grid is reused
    at.selectbox(key="hotspot_alpha").set_value(0.05).run()
    assert calls == {"make_grid": 1, "gi_star": 2}  # back to a cached answer
    at.selectbox(key="grid_kind").set_value("hex").run()
    assert not at.exception
    assert calls == {"make_grid": 2, "gi_star": 3}


def test_gistar_hot_areas_are_the_exports(demo_area: StudyArea) -> None:
    """The Hotspots page lists the hot areas the export's hot_areas layer holds."""
    from boundaries.select import Selection, select_points  # noqa: PLC0415  # this test only
    from hotspots.tables import hot_area_table  # noqa: PLC0415
    from tasking.products import export_analyses  # noqa: PLC0415

    selection = Selection(months=(demo_area.months[0], demo_area.months[-1]))
    analyses = export_analyses(demo_area, selection, layers=["hot_areas"])
    areas = analyses.hot_areas
    assert areas is not None
    assert len(areas) > 0
    expected = hot_area_table(
        select_points(demo_area, selection), areas, months=selection.months, top_n=10
    )
    at = _hotspots("Gi* hot spots")
    (table,) = [d.value for d in at.dataframe if "Trend p" in d.value.columns]
    assert table["Hotspot"].tolist() == expected["Hotspot"].tolist()
    assert table["Hotspot"].tolist() == [str(a) for a in areas["label"].head(10)]
    assert table["Crimes"].tolist() == expected["Crimes"].tolist()


def test_change_compares_the_halves_as_patchmap_change_does(
    demo_area: StudyArea, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page's Change method is the CLI's: the same periods give the same cells."""
    import json  # noqa: PLC0415  # this test only

    from hotspots.classify import compare_halves  # noqa: PLC0415
    from patchmap.cli import main  # noqa: PLC0415

    before, after = compare_halves(list(demo_area.months))
    at = _hotspots("Change")
    assert at.select_slider(key="change_before").value == before
    assert at.select_slider(key="change_after").value == after
    argv = ["change", "--demo", "--before", ":".join(before), "--after", ":".join(after)]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    info = at.info[0].value
    assert f"{result['n_up']:,} cells rose and {result['n_down']:,} fell" in info
    rising = result["n_up"] > 0 or result["n_down"] > 0
    assert rising == any(d.value.shape[0] for d in at.dataframe if "Trend p" in d.value.columns)


def test_densest_cells_are_the_kde_top_of_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """The page's Densest cells method is patchmap hotspots --method kde-top."""
    import json  # noqa: PLC0415  # this test only

    from patchmap.cli import main  # noqa: PLC0415

    assert main(["hotspots", "--demo", "--method", "kde-top", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    at = _hotspots("Densest cells (KDE)")
    info = at.info[0].value
    assert f"{result['n_top_cells']:,} of {result['n_cells']:,} cells" in info
    assert f"{result['share_of_crimes_in_top']:.1%}" in info
    (table,) = [d.value for d in at.dataframe if "Trend p" in d.value.columns]
    assert table["Hotspot"].iloc[0].startswith("Densest area 1")
