"""The model, schema and evidence packages: one module per subject, every public name importable from the
package as it was from the single module it replaced, and no name defined twice."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "generator.model": (),
    "generator.schema": (),
    # the comparison rules and the file's replication section are used by their module's name
    "generator.evidence": ("replication",),
}


def _defined(path: Path) -> list[str]:
    """The public names a module defines at its top level (classes, functions, assignments)."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def _modules(package: str) -> list[tuple[str, Path]]:
    folder = ROOT.joinpath(*package.split("."))
    return [(p.stem, p) for p in sorted(folder.glob("*.py")) if p.stem != "__init__"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_public_name_is_exported_by_the_package(package: str) -> None:
    top: ModuleType = importlib.import_module(package)
    exported = set(top.__all__)
    checked = 0
    for stem, path in _modules(package):
        if stem in PACKAGES[package]:
            continue
        module = importlib.import_module(f"{package}.{stem}")
        for name in _defined(path):
            assert name in exported, f"{package}.{stem}.{name} is not in {package}.__all__"
            assert getattr(top, name) is getattr(module, name), f"{package}.{name} is another object"
            checked += 1
    assert checked >= 20, f"only {checked} names found in {package}: the test reads nothing"
    assert len(top.__all__) == checked, f"{package}.__all__ names something no module defines"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_name_is_defined_in_two_modules(package: str) -> None:
    seen: dict[str, str] = {}
    for stem, path in _modules(package):
        for name in _defined(path):
            assert name not in seen, f"{name} is defined in both {seen[name]} and {stem}"
            seen[name] = stem
    assert seen


def test_no_module_lies_beside_its_package() -> None:
    """A ``model.py`` beside ``model/`` would be shadowed by the package, silently."""
    for package in PACKAGES:
        assert not ROOT.joinpath(*package.split(".")).with_suffix(".py").exists(), package
