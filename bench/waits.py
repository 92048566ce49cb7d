"""The unavoidable waits of a create, read from the cluster and its nodes right after it (P5).

- etcd ready: the etcd container's first log line to its "ready to serve client requests" line.
- API server ready: the first control-plane container's first log line to the API server's own bootstrap objects
  (namespace kube-system, the system priority classes), which exist once it serves with etcd behind it.
- TLS bootstrap: a worker's last kubelet (re)start to its Node object's creation.

The control-plane wait includes etcd's (they overlap); workers join in parallel under Pulumi and one after the
other under kubeadm, so the critical path counts the control-plane wait plus the longest bootstrap, and the sum
counts every bootstrap. Kubernetes timestamps have one-second resolution, so each wait is good to about a second.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from bench.labs import Lab

_K = "kubectl --kubeconfig=/etc/kubernetes/admin.conf"
CONTROL_PLANE_PROBE = f"""\
first() {{
  f=$(ls /var/log/pods/kube-system_$1-*/$1/0.log 2>/dev/null | head -n1)
  [ -n "$f" ] && head -n1 "$f" | cut -d' ' -f1
}}
echo "etcd_start $(first etcd)"
echo "apiserver_start $(first kube-apiserver)"
f=$(ls /var/log/pods/kube-system_etcd-*/etcd/0.log | head -n1)
echo "etcd_ready $(grep -m1 'ready to serve client requests' "$f" | cut -d' ' -f1)"
for o in namespace/kube-system priorityclass/system-node-critical priorityclass/system-cluster-critical; do
  echo "api_object $({_K} get "$o" -o jsonpath='{{.metadata.creationTimestamp}}')"
done
{_K} get nodes -o jsonpath='{{range .items[*]}}node {{.metadata.name}} {{.metadata.creationTimestamp}}{{"\\n"}}{{end}}'
"""
WORKER_PROBE = 'date -d "$(systemctl show -p ActiveEnterTimestamp --value kubelet)" +%s'


@dataclass(frozen=True)
class Waits:
    """Seconds of each unavoidable wait, and the two totals P5 divides by."""

    etcd_ready: float
    api_server_ready: float
    tls_bootstrap: dict[str, float]
    critical_path: float
    sum_all: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def parse_time(text: str) -> float:
    """Epoch seconds of an RFC 3339 timestamp (Kubernetes' or CRI's, with nanoseconds) or of a plain number."""
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    text = text.replace("Z", "+00:00")
    if "." in text:  # fromisoformat takes at most microseconds
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    return datetime.datetime.fromisoformat(text).timestamp()


def compute(control_plane_report: str, kubelet_starts: Mapping[str, float]) -> Waits:
    """Waits from CONTROL_PLANE_PROBE's output and each worker's kubelet start (epoch seconds)."""
    values: dict[str, list[str]] = {}
    nodes: dict[str, float] = {}
    for line in control_plane_report.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "node":
            nodes[parts[1]] = parse_time(parts[2])
        elif len(parts) == 2:
            values.setdefault(parts[0], []).append(parts[1])
    etcd_start = parse_time(values["etcd_start"][0])
    start = min(etcd_start, parse_time(values["apiserver_start"][0]))
    api_ready = max(parse_time(v) for v in values["api_object"])
    bootstrap = {name: max(0.0, nodes[name] - kubelet_starts[name]) for name in kubelet_starts}
    cp_wait = max(0.0, api_ready - start)
    return Waits(
        etcd_ready=parse_time(values["etcd_ready"][0]) - etcd_start,
        api_server_ready=cp_wait,
        tls_bootstrap=bootstrap,
        critical_path=cp_wait + max(bootstrap.values(), default=0.0),
        sum_all=cp_wait + sum(bootstrap.values()),
    )


def measure(lab: Lab, workers: list[str]) -> Waits:
    """Read the waits of the cluster just created on `lab` (control plane on its first node)."""
    report = lab.ssh(lab.nodes[0].name, CONTROL_PLANE_PROBE)
    starts = {w: float(lab.ssh(w, WORKER_PROBE).strip()) for w in workers}
    return compute(report, starts)
