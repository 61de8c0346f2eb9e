"""``patchmap hotspots``, ``density``, ``change`` and ``emerging``: where crime concentrates."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from patchmap import _defaults
from patchmap._data import Loaded, load, police_file_metadata
from patchmap._output import checked_out, print_json
from spatial.errors import EmptyInputError, ParameterError, PatchmapWarning
from spatial.wording import count_text

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    import geopandas as gpd

    from hotspots.fdr import Correction
    from hotspots.kde import DensitySurface, Kernel
    from hotspots.ranking import KdeTop
    from layers.writers import RasterLayer
    from spatial.grid import Grid, GridKind


__all__ = [
    "add_change",
    "add_density",
    "add_emerging",
    "add_hotspots",
    "run_change",
    "run_density",
    "run_emerging",
    "run_hotspots",
]

# --- hotspots, density, change, emerging -----------------------------------------------------

_HOTSPOT_METHODS: Final = ("gistar", "kde-top", "dbscan", "hdbscan")
_N_LISTED: Final = 5
"""How many cells or clusters the text output lists."""
_VECTOR_SUFFIXES: Final = (".gpkg", ".geojson")
_RASTER_SUFFIXES: Final = (".tif", ".tiff")
_METHOD_OPTIONS: Final = {
    "cell_size_m": ("gistar", "kde-top"),
    "grid": ("gistar", "kde-top"),
    "correction": ("gistar",),
    "alpha": ("gistar",),
    "bandwidth_m": ("kde-top",),
    "kernel": ("kde-top",),
    "top_share_pct": ("kde-top",),
    "eps_m": ("dbscan", "hdbscan"),
    "min_crimes": ("dbscan", "hdbscan"),
}
"""Which ``hotspots --method`` each method option applies to."""


@dataclass(frozen=True)
class _Choice:
    """One parameter of a run: its value, whether patchmap chose it, and how."""

    name: str
    value: float | str
    automatic: bool
    how: str


@dataclass(frozen=True, eq=False)
class _Outcome:
    """What one analysis produced: the layer to write, the choices made, the result."""

    layer: str
    method: str
    choices: tuple[_Choice, ...]
    result: dict[str, object]
    lines: tuple[str, ...]
    frame: gpd.GeoDataFrame | None = None
    raster: RasterLayer | None = None


@contextlib.contextmanager
def _warnings_to(notes: list[str]) -> Iterator[None]:
    """Keep the PatchmapWarnings raised inside the block as notes; pass other warnings on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PatchmapWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, PatchmapWarning):
            notes.append(str(warning.message))
        else:
            warnings.warn(warning.message, stacklevel=3)


def _given(option: str) -> str:
    return f"given with {option}"


def _plain(value: object) -> object:
    """Return a JSON-ready value: NaN becomes None, floats keep 10 significant digits."""
    import numpy as np

    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _shown(value: float | str) -> str:
    """Return a parameter as the text output shows it (floats to 4 significant digits)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _rows(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> list[dict[str, object]]:
    """Return the first rows of ``frame`` as JSON-ready records of ``columns``."""
    head = frame.loc[:, list(columns)].head(_N_LISTED)
    return [{str(k): _plain(v) for k, v in rec.items()} for rec in head.to_dict("records")]


def _add_out_help(parser: argparse.ArgumentParser, text: str) -> None:
    # the --out option is shared by every subcommand, so its help is not reworded here
    parser.epilog = f"--out FILE: {text}."


def _add_grid_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-size-m",
        type=float,
        metavar="M",
        help="grid cell size in metres, at least 25 (auto: the wards' shorter side / 150)",
    )
    parser.add_argument(
        "--grid", choices=["square", "hex"], help="square cells or equal-area hexagons (square)"
    )


def _add_test_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--correction",
        choices=_defaults.CORRECTIONS,
        help="multiple-testing correction over the cells (fdr_bh: Benjamini-Hochberg)",
    )
    parser.add_argument(
        "--alpha", type=float, help="adjusted p-value at which a cell is significant (0.05)"
    )


def _selected(loaded: Loaded) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    from boundaries.select import select_points, select_wards

    points = select_points(loaded.area, loaded.selection)
    if points.empty:
        msg = "The selection holds no crimes: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    return points, select_wards(loaded.area, loaded.selection)


def _grid_for(
    args: argparse.Namespace, wards: gpd.GeoDataFrame, notes: list[str]
) -> tuple[Grid, list[_Choice]]:
    from spatial.grid import make_grid

    kind: GridKind = args.grid or "square"
    with _warnings_to(notes):
        grid = make_grid(wards, kind=kind, cell_size_m=args.cell_size_m)
    size_how = grid.notes[0] if grid.auto_cell_size and grid.notes else _given("--cell-size-m")
    kind_how = "default: square cells" if args.grid is None else _given("--grid")
    if kind == "hex":
        kind_how += f"; hexagons of the same area as a {grid.cell_size_m:g} m square"
    return grid, [
        _Choice("cell_size_m", grid.cell_size_m, args.cell_size_m is None, size_how),
        _Choice("grid", kind, args.grid is None, kind_how),
    ]


def _test_choices(
    args: argparse.Namespace, *, default_alpha: float, what: str
) -> tuple[Correction, float, list[_Choice]]:
    from hotspots.fdr import CORRECTION_LABELS

    correction: Correction = args.correction or "fdr_bh"
    alpha = default_alpha if args.alpha is None else float(args.alpha)
    correction_how = (
        f"default: {CORRECTION_LABELS[correction]} over the {what}"
        if args.correction is None
        else _given("--correction")
    )
    alpha_how = f"default: a cell is significant at adjusted p <= {alpha:g}"
    return (
        correction,
        alpha,
        [
            _Choice("correction", correction, args.correction is None, correction_how),
            _Choice("alpha", alpha, args.alpha is None, alpha_how if args.alpha is None else ""),
        ],
    )


def _check_method_options(args: argparse.Namespace) -> None:
    wrong = [
        "--" + name.replace("_", "-")
        for name, methods in _METHOD_OPTIONS.items()
        if getattr(args, name) is not None and args.method not in methods
    ]
    if wrong:
        msg = (
            f"{', '.join(wrong)} do{'es' if len(wrong) == 1 else ''} not apply to --method "
            f"{args.method}. Grid options go with gistar and kde-top, --bandwidth-m, --kernel and "
            "--top-share-pct with kde-top, --eps-m and --min-crimes with dbscan and hdbscan."
        )
        raise ParameterError(msg)
    share = args.top_share_pct
    if share is not None and not (math.isfinite(share) and 0 < share <= 100):  # noqa: PLR2004
        msg = f"--top-share-pct is a per cent of the cells, above 0 and at most 100; found {share}."
        raise ParameterError(msg)


def _counted(value: object, noun: str = "crime") -> str:
    """Say a count from a record with its noun ("1 crime", "12 crimes")."""
    from spatial.wording import count_text

    return count_text(float(str(value)), noun)


def _check_text(record: dict[str, object]) -> str:
    """Return a record's artefact check as the text output shows it ("  [check: ...]" or "")."""
    return f"  [{record['check']}]" if record.get("check") else ""


def _busiest_hot_rows(hot: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """Return the busiest hot cells as records, each with its artefact ``check`` (or None)."""
    from hotspots.concentration import artefact_checks

    columns = ["cell_id", "x_m", "y_m", "n_crimes", "gi_z", "gi_p_fdr", "hotspot"]
    rows = _rows(hot, columns)
    checks = artefact_checks(hot.head(_N_LISTED), points)
    return [r | {"check": str(c) or None} for r, c in zip(rows, checks, strict=True)]


def _hot_area_rows(
    points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, months: tuple[str, str]
) -> list[dict[str, object]]:
    """Return the Hotspots page's top hot-area table (hotspots.areas, .tables) as records."""
    from hotspots.areas import gistar_hot_areas
    from hotspots.tables import TOP_AREAS, hot_area_table

    areas = gistar_hot_areas(cells)
    table = hot_area_table(points, areas, months=months, top_n=TOP_AREAS)
    return [
        {
            "label": str(row["Hotspot"]),
            "n_cells": int(n_cells),
            "n_crimes": int(row["Crimes"]),
            "top_crime_types": str(row["Top crime types"]),
            "trend": str(row["Trend"]),
            "trend_p": None if math.isnan(row["Trend p"]) else round(float(row["Trend p"]), 4),
            "check": str(row["Check"]) or None,
        }
        for (_, row), n_cells in zip(table.iterrows(), areas["n_cells"], strict=False)
    ]


def _gistar_outcome(
    args: argparse.Namespace,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    notes: list[str],
    months: tuple[str, str],
) -> _Outcome:
    from hotspots.gistar import DEFAULT_ALPHA, gi_star
    from spatial.grid import count_points

    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(args, default_alpha=DEFAULT_ALPHA, what="grid cells")
    counts = count_points(points, grid)
    n_uncounted = len(points) - int(counts.sum())
    if n_uncounted:
        notes.append(f"{n_uncounted:,} crimes fall outside the grid's cells and are not counted.")
    result = gi_star(counts, grid=grid, correction=correction, alpha=alpha)
    cells = result.cells
    hot = cells.loc[cells["significant"] & (cells["gi_z"] > 0)].sort_values(
        ["n_crimes", "gi_z"], ascending=False
    )
    busiest_hot = _busiest_hot_rows(hot, points)
    hot_areas = _hot_area_rows(points, cells, months)
    lines = [
        (
            f"{result.n_hot:,} hot and {result.n_cold:,} cold cells of {grid.n_cells:,} "
            f"(adjusted p <= {alpha:g})."
        ),
        result.convention,
    ]
    if busiest_hot:
        lines.append("busiest hot cells (centre easting, northing in EPSG:27700):")
        lines += [
            f"  {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {_counted(r['n_crimes']):>12}  "
            f"z {r['gi_z']:>6.2f}  {r['hotspot']}{_check_text(r)}"
            for r in busiest_hot
        ]
    if hot_areas:
        lines.append("hot areas (touching hot cells, as on the Hotspots page):")
        lines += [
            f"  {r['label']}: {_counted(r['n_crimes'])}; {r['top_crime_types']}; {r['trend']}"
            f"{_check_text(r)}"
            for r in hot_areas
        ]
    return _Outcome(
        layer="hotspots",
        method="Getis-Ord Gi* hot spots of crime counts per grid cell",
        choices=(*choices, *test),
        result={
            "n_cells": grid.n_cells,
            "n_crimes_in_cells": int(counts.sum()),
            "n_hot": result.n_hot,
            "n_cold": result.n_cold,
            "convention": result.convention,
            "busiest_hot_cells": busiest_hot,
            "hot_areas": hot_areas,
        },
        lines=tuple(lines),
        frame=cells,
    )


def _kde_top_choices(
    args: argparse.Namespace, top: KdeTop, *, kernel: Kernel, bandwidth_how: str
) -> list[_Choice]:
    """Return the bandwidth, kernel, share and raster cell size of a kde-top run, and how set."""
    from hotspots.ranking import KDE_TOP_SUBCELLS
    from spatial.grid import MIN_CELL_SIZE_M

    surface, share_pct, n_top, n_cells = top.surface, top.share_pct, top.n_top, top.n_cells
    raster_m = top.raster_cell_size_m
    return [
        _Choice("bandwidth_m", surface.bandwidth_m, surface.auto_bandwidth, bandwidth_how),
        _Choice(
            "kernel",
            kernel,
            args.kernel is None,
            "default: quartic (ArcGIS's kernel)" if args.kernel is None else _given("--kernel"),
        ),
        _Choice(
            "top_share_pct",
            share_pct,
            args.top_share_pct is None,
            f"default: the densest {share_pct:g} % of cells ({n_top:,} of {n_cells:,})"
            if args.top_share_pct is None
            else f"{_given('--top-share-pct')}: {n_top:,} of {n_cells:,} cells",
        ),
        _Choice(
            "kde_cell_size_m",
            raster_m,
            True,  # noqa: FBT003 - always derived from the grid
            f"density raster cells of {raster_m:g} m (grid cell / {KDE_TOP_SUBCELLS}, at least "
            f"{MIN_CELL_SIZE_M:g} m); a grid cell's density is the mean over the raster cells "
            "centred in it",
        ),
    ]


def _kde_top_outcome(
    args: argparse.Namespace, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, notes: list[str]
) -> _Outcome:
    from hotspots.kde import DEFAULT_KERNEL
    from hotspots.ranking import DEFAULT_TOP_SHARE_PCT, kde_top_cells

    grid, choices = _grid_for(args, wards, notes)
    share_pct = DEFAULT_TOP_SHARE_PCT if args.top_share_pct is None else args.top_share_pct
    kernel: Kernel = args.kernel or DEFAULT_KERNEL
    with _warnings_to(notes):
        top = kde_top_cells(
            points,
            grid,
            area=wards,
            share_pct=share_pct,
            bandwidth_m=args.bandwidth_m,
            kernel=kernel,
        )
    surface, cells, n_top = top.surface, top.cells, top.n_top
    bandwidth_how = next(
        (n for n in surface.notes if n.startswith("Bandwidth")), _given("--bandwidth-m")
    )
    notes.extend(n for n in surface.notes if n != bandwidth_how)
    share_of_crimes = top.share_of_crimes
    densest = _rows(cells, ["kde_rank", "cell_id", "x_m", "y_m", "n_crimes", "density_per_km2"])
    choices += _kde_top_choices(args, top, kernel=kernel, bandwidth_how=bandwidth_how)
    lines = [
        (
            f"the densest {share_pct:g} % of cells: {n_top:,} of {grid.n_cells:,}, holding "
            f"{share_of_crimes:.1%} of the {top.n_crimes_counted:,} crimes counted; density at "
            f"least {top.min_density_per_km2:,.0f} crimes per km2."
        ),
        "densest cells (centre easting, northing in EPSG:27700):",
        *(
            f"  {r['kde_rank']:>3}. {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {r['n_crimes']:>5.0f} "
            f"crimes  {r['density_per_km2']:>9,.0f} per km2"
            for r in densest
        ),
    ]
    return _Outcome(
        layer="kde_top",
        method=(
            f"Kernel density ({kernel}, {surface.bandwidth_m:,.0f} m) averaged into grid cells; "
            f"the densest {share_pct:g} % of cells"
        ),
        choices=tuple(choices),
        result={
            "n_cells": grid.n_cells,
            "n_top_cells": n_top,
            "share_of_crimes_in_top": _plain(share_of_crimes),
            "min_density_per_km2": _plain(top.min_density_per_km2),
            "densest_cells": densest,
        },
        lines=tuple(lines),
        frame=cells,
    )


def _cluster_outcome(
    args: argparse.Namespace, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, notes: list[str]
) -> _Outcome:
    from hotspots import clusters as cl

    area_m2 = float(wards.geometry.area.sum())
    given = args.min_crimes
    if args.method == "dbscan":
        min_crimes = cl.DEFAULT_MIN_CRIMES if given is None else given
        result = cl.dbscan_clusters(
            points, eps_m=args.eps_m, min_crimes=min_crimes, area_m2=area_m2
        )
        eps_name, min_how = "eps_m", "default: crimes within eps_m that make a cluster core"
        method = "DBSCAN on snap points weighted by their crime counts"
    else:
        min_crimes = cl.DEFAULT_MIN_CLUSTER_CRIMES if given is None else given
        result = cl.hdbscan_clusters(
            points, min_cluster_crimes=min_crimes, selection_epsilon_m=args.eps_m, area_m2=area_m2
        )
        eps_name, min_how = "selection_epsilon_m", "default: the fewest crimes a cluster holds"
        method = "HDBSCAN on snap points (clusters closer than the merge distance joined)"
    eps_how = next((n for n in result.notes if "chosen automatically" in n), _given("--eps-m"))
    notes.extend(n for n in result.notes if n != eps_how)
    clusters = result.clusters
    largest = _rows(
        clusters,
        ["cluster_id", "n_crimes", "n_snap_points", "top_location", "top_crime_types"],
    )
    lines = [
        (
            f"{len(clusters):,} clusters holding {result.n_clustered:,} of "
            f"{result.n_crimes:,} crimes ({result.n_clustered / max(result.n_crimes, 1):.1%})."
        ),
    ]
    if largest:
        lines.append("largest clusters:")
        lines += [
            f"  {r['cluster_id']:>3}. {_counted(r['n_crimes']):>12} at "
            f"{_counted(r['n_snap_points'], 'snap point')}, {r['top_location']} "
            f"({r['top_crime_types']})"
            for r in largest
        ]
    eps_value = float(result.eps_m) if result.eps_m is not None else 0.0
    return _Outcome(
        layer="clusters",
        method=method,
        choices=(
            _Choice(eps_name, eps_value, result.auto_eps, eps_how),
            _Choice(
                "min_crimes",
                min_crimes,
                args.min_crimes is None,
                min_how if args.min_crimes is None else _given("--min-crimes"),
            ),
        ),
        result={
            "n_clusters": len(clusters),
            "n_clustered": result.n_clustered,
            "share_clustered": _plain(result.n_clustered / max(result.n_crimes, 1)),
            "largest_clusters": largest,
        },
        lines=tuple(lines),
        frame=clusters,
    )


def _choice_text(choice: _Choice) -> str:
    who = "automatic" if choice.automatic else "chosen by the user"
    return f"{_shown(choice.value)} ({who}{': ' + choice.how if choice.how else ''})"


def _write_output(
    path: Path,
    outcome: _Outcome,
    *,
    command: str,
    loaded: Loaded,
    wards: gpd.GeoDataFrame,
    period: tuple[str, str],
) -> dict[str, object]:
    from hotspots.kde import DENSITY_UNIT
    from layers.writers import write_geojson, write_geotiff, write_gpkg
    from spatial.crs import BNG, WGS84

    fields = () if outcome.frame is None else tuple(str(c) for c in outcome.frame.columns)
    metadata = police_file_metadata(
        loaded,
        wards,
        command=command,
        period=period,
        methods={
            outcome.layer: {"method": outcome.method}
            | {c.name: _choice_text(c) for c in outcome.choices}
        },
    ).with_fields({outcome.layer: tuple(f for f in fields if f != "geometry")})
    suffix = path.suffix.lower()
    if outcome.raster is not None:
        write_geotiff(outcome.raster, path, metadata=metadata)
        rows, cols = outcome.raster.values.shape
        return {
            "path": str(path),
            "format": "GeoTIFF",
            "crs": BNG,
            "band_1": DENSITY_UNIT,
            "n_rows": rows,
            "n_cols": cols,
        }
    if outcome.frame is None:  # pragma: no cover - every vector outcome has a frame
        msg = "Nothing to write."
        raise ParameterError(msg)
    if suffix == ".gpkg":
        write_gpkg({outcome.layer: outcome.frame}, path, metadata=metadata)
        crs, fmt = BNG, "GeoPackage"
    else:
        write_geojson(outcome.frame, path, metadata=metadata)
        crs, fmt = WGS84, "GeoJSON (RFC 7946)"
    return {
        "path": str(path),
        "format": fmt,
        "layer": outcome.layer,
        "crs": crs,
        "n_features": len(outcome.frame),
    }


def _finish(
    args: argparse.Namespace,
    outcome: _Outcome,
    *,
    command: str,
    loaded: Loaded,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    period: tuple[str, str],
    notes: Sequence[str],
) -> int:
    """Write the output file, then print the run record (``--json``) or the text report."""
    from boundaries.select import filter_texts

    notes = list(dict.fromkeys(notes))  # a warning the analysis also keeps as a note: once
    output = None
    if args.out is not None:
        output = _write_output(
            args.out, outcome, command=command, loaded=loaded, wards=wards, period=period
        )
    record: dict[str, object] = {
        "command": command,
        "method": outcome.method,
        "dataset": loaded.area.label,
        "wards": [str(w) for w in wards["ward_name"]],
        "filters": filter_texts(loaded.selection),
        "period": list(period),
        "n_crimes": len(points),
        "parameters": {c.name: _plain(c.value) for c in outcome.choices},
        "automatic_choices": {
            c.name: {"value": _plain(c.value), "how": c.how} for c in outcome.choices if c.automatic
        },
        "notes": list(notes),
        "result": outcome.result,
        "output": output,
    }
    if args.json:
        print_json(record)
        return 0
    print(
        f"patchmap {command}: {loaded.area.label}, {len(points):,} crimes, "
        f"{period[0]} to {period[1]}"
    )
    print(f"method: {outcome.method}")
    automatic = [c for c in outcome.choices if c.automatic]
    if automatic:
        print("automatic choices:")
        for c in automatic:
            print(f"  {c.name} = {_shown(c.value)}: {c.how}")
    given = [c for c in outcome.choices if not c.automatic]
    if given:
        print("your choices: " + "; ".join(f"{c.name} = {_shown(c.value)}" for c in given))
    for note in notes:
        print(f"note: {note}")
    for line in outcome.lines:
        print(line)
    if output is not None:
        where = f"layer {output['layer']}, " if "layer" in output else ""
        print(f"wrote {output['path']} ({output['format']}, {where}{output['crs']})")
    return 0


def add_hotspots(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap hotspots`` to its parser."""
    parser.add_argument(
        "--method",
        choices=_HOTSPOT_METHODS,
        default="gistar",
        help="gistar: Getis-Ord Gi* cells (default); kde-top: the densest cells by kernel "
        "density; dbscan, hdbscan: density clusters of snap points",
    )
    _add_grid_options(parser)
    _add_test_options(parser)
    parser.add_argument(
        "--bandwidth-m", type=float, metavar="B", help="kde-top: kernel bandwidth (auto)"
    )
    parser.add_argument("--kernel", choices=["quartic", "gaussian"], help="kde-top (quartic)")
    parser.add_argument(
        "--top-share-pct",
        type=float,
        metavar="PCT",
        help="kde-top: per cent of cells written, densest first "
        f"({_defaults.DEFAULT_TOP_SHARE_PCT:g})",
    )
    parser.add_argument(
        "--eps-m",
        type=float,
        metavar="M",
        help="dbscan: linking distance; hdbscan: clusters this close are merged (auto)",
    )
    parser.add_argument(
        "--min-crimes",
        type=int,
        metavar="N",
        help=f"dbscan: crimes within --eps-m making a core ({_defaults.DEFAULT_MIN_CRIMES}); "
        f"hdbscan: fewest crimes per cluster ({_defaults.DEFAULT_MIN_CLUSTER_CRIMES})",
    )
    _add_out_help(parser, "write the cells or clusters: .gpkg (EPSG:27700) or .geojson (WGS84)")


def run_hotspots(args: argparse.Namespace) -> int:
    """Run ``patchmap hotspots``; return the exit code."""
    from boundaries.select import data_period

    _check_method_options(args)
    checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    loaded = load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    period = data_period(points, loaded.selection)
    if args.method == "gistar":
        outcome = _gistar_outcome(args, points, wards, notes, period)
    elif args.method == "kde-top":
        outcome = _kde_top_outcome(args, points, wards, notes)
    else:
        outcome = _cluster_outcome(args, points, wards, notes)
    return _finish(
        args,
        outcome,
        command=f"hotspots --method {args.method}",
        loaded=loaded,
        points=points,
        wards=wards,
        period=period,
        notes=notes,
    )


def add_density(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap density`` to its parser."""
    parser.add_argument(
        "--bandwidth-m",
        type=float,
        metavar="B",
        help="quartic radius or Gaussian sd in metres (auto: spatial Silverman rule)",
    )
    parser.add_argument(
        "--cell-size-m",
        type=float,
        metavar="M",
        help="raster cell size in metres, at least 25 (auto: the wards' shorter side / 250)",
    )
    parser.add_argument("--kernel", choices=["quartic", "gaussian"], help="kernel (quartic)")
    parser.add_argument(
        "--per-1000-residents",
        action="store_true",
        help="write the rate surface instead: crime density / population density (dual KDE) "
        "from LSOA populations (--population and --lsoas, or --demo)",
    )
    _add_out_help(parser, "write a GeoTIFF (.tif), EPSG:27700, band 1 in crimes per km2")


def run_density(args: argparse.Namespace) -> int:
    """
    Run ``patchmap density``; return the exit code.

    long: reads the options, runs KDE or the rate surface and prints each output form
    in turn; the steps share many locals.
    """
    import numpy as np

    from boundaries.select import data_period
    from hotspots.kde import DEFAULT_KERNEL, DENSITY_UNIT, kernel_density
    from layers.writers import RasterLayer

    checked_out(args.out, _RASTER_SUFFIXES, "a GeoTIFF")
    loaded = load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    kernel: Kernel = args.kernel or DEFAULT_KERNEL
    with _warnings_to(notes):
        surface = kernel_density(
            points,
            area=wards,
            cell_size_m=args.cell_size_m,
            bandwidth_m=args.bandwidth_m,
            kernel=kernel,
        )
    size_how = next((n for n in surface.notes if n.startswith("Cell size")), "")
    bandwidth_how = next((n for n in surface.notes if n.startswith("Bandwidth")), "")
    notes.extend(n for n in surface.notes if n not in (size_how, bandwidth_how))
    integral = float(surface.values.sum()) * surface.cell_area_km2
    row, col = np.unravel_index(int(np.argmax(surface.values)), surface.values.shape)
    x_m, y_m = surface.cell_centres()
    n_rows, n_cols = surface.values.shape
    result: dict[str, object] = {
        "n_points_used": surface.n_points,
        "n_outside_area": surface.n_outside_area,
        "integral": _plain(integral),
        "unit": DENSITY_UNIT,
        "n_rows": n_rows,
        "n_cols": n_cols,
        "bounds_m": [_plain(b) for b in surface.bounds],
        "max_density_per_km2": _plain(float(surface.values.max())),
        "peak_x_m": _plain(float(x_m[col])),
        "peak_y_m": _plain(float(y_m[row])),
    }
    outcome = _Outcome(
        layer="density",
        method=f"Kernel density ({kernel} kernel), linear binning and FFT, crimes per km2",
        choices=(
            _Choice(
                "cell_size_m",
                surface.cell_size_m,
                surface.auto_cell_size,
                size_how or _given("--cell-size-m"),
            ),
            _Choice(
                "bandwidth_m",
                surface.bandwidth_m,
                surface.auto_bandwidth,
                bandwidth_how or _given("--bandwidth-m"),
            ),
            _Choice(
                "kernel",
                kernel,
                args.kernel is None,
                "default: quartic (ArcGIS's kernel)" if args.kernel is None else _given("--kernel"),
            ),
        ),
        result=result,
        lines=(
            (
                f"{n_rows} x {n_cols} cells of {surface.cell_size_m:g} m from "
                f"{surface.n_points:,} crimes; the surface integrates to {integral:,.1f} crimes."
            ),
            (
                f"peak {float(surface.values.max()):,.0f} crimes per km2 at "
                f"{float(x_m[col]):.0f}, {float(y_m[row]):.0f} (EPSG:27700)."
            ),
        ),
        raster=RasterLayer(surface.values, surface.transform, surface.cell_size_m),
    )
    if args.per_1000_residents:
        outcome = _rate_outcome(loaded, points, wards, surface, outcome, notes)
    return _finish(
        args,
        outcome,
        command="density",
        loaded=loaded,
        points=points,
        wards=wards,
        period=data_period(points, loaded.selection),
        notes=notes,
    )


def _rate_outcome(
    loaded: Loaded,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    surface: DensitySurface,
    outcome: _Outcome,
    notes: list[str],
) -> _Outcome:
    """Swap the density for the dual-KDE rate (crimes per 1,000 residents) on the same raster."""
    import numpy as np

    from boundaries.population import lsoa_residents
    from hotspots.kde import rate_surface
    from layers.writers import RasterLayer

    area = loaded.area
    if area.population is None or area.lsoas is None:
        msg = (
            "--per-1000-residents needs LSOA populations and boundaries: give --population and "
            "--lsoas (or use --demo)."
        )
        raise ParameterError(msg)
    residents = lsoa_residents(area.lsoas, area.population, wards=area.wards)
    with _warnings_to(notes):
        rate = rate_surface(
            points,
            residents,
            area=wards,
            cell_size_m=surface.cell_size_m,
            bandwidth_m=surface.bandwidth_m,
            kernel=surface.kernel,
        )
    notes.extend(rate.notes)
    unit = "crimes per 1,000 residents"
    peak = float(np.nanmax(rate.values)) if np.isfinite(rate.values).any() else math.nan
    result = {
        **outcome.result,
        "unit": unit,
        "max_rate_per_1000": _plain(peak),
        "min_population_per_km2": rate.min_population_per_km2,
    }
    line = (
        f"rate surface: crimes per 1,000 residents (dual KDE, same bandwidth for residents); "
        f"highest {peak:,.1f}; blank where fewer than {rate.min_population_per_km2:g} residents "
        "per km2 live."
    )
    return dataclasses.replace(
        outcome,
        method=outcome.method.replace("crimes per km2", unit) + " (crime / population density)",
        result=result,
        lines=(*outcome.lines, line),
        raster=RasterLayer(
            rate.values,
            rate.transform,
            surface.cell_size_m,
            unit=unit,
            description=f"Crime rate from a dual kernel density ({unit})",
        ),
    )


def add_change(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap change`` to its parser."""
    parser.add_argument(
        "--before", required=True, metavar="YYYY-MM:YYYY-MM", help="the earlier period"
    )
    parser.add_argument(
        "--after", required=True, metavar="YYYY-MM:YYYY-MM", help="the later period"
    )
    _add_grid_options(parser)
    _add_test_options(parser)
    _add_out_help(parser, "write the cells: .gpkg (EPSG:27700) or .geojson (WGS84)")


def run_change(args: argparse.Namespace) -> int:
    """
    Run ``patchmap change``; return the exit code.

    long: reads the options, runs the change test and prints each output form
    in turn; the steps share many locals.
    """
    from boundaries.select import parse_month_range, require_loaded_months
    from hotspots.classify import DEFAULT_CHANGE_ALPHA, change_by_cell, month_range
    from hotspots.ranking import by_rate_change
    from patchmap._options import refuse_months_beside_periods

    checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    refuse_months_beside_periods(args, "patchmap change")
    before = parse_month_range(args.before)
    after = parse_month_range(args.after)
    loaded = load(args)
    require_loaded_months(loaded.area, before=before, after=after)
    points, wards = _selected(loaded)
    notes: list[str] = []
    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(
        args, default_alpha=DEFAULT_CHANGE_ALPHA, what="cells with any crime in either period"
    )
    cells = change_by_cell(
        points, grid=grid, before=before, after=after, correction=correction, alpha=alpha
    )
    months_before = len(month_range(*before))
    months_after = len(month_range(*after))
    columns = ["cell_id", "x_m", "y_m", "n_before", "n_after", "ratio", "p_adjusted"]
    up = by_rate_change(cells.loc[cells["change"] == "up"], largest_rise_first=True)
    down = by_rate_change(cells.loc[cells["change"] == "down"], largest_rise_first=False)
    increases, decreases = _rows(up, columns), _rows(down, columns)
    n_b, n_a = int(cells["n_before"].sum()), int(cells["n_after"].sum())
    lines = [
        (
            f"before {before[0]}..{before[1]}: {count_text(n_b)} in "
            f"{count_text(months_before, 'month')} ({n_b / months_before:,.1f} a month); after "
            f"{after[0]}..{after[1]}: {n_a:,} in {count_text(months_after, 'month')} "
            f"({n_a / months_after:,.1f} a month)."
        ),
        (
            f"{len(up):,} cells up and {len(down):,} down significantly, of {grid.n_cells:,} "
            "(conditional binomial test of the monthly rates)."
        ),
    ]
    for label, rows in (("largest increases", increases), ("largest decreases", decreases)):
        if rows:
            lines.append(f"{label} (centre easting, northing in EPSG:27700):")
            lines += [
                f"  {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {r['n_before']:>4} before, "
                f"{r['n_after']:>4} after  (adjusted p {r['p_adjusted']:.2g})"
                for r in rows
            ]
    outcome = _Outcome(
        layer="change",
        method=(
            "Change in crimes per month between two periods per grid cell: conditional binomial "
            "test of two Poisson counts, adjusted for multiple testing"
        ),
        choices=(*choices, *test),
        result={
            "before": list(before),
            "after": list(after),
            "months_before": months_before,
            "months_after": months_after,
            "n_before": n_b,
            "n_after": n_a,
            "n_cells": grid.n_cells,
            "n_up": len(up),
            "n_down": len(down),
            "largest_increases": increases,
            "largest_decreases": decreases,
        },
        lines=tuple(lines),
        frame=cells,
    )
    in_periods = points["month"].isin(month_range(*before).union(month_range(*after)))
    return _finish(
        args,
        outcome,
        command="change",
        loaded=loaded,
        points=points.loc[in_periods.to_numpy()],  # the header counts the two periods' crimes
        wards=wards,
        period=(min(before[0], after[0]), max(before[1], after[1])),
        notes=notes,
    )


def add_emerging(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap emerging`` to its parser."""
    _add_grid_options(parser)
    _add_test_options(parser)
    _add_out_help(parser, "write the cells: .gpkg (EPSG:27700) or .geojson (WGS84)")


def run_emerging(args: argparse.Namespace) -> int:
    """
    Run ``patchmap emerging``; return the exit code.

    long: reads the options, runs the emerging hot spot analysis and prints each output form
    in turn; the steps share many locals.
    """
    from boundaries.select import data_period
    from hotspots.classify import (
        COLD_CATEGORIES,
        EMERGING_CATEGORIES,
        HOT_CATEGORIES,
        emerging_hotspots,
        month_range,
    )
    from hotspots.gistar import DEFAULT_ALPHA
    from hotspots.trend import DEFAULT_TREND_ALPHA

    checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    loaded = load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(
        args, default_alpha=DEFAULT_ALPHA, what="grid cells of each month"
    )
    period = data_period(points, loaded.selection)
    with _warnings_to(notes):
        cells = emerging_hotspots(
            points, grid=grid, months=period, correction=correction, alpha=alpha
        )
    n_months = len(month_range(*period))
    months_how = (
        _given("--months")
        if loaded.selection.months
        else "default: every calendar month from the first to the last in the data"
    )
    counts = cells["category"].value_counts()
    categories = {c: int(counts[c]) for c in EMERGING_CATEGORIES if c in counts.index}
    busiest: dict[str, object] = {}
    for category in (*HOT_CATEGORIES, *COLD_CATEGORIES):
        members = cells.loc[cells["category"] == category]
        if not members.empty:
            top = members.sort_values("n_crimes", ascending=False)
            busiest[category] = _rows(top, ["cell_id", "x_m", "y_m", "n_crimes", "pattern"])[0]
    lines = [
        (
            f"{n_months} months, {period[0]} to {period[1]}; cells by pattern "
            "(H hot, C cold, . neither, one character a month):"
        )
    ]
    for category, n in categories.items():
        example = busiest.get(category)
        where = ""
        if isinstance(example, dict):
            where = (
                f"  busiest {example['x_m']:.0f}, {example['y_m']:.0f}: "
                f"{example['n_crimes']} crimes {example['pattern']}"
            )
        lines.append(f"  {category:<26} {n:>6,}{where}")
    outcome = _Outcome(
        layer="emerging",
        method=(
            "Emerging hot spots: Gi* per calendar month, Mann-Kendall trend of each cell's z, "
            "Esri's space-time categories"
        ),
        choices=(
            *choices,
            *test,
            _Choice("months", f"{period[0]}:{period[1]}", not loaded.selection.months, months_how),
            _Choice(
                "trend_alpha",
                DEFAULT_TREND_ALPHA,
                True,  # noqa: FBT003 - not an option
                "default: two-sided level of the Mann-Kendall trend test",
            ),
        ),
        result={
            "months": list(period),
            "n_months": n_months,
            "n_cells": grid.n_cells,
            "categories": categories,
            "busiest_by_category": busiest,
        },
        lines=tuple(lines),
        frame=cells,
    )
    return _finish(
        args,
        outcome,
        command="emerging",
        loaded=loaded,
        points=points,
        wards=wards,
        period=period,
        notes=notes,
    )
