"""Integration tier: the real Pulumi CLI, language host and command provider against lab hosts.

Each test module gets its own lab (a separate bridge and subnet, so a user's `make lab` is left alone), its own
file backend and a throwaway copy of the project, so `stacks/` in the work tree is never touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from project import VENV_BIN
from stack import Stack, command_plugin, new_stack


def pytest_report_header() -> str:
    plugin = command_plugin()
    return f"command plugin: {plugin or 'the one make setup installed (resource-command-v1.0.1)'}"


def require_toolchain() -> None:
    """Integration tests must not silently pass: a missing toolchain or non-root run is a hard failure."""
    assert (VENV_BIN / "pulumi").exists(), f"run `make setup` first: no pulumi in {VENV_BIN}"
    assert os.geteuid() == 0, "the lab needs root (network namespaces, systemd-nspawn)"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_toolchain()
    return tmp_path_factory.mktemp("pulumi")


@pytest.fixture(scope="module")
def make_stack(workspace: Path) -> Iterator:
    """Factory: a stack named NAME in a fresh project copy, on a file backend inside the workspace."""
    created: list[Stack] = []

    def make(name: str) -> Stack:
        stack = new_stack(name, workspace / f"project-{name}", workspace / "backend", workspace / "plugins")
        created.append(stack)
        return stack

    yield make
    for stack in created:
        # Leave nothing behind on the hosts even when a test failed half-way.
        stack.pulumi("destroy", "--yes", "--skip-preview", check=False)
    shutil.rmtree(workspace / "backend", ignore_errors=True)
