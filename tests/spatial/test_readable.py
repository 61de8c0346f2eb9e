"""Unreadable, missing and non-regular files are refused before they are opened."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from spatial.errors import InputDataError
from spatial.io import read_crimes, read_population, read_wards
from spatial.network import load_network
from spatial.sites import read_sites
from spatial.validate import check_readable, read_file_bytes
from tasking.reports import read_reports

if TYPE_CHECKING:
    from collections.abc import Callable

READERS: dict[str, Callable[[Path], object]] = {
    "crimes": lambda p: read_crimes([p]),
    "wards": read_wards,
    "population": read_population,
    "sites": read_sites,
    "reports": read_reports,
    "network": load_network,
}


def _with_timeout(func: Callable[[], object], seconds: float = 20.0) -> BaseException | None:
    """Run ``func`` in a thread; fail (not hang) if it blocks, as reading a FIFO would."""
    caught: list[BaseException] = []

    def target() -> None:
        try:
            func()
        except BaseException as err:  # noqa: BLE001  # handed back to the test
            caught.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the reader blocked on the file"
    return caught[0] if caught else None


@pytest.mark.parametrize("what", READERS)
def test_a_named_pipe_is_refused_without_waiting(what: str, tmp_path: Path) -> None:
    pipe = tmp_path / {"network": "streets.graphml", "wards": "w.geojson"}.get(what, "x.csv")
    os.mkfifo(pipe)
    error = _with_timeout(lambda: READERS[what](pipe))
    assert isinstance(error, InputDataError)
    assert str(error) == (
        f"{pipe}: is a named pipe (FIFO), not an ordinary file; patchmap reads only ordinary "
        f"files. Save the {_what(what)} to a file and give its path."
    )


def _what(reader: str) -> str:
    return {
        "crimes": "crime files",
        "wards": "ward boundaries",
        "population": "LSOA population CSV",
        "sites": "co-location sites",
        "reports": "reports CSV",
        "network": "street network (.graphml, .osm or .osm.pbf)",
    }[reader]


@pytest.mark.parametrize("what", READERS)
def test_a_file_the_account_may_not_read_is_refused(
    what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, who may read anything: simulate the missing permission.
    path = tmp_path / {"network": "streets.graphml", "wards": "w.geojson"}.get(what, "x.csv")
    path.write_text("a,b\n1,2\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: str(p) != str(path) and real(p, m))
    with pytest.raises(InputDataError, match="permission denied: this account may not read"):
        READERS[what](path)


def test_permission_error_while_reading_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputDataError, match=r"x\.csv: permission denied"):
        read_file_bytes(path, what="crime files")


def test_folders_and_missing_paths(tmp_path: Path) -> None:
    assert check_readable(tmp_path, what="crime files", allow_dir=True) == tmp_path
    with pytest.raises(InputDataError, match=r"is a folder\. Give the file that holds the sites"):
        check_readable(tmp_path, what="sites")
    with pytest.raises(InputDataError, match="not found"):
        check_readable(tmp_path / "gone.csv", what="sites")


def test_upper_case_csv_names_in_a_folder_are_read(tmp_path: Path) -> None:
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    header += "LSOA name,Crime type,Last outcome category,Context"
    row = "a1,2025-01,F,F,0.1192,52.2048,On or near Market Hill,E01,C,Burglary,,"
    (tmp_path / "2025-01").mkdir()
    (tmp_path / "2025-01" / "2025-01-FORCE-STREET.CSV").write_text(f"{header}\n{row}\n")
    (tmp_path / "2025-01" / "2025-01-FORCE-OUTCOMES.CSV").write_text("Crime ID,Month\nb,2025-01\n")
    load = read_crimes([tmp_path])
    assert load.files == (f"{tmp_path.name}/2025-01/2025-01-FORCE-STREET.CSV",)
    assert len(load.points) == 1


def test_ingest_refuses_a_file_the_account_may_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spatial.store import ingest  # noqa: PLC0415  # DuckDB and the store only here

    path = tmp_path / "2025-01-force-street.csv"
    path.write_text("Crime ID,Month\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: str(p) != str(path) and real(p, m))
    with pytest.raises(InputDataError, match="permission denied: this account may not read"):
        ingest([path], store_dir=tmp_path / "store")
