"""The rule for crime types read from files: data.police.uk's, but for case and spacing, or not."""

from __future__ import annotations

import pytest

from spatial.crime_types import (
    ASB,
    BURGLARY,
    CRIME_TYPES,
    DRUGS,
    SHOPLIFTING,
    check_crime_types,
    official_crime_type,
)


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("burglary", BURGLARY),
        ("BURGLARY", BURGLARY),
        ("Drugs ", DRUGS),
        ("\tdrugs\r", DRUGS),
        ("anti-social  behaviour", ASB),
        ("Anti-social\u00a0Behaviour", ASB),  # a no-break space, as spreadsheets paste it
        ("  violence AND sexual   offences ", "Violence and sexual offences"),
    ],
)
def test_a_type_in_another_case_or_spacing_is_read_as_data_police_uks(
    written: str, official: str
) -> None:
    assert official_crime_type(written) == official


@pytest.mark.parametrize(
    "written", ["Burglary (domestic)", "Burglry", "Anti social behaviour", "Theft", "", "  "]
)
def test_other_values_are_no_data_police_uk_type(written: str) -> None:
    assert official_crime_type(written) is None


def test_every_official_type_is_its_own_official_type() -> None:
    assert [official_crime_type(t) for t in CRIME_TYPES] == list(CRIME_TYPES)


def test_a_file_of_data_police_uk_types_and_blanks_gets_no_note() -> None:
    check = check_crime_types("x.csv", [(t, 3) for t in CRIME_TYPES] + [("  ", 2)])
    assert dict(check.read_as) == {}
    assert check.notes == ()


def test_types_in_another_case_are_counted_and_the_first_three_shown_in_file_order() -> None:
    counts = [
        (BURGLARY, 50),
        ("burglary", 1),
        ("drugs ", 4),
        ("SHOPLIFTING", 10),
        ("Drugs  ", 2),
        ("shoplifting", 3),
    ]
    check = check_crime_types("2025-09-x-street.csv", counts)
    assert dict(check.read_as) == {
        "burglary": BURGLARY,
        "drugs ": DRUGS,
        "SHOPLIFTING": SHOPLIFTING,
        "Drugs  ": DRUGS,
        "shoplifting": SHOPLIFTING,
    }
    assert check.notes == (
        (
            "2025-09-x-street.csv: 20 rows' crime types written in another case or spacing were "
            "read as data.police.uk's ('burglary' as 'Burglary', 'drugs ' as 'Drugs', "
            "'SHOPLIFTING' as 'Shoplifting' and 2 more), so they count with those types."
        ),
    )


def test_one_row_in_another_case_is_said_in_the_singular() -> None:
    check = check_crime_types("x.csv", [(BURGLARY, 5), ("burglary", 1)])
    assert check.notes == (
        (
            "x.csv: 1 row's crime type written in another case or spacing was read as "
            "data.police.uk's ('burglary' as 'Burglary'), so it counts with that type."
        ),
    )


def test_other_types_are_kept_as_written_and_named_quoted_and_cut_when_long() -> None:
    long = "Theft of a pedal cycle from a secure bike shed at the station"
    counts = [
        (BURGLARY, 50),
        ('<script>alert("type")</script>', 7),
        ("drugs", 1),
        ('=HYPERLINK("http://evil","t")', 5),
        ("Children's services", 1),
        (long, 2),
    ]
    check = check_crime_types("hostile.csv", counts)
    assert dict(check.read_as) == {"drugs": DRUGS}  # the others are not read as anything
    assert len(check.notes) == 2
    assert check.notes[1] == (
        "hostile.csv: 15 rows have a crime type data.police.uk does not publish (4 values: "
        '\'<script>alert("type")</script>\', \'=HYPERLINK("http://evil","t")\', '
        '"Children\'s services" and 1 more); kept as written, each value a type of its own, '
        "which a choice of data.police.uk's types leaves out. If the file was edited, correct its "
        "Crime type column, or download it again from data.police.uk."
    )
    assert "<script>" in check.notes[1]  # not escaped here: whatever shows notes as HTML does
    only_long = check_crime_types("x.csv", [(long, 2)]).notes[0]
    assert "(1 value: 'Theft of a pedal cycle from a secure bi\u2026')" in only_long
    assert "2 rows have a crime type" in only_long
    assert "kept as written, a type of its own" in only_long


def test_a_value_with_a_line_break_stays_on_one_line_of_the_note() -> None:
    (note,) = check_crime_types("x.csv", [("Bur\nglary", 1)]).notes
    assert "\n" not in note
    assert "1 row has a crime type data.police.uk does not publish (1 value: 'Bur\\nglary')" in note
