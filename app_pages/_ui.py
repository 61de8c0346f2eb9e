"""
Shared UI plumbing: session-state keys, the dataset sidebar, cached wrappers, error guards.

Pages call :func:`context` for the loaded study area and the user's filters, then one cached
wrapper for their result. Derived results live in the Streamlit cache (keyed on the dataset id
and small hashable values), never in session state, which holds user choices only.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import re
import sys
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Generic, NoReturn, ParamSpec, TypeVar, get_args

import pandas as pd
import shapely
import streamlit as st

from boundaries.dataset import (
    StudyArea,
    default_cache_dir,
    load_demo,
    load_study_area,
    load_study_area_from_store,
    named,
)
from boundaries.extract import is_extract_area, study_area_from_incidents
from boundaries.overview import ForceOverview, force_overview
from boundaries.population import lsoa_residents, ward_population
from boundaries.select import (
    Selection,
    as_written,
    crime_type_mask,
    require_loaded_months,
    select_points,
    select_wards,
    set_aside_reasons,
)
from hotspots.backtest import backtest
from hotspots.classify import change_by_cell, emerging_hotspots
from hotspots.clusters import DEFAULT_MIN_CRIMES, ClusterResult, dbscan_clusters, hdbscan_clusters
from hotspots.cube import cube_for_selection
from hotspots.forecast import DEFAULT_MIN_TRAIN_MONTHS, forecast_cells
from hotspots.gistar import GiStarResult, gi_star
from hotspots.kde import DEFAULT_KERNEL, DensitySurface, RateSurface, kernel_density, rate_surface
from hotspots.knox import KnoxResult, KnoxWorkload, knox_subject, knox_test, knox_workload
from hotspots.methods import parse_method
from hotspots.near_repeat import NearRepeatAlerts, near_repeat_alerts
from hotspots.nkde import DEFAULT_NKDE_BANDWIDTH_M
from hotspots.ranking import KdeTop, kde_top_cells
from hotspots.street_backtest import StreetBacktest, street_backtest
from hotspots.streets import HotStreets, hot_streets, street_stops
from hotspots.tables import hot_area_table, hotspot_table, snap_point_counts, ward_type_table
from hotspots.weekly import DayForecast, forecast_days, prepare_days
from hotspots.weekly_backtest import DayBacktest, backtest_days
from hotspots.when import (
    HourOfWeek,
    PatrolWindows,
    TimingChange,
    events_in_hours,
    hour_of_week,
    patrol_windows,
    select_events,
    timing_change,
)
from layers.audience import get_preset
from layers.briefing import SECTION_TITLES, render_briefing
from layers.export import Download, analysis_layers, downloads, export_layers
from layers.metadata import ExportMetadata, area_sources
from layers.pdf import html_to_pdf
from layers.problems import write_problem_areas
from layers.streets import street_beat_export_layer
from layers.writers import DEFAULT_FORMATS
from spatial.catchments import (
    catchment_coverage,
    walking_catchments,
)
from spatial.crime_types import ASB
from spatial.crs import BNG_EPSG
from spatial.demo import demo_incidents
from spatial.errors import ParameterError, PatchmapError, PatchmapWarning
from spatial.grid import Grid, count_points, make_grid
from spatial.incidents import (
    Incidents,
    Midnight,
    parse_column_map,
    read_incidents,
    refuse_no_events,
)
from spatial.io import read_crimes
from spatial.lixels import DEFAULT_LIXEL_M, DEFAULT_LIXEL_SNAP_M
from spatial.names import normal_name
from spatial.network import load_network
from spatial.routes import (
    plan_eva_route,
)
from spatial.store import force_name, located_points, read_manifest, store_info
from spatial.street_walks import plan_street_walk, streets_at_points
from tasking.assess import Assessment, assess_response
from tasking.eva import cluster_stops, hotspot_stops, kde_peak_stops
from tasking.pack import briefing_content, extract_near_repeat, read_tasking
from tasking.problems import flag_problems
from tasking.products import export_analyses
from tasking.profile import Profile, build_profile
from tasking.store import (
    connect,
    request_id_for,
    resolve_database_url,
)
from tasking.street_beats import gistar_beats
from tasking.windows import extract_problems, hot_areas

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    import geopandas as gpd
    from shapely import Point
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy import Engine
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from boundaries.dataset import StudyArea
    from boundaries.population import PopulationMethod
    from hotspots.backtest import Backtest
    from hotspots.clusters import ClusterMethod, ClusterResult
    from hotspots.fdr import Correction
    from hotspots.forecast import Forecast
    from hotspots.kde import Kernel
    from hotspots.streets import StreetMethod, StreetUnit
    from layers.audience import Audience, LayerKind
    from layers.writers import ExportFormat
    from spatial.grid import GridKind
    from spatial.io import CrimeLoad
    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute

_LOG: Final = logging.getLogger("patchmap.app")
_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")

# Session-state keys (every widget's key; tests find widgets by these).
DATASET_KEY: Final = "dataset"
UPLOAD_CRIMES_KEY: Final = "upload_crimes"
UPLOAD_WARDS_KEY: Final = "upload_wards"
UPLOAD_NEIGHBOURHOODS_KEY: Final = "upload_neighbourhoods"
UPLOAD_POPULATION_KEY: Final = "upload_population"
UPLOAD_LSOAS_KEY: Final = "upload_lsoas"
FOLDER_CRIMES_KEY: Final = "folder_crimes"
FOLDER_WARDS_KEY: Final = "folder_wards"
FOLDER_NEIGHBOURHOODS_KEY: Final = "folder_neighbourhoods"
FOLDER_POPULATION_KEY: Final = "folder_population"
FOLDER_LSOAS_KEY: Final = "folder_lsoas"
STORE_DIR_KEY: Final = "store_dir"
START_APPLIED_KEY: Final = "start_applied"
"""Set once the choices of ``patchmap app --store`` (:func:`start_choices`) were applied."""
STORE_WARDS_KEY: Final = "store_wards"
STORE_WARDS_UPLOAD_KEY: Final = "store_wards_upload"
STORE_NEIGHBOURHOODS_KEY: Final = "store_neighbourhoods"
STORE_POPULATION_KEY: Final = "store_population"
STORE_LSOAS_KEY: Final = "store_lsoas"
WARD_FIELD_KEY: Final = "ward_field"
AREA_NAME_KEY: Final = "area_name"
"""The sidebar's name for the area (``--area-name``): titles, packs and export metadata."""
MONTHS_KEY: Final = "months"
CRIME_TYPES_KEY: Final = "crime_types"
WARDS_KEY: Final = "wards"
NEIGHBOURHOODS_KEY: Final = "neighbourhoods"
FILTERS_DATASET_KEY: Final = "filters_dataset"
"""The data set the filters were chosen for (they are cleared when it changes)."""
FOCUS_WARD_KEY: Final = "focus_ward"
"""A ward picked on the Force overview, applied to the filters at the start of the next run."""
FOCUS_PARAM: Final = "ward"
"""The query parameter of the Force overview's "Profile of <ward>" link: the ward it opens,
applied to the filters (as :func:`focus_ward` does) at the start of the run the link starts."""
PROFILE_SCOPE_KEY: Final = "profile_scope"
PROFILE_AREA_KEY: Final = "profile_area"
PROFILE_WARD_SCOPE: Final = "A ward"
"""The Profile page's widget keys and its ward scope (see app_pages/profile.py)."""
OVERVIEW_WARD_KEY: Final = "overview_ward"
OVERVIEW_LAST_CLICK_KEY: Final = "overview_last_click"
"""The Force overview's Ward box and the last map click it applied (app_pages/overview.py)."""
BRIEF_AREA_KEY: Final = "brief_area"
"""The Exports page's briefing-pack ward or neighbourhood (app_pages/exports.py)."""
_PAGE_CHOICE_KEYS: Final = (
    PROFILE_AREA_KEY,
    OVERVIEW_WARD_KEY,
    OVERVIEW_LAST_CLICK_KEY,
    BRIEF_AREA_KEY,
)
"""Pages' ward choices, forgotten with the filters when the data set changes: a name the new
data shares with the old (Castle is a demo ward and a Cambridge ward) must not survive."""
_NAME_MARK: Final = "|area-name:"
"""Joins the area's name to a data set's key (see :func:`load_current`)."""
_KEPT_KEYS: Final = "kept_keys"
"""The widget keys pages keep (:func:`remember_page_choices`), forgotten with the data set."""
_KEPT_PREFIX: Final = "kept:"
"""Session-state keys under which pages keep their choices while another page is shown."""
FORM_NONCE_KEY: Final = "form_nonce"
"""A random value per browser session: part of each form submission's request id."""

DEMO: Final = "Demo town"
UPLOAD: Final = "Upload files"
FOLDER: Final = "Folder on this computer"
STORE: Final = "Store (patchmap ingest)"
DATASETS: Final = (DEMO, UPLOAD, FOLDER, STORE)
"""The dataset choices, in the order the sidebar offers them."""

GISTAR_SOURCE: Final = "Gi* hot cells"
STREETS_SOURCE: Final = "Hot streets (walked end to end)"
KDE_SOURCE: Final = "Density peaks"
CLUSTER_SOURCE: Final = "Crime clusters"
"""Where the EVA page takes its hotspot stops from."""
NEXT_METHODS: Final = ("counts-all", "kde", "prospective", "gistar", "model", "default")
"""The forecast methods the "Next month" backtest compares."""

APOLOGY: Final = (
    "Sorry, something went wrong while {doing}. It has been logged; "
    "please try again or choose other data."
)


_MARKDOWN_MARKS: Final = re.compile(r"([\\`*_\[\]<>~$|#@])")
_AUTOLINK: Final = re.compile(r"(?i)\b(https?|ftp|mailto):|\b(www)\.")


def plain(text: object) -> str:
    """
    Return ``text`` escaped so Streamlit's markdown shows it as it is, never as markup.

    Ward names, locations, crime types, site names, file names and tasking-log entries come
    from files and people outside the police: one holding ``[Reset your password](https://...)``
    must not become a link in an officer's app, nor ``**`` bold or ``$`` a formula. Every
    character markdown reads as markup is backslash-escaped, and web addresses are broken so
    they are not linked automatically. A command a message writes in backticks stays a code
    span (nothing in one renders as markup). Data shown in ``st.markdown``, captions,
    subheaders, alerts and labels goes through here; the page's own markup stays outside.

    Parameters
    ----------
    text
        Plain text (anything; shown as ``str(text)``).

    Returns
    -------
    str
        The markdown source that renders exactly ``text``.

    Examples
    --------
    >>> plain("Castle")
    'Castle'
    """
    parts = _CODE_SPAN.split(str(text))  # odd parts: `code`, shown as code (nothing renders in it)
    return "".join(part if i % 2 else _escaped(part) for i, part in enumerate(parts))


_CODE_SPAN: Final = re.compile(r"(`[^`\n]+`)")
"""A command in backticks, as messages write them (`patchmap ingest ...`)."""


def _escaped(text: str) -> str:
    escaped = _MARKDOWN_MARKS.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda m: f"{m[1]}\\:" if m[1] else f"{m[2]}\\.", escaped)


def fail(message: str) -> NoReturn:
    """Show ``message`` (plain text: a file's name or values may be in it) and stop the page."""
    st.error(plain(message))
    st.stop()


def submission_id(form: str, *values: object) -> str:
    """
    Return the request id (idempotency key) of one form submission in this browser session.

    The same values submitted again from the same form in the same session (a double click, a
    rerun while saving) get the same id, so the tasking log adds one record; another session, or
    any changed value, gets a new one.

    Parameters
    ----------
    form
        The form's name ("add_problem").
    *values
        Everything the form submits, including the user.

    Returns
    -------
    str
        An id for the store's ``request_id``.
    """
    nonce = st.session_state.setdefault(FORM_NONCE_KEY, uuid.uuid4().hex)
    return request_id_for(nonce, form, *values)


SHARED_TITLE_HELP: Final = (
    "Partners read the title in their briefing packs: name no victim, suspect or address "
    "here; the description is for the police only."
)
"""What a problem's title is shared with (as ``patchmap tasks add problem --help`` says)."""
SHARED_ACTION_HELP: Final = (
    "Partners read what an Enforcement, Prevention or Communication action says in their "
    "briefing packs (an Intelligence action shows only its strand and status): name no "
    "victim, suspect or address here; notes are for the police only."
)
"""What an action's description is shared with (as ``patchmap tasks add action --help``)."""


_SAVED_FORM_PREFIX: Final = "_saved_form_"
"""Session-state prefix of a form saved in the last run: its inputs' empty values, a message."""


def form_saved(form: str, emptied: Mapping[str, object], message: str | None = None) -> NoReturn:
    """
    Empty a form whose save worked, on the next run, and run the page again.

    Forms are not cleared on submit: Streamlit would empty them in the browser before the save
    is checked, so a refused save (no name given, an empty title) lost everything typed. Only a
    save that worked empties its form, here; a refused one stops the page with its error and
    leaves the text in place to correct. A widget's value cannot be changed in the run that
    drew it, so :func:`clear_saved_form` sets the values before the form is drawn again (set,
    not deleted: the browser keeps a deleted widget's last value and sends it back).

    Parameters
    ----------
    form
        The form's name.
    emptied
        Each input's session-state key and the value it starts with.
    message
        Shown once above the emptied form ("Report saved."), if given.
    """
    st.session_state[_SAVED_FORM_PREFIX + form] = (dict(emptied), message)
    st.rerun()


def clear_saved_form(form: str) -> None:
    """
    Empty the inputs of ``form`` if :func:`form_saved` asked; call it before drawing the form.

    Parameters
    ----------
    form
        The form's name.
    """
    saved = st.session_state.pop(_SAVED_FORM_PREFIX + form, None)
    if saved is None:
        return
    emptied, message = saved
    for key, value in emptied.items():
        st.session_state[key] = value
    if message:
        st.success(message)


def guarded(doing: str, func: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """
    Call into a package: show a :class:`PatchmapError` as an error box, anything else as an apology.

    Parameters
    ----------
    doing
        What the call does, for the apology ("loading the crimes").
    func, *args, **kwargs
        The call.

    Returns
    -------
    object
        What ``func`` returned; the page stops instead when it raised.
    """
    try:
        return func(*args, **kwargs)
    except PatchmapError as err:
        fail(str(err))
    except Exception:  # noqa: BLE001  # the user sees an apology, the log keeps the traceback
        _LOG.exception("patchmap failed while %s", doing)
        fail(APOLOGY.format(doing=doing))


def attempt(doing: str, func: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R | None:
    """
    Call into a package like :func:`guarded`, but return None after showing the error.

    Pages use it when they still have widgets to draw (so the user can fix a parameter) before
    stopping with ``st.stop()``.

    Parameters
    ----------
    doing
        What the call does, for the apology.
    func, *args, **kwargs
        The call.

    Returns
    -------
    object or None
        What ``func`` returned, or None when it raised (the message is already shown).
    """
    try:
        return func(*args, **kwargs)
    except PatchmapError as err:
        st.error(plain(err))
    except Exception:  # noqa: BLE001  # the user sees an apology, the log keeps the traceback
        _LOG.exception("patchmap failed while %s", doing)
        st.error(APOLOGY.format(doing=doing))
    return None


@dataclass(frozen=True)
class Context:
    """The loaded data and the user's filters, as every page sees them."""

    dataset_id: str
    """Cache key of the data set: "demo", or its kind plus a digest or signature of the files."""
    area: StudyArea
    """Wards and crimes."""
    selection: Selection
    """Months, crime types, wards and neighbourhoods chosen in the sidebar (None: all)."""


# ---------------------------------------------------------------------------------------------
# Cached loaders


@st.cache_resource(show_spinner="Building the demo town…")
def demo_area() -> StudyArea:
    """Return the seeded demo study area, built once and shared (never mutated)."""
    return load_demo()


# Study areas are cached as resources: one frozen object, never mutated, no copy per rerun (a
# force's 90,000 crimes would otherwise be unpickled twice on every interaction). The key holds
# a digest of the files' bytes (uploads) or their size and modification time (folders).
@st.cache_resource(max_entries=3, show_spinner="Reading the uploaded files…")
def uploaded_area(
    digest: str,
    ward_field: str | None,
    _crimes: tuple[tuple[str, bytes], ...],
    _wards: tuple[str, bytes],
    _neighbourhoods: tuple[str, bytes] | None,
    _population: tuple[str, bytes] | None = None,
    _lsoas: tuple[str, bytes] | None = None,
) -> StudyArea:
    """Load uploaded files; ``digest`` (of every file's name and bytes) is the cache key."""
    del digest
    return load_study_area(
        list(_crimes),
        _wards,
        ward_field=ward_field,
        neighbourhoods=_neighbourhoods,
        population=_population,
        lsoas=_lsoas,
    )


@st.cache_data(max_entries=3, show_spinner="Checking the crime files…")
def checked_crime_rows(digest: str, _crimes: tuple[tuple[str, bytes], ...]) -> int:
    """Read uploaded crime files (before the wards arrive) so a wrong file is reported at once."""
    del digest
    return read_crimes(list(_crimes)).n_rows


@st.cache_resource(max_entries=3, show_spinner="Reading the files…")
def folder_area(
    crimes: str,
    wards: str,
    neighbourhoods: str | None,
    ward_field: str | None,
    signature: str,
    population: str | None = None,
    lsoas: str | None = None,
) -> StudyArea:
    """Load files from disk; ``signature`` (their sizes and modification times) keys the cache."""
    del signature
    return load_study_area(
        [Path(crimes)],
        Path(wards),
        ward_field=ward_field,
        neighbourhoods=neighbourhoods,
        population=population,
        lsoas=lsoas,
        cache_dir=default_cache_dir(),  # parsed crimes and wards reload from GeoParquet next time
    )


# Keyed on the manifest's size and modification time: ``patchmap ingest`` replaces the manifest
# atomically after every change, so a re-ingest makes a new key and the wards are read again.
@st.cache_resource(max_entries=3, show_spinner="Reading the wards' crimes from the store…")
def store_area(
    store: str,
    wards: str | tuple[str, bytes],
    neighbourhoods: str | None,
    ward_field: str | None,
    signature: str,
    population: str | None = None,
    lsoas: str | None = None,
) -> StudyArea:
    """Read the wards' crimes from a store; ``signature`` (manifest and files) keys the cache."""
    del signature
    return load_study_area_from_store(
        Path(store),
        wards,
        ward_field=ward_field,
        neighbourhoods=neighbourhoods,
        population=population,
        lsoas=lsoas,
        cache_dir=default_cache_dir(),  # the parsed wards reload from Parquet next time
    )


@st.cache_resource(max_entries=4, show_spinner="Opening the tasking log…")
def tasking_engine(url: str) -> Engine:
    """Open (and migrate) the tasking database once per URL, shared by every page and session."""
    return connect(url)


@st.cache_data(max_entries=4, show_spinner="Drawing the streets…")
def street_lines(network_path: str, signature: str) -> gpd.GeoDataFrame:
    """Return the street network's edges as lines (British National Grid)."""
    del signature
    edges = load_network(network_path).edges_frame()
    return edges[["name", "geometry"]]


@dataclass(frozen=True)
class MapView:
    """What the Map page draws for one data set and selection."""

    wards: gpd.GeoDataFrame
    """The selected wards."""
    counts: gpd.GeoDataFrame
    """Crimes per snap point (:func:`layers.map.snap_point_counts`)."""
    table: pd.DataFrame
    """Crimes by ward (rows) and type (columns), with totals."""
    n_crimes: int
    """Crimes in the selection."""


@st.cache_data(max_entries=16, show_spinner="Counting crimes…")
def map_view(dataset_id: str, selection: Selection, _area: StudyArea) -> MapView:
    """Return the Map page's layers and table, cached per data set and selection."""
    del dataset_id
    wards = select_wards(_area, selection)
    points = select_points(_area, selection)
    return MapView(
        wards=wards,
        counts=snap_point_counts(points),
        table=ward_type_table(points, wards),
        n_crimes=len(points),
    )


# ---------------------------------------------------------------------------------------------
# The sidebar and the context


def _digest(files: Sequence[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for name, data in files:
        sha.update(name.encode())
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()[:20]


def file_signature(*paths: str) -> str:
    """Return the paths with their sizes and modification times, to key a cache on files."""
    parts = []
    for text in paths:
        path = Path(text)
        stat = path.stat() if path.exists() else None
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}" if stat else f"{path}:missing")
    return "|".join(parts)


def _files(uploaded: UploadedFile | list[UploadedFile] | None) -> tuple[tuple[str, bytes], ...]:
    if uploaded is None:
        return ()
    items = uploaded if isinstance(uploaded, list) else [uploaded]
    return tuple((f.name, f.getvalue()) for f in items)


def _ward_field() -> str | None:
    text = str(st.session_state.get(WARD_FIELD_KEY, "")).strip()
    return text or None


def _load_uploaded() -> tuple[str, StudyArea]:
    crimes = _files(st.session_state.get(UPLOAD_CRIMES_KEY))
    wards = _files(st.session_state.get(UPLOAD_WARDS_KEY))
    neighbourhoods = _files(st.session_state.get(UPLOAD_NEIGHBOURHOODS_KEY))
    population = _files(st.session_state.get(UPLOAD_POPULATION_KEY))
    lsoas = _files(st.session_state.get(UPLOAD_LSOAS_KEY))
    if not crimes:
        st.info(
            "Upload data.police.uk street-level crime CSVs (or the .zip as downloaded) and a "
            "ward boundary file (GeoJSON, GeoPackage or zipped Shapefile) in the sidebar."
        )
        st.stop()
    if not wards:  # the crimes alone: a wrong file is said at once, before the wards come
        guarded("checking the crime files", checked_crime_rows, _digest(crimes), crimes)
        st.info("The crime files look right. Now upload the ward boundary file in the sidebar.")
        st.stop()
    # With both, they are read as the command and the folder fields read them: the wards first,
    # so two files given the wrong way round get the same first message everywhere (the ward
    # box's police.uk CSV: "give it as the crimes, not as the ward boundaries").
    field = _ward_field()
    extras = neighbourhoods + population + lsoas
    digest = _digest(crimes + wards + extras + (("field", (field or "").encode()),))
    area = guarded(
        "reading the uploaded files",
        uploaded_area,
        digest,
        field,
        crimes,
        wards[0],
        neighbourhoods[0] if neighbourhoods else None,
        population[0] if population else None,
        lsoas[0] if lsoas else None,
    )
    return f"upload:{digest}", area


def typed_path(key: str) -> str | None:
    """
    Return the path typed in a sidebar box as the server reads it, or None when it is blank.

    Spaces around it and one pair of quotes (Windows' "Copy as path" adds them) are dropped, and
    ``~`` is the user's home folder, as a shell would read the same path for the command.

    Parameters
    ----------
    key
        The box's session-state key.

    Returns
    -------
    str or None
        The path, or None.
    """
    text = str(st.session_state.get(key, "")).strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return str(Path(text).expanduser()) if text else None


def _load_folder() -> tuple[str, StudyArea]:
    crimes = typed_path(FOLDER_CRIMES_KEY) or ""
    wards = typed_path(FOLDER_WARDS_KEY) or ""
    neighbourhoods = typed_path(FOLDER_NEIGHBOURHOODS_KEY)
    population = typed_path(FOLDER_POPULATION_KEY)
    lsoas = typed_path(FOLDER_LSOAS_KEY)
    if not crimes or not wards:
        st.info(
            "Type the path of the crime CSVs (a file, a folder or the .zip) and of the ward "
            "boundary file in the sidebar."
        )
        st.stop()
    for label, path in (("crime files", crimes), ("ward boundary file", wards)):
        if not Path(path).exists():
            fail(f"{path}: the {label} were not found. Check the path (it is read on the server).")
    field = _ward_field()
    optional = [p for p in (neighbourhoods, population, lsoas) if p]
    for path in optional:
        if not Path(path).exists():
            fail(f"{path}: the file was not found. Check the path (it is read on the server).")
    signature = file_signature(crimes, wards, *optional)
    area = guarded(
        "reading the files",
        folder_area,
        crimes,
        wards,
        neighbourhoods,
        field,
        signature,
        population,
        lsoas,
    )
    return f"folder:{signature}:{field}", area


def store_signature(store: str) -> str:
    """
    Return what identifies a store's contents: its manifest's path, size and modification time.

    Parameters
    ----------
    store
        The store's folder.

    Returns
    -------
    str
        A cache key that changes whenever ``patchmap ingest`` changes the store.
    """
    return file_signature(str(Path(store) / "manifest.json"))


def current_store() -> Path | None:
    """
    Return the store chosen in the sidebar, or None when the data set is not a store.

    Returns
    -------
    Path or None
        The store's folder.
    """
    if st.session_state.get(DATASET_KEY) != STORE:
        return None
    text = typed_path(STORE_DIR_KEY)
    return Path(text) if text else None


def _store_wards() -> tuple[str | tuple[str, bytes] | None, str]:
    """Return the wards (an uploaded file wins over a path) and their part of the cache key."""
    uploaded = _files(st.session_state.get(STORE_WARDS_UPLOAD_KEY))
    if uploaded:
        return uploaded[0], f"upload:{_digest(uploaded)}"
    path = typed_path(STORE_WARDS_KEY)
    if not path:
        return None, ""
    if not Path(path).exists():
        fail(f"{path}: the ward boundary file was not found. Check the path (read on the server).")
    return path, file_signature(path)


def _load_store() -> tuple[str, StudyArea]:
    store = current_store()
    wards, wards_key = _store_wards()
    if store is None or wards is None:
        st.info(
            "Type the folder of a store made by `patchmap ingest` and the path of the ward "
            "boundary file (or upload it) in the sidebar. Only the wards' crimes are read."
        )
        st.stop()
    if not (store / "manifest.json").is_file():  # the command's message: what the path holds
        guarded("opening the store", read_manifest, store)
        guarded("opening the store", store_info, store)  # an empty folder: what to do
    optional = {
        key: typed_path(key)
        for key in (STORE_NEIGHBOURHOODS_KEY, STORE_POPULATION_KEY, STORE_LSOAS_KEY)
    }
    for path in optional.values():
        if path and not Path(path).exists():
            fail(f"{path}: the file was not found. Check the path (it is read on the server).")
    field = _ward_field()
    paths = [p for p in optional.values() if p]
    signature = "|".join([store_signature(str(store)), wards_key, file_signature(*paths)])
    area = guarded(
        "reading the store",
        store_area,
        str(store),
        wards,
        optional[STORE_NEIGHBOURHOODS_KEY],
        field,
        signature,
        optional[STORE_POPULATION_KEY],
        optional[STORE_LSOAS_KEY],
    )
    if area.points.empty:
        info = guarded("reading the store's contents", store_info, store)
        fail(
            f"No crime in the store falls inside these wards ({len(area.wards)} "
            f"ward{'s' * (len(area.wards) != 1)}). The "
            f"store holds {', '.join(force_name(f) for f in info.forces)}, {info.months[0]} to "
            f"{info.months[-1]}: "
            "check that the ward boundaries are in those forces' areas, or ingest the files of "
            "the wards' force."
        )
    return f"store:{store}:{signature}:{field}", area


def area_name() -> str | None:
    """Return the name the sidebar gives the area (``--area-name``), None when left blank."""
    return str(st.session_state.get(AREA_NAME_KEY) or "").strip() or None


def load_current() -> tuple[str, StudyArea]:
    """
    Return the data set the sidebar points at, loading it (cached) if needed.

    Returns
    -------
    tuple of str and StudyArea
        Its cache key and the study area; the page stops with a message when it cannot load.
    """
    choice = st.session_state.get(DATASET_KEY, DEMO)
    if choice == UPLOAD:
        dataset_id, area = _load_uploaded()
    elif choice == FOLDER:
        dataset_id, area = _load_folder()
    elif choice == STORE:
        dataset_id, area = _load_store()
    else:
        return "demo", guarded("building the demo town", demo_area)
    name = area_name()
    if name is None:
        return dataset_id, area
    # the name is part of the key of what is cached (titles, metadata), not of the data's
    return f"{dataset_id}{_NAME_MARK}{name}", guarded("naming the area", named, area, name)


def _reset_filters_on_new_data(dataset_id: str) -> None:
    """Forget the filters chosen for another data set (its months and names may not exist here)."""
    dataset_id = dataset_id.split(_NAME_MARK, 1)[0]  # a new name keeps the data's filters
    if st.session_state.get(FILTERS_DATASET_KEY) != dataset_id:
        kept = [k for k in st.session_state if str(k).startswith(_KEPT_PREFIX)]
        for key in (MONTHS_KEY, CRIME_TYPES_KEY, WARDS_KEY, NEIGHBOURHOODS_KEY, *_PAGE_CHOICE_KEYS):
            st.session_state.pop(key, None)
        # the pages' remembered choices were the old data's too, and so are the values of the
        # widgets they keep, when the data set changes on their page (a pack's route for the
        # demo's streets, its meeting date): both go, so the page opens as new
        for key in [*kept, *st.session_state.get(_KEPT_KEYS, ())]:
            st.session_state.pop(key, None)
        st.session_state[FILTERS_DATASET_KEY] = dataset_id


def _month_range(area: StudyArea) -> tuple[str, str] | None:
    if not area.months:
        return None
    value = _valid_range(st.session_state.get(MONTHS_KEY))
    if value is not None and value[0] in area.months and value[1] in area.months:
        return value
    return area.months[0], area.months[-1]


def _valid_range(value: object) -> tuple[str, str] | None:
    if isinstance(value, tuple | list) and len(value) == 2:  # noqa: PLR2004  # (first, last)
        return str(value[0]), str(value[1])
    return None


def selection_from_state(area: StudyArea) -> Selection:
    """
    Return the user's filters as a :class:`~boundaries.select.Selection` (empty choice: all).

    Parameters
    ----------
    area
        The loaded study area (its months bound the range).

    Returns
    -------
    Selection
        Months, crime types, wards and neighbourhoods.
    """
    types = tuple(st.session_state.get(CRIME_TYPES_KEY) or ()) or None
    wards = tuple(st.session_state.get(WARDS_KEY) or ()) or None
    neighbourhoods = tuple(st.session_state.get(NEIGHBOURHOODS_KEY) or ()) or None
    return Selection(
        months=_month_range(area), crime_types=types, wards=wards, neighbourhoods=neighbourhoods
    )


def start_choices(argv: Sequence[str]) -> dict[str, str]:
    """
    Return the sidebar choices ``patchmap app --store DIR --wards FILE`` opens the app on.

    The command passes its options to the script after ``--``; anything else in ``argv`` is
    left alone (a test runner's own arguments).

    Parameters
    ----------
    argv
        The script's arguments (``sys.argv[1:]``).

    Returns
    -------
    dict
        Session-state values by key: the store data set, its folder and wards; empty without
        ``--store``.

    Examples
    --------
    >>> start_choices(["--store", "/data/store"]) == {
    ...     DATASET_KEY: STORE, STORE_DIR_KEY: "/data/store"
    ... }
    True
    >>> start_choices([])
    {}
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    parser.add_argument("--wards")
    given, _ = parser.parse_known_args(list(argv))
    if not given.store:
        return {}
    choices = {DATASET_KEY: STORE, STORE_DIR_KEY: str(given.store)}
    if given.wards:
        choices[STORE_WARDS_KEY] = str(given.wards)
    return choices


def _dataset_inputs() -> None:
    if not st.session_state.get(START_APPLIED_KEY):  # once a browser session: then the user's
        st.session_state[START_APPLIED_KEY] = True
        for key, value in start_choices(sys.argv[1:]).items():
            st.session_state.setdefault(key, value)
    st.session_state.setdefault(DATASET_KEY, DEMO)
    st.radio("Data set", DATASETS, key=DATASET_KEY)
    choice = st.session_state[DATASET_KEY]
    if choice == UPLOAD:
        st.file_uploader(
            "Crime CSVs or .zip (data.police.uk)", accept_multiple_files=True, key=UPLOAD_CRIMES_KEY
        )
        st.file_uploader("Ward boundaries (GeoJSON, GeoPackage, zip)", key=UPLOAD_WARDS_KEY)
        st.file_uploader(
            "Neighbourhoods CSV (ward, neighbourhood), optional", key=UPLOAD_NEIGHBOURHOODS_KEY
        )
        st.file_uploader(
            "LSOA population CSV (Census 2021 or mid-year estimates), optional, for rates",
            key=UPLOAD_POPULATION_KEY,
        )
        st.file_uploader("LSOA boundaries, optional, for rates", key=UPLOAD_LSOAS_KEY)
    elif choice == FOLDER:
        st.text_input(
            "Crime CSVs: a file, folder or .zip", key=FOLDER_CRIMES_KEY, placeholder="/data/crimes"
        )
        st.text_input("Ward boundary file", key=FOLDER_WARDS_KEY, placeholder="/data/wards.geojson")
        st.text_input("Neighbourhoods CSV, optional", key=FOLDER_NEIGHBOURHOODS_KEY)
        st.text_input("LSOA population CSV, optional", key=FOLDER_POPULATION_KEY)
        st.text_input("LSOA boundaries, optional", key=FOLDER_LSOAS_KEY)
    elif choice == STORE:
        _store_inputs()
    if choice != DEMO:
        st.text_input(
            "Ward name column (blank: found automatically)",
            key=WARD_FIELD_KEY,
            placeholder="WD23NM",
        )
        st.text_input(
            "Area name, optional",
            key=AREA_NAME_KEY,
            placeholder="e.g. Cambridge City",
            help="Heads the pages, the briefing pack's cover and the exports' metadata "
            "(blank: the ward file's name).",
        )


def _store_inputs() -> None:
    st.text_input(
        "Store folder (made by patchmap ingest)", key=STORE_DIR_KEY, placeholder="~/police-store"
    )
    st.text_input("Ward boundary file", key=STORE_WARDS_KEY, placeholder="/data/wards.geojson")
    st.file_uploader("…or upload the ward boundaries", key=STORE_WARDS_UPLOAD_KEY)
    st.text_input("Neighbourhoods CSV, optional", key=STORE_NEIGHBOURHOODS_KEY)
    st.text_input("LSOA population CSV, optional", key=STORE_POPULATION_KEY)
    st.text_input("LSOA boundaries, optional", key=STORE_LSOAS_KEY)


def focus_ward(ward: str) -> None:
    """
    Make ``ward`` the sidebar's ward selection and the Profile page's subject.

    The filters are widgets drawn before any page, so the choice is applied at the start of the
    run that follows (or of this run, when called from a widget's callback).

    Parameters
    ----------
    ward
        A ward name of the loaded data set.
    """
    st.session_state[FOCUS_WARD_KEY] = ward


def profile_link_params(ward: str) -> dict[str, str]:
    """
    Return the query parameters of a page link that opens ``ward``'s Profile and selects it.

    A link, not ``st.switch_page``: the browser sends the sidebar's widget values with it, so
    the data set and filters survive the page change. The ward travels in the link itself, so
    the page opened is the one the link names, whatever the session state held.

    Parameters
    ----------
    ward
        A ward name of the loaded data set.

    Returns
    -------
    dict of str to str
        For ``st.page_link(..., query_params=...)``.
    """
    return {FOCUS_PARAM: ward}


def _apply_focus(area: StudyArea) -> None:
    ward = st.session_state.pop(FOCUS_WARD_KEY, None)
    linked = st.query_params.get(FOCUS_PARAM)
    if linked is not None:  # a "Profile of <ward>" link was followed: it wins, once
        del st.query_params[FOCUS_PARAM]
        # as --ward takes it: case, spacing and a Mac's decomposed accents aside
        (ward,) = as_written([normal_name(linked)], area.ward_names)
    if ward in area.ward_names:
        st.session_state[WARDS_KEY] = [ward]
        st.session_state[NEIGHBOURHOODS_KEY] = []
        st.session_state[PROFILE_SCOPE_KEY] = PROFILE_WARD_SCOPE
        st.session_state[PROFILE_AREA_KEY] = ward


def restore_page_choices(*keys: str) -> None:
    """
    Give a page's widgets back the values Streamlit dropped while another page was shown.

    Streamlit forgets a widget's value in a run that does not draw it, so a ward picked on the
    Profile would be lost after a look at the Map. A page calls this before drawing the widgets
    of ``keys``, and :func:`remember_page_choices` after; a new data set forgets them all.

    Parameters
    ----------
    keys
        The widgets' session-state keys.
    """
    for key in keys:
        kept = _KEPT_PREFIX + key
        if key not in st.session_state and kept in st.session_state:
            st.session_state[key] = st.session_state[kept]


def kept_choice(key: str) -> object:
    """
    Return the value :func:`remember_page_choices` kept for a widget (None when none).

    For a widget that takes its first value as an argument (a range slider is a range only
    when ``value`` is a pair) rather than from :func:`restore_page_choices`, which would set
    it through the Session State API as well.
    """
    return st.session_state.get(_KEPT_PREFIX + key)


def remember_page_choices(*keys: str) -> None:
    """
    Keep the values of a page's widgets for its next visit (see :func:`restore_page_choices`).

    Parameters
    ----------
    keys
        The widgets' session-state keys.
    """
    kept_keys = st.session_state.setdefault(_KEPT_KEYS, set())
    for key in keys:
        kept_keys.add(key)
        if key in st.session_state:
            st.session_state[_KEPT_PREFIX + key] = st.session_state[key]


def sidebar_place(selection: Selection) -> tuple[bool, str] | None:
    """
    Return the one ward or neighbourhood chosen in the sidebar, if exactly one is.

    Parameters
    ----------
    selection
        The sidebar's filters.

    Returns
    -------
    tuple of bool and str, or None
        ``(is_neighbourhood, name)``; None when none or several wards and neighbourhoods are
        chosen.
    """
    wards = selection.wards or ()
    neighbourhoods = selection.neighbourhoods or ()
    if len(wards) + len(neighbourhoods) != 1:
        return None
    return (False, wards[0]) if wards else (True, neighbourhoods[0])


def follow_sidebar_place(
    selection: Selection, *, followed_key: str, page_has_choice: bool
) -> tuple[bool, str] | None:
    """
    Return the sidebar's single ward or neighbourhood when a page should show it now.

    A page showing one place (the Profile, the briefing pack, the Force overview's Ward box)
    opens on the sidebar's choice when exactly one is made, and follows it when it changes;
    in between, the page's own choice wins.

    Parameters
    ----------
    selection
        The sidebar's filters.
    followed_key
        The page's session-state key remembering the sidebar choice it last followed.
    page_has_choice
        Whether the page holds a valid choice of its own.

    Returns
    -------
    tuple of bool and str, or None
        ``(is_neighbourhood, name)`` to show; None to keep the page's choice.
    """
    single = sidebar_place(selection)
    previous = st.session_state.get(followed_key)
    st.session_state[followed_key] = single
    if single is None or (single == previous and page_has_choice):
        return None
    return single


def sidebar_choice_text(selection: Selection) -> str | None:
    """
    Name the wards and neighbourhoods chosen in the sidebar, when several are.

    Parameters
    ----------
    selection
        The sidebar's filters.

    Returns
    -------
    str or None
        E.g. ``"Abbey, Castle and Market"``; None when at most one is chosen.
    """
    names = [*(selection.wards or ()), *(selection.neighbourhoods or ())]
    if len(names) < 2:  # noqa: PLR2004  # one place is followed, not named
        return None
    return ", ".join(names[:-1]) + " and " + names[-1]


def _filter_inputs(dataset_id: str, area: StudyArea) -> None:
    _reset_filters_on_new_data(dataset_id)
    _apply_focus(area)
    st.subheader("Filters")
    months = area.months
    if len(months) > 1:
        st.select_slider(
            "Months", options=list(months), value=(months[0], months[-1]), key=MONTHS_KEY
        )
    elif months:
        st.caption(f"Month: {months[0]}")
    st.multiselect(
        "Crime types", area.crime_types, key=CRIME_TYPES_KEY, placeholder="All crime types"
    )
    st.multiselect("Wards", area.ward_names, key=WARDS_KEY, placeholder="All wards")
    if set(area.neighbourhood_names) != set(area.ward_names):
        st.multiselect(
            "Neighbourhoods",
            area.neighbourhood_names,
            key=NEIGHBOURHOODS_KEY,
            placeholder="All neighbourhoods",
        )


def data_accounting(area: StudyArea) -> str:
    """
    Say where every row read went: inside the wards, outside them, without a location, outside GB.

    Parameters
    ----------
    area
        The loaded study area.

    Returns
    -------
    str
        One sentence for the sidebar. Crimes outside the wards are one figure, as
        ``patchmap summary`` gives it; from a store, the part read (in the wards' extent) and the
        part only counted (elsewhere in the store) follow it in brackets.
    """
    crimes = area.crimes
    n_wards = len(area.wards)
    mapped = f"{area.label}: {len(area.points):,} crimes in {n_wards} ward{'s' * (n_wards != 1)}"
    n_unread = crimes.n_unread_located
    outside = "outside the wards" + (
        f" ({area.n_outside_wards:,} in the wards' extent; {n_unread:,} elsewhere in the store, "
        "counted, not read)"
        if n_unread
        else ""
    )
    dropped = [
        (area.n_outside_wards + n_unread, outside),
        (crimes.n_without_location, "without a location"),
        (crimes.n_outside_gb, "outside Great Britain"),
        (crimes.n_duplicates_removed, "duplicates removed"),
        (crimes.n_set_aside, f"set aside ({', '.join(_set_aside_why(crimes))})"),
    ]
    shown = [f"{n:,} {what}" for n, what in dropped if n]
    return f"{mapped}; not mapped: {', '.join(shown)}." if shown else f"{mapped}."


def _set_aside_why(crimes: CrimeLoad) -> tuple[str, ...]:
    """Say why a load's rows were set aside, as ``patchmap summary`` says it."""
    return set_aside_reasons(crimes.set_aside["reason"], n_counted=crimes.n_counted_set_aside)


def sidebar() -> Context:
    """
    Draw the shared sidebar (data set, months, crime types, wards, neighbourhoods).

    Returns
    -------
    Context
        The loaded data and the filters; the run stops with a message when data cannot load.
    """
    with st.sidebar:
        _dataset_inputs()
    dataset_id, area = load_current()
    with st.sidebar:
        _filter_inputs(dataset_id, area)
        st.caption(plain(data_accounting(area)))
        if area.area_mismatch is not None:  # also the first of the notes, as in the command
            st.warning(plain(area.area_mismatch), icon=":material/wrong_location:")
        if area.notes:
            with st.expander("Notes on the data"):
                for note in area.notes:
                    st.caption(plain(note))
    return Context(dataset_id=dataset_id, area=area, selection=selection_from_state(area))


def context() -> Context:
    """
    Return the data and filters chosen in the sidebar (the sidebar has run first in ``app.py``).

    Returns
    -------
    Context
        The loaded data (from the cache) and the filters.
    """
    dataset_id, area = load_current()
    return Context(dataset_id=dataset_id, area=area, selection=selection_from_state(area))


# ---------------------------------------------------------------------------------------------
# Hotspots: one cached wrapper per analysis, keyed on the data set, the filters and its options


@dataclass(frozen=True)
class Warned(Generic[_T]):
    """A result with the warnings raised while computing it (shown by the page)."""

    value: _T
    warnings: tuple[str, ...]


def _capture(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Warned[_T]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PatchmapWarning)
        value = func(*args, **kwargs)
    messages = tuple(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, PatchmapWarning))
    )
    return Warned(value, messages)


@st.cache_data(max_entries=16, show_spinner=False)
def selected_frames(
    dataset_id: str, selection: Selection, _area: StudyArea
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the selected wards and crimes."""
    del dataset_id
    return select_wards(_area, selection), select_points(_area, selection)


@st.cache_data(max_entries=16, show_spinner="Estimating the density…")
def density(  # the data set key, the filters and each KDE option
    dataset_id: str,
    selection: Selection,
    cell_size_m: float | None,
    bandwidth_m: float | None,
    kernel: Kernel,
    _area: StudyArea,
) -> Warned[DensitySurface]:
    """Return the kernel density surface (``None`` options are chosen automatically)."""
    wards, points = selected_frames(dataset_id, selection, _area)
    return _capture(
        kernel_density,
        points,
        area=wards,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        kernel=kernel,
    )


@st.cache_data(max_entries=16, show_spinner="Estimating residents and the crime rate…")
def rate(  # the data set key, the filters and each KDE option
    dataset_id: str,
    selection: Selection,
    cell_size_m: float,
    bandwidth_m: float,
    kernel: Kernel,
    _area: StudyArea,
) -> Warned[RateSurface]:
    """Return crimes per 1,000 residents (dual KDE) on the density's own raster and bandwidth."""
    wards, points = selected_frames(dataset_id, selection, _area)
    if _area.population is None or _area.lsoas is None:
        msg = "A crime rate needs LSOA populations and boundaries: load them in the sidebar."
        raise ParameterError(msg)
    residents = lsoa_residents(_area.lsoas, _area.population, wards=_area.wards)
    return _capture(
        rate_surface,
        points,
        residents,
        area=wards,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        kernel=kernel,
    )


@st.cache_data(max_entries=16, show_spinner="Building the grid…")
def analysis_grid(
    dataset_id: str,
    selection: Selection,
    kind: GridKind,
    cell_size_m: float | None,
    _area: StudyArea,
) -> Warned[Grid]:
    """Return the analysis grid over the selected wards."""
    wards, _ = selected_frames(dataset_id, selection, _area)
    return _capture(make_grid, wards, kind=kind, cell_size_m=cell_size_m)


@st.cache_data(max_entries=16, show_spinner="Testing for hot and cold spots…")
def gistar_result(  # the data set key, the filters and each Gi* option
    dataset_id: str,
    selection: Selection,
    kind: GridKind,
    cell_size_m: float | None,
    distance_band_m: float | None,
    correction: Correction,
    alpha: float,
    _area: StudyArea,
) -> GiStarResult:
    """Return Gi* on the crime counts of the selected cells."""
    grid = analysis_grid(dataset_id, selection, kind, cell_size_m, _area).value
    _, points = selected_frames(dataset_id, selection, _area)
    return gi_star(
        count_points(points, grid),
        grid=grid,
        distance_band_m=distance_band_m,
        correction=correction,
        alpha=alpha,
    )


@st.cache_data(max_entries=16, show_spinner="Finding clusters…")
def cluster_result(  # the data set key, the filters and each option
    dataset_id: str,
    selection: Selection,
    method: ClusterMethod,
    eps_m: float | None,
    min_crimes: int,
    _area: StudyArea,
) -> ClusterResult:
    """
    Return DBSCAN or HDBSCAN clusters (``eps_m`` None: automatic, over the selected wards' area).

    The wards' area, as `patchmap hotspots` and the exports give it: one answer everywhere.
    """
    wards, points = selected_frames(dataset_id, selection, _area)
    area_m2 = float(wards.geometry.area.sum())
    if method == "hdbscan":
        return hdbscan_clusters(
            points, min_cluster_crimes=min_crimes, selection_epsilon_m=eps_m, area_m2=area_m2
        )
    return dbscan_clusters(points, eps_m=eps_m, min_crimes=min_crimes, area_m2=area_m2)


@st.cache_data(max_entries=16, show_spinner="Classifying emerging hot spots…")
def emerging_result(  # the data set key, the filters and each option
    dataset_id: str,
    selection: Selection,
    kind: GridKind,
    cell_size_m: float | None,
    alpha: float,
    _area: StudyArea,
) -> Warned[gpd.GeoDataFrame]:
    """Return each cell's emerging hot spot category over the selected months."""
    grid = analysis_grid(dataset_id, selection, kind, cell_size_m, _area).value
    _, points = selected_frames(dataset_id, selection, _area)
    return _capture(
        emerging_hotspots,
        points,
        grid=grid,
        months=selection.months,
        correction="fdr_bh",  # the Hotspots page states this convention
        alpha=alpha,
        distance_band_m=None,
    )


@st.cache_data(max_entries=16, show_spinner="Ranking the cells by density…")
def kde_top(  # the data set key, the filters and each option
    dataset_id: str,
    selection: Selection,
    kind: GridKind,
    cell_size_m: float | None,
    share_pct: float,
    _area: StudyArea,
) -> KdeTop:
    """Return the densest cells by kernel density (as patchmap hotspots --method kde-top)."""
    grid = analysis_grid(dataset_id, selection, kind, cell_size_m, _area).value
    wards, points = selected_frames(dataset_id, selection, _area)
    return kde_top_cells(points, grid, area=wards, share_pct=share_pct)


@st.cache_data(max_entries=16, show_spinner="Testing each cell for a change…")
def change_result(  # the data set key, the filters and each option
    dataset_id: str,
    selection: Selection,
    kind: GridKind,
    cell_size_m: float | None,
    periods: tuple[tuple[str, str], tuple[str, str]],
    alpha: float,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return each cell's change in crimes per month between two periods (as patchmap change)."""
    grid = analysis_grid(dataset_id, selection, kind, cell_size_m, _area).value
    points = select_points(_area, dataclasses.replace(selection, months=None))
    before, after = periods
    require_loaded_months(_area, before=before, after=after)
    return change_by_cell(points, grid=grid, before=before, after=after, alpha=alpha)


@st.cache_data(max_entries=32, show_spinner=False)
def zone_table(
    dataset_id: str,
    selection: Selection,
    analysis_key: tuple[object, ...],
    _zones: gpd.GeoDataFrame,
    _area: StudyArea,
) -> pd.DataFrame:
    """Return the top-hotspot table for labelled hot areas identified by ``analysis_key``."""
    del analysis_key
    _, points = selected_frames(dataset_id, selection, _area)
    return hot_area_table(points, _zones, months=selection.months)


@st.cache_data(max_entries=32, show_spinner=False)
def cluster_table(
    dataset_id: str,
    selection: Selection,
    analysis_key: tuple[object, ...],
    labels: tuple[str, ...],
    _clusters: ClusterResult,
    _area: StudyArea,
) -> pd.DataFrame:
    """Return the top-hotspot table of clusters, from each crime's cluster label."""
    del analysis_key
    _, points = selected_frames(dataset_id, selection, _area)
    membership = _clusters.labels.reindex(points.index, fill_value=-1).to_numpy()
    return hotspot_table(points, membership, labels=labels, months=selection.months)


# ---------------------------------------------------------------------------------------------
# Cached wrappers of the exports page


@st.cache_data(max_entries=8, show_spinner="Preparing the export files…")
def export_files(
    dataset_id: str,
    selection: Selection,
    audience: Audience,
    min_count: int | None,
    layers: tuple[LayerKind, ...],
    shapefile: bool,  # noqa: FBT001 - a cache key, not a behaviour switch
    _area: StudyArea,
) -> tuple[Download, ...]:
    """Build the layers, export them for the audience into a temporary folder, read the files."""
    del dataset_id
    analyses = export_analyses(
        _area, selection, layers=layers, min_cell_m=get_preset(audience).min_cell_m or None
    )
    built = analysis_layers(analyses, audience=audience)
    with tempfile.TemporaryDirectory(prefix="patchmap-export-") as folder:
        formats: tuple[ExportFormat, ...] = (*DEFAULT_FORMATS, *(("shp",) if shapefile else ()))
        result = export_layers(
            built.layers,
            folder,
            metadata=built.metadata,
            audience=audience,
            min_count=min_count,
            density=built.density,
            wards=analyses.selected_wards,
            formats=formats,
        )
        return downloads(result, folder, stem=export_name(selection, _area, audience))


def file_stem(*parts: str) -> str:
    """
    Join words into a download's file name stem, safe on every file system.

    Each part keeps its letters, digits, dots and hyphens; any run of other characters
    (spaces, slashes, ampersands, quotes, accents) becomes one underscore.

    Parameters
    ----------
    *parts
        The words, e.g. ``("briefing", "partner", "St Ives & Fenstanton", "2025-10-14")``.

    Returns
    -------
    str
        E.g. ``"briefing_partner_St_Ives_Fenstanton_2025-10-14"``.

    Examples
    --------
    >>> file_stem("patchmap", "partner", "Queen Edith's", "2025-07_to_2025-09")
    'patchmap_partner_Queen_Edith_s_2025-07_to_2025-09'
    >>> file_stem("briefing", "police", "Cherry Hinton / Coleridge: south", "2025-10-14")
    'briefing_police_Cherry_Hinton_Coleridge_south_2025-10-14'
    """
    cleaned = (re.sub(r"[^A-Za-z0-9.-]+", "_", part).strip("_.") for part in parts)
    return "_".join(c for c in cleaned if c) or "patchmap"


NAMED_HOURS_MAX_CHARS: Final = 40
"""The most of an extract's hours of the week a download's name carries (a name stays short)."""


def _extract_words(area: StudyArea) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """
    Return the words a download of a force extract adds to its name: before and after.

    ``extract`` after the audience, and the hours of the week it was restricted to at the
    end, so that the extract's files neither overwrite nor pass for the data set's, nor for
    the same extract's at every hour, when saved to one folder.
    """
    if area.provenance != "extract":
        return (), ()
    hours = () if area.hours is None else (area.hours[:NAMED_HOURS_MAX_CHARS],)
    return ("extract",), hours


def export_name(selection: Selection, area: StudyArea, audience: Audience) -> str:
    """
    Return the stem of the Exports page's layer downloads: audience, area and period.

    The command's stem (``patchmap_partner``, as ``patchmap export`` names its files in a
    folder) with the area and period, and for a force extract ``extract`` and its hours.

    Parameters
    ----------
    selection
        The sidebar's filters (the wards or neighbourhoods and months exported).
    area
        The loaded study area (its months when the selection has none).
    audience
        Who the files are for.

    Returns
    -------
    str
        E.g. ``"patchmap_partner_Market_2025-07_to_2025-09"``, ``"patchmap_police_3_wards_..."``,
        ``"patchmap_public_all_wards_..."`` or, of a force extract restricted to some hours,
        ``"patchmap_partner_extract_all_wards_2024-10_to_2025-09_Fri_22-03_Sat_22-03"``.
    """
    places = [*(selection.wards or ()), *(selection.neighbourhoods or ())]
    where = places[0] if len(places) == 1 else f"{len(places)}_wards" if places else "all_wards"
    months = selection.months or ((area.months[0], area.months[-1]) if area.months else None)
    when = () if months is None else (months[0] if months[0] == months[1] else "_to_".join(months),)
    extract, hours = _extract_words(area)
    return file_stem("patchmap", audience, *extract, where, *when, *hours)


def briefing_name(area: StudyArea, place: str, audience: Audience, meeting: dt.date) -> str:
    """
    Return the stem of the Exports page's pack downloads: audience, place and meeting.

    The audience is in the name: a police pack (not for sharing) and a partner pack saved to
    one folder must neither overwrite each other nor be told apart only by opening them; so is
    a force extract (``extract``, and its hours), as in :func:`export_name`.

    Parameters
    ----------
    area
        The loaded study area.
    place
        The pack's ward or neighbourhood.
    audience
        Who the pack is for.
    meeting
        The meeting day.

    Returns
    -------
    str
        E.g. ``"briefing_partner_Castle_2025-10-14"`` or
        ``"briefing_partner_extract_Southmoor_2025-10-14_Fri_22-03"``.
    """
    extract, hours = _extract_words(area)
    return file_stem("briefing", audience, *extract, place, meeting.isoformat(), *hours)


def _counted(crime_types: tuple[str, ...] | None) -> str:
    """Name what a count of these crime types counts: crimes, ASB incidents, or both."""
    if crime_types is None or (ASB in crime_types and len(crime_types) > 1):
        return "crimes and ASB"
    return "ASB incidents" if ASB in crime_types else "crimes"


@st.cache_data(max_entries=8, show_spinner="Building the briefing pack…")
def briefing_files(
    dataset_id: str,
    scope: Selection,
    meeting: dt.date,
    audience: Audience,
    min_count: int | None,
    with_tasking: bool,  # noqa: FBT001 - a cache key, not a behaviour switch
    with_route: bool,  # noqa: FBT001 - a cache key, not a behaviour switch
    _area: StudyArea,
    _events: gpd.GeoDataFrame | None = None,
) -> tuple[str, str, bytes, bytes, tuple[str, ...], str]:
    """
    Return the pack's title, HTML, PDF, map image, section titles and what it covers.

    ``scope`` names one ward or one neighbourhood, the crime types (the sidebar's, or the
    extract's chosen on the page) and the months: None is the pack's own period (the last three
    months before the meeting, as ``patchmap brief`` without ``--months``). ``_events`` are a
    force extract's dated events (its ``dataset_id`` names the extract too): the pack then has
    the near-repeat section of ``patchmap brief --incidents``.
    """
    del dataset_id
    tasking = None
    if with_tasking:
        from sqlalchemy.orm import Session  # noqa: PLC0415  # only when the log is asked for

        wards = select_wards(
            _area, Selection(wards=scope.wards, neighbourhoods=scope.neighbourhoods)
        )
        with Session(tasking_engine(resolve_database_url(None))) as session:
            names = [str(w) for w in wards["ward_name"]]
            tasking = read_tasking(
                session, _area, wards=names, meeting=meeting, crime_types=scope.crime_types
            )
    network = None  # names the near-repeat zones' streets, as brief's --network
    if _events is not None and _area.network_path is not None:
        path = str(_area.network_path)
        network = network_from_path(path, file_signature(path))
    content = briefing_content(
        _area,
        meeting=meeting,
        ward=scope.wards[0] if scope.wards else None,
        neighbourhood=scope.neighbourhoods[0] if scope.neighbourhoods else None,
        months=scope.months,
        crime_types=scope.crime_types,
        tasking=tasking,
        eva_route=with_route,
        hot_cell_size_m=get_preset(audience).min_cell_m or None,
        near_repeat=extract_near_repeat(
            _events,
            _area,
            Selection(wards=scope.wards, neighbourhoods=scope.neighbourhoods),
            meeting=meeting,
            network=network,
        ),
        near_repeat_network=network,
    )
    pack = render_briefing(content, _area, audience=audience, min_count=min_count)
    sections = tuple(SECTION_TITLES[s] for s in pack.sections)
    profile = content.profile
    types = ", ".join(profile.crime_types) if profile.crime_types else "all crime types"
    hours = "" if _area.hours is None else f" in the hours {_area.hours}"
    covers = (
        f"{profile.months[0]} to {profile.months[1]}, {types}{hours}: {profile.n_crimes:,} "
        + _counted(profile.crime_types)
    )
    return pack.title, pack.html, html_to_pdf(pack.html), pack.map_png, sections, covers


# ---------------------------------------------------------------------------------------------
# Cached wrappers of the hotspots page


@st.cache_data(max_entries=8, show_spinner=False)
def next_month(
    dataset_id: str, selection: Selection, coverage_pct: float, _area: StudyArea
) -> tuple[Backtest, Forecast]:
    """Backtest the methods on the selection, then flag next month's cells by the winner."""
    del dataset_id  # the cache key standing for _area
    bar = st.progress(0.0, text="Backtesting the forecast methods on these crimes…")

    def tick(done: int, total: int, text: str) -> None:
        bar.progress(done / total, text=text)

    cube = cube_for_selection(_area, selection)
    methods = [parse_method(name) for name in NEXT_METHODS]
    result = backtest(cube, methods=methods, coverages_pct=(coverage_pct,), progress=tick)
    forecast = forecast_cells(
        cube, month=cube.next_month, method=result.default.method, coverage_pct=coverage_pct
    )
    bar.empty()
    return result, forecast


# ---------------------------------------------------------------------------------------------
# Cached wrappers of the tasking page


@st.cache_data(max_entries=16, show_spinner="Assessing the response…")
def assessment(
    dataset_id: str,
    selection: Selection,
    treated_wkt: str,
    comparison_wkt: str,
    before: tuple[str, str],
    after: tuple[str, str],
    buffer_m: float,
    _area: StudyArea,
) -> Assessment:
    """Run the WDD and Poisson tests for the chosen areas and periods (cached)."""
    del dataset_id
    require_loaded_months(_area, before=before, after=after)
    points = select_points(_area, Selection(crime_types=selection.crime_types))
    return assess_response(
        points,
        shapely.from_wkt(treated_wkt),
        shapely.from_wkt(comparison_wkt),
        before=before,
        after=after,
        displacement_buffer_m=buffer_m or None,
    )


@st.cache_data(max_entries=8, show_spinner="Finding the hot streets…")
def hot_street_result(  # the data set key, the filters, the network key and each option
    dataset_id: str,
    selection: Selection,
    network_key: str,
    method: StreetMethod,
    per: StreetUnit,
    lengths_m: tuple[float, float, float],
    _network: StreetNetwork,
    _area: StudyArea,
) -> HotStreets:
    """Return the hot streets of the selection (lengths: bandwidth, lixel, largest snap)."""
    del network_key
    bandwidth_m, lixel_m, max_snap_m = lengths_m
    _, points = selected_frames(dataset_id, selection, _area)
    return hot_streets(
        points,
        network=_network,
        method=method,
        per=per,
        bandwidth_m=bandwidth_m,
        lixel_m=lixel_m,
        max_snap_m=max_snap_m,
    )


@st.cache_data(max_entries=8, show_spinner="Backtesting the street forecasts…")
def street_next_month(  # the data set key, the filters, the network key and the coverage
    dataset_id: str,
    selection: Selection,
    network_key: str,
    coverage_pct: float,
    _network: StreetNetwork,
    _area: StudyArea,
) -> StreetBacktest:
    """Backtest the street methods at ``coverage_pct`` % of street length (default lengths)."""
    del network_key
    _, points = selected_frames(dataset_id, selection, _area)
    return street_backtest(
        points,
        network=_network,
        coverages_pct=(coverage_pct,),
        min_train_months=DEFAULT_MIN_TRAIN_MONTHS,
    )


@st.cache_data(max_entries=8, show_spinner="Building patrol beats along the hot streets…")
def street_beat_result(  # the data set key, the filters, the network key and the lengths
    dataset_id: str,
    selection: Selection,
    network_key: str,
    lengths_m: tuple[float, float],
    _network: StreetNetwork,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return patrol beats from the street Gi* hot segments (lengths: lixel, largest snap)."""
    lixel_m, max_snap_m = lengths_m
    gi = hot_street_result(
        dataset_id,
        selection,
        network_key,
        "gistar",
        "segment",
        (DEFAULT_NKDE_BANDWIDTH_M, lixel_m, max_snap_m),
        _network,
        _area,
    )
    return gistar_beats(gi.lines, network=_network)


@st.cache_data(max_entries=8, show_spinner="Exporting the patrol beats…")
def street_beat_files(
    dataset_id: str,
    selection: Selection,
    beats_key: tuple[object, ...],
    audience: Audience,
    _beats: gpd.GeoDataFrame,
    _area: StudyArea,
) -> tuple[Download, ...]:
    """Export the beats (``beats_key``: what they were built from) as GeoPackage and KML."""
    del dataset_id, beats_key
    months = selection.months or ((_area.months[0], _area.months[-1]) if _area.months else None)
    metadata = ExportMetadata(
        title=f"patchmap patrol beats along hot streets: {_area.label}",
        area=_area.label,
        audience=audience,
        min_count=None,
        period=months,
        methods={
            "street_beats": {
                "method": "connected Gi* hot street segments (Hot 95 % or more, with crimes), "
                "at most 2 km of street and 800 m across"
            }
        },
        sources=area_sources(_area, audience=audience, uses_osm=True),
    )
    with tempfile.TemporaryDirectory(prefix="patchmap-beats-") as folder:
        result = export_layers(
            [street_beat_export_layer(_beats, provenance=_area.provenance)],
            folder,
            metadata=metadata,
            audience=audience,
            formats=("gpkg", "kml"),
        )
        stem = export_name(selection, _area, audience).replace("patchmap_", "patchmap_beats_", 1)
        return downloads(result, folder, stem=stem)


# ---------------------------------------------------------------------------------------------
# Cached wrappers of the eva routes page


@st.cache_resource(max_entries=4, show_spinner="Loading the street network…")
def network_from_path(path: str, signature: str) -> StreetNetwork:
    del signature
    return load_network(path)


@st.cache_resource(max_entries=2, show_spinner="Reading the street network…")
def network_from_upload(digest: str, name: str, _data: bytes) -> StreetNetwork:
    folder = Path(tempfile.gettempdir()) / "patchmap-networks" / digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(name).name or "network")  # its own name: messages name the file
    path.write_bytes(_data)
    return load_network(path)


def street_network(area: StudyArea, *, upload_key: str, why: str) -> tuple[str, StreetNetwork]:
    """
    Return the area's street network, or one the user uploads, and its cache key.

    Without either, say ``why`` the page needs one and what to upload, then stop the page.
    """
    if area.network_path is not None:
        path = str(area.network_path)
        signature = file_signature(path)
        return signature, guarded("loading the street network", network_from_path, path, signature)
    upload = st.file_uploader(
        "Street network (OSMnx GraphML, OSM XML .osm or .osm.pbf)",
        type=["graphml", "osm", "pbf"],
        key=upload_key,
    )
    if upload is None:
        st.info(
            f"{why} Upload an OSMnx GraphML, an OpenStreetMap .osm or .osm.pbf extract "
            "covering the wards, or use the demo town."
        )
        st.stop()
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    return digest, guarded(
        "reading the street network", network_from_upload, digest, upload.name, data
    )


@st.cache_data(max_entries=16, show_spinner="Finding the hotspots…")
def eva_hotspot_stops(
    dataset_id: str, selection: Selection, source: str, top_n: int, _area: StudyArea
) -> gpd.GeoDataFrame:
    """Return the top hotspots of the selection as EVA stops (Gi* cells, KDE peaks or clusters)."""
    if source == KDE_SOURCE:
        surface = density(dataset_id, selection, None, None, DEFAULT_KERNEL, _area).value
        return kde_peak_stops(surface, top_n=top_n)
    if source == CLUSTER_SOURCE:
        clusters = cluster_result(dataset_id, selection, "dbscan", None, DEFAULT_MIN_CRIMES, _area)
        return cluster_stops(clusters, top_n=top_n)
    wards, points = selected_frames(dataset_id, selection, _area)
    return hotspot_stops(points, wards, top_n=top_n)


@st.cache_data(max_entries=8, show_spinner="Finding the hot streets…")
def eva_street_stops(
    dataset_id: str,
    selection: Selection,
    network_key: str,
    top_n: int,
    _network: StreetNetwork,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return the top hot street segments (discontinuous NKDE) as stops at their midpoints."""
    lengths = (DEFAULT_NKDE_BANDWIDTH_M, DEFAULT_LIXEL_M, DEFAULT_LIXEL_SNAP_M)
    hot = hot_street_result(
        dataset_id,
        selection,
        network_key,
        "nkde-discontinuous",
        "segment",
        lengths,
        _network,
        _area,
    )
    return street_stops(hot, top_n=top_n)


@st.cache_data(max_entries=16, show_spinner="Planning the street walk…")
def eva_street_route(  # cache key: network, stops, start and each parameter
    network_key: str,
    stops_key: str,
    start_xy: tuple[float, float],
    start_label: str,
    minutes: tuple[float, float, float],
    _network: StreetNetwork,
    _stops: gpd.GeoDataFrame,
    _start: Point,
) -> EvaRoute:
    """Return the EVA loop that walks the streets under the stops end to end."""
    del network_key, stops_key, start_xy
    max_minutes, walk_kmh, stop_minutes = minutes
    walk = plan_street_walk(
        _network,
        streets_at_points(_network, _stops),
        start=_start,
        start_label=start_label,
        max_minutes=max_minutes,
        walk_kmh=walk_kmh,
        stop_minutes=stop_minutes,
    )
    return walk.route


@st.cache_data(max_entries=16, show_spinner="Planning the walk…")
def eva_route(  # cache key: network, stops, start and each parameter
    network_key: str,
    stops_key: str,
    start_xy: tuple[float, float],
    start_label: str,
    minutes: tuple[float, float, float],
    _network: StreetNetwork,
    _stops: gpd.GeoDataFrame,
    _start: Point,
) -> EvaRoute:
    del network_key, stops_key, start_xy
    max_minutes, walk_kmh, stop_minutes = minutes
    return plan_eva_route(
        _network,
        _stops,
        start=_start,
        start_label=start_label,
        max_minutes=max_minutes,
        walk_kmh=walk_kmh,
        stop_minutes=stop_minutes,
    )


@st.cache_data(max_entries=8, show_spinner="Drawing walking catchments…")
def eva_catchments(
    network_key: str,
    sites_key: str,
    dataset_id: str,
    selection: Selection,
    walk_kmh: float,
    _network: StreetNetwork,
    _sites: gpd.GeoDataFrame,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    del network_key, sites_key
    _, points = selected_frames(dataset_id, selection, _area)
    catchments = walking_catchments(_network, _sites, walk_kmh=walk_kmh)
    return catchment_coverage(catchments, points, network=_network)


# ---------------------------------------------------------------------------------------------
# Cached wrappers of the profile page


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


PROBLEM_FILES: Final = {
    ".gpkg": ("Patrol areas: GeoPackage (QGIS; police)", "application/geopackage+sqlite3"),
    ".geojson": ("Patrol areas: GeoJSON (web maps; police)", "application/geo+json"),
}
"""The patrol-area files the Profile page offers (those of ``patchmap problems --out``), with
their button labels and media types."""


@st.cache_data(max_entries=8, show_spinner="Writing the patrol areas…")
def problem_area_files(
    dataset_id: str,
    selection: Selection,
    months: tuple[str, str],
    _problems: gpd.GeoDataFrame,
    _area: StudyArea,
) -> tuple[Download, ...]:
    """
    Write the ranked problems' patrol areas as ``patchmap problems --out`` writes them.

    ``selection`` is the one the command's options would give (``--ward`` or
    ``--neighbourhood``, ``--months``, ``--crime-type``): the files are written by the same
    function (:func:`layers.problems.write_problem_areas`), for the police, as the command's are.
    """
    del dataset_id
    files = []
    with tempfile.TemporaryDirectory(prefix="patchmap-problems-") as folder:
        for suffix, (label, mime) in PROBLEM_FILES.items():
            path = write_problem_areas(
                _problems,
                Path(folder) / f"patchmap_problems{suffix}",
                area=_area,
                selection=selection,
                months=months,
            )
            files.append(Download(suffix.lstrip("."), label, path.name, path.read_bytes(), mime))
    return tuple(files)


# ---------------------------------------------------------------------------------------------
# Cached wrapper of the force overview page


def _area_points(area: StudyArea) -> pd.DataFrame:
    """Return the month, crime type and BNG coordinates of every located crime of ``area``."""
    frames = [
        pd.DataFrame(
            {
                "month": frame["month"].astype(str).to_numpy(),
                "crime_type": frame["crime_type"].to_numpy(),
                "x_m": frame.geometry.x.to_numpy(),
                "y_m": frame.geometry.y.to_numpy(),
            }
        )
        for frame in (area.points, area.outside_wards)
        if not frame.empty
    ]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({"month": [], "crime_type": [], "x_m": [], "y_m": []})
    )


@st.cache_data(max_entries=8, show_spinner="Counting every ward's crimes…")
def overview_of(
    dataset_id: str,
    store: str | None,
    months: tuple[str, str] | None,
    crime_types: tuple[str, ...] | None,
    _area: StudyArea,
) -> ForceOverview:
    """
    Count crimes by ward and month over every ward (cached per data set and filters).

    From a store only four columns of the located rows inside the wards' extent are read
    (:func:`spatial.store.located_points`); otherwise the loaded crimes are counted.
    """
    del dataset_id
    if store is not None:
        bounds = tuple(float(v) for v in _area.wards.total_bounds)
        points = located_points(Path(store), months=months, bounds_m=bounds)  # type: ignore[arg-type]
    else:
        points = _area_points(_area)
        if months is not None:
            points = points.loc[points["month"].between(months[0], months[1])]
    if crime_types is not None:
        points = points.loc[crime_type_mask(points["crime_type"], crime_types)]
    population = None
    if _area.population is not None and _area.lsoas is not None:
        population = ward_population(_area.wards, _area.lsoas, _area.population)
    return force_overview(points, _area.wards, population=population)


# ---------------------------------------------------------------------------------------------
# When: timed crimes from a force extract

WHEN_SOURCE_KEY: Final = "when_source"
WHEN_UPLOAD_KEY: Final = "when_upload"
WHEN_PATH_KEY: Final = "when_path"
WHEN_COLUMNS_KEY: Final = "when_columns"
WHEN_CRS_KEY: Final = "when_crs"
WHEN_MIDNIGHT_KEY: Final = "when_midnight"
WHEN_DEMO: Final = "Demo extract"
WHEN_UPLOAD: Final = "Upload an extract"
WHEN_PATH: Final = "File or folder on this computer"
WHEN_SOURCES: Final = (WHEN_DEMO, WHEN_UPLOAD, WHEN_PATH)
"""Where the When page takes its timed crimes from."""
EXTRACT_HEADING: Final = "Timed crimes"
"""The sidebar's heading above the force-extract inputs, on the When and Near repeats pages
alike, and the name the demo notice sends the user to."""
WHEN_FILES_KEY: Final = _KEPT_PREFIX + WHEN_UPLOAD_KEY
"""The uploaded extract in use, as (name, bytes) of its files: kept while other pages are shown
(an uploader forgets its files on a page change), forgotten with the data set (a ``kept:`` key)."""
WHEN_FORGET_KEY: Final = "when_forget_upload"
"""The sidebar's button that forgets the uploaded extract kept from an earlier page."""
WHEN_CHOICE_KEYS: Final = (
    WHEN_SOURCE_KEY, WHEN_PATH_KEY, WHEN_COLUMNS_KEY, WHEN_CRS_KEY, WHEN_MIDNIGHT_KEY,
)  # fmt: skip
"""The extract's choices the When and Near repeats pages share (see :func:`extract_inputs`)."""
_WHEN_PAGE_KEY: Final = "when_inputs_page"
"""The page that drew the extract's inputs last."""
_WHEN_DATASET_KEY: Final = "when_inputs_dataset"
"""The data set the extract was chosen beside."""
_COLUMNS_FLAG: Final = re.compile(r"^--columns(?:\s*=\s*|\s+|$)")
"""The command's flag, as the messages write it before a column map."""


def extract_inputs(page: str, dataset_id: str) -> None:
    """
    Draw the sidebar's force-extract inputs, as the When, Near repeats and Exports pages share them.

    Both pages draw the same keys, but Streamlit gives each page's widgets their own ids and
    drops a page's widget values when another page runs. The choices are kept (under
    ``kept:`` keys) and given back to the widgets of the page shown, so an extract chosen on
    one page is the one the other counts; the uploaded files are kept as bytes, since an
    uploader cannot be given files back. A new data set, or "Demo extract", drops them.

    Parameters
    ----------
    page
        The page drawing them ("when", "near_repeat", "exports"); all head them
        :data:`EXTRACT_HEADING`.
    dataset_id
        The loaded data set's cache key.
    """
    _restore_extract_choices(page, dataset_id.split(_NAME_MARK, 1)[0])
    with st.sidebar:
        st.subheader(EXTRACT_HEADING)
        st.radio("Force extract", WHEN_SOURCES, key=WHEN_SOURCE_KEY, on_change=_source_changed)
        source = st.session_state.get(WHEN_SOURCE_KEY, WHEN_DEMO)
        if source == WHEN_UPLOAD:
            _upload_input()
        elif source == WHEN_PATH:
            st.text_input("Extract file or folder", key=WHEN_PATH_KEY, placeholder="/data/rms")
        if source != WHEN_DEMO:
            st.text_input(
                "Column names (blank: found automatically)", key=WHEN_COLUMNS_KEY,
                placeholder="x=Easting,y=Northing,from=Committed From,to=Committed To,type=Offence",
            )  # fmt: skip
            st.text_input("CRS (blank: detected)", key=WHEN_CRS_KEY, placeholder="EPSG:27700")
        st.radio(
            "Times of exactly 00:00", get_args(Midnight), key=WHEN_MIDNIGHT_KEY,
            help="'unknown' spreads them over their day: many systems record an unknown time as "
            "00:00.",
        )  # fmt: skip
    remember_page_choices(*WHEN_CHOICE_KEYS)


def _restore_extract_choices(page: str, data: str) -> None:
    """Give the extract's widgets the values kept, on another page or after a hidden box."""
    if st.session_state.get(_WHEN_DATASET_KEY, data) != data:
        # the new data set's filters forgot the choices; set the radio too, so the browser's
        # "Upload an extract" (still shown) is not sent back as the new data's choice
        st.session_state[WHEN_SOURCE_KEY] = WHEN_DEMO
    st.session_state[_WHEN_DATASET_KEY] = data
    moved = st.session_state.get(_WHEN_PAGE_KEY) != page
    st.session_state[_WHEN_PAGE_KEY] = page
    for key in WHEN_CHOICE_KEYS:
        kept = _KEPT_PREFIX + key
        # after a page change the key may still hold the other page's widget's value, which
        # this page's widget does not take: the kept value is set, and this widget takes it
        if kept in st.session_state and (moved or key not in st.session_state):
            st.session_state[key] = st.session_state[kept]


def _upload_input() -> None:
    """Draw the extract's uploader, and name the files in use when it no longer shows them."""
    st.file_uploader(
        "Extract (CSV or .xlsx)", type=["csv", "xlsx"], accept_multiple_files=True,
        key=WHEN_UPLOAD_KEY, on_change=_keep_uploaded_extract,
    )  # fmt: skip
    kept: tuple[tuple[str, bytes], ...] = st.session_state.get(WHEN_FILES_KEY, ())
    if kept and not st.session_state.get(WHEN_UPLOAD_KEY):  # uploaded on an earlier page
        size_mb = sum(len(data) for _, data in kept) / 1e6
        st.caption(
            f"In use: {plain(', '.join(name for name, _ in kept))} ({size_mb:,.1f} MB), "
            "uploaded earlier. Upload another extract to replace it."
        )
        st.button("Forget this extract", key=WHEN_FORGET_KEY, on_click=_forget_uploaded_extract)


def _keep_uploaded_extract() -> None:
    """Keep the files just uploaded (or forget them, when the user removed them)."""
    files = _files(st.session_state.get(WHEN_UPLOAD_KEY))
    if files:
        st.session_state[WHEN_FILES_KEY] = files
    else:
        st.session_state.pop(WHEN_FILES_KEY, None)


def _forget_uploaded_extract() -> None:
    st.session_state.pop(WHEN_FILES_KEY, None)


def _source_changed() -> None:
    """Forget the uploaded extract when the user goes back to the demo's."""
    if st.session_state.get(WHEN_SOURCE_KEY) == WHEN_DEMO:
        _forget_uploaded_extract()


def column_map_text(text: str) -> str:
    """
    Return the Column names box's text as :func:`~spatial.incidents.parse_column_map` reads it.

    The messages show the command's ``--columns "x=...,y=..."``; the box takes it as written
    there: with the flag, with the quotes, or as the bare map.

    Parameters
    ----------
    text
        What the user typed.

    Returns
    -------
    str
        The column map, without a leading ``--columns`` and one pair of quotes around it.

    Examples
    --------
    >>> column_map_text('--columns "x=Grid X,y=Grid Y"')
    'x=Grid X,y=Grid Y'
    >>> column_map_text("'type=Offence'")
    'type=Offence'
    """
    text = _COLUMNS_FLAG.sub("", text.strip()).strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


@st.cache_resource(max_entries=2, show_spinner="Building the demo force extract…")
def demo_extract(midnight: Midnight) -> Incidents:
    """Return the demo town's force extract (seeded), read as a user's would be."""
    return demo_incidents(midnight=midnight)


@st.cache_resource(max_entries=3, show_spinner="Reading the extract…")
def extract_from_upload(
    digest: str,
    columns: tuple[tuple[str, str], ...],
    crs: str | None,
    midnight: Midnight,
    _files: tuple[tuple[str, bytes], ...],
) -> Incidents:
    """Read uploaded extract files; ``digest`` of their names and bytes is the cache key."""
    del digest
    return read_incidents(list(_files), columns=dict(columns), crs=crs, midnight=midnight)


@st.cache_resource(max_entries=3, show_spinner="Reading the extract…")
def extract_from_path(
    path: str,
    signature: str,
    columns: tuple[tuple[str, str], ...],
    crs: str | None,
    midnight: Midnight,
) -> Incidents:
    """Read an extract file or folder; ``signature`` (size and time) notices changed files."""
    del signature
    return read_incidents([path], columns=dict(columns), crs=crs, midnight=midnight)


def load_extract() -> tuple[str, Incidents] | None:
    """
    Return the extract the When page's sidebar points at, with its cache key.

    Returns
    -------
    tuple of str and Incidents, or None
        None (after a hint) while the user has not chosen files yet.
    """
    source = st.session_state.get(WHEN_SOURCE_KEY, WHEN_DEMO)
    midnight: Midnight = (
        "unknown" if st.session_state.get(WHEN_MIDNIGHT_KEY) == "unknown" else "as-recorded"
    )
    if source == WHEN_DEMO:
        return f"demo:{midnight}", guarded("building the demo extract", demo_extract, midnight)
    text = column_map_text(str(st.session_state.get(WHEN_COLUMNS_KEY, "")))
    columns = tuple(sorted(guarded("reading the column names", parse_column_map, text).items()))
    crs = str(st.session_state.get(WHEN_CRS_KEY, "")).strip() or None
    options = f"{columns}:{crs}:{midnight}"
    if source == WHEN_UPLOAD:
        files: tuple[tuple[str, bytes], ...] = st.session_state.get(WHEN_FILES_KEY, ())
        if not files:
            st.info("Upload the force's extract (CSV or .xlsx) in the sidebar.")
            return None
        digest = _digest(files)
        inc = guarded(
            "reading the extract", extract_from_upload, digest, columns, crs, midnight, files
        )
        guarded("reading the extract", refuse_no_events, inc)
        return f"upload:{digest}:{options}", inc
    path = typed_path(WHEN_PATH_KEY)
    if not path:
        st.info("Type the path of the extract (a CSV or .xlsx file, or a folder) in the sidebar.")
        return None
    if not Path(path).exists():
        fail(f"{path}: not found. Check the path (it is read on the server).")
    signature = file_signature(path)
    inc = guarded("reading the extract", extract_from_path, path, signature, columns, crs, midnight)
    guarded("reading the extract", refuse_no_events, inc)
    return f"path:{path}:{signature}:{options}", inc


def shown_extract(area: StudyArea) -> tuple[str, Incidents]:
    """
    Load the extract the sidebar chose and say what it is; stop the page while there is none.

    The pages of timed crimes (When, Near repeats, the Exports page's extract) start alike: the
    demo extract's notice beside another data set, where every row of the extract went, and
    that the sidebar's filters do not apply to it.

    Parameters
    ----------
    area
        The data set loaded (its wards decide the demo extract's notice).

    Returns
    -------
    tuple of str and Incidents
        The extract's cache key and the extract.
    """
    loaded = load_extract()
    if loaded is None:
        st.stop()
    extract_key, inc = loaded
    if (notice := demo_extract_notice(extract_key, area)) is not None:
        st.info(notice, icon=":material/info:")
    st.caption(extract_accounting(inc))
    st.caption(extract_scope(extract_key))
    return extract_key, inc


def extract_scope(extract_key: str) -> str:
    """
    Say what a page of timed crimes counts: the extract chosen, not the data set's crimes.

    The sidebar's wards, months and crime types filter the data set (police.uk files, a
    store); the When and Near repeats pages, and the Exports page's extract, use the force
    extract chosen in the sidebar instead, with their own boxes.
    """
    what = (
        "the demo extract (the demo town's timed crimes)"
        if extract_key.startswith("demo:")
        else "the force extract chosen in the sidebar"
    )
    return (
        f"This page uses {what}, not the data set's crimes: the sidebar's wards, months and "
        "crime types do not apply here; choose them on the page."
    )


def demo_extract_notice(extract_key: str, area: StudyArea) -> str | None:
    """
    Say that a page of timed crimes shows the demo town's extract beside another data set.

    data.police.uk gives months only, so the When and Near repeats pages count a force
    extract; until one is chosen they count the demo town's, whatever data set is loaded.
    ``None`` when the data set is the demo town or the extract is the user's.
    """
    if area.is_demo or not extract_key.startswith("demo:"):
        return None
    return (
        f"These figures are the demo town's, not {plain(area.label)}'s: data.police.uk gives "
        "the month "
        "only, so times of day and near repeats need the force's own extract with dates and "
        f"times. Choose it under '{EXTRACT_HEADING}' in the sidebar (Force extract)."
    )


def extract_in_wards(inc: Incidents, wards: gpd.GeoDataFrame) -> bool:
    """
    Say whether any event of an extract (in British National Grid) lies in the loaded wards.

    The demo extract lies in the demo town: with another area loaded, its wards, hot areas and
    patrol areas would select nothing.
    """
    x0, y0, x1, y1 = wards.total_bounds
    x, y = inc.table["x_m"].to_numpy(), inc.table["y_m"].to_numpy()
    near = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    if not near.any():
        return False
    points = shapely.points(x[near], y[near])
    return bool(shapely.intersects(points, wards.union_all()).any())


def extract_accounting(inc: Incidents) -> str:
    """
    Say where every row of the extract went, in one sentence.

    Parameters
    ----------
    inc
        The extract read.

    Returns
    -------
    str
        Rows read, events kept and each bucket set aside.
    """
    r = inc.report
    parts = [
        (r.n_duplicates, "duplicates"),
        (r.n_without_time, "without a time"),
        (r.n_without_location, "without a location"),
        (r.n_outside_area, "outside the area"),
        (r.n_bad_window, "with a window ending before it starts"),
    ]
    aside = "; ".join(f"{n:,} {what}" for n, what in parts if n)
    head = f"{r.n_rows:,} rows read, {r.n_events:,} events kept"
    midnight = f"; {r.midnight_share:.1%} at exactly 00:00"
    return head + (f" (set aside: {aside})" if aside else "") + midnight + "."


@st.cache_resource(max_entries=3, show_spinner="Placing the extract in the wards…")
def extract_study_area(
    extract_key: str, dataset_id: str, name: str | None, _inc: Incidents, _area: StudyArea
) -> StudyArea:
    """
    Return the study area of a force extract, as the command's ``--incidents`` builds it.

    The events are placed in the data set's wards (``--wards``, or ``--demo``'s), whose street
    network and co-location sites come along (``--network``, ``--sites``). When no event lies
    in them (the demo extract beside another town), the whole extract is the area, as
    ``--incidents`` without ``--wards``. ``name`` is the sidebar's area name (``--area-name``).

    Parameters
    ----------
    extract_key, dataset_id
        The cache keys of the extract and of the data set.
    name
        The area's name, or None.
    _inc
        The extract read.
    _area
        The data set loaded.

    Returns
    -------
    StudyArea
        Its crimes are the extract's events; ``provenance`` is ``"extract"``.

    Raises
    ------
    CRSError
        When the extract lies outside Great Britain (the command's message).
    """
    del extract_key, dataset_id
    in_gb = _inc.events.crs is not None and _inc.events.crs.to_epsg() == BNG_EPSG
    if in_gb and extract_in_wards(_inc, _area.wards):
        area = dataclasses.replace(
            study_area_from_incidents(_inc, _area.wards),
            network_path=_area.network_path,
            sites=_area.sites,
        )
    else:
        area = study_area_from_incidents(_inc)
    return named(area, name)


def extract_in_area(area: StudyArea) -> bool:
    """Say whether an extract's study area has the data set's wards (not the whole extract)."""
    return not is_extract_area(area.wards)


@dataclass(frozen=True)
class WhenView:
    """What the When page shows for one extract and selection."""

    events: gpd.GeoDataFrame
    """The selected events."""
    how: HourOfWeek
    """Their hour-of-week table."""
    windows: PatrolWindows
    """Their patrol windows."""
    in_windows: gpd.GeoDataFrame
    """The selected events that fall in the patrol windows."""
    change: TimingChange | None
    """Timing before and after the split month (None when a side is empty)."""


WHEN_WHOLE: Final = "Whole extract"
WHEN_WARDS: Final = "Wards"
WHEN_NEIGHBOURHOOD: Final = "Neighbourhood"
WHEN_HOT_AREA: Final = "Hot area"
WHEN_PROBLEM: Final = "Problem's patrol area"
WHEN_AREA_KINDS: Final = (WHEN_WHOLE, WHEN_WARDS, WHEN_NEIGHBOURHOOD, WHEN_HOT_AREA, WHEN_PROBLEM)
"""What the When page's selection can be: the extract, wards, a neighbourhood, a hotspot."""


@dataclass(frozen=True)
class WhenArea:
    """The place the When page counts: its shape (None: the whole extract) and a label."""

    shape: BaseGeometry | None
    label: str | None
    """Words for the sentences ("Castle and Riverside", "Hot area 1 (…)"); None: everywhere."""
    wards: gpd.GeoDataFrame | None = None
    """The chosen wards (for the map), when wards or a neighbourhood were chosen."""


def when_area(
    kind: str,
    chosen: tuple[str, ...],
    *,
    area: StudyArea,
    hot: gpd.GeoDataFrame | None = None,
    problems: gpd.GeoDataFrame | None = None,
) -> WhenArea:
    """
    Return the shape of the When page's area choice.

    Parameters
    ----------
    kind
        One of :data:`WHEN_AREA_KINDS`.
    chosen
        Ward names, a neighbourhood, a hot area's or a problem's label (empty: the whole extract).
    area
        The study area whose wards and neighbourhoods are named.
    hot, problems
        From :func:`when_hot_areas` and :func:`when_problems`, for those kinds.

    Returns
    -------
    WhenArea
        The union of the chosen wards, or the chosen hot area's or problem's polygon.
    """
    if kind == WHEN_WHOLE or not chosen:
        return WhenArea(None, None)
    if kind in (WHEN_WARDS, WHEN_NEIGHBOURHOOD):
        by = Selection(wards=chosen) if kind == WHEN_WARDS else Selection(neighbourhoods=chosen)
        wards = select_wards(area, by)
        label = " and ".join(chosen) if kind == WHEN_WARDS else f"{chosen[0]} neighbourhood"
        return WhenArea(wards.union_all(), label, wards)
    frame = hot if kind == WHEN_HOT_AREA else problems
    if frame is None or chosen[0] not in set(frame["label"]):
        fail(f"{kind} {chosen[0]!r} is no longer in the list; choose again.")
    row = frame.loc[frame["label"] == chosen[0]].iloc[0]
    what = chosen[0] if kind == WHEN_HOT_AREA else f"the patrol area of {chosen[0]}"
    return WhenArea(row.geometry, what)


@st.cache_data(max_entries=8, show_spinner="Finding the hot areas…")
def when_hot_areas(
    extract_key: str,
    dataset_id: str,
    crime_types: tuple[str, ...] | None,
    _inc: Incidents,
    _wards: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Return the Gi* hot areas of the extract's crimes (of the chosen types) in the wards."""
    del extract_key, dataset_id
    return hot_areas(_inc.events, _wards, crime_types=crime_types)


@st.cache_data(max_entries=16, show_spinner="Counting by hour of the week…")
def when_view(  # cache key: the extract and every choice
    extract_key: str,
    crime_types: tuple[str, ...] | None,
    area_key: tuple[str, ...],
    dates: tuple[str, str] | None,
    split_month: str | None,
    _inc: Incidents,
    _area: WhenArea,
) -> WhenView:
    """Return the hour-of-week table, patrol windows and timing change of a selection."""
    del extract_key, area_key
    start = pd.Timestamp(dates[0]) if dates else None
    end = pd.Timestamp(dates[1]) + pd.Timedelta(days=1) if dates else None
    events = select_events(
        _inc.events, area=_area.shape, crime_types=crime_types, start=start, end=end
    )
    what = ", ".join(crime_types).lower() if crime_types else "crimes"
    what += f" in {_area.label}" if _area.label else ""  # as `patchmap when` words it
    how = hour_of_week(events)
    windows = patrol_windows(how, what=what)
    change = None
    if split_month is not None:
        cut = pd.Period(split_month, "M").start_time
        before, after = events.loc[events["start"] < cut], events.loc[events["start"] >= cut]
        if len(before) and len(after):  # the command's shuffles and seed: the same p-value
            change = timing_change(before, after, what=what)
    return WhenView(events, how, windows, events_in_hours(events, windows.mask()), change)


@st.cache_data(max_entries=8, show_spinner="Ranking problems and their patrol hours…")
def when_problems(
    extract_key: str,
    dataset_id: str,
    crime_types: tuple[str, ...] | None,
    months: tuple[str, str],
    _inc: Incidents,
    _area: StudyArea,
) -> gpd.GeoDataFrame:
    """Return the problems found in the extract's crimes, each with its patrol windows."""
    del extract_key, dataset_id
    return extract_problems(_inc, _area.wards, months=months, crime_types=crime_types)


# ---------------------------------------------------------------------------------------------
# Near repeats: the Knox test, live risk zones and the 7-day forecast of a force extract


@st.cache_data(max_entries=16, show_spinner="Shuffling the dates (Knox test)…")
def knox_of(  # cache key: the extract, the selection and every setting
    extract_key: str,
    crime_type: str | None,
    distance_bands_m: tuple[float, ...],
    time_bands_days: tuple[int, ...],
    permutations: int,
    seed: int,
    _events: gpd.GeoDataFrame,
    before: str | None = None,
) -> KnoxResult:
    """
    Return the Knox test of the extract's events of one crime type (all when None).

    With ``before`` (``YYYY-MM-DD``), of the events ended before that day only: the evidence
    `patchmap alerts --date` sizes that day's zones from, never the days after it.
    """
    del extract_key
    events = _of_type(_events, crime_type)
    if before is not None:
        events = events.loc[events["end"] < pd.Timestamp(before)]
    subject = knox_subject(None if crime_type is None else (crime_type,))
    return knox_test(
        events,
        distance_bands_m=distance_bands_m,
        time_bands_days=time_bands_days,
        permutations=permutations,
        seed=seed,
        subject=subject,
    )


def _of_type(events: gpd.GeoDataFrame, crime_type: str | None) -> gpd.GeoDataFrame:
    """Return the events of one crime type (all when None)."""
    return events if crime_type is None else events.loc[events["crime_type"] == crime_type]


def knox_before(
    extract_key: str,
    crime_type: str | None,
    distance_bands_m: tuple[float, ...],
    time_bands_days: tuple[int, ...],
    permutations: int,
    seed: int,
    events: gpd.GeoDataFrame,
    before: str,
) -> KnoxResult:
    """
    Return the Knox test of the events ended before ``before`` (see :func:`knox_of`).

    When no event of the selection ends on or after that day, the events are the whole
    selection's, so the test is the Knox tab's: one cached run serves both.
    """
    later = bool((_of_type(events, crime_type)["end"] >= pd.Timestamp(before)).any())
    return knox_of(
        extract_key, crime_type, distance_bands_m, time_bands_days, permutations, seed, events,
        before if later else None,
    )  # fmt: skip


@st.cache_data(max_entries=16, show_spinner="Counting the pairs to test…")
def knox_workload_of(  # cache key: the extract, the selection and the bands
    extract_key: str,
    crime_type: str | None,
    distance_bands_m: tuple[float, ...],
    time_bands_days: tuple[int, ...],
    _events: gpd.GeoDataFrame,
) -> KnoxWorkload:
    """Return the pairs the Knox test of the selection counts, and its estimated time."""
    del extract_key
    return knox_workload(
        _of_type(_events, crime_type),
        distance_bands_m=distance_bands_m,
        time_bands_days=time_bands_days,
    )


@st.cache_data(max_entries=16, show_spinner="Drawing the live zones…")
def alerts_of(  # cache key: the extract, the selection, the day and the zones' size
    extract_key: str,
    crime_type: str | None,
    on: str,
    distance_m: float,
    days: int,
    source: tuple[str, str | None],
    network_path: str | None,
    _events: gpd.GeoDataFrame,
) -> NearRepeatAlerts:
    """
    Return the near-repeat zones live on ``on``, with the streets inside from the network.

    ``source`` is where their size came from, for the police and as partners' files may say
    it (a Knox verdict without its number of events; None: the same).
    """
    del extract_key
    network = None
    if network_path is not None:
        network = network_from_path(network_path, file_signature(network_path))
    return near_repeat_alerts(
        _events,
        on=on,
        distance_m=distance_m,
        days=days,
        network=network,
        crime_types=None if crime_type is None else (crime_type,),
        source=source[0],
        shared_source=source[1],
    )


@st.cache_data(max_entries=8, show_spinner="Backtesting 7-day forecasts week by week…")
def week_backtest(  # cache key: the extract, the selection and the settings
    extract_key: str, crime_type: str | None, step_days: int, _events: gpd.GeoDataFrame
) -> DayBacktest:
    """Return the 7-day backtest of the extract's events of one crime type."""
    del extract_key
    data = prepare_days(_events, crime_types=None if crime_type is None else (crime_type,))
    return backtest_days(data, step_days=step_days)


@st.cache_data(max_entries=8, show_spinner="Forecasting the next 7 days…")
def week_forecast(
    extract_key: str, crime_type: str | None, start: str, _events: gpd.GeoDataFrame
) -> DayForecast:
    """Return the cells to patrol for the 7 days from ``start``."""
    del extract_key
    data = prepare_days(_events, crime_types=None if crime_type is None else (crime_type,))
    return forecast_days(data, start=start)
