"""When page: hour-of-week heat chart, events over time, patrol windows and where they apply."""

from __future__ import annotations

from typing import Final, Literal, get_args

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _ui
from hotspots.when import (
    DEFAULT_MAX_WINDOW_H,
    events_by_period,
    n_recorded_at_midnight,
    outside_wards_note,
    when_summary,
)
from layers.when import (
    hour_of_week_chart,
    hour_of_week_csv,
    patrol_window_map,
    period_chart,
    when_file_metadata,
)
from spatial.crs import BNG_EPSG

TYPES_KEY: Final = "when_types"
AREA_KIND_KEY: Final = "when_area_kind"
WARDS_KEY: Final = "when_wards"
NEIGHBOURHOOD_KEY: Final = "when_neighbourhood"
HOT_AREA_KEY: Final = "when_hot_area"
PROBLEM_KEY: Final = "when_problem"
DATES_KEY: Final = "when_dates"
SPLIT_KEY: Final = "when_split"
PERIOD_KEY: Final = "when_period"
HEAT_KEY: Final = "when_heat"
PERIOD_CHART_KEY: Final = "when_by_period"
WINDOWS_KEY: Final = "when_windows"
MAP_KEY: Final = "when_map"
PROBLEMS_KEY: Final = "when_problems"
DOWNLOAD_KEY: Final = "when_download"
PROBLEM_COLUMNS: Final = {
    "rank": "Rank",
    "label": "Problem",
    "n_crimes": "Crimes in its hot cells",
    "n_timed": "Timed crimes of its type in the area",
    "patrol_window": "Patrol window",
    "patrol_window_text": "When, in words",
}
Period = Literal["month", "week", "day"]
PERIODS: Final[tuple[Period, ...]] = get_args(Period)

ctx = _ui.context()
_ui.extract_inputs("when", ctx.dataset_id)

st.title("When")
extract_key, inc = _ui.shown_extract(ctx.area)
if inc.report.notes:
    with st.expander("Notes on the extract"):
        for note in inc.report.notes:
            st.caption(_ui.plain(note))

in_gb = inc.events.crs is not None and inc.events.crs.to_epsg() == BNG_EPSG
in_wards = in_gb and _ui.guarded("placing the extract", _ui.extract_in_wards, inc, ctx.area.wards)
wards = ctx.area.wards if in_wards else None
first_day, last_day = inc.events["start"].min().date(), inc.events["start"].max().date()
left, right = st.columns(2)
left.multiselect(
    "Crime types", sorted(inc.events["crime_type"].unique()), key=TYPES_KEY,
    placeholder="All crime types",
)  # fmt: skip
right.date_input(
    "Dates (committed from)", value=(first_day, last_day), min_value=first_day,
    max_value=last_day, key=DATES_KEY, format="DD/MM/YYYY",
)  # fmt: skip
picked = tuple(st.session_state.get(DATES_KEY) or ())
day_range = (picked[0], picked[1]) if len(picked) == 2 else (first_day, last_day)  # noqa: PLR2004
dates = (day_range[0].isoformat(), day_range[1].isoformat())
month_range = (dates[0][:7], dates[1][:7])
types = tuple(st.session_state.get(TYPES_KEY) or ()) or None

kinds = _ui.WHEN_AREA_KINDS if wards is not None else _ui.WHEN_AREA_KINDS[:1]
st.radio("Area", kinds, key=AREA_KIND_KEY, horizontal=True)
kind = st.session_state.get(AREA_KIND_KEY) or _ui.WHEN_WHOLE
hot = problems = None
chosen: tuple[str, ...] = ()
if wards is not None and kind == _ui.WHEN_WARDS:
    st.multiselect("Wards", list(wards["ward_name"]), key=WARDS_KEY, placeholder="Choose wards")
    chosen = tuple(st.session_state.get(WARDS_KEY) or ())
elif wards is not None and kind == _ui.WHEN_NEIGHBOURHOOD:
    st.selectbox("Neighbourhood", ctx.area.neighbourhood_names, key=NEIGHBOURHOOD_KEY)
    chosen = (str(st.session_state.get(NEIGHBOURHOOD_KEY) or ctx.area.neighbourhood_names[0]),)
elif wards is not None and kind == _ui.WHEN_HOT_AREA:
    hot = _ui.guarded(
        "finding the hot areas", _ui.when_hot_areas, extract_key, ctx.dataset_id, types, inc,
        wards,
    )  # fmt: skip
    if hot.empty:
        _ui.fail("No Gi* hot area in these crimes: choose other crime types or another area.")
    st.selectbox("Hot area (Gi*, 95 %)", list(hot["label"]), key=HOT_AREA_KEY)
    chosen = (str(st.session_state.get(HOT_AREA_KEY) or hot["label"].iloc[0]),)
elif wards is not None and kind == _ui.WHEN_PROBLEM:
    problems = _ui.guarded(
        "ranking problems", _ui.when_problems, extract_key, ctx.dataset_id, types, month_range,
        inc, ctx.area,
    )  # fmt: skip
    if problems.empty:
        _ui.fail("No problem ranked in these crimes: choose other crime types or dates.")
    st.selectbox("Problem", list(problems["label"]), key=PROBLEM_KEY)
    chosen = (str(st.session_state.get(PROBLEM_KEY) or problems["label"].iloc[0]),)
place = _ui.guarded(
    "choosing the area", _ui.when_area, kind, chosen, area=ctx.area, hot=hot, problems=problems
)
inside = sorted({str(p) for p in inc.events["start"].dt.to_period("M").unique()})
inside = [m for m in inside if month_range[0] < m <= month_range[1]]
split = None
if inside:
    split = st.select_slider(
        "Compare timing before and after", options=inside, value=inside[len(inside) // 2],
        key=SPLIT_KEY,
    )  # fmt: skip
view = _ui.guarded(
    "counting by hour of the week", _ui.when_view, extract_key, types, (kind, *chosen), dates,
    split, inc, place,
)  # fmt: skip

how = view.how
a, b, c, d = st.columns(4)
a.metric("Events", f"{how.n_events:,}")
b.metric("Exact times", f"{how.n_exact:,}")
c.metric("Windows spread", f"{how.n_windows_spread:,}")
d.metric("Windows over 7 days", f"{how.n_windows_too_long:,}")
outside = (
    outside_wards_note(view.events, wards) if place.shape is None and wards is not None else None
)
if outside:  # the whole extract, as `patchmap when` without --ward says it
    st.caption(_ui.plain(outside))
st.altair_chart(hour_of_week_chart(how), key=HEAT_KEY, width="stretch")

st.subheader("Patrol windows")
if view.windows.has_pattern:
    st.dataframe(
        pd.DataFrame(
            {
                "When": [w.label for w in view.windows.windows],
                "Share of events": [f"{w.share:.0%}" for w in view.windows.windows],
                "Share of the week's hours": [f"{w.hours_share:.0%}" for w in view.windows.windows],
            }
        ),
        key=WINDOWS_KEY,
        hide_index=True,
    )
st.markdown(_ui.plain(view.windows.text))
if view.change is not None:
    st.markdown(_ui.plain(view.change.text))

st.radio("Events by", PERIODS, key=PERIOD_KEY, horizontal=True)
freq: Period = st.session_state.get(PERIOD_KEY) or "month"
st.altair_chart(
    period_chart(events_by_period(view.events, freq=freq), freq=freq),
    key=PERIOD_CHART_KEY,
    width="stretch",
)

st.subheader("Where the patrol windows apply")
if not in_gb:
    st.caption(
        f"The extract lies outside Great Britain ({inc.report.crs}): patrol areas and the map "
        "need data in Great Britain and ward boundaries."
    )
elif wards is None:
    demo = " (the demo extract is the demo town's)" if extract_key.startswith("demo:") else ""
    st.caption(
        f"No event of the extract lies in the wards of {_ui.plain(ctx.area.label)}{demo}: "
        "choose the force's extract of these wards in the sidebar for their areas and patrol "
        "areas."
    )
else:
    problems = _ui.attempt(
        "ranking problems", _ui.when_problems, extract_key, ctx.dataset_id, types, month_range,
        inc, ctx.area,
    )  # fmt: skip
    if problems is not None:
        shown = wards if place.wards is None else place.wards
        st_folium(
            _ui.guarded(
                "drawing the patrol windows", patrol_window_map, shown, problems,
                view.in_windows, tiles="none" if ctx.area.is_demo else "openstreetmap",
            ),
            key=MAP_KEY, returned_objects=[], height=460, use_container_width=True,
        )  # fmt: skip
        st.dataframe(
            pd.DataFrame(problems.drop(columns="geometry"))[list(PROBLEM_COLUMNS)].rename(
                columns=PROBLEM_COLUMNS
            ),
            key=PROBLEMS_KEY,
            hide_index=True,
        )

summary = when_summary(
    how, view.windows, n_without_time=inc.report.n_without_time,
    n_at_midnight=n_recorded_at_midnight(view.events),
)  # fmt: skip
what = ", ".join(types).lower() if types else "crimes"
marked = when_file_metadata(
    f"{what.capitalize()} by hour of the week",
    area=", ".join(chosen) or "the whole extract",
    files=inc.report.files,
    is_demo=extract_key.startswith("demo:"),
    ward_file=bool(chosen),
    period=month_range,
    filters={
        "crime_types": ", ".join(types or ()) or "all",
        "dates": f"{dates[0]} to {dates[1]}",
        "midnight": inc.report.midnight,
        "max_window_h": f"{DEFAULT_MAX_WINDOW_H:g}",
    },
)  # the command's marker: police only
st.download_button(
    "Download the hour-of-week table (CSV)",
    hour_of_week_csv(how, metadata=marked).encode("utf-8"),
    file_name="hour_of_week.csv",
    key=DOWNLOAD_KEY,
    help=f"{len(summary['patrol_windows'])} patrol windows; police use only (exact times).",  # type: ignore[arg-type] # a list
)
