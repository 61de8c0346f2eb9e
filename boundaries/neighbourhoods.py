"""Neighbourhoods: groups of wards, as councils group wards into area committees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial.errors import InputDataError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["apply_neighbourhoods"]


def apply_neighbourhoods(
    wards: gpd.GeoDataFrame, mapping: pd.DataFrame | None = None, *, source: str = "neighbourhoods"
) -> gpd.GeoDataFrame:
    """
    Add a ``neighbourhood`` column to the wards.

    Parameters
    ----------
    wards
        Wards with ``ward_name``.
    mapping
        ``ward``, ``neighbourhood`` rows (from :func:`spatial.io.read_neighbourhoods`). When None,
        each ward is its own neighbourhood. Wards the mapping does not list keep their own name.
    source
        The mapping file's name, used in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``wards`` with ``neighbourhood``.

    Raises
    ------
    InputDataError
        When the mapping names wards that are not in the boundaries (usually a typo).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import Point
    >>> w = gpd.GeoDataFrame({"ward_name": ["Abbey", "Castle"]}, geometry=[Point(0, 0)] * 2)
    >>> m = pd.DataFrame({"ward": ["Abbey"], "neighbourhood": ["East"]})
    >>> apply_neighbourhoods(w, m)["neighbourhood"].tolist()
    ['East', 'Castle']
    """
    out = wards.copy()
    names = out["ward_name"].astype("str")
    if mapping is None:
        out["neighbourhood"] = names.to_numpy()
        return out
    known = set(names)
    unknown = sorted(set(mapping["ward"]) - known)
    if unknown:
        msg = (
            f"{source}: {len(unknown)} wards are not in the ward boundaries: {', '.join(unknown)}. "
            f"Ward names there are: {', '.join(sorted(known))}."
        )
        raise InputDataError(msg)
    lookup = dict(zip(mapping["ward"], mapping["neighbourhood"], strict=True))
    out["neighbourhood"] = [lookup.get(n, n) for n in names]
    return out
