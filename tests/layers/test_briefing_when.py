"""The briefing pack shows the patrol window of a joint-patrol action."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from boundaries.dataset import load_demo
from layers.audience import get_preset
from layers.briefing import render_briefing
from patchmap.cli import main
from tasking.pack import briefing_content, read_tasking
from tasking.store import connect, list_actions

if TYPE_CHECKING:
    from pathlib import Path

MEETING = dt.date(2025, 10, 14)


def test_pack_shows_the_patrol_window_of_an_action(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    log = ["--db", url, "--user", "pc.a"]
    assert main(["tasks", "add", "problem", *log, "--title", "Market violence", "--ward",
                 "Castle"]) == 0  # fmt: skip
    action = ["tasks", "add", "action", *log, "--problem", "1", "--epic", "enforcement",
              "--agency", "Police"]  # fmt: skip
    assert main([*action, "--description", "Joint patrol with licensing",
                 "--when", "Fri and Sat 22:00-03:00"]) == 0  # fmt: skip
    assert main([*action, "--description", "x", "--when", "late"]) == 2
    engine = connect(url)
    with Session(engine) as session:
        (stored,) = list_actions(session, problem_id=1)
        assert stored.description == "Joint patrol with licensing (Fri and Sat 22:00-03:00)"
        demo = load_demo()
        snapshot = read_tasking(session, demo, wards=["Castle"], meeting=MEETING)
    content = briefing_content(
        demo,
        ward="Castle",
        meeting=MEETING,
        tasking=snapshot,
        hot_cell_size_m=get_preset("partner").min_cell_m,  # as the app and the CLI build it
    )
    pack = render_briefing(content, demo, audience="partner")
    assert '<td class="when">Fri and Sat 22:00-03:00</td>' in pack.html
