"""Force overview page: every ward's crimes or rate on one map, counts by month, pick a ward."""

from __future__ import annotations

import html
from typing import Final

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _ui
from boundaries.select import n_unread_located
from layers.overview import (
    MEASURE_LABELS,
    Measure,
    annual_rate,
    overview_map,
)
from spatial.wording import period_text

MEASURE_KEY: Final = "overview_measure"
MAP_KEY: Final = "overview_map"
WARD_TABLE_KEY: Final = "overview_wards"
MONTH_TABLE_KEY: Final = "overview_by_month"
PICK_KEY: Final = _ui.OVERVIEW_WARD_KEY
LAST_CLICK_KEY: Final = _ui.OVERVIEW_LAST_CLICK_KEY
FOLLOWED_KEY: Final = "overview_followed"
PROFILE_PAGE: Final = "app_pages/profile.py"
# The ward table's rate column: crimes of the period per 1,000 residents. The period is in its
# help and the map's legend: a longer label widened the column past the narrow table's edge, so
# its right-aligned values were out of sight. (A comment: a string here would be drawn.)
RATE_COLUMN: Final = "Per 1,000"
YEAR_COLUMN: Final = "Per 1,000 a year"


def _picked() -> None:
    """Make the ward chosen in the list the sidebar's ward and the Profile's subject."""
    _ui.focus_ward(str(st.session_state[PICK_KEY]))


ctx = _ui.context()
area = ctx.area
store = _ui.current_store()
overview = _ui.guarded(
    "counting every ward's crimes",
    _ui.overview_of,
    ctx.dataset_id,
    str(store) if store is not None else None,
    ctx.selection.months,
    ctx.selection.crime_types,
    area,
)

st.title("Force overview")
first, last = ctx.selection.months or (overview.months[0], overview.months[-1])
source = (
    "the store (four columns of the rows in the wards' extent)" if store else "the loaded crimes"
)
# A store reads the rows in the wards' extent and counts the rest by month and type: the total
# outside the wards is the one the same files give, with the part read named.
unread = n_unread_located(area.crimes, ctx.selection)  # 0 from files: every row is read
outside = f"{overview.n_outside_wards + unread:,} located outside them" + (
    f" ({overview.n_outside_wards:,} in the wards' extent; {unread:,} elsewhere in the store, "
    "counted, not read)"
    if unread
    else ""
)
st.caption(
    f"Every ward of {_ui.plain(area.label)}, {first} to {last}, counted from "
    f"{_ui.plain(source)}: "
    f"{int(overview.wards['n_crimes'].sum()):,} crimes in {len(overview.wards)} wards, "
    f"{outside}. The sidebar's ward choice does not narrow this page; pick a ward below to "
    "profile it."
)
has_rates = bool(overview.wards["rate_per_1000"].notna().any())
measures: list[Measure] = ["n_crimes", "rate_per_1000"] if has_rates else ["n_crimes"]
measure: Measure = st.radio(
    "Colour the wards by",
    measures,
    format_func=lambda m: MEASURE_LABELS[m],
    key=MEASURE_KEY,
    horizontal=True,
)
if not has_rates:
    st.caption("Load LSOA populations and boundaries in the sidebar to map crimes per 1,000.")

folium_map = _ui.guarded(
    "drawing the map",
    overview_map,
    overview,
    measure=measure,
    period=(first, last),
    tiles="none" if area.is_demo else "openstreetmap",
)
left, right = st.columns([5, 3], gap="medium")
with left:
    clicked = st_folium(
        folium_map,
        key=MAP_KEY,
        returned_objects=["last_object_clicked_tooltip"],
        height=600,
        use_container_width=True,
    )
    st.caption(
        "Click a ward to choose it below. "
        + ("" if area.is_demo else "Map tiles © OpenStreetMap contributors.")
    )

names = list(overview.wards.sort_values("n_crimes", ascending=False)["ward_name"].astype(str))
tooltip = (clicked or {}).get("last_object_clicked_tooltip")
if tooltip and tooltip != st.session_state.get(LAST_CLICK_KEY):
    st.session_state[LAST_CLICK_KEY] = tooltip
    text = " ".join(str(tooltip).split())  # "Ward <name> Crimes <n> Per 1,000 residents <r>"
    hit = [
        n for n in names if f"Ward {n} Crimes" in text or f"Ward {html.escape(n)} Crimes" in text
    ]
    if hit and hit[0] != st.session_state.get(PICK_KEY):
        st.session_state[PICK_KEY] = hit[0]
        _ui.focus_ward(hit[0])  # the sidebar's filters were drawn already: apply on a rerun
        st.rerun()
# The box opens on the sidebar's one chosen ward (else the busiest) and follows it when it
# changes; the link carries the ward the box shows, so the Profile opened is the one named.
follow = _ui.follow_sidebar_place(
    ctx.selection,
    followed_key=FOLLOWED_KEY,
    page_has_choice=st.session_state.get(PICK_KEY) in names,
)
if follow is not None and not follow[0] and follow[1] in names:
    st.session_state[PICK_KEY] = follow[1]
if st.session_state.get(PICK_KEY) not in names:
    st.session_state[PICK_KEY] = names[0]

with right:
    ward = str(st.selectbox("Ward", names, key=PICK_KEY, on_change=_picked))
    st.page_link(
        PROFILE_PAGE,
        label=f"Profile of {_ui.plain(ward)}",
        icon=":material/insights:",
        query_params=_ui.profile_link_params(ward),
    )
    st.caption(
        "Choosing a ward here, or following the link, selects it in the sidebar's Wards filter."
    )
    # The rate is the whole period's crimes per 1,000 (`rate_per_1000`, as `patchmap profile
    # --json` gives it), its help names the period; the yearly column averages it.
    period = period_text(first, last)
    table = (
        overview.wards[["ward_name", "n_crimes", "rate_per_1000"]]
        .assign(per_year=overview.wards["rate_per_1000"].map(lambda r: annual_rate(r, first, last)))
        .rename(
            columns={
                "ward_name": "Ward",
                "n_crimes": "Crimes",
                "rate_per_1000": RATE_COLUMN,
                "per_year": YEAR_COLUMN,
            }
        )
        .sort_values("Crimes", ascending=False)
        .set_index("Ward")
    )
    if not has_rates:
        table = table.drop(columns=[RATE_COLUMN, YEAR_COLUMN])
    st.dataframe(
        table,
        key=WARD_TABLE_KEY,
        width="stretch",
        column_config={
            "Crimes": st.column_config.NumberColumn(format="%,d", help=f"Crimes, {period}."),
            RATE_COLUMN: st.column_config.NumberColumn(
                format="%,.1f",
                help=f"All crimes of {period} per 1,000 residents, as `patchmap profile` gives "
                "`rate_per_1000` for the same months.",
            ),
            YEAR_COLUMN: st.column_config.NumberColumn(
                format="%,.1f",
                help=f"The rate over {period}, times 12 over its number of months: the average "
                "a year, comparable between periods of different lengths.",
            ),
        },
    )

st.subheader("By month")
long = (
    overview.by_ward_month.rename_axis(index="Ward", columns="Month")
    .reset_index()
    .melt(id_vars="Ward", var_name="Month", value_name="Crimes")
)
picked = ward
force_total = long.groupby("Month", as_index=False)["Crimes"].sum().assign(Series="All wards")
ward_line = long.loc[long["Ward"] == picked, ["Month", "Crimes"]].assign(Series=picked)
chart = (
    alt.Chart(pd.concat([force_total, ward_line], ignore_index=True))
    .mark_line(point=True)
    .encode(
        x=alt.X("Month:N", sort=None),
        y=alt.Y("Crimes:Q"),
        color=alt.Color("Series:N", title=None),
        tooltip=["Series:N", "Month:N", alt.Tooltip("Crimes:Q", format=",")],
    )
    .properties(height=260)
)
st.altair_chart(chart, width="stretch")
with st.expander("Crimes by ward and month"):
    st.dataframe(overview.by_ward_month, key=MONTH_TABLE_KEY, width="stretch")
