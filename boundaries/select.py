"""Filter a study area by months, crime types, wards and neighbourhoods, and summarise it."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from spatial.errors import EmptyInputError, ParameterError
from spatial.names import name_key, normal_name
from spatial.wording import count_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from spatial.io import CrimeLoad

__all__ = [
    "BLANK_CRIME_TYPE",
    "Selection",
    "Summary",
    "as_written",
    "crime_type_labels",
    "crime_type_mask",
    "data_period",
    "filter_texts",
    "is_blank_crime_type",
    "known_crime_types",
    "n_unread_located",
    "parse_month_range",
    "ranked_counts",
    "require_loaded_months",
    "select_points",
    "select_wards",
    "select_whole_cells",
    "set_aside_reasons",
    "summarise",
]


BLANK_CRIME_TYPE: Final = "(blank)"
"""How rows whose Crime type is empty are counted (:func:`summarise`, so the types sum to the
total), listed (:attr:`boundaries.dataset.StudyArea.crime_types`) and chosen."""


def is_blank_crime_type(value: object) -> bool:
    """
    Say whether a crime type is empty: missing, or only spaces.

    Parameters
    ----------
    value
        A crime type as read (text, None or NaN).

    Returns
    -------
    bool
        True when the row counts as :data:`BLANK_CRIME_TYPE`.

    Examples
    --------
    >>> [is_blank_crime_type(v) for v in (None, float("nan"), " ", "Burglary")]
    [True, True, True, False]
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return True
    return not str(value).strip()


def crime_type_labels(types: pd.Series[str]) -> pd.Series[str]:
    """
    Name empty crime types :data:`BLANK_CRIME_TYPE`, as summaries count them; others unchanged.

    For tables that list crimes by type (top types at a snap point, a ward's types), so rows
    without a type are shown and counted rather than dropped.

    Parameters
    ----------
    types
        The rows' crime types (missing when blank).

    Returns
    -------
    pandas.Series
        Text (``str``) on ``types``' index, never missing.

    Examples
    --------
    >>> crime_type_labels(pd.Series(["Drugs", None, " "])).tolist()
    ['Drugs', '(blank)', '(blank)']
    """
    codes, uniques = pd.factorize(types)  # a few distinct types: name each once
    names = [BLANK_CRIME_TYPE if is_blank_crime_type(u) else str(u) for u in uniques]
    # taken from the few labels as pandas text: no Python string made (or read back) per row
    labels = pd.array([*names, BLANK_CRIME_TYPE], dtype="str")  # code -1 (missing): the last
    return pd.Series(labels.take(codes), index=types.index)


def crime_type_mask(types: pd.Series[str], chosen: Sequence[str]) -> pd.Series[bool]:
    """
    Mark the rows whose crime type is one of ``chosen``; :data:`BLANK_CRIME_TYPE` marks empty ones.

    Every filter by crime type (a summary, a profile's counts, the app's overview) uses this, so
    ``(blank)``, which the summaries list, selects the same rows everywhere.

    Parameters
    ----------
    types
        The rows' crime types (missing when blank).
    chosen
        Crime types to keep.

    Returns
    -------
    pandas.Series
        Booleans on ``types``' index.

    Examples
    --------
    >>> types = pd.Series(["Burglary", None, "Drugs", " "])
    >>> crime_type_mask(types, ["Drugs", BLANK_CRIME_TYPE]).tolist()
    [False, True, True, True]
    """
    mask = types.isin(list(chosen))
    if BLANK_CRIME_TYPE in chosen:
        codes, uniques = pd.factorize(types)  # a few distinct types: test each once
        blank = np.array([is_blank_crime_type(u) for u in uniques] + [True], dtype=bool)
        mask |= pd.Series(blank[codes], index=types.index)  # code -1 (missing) takes the last
    return mask


@dataclass(frozen=True)
class Selection:
    r"""
    What the user chose to look at; None means everything.

    Ward and neighbourhood names are kept in Unicode NFC (:func:`spatial.names.normal_name`), as
    the readers keep them, so a name typed (or sent in a link) in another Unicode form still
    picks its ward.

    Examples
    --------
    >>> Selection(wards=("Ynys Mo\N{COMBINING CIRCUMFLEX ACCENT}n",)).wards == ("Ynys M\u00f4n",)
    True
    """

    months: tuple[str, str] | None = None
    """First and last month, ``YYYY-MM``, inclusive."""
    crime_types: tuple[str, ...] | None = None
    """data.police.uk crime types; :data:`BLANK_CRIME_TYPE` picks rows whose type is empty."""
    wards: tuple[str, ...] | None = None
    """Ward names."""
    neighbourhoods: tuple[str, ...] | None = None
    """Neighbourhood names; combined with ``wards`` as a union."""

    def __post_init__(self) -> None:
        """Keep the names in the one Unicode form the readers keep them in."""
        for name in ("wards", "neighbourhoods"):
            given = getattr(self, name)
            if given is not None:  # frozen: set once, here, as the dataclass itself does
                object.__setattr__(self, name, tuple(normal_name(n) for n in given))


def parse_month_range(text: str) -> tuple[str, str]:
    """
    Parse ``YYYY-MM:YYYY-MM`` (or a single ``YYYY-MM``) into first and last month.

    Parameters
    ----------
    text
        The range as typed.

    Returns
    -------
    tuple of str
        ``(first, last)``.

    Raises
    ------
    ParameterError
        When the text is not a month range or the range runs backwards.

    Examples
    --------
    >>> parse_month_range("2024-09:2025-02")
    ('2024-09', '2025-02')
    >>> parse_month_range("2025-01")
    ('2025-01', '2025-01')
    """
    parts = text.split(":")
    try:
        periods = [pd.Period(p.strip(), freq="M") for p in parts]
    except ValueError as err:
        msg = f"Months {text!r} are not YYYY-MM:YYYY-MM (for example 2024-09:2025-08)."
        raise ParameterError(msg) from err
    if len(periods) == 1:
        periods = periods * 2
    if len(periods) != 2 or not all(len(p.strip()) == 7 for p in parts):  # noqa: PLR2004
        msg = f"Months {text!r} are not YYYY-MM:YYYY-MM (for example 2024-09:2025-08)."
        raise ParameterError(msg)
    if periods[0] > periods[1]:
        msg = f"Months {text!r} run backwards: put the earlier month first."
        raise ParameterError(msg)
    return str(periods[0]), str(periods[1])


def as_written(given: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """
    Return names typed by a user as the data write them, when they differ in case or spacing only.

    ``burglary`` and ``Anti-social  behaviour`` name the data's ``Burglary`` and
    ``Anti-social behaviour``; `` market`` names the ward ``Market``. Names are compared by
    :func:`spatial.names.name_key` (as :func:`boundaries.ward_names.ward_key` compares a logged
    ward). A name that matches none of ``known`` exactly or so, or more than one when folded,
    is returned as typed, for the selection to refuse with the choices.

    Parameters
    ----------
    given
        Names as typed (``--crime-type``, ``--ward``, ``--neighbourhood``, a link's ward).
    known
        The names the data hold.

    Returns
    -------
    tuple of str
        ``given``, each as the data write it where that is certain.

    Examples
    --------
    >>> as_written(["burglary", " Drugs", "Arson"], ["Burglary", "Drugs", "Robbery"])
    ('Burglary', 'Drugs', 'Arson')
    """
    by_folded: dict[str, list[str]] = {}
    for name in known:
        by_folded.setdefault(name_key(name), []).append(name)
    out = []
    for name in given:
        matches = by_folded.get(name_key(name), [])
        out.append(name if name in known or len(matches) != 1 else matches[0])
    return tuple(out)


def known_crime_types(given: Sequence[str], types: pd.Series[str]) -> tuple[str, ...]:
    """
    Return chosen crime types as ``types`` write them, refusing any they do not hold.

    For a selection from rows whose types are not listed elsewhere (a force extract's events):
    ``burglary`` chooses ``Burglary`` (:func:`as_written`), and a type the rows do not hold is
    refused with the choices, as a study area's selection refuses it, rather than selecting
    no rows.

    Parameters
    ----------
    given
        Crime types chosen; :data:`BLANK_CRIME_TYPE` chooses rows without one.
    types
        The rows' crime types (missing when blank).

    Returns
    -------
    tuple of str
        ``given`` as the rows write them.

    Raises
    ------
    ParameterError
        When a type is not among the rows', naming those.

    Examples
    --------
    >>> known_crime_types(["burglary"], pd.Series(["Burglary", "Drugs", None]))
    ('Burglary',)
    """
    labels = set(crime_type_labels(types).unique())
    known = tuple(sorted(labels - {BLANK_CRIME_TYPE}))
    if BLANK_CRIME_TYPE in labels:
        known = (*known, BLANK_CRIME_TYPE)
    chosen = as_written(given, known)
    _check_known(chosen, known, what="crime type")
    return chosen


def _check_known(given: tuple[str, ...] | None, known: tuple[str, ...], *, what: str) -> None:
    if given is None:
        return
    unknown = [g for g in given if g not in known]
    if unknown:
        msg = (
            f"Unknown {what} {', '.join(repr(u) for u in unknown)}. "
            f"Choose from: {', '.join(known)}."
        )
        raise ParameterError(msg)


def _ward_set(area: StudyArea, selection: Selection) -> tuple[str, ...]:
    _check_known(selection.wards, area.ward_names, what="ward")
    _check_known(selection.neighbourhoods, area.neighbourhood_names, what="neighbourhood")
    if selection.wards is None and selection.neighbourhoods is None:
        return area.ward_names
    chosen = set(selection.wards or ())
    if selection.neighbourhoods:
        in_nbhd = area.wards["neighbourhood"].isin(selection.neighbourhoods)
        chosen.update(str(w) for w in area.wards.loc[in_nbhd, "ward_name"])
    return tuple(w for w in area.ward_names if w in chosen)


def _row_mask(frame: pd.DataFrame, selection: Selection) -> pd.Series[bool]:
    mask = pd.Series(data=True, index=frame.index)
    if selection.months is not None:
        first, last = (pd.Period(m, freq="M") for m in selection.months)
        mask &= (frame["month"] >= first) & (frame["month"] <= last)
    if selection.crime_types is not None:
        mask &= crime_type_mask(frame["crime_type"], selection.crime_types)
    return mask


def _kept_counts(
    entries: Iterable[tuple[str, str | None, int]], selection: Selection
) -> list[tuple[str, int]]:
    """``(month, n)`` of ``(month, crime type, n)`` counts that the filters keep."""
    kept = []
    chosen = selection.crime_types
    for month, crime_type, n in entries:
        if selection.months is not None and not (
            selection.months[0] <= month <= selection.months[1]
        ):
            continue
        label = BLANK_CRIME_TYPE if is_blank_crime_type(crime_type) else crime_type
        if chosen is not None and label not in chosen:
            continue
        kept.append((month, n))
    return kept


def _unread_rows(
    crimes: CrimeLoad, selection: Selection, status: str = "located"
) -> list[tuple[str, int]]:
    """``(month, n)`` of a store load's counted-but-unread rows that the filters keep.

    ``status`` picks located rows (:attr:`CrimeLoad.unread_located`) or rows without a place
    in Great Britain (``no_location``, ``outside_gb``: :attr:`CrimeLoad.unread_unlocated`).
    """
    entries = (
        crimes.unread_located
        if status == "located"
        else [(m, t, n) for m, t, s, n in crimes.unread_unlocated if s == status]
    )
    return _kept_counts(entries, selection)


def _n_unread(crimes: CrimeLoad, selection: Selection, status: str = "located") -> int:
    return sum(n for _, n in _unread_rows(crimes, selection, status))


def n_unread_located(crimes: CrimeLoad, selection: Selection) -> int:
    """
    Count a store load's located rows counted but not read, in the selection's months and types.

    A store query reads the rows in the wards' extent and counts the others by month and crime
    type (:attr:`CrimeLoad.unread_located`); they lie outside the wards. The wards of the
    selection do not narrow them. Zero for a load from files, which reads every row.

    Parameters
    ----------
    crimes
        The load.
    selection
        Its months and crime types count (``(blank)`` chooses the rows without a type).

    Returns
    -------
    int
        The rows.
    """
    return _n_unread(crimes, selection)


def _unread_months(crimes: CrimeLoad, selection: Selection) -> list[str]:
    return [
        month
        for status in ("located", "no_location", "outside_gb")
        for month, _ in _unread_rows(crimes, selection, status)
    ]


def select_wards(area: StudyArea, selection: Selection) -> gpd.GeoDataFrame:
    """
    Return the selected wards.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        Wards and/or neighbourhoods chosen (None: all).

    Returns
    -------
    geopandas.GeoDataFrame
        The chosen wards, in file order.

    Raises
    ------
    ParameterError
        When a ward or neighbourhood name is unknown.
    """
    names = _ward_set(area, selection)
    return area.wards.loc[area.wards["ward_name"].isin(names)].copy()


def select_points(area: StudyArea, selection: Selection) -> gpd.GeoDataFrame:
    """
    Return the crimes inside the selected wards, months and crime types.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        The filters.

    Returns
    -------
    geopandas.GeoDataFrame
        A filtered copy of ``area.points`` (may be empty).

    Raises
    ------
    ParameterError
        When a ward, neighbourhood or crime type is unknown.
    """
    return area.points.loc[_selected(area, selection)].copy()


def select_whole_cells(area: StudyArea, selection: Selection, *, cell_m: float) -> gpd.GeoDataFrame:
    """
    Return the crimes of the selection's months and types in every cell the chosen wards meet.

    For a layer that shows a force extract's exact locations only by cell (partners' and the
    public's files): a cell on the edge of the chosen wards is counted whole, with the crimes
    of the wards beside it, so files chosen by different wards give it one count, and no
    difference of them tells where in the cell a crime lies, or what a blanked count was. The
    cells are those of :func:`spatial.grid.cells_covering` (anchored at the British National
    Grid's origin, as :func:`layers.audience.snap_locations` and :func:`spatial.grid.make_grid`
    align them): those the wards meet, not only touch, as a hot spot grid keeps them.

    Parameters
    ----------
    area
        The loaded study area (its ``points`` in EPSG:27700).
    selection
        The filters.
    cell_m
        The cells' side in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        A filtered copy of ``area.points``: :func:`select_points` when every ward is chosen.

    Raises
    ------
    ParameterError
        When a name is unknown, or ``cell_m`` is not positive.
    """
    import geopandas as gpd  # noqa: PLC0415 - loaded by every caller already
    import shapely  # noqa: PLC0415

    from spatial.grid import cells_covering  # noqa: PLC0415 - the grid module loads later

    chosen = _selected(area, selection)
    typed = _row_mask(area.points, selection)
    wards = select_wards(area, selection)
    if chosen.equals(typed) or len(wards) == len(area.wards):
        return area.points.loc[chosen].copy()
    outline = shapely.union_all(wards.geometry.to_numpy())
    covered = cells_covering(gpd.GeoSeries([outline], crs=wards.crs), cell_size_m=cell_m).iloc[0]
    centre_x = (np.floor(area.points.geometry.x.to_numpy() / cell_m) + 0.5) * cell_m
    centre_y = (np.floor(area.points.geometry.y.to_numpy() / cell_m) + 0.5) * cell_m
    inside = np.asarray(shapely.contains_xy(covered, centre_x, centre_y), dtype=bool)
    return area.points.loc[typed & pd.Series(inside, index=typed.index)].copy()


def _selected(area: StudyArea, selection: Selection) -> pd.Series[bool]:
    """Mark the rows of ``area.points`` that :func:`select_points` returns."""
    _check_known(selection.crime_types, area.crime_types, what="crime type")
    names = _ward_set(area, selection)
    points = area.points
    return _row_mask(points, selection) & points["ward"].isin(names)


def data_period(points: pd.DataFrame, selection: Selection) -> tuple[str, str]:
    """
    Name the months a result covers: the selection's, else the first and last month of crimes.

    Every export, pack and JSON record states its period with this function.

    Parameters
    ----------
    points
        The selected crimes, with ``month`` (``Period[M]``).
    selection
        The filters applied.

    Returns
    -------
    tuple of str
        ``(first, last)`` as ``YYYY-MM``.

    Raises
    ------
    EmptyInputError
        When no months are selected and there are no crimes to take them from.

    Examples
    --------
    >>> crimes = pd.DataFrame({"month": pd.PeriodIndex(["2024-03", "2024-01"], freq="M")})
    >>> data_period(crimes, Selection())
    ('2024-01', '2024-03')
    >>> data_period(crimes, Selection(months=("2023-06", "2024-05")))
    ('2023-06', '2024-05')
    """
    if selection.months is not None:
        return selection.months
    if len(points) == 0:
        msg = "The selection holds no crimes, so it covers no months: widen the filters."
        raise EmptyInputError(msg)
    months = points["month"]
    return str(months.min()), str(months.max())


def filter_texts(selection: Selection, *, hours: str | None = None) -> dict[str, str]:
    """
    Describe the filters applied, as text (for export metadata and JSON records).

    Parameters
    ----------
    selection
        The filters.
    hours
        The hours of the week the area's crimes were restricted to
        (:attr:`~boundaries.dataset.StudyArea.hours`, ``--hours``), or None.

    Returns
    -------
    dict
        ``wards``, ``neighbourhoods``, ``months`` ("first to last"), ``crime_types`` and
        ``hours`` (as written), only those given.

    Examples
    --------
    >>> filter_texts(Selection(wards=("Market", "Abbey"), months=("2024-01", "2024-06")))
    {'wards': 'Market, Abbey', 'months': '2024-01 to 2024-06'}
    >>> filter_texts(Selection(), hours="Fri 22-03,Sat 22-03")
    {'hours': 'Fri 22-03,Sat 22-03'}
    """
    given = {
        "wards": selection.wards,
        "neighbourhoods": selection.neighbourhoods,
        "months": selection.months and (f"{selection.months[0]} to {selection.months[1]}",),
        "crime_types": selection.crime_types,
        "hours": hours and (hours,),
    }
    return {name: ", ".join(values) for name, values in given.items() if values}


@dataclass(frozen=True)
class Summary:
    """
    Counts that account for every row read.

    ``n_rows`` (the rows used) is ``n_without_location + n_outside_gb + n_outside_hours +
    n_outside_wards + n_in_other_wards + n_inside_wards``; ``n_rows_read`` adds
    ``n_duplicates_removed`` and ``n_set_aside``. ``n_inside_wards`` counts the chosen wards'
    rows, ``n_in_other_wards`` those of the wards loaded but not chosen, ``n_outside_wards``
    those in none of the wards.
    """

    n_rows: int
    n_without_location: int
    n_outside_gb: int
    n_outside_wards: int
    n_inside_wards: int
    n_duplicates_removed: int
    months: tuple[str, ...]
    by_ward: dict[str, int]
    by_crime_type: dict[str, int]
    """Crimes inside the chosen wards by type; empty types count as :data:`BLANK_CRIME_TYPE`."""
    n_set_aside: int = 0
    """Rows not used: copies and older versions of police.uk files, an extract's rows without
    a time or whose window ends before it starts."""
    set_aside_reasons: tuple[str, ...] = ()
    """Why the rows of :attr:`n_set_aside` were set aside, in words (not in :meth:`to_dict`:
    the count is the JSON's bucket)."""
    notes: tuple[str, ...] = ()
    """The load's notes: copies, republished months, overlaps, rows outside Great Britain."""
    n_in_other_wards: int = 0
    """Rows inside the wards loaded but not chosen (0 when every ward is chosen)."""
    n_outside_hours: int = 0
    """Located rows of a force extract outside the hours of the week chosen (``--hours``;
    :func:`hotspots.when.events_in_hours`), wherever they lie; 0 without hours. Rows without
    a location are counted in :attr:`n_without_location` whatever their hour."""

    @property
    def n_rows_read(self) -> int:
        """Every row read in the selected months and types, used or set aside."""
        return self.n_rows + self.n_duplicates_removed + self.n_set_aside

    def to_dict(self) -> dict[str, object]:
        """
        Return the ``patchmap summary --json`` object.

        Returns
        -------
        dict
            Plain JSON-ready values.
        """
        return {
            "n_rows_read": self.n_rows_read,
            "n_rows": self.n_rows,
            "n_without_location": self.n_without_location,
            "n_outside_gb": self.n_outside_gb,
            "n_outside_wards": self.n_outside_wards,
            "n_in_other_wards": self.n_in_other_wards,
            "n_outside_hours": self.n_outside_hours,
            "n_inside_wards": self.n_inside_wards,
            "n_duplicates_removed": self.n_duplicates_removed,
            "n_set_aside": self.n_set_aside,
            "months": list(self.months),
            "by_ward": dict(self.by_ward),
            "by_crime_type": dict(self.by_crime_type),
            "notes": list(self.notes),
        }


def require_loaded_months(
    area: StudyArea, *, before: tuple[str, str], after: tuple[str, str]
) -> None:
    """
    Refuse two periods to compare if either holds a month no data were loaded for.

    A comparison of two periods (a change test, an assessment) would otherwise read a month
    outside the files as a month without crime, and find a fall or a rise that is not there.

    Parameters
    ----------
    area
        The loaded study area (its months are worked out once, from every row).
    before, after
        First and last month of each period, ``YYYY-MM``, inclusive.

    Raises
    ------
    EmptyInputError
        When a month of either period is not among the area's months (``before`` checked first).
    """
    loaded = area.months
    present = set(loaded)
    for what, (first, last) in (("before", before), ("after", after)):
        months = [str(m) for m in pd.period_range(first, last, freq="M")]
        missing = [m for m in months if m not in present]
        if missing:
            span = missing[0] if len(missing) == 1 else f"{missing[0]}..{missing[-1]}"
            msg = (
                f"The {what} period {first}..{last} holds {len(missing)} month(s) with no "
                f"data loaded ({span}); the data cover {loaded[0]}..{loaded[-1]}. Choose months "
                "inside the data, or load the missing months: they would count as months "
                "without crime."
            )
            raise EmptyInputError(msg)


def ranked_counts(values: pd.Series[str]) -> pd.Series[int]:
    """
    Count each value, most frequent first and equal counts in the values' sorted order.

    ``Series.value_counts`` orders equal counts by first appearance, so the same rows read in
    another order (a store's rows are sorted along a curve, a CSV's are not) would list tied
    crime types, or name a problem after another of its tied streets, differently.

    Parameters
    ----------
    values
        Any values (missing ones are not counted).

    Returns
    -------
    pandas.Series
        Counts indexed by value.

    Examples
    --------
    >>> ranked_counts(pd.Series(["b", "a", "c", "a", "b"])).to_dict()
    {'a': 2, 'b': 2, 'c': 1}
    """
    counts = values.value_counts().sort_index(kind="stable")
    ranked: pd.Series[int] = counts.sort_values(ascending=False, kind="stable")
    return ranked


def _types_with_blank(types: pd.Series[str]) -> dict[str, int]:
    text = types.fillna("").astype(str).str.strip()
    counts = ranked_counts(text.where(text != "", BLANK_CRIME_TYPE))
    return {str(k): int(v) for k, v in counts.items()}


def summarise(area: StudyArea, selection: Selection) -> Summary:
    """
    Count the rows of the selected months and crime types, and where they fell.

    Every row read falls in exactly one count (checked): without a location, outside Great
    Britain, outside every ward, in a ward that was not chosen, inside the chosen wards, a
    duplicate Crime ID, or set aside (a copy or an older version of a file). A store read of
    the chosen wards alone needs every ward's counts (``area.ward_counts``) to tell the rows of
    the other wards from those outside them all.

    Parameters
    ----------
    area
        The loaded study area.
    selection
        The filters.

    Returns
    -------
    Summary
        Every row counted once; ``by_crime_type`` sums to ``n_inside_wards``.

    Raises
    ------
    ParameterError
        When a name is unknown.
    EmptyInputError
        When the months or crime types select no rows at all.
    """
    selected = _selected(area, selection)  # the two columns counted, not every column copied
    inside_wards = area.points.loc[selected, "ward"]
    n_inside = len(inside_wards)
    crimes = area.crimes
    n_without = int(_row_mask(crimes.without_location, selection).sum()) + _n_unread(
        crimes, selection, "no_location"
    )
    n_outside_gb = int(_row_mask(crimes.outside_gb, selection).sum()) + _n_unread(
        crimes, selection, "outside_gb"
    )
    n_in_gb = int(_row_mask(crimes.points, selection).sum()) + _n_unread(crimes, selection)
    aside = crimes.set_aside.loc[_row_mask(crimes.set_aside, selection)]
    n_aside_duplicates = int((aside["reason"] == "duplicate Crime ID").sum())
    n_counted = sum(n for _, n in _kept_counts(crimes.counted_duplicates, selection))
    n_duplicates = n_aside_duplicates + n_counted  # a store counted them; the CSVs set them aside
    n_counted_aside = sum(n for _, n in _kept_counts(crimes.counted_set_aside, selection))
    n_in_wards = _n_in_any_ward(area, selection)
    n_outside_wards = n_in_gb - n_in_wards
    n_outside_hours = 0
    if area.hours is not None:  # the located rows in no ward and in the hours; the rest not
        n_outside_wards = int(_row_mask(area.outside_wards, selection).sum())
        n_outside_hours = n_in_gb - n_in_wards - n_outside_wards
    n_rows = n_without + n_outside_gb + n_in_gb
    if n_rows == 0:
        held = area.months
        span = f"the data hold {held[0]}..{held[-1]}" if held else "the data hold no months"
        msg = (
            f"The chosen months and crime types select no rows ({span}). Widen the month range "
            "or types."
        )
        raise EmptyInputError(msg)
    names = _ward_set(area, selection)
    by_ward_counts = inside_wards.value_counts()
    by_ward = {w: int(by_ward_counts.get(w, 0)) for w in names}
    months = _months_of(crimes, selection)
    summary = Summary(
        n_rows=n_rows,
        n_without_location=n_without,
        n_outside_gb=n_outside_gb,
        n_outside_wards=n_outside_wards,
        n_inside_wards=n_inside,
        n_duplicates_removed=n_duplicates,
        months=months,
        by_ward=by_ward,
        by_crime_type=_types_with_blank(area.points.loc[selected, "crime_type"]),
        n_set_aside=len(aside) - n_aside_duplicates + n_counted_aside,
        set_aside_reasons=set_aside_reasons(aside["reason"], n_counted=n_counted_aside),
        notes=area.notes,
        n_in_other_wards=n_in_wards - n_inside,
        n_outside_hours=n_outside_hours,
    )
    unfiltered = selection.months is None and selection.crime_types is None
    n_read = crimes.n_rows_read if unfiltered else n_rows + len(aside) + n_counted + n_counted_aside
    _check_summary(summary, n_rows_read=n_read)
    if unfiltered:
        return summary
    scope = _scope_notes(area, selection, n_read)
    return dataclasses.replace(summary, notes=(*summary.notes, *scope))


def _months_of(crimes: CrimeLoad, selection: Selection) -> tuple[str, ...]:
    """Return the months of the selection's rows, used or not, as ``YYYY-MM`` in order."""
    months = pd.concat(  # each frame's distinct months as text, not every row's
        [
            pd.Series(f.loc[_row_mask(f, selection), "month"].unique()).astype(str)
            for f in (crimes.points, crimes.without_location, crimes.outside_gb)
        ]
        + [pd.Series(_unread_months(crimes, selection), dtype=str)]
    )
    return tuple(sorted({str(m) for m in months.unique()}))


def _scope_notes(area: StudyArea, selection: Selection, n_read: int) -> tuple[str, ...]:
    """Say that a filtered summary counts the chosen rows, while the load's notes count all."""
    crimes = area.crimes
    notes = [
        (
            f"The counts are of the chosen months and crime types ({n_read:,} of the "
            f"{crimes.n_rows_read:,} rows read); the notes before this one are of every row read."
        )
    ]
    n_undated = int(crimes.set_aside["month"].isna().sum()) if selection.months else 0
    if n_undated:  # an extract's rows without a time: no month to choose them by
        verb, pronoun = ("has", "it") if n_undated == 1 else ("have", "them")
        notes.append(
            f"{count_text(n_undated, 'row')} without a time {verb} no month, so no choice of "
            f"months holds {pronoun}."
        )
    return tuple(notes)


def _n_in_any_ward(area: StudyArea, selection: Selection) -> int:
    """Count the rows of the selection's months and types inside any ward, chosen or not."""
    counts = area.ward_counts  # every ward's, when points hold only the chosen wards' extent
    if counts is None:
        return int(_row_mask(area.points, selection).sum())
    entries = zip(counts["month"].astype(str), counts["crime_type"], counts["n"], strict=True)
    return sum(int(n) for _, n in _kept_counts(entries, selection))


_COPIES: Final = "copies, older versions"
_VERSION_REASONS: Final = frozenset({"identical file", "same rows", "older version", "cut off"})
"""Reasons police.uk rows are set aside (:mod:`spatial.versions`), said as :data:`_COPIES`."""


def set_aside_reasons(reasons: pd.Series, *, n_counted: int = 0) -> tuple[str, ...]:
    """
    Say why rows were set aside: copies and older versions, or an extract's own reasons.

    Parameters
    ----------
    reasons
        The ``reason`` of the rows set aside (a duplicate Crime ID has a bucket of its own and
        is left out).
    n_counted
        Rows a store counted and did not keep: copies or older versions.

    Returns
    -------
    tuple of str
        The reasons, sorted; police.uk's (an identical file, the same rows, an older or cut-off
        version) said once as ``"copies, older versions"``.

    Examples
    --------
    >>> set_aside_reasons(pd.Series(["same rows", "without time", "older version"]))
    ('copies, older versions', 'without time')
    """
    said = {_COPIES if r in _VERSION_REASONS else str(r) for r in reasons.unique()}
    said.discard("duplicate Crime ID")
    if n_counted:
        said.add(_COPIES)
    return tuple(sorted(said))


def _check_summary(summary: Summary, *, n_rows_read: int) -> None:
    """Raise when the counts do not add up (a bug in patchmap, not in the data)."""
    parts = (
        summary.n_without_location,
        summary.n_outside_gb,
        summary.n_outside_hours,
        summary.n_outside_wards,
        summary.n_in_other_wards,
        summary.n_inside_wards,
        summary.n_duplicates_removed,
        summary.n_set_aside,
    )
    sums = (
        sum(parts) == n_rows_read,
        sum(summary.by_ward.values()) == summary.n_inside_wards,
        sum(summary.by_crime_type.values()) == summary.n_inside_wards,
        min(parts) >= 0,
    )
    if not all(sums):
        msg = f"patchmap bug: the summary's counts do not add up: {summary.to_dict()}"
        raise RuntimeError(msg)
