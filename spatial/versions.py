"""
One file per force and month: republished data.police.uk months are read once, never mixed.

data.police.uk republishes the past three years every month with updated outcomes, so two
downloads often hold the same force and month in two files that differ in a few fields. Anti-social
behaviour rows have no Crime ID, so de-duplicating by Crime ID alone would count them twice.

The rule, applied to every force and month (taken from the rows' ``Month`` and ``Reported by``,
never from the file name) that more than one file holds:

- Files are compared newest first. A file is newer when its publication stamp is later: the
  latest ``YYYY-MM`` in the names of the archive or folder it came from (a data.police.uk archive
  ``2025-03.zip`` holds month folders up to ``2025-03/``); else its modification time; else,
  when neither is known (uploaded CSVs), the file given later counts as newer.
- A file sharing no crime with the files kept so far is another part of the month (a month
  split over several files) and is kept too. Files are related when they share a Crime ID, or,
  when either holds no Crime ID (anti-social behaviour only), an identical row.
- A related file holding exactly the same rows (in any order) is set aside as a copy.
- A related file that holds only some of the other's rows (a strict subset either way) is an
  error naming both files: one is cut off, and patchmap cannot tell which the user meant.
- Otherwise the files are two versions of the month: the older one's rows for that force and
  month are all set aside (counted, with a note), so the two are never mixed.

Limitation: a month split into parts that hold only anti-social behaviour rows, where two parts
share an identical row (two incidents at one snap point), is taken for two versions.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

import pandas as pd

from spatial.errors import InputDataError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["NOT_VALUES", "Published", "VersionChoice", "choose_versions"]

NOT_VALUES: Final = frozenset({"source_file", "source_row", "_file_index", "reason"})
"""Columns that say where a row was read, not what it holds: left out when rows are compared."""
_SHOWN_MONTHS: Final = 3


@dataclass(frozen=True)
class Published:
    """When a file was published, as far as patchmap can tell."""

    name: str
    """The file's name as shown to the user."""
    stamp: str | None
    """Latest ``YYYY-MM`` in the names of the archive or folders holding the file."""
    mtime_ns: int | None
    """Modification time of the file (or of the archive holding it)."""
    order: int
    """Position among the files read (later given: larger)."""


@dataclass(frozen=True)
class VersionChoice:
    """What :func:`choose_versions` kept and set aside."""

    kept: tuple[pd.DataFrame, ...]
    """Row slices kept, one or more per force and month."""
    set_aside: tuple[pd.DataFrame, ...]
    """Row slices set aside, each with a ``reason`` column."""
    notes: tuple[str, ...]
    """One note per file set aside (against the file kept)."""


def _compare(a: Published, b: Published) -> int:
    """Return 1 when ``a`` is newer than ``b``, -1 when older (never 0 for distinct files)."""
    if a.stamp and b.stamp and a.stamp != b.stamp:
        return 1 if a.stamp > b.stamp else -1
    if a.mtime_ns is not None and b.mtime_ns is not None and a.mtime_ns != b.mtime_ns:
        return 1 if a.mtime_ns > b.mtime_ns else -1
    return (a.order > b.order) - (a.order < b.order)


def _basis(newer: Published, older: Published) -> str:
    if newer.stamp and older.stamp and newer.stamp != older.stamp:
        return f"its folder date {newer.stamp} is later than {older.stamp}"
    if (
        newer.mtime_ns is not None
        and older.mtime_ns is not None
        and newer.mtime_ns != older.mtime_ns
    ):
        when = [
            datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
            for ns in (newer.mtime_ns, older.mtime_ns)
        ]
        return f"it was modified later ({when[0]} UTC against {when[1]} UTC)"
    return "no publication date is known, so the file given last counts as newer"


def _hashes(frame: pd.DataFrame) -> Counter[int]:
    """Count each distinct row by a hash of its values (computed only for contested months)."""
    values = frame.loc[:, [c for c in frame.columns if c not in NOT_VALUES]]
    return Counter(pd.util.hash_pandas_object(values, index=False).tolist())


def _related(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    ids_a = set(a["crime_id"].dropna())
    ids_b = set(b["crime_id"].dropna())
    if ids_a and ids_b:
        return not ids_a.isdisjoint(ids_b)
    return not _hashes(a).keys().isdisjoint(_hashes(b).keys())


def _months_text(keys: Sequence[tuple[str, str]]) -> str:
    shown = [f"{force or 'unknown force'} {month}" for force, month in sorted(keys)]
    more = len(shown) - _SHOWN_MONTHS
    return ", ".join(shown[:_SHOWN_MONTHS]) + (f" and {more} more" if more > 0 else "")


def _subset_error(
    key: tuple[str, str], small: tuple[str, int], big: tuple[str, int]
) -> InputDataError:
    force, month = key
    msg = (
        f"{small[0]} holds only {small[1]:,} of the {big[1]:,} rows that {big[0]} holds for "
        f"{force or 'an unnamed force'} {month}: one of the two files is incomplete (cut off, "
        "or filtered). Remove the incomplete file, or download the month again, and reload."
    )
    return InputDataError(msg)


@dataclass
class _Aside:
    kept_name: str
    reason: str
    basis: str
    keys: list[tuple[str, str]]
    n_rows: int = 0
    n_differ: int = 0


def choose_versions(
    frames: Sequence[pd.DataFrame], published: Sequence[Published]
) -> VersionChoice:
    """
    Keep one version of every force and month held by several files (see the module notes).

    Parameters
    ----------
    frames
        One parsed frame per file, with ``month``, ``reported_by`` and ``crime_id``; rows are
        compared on every column but :data:`NOT_VALUES`.
    published
        When each file was published, in the same order.

    Returns
    -------
    VersionChoice
        Slices kept and set aside (``reason`` ``"same rows"`` or ``"older version"``), notes.

    Raises
    ------
    InputDataError
        When one file holds a strict subset of another's rows for the same force and month.
    """
    slices: dict[tuple[str, str], list[tuple[int, pd.DataFrame]]] = defaultdict(list)
    for index, frame in enumerate(frames):
        forces = frame["reported_by"].fillna("").str.strip()
        months = frame["month"].astype(str)
        force_values, month_values = forces.to_numpy(), months.to_numpy()
        if (
            len(frame)
            and (force_values == force_values[0]).all()
            and (month_values == month_values[0]).all()
        ):
            # the usual police.uk file, one force and one month: the whole frame, uncopied
            slices[(str(forces.iloc[0]), str(months.iloc[0]))].append((index, frame))
            continue
        for (force, month), part in frame.groupby([forces, months], sort=True):
            slices[(str(force), str(month))].append((index, part))
    kept: list[pd.DataFrame] = []
    aside: list[pd.DataFrame] = []
    asides: dict[tuple[int, str], _Aside] = {}

    def _newer_first(a: tuple[int, pd.DataFrame], b: tuple[int, pd.DataFrame]) -> int:
        return -_compare(published[a[0]], published[b[0]])

    newest_first = functools.cmp_to_key(_newer_first)
    for key, parts in slices.items():
        ordered = sorted(parts, key=newest_first)
        chosen: list[tuple[int, pd.DataFrame]] = [ordered[0]]
        for index, part in ordered[1:]:
            related = [(i, p) for i, p in chosen if _related(part, p)]
            if not related:
                chosen.append((index, part))
                continue
            union = pd.concat([p for _, p in related])
            mine, theirs = _hashes(part), _hashes(union)
            kept_name = " and ".join(published[i].name for i, _ in related)
            if mine != theirs and (mine < theirs or theirs < mine):
                small, big = (
                    ((published[index].name, len(part)), (kept_name, len(union)))
                    if mine < theirs
                    else ((kept_name, len(union)), (published[index].name, len(part)))
                )
                raise _subset_error(key, small, big)
            reason = "same rows" if mine == theirs else "older version"
            record = asides.setdefault(
                (index, reason),
                _Aside(kept_name, reason, _basis(published[related[0][0]], published[index]), []),
            )
            record.keys.append(key)
            record.n_rows += len(part)
            record.n_differ += sum((mine - theirs).values())
            aside.append(part.assign(reason=reason))
        kept.extend(p for _, p in chosen)
    notes = [_note(published[index].name, record) for (index, _), record in asides.items()]
    return VersionChoice(kept=tuple(kept), set_aside=tuple(aside), notes=tuple(notes))


def _note(name: str, record: _Aside) -> str:
    months = _months_text(record.keys)
    if record.reason == "same rows":
        return (
            f"{name} holds the same rows as {record.kept_name} for {months}; "
            f"read once ({record.n_rows:,} rows set aside)."
        )
    return (
        f"{name} and {record.kept_name} both hold {months} and differ in {record.n_differ:,} "
        f"rows (a republished month): kept {record.kept_name}, as {record.basis}; "
        f"the {record.n_rows:,} rows of {name} for {months} were set aside, not mixed in."
    )
