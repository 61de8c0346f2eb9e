"""EVA routes page: a walkabout loop through the selected wards' hotspots, catchments, exports."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

import streamlit as st
from sqlalchemy.orm import Session
from streamlit_folium import st_folium

from app_pages import _ui
from hotspots.concentration import ARTEFACT_CHECK
from layers.pdf import html_to_pdf
from layers.routes import (
    eva_map,
    point_from_lonlat,
    route_sheet_html,
    route_to_geojson,
    route_to_gpx,
    route_to_kml,
    stop_table,
    stops_from_table,
)
from spatial.catchments import (
    best_joint_sites,
    hotspot_coverage,
)
from spatial.errors import PatchmapError
from spatial.routes import (
    DEFAULT_MAX_MINUTES,
    DEFAULT_STOP_MINUTES,
    DEFAULT_TOP_N,
    DEFAULT_WALK_KMH,
)
from spatial.sites import SITE_KINDS, add_site, read_sites, validate_sites
from tasking.eva import RouteStart, route_start_options
from tasking.store import AreaRecord, add_area, list_problems, resolve_database_url

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from sqlalchemy.engine import Engine

    from boundaries.dataset import StudyArea
    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute

START_KEY: Final = "eva_start"
MINUTES_KEY: Final = "eva_max_minutes"
WALK_KEY: Final = "eva_walk_kmh"
STOP_MINUTES_KEY: Final = "eva_stop_minutes"
TOP_N_KEY: Final = "eva_top_n"
STOPS_EDITOR_KEY: Final = "eva_stops_editor"
STOPS_UPLOAD_KEY: Final = "eva_stops_upload"
ADDED_STOPS_KEY: Final = "eva_added_stops"  # (lon, lat) of stops added by clicking the map
ADD_STOP_KEY: Final = "eva_add_stop"
ADDED_SITES_KEY: Final = "eva_added_sites"  # sites added in the app (name, kind, lon, lat, ...)
SITE_NAME_KEY: Final = "eva_site_name"
SITE_KIND_KEY: Final = "eva_site_kind"
SITE_PUBLIC_KEY: Final = "eva_site_public"
SITE_NOTES_KEY: Final = "eva_site_notes"
ADD_SITE_KEY: Final = "eva_add_site"
SITES_UPLOAD_KEY: Final = "eva_sites_upload"
NETWORK_UPLOAD_KEY: Final = "eva_network_upload"
CATCHMENTS_KEY: Final = "eva_show_catchments"
JOINT_N_KEY: Final = "eva_joint_n"
JOINT_MINUTES_KEY: Final = "eva_joint_minutes"
JOINT_CANDIDATES_KEY: Final = "eva_joint_candidates"
PDF_KEY: Final = "eva_make_pdf"
MAP_KEY: Final = "eva_map"
SOURCE_KEY: Final = "eva_stop_source"
SAVE_NAME_KEY: Final = "eva_save_name"
SAVE_PROBLEM_KEY: Final = "eva_save_problem"
SAVE_USER_KEY: Final = "eva_save_user"
SAVE_ROUTE_KEY: Final = "eva_save_route"
MAX_ROUTE_NAME: Final = 200  # the tasking log's name length
CANDIDATE_SITES: Final = "Existing sites"
CANDIDATE_STREETS: Final = "Any street corner"
STOP_COLUMNS: Final = {
    "order": "#",
    "label": "Stop",
    "weight": "Weight",
    "arrival_min": "Arrive (min)",
}
CATCHMENT_COLUMNS: Final = {
    "site_name": "Site",
    "minutes": "Walk (min)",
    "area_km2": "Area (km²)",
    "n_crimes": "Crimes",
    "share_crime": "Share of crime",
    "n_asb": "ASB",
    "share_asb": "Share of ASB",
}


# ---------------------------------------------------------------------------------------------
# Cached wrappers (the street graph is one shared object; routing never mutates it)


def _save_route(
    engine: Engine, route: EvaRoute, *, name: str, user: str, problem_id: int | None
) -> AreaRecord:
    """
    Store the walked line and its stops (visiting order = stop number) in the tasking log.

    Saving the same route under the same name twice in one browser session (a double click)
    stores it once.
    """
    stops = [point.representative_point() for point in route.stops.sort_values("order").geometry]
    request_id = _ui.submission_id(
        "save_route", user, name, problem_id, route.line.wkt, *(p.wkt for p in stops)
    )
    with Session(engine) as session, session.begin():
        return add_area(
            session,
            route.line,
            kind="eva_route",
            name=name,
            user=user,
            problem_id=problem_id,
            stops=stops,
            request_id=request_id,
        )


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _frame_key(frame: gpd.GeoDataFrame) -> str:
    return _digest(frame.to_wkt().to_csv())


# ---------------------------------------------------------------------------------------------
# Inputs


def _network(area: StudyArea) -> tuple[str, StreetNetwork]:
    return _ui.street_network(
        area,
        upload_key=NETWORK_UPLOAD_KEY,
        why="An EVA route needs the walking streets of the area.",
    )


def _sites(area: StudyArea) -> gpd.GeoDataFrame | None:
    upload = st.file_uploader(
        "Co-location sites (CSV with name, kind, lon, lat; or GeoJSON)",
        type=["csv", "geojson", "json", "gpkg"],
        key=SITES_UPLOAD_KEY,
    )
    if upload is not None:
        sites = _ui.guarded("reading the sites", read_sites, (upload.name, upload.getvalue()))
    elif area.sites is not None and len(area.sites):
        sites = _ui.guarded("checking the sites", validate_sites, area.sites)
    else:
        sites = None
    for added in st.session_state.get(ADDED_SITES_KEY, []):
        sites = _ui.guarded(
            "adding a site",
            add_site,
            sites,
            name=added["name"],
            kind=added["kind"],
            point=point_from_lonlat(added["lon"], added["lat"]),
            public_facing=added["public_facing"],
            opening_notes=added["notes"],
        )
    return sites


def _start(sites: gpd.GeoDataFrame | None, wards: gpd.GeoDataFrame) -> RouteStart:
    """Offer the starts in the one order every front end uses; the first is the default."""
    options = {
        o.label: o for o in _ui.guarded("choosing the start", route_start_options, wards, sites)
    }
    choice = st.selectbox(
        "Start and finish", list(options), key=START_KEY, format_func=_capitalised
    )
    return options[str(choice)]


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


def _stops_table(
    ctx: _ui.Context, source: str, top_n: int, network_key: str, network: StreetNetwork
) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415  # for the added rows only

    upload = st.file_uploader(
        "Or load stops (GeoJSON points with an optional weight)",
        type=["geojson", "json", "csv"],
        key=STOPS_UPLOAD_KEY,
    )
    if upload is not None:
        from spatial.routes import read_stops  # noqa: PLC0415  # only for uploads

        stops = _ui.guarded("reading the stops", read_stops, (upload.name, upload.getvalue()))
    elif source == _ui.STREETS_SOURCE:
        stops = _ui.guarded(
            "finding the hot streets",
            _ui.eva_street_stops,
            ctx.dataset_id,
            ctx.selection,
            network_key,
            top_n,
            network,
            ctx.area,
        )
    else:
        stops = _ui.guarded(
            "finding the hotspots",
            _ui.eva_hotspot_stops,
            ctx.dataset_id,
            ctx.selection,
            source,
            top_n,
            ctx.area,
        )
    table = stop_table(stops)
    added = st.session_state.get(ADDED_STOPS_KEY, [])
    if added:
        extra = pd.DataFrame(
            {
                "include": [True] * len(added),
                "label": [f"Added stop {i + 1}" for i in range(len(added))],
                "weight": [1.0] * len(added),
                "lon": [lon for lon, _ in added],
                "lat": [lat for _, lat in added],
            }
        )
        table = pd.concat([table, extra], ignore_index=True)
    edited: pd.DataFrame = st.data_editor(
        table,
        key=STOPS_EDITOR_KEY,
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "include": st.column_config.CheckboxColumn("Visit?", default=True),
            "label": st.column_config.TextColumn("Stop", width="large"),  # the whole mark
            "weight": st.column_config.NumberColumn("Weight", min_value=0.0, format="%.0f"),
            "lon": st.column_config.NumberColumn("Lon", format="%.5f"),
            "lat": st.column_config.NumberColumn("Lat", format="%.5f"),
        },
        width="stretch",
    )
    return edited


# ---------------------------------------------------------------------------------------------
# The page

ctx = _ui.context()
area = ctx.area
st.title("EVA routes")
st.caption(
    "An environmental visual audit walk: a closed loop from a co-location site through the "
    "selected wards' hotspots, as many as fit the time, with a checklist at every stop."
)
network_key, network = _network(area)
wards, _points = _ui.guarded(
    "selecting the wards", _ui.selected_frames, ctx.dataset_id, ctx.selection, area
)
st.session_state.setdefault(ADDED_STOPS_KEY, [])
st.session_state.setdefault(ADDED_SITES_KEY, [])

controls, shown = st.columns([2, 5], gap="medium")
with controls:
    sites = _sites(area)
    chosen_start = _start(sites, wards)
    start, start_label = chosen_start.point, chosen_start.label
    max_minutes = st.slider(
        "Time for the walk (minutes)", 10, 180, int(DEFAULT_MAX_MINUTES), 5, key=MINUTES_KEY
    )
    walk_kmh = st.number_input(
        "Walking speed (km/h)", 2.0, 7.0, DEFAULT_WALK_KMH, 0.1, key=WALK_KEY
    )
    stop_minutes = st.number_input(
        "Minutes at each stop", 0.0, 30.0, DEFAULT_STOP_MINUTES, 1.0, key=STOP_MINUTES_KEY
    )
    _ui.restore_page_choices(SOURCE_KEY)  # kept while another page is shown
    source = st.radio(
        "Hotspots from",
        (_ui.GISTAR_SOURCE, _ui.KDE_SOURCE, _ui.CLUSTER_SOURCE, _ui.STREETS_SOURCE),
        key=SOURCE_KEY,
    )
    _ui.remember_page_choices(SOURCE_KEY)
    top_n = st.slider("Hotspot stops offered", 2, 16, DEFAULT_TOP_N, key=TOP_N_KEY)
    show_catchments = st.toggle("Show 5/10/15-minute catchments", key=CATCHMENTS_KEY)

with shown:
    st.subheader("Stops")
    weight = (  # a density peak's weight is the surface's height there, not a count
        "the density at the peak (crimes per km²)"
        if source == _ui.KDE_SOURCE
        else "crimes in the hotspot"
    )
    st.caption(
        "Untick a stop to skip it, add a row with its longitude and latitude, or click the map "
        f"and press 'Add the clicked point'. Weight = {weight}. A stop marked "
        f"'{ARTEFACT_CHECK}' holds a place crimes may be recorded at rather than happen at "
        "(a police station's front counter, or one place with a large share of its ward's "
        "crime, as `patchmap repeats` flags it): check it before walking there."
    )
    table = _stops_table(ctx, source, top_n, network_key, network)
    stops = _ui.guarded("reading the stops", stops_from_table, table)
    if len(stops) == 0:
        _ui.fail("No stops are ticked: tick at least one stop, or add one on the map.")
    planner = _ui.eva_street_route if source == _ui.STREETS_SOURCE else _ui.eva_route
    try:
        route = planner(
            network_key,
            _frame_key(stops),
            (start.x, start.y),
            start_label,
            (float(max_minutes), float(walk_kmh), float(stop_minutes)),
            network,
            stops,
            start,
        )
    except PatchmapError as err:
        _ui.fail(str(err))
    catchments = None
    if show_catchments and sites is not None:
        catchments = _ui.guarded(
            "drawing the catchments",
            _ui.eva_catchments,
            network_key,
            _frame_key(sites),
            ctx.dataset_id,
            ctx.selection,
            float(walk_kmh),
            network,
            sites,
            area,
        )

    first, second, third, fourth = st.columns(4)
    first.metric("Walk", f"{route.distance_m:,.0f} m")
    second.metric("Time", f"{route.total_time_min:.0f} min", help="walking plus time at stops")
    third.metric("Stops visited", f"{len(route.stops)} of {len(stops)}")
    fourth.metric("Hotspot weight visited", f"{route.weight_visited:,.0f}")
    streets = None
    if area.is_demo and area.network_path is not None:
        streets = _ui.guarded(
            "drawing the streets",
            _ui.street_lines,
            str(area.network_path),
            _ui.file_signature(str(area.network_path)),
        )
    folium_map = _ui.guarded(
        "drawing the map",
        eva_map,
        wards,
        route=route,
        catchments=catchments,
        sites=sites,
        streets=streets,
        tiles="none" if area.is_demo else "openstreetmap",
    )
    clicked = st_folium(
        folium_map, key=MAP_KEY, returned_objects=["last_clicked"], height=560, width="stretch"
    )
    last = (clicked or {}).get("last_clicked")
    if last and st.button(
        f"Add the clicked point ({last['lng']:.5f}, {last['lat']:.5f}) as a stop", key=ADD_STOP_KEY
    ):
        st.session_state[ADDED_STOPS_KEY] = [
            *st.session_state[ADDED_STOPS_KEY],
            (float(last["lng"]), float(last["lat"])),
        ]
        st.rerun()
    for note in route.notes:
        st.caption(_ui.plain(note))
    st.caption(
        f"Stops chosen and ordered: {route.method}. Exact: the heaviest set of stops that fits, "
        "in the shortest order (every subset tried, up to 16 stops). Heuristic (more stops): "
        "stops added by weight per extra minute, order improved by 2-opt."
    )

    if len(route.left_out):
        st.warning(
            "\n".join(f"- {_ui.plain(detail)}" for detail in route.left_out["detail"]),
            icon=":material/info:",
        )
    st.dataframe(
        route.stops[list(STOP_COLUMNS)].round(1).rename(columns=STOP_COLUMNS),
        hide_index=True,
        width="stretch",
        key="eva_visited_table",
    )
    with st.expander("Directions"):
        st.markdown("\n".join(f"{t.step}. {_ui.plain(t.instruction)}" for t in route.turns))

    st.subheader("Take it with you")
    gpx_col, kml_col, json_col, html_col, pdf_col = st.columns(5)
    gpx_col.download_button(
        "GPX", route_to_gpx(route), "eva_route.gpx", "application/gpx+xml", key="eva_gpx"
    )
    kml_col.download_button(
        "KML",
        route_to_kml(route),
        "eva_route.kml",
        "application/vnd.google-earth.kml+xml",
        key="eva_kml",
    )
    json_col.download_button(
        "GeoJSON",
        route_to_geojson(route),
        "eva_route.geojson",
        "application/geo+json",
        key="eva_geojson",
    )
    sheet = route_sheet_html(route, network=network, subtitle=", ".join(wards["ward_name"]))
    html_col.download_button(
        "Sheet (HTML)", sheet, "eva_route_sheet.html", "text/html", key="eva_sheet"
    )
    if pdf_col.button("Sheet (PDF)", key=PDF_KEY):
        pdf = _ui.guarded("printing the route sheet", html_to_pdf, sheet)
        pdf_col.download_button(
            "Download PDF", pdf, "eva_route_sheet.pdf", "application/pdf", key="eva_pdf"
        )

with controls, st.expander("Add a co-location site at the clicked point"):
    name = st.text_input("Name", key=SITE_NAME_KEY)
    kind = st.selectbox("Kind", SITE_KINDS, key=SITE_KIND_KEY)
    public = st.checkbox("Public facing", value=True, key=SITE_PUBLIC_KEY)
    notes = st.text_input("Opening notes", key=SITE_NOTES_KEY)
    pressed = st.button("Add site", key=ADD_SITE_KEY, disabled=not (last and name))
    if pressed and last:
        st.session_state[ADDED_SITES_KEY] = [
            *st.session_state[ADDED_SITES_KEY],
            {
                "name": name,
                "kind": kind,
                "lon": float(last["lng"]),
                "lat": float(last["lat"]),
                "public_facing": public,
                "notes": notes,
            },
        ]
        st.rerun()

if catchments is not None:
    st.subheader("Catchments: share of the selected wards' crime and ASB within a walk")
    table_shown = (
        catchments.drop(columns="geometry")[list(CATCHMENT_COLUMNS)]
        .round(3)
        .rename(columns=CATCHMENT_COLUMNS)
    )
    st.dataframe(table_shown, hide_index=True, width="stretch", key="eva_catchments")
    shares = _ui.guarded("measuring hotspot coverage", hotspot_coverage, catchments, stops)
    labels = dict(zip(stops.index, stops["label"], strict=True))
    by_hotspot = shares.assign(
        hotspot=[labels[h] for h in shares["hotspot"]],
        catchment=[
            f"{n}, {m:g} min" for n, m in zip(shares["site_name"], shares["minutes"], strict=True)
        ],
    ).pivot_table(index="hotspot", columns="catchment", values="share_inside", sort=False)
    st.caption("Share of each stop's hotspot inside each catchment (1 = inside).")
    st.dataframe(by_hotspot, width="stretch", key="eva_hotspot_coverage")

with st.expander("Where would a joint base serve best?"):
    st.caption(
        "Ranks places by the hotspot weight (crimes) within a walk, choosing sites one at a "
        "time to cover what the earlier ones do not (greedy maximum coverage)."
    )
    n_sites = st.number_input("How many new sites", 1, 5, 1, key=JOINT_N_KEY)
    joint_minutes = st.slider("Within a walk of (minutes)", 5, 30, 10, 5, key=JOINT_MINUTES_KEY)
    kind_of = st.radio(
        "Candidates",
        [CANDIDATE_SITES, CANDIDATE_STREETS],
        key=JOINT_CANDIDATES_KEY,
        horizontal=True,
    )
    candidates = sites if kind_of == CANDIDATE_SITES else None
    plan = _ui.guarded(
        "ranking the sites",
        best_joint_sites,
        network,
        stops,
        candidates=candidates,
        n_sites=int(n_sites),
        minutes=float(joint_minutes),
        walk_kmh=float(walk_kmh),
    )
    st.dataframe(
        plan.chosen.drop(columns="geometry").round(3),
        hide_index=True,
        width="stretch",
        key="eva_joint_table",
    )

st.subheader("Save this route to the tasking log")
st.caption(
    "Stores the walked line and its stops in order, so what is seen at each stop can be "
    "recorded on the Tasking page and shown on its map."
)
try:
    log_engine: Engine | None = _ui.tasking_engine(resolve_database_url(None))
except PatchmapError as err:
    st.warning(f"The tasking log cannot be opened, so the route cannot be saved: {_ui.plain(err)}")
    log_engine = None
if log_engine is not None:
    with Session(log_engine) as read:
        problem_titles = {p.id: p.title for p in list_problems(read, status="open")}
    default_name = f"EVA walk from {route.start_label}: {', '.join(wards['ward_name'])}"
    save_left, save_middle, save_right = st.columns([3, 3, 2])
    route_name = save_left.text_input(
        "Route name", value=default_name[:MAX_ROUTE_NAME], key=SAVE_NAME_KEY
    )
    problem_id = save_middle.selectbox(
        "Problem it serves (optional)",
        [None, *problem_titles],
        format_func=lambda i: "None" if i is None else f"{i}: {problem_titles[i]}",
        key=SAVE_PROBLEM_KEY,
    )
    save_user = save_right.text_input("Your name", key=SAVE_USER_KEY)
    if st.button("Save this route to the tasking log", key=SAVE_ROUTE_KEY):
        if not str(save_user).strip():
            _ui.fail("Type your name: every change to the tasking log is recorded against it.")
        saved = _ui.guarded(
            "saving the route",
            _save_route,
            log_engine,
            route,
            name=str(route_name),
            user=str(save_user),
            problem_id=problem_id,
        )
        st.success(
            f"Saved as EVA route {saved.id} ({_ui.plain(saved.name)}) with {len(saved.stops)} "
            "stops. "
            "Record what was seen at each stop on the Tasking page."
        )
