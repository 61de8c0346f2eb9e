"""Files as users get them: a month republished by data.police.uk, a file with a given mtime."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from pathlib import Path


def republished(data: bytes, n_changed: int) -> bytes:
    """Return the month as published later: ``n_changed`` outcomes updated."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    rows = frame.index[frame["Last outcome category"] == "Status update unavailable"][:n_changed]
    assert len(rows) == n_changed
    frame.loc[rows, "Last outcome category"] = "Court result unavailable"
    return frame.to_csv(index=False).encode()


def write_at(path: Path, data: bytes, mtime_ns: int) -> Path:
    """Write ``data`` to ``path`` (making its folders) with modification time ``mtime_ns``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path
