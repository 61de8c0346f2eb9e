"""Map page: ward boundaries, crimes per snap point, co-location sites, counts by ward and type."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages import _ui
from layers.map import crime_map
from spatial.wording import count_text

MAP_KEY = "crime_map"
TABLE_KEY = "ward_type_table"

ctx = _ui.context()
area = ctx.area
view = _ui.guarded("counting the crimes", _ui.map_view, ctx.dataset_id, ctx.selection, area)

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
    crime_map,
    view.wards,
    view.counts,
    sites=area.sites,
    streets=streets,
    tiles="none" if area.is_demo else "openstreetmap",
)

st.title("Map")
left, right = st.columns([5, 3], gap="medium")
with left:
    st_folium(folium_map, key=MAP_KEY, returned_objects=[], height=640, use_container_width=True)
    if area.is_demo:
        st.caption(
            "Demo town (synthetic): its own streets are drawn instead of map tiles. "
            "Each circle is one data.police.uk snap point, sized by its number of crimes."
        )
    else:
        st.caption(
            "Each circle is one data.police.uk snap point, sized by its number of crimes. "
            "Map tiles © OpenStreetMap contributors."
        )
with right:
    first, last = ctx.selection.months or ("", "")
    period = f"{first} to {last}" if first != last else first
    st.metric(
        "Crimes shown",
        f"{view.n_crimes:,}",
        help=f"Crimes in the chosen wards and types, {period}.",
    )
    st.caption(
        f"{count_text(len(view.counts), 'snap point')} in {count_text(len(view.wards), 'ward')}."
    )
    st.dataframe(view.table, key=TABLE_KEY, width="stretch")
