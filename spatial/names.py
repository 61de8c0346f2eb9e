"""
Names as text: one Unicode form for every ward and neighbourhood name patchmap reads or is given.

A name can reach patchmap in two Unicode forms that look identical: composed (``ô`` as one code
point, NFC: what keyboards type and most files hold) or decomposed (``o`` followed by a combining
circumflex, NFD: what macOS writes in file names and some GIS exports write in attributes). Python
compares code points, so ``"Ynys Môn"`` typed at a prompt was not the ``"Ynys Môn"`` of a ward file
saved on a Mac. Every reader (ward boundaries, neighbourhood CSVs) and every front end (the
command's ``--ward`` and ``--neighbourhood``, a selection, the tasking log's ward) passes names
through :func:`normal_name` (or :func:`normal_names`), so names that look equal are equal.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NAME_FORM", "name_key", "normal_name", "normal_names"]

NAME_FORM: Final = "NFC"
"""The Unicode normal form names are stored and compared in (composed characters)."""


def normal_name(text: str) -> str:
    r"""
    Return a name in the one Unicode form patchmap keeps names in (:data:`NAME_FORM`).

    Parameters
    ----------
    text
        A name as read from a file or typed.

    Returns
    -------
    str
        The same name, its accented letters composed; otherwise unchanged (case, spaces kept).

    Examples
    --------
    >>> typed, from_a_mac = "Ynys M\u00f4n", "Ynys Mo\u0302n"
    >>> typed == from_a_mac, normal_name(typed) == normal_name(from_a_mac)
    (False, True)
    >>> len(normal_name(from_a_mac))
    8
    """
    return unicodedata.normalize(NAME_FORM, text)


def normal_names(values: pd.Series[str]) -> pd.Series[str]:
    r"""
    Return a column of names in :data:`NAME_FORM`, as :func:`normal_name` returns one.

    Parameters
    ----------
    values
        Names (text); missing values stay missing.

    Returns
    -------
    pandas.Series
        The names, same index.

    Examples
    --------
    >>> import pandas as pd
    >>> normal_names(pd.Series(["Mo\u0302n", "Castle"])).str.len().tolist()
    [3, 6]
    """
    return values.str.normalize(NAME_FORM)


def name_key(text: str) -> str:
    r"""
    Return the key names are matched by when case and spacing do not matter.

    Runs of spaces count as one, case is folded and the Unicode form does not matter (Unicode's
    canonical caseless match: decompose, fold case, compose again).

    Parameters
    ----------
    text
        A name as typed or as a file spells it.

    Returns
    -------
    str
        The comparison key.

    Examples
    --------
    >>> name_key("  St  Mary's ")
    "st mary's"
    >>> name_key("YNYS MO\u0302N") == name_key("Ynys M\u00f4n")
    True
    """
    spaced = " ".join(unicodedata.normalize("NFD", text).split())
    return unicodedata.normalize(NAME_FORM, spaced.casefold())
