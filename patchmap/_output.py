"""Printing, writing and the error path of the ``patchmap`` command."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from spatial.errors import ParameterError

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

    from boundaries.select import Selection

__all__ = ["EXIT_USER_ERROR", "checked_out", "data_period", "filter_texts", "print_json"]

EXIT_USER_ERROR = 2
"""The exit code when the input or options need fixing."""


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def checked_out(path: Path | None, suffixes: tuple[str, ...], what: str) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        msg = f"--out {path}: write {what}; the file name must end in {' or '.join(suffixes)}."
        raise ParameterError(msg)
    if not path.parent.is_dir():
        msg = (
            f"--out {path}: the folder {path.parent} does not exist. Create it or write elsewhere."
        )
        raise ParameterError(msg)


def data_period(points: gpd.GeoDataFrame, selection: Selection) -> tuple[str, str]:
    if selection.months is not None:
        return selection.months
    months = points["month"]
    return str(months.min()), str(months.max())


def filter_texts(selection: Selection) -> dict[str, str]:
    given = {
        "wards": selection.wards,
        "neighbourhoods": selection.neighbourhoods,
        "months": selection.months and (f"{selection.months[0]} to {selection.months[1]}",),
        "crime_types": selection.crime_types,
    }
    return {name: ", ".join(values) for name, values in given.items() if values}
