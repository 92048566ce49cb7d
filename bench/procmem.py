"""Peak resident memory (VmHWM) of the processes a command starts, by polling /proc while it runs.

VmHWM only grows, so the last value read before a process exits is its peak up to the last poll (every
`interval` seconds). Processes are grouped by what they are: the Pulumi program (python running the project's
`__main__.py` through the language host), the command provider, the Python dynamic provider (keys and
certificates), the language host and the CLI itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from bench.polling import Poller

PROC = Path("/proc")

# (group, substring of the command line); the first match wins.
GROUPS: tuple[tuple[str, str], ...] = (
    ("command_provider", "pulumi-resource-command"),
    ("dynamic_provider", "pulumi-resource-pulumi-python"),
    ("dynamic_provider", "pulumi.dynamic"),
    ("language_host", "pulumi-language-python "),
    ("program", "python"),
    ("cli", "pulumi"),
)


def classify(cmdline: str) -> str | None:
    """The group of a process by its command line (NUL-separated as in /proc), or None for others (ssh...)."""
    text = cmdline.replace("\0", " ")
    if os.path.basename(text.split(" ", 1)[0]) == "pulumi-language-python":
        return "language_host"
    for group, needle in GROUPS:
        if needle in text:
            return group
    return None


def parse_hwm_kib(status_text: str) -> int | None:
    """VmHWM in KiB from a /proc/<pid>/status text."""
    for line in status_text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _children(pid: int) -> Iterable[int]:
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            yield from (int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue


def descendants(root: int) -> set[int]:
    seen: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(_children(pid))
    return seen


class PeakMemory(Poller):
    """Polls the process tree under `root` in a thread; `peaks_mib` maps group -> highest VmHWM seen (MiB)."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        super().__init__(interval)
        self.root = root
        self.peaks_kib: dict[str, int] = {}

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        for pid in descendants(self.root):
            try:
                group = classify((PROC / str(pid) / "cmdline").read_text())
                hwm = parse_hwm_kib((PROC / str(pid) / "status").read_text()) if group else None
            except OSError:
                continue
            if group and hwm is not None:
                self.peaks_kib[group] = max(self.peaks_kib.get(group, 0), hwm)

    @property
    def peaks_mib(self) -> dict[str, float]:
        return {group: kib / 1024 for group, kib in sorted(self.peaks_kib.items())}
