"""
``--crime-type`` typed in another case or spacing chooses the data's type, in every command;
a type the data do not hold is refused with the choices, never read as "no events".
"""

from __future__ import annotations

import pytest

from patchmap.cli import main
from tests.cli._summaries import json_of


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "--demo"],
        ["when", "--demo"],
        ["alerts", "--demo", "--date", "2025-09-30"],
    ],
)
def test_a_crime_type_typed_in_lower_case_gives_the_same_answer(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    written = json_of([*command, "--crime-type", "Burglary"], capsys)
    typed = json_of([*command, "--crime-type", "burglary", "--crime-type", "public  ORDER"], capsys)
    both = json_of([*command, "--crime-type", "Burglary", "--crime-type", "Public order"], capsys)
    assert typed == both
    assert written != both  # the second type counts too
    if command[0] == "summary":
        by_type = typed["by_crime_type"]
        assert isinstance(by_type, dict)
        assert set(by_type) == {"Burglary", "Public order"}


@pytest.mark.parametrize("command", [["summary", "--demo"], ["when", "--demo"]])
def test_a_crime_type_the_data_do_not_hold_is_refused_with_the_choices(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--crime-type", "Burglry"]) == 2  # a usage error
    err = capsys.readouterr().err
    assert "Unknown crime type 'Burglry'. Choose from: Anti-social behaviour" in err
    assert "Burglary" in err
    assert "No events" not in err
