"""patchmap's Streamlit app: page setup, the shared sidebar and the page list."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import streamlit as st

from app_pages import _ui

HERE: Final = Path(__file__).resolve().parent

# (script, title, icon) of every page, in menu order; a page appears once its script exists.
PAGES: Final = (
    ("app_pages/map.py", "Map", ":material/map:"),
    ("app_pages/overview.py", "Force overview", ":material/grid_view:"),
    ("app_pages/profile.py", "Profile", ":material/insights:"),
    ("app_pages/hotspots.py", "Hotspots", ":material/local_fire_department:"),
    ("app_pages/when.py", "When", ":material/schedule:"),
    ("app_pages/near_repeat.py", "Near repeats", ":material/radar:"),
    ("app_pages/eva_routes.py", "EVA routes", ":material/directions_walk:"),
    ("app_pages/tasking.py", "Tasking", ":material/assignment:"),
    ("app_pages/exports.py", "Exports", ":material/download:"),
)

st.set_page_config(
    page_title="patchmap", page_icon=str(HERE / "static" / "favicon.png"), layout="wide"
)
pages = [
    st.Page(HERE / script, title=title, icon=icon, default=True, url_path="home")
    if index == 0  # served at /; the name it reserves must differ from /map's below
    else st.Page(HERE / script, title=title, icon=icon)
    for index, (script, title, icon) in enumerate(PAGES)
    if (HERE / script).is_file()
]


def map_address() -> None:
    """Open the Map page, served at ``/`` as the default page, from its own name ``/map``."""
    st.switch_page(pages[0])


# a bookmark or a link to /map (every other page has its script's name) finds the Map page
# instead of Streamlit's "page not found"
page = st.navigation(
    [*pages, st.Page(map_address, title="Map", url_path="map", visibility="hidden")]
)
_ui.sidebar()
page.run()
