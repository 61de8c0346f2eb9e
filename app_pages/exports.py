"""Exports page: hotspot layers for the NAG and briefing packs for partners, safe to share."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Final

import streamlit as st

from app_pages import _ui
from boundaries.select import Selection
from layers.audience import (
    AUDIENCES,
    DEFAULT_MIN_COUNT,
    MIN_COUNT_RULE,
    PUBLIC_MIN_COUNT,
    get_preset,
    min_count_floor,
    min_count_floor_message,
)
from spatial.errors import PatchmapError
from tasking.products import DEFAULT_EXPORT_LAYERS, withheld_layers

if TYPE_CHECKING:
    from layers.audience import Audience, LayerKind

AUDIENCE_KEY: Final = "export_audience"
MIN_COUNT_KEY: Final = "export_min_count"
RAISED_FROM_KEY: Final = "export_min_count_raised_from"  # the value the public's floor raised
LAYERS_KEY: Final = "export_layers"
SHAPEFILE_KEY: Final = "export_shapefile"
BUILD_EXPORT_KEY: Final = "export_build"
BRIEF_AREA_KEY: Final = _ui.BRIEF_AREA_KEY
BRIEF_FOLLOWED_KEY: Final = "brief_followed"
BRIEF_MEETING_KEY: Final = "brief_meeting"
BRIEF_PERIOD_KEY: Final = "brief_period"
BRIEF_TASKING_KEY: Final = "brief_tasking"
BRIEF_ROUTE_KEY: Final = "brief_route"
BUILD_BRIEF_KEY: Final = "brief_build"
# Set once the user asked for a pack; the pack then follows their later choices (cached).
BRIEF_REQUESTED_KEY: Final = "brief_requested"
DOWNLOAD_KEY_PREFIX: Final = "export_download_"
BRIEF_HTML_KEY: Final = "brief_download_html"
BRIEF_PDF_KEY: Final = "brief_download_pdf"

LAYER_LABELS: Final[dict[LayerKind, str]] = {
    "hotspots": "Hot spots (Gi* cells)",
    "hot_areas": "Hot areas (touching Gi* hot cells, as on the Hotspots page)",
    "density": "Density (raster)",
    "clusters": "Clusters (DBSCAN)",
    "routes": "EVA route and stops",
    "sites": "Co-location sites",
    "crimes": "Crimes (streets for partners, wards for the public)",
    "wards": "Ward boundaries",
    "streets": "Hot streets (network KDE per street segment)",
}
DEFAULT_LAYERS: Final[tuple[LayerKind, ...]] = DEFAULT_EXPORT_LAYERS  # as `patchmap export`
NETWORK_LAYERS: Final = frozenset({"routes", "streets"})  # offered only with a street network
AUDIENCE_HELP: Final = {
    "police": "Police: full detail (crime IDs, outcomes, snap points). Not for sharing.",
    "partner": (
        "Partner: streets and 100 m cells (hot spots, cluster outlines, route stops), small "
        "counts suppressed, no IDs or outcomes."
    ),
    "public": (
        "Public: ward totals, hotspot classes and cluster outlines on 250 m cells, small "
        "counts suppressed; no routes."
    ),
}
# The pack's period: `patchmap brief`'s default, or the sidebar's months (`--months`).
BRIEF_PERIODS: Final = ("Last 3 months before the meeting", "Months chosen in the sidebar")
_LOG: Final = logging.getLogger("patchmap.app")


def _follow_floor(floor: int) -> None:
    """
    Raise the threshold to the audience's floor, and give a partner back the value it had.

    The public's floor (:data:`PUBLIC_MIN_COUNT`) raises a partner's 5 to 10; going back to
    partners restores 5 (or the value chosen before), unless the user changed 10 meanwhile.
    """
    value = int(st.session_state[MIN_COUNT_KEY])
    if value < floor:
        st.session_state[RAISED_FROM_KEY] = value
        st.session_state[MIN_COUNT_KEY] = floor
    elif floor < PUBLIC_MIN_COUNT and RAISED_FROM_KEY in st.session_state:
        before = int(st.session_state.pop(RAISED_FROM_KEY))
        if value == PUBLIC_MIN_COUNT:  # as the public's floor left it: not the user's choice
            st.session_state[MIN_COUNT_KEY] = before


ctx = _ui.context()
area = ctx.area
st.title("Exports")
st.caption(
    "What leaves the app opens in QGIS, ArcGIS, Google Earth, phone GPS apps and a PDF reader, "
    "and never carries more detail than the audience chosen here may see."
)

KEPT_KEYS: Final = (
    AUDIENCE_KEY, MIN_COUNT_KEY, LAYERS_KEY, SHAPEFILE_KEY, BRIEF_MEETING_KEY, BRIEF_PERIOD_KEY,
    BRIEF_TASKING_KEY, BRIEF_ROUTE_KEY,
)  # fmt: skip
_ui.restore_page_choices(*KEPT_KEYS)  # kept while another page is shown
_ui.remember_page_choices(*KEPT_KEYS)
st.session_state.setdefault(AUDIENCE_KEY, "partner")
left, right = st.columns([3, 2])
audience: Audience = left.radio(
    "Audience", AUDIENCES, key=AUDIENCE_KEY, horizontal=True, format_func=str.capitalize
)
left.caption(AUDIENCE_HELP[audience])
preset = get_preset(audience)
min_count: int | None = None
if preset.min_count is not None:
    floor = min_count_floor(audience)  # the command refuses less, with the same words
    st.session_state.setdefault(MIN_COUNT_KEY, DEFAULT_MIN_COUNT)
    _follow_floor(floor)
    chosen_min = right.number_input(
        "Suppress counts below",
        min_value=floor,
        max_value=100,
        step=1,
        key=MIN_COUNT_KEY,
        help=MIN_COUNT_RULE,
    )
    min_count = int(chosen_min)
    raised_from = st.session_state.get(RAISED_FROM_KEY)
    if raised_from is not None and int(raised_from) < floor and min_count == floor:
        right.caption(min_count_floor_message(audience, int(raised_from)))

tab_layers, tab_brief = st.tabs(["Layers", "Briefing pack"])

with tab_layers:
    offered = [k for k in LAYER_LABELS if k in preset.allowed_layers]
    # a force extract's density and streets are built from its exact points: police only
    withheld = withheld_layers(offered, provenance=area.provenance, min_cell_m=preset.min_cell_m)
    for why in withheld.values():
        st.caption(_ui.plain(why))
    allowed = [
        k
        for k in offered
        if k not in withheld and (k not in NETWORK_LAYERS or area.network_path is not None)
    ]
    if area.network_path is None:
        st.caption(
            "EVA routes and hot streets need the area's street network, which only the demo "
            "town carries here: plan a walk on the EVA routes page, or export them with "
            "`patchmap export --network`."
        )
    st.session_state.setdefault(LAYERS_KEY, list(DEFAULT_LAYERS))
    st.session_state[LAYERS_KEY] = [k for k in st.session_state[LAYERS_KEY] if k in allowed]
    layers = st.multiselect(
        "Layers", allowed, key=LAYERS_KEY, format_func=lambda k: LAYER_LABELS[k]
    )
    shapefile = st.checkbox("Also a zipped Shapefile", key=SHAPEFILE_KEY)
    if not layers:
        st.info("Choose at least one layer.")
    else:
        files = _ui.guarded(
            "preparing the export",
            _ui.export_files,
            ctx.dataset_id,
            ctx.selection,
            audience,
            min_count,
            tuple(layers),
            bool(shapefile),
            area,
        )
        st.write(f"{len(files)} downloads for the **{audience}** audience:")
        columns = st.columns(4)
        for i, item in enumerate(files):
            columns[i % 4].download_button(
                item.label,
                data=item.data,
                file_name=item.file_name,
                mime=item.mime,
                key=f"{DOWNLOAD_KEY_PREFIX}{item.key}",
                icon=":material/download:",
                on_click="ignore",
            )

with tab_brief:
    scopes = list(area.ward_names)
    nbhds = [n for n in area.neighbourhood_names if n not in area.ward_names]
    options = [*scopes, *nbhds]
    # The sidebar's one chosen ward or neighbourhood is the pack's (until the user picks another).
    follow = _ui.follow_sidebar_place(
        ctx.selection,
        followed_key=BRIEF_FOLLOWED_KEY,
        page_has_choice=st.session_state.get(BRIEF_AREA_KEY) in options,
    )
    if follow is not None and follow[1] in options:
        st.session_state[BRIEF_AREA_KEY] = follow[1]
    if st.session_state.get(BRIEF_AREA_KEY) not in options:
        st.session_state[BRIEF_AREA_KEY] = options[0]
    place = st.selectbox(
        "Ward or neighbourhood",
        options,
        key=BRIEF_AREA_KEY,
        format_func=lambda n: f"{n} (neighbourhood)" if n in nbhds else n,
    )
    several = _ui.sidebar_choice_text(ctx.selection)
    if several is not None:
        st.caption(
            f"The sidebar chooses {_ui.plain(several)}; a pack covers one ward or neighbourhood, "
            f"here **{_ui.plain(place)}**. Choose another above."
        )
    last = dt.date.fromisoformat(f"{area.months[-1]}-01")
    default_meeting = (last + dt.timedelta(days=45)).replace(day=14)
    st.session_state.setdefault(BRIEF_MEETING_KEY, default_meeting)
    meeting = st.date_input("Meeting date", key=BRIEF_MEETING_KEY)
    st.session_state.setdefault(BRIEF_PERIOD_KEY, BRIEF_PERIODS[0])
    period = st.radio("Period", BRIEF_PERIODS, key=BRIEF_PERIOD_KEY, horizontal=True)
    sidebar_months = ctx.selection.months or (area.months[0], area.months[-1])
    brief_months = sidebar_months if period == BRIEF_PERIODS[1] else None
    brief_types = ctx.selection.crime_types
    st.caption(
        "Crime types come from the sidebar: "
        + ("all crime types." if brief_types is None else f"{_ui.plain(', '.join(brief_types))}.")
    )
    with_tasking = st.checkbox(
        "Add problems, actions and assessments from the tasking log", key=BRIEF_TASKING_KEY
    )
    with_route = st.checkbox(
        "Draw an EVA route through the busiest hot spots",
        key=BRIEF_ROUTE_KEY,
        disabled=area.network_path is None or "routes" not in preset.allowed_layers,
        help="Needs a street network; not for the public audience.",
    )
    if st.button("Build the briefing pack", key=BUILD_BRIEF_KEY, type="primary"):
        st.session_state[BRIEF_REQUESTED_KEY] = True
    if st.session_state.get(BRIEF_REQUESTED_KEY) and isinstance(meeting, dt.date):
        try:
            title, html, pdf, map_png, sections, covers = _ui.briefing_files(
                ctx.dataset_id,
                Selection(
                    wards=None if place in nbhds else (str(place),),
                    neighbourhoods=(str(place),) if place in nbhds else None,
                    months=brief_months,
                    crime_types=brief_types,
                ),
                meeting,
                audience,
                min_count,
                bool(with_tasking),
                bool(with_route) and "routes" in preset.allowed_layers,
                area,
            )
        except PatchmapError as err:
            _ui.fail(str(err))
        except Exception:  # noqa: BLE001  # the user sees an apology, the log keeps the traceback
            _LOG.exception("patchmap failed while building the briefing pack")
            _ui.fail(_ui.APOLOGY.format(doing="building the briefing pack"))
        st.subheader(_ui.plain(title))
        st.caption(f"The pack covers {_ui.plain(covers)}.")
        # The audience in the name: a police pack (not for sharing) and a partner pack saved to
        # one folder must neither overwrite each other nor be told apart only by opening them.
        stem = _ui.file_stem("briefing", audience, str(place), meeting.isoformat())
        one, two = st.columns(2)
        one.download_button(
            "Briefing pack (PDF)",
            data=pdf,
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            key=BRIEF_PDF_KEY,
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
        two.download_button(
            "Briefing pack (HTML)",
            data=html.encode("utf-8"),
            file_name=f"{stem}.html",
            mime="text/html",
            key=BRIEF_HTML_KEY,
            icon=":material/html:",
            on_click="ignore",
        )
        st.write("Sections: " + ", ".join(sections) + ".")
        st.image(map_png, caption="The pack's map (print resolution)")
