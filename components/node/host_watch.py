"""The host watch: while `pulumi up` runs, every host's SSH port is probed every few seconds, and a host that
stops answering is named at once as a warning, with what that means for the step running on it.

Why: a host that vanishes mid-command is noticed by the command plugin only when its connection's TCP keep-alive
gives up (about 150 s, with upstream's plugin as with ours; neither has a per-command timeout). The run then fails
naming the step; this says which host within seconds, so an operator watching knows what the silence is.
Not a resource: it runs in the program, only during an update (never in a preview), and ends with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pulumi

from components.config import Host
from components.node.host_inventory import answers

INTERVAL_SECONDS = 2.0
# Consecutive failed probes before a host counts as gone: one lost connect is not an outage.
MISSES = 2


class HostWatch:
    """What the probes of each round say: a line for each host that stopped answering or answers again."""

    def __init__(self, hosts: Sequence[Host], probe: Callable[[str, int, float], bool]) -> None:
        self.hosts = list(hosts)
        self.probe = probe
        self.answered: set[str] = set()  # hosts seen answering this run: only they can stop
        self.misses: dict[str, int] = {}
        self.gone: dict[str, float] = {}

    def round(self, results: Sequence[bool], now: float) -> list[tuple[str, str]]:
        """(severity, message) for the hosts whose state changed, given this round's probe results."""
        said: list[tuple[str, str]] = []
        for host, ok in zip(self.hosts, results, strict=True):
            where = host.display
            if ok:
                self.misses[host.name] = 0
                self.answered.add(host.name)
                if host.name in self.gone:
                    lost = now - self.gone.pop(host.name)
                    said.append(("info", f"{where} answers on SSH port {host.ssh.port} again, after {lost:.0f}s"))
                continue
            self.misses[host.name] = self.misses.get(host.name, 0) + 1
            if host.name in self.answered and host.name not in self.gone and self.misses[host.name] >= MISSES:
                self.gone[host.name] = now
                said.append(
                    (
                        "warn",
                        f"{where} stopped answering on SSH port {host.ssh.port} during the run: a step running on it "
                        "fails once its connection gives up (the SSH client's TCP keep-alive, about 150 s); when the "
                        "host is back, rerun pulumi up",
                    )
                )
        return said


def start(hosts: Sequence[Host]) -> None:
    """Watch `hosts` for the rest of an update, in a thread that ends with the program."""
    if pulumi.runtime.is_dry_run() or not hosts:
        return
    threading.Thread(target=_run, args=(HostWatch(hosts, answers),), name="host-watch", daemon=True).start()


def _run(watch: HostWatch) -> None:
    log = {"warn": pulumi.log.warn, "info": pulumi.log.info}
    with ThreadPoolExecutor(max_workers=min(32, len(watch.hosts))) as pool:
        while True:
            began = time.monotonic()
            results = list(pool.map(lambda h: watch.probe(h.address, h.ssh.port, INTERVAL_SECONDS), watch.hosts))
            try:
                for severity, message in watch.round(results, time.monotonic()):
                    log[severity](message)
            except Exception:
                return
            time.sleep(max(0.0, INTERVAL_SECONDS - (time.monotonic() - began)))
