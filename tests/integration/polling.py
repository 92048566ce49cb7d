"""Polling the API from a test while a run changes the cluster: what a client saw, and when each server was out."""

from __future__ import annotations

import base64
import itertools
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import lab

POLL_SECONDS = 0.5


@dataclass
class Poller:
    """GET https://<target><path> every POLL_SECONDS in a thread, as `client` (cert and key files) when given:
    (seconds since start, answered 200, what came back when it did not)."""

    target: str
    path: str = "/readyz"
    client: tuple[str, str] | None = None
    samples: list[tuple[float, bool, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._context = ssl.create_default_context()
        self._context.check_hostname, self._context.verify_mode = False, ssl.CERT_NONE
        if self.client:
            self._context.load_cert_chain(*self.client)
        self._started = time.monotonic()
        self.wall_start = time.time()  # to set the samples beside host logs
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            url = f"https://{self.target}{self.path}"
            try:
                with urllib.request.urlopen(url, timeout=3, context=self._context) as answer:
                    ok, detail = answer.status == 200, f"HTTP {answer.status}"
            except urllib.error.HTTPError as error:
                ok, detail = False, f"HTTP {error.code}: {error.read()[:200]!r}"
            except OSError as error:
                ok, detail = False, repr(error)
            self.samples.append((began - self._started, ok, detail))
            self._stop.wait(max(0.0, POLL_SECONDS - (time.monotonic() - began)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def failed(self) -> list[tuple[float, str]]:
        return [(round(t, 1), detail) for t, ok, detail in self.samples if not ok]

    def down_window(self) -> tuple[float, float] | None:
        """From the first failed poll to the last one, or None when every poll answered."""
        failed = [t for t, ok, _ in self.samples if not ok]
        return (failed[0], failed[-1]) if failed else None


def client_files(kubeconfig: Path, into: Path) -> tuple[str, str]:
    """The admin kubeconfig's client certificate and key as files, for a poller."""
    user = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]
    cert, key = into / "admin.crt", into / "admin.key"
    cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
    key.write_bytes(base64.b64decode(user["client-key-data"]))
    key.chmod(0o600)
    return str(cert), str(key)


@dataclass
class WatchedUp:
    """What a `pulumi up` watched by `up_watched` took and what the pollers saw."""

    seconds: float
    through: Poller
    # When each control plane's own API server was out (None: never), in the order of the hosts.
    windows: list[tuple[float, float] | None]
    direct: list[Poller] = field(default_factory=list)

    def failures(self, lab_name: str, control_planes) -> str:
        """The polls through the endpoint that failed, each with what every API server's own /readyz said around
        it, and what the load balancer logged of its servers going down and up: what a failed assertion needs."""
        lines = []
        for t, detail in self.through.failed():
            lines.append(f"at {t:.1f}s ({_clock(self.through.wall_start + t)}): {detail}")
            for host, poller in zip(control_planes, self.direct, strict=True):
                near = [f"{u:.1f}{'+' if ok else '-'}" for u, ok, _ in poller.samples if abs(u - t) <= 3]
                lines.append(f"  {host.name} /readyz: {' '.join(near)}")
        since = _clock(self.through.wall_start - 5)
        lb = subprocess.run(
            lab.ssh_argv(lab.load_balancer_address(lab_name), [f"journalctl -u haproxy -o short-precise --since {since}"]),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        lines += [
            "haproxy:",
            *[x for x in lb.stdout.splitlines() if "is DOWN" in x or "is UP" in x or "no server" in x],
        ]
        return "\n".join(lines)


def up_watched(
    stack, endpoint: str, control_planes, kubeconfig: Path, into: Path, event_log: Path | None = None
) -> WatchedUp:
    """`pulumi up` while polling through the endpoint as the admin (a real read, what a client needs answered) and
    each control plane's own /readyz (when its API server was out); `event_log`: where the run's engine events go."""
    through = Poller(endpoint, "/api/v1/namespaces/kube-system", client_files(kubeconfig, into))
    direct = [Poller(f"{h.address}:6443") for h in control_planes]
    began = time.monotonic()
    if event_log is not None:
        stack.env["PULUMI_DEBUG_COMMANDS"] = "true"  # `--event-log` is one of the CLI's debug flags (3.260)
    stack.pulumi("up", "--yes", "--skip-preview", *(["--event-log", str(event_log)] if event_log else []))
    took = time.monotonic() - began
    time.sleep(2 * POLL_SECONDS)
    for poller in (through, *direct):
        poller.stop()
    return WatchedUp(seconds=took, through=through, windows=[p.down_window() for p in direct], direct=direct)


def assert_one_down_at_a_time(windows: list[tuple[float, float] | None]) -> None:
    """Every API server was out for a moment (it restarted), and no two at once."""
    assert all(windows), f"every API server was down for a moment: {windows}"
    for (_, end), (next_start, _) in itertools.pairwise(windows):  # type: ignore[misc]
        assert end < next_start, f"two API servers were down at once: {windows}"


def _clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch)) + f".{int(epoch % 1 * 10)}"
