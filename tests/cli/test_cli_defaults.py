"""The command's light copies of option defaults equal the package constants they copy."""

from __future__ import annotations

import pytest

from patchmap import _defaults
from patchmap.cli import build_parser


def _package_values() -> dict[str, object]:
    from hotspots import (  # noqa: PLC0415
        backtest,
        clusters,
        cube,
        fdr,
        forecast,
        methods,
        nkde,
        ranking,
        streets,
    )
    from layers import audience, writers  # noqa: PLC0415
    from spatial import catchments, lixels, routes  # noqa: PLC0415
    from tasking import products, store  # noqa: PLC0415

    return {
        "DEFAULT_WALK_KMH": routes.DEFAULT_WALK_KMH,
        "DEFAULT_MAX_MINUTES": routes.DEFAULT_MAX_MINUTES,
        "DEFAULT_STOP_MINUTES": routes.DEFAULT_STOP_MINUTES,
        "DEFAULT_TOP_N": routes.DEFAULT_TOP_N,
        "DEFAULT_CATCHMENT_MINUTES": catchments.DEFAULT_CATCHMENT_MINUTES,
        "DEFAULT_BACKTEST_METHOD_NAMES": tuple(m.name for m in backtest.DEFAULT_BACKTEST_METHODS),
        "DEFAULT_COVERAGES_PCT": backtest.DEFAULT_COVERAGES_PCT,
        "DEFAULT_CELL_SIZE_M": cube.DEFAULT_CELL_SIZE_M,
        "DEFAULT_COVERAGE_PCT": forecast.DEFAULT_COVERAGE_PCT,
        "DEFAULT_MIN_TRAIN_MONTHS": forecast.DEFAULT_MIN_TRAIN_MONTHS,
        "METHOD_NAMES": methods.METHOD_NAMES,
        "CORRECTIONS": tuple(sorted(fdr.CORRECTION_LABELS)),
        "DEFAULT_TOP_SHARE_PCT": ranking.DEFAULT_TOP_SHARE_PCT,
        "DEFAULT_MIN_CRIMES": clusters.DEFAULT_MIN_CRIMES,
        "DEFAULT_MIN_CLUSTER_CRIMES": clusters.DEFAULT_MIN_CLUSTER_CRIMES,
        "ACTION_STATUSES": store.ACTION_STATUSES,
        "AREA_KINDS": store.AREA_KINDS,
        "CHECKLIST_ITEMS": store.CHECKLIST_ITEMS,
        "DATABASE_URL_ENV": store.DATABASE_URL_ENV,
        "EPIC_TYPES": store.EPIC_TYPES,
        "PROBLEM_STATUSES": store.PROBLEM_STATUSES,
        "SARA_STAGES": store.SARA_STAGES,
        "AUDIENCES": audience.AUDIENCES,
        "PARTNER_SNAP_M": audience.PARTNER_SNAP_M,
        "LAYER_KINDS": audience.LAYER_KINDS,
        "EXPORT_FORMATS": writers.EXPORT_FORMATS,
        "DEFAULT_EXPORT_LAYERS": products.DEFAULT_EXPORT_LAYERS,
        "STREET_METHODS": streets.STREET_METHODS,
        "DEFAULT_TOP_N_STREETS": streets.DEFAULT_TOP_N_STREETS,
        "DEFAULT_NKDE_BANDWIDTH_M": nkde.DEFAULT_NKDE_BANDWIDTH_M,
        "DEFAULT_LIXEL_M": lixels.DEFAULT_LIXEL_M,
        "DEFAULT_LIXEL_SNAP_M": lixels.DEFAULT_LIXEL_SNAP_M,
    }


def test_every_light_default_equals_its_package_constant() -> None:
    package = _package_values()
    copied = {name: getattr(_defaults, name) for name in dir(_defaults) if name.isupper()}
    assert set(copied) == set(package)  # every copy is checked, and nothing else is copied
    for name, value in package.items():
        assert copied[name] == value, name


@pytest.mark.parametrize(
    ("argv", "dest", "expected"),
    [
        (["route"], "walk_kmh", "DEFAULT_WALK_KMH"),
        (["route"], "max_minutes", "DEFAULT_MAX_MINUTES"),
        (["route"], "stop_minutes", "DEFAULT_STOP_MINUTES"),
        (["route"], "top_n", "DEFAULT_TOP_N"),
        (["catchment"], "minutes", "DEFAULT_CATCHMENT_MINUTES"),
        (["backtest"], "coverage_pct", "DEFAULT_COVERAGES_PCT"),
        (["backtest"], "cell_size_m", "DEFAULT_CELL_SIZE_M"),
        (["backtest"], "min_train_months", "DEFAULT_MIN_TRAIN_MONTHS"),
        (["backtest"], "bandwidth_m", "DEFAULT_NKDE_BANDWIDTH_M"),
        (["backtest"], "lixel_m", "DEFAULT_LIXEL_M"),
        (["backtest"], "max_snap_m", "DEFAULT_LIXEL_SNAP_M"),
        (["forecast"], "coverage_pct", "DEFAULT_COVERAGE_PCT"),
        (["streets"], "bandwidth_m", "DEFAULT_NKDE_BANDWIDTH_M"),
        (["streets"], "lixel_m", "DEFAULT_LIXEL_M"),
        (["streets"], "max_snap_m", "DEFAULT_LIXEL_SNAP_M"),
        (["streets"], "top", "DEFAULT_TOP_N_STREETS"),
        (["streets"], "max_minutes", "DEFAULT_MAX_MINUTES"),
    ],
)
def test_cli_defaults_are_the_package_defaults(argv: list[str], dest: str, expected: str) -> None:
    args = build_parser().parse_args([*argv, "--demo"])
    assert getattr(args, dest) == _package_values()[expected]


def test_backtest_methods_default_names_the_package_methods() -> None:
    args = build_parser().parse_args(["backtest", "--demo"])
    assert tuple(args.methods.split(",")) == _package_values()["DEFAULT_BACKTEST_METHOD_NAMES"]


def _help_of(command: str, dest: str) -> str:
    """Return the ``--help`` text of one option of one subcommand."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001 - argparse's own table
    choices = sub.choices
    assert isinstance(choices, dict)
    action = next(a for a in choices[command]._actions if a.dest == dest)  # noqa: SLF001
    assert action.help is not None
    return str(action.help % {**vars(action), "default": action.default})


@pytest.mark.parametrize(
    ("command", "dest", "shown"),
    [
        ("backtest", "step_days", "(default: 7)"),
        ("backtest", "methods", "(default: counts-all,kde,prospective,gistar,model,default)"),
        ("backtest", "coverage_pct", "(default: 1,5,10)"),
        ("backtest", "bandwidth_m", "(default: 150)"),
        ("streets", "bandwidth_m", "(default: 150)"),
        ("streets", "lixel_m", "(default: 50)"),
        ("streets", "max_snap_m", "(default: 50)"),
    ],
)
def test_help_shows_the_defaults(command: str, dest: str, shown: str) -> None:
    assert _help_of(command, dest).endswith(shown)


def test_streets_help_describes_every_method() -> None:
    text = _help_of("streets", "method")
    for method in _defaults.STREET_METHODS:
        assert f"{method} (" in text or f"{method}: " in text, method
