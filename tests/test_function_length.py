"""
No function in the packages is over about 60 lines of code unless its docstring says why.

Code lines are the lines of a function's body that are neither blank, nor comments, nor its
docstring (nested functions count towards the function that holds them). A function may be longer
when its docstring carries the marker ``long:`` followed by the reason (for example
``long: one linear schema migration, frozen once released``).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
PACKAGES: Final = (
    "spatial",
    "boundaries",
    "hotspots",
    "tasking",
    "layers",
    "patchmap",
    "app_pages",
)
MAX_CODE_LINES: Final = 60
REASON: Final = re.compile(r"\blong:\s*\S.{9,}", re.DOTALL)
"""``long:`` and at least ten characters of explanation."""


@dataclass(frozen=True)
class LongFunction:
    """A function over :data:`MAX_CODE_LINES` whose docstring gives no reason."""

    key: str
    n_code_lines: int


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    body = node.body
    if ast.get_docstring(node) is not None:
        body = body[1:]
    if not body:
        return 0
    first = body[0]
    start = first.lineno
    if isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        start = min([start, *(d.lineno for d in first.decorator_list)])
    end = node.end_lineno or start
    text = (lines[i - 1].strip() for i in range(start, end + 1))
    return sum(1 for line in text if line and not line.startswith("#"))


def long_functions(source: str, *, path: str) -> list[LongFunction]:
    """Return the functions of ``source`` over the limit whose docstring gives no reason."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        n = _code_lines(node, lines)
        if n > MAX_CODE_LINES and not REASON.search(ast.get_docstring(node) or ""):
            found.append(LongFunction(f"{path}::{node.name}", n))
    return found


def _package_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


@functools.cache
def _all_long() -> dict[str, int]:
    out: dict[str, int] = {}
    for path in _package_files():
        relative = path.relative_to(ROOT).as_posix()
        for item in long_functions(path.read_text(encoding="utf-8"), path=relative):
            out[item.key] = item.n_code_lines
    return out


def test_no_function_is_over_60_code_lines_without_a_reason() -> None:
    offenders = _all_long()
    assert not offenders, (
        f"over {MAX_CODE_LINES} lines of code: {offenders}. Split them, or say why in the "
        "docstring with 'long: <reason>'."
    )


def test_counter_skips_docstring_blank_and_comment_lines_and_honours_the_reason() -> None:
    body = "\n".join(f"    x{i} = {i}  # code" for i in range(MAX_CODE_LINES))
    short = f'def f():\n    """Doc.\n\n    More doc.\n    """\n    # a comment\n\n{body}\n'
    assert long_functions(short, path="m.py") == []
    longer = short + "    return x0\n"
    assert long_functions(longer, path="m.py") == [LongFunction("m.py::f", MAX_CODE_LINES + 1)]
    why = longer.replace("More doc.", "long: one table of sixty constants, read top to bottom.")
    assert long_functions(why, path="m.py") == []
    bare = longer.replace("More doc.", "long:")
    assert long_functions(bare, path="m.py") == [LongFunction("m.py::f", MAX_CODE_LINES + 1)]
