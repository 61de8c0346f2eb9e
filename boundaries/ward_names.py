"""
Ward names as people type them: matched ignoring case and spacing, with close names suggested.

A tasking log takes a problem's ward as typed (``market``, `` Market``); a briefing pack places it
with :func:`same_ward`, and a front end that has the boundaries checks it first with
:func:`match_ward_name`, so that a typo (``Markett``) is refused when it is typed, not found
missing from a pack weeks later.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Final

from spatial.errors import ParameterError
from spatial.names import name_key, normal_name

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MAX_SUGGESTED_WARDS",
    "WARD_MATCH_CUTOFF",
    "match_ward_name",
    "same_ward",
    "ward_key",
]

MAX_SUGGESTED_WARDS: Final = 3
"""How many close ward names a refusal suggests."""
WARD_MATCH_CUTOFF: Final = 0.6
"""Similarity (:class:`difflib.SequenceMatcher` ratio, 0 to 1) a known name needs to be named."""
_MAX_LISTED: Final = 12
"""How many of the known wards a refusal lists when none is close."""


def ward_key(name: str) -> str:
    """
    Return ``name`` as ward names are compared: runs of spaces as one, case folded, one form.

    That is :func:`spatial.names.name_key`: a name typed with composed accents (``Môn``) is
    the name a Mac wrote decomposed.

    Parameters
    ----------
    name
        A ward name as typed or as the boundaries spell it.

    Returns
    -------
    str
        The comparison key.

    Examples
    --------
    >>> ward_key("  St  Mary's ")
    "st mary's"
    """
    return name_key(name)


def same_ward(logged: str | None, ward: str) -> bool:
    """
    Say whether a logged ward name is ``ward``, ignoring case and spacing.

    Parameters
    ----------
    logged
        The name as stored (typed by a user), or None when the record has no ward.
    ward
        A ward name of the boundaries.

    Returns
    -------
    bool
        True when the two have the same :func:`ward_key`.

    Examples
    --------
    >>> same_ward(" market", "Market"), same_ward("Market ward", "Market")
    (True, False)
    >>> same_ward(None, "Market")
    False
    """
    return logged is not None and ward_key(logged) == ward_key(ward)


def match_ward_name(
    name: str, known: Sequence[str], *, source: str = "the ward boundaries", hint: str = ""
) -> str:
    """
    Return the known ward ``name`` means, spelt as the boundaries spell it.

    Parameters
    ----------
    name
        A ward name as typed.
    known
        The ward names of the boundaries (unique).
    source
        What the boundaries are called in a refusal (a file name, ``"the demo town"``).
    hint
        How to fix a refused name, in the caller's words (an option, a form field); appended.

    Returns
    -------
    str
        The known name equal to ``name`` ignoring case, spacing and Unicode form (an exact
        match first).

    Raises
    ------
    ParameterError
        When no known ward has that name; the message names the closest known names (at most
        :data:`MAX_SUGGESTED_WARDS`, by :func:`difflib.get_close_matches`), or lists the wards
        when none is close.

    Examples
    --------
    >>> match_ward_name(" market ", ["Castle", "Market"])
    'Market'
    >>> try:
    ...     match_ward_name("Markett", ["Castle", "Market"], source="wards.geojson")
    ... except ParameterError as err:
    ...     print(err)
    No ward in wards.geojson is called 'Markett'; the closest: 'Market'.
    """
    name = normal_name(name)
    if name in known:
        return name
    by_key: dict[str, str] = {}
    for ward in known:
        by_key.setdefault(ward_key(ward), ward)
    found = by_key.get(ward_key(name))
    if found is not None:
        return found
    close = difflib.get_close_matches(
        ward_key(name), list(by_key), n=MAX_SUGGESTED_WARDS, cutoff=WARD_MATCH_CUTOFF
    )
    if close:
        listed = ", ".join(repr(by_key[k]) for k in close)
        msg = f"No ward in {source} is called {name!r}; the closest: {listed}."
    else:
        shown = ", ".join(repr(w) for w in known[:_MAX_LISTED])
        more = f" and {len(known) - _MAX_LISTED} more" if len(known) > _MAX_LISTED else ""
        msg = (
            f"No ward in {source} is called {name!r}, nor anything close; its {len(known)} "
            f"wards: {shown}{more}."
        )
    msg = f"{msg} {hint}".rstrip()
    raise ParameterError(msg)
