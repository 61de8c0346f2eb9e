"""Profile page: the neighbourhood profile, problems for joint patrols, and what residents raise."""

from __future__ import annotations

import datetime as dt
from typing import Final

import altair as alt
import pandas as pd
import streamlit as st
from shapely import Point
from sqlalchemy.orm import Session
from streamlit_folium import st_folium

from app_pages import _ui
from boundaries.population import (
    POPULATION_METHOD_LABELS,
    PopulationMethod,
    require_population_pair,
)
from boundaries.select import Selection
from layers.overview import annual_rate
from layers.problems import problems_map
from spatial.errors import PatchmapError
from spatial.wording import count_text, month_count, period_text
from tasking.findings import findings_to_geodataframe
from tasking.problems import TIME_OF_DAY_NOTE
from tasking.profile import summarise_findings
from tasking.reports import (
    REPORTERS,
    append_report,
    default_reports_path,
    read_reports,
    reports_gap,
    reports_in,
)
from tasking.store import list_findings, resolve_database_url

SCOPE_KEY: Final = _ui.PROFILE_SCOPE_KEY
AREA_KEY: Final = _ui.PROFILE_AREA_KEY
FOLLOWED_KEY: Final = "profile_followed"
METHOD_KEY: Final = "profile_population_method"
PERIOD_KEY: Final = "profile_period"
REPORT_DATE_KEY: Final = "report_date"
REPORT_BY_KEY: Final = "report_by"
REPORT_ISSUE_KEY: Final = "report_issue"
REPORT_LOCATION_KEY: Final = "report_location"
REPORT_X_KEY: Final = "report_x_m"
REPORT_Y_KEY: Final = "report_y_m"
ADD_REPORT_KEY: Final = "add_report"
REPORTS_KEY: Final = "profile_reports"
PROBLEMS_MAP_KEY: Final = "problems_map"
PROBLEM_FILES_KEY: Final = "profile_problem_areas"
FINDINGS_KEY: Final = "profile_eva_findings"
WARD: Final = "A ward"
NEIGHBOURHOOD: Final = "A neighbourhood"

ctx = _ui.context()
area = ctx.area
_ui.guarded(  # as `patchmap profile` refuses them: one file alone gives no rate
    "checking the population files",
    require_population_pair,
    population=area.population is not None,
    lsoas=area.lsoas is not None,
)
st.title("Profile")

scopes = [WARD, NEIGHBOURHOOD] if set(area.neighbourhood_names) != set(area.ward_names) else [WARD]
left, middle, right = st.columns([2, 3, 3])
_ui.restore_page_choices(SCOPE_KEY, AREA_KEY, METHOD_KEY, PERIOD_KEY)  # after another page
if st.session_state.get(SCOPE_KEY) not in scopes:
    st.session_state.pop(SCOPE_KEY, None)
st.session_state.setdefault(SCOPE_KEY, scopes[-1])
# The sidebar's one chosen ward or neighbourhood is the page's (until the user picks another).
shown = area.neighbourhood_names if st.session_state[SCOPE_KEY] == NEIGHBOURHOOD else None
follow = _ui.follow_sidebar_place(
    ctx.selection,
    followed_key=FOLLOWED_KEY,
    page_has_choice=st.session_state.get(AREA_KEY) in (shown or area.ward_names),
)
if follow is not None and follow[1] in (area.neighbourhood_names if follow[0] else area.ward_names):
    st.session_state[SCOPE_KEY] = NEIGHBOURHOOD if follow[0] and NEIGHBOURHOOD in scopes else WARD
    st.session_state[AREA_KEY] = follow[1]
scope = left.radio("Profile", scopes, key=SCOPE_KEY, horizontal=False)
names = area.neighbourhood_names if scope == NEIGHBOURHOOD else area.ward_names
if st.session_state.get(AREA_KEY) not in names:
    st.session_state[AREA_KEY] = names[0]
chosen = middle.selectbox(scope.removeprefix("A ").capitalize(), names, key=AREA_KEY)
st.session_state.setdefault(METHOD_KEY, "best-fit")
method_choice = right.selectbox(
    "Residents per ward",
    list(POPULATION_METHOD_LABELS),
    format_func=lambda m: POPULATION_METHOD_LABELS[m],
    key=METHOD_KEY,
)
method: PopulationMethod = "area-weighted" if method_choice == "area-weighted" else "best-fit"

PERIODS: Final = {"Last 3 months": 3, "Last 6 months": 6, "Months chosen in the sidebar": 0}
st.session_state.setdefault(PERIOD_KEY, "Last 3 months")
period_choice = st.radio("Period", list(PERIODS), key=PERIOD_KEY, horizontal=True)
_ui.remember_page_choices(SCOPE_KEY, AREA_KEY, METHOD_KEY, PERIOD_KEY)
sidebar_months = ctx.selection.months or (area.months[0], area.months[-1])
n_last = PERIODS[str(period_choice)]
months = (
    (area.months[max(0, len(area.months) - n_last)], area.months[-1]) if n_last else sidebar_months
)
types = ctx.selection.crime_types
profile = _ui.guarded(
    "building the profile",
    _ui.profile_of,
    ctx.dataset_id,
    chosen,
    scope == NEIGHBOURHOOD,
    months,
    types,
    method,
    area,
)

st.subheader(f"{_ui.plain(profile.area_name)}, {profile.months[0]} to {profile.months[1]}")
several = _ui.sidebar_choice_text(ctx.selection)
if several is not None:
    st.caption(
        f"The sidebar chooses {_ui.plain(several)}; this page profiles one at a time, here "
        f"**{_ui.plain(profile.area_name)}**. Choose another above."
    )
st.caption(
    "Crime types come from the sidebar. "
    + ("All crime types." if types is None else f"Crime types: {_ui.plain(', '.join(types))}.")
)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Crimes and ASB", f"{profile.n_crimes:,}")
m2.metric("Of which ASB", f"{profile.n_asb:,}")
if profile.rate_per_1000 is not None:
    m3.metric(
        f"Per 1,000 residents ({count_text(month_count(*profile.months), 'month')})",
        f"{profile.rate_per_1000:,.1f}",
        help=f"Crimes and ASB of {period_text(*profile.months)} per 1,000 of the "
        f"{profile.population:,.0f} residents ({profile.population_method}), as `patchmap "
        "profile` gives `rate_per_1000`; about "
        f"{annual_rate(profile.rate_per_1000, *profile.months):,.1f} a year.",
    )
else:
    m3.metric("Per 1,000 residents", "n/a", help="Load LSOA population and boundaries for rates.")
if profile.rank is not None:
    m4.metric(
        "Rank",
        f"{profile.rank} of {profile.n_ranked}",
        help=f"By {profile.rank_basis}; 1 is the highest.",
    )
for note in profile.notes:
    st.caption(_ui.plain(note))

st.markdown("#### Change")
if profile.changes:
    for change in profile.changes:
        st.markdown(
            f"- Against the **{change.label}** ({change.before[0]} to {change.before[1]}: "
            f"{change.n_before:,}): **{change.verdict}** (exact Poisson test)."
        )
else:
    st.caption("The loaded data has no earlier period of the same length to compare with.")

series = pd.DataFrame(
    {
        "month": list(profile.by_month),
        "This period": list(profile.by_month.values()),
        "Same month last year": list(profile.by_month_last_year.values()),
    }
).melt("month", var_name="series", value_name="crimes")
chart = (
    alt.Chart(series.dropna())
    .mark_line(point=True)
    .encode(
        x=alt.X("month:O", title="Month"),
        y=alt.Y("crimes:Q", title="Crimes and ASB"),
        color=alt.Color("series:N", title=None),
        tooltip=["month", "series", "crimes"],
    )
    .properties(height=260)
)
chart_col, type_col = st.columns([3, 2])
chart_col.altair_chart(chart, width="stretch")
type_col.dataframe(
    pd.Series(profile.by_crime_type, name="crimes").rename_axis("crime type"),
    key="profile_by_type",
    width="stretch",
)

st.markdown("#### Hotspots and persistence")
if profile.hotspots:
    h1, h2 = st.columns(2)
    h1.metric(
        "Hot cells (Gi*, 95 %+)",
        f"{profile.hotspots['n_hot_cells']} of {profile.hotspots['n_cells']}",
        help=str(profile.hotspots["convention"]),
    )
    share = float(str(profile.hotspots["share_of_crime_in_hot_cells"]))
    h2.metric("Crime in hot cells", f"{share:.0%}")
    st.caption(
        f"Gi* on {profile.hotspots['cell_size_m']:.0f} m cells, the profile's fixed grid. The "
        "Hotspots page maps Gi* on cells of its own size (automatic unless you set one), so its "
        "hot cells can differ from these; it also offers other methods."
    )
if profile.persistence:
    st.dataframe(
        pd.Series(profile.persistence, name="cells").rename_axis("emerging hot spot category"),
        key="profile_persistence",
    )
    st.caption("Categories after Esri's emerging hot spot analysis, on every loaded month.")

st.markdown("#### Top repeat locations")
top = pd.DataFrame(list(profile.top_locations))
if top.empty:
    st.caption("No crimes in this selection.")
else:
    top["check"] = top["artefact"].fillna("")
    st.dataframe(
        top[["location", "ward", "n_crimes", "n_months", "top_crime_types", "check"]],
        key="profile_top_locations",
        hide_index=True,
        width="stretch",
    )

st.markdown("#### Problems for joint patrol tasking")
problems = _ui.guarded(
    "ranking the problems",
    _ui.problems_of,
    ctx.dataset_id,
    profile.wards,
    months,
    types,
    area,
)
if problems.empty:
    st.caption("No problem reaches the thresholds (10 crimes of one type in a hotspot or place).")
else:
    map_col, list_col = st.columns([2, 3])
    with map_col:
        wards = area.wards[area.wards["ward_name"].isin(profile.wards)]
        st_folium(
            _ui.guarded(
                "drawing the patrol areas",
                problems_map,
                wards,
                problems,
                tiles="none" if area.is_demo else "openstreetmap",
            ),
            key=PROBLEMS_MAP_KEY,
            returned_objects=[],
            height=420,
            use_container_width=True,
        )
    with list_col:
        st.dataframe(
            problems[["problem_id", "label", "score", "trend", "peak_months", "agencies"]],
            key="profile_problems",
            hide_index=True,
            width="stretch",
            column_config={"score": st.column_config.NumberColumn(format="%,.1f")},
        )  # scores are means of ranks' scores (6.6667): one decimal, as the reasons say them
        with st.expander("Why each problem scores as it does"):
            for row in problems.itertuples():
                st.markdown(
                    f"**{_ui.plain(row.problem_id)}** {_ui.plain(row.label)}: "
                    f"{_ui.plain(row.explanation)}"
                )
        st.caption(TIME_OF_DAY_NOTE)
    # The file `patchmap problems --out` writes for this ward or neighbourhood and period,
    # through the same function, for the police (the command writes none for partners or the
    # public, and nor does this page).
    as_command = Selection(
        months=months,
        crime_types=types,
        wards=None if scope == NEIGHBOURHOOD else (chosen,),
        neighbourhoods=(chosen,) if scope == NEIGHBOURHOOD else None,
    )
    files = _ui.guarded(
        "writing the patrol areas",
        _ui.problem_area_files,
        ctx.dataset_id,
        as_command,
        months,
        problems,
        area,
    )
    for column, item in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            item.label,
            data=item.data,
            file_name=item.file_name,
            mime=item.mime,
            key=f"{PROBLEM_FILES_KEY}_{item.key}",
            icon=":material/download:",
            on_click="ignore",
        )
    st.caption(
        "Police only: the patrol areas with rank, label, crime type, wards, crimes, score and "
        "area, unsuppressed, as `patchmap problems --out` writes them for this selection "
        "(GeoPackage in British National Grid, GeoJSON in WGS84). None is made for partners "
        "or the public, as the command makes none for them."
    )

# EVA findings from the tasking log, inside the profiled wards in the period (only if any).
try:
    with Session(_ui.tasking_engine(resolve_database_url(None))) as read:
        finding_records = list_findings(read)
except PatchmapError as err:
    st.warning(f"EVA findings are not shown: the tasking log cannot be opened ({_ui.plain(err)}).")
    finding_records = ()
located_findings = findings_to_geodataframe(finding_records)
if len(located_findings):
    eva = _ui.guarded(
        "counting the EVA findings",
        summarise_findings,
        located_findings,
        area.wards[area.wards["ward_name"].isin(profile.wards)],
        months=profile.months,
    )
    if eva.n_findings or eva.n_undated:
        st.markdown("#### What EVA walks found")
        f1, f2 = st.columns(2)
        f1.metric("Stops with findings", f"{eva.n_findings:,}")
        f2.metric("With a problem seen", f"{eva.n_with_issues:,}")
        if eva.by_issue:
            st.dataframe(
                pd.Series(
                    list(eva.by_issue.values()),
                    index=[issue.replace("_", " ").capitalize() for issue in eva.by_issue],
                    name="stops",
                ).rename_axis("issue seen"),
                key=FINDINGS_KEY,
            )
        st.caption(
            "Findings recorded on EVA walks (Tasking page) at stops inside these wards in the "
            "period. Graffiti, fly-tipping and litter go to environmental services as proposed "
            "actions."
            + (
                f" {eva.n_undated} finding(s) here have no walk date and are not counted."
                if eva.n_undated
                else ""
            )
        )

st.markdown("#### What residents and partners raise")
st.caption(
    "Reports from PACT meetings, street briefings and partner staff, beside recorded crime. "
    f"Reports entered here are kept in {_ui.plain(default_reports_path())}."
)
profiled = area.wards[area.wards["ward_name"].isin(profile.wards)]
centre = profiled.union_all().representative_point()
_ui.clear_saved_form("add_report")
with st.form("add_report"):
    r1, r2, r3 = st.columns([1, 1, 2])
    r1.date_input("Reported on", key=REPORT_DATE_KEY)
    r2.selectbox("Reported by", REPORTERS, key=REPORT_BY_KEY)
    r3.text_input("Issue (what was raised)", key=REPORT_ISSUE_KEY)
    r4, r5, r6 = st.columns([2, 1, 1])
    r4.text_input("Where (street, block, park)", key=REPORT_LOCATION_KEY)
    r5.number_input("Easting (m)", value=round(centre.x), step=10, key=REPORT_X_KEY)
    r6.number_input("Northing (m)", value=round(centre.y), step=10, key=REPORT_Y_KEY)
    if st.form_submit_button("Add report", key=ADD_REPORT_KEY):
        _ui.guarded(
            "saving the report",
            append_report,
            default_reports_path(),
            date=st.session_state[REPORT_DATE_KEY],
            reported_by=str(st.session_state[REPORT_BY_KEY]),
            issue=str(st.session_state.get(REPORT_ISSUE_KEY, "")),
            point=Point(
                float(st.session_state[REPORT_X_KEY]), float(st.session_state[REPORT_Y_KEY])
            ),
            location=str(st.session_state.get(REPORT_LOCATION_KEY, "")),
        )
        _ui.form_saved(
            "add_report",
            {
                REPORT_DATE_KEY: dt.datetime.now(dt.UTC).astimezone().date(),  # local: as the box
                REPORT_BY_KEY: REPORTERS[0],
                REPORT_ISSUE_KEY: "",
                REPORT_LOCATION_KEY: "",
                REPORT_X_KEY: round(centre.x),
                REPORT_Y_KEY: round(centre.y),
            },
            "Report saved.",
        )
upload = st.file_uploader(
    "Or load reports from a CSV (date, reported_by, issue, lon, lat)", key=REPORTS_KEY
)
frames = []
if default_reports_path().exists():
    frames.append(_ui.guarded("reading the saved reports", read_reports, default_reports_path()))
if upload is not None:
    frames.append(
        _ui.guarded("reading the reports", read_reports, (upload.name, upload.getvalue()))
    )
if frames:
    reports = pd.concat(frames, ignore_index=True)
    inside = reports_in(reports, wards=profiled, months=profile.months)
    st.caption(
        f"{len(inside)} of {len(reports)} reports fall in {_ui.plain(profile.area_name)} "
        f"between {profile.months[0]} and {profile.months[1]}."
    )
    if len(inside):
        table = _ui.guarded(
            "comparing reports with recorded crime",
            reports_gap,
            reports,
            area,
            wards=profile.wards,
            months=profile.months,
            crime_types=types,
        )
        st.dataframe(table, key="profile_gap", hide_index=True, width="stretch")
