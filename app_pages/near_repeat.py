"""Near repeats page: the Knox table, the live risk zones on a day, the 7-day forecast."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

import folium
import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session
from streamlit_folium import st_folium

from app_pages import _ui
from hotspots.knox import default_knox_crime_type, parse_distance_bands, parse_time_bands
from hotspots.near_repeat import no_zones_message
from layers.basemap import base_map
from layers.map import street_layer
from layers.near_repeat import (
    alert_map_layers,
    alert_preset,
    knox_run_text,
    knox_table_html,
    shared_zones,
    shared_zones_text,
    write_alert_zones,
    zone_period,
)
from spatial.crs import BNG_EPSG
from spatial.errors import PatchmapError
from tasking.near_repeat import propose_cocooning
from tasking.store import list_problems, resolve_database_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from hotspots.near_repeat import NearRepeatAlerts

TYPE_KEY: Final = "nr_type"
TYPE_EXTRACT_KEY: Final = "nr_type_extract"  # the extract whose crime type is chosen
DIST_KEY: Final = "nr_distance_bands"
TIME_KEY: Final = "nr_time_bands"
PERM_KEY: Final = "nr_permutations"
TEST_KEYS: Final = (TYPE_KEY, DIST_KEY, TIME_KEY, PERM_KEY)  # kept while another page is shown
GRID_KEY: Final = "nr_knox_grid"
DATE_KEY: Final = "nr_date"
DATE_EXTRACT_KEY: Final = "nr_date_extract"  # the extract whose "Live on" day is shown
MANUAL_KEY: Final = "nr_manual"
RADIUS_KEY: Final = "nr_radius"
DAYS_KEY: Final = "nr_days"
MAP_KEY: Final = "nr_map"
ZONES_KEY: Final = "nr_zones"
DOWNLOAD_KEY: Final = "nr_download"
STEP_KEY: Final = "nr_step"
BACKTEST_KEY: Final = "nr_backtest"
FORECAST_KEY: Final = "nr_forecast"
PROPOSE_PROBLEM_KEY: Final = "nr_propose_problem"
PROPOSE_USER_KEY: Final = "nr_propose_user"
PROPOSE_AGENCY_KEY: Final = "nr_propose_agency"
PROPOSE_KEY: Final = "nr_propose"
ALL_TYPES: Final = "All crime types"


def _propose(
    engine: Engine, alerts: NearRepeatAlerts, *, problem_id: int, user: str, agency: str
) -> tuple[int, ...]:
    """Add the live zones' cocooning visits to the tasking log; return the new action ids."""
    with Session(engine) as session, session.begin():
        added = propose_cocooning(
            session, alerts, problem_id=problem_id, user=user, owner_agency=agency
        )
        return tuple(a.id for a in added)


def _propose_form(alerts: NearRepeatAlerts) -> None:
    """Offer to write one proposed cocooning action per live zone to the tasking log."""
    st.subheader("Propose cocooning visits in the tasking log")
    st.caption(
        "One proposed prevention action per live zone (visits to the neighbours, until the zone "
        "expires), with the zone as a patrol area of the problem; a zone already proposed for "
        "the problem on this date is not added twice. Agree them on the Tasking page."
    )
    try:
        engine = _ui.tasking_engine(resolve_database_url(None))
    except PatchmapError as err:
        st.warning(
            f"The tasking log cannot be opened, so no visits can be proposed: {_ui.plain(err)}"
        )
        return
    with Session(engine) as read:
        titles = {p.id: p.title for p in list_problems(read, status="open")}
    if not titles:
        st.info(
            "No open problem in the tasking log: add one on the Tasking page (e.g. "
            "'Burglary, Southmoor') to propose cocooning visits for it."
        )
        return
    left, middle, right = st.columns([3, 2, 2])
    problem_id = left.selectbox(
        "Problem the visits serve", list(titles),
        format_func=lambda i: f"{i}: {titles[i]}", key=PROPOSE_PROBLEM_KEY,
    )  # fmt: skip
    user = str(middle.text_input("Your name", key=PROPOSE_USER_KEY)).strip()
    agency = str(right.text_input("Agency to make the visits (optional)", key=PROPOSE_AGENCY_KEY))
    if not st.button("Propose cocooning visits", key=PROPOSE_KEY):
        return
    if not user:
        _ui.fail("Type your name: every change to the tasking log is recorded against it.")
    ids = _ui.guarded(
        "proposing cocooning visits", _propose, engine, alerts,
        problem_id=int(problem_id), user=user, agency=agency.strip(),
    )  # fmt: skip
    skipped = alerts.n_zones - len(ids)
    listed = ", ".join(str(i) for i in ids) or "none"
    st.success(
        f"Proposed {len(ids)} cocooning visit(s) for problem {problem_id} (actions {listed}); "
        f"{skipped} zone(s) already proposed for it on {alerts.on.isoformat()}."
    )


def _partner_download(alerts: NearRepeatAlerts, network_path: str | None) -> None:
    """Offer the partners' zones file: the preset's squares and weeks, as the command writes."""
    preset = alert_preset("partner")
    period = zone_period(preset)
    network = (
        None
        if network_path is None
        else _ui.guarded(
            "loading the street network", _ui.network_from_path, network_path,
            _ui.file_signature(network_path),
        )
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = _ui.guarded(
            "writing the partners' zones", write_alert_zones, alerts,
            Path(folder) / "zones.gpkg", audience="partner", network=network,
        )  # fmt: skip
        st.download_button(
            f"Download zones for partners (GeoPackage: {preset.snap_m:g} m squares from the "
            f"events of whole {period}s, dated to the {period}, no events)",
            path.read_bytes(),
            file_name=f"near_repeat_zones_{alerts.on.isoformat()}.gpkg",
            key=DOWNLOAD_KEY,
        )
    shared = _ui.guarded(
        "drawing the partners' zones", shared_zones, alerts, audience="partner", network=network
    )
    st.caption(
        _ui.plain(shared_zones_text(alerts, shared, audience="partner"))
        + " There is no file for the public: a zone marks where single recent events happened, "
        "finer than the ward totals the public may see."
    )


ctx = _ui.context()
_ui.extract_inputs("near_repeat", ctx.dataset_id)

st.title("Near repeats")
extract_key, inc = _ui.shown_extract(ctx.area)
events = inc.events

types = sorted(events["crime_type"].unique())
# One crime type at a time, burglary first (the Near Repeat Calculator's practice); another
# extract starts on its own burglary-like type, else its most common, not on "All crime types".
type_options = [ALL_TYPES, *types]
# the choices come back after a look at another page (Streamlit forgets a widget not drawn):
# else the test, minutes long on a force extract, would run again on the defaults
_ui.restore_page_choices(*TEST_KEYS)
for key, default in ((DIST_KEY, "0,100,200,300,400"), (TIME_KEY, "7,14,21,28"), (PERM_KEY, 999)):
    st.session_state.setdefault(key, default)
chosen_before = st.session_state.get(TYPE_KEY)
if st.session_state.get(TYPE_EXTRACT_KEY) != extract_key or chosen_before not in type_options:
    st.session_state[TYPE_KEY] = default_knox_crime_type(events["crime_type"]) or ALL_TYPES
    st.session_state[TYPE_EXTRACT_KEY] = extract_key
left, middle, right = st.columns(3)
left.selectbox("Crime type", type_options, key=TYPE_KEY)
middle.text_input("Distance bands (m)", key=DIST_KEY)
right.text_input("Time bands (days)", key=TIME_KEY)
st.select_slider(
    "Shuffles of the dates", options=[99, 199, 499, 999], key=PERM_KEY,
    help="More shuffles give smaller possible p-values and take longer: the smallest p-value n "
    "shuffles can give is 1 / (n + 1).",
)  # fmt: skip
_ui.remember_page_choices(*TEST_KEYS)
chosen_type = st.session_state.get(TYPE_KEY)
crime_type = None if chosen_type in (None, ALL_TYPES) else str(chosen_type)
d_bands = _ui.guarded(
    "reading the distance bands", parse_distance_bands, str(st.session_state[DIST_KEY])
)
t_bands = _ui.guarded("reading the time bands", parse_time_bands, str(st.session_state[TIME_KEY]))

tab_knox, tab_zones, tab_week = st.tabs(["Knox test", "Live risk zones", "7-day forecast"])

with tab_knox:
    workload = _ui.guarded(
        "counting the pairs to test", _ui.knox_workload_of, extract_key, crime_type, d_bands,
        t_bands, events,
    )  # fmt: skip
    run_text = knox_run_text(workload, permutations=int(st.session_state[PERM_KEY])) + (
        " The page then sizes the Live risk zones (a second test, of the days before the day "
        "they are live on) and backtests the 7-day forecast, which add to that time."
    )  # found by an exploratory test: the whole page took 10 times the test's estimate
    if workload.is_long(int(st.session_state[PERM_KEY])):
        st.warning(run_text)  # shown before the test runs
    else:
        st.caption(run_text)
    knox = _ui.guarded(
        "running the Knox test", _ui.knox_of, extract_key, crime_type, d_bands, t_bands,
        int(st.session_state[PERM_KEY]), 0, events,
    )  # fmt: skip
    st.html(knox_table_html(knox))
    st.caption(
        "Knox ratio (pairs observed / expected by chance) with the observed and expected pairs; "
        "* significant after a false-discovery-rate correction; red: at least "
        f"{knox.min_ratio:g} times chance."
    )
    if knox.near_repeat_distance_m is not None:
        st.success(knox.verdict)
    else:
        st.info(knox.verdict)

with tab_zones:
    last = events["end"].max().date()
    if st.session_state.get(DATE_EXTRACT_KEY) != extract_key:  # another extract: its last day
        st.session_state.pop(DATE_KEY, None)
        st.session_state[DATE_EXTRACT_KEY] = extract_key
    st.date_input("Live on", value=last, key=DATE_KEY)
    on: dt.date = st.session_state.get(DATE_KEY) or last
    # The zones of a day are sized by the Knox test of the days before it, as `patchmap alerts
    # --date` sizes them: crimes after the day never justify its zones.
    before = _ui.guarded(
        "running the Knox test of the days before", _ui.knox_before, extract_key, crime_type,
        d_bands, t_bands, int(st.session_state[PERM_KEY]), 0, events, on.isoformat(),
    )  # fmt: skip
    manual = st.checkbox(
        "Set the zone size by hand", key=MANUAL_KEY, value=before.near_repeat_distance_m is None
    )
    st.caption(f"Zone size from the days before {on.isoformat()}: {_ui.plain(before.verdict)}")
    a, b = st.columns(2)
    a.number_input(
        "Radius (m)", min_value=10, max_value=2000,
        value=int(before.near_repeat_distance_m or 200), step=10, key=RADIUS_KEY,
        disabled=not manual,
    )  # fmt: skip
    b.number_input(
        "Live for (days)", min_value=1, max_value=90, value=int(before.near_repeat_days or 14),
        key=DAYS_KEY, disabled=not manual,
    )  # fmt: skip
    if not manual and before.near_repeat_distance_m is None:
        st.info(_ui.plain(no_zones_message(before)))  # the command's refusal
    else:
        radius = float(st.session_state[RADIUS_KEY]) if manual else before.near_repeat_distance_m
        days = int(st.session_state[DAYS_KEY]) if manual else before.near_repeat_days
        in_gb = events.crs is not None and events.crs.to_epsg() == BNG_EPSG
        network_path = str(ctx.area.network_path) if in_gb and ctx.area.network_path else None
        alerts = _ui.guarded(
            "drawing the live zones", _ui.alerts_of, extract_key, crime_type, on.isoformat(),
            float(radius or 200), int(days or 14),
            ("set by hand", None) if manual else (before.verdict, before.shared_verdict),
            network_path, events,
        )  # fmt: skip
        st.markdown(_ui.plain(alerts.describe()))
        for note in alerts.notes:  # e.g. no street network: no street names
            st.caption(_ui.plain(note))
        if alerts.n_zones and in_gb:
            demo = extract_key.startswith("demo:")
            m = base_map(alerts.zones, tiles="none" if demo else "openstreetmap")
            if demo and network_path is not None:
                lines = _ui.guarded(
                    "drawing the streets", _ui.street_lines, network_path,
                    _ui.file_signature(network_path),
                )  # fmt: skip
                street_layer(lines).add_to(m)
            for layer in alert_map_layers(alerts, audience="police"):
                layer.add_to(m)
            folium.LayerControl(collapsed=False).add_to(m)
            st_folium(m, key=MAP_KEY, returned_objects=[], height=460, use_container_width=True)
            table = pd.DataFrame(alerts.zones.drop(columns="geometry"))
            st.dataframe(
                table[["zone_id", "n_events", "first_event", "expires", "streets", "incident_ids"]],
                key=ZONES_KEY,
                hide_index=True,
            )
            for text in alerts.action_texts()[:5]:
                st.markdown(f"- {_ui.plain(text)}")
            _partner_download(alerts, network_path)
            _propose_form(alerts)
        elif alerts.n_zones:
            st.caption(
                "The map and exports need an extract in Great Britain (British National Grid)."
            )


with tab_week:
    st.select_slider("Days between origins", options=[7, 14, 28], value=28, key=STEP_KEY)
    result = _ui.guarded(
        "backtesting 7-day forecasts", _ui.week_backtest, extract_key, crime_type,
        int(st.session_state[STEP_KEY]), events,
    )  # fmt: skip
    rows = [
        {
            "method": r.method.label,
            "coverage %": r.coverage_pct,
            "mean PAI": r.pai_mean,
            "mean hit rate": r.hit_rate_mean,
            "mean PEI": r.pei_mean,
        }
        for r in result.results
    ]
    st.dataframe(pd.DataFrame(rows).round(3), key=BACKTEST_KEY, hide_index=True)
    st.markdown(
        f"{len(result.origins)} weekly origins from {result.origins[0]} to {result.origins[-1]}. "
        + _ui.plain(result.default.why)
    )
    start = (last + dt.timedelta(days=1)).isoformat()
    forecast = _ui.guarded(
        "forecasting the next 7 days", _ui.week_forecast, extract_key, crime_type, start, events
    )
    st.markdown(
        f"**Next 7 days from {forecast.start}**: the top {forecast.coverage_pct:g} % of cells "
        f"({len(forecast.cells)}) by {forecast.method.label}."
    )
    st.dataframe(
        pd.DataFrame(forecast.cells.drop(columns="geometry"))[
            ["rank", "cell_id", "x_m", "y_m", "score", "n_events_past"]
        ].head(20),
        key=FORECAST_KEY,
        hide_index=True,
    )
