"""
Fenbridge: the seeded synthetic town that ships with patchmap as its embedded demo area.

Everything is generated from ``np.random.default_rng(seed)``; nothing is downloaded, so a fresh
install runs with no data. :func:`build_demo` returns the town in memory; :func:`write_demo` writes
it in the formats real users bring (data.police.uk monthly street-level CSVs in the archive's
folder-of-months layout, ONS-style ward and LSOA GeoJSON in WGS84, a Census 2021 population CSV,
an OSMnx GraphML street network) so the readers are exercised end to end.

The town
--------
Fenbridge lies around the British National Grid point (454000, 269500), about 3.9 km x 2.9 km
inside the box x 452000-456000, y 268000-271000. Seven wards tile the town outline without gaps or
overlaps (each ward is a union of small Voronoi cells grown from a fixed seed point, so the
boundaries are irregular but the wards are always in the same place); they form three
neighbourhoods. Each ward holds 3 or 4 LSOA-like areas ("Fenbridge 001A") of 1,200-2,000 residents.

=========  ==========  =============================  ============================
code       ward        neighbourhood                  character
=========  ==========  =============================  ============================
E05900001  Castle      Fenbridge Central              town centre, night-time economy
E05900002  Riverside   Fenbridge Central              police station
E05900003  Northfield  Fenbridge North and East       emerging ASB (last 4 months)
E05900004  Meadowbank  Fenbridge North and East       quiet, leafy
E05900005  Eastgate    Fenbridge North and East       fire station
E05900006  Southmoor   Fenbridge South and West       housing office
E05900007  Westbury    Fenbridge South and West       burglary series
=========  ==========  =============================  ============================

The street network is a warped, gappy grid (about 75 m blocks) with six radial main roads meeting
at the Market Place, a ring road and footpaths, every street named; 1,500-3,000 nodes, one
connected component, each street stored in both directions as OSMnx does.

Crimes cover the 12 months :data:`DEMO_MONTHS` (2024-10 .. 2025-09), about 650-900 rows a month,
on police.uk-style "snap points" (street-segment midpoints and a few named places such as
"On or near Supermarket"); crime types follow the data.police.uk mix (violence about 30 %, ASB
about 17 %, ...). Background crime is weighted by LSOA population, main roads and the town centre.
Exactly :data:`N_WITHOUT_LOCATION_PER_MONTH` (5) rows a month have no coordinates and no LSOA
("No Location"), as in the real files.

Planted patterns (the single source of truth is :data:`PLANTED_PATTERNS`)
-------------------------------------------------------------------------
==================  ==========  ===============  ======  ====================================
pattern             ward        centre x, y (m)  radius  what is planted
==================  ==========  ===============  ======  ====================================
nte_violence        Castle      453850, 269500   150 m   ~44 violence + ~16 public order a
                                                         month, all 12 months (Nightclub)
emerging_asb        Northfield  454100, 270450   120 m   ~32 ASB a month in 2025-06..2025-09;
                                                         no ASB there before
burglary_series     Westbury    452700, 269050   100 m   ~14 burglaries a month in
                                                         2025-01..2025-03 only
quiet_ward          Meadowbank  455250, 270150   whole   background x 0.35: lowest crime
police_station      Riverside   453000, 269950   point   ~24 crimes a month recorded "On or
                                                         near Police Station" (artefact)
==================  ==========  ===============  ======  ====================================
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from spatial.crime_types import (
    ASB,
    BICYCLE_THEFT,
    BURGLARY,
    CRIMINAL_DAMAGE_AND_ARSON,
    DRUGS,
    OTHER_CRIME,
    OTHER_THEFT,
    POSSESSION_OF_WEAPONS,
    PUBLIC_ORDER,
    ROBBERY,
    SHOPLIFTING,
    THEFT_FROM_THE_PERSON,
    VEHICLE_CRIME,
    VIOLENCE_AND_SEXUAL_OFFENCES,
)
from spatial.crs import BNG, WGS84
from spatial.incidents import Incidents, Midnight, read_incidents
from spatial.io import POLICE_UK_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import numpy.typing as npt

__all__ = [
    "CRIME_CSV_COLUMNS",
    "DEMO_EXTRACT_COLUMNS",
    "DEMO_FORCE",
    "DEMO_MONTHS",
    "DEMO_SEED",
    "EXTRACT_SEED_OFFSET",
    "MIDNIGHT_SHARE",
    "NEAR_REPEAT_CHAIN",
    "NTE_DAYS",
    "NTE_END_HOUR",
    "NTE_SHARE",
    "NTE_START_HOUR",
    "N_EXTRACT_BAD_WINDOWS",
    "N_EXTRACT_DUPLICATES",
    "N_EXTRACT_WITHOUT_TIME",
    "N_WITHOUT_LOCATION_PER_MONTH",
    "PLANTED_PATTERNS",
    "POPULATION_COLUMNS",
    "SHOPLIFTING_HOURS",
    "TOWN_CENTRE_X_M",
    "TOWN_CENTRE_Y_M",
    "TOWN_NAME",
    "DemoArea",
    "DemoFiles",
    "NearRepeatChain",
    "PlantedPattern",
    "build_demo",
    "demo_extract_csv",
    "demo_incidents",
    "write_demo",
    "write_demo_extract",
]

DEMO_SEED: Final[int] = 27_700
"""The seed of the shipped demo area."""
TOWN_NAME: Final = "Fenbridge"
"""The fictitious town's name (also the LSOA name prefix)."""
DEMO_FORCE: Final = "Demo Constabulary"
"""The fictitious force in ``Reported by`` and ``Falls within``."""
TOWN_CENTRE_X_M: Final = 454_000.0
"""Easting of the Market Place, where the radial roads meet (EPSG:27700, metres)."""
TOWN_CENTRE_Y_M: Final = 269_500.0
"""Northing of the Market Place (EPSG:27700, metres)."""
DEMO_MONTHS: Final[tuple[str, ...]] = (
    "2024-10",
    "2024-11",
    "2024-12",
    "2025-01",
    "2025-02",
    "2025-03",
    "2025-04",
    "2025-05",
    "2025-06",
    "2025-07",
    "2025-08",
    "2025-09",
)
"""The 12 consecutive calendar months of crime data."""
N_WITHOUT_LOCATION_PER_MONTH: Final = 5
"""Rows per month with empty Longitude, Latitude and LSOA ("No Location"), as in real files."""
CRIME_CSV_COLUMNS: Final[tuple[str, ...]] = POLICE_UK_COLUMNS
"""The header of a data.police.uk street-level CSV, in order."""
POPULATION_COLUMNS: Final[tuple[str, ...]] = (
    "lsoa21_code",
    "lsoa21_name",
    "Aged 15 years and under",
    "Aged 16 to 24 years",
    "Aged 25 to 34 years",
    "Aged 35 to 49 years",
    "Aged 50 to 64 years",
    "Aged 65 years and over",
    "total_usual_residents",
)
"""The columns of the Census 2021 usual-residents-by-LSOA CSV (six age bands and the total)."""

# Background share of each crime type (data.police.uk mix, Cambridgeshire 2024-25).
_TYPE_SHARES: Final[tuple[tuple[str, float], ...]] = (
    (VIOLENCE_AND_SEXUAL_OFFENCES, 0.300),
    (ASB, 0.170),
    (SHOPLIFTING, 0.090),
    (CRIMINAL_DAMAGE_AND_ARSON, 0.080),
    (OTHER_THEFT, 0.063),
    (PUBLIC_ORDER, 0.055),
    (VEHICLE_CRIME, 0.047),
    (BURGLARY, 0.036),
    (OTHER_CRIME, 0.029),
    (DRUGS, 0.025),
    (BICYCLE_THEFT, 0.021),
    (POSSESSION_OF_WEAPONS, 0.014),
    (THEFT_FROM_THE_PERSON, 0.009),
    (ROBBERY, 0.007),
)
_BACKGROUND_PER_MONTH: Final = 640.0

# Outcome mixes per crime type, rounded from the Cambridge city counts.
_NO_SUSPECT: Final = "Investigation complete; no suspect identified"
_UNABLE: Final = "Unable to prosecute suspect"
_AWAITING: Final = "Awaiting court outcome"
_UNDER: Final = "Under investigation"
_COURT_NA: Final = "Court result unavailable"
_LOCAL: Final = "Local resolution"
_STATUS_NA: Final = "Status update unavailable"
_CAUTION: Final = "Offender given a caution"
_OTHER_ORG: Final = "Action to be taken by another organisation"
_OUTCOMES: Final[Mapping[str, tuple[tuple[str, float], ...]]] = MappingProxyType(
    {
        VIOLENCE_AND_SEXUAL_OFFENCES: (
            (_UNABLE, 0.57),
            (_NO_SUSPECT, 0.20),
            (_UNDER, 0.08),
            (_AWAITING, 0.04),
            (_STATUS_NA, 0.03),
            (_LOCAL, 0.03),
            (_COURT_NA, 0.02),
            (_CAUTION, 0.02),
            (_OTHER_ORG, 0.01),
        ),
        SHOPLIFTING: (
            (_NO_SUSPECT, 0.63),
            (_AWAITING, 0.13),
            (_UNABLE, 0.10),
            (_COURT_NA, 0.09),
            (_LOCAL, 0.03),
            (_UNDER, 0.02),
        ),
        PUBLIC_ORDER: (
            (_UNABLE, 0.38),
            (_NO_SUSPECT, 0.31),
            (_AWAITING, 0.11),
            (_UNDER, 0.07),
            (_COURT_NA, 0.07),
            (_STATUS_NA, 0.03),
            (_LOCAL, 0.03),
        ),
        DRUGS: (
            (_NO_SUSPECT, 0.20),
            (_LOCAL, 0.18),
            (_UNABLE, 0.15),
            (_AWAITING, 0.14),
            (_UNDER, 0.11),
            (_STATUS_NA, 0.08),
            (_COURT_NA, 0.07),
            (_CAUTION, 0.07),
        ),
    }
)
_DEFAULT_OUTCOMES: Final[tuple[tuple[str, float], ...]] = (
    (_NO_SUSPECT, 0.66),
    (_UNABLE, 0.17),
    (_UNDER, 0.05),
    (_AWAITING, 0.04),
    (_COURT_NA, 0.04),
    (_STATUS_NA, 0.02),
    (_LOCAL, 0.02),
)


@dataclass(frozen=True)
class PlantedPattern:
    """
    A pattern planted in the demo crimes, for tests and walkthroughs to find again.

    Attributes
    ----------
    name
        Short identifier (the key in :data:`PLANTED_PATTERNS`).
    description
        What is planted, in words.
    ward
        Name of the ward the pattern lies in.
    centre_x_m, centre_y_m
        Centre in EPSG:27700 metres.
    radius_m
        Radius holding the planted crimes; 0 for a single point (the artefact) or a whole ward.
    crime_types
        data.police.uk crime types planted.
    months
        Months ("YYYY-MM") in which crimes are planted.
    mean_per_month
        Mean number of crimes added per planted month, on top of the background (binomial
        with half the Poisson variance, so every planted month is clearly visible).
    background_factor
        Multiplier applied to the background of these types inside the radius (or ward).
    """

    name: str
    description: str
    ward: str
    centre_x_m: float
    centre_y_m: float
    radius_m: float
    crime_types: tuple[str, ...]
    months: tuple[str, ...]
    mean_per_month: float
    background_factor: float = 1.0


_ALL_TYPES: Final = tuple(name for name, _ in _TYPE_SHARES)
_ARTEFACT_TYPES: Final[tuple[tuple[str, float], ...]] = (
    (VIOLENCE_AND_SEXUAL_OFFENCES, 0.35),
    (OTHER_THEFT, 0.20),
    (OTHER_CRIME, 0.15),
    (PUBLIC_ORDER, 0.10),
    (CRIMINAL_DAMAGE_AND_ARSON, 0.10),
    (THEFT_FROM_THE_PERSON, 0.10),
)

PLANTED_PATTERNS: Final[Mapping[str, PlantedPattern]] = MappingProxyType(
    {
        "nte_violence": PlantedPattern(
            name="nte_violence",
            description=(
                "Night-time-economy hotspot on the High Street west of the Market Place: about "
                "44 violence and 16 public order offences a month, every month."
            ),
            ward="Castle",
            centre_x_m=453_850.0,
            centre_y_m=269_500.0,
            radius_m=150.0,
            crime_types=(VIOLENCE_AND_SEXUAL_OFFENCES, PUBLIC_ORDER),
            months=DEMO_MONTHS,
            mean_per_month=60.0,
        ),
        "emerging_asb": PlantedPattern(
            name="emerging_asb",
            description=(
                "ASB hotspot that emerges in the last 4 months (about 32 a month); "
                "no ASB is recorded inside the radius before."
            ),
            ward="Northfield",
            centre_x_m=454_100.0,
            centre_y_m=270_450.0,
            radius_m=120.0,
            crime_types=(ASB,),
            months=DEMO_MONTHS[8:],
            mean_per_month=32.0,
            background_factor=0.0,
        ),
        "burglary_series": PlantedPattern(
            name="burglary_series",
            description="Residential burglary series: about 14 a month for 3 consecutive months.",
            ward="Westbury",
            centre_x_m=452_700.0,
            centre_y_m=269_050.0,
            radius_m=100.0,
            crime_types=(BURGLARY,),
            months=DEMO_MONTHS[3:6],
            mean_per_month=14.0,
        ),
        "quiet_ward": PlantedPattern(
            name="quiet_ward",
            description="Quiet ward: every background crime type at 0.35 times the usual rate.",
            ward="Meadowbank",
            centre_x_m=455_250.0,
            centre_y_m=270_150.0,
            radius_m=0.0,
            crime_types=_ALL_TYPES,
            months=DEMO_MONTHS,
            mean_per_month=0.0,
            background_factor=0.35,
        ),
        "police_station": PlantedPattern(
            name="police_station",
            description=(
                "Recording artefact: about 24 crimes a month (reported at the front counter) "
                'snapped to "On or near Police Station" at the police station.'
            ),
            ward="Riverside",
            centre_x_m=453_000.0,
            centre_y_m=269_950.0,
            radius_m=0.0,
            crime_types=tuple(name for name, _ in _ARTEFACT_TYPES),
            months=DEMO_MONTHS,
            mean_per_month=24.0,
        ),
    }
)
"""The planted patterns by name; see the module docstring for the table."""


@dataclass(frozen=True)
class _WardSpec:
    code: str
    name: str
    neighbourhood: str
    seed_dx_m: float
    seed_dy_m: float
    offset_m: float = 0.0


_CENTRAL: Final = "Fenbridge Central"
_NORTH_EAST: Final = "Fenbridge North and East"
_SOUTH_WEST: Final = "Fenbridge South and West"
_WARDS: Final[tuple[_WardSpec, ...]] = (
    _WardSpec("E05900001", "Castle", _CENTRAL, 0.0, 0.0, 200.0),
    _WardSpec("E05900002", "Riverside", _CENTRAL, -1250.0, 600.0),
    _WardSpec("E05900003", "Northfield", _NORTH_EAST, 100.0, 950.0),
    _WardSpec("E05900004", "Meadowbank", _NORTH_EAST, 1250.0, 650.0),
    _WardSpec("E05900005", "Eastgate", _NORTH_EAST, 1300.0, -450.0),
    _WardSpec("E05900006", "Southmoor", _SOUTH_WEST, 100.0, -950.0),
    _WardSpec("E05900007", "Westbury", _SOUTH_WEST, -1300.0, -450.0),
)


@dataclass(frozen=True)
class _SiteSpec:
    name: str
    kind: str
    public_facing: bool
    opening_notes: str
    dx_m: float
    dy_m: float


_SITES: Final[tuple[_SiteSpec, ...]] = (
    _SiteSpec(
        name="Fenbridge Police Station",
        kind="police",
        public_facing=True,
        opening_notes="Front counter Mon-Sat 08:00-20:00",
        dx_m=-1000.0,
        dy_m=450.0,
    ),
    _SiteSpec(
        name="Fenbridge Town Hall",
        kind="council",
        public_facing=False,
        opening_notes="Offices; no public counter",
        dx_m=70.0,
        dy_m=45.0,
    ),
    _SiteSpec(
        name="Fenbridge Customer Service Centre",
        kind="one-stop shop",
        public_facing=True,
        opening_notes="Mon-Fri 09:00-17:00; council, housing and benefits advice",
        dx_m=-60.0,
        dy_m=-90.0,
    ),
    _SiteSpec(
        name="Fenbridge Fire Station",
        kind="fire",
        public_facing=False,
        opening_notes="Crewed 24/7; community room by booking",
        dx_m=1000.0,
        dy_m=-300.0,
    ),
    _SiteSpec(
        name="Northfield Housing Office",
        kind="housing",
        public_facing=True,
        opening_notes="Tue and Thu 10:00-16:00",
        dx_m=-120.0,
        dy_m=780.0,
    ),
    _SiteSpec(
        name="Southmoor Neighbourhood Hub",
        kind="housing",
        public_facing=True,
        opening_notes="Mon, Wed, Fri 09:30-15:30",
        dx_m=250.0,
        dy_m=-820.0,
    ),
)
"""Co-location sites; the police station is the artefact snap point of ``police_station``."""

# Street names: prefixes x suffixes, drawn without replacement.
_PREFIXES: Final[tuple[str, ...]] = (
    "Abbot", "Acacia", "Albert", "Alder", "Ash", "Aspen", "Badger", "Barley", "Beech", "Bell",
    "Birch", "Blackthorn", "Bluebell", "Bramble", "Brook", "Byron", "Canal", "Carter", "Cedar",
    "Chapel", "Cherry", "Chestnut", "Church", "Clover", "Cooper", "Coronation", "Cowslip",
    "Cromwell",
    "Dairy", "Daisy", "Dove", "Elder", "Elm", "Fen", "Ferry", "Fletcher", "Forge", "Foundry", "Fox",
    "Furlong", "Gladstone", "Glebe", "Granary", "Grange", "Hawthorn", "Hazel", "Heron", "Holly",
    "Hop", "Ivy", "Jubilee", "Juniper", "Kestrel", "Kingfisher", "Lark", "Laurel", "Lime", "Linden",
    "Lode", "Malting", "Manor", "Maple", "Marsh", "Mason", "Meadow", "Milton", "Mulberry", "Nelson",
    "Oak", "Orchard", "Osier", "Otter", "Paddock", "Park", "Pear", "Plover", "Poplar", "Primrose",
    "Quarry", "Rectory", "Reed", "Rowan", "Rushes", "School", "Sedge", "Shelley", "Sorrel",
    "Spinney", "Swan", "Sycamore", "Tannery", "Teasel", "Tennyson", "Thatcher", "Vicarage",
    "Victoria", "Walnut", "Warren", "Water", "Wellington", "Wharf", "Willow", "Windmill",
    "Wordsworth", "Wren", "Yew",
)  # fmt: skip
_RESIDENTIAL_SUFFIXES: Final = (
    "Street", "Lane", "Close", "Avenue", "Crescent", "Drive", "Grove", "Gardens", "Place",
    "Terrace", "Rise", "Court", "Mews",
)  # fmt: skip
_FOOTWAY_SUFFIXES: Final = ("Walk", "Path", "Passage", "Alley", "Footpath")
_RADIALS: Final[tuple[tuple[float, str, str, str, str], ...]] = (
    # angle (degrees anticlockwise from east), inner name, inner highway, outer name, outer highway
    (180.0, "High Street", "primary", "Westbury Road", "primary"),
    (0.0, "Bridge Street", "primary", "Eastgate Road", "primary"),
    (72.0, "Northgate Street", "secondary", "Northfield Road", "secondary"),
    (128.0, "Mill Street", "secondary", "Riverside Road", "secondary"),
    (245.0, "Sheep Street", "secondary", "Station Road", "secondary"),
    (300.0, "Market Street", "primary", "London Road", "primary"),
)
_RING_NAMES: Final = (
    "Castle Way", "Priory Way", "Abbey Road", "Kings Way", "Queensway", "Friars Road",
)  # fmt: skip
_HIGHWAY_PRIORITY: Final[Mapping[str, int]] = MappingProxyType(
    {"primary": 0, "secondary": 1, "tertiary": 2, "residential": 3, "footway": 4}
)
_ROAD_WEIGHT: Final[Mapping[str, float]] = MappingProxyType(
    {"primary": 2.5, "secondary": 2.0, "tertiary": 1.4, "residential": 1.0, "footway": 0.6}
)
_POI_PLACES: Final[tuple[tuple[str, str], ...]] = (
    # (place name, ward it is put in)
    ("Supermarket", "Castle"),
    ("Shopping Area", "Castle"),
    ("Parking Area", "Castle"),
    ("Supermarket", "Eastgate"),
    ("Supermarket", "Westbury"),
    ("Parking Area", "Southmoor"),
    ("Petrol Station", "Riverside"),
    ("Sports/Recreation Area", "Northfield"),
    ("Further/Higher Educational Building", "Southmoor"),
)
_SHOP_PLACES: Final = ("Supermarket", "Shopping Area")
_GRID_SPACING_M: Final = 75.0
_RING_RADIUS_M: Final = 560.0
_N_CELLS: Final = 380
_CELL_MIN_SPACING_M: Final = 110.0
_SNAP_PROBABILITY: Final = 0.35
_GAP_PROBABILITY: Final = 0.13
_GAP_FOOTWAY_PROBABILITY: Final = 0.35
_DIAGONAL_PROBABILITY: Final = 0.04
_STRAIGHT_INNER_M: Final = 350.0
_STILL_OPEN_SHARE: Final = 0.3
_SNAP_MARGIN_M: Final = 3.0
_HALF_WIDTH_M: Final = 1950.0
_HALF_HEIGHT_M: Final = 1450.0


@dataclass(frozen=True)
class DemoArea:
    """
    The Fenbridge demo area in memory.

    Attributes
    ----------
    wards
        EPSG:27700; ``ward_code``, ``ward_name``, ``geometry`` (7 Polygons tiling the town).
    neighbourhoods
        ``ward`` (ward name), ``neighbourhood``.
    crimes_csv
        Month ("YYYY-MM") to the text of that month's data.police.uk street-level CSV.
    network
        OSMnx-style street graph in EPSG:27700.
    sites
        EPSG:27700; ``name``, ``kind`` (one of :data:`spatial.sites.SITE_KINDS`), ``public_facing``,
        ``opening_notes``, ``address``, ``geometry``.
    lsoas
        EPSG:27700; ``lsoa_code``, ``lsoa_name``, ``geometry`` (nested in the wards).
    population
        Usual residents per LSOA, in the columns of :data:`POPULATION_COLUMNS`.
    months
        The months of :attr:`crimes_csv`, in order.
    """

    wards: gpd.GeoDataFrame
    neighbourhoods: pd.DataFrame
    crimes_csv: Mapping[str, str]
    network: nx.MultiDiGraph
    sites: gpd.GeoDataFrame
    lsoas: gpd.GeoDataFrame
    population: pd.DataFrame
    months: tuple[str, ...]


@dataclass(frozen=True)
class DemoFiles:
    """
    Paths of the files :func:`write_demo` wrote.

    Attributes
    ----------
    directory
        The folder everything was written into.
    crimes_dir
        ``crimes/``, one ``YYYY-MM`` folder per month as in the data.police.uk archive.
    crime_files
        ``crimes/YYYY-MM/YYYY-MM-demo-street.csv``, in month order.
    wards
        ``wards.geojson`` (WGS84, properties ``WD24CD``, ``WD24NM``, ``LAD24CD``, ``LAD24NM``).
    neighbourhoods
        ``neighbourhoods.csv`` (``ward,neighbourhood``).
    sites
        ``sites.csv`` (``name,kind,public_facing,opening_notes,address,lon,lat``).
    lsoas
        ``lsoa_2021.geojson`` (WGS84, properties ``LSOA21CD``, ``LSOA21NM``).
    population
        ``population.csv`` (Census 2021 usual residents format).
    network
        ``network.graphml`` (``osmnx.save_graphml``; EPSG:27700).
    """

    directory: Path
    crimes_dir: Path
    crime_files: tuple[Path, ...]
    wards: Path
    neighbourhoods: Path
    sites: Path
    lsoas: Path
    population: Path
    network: Path
    all_files: tuple[Path, ...] = field(init=False)

    def __post_init__(self) -> None:
        """Collect every written file, crime files first."""
        rest = (
            self.wards,
            self.neighbourhoods,
            self.sites,
            self.lsoas,
            self.population,
            self.network,
        )
        object.__setattr__(self, "all_files", (*self.crime_files, *rest))


# --------------------------------------------------------------------------- geography


def _centre() -> npt.NDArray[np.float64]:
    return np.array([TOWN_CENTRE_X_M, TOWN_CENTRE_Y_M])


def _town_outline(rng: np.random.Generator) -> Polygon:
    """Return a perturbed ellipse around the town centre, vertices on a 1 m grid."""
    theta = np.linspace(0.0, 2.0 * np.pi, 120, endpoint=False)
    radius = (_HALF_WIDTH_M * _HALF_HEIGHT_M) / np.hypot(
        _HALF_HEIGHT_M * np.cos(theta), _HALF_WIDTH_M * np.sin(theta)
    )
    wobble = np.zeros_like(theta)
    for k in range(2, 6):
        wobble += rng.uniform(0.012, 0.022) * np.sin(k * theta + rng.uniform(0.0, 2.0 * np.pi))
    radius = radius * (1.0 + wobble)
    xy = _centre() + np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
    return shapely.set_precision(Polygon(xy), 1.0)


def _fixed_generators() -> npt.NDArray[np.float64]:
    """Return points that must each be the generator of a cell (ward seeds, pattern centres)."""
    points = [_centre() + np.array([spec.seed_dx_m, spec.seed_dy_m]) for spec in _WARDS]
    seeds = {tuple(p) for p in points}
    for pattern in PLANTED_PATTERNS.values():
        centre = (pattern.centre_x_m, pattern.centre_y_m)
        if centre not in seeds:
            points.append(np.array(centre))
            seeds.add(centre)
    return np.array(points)


def _cell_generators(rng: np.random.Generator, outline: Polygon) -> npt.NDArray[np.float64]:
    """Blue-noise points in the outline, after the fixed generators."""
    accepted = list(_fixed_generators())
    min_x, min_y, max_x, max_y = outline.bounds
    candidates = rng.uniform((min_x, min_y), (max_x, max_y), size=(20 * _N_CELLS, 2))
    inside = shapely.contains_xy(outline.buffer(-40.0), candidates[:, 0], candidates[:, 1])
    points = np.array(accepted)
    for candidate in candidates[inside]:
        if len(points) >= _N_CELLS:
            break
        if np.min(np.hypot(*(points - candidate).T)) >= _CELL_MIN_SPACING_M:
            points = np.vstack([points, candidate])
    return points


def _cells(generators: npt.NDArray[np.float64], outline: Polygon) -> list[Polygon]:
    """
    Voronoi cells of the generators clipped to the outline, on a 1 m grid.

    Cell i belongs to generator i (the part holding it, where a concave stretch of the outline
    cuts a cell in two); any further parts are appended after the last generator's cell.
    """
    voronoi = shapely.voronoi_polygons(
        MultiPoint(generators), extend_to=outline.buffer(1000.0), ordered=True
    )
    cells: list[Polygon] = []
    extra: list[Polygon] = []
    for generator, region in zip(generators, shapely.get_parts(voronoi), strict=True):
        clipped = shapely.intersection(region, outline, grid_size=1.0)
        parts = [part for part in shapely.get_parts(clipped) if isinstance(part, Polygon)]
        home = Point(generator)
        parts.sort(key=lambda part: (not part.covers(home), -part.area))
        cells.append(parts[0])
        extra.extend(parts[1:])
    return cells + extra


def _adjacency(cells: Sequence[Polygon]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return index pairs (i < j) of cells sharing a boundary of positive length."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(np.asarray(cells, dtype=object))
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    touching = shared > 1.0
    return left[touching], right[touching]


def _grow_regions(
    centroids: npt.NDArray[np.float64],
    edges: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
    sources: Sequence[int],
    offsets_m: Sequence[float],
    noise: npt.NDArray[np.float64],
) -> npt.NDArray[np.intp]:
    """Label cells by the source with the least offset + noisy path length (connected regions)."""
    left, right = edges
    weight = np.hypot(*(centroids[left] - centroids[right]).T) * noise
    n = len(centroids)
    matrix = coo_array((weight, (left, right)), shape=(n, n)).tocsr()
    dist = dijkstra(matrix, directed=False, indices=list(sources))
    dist = dist + np.asarray(offsets_m, dtype=np.float64)[:, None]
    labels: npt.NDArray[np.intp] = np.where(
        np.isfinite(dist.min(axis=0)), np.argmin(dist, axis=0), -1
    )
    return labels


def _farthest_points(
    centroids: npt.NDArray[np.float64], members: npt.NDArray[np.intp], k: int
) -> list[int]:
    """Pick k members spread out by farthest-point sampling, starting far from their mean."""
    pts = centroids[members]
    chosen = [int(np.argmax(np.hypot(*(pts - pts.mean(axis=0)).T)))]
    dist = np.hypot(*(pts - pts[chosen[0]]).T)
    while len(chosen) < k:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(pts - pts[nxt]).T))
    return [int(members[i]) for i in chosen]


@dataclass(frozen=True)
class _Areas:
    outline: Polygon
    wards: gpd.GeoDataFrame
    lsoas: gpd.GeoDataFrame
    lsoa_ward: npt.NDArray[np.intp]


def _build_areas(rng: np.random.Generator) -> _Areas:
    """Build the outline, the 7 wards and the LSOAs nested in them."""
    outline = _town_outline(rng)
    generators = _cell_generators(rng, outline)
    cells = _cells(generators, outline)
    centroids = shapely.get_coordinates(shapely.centroid(np.asarray(cells, dtype=object)))
    edges = _adjacency(cells)
    noise = rng.uniform(0.8, 1.25, size=len(edges[0]))
    ward_of_cell = _grow_regions(
        centroids,
        edges,
        list(range(len(_WARDS))),
        [spec.offset_m for spec in _WARDS],
        noise,
    )
    if (ward_of_cell < 0).any():  # pragma: no cover - cells tile one polygon
        msg = "a demo cell touches no other cell"
        raise RuntimeError(msg)
    lsoa_of_cell = np.full(len(cells), -1, dtype=np.intp)
    lsoa_ward: list[int] = []
    for ward_index in range(len(_WARDS)):
        members = np.flatnonzero(ward_of_cell == ward_index)
        k = 3 if len(members) < 44 else 4  # noqa: PLR2004 - about 11-14 cells per LSOA
        sub_sources = _farthest_points(centroids, members, k)
        inside = np.isin(edges[0], members) & np.isin(edges[1], members)
        sub_noise = np.where(inside, noise, np.inf)
        sub_labels = _grow_regions(centroids, edges, sub_sources, [0.0] * k, sub_noise)
        for local in range(k):
            lsoa_of_cell[members[sub_labels[members] == local]] = len(lsoa_ward)
            lsoa_ward.append(ward_index)
    if (lsoa_of_cell < 0).any():  # pragma: no cover - wards are connected by construction
        msg = "a demo cell was left out of every LSOA"
        raise RuntimeError(msg)
    cell_array = np.asarray(cells, dtype=object)
    lsoa_geoms = [
        shapely.union_all(cell_array[lsoa_of_cell == i], grid_size=1.0)
        for i in range(len(lsoa_ward))
    ]
    ward_geoms = [
        shapely.union_all(cell_array[ward_of_cell == i], grid_size=1.0) for i in range(len(_WARDS))
    ]
    wards = gpd.GeoDataFrame(
        {
            "ward_code": [spec.code for spec in _WARDS],
            "ward_name": [spec.name for spec in _WARDS],
        },
        geometry=ward_geoms,
        crs=BNG,
    )
    letters = "ABCD"
    codes, names = [], []
    per_ward = [0] * len(_WARDS)
    for i, ward_index in enumerate(lsoa_ward):
        codes.append(f"E019{i + 1:05d}")
        names.append(f"{TOWN_NAME} {ward_index + 1:03d}{letters[per_ward[ward_index]]}")
        per_ward[ward_index] += 1
    lsoas = gpd.GeoDataFrame({"lsoa_code": codes, "lsoa_name": names}, geometry=lsoa_geoms, crs=BNG)
    return _Areas(outline, wards, lsoas, np.asarray(lsoa_ward, dtype=np.intp))


# --------------------------------------------------------------------------- street network


class _NamePool:
    """Unique street names drawn without replacement."""

    def __init__(self, rng: np.random.Generator, reserved: Sequence[str]) -> None:
        self._used = set(reserved)
        self._lists: dict[str, list[str]] = {}
        for kind, suffixes in (
            ("road", ("Road",)),
            ("residential", _RESIDENTIAL_SUFFIXES),
            ("footway", _FOOTWAY_SUFFIXES),
        ):
            names = [f"{p} {s}" for p in _PREFIXES for s in suffixes]
            self._lists[kind] = [names[i] for i in rng.permutation(len(names))]

    def take(self, kind: str) -> str:
        """Return an unused name of this kind, falling back to residential names."""
        for source in (kind, "residential"):
            names = self._lists[source]
            while names:
                name = names.pop()
                if name not in self._used:
                    self._used.add(name)
                    return name
        msg = "the demo street-name pool is exhausted"  # pragma: no cover - pool > streets
        raise RuntimeError(msg)  # pragma: no cover


@dataclass(frozen=True)
class _Street:
    line: LineString
    name: str
    highway: str


def _main_roads(rng: np.random.Generator, outline: Polygon) -> list[_Street]:
    """Six radial roads (inner and outer names) and a ring road in six named arcs."""
    centre = _centre()
    theta = np.linspace(0.0, 2.0 * np.pi, 180, endpoint=False)
    ring_r = _RING_RADIUS_M * (1.0 + 0.06 * np.sin(2.0 * theta + rng.uniform(0.0, 2.0 * np.pi)))
    ring = Polygon(centre + np.column_stack([ring_r * np.cos(theta), ring_r * np.sin(theta)]))
    streets: list[_Street] = []
    for angle_deg, inner_name, inner_hw, outer_name, outer_hw in _RADIALS:
        angle = np.deg2rad(angle_deg)
        along = np.linspace(0.0, 2600.0, 27)
        bend = rng.uniform(25.0, 60.0) * np.sin(np.pi * along / rng.uniform(900.0, 1600.0))
        bend = np.where(
            along < _STRAIGHT_INNER_M,
            0.0,
            bend * (along - _STRAIGHT_INNER_M) / along.clip(min=1.0),
        )
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        xy = centre + along[:, None] * direction + bend[:, None] * normal
        radial = shapely.intersection(LineString(xy), outline)
        inner = shapely.intersection(radial, ring)
        outer = shapely.difference(radial, ring)
        streets.append(_Street(_single_line(inner), inner_name, inner_hw))
        streets.append(_Street(_single_line(outer), outer_name, outer_hw))
    # Arcs between consecutive radials share the ring polygon's own vertices.
    ring_xy = np.asarray(ring.exterior.coords)[:-1]
    n_ring = len(ring_xy)
    starts = sorted(round(a / 360.0 * n_ring) % n_ring for a, *_ in _RADIALS)
    for i, name in enumerate(_RING_NAMES):
        first, last = starts[i], starts[(i + 1) % len(starts)]
        index = np.arange(first, last + (n_ring if last <= first else 0) + 1) % n_ring
        streets.append(_Street(LineString(ring_xy[index]), name, "secondary"))
    return streets


def _single_line(geom: shapely.Geometry) -> LineString:
    """Merge a clipped line into one LineString (the longest part if it splits)."""
    merged = shapely.line_merge(geom) if not isinstance(geom, LineString) else geom
    if isinstance(merged, LineString):
        return merged
    longest = max(shapely.get_parts(merged), key=shapely.length)
    if not isinstance(longest, LineString):  # pragma: no cover - parts of lines are lines
        msg = "a demo main road is not a line"
        raise TypeError(msg)
    return longest


def _lattice(
    rng: np.random.Generator, outline: Polygon, mains: shapely.Geometry
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Warped, jittered grid points (n_i x n_j x 2) and which lie in town."""
    half_i, half_j = 30, 23
    ii, jj = np.meshgrid(
        np.arange(-half_i, half_i + 1), np.arange(-half_j, half_j + 1), indexing="ij"
    )
    angle = rng.uniform(-0.2, 0.2)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    base = np.stack([ii, jj], axis=-1) * _GRID_SPACING_M @ rot.T
    phase = rng.uniform(0.0, 2.0 * np.pi, size=4)
    warp = np.stack(
        [
            30.0 * np.sin(base[..., 1] / 380.0 + phase[0])
            + 20.0 * np.sin(base[..., 0] / 520.0 + phase[1]),
            30.0 * np.sin(base[..., 0] / 410.0 + phase[2])
            + 20.0 * np.sin(base[..., 1] / 470.0 + phase[3]),
        ],
        axis=-1,
    )
    points = _centre() + base + warp + rng.uniform(-8.0, 8.0, size=base.shape)
    flat = points.reshape(-1, 2)
    near = shapely.distance(shapely.points(flat), mains) < 20.0  # noqa: PLR2004 - snap distance
    snapped = shapely.get_coordinates(
        shapely.shortest_line(shapely.points(flat[near]), mains)
    ).reshape(-1, 2, 2)[:, 1]
    flat = flat.copy()
    flat[near] = snapped
    points = flat.reshape(points.shape)
    inside = shapely.contains_xy(outline.buffer(-8.0), points[..., 0], points[..., 1])
    return points, inside


def _grid_streets(
    rng: np.random.Generator,
    outline: Polygon,
    mains: shapely.Geometry,
    names: _NamePool,
) -> list[_Street]:
    """Residential grid streets in named runs, footpaths for some removed links, diagonals."""
    points, inside = _lattice(rng, outline, mains)
    n_i, n_j = inside.shape
    near_main = shapely.distance(shapely.points(points.reshape(-1, 2)), mains).reshape(n_i, n_j)
    usable = inside & ~(near_main < 0.35 * _GRID_SPACING_M)
    streets: list[_Street] = []
    for axis, n_lines in ((0, n_j), (1, n_i)):
        for line_index in range(n_lines):
            line_points = points[:, line_index] if axis == 0 else points[line_index, :]
            line_inside = inside[:, line_index] if axis == 0 else inside[line_index, :]
            line_usable = usable[:, line_index] if axis == 0 else usable[line_index, :]
            links = _line_links(rng, outline, line_points, line_inside, line_usable)
            streets.extend(_Street(seg, names.take("footway"), "footway") for seg in links.footways)
            road = line_index % 8 == 0
            kind, highway = ("road", "tertiary") if road else ("residential", "residential")
            streets.extend(
                _Street(LineString(run), names.take(kind), highway)
                for run in _runs(rng, line_points, links.kept)
            )
    for i in range(n_i - 1):
        for j in range(n_j - 1):
            if inside[i : i + 2, j : j + 2].all() and rng.random() < _DIAGONAL_PROBABILITY:
                a, b = ((i, j), (i + 1, j + 1)) if rng.random() < 0.5 else ((i + 1, j), (i, j + 1))  # noqa: PLR2004 - coin flip
                segment = LineString([points[a], points[b]])
                streets.append(_Street(segment, names.take("footway"), "footway"))
    return streets


@dataclass(frozen=True)
class _Links:
    kept: npt.NDArray[np.bool_]
    footways: list[LineString]


def _line_links(
    rng: np.random.Generator,
    outline: Polygon,
    line_points: npt.NDArray[np.float64],
    line_inside: npt.NDArray[np.bool_],
    line_usable: npt.NDArray[np.bool_],
) -> _Links:
    """Which links along one grid line are streets; some dropped links become footpaths."""
    kept = np.zeros(len(line_points) - 1, dtype=bool)
    footways: list[LineString] = []
    for step in range(len(kept)):
        ends = line_inside[step] and line_inside[step + 1]
        along_main = not (line_usable[step] or line_usable[step + 1])
        if not ends or along_main:
            continue
        segment = LineString(line_points[step : step + 2])
        if not outline.contains(segment):
            continue
        if rng.random() >= _GAP_PROBABILITY:
            kept[step] = True
        elif rng.random() < _GAP_FOOTWAY_PROBABILITY:
            footways.append(segment)
    return _Links(kept, footways)


def _runs(
    rng: np.random.Generator, line_points: npt.NDArray[np.float64], kept: npt.NDArray[np.bool_]
) -> list[npt.NDArray[np.float64]]:
    """Split consecutive kept links into streets of 4-10 links (polylines through the nodes)."""
    runs: list[npt.NDArray[np.float64]] = []
    step = 0
    while step < len(kept):
        if not kept[step]:
            step += 1
            continue
        stop = step
        limit = step + int(rng.integers(4, 11))
        while stop < len(kept) and kept[stop] and stop < limit:
            stop += 1
        runs.append(line_points[step : stop + 1])
        step = stop
    return runs


def _build_network(rng: np.random.Generator, outline: Polygon) -> nx.MultiDiGraph:
    """Node every street line and build the two-way OSMnx-style graph (largest component)."""
    reserved = [n for _, a, _, b, _ in _RADIALS for n in (a, b)] + list(_RING_NAMES)
    names = _NamePool(rng, reserved)
    mains = _main_roads(rng, outline)
    main_union = shapely.union_all([s.line for s in mains])
    streets = mains + _grid_streets(rng, outline, main_union, names)
    noded = shapely.union_all([s.line for s in streets], grid_size=0.01)
    pieces = _split_at_nodes(noded)
    midpoints = shapely.line_interpolate_point(
        np.asarray(pieces, dtype=object), 0.5, normalized=True
    )
    tree = shapely.STRtree([s.line for s in streets])
    piece_idx, street_idx = tree.query(midpoints, predicate="dwithin", distance=0.1)
    best: dict[int, int] = {}
    for p, s in zip(piece_idx.tolist(), street_idx.tolist(), strict=True):
        current = best.get(p)
        key = (_HIGHWAY_PRIORITY[streets[s].highway], s)
        if current is None or key < (_HIGHWAY_PRIORITY[streets[current].highway], current):
            best[p] = s
    graph = nx.MultiDiGraph(crs=BNG, name=f"{TOWN_NAME} (patchmap demo)")
    node_ids: dict[tuple[float, float], int] = {}
    endpoints = sorted({c for p in pieces for c in (p.coords[0], p.coords[-1])})
    for node_id, (x, y) in enumerate(endpoints, start=1):
        node_ids[(x, y)] = node_id
        graph.add_node(node_id, x=float(x), y=float(y))
    for p, piece in enumerate(pieces):
        if p not in best:  # pragma: no cover - every piece comes from some street
            continue
        street = streets[best[p]]
        (x0, y0), (x1, y1) = piece.coords[0], piece.coords[-1]
        u, v = node_ids[(x0, y0)], node_ids[(x1, y1)]
        if u == v:
            continue
        attrs = {
            "osmid": 100_000 + best[p],
            "name": street.name,
            "highway": street.highway,
            "oneway": False,
        }
        graph.add_edge(u, v, **attrs, reversed=False, length=piece.length, geometry=piece)
        back = piece.reverse()
        graph.add_edge(v, u, **attrs, reversed=True, length=back.length, geometry=back)
    largest = max(nx.weakly_connected_components(graph), key=lambda c: (len(c), min(c)))
    graph.remove_nodes_from([node for node in list(graph.nodes) if node not in largest])
    for node in graph.nodes:
        graph.nodes[node]["street_count"] = len(set(graph.successors(node)))
    return graph


def _split_at_nodes(noded: shapely.Geometry) -> list[LineString]:
    """Return the noded linework's parts (each runs between two nodes), without slivers."""
    return [p for p in shapely.get_parts(noded) if isinstance(p, LineString) and p.length > 0.5]  # noqa: PLR2004 - drop slivers


# --------------------------------------------------------------------------- people and places


def _population(rng: np.random.Generator, areas: _Areas) -> pd.DataFrame:
    """Census-2021-style usual residents by LSOA: 1,200-2,000 each, six age bands."""
    town = np.array([0.17, 0.13, 0.16, 0.21, 0.17, 0.16])
    profiles = {
        "Castle": np.array([0.10, 0.26, 0.27, 0.16, 0.11, 0.10]),
        "Meadowbank": np.array([0.16, 0.08, 0.10, 0.20, 0.22, 0.24]),
    }
    rows = []
    for i, (code, name) in enumerate(
        zip(areas.lsoas["lsoa_code"], areas.lsoas["lsoa_name"], strict=True)
    ):
        ward = _WARDS[int(areas.lsoa_ward[i])].name
        total = int(rng.integers(1200, 2001))
        shares = rng.dirichlet(profiles.get(ward, town) * 300.0)
        bands = rng.multinomial(total, shares)
        rows.append([str(code), str(name), *(int(b) for b in bands), total])
    return pd.DataFrame(rows, columns=list(POPULATION_COLUMNS))


def _edge_frame(network: nx.MultiDiGraph) -> pd.DataFrame:
    """One row per street segment (forward direction): name, highway, geometry, midpoint."""
    rows = [
        (u, v, d["name"], d["highway"], d["geometry"])
        for u, v, d in network.edges(data=True)
        if not d["reversed"]
    ]
    frame = pd.DataFrame(rows, columns=["u", "v", "name", "highway", "geometry"])
    mids = shapely.line_interpolate_point(
        np.asarray(frame["geometry"].to_numpy(), dtype=object), 0.5, normalized=True
    )
    xy = shapely.get_coordinates(mids)
    return frame.assign(x=xy[:, 0], y=xy[:, 1])


def _sites(rng: np.random.Generator, network: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Co-location sites at fixed places, addressed on a main road within 60 m, else any road."""
    edges = _edge_frame(network)
    roads = edges[edges["highway"] != "footway"]
    mains = edges[edges["highway"].isin(["primary", "secondary"])]
    rows = []
    for spec in _SITES:
        point = Point(_centre() + np.array([spec.dx_m, spec.dy_m]))
        street = _nearest_name(mains, point, max_distance_m=60.0) or _nearest_name(roads, point)
        number = int(rng.integers(1, 120))
        rows.append(
            {
                "name": spec.name,
                "kind": spec.kind,
                "public_facing": spec.public_facing,
                "opening_notes": spec.opening_notes,
                "address": f"{number} {street}, {TOWN_NAME}",
                "geometry": point,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)


def _nearest_name(
    edges: pd.DataFrame, point: Point, *, max_distance_m: float = np.inf
) -> str | None:
    """Name of the street segment nearest to ``point`` if within ``max_distance_m``."""
    geoms = np.asarray(edges["geometry"].to_numpy(), dtype=object)
    distance = shapely.distance(geoms, point)
    nearest = int(np.argmin(distance))
    return str(edges["name"].iloc[nearest]) if distance[nearest] <= max_distance_m else None


@dataclass(frozen=True)
class _SnapPoints:
    """The fixed anonymisation points crimes are reported at."""

    xy: npt.NDArray[np.float64]
    location: tuple[str, ...]
    highway: tuple[str, ...]
    lsoa: npt.NDArray[np.intp]
    ward: npt.NDArray[np.intp]


def _snap_points(rng: np.random.Generator, network: nx.MultiDiGraph, areas: _Areas) -> _SnapPoints:
    """Street-segment midpoints (all near planted patterns, a share elsewhere) and named places."""
    edges = _edge_frame(network)
    edges = edges[edges["geometry"].map(lambda g: g.length) > 15.0]  # noqa: PLR2004 - short links get no point
    xy = edges[["x", "y"]].to_numpy()
    near_pattern = np.zeros(len(xy), dtype=bool)
    for pattern in PLANTED_PATTERNS.values():
        if pattern.radius_m > 0:
            d = np.hypot(xy[:, 0] - pattern.centre_x_m, xy[:, 1] - pattern.centre_y_m)
            near_pattern |= d <= pattern.radius_m + 10.0
    keep = near_pattern | (rng.random(len(xy)) < _SNAP_PROBABILITY)
    xy = xy[keep]
    location = [f"On or near {n}" for n in edges["name"].to_numpy()[keep]]
    highway = [str(h) for h in edges["highway"].to_numpy()[keep]]
    station = PLANTED_PATTERNS["police_station"]
    xy = np.vstack([xy, [station.centre_x_m, station.centre_y_m]])
    location.append("On or near Police Station")
    highway.append("residential")
    lsoa = _locate(xy, areas.lsoas)
    ward = np.where(lsoa >= 0, areas.lsoa_ward[lsoa.clip(min=0)], -1)
    usable = lsoa >= 0
    xy, lsoa, ward = xy[usable], lsoa[usable], ward[usable]
    location = [loc for loc, ok in zip(location, usable, strict=True) if ok]
    highway = [hw for hw, ok in zip(highway, usable, strict=True) if ok]
    _name_places(rng, xy, location, ward)
    return _SnapPoints(xy, tuple(location), tuple(highway), lsoa, ward)


def _locate(xy: npt.NDArray[np.float64], polygons: gpd.GeoDataFrame) -> npt.NDArray[np.intp]:
    """Index of the polygon holding each point at least ``_SNAP_MARGIN_M`` inside, else -1."""
    points = np.asarray(shapely.points(xy), dtype=object)
    tree = shapely.STRtree(np.asarray(polygons.geometry.to_numpy(), dtype=object))
    point_idx, poly_idx = tree.query(points, predicate="within")
    found = np.full(len(xy), -1, dtype=np.intp)
    found[point_idx] = poly_idx
    boundaries = shapely.boundary(np.asarray(polygons.geometry.to_numpy(), dtype=object))
    margin = shapely.distance(points[point_idx], boundaries[poly_idx])
    found[point_idx[margin < _SNAP_MARGIN_M]] = -1
    return found


def _name_places(
    rng: np.random.Generator,
    xy: npt.NDArray[np.float64],
    location: list[str],
    ward: npt.NDArray[np.intp],
) -> None:
    """Rename a few snap points after places (Nightclub, Supermarket ...), in place."""
    nte = PLANTED_PATTERNS["nte_violence"]
    d_nte = np.hypot(xy[:, 0] - nte.centre_x_m, xy[:, 1] - nte.centre_y_m)
    taken = np.array([loc == "On or near Police Station" for loc in location])
    club = int(np.argmin(np.where(taken, np.inf, d_nte)))
    location[club] = "On or near Nightclub"
    taken[club] = True
    in_pattern = np.zeros(len(xy), dtype=bool)
    for pattern in PLANTED_PATTERNS.values():
        if pattern.radius_m > 0:
            d = np.hypot(xy[:, 0] - pattern.centre_x_m, xy[:, 1] - pattern.centre_y_m)
            in_pattern |= d <= pattern.radius_m + 30.0
    ward_index = {spec.name: i for i, spec in enumerate(_WARDS)}
    for place, ward_name in _POI_PLACES:
        candidates = np.flatnonzero((ward == ward_index[ward_name]) & ~taken & ~in_pattern)
        chosen = int(candidates[rng.integers(len(candidates))])
        location[chosen] = f"On or near {place}"
        taken[chosen] = True


# --------------------------------------------------------------------------- crimes


def _type_weights(
    snaps: _SnapPoints, population: pd.DataFrame
) -> dict[str, npt.NDArray[np.float64]]:
    """Background probability of each crime type over the snap points."""
    pop = population["total_usual_residents"].to_numpy(dtype=np.float64)
    per_lsoa = np.bincount(snaps.lsoa, minlength=len(pop)).astype(np.float64)
    base = pop[snaps.lsoa] / per_lsoa[snaps.lsoa]
    base = base * np.array([_ROAD_WEIGHT[h] for h in snaps.highway])
    quiet = PLANTED_PATTERNS["quiet_ward"]
    quiet_index = next(i for i, spec in enumerate(_WARDS) if spec.name == quiet.ward)
    base = np.where(snaps.ward == quiet_index, base * quiet.background_factor, base)
    d_centre = np.hypot(*(snaps.xy - _centre()).T)
    centre = np.exp(-((d_centre / 350.0) ** 2))
    place = np.array([loc.removeprefix("On or near ") for loc in snaps.location])
    shop = np.isin(place, _SHOP_PLACES).astype(np.float64)
    parking = (place == "Parking Area").astype(np.float64)
    residential = np.isin(np.array(snaps.highway), ["residential", "tertiary"])

    def unit(w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        total: np.float64 = w.sum()
        result: npt.NDArray[np.float64] = w / total
        return result

    weights: dict[str, npt.NDArray[np.float64]] = {}
    for crime_type in _ALL_TYPES:
        weights[crime_type] = unit(base * (1.0 + 2.0 * centre))
    weights[VIOLENCE_AND_SEXUAL_OFFENCES] = unit(base * (1.0 + 3.0 * centre))
    weights[PUBLIC_ORDER] = unit(base * (1.0 + 4.0 * centre))
    for crime_type in (OTHER_THEFT, BICYCLE_THEFT, THEFT_FROM_THE_PERSON, ROBBERY):
        weights[crime_type] = unit(base * (1.0 + 6.0 * centre))
    weights[SHOPLIFTING] = 0.4 * unit(base * (0.1 + 3.0 * centre)) + 0.6 * unit(shop)
    weights[VEHICLE_CRIME] = 0.7 * unit(base) + 0.3 * unit(parking)
    weights[BURGLARY] = unit(base * np.where(residential, 1.0, 0.3))
    asb = PLANTED_PATTERNS["emerging_asb"]
    d_asb = np.hypot(snaps.xy[:, 0] - asb.centre_x_m, snaps.xy[:, 1] - asb.centre_y_m)
    weights[ASB] = unit(np.where(d_asb <= asb.radius_m, asb.background_factor, 1.0) * weights[ASB])
    return weights


def _pattern_points(snaps: _SnapPoints, pattern: PlantedPattern) -> npt.NDArray[np.float64]:
    """Probability over snap points for a pattern's planted crimes."""
    if pattern.radius_m == 0:
        target = f"On or near {pattern.name.replace('_', ' ').title()}"
        weight = np.array([loc == target for loc in snaps.location], dtype=np.float64)
    else:
        d = np.hypot(snaps.xy[:, 0] - pattern.centre_x_m, snaps.xy[:, 1] - pattern.centre_y_m)
        weight = (d <= pattern.radius_m).astype(np.float64)
        weight *= np.where(np.array(snaps.location) == "On or near Nightclub", 4.0, 1.0)
    probability: npt.NDArray[np.float64] = weight / weight.sum()
    return probability


@dataclass(frozen=True)
class _Draws:
    """Crimes drawn for one month: snap point index (-1 = no location) and crime type."""

    snap: npt.NDArray[np.intp]
    crime_type: tuple[str, ...]


def _draw_month(
    rng: np.random.Generator,
    month_index: int,
    snaps: _SnapPoints,
    weights: Mapping[str, npt.NDArray[np.float64]],
) -> _Draws:
    """Background plus planted crimes for one month, shuffled; no-location rows last."""
    month = DEMO_MONTHS[month_index]
    calendar_month = int(month[5:])
    season = 1.0 + 0.08 * np.cos(2.0 * np.pi * (calendar_month - 7) / 12.0)
    snap: list[int] = []
    types: list[str] = []
    n_snaps = len(snaps.xy)
    for crime_type, share in _TYPE_SHARES:
        n = int(rng.poisson(_BACKGROUND_PER_MONTH * share * season))
        snap.extend(rng.choice(n_snaps, size=n, p=weights[crime_type]).tolist())
        types.extend([crime_type] * n)
    for pattern in PLANTED_PATTERNS.values():
        if pattern.mean_per_month == 0 or month not in pattern.months:
            continue
        n = int(rng.binomial(round(2.0 * pattern.mean_per_month), 0.5))
        snap.extend(rng.choice(n_snaps, size=n, p=_pattern_points(snaps, pattern)).tolist())
        types.extend(_pattern_types(rng, pattern, n))
    order = rng.permutation(len(snap))
    type_names = [name for name, _ in _TYPE_SHARES]
    type_p = np.array([share for _, share in _TYPE_SHARES])
    missing = rng.choice(
        len(type_names), size=N_WITHOUT_LOCATION_PER_MONTH, p=type_p / type_p.sum()
    )
    return _Draws(
        np.concatenate([np.asarray(snap, dtype=np.intp)[order], np.full(len(missing), -1)]),
        tuple([types[i] for i in order] + [type_names[i] for i in missing]),
    )


def _pattern_types(rng: np.random.Generator, pattern: PlantedPattern, n: int) -> list[str]:
    """Crime types of n planted crimes."""
    mix: tuple[tuple[str, float], ...]
    if pattern.name == "nte_violence":
        mix = ((VIOLENCE_AND_SEXUAL_OFFENCES, 44.0), (PUBLIC_ORDER, 16.0))
    elif pattern.name == "police_station":
        mix = _ARTEFACT_TYPES
    else:
        mix = tuple((t, 1.0) for t in pattern.crime_types)
    p = np.array([w for _, w in mix])
    return [mix[i][0] for i in rng.choice(len(mix), size=n, p=p / p.sum())]


def _outcomes(rng: np.random.Generator, crime_types: Sequence[str], month_index: int) -> list[str]:
    """Last outcome categories; empty for ASB; recent months are more often still open."""
    types = np.asarray(crime_types, dtype=object)
    outcomes = np.full(len(types), "", dtype=object)
    for crime_type in _ALL_TYPES:
        rows = np.flatnonzero(types == crime_type)
        if crime_type == ASB or len(rows) == 0:
            continue
        mix = _OUTCOMES.get(crime_type, _DEFAULT_OUTCOMES)
        p = np.array([w for _, w in mix])
        outcomes[rows] = [mix[i][0] for i in rng.choice(len(mix), size=len(rows), p=p / p.sum())]
    if month_index >= len(DEMO_MONTHS) - 2:
        still_open = (types != ASB) & (rng.random(len(types)) < _STILL_OPEN_SHARE)
        outcomes[still_open] = _UNDER
    return [str(outcome) for outcome in outcomes]


def _crime_csvs(
    rng: np.random.Generator,
    seed: int,
    snaps: _SnapPoints,
    lsoas: gpd.GeoDataFrame,
    population: pd.DataFrame,
) -> dict[str, str]:
    """Month to data.police.uk street-level CSV text."""
    weights = _type_weights(snaps, population)
    to_wgs84 = Transformer.from_crs(BNG, WGS84, always_xy=True)
    lon, lat = to_wgs84.transform(snaps.xy[:, 0], snaps.xy[:, 1])
    lon_text = [f"{v:.6f}" for v in lon]
    lat_text = [f"{v:.6f}" for v in lat]
    codes = lsoas["lsoa_code"].tolist()
    names = lsoas["lsoa_name"].tolist()
    counter = 0
    out: dict[str, str] = {}
    for month_index, month in enumerate(DEMO_MONTHS):
        draws = _draw_month(rng, month_index, snaps, weights)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CRIME_CSV_COLUMNS)
        outcomes = _outcomes(rng, draws.crime_type, month_index)
        rows = zip(draws.snap.tolist(), draws.crime_type, outcomes, strict=True)
        for snap, crime_type, outcome in rows:
            crime_id = ""
            if crime_type != ASB:
                counter += 1
                crime_id = hashlib.sha256(f"{TOWN_NAME}:{seed}:{counter}".encode()).hexdigest()
            if snap < 0:
                place = ("", "", "No Location", "", "")
            else:
                lsoa = int(snaps.lsoa[snap])
                place = (
                    lon_text[snap],
                    lat_text[snap],
                    snaps.location[snap],
                    codes[lsoa],
                    names[lsoa],
                )
            writer.writerow(
                [crime_id, month, DEMO_FORCE, DEMO_FORCE, *place, crime_type, outcome, ""]
            )
        out[month] = buffer.getvalue()
    return out


# --------------------------------------------------------------------------- public API


def build_demo(*, seed: int = DEMO_SEED) -> DemoArea:
    """
    Build the Fenbridge demo area in memory.

    The town's layout (ward seeds, radial roads, sites, planted pattern centres) is fixed; the
    seed draws the outline's wobble, the ward and LSOA boundaries, the street grid, names,
    populations and every crime. Pure and deterministic: the same seed gives the same town.

    Parameters
    ----------
    seed
        Seed of ``np.random.default_rng``; :data:`DEMO_SEED` is the shipped demo.

    Returns
    -------
    DemoArea
        Wards, neighbourhoods, monthly crime CSV texts, street network, sites, LSOAs and
        population; all geometry in EPSG:27700. :data:`PLANTED_PATTERNS` lists what is planted.

    Raises
    ------
    RuntimeError
        If a planted pattern does not lie inside its ward (a bug in the generator).

    Examples
    --------
    >>> area = build_demo()
    >>> area.wards["ward_name"].tolist()[:3]
    ['Castle', 'Riverside', 'Northfield']
    >>> area.months[0], area.months[-1], len(area.crimes_csv)
    ('2024-10', '2025-09', 12)
    """
    rng = np.random.default_rng(seed)
    areas = _build_areas(rng)
    _check_patterns(areas)
    network = _build_network(rng, areas.outline)
    population = _population(rng, areas)
    sites = _sites(rng, network)
    snaps = _snap_points(rng, network, areas)
    crimes = _crime_csvs(rng, seed, snaps, areas.lsoas, population)
    neighbourhoods = pd.DataFrame(
        {
            "ward": [spec.name for spec in _WARDS],
            "neighbourhood": [spec.neighbourhood for spec in _WARDS],
        }
    )
    return DemoArea(
        wards=areas.wards,
        neighbourhoods=neighbourhoods,
        crimes_csv=MappingProxyType(crimes),
        network=network,
        sites=sites,
        lsoas=areas.lsoas,
        population=population,
        months=DEMO_MONTHS,
    )


def _check_patterns(areas: _Areas) -> None:
    """Raise unless every planted pattern lies inside its ward."""
    by_name = dict(zip(areas.wards["ward_name"], areas.wards.geometry, strict=True))
    for pattern in PLANTED_PATTERNS.values():
        centre = Point(pattern.centre_x_m, pattern.centre_y_m)
        shape = centre.buffer(max(pattern.radius_m, _SNAP_MARGIN_M))
        if not by_name[pattern.ward].contains(shape):
            msg = f"planted pattern {pattern.name} is not inside ward {pattern.ward}"
            raise RuntimeError(msg)


def write_demo(directory: Path, *, seed: int = DEMO_SEED) -> DemoFiles:
    """
    Write the demo area as the files a real user would bring.

    Parameters
    ----------
    directory
        Folder to write into (created if missing); existing demo files are overwritten.
    seed
        Seed passed to :func:`build_demo`.

    Returns
    -------
    DemoFiles
        The paths written. The same seed gives byte-identical files.

    Notes
    -----
    GeoJSON and the CSV coordinates are WGS84, as ONS and data.police.uk deliver them; the
    readers in :mod:`spatial.io` reproject to EPSG:27700. GeoJSON is written in a fixed key
    order with coordinates rounded to 7 decimals (about 1 cm), so no driver timestamps creep in.
    """
    area = build_demo(seed=seed)
    directory = Path(directory)
    crimes_dir = directory / "crimes"
    crime_files = []
    for month, text in area.crimes_csv.items():
        path = crimes_dir / month / f"{month}-demo-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        crime_files.append(path)
    wards_path = directory / "wards.geojson"
    lad = {"LAD24CD": "E07900001", "LAD24NM": TOWN_NAME}
    ward_props = [
        {"WD24CD": code, "WD24NM": name, **lad}
        for code, name in zip(area.wards["ward_code"], area.wards["ward_name"], strict=True)
    ]
    _write_geojson(wards_path, area.wards, ward_props)
    lsoa_path = directory / "lsoa_2021.geojson"
    lsoa_props = [
        {"LSOA21CD": code, "LSOA21NM": name}
        for code, name in zip(area.lsoas["lsoa_code"], area.lsoas["lsoa_name"], strict=True)
    ]
    _write_geojson(lsoa_path, area.lsoas, lsoa_props)
    neighbourhoods_path = directory / "neighbourhoods.csv"
    neighbourhoods_path.write_bytes(
        area.neighbourhoods.to_csv(index=False, lineterminator="\n").encode()
    )
    sites_path = directory / "sites.csv"
    sites_wgs84 = area.sites.to_crs(WGS84)
    sites_table = pd.DataFrame(area.sites.drop(columns="geometry")).assign(
        lon=[f"{x:.6f}" for x in sites_wgs84.geometry.x],
        lat=[f"{y:.6f}" for y in sites_wgs84.geometry.y],
    )
    sites_path.write_bytes(sites_table.to_csv(index=False, lineterminator="\n").encode())
    population_path = directory / "population.csv"
    population_path.write_bytes(area.population.to_csv(index=False, lineterminator="\n").encode())
    network_path = directory / "network.graphml"
    ox.save_graphml(area.network, filepath=network_path)
    return DemoFiles(
        directory=directory,
        crimes_dir=crimes_dir,
        crime_files=tuple(crime_files),
        wards=wards_path,
        neighbourhoods=neighbourhoods_path,
        sites=sites_path,
        lsoas=lsoa_path,
        population=population_path,
        network=network_path,
    )


def _write_geojson(
    path: Path, frame: gpd.GeoDataFrame, properties: Sequence[Mapping[str, str]]
) -> None:
    """Write polygons as a deterministic WGS84 GeoJSON FeatureCollection (RFC 7946 winding)."""
    geoms = shapely.orient_polygons(
        np.asarray(frame.to_crs(WGS84).geometry.to_numpy(), dtype=object), exterior_cw=False
    )
    features = [
        {"type": "Feature", "properties": dict(props), "geometry": _rounded(geom)}
        for geom, props in zip(geoms, properties, strict=True)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    path.write_bytes((json.dumps(collection, separators=(",", ":")) + "\n").encode())


def _rounded(geom: shapely.Geometry) -> dict[str, object]:
    """GeoJSON geometry mapping with coordinates rounded to 7 decimals."""

    def ring(coords: Iterable[tuple[float, ...]]) -> list[list[float]]:
        return [[round(x, 7), round(y, 7)] for x, y, *_ in coords]

    def polygon(poly: Polygon) -> list[list[list[float]]]:
        return [ring(poly.exterior.coords), *(ring(r.coords) for r in poly.interiors)]

    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": polygon(geom)}
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
    return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in parts]}


# --------------------------------------------------------------------------- force extract

DEMO_EXTRACT_COLUMNS: Final[tuple[str, ...]] = (
    "Crime Ref",
    "Recorded",
    "Committed From",
    "Committed To",
    "Offence",
    "HO Code",
    "Offence Detail",
    "Easting",
    "Northing",
    "Location",
    "Ward",
)
"""Columns of the demo force extract, a typical UK RMS export (UK day-first dates)."""
EXTRACT_SEED_OFFSET: Final = 1
"""The extract's times come from ``default_rng(seed + 1)``: the police.uk files are unchanged."""
NTE_DAYS: Final = ("Fri", "Sat")
"""Days on which the planted night-time-economy violence starts."""
NTE_START_HOUR: Final = 22
NTE_END_HOUR: Final = 3
"""The planted night-time-economy block, 22:00 to 03:00 (the next day)."""
NTE_SHARE: Final = 0.8
"""Share of violence and public order in the NTE hotspot that falls in the NTE block."""
SHOPLIFTING_HOURS: Final = (9, 18)
"""Every shoplifting happens from 09:00 to before 18:00."""
MIDNIGHT_SHARE: Final = 0.04
"""Share of other exact times recorded as 00:00 (time unknown), as in real systems."""
N_EXTRACT_DUPLICATES: Final = 8
"""Rows exported twice (same Crime Ref)."""
N_EXTRACT_WITHOUT_TIME: Final = 3
"""Rows with no Committed From."""
N_EXTRACT_BAD_WINDOWS: Final = 2
"""Rows whose Committed To is before Committed From."""


@dataclass(frozen=True)
class NearRepeatChain:
    """A near-repeat burglary chain planted in the demo extract only (not in police.uk files)."""

    ward: str
    """The ward; the chain's centre is its ``representative_point``."""
    n: int
    """Burglaries in the chain."""
    radius_m: float
    """Every burglary lies within this distance of the centre."""
    first_day: str
    """Date of the first burglary (``YYYY-MM-DD``)."""
    gap_days: tuple[int, int]
    """Each burglary follows the one before by this many days (inclusive range)."""
    location: str
    """The extract's Location text of the chain's rows."""


NEAR_REPEAT_CHAIN: Final = NearRepeatChain(
    ward="Southmoor",
    n=10,
    radius_m=100.0,
    first_day="2025-05-06",
    gap_days=(1, 3),
    location="On or near the chain",
)
"""Ten burglaries within 100 m of the middle of Southmoor, each 1-3 days after the one before."""

_HO: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        VIOLENCE_AND_SEXUAL_OFFENCES: ("8N/1", "Assault occasioning actual bodily harm"),
        PUBLIC_ORDER: ("9/5", "Public fear, alarm or distress"),
        BURGLARY: ("28E/1", "Burglary - residential"),
        SHOPLIFTING: ("46/1", SHOPLIFTING),
        VEHICLE_CRIME: ("48/1", "Theft from a motor vehicle"),
        CRIMINAL_DAMAGE_AND_ARSON: ("58A/1", "Criminal damage to a dwelling"),
        ASB: ("ASB/1", "Anti-social behaviour - nuisance"),
    }
)
_NIGHT_FMT: Final = "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class _Row:
    crime_type: str
    month: str
    x: float
    y: float
    location: str
    ward: str


def _extract_rows(area: DemoArea, rng: np.random.Generator) -> list[_Row]:
    """Return the police.uk crimes of the demo, at exact points jittered off their snap points."""
    to_bng = Transformer.from_crs(WGS84, BNG, always_xy=True)
    rows: list[_Row] = []
    for month, text in area.crimes_csv.items():
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        lon = pd.to_numeric(table["Longitude"], errors="coerce").to_numpy()
        lat = pd.to_numeric(table["Latitude"], errors="coerce").to_numpy()
        x, y = to_bng.transform(lon, lat)
        jitter = rng.uniform(-20.0, 20.0, size=(len(table), 2))
        xs, ys = np.asarray(x) + jitter[:, 0], np.asarray(y) + jitter[:, 1]
        wards = _ward_names(xs, ys, area.wards)
        for i, crime_type in enumerate(table["Crime type"]):
            ward = wards[i]
            rows.append(
                _Row(crime_type, month, float(xs[i]), float(ys[i]), table["Location"][i], ward)
            )
    return rows


def _ward_names(
    xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], wards: gpd.GeoDataFrame
) -> list[str]:
    """Name the ward holding each point ("" when none does or the point is missing)."""
    points = shapely.points(np.nan_to_num(xs, nan=-1.0), np.nan_to_num(ys, nan=-1.0))
    tree = shapely.STRtree(np.asarray(wards.geometry.to_numpy(), dtype=object))
    point_idx, ward_idx = tree.query(points, predicate="intersects")
    names = np.full(len(xs), "", dtype=object)
    names[point_idx] = wards["ward_name"].to_numpy()[ward_idx]
    return [str(n) for n in names]


def _month_days(month: str) -> pd.DatetimeIndex:
    start = pd.Timestamp(f"{month}-01")
    return pd.date_range(start, start + pd.offsets.MonthEnd(0), freq="D")


def _pick_day(rng: np.random.Generator, month: str, weekdays: Sequence[int] | None) -> pd.Timestamp:
    days = _month_days(month)
    if weekdays is not None:
        days = days[days.day_of_week.isin(weekdays)]
    return pd.Timestamp(days[int(rng.integers(len(days)))])


def _minutes(rng: np.random.Generator, lo_h: float, hi_h: float) -> pd.Timedelta:
    return pd.Timedelta(minutes=int(rng.integers(int(lo_h * 60), int(hi_h * 60))))


def _in_pattern(row: _Row, name: str) -> bool:
    pattern = PLANTED_PATTERNS[name]
    near = np.hypot(row.x - pattern.centre_x_m, row.y - pattern.centre_y_m) <= pattern.radius_m + 25
    return bool(near and row.crime_type in pattern.crime_types and row.month in pattern.months)


_FRI, _SAT, _MON = 4, 5, 0
_BACKGROUND_HOURS: Final = np.array(
    [3, 2, 1.5, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 7, 8, 8, 8, 7, 6, 5, 4, 3], dtype=float
)


def _when(  # noqa: PLR0911 - one return per planted pattern
    row: _Row, rng: np.random.Generator
) -> tuple[pd.Timestamp, pd.Timestamp | None]:
    """Draw Committed From and To (None for an exact time) of one crime, by its pattern."""
    if _in_pattern(row, "nte_violence") and rng.random() < NTE_SHARE:
        day = _pick_day(rng, row.month, (_FRI, _SAT))
        return day + _minutes(rng, NTE_START_HOUR, 24 + NTE_END_HOUR), None
    if row.crime_type == SHOPLIFTING:
        day = _pick_day(rng, row.month, None)
        return day + _minutes(rng, *SHOPLIFTING_HOURS), None
    if _in_pattern(row, "burglary_series"):
        friday = _pick_day(rng, row.month, (_FRI,))
        start = friday + _minutes(rng, 17, 19.5)
        return start, friday + pd.Timedelta(days=3) + _minutes(rng, 7, 9)
    day = _pick_day(rng, row.month, None)
    if row.crime_type == BURGLARY:
        start = day + _minutes(rng, 7.5, 9)
        return start, day + _minutes(rng, 16.5, 18.5)
    if row.crime_type == VEHICLE_CRIME and rng.random() < 0.5:  # noqa: PLR2004
        return day + _minutes(rng, 21, 23), day + pd.Timedelta(days=1) + _minutes(rng, 6, 8)
    if rng.random() < MIDNIGHT_SHARE:
        return day, None
    hour = int(rng.choice(24, p=_BACKGROUND_HOURS / _BACKGROUND_HOURS.sum()))
    return day + pd.Timedelta(hours=hour) + _minutes(rng, 0, 1), None


def _chain_rows(area: DemoArea, rng: np.random.Generator) -> list[tuple[_Row, pd.Timestamp]]:
    chain = NEAR_REPEAT_CHAIN
    ward = area.wards.loc[area.wards["ward_name"] == chain.ward].geometry.iloc[0]
    centre = ward.representative_point()
    radius = chain.radius_m
    lo, hi = chain.gap_days
    day = pd.Timestamp(chain.first_day)
    out = []
    for _ in range(chain.n):
        r, theta = radius * np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
        x, y = centre.x + r * np.cos(theta), centre.y + r * np.sin(theta)
        row = _Row(BURGLARY, day.strftime("%Y-%m"), x, y, chain.location, chain.ward)
        out.append((row, day + _minutes(rng, 9, 15)))
        day += pd.Timedelta(days=int(rng.integers(lo, hi + 1)))
    return out


def demo_extract_csv(*, seed: int = DEMO_SEED) -> str:
    """
    Write the demo crimes as a force RMS extract: exact points, committed times and windows.

    The rows are the police.uk crimes of :func:`build_demo` (every month, ASB included), each at
    an exact point within 20 m of its snap point, plus the :data:`NEAR_REPEAT_CHAIN`, plus the
    quirks of real exports: :data:`N_EXTRACT_DUPLICATES` rows exported twice,
    :data:`N_EXTRACT_WITHOUT_TIME` without a Committed From, :data:`N_EXTRACT_BAD_WINDOWS` whose
    Committed To precedes Committed From, the police.uk rows without a location left without
    coordinates, and :data:`MIDNIGHT_SHARE` of other exact times at 00:00.

    Planted times: violence and public order in the ``nte_violence`` hotspot mostly Friday and
    Saturday 22:00-03:00 (:data:`NTE_SHARE`); shoplifting 09:00-18:00; the ``burglary_series``
    in weekend windows (Friday 17:00-19:30 to Monday 07:00-09:00); other burglaries in working-day
    windows; half of vehicle crime overnight.

    Parameters
    ----------
    seed
        Seed of the demo (:func:`build_demo`); the times use ``seed + 1``.

    Returns
    -------
    str
        CSV text with the columns :data:`DEMO_EXTRACT_COLUMNS`; the same seed gives the same text.
    """
    area = build_demo(seed=seed)
    rng = np.random.default_rng(seed + EXTRACT_SEED_OFFSET)
    timed = [(row, *_when(row, rng)) for row in _extract_rows(area, rng)]
    timed += [(row, start, None) for row, start in _chain_rows(area, rng)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DEMO_EXTRACT_COLUMNS)
    lines = []
    for n, (row, start, end) in enumerate(timed, start=1):
        code, detail = _HO.get(row.crime_type, ("99/1", row.crime_type))
        end_text = end.strftime(_NIGHT_FMT) if end is not None else ""
        recorded = (end if end is not None else start) + _minutes(rng, 0.5, 30)
        located = np.isfinite(row.x)
        lines.append(
            [
                f"FB/{n:06d}/{start.strftime('%y')}",
                recorded.strftime(_NIGHT_FMT),
                start.strftime(_NIGHT_FMT),
                end_text,
                row.crime_type,
                code,
                detail,
                f"{row.x:.0f}" if located else "",
                f"{row.y:.0f}" if located else "",
                row.location if located else "",
                row.ward,
            ]
        )
    _add_quirks(lines, rng, n_police=len(timed) - NEAR_REPEAT_CHAIN.n)
    writer.writerows(lines)
    return buffer.getvalue()


def _add_quirks(lines: list[list[str]], rng: np.random.Generator, *, n_police: int) -> None:
    """Blank, reversed and repeated rows, as real exports have (in place, police.uk rows only)."""
    located = [i for i in range(n_police) if lines[i][7]]
    size = N_EXTRACT_WITHOUT_TIME + N_EXTRACT_BAD_WINDOWS
    picks = np.asarray(located)[rng.choice(len(located), size=size, replace=False)]
    for i in picks[:N_EXTRACT_WITHOUT_TIME]:
        lines[i][2] = ""
        lines[i][3] = ""
    for i in picks[N_EXTRACT_WITHOUT_TIME:]:
        start = pd.Timestamp(pd.to_datetime(lines[i][2], format=_NIGHT_FMT))
        lines[i][3] = (start - pd.Timedelta(hours=5)).strftime(_NIGHT_FMT)
    for i in rng.choice(n_police, size=N_EXTRACT_DUPLICATES, replace=False):
        lines.append(list(lines[i]))


def write_demo_extract(directory: Path, *, seed: int = DEMO_SEED) -> Path:
    """
    Write :func:`demo_extract_csv` as ``extract/demo_rms_extract.csv`` under ``directory``.

    Parameters
    ----------
    directory
        Folder to write into (created if missing).
    seed
        Seed of the demo.

    Returns
    -------
    pathlib.Path
        The CSV written; the same seed gives byte-identical files.
    """
    path = Path(directory) / "extract" / "demo_rms_extract.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(demo_extract_csv(seed=seed).encode("utf-8"))
    return path


def demo_incidents(*, seed: int = DEMO_SEED, midnight: Midnight = "as-recorded") -> Incidents:
    """
    Read the demo force extract with :func:`spatial.incidents.read_incidents`.

    Parameters
    ----------
    seed
        Seed of the demo.
    midnight
        How exact times of 00:00 are read (see :func:`~spatial.incidents.read_incidents`).

    Returns
    -------
    Incidents
        Events in EPSG:27700 with the report; every quirk of :func:`demo_extract_csv` is counted.
    """
    data = demo_extract_csv(seed=seed).encode("utf-8")
    return read_incidents([("demo_rms_extract.csv", data)], midnight=midnight)
