"""The pyarrow CSV path of ``spatial.io`` gives exactly the pandas reader's frames and errors."""

from __future__ import annotations

import pandas as pd
import pytest

import spatial.io as sio
from spatial.errors import PatchmapError

HEADER = ",".join(sio.POLICE_UK_COLUMNS)
ROW = (
    "abc,2024-09,Cambs,Cambs,0.12,52.2,On or near X,E01,Cambridge 001A,Burglary,"
    "Under investigation,"
)
CASES = {
    "crlf": (HEADER + "\r\n" + ROW + "\r\n" + ROW + "\r\n").encode(),
    "bom": ("\ufeff" + HEADER + "\n" + ROW + "\n").encode(),
    "quoted": (HEADER + "\n" + ROW.replace("On or near X", '"On, or ""near"" X"') + "\n").encode(),
    "quoted_empty": (HEADER + "\n" + ROW.replace("abc", '""') + "\n").encode(),
    "blank_value_kept": (HEADER + "\n" + ROW.replace("abc", " ") + "\n").encode(),
    "na_text_kept": (HEADER + "\n" + ROW.replace("abc", "NA") + "\n").encode(),
    "extra_field": (HEADER + "\n" + ROW + ",x\n").encode(),
    "missing_field": (HEADER + "\n" + ROW[:-1].rsplit(",", 1)[0] + "\n").encode(),
    "blank_lines": (HEADER + "\n\n" + ROW + "\n\n" + ROW + "\n").encode(),
    "no_final_newline": (HEADER + "\n" + ROW).encode(),
    "extra_column": (HEADER + ",Extra\n" + ROW + ",e\n").encode(),
    "required_only": b"Month,Longitude,Latitude,Crime type\n2024-09,0.1,52.2,Burglary\n",
    "spaced_header": (HEADER.replace("Month", " Month ") + "\n" + ROW + "\n").encode(),
    "header_only": (HEADER + "\n").encode(),
    "trailing_comma_header": (HEADER + ",\n" + ROW + ",\n").encode(),
    "newline_in_quotes": (HEADER + "\n" + ROW.replace("On or near X", '"On\nX"') + "\n").encode(),
    "commas_only": (HEADER + "\n" + "," * 11 + "\n" + ROW + "\n").encode(),
    "cr_only": (HEADER + "\r" + ROW + "\r").encode(),
    "duplicate_header": (HEADER.replace("Context", "Month") + "\n" + ROW + "\n").encode(),
    "unicode": (HEADER + "\n" + ROW.replace("On or near X", "Café \u00e9 ü") + "\n").encode(),
    "unclosed_quote": (HEADER + "\n" + ROW.replace("abc", '"abc') + "\n").encode(),
    "missing_required": b"Month,Longitude\n2024-09,0.1\n",
}


def _parse(data: bytes, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame | str:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(sio, "_arrow_csv", lambda _data, _text: None)
        try:
            return sio._parse_csv("x.csv", data)  # noqa: SLF001 - both parse paths
        except PatchmapError as err:
            return f"{type(err).__name__}: {err}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_arrow_path_equals_pandas_path(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _parse(CASES[case], fast=True, monkeypatch=monkeypatch)
    slow = _parse(CASES[case], fast=False, monkeypatch=monkeypatch)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_plain_file_takes_the_arrow_path() -> None:
    data = CASES["crlf"]
    frame = sio._arrow_csv(data, data.decode("utf-8-sig"))  # noqa: SLF001 - the fast path
    assert frame is not None
    assert list(frame.columns) == list(sio.POLICE_UK_COLUMNS)
    assert frame["Context"].isna().all()
    assert frame["Crime ID"].tolist() == ["abc", "abc"]


def test_unusual_shapes_fall_back_to_pandas() -> None:
    for case in ("extra_field", "missing_field", "duplicate_header", "trailing_comma_header"):
        data = CASES[case]
        assert sio._arrow_csv(data, data.decode("utf-8-sig")) is None, case  # noqa: SLF001
