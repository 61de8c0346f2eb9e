"""
Counts and periods in words: "1 crime", "1,234 crimes", "2025-07 to 2025-09 (3 months)".

Labels that leave patchmap (stop names in GPX and KML files, table rows, route sheets) say a
count with its noun; every one of them is worded here, so a single crime is never "1 crimes".
A rate per 1,000 residents counts every month of its period, so it names the period with it.
"""

from __future__ import annotations

import math

from spatial.errors import ParameterError

__all__ = ["count_text", "month_count", "period_text"]

_MONTHS_A_YEAR = 12


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


def month_count(first: str, last: str) -> int:
    """
    Return the number of months from ``first`` to ``last`` (``YYYY-MM``), both included.

    Parameters
    ----------
    first, last
        The period's first and last month.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ParameterError
        When a month is not ``YYYY-MM`` or the period runs backwards.

    Examples
    --------
    >>> month_count("2025-07", "2025-09"), month_count("2013-10", "2025-09")
    (3, 144)
    """
    try:
        (y1, m1), (y2, m2) = (tuple(int(p) for p in m.split("-")) for m in (first, last))
    except ValueError as err:
        msg = f"Months must be YYYY-MM; found {first!r} and {last!r}."
        raise ParameterError(msg) from err
    n = (y2 - y1) * _MONTHS_A_YEAR + (m2 - m1) + 1
    if n < 1:
        msg = f"The period runs backwards: {first} to {last}. Give the earlier month first."
        raise ParameterError(msg)
    return n


def period_text(first: str, last: str) -> str:
    """
    Say a period of months with its length, as rates per 1,000 residents name it.

    Parameters
    ----------
    first, last
        The period's first and last month, ``YYYY-MM``.

    Returns
    -------
    str
        E.g. "2025-07 to 2025-09 (3 months)", or "2025-09 (1 month)".

    Raises
    ------
    ParameterError
        As :func:`month_count`.

    Examples
    --------
    >>> period_text("2025-07", "2025-09"), period_text("2025-09", "2025-09")
    ('2025-07 to 2025-09 (3 months)', '2025-09 (1 month)')
    """
    months = count_text(month_count(first, last), "month")
    return f"{first} ({months})" if first == last else f"{first} to {last} ({months})"
