"""Tasking page: problems, EPIC actions, NAG decisions, EVA findings, assessment and audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pandas as pd
import shapely
import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from streamlit_folium import st_folium

from app_pages import _ui
from layers.findings import findings_map
from tasking.findings import (
    ISSUE_SEPARATOR,
    add_proposed_actions,
    findings_to_geodataframe,
    propose_actions,
)
from tasking.store import (
    ACTION_STATUSES,
    CHECKLIST_ITEMS,
    EPIC_TYPES,
    PROBLEM_STATUSES,
    SARA_STAGES,
    ActionRecord,
    AreaRecord,
    AuditRecord,
    DecisionRecord,
    FindingRecord,
    MeetingRecord,
    ProblemRecord,
    add_action,
    add_area,
    add_decision,
    add_finding,
    add_meeting,
    add_problem,
    list_actions,
    list_areas,
    list_audit,
    list_decisions,
    list_findings,
    list_meetings,
    list_problems,
    resolve_database_url,
    update_action,
    update_problem,
)
from tasking.windows import with_window

if TYPE_CHECKING:
    from collections.abc import Callable

    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.engine import Engine

    from tasking.assess import Assessment


# Widget keys (tests find widgets by these).
USER_KEY: Final = "tasking_user"
PROBLEM_TITLE_KEY: Final = "tasking_problem_title"
PROBLEM_DESCRIPTION_KEY: Final = "tasking_problem_description"
PROBLEM_STAGE_KEY: Final = "tasking_problem_stage"
PROBLEM_WARD_KEY: Final = "tasking_problem_ward"
ADD_PROBLEM_KEY: Final = "tasking_add_problem"
PROBLEM_PICK_KEY: Final = "tasking_problem_pick"
ACTION_EPIC_KEY: Final = "tasking_action_epic"
ACTION_DESCRIPTION_KEY: Final = "tasking_action_description"
ACTION_AGENCY_KEY: Final = "tasking_action_agency"
ACTION_PERSON_KEY: Final = "tasking_action_person"
ACTION_DUE_KEY: Final = "tasking_action_due"
ACTION_WHEN_KEY: Final = "tasking_action_when"
ADD_ACTION_KEY: Final = "tasking_add_action"
EDIT_PICK_KEY: Final = "tasking_edit_pick"
# The same for problems: the version opened, and the stage and status boxes (id follows).
PROBLEM_VERSION_PREFIX: Final = "tasking_problem_version_"
PROBLEM_STAGE_PREFIX: Final = "tasking_problem_stage_"
PROBLEM_STATUS_PREFIX: Final = "tasking_problem_status_"
SAVE_PROBLEM_KEY: Final = "tasking_save_problem"
RELOAD_PROBLEM_KEY: Final = "tasking_reload_problem"
DECISION_PROBLEM_KEY: Final = "tasking_decision_problem"
LINK_WARD_KEY: Final = "tasking_link_ward"
LINK_KIND_KEY: Final = "tasking_link_kind"
LINK_AREA_KEY: Final = "tasking_link_area"
# Key prefixes of the status and notes boxes of the action being edited (its id follows).
EDIT_STATUS_PREFIX: Final = "tasking_edit_status_"
EDIT_NOTES_PREFIX: Final = "tasking_edit_notes_"
SAVE_ACTION_KEY: Final = "tasking_save_action"
RELOAD_ACTION_KEY: Final = "tasking_reload_action"
# Session-state key prefix: the version of an action the user opened for editing (its id follows).
# (Comments, not docstrings: Streamlit's magic would print bare strings on the page.)
EDIT_VERSION_PREFIX: Final = "tasking_editing_version_"
MEETING_NAME_KEY: Final = "tasking_meeting_name"
MEETING_DATE_KEY: Final = "tasking_meeting_date"
ADD_MEETING_KEY: Final = "tasking_add_meeting"
DECISION_MEETING_KEY: Final = "tasking_decision_meeting"
DECISION_TEXT_KEY: Final = "tasking_decision_text"
ADD_DECISION_KEY: Final = "tasking_add_decision"
FINDING_ROUTE_KEY: Final = "tasking_finding_route"
FINDING_STOP_KEY: Final = "tasking_finding_stop"
FINDING_SEEN_KEY: Final = "tasking_finding_seen"
FINDING_NOT_SEEN_KEY: Final = "tasking_finding_not_seen"
FINDING_NOTE_KEY: Final = "tasking_finding_note"
FINDING_PHOTO_KEY: Final = "tasking_finding_photo"
FINDING_SPOKEN_KEY: Final = "tasking_finding_spoken_to"
FINDING_X_KEY: Final = "tasking_finding_x_m"
FINDING_Y_KEY: Final = "tasking_finding_y_m"
ADD_FINDING_KEY: Final = "tasking_add_finding"
FINDINGS_MAP_KEY: Final = "tasking_findings_map"
FINDINGS_TABLE_KEY: Final = "tasking_findings_table"
PROPOSE_KEY: Final = "tasking_propose"
TREATED_KEY: Final = "tasking_treated"
COMPARISON_KEY: Final = "tasking_comparison"
BEFORE_KEY: Final = "tasking_before"
AFTER_KEY: Final = "tasking_after"
BUFFER_KEY: Final = "tasking_buffer_m"
PROBLEMS_TABLE_KEY: Final = "tasking_problems_table"
ACTIONS_TABLE_KEY: Final = "tasking_actions_table"
AUDIT_TABLE_KEY: Final = "tasking_audit_table"
COUNTS_TABLE_KEY: Final = "tasking_counts_table"

WARD_PREFIX: Final = "Ward: "
STORED_PREFIX: Final = "Stored area "


_EMPTY_FINDING: Final = {
    FINDING_STOP_KEY: 1,
    FINDING_SEEN_KEY: [],
    FINDING_NOT_SEEN_KEY: [],
    FINDING_NOTE_KEY: "",
    FINDING_PHOTO_KEY: "",
    FINDING_SPOKEN_KEY: "",
    FINDING_X_KEY: None,
    FINDING_Y_KEY: None,
}  # the EVA finding form's inputs as a recorded finding leaves them (_ui.form_saved)


def _write(engine: Engine, work: Callable[[Session], object]) -> None:
    """Run ``work`` in one transaction; conflicts and input errors show as error boxes."""
    with Session(engine) as session, session.begin():
        work(session)


def _save_problem(
    engine: Engine,
    problem_id: int,
    *,
    expected_version: int,
    user: str,
    sara_stage: str,
    status: str,
) -> ProblemRecord:
    """Save a stage/status change made to version ``expected_version`` of a problem."""
    with Session(engine) as session, session.begin():
        return update_problem(
            session,
            problem_id,
            expected_version=expected_version,
            user=user,
            sara_stage=sara_stage,  # type: ignore[arg-type]  # selectbox of SARA_STAGES
            status=status,  # type: ignore[arg-type]  # selectbox of PROBLEM_STATUSES
        )


def _save_action(
    engine: Engine, action_id: int, *, expected_version: int, user: str, status: str, notes: str
) -> ActionRecord:
    """Save an edit made to version ``expected_version``; a newer save raises a conflict."""
    with Session(engine) as session, session.begin():
        return update_action(
            session,
            action_id,
            expected_version=expected_version,
            user=user,
            status=status,  # type: ignore[arg-type]  # selectbox of ACTION_STATUSES
            notes=notes,
        )


def _frame(records: list[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=columns) if records else pd.DataFrame(columns=columns)


def _user() -> str:
    user = str(st.session_state.get(USER_KEY, "")).strip()
    if not user:
        _ui.fail("Type your name at the top of the page: every change is recorded against it.")
    return user


@dataclass(frozen=True)
class _Log:
    """Everything the page shows from the tasking log, read in one session."""

    problems: tuple[ProblemRecord, ...]
    actions: tuple[ActionRecord, ...]
    areas: tuple[AreaRecord, ...]
    meetings: tuple[MeetingRecord, ...]
    decisions: tuple[DecisionRecord, ...]
    findings: tuple[FindingRecord, ...]
    audit: tuple[AuditRecord, ...]


def _read_log(engine: Engine) -> _Log:
    with Session(engine) as read:
        return _Log(
            problems=list_problems(read),
            actions=list_actions(read),
            areas=list_areas(read),
            meetings=list_meetings(read),
            decisions=list_decisions(read),
            findings=list_findings(read),
            audit=list_audit(read),
        )


def _page() -> None:
    """Draw the page (Streamlit runs this script as ``__main__``; tests import its keys)."""
    ctx = _ui.context()
    url = resolve_database_url(None)
    engine = _ui.guarded("opening the tasking log", _ui.tasking_engine, url)

    st.title("Tasking")
    st.caption(
        f"Tasking log: {_ui.plain(make_url(url).render_as_string(hide_password=True))} "
        "(set PATCHMAP_DATABASE_URL to share one PostgreSQL log between agencies)."
    )
    st.text_input("Your name (recorded in the audit trail)", key=USER_KEY)
    log = _read_log(engine)

    problems_tab, meetings_tab, findings_tab, assess_tab, audit_tab = st.tabs(
        ["Problems and actions", "NAG meetings", "EVA findings", "Assessment", "Audit trail"]
    )
    with problems_tab:
        _problems_tab(ctx, engine, log)
    with meetings_tab:
        _meetings_tab(engine, log)
    with findings_tab:
        _findings_tab(ctx, engine, log)
    with assess_tab:
        _assessment_tab(ctx, log.areas)
    with audit_tab:
        _audit_tab(log.audit)


# --- problems and actions ------------------------------------------------------------------------


def _problems_tab(ctx: _ui.Context, engine: Engine, log: _Log) -> None:
    st.dataframe(
        _frame(
            [p.to_dict() for p in log.problems],
            ["id", "title", "sara_stage", "status", "ward", "updated_by", "version"],
        ),
        key=PROBLEMS_TABLE_KEY,
        hide_index=True,
    )
    _add_problem_form(ctx, engine)
    if not log.problems:
        st.info("No problems yet: add the first one above.")
        return
    by_id = {p.id: p for p in log.problems}
    picked = st.selectbox(
        "Problem",
        list(by_id),
        format_func=lambda i: f"{i}: {by_id[i].title}",
        key=PROBLEM_PICK_KEY,
    )
    _problem_stage_form(engine, by_id[picked])
    _link_area_form(ctx, engine, picked, log.areas)
    own = [a for a in log.actions if a.problem_id == picked]
    _actions_table(own)
    _add_action_form(engine, picked)
    if own:
        _edit_action(engine, own)


def _add_problem_form(ctx: _ui.Context, engine: Engine) -> None:
    _ui.clear_saved_form("add_problem")
    with st.form("add_problem"):
        st.subheader("New problem")
        st.text_input("Title", key=PROBLEM_TITLE_KEY, help=_ui.SHARED_TITLE_HELP)
        st.text_area(
            "Description and evidence",
            key=PROBLEM_DESCRIPTION_KEY,
            help="For the police only: partners' packs leave it out.",
        )
        st.selectbox("SARA stage", SARA_STAGES, key=PROBLEM_STAGE_KEY)
        st.selectbox("Ward", ["", *ctx.area.ward_names], key=PROBLEM_WARD_KEY)
        if st.form_submit_button("Add problem", key=ADD_PROBLEM_KEY):
            user = _user()
            title = str(st.session_state.get(PROBLEM_TITLE_KEY, ""))
            description = str(st.session_state.get(PROBLEM_DESCRIPTION_KEY, ""))
            stage = st.session_state.get(PROBLEM_STAGE_KEY, "scanning")
            ward = st.session_state.get(PROBLEM_WARD_KEY) or None
            if not title.strip():  # an empty form (a second click after a save, say): no error
                st.warning("Give the problem a title: nothing was added.")
                return
            _ui.guarded(
                "adding the problem",
                _write,
                engine,
                lambda s: add_problem(
                    s,
                    title=title,
                    user=user,
                    description=description,
                    sara_stage=stage,
                    ward=ward,
                    request_id=_ui.submission_id(
                        "add_problem", user, title, description, stage, ward
                    ),
                ),
            )
            _ui.form_saved(
                "add_problem",
                {
                    PROBLEM_TITLE_KEY: "",
                    PROBLEM_DESCRIPTION_KEY: "",
                    PROBLEM_STAGE_KEY: SARA_STAGES[0],
                    PROBLEM_WARD_KEY: "",
                },
            )


def _problem_stage_form(engine: Engine, chosen: ProblemRecord) -> None:
    picked = chosen.id
    problem_keys = [
        f"{prefix}{picked}"
        for prefix in (PROBLEM_VERSION_PREFIX, PROBLEM_STAGE_PREFIX, PROBLEM_STATUS_PREFIX)
    ]
    st.session_state.setdefault(problem_keys[0], chosen.version)
    with st.form("problem_stage"):
        st.selectbox(
            "Move to SARA stage",
            SARA_STAGES,
            index=SARA_STAGES.index(chosen.sara_stage),
            key=problem_keys[1],
        )
        st.selectbox(
            "Problem status",
            PROBLEM_STATUSES,
            index=PROBLEM_STATUSES.index(chosen.status),
            key=problem_keys[2],
        )
        move = st.form_submit_button("Save stage and status", key=SAVE_PROBLEM_KEY)
    if st.button("Reload this problem", key=RELOAD_PROBLEM_KEY):
        for key in problem_keys:
            st.session_state.pop(key, None)
        st.rerun()
    if move:
        user = _user()
        saved_problem = _ui.guarded(
            "saving the problem",
            _save_problem,
            engine,
            picked,
            expected_version=int(st.session_state[problem_keys[0]]),
            user=user,
            sara_stage=str(st.session_state[problem_keys[1]]),
            status=str(st.session_state[problem_keys[2]]),
        )
        st.session_state[problem_keys[0]] = saved_problem.version
        st.rerun()


def _link_area_form(
    ctx: _ui.Context, engine: Engine, picked: int, areas: tuple[AreaRecord, ...]
) -> None:
    linked = [a for a in areas if a.problem_id == picked]
    if linked:
        st.caption(
            "Linked areas: "
            + "; ".join(_ui.plain(f"{a.name} ({a.kind.replace('_', ' ')})") for a in linked)
        )
    with st.form("link_area"):
        st.subheader("Link a ward to this problem")
        st.selectbox("Ward", ctx.area.ward_names, key=LINK_WARD_KEY)
        st.selectbox(
            "As",
            ["patrol_area", "comparison_area"],
            format_func=lambda k: k.replace("_", " "),
            key=LINK_KIND_KEY,
        )
        if st.form_submit_button("Link area", key=LINK_AREA_KEY):
            user = _user()
            ward_name = str(st.session_state[LINK_WARD_KEY])
            kind = str(st.session_state[LINK_KIND_KEY])
            shape = ctx.area.wards.loc[ctx.area.wards["ward_name"] == ward_name].geometry.iloc[0]
            _ui.guarded(
                "linking the area",
                _write,
                engine,
                lambda s: add_area(
                    s,
                    shape,
                    kind=kind,  # type: ignore[arg-type]  # selectbox of two AreaKinds
                    name=ward_name,
                    user=user,
                    problem_id=picked,
                    request_id=_ui.submission_id("link_area", user, picked, ward_name, kind),
                ),
            )
            st.rerun()  # the choices stay: another ward may be linked


def _actions_table(own: list[ActionRecord]) -> None:
    st.dataframe(
        _frame(
            [a.to_dict() for a in own],
            [
                "id",
                "epic",
                "description",
                "owner_agency",
                "owner_person",
                "due_date",
                "status",
                "notes",
                "version",
            ],
        ),
        key=ACTIONS_TABLE_KEY,
        hide_index=True,
    )
    overdue = [a for a in own if a.is_overdue(dt.datetime.now(dt.UTC).date())]
    if overdue:
        st.warning(f"{len(overdue)} action(s) are past their due date.")


def _add_action_form(engine: Engine, picked: int) -> None:
    _ui.clear_saved_form("add_action")
    with st.form("add_action"):
        st.subheader("New EPIC action")
        st.selectbox("EPIC", EPIC_TYPES, key=ACTION_EPIC_KEY)
        st.text_input("What is to be done", key=ACTION_DESCRIPTION_KEY, help=_ui.SHARED_ACTION_HELP)
        st.text_input("Owner agency", key=ACTION_AGENCY_KEY)
        st.text_input("Owner (person)", key=ACTION_PERSON_KEY)
        st.date_input("Due", value=None, key=ACTION_DUE_KEY)
        st.text_input(
            "Days and hours, for a patrol (optional)",
            key=ACTION_WHEN_KEY,
            placeholder="Fri and Sat 22:00-03:00",
            help="As the When page writes patrol windows; shown in the briefing pack.",
        )
        if st.form_submit_button("Add action", key=ADD_ACTION_KEY):
            user = _user()
            values = {k: st.session_state.get(k) for k in (ACTION_EPIC_KEY, ACTION_DUE_KEY)}
            texts = {
                k: str(st.session_state.get(k) or "")
                for k in (ACTION_DESCRIPTION_KEY, ACTION_AGENCY_KEY, ACTION_PERSON_KEY)
            }
            when = str(st.session_state.get(ACTION_WHEN_KEY) or "").strip()
            if when:
                texts[ACTION_DESCRIPTION_KEY] = _ui.guarded(
                    "reading the days and hours", with_window, texts[ACTION_DESCRIPTION_KEY], when
                )
            _ui.guarded(
                "adding the action",
                _write,
                engine,
                lambda s: add_action(
                    s,
                    picked,
                    epic=values[ACTION_EPIC_KEY],  # type: ignore[arg-type]  # selectbox of EPIC_TYPES
                    description=texts[ACTION_DESCRIPTION_KEY],
                    user=user,
                    owner_agency=texts[ACTION_AGENCY_KEY],
                    owner_person=texts[ACTION_PERSON_KEY],
                    due_date=values[ACTION_DUE_KEY],
                    request_id=_ui.submission_id(
                        "add_action", user, picked, *values.values(), *texts.values()
                    ),
                ),
            )
            _ui.form_saved(
                "add_action",
                {
                    ACTION_EPIC_KEY: EPIC_TYPES[0],
                    ACTION_DESCRIPTION_KEY: "",
                    ACTION_AGENCY_KEY: "",
                    ACTION_PERSON_KEY: "",
                    ACTION_DUE_KEY: None,
                    ACTION_WHEN_KEY: "",
                },
            )


def _edit_action(engine: Engine, own: list[ActionRecord]) -> None:
    st.subheader("Update an action")
    own_by_id = {a.id: a for a in own}
    editing = st.selectbox(
        "Action",
        list(own_by_id),
        format_func=lambda i: f"{i}: {own_by_id[i].description}",
        key=EDIT_PICK_KEY,
    )
    version_key = f"{EDIT_VERSION_PREFIX}{editing}"
    status_key = f"{EDIT_STATUS_PREFIX}{editing}"
    notes_key = f"{EDIT_NOTES_PREFIX}{editing}"
    current = own_by_id[editing]
    # The version the user opened; kept until they save or reload, so a save based on
    # an old version is refused instead of overwriting someone else's change.
    st.session_state.setdefault(version_key, current.version)
    opened = int(st.session_state[version_key])
    if opened != current.version:
        st.info(
            f"You are editing version {opened}; version {current.version} has since "
            f"been saved by {_ui.plain(current.updated_by)}. Reload to see it."
        )
    with st.form("edit_action"):
        st.selectbox(
            "Status",
            ACTION_STATUSES,
            index=ACTION_STATUSES.index(current.status),
            key=status_key,
        )
        st.text_area("Notes", value=current.notes, key=notes_key)
        save = st.form_submit_button("Save", key=SAVE_ACTION_KEY)
    if st.button("Reload this action", key=RELOAD_ACTION_KEY):
        for key in (version_key, status_key, notes_key):
            st.session_state.pop(key, None)
        st.rerun()
    if save:
        user = _user()
        saved = _ui.guarded(
            "saving the action",
            _save_action,
            engine,
            editing,
            expected_version=opened,
            user=user,
            status=st.session_state.get(status_key, current.status),
            notes=str(st.session_state.get(notes_key, current.notes)),
        )
        st.session_state[version_key] = saved.version
        st.rerun()


# --- NAG meetings --------------------------------------------------------------------------------


def _meetings_tab(engine: Engine, log: _Log) -> None:
    _ui.clear_saved_form("add_meeting")
    with st.form("add_meeting"):
        st.subheader("New NAG meeting")
        st.text_input("Name", key=MEETING_NAME_KEY, placeholder="Northfield NAG")
        st.date_input("Held on", key=MEETING_DATE_KEY)
        if st.form_submit_button("Add meeting", key=ADD_MEETING_KEY):
            user = _user()
            name = str(st.session_state.get(MEETING_NAME_KEY, ""))
            held_on = st.session_state.get(MEETING_DATE_KEY)
            _ui.guarded(
                "adding the meeting",
                _write,
                engine,
                lambda s: add_meeting(
                    s,
                    name=name,
                    held_on=held_on,  # type: ignore[arg-type]  # date_input
                    user=user,
                    request_id=_ui.submission_id("add_meeting", user, name, held_on),
                ),
            )
            _ui.form_saved(
                "add_meeting",
                {
                    MEETING_NAME_KEY: "",
                    MEETING_DATE_KEY: dt.datetime.now(dt.UTC).astimezone().date(),
                },
            )
    if log.meetings:
        _add_decision_form(engine, log.meetings, log.problems)
    st.dataframe(
        _frame(
            [d.to_dict() for d in log.decisions],
            ["meeting_id", "problem_id", "decision", "created_by", "created_at"],
        ),
        hide_index=True,
    )


def _add_decision_form(
    engine: Engine, meetings: tuple[MeetingRecord, ...], problems: tuple[ProblemRecord, ...]
) -> None:
    meeting_by_id = {m.id: m for m in meetings}
    by_title = {p.id: p.title for p in problems}
    _ui.clear_saved_form("add_decision")
    with st.form("add_decision"):
        st.subheader("Record a decision")
        st.selectbox(
            "Meeting",
            list(meeting_by_id),
            format_func=lambda i: f"{meeting_by_id[i].held_on} {meeting_by_id[i].name}",
            key=DECISION_MEETING_KEY,
        )
        st.text_area("Decision", key=DECISION_TEXT_KEY)
        st.selectbox(
            "About problem (optional)",
            [None, *(p.id for p in problems)],
            format_func=lambda i: "—" if i is None else f"{i}: {by_title[i]}",
            key=DECISION_PROBLEM_KEY,
        )
        if st.form_submit_button("Add decision", key=ADD_DECISION_KEY):
            user = _user()
            meeting_id = int(st.session_state[DECISION_MEETING_KEY])
            text = str(st.session_state.get(DECISION_TEXT_KEY, ""))
            about = st.session_state.get(DECISION_PROBLEM_KEY)
            _ui.guarded(
                "recording the decision",
                _write,
                engine,
                lambda s: add_decision(
                    s,
                    meeting_id,
                    decision=text,
                    user=user,
                    problem_id=about,
                    request_id=_ui.submission_id("add_decision", user, meeting_id, text, about),
                ),
            )
            _ui.form_saved("add_decision", {DECISION_TEXT_KEY: "", DECISION_PROBLEM_KEY: None})


# --- EVA findings --------------------------------------------------------------------------------


def _findings_tab(ctx: _ui.Context, engine: Engine, log: _Log) -> None:
    routes = [a for a in log.areas if a.kind == "eva_route"]
    if not routes:
        st.info(
            "No EVA routes in the log yet. Save one from the EVA routes page, or with "
            "`patchmap tasks add area --kind eva_route --wkt ...`."
        )
        return
    route_by_id = {r.id: r for r in routes}
    st.subheader("What was seen at a stop")
    chosen_route = st.selectbox(
        "Route",
        list(route_by_id),
        format_func=lambda i: f"{i}: {route_by_id[i].name}",
        key=FINDING_ROUTE_KEY,
    )
    n_stops = len(route_by_id[chosen_route].stops)
    if n_stops:
        st.caption(
            f"This route was saved with its {n_stops} stops: the finding is mapped at "
            "the stop's position."
        )
    else:
        st.caption(
            "This route was saved without its stops: give the easting and northing where "
            "each finding was seen, so it is mapped and counted. Save routes from the EVA "
            "routes page to keep their stops."
        )
    _add_finding_form(engine, n_stops)
    if log.findings:
        _findings_table(log.findings, route_by_id)
    _findings_on_map(ctx, log.findings, routes)
    _proposed_actions(engine, log.findings, routes)


def _finding_fields(n_stops: int) -> None:
    """Draw the finding form's inputs (a route saved without its stops also asks where)."""
    st.number_input("Stop", min_value=1, max_value=n_stops or None, step=1, key=FINDING_STOP_KEY)
    st.multiselect("Seen", CHECKLIST_ITEMS, key=FINDING_SEEN_KEY)
    st.multiselect("Checked, not seen", CHECKLIST_ITEMS, key=FINDING_NOT_SEEN_KEY)
    st.text_area("Note", key=FINDING_NOTE_KEY)
    st.text_input("Photo reference", key=FINDING_PHOTO_KEY)
    st.text_input("Who was spoken to", key=FINDING_SPOKEN_KEY)
    if not n_stops:  # a route saved without its stops: the finding needs its position
        left, right = st.columns(2)
        left.number_input("Easting where seen (m, BNG)", value=None, key=FINDING_X_KEY)
        right.number_input("Northing where seen (m, BNG)", value=None, key=FINDING_Y_KEY)


def _add_finding_form(engine: Engine, n_stops: int) -> None:
    _ui.clear_saved_form("add_finding")
    with st.form("add_finding"):
        _finding_fields(n_stops)
        if st.form_submit_button("Record finding", key=ADD_FINDING_KEY):
            user = _user()
            seen = list(st.session_state.get(FINDING_SEEN_KEY) or [])
            not_seen = list(st.session_state.get(FINDING_NOT_SEEN_KEY) or [])
            if set(seen) & set(not_seen):
                _ui.fail("An item cannot be both seen and not seen.")
            answers = dict.fromkeys(seen, True) | dict.fromkeys(not_seen, False)
            route_id = int(st.session_state[FINDING_ROUTE_KEY])
            stop = int(st.session_state.get(FINDING_STOP_KEY) or 1)
            note = str(st.session_state.get(FINDING_NOTE_KEY) or "")
            photo = str(st.session_state.get(FINDING_PHOTO_KEY) or "") or None
            spoken = str(st.session_state.get(FINDING_SPOKEN_KEY) or "")
            walked_on = dt.datetime.now(dt.UTC).date()
            x_m, y_m = (st.session_state.get(k) for k in (FINDING_X_KEY, FINDING_Y_KEY))
            point = None if n_stops or x_m is None or y_m is None else shapely.Point(x_m, y_m)
            request_id = _ui.submission_id(
                "add_finding",
                user,
                route_id,
                stop,
                sorted(answers.items()),
                note,
                photo,
                spoken,
                walked_on,
                None if point is None else point.wkt,
            )
            _ui.guarded(
                "recording the finding",
                _write,
                engine,
                lambda s: add_finding(
                    s,
                    route_id,
                    stop_number=stop,
                    answers=answers,
                    user=user,
                    note=note,
                    photo_ref=photo,
                    spoken_to=spoken,
                    walked_on=walked_on,
                    point=point,
                    request_id=request_id,
                ),
            )
            _ui.form_saved("add_finding", _EMPTY_FINDING)


_FINDING_COLUMNS: Final = [
    "id",
    "route",
    "stop",
    "walked_on",
    "seen",
    "note",
    "spoken_to",
    "photo_ref",
    "x_m",
    "y_m",
]


def _findings_table(
    findings: tuple[FindingRecord, ...], route_by_id: dict[int, AreaRecord]
) -> None:
    st.subheader("Findings")
    rows: list[dict[str, object]] = [
        {
            "id": f.id,
            "route": route_by_id[f.route_id].name if f.route_id in route_by_id else f.route_id,
            "stop": f.stop_number,
            "walked_on": f.walked_on,
            "seen": ISSUE_SEPARATOR.join(k for k, v in f.answers.items() if v is True),
            "note": f.note,
            "spoken_to": f.spoken_to,
            "photo_ref": f.photo_ref,
            "x_m": f.x_m,
            "y_m": f.y_m,
        }
        for f in findings
    ]
    st.dataframe(_frame(rows, _FINDING_COLUMNS), key=FINDINGS_TABLE_KEY, hide_index=True)


def _findings_on_map(
    ctx: _ui.Context, findings: tuple[FindingRecord, ...], routes: list[AreaRecord]
) -> None:
    located = findings_to_geodataframe(findings)
    if not len(located):
        return
    n_seen = int((located["issues"] != "").sum())
    st.caption(
        f"{len(located)} finding(s) on the map, {n_seen} with a problem seen; "
        f"{len(findings) - len(located)} recorded without a location."
    )
    st_folium(
        _ui.guarded(
            "drawing the findings",
            findings_map,
            located,
            ctx.area.wards,
            route_names={r.id: r.name for r in routes},
            tiles="none" if ctx.area.is_demo else "openstreetmap",
        ),
        key=FINDINGS_MAP_KEY,
        returned_objects=[],
        height=420,
        use_container_width=True,
    )


def _proposed_actions(
    engine: Engine, findings: tuple[FindingRecord, ...], routes: list[AreaRecord]
) -> None:
    proposals = propose_actions(findings, routes=routes)
    if not proposals:
        return
    st.subheader("Proposed actions")
    st.dataframe(
        pd.DataFrame(
            {
                "owner_agency": [p.owner_agency for p in proposals],
                "epic": [p.epic for p in proposals],
                "description": [p.description for p in proposals],
                "problem_id": [p.problem_id for p in proposals],
            }
        ),
        hide_index=True,
    )
    if st.button("Add them to the problems as proposed actions", key=PROPOSE_KEY):
        user = _user()
        _ui.guarded(
            "adding the proposed actions",
            _write,
            engine,
            lambda s: add_proposed_actions(s, proposals, user=user),
        )
        st.rerun()


# --- assessment ----------------------------------------------------------------------------------


def _assessment_tab(ctx: _ui.Context, areas: tuple[AreaRecord, ...]) -> None:
    st.caption(
        "Before/after crime in the treated area against a comparison area: the weighted "
        "displacement difference (Wheeler & Ratcliffe 2018) and exact Poisson tests. Crime "
        "types follow the sidebar filter."
    )
    choices = _assessment_areas(ctx, areas)
    names = list(choices)
    months = list(ctx.area.months)
    if len(names) < 2 or len(months) < 2:  # noqa: PLR2004 - two areas and two months at least
        st.info("Assessment needs two areas and at least two months of data.")
        return
    st.selectbox("Treated area", names, key=TREATED_KEY)
    st.selectbox("Comparison area", names, index=1, key=COMPARISON_KEY)
    half = len(months) // 2
    st.select_slider(
        "Before the response", months, value=(months[0], months[half - 1]), key=BEFORE_KEY
    )
    st.select_slider("After the response", months, value=(months[half], months[-1]), key=AFTER_KEY)
    st.number_input("Displacement ring (m, 0 for none)", min_value=0.0, step=50.0, key=BUFFER_KEY)
    treated_name = str(st.session_state[TREATED_KEY])
    comparison_name = str(st.session_state[COMPARISON_KEY])
    if treated_name == comparison_name:
        _ui.fail("Choose a comparison area different from the treated area.")
    before = tuple(st.session_state[BEFORE_KEY])
    after = tuple(st.session_state[AFTER_KEY])
    result = _ui.guarded(
        "assessing the response",
        _ui.assessment,
        ctx.dataset_id,
        ctx.selection,
        shapely.to_wkt(choices[treated_name]),
        shapely.to_wkt(choices[comparison_name]),
        (str(before[0]), str(before[1])),
        (str(after[0]), str(after[1])),
        float(st.session_state.get(BUFFER_KEY) or 0.0),
        ctx.area,
    )
    _show_assessment(result)


def _assessment_areas(ctx: _ui.Context, areas: tuple[AreaRecord, ...]) -> dict[str, BaseGeometry]:
    """Return the wards, then the stored areas other than EVA routes, by their box names."""
    wards = ctx.area.wards
    choices: dict[str, BaseGeometry] = dict(
        zip(
            [f"{WARD_PREFIX}{name}" for name in wards["ward_name"]],
            list(wards.geometry),
            strict=True,
        )
    )
    for stored in areas:
        if stored.kind != "eva_route":
            choices[f"{STORED_PREFIX}{stored.id}: {stored.name}"] = stored.geometry
    return choices


def _show_assessment(result: Assessment) -> None:
    wdd = result.wdd
    left, middle, right = st.columns(3)
    left.metric("WDD (crimes per month)", f"{wdd.est_total:+.2f}")
    middle.metric("95% interval", f"{wdd.ci_low:+.2f} to {wdd.ci_high:+.2f}")
    right.metric("p (WDD)", f"{wdd.p_value:.3f}")
    st.caption(
        "Below zero: crime fell in the treated area (and its ring) by that many crimes a "
        "month more than in the comparison. An interval that spans zero means the change "
        "could be chance."
    )
    rows = {
        "treated": result.treated,
        "comparison": result.comparison,
        "treated ring": result.displacement,
        "comparison ring": result.displacement_comparison,
    }
    st.dataframe(
        pd.DataFrame(
            {
                "area": [k for k, v in rows.items() if v is not None],
                "n_before": [v.n_before for v in rows.values() if v is not None],
                "n_after": [v.n_after for v in rows.values() if v is not None],
            }
        ),
        key=COUNTS_TABLE_KEY,
        hide_index=True,
    )
    for label, test in (
        ("Treated", result.treated_rate_ratio),
        ("Comparison", result.comparison_rate_ratio),
    ):
        st.write(
            f"{label}: monthly rate after / before = {test.rate_ratio:.2f} "
            f"(95% CI {test.ci_low:.2f} to {test.ci_high:.2f}), exact Poisson p = "
            f"{test.p_value:.3f}."
        )


# --- audit trail ---------------------------------------------------------------------------------


def _audit_tab(audit: tuple[AuditRecord, ...]) -> None:
    st.dataframe(
        _frame(
            [r.to_dict() for r in audit],
            [
                "changed_at",
                "changed_by",
                "operation",
                "entity",
                "entity_id",
                "field",
                "old_value",
                "new_value",
            ],
        ),
        key=AUDIT_TABLE_KEY,
        hide_index=True,
    )


if __name__ == "__main__":
    _page()
