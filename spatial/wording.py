"""
Counts in words: "1 crime", "3 crimes", "1,234 crimes".

Labels that leave patchmap (stop names in GPX and KML files, table rows, route sheets) say a
count with its noun; every one of them is worded here, so a single crime is never "1 crimes".
"""

from __future__ import annotations

import math

__all__ = ["count_text"]


def count_text(n: float, noun: str = "crime", *, plural: str | None = None) -> str:
    """
    Say a count with its noun, singular for exactly one.

    Parameters
    ----------
    n
        The count; a whole number is written with thousands separators, a fraction (an
        aoristic or weighted count) as it is.
    noun
        The singular noun.
    plural
        The plural noun; ``noun + "s"`` when None.

    Returns
    -------
    str
        The count and the noun.

    Examples
    --------
    >>> count_text(1), count_text(3), count_text(1234.0), count_text(2.5)
    ('1 crime', '3 crimes', '1,234 crimes', '2.5 crimes')
    >>> count_text(1, "cell"), count_text(0, "cell")
    ('1 cell', '0 cells')
    """
    value = float(n)
    whole = math.isfinite(value) and value == round(value)
    number = f"{value:,.0f}" if whole else f"{value:,g}"
    word = noun if value == 1 else (plural if plural is not None else f"{noun}s")
    return f"{number} {word}"
