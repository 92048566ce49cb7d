"""The folders of components/ import only what their docstrings allow, so the layout keeps saying what depends on
what (render stays pure, the remote primitives stay at the bottom, only the phase list sees everything)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

COMPONENTS = ROOT / "components"
# Folder -> the components packages its modules may import (besides their own folder and components.constants).
ALLOWED = {
    "config": set(),
    "remote": {"config"},
    "render": {"config", "pki"},
    "pki": {"config", "remote"},
    "node": {"config", "remote", "render", "pki"},
    "phases": {"config", "remote", "render", "pki"},
    "etcd": {"config", "remote", "render", "pki", "node"},
    "join": {"config", "remote", "render", "pki", "node", "phases", "etcd"},
    "rollout": {"config", "remote", "render", "pki", "node", "phases", "join"},
}
PURE = {"render"}  # no Pulumi at all, nor any module that imports it


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names |= {f"{base}.{a.name}" for a in node.names} if base == "components" else {base}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


MODULES = sorted(p for folder in ALLOWED for p in (COMPONENTS / folder).glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(COMPONENTS)) for p in MODULES])
def test_a_module_imports_only_what_its_folder_may(path: Path) -> None:
    folder = path.parent.name
    allowed = ALLOWED[folder] | {folder, "constants"}
    for name in imports(path):
        if name.startswith("components."):
            package = name.split(".")[1]
            assert package in allowed, (
                f"{path.relative_to(ROOT)} imports {name}: {folder}/ may import {sorted(allowed)}"
            )
        if folder in PURE:
            assert not name.startswith("pulumi"), f"{path.relative_to(ROOT)} imports {name}: {folder}/ is pure"
            if name.startswith("components."):
                module = ROOT / Path(*name.split(".")).with_suffix(".py")
                if module.exists():
                    impure = [n for n in imports(module) if n.startswith("pulumi")]
                    assert not impure, f"{path.relative_to(ROOT)} imports {name}, which imports {impure}"


def test_every_folder_is_in_the_table() -> None:
    folders = {p.name for p in COMPONENTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED)
