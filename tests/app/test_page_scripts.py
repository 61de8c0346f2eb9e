"""Page scripts hold no bare string below their docstring: Streamlit would print it on the page."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted(
    p
    for p in (Path(__file__).resolve().parents[2] / "app_pages").glob("*.py")
    if not p.name.startswith("_")
)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_no_bare_string_is_shown_by_streamlit_magic(page: Path) -> None:
    tree = ast.parse(page.read_text(encoding="utf-8"))
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    bare = [
        node.lineno
        for node in ast.walk(ast.Module(body=body, type_ignores=[]))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and not _in_function(tree, node)
    ]
    assert bare == [], f"{page.name}: bare strings at lines {bare} would show on the page"


def _in_function(tree: ast.Module, node: ast.AST) -> bool:
    """Whether ``node`` lies inside a function or class (their docstrings are not shown)."""
    return any(
        isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and outer.lineno <= getattr(node, "lineno", 0) <= (outer.end_lineno or 0)
        for outer in ast.walk(tree)
    )
