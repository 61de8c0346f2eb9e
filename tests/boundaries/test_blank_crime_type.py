"""``(blank)`` names rows without a crime type in every filter and table that lists types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from boundaries.select import BLANK_CRIME_TYPE, crime_type_labels, crime_type_mask
from hotspots.when import select_events

TYPES = pd.Series(["Burglary", None, "Drugs", "  ", np.nan, "Burglary"], index=[5, 6, 7, 8, 9, 10])


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_blank_picks_missing_and_space_only_types_in_any_text_dtype(dtype: object) -> None:
    types = TYPES.astype(dtype)  # type: ignore[call-overload]
    assert crime_type_mask(types, [BLANK_CRIME_TYPE]).tolist() == [0, 1, 0, 1, 1, 0]
    assert crime_type_mask(types, ["Burglary", BLANK_CRIME_TYPE]).tolist() == [1, 1, 0, 1, 1, 1]
    assert crime_type_mask(types, ["Burglary"]).tolist() == [1, 0, 0, 0, 0, 1]
    assert list(crime_type_mask(types, ["Drugs"]).index) == [5, 6, 7, 8, 9, 10]
    labels = crime_type_labels(types)
    assert labels.tolist() == ["Burglary", "(blank)", "Drugs", "(blank)", "(blank)", "Burglary"]
    assert list(labels.index) == [5, 6, 7, 8, 9, 10]


def test_blank_of_no_rows_and_of_no_blank_rows_picks_nothing() -> None:
    assert crime_type_mask(pd.Series([], dtype=object), [BLANK_CRIME_TYPE]).tolist() == []
    assert not crime_type_mask(pd.Series(["Drugs"]), [BLANK_CRIME_TYPE]).any()


def test_timed_events_select_blank_as_the_summaries_do() -> None:
    events = pd.DataFrame(
        {"crime_type": TYPES.to_numpy(), "start": pd.date_range("2025-01-01", periods=6)}
    )
    chosen = select_events(events, crime_types=[BLANK_CRIME_TYPE])
    assert chosen.index.tolist() == [1, 3, 4]
