"""Run a corpus case through the package readers, as the ``patchmap`` command does."""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

from boundaries.dataset import load_study_area
from boundaries.select import Selection, summarise
from spatial.errors import PatchmapError
from spatial.network import load_network
from spatial.sites import read_sites
from tasking.reports import read_reports

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.corpus.bad_inputs import Case, Inputs, Kit


@dataclass(frozen=True)
class Outcome:
    """What a user sees: an exit code, the error's message, or the load report."""

    code: int
    message: str | None = None
    record: dict[str, object] = field(default_factory=dict)


@contextlib.contextmanager
def patched(case: Case, folder: Path) -> Iterator[None]:
    """Simulate a file the account may not read (tests run as root, who may read anything)."""
    inside = str(folder)
    if case.patch == "no_access":
        real_access = os.access

        def access(path: object, mode: int, **kwargs: object) -> bool:
            if str(path).startswith(inside):
                return False
            return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

        with mock.patch("os.access", access):
            yield
    elif case.patch == "read_error":
        real_read = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if str(self).startswith(inside):
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        with mock.patch.object(Path, "read_bytes", read_bytes):
            yield
    else:
        yield


def _network_path(source: Path | tuple[str, bytes], folder: Path) -> Path:
    if isinstance(source, tuple):  # as the app does with an upload
        path = folder / "upload" / source[0]
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(source[1])
        return path
    return source


def load_record(case: Case, inputs: Inputs, kit: Kit, folder: Path) -> dict[str, object]:
    """Load the case's files; return the load report (raises the readers' errors)."""
    if case.group in {"sites", "network", "reports"}:
        if inputs.file is None:
            msg = f"case {case.id} has no file"
            raise ValueError(msg)
        if case.group == "sites":
            return {"n": len(read_sites(inputs.file))}
        if case.group == "reports":
            return {"n": len(read_reports(inputs.file))}
        network = load_network(_network_path(inputs.file, folder))
        return {"n": network.n_nodes, "notes": list(network.notes)}
    area = load_study_area(
        list(inputs.crimes) or [(kit_city_name(), kit.city)],
        inputs.wards if inputs.wards is not None else kit.wards_path,
        population=inputs.population,
        lsoas=inputs.lsoas,
        neighbourhoods=inputs.neighbourhoods,
    )
    return summary_record(area)


def kit_city_name() -> str:
    """The name the city file is given when a case does not replace it."""
    return "2024-09-city-street.csv"


def summary_record(area: object) -> dict[str, object]:
    """The ``summary --json`` record, plus the checks' shorthands (asb, by ward names)."""
    summary = summarise(area, Selection())  # type: ignore[arg-type]
    record = summary.to_dict()
    record["asb"] = summary.by_crime_type.get("Anti-social behaviour", 0)
    record["n_in_overlaps"] = area.n_in_overlaps  # type: ignore[attr-defined]
    population = area.population  # type: ignore[attr-defined]
    record["n_population"] = 0 if population is None else len(population)
    return record


def run_case(case: Case, inputs: Inputs, kit: Kit, folder: Path) -> Outcome:
    """Run like the CLI: exit code 0 and the record, or 2 and the message; nothing else."""
    try:
        with patched(case, folder), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the CLI prints warnings as notes; not checked here
            record = load_record(case, inputs, kit, folder)
    except PatchmapError as err:
        return Outcome(code=2, message=str(err))
    return Outcome(code=0, record=record)


def check(case: Case, outcome: Outcome) -> None:
    """Assert what the user must see for this case."""
    if case.message is not None:
        assert outcome.code == 2, f"{case.id}: loaded, expected an error: {outcome.record}"
        assert outcome.message is not None
        first = outcome.message.splitlines()[0]
        assert case.message in first, f"{case.id}: {first!r}"
        return
    assert outcome.code == 0, f"{case.id}: {outcome.message}"
    check_counts(case, outcome.record)


def check_counts(case: Case, record: dict[str, object]) -> None:
    """Compare the record with the case's expected counts, every row accounted for."""
    by_ward = record.get("by_ward", {})
    by_type = record.get("by_crime_type", {})
    assert isinstance(by_ward, dict)
    assert isinstance(by_type, dict)
    for key, value in case.counts.items():
        if key in {"overlap_note", "note"}:
            notes = record.get("notes", [])
            assert isinstance(notes, list)
            assert any(str(value) in str(n) for n in notes), f"{case.id}: {notes}"
        elif key.startswith("type:"):  # rows inside the wards of one crime type, as read
            found = by_type.get(key.removeprefix("type:"), 0)
            assert found == value, f"{case.id}: {key} {found} != {value}"
        elif key == "n_min":
            assert int(str(record["n"])) >= int(str(value)), f"{case.id}: {record['n']}"
        elif key in by_ward:
            assert by_ward[key] == value, f"{case.id}: {key} {by_ward[key]} != {value}"
        elif key == "(blank)":
            assert by_type.get(key) == value, f"{case.id}: {by_type}"
        else:
            assert record[key] == value, f"{case.id}: {key} {record[key]} != {value}"
    if "n_rows_read" in record:
        parts = (
            "n_without_location",
            "n_outside_gb",
            "n_outside_wards",
            "n_in_other_wards",
            "n_outside_hours",
            "n_inside_wards",
            "n_duplicates_removed",
            "n_set_aside",
        )
        assert sum(int(str(record.get(p, 0))) for p in parts) == record["n_rows_read"], case.id
        assert sum(by_type.values()) == record["n_inside_wards"], case.id
