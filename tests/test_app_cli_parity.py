"""Every analysis the app offers is a subcommand and the other way round, or the README says why."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from patchmap.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## One answer in the app and the command"


def _rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]
    return [r for r in rows if not set(r[0]) <= {"-"}]


def _constants(path: Path) -> dict[str, object]:
    """Module-level ``NAME: Final = literal`` values of a script, without running it."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or value is None:
            continue
        try:
            values[target.id] = ast.literal_eval(value)
        except ValueError:
            if isinstance(value, ast.Tuple):  # a tuple of earlier constants
                names = [e.id for e in value.elts if isinstance(e, ast.Name)]
                if len(names) == len(value.elts) and all(n in values for n in names):
                    values[target.id] = tuple(values[n] for n in names)
    return values


def test_every_subcommand_and_every_page_is_in_the_readme_table() -> None:
    rows = _rows()
    assert len(rows) >= len(SUBCOMMANDS)
    commands = {name for row in rows for name in re.findall(r"`([a-z-]+)[^`]*`", row[2])}
    assert commands == {name for name, _, _ in SUBCOMMANDS}
    pages = {title for _, title, _ in _constants(ROOT / "app.py")["PAGES"]}  # type: ignore[attr-defined]
    listed_pages = {row[1].split(":")[0].strip() for row in rows if row[1] != "—"}
    assert listed_pages == pages
    methods = _constants(ROOT / "app_pages" / "hotspots.py")["METHODS"]
    assert isinstance(methods, tuple)
    hotspot_rows = {
        row[1].split(":", 1)[1].strip() for row in rows if row[1].startswith("Hotspots:")
    }
    assert set(methods) <= hotspot_rows


def test_one_sided_rows_say_why_and_packages_exist() -> None:
    for analysis, app, command, packages, why in _rows():
        if "—" in (app, command):
            assert why, f"{analysis}: one side is missing and the README does not say why"
        for module in re.findall(r"`([a-z_.]+)`", packages):
            importlib.import_module(module)
