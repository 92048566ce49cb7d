"""Cgroups of its own for every lab node, as a machine's systemd gives each container (machine-<name>.scope).

The lab's machine has no systemd as PID 1, so nspawn keeps the cgroups of whoever started it (--keep-unit), and
every node of every lab would share one: one kubepods.slice for all kubelets. Each kubelet then takes the other
nodes' pods for orphans of its own and keeps trying to remove their cgroups (seen: node-1's kubelet logging
"Failed to destroy orphaned pod cgroup" for pods of another lab, and a static pod not replaced within 240 s), and
nodes booting side by side race on nspawn's payload cgroup. Here each node's nspawn starts inside
`<the caller's cgroup>/kubeadm-pulumi-lab/<machine>` of every hierarchy; nspawn's cgroup namespace then makes
that the node's root, so a node sees its own cgroups only, as a separate host would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from .paths import LabError

PARENT = "kubeadm-pulumi-lab"
ENTER = Path(__file__).resolve().parent / "cgroup-exec.sh"


def hierarchies(mounts: str, cgroups: str) -> list[Path]:
    """The directory of the current process in every cgroup hierarchy, from /proc/self/mounts and
    /proc/self/cgroup (`id:controllers:path`; id 0 with no controllers is the unified cgroup2 hierarchy)."""
    points: list[tuple[str, set[str], Path]] = []
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] in ("cgroup", "cgroup2"):
            points.append((fields[2], set(fields[3].split(",")), Path(fields[1])))
    found = []
    for line in cgroups.splitlines():
        _, controllers, path = line.split(":", 2)
        wanted = set(controllers.split(",")) if controllers else set()
        for fstype, options, point in points:
            if (fstype == "cgroup2" and not wanted) or (fstype == "cgroup" and wanted and wanted <= options):
                found.append(point / path.lstrip("/"))
                break
    return found


def node_cgroups(machine: str) -> list[Path]:
    """Where node `machine` runs, one directory per hierarchy."""
    mine = hierarchies(Path("/proc/self/mounts").read_text(), Path("/proc/self/cgroup").read_text())
    return [base / PARENT / machine for base in mine]


def prepare(machine: str) -> dict[str, str]:
    """Fresh, empty cgroups for node `machine` (what an earlier boot left is removed); the environment that makes
    lab/cgroup-exec.sh start the node inside them."""
    remove(machine)
    dirs = node_cgroups(machine)
    for directory in dirs:
        directory.mkdir(parents=True, exist_ok=True)
        if (directory / "cpuset.cpus").exists():
            # A new cpuset takes no process until it has CPUs and memory nodes: those of its parent.
            for step in (directory.parent, directory):
                for name in ("cpuset.cpus", "cpuset.mems"):
                    if not (step / name).read_text().strip():
                        (step / name).write_text((step.parent / name).read_text())
    return {"LAB_CGROUPS": "\n".join(str(d) for d in dirs)}


def _tree(directory: Path) -> list[Path]:
    """`directory` and every cgroup below it, deepest first (the order rmdir needs)."""
    below = [p for p in directory.rglob("*") if p.is_dir()]
    return [*sorted(below, key=lambda p: len(p.parts), reverse=True), directory]


def remove(machine: str, timeout: float = 10.0) -> None:
    """Remove node `machine`'s cgroups, SIGKILLing anything of it still in them (the node is stopped)."""
    deadline = time.monotonic() + timeout
    for directory in node_cgroups(machine):
        while directory.exists():
            busy = []
            for cgroup in _tree(directory):
                with contextlib.suppress(FileNotFoundError):
                    for pid in (cgroup / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    try:
                        cgroup.rmdir()
                    except OSError:
                        busy.append(cgroup)
            if not busy:
                break
            if time.monotonic() > deadline:
                raise LabError(f"{machine}: cgroup {busy[0]} cannot be removed (processes of the node remain)")
            time.sleep(0.1)
