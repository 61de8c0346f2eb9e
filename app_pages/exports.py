"""Exports page: hotspot layers for the NAG and briefing packs for partners, safe to share."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Final

import streamlit as st

from app_pages import _ui
from boundaries.select import Selection
from hotspots.when import area_in_hours
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
from tasking.products import DEFAULT_EXPORT_LAYERS, sites_left_out, withheld_layers

if TYPE_CHECKING:
    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from layers.audience import Audience, LayerKind

SOURCE_KEY: Final = "export_source"
FROM_DATASET: Final = "The data set (sidebar)"
FROM_EXTRACT: Final = f"A force extract ({_ui.EXTRACT_HEADING})"
# Where the page's crimes come from: the sidebar's data set, or the extract chosen in the
# sidebar under "Timed crimes" (the one the When and Near repeats pages count).
SOURCES: Final = (FROM_DATASET, FROM_EXTRACT)
EXTRACT_MONTHS_KEY: Final = "export_extract_months"
EXTRACT_TYPES_KEY: Final = "export_extract_types"
EXTRACT_WARDS_KEY: Final = "export_extract_wards"
EXTRACT_NEIGHBOURHOODS_KEY: Final = "export_extract_neighbourhoods"
EXTRACT_HOURS_KEY: Final = "export_extract_hours"
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
EXTRACT_PARTNER_HELP: Final = (
    "Partner: 100 m cells (crimes, hot spots, cluster outlines, route stops), never an "
    "extract's exact place or time, small counts suppressed, no IDs or outcomes."
)  # a force extract's crimes go to partners per 100 m cell, not per police.uk street point
HOURS_HELP: Final = (
    'Keep only crimes in these hours of the week, e.g. "Fri 22-03,Sat 22-03": blocks of a day '
    "or days (Mon..Sun, or Mon-Fri) and hours 0-24, separated by commas; Fri 22-03 runs from "
    "Friday 22:00 to Saturday 03:00. A crime known only within a window is kept when at least "
    "half of it lies in these hours. As `--hours` of `patchmap export --incidents` and "
    "`brief --incidents`. Empty: every hour."
)
NO_FILES: Final = "No files until the hours of the week above can be read."
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


def _valid_choice(key: str, options: list[str]) -> None:
    """Drop from a box's kept choice what the extract now chosen does not hold."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] or () if v in options]


def _extract_filters(area: StudyArea) -> Selection:
    """
    Draw the extract's own filters; return them as the command's selection options.

    The sidebar's months and crime types are the data set's; an extract has its own (its
    offence names, its months), chosen here as ``--months``, ``--crime-type``, ``--ward`` and
    ``--neighbourhood`` choose them for ``export --incidents``.
    """
    months = list(area.months)

    def valid(value: object) -> bool:
        return isinstance(value, tuple | list) and len(value) == 2 and set(value) <= set(months)  # noqa: PLR2004

    if not valid(st.session_state.get(EXTRACT_MONTHS_KEY, months[:1] * 2)):  # another extract's
        del st.session_state[EXTRACT_MONTHS_KEY]
    kept = _ui.kept_choice(EXTRACT_MONTHS_KEY)  # given as the value: a range slider needs one
    value = (months[0], months[-1])
    shown = EXTRACT_MONTHS_KEY in st.session_state  # else back from another page: kept
    if not shown and isinstance(kept, tuple | list) and valid(kept):
        value = (str(kept[0]), str(kept[1]))
    boxes = st.columns(3)
    if len(months) > 1:
        boxes[0].select_slider(
            "Extract's months", options=months, value=value, key=EXTRACT_MONTHS_KEY
        )
    else:
        boxes[0].caption(f"Month: {months[0]}")
    chosen = tuple(st.session_state.get(EXTRACT_MONTHS_KEY) or value)
    _valid_choice(EXTRACT_TYPES_KEY, list(area.crime_types))
    boxes[1].multiselect(
        "Extract's crime types", area.crime_types, key=EXTRACT_TYPES_KEY,
        placeholder="All crime types",
    )  # fmt: skip
    wards: tuple[str, ...] | None = None
    neighbourhoods: tuple[str, ...] | None = None
    if _ui.extract_in_area(area):
        _valid_choice(EXTRACT_WARDS_KEY, list(area.ward_names))
        boxes[2].multiselect(
            "Wards", area.ward_names, key=EXTRACT_WARDS_KEY, placeholder="All wards"
        )
        wards = tuple(st.session_state.get(EXTRACT_WARDS_KEY) or ()) or None
        if set(area.neighbourhood_names) != set(area.ward_names):
            _valid_choice(EXTRACT_NEIGHBOURHOODS_KEY, list(area.neighbourhood_names))
            boxes[2].multiselect(
                "Neighbourhoods", area.neighbourhood_names, key=EXTRACT_NEIGHBOURHOODS_KEY,
                placeholder="All neighbourhoods",
            )  # fmt: skip
            neighbourhoods = tuple(st.session_state.get(EXTRACT_NEIGHBOURHOODS_KEY) or ()) or None
    every_month = tuple(chosen) == (months[0], months[-1])  # as the command without --months
    return Selection(
        months=None if every_month else (str(chosen[0]), str(chosen[1])),
        crime_types=tuple(st.session_state.get(EXTRACT_TYPES_KEY) or ()) or None,
        wards=wards,
        neighbourhoods=neighbourhoods,
    )


def _extract_hours(area: StudyArea) -> StudyArea | None:
    """
    Draw the extract's Hours of the week; return the area with only those hours' crimes.

    ``--hours`` of ``export --incidents`` and ``brief --incidents``: the one rule
    (:func:`hotspots.when.area_in_hours`), its messages for a value it cannot read. Then
    None: the page draws its other boxes (a box a stopped run left out shows its default,
    not the user's choice, when it comes back) but makes no file.
    """
    text = st.text_input(
        "Hours of the week",
        key=EXTRACT_HOURS_KEY,
        placeholder="Every hour (e.g. Fri 22-03,Sat 22-03)",
        help=HOURS_HELP,
    )
    if not text.strip():
        return area
    kept = _ui.attempt("keeping the hours of the week", area_in_hours, area, text)
    if kept is not None:
        st.caption(
            f"Only crimes in the hours {_ui.plain(kept.hours)} (as `--hours`): "
            f"{len(kept.points):,} of the {len(area.points):,} crimes."
        )
    return kept


def _extract_source(
    ctx: _ui.Context,
) -> tuple[str, StudyArea, Selection, gpd.GeoDataFrame, bool]:
    """
    Return the chosen extract's cache key, study area, selection, events, hours read or not.

    The extract is the one :func:`_ui.extract_inputs` keeps for the When and Near repeats
    pages; its study area is the one ``--incidents`` builds (:func:`_ui.extract_study_area`),
    with only the crimes of the hours of the week chosen (``--hours``). The key names them.
    Hours that cannot be read leave the area whole, for the page's boxes only: it makes no file.
    """
    _ui.extract_inputs("exports", ctx.dataset_id)
    extract_key, inc = _ui.shown_extract(ctx.area)
    extract_area = _ui.guarded(
        "placing the extract", _ui.extract_study_area, extract_key, ctx.dataset_id,
        _ui.area_name(), inc, ctx.area,
    )  # fmt: skip
    if not _ui.extract_in_area(extract_area):
        st.caption(
            f"No event of the extract lies in the wards of {_ui.plain(ctx.area.label)}: the "
            "whole extract is one area, as `--incidents` without `--wards`."
        )
    selection = _extract_filters(extract_area)
    in_hours = _extract_hours(extract_area)
    area = extract_area if in_hours is None else in_hours
    key = f"{ctx.dataset_id}|extract:{extract_key}|hours:{area.hours}"
    return key, area, selection, inc.events, in_hours is not None


ctx = _ui.context()
st.title("Exports")
st.caption(
    "What leaves the app opens in QGIS, ArcGIS, Google Earth, phone GPS apps and a PDF reader, "
    "and never carries more detail than the audience chosen here may see."
)

KEPT_KEYS: Final = (
    SOURCE_KEY, AUDIENCE_KEY, MIN_COUNT_KEY, LAYERS_KEY, SHAPEFILE_KEY, BRIEF_MEETING_KEY,
    BRIEF_PERIOD_KEY, BRIEF_TASKING_KEY, BRIEF_ROUTE_KEY, EXTRACT_MONTHS_KEY, EXTRACT_TYPES_KEY,
    EXTRACT_WARDS_KEY, EXTRACT_NEIGHBOURHOODS_KEY, EXTRACT_HOURS_KEY,
)  # fmt: skip
# kept while another page is shown (the extract's months are given back as the slider's value)
_ui.restore_page_choices(*(k for k in KEPT_KEYS if k != EXTRACT_MONTHS_KEY))
st.session_state.setdefault(SOURCE_KEY, FROM_DATASET)
source = st.radio(
    "Crimes from",
    SOURCES,
    key=SOURCE_KEY,
    horizontal=True,
    help="A force extract's exact places and times stay with the police: partner and public "
    "files get them only as coarse as their audience may see, as `export --incidents` gives "
    "them.",
)
events: gpd.GeoDataFrame | None = None
makes_files = True  # False while the extract's hours of the week cannot be read (said there)
if source == FROM_EXTRACT:
    data_key, area, selection, events, makes_files = _extract_source(ctx)
else:
    data_key, area, selection = ctx.dataset_id, ctx.area, ctx.selection
_ui.remember_page_choices(*KEPT_KEYS)
st.session_state.setdefault(AUDIENCE_KEY, "partner")
left, right = st.columns([3, 2])
audience: Audience = left.radio(
    "Audience", AUDIENCES, key=AUDIENCE_KEY, horizontal=True, format_func=str.capitalize
)
extract_partner = events is not None and audience == "partner"
left.caption(EXTRACT_PARTNER_HELP if extract_partner else AUDIENCE_HELP[audience])
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
        # raised already: say so, then the command's reason, in its words
        right.caption(f"Raised to {floor}. {min_count_floor_message(audience, int(raised_from))}")

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
    if (no_sites := sites_left_out(layers, sites=area.sites)) is not None:
        st.caption(_ui.plain(no_sites))  # as `patchmap export` says it
    if not layers:
        st.info("Choose at least one layer.")
    elif not makes_files:
        st.caption(NO_FILES)
    else:
        files = _ui.guarded(
            "preparing the export",
            _ui.export_files,
            data_key,
            selection,
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
    # The sidebar's one chosen ward or neighbourhood is the pack's (until the user picks another);
    # the extract's Wards and Neighbourhoods boxes are its sidebar.
    where = "the sidebar" if events is None else "the extract's boxes above"
    follow = _ui.follow_sidebar_place(
        selection,
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
    several = _ui.sidebar_choice_text(selection)
    if several is not None:
        chooses = "The sidebar chooses" if events is None else "The extract's boxes choose"
        st.caption(
            f"{chooses} {_ui.plain(several)}; a pack covers one ward or neighbourhood, "
            f"here **{_ui.plain(place)}**. Choose another above."
        )
    last = dt.date.fromisoformat(f"{area.months[-1]}-01")
    default_meeting = (last + dt.timedelta(days=45)).replace(day=14)
    st.session_state.setdefault(BRIEF_MEETING_KEY, default_meeting)
    meeting = st.date_input("Meeting date", key=BRIEF_MEETING_KEY)
    st.session_state.setdefault(BRIEF_PERIOD_KEY, BRIEF_PERIODS[0])
    period = st.radio(
        "Period",
        BRIEF_PERIODS,
        key=BRIEF_PERIOD_KEY,
        horizontal=True,
        format_func=lambda p: p if p == BRIEF_PERIODS[0] else f"Months chosen in {where}",
    )
    sidebar_months = selection.months or (area.months[0], area.months[-1])
    brief_months = sidebar_months if period == BRIEF_PERIODS[1] else None
    brief_types = selection.crime_types
    st.caption(
        f"Crime types come from {where}: "
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
    if not makes_files:
        st.caption(NO_FILES)
    elif st.session_state.get(BRIEF_REQUESTED_KEY) and isinstance(meeting, dt.date):
        try:
            title, html, pdf, map_png, sections, covers = _ui.briefing_files(
                data_key,
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
                events,
            )
        except PatchmapError as err:
            _ui.fail(str(err))
        except Exception:  # noqa: BLE001  # the user sees an apology, the log keeps the traceback
            _LOG.exception("patchmap failed while building the briefing pack")
            _ui.fail(_ui.APOLOGY.format(doing="building the briefing pack"))
        st.subheader(_ui.plain(title))
        st.caption(f"The pack covers {_ui.plain(covers)}.")
        stem = _ui.briefing_name(area, str(place), audience, meeting)
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
