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
