"""The baseline: real kubeadm on fresh lab nodes, as an operator's script would run it.

kubelet, kubeadm and kubectl installed from the lab's repository on each node in turn (Kubernetes' install docs'
apt steps), `kubeadm init` on the first node with the settings our stack config produces, then `kubeadm join` on
each worker one after the other with the token and CA hash init printed, until every node is registered
(`kubectl get nodes`). Our create installs the same packages, so both sides pay for them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from bench.labs import BenchError, Lab

# kubeadm preflight checks the lab cannot satisfy. SystemVerification: the lab's machine has only cgroup v1, which
# kubeadm 1.35+ reports as an error unless skipped (the kubelet itself runs with failCgroupV1: false, as our stack
# sets). Nothing else fails on lab nodes.
IGNORED_PREFLIGHT = ("SystemVerification",)

KUBEADM_CONFIG = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: {address}
  bindPort: 6443
nodeRegistration:
  name: {node}
  criSocket: unix:///var/run/containerd/containerd.sock
  kubeletExtraArgs:
  - name: node-ip
    value: {address}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: {cluster}
kubernetesVersion: {version}
imageRepository: {repository}
networking:
  podSubnet: {pod_subnet}
  serviceSubnet: {service_subnet}
  dnsDomain: {dns_domain}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
"""


@dataclass(frozen=True, kw_only=True)
class ClusterSettings:
    """What both sides build: the defaults of components/constants.py and the lab stack's kubelet setting."""

    cluster: str = "bench"
    version: str = "v1.37.2"
    repository: str = "registry.k8s.io"
    pod_subnet: str = "10.244.0.0/16"
    service_subnet: str = "10.96.0.0/12"
    dns_domain: str = "cluster.local"


@dataclass
class KubeadmRun:
    """Wall seconds of the whole create and of each step (init, join-<node>, registered)."""

    total: float
    steps: dict[str, float] = field(default_factory=dict)
    ignored_preflight: tuple[str, ...] = IGNORED_PREFLIGHT


_JOIN = re.compile(r"--token\s+(\S+)\s+\\?\s*--discovery-token-ca-cert-hash\s+(sha256:[0-9a-f]{64})")


def parse_join(init_output: str) -> tuple[str, str]:
    """(token, ca cert hash) from the `kubeadm join ...` command `kubeadm init` prints."""
    match = _JOIN.search(init_output)
    if match is None:
        raise BenchError(f"kubeadm init printed no join command:\n{init_output[-2000:]}")
    return match.group(1), match.group(2)


def create(lab: Lab, workers: list[str], settings: ClusterSettings | None = None) -> KubeadmRun:
    """Time `kubeadm init` on node-1, then `kubeadm join` of each worker in turn, until all Nodes are registered.

    The config file is written before the clock starts (an operator has it already)."""
    settings = settings or ClusterSettings()
    cp = lab.nodes[0]
    config = KUBEADM_CONFIG.format(address=cp.address, node=cp.name, **vars(settings))
    lab.ssh(cp.name, f"cat > /root/kubeadm.yaml <<'EOF'\n{config}EOF\n")
    ignore = ",".join(IGNORED_PREFLIGHT)
    steps: dict[str, float] = {}
    started = time.monotonic()
    for node in [cp.name, *workers]:
        t = time.monotonic()
        lab.install_packages(node)
        steps[f"packages-{node}"] = time.monotonic() - t
    t = time.monotonic()
    out = lab.ssh(cp.name, f"kubeadm init --config /root/kubeadm.yaml --ignore-preflight-errors={ignore} 2>&1")
    steps["init"] = time.monotonic() - t
    token, ca_hash = parse_join(out)
    for worker in workers:
        t = time.monotonic()
        lab.ssh(
            worker,
            f"kubeadm join {cp.address}:6443 --token {token} --discovery-token-ca-cert-hash {ca_hash} "
            f"--ignore-preflight-errors={ignore} 2>&1",
        )
        steps[f"join-{worker}"] = time.monotonic() - t
    t = time.monotonic()
    wait_registered(lab, [cp.name, *workers])
    steps["registered"] = time.monotonic() - t
    return KubeadmRun(total=time.monotonic() - started, steps=steps)


def wait_registered(lab: Lab, names: list[str], timeout: float = 300) -> None:
    """Until `kubectl get nodes` on the first node lists every name (no readiness asked: the lab's CNI is static)."""
    cp = lab.nodes[0].name
    deadline = time.monotonic() + timeout
    script = "kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes -o name 2>/dev/null || true"
    while True:
        listed = {line.removeprefix("node/") for line in lab.ssh(cp, script).split()}
        if set(names) <= listed:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"nodes {sorted(set(names) - listed)} not registered after {timeout:.0f}s")
        time.sleep(0.5)
