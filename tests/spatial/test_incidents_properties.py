"""
Property-based tests of the force extract reader (hypothesis).

Any mix of usable rows, windows, rows without a time or a place, placeholders, rows outside Great
Britain, windows ending before they start and repeated crime references, split over one to three
files given in any order: every row lands in exactly one bucket of the report, the one the rules
say (a copy of a repeated reference that is not kept is a duplicate; the copy kept is the first by
file name and row among equally usable, equally complete copies), and the events and the rows set
aside together hold every row once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spatial.incidents import read_incidents

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
KINDS = ("ok", "window", "no_time", "no_location", "placeholder", "outside", "bad_window", "repeat")
BUCKET = {
    "ok": "event",
    "window": "event",
    "no_time": "without time",
    "no_location": "without location",
    "placeholder": "without location",
    "outside": "outside Great Britain",
    "bad_window": "window ends before it starts",
}


_Where = tuple[str, int]
"""A row's file name and row number."""


@dataclass(frozen=True)
class _Row:
    file: int
    text: str
    ref: str
    kind: str


def _text(i: int, kind: str) -> str:
    day, hour, minute = 13 + i % 15, 1 + i % 22, i % 60  # a day above 12: day-first is certain
    start = f"{day:02d}/01/2025 {hour:02d}:{minute:02d}"
    to = {
        "window": f"{day + 1:02d}/01/2025 08:00",
        "bad_window": f"{day - 1:02d}/01/2025 08:00",
    }.get(kind, "")
    x, y = {
        "no_location": ("", ""),
        "placeholder": ("0", "0"),
        "outside": ("9000000", "269500"),
    }.get(kind, (str(452_000 + 37 * i), str(268_000 + 53 * i)))
    offence = ("Burglary", "Violence", "Theft")[i % 3]
    return f"{'' if kind == 'no_time' else start},{to},{offence},{x},{y}"


@st.composite
def _extracts(draw: st.DrawFn) -> tuple[list[_Row], int]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=30))
    # usable rows first, more than those outside: the values then say British National Grid
    kinds = ["ok"] * (kinds.count("outside") + 2) + kinds
    n_files = draw(st.integers(min_value=1, max_value=3))
    rows: list[_Row] = []
    for i, kind in enumerate(kinds):
        file = draw(st.integers(min_value=0, max_value=n_files - 1))
        if kind == "repeat":  # a copy of the latest usable row, in any file
            source = next(r for r in reversed(rows) if r.kind == "ok")
            rows.append(_Row(file, source.text, source.ref, "repeat"))
        else:
            rows.append(_Row(file, _text(i, kind), f"R{i}", kind))
    return rows, n_files


def _files(rows: list[_Row], n_files: int) -> tuple[list[tuple[str, bytes]], dict[int, _Where]]:
    """The files as uploads, and where each row is: ``(file name, row number)``."""
    lines: list[list[str]] = [[] for _ in range(n_files)]
    where: dict[int, _Where] = {}
    for n, row in enumerate(rows):
        lines[row.file].append(f"{row.ref},{row.text}\n")
        where[n] = (f"f{row.file}.csv", len(lines[row.file]) + 1)  # row 1 is the header
    # file i ends in i blank lines (read as none): no two files are the same bytes, which the
    # reader would read once as copies (a rule of its own, tested apart)
    files = [
        (f"f{i}.csv", (HEADER + "".join(body) + "\n" * i).encode()) for i, body in enumerate(lines)
    ]
    return [f for f in files if f[1].strip() != HEADER.strip().encode()], where


def _expected(rows: list[_Row], where: dict[int, _Where]) -> dict[_Where, str]:
    """Each row's bucket by the rules: one copy of a repeated reference kept, the first."""
    by_ref: dict[str, list[int]] = {}
    for n, row in enumerate(rows):
        by_ref.setdefault(row.ref, []).append(n)
    expected = {}
    for copies in by_ref.values():
        kept = min(copies, key=lambda n: where[n])  # equally usable and complete: file, row
        for n in copies:
            kind = rows[n].kind if rows[n].kind != "repeat" else "ok"
            expected[where[n]] = BUCKET[kind] if n == kept else "duplicate"
    return expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=_extracts(), reverse=st.booleans())
@example(  # two files of one repeated row: the same bytes but for their blank lines
    extract=(
        [
            _Row(0, "13/01/2025 01:00,,Burglary,452000,268000", "R0", "ok"),
            _Row(1, "14/01/2025 02:01,,Violence,452037,268053", "R1", "ok"),
            _Row(2, "14/01/2025 02:01,,Violence,452037,268053", "R1", "repeat"),
        ],
        3,
    ),
    reverse=False,
)
def test_every_row_is_in_the_one_bucket_the_rules_say(
    extract: tuple[list[_Row], int], *, reverse: bool
) -> None:
    rows, n_files = extract
    files, where = _files(rows, n_files)
    incidents = read_incidents(files[::-1] if reverse else files)
    report = incidents.report
    expected = _expected(rows, where)
    events = incidents.table
    found: dict[_Where, str] = dict.fromkeys(
        zip(events["source_file"], events["source_row"], strict=True), "event"
    )
    rejected = incidents.rejected
    aside = zip(rejected["source_file"], rejected["source_row"], rejected["reason"], strict=True)
    for file, row, reason in aside:
        assert (file, row) not in found  # every row once
        found[file, row] = reason
    assert found == expected
    tally = Counter(expected.values())
    assert report.n_rows == len(rows)
    assert report.n_events == tally["event"] == len(events)
    assert report.n_duplicates == tally["duplicate"]
    assert report.n_without_time == tally["without time"]
    assert report.n_without_location == tally["without location"]
    assert report.n_outside_area == tally["outside Great Britain"]
    assert report.n_bad_window == tally["window ends before it starts"]
    assert report.n_rows == (
        report.n_events
        + report.n_duplicates
        + report.n_without_time
        + report.n_without_location
        + report.n_outside_area
        + report.n_bad_window
    )
