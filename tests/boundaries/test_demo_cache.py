"""The demo town's cached folder is used only when whole; otherwise it is written again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from boundaries.dataset import load_demo

if TYPE_CHECKING:
    from pathlib import Path


def test_a_demo_folder_that_is_not_whole_is_written_again(tmp_path: Path) -> None:
    first = load_demo(cache_dir=tmp_path)
    (folder,) = tmp_path.glob("demo-*")
    months = sorted((folder / "crimes").glob("*/*.csv"))
    whole = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    months[3].unlink()  # a month deleted by hand
    again = load_demo(cache_dir=tmp_path)
    assert again.crimes.n_rows == first.crimes.n_rows  # not a smaller town
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == whole
    stray = folder / "crimes" / "2025-10" / "2025-10-demo-street.csv"
    stray.parent.mkdir()
    stray.write_bytes(months[0].read_bytes())  # a month added by hand
    months[5].write_bytes(months[5].read_bytes()[:1000])  # a file cut short
    third = load_demo(cache_dir=tmp_path)
    assert third.crimes.n_rows == first.crimes.n_rows
    assert not stray.exists()
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == whole
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no staging folder left
