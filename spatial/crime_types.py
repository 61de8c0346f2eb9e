"""
The crime types of data.police.uk, spelt as its CSV files spell them.

Every module that names a crime type imports it from here, so a label is spelt once and a
change of label is made in one place.

References
----------
data.police.uk, "About the data: crime categories", https://data.police.uk/about/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "ASB",
    "BICYCLE_THEFT",
    "BURGLARY",
    "CRIME_TYPES",
    "CRIMINAL_DAMAGE_AND_ARSON",
    "DRUGS",
    "OTHER_CRIME",
    "OTHER_THEFT",
    "POSSESSION_OF_WEAPONS",
    "PUBLIC_ORDER",
    "ROBBERY",
    "SHOPLIFTING",
    "THEFT_FROM_THE_PERSON",
    "VEHICLE_CRIME",
    "VIOLENCE_AND_SEXUAL_OFFENCES",
    "CrimeTypeCheck",
    "check_crime_types",
    "official_crime_type",
]

ASB: Final = "Anti-social behaviour"
"""Anti-social behaviour: its rows have no Crime ID and no outcome."""
BICYCLE_THEFT: Final = "Bicycle theft"
BURGLARY: Final = "Burglary"
CRIMINAL_DAMAGE_AND_ARSON: Final = "Criminal damage and arson"
DRUGS: Final = "Drugs"
OTHER_CRIME: Final = "Other crime"
OTHER_THEFT: Final = "Other theft"
POSSESSION_OF_WEAPONS: Final = "Possession of weapons"
PUBLIC_ORDER: Final = "Public order"
ROBBERY: Final = "Robbery"
SHOPLIFTING: Final = "Shoplifting"
THEFT_FROM_THE_PERSON: Final = "Theft from the person"
VEHICLE_CRIME: Final = "Vehicle crime"
VIOLENCE_AND_SEXUAL_OFFENCES: Final = "Violence and sexual offences"

CRIME_TYPES: Final[tuple[str, ...]] = (
    ASB,
    BICYCLE_THEFT,
    BURGLARY,
    CRIMINAL_DAMAGE_AND_ARSON,
    DRUGS,
    OTHER_CRIME,
    OTHER_THEFT,
    POSSESSION_OF_WEAPONS,
    PUBLIC_ORDER,
    ROBBERY,
    SHOPLIFTING,
    THEFT_FROM_THE_PERSON,
    VEHICLE_CRIME,
    VIOLENCE_AND_SEXUAL_OFFENCES,
)
"""The 14 crime types data.police.uk publishes, in alphabetical order."""

_BY_FOLDED: Final = {t.casefold(): t for t in CRIME_TYPES}


def official_crime_type(value: str) -> str | None:
    """
    Return the data.police.uk crime type ``value`` is, ignoring case and spacing; else None.

    A file edited by hand or typed again writes ``burglary`` or ``Drugs `` or
    ``Anti-social  behaviour``: the same category in another case or with spaces around or
    doubled inside (any Unicode white space), which the readers read as the category itself.
    Anything else (another word, a spelling, a category data.police.uk does not publish) is
    no data.police.uk type.

    Parameters
    ----------
    value
        A crime type as written in a file.

    Returns
    -------
    str or None
        The type as :data:`CRIME_TYPES` spells it, or None when ``value`` is none of them.

    Examples
    --------
    >>> official_crime_type(" anti-social  BEHAVIOUR")
    'Anti-social behaviour'
    >>> official_crime_type("Burglary (domestic)") is None
    True
    """
    return _BY_FOLDED.get(" ".join(value.split()).casefold())


@dataclass(frozen=True)
class CrimeTypeCheck:
    """What :func:`check_crime_types` found in one file's crime types."""

    read_as: Mapping[str, str] = field(default_factory=dict)
    """Each value written in another case or spacing, and the data.police.uk type it is read as."""
    notes: tuple[str, ...] = ()
    """The note on the values read as data.police.uk's, then the note on values that are none
    of its types (each only when there are such values)."""


_SHOWN_TYPES: Final = 3
"""How many values a note on a file's crime types quotes."""
_QUOTED_CHARS: Final = 40
"""Longer values are quoted cut to this many characters (an ellipsis included)."""


def check_crime_types(name: str, counts: Iterable[tuple[str, int]]) -> CrimeTypeCheck:
    r"""
    Judge a file's crime types: which to read as data.police.uk's, and what to tell the user.

    A value that is a data.police.uk type but for its case and spacing
    (:func:`official_crime_type`) is read as that type, so it is counted and chosen with the
    rows that spell it right; a note says how many rows, and how the first values were read.
    Any other value that is none of :data:`CRIME_TYPES` (a file edited by hand, another
    source's categories) is kept as written, a type of its own, with a note giving the rows
    and the first values. Blank values (only white space) are left to the readers' own
    handling (counted as ``(blank)``). Notes quote values as Python does (``'...'``) and do not
    escape them: whatever shows them in HTML escapes them.

    Parameters
    ----------
    name
        The file's name, as the notes give it.
    counts
        Each distinct value of the file's Crime type column (missing ones left out) and its
        number of rows, in the order the values first appear in the file.

    Returns
    -------
    CrimeTypeCheck
        The values to read as data.police.uk's, and the notes (none for a file of its types).

    Examples
    --------
    >>> check = check_crime_types("x.csv", [("Drugs", 40), ("drugs ", 2), ("Arson", 1)])
    >>> dict(check.read_as)
    {'drugs ': 'Drugs'}
    >>> print("\n".join(check.notes))  # doctest: +NORMALIZE_WHITESPACE
    x.csv: 2 rows' crime types written in another case or spacing were read as data.police.uk's
    ('drugs ' as 'Drugs'), so they count with that type.
    x.csv: 1 row has a crime type data.police.uk does not publish (1 value: 'Arson'); kept as
    written, a type of its own, which a choice of data.police.uk's types leaves out. If the file
    was edited, correct its Crime type column, or download it again from data.police.uk.
    """
    read_as: dict[str, str] = {}
    n_read_as = 0
    other: list[tuple[str, int]] = []
    for value, n in counts:
        if value in _OFFICIAL or not value.strip():
            continue
        official = official_crime_type(value)
        if official is None:
            other.append((value, n))
        else:
            read_as[value] = official
            n_read_as += n
    notes = []
    if read_as:
        notes.append(_read_as_note(name, read_as, n_read_as))
    if other:
        notes.append(_other_types_note(name, other))
    return CrimeTypeCheck(read_as=read_as, notes=tuple(notes))


_OFFICIAL: Final = frozenset(CRIME_TYPES)


def _read_as_note(name: str, read_as: Mapping[str, str], n_rows: int) -> str:
    pairs = [f"{_quoted(v)} as {t!r}" for v, t in list(read_as.items())[:_SHOWN_TYPES]]
    shown = ", ".join(pairs) + _more(len(read_as))
    rows = "1 row's crime type" if n_rows == 1 else f"{n_rows:,} rows' crime types"
    was = "was" if n_rows == 1 else "were"
    they = "it counts" if n_rows == 1 else "they count"
    many = "that type" if len({*read_as.values()}) == 1 else "those types"
    return (
        f"{name}: {rows} written in another case or spacing {was} read as data.police.uk's "
        f"({shown}), so {they} with {many}."
    )


def _other_types_note(name: str, other: list[tuple[str, int]]) -> str:
    n_rows = sum(n for _, n in other)
    values = f"{len(other)} value{'' if len(other) == 1 else 's'}: " + ", ".join(
        _quoted(v) for v, _ in other[:_SHOWN_TYPES]
    )
    has = "1 row has" if n_rows == 1 else f"{n_rows:,} rows have"
    kept = "a type of its own" if len(other) == 1 else "each value a type of its own"
    return (
        f"{name}: {has} a crime type data.police.uk does not publish ({values}"
        f"{_more(len(other))}); kept as written, {kept}, which a choice of data.police.uk's "
        "types leaves out. If the file was edited, correct its Crime type column, or download "
        "it again from data.police.uk."
    )


def _more(n_values: int) -> str:
    return f" and {n_values - _SHOWN_TYPES} more" if n_values > _SHOWN_TYPES else ""


def _quoted(value: str) -> str:
    """Quote a value as Python does; a long one is cut (a note names it, it need not hold it)."""
    if len(value) > _QUOTED_CHARS:
        value = value[: _QUOTED_CHARS - 1] + "\u2026"
    return repr(value)
