"""The lab, driven through its CLI (`python -m lab`) in the project directory under test, and ssh to its nodes.

Only lab names starting with `bench` are used, so other people's labs and the integration tests' are left alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "bench"


class BenchError(RuntimeError):
    """A benchmark step failed; the message names the step."""


@dataclass(frozen=True)
class LabNode:
    name: str
    address: str


@dataclass(frozen=True)
class Lab:
    """A running lab of the project at `project`."""

    name: str
    project: Path
    python: str
    nodes: tuple[LabNode, ...]

    def node(self, name: str) -> LabNode:
        return next(n for n in self.nodes if n.name == name)

    def ssh(self, node: str, script: str, *, timeout: float = 600, check: bool = True) -> str:
        """Run a shell script as root on `node`; its stdout. A failure raises with its output."""
        result = subprocess.run(
            [self.python, "-m", "lab", "ssh", "--name", self.name, node, "--", script],
            cwd=self.project,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            output = (result.stdout + result.stderr)[-3000:]
            raise BenchError(f"{self.name}/{node}: `{script[:80]}` exited {result.returncode}:\n{output}")
        return result.stdout

    def install_packages(self, node: str) -> None:
        """kubelet, kubeadm and kubectl from the lab's repository, as an operator installs them by hand."""
        _lab_cli(self.project, self.python, "install-packages", "--name", self.name, node)

    def package_source(self) -> dict[str, str]:
        """The `kubeadm:packages` setting that points a stack at the lab's repository."""
        return json.loads(_lab_cli(self.project, self.python, "package-source", "--name", self.name))

    def key_path(self) -> Path:
        out = subprocess.run(
            [self.python, "-m", "lab", "key-path"], cwd=self.project, capture_output=True, text=True, check=True
        )
        return Path(out.stdout.strip())


def _lab_cli(project: Path, python: str, *args: str, timeout: float = 900) -> str:
    result = subprocess.run([python, "-m", "lab", *args], cwd=project, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise BenchError(f"python -m lab {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result.stdout


def up(name: str, nodes: int, project: Path, python: str = sys.executable) -> tuple[Lab, float]:
    """A fresh lab of `nodes` nodes (any lab of that name is removed first) and the seconds `up` took."""
    if not name.startswith(PREFIX):
        raise BenchError(f"lab name {name!r}: benchmarks use only labs named {PREFIX}*")
    down(name, project, python)
    started = time.monotonic()
    try:
        out = _lab_cli(project, python, "up", "--name", name, "--nodes", str(nodes), "--no-stack-config")
    except BenchError:
        down(name, project, python)  # leave no half-booted nodes behind
        raise
    seconds = time.monotonic() - started
    parsed = tuple(LabNode(*line.split("\t")[:2]) for line in out.splitlines() if "\t" in line)
    if len(parsed) != nodes:
        raise BenchError(f"lab {name}: expected {nodes} nodes, `up` printed:\n{out}")
    return Lab(name=name, project=project, python=python, nodes=parsed), seconds


def down(name: str, project: Path, python: str = sys.executable) -> None:
    """Remove the lab (nothing happens when it is not up)."""
    if not name.startswith(PREFIX):
        raise BenchError(f"lab name {name!r}: benchmarks use only labs named {PREFIX}*")
    _lab_cli(project, python, "down", "--name", name)


def status(name: str, project: Path, python: str = sys.executable) -> list[dict[str, object]]:
    return json.loads(_lab_cli(project, python, "status", "--name", name, "--json") or "[]")
