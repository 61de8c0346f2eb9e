"""
No function in the packages is over about 60 lines of code unless its docstring says why.

Code lines are the lines of a function's body that are neither blank, nor comments, nor its
docstring (nested functions count towards the function that holds them). A function may be longer
when its docstring carries the marker ``long:`` followed by the reason (for example
``long: one linear schema migration, frozen once released``).

Functions of files other people are splitting are listed in :data:`ALLOWED` with why they are
still long; each run reports them (as skips, shown by ``-ra``) and fails once one is short enough
to leave the list.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

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

ALLOWED: Final[dict[str, str]] = {
    "layers/briefing.py::build_briefing": (
        "assembles every section of the pack in one place; shrinks when the pack's content "
        "becomes one workflow function shared with the CLI"
    ),
    "layers/routes.py::route_map_svg": "draws the route sheet's map element by element",
    "layers/static_map.py::render_static_map": "draws the static map layer by layer",
    "patchmap/hotspots.py::run_change": "moved verbatim from cli.py: options, run, print",
    "patchmap/hotspots.py::run_density": "moved verbatim from cli.py: options, run, print",
    "patchmap/hotspots.py::run_emerging": "moved verbatim from cli.py: options, run, print",
    "patchmap/tasks.py::add_tasks": "declares every 'tasks' subcommand's options in one tree",
    "tasking/assess.py::assess_response": "validates and runs the WDD and both Poisson tests",
    "tasking/migrations/versions/0001_initial.py::upgrade": (
        "one linear schema migration, frozen once released"
    ),
    "tasking/problems.py::_describe": "builds the problem's sentence from many optional parts",
    "tasking/profile.py::build_profile": "gathers every figure of the profile in one pass",
}
"""``path::function`` of the long functions in files owned by other work, and why."""


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
    offenders = {k: n for k, n in _all_long().items() if k not in ALLOWED}
    assert not offenders, (
        f"over {MAX_CODE_LINES} lines of code: {offenders}. Split them, or say why in the "
        "docstring with 'long: <reason>'."
    )


@pytest.mark.parametrize("key", sorted(ALLOWED))
def test_allowed_long_function_is_still_long(key: str) -> None:
    n = _all_long().get(key)
    assert n is not None, f"{key} is no longer over {MAX_CODE_LINES} lines: remove it from ALLOWED"
    pytest.skip(f"{key} has {n} lines of code (allowed: {ALLOWED[key]})")


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
