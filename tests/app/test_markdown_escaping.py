"""Text from files and people outside the police is shown as text, never as markdown."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui

ROOT = Path(__file__).resolve().parents[2]
PHISHING = "[Abbey](https://evil.example/login) **bold** $x$ www.evil.example"


def test_plain_escapes_every_mark_and_breaks_web_addresses() -> None:
    assert _ui.plain("Castle") == "Castle"
    assert _ui.plain(PHISHING) == (
        r"\[Abbey\](https\://evil.example/login) \*\*bold\*\* \$x\$ www\.evil.example"
    )
    assert _ui.plain("a_b <d> ~e~ | #f @g \\") == r"a\_b \<d\> \~e\~ \| \#f \@g \\"
    # a command in backticks stays code (nothing renders in a code span); a lone one is text
    assert _ui.plain("Run `patchmap ingest a_b --store s` or a`b") == (
        r"Run `patchmap ingest a_b --store s` or a\`b"
    )


def test_a_hostile_ward_name_is_text_on_the_profile(cambridge_dir: Path, tmp_path: Path) -> None:
    wards = json.loads((cambridge_dir / "wards.geojson").read_text(encoding="utf-8"))
    for feature in wards["features"]:
        if feature["properties"]["WD23NM"] == "Abbey":
            feature["properties"]["WD23NM"] = PHISHING
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(wards), encoding="utf-8")
    crimes = cambridge_dir / "crimes" / "2025-09-cambridgeshire-street.csv"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(crimes))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(path)).run()
    at.switch_page("app_pages/profile.py").run()
    at.radio(key="profile_scope").set_value("A ward").run()
    at.selectbox(key="profile_area").set_value(PHISHING).run()
    assert not at.exception, at.exception
    (heading,) = [h.value for h in at.subheader if "2025-" in h.value]
    assert heading.startswith(_ui.plain(PHISHING) + ", ")
    shown = [m.value for m in (*at.markdown, *at.caption, *at.subheader, *at.info, *at.warning)]
    assert not [text for text in shown if "](https://" in text]  # no live link anywhere
