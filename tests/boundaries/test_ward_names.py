"""Ward names as typed: matched ignoring case and spacing, close names suggested (difflib)."""

from __future__ import annotations

import pytest

from boundaries.ward_names import match_ward_name, same_ward, ward_key
from spatial.errors import ParameterError

WARDS = ("Market", "Marsh", "Castle", "St Mary's", "Newnham")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Market", "Market"),
        ("market", "Market"),
        ("  ST   MARY'S ", "St Mary's"),
        ("castle", "Castle"),
    ],
)
def test_a_name_differing_in_case_or_spacing_is_spelt_as_the_boundaries_spell_it(
    typed: str, stored: str
) -> None:
    assert match_ward_name(typed, WARDS) == stored
    assert same_ward(typed, stored)


def test_an_exact_name_wins_over_one_equal_ignoring_case() -> None:
    assert match_ward_name("market", ("Market", "market")) == "market"
    assert match_ward_name("MARKET", ("Market", "market")) == "Market"  # the first of its key


def test_a_typo_is_refused_naming_the_closest_wards_closest_first() -> None:
    with pytest.raises(ParameterError) as raised:
        match_ward_name("Marke", WARDS, source="wards.gpkg", hint="Fix it.")
    assert str(raised.value) == (
        "No ward in wards.gpkg is called 'Marke'; the closest: 'Market', 'Marsh'. Fix it."
    )


def test_a_name_like_no_ward_is_refused_listing_the_wards() -> None:
    with pytest.raises(ParameterError, match="called 'Zzyzx', nor anything close; its 5 wards"):
        match_ward_name("Zzyzx", WARDS)
    many = [f"Ward {i:02d}" for i in range(20)]
    with pytest.raises(ParameterError) as raised:
        match_ward_name("Qqq", many)
    assert str(raised.value).endswith("'Ward 10', 'Ward 11' and 8 more.")


def test_ward_key_and_same_ward() -> None:
    assert ward_key("\tSt  Mary's\n") == "st mary's"
    assert not same_ward("Market ward", "Market")
    assert not same_ward(None, "Market")
