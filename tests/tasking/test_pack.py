"""The pack's content: its change figures are the profile's comparison."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tasking.pack import briefing_content, pack_period
from tasking.profile import build_profile, change_since, meeting_changes

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

WARD = "Castle"


def test_change_since_a_meeting_is_the_profiles_previous_period_of_those_months(
    demo_area: StudyArea,
) -> None:
    demo = demo_area
    months = demo.months[-6:]
    profile = build_profile(demo, wards=(WARD,), months=(months[0], months[-1]))
    meeting = dt.date.fromisoformat(f"{months[2]}-20")  # the last meeting fell in the 3rd month
    since = change_since(profile, demo, since=meeting)
    later = build_profile(demo, wards=(WARD,), months=(months[3], months[-1]))
    (previous,) = [c for c in later.changes if c.label == "previous period"]
    assert since is not None
    assert since.label == f"since the last meeting ({meeting.isoformat()})"
    assert (since.before, since.after) == (previous.before, previous.after)
    assert (since.n_before, since.n_after) == (previous.n_before, previous.n_after)
    assert since.p_value == previous.p_value
    assert since.verdict == previous.verdict
    assert meeting_changes(profile, demo, last_meeting=meeting)[0] == since


def test_without_a_last_meeting_the_pack_shows_the_profiles_changes(demo_area: StudyArea) -> None:
    demo = demo_area
    meeting = dt.date(2025, 10, 14)
    content = briefing_content(demo, meeting=meeting, ward=WARD)
    assert content.profile.months == pack_period(demo, meeting)
    assert content.changes == content.profile.changes
    assert content.route is None
    assert content.hot_cells is not None
    assert int(content.hot_cells["n_crimes"].sum()) == len(content.points)


def test_a_meeting_after_the_profile_changes_nothing(demo_area: StudyArea) -> None:
    demo = demo_area
    profile = build_profile(demo, wards=(WARD,), months=(demo.months[-3], demo.months[-1]))
    assert change_since(profile, demo, since=dt.date(2030, 1, 1)) is None
    assert meeting_changes(profile, demo, last_meeting=dt.date(2030, 1, 1)) == profile.changes
