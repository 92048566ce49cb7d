"""Running commands on lab hosts from tests."""

from __future__ import annotations

import subprocess

import lab


def on_host(node, script: str, stdin: str | None = None, check: bool = True) -> str:
    """Run a shell script on a lab node as root over SSH; its stdout (a failure fails the test, with output)."""
    result = subprocess.run(
        lab.ssh_argv(node.address, [script]), input=stdin, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"
    return result.stdout
