"""A partner pack never lets a hidden count be worked out from the counts shown beside it."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from patchmap.cli import main

if TYPE_CHECKING:
    from pathlib import Path


def _rows(pack: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", pack, re.DOTALL)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)
        ]
        for row in rows
    ]


def test_a_repeat_location_listing_all_its_types_hides_a_second_count(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    """
    Market, September 2025 (real data): Downing Street holds 25 crimes, 23 of them shoplifting
    and 2 violence. Shown "Shoplifting: 23; Violence: <5" beside 25, the 2 is 25 - 23.
    """
    crimes = cambridge_dir / "crimes" / "2025-09-cambridgeshire-street.csv"
    base = ["brief", "--crimes", str(crimes), "--wards", str(cambridge_dir / "wards.geojson")]
    base += ["--ward", "Market", "--meeting", "2025-10-15", "--months", "2025-09:2025-09"]
    rows: dict[str, list[str]] = {}
    for audience in ("police", "partner"):
        out = tmp_path / f"{audience}.html"
        assert main([*base, "--audience", audience, "--out", str(out)]) == 0
        (rows[audience],) = [r for r in _rows(out.read_text()) if "Downing Street" in r[0]]
    assert rows["police"][2:] == ["25", "Shoplifting: 23; Violence and sexual offences: 2"]
    assert rows["partner"][2:] == ["25", "Shoplifting: hidden; Violence and sexual offences: <5"]
