from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "tools" / "gen_package_exports.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


@pytest.mark.parametrize("package", sorted(GEN.PACKAGES))
def test_package_exports_every_public_name_of_its_modules(package: str) -> None:
    module = importlib.import_module(package)
    expected = GEN.public_names(package)
    assert set(module.__all__) == set(expected), "run tools/gen_package_exports.py"
    for name, source in expected.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        _ = module.not_a_name


def test_generator_refuses_a_public_name_listed_by_two_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text('__all__ = ["KINDS", "only_a"]\n', encoding="utf-8")
    (package / "b.py").write_text('__all__ = ["KINDS"]\n', encoding="utf-8")
    (package / "_private.py").write_text('__all__ = ["KINDS"]\n', encoding="utf-8")
    monkeypatch.setattr(GEN, "ROOT", tmp_path)
    with pytest.raises(ValueError, match=r"pkg\.KINDS is listed by both pkg\.a and pkg\.b"):
        GEN.public_names("pkg")
    (package / "b.py").write_text('__all__ = ["only_b"]\n', encoding="utf-8")
    assert GEN.public_names("pkg") == {"KINDS": "pkg.a", "only_a": "pkg.a", "only_b": "pkg.b"}


def test_site_kinds_come_from_the_sites_module() -> None:
    spatial = importlib.import_module("spatial")
    sites = importlib.import_module("spatial.sites")
    assert spatial.SITE_KINDS is sites.SITE_KINDS
