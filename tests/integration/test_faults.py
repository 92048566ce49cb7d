"""Hosts that vanish in the middle of a step (issue 19): a worker cut off the network during its join, a worker
rebooted during its kubelet-start (the join's TLS bootstrap), a control plane stopped during its etcd member add.
Each run fails within the bound, naming the node; once the node is back, the next `pulumi up` converges: every Node
Ready, etcd healthy with no learner or stale member, no bootstrap token left valid, nothing left to change."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lab_hosts import etcd_members, lab_nodes, on_host, run_kubectl
from project import VENV_BIN
from stack import Stack

import lab

pytestmark = pytest.mark.integration

LAB = "itest-faults"
# The longest a run may take from the fault to its error. A host that vanishes mid-command is noticed by the TCP
# keep-alive of the plugin's SSH connection (Go's default: 15 s idle, then 9 probes 15 s apart), since neither
# upstream's plugin nor ours offers a timeout of its own; a host that is back sooner answers the next probe with a
# reset, and one that never answered fails the dial within seconds.
BOUND_SECONDS = 200


nodes = lab_nodes(LAB, 4, load_balancer=True)


@dataclass
class FaultyRun:
    """`pulumi up` in the background, its event log followed: `fault` is applied once `when` holds for an event
    (or for the host), and the first error reported after it is timed."""

    stack: Stack
    events: Path
    fault: Callable[[], None]
    when: Callable[[dict], bool]
    faulted_at: float | None = None
    error_at: float | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[tuple[float, str]] = field(default_factory=list)  # (when it was seen, message)
    _faulting: threading.Thread | None = None

    def run(self) -> subprocess.CompletedProcess[str]:
        argv = [str(VENV_BIN / "pulumi"), "up", "--yes", "--skip-preview", "--non-interactive"]
        argv += ["--stack", self.stack.name, "--event-log", str(self.events)]
        env = {**self.stack.env, "PULUMI_DEBUG_COMMANDS": "true"}
        process = subprocess.Popen(
            argv,
            cwd=self.stack.project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        watcher = threading.Thread(target=self._watch, args=(process,), daemon=True)
        watcher.start()
        try:
            output, _ = process.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            process.kill()  # never left running into the next test, which would find the stack locked
            output, _ = process.communicate()
            pytest.fail(f"pulumi up still ran 900 s after it began (fault at {self.faulted_at}):\n{output[-3000:]}")
        watcher.join(timeout=10)
        if self._faulting is not None:
            self._faulting.join(timeout=300)  # the node back (or cut off) as the fault leaves it
        return subprocess.CompletedProcess(argv, process.returncode, output, "")

    def _watch(self, process: subprocess.Popen) -> None:
        seen = 0
        while True:
            running = process.poll() is None
            lines = self.events.read_text().splitlines() if self.events.exists() else []
            for line in lines[seen:]:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line still being written: read it again next time
                seen += 1
                if self.faulted_at is None and self.when(event):
                    self.faulted_at = time.monotonic()
                    # In a thread of its own: a reboot takes a while, and the error may come before it is over.
                    self._faulting = threading.Thread(target=self.fault, daemon=True)
                    self._faulting.start()
                diagnostic = event.get("diagnosticEvent") or {}
                if self.faulted_at is not None and diagnostic.get("severity") == "error":
                    self.errors.append(diagnostic)
                    self.error_at = self.error_at or time.monotonic()
                if self.faulted_at is not None and diagnostic.get("severity") == "warning":
                    self.warnings.append((time.monotonic(), diagnostic.get("message", "")))
            if not running:
                return
            time.sleep(0.2)

    @property
    def seconds(self) -> float:
        assert self.faulted_at is not None and self.error_at is not None, "no fault, or no error after it"
        return self.error_at - self.faulted_at


def step_starts(step: str) -> Callable[[dict], bool]:
    """An event predicate: the command step `step` (by its resource name) starts."""

    def starts(event: dict) -> bool:
        pre = event.get("resourcePreEvent", {}).get("metadata", {})
        return pre.get("type", "").startswith("command:") and pre.get("urn", "").endswith(f"::{step}")

    return starts


def host_shows(node, test: str, after: Callable[[dict], bool]) -> Callable[[dict], bool]:
    """An event predicate that holds once `after` held and then the shell `test` succeeds on the node (polled over
    SSH every 0.2 s, for up to 120 s)."""
    began = threading.Event()

    def holds(event: dict) -> bool:
        if after(event):
            began.set()
        if not began.is_set():
            return False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if on_host(node, f"if {test}; then echo yes; fi", check=False).strip() == "yes":
                return True
            time.sleep(0.2)
        return True

    return holds


# The step's script runs on the host: its session is set up and its stdin delivered. A host that vanishes before
# that, while the plugin still has data unacknowledged (the SSH handshake, the stdin), is given up on only after
# TCP's retransmissions (net.ipv4.tcp_retries2: ~15 min by default), since neither plugin sets TCP_USER_TIMEOUT;
# the README says so, and the host watch names the host within seconds either way.
RUNNING = "pgrep -f '^bash -s kubeadm_pulumi_' >/dev/null"


@pytest.fixture(scope="module")
def cluster(nodes, make_stack, workspace):
    cp1 = nodes[0]
    stack = make_stack("faults")
    stack.set_config(
        {
            "clusterName": "faults",
            "controlPlaneEndpoint": f"{lab.load_balancer_address(LAB)}:6443",
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "packages": lab.package_source(LAB),
            "controlPlanes": [{"name": cp1.name, "address": cp1.address}],
            "kubeletConfiguration": {"failCgroupV1": False},
        }
    )
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = workspace / "faults-admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    return stack, kubeconfig


def configure(stack, control_planes, workers) -> None:
    stack.set_config(
        {
            "controlPlanes": [{"name": h.name, "address": h.address} for h in control_planes],
            "workers": [{"name": h.name, "address": h.address} for h in workers],
        }
    )


def faulty_up(
    stack, tmp_path: Path, node, fault: Callable[[], None], when: Callable[[dict], bool], what: str
) -> FaultyRun:
    """A run with `fault` applied on `when`: it fails within the bound, its error naming the node."""
    run = FaultyRun(stack, tmp_path / "events.jsonl", fault, when)
    result = run.run()
    assert run.faulted_at is not None, f"the fault never came ({what}):\n{result.stdout[-3000:]}"
    assert result.returncode != 0, f"the run passed although {what}:\n{result.stdout[-3000:]}"
    assert run.seconds <= BOUND_SECONDS, f"{what}: the error came {run.seconds:.0f}s after the fault"
    messages = [f"{e.get('urn', '')} {e.get('message', '')}" for e in run.errors]
    named = [m for m in messages if node.name in m and node.address in m]
    assert named, f"{what}: no error names {node.name} and {node.address}: {messages}"
    assert not any("kubeadm_pulumi_create() {" in m for m in messages), "an error repeats the script"
    print(f"\n[faults] {what}: the error came {run.seconds:.1f}s after the fault: {named[0][:300]}")
    return run


def assert_converged(stack, kubeconfig: Path, control_planes, workers) -> None:
    """The next plain `pulumi up` converges: Nodes Ready, etcd whole, no valid token, nothing left to change."""
    stack.pulumi("up", "--yes", "--skip-preview")
    names = [h.name for h in (*control_planes, *workers)]
    run_kubectl(kubeconfig, "wait", "--for=condition=Ready", "--timeout=120s", *[f"node/{n}" for n in names])
    listed = json.loads(run_kubectl(kubeconfig, "get", "nodes", "-o", "json").stdout)["items"]
    assert sorted(n["metadata"]["name"] for n in listed) == sorted(names)
    members = etcd_members(control_planes[0])
    assert sorted(m.get("name", "") for m in members) == sorted(h.name for h in control_planes), members
    assert all(m["healthy"] and not m.get("isLearner") for m in members), json.dumps(members, indent=1)
    secrets = json.loads(
        run_kubectl(
            kubeconfig,
            "-n",
            "kube-system",
            "get",
            "secrets",
            "-o",
            "json",
            "--field-selector=type=bootstrap.kubernetes.io/token",
        ).stdout
    )["items"]
    valid = [s["metadata"]["name"] for s in secrets if "usage-bootstrap-authentication" in s["data"]]
    assert valid == [], f"bootstrap tokens left valid: {valid}"
    stack.pulumi("preview", "--expect-no-changes")


def test_worker_cut_off_during_its_join(nodes, cluster, tmp_path):
    stack, kubeconfig = cluster
    cp1, _, worker, _ = nodes
    configure(stack, [cp1], [worker])
    try:
        run = faulty_up(
            stack,
            tmp_path,
            worker,
            lambda: lab.disconnect_node(worker.name, LAB),
            host_shows(worker, RUNNING, step_starts(f"join-{worker.name}")),
            f"{worker.name} was cut off during join-{worker.name}",
        )
    finally:
        lab.disconnect_node(worker.name, LAB, connected=True)
    # The host watch names it long before the connection gives up.
    where = f"{worker.name} ({worker.address}) stopped answering"
    named = [at - run.faulted_at for at, message in run.warnings if where in message]  # type: ignore[operator]
    assert named, f"no warning names {worker.name}: {run.warnings}"
    print(f"[faults] the host watch named {worker.name} {named[0]:.1f}s after the fault")
    assert named[0] < 20, named
    assert_converged(stack, kubeconfig, [cp1], [worker])


def test_worker_rebooted_during_kubelet_start(nodes, cluster, tmp_path):
    stack, kubeconfig = cluster
    cp1, _, worker3, worker = nodes
    configure(stack, [cp1], [worker3, worker])

    def reboot() -> None:
        lab.stop_node(worker.name, LAB)
        lab.start_node(worker.name, LAB)

    # The join's kubelet-start: discovery wrote bootstrap-kubelet.conf and the kubelet is being started on it.
    faulty_up(
        stack,
        tmp_path,
        worker,
        reboot,
        host_shows(worker, "test -e /etc/kubernetes/bootstrap-kubelet.conf", step_starts(f"join-{worker.name}")),
        f"{worker.name} was rebooted during its kubelet-start",
    )
    assert_converged(stack, kubeconfig, [cp1], [worker3, worker])


def test_control_plane_stopped_during_its_etcd_member_add(nodes, cluster, tmp_path):
    stack, kubeconfig = cluster
    cp1, cp2, worker3, worker4 = nodes
    configure(stack, [cp1, cp2], [worker3, worker4])
    try:
        faulty_up(
            stack,
            tmp_path,
            cp2,
            lambda: lab.stop_node(cp2.name, LAB),
            # Its check-etcd runs right before the member add, which takes a fraction of a second: stopping a node
            # takes about as long, so the stop lands while etcd is being told about the new member.
            step_starts(f"join-{cp2.name}-check-etcd"),
            f"{cp2.name} was stopped during its etcd member add",
        )
    finally:
        lab.start_node(cp2.name, LAB)
    assert_converged(stack, kubeconfig, [cp1, cp2], [worker3, worker4])
