"""A cut-off copy of another publication of a month is refused, never taken for a newer version.

The thresholds (spatial.versions.NEAR_SUBSET_SHARE, CUT_OFF_ROW_SHARE) are checked here on the
13 real Cambridgeshire months, as the module notes claim; then both readers (--crimes through
read_crimes and load_study_area, and the store's ingest) on the audit's case: a complete month
republished with updated outcomes in a dated folder, beside an undated cut-off copy of the
earlier publication modified later.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from boundaries.dataset import load_study_area
from spatial.errors import InputDataError
from spatial.io import read_crimes
from spatial.store import ingest, query_crimes, read_manifest, store_info
from spatial.versions import (
    CUT_OFF_ROW_SHARE,
    NEAR_SUBSET_SHARE,
    MonthPart,
    Published,
    choose_month,
    cut_off_share,
)
from tests.spatial._downloads import write_at

if TYPE_CHECKING:
    from pathlib import Path

    from spatial.io import CrimeLoad

SEPT25 = "2025-09-cambridgeshire-street.csv"
FORCE_MONTH = ("Cambridgeshire Constabulary", "2025-09")
KEY = "cambridgeshire-constabulary/2025-09"
PROVISIONAL = ("Under investigation", "Status update unavailable", "Awaiting court outcome")
SETTLED = "Investigation complete; no suspect identified"
OUTCOME = "Last outcome category"
GB_M = (0.0, 0.0, 7e5, 1.3e6)
EARLIER_NS = 1_760_000_000 * 10**9
LATER_NS = EARLIER_NS + 88_000_000  # 88 ms later, as in the audit


def _frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _republication(frame: pd.DataFrame, *, n_dropped: int, n_added: int) -> pd.DataFrame:
    """
    The month as published later: every provisional outcome settled (the most one republication
    can change), ``n_dropped`` crimes dropped (spread over the month) and ``n_added`` added.
    """
    out = frame.copy()
    out.loc[out[OUTCOME].isin(PROVISIONAL), OUTCOME] = SETTLED
    crimes = out.index[out["Crime ID"] != ""]
    if n_dropped:
        out = out.drop(crimes[np.linspace(0, len(crimes) - 1, n_dropped).astype(int)])
    added = frame.loc[crimes[:n_added]].copy()
    added["Crime ID"] = [f"late{i:05d}" for i in range(n_added)]
    return pd.concat([out, added], ignore_index=True)


def _part(frame: pd.DataFrame, name: str) -> MonthPart:
    """The rule's view of a month's rows (``crime_id`` as the CSV reader names it), on the
    columns that tell the rows apart here (the others are one value a month): quicker to hash."""
    rows = frame.loc[:, ["Crime ID", "Longitude", "Latitude", "Crime type", OUTCOME]]
    rows = rows.rename(columns={"Crime ID": "crime_id"})
    rows["crime_id"] = rows["crime_id"].mask(rows["crime_id"] == "")
    return MonthPart.of(rows, Published(name, None, None, 0))


def _used(load: CrimeLoad) -> set[str]:
    return set(pd.concat([load.points, load.without_location])["source_file"])


def _snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in store.rglob("*") if p.is_file()}


# --- the thresholds, on the 13 real months ------------------------------------------------------


def test_the_real_months_measure_as_the_module_notes_say(cambridge_dir: Path) -> None:
    months = {
        path.name[:7]: _frame(path.read_bytes())
        for path in sorted((cambridge_dir / "crimes").glob("*-street.csv"))
    }
    assert len(months) == 13
    rows = {m: len(f) for m, f in months.items()}
    assert (min(rows.values()), max(rows.values())) == (6043, 8040)
    shares: dict[str, list[float]] = {"provisional": [], "no id": [], "repeat": []}
    for frame in months.values():
        crimes = frame.loc[frame["Crime ID"] != ""]
        asb = frame.loc[frame["Crime ID"] == ""]
        assert not crimes["Crime ID"].duplicated().any()  # no month repeats a Crime ID
        shares["provisional"].append(crimes[OUTCOME].isin(PROVISIONAL).mean())
        shares["no id"].append(len(asb) / len(frame))
        shares["repeat"].append(asb.duplicated().mean())
    assert round(shares["provisional"][0], 2) == 0.06  # 2024-09, a year old
    assert round(shares["provisional"][-1], 2) == 0.43  # 2025-09, the newest month
    assert round(min(shares["no id"]), 2) == 0.15
    assert round(max(shares["no id"]), 2) == 0.20
    assert (round(min(shares["repeat"]), 2), round(max(shares["repeat"]), 2)) == (0.21, 0.26)


def test_on_every_real_month_cut_off_copies_are_refused_and_republications_kept(
    cambridge_dir: Path,
) -> None:
    """Each month: its republication settling every provisional outcome, adding and dropping
    1 % of its crimes, is a version either way round; a copy of either publication cut to
    CUT_OFF_ROW_SHARE of its rows is refused beside the other; cut to 96 %, it is a version."""
    for path in sorted((cambridge_dir / "crimes").glob("*-street.csv")):
        first = _frame(path.read_bytes())
        n_crimes = int((first["Crime ID"] != "").sum())
        later = _republication(first, n_dropped=n_crimes // 100, n_added=n_crimes // 100)
        original, republished = _part(first, "first.csv"), _part(later, "later.csv")
        assert cut_off_share(original, republished) is None
        assert cut_off_share(republished, original) is None
        choice = choose_month(FORCE_MONTH, [original, republished])
        assert [item.reason for item in choice.set_aside] == ["older version"]
        for whole, cut_from in ((republished, first), (original, later)):
            cut = _part(cut_from.head(int(CUT_OFF_ROW_SHARE * whole.n_rows)), "cut.csv")
            found = cut_off_share(cut, whole)
            assert found is not None, path.name
            assert found[0] >= NEAR_SUBSET_SHARE * cut.n_rows
            assert found[1] > 0  # not a strict subset: outcomes differ
            with pytest.raises(InputDataError, match=r"cut\.csv looks cut off"):
                choose_month(FORCE_MONTH, [whole, cut])
            barely = _part(cut_from.head(int(0.96 * whole.n_rows)), "cut.csv")
            assert cut_off_share(barely, whole) is None


def test_rows_without_a_crime_id_are_matched_as_counted_identical_rows() -> None:
    asb = pd.DataFrame({"crime_id": [None] * 4, "location": ["A", "A", "B", "C"]})
    whole = MonthPart.of(asb, Published("whole.csv", None, None, 0))
    two_a = MonthPart.of(asb.iloc[[0, 1]], Published("a.csv", None, None, 1))
    assert cut_off_share(two_a, whole) == (2, 0)
    assert sorted(whole.idless.values()) == [1, 1, 2]
    # three "A" rows where the whole month holds two: one of them is not the other's
    three_a = MonthPart.of(asb.iloc[[0, 1, 1]], Published("b.csv", None, None, 1))
    assert cut_off_share(three_a, whole) is None


def test_side_tables_compare_only_strict_subsets() -> None:
    """Outcomes and stop and search (near_subsets=False) count only strict subsets."""
    rows = pd.DataFrame({"crime_id": [f"c{i}" for i in range(100)], "outcome": ["a"] * 100})
    cut = rows.head(50).assign(outcome="b")
    parts = [
        MonthPart.of(rows, Published("old.csv", "2025-01", None, 0)),
        MonthPart.of(cut, Published("new.csv", "2025-03", None, 1)),
    ]
    plain = choose_month(FORCE_MONTH, parts, on_subset="keep all rows", near_subsets=False)
    assert (plain.kept, [i.reason for i in plain.set_aside]) == ((1,), ["older version"])
    near = choose_month(FORCE_MONTH, parts, on_subset="keep all rows")
    assert (near.kept, [i.reason for i in near.set_aside]) == ((0,), ["cut off"])
    assert near.set_aside[0].n_differ == 50


# --- the audit's case, through --crimes and ingest ---------------------------------------------


@pytest.fixture
def audit_case(cambridge_dir: Path, tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A dated complete republication (5 outcomes changed) and an undated cut-off copy of the
    earlier publication (its first 3,000 of 7,031 rows), modified 88 ms later."""
    first = _frame((cambridge_dir / "crimes" / SEPT25).read_bytes())
    later = first.copy()
    changed = later.index[later[OUTCOME] == "Under investigation"][:5]
    later.loc[changed, OUTCOME] = "Unable to prosecute suspect"
    complete = tmp_path / "rep" / "2025-11"
    write_at(complete / "2025-09" / SEPT25, _csv(later), EARLIER_NS)
    cut = tmp_path / "rep2" / "b"
    write_at(cut / SEPT25, _csv(first.head(3000)), LATER_NS)
    return complete, cut, _csv(first)


AUDIT_ERROR = (
    f"b/{SEPT25} holds 3,000 rows for Cambridgeshire Constabulary 2025-09 and "
    f"2025-11/2025-09/{SEPT25} holds 7,031; 3,000 of the 3,000 are crimes that "
    f"2025-11/2025-09/{SEPT25} holds too (the same Crime ID, or an identical row where there is "
    "none), though 5 differ in other columns (as a republished month's updated outcomes do): "
    f"b/{SEPT25} looks cut off (or filtered), perhaps from another publication of the month, "
    "rather than a later version of it. Remove the incomplete file, or download the month "
    "again, and reload."
)


@pytest.mark.parametrize("cut_first", [True, False])
def test_crimes_refuse_a_cut_off_copy_of_the_earlier_publication(
    cambridge_dir: Path, audit_case: tuple[Path, Path, bytes], *, cut_first: bool
) -> None:
    complete, cut, _ = audit_case
    sources = [cut, complete] if cut_first else [complete, cut]
    with pytest.raises(InputDataError) as caught:
        read_crimes(sources)
    assert str(caught.value) == AUDIT_ERROR
    with pytest.raises(InputDataError, match="looks cut off"):
        load_study_area(sources, cambridge_dir / "wards.geojson")


def test_crimes_refuse_a_dated_cut_off_republication_beside_the_complete_earlier_one(
    audit_case: tuple[Path, Path, bytes], tmp_path: Path
) -> None:
    """The other way round: the later publication is the cut one; refused too, not kept."""
    complete, _, first = audit_case
    whole = write_at(tmp_path / "jan" / SEPT25, first, LATER_NS)
    later = (complete / "2025-09" / SEPT25).read_bytes()
    cut = tmp_path / "2025-12"
    write_at(cut / "2025-09" / SEPT25, b"".join(later.splitlines(keepends=True)[:5001]), 0)
    with pytest.raises(InputDataError) as caught:
        read_crimes([whole, cut])
    assert str(caught.value).startswith(
        f"2025-12/2025-09/{SEPT25} holds 5,000 rows for Cambridgeshire Constabulary 2025-09 "
        f"and {SEPT25} holds 7,031; 5,000 of the 5,000 are crimes that {SEPT25} holds too"
    )


@pytest.mark.parametrize("one_run", [True, False])
def test_ingest_refuses_the_cut_off_copy_and_leaves_the_store_as_it_was(
    cambridge_dir: Path, audit_case: tuple[Path, Path, bytes], tmp_path: Path, *, one_run: bool
) -> None:
    complete, cut, _ = audit_case
    store = tmp_path / "s"
    august = cambridge_dir / "crimes" / "2025-08-cambridgeshire-street.csv"
    ingest([august] if one_run else [august, complete], store_dir=store)
    held = store_info(store).n_rows
    before = _snapshot(store)
    with pytest.raises(InputDataError) as caught:
        ingest([complete, cut] if one_run else [cut], store_dir=store)
    assert str(caught.value) == AUDIT_ERROR
    assert _snapshot(store) == before  # nothing written, nothing left behind
    assert held == 7555 + (0 if one_run else 7031)  # the complete month still held whole
    assert query_crimes(store, bounds_m=GB_M).n_rows == held


def test_ingest_replaces_a_held_cut_off_copy_with_the_complete_month(
    audit_case: tuple[Path, Path, bytes], tmp_path: Path
) -> None:
    """The store's user cannot remove a held file: the complete month, ingested next, replaces
    the cut-off copy (the end state of removing it and reloading), with a note saying so."""
    complete, cut, _ = audit_case
    store = tmp_path / "s"
    ingest([cut], store_dir=store)
    report = ingest([complete], store_dir=store)
    (note,) = report.notes
    assert note == (
        f"b/{SEPT25} holds fewer rows than 2025-11/2025-09/{SEPT25} for Cambridgeshire "
        f"Constabulary 2025-09, nearly all of them crimes that 2025-11/2025-09/{SEPT25} holds "
        "too, though 5 differ in other columns (as a republished month's updated outcomes do): "
        f"taken for a cut-off copy, so kept 2025-11/2025-09/{SEPT25}; the 3,000 rows of "
        f"b/{SEPT25} were set aside."
    )
    load = query_crimes(store, bounds_m=GB_M)
    assert load.n_rows == 7031
    assert _used(load) == {f"2025-11/2025-09/{SEPT25}"}
    entry = read_manifest(store)["partitions"]["street"][KEY]  # type: ignore[index]
    assert [s["name"] for s in entry["sources"]] == [f"2025-11/2025-09/{SEPT25}"]
    assert len(list((store / "street").rglob("*.parquet"))) == 1


# --- genuine republications are still versions -------------------------------------------------


@pytest.mark.parametrize(("n_dropped", "n_added"), [(30, 0), (0, 30), (59, 59)])
def test_a_republication_adding_or_dropping_a_few_rows_replaces_the_month_in_both_readers(
    cambridge_dir: Path, tmp_path: Path, n_dropped: int, n_added: int
) -> None:
    """Every provisional outcome settled (2,543 rows differ) and up to 1 % of the crimes added
    or dropped: the later folder date wins, with --crimes and with ingest, as before."""
    first = _frame((cambridge_dir / "crimes" / SEPT25).read_bytes())
    later = _republication(first, n_dropped=n_dropped, n_added=n_added)
    old = tmp_path / "2025-10"
    new = tmp_path / "2025-11"
    write_at(old / "2025-09" / SEPT25, _csv(first), LATER_NS)  # modified later: not what counts
    write_at(new / "2025-09" / SEPT25, _csv(later), EARLIER_NS)
    n_later = 7031 - n_dropped + n_added
    for sources in ([old, new], [new, old]):
        load = read_crimes(sources)
        assert _used(load) == {f"2025-11/2025-09/{SEPT25}"}
        assert (load.n_rows, load.n_set_aside) == (n_later, 7031)
        (note,) = load.notes
        assert "(a republished month): kept 2025-11/2025-09/" in note
        assert "as its folder date 2025-11 is later than 2025-10" in note
    store = tmp_path / "s"
    ingest([new], store_dir=store)
    report = ingest([old], store_dir=store)
    assert report.notes == load.notes
    mine = query_crimes(store, bounds_m=GB_M)
    assert (mine.n_rows, mine.n_set_aside) == (n_later, 7031)
    assert _used(mine) == {f"2025-11/2025-09/{SEPT25}"}


# --- a folder date beats a modification time ---------------------------------------------------


def test_a_dated_file_is_kept_over_an_undated_one_modified_later_with_the_reason(
    cambridge_dir: Path, tmp_path: Path
) -> None:
    """A genuine version without a folder date, modified later: the dated one is kept, and the
    note says why and how to have the other kept; ingest keeps the same file, either order."""
    first = _frame((cambridge_dir / "crimes" / SEPT25).read_bytes())
    later = _republication(first, n_dropped=0, n_added=0)
    dated = tmp_path / "2025-10"
    write_at(dated / "2025-09" / SEPT25, _csv(first), EARLIER_NS)
    undated = tmp_path / "mine"
    write_at(undated / SEPT25, _csv(later), LATER_NS)
    load = read_crimes([undated, dated])
    assert _used(load) == {f"2025-10/2025-09/{SEPT25}"}
    (note,) = load.notes
    assert note == (
        f"mine/{SEPT25} and 2025-10/2025-09/{SEPT25} both hold Cambridgeshire Constabulary "
        "2025-09 and differ in 2,543 rows (a republished month): kept "
        f"2025-10/2025-09/{SEPT25}, as it alone carries a publication date (its folder or "
        f"archive 2025-10; mine/{SEPT25} has none, and a modification time says only when a "
        "copy was last written, by a copy, an edit or a cut, not when it was published); the "
        f"7,031 rows of mine/{SEPT25} for Cambridgeshire Constabulary 2025-09 were set aside, "
        f"not mixed in. If mine/{SEPT25} was published later, put it in a folder named for the "
        "month it was published (such as 2025-12/) and load both again."
    )
    for order in ([dated], [undated]), ([undated], [dated]):
        store = tmp_path / f"s-{order[0][0].name}"
        notes = [n for batch in order for n in ingest(batch, store_dir=store).notes]
        assert notes == list(load.notes)
        assert _used(query_crimes(store, bounds_m=GB_M)) == {f"2025-10/2025-09/{SEPT25}"}
