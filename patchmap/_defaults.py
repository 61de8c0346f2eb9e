"""
Defaults and choices of the command's options, as light constants.

``patchmap --help`` must not import the analysis stack, so the options cannot read these values from
the packages that own them. Each is a copy of the package constant named in its comment;
``tests/cli/test_cli_defaults.py`` checks that every copy still equals its original.
"""

from __future__ import annotations

from typing import Final

# spatial.routes
DEFAULT_WALK_KMH: Final = 4.8
DEFAULT_MAX_MINUTES: Final = 60.0
DEFAULT_STOP_MINUTES: Final = 3.0
DEFAULT_TOP_N: Final = 12
# spatial.catchments
DEFAULT_CATCHMENT_MINUTES: Final = (5.0, 10.0, 15.0)
# hotspots.backtest (DEFAULT_BACKTEST_METHODS by name)
DEFAULT_BACKTEST_METHOD_NAMES: Final = (
    "counts-all",
    "kde",
    "prospective",
    "gistar",
    "model",
    "default",
)
DEFAULT_COVERAGES_PCT: Final = (1.0, 5.0, 10.0)
# hotspots.cube
DEFAULT_CELL_SIZE_M: Final = 100.0
# hotspots.forecast
DEFAULT_COVERAGE_PCT: Final = 5.0
DEFAULT_MIN_TRAIN_MONTHS: Final = 3
# hotspots.methods
METHOD_NAMES: Final = (
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
)
# hotspots.fdr (the keys of CORRECTION_LABELS, sorted)
CORRECTIONS: Final = ("fdr_bh", "holm", "none")
# hotspots.ranking
DEFAULT_TOP_SHARE_PCT: Final = 5.0
# hotspots.clusters
DEFAULT_MIN_CRIMES: Final = 20
DEFAULT_MIN_CLUSTER_CRIMES: Final = 20
# tasking.store
ACTION_STATUSES: Final = ("proposed", "open", "in_progress", "done", "cancelled")
AREA_KINDS: Final = ("patrol_area", "eva_route", "comparison_area")
CHECKLIST_ITEMS: Final = (
    "graffiti",
    "fly_tipping",
    "litter",
    "street_lighting",
    "damage",
    "abandoned_vehicles",
    "overgrown_vegetation",
    "sightlines",
    "signage",
    "residents_spoken_to",
)
DATABASE_URL_ENV: Final = "PATCHMAP_DATABASE_URL"
EPIC_TYPES: Final = ("enforcement", "prevention", "intelligence", "communication")
PROBLEM_STATUSES: Final = ("open", "closed")
SARA_STAGES: Final = ("scanning", "analysis", "response", "assessment")
# layers.audience
AUDIENCES: Final = ("police", "partner", "public")
PARTNER_SNAP_M: Final = 100.0
LAYER_KINDS: Final = (
    "crimes",
    "hotspots",
    "hot_areas",
    "density",
    "clusters",
    "routes",
    "sites",
    "wards",
    "streets",
)
# tasking.products
DEFAULT_EXPORT_LAYERS: Final = ("hotspots", "density", "clusters", "sites")
# layers.writers
EXPORT_FORMATS: Final = ("gpkg", "geojson", "csv", "kml", "gpx", "shp", "tif")
# hotspots.streets, hotspots.nkde, spatial.lixels
STREET_METHODS: Final = ("nkde-discontinuous", "nkde-simple", "counts", "gistar", "nkde-continuous")
DEFAULT_TOP_N_STREETS: Final = 10
DEFAULT_NKDE_BANDWIDTH_M: Final = 150.0
DEFAULT_LIXEL_M: Final = 50.0
DEFAULT_LIXEL_SNAP_M: Final = 50.0
