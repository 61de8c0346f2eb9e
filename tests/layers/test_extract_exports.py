"""Exports and packs made from a force extract: no address, no fine cell, its own provenance."""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pytest
import shapely

from boundaries.extract import study_area_from_incidents
from boundaries.select import Selection
from hotspots.kde import kernel_density
from layers.audience import get_preset, prepare_layer
from layers.briefing import CAVEATS, EXTRACT_CAVEAT, render_briefing
from layers.export import analysis_layers, export_layers, prepare_density
from layers.metadata import (
    EXTRACT_NAME,
    LICENCE_ONS,
    LICENCE_POLICE,
    extract_source,
    source_lines,
)
from patchmap.cli import main
from spatial.errors import ParameterError
from spatial.incidents import read_incidents
from tasking.pack import briefing_content
from tasking.products import export_analyses

if TYPE_CHECKING:
    from pathlib import Path

    from boundaries.dataset import StudyArea
    from layers.audience import Audience
    from layers.writers import RasterLayer

N_HOT = 80
N_SPREAD = 80
CENTRE = (545_500.0, 258_500.0)


def _address(i: int) -> str:
    return f"{i} Victim Road, Flat {i % 7 + 1}"


@pytest.fixture(scope="module")
def extract_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded extract: a tight cluster at five repeat addresses, and a scatter."""
    rng = np.random.default_rng(7)
    hot = rng.normal(0.0, 60.0, size=(N_HOT, 2)) + CENTRE
    spread = rng.uniform(-1500.0, 1500.0, size=(N_SPREAD, 2)) + CENTRE
    xy = np.vstack([hot, spread])
    start = dt.datetime(2025, 1, 13, 9, 0, tzinfo=dt.UTC)
    lines = ["Crime Ref,Committed From,Committed To,Offence,Easting,Northing,Location"]
    for i, (x, y) in enumerate(xy):
        when = start + dt.timedelta(hours=int(rng.integers(0, 24 * 120)))
        kind = "Burglary" if i % 2 else "Theft from vehicle"
        number = i % 5 if i < N_HOT else i  # the cluster's crimes repeat at five addresses
        lines.append(
            f'CR/{i:05d}/25,{when:%Y-%m-%d %H:%M},,{kind},{x:.0f},{y:.0f},"{_address(number)}"'
        )
    path = tmp_path_factory.mktemp("extract") / "rms.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def extract_area(extract_csv: Path) -> StudyArea:
    return study_area_from_incidents(read_incidents([extract_csv]))


def _bytes(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_extract_area_carries_its_provenance(extract_area: StudyArea) -> None:
    assert extract_area.provenance == "extract"
    assert export_analyses(extract_area, Selection(), layers=["crimes"]).provenance == "extract"


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_partner_and_public_exports_of_an_extract_carry_no_address(
    tmp_path: Path, extract_csv: Path, audience: str
) -> None:
    out = tmp_path / audience
    layers = "crimes,clusters" if audience == "partner" else "crimes,clusters,wards"
    code = main(
        [
            "export",
            "--incidents",
            str(extract_csv),
            "--audience",
            audience,
            "--layers",
            layers,
            "--formats",
            "csv,kml,geojson,gpkg",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert b"Victim Road" not in _bytes(out)
    crimes = gpd.read_file(out / f"patchmap_{audience}.gpkg", layer="crimes")
    assert not crimes.astype(str).apply(lambda c: c.str.contains("Victim Road")).any().any()
    if audience == "partner":
        # one row per 100 m cell (not per ward and cell), labelled by the cell
        assert crimes["location"].str.fullmatch(r"100 m cell E\d+ N\d+").all()
        assert crimes["location"].is_unique
        assert int(crimes["n_crimes"].sum(min_count=1) or 0) <= N_HOT + N_SPREAD


def test_police_export_of_an_extract_keeps_the_addresses(
    tmp_path: Path, extract_area: StudyArea
) -> None:
    built = analysis_layers(
        export_analyses(extract_area, Selection(), layers=["crimes"]), audience="police"
    )
    export_layers(
        built.layers, tmp_path / "p", metadata=built.metadata, audience="police", formats=["csv"]
    )
    text = (tmp_path / "p" / "crimes.csv").read_text(encoding="utf-8")
    assert _address(0) in text
    assert _address(N_HOT + N_SPREAD - 1) in text


def test_partner_brief_of_an_extract_lists_no_address(
    tmp_path: Path, extract_csv: Path, extract_area: StudyArea
) -> None:
    ward = extract_area.ward_names[0]
    texts = {}
    for audience in ("police", "partner"):
        out = tmp_path / f"{audience}.html"
        code = main(
            [
                "brief",
                "--incidents",
                str(extract_csv),
                "--ward",
                ward,
                "--meeting",
                "2025-05-20",
                "--audience",
                audience,
                "--out",
                str(out),
            ]
        )
        assert code == 0
        texts[audience] = out.read_text(encoding="utf-8")
    assert "Top repeat locations" in texts["police"]
    assert "Victim Road, Flat" in texts["police"]
    assert "Victim Road" not in texts["partner"]


def _sides_m(cells: gpd.GeoDataFrame) -> np.ndarray:
    return np.sqrt(cells.to_crs(27700).geometry.area.to_numpy())


def test_partner_gridded_layers_of_an_extract_use_cells_of_at_least_100_m(
    tmp_path: Path, extract_csv: Path
) -> None:
    out = tmp_path / "hs"
    argv = ["export", "--incidents", str(extract_csv), "--audience", "partner"]
    argv += ["--layers", "hotspots,hot_areas", "--cell-size-m", "25"]
    code = main([*argv, "--formats", "geojson", "--out", str(out)])
    assert code == 0
    cells = gpd.read_file(out / "hotspots.geojson")
    assert _sides_m(cells) == pytest.approx(100.0, abs=0.5)
    hot = cells.loc[cells["hotspot"].str.startswith("Hot")]
    assert not hot.empty  # the planted cluster is found on 100 m cells too
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    said = "100 (asked for 25 m raised to 100 m, the finest cell this audience may receive)"
    assert meta["methods"]["hotspots"]["cell_size_m"] == said
    assert meta["methods"]["hot_areas"]["cell_size_m"] == said
    # the police keep the 25 m cells they asked for
    police = tmp_path / "police"
    argv[argv.index("partner")] = "police"
    assert main([*argv, "--formats", "geojson", "--out", str(police)]) == 0
    assert _sides_m(gpd.read_file(police / "hotspots.geojson")) == pytest.approx(25.0, abs=0.5)


def test_partner_pack_map_of_an_extract_uses_100_m_cells(extract_area: StudyArea) -> None:
    sides: tuple[tuple[Audience, float], ...] = (("partner", 100.0), ("public", 250.0))
    for audience, side_m in sides:
        content = briefing_content(
            extract_area,
            meeting=dt.date(2025, 5, 20),
            ward=extract_area.ward_names[0],
            hot_cell_size_m=get_preset(audience).min_cell_m or None,
        )
        assert content.hot_cells is not None
        assert _sides_m(content.hot_cells) == pytest.approx(side_m, abs=0.5)


def test_extract_export_states_its_own_source_and_no_police_uk_licence(
    tmp_path: Path, extract_csv: Path, cambridge_dir: Path
) -> None:
    out = tmp_path / "meta"
    argv = ["export", "--incidents", str(extract_csv), "--audience", "partner"]
    assert main([*argv, "--layers", "crimes", "--formats", "csv", "--out", str(out)]) == 0
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["sources"][0] == extract_source()  # partners are not told the file names
    assert meta["sources"][0].startswith("Crime data: force records-management extract. Not")
    assert LICENCE_POLICE not in meta["sources"]
    assert LICENCE_ONS not in meta["sources"]  # no wards given: the area is drawn round the events
    with_wards = tmp_path / "with-wards"
    wards = ["--wards", str(cambridge_dir / "wards.geojson")]
    assert (
        main([*argv, *wards, "--layers", "crimes", "--formats", "csv", "--out", str(with_wards)])
        == 0
    )
    sources = json.loads((with_wards / "metadata.json").read_text(encoding="utf-8"))["sources"]
    assert sources == [extract_source(), LICENCE_ONS]
    police = tmp_path / "police"
    argv[argv.index("partner")] = "police"
    assert main([*argv, "--layers", "crimes", "--formats", "csv", "--out", str(police)]) == 0
    sources = json.loads((police / "metadata.json").read_text(encoding="utf-8"))["sources"]
    assert sources[0] == extract_source(["rms.csv"])  # the police are told what was read
    assert sources[0].startswith("Crime data: force records-management extract: rms.csv.")
    method = meta["methods"]["crimes"]["method"]
    assert method.startswith("force records-management extract (exact locations and times")
    assert "police.uk" not in method


def test_source_lines_by_provenance() -> None:
    police_uk = source_lines(is_demo=False, uses_osm=False, audience="partner")
    assert police_uk == (LICENCE_POLICE, LICENCE_ONS)
    audiences: tuple[Audience, ...] = ("police", "partner", "public")
    police, partner, public = (
        source_lines(
            is_demo=False, uses_osm=False, audience=a, provenance="extract", files=["a.csv"]
        )
        for a in audiences
    )
    assert police == (extract_source(["a.csv"]), LICENCE_ONS)
    assert "Open Government Licence" not in police[0]
    for shared in (partner, public):
        assert shared == (extract_source(), LICENCE_ONS)
        assert "a.csv" not in shared[0]


def test_packs_state_the_caveats_of_their_data(
    extract_area: StudyArea, demo_area: StudyArea
) -> None:
    def cover(area: StudyArea, audience: Audience) -> str:
        content = briefing_content(
            area,
            meeting=dt.date(2025, 5, 20),
            ward=area.ward_names[0],
            hot_cell_size_m=get_preset(audience).min_cell_m or None,
        )
        return render_briefing(content, area, audience=audience).html

    partner = cover(extract_area, "partner")
    assert html.escape(EXTRACT_CAVEAT) in partner
    assert "This partner pack shows them no finer than 100 m cells and weeks" in partner
    assert CAVEATS[0].split(":")[0] not in partner  # "police.uk locations are anonymised"
    assert "police.uk publishes no day or time" not in partner
    assert "data.police.uk" not in partner
    assert "force records-management extract. Not open data" in partner
    assert "rms.csv" not in partner  # the footer and the Data line name no file
    police = cover(extract_area, "police")
    assert "This police pack shows them in full" in police
    assert "force records-management extract: rms.csv" in police
    demo = demo_area.months[-1]
    assert demo  # the demo town is police.uk-shaped: its pack keeps the police.uk caveats
    content = briefing_content(
        demo_area,
        meeting=dt.date.fromisoformat(f"{demo}-28"),
        ward=demo_area.ward_names[0],
        hot_cell_size_m=get_preset("partner").min_cell_m,
    )
    text = render_briefing(content, demo_area, audience="partner").html
    assert CAVEATS[0].split(":")[0] in text
    assert html.escape(EXTRACT_CAVEAT) not in text


@pytest.mark.parametrize(("audience", "cell_m"), [("partner", 100.0), ("public", 250.0)])
def test_cluster_outlines_of_an_extract_are_the_audiences_cells(
    extract_area: StudyArea, audience: Audience, cell_m: float
) -> None:
    minimum = get_preset(audience).min_cell_m
    assert minimum == cell_m
    coarse = export_analyses(extract_area, Selection(), layers=["clusters"], min_cell_m=minimum)
    exact = export_analyses(extract_area, Selection(), layers=["clusters"])
    assert coarse.clusters is not None
    assert exact.clusters is not None
    outlines, hulls = coarse.clusters.clusters, exact.clusters.clusters
    assert len(outlines) == len(hulls) > 0  # the same clusters, drawn coarser
    for outline, hull in zip(outlines.geometry, hulls.geometry, strict=True):
        xy = shapely.get_coordinates(outline)
        assert np.allclose(xy % cell_m, 0.0)  # every corner on the audience's grid
        assert outline.contains(hull.representative_point())
        assert outline.area >= hull.area
    assert np.allclose(outlines["area_m2"], outlines.area)
    assert "outline" in coarse.methods["clusters"]
    assert "outline" not in exact.methods["clusters"]


def test_exact_cluster_outlines_of_an_extract_are_refused_for_partners(
    extract_area: StudyArea,
) -> None:
    exact = export_analyses(extract_area, Selection(), layers=["clusters"])
    assert exact.clusters is not None
    with pytest.raises(ParameterError, match="too fine for the partner preset"):
        prepare_layer(
            exact.clusters.clusters, "clusters", get_preset("partner"), provenance="extract"
        )
    police = prepare_layer(
        exact.clusters.clusters, "clusters", get_preset("police"), provenance="extract"
    )
    assert len(police) == len(exact.clusters.clusters)


@pytest.mark.parametrize(
    "command",
    [["hotspots"], ["problems", "--min-crimes", "3"], ["repeats"]],
    ids=lambda c: c[0],
)
def test_every_written_file_of_an_extract_credits_the_extract(
    tmp_path: Path, extract_csv: Path, command: list[str]
) -> None:
    out = tmp_path / f"{command[0]}.gpkg"
    assert main([*command, "--incidents", str(extract_csv), "--out", str(out)]) == 0
    written = out.read_bytes()
    assert extract_source(["rms.csv"]).encode() in written
    assert b"Open Government Licence" not in written  # not police.uk data
    assert LICENCE_ONS.encode() not in written  # no ward file was loaded


# --- what partners and the public never get from an extract: a density surface, file names ---


def _lone_point_raster(x_m: float, y_m: float, area: gpd.GeoDataFrame) -> RasterLayer:
    """The public density raster of one crime, as prepare_density averages it."""
    one = gpd.GeoDataFrame(geometry=gpd.points_from_xy([x_m], [y_m]), crs=27700)
    surface = kernel_density(one, area=area, cell_size_m=25.0, bandwidth_m=150.0)
    return prepare_density(surface, get_preset("public"))


def test_averaging_a_surface_into_coarse_cells_does_not_hide_a_lone_crime() -> None:
    """Why a force extract's density is withheld: one kernel fitted to the raster finds it."""
    area = gpd.GeoDataFrame(geometry=[shapely.box(450_000, 268_000, 452_000, 270_000)], crs=27700)
    true_x, true_y = 451_037.0, 268_912.0  # a lone crime, off every grid line
    seen = _lone_point_raster(true_x, true_y, area)
    assert seen.cell_size_m == 250.0  # nothing finer than the public's cells is drawn
    values = np.nan_to_num(seen.values)
    rows, cols = np.indices(values.shape)
    x, y = seen.transform @ (cols + 0.5, rows + 0.5)
    x, y = float((x * values).sum() / values.sum()), float((y * values).sum() / values.sum())
    assert 5.0 < np.hypot(x - true_x, y - true_y) < 125.0  # the mass centroid: tens of metres
    for step_m in (25.0, 5.0, 1.0):  # then one kernel fitted by ever finer searches
        grid = [(x + i * step_m, y + j * step_m) for i in range(-4, 5) for j in range(-4, 5)]
        misfit = [
            float(np.nansum((_lone_point_raster(gx, gy, area).values - seen.values) ** 2))
            for gx, gy in grid
        ]
        x, y = grid[int(np.argmin(misfit))]
    assert np.hypot(x - true_x, y - true_y) <= 1.5  # 250 m cells, and the crime within metres


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_the_density_of_an_extract_is_withheld_from_partners_and_the_public(
    extract_area: StudyArea, audience: Audience
) -> None:
    minimum = get_preset(audience).min_cell_m
    with pytest.raises(ParameterError) as refused:
        export_analyses(
            extract_area, Selection(), layers=["hotspots", "density"], min_cell_m=minimum
        )
    message = str(refused.value)
    assert message.startswith("The density layer of a force extract is not shared with ")
    assert "inverted to the points" in message
    assert "Export it for the police audience" in message
    assert f"hotspot cells layer (Gi* classes on {minimum:g} m cells)" in message
    # analyses made for the police are not rendered for partners either
    police = export_analyses(extract_area, Selection(), layers=["hotspots", "density"])
    assert police.density is not None
    with pytest.raises(ParameterError, match="density layer of a force extract is not shared"):
        analysis_layers(police, audience=audience)
    assert analysis_layers(police, audience="police").density is not None


def test_the_density_of_police_uk_crimes_is_still_shared(demo_area: StudyArea) -> None:
    for audience in ("partner", "public"):
        minimum = get_preset(audience).min_cell_m
        analyses = export_analyses(demo_area, Selection(), layers=["density"], min_cell_m=minimum)
        built = analysis_layers(analyses, audience=audience)
        assert built.density is not None
        layer = prepare_density(built.density, get_preset(audience))
        assert layer.cell_size_m >= minimum


def _files_text(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_partner_or_public_file_of_an_extract_names_the_extract_file(
    tmp_path: Path, extract_csv: Path
) -> None:
    """An extract's file name often carries an operation name or a date: police only."""
    named = tmp_path / "op_nightjar_2025-03.csv"
    named.write_bytes(extract_csv.read_bytes())
    argv = ["export", "--incidents", str(named), "--layers", "crimes,hotspots"]
    runs: tuple[tuple[Audience, str | None, str], ...] = (
        ("police", None, "op_nightjar_2025-03.csv"),
        ("partner", None, EXTRACT_NAME),  # not named: the extract is not named by its file
        ("public", "Fenbridge", "Fenbridge"),  # named: the sources still name no file
    )
    for audience, name, label in runs:
        out = tmp_path / audience
        named_as = [] if name is None else ["--area-name", name]
        assert main([*argv, *named_as, "--audience", audience, "--out", str(out)]) == 0
        written = _files_text(out)
        assert (b"op_nightjar" in written) == (audience == "police"), audience
        meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
        assert meta["title"] == f"patchmap export: {label}"
        shown = ["op_nightjar_2025-03.csv"] if audience == "police" else []
        assert meta["sources"][0] == extract_source(shown)


def test_a_partner_pack_of_an_extract_names_no_extract_file(extract_csv: Path) -> None:
    incidents = read_incidents([extract_csv])
    area = study_area_from_incidents(incidents)
    content = briefing_content(
        area,
        meeting=dt.date(2025, 5, 20),
        ward=area.ward_names[0],
        hot_cell_size_m=get_preset("partner").min_cell_m,
    )
    partner = render_briefing(content, area, audience="partner").html
    assert "rms.csv" not in partner
    assert f"<dt>Data</dt><dd>{EXTRACT_NAME}</dd>" in partner
    police = render_briefing(content, area, audience="police").html
    assert "<dt>Data</dt><dd>rms.csv</dd>" in police
