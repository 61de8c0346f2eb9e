"""Page scripts hold no bare string but their docstring: Streamlit's magic would draw it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted(
    p for p in (Path(__file__).resolve().parents[2] / "app_pages").glob("*.py") if p.name[0] != "_"
)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_a_page_script_has_no_bare_string_after_its_docstring(page: Path) -> None:
    body = ast.parse(page.read_text(encoding="utf-8")).body
    stray = [
        node.lineno
        for node in body[1:]  # the first statement may be the page's docstring
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert not stray, f"{page.name}: bare strings at lines {stray} are drawn on the page"


def test_the_pages_are_found() -> None:
    assert {"overview", "map", "profile", "when"} <= {p.stem for p in PAGES}
