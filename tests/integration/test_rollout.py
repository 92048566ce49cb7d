"""The rolling chain on the lab: a change to what the control planes run restarts their API servers one at a time,
each behind its health gate, while the endpoint answers every poll; a worker's label touches no control plane; a
kubelet change rolls the worker through drain, restart and uncordon."""

from __future__ import annotations

import base64
import itertools
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from lab_hosts import LEFTOVERS, lab_nodes, on_host, run_kubectl, started

import lab

pytestmark = pytest.mark.integration

LAB = "itest-rollout"
POLL_SECONDS = 0.5


nodes = lab_nodes(LAB, 4, load_balancer=True)


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


def apiserver_started(node) -> str:
    return started(node, "kube-apiserver")["kube-apiserver"]


def test_changes_roll_one_node_at_a_time(nodes, make_stack, tmp_path):
    cp1, cp2, cp3, worker = nodes
    control_planes = (cp1, cp2, cp3)
    endpoint = f"{lab.load_balancer_address(LAB)}:6443"
    stack = make_stack("rollout")
    stack.set_config(
        {
            "clusterName": "rollout",
            "controlPlaneEndpoint": endpoint,
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "controlPlanes": [{"name": h.name, "address": h.address} for h in control_planes],
            "workers": [{"name": worker.name, "address": worker.address}],
            "kubeletConfiguration": {"failCgroupV1": False},
        }
    )
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    before = {h.name: apiserver_started(h) for h in control_planes}

    # An API server flag on every control plane: each restarts, one after the other, behind its gate.
    stack.set_config({"apiServer": {"extraArgs": {"event-ttl": "2h0m0s"}}})
    # Through the endpoint: a real read as the admin, what a client needs answered; each node's own /readyz shows
    # when its API server was out.
    through = Poller(endpoint, "/api/v1/namespaces/kube-system", client_files(kubeconfig, tmp_path))
    direct = {h.name: Poller(f"{h.address}:6443") for h in control_planes}
    started = time.monotonic()
    stack.pulumi("up", "--yes", "--skip-preview")
    took = time.monotonic() - started
    time.sleep(2 * POLL_SECONDS)
    for poller in (through, *direct.values()):
        poller.stop()
    after = {h.name: apiserver_started(h) for h in control_planes}
    for h in control_planes:
        assert after[h.name] != before[h.name], f"{h.name}'s API server did not restart"
        assert "--event-ttl=2h0m0s" in on_host(h, "tr '\\0' ' ' < /proc/$(pgrep -o -f '^kube-apiserver ')/cmdline")
    windows = [direct[h.name].down_window() for h in control_planes]
    assert all(windows), f"every API server was down for a moment: {windows}"
    for (_, end), (next_start, _) in itertools.pairwise(windows):  # type: ignore[misc]
        assert end < next_start, f"two API servers were down at once: {windows}"
    assert through.failed() == [], (
        f"{len(through.failed())} of {len(through.samples)} polls through the endpoint failed: {through.failed()}; "
        f"the API servers were down (s since start): {windows}"
    )
    print(
        f"\n[rollout] extra arg on 3 control planes: {took:.1f}s; {len(through.samples)} polls through the endpoint, "
        f"0 failed; each API server down (s since start): "
        + ", ".join(f"{h.name} {w[0]:.1f}-{w[1]:.1f}" for h, w in zip(control_planes, windows, strict=True))  # type: ignore[index]
    )
    stack.pulumi("preview", "--expect-no-changes")

    # A worker's label: only its mark step changes; no control plane restarts anything.
    stack.set_config({"workers": [{"name": worker.name, "address": worker.address, "labels": {"tier": "web"}}]})
    preview = json.loads(stack.pulumi("preview", "--json").stdout)
    changed = sorted(s["urn"].rsplit("::", 1)[1] for s in preview["steps"] if s["op"] not in ("same", "read"))
    assert changed == [f"join-{worker.name}-mark"], changed
    stack.pulumi("up", "--yes", "--skip-preview")
    assert {h.name: apiserver_started(h) for h in control_planes} == after
    labels = json.loads(run_kubectl(kubeconfig, "get", "node", worker.name, "-o", "jsonpath={.metadata.labels}").stdout)
    assert labels["tier"] == "web"

    # A kubelet setting: the control planes' kubelets restart one at a time behind their gates, the worker is
    # drained, restarted and uncordoned.
    stack.set_config({"kubeletConfiguration": {"failCgroupV1": False, "maxPods": 100}})
    result = stack.pulumi("up", "--yes", "--skip-preview")
    output = result.stdout + result.stderr
    for step in (f"rollout-{worker.name}-drain", f"rollout-{worker.name}", f"rollout-{worker.name}-uncordon"):
        assert step in output, step
    configz = json.loads(run_kubectl(kubeconfig, "get", "--raw", f"/api/v1/nodes/{worker.name}/proxy/configz").stdout)
    assert configz["kubeletconfig"]["maxPods"] == 100
    node = json.loads(run_kubectl(kubeconfig, "get", "node", worker.name, "-o", "json").stdout)
    assert not node["spec"].get("unschedulable"), "the worker was left cordoned"
    stack.pulumi("preview", "--expect-no-changes")

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in nodes:
        assert on_host(host, LEFTOVERS).split() == ["inactive"], host.name
